"""Normalise text: Markdown link syntax out, hard-wrapped lines joined back into paragraphs."""

from __future__ import annotations

import re

from vedette.intake.pipeline import Component, Doc, component
from vedette.intake.regex import compile as rx_compile

_MD_LINK = rx_compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = rx_compile(r"\*\*|__|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)")
_HEADING = rx_compile(r"^#{1,6}\s*")
_ENDS_SENTENCE = rx_compile(r"[.!?:;\"”»)]\s*$")
_CONTINUES = rx_compile(
    r"\b(the|a|an|of|and|or|to|in|on|at|by|for|with|from|as|de|du|des|la|le|les|et|à|au|aux|en|par|pour|sur)\s*$",
    re.I,
)


def join_lines(text: str) -> str:
    """Join a line to the next when the sentence visibly goes on (even across a blank line)."""
    lines = [ln.rstrip() for ln in text.split("\n")]
    body = [ln for ln in lines if len(ln.strip()) >= 30]
    # hard-wrapped text: most long lines stop mid-sentence, so a long line goes on even before a capital
    wrapped = len(body) >= 4 and sum(not _ENDS_SENTENCE.search(ln) for ln in body) >= 0.6 * len(body)
    out: list[str] = []
    pending_blank = False
    last_len = 0
    for line in lines:
        stripped = line.strip()
        if not stripped:
            pending_blank = True
            continue
        prev_len, last_len = last_len, len(stripped)
        if out and out[-1]:
            prev = out[-1]
            starts_lower = stripped[0].islower()
            bullet = stripped[:2] in ("* ", "- ", "• ")
            goes_on = not _ENDS_SENTENCE.search(prev) and (
                starts_lower or _CONTINUES.search(prev) or (wrapped and prev_len >= 30)
            )
            if not bullet and (
                goes_on or (not pending_blank and not _ENDS_SENTENCE.search(prev) and starts_lower)
            ):
                out[-1] = f"{prev} {stripped}"
                pending_blank = False
                continue
            if pending_blank:
                out.append("")
        out.append(stripped)
        pending_blank = False
    return "\n".join(out)


@component("clean")
class Clean(Component):
    assigns = ("text",)

    def __call__(self, doc: Doc) -> Doc:
        text = _MD_LINK.sub(r"\1", doc.raw.replace("\r\n", "\n").replace("\u00a0", " "))
        text = "\n".join(_HEADING.sub("", ln) for ln in text.split("\n"))
        text = _MD_EMPH.sub("", text)
        text = re.sub(r"[ \t]+", " ", text)
        doc.text = join_lines(text)
        return doc
