from __future__ import annotations

import pytest

from assistant.requests.fields import FieldExtractor
from assistant.requests.masking import mask_fields
from tests.assistant.requests.conftest import no_names

LETTER = ("Madame, Monsieur,\nJe m'appelle Sophie Marchand et j'habite 18 rue des Glycines à Vénissieux. "
          "Mon dossier PC 069 123 24 00045 est bloqué depuis le 3 février 2024 (facture n° FE-2024-118273). "
          "Écrivez-moi à sophie.marchand@example.fr ou appelez le 06 12 34 56 78.\nSophie Marchand")


def kinds(extractor: FieldExtractor, text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field in extractor.extract(text):
        found.setdefault(field.kind, []).append(field.value)
        assert text[field.start : field.end] == field.text
    return found


def test_a_letter_gives_address_with_commune_date_references_name_and_contacts() -> None:
    found = kinds(FieldExtractor(ner=no_names), LETTER)
    assert found["address"] == ["18 rue des Glycines, Vénissieux"]
    assert found["date"] == ["2024-02-03"]
    assert found["reference"] == ["PC 069 123 24 00045", "FE-2024-118273"]
    assert found["name"] == ["Sophie Marchand"]
    assert found["email"] == ["sophie.marchand@example.fr"]
    assert found["phone"] == ["0612345678"]


def test_masking_replaces_every_occurrence_of_a_detected_name_and_the_contacts() -> None:
    extractor = FieldExtractor(ner=no_names)
    masked = mask_fields(LETTER, extractor.extract(LETTER))
    assert "Sophie" not in masked and "Marchand" not in masked
    assert "[EMAIL]" in masked and "[TÉLÉPHONE]" in masked and "18 rue des Glycines" in masked


@pytest.mark.parametrize(("text", "kind", "placeholder"), [
    ("IBAN : FR76 3000 6000 0112 3456 7890 189 merci", "iban", "[IBAN]"),
    ("sécu 1 38 04 69 123 456 78", "nir", "[NUMÉRO DE SÉCURITÉ SOCIALE]"),
    ("la voiture AB-123-CD est garée", "plate", "[IMMATRICULATION]"),
    ("appelez le +33 6 45 67 89 01", "phone", "[TÉLÉPHONE]"),
    ("tel 06.11.22.33.44 svp", "phone", "[TÉLÉPHONE]"),
    ("Mme Claire Fabre a appelé", "name", "[NOM]"),
])
def test_personal_data_is_masked(text: str, kind: str, placeholder: str) -> None:
    fields = FieldExtractor(ner=no_names).extract(text)
    assert kind in {field.kind for field in fields}
    assert placeholder in mask_fields(text, fields)


def test_an_iban_with_a_wrong_check_is_not_taken_for_one() -> None:
    assert "iban" not in kinds(FieldExtractor(ner=no_names), "FR76 3000 6000 0112 3456 7890 188")


def test_spacy_names_inside_an_address_or_sentence_openings_are_not_masked() -> None:
    extractor = FieldExtractor()  # the real French model
    text = "Pouvez-vous venir rue Victor Hugo ? Tapage nocturne. Merci, Damien Roussel"
    masked = mask_fields(text, extractor.extract(text))
    assert masked == "Pouvez-vous venir rue Victor Hugo ? Tapage nocturne. Merci, [NOM]"


def test_known_communes_are_recognised_without_accents() -> None:
    found = kinds(FieldExtractor(["Vénissieux"], ner=no_names), "Problème à venissieux, 12 rue Paul Bert")
    assert found["commune"] == ["Vénissieux"]
