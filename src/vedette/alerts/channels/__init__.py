"""Channels: adapters behind one interface (:class:`~vedette.alerts.channels.base.Channel`), configured by URL.

``for_settings()`` builds the set the dispatcher uses: email over SMTP when ``smtp_url`` is set, SMS through
the provider at ``sms_url``, webhooks to each organisation's receiver; with no SMTP or SMS provider
configured, those messages go to the local outbox (``local``) that the API and the dashboard show.
"""

from __future__ import annotations

from vedette.alerts.channels.base import Channel, Outbound, SendResult

__all__ = ["Channel", "Outbound", "SendResult", "for_settings"]


def for_settings(settings=None) -> dict[str, Channel]:  # noqa: ANN001 - a vedette.config.Settings
    from vedette.alerts.channels.local import LocalChannel
    from vedette.alerts.channels.sms import SmsChannel
    from vedette.alerts.channels.smtp import SmtpChannel
    from vedette.alerts.channels.webhook import WebhookChannel
    from vedette.config import get_settings

    s = settings or get_settings()
    local = LocalChannel()
    return {
        "email": SmtpChannel.from_url(s.smtp_url, s) if s.smtp_url else local,
        "sms": SmsChannel.from_url(s.sms_url, s) if s.sms_url else local,
        "webhook": WebhookChannel(s),
        "local": local,
    }
