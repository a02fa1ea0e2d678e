"""Accounts: argon2 hashes, throttled sign-in held in the store, TOTP, tokens, resets, deactivation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from vedette.errors import BadInput, NotFound
from vedette.tenancy import audit, authz, service
from vedette.tenancy.authz import Unauthenticated
from vedette.tenancy.models import ApiToken, AuditEvent, LoginAttempt, User
from vedette.tenancy.service import SecondFactorRequired, TooManyAttempts

PASSWORD = "correct horse battery staple"


def _org_and_user(session, role: str = "analyst", email: str = "ana@a.test") -> User:
    service.create_org(session, "org-a", "A")
    new = service.create_user(session, email=email, org_slug="org-a", role=role, password=PASSWORD)
    session.commit()
    return new.user


def test_password_is_stored_as_argon2id_only(session) -> None:
    user = _org_and_user(session)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert service.authenticate(session, "ANA@a.test ", PASSWORD, None, "10.0.0.1").id == user.id


def test_bad_accounts_refused(session) -> None:
    _org_and_user(session)
    with pytest.raises(BadInput):
        service.create_user(session, email="ana@a.test", org_slug="org-a", role="viewer", password=PASSWORD)
    with pytest.raises(BadInput):
        service.create_user(session, email="not-an-email", org_slug="org-a", role="viewer")
    with pytest.raises(BadInput):
        service.create_user(session, email="x@a.test", org_slug="org-a", role="king")
    with pytest.raises(BadInput):
        service.create_user(session, email="y@a.test", org_slug="org-a", role="viewer", password="short")
    with pytest.raises(NotFound):
        service.create_user(session, email="z@a.test", org_slug="nowhere", role="viewer")
    with pytest.raises(BadInput):
        service.create_org(session, "Bad Slug!", "x")


def test_wrong_password_and_unknown_account_look_alike(session) -> None:
    _org_and_user(session)
    with pytest.raises(Unauthenticated) as wrong:
        service.authenticate(session, "ana@a.test", "wrong password!!", None, "10.0.0.1")
    with pytest.raises(Unauthenticated) as unknown:
        service.authenticate(session, "nobody@a.test", PASSWORD, None, "10.0.0.1")
    assert str(wrong.value) == str(unknown.value)


def test_throttle_per_account_holds_in_the_store(session) -> None:
    """Failures are written in their own transaction: a rollback of the request keeps them."""
    _org_and_user(session)
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            service.authenticate(session, "ana@a.test", "guess guess guess", None, f"10.0.0.{_}")
        session.rollback()  # what the failing request does
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 5
    with pytest.raises(TooManyAttempts):  # even the right password, from a new address
        service.authenticate(session, "ana@a.test", PASSWORD, None, "10.9.9.9")
    # another account is not locked out by it
    service.create_user(session, email="bo@a.test", org_slug="org-a", role="viewer", password=PASSWORD)
    assert service.authenticate(session, "bo@a.test", PASSWORD, None, "10.9.9.9").email == "bo@a.test"


def test_throttle_expires_with_its_window(session) -> None:
    _org_and_user(session)
    old = datetime.now(UTC) - timedelta(hours=1)
    for _ in range(10):
        session.add(LoginAttempt(email_key=service._email_key("ana@a.test"), ip="1.1.1.1", at=old))
    ancient = datetime.now(UTC) - timedelta(days=3)
    session.add(LoginAttempt(email_key="x", ip="9.9.9.9", at=ancient))
    session.commit()
    assert service.authenticate(session, "ana@a.test", PASSWORD, None, "1.1.1.1").email == "ana@a.test"
    session.commit()
    with pytest.raises(Unauthenticated):  # a failure prunes rows far older than any window
        service.authenticate(session, "ana@a.test", "guess guess guess", None, "1.1.1.1")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.ip == "9.9.9.9")) == 0


def test_throttle_per_address(session, settings_env, monkeypatch) -> None:
    from vedette.config import get_settings

    monkeypatch.setenv("VEDETTE_LOGIN_MAX_FAILURES_IP", "3")
    get_settings.cache_clear()
    _org_and_user(session)
    for i in range(3):
        with pytest.raises(Unauthenticated):
            service.authenticate(session, f"nobody{i}@a.test", "guess guess guess", None, "10.6.6.6")
        session.rollback()  # what the failing request does
    with pytest.raises(TooManyAttempts):
        service.authenticate(session, "ana@a.test", PASSWORD, None, "10.6.6.6")
    assert service.authenticate(session, "ana@a.test", PASSWORD, None, "10.7.7.7").email == "ana@a.test"


def test_admins_need_a_totp_code(session) -> None:
    admin = _org_and_user(session, role="admin", email="adm@a.test")
    assert admin.totp_secret
    with pytest.raises(SecondFactorRequired):
        service.authenticate(session, "adm@a.test", PASSWORD, None, "10.0.0.2")
    code = pyotp.TOTP(admin.totp_secret).now()
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    with pytest.raises(SecondFactorRequired):
        service.authenticate(session, "adm@a.test", PASSWORD, wrong, "10.0.0.2")
    assert service.authenticate(session, "adm@a.test", PASSWORD, code, "10.0.0.2").id == admin.id
    session.commit()
    with pytest.raises(SecondFactorRequired):  # a code works once
        service.authenticate(session, "adm@a.test", PASSWORD, code, "10.0.0.2")


def test_tokens_hashed_revocable_expiring(session) -> None:
    user = _org_and_user(session)
    new = service.create_token(session, user, name="ci", expires_days=30)
    session.commit()
    row = session.get(ApiToken, new.row.id)
    assert new.plain.startswith("vdt_") and new.plain not in row.token_hash and len(row.token_hash) == 64
    assert service.token_user(session, new.plain)[0].id == user.id
    assert service.token_user(session, new.plain + "x") is None
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    assert service.token_user(session, new.plain) is None
    other = service.create_token(session, user, expires_days=0)
    assert other.row.expires_at is None
    service.revoke_token(session, user, other.row.id)
    assert service.token_user(session, other.plain) is None
    stranger = service.create_user(session, email="s@a.test", org_slug="org-a", role="viewer").user
    with pytest.raises(NotFound):
        service.revoke_token(session, stranger, new.row.id)


def test_sessions_expire_and_end(session, settings_env) -> None:
    user = _org_and_user(session)
    s1 = service.start_session(session, user)
    session.commit()
    assert service.session_user(session, s1.cookie)[0].id == user.id
    s1.row.last_seen_at = datetime.now(UTC) - timedelta(hours=5)  # idle too long
    session.commit()
    assert service.session_user(session, s1.cookie) is None
    s2 = service.start_session(session, user)
    s2.row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    assert service.session_user(session, s2.cookie) is None
    s3 = service.start_session(session, user)
    service.end_session(session, s3.cookie)
    assert service.session_user(session, s3.cookie) is None


def test_reset_link_signed_single_use_expiring(session) -> None:
    user = _org_and_user(session)
    live = service.start_session(session, user)
    token = service.reset_token(session, user)
    session.commit()
    with pytest.raises(BadInput):
        service.reset_with_token(session, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "a new long password")
    service.reset_with_token(session, token, "a new long password")
    session.commit()
    assert service.session_user(session, live.cookie) is None  # sessions end with the old password
    assert service.authenticate(session, "ana@a.test", "a new long password", None, "1.2.3.4").id == user.id
    with pytest.raises(BadInput):  # used
        service.reset_with_token(session, token, "yet another password")
    from vedette.tenancy import passwords

    expired = passwords.make_reset_token(user.id, user.password_hash, user.password_changed_at, 1_000_000)
    with pytest.raises(BadInput):
        service.reset_with_token(session, expired, "yet another password")


def test_deactivation_ends_everything(session) -> None:
    user = _org_and_user(session)
    tok = service.create_token(session, user)
    web = service.start_session(session, user)
    service.deactivate(session, user)
    session.commit()
    assert service.token_user(session, tok.plain) is None
    assert service.session_user(session, web.cookie) is None
    with pytest.raises(Unauthenticated):
        service.authenticate(session, "ana@a.test", PASSWORD, None, "1.2.3.4")


def test_audit_rows_carry_no_secrets(session) -> None:
    user = _org_and_user(session)
    new = service.create_token(session, user)
    service.authenticate(session, "ana@a.test", PASSWORD, None, "1.2.3.4")
    session.commit()
    rows = session.scalars(select(AuditEvent)).all()
    assert {"user.create", "token.create", "auth.login"} <= {r.action for r in rows}
    dump = repr([(r.action, r.target_id, r.detail, r.ip) for r in rows])
    assert new.plain not in dump and PASSWORD not in dump and "ana@a.test" not in dump
    with pytest.raises(ValueError):
        audit.record(session, "x", org_id=user.organisation_id, detail={"password": "p"})
    scope = authz.cli_scope(session, "org-a")
    assert [e.action for e in audit.events(session, scope, action="auth.login")] == ["auth.login"]


def test_operator_grants(session) -> None:
    service.create_org(session, "ops", "Ops")
    service.create_org(session, "org-b", "B")
    op = service.create_user(session, email="op@ops.test", org_slug="ops", role="operator").user
    assert op.totp_secret
    with pytest.raises(NotFound):
        authz.scope_for(session, op, "org-b")
    service.grant_operator(session, "op@ops.test", "org-b")
    assert authz.scope_for(session, op, "org-b").on_behalf
    service.revoke_grant(session, "op@ops.test", "org-b")
    with pytest.raises(NotFound):
        authz.scope_for(session, op, "org-b")
    service.create_user(session, email="v@ops.test", org_slug="ops", role="viewer")
    with pytest.raises(BadInput):
        service.grant_operator(session, "v@ops.test", "org-b")
