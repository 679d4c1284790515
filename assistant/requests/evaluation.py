"""Scoring a qualifier on labelled requests: routed accuracy, share sent to review, per-category F1, urgency."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.requests.qualification import Qualification


class RequestFileError(ValueError):
    """A JSONL file of requests cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class LabelledRequest:
    text: str
    category: str | None = None
    urgent: bool | None = None


def read_requests(path: Path, labelled: bool = False) -> list[LabelledRequest]:
    """Every line is checked before any is used: a bad line stops the run before anything is produced."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise RequestFileError(f"no such file: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RequestFileError(f"{path} cannot be read as UTF-8 text: {exc}") from exc
    items = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            items.append(_parse(line, f"{path}, line {number}", labelled))
    if not items:
        raise RequestFileError(f"{path}: no request in the file")
    return items


def _parse(line: str, where: str, labelled: bool) -> LabelledRequest:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RequestFileError(f"{where}: not JSON ({exc.msg})") from exc
    if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
        raise RequestFileError(f'{where}: expected an object with a non-empty "text"')
    if not labelled:
        return LabelledRequest(item["text"])
    if not isinstance(item.get("category"), str):
        raise RequestFileError(f'{where}: expected "category" (a taxonomy id)')
    if not isinstance(item.get("urgent", False), bool):
        raise RequestFileError(f'{where}: "urgent" must be true or false')
    return LabelledRequest(item["text"], item["category"], bool(item.get("urgent", False)))


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _f1(gold: list[str], predicted: list[str], category: str) -> float:
    tp = sum(g == p == category for g, p in zip(gold, predicted, strict=True))
    fp = sum(p == category != g for g, p in zip(gold, predicted, strict=True))
    fn = sum(g == category != p for g, p in zip(gold, predicted, strict=True))
    return round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0


@dataclass(frozen=True)
class EvaluationReport:
    requests: int
    routed_accuracy: float | None
    review_share: float
    accuracy: float  # top category, routed or not
    urgent_recall: float | None
    urgent_precision: float | None
    per_category_f1: dict[str, float]
    seconds_per_request: float
    errors: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items()}


def evaluate(qualify: Callable[[str], Qualification], items: Sequence[LabelledRequest],
             categories: Sequence[str]) -> EvaluationReport:
    unknown = sorted({str(item.category) for item in items if item.category not in categories})
    if unknown:
        raise RequestFileError(f"categories not in the taxonomy: {', '.join(unknown)}")
    started = time.perf_counter()
    results = [qualify(item.text) for item in items]
    elapsed = time.perf_counter() - started
    gold = [str(item.category) for item in items]
    predicted = [result.category for result in results]
    routed = [g == r.category for g, r in zip(gold, results, strict=True) if not r.needs_review]
    urgent_gold = [bool(item.urgent) for item in items]
    urgent_found = [result.urgent for result in results]
    hits = sum(g and f for g, f in zip(urgent_gold, urgent_found, strict=True))
    errors = [{"text": item.text[:120], "expected": g, "got": r.category, "confidence": r.confidence,
               "needs_review": r.needs_review} for item, g, r in zip(items, gold, results, strict=True)
              if g != r.category]
    return EvaluationReport(
        requests=len(items), routed_accuracy=_ratio(sum(routed), len(routed)),
        review_share=round(1 - len(routed) / len(items), 4),
        accuracy=round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(items), 4),
        urgent_recall=_ratio(hits, sum(urgent_gold)), urgent_precision=_ratio(hits, sum(urgent_found)),
        per_category_f1={category: _f1(gold, predicted, category) for category in categories},
        seconds_per_request=round(elapsed / len(items), 3), errors=errors,
    )
