"""Advisory records from real advisories (the corpus, read at test time) and from our own texts."""

from __future__ import annotations

import json
from pathlib import Path

from vedette.risk.advisories import extract_advisory_path, extract_advisory_text

DOCS = Path(__file__).with_name("docs")


def score(gold: list[dict], pred: list[dict]) -> tuple[float, float]:
    by = {p["doc"]: p for p in pred}
    level = sum(by[g["doc"]]["level"] == g["level"] for g in gold) / len(gold)
    tp = fp = fn = 0
    for g in gold:
        gi, pi = set(g["indicators"]), set(by[g["doc"]]["indicators"])
        tp, fp, fn = tp + len(gi & pi), fp + len(pi - gi), fn + len(gi - pi)
    p, r = tp / (tp + fp or 1), tp / (tp + fn or 1)
    return level, (2 * p * r / (p + r) if p + r else 0.0)


def test_corpus_advisories(corpus: Path, capsys) -> None:
    gold = [json.loads(x) for x in (corpus / "advisories.jsonl").read_text().splitlines() if x.strip()]
    pred = [extract_advisory_path(corpus / g["doc"]) for g in gold]
    level, f1 = score(gold, pred)
    with capsys.disabled():
        print(f"\nadvisories (corpus): level accuracy {level:.2f}, indicator F1 {f1:.2f}")
    assert level == 1.0 and f1 >= 0.9
    assert all(p["country"] == "ML" for p in pred)
    embassy = next(p for p in pred if p["doc"].startswith("02_"))
    assert embassy["regions_to_avoid"] == ["northern Mali"]


def test_own_advisories(capsys) -> None:
    gold = [json.loads(x) for x in (DOCS / "expected.jsonl").read_text().splitlines() if x.strip()]
    pred = [extract_advisory_path(DOCS / g["doc"]) for g in gold]
    level, f1 = score(gold, pred)
    with capsys.disabled():
        print(f"advisories (own documents): level accuracy {level:.2f}, indicator F1 {f1:.2f}")
    for g, p in zip(gold, pred, strict=True):
        assert p["country"] == g["country"], (g["doc"], p)
    assert level == 1.0 and f1 >= 0.9


def test_no_level_when_the_text_gives_none() -> None:
    rec = extract_advisory_text("Demonstrators gathered outside parliament in Nairobi, Kenya on Tuesday.", "n.txt")
    assert rec["level"] is None and rec["indicators"] == ["U"] and rec["country"] == "KE"
