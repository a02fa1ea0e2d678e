"""Email over SMTP (``smtp://user:pass@host:port``, ``smtps://`` for TLS on connect, ``?starttls=1``).

One connection carries many messages (``send_many``); a dropped connection is opened again for the next
message, and the one it dropped is retried later (transient). Each message is multipart/alternative (plain
and HTML) with a stable ``Message-ID`` derived from the outbox row's idempotency key, so a receiver drops a
copy sent again after a crash. A recipient refused with a 5xx reply is a permanent failure (a synchronous
bounce: fall back to the next channel); a 4xx reply or a network error is transient (retry).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import smtplib
import ssl
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from vedette.alerts.channels.base import Channel, Outbound, SendResult


class SmtpChannel(Channel):
    name = "email"

    def __init__(self, host: str, port: int, *, user: str | None = None, password: str | None = None,
                 tls: bool = False, starttls: bool = False, timeout: float = 15.0, sender: str = "",
                 reuse: bool = True) -> None:
        self.host, self.port, self.user, self._password = host, port, user, password
        self.tls, self.starttls, self.timeout, self.sender, self.reuse = tls, starttls, timeout, sender, reuse
        self._conn: smtplib.SMTP | None = None

    def __repr__(self) -> str:  # never the password
        return f"SmtpChannel({self.host}:{self.port})"

    @classmethod
    def from_url(cls, url: str, settings=None, **kw) -> SmtpChannel:  # noqa: ANN001, ANN003
        from vedette.config import get_settings

        s = settings or get_settings()
        u = urlsplit(url)
        if u.scheme not in ("smtp", "smtps"):
            raise ValueError("smtp_url: smtp:// or smtps://")
        q = parse_qs(u.query)
        return cls(u.hostname or "127.0.0.1", u.port or (465 if u.scheme == "smtps" else 25),
                   user=unquote(u.username) if u.username else None,
                   password=unquote(u.password) if u.password else None, tls=u.scheme == "smtps",
                   starttls=q.get("starttls", ["0"])[0] in ("1", "true"), timeout=s.alerts_smtp_timeout_s,
                   sender=s.alerts_mail_from, **kw)

    # --- connection ---------------------------------------------------------------------------------
    def _connect(self) -> smtplib.SMTP:
        if self.tls:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                  context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        conn.ehlo()
        if self.starttls:
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
        if self.user:
            conn.login(self.user, self._password or "")
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                conn.close()

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.quit()
        self._drop()

    # --- messages -------------------------------------------------------------------------------------
    def build(self, msg: Outbound) -> EmailMessage:
        """The message as an ``EmailMessage`` (for reading; sending uses :meth:`raw`, the same bytes faster)."""
        from email import message_from_bytes, policy

        return message_from_bytes(self.raw(msg), policy=policy.default)

    def raw(self, msg: Outbound) -> bytes:
        """multipart/alternative (plain and HTML, UTF-8, base64) built directly: the email package's
        generator costs about a millisecond a message, more than the SMTP exchange itself."""
        p = msg.payload
        boundary = "=_vedette_" + hashlib.sha1(msg.idempotency_key.encode()).hexdigest()[:24]
        headers = [
            f"From: {_header(self.sender)}",
            f"To: {msg.address or ''}",
            f"Subject: {_header(p.get('subject', ''))}",
            f"Date: {formatdate(usegmt=True)}",
            f"Message-ID: {msg.message_id}",
            f"X-Vedette-Key: {msg.idempotency_key}",
            f"Content-Language: {p.get('language', 'en')}",
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
        ]
        text = _b64(p.get("text", ""))
        if not p.get("html"):
            headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"]
            return ("\r\n".join(headers) + "\r\n\r\n" + text).encode()
        html = _b64(f"<!doctype html><html><body>{p['html']}</body></html>")
        headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        body = (
            f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{text}\r\n--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{html}\r\n--{boundary}--\r\n"
        )
        return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()

    def send(self, msg: Outbound) -> SendResult:
        out: list[SendResult] = []
        self.send_many([msg], lambda _m, r: out.append(r))
        return out[0]

    def send_many(self, msgs: Sequence[Outbound], on_result: Callable[[Outbound, SendResult], None]) -> None:
        try:
            for m in msgs:
                on_result(m, self._send_one(m))
        finally:
            if not self.reuse:
                self.close()

    def _send_one(self, m: Outbound) -> SendResult:
        if not m.address or "@" not in m.address:
            return SendResult.fail("no email address")
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.sendmail(_addr(self.sender), [m.address], self.raw(m))
            if not self.reuse:
                self.close()
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else 550
            self._reset()
            return (SendResult.retry if 400 <= code < 500 else SendResult.fail)(f"recipient refused ({code})")
        except smtplib.SMTPSenderRefused as exc:
            self._reset()
            return (SendResult.retry if 400 <= exc.smtp_code < 500 else SendResult.fail)(
                f"sender refused ({exc.smtp_code})")
        except smtplib.SMTPDataError as exc:
            self._reset()
            return (SendResult.retry if 400 <= exc.smtp_code < 500 else SendResult.fail)(
                f"message refused ({exc.smtp_code})")
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            return SendResult.retry(f"authentication failed ({exc.smtp_code})")
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()  # refused, dropped or timed out: reconnect for the next one
            return SendResult.retry(f"smtp {type(exc).__name__}")
        if refused:
            return SendResult.fail("recipient refused")
        return SendResult.sent(m.message_id)

    def _reset(self) -> None:
        try:
            if self._conn is not None:
                self._conn.rset()
        except Exception:  # noqa: BLE001
            self._drop()


def _header(value: str) -> str:
    """A header value: as is when ASCII, else RFC 2047 encoded-words (UTF-8)."""
    value = " ".join(str(value).split())
    if value.isascii():
        return value
    from email.header import Header

    return Header(value, "utf-8", maxlinelen=998).encode()


def _b64(text: str) -> str:
    data = base64.b64encode(text.encode("utf-8")).decode()
    return "\r\n".join(data[i:i + 76] for i in range(0, len(data), 76))


def _addr(sender: str) -> str:
    from email.utils import parseaddr

    return parseaddr(sender)[1] or sender
