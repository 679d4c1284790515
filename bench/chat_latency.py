"""Chat latency: our overhead before the first token, against llama.cpp alone on the same prompt (the floor).

For each index size (default 1k and 100k chunks) it fills a knowledge base with real French sentences
(from the service-public fiches, or generated) and synthetic unit vectors (the search cost does not depend
on what the vectors mean; embedding 100k real chunks would take hours here), then for a set of questions:

- retrieval: query embedding (real e5) + dense + BM25 + fusion, half the collections readable (permissions);
- prompt: building the messages within the window;
- floor: time to first token of the bundled model on the final prompt, sent straight to llama.cpp;
- overhead = retrieval + prompt (what RAG adds before the model starts).

    .venv/bin/python bench/chat_latency.py [--sizes 1000 100000] [--questions 20]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.catalog import ChunkToStore, DocumentToStore  # noqa: E402
from assistant.chat.context import build_answer_messages  # noqa: E402
from assistant.chat.prompts import PromptLibrary  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.knowledge import StoredChunk  # noqa: E402
from assistant.llm import ChatMessage, build_chat_model  # noqa: E402
from assistant.principal import Principal  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402

FICHES = ROOT.parent / "shared" / "data" / "service-public" / "fiches.jsonl"
COLLECTIONS = 8
CHUNKS_PER_DOCUMENT = 50


def sentences(limit: int) -> list[str]:
    if FICHES.is_file():
        with FICHES.open(encoding="utf-8") as handle:
            lines = [s for line in handle for s in json.loads(line)["text"].split("\n") if len(s) > 60]
    else:
        words = ["collecte", "déchets", "piscine", "tarif", "mairie", "acte", "naissance", "permis", "vélo"]
        lines = [" ".join(random.choices(words, k=40)) for _ in range(5000)]
    return [lines[i % len(lines)] for i in range(limit)]


def fill(runtime: Runtime, size: int, dimension: int) -> None:
    texts = sentences(size)
    rng = np.random.default_rng(0)
    kb = runtime.knowledge
    for c in range(COLLECTIONS):
        kb.catalog.ensure_collection(f"c{c}", [f"g{c}"])
    for start in range(0, size, CHUNKS_PER_DOCUMENT):
        collection = f"c{(start // CHUNKS_PER_DOCUMENT) % COLLECTIONS}"
        doc_id = f"doc{start}"
        document = DocumentToStore(doc_id, collection, f"/bench/{doc_id}.pdf", f"{doc_id}.pdf", doc_id, "pdf",
                                   "0" * 64, 1, CHUNKS_PER_DOCUMENT)
        vectors = rng.standard_normal((CHUNKS_PER_DOCUMENT + 1, dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        chunks = [StoredChunk(ChunkToStore(f"{doc_id}-{i}", i, texts[start + i], texts[start + i], 1 + i // 5, ""),
                              vectors[i]) for i in range(min(CHUNKS_PER_DOCUMENT, size - start))]
        kb.store_document(document, chunks, vectors[-1])
    for c in range(COLLECTIONS):
        kb.refresh_lexical(f"c{c}")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def measure(runtime: Runtime, questions: list[str], model: object) -> dict[str, float]:
    principal = Principal.of("agent", groups=[f"g{c}" for c in range(COLLECTIONS // 2)])
    prompts = PromptLibrary.load(ROOT / "prompts")
    retrieval_ms, search_ms, prompt_ms, floor_ms = [], [], [], []
    settings = runtime.settings
    runtime.retrieval.search("échauffement", principal)  # load indexes once, as a running service has
    for question in questions:
        started = time.perf_counter()
        result = runtime.retrieval.search(question, principal, top_k=settings.chat.context_passages)
        retrieval_ms.append((time.perf_counter() - started) * 1000)
        search_ms.append(result.timings_ms["total"] - result.timings_ms["embed"])  # permission-filtered search
        started = time.perf_counter()
        budget = model.context_window - settings.llm.max_answer_tokens  # type: ignore[attr-defined]
        messages, _ = build_answer_messages(prompts, model.count_prompt_tokens, budget,  # type: ignore[attr-defined]
                                            question, result.passages, [], "2026-01-01")
        prompt_ms.append((time.perf_counter() - started) * 1000)
        floor_ms.append(first_token_ms(model, messages))
    overhead = [r + p for r, p in zip(retrieval_ms, prompt_ms, strict=True)]
    return {
        "retrieval_p50_ms": statistics.median(retrieval_ms), "retrieval_p95_ms": percentile(retrieval_ms, 95),
        "search_without_query_embedding_p95_ms": percentile(search_ms, 95),
        "prompt_p50_ms": statistics.median(prompt_ms), "floor_ttft_p50_ms": statistics.median(floor_ms),
        "overhead_p50_ms": statistics.median(overhead), "overhead_p95_ms": percentile(overhead, 95),
        "overhead_share_of_ttft":
            statistics.median(overhead) / (statistics.median(floor_ms) + statistics.median(overhead)),
    }


def first_token_ms(model: object, messages: list[ChatMessage]) -> float:
    started = time.perf_counter()
    for _ in model.stream_chat(messages, max_tokens=1, temperature=0.0):  # type: ignore[attr-defined]
        break
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "chat_latency.json")
    args = parser.parse_args()
    questions = [s[:120] for s in sentences(5000)[:: 5000 // args.questions]][: args.questions]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            settings = load_settings(environ={"ASSISTANT_DATA_DIR": str(Path(tmp) / f"data{size}")})
            runtime = Runtime(settings)
            model = build_chat_model(settings.llm, settings.models_path, load=True)
            started = time.perf_counter()
            fill(runtime, size, runtime.embeddings.dimension)
            print(f"{size} chunks indexed in {time.perf_counter() - started:.0f} s", flush=True)
            results[str(size)] = {k: round(v, 3) for k, v in measure(runtime, questions, model).items()}
            print(size, results[str(size)], flush=True)
            runtime.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
