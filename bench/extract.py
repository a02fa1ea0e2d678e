"""Extraction speed: docs/s and words/s over generated ~2 KB documents (EN + FR) and the 62 KB Mali
profile, with, in the same run, a baseline: fr_core_news_sm's NER alone over the same text.

Usage: .venv/bin/python bench/extract.py [--docs 1000] [--rounds 3] [--baseline-docs 300] [--no-baseline]

Each figure is the best of ``--rounds`` passes (as timeit does): the shared machines' speed drifts by a
third from minute to minute, and the best pass is the one least disturbed by neighbours. The baseline
gets the same treatment over its own subset (spaCy is slow: 300 documents by default).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

PROFILE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "05_extremism_profile_mali_2024.txt"

# Synthetic material, written for this benchmark (not corpus text).
PLACES = [
    ("Maiduguri", "Nigeria", "Nigerian"), ("Mogadishu", "Somalia", "Somali"), ("Goma", "DR Congo", "Congolese"),
    ("Djibo", "Burkina Faso", "Burkinabe"), ("Port-au-Prince", "Haiti", "Haitian"), ("Aden", "Yemen", "Yemeni"),
    ("Peshawar", "Pakistan", "Pakistani"), ("Pemba", "Mozambique", "Mozambican"), ("Niamey", "Niger", "Nigerien"),
    ("Mosul", "Iraq", "Iraqi"), ("Kidal", "Mali", "Malian"), ("Bunia", "DR Congo", "Congolese"),
]
EN_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
FR_MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]
EN = [
    "On {d} {m} {y}, unknown gunmen attacked a market in {p}, killing {n} civilians and wounding {k} others.",
    "The {a} army said its troops clashed with insurgents near {p} on {wd} morning.",
    "Protesters blocked the main road into {p} on {d} {m} {y}; police fired tear gas.",
    "Flights to {p} airport were suspended on {m} {d}, {y} after shelling near the runway.",
    "At least {n} aid workers were abducted on the road south of {p} late last month.",
    "Authorities in {c} declared a state of emergency in the {p} area on {d} {m} {y}.",
    "Residents reported heavy gunfire overnight around the central prison of {p} at 23:40.",
    "The embassy advises staff to avoid travel to {p} and to review personal security plans.",
]
FR = [
    "Le {d} {m} {y}, des hommes armés non identifiés ont attaqué un marché à {p}, tuant {n} civils.",
    "L'armée {a} a affirmé avoir neutralisé {n} terroristes lors d'une opération près de {p} mercredi dernier.",
    "Des manifestants ont érigé des barricades à {p} le {d} {m} {y} ; la police a dispersé la foule.",
    "L'aéroport de {p} a été fermé le {d} {m} {y} à 14h30 après des tirs d'obus.",
    "Au moins {n} humanitaires ont été enlevés sur l'axe menant à {p} le mois dernier.",
    "Les autorités ont décrété l'état d'urgence dans la région de {p} le {d} {m} {y}.",
    "Il est recommandé d'éviter tout déplacement vers {p} et de limiter les sorties nocturnes.",
]
WD_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def make_doc(rng: random.Random, lang: str) -> str:
    templates, months = (EN, EN_MONTHS) if lang == "en" else (FR, FR_MONTHS)
    parts: list[str] = []
    y = rng.randint(2012, 2024)
    parts.append(f"{rng.randint(1, 28)} {months[rng.randrange(12)]} {y}\n")
    while sum(len(p) for p in parts) < 2000:
        p, c, a = rng.choice(PLACES)
        para = " ".join(
            rng.choice(templates).format(
                d=rng.randint(1, 28), m=months[rng.randrange(12)], y=y, p=p, c=c, a=a.lower() if lang == "fr" else a,
                n=rng.randint(2, 40), k=rng.randint(1, 20), wd=rng.choice(WD_EN),
            )
            for _ in range(rng.randint(2, 4))
        )
        parts.append(para + "\n\n")
    return "".join(parts)


def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def run_ours(texts: list[str], names: list[str]) -> float:
    from vedette.intake.extract import extract_text

    t = time.perf_counter()
    for text, name in zip(texts, names, strict=True):
        extract_text(text, name)
    return time.perf_counter() - t


def best_of(rounds: int, run: Callable[[], float | None]) -> float | None:
    times = [run() for _ in range(max(1, rounds))]
    return None if any(t is None for t in times) else min(t for t in times if t is not None)


def run_spacy(texts: list[str]) -> float | None:
    try:
        import spacy
    except ImportError:
        return None
    nlp = spacy.load("fr_core_news_sm")
    keep = {"ner"} | ({"tok2vec"} if "tok2vec" in nlp.pipe_names else set())
    disabled = [n for n in nlp.pipe_names if n not in keep]
    nlp.select_pipes(disable=disabled)
    nlp("Chauffe.")
    t = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    return time.perf_counter() - t


def report(label: str, n_docs: int, n_words: int, seconds: float) -> None:
    rate = f"{n_docs / seconds:9.1f} docs/s {n_words / seconds:11.0f} words/s"
    print(f"{label:44} {n_docs:6d} docs {seconds:8.3f} s {rate}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--baseline-docs", type=int, default=300, help="baseline over the first N docs only")
    ap.add_argument("--rounds", type=int, default=3, help="best of this many passes")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    rng = random.Random(7)
    texts = [make_doc(rng, "fr" if i % 3 == 0 else "en") for i in range(args.docs)]
    names = [f"bench_{i:04d}.txt" for i in range(args.docs)]
    print(f"generated {len(texts)} docs, mean {sum(map(len, texts)) / len(texts):.0f} chars, {words(texts)} words")

    from vedette.intake.extract import extract_text

    t = time.perf_counter()
    extract_text("Warm-up: gunmen attacked Goma on 3 May 2023.", "warm.txt")
    print(f"{'warm-up (lexicons, gazetteer load)':44} {time.perf_counter() - t:8.3f} s")

    profile = PROFILE.read_text(encoding="utf-8") if PROFILE.exists() else None
    if profile:  # first, in a process that has not seen the profile's country yet
        report("vedette extract: 62 KB profile (first pass)", 1, words([profile]), run_ours([profile], [PROFILE.name]))
    rounds = args.rounds
    report(f"vedette extract: generated docs (best of {rounds})", len(texts), words(texts),
           best_of(rounds, lambda: run_ours(texts, names)))
    if args.no_baseline:
        return
    sub = texts[: args.baseline_docs] if args.baseline_docs else texts
    s = best_of(min(rounds, 2), lambda: run_spacy(sub))
    if s is None:
        print("baseline: spaCy not installed")
        return
    report(f"baseline fr_core_news_sm NER: docs (best of {min(rounds, 2)})", len(sub), words(sub), s)
    if profile:
        s = run_spacy([profile])
        if s is not None:
            report("baseline fr_core_news_sm NER: 62 KB profile", 1, words([profile]), s)


if __name__ == "__main__":
    main()
