"""Dates and times in each sentence, English and French, at the precision the text gives.

Absolute ("August 9, 2020", "le 3 février 2012", "4/12/2023" by locale), partial ("in January
2012", "en juillet 2023", "late 2012"), year-less ("22 March", "November 25": the year the text has
established, stepped back a year when that would fall after the document's date) and relative
("on Wednesday", "mercredi dernier", "yesterday", "last month": against the document's date).
Anything not stated outright is marked ``certain=False`` with the rule that inferred it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from vedette.intake.components.lexicon import all_rows, trie_regex
from vedette.intake.pipeline import Component, DateValue, Doc, component
from vedette.intake.regex import compile as rx_compile


def _table(kind: str) -> dict[str, int]:
    out = {}
    for _lang, row in all_rows("dates.tsv"):
        if row[0] == kind:
            for w in row[1].split("|"):
                out[w.lower()] = int(row[2])
    return out


MONTHS = _table("month")
WEEKDAYS = _table("weekday")
_M = trie_regex(set(MONTHS))
_WD = trie_regex(set(WEEKDAYS))
_Y = r"(?P<y>(?:19|20)\d\d)"
_D = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th|er)?"
IC = re.IGNORECASE
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", rx_compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<mo>[01]\d)-(?P<d>[0-3]\d)\b")),
    ("numeric", rx_compile(r"\b(?P<a>[0-3]?\d)/(?P<b>[01]?\d)/(?P<y>(?:19|20)\d\d)\b")),
    # "14/04 – 07h20" opening a log line, "le 14/04": day and month, the year from context
    ("numeric-dm", rx_compile(r"(?:(?<=\n)|^|(?<=\ble )|(?<=\bdu )|(?<=\bau )|(?<=\bon ))(?P<a>[0-3]?\d)/(?P<b>[01]?\d)(?![\d/])")),
    # "04.10.2024" (Swiss, German, French usage): always day first
    ("numeric-dotted", rx_compile(r"(?<![\d.])(?P<a>[0-3]?\d)\.(?P<b>[01]?\d)\.(?P<y>(?:19|20)\d\d)(?![\d.]\d)")),
    # "du 5 au 8 février 2024", "5-8 February": the first day
    ("day-range", rx_compile(
        rf"\b(?:du\s+|from\s+|between\s+)?{_D}\s*(?:au|à|-|–|to|and|et)\s*[0-3]?\d(?:er)?\s+(?P<m>{_M})\b(?:\.?,?\s+{_Y}\b)?", IC
    )),
    ("day-month-year", rx_compile(rf"\b{_D}\s+(?P<m>{_M})\.?,?\s+{_Y}\b", IC)),
    ("month-day-year", rx_compile(rf"\b(?P<m>{_M})\.?\s+{_D},?\s+{_Y}\b", IC)),
    (
        "month-range-year",
        rx_compile(
            rf"\b(?:between\s+|from\s+|entre\s+|de\s+)?(?P<m>{_M})\s+(?:and|to|through|et|à|-|–)\s+(?:{_M})\s+"
            rf"(?:of\s+|de\s+)?{_Y}\b",
            IC,
        ),
    ),
    (
        "month-year",
        rx_compile(
            rf"\b(?P<q>early|mid|late|début|fin|mi-)?\s*(?P<m>{_M})\s+(?:of\s+|de\s+|d['’])?{_Y}\b", IC
        ),
    ),
    ("day-month", rx_compile(rf"\b{_D}\s+(?P<m>{_M})\b(?!\s*,?\s*(?:of\s+)?(?:19|20)\d\d)", IC)),
    ("month-day", rx_compile(rf"\b(?P<m>{_M})\.?\s+{_D}\b(?!\s*,?\s*(?:19|20)\d\d)(?![:\d])", IC)),
    (
        "year",
        rx_compile(
            rf"\b(?P<p>in|en|since|depuis|late|early|fin|début|courant|mi-|by|until|jusqu'en|from|de|of|during|pendant)\s+{_Y}\b", IC
        ),
    ),
    ("month-last", rx_compile(rf"\b(?:(?:last|this past)\s+(?P<m>{_M})|(?P<m2>{_M})\s+(?:dernier|passé))\b", IC)),
    (
        "month-alone",
        rx_compile(
            rf"\b(?:(?P<p>in|en|that|this|ce|cette|since|depuis|until)\s+(?:early\s+|late\s+|mid-?\s*)?"
            rf"|(?P<q>early|mid-?|late|début|fin|mi-)\s*)"
            rf"(?:mois\s+de\s+|d['’])?(?P<m>{_M})\b(?!\s+\d)",
            IC,
        ),
    ),
    (
        "weekday",
        rx_compile(
            rf"\b(?P<pre>on\s+|last\s+|this\s+past\s+|the\s+previous\s+|ce\s+)?(?P<wd>{_WD})"
            r"(?P<post>\s+(?:dernier|passé|soir|matin|après-midi|morning|evening|night|afternoon))?\b",
            IC,
        ),
    ),
    (
        "yesterday",
        rx_compile(r"\b(?P<w>yesterday|hier|avant-hier|today|aujourd['’]hui|tonight|ce soir)\b", IC),
    ),
    (
        "last-month",
        rx_compile(
            r"\b(?P<w>last month|le mois dernier|earlier this month|this month|ce mois-ci|last week|la semaine "
            r"(?:dernière|passée)|earlier this week|this week|cette semaine)\b",
            IC,
        ),
    ),
]
# a dateline opening a paragraph: "CITY, 17 February 2023 –", "CITY (Agency), le 3 mai 2024 -"
# "BAMAKO, Feb. 2, 2012 (Agency) — ", "PORT OF SPAIN, Trinidad, Dec. 31, 2024 — ", and a letter's
# "Conakry, le 6 novembre 2023" line
DATELINE = rx_compile(
    # the town has no digits: "June 29, 2020: ..." opening a chronology entry is no dateline
    r"^[A-ZÀ-Þ](?:[^\W\d_]|[’'\- ]){1,40}(?:\s*\([^)]{1,30}\))?,\s+[^\n]{0,40}?\d{4}\s*(?:\([^)\n]{1,30}\)\s*)?[-–—:]\s"
    r"|^[A-ZÀ-Þ](?:[^\W\d_]|[’'\- ]){1,40},\s+(?:le\s+|on\s+)?\d{1,2}(?:er|st|nd|rd|th)?\s+[^\W\d]+\.?\s+\d{4}\s*$",
    re.MULTILINE,
)
TIME = rx_compile(
    r"(?<![\d.,])(?P<h>[01]?\d|2[0-3])(?:(?P<sep>[:h])\s?(?P<mi>[0-5]\d)|\s?h\s?(?P<mi2>[0-5]\d)|"
    r"\.(?P<mi3>[0-5]\d)(?=\s*[ap]\.?m)|\s?(?P<hh>h)\b)(?:\s*(?P<ap>[ap])\.?m\.?)?(?![\d])",
    IC,
)


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
        return True
    except ValueError:
        return False


def _time(m: re.Match[str]) -> str | None:
    mi = m.group("mi") or m.group("mi2") or m.group("mi3") or ("00" if m.group("hh") else None)
    if mi is None:
        return None
    h = int(m.group("h"))
    ap = (m.group("ap") or "").lower()
    if m.group("hh") and not ap and m.group(0).strip().lower().endswith("h") and h < 6:
        return None  # "3h" alone is too often a duration
    if ap == "p" and h < 12:
        h += 12
    elif ap == "a" and h == 12:
        h = 0
    return f"{h:02d}:{mi}"


def find_times(text: str) -> list[tuple[str, int, int]]:
    """Clock times ("07:55", "6.45 pm", "4 h 30", "14h") as (HH:MM, start, end)."""
    out = []
    for m in TIME.finditer(text):
        t = _time(m)
        if t is not None:
            out.append((t, m.start(), m.end()))
    return out


def find_dates(
    text: str, offset: int, lang: str | None, ref: date | None, year_ctx: int | None
) -> list[DateValue]:
    """All dates in ``text``, left to right, without overlaps (the more specific pattern wins)."""
    raw = [(k, m) for k, (_, pat) in enumerate(PATTERNS) for m in pat.finditer(text)]
    return resolve_dates(raw, offset, lang, ref, year_ctx)


def resolve_dates(
    raw: list[tuple[int, re.Match[str]]], offset: int, lang: str | None, ref: date | None, year_ctx: int | None
) -> list[DateValue]:
    """Date values from pattern matches ``(pattern index, match)`` given in pattern order."""
    found: list[DateValue] = []
    taken: list[tuple[int, int]] = []
    for k, m in raw:
        rule = PATTERNS[k][0]
        a, b = m.start(), m.end()
        if any(a < e and b > s for s, e in taken):
            continue
        dv = _value(rule, m, lang, ref, year_ctx)
        if dv is None:
            continue
        value, certain, why = dv
        found.append(DateValue(value, offset + a, offset + b, m.group(0), certain, f"dates.{why}"))
        taken.append((a, b))
    found.sort(key=lambda d: d.start)
    # "Monday, March 17", "lundi 3 mars": the weekday belongs to the date that follows it
    return [
        d for k, d in enumerate(found)
        if not (d.rule == "dates.weekday-before-document-date" and k + 1 < len(found)
                and len(found[k + 1].value) == 10 and 0 <= found[k + 1].start - d.end <= 3)
    ]


def _year_for(m: int, d: int | None, ref: date | None, year_ctx: int | None) -> tuple[int, bool] | None:
    year = year_ctx or (ref.year if ref else None)
    if year is None:
        return None
    if ref and year < ref.year:
        # a running year from a chronology paragraph does not reach a day of the last weeks before the
        # document's own date: "Le 11 mai 2022, ... Le 1er juillet, ..." in a July 2023 alert is this July
        try:
            recent = date(ref.year, m, d or 1)
        except ValueError:
            recent = None
        if recent is not None and timedelta(0) <= ref - recent <= timedelta(days=45):
            year = ref.year
    if ref and year == ref.year and (m, d or 1) > (ref.month, ref.day):
        try:
            ahead = date(year, m, d or 1) - ref
        except ValueError:
            ahead = timedelta(days=999)
        if ahead > timedelta(days=31):
            year -= 1  # "November 25" in a February message is last November; "Monday, March 17" in a
            # March 14 alert is the coming Monday
    return year, False


_WD_BEFORE = rx_compile(rf"\b(?P<wd>{_WD})\s*,?\s*(?:le\s+|the\s+)?$", re.IGNORECASE)


def _year_of_weekday(m: re.Match[str], mo: int, d: int, year: int) -> tuple[int, bool]:
    """"Lundi 3 mars", "Monday, March 3": of the years around the running one, the one where that day is
    that weekday (a chronology's running year may be last year's, taken from its background)."""
    w = _WD_BEFORE.search(m.string, max(0, m.start() - 14), m.start())
    if w is None or w.group("wd").lower() not in WEEKDAYS:
        return year, False
    want = WEEKDAYS[w.group("wd").lower()]
    for y in (year, year + 1, year - 1):
        if _valid(y, mo, d) and date(y, mo, d).weekday() == want:
            return y, True
    return year, False


def _value(rule: str, m: re.Match[str], lang: str | None, ref: date | None, year_ctx: int | None):  # noqa: ANN202, C901
    g = m.groupdict()
    if rule == "iso":
        y, mo, d = int(g["y"]), int(g["mo"]), int(g["d"])
        return (f"{y:04d}-{mo:02d}-{d:02d}", True, rule) if _valid(y, mo, d) else None
    if rule == "numeric-dm":
        a, b = int(g["a"]), int(g["b"])
        d, mo = (a, b) if (lang == "fr" or a > 12) else (b, a)
        yr = _year_for(mo, d, ref, year_ctx)
        if yr is None or not _valid(yr[0], mo, d):
            return None
        return (f"{yr[0]:04d}-{mo:02d}-{d:02d}", False, "numeric-dm+year-from-context")
    if rule == "numeric-dotted":
        d, mo, y = int(g["a"]), int(g["b"]), int(g["y"])
        return (f"{y:04d}-{mo:02d}-{d:02d}", True, rule) if _valid(y, mo, d) else None
    if rule == "numeric":
        a, b, y = int(g["a"]), int(g["b"]), int(g["y"])
        d, mo = (a, b) if (lang == "fr" or a > 12) else (b, a)
        return (f"{y:04d}-{mo:02d}-{d:02d}", True, f"{rule}-{lang or 'en'}") if _valid(y, mo, d) else None
    if rule == "day-range":
        mo, d = MONTHS[g["m"].lower().rstrip(".")], int(g["d"])
        if g.get("y"):
            y = int(g["y"])
            return (f"{y:04d}-{mo:02d}-{d:02d}", True, rule) if _valid(y, mo, d) else None
        yr = _year_for(mo, d, ref, year_ctx)
        if yr is None or not _valid(yr[0], mo, d):
            return None
        return (f"{yr[0]:04d}-{mo:02d}-{d:02d}", False, f"{rule}+year-from-context")
    if rule in ("day-month-year", "month-day-year"):
        y, mo, d = int(g["y"]), MONTHS[g["m"].lower().rstrip(".")], int(g["d"])
        return (f"{y:04d}-{mo:02d}-{d:02d}", True, rule) if _valid(y, mo, d) else None
    if rule in ("month-year", "month-range-year"):
        if g["m"].lower() in ("may", "mar") and g["m"][0].islower() and lang == "en":
            return None  # "may 2012" lower-case is rarely a month
        return (f"{int(g['y']):04d}-{MONTHS[g['m'].lower()]:02d}", True, rule)
    if rule in ("day-month", "month-day"):
        mo, d = MONTHS[g["m"].lower().rstrip(".")], int(g["d"])
        if g["m"].lower() == "may" and g["m"][0].islower():
            return None
        yr = _year_for(mo, d, ref, year_ctx)
        if yr is None or not _valid(yr[0], mo, d):
            return None
        y, agreed = _year_of_weekday(m, mo, d, yr[0])
        if agreed:  # the weekday vouches for the year: "Lundi 3 mars" is 3 March 2025, a Monday
            return (f"{y:04d}-{mo:02d}-{d:02d}", True, f"{rule}+year-of-its-weekday")
        return (f"{y:04d}-{mo:02d}-{d:02d}", False, f"{rule}+year-from-context")
    if rule == "year":
        return (g["y"], True, rule)
    if rule == "month-alone":
        low = g["m"].lower()
        if not g["m"][0].isupper() and (low in ("may", "mar") or (low == "mars" and lang != "fr")):
            return None  # "may" the verb; French months are written in lower case
        mo = MONTHS[g["m"].lower()]
        yr = _year_for(mo, None, ref, year_ctx)
        if yr is None:
            return None
        return (f"{yr[0]:04d}-{mo:02d}", False, "month+year-from-context")
    if ref is None:
        return None
    if rule == "month-last":  # "last March", "en mars dernier": the latest March before the document's date
        mo = MONTHS[(g["m"] or g["m2"]).lower()]
        year = ref.year if mo < ref.month else ref.year - 1
        return (f"{year:04d}-{mo:02d}", False, "month-last")
    if rule == "weekday":
        wd = WEEKDAYS[g["wd"].lower()]
        if not (g["pre"] or g["post"]) and not g["wd"][0].isupper() and lang != "fr":
            return None
        back = (ref.weekday() - wd) % 7
        if (g["pre"] or "").strip().lower() in ("last", "the previous", "this past") or (
            (g["post"] or "").strip().lower() in ("dernier", "passé")
        ):
            back = back or 7
        return ((ref - timedelta(days=back)).isoformat(), False, "weekday-before-document-date")
    if rule == "yesterday":
        w = g["w"].lower()
        days = {"yesterday": 1, "hier": 1, "avant-hier": 2}.get(w, 0)
        return ((ref - timedelta(days=days)).isoformat(), False, "relative-day")
    if rule == "last-month":
        w = g["w"].lower()
        if w in ("last month", "le mois dernier"):
            first = ref.replace(day=1) - timedelta(days=1)
            return (f"{first.year:04d}-{first.month:02d}", False, "last-month")
        if "week" in w or "semaine" in w:  # the month that week (mostly) fell in
            day = ref - timedelta(days=7 if w in ("last week", "la semaine dernière", "la semaine passée") else 2)
            return (f"{day.year:04d}-{day.month:02d}", False, "week-month")
        return (f"{ref.year:04d}-{ref.month:02d}", False, "this-month")
    return None


_SINCE = rx_compile(r"\b(?:since|depuis|ever since)\s*$", IC)
_RELATIVE_RULES = ("dates.relative-day", "dates.weekday-before-document-date")
_EVE = rx_compile(
    r"\b(?:la veille|l['’]avant-veille|the day before|the previous day|the night before|le lendemain|the next day|"
    r"the following day|the day after|the same day|that same day|later that day|that evening|that night|"
    r"le jour même|le soir même|le même jour|ce jour-là|ce soir-là|le matin même|"
    r"the previous (?:evening|night|morning|afternoon)|the (?:evening|night|morning) before|"
    r"the (?:next|following) (?:morning|evening|night|afternoon)|that (?:morning|afternoon)|la nuit précédente)\b",
    IC,
)
_EVE_SAME = rx_compile(r"same|même|that|-là", IC)
# "two days later", "trois jours plus tard", "a week later", "deux jours auparavant": counted from the date
# told just before (not "two days after the vote": a span after a named event, which may lie anywhere)
_DAYS_LATER = rx_compile(
    r"\b(?P<n>\d{1,2}|[a-zéèêû]+(?:[- ][a-zéèêû]+)?|a|an|une?)\s+(?P<unit>days?|jours?|weeks?|semaines?)\s+"
    r"(?P<dir>later|afterwards|plus tard|après|earlier|before|auparavant|plus tôt)(?=\s*[,.;:]|\s+\w)",
    IC,
)


_DAYS_LATER_GATE = rx_compile(
    r"(?:days?|jours?|weeks?|semaines?)\s+(?:later|afterwards|plus|après|earlier|before|auparavant)", IC
)


def _days_step(m: re.Match[str]) -> int | None:
    from vedette.intake.components.counts import to_int

    word = m.group("n").lower()
    n = 1 if word in ("a", "an", "un", "une") else to_int(word)
    if not n or n > 30:
        return None
    if m.group("unit").lower().startswith(("week", "semaine")):
        n *= 7
    return -n if m.group("dir").lower() in ("earlier", "before", "auparavant", "plus tôt") else n
# "a curfew until 7 a.m. on Wednesday, May 11", "prolongé jusqu'au 20 juin": when something ends, not happens
# "a indiqué jeudi", "said on Thursday": the day something was told, not the day it happened
_REPORTED_ON = rx_compile(
    r"\b(?:said|told|reported|announced|confirmed|indiqu\w+|annonc\w+|déclar\w+|affirm\w+|appris|précis\w+|"
    r"confirm\w+)\s+(?:on\s+|le\s+|ce\s+)?$",
    IC,
)
_UNTIL = rx_compile(r"\b(?:until|till|jusqu['’](?:au|à|en)|expir\w+ (?:on|le))\b[^;]{0,30}$", IC)
_EVE_BACK = rx_compile(r"veille|before|previous", IC)
# "a January 2021 U.N. report", "a 2018 poll", "le rapport du 3 mai": the date of a publication, not of an event
_PUB_NOUN = r"(?:reports?|polls?|surveys?|study|studies|statements?|census|rapports?|sondages?|enquêtes?|études?|communiqués?)"
_PUB_AFTER = rx_compile(rf"\s+(?:[A-Z][\w.&-]*\s+){{0,3}}{_PUB_NOUN}\b")
_PUB_BEFORE = rx_compile(rf"\b{_PUB_NOUN}\s+(?:of|from|dated|du|de|daté du|publié le|published on)\s*$", IC)


def _publication(text: str, d: DateValue) -> bool:
    before = text[max(0, d.start - 40) : d.start]
    if _PUB_BEFORE.search(before):
        return True
    return bool(re.search(r"\b(?:an?|the|un|une|le|la|its|their|son|sa)\s*$", before, IC)) and bool(
        _PUB_AFTER.match(text, d.end)
    )


@component("dates")
class Dates(Component):
    """Dates and a time per sentence; a running year carries year-less dates of chronologies."""

    requires = ("sentences", "published")
    assigns = ("sentences.dates", "sentences.time")

    def __call__(self, doc: Doc) -> Doc:
        year_ctx = doc.published.year if doc.published else doc.year_hint
        raw: list[list[tuple[int, re.Match[str]]]] = [[] for _ in doc.sentences]
        for k, (_, pat) in enumerate(PATTERNS):
            for i, m in doc.matches(pat):
                raw[i].append((k, m))
        times: dict[int, tuple[str, int, int]] = {}
        for i, m in doc.matches(TIME):
            if i not in times:
                t = _time(m)
                if t is not None:
                    times[i] = (t, m.start(), m.end())
        datelines = [(m.start(), m.end()) for m in DATELINE.finditer(doc.text)]
        eves: dict[int, list[re.Match[str]]] = {}
        for i, m in doc.matches(_EVE):
            eves.setdefault(i, []).append(m)
        later = _DAYS_LATER_GATE.search(doc.text) is not None  # a cheap test first: most texts have none
        stepped: set[int] = set()  # starts of "two days later" matches among the eves
        for i, m in doc.matches(_DAYS_LATER) if later else ():
            if _days_step(m) is not None and not re.match(r"\s+(?:the|l[ae']|les|son|sa)\b", doc.text[m.end():], IC):
                eves.setdefault(i, []).append(m)
                stepped.add(m.start())
        last_day: date | None = doc.published  # "la veille" in a lede counts from the story's own date
        para, para_stamp, para_heading = -1, None, False
        for i, s in enumerate(doc.sentences):
            s.dates = resolve_dates(raw[i], 0, doc.lang, doc.published, year_ctx)
            fresh = s.paragraph != para
            if fresh:
                # a stamp that was a heading of its own ("16/04 – 06h55 – ENLÈVEMENT") dates the next paragraph
                carry = para_stamp if para_heading and s.paragraph == para + 1 else None
                para, para_stamp, para_heading = s.paragraph, carry, False
            opening_day = next(
                (d for d in s.dates if len(d.value) == 10 and d.start - s.start <= 3 and d.rule not in _RELATIVE_RULES), None
            )
            if opening_day is not None and (para_stamp is None or fresh):
                para_stamp = opening_day  # a log entry's stamp: "14/04 – 07h20 – ALERTE" heads its paragraph
                para_heading = not re.search(r"[.!?]\s*$", s.text) and len(s.text.split()) <= 12
            stamp = next((d for d in s.dates if d.certain and len(d.value) == 10 and d.start - s.start <= 3), None)
            stamp = stamp or para_stamp
            if stamp is not None and any(d.rule in _RELATIVE_RULES for d in s.dates):
                # "18 May 09:15 – ISKP claimed yesterday's attack": relative to the entry's own date
                again = resolve_dates(raw[i], 0, doc.lang, date.fromisoformat(stamp.value), year_ctx)
                s.dates = [d for d in again if d.rule in _RELATIVE_RULES] + [
                    d for d in s.dates if d.rule not in _RELATIVE_RULES
                ]
                s.dates.sort(key=lambda d: d.start)
            if datelines:  # the dateline's date is the document's, not the event's
                s.dates = [d for d in s.dates if not any(a <= d.start < b for a, b in datelines)]
            s.dates = [d for d in s.dates if not _publication(doc.text, d)]
            s.dates = [d for d in s.dates if not _UNTIL.search(doc.text, max(s.start, d.start - 40), d.start)]
            if i in eves and last_day is not None and not any(len(d.value) == 10 for d in s.dates):
                for m in eves[i]:  # "la veille", "the next day": a day from the date told just before
                    if m.start() in stepped:
                        step = _days_step(m) or 0
                    else:
                        step = 0 if _EVE_SAME.search(m.group(0)) else -1 if _EVE_BACK.search(m.group(0)) else 1
                    day = last_day + timedelta(days=step)
                    s.dates.append(DateValue(day.isoformat(), m.start(), m.end(), m.group(0), False,
                                             "dates.day-relative-to-previous-date"))
                s.dates.sort(key=lambda d: d.start)
            opening = [d for d in s.dates if d.certain and d.start - s.start <= 25]
            passing = [d for d in s.dates if d.certain] if doc.published is None else opening
            # "since October 2023" looks back: it does not move the running year of what follows
            passing = [d for d in passing if not _SINCE.search(doc.text, max(s.start, d.start - 12), d.start)]
            # in a dated news story, a year told in passing ("the worst since those of August 2022") does not
            # move the running year; in an undated chronology any full date does
            days = [int(d.value[:4]) for d in passing if len(d.value) == 10]
            # months set the running year; a lone year only when it opens the entry ("In 2019, ..."), not in
            # passing ("an insurgency since 2009")
            settle = [int(d.value[:4]) for d in passing if len(d.value) > 4 or d.start - s.start <= 12]
            if days:  # a chronology entry opens with its date; later dates in it are mostly background
                year_ctx = days[0]
            elif settle:
                year_ctx = settle[-1]
            s.time = times.get(i)
            # the sentence's own opening, after a dateline ("BUNIA, 16 mai 2025 (AFP) - ... tués mercredi soir")
            opening = max([s.start] + [b for a, b in datelines if s.start <= a < s.end])
            days_told = [
                d for d in s.dates
                if len(d.value) == 10 and not _REPORTED_ON.search(doc.text, max(0, d.start - 25), d.start)
            ]
            day_values = [d.value for d in days_told if d.start - opening <= 40] or [
                d.value for d in days_told[:1] if d.start >= opening and not d.certain
            ]  # a weekday told further in ("... ont été tués mercredi soir") when nothing opens the sentence
            if day_values:
                last_day = date.fromisoformat(day_values[0])
        return doc
