"""Rule-based sentence splitting for English and French, keeping character offsets.

Splits after . ! ? when the next sentence starts (capital, digit, quote), except after known
abbreviations and initials; also splits before a timestamp that opens a log entry ("22 March 07:55:").
"""

from __future__ import annotations

import re

from vedette.intake.pipeline import Component, Doc, Sentence, component
from vedette.intake.regex import compile as rx_compile

ABBREVIATIONS = {
    "u.s",
    "u.n",
    "u.k",
    "e.u",
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "lt",
    "col",
    "capt",
    "sgt",
    "maj",
    "st",
    "mt",
    "no",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "inc",
    "corp",
    "ltd",
    "co",
    "dept",
    "gov",
    "rep",
    "sen",
    "pres",
    "m",
    "mme",
    "mlle",
    "av",
    "bd",
    "cf",
    "env",
    "p",
    "pp",
    "fig",
    "approx",
    "est",
    "al",
}
_BOUNDARY = rx_compile(r"([.!?…]+)([\"”»’)]*)\s+(?=[\"“«(]?[A-ZÀ-ÖØ-Þ0-9])")
# a sentence may open lower-case ("red24 now advises ...") after a plain word of three letters or more
_LOWER_BOUNDARY = rx_compile(r"(?<=[a-zà-ÿ]{3})(\.)()\s+(?=[a-z][\w-]{2,}\s)")
_LOG_ENTRY = rx_compile(r"(?<=[.!?\"”])\s+(?=\d{1,2}\s+[A-Za-zéû]+\s+(?:\d{4}\s+)?\d{1,2}[:h.]\d{2}\s*:)")


def _word_before(text: str, end: int) -> str:
    """The run of word characters and dots just before ``end`` (what ``([\\w.]+)$`` finds in ``text[:end]``),
    read backwards from ``end`` instead of searched from the start (linear in long paragraphs)."""
    i = end
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_."):
        i -= 1
    return text[i:end]


def split_paragraph(text: str, offset: int) -> list[tuple[int, int]]:
    cuts = [0]
    for m in _BOUNDARY.finditer(text):
        word = _word_before(text, m.start(1))
        token = word.lower().rstrip(".") if word else ""
        if m.group(1) == "." and (
            token in ABBREVIATIONS
            or re.fullmatch(r"[a-z]", token or "x")
            and len(token) == 1
            and text[m.start(1) - 1 : m.start(1)].isupper()
        ):
            continue
        if m.group(1) == "." and re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):
            continue  # U.S. / e.g.
        cuts.append(m.end(2) + (len(m.group(0)) - len(m.group(1)) - len(m.group(2))))
    for m in _LOWER_BOUNDARY.finditer(text):
        word = _word_before(text, m.start(1))
        if word and word.lower() not in ABBREVIATIONS and "." not in word:
            cuts.append(m.end())
    for m in _LOG_ENTRY.finditer(text):
        cuts.append(m.end())
    cuts = sorted(set(cuts)) + [len(text)]
    spans = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        seg = seg.strip()
        if seg:
            spans.append((offset + a + lead, offset + a + lead + len(seg)))
    return spans


@component("sentences")
class Sentences(Component):
    requires = ("text",)
    assigns = ("sentences",)

    def __call__(self, doc: Doc) -> Doc:
        pos = 0
        for pno, para in enumerate(doc.text.split("\n")):
            for a, b in split_paragraph(para, pos):
                doc.sentences.append(Sentence(a, b, doc.text[a:b], pno))
            pos += len(para) + 1
        return doc
