from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from assistant.config import ConfigError, load_settings
from assistant.requests.taxonomy import Taxonomy, TaxonomyError, load_taxonomy
from tests.assistant.requests.conftest import EVAL_DIR


def test_the_default_taxonomy_has_15_to_25_categories_with_examples_and_services(default_taxonomy: Taxonomy) -> None:
    assert 15 <= len(default_taxonomy.categories) <= 25
    assert all(len(category.examples) >= 3 and category.service for category in default_taxonomy.categories)


def test_a_wrong_key_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"categories": [
        {"id": "a", "label": "A", "service": "S", "examples": ["x"], "keyword": ["typo"]},
        {"id": "b", "label": "B", "service": "S", "examples": ["y"]}]}))
    with pytest.raises(TaxonomyError, match=r"unknown key 'categories\.0\.keyword'"):
        load_taxonomy(path)


@pytest.mark.parametrize(("content", "message"), [
    ("categories: [", "invalid YAML"),
    ("- a\n- b\n", "top level must be a mapping"),
    ("categories:\n  - {id: a, label: A, service: S, examples: []}\n  - {id: b, label: B, service: S, examples: [x]}\n",
     "categories.0.examples"),
    ("categories:\n  - {id: a, label: A, service: S, examples: [x]}\n"
     "  - {id: a, label: B, service: S, examples: [y]}\n", "'a' is used twice"),
    ("categories:\n  - {id: 'Pas Bon', label: A, service: S, examples: [x]}\n"
     "  - {id: b, label: B, service: S, examples: [y]}\n", "categories.0.id"),
])
def test_invalid_taxonomies_are_refused_with_the_problem_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(content)
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(path)


def test_a_missing_taxonomy_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="not found"):
        load_taxonomy(tmp_path / "absent.yaml")


def test_the_digest_changes_with_the_content(default_taxonomy: Taxonomy) -> None:
    changed = default_taxonomy.model_copy(update={"name": "autre"})
    assert changed.digest != default_taxonomy.digest


def test_requests_settings_are_strict(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("requests:\n  review_treshold: 0.4\n")
    with pytest.raises(ConfigError, match=r"unknown key 'requests\.review_treshold'"):
        load_settings(environ={"ASSISTANT_CONFIG": str(overlay)})


def test_the_evaluation_files_use_the_taxonomies_and_never_share_a_request(default_taxonomy: Taxonomy) -> None:
    tune = [json.loads(line) for line in (EVAL_DIR / "tune.jsonl").read_text().splitlines()]
    heldout = [json.loads(line) for line in (EVAL_DIR / "heldout.jsonl").read_text().splitlines()]
    assert len(tune) + len(heldout) >= 200
    assert not {item["text"] for item in tune} & {item["text"] for item in heldout}
    assert {item["category"] for item in tune + heldout} <= set(default_taxonomy.ids)
    mapping = yaml.safe_load((EVAL_DIR / "dayone-mapping.yaml").read_text())
    dayone = load_taxonomy(EVAL_DIR / "dayone-taxonomy.yaml")
    assert all(len(category.examples) == 3 for category in dayone.categories)
    for split, items in (("tune", tune), ("heldout", heldout)):
        relabelled = [json.loads(line) for line in (EVAL_DIR / f"dayone-{split}.jsonl").read_text().splitlines()]
        assert [r["text"] for r in relabelled] == [i["text"] for i in items]
        assert [r["category"] for r in relabelled] == [mapping[i["category"]] for i in items]
        assert [r["urgent"] for r in relabelled] == [i["urgent"] for i in items]
