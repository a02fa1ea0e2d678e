"""Alerts and accountability pages (issue 16, item 7), and the public faces of check-ins and enrolment.

Signed in: ``/alerts`` (recent alerts, alarms to claim, boards), ``/alerts/board/{id}`` (the accountability
board, live), ``/alerts/new`` (ad-hoc alert: choose people, preview, send or submit for approval),
``/alerts/rules``, ``/alerts/outbox`` (the outbox and its delivery log; the local outbox of the offline demo),
``/alerts/enrolment`` (enrolment links, the escalation ladder, the duty roster). Actions go through the API
(``/api/alerts/...`` and ``/api/accountability/...``), which checks the role again.

Public (no login; the token in the URL is the authority): ``/checkin/{token}`` (GET shows the buttons, POST
answers: a mail scanner that follows the link answers nothing), ``/enrol/{token}``, ``/enrol/confirm/{token}``
and ``/enrol/manage/{token}``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from vedette.errors import BadInput
from vedette.store.deps import get_session
from vedette.web.i18n import translator
from vedette.web.pages.common import Viewer, language, render, viewer

if TYPE_CHECKING:
    from vedette.alerts.enrolment import LinkRefused

router = APIRouter()
LINK_IN_TEXT = re.compile(r"(/checkin/[0-9]+\.[A-Z0-9]+\.[0-9]+\.[A-Za-z0-9_-]+)")
REFUSED_STATUS = {"forged": 403, "unknown": 403, "revoked": 410, "expired": 410, "answered": 409}


# --- signed-in pages ---------------------------------------------------------------------------------------
@router.get("/alerts", response_class=HTMLResponse)
def alerts_hub(request: Request, session: Session = Depends(get_session), who: Viewer = Depends(viewer)
               ) -> HTMLResponse:
    """Recent alerts, alarms waiting for an analyst, accountability boards."""
    from vedette.alerts import alarms, board
    from vedette.alerts import repository as repo

    recent = repo.list_alerts(session, who.scope, limit=50)
    active = alarms.list_alarms(session, who.scope, status="active")
    names = _names(session, who, [a.person_id for a in active if a.person_id])
    return render(request, "alerts_hub.html", who, alerts=recent, alarms=active, names=names,
                  boards=board.events(session, who.scope, 50), can_write=who.can("write"),
                  me=who.user.id, headline=board.headline)


def _names(session: Session, who: Viewer, ids: list[int]) -> dict[int, str]:
    from vedette.people import repository as people_repo

    return {p.id: p.name for p in people_repo.people_by_ids(session, who.scope, set(ids)).values()} if ids else {}


@router.get("/alerts/board/{alert_id}", response_class=HTMLResponse)
def board_page(request: Request, alert_id: int, session: Session = Depends(get_session),
               who: Viewer = Depends(viewer)) -> HTMLResponse:
    """The accountability board of an alert's thread, updated live as people answer."""
    from vedette.alerts import board

    if not 1 <= alert_id <= 2**31 - 1:
        return render(request, "not_found.html", who, status_code=404)
    data = board.board(session, who.scope, alert_id)
    return render(request, "alerts_board.html", who, b=data, can_write=who.can("write"))


@router.get("/alerts/new", response_class=HTMLResponse)
def new_alert(request: Request, session: Session = Depends(get_session), who: Viewer = Depends(viewer)
              ) -> HTMLResponse:
    """An ad-hoc alert: people by tag, country, region, an area drawn on the map or by name; preview; send."""
    from vedette.alerts import repository as repo
    from vedette.people import service as people

    rows, _total = people.list_people(session, who.scope, limit=2000, offset=0)
    tags = sorted({t for p in rows for t in (p.tags or [])})
    threshold = repo.settings(session, who.scope).approval_threshold
    return render(request, "alerts_new.html", who, people=rows, tags=tags, threshold=threshold,
                  can_write=who.can("write"))


@router.get("/alerts/rules", response_class=HTMLResponse)
def rules_page(request: Request, session: Session = Depends(get_session), who: Viewer = Depends(viewer)
               ) -> HTMLResponse:
    from vedette.alerts import repository as repo

    return render(request, "alerts_rules.html", who, rules=repo.list_rules(session, who.scope),
                  can_write=who.can("write"))


@router.get("/alerts/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, status: str | None = Query(None, max_length=12),
                alert: int | None = Query(None, ge=1, le=2**31 - 1), session: Session = Depends(get_session),
                who: Viewer = Depends(viewer)) -> HTMLResponse:
    """The outbox and its delivery log (with no SMTP or SMS provider configured: the local outbox)."""
    from vedette.alerts import repository as repo
    from vedette.config import get_settings

    rows = repo.list_messages(session, who.scope, alert_id=alert, status=status or None, limit=300)
    msgs = rows[0] if isinstance(rows, tuple) else rows
    names = _names(session, who, [m.person_id for m in msgs if m.person_id])
    counts = repo.status_counts(session, who.scope, alert)
    settings = get_settings()
    local = not (settings.smtp_url or settings.sms_url)
    # the offline demo: the local outbox's check-in links open on this server, as the people's would
    found = ((m.id, LINK_IN_TEXT.search((m.payload or {}).get("text") or "")) for m in msgs) if local else ()
    links = {mid: m.group(1) for mid, m in found if m}
    return render(request, "alerts_outbox.html", who, messages=msgs, names=names, counts=counts, status=status or "",
                  alert=alert, local=local, links=links, can_dispatch=who.can("manage"))


@router.get("/alerts/enrolment", response_class=HTMLResponse)
def enrolment_page(request: Request, session: Session = Depends(get_session), who: Viewer = Depends(viewer)
                   ) -> HTMLResponse:
    """Enrolment links, the escalation ladder and the duty roster."""
    from vedette.alerts import enrolment, ladder, roster

    can_manage = who.can("manage")
    links = enrolment.list_links(session, who.scope) if can_manage else []
    n = enrolment.counts(session, who.scope) if can_manage else {}
    shifts = roster.list_shifts(session, who.scope, since=datetime.now(UTC))
    names = _names(session, who, [s.person_id for s in shifts])
    from vedette.people import service as people

    rows, _ = people.list_people(session, who.scope, limit=2000, offset=0)
    return render(request, "alerts_enrolment.html", who, links=links, counts=n, url=enrolment.link_url,
                  ladder=ladder.get_ladder(session, who.scope), shifts=shifts, names=names, people=rows,
                  can_manage=can_manage)


# --- public: check-in ----------------------------------------------------------------------------------------
def _public(request: Request, template: str, lang: str | None, status_code: int = 200, **context) -> HTMLResponse:
    chosen = lang if lang in ("en", "fr") else language(request)
    return render(request, template, None, status_code=status_code, lang=chosen, _=translator(chosen), public=True,
                  **context)


def _checkin_context(session: Session, req) -> dict:  # noqa: ANN001 - a CheckinRequest
    from vedette.alerts import board
    from vedette.alerts.models import Alert
    from vedette.people.models import Person

    person = session.get(Person, req.person_id)
    alert = session.get(Alert, req.alert_id) if req.alert_id is not None else None
    lang = person.language if person is not None else None
    head = None
    if alert is not None:
        ev = alert.event or {}
        head = (ev.get("headline_fr") if lang == "fr" else None) or board.headline(alert)
    return {"first_name": (person.name.split()[0] if person is not None and person.name else ""),
            "headline": head, "code": req.code, "lang": lang}


@router.get("/checkin/{token}", response_class=HTMLResponse)
def checkin_form(request: Request, token: str, session: Session = Depends(get_session)) -> HTMLResponse:
    """The check-in page: two buttons that POST (opening the link answers nothing)."""
    from vedette.alerts import checkins

    try:
        req = checkins.verify_token(session, token[:120])
    except checkins.LinkRefused as refused:
        return _refused(request, session, refused)
    ctx = _checkin_context(session, req)
    return _public(request, "checkin.html", ctx.pop("lang"), state="ask", token=token, **ctx)


def _refused(request: Request, session: Session, refused) -> HTMLResponse:  # noqa: ANN001
    lang = None
    ctx: dict = {}
    if refused.request is not None:
        ctx = _checkin_context(session, refused.request)
        lang = ctx.pop("lang")
        ctx["answered"] = refused.request.status
    return _public(request, "checkin.html", lang, status_code=REFUSED_STATUS.get(refused.reason, 403),
                   state="refused", reason=refused.reason, **ctx)


@router.post("/checkin/{token}", response_class=HTMLResponse)
def checkin_answer(request: Request, token: str, answer: str = Form(..., max_length=8),
                   text: str = Form("", max_length=2000), location: str = Form("", max_length=300),
                   lat: str = Form("", max_length=32), lon: str = Form("", max_length=32),
                   session: Session = Depends(get_session)) -> HTMLResponse:
    """The answer, posted by the page's button (with optional words and position)."""
    from vedette.alerts import checkins

    try:
        req = checkins.verify_token(session, token[:120])
    except checkins.LinkRefused as refused:
        return _refused(request, session, refused)
    ctx = _checkin_context(session, req)
    lang = ctx.pop("lang")
    try:
        la = float(lat) if lat.strip() else None
        lo = float(lon) if lon.strip() else None
        if answer not in ("safe", "help"):
            raise BadInput("choose I am safe or I need help", item="answer")
        checkins.record_answer(session, req, checkins.Answer(answer, text=text, location=location, lat=la, lon=lo),
                               "link", actor="link")
    except (ValueError, BadInput) as exc:
        msg = exc.message if isinstance(exc, BadInput) else "the position is not two numbers"
        return _public(request, "checkin.html", lang, status_code=422, state="ask", token=token, error=msg, **ctx)
    return _public(request, "checkin.html", lang, state="done", answer=answer, **ctx)


# --- public: enrolment ---------------------------------------------------------------------------------------
ENROL_FIELDS = ("name", "email", "phone", "language", "nationality", "contact_name", "contact_phone", "destination",
                "arrive", "leave")


async def _form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: str(data.get(k, ""))[:300].strip() for k in ENROL_FIELDS}


def _enrol_in(values: dict[str, str]):  # noqa: ANN202 - an EnrolIn
    from vedette.alerts.enrolment import EnrolIn

    clean: dict[str, object] = {k: v for k, v in values.items() if v}
    for k in ("arrive", "leave"):
        if k in clean:
            try:
                clean[k] = date.fromisoformat(str(clean[k]))
            except ValueError as exc:
                raise BadInput("a date (YYYY-MM-DD)", item=k) from exc
    try:
        return EnrolIn(**clean)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BadInput(first["msg"], item=str(first["loc"][0]) if first["loc"] else "form") from exc


def _enrol_refused(request: Request, refused: LinkRefused) -> HTMLResponse:
    """The enrolment page saying why its link was refused (expired, used, revoked...)."""
    return _public(request, "enrol.html", None, status_code=REFUSED_STATUS.get(refused.reason, 403),
                   state="refused", reason=refused.reason)


@router.get("/enrol/confirm/{token}", response_class=HTMLResponse)
def enrol_confirm_page(request: Request, token: str, session: Session = Depends(get_session)) -> HTMLResponse:
    from vedette.alerts import enrolment

    try:
        enrol = enrolment.check_confirm(session, token[:100])
    except enrolment.LinkRefused as refused:
        return _enrol_refused(request, refused)
    return _public(request, "enrol.html", enrol.data["person"].get("language"), state="confirm", token=token)


@router.post("/enrol/confirm/{token}", response_class=HTMLResponse)
def enrol_confirm(request: Request, token: str, session: Session = Depends(get_session)) -> HTMLResponse:
    from vedette.alerts import enrolment

    try:
        enrol, manage = enrolment.confirm(session, token[:100])
    except enrolment.LinkRefused as refused:
        return _enrol_refused(request, refused)
    from vedette.people.models import Person

    person = session.get(Person, enrol.person_id)
    return _public(request, "enrol.html", person.language, state="confirmed", manage_url=f"/enrol/manage/{manage}")


@router.get("/enrol/manage/{token}", response_class=HTMLResponse)
def enrol_manage_page(request: Request, token: str, session: Session = Depends(get_session)) -> HTMLResponse:
    from vedette.alerts import enrolment

    try:
        enrol, person = enrolment.by_manage_token(session, token[:100])
    except enrolment.LinkRefused as refused:
        return _public(request, "enrol.html", None, status_code=403, state="refused", reason=refused.reason)
    trip = enrolment.current_trip(session, enrol, person) or {}
    contact = person.emergency_contact or {}
    values = {"name": person.name, "email": (person.emails or [""])[0], "phone": (person.phones or [""])[0],
              "language": person.language, "nationality": person.nationality or "",
              "contact_name": contact.get("name") or "", "contact_phone": contact.get("phone") or "",
              "destination": trip.get("destination", ""), "arrive": trip.get("arrive", ""),
              "leave": trip.get("leave", "")}
    return _public(request, "enrol.html", person.language, state="manage", token=token, values=values)


@router.post("/enrol/manage/{token}", response_class=HTMLResponse)
async def enrol_manage(request: Request, token: str, session: Session = Depends(get_session)) -> HTMLResponse:
    from starlette.concurrency import run_in_threadpool

    from vedette.alerts import enrolment

    values = await _form(request)
    data = await request.form()

    def work() -> HTMLResponse:
        try:
            if data.get("leave_programme") == "1":
                enrolment.leave(session, token[:100])
                return _public(request, "enrol.html", values.get("language"), state="left")
            enrolment.update(session, token[:100], _enrol_in(values))
        except enrolment.LinkRefused as refused:
            return _public(request, "enrol.html", None, status_code=403, state="refused", reason=refused.reason)
        except BadInput as exc:
            session.rollback()
            return _public(request, "enrol.html", values.get("language"), status_code=422, state="manage",
                           token=token, values=values, error=exc.message, error_field=exc.item)
        return _public(request, "enrol.html", values.get("language"), state="updated", token=token, values=values)

    return await run_in_threadpool(work)


@router.get("/enrol/{token}", response_class=HTMLResponse)
def enrol_page(request: Request, token: str, session: Session = Depends(get_session)) -> HTMLResponse:
    """The organisation's enrolment form."""
    from vedette.alerts import enrolment

    try:
        link = enrolment.resolve_link(session, token[:100])
    except enrolment.LinkRefused as refused:
        return _enrol_refused(request, refused)
    return _public(request, "enrol.html", request.cookies.get("lang") or link.language, state="form", token=token,
                   values={"language": link.language}, org=_org_name(session, link.organisation_id))


def _org_name(session: Session, org_id: int) -> str:
    from vedette.tenancy.models import Organisation

    org = session.get(Organisation, org_id)
    return org.name if org is not None else ""


@router.post("/enrol/{token}", response_class=HTMLResponse)
async def enrol_submit(request: Request, token: str, session: Session = Depends(get_session)) -> HTMLResponse:
    from starlette.concurrency import run_in_threadpool

    from vedette.alerts import enrolment

    values = await _form(request)

    def work() -> HTMLResponse:
        try:
            enrolment.submit(session, token[:100], _enrol_in(values))
        except enrolment.LinkRefused as refused:
            return _enrol_refused(request, refused)
        except BadInput as exc:
            session.rollback()
            link = enrolment.resolve_link(session, token[:100])
            return _public(request, "enrol.html", values.get("language"), status_code=422, state="form",
                           token=token, values=values, error=exc.message, error_field=exc.item,
                           org=_org_name(session, link.organisation_id))
        return _public(request, "enrol.html", values.get("language"), state="sent")

    return await run_in_threadpool(work)

