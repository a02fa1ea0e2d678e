"""Categories from cue lexicons (data files per language); the deciding cue is kept.

Also flags sentences that advise, warn or speculate rather than report (``Sentence.skip``).
"""

from __future__ import annotations

import re

from vedette.intake.components.lexicon import rows
from vedette.intake.pipeline import Component, Doc, component
from vedette.intake.regex import compile as compile_cached
from vedette.intake.regex import first_chars

PRIORITY = (
    "coup",
    "kidnapping",
    "terrorism",
    "violence_against_civilians",
    "armed_conflict",
    "civil_unrest",
    "transport_disruption",
    "crime",
    "health",
    "natural_disaster",
    "political",
    "other",
)


def cue_texts(lang: str) -> list[str]:
    return [row[1] for row in rows(lang, "categories.tsv")]


def compile_cues(lang: str) -> list[tuple[str, re.Pattern[str], float]]:
    out = []
    for row in rows(lang, "categories.tsv"):
        cat, cue, weight = row[0], row[1], float(row[2]) if len(row) > 2 else 1.0
        out.append((cat, compile_cached(rf"(?<!\w)(?:{cue})(?!\w)", re.IGNORECASE), weight))
    return out


_WORD_START = re.compile(r"(?<!\w)[\w$%]")  # every cue starts a word (cues are matched on word boundaries)
_PURPOSE = re.compile(
    r"\b(?:so|so that|in order that|afin que|pour que)\s+(?:[\w’'-]+\s+){0,3}$", re.IGNORECASE
)


@component("category")
class Category(Component):
    requires = ("sentences", "lang")
    assigns = ("sentences.categories", "sentences.skip")

    def initialize(self) -> None:
        self.cues = {lang: compile_cues(lang) for lang in ("en", "fr")}
        # where any cue may start: needed only for cues whose first character is not known (none today)
        self.anchor = {
            lang: compile_cached(
                r"(?<!\w)(?=" + "|".join(f"(?:{cue})(?!\\w)" for cue in cue_texts(lang)) + ")", re.IGNORECASE
            )
            for lang in self.cues
            if any(first_chars(f"(?:{cue})") is None for cue in cue_texts(lang))
        }
        # cue indexes by the lower-case character a match can start with; cues of unknown start in "*"
        self.by_char: dict[str, dict[str, list[int]]] = {}
        for lang in self.cues:
            table: dict[str, list[int]] = {"*": []}
            for k, cue in enumerate(cue_texts(lang)):
                chars = first_chars(f"(?:{cue})")
                for c in chars if chars is not None else ["*"]:
                    table.setdefault(c, []).append(k)
            self.by_char[lang] = {c: sorted(set(ks) | set(table["*"])) for c, ks in table.items()}
        # per starting letter, one expression that matches where any of its cues does: most word starts match
        # none, and are then passed over with one test instead of one per cue
        self.gate: dict[str, dict[str, re.Pattern[str]]] = {
            lang: {
                c: compile_cached("|".join(f"(?:{self.cues[lang][k][1].pattern})" for k in ks), re.IGNORECASE)
                for c, ks in table.items() if ks
            }
            for lang, table in self.by_char.items()
        }
        self.nonevents = {
            lang: [(r[0], compile_cached(r[1], re.IGNORECASE)) for r in rows(lang, "nonevents.tsv")]
            for lang in ("en", "fr")
        }

    def __call__(self, doc: Doc) -> Doc:
        lang = doc.lang if doc.lang in self.cues else "en"
        hits: list[list[tuple[str, float, str, int]]] = [[] for _ in doc.sentences]
        cues = self.cues[lang]
        found: list[tuple[int, int, int, re.Match[str]]] = []
        last_end = [0] * len(cues)
        # one pass finds where any cue may start; each cue is then tried only there (same result as one
        # finditer per cue, several times faster)
        by_char = self.by_char[lang]
        anywhere = by_char["*"]
        text = doc.text
        anchor = self.anchor.get(lang, _WORD_START) if anywhere else _WORD_START
        gates = self.gate[lang]
        for a in anchor.finditer(text):
            pos = a.start()
            first = text[pos].lower()
            gate = gates.get(first) if first in by_char else gates.get("*")
            if gate is None or gate.match(text, pos) is None:
                continue
            for k in by_char.get(first, anywhere):
                pat = cues[k][1]
                if pos < last_end[k]:
                    continue
                m = pat.match(doc.text, pos)
                if m is not None:
                    last_end[k] = m.end()
                    i = doc.sentence_at(m.start(), m.end())
                    if i is not None:
                        found.append((k, pos, i, m))
        found.sort(key=lambda f: (f[0], f[1]))
        for k, _, i, m in found:
            cat, _, weight = cues[k]
            hits[i].append((cat, weight, m.group(0), m.start()))
        skips: dict[int, tuple[int, str, str]] = {}
        for k, (kind, pat) in enumerate(self.nonevents[lang]):
            for i, m in doc.matches(pat):
                if kind == "advice" and _PURPOSE.search(doc.text, max(0, m.start() - 40), m.start()):
                    continue  # "so our clients could depart": a purpose, not a possibility
                if i not in skips or skips[i][0] > k:
                    skips[i] = (k, kind, m.group(0))
        for i, s in enumerate(doc.sentences):
            s.categories = hits[i]
            if i in skips:
                _, kind, cue = skips[i]
                s.skip = f"{kind}:category.non-event cue '{cue}'"
        return doc


def decide(hits: list[tuple[str, float, str, int]]) -> tuple[str, str, float] | None:
    """The category with the highest total weight (ties: PRIORITY order) and its strongest cue."""
    if not hits:
        return None
    totals: dict[str, float] = {}
    best_cue: dict[str, tuple[float, str]] = {}
    for cat, w, cue, _ in hits:
        totals[cat] = totals.get(cat, 0.0) + w
        if cat not in best_cue or w > best_cue[cat][0]:
            best_cue[cat] = (w, cue)
    cat = max(totals, key=lambda c: (totals[c], -PRIORITY.index(c)))
    return cat, best_cue[cat][1], totals[cat]
