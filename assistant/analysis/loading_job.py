"""Loading datasets as a background job: `assistant worker` runs it, the CLI and the admin page follow it.

Each file is one step: loaded (or found unchanged) and committed before the next, so that a cancelled or
interrupted job keeps what it loaded and a retry skips it (an unchanged file is a no-op).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

if TYPE_CHECKING:
    from assistant.jobs.kinds import JobContext, Outcome
    from assistant.runtime import Runtime

DATASET_LOAD = "dataset_load"
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096)]


class DatasetLoadPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: list[_Text] = Field(min_length=1, description="Files to load (absolute paths).")
    cards: _Text | None = Field(None, description="Folder of cards: FILE.csv takes DIR/FILE.yaml.")
    card: _Text | None = Field(None, description="The card of the one file (instead of a folder of cards).")
    name: _Text | None = Field(None, description="Dataset name (one file only).")
    groups: list[_Text] | None = None
    public: bool = False

    @model_validator(mode="after")
    def _one_file_for_a_name_or_card(self) -> DatasetLoadPayload:
        if len(self.paths) > 1 and (self.name is not None or self.card is not None):
            raise ValueError("a name or a card describes one file: give one file with it")
        if self.card is not None and self.cards is not None:
            raise ValueError("give a card or a folder of cards, not both")
        return self


def dataset_load_payload(paths: list[Path], cards: Path | None, name: str | None, groups: list[str] | None,
                         public: bool) -> dict[str, object]:
    if name is not None and len(paths) > 1:
        raise ValueError("--name names one dataset: give one file with it")
    return {"paths": [str(path.expanduser().absolute()) for path in paths],
            "cards": str(cards.expanduser().absolute()) if cards is not None else None,
            "name": name, "groups": groups, "public": public}


def run_dataset_load(runtime: Runtime, context: JobContext, payload: DatasetLoadPayload) -> Outcome:
    from assistant.jobs.kinds import Outcome
    from assistant.jobs.models import CANCELLED, FAILED, SUCCEEDED

    started, counts = time.perf_counter(), {"loaded": 0, "unchanged": 0, "failed": 0}
    context.start_files(len(payload.paths))
    for raw in payload.paths:
        if context.should_stop():
            result = {**counts, "seconds": round(time.perf_counter() - started, 1)}
            if context.stop_reason() == "interrupted":
                return Outcome(FAILED, result, interrupted=True)
            return Outcome(CANCELLED, result, error="annulée : les jeux de données déjà chargés sont conservés")
        context.begin_file(raw)
        status = _load_one(runtime, context, payload, Path(raw))
        counts[status] += 1
    result = {**counts, "seconds": round(time.perf_counter() - started, 1)}
    failed = counts["failed"]
    return Outcome(SUCCEEDED if not failed else FAILED, result,
                   error=f"{failed} fichier(s) non chargé(s)" if failed else None)


def _load_one(runtime: Runtime, context: JobContext, payload: DatasetLoadPayload, path: Path) -> str:
    from assistant.analysis.cards import CardError, card_path_for, read_card
    from assistant.analysis.loader import DatasetAccessError
    from assistant.analysis.reading import DatasetFileError
    from assistant.jobs.views import FileResult

    try:
        card = read_card(Path(payload.card)) if payload.card is not None else None
        if payload.cards is not None and card_path_for(path, Path(payload.cards)).exists():
            card = read_card(card_path_for(path, Path(payload.cards)))
        outcome = runtime.analysis.add(path, card, payload.name, payload.groups, payload.public)
    except (DatasetFileError, CardError, DatasetAccessError, OSError) as exc:
        context.file_done(FileResult(str(path), "failed", str(exc)))
        return "failed"
    status = "unchanged" if outcome.status == "unchanged" else "ingested"
    context.file_done(FileResult(str(path), status, outcome.dataset.name, outcome.dataset.row_count,
                                 tuple(outcome.warnings)))
    return "unchanged" if status == "unchanged" else "loaded"
