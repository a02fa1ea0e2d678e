"""The gazetteer file is generated at set-up, deterministically, from pinned inputs; never committed."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from vedette.gazetteer import datafile

REPO = Path(__file__).resolve().parents[2]

# What the pinned packages and the curated TSVs make (pyproject.toml pins them): a change here is a change
# of data, to be made on purpose together with the pins.
EXPECTED = {
    "city": 234_910,
    "admin1": 3_782,
    "airport": 7_884,
    "country": 242,
    "zone": 18,
    "locality": 11,
}
EXPECTED_NAMES = 603_253
EXPECTED_CAPITAL_ROWS = 245


def test_build_is_deterministic(tmp_path: Path) -> None:
    """A second build, in this process, gives the same bytes as the file `make install` built."""
    from vedette.gazetteer.build import build

    installed = datafile.data_path()
    again = tmp_path / "again.sqlite"
    build(again)
    assert datafile.file_sha256(again) == datafile.file_sha256(installed)


def test_built_file_holds_what_its_inputs_give() -> None:
    db = sqlite3.connect(f"file:{datafile.data_path()}?mode=ro", uri=True)
    try:
        kinds = dict(db.execute("SELECT kind, count(*) FROM places GROUP BY kind").fetchall())
        assert kinds == EXPECTED
        assert db.execute("SELECT count(*) FROM names").fetchone()[0] == EXPECTED_NAMES
        assert db.execute("SELECT count(*) FROM countries").fetchone()[0] == EXPECTED["country"]
        assert db.execute("SELECT count(*) FROM capitals").fetchone()[0] == EXPECTED_CAPITAL_ROWS
        # every airport is reachable by its IATA code, every admin-1 region has an ISO 3166-2 or GeoNames id
        iata = db.execute("SELECT count(*) FROM names WHERE key LIKE 'iata:%'").fetchone()[0]
        assert iata == EXPECTED["airport"]
        assert db.execute("SELECT count(*) FROM places WHERE kind='admin1' AND gid NOT LIKE 'a1:%'").fetchone()[0] == 0
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")} >= {
            "ix_places_gid",
            "ix_names_place",
        }
    finally:
        db.close()


def test_file_name_follows_its_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing a curated TSV (or the build code, or a pin) names a new file: one rebuild, then none."""
    before = datafile.inputs_hash()
    assert datafile.inputs_hash() == before  # stable
    copy = tmp_path / "data"
    shutil.copytree(datafile.DATA, copy)
    monkeypatch.setattr(datafile, "DATA", copy)
    assert datafile.inputs_hash() == before
    with (copy / "zones.tsv").open("a", encoding="utf-8") as fh:
        fh.write("# a curator's comment\n")
    assert datafile.inputs_hash() != before


def test_cache_dir_setting_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vedette.config import get_settings

    monkeypatch.setenv("VEDETTE_GAZETTEER_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    try:
        assert datafile.expected_path().parent == tmp_path / "cache"
        assert datafile.expected_path().name == f"gazetteer-{datafile.inputs_hash()}.sqlite"
    finally:
        get_settings.cache_clear()


def test_no_generated_binary_is_tracked() -> None:
    if not (REPO / ".git").exists():
        pytest.fail(f"{REPO} is not a git checkout: this test checks what git tracks")
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    generated = [p for p in tracked if p.endswith((".sqlite", ".gz", ".sqlite.gz", ".whl", ".pyc"))]
    assert generated == []
