"""Plotly figures as plain data ({"data": [trace, ...], "layout": {...}}) in the report's template.

Figures are data, not plotly.graph_objects: those validate every property as it is set, which took
most of a page's time. plotly.io writes the data as it is; the tests check every figure of a page
against plotly's schema instead (plotly.graph_objects.Figure(data) raises on anything it does not know).
"""

from __future__ import annotations

import functools
import json
import pkgutil

TEMPLATE = "plotly_white"


@functools.cache
def _template() -> dict:
    """The report's Plotly template as data, read as plotly reads it: `pio.templates` would validate it first
    (about half a second)."""
    return json.loads(pkgutil.get_data("plotly", f"package_data/templates/{TEMPLATE}.json"))


def figure(traces: list[dict], **layout) -> dict:
    """A Plotly figure as plain data in the report's template."""
    return {"data": list(traces), "layout": {"template": _template(), **layout}}


def axes(fig: dict, letter: str) -> list[dict]:
    """The figure's x (letter "x") or y axes: xaxis, xaxis2, ... (at least the first), as layout dicts."""
    layout = fig["layout"]
    names = [k for k in layout if k == f"{letter}axis" or (k.startswith(f"{letter}axis") and k[5:].isdigit())]
    return [layout.setdefault(name, {}) for name in names or [f"{letter}axis"]]


def update_axes(fig: dict, letter: str, **props) -> None:
    for axis in axes(fig, letter):
        axis.update(props)


def side_by_side(titles: list[str]) -> tuple[dict, list[tuple[str, str]]]:
    """Layout entries for one row of plots with a title each (as plotly's make_subplots lays them out), and
    each plot's (xaxis, yaxis) references for its traces."""
    count = len(titles)
    spacing = 0.2 / count
    width = (1 - spacing * (count - 1)) / count
    layout, refs, notes = {}, [], []
    for i, title in enumerate(titles):
        suffix = "" if i == 0 else str(i + 1)
        x0 = i * (width + spacing)
        layout[f"xaxis{suffix}"] = dict(domain=[x0, x0 + width], anchor=f"y{suffix}")
        layout[f"yaxis{suffix}"] = dict(domain=[0.0, 1.0], anchor=f"x{suffix}")
        refs.append((f"x{suffix}", f"y{suffix}"))
        notes.append(dict(text=title, x=x0 + width / 2, xref="paper", y=1.0, yref="paper", xanchor="center",
                          yanchor="bottom", showarrow=False, font=dict(size=16)))
    return {**layout, "annotations": notes}, refs
