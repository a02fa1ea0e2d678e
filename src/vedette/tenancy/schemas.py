"""Request and response bodies of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from vedette.tenancy.clock import aware

# Times leave as ISO 8601 with their UTC offset (SQLite hands them back naive).
Utc = Annotated[datetime, AfterValidator(aware)]


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    totp: str | None = Field(
        None, max_length=12, description="6-digit code; required for admins and operators"
    )


class OrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    slug: str
    name: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    role: str
    active: bool
    created_at: Utc
    last_login_at: Utc | None = None


class MeOut(BaseModel):
    user: UserOut
    organisation: OrgOut = Field(description="the user's own organisation")
    acting_for: OrgOut = Field(description="the organisation this request acts for (?org= for operators)")
    role: str
    via: str = Field(description="session or token")
    can_act_for: list[OrgOut] = Field(description="own organisation and, for operators, the granted ones")
    csrf_token: str | None = Field(None, description="send as X-CSRF-Token on unsafe requests (sessions)")


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str
    expires_at: Utc


class TokenIn(BaseModel):
    name: str = Field("", max_length=100)
    expires_days: int | None = Field(None, ge=0, le=3650, description="0: no expiry; default from settings")


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str
    created_at: Utc
    expires_at: Utc | None
    revoked_at: Utc | None
    last_used_at: Utc | None


class NewTokenOut(TokenOut):
    token: str = Field(description="the secret: shown this once, store it now")


class UserIn(BaseModel):
    email: str = Field(max_length=320)
    role: str = Field(pattern="^(admin|manager|analyst|viewer)$")
    name: str = Field("", max_length=200)
    password: str | None = Field(None, min_length=12, max_length=1024)


class NewUserOut(UserOut):
    totp_uri: str | None = Field(None, description="second-factor enrolment (admins): shown this once")


class PasswordIn(BaseModel):
    current: str = Field(max_length=1024)
    new: str = Field(min_length=12, max_length=1024)


class ResetIn(BaseModel):
    token: str = Field(max_length=500)
    password: str = Field(min_length=12, max_length=1024)


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: Utc
    actor: str
    actor_user_id: int | None
    on_behalf: bool
    action: str
    target_type: str | None
    target_id: str | None
    detail: dict
    ip: str | None
