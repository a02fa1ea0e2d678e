"""`vedette demo load` takes in every bundled report once, in both languages, and is idempotent."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from vedette.cli import app
from vedette.demo import DEMO_DIR
from vedette.intake.models import Document
from vedette.store.db import session_factory


def test_demo_load_is_complete_and_idempotent(clean_db: str) -> None:
    files = [p for p in DEMO_DIR.rglob("*") if p.is_file()]
    assert len(files) >= 8
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "load"])
    assert first.exit_code == 0, first.output
    with session_factory(clean_db)() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == len(files)
        languages = set(s.scalars(select(Document.language)))
    assert {"en", "fr"} <= languages

    second = runner.invoke(app, ["demo", "load"])
    assert second.exit_code == 0, second.output
    with session_factory(clean_db)() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == len(files)
