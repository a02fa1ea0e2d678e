"""Killed, injured and kidnapped counts from digits and number words (English and French).

Each casualty word of ``lang/*/counts.tsv`` (a verb such as "killed", "tués", "blessant", or a noun such
as "dead", "morts", "hostages") takes the list of counted persons on one side of it:

* before it when it is passive or a noun: "15 soldiers and three civilians were killed" = 18, "12 morts",
  "un ingénieur turc enlevé" = 1, "three people, including a child, died" = 3;
* after it when it is active: "killed four U.S. soldiers and four Nigerien soldiers" = 8, "tuant un
  sous-traitant et blessant six autres" = killed 1, injured 6, "ont enlevé cinq enseignants" = 5.

Items of a list are "<number> <noun>", "a/an/un/une <noun>" (one person however described; "a couple" is
two) or "his/her/son/sa <noun>", joined by "and"/"et" (commas only in a list closed by "and"). "At least
14" is 14, "more than 150" is 150; a vague amount ("dozens", "des dizaines", "une dizaine") anywhere in
the list gives nothing. Numbers that are dates, times, ages, years, distances, percentages or counts of
things ("three attacks", "20 km") are no counts. "killing <Name>" or "the death of <Name>" is 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vedette.intake.components.dates import MONTHS, TIME, WEEKDAYS
from vedette.intake.components.lexicon import LANGS, rows, trie_regex
from vedette.intake.pipeline import Component, Doc, Sentence, component
from vedette.intake.regex import compile as rx_compile

FIELDS = ("killed", "injured", "hostages_or_kidnapped")


def _number_words() -> tuple[dict[str, int], frozenset[str]]:
    values: dict[str, int] = {}
    multipliers: set[str] = set()
    for lang in LANGS:
        for r in rows(lang, "numbers.tsv"):
            values[r[0].lower()] = int(r[1])
            if len(r) > 2 and r[2] == "x":
                multipliers.add(r[0].lower())
    return values, frozenset(multipliers)


NUMBERS, MULTIPLIERS = _number_words()
_DIGITS = rx_compile(r"\d{1,3}(?:[,\s\u00a0\u202f]\d{3})+|\d+")


def to_int(token: str) -> int | None:
    """Digits ("1,200", "5 900") or number words, compounds included ("twenty-one" = 21, "vingt et un" = 21,
    "two hundred and fifty" = 250, "quatre-vingt-dix" = 90, "a dozen" = 12)."""
    token = token.strip().lower().replace("’", "'")
    if _DIGITS.fullmatch(token):
        return int(re.sub(r"\D", "", token))
    if token in NUMBERS:
        return NUMBERS[token]
    parts = [p for p in re.split(r"[\s-]+", token) if p and p not in ("et", "and")]
    if not parts:
        return None
    total = cur = 0
    i = 0
    while i < len(parts):
        word = f"{parts[i]}-{parts[i + 1]}" if i + 1 < len(parts) else ""
        if word not in NUMBERS:
            word = parts[i]
        if word not in NUMBERS:
            return None
        i += word.count("-") + 1
        v = NUMBERS[word]
        if word in MULTIPLIERS:
            if v >= 1000:
                total, cur = total + max(cur, 1) * v, 0
            else:
                cur = max(cur, 1) * v
        else:
            cur += v
    return (total + cur) or None


# the lexicon ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verb:
    field: str
    left: bool  # the count may stand before it
    right: bool  # ... or after it
    lang: str
    noun: bool = False  # "hostages" may also be the noun of a list counted for another word
    foreign: bool = False  # "arrested": only foreign nationals, two or more, count
    plural: bool = False  # a French participle in the plural ("tués") cannot have one person before it


_TOKEN = rx_compile(  # thousands ("1,200", "5 900"), other numbers, abbreviations ("U.S."), words, signs
    r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?![\d-])|\d+(?:[.,]\d+)*(?![\w-])|[A-Za-z]\.(?:[A-Za-z]\.)+"
    r"|\w+(?:-\w+)*'?|[^\w\s]"
)


def _split(phrase: str) -> tuple[str, ...]:
    return tuple(m.group(0) for m in _TOKEN.finditer(phrase.lower().replace("’", "'")))


class _Lexicon:
    def __init__(self) -> None:
        words: dict[str, set[tuple[str, ...]]] = {}
        self.verbs: dict[str, Verb] = {}
        for lang in LANGS:
            for r in rows(lang, "counts.tsv"):
                if len(r) < 3:
                    continue
                kind, arg, phrases = r[0], r[1], [p.strip() for p in r[2].split("|") if p.strip()]
                if kind == "verb":
                    field, _, how = arg.partition(":")
                    for p in phrases:
                        key = " ".join(p.lower().replace("’", "'").split())
                        self.verbs[key] = Verb(
                            field, "L" in how, "R" in how, lang, "+noun" in how, "F" in how,
                            lang == "fr" and key.endswith("s") and " " not in key,
                        )
                else:
                    words.setdefault(kind, set()).update(_split(p) for p in phrases)

        def single(kind: str) -> frozenset[str]:
            return frozenset(t[0] for t in words.get(kind, ()) if len(t) == 1)

        self.passive, self.active = single("passive"), single("active")
        self.singular, self.plural = single("singular"), single("plural")
        self.skip, self.neg = single("skip"), single("neg")
        self.det, self.poss = single("det"), single("poss")
        self.article, self.vague, self.prep = single("article"), single("vague"), single("prep")
        self.clause, self.stop, self.pair = single("clause"), single("stop"), single("pair")
        self.units = frozenset(t[0] for t in words.get("unit", ()))
        self.aux = self.passive | self.active
        self.qual = frozenset(words.get("qual", ()))
        self.aside = frozenset(words.get("aside", ()))
        self.role = frozenset(words.get("role", ()))
        self.role_len = max((len(t) for t in self.role), default=1)
        self.aside_first = frozenset(t[0] for t in self.aside)
        self.qual_len = max((len(t) for t in self.qual), default=1)
        self.aside_len = max((len(t) for t in self.aside), default=1)
        self.seps = frozenset({"and", "et", "or", "ou"})
        self.months = frozenset(
            m for m in MONTHS if len(m) > 3 and m not in NUMBERS and m.isalpha()
        ) | {"may"}
        self.weekdays = frozenset(WEEKDAYS)
        self.numwords = frozenset(w for w in NUMBERS if w not in self.article and w not in MULTIPLIERS)
        trie = trie_regex({k for k in self.verbs}).replace("\\ ", r"\s+")
        self.verb_re = rx_compile(rf"(?<![\w'-])(?:{trie})(?:(?<=')|(?![\w-]))", re.IGNORECASE)


LEX: _Lexicon | None = None


def _lex() -> _Lexicon:
    global LEX
    if LEX is None:
        LEX = _Lexicon()
    return LEX


# tokens -----------------------------------------------------------------------------------------------

@dataclass
class Tok:
    low: str
    start: int
    end: int
    kind: str  # V casualty word, N count-like number, W word, P punctuation
    text: str
    value: int | None = None
    verb: Verb | None = None


def _tokens(text: str, verbs: list[tuple[int, int, Verb]], lx: _Lexicon) -> list[Tok]:
    toks: list[Tok] = []

    def gap(a: int, b: int) -> None:
        for m in _TOKEN.finditer(text, a, b):
            s = m.group(0)
            low = s.lower()
            if s[0].isdigit():
                toks.append(Tok(low, m.start(), m.end(), "N", s, to_int(s) if _DIGITS.fullmatch(s) else None))
            elif s[0].isalnum() or s[0] == "_":
                toks.append(Tok(low, m.start(), m.end(), "W", s))
            else:
                toks.append(Tok(low, m.start(), m.end(), "P", s))

    pos = 0
    for a, b, v in verbs:
        gap(pos, a)
        toks.append(Tok(text[a:b].lower(), a, b, "V", text[a:b], verb=v))
        pos = b
    gap(pos, len(text))
    return _merge_numbers(toks, lx)


def _merge_numbers(toks: list[Tok], lx: _Lexicon) -> list[Tok]:
    """Number words into one N token: "twenty-one", "vingt et un", "two hundred and fifty", "a dozen"."""
    out: list[Tok] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        starts = t.kind == "W" and (
            t.low in lx.numwords
            or ("-" in t.low and to_int(t.low) is not None)
            or (t.low in ("a", "an", "one", "un", "une") and i + 1 < n and toks[i + 1].low in MULTIPLIERS)
        )
        if not starts:
            out.append(t)
            i += 1
            continue
        words, j = [t.low], i + 1
        while j < n:
            low, last = toks[j].low, words[-1]
            if low in MULTIPLIERS:
                words.append(low)
                j += 1
            elif low in ("et", "and") and j + 1 < n and (
                (last in MULTIPLIERS and toks[j + 1].low in lx.numwords)
                or (low == "et" and toks[j + 1].low in ("un", "une", "onze"))
            ):
                words += [low, toks[j + 1].low]
                j += 2
            elif last in MULTIPLIERS and toks[j].low in lx.numwords:
                words.append(low)
                j += 1
            else:
                break
        value = to_int(" ".join(words))
        if value is None:
            out.append(t)
            i += 1
            continue
        end = toks[j - 1]
        out.append(Tok(" ".join(words), t.start, end.end, "N", " ".join(words), value))
        i = j
    return out


# items -------------------------------------------------------------------------------------------------

@dataclass
class Item:
    value: int
    start: int  # index of the first token (qualifier included)
    count: int  # index of the count token
    end: int  # index of the last token
    kind: str  # num, article, poss


VAGUE = "vague"


def _is_count(toks: list[Tok], k: int, lx: _Lexicon) -> bool:
    """A number token that counts persons: not a date, time, year, age, distance, share or thing."""
    t = toks[k]
    if t.kind != "N" or t.value is None:
        return False
    nxt = toks[k + 1] if k + 1 < len(toks) else None
    if nxt is not None and nxt.low in ("of", "de", "d'") and k + 2 < len(toks):
        after = toks[k + 2]
        if after.low in lx.units or after.low in lx.months:
            return False
    if nxt is not None and (nxt.low in lx.units or nxt.low in lx.months):
        return False
    if nxt is not None and nxt.start == t.end and nxt.kind == "W":
        return False  # "1er", "3rd", "5e"

    prev = toks[k - 1] if k > 0 else None
    if prev is not None and (prev.low in ("$", "€", "£", "n°", "no", "number", "numéro")
                             or (prev.low in lx.months and t.low[0].isdigit())):
        return False  # "March 3"
    if t.low.isdigit() and len(t.low) == 4 and 1900 <= t.value <= 2100:
        if prev is None or prev.kind == "P" or prev.low in lx.prep or prev.low in lx.det or prev.low in (
            "since", "depuis", "year", "année", "the", "le", "l'", "in", "en"
        ):
            return False
        if nxt is None or nxt.kind == "P":
            return False
    return True


def _phrase_before(toks: list[Tok], e: int, phrases: frozenset[tuple[str, ...]], longest: int) -> int:
    """Length of the phrase of ``phrases`` that ends at token ``e`` (0 if none)."""
    for n in range(min(longest, e + 1), 0, -1):
        if tuple(t.low for t in toks[e - n + 1 : e + 1]) in phrases:
            return n
    return 0


def _phrase_at(toks: list[Tok], s: int, phrases: frozenset[tuple[str, ...]], longest: int) -> int:
    for n in range(min(longest, len(toks) - s), 0, -1):
        if tuple(t.low for t in toks[s : s + n]) in phrases:
            return n
    return 0


def _title(t: Tok) -> bool:
    return t.kind == "W" and t.text[:1].isupper() and t.text[1:2].islower()


def _item_left(toks: list[Tok], j: int, lx: _Lexicon, adjacent: bool) -> Item | str | None:
    """The list item ending at token ``j``, read leftwards: nouns back to a count."""
    nouns: list[int] = []
    k = j
    while k >= 0:
        t = toks[k]
        low = t.low
        if t.kind == "N" and _is_count(toks, k, lx):
            break
        if low in lx.article and nouns and k > 0 and toks[k - 1].low in ("of", "de", "d'", "du", "des"):
            nouns.append(k)  # "deux employés d'une ONG locale": the article of a complement, not of the item
            k -= 1
            continue
        if low in lx.article or low in lx.poss:
            if nouns or (adjacent and low in lx.article and k == j):
                break
            return None
        if low in lx.vague:
            return VAGUE
        if t.kind == "V" and not (t.verb and t.verb.noun) and not (k > 0 and toks[k - 1].low in lx.det):
            return None  # "two of the injured died": "the injured" is a noun here
        if t.kind == "P" and low not in ("-", "'"):
            return None
        if low in lx.seps or low in lx.clause or low in lx.stop or low in lx.aux or low in lx.neg:
            return None
        if low in lx.aside_first and _phrase_at(toks, k, lx.aside, lx.aside_len):
            return None
        nouns.append(k)
        if len(nouns) > 9:
            return None
        k -= 1
    if k < 0:
        return None
    t = toks[k]
    if t.kind == "N":
        kind, value = "num", t.value or 0
    else:
        kind = "article" if t.low in lx.article else "poss"
        value = 2 if any(toks[i].low in lx.pair for i in nouns) else 1
    core = []  # the noun before its complement: "chauffeur" in "un chauffeur de camion"
    for i in reversed(nouns):
        if toks[i].low in ("of", "de", "d'", "du", "des"):
            break
        core.append(i)
    if core:
        head, first = toks[core[-1]], toks[core[0]]
        if head.low in lx.units or (kind != "num" and first.low in lx.units):
            return None
        if len(head.low) > 4 and head.low.endswith("ed") and not _title(head):
            return None  # "a bomb exploded and ...": a clause, not a noun
    s = k
    while s > 0:
        n = _phrase_before(toks, s - 1, lx.qual, lx.qual_len)
        if n:
            s -= n
        elif toks[s - 1].low in lx.det and kind == "num":
            s -= 1
        else:
            break
    if s > 0 and (toks[s - 1].low in lx.neg or (kind != "num" and toks[s - 1].low in lx.prep)):
        return None  # "in a raid, ...": the object of a preposition is no victim
    return Item(value, s, k, j, kind)


def _item_right(toks: list[Tok], j: int, lx: _Lexicon) -> Item | str | None:
    """The list item starting at token ``j``: [qualifier] [determiner] count."""
    n = len(toks)
    if toks[j].low in _DEFINITE and j + 1 < n:
        # "the mayor", "le préfet": one person named by a role (a singular role: "the soldiers" is no count)
        r = _phrase_at(toks, j + 1, lx.role, lx.role_len)
        if r and not (j + 1 + r < n and toks[j + 1 + r].low in ("of", "de", "du", "des", "d'") and r == 1
                      and toks[j + 1].low in ("head", "chef", "chief", "leader")):
            return Item(1, j, j, j + r, "article")
    k = j
    while k < n:
        q = _phrase_at(toks, k, lx.qual, lx.qual_len)
        if q and not (toks[k].low in lx.article and k + q < n and toks[k + q].kind != "N"):
            k += q
        elif toks[k].low in lx.det or (toks[k].low in lx.poss and k + 1 < n and toks[k + 1].kind == "N"):
            k += 1  # "the two hostages", "his two brothers"
        else:
            break
    if k >= n:
        return None
    t = toks[k]
    if t.low in lx.neg:
        return None
    if t.low in lx.vague:
        return VAGUE
    if t.kind == "N":
        return Item(t.value or 0, j, k, k, "num") if _is_count(toks, k, lx) else None
    if t.low in lx.article or t.low in lx.poss:
        nxt = toks[k + 1] if k + 1 < n else None
        if nxt is None:
            return None
        if nxt.low in lx.vague:
            return VAGUE
        noun = nxt.kind == "W" or (nxt.kind == "N" and not _is_count(toks, k + 1, lx))
        if not noun or nxt.low in lx.units or nxt.low in lx.seps or nxt.low in lx.clause:
            return None
        if nxt.low in lx.prep:
            return None
        nouns = toks[k + 1 : k + 5]
        value = 2 if t.low in lx.article and any(x.low in lx.pair for x in nouns[:3]) else 1
        return Item(value, j, k, k + 1, "article" if t.low in lx.article else "poss")
    return None


# nouns for a whole group that the rest of a list may break down ("five staff members, four Yemenis and one ...")
_COLLECTIVE = frozenset(
    ["people", "persons", "staff", "members", "workers", "employees", "civilians", "passengers", "personnes", "employés", "agents", "membres", "travailleurs", "humanitaires", "civils", "passagers"]
)
_DEFINITE = frozenset({"the", "le", "la", "l'"})
_PUNCT_STOP = frozenset({",", "(", "—", "–", ";", ":"})


def _sep_left(toks: list[Tok], j: int, lx: _Lexicon) -> tuple[str, int] | None:
    if j < 0:
        return None
    low = toks[j].low
    if low in ("and", "et"):
        return ("comma-and", j - 2) if j > 0 and toks[j - 1].low == "," else ("and", j - 1)
    if low == ",":
        return "comma", j - 1
    return None


def _boundary(toks: list[Tok], i: int, lx: _Lexicon, comma: bool) -> bool:
    """A list item (not the one next to the verb) must begin a phrase: after punctuation, "and", "that"...;
    one joined by a bare comma only after punctuation or "and" ("Selon une source, deux soldats ...")."""
    if i < 0:
        return True
    t = toks[i]
    return t.kind == "P" or t.low in lx.seps or (not comma and t.low in lx.clause)


def _aside_before(toks: list[Tok], j: int, lx: _Lexicon) -> bool:
    """Whether the comma-delimited segment ending at token ``j`` is an aside ("dont 31 femmes")."""
    k = j
    while k >= 0 and toks[k].low not in _PUNCT_STOP and toks[k].kind != "V":
        k -= 1
    return k < j and bool(_phrase_at(toks, k + 1, lx.aside, lx.aside_len))


def _left(toks: list[Tok], v: int, lx: _Lexicon) -> tuple[int, int] | None:
    """(total, index of the first token) of the list before the casualty word at ``v``."""
    verb = toks[v].verb
    j = v - 1
    plural: bool | None = None
    while j >= 0:
        low = toks[j].low
        if low in lx.neg:
            return None
        if low in lx.aux or low in lx.skip:
            if plural is None and low in lx.plural:
                plural = True
            elif plural is None and low in lx.singular:
                plural = False
            j -= 1
            continue
        break
    if j >= 0 and toks[j].low in ("s'", "se"):
        return None  # "un drone s'est abattu": no killing
    if j == v - 1 and j >= 0 and toks[j].low in lx.det:
        return None  # "the injured", "des blessés": a noun with no count
    if j >= 0 and toks[j].low in (",", ")", "—", "–"):  # "trois personnes, dont un enfant, ont été tuées"
        k = j - 1
        while k >= 0 and j - k <= 14 and toks[k].low not in _PUNCT_STOP and toks[k].kind != "V":
            k -= 1
        if k >= 0 and toks[k].low in (",", "(", "—", "–") and k < j - 1:
            seg = toks[k + 1 : j]
            if not any(t.kind == "V" for t in seg) and (
                _phrase_at(toks, k + 1, lx.aside, lx.aside_len)
                or not any(t.kind == "N" or t.low in lx.article for t in seg)
            ):
                j = k - 1
    items: list[Item] = []
    seps: list[str] = []
    pending = "and"
    adjacent = j == v - 1
    while j >= 0:
        it = _item_left(toks, j, lx, adjacent and not items)
        if it == VAGUE:
            return None
        if not isinstance(it, Item):
            break
        if items and not _boundary(toks, it.start - 1, lx, pending == "comma"):
            break
        if items:
            seps.append(pending)
        items.append(it)
        sep = _sep_left(toks, it.start - 1, lx)
        if sep is None or (len(items) == 1 and sep[0] == "comma"):
            break
        pending = sep[0]
        if "comma" in pending and _aside_before(toks, sep[1], lx):
            break  # "89 morts, dont 31 femmes et cinq enfants, et 277 blessés": 277 wounded
        j = sep[1]
    if not items:
        return None
    before = items[-1].start - 1
    if before >= 0 and _phrase_before(toks, before, lx.aside, lx.aside_len):
        # "dont 31 femmes et cinq enfants ont été tués": the list is the aside of a count told before
        cut = next((i for i, sep_kind in enumerate(seps) if "comma" in sep_kind), None)
        if cut is None:
            return None
        items = items[: cut + 1]
    if len(items) == 1 and items[0].kind != "num" and items[0].value == 1:
        it = items[0]
        if plural or (plural is None and verb is not None and verb.plural):
            return None  # "after a gunfight soldiers were killed"
        if it.kind == "poss" and plural is not False:
            return None
    return sum(it.value for it in items), items[-1].start


def _right(toks: list[Tok], v: int, lx: _Lexicon) -> tuple[int, int, list[Item]] | None:
    """(total, index of the last token, items) of the list after the casualty word at ``v``."""
    n = len(toks)
    j = v + 1
    while j < n and (toks[j].low in lx.skip or toks[j].low in ("of", "de", "d'")):
        j += 1
    items: list[Item] = []
    seps: list[str] = []
    while j < n:
        it = _item_right(toks, j, lx)
        if it == VAGUE:
            return None
        if not isinstance(it, Item):
            break
        items.append(it)
        k, nxt = it.count + 1, None
        while k < n and k <= it.count + 8:
            t = toks[k]
            if t.low in ("and", "et", ","):
                s = k + 1
                kind = "and" if t.low != "," else "comma"
                if t.low == "," and s < n and toks[s].low in ("and", "et"):
                    s, kind = s + 1, "and"
                nxt = _item_right(toks, s, lx) if s < n else None
                if nxt == VAGUE:
                    return None
                if isinstance(nxt, Item) and _subject(toks, nxt.count, lx):
                    nxt = None  # "killed two and three were wounded": a new clause
                if isinstance(nxt, Item):
                    seps.append(kind)
                    j = s
                break
            if t.kind in ("V", "P") or t.low in lx.clause or t.low in lx.aside_first or t.low in lx.stop:
                break
            if t.low in lx.prep:
                break  # "killing four farmers near the river": the list ends
            it.end = k
            k += 1
        if not isinstance(nxt, Item):
            break
    if not items:
        return None
    if seps and seps[-1] == "comma":  # "killing two soldiers, a spokesman said": no list
        last_and = max((i for i, s in enumerate(seps) if s == "and"), default=-1)
        items = items[: last_and + 2]
    return sum(it.value for it in items), items[-1].end, items


def _subject(toks: list[Tok], k: int, lx: _Lexicon) -> bool:
    """Whether the count at ``k`` begins a clause of its own: a verb or auxiliary follows its noun."""
    for t in toks[k + 1 : k + 5]:
        if t.kind == "V" or t.low in lx.aux:
            return True
        if t.kind != "W" or t.low in lx.seps or t.low in lx.prep or t.low in lx.clause:
            return False
    return False


def _object_follows(toks: list[Tok], v: int, lx: _Lexicon) -> bool:
    """Whether the English word at ``v`` ("killed") is active: an object follows it."""
    j = v + 1
    while j < len(toks) and toks[j].low in lx.skip:
        j += 1
    if j >= len(toks):
        return False
    t = toks[j]
    if t.low in lx.det or t.low in lx.poss or t.low in lx.vague:
        return t.low not in ("of", "de", "d'", "all", "both")
    if _title(t) and t.low not in lx.months and t.low not in lx.weekdays:
        return True
    return _item_right(toks, j, lx) is not None


def _aux_before(toks: list[Tok], v: int, lx: _Lexicon) -> str | None:
    j = v - 1
    while j >= 0 and toks[j].low in lx.skip:
        j -= 1
    if j < 0:
        return None
    if toks[j].low in lx.passive:
        return "passive"
    if toks[j].low in lx.active:
        return "active"
    return None


# sentences ----------------------------------------------------------------------------------------------

_NAMED = rx_compile(
    r"\b(?:killing(?: of)?|killed|neutrali[sz]ed|the (?:death|murder|assassination) of|la mort de|"
    r"l'assassinat de|le meurtre de|tuant|(?:a|ont|avait|avaient|ayant) tué)\s+"
    r"(?!(?:at|more|some|about|over)\b)"
    r"(?P<name>[A-Z][a-zà-ÿ]+(?:[\s\-](?:ag|ould|ben|bin|al|el|[A-Z][a-zà-ÿ]+)){0,3})\b"
    r"(?!\s+(?!(?:in|on|at|and|et|à|au|en|dans|near|près|by|par|who|qui|during|lors|last|with|avec|after|"
    r"après|while|when|de|du|of|for|pour|the|le|la|les|a|an|un|une)\b)[a-zà-ÿ])"
)
# "Wuhayshi was killed in a drone strike", "Droukdel a été tué": a named person, one death
_NAMED_PASSIVE = rx_compile(
    r"(?:^|[,;:]\s+|\b(?:and|et|leader|chef|commander|commandant|emir|émir)\s+)"
    r"(?P<name>[A-Z][a-zà-ÿ]+(?:[\s\-](?:ag|ould|ben|bin|al|el|[A-Z][a-zà-ÿ]+)){0,3}),?\s+"
    r"(?:was|had been|has been|a été|avait été|aurait été)\s+(?:reportedly\s+)?(?:killed|assassinated|shot dead|"
    r"tué|abattu|assassiné)\b"
)
_NOT_NAMES = frozenset(["the", "he", "she", "it", "this", "that", "il", "elle", "ce", "cela", "le", "la", "un", "une", "a"])
# "killed the governor, X, and two others", "tuant le ministre et au moins quatre autres personnes": one more
_OTHERS = rx_compile(
    r"\b(?P<verb>killed|killing|wounded|wounding|injured|injuring|abducted|kidnapped|tuant|tué|blessant|blessé|"
    r"enlevé|enlevant)\s+(?P<obj>(?:the|a|an|le|la|l'|un|une|son|sa|its|his|their)\b[^;.\d]{2,90}?),?\s+"
    r"(?:and|et)\s+(?:at least\s+|au moins\s+)?(?P<n>[\w-]+)\s+(?:others?|other (?:people|persons|civilians)|"
    r"autres?)\b",
    re.IGNORECASE,
)
_OTHERS_FIELD = {"kill": "killed", "tu": "killed", "wound": "injured", "injur": "injured", "bless": "injured",
                 "abduct": "hostages_or_kidnapped", "kidnap": "hostages_or_kidnapped", "enlev": "hostages_or_kidnapped"}
_CLOCK = rx_compile(r"(?<![\d.,])\d{1,2}(?:[.:]\d\d)?\s*[ap]\.?m\b\.?", re.IGNORECASE)


_JOIN = frozenset({"et", "and", ",", "ou", "or"})


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def find_counts(s: Sentence) -> dict[str, tuple[int, int, int, str]]:
    lx = _lex()
    text = s.text.replace("’", "'")
    out: dict[str, tuple[int, int, int, str]] = {}
    verbs = [(m.start(), m.end(), lx.verbs[" ".join(m.group(0).lower().split())])
             for m in lx.verb_re.finditer(text)]
    if not verbs:
        return out
    # "vers 19 h 30, trois humanitaires": 19 and 30 are no counts
    text = _CLOCK.sub(_blank, TIME.sub(_blank, text))
    toks = _tokens(text, verbs, lx)
    last_how = ""
    for v, t in enumerate(toks):
        verb = t.verb
        if verb is None:
            continue
        if verb.left and verb.right:
            aux = _aux_before(toks, v, lx)
            if aux == "active":
                how = "right"
            elif aux is None and last_how == "right" and v > 0 and toks[v - 1].low in _JOIN:
                how = "right"  # "ont tué deux combattants et blessé cinq civils": the auxiliary is shared
            elif aux == "passive" or verb.lang == "fr":
                how = "left"
            else:
                how = "right" if _object_follows(toks, v, lx) else "left"
        else:
            how = "right" if verb.right else "left"
        last_how = how
        if verb.field in out:
            continue
        if how == "left":
            got = _left(toks, v, lx)
            if got and got[0]:
                a = s.start + toks[got[1]].start
                out[verb.field] = (got[0], a, s.start + t.end, "counts.list-before-verb")
            continue
        res = _right(toks, v, lx)
        if not res or not res[0]:
            continue
        total, last, items = res
        head = {x.low for x in toks[items[0].count + 1 : items[1].start]} if len(items) >= 3 else set()
        if head & _COLLECTIVE and items[0].value == sum(it.value for it in items[1:]):
            total = items[0].value  # "five UN staff, four Yemenis and one foreign national": the five, broken down
        if verb.foreign:
            span = [x for it in items for x in toks[it.count + 1 : it.end + 1]]
            if total < 2 or not any(_title(x) for x in span):
                continue
        out[verb.field] = (total, s.start + t.start, s.start + toks[last].end, "counts.verb-then-list")
    for m in _OTHERS.finditer(text):
        field = next(f for stem, f in _OTHERS_FIELD.items() if m.group("verb").lower().startswith(stem))
        n = to_int(m.group("n"))
        if field not in out and n and not re.search(r"\b(?:and|et)\b", m.group("obj")):
            out[field] = (n + 1, s.start + m.start(), s.start + m.end(), "counts.one-and-others")
    if "killed" not in out:
        m = _NAMED_PASSIVE.search(text)
        if m and m.group("name").split()[0].lower() not in _NOT_NAMES:
            out["killed"] = (1, s.start + m.start("name"), s.start + m.end(), "counts.named-person-passive")
    if "killed" not in out:
        m = _NAMED.search(text)
        if m and m.group("name").lower() not in lx.months and m.group("name").lower() not in lx.weekdays:
            out["killed"] = (1, s.start + m.start(), s.start + m.end(), "counts.named-person")
    return out


@component("counts")
class Counts(Component):
    requires = ("sentences",)
    assigns = ("sentences.counts",)

    def initialize(self) -> None:
        _lex()

    def __call__(self, doc: Doc) -> Doc:
        for s in doc.sentences:
            s.counts = find_counts(s)
        return doc
