"""A small spaCy-style pipeline: named components, registered once, run in order over one ``Doc``.

Each component is a class with ``name``, ``requires`` / ``assigns`` (attribute names on Doc), an
``initialize()`` that loads its data once, and ``__call__(doc) -> doc``. Adding a component is a new
module under ``intake/components`` decorated with ``@component``; adding a language is a new folder of
data under ``intake/lang``.
"""

from __future__ import annotations

import os
import re
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vedette.errors import VedetteError
from vedette.intake.regex import gated, lowered, may_match

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
        low = self.meta.get("_lowered")
        if low is None or low[0] is not self.text:
            low = self.meta["_lowered"] = (self.text, lowered(self.text), {})
        if not may_match(pattern, low[1], low[2]):
            return  # a string every match contains is not in the text: no need to run the pattern
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

    def __call__(self, doc: Doc, timeout_s: float | None = None) -> Doc:
        """Run every component over ``doc``; past ``timeout_s`` seconds (None or <= 0: no limit), stop and
        raise ``ExtractionTimedOut`` (the components' one-time data loading does not count)."""
        for c in self.components:
            c.ensure_ready()
        if not timeout_s or timeout_s <= 0:
            for c in self.components:
                doc = c(doc)
            return doc
        token = WATCHDOG.arm(timeout_s)
        fired = False
        try:
            for c in self.components:
                doc = c(doc)
                if WATCHDOG.cooperative and WATCHDOG.overdue(token):
                    break
        except ExtractionTimedOut:
            fired = True
        finally:
            fired = WATCHDOG.disarm(token) or fired
        if fired:
            raise ExtractionTimedOut(
                f"extraction took longer than {timeout_s:g} s (extract_timeout_s): stored for review",
                item=doc.name,
                limit_s=timeout_s,
            )
        return doc


class ExtractionTimedOut(VedetteError):
    """One document's extraction ran past its time limit (setting ``extract_timeout_s``): its incidents are
    not known. Whoever stores documents keeps it and marks it for review (see ``extract.TIMED_OUT``)."""

    status_code = 422

    def __init__(
        self, message: str = "extraction took too long", *, item: str | None = None, limit_s: float | None = None
    ) -> None:
        self.limit_s = limit_s
        super().__init__(message, item=item)


RAISE_AGAIN_S = 0.5  # a fired deadline's exception is raised again this often until its thread disarms it


class _Watchdog:
    """One daemon thread that stops overrunning extractions in whatever thread runs them (CLI, web worker
    threads, job workers): at a document's deadline it raises ``ExtractionTimedOut`` in that thread, between
    two Python bytecodes (a call into C, such as one regular-expression search, ends first). Where the
    interpreter offers no such call, the pipeline checks the deadline between components instead."""

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):  # a forked worker (Celery) starts its own thread, with fresh locks
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[int, tuple[float, int]] = {}  # token -> (deadline, thread id)
        self._fired: dict[int, int] = {}  # token -> thread id, until the thread disarms it
        self._count = 0
        self._thread: threading.Thread | None = None
        self._raise: Callable[[int, Any], int] | None = None
        self.cooperative = False

    def _setup(self) -> None:
        try:
            import ctypes

            set_async = ctypes.pythonapi.PyThreadState_SetAsyncExc

            def raise_in(ident: int, exc: type[BaseException] | None) -> int:  # None: withdraw a pending one
                return set_async(ctypes.c_ulong(ident), None if exc is None else ctypes.py_object(exc))

            self._raise = raise_in
        except (ImportError, AttributeError):  # pragma: no cover - not CPython
            self.cooperative = True
        self._thread = threading.Thread(target=self._run, name="vedette-extract-watchdog", daemon=True)
        self._thread.start()

    def arm(self, seconds: float) -> int:
        with self._cond:
            if self._thread is None:
                self._setup()
            self._count += 1
            token = self._count
            deadline = time.monotonic() + seconds
            earliest = min((d for d, _ in self._due.values()), default=None)
            self._due[token] = (deadline, threading.get_ident())
            if earliest is None or deadline < earliest:
                self._cond.notify()
            return token

    def overdue(self, token: int) -> bool:
        with self._cond:
            due = self._due.get(token)
            return token in self._fired or (due is not None and time.monotonic() >= due[0])

    def disarm(self, token: int) -> bool:
        """Forget ``token``; True when its deadline passed (any exception still pending for it is withdrawn)."""
        with self._cond:
            due = self._due.pop(token, None)
            fired = self._fired.pop(token, None) is not None
            if fired and self._raise is not None:
                self._raise(threading.get_ident(), None)  # not delivered yet: withdrawn, raised by the caller
            return fired or (due is not None and time.monotonic() >= due[0])

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token, (deadline, ident) in list(self._due.items()):
                    if deadline <= now:
                        del self._due[token]
                        self._fired[token] = ident
                # raised again until the thread disarms: an exception that lands while the thread runs a
                # garbage-collector callback (or a __del__) is printed and lost, and extraction went on
                if self._raise is not None:
                    for ident in self._fired.values():
                        self._raise(ident, ExtractionTimedOut)
                earliest = min((d for d, _ in self._due.values()), default=None)
                wait = None if earliest is None else max(0.0, earliest - now)
                if self._fired:
                    wait = RAISE_AGAIN_S if wait is None else min(wait, RAISE_AGAIN_S)
                self._cond.wait(wait)


WATCHDOG = _Watchdog()
