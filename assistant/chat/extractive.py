"""Extractive answers: the sentences of the retrieved passages that best answer the question, quoted.

They cannot invent anything, which makes them the right default with a small model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.chat.answerhood import (
    PERSON_BONUS,
    answerhood_penalty,
    asks_for_people,
    names_people,
    without_answer_label,
)
from assistant.embeddings import EmbeddingModel
from assistant.lexical import FrenchAnalyzer
from assistant.retrieval import Passage

_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_MIN_WORDS = 4
_MAX_SENTENCE_CHARS = 400
_CELL = " | "
_BULLETS = ("-", "•", "–", "*", "◦", "▪")
_MAX_LIST_ITEMS = 40
_MAX_ITEM_WORDS = 8
_RANK_DECAY = 0.01  # a sentence from a better-ranked passage wins a near tie
# e5 similarities of short lines (table rows) are close together; the share of the question's words a
# line contains separates "Entrée adulte | 4,50 €" from another row of the same table.
_WORD_OVERLAP_WEIGHT = 0.08
_LABEL_OVERLAP_WEIGHT = 0.04  # of a row, its label matters most: "Entrée enfant" for the child's fee


@dataclass(frozen=True)
class Quote:
    text: str
    number: int  # the source's citation number, 1-based
    score: float


@dataclass(frozen=True)
class _Candidate:
    text: str  # what is quoted
    scored: str  # what is compared with the question (a table row with its header)
    number: int
    own: str  # the words of the unit itself: a table row's cells, without the header
    label: str  # a table row's first cell ("Entrée enfant (4 à 17 ans)"), empty for a sentence
    penalty: float  # answerhood_penalty


@dataclass(frozen=True)
class _Unit:
    text: str
    scored: str
    own: str
    label: str = ""
    listed: bool = False  # an announcement with its list's items

    @property
    def is_row(self) -> bool:
        return bool(self.label)


def readable_row(header: list[str], row: list[str]) -> str:
    """ "Entrée enfant (4 à 17 ans) : 2,50 € (Résidents), 3,50 € (Non-résidents)": each value with its column."""
    if len(header) != len(row) or len(row) < 2:
        return " | ".join(cell for cell in row if cell)
    values = [f"{value} ({column})" if column else value
              for column, value in zip(header[1:], row[1:], strict=True) if value]
    return f"{row[0]} : {', '.join(values)}" if values else row[0]


def _cells(line: str) -> list[str]:
    return [" ".join(cell.split()) for cell in line.split("|")]


def _units(text: str) -> Iterator[_Unit]:
    """Sentences; table rows (`a | b` lines) read with their table's header row; and a line announcing a list
    ("Ont été élus :") read with the list's items, one unit: the announcement alone answers nothing."""
    header: list[str] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if _CELL in line:
            cells = _cells(line)
            if not header:
                header = cells
                continue
            row = " | ".join(cells)
            yield _Unit(readable_row(header, cells), f"{' | '.join(header)}\n{row}", row, cells[0] or row)
            continue
        header = []
        announcement = " ".join(line.split())
        items, after = _list_items(lines, index) if announcement.endswith(":") else ([], index)
        if items:
            joined = f"{announcement} {', '.join(items)}"
            yield _Unit(joined, joined, joined, listed=True)
            index = after
            continue
        for sentence in _SENTENCE.split(line):
            sentence = without_answer_label(" ".join(sentence.split()))
            yield _Unit(sentence, sentence, sentence)


def _list_items(lines: list[str], start: int) -> tuple[list[str], int]:
    """The short lines (or bulleted ones) after an announcement, without their bullets; and where they end."""
    items: list[str] = []
    index = start
    while index < len(lines) and len(items) < _MAX_LIST_ITEMS:
        item = " ".join(lines[index].split())
        bulleted = item[:1] in _BULLETS
        sentence = not bulleted and (len(item.split()) > _MAX_ITEM_WORDS or item.endswith((".", "!", "?")))
        if not item or _CELL in item or item.endswith(":") or sentence:
            break
        items.append(item.lstrip("".join(_BULLETS) + " ").rstrip(" ;,."))
        index += 1
    return [item for item in items if item], index


def _candidate(unit: _Unit, number: int) -> _Candidate | None:
    if len(unit.own.split()) < (2 if unit.is_row else _MIN_WORDS):
        return None
    penalty = answerhood_penalty(unit.own, structured=unit.is_row or unit.listed)
    if penalty is None:
        return None
    return _Candidate(unit.text[:_MAX_SENTENCE_CHARS], unit.scored, number, unit.own, unit.label, penalty)


def candidate_sentences(
    passages: Sequence[Passage], max_per_passage: int = 25, max_sentences: int = 60
) -> list[_Candidate]:
    """The first sentences of each passage; at most `max_sentences` in all, taken in turns from the passages
    (the first sentence of each, then the second...), so that a short passage leaves its share to the others."""
    per_passage = [[candidate for unit in _units(passage.text)
                     if (candidate := _candidate(unit, number)) is not None][:max_per_passage]
                    for number, passage in enumerate(passages, start=1)]
    taken = [0] * len(per_passage)
    budget = max_sentences
    for rank in range(max_per_passage):
        for index, units in enumerate(per_passage):
            if budget and rank < len(units):
                taken[index] += 1
                budget -= 1
    return [candidate for units, count in zip(per_passage, taken, strict=True) for candidate in units[:count]]


def best_quotes(
    question: str, passages: Sequence[Passage], embeddings: EmbeddingModel, max_quotes: int = 3,
    max_sentences: int = 60,
) -> list[Quote]:
    """Embeds at most `max_sentences` sentences (plus the question)."""
    candidates = candidate_sentences(passages, max_sentences=max_sentences)
    if not candidates:
        return [Quote(" ".join(p.text.split())[:_MAX_SENTENCE_CHARS], n, 0.0)
                for n, p in enumerate(passages[:1], start=1)]
    vectors = embeddings.embed_passages([c.scored for c in candidates])
    query = embeddings.embed_query(question)
    analyzer = FrenchAnalyzer()
    asked = set(analyzer.tokens(question))

    def share(text: str) -> float:
        return len(asked & set(analyzer.tokens(text))) / max(1, len(asked)) if text else 0.0

    overlap = np.array([share(c.own) for c in candidates], dtype=np.float32)
    label_overlap = np.array([share(c.label) for c in candidates], dtype=np.float32)
    penalties = np.array([c.penalty for c in candidates], dtype=np.float32)
    if asks_for_people(question):  # the answer type: a "who" question is answered by names
        penalties -= np.array([PERSON_BONUS * names_people(c.own) for c in candidates], dtype=np.float32)
    ranks = np.array([c.number for c in candidates], dtype=np.float32)
    scores = (vectors @ query + _WORD_OVERLAP_WEIGHT * overlap + _LABEL_OVERLAP_WEIGHT * label_overlap
              - penalties - _RANK_DECAY * ranks)
    quotes: list[Quote] = []
    order = np.lexsort((np.arange(len(candidates)), -np.round(scores.astype(np.float64), 6)))  # ties: text order
    for index in order:
        candidate = candidates[int(index)]
        if all(quote.text != candidate.text for quote in quotes):  # the same line from two copies of a document
            quotes.append(Quote(candidate.text, candidate.number, float(scores[index])))
        if len(quotes) == max_quotes:
            break
    return quotes
