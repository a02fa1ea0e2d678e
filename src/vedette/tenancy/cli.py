"""``vedette org|user|token|operator ...``: set-up without the web.

Secrets (tokens, TOTP enrolment URIs, reset links) are printed once to standard output, never logged.
Passwords are read from standard input (``--password-stdin``) or a hidden prompt, never from arguments.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

err = Console(stderr=True)


@contextmanager
def _session() -> Iterator:
    from vedette.errors import VedetteError
    from vedette.store.db import session_scope

    try:
        with session_scope() as s:
            yield s
    except VedetteError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def _read_password(from_stdin: bool, prompt: bool = True) -> str | None:
    if from_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
        return value or None
    if prompt:
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return None


def register(app: typer.Typer) -> None:
    org_app = typer.Typer(help="Organisations (tenants).", no_args_is_help=True)
    user_app = typer.Typer(help="Accounts: create, reset, deactivate, 2nd factor.", no_args_is_help=True)
    token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
    op_app = typer.Typer(help="Operators: grants to act for organisations.", no_args_is_help=True)

    @org_app.command("create")
    def org_create(slug: str, name: str = typer.Option("", "--name", help="Display name.")) -> None:
        """Create an organisation SLUG."""
        from vedette.tenancy import service

        with _session() as s:
            org = service.create_org(s, slug, name)
            typer.echo(f"organisation {org.slug} (id {org.id})")

    @org_app.command("list")
    def org_list() -> None:
        from sqlalchemy import select

        from vedette.tenancy.models import Organisation

        with _session() as s:
            for org in s.scalars(select(Organisation).order_by(Organisation.slug)):
                typer.echo(f"{org.slug}\t{org.name}")

    @user_app.command("create")
    def user_create(
        email: str,
        org: str = typer.Option(..., "--org", help="Organisation slug."),
        role: str = typer.Option(..., "--role", help="admin, manager, analyst, viewer or operator."),
        name: str = typer.Option("", "--name"),
        password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
        no_password: bool = typer.Option(False, "--no-password", help="No password yet (set it by reset)."),
    ) -> None:
        """Create an account. Admins and operators get a TOTP secret: its enrolment URI is printed once."""
        from vedette.tenancy import service

        password = None if no_password else _read_password(password_stdin)
        with _session() as s:
            new = service.create_user(s, email=email, org_slug=org, role=role, password=password, name=name)
            typer.echo(f"user {new.user.email} ({new.user.role}) in {org}")
            if new.totp_uri:
                typer.echo(f"second factor (add to an authenticator app, shown once): {new.totp_uri}")
            if password is None:
                typer.echo(f"no password: `vedette user reset-password {new.user.email}`")

    @user_app.command("reset-password")
    def user_reset(
        email: str,
        password_stdin: bool = typer.Option(False, "--password-stdin", help="New password from stdin."),
        link: bool = typer.Option(False, "--link", help="Print a signed, expiring reset token instead."),
    ) -> None:
        """Set a new password (ends every session), or print a single-use reset token (--link)."""
        from vedette.config import get_settings
        from vedette.tenancy import service

        with _session() as s:
            user = service.get_user(s, email)
            if link:
                token = service.reset_token(s, user)
                minutes = get_settings().password_reset_minutes
                typer.echo(f"reset token (valid {minutes} min, single use; POST /api/auth/reset): {token}")
                return
            password = _read_password(password_stdin)
            if not password:
                err.print("[red]no password given[/red]")
                raise typer.Exit(1)
            service.set_password(s, user, password)
            typer.echo(f"password of {user.email} changed; its sessions ended")

    @user_app.command("deactivate")
    def user_deactivate(email: str) -> None:
        """Deactivate an account: its sessions and tokens stop working at once."""
        from vedette.tenancy import service

        with _session() as s:
            user = service.get_user(s, email)
            service.deactivate(s, user)
            typer.echo(f"{user.email} deactivated")

    @user_app.command("totp")
    def user_totp(email: str) -> None:
        """A new TOTP secret for the account (the old one stops working); prints its enrolment URI once."""
        from vedette.tenancy import service

        with _session() as s:
            uri = service.new_totp(s, service.get_user(s, email))
            typer.echo(f"second factor (shown once): {uri}")

    @user_app.command("list")
    def user_list(org: str = typer.Option(..., "--org")) -> None:
        from vedette.tenancy import repository
        from vedette.tenancy.authz import cli_scope

        with _session() as s:
            for u in repository.users_of(s, cli_scope(s, org)):
                typer.echo(f"{u.email}\t{u.role}\t{'active' if u.active else 'deactivated'}")

    @token_app.command("create")
    def token_create(
        email: str,
        expires_days: int = typer.Option(None, "--expires-days", help="Lifetime in days (0: none)."),
        name: str = typer.Option("", "--name"),
    ) -> None:
        """A new API token for EMAIL: printed once (only its hash is kept)."""
        from vedette.tenancy import service

        with _session() as s:
            new = service.create_token(s, service.get_user(s, email), name=name, expires_days=expires_days)
            typer.echo(new.plain)

    @op_app.command("grant")
    def op_grant(email: str, org: str) -> None:
        """Let operator EMAIL act for organisation ORG (every act audited)."""
        from vedette.tenancy import service

        with _session() as s:
            service.grant_operator(s, email, org)
            typer.echo(f"{email} may act for {org}")

    @op_app.command("revoke")
    def op_revoke(email: str, org: str) -> None:
        from vedette.tenancy import service

        with _session() as s:
            service.revoke_grant(s, email, org)
            typer.echo(f"{email} no longer acts for {org}")

    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(op_app, name="operator")


