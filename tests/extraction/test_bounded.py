"""Extraction is bounded: a time limit per document (ExtractionTimedOut, setting extract_timeout_s), and the
`vedette extract` path loads no store migrations, web framework or job queue."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from vedette.intake.extract import TIMED_OUT, ExtractionTimedOut, extract_text

EN = (
    "On {d} May 2023, gunmen attacked a market near the bus station in Maiduguri, killing {n} people and "
    "wounding {k} others. Police said the attackers fled towards the north on motorcycles.\n\n"
)


def _long(paragraphs: int) -> str:
    return "Security report\n\n" + "".join(EN.format(d=1 + i % 28, n=2 + i % 9, k=1 + i % 5) for i in range(paragraphs))


def test_a_document_past_its_limit_raises_a_named_error() -> None:
    with pytest.raises(ExtractionTimedOut) as caught:
        extract_text(_long(3000), "long_report.txt", timeout_s=0.05)
    exc = caught.value
    assert exc.item == "long_report.txt" and exc.limit_s == 0.05
    assert "extract_timeout_s" in str(exc) and exc.status_code == 422
    assert TIMED_OUT.endswith(":timed-out")


def test_the_limit_leaves_ordinary_documents_and_later_calls_alone() -> None:
    text = _long(3)
    free = [r.as_schema() for r in extract_text(text, "short.txt", timeout_s=0)]
    with pytest.raises(ExtractionTimedOut):
        extract_text(_long(3000), "long_report.txt", timeout_s=0.05)
    bounded = [r.as_schema() for r in extract_text(text, "short.txt", timeout_s=30)]
    assert bounded == free and len(free) >= 1
    assert free[0]["killed"] == 2 and free[0]["country"] == "NG"


def test_a_timeout_lost_on_its_way_is_raised_again() -> None:
    """The watchdog raises in the extracting thread between two bytecodes; landing inside a garbage-
    collector callback, the exception is printed and lost. It comes again until the thread disarms."""
    import time

    from vedette.intake.pipeline import WATCHDOG

    caught = 0
    give_up = time.monotonic() + 20  # without a second raise the loop would run until here
    token = WATCHDOG.arm(0.05)
    try:
        while time.monotonic() < give_up and caught < 2:
            try:
                while time.monotonic() < give_up:
                    pass
            except ExtractionTimedOut:
                caught += 1  # the first one stands for the lost one: carry on as the callback's caller did
    finally:
        fired = WATCHDOG.disarm(token)
    assert caught == 2 and fired


def test_the_limit_holds_in_other_threads() -> None:
    """Web requests and job workers extract outside the main thread (no SIGALRM there)."""
    errors: list[BaseException] = []
    records: list[int] = []

    def run(text: str, limit: float) -> None:
        try:
            records.append(len(extract_text(text, "threaded.txt", timeout_s=limit)))
        except ExtractionTimedOut as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(_long(3000), 0.05)),
               threading.Thread(target=run, args=(_long(2), 60.0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(errors) == 1 and errors[0].item == "threaded.txt"
    assert records and records[0] >= 1


def test_the_setting_is_the_default_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from vedette.config import get_settings

    monkeypatch.setenv("VEDETTE_EXTRACT_TIMEOUT_S", "0.05")
    get_settings.cache_clear()
    try:
        assert get_settings().extract_timeout_s == 0.05
        with pytest.raises(ExtractionTimedOut):
            extract_text(_long(3000), "long_report.txt")
    finally:
        get_settings.cache_clear()


FORBIDDEN = ("alembic", "fastapi", "starlette", "celery", "uvicorn", "sqlalchemy.dialects", "sqlalchemy.orm")


def test_the_extract_command_loads_no_store_web_or_queue(tmp_path: Path) -> None:
    doc = tmp_path / "alert_2023-05-04.txt"
    doc.write_text(EN.format(d=3, n=7, k=2), encoding="utf-8")
    code = (
        "import sys\n"
        "from vedette.cli import app\n"
        f"sys.argv = ['vedette', 'extract', {str(doc)!r}, '--jsonl']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    records = [json.loads(x) for x in lines if x.startswith("{")]
    assert len(records) == 1 and records[0]["killed"] == 7
    modules = next(x for x in lines if x.startswith("MODULES ")).split()[1:]
    loaded = sorted(m for m in modules if m.startswith(FORBIDDEN))
    assert not loaded, f"vedette extract loaded {loaded[:10]}"


def test_the_command_list_is_whole_when_looked_at() -> None:
    from typer.testing import CliRunner

    from vedette.cli import app

    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("extract", "ingest", "serve", "db", "gazetteer", "incidents"):
        assert command in result.stdout


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="a POSIX process model")
def test_the_limit_holds_in_a_forked_worker() -> None:
    """Job workers fork from a process that may have extracted (and started its watchdog) already."""
    import os

    from vedette.intake import pipeline

    with pytest.raises(ExtractionTimedOut):
        extract_text(_long(3000), "parent.txt", timeout_s=0.05)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what happened, then leave without running pytest's exit handlers
        try:
            extract_text(_long(3000), "child.txt", timeout_s=0.05)
            os.write(write, b"finished")
        except ExtractionTimedOut:
            watchdog = pipeline.WATCHDOG._thread  # its own, running: the parent's did not survive the fork
            os.write(write, b"timed out, watched" if watchdog is not None and watchdog.is_alive() else b"unwatched")
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 100) == b"timed out, watched" and status == 0
