"""CSV and iCalendar imports: every bad row named by line and field, nothing half-written, idempotent."""

from __future__ import annotations

import pytest

from vedette.errors import BadInput
from vedette.people import imports
from vedette.people import repository as repo

PEOPLE = """external_id,name,emails,phones,nationality,channel,language,manager_external_id,tags
e1,Awa Test,awa@example.org,+223 20 22 12 34,ML,sms,fr,,non-essential staff|driver
e2,Bob Test,,+33 1 42 68 53 00,FR,email,en,e1,
e3,Bad Phone,,not-a-number,FR,email,en,,
e4,Bad Lang,,,FR,email,de,,
e5,No Boss,,,FR,email,en,nobody,
"""

SEGMENTS = """person_external_id,trip_external_id,segment_external_id,kind,starts_at,ends_at,tz,place_ref,place_name,lat,lon,address,flight_number,origin_iata,dest_iata,trip_title
e1,t1,1,flight,2012-03-24T08:00,2012-03-24T10:30,Africa/Abidjan,,,,,,HF123,ABJ,BKO,Mission
e1,t1,2,hotel,2012-03-24T12:00,2012-03-27T10:00,Africa/Bamako,,Hotel Test,12.65,-8.0,,,,,Mission
e1,t1,3,hotel,2012-03-28T12:00,2012-03-27T10:00,Africa/Bamako,,Markala,,,,,,,Mission
e1,t1,4,other,2012-03-28T12:00,2012-03-29T10:00,,,Somewhere,95,10,,,,,Mission
e1,t1,5,flight,2012-03-30T08:00,2012-03-30T10:30,,,,,,,,BKO,ZZZ,Mission
e9,t2,1,hotel,2012-03-24T12:00,2012-03-27T10:00,,,Markala,,,,,,,
"""


def test_dry_run_reports_every_bad_row_and_writes_nothing(session, make_scope) -> None:
    scope = make_scope("org-a")
    report = imports.import_csv(session, scope, PEOPLE.encode(), dry_run=True)
    got = {(e.line, e.field) for e in report.errors}
    assert got == {(4, "phones"), (5, "language"), (6, "manager_external_id")}
    assert report.created == 2 and repo.count_rows(session, scope)["people"] == 0
    assert "not-a-number" in next(e.reason for e in report.errors if e.field == "phones")


def test_real_run_writes_good_rows_and_a_second_run_changes_nothing(session, make_scope) -> None:
    scope = make_scope("org-a")
    first = imports.import_csv(session, scope, PEOPLE.encode())
    assert (first.created, len(first.errors)) == (2, 3)
    people = repo.people_by_external(session, scope)
    assert people["e1"].phones == ["+22320221234"] and people["e2"].manager_id == people["e1"].id
    assert people["e1"].tags == ["driver", "non-essential staff"] and people["e1"].language == "fr"
    again = imports.import_csv(session, scope, PEOPLE.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    segs = imports.import_csv(session, scope, SEGMENTS.encode())
    errors = {(e.line, e.field) for e in segs.errors}
    assert errors == {(4, "ends_at"), (5, "lat"), (6, "dest_iata"), (7, "person_external_id")}
    assert segs.created == 2
    assert "ZZZ" in next(e.reason for e in segs.errors if e.field == "dest_iata")
    assert repo.count_rows(session, scope)["whereabouts"] == 3  # flight: departure and arrival; hotel
    again = imports.import_csv(session, scope, SEGMENTS.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert repo.count_rows(session, scope)["whereabouts"] == 3


def test_export_imports_back_unchanged(session, make_scope) -> None:
    scope = make_scope("org-a")
    imports.import_csv(session, scope, PEOPLE.encode())
    imports.import_csv(session, scope, SEGMENTS.encode())
    imports.import_csv(session, scope, b"person_external_id,location_external_id,kind,label,place_name\n"
                                       b"e2,l1,office,Bamako office,Bamako\n")
    other = make_scope("org-b")
    for kind in ("people", "segments", "locations"):
        text = imports.export_csv(session, scope, kind)
        assert imports.import_csv(session, scope, text.encode()).unchanged >= 1
        report = imports.import_csv(session, scope, text.encode())
        assert (report.created, report.updated, report.errors) == (0, 0, [])
        assert imports.export_csv(session, other, kind).count("\n") == 1  # header only


def test_wrong_encoding_and_missing_columns_are_named(session, make_scope) -> None:
    scope = make_scope("org-a")
    latin1 = "external_id,name\ne1,Aïssata\n".encode("latin-1")
    with pytest.raises(BadInput) as exc:
        imports.import_csv(session, scope, latin1)
    assert exc.value.item == "encoding" and "line 2" in str(exc.value)
    with pytest.raises(BadInput) as exc:
        imports.import_csv(session, scope, b"person_external_id,segment_external_id,kind\nx,1,hotel\n")
    assert exc.value.item == "header" and "trip_external_id" in str(exc.value)
    assert repo.count_rows(session, scope)["people"] == 0


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
X-WR-CALNAME:Mali mission
BEGIN:VEVENT
UID:ev-1
SUMMARY:Flight HF 123 ABJ-BKO
DTSTART:20120324T080000Z
DTEND:20120324T103000Z
END:VEVENT
BEGIN:VEVENT
UID:ev-2
SUMMARY:Hotel stay
LOCATION:Markala
DTSTART;TZID=Africa/Bamako:20120324T120000
DTEND;TZID=Africa/Bamako:20120327T100000
END:VEVENT
BEGIN:VEVENT
UID:ev-3
SUMMARY:Meeting
LOCATION:Qwxzzy Nowhereville
DTSTART:20120325T080000Z
DTEND:20120325T100000Z
END:VEVENT
END:VCALENDAR
"""


def test_icalendar_events_become_segments_and_unresolved_places_are_reported(session, make_scope) -> None:
    scope = make_scope("org-a")
    imports.import_csv(session, scope, PEOPLE.encode())
    report = imports.import_ics(session, scope, ICS.encode(), "e1")
    assert report.created == 2
    assert [(e.line, e.field.split(" ")[0]) for e in report.errors] == [(3, "LOCATION")]
    segs = {s.external_id: s for s in repo.segments_of(session, scope)}
    assert segs["ev-1"].dest_iata == "BKO" and segs["ev-1"].flight_number == "HF123"
    assert segs["ev-2"].kind == "hotel" and segs["ev-2"].region == "ML-4" and segs["ev-2"].tz == "Africa/Bamako"
    again = imports.import_ics(session, scope, ICS.encode(), "e1")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_malformed_event_is_reported_not_fatal(session, make_scope) -> None:
    scope = make_scope("org-a")
    imports.import_csv(session, scope, PEOPLE.encode())
    ics = ICS.replace("DTSTART:20120325T080000Z", "DTSTART:2012-nonsense").replace(
        "CATEGORIES", "X").replace("SUMMARY:Hotel stay", "SUMMARY:Hotel stay\nCATEGORIES:Lodging,Hotel\nCATEGORIES:Work")
    report = imports.import_ics(session, scope, ics.encode(), "e1")
    assert report.created == 2 and [e.line for e in report.errors] == [3]
