"""Extractive answer latency: retrieval, then answering (picking the quotes), split, per question.

Ingests the service-public fiches that the annotated answer questions (tests/eval/answers/service_public.yaml)
cite, plus others up to `--fiches`, with the real pipeline (e5, Chroma, BM25), then asks every annotated
question of those fiches as the chat does: the search over the collection (the baseline, in the same run),
then `best_quotes` on its passages with the configured limits. Answering cost does not depend on the index
size (it embeds at most `chat.extractive_max_sentences` sentences of the `chat.context_passages` passages),
so one index size is enough for its share. Target (issue 10): answering ≤ 250 ms p95 on this machine.

    .venv/bin/python bench/answer_latency.py [--fiches 60] [--repeat 2] [--out bench/results/answer_latency.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answer_evaluation import load_annotations  # noqa: E402
from assistant.chat.copies import merge_copies  # noqa: E402
from assistant.chat.extractive import best_quotes  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.principal import Principal  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402

FICHES = ROOT.parent / "shared" / "data" / "service-public" / "fiches.jsonl"
ANNOTATIONS = ROOT / "tests" / "eval" / "answers" / "service_public.yaml"


def write_fiches(folder: Path, count: int, wanted: set[str]) -> set[str]:
    folder.mkdir(parents=True)
    fiches = [json.loads(line) for line in FICHES.open(encoding="utf-8")]
    chosen = [f for f in fiches if f["doc_id"] in wanted][:count]
    chosen += [f for f in fiches if f["doc_id"] not in wanted][: max(0, count - len(chosen))]
    for fiche in chosen:
        (folder / f"{fiche['doc_id']}.md").write_text(f"# {fiche['title']}\n\n{fiche['text']}\n", encoding="utf-8")
    return {f["doc_id"] for f in chosen}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "answer_latency.json")
    args = parser.parse_args()
    if not FICHES.is_file():
        raise SystemExit(f"{FICHES} is absent: this bench needs ../shared/data")
    items = load_annotations(ANNOTATIONS)
    with tempfile.TemporaryDirectory() as scratch:
        kept = write_fiches(Path(scratch) / "fiches", args.fiches, {Path(i.source).stem for i in items})
        runtime = Runtime(load_settings(environ={"ASSISTANT_DATA_DIR": str(Path(scratch) / "data")}))
        runtime.ingestor().ingest([Path(scratch) / "fiches"], "bench", public=True)
        questions = [item.question for item in items if Path(item.source).stem in kept]
        chat = runtime.settings.chat
        retrieval_ms, answering_ms = [], []
        runtime.retrieval.search("échauffement", Principal.operator(), top_k=chat.context_passages * 2)
        for _ in range(args.repeat):
            for question in questions:
                started = time.perf_counter()
                found = runtime.retrieval.search(question, Principal.operator(), top_k=chat.context_passages * 2)
                passages = [u.passage for u in merge_copies(found.passages, chat.context_passages)]
                searched = time.perf_counter()
                best_quotes(question, passages, runtime.embeddings, chat.extractive_quotes,
                            chat.extractive_max_sentences)
                retrieval_ms.append((searched - started) * 1000)
                answering_ms.append((time.perf_counter() - searched) * 1000)
        chunks = len(runtime.knowledge.catalog.chunk_ids("bench"))
        runtime.close()
    result = {"fiches": len(kept), "chunks": chunks, "questions": len(questions), "repeat": args.repeat,
              "max_sentences": chat.extractive_max_sentences,
              "retrieval_ms": {"p50": statistics.median(retrieval_ms), "p95": percentile(retrieval_ms, 0.95)},
              "answering_ms": {"p50": statistics.median(answering_ms), "p95": percentile(answering_ms, 0.95)}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
