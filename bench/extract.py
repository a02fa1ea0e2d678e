"""Extraction speed, in one run on one core: documents/s and words/s over a generated mix shaped like real
intake, the 62 KB profile of the corpus, `vedette extract ONE_FILE --jsonl` in a fresh process, a generated
5 MB report against the mix (seconds per MB), and a baseline measured in the same run: spaCy's
``fr_core_news_sm`` NER alone over the same text.

Usage: .venv/bin/python bench/extract.py [--docs 500] [--rounds 3] [--baseline-docs 200] [--long-mb 5]
       [--long-limit-s 75] [--no-baseline]

The mix: embassy alerts, security providers' flash alerts, news, travel advisories and incident logs, 1-4 KB
each, two thirds English and one third French, written from templates for this bench (never corpus text),
with events, context, background and advice in about the proportions of our hand-written documents (the run
prints incidents per KB for both).

One core: everything runs in one thread (numerical libraries limited to one thread, for the baseline too), and
the figures are the processor time this process spent (``time.process_time``), best of ``--rounds`` passes:
on the shared 2-core machine (load averages of 6 to 16 while six developers work) wall time measures the
neighbours more than the code. Wall times are printed beside them; ``one_file_s`` is wall time, as defined.

Last line: one JSON object with docs_per_s, words_per_s, baseline_words_per_s, profile_s, one_file_s,
long_doc_ratio (the 5 MB report's seconds per MB over the mix's).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, baseline included
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO.parent / "shared" / "corpus" / "05_extremism_profile_mali_2024.txt"

# --- the generated mix (our own words) ------------------------------------------------------------------
# (town, region, country EN, country FR, demonym EN, demonym FR (feminine))
PLACES = [
    ("Maiduguri", "Borno", "Nigeria", "Nigeria", "Nigerian", "nigériane"),
    ("Mogadishu", "Banaadir", "Somalia", "Somalie", "Somali", "somalienne"),
    ("Goma", "North Kivu", "DR Congo", "RD Congo", "Congolese", "congolaise"),
    ("Djibo", "Sahel", "Burkina Faso", "Burkina Faso", "Burkinabe", "burkinabè"),
    ("Port-au-Prince", "Ouest", "Haiti", "Haïti", "Haitian", "haïtienne"),
    ("Aden", "Aden", "Yemen", "Yémen", "Yemeni", "yéménite"),
    ("Peshawar", "Khyber Pakhtunkhwa", "Pakistan", "Pakistan", "Pakistani", "pakistanaise"),
    ("Pemba", "Cabo Delgado", "Mozambique", "Mozambique", "Mozambican", "mozambicaine"),
    ("Niamey", "Niamey", "Niger", "Niger", "Nigerien", "nigérienne"),
    ("Mosul", "Nineveh", "Iraq", "Irak", "Iraqi", "irakienne"),
    ("Bunia", "Ituri", "DR Congo", "RD Congo", "Congolese", "congolaise"),
    ("Garissa", "Garissa", "Kenya", "Kenya", "Kenyan", "kényane"),
    ("Maroua", "Far North", "Cameroon", "Cameroun", "Cameroonian", "camerounaise"),
    ("Bangui", "Bangui", "Central African Republic", "Centrafrique", "Central African", "centrafricaine"),
    ("Tripoli", "Tripoli", "Libya", "Libye", "Libyan", "libyenne"),
    ("Dhaka", "Dhaka", "Bangladesh", "Bangladesh", "Bangladeshi", "bangladaise"),
]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre",
             "novembre", "décembre"]
EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

EN_EVENTS = [
    "On {date}, unidentified gunmen attacked a market in {town}, killing {n} civilians and wounding "
    "{k} others.",
    "The {dem} army said its troops clashed with insurgents near {town} on {wd} morning.",
    "Protesters blocked the main road into {town} on {date}; police fired tear gas to disperse the crowd.",
    "Flights to {town} airport were suspended on {date} after shelling near the runway.",
    "At least {n} aid workers were abducted on the road south of {town} late last month.",
    "Authorities declared a state of emergency across {region} on {date} after days of unrest.",
    "Residents reported heavy gunfire overnight around the central prison of {town} at {hh}:{mm}.",
    "A roadside bomb struck a military convoy outside {town} on {wd}, killing {n} soldiers.",
    "Armed men stormed a village in {region} on {date} and set fire to dozens of homes.",
    "Heavy rains caused flooding in parts of {town} on {date}; {n} people died and thousands were displaced.",
    "Police arrested {k} suspects after a bank robbery in central {town} on {wd} afternoon.",
    "A cholera outbreak has been confirmed in {region}, with {n} deaths reported since {month}.",
    "Thousands marched through {town} on {date} to demand the release of detained opposition leaders.",
    "Drone strikes hit positions held by armed groups near {town} on {date}, local sources said.",
]
EN_CONTEXT = [
    "The situation remains tense and further incidents cannot be ruled out.",
    "Local officials said the security forces had been reinforced in the area.",
    "The road between {town} and the regional capital remains closed to traffic.",
    "Humanitarian organisations have suspended movements in {region} until further notice.",
    "No group has claimed responsibility so far.",
    "Mobile phone networks were cut in several districts for most of the day.",
]
EN_BACKGROUND = [
    "{region} has seen a gradual rise in insecurity over the past two years, linked to competition "
    "over land and "
    "trade routes.",
    "Security forces maintain checkpoints on the main roads leading out of {town}, and delays are common.",
    "The rainy season usually makes secondary roads in {region} impassable for several weeks.",
    "Local and international organisations continue to deliver assistance in the region despite "
    "access constraints.",
    "Negotiations between community leaders and the authorities have resumed, according to local media.",
    "The {dem} government has announced additional funding for reconstruction and social services in "
    "{region}.",
    "Travellers should expect a visible police presence around markets, banks and government "
    "buildings in {town}.",
]
EN_ASSISTANCE = (
    "Assistance:\nEmbassy consular section, {town}\nTelephone: +000 20 000 0000 (24 hours)\n"
    "Email: consular@example.org\nFollow the embassy on social media for updates.\n\n"
)
EN_ADVICE = [
    "Avoid the area and follow the instructions of local authorities.",
    "Monitor local media for updates and keep a low profile.",
    "Review your personal security plans and keep travel documents up to date.",
    "Do not attempt to cross roadblocks or demonstrations.",
]
FR_EVENTS = [
    "Le {date}, des hommes armés non identifiés ont attaqué un marché à {town}, tuant {n} civils.",
    "L'armée {dem} a affirmé avoir neutralisé {n} terroristes lors d'une opération près de {town} "
    "{wd} dernier.",
    "Des manifestants ont érigé des barricades à {town} le {date} ; la police a dispersé la foule.",
    "L'aéroport de {town} a été fermé le {date} à {hh}h{mm} après des tirs d'obus.",
    "Au moins {n} humanitaires ont été enlevés sur l'axe menant à {town} le mois dernier.",
    "Les autorités ont décrété l'état d'urgence dans la région de {region} le {date}.",
    "Un engin explosif improvisé a visé un convoi militaire à la sortie de {town} le {date}, faisant "
    "{n} morts.",
    "Des pluies diluviennes ont provoqué des inondations à {town} le {date} ; {n} personnes ont péri.",
    "Des coups de feu nourris ont été entendus toute la nuit autour de la prison centrale de {town}.",
    "Une épidémie de choléra a été déclarée dans la région de {region}, avec {n} décès depuis {month}.",
]
FR_CONTEXT = [
    "La situation reste tendue et de nouveaux incidents ne sont pas exclus.",
    "Les forces de sécurité ont été renforcées dans la zone, selon une source locale.",
    "L'axe reliant {town} au chef-lieu de la région reste fermé à la circulation.",
    "Aucun groupe n'a revendiqué l'attaque pour l'instant.",
]
FR_BACKGROUND = [
    "La région de {region} connaît une dégradation progressive de la situation sécuritaire depuis "
    "deux ans, liée "
    "notamment aux conflits fonciers.",
    "Les forces de sécurité maintiennent des points de contrôle sur les principaux axes au départ de {town}.",
    "La saison des pluies rend souvent les routes secondaires de la région impraticables pendant "
    "plusieurs semaines.",
    "Les organisations humanitaires poursuivent leurs activités malgré des contraintes d'accès importantes.",
    "Des discussions entre les autorités locales et les chefs communautaires ont repris, selon la "
    "presse locale.",
    "Une présence policière renforcée est à prévoir aux abords des marchés, des banques et des "
    "bâtiments publics.",
]
FR_ASSISTANCE = (
    "Contacts utiles :\nSection consulaire, {town}\nTéléphone : +000 20 000 0000 (24 h/24)\n"
    "Courriel : consulat@example.org\nInscrivez-vous sur le registre des Français établis hors de France.\n\n"
)
FR_ADVICE = [
    "Il est recommandé d'éviter tout déplacement vers {town} et de limiter les sorties nocturnes.",
    "Suivez les consignes des autorités locales et tenez-vous informés par les médias.",
    "Évitez les rassemblements et les abords des bâtiments officiels.",
]


class Writer:
    """One document's words: a place, a year and the language's templates."""

    def __init__(self, rng: random.Random, lang: str) -> None:
        self.rng, self.lang = rng, lang
        self.place = rng.choice(PLACES)
        self.year = rng.randint(2015, 2025)
        self.month = rng.randrange(12)
        self.day = rng.randint(1, 28)

    def fill(self, template: str) -> str:
        rng, fr = self.rng, self.lang == "fr"
        town, region, country_en, country_fr, dem_en, dem_fr = self.place
        months = FR_MONTHS if fr else EN_MONTHS
        day = rng.randint(1, 28)
        date = f"{day} {months[self.month]} {self.year}" if fr or rng.random() < 0.5 else (
            f"{months[self.month]} {day}, {self.year}")
        return template.format(
            date=date, town=town, region=region, dem=dem_fr if fr else dem_en, n=rng.randint(2, 40),
            k=rng.randint(1, 20), wd=rng.choice(FR_DAYS if fr else EN_DAYS), month=months[self.month],
            hh=f"{rng.randint(0, 23):02d}", mm=f"{rng.choice([0, 15, 30, 40, 45]):02d}",
        )

    def events(self, n: int) -> str:
        pool = FR_EVENTS if self.lang == "fr" else EN_EVENTS
        return " ".join(self.fill(self.rng.choice(pool)) for _ in range(n))

    def context(self) -> str:
        return self.fill(self.rng.choice(FR_CONTEXT if self.lang == "fr" else EN_CONTEXT))

    def background(self, n: int = 1) -> str:
        pool = FR_BACKGROUND if self.lang == "fr" else EN_BACKGROUND
        return " ".join(self.fill(self.rng.choice(pool)) for _ in range(n))

    def assistance(self) -> str:
        return self.fill(FR_ASSISTANCE if self.lang == "fr" else EN_ASSISTANCE)

    def advice(self) -> str:
        return self.fill(self.rng.choice(FR_ADVICE if self.lang == "fr" else EN_ADVICE))

    def dated(self) -> str:
        months = FR_MONTHS if self.lang == "fr" else EN_MONTHS
        return f"{self.day} {months[self.month]} {self.year}"


def embassy(w: Writer) -> tuple[str, Callable[[], str]]:
    town, _, country_en, country_fr, *_ = w.place
    def block(label: str, advice_label: str) -> str:
        extra = w.assistance() if w.rng.random() < 0.3 else ""
        return (f"{label}{w.events(1)} {w.context()} {w.background()}\n\n"
                f"{advice_label}{w.advice()} {w.advice()}\n\n{extra}")

    if w.lang == "fr":
        head = (f"Message de sécurité – Ambassade de France au {country_fr}\n{w.dated()}\n\n"
                f"Lieu : {town}\n\n")
        return head, lambda: block("Événement : ", "")
    head = f"Security Alert – Embassy in {town}, {country_en}\n{w.dated()}\n\nLocation: {town}\n\n"
    return head, lambda: block("Event: ", "Actions to take: ")


def provider(w: Writer) -> tuple[str, Callable[[], str]]:
    town, region, country_en, country_fr, *_ = w.place
    country = country_fr if w.lang == "fr" else country_en
    head = f"{'ALERTE' if w.lang == 'fr' else 'FLASH ALERT'} – {country.upper()}\n{w.dated()}\n\n"

    def entry() -> str:
        stamp = f"{w.rng.randint(0, 23):02d}{'h' if w.lang == 'fr' else ':'}{w.rng.randint(0, 59):02d}"
        return f"{stamp} – {town.upper()} ({region}) – {w.events(1)} {w.context()} {w.background()}\n\n"

    return head, entry


def news(w: Writer) -> tuple[str, Callable[[], str]]:
    town, *_ = w.place
    lead = f"{town.upper()}, {w.dated()} – "
    state = {"first": True}

    def para() -> str:
        text = w.events(1) + " " + w.context() + " " + w.background(w.rng.randint(1, 2))
        if state.pop("first", False):
            text = lead + text
        return text + "\n\n"

    title = "Violences meurtrières" if w.lang == "fr" else "Deadly violence"
    return f"{title} near {town}\n\n" if w.lang == "en" else f"{title} près de {town}\n\n", para


def advisory(w: Writer) -> tuple[str, Callable[[], str]]:
    _, region, country_en, country_fr, *_ = w.place
    if w.lang == "fr":
        head = f"Conseils aux voyageurs – {country_fr}\nMis à jour le {w.dated()}\n\n"
        return head, lambda: (f"Région de {region} : formellement déconseillée. {w.background()} "
                              f"{w.events(1)} "
                              f"{w.advice()}\n\n")
    head = f"{country_en} Travel Advisory – Level 3: Reconsider Travel\nUpdated {w.dated()}\n\n"
    return head, lambda: (f"Do not travel to {region} due to crime and terrorism. {w.background()} "
                          f"{w.events(1)} "
                          f"{w.advice()}\n\n")


def log(w: Writer) -> tuple[str, Callable[[], str]]:
    town, region, *_ = w.place
    head = ("Journal des incidents\n\n" if w.lang == "fr" else "Incident log\n\n")
    months = FR_MONTHS if w.lang == "fr" else EN_MONTHS

    def line() -> str:
        day = f"{w.rng.randint(1, 28)} {months[w.month]}"
        return f"{day} – {town} ({region}): {w.events(1)} {w.context()}\n"

    return head, line


KINDS = (embassy, provider, news, advisory, log)


def make_doc(rng: random.Random, lang: str, kind: Callable | None = None) -> str:
    w = Writer(rng, lang)
    head, unit = (kind or rng.choice(KINDS))(w)
    target = rng.randint(1000, 4000)
    parts = [head]
    size = len(head)
    while size < 1000 or size < target:
        piece = unit()
        if size + len(piece) > 3900:
            if size >= 1000:
                break
            piece = piece[: 3900 - size]
        parts.append(piece)
        size += len(piece)
    return "".join(parts)


def make_mix(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [make_doc(rng, "fr" if i % 3 == 2 else "en") for i in range(n)]


def make_long_report(megabytes: float, seed: int = 11) -> str:
    """A long English report made of many ordinary paragraphs (news paragraphs of several places)."""
    rng = random.Random(seed)
    parts = ["Annual security review\n\n"]
    size = 0
    while size < megabytes * 1_000_000:
        w = Writer(rng, "en")
        para = f"{w.events(rng.randint(1, 3))} {w.context()} {w.background(rng.randint(1, 2))}\n\n"
        parts.append(para)
        size += len(para)
    return "".join(parts)


# --- measuring ------------------------------------------------------------------------------------------
class Timing:
    """Processor time and wall time of one pass (the figures are processor time: see the module's doc)."""

    def __init__(self, cpu: float, wall: float, found: int = 0) -> None:
        self.cpu, self.wall, self.found = cpu, wall, found


def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def run_ours(texts: list[str], names: list[str], timeout_s: float = 0) -> Timing:
    from vedette.intake.extract import extract_text

    found = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for text, name in zip(texts, names, strict=True):
        found += len(extract_text(text, name, timeout_s=timeout_s))
    return Timing(time.process_time() - cpu, time.perf_counter() - wall, found)


def best_of(rounds: int, run: Callable[[], Timing | None]) -> Timing | None:
    """The least processor time and the least wall time over ``rounds`` passes (as timeit does)."""
    runs = [run() for _ in range(max(1, rounds))]
    if any(r is None for r in runs):
        return None
    return Timing(min(r.cpu for r in runs), min(r.wall for r in runs), runs[-1].found)


def run_spacy(texts: list[str]) -> Timing | None:
    try:
        import spacy
    except ImportError:
        return None
    try:
        nlp = spacy.load("fr_core_news_sm")
    except OSError:  # the model package is not installed
        return None
    keep = {"ner"} | ({"tok2vec"} if "tok2vec" in nlp.pipe_names else set())
    nlp.select_pipes(disable=[n for n in nlp.pipe_names if n not in keep])
    nlp("Chauffe.")
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    return Timing(time.process_time() - cpu, time.perf_counter() - wall)


def one_file_s(text: str, rounds: int = 3) -> tuple[float, float]:
    """Wall time of `vedette extract ONE_FILE --jsonl` in a fresh process (interpreter start-up included),
    best of ``rounds``, and the processor time of that process."""
    import resource

    exe = Path(sys.executable).with_name("vedette")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "vedette.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "alert_one_file.txt"
        path.write_text(text, encoding="utf-8")
        best = (float("inf"), float("inf"))
        for _ in range(rounds):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            run = subprocess.run([*cmd, "extract", str(path), "--jsonl"], capture_output=True, check=False)
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            if run.returncode != 0:
                raise SystemExit(f"vedette extract failed: {run.stderr.decode(errors='replace')}")
            best = (min(best[0], wall), min(best[1], cpu))
    return best


def report(label: str, n_docs: int, n_words: int, t: Timing) -> None:
    print(f"{label:44} {n_docs:5d} docs  cpu {t.cpu:7.3f} s {n_docs / t.cpu:7.1f} docs/s "
          f"{n_words / t.cpu:8.0f} words/s | wall {t.wall:7.3f} s {n_docs / t.wall:7.1f} docs/s", flush=True)


def held_out_density() -> float | None:
    """Incidents per KB that our hand-written documents give (their frozen records over their sizes)."""
    expected = REPO / "tests" / "extraction" / "expected"
    records = size = 0
    for folder, texts in (("docs", REPO / "tests" / "extraction" / "docs"),
                          ("heldout", REPO / "tests" / "extraction" / "heldout")):
        for text in texts.rglob("*.txt"):
            frozen = expected / folder / text.relative_to(texts).with_suffix(".jsonl")
            if frozen.exists():
                records += frozen.read_text(encoding="utf-8").count("\n")
                size += text.stat().st_size
    return records / (size / 1000) if size else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--baseline-docs", type=int, default=200, help="baseline over the first N docs only")
    ap.add_argument("--rounds", type=int, default=3, help="best of this many passes")
    ap.add_argument("--long-mb", type=float, default=5.0, help="size of the long report")
    ap.add_argument("--long-limit-s", type=float, default=75.0,
                    help="stop the long report after this long (its ratio is then a lower bound)")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()

    texts = make_mix(args.docs)
    names = [f"bench_{i:04d}.txt" for i in range(args.docs)]
    mix_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    mean = sum(map(len, texts)) / len(texts)
    print(f"generated {len(texts)} docs ({len(KINDS)} kinds, 1/3 French), mean {mean:.0f}"
          f" chars, {words(texts)} words, {mix_mb:.2f} MB; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")

    one, one_cpu = one_file_s(texts[0])  # first, while this process has loaded nothing
    print(f"{'vedette extract ONE_FILE --jsonl':44} fresh process, best of 3: wall {one:.3f} s, "
          f"cpu {one_cpu:.3f} s")

    from vedette.intake.extract import ExtractionTimedOut, extract_text

    t = time.perf_counter()
    extract_text("Warm-up: gunmen attacked Goma on 3 May 2023.", "warm.txt")
    print(f"{'warm-up (lexicons, gazetteer load)':44} wall {time.perf_counter() - t:.3f} s")

    profile_t = None
    if PROFILE.exists():  # first, in a process that has not seen the profile's country yet
        profile = PROFILE.read_text(encoding="utf-8")
        profile_t = run_ours([profile], [PROFILE.name])
        report("62 KB profile (first pass)", 1, words([profile]), profile_t)
        again = best_of(3, lambda: run_ours([profile], [PROFILE.name]))
        report("62 KB profile (best of 3)", 1, words([profile]), again)
    else:
        print(f"profile: {PROFILE} is missing (../shared/corpus); profile_s is null")

    mix = best_of(args.rounds, lambda: run_ours(texts, names))
    report(f"mix (best of {args.rounds})", len(texts), words(texts), mix)
    density = held_out_density()
    print(f"{'mix incidents per KB':44} {mix.found / (mix_mb * 1000):.2f} (our own and held-out documents: "
          f"{'n/a' if density is None else f'{density:.2f}'})")

    long_text = make_long_report(args.long_mb)
    long_mb = len(long_text.encode("utf-8")) / 1e6
    wall, cpu = time.perf_counter(), time.process_time()
    finished = True
    try:
        extract_text(long_text, "long_report.txt", timeout_s=args.long_limit_s)
    except ExtractionTimedOut:
        finished = False
    long = Timing(time.process_time() - cpu, time.perf_counter() - wall)
    ratio = (long.cpu / long_mb) / (mix.cpu / mix_mb)
    note = "" if finished else f" (stopped at {args.long_limit_s:g} s wall: the ratio is a lower bound)"
    print(f"{'long report':44} {long_mb:5.2f} MB  cpu {long.cpu:7.3f} s {long.cpu / long_mb:7.3f} s/MB; mix "
          f"{mix.cpu / mix_mb:.3f} s/MB; ratio {ratio:.2f} | wall {long.wall:.3f} s{note}")

    baseline = None
    if not args.no_baseline:
        sub = texts[: args.baseline_docs] if args.baseline_docs else texts
        s = best_of(min(args.rounds, 2), lambda: run_spacy(sub))
        if s is None:
            print("baseline: spaCy or its fr_core_news_sm model is not installed")
        else:
            report(f"baseline fr_core_news_sm NER (best of {min(args.rounds, 2)})", len(sub), words(sub), s)
            baseline = words(sub) / s.cpu

    print(json.dumps({
        "docs_per_s": round(len(texts) / mix.cpu, 1),
        "words_per_s": round(words(texts) / mix.cpu),
        "baseline_words_per_s": None if baseline is None else round(baseline),
        "profile_s": None if profile_t is None else round(profile_t.cpu, 3),
        "one_file_s": round(one, 3),
        "long_doc_ratio": round(ratio, 2),
    }))


if __name__ == "__main__":
    main()
