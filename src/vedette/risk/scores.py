"""Risk scores from the stored incidents (score.py does the arithmetic): counted incidents only (new and
confirmed: ``repository.counted_statuses``; dismissed and merged ones count nowhere), each with its severity
(severity.py), in its country and, when its admin-1 region is known, in that region (ISO 3166-2 code).

``compute_for`` answers without writing (API reads); ``recompute`` stores the results with the scorer's
name (``risk.score.v1``) in ``risk_scores``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from vedette.risk import areas
from vedette.risk import repository as repo
from vedette.risk.models import RiskScore
from vedette.risk.score import SCORER, AreaScore, Incidents, Weights, compute, day_of
from vedette.risk.severity import severity
from vedette.risk.severity import value as severity_value


def load(session: Session, country: str | None = None) -> tuple[Incidents, dict[int, tuple]]:
    """Counted incidents in columns (severity by the table, or an operator's), and each one's row and
    evidence by id (explanations are built for the incidents that weigh most only)."""
    rows = repo.counted_incidents(session, country)
    evidence = repo.counted_evidence(session, country)
    edited = repo.severity_edits(session)
    inc = Incidents()
    kept: dict[int, tuple] = {}
    regions: dict[tuple[str, str | None], int] = {}
    days: dict[str, int | None] = {}
    ids, day_col, sev_col, c_col, r_col = inc.ids, inc.days, inc.sev, inc.c_idx, inc.r_idx
    for row in rows:
        iid, when, _time, cc, admin1, category, killed, injured, hostages, summary = row[:10]
        day = days[when] if when in days else days.setdefault(when, day_of(when))
        if day is None:
            continue
        ev = evidence.get(iid, ())
        if iid in edited:  # an operator's severity stands
            sev = min(max(int(edited[iid]), 1), 5)
        else:
            sev = severity_value(category, killed, injured, hostages, (summary, *ev) if ev else (summary,))
        key = (cc, admin1)
        r_idx = regions.get(key)
        if r_idx is None:
            code = areas.region_code(cc, admin1)
            r_idx = regions[key] = inc.area((cc, code)) if code else -1
        ids.append(iid)
        day_col.append(day)
        sev_col.append(sev)
        c_col.append(inc.area((cc, "")))
        r_col.append(r_idx)
        kept[iid] = (row, ev, iid in edited)
    return inc, kept


def _explain(incident_id: int, kept: dict[int, tuple]) -> dict:
    found = kept.get(incident_id)
    if found is None:
        return {}
    r, ev, edited = found
    sev = severity(r.category, r.killed, r.injured, r.hostages_or_kidnapped, (r.summary, *ev))
    return {
        "incident_id": r.id, "date": r.date, "category": r.category, "summary": (r.summary or "")[:300],
        "severity_explained": ["set by an operator"] if edited else sev.steps,
    }


def _as_of(inc: Incidents, as_of: str | None) -> int | None:
    if as_of:
        day = day_of(as_of)
        if day is None:
            from vedette.errors import BadInput

            raise BadInput(f"as_of must be a date YYYY-MM-DD, not {as_of!r}", item="as_of")
        return day
    return max(inc.days) if len(inc) else None


def _view(s, w: Weights, kept: dict[int, tuple]) -> dict:  # noqa: ANN001 - an AreaScore
    out = s.as_dict(w)
    out["label"] = areas.country_label(s.country) if not s.admin1 else (areas.region(s.admin1) or ("", s.admin1))[1]
    out["explained"] = [{**_explain(e["incident_id"], kept), **e} for e in out["explained"]]
    out["weights"] = w.as_dict()
    return out


def compute_for(session: Session, country: str | None = None, as_of: str | None = None) -> list[dict]:
    """Scores of a country and its regions (or of every area), as of ``as_of`` (default: the date of the
    newest counted incident, the incidents' clock)."""
    cc = areas.check_country(country) if country else None
    inc, views = load(session, cc)
    day = _as_of(inc, as_of)
    if day is None:
        return []
    w = Weights.from_settings()
    scores = compute(inc, day, w)
    return [_view(s, w, views) for _, s in sorted(scores.items())]


def history(
    session: Session, country: str, admin1: str | None = None, days: int = 180, step: int = 7,
    until: str | None = None,
) -> list[dict]:
    """The score and trend of a country (or one of its regions) every ``step`` days over ``days`` days up to
    ``until`` (default: the newest counted incident's day), oldest first: the trend chart."""
    from vedette.errors import BadInput

    cc = areas.check_country(country)
    code = ""
    if admin1:
        code = areas.region_code(cc, admin1) or ""
        if not code:
            raise BadInput(f"no admin-1 region {admin1!r} in {cc}", item="admin1")
    if not 1 <= step <= days <= 3660:
        raise BadInput("need 1 <= step <= days <= 3660", item="days")
    inc, _kept = load(session, cc)
    end = _as_of(inc, until)
    if end is None:
        return []
    w = Weights.from_settings()
    out = []
    for day in range(end - days + step, end + 1, step):
        s = compute(inc, day, w).get((cc, code))
        out.append({
            "as_of": date.fromordinal(day).isoformat(), "score": s.score(w) if s else 0.0,
            "incidents": s.incidents if s else 0, "trend": s.trend(w) if s else None,
        })
    return out


def recompute(session: Session, country: str | None = None, as_of: str | None = None) -> int:
    """Compute and store the scores (replacing this scorer's previous ones); returns how many areas."""
    results = compute_for(session, country, as_of)
    repo.delete_scores(session, SCORER, country.upper() if country else None)
    for r in results:
        session.add(RiskScore(
            scorer=SCORER, country=r["country"], admin1=r["admin1"], admin1_label=r["label"], as_of=r["as_of"],
            score=r["score"], raw=r["raw"], incidents=r["incidents"], trend=r["trend"],
            explained=[{k: e.get(k) for k in ("incident_id", "date", "severity", "weight")} for e in r["explained"]],
        ))
    session.flush()
    return len(results)


def _row_dict(r: RiskScore) -> dict:
    return {"country": r.country, "admin1": r.admin1, "as_of": r.as_of, "raw": r.raw, "incidents": r.incidents,
            "trend": r.trend, "explained": r.explained}


def add_incident(session: Session, incident_id: int) -> int:
    """After one new counted incident, update the stored scores of its country and region in place (constant
    time: ``AreaScore.add``) instead of recomputing; returns how many stored areas changed. Call it once per
    new incident (a second call counts it twice; ``recompute`` sets everything right). When its country has
    no stored score yet, or the incident is dated after their ``as_of`` (the clock moves: everything
    decays), the country is recomputed instead."""
    rows = repo.counted_incidents(session, ids=[incident_id])
    if not rows:
        return 0  # not counted (dismissed, merged) or undated
    iid, when, _time, cc, admin1, category, killed, injured, hostages, summary = rows[0][:10]
    day = day_of(when)
    if day is None:
        return 0
    edited = repo.severity_edits(session, [iid])
    ev = tuple(repo.evidence_of(session, [iid]).get(iid, ()))
    sev = int(edited[iid]) if iid in edited else severity_value(category, killed, injured, hostages, (summary, *ev))
    stored_rows = {r.admin1: r for r in repo.scores(session, SCORER, cc)}
    head = stored_rows.get("")
    if head is None or day > date.fromisoformat(head.as_of).toordinal():
        return recompute(session, cc)
    w = Weights.from_settings()
    region = areas.region_code(cc, admin1)
    changed = 0
    for key in ("", region) if region else ("",):
        row = stored_rows.get(key)
        area = AreaScore.from_dict(_row_dict(row)) if row is not None else AreaScore(cc, key, day_of(head.as_of))
        if not area.add(iid, day, sev, w):
            continue
        view = area.as_dict(w)
        if row is None:
            row = RiskScore(scorer=SCORER, country=cc, admin1=key, admin1_label=_label(cc, key), as_of=view["as_of"])
            session.add(row)
        row.score, row.raw, row.incidents, row.trend = view["score"], view["raw"], view["incidents"], view["trend"]
        row.explained = view["explained"]
        row.computed_at = datetime.now(UTC)
        changed += 1
    session.flush()
    return changed


def _label(cc: str, code: str) -> str:
    return areas.country_label(cc) if not code else (areas.region(code) or ("", code))[1]


def stored(session: Session, country: str | None = None) -> list[dict]:
    return [
        {
            "scorer": r.scorer, "country": r.country, "admin1": r.admin1, "label": r.admin1_label, "as_of": r.as_of,
            "score": r.score, "raw": r.raw, "incidents": r.incidents, "trend": r.trend, "explained": r.explained,
            "computed_at": r.computed_at.isoformat() if r.computed_at else None,
        }
        for r in repo.scores(session, SCORER, country.upper() if country else None)
    ]


def today() -> str:
    return date.today().isoformat()
