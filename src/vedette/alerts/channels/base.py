"""The one interface of every channel.

A channel gets :class:`Outbound` messages (plain data, no ORM) and answers a :class:`SendResult` for each:
``ok`` with the provider's id, or an error that is ``transient`` (retry with backoff: a dropped connection,
a 4xx SMTP reply, HTTP 429 or 5xx) or permanent (fall back to the next channel: a refused recipient, HTTP
4xx). ``send_many`` lets a channel reuse one connection for many messages (SMTP) and calls ``on_result``
after each, so the dispatcher can record progress as it goes. A channel never raises for one message's
failure; errors carry a reason fit for the log (never a secret, a token or a whole body).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Outbound:
    id: int
    organisation_id: int
    channel: str
    idempotency_key: str
    address: str | None
    payload: dict
    attempts: int = 1
    webhook_secret: str | None = field(default=None, repr=False)

    @property
    def message_id(self) -> str:
        """The email's stable Message-ID (the same for every attempt of this outbox row)."""
        from vedette.config import get_settings

        digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:32]
        return f"<{digest}@{get_settings().alerts_mail_domain}>"


@dataclass
class SendResult:
    ok: bool
    provider_id: str | None = None
    error: str | None = None
    transient: bool = False

    @classmethod
    def sent(cls, provider_id: str | None) -> SendResult:
        return cls(True, provider_id)

    @classmethod
    def retry(cls, error: str) -> SendResult:
        return cls(False, None, error[:300], True)

    @classmethod
    def fail(cls, error: str) -> SendResult:
        return cls(False, None, error[:300], False)


class Channel:
    name = "base"

    def send(self, msg: Outbound) -> SendResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def send_many(self, msgs: Sequence[Outbound], on_result: Callable[[Outbound, SendResult], None]) -> None:
        for m in msgs:
            try:
                result = self.send(m)
            except Exception as exc:  # noqa: BLE001 - one message's failure never stops the others
                result = SendResult.retry(f"{type(exc).__name__}")
            on_result(m, result)

    def close(self) -> None:
        return None
