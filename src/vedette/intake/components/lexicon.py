"""Loading the per-language data files under ``intake/lang/<lang>/``."""

from __future__ import annotations

import re
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


def trie_regex(words: list[str] | set[str]) -> str:
    """One alternation of ``words`` as a prefix tree (much faster than a flat ``a|b|c`` in ``re``)."""
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        if ends:
            return body + "?" if len(branches) == 1 and len(branches[0]) == 1 else f"(?:{'|'.join(branches)})?"
        return body

    return build(root)
