"""Ingestion benchmark: an ingestion job run by a real `assistant worker`, against the bare embedding of the
same chunks in the same run.

The baseline is the bare embedding model on the chunk texts the job indexed: the ratio
`job / bare embedding` says what parsing, chunking, indexing and the queue cost on top of the unavoidable
part. The worker is started (and has loaded its model and parsing forkserver) before the job is queued:
a worker is a long-lived process. `--inline` measures the ingestion in this process instead.

    .venv/bin/python bench/ingestion_bench.py [--fiches 100] [--inline] [--out bench/results/ingestion.json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402

FICHES = ROOT.parent / "shared" / "data" / "service-public" / "fiches.jsonl"
WORKER_WARM_S = 20.0  # the worker loads its model and forkserver meanwhile (its `ready` line comes first)


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


def run_inline(runtime: Runtime, folder: Path) -> dict[str, Any]:
    started = time.perf_counter()
    report = runtime.ingestor().ingest([folder], "bench", public=True)
    return {"total": time.perf_counter() - started, "ingested": report.count("ingested"),
            "failed": report.count("failed"), "pages": report.pages, "chunks": report.chunks_added,
            "stages": report.seconds}


def run_as_job(runtime: Runtime, folder: Path, env: dict[str, str], log: Path) -> dict[str, Any]:
    with log.open("wb") as output:
        worker = subprocess.Popen([str(Path(sys.executable).parent / "assistant"), "worker"], env=env, cwd=ROOT,
                                  stdout=output, stderr=subprocess.STDOUT)
        try:
            while " ready: " not in log.read_text(errors="replace"):
                if worker.poll() is not None:
                    sys.exit(f"the worker exited:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
            time.sleep(WORKER_WARM_S)
            started = time.perf_counter()
            job = runtime.jobs.enqueue_ingestion([folder], "bench", public=True, requested_by="bench")
            job = runtime.jobs.wait(job.id, poll_s=0.2)
            total = time.perf_counter() - started
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(120)
    counts = runtime.jobs.file_counts(job.id)
    documents = runtime.knowledge.catalog.documents("bench")
    return {"total": total, "status": job.status, "ingested": counts.get("ingested", 0),
            "failed": counts.get("failed", 0), "pages": job.result.get("pages", 0),
            "chunks": job.result.get("chunks_added", 0), "stages": job.result.get("stage_seconds", {}),
            "documents": len(documents)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fiches", type=int, default=100)
    parser.add_argument("--inline", action="store_true", help="Ingest in this process, not as a job.")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingestion.json")
    args = parser.parse_args()
    if not FICHES.is_file():
        sys.exit(f"{FICHES} is absent: nothing to benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "fiches"
        write_fiches(folder, args.fiches)
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(Path(tmp) / "data")}
        runtime = Runtime(load_settings(environ=env))
        measured = run_inline(runtime, folder) if args.inline else run_as_job(runtime, folder, env, Path(tmp) / "w.log")
        bare, tokens = bare_embedding_seconds(runtime)
        runtime.close()
    total = measured.pop("total")
    stages = measured.pop("stages")
    result = {
        "mode": "inline" if args.inline else "job", **measured, "tokens": tokens, "seconds_total": round(total, 2),
        **{f"seconds_{k}": round(v, 2) for k, v in stages.items()},
        "pages_per_s": round(measured["pages"] / total, 2), "chunks_per_s": round(measured["chunks"] / total, 2),
        "bare_embedding_seconds": round(bare, 2), "embedding_tokens_per_s": round(tokens / bare, 1),
        "ratio_to_bare_embedding": round(total / bare, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
