"""Charts of an answer as Vega-Lite specifications (plain JSON: building them with altair cost ~60 ms an
answer, mostly schema validation), rendered on the server by vl-convert (SVG for the page, PNG for the export),
with no network access: bars, lines over the years, maps of communes (points at their lat/lng, or a
choropleth when a GeoJSON of the communes is configured)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.analysis.compose import Composed

_WIDTH, _HEIGHT = 560, 340
_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier: never fetched
_BLUE = "#000091"


def chart_spec(composed: Composed, rows: list[list[Any]], geojson: Path | None = None,
               code_property: str = "code") -> dict[str, Any] | None:
    """The chart of the answer as a Vega-Lite specification, or None when a chart would say nothing."""
    if composed.chart == "none" or not rows:
        return None
    records = [dict(zip([c.label for c in composed.columns], row, strict=True)) for row in rows]
    title = _title(composed)
    if composed.chart == "line":
        spec = _line(composed, records)
    elif composed.chart == "map":
        spec = _map(composed, records, geojson, code_property)
    else:
        spec = _bar(composed, records)
    return {"type": composed.chart, "title": title, "vega_lite": {"$schema": _SCHEMA, "title": title, **spec}}


def _title(composed: Composed) -> str:
    scope = composed.scope.name if composed.scope else ", ".join(t.name for t in composed.territories)
    return f"{composed.measure.label} — {scope}"


def _key(composed: Composed) -> str:
    roles = {c.role: c.label for c in composed.columns}
    if "change" in roles:
        return roles["change_pct"] if composed.spec.change == "relative" else roles["change"]
    if composed.spec.share and "whole" in roles:
        return roles["share"]
    return roles.get("value", "")


def _field(name: str) -> str:
    """Vega-Lite reads dots and brackets in field names as paths: escape them."""
    return name.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[").replace("]", "\\]")


def _bar(composed: Composed, records: list[dict[str, Any]]) -> dict[str, Any]:
    label = next(c.label for c in composed.columns if c.role == "territory")
    value = _key(composed)
    return {"data": {"values": records}, "mark": {"type": "bar", "color": _BLUE},
            "width": _WIDTH, "height": min(_HEIGHT * 2, max(60, 22 * len(records))),
            "encoding": {"x": {"field": _field(value), "type": "quantitative", "title": value},
                         "y": {"field": _field(label), "type": "nominal", "sort": "-x", "title": None,
                               "axis": {"labelLimit": 260}},
                         "tooltip": [{"field": _field(label)}, {"field": _field(value), "type": "quantitative"}]}}


def _line(composed: Composed, records: list[dict[str, Any]]) -> dict[str, Any]:
    label = next(c.label for c in composed.columns if c.role == "territory")
    points = [{"Territoire": record[label], "Année": str(column.year), "Valeur": record[column.label]}
              for record in records for column in composed.columns if column.role in ("start", "end")]
    return {"data": {"values": points}, "mark": {"type": "line", "point": True}, "width": _WIDTH, "height": _HEIGHT,
            "encoding": {"x": {"field": "Année", "type": "ordinal", "title": None},
                         "y": {"field": "Valeur", "type": "quantitative", "title": composed.measure.label,
                               "scale": {"zero": False}},
                         "color": {"field": "Territoire", "type": "nominal", "title": None},
                         "tooltip": [{"field": "Territoire"}, {"field": "Année"}, {"field": "Valeur"}]}}


def _map(composed: Composed, records: list[dict[str, Any]], geojson: Path | None, code_property: str
         ) -> dict[str, Any]:
    value = _field(_key(composed))
    color = {"field": value, "type": "quantitative", "scale": {"scheme": "blues"}, "title": _key(composed)}
    if geojson is not None and records and "Code Insee" in records[0]:
        return _choropleth(records, value, color, geojson, code_property)
    return {"data": {"values": records}, "projection": {"type": "mercator"}, "width": _WIDTH, "height": _HEIGHT,
            "mark": {"type": "circle", "opacity": 0.8, "stroke": "#1e1e1e", "strokeWidth": 0.5},
            "encoding": {"longitude": {"field": "Longitude", "type": "quantitative"},
                         "latitude": {"field": "Latitude", "type": "quantitative"},
                         "size": {"field": value, "type": "quantitative", "title": _key(composed)}, "color": color,
                         "tooltip": [{"field": "Commune"}, {"field": value, "type": "quantitative"}]}}


@lru_cache(maxsize=2)
def _features(path: Path) -> tuple[dict[str, Any], ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(data.get("features", []))


def _choropleth(records: list[dict[str, Any]], value: str, color: dict[str, Any], geojson: Path,
                code_property: str) -> dict[str, Any]:
    by_code = {str(record["Code Insee"]): record for record in records}
    features = []
    for feature in _features(geojson):
        record = by_code.get(str(feature.get("properties", {}).get(code_property)))
        if record is not None:
            features.append({**feature, "properties": {**feature.get("properties", {}), **record}})
    return {"data": {"values": features}, "projection": {"type": "mercator"}, "width": _WIDTH, "height": _HEIGHT,
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.5},
            "encoding": {"color": {**color, "field": f"properties.{value}"},
                         "tooltip": [{"field": "properties.Commune", "title": "Commune"},
                                     {"field": f"properties.{value}", "type": "quantitative"}]}}


def render_svg(spec: dict[str, Any]) -> str:
    import vl_convert

    return str(vl_convert.vegalite_to_svg(spec["vega_lite"], format_locale="fr-FR", allowed_base_urls=[]))


def render_png(spec: dict[str, Any], scale: float = 2) -> bytes:
    import vl_convert

    return bytes(vl_convert.vegalite_to_png(spec["vega_lite"], scale=scale, format_locale="fr-FR",
                                            allowed_base_urls=[]))
