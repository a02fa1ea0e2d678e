"""The local outbox: with no SMTP or SMS provider configured, messages are "sent" here (the demo, offline).

Nothing leaves the machine: the outbox row becomes ``sent`` with the provider id ``local:<id>``, and the
API (``GET /api/alerts/outbox?local=true``) and the dashboard show it with its rendered text.
"""

from __future__ import annotations

from vedette.alerts.channels.base import Channel, Outbound, SendResult


class LocalChannel(Channel):
    name = "local"

    def send(self, msg: Outbound) -> SendResult:
        return SendResult.sent(f"local:{msg.id}")
