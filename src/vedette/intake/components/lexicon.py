"""Loading the per-language data files under ``intake/lang/<lang>/``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

LANG_DIR = Path(__file__).resolve().parents[1] / "lang"
LANGS = ("en", "fr")


def rows(lang: str, name: str) -> list[list[str]]:
    path = LANG_DIR / lang / name
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            out.append([c.strip() for c in line.split("\t")])
    return out


@cache
def all_rows(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Rows of ``name`` in every language, tagged with the language."""
    return tuple((lang, tuple(r)) for lang in LANGS for r in rows(lang, name))
