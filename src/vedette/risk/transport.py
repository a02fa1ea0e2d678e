"""Status of airports, land borders and national airspace: open, partly_open, closed or unknown.

Keys: an airport by its IATA code (the gazetteer's airports; an ICAO code is accepted and turned into the
IATA one), a land border by its country pair ("ML-NE", sorted) or "CC-*" for all of a country's land
borders, an airspace by its country.

- From incidents: the sentences of a counted incident (new or confirmed; ``repository.counted_statuses``)
  that match the cue lexicon ``data/transport_cues.tsv`` (English and French) set the status of the
  airport the incident is placed at (its gazetteer airport, else the nearest airport within 60 km of its
  place), of the borders (the pair when the sentence names a neighbouring country, else all of them) or
  of the airspace, observed at the incident's date and time (day-precise incidents only).
- By hand: an operator sets a status with a reason (``set_status``).
- Every observation is a row (history); the newest observation is in force, and is ``stale`` when older than
  ``transport_stale_hours`` at ``as_of`` (default: now). A dismissed incident's observations no longer
  count. A change of the status in force raises ``transport.changed``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from vedette.errors import BadInput
from vedette.risk import areas, events
from vedette.risk import repository as repo
from vedette.risk.models import TransportStatus

DATA = Path(__file__).with_name("data")
KINDS = ("airport", "border", "airspace")
STATUSES = ("open", "partly_open", "closed", "unknown")
ALL_BORDERS = "*"


@lru_cache(maxsize=1)
def cues() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """kind -> [(status, expression)] in the file's order, and "hedge" -> the words that void a cue."""
    out: dict[str, list[tuple[str, re.Pattern[str]]]] = {k: [] for k in (*KINDS, "hedge")}
    for line in (DATA / "transport_cues.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, status, rx = line.split("\t")
            out[kind].append((status, re.compile(rx, re.I)))
    return out


def _hedged(before: str) -> bool:
    tail = before[-60:]
    return any(rx.search(tail) for _s, rx in cues()["hedge"])


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\s*\n", text or "") if s.strip()]


def read_sentence(sentence: str) -> list[tuple[str, str, str]]:
    """(kind, status, cue) for each kind the sentence speaks of."""
    found = []
    flat = re.sub(r"\s+", " ", sentence)
    table = cues()
    for kind in KINDS:
        # the first status (file order) with a cue that no hedge voids
        hit = next(
            ((status, m.group(0)) for status, rx in table[kind] for m in rx.finditer(flat)
             if not _hedged(flat[: m.start()])),
            None,
        )
        if hit is not None:
            found.append((kind, *hit))
    return found


def _observed_at(day: str, time: str | None) -> datetime:
    hh, mm = (int(x) for x in (time or "00:00").split(":")[:2]) if time and ":" in time else (0, 0)
    return datetime.fromisoformat(day[:10]).replace(hour=hh, minute=mm, tzinfo=UTC)


def _border_key(country: str, sentence: str) -> str:
    from vedette.gazetteer import get_gazetteer

    gaz = get_gazetteer()
    others = []
    for m in gaz.find_mentions(sentence):
        p = gaz.resolve(m.surface)
        if p is not None and p.kind == "country" and p.country and p.country != country:
            others.append(p.country)
    if len(set(others)) == 1:
        return "-".join(sorted((country, others[0])))
    return f"{country}-{ALL_BORDERS}"


def _airport_of(r) -> areas.Airport | None:  # noqa: ANN001 - a counted incident row
    if r.place_ref and r.place_ref.startswith("ap:"):
        hit = areas.airport(r.place_ref[3:])
        if hit is not None:
            return hit
    if r.lat is not None and r.lon is not None:
        return areas.nearest_airport(r.country, r.lat, r.lon)
    return None


def _current_map(session: Session, country: str | None) -> dict[tuple[str, str], TransportStatus]:
    rows = repo.transport_rows(session, country)
    dismissed = _not_counted(session, [r.incident_id for r in rows if r.incident_id])
    cur: dict[tuple[str, str], TransportStatus] = {}
    for r in rows:  # ordered by observation: the last one wins
        if r.incident_id is None or r.incident_id not in dismissed:
            cur[(r.kind, r.key)] = r
    return cur


def _not_counted(session: Session, ids: list[int]) -> set[int]:
    statuses = repo.incident_statuses(session, ids)
    counted = set(repo.counted_statuses())
    return {i for i, s in statuses.items() if s not in counted}


def _add(session: Session, row: TransportStatus, before: dict[tuple[str, str], TransportStatus]) -> None:
    session.add(row)
    session.flush()
    prev = before.get((row.kind, row.key))
    if (prev is None or prev.observed_at <= _aware(row.observed_at)) and (prev is None or prev.status != row.status):
        events.emit(
            session, "transport.changed", country=row.country, area=f"{row.kind}:{row.key}",
            occurred_on=row.observed_at.isoformat()[:19],
            payload={"kind": row.kind, "key": row.key, "label": row.label, "from": prev.status if prev else None,
                     "to": row.status, "source": row.source, "incident_id": row.incident_id,
                     "evidence": row.evidence},
        )
    if prev is None or _aware(prev.observed_at) <= _aware(row.observed_at):
        before[(row.kind, row.key)] = row


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def derive(session: Session, country: str | None = None) -> int:
    """Statuses stated by counted incidents not read yet (idempotent); returns how many rows were added."""
    rows = [r for r in repo.counted_incidents(session, country) if r.date and len(r.date) == 10]
    reports = repo.reports_with_dates(session, [r.id for r in rows])
    stored = repo.transport_from_incidents(session, [r.id for r in rows])
    seen = {(t.incident_id, t.kind, t.key, t.status, _aware(t.observed_at)) for t in stored}
    before = _current_map(session, country)
    added = 0
    for r in rows:
        # each report at its own date and time (a later report of the same incident says what changed since)
        # (a report not dated to the day cannot say when: left out)
        texts = [(ev, d, t) for ev, d, t in reports.get(r.id, []) if d and len(d) == 10]
        texts.append((r.summary or "", r.date, r.time))
        for text, day, time in texts:
            at = _observed_at(day, time)
            for sentence in _sentences(text):
                for kind, status, cue in read_sentence(sentence):
                    if kind == "airport":
                        ap = _airport_of(r)
                        if ap is None:
                            continue
                        key, label = ap.iata, f"{ap.name} ({ap.iata})"
                    elif kind == "border":
                        key = _border_key(r.country, sentence)
                        label = key
                    else:
                        key, label = r.country, f"{areas.country_label(r.country)} airspace"
                    if (r.id, kind, key, status, at) in seen:
                        continue
                    seen.add((r.id, kind, key, status, at))
                    _add(session, TransportStatus(
                        kind=kind, key=key, country=r.country, label=label, status=status, source="incident",
                        incident_id=r.id, evidence=sentence[:2000], cue=cue[:200],
                        observed_at=at,
                    ), before)
                    added += 1
    return added


def _check_key(kind: str, key: str) -> tuple[str, str, str]:
    """(key, country, label) of a transport item; unknown ones are refused."""
    if kind not in KINDS:
        raise BadInput(f"kind must be one of {', '.join(KINDS)}", item="kind")
    key = (key or "").strip().upper()
    if kind == "airport":
        ap = areas.airport(key)
        if ap is None:
            raise BadInput(f"no airport with IATA or ICAO code {key!r}", item="key")
        return ap.iata, ap.country, f"{ap.name} ({ap.iata})"
    if kind == "airspace":
        cc = areas.check_country(key)
        return cc, cc, f"{areas.country_label(cc)} airspace"
    parts = key.split("-")
    if len(parts) != 2:
        raise BadInput("a border is a country pair 'ML-NE' or 'ML-*' (all land borders)", item="key")
    a = areas.check_country(parts[0])
    if parts[1] == ALL_BORDERS:
        return f"{a}-{ALL_BORDERS}", a, f"{a}-{ALL_BORDERS}"
    b = areas.check_country(parts[1])
    if a == b:
        raise BadInput("a border joins two different countries", item="key")
    pair = "-".join(sorted((a, b)))
    return pair, a, pair


def set_status(
    session: Session, kind: str, key: str, status: str, actor: str, reason: str, at: datetime | None = None
) -> TransportStatus:
    """An operator's status for an airport, border or airspace (with the reason, kept as evidence)."""
    if status not in STATUSES:
        raise BadInput(f"status must be one of {', '.join(STATUSES)}", item="status")
    if not reason or not reason.strip():
        raise BadInput("a status set by hand needs a reason", item="reason")
    key, country, label = _check_key(kind, key)
    before = _current_map(session, country)
    row = TransportStatus(
        kind=kind, key=key, country=country, label=label, status=status, source="analyst", evidence=reason.strip(),
        observed_at=_aware(at) if at else datetime.now(UTC), set_by=actor,
    )
    _add(session, row, before)
    return row


def _view(row: TransportStatus | None, now: datetime, stale_after: timedelta, **unknown: str) -> dict:
    if row is None:
        return {**unknown, "status": "unknown", "source": None, "evidence": None, "observed_at": None,
                "age_hours": None, "stale": False}
    age = now - _aware(row.observed_at)
    return {
        "kind": row.kind, "key": row.key, "label": row.label, "country": row.country, "status": row.status,
        "source": row.source, "incident_id": row.incident_id, "set_by": row.set_by, "evidence": row.evidence,
        "cue": row.cue, "observed_at": _aware(row.observed_at).isoformat(),
        "age_hours": round(age.total_seconds() / 3600, 1), "stale": age > stale_after,
    }


def status(session: Session, country: str, as_of: datetime | None = None, all_airports: bool = True) -> dict:
    """The statuses in force for a country: its airspace, its land borders, its airports (every airport of
    the gazetteer, ``unknown`` where nothing is known)."""
    from vedette.config import get_settings

    cc = areas.check_country(country)
    now = _aware(as_of) if as_of else datetime.now(UTC)
    stale = timedelta(hours=get_settings().transport_stale_hours)
    cur = _current_map(session, None)
    airspace = _view(cur.get(("airspace", cc)), now, stale, kind="airspace", key=cc,
                     label=f"{areas.country_label(cc)} airspace", country=cc)
    borders = [
        _view(row, now, stale) for (kind, key), row in sorted(cur.items())
        if kind == "border" and cc in key.split("-")
    ]
    airports = []
    known = {key: row for (kind, key), row in cur.items() if kind == "airport" and row.country == cc}
    for ap in areas.airports_of(cc):
        if ap.iata in known or all_airports:
            v = _view(known.get(ap.iata), now, stale, kind="airport", key=ap.iata, label=f"{ap.name} ({ap.iata})",
                      country=cc)
            v.update({"icao": ap.icao, "lat": ap.lat, "lon": ap.lon, "admin1": ap.admin1})
            airports.append(v)
    airports.sort(key=lambda v: (v["status"] == "unknown", v["key"]))
    return {"country": cc, "as_of": now.isoformat(), "stale_after_hours": stale.total_seconds() / 3600,
            "airspace": airspace, "borders": borders, "airports": airports}


def history(session: Session, kind: str, key: str) -> list[dict]:
    key, country, _label = _check_key(kind, key)
    rows = repo.transport_rows(session, None, kind, key)
    dismissed = _not_counted(session, [r.incident_id for r in rows if r.incident_id])
    now = datetime.now(UTC)
    out = []
    for r in reversed(rows):
        v = _view(r, now, timedelta(0))
        v.pop("stale")
        v["counted"] = r.incident_id is None or r.incident_id not in dismissed
        out.append(v)
    return out
