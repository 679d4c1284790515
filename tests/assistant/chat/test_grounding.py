"""The grounding check of generated answers, and the gate that holds their text back while it streams."""

from __future__ import annotations

from assistant.chat.grounding import GroundingCheck, StreamGate

POOL = "Tarifs de la piscine Jean Taris\nEntrée adulte | 4,50 €\nEntrée enfant | 2,50 €\nOuverte de 8 h 30 à 19 h."
WASTE = "Les encombrants sont collectés sur rendez-vous, le 1er mardi du mois, par la Métropole."
CHECK = GroundingCheck([POOL, WASTE])


def test_the_invented_amount_is_refused() -> None:
    verdict = CHECK.verdict("La prix de l entrée enfant à la piscine est 290,00 € [1].")
    assert verdict.refused and verdict.reason == "unsupported"
    assert [fact.text for fact in verdict.unsupported] == ["290,00 €"]
    assert "un montant" in verdict.note() and "290" not in verdict.note()
    assert verdict.summary()["unsupported"] == ["amount"]


def test_a_grounded_answer_with_a_valid_citation_is_kept() -> None:
    verdict = CHECK.verdict("L'entrée enfant coûte 2,5 euros [1], de 8h30 à 19 h, à la piscine Jean Taris [1].")
    assert not verdict.refused and verdict.cited == (1,)


def test_an_answer_without_citation_is_refused() -> None:
    assert CHECK.verdict("L'entrée enfant coûte 2,50 €.").reason == "no_citation"
    assert CHECK.verdict("L'entrée enfant coûte 2,50 € [7].").reason == "no_citation"  # points nowhere
    assert "aucune source" in CHECK.verdict("Rien.").note()


def test_facts_must_be_in_the_cited_sources_not_just_any_source() -> None:
    verdict = CHECK.verdict("Les encombrants coûtent 4,50 € [2].")
    assert verdict.refused and [fact.text for fact in verdict.unsupported] == ["4,50 €"]
    assert not CHECK.verdict("Les encombrants coûtent 4,50 € [1][2].").refused


def test_an_invented_name_or_date_is_refused() -> None:
    assert CHECK.verdict("Les encombrants sont collectés par la Préfecture [2].").unsupported[0].kind == "name"
    assert CHECK.verdict("Collecte le 3 mai [2].").unsupported[0].kind == "date"
    assert "une date et un nom" in CHECK.verdict("La Préfecture collecte le 3 mai [2].").note()


def test_sentence_starts_and_list_dashes_are_no_names() -> None:
    assert not CHECK.verdict("Prenez rendez-vous [2].\n- Comptez un mardi par mois [2].").refused


def stream(gate: StreamGate, words: list[str]) -> list[str]:
    return [shown for word in words if (shown := gate.feed(word))]


def test_the_gate_releases_checked_sentences_and_holds_the_rest() -> None:
    gate = StreamGate(CHECK)
    shown = stream(gate, ["L'entrée", " adulte", " coûte", " 4,50 €", " [1].", " L'entrée", " enfant", " aussi"])
    assert shown == ["L'entrée adulte coûte 4,50 € [1]."]
    rest, verdict = gate.finish()
    assert rest == " L'entrée enfant aussi" and not verdict.refused


def test_the_gate_waits_for_a_citation_that_comes_after_the_full_stop() -> None:
    gate = StreamGate(CHECK)
    assert stream(gate, ["Enfant", " :", " 2,50 €.", " Adulte", " :", " 4,50 €", " [1].", " Voilà"]) == [
        "Enfant : 2,50 €. Adulte : 4,50 € [1]."]
    assert gate.finish()[0] == " Voilà"


def test_the_gate_stops_at_a_fact_found_in_no_source_and_shows_nothing() -> None:
    gate = StreamGate(CHECK)
    shown = stream(gate, ["La", " prix", " est", " 290,00 €.", " Voir", " [1]."])
    assert shown == [] and gate.failure is not None
    assert gate.finish() == ("", gate.failure)


def test_a_released_beginning_does_not_save_a_refused_end() -> None:
    gate = StreamGate(CHECK)
    assert stream(gate, ["Adulte", " 4,50 €", " [1].", " Enfant", " 12,00 €", " [1]"]) == ["Adulte 4,50 € [1]."]
    rest, verdict = gate.finish()
    assert rest == "" and verdict.refused  # 12,00 € is in no source: checked when the answer ends
