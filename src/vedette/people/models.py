"""People an organisation looks after, their trips, known locations and positions, and where they are.

Every row here is private to one organisation (``organisation_id``) and is reached only through the
repository with an ``OrgScope``. Times are stored in UTC; the local zone name is kept beside them.

``Whereabouts`` is the exposure index: one row per place-and-time a person is (or will be) at, derived
from segments, known locations and positions by the repository whenever they change. Its points carry
an h3 cell (SQLite mode) and, in PostgreSQL, a GiST index on ``geography(point)`` (see the migration).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from vedette.store.base import Base, utcnow
from vedette.tenancy.models import Organisation  # re-exported: importers move to vedette.tenancy.models

__all__ = [
    "Organisation", "PeopleSettings", "Person", "Trip", "Segment", "KnownLocation", "Position", "Whereabouts",
]

ORG_FK = "organisations.id"
SEGMENT_KINDS = ("flight", "hotel", "ground", "other")
LOCATION_KINDS = ("home", "office", "hotel")
CHANNELS = ("email", "sms", "phone", "webhook")
LANGUAGES = ("en", "fr")


class PeopleSettings(Base):
    """Per-organisation settings of the people domain (exposure radius, retention, demo exemption)."""

    __tablename__ = "people_settings"

    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), primary_key=True)
    radius_km: Mapped[float] = mapped_column(Float, default=25.0)
    bound_days: Mapped[int] = mapped_column(Integer, default=7)
    retention_days: Mapped[int | None] = mapped_column(Integer)  # None: the global setting
    demo: Mapped[bool] = mapped_column(default=False)  # demo organisations are exempt from purges


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id", name="uq_people_org_external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    emails: Mapped[list] = mapped_column(default=list)
    phones: Mapped[list] = mapped_column(default=list)  # E.164 strings
    nationality: Mapped[str | None] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(16), default="email")
    language: Mapped[str] = mapped_column(String(2), default="en")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    tags: Mapped[list] = mapped_column(default=list)
    emergency_contact: Mapped[dict] = mapped_column(default=dict)  # {name, phone (E.164), relation}
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)  # known to us since (as_of)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class _Located:
    """Columns of a resolved place: gazetteer id, name, point, country and ISO 3166-2 region."""

    place_ref: Mapped[str | None] = mapped_column(String(64))
    place_name: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(12))  # ISO 3166-2, e.g. ML-BKO


class Trip(Base):
    __tablename__ = "trips"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id", name="uq_trips_org_external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Segment(_Located, Base):
    """One leg of a trip. For a flight, the place is the arrival airport and ``origin_*`` the departure."""

    __tablename__ = "trip_segments"
    __table_args__ = (UniqueConstraint("trip_id", "external_id", name="uq_trip_segments_trip_external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # flight | hotel | ground | other
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    tz: Mapped[str | None] = mapped_column(String(64))  # local zone name, e.g. Africa/Bamako
    flight_number: Mapped[str | None] = mapped_column(String(16))
    origin_iata: Mapped[str | None] = mapped_column(String(3))
    dest_iata: Mapped[str | None] = mapped_column(String(3))
    origin_ref: Mapped[str | None] = mapped_column(String(64))
    origin_name: Mapped[str | None] = mapped_column(String(300))
    origin_lat: Mapped[float | None] = mapped_column(Float)
    origin_lon: Mapped[float | None] = mapped_column(Float)
    origin_country: Mapped[str | None] = mapped_column(String(2))
    origin_region: Mapped[str | None] = mapped_column(String(12))
    address: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnownLocation(_Located, Base):
    """A home, office or hotel; counts at all times (within ``valid_from``/``valid_to`` when set)."""

    __tablename__ = "known_locations"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id", name="uq_known_locations_org_external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # home | office | hotel
    label: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[datetime | None] = mapped_column()
    valid_to: Mapped[datetime | None] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Position(Base):
    """A last known position: where, when, from which source (check-in, phone, analyst...)."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Whereabouts(Base):
    """The exposure index: a person at a point from ``starts_at`` to ``ends_at`` (None: at all times).

    ``source`` names the row it comes from (segment, origin of a segment, location, position) and
    ``source_id`` its id; ``label`` says it in words ("hotel stay at Hôtel de l'Amitié").
    """

    __tablename__ = "whereabouts"
    __table_args__ = (
        Index("ix_whereabouts_org_h3", "organisation_id", "h3"),
        Index("ix_whereabouts_org_country", "organisation_id", "country"),
        Index("ix_whereabouts_org_region", "organisation_id", "region"),
        Index("ix_whereabouts_source", "source", "source_id"),
        # PostgreSQL mode: ST_DWithin on the sphere over this GiST index (created by the migration when
        # PostGIS is there; SQLite and plain PostgreSQL use the h3 cells instead)
        Index(
            "ix_whereabouts_geog",
            text("(ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography)"),
            postgresql_using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # segment | origin | location | position
    source_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # flight | hotel | ground | other | home | office | position
    label: Mapped[str] = mapped_column(String(400))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    h3: Mapped[int] = mapped_column(BigInteger)  # h3 cell at resolution 6 (SQLite mode's spatial index)
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(12))
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
