"""The work of one extractive answer is bounded: at most `chat.extractive_max_sentences` sentences embedded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from assistant.chat.extractive import best_quotes, candidate_sentences
from assistant.config import ConfigError, load_settings
from assistant.retrieval import Passage
from tests.fakes import HashingEmbeddings


class CountingEmbeddings(HashingEmbeddings):
    def __init__(self) -> None:
        self.embedded: list[int] = []

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.append(len(texts))
        return super().embed_passages(texts)


def passage(number: int, sentences: int) -> Passage:
    text = " ".join(f"Phrase numéro {i} du passage {number} sur les horaires." for i in range(sentences))
    return Passage(f"c{number}", f"d{number}", "demo", "Titre", "doc.pdf", "/x", None, "", text, 1.0, 0.9, None)


def test_one_answer_embeds_at_most_the_configured_sentences() -> None:
    embeddings = CountingEmbeddings()
    passages = [passage(n, 40) for n in range(1, 6)]  # 200 sentences, 125 before the cap existed
    best_quotes("horaires du passage 4", passages, embeddings, max_quotes=3, max_sentences=30)
    assert embeddings.embedded == [30]


def test_the_sentences_are_shared_between_the_passages() -> None:
    passages = [passage(1, 40), passage(2, 2), passage(3, 40)]
    numbers = [candidate.number for candidate in candidate_sentences(passages, max_sentences=20)]
    assert len(numbers) == 20
    assert numbers.count(2) == 2 and numbers.count(1) == 9 and numbers.count(3) == 9  # the short one's share goes on
    assert numbers == sorted(numbers)  # still in passage order


def test_the_cap_is_validated(tmp_path: object) -> None:
    assert load_settings(environ={}).chat.extractive_max_sentences == 60
    with pytest.raises(ConfigError, match="extractive_max_sentences"):
        load_settings(environ={}, chat={"extractive_max_sentences": 0})
    with pytest.raises(ConfigError, match="extractive_quotes"):
        load_settings(environ={}, chat={"extractive_quotes": 5, "extractive_max_sentences": 4})
