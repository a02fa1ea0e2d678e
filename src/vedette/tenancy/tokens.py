"""Random secrets for API tokens and web sessions: only their sha256 is stored."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "vdt_"  # API tokens start with it (easy to spot in a leaked file, easy to scan for)


def new_secret(prefix: str = "") -> tuple[str, str]:
    """(plain secret, sha256 hex). The plain value is shown once and never stored."""
    plain = prefix + secrets.token_urlsafe(32)
    return plain, digest(plain)


def digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
