"""Travel-advisory texts -> advisory records (SCHEMA.md): country, level 1-4, indicators, zones to avoid.

Level. An explicit "Level N" / "niveau N" wins (in a news story "raised to Level 4" beats the
"Level 3" it was raised from). Otherwise each issuer's wording is mapped onto the US 1-4 scale by the
cues of ``data/advisory_cues.tsv`` (US, Canada, UK, providers' "defer all travel", France Diplomatie's
zones, Swiss FDFA), and the level is that of the strongest wording that covers the whole country:
- a clause covers the whole country when it says so ("the rest of the country", "l'ensemble du
  territoire", "the country") or names no zone at all ("Le Niger est formellement déconseillé");
- it covers a zone when it names one (a region, a border strip, "northern", a town, "à l'exception
  de ...");
- France Diplomatie's map gives each zone a colour; the country's level is the level of the wording
  for the country itself or for "le reste du pays" (the part covering most of it), never that of a red
  border strip alone. When every clause is about a zone, the strongest zone's level is taken.
A text with no such wording (an emergency message, a news story) has no level.

Indicators. The US page repeats all nine letters as a tooltip legend, so letters are never read off
the page; they come from the reasons the advice gives ("due to crime, terrorism, and kidnapping",
"en raison du risque terroriste") or, when it gives none, from the risks the text describes.

Date. A date the text itself states for the advice: a dateline in its first lines, else the
day-precise date of the entry that gives the advice. A news story about an advisory that does not
date it gets null (the story's own date is not the advisory's).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
ORDER = "CTUHNEKDO"
# Countries whose governments issue advisories: their names occur in every advisory they write.
ISSUERS = frozenset({"US", "FR", "CH", "GB", "CA", "AU", "DE", "BE"})

_EXPLICIT = re.compile(r"\b(?:level|niveau)\s*([1-4])\b", re.I)
_RAISED = re.compile(r"\b(?:to|at|now|à|au)\s+(?:a\s+|an?\s+|le\s+)?(?:level|niveau)\s*([1-4])\b", re.I)
_REASONS = re.compile(
    r"\b(?:due to|because of|owing to|given the|in view of|en raison d[eu]s?|en raison de la|compte tenu d[eu]s?"
    r"|compte tenu de la|du fait d[eu]s?|face aux?)\b(?P<r>[^.;:\n]{0,200})",
    re.I,
)
_ADVICE_WORDS = re.compile(
    r"\b(?:travel\w*|voyag\w*|déplacements?|séjours?|advis\w*|avoid|déconseill\w*|conseill\w*|visit\w*|"
    r"reconsider|caution|vigilance|se rendre)\b",
    re.I,
)
_ITEM_SPLIT = re.compile(r",|\s+(?:and|or|et|ou|as well as|ainsi que)\s+", re.I)
_WHOLE = re.compile(
    r"\b(?:(?:the )?rest of the country|remainder of the country|(?:the )?(?:whole|entire) (?:country|territory)|"
    r"nationwide|throughout the country|all (?:parts|regions) of|(?:le )?reste du (?:pays|territoire)|"
    r"(?:l')?ensemble du (?:pays|territoire)|tout le (?:pays|territoire)|l'intégralité du (?:pays|territoire))\b",
    re.I,
)
_ZONE_WORDS = re.compile(
    r"\b(?:regions?|région|régions|provinces?|zones?|areas?|départements?|districts?|cercles?|préfectures?|"
    r"states?|county|counties|governorates?|gouvernorats?|borders?|frontières?|frontali\w+|"
    r"north\w*|south\w*|east\w*|west\w*|central|nord|sud|(?<=l['’])est|ouest|centre|within \d+|km|"
    r"à l'exception|except(?:ion|ing)?|excluding|hors|city of|ville de|capital|capitale)\b",
    re.I,
)
_THE_COUNTRY = re.compile(r"\b(?:the country|le pays|ce pays|this country)\b", re.I)
_AVOID = re.compile(
    r"\b(?:avoid (?:all )?(?:travel|trips) to|do not travel to|advises? against (?:all )?travel to|"
    r"advise against (?:all )?travel to|avoid all travel to|déconseillés? (?:vers|dans|à destination de)|"
    r"formellement déconseillée?s? (?:dans|vers)|(?:il est )?formellement déconseillé de se rendre"
    r"|déconseille (?:tout voyage|les voyages) (?:dans|vers|à destination de))"
    r"\s+(?:(?:les|la|le|aux|au|à|en|dans|the)\s+|l')?(?P<zone>[^.,;:()\n]{3,80})",
    re.I,
)
_AVOID_SUBJECT = re.compile(
    r"(?:^|[.;:]\s+)(?P<zone>[^.;:,\n]{3,80}?)\s+(?:est|sont|reste|restent|demeure|demeurent)\s+"
    r"(?:(?:également|aussi|toujours|désormais|donc)\s+)?formellement déconseillée?s?",
    re.I | re.M,
)
_AVOID_LIST = re.compile(
    r"^\s*(?:do not travel to|formellement déconseillés?)\s*:?\s*$"
    r"|^[^\n]*\b(?:do not travel|avoid (?:all )?travel|advises? against|reconsider travel|déconseill\w*)\b[^\n]*:\s*$",
    re.I,
)
_NAMES_SPLIT = re.compile(r",\s*(?:and\s+|et\s+)?|\s+and\s+|\s+et\s+")
_MAP_LEGEND = re.compile(
    r"^\W*(?:zones?\s+|level\s+\d\s*[-–:]?\s*)?(?:rouges?|oranges?|jaunes?|vertes?|red|orange|yellow|green)"
    r"(?:\s+zones?)?\s*[:=–-]",
    re.I,
)
# "Borno, Yobe, Adamawa, and Kogi states": one zone per state
_LISTED = re.compile(
    r"^(?P<names>[A-ZÀ-Þ][^()]*?(?:,|\s+and\s+|\s+et\s+)[^()]*?)\s+(?P<kind>states|provinces|regions|governorates|"
    r"districts|counties|départements|régions|provinces)\b",
)
_ZONE_END = re.compile(r"\s+(?:and|or|where|which|due|because|et|où|en raison|compte tenu|sauf)\b.*$", re.I)
_ITEM_END = re.compile(r"\s+(?:due to|because|owing|en raison|compte tenu|where|où)\b.*$", re.I)
_LEGEND = re.compile(r"^\s*\[[A-Z]\]\(javascript:.*$", re.M)


@dataclass
class AdvisoryResult:
    """An advisory record (SCHEMA.md) and the words that decided it (kept as the stored ``reason``)."""

    record: dict
    level_cue: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        parts = []
        if self.level_cue:
            parts.append(f"level {self.record['level']}: {self.level_cue}")
        if self.reasons:
            parts.append("reasons: " + " | ".join(self.reasons))
        return "; ".join(parts)


@lru_cache(maxsize=1)
def _cues() -> tuple[list[tuple[int, re.Pattern[str]]], list[tuple[str, str, re.Pattern[str]]]]:
    levels, indicators = [], []
    for line in (DATA / "advisory_cues.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, value, scope, rx = line.split("\t")
        if kind == "level":
            levels.append((int(value), re.compile(rx, re.I)))
        else:
            indicators.append((value, scope, re.compile(rx, re.I)))
    return levels, indicators


def _clean(text: str, name: str) -> str:
    from vedette.intake.components.clean import Clean
    from vedette.intake.pipeline import Doc

    return Clean()(Doc(raw=_LEGEND.sub("", text), name=name)).text


def _sentences(text: str) -> list[str]:
    from vedette.intake.components.sentences import split_paragraph

    out = []
    for para in text.split("\n"):
        out += [para[a:b] for a, b in split_paragraph(para, 0)]
    return out


def _country(text: str, name: str, advice: list[str]) -> str | None:
    """The country most named, titles and advice sentences weighing more; issuers' own names weigh little."""
    from vedette.gazetteer import get_gazetteer

    gaz = get_gazetteer()
    counts: Counter[str] = Counter()

    def add(chunk: str, weight: float) -> None:
        for m in gaz.find_mentions(chunk):
            p = gaz.resolve(m.surface)
            if p is not None and p.country and p.kind in ("country", "zone"):
                counts[p.country] += weight

    add(text[:20000], 1.0)
    add(text[:300], 3.0)
    for s in advice:
        add(s, 2.0)
    for token in re.findall(r"[^\W\d_]+", name.lower()):
        p = gaz.country(token) if len(token) > 3 else None
        if p is not None and p.country:
            counts[p.country] += 3
    for cc in list(counts):
        if cc in ISSUERS and len(counts) > 1:
            counts[cc] *= 0.2
    return max(counts, key=lambda c: (counts[c], c)) if counts else None


def _covers_whole(clause: str) -> bool:
    if _WHOLE.search(clause):
        return True
    if clause.rstrip().endswith(":"):
        return False  # "Travel is advised against in the following areas:" - the zones follow as a list
    if _ZONE_WORDS.search(clause):
        return False
    from vedette.gazetteer import get_gazetteer

    gaz = get_gazetteer()
    for m in gaz.find_mentions(clause):
        p = gaz.resolve(m.surface)
        if p is not None and p.kind != "country":
            return False
    return True


def _clause(sentence: str, start: int, end: int) -> str:
    """The clause around a cue: cut at ';', '(' and ', ' before it, and at the next separator after it."""
    head = sentence[:start]
    cut = max(head.rfind(";"), head.rfind("("), head.rfind(", "), head.rfind(" – "))
    tail = sentence[end:]
    stop = re.search(r"[;(]|,\s|\s–\s", tail)
    return sentence[cut + 1 : end + (stop.start() if stop else len(tail))]


def _level(sentences: list[str]) -> tuple[int | None, str | None]:
    text = "\n".join(sentences)
    raised = list(_RAISED.finditer(text))
    explicit = raised[-1] if raised else _EXPLICIT.search(text)
    if explicit:
        return int(explicit.group(1)), explicit.group(0)
    levels, _ = _cues()
    whole: list[tuple[int, str]] = []
    zones: list[tuple[int, str]] = []
    for s in sentences:
        if _MAP_LEGEND.match(s):
            continue  # a map legend ("Zone rouge : formellement déconseillé") names the scale, not the advice
        if not re.search(r"[.!?:;]\s*$", s) and len(s.split()) <= 6:
            continue  # a heading ("Zones formellement déconseillées") announces the advice that follows
        for lv, rx in levels:
            for m in rx.finditer(s):
                clause = _clause(s, m.start(), m.end())
                listed = s.rstrip().endswith(":")  # "Il est formellement déconseillé de se rendre :" + a list
                # "Le reste du territoire, y compris Yaoundé, est placé en vigilance renforcée": the subject
                # before the commas says what the clause covers
                rest = bool(_WHOLE.match(s.strip())) or bool(re.match(r"^\W*(?:le |the )?(?:reste|rest)\b", s, re.I))
                (whole if not listed and (rest or _covers_whole(clause)) else zones).append((lv, clause.strip()))
    found = whole or zones
    if not found:
        return None, None
    lv, clause = max(found, key=lambda x: x[0])
    return lv, clause


def _indicators(sentences: list[str], text: str) -> tuple[list[str], list[str]]:
    _, cues = _cues()
    reasons = [m.group("r").strip() for s in sentences if _ADVICE_WORDS.search(s) for m in _REASONS.finditer(s)]
    found: set[str] = set()
    for reason in reasons:
        for item in _ITEM_SPLIT.split(reason):
            item = item.strip(" *\"'“”")
            found |= {ind for ind, _scope, rx in cues if rx.search(item)}
    if found:
        return sorted(found, key=ORDER.index), reasons
    return sorted({ind for ind, scope, rx in cues if scope == "any" and rx.search(text)}, key=ORDER.index), []


def _zone_ok(zone: str, country: str | None) -> bool:
    from vedette.gazetteer import get_gazetteer

    low = zone.lower()
    if not zone or low.startswith(("all ", "the country", "le pays", "ce pays", "this country", "tout ", "following",
                                   "the following", "zones suivantes", "régions suivantes")):
        return False
    p = get_gazetteer().resolve(zone)
    # advice against the whole country is what the level says, not a zone
    return not (p is not None and p.kind == "country" and p.name.lower() == low)


def _regions(text: str, country: str | None) -> list[str]:
    zones: list[str] = []

    def add(raw: str, end: re.Pattern[str] = _ZONE_END) -> None:
        zone = end.sub("", raw.strip(" *-•–\t")).strip(" *;.,")
        zone = re.sub(r"^(?:dans|vers|à|en)\s+(?=(?:les?|la|l['’]|une?)\b)", "", zone, flags=re.I)
        listed = _LISTED.match(zone)
        names = listed.group("names") if listed else None
        parts = [p.strip() for p in _NAMES_SPLIT.split(names)] if names else [zone]
        for part in parts:
            if part and _zone_ok(part, country) and part not in zones:
                zones.append(part)

    for m in _AVOID.finditer(text):
        add(m.group("zone"))
    for m in _AVOID_SUBJECT.finditer(text):
        zone = re.sub(r"^(?:en outre|par ailleurs|toutefois|cependant|ainsi),?\s+", "", m.group("zone"), flags=re.I)
        if not re.match(r"(?:tout|tous|il|ce|cela|(?:le|les) (?:voyages?|déplacements?|séjours?))\b", zone, re.I):
            add(zone)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _AVOID_LIST.match(line):
            for item in lines[i + 1 : i + 30]:
                if not item.strip():
                    continue
                if not re.match(r"\s*[*\-•]\s", item):
                    break
                add(item, _ITEM_END)
    return zones


def _date(text: str, name: str, advice: list[str], lang: str | None) -> str | None:
    from vedette.intake.components.dates import find_dates

    years = re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", name)
    year_ctx = int(years[-1]) if years else None
    for line in text.split("\n")[:12]:
        days = [d for d in find_dates(line, 0, lang, None, year_ctx) if len(d.value) == 10 and d.certain]
        if days and (len(line) <= 120 or days[0].start < 30):
            return days[0].value
    if not advice:
        return None
    # a log entry that gives the advice, dated at its start ("22 March 07:55: ... defer all travel"),
    # looked for in the paragraphs just before the advice (hard-wrapped logs split entries)
    at = max(text.find(advice[0]), 0)
    starts = [0] + [m.end() for m in re.finditer(r"\n", text[:at])]
    for start in reversed(starts):
        if at - start > 1000:
            break
        head = text[start : start + 40]
        days = [d for d in find_dates(head, 0, lang, None, year_ctx) if len(d.value) == 10 and d.start < 3]
        if days:
            return days[0].value
    return None


def analyse_advisory(text: str, name: str, lang: str | None = None) -> AdvisoryResult:
    """The advisory record of a text and the words it rests on."""
    from vedette.errors import BadInput

    if not text or not text.strip():
        raise BadInput("empty document: no advisory", item=name)
    clean = _clean(text, name)
    sentences = _sentences(clean)
    level, cue = _level(sentences)
    advice = [s for s in sentences if cue and cue in s] or [
        s for s in sentences if _REASONS.search(s) and _ADVICE_WORDS.search(s)
    ]
    indicators, reasons = _indicators(sentences, clean)
    country = _country(clean, name, advice)
    if lang is None:
        lang = "fr" if len(re.findall(r"\b(?:les|des|du|est|sont)\b", clean)) > len(clean) / 200 else "en"
    record = {
        "doc": name,
        "country": country,
        "level": level,
        "indicators": indicators,
        "regions_to_avoid": _regions(clean, country),
        "date": _date(clean, name, [s for s in sentences if cue and cue in s], lang),
    }
    return AdvisoryResult(record, cue, reasons)


def extract_advisory_text(text: str, name: str) -> dict:
    """The advisory record (SCHEMA.md shape) of a travel-advisory text; ``name`` is its file name."""
    return analyse_advisory(text, name).record


def extract_advisory_path(path: str | Path) -> dict:
    """The advisory record of a file (any format the intake readers know)."""
    from vedette.intake.readers import read_path

    path = Path(path)
    read = read_path(path)
    return analyse_advisory(read.text, path.name, read.language).record

