"""Retrieval evaluation: recall@1, recall@5 and MRR@10 of documents over a question file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.principal import Principal
from assistant.retrieval import Passage, RetrievalService


class EvaluationError(ValueError):
    """The question file is unusable; the message names the line."""


@dataclass(frozen=True)
class EvalQuestion:
    question: str
    gold: str


@dataclass
class EvalReport:
    questions: int = 0
    recall_at_1: float = 0.0
    recall_at_5: float = 0.0
    mrr_at_10: float = 0.0
    misses: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"questions": self.questions, "recall@1": round(self.recall_at_1, 4),
                "recall@5": round(self.recall_at_5, 4), "mrr@10": round(self.mrr_at_10, 4)}


def load_questions(path: Path) -> list[EvalQuestion]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            questions.append(EvalQuestion(str(item["question"]), str(item["gold"])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EvaluationError(f"{path}:{number}: expected {{\"question\": ..., \"gold\": ...}} ({exc})") from exc
    if not questions:
        raise EvaluationError(f"{path}: no questions")
    return questions


def _matches(passage: Passage, gold: str) -> bool:
    source = Path(passage.source)  # relative to the ingested folder
    return gold in (passage.document_id, passage.source, source.name, source.stem)


def document_ranking(passages: Sequence[Passage]) -> list[Passage]:
    """One entry per document, in the order of its best passage."""
    seen: dict[str, Passage] = {}
    for passage in passages:
        seen.setdefault(passage.document_id, passage)
    return list(seen.values())


def evaluate(
    retrieval: RetrievalService, questions: Sequence[EvalQuestion], k: int = 10,
    collections: Sequence[str] | None = None,
) -> EvalReport:
    report = EvalReport(questions=len(questions))
    hits_1 = hits_5 = 0
    reciprocal = 0.0
    operator = Principal.operator()
    for item in questions:
        result = retrieval.search(item.question, operator, collections, top_k=max(k * 5, 50))
        ranking = document_ranking(result.passages)[:k]
        rank = next((i for i, p in enumerate(ranking, start=1) if _matches(p, item.gold)), None)
        if rank == 1:
            hits_1 += 1
        if rank is not None and rank <= 5:
            hits_5 += 1
        if rank is not None:
            reciprocal += 1.0 / rank
        if rank != 1:
            report.misses.append({"question": item.question, "gold": item.gold, "rank": rank,
                                  "top": ranking[0].source if ranking else None})
    total = max(1, len(questions))
    report.recall_at_1, report.recall_at_5, report.mrr_at_10 = hits_1 / total, hits_5 / total, reciprocal / total
    return report
