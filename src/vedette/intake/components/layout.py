"""The layout of a report: title lines and the stamped headings of log entries, shared by places and assembly."""

from __future__ import annotations

import re

from vedette.intake.pipeline import Sentence
from vedette.intake.regex import compile as rx_compile

# "14 June 2024 06:40", "16/04 07h20": a log entry's stamp at the start of a line
_LOG_STAMP = rx_compile(r"^\s*\d{1,2}\s+\w+\s+(?:\d{4}\s+)?\d{1,2}[:h.]\d{2}")
_FIELD = rx_compile(r"(?:Objet|Sujet|Subject|Titre|Title|R[ée]f(?:[ée]rence)?|Re)\s*:", re.IGNORECASE)
_CLOSED = rx_compile(r"[.!?\"”»)]$")


def is_heading(s: Sentence) -> bool:
    """A title line: no closing punctuation, short, not a timestamped log entry; or set in capitals."""
    if _FIELD.match(s.text):
        return True  # "Objet : troubles post-électoraux - régions du Gorgol...": what the message is about
    head = s.text[:24]
    if head.upper() == head:  # cheap test first: most sentences have a lower-case letter early on
        letters = [c for c in s.text if c.isalpha()]
        if len(letters) >= 12 and sum(c.isupper() for c in letters) >= 0.7 * len(letters):
            return True  # "HAÏTI – CHRONOLOGIE DES VIOLENCES (JANVIER – AVRIL 2024)"
    return not _CLOSED.search(s.text) and len(s.text.split()) <= 16 and not _LOG_STAMP.match(s.text)


def starts_dated(s: Sentence) -> bool:
    """Opens with its date: "14 June 2024 06:40 - ...", "[14/04/2025 - 05:20] KOLOFATA", "2 October - Quetta"."""
    return bool(_LOG_STAMP.match(s.text)) or any(d.start - s.start <= 3 for d in s.dates)


def section_headings(sentences: list[Sentence]) -> set[int]:
    """Indices of heading lines: titles, and dated lines that head a body of their own ("14 June 2024
    06:40 - MANDERA COUNTY - IED strike on police vehicle" over the paragraph that tells it)."""
    heads = set()
    for i, s in enumerate(sentences):
        if is_heading(s) or (
            len(s.text.split()) <= 16
            and not re.search(r"[.!?]$", s.text)
            and i + 1 < len(sentences)
            and sentences[i + 1].paragraph == s.paragraph + 1
            and (i == 0 or sentences[i - 1].paragraph < s.paragraph)
            and starts_dated(s)
            and not starts_dated(sentences[i + 1])
        ):
            heads.add(i)
    return heads
