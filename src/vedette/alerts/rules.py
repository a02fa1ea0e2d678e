"""Matching an event against an organisation's rules (pure functions over plain values).

An event is a dict: ``kind`` (incident, advisory, escalation, transport) and its fields: for an incident
``category``, ``severity``, ``status``, ``confidence`` (0-1), ``country``, ``region`` (ISO 3166-2); for an
advisory change ``country``, ``region``, ``level``; for an escalation or transport change ``country``,
``region``. A rule matches when every condition it sets holds (empty lists and None thresholds hold).
"""

from __future__ import annotations

from collections.abc import Iterable

from vedette.alerts.models import AlertRule


def matches(rule: AlertRule, event: dict) -> bool:
    return why_not(rule, event) is None


def why_not(rule: AlertRule, event: dict) -> str | None:
    """None when ``rule`` matches ``event``; else the first condition that fails, in words."""
    kind = event.get("kind")
    if not rule.enabled:
        return "rule disabled"
    if kind not in (rule.event_kinds or []):
        return f"not for {kind} events"
    country, region = event.get("country"), event.get("region")
    if rule.countries and country not in rule.countries:
        return f"country {country} not in {rule.countries}"
    if rule.regions and region not in rule.regions:
        return f"region {region} not in {rule.regions}"
    if kind == "incident":
        if rule.categories and event.get("category") not in rule.categories:
            return f"category {event.get('category')} not in {rule.categories}"
        sev = event.get("severity") or 0
        if rule.min_severity is not None and sev < rule.min_severity:
            return f"severity {sev} below {rule.min_severity}"
        status = event.get("status") or "new"
        statuses = rule.statuses or ["confirmed"]
        if status not in statuses:
            return f"status {status} not in {statuses}"
        conf = event.get("confidence") or 0.0
        if status == "new" and rule.min_confidence is not None and conf < rule.min_confidence:
            return f"confidence {event.get('confidence')} below {rule.min_confidence}"
    if kind == "advisory" and rule.min_level is not None and (event.get("level") or 0) < rule.min_level:
        return f"level {event.get('level')} below {rule.min_level}"
    return None


def matching(rules: Iterable[AlertRule], event: dict) -> list[AlertRule]:
    return [r for r in rules if matches(r, event)]
