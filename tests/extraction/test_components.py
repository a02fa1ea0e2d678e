"""Unit tests of the extraction components, each alone (texts written for these tests)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from vedette.errors import BadInput
from vedette.intake.components.clean import join_lines
from vedette.intake.components.counts import find_counts, to_int
from vedette.intake.components.dates import find_dates, find_times
from vedette.intake.components.sentences import split_paragraph
from vedette.intake.extract import SCHEMA_KEYS, extract_doc, extract_text
from vedette.intake.pipeline import REGISTRY, Component, Doc, Pipeline, Sentence


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_paragraph(text, 0)]


def dates(text: str, lang: str = "en", ref: date | None = None, year: int | None = None) -> list[tuple[str, bool]]:
    return [(d.value, d.certain) for d in find_dates(text, 0, lang, ref, year)]


def counts(text: str) -> dict[str, int]:
    return {k: v[0] for k, v in find_counts(Sentence(0, len(text), text, 0)).items()}


# sentences ---------------------------------------------------------------------------------------------

def test_sentences_keep_abbreviations_initials_and_decimals() -> None:
    text = ("The U.S. Embassy met Gen. Diallo at St. Louis at 3 p.m. on Friday. J. R. Okafor said 2.5 tonnes "
            "of aid arrived. Le président a parlé.")
    assert sentences(text) == [
        "The U.S. Embassy met Gen. Diallo at St. Louis at 3 p.m. on Friday.",
        "J. R. Okafor said 2.5 tonnes of aid arrived.",
        "Le président a parlé.",
    ]


def test_sentences_split_timestamped_log_lines() -> None:
    text = "3 May 08:10: Shots near the port. 3 May 09:45: Roads reopened."
    assert sentences(text) == ["3 May 08:10: Shots near the port.", "3 May 09:45: Roads reopened."]


def test_clean_joins_hard_wrapped_lines_and_keeps_headings() -> None:
    raw = "Flash report\n\nGunmen attacked a convoy near\n\nthe town on Monday, officials\nsaid.\n\nNext item."
    assert join_lines(raw).split("\n") == [
        "Flash report", "", "Gunmen attacked a convoy near the town on Monday, officials said.", "", "Next item."
    ]


# dates and times -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("on August 9, 2020 and 9 August 2020", "en", [("2020-08-09", True), ("2020-08-09", True)]),
        ("le 3 février 2012 à Gao", "fr", [("2012-02-03", True)]),
        ("le 4/12/2023", "fr", [("2023-12-04", True)]),
        ("on 4/12/2023", "en", [("2023-04-12", True)]),
        ("in January 2012", "en", [("2012-01", True)]),
        ("en juillet 2023", "fr", [("2023-07", True)]),
        ("late 2012", "en", [("2012", True)]),
        ("fin 2022", "fr", [("2022", True)]),
    ],
)
def test_absolute_and_partial_dates(text: str, lang: str, expected: list) -> None:
    assert dates(text, lang) == expected


def test_relative_dates_resolve_against_the_document_date_and_are_not_certain() -> None:
    ref = date(2024, 5, 17)  # a Friday
    assert dates("on Wednesday", "en", ref) == [("2024-05-15", False)]
    assert dates("Saturday morning", "en", ref) == [("2024-05-11", False)]
    assert dates("mercredi dernier", "fr", ref) == [("2024-05-15", False)]
    assert dates("the previous Friday", "en", ref) == [("2024-05-10", False)]
    assert dates("yesterday", "en", ref) == [("2024-05-16", False)]
    assert dates("hier", "fr", ref) == [("2024-05-16", False)]
    assert dates("last month", "en", ref) == [("2024-04", False)]


def test_year_less_dates_take_the_running_year() -> None:
    assert dates("On June 9, troops moved.", "en", None, 2020) == [("2020-06-09", False)]
    assert dates("Le 4 septembre, des combats.", "fr", None, 2022) == [("2022-09-04", False)]
    # a November date in a February message is last November
    assert dates("on November 25", "en", date(2012, 2, 2), 2012) == [("2011-11-25", False)]


def test_times() -> None:
    assert [t for t, _, _ in find_times("at 07:55, 6.45 pm, 4 h 30 and 14h")] == ["07:55", "18:45", "04:30", "14:00"]


# counts ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The ambush killed four U.S. soldiers and four Nigerien soldiers.", {"killed": 8}),
        ("At least 15 soldiers and three civilians were killed.", {"killed": 18}),
        ("Gunmen killed at least 14 villagers.", {"killed": 14}),
        ("More than 150 people were abducted.", {"hostages_or_kidnapped": 150}),
        ("Dozens of people were killed.", {}),
        ("Des dizaines de civils ont été tués.", {}),
        ("L'attaque a fait douze morts et vingt et un blessés.", {"killed": 12, "injured": 21}),
        ("Gunmen killed twenty-one farmers.", {"killed": 21}),
        ("Au moins 25 personnes ont été enlevées.", {"hostages_or_kidnapped": 25}),
        ("The army deployed 1,200 troops; 40 percent of residents fled.", {}),
        ("In March 2019 12 people were killed.", {"killed": 12}),
    ],
)
def test_counts(text: str, expected: dict) -> None:
    assert counts(text) == expected


def test_number_words() -> None:
    assert (to_int("twenty-one"), to_int("vingt-deux"), to_int("1,200"), to_int("douze")) == (21, 22, 1200, 12)


# whole pipeline: categories, places, actors, assembly -------------------------------------------------

def test_category_cue_is_kept_and_attack_that_closes_an_airport_gives_two_incidents() -> None:
    text = ("Nairobi, 12 March 2024 - On Monday, militants attacked a police post in Garissa, killing three "
            "officers. Flights to Wajir airport were suspended on 11 March 2024.")
    recs = extract_text(text, "kenya_2024-03-12.txt")
    cats = sorted(r.category for r in recs)
    assert "transport_disruption" in cats and ("armed_conflict" in cats or "terrorism" in cats)
    attack = next(r for r in recs if r.category != "transport_disruption")
    assert attack.date == "2024-03-11" and attack.date_certain is False and attack.killed == 3
    assert attack.place == "Garissa" and attack.country == "KE"
    assert attack.category_cue and attack.provenance["date"]["rule"].startswith("dates.")


def test_french_unknown_gunmen_and_relative_day() -> None:
    text = ("Niamey, le 9 mai 2024 – Des hommes armés non identifiés ont enlevé hier deux humanitaires "
            "près de Tillabéri.")
    recs = extract_text(text, "niger.txt")
    assert len(recs) == 1
    r = recs[0]
    assert (r.category, r.date, r.hostages_or_kidnapped, r.country) == ("kidnapping", "2024-05-08", 2, "NE")
    assert "hommes armés non identifiés" in r.actors


def test_national_forces_become_armed_forces_actor() -> None:
    recs = extract_text("On 2 June 2021, Somali troops clashed with al-Shabaab fighters near Baidoa.", "so.txt")
    assert recs and {"Somali armed forces", "al-Shabaab"} <= set(recs[0].actors)


def test_advice_and_hypothetical_sentences_are_not_incidents() -> None:
    text = ("Travellers should avoid Bunia. Armed groups may attack convoys on the road to Beni. "
            "The embassy advises staff to stay indoors.")
    assert extract_text(text, "advice.txt", published=date(2024, 1, 5)) == []


def test_no_date_no_place_still_yields_what_it_can_uncertain() -> None:
    recs = extract_text("Protesters burned tyres and looted shops.", "bare.txt", published=date(2024, 1, 5))
    assert len(recs) == 1 and recs[0].date == "2024-01-05" and recs[0].date_certain is False
    assert recs[0].provenance["date"]["rule"] == "assemble.document-date"


def test_schema_shape_and_bad_input() -> None:
    recs = extract_text("On 3 May 2023, a car bomb exploded in Mogadishu, killing 5 people.", "x.txt")
    assert list(recs[0].as_schema()) == list(SCHEMA_KEYS)
    json.dumps(recs[0].as_schema())
    with pytest.raises(BadInput):
        extract_text("   \n", "empty.txt")


def test_pipeline_checks_requirements_and_accepts_new_components() -> None:
    with pytest.raises(ValueError):
        Pipeline(("assemble",))

    class Tagger(Component):
        requires = ("text",)
        assigns = ("meta",)

        def __call__(self, doc: Doc) -> Doc:
            doc.meta["tagged"] = True
            return doc

    REGISTRY["test-tagger"] = Tagger
    try:
        doc = Pipeline(("clean", "test-tagger"))(Doc(raw="Some text.", name="t.txt"))
        assert doc.meta["tagged"] and doc.text == "Some text."
    finally:
        REGISTRY.pop("test-tagger")
    assert extract_doc("Gunmen attacked Goma on 3 May 2023.", "d.txt").lang == "en"


# rules added for generality (own sentences, other countries) --------------------------------------------

def test_publication_dates_do_not_date_events() -> None:
    text = "Additionally, a March 2021 U.N. report found that militias committed looting in Ituri."
    doc = extract_doc(text, "r.txt", published=date(2022, 5, 1))
    assert doc.sentences[0].dates == []
    fr = extract_doc("Selon le rapport du 3 mai 2023, des pillages ont eu lieu à Bunia.", "r.txt", lang="fr")
    assert fr.sentences[0].dates == []


def test_a_year_in_passing_does_not_set_the_running_year() -> None:
    text = ("The group has waged an insurgency in the region since 2009. "
            "Gunmen abducted 9 traders near Damboa on June 26.")
    recs = extract_text(text, "ng.txt", published=date(2024, 7, 1))
    assert [r.date for r in recs if r.category == "kidnapping"] == ["2024-06-26"]


def test_last_week_gives_the_month_uncertain() -> None:
    assert dates("Troops raided the camp last week.", ref=date(2024, 7, 3)) == [("2024-06", False)]
    assert dates("L'armée a frappé la semaine dernière.", "fr", ref=date(2024, 7, 20)) == [("2024-07", False)]


def test_route_from_one_town_to_another_is_one_place() -> None:
    text = "Le 4 mars 2024, deux commerçants ont été enlevés sur l'axe reliant Mopti à Sévaré."
    recs = extract_text(text, "ml.txt", lang="fr")
    assert [r.place for r in recs] == ["Mopti"]


def test_compass_compound_is_a_zone_of_the_country() -> None:
    text = "Mardi, des frappes aériennes ont visé plusieurs villages du Sud-Liban, faisant 4 morts."
    recs = extract_text(text, "lb.txt", published=date(2024, 10, 2), lang="fr")
    assert recs and recs[0].country == "LB" and recs[0].place == "Sud-Liban"


def test_french_lower_case_demonym_names_the_country() -> None:
    text = "Le 2 avril 2022, l'armée tchadienne a repris le contrôle de Mongo après des combats."
    doc = extract_doc(text, "td.txt", lang="fr")
    assert max(doc.countries, key=doc.countries.get) == "TD"


def test_flight_suspension_takes_the_airport_named_just_before() -> None:
    text = ("On Monday, a drone struck near Erbil International Airport. "
            "Flights were suspended for several hours on Tuesday.")
    recs = extract_text(text, "iq.txt", published=date(2023, 10, 25))
    transport = [r for r in recs if r.category == "transport_disruption"]
    assert transport and transport[0].place.endswith("Airport") and transport[0].admin1 is not None


def test_the_town_points_back_to_the_last_incident() -> None:
    text = ("Insurgents attacked the town of Mocímboa da Praia on Tuesday, killing 5 soldiers. "
            "Hundreds fled to Pemba. On Thursday the army regained control of the town.")
    recs = extract_text(text, "mz.txt", published=date(2020, 8, 14))
    assert {r.place for r in recs} == {"Mocímboa da Praia"}


def test_co_actor_countries_are_not_places_and_state_forces_are_not_terrorists() -> None:
    text = ("On March 2, 2023, the junta of Guinea, along with the governments of Mali and Niger, announced "
            "it was leaving the regional bloc.")
    recs = extract_text(text, "gn.txt")
    assert recs and all(r.country == "GN" for r in recs) and recs[0].category == "political"
    text = "On 5 May 2022, Burkinabe soldiers killed 12 suspected terrorists in an operation near Djibo."
    recs = extract_text(text, "bf.txt")
    assert recs and recs[0].category == "armed_conflict"


def test_coarse_mention_folds_into_the_dated_record() -> None:
    text = ("On August 18, 2021, soldiers seized power in a coup in Conakry. "
            "The junta, which came to power in an August 2021 coup, later banned protests.")
    recs = extract_text(text, "gn.txt")
    assert [r.date for r in recs if r.category == "coup"] == ["2021-08-18"]


def test_in_particular_gives_the_places_of_a_country_level_record() -> None:
    text = ("In March 2022, al-Shabaab fighters clashed with government troops across Somalia. "
            "In particular, the group overran positions near Baidoa and Beledweyne.")
    recs = extract_text(text, "so.txt")
    assert sorted(r.place for r in recs) == ["Baidoa", "Beledweyne"]
    assert all("al-Shabaab" in r.actors and r.date == "2022-03" for r in recs)


def test_the_day_before_counts_from_the_date_just_told() -> None:
    text = ("Le 12 mai 2023, des bandits ont attaqué un convoi à Tambacounda, au Sénégal. "
            "La veille, deux gendarmes avaient été tués lors d'une embuscade à Bakel.")
    recs = extract_text(text, "sn.txt", lang="fr")
    assert {r.date for r in recs if r.category == "armed_conflict" and r.killed == 2} == {"2023-05-11"}
    en = extract_doc("On 3 June 2022 gunmen attacked Bunia. The next day, troops clashed with them.", "cd.txt")
    assert [d.value for d in en.sentences[1].dates] == ["2022-06-04"]


def test_a_local_disruption_without_a_place_stays_where_the_text_was() -> None:
    text = ("Mardi, des gangs armés ont attaqué le terminal portuaire de Cap-Haïtien. "
            "Les activités du port ont été suspendues jusqu'à nouvel ordre.")
    recs = extract_text(text, "ht.txt", published=date(2024, 5, 8), lang="fr")
    transport = [r for r in recs if r.category == "transport_disruption"]
    assert transport and transport[0].admin1 is not None and transport[0].country == "HT"


def test_a_dated_revelation_of_claims_is_not_an_incident_of_that_date() -> None:
    text = ("On 3 March 2021, al-Shabaab released a statement claiming that its fighters had attacked bases "
            "across Somalia. On 9 March 2021, al-Shabaab fighters attacked a base in Baidoa.")
    recs = extract_text(text, "so.txt")
    assert [r.date for r in recs] == ["2021-03-09"]


def test_category_cues_first_characters_and_bucketed_pass_equals_naive_pass() -> None:
    import re

    from vedette.intake.components.category import Category, cue_texts, first_chars

    assert first_chars("(?:clash(?:es|ed)?|fighting)") == frozenset("cf")
    assert first_chars("(?:[ée]changes? de tirs|tirs nourris)") == frozenset("eét")
    assert first_chars(r"(?:\d+ morts)") == frozenset("0123456789") | {r"\d"}  # the class too: other digits
    assert first_chars(r"(?:(?:a )?b)") == frozenset("ab")
    assert first_chars(r"(?:\w+ attack)") is None
    texts = {
        "en": "On 3 May, gunmen stormed a hotel in the capital; clashes with police left 12 dead. "
        "Flights were suspended and the border was closed. Protesters threw stones at riot police.",
        "fr": "Le 3 mai, des hommes armés ont attaqué un poste ; 14 morts. Les vols ont été suspendus et "
        "l'accès au quartier a été bouclé. Des manifestants ont affronté la police à coups de pierres.",
    }
    comp = Category()
    comp.initialize()
    for lang, text in texts.items():
        doc = Doc(raw=text, name="t.txt", text=text, lang=lang, sentences=[Sentence(0, len(text), text, 0)])
        got = sorted((c, cue, pos) for c, _, cue, pos in comp(doc).sentences[0].categories)
        naive = []
        for row_cue, (cat, pat, _) in zip(cue_texts(lang), comp.cues[lang], strict=True):
            assert pat.pattern.endswith(r"(?!\w)") and row_cue in pat.pattern
            naive += [(cat, m.group(0), m.start()) for m in pat.finditer(text)]
        assert got == sorted(naive) and len(got) >= 5
        assert all(isinstance(x[2], int) for x in got) and re.search("\\w", got[0][1])


def test_gated_patterns_find_exactly_what_the_plain_patterns_find() -> None:
    import re

    from vedette.intake.components.dates import PATTERNS, TIME
    from vedette.intake.regex import first_chars, gated

    assert first_chars(r"(?:(?<=\n)|^|(?<=\ble ))(?P<a>[0-3]?\d)/") == frozenset("0123456789") | {r"\d"}
    assert first_chars(r"\b(?:early|mid)?\s*(?:jan|feb)") >= frozenset("emjf ")
    assert first_chars(r"(?:x)?") is None  # may match the empty string: no gate
    text = (
        "On 3 May 2023 at 07:55, gunmen struck. Le 14/04, mi-mars 2012 et fin\u00a0avril, 4 h 30 ; "
        "early  June 2020, in late 2012, the previous Thursday, mercredi dernier. \u0663 May. 12/03/2024."
    )
    gated_any = 0
    for _, pat in [*PATTERNS, ("time", TIME)]:
        fast = gated(pat)
        gated_any += fast is not pat
        assert [(m.span(), m.groupdict()) for m in fast.finditer(text)] == [
            (m.span(), m.groupdict()) for m in pat.finditer(text)
        ], pat.pattern
    assert gated_any >= len(PATTERNS) - 1
    flagged = re.compile(r"(?i)\bfoo\b")
    assert [m.span() for m in gated(flagged).finditer("a FOO b foo")] == [(2, 5), (8, 11)]


def test_n_days_later_counts_from_the_date_just_told() -> None:
    text = ("On 4 May 2023, militants attacked a market in Garoua. Three days later, they ambushed a convoy near "
            "Mokolo. A week later, troops retook the town. Two days after the vote, crowds gathered in Maroua.")
    doc = extract_doc(text, "cm.txt")
    assert [[d.value for d in s.dates] for s in doc.sentences[:3]] == [["2023-05-04"], ["2023-05-07"], ["2023-05-14"]]
    assert not doc.sentences[3].dates  # after a named event: not counted from the date before
    fr = extract_doc("Le 10 juin 2024, des hommes armés ont enlevé un maire à Kaya. Deux jours plus tôt, un poste "
                     "avait été attaqué à Djibo.", "bf.txt", lang="fr")
    assert [d.value for d in fr.sentences[1].dates] == ["2024-06-08"]


def test_announced_events_are_not_incidents_until_they_happen() -> None:
    text = ("On Monday, March 10, students clashed with police in Sylhet. Opposition parties have called a "
            "general strike for Thursday, March 13. Authorities announced a curfew in Sylhet on March 11.")
    recs = extract_text(text, "bd.txt", published=date(2025, 3, 12))
    assert sorted((r.date, r.category) for r in recs) == [("2025-03-10", "civil_unrest"), ("2025-03-11", "political")]
    fr = extract_text("Samedi, des manifestants ont bloqué le centre de Goma. Un nouveau rassemblement est annoncé "
                      "pour le samedi 17 février à Goma.", "cd.txt", published=date(2024, 2, 12), lang="fr")
    assert [r.date for r in fr] == ["2024-02-10"]


def test_log_headings_in_capitals_place_and_date_their_entries() -> None:
    text = ("JOURNAL DES ALERTES - CAMEROUN\n\n[14/04/2025 - 05:20] MAROUA (Diamaré)\n"
            "Des hommes armés ont enlevé deux commerçants au quartier Domayo en fin de soirée.\n\n"
            "[16/04/2025 - 07:30] MOKOLO (Mayo-Tsanaga)\n"
            "Des moto-taximen manifestent au centre-ville contre l'insécurité.\n")
    recs = extract_text(text, "cm.txt", lang="fr")
    got = sorted((r.date, r.category, r.place, r.admin1) for r in recs)
    assert got == [("2025-04-14", "kidnapping", "MAROUA", "Extrême-Nord"),
                   ("2025-04-16", "civil_unrest", "MOKOLO", "Extrême-Nord")]


def test_a_foreign_town_counts_when_its_sentence_names_its_country() -> None:
    text = ("Le groupe est né en Algérie, où il a frappé Alger, Oran, Constantine et Blida à maintes reprises. "
            "En 2011, il a multiplié les attentats à Alger et à Tizi Ouzou. "
            "Le 3 mai 2012, ses hommes ont enlevé quatre ingénieurs à Maradi, dans le sud du Niger. "
            "Le lendemain, des hommes armés du groupe ont attaqué un hôtel à Kayes, dans l'ouest du Mali, tuant neuf "
            "personnes.")
    recs = extract_text(text, "dz.txt", lang="fr")
    places = {(r.date, r.place, r.country) for r in recs}
    assert ("2012-05-03", "Maradi", "NE") in places and ("2012-05-04", "Kayes", "ML") in places
    en = extract_text("On 4 May 2012, militants attacked a base near Kandahar, Afghanistan. The following day, gunmen "
                      "stormed a hotel in Peshawar, in north-western Pakistan, killing 9 people.", "af.txt")
    assert ("2012-05-05", "Peshawar", "PK") in {(r.date, r.place, r.country) for r in en}


def test_possessive_owner_and_destinations_place_the_event() -> None:
    text = ("On 3 March 2023, gunmen abducted four aid workers, three Yemenis and one foreigner, in Abyan's Mudiyah "
            "district as they drove back to Aden.")
    recs = extract_text(text, "ye.txt")
    assert [(r.admin1, r.country, r.hostages_or_kidnapped) for r in recs] == [("Abyan", "YE", 4)]


def test_a_weekday_fixes_the_year_of_a_day_told_without_one() -> None:
    # the running year (2024, from the background) would make "Lundi 3 mars" a Sunday: it is 3 March 2025
    assert dates("Lundi 3 mars, 06h40 : des hommes armés attaquent un poste.", "fr", year=2024) == [
        ("2025-03-03", True)]
    assert dates("On Monday, March 3, gunmen attacked a post.", year=2024) == [("2025-03-03", True)]
    assert dates("On March 3, gunmen attacked a post.", year=2024) == [("2024-03-03", False)]


def test_a_building_named_after_its_town_places_the_event_there() -> None:
    text = ("On Tuesday, February 11, police used tear gas to disperse thousands of demonstrators outside the "
            "Karachi Press Club; 12 people were injured. Later, rallies were held in Lahore.")
    recs = extract_text(text, "pk.txt", published=date(2025, 2, 13))
    first = min(recs, key=lambda r: r.evidence.find("Karachi") if "Karachi" in r.evidence else 999)
    assert (first.date, first.admin1, first.injured) == ("2025-02-11", "Sindh", 12)


def test_another_transliteration_of_a_town_is_found() -> None:
    text = "On July 21, 2020, militants in Egypt attacked an army camp near Bir al-Abed, killing five soldiers."
    recs = extract_text(text, "eg.txt", published=date(2020, 7, 25))
    assert [(r.admin1, r.country, r.killed) for r in recs] == [("North Sinai", "EG", 5)]


def test_an_acronym_the_text_uses_is_kept_beside_the_actor_name() -> None:
    recs = extract_text("On 26 August 2021, ISKP suicide bombers attacked crowds at Kabul airport.", "af.txt")
    assert recs and "ISKP" in recs[0].actors and len(recs[0].actors) >= 2


def test_a_country_s_capital_and_a_word_that_is_also_an_acronym() -> None:
    text = ("Car bomb kills nine in Somalia\n\nA car bomb exploded near a restaurant in Somalia's capital on "
            "Monday, killing nine people.")
    recs = extract_text(text, "so.txt", published=date(2024, 11, 12))
    assert {r.place_id for r in recs} <= {"gn:53654"} and any(r.admin1 == "Banaadir" for r in recs)
    assert all(r.country == "SO" for r in recs)


def test_a_chronology_entry_opening_with_its_date_is_no_dateline() -> None:
    text = (
        "Chronology\n\nJune 29, 2020: a singer was shot dead by unidentified gunmen in Addis Ababa.\n\n"
        "November 1, 2020: gunmen killed at least 54 villagers near Gimbi.\n"
    )
    doc = extract_doc(text, "chronology.txt")
    assert [[d.value for d in s.dates] for s in doc.sentences[1:]] == [["2020-06-29"], ["2020-11-01"]]
    lede = extract_doc("BUNIA, 16 May 2025 (AFP) - Gunmen killed 12 civilians on Wednesday in Djugu.", "x.txt")
    assert [d.value for d in lede.sentences[0].dates] == ["2025-05-14"]  # the dateline's date is the story's
