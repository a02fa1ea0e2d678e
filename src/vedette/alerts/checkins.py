"""Check-ins (issue 16, item 4): every alert to a person carries "I am safe" / "I need help".

- A :class:`CheckinRequest` is opened per (organisation, alert thread, person) the first time a message of the
  thread is queued for that person (the payload hook below, inside ``alerts.service.queue_messages``). It has
  a short code (``K7P2QX``) an SMS reply may name, and an expiry.
- The link ``/checkin/<token>`` needs no login. The token is ``<request id>.<expiry>.<signature>``, an
  HMAC-SHA256 of both under ``secret_key``: deterministic (every message of the request carries the same link),
  unforgeable, expiring; only its sha256 is stored. GET shows a page whose buttons POST the answer, so a mail
  scanner that follows links answers nothing. A forged, expired or already answered (replayed) link is refused
  with a page that says why.
- SMS replies reach :func:`handle_inbound` (registered with ``alerts.service.register_inbound_handler``):
  ``SAFE`` / ``OK`` and ``HELP`` / ``AIDE`` (any case, accents ignored), optionally followed by the request's
  code, free text and a position ``lat,lon``. A reply answers the person's most recent open request unless it
  names a code. An unknown keyword is logged (never the body) and answered nothing.
- An answer (:class:`Checkin`, via link, sms or manager) closes the request, stops its escalation ladder
  (``ladder.stop``) and, for "help", raises an alarm (``alarms.raise_alarm``). Each is audited.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vedette.errors import BadInput, NotFound
from vedette.people.models import Person
from vedette.store.base import Base, utcnow
from vedette.tenancy.clock import aware
from vedette.tenancy.scope import OrgScope

log = logging.getLogger("vedette.alerts.checkins")

ORG_FK = "organisations.id"
ANSWERS = ("safe", "help")
VIA = ("link", "sms", "manager")
REQUEST_STATUSES = ("open", "safe", "help", "accounted", "expired")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LEN = 6
DEFAULT_HOURS = 72.0
# purposes of messages that ask the person themself to answer (a manager written to about them is not asked)
ASKING_PURPOSES = ("alert", "reminder")


class CheckinRequest(Base):
    """"Are you safe?" asked of one person about one alert thread."""

    __tablename__ = "checkin_requests"
    __table_args__ = (
        UniqueConstraint("organisation_id", "thread_key", "person_id", name="uq_checkin_requests_thread_person"),
        UniqueConstraint("organisation_id", "code", name="uq_checkin_requests_org_code"),
        Index("ix_checkin_requests_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"), index=True)
    thread_key: Mapped[str] = mapped_column(String(160))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the link's token
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|safe|help|accounted|expired
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()


class Checkin(Base):
    """One answer: safe or help, by link, SMS or a manager (accounted for by phone), with optional words and
    position. Erased with the person."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("checkin_requests.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8))  # safe | help
    via: Mapped[str] = mapped_column(String(8))  # link | sms | manager
    text: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    inbound_id: Mapped[int | None] = mapped_column(Integer)  # the inbound SMS it came from
    at: Mapped[datetime] = mapped_column(default=utcnow)


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- the signed link ---------------------------------------------------------------------------------------
class LinkRefused(Exception):
    """A link that answers nothing: ``reason`` is forged | expired | answered | unknown."""

    def __init__(self, reason: str, request: CheckinRequest | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request = request


def _key() -> bytes:
    from vedette.config import get_settings

    return hashlib.sha256(b"vedette.checkin.v1:" + get_settings().secret_key.get_secret_value().encode()).digest()


def _sign(org_id: int, code: str, exp: int) -> str:
    mac = hmac.new(_key(), f"{org_id}.{code}.{exp}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode().rstrip("=")


def make_token(org_id: int, code: str, expires_at: datetime) -> str:
    """``<organisation>.<code>.<expiry>.<signature>``: known before the request has a row id, so opening
    thousands of requests in one transaction needs no flush per person."""
    exp = int(aware(expires_at).timestamp())
    return f"{org_id}.{code}.{exp}.{_sign(org_id, code, exp)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def checkin_url(token: str) -> str:
    from vedette.config import get_settings

    return f"{get_settings().alerts_base_url.rstrip('/')}/checkin/{token}"


def verify_token(session: Session, token: str, now: datetime | None = None) -> CheckinRequest:
    """The request a link stands for; :class:`LinkRefused` when it is forged, expired, unknown or answered."""
    parts = (token or "").split(".")
    if (len(token) > 100 or len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit()
            or len(parts[1]) != CODE_LEN or any(c not in CODE_ALPHABET for c in parts[1])):
        raise LinkRefused("forged")
    org_id, code, exp = int(parts[0]), parts[1], int(parts[2])
    if not hmac.compare_digest(_sign(org_id, code, exp).encode(), parts[3].encode()):
        raise LinkRefused("forged")
    req = session.scalar(select(CheckinRequest).where(CheckinRequest.organisation_id == org_id,
                                                      CheckinRequest.code == code))
    if req is None or not hmac.compare_digest(req.token_hash.encode(), token_hash(token).encode()):
        raise LinkRefused("unknown")
    moment = now or now_utc()
    if exp < moment.timestamp() or aware(req.expires_at) < moment:
        raise LinkRefused("expired", req)
    if req.status != "open":
        raise LinkRefused("answered", req)
    return req


# --- requests ----------------------------------------------------------------------------------------------
def _cache(session: Session) -> dict:
    """What opening requests reads once per transaction: ladders by organisation, each thread's requests by
    person, each organisation's codes in use (a new request is added to them)."""
    tx = session.get_transaction()
    found = session.info.get("vedette.checkins")
    if found is None or found["tx"] is not tx:
        found = session.info["vedette.checkins"] = {"tx": tx, "ladders": {}, "threads": {}, "codes": {}}
    return found


def _thread_requests(session: Session, org_id: int, thread_key: str) -> dict[int, CheckinRequest]:
    threads = _cache(session)["threads"]
    key = (org_id, thread_key)
    if key not in threads:
        threads[key] = {r.person_id: r for r in session.scalars(select(CheckinRequest).where(
            CheckinRequest.organisation_id == org_id, CheckinRequest.thread_key == thread_key))}
    return threads[key]


def _new_code(session: Session, org_id: int) -> str:
    codes = _cache(session)["codes"]
    if org_id not in codes:
        codes[org_id] = set(session.scalars(select(CheckinRequest.code).where(
            CheckinRequest.organisation_id == org_id)))
    taken = codes[org_id]
    for _ in range(50):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))
        if code not in taken:
            taken.add(code)
            return code
    raise RuntimeError("no free check-in code")  # pragma: no cover - 31^6 codes


def find_request(session: Session, scope: OrgScope, thread_key: str, person_id: int) -> CheckinRequest | None:
    return session.scalar(select(CheckinRequest).where(
        CheckinRequest.organisation_id == scope.org_id, CheckinRequest.thread_key == thread_key,
        CheckinRequest.person_id == person_id))


def open_request(session: Session, scope: OrgScope, alert, person: Person,  # noqa: ANN001 - an Alert
                 *, hours: float | None = None, now: datetime | None = None) -> tuple[CheckinRequest, bool]:
    """The person's request for the alert's thread, opened (and its ladder started) if new: (request, new).
    New rows are added to the session, not flushed: the caller's flush writes them in batches."""
    if person.organisation_id != scope.org_id or alert.organisation_id != scope.org_id:
        raise NotFound("no such person or alert", item=str(person.id))
    known = _thread_requests(session, scope.org_id, alert.thread_key)
    found = known.get(person.id)
    if found is not None:
        return found, False
    from vedette.alerts import ladder

    ladders = _cache(session)["ladders"]
    plan = ladders.get(scope.org_id)
    if plan is None:
        plan = ladders[scope.org_id] = ladder.get_ladder(session, scope)
    moment = now or now_utc()
    expires = (moment + timedelta(hours=hours or plan.get("checkin_hours") or DEFAULT_HOURS)).replace(microsecond=0)
    code = _new_code(session, scope.org_id)
    req = CheckinRequest(organisation_id=scope.org_id, alert_id=alert.id, thread_key=alert.thread_key,
                         person_id=person.id, code=code, status="open", created_at=moment, expires_at=expires,
                         token_hash=token_hash(make_token(scope.org_id, code, expires)))
    session.add(req)
    known[person.id] = req
    ladder.start(session, scope, req, plan, now=moment)
    return req, True


def link_for(req: CheckinRequest) -> str:
    return checkin_url(make_token(req.organisation_id, req.code, req.expires_at))


SMS_KEYWORDS = {"en": "SAFE or HELP", "fr": "OK ou AIDE"}


def _purpose_of(key: str) -> str:
    last = key.rsplit(".", 1)[-1]
    return "alert" if re.fullmatch(r"s\d+", last) else last


def payload_hook(session: Session, scope: OrgScope, alert, person: Person, channel: str, step: int,  # noqa: ANN001
                 key: str) -> dict:
    """``alerts.service`` payload hook: the check-in link and SMS keywords of messages that ask the person."""
    if alert is None or _purpose_of(key) not in ASKING_PURPOSES or alert.msg_type == "cancel" or alert.all_clear:
        return {}
    if person.id is None:
        return {}
    req, _ = open_request(session, scope, alert, person)
    if req.status != "open":
        return {}
    words = SMS_KEYWORDS.get(person.language or "en", SMS_KEYWORDS["en"])
    return {"checkin_url": link_for(req), "sms_keywords": f"{words} ({req.code})", "checkin_code": req.code}


# --- answers -----------------------------------------------------------------------------------------------
@dataclass
class Answer:
    answer: str  # safe | help
    text: str | None = None
    location: str | None = None
    lat: float | None = None
    lon: float | None = None


def record_answer(session: Session, req: CheckinRequest, ans: Answer, via: str, *, by_user_id: int | None = None,
                  inbound_id: int | None = None, actor: str = "system", scope: OrgScope | None = None,
                  now: datetime | None = None) -> Checkin:
    """Store an answer, close the request, stop its ladder, raise an alarm for "help"; audited."""
    if ans.answer not in ANSWERS:
        raise BadInput("the answer is 'safe' or 'help'", item="answer")
    if via not in VIA:
        raise BadInput(f"via is one of {', '.join(VIA)}", item="via")
    moment = now or now_utc()
    text = (ans.text or "").strip()[:2000] or None
    location = (ans.location or "").strip()[:300] or None
    if ans.lat is not None and not -90 <= ans.lat <= 90 or ans.lon is not None and not -180 <= ans.lon <= 180:
        raise BadInput("position out of range", item="location")
    row = Checkin(organisation_id=req.organisation_id, request_id=req.id, person_id=req.person_id,
                  answer=ans.answer, via=via, text=text, location=location, lat=ans.lat, lon=ans.lon,
                  by_user_id=by_user_id, inbound_id=inbound_id, at=moment)
    session.add(row)
    req.status = "accounted" if via == "manager" and ans.answer == "safe" else ans.answer
    req.answered_at = moment
    session.flush()
    from vedette.alerts import alarms, ladder
    from vedette.tenancy import audit

    ladder.stop(session, req, f"answered {ans.answer} via {via}", now=moment)
    if ans.answer == "help":
        alarms.raise_alarm(session, req.organisation_id, "help", request=req,
                           summary=f"needs help (via {via})", dedupe=f"help:{row.id}", now=moment)
    detail = {"answer": ans.answer, "via": via, "request": req.id, "with_text": text is not None,
              "with_position": ans.lat is not None}
    if scope is not None:
        audit.record(session, "checkin.answer", scope=scope, target_type="person", target_id=req.person_id,
                     detail=detail)
    else:
        audit.record(session, "checkin.answer", actor=actor, org_id=req.organisation_id, target_type="person",
                     target_id=req.person_id, detail=detail)
    session.flush()
    return row


def answer_by_link(session: Session, token: str, ans: Answer, now: datetime | None = None) -> Checkin:
    """A POST from the link's page (no login: the token is the authority). Raises :class:`LinkRefused`."""
    req = verify_token(session, token, now)
    return record_answer(session, req, ans, "link", actor="link", now=now)


def mark_accounted(session: Session, scope: OrgScope, request_id: int, note: str, *, answer: str = "safe",
                   now: datetime | None = None) -> Checkin:
    """A manager accounts for a person (reached by phone), with a note; works on an answered request too."""
    req = get_request(session, scope, request_id)
    if not (note or "").strip():
        raise BadInput("say how the person was reached", item="note")
    return record_answer(session, req, Answer(answer, text=note), "manager", by_user_id=scope.user_id,
                         scope=scope, now=now)


def get_request(session: Session, scope: OrgScope, request_id: int) -> CheckinRequest:
    req = session.scalar(select(CheckinRequest).where(CheckinRequest.id == request_id,
                                                     CheckinRequest.organisation_id == scope.org_id))
    if req is None:
        raise NotFound(f"no check-in request {request_id}", item=str(request_id))
    return req


# --- SMS replies -------------------------------------------------------------------------------------------
KEYWORDS = {"SAFE": "safe", "OK": "safe", "SECURE": "safe", "HELP": "help", "AIDE": "help", "SOS": "help"}
_POSITION = re.compile(r"(-?\d{1,2}(?:\.\d+)?)\s*[,;]\s*(-?\d{1,3}(?:\.\d+)?)")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


@dataclass
class Reply:
    answer: str | None  # safe | help | None (unknown keyword)
    code: str | None
    text: str | None
    lat: float | None = None
    lon: float | None = None


def parse_reply(body: str) -> Reply:
    """``"safe"``, ``"Aidé K7P2QX blessé à la jambe 12.65,-8.0"`` -> keyword, code, words, position."""
    raw = (body or "").strip()
    words = raw.split()
    if not words:
        return Reply(None, None, None)
    first = re.sub(r"[^A-Z]", "", _fold(words[0]))
    answer = KEYWORDS.get(first)
    rest = words[1:]
    code = None
    if rest:
        cand = _fold(rest[0]).strip("()[]#.,:;")
        if len(cand) == CODE_LEN and all(c in CODE_ALPHABET for c in cand):
            code, rest = cand, rest[1:]
    text = " ".join(rest).strip() or None
    lat = lon = None
    if text:
        m = _POSITION.search(text)
        if m:
            la, lo = float(m.group(1)), float(m.group(2))
            if -90 <= la <= 90 and -180 <= lo <= 180:
                lat, lon = la, lo
    return Reply(answer, code, text, lat, lon)


def _person_for(session: Session, inbound) -> Person | None:  # noqa: ANN001 - an InboundMessage
    if inbound.person_id is not None:
        return session.get(Person, inbound.person_id)
    return None


def open_requests_of(session: Session, person_id: int, org_id: int, now: datetime) -> list[CheckinRequest]:
    rows = session.scalars(select(CheckinRequest).where(
        CheckinRequest.person_id == person_id, CheckinRequest.organisation_id == org_id,
        CheckinRequest.status == "open").order_by(CheckinRequest.created_at.desc(), CheckinRequest.id.desc()))
    return [r for r in rows if aware(r.expires_at) >= now]


def handle_inbound(session: Session, inbound) -> str | None:  # noqa: ANN001 - an InboundMessage
    """``alerts.service`` inbound handler: an SMS reply answers a check-in. Returns a result in words (stored on
    the inbound row) or None for messages that are not SMS. Never logs the body."""
    if inbound.channel != "sms":
        return None
    moment = now_utc()
    person = _person_for(session, inbound)
    if person is None:
        log.info("inbound sms %s: sender unknown", inbound.id)
        return "unknown sender"
    reply = parse_reply(inbound.body)
    if reply.answer is None:
        log.info("inbound sms %s: unknown keyword (person %s)", inbound.id, person.id)
        from vedette.alerts import alarms

        alarms.raise_alarm(session, person.organisation_id, "reply", person_id=person.id,
                           summary="an SMS reply without SAFE/HELP", dedupe=f"reply:{inbound.id}", now=moment)
        return "unknown keyword"
    candidates = open_requests_of(session, person.id, person.organisation_id, moment)
    if reply.code:
        named = session.scalar(select(CheckinRequest).where(
            CheckinRequest.organisation_id == person.organisation_id, CheckinRequest.code == reply.code,
            CheckinRequest.person_id == person.id))
        if named is None:
            log.info("inbound sms %s: code not the sender's", inbound.id)
            return "unknown code"
        if named.status != "open" and reply.answer != "help":
            return f"request {named.code} already answered"
        target = named
    elif candidates:
        target = candidates[0]
    elif reply.answer == "help":
        # a call for help is always heard: on the latest request (answered "safe" earlier, or expired), or as
        # an alarm of its own when the person was never asked
        target = session.scalar(select(CheckinRequest).where(
            CheckinRequest.person_id == person.id, CheckinRequest.organisation_id == person.organisation_id)
            .order_by(CheckinRequest.created_at.desc(), CheckinRequest.id.desc()).limit(1))
        if target is None:
            from vedette.alerts import alarms

            alarms.raise_alarm(session, person.organisation_id, "help", person_id=person.id,
                               summary="needs help (via sms)", dedupe=f"help-sms:{inbound.id}", now=moment)
            return "help without a check-in: alarm raised"
    else:
        log.info("inbound sms %s: no open check-in (person %s)", inbound.id, person.id)
        return "no open check-in"
    record_answer(session, target, Answer(reply.answer, text=reply.text, lat=reply.lat, lon=reply.lon), "sms",
                  inbound_id=inbound.id, actor="sms")
    return f"answered {reply.answer} ({target.code})"


# --- the demo's crowd -----------------------------------------------------------------------------------------
DEMO_MIN_S = 45  # the demo's people answer from 45 s to about 5 min after they are asked


def demo_replies(session: Session, now: datetime | None = None, limit: int = 500) -> int:
    """Demo installations only (``demo_mode``; organisations marked demo by ``vedette demo load``): the demo's
    people answer their check-ins as a crowd would, so that the demo's board fills. Each request's fate is
    fixed by its id: most say they are safe (by SMS), one in ten needs help, one in ten never answers (its
    ladder runs). Run by the ladder's job; the answers are audited as actor "demo"."""
    from vedette.people.models import PeopleSettings

    moment = now or now_utc()
    demo_orgs = select(PeopleSettings.organisation_id).where(PeopleSettings.demo.is_(True))
    rows = session.scalars(select(CheckinRequest).where(
        CheckinRequest.status == "open", CheckinRequest.organisation_id.in_(demo_orgs),
        CheckinRequest.created_at <= moment - timedelta(seconds=DEMO_MIN_S)).order_by(CheckinRequest.id).limit(limit))
    n = 0
    for req in list(rows):
        fate = int(hashlib.sha256(f"vedette.demo.{req.id}".encode()).hexdigest()[:8], 16)
        if fate % 10 == 0 or aware(req.created_at) + timedelta(seconds=DEMO_MIN_S + fate % 240) > moment:
            continue
        answer = "help" if fate % 10 == 1 else "safe"
        record_answer(session, req, Answer(answer), "sms", actor="demo", now=moment)
        n += 1
    return n


def install() -> None:
    """Register the payload hook and the inbound handler with ``alerts.service`` (idempotent)."""
    from vedette.alerts import service

    service.register_payload_hook(payload_hook)
    service.register_inbound_handler(handle_inbound)


install()  # importing this module is enough for every queued message to carry its check-in link
