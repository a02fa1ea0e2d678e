"""A small spaCy-style pipeline: named components, registered once, run in order over one ``Doc``.

Each component is a class with ``name``, ``requires`` / ``assigns`` (attribute names on Doc), an
``initialize()`` that loads its data once, and ``__call__(doc) -> doc``. Adding a component is a new
module under ``intake/components`` decorated with ``@component``; adding a language is a new folder of
data under ``intake/lang``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vedette.intake.regex import gated

REGISTRY: dict[str, type[Component]] = {}
DEFAULT_PIPELINE = (
    "clean",
    "sentences",
    "language",
    "docdate",
    "dates",
    "places",
    "category",
    "counts",
    "actors",
    "assemble",
)


@dataclass
class DateValue:
    value: str  # YYYY, YYYY-MM or YYYY-MM-DD
    start: int  # span in the sentence's document offsets
    end: int
    text: str
    certain: bool = True
    rule: str = ""

    @property
    def precision(self) -> str:
        return {4: "year", 7: "month", 10: "day"}[len(self.value)]


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int
    dates: list[DateValue] = field(default_factory=list)
    time: tuple[str, int, int] | None = None
    places: list[Any] = field(default_factory=list)  # PlaceRef
    categories: list[tuple[str, float, str, int]] = field(
        default_factory=list
    )  # (category, weight, cue, pos)
    counts: dict[str, tuple[int, int, int, str]] = field(
        default_factory=dict
    )  # field -> (n, start, end, rule)
    actors: list[tuple[str, int, int, str]] = field(default_factory=list)  # (name, start, end, rule)
    skip: str | None = None  # why this sentence cannot be an incident (advice, hypothetical...)


@dataclass
class Doc:
    raw: str
    name: str
    text: str = ""
    lang: str | None = None
    published: date | None = None  # the document's own date, when it states one
    year_hint: int | None = None  # a year the document's name or title gives, for logs that omit it
    sentences: list[Sentence] = field(default_factory=list)
    countries: dict[str, float] = field(default_factory=dict)  # ISO2 -> weight in [0, 1]
    records: list[Any] = field(default_factory=list)  # IncidentRecord
    meta: dict[str, Any] = field(default_factory=dict)

    def sentence_at(self, start: int, end: int) -> int | None:
        """Index of the sentence holding the span ``[start, end)``, or None if it crosses a boundary."""
        starts = self.meta.get("_sentence_starts")
        if starts is None or len(starts) != len(self.sentences):
            starts = self.meta["_sentence_starts"] = [s.start for s in self.sentences]
        i = bisect_right(starts, start) - 1
        if i < 0 or end > self.sentences[i].end:
            return None
        return i

    def matches(self, pattern: re.Pattern[str]) -> Iterator[tuple[int, re.Match[str]]]:
        """``pattern`` run once over the whole text, each match with the index of its sentence."""
        starts = self.meta.get("_sentence_starts")
        ends = self.meta.get("_sentence_ends")
        if starts is None or ends is None or len(starts) != len(self.sentences) or len(ends) != len(starts):
            starts = self.meta["_sentence_starts"] = [s.start for s in self.sentences]
            ends = self.meta["_sentence_ends"] = [s.end for s in self.sentences]
        for m in gated(pattern).finditer(self.text):
            i = bisect_right(starts, m.start()) - 1
            if i >= 0 and m.end() <= ends[i]:
                yield i, m


class Component:
    name = ""
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()

    def __init__(self, **config: Any) -> None:
        self.config = config
        self._ready = False

    def initialize(self) -> None:
        """Load data files once (called lazily before the first document)."""

    def ensure_ready(self) -> None:
        if not self._ready:
            self.initialize()
            self._ready = True

    def __call__(self, doc: Doc) -> Doc:  # pragma: no cover - interface
        raise NotImplementedError


def component(name: str) -> Callable[[type[Component]], type[Component]]:
    def register(cls: type[Component]) -> type[Component]:
        cls.name = name
        REGISTRY[name] = cls
        return cls

    return register


class Pipeline:
    def __init__(
        self, names: tuple[str, ...] = DEFAULT_PIPELINE, config: dict[str, dict] | None = None
    ) -> None:
        import vedette.intake.components  # noqa: F401 - registers the built-in components

        config = config or {}
        missing = [n for n in names if n not in REGISTRY]
        if missing:
            raise ValueError(f"unknown pipeline components: {', '.join(missing)}")
        self.components = [REGISTRY[n](**config.get(n, {})) for n in names]
        assigned: set[str] = {"raw", "name", "published"}
        for c in self.components:
            lacking = [r for r in c.requires if r not in assigned]
            if lacking:
                raise ValueError(f"component {c.name!r} requires {lacking}, assigned by nothing before it")
            assigned.update(c.assigns)

    def __call__(self, doc: Doc) -> Doc:
        for c in self.components:
            c.ensure_ready()
            doc = c(doc)
        return doc
