"""Ingest speed: 2,000 generated ~2 KB documents (half plain text, half HTML, English and French)
into a fresh SQLite store, batched as the product does, against a baseline of one transaction per
document measured in the same run. The extraction hook is off: this measures intake alone.

    .venv/bin/python bench/ingest.py [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

EN = ("Protesters gathered near the central market on {d} and police closed two roads leading to the "
      "ministry. Shops stayed shut and several vehicles were damaged. Travellers should expect delays at "
      "checkpoints on the northern approach to the city, where soldiers searched cars until late evening. ")
FR = ("Des manifestants se sont rassemblés près du marché central le {d} et la police a fermé deux routes "
      "menant au ministère. Les commerces sont restés fermés et plusieurs véhicules ont été endommagés. "
      "Les voyageurs doivent s'attendre à des retards aux points de contrôle au nord de la ville. ")


def make_docs(folder: Path, n: int) -> tuple[list[str], list[str]]:
    rnd = random.Random(7)
    text, html = [], []
    for i in range(n):
        body = (EN if i % 4 < 2 else FR).format(d=f"day {i}")
        body = body * 6 + f" Ref {i}-{rnd.random():.6f}."
        if i % 2 == 0:
            p = folder / "text" / f"doc{i:05d}.txt"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(body[-2048:], encoding="utf-8")
            text.append(str(p))
        else:
            paras = "".join(f"<p>{s.strip()}.</p>" for s in body[-1800:].split(". ") if s.strip())
            page = (f"<!doctype html><html><head><title>Report {i}</title></head><body><nav>Home | News</nav>"
                    f"<article><h1>Report {i}</h1>{paras}</article><footer>Demo</footer></body></html>")
            p = folder / "html" / f"doc{i:05d}.html"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(page, encoding="utf-8")
            html.append(str(p))
    return text, html


def fresh_store(root: Path, name: str) -> str:
    from vedette.store.migrate import upgrade

    url = f"sqlite:///{root / name}"
    upgrade(url)
    return url


def run_batched(url: str, items: list[str]) -> float:
    from vedette.intake.service import ingest_items
    from vedette.store.db import session_factory

    t = time.perf_counter()
    report = ingest_items(items, session_factory=session_factory(url), run_hooks=False)
    dt = time.perf_counter() - t
    assert len(report.added) == len(items), (len(report.added), report.rejected[:3])
    return len(items) / dt


def run_baseline(url: str, items: list[str]) -> float:
    """One transaction (and one read) per document: the naive way."""
    from vedette.intake.service import IngestReport, _prepare_path, store_prepared
    from vedette.store.db import session_factory

    factory = session_factory(url)
    t = time.perf_counter()
    report = IngestReport()
    for item in items:
        prepared = _prepare_path(Path(item), str(Path(item).parent))
        with factory.begin() as s:
            store_prepared(s, [prepared], report, run_hooks=False)
    dt = time.perf_counter() - t
    assert len(report.added) == len(items)
    return len(items) / dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["VEDETTE_VAR_DIR"] = str(root / "var")
        text, html = make_docs(root / "docs", args.n)
        from vedette.intake.language import detect_language

        detect_language("warm up the language model once, as a running server would")
        results = {}
        for label, items in (("text", text), ("html", html)):
            results[label] = (
                run_batched(fresh_store(root, f"b-{label}.sqlite"), items),
                run_baseline(fresh_store(root, f"n-{label}.sqlite"), items),
            )
        size = sum(Path(p).stat().st_size for p in text + html) / len(text + html)
        print(f"ingest: {args.n} documents, mean {size / 1024:.1f} KB, fresh migrated SQLite store, one process")
        print("document hooks disabled (extraction not run): this measures intake alone")
        print(f"{'kind':6} {'docs/s (batched)':>18} {'baseline docs/s (1 txn/doc)':>29} {'goal':>8}")
        for label, goal in (("text", 500), ("html", 150)):
            fast, base = results[label]
            flag = "ok" if fast >= goal else "BELOW GOAL"
            print(f"{label:6} {fast:18.0f} {base:29.0f} {goal:>8}  {flag}")
        figures = {
            "text_docs_per_s": round(results["text"][0], 1),
            "html_docs_per_s": round(results["html"][0], 1),
            "baseline_text_docs_per_s": round(results["text"][1], 1),
            "baseline_html_docs_per_s": round(results["html"][1], 1),
        }
        print(json.dumps(figures))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
