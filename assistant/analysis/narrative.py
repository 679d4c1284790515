"""The French narrative of an answer, written from the result rows only: every figure it states is a value of
`rows` (or a year or age band of a column's header), formatted as the table shows it."""

from __future__ import annotations

from typing import Any

from assistant.analysis.compose import Composed, OutputColumn
from assistant.analysis.numbers import fr_number
from assistant.analysis.territory import Territory

_LISTED = 10


def of(name: str) -> str:
    return f"d'{name}" if name[:1].lower() in "aeiouyéèêàâîïôûh" else f"de {name}"


def scope_words(territory: Territory | None) -> str:
    if territory is None or territory.kind == "france":
        return "les communes de France"
    return f"les communes {of(territory.name)}"


def _unit(column: OutputColumn) -> str:
    return f" {column.unit}" if column.unit and column.unit != "%" else (" %" if column.unit == "%" else "")


def _value(row: list[Any], columns: list[OutputColumn], role: str, sign: bool = False) -> str:
    index = next(i for i, c in enumerate(columns) if c.role == role)
    return fr_number(row[index], columns[index].decimals, sign) + _unit(columns[index])


def _cell(row: list[Any], columns: list[OutputColumn], role: str) -> Any:
    return row[next(i for i, c in enumerate(columns) if c.role == role)]


def write_narrative(composed: Composed, rows: list[list[Any]]) -> str:
    columns, spec = composed.columns, composed.spec
    roles = {c.role for c in columns}
    if not rows:
        return _no_rows(composed)
    if spec.count:
        return f"{_scope_title(composed)} : {_value(rows[0], columns, 'count')}" + (
            " répondent à la condition demandée." if spec.condition else ".")
    if spec.rank:
        row = rows[0]
        rank = _cell(row, columns, "rank")
        return (f"{_cell(row, columns, 'territory')} est {rank}{'re' if rank == 1 else 'e'} sur "
                f"{_value(row, columns, 'count')} {of(composed.scope.name) if composed.scope else ''} pour "
                f"« {columns[1].label} » ({_value(row, columns, 'value')}).")
    if "whole" in roles:
        row = rows[0]
        return (f"{_cell(row, columns, 'territory')} : {_value(row, columns, 'value')} sur "
                f"{_value(row, columns, 'whole_value')} pour {_cell(row, columns, 'whole')} "
                f"({columns[1].label}), soit une part de {_value(row, columns, 'share')}.")
    if spec.by_commune:
        return _per_commune(composed, rows)
    return _per_territory(composed, rows)


def _scope_title(composed: Composed) -> str:
    words = scope_words(composed.scope)
    return words[0].upper() + words[1:]


def _no_rows(composed: Composed) -> str:
    if composed.spec.condition is not None:
        return f"Aucune commune ne répond à la condition demandée parmi {scope_words(composed.scope)}."
    return "La requête ne renvoie aucune ligne pour ce territoire."


def _per_territory(composed: Composed, rows: list[list[Any]]) -> str:
    columns = composed.columns
    if "change" in {c.role for c in columns}:
        start, end = (c for c in columns if c.role in ("start", "end"))
        parts = [f"{_cell(r, columns, 'territory')} : {_value(r, columns, 'start')} en {start.year}, "
                 f"{_value(r, columns, 'end')} en {end.year}, soit {_value(r, columns, 'change', sign=True)} "
                 f"({_value(r, columns, 'change_pct', sign=True)})" for r in rows]
        return f"{composed.measure.label} — " + " ; ".join(parts) + "."
    label = next(c.label for c in columns if c.role == "value")
    parts = [f"{_cell(r, columns, 'territory')} : {_value(r, columns, 'value')}" for r in rows]
    text = f"{label} — " + " ; ".join(parts) + "."
    if len(rows) == 2 and all(isinstance(_cell(r, columns, "value"), int | float) for r in rows):
        first, second = (_cell(r, columns, "value") for r in rows)
        names = [_cell(r, columns, "territory") for r in rows]
        if first != second:
            text += f" {names[0]} est {'au-dessus' if first > second else 'en dessous'} de {names[1]}."
    return text


def _per_commune(composed: Composed, rows: list[list[Any]]) -> str:
    columns, spec = composed.columns, composed.spec
    key_role = "change_pct" if spec.change == "relative" and spec.from_year else (
        "change" if spec.from_year else "value")
    key = next(c for c in columns if c.role == key_role)
    listed = [_item(r, columns, key_role) for r in rows[:_LISTED]]
    more = " (suite dans le tableau)" if len(rows) > _LISTED else ""
    if spec.order is not None or spec.limit is not None:
        direction = "les plus faibles" if spec.order == "asc" else "les plus élevées"
        head = f"{_scope_title(composed)}, classées par « {key.label} » ({direction} d'abord)"
        if spec.condition is not None:
            head += ", parmi celles qui répondent à la condition demandée"
        return f"{head} : " + ", ".join(listed) + more + "."
    if spec.condition is not None:
        return (f"{_scope_title(composed)} qui répondent à la condition demandée (« {key.label} ») : "
                + ", ".join(listed) + more + ".")
    return f"« {key.label} » pour {scope_words(composed.scope)} : " + ", ".join(listed) + more + "."


def _item(row: list[Any], columns: list[OutputColumn], key_role: str) -> str:
    name = _cell(row, columns, "territory")
    value = _value(row, columns, key_role, sign=key_role.startswith("change"))
    if key_role.startswith("change"):
        value = f"{_value(row, columns, 'change', sign=True)}, {_value(row, columns, 'change_pct', sign=True)}"
    ranked = "rank" in {c.role for c in columns}
    share = f", {_value(row, columns, 'share')} du total" if "share" in {c.role for c in columns} else ""
    return f"{_cell(row, columns, 'rank')}. {name} ({value}{share})" if ranked else f"{name} ({value}{share})"
