"""Places named in each sentence, resolved against the gazetteer in the document's context.

The document's countries come first (country names and demonyms, counted); every mention is then
resolved with those countries, the admin-1 regions and the other places the text names.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from vedette.gazetteer import Mention, PlaceMatch, ResolveContext, get_gazetteer
from vedette.gazetteer.resolver import haversine_km
from vedette.gazetteer.text import fold
from vedette.intake.components.dates import DATELINE
from vedette.intake.components.lexicon import LANG_DIR
from vedette.intake.pipeline import Component, Doc, component
from vedette.intake.regex import compile as rx_compile

SPECIFICITY = {"custom": 5, "airport": 5, "locality": 4, "city": 4, "zone": 2, "admin1": 3, "country": 1}
_SUBJECT = rx_compile(
    r"(?:’s|'s)?\s+(?:first\s+|also\s+|then\s+|later\s+)?(?:announced|said|stated|declared|"
    r"launched|agreed|decided|accused|claimed|confirmed|warned|sent|deployed|has|had|was|is|"
    r"annonce|a annoncé|a déclaré|a décidé)\b"
)
# "Tongo Tongo, Niger": a place followed by its country is believed even if small and far from the text's focus
_COUNTRY_AFTER = rx_compile(r",\s+((?:the\s+)?[A-ZÀ-Þ][\w'’\-]+(?:\s+[A-ZÀ-Þ][\w'’\-]+){0,2})")
# "near the border with Burkina Faso": the neighbour names a border, the event is not in it
_BORDER = rx_compile(
    r"\b(?:border with|borders with|frontière avec|frontières avec)\s+(?:the\s+|le\s+|la\s+|l['’])?$", re.IGNORECASE
)
_ISSUER = rx_compile(
    r"\b(?:Embassy|Ambassade|Consulate|Consulat|Ministry of Foreign Affairs|Ministère des Affaires étrangères)"
    r"\s+(?:of|de|d['’]|du)\s*(?:the\s+|la\s+|l['’])?$",
    re.IGNORECASE,
)
_AGENT = rx_compile(r"\b(?:by|par)\s+(?:the\s+)?$")
# "along with the junta regimes of Burkina Faso and Niger": co-actors, not where the event happened
_ALONG = rx_compile(
    r"\b(?:along with|together with|alongside|joined by|aux côtés d[eu]|avec|ainsi que)\b[^.;:()]{0,45}$", re.IGNORECASE
)
_LOWER_ADJ = rx_compile(r"\b[a-zà-ÿ]{5,}(?:e|s|es|ne|nne|nnes)\b")
_COMPASS = rx_compile(
    r"\b(?:(Nord|Sud|Est|Ouest|North|South|East|West)-([A-ZÀ-Þ][\w'’]+)|([A-ZÀ-Þ][\w'’]+)-(Nord|Sud|Est|Ouest))\b"
)
# "at UN House", "in East Dry River", "à Bambeto", "dans le quartier de Médina": a capitalised name after a
# locative, found or not in the gazetteer
_LOCAL_NAME = rx_compile(
    r"\b(?:[Ii]n|[Aa]t|[Nn]ear|[Oo]utside|[Aa]round|[àÀ]|[Aa]u|[Aa]ux|[Dd]ans|[Pp]rès de|[Vv]ers|[Dd]u|[Dd]e|[Oo]f)\s+"
    r"(?:the\s+|le\s+|la\s+|les\s+|l['’])?"  # not "a"/"an": "of a Kurdish party office" names no place
    # "the foothill village of X", "du campus universitaire d'X", "le quartier populaire d'X"
    r"(?:(?:[a-zàâçéèêëîïôûù\-]+\s+){1,3}?(?:of\s+|de\s+|du\s+|d['’]))?"
    r"(?P<name>[A-ZÀ-Þ][\w'’\-]+(?:\s+(?:[A-ZÀ-Þ][\w'’\-]+|de|du|des|of|(?:al|el|ash|ad|ar|as|at|az|an|ech|ed|es|et)-"
    r"[A-ZÀ-Þ][\w'’\-]*))*)"  # Arabic articles inside a name: "Bir al-Abed", "Sharm el-Sheikh"
)
_DIR_WORDS = (
    r"north[- ]?east|north[- ]?west|south[- ]?east|south[- ]?west|north|south|east|west|"
    r"nord[- ]est|nord[- ]ouest|sud[- ]est|sud[- ]ouest|nord|sud|est|ouest"
)
_OFFSET = rx_compile(
    r"\b(?P<km>\d{1,4}(?:[.,]\d)?)\s*(?P<unit>km|kilom[eè]tres?|kilometers?|miles?)\s+"
    r"(?:(?:au|à\s+l['’]|à|to\s+the)\s*)?(?P<dir>" + _DIR_WORDS + r")\s+(?P<of>of\s+|de\s+|d['’]|du\s+)",
    re.IGNORECASE,
)
# an entry's label naming its district or province: "Kashmore: On 20 August, ..."
_LABEL = rx_compile(r"[A-ZÀ-Þ][^\W\d_]+(?:[ -][A-ZÀ-Þ][^\W\d_]+){0,2}\s*:\s")
# between a town and the town it is located from: "), east of ", ", just north of the city of ", ", au sud de "
_BEARING = rx_compile(
    r"\)?\s*,\s*(?:(?:just|some|slightly|à quelques kilomètres)\s+)?(?:to\s+the\s+|au\s+|à\s+l['’]|à\s+)?"
    r"(?:" + _DIR_WORDS + r")\s+(?:of|de|d['’]|du)\s*(?:the\s+(?:city|town)\s+of\s+|la\s+ville\s+de\s+)?",
    re.IGNORECASE,
)
_DIR = {
    "north": (1, 0), "south": (-1, 0), "east": (0, 1), "west": (0, -1),
    "north-east": (1, 1), "north-west": (1, -1), "south-east": (-1, 1), "south-west": (-1, -1),
    "northeast": (1, 1), "northwest": (1, -1), "southeast": (-1, 1), "southwest": (-1, -1),
    "nord": (1, 0), "sud": (-1, 0), "est": (0, 1), "ouest": (0, -1),
    "nord-est": (1, 1), "nord-ouest": (1, -1), "sud-est": (-1, 1), "sud-ouest": (-1, -1),
}
_APPOSITION = rx_compile(r"\s*,\s*(?:à\s+|at\s+)?(?:quelque\s+|environ\s+|some\s+|about\s+|around\s+|à peine\s+)?", re.I)
_THE_REGION = rx_compile(
    r"\b(?:(?:throughout|across|in|all over|dans|à travers|sur l['’]ensemble de)\s+(?:the|this|that|la|cette|le|ce|l['’])\s*"
    r"(?:state|province|governorate|province|gouvernorat|préfecture|État)"
    r"|(?:throughout|across|all over|dans toute|à travers|sur l['’]ensemble de)\s+(?:the|this|that|la|cette|l['’])\s*"
    r"(?:region|région))\b(?!\s+(?:of|de|du|d['’])\s)",
)
def _fold_chars(text: str) -> str:
    """Lower case without accents, one character for one (offsets stay those of the text)."""
    return "".join(unicodedata.normalize("NFKD", c)[:1].lower() or c for c in text)


_NAMEPAT = r"[A-ZÀ-Þ][\w'’\-]+(?:[ \t](?:[A-ZÀ-Þ][\w'’\-]+|de|du|el|al|ech|ed))*"
_REGION_WORD = (
    r"(?:gouvernorat|région|province|district|préfecture|wilaya|cercle|département|commune|county|parish|"
    r"region|governorate|state|prefecture|department)"
)
# "X, dans le gouvernorat de Y", "X, point culminant du pays, dans la région de Y", "X (gouvernorat de Y)",
# "X, in Y district", "X, a village in Y province"
_LOCATED = rx_compile(
    rf"(?P<name>{_NAMEPAT})(?:,[^,.;()\n]{{0,40}}?)?(?:,\s*|\s+\(|\s+(?=(?:dans|in)\s))"
    rf"(?:(?:dans|in)\s+(?:le|la|les|l['’]|the)?\s*)?(?:{_REGION_WORD}\s+(?:de\s+|du\s+|des\s+|d['’]|of\s+)?(?P<region>{_NAMEPAT})"
    rf"|(?P<region2>{_NAMEPAT})\s+{_REGION_WORD})"
)
_TITLE_OF = rx_compile(
    r"\b(?:maire|mayor|gouverneur|governor|préfet|prefect|archevêque|archbishop|évêque|bishop)\s+(?:de|of|du)\s*$", re.I
)
_CAPITAL = rx_compile(
    r"\b(?:the|its|their|la|sa|leur|(?P<own>[A-Z][a-z]+)['’]s)\s+(?:(?P<nat>[A-Z][a-z]+)\s+)?(?:capital|capitale)"
    r"(?!\s+(?:punishment|flight|city of))"
    r"(?:\s+(?P<natfr>[a-zé]+(?:ienne|aise|aine|oise|ane|ine)))?\b"
    r"|\b(?:(?:the\s+)?(?:[A-Z][a-z]+|U\.?S\.?)\s+[Ee]mbassy|l['’]ambassade\s+(?:de\s+|d['’]|des\s+)[A-ZÉ][\w-]+)"
)
_DIVERTED = rx_compile(
    r"\b(?:(?:diverted|rerouted|redirected|re-routed|déroutés?|détournés?|réorientés?|dérouté)\s+(?:\w+\s+)?"
    r"(?:to|towards|vers|sur)|(?:drove|driving|headed|heading|travell?ing) (?:back )?to|"
    r"on (?:the|their|his|her) way (?:back )?to|en route to|bound for|de retour (?:à|vers)|(?:rentraient|rentrait|"
    r"retournaient|se rendaient|se rendait) (?:à|vers|au|en))\s+"
    r"(?:[A-ZÀ-Þ][\w'’-]*(?:\s+|,\s*)|and\s+|et\s+|the\s+|l['’]|le\s+|la\s+)*$"
)  # where they were going, not where it happened
_ETHNIC = rx_compile(r"\b(?:ethnic|ethnically|d['’]ethnie|ethnie)\s+$|\bethnic\s+\w+\s+and\s+$", re.IGNORECASE)
_QUARTER = rx_compile(
    r"\b(?:quartiers?|neighbou?rhoods?|districts?|suburbs?|communes?|townships?|slums?|estates?|bidonvilles?|"
    r"banlieues?)\s+(?:of\s+|de\s+|du\s+|des\s+|d['’])?(?:la\s+|le\s+|l['’]|the\s+)?$",
    re.IGNORECASE,
)
_UPPER_WORD = rx_compile(r"(?<![\w-])[A-ZÀ-Þ]{4,}(?:[ -][A-ZÀ-Þ]{2,}){0,2}(?![\w-])")
_CAPWORD = rx_compile(r"\b[A-ZÀ-Þ][\w-]+")
_WORD = rx_compile(r"[A-ZÀ-Þ][a-zà-ÿ]+(?:-[a-zà-ÿ]+)?")
# French elision before a name ("d'Arbinda", "l'Ituri") when not inside a longer name ("Côte d'Ivoire")
_POSSESSIVE = rx_compile(r"(?<=[A-Za-zÀ-ÿ])['’]s\b")  # "Beirut's southern suburbs" names Beirut
_ELISION = rx_compile(r"\b(?:[dlDL]|qu|jusqu)['’](?=[A-ZÀ-Þ])")


def _features() -> re.Pattern[str] | None:
    path = LANG_DIR / "place_features.txt"
    words = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and ln[0] != "#"]
    return rx_compile(r"\b(?:" + "|".join(words) + r")\s+$", re.IGNORECASE) if words else None


def mention_text(text: str) -> str:
    """The text with French elisions before names blanked (same length), so "d'Arbinda" yields "Arbinda"."""

    def blank(m: re.Match[str]) -> str:
        before = text[max(0, m.start() - 30) : m.start()].split()
        if before and before[-1][:1].isupper():
            return m.group(0)  # inside a name: "Côte d'Ivoire"
        return " " * len(m.group(0))

    # "Abyan's Mudiyah district": a stop after the owner, so that it is not read as one name with what it owns
    return _POSSESSIVE.sub(lambda m: ";" + " " * (len(m.group(0)) - 1), _ELISION.sub(blank, text))


_GENERIC_AIRPORT = rx_compile(r"(?:International\s+)?Airports?|A[ée]roport(?:\s+international)?", re.IGNORECASE)
_CITY_BEFORE = rx_compile(r"([A-ZÀ-Þ][\w'’-]+(?:[ -][A-ZÀ-Þ][\w'’-]+)?)\s+$")


def _with_city(m: Mention, text: str) -> Mention:
    """"Bamako International Airport" found only as "International Airport": the airport of the town named
    just before it, not some other airport of that name."""
    if not _GENERIC_AIRPORT.fullmatch(m.surface):
        return m
    city = _CITY_BEFORE.search(text, max(0, m.start - 40), m.start)
    if city is None:
        return m
    return replace(m, start=city.start(1), surface=text[city.start(1) : m.end])


_FORCE_NOUNS = (
    r"armée|armées|forces|soldats|troupes|militaires|colons|autorités|police|gendarmes|policiers|aviation|drones?|"
    r"frappes?|army|troops|soldiers|settlers|authorities|military|air ?strikes?|jets|warplanes|navy"
)
_FORCE_BEFORE = rx_compile(rf"\b(?:{_FORCE_NOUNS})\s+(?:[\w-]+\s+)?$", re.IGNORECASE)
_FORCE_AFTER = rx_compile(rf"\s+(?:[\w-]+\s+)?(?:{_FORCE_NOUNS})\b", re.IGNORECASE)


@dataclass
class PlaceRef:
    match: PlaceMatch
    start: int
    end: int
    surface: str
    rule: str

    @property
    def specificity(self) -> int:
        s = SPECIFICITY.get(self.match.kind, 2)
        if self.match.kind == "zone" and self.match.admin1:
            s = 3  # a part of a region is as specific as the region
        return s


@component("places")
class Places(Component):
    requires = ("text", "sentences")
    assigns = ("countries", "sentences.places")

    def initialize(self) -> None:
        self.gaz = get_gazetteer()
        self.features = _features()

    def __call__(self, doc: Doc) -> Doc:
        # the shared gazetteer of the moment: the deployment's loaded places come and go (gazetteer/shared.py)
        self.gaz = gaz = get_gazetteer()
        mentions = gaz.find_mentions(mention_text(doc.text), doc.lang)
        datelines = [(m.start(), m.end()) for m in DATELINE.finditer(doc.text)]
        if self.features is not None:
            mentions = [m for m in mentions if not self.features.search(doc.text, max(0, m.start - 20), m.start)]
        mentions = [_with_city(m, doc.text) for m in mentions]
        memo: dict[str, PlaceMatch | None] = {}

        def plain(surface: str) -> PlaceMatch | None:  # context-free resolution, once per surface
            if surface not in memo:
                memo[surface] = gaz.resolve(surface)
            return memo[surface]

        counts: Counter[str] = Counter()
        named = False
        named_countries: set[str] = set()
        for m in mentions:
            c = plain(m.surface)
            if c is not None and c.kind == "country":
                named = True
                named_countries.add(c.country)
                if _ISSUER.search(doc.text, max(0, m.start - 40), m.start) or _BORDER.search(
                    doc.text, max(0, m.start - 40), m.start
                ):
                    continue  # the sender ("Embassy of France in ...") or a neighbour ("border with Mali")
                counts[c.country] += 1.0
        for m in _UPPER_WORD.finditer(doc.text):  # headline capitals: "BÉNIN – Journal des alertes", "MALI :"
            c = gaz.country(m.group(0).title()) if len(m.group(0)) >= 4 else None
            if c is not None and c.kind == "country" and c.country:
                counts[c.country] += 1.0
                named = True
        if not counts and not named:  # no country named in a form the mention finder knows: "..., Haiti", "NIGER"
            for w in sorted(set(_CAPWORD.findall(doc.text))):  # sorted: the same order whatever the hash seed
                c = gaz.country(w) if len(w) >= 4 else None
                if c is not None and c.kind == "country" and c.country:
                    counts[c.country] += len(re.findall(rf"\b{re.escape(w)}\b", doc.text))
        starts = {s.start for s in doc.sentences}
        initial = {m.start for m in mentions if m.start in starts and " " not in m.surface}
        for m in mentions:  # towns and regions speak for their country, less than its name does
            p = plain(m.surface)
            if p is not None and p.kind == "city" and p.country and any(a <= m.start < b for a, b in datelines):
                counts[p.country] += 1.0  # the dateline: where the report was written, usually in the country
                continue
            if m.start in initial:
                continue  # "Mobile phone services ...": capitalised only because it opens the sentence
            if (
                p is not None
                and p.country
                and p.kind in ("admin1", "city", "airport")
                and (p.country in named_countries or p.population >= 1_000_000)
            ):  # a town speaks for a country the text names, or for its own if it is a great city
                counts[p.country] += 0.5 if p.kind == "admin1" or p.population >= 100_000 else 0.2
        words = set(_WORD.findall(doc.text))
        if doc.lang == "fr":  # French demonyms are lower-case adjectives: "l'armée centrafricaine"
            words |= set(_LOWER_ADJ.findall(doc.text))
        for w in sorted(words):  # sorted: ties between countries must not depend on the hash seed
            cc = gaz.country_for_demonym(w)
            if cc:
                for d in re.finditer(rf"\b{re.escape(w)}\b", doc.text):
                    # "Israeli troops", "l'armée israélienne", "colons israéliens": forces say who acts, and
                    # forces act abroad; they speak for their country less than other demonyms do
                    force = _FORCE_BEFORE.search(doc.text, max(0, d.start() - 25), d.start()) or _FORCE_AFTER.match(
                        doc.text, d.end()
                    )
                    counts[cc] += 0.15 if force else 0.5
        if not counts:  # no country and no demonym: the towns and regions speak, if they agree
            towns: Counter[str] = Counter()
            for m in mentions:
                if m.start in initial:
                    continue
                p = plain(m.surface)
                if p is not None and p.country and (p.kind in ("admin1", "airport") or p.population >= 20_000):
                    towns[p.country] += 2 if p.kind in ("admin1", "airport") or p.population >= 100_000 else 1
            if towns:
                cc, n = towns.most_common(1)[0]
                if n >= 2 and n * 2 > sum(towns.values()):
                    counts[cc] = float(n)
        top = max(counts.values(), default=0)
        doc.countries = {cc: round(n / top, 3) for cc, n in counts.items() if top and n / top >= 0.05}

        # first pass: what the document names, to give each resolution its neighbours
        ctx = ResolveContext(countries=dict(doc.countries), lang=doc.lang)
        first = [(m, gaz.resolve(m.surface, ctx)) for m in mentions]
        ctx.admin1 = {p.admin1 for _, p in first if p is not None and p.kind == "admin1" and p.admin1}
        ctx.near = [(p.lat, p.lon) for _, p in first if p is not None and p.kind in ("city", "admin1")][:20]

        # the countries each sentence names, itself or through a zone ("Arlit, dans le nord du Niger",
        # "Grand-Bassam, en Côte d'Ivoire"): a town of such a country is believed however small a part that
        # country plays in the whole document
        starts = [x.start for x in doc.sentences]
        told: dict[int, set[str]] = defaultdict(set)
        for m, p in first:
            if p is not None and p.kind in ("country", "zone") and p.country:
                told[bisect_right(starts, m.start) - 1].add(p.country)
        by_sentence = iter(doc.sentences)
        sent = next(by_sentence, None)
        for m, _ in first:
            while sent is not None and m.start >= sent.end:
                sent = next(by_sentence, None)
            if sent is None:
                break
            if m.start < sent.start or any(a <= m.start < b for a, b in datelines):
                continue
            match = gaz.resolve(m.surface, ctx)
            if match is None:
                continue
            named_country = _COUNTRY_AFTER.match(doc.text, m.end)
            if not self._plausible(match, doc) and not (
                named_country and match.country and self._same_country(named_country.group(1), match.country)
            ) and not (match.country and match.country in told[bisect_right(starts, m.start) - 1]):
                continue
            if m.start in initial and match.kind != "country" and doc.countries.get(match.country or "", 0) < 0.6:
                continue
            if _ETHNIC.search(doc.text, max(0, m.start - 25), m.start):
                continue  # "ethnic Amhara villagers", "d'ethnie peule": a people, not the region of that name
            if _DIVERTED.search(doc.text, max(0, m.start - 50), m.start):
                continue  # "flights were diverted to Lucknow and Delhi": where they went, not where it happened
            if doc.countries.get(match.country or "", 0) < 0.6 and _QUARTER.search(doc.text, max(0, m.start - 30), m.start):
                continue  # "les quartiers de la Médina": a district of a town here, not Medina in Saudi Arabia
            if match.kind == "country" and (
                _SUBJECT.match(doc.text, m.end)
                or _AGENT.search(doc.text, max(0, m.start - 20), m.start)
                or _ALONG.search(doc.text, max(0, m.start - 60), m.start)
                or _BORDER.search(doc.text, max(0, m.start - 40), m.start)
            ):
                continue  # "France announced ...": the country acts here, it is not where things happen
            sent.places.append(PlaceRef(match, m.start, m.end, m.surface, f"places.{match.why}"))
        self._compass_compounds(doc, ctx)
        self._offsets(doc)
        self._bearings(doc)
        self._local_names(doc, mentions, first, datelines)
        return doc

    def _local_names(self, doc: Doc, mentions: list[Mention], resolved: list, datelines: list) -> None:
        """A place the gazetteer lacks ("at UN House", "in East Dry River") in a document about one city:
        that city, when the sentence names nothing more specific than a country (in a document about one
        region, that region).

        The document's city is its dateline's town, or else the town it names most; the document is about
        that city when at least 60% of its town and region mentions lie within 30 km of it. A text about
        a whole country keeps such sentences at country level rather than move them to its capital.
        """
        self._lede(doc, resolved, datelines)
        self._sections(doc)
        self._named_in_region(doc)
        self._capital(doc)
        self._the_region(doc, resolved)
        self._spelling_variants(doc)
        self._named_after_town(doc)
        home = self._home_city(doc, resolved, datelines)
        if home is None:
            return
        from vedette.gazetteer.resolver import _stopwords

        stop = _stopwords()
        for s in doc.sentences:
            if any(p.specificity >= 3 for p in s.places):
                continue
            spans = [(p.start, p.end) for p in s.places]
            for m in _LOCAL_NAME.finditer(doc.text, s.start, s.end):
                name = m.group("name")
                a = m.start("name")
                words = fold(name).split()
                if any(x <= a < y for x, y in spans) or fold(name) in stop or all(w in stop for w in words):
                    continue
                known = self.gaz.resolve(name)
                if known is not None and known.kind in ("country", "admin1", "zone"):
                    continue  # a country or region the sentence names, kept out of it for a reason
                if self.gaz.country_for_demonym(name.split()[0]):
                    continue  # "a Kurdish party office": a people, not a place
                rule = "document-city" if home.kind == "city" else "document-region"
                s.places.append(PlaceRef(home, a, m.end("name"), name, f"places.unknown-local-name-in-{rule}"))
                s.places.sort(key=lambda p: p.start)
                break

    def _spelling_variants(self, doc: Doc) -> None:
        """"near Bir al-Abed", "at Sheikh Zuweid": another transliteration of a town of the document's country
        ("Bi'r al 'Abd", "Ash Shaykh Zuwayd"), matched on its consonants, when the sentence names no town."""
        main = max(doc.countries, key=doc.countries.get) if doc.countries else None
        if main is None:
            return
        keys = self.gaz.keys()
        for s in doc.sentences:
            if any(p.specificity >= 3 for p in s.places):
                continue
            spans = [(p.start, p.end) for p in s.places]
            for m in _LOCAL_NAME.finditer(doc.text, s.start, s.end):
                name, a = m.group("name"), m.start("name")
                if m.group(0)[:2].lower() in ("of", "de", "du") or fold(name) in keys:
                    continue  # "the killing of X": rather a person; a known name was resolved already
                if any(x <= a < y for x, y in spans):
                    continue
                town = self.gaz.by_skeleton(name, main)
                if town is not None:
                    s.places.append(PlaceRef(town, a, m.end("name"), name, "places.spelling-variant"))
                    s.places.sort(key=lambda p: p.start)
                    break

    def _named_after_town(self, doc: Doc) -> None:
        """"outside the Karachi Press Club", "at the Lahore High Court": a building or body named after the town
        it stands in, when the sentence names no town itself."""
        main = max(doc.countries, key=doc.countries.get) if doc.countries else None
        if main is None:
            return
        ctx = ResolveContext(countries=dict(doc.countries), lang=doc.lang)
        for s in doc.sentences:
            if any(p.specificity >= 3 for p in s.places):
                continue
            for m in _LOCAL_NAME.finditer(doc.text, s.start, s.end):
                words = m.group("name").split()
                if len(words) < 2:
                    continue
                keys = self.gaz.keys()
                for k in (2, 1):
                    head = " ".join(words[:k])
                    town = self.gaz.resolve(head, ctx) if k < len(words) and fold(head) in keys else None
                    if town is not None and town.kind == "city" and town.country == main and town.population >= 20_000:
                        a = m.start("name")
                        s.places.append(PlaceRef(town, a, m.end("name"), m.group("name"), "places.named-after-its-town"))
                        s.places.sort(key=lambda p: p.start)
                        break
                else:
                    continue
                break

    @staticmethod
    def _lede(doc: Doc, resolved: list, datelines: list) -> None:
        """"TRIPOLI, Aug. 16 (Agency) - At least 55 people were killed in clashes ...": a news lede that
        names no place tells of the dateline's town."""
        for m, p in resolved:
            if p is None or p.kind != "city" or not any(a <= m.start < b for a, b in datelines):
                continue
            end = next(b for a, b in datelines if a <= m.start < b)
            i = doc.sentence_at(end, end + 1)
            if i is None:
                return
            s = doc.sentences[i]
            if not any(q.specificity >= 2 for q in s.places):
                s.places.append(PlaceRef(p, m.start, m.end, m.surface, "places.dateline-town-for-its-lede"))
                s.places.sort(key=lambda q: q.start)
            return

    def _offsets(self, doc: Doc) -> None:
        """"70 km au nord de Zouérate", "some 40 km south of Gao": the point that far from the town.

        When the phrase only locates a place just named ("près d'Aleg, à 250 km à l'est de Nouakchott"),
        the town it measures from is not a place of the event and is dropped.
        """
        for s in doc.sentences:
            if not s.places:
                continue
            for m in _OFFSET.finditer(doc.text, s.start, s.end):
                ref = next((p for p in s.places if m.start("dir") <= p.start <= m.end() + 1), None)
                if ref is None or ref.match.kind not in ("city", "locality", "airport", "custom", "zone"):
                    continue
                named_before = [p for p in s.places if p.end <= m.start() and p is not ref and p.specificity >= 4]
                if named_before and _APPOSITION.fullmatch(doc.text, named_before[-1].end, m.start()):
                    s.places.remove(ref)
                    continue
                d = _DIR.get(fold(m.group("dir")).replace(" ", "-"))
                if d is None:
                    continue
                km = float(m.group("km").replace(",", "."))
                if m.group("unit").lower().startswith("mi"):
                    km *= 1.609
                norm = math.hypot(*d) or 1.0
                lat = ref.match.lat + km / 111.0 * d[0] / norm
                lon = ref.match.lon + km / (111.0 * max(0.1, math.cos(math.radians(ref.match.lat)))) * d[1] / norm
                near = self.gaz.reverse(lat, lon)
                moved = replace(
                    ref.match,
                    id=f"{ref.match.id}@{round(lat, 3)},{round(lon, 3)}",
                    name=f"{m.group('km')} km {m.group('dir')} {m.group('of')}{ref.match.name}".replace("  ", " "),
                    kind="locality",
                    lat=round(lat, 4),
                    lon=round(lon, 4),
                    # the region of the point if it is still in the town's country (the text says nothing
                    # of a border crossed, and point-in-country near borders is coarse)
                    admin1=near.admin1 if near is not None and near.country == ref.match.country else ref.match.admin1,
                    population=0,
                    why=f"{ref.match.why}; moved {km:g} km {m.group('dir')}",
                )
                i = s.places.index(ref)
                s.places[i] = PlaceRef(moved, m.start(), ref.end, doc.text[m.start() : ref.end], "places.distance-from-town")

    @staticmethod
    def _bearings(doc: Doc) -> None:
        """"in Koya, east of Erbil", "à Tammoun, au sud de Tubas": a bearing from a second town only locates the
        town just named; the second town is no place of the event. Likewise an entry's label ("Kashmore: ...")
        when the entry names a place of its own."""
        for s in doc.sentences:
            if len(s.places) < 2:
                continue
            label = _LABEL.match(doc.text, s.start)
            if label and s.places[0].start < label.end() and any(
                p.specificity >= 3 and p.start >= label.end() for p in s.places[1:]
            ):
                s.places = s.places[1:]  # "Kashmore: On 20 August, ... near Kandhkot": the label is the district
            keep = [s.places[0]]
            for p in s.places[1:]:
                prev = keep[-1]
                if (
                    prev.specificity >= 4
                    and p.match.kind in ("city", "locality")
                    and p.match.id != prev.match.id
                    and _BEARING.fullmatch(doc.text, prev.end, p.start)
                ):
                    continue
                keep.append(p)
            s.places = keep

    def _named_in_region(self, doc: Doc) -> None:
        """A place the gazetteer lacks that the text itself locates ("le djebel Chaambi, dans le gouvernorat de
        Kasserine", "Fériana (gouvernorat de Kasserine)", "Kpinkankandi, in Kpendjal prefecture"): wherever
        the text names it, it stands for that region (or town), at the region's position."""
        main = max(doc.countries, key=doc.countries.get) if doc.countries else None
        local: dict[str, PlaceMatch] = {}
        for m in _LOCATED.finditer(doc.text):
            name, where = m.group("name"), m.group("region") or m.group("region2")
            key = _fold_chars(name)
            if key in local or self.gaz.resolve(name, ResolveContext(countries=dict(doc.countries))) is not None:
                continue
            region = self.gaz.resolve(where, ResolveContext(countries=dict(doc.countries), hint="region"))
            if region is None or region.kind not in ("admin1", "city") or (main and region.country != main):
                continue
            local[key] = replace(
                region, id=f"local:{region.id}:{key}", name=name, kind="locality", population=0,
                why=f"named in the text as in {region.name}; position of {region.name}",
            )
        if not local:
            return
        pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(k) for k in sorted(local, key=len, reverse=True))
                             + r")(?![\w-])")
        folded = _fold_chars(doc.text)
        for s in doc.sentences:
            if any(p.specificity >= 3 for p in s.places):
                continue
            m = pattern.search(folded, s.start, s.end)
            if m is not None:
                s.places.append(PlaceRef(local[m.group(0)], m.start(), m.end(), doc.text[m.start():m.end()],
                                         "places.located-by-the-text"))
                s.places.sort(key=lambda p: p.start)

    @staticmethod
    def _the_region(doc: Doc, resolved: list) -> None:
        """"throughout the state", "dans toute la région": the region the document names most, when the
        sentence names no place of its own."""
        main = max(doc.countries, key=doc.countries.get) if doc.countries else None
        regions = Counter(p.id for _, p in resolved if p is not None and p.kind == "admin1" and p.country == main)
        if not regions:
            return
        top = regions.most_common(1)[0][0]
        region = next(p for _, p in resolved if p is not None and p.id == top)
        for s in doc.sentences:
            if any(p.specificity >= 2 for p in s.places):
                continue
            m = _THE_REGION.search(doc.text, s.start, s.end)
            if m is not None:
                s.places.append(PlaceRef(region, m.start(), m.end(), m.group(0), "places.the-region-of-the-document"))
                s.places.sort(key=lambda p: p.start)

    def _capital(self, doc: Doc) -> None:
        """"clashes in the capital", "la capitale libyenne", "near the French embassy": the capital city of
        the country meant (a demonym's, else the document's), when the sentence names no town."""
        main = max(doc.countries, key=doc.countries.get) if doc.countries else None
        named: set[str] | None = None  # ids of the places the document names, gathered once (linear time)
        for s in doc.sentences:
            if any(p.specificity >= 3 and (p.match.country == main or main is None) for p in s.places):
                continue  # (a foreign town does not stop it: "while the PM was in Nairobi, ... the capital")
            m = _CAPITAL.search(doc.text, s.start, s.end)
            if m is None or _TITLE_OF.search(doc.text, max(s.start, m.start() - 25), m.start()):
                continue  # "alors maire de la capitale": a title, not where it happened
            nat = m.group("nat") or m.group("natfr")
            own = self.gaz.country(m.group("own")) if m.group("own") else None  # "Somalia's capital"
            cc = (own.country if own is not None and own.kind == "country" else None) or (
                self.gaz.country_for_demonym(nat) if nat else None
            ) or main
            if cc and named is None:
                named = {p.match.id for x in doc.sentences for p in x.places}
            city = self._capital_of(cc, named) if cc else None
            if city is not None:
                s.places.append(PlaceRef(city, m.start(), m.end(), m.group(0), "places.capital-of-the-country"))
                named.add(city.id)
                s.places.sort(key=lambda p: p.start)

    @staticmethod
    def _sections(doc: Doc) -> None:
        """"2 October - Quetta", "14 June 2024 06:40 - MANDERA COUNTY - IED strike": a heading's town or
        region places the paragraphs under it, up to the next heading, where they name nothing more specific
        than a country ("on Sariab Road", "a dispensary at Liboi" the gazetteer lacks).

        Only in a document built of such sections: two or more headings naming a place, or a dated one.
        """
        from vedette.intake.components.layout import section_headings

        heads = {
            i for i in section_headings(doc.sentences)
            if any(d.start - doc.sentences[i].start <= 3 for d in doc.sentences[i].dates)
            or (doc.sentences[i].time is not None and doc.sentences[i].time[1] - doc.sentences[i].start <= 3)
        }  # headed by its date or time: "Location: Kampala; Kasese District" is a field of the message, not a section
        if len(heads) < 2:
            return
        main = max(doc.countries, key=doc.countries.get) if doc.countries else None
        here: PlaceRef | None = None
        told: tuple[int, PlaceRef] | None = None  # the last place the section's paragraph has named itself
        for i, s in enumerate(doc.sentences):
            if i in heads:
                found = [p for p in s.places if p.specificity >= 3 and p.match.country in (main, None)]
                here, told = (max(found, key=lambda p: p.specificity) if found else None), None
                continue
            own = [p for p in s.places if p.specificity >= 3]
            broader = here is not None and all(  # "07h45 - JERICHO - ...: ... between the West Bank and Jordan"
                p.specificity < here.specificity and p.match.kind in ("admin1", "zone")
                and p.match.country == here.match.country for p in own
            )
            if own and not broader:
                told = (s.paragraph, own[-1])
            elif here is not None:
                # the paragraph's own town ("... on the outskirts of Turbat. Four FC personnel were killed"),
                # else the heading's
                if told is not None and told[0] == s.paragraph:
                    p, rule = told[1], "places.town-of-the-paragraph"
                else:
                    p, rule = here, "places.section-heading"
                s.places.append(PlaceRef(p.match, s.start, s.start, p.surface, rule))

    def _capital_of(self, cc: str, named: set[str]) -> PlaceMatch | None:
        """The country's capital; where texts call two cities so (Gitega, Bujumbura), the one the document names
        (``named``: the ids of the places it names)."""
        cities = self.gaz.capitals(cc)
        return next((c for c in cities if c.id in named), cities[0] if cities else None)

    def _home_city(self, doc: Doc, resolved: list, datelines: list) -> PlaceMatch | None:
        towns = [p for _, p in resolved if p is not None and p.kind in ("city", "admin1", "airport", "locality")]
        main = max(doc.countries, key=doc.countries.get) if doc.countries else None
        towns = [p for p in towns if p.country == main]
        if len(towns) < 3:
            return None
        home = None
        for (m, p) in resolved:
            if p is not None and p.kind == "city" and p.country == main and any(a <= m.start < b for a, b in datelines):
                home = p
                break
        if home is None:
            cities = Counter(p.id for p in towns if p.kind == "city")
            if not cities:
                return None
            top = cities.most_common(1)[0][0]
            home = next(p for p in towns if p.id == top)
        near = sum(haversine_km(home.lat, home.lon, p.lat, p.lon) <= 30 for p in towns)
        if near >= 0.6 * len(towns):
            return home
        # else a document about one region ("the Savanes region", its towns): that region
        regions = Counter(p.admin1 for p in towns if p.admin1)
        if not regions:
            return None
        name, n = regions.most_common(1)[0]
        region = next((p for p in towns if p.kind == "admin1" and p.admin1 == name), None)
        return region if region is not None and n >= 0.6 * len(towns) else None

    def _compass_compounds(self, doc: Doc, ctx: ResolveContext) -> None:
        """"Sud-Liban", "Nord-Mali", "Liban-Sud": the part of the country the compound names (a zone)."""
        for m in _COMPASS.finditer(doc.text):
            direction, base = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            i = doc.sentence_at(m.start(), m.end())
            if i is None or any(p.start <= m.start() < p.end for p in doc.sentences[i].places):
                continue
            c = self.gaz.country(base)
            if c is None or c.kind != "country":
                continue
            zone = self.gaz.directional(direction, base, ctx, m.group(0))
            if zone is not None:
                doc.sentences[i].places.append(PlaceRef(zone, m.start(), m.end(), m.group(0), "places.compass-compound"))
                doc.sentences[i].places.sort(key=lambda p: p.start)

    def _same_country(self, name: str, cc: str) -> bool:
        c = self.gaz.country(name)
        return c is not None and c.country == cc

    @staticmethod
    def _plausible(match: PlaceMatch, doc: Doc) -> bool:
        """The more a country matters in the document, the smaller the places in it we believe.

        Main countries (weight >= 0.6): any place; secondary (>= 0.2): towns of 20,000+, regions and
        zones; elsewhere only cities of 300,000+ (1,000,000+ when the text is clearly about another
        country). Countries themselves always count.
        """
        if match.kind == "country":
            return True
        w = doc.countries.get(match.country or "", 0.0)
        if w >= 0.6:
            return True
        if w >= 0.2:
            return match.kind in ("admin1", "zone", "airport") or match.population >= 20_000
        if max(doc.countries.values(), default=0.0) >= 0.6:  # a text clearly about somewhere else
            return match.kind in ("city", "airport") and match.population >= 1_000_000
        return match.kind in ("city", "airport") and match.population >= 300_000
