"""Self-enrolment (issue 16, item 6), like an embassy's traveller programme.

An organisation makes an :class:`EnrolmentLink` (``/enrol/<token>``, no login). A traveller fills in who they
are, their contacts and their trip; nothing becomes a person yet: an :class:`Enrolment` holds the answers as
*pending* and a confirmation email goes out through the outbox (channel email, purpose ``confirmation``). The
email's link opens a page whose button confirms (a mail scanner following the link confirms nothing); then the
person and their trip are created (tagged ``enrolled`` and with the link's tags) and a second email brings the
traveller's own management link (``/enrol/manage/<token>``), where they update their details or leave: leaving
erases the person and everything about them (``people.service.erase_person``).

Tokens: the link's is ``<id>.<HMAC(secret_key, id, salt)>`` (shown again to the organisation whenever asked,
revoked by a flag); confirmation and management tokens are random, only their sha256 is kept. Pending
enrolments are dropped after ``PENDING_HOURS``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vedette.errors import BadInput, NotFound
from vedette.people.models import Person
from vedette.store.base import Base, utcnow
from vedette.tenancy.clock import aware
from vedette.tenancy.scope import OrgScope

ORG_FK = "organisations.id"
PENDING_HOURS = 48
MAX_PENDING_PER_ADDRESS = 3  # confirmations waiting for one address on one link
MAX_PENDING_PER_LINK = 1000
log = logging.getLogger("vedette.alerts.enrolment")
ENROLLED_TAG = "enrolled"


class EnrolmentLink(Base):
    __tablename__ = "enrolment_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    salt: Mapped[str] = mapped_column(String(32))
    tags: Mapped[list] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(2), default="en")
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class Enrolment(Base):
    """A traveller's enrolment: pending (answers held until the email is confirmed), then confirmed (a person)."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment_links.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | confirmed
    data: Mapped[dict] = mapped_column(default=dict)  # the pending answers (emptied on confirmation)
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    manage_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()


class EnrolIn(BaseModel):
    """What a traveller gives (the form's fields)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254)
    phone: str | None = Field(None, max_length=40)
    language: str = Field("en", pattern=r"^(en|fr)$")
    nationality: str | None = Field(None, max_length=2)
    contact_name: str | None = Field(None, max_length=200)
    contact_phone: str | None = Field(None, max_length=40)
    destination: str | None = Field(None, max_length=300)  # a place the gazetteer knows
    arrive: date | None = None
    leave: date | None = None


class LinkRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def now_utc() -> datetime:
    return datetime.now(UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key() -> bytes:
    from vedette.config import get_settings

    return hashlib.sha256(b"vedette.enrol.v1:" + get_settings().secret_key.get_secret_value().encode()).digest()


def link_token(link: EnrolmentLink) -> str:
    mac = hmac.new(_key(), f"{link.id}:{link.salt}".encode(), hashlib.sha256).digest()
    return f"{link.id}.{base64.urlsafe_b64encode(mac[:18]).decode().rstrip('=')}"


def _base() -> str:
    from vedette.config import get_settings

    return get_settings().alerts_base_url.rstrip("/")


def link_url(link: EnrolmentLink) -> str:
    return f"{_base()}/enrol/{link_token(link)}"


# --- links (the organisation's side) -----------------------------------------------------------------------
def create_link(session: Session, scope: OrgScope, label: str, tags: list[str] | None = None,
                language: str = "en") -> EnrolmentLink:
    from vedette.tenancy import audit

    label = (label or "").strip()
    if not label or len(label) > 200:
        raise BadInput("a label of 1 to 200 characters", item="label")
    clean_tags = sorted({t.strip()[:100] for t in (tags or []) if t and t.strip()})[:20]
    link = EnrolmentLink(organisation_id=scope.org_id, label=label, salt=secrets.token_hex(16), tags=clean_tags,
                         language=language if language in ("en", "fr") else "en",
                         created_by=f"{scope.actor}:{scope.user_id}" if scope.user_id is not None else scope.actor)
    session.add(link)
    session.flush()
    audit.record(session, "enrolment.link.create", scope=scope, target_type="enrolment_link", target_id=link.id)
    return link


def list_links(session: Session, scope: OrgScope) -> list[EnrolmentLink]:
    return list(session.scalars(select(EnrolmentLink).where(EnrolmentLink.organisation_id == scope.org_id)
                                .order_by(EnrolmentLink.id)))


def revoke_link(session: Session, scope: OrgScope, link_id: int) -> EnrolmentLink:
    from vedette.tenancy import audit

    link = session.scalar(select(EnrolmentLink).where(EnrolmentLink.id == link_id,
                                                      EnrolmentLink.organisation_id == scope.org_id))
    if link is None:
        raise NotFound(f"no enrolment link {link_id}", item=str(link_id))
    if link.revoked_at is None:
        link.revoked_at = now_utc()
        audit.record(session, "enrolment.link.revoke", scope=scope, target_type="enrolment_link", target_id=link.id)
    session.flush()
    return link


def counts(session: Session, scope: OrgScope) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for link_id, status in session.execute(select(Enrolment.link_id, Enrolment.status)
                                           .where(Enrolment.organisation_id == scope.org_id)):
        if link_id is not None:
            out.setdefault(link_id, {"pending": 0, "confirmed": 0})[status] += 1
    return out


# --- the traveller's side (no login) -----------------------------------------------------------------------
def resolve_link(session: Session, token: str) -> EnrolmentLink:
    head, _, _ = (token or "").partition(".")
    if not head.isdigit() or len(token) > 80:
        raise LinkRefused("forged")
    link = session.get(EnrolmentLink, int(head))
    if link is None or not hmac.compare_digest(link_token(link).encode(), token.encode()):
        raise LinkRefused("forged")
    if link.revoked_at is not None:
        raise LinkRefused("revoked")
    return link


def _scope(session: Session, org_id: int) -> OrgScope:
    from vedette.tenancy.authz import cli_scope
    from vedette.tenancy.models import Organisation

    return cli_scope(session, session.get(Organisation, org_id).slug)


def _check(form: EnrolIn) -> tuple[dict, dict | None]:
    """The person's and the trip's fields, checked as the people domain checks them (BadInput names a field)."""
    from vedette.people import places
    from vedette.people.schemas import PersonIn, SegmentIn, e164

    for field, value in (("phone", form.phone), ("contact_phone", form.contact_phone)):
        if value:
            try:
                e164(value, (form.nationality or "").upper() or None)
            except ValueError as exc:
                raise BadInput(str(exc), item=field) from exc
    contact = None
    if form.contact_name:
        contact = {"name": form.contact_name, "phone": form.contact_phone or None}
    try:
        person = PersonIn(name=form.name, emails=[form.email], phones=[form.phone] if form.phone else [],
                          nationality=form.nationality or None, language=form.language,
                          channel="sms" if form.phone else "email", emergency_contact=contact)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = {"emails": "email", "phones": "phone", "emergency_contact": "contact_phone"}.get(
            str(first["loc"][0]) if first["loc"] else "", str(first["loc"][0]) if first["loc"] else "form")
        raise BadInput(first["msg"].removeprefix("Value error, "), item=field) from exc
    trip = None
    if form.destination:
        if not (form.arrive and form.leave):
            raise BadInput("give the dates of the stay", item="arrive")
        if form.leave < form.arrive:
            raise BadInput("the stay ends before it starts", item="leave")
        try:
            SegmentIn(kind="other", starts_at=datetime.combine(form.arrive, time(0), UTC),
                      ends_at=datetime.combine(form.leave, time(23, 59), UTC), place_name=form.destination)
            places.locate(ref=None, name=form.destination, lat=None, lon=None)
        except (ValidationError, BadInput) as exc:
            raise BadInput("a place we do not know: try the city's name", item="destination") from exc
        trip = {"destination": form.destination, "arrive": form.arrive.isoformat(), "leave": form.leave.isoformat()}
    return person.model_dump(mode="json"), trip


def _mail(session: Session, scope: OrgScope, enrol: Enrolment, email: str, name: str, lang: str, purpose: str,
          headline: str, note: str) -> None:
    from vedette.alerts import service as alerts_service

    transient = Person(organisation_id=scope.org_id, external_id="-", name=name, emails=[email], phones=[],
                       language=lang, tags=[])
    ctx = {"event": {"headline": headline},
           "alert": {"id": None, "msg_type": "alert", "all_clear": False, "severity": None, "note": note,
                     "thread_key": f"enrol:{enrol.id}"}}
    alerts_service.queue_messages(session, scope, None, [alerts_service.Recipient(transient, "", {}, lang)],
                                  ["email"], purpose=purpose, template="adhoc", context=ctx,
                                  event_key=f"enrol{enrol.id}.{purpose}.{secrets.token_hex(4)}")


TEXTS = {
    "en": {
        "confirm_head": "Confirm your enrolment",
        "confirm_note": "You (or someone with your address) enrolled with {org}. Open this link to confirm, within "
                        "48 hours: {url}  If this was not you, ignore this message: nothing is kept.",
        "manage_head": "Your enrolment is confirmed",
        "manage_note": "You will receive {org}'s messages. To update your details or trip, or to leave (your data "
                       "is then erased), keep this link: {url}",
    },
    "fr": {
        "confirm_head": "Confirmez votre inscription",
        "confirm_note": "Vous (ou quelqu'un avec votre adresse) vous êtes inscrit auprès de {org}. Ouvrez ce lien "
                        "pour confirmer, sous 48 heures : {url}  Si ce n'était pas vous, ignorez ce message : rien "
                        "n'est conservé.",
        "manage_head": "Votre inscription est confirmée",
        "manage_note": "Vous recevrez les messages de {org}. Pour mettre à jour vos coordonnées ou votre voyage, ou "
                       "pour vous désinscrire (vos données sont alors effacées), gardez ce lien : {url}",
    },
}


def submit(session: Session, token: str, form: EnrolIn, now: datetime | None = None) -> Enrolment | None:
    """A traveller's answers: held as pending, and a confirmation email queued (None when the address or the
    link has too many confirmations waiting: nothing is queued). Raises LinkRefused, BadInput."""
    from vedette.tenancy import audit

    link = resolve_link(session, token)
    person, trip = _check(form)
    moment = now or now_utc()
    session.execute(delete(Enrolment).where(Enrolment.status == "pending", Enrolment.expires_at < moment))
    pending = list(session.scalars(select(Enrolment.data).where(Enrolment.link_id == link.id,
                                                                Enrolment.status == "pending")))
    same = sum(1 for d in pending if (d.get("person") or {}).get("emails") == person["emails"])
    if same >= MAX_PENDING_PER_ADDRESS or len(pending) >= MAX_PENDING_PER_LINK:
        # a form posted again and again (or someone else's address written in): no more mail to it; the page
        # says the same as for a first post, so that it tells nothing about who enrolled
        log.info("enrolment link %s: pending limit reached, no confirmation queued", link.id)
        return None
    confirm = secrets.token_urlsafe(24)
    enrol = Enrolment(organisation_id=link.organisation_id, link_id=link.id, status="pending",
                      data={"person": person, "trip": trip}, confirm_hash=_hash(confirm), created_at=moment,
                      expires_at=moment + timedelta(hours=PENDING_HOURS))
    session.add(enrol)
    session.flush()
    scope = _scope(session, link.organisation_id)
    t = TEXTS[form.language]
    org = _org_name(session, link.organisation_id)
    _mail(session, scope, enrol, form.email, form.name, form.language, "confirmation", t["confirm_head"],
          t["confirm_note"].format(org=org, url=f"{_base()}/enrol/confirm/{confirm}"))
    audit.record(session, "enrolment.submit", actor="public", org_id=link.organisation_id,
                 target_type="enrolment", target_id=enrol.id, detail={"link": link.id, "with_trip": trip is not None})
    return enrol


def _org_name(session: Session, org_id: int) -> str:
    from vedette.tenancy.models import Organisation

    org = session.get(Organisation, org_id)
    return org.name if org is not None else ""


def _pending(session: Session, token: str, now: datetime) -> Enrolment:
    enrol = session.scalar(select(Enrolment).where(Enrolment.confirm_hash == _hash(token or "")))
    if enrol is None:
        raise LinkRefused("unknown")
    if enrol.status != "pending":
        raise LinkRefused("answered")
    if enrol.expires_at is not None and aware(enrol.expires_at) < now:
        raise LinkRefused("expired")
    return enrol


def check_confirm(session: Session, token: str, now: datetime | None = None) -> Enrolment:
    return _pending(session, token, now or now_utc())


def confirm(session: Session, token: str, now: datetime | None = None) -> tuple[Enrolment, str]:
    """Create the person (and trip) of a pending enrolment; returns it and the traveller's management token."""
    from vedette.people import service as people
    from vedette.people.schemas import PersonIn
    from vedette.tenancy import audit

    moment = now or now_utc()
    enrol = _pending(session, token, moment)
    scope = _scope(session, enrol.organisation_id)
    link = session.get(EnrolmentLink, enrol.link_id) if enrol.link_id is not None else None
    pdata = dict(enrol.data["person"])
    pdata["tags"] = sorted({ENROLLED_TAG, *(link.tags if link else []), *pdata.get("tags", [])})
    person = people.create_person(session, scope, PersonIn(**pdata))
    trip = enrol.data.get("trip")
    if trip:
        _set_trip(session, scope, person.id, trip)
    manage = secrets.token_urlsafe(24)
    enrol.person_id, enrol.status, enrol.data = person.id, "confirmed", {}
    enrol.confirm_hash, enrol.manage_hash, enrol.confirmed_at = None, _hash(manage), moment
    session.flush()
    t = TEXTS.get(person.language, TEXTS["en"])
    _mail(session, scope, enrol, person.emails[0], person.name, person.language, "notice", t["manage_head"],
          t["manage_note"].format(org=_org_name(session, enrol.organisation_id),
                                  url=f"{_base()}/enrol/manage/{manage}"))
    audit.record(session, "enrolment.confirm", actor="public", org_id=enrol.organisation_id,
                 target_type="person", target_id=person.id, detail={"enrolment": enrol.id})
    return enrol, manage


def _set_trip(session: Session, scope: OrgScope, person_id: int, trip: dict) -> None:
    from vedette.people import service as people
    from vedette.people.schemas import SegmentIn, TripIn

    for t, _segs in people.list_trips(session, scope, person_id):
        if t.external_id.startswith("enrol-"):
            people.delete_trip(session, scope, t.id)
    arrive, leave = date.fromisoformat(trip["arrive"]), date.fromisoformat(trip["leave"])
    seg = SegmentIn(kind="other", starts_at=datetime.combine(arrive, time(0), UTC),
                    ends_at=datetime.combine(leave, time(23, 59), UTC), place_name=trip["destination"])
    people.create_trip(session, scope, TripIn(person_id=person_id, external_id=f"enrol-{person_id}-"
                                              f"{secrets.token_hex(3)}", title=trip["destination"], segments=[seg]))


def by_manage_token(session: Session, token: str) -> tuple[Enrolment, Person]:
    enrol = session.scalar(select(Enrolment).where(Enrolment.manage_hash == _hash(token or "")))
    if enrol is None or enrol.person_id is None:
        raise LinkRefused("unknown")
    person = session.get(Person, enrol.person_id)
    if person is None:
        raise LinkRefused("unknown")
    return enrol, person


def current_trip(session: Session, enrol: Enrolment, person: Person) -> dict | None:
    from vedette.people import service as people

    scope = _scope(session, enrol.organisation_id)
    for t, segs in people.list_trips(session, scope, person.id):
        if t.external_id.startswith("enrol-") and segs:
            s = segs[0]
            return {"destination": s.place_name or t.title, "arrive": aware(s.starts_at).date().isoformat(),
                    "leave": aware(s.ends_at).date().isoformat()}
    return None


def update(session: Session, token: str, form: EnrolIn) -> Person:
    """The traveller changes their details or trip (through their management link)."""
    from vedette.people import service as people
    from vedette.people.schemas import PersonPatch
    from vedette.tenancy import audit

    enrol, person = by_manage_token(session, token)
    pdata, trip = _check(form)
    scope = _scope(session, enrol.organisation_id)
    patch = PersonPatch(name=pdata["name"], emails=pdata["emails"], phones=pdata["phones"],
                        nationality=pdata["nationality"], language=pdata["language"], channel=pdata["channel"],
                        emergency_contact=pdata["emergency_contact"])
    people.update_person(session, scope, person.id, patch)
    if trip:
        _set_trip(session, scope, person.id, trip)
    audit.record(session, "enrolment.update", actor="public", org_id=enrol.organisation_id, target_type="person",
                 target_id=person.id, detail={"with_trip": trip is not None})
    return person


def leave(session: Session, token: str) -> dict[str, int]:
    """The traveller leaves: the person and everything about them is erased (``people.service.erase_person``)."""
    from vedette.people import service as people

    enrol, person = by_manage_token(session, token)
    scope = _scope(session, enrol.organisation_id)
    session.delete(enrol)
    session.flush()
    return people.erase_person(session, scope, person.id)
