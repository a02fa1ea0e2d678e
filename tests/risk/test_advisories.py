"""Advisory records from real advisories (the corpus, read at test time) and from our own texts, scored
with the same logic as ../shared/eval/score.py --advisories; advisory storage with history and its API."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from vedette.risk.advisories import extract_advisory_path, extract_advisory_text

DOCS = Path(__file__).with_name("docs")


def score(gold: list[dict], pred: list[dict]) -> tuple[float, float]:
    """Level accuracy and micro indicator F1, as the shared scorer computes them."""
    by = {p["doc"]: p for p in pred}
    level = sum(by[g["doc"]]["level"] == g["level"] for g in gold) / len(gold)
    tp = fp = fn = 0
    for g in gold:
        gi, pi = set(g["indicators"]), set(by[g["doc"]]["indicators"])
        tp, fp, fn = tp + len(gi & pi), fp + len(pi - gi), fn + len(gi - pi)
    p, r = tp / (tp + fp or 1), tp / (tp + fn or 1)
    return level, (2 * p * r / (p + r) if p + r else 0.0)


def load(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_corpus_advisories(corpus: Path, capsys) -> None:
    gold = load(corpus / "advisories.jsonl")
    pred = [extract_advisory_path(corpus / g["doc"]) for g in gold]
    level, f1 = score(gold, pred)
    with capsys.disabled():
        print(f"\nadvisories (corpus): level accuracy {level:.2f}, indicator F1 {f1:.2f}")
    assert level == 1.0 and f1 >= 0.9
    for g, p in zip(gold, pred, strict=True):
        assert set(p) == set(g)  # the SCHEMA.md shape, nothing more
        assert (p["country"], p["regions_to_avoid"], p["date"]) == (g["country"], g["regions_to_avoid"], g["date"])


def test_own_advisories(capsys) -> None:
    gold = load(DOCS / "expected.jsonl")
    assert len(gold) >= 10
    pred = [extract_advisory_path(DOCS / g["doc"]) for g in gold]
    level, f1 = score(gold, pred)
    with capsys.disabled():
        print(f"advisories (own documents): level accuracy {level:.2f}, indicator F1 {f1:.2f}")
    assert level == 1.0 and f1 >= 0.9
    for g, p in zip(gold, pred, strict=True):
        assert (p["country"], p["date"]) == (g["country"], g["date"]), (g["doc"], p)
    by = {p["doc"]: p for p in pred}
    # zones the texts advise against, verbatim (list items, French subjects, inline "avoid travel to")
    for doc in ("nigeria_us_level3.md", "liban_conseils.txt", "ethiopia_embassy_alert.txt"):
        assert by[doc]["regions_to_avoid"] == next(g for g in gold if g["doc"] == doc)["regions_to_avoid"]


def test_us_legend_letters_are_not_indicators() -> None:
    legend = "\n".join(f'[{c}](javascript:void(0); "Tool Tip: {w}")' for c, w in zip("CTUHK", "ABCDE", strict=True))
    text = f"# Ghana Travel Advisory\n\nGhana - Level 2: Exercise Increased Caution\n\n{legend}\n\n" + (
        "Exercise increased caution in Ghana due to crime.\n"
    )
    rec = extract_advisory_text(text, "gh.md")
    assert rec["level"] == 2 and rec["indicators"] == ["C"] and rec["country"] == "GH"


def test_raised_level_and_reason_words() -> None:
    rec = extract_advisory_text(
        "Washington raised its advisory for Lebanon from Level 3 to Level 4 on Tuesday, citing terrorism "
        "and armed conflict. Officials urged citizens to leave.",
        "news.txt",
    )
    assert rec["level"] == 4 and rec["country"] == "LB" and "T" in rec["indicators"]
    assert rec["date"] is None  # a story that does not date the advisory


def test_french_zones_map_to_the_level_of_the_rest_of_the_country() -> None:
    text = (
        "Conseils aux voyageurs – Cameroun\n\nLa région de l'Extrême-Nord est formellement déconseillée. "
        "Le reste du pays est placé en vigilance renforcée.\n"
    )
    rec = extract_advisory_text(text, "cm.txt")
    assert rec["level"] == 2 and rec["country"] == "CM"
    assert rec["regions_to_avoid"] == ["La région de l'Extrême-Nord"]
    whole = extract_advisory_text("Le Cameroun est formellement déconseillé, sauf Douala.", "cm2.txt")
    assert whole["level"] == 4


def test_swiss_scale() -> None:
    three = extract_advisory_text("Le DFAE déconseille les voyages touristiques et non urgents au Mali.", "s.txt")
    four = extract_advisory_text("The FDFA advises against travel of any kind to Somalia.", "s2.txt")
    assert (three["level"], three["country"], four["level"], four["country"]) == (3, "ML", 4, "SO")


def test_no_level_when_the_text_gives_none() -> None:
    rec = extract_advisory_text("Demonstrators gathered outside parliament in Nairobi, Kenya on Tuesday.", "n.txt")
    assert rec["level"] is None and rec["indicators"] == ["U"] and rec["country"] == "KE"


def test_advisories_stored_with_history_and_served(client, session) -> None:
    from vedette.intake.models import Document
    from vedette.risk.models import Advisory
    from vedette.risk.service import store_advisory

    docs = []
    for n in range(2):
        d = Document(sha256=str(n) * 64, origin=f"/x/{n}", name=f"{n}.txt", media_type="text/plain", text="t",
                     size_bytes=1)
        session.add(d)
        docs.append(d)
    session.flush()
    rec = {"doc": "0.txt", "country": "ML", "level": 3, "indicators": ["T"], "regions_to_avoid": [],
           "date": "2023-01-01"}
    first = store_advisory(session, rec, document_id=docs[0].id, reason="level 3: reconsider travel")
    again = store_advisory(session, dict(rec), document_id=docs[0].id)
    assert again is not None and again.id == first.id  # same advice again: no new row
    later = store_advisory(session, {**rec, "level": 4, "indicators": ["T", "K"], "date": "2023-07-31"},
                           document_id=docs[1].id)
    assert store_advisory(session, {**rec, "level": None, "country": "NE"}) is None  # no advice given
    session.commit()
    assert later.id != first.id
    assert session.scalar(select(func.count()).select_from(Advisory)) == 2
    assert session.get(Advisory, first.id).level == 3  # history is never rewritten

    current = client.get("/api/advisories", params={"country": "ml"}).json()
    assert [(a["level"], a["indicators"]) for a in current] == [(4, ["T", "K"])]
    hist = client.get("/api/advisories", params={"country": "ML", "history": True}).json()
    assert [a["level"] for a in hist] == [4, 3] and hist[1]["reason"] == "level 3: reconsider travel"
    assert client.get("/api/advisories", params={"country": "NE"}).json() == []
    assert client.get("/api/advisories", params={"country": "MLI"}).status_code == 422


def test_ingest_stores_advice_of_an_advisory(client, corpus: Path, tmp_path: Path) -> None:
    from vedette.intake.service import ingest_items

    (tmp_path / "niger.txt").write_text((DOCS / "niger_conseils.txt").read_text(encoding="utf-8"), "utf-8")
    (tmp_path / "ke.txt").write_text("Demonstrators gathered in Nairobi, Kenya on Tuesday.", encoding="utf-8")
    report = ingest_items([str(tmp_path)])
    assert len(report.added) == 2, report.rejected
    rows = client.get("/api/advisories").json()
    assert [(a["country"], a["level"]) for a in rows] == [("NE", 4)]  # the news story gives no advice
    assert rows[0]["document_id"] is not None and "formellement" in rows[0]["reason"]
