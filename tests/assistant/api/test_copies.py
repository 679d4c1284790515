"""Copies of one text (the same fee schedule as .ods and .xlsx) appear once among the sources and quotes of a
chat answer, with the other file listed under it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.api.services import AppServices
from assistant.catalog import ChunkToStore, DocumentToStore, document_id_for
from assistant.chat.copies import copy_key, merge_copies
from assistant.knowledge import StoredChunk
from assistant.retrieval import Passage
from tests.fakes import HashingEmbeddings

FEES = "Entrée enfant de la piscine (4 à 17 ans) : 2,50 euros pour les résidents."


def _store(services: AppServices, folder: Path, name: str, text: str) -> None:
    knowledge = services.runtime.knowledge
    path = folder / name
    path.write_text(text, encoding="utf-8")
    doc_id = document_id_for("public", str(path))
    document = DocumentToStore(doc_id, "public", str(path), name, "Tarifs des piscines", name.rsplit(".", 1)[1],
                               hashlib.sha256(path.read_bytes()).hexdigest(), 10, 1)
    chunk = ChunkToStore(f"{doc_id}-0", 0, text, text, 1, "Tarifs")
    knowledge.store_document(document, [StoredChunk(chunk, HashingEmbeddings().embed_query(text))])


def test_the_two_formats_of_a_fee_schedule_are_one_source_with_the_other_file_under_it(
        client: TestClient, services: AppServices, tmp_path: Path) -> None:
    for name, text in (("tarifs.ods", FEES), ("tarifs.xlsx", FEES.replace(" :", ":"))):
        _store(services, tmp_path / "files", name, text)
    body = client.post("/api/chat", json={"message": "Prix de l'entrée enfant à la piscine", "mode": "extractive"},
                       ).json()
    fee_sources = [s for s in body["sources"] if "2,50 euros" in s["snippet"]]
    assert len(fee_sources) == 1
    assert [copy["source"] for copy in fee_sources[0]["also_at"]] == [
        ({"tarifs.ods", "tarifs.xlsx"} - {fee_sources[0]["source"]}).pop()]
    assert body["answer"].count("2,50 euros") == 1


def _passage(chunk: str, document: str, text: str) -> Passage:
    return Passage(chunk, document, "demo", "Titre", f"{document}.txt", "/x", None, "", text, 1.0, 0.9, None)


def test_merge_copies_keeps_the_order_the_best_place_and_the_limit() -> None:
    passages = [_passage("a", "d1", "Un texte."), _passage("b", "d2", "Autre chose."),
                _passage("c", "d3", "un  TEXTE"), _passage("d", "d4", "Troisième."), _passage("e", "d5", "Quatre.")]
    merged = merge_copies(passages, limit=3)
    assert [item.passage.chunk_id for item in merged] == ["a", "b", "d"]
    assert [copy.chunk_id for copy in merged[0].also_at] == ["c"]
    assert copy_key("Entrée : 2,50 €") == copy_key("entrée: 2,50 €")


def test_a_question_outside_the_corpus_quotes_nothing_and_offers_the_closest_documents(
        client: TestClient, services: AppServices) -> None:
    services.chat._settings = services.chat._settings.model_copy(update={"min_similarity": 0.99})
    body = client.post("/api/chat", json={"message": "Quand passe le camion des encombrants ?",
                                          "mode": "extractive"}).json()
    assert body["sources"] == [] and body["mode"] == "none" and "aucun passage" in body["answer"]
    assert body["maybe_useful"] and body["maybe_useful"][0]["source"] == "dechets.pdf"
    assert body["maybe_useful"][0]["url"].startswith(f"/documents/{body['maybe_useful'][0]['document_id']}/view")
