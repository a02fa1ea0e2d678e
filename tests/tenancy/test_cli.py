"""Set-up without the web: vedette org/user/token/operator."""

from __future__ import annotations

from typer.testing import CliRunner

from vedette.cli import app

PASSWORD = "a long enough password"


def _run(*args: str, input: str | None = None):
    result = CliRunner().invoke(app, list(args), input=input)
    return result


def test_set_up_from_the_command_line(clean_db, session) -> None:
    from vedette.tenancy import service
    from vedette.tenancy.models import User

    assert _run("org", "create", "acme", "--name", "Acme Relief").exit_code == 0
    assert _run("org", "create", "acme").exit_code == 1  # exists: a named error, no traceback
    r = _run("user", "create", "Boss@Acme.test", "--org", "acme", "--role", "admin", "--password-stdin",
             input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert "otpauth://totp/" in r.output  # the admin's second factor, shown once
    assert PASSWORD not in r.output
    r = _run("user", "create", "ana@acme.test", "--org", "acme", "--role", "analyst", "--password-stdin",
             input=PASSWORD + "\n")
    assert r.exit_code == 0 and "otpauth" not in r.output
    assert _run("user", "create", "x@acme.test", "--org", "acme", "--role", "pope", "--no-password").exit_code == 1

    r = _run("token", "create", "ana@acme.test", "--expires-days", "3")
    assert r.exit_code == 0
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("vdt_")
    session.rollback()
    assert service.token_user(session, token)[0].email == "ana@acme.test"
    session.rollback()

    r = _run("user", "reset-password", "ana@acme.test", "--password-stdin", input="another long password\n")
    assert r.exit_code == 0, r.output
    session.rollback()
    assert service.authenticate(session, "ana@acme.test", "another long password", None, "1.1.1.1")
    session.rollback()  # the sign-in wrote: end the transaction before the CLI writes
    r = _run("user", "reset-password", "ana@acme.test", "--link")
    assert r.exit_code == 0 and "reset token" in r.output

    assert _run("operator", "grant", "ana@acme.test", "acme").exit_code == 1  # not an operator
    assert _run("org", "create", "ops").exit_code == 0
    assert _run("user", "create", "op@ops.test", "--org", "ops", "--role", "operator", "--no-password").exit_code == 0
    assert _run("operator", "grant", "op@ops.test", "acme").exit_code == 0

    assert _run("user", "deactivate", "ana@acme.test").exit_code == 0
    session.rollback()
    assert session.query(User).filter_by(email="ana@acme.test").one().active is False
    assert service.token_user(session, token) is None
