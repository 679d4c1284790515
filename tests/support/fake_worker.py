"""`assistant worker` with the hashing embeddings, for the job tests where the model is not the point.

    python -m tests.support.fake_worker     (same environment as `assistant worker`: ASSISTANT_DATA_DIR...)

Everything else is the real worker: `assistant.cli.worker.serve_jobs` on a real Runtime, real queue, real
relational store, real parsers and Chroma.
"""

from __future__ import annotations

from assistant.cli.worker import serve_jobs
from assistant.config import load_settings
from assistant.runtime import Runtime
from tests.fakes import HashingEmbeddings


def main() -> None:
    runtime = Runtime(load_settings())
    runtime.__dict__["embeddings"] = HashingEmbeddings()  # the cached_property's slot: no model is loaded
    serve_jobs(runtime)


if __name__ == "__main__":
    main()
