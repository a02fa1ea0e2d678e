"""The runtime gazetteer: name lookup, context-aware ranking, mention finding, zones, reverse lookup.

Data lives in one read-only SQLite file (see ``build.py``); lookups are indexed queries cached in
memory, so opening costs milliseconds and repeated resolutions are dictionary hits.

Ranking (``_score``), all terms added then squashed into [0, 1]:

==========================  =====================================================================
term                        weight
==========================  =====================================================================
kind                        country 0.9, zone 0.6, admin-1 0.45, city 0.3, locality 0.3, airport 0.1
population (cities)         0.35 * log10(pop + 1) / 7
primary name (not alias)    +0.05
country context             +0.8 * weight of the candidate's country in the document (0..1)
admin-1 context             +0.25 when the candidate lies in an admin-1 named nearby
proximity                   +0.25 when within 150 km of another place the text names
hint "region"               admin-1 +0.7; "airport": airport +1.0; "town": city +0.3;
                            "river": countries excluded
==========================  =====================================================================

Small places far from any context are refused (score below ``MIN_SCORE``) rather than guessed.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from vedette.gazetteer.text import fold

DATA = Path(__file__).with_name("data")
MIN_SCORE = 0.25
GRID = 0.5  # degrees per reverse-lookup grid cell
FINE = 0.025  # degrees per cell of the reverse-lookup candidate cache
KM_PER_DEGREE = 6371.0 * math.pi / 180
DEG = math.pi / 180
BORDER_CHECK_KM = 10.0  # beyond this, reverse lookups confirm the country with the country polygons
KIND_WEIGHT = {
    "country": 0.9,
    "zone": 0.6,
    "admin1": 0.45,
    "city": 0.3,
    "locality": 0.3,
    "airport": 0.1,
    "custom": 0.5,
}
DIRECTIONS = {
    "north": (1, 0),
    "south": (-1, 0),
    "east": (0, 1),
    "west": (0, -1),
    "central": (0, 0),
    "centre": (0, 0),
    "center": (0, 0),
    "northeast": (1, 1),
    "northwest": (1, -1),
    "southeast": (-1, 1),
    "southwest": (-1, -1),
    "nord": (1, 0),
    "sud": (-1, 0),
    "est": (0, 1),
    "ouest": (0, -1),
    "nord est": (1, 1),
    "nord ouest": (1, -1),
    "sud est": (-1, 1),
    "sud ouest": (-1, -1),
}
_DIR_WORD = (
    r"(?:north|south|east|west|central|centre|center|north[- ]?east|north[- ]?west|south[- ]?east|"
    r"south[- ]?west)"
)
_CAP = r"[A-ZÀ-ÖØ-Þ][\w’'\-]*"
_SP = r"[ \t\u00a0]+"  # names never run across a line break ("Kathmandu, Nepal\n\nDemonstration Alert")
# an Arabic article joined to the next word: "Deir ez-Zor", "Sharm el-Sheikh", "Ras al-Ain"
_JOINED = r"(?:al|el|ez|es|ad|ar|as|at|az|an|ed|er|ash|ech|ach|ul|ud|ur|e)-"
_NAME = (
    rf"{_CAP}(?:(?:{_SP}(?:(?:de|du|des|la|le|al|el|of|the|da|do|di|sur){_SP}){{0,2}}|{_SP}[dl]['’]|{_SP}{_JOINED})"
    rf"{_CAP}){{0,4}}"
)
ZONE_PATTERNS = [
    re.compile(rf"\b(?P<dir>{_DIR_WORD})(?:ern)?\s+(?P<base>{_NAME})"),
    re.compile(rf"\b[Tt]he\s+(?P<dir>{_DIR_WORD})\s+of\s+(?:the\s+)?(?P<base>{_NAME})"),
    re.compile(
        r"\b(?:le\s+|la\s+)?(?P<dir>nord|sud|est|ouest|centre|nord[- ]est|nord[- ]ouest|sud[- ]est|"
        rf"sud[- ]ouest)\s+(?:du|de\s+la|de\s+l['’]|de|des)\s*(?P<base>{_NAME})"
    ),
]
REGION_PATTERNS = [
    re.compile(
        rf"\b(?P<base>{_NAME})\s+(?:[Rr]egion|[Pp]rovince|[Ss]tate|[Gg]overnorate|[Dd]epartment|"
        rf"[Dd]istrict|[Cc]ircle|[Cc]ercle)\b"
    ),
    re.compile(
        rf"\b(?:[Rr]égion|[Pp]rovince|[Gg]ouvernorat|[Dd]épartement|[Cc]ercle|[Ww]ilaya)\s+"
        rf"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’])(?P<base>{_NAME})"
    ),
]
AIRPORT_PATTERNS = [
    re.compile(rf"\b(?P<base>{_NAME})(?:\s+[Ii]nternational)?\s+[Aa]irport\b"),
    re.compile(rf"\b[Aa]éroport(?:\s+international)?\s+(?:de\s+|d['’])(?P<base>{_NAME})"),
]
RIVER_PATTERNS = [
    re.compile(rf"\b(?:the\s+)?(?P<base>{_NAME})\s+[Rr]iver\b"),
    re.compile(rf"\b(?:fleuve|rivière)\s+(?P<base>{_NAME})"),
]
# runs of capitalised words for name matching also span "and"/"et" ("Trinidad and Tobago", "Bosnia and
# Herzegovina"); a run such as "Mali and Niger" still yields both names, since "and" is a function word
_RUN_NAME = (
    rf"{_CAP}(?:(?:{_SP}(?:(?:de|du|des|la|le|al|el|of|the|da|do|di|sur|and|et|ech|ach|ash|ad|an|as|at|az|ez|es|er|ed)"
    rf"{_SP}){{0,2}}|{_SP}[dl]['’]|{_SP}{_JOINED}){_CAP}){{0,4}}"
)
_CAP_RUN = re.compile(rf"(?<![\w\-’'])(?:{_RUN_NAME})")
_ABBREVIATIONS = (("saint ", "st "), ("sainte ", "ste "), ("mount ", "mt "), ("fort ", "ft "), ("port ", "pt "))


def _expand_abbreviation(key: str) -> str:
    for full, short in _ABBREVIATIONS:
        if key.startswith(short):
            return full + key[len(short):]
    return key


def _abbreviate(key: str) -> str:
    for full, short in _ABBREVIATIONS:
        if key.startswith(full):
            return short + key[len(full):]
    return key


_INSTITUTION = frozenset(
    ["police", "army", "government", "ministry", "embassy", "forces", "military", "authorities", "president",
     "parliament", "airways", "airlines", "red", "national", "armed", "gendarmerie", "armee", "navy", "air"]
)
_FUNCTION = frozenset(
    [
        "the",
        "in",
        "on",
        "at",
        "of",
        "a",
        "an",
        "le",
        "la",
        "les",
        "du",
        "de",
        "des",
        "en",
        "au",
        "aux",
        "from",
        "to",
        "for",
        "by",
        "with",
        "and",
        "et",
        "since",
        "after",
        "before",
        "during",
        "near",
        "north",
        "south",
        "east",
        "west",
        "central",
        "nord",
        "sud",
        "est",
        "ouest",
        "centre",
        "northern",
        "southern",
        "eastern",
        "western",
    ]
)
_TOKEN = re.compile(r"[\w’'\-]+")
_ADMIN_WORDS = frozenset(
    ["county", "district", "province", "region", "state", "governorate", "department", "prefecture"]
)


_ARTICLE = re.compile(r"\b(?:al|el|ash|ech|ad|ed|ar|er|as|es|at|et|az|ez|an|en|ad-|a)[\s\-]+")


def skeleton(name: str) -> str:
    """The consonants of a name without Arabic articles, vowels and y (on which transliterations disagree):
    "Bir al-Abed" -> "brbd", "Sheikh Zuweid" -> "shkhzwd". Doubled letters count once."""
    low = _ARTICLE.sub(" ", fold(name).replace("'", "").replace("‘", "").replace("’", ""))
    out = re.sub(r"[^bcdfghjklmnpqrstvwxz]", "", low)
    return re.sub(r"(.)\1+", r"\1", out)


@lru_cache(maxsize=1)
def _country_acronyms() -> frozenset[str]:
    """Country names that are acronyms ("CAR", "DRC", "RCA"): they name a country only in capitals."""
    out = set()
    for line in (DATA / "country_aliases.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "\t" in line:
            out |= {fold(a) for a in line.split("\t")[1].split("|") if a.isupper() and len(a) <= 5}
    return frozenset(out)


def _heading_name(text: str, at: int, surface: str) -> bool:
    """A town written in capitals on a short heading line of a log: "[15/04/2025 - 18:45] MAROUA (Diamaré)",
    "14 June 2024 - LAMU COUNTY - IED on the Witu road"; a longer line in capitals is shouting, not a heading."""
    if len(surface) < 4:
        return False
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start : end if end >= 0 else len(text)]
    return len(line.split()) <= 12 and any(c.islower() for c in line) or len(line.split()) <= 4


@dataclass(frozen=True)
class PlaceMatch:
    id: str
    name: str
    kind: str
    country: str | None
    admin1: str | None
    lat: float
    lon: float
    population: int
    score: float
    why: str

    def as_dict(self) -> dict:
        return {**asdict(self), "score": round(self.score, 3)}


@dataclass
class ResolveContext:
    countries: dict[str, float] = field(default_factory=dict)
    admin1: set[str] = field(default_factory=set)
    near: list[tuple[float, float]] = field(default_factory=list)
    hint: str | None = None
    lang: str | None = None

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, "_key", None)  # fields are replaced, never mutated in place: the key is kept
        object.__setattr__(self, name, value)

    def key(self) -> tuple:
        k = self.__dict__.get("_key")
        if k is None:
            k = (
                tuple(sorted(self.countries.items())),
                tuple(sorted(self.admin1)),
                tuple((round(a, 1), round(b, 1)) for a, b in self.near[:8]),
                self.hint,
            )
            object.__setattr__(self, "_key", k)
        return k


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    surface: str
    kinds: frozenset[str] = frozenset()
    base: str | None = None  # the place name inside a pattern ("Gao" in "Gao region")
    direction: str | None = None


@dataclass(frozen=True)
class _Row:
    pid: int
    gid: str
    name: str
    kind: str
    country: str | None
    admin1: str | None
    lat: float
    lon: float
    population: int
    exact: bool


def _ring_cells(ci: int, cj: int, ring: int) -> Iterator[tuple[int, int]]:
    """The grid cells on the perimeter of the square ``ring`` cells out from (ci, cj)."""
    if ring == 0:
        yield ci, cj
        return
    for dj in range(-ring, ring + 1):
        yield ci - ring, cj + dj
        yield ci + ring, cj + dj
    for di in range(-ring + 1, ring):
        yield ci + di, cj - ring
        yield ci + di, cj + ring


def _near_any(lat: float, lon: float, points: list[tuple[float, float]], km: float) -> bool:
    """Whether any of ``points`` lies within ``km`` (a latitude test first: most are far away)."""
    dlat = km / 111.0
    return any(abs(lat - a) < dlat and haversine_km(lat, lon, a, b) < km for a, b in points)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def data_path() -> Path:
    """The built gazetteer file (``datafile.py``: cached per machine, built when its inputs change)."""
    from vedette.gazetteer.datafile import data_path as built

    return built()


class NameKeys:
    """The set of name keys, answered by indexed lookups instead of loading half a million strings at start.

    ``key in keys`` is what extraction asks, thousands of times a document but mostly the same few keys:
    each answer is cached. A short form ("st james") is in the set when its long form ("saint james") is.
    Iterating (fuzzy matching only) loads the whole set once.
    """

    __slots__ = ("_gaz", "_known", "_all")

    def __init__(self, gaz: Gazetteer) -> None:
        self._gaz = gaz
        self._known: dict[str, bool] = {}
        self._all: frozenset[str] | None = None

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        hit = self._known.get(key)
        if hit is None:
            full = _expand_abbreviation(key)
            hit = self._gaz._has_key(key) or (full != key and self._gaz._has_key(full))
            if len(self._known) > 500_000:
                self._known.clear()
            self._known[key] = hit
        return hit

    def _materialised(self) -> frozenset[str]:
        if self._all is None:
            self._all = self._gaz._all_keys()
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._materialised())

    def __len__(self) -> int:
        return len(self._materialised())


class Gazetteer:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_path()
        self._db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._keys: NameKeys | None = None
        self._lookup = lru_cache(maxsize=100_000)(self._lookup_uncached)
        self._cache: dict[tuple, PlaceMatch | None] = {}
        self._admin1_fr: dict[tuple[str, str], str] | None = None
        self._skeletons: dict[str, dict[str, tuple[str, int]]] = {}
        self._demonyms: dict[str, str] | None = None
        self._grid: dict[tuple[int, int], list[int]] | None = None
        self._near_cells: dict[tuple[int, int], object] = {}
        self._by_country: dict | None = None
        self._fine: dict[tuple[int, int], list[tuple[int, float, float, tuple]]] = {}
        self._bbox: dict[str, tuple[float, float, float, float]] = {}
        self.extra: list[_Row] = []  # places overlaid from the store (loaded GeoNames rows, custom places)
        self._extra_keys: dict[str, list[_Row]] = {}

    # --- raw lookups -------------------------------------------------------------------------
    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _lookup_uncached(self, key: str) -> tuple[_Row, ...]:
        rows = self._query(
            "SELECT p.id, p.gid, p.name, p.kind, p.country, p.admin1, p.lat, p.lon, p.population, n.exact "
            "FROM names n JOIN places p ON p.id = n.place WHERE n.key = ?",
            (key,),
        )
        found = [_Row(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9])) for r in rows]
        found += self._extra_keys.get(key, [])
        full = _expand_abbreviation(key)
        if full != key:  # "St James" is also "Saint James", "Mt Elgon" "Mount Elgon"
            seen = {r.gid for r in found}
            found += [r for r in self._lookup(full) if r.gid not in seen]
        return tuple(found)

    def keys(self) -> NameKeys:
        """Every folded name the gazetteer knows (with "st"/"mt" short forms), as a lazy set."""
        if self._keys is None:
            self._keys = NameKeys(self)
        return self._keys

    def _has_key(self, key: str) -> bool:
        if key in self._extra_keys:
            return True
        return bool(self._query("SELECT 1 FROM names WHERE key = ? LIMIT 1", (key,)))

    def _all_keys(self) -> frozenset[str]:
        ks = {r[0] for r in self._query("SELECT DISTINCT key FROM names")}
        ks |= {short for k in ks if (short := _abbreviate(k)) != k}
        return frozenset(ks | set(self._extra_keys))

    def by_skeleton(self, name: str, cc: str) -> PlaceMatch | None:
        """A town of country ``cc`` whose name has the same consonant skeleton ("Bir al-Abed" and "Bi'r al
        'Abd", "Sheikh Zuweid" and "Ash Shaykh Zuwayd", "Elwak" and "El Wak"): transliterations of one name.
        The most populous such town of 1,000 people or more, or None; skeletons under four letters say too little."""
        sk = skeleton(name)
        squashed = "=" + re.sub(r"[^a-z]", "", fold(name))  # "Elwak" and "El Wak": the same letters
        if len(sk) < 4 and len(squashed) < 6:
            return None
        index = self._skeletons.get(cc)
        if index is None:
            index = {}
            rows = self._query(
                "SELECT n.key, p.gid, p.population FROM names n JOIN places p ON p.id = n.place "
                "WHERE p.country = ? AND p.kind = 'city'",
                (cc,),
            )
            for key, gid, pop in rows:
                if pop < 1000:
                    continue
                for k in (skeleton(key), "=" + re.sub(r"[^a-z]", "", key)):
                    if len(k) >= 4 and (k not in index or pop > index[k][1]):
                        index[k] = (gid, pop)
            self._skeletons[cc] = index
        hit = index.get(squashed) if len(squashed) >= 6 else None
        hit = hit or (index.get(sk) if len(sk) >= 4 else None)
        return replace(self.get(hit[0]), why="same consonant skeleton") if hit else None

    def add_places(self, rows: list[dict]) -> None:
        """Overlay places (dicts with id, name, aliases, kind, country, admin1, lat, lon, population)."""
        for r in rows:
            row = _Row(
                -1,
                r["id"],
                r["name"],
                r.get("kind") or "custom",
                r.get("country"),
                r.get("admin1"),
                float(r["lat"]),
                float(r["lon"]),
                int(r.get("population") or 0),
                True,
            )
            self.extra.append(row)
            for n in [r["name"], *(r.get("aliases") or [])]:
                self._extra_keys.setdefault(fold(n), []).append(row)
        self._lookup.cache_clear()
        self._cache.clear()
        self._keys = None

    # --- ranking -----------------------------------------------------------------------------
    def _score(self, row: _Row, ctx: ResolveContext | None) -> tuple[float, str]:
        """Score of a candidate in context and the reasons for it, as the CLI shows them."""
        score, reasons = self._score_parts(row, ctx)
        return score, ", ".join(r.format(row=row) for r in reasons)

    def _score_only(self, row: _Row, ctx: ResolveContext | None) -> float:
        """``_score`` without formatting its reasons (the hot path of resolution)."""
        return self._score_parts(row, ctx)[0]

    @staticmethod
    def _score_parts(row: _Row, ctx: ResolveContext | None) -> tuple[float, list[str]]:
        why = ["{row.kind}"]  # reasons as templates: formatted only when shown
        s = KIND_WEIGHT.get(row.kind, 0.3)
        if row.kind in ("city", "locality", "custom") and row.population:
            s += 0.35 * min(math.log10(row.population + 1) / 7, 1.0)
            why.append("pop {row.population}")
        if row.exact:
            s += 0.05
        if ctx:
            w = ctx.countries.get(row.country or "", 0.0)
            if w:
                s += 0.8 * min(w, 1.0)
                why.append("country context {row.country}")
            if row.admin1 and row.admin1 in ctx.admin1 and row.kind != "admin1":
                s += 0.25
                why.append("in {row.admin1}")
            if ctx.near and _near_any(row.lat, row.lon, ctx.near, 150.0):
                s += 0.25
                why.append("near other places named")
            if ctx.hint == "region" and row.kind == "admin1":
                s += 0.7
                why.append("'region' hint")
            elif ctx.hint == "airport" and row.kind == "airport":
                s += 1.0
                why.append("'airport' hint")
            elif ctx.hint == "town" and row.kind in ("city", "locality"):
                s += 0.3
            elif ctx.hint == "river" and row.kind == "country":
                s -= 2.0
                why.append("river, not the country")
        return min(s / 2.2, 1.0), why

    def _ranked(self, mention: str, ctx: ResolveContext | None, best_only: bool = False) -> list[PlaceMatch]:
        rows = self._lookup(fold(mention))
        code = False
        if mention.isupper() and len(mention) in (3, 4) and mention.isalpha():
            # an airport code, unless a country or region goes by that abbreviation ("RDC")
            coded = self._lookup(f"{'iata' if len(mention) == 3 else 'icao'}:{mention.lower()}")
            if coded and not any(r.kind in ("country", "admin1") for r in rows):
                rows, code = coded, True
        if best_only and rows:  # only the winner is wanted: score without explanations, explain the winner
            scored = [(max(self._score_only(r, ctx), 0.9) if code else self._score_only(r, ctx), r) for r in rows]
            rows = [min(scored, key=lambda t: (-t[0], -t[1].population, t[1].gid))[1]]
        out = []
        for r in rows:
            score, why = self._score(r, ctx)
            if code:
                score, why = max(score, 0.9), f"airport code, {why}"
            out.append(PlaceMatch(r.gid, r.name, r.kind, r.country, r.admin1, r.lat, r.lon, r.population, score, why))
        out.sort(key=lambda m: (-m.score, -m.population, m.id))
        return out

    def candidates(self, mention: str, context: ResolveContext | None = None, limit: int = 10) -> list[PlaceMatch]:
        return self._ranked(mention, context)[:limit]

    def _resolve_uncached(self, mention: str, ctx: ResolveContext | None) -> PlaceMatch | None:
        zone = self._zone(mention, ctx)
        if zone is not None:
            return zone
        for hint, patterns in (
            ("airport", AIRPORT_PATTERNS),
            ("region", REGION_PATTERNS),
            ("river", RIVER_PATTERNS),
        ):
            for pat in patterns:
                m = pat.fullmatch(mention)
                if m and fold(m.group("base")) != fold(mention):
                    sub = replace(ctx, hint=hint) if ctx else ResolveContext(hint=hint)
                    base = re.sub(r"^(?:The|the|La|Le|Les|L['’])\s*", "", m.group("base"))
                    if hint == "airport":
                        return self._airport(base, sub)
                    if hint == "river":
                        return None  # a river is not a settlement; the caller keeps looking
                    whole = [r for r in self._ranked(mention, ctx, best_only=True) if r.kind in ("zone", "admin1")]
                    if whole and whole[0].score >= MIN_SCORE:
                        return whole[0]  # "Kurdistan Region" is a region's own name, not 'Kurdistan' + 'region'
                    return self.resolve(base, sub)
        ranked = self._ranked(mention, ctx, best_only=True)
        if not ranked or ranked[0].score < MIN_SCORE:
            return None
        return ranked[0]

    def resolve(self, mention: str, context: ResolveContext | None = None) -> PlaceMatch | None:
        """The best entry for ``mention`` in ``context``, or None (never a random guess)."""
        mention = mention.strip()
        if not mention:
            return None
        key = (mention, context.key() if context else ())
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = self._resolve_uncached(mention, context)
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _airport(self, city: str, ctx: ResolveContext) -> PlaceMatch | None:
        """'Bamako airport' -> the airport nearest to the town named (within 60 km)."""
        city = re.sub(r"\s+[Ii]nternational$", "", city.strip())
        direct = [m for m in self._ranked(f"{city} airport", ctx) if m.kind == "airport"]
        if direct:
            return direct[0]
        town = self.resolve(city, ResolveContext(ctx.countries, ctx.admin1, ctx.near, "town", ctx.lang))
        if town is None or town.kind not in ("city", "locality", "custom"):
            return None
        rows = self._query(
            "SELECT gid, name, country, admin1, lat, lon FROM places WHERE country=? AND kind='airport'",
            (town.country,),
        )
        best = min(rows, key=lambda r: haversine_km(town.lat, town.lon, r[4], r[5]), default=None)
        if best is None or haversine_km(town.lat, town.lon, best[4], best[5]) > 60:
            return None
        return PlaceMatch(
            best[0],
            best[1],
            "airport",
            best[2],
            best[3] or town.admin1,
            best[4],
            best[5],
            0,
            town.score,
            f"airport nearest to {town.name}",
        )

    def suggest(self, mention: str, limit: int = 5) -> list[str]:
        import difflib

        key = fold(mention)
        pool = [k for k in self.keys() if k[:1] == key[:1] and abs(len(k) - len(key)) <= 3]
        return difflib.get_close_matches(key, pool, n=limit, cutoff=0.75)

    # --- countries -----------------------------------------------------------------------------
    def country(self, code_or_name: str) -> PlaceMatch | None:
        q = code_or_name.strip()
        if len(q) == 2 and q.isalpha():
            rows = self._query("SELECT p.gid FROM countries c JOIN places p ON p.id=c.place WHERE c.cc=?", (q.upper(),))
            if rows:
                return self.get(rows[0][0])
        if len(q) == 3 and q.isupper():
            rows = self._query("SELECT p.gid FROM countries c JOIN places p ON p.id=c.place WHERE c.iso3=?", (q,))
            if rows:
                return self.get(rows[0][0])
        for m in self._ranked(q, None):
            if m.kind == "country":
                return m
        return None

    def capital(self, cc: str) -> PlaceMatch | None:
        """The capital city of a country (ISO2), or None when unknown."""
        found = self.capitals(cc)
        return found[0] if found else None

    def admin1_name(self, cc: str | None, name: str | None, lang: str | None) -> str | None:
        """An admin-1 region's name as a text in ``lang`` writes it ("Far North" in French is "Extrême-Nord")."""
        if self._admin1_fr is None:
            try:
                self._admin1_fr = {(c, n): f for c, n, f in self._query("SELECT cc, name, name_fr FROM admin1_fr", ())}
            except sqlite3.OperationalError:  # a gazetteer file built before French names were recorded
                self._admin1_fr = {}
        if lang != "fr" or not cc or not name:
            return name
        return self._admin1_fr.get((cc, name), name)

    def admin1_variants(self, name: str, cc: str | None = None) -> set[str]:
        """The names one admin-1 region goes by in English and French ("Far North", "Extrême-Nord"), in
        country ``cc``; without one, only when the name belongs to a single country ("North" does not)."""
        self.admin1_name("", None, "fr")  # load the table
        low = name.lower()
        hits = [(c, en, fr) for (c, en), fr in (self._admin1_fr or {}).items()
                if low in (en.lower(), fr.lower()) and (cc is None or c == cc.upper())]
        if len({c for c, _, _ in hits}) != 1:
            return {name}
        return {name} | {n for _, en, fr in hits for n in (en, fr)}

    def capitals(self, cc: str) -> list[PlaceMatch]:
        """The capital first, then cities also called the capital (a former or economic one: data/seats.tsv)."""
        try:
            rows = self._query(
                "SELECT p.gid FROM capitals c JOIN places p ON p.id=c.place WHERE c.cc=? ORDER BY c.rank",
                (cc.upper(),),
            )
        except sqlite3.OperationalError:  # a gazetteer file built before capitals were recorded
            return []
        return [m for (gid,) in rows if (m := self.get(gid)) is not None]

    def country_for_demonym(self, word: str) -> str | None:
        if self._demonyms is None:
            self._demonyms = dict(self._query("SELECT key, cc FROM demonyms"))
        return self._demonyms.get(fold(word))

    def get(self, place_id: str) -> PlaceMatch | None:
        rows = self._query(
            "SELECT gid, name, kind, country, admin1, lat, lon, population FROM places WHERE gid=?",
            (place_id,),
        )
        if not rows:
            extra = [r for r in self.extra if r.gid == place_id]
            if not extra:
                return None
            r = extra[0]
            return PlaceMatch(r.gid, r.name, r.kind, r.country, r.admin1, r.lat, r.lon, r.population, 1.0, "by id")
        g = rows[0]
        return PlaceMatch(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], 1.0, "by id")

    def country_bbox(self, cc: str) -> tuple[float, float, float, float] | None:
        """(min_lat, min_lon, max_lat, max_lon) of the country's populated places."""
        if cc not in self._bbox:
            rows = self._query(
                "SELECT min(lat), min(lon), max(lat), max(lon) FROM places WHERE country=? AND kind='city'",
                (cc,),
            )
            if not rows or rows[0][0] is None:
                return None
            self._bbox[cc] = rows[0]
        return self._bbox[cc]

    # --- zones -----------------------------------------------------------------------------
    def _zone(self, mention: str, ctx: ResolveContext | None) -> PlaceMatch | None:
        for pat in ZONE_PATTERNS:
            m = pat.fullmatch(mention.strip())
            if m:
                return self.directional(m.group("dir"), m.group("base"), ctx, mention)
        return None

    def directional(
        self, direction: str, base: str, ctx: ResolveContext | None, surface: str | None = None
    ) -> PlaceMatch | None:
        """'northern Mali' -> a zone in the north of Mali; 'eastern Menaka' -> east of that region."""
        d = DIRECTIONS.get(fold(direction).replace("ern", "").replace("  ", " "))
        if d is None:
            d = DIRECTIONS.get(fold(direction))
        target = self.resolve(base, ctx)
        if d is None or target is None:
            return None
        if target.kind in ("city", "locality"):  # 'eastern Menaka': prefer the region of that name
            region = [m for m in self._ranked(base, ctx) if m.kind == "admin1" and m.country == target.country]
            if region:
                target = region[0]
        name = surface or f"{direction} {base}"
        if target.kind == "country":
            box = self.country_bbox(target.country or "")
            if not box:
                return None
            lat0, lon0, lat1, lon1 = box
            clat, clon = (lat0 + lat1) / 2, (lon0 + lon1) / 2
            lat = clat + d[0] * (lat1 - lat0) / 4
            lon = clon + d[1] * (lon1 - lon0) / 4
            return PlaceMatch(
                f"zone:{target.country}:{fold(direction)}",
                name,
                "zone",
                target.country,
                None,
                round(lat, 4),
                round(lon, 4),
                0,
                target.score,
                f"{direction} part of {target.name}",
            )
        if target.kind == "admin1":
            lat = target.lat + d[0] * 0.5
            lon = target.lon + d[1] * 0.5
            return PlaceMatch(
                f"zone:{target.id}:{fold(direction)}",
                name,
                "zone",
                target.country,
                target.admin1,
                round(lat, 4),
                round(lon, 4),
                0,
                target.score,
                f"{direction} part of {target.name}",
            )
        return target  # "north of Gao" (a town): the town is the best point we have

    def zone_geometry(self, place_id: str):  # noqa: ANN201 - shapely geometry
        """A shapely (multi)polygon for a place id, None for an unknown id (rules in ``geometry.py``).

        'zone:ML:north' -> the northern part of Mali; 'zone:a1:ML-9:east' -> the east of that admin-1
        region; 'border:ML:DZ' (or 'border:ML:DZ:30' for a 30 km strip) -> Mali within 50 km of Algeria;
        an admin-1 place -> its shape approximated from its towns; a country -> its polygon; anything
        else (towns, airports, named areas) -> a 0.5-degree buffer around its point.
        """
        from vedette.gazetteer.geometry import place_shape

        found = place_shape(place_id, self)
        return found[0] if found else None

    def border_zone(self, own: str, other: str, km: float = 50.0) -> PlaceMatch | None:
        """The strip of country ``own`` within ``km`` of ``other`` ('Algeria', 'Algérie', 'DZ', 'Algerian',
        'Algerian border'), as a zone whose point lies inside the strip; None if they are not neighbours."""
        from vedette.gazetteer.borders import border_zone

        return border_zone(self, own, other, km)

    def find_borders(
        self, text: str, context: ResolveContext | None = None, km: float = 50.0
    ) -> list[tuple[int, int, PlaceMatch]]:
        """Border zones named in ``text`` ('the border with Algeria', 'la frontière algérienne'...)."""
        from vedette.gazetteer.borders import find_borders

        return find_borders(self, text, context, km)

    def mention_border(self, text: str, context: ResolveContext | None = None, km: float = 50.0) -> PlaceMatch | None:
        """The first border zone named in ``text``, its own side taken from the text or the context."""
        found = self.find_borders(text, context, km)
        return found[0][2] if found else None

    # --- reverse -----------------------------------------------------------------------------
    def _load_grid(self) -> None:
        import numpy as np

        rows = self._query(
            "SELECT id, lat, lon, gid, name, kind, country, admin1, population FROM places "
            "WHERE kind IN ('city', 'locality') ORDER BY id"
        )
        self._rows = [r[3:] for r in rows]  # gid, name, kind, country, admin1, population
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        lat = np.array([r[1] for r in rows], dtype=np.float64)
        lon = np.array([r[2] for r in rows], dtype=np.float64)
        self._pts = (ids, lat, lon)
        grid: dict[tuple[int, int], list[int]] = {}
        for i, (la, lo) in enumerate(zip(lat.tolist(), lon.tolist(), strict=True)):
            grid.setdefault((int(math.floor(la / GRID)), int(math.floor(lo / GRID))), []).append(i)
        self._grid = grid

    def _nearest_index(self, lat: float, lon: float) -> int | None:
        """Nearest place through a fine grid of cached candidate lists (usually one to three places).

        A fine cell keeps every place that can be nearest to some point inside it: those within
        ``d_min + 2r`` of its centre, ``r`` being its half-diagonal. Cells where that cannot be settled
        from the coarse 3x3 block fall back to the general search.
        """
        found = self._nearest_fine(lat, lon, math.cos(math.radians(lat)))
        return found[0][0] if found else self._nearest_coarse(lat, lon)

    def _nearest_fine(self, lat: float, lon: float, coslat: float) -> tuple | None:
        """The fine cell's nearest candidate ``(index, lat, lon, row)`` and its squared distance in
        degrees of latitude, or None where the fine cell cannot settle it."""
        key = (math.floor(lat / FINE), math.floor(lon / FINE))
        cands = self._fine.get(key)
        if cands is None:
            cands = self._fine[key] = self._fine_candidates(key)
        if not cands:
            return None
        if len(cands) == 1:
            c = cands[0]
            return c, (c[1] - lat) ** 2 + ((c[2] - lon) * coslat) ** 2
        best, best_d = None, math.inf
        for c in cands:
            d = (c[1] - lat) ** 2 + ((c[2] - lon) * coslat) ** 2
            if d < best_d:
                best, best_d = c, d
        return best, best_d

    def _fine_candidates(self, key: tuple[int, int]) -> list[tuple[int, float, float]]:
        if self._grid is None:
            self._load_grid()
        import numpy as np

        clat, clon = (key[0] + 0.5) * FINE, (key[1] + 0.5) * FINE
        coarse = (int(math.floor(clat / GRID)), int(math.floor(clon / GRID)))
        block = self._near_cells.get(coarse)
        if block is None:
            self._nearest_coarse(clat, clon)
            block = self._near_cells[coarse]
        if not len(block):
            return []
        _, plat, plon = self._pts
        coslat = math.cos(math.radians(clat))
        d = np.sqrt((plat[block] - clat) ** 2 + ((plon[block] - clon) * coslat) ** 2)
        r = math.hypot(FINE / 2, FINE / 2)  # in degrees of latitude: an upper bound after the cos scaling
        limit = float(d.min()) + 2 * r
        # the coarse block must reach past the limit in every direction, or the answer may lie outside it
        lat_lo, lon_lo = coarse[0] * GRID, coarse[1] * GRID
        reach = min(
            GRID + min(clat - lat_lo, lat_lo + GRID - clat),
            (GRID + min(clon - lon_lo, lon_lo + GRID - clon)) * coslat,
        )
        if limit > reach:
            return []
        keep = block[d <= limit]
        # tighter: a place can be nearest somewhere in the cell only if its closest approach to the cell
        # is no further than the best of the places' farthest corners (1 % margin for the cosine)
        la0, lo0 = key[0] * FINE, key[1] * FINE
        klat, klon = plat[keep], plon[keep]
        dy_near = np.maximum(np.maximum(la0 - klat, klat - (la0 + FINE)), 0.0)
        dx_near = np.maximum(np.maximum(lo0 - klon, klon - (lo0 + FINE)), 0.0) * coslat
        dy_far = np.maximum(np.abs(klat - la0), np.abs(klat - la0 - FINE))
        dx_far = np.maximum(np.abs(klon - lo0), np.abs(klon - lo0 - FINE)) * coslat
        near = np.hypot(dy_near, dx_near)
        far = float(np.hypot(dy_far, dx_far).min())
        keep = keep[near <= far * 1.01 + 1e-9]
        return [(int(i), float(plat[i]), float(plon[i]), self._rows[int(i)]) for i in keep]

    def _nearest_coarse(self, lat: float, lon: float) -> int | None:
        """Nearest place: vectorised over the 3x3 cells around the point, a widening search if empty."""
        if self._grid is None:
            self._load_grid()
        import numpy as np

        cell = (int(math.floor(lat / GRID)), int(math.floor(lon / GRID)))
        cands = self._near_cells.get(cell)
        if cands is None:
            idx = [
                i for di in (-1, 0, 1) for dj in (-1, 0, 1) for i in self._grid.get((cell[0] + di, cell[1] + dj), ())
            ]
            cands = self._near_cells[cell] = np.array(idx, dtype=np.int64)
        if len(cands):
            _, plat, plon = self._pts
            coslat = math.cos(math.radians(lat))
            d = (plat[cands] - lat) ** 2 + ((plon[cands] - lon) * coslat) ** 2
            k = int(d.argmin())
            if math.sqrt(float(d[k])) <= GRID * coslat:  # nothing outside the 3x3 block can be closer
                return int(cands[k])
        return self._nearest_slow(lat, lon)

    def _nearest_slow(self, lat: float, lon: float) -> int | None:
        _, plat, plon = self._pts
        ci, cj = int(math.floor(lat / GRID)), int(math.floor(lon / GRID))
        coslat = math.cos(math.radians(lat))
        best, best_d = None, math.inf
        for ring in range(0, 40):
            for cell in _ring_cells(ci, cj, ring):
                for i in self._grid.get(cell, ()):
                    d = (plat[i] - lat) ** 2 + ((plon[i] - lon) * coslat) ** 2
                    if d < best_d:
                        best, best_d = i, d
            # anything in a further ring is at least ring * GRID away
            if best is not None and math.sqrt(best_d) <= ring * GRID * min(coslat, 1.0):
                break
        return best

    def _nearest_in_country(self, cc: str, lat: float, lon: float, coslat: float) -> int | None:
        """Index of the nearest place of country ``cc`` (vectorised over that country's places)."""
        import numpy as np

        if self._by_country is None:
            by: dict[str, list[int]] = {}
            for i, row in enumerate(self._rows):
                by.setdefault(row[3], []).append(i)
            self._by_country = {k: np.array(v, dtype=np.int64) for k, v in by.items()}
        idx = self._by_country.get(cc)
        if idx is None or not len(idx):
            return None
        _, plat, plon = self._pts
        d = (plat[idx] - lat) ** 2 + ((plon[idx] - lon) * coslat) ** 2
        return int(idx[int(d.argmin())])

    def reverse(self, lat: float, lon: float) -> PlaceMatch | None:
        """Nearest populated place (with its admin-1 and country) to a point.

        When the nearest place is more than ``BORDER_CHECK_KM`` away, the country comes from the Natural
        Earth polygon that holds the point, and the place is the nearest one inside that country.
        """
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"not a coordinate: {lat}, {lon}")
        coslat = math.cos(lat * DEG)
        # the fine cell's candidates, inline (this is the hot path): usually one to three places
        cands = self._fine.get((math.floor(lat / FINE), math.floor(lon / FINE))) if self._grid is not None else None
        if cands:
            best, d2 = None, math.inf
            for c in cands:
                d = (c[1] - lat) ** 2 + ((c[2] - lon) * coslat) ** 2
                if d < d2:
                    best, d2 = c, d
            _, plat_i, plon_i, row = best
            # equirectangular at the point's latitude: within 0.1 % of the great circle below 100 km
            dist = KM_PER_DEGREE * math.sqrt(d2)
        elif cands is None and (found := self._nearest_fine(lat, lon, coslat) if self._grid is not None else None):
            (_, plat_i, plon_i, row), d2 = found
            dist = KM_PER_DEGREE * math.sqrt(d2)
        else:
            i = self._nearest_index(lat, lon)
            if i is None:
                return None
            _, plat, plon = self._pts
            row = self._rows[i]
            plat_i, plon_i = float(plat[i]), float(plon[i])
            dist = haversine_km(lat, lon, plat_i, plon_i)
        gid, name, kind, cc, admin1, pop = row
        if dist > BORDER_CHECK_KM:
            dist = haversine_km(lat, lon, plat_i, plon_i)
        why = f"nearest place, {dist:.1f} km"
        if dist > BORDER_CHECK_KM:
            from vedette.gazetteer.countries import cell_country, country_at

            inside = (
                cell_country(int(math.floor(lat / GRID)), int(math.floor(lon / GRID)), GRID)
                or cell_country(int(math.floor(lat / FINE)), int(math.floor(lon / FINE)), FINE)
                or country_at(lat, lon)
            )
            if inside and inside != cc:
                k = self._nearest_in_country(inside, lat, lon, coslat)
                if k is not None:
                    gid, name, kind, cc, admin1, pop = self._rows[k]
                    plat_i, plon_i = float(self._pts[1][k]), float(self._pts[2][k])
                    dist = haversine_km(lat, lon, plat_i, plon_i)
                    why = f"nearest place in {inside} (point-in-country), {dist:.1f} km"
        return PlaceMatch(gid, name, kind, cc, admin1, plat_i, plon_i, pop, max(0.0, 1 - dist / 100), why)

    # --- mentions ----------------------------------------------------------------------------
    def find_mentions(self, text: str, lang: str | None = None) -> list[Mention]:
        """Place mentions: patterns (zones, regions, airports, rivers) first, then longest name matches."""
        keys = self.keys()
        stop = _stopwords()
        found: list[Mention] = []
        # spans already taken, kept sorted: they never overlap, so their ends are sorted too, and whether a
        # new span is free is one bisection (a scan of every span made long documents quadratic)
        starts: list[int] = []
        ends: list[int] = []

        def free(a: int, b: int) -> bool:
            k = bisect_left(starts, b) - 1
            return k < 0 or ends[k] <= a

        def take(a: int, b: int) -> None:
            k = bisect_left(starts, a)
            starts.insert(k, a)
            ends.insert(k, b)

        for kind, patterns in (
            ("river", RIVER_PATTERNS),
            ("airport", AIRPORT_PATTERNS),
            ("region", REGION_PATTERNS),
            ("zone", ZONE_PATTERNS),
        ):
            for pat in patterns:
                for m in pat.finditer(text):
                    owner = re.match(r"([^'’]+)['’]s\s", m.group("base"))
                    if owner and fold(owner.group(1)) in keys and free(m.start("base"), m.end()):
                        # "Abyan's Mudiyah district": the district is not known, the region that has it is
                        a = m.start("base")
                        found.append(Mention(a, a + len(owner.group(1)), owner.group(1), frozenset({"name"}),
                                             owner.group(1)))
                        take(a, m.end())
                        continue
                    base = _trim_base(m.group("base"), keys, stop)
                    if not base or not free(m.start(), m.end()):
                        continue
                    end = m.start("base") + len(base) if kind == "zone" else m.end()
                    direction = m.group("dir") if "dir" in pat.groupindex else None
                    found.append(Mention(m.start(), end, text[m.start() : end], frozenset({kind}), base, direction))
                    take(m.start(), end)
        for run in _CAP_RUN.finditer(text):
            toks = [(t.start() + run.start(), t.end() + run.start()) for t in _TOKEN.finditer(run.group())]
            i = 0
            while i < len(toks):
                hit = None
                for j in range(min(len(toks), i + 5), i, -1):
                    a, b = toks[i][0], toks[j - 1][1]
                    if text[b - 2 : b] in ("'s", "’s"):
                        b -= 2  # "Abyan's Mudiyah district", "Kabul's airport": the possessive is no part of it
                    surface = text[a:b]
                    key = fold(surface)
                    single = j - i == 1
                    if single and (key in stop or surface[:1].islower()):
                        continue
                    if single and surface.isupper() and not _heading_name(text, a, surface):
                        continue  # an acronym ("IED", "UN"), unless a short heading line names a town in capitals
                    if single and key in _country_acronyms() and not surface.isupper():
                        continue  # "Car bomb kills nine": the word, not CAR (Central African Republic)
                    if key in keys and free(a, b):
                        hit = (a, b, surface, j)
                        break
                if hit and hit[3] - i == 1 and len(toks) > 1:
                    # a lone name inside a longer capitalised run ("Ibrahim Boubacar Keita", "Algiers Accord")
                    # is part of another name unless its neighbours are places too
                    neighbours = [toks[k] for k in (i - 1, i + 1) if 0 <= k < len(toks)]
                    if any(
                        (fold(text[x:y]) not in keys or fold(text[x:y]) in stop)
                        and fold(text[x:y]) not in _FUNCTION
                        and not (x > a and fold(text[x:y]) in _INSTITUTION)  # "Nepal Police", "Mali Army"
                        and not (x > a and surface.isupper() and fold(text[x:y]) in _ADMIN_WORDS)  # "LAMU COUNTY"
                        for x, y in neighbours
                    ):
                        hit = None
                        i += 1
                        continue
                if hit:
                    a, b, surface, j = hit
                    found.append(Mention(a, b, surface, frozenset({"name"}), surface))
                    take(a, b)
                    i = j
                else:
                    i += 1
        found.sort(key=lambda m: m.start)
        return found


def _trim_base(base: str, keys: frozenset[str], stop: frozenset[str]) -> str | None:
    """Shorten a captured name from the left until it is a known key ('The Segou' -> 'Segou')."""
    words = base.split()
    for i in range(len(words)):
        cand = " ".join(words[i:])
        k = fold(cand)
        if k in keys and k not in stop:
            return cand
    return None


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    words = set()
    for line in (DATA / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(fold(line))
    return frozenset(words)


_instance: Gazetteer | None = None
_instance_lock = threading.Lock()


def get_gazetteer() -> Gazetteer:
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                _instance = Gazetteer()
    return _instance
