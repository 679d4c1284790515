"""French lexical evidence for each category: BM25 over its label, keywords and examples, and keyword phrases.

Tokens are the retrieval analyzer's (elisions and stop words dropped, Snowball stems, accents folded), so
"trottoirs", "Trottoir" and "trotoir" (a common typo is not fixed) meet where the stems meet.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from assistant.lexical import FrenchAnalyzer

_K1 = 1.2
_B = 0.5
_LABEL_REPEAT = 2  # the label is what staff chose to name the category: it counts as two examples


@dataclass
class _CategoryText:
    counts: Counter[str] = field(default_factory=Counter)
    length: int = 0
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    phrase_text: dict[tuple[str, ...], str] = field(default_factory=dict)

    def add(self, tokens: list[str], repeat: int = 1) -> None:
        for _ in range(repeat):
            self.counts.update(tokens)
            self.length += len(tokens)


@dataclass(frozen=True)
class KeywordHit:
    category: int
    keyword: str
    phrase: tuple[str, ...]


class CategoryLexicon:
    """Per-category token statistics; `add_example` takes effect for the next `scores` call."""

    def __init__(self, analyzer: FrenchAnalyzer | None = None) -> None:
        self._analyzer = analyzer or FrenchAnalyzer()
        self._texts: list[_CategoryText] = []
        self._idf: dict[str, float] | None = None

    def tokens(self, text: str) -> list[str]:
        return self._analyzer.tokens(text)

    def add_category(self, label: str, keywords: list[str], examples: list[str]) -> int:
        text = _CategoryText()
        text.add(self.tokens(label), _LABEL_REPEAT)
        for keyword in [*keywords, label]:
            phrase = tuple(self.tokens(keyword))
            if phrase and phrase not in text.phrase_text:
                text.phrases.append(phrase)
                text.phrase_text[phrase] = keyword
        for keyword in keywords:
            text.add(self.tokens(keyword))
        self._texts.append(text)
        for example in examples:
            self.add_example(len(self._texts) - 1, example)
        return len(self._texts) - 1

    def add_example(self, category: int, example: str) -> None:
        self._texts[category].add(self.tokens(example))
        self._idf = None

    def _document_frequencies(self) -> dict[str, float]:
        if self._idf is None:
            total = len(self._texts)
            frequencies: Counter[str] = Counter()
            for text in self._texts:
                frequencies.update(text.counts.keys())
            self._idf = {token: math.log(1 + (total - count + 0.5) / (count + 0.5))
                         for token, count in frequencies.items()}
        return self._idf

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 of the message against each category's text (0 where no token is shared)."""
        idf = self._document_frequencies()
        average = sum(text.length for text in self._texts) / max(len(self._texts), 1)
        result = np.zeros(len(self._texts), dtype=np.float32)
        for token in set(tokens):
            weight = idf.get(token)
            if weight is None:
                continue
            for index, text in enumerate(self._texts):
                frequency = text.counts.get(token, 0)
                if frequency:
                    norm = _K1 * (1 - _B + _B * text.length / average)
                    result[index] += weight * frequency * (_K1 + 1) / (frequency + norm)
        return result

    def keyword_hits(self, tokens: list[str]) -> list[KeywordHit]:
        """Keyword phrases (and labels) found in the message, as consecutive stems."""
        hits = []
        for index, text in enumerate(self._texts):
            for phrase in text.phrases:
                if _contains(tokens, phrase):
                    hits.append(KeywordHit(index, text.phrase_text[phrase], phrase))
        return hits

    def keyword_scores(self, tokens: list[str]) -> np.ndarray:
        """Per category: the idf mass of its keyword phrases found in the message (longer phrases weigh more)."""
        idf = self._document_frequencies()
        result = np.zeros(len(self._texts), dtype=np.float32)
        for hit in self.keyword_hits(tokens):
            result[hit.category] += sum(idf.get(token, 0.0) for token in hit.phrase)
        return result


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    if size == 1:
        return phrase[0] in tokens
    return any(tuple(tokens[start : start + size]) == phrase for start in range(len(tokens) - size + 1))
