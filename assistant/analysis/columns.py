"""Typing the text cells of a French public table: codes stay text (leading zeros, 2A/2B), numbers lose their
non-breaking or narrow spaces and decimal commas, `s` / `nd` / empty become missing values."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from assistant.analysis.text import fold

MISSING_NUMBERS = frozenset({"", "s", "nd", "n.d.", "n.d", "na", "n/a", "nc", "ns", "null", "secret", "-", "–",
                             "—", "…", "...", "x", "so", "nan"})
MISSING_TEXT = frozenset({"", "null", "nd", "n.d.", "n/a", "nan"})
_SPACES = re.compile(r"[\s   ]")
_DECIMAL = re.compile(r"^[+\-]?\d+([.,]\d+)?$")
_DOTTED_THOUSANDS = re.compile(r"^[+\-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_CODE_WORDS = frozenset({"code", "cod", "codgeo", "codes", "insee", "siren", "siret", "dep", "reg", "epci", "cp",
                         "depcom", "com", "arr", "canton", "iris", "codecom", "codedep", "codereg", "id"})
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
DEPARTEMENT_CODE = re.compile(r"^(\d{2}|2[AB]|97\d)$")
SIREN = re.compile(r"^\d{9}$")
IRIS_CODE = re.compile(r"^(\d{9}|2[AB]\d{7})$")


@dataclass(frozen=True)
class TypedColumn:
    values: pd.Series
    kind: str  # code | text | integer | number


def _numbers(cells: pd.Series, missing: frozenset[str]) -> pd.Series | None:
    """The cells as numbers, or None if one of them is neither a number nor a missing-value marker."""
    compact = cells.str.replace(_SPACES, "", regex=True).str.replace("−", "-", regex=False)
    is_missing = cells.str.strip().str.lower().isin(missing)
    dotted = compact.str.match(_DOTTED_THOUSANDS)
    compact = compact.where(~dotted, compact.str.replace(".", "", regex=False))
    plain = compact.str.match(_DECIMAL)
    if not bool((plain | is_missing).all()) or bool(is_missing.all()):
        return None
    return pd.to_numeric(compact.where(~is_missing).str.replace(",", ".", regex=False), errors="coerce")


def looks_like_code_name(name: str) -> bool:
    words = fold(name).split()
    return bool(words) and (words[0] in _CODE_WORDS or words[0].startswith("code") or
                            any(word in {"insee", "siren", "codgeo", "depcom"} for word in words))


def _has_leading_zero(cells: pd.Series) -> bool:
    stripped = cells.str.strip()
    return bool(stripped.str.match(r"^0\d").any()) or bool(stripped.str.match(r"^2[AB]\d*$").any())


def type_column(cells: pd.Series, name: str, forced: str | None = None,
                extra_missing: frozenset[str] = frozenset()) -> TypedColumn:
    cells = cells.fillna("").astype(str)
    if forced in ("code", "text"):
        return TypedColumn(_text(cells, extra_missing), forced)
    if forced is None and (looks_like_code_name(name) or _has_leading_zero(cells)):
        return TypedColumn(_text(cells, extra_missing), "code")
    numbers = _numbers(cells, MISSING_NUMBERS | extra_missing)
    if numbers is None:
        if forced in ("integer", "number"):
            bad = cells[~cells.str.strip().str.lower().isin(MISSING_NUMBERS | extra_missing)].head(1).tolist()
            raise ValueError(f"column '{name}' is declared {forced} but holds {bad[0]!r}" if bad else name)
        return TypedColumn(_text(cells, extra_missing), "text")
    whole = numbers.dropna()
    if forced != "number" and bool((whole == whole.round()).all()) and bool((whole.abs() < 2**62).all()):
        return TypedColumn(numbers.astype("Int64"), "integer")
    return TypedColumn(numbers.astype("float64"), "number")


def _text(cells: pd.Series, extra_missing: frozenset[str]) -> pd.Series:
    stripped = cells.str.strip()
    return stripped.where(~stripped.str.lower().isin(MISSING_TEXT | extra_missing)).astype(object)


def code_role(values: pd.Series) -> str | None:
    """Which INSEE code a text column holds, from its values: commune, département, EPCI (SIREN) or IRIS."""
    sample = values.dropna().astype(str).head(2000)
    if sample.empty:
        return None
    for role, pattern in (("commune_code", COMMUNE_CODE), ("epci_code", SIREN),
                          ("departement_code", DEPARTEMENT_CODE)):
        if bool(sample.str.match(pattern).mean() >= 0.98):
            return role
    return None
