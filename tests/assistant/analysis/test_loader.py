"""load_dataset: no-op re-adds, atomic replacement of a changed file, explicit readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.analysis.loader import DatasetAccessError
from assistant.analysis.service import AnalysisService

CSV = "code;commune;population\n21166;Chenôve;14299\n21231;Dijon;159941\n"


def test_readding_an_unchanged_file_is_a_no_op(service: AnalysisService, tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(CSV, encoding="utf-8")
    first = service.add(path, public=True)
    again = service.add(path)
    assert (first.status, again.status) == ("added", "unchanged")
    assert again.dataset.table_file == first.dataset.table_file and again.dataset.version == first.dataset.version


def test_a_changed_file_replaces_its_table_and_the_old_file_goes(service: AnalysisService, tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(CSV, encoding="utf-8")
    first = service.add(path, public=True).dataset
    before = service.warehouse.execute(service.catalog.datasets(), "SELECT sum(population) FROM pop").rows
    path.write_text(CSV + "21617;Talant;11986\n", encoding="utf-8")
    replaced = service.add(path)
    assert replaced.status == "replaced" and replaced.dataset.row_count == 3
    assert not (service.warehouse.folder / first.table_file).exists()
    after = service.warehouse.execute(service.catalog.datasets(), "SELECT sum(population) FROM pop").rows
    assert (before, after) == ([[174240]], [[186226]])
    assert [p.name for p in service.warehouse.folder.iterdir()] == [replaced.dataset.table_file]


def test_a_failed_replacement_keeps_the_previous_table(service: AnalysisService, tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(CSV, encoding="utf-8")
    service.add(path, public=True)
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="no table"):
        service.add(path)
    assert service.warehouse.execute(service.catalog.datasets(), "SELECT count(*) FROM pop").rows == [[2]]


def test_readers_are_explicit_and_never_changed_by_an_add(service: AnalysisService, tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(DatasetAccessError, match="--groups"):
        service.add(path)
    with pytest.raises(DatasetAccessError, match="empty"):
        service.add(path, groups=[" "])
    service.add(path, groups=["urbanisme"])
    with pytest.raises(DatasetAccessError, match="set-groups"):
        service.add(path, public=True)
    assert service.set_groups("pop", []).groups == []
