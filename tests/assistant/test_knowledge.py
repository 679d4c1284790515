"""The knowledge base and retrieval on a real Chroma and a real BM25 index, with hashing embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.catalog import ChunkToStore, DocumentToStore, document_id_for
from assistant.config import RetrievalSettings
from assistant.knowledge import KnowledgeBase, StoredChunk
from assistant.principal import Principal
from assistant.retrieval import RetrievalService, UnknownCollection
from tests.fakes import HashingEmbeddings

DOCS = {
    "dechets.pdf": ["Les encombrants sont collectés sur rendez-vous le mardi.", "La déchetterie ouvre à 9 heures."],
    "piscine.xlsx": ["Tarif adulte de la piscine : 4,50 euros.", "Carte de dix entrées : 38 euros."],
}


def store(kb: KnowledgeBase, emb: HashingEmbeddings, collection: str, name: str, texts: list[str],
          version: str = "v1") -> str:
    doc_id = document_id_for(collection, f"/corpus/{name}")
    document = DocumentToStore(doc_id, collection, f"/corpus/{name}", name, name.split(".")[0], "pdf",
                               version * 8, 100, len(texts))
    chunks = [StoredChunk(ChunkToStore(f"{doc_id}-{version}-{i}", i, t, t, i + 1, ""), emb.embed_query(t))
              for i, t in enumerate(texts)]
    kb.store_document(document, chunks)
    return doc_id


@pytest.fixture
def service(knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings) -> RetrievalService:
    knowledge.catalog.ensure_collection("public", [])
    knowledge.catalog.ensure_collection("rh", ["ressources-humaines"])
    for name, texts in DOCS.items():
        store(knowledge, fake_embeddings, "public", name, texts)
    store(knowledge, fake_embeddings, "rh", "salaires.docx", ["Grille des salaires des agents de la piscine."])
    return RetrievalService(knowledge, fake_embeddings, RetrievalSettings())


def test_hybrid_search_finds_page(service: RetrievalService) -> None:
    result = service.search("rendez-vous pour les encombrants", Principal.of("alice"))
    assert result.passages[0].source == "dechets.pdf" and result.passages[0].page == 1
    assert result.passages[0].dense_similarity is not None and result.passages[0].lexical_score is not None


def test_permissions_filter_inside_search(service: RetrievalService) -> None:
    outsider = service.search("salaires des agents", Principal.of("bob", groups=["/urbanisme"]))
    assert all(p.collection == "public" for p in outsider.passages)
    member = service.search("salaires des agents", Principal.of("carol", groups=["/ressources-humaines"]))
    assert member.passages[0].source == "salaires.docx"
    with pytest.raises(UnknownCollection):
        service.search("salaires", Principal.of("bob"), collections=["rh"])


def test_replacing_a_document_swaps_all_its_chunks(knowledge: KnowledgeBase,
                                                   fake_embeddings: HashingEmbeddings) -> None:
    knowledge.catalog.ensure_collection("c", [])
    store(knowledge, fake_embeddings, "c", "a.txt", ["ancienne version tarif 3 euros", "deux"], "old")
    doc_id = store(knowledge, fake_embeddings, "c", "a.txt", ["nouvelle version tarif 5 euros"], "new")
    assert knowledge.vectors.ids("c") == {f"{doc_id}-new-0"} == knowledge.catalog.chunk_ids("c")
    service = RetrievalService(knowledge, fake_embeddings, RetrievalSettings())
    assert [p.text for p in service.search("tarif version", Principal.operator()).passages] == [
        "nouvelle version tarif 5 euros"]


def test_orphan_vectors_are_invisible_and_reconciled(knowledge: KnowledgeBase,
                                                     fake_embeddings: HashingEmbeddings) -> None:
    knowledge.catalog.ensure_collection("c", [])
    store(knowledge, fake_embeddings, "c", "a.txt", ["horaires de la mairie"])
    # What a crash between the vector write and the catalog commit leaves behind:
    knowledge.vectors.upsert("c", ["orphan-1"], np.vstack([fake_embeddings.embed_query("horaires mairie")]),
                             [{"document_id": "ghost"}])
    service = RetrievalService(knowledge, fake_embeddings, RetrievalSettings())
    assert all(p.chunk_id != "orphan-1" for p in service.search("horaires mairie", Principal.operator()).passages)
    assert knowledge.reconcile("c") == 1
    assert "orphan-1" not in knowledge.vectors.ids("c")


def test_lexical_index_rebuilds_when_stale(knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings) -> None:
    knowledge.catalog.ensure_collection("c", [])
    store(knowledge, fake_embeddings, "c", "a.txt", ["stationnement résidentiel"])
    assert knowledge.lexical_search("c", "stationnement", 5)
    store(knowledge, fake_embeddings, "c", "b.txt", ["vélos en libre-service"])
    assert [h.chunk_id[-1] for h in knowledge.lexical_search("c", "vélo", 5)] == ["0"]


def test_group_change_needs_no_reembedding(knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings) -> None:
    knowledge.catalog.ensure_collection("c", [])
    store(knowledge, fake_embeddings, "c", "a.txt", ["note interne"])
    knowledge.set_collection_groups("c", ["dsi"])
    service = RetrievalService(knowledge, fake_embeddings, RetrievalSettings())
    assert service.search("note interne", Principal.of("x", groups=["rh"])).passages == []
    assert service.search("note interne", Principal.of("y", groups=["dsi"])).passages

