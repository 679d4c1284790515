"""Ingestion benchmark: pages/s and chunks/s, split into parse / embed / index time.

The baseline, measured in the same run, is the bare embedding model on the same chunk texts: the ratio
`pipeline / bare embedding` says what parsing, chunking and indexing cost on top of the unavoidable part.

    .venv/bin/python bench/ingestion_bench.py [--fiches 200] [--out bench/results/ingestion.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402

FICHES = ROOT.parent / "shared" / "data" / "service-public" / "fiches.jsonl"


def write_fiches(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    with FICHES.open(encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index >= count:
                break
            fiche = json.loads(line)
            (folder / f"{fiche['doc_id']}.md").write_text(f"# {fiche['title']}\n\n{fiche['text']}\n", encoding="utf-8")


def bare_embedding_seconds(runtime: Runtime) -> tuple[float, int]:
    texts = [text for _, text in runtime.knowledge.catalog.chunk_texts("bench")]
    started = time.perf_counter()
    runtime.embeddings.embed_passages(texts)
    return time.perf_counter() - started, sum(runtime.embeddings.count_tokens(t) for t in texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fiches", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingestion.json")
    args = parser.parse_args()
    if not FICHES.is_file():
        sys.exit(f"{FICHES} is absent: nothing to benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "fiches"
        write_fiches(folder, args.fiches)
        runtime = Runtime(load_settings(environ={"ASSISTANT_DATA_DIR": str(Path(tmp) / "data")}))
        started = time.perf_counter()
        report = runtime.ingestor().ingest([folder], "bench", public=True)
        total = time.perf_counter() - started
        bare, tokens = bare_embedding_seconds(runtime)
    result = {
        "files": report.count("ingested"), "failed": report.count("failed"), "pages": report.pages,
        "chunks": report.chunks_added, "tokens": tokens, "seconds_total": round(total, 2),
        **{f"seconds_{k}": round(v, 2) for k, v in report.seconds.items()},
        "pages_per_s": round(report.pages / total, 2), "chunks_per_s": round(report.chunks_added / total, 2),
        "bare_embedding_seconds": round(bare, 2), "embedding_tokens_per_s": round(tokens / bare, 1),
        "ratio_pipeline_to_bare_embedding": round(total / bare, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
