"""Readers of a collection as an ingestion decides them (the CLI tests are in tests/security)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.catalog import CollectionRow
from assistant.collection_access import AccessChoiceError, groups_for_ingestion, parse_groups
from assistant.config import IngestionSettings
from assistant.knowledge import KnowledgeBase
from ingestion.pipeline import Ingestor
from tests.fakes import HashingEmbeddings
from tests.fixtures import documents as fixtures


def row(groups: list[str]) -> CollectionRow:
    return CollectionRow(name="c", groups=groups, generation=0)


def test_parse_groups() -> None:
    assert parse_groups(None) is None
    assert parse_groups(" urbanisme, /pole/rh ,") == ["urbanisme", "pole/rh"]
    with pytest.raises(AccessChoiceError, match="--groups is empty"):
        parse_groups(" ,/ ")


@pytest.mark.parametrize(("existing", "groups", "public", "defaults", "expected"), [
    (None, ["b", "a", "a"], False, [], ["a", "b"]),
    (None, None, True, [], []),
    (None, None, False, ["dg"], ["dg"]),
    (row(["a"]), None, False, [], None),
    (row(["a", "b"]), ["b", "a"], False, [], None),
    (row([]), None, True, [], None),
])
def test_new_collections_get_explicit_readers_and_existing_ones_keep_theirs(
    existing: CollectionRow | None, groups: list[str] | None, public: bool, defaults: list[str],
    expected: list[str] | None,
) -> None:
    assert groups_for_ingestion(existing, "c", groups, public, defaults) == expected


@pytest.mark.parametrize(("existing", "groups", "public", "message"), [
    (None, None, False, "does not exist yet"),
    (None, [], False, "the list of groups is empty"),
    (None, ["a"], True, "contradict"),
    (row(["a"]), None, True, "is readable by groups a"),
    (row(["a"]), ["b"], False, "set-groups c"),
    (row([]), ["a"], False, "is readable by every agent"),
])
def test_missing_empty_or_changed_readers_are_refused(
    existing: CollectionRow | None, groups: list[str] | None, public: bool, message: str
) -> None:
    with pytest.raises(AccessChoiceError, match=message):
        groups_for_ingestion(existing, "c", groups, public)


def test_the_ingestor_applies_the_same_rules(tmp_path: Path, knowledge: KnowledgeBase) -> None:
    ingestor = Ingestor(knowledge, HashingEmbeddings(), IngestionSettings(parse_timeout_s=60))
    folder = tmp_path / "docs"
    folder.mkdir()
    fixtures.write_txt(folder)
    for groups in (None, []):
        with pytest.raises(AccessChoiceError):
            ingestor.ingest([folder], "rh", groups=groups)
    assert knowledge.catalog.collection("rh") is None
    assert ingestor.ingest([folder], "rh", groups=["rh"]).count("ingested") == 1
    with pytest.raises(AccessChoiceError):
        ingestor.ingest([folder], "rh", public=True)
    assert knowledge.catalog.collection("rh").groups == ["rh"]  # type: ignore[union-attr]
