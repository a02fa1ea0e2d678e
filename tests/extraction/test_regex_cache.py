"""The on-disk cache of compiled patterns gives the very patterns re.compile gives, and survives a bad file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vedette.intake import regex

PATTERNS = [
    (r"\b(?P<d>[0-3]?\d)\s+(?P<m>janvier|février|march|may)\b", re.IGNORECASE),
    (r"(?<![\w-])(?:al-Shabaab|ISWAP|M23)(?![\w])", 0),
    (r"(?m)^[A-ZÀ-Þ](?:[^\W\d_]|[’'\- ]){1,40},\s+\d{4}\s*[-–—:]\s", 0),
    (r"(?-i:\bmay\b)(?! \d)|\bmight\b", re.IGNORECASE),
    (r"(a)|(?P<b>b)(?(1)c|d)", 0),
]
TEXT = "On 3 May 2023 al-Shabaab and ISWAP-linked men might attack. 12 février, M23.\nGOMA, 2024 - x ab bd"


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "regex.marshal"
    monkeypatch.setattr(regex, "_cache_path", lambda: path)
    monkeypatch.setattr(regex, "_PROGRAMS", None)
    monkeypatch.setattr(regex, "_FIRST", {})
    monkeypatch.setitem(regex._STATE, "dirty", False)
    monkeypatch.setitem(regex._STATE, "saving", True)  # no atexit hook from the tests
    return path


def _same(pattern: str, flags: int) -> None:
    ours, theirs = regex.compile(pattern, flags), re.compile(pattern, flags)
    assert ours == theirs  # same source, flags and compiled program
    assert (ours.groupindex, ours.groups) == (theirs.groupindex, theirs.groups)
    assert [m.span() for m in ours.finditer(TEXT)] == [m.span() for m in theirs.finditer(TEXT)]


def test_compiled_and_reloaded_patterns_are_re_compiles(fresh_cache: Path) -> None:
    for pattern, flags in PATTERNS:
        _same(pattern, flags)
    assert regex.first_chars(r"\b(?:gunmen|bandits)") == frozenset("gb")
    regex.save_cache()
    assert fresh_cache.exists() and not regex._STATE["dirty"]
    regex._PROGRAMS = None  # a new process: everything from the file
    regex._FIRST.clear()
    for pattern, flags in PATTERNS:
        _same(pattern, flags)
    assert not regex._STATE["dirty"]  # nothing compiled anew
    assert regex.first_chars(r"\b(?:gunmen|bandits)") == frozenset("gb")


def test_a_damaged_cache_file_is_ignored(fresh_cache: Path) -> None:
    fresh_cache.write_bytes(b"\x00not a cache")
    for pattern, flags in PATTERNS:
        _same(pattern, flags)
    with pytest.raises(re.error):
        regex.compile(r"(unclosed", 0)


def test_the_pipeline_patterns_from_the_cache_are_re_compiles() -> None:
    from vedette.intake.extract import default_pipeline

    for c in default_pipeline().components:
        c.ensure_ready()
    programs = regex._load()
    assert len(programs) > 100
    for (pattern, flags), _ in list(programs.items()):
        assert regex.compile(pattern, flags) == re.compile(pattern, flags)
