"""The document's own date: given metadata, a date in its file name, or a dateline near the top.

A year in the file name ("..._2012.txt") becomes ``year_hint`` for logs that never state the year.
"""

from __future__ import annotations

import re
from datetime import date

from vedette.intake.components.dates import DATELINE, find_dates
from vedette.intake.pipeline import Component, Doc, component
from vedette.intake.regex import compile as rx_compile

_NAME_DATE = rx_compile(r"(?<!\d)((?:19|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?!\d)")
_NAME_YEAR = rx_compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


@component("docdate")
class DocDate(Component):
    requires = ("text", "sentences")
    assigns = ("published", "year_hint")

    def __call__(self, doc: Doc) -> Doc:
        if doc.published is None:
            m = _NAME_DATE.search(doc.name)
            if m:
                doc.published = date(int(m[1]), int(m[2]), int(m[3]))
                doc.meta["published_rule"] = "docdate.file-name"
        if doc.published is None:
            doc.published = self._dateline(doc)
        years = _NAME_YEAR.findall(doc.name)
        doc.year_hint = doc.published.year if doc.published else (int(years[-1]) if years else None)
        return doc

    @staticmethod
    def _dateline(doc: Doc) -> date | None:
        """A full date on a short line (or before a dash) within the first lines of the text."""
        head = doc.text[:800]
        pos = 0
        for line in head.split("\n")[:12]:
            dates = [
                d for d in find_dates(line, pos, doc.lang, None, None) if len(d.value) == 10 and d.certain
            ]
            if dates and (
                len(line) <= 90 or re.search(r"\s[—–-]\s", line[: dates[0].end - pos + 4]) or DATELINE.match(line)
            ):  # "ANTANANARIVO, 16 mars 2024 (AOI) – Les autorités ..."
                doc.meta["published_rule"] = "docdate.dateline"
                return date.fromisoformat(dates[0].value)
            pos += len(line) + 1
        return None
