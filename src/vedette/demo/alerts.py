"""Alert rules of the demo organisations, so that reports taken in during the demo alert their people.

Invented for the demo: Kanaga Mining is alerted by email and SMS of serious incidents near its people in Mali
(new ones included, as a provider's duty desk would be in the first hours of a coup), and of advisory changes,
escalations and transport closures there; Baobab Relief of confirmed incidents only. Idempotent: a rule of the
same name is not added twice.
"""

from __future__ import annotations

from sqlalchemy import select

DEMO_RULES: dict[str, list[dict]] = {
    "kanaga": [
        {"name": "Serious incidents near our people in Mali", "event_kinds": ["incident"],
         "categories": ["armed_conflict", "terrorism", "coup", "civil_unrest", "kidnapping",
                        "violence_against_civilians"],
         "min_severity": 3, "statuses": ["new", "confirmed"], "min_confidence": 0.4, "radius_km": 25,
         "countries": ["ML"], "channels": ["email", "sms"]},
        {"name": "Advice, escalations and closures in Mali", "event_kinds": ["advisory", "escalation", "transport"],
         "countries": ["ML"], "channels": ["email", "sms"]},
    ],
    "baobab": [
        {"name": "Confirmed incidents near our people", "event_kinds": ["incident"], "min_severity": 2,
         "statuses": ["confirmed"], "radius_km": 25, "channels": ["email"]},
    ],
}


def load_demo_rules() -> str:
    from vedette.alerts import service
    from vedette.alerts.models import AlertRule
    from vedette.store.db import session_scope
    from vedette.tenancy import authz

    added = 0
    with session_scope(write=True) as session:
        for slug, rules in DEMO_RULES.items():
            scope = authz.cli_scope(session, slug)
            have = set(session.scalars(select(AlertRule.name).where(AlertRule.organisation_id == scope.org_id)))
            for rule in rules:
                if rule["name"] not in have:
                    service.create_rule(session, scope, rule)
                    added += 1
    return f"demo alert rules: {added} new"
