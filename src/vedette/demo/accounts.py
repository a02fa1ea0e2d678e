"""Demo accounts: for each demo organisation a user of each role, and an operator granted all of them.

Passwords and TOTP secrets are derived from ``secret_key`` (HMAC), so every ``vedette demo load`` can print
the same ones again without storing them anywhere; with a real secret key they are not guessable. They are
printed only in demo mode (``VEDETTE_DEMO_MODE=true``, set by ``make run``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy.orm import Session

from vedette.demo.people import DEMO_ORGS

OPERATOR_ORG = ("vedette-ops", "Vedette Operations Centre")
OPERATOR_EMAIL = "duty@vedette-ops.example"
ROLES = ("admin", "manager", "analyst", "viewer")


@dataclass
class DemoAccount:
    email: str
    org: str
    role: str
    password: str
    totp_secret: str | None


def _derive(label: str) -> bytes:
    from vedette.config import get_settings

    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, f"vedette.demo|{label}".encode(), hashlib.sha256).digest()


def demo_password(email: str) -> str:
    raw = base64.b32encode(_derive(f"password|{email}")).decode().lower()[:20]
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))  # 4 groups of 5: 100 bits


def demo_totp_secret(email: str) -> str:
    return base64.b32encode(_derive(f"totp|{email}")).decode()[:32]


def _accounts() -> list[tuple[str, str, str]]:
    rows = [(OPERATOR_EMAIL, OPERATOR_ORG[0], "operator")]
    rows += [(f"{role}@{slug}.example", slug, role) for slug, _ in DEMO_ORGS for role in ROLES]
    return rows


def ensure_demo_accounts(session: Session) -> list[DemoAccount]:
    """Create what is missing, put derived passwords and TOTP secrets back on the demo accounts."""
    from vedette.tenancy import passwords, repository, service

    for slug, name in (OPERATOR_ORG, *DEMO_ORGS):
        if repository.org_by_slug(session, slug) is None:
            service.create_org(session, slug, name)
    out = []
    for email, slug, role in _accounts():
        password = demo_password(email)
        user = repository.user_by_email(session, email)
        if user is None:
            user = service.create_user(session, email=email, org_slug=slug, role=role, password=password).user
        elif not passwords.verify_password(user.password_hash, password):
            service.set_password(session, user, password)
        if not user.active:
            user.active = True
        secret = demo_totp_secret(email) if role in service.SECOND_FACTOR_ROLES else None
        user.totp_secret = secret
        out.append(DemoAccount(email, slug, role, password, secret))
    for slug, _ in DEMO_ORGS:
        service.grant_operator(session, OPERATOR_EMAIL, slug)
    session.flush()
    return out


def load_demo_accounts() -> list[DemoAccount]:
    from vedette.store.db import session_scope

    with session_scope() as session:
        return ensure_demo_accounts(session)


def sign_in_text(accounts: list[DemoAccount]) -> str:
    """What ``make run`` prints in demo mode: how to sign in, account by account."""
    lines = [
        "Demo accounts (demo mode only; sign in at http://127.0.0.1:8000/login or POST /api/auth/login).",
        "Admins and the operator also need a TOTP code: add the secret to an authenticator app, or run",
        "`vedette demo code EMAIL` for the current code. The operator picks an organisation with ?org=SLUG.",
    ]
    for a in accounts:
        extra = f"  totp secret {a.totp_secret}" if a.totp_secret else ""
        lines.append(f"  {a.org:<12} {a.role:<9} {a.email:<32} {a.password}{extra}")
    return "\n".join(lines)
