"""`vedette extract FILE... --jsonl`: SCHEMA.md records on stdout, a bad file reported and skipped."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from vedette.cli import app
from vedette.intake.extract import SCHEMA_KEYS


def test_extract_jsonl_goes_on_after_a_bad_file(tmp_path: Path) -> None:
    good = tmp_path / "alert_2023-05-04.txt"
    good.write_text("On 3 May 2023, gunmen attacked a market in Maiduguri, killing 7 people.\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(empty), str(good), "--jsonl"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 1
    rec = lines[0]
    assert tuple(rec) == SCHEMA_KEYS
    assert (rec["doc"], rec["date"], rec["killed"], rec["country"]) == ("alert_2023-05-04.txt", "2023-05-03", 7, "NG")
    assert "empty.txt" in result.stderr
