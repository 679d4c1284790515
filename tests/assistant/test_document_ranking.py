"""Document-level ranking on a real Chroma and BM25: opening vectors and document BM25 through their lifecycle."""

from __future__ import annotations

import numpy as np

from assistant.catalog import ChunkToStore, DocumentToStore, document_id_for
from assistant.config import RetrievalSettings
from assistant.knowledge import KnowledgeBase, StoredChunk, opening_id, openings_key
from assistant.principal import Principal
from assistant.retrieval import RetrievalService
from tests.fakes import HashingEmbeddings


def store(kb: KnowledgeBase, emb: HashingEmbeddings, name: str, texts: list[str], opening: str,
          version: str = "v1") -> str:
    doc_id = document_id_for("c", f"/corpus/{name}")
    document = DocumentToStore(doc_id, "c", f"/corpus/{name}", name, name.split(".")[0], "txt",
                               version * 8, 100, len(texts))
    chunks = [StoredChunk(ChunkToStore(f"{doc_id}-{version}-{i}", i, t, t, i + 1, ""), emb.embed_query(t))
              for i, t in enumerate(texts)]
    kb.store_document(document, chunks, emb.embed_query(opening))
    return doc_id


def test_opening_vector_follows_the_document(knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings) -> None:
    knowledge.catalog.ensure_collection("c", [])
    doc_id = store(knowledge, fake_embeddings, "a.txt", ["tarifs"], "piscine municipale", "old")
    store(knowledge, fake_embeddings, "a.txt", ["tarifs 2026"], "piscine municipale 2026", "new")
    assert knowledge.vectors.ids(openings_key("c")) == {opening_id(doc_id, "new" * 8)}
    hits = knowledge.opening_search("c", fake_embeddings.embed_query("piscine"), 5)
    assert [hit.chunk_id for hit in hits] == [doc_id]
    knowledge.set_collection_groups("c", ["sport"])
    assert knowledge.remove_document(doc_id)
    assert knowledge.vectors.ids(openings_key("c")) == set()


def test_stale_opening_vectors_are_reconciled(knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings) -> None:
    knowledge.catalog.ensure_collection("c", [])
    doc_id = store(knowledge, fake_embeddings, "a.txt", ["horaires"], "mairie")
    # What a crash between the opening write and the catalog commit of a new version leaves behind:
    knowledge.vectors.upsert(openings_key("c"), [opening_id(doc_id, "crashed" * 9)],
                             np.vstack([fake_embeddings.embed_query("stade")]), [{"document_id": doc_id}])
    hits = knowledge.opening_search("c", fake_embeddings.embed_query("stade"), 5)
    assert len(hits) == 1 and hits[0].similarity < 0.5  # only the live opening ("mairie") counts
    assert knowledge.reconcile("c") == 1
    assert knowledge.vectors.ids(openings_key("c")) == {opening_id(doc_id, "v1" * 8)}


def test_document_found_by_its_opening_shows_its_first_passage(
    knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings
) -> None:
    knowledge.catalog.ensure_collection("c", [])
    store(knowledge, fake_embeddings, "bruit.txt", ["alpha", "beta"], "nuisances sonores du voisinage")
    store(knowledge, fake_embeddings, "vélo.txt", ["nuisances des pistes", "pistes sonores"], "vélos en libre-service")
    # Two candidates per retriever: both passages found are the other document's.
    service = RetrievalService(knowledge, fake_embeddings, RetrievalSettings(candidates=2))
    passages = service.search("nuisances sonores voisinage", Principal.operator(), top_k=2).passages
    assert passages[0].source == "bruit.txt" and passages[0].text == "alpha"
    assert passages[0].dense_similarity is not None


def test_document_bm25_ranks_the_document_with_the_words_spread_over_passages(
    knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings
) -> None:
    knowledge.catalog.ensure_collection("c", [])
    spread = store(knowledge, fake_embeddings, "carte.txt", ["carte d'identité", "renouvellement en mairie"], "x")
    store(knowledge, fake_embeddings, "autre.txt", ["renouvellement du bail"], "y")
    hits = knowledge.lexical_search("c", "renouvellement carte identité", 5, documents=True)
    assert hits[0].document_id == spread and hits[0].chunk_id == ""


def test_passages_of_one_document_are_capped_before_the_next(
    knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings
) -> None:
    knowledge.catalog.ensure_collection("c", [])
    store(knowledge, fake_embeddings, "long.txt", [f"collecte des déchets secteur {i}" for i in range(5)],
          "collecte des déchets")
    store(knowledge, fake_embeddings, "court.txt", ["déchets verts"], "déchets verts")
    service = RetrievalService(knowledge, fake_embeddings, RetrievalSettings(passages_per_document=2))
    sources = [p.source for p in service.search("collecte des déchets", Principal.operator(), top_k=4).passages]
    assert sources[:3] == ["long.txt", "long.txt", "court.txt"]


def test_equal_scores_rank_by_id_whatever_order_the_collections_answered_in(
    knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings
) -> None:
    """Two collections holding the same text: every search ranks them the same way, whichever was stored or
    asked first (copies tie exactly, and the collections' indexes answer concurrently)."""
    for collection in ("b", "a"):
        knowledge.catalog.ensure_collection(collection, [])
        doc_id = document_id_for(collection, f"/corpus/{collection}/tarifs.txt")
        document = DocumentToStore(doc_id, collection, f"/corpus/{collection}/tarifs.txt", "tarifs.txt", "Tarifs",
                                   "txt", "v1" * 8, 100, 1)
        text = "Entrée adulte de la piscine : 4,50 euros."
        chunk = StoredChunk(ChunkToStore(f"{doc_id}-0", 0, text, text, 1, ""), fake_embeddings.embed_query(text))
        knowledge.store_document(document, [chunk], fake_embeddings.embed_query(text))
    service = RetrievalService(knowledge, fake_embeddings, RetrievalSettings())
    orders = {tuple(p.chunk_id for p in service.search("prix entrée adulte piscine", Principal.operator(),
                                                        collections, top_k=2).passages)
              for collections in (["a", "b"], ["b", "a"], None) for _ in range(3)}
    assert len(orders) == 1
    assert list(orders.pop()) == sorted({document_id_for(c, f"/corpus/{c}/tarifs.txt") + "-0" for c in "ab"})
