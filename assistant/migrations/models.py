"""Every module that defines tables on `assistant.database.Base`: the models the revisions must match.

A new store adds its module here (the migrations test compares these models with the revisions)."""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy import MetaData

from assistant.database import Base

MODEL_MODULES = (
    "assistant.catalog",
    "assistant.conversations",
    "assistant.audit",
    "assistant.identity.sessions",
    "assistant.shared_buckets",
    "assistant.llm.shared_gate",
    "assistant.jobs.models",
    "assistant.analysis.catalog",
    "assistant.requests.corrections",
)


def load_models() -> MetaData:
    """`Base.metadata` with every table of the application registered."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata


def only_known_tables(_object: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Comparisons leave alone the tables no model defines (another application's, in the same database)."""
    return not (type_ == "table" and reflected and compare_to is None)


def compare_options() -> dict[str, Any]:
    """How models and a database are compared: by autogenerate, the adoption check and the tests."""
    return {"compare_type": True, "include_object": only_known_tables}
