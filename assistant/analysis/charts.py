"""Charts of an answer as Vega-Lite (built with altair), rendered on the server by vl-convert (SVG for the page,
PNG for the export): bars, lines over the years, and maps of communes (points at lat/lng, or a choropleth when
a GeoJSON of the communes is configured)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from assistant.analysis.compose import Composed

_WIDTH, _HEIGHT = 560, 340


def chart_spec(composed: Composed, rows: list[list[Any]], geojson: Path | None = None,
               code_property: str = "code") -> dict[str, Any] | None:
    """The chart of the answer as a Vega-Lite specification, or None when a chart would say nothing."""
    if composed.chart == "none" or not rows:
        return None
    frame = pd.DataFrame(rows, columns=[c.label for c in composed.columns])
    title = _title(composed)
    if composed.chart == "line":
        chart = _line(composed, frame)
    elif composed.chart == "map":
        chart = _map(composed, frame, geojson, code_property)
    else:
        chart = _bar(composed, frame)
    spec = chart.properties(title=title).to_dict()
    return {"type": composed.chart, "title": title, "vega_lite": spec}


def _title(composed: Composed) -> str:
    scope = composed.scope.name if composed.scope else ", ".join(t.name for t in composed.territories)
    return f"{composed.measure.label} — {scope}"


def _key(composed: Composed) -> str:
    roles = {c.role: c.label for c in composed.columns}
    if "change" in roles:
        return roles["change_pct"] if composed.spec.change == "relative" else roles["change"]
    return roles.get("share") if composed.spec.share and "whole" in roles else roles.get("value", "")  # type: ignore[return-value]


def _bar(composed: Composed, frame: pd.DataFrame) -> alt.Chart:
    label = next(c.label for c in composed.columns if c.role == "territory")
    value = _key(composed)
    return alt.Chart(frame).mark_bar(color="#000091").encode(
        x=alt.X(f"{value}:Q", title=value), y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        tooltip=[label, value]).properties(width=_WIDTH, height=min(_HEIGHT * 2, max(60, 22 * len(frame))))


def _line(composed: Composed, frame: pd.DataFrame) -> alt.Chart:
    label = next(c.label for c in composed.columns if c.role == "territory")
    points = [{"Territoire": row[label], "Année": str(column.year), "Valeur": row[column.label]}
              for _, row in frame.iterrows() for column in composed.columns if column.role in ("start", "end")]
    return alt.Chart(pd.DataFrame(points)).mark_line(point=True).encode(
        x=alt.X("Année:O", title=None), y=alt.Y("Valeur:Q", title=composed.measure.label, scale=alt.Scale(zero=False)),
        color=alt.Color("Territoire:N", title=None), tooltip=["Territoire", "Année", "Valeur"]
    ).properties(width=_WIDTH, height=_HEIGHT)


def _map(composed: Composed, frame: pd.DataFrame, geojson: Path | None, code_property: str) -> alt.Chart:
    value = _key(composed)
    if geojson is not None and "Code Insee" in frame.columns:
        return _choropleth(frame.rename(columns={"Code Insee": "code_"}), value, geojson, code_property)
    return alt.Chart(frame).mark_circle(opacity=0.8, stroke="#1e1e1e", strokeWidth=0.5).encode(
        longitude="Longitude:Q", latitude="Latitude:Q", size=alt.Size(f"{value}:Q", title=value),
        color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="blues"), title=value),
        tooltip=["Commune", value]).project(type="mercator").properties(width=_WIDTH, height=_HEIGHT)


@lru_cache(maxsize=2)
def _features(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data.get("features", []))


def _choropleth(frame: pd.DataFrame, value: str, geojson: Path, code_property: str) -> alt.Chart:
    wanted = set(frame["code_"])
    features = [f for f in _features(geojson) if str(f.get("properties", {}).get(code_property)) in wanted]
    shapes = alt.Data(values={"type": "FeatureCollection", "features": features}, format=alt.DataFormat(
        property="features", type="json"))
    lookup = alt.LookupData(frame.drop(columns=["Latitude", "Longitude"], errors="ignore"), key="code_",
                            fields=["Commune", value])
    return alt.Chart(shapes).mark_geoshape(stroke="#ffffff", strokeWidth=0.5).transform_lookup(
        lookup=f"properties.{code_property}", from_=lookup).encode(
        color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="blues"), title=value),
        tooltip=["Commune:N", f"{value}:Q"]).project(type="mercator").properties(width=_WIDTH, height=_HEIGHT)


def render_svg(spec: dict[str, Any]) -> str:
    import vl_convert

    return str(vl_convert.vegalite_to_svg(spec["vega_lite"], format_locale="fr-FR"))


def render_png(spec: dict[str, Any], scale: float = 2) -> bytes:
    import vl_convert

    return bytes(vl_convert.vegalite_to_png(spec["vega_lite"], scale=scale, format_locale="fr-FR"))
