"""People, trips, locations and positions through the service: validation, reasons, as_of, privacy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from vedette.errors import BadInput, NotFound
from vedette.people import service as svc
from vedette.people.exposure import Circle, Country, Region, incident_window, window_around
from vedette.people.schemas import LocationIn, PersonIn, PersonPatch, PositionIn, SegmentIn, TripIn


def _t(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def _awa(session, scope, **kw):
    return svc.create_person(session, scope, PersonIn(name="Awa Test", phones=["+223 20 22 12 34"], **kw))


def test_phones_are_stored_in_e164_and_bad_ones_refused(session, make_scope) -> None:
    scope = make_scope("org-a")
    p = svc.create_person(session, scope, PersonIn(name="A", phones=["20 22 12 34"], nationality="ml",
                                                   emails=["a@example.org"]))
    assert p.phones == ["+22320221234"] and p.nationality == "ML"
    with pytest.raises(ValueError, match="not a phone number|not a valid phone number"):
        PersonIn(name="B", phones=["not a number"])
    with pytest.raises(ValueError, match="not an email"):
        PersonIn(name="B", emails=["nope"])
    with pytest.raises(ValueError, match="language|Input should be"):
        PersonIn(name="B", language="de")


def test_manager_must_be_of_the_same_organisation(session, make_scope) -> None:
    a, b = make_scope("org-a"), make_scope("org-b")
    boss_b = _awa(session, b)
    with pytest.raises(BadInput) as exc:
        _awa(session, a, manager_id=boss_b.id)
    assert exc.value.item == "manager_id"
    boss_a = _awa(session, a)
    p = _awa(session, a, manager_id=boss_a.id)
    assert svc.update_person(session, a, p.id, PersonPatch(tags=["non-essential staff"])).tags == [
        "non-essential staff"
    ]


def test_a_trip_ending_before_it_starts_or_an_unknown_iata_code_is_refused(session, make_scope) -> None:
    scope = make_scope("org-a")
    p = _awa(session, scope)
    with pytest.raises(ValueError, match="before starts_at"):
        SegmentIn(kind="hotel", starts_at="2012-03-24T12:00", ends_at="2012-03-20T12:00", place_name="Bamako")
    with pytest.raises(BadInput) as exc:
        svc.create_trip(session, scope, TripIn(person_id=p.id, segments=[
            SegmentIn(kind="flight", starts_at="2012-03-24T08:00", ends_at="2012-03-24T11:00", origin_iata="ABJ",
                      dest_iata="QQQ")]))
    assert "QQQ" in str(exc.value) and "dest_iata" in exc.value.item
    with pytest.raises(ValueError, match="latitude out of range"):
        SegmentIn(kind="other", starts_at="2012-03-24T08:00", ends_at="2012-03-24T11:00", lat=95, lon=0)


def test_segments_keep_local_zone_and_store_utc(session, make_scope) -> None:
    scope = make_scope("org-a")
    p = _awa(session, scope)
    trip = svc.create_trip(session, scope, TripIn(person_id=p.id, segments=[
        SegmentIn(kind="hotel", starts_at="2012-03-12T14:00", ends_at="2012-03-14T11:00", tz="Europe/Paris",
                  place_name="Markala")]))
    _, segs = svc.trip_with_segments(session, scope, trip.id)
    s = segs[0]
    assert s.tz == "Europe/Paris" and s.country == "ML" and s.region == "ML-4"
    assert s.starts_at.replace(tzinfo=UTC) == _t("2012-03-12T13:00")


def test_exposure_says_why_in_words_and_data(session, make_scope) -> None:
    scope = make_scope("org-a")
    p = _awa(session, scope)
    svc.create_trip(session, scope, TripIn(person_id=p.id, segments=[
        SegmentIn(kind="flight", starts_at="2012-03-24T08:00", ends_at="2012-03-24T10:30", origin_iata="ABJ",
                  dest_iata="BKO"),
        SegmentIn(kind="hotel", starts_at="2012-03-12T12:00", ends_at="2012-03-14T10:00", lat=12.65, lon=-8.0,
                  place_name="Hotel Test")]))
    ans = svc.exposure(session, scope, Circle(12.639, -7.9999, 25), window_around(_t("2012-03-13T10:00")))
    assert ans["count"] == 1
    reason = ans["people"][0]["reasons"][0]
    assert reason["text"] == "hotel stay 12-14 Mar at Hotel Test, 1.2 km from the incident"
    assert reason["distance_km"] == pytest.approx(1.2, abs=0.05) and reason["status"] == "present"
    bound = svc.exposure(session, scope, Circle(12.5335, -7.94994, 25), window_around(_t("2012-03-22T08:00")))
    texts = [r["text"] for r in bound["people"][0]["reasons"]]
    assert any(t.startswith("flight ABJ-BKO on 24 Mar") and "bound there" in t for t in texts)
    assert bound["people"][0]["status"] == "bound"
    nobody = svc.exposure(session, scope, Circle(12.5335, -7.94994, 25), window_around(_t("2012-02-01T08:00")))
    assert nobody["count"] == 0


def test_home_and_office_count_at_all_times_regions_and_countries(session, make_scope) -> None:
    scope = make_scope("org-a")
    p = _awa(session, scope)
    svc.add_location(session, scope, p.id, LocationIn(kind="office", label="Bamako office", lat=12.64, lon=-8.0))
    for when in ("1999-01-01T00:00", "2030-06-01T00:00"):
        w = window_around(_t(when))
        assert svc.exposure(session, scope, Region("ML-BKO"), w)["count"] == 1
        assert svc.exposure(session, scope, Country("ML"), w)["count"] == 1
        assert svc.exposure(session, scope, Country("SN"), w)["count"] == 0
    assert "office at Bamako office" in svc.exposure(session, scope, Country("ML"), w)["people"][0]["reasons"][0][
        "text"]


def test_month_precision_incidents_match_the_whole_month_and_say_so() -> None:
    w = incident_window("2012-03", "month")
    assert (w.start, w.end) == (_t("2012-03-01T00:00"), _t("2012-04-01T00:00"))
    assert "dated only to March 2012" in w.note
    day = incident_window("2012-03-22", "day", "07:55")
    assert (day.start, day.end) == (_t("2012-03-21T07:55"), _t("2012-03-23T07:55")) and day.note is None


def test_as_of_replays_only_what_was_known_then(session, make_scope) -> None:
    scope = make_scope("org-a")
    p = svc.create_person(session, scope, PersonIn(name="Early"), recorded_at=_t("2012-03-01T00:00"))
    svc.add_location(session, scope, p.id, LocationIn(kind="hotel", label="Hotel A", lat=12.64, lon=-8.0),
                     recorded_at=_t("2012-03-01T00:00"))
    svc.create_trip(session, scope, TripIn(person_id=p.id, segments=[
        SegmentIn(kind="hotel", starts_at="2012-03-21T12:00", ends_at="2012-03-25T10:00", place_name="Markala")]),
        recorded_at=_t("2012-03-23T00:00"))
    w = window_around(_t("2012-03-22T07:55"))
    then = svc.exposure(session, scope, Country("ML"), w, as_of=_t("2012-03-22T07:55"))
    assert [r["kind"] for r in then["people"][0]["reasons"]] == ["hotel"]
    assert all(r["source"] == "location" for r in then["people"][0]["reasons"])
    later = svc.exposure(session, scope, Country("ML"), w, as_of=_t("2012-03-24T00:00"))
    assert {r["source"] for r in later["people"][0]["reasons"]} == {"location", "segment"}
    assert svc.list_people(session, scope, as_of=_t("2012-02-01T00:00"))[1] == 0


def test_a_newer_position_ends_the_older_one(session, make_scope) -> None:
    scope = make_scope("org-a")
    p = _awa(session, scope)
    svc.add_position(session, scope, p.id, PositionIn(at="2012-03-22T06:00Z", lat=12.64, lon=-8.0, source="phone"))
    svc.add_position(session, scope, p.id, PositionIn(at="2012-03-22T09:00Z", lat=13.70, lon=-6.07, source="phone"))
    at_noon = window_around(_t("2012-03-22T12:00"), hours=1)
    assert svc.exposure(session, scope, Region("ML-BKO"), at_noon)["count"] == 0
    assert svc.exposure(session, scope, Region("ML-4"), at_noon)["count"] == 1
    assert svc.last_position(session, scope, p.id).lat == pytest.approx(13.70)


def test_purge_deletes_ended_trips_but_not_demo_organisations(session, make_scope) -> None:
    from vedette.people import repository as repo

    live, demo = make_scope("live"), make_scope("demo")
    svc.mark_demo(session, demo)
    for scope in (live, demo):
        p = _awa(session, scope)
        svc.create_trip(session, scope, TripIn(person_id=p.id, segments=[
            SegmentIn(kind="hotel", starts_at="2012-03-21T12:00", ends_at="2012-03-25T10:00", place_name="Markala"),
            SegmentIn(kind="hotel", starts_at="2012-07-01T12:00", ends_at="2012-07-05T10:00", place_name="Markala")]))
        svc.add_position(session, scope, p.id, PositionIn(at="2012-03-22T06:00Z", lat=12.64, lon=-8.0))
    now = _t("2012-07-10T00:00")
    assert svc.purge(session, live, 90, now) == {"segments": 1, "positions": 1, "trips": 0}
    assert svc.purge(session, demo, 90, now) == {"segments": 0, "positions": 0, "trips": 0}
    assert repo.count_rows(session, live)["segments"] == 1 and repo.count_rows(session, demo)["segments"] == 2
    assert svc.purge(session, live, 90, now)["segments"] == 0  # idempotent


def test_erase_leaves_audit_rows_without_personal_data(session, make_scope) -> None:
    from vedette.people import repository as repo
    from vedette.tenancy.models import AuditEvent

    scope = make_scope("org-a")
    p = _awa(session, scope, emails=["awa@example.org"])
    svc.add_location(session, scope, p.id, LocationIn(kind="home", lat=12.64, lon=-8.0))
    exported = svc.export_person(session, scope, p.id)
    assert exported["person"]["name"] == "Awa Test" and len(exported["locations"]) == 1
    assert svc.erase_person(session, scope, p.id)["locations"] == 1
    assert repo.count_rows(session, scope) == dict.fromkeys(
        ("people", "trips", "segments", "locations", "positions", "whereabouts"), 0)
    rows = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "people.erase")))
    assert len(rows) == 1 and rows[0].target_id == str(p.id)
    blob = str([(r.detail, r.target_id) for r in session.scalars(select(AuditEvent))])
    assert "Awa" not in blob and "awa@example.org" not in blob and "+223" not in blob
    with pytest.raises(NotFound):
        svc.get_person(session, scope, p.id)


def test_another_organisations_records_are_not_found(session, make_scope) -> None:
    a, b = make_scope("org-a"), make_scope("org-b")
    p = _awa(session, a)
    trip = svc.create_trip(session, a, TripIn(person_id=p.id, segments=[
        SegmentIn(kind="hotel", starts_at="2012-03-21T12:00", ends_at="2012-03-25T10:00", place_name="Markala")]))
    loc = svc.add_location(session, a, p.id, LocationIn(kind="home", lat=12.64, lon=-8.0))
    for call in (lambda: svc.get_person(session, b, p.id), lambda: svc.trip_with_segments(session, b, trip.id),
                 lambda: svc.delete_location(session, b, loc.id), lambda: svc.erase_person(session, b, p.id),
                 lambda: svc.add_location(session, b, p.id, LocationIn(kind="home", lat=1, lon=1))):
        with pytest.raises(NotFound):
            call()
    assert svc.exposure(session, b, Country("ML"), window_around(_t("2012-03-22T00:00")))["count"] == 0


def test_the_e164_fast_path_agrees_with_the_full_parse() -> None:
    import random

    import phonenumbers

    from vedette.people.schemas import e164

    rng = random.Random(5)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    for i in range(6000):
        cc = codes[i % len(codes)] if i < 3000 else rng.choice([1, 33, 44, 223, 39, 49, 7, 86, 254, 221, 971, 380])
        raw = f"+{cc}{rng.randint(10**5, 10**12)}"
        try:
            num = phonenumbers.parse(raw)
            full = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164) if phonenumbers.is_valid_number(
                num) else None
        except phonenumbers.NumberParseException:
            full = None
        try:
            ours = e164(raw)
        except ValueError:
            ours = None
        assert ours == full, raw


def test_lists_page_and_filter(session, make_scope) -> None:
    scope = make_scope("org-a")
    for name, tags in (("Zoe", ["driver"]), ("Ann", []), ("Kim", ["driver", "non-essential staff"])):
        svc.create_person(session, scope, PersonIn(name=name, tags=tags))
    rows, total = svc.list_people(session, scope, limit=2, offset=1)
    assert total == 3 and [p.name for p in rows] == ["Kim", "Zoe"]
    rows, total = svc.list_people(session, scope, tag="driver", limit=1)
    assert total == 2 and [p.name for p in rows] == ["Kim"]
    assert svc.list_people(session, scope, q="kIM")[1] == 1  # names and external ids, any case
