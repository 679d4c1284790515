"""A card inferred from the table itself, for the admin to complete: types, labels, code columns recognised
from INSEE code patterns, the place-name column, the geographic level."""

from __future__ import annotations

import re

import pandas as pd

from assistant.analysis.cards import ColumnInfo, DatasetCard
from assistant.analysis.columns import code_role
from assistant.analysis.text import fold

_NAME_HINTS = {"commune_name": ("libgeo", "nom de la commune", "commune", "libelle commune", "nom commune"),
               "epci_name": ("libepci", "libelle de l epci", "nom epci", "epci"),
               "departement_name": ("nom du departement", "libelle departement", "departement"),
               "region_name": ("nom de la region", "libelle region", "region")}
_CODE_HINTS = {"commune_code": ("codgeo", "code commune", "code insee", "insee com", "depcom", "code geographique"),
               "epci_code": ("epci", "siren"), "departement_code": ("dep", "departement", "insee dep"),
               "region_code": ("reg", "region", "insee reg")}
_LEVEL_OF_ROLE = {"commune_code": "commune", "epci_code": "epci", "departement_code": "departement",
                  "region_code": "region"}
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")


def _role(key: str, header: str, label: str, kind: str, values: pd.Series) -> str | None:
    words = f"{fold(header)} {fold(label)}"
    if kind == "code":
        pattern = code_role(values)
        if pattern == "departement_code" and any(hint in words for hint in ("reg", "region")):
            return "region_code"
        if pattern is not None:
            return pattern
        return next((role for role, hints in _CODE_HINTS.items() if any(h in words for h in hints)), None)
    if kind == "text":
        return next((role for role, hints in _NAME_HINTS.items() if any(h in words for h in hints)), None)
    if key in ("lat", "latitude"):
        return "latitude"
    if key in ("lng", "lon", "long", "longitude"):
        return "longitude"
    return None


def infer_card(keys: list[str], headers: list[str], labels: list[str], kinds: dict[str, str],
               frame: pd.DataFrame, title: str) -> DatasetCard:
    columns: dict[str, ColumnInfo] = {}
    for key, header, label in zip(keys, headers, labels, strict=True):
        kind = kinds[key]
        role = _role(key, header, label, kind, frame[key])
        year = _YEAR.search(f"{header} {label}")
        numeric = kind in ("integer", "number") and role is None
        columns[key] = ColumnInfo.model_validate({
            "label": label or header, "type": kind, "role": role,
            "year": int(year.group(1)) if year and numeric else None,
            "measure": _measure(key) if numeric else None, "source_name": header if header != key else ""})
    card = DatasetCard.model_validate({"title": title, "columns": columns, "inferred": True})
    return _with_geography(card)


def _measure(key: str) -> str:
    return _YEAR.sub("", key).strip("_").replace("__", "_") or key


def _with_geography(card: DatasetCard) -> DatasetCard:
    for role, level in _LEVEL_OF_ROLE.items():
        code = card.with_role(role)
        if code is not None:
            name_role = role.replace("_code", "_name")
            return card.model_copy(update={"level": level, "code_column": code,
                                           "name_column": card.with_role(name_role)})
    return card.model_copy(update={"level": "autre"})
