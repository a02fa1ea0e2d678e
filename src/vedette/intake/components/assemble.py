"""Incident assembly: which sentences report events, and the record each one becomes.

Rules (each recorded in the record's provenance):
- an event sentence has category cues of total weight >= ``MIN_WEIGHT``; sentences that advise, warn
  or speculate are skipped unless they carry an explicit date;
- the date is the sentence's date nearest to its deciding cue, at least month-precise; without one,
  the document's own date (news, messages) or, in a timestamped log, the last entry's date; a follow-up
  sentence without a date in the same paragraph folds into the incident before it;
- the place is the most specific place named (airport > town > region > zone > country), one incident
  per town when a sentence lists several; the document's main country when none is named;
- cues in a trailing "after ..." / "following ..." clause (background) count for less;
- attacks by jihadist groups, or by actors described as terrorists, are terrorism;
- records of the same date (±1 day), place and category are merged within the document.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from vedette.intake.components.category import decide
from vedette.intake.components.layout import _LOG_STAMP, section_headings
from vedette.intake.pipeline import Component, DateValue, Doc, Sentence, component
from vedette.intake.regex import compile as rx_compile

MIN_WEIGHT = 2.0
_BACKGROUND = rx_compile(
    r"(?<=\w)[,;]?\s+(?:after|following|in response to|après|à la suite de|suite à)\s"
    r"(?!(?:days?|morning|night|evening|afternoon|weeks?|weekend|months?|years?|midnight|dark|dawn|nightfall)\b)",
    re.IGNORECASE,
)  # not "the following day", "after midnight": a time, not a clause the event is measured against
_ATTACK = rx_compile(
    r"\b(?:attack\w*|ambush\w*|killed|killing|bomb\w*|stormed|opened fire|torched|set fire|attaqu\w*|tu[ée]\w*|"
    r"embuscade|attentat\w*|incendi\w+)\b",
    re.IGNORECASE,
)
_TERROR_WORD = rx_compile(
    r"\b(?:terrorists?|jihadists?|islamists?|djihadistes?|jihadistes?|terroristes?|"
    r"islamistes?)\b",
    re.IGNORECASE,
)
_CLAIM = rx_compile(
    r"\b(?:claimed|claiming|claim of responsibility|revendiqu\w*|(?:was|were|is|are|been) responsible|blamed|"
    r"(?:est|sont|était|étaient) responsables?)\b",
    re.IGNORECASE,
)
_SEAT_OF_POWER = rx_compile(
    r"\b(?:presidential palace|palace|state television|state broadcaster|presidency|"
    r"palais présidentiel|palais|télévision (?:d'état|nationale)|présidence)\b",
    re.IGNORECASE,
)
_LOCATIVE_LIST = rx_compile(r"\b(?:in|across|throughout|into|inside|within|near|dans|au|en|aux|vers)\s+(?:the\s+)?$", re.IGNORECASE)
_LEAD_BACKGROUND = rx_compile(
    r"^(?:Following|After|Since|Despite|Ahead of|Amid|In response to|In the wake of|Suite à|Après|Depuis|Malgré|"
    r"[ÀA] la suite d[eu']|Au lendemain d[eu']|Dans la foulée d[eu']|En réaction à|En marge d[eu'])\b[^,]{0,120},",
    re.IGNORECASE,
)


@component("assemble")
class Assemble(Component):
    requires = ("sentences", "countries")
    assigns = ("records",)

    def initialize(self) -> None:
        from vedette.gazetteer import get_gazetteer

        self.gaz = get_gazetteer()

    def __call__(self, doc: Doc) -> Doc:
        from vedette.intake.extract import IncidentRecord

        log_mode = doc.published is None and sum(bool(_LOG_STAMP.match(s.text)) for s in doc.sentences) >= 2
        main = max(doc.countries, key=doc.countries.get) if doc.countries else None
        last_dated: DateValue | None = None
        last_dated_para = -1
        prev: tuple[Sentence, list[IncidentRecord]] | None = None
        prev_index = -1
        records: list[IncidentRecord] = []
        replaced: list[IncidentRecord] = []
        heads = section_headings(doc.sentences)
        section_day: DateValue | None = None  # the date of the log heading whose section this is
        entry_time: tuple[str, int, int, int] | None = None  # a log entry heading's time: (time, start, end, para)
        for index, s in enumerate(doc.sentences):
            own = [d for d in s.dates if len(d.value) >= 7] or [
                d for d in s.dates if d.start - s.start <= 12 and d.text[:3].lower() in _YEAR_EVENT
            ]  # a year alone dates an entry only when it opens it: "In 2019, ...", "Fin 2022, ..."
            if own and any(d.certain or len(d.value) == 10 for d in own):
                last_dated = own[-1]
                # a dated heading ("14/04 – 07h20 – ALERTE – Atacora") dates the paragraph under it
                last_dated_para = s.paragraph + 1 if index in heads else s.paragraph
            day_line = _day_line(s, own)
            if index in heads or day_line:
                # "14 June 2024 06:40 - MANDERA COUNTY - IED strike": its date holds for the section under it;
                # "MARDI 4 MARS 2025" on a line of its own dates the entries under it, "06h10 - JÉNINE - ..."
                # (a time, no day) is one of them and keeps the day
                day = next((d for d in own if len(d.value) == 10), None)
                stamped_entry = s.time is not None and s.time[1] - s.start <= 2
                if day is not None or not stamped_entry:
                    section_day = day
                entry_time = (s.time[0], s.time[1], s.time[2], s.paragraph) if stamped_entry and s.time else None
                continue
            hits, background = self._weighted(s)
            decided = decide(hits)
            same_para = prev is not None and prev[0].paragraph == s.paragraph and bool(prev[1])
            dated = own or ([section_day] if section_day is not None else [])  # a log entry's day counts too
            if decided is not None and decided[2] < MIN_WEIGHT and _armed_actor_on_a_day(s, dated, doc.published is not None):
                decided = (decided[0], decided[1], MIN_WEIGHT)  # "On 3 May 2021, French troops captured X"
            elif decided is not None and decided[2] < MIN_WEIGHT and _casualties_on_a_day(s, dated):
                decided = (decided[0], decided[1], MIN_WEIGHT)  # "38 people were killed on Wednesday in the attack"
            if decided is None or decided[2] < MIN_WEIGHT:
                follows = prev is not None and bool(prev[1]) and prev_index == index - 1
                if (same_para or follows) and not own and not (s.skip or "").startswith("advice"):
                    self._fold(prev[1], s)
                continue
            if s.skip and s.skip.startswith(("future", "announced")) and s.counts:
                pass  # "deux manifestants ont été tués ... la coalition avait appelé à manifester": people died
            elif s.skip and s.skip.startswith("announced"):
                # "a rally is announced for Saturday 17 February": called for, not yet happened; "authorities
                # announced a curfew on August 3": done
                today = doc.published.isoformat() if doc.published else "9999"
                if not any(d.value <= today and "weekday" not in d.rule for d in own):
                    continue
            elif s.skip and (s.skip.startswith(("advice", "reported", "negated")) or not any(d.certain for d in own)):
                continue
            elif s.skip and doc.published is not None and all(d.value > doc.published.isoformat() for d in own):
                continue  # "protests are called for Monday, March 17": a day still to come
            category, cue, _ = decided
            category, cue = _nearest_to_date(hits, own, category, cue)
            category, cue = _crowd(s, hits, category, cue)
            cue_pos = max((h for h in hits if h[0] == category), key=lambda h: h[1])[3]
            stamped = bool(_LOG_STAMP.match(s.text))
            dates = own[1:] if stamped and len(own) > 1 else own  # a log stamp is when it was reported
            if background and not background[0] <= cue_pos < background[1]:
                # "The withdrawal came a year after French troops left in August 2022": that date belongs to
                # the clause the event is measured against, not to the event
                dates = [d for d in dates if not background[0] <= d.start < background[1]]
            follows = prev is not None and bool(prev[1]) and prev_index == index - 1
            if dates:
                when = min(dates, key=lambda d: abs(d.start - cue_pos))
            elif follows and (any(r.category == category for r in prev[1]) or _BACK_REF.search(s.text)) and not (
                _new_places(s, prev[1], 3)
            ):
                self._fold(prev[1], s)  # the same event, told on: "The soldiers ... seized the palace"
                continue
            elif same_para:
                other_event = (
                    decided[2] >= 2 * MIN_WEIGHT or (category == "transport_disruption" and decided[2] >= 3)
                ) and all(r.category != category for r in prev[1])  # a closure after an attack is its own record
                if not other_event and not _new_places(s, prev[1], 3):
                    self._fold(prev[1], s)
                    continue
                first = prev[1][0]
                when = DateValue(first.date, s.start, s.start, "", False, "assemble.date-of-previous-sentence")
                if _SPECIFY.match(s.text) and all(r.admin1 is None and r.category == category for r in prev[1]):
                    # "In particular, the group controls X and Y": where the country-level record happened
                    replaced = prev[1]
                    records = [r for r in records if all(r is not q for q in replaced)]
            elif doc.published and last_dated is not None and last_dated_para == s.paragraph and len(last_dated.value) == 10:
                # "Jeudi soir, le mouvement a gagné le centre-ville. À Analakely, des heurts ...": the day the
                # paragraph has just told
                when = DateValue(last_dated.value, s.start, s.start, "", False, "assemble.date-of-the-paragraph")
            elif section_day is not None:
                when = DateValue(section_day.value, s.start, s.start, "", False, "assemble.date-of-the-section")
            elif doc.published:
                when = DateValue(doc.published.isoformat(), s.start, s.start, "", False, "assemble.document-date")
            elif log_mode and last_dated is not None:
                when = DateValue(last_dated.value, s.start, s.start, "", False, "assemble.last-log-entry-date")
            else:
                continue
            if _CLAIM.search(s.text) and any("jihadist" in a[3] for a in s.actors):
                claimed = _claimed_record(records, s, when)
                if claimed is not None:  # "ISKP claimed yesterday's attack": that attack, now known as terrorism
                    self._fold([claimed], s)
                    prev, prev_index = (s, [claimed]), index
                    continue
            group = [when] + [
                d for d in dates if d is not when and len(d.value) == len(when.value) and _listed_together(s, when, d)
            ]
            if category == "transport_disruption" and len(dates) > 1:
                # "the airport, which had reopened in March, was closed on Tuesday": each closure or reopening
                # with the date told next to it
                for h in hits:
                    if h[0] != category:
                        continue
                    near = min(dates, key=lambda d: min(abs(d.start - h[3]), abs(d.start - (h[3] + len(h[2])))))
                    if all(near.value != g.value for g in group):
                        group.append(near)
            made = []
            for w in sorted(group, key=lambda d: d.start):
                made += self._records(doc, s, category, cue, w, w.rule, main, IncidentRecord, background)
            for q in replaced:
                for r in made:
                    r.actors += [a for a in q.actors if a not in r.actors]
                    r.evidence = f"{q.evidence} [...] {r.evidence}"
            replaced = []
            if entry_time is not None and s.paragraph == entry_time[3] + 1:
                for r in made:  # the body of a log entry: the time its heading gives
                    if r.time is None:
                        r.time = entry_time[0]
                        r.provenance["time"] = {"span": [entry_time[1], entry_time[2]],
                                                "rule": "dates.time-of-log-entry-heading", "text": entry_time[0]}
            records.extend(made)
            prev = (s, made)
            prev_index = index
        for r in records:
            self._seat_of_power(r)
            r.admin1 = self.gaz.admin1_name(r.country, r.admin1, doc.lang)  # as the document's language writes it
        doc.records = merge_records(records)
        return doc

    @staticmethod
    def _weighted(s: Sentence) -> tuple[list[tuple[str, float, str, int]], tuple[int, int] | None]:
        """Cues in a background clause ("Following the coup, ...", "..., after X killed Y") count for less,
        unless that clause carries its own date and nothing else in the sentence is an event."""
        named = [(a[1], a[2]) for a in s.actors if "lexicon" in a[3] or "acronym" in a[3]]
        s_categories = [
            (c, w * 0.3 if _REFERENCE.search(s.text, 0, pos - s.start) else w, cue, pos)
            for c, w, cue, pos in s.categories
            if not any(a <= pos and pos + len(cue) <= b for a, b in named)  # "combat" in "... la prédication et le combat"
        ]
        span = None
        m = _LEAD_BACKGROUND.match(s.text)
        if m and any(s.start <= d.start and d.end <= s.start + m.end() for d in s.dates) and m.end() - sum(
            len(d.text) for d in s.dates if d.end <= s.start + m.end()
        ) < 12:
            m = None  # "Since May 2020, ...": the clause is only the event's date, not a background event
        if m:
            span = (s.start, s.start + m.end())
        else:
            m = _BACKGROUND.search(s.text)
            if m:
                # to the end of that clause: "..., which had reopened in March after a closure of more than a
                # year, were suspended on Tuesday" goes on with the main clause after the comma
                stop = re.search(r"[,;]\s+(?:were|was|has|have|had|is|are|a|ont|avait|avaient|est|sont)\b", s.text[m.end():])
                span = (s.start + m.start(), s.start + m.end() + stop.start() if stop else s.end)
        if span is None:
            return s_categories, None
        weighted = [
            (c, w * (0.4 if span[0] <= pos < span[1] and c != "transport_disruption" else 1.0), cue, pos)
            for c, w, cue, pos in s_categories
        ]
        best = decide(weighted)
        dated_clause = any(span[0] <= d.start < span[1] and len(d.value) >= 7 for d in s.dates)
        if (best is None or best[2] < MIN_WEIGHT) and dated_clause:
            return s_categories, None
        return weighted, span

    def _records(self, doc, s, category, cue, when, date_rule, main, cls, background=None):  # noqa: ANN001, ANN202
        actor_spans = [(a[1], a[2]) for a in s.actors if "lexicon" in a[3] or "acronym" in a[3]]
        places = [p for p in s.places if not any(a <= p.start < b for a, b in actor_spans)]
        if background:
            outside = [p for p in places if not background[0] <= p.start < background[1]]
            places = outside if outside or category != "transport_disruption" else places
        chosen = self._choose_places(s, places, main)
        if category == "transport_disruption" and not any(p.specificity >= 3 for p in chosen):
            airport = self._recent_airport(doc, s)
            if airport is not None:
                chosen = [airport]  # "flights were suspended" after a strike near an airport: that airport
            elif not places and doc.meta.get("_last_event_town") is not None and not _NATIONAL.search(s.text):
                last = doc.meta["_last_event_town"]  # "port activities were suspended": where the text just was
                if main is None or last.match.country == main:
                    chosen = [replace(last, rule=f"{last.rule}+place-of-previous-incident")]
        if not any(p.specificity >= 3 for p in chosen) and _ANAPHOR_PLACE.search(s.text):
            last = doc.meta.get("_last_event_town")
            if last is not None and (main is None or last.match.country == main):
                chosen = [replace(last, rule=f"{last.rule}+anaphora-the-town")]
        time = None
        if s.time and (
            abs(s.time[1] - when.end) <= 3 or (when.start == s.start and s.time[1] - s.start < 25)
        ):
            time = s.time[0]
        categories = [category]
        transport = [
            h for h in s.categories
            if h[0] == "transport_disruption" and h[1] >= 3 and not (category == "civil_unrest" and _ROAD.search(h[2]))
        ]
        if transport and category != "transport_disruption":
            categories.append("transport_disruption")
        elif category == "transport_disruption" and transport:
            # "drones targeted the airport ...; the airport suspended all flights": the attack is an incident too
            totals: dict[str, float] = {}
            for h in s.categories:
                if h[0] in _VIOLENT:
                    totals[h[0]] = totals.get(h[0], 0.0) + h[1]
            violent = max(totals, key=totals.get, default=None)
            if violent is not None and totals[violent] >= 3:
                categories.insert(0, violent)
                category, cue = violent, max((h for h in s.categories if h[0] == violent), key=lambda h: h[1])[2]
        out = []
        for cat in categories:
            cat_places = chosen
            if cat == "transport_disruption" and len(categories) > 1:
                airports = [p for p in places if p.match.kind == "airport"]
                cat_places = airports[:1] or chosen
            elif len(categories) > 1:
                cat_places = [p for p in chosen if p.match.kind != "airport"] or chosen
            for place in cat_places or [None]:
                out.append(
                    self._record(
                        doc,
                        s,
                        cat,
                        cue if cat == category else transport[0][2],
                        when,
                        date_rule,
                        time,
                        place,
                        main,
                        cls,
                    )
                )
        return out

    @staticmethod
    def _recent_airport(doc: Doc, s: Sentence):  # noqa: ANN205
        k = next((i for i in _positions(doc, s.start) if doc.sentences[i] is s or doc.sentences[i] == s), None)
        if k is None:  # pragma: no cover - the sentence list changed under the same length
            k = doc.sentences.index(s)
        for prev in reversed(doc.sentences[max(0, k - 3) : k]):
            airports = [p for p in prev.places if p.match.kind == "airport"]
            if airports:
                return replace(airports[-1], rule=f"{airports[-1].rule}+airport-named-just-before")
        return None

    def _choose_places(self, s: Sentence, places: list, main: str | None) -> list:
        if not places:
            return []
        top = max(p.specificity for p in places)
        best = [p for p in places if p.specificity == top]
        if top >= 2 and main and any(p.match.country == main for p in best):
            # "Alors que le Premier ministre se trouve à Nairobi, les gangs attaquent ... de la capitale": the
            # document's country first
            best = [p for p in best if p.match.country == main]
        if top >= 4:
            seen, out = set(), []
            for k, p in enumerate(best):
                if k and _route_end(s, best[k - 1], p):
                    continue  # "the road between X and Y": one place, the first
                if p.match.id not in seen:
                    seen.add(p.match.id)
                    out.append(p)
            return out
        if top == 3 and len({p.match.id for p in best}) > 1:
            # "in the parishes of St James and Hanover": one incident in each region the list names
            out = [best[0]]
            for k in range(1, len(best)):
                gap = s.text[best[k - 1].end - s.start : best[k].start - s.start]
                if re.fullmatch(r"\s*(?:,|and|et|&|,\s*and)\s*(?:in\s+|à\s+|dans\s+|de\s+|du\s+)?", gap) and all(
                    best[k].match.id != o.match.id for o in out
                ):
                    out.append(best[k])
                else:
                    break
            return out
        if top == 1 and len({p.match.country for p in best}) > 1:
            first = best[0]
            before = s.text[: first.start - s.start]
            if _LOCATIVE_LIST.search(before):
                seen, out = set(), []
                for p in best:
                    if p.match.country not in seen:
                        seen.add(p.match.country)
                        out.append(p)
                return out
            mains = [p for p in best if p.match.country == main]
            return mains[:1] or ([] if main else best[:1])
        if top == 1 and main and best[0].match.country != main:
            # a foreign country that is not where anything happens ("the junta regimes of X", "among the
            # Y") is an actor; the incident stays in the document's country unless a locative says otherwise
            before = s.text[max(0, best[0].start - s.start - 14): best[0].start - s.start]
            opens = best[0].start - s.start <= 4  # "Niger closed its airspace": the subject acts on itself
            if not _LOCATIVE_LIST.search(before) and not (opens and _SELF_ACT.search(s.text)):
                return []
        return best[:1]

    def _record(self, doc, s, category, cue, when, date_rule, time, place, main, cls):  # noqa: ANN001, ANN202
        prov: dict[str, dict] = {
            "date": {
                "span": [when.start, when.end] if when.text else None,
                "rule": date_rule,
                "text": when.text,
            },
            "category": {"span": None, "rule": "category.cue-lexicon", "text": cue},
        }
        if place is not None:
            m = place.match
            if place.specificity == 4:
                doc.meta["_last_event_town"] = place
            prov["place"] = {"span": [place.start, place.end], "rule": place.rule, "text": place.surface}
            name, pid, admin1, country, lat, lon = place.surface, m.id, m.admin1, m.country, m.lat, m.lon
            if m.kind == "country":
                name = m.name
        else:
            c = self.gaz.country(main) if main else None
            if c is None:
                name = pid = admin1 = country = lat = lon = None
            else:
                name, pid, admin1, country, lat, lon = c.name, c.id, None, c.country, c.lat, c.lon
            prov["place"] = {"span": None, "rule": "assemble.document-country", "text": name}
        rec = cls(
            doc=doc.name,
            published=doc.published.isoformat() if doc.published else None,
            date=when.value,
            date_certain=when.certain,
            time=time,
            place=name,
            place_id=pid,
            admin1=admin1,
            country=country,
            lat=round(lat, 4) if lat is not None else None,
            lon=round(lon, 4) if lon is not None else None,
            category=category,
            category_cue=cue,
            killed=None,
            injured=None,
            hostages_or_kidnapped=None,
            actors=[],
            evidence=s.text,
            span=(s.start, s.end),
            provenance=prov,
            severity=1,
        )
        self._apply(rec, s)
        self._terrorism(rec, s)
        return rec

    def _seat_of_power(self, rec) -> None:  # noqa: ANN001
        """A coup at the palace or state broadcaster happens in the country's main city."""
        if rec.category != "coup" or rec.admin1 is not None or not rec.country:
            return
        if not _SEAT_OF_POWER.search(rec.evidence):
            return
        capital = self._largest_city(rec.country)
        if capital is not None:
            rec.place, rec.place_id, rec.admin1 = capital.name, capital.id, capital.admin1
            rec.lat, rec.lon = capital.lat, capital.lon
            rec.provenance["place"] = {"span": None, "rule": "assemble.seat-of-power-in-main-city",
                                       "text": capital.name}

    def _largest_city(self, cc: str):  # noqa: ANN202
        rows = self.gaz._query(
            "SELECT gid FROM places WHERE country=? AND kind='city' ORDER BY population DESC LIMIT 1", (cc,)
        )
        return self.gaz.get(rows[0][0]) if rows else None

    @staticmethod
    def _refine_place(rec, s: Sentence) -> None:  # noqa: ANN001
        """A follow-up that names where a country-level incident happened ("... in a truck in the X region
        of eastern Y") gives the record its place, when that place lies in the record's country."""
        if rec.admin1 is not None or rec.category == "transport_disruption" or not _ANAPHOR_EVENT.match(s.text):
            return
        inside = [p for p in s.places if p.specificity >= 3 and p.match.admin1
                  and (rec.country is None or p.match.country == rec.country)]
        if len(inside) != 1:
            return
        p = inside[0]
        m = p.match
        rec.place, rec.place_id, rec.admin1, rec.country = p.surface, m.id, m.admin1, m.country
        rec.lat, rec.lon = round(m.lat, 4), round(m.lon, 4)
        rec.provenance["place"] = {"span": [p.start, p.end], "rule": f"{p.rule}+follow-up-sentence",
                                   "text": p.surface}

    @staticmethod
    def _apply(rec, s: Sentence) -> None:  # noqa: ANN001
        for field, (n, a, b, rule) in s.counts.items():
            if getattr(rec, field) is None:
                setattr(rec, field, n)
                rec.provenance[field] = {
                    "span": [a, b],
                    "rule": rule,
                    "text": s.text[a - s.start : b - s.start],
                }
        for name, a, b, rule in s.actors:
            if name not in rec.actors:
                rec.actors.append(name)
                rec.provenance.setdefault("actors", {"span": [a, b], "rule": rule, "text": name})
            written = s.text[a - s.start : b - s.start]
            if written != name and _ACRONYM.fullmatch(written) and written not in rec.actors:
                rec.actors.append(written)  # "ISKP" as the text calls it, beside "Islamic State Khorasan Province"

    @staticmethod
    def _terrorism(rec, s: Sentence) -> None:  # noqa: ANN001
        if rec.category not in ("armed_conflict", "violence_against_civilians", "crime"):
            return
        if re.match(r"(?i)clash|fight|fought|battle|affrontement|combat|accroch", rec.category_cue or ""):
            return  # armed groups clashing with each other or with troops: armed conflict, whoever they are
        first = min(s.actors, key=lambda a: a[1], default=None)
        if first is not None and first[3] in _STATE_RULES and not _BLAME.search(s.text):
            return  # the state's forces acting (against "terrorists") are not terrorism
        # jihadist groups and groups designated terrorist (their lexicon kind "designated": the BLA)
        jihadist = any(a[3].endswith(("jihadist", "designated")) for a in s.actors) or _TERROR_WORD.search(s.text)
        claimed = any(a[3].endswith(("jihadist", "designated")) for a in s.actors) and _CLAIM.search(s.text)
        if jihadist and (_ATTACK.search(s.text) or claimed):  # "AQIM claimed the operation"
            rec.category = "terrorism"
            rec.provenance["category"] = {
                "span": None,
                "rule": "assemble.jihadist-perpetrator-attack",
                "text": rec.category_cue,
            }

    def _fold(self, records: list, s: Sentence) -> None:
        for rec in records:
            if rec.time is None and s.time is not None:
                rec.time = s.time[0]
                rec.provenance["time"] = {"span": [s.time[1], s.time[2]], "rule": "dates.time-in-follow-up",
                                          "text": s.time[0]}
            rec.evidence = f"{rec.evidence} [...] {s.text}"
            rec.span = (rec.span[0], s.end)
            self._refine_place(rec, s)
            self._apply(rec, s)
            self._terrorism(rec, s)


# "during the coup", "after the attack", "pendant le coup d'État": a reference to an event told elsewhere
_REFERENCE = rx_compile(
    r"\b(?:during|after|following|since|before|amid|despite|analysis on|report on|lors|pendant|après|depuis|avant|"
    r"malgré|suite à)\s+(?:the|this|that|la|le|l['’]|les|ce|cette)\s*(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)
# a follow-up that opens by pointing back at the event: "The operation involved ...", "L'attaque a visé ..."
_ANAPHOR_EVENT = rx_compile(
    r"^(?:The|This|That|During the|In the|L[ae]|L['’]|Cette|Cet|Ce|Lors de l['’a]|Pendant l['’a])\s*(?:[\w-]+\s+)?"
    r"(?:operation|attack|assault|raid|strike|ambush|incident|clash(?:es)?|fighting|explosion|blast|bombing|"
    r"kidnapping|abduction|siege|opération|attaque|embuscade|frappe|explosion|enlèvement|assaut|incident|"
    r"affrontements?|combats?)\b",
    re.IGNORECASE,
)
# "regained control of parts of the town": the town of the last incident
_ANAPHOR_PLACE = rx_compile(
    r"\b(?:the|this|that|la|cette|le|ce)\s+(?:town|city|village|locality|ville|localité|commune|village|bourgade|"
    r"massif|mountains?|montagnes?|forest|forêt|hills|collines|camp|area|secteur|zone|district|quartier|neighbourhood)\b"
    r"(?!\s+(?:of|de|d['’])\s)",
    re.IGNORECASE,
)
_ROAD = rx_compile(r"\b(?:roads?|routes?|highways?|bridges?|axes?|ponts?|barricad\w*|block\w*|bloqu\w*)\b", re.IGNORECASE)
_SPECIFY = rx_compile(
    r"^(?:In particular|Notably|Particularly|Especially|Most of (?:the|these) \w+ (?:took place|occurred)|"
    r"En particulier|Notamment|Plus particulièrement)\b",
    re.IGNORECASE,
)
_SELF_ACT = rx_compile(
    r"\b(?:closed|shut|reopened|suspended|declared|imposed|fermé|rouvert|suspendu|décrété|instauré)\b[^.]{0,40}"
    r"\b(?:its|their|his|her|son|sa|ses|leurs?|the country['’]s)\b",
    re.IGNORECASE,
)
_NATIONAL = rx_compile(r"\b(?:borders?|airspace|frontières?|espace aérien|nationwide|country|pays)\b", re.IGNORECASE)
_ACRONYM = rx_compile(r"[A-Z][A-Z0-9\-]{1,7}")
_CROWD_RULES = ("actors.crowd", "actors.foule", "actors.supporters")
_YEAR_EVENT = ("fin", "déb", "lat", "ear", "mid", "cou", "mi-", "in ", "en ")  # "late 2012", "fin 2022", "in 2019"
_BETWEEN = rx_compile(
    r"\b(?:between|entre|from|linking|connecting|reliant|de|d['’])\s*(?:the\s+|les\s+)?(?:towns?\s+of\s+|villes?\s+de\s+)?$",
    re.IGNORECASE,
)
# a sentence that goes on about the incident just told: "the attacks bore the hallmarks of ...", "l'attaque a été ..."
_BACK_REF = rx_compile(
    r"\b(?:the|these|those|this|l['’]|les|cette|ces)\s*(?:attacks?|bombings?|blasts?|assault|raid|ambush|kidnappings?|"
    r"abductions?|attaques?|attentats?|explosions?|enlèvements?|embuscade|attackers|assailants|gunmen|kidnappers|"
    r"assaillants|ravisseurs|agresseurs)\b",
    re.IGNORECASE,
)


def _crowd(s: Sentence, hits: list, category: str, cue: str) -> tuple[str, str]:
    """Protesters who 'attack' or 'clash' are unrest, criminal gangs who do are crime, not armed conflict."""
    if category == "transport_disruption" and _ROAD.search(cue) and any(a[3] in _CROWD_RULES for a in s.actors):
        unrest = [h for h in hits if h[0] == "civil_unrest"]  # protesters blocking a road: a protest
        return "civil_unrest", (max(unrest, key=lambda h: h[1])[2] if unrest else cue)
    if category not in ("armed_conflict", "terrorism"):
        return category, cue
    gang = [h for h in hits if h[0] == "crime" and "gang" in h[2].lower()]
    if gang and not any("jihadist" in a[3] for a in s.actors):
        return "crime", gang[0][2]
    if not any(a[3] in _CROWD_RULES for a in s.actors):
        return category, cue
    unrest = [h for h in hits if h[0] == "civil_unrest"]
    if not unrest:
        return category, cue
    return "civil_unrest", max(unrest, key=lambda h: h[1])[2]


_BLAME = rx_compile(r"\b(?:blam\w+|attribut\w+|accus\w+|claimed responsibility|imput\w+|revendiqu\w+)", re.IGNORECASE)
_STATE_RULES = ("actors.soldiers", "actors.soldats", "actors.national-forces", "actors.country-forces", "actors.forces-nationales",
                "actors.lexicon.forces", "actors.government", "actors.country-government", "actors.doc-government",
                "actors.gouvernement", "actors.forces-ordre")
_ARMED_RULES = ("actors.soldiers", "actors.soldats", "actors.national-forces", "actors.country-forces", "actors.forces-nationales",
                "actors.lexicon.jihadist", "actors.lexicon.designated", "actors.lexicon.group", "actors.lexicon.forces", "actors.unknown", "actors.inconnus",
                "actors.commando")


def _claimed_record(records: list, s: Sentence, when: DateValue):  # noqa: ANN202
    """The record a claim of responsibility is about: same day (±1) and a place the sentence names, or the
    last record when the sentence names none."""
    ids = {p.match.id for p in s.places}
    for r in reversed(records):
        if not r.date or len(r.date) != 10 or len(when.value) != 10:
            continue
        days = abs((date.fromisoformat(r.date) - date.fromisoformat(when.value)).days)
        if days <= 1 and (not ids or r.place_id in ids):
            return r
    return None


def _armed_actor_on_a_day(s: Sentence, own: list[DateValue], dated_doc: bool = False) -> bool:
    """A weak cue still reports an event when an armed actor acts on a stated day (in a dated document, a
    day told without its year or by its weekday is stated too: "Samedi 4 novembre, un commando a attaqué")."""
    return any(a[3] in _ARMED_RULES for a in s.actors) and any(
        len(d.value) == 10 and (d.certain or (dated_doc and d.rule.startswith(("dates.day-month", "dates.month-day"))))
        for d in own
    )


def _new_places(s: Sentence, records: list, specificity: int) -> set[str]:
    """Places of the sentence at least this specific that the records do not already have; the region that
    holds a record's place ("the army spokesman in Ituri" after a town of Ituri) is not a new place."""
    held = {(r.country, r.admin1) for r in records if r.admin1}
    known = {r.place_id for r in records}
    return {
        p.match.id
        for p in s.places
        if p.specificity >= specificity
        and p.match.id not in known
        and not (p.match.kind in ("admin1", "zone") and (p.match.country, p.match.admin1 or p.match.name) in held)
    }


_DAY_LINE_REST = rx_compile(r"[\W\d_]*(?:[^\W\d_]+[\W\d_]*)?", re.UNICODE)


def _day_line(s: Sentence, own: list[DateValue]) -> bool:
    """A line that is a day and nothing else ("MARDI 4 MARS 2025", "Tuesday, 4 March 2025"): it heads the
    entries of that day in a log."""
    day = next((d for d in own if len(d.value) == 10 and d.certain), None)
    if day is None or len(s.text) > 40 or "\n" in s.text.strip():
        return False
    rest = s.text[: day.start - s.start] + " " + s.text[day.end - s.start :]
    return _DAY_LINE_REST.fullmatch(rest) is not None  # at most one word (a weekday) beside the date


_VIOLENT = ("armed_conflict", "terrorism", "violence_against_civilians", "kidnapping")


def _casualties_on_a_day(s: Sentence, own: list[DateValue]) -> bool:
    """A weak cue still reports an event when the sentence counts people killed, wounded or taken on a day."""
    return any(k in s.counts for k in ("killed", "injured", "hostages_or_kidnapped")) and any(
        len(d.value) == 10 for d in own
    )


def _nearest_to_date(hits: list, own: list[DateValue], category: str, cue: str) -> tuple[str, str]:
    """Between categories of equal weight, the one whose cue stands nearest the sentence's date."""
    if not own:
        return category, cue
    totals: dict[str, float] = {}
    for h in hits:
        totals[h[0]] = totals.get(h[0], 0.0) + h[1]
    tied = [c for c, w in totals.items() if w == totals.get(category)]
    if len(tied) < 2:
        return category, cue

    def distance(h: tuple) -> int:
        return min(abs(h[3] - d.start) for d in own)

    best = min((h for h in hits if h[0] in tied), key=distance)
    return best[0], best[2]


def _route_end(s: Sentence, a, b) -> bool:  # noqa: ANN001
    """``b`` closes "between ``a`` and ``b``"."""
    gap = s.text[a.end - s.start : b.start - s.start]
    before = s.text[: a.start - s.start]
    if re.fullmatch(r"\s+(?:and|et)\s+", gap):
        return bool(_BETWEEN.search(before)) and bool(re.search(r"\b(?:between|entre)\s", before[-40:], re.IGNORECASE))
    if re.fullmatch(r"[–—-]", gap):  # "l'axe Kandi–Banikoara", "the Kabul–Jalalabad highway": one road
        return True
    return bool(re.fullmatch(r"\s+(?:to|à|au|-|–)\s+", gap)) and bool(_BETWEEN.search(before))


def _listed_together(s: Sentence, a: DateValue, b: DateValue) -> bool:
    """'in August 2020 and May 2021': two dates joined only by 'and', a comma or 'et'."""
    first, second = (a, b) if a.start < b.start else (b, a)
    between = s.text[first.end - s.start: second.start - s.start]
    return bool(re.fullmatch(r"\s*(?:,|and|et|&|,\s*and)\s*(?:in\s+|en\s+|on\s+|le\s+)?", between))


def _positions(doc: Doc, start: int) -> list[int]:
    """Indexes of the sentences that start at ``start`` (found by identity after, not by a scan comparing
    every field of every sentence)."""
    by_start = doc.meta.get("_sentences_by_start")
    if by_start is None or doc.meta.get("_sentences_by_start_n") != len(doc.sentences):
        by_start = {}
        for i, x in enumerate(doc.sentences):
            by_start.setdefault(x.start, []).append(i)
        doc.meta["_sentences_by_start"], doc.meta["_sentences_by_start_n"] = by_start, len(doc.sentences)
    return by_start.get(start, [])


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value and len(value) == 10 else None


def merge_records(records: list) -> list:
    """Same category, same place (or both country-level in one country), dates within a day: one record.

    Each record joins the first earlier one it matches; earlier records are looked up by category, place
    and day instead of scanned one by one (linear time in long documents, same result)."""
    out: list = []
    index: dict[tuple, list[int]] = {}  # (category, place key, date) -> positions in ``out``

    def keys(rec, date: str | None) -> list[tuple]:  # noqa: ANN001 - IncidentRecord
        places = [("id", rec.place_id)]
        if rec.admin1 is None:
            places.append(("cc", rec.country, (rec.place_id or "").startswith(("cc:", "zone:"))))
        return [(rec.category, place, date) for place in places]

    def near_days(rec) -> list[str | None]:  # noqa: ANN001
        try:
            day = _day(rec.date)
        except ValueError:
            return [rec.date]
        if day is None:
            return [rec.date]
        return [rec.date, *((day + timedelta(days=k)).isoformat() for k in (-1, 1))]

    for r in records:
        candidates = sorted({k for d in near_days(r) for key in keys(r, d) for k in index.get(key, ())})
        for k in candidates:
            o = out[k]
            same_place = (o.place_id == r.place_id) or (
                o.admin1 is None
                and r.admin1 is None
                and o.country == r.country
                and (o.place_id or "").startswith(("cc:", "zone:"))
                == (r.place_id or "").startswith(("cc:", "zone:"))
            )
            if o.category != r.category or not same_place:
                continue
            da, db = _day(o.date), _day(r.date)
            # a day apart is the same incident only at a named place: in a chronology, two country-level
            # announcements on consecutive days are two events
            close = (da and db and abs((da - db).days) <= 1 and o.admin1 is not None) or (o.date == r.date)
            told = all(str(q.provenance.get("date", {}).get("rule", "")).startswith("dates.") for q in (o, r))
            if not close or (o.date != r.date and told):  # "Thursday ... barricades", "Friday ... clashes": two days
                continue
            _absorb(o, r)
            if da and db and db < da:
                o.date, o.date_certain = r.date, r.date_certain
                for key in keys(o, o.date):  # found under its new day too
                    index.setdefault(key, []).append(k)
            o.time = o.time or r.time
            break
        else:
            for key in keys(r, r.date):
                index.setdefault(key, []).append(len(out))
            out.append(r)
    out = _fold_coarse(out)
    out = _fold_summaries(out)
    for r in out:
        r.severity = severity(r)
    return out


def _absorb(into, other) -> None:  # noqa: ANN001 - IncidentRecord
    """``other`` is another telling of ``into``: its evidence, the counts ``into`` lacks and its actors join."""
    if other.evidence not in into.evidence:
        into.evidence = f"{into.evidence} [...] {other.evidence}"
    for f in ("killed", "injured", "hostages_or_kidnapped"):
        if getattr(into, f) is None and getattr(other, f) is not None:
            setattr(into, f, getattr(other, f))
    into.actors += [a for a in other.actors if a not in into.actors]


def _fold_summaries(records: list) -> list:
    """A bulleted highlight dated only by the document's own date ("- Drone strikes hit Kassala airport")
    that repeats a record the text dates itself (same category, same place, or at country level
    the only such record) is a summary of that incident, not another: its evidence joins it."""
    told = [r for r in records if str(r.provenance.get("date", {}).get("rule", "")).startswith("dates.")]
    out = []
    for r in records:
        bullet = r.evidence.lstrip()[:1] in ("-", "•", "*", "–", "·")
        if bullet and r.provenance.get("date", {}).get("rule") == "assemble.document-date" and not r.date_certain:
            same = [t for t in told if t.category == r.category and t.place_id == r.place_id and t.date <= r.date]
            if not same and r.admin1 is None:
                same = [t for t in told if t.category == r.category and t.country == r.country and t.date <= r.date]
                same = same if len(same) == 1 else []
            if same:
                _absorb(same[0], r)
                continue
        out.append(r)
    return out


def _fold_coarse(records: list) -> list:
    """A month- or year-precise record that repeats a day-precise one of the same category and place
    ("the junta, which came to power in an August 2020 coup" after "On August 18, 2020, ... coup") is a
    second mention of that incident, not another incident: its evidence joins the precise record."""
    precise = [r for r in records if r.date and len(r.date) == 10]
    out = []
    for r in records:
        if r.date and len(r.date) < 10:
            twin = next(
                (
                    o for o in precise
                    if o.category == r.category and o.date.startswith(r.date) and o.country == r.country
                    and (o.place_id == r.place_id or r.admin1 is None)
                    and not any(
                        getattr(o, f) is not None and getattr(r, f) is not None and getattr(o, f) != getattr(r, f)
                        for f in ("killed", "injured", "hostages_or_kidnapped")
                    )
                ),
                None,
            )
            if twin is not None:
                if r.evidence not in twin.evidence:
                    twin.evidence = f"{twin.evidence} [...] {r.evidence}"
                twin.actors += [a for a in r.actors if a not in twin.actors]
                twin.provenance.setdefault("merged", {"span": list(r.span), "rule": "assemble.coarse-mention-of-dated",
                                                      "text": r.date})
                continue
        out.append(r)
    return out


def severity(rec) -> int:  # noqa: ANN001
    """1-5 from category and casualties."""
    base = {
        "terrorism": 3,
        "armed_conflict": 3,
        "violence_against_civilians": 3,
        "coup": 4,
        "kidnapping": 3,
        "civil_unrest": 2,
        "crime": 2,
        "transport_disruption": 2,
        "political": 1,
        "health": 2,
        "natural_disaster": 2,
        "other": 1,
    }.get(rec.category, 1)
    casualties = (rec.killed or 0) + (rec.injured or 0) // 2 + (rec.hostages_or_kidnapped or 0)
    if casualties >= 50:
        base += 2
    elif casualties >= 5:
        base += 1
    return min(base, 5)
