"""CAP 1.2 and Atom feeds of alerts: one per organisation (reached with its feed token) and an optional
public one (the public alerts of organisations that publish).

CAP documents follow the OASIS CAP 1.2 schema (vendored in ``schema/CAP-v1.2.xsd``; the tests validate every
document against it): ``msgType`` Alert / Update / Cancel, ``references`` naming the alert updated, one
``info`` block per language (en, fr), ``responseType`` AllClear for an all-clear, the area as a circle
(incidents with a point), ISO 3166 geocodes (country, region). ``sent`` carries an explicit ``+00:00`` offset
(the schema's pattern refuses ``Z``). The Atom feed lists alerts, newest first, each linking its CAP document.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from vedette.alerts.models import Alert

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CATEGORY = {"incident": "Security", "escalation": "Security", "advisory": "Safety", "transport": "Transport",
            "adhoc": "Other"}
EVENT = {"incident": "Security incident", "escalation": "Escalation of violence", "advisory": "Travel advisory change",
         "transport": "Transport disruption", "adhoc": "Security message"}


def new_token() -> tuple[str, str]:
    """(token shown once, its sha256 kept)."""
    token = "vdf_" + secrets.token_urlsafe(24)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sent(dt: datetime | None) -> str:
    dt = (dt or datetime.now(UTC))
    dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def sender() -> str:
    from vedette.config import get_settings

    return f"alerts@{get_settings().alerts_mail_domain}"


def identifier(alert: Alert, org_slug: str) -> str:
    return f"vedette-{org_slug}-{alert.id}"


def _severity(sev: int | None) -> str:
    if not sev:
        return "Unknown"
    return {1: "Minor", 2: "Minor", 3: "Moderate", 4: "Severe", 5: "Extreme"}.get(int(sev), "Unknown")


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def cap_element(alert: Alert, org_slug: str, *, public: bool, referenced: Alert | None = None) -> ET.Element:
    ev = alert.event or {}
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(root, "identifier", identifier(alert, org_slug))
    _sub(root, "sender", sender())
    _sub(root, "sent", _sent(alert.sent_at or alert.created_at))
    _sub(root, "status", "Actual")
    _sub(root, "msgType", {"alert": "Alert", "update": "Update", "cancel": "Cancel"}[alert.msg_type])
    _sub(root, "scope", "Public" if public else "Restricted")
    if not public:
        _sub(root, "restriction", f"Organisation {org_slug} only")
    if referenced is not None:
        _sub(root, "references", f"{sender()},{identifier(referenced, org_slug)},"
                                 f"{_sent(referenced.sent_at or referenced.created_at)}")
    for lang, parts in sorted((alert.content or {}).items()):
        info = _sub(root, "info")
        _sub(info, "language", "fr-FR" if lang == "fr" else "en-US")
        _sub(info, "category", CATEGORY.get(alert.event_kind, "Other"))
        _sub(info, "event", EVENT.get(alert.event_kind, "Security message"))
        if alert.all_clear:
            _sub(info, "responseType", "AllClear")
        elif alert.msg_type != "cancel":
            _sub(info, "responseType", "Monitor")
        _sub(info, "urgency", "Past" if alert.all_clear or alert.msg_type == "cancel" else (
            "Immediate" if alert.event_kind in ("incident", "escalation") else "Expected"))
        _sub(info, "severity", _severity(alert.severity or ev.get("severity")))
        _sub(info, "certainty", "Observed" if ev.get("status") == "confirmed" else "Likely")
        _sub(info, "senderName", "Vedette")
        _sub(info, "headline", (parts.get("subject") or "")[:160])
        _sub(info, "description", parts.get("text") or "")
        area = _sub(info, "area")
        _sub(area, "areaDesc", str(ev.get("place") or ev.get("area_label") or ev.get("label") or ev.get("country")
                                   or "Unspecified"))
        if ev.get("lat") is not None and ev.get("lon") is not None:
            radius = float(ev.get("radius_km") or 25.0)
            _sub(area, "circle", f"{float(ev['lat']):.4f},{float(ev['lon']):.4f} {radius:g}")
        if ev.get("country"):
            code = _sub(area, "geocode")
            _sub(code, "valueName", "ISO3166-1")
            _sub(code, "value", str(ev["country"]))
        if ev.get("region"):
            code = _sub(area, "geocode")
            _sub(code, "valueName", "ISO3166-2")
            _sub(code, "value", str(ev["region"]))
    return root


def cap_xml(alert: Alert, org_slug: str, *, public: bool = False, referenced: Alert | None = None) -> bytes:
    ET.register_namespace("", CAP_NS)
    el = cap_element(alert, org_slug, public=public, referenced=referenced)
    return ET.tostring(el, encoding="utf-8", xml_declaration=True)


def atom_xml(alerts: list[tuple[Alert, str]], *, title: str, feed_id: str, self_url: str,
             cap_url: Callable[[Alert, str], str]) -> bytes:
    """An Atom feed of ``(alert, org_slug)``, newest first; each entry links its CAP document."""
    ET.register_namespace("", ATOM_NS)
    a = f"{{{ATOM_NS}}}"
    feed = ET.Element(f"{a}feed")
    ET.SubElement(feed, f"{a}title").text = title
    ET.SubElement(feed, f"{a}id").text = feed_id
    updated = max((x.sent_at or x.created_at for x, _ in alerts), default=datetime.now(UTC))
    ET.SubElement(feed, f"{a}updated").text = _sent(updated)
    ET.SubElement(feed, f"{a}link", rel="self", href=self_url)
    author = ET.SubElement(feed, f"{a}author")
    ET.SubElement(author, f"{a}name").text = "Vedette"
    for alert, slug in alerts:
        parts = (alert.content or {}).get(alert.language or "en") or (alert.content or {}).get("en") or {}
        entry = ET.SubElement(feed, f"{a}entry")
        ET.SubElement(entry, f"{a}id").text = f"urn:vedette:alert:{slug}:{alert.id}"
        ET.SubElement(entry, f"{a}title").text = parts.get("subject") or f"Alert {alert.id}"
        ET.SubElement(entry, f"{a}updated").text = _sent(alert.sent_at or alert.created_at)
        ET.SubElement(entry, f"{a}summary").text = parts.get("text") or ""
        ET.SubElement(entry, f"{a}category", term=alert.msg_type)
        ET.SubElement(entry, f"{a}link", rel="alternate", type="application/cap+xml", href=cap_url(alert, slug))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
