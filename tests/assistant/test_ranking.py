"""Score fusion: pure functions, no index."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.ranking import (
    DocumentSignals,
    best_per_document,
    document_scores,
    interleave_passages,
    reciprocal_rank_fusion,
    standardise,
    top_indices,
)


def test_rrf_weights_ranks() -> None:
    fused = reciprocal_rank_fusion([(["a", "b"], 1.0), (["b"], 0.5)], k=10)
    assert fused["a"] == pytest.approx(1 / 11)
    assert fused["b"] == pytest.approx(1 / 12 + 0.5 / 11)


def test_standardise_gives_missing_candidates_the_floor() -> None:
    z = standardise({"a": 3.0, "b": 1.0}, ["a", "b", "c"])
    assert z["b"] == z["c"] < 0 < z["a"]
    assert sum(z.values()) == pytest.approx(0.0)


def test_standardise_without_spread_or_scores_is_neutral() -> None:
    assert standardise({"a": 2.0}, ["a", "b"]) == {"a": 0.0, "b": 0.0}
    assert standardise({}, ["a"]) == {"a": 0.0}


def test_a_document_with_a_close_opening_outranks_one_with_a_single_close_passage() -> None:
    signals = DocumentSignals(
        best_passage={"guide": 0.86, "faq": 0.85, "note": 0.80},
        opening={"faq": 0.90, "guide": 0.78, "note": 0.79},
        lexical={"faq": 8.0, "guide": 7.0},
    )
    scores = document_scores(signals, opening_weight=0.5, lexical_weight=0.3)
    assert max(scores, key=scores.__getitem__) == "faq"
    only_passages = document_scores(signals, opening_weight=0.0, lexical_weight=0.0)
    assert max(only_passages, key=only_passages.__getitem__) == "guide"


def test_a_document_known_only_to_bm25_is_a_candidate() -> None:
    signals = DocumentSignals(best_passage={"a": 0.8}, opening={"a": 0.8}, lexical={"a": 1.0, "b": 9.0})
    scores = document_scores(signals, 0.5, 1.0)
    assert set(scores) == {"a", "b"} and scores["b"] > scores["a"]


def test_best_per_document_keeps_the_best_passage() -> None:
    best = best_per_document({"a1": 0.5, "a2": 0.7, "b1": 0.6}, {"a1": "a", "a2": "a", "b1": "b"})
    assert best == {"a": 0.7, "b": 0.6}


def test_interleave_caps_passages_per_document_then_fills() -> None:
    chunks = {"a": ["a1", "a2", "a3"], "b": ["b1"]}
    assert interleave_passages(["a", "b"], chunks, per_document=2, limit=10) == ["a1", "a2", "b1", "a3"]
    assert interleave_passages(["a", "b"], chunks, per_document=2, limit=3) == ["a1", "a2", "b1"]
    assert interleave_passages(["c", "b"], chunks, per_document=1, limit=5) == ["b1"]


def test_top_indices_are_the_best_first_and_bounded() -> None:
    scores = np.array([0.2, 0.9, 0.5, 0.7])
    assert top_indices(scores, 2).tolist() == [1, 3]
    assert top_indices(scores, 10).tolist() == [1, 3, 2, 0]
    assert top_indices(np.array([]), 3).tolist() == []
