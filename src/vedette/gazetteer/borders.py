"""Border zones named in text: 'the border with Algeria', 'the Mali-Algeria border', 'la frontière avec
l'Algérie', 'la frontière algérienne', 'the Algerian border', "Mali's border with Niger".

A border zone is the strip of one country (the *own* country) within ``km`` of another (see
``geometry.border_shape``). The other country is read off the text (names, codes and demonyms all come
from the gazetteer's countries and demonyms tables); the own country is named in the text ('the
Mali-Algeria border', "Mali's border with ...") or is the strongest country of the context. A pair
names both: the one the context favours is the own country, else the first.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vedette.gazetteer.geometry import BORDER_KM, border_id, border_shape, centre

if TYPE_CHECKING:
    from vedette.gazetteer.resolver import Gazetteer, PlaceMatch, ResolveContext

_CAP = r"[A-ZÀ-ÖØ-Þ][\w’'\-]*"
_NAME = rf"{_CAP}(?:(?:\s+(?:(?:de|du|des|la|le|of|the|da|do|di)\s+){{0,2}}|\s+[dl]['’]){_CAP}){{0,4}}"
_ART = r"(?:(?:[Tt]he|[Ll]e|[Ll]a|[Ll]es)\s+|[Ll]['’])?"
_BORDER = r"(?i:borders?|frontiers?|frontières?|boundary|border\s+areas?|borderlands?)"
PATTERNS = [
    # "Mali's border with Algeria", "the border with Algeria", "la frontière avec l'Algérie"
    re.compile(rf"(?:(?P<own>{_NAME})['’]s\s+)?{_BORDER}\s+(?i:with|avec)\s+(?P<other>{_ART}{_NAME})"),
    # "the border between Mali and Algeria", "la frontière entre le Mali et l'Algérie"
    re.compile(rf"{_BORDER}\s+(?i:between|entre)\s+(?P<a>{_ART}{_NAME})\s+(?i:and|et)\s+(?P<b>{_ART}{_NAME})"),
    # "la frontière du Niger", "à la frontière de la Mauritanie", "the border of Niger"
    re.compile(rf"{_BORDER}\s+(?i:du|des|de\s+la|de\s+l['’]|de|d['’]|of)\s*(?P<other>{_ART}{_NAME})"),
    # "la frontière algérienne", "frontières nigériennes" (demonyms only)
    re.compile(r"(?i:frontières?)\s+(?P<adj>[a-zà-ÿ]{4,})\b"),
    # "the Algerian border", "the Mali-Algeria border", "Mali–Algeria border area"
    re.compile(rf"(?P<pair>{_NAME}(?:\s*[–—/]\s*{_NAME})?)\s+{_BORDER}"),
]
_LEAD = re.compile(r"^(?:(?:the|le|la|les)\s+|l['’]\s*)", re.IGNORECASE)
_TAIL = re.compile(r"\s+(?:borders?|frontiers?|frontières?|border\s+areas?)$", re.IGNORECASE)
_SEP = re.compile(r"\s*[-–—/]\s*")


def country_code(gaz: Gazetteer, text: str) -> str | None:
    """ISO2 code for a country name (English or French), ISO2/ISO3 code or demonym; None otherwise."""
    t = _TAIL.sub("", _LEAD.sub("", text.strip().strip(".,;:()"))).strip()
    if len(t) < 2:
        return None
    if len(t) == 2:
        if not t.isupper():
            return None
        rows = gaz._query("SELECT cc FROM countries WHERE cc=?", (t,))
        return rows[0][0] if rows else None
    if len(t) == 3 and t.isupper():
        rows = gaz._query("SELECT cc FROM countries WHERE iso3=?", (t,))
        if rows:
            return rows[0][0]
    cc = gaz.country_for_demonym(t)
    if cc:
        return cc
    m = gaz.country(t)
    return m.country if m is not None else None


def _prefix_country(gaz: Gazetteer, text: str) -> str | None:
    """The country named by the longest leading run of words ('Algeria Tuesday' -> DZ)."""
    words = text.split()
    for n in range(len(words), 0, -1):
        cc = country_code(gaz, " ".join(words[:n]))
        if cc:
            return cc
    return None


def _suffix_country(gaz: Gazetteer, text: str) -> str | None:
    """The country named by the longest trailing run of words ('The Algerian' -> DZ)."""
    words = text.split()
    for n in range(len(words)):
        cc = country_code(gaz, " ".join(words[n:]))
        if cc:
            return cc
    return None


def _pair(gaz: Gazetteer, text: str) -> tuple[str | None, str | None]:
    """'Mali-Algeria' -> (ML, DZ); 'Guinea-Bissau' or 'Algerian' -> (None, code)."""
    for sep in reversed(list(_SEP.finditer(text))):
        right = country_code(gaz, text[sep.end() :])
        left = _suffix_country(gaz, text[: sep.start()]) if right else None
        if right and left:
            return left, right
    return None, _suffix_country(gaz, text)


def _context_countries(ctx: ResolveContext | None, exclude: str) -> list[str]:
    if ctx is None:
        return []
    ranked = sorted(((-w, cc) for cc, w in ctx.countries.items() if cc != exclude and w > 0))
    return [cc for _, cc in ranked]


def _sides(gaz: Gazetteer, m: re.Match, ctx: ResolveContext | None) -> tuple[list[str], str | None]:
    """(own countries to try, in order; the other country)."""
    groups = m.groupdict()
    own = other = None
    pair = False
    if groups.get("adj") is not None:
        other = gaz.country_for_demonym(groups["adj"])
    elif groups.get("pair") is not None:
        own, other = _pair(gaz, groups["pair"])
        pair = True
    elif groups.get("a") is not None:
        own, other = _prefix_country(gaz, groups["a"]), _prefix_country(gaz, groups["b"])
        pair = True
    else:
        other = _prefix_country(gaz, groups["other"])
        if groups.get("own"):
            own = _suffix_country(gaz, groups["own"])
    if other is None:
        return [], None
    # 'the Mali-Algeria border' in a text about Algeria: the Algerian side
    if pair and own is not None and ctx is not None and ctx.countries.get(other, 0) > ctx.countries.get(own, 0):
        own, other = other, own
    if own is not None:
        return ([own] if own != other else []), other
    return _context_countries(ctx, other), other  # the context's countries, strongest first


def _name(gaz: Gazetteer, cc: str) -> str:
    rows = gaz._query("SELECT name FROM countries WHERE cc=?", (cc,))
    return rows[0][0] if rows else cc


def border_zone(
    gaz: Gazetteer, own: str, other: str, km: float = BORDER_KM, surface: str | None = None
) -> PlaceMatch | None:
    """The strip of ``own`` within ``km`` of ``other`` (names, codes or demonyms), None when either is not
    a country or they are further apart than ``km``."""
    from vedette.gazetteer.resolver import PlaceMatch

    a, b = country_code(gaz, own), country_code(gaz, other)
    if a is None or b is None or a == b:
        return None
    shape = border_shape(a, b, float(km))
    if shape is None:
        return None
    lat, lon = centre(shape)
    a_name, b_name = _name(gaz, a), _name(gaz, b)
    return PlaceMatch(
        border_id(a, b, float(km)),
        surface or f"{a_name}: border with {b_name}",
        "zone",
        a,
        None,
        lat,
        lon,
        0,
        1.0,
        f"part of {a_name} within {km:g} km of {b_name}",
    )


def find_borders(
    gaz: Gazetteer, text: str, ctx: ResolveContext | None = None, km: float = BORDER_KM
) -> list[tuple[int, int, PlaceMatch]]:
    """Every border zone named in ``text``: (start, end, zone), in order, without overlaps."""
    found: list[tuple[int, int, PlaceMatch]] = []
    for pat in PATTERNS:
        for m in pat.finditer(text):
            if any(m.start() < e and s < m.end() for s, e, _ in found):
                continue
            owns, other = _sides(gaz, m, ctx)
            for own in owns if other else []:
                zone = border_zone(gaz, own, other, km, surface=m.group(0))
                if zone is not None:
                    found.append((m.start(), m.end(), zone))
                    break
    found.sort(key=lambda t: t[0])
    return found
