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


def test_demo_replay_alerts_and_escalates(clean_db: str, tmp_path) -> None:  # noqa: ANN001
    """The demo's organisations have alert rules (once, however often it is loaded), its replay raises the
    escalation in Bamako in March 2012, and a report taken in afterwards alerts the people near it."""
    from vedette.alerts.models import Alert, AlertRule
    from vedette.risk import escalations
    from vedette.store.db import session_scope

    runner = CliRunner()
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    with session_factory(clean_db)() as s:
        assert s.scalar(select(func.count()).select_from(AlertRule)) == 3
        raised = [e for e in escalations.listed(s, "ML") if e["admin1"] == "ML-BKO"]
    assert raised and raised[0]["raised_at"].startswith("2012-03")

    from vedette.alerts import flows

    with session_scope(clean_db) as s:
        flows.process_pending(s)  # the flows' cursors start here: what came before alerts nobody
    report = (
        "Security flash, Mali, 26 March 2012.\n\nOn 26 March 2012, gunmen attacked a gendarmerie post in "
        "Bamako, killing two officers and wounding three others, witnesses said.\n"
    )
    from vedette.intake.service import ingest_items

    flash = tmp_path / "2012-03-26_flash.txt"
    flash.write_text(report, encoding="utf-8")
    assert len(ingest_items([str(flash)]).added) == 1
    with session_scope(clean_db) as s:
        flows.process_pending(s)
    with session_factory(clean_db)() as s:
        alerts = list(s.scalars(select(Alert)))
    assert len(alerts) == 1 and alerts[0].recipient_count >= 5
