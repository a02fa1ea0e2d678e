"""Escalations from the stored incidents (escalation.py does the test), in the incidents' time.

Counted incidents only (new and confirmed), dated to the day, with a known admin-1 region (ISO 3166-2). The
daily series of every region starts on the day of the first such incident in the store (when the store's
watch began) and ends on ``until`` (default: the newest such incident's day), so that a replay of 2012
raises and clears in 2012. ``detect_and_store`` is idempotent: an escalation already stored (same method,
region and day) is updated, a new one is stored and raises ``escalation.raised``; one that clears raises
``escalation.cleared``; one the counted incidents no longer support (dismissed) is marked withdrawn.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from vedette.risk import areas, events
from vedette.risk import repository as repo
from vedette.risk.escalation import METHOD, Params, detect
from vedette.risk.models import Escalation
from vedette.risk.score import day_of

CHUNK = 64  # regions per detection pass


def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


def detect_and_store(session: Session, until: str | None = None, params: Params | None = None) -> list[Escalation]:
    params = params or Params.from_settings()
    rows = [r for r in repo.counted_incidents(session) if r.date and len(r.date) == 10]
    series: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for r in rows:
        code = areas.region_code(r.country, r.admin1)
        day = day_of(r.date)
        if code and day is not None:
            series.setdefault((r.country, code), []).append((day, r.id))
    if not series:
        _withdraw(session, list(repo.escalations(session, METHOD)), set())
        return []
    first = min(d for v in series.values() for d, _ in v)
    last = max(d for v in series.values() for d, _ in v)
    if until:
        last = max(last, day_of(until) or last)
    keys = sorted(series)
    found = []
    for lo in range(0, len(keys), CHUNK):  # regions a few at a time: memory stays small over long histories
        part = keys[lo : lo + CHUNK]
        counts = np.zeros((len(part), last - first + 1), dtype=np.int64)
        for i, key in enumerate(part):
            for day, _ in series[key]:
                if day <= last:
                    counts[i, day - first] += 1
        found += detect(counts, params)
    existing = {(e.country, e.admin1, e.raised_at): e for e in repo.escalations(session, METHOD)}
    out = []
    for (cc, code), raises in zip(keys, found, strict=True):
        for x in raises:
            raised = _iso(first + x.raised)
            cleared = _iso(first + x.cleared) if x.cleared is not None else None
            w = x.evidence["window_days"]
            lo, hi = first + x.raised - w + 1, first + x.raised
            ids = sorted(i for d, i in series[(cc, code)] if lo <= d <= hi)
            evidence = {**x.evidence, "window": [_iso(lo), _iso(hi)], "incident_ids": ids, "method": METHOD}
            row = existing.get((cc, code, raised))
            label = (areas.region(code) or ("", code))[1]
            if row is None:
                row = Escalation(method=METHOD, country=cc, admin1=code, admin1_label=label, raised_at=raised,
                                 cleared_at=cleared, evidence=evidence)
                session.add(row)
                events.emit(session, "escalation.raised", country=cc, area=code, occurred_on=raised,
                            payload={"admin1_label": label, "evidence": evidence})
                if cleared:
                    events.emit(session, "escalation.cleared", country=cc, area=code, occurred_on=cleared,
                                payload={"admin1_label": label, "raised_at": raised})
            else:
                if cleared and row.cleared_at != cleared:
                    events.emit(session, "escalation.cleared", country=cc, area=code, occurred_on=cleared,
                                payload={"admin1_label": label, "raised_at": raised})
                row.cleared_at, row.evidence = cleared, evidence
            out.append(row)
    _withdraw(session, list(existing.values()), {(e.country, e.admin1, e.raised_at) for e in out})
    session.flush()
    return out


def _withdraw(session: Session, rows: list[Escalation], kept: set[tuple[str, str, str]]) -> None:
    """Escalations the counted incidents no longer support (an incident dismissed or merged) are marked
    withdrawn (kept, not listed by default) and raise ``escalation.cleared`` with that reason."""
    for row in rows:
        if (row.country, row.admin1, row.raised_at) in kept or (row.evidence or {}).get("withdrawn"):
            continue
        row.evidence = {**(row.evidence or {}), "withdrawn": True}
        events.emit(session, "escalation.cleared", country=row.country, area=row.admin1, occurred_on=row.raised_at,
                    payload={"admin1_label": row.admin1_label, "raised_at": row.raised_at, "withdrawn": True})


def view(e: Escalation) -> dict:
    return {
        "id": e.id,
        "method": e.method,
        "country": e.country,
        "admin1": e.admin1,
        "admin1_label": e.admin1_label,
        "raised_at": e.raised_at,
        "cleared_at": e.cleared_at,
        "active": e.cleared_at is None and not (e.evidence or {}).get("withdrawn"),
        "evidence": e.evidence,
    }


def listed(
    session: Session, country: str | None = None, active: bool | None = None, withdrawn: bool = False
) -> list[dict]:
    cc = areas.check_country(country) if country else None
    rows = [e for e in repo.escalations(session, METHOD, cc) if withdrawn or not (e.evidence or {}).get("withdrawn")]
    return [view(e) for e in rows if active is None or (e.cleared_at is None) == active]
