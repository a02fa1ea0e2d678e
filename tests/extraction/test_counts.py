"""Casualty counts, sentence by sentence (components/counts.py). Sentences written for these tests,
except CASE_LIST, the extraction team's list of phrasings this component used to miss."""

from __future__ import annotations

import pytest

from vedette.intake.components.counts import find_counts, to_int
from vedette.intake.pipeline import Sentence

K, W, H = "killed", "injured", "hostages_or_kidnapped"  # W: wounded


def counts(text: str) -> dict[str, int]:
    return {k: v[0] for k, v in find_counts(Sentence(0, len(text), text, 0)).items()}


CASE_LIST = [
    (
        "Three Spanish nationals and three Afghans were killed and seven other people were wounded.",
        {K: 6, W: 7},
    ),
    ("Un manifestant a été blessé par balle et une dizaine de personnes ont été interpellées.", {W: 1}),
    ("Un ingénieur turc enlevé le 2 août à Sebha était toujours retenu mercredi.", {H: 1}),
    ("Trois personnes, dont un enfant, ont été tuées samedi à Zaouïa.", {K: 3}),
    (
        "Un drone s'est abattu sur une base près de Hassaké, tuant un sous-traitant américain et blessant "
        "six autres.",
        {K: 1, W: 6},
    ),
    ("Gunmen opened fire on a group of men outside a bar, killing three and wounding two.", {K: 3, W: 2}),
    ("On Sunday, two police officers and a civilian were wounded in a shootout.", {W: 3}),
    (
        "Militants ambushed a patrol, killing a Border Security Force constable and wounding two soldiers.",
        {K: 1, W: 2},
    ),
    (
        "Quatre touristes français ont été abattus près d'Aleg ; un cinquième a survécu à ses blessures.",
        {K: 4, W: 1},
    ),  # the fifth survived his wounds: one injured
    ("Un kamikaze s'est fait exploser, blessant deux gendarmes français et une passante.", {W: 3}),
    ("Ses trois occupants, membres d'AQMI, ont été tués.", {K: 3}),
    ("Un couple d'Italiens a été enlevé près de Kobenni.", {H: 2}),
    ("Les douze militaires ont été retrouvés morts quelques jours plus tard.", {K: 12}),
    ("Trois personnes ont été tuées lors d'affrontements.", {K: 3}),
    (
        "Police report that at least eight people have been killed and more than 200 injured across the "
        "island.",
        {K: 8, W: 200},
    ),
    ("A member of parliament and his police bodyguard died following a confrontation.", {K: 2}),
    ("A woman was shot dead in a drive-by shooting in Sea Lots.", {K: 1}),
    ("Supporters of the ruling party attacked demonstrators; at least 150 people were injured.", {W: 150}),
    ("Government soldiers stormed the compound, killing a journalist and assaulting aid workers.", {K: 1}),
    ("Au moins 55 personnes ont été tuées et 146 blessées dans les affrontements.", {K: 55, W: 146}),
    ("Dozens of people were killed.", {}),
    ("Des dizaines de personnes ont été tuées.", {}),
]

OWN = [
    # single persons
    ("A shopkeeper was stabbed to death outside his store on Friday.", {K: 1}),
    ("An aid worker was abducted at a checkpoint near the border.", {H: 1}),
    ("The militia raided the camp, killing a nurse.", {K: 1}),
    ("Une enseignante a été enlevée à la sortie de l'école.", {H: 1}),
    ("Un chauffeur de camion a été blessé par des tirs à l'entrée de la ville.", {W: 1}),
    ("Un commerçant libanais enlevé la semaine dernière a été libéré.", {H: 1}),
    ("A 15-year-old girl was wounded by a stray bullet.", {W: 1}),
    ("Un garçon de 12 ans a été tué par l'explosion d'une mine.", {K: 1}),
    ("One policeman died in the exchange of fire.", {K: 1}),
    # couples and pairs
    ("A couple were kidnapped from their farm overnight.", {H: 2}),
    ("An elderly couple was found dead in their burnt house.", {K: 2}),
    ("Un couple de retraités belges a été enlevé dans le nord du pays.", {H: 2}),
    # mixed lists
    ("Three soldiers and a child were injured when the shell landed.", {W: 4}),
    ("A teacher and two pupils were killed in the strike on the school.", {K: 3}),
    ("Un policier, deux militaires et une infirmière ont été blessés.", {W: 4}),
    ("L'explosion a blessé trois passants et un agent de sécurité.", {W: 4}),
    ("Gunmen shot dead a farmer and his son in the field.", {K: 2}),
    # interrupting clauses
    ("Five people, all of them traders, were abducted on the highway.", {H: 5}),
    ("Deux gendarmes, originaires de la région, ont été tués dans l'embuscade.", {K: 2}),
    ("Quatre civils, parmi lesquels une femme, ont été blessés.", {W: 4}),
    ("L'attaque a fait 20 morts, dont 12 soldats, et 35 blessés.", {K: 20, W: 35}),
    # bare numbers after the verb, several fields
    ("The blast killed seven and injured 30.", {K: 7, W: 30}),
    ("Les assaillants ont tué six villageois et en ont blessé quatre.", {K: 6, W: 4}),
    ("Rebels attacked the convoy, killing two drivers and abducting three engineers.", {K: 2, H: 3}),
    ("La frappe a tué deux combattants et blessé cinq civils.", {K: 2, W: 5}),
    # death verbs
    ("Nine miners died when the tunnel was attacked.", {K: 9}),
    ("At least 40 people perished in the fire set by the attackers.", {K: 40}),
    ("Two of the injured later succumbed to their wounds.", {K: 2}),
    ("Eleven passengers lost their lives in the ambush.", {K: 11}),
    ("The bodies of three herders were found dead near the well.", {K: 3}),
    ("Trois bergers ont été retrouvés morts près du puits.", {K: 3}),
    ("Sept personnes sont décédées à l'hôpital.", {K: 7}),
    ("Cinq soldats ont péri dans l'explosion.", {K: 5}),
    ("Deux villageois ont été froidement abattus devant leur maison.", {K: 2}),
    # tallies
    ("Toll: 14 killed, 22 injured.", {K: 14, W: 22}),
    ("Bilan : 6 morts et 11 blessés.", {K: 6, W: 11}),
    ("The attack left 19 dead and 40 wounded.", {K: 19, W: 40}),
    # ordinal survivor
    ("Three hikers were shot dead; a fourth survived his injuries.", {K: 3, W: 1}),
    # negatives: dates, times, ages, distances, years, shares, things, vague amounts, arrests
    ("On 12 March gunmen killed the village chief.", {K: 1}),  # one person named by a role counts (gold: "killing Droukdel" is 1)
    ("Le 3 avril, des hommes armés ont tué le maire.", {K: 1}),
    ("The convoy was hit at 6.30 p.m. and the driver was killed.", {}),
    ("Vers 21 h, des tirs ont blessé des passants.", {}),
    ("A 17-year-old was among those killed.", {}),
    ("Two attacks killed dozens of people.", {}),
    ("Des centaines de personnes ont été blessées.", {}),
    ("Plus de 500 personnes ont été interpellées et une trentaine blessées.", {}),
    ("Police arrested 300 protesters.", {}),
    ("Fighting 30 km from the town killed scores of fighters in 2019.", {}),
    ("Three villages were torched and an unknown number of residents killed.", {}),
    ("Nobody was hurt in the blast.", {}),
    ("Aucun blessé n'a été signalé.", {}),
    ("In 2015 attackers killed the governor.", {K: 1}),
    ("In 2015 attackers killed the soldiers.", {}),
    ("Some 40 percent of the wounded were children.", {}),
    ("Residents said a bomb exploded and four people were killed.", {K: 4}),
    ("In a raid on the camp, two fighters were killed.", {K: 2}),
    ("Selon une source militaire, deux soldats et un civil ont été tués.", {K: 3}),
    ("Officials said two soldiers and a civilian were killed.", {K: 3}),
    ("The gunmen killed two, a police spokesman said.", {K: 2}),
    ("Un drone s'est abattu près de la base.", {}),
    ("Twenty-one soldiers were killed and a hundred others wounded.", {K: 21, W: 100}),
    ("Quatre-vingt-dix personnes ont été tuées.", {K: 90}),
    ("Deux cent cinquante otages ont été libérés.", {H: 250}),
    ("Gunmen took 12 tourists hostage.", {H: 12}),
]

# passives against actives, lists against clauses, nouns that look like verbs
HARDER = [
    ("A car bomb killed the governor and his driver.", {K: 2}),
    ("An airstrike killed.", {}),
    ("After a gunfight soldiers were killed.", {}),
    ("Members of his family were killed.", {}),
    ("His brother was killed in the attack.", {K: 1}),
    ("Gunmen killed two and three were wounded.", {K: 2, W: 3}),
    ("The attack on a convoy, three soldiers and a civilian were killed.", {K: 4}),
    ("Three gunmen killed the policeman.", {}),
    ("Three people killed two weeks ago were buried today.", {K: 3}),
    ("Two weeks after 12 soldiers were killed, the army withdrew.", {K: 12}),
    ("No one was killed.", {}),
    ("Personne n'a été blessé.", {}),
    ("The hostages were released unharmed.", {}),
    ("Two hostages were killed by their captors.", {K: 2, H: 2}),
    ("Un otage français a été tué.", {K: 1, H: 1}),
    ("Une prise d'otages a eu lieu dans la banque.", {}),
    ("The 2019 attack killed 42 people.", {K: 42}),
    ("In 2019, 42 people were killed.", {K: 42}),
    ("Les forces de sécurité ont abattu deux assaillants.", {K: 2}),
    ("Deux assaillants ont été abattus par les forces de sécurité.", {K: 2}),
    ("L'attaque de mars 2021 avait fait 137 morts.", {K: 137}),
    ("Sur les 12 passagers, trois ont été tués.", {K: 3}),
    ("Killed: 4. Injured: 9.", {}),
    ("The explosion killed 5 and wounded dozens.", {K: 5}),
    ("Des dizaines de personnes ont été tuées et 12 blessées.", {W: 12}),
    ("A dozen soldiers were killed.", {K: 12}),
    ("Two dozen villagers were abducted.", {H: 24}),
    ("Une douzaine de soldats ont été tués.", {K: 12}),
    ("Police said 1,200 people were injured.", {W: 1200}),
    ("Plus de 5 900 personnes ont péri.", {K: 5900}),
    ("Killing of two journalists sparks outrage", {K: 2}),
    ("The killing of John Smith shocked the town.", {K: 1}),
    ("Gunmen killing French soldiers is a risk.", {}),
    ("Les combats ont fait au moins 23 morts selon l'ONU.", {K: 23}),
    ("Five people were kidnapped on 3 March and released on 10 March.", {H: 5}),
    ("On May 3, two soldiers were injured.", {W: 2}),
    ("On 3 May two soldiers were injured.", {W: 2}),
    ("Le 1er mars, un soldat a été tué.", {K: 1}),
    ("Gunmen abducted three and killed one.", {H: 3, K: 1}),
    ("Three were abducted, one was killed.", {H: 3, K: 1}),
    ("A police officer was shot and killed on Route 7.", {K: 1}),
    ("Attackers killed at least 14 villagers and burned 30 houses.", {K: 14}),
    ("The UN said 4 million people had been displaced and 200 killed.", {K: 200}),
    ("The suspect, a 30-year-old man, was arrested.", {}),
    ("Two Americans were detained at the airport.", {}),
    ("Two men were arrested after 3 people were killed.", {K: 3}),
    ("Seven people were killed, including a 6-year-old child.", {K: 7}),
    ("Among the dead were two children.", {}),
    ("The death toll rose to 45.", {}),
    ("Le bilan s'élève à 45 morts.", {K: 45}),
    ("Boko Haram fighters killed 12 farmers in Borno state on Sunday, police said.", {K: 12}),
    ("The army said it killed 30 militants.", {K: 30}),
    ("L'armée affirme avoir neutralisé 30 terroristes.", {}),
    ("A gunman opened fire at a wedding, killing the groom and wounding his two brothers.", {W: 2}),
    ("The attack, which took place at around 2 a.m., killed 11 people.", {K: 11}),
    ("Police said the bomb, hidden in a motorcycle, wounded 15 people.", {W: 15}),
    ("Three people were killed and 12 injured in Tuesday's attack, the second in a week.", {K: 3, W: 12}),
    ("At least 30 people, mostly women and children, were killed.", {K: 30}),
    ("A Frenchman and two Belgians were taken hostage.", {H: 3}),
    ("Ten days later, two more soldiers died.", {K: 2}),
    ("The two soldiers, who were on patrol, were killed.", {K: 2}),
    ("Militants killed 5 soldiers, 3 policemen and 2 civilians.", {K: 10}),
    ("Au moins 30 personnes, en majorité des femmes, ont été tuées.", {K: 30}),
    ("Le 14 juillet 2016, un camion a foncé dans la foule, tuant 86 personnes.", {K: 86}),
    ("Les deux otages ont été exécutés.", {K: 2, H: 2}),
    ("Un soldat a été tué et deux autres blessés lors de l'attaque.", {K: 1, W: 2}),
    ("Deux soldats ont été tués et un troisième grièvement blessé.", {K: 2, W: 1}),
    ("Three police officers were killed and a fourth was critically injured.", {K: 3, W: 1}),
    ("Seven civilians, including two children aged 4 and 6, were killed.", {K: 7}),
    ("The shooting at 10:15 left three people wounded.", {W: 3}),
    ("Armed men kidnapped 25 students from a school in Kaduna state on 7 March.", {H: 25}),
    ("Des hommes armés ont enlevé 25 élèves le 7 mars.", {H: 25}),
    ("L'explosion a fait un mort et trois blessés.", {K: 1, W: 3}),
    ("One person was killed and another injured.", {K: 1, W: 1}),
    ("Two gunmen were killed by security forces after they killed a guard.", {K: 2}),
    ("A third of the 300 wounded were children.", {W: 300}),
    ("Of the 12 people abducted, five were released.", {H: 12}),
    ("L'attentat, qui a eu lieu vers 19 h 30, a fait six morts.", {K: 6}),
    ("The town, 40 km north of the capital, was shelled; four civilians died.", {K: 4}),
    ("Fifty-three people were killed in the 2023 attack.", {K: 53}),
    ("Un homme de 45 ans et sa fille ont été tués.", {K: 2}),
    ("A man and his daughter were killed.", {K: 2}),
    ("Son frère a été enlevé en 2020.", {H: 1}),
    ("The journalist was killed on Tuesday.", {}),
    ("Over 100 people have been injured since the protests began.", {W: 100}),
    ("The protests, in which 12 people died, continued.", {K: 12}),
    ("Environ 200 manifestants ont été blessés, dont 30 grièvement.", {W: 200}),
    # a complement between the count and its verb; one named person and others; a named victim, passive
    ("Trois agents d'une ONG locale de santé ont été enlevés jeudi.", {H: 3}),
    ("Two employees of a local water charity were abducted on Sunday.", {H: 2}),
    ("A car bomb killed the district governor, Ahmad Wali, and three others near Herat.", {K: 4}),
    ("L'explosion a tué le préfet et au moins deux autres personnes.", {K: 3}),
    ("The blast killed the mayor and two bodyguards.", {K: 3}),
    ("Al-Tilemsi was killed in a French raid in December 2014.", {K: 1}),
    ("Le chef du groupe, Moussa Diallo, a été abattu par l'armée.", {K: 1}),
    ("He was killed in 2019.", {}),
    ("One police officer sustained shrapnel wounds; no passengers were hurt.", {W: 1}),
    ("Two men died at the scene and a passer-by was hospitalised.", {K: 2, W: 1}),
]


@pytest.mark.parametrize(("text", "expected"), CASE_LIST + OWN + HARDER)
def test_counts(text: str, expected: dict) -> None:
    assert counts(text) == expected


def test_spans_point_at_the_count_and_its_word() -> None:
    text = "On Monday, gunmen killed four farmers and two herders near the river."
    n, a, b, rule = find_counts(Sentence(100, 100 + len(text), text, 0))["killed"]
    assert (n, rule) == (6, "counts.verb-then-list")
    assert text[a - 100 : b - 100] == "killed four farmers and two herders"
    text = "Au moins 12 civils ont été tués."
    n, a, b, rule = find_counts(Sentence(0, len(text), text, 0))["killed"]
    assert (n, text[a:b], rule) == (12, "Au moins 12 civils ont été tués", "counts.list-before-verb")


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("twenty-one", 21), ("vingt et un", 21), ("vingt-deux", 22), ("1,200", 1200), ("5 900", 5900),
        ("douze", 12), ("two hundred and fifty", 250), ("deux cent cinquante", 250), ("quatre-vingt-dix", 90),
        ("quatre-vingts", 80), ("soixante-et-onze", 71), ("a dozen", 12), ("trois mille", 3000),
        ("dozens", None),
    ],
)
def test_number_words(words: str, value: int | None) -> None:
    assert to_int(words) == value
