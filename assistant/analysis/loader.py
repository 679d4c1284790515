"""`load_dataset`: one file into the catalogue, as a plain domain function (the CLI runs it now; a background
job can call it as it is). Re-adding an unchanged file with the same card and readers is a no-op; a changed
file is loaded into a new table file, and the catalogue switches to it in one commit."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from assistant.analysis.cards import CardError, ColumnInfo, DatasetCard
from assistant.analysis.catalog import Dataset, DatasetCatalog
from assistant.analysis.columns import type_column
from assistant.analysis.inference import infer_card
from assistant.analysis.reading import DatasetFileError, RawTable, column_keys, file_format, read_csv, read_sheet
from assistant.analysis.warehouse import Warehouse

Status = Literal["added", "replaced", "unchanged"]
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class DatasetAccessError(ValueError):
    """The readers asked for are missing or contradict the dataset's; the message says what to pass."""


@dataclass(frozen=True)
class LoadOutcome:
    dataset: Dataset
    status: Status
    warnings: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _reserved_words() -> frozenset[str]:
    rows = duckdb.connect(":memory:").execute(
        "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'").fetchall()
    return frozenset(str(row[0]).lower() for row in rows)


def dataset_name(path: Path, name: str | None = None) -> str:
    candidate = name or column_keys([path.stem])[0]
    candidate = candidate.lower()[:63]
    if not _NAME.match(candidate):
        raise DatasetFileError(f"invalid dataset name {candidate!r}: lowercase letters, digits and _, "
                               "starting with a letter (63 at most)")
    if candidate in _reserved_words():
        raise DatasetFileError(f"{path}: '{candidate}' is an SQL keyword and cannot name a dataset: pass --name")
    return candidate


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def card_hash(card: DatasetCard) -> str:
    return hashlib.sha256(card.model_dump_json().encode()).hexdigest()


def _readers(existing: Dataset | None, card: DatasetCard | None, groups: Sequence[str] | None,
             public: bool, name: str) -> list[str]:
    if public and groups:
        raise DatasetAccessError("--public and --groups contradict each other: pass one of them")
    wanted = [] if public else (sorted({g.strip().strip("/") for g in groups if g.strip("/ ")})
                                if groups is not None else None)
    if groups is not None and not public and not wanted:
        raise DatasetAccessError("the list of groups is empty: name at least one group, or pass --public")
    if existing is not None:
        if wanted is None or wanted == existing.groups:
            return existing.groups
        raise DatasetAccessError(
            f"dataset '{name}' is readable by {', '.join(existing.groups) or 'every analyst'}; adding a file does "
            f"not change who may read it. Run `assistant datasets set-groups {name} ...` to change it")
    if wanted is not None:
        return wanted
    if card is not None and card.public:
        return []
    raise DatasetAccessError(
        f"dataset '{name}' is new: say who may read it with --groups g1,g2, or --public for every analyst "
        "(a card may declare `public: true` for open data)")


def load_dataset(catalog: DatasetCatalog, warehouse: Warehouse, path: Path, *, card: DatasetCard | None = None,
                 name: str | None = None, groups: Sequence[str] | None = None, public: bool = False,
                 max_file_mb: float = 2048) -> LoadOutcome:
    """Raises DatasetFileError, CardError or DatasetAccessError, naming the file and the problem."""
    if not path.is_file():
        raise DatasetFileError(f"{path}: no such file")
    if path.stat().st_size > max_file_mb * 1024 * 1024:
        raise DatasetFileError(f"{path}: larger than analysis.max_file_mb ({max_file_mb:g} MB)")
    fmt, name = file_format(path), dataset_name(path, name)
    existing = catalog.get(name)
    readers = _readers(existing, card, groups, public, name)
    digest = file_hash(path)
    given = card_hash(card) if card is not None else (existing.card_hash if existing else "")
    if existing is not None and (existing.file_hash, existing.card_hash) == (digest, given) \
            and existing.source_path == str(path.resolve()):
        return LoadOutcome(existing, "unchanged")
    if card is None and existing is not None and not existing.card.inferred:
        card = existing.card  # a changed file keeps the card its admin completed
    table_file, final_card, warnings = _write(warehouse, path, fmt, name, card)
    rows, columns = warehouse.describe(table_file)
    dataset = Dataset(name, readers, final_card, str(path.resolve()), fmt, digest, given, table_file, rows, columns,
                      existing.version + 1 if existing else 1, datetime.now(UTC))
    try:
        replaced = catalog.save(dataset)
    except BaseException:
        warehouse.delete(table_file)
        raise
    if replaced:
        warehouse.delete(replaced)
    return LoadOutcome(catalog.get(name) or dataset, "replaced" if existing else "added", warnings)


def _write(warehouse: Warehouse, path: Path, fmt: str, name: str,
           card: DatasetCard | None) -> tuple[str, DatasetCard, list[str]]:
    if fmt == "parquet":
        table_file = warehouse.write_table(name, parquet=path)
        _, columns = warehouse.describe(table_file)
        keys = column_keys([c["name"] for c in columns])
        warehouse.rename_columns(table_file, {c["name"]: k for c, k in zip(columns, keys, strict=True)
                                              if c["name"] != k})
        kinds = {k: "number" if any(t in c["type"] for t in ("INT", "DOUBLE", "FLOAT", "DECIMAL")) else "text"
                 for c, k in zip(columns, keys, strict=True)}
        inferred = DatasetCard.model_validate({"title": path.stem, "inferred": True, "columns": {
            k: ColumnInfo.model_validate({"label": c["name"], "type": kinds[k]})
            for c, k in zip(columns, keys, strict=True)}})
        return table_file, _merged(card, inferred, keys), []
    settings = card or DatasetCard.model_validate({})
    if fmt == "csv":
        raw = read_csv(path, settings.separator, settings.encoding, settings.header_rows)
    else:
        raw = read_sheet(path, "openpyxl" if fmt == "xlsx" else "odf", settings.sheet, settings.header_rows)
    frame, final_card, warnings = typed_frame(raw, card, path.stem)
    return warehouse.write_table(name, frame), final_card, warnings


def _card_key(card: DatasetCard, keys: list[str], headers: list[str]) -> dict[str, str]:
    """Card column names -> table keys: a card may name a column by its key or by its header in the file."""
    by_header = dict(zip(headers, keys, strict=True))
    mapping = {}
    for name, info in card.columns.items():
        key = name if name in keys else by_header.get(info.source_name or name) or by_header.get(name)
        if key is None and not (card.code_from and name == card.code_from.column):
            raise CardError(f"the card describes a column '{name}' that the file does not have "
                            f"(columns: {', '.join(keys)})")
        mapping[name] = key or name
    for name in _referenced(card):
        mapping.setdefault(name, name if name in keys else by_header.get(name, name))
    return mapping


def _referenced(card: DatasetCard) -> list[str]:
    names = [card.code_column, card.name_column]
    names += [part for i in card.indicators.values() for part in (i.numerator, i.denominator)]
    if card.code_from is not None:
        names += [card.code_from.departement, card.code_from.commune]
    return [name for name in names if name]


def typed_frame(raw: RawTable, card: DatasetCard | None, title: str) -> tuple[pd.DataFrame, DatasetCard, list[str]]:
    keys = column_keys(raw.headers)
    mapping = _card_key(card, keys, raw.headers) if card else {}
    forced = {mapping[n]: info.type for n, info in (card.columns.items() if card else []) if info.type}
    extra = frozenset(v.lower() for v in (card.missing_values if card else []))
    frame, kinds, warnings = pd.DataFrame(index=raw.frame.index), {}, list[str]()
    for index, key in enumerate(keys):
        try:
            typed = type_column(raw.frame[index], raw.headers[index] or key, forced.get(key), extra)
        except ValueError as exc:
            raise CardError(str(exc)) from exc
        values = typed.values if typed.values.notna().any() else typed.values.astype("string")
        frame[key], kinds[key] = values, typed.kind
    if card is not None and card.code_from is not None:
        frame, keys = _with_built_code(frame, keys, card, mapping), [*keys, card.code_from.column]
        kinds[card.code_from.column] = "code"
    final = _merged(_renamed(card, mapping), infer_card(
        keys, [*raw.headers, ""][: len(keys)], [*raw.labels, ""][: len(keys)], kinds, frame, title), keys)
    frame = _kept_rows(frame, final, mapping, warnings)
    return frame.reset_index(drop=True), final, warnings


def _kept_rows(frame: pd.DataFrame, card: DatasetCard, mapping: dict[str, str], warnings: list[str]) -> pd.DataFrame:
    for column, values in card.keep_rows.items():
        key = mapping.get(column, column)
        if key not in frame.columns:
            raise CardError(f"keep_rows names a column '{column}' that the file does not have")
        kept = frame[key].astype("string").isin([str(v) for v in values])
        if not kept.all():
            warnings.append(f"{int((~kept).sum())} rows left out: {key} not in {', '.join(map(str, values))}")
        frame = frame[kept.fillna(False)]
    code = card.code_column
    if code is not None and card.merge_arrondissements:
        frame = merge_arrondissements(frame, card, warnings)
    if code is not None:
        duplicated = frame[code].notna() & frame[code].duplicated(keep="first")
        if duplicated.any() and card.deduplicate_code:
            shown = ", ".join(sorted(set(frame.loc[duplicated, code].astype(str)))[:10])
            warnings.append(f"{int(duplicated.sum())} repeated codes left out (first row kept): {shown}")
            frame = frame[~duplicated]
        elif duplicated.any():
            warnings.append(f"{int(duplicated.sum())} codes of {code} appear more than once: totals over a "
                            "territory would count them twice (set deduplicate_code: true in the card)")
    return frame


CITIES = {"75056": ("Paris", "75101", "75120"), "13055": ("Marseille", "13201", "13216"),
          "69123": ("Lyon", "69381", "69389")}


def merge_arrondissements(frame: pd.DataFrame, card: DatasetCard, warnings: list[str]) -> pd.DataFrame:
    """One row per city for Paris, Marseille and Lyon: numbers summed over their municipal arrondissements."""
    assert card.code_column is not None
    codes = frame[card.code_column].astype("string")
    parent = codes.copy()
    for city, (_, first, last) in CITIES.items():
        parent = parent.mask((codes >= first) & (codes <= last), city)
    merged = parent != codes
    if not merged.any():
        return frame
    rows = frame[merged].assign(**{card.code_column: parent[merged]})
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and card.column(c).additive]
    cities = rows.groupby(card.code_column, sort=False).agg(
        {c: ("sum" if c in numeric else "first") for c in frame.columns if c != card.code_column}).reset_index()
    if card.name_column:
        cities[card.name_column] = cities[card.code_column].map(lambda code: CITIES[code][0])
    warnings.append(f"{int(merged.sum())} municipal arrondissements merged into Paris, Marseille and Lyon")
    return pd.concat([frame[~merged], cities[frame.columns]], ignore_index=True)


def _with_built_code(frame: pd.DataFrame, keys: list[str], card: DatasetCard, mapping: dict[str, str]) -> pd.DataFrame:
    spec = card.code_from
    assert spec is not None
    for column in (spec.departement, spec.commune):
        if (mapping.get(column) or column) not in keys:
            raise CardError(f"code_from names a column '{column}' that the file does not have")
    departement = frame[mapping.get(spec.departement, spec.departement)].astype("string").str[:2]
    commune = frame[mapping.get(spec.commune, spec.commune)].astype("string").str.zfill(3)
    frame[spec.column] = (departement + commune).astype(object)
    return frame


def _renamed(card: DatasetCard | None, mapping: dict[str, str]) -> DatasetCard | None:
    if card is None:
        return None
    columns = {mapping.get(name, name): info for name, info in card.columns.items()}
    indicators = {key: i.model_copy(update={"numerator": mapping.get(i.numerator, i.numerator),
                                             "denominator": mapping.get(i.denominator, i.denominator)})
                  for key, i in card.indicators.items()}
    return card.model_copy(update={
        "columns": columns, "indicators": indicators,
        "code_column": mapping.get(card.code_column or "", card.code_column),
        "name_column": mapping.get(card.name_column or "", card.name_column)})


def _merged(card: DatasetCard | None, inferred: DatasetCard, keys: list[str]) -> DatasetCard:
    """The admin's card, with every column of the table listed (types and labels inferred where it says none)."""
    if card is None:
        return inferred
    columns = {}
    for key in keys:
        given, guessed = card.columns.get(key), inferred.column(key)
        if given is None:
            columns[key] = guessed
        else:
            columns[key] = given.model_copy(update={"type": given.type or guessed.type,
                                                    "label": given.label or guessed.label})
    merged = card.model_copy(update={"columns": columns, "inferred": False})
    for field_name in ("code_column", "name_column"):
        value = getattr(merged, field_name)
        if value is not None and value not in keys:
            raise CardError(f"the card's {field_name} '{value}' is not a column of the file")
    for indicator_name, indicator in merged.indicators.items():
        for part in (indicator.numerator, indicator.denominator):
            if part not in keys:
                raise CardError(f"indicator '{indicator_name}' uses a column '{part}' that the file does not have")
    return merged
