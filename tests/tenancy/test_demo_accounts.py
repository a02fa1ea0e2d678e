"""Demo accounts: each role per demo organisation and an operator granted them; printed in demo mode only."""

from __future__ import annotations

import pyotp
from typer.testing import CliRunner

from vedette.cli import app


def test_demo_accounts_sign_in(session, settings_env) -> None:
    from vedette.demo.accounts import OPERATOR_EMAIL, ensure_demo_accounts, sign_in_text
    from vedette.demo.people import DEMO_ORGS
    from vedette.tenancy import authz, service

    accounts = ensure_demo_accounts(session)
    session.commit()
    assert {(a.org, a.role) for a in accounts} >= {(slug, r) for slug, _ in DEMO_ORGS for r in
                                                    ("admin", "manager", "analyst", "viewer")}
    viewer = next(a for a in accounts if a.role == "viewer")
    assert service.authenticate(session, viewer.email, viewer.password, None, "127.0.0.1").role == "viewer"
    op = next(a for a in accounts if a.role == "operator")
    user = service.authenticate(session, OPERATOR_EMAIL, op.password, pyotp.TOTP(op.totp_secret).now(), "127.0.0.1")
    assert {authz.scope_for(session, user, slug).org_slug for slug, _ in DEMO_ORGS} == {s for s, _ in DEMO_ORGS}
    session.commit()
    again = ensure_demo_accounts(session)  # idempotent, same passwords
    assert [a.password for a in again] == [a.password for a in accounts]
    text = sign_in_text(accounts)
    assert viewer.password in text and OPERATOR_EMAIL in text


def test_demo_code_only_in_demo_mode(clean_db, monkeypatch) -> None:
    from vedette.config import get_settings
    from vedette.demo.accounts import OPERATOR_EMAIL

    monkeypatch.delenv("VEDETTE_DEMO_MODE", raising=False)
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["demo", "code", OPERATOR_EMAIL]).exit_code == 2
    monkeypatch.setenv("VEDETTE_DEMO_MODE", "true")
    get_settings.cache_clear()
    r = CliRunner().invoke(app, ["demo", "code", OPERATOR_EMAIL])
    assert r.exit_code == 0 and r.output.strip().isdigit()
    assert CliRunner().invoke(app, ["demo", "code", "someone@else.test"]).exit_code == 1
