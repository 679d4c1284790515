from __future__ import annotations

import pytest

from assistant.requests.urgency import detect_urgency, fold


@pytest.mark.parametrize(("text", "reason"), [
    ("Fils électriques à nu au pied du lampadaire", "Fils électriques à nu"),
    ("Fuite d'eau importante devant le 12", "Fuite d'eau"),
    ("Ma voisine de 88 ans n'a plus de chauffage depuis 4 jours", "de 88 ans"),
    ("Le délai de recours expire la semaine prochaine", "délai de recours"),
    ("Odeur de gaz très forte dans la rue", "Odeur de gaz"),
])
def test_urgent_requests_show_the_words_that_triggered_them(text: str, reason: str) -> None:
    urgency = detect_urgency(text)
    assert urgency.urgent and reason in urgency.reasons


@pytest.mark.parametrize("text", [
    "Le lampadaire est éteint depuis une semaine.",
    "Ma mère de 85 ans voudrait un bac plus petit.",  # a vulnerable person, but no distress
    "Ce n'est pas urgent, mais le banc est cassé.",
])
def test_ordinary_requests_are_not_urgent(text: str) -> None:
    assert not detect_urgency(text).urgent


def test_folding_keeps_offsets() -> None:
    text = "Élagage urgent, l’arbre penche"
    assert len(fold(text)) == len(text) and fold(text).startswith("elagage")
