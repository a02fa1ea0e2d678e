"""Hostile folders: each entry that cannot be read is reported by name with its reason, the rest of the folder
goes on, and the report is always printed and written. Everything is real: a FIFO, a UNIX socket, a device
(reached by a link to /dev/null), broken links, a link to itself, a folder link back to its parent, a file
whose read fails (a link to /proc/self/mem, which answers an I/O error at offset 0, even to root), names
that are not UTF-8 or hold control characters."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from vedette.intake.folders import shown
from vedette.intake.models import Document, Rejection
from vedette.intake.service import ingest_items
from vedette.store.db import session_factory

EN = "Armed men stopped two buses on the northern road on Friday and the army closed the crossing."
FR = "Des hommes armés ont arrêté deux bus sur la route du nord vendredi et l'armée a fermé le passage."
DE = "Bewaffnete Männer haben am Freitag zwei Busse auf der Nordstraße angehalten."


def _hostile(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    """A folder of good files and bad entries; returns it and, for each bad entry (as shown), a word of its
    reason."""
    folder = root / "hostile"
    (folder / "sub").mkdir(parents=True)
    (folder / "a-good.txt").write_text(EN)
    (folder / "sub" / "inner.txt").write_text(FR)
    (folder / "zz-last.txt").write_text(DE)  # sorted after every bad entry: the walk went on
    (folder / ".hidden.txt").write_text("not ingested: hidden")
    os.mkfifo(folder / "pipe.txt")
    monkeypatch.chdir(folder)  # a short path for the socket (at most 108 bytes)
    server = socket.socket(socket.AF_UNIX)
    server.bind("sock.txt")
    server.close()
    os.symlink("/dev/null", folder / "null.txt")
    os.symlink("nowhere.txt", folder / "gone.txt")
    os.symlink("self.txt", folder / "self.txt")
    os.symlink("..", folder / "sub" / "back")
    os.symlink("/proc/self/mem", folder / "mem.txt")
    raw = os.fsencode(folder)
    with open(os.path.join(raw, b"caf\xe9.txt"), "wb") as fh:  # Latin-1 name: not UTF-8
        fh.write("Le café du marché a brûlé samedi soir, selon la police.".encode())
    os.mkfifo(os.path.join(raw, b"tube-\xff\xfe"))
    (folder / "new\nline.txt").write_text("A file name with a line break is still a report about a flood.")
    bad = {
        "pipe.txt": "FIFO",
        "sock.txt": "socket",
        "null.txt": "character device",
        "gone.txt": "broken symbolic link",
        "self.txt": "symbolic link loop",
        "sub/back": "symbolic link loop",
        "mem.txt": "cannot read",
        "tube-\\xff\\xfe": "FIFO",
    }
    return folder, {shown(folder / k) if "\\" not in k else f"{shown(folder)}/{k}": v for k, v in bad.items()}


def test_each_bad_entry_is_reported_and_the_rest_goes_on(
    clean_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, bad = _hostile(tmp_path, monkeypatch)
    report = ingest_items([str(folder)])
    reasons = dict(report.rejected)
    assert set(reasons) == set(bad), reasons
    for item, word in bad.items():
        assert reasons[item].startswith(f"{item}: ") and word in reasons[item], reasons[item]
    assert "Input/output error" in reasons[f"{shown(folder)}/mem.txt"]
    assert "nowhere.txt" in reasons[f"{shown(folder)}/gone.txt"]
    assert len(report.added) == 5  # a-good, sub/inner, zz-last, caf\xe9, new\nline
    with session_factory(clean_db)() as s:
        names = set(s.scalars(select(Document.name)))
        origins = set(s.scalars(select(Document.origin)))
        stored = dict(s.execute(select(Rejection.item, Rejection.reason)).all())
    assert names == {"a-good.txt", "inner.txt", "zz-last.txt", "caf\\xe9.txt", "new\\x0aline.txt"}
    assert f"{shown(folder.resolve())}/caf\\xe9.txt" in origins
    assert stored == reasons  # written as reported, undecodable bytes escaped


def test_the_cli_prints_every_rejection_and_names_that_are_not_utf8(
    clean_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vedette.cli import app

    folder, bad = _hostile(tmp_path, monkeypatch)
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", "--no-progress", str(folder)])
    assert result.exit_code == 0, result.output
    assert "5 added" in result.output and f"{len(bad)} rejected" in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("rejected ")]
    assert len(lines) == len(bad)
    for item, word in bad.items():
        assert any(line.startswith(f"rejected {item}: ") and word in line for line in lines), item
    # items named on the command line with bytes that are not UTF-8, or that are no regular file
    lone = os.fsdecode(os.fsencode(folder) + b"/tube-\xff\xfe")
    again = runner.invoke(app, ["ingest", "--no-progress", lone, str(folder / "self.txt"), str(folder / "gone.txt")])
    assert again.exit_code == 1, again.output
    assert f"{shown(folder)}/tube-\\xff\\xfe: not a regular file: a FIFO" in again.output
    assert "symbolic link loop" in again.output and "broken symbolic link" in again.output
    with session_factory(clean_db)() as s:
        items = list(s.scalars(select(Rejection.item)))
    assert items.count(f"{shown(folder)}/tube-\\xff\\xfe") == 2  # stored by both runs, escaped


def test_a_folder_reached_twice_by_links_is_read_once(clean_db: str, tmp_path: Path) -> None:
    (tmp_path / "d" / "real").mkdir(parents=True)
    (tmp_path / "d" / "real" / "one.txt").write_text(EN)
    os.symlink("real", tmp_path / "d" / "alias")
    os.symlink(str(tmp_path / "d" / "real"), tmp_path / "d" / "zalias")
    report = ingest_items([str(tmp_path / "d")])
    assert len(report.added) == 1 and report.duplicates == 0 and report.rejected == []
