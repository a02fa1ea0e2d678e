"""Incident review: statuses, edits that survive re-extraction, reversible merges and splits, hand entry,
optimistic locking, the queue, confidence, and the API and CLI faces."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from helpers import incident_record
from vedette.cli import app
from vedette.errors import BadInput, Conflict, NotFound
from vedette.incidents import repository as repo
from vedette.incidents import review
from vedette.incidents import review_repository as rrepo
from vedette.incidents.models import Incident, IncidentEdit, IncidentMove, Report
from vedette.incidents.service import store_records
from vedette.intake.models import Document
from vedette.tenancy.models import AuditEvent

OP = review.Actor("user", None)


STRONG = {
    "date": {"span": [0, 1], "rule": "dates.month-day-year"},
    "place": {"span": [2, 3], "rule": "places.city, pop 1000, country context KE"},
    "category": {"span": None, "rule": "category.cue-lexicon"},
}


def record(**kw) -> dict:  # noqa: ANN003
    return incident_record(**{"provenance": copy.deepcopy(STRONG), **kw})


WEAK = {
    "date": {"span": None, "rule": "assemble.document-date"},
    "place": {"span": None, "rule": "assemble.document-country"},
    "category": {"span": None, "rule": "category.cue-lexicon"},
}


def doc(session, name: str, extracted: bool = True) -> Document:  # noqa: ANN001
    from datetime import UTC, datetime

    d = Document(
        sha256=name.ljust(64, "0")[:64],
        origin=f"/x/{name}",
        name=name,
        media_type="text/plain",
        text="some text",
        size_bytes=9,
        extracted_at=datetime.now(UTC) if extracted else None,
    )
    session.add(d)
    session.flush()
    return d


def one(session, name: str = "a.txt", **kw) -> tuple[Document, Incident]:  # noqa: ANN001, ANN003
    d = doc(session, name)
    (inc,) = store_records(session, d, [record(**kw)], "t")
    session.flush()
    return d, inc


# --- statuses, locking, errors ----------------------------------------------------------------------------


def test_confirm_dismiss_reopen_with_versions_and_audit(session) -> None:
    _, inc = one(session)
    assert (inc.status, inc.version) == ("new", 1)
    review.confirm(session, inc.id, OP, version=1, note="checked with the embassy")
    assert (inc.status, inc.version, inc.reviewed_by) == ("confirmed", 2, "user")
    with pytest.raises(Conflict):  # a second operator who read version 1
        review.dismiss(session, inc.id, OP, reason="duplicate", version=1)
    with pytest.raises(BadInput):
        review.dismiss(session, inc.id, OP, reason="  ", version=2)
    review.dismiss(session, inc.id, OP, reason="a rumour, denied", version=2)
    assert (inc.status, inc.status_reason, inc.version) == ("dismissed", "a rumour, denied", 3)
    # dismissed incidents count nowhere by default; asked for, they are there
    assert session.scalars(repo.query_incidents()).all() == []
    assert [i.id for i in session.scalars(repo.query_incidents(statuses=None))] == [inc.id]
    assert session.scalars(rrepo.only_counted(select(Incident), ("new", "confirmed", "dismissed"))).all() == []
    assert rrepo.counted_statuses(include_new=False) == ("confirmed",)
    review.reopen(session, inc.id, OP, version=3)
    assert inc.status == "new" and inc.status_reason is None
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == str(inc.id)).order_by(AuditEvent.id)
    ).all()
    assert actions == ["incident.confirm", "incident.dismiss", "incident.reopen"]
    with pytest.raises(NotFound):
        review.confirm(session, 999999, OP)


def test_second_of_two_racing_sessions_gets_conflict(session, clean_db) -> None:
    from vedette.store.db import session_factory

    _, inc = one(session)
    session.commit()
    a, b = session_factory(clean_db)(), session_factory(clean_db)()
    try:
        b.get(Incident, inc.id)  # b has read version 1 too
        review.edit(a, inc.id, OP, {"killed": 3}, version=1)
        a.commit()
        with pytest.raises(Conflict):
            review.edit(b, inc.id, OP, {"killed": 4}, version=1)
        b.rollback()
        assert rrepo.bump_version(b, inc.id, 1) is False  # the compare-and-set itself refuses a stale version
        b.rollback()
    finally:
        a.close()
        b.close()
    session.expire_all()
    assert session.get(Incident, inc.id).killed == 3


# --- edits survive re-extraction --------------------------------------------------------------------------


def test_edits_are_kept_beside_extracted_values_and_survive_reextraction(session) -> None:
    d, inc = one(session, killed=4)
    review.edit(session, inc.id, OP, {"killed": 7, "place": "Fixed Town", "actors": ["militia"]}, version=1)
    assert (inc.killed, inc.place, inc.actors) == (7, "Fixed Town", ["militia"])
    # the document is extracted again and now says 5: the edit still wins, the new extracted value is kept
    store_records(session, d, [record(killed=5)], "t")
    session.flush()
    session.expire_all()
    inc = session.get(Incident, inc.id)
    assert (inc.killed, inc.place, inc.actors) == (7, "Fixed Town", ["militia"])
    view = review.review_view(session, inc.id)
    assert view["fields"]["killed"] == {**view["fields"]["killed"], "value": 7, "extracted": 5, "edited": True}
    assert view["fields"]["injured"]["edited"] is False
    # back to the extracted value
    review.edit(session, inc.id, OP, {}, clear=["killed"], version=inc.version)
    assert inc.killed == 5
    assert [e["field"] for e in review.review_view(session, inc.id)["edits"]] == ["killed", "place", "actors", "killed"]
    with pytest.raises(BadInput):
        review.edit(session, inc.id, OP, {"colour": "red"}, version=inc.version)
    with pytest.raises(BadInput):
        review.edit(session, inc.id, OP, {"date": "2021-02-30"}, version=inc.version)
    with pytest.raises(BadInput):
        review.edit(session, inc.id, OP, {"category": "weather"}, version=inc.version)
    with pytest.raises(BadInput):
        review.edit(session, inc.id, OP, {"date_end": "2021-05-01"}, version=inc.version)  # before the start


def test_a_reviewed_incident_keeps_its_report_on_reextraction(session) -> None:
    d, inc = one(session)
    review.confirm(session, inc.id, OP, version=1)
    store_records(session, d, [record()], "t")
    store_records(session, d, [record()], "t")
    session.flush()
    assert session.scalar(select(Report.incident_id).where(Report.document_id == d.id)) == inc.id
    assert session.get(Incident, inc.id).status == "confirmed"
    # a re-extraction that no longer finds it leaves the confirmed incident in place (an operator vouched)
    store_records(session, d, [], "t")
    session.flush()
    assert session.get(Incident, inc.id) is not None


# --- merge, split, undo -----------------------------------------------------------------------------------


def test_merge_is_reversible_and_a_merged_incident_refuses_actions(session) -> None:
    _, a = one(session, "a.txt", killed=2)
    _, b = one(session, "b.txt", place="Far", place_id="gn:3", lat=3.0, lon=39.0, killed=9)
    assert a.id != b.id
    review.confirm(session, b.id, OP, version=1)
    review.merge(session, a.id, b.id, OP, version=1)
    assert (b.status, b.merged_into_id, a.locked) == ("merged", a.id, True)
    assert repo.report_counts(session, [a.id, b.id]) == {a.id: 2}
    assert a.killed == 9
    with pytest.raises(Conflict, match="merged into"):
        review.confirm(session, b.id, OP)
    with pytest.raises(Conflict):
        review.merge(session, a.id, b.id, OP)
    with pytest.raises(BadInput):
        review.merge(session, a.id, a.id, OP)
    with pytest.raises(NotFound):
        review.merge(session, a.id, 999999, OP)
    assert [i.id for i in session.scalars(repo.query_incidents())] == [a.id]  # the tombstone counts nowhere
    move = session.scalar(select(IncidentMove))
    review.undo(session, move.id, OP)
    assert (b.status, b.merged_into_id) == ("confirmed", None)
    assert repo.report_counts(session, [a.id, b.id]) == {a.id: 1, b.id: 1}
    assert (a.killed, b.killed) == (2, 9)
    with pytest.raises(Conflict):
        review.undo(session, move.id, OP)
    with pytest.raises(NotFound):
        review.undo(session, 999999, OP)


def test_split_moves_reports_out_and_undo_puts_them_back(session) -> None:
    a = doc(session, "a.txt")
    b = doc(session, "b.txt")
    (inc,) = store_records(session, a, [record()], "t")
    store_records(session, b, [record(killed=3)], "t")
    session.flush()
    rep_b = session.scalar(select(Report).where(Report.document_id == b.id))
    assert rep_b.incident_id == inc.id
    with pytest.raises(BadInput):
        review.split(session, inc.id, [999999], OP)
    with pytest.raises(BadInput):  # all its reports: nothing would be left
        review.split(session, inc.id, [r.id for r in repo.reports_for(session, [inc.id])], OP)
    new = review.split(session, inc.id, [rep_b.id], OP, version=1)
    assert (new.status, new.killed, inc.killed) == ("new", 3, None)
    # a re-extraction keeps the split
    store_records(session, b, [record(killed=3)], "t")
    session.flush()
    assert session.scalar(select(Report.incident_id).where(Report.document_id == b.id)) == new.id
    move = session.scalar(select(IncidentMove).where(IncidentMove.kind == "split"))
    review.undo(session, move.id, OP)
    session.expire_all()
    assert session.scalar(select(Report.incident_id).where(Report.document_id == b.id)) == inc.id
    assert session.get(Incident, new.id).status == "merged"
    assert session.get(Incident, inc.id).killed == 3


# --- by hand, duration ------------------------------------------------------------------------------------


def test_hand_entered_incident_is_confirmed_and_keeps_its_fields_when_a_report_joins(session) -> None:
    with pytest.raises(BadInput):
        review.add_manual(session, OP, {"date": "2021-05-10", "category": "armed_conflict"}, source_note="")
    with pytest.raises(BadInput):
        review.add_manual(session, OP, {"category": "armed_conflict", "country": "KE"}, source_note="phone call")
    inc = review.add_manual(
        session,
        OP,
        {"date": "2021-05-10", "category": "armed_conflict", "place": "Townville", "admin1": "North",
         "country": "ke", "lat": 1.0, "lon": 37.0, "killed": 6, "ongoing": True},
        source_note="call from our driver",
    )
    assert (inc.status, inc.source, inc.source_note, inc.country, inc.ongoing) == (
        "confirmed", "manual", "call from our driver", "KE", True)
    conf = review.confidences(session, [inc])[inc.id]
    assert conf.level == "high"
    # a document later reports the same event: it joins the hand-entered incident, whose values stay
    (joined,) = store_records(session, doc(session, "later.txt"), [record(killed=4, date="2021-05-11")], "t")
    session.flush()
    assert joined.id == inc.id and inc.killed == 6
    assert review.review_view(session, inc.id)["fields"]["killed"]["extracted"] == 4


def test_a_later_report_extends_the_incident_and_ongoing_is_set_by_hand(session) -> None:
    d, inc = one(session, date="2021-05")
    assert inc.date_end is None
    store_records(session, doc(session, "later.txt"), [record(date="2021-05-20")], "t")
    session.flush()
    assert (inc.date, inc.date_end) == ("2021-05-20", None)  # the precise date is the start: nothing later
    store_records(session, doc(session, "later2.txt"), [record(date="2021-05-21")], "t")
    session.flush()
    assert inc.date_end == "2021-05-21"
    review.edit(session, inc.id, OP, {"ongoing": True}, version=inc.version)
    assert inc.ongoing is True


def test_reports_that_say_a_closure_lasts_or_ended_set_its_duration(session) -> None:
    road = {"category": "transport_disruption", "place": "Gate", "place_id": "gn:8", "lat": 2.0, "lon": 38.0}
    _, inc = one(session, "first.txt", evidence="The border crossing remains closed.", **road)
    assert (inc.ongoing, inc.date_end) == (True, None)
    nxt = doc(session, "next.txt")
    store_records(session, nxt,
                  [record(date="2021-05-11", evidence="The border crossing reopened this morning.", **road)], "t")
    session.flush()
    assert (inc.ongoing, inc.date_end) == (False, "2021-05-11")
    # an operator's word wins over the reports'
    review.edit(session, inc.id, OP, {"ongoing": True, "date_end": None}, version=inc.version)
    store_records(session, nxt, [], "t")
    store_records(session, doc(session, "third.txt"),
                  [record(date="2021-05-11", evidence="Traffic reopened at the border crossing.", **road)], "t")
    session.flush()
    assert (inc.ongoing, inc.date_end) == (True, None)
    assert review.review_view(session, inc.id)["fields"]["ongoing"]["extracted"] is False


# --- confidence, queue ------------------------------------------------------------------------------------


def test_confidence_explains_strong_and_weak_evidence() -> None:
    from vedette.risk.confidence import score

    strong = record(killed=3, actors=["police"])
    strong["provenance"] = {**strong["provenance"], "killed": {"rule": "counts.verb-then-list"},
                            "actors": {"rule": "actors.lexicon.forces"}}
    high = score(strong, [(strong, strong["provenance"])])
    weak = record(admin1=None, place="Kenya", place_id="cc:KE", provenance=WEAK)
    low = score(weak, [(weak, WEAK)])
    assert high.level == "high" and low.level == "low" and high.score > 0.8 > 0.3 > low.score
    why = {f.component: f for f in low.factors}
    assert why["date"].rule == "assemble.document-date" and "document's own date" in why["date"].why
    assert why["place"].rule == "assemble.document-country"
    # corroboration and an operator's edit raise it
    assert score(weak, [(weak, WEAK)], documents=3).score > low.score
    assert score(weak, [(weak, WEAK)], edited={"date"}).score > low.score
    assert abs(sum(f["points"] for f in high.as_dict()["factors"]) - high.score) < 0.01


def test_queue_orders_by_severity_then_confidence_and_lists_silent_documents(session) -> None:
    # severities agree under the risk table (category, casualties) and the extractor's value
    _, severe = one(session, "c.txt", place="Other", place_id="gn:4", lat=-3.0, lon=40.0, category="coup",
                    killed=20, severity=5, provenance=WEAK)
    _, strong = one(session, "a.txt", killed=3, severity=4)
    _, weak = one(session, "b.txt", place="Far", place_id="gn:3", lat=3.0, lon=39.0, severity=3, provenance=WEAK)
    _, sure = one(session, "e.txt", place="Sure", place_id="gn:6", lat=-2.0, lon=38.0, severity=3)
    _, done = one(session, "d.txt", place="Done", place_id="gn:5", lat=-1.0, lon=36.0)
    review.confirm(session, done.id, OP)
    silent = doc(session, "nothing-here.txt")
    doc(session, "not-yet-extracted.txt", extracted=False)
    q = review.queue(session)
    assert [i["id"] for i in q["incidents"]] == [severe.id, strong.id, sure.id, weak.id]
    assert [i["severity"] for i in q["incidents"]] == [5, 4, 3, 3]
    assert q["incidents"][2]["confidence"]["score"] > q["incidents"][3]["confidence"]["score"]
    assert q["total"] == 4
    assert [d["name"] for d in q["documents_without_incidents"]] == [silent.name]
    assert q["documents_without_incidents_total"] == 1
    assert review.queue(session, country="TZ")["incidents"] == []
    # an operator's severity ranks it; an operator's date makes the date sure
    before = q["incidents"][3]["confidence"]["score"]
    review.edit(session, weak.id, OP, {"severity": 5, "date": "2021-05-09"}, version=weak.version)
    first = review.queue(session)["incidents"][0]
    assert (first["id"], first["severity"], first["severity_explained"]) == (weak.id, 5, ["set by an operator"])
    assert first["confidence"]["score"] > before


# --- API --------------------------------------------------------------------------------------------------


def _seed(session) -> tuple[int, int]:  # noqa: ANN001
    _, a = one(session, "a.txt", killed=2)
    _, b = one(session, "b.txt", place="Far", place_id="gn:3", lat=3.0, lon=39.0)
    session.commit()
    return a.id, b.id


def test_api_review_actions(client, session) -> None:
    a, b = _seed(session)
    q = client.get("/api/review/queue")
    assert q.status_code == 200, q.text
    assert {i["id"] for i in q.json()["incidents"]} == {a, b}
    r = client.post(f"/api/review/incidents/{a}/confirm", json={"version": 1, "note": "seen"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["version"]) == ("confirmed", 2)
    assert r.json()["reviewed_by"].startswith("token:")
    stale = client.patch(f"/api/review/incidents/{a}", json={"version": 1, "set": {"killed": 5}})
    assert stale.status_code == 409, stale.text
    ok = client.patch(f"/api/review/incidents/{a}", json={"version": 2, "set": {"killed": 5, "time": None}})
    assert ok.status_code == 200 and ok.json()["killed"] == 5
    assert client.patch(f"/api/review/incidents/{a}", json={"version": 3, "set": {"lat": 200}}).status_code == 422
    assert client.patch(f"/api/review/incidents/{a}", json={"version": 3, "set": {"x": 1}}).status_code == 422
    assert client.post("/api/review/incidents/999999/confirm", json={"version": 1}).status_code == 404
    assert client.post(f"/api/review/incidents/{b}/dismiss", json={"version": 1}).status_code == 422  # no reason
    d = client.post(f"/api/review/incidents/{b}/dismiss", json={"version": 1, "reason": "duplicate of a rumour"})
    assert d.status_code == 200 and d.json()["status"] == "dismissed"
    # the incident list leaves dismissed incidents out
    assert [i["id"] for i in client.get("/api/incidents").json()["items"]] == [a]
    asked = client.get("/api/incidents", params={"status": ["dismissed"]})
    assert [i["id"] for i in asked.json()["items"]] == [b]
    assert client.get("/api/incidents", params={"status": ["gone"]}).status_code == 422
    m = client.post(f"/api/review/incidents/{a}/merge", json={"version": 3, "other_id": b})
    assert m.status_code == 200, m.text
    assert client.post(f"/api/review/incidents/{b}/confirm", json={"version": 2}).status_code == 409
    detail = client.get(f"/api/review/incidents/{a}").json()
    assert detail["fields"]["killed"] == {**detail["fields"]["killed"], "value": 5, "extracted": 2, "edited": True}
    assert detail["confidence"]["level"] in ("high", "medium", "low") and detail["confidence"]["factors"]
    move = detail["moves"][0]["id"]
    u = client.post(f"/api/review/moves/{move}/undo")
    assert u.status_code == 200 and u.json()["undone_at"]
    assert client.post(f"/api/review/moves/{move}/undo").status_code == 409
    assert client.get(f"/api/review/incidents/{b}").json()["status"] == "dismissed"
    new = client.post(
        "/api/review/incidents",
        json={"fields": {"date": "2021-06-01", "category": "civil_unrest", "country": "KE", "place": "Here",
                       "lat": 1.2, "lon": 37.1}, "source_note": "our office saw it"},
    )
    assert new.status_code == 201, new.text
    assert (new.json()["status"], new.json()["source"]) == ("confirmed", "manual")
    reports = client.get(f"/api/review/incidents/{a}").json()["reports"]
    assert len(reports) == 1
    assert client.post(f"/api/review/incidents/{a}/split", json={"version": 5, "report_ids": [reports[0]["id"]]}
                       ).status_code == 422
    audited = session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "incident")).all()
    assert {"incident.confirm", "incident.edit", "incident.dismiss", "incident.merge", "incident.merge.undo",
            "incident.create"} <= set(audited)
    users = session.scalars(select(AuditEvent.actor_user_id).where(AuditEvent.action == "incident.confirm")).all()
    assert users and all(u is not None for u in users)


def test_api_review_needs_an_operator(accounts, session) -> None:
    a, _ = _seed(session)
    analyst = accounts.client("org-a", "analyst")
    assert analyst.get("/api/review/queue").status_code == 200  # reading is for every signed-in user
    assert analyst.post(f"/api/review/incidents/{a}/confirm", json={"version": 1}).status_code == 403
    session.expire_all()
    assert session.get(Incident, a).status == "new"


def test_api_review_refuses_anonymous(anon_client) -> None:
    assert anon_client.get("/api/review/queue").status_code == 401


# --- CLI --------------------------------------------------------------------------------------------------


def test_cli_review_commands(session, settings_env) -> None:
    a, b = _seed(session)
    run = CliRunner().invoke
    q = run(app, ["incidents", "review-queue", "--json"])
    assert q.exit_code == 0, q.output
    assert {i["id"] for i in json.loads(q.output)["incidents"]} == {a, b}
    assert run(app, ["incidents", "confirm", str(a), "--version", "1"]).exit_code == 0
    stale = run(app, ["incidents", "confirm", str(a), "--version", "1"])
    assert stale.exit_code == 1 and "changed" in stale.output
    assert run(app, ["incidents", "dismiss", str(b)]).exit_code != 0  # --reason is required
    assert run(app, ["incidents", "dismiss", str(b), "--reason", "not an event"]).exit_code == 0
    listed = run(app, ["incidents", "list", "--json"])
    assert [json.loads(x)["id"] for x in listed.output.splitlines()] == [a]
    listed = run(app, ["incidents", "list", "--status", "dismissed", "--json"])
    assert [json.loads(x)["id"] for x in listed.output.splitlines()] == [b]
    e = run(app, ["incidents", "edit", str(a), "--killed", "8", "--place", "New Name", "--json"])
    assert e.exit_code == 0, e.output
    assert json.loads(e.output.strip().splitlines()[-1])["killed"] == 8
    assert run(app, ["incidents", "edit", str(a), "--category", "weather"]).exit_code == 1
    added = run(app, ["incidents", "add", "--date", "2021-07-01", "--category", "crime", "--country", "KE",
                      "--place", "Somewhere", "--lat", "1.5", "--lon", "37.5", "--source-note", "phone", "--json"])
    assert added.exit_code == 0, added.output
    new_id = json.loads(added.output.strip().splitlines()[-1])["id"]
    assert run(app, ["incidents", "merge", str(a), str(new_id)]).exit_code == 0
    assert run(app, ["incidents", "confirm", str(new_id)]).exit_code == 1  # merged away
    assert run(app, ["incidents", "review", str(a), "--json"]).exit_code == 0
    move = session.scalar(select(func.max(IncidentMove.id)))
    assert run(app, ["incidents", "undo", str(move)]).exit_code == 0
    assert run(app, ["incidents", "confirm", "999999"]).exit_code == 1
    actors = session.scalars(select(AuditEvent.actor).where(AuditEvent.target_type == "incident")).all()
    assert actors and set(actors) == {"cli"}


def test_places_by_hand_come_from_the_gazetteer(session) -> None:
    inc = review.add_manual(session, OP, {"date": "2023-03-09", "category": "civil_unrest", "place": "Nairobi",
                                          "country": "KE"}, source_note="our office")
    assert inc.place_ref and inc.place_ref.startswith("gn:") and inc.country == "KE"
    assert inc.admin1 and abs(inc.lat - (-1.28)) < 0.1 and abs(inc.lon - 36.82) < 0.1
    with pytest.raises(BadInput):
        review.add_manual(session, OP, {"date": "2023-03-09", "category": "crime", "place": "Qxzqxzville"},
                          source_note="a rumour")
    _, other = one(session)
    review.edit(session, other.id, OP, {"place_id": inc.place_ref}, version=other.version)
    assert (other.place, other.admin1, other.lat) == ("Nairobi", inc.admin1, inc.lat)
    with pytest.raises(BadInput):
        review.edit(session, other.id, OP, {"place_id": "gn:0"}, version=other.version)


def test_two_operators_editing_at_once_one_wins_the_other_gets_409(client, session) -> None:
    import threading

    a, _ = _seed(session)
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def patch(killed: int) -> None:
        barrier.wait()
        r = client.patch(f"/api/review/incidents/{a}", json={"version": 1, "set": {"killed": killed}})
        answers.append(r.status_code)

    threads = [threading.Thread(target=patch, args=(k,)) for k in (10, 20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 409]
    session.expire_all()
    inc = session.get(Incident, a)
    assert inc.version == 2 and inc.killed in (10, 20)
    assert session.scalar(select(func.count()).select_from(IncidentEdit)) == 1
