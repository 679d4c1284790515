"""Another process writing into a data directory: `python -m tests.support.index_writer <data>`.

Commands (one per line on stdin, run in order; each answers one line on stdout, "ok ..." or "error ..."):
    store <collection> <name> <text>       store (or replace) a document with one passage and its opening
    remove <collection> <name>             remove it
    vectors-only <collection> <name> <text>  upsert its vectors without committing it (an ingestion mid-way)
    bulk <collection> <n>                  commit n generated documents of 200 passages (catalog only)
    lexical <collection>                   load the collection's BM25 index at the current generation
                                           (prints how many rebuilds this process did)
It says "ok ready" once its knowledge base is open. Hashing embeddings (tests.fakes): consistency across
processes does not depend on what the vectors mean.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from assistant.catalog import ChunkToStore, DocumentToStore, document_id_for
from assistant.database import Database
from assistant.knowledge import KnowledgeBase, StoredChunk, opening_id, openings_key
from assistant.lexical import LexicalIndex
from tests.fakes import HashingEmbeddings

EMBEDDINGS = HashingEmbeddings()


def document(collection: str, name: str, text: str) -> tuple[DocumentToStore, list[StoredChunk]]:
    digest = hashlib.sha256(text.encode()).hexdigest()
    doc_id = document_id_for(collection, f"/corpus/{name}")
    stored = DocumentToStore(doc_id, collection, f"/corpus/{name}", name, name.rsplit(".", 1)[0], "md", digest,
                             len(text), None)
    chunk = ChunkToStore(f"{doc_id}-{digest[:12]}-0", 0, text, text, None, "")
    return stored, [StoredChunk(chunk, EMBEDDINGS.embed_query(text))]


def count_rebuilds(lexical: LexicalIndex) -> list[int]:
    done = [0]
    original = lexical._rebuild

    def counted(*args: object) -> None:
        done[0] += 1
        original(*args)  # type: ignore[arg-type]

    lexical._rebuild = counted  # type: ignore[method-assign]
    return done


def run(kb: KnowledgeBase, rebuilds: list[int], words: list[str]) -> str:
    command, collection, *rest = words
    if command in ("store", "bulk"):
        kb.catalog.ensure_collection(collection, None if kb.catalog.collection(collection) else [])
    if command == "store":
        stored, chunks = document(collection, rest[0], " ".join(rest[1:]))
        kb.store_document(stored, chunks, EMBEDDINGS.embed_query(stored.title + " " + " ".join(rest[1:])))
        return f"ok {stored.id}"
    if command == "remove":
        return f"ok {kb.remove_document(document_id_for(collection, f'/corpus/{rest[0]}'))}"
    if command == "vectors-only":
        stored, chunks = document(collection, rest[0], " ".join(rest[1:]))
        kb.vectors.upsert(collection, [c.chunk.id for c in chunks], chunks[0].vector[None, :], [{"x": 1}])
        kb.vectors.upsert(openings_key(collection), [opening_id(stored.id, stored.content_hash)],
                          chunks[0].vector[None, :], [{"x": 1}])
        return "ok"
    if command == "bulk":
        for number in range(int(rest[0])):
            stored, _ = document(collection, f"fiche-{number}.md", str(number))
            body = " ".join(f"le guichet {number} reçoit les usagers {word} sur rendez-vous" for word in range(8))
            kb.catalog.commit_document(stored, [ChunkToStore(f"{stored.id}-{i}", i, body, body, None, "")
                                                for i in range(200)])
        return "ok"
    if command == "lexical":
        kb.lexical_search(collection, "test", 5)
        return f"ok {rebuilds[0]}"
    return f"error unknown command {command}"


def main() -> None:
    data = Path(sys.argv[1])
    database = Database(f"sqlite:///{data / 'assistant.db'}")
    kb = KnowledgeBase.open(data, database)
    rebuilds = count_rebuilds(kb.lexical)
    print("ok ready", flush=True)
    for line in sys.stdin:
        try:
            answer = run(kb, rebuilds, line.split())
        except Exception as exc:  # reported to the test, which fails on it
            answer = f"error {exc.__class__.__name__}: {exc}"
        print(answer, flush=True)
    kb.vectors.close()
    database.close()


if __name__ == "__main__":
    main()
