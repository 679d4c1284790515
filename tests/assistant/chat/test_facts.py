"""What the grounding check compares: facts of an answer and the keys of a source, normalised."""

from __future__ import annotations

import pytest

from assistant.chat.facts import answer_facts, name_facts, number_keys, numeric_facts, source_keys


def kinds_and_keys(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(fact.kind, fact.keys) for fact in numeric_facts(text)]


@pytest.mark.parametrize(("written", "same_as"), [
    ("2,5", "2,50"), ("1 000", "1000"), ("1\u202f000", "1000"), ("1\u00a0234,56", "1234,56"),
    ("12", "12,0"), ("4.50", "4,50"),
])
def test_number_spellings_share_a_key(written: str, same_as: str) -> None:
    assert number_keys(written)[0] == number_keys(same_as)[0]


def test_a_dot_before_three_digits_reads_both_ways() -> None:
    assert set(number_keys("1.000")) == {"num:1000", "num:1"}
    assert number_keys("2,50") != number_keys("25")


def test_amounts_percentages_and_plain_numbers() -> None:
    facts = numeric_facts("L'entrée coûte 2,50 € ou 1 234,56 euros, soit 12 % ; 3 séances.")
    assert [(f.kind, f.text, f.keys) for f in facts] == [
        ("amount", "2,50 €", ("num:2.5",)), ("amount", "1 234,56 euros", ("num:1234.56",)),
        ("percent", "12 %", ("num:12",)), ("number", "3", ("num:3",))]


def test_dates_in_words_and_in_numbers_meet() -> None:
    assert kinds_and_keys("le 1er mars 2024") == [("date", ("date:2024-03-01",))]
    assert kinds_and_keys("le 01/03/2024") == [("date", ("date:2024-03-01",))]
    assert kinds_and_keys("le 2024-03-01") == [("date", ("date:2024-03-01",))]
    assert kinds_and_keys("le 12 février") == [("date", ("date:--02-12",))]
    assert kinds_and_keys("en août 2023") == [("date", ("month:2023-08",))]
    assert kinds_and_keys("depuis 2019") == [("number", ("num:2019",))]
    keys = source_keys("Délibération du 12/02/2014.")
    assert {"date:2014-02-12", "date:--02-12", "month:2014-02", "num:2014"} <= keys


def test_times() -> None:
    assert [f.keys for f in numeric_facts("de 8h30 à 12 h, puis 14:00")] == [
        ("time:08:30",), ("time:12:00",), ("time:14:00",)]
    assert "time:08:30" in source_keys("ouvert 8 h 30 - 12h")


def test_citations_and_list_markers_are_no_facts() -> None:
    assert numeric_facts("1. Prenez rendez-vous [1].\n2. Venez [2, 3].") == []


def test_small_numbers_in_words_count_in_sources() -> None:
    assert "num:2" in source_keys("un délai de deux mois")


def test_proper_names_inside_a_sentence_and_acronyms() -> None:
    names = [fact.text for fact in name_facts("La demande se fait auprès de la CAF de Montpellier [1].")]
    assert names == ["CAF", "Montpellier"]
    assert [f.text for f in name_facts("Le tarif est bas. Selon la source, oui.")] == []
    assert [f.text for f in name_facts("Voyez la mairie. Prenez rendez-vous.")] == []
    assert [f.text for f in name_facts("Marie Dupont est élue. CCAS : le guichet.")] == ["Dupont", "CCAS"]


def test_source_words_match_names_without_accents_or_case() -> None:
    keys = source_keys("MÉTROPOLE de Montpellier")
    assert all(key in keys for fact in answer_facts("Voyez la Métropole [1].") for key in fact.keys)
