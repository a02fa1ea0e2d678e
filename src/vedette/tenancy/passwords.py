"""Secrets of accounts: argon2id password hashes, TOTP second factor, signed password-reset links.

Nothing here logs or returns a secret except to the caller that asked for it (shown once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from vedette.config import get_settings
from vedette.tenancy.clock import aware

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 "low memory") parameters

# A real hash verified when the account does not exist, so that timing does not tell accounts apart.
_DUMMY_HASH = _hasher.hash("no such account: constant work")


def check_password_strength(password: str) -> None:
    from vedette.errors import BadInput

    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", item="password")
    if len(password) > 1024:
        raise BadInput("a password is at most 1024 characters", item="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; constant work when there is no hash."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


# --- TOTP (RFC 6238, 30-second steps, 6 digits) -------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Vedette")


def totp_step(secret: str | None, code: str | None, *, at: float | None = None) -> int | None:
    """The 30-second step a code belongs to (now, or one step either side for clock drift), or None."""
    if not secret or not code:
        return None
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = at if at is not None else time.time()
    for offset in (0, -1, 1):
        t = now + offset * totp.interval
        if hmac.compare_digest(totp.at(t), code):
            return int(t // totp.interval)
    return None


def verify_totp(secret: str | None, code: str | None, *, at: float | None = None) -> bool:
    return totp_step(secret, code, at=at) is not None


# --- Password-reset links: hmac(secret_key) over user id, expiry and a fingerprint of the current hash ------
# The fingerprint makes a link single-use: once the password changes, the old link no longer verifies.


def _key() -> bytes:
    return hashlib.sha256(
        b"vedette.password-reset|" + get_settings().secret_key.get_secret_value().encode()
    ).digest()


def _fingerprint(password_hash: str | None, changed_at: datetime | None) -> str:
    when = aware(changed_at)
    material = f"{password_hash or ''}|{when.isoformat() if when else ''}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_reset_token(
    user_id: int, password_hash: str | None, changed_at: datetime | None, expires: int
) -> str:
    payload = f"{user_id}.{expires}.{_fingerprint(password_hash, changed_at)}"
    sig = hmac.new(_key(), payload.encode(), hashlib.sha256).digest()
    return f"{_b64(payload.encode())}.{_b64(sig)}"


def read_reset_token(token: str) -> tuple[int, int, str] | None:
    """(user id, expiry epoch, fingerprint) when the signature holds, else None (expiry checked by caller)."""
    try:
        p64, s64 = token.split(".", 1)
        payload = base64.urlsafe_b64decode(p64 + "=" * (-len(p64) % 4))
        sig = base64.urlsafe_b64decode(s64 + "=" * (-len(s64) % 4))
    except (ValueError, UnicodeError):
        return None
    want = hmac.new(_key(), payload, hashlib.sha256).digest()
    if not hmac.compare_digest(want, sig):
        return None
    try:
        uid, exp, fp = payload.decode().split(".")
        return int(uid), int(exp), fp
    except ValueError:
        return None


def reset_token_matches(fp: str, password_hash: str | None, changed_at: datetime | None) -> bool:
    return hmac.compare_digest(fp, _fingerprint(password_hash, changed_at))
