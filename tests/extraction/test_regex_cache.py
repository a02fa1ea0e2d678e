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


def test_needed_literals_are_needed() -> None:
    assert regex.needed_literals(r"\b(?:threat|risk)s? of\b", re.I) == frozenset({"threat of", "threats of",
                                                                                    "risk of", "risks of"})
    assert regex.needed_literals(r"\b(?:du\s+)?(?P<d>\d+)\s+(?P<m>mai|june)\b", re.I) == frozenset({"mai", "june"})
    assert regex.needed_literals(r"(?:abc)?\d+", 0) is None  # an optional part is needed by nothing
    assert regex.needed_literals(r"x|\w+", 0) is None  # one branch needs nothing
    assert regex.needed_literals(r"(?-i:\bMay\b)|\bmight\b", re.I) == frozenset({"may", "might"})


def test_lowered_texts_stand_for_what_the_engine_compares() -> None:
    assert regex.lowered("Attaque à BUNIA") == "attaque à bunia"
    assert regex.lowered("Diyarbakır") is None  # dotless i: the engine takes it for 'i' when ignoring case
    assert regex.lowered("İstanbul") is None  # lower-cases to two characters
    assert regex.lowered("Gewehrſchüsse") is None  # long s


def test_a_pattern_skipped_for_a_text_cannot_match_it() -> None:
    """Over our own documents and every pattern the pipeline runs through Doc.matches."""
    from vedette.intake import pipeline
    from vedette.intake.extract import extract_doc

    here = Path(__file__).resolve().parent
    texts = [p.read_text(encoding="utf-8") for p in sorted((here / "docs").glob("*.txt"))]
    seen: set[re.Pattern[str]] = set()
    original = pipeline.Doc.matches

    def record(self, pattern):  # noqa: ANN001, ANN202
        seen.add(pattern)
        return original(self, pattern)

    pipeline.Doc.matches = record
    try:
        extract_doc(texts[0], "first.txt", timeout_s=0)
    finally:
        pipeline.Doc.matches = original
    assert len(seen) > 40
    skipped = 0
    for text in texts + [t.replace("a", "A") for t in texts[:5]]:
        low = regex.lowered(text)
        for pattern in seen:
            if not regex.may_match(pattern, low):
                skipped += 1
                assert pattern.search(text) is None, pattern.pattern
    assert skipped > 100  # the test is not vacuous


def test_patterns_made_per_document_stay_out_of_the_cache() -> None:
    """The acronyms a text defines make a pattern of their own: it must not grow the file on disk."""
    from vedette.intake.extract import extract_text

    text = ("On 3 May 2023, fighters of the Movement for the Liberation of the North ({acr}) attacked a police "
            "post in Maiduguri, killing ten officers. The {acr} claimed the attack.")
    extract_text(text.format(acr="MLN"), "a.txt", timeout_s=0)
    before = (len(regex._load()), len(regex._FIRST), len(regex._NEEDED))
    records = extract_text(text.format(acr="MPX"), "b.txt", timeout_s=0)
    assert any("MPX" in r.actors for r in records)  # the per-document pattern did run
    assert (len(regex._load()), len(regex._FIRST), len(regex._NEEDED)) == before
