"""Advisory levels fused across sources, per country, admin-1 region (ISO 3166-2) and named zone.

Sources side by side: our analysts (``analyst``: set by hand, with a reason) and governments' texts parsed
by ``advisories.py`` (``US``, ``FR``, ``CH``, ``GB``, ``CA``, or ``other``), each kept as written and mapped
onto the common 1-4 scale by ``data/advisory_scales.tsv``; the issuer of a text is recognised by
``data/advisory_sources.tsv`` unless named.

- Every change is a new row of ``advisory_levels`` (source, when, from, to, the text's diff against the
  source's previous text, the evidence) and raises an ``advisory.changed`` event (events.py).
- A region or zone inherits, source by source, its country's level unless that source set one for it.
- The effective level of an area: the analysts' where set, else the highest official one (a recognised
  government's; ``other`` issuers only when no government has spoken), always with its source.
- An advisory text that states no level raises ``AdvisoryUnparseable`` (a named 422) and leaves a record
  marked for analyst review (``needs_review``), never a level. A hand-set level outside 1-4, an unknown
  indicator letter or a missing reason are refused (``BadInput``).
- A country's summary and advice: an operator's (``set_brief``) when newer than the latest official
  text's, else the latest official text's.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from vedette.errors import BadInput
from vedette.risk import areas, events
from vedette.risk import repository as repo
from vedette.risk.advisories import ORDER
from vedette.risk.models import AdvisoryLevel, CountryBrief

DATA = Path(__file__).with_name("data")
ANALYST = "analyst"
OTHER = "other"
ZONE_LEVEL = 4  # a zone an advisory advises against
MAX_DIFF = 20_000


class AdvisoryUnparseable(BadInput):
    """An advisory text from which no level could be read: kept for analyst review, no level set."""

    def __init__(self, message: str, *, item: str | None = None, review_id: int | None = None) -> None:
        super().__init__(message, item=item)
        self.review_id = review_id


@lru_cache(maxsize=1)
def _sources() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for line in (DATA / "advisory_sources.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            source, rx = line.split("\t")
            out.append((source, re.compile(rx, re.I)))
    return out


@lru_cache(maxsize=1)
def scales() -> list[tuple[str, int, str, re.Pattern[str]]]:
    out = []
    for line in (DATA / "advisory_scales.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            source, level, written, rx = line.split("\t")
            out.append((source, int(level), written, re.compile(rx, re.I)))
    return out


def known_sources() -> list[str]:
    return [ANALYST, *dict.fromkeys(s for s, _ in _sources()), OTHER]


def issuer(text: str) -> str:
    """The government that issued an advisory text (``other`` when none is recognised)."""
    counts = {s: len(rx.findall(text)) for s, rx in _sources()}
    best = max(counts, key=lambda s: counts[s], default=None)
    return best if best is not None and counts[best] > 0 else OTHER


def as_written(source: str, level: int | None, evidence: str | None) -> tuple[int | None, str | None]:
    """(common level, the issuer's wording) of a parsed level and the words it rests on."""
    for src, lv, written, rx in scales():
        if src == source and evidence and rx.search(evidence):
            return lv, written
    return level, evidence


def _check_indicators(indicators: list[str] | tuple[str, ...] | None) -> list[str]:
    letters = [str(x).strip().upper() for x in indicators or []]
    bad = [x for x in letters if len(x) != 1 or x not in ORDER]
    if bad:
        raise BadInput(f"unknown indicator letter(s) {', '.join(bad)}: use {', '.join(ORDER)}", item="indicators")
    return sorted(set(letters), key=ORDER.index)


def _diff(old: str | None, new: str | None) -> str | None:
    if (old or "") == (new or ""):
        return None
    before, after = (old or "").splitlines(), (new or "").splitlines()
    lines = difflib.unified_diff(before, after, "before", "after", lineterm="", n=1)
    return "\n".join(lines)[:MAX_DIFF]


def _append(session: Session, row: AdvisoryLevel, occurred_on: str | None) -> AdvisoryLevel | None:
    """Append ``row`` as the source's new state for its area unless it says what the current one says;
    a change of level raises ``advisory.changed``."""
    prev = repo.latest_level(session, row.country, row.area, row.source)
    if prev is not None and (prev.level, list(prev.indicators or []), prev.text, bool(prev.needs_review)) == (
        row.level, list(row.indicators or []), row.text, bool(row.needs_review)
    ):
        return None
    row.previous_level = prev.level if prev is not None else None
    row.diff = _diff(prev.text if prev is not None else None, row.text)
    session.add(row)
    session.flush()
    if row.level is not None and (prev is None or prev.level != row.level):
        events.emit(
            session, "advisory.changed", country=row.country, area=row.area or None, occurred_on=occurred_on,
            payload={
                "level_id": row.id, "source": row.source, "area_label": row.area_label,
                "from": row.previous_level, "to": row.level, "as_written": row.as_written,
                "indicators": row.indicators, "evidence": row.evidence, "set_by": row.set_by,
            },
        )
    return row


def set_level(
    session: Session, country: str, level: int, reason: str, actor: str, *,
    area: str | None = None, indicators: list[str] | None = None, source: str = ANALYST,
) -> AdvisoryLevel:
    """An analyst's level for a country, region (ISO 3166-2 code or name) or zone ("zone:NAME")."""
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 4:
        raise BadInput(f"level must be 1, 2, 3 or 4, not {level!r}", item="level")
    if not reason or not reason.strip():
        raise BadInput("a hand-set level needs a reason", item="reason")
    letters = _check_indicators(indicators)
    cc = areas.check_country(country)
    area_key, label = areas.check_area(cc, area)
    row = AdvisoryLevel(
        country=cc, area=area_key, area_label=label, source=source, level=level, as_written=f"level {level}",
        indicators=letters, text=reason.strip(), evidence=reason.strip(), reason=reason.strip(), set_by=actor,
    )
    return _append(session, row, None) or repo.latest_level(session, cc, area_key, source)


def _summary_and_advice(text: str, evidence: str | None) -> tuple[str | None, str | None]:
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    body = [p for p in paras if len(p) >= 80 and not p.lstrip().startswith(("#", "*", "-", "•"))]
    summary = re.sub(r"\s+", " ", body[0])[:2000] if body else None
    advice = None
    if evidence:
        advice = next((re.sub(r"\s+", " ", p)[:2000] for p in paras if evidence[:60] in re.sub(r"\s+", " ", p)), None)
    return summary, advice or evidence


def record_official(
    session: Session, text: str, name: str, *, source: str | None = None, country: str | None = None,
    document_id: int | None = None, advisory_id: int | None = None, actor: str = "intake",
    analysis=None,  # noqa: ANN001 - an AdvisoryResult already computed for this text
) -> list[AdvisoryLevel]:
    """The levels an official text states (country and zones), appended where they change; raises
    ``AdvisoryUnparseable`` (after keeping a review record) when it states none."""
    from vedette.risk.advisories import analyse_advisory

    result = analysis or analyse_advisory(text, name)
    record = result.record
    src = (source or issuer(text)).strip()
    if src == ANALYST:
        raise BadInput("an official text's source is a government, not 'analyst'", item="source")
    cc = (country or record.get("country") or "").upper()
    if not cc:
        raise BadInput("no country found in the advisory text: name it", item=name)
    cc = areas.check_country(cc)
    level, written = as_written(src, record.get("level"), result.level_cue)
    if level is None:
        review = AdvisoryLevel(
            country=cc, area="", area_label=areas.country_label(cc), source=src, level=None, text=text[:200_000],
            stated_on=record.get("date"), document_id=document_id, advisory_id=advisory_id, needs_review=True,
            error="advisory_unparseable: no level wording found", set_by=actor,
        )
        session.add(review)
        session.flush()
        raise AdvisoryUnparseable(
            f"no level could be read from this {src} advisory; kept for analyst review (record {review.id})",
            item=name, review_id=review.id,
        )
    summary, advice = _summary_and_advice(text, result.level_cue)
    rows = []
    row = _append(session, AdvisoryLevel(
        country=cc, area="", area_label=areas.country_label(cc), source=src, level=level, as_written=written,
        indicators=list(record.get("indicators") or []), text=text[:200_000], evidence=result.reason or written,
        summary=summary, advice=advice, stated_on=record.get("date"), document_id=document_id,
        advisory_id=advisory_id, set_by=actor,
    ), record.get("date"))
    if row is not None:
        rows.append(row)
    for phrase in record.get("regions_to_avoid") or []:
        code = _zone_area(cc, phrase)
        label = area_label(cc, code, phrase)
        z = _append(session, AdvisoryLevel(
            country=cc, area=code, area_label=label, source=src, level=ZONE_LEVEL,
            as_written=f"advised against: {phrase}", indicators=list(record.get("indicators") or []),
            text=phrase, evidence=phrase, stated_on=record.get("date"), document_id=document_id,
            advisory_id=advisory_id, set_by=actor,
        ), record.get("date"))
        if z is not None:
            rows.append(z)
    return rows


def _zone_area(country: str, phrase: str) -> str:
    """A phrase naming a zone: the ISO code of the region it names, the gazetteer's id of the zone it names
    ("zone:ML:north", which has a geometry), else "zone:<phrase>"."""
    from vedette.gazetteer import get_gazetteer

    gaz = get_gazetteer()
    hits = [gaz.resolve(phrase)] + [gaz.resolve(m.surface) for m in gaz.find_mentions(phrase)]
    for hit in hits:
        if hit is None or hit.country != country:
            continue
        if hit.kind == "admin1":
            code = areas.region_code(country, hit.name)
            if code:
                return code
        if hit.kind == "zone" and hit.id.startswith("zone:"):
            return hit.id
    code = areas.region_code(country, re.sub(r"^(?:the|la|le|les|l')\s*", "", phrase, flags=re.I))
    return code or f"zone:{phrase[:110]}"


def area_label(country: str, area: str, fallback: str | None = None) -> str:
    if area.startswith("zone:"):
        return areas.zone_label(area) if area.count(":") >= 2 else fallback or area[5:]
    info = areas.region(area)
    return info[1] if info else fallback or area


# --- reading --------------------------------------------------------------------------------------------


def _row_view(row: AdvisoryLevel, inherited: bool = False) -> dict:
    return {
        "id": row.id,
        "source": row.source,
        "area": row.area,
        "area_label": row.area_label,
        "level": row.level,
        "as_written": row.as_written,
        "indicators": list(row.indicators or []),
        "stated_on": row.stated_on,
        "set_by": row.set_by,
        "reason": row.reason,
        "evidence": row.evidence,
        "needs_review": row.needs_review,
        "error": row.error,
        "document_id": row.document_id,
        "inherited": inherited,
        "at": row.created_at.isoformat() if row.created_at else None,
    }


def _fuse(by_source: dict[str, dict]) -> dict | None:
    usable = {s: v for s, v in by_source.items() if v["level"] is not None and not v["needs_review"]}
    if ANALYST in usable:
        v = usable[ANALYST]
        return {"level": v["level"], "source": ANALYST, "why": "set by an analyst", "inherited": v["inherited"]}
    official = {s: v for s, v in usable.items() if s != OTHER}
    why = "highest official level"
    if not official:  # only texts of an issuer not recognised (a provider's flash): better than nothing
        official, why = usable, "highest level of an unrecognised issuer"
    if not official:
        return None
    top = max(v["level"] for v in official.values())
    sources = sorted(s for s, v in official.items() if v["level"] == top)
    inherited = all(official[s]["inherited"] for s in sources)
    return {"level": top, "source": sources[0], "sources": sources, "why": why, "inherited": inherited}


def area_levels(current: dict[tuple[str, str], AdvisoryLevel], area: str) -> tuple[dict[str, dict], dict | None]:
    """Each source's level for ``area`` (its own, else inherited from the country) and the effective one."""
    by_source: dict[str, dict] = {}
    for (a, source), row in current.items():
        if a == "" and source not in by_source:
            by_source[source] = _row_view(row, inherited=bool(area))
    if area:
        for (a, source), row in current.items():
            if a == area:
                by_source[source] = _row_view(row)
    return by_source, _fuse(by_source)


def brief(session: Session, country: str, current: dict[tuple[str, str], AdvisoryLevel] | None = None) -> dict:
    current = current if current is not None else repo.current_level_rows(session, country)
    official = [r for (a, s), r in current.items() if a == "" and s != ANALYST and (r.summary or r.advice)]
    latest = max(official, key=lambda r: (r.stated_on or "", r.id), default=None)
    mine = repo.latest_brief(session, country)
    if mine is not None and (latest is None or mine.created_at >= latest.created_at):
        return {"summary": mine.summary, "advice": mine.advice, "source": ANALYST, "set_by": mine.set_by,
                "at": mine.created_at.isoformat()}
    if latest is not None:
        return {"summary": latest.summary, "advice": latest.advice, "source": latest.source,
                "stated_on": latest.stated_on, "document_id": latest.document_id}
    return {"summary": None, "advice": None, "source": None}


def set_brief(session: Session, country: str, actor: str, summary: str | None, advice: str | None) -> CountryBrief:
    cc = areas.check_country(country)
    if not (summary or "").strip() and not (advice or "").strip():
        raise BadInput("a summary or an advice text is needed", item="summary")
    row = CountryBrief(country=cc, summary=(summary or "").strip() or None, advice=(advice or "").strip() or None,
                       set_by=actor)
    session.add(row)
    session.flush()
    return row


def country_levels(session: Session, country: str, all_regions: bool = True, as_of: str | None = None) -> dict:
    """Levels by source and effective level of a country, its regions and zones, and its brief (as they stood
    on ``as_of``, YYYY-MM-DD, when given)."""
    cc = areas.check_country(country)
    current = repo.current_level_rows(session, cc, as_of)
    by_source, effective = area_levels(current, "")
    region_keys = {a for a, _ in current if a}
    if all_regions:
        region_keys |= {code for code, *_ in areas.regions_of(cc)}
    regions = []
    for key in sorted(region_keys):
        src, eff = area_levels(current, key)
        label = next((r.area_label for (a, _), r in current.items() if a == key), None)
        if label is None and not key.startswith("zone:"):
            info = areas.region(key)
            label = info[1] if info else key
        regions.append({"area": key, "label": label or key[5:], "by_source": src, "effective": eff})
    review = [_row_view(r) for r in current.values() if r.needs_review]
    return {
        "country": cc,
        "label": areas.country_label(cc),
        "by_source": by_source,
        "effective": effective,
        "regions": regions,
        "needs_review": review,
        "brief": brief(session, cc, current),
    }


def history(session: Session, country: str, area: str | None = None) -> list[dict]:
    cc = areas.check_country(country)
    area_key = None if area is None else areas.check_area(cc, area)[0]
    out = []
    for row in reversed(repo.level_rows(session, cc, area_key)):
        v = _row_view(row)
        v.update({"from": row.previous_level, "to": row.level, "diff": row.diff})
        out.append(v)
    return out
