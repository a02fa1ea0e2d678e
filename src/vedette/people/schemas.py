"""Request and response bodies of the people domain, with the validation every path shares (API, CLI,
imports): phones in E.164, ISO country codes, known languages and channels, trips that end after they
start, coordinates in range. A failed check names its field."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import phonenumberutil as _pnu
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vedette.bounds import MAX_ID, StoredStr, UtcDatetime

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
COUNTRY = re.compile(r"[A-Z]{2}")

SegmentKind = Literal["flight", "hotel", "ground", "other"]
LocationKind = Literal["home", "office", "hotel"]
Channel = Literal["email", "sms", "phone", "webhook"]
Language = Literal["en", "fr"]


E164 = re.compile(r"\+([1-9]\d{6,14})")


def _surely_valid(num: phonenumbers.PhoneNumber, nsn: str) -> bool:
    """True when the number matches its only region's general pattern and its fixed-line or mobile one: a
    subset of ``is_valid_number`` (which tries every kind of number), asked first because it is cheaper."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(num.country_code)
    if not regions or len(regions) != 1:
        return False
    md = phonenumbers.PhoneMetadata.metadata_for_region(regions[0], None)
    if md is None:
        return False
    matches = _pnu._is_number_matching_desc  # noqa: SLF001 - the check is_valid_number itself makes
    return matches(nsn, md.general_desc) and (matches(nsn, md.fixed_line) or matches(nsn, md.mobile))


def _e164_fast(raw: str) -> str | None:
    """A number already written in E.164 and valid, without the full parse (imports of many rows); None
    sends it to the full parse (which alone decides that a number is not valid)."""
    m = E164.fullmatch(raw)
    if m is None:
        return None
    digits = m.group(1)
    for n in (1, 2, 3):
        cc = int(digits[:n])
        if cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            rest = digits[n:]
            if not rest or rest[0] == "0":
                return None
            num = phonenumbers.PhoneNumber(country_code=cc, national_number=int(rest))
            return raw if _surely_valid(num, rest) or phonenumbers.is_valid_number(num) else None
    return None


def e164(value: str, region: str | None = None) -> str:
    """A phone number in E.164 ('+22320221234'); ValueError when it is not one."""
    raw = (value or "").strip()
    fast = _e164_fast(raw)
    if fast is not None:
        return fast
    try:
        num = phonenumbers.parse(raw, region if not raw.startswith("+") else None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"'{raw}' is not a phone number ({exc})") from exc
    if not phonenumbers.is_valid_number(num):
        raise ValueError(f"'{raw}' is not a valid phone number")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def as_utc(value: datetime, tz: str | None) -> datetime:
    """An aware time in UTC; a naive one is read in ``tz`` (the local zone) or else UTC."""
    if value.tzinfo is None:
        zone = UTC
        if tz:
            try:
                zone = ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone '{tz}'") from exc
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _check_tz(tz: str | None) -> str | None:
    if tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone '{tz}'") from exc
    return tz or None


def _check_lat(v: float | None) -> float | None:
    if v is not None and not -90 <= v <= 90:
        raise ValueError(f"latitude out of range: {v}")
    return v


def _check_lon(v: float | None) -> float | None:
    if v is not None and not -180 <= v <= 180:
        raise ValueError(f"longitude out of range: {v}")
    return v


class EmergencyContact(BaseModel):
    name: StoredStr = Field(min_length=1, max_length=200)
    phone: StoredStr | None = Field(None, max_length=40)
    relation: StoredStr | None = Field(None, max_length=100)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return e164(v) if v else None


class PersonIn(BaseModel):
    """A person; ``external_id`` is the stable key of imports (generated when absent)."""

    model_config = ConfigDict(extra="forbid")

    external_id: StoredStr | None = Field(None, min_length=1, max_length=100)
    name: StoredStr = Field(min_length=1, max_length=200)
    emails: list[Annotated[StoredStr, Field(max_length=254)]] = Field(default_factory=list, max_length=10)
    phones: list[Annotated[StoredStr, Field(max_length=40)]] = Field(
        default_factory=list, max_length=10, description="Any written form; stored in E.164"
    )
    nationality: StoredStr | None = Field(None, max_length=2, description="ISO 3166-1 alpha-2")
    channel: Channel = "email"
    language: Language = "en"
    manager_id: int | None = Field(None, ge=1, le=MAX_ID)
    tags: list[Annotated[StoredStr, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    emergency_contact: EmergencyContact | None = None

    @field_validator("nationality")
    @classmethod
    def _nationality(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        v = v.strip().upper()
        if not COUNTRY.fullmatch(v):
            raise ValueError(f"'{v}' is not an ISO 3166-1 alpha-2 country code")
        return v

    @field_validator("emails")
    @classmethod
    def _emails(cls, v: list[StoredStr]) -> list[StoredStr]:
        out = []
        for e in v:
            e = e.strip()
            if not EMAIL.fullmatch(e):
                raise ValueError(f"'{e}' is not an email address")
            out.append(e)
        return out

    @model_validator(mode="after")
    def _phones(self) -> PersonIn:
        self.phones = [e164(p, self.nationality) for p in self.phones]
        self.tags = sorted({t.strip() for t in self.tags if t.strip()})
        return self


class PersonPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StoredStr | None = Field(None, min_length=1, max_length=200)
    emails: list[StoredStr] | None = None
    phones: list[StoredStr] | None = None
    nationality: StoredStr | None = Field(None, max_length=2)
    channel: Channel | None = None
    language: Language | None = None
    manager_id: int | None = Field(None, ge=1, le=MAX_ID)
    tags: list[StoredStr] | None = None
    emergency_contact: EmergencyContact | None = None


class PersonOut(BaseModel):
    id: int
    external_id: str
    name: str
    emails: list[str]
    phones: list[str]
    nationality: str | None
    channel: str
    language: str
    manager_id: int | None
    tags: list[str]
    emergency_contact: dict | None
    recorded_at: UtcDatetime


class PersonPage(BaseModel):
    total: int
    items: list[PersonOut]


class SegmentIn(BaseModel):
    """One leg. Place: ``place_ref`` (gazetteer id), ``place_name`` (resolved), ``lat``/``lon``, or for a
    flight ``dest_iata`` (and ``origin_iata`` for where it leaves from). Naive times are local to ``tz``."""

    model_config = ConfigDict(extra="forbid")

    external_id: StoredStr | None = Field(None, min_length=1, max_length=100)
    kind: SegmentKind
    starts_at: datetime
    ends_at: datetime
    tz: StoredStr | None = Field(None, max_length=64, description="IANA zone name of the place, e.g. Africa/Bamako")
    place_ref: StoredStr | None = Field(None, max_length=64)
    place_name: StoredStr | None = Field(None, max_length=300)
    lat: float | None = None
    lon: float | None = None
    address: StoredStr | None = Field(None, max_length=500)
    flight_number: StoredStr | None = Field(None, max_length=16)
    origin_iata: StoredStr | None = Field(None, max_length=8)
    dest_iata: StoredStr | None = Field(None, max_length=8)
    origin_ref: StoredStr | None = Field(None, max_length=64)
    origin_name: StoredStr | None = Field(None, max_length=300)
    origin_lat: float | None = None
    origin_lon: float | None = None

    _lat = field_validator("lat", "origin_lat")(classmethod(lambda cls, v: _check_lat(v)))
    _lon = field_validator("lon", "origin_lon")(classmethod(lambda cls, v: _check_lon(v)))
    _tz = field_validator("tz")(classmethod(lambda cls, v: _check_tz(v)))

    @model_validator(mode="after")
    def _times(self) -> SegmentIn:
        self.starts_at = as_utc(self.starts_at, self.tz)
        self.ends_at = as_utc(self.ends_at, self.tz)
        if self.ends_at < self.starts_at:
            raise ValueError(f"ends_at ({self.ends_at:%Y-%m-%d %H:%M}) is before starts_at "
                             f"({self.starts_at:%Y-%m-%d %H:%M})")
        if self.kind == "flight" and not (self.dest_iata or self.place_ref or self.place_name or self.lat is not None):
            raise ValueError("a flight needs its arrival airport (dest_iata)")
        return self


class SegmentOut(BaseModel):
    id: int
    trip_id: int
    person_id: int
    external_id: str
    kind: str
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    tz: str | None
    place_ref: str | None
    place_name: str | None
    lat: float | None
    lon: float | None
    country: str | None
    region: str | None
    address: str | None
    flight_number: str | None
    origin_iata: str | None
    dest_iata: str | None
    origin_name: str | None
    origin_lat: float | None
    origin_lon: float | None


class TripIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: StoredStr | None = Field(None, min_length=1, max_length=100)
    person_id: int = Field(ge=1, le=MAX_ID)
    title: StoredStr | None = Field(None, max_length=300)
    segments: list[SegmentIn] = Field(default_factory=list, max_length=200)


class TripOut(BaseModel):
    id: int
    person_id: int
    external_id: str
    title: str | None
    segments: list[SegmentOut]


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: StoredStr | None = Field(None, min_length=1, max_length=100)
    kind: LocationKind
    label: StoredStr | None = Field(None, max_length=300)
    address: StoredStr | None = Field(None, max_length=500)
    place_ref: StoredStr | None = Field(None, max_length=64)
    place_name: StoredStr | None = Field(None, max_length=300)
    lat: float | None = None
    lon: float | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    _lat = field_validator("lat")(classmethod(lambda cls, v: _check_lat(v)))
    _lon = field_validator("lon")(classmethod(lambda cls, v: _check_lon(v)))

    @model_validator(mode="after")
    def _times(self) -> LocationIn:
        if self.valid_from is not None:
            self.valid_from = as_utc(self.valid_from, None)
        if self.valid_to is not None:
            self.valid_to = as_utc(self.valid_to, None)
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class LocationOut(BaseModel):
    id: int
    person_id: int
    external_id: str
    kind: str
    label: str | None
    address: str | None
    place_ref: str | None
    place_name: str | None
    lat: float | None
    lon: float | None
    country: str | None
    region: str | None
    valid_from: UtcDatetime | None
    valid_to: UtcDatetime | None


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: datetime
    lat: float
    lon: float
    source: StoredStr = Field("analyst", min_length=1, max_length=32)

    _lat = field_validator("lat")(classmethod(lambda cls, v: _check_lat(v)))
    _lon = field_validator("lon")(classmethod(lambda cls, v: _check_lon(v)))

    @field_validator("at")
    @classmethod
    def _at(cls, v: datetime) -> datetime:
        return as_utc(v, None)


class PositionOut(BaseModel):
    id: int
    person_id: int
    at: UtcDatetime
    lat: float
    lon: float
    country: str | None
    region: str | None
    source: str


class Reason(BaseModel):
    text: str = Field(description="Why, in words: 'hotel stay 12-14 Mar at ..., 3.2 km from the incident'")
    status: Literal["present", "bound"]
    kind: str
    source: str
    source_id: int
    distance_km: float | None
    starts_at: UtcDatetime | None
    ends_at: UtcDatetime | None
    lat: float
    lon: float
    country: str | None
    region: str | None


class ExposedPerson(BaseModel):
    person_id: int
    external_id: str
    name: str
    status: Literal["present", "bound"]
    reasons: list[Reason]


class ExposureOut(BaseModel):
    area: str = Field(description="The area asked about, in words")
    area_kind: Literal["radius", "region", "country", "polygon"]
    window_start: UtcDatetime
    window_end: UtcDatetime
    bound_until: UtcDatetime
    as_of: UtcDatetime | None
    note: str | None = Field(None, description="e.g. an incident dated only to a month")
    incident_id: int | None = None
    count: int
    people: list[ExposedPerson]


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    radius_km: float | None = Field(None, gt=0, le=2000)
    bound_days: int | None = Field(None, ge=0, le=60)
    retention_days: int | None = Field(None, ge=1, le=3650)


class SettingsOut(BaseModel):
    radius_km: float
    bound_days: int
    retention_days: int | None
    demo: bool


class ImportRowError(BaseModel):
    line: int
    field: str
    reason: str


class ImportReport(BaseModel):
    kind: str
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[ImportRowError]
