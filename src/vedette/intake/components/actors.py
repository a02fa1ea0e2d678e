"""Actors: armed groups, forces and institutions from a lexicon (data), plus general patterns
("<nationality> troops" -> "<Nationality> armed forces", "unknown gunmen", "hommes armés non identifiés"),
and acronyms a text defines for an armed body ("the Committee for ... (CNXX)")."""

from __future__ import annotations

import re
from pathlib import Path

from vedette.gazetteer import get_gazetteer
from vedette.intake.components.lexicon import LANG_DIR, rows, trie_regex
from vedette.intake.pipeline import Component, Doc, component
from vedette.intake.regex import compile as rx_compile

_DEFINED = rx_compile(
    r"\b(?P<name>(?:[A-Z][\w’'\-]+\s+)(?:(?:of|for|the|and|de|du|des|la|le|pour|et|[A-Z][\w’'\-]+)\s+){1,12}?"
    r"[A-Z][\w’'\-]+)\s+\((?P<acr>[A-Z]{3,8})\)"
)
_BODY = rx_compile(
    r"\b(?:Committee|Movement|Front|Council|Army|Forces?|Brigade|Militia|Group|Alliance|"
    r"Comité|Mouvement|Conseil|Armée|Groupe)\b"
)


FRENCH: dict[str, str] = {}  # canonical name -> the name French documents use ("Islamic State" -> "État islamique")


def _load_lexicon(extra: str | None) -> tuple[dict[str, tuple[str, str]], re.Pattern[str] | None]:
    """Alias -> (canonical name, kind), and one prefix-tree regex over every alias (longest wins).

    A fourth column gives the name used in French documents; it is kept in ``FRENCH``."""
    lines = (LANG_DIR / "actors.tsv").read_text(encoding="utf-8").splitlines()
    if extra:
        lines += Path(extra).read_text(encoding="utf-8").splitlines()
    aliases: dict[str, tuple[str, str]] = {}
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        for a in parts[2].split("|"):
            if a.strip():
                aliases[a.strip()] = (parts[0].strip(), parts[1].strip())
        if len(parts) > 3 and parts[3].strip():
            FRENCH[parts[0].strip()] = parts[3].strip()
    if not aliases:
        return aliases, None
    return aliases, rx_compile(r"(?<![\w-])(?:" + trie_regex(set(aliases)) + r")(?![\w]|-(?!linked|affiliated|backed|aligned|allied|led)\w)")


def _demonyms() -> dict[str, str]:
    """ISO2 -> English adjective, from the gazetteer's curated demonym list (first English form); read from
    the package's data folder, not from beside the built gazetteer file (which lives in a cache now)."""
    from vedette.gazetteer.resolver import DATA

    path = DATA / "demonyms.tsv"
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                cc, forms = line.split("\t")
                out[cc] = forms.split("|")[0]
    return out


@component("actors")
class Actors(Component):
    requires = ("sentences", "lang")
    assigns = ("sentences.actors",)

    def initialize(self) -> None:
        from vedette.config import get_settings

        extra = getattr(get_settings(), "actor_lexicon_path", None)
        self.aliases, self.lexicon_re = _load_lexicon(str(extra) if extra else None)
        self.patterns = {
            lang: [(r[0], rx_compile(r[1]), r[2]) for r in rows(lang, "actor_patterns.tsv")]
            for lang in ("en", "fr")
        }
        self.gaz = get_gazetteer()
        self.demonym = _demonyms()

    def __call__(self, doc: Doc) -> Doc:
        defined: dict[str, str] = {}
        for m in _DEFINED.finditer(doc.text):
            if _BODY.search(m.group("name")):
                defined[m.group("acr")] = m.group("name")
        acr_pat = re.compile(r"\b(" + "|".join(map(re.escape, defined)) + r")\b") if defined else None
        main = max(doc.countries, key=doc.countries.get) if doc.countries else None
        lang = doc.lang if doc.lang in self.patterns else "en"
        found: list[dict[str, tuple[str, int, int, str]]] = [{} for _ in doc.sentences]
        if self.lexicon_re is not None:
            for i, m in doc.matches(self.lexicon_re):
                name, kind = self.aliases[m.group(0)]
                if lang == "fr":
                    name = FRENCH.get(name, name)  # actors are named in the document's language
                found[i].setdefault(name, (name, m.start(), m.end(), f"actors.lexicon.{kind}"))
        if acr_pat:
            for i, m in doc.matches(acr_pat):
                found[i].setdefault(m.group(1), (m.group(1), m.start(), m.end(), "actors.defined-acronym"))
        for rule, pat, output in self.patterns[lang]:
            for i, m in doc.matches(pat):
                for name in self._render(output, m, main):
                    if name.lower() not in {k.lower() for k in found[i]}:
                        found[i][name] = (name, m.start(), m.end(), f"actors.{rule}")
        for i, s in enumerate(doc.sentences):
            s.actors = sorted(found[i].values(), key=lambda a: a[1])
        return doc

    def _render(self, output: str, m: re.Match[str], main: str | None) -> list[str]:
        """The actor name(s) a pattern's output template makes of a match ([] when it does not apply).

        Placeholders: {nat} a demonym, {country} a country as its demonym, {countryname} a country's name,
        {countrytext} a country as written, {countries} a list of countries ("Mali, Niger and Burkina
        Faso"), {doc} the document's main country as a demonym, {0} the match itself (lower-cased); any
        other {group} is that group's text.
        """
        g = m.groupdict()
        if output == "{0}":
            return [m.group(0).lower()]
        if output == "{0nat}":  # the words as written, once the nationality is known to be one
            return [m.group(0).lower()] if self.gaz.country_for_demonym(g["nat"]) else []
        if "{countries}" in output:
            names = []
            for part in re.split(r",\s*(?:and\s+|et\s+)?|\s+(?:and|et)\s+", g["countries"]):
                c = self.gaz.country(part.strip())
                if c is None or c.kind != "country":
                    return []
                names.append(c.name)
            return names
        if "{nat}" in output:
            cc = self.gaz.country_for_demonym(g["nat"])
            if not cc:
                return []
            output = output.replace("{nat}", self.demonym.get(cc, g["nat"]))
        if "{country}" in output or "{countryname}" in output or "{countrytext}" in output:
            c = self.gaz.country(g["country"])
            if c is None or c.kind != "country":
                return []
            output = output.replace("{country}", self.demonym.get(c.country or "", c.name))
            output = output.replace("{countryname}", c.name).replace("{countrytext}", g["country"])
        if "{doc}" in output:
            if not main:
                return []
            output = output.replace("{doc}", self.demonym.get(main, main))
        for key, value in g.items():
            if value and "{" + key + "}" in output:
                output = output.replace("{" + key + "}", " ".join(value.split()))
        return [output]
