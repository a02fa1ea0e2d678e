"""Killed, injured and kidnapped counts from digits and number words (English and French).

The field comes from the verb next to the number; several "N nouns" joined by "and"/commas before one
verb are summed ("15 soldiers and three civilians were killed" = 18). "At least 14" is 14, "more
than 150" is 150; vague amounts ("dozens", "des dizaines", "hundreds") give nothing. A list of "a/an"
nationals before the verb counts its items ("a Dutch, a South African and a Swedish national were
kidnapped" = 3); "killing <Name>" or "the death of <Name>" is 1.
"""

from __future__ import annotations

import re

from vedette.intake.components.dates import MONTHS, TIME
from vedette.intake.components.lexicon import rows, trie_regex
from vedette.intake.pipeline import Component, Doc, Sentence, component

VERBS = {
    "killed": r"killed|killing|kills|shot dead|gunned down|shot and killed|dead|died|deaths?|murdered|slain|massacred|executed|lost their lives|"
    r"tués?|tuées?|tuant|morts?|décédés?|périr|ont péri|exécutés?",
    "injured": r"injur(?:ed|ing|ies)|wounded|wounding|hurt|blessés?|blessées?|blessant",
    "hostages_or_kidnapped": r"kidnapp?(?:ed|ing)|abducted|abducting|taken hostage|took (?:as many as )?(?:\d+ )?"
    r"hostages?|hostages|held captive|enlevés?|enlevées?|otages|kidnappés?|arrested",
}
QUAL = (
    r"(?:at least|more than|over|some|about|around|approximately|nearly|almost|up to|as many as|roughly|"
    r"au moins|plus de|près de|environ|quelque|une|un|their|leurs|les|ses|its)?"
)


def _number_words() -> dict[str, int]:
    out: dict[str, int] = {}
    for lang in ("en", "fr"):
        for r in rows(lang, "numbers.tsv"):
            out[r[0].lower()] = int(r[1])
    return out


NUMBERS = _number_words()
_NUMWORD = "|".join(
    sorted((re.escape(w) for w in NUMBERS if w not in ("a", "an", "un", "une")), key=len, reverse=True)
)
# compound number words: "twenty-one", "vingt-deux", "vingt et un", "one hundred"
_COMPOUND = rf"(?:{_NUMWORD})(?:(?:-|\s+et\s+|-et-)(?:{_NUMWORD}|une?|one))?"
NUM = rf"(?:\d{{1,3}}(?:[,\s]\d{{3}})+|\d+|{_COMPOUND})"
NOUN = r"(?:\s+(?!and\b|et\b|were\b|was\b)[\w\-.’']+){0,3}?"
_ITEM = rf"(?:{QUAL}\s+)?(?:{NUM}){NOUN}"
_WHEN = r"(?:(?:hier|avant-hier|yesterday|overnight|ce matin|this morning|cette nuit|last night)\s+)?"
_SEP = r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s+et\s+)"


_ITEM_RE = re.compile(rf"(?:{QUAL}\s+)?(?P<n>{NUM})(?P<noun>{NOUN})", re.IGNORECASE)


def to_int(token: str) -> int | None:
    """Digits ("1,200") or number words, compounds included ("twenty-one" = 21, "vingt et un" = 21)."""
    token = token.strip().lower()
    if re.fullmatch(r"\d{1,3}(?:[,\s]\d{3})+|\d+", token):
        return int(re.sub(r"[,\s]", "", token))
    if token not in NUMBERS:
        parts = [p for p in re.split(r"-et-|\s+et\s+|-", token) if p]
        if len(parts) == 2 and all(p in NUMBERS for p in parts):
            a, b = NUMBERS[parts[0]], NUMBERS[parts[1]]
            return a * b if b == 100 else a + b
    return NUMBERS.get(token)


class _Rules:
    def __init__(self) -> None:
        self.rules: list[tuple[str, str, re.Pattern[str]]] = []
        self.verb_any = {f: re.compile(rf"\b(?:{v})\b", re.IGNORECASE) for f, v in VERBS.items()}
        self.number_any = re.compile(rf"(?<!\w)(?:{NUM})(?!\w)", re.IGNORECASE)
        for field, verbs in VERBS.items():
            v = rf"(?:{verbs})"
            # "killed four U.S. soldiers and four Nigerien soldiers", "tuant 12 soldats", "kidnapping of two"
            self.rules.append(
                (
                    field,
                    "verb-then-list",
                    re.compile(
                        rf"\b{v}\s+{_WHEN}(?:of\s+|de\s+)?(?P<list>(?:{_ITEM}{_SEP})*{_ITEM})(?!\w)", re.IGNORECASE
                    ),
                )
            )
            # "15 soldiers and three civilians were killed", "12 people killed", "14 morts"
            self.rules.append(
                (
                    field,
                    "list-before-verb",
                    re.compile(
                        rf"(?<![\w.,])(?P<list>(?:{_ITEM}{_SEP})*{_ITEM})\s+"
                        rf"(?:(?:were|was|have been|had been|are|ont été|sont|a été|been)\s+)?(?:reportedly\s+)?{v}\b",
                        re.IGNORECASE,
                    ),
                )
            )
        item = r"(?:an?|one)\s+[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)?"
        self.a_list = re.compile(
            rf"(?P<list>(?:{item}(?:\s*,\s*(?:and\s+)?|\s+and\s+))+{item})\s+nationals?\s+were\s+"
            r"(?P<verb>kidnapped|abducted|killed|injured|wounded|taken hostage)"
        )
        self.single = re.compile(
            r"\b(?:an?|one)\s+(?:[A-Z][\w\-]*\s+)?(?:national|citizen|soldier|civilian|tourist|aid worker|"
            r"journalist|priest|man|woman|peacekeeper|police officer|policeman)\s+(?:was|has been)\s+"
            r"(?P<verb>killed|kidnapped|abducted|injured|wounded)"
            r"|\b(?:un|une)\s+(?:casque bleu|soldat|militaire|civil|civile|gendarme|policier|humanitaire|journaliste|"
            r"prêtre|ressortissant(?:e)?\s+\w+|touriste|enseignant(?:e)?|homme|femme)\s+(?:a|aurait)\s+été\s+"
            r"(?P<verbfr>tuée?|blessée?|enlevée?|kidnappée?)\b"
        )
        self.named = re.compile(
            r"\b(?:killing|killed|neutrali[sz]ed|the death of|la mort de|tuant)\s+(?!(?:at|more|some|about|over)\b)"
            r"(?P<name>[A-Z][a-zà-ÿ]+(?:[\s\-](?:ag|ould|ben|bin|al|el|[A-Z][a-zà-ÿ]+)){0,3})\b"
        )


RULES: _Rules | None = None
_MONTHS = trie_regex({m for m in MONTHS if len(m) > 3})  # month names from lang/*/dates.tsv
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.IGNORECASE)
_MONTH_WORD = re.compile(rf"\b(?:{_MONTHS})\b", re.IGNORECASE)
_VERB_FIELD = {
    "kidnapped": "hostages_or_kidnapped",
    "abducted": "hostages_or_kidnapped",
    "taken hostage": "hostages_or_kidnapped",
    "killed": "killed",
    "injured": "injured",
    "wounded": "injured",
    "tué": "killed",
    "tuée": "killed",
    "blessé": "injured",
    "blessée": "injured",
    "enlevé": "hostages_or_kidnapped",
    "enlevée": "hostages_or_kidnapped",
    "kidnappé": "hostages_or_kidnapped",
}
_NOT_PEOPLE = re.compile(
    r"\b(?:percent|per cent|%|years?|months?|days?|hours?|km|kilomet\w+|miles?|dollars?|"
    r"\$|million|billion|villages?|attacks?|times|troops deployed|pour cent|ans|mois|jours)\b",
    re.IGNORECASE,
)


def find_counts(s: Sentence) -> dict[str, tuple[int, int, int, str]]:
    global RULES
    if RULES is None:
        RULES = _Rules()
    text = TIME.sub(lambda m: " " * len(m.group(0)), s.text)  # "vers 19 h 30, trois humanitaires": no 52
    out: dict[str, tuple[int, int, int, str]] = {}
    fields = {f for f, pat in RULES.verb_any.items() if pat.search(text)}
    if not fields:
        return out
    numbered = RULES.number_any.search(text) is not None
    for field, rule, pat in RULES.rules:
        if field in out or field not in fields or not numbered:
            continue
        pos = 0
        while (m := pat.search(text, pos)) is not None:
            pos = m.start() + 1  # a rejected match may hide a good one starting later
            total, ok = 0, True
            lst = m.group("list")
            items = list(_ITEM_RE.finditer(lst))
            before = text[max(0, m.start() - 12) : m.start()]
            if _MONTH_BEFORE.search(before) and lst[:1].isdigit():
                continue
            for k, it in enumerate(items):
                if _NOT_PEOPLE.search(it.group(0)) or re.fullmatch(r"(?:19|20)\d\d", it.group("n")):
                    ok = False
                    break
                n = to_int(it.group("n"))
                if n is None:
                    ok = False
                    break
                tail = lst[it.end("n") : items[k + 1].start() if k + 1 < len(items) else len(lst)]
                if _MONTH_WORD.search(tail):
                    total = 0  # "Le 22 juillet, six civils ...": a day of the month is no count
                    continue
                other = [f for f, p in RULES.verb_any.items() if f != field and p.search(tail)]
                total = 0 if other else total + n  # "12 morts et 21 blessés": the dead are not the wounded
            if ok and total:
                if field == "hostages_or_kidnapped" and "arrested" in m.group(0).lower() and total < 2:
                    continue
                out[field] = (total, s.start + m.start(), s.start + m.end(), f"counts.{rule}")
                break
    for m in RULES.a_list.finditer(text):
        field = _VERB_FIELD[m.group("verb").lower()]
        n = len(re.findall(r"\b(?:an?|one)\s", m.group("list"), re.IGNORECASE))
        out.setdefault(field, (n, s.start + m.start(), s.start + m.end(), "counts.a-list"))
    for m in RULES.single.finditer(text):
        field = _VERB_FIELD[(m.group("verb") or m.group("verbfr")).lower()]
        out.setdefault(field, (1, s.start + m.start(), s.start + m.end(), "counts.single-person"))
    if "killed" not in out:
        m = RULES.named.search(text)
        if m:
            out["killed"] = (1, s.start + m.start(), s.start + m.end(), "counts.named-person")
    return out


@component("counts")
class Counts(Component):
    requires = ("sentences",)
    assigns = ("sentences.counts",)

    def __call__(self, doc: Doc) -> Doc:
        for s in doc.sentences:
            s.counts = find_counts(s)
        return doc
