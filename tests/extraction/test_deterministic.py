"""Extraction gives the same records whatever Python's hash seed: the countries a document names are
counted in a fixed order, so a tie between two of them is broken the same way in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VEDETTE = str(Path(sys.executable).with_name("vedette"))

# Written for this test: two demonyms that weigh the same, and places of neither country.
TEXT = (
    "Field note 12. Flights to Niamey airport were suspended on 27 April 2019 after shelling near the runway. "
    "The Mozambican authorities have announced additional funding for reconstruction. The Congolese "
    "authorities said the security forces had been reinforced in the area. Armed men stormed a village in "
    "Banadir on 24 February 2023 and set fire to dozens of homes."
)


def test_the_same_records_under_every_hash_seed(tmp_path: Path) -> None:
    doc = tmp_path / "note.txt"
    doc.write_text(TEXT, encoding="utf-8")
    outputs = set()
    for seed in range(6):  # before the fix, two of the six seeds gave the first incident another country
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        done = subprocess.run([VEDETTE, "extract", str(doc), "--jsonl"], env=env, capture_output=True, text=True,
                              check=True, timeout=120)
        assert done.stdout.strip(), done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
