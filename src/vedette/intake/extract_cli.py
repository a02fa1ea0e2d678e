"""``vedette extract FILE... --jsonl``: records in the SCHEMA.md shape on stdout, nothing stored."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer


def _err():  # noqa: ANN202 - rich's Console, loaded only when there is something to say
    from rich.console import Console

    return Console(stderr=True)


def _files(items: list[Path]) -> list[Path]:
    out = []
    for p in items:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        else:
            out.append(p)
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def extract(
        paths: list[Path] = typer.Argument(..., help="Files or folders to extract from."),
        jsonl: bool = typer.Option(
            True, "--jsonl/--table", help="One JSON record a line (default) or a table."
        ),
        advisories: bool = typer.Option(False, "--advisories", help="Advisory records instead of incidents."),
    ) -> None:
        """Extract incidents (or advisories) without storing anything. Bad files are reported, not fatal."""
        from vedette.errors import VedetteError
        from vedette.intake.extract import extract_path

        failed = 0
        files = _files(paths)
        for path in files:
            try:
                if advisories:
                    from vedette.risk.advisories import extract_advisory_path

                    rows = [extract_advisory_path(path)]
                else:
                    rows = [r.as_schema() for r in extract_path(path)]
            except (VedetteError, OSError, UnicodeError) as exc:
                failed += 1
                _err().print(f"[red]error[/red] {path}: {exc}")
                continue
            for row in rows:
                if jsonl:
                    sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
                else:
                    _err().print(row)
        if files and failed == len(files):
            raise typer.Exit(1)
