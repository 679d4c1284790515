"""The answer metric and the annotation files' loading (the evaluation runs in tests/eval/test_answers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer_evaluation import answer_words, contains_answer, load_annotations, sentences
from assistant.evaluation import EvaluationError

ANNOTATED = "Le délai de recours auprès du CPH est de 12 mois à partir de la date de fin du CDD."


def test_half_of_the_annotated_words_is_enough_and_stop_words_do_not_count() -> None:
    assert answer_words(ANNOTATED) == {"delai", "recours", "aupres", "cph", "12", "mois", "partir", "date",
                                       "fin", "cdd"}
    assert contains_answer("« Le délai de recours auprès du CPH est de 12 mois. » [1]", ANNOTATED)  # 6 / 10
    assert not contains_answer("« Le recours se fait auprès du CPH. » [1]", ANNOTATED)  # 3 / 10
    assert not contains_answer("de la du est à le", ANNOTATED)


def test_words_are_compared_without_case_or_accents() -> None:
    assert contains_answer("ENTREE ENFANT 2,50 €", "Entrée enfant | 2,50 €")


def test_sentences_split_on_full_stops_and_lines() -> None:
    assert sentences("Un. Deux ?\nTrois") == ["Un.", "Deux ?", "Trois"]


def test_annotation_files_are_checked_entry_by_entry(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("questions:\n- {question: ' Combien ?', source: a.md, answer: \"2,50\\n €\"}\n", encoding="utf-8")
    [item] = load_annotations(good)
    assert (item.question, item.source, item.answer) == ("Combien ?", "a.md", "2,50 €")
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions:\n- {question: a, source: b, answer: c}\n- {question: a, source: b}\n")
    with pytest.raises(EvaluationError, match="question 2: question, source and answer"):
        load_annotations(bad)
    (tmp_path / "empty.yaml").write_text("questions: []\n")
    with pytest.raises(EvaluationError, match="non-empty list"):
        load_annotations(tmp_path / "empty.yaml")
    (tmp_path / "broken.yaml").write_text("questions: [\n")
    with pytest.raises(EvaluationError, match="not valid YAML"):
        load_annotations(tmp_path / "broken.yaml")
