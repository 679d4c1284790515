"""The statement signal of extractive answers: what is never quoted, what is quoted only for want of better."""

from __future__ import annotations

import pytest

from assistant.chat.answerhood import (
    FIRST_PERSON_PENALTY,
    HEADING_PENALTY,
    answerhood_penalty,
    asks_for_people,
    names_people,
    without_answer_label,
)
from assistant.chat.extractive import best_quotes
from assistant.retrieval import Passage
from tests.fakes import HashingEmbeddings


@pytest.mark.parametrize("sentence", [
    "La machine à laver est-elle acceptée avec les encombrants, ou dois-je l'apporter en déchetterie ?",
    "Q: Quels sont les horaires d'ouverture de l'accueil de l'hôtel de métropole ?",
    "Si vous avez cliqué sur un lien, ouvert une pièce jointe ou saisi votre mot de passe:",
    "Bonjour Madame, Monsieur,", "Cordialement, Jean Dupont",
    "Pour extrait conforme, Monsieur le Maire", "Objet : Demande d'enlèvement d'encombrants",
    "Veuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
])
def test_questions_formulas_and_announcements_are_never_quoted(sentence: str) -> None:
    assert answerhood_penalty(sentence) is None


def test_statements_are_quoted_correspondence_and_headings_only_for_want_of_better() -> None:
    assert answerhood_penalty("Un même foyer peut bénéficier de 4 enlèvements au plus par année civile.") == 0.0
    assert answerhood_penalty("J'habite au 8 rue des Acacias et je souhaite faire enlever un canapé.") == (
        FIRST_PERSON_PENALTY)
    assert answerhood_penalty("Tarifs des piscines métropolitaines 2025") == HEADING_PENALTY
    assert answerhood_penalty("Entrée enfant (4 à 17 ans) | 2,50 €", structured=True) == 0.0
    assert answerhood_penalty("Le jeudi, l'ouverture est prolongée jusqu'à 18h30.") == 0.0
    assert answerhood_penalty("MÉTROPOLE DE DÉMO — FOIRE AUX QUESTIONS DE L'ACCUEIL Mise à jour janvier 2025") == (
        HEADING_PENALTY)
    assert without_answer_label("R: L'accueil est ouvert de 8h30 à 17h30.") == "L'accueil est ouvert de 8h30 à 17h30."


def test_a_citizens_question_is_not_quoted_and_the_regulation_answers() -> None:
    email = ("Bonjour,\nJe souhaiterais faire enlever mes encombrants. Quand sont collectés les encombrants dans "
             "ma rue ?\nCordialement,")
    rule = ("Les encombrants sont collectés sur rendez-vous, le premier mardi du mois, au 01 99 00 00 00. "
            "Un même foyer peut bénéficier de 4 enlèvements au plus par année civile.")
    passages = [Passage("c1", "d1", "demo", "Courriel", "courriel.eml", "/x", None, "", email, 1.0, 0.95, None),
                Passage("c2", "d2", "demo", "Règlement", "reglement.pdf", "/y", 2, "", rule, 0.9, 0.9, None)]
    quotes = best_quotes("Quand sont collectés les encombrants ?", passages, HashingEmbeddings(), max_quotes=3)
    assert all("?" not in quote.text and not quote.text.startswith(("Bonjour", "Cordialement")) for quote in quotes)
    assert quotes[0].number == 2 and quotes[0].text.startswith("Les encombrants sont collectés sur rendez-vous")


def test_an_announced_list_is_one_quote_with_its_items() -> None:
    text = ("Il convient de procéder à la désignation de ces représentants.\nOnt été élus :\nPatricia MIRALLES\n"
            "Samira SALOMON\nJérémie MALEK\nLe Conseil municipal approuve ces désignations.")
    passage = Passage("c1", "d1", "demo", "Délibération", "d.pdf", "/x", 3, "", text, 1.0, 0.9, None)
    quotes = best_quotes("Qui a été élu pour représenter la Ville ?", [passage], HashingEmbeddings(), max_quotes=3)
    texts = [quote.text for quote in quotes]
    assert "Ont été élus : Patricia MIRALLES, Samira SALOMON, Jérémie MALEK" in texts
    assert "Ont été élus :" not in texts and "Patricia MIRALLES" not in texts


def test_a_who_question_prefers_the_names() -> None:
    assert asks_for_people("Qui représente la Ville au CREPS, et qui est son suppléant ?")
    assert asks_for_people("Quels élus représentent la Ville au conseil d'administration du CCAS ?")
    assert not asks_for_people("Combien coûte l'entrée à la piscine ?")
    for named in ("A été élu(e) : Brigitte ROUSSEL-GALIANA", "Titulaire : Monsieur le Maire",
                  "Ont été élus : Cédric de SAINT JOUAN, Mylène CHARDES"):
        assert names_people(named) > 0.8, named
    assert names_people("La Ville de Montpellier doit être représentée par un délégué.") == 0.0
    assert names_people("Le CCAS et la SOMIMON sont des organismes.") == 0.0
    assert 0 < names_people("Le Conseil s'est réuni en mairie le jeudi 24 avril 2014 à 18h00, sous la présidence "
                            "de Monsieur le Maire, Philippe SAUREL.") < 0.6
