"""The app factory of one worker of `assistant serve --workers N` (or of `uvicorn --factory --workers N`).

Each worker process builds its own app (model, indexes, connections) from the same settings: the
configuration file named by `ASSISTANT_WORKER_CONFIG` (set by `assistant serve --config`; the project's
config.yaml without it), with the same environment (`ASSISTANT_CONFIG`, `ASSISTANT_DATA_DIR`...) as the
parent. What the workers share lives in the relational store and the data directory (see README,
"Several workers").
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from assistant.api.app import create_app
from assistant.config import load_settings
from assistant.jsonlog import configure_json_logging

CONFIG_VARIABLE = "ASSISTANT_WORKER_CONFIG"


def create_worker_app() -> FastAPI:
    named = os.environ.get(CONFIG_VARIABLE)
    settings = load_settings(Path(named) if named else None)
    configure_json_logging(settings.data_path)  # a spawned worker starts with no logging set up
    return create_app(settings)
