"""Travel-advisory texts -> advisory records (SCHEMA.md): country, level 1-4, indicators, zones to avoid.

Level: an explicit "Level N" wins; otherwise the strongest wording of the issuer (US, French
"conseils aux voyageurs", Swiss, providers' "defer all travel"), mapped onto the US 1-4 scale. A text
with no such wording (an emergency message, a news story) has no level.

Indicators: the US page repeats all nine letters as a legend, so letters are never read off the page;
they come from the reasons given ("due to crime, terrorism, and kidnapping") or, failing that, from the
risks the text describes.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
ORDER = "CTUHNEKDO"
_REASONS = re.compile(r"\b(?:due to|because of|en raison d[eu]s?|en raison de la|owing to)\b([^.]{0,160})", re.I)
_AVOID = re.compile(
    r"\b(?:avoid (?:all )?travel to|do not travel to|recommend that [^.]{0,40}avoid travel to|"
    r"advise against (?:all )?travel to|déconseillés? (?:vers|dans|à destination de)|"
    r"formellement déconseillée?s? (?:dans|vers))\s+(?:the\s+)?(?P<zone>[^.,;:()]{3,60})",
    re.I,
)


@lru_cache(maxsize=1)
def _cues() -> tuple[list[tuple[int, re.Pattern[str]]], list[tuple[str, re.Pattern[str]]]]:
    levels, indicators = [], []
    for line in (DATA / "advisory_cues.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, value, rx = line.split("\t")
        if kind == "level":
            levels.append((int(value), re.compile(rx, re.I)))
        else:
            indicators.append((value, re.compile(rx, re.I)))
    return levels, indicators


def _country(text: str, name: str) -> str | None:
    from vedette.gazetteer import get_gazetteer

    gaz = get_gazetteer()
    counts: Counter[str] = Counter()
    for m in gaz.find_mentions(text[:20000]):
        p = gaz.resolve(m.surface)
        if p is not None and p.kind == "country" and p.country:
            counts[p.country] += 1
    for token in re.findall(r"[a-z]+", name.lower()):
        p = gaz.country(token) if len(token) > 3 else None
        if p is not None:
            counts[p.country] += 3
    return counts.most_common(1)[0][0] if counts else None


def _is_country(zone: str) -> bool:
    from vedette.gazetteer import get_gazetteer

    p = get_gazetteer().resolve(zone)
    return p is not None and p.kind == "country" and p.name.lower() == zone.lower()


def _date(text: str, name: str) -> str | None:
    from vedette.intake.extract import extract_doc

    doc = extract_doc(text, name)
    return doc.published.isoformat() if doc.published else None


def extract_advisory_text(text: str, name: str) -> dict:
    levels, indicator_cues = _cues()
    level = None
    explicit = re.search(r"\blevel\s*([1-4])\b", text, re.I)
    if explicit:
        level = int(explicit.group(1))
    else:
        found = [lv for lv, rx in levels if rx.search(text)]
        level = max(found) if found else None
    reasons = " ".join(m.group(1) for m in _REASONS.finditer(text))
    scope = reasons if reasons.strip() else text
    indicators = sorted({ind for ind, rx in indicator_cues if rx.search(scope)}, key=ORDER.index)
    if reasons.strip() and not indicators:
        indicators = sorted({ind for ind, rx in indicator_cues if rx.search(text)}, key=ORDER.index)
    zones = []
    for m in _AVOID.finditer(text):
        zone = re.split(r"\s+(?:and|or|where|which|due|because|et|où)\s+", m.group("zone").strip())[0]
        if _is_country(zone):
            continue  # advice against the whole country is what the level says
        if zone and zone not in zones and not zone.lower().startswith(("all ", "the country")):
            zones.append(zone)
    return {
        "doc": name,
        "country": _country(text, name),
        "level": level,
        "indicators": indicators,
        "regions_to_avoid": zones,
        "date": _date(text, name),
    }


def extract_advisory_path(path: str | Path) -> dict:
    from vedette.intake.readers import read_path

    path = Path(path)
    return extract_advisory_text(read_path(path).text, path.name)
