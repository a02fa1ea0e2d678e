"""Incident review by operators: confirm, dismiss, edit, merge, split (and undo), enter by hand, the queue.

- **Status**: ``new`` (as extracted) -> ``confirmed`` or ``dismissed`` (with a reason), and back to ``new``
  (``reopen``). A merge leaves the emptied incident as ``merged`` (a tombstone pointing at the incident its
  reports went to) until the merge is undone. Dismissed and merged incidents count nowhere
  (``review_repository.COUNTED_STATUSES``).
- **Edits**: an operator's value for a field is kept beside the extracted value (``IncidentEdit``: who,
  when, the extracted value it stands beside). Re-extraction recomputes the extracted values and applies
  the edits again (``apply_edits``, called by ``service._refresh_all``), so an edit wins until cleared.
- **Merge and split** move reports between incidents and record the move (``IncidentMove``), so ``undo``
  puts them back.
- **By hand**: an incident entered by an operator, with a source note, is ``confirmed`` from the start; its
  fields are kept as edits, so a report that later joins it does not overwrite them.
- **Optimistic locking**: every action takes the ``version`` the operator saw; a stale version, or a
  second action racing the first, is refused with ``Conflict`` (HTTP 409). Missing incidents are
  ``NotFound`` (404); acting on a merged incident is a ``Conflict`` naming where it went.
- **Who**: every action names its ``Actor`` (the request's scope, or the CLI), stamps the incident and
  writes an audit row (``tenancy.audit``).
- **Duration**: ``date`` is the start; ``date_end`` and ``ongoing`` are set by hand, or by the reports
  (``derive_duration``): a later report extends it to its day; the latest report that says it lasts
  ("remains closed", "jusqu'à nouvel ordre") makes it ongoing, one that says it ended ("reopened", "curfew
  lifted") ends it on its day (cues in ``data/duration_cues.tsv``).
- **Queue**: new incidents, most severe and most confident first (confidence from ``risk.confidence``),
  and the extracted documents that gave no incident at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from vedette.errors import BadInput, Conflict, NotFound
from vedette.incidents import repository as repo
from vedette.incidents import review_repository as rrepo
from vedette.incidents.models import Incident, IncidentEdit, IncidentMove, Report
from vedette.tenancy import audit
from vedette.tenancy.scope import OrgScope

CATEGORIES = (
    "armed_conflict",
    "terrorism",
    "violence_against_civilians",
    "kidnapping",
    "civil_unrest",
    "coup",
    "crime",
    "transport_disruption",
    "political",
    "health",
    "natural_disaster",
    "other",
)
MANUAL = "manual.entry"
DATA = Path(__file__).with_name("data")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user or token (with its scope), or the command line."""

    kind: str  # user | token | cli | system
    user_id: int | None = None
    scope: OrgScope | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.user_id}" if self.user_id is not None else self.kind

    @classmethod
    def of(cls, scope: OrgScope) -> Actor:
        return cls(scope.actor, scope.user_id, scope)


CLI = Actor("cli")


# --- field validation -------------------------------------------------------------------------------


def _valid_date(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise BadInput("a date is YYYY, YYYY-MM or YYYY-MM-DD", item=name)
    try:
        date.fromisoformat((value + "-01-01")[:10] if len(value) < 10 else value)
    except ValueError as exc:
        raise BadInput(f"{value!r} is no calendar date", item=name) from exc
    return value


def _text(limit: int) -> Any:
    def check(value: Any, name: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or "\x00" in value:
            raise BadInput("must be text", item=name)
        value = value.strip()
        if len(value) > limit:
            raise BadInput(f"at most {limit} characters", item=name)
        return value or None

    return check


def _count(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10_000_000:
        raise BadInput("a count is a whole number >= 0 (or null)", item=name)
    return value


def _coord(limit: float) -> Any:
    def check(value: Any, name: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not -limit <= value <= limit:
            raise BadInput(f"between -{limit} and {limit}", item=name)
        return float(value)

    return check


def _time(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _TIME.match(value):
        raise BadInput("a time is HH:MM", item=name)
    return value


def _country(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _COUNTRY.match(value.upper()):
        raise BadInput("an ISO 3166-1 alpha-2 code", item=name)
    return value.upper()


def _category(value: Any, name: str) -> str:
    if value not in CATEGORIES:
        raise BadInput(f"one of {', '.join(CATEGORIES)}", item=name)
    return value


def _actors(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() and len(a) <= 200 for a in value):
        raise BadInput("a list of names (each at most 200 characters)", item=name)
    if len(value) > 50:
        raise BadInput("at most 50 actors", item=name)
    return [a.strip() for a in value]


def _severity(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise BadInput("a severity is 1-5", item=name)
    return value


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise BadInput("true or false", item=name)
    return value


# API field name -> (Incident attribute, validator)
FIELDS: dict[str, tuple[str, Any]] = {
    "date": ("date", _valid_date),
    "date_end": ("date_end", _valid_date),
    "ongoing": ("ongoing", _flag),
    "time": ("time", _time),
    "place": ("place", _text(500)),
    "place_id": ("place_ref", _text(64)),
    "admin1": ("admin1", _text(200)),
    "country": ("country", _country),
    "lat": ("lat", _coord(90.0)),
    "lon": ("lon", _coord(180.0)),
    "category": ("category", _category),
    "killed": ("killed", _count),
    "injured": ("injured", _count),
    "hostages_or_kidnapped": ("hostages_or_kidnapped", _count),
    "actors": ("actors", _actors),
    "severity": ("severity", _severity),
    "summary": ("summary", _text(2000)),
}


def validate_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Each field checked and normalised; unknown fields are refused."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise BadInput(f"no such field(s): {', '.join(unknown)}; editable: {', '.join(FIELDS)}", item=unknown[0])
    out = {name: FIELDS[name][1](value, name) for name, value in values.items()}
    start = out.get("date")
    end = out.get("date_end")
    if start and end and end[: len(start)] < start[: len(end)]:
        raise BadInput("the end is before the start", item="date_end")
    return out


def _set(inc: Incident, name: str, value: Any) -> None:
    attr = FIELDS[name][0]
    setattr(inc, attr, value)
    if name == "date":
        inc.date_precision = {4: "year", 7: "month", 10: "day"}.get(len(value or ""))
        inc.date_certain = True


def _get(inc: Incident, name: str) -> Any:
    value = getattr(inc, FIELDS[name][0])
    return list(value) if isinstance(value, list) else value


# --- re-extraction: edits win ---------------------------------------------------------------------------


def derived_end(incident: Incident, records: Iterable[Mapping]) -> str | None:
    """The latest day a report of the incident gives, when after its start (a later report extends it)."""
    days = [r.get("date") for r in records if len(r.get("date") or "") == 10]
    latest = max(days, default=None)
    start = incident.date or ""
    return latest if latest and latest[: len(start)] > start else None


@lru_cache(maxsize=1)
def _duration_cues() -> list[tuple[str, re.Pattern[str]]]:
    rows = []
    for n, line in enumerate((DATA / "duration_cues.tsv").read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, rx = line.split("\t", 1)
        if kind not in ("ongoing", "ended"):
            raise ValueError(f"duration_cues.tsv line {n}: unknown kind {kind!r}")
        rows.append((kind, re.compile(rf"(?<!\w){rx}(?!\w)", re.IGNORECASE)))
    return rows


def duration_cue(text: str) -> str | None:
    """"ongoing", "ended" or None: what the words of ``text`` say about how long it lasts (the cue that
    comes last in the text wins: "remained closed until it reopened" ended)."""
    best: tuple[int, str] | None = None
    for kind, rx in _duration_cues():
        for m in rx.finditer(text):
            if best is None or m.start() >= best[0]:
                best = (m.start(), kind)
    return best[1] if best else None


def derive_duration(incident: Incident, records: Iterable[Mapping]) -> tuple[str | None, bool]:
    """(date_end, ongoing) from the reports: the latest report whose evidence says it lasts ("remains
    closed") or ended ("reopened", data/duration_cues.tsv) decides; else the latest later date ends it."""
    records = sorted(records, key=lambda r: r.get("date") or "")
    end, ongoing = derived_end(incident, records), False
    start = incident.date or ""
    for r in records:
        cue = duration_cue(r.get("evidence") or "")
        if cue == "ongoing":
            ongoing = True
        elif cue == "ended":
            ongoing = False
            day = r.get("date") or ""
            end = day if len(day) == 10 and day[: len(start)] > start else end
    return (None if ongoing else end), ongoing


def apply_edits(session: Session, refreshed: Mapping[int, list[Mapping]]) -> None:
    """After ``service.refresh`` recomputed the extracted fields of these incidents (id -> report
    records): set the derived end, note each extracted value beside the edit on it, and apply the edit."""
    if not refreshed:
        return
    edits = rrepo.active_edits(session, list(refreshed))
    for inc_id, records in refreshed.items():
        inc = session.get(Incident, inc_id)
        if inc is None:
            continue
        inc.date_end, inc.ongoing = derive_duration(inc, records)
        for name, edit in edits.get(inc_id, {}).items():
            extracted = _get(inc, name)
            if edit.extracted.get("v") != extracted:
                edit.extracted = {"v": extracted}
            _set(inc, name, edit.value.get("v"))


# --- actions ---------------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _incident(session: Session, incident_id: int) -> Incident:
    inc = session.get(Incident, incident_id)
    if inc is None:
        raise NotFound(f"no incident {incident_id}", item=f"incident {incident_id}")
    return inc


def _take(session: Session, incident_id: int, version: int | None) -> Incident:
    """The incident, checked for an action: it exists, is not merged away, and is still at ``version``
    (when given); its version moves on by one, atomically (a racing second action gets ``Conflict``)."""
    inc = _incident(session, incident_id)
    if inc.status == "merged":
        raise Conflict(
            f"incident {incident_id} was merged into incident {inc.merged_into_id}: act on that one "
            "(or undo the merge)",
            item=f"incident {incident_id}",
        )
    if version is not None and version != inc.version:
        raise Conflict(
            f"incident {incident_id} changed (version {inc.version}, you sent {version}): reload and retry",
            item=f"incident {incident_id}",
        )
    if not rrepo.bump_version(session, inc.id, inc.version):
        raise Conflict(f"incident {incident_id} is being changed by someone else: reload and retry",
                       item=f"incident {incident_id}")
    session.refresh(inc)
    return inc


def _audit(session: Session, actor: Actor, action: str, incident_id: int, detail: dict | None = None) -> None:
    audit.record(
        session,
        action,
        scope=actor.scope,
        actor=actor.kind,
        user_id=actor.user_id,
        target_type="incident",
        target_id=incident_id,
        detail=detail or {},
    )


def _stamp(inc: Incident, actor: Actor) -> None:
    inc.reviewed_by = actor.label
    inc.reviewed_at = _now()


def confirm(
    session: Session, incident_id: int, actor: Actor, *, version: int | None = None, note: str | None = None
) -> Incident:
    inc = _take(session, incident_id, version)
    before = inc.status
    inc.status, inc.status_reason = "confirmed", _text(2000)(note, "note")
    _stamp(inc, actor)
    _audit(session, actor, "incident.confirm", inc.id, {"from": before, "note": inc.status_reason})
    session.flush()
    return inc


def dismiss(
    session: Session, incident_id: int, actor: Actor, *, reason: str, version: int | None = None
) -> Incident:
    reason = _text(2000)(reason, "reason")
    if not reason:
        raise BadInput("say why the incident is dismissed", item="reason")
    inc = _take(session, incident_id, version)
    before = inc.status
    inc.status, inc.status_reason = "dismissed", reason
    _stamp(inc, actor)
    _audit(session, actor, "incident.dismiss", inc.id, {"from": before, "reason": reason})
    session.flush()
    return inc


def reopen(session: Session, incident_id: int, actor: Actor, *, version: int | None = None) -> Incident:
    """Back to ``new`` (undoes a confirmation or a dismissal; the audit keeps both)."""
    inc = _take(session, incident_id, version)
    before = inc.status
    inc.status, inc.status_reason = "new", None
    _stamp(inc, actor)
    _audit(session, actor, "incident.reopen", inc.id, {"from": before})
    session.flush()
    return inc


def edit(
    session: Session,
    incident_id: int,
    actor: Actor,
    changes: Mapping[str, Any],
    *,
    clear: Iterable[str] = (),
    version: int | None = None,
) -> Incident:
    """Set fields (kept beside the extracted values) and clear earlier edits (back to the extracted value)."""
    clear = list(dict.fromkeys(clear))
    values = validate_fields(changes)
    unknown = sorted(set(clear) - set(FIELDS))
    if unknown:
        raise BadInput(f"no such field(s): {', '.join(unknown)}", item=unknown[0])
    both = sorted(set(clear) & set(values))
    if both:
        raise BadInput("a field is either set or cleared", item=both[0])
    if not values and not clear:
        raise BadInput("nothing to change: give fields to set or to clear", item="fields")
    if values.get("place_id"):  # a gazetteer entry chosen: its name, region, country and point come with it
        values = _from_gazetteer(values)
    inc = _take(session, incident_id, version)
    current = rrepo.active_edits(session, [inc.id]).get(inc.id, {})
    if "date_end" in values or "date" in values:
        start = values.get("date", inc.date) or ""
        end = values.get("date_end", inc.date_end) or ""
        if start and end and end[: len(start)] < start[: len(end)]:
            raise BadInput("the end is before the start", item="date_end")
    now = _now()
    for name, value in values.items():
        extracted = current[name].extracted.get("v") if name in current else _get(inc, name)
        session.add(
            IncidentEdit(
                incident_id=inc.id, field=name, value={"v": value}, extracted={"v": extracted},
                actor=actor.label, user_id=actor.user_id, at=now,
            )
        )
        _set(inc, name, value)
    for name in clear:
        if name not in current:
            continue  # nothing to clear
        extracted = current[name].extracted.get("v")
        session.add(
            IncidentEdit(
                incident_id=inc.id, field=name, value={"v": None}, extracted={"v": extracted}, cleared=True,
                actor=actor.label, user_id=actor.user_id, at=now,
            )
        )
        _set(inc, name, extracted)
    _stamp(inc, actor)
    _audit(session, actor, "incident.edit", inc.id, {"set": dict(values), "clear": clear})
    session.flush()
    if clear and repo.reports_for(session, [inc.id]):
        _refresh(session, {inc.id})  # the cleared fields as the reports give them now (date precision too)
    return inc


def add_manual(session: Session, actor: Actor, fields: Mapping[str, Any], *, source_note: str) -> Incident:
    """An incident entered by an operator, confirmed from the start. ``place_id`` (a gazetteer id) or a
    ``place`` name fills the missing admin1, country and coordinates from the gazetteer."""
    note = _text(2000)(source_note, "source_note")
    if not note:
        raise BadInput("say where the incident comes from (source note)", item="source_note")
    values = validate_fields(fields)
    if "category" not in values:
        raise BadInput("a category is required", item="category")
    if not values.get("date"):
        raise BadInput("a date is required (YYYY, YYYY-MM or YYYY-MM-DD)", item="date")
    values = _placed(values)
    if not values.get("country"):
        raise BadInput("a place the gazetteer knows, or a country, is required", item="place")
    inc = Incident(
        category=values["category"], extractor=MANUAL, actors=[], source="manual", source_note=note,
        status="confirmed", reviewed_by=actor.label, reviewed_at=_now(),
    )
    for name, value in values.items():
        _set(inc, name, value)
    session.add(inc)
    session.flush()
    for name, value in values.items():  # the hand values, kept as edits: a report that joins later keeps them
        session.add(
            IncidentEdit(incident_id=inc.id, field=name, value={"v": value}, extracted={"v": None},
                         actor=actor.label, user_id=actor.user_id)
        )
    _audit(session, actor, "incident.create", inc.id, {"source_note": note, "fields": dict(values)})
    session.flush()
    return inc


def _placed(values: dict[str, Any]) -> dict[str, Any]:
    """Fill admin1, country, coordinates (and the place id) from the gazetteer where not given: from the
    ``place_id``, else by resolving the ``place`` name (in the ``country`` when given)."""
    if values.get("lat") is not None and values.get("lon") is not None:
        return values
    if values.get("place_id"):
        return _from_gazetteer(values)
    if not values.get("place"):
        return values
    from vedette.gazetteer import get_gazetteer
    from vedette.gazetteer.resolver import ResolveContext

    country = values.get("country")
    match = get_gazetteer().resolve(values["place"], ResolveContext(countries={country: 1.0} if country else {}))
    if match is None or (country and match.country != country):
        if not country:
            raise BadInput(
                f"the gazetteer does not know {values['place']!r}: give its country (and coordinates)", item="place"
            )
        return values  # placed at the country's level, with the name as given
    out = {**values, "place_id": match.id}
    for key in ("admin1", "country", "lat", "lon"):
        if out.get(key) is None:
            out[key] = getattr(match, key)
    return out


def _from_gazetteer(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with what its ``place_id`` names in the gazetteer (the fields given win)."""
    from vedette.gazetteer import get_gazetteer

    match = get_gazetteer().get(values["place_id"])
    if match is None:
        raise BadInput(f"no place {values['place_id']} in the gazetteer", item="place_id")
    out = dict(values)
    if "place" not in out:
        out["place"] = match.name
    for key in ("admin1", "country", "lat", "lon"):
        if key not in out:
            out[key] = getattr(match, key)
    return out


def merge(
    session: Session,
    incident_id: int,
    other_id: int,
    actor: Actor,
    *,
    version: int | None = None,
    other_version: int | None = None,
) -> Incident:
    """Move every report of ``other`` into ``incident``; ``other`` stays as a ``merged`` tombstone."""
    if incident_id == other_id:
        raise BadInput("cannot merge an incident with itself", item=f"incident {incident_id}")
    _incident(session, incident_id)  # both exist (404) before either is checked for a conflict (409)
    _incident(session, other_id)
    inc = _take(session, incident_id, version)
    other = _take(session, other_id, other_version)
    reports = repo.reports_for(session, [other.id])
    prior = {"status": other.status, "status_reason": other.status_reason, "locked": other.locked,
             "to_locked": inc.locked, "reports": [_report_key(r) for r in reports]}
    for r in reports:
        r.incident_id = inc.id
    other.status, other.merged_into_id = "merged", inc.id
    inc.locked = True
    _stamp(inc, actor)
    _stamp(other, actor)
    move = IncidentMove(kind="merge", from_id=other.id, to_id=inc.id, report_ids=[r.id for r in reports],
                        prior=prior, actor=actor.label, user_id=actor.user_id)
    session.add(move)
    session.flush()
    _refresh(session, {inc.id})
    _audit(session, actor, "incident.merge", inc.id, {"merged": other.id, "move": move.id,
                                                      "reports": move.report_ids})
    session.flush()
    return inc


def split(
    session: Session, incident_id: int, report_ids: Iterable[int], actor: Actor, *, version: int | None = None
) -> Incident:
    """Move ``report_ids`` out of the incident into a new one (``new``, to be reviewed); both are locked
    against automatic merging."""
    wanted = sorted(set(report_ids))
    if not wanted:
        raise BadInput("name the report(s) to split off", item="report_ids")
    inc = _incident(session, incident_id)
    reports = repo.reports_for(session, [inc.id])
    mine = {r.id: r for r in reports}
    missing = [r for r in wanted if r not in mine]
    if missing:
        raise BadInput(f"report {missing[0]} does not belong to incident {incident_id}", item=f"report {missing[0]}")
    if len(wanted) >= len(reports):
        raise BadInput("a split leaves at least one report on the incident", item=f"incident {incident_id}")
    inc = _take(session, incident_id, version)
    first = mine[wanted[0]]
    new = Incident(category=first.record.get("category", inc.category), extractor="manual.split", actors=[],
                   locked=True, status="new")
    session.add(new)
    session.flush()
    for rid in wanted:
        mine[rid].incident_id = new.id
    inc.locked = True
    _stamp(inc, actor)
    move = IncidentMove(kind="split", from_id=inc.id, to_id=new.id, report_ids=wanted,
                        prior={"reports": [_report_key(mine[rid]) for rid in wanted]},
                        actor=actor.label, user_id=actor.user_id)
    session.add(move)
    session.flush()
    _refresh(session, {inc.id, new.id})
    _audit(session, actor, "incident.split", inc.id, {"new": new.id, "move": move.id, "reports": wanted})
    session.flush()
    return new


def _report_key(r: Report) -> list:
    """What identifies a report across re-extraction (which replaces the rows, and their ids)."""
    return [r.document_id, r.span_start, r.span_end, (r.record or {}).get("category")]


def _moved(move: IncidentMove, r: Report) -> bool:
    return r.id in move.report_ids or _report_key(r) in (move.prior or {}).get("reports", [])


def undo(session: Session, move_id: int, actor: Actor) -> IncidentMove:
    """Put the reports of a merge or split back where they were."""
    move = session.get(IncidentMove, move_id)
    if move is None:
        raise NotFound(f"no merge or split {move_id}", item=f"move {move_id}")
    if move.undone_at is not None:
        raise Conflict(f"{move.kind} {move_id} was already undone", item=f"move {move_id}")
    if move.kind == "merge":
        target = _take(session, move.to_id, None)  # refused when the target was merged away since
        source = _incident(session, move.from_id)
        for r in repo.reports_for(session, [target.id]):
            if _moved(move, r):
                r.incident_id = source.id
        rrepo.bump_version(session, source.id, source.version)
        session.refresh(source)
        source.status = move.prior.get("status", "new")
        source.status_reason = move.prior.get("status_reason")
        source.locked = bool(move.prior.get("locked", False))
        source.merged_into_id = None
        _stamp(source, actor)
        _stamp(target, actor)
        touched = {source.id, target.id}
    else:
        source = _take(session, move.from_id, None)  # the incident split from
        new = _incident(session, move.to_id)
        if new.status == "merged":
            raise Conflict(f"incident {new.id} was merged since: undo that first", item=f"incident {new.id}")
        rrepo.bump_version(session, new.id, new.version)
        session.refresh(new)
        for r in repo.reports_for(session, [new.id]):
            if _moved(move, r):
                r.incident_id = source.id
        session.flush()
        if not repo.reports_for(session, [new.id]):
            new.status, new.merged_into_id = "merged", source.id
        _stamp(source, actor)
        _stamp(new, actor)
        touched = {source.id, new.id}
    move.undone_at, move.undone_by = _now(), actor.label
    session.flush()
    _refresh(session, touched)
    _audit(session, actor, f"incident.{move.kind}.undo", move.to_id if move.kind == "merge" else move.from_id,
           {"move": move.id, "reports": list(move.report_ids)})
    session.flush()
    return move


def _refresh(session: Session, ids: set[int]) -> None:
    from vedette.incidents.service import _refresh_all

    _refresh_all(session, ids)


# --- reading ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """What one report said: its extracted record (with per-field provenance) and evidence."""

    document_id: int
    record: Mapping
    provenance: Mapping
    evidence: str


def _said(reports: Iterable[Report]) -> dict[int, list[Said]]:
    out: dict[int, list[Said]] = {}
    for r in reports:
        out.setdefault(r.incident_id, []).append(Said(r.document_id, r.record or {}, r.provenance or {}, r.evidence))
    return out


def confidences(
    session: Session,
    incidents: list[Any],
    *,
    reports: dict[int, list[Said]] | None = None,
    edits: dict[int, dict[str, IncidentEdit]] | None = None,
) -> dict[int, Any]:
    """incident id -> ``risk.confidence.Confidence`` (derived from its reports, edits and source).
    ``incidents``: Incident rows (or rows with the same attribute names); ``reports`` and ``edits``:
    already loaded, by incident id."""
    from vedette.risk.confidence import score

    ids = [i.id for i in incidents]
    by_incident = reports if reports is not None else _said(repo.reports_for(session, ids))
    edits = edits if edits is not None else rrepo.active_edits(session, ids)
    out = {}
    for inc in incidents:
        said = by_incident.get(inc.id, [])
        out[inc.id] = score(
            getattr(inc, "_mapping", None) or incident_fields(inc),  # a plain row maps its columns already
            [(r.record, r.provenance) for r in said],
            documents=len({r.document_id for r in said}),
            edited=edits.get(inc.id, {}).keys(),
            manual=inc.source == "manual",
        )
    return out


def severities(
    session: Session,
    incidents: list[Any],
    *,
    reports: dict[int, list[Said]] | None = None,
    edits: dict[int, dict[str, IncidentEdit]] | None = None,
) -> dict[int, tuple[int, list[str]]]:
    """incident id -> (severity 1-5, why): an operator's value where set, else ``risk.severity`` from the
    stored incident and its evidence (the extractor's value while that scorer is not installed)."""
    try:
        from vedette.risk.severity import of_incident
    except ImportError:  # pragma: no cover - the risk picture's severity table not installed
        of_incident = None
    ids = [i.id for i in incidents]
    edits = edits if edits is not None else rrepo.active_edits(session, ids)
    if reports is None:
        reports = _said(repo.reports_for(session, ids)) if of_incident is not None else {}
    out = {}
    for inc in incidents:
        if "severity" in edits.get(inc.id, {}) or of_incident is None:
            out[inc.id] = (inc.severity or 0, ["set by an operator" if inc.severity is not None else "none"])
        else:
            sev = of_incident(inc, [r.evidence for r in reports.get(inc.id, [])])
            out[inc.id] = (sev.value, list(sev.steps))
    return out


def incident_fields(inc: Incident) -> dict[str, Any]:
    return {name: _get(inc, name) for name in FIELDS}


def summary(inc: Incident) -> dict[str, Any]:
    return {
        "id": inc.id,
        **incident_fields(inc),
        "status": inc.status,
        "status_reason": inc.status_reason,
        "reviewed_by": inc.reviewed_by,
        "reviewed_at": inc.reviewed_at.isoformat() if inc.reviewed_at else None,
        "merged_into_id": inc.merged_into_id,
        "version": inc.version,
        "source": inc.source,
        "source_note": inc.source_note,
        "locked": inc.locked,
    }


def review_view(session: Session, incident_id: int) -> dict[str, Any]:
    """An incident as an operator reviews it: fields with the edits beside the extracted values, the
    confidence explained, its reports' provenance, edit history and moves."""
    inc = _incident(session, incident_id)
    reports = repo.reports_for(session, [inc.id])
    names = repo.document_names(session, [r.document_id for r in reports])
    history = rrepo.edits_of(session, [inc.id])
    active = rrepo.active_edits(session, [inc.id]).get(inc.id, {})
    fields = {}
    for name in FIELDS:
        e = active.get(name)
        fields[name] = {
            "value": _get(inc, name),
            "extracted": e.extracted.get("v") if e else _get(inc, name),
            "edited": e is not None,
            "edited_by": e.actor if e else None,
            "edited_at": e.at.isoformat() if e else None,
        }
    return {
        **summary(inc),
        "report_count": len(reports),
        "fields": fields,
        "confidence": confidences(session, [inc])[inc.id].as_dict(),
        "reports": [
            {"id": r.id, "document_id": r.document_id, "document": names.get(r.document_id),
             "span": [r.span_start, r.span_end], "evidence": r.evidence, "provenance": r.provenance or {}}
            for r in reports
        ],
        "edits": [
            {"id": e.id, "field": e.field, "value": e.value.get("v"), "extracted": e.extracted.get("v"),
             "cleared": e.cleared, "by": e.actor, "at": e.at.isoformat()}
            for e in history
        ],
        "moves": [move_view(m) for m in rrepo.moves_of(session, inc.id)],
    }


def move_view(m: IncidentMove) -> dict[str, Any]:
    return {
        "id": m.id, "kind": m.kind, "from_id": m.from_id, "to_id": m.to_id, "report_ids": list(m.report_ids),
        "by": m.actor, "at": m.at.isoformat(), "undone_at": m.undone_at.isoformat() if m.undone_at else None,
        "undone_by": m.undone_by,
    }


def queue(
    session: Session, *, country: str | None = None, limit: int = 100, offset: int = 0, documents_limit: int = 100
) -> dict[str, Any]:
    """New incidents, most severe then most confident first (then newest), and the extracted documents
    that gave no incident at all."""
    # ranked from plain rows (one query each for incidents, reports and edits); the page read as incidents
    rows = rrepo.new_incident_rows(session, country)
    reports: dict[int, list[Said]] = {}
    for inc_id, doc_id, rec in rrepo.new_incident_report_rows(session, country):
        rec = rec or {}
        said = Said(doc_id, rec, rec.get("provenance") or {}, rec.get("evidence") or "")
        reports.setdefault(inc_id, []).append(said)
    edits = rrepo.new_incidents_edits(session, country)
    conf = confidences(session, rows, reports=reports, edits=edits)
    sev = severities(session, rows, reports=reports, edits=edits)
    rows.sort(key=lambda i: (-sev[i.id][0], -conf[i.id].score, _desc(i.date), i.id))
    page_ids = [r.id for r in rows[offset : offset + limit]]
    loaded = {i.id: i for i in rrepo.incidents_by_id(session, page_ids)}
    page = [loaded[i] for i in page_ids]
    counts = {i: len(rs) for i, rs in reports.items()}
    total_docs, docs = rrepo.documents_without_incidents(session, limit=documents_limit)
    return {
        "total": len(rows),
        "incidents": [
            {**summary(i), "severity": sev[i.id][0], "severity_explained": sev[i.id][1],
             "report_count": counts.get(i.id, 0),
             "confidence": {"score": round(conf[i.id].score, 3), "level": conf[i.id].level}}
            for i in page
        ],
        "documents_without_incidents_total": total_docs,
        "documents_without_incidents": [
            {"id": d.id, "name": d.name, "origin": d.origin, "title": d.title, "language": d.language,
             "published_at": d.published_at.isoformat() if d.published_at else None,
             "extracted_at": d.extracted_at.isoformat() if d.extracted_at else None, "extractor": d.extractor}
            for d in docs
        ],
    }


def _desc(value: str | None) -> tuple:
    """Sort key putting later dates first (and undated last)."""
    if not value:
        return (1, ())
    return (0, tuple(-ord(c) for c in value))
