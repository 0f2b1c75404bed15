"""Plotly figures of a run or a comparison, and the self-contained HTML page that holds them."""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import plotly.io as pio
import plotly.offline

from transition_sim import analysis, organisations, schedule_charts
from transition_sim.plotdata import figure, side_by_side, update_axes
from transition_sim.costs import TRANSITION
from transition_sim.results import Results
from transition_sim.workforce import staff_groups

MAX_SCATTER_POINTS = 4000
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]


def payer_colours(scenario) -> dict[str, str]:
    return {payer: PALETTE[i % len(PALETTE)] for i, payer in enumerate(organisations.payers(scenario))}


def text(value) -> str:
    """Scenario text made inert: shown as written, never run as markup."""
    return html.escape(str(value), quote=False)  # quotes are harmless in text and Plotly shows &quot; as is


@dataclass(frozen=True)
class Chart:
    figure: dict  # a Plotly figure as data: {"data": [trace, ...], "layout": {...}}
    caption: str


def _layout(fig: dict, title: str, x: str, y: str, height: int = 460) -> dict:
    fig["layout"].update(title=dict(text=title), height=height, margin=dict(l=70, r=30, t=60, b=60),
                         legend=dict(orientation="h", y=-0.18))
    update_axes(fig, "x", title=dict(text=x))
    update_axes(fig, "y", title=dict(text=y))
    return fig


def _mark_calendar(fig: dict, results: Results) -> None:
    s = results.scenario
    marks = []
    for i, window in enumerate(sorted(s.closed_windows.values(), key=lambda w: w.start)):
        top = i % 2 == 0  # alternate so neighbours do not overlap
        marks.append((dict(type="rect", x0=window.start, x1=window.end, xref="x", y0=0, y1=1, yref="y domain",
                           fillcolor="grey", opacity=0.15, line=dict(width=0)),
                      dict(x=window.start, xref="x", y=1 if top else 0, yref="y domain", showarrow=False,
                           text=f"closed: {text(window.name)}", xanchor="left", yanchor="top" if top else "bottom")))
    marks += [_vline(s.planned_go_live.value, "planned go-live", "#d62728"),
              _vline(s.vesting_day.value, "vesting day", "#9467bd")]
    _add_marks(fig, marks)


def _vline(day, label: str, colour: str) -> tuple[dict, dict]:
    """A dashed line across the plot at `day`, and its label (add_vline's annotation needs numbers on a
    date axis)."""
    return (dict(type="line", x0=day, x1=day, y0=0, y1=1, yref="paper", line=dict(color=colour, dash="dash")),
            dict(x=day, y=1, yref="paper", text=label, showarrow=False, yanchor="bottom", font=dict(color=colour)))


def _add_marks(fig: dict, marks: list[tuple[dict, dict]]) -> None:
    """(shape, annotation) pairs: a shape across the plot and its label."""
    layout = fig["layout"]
    layout["shapes"] = layout.get("shapes", []) + [shape for shape, _ in marks]
    layout["annotations"] = layout.get("annotations", []) + [note for _, note in marks]


# --- when -------------------------------------------------------------------------------------
def go_live_histogram(results: Results) -> Chart:
    shares = analysis.go_live_shares(results)
    fig = figure([dict(type="bar", x=shares.index, y=100 * shares.values, name="go-live",
                       hovertemplate="%{x|%d %b %Y}: %{y:.1f}% of futures<extra></extra>")])
    _mark_calendar(fig, results)
    _layout(fig, f"When {text(results.scenario.programmes[results.scenario.go_live.programme].name)} goes live",
            "go-live date", "share of replications (%)")
    return Chart(fig, "Each bar is a go-live slot (the first of a month) and the share of simulated futures "
                      "that go live on it; shaded spans are closed windows.")


def _s_curve_trace(name: str, results: Results) -> dict:
    shares = analysis.go_live_shares(results).cumsum()
    return dict(type="scatter", x=shares.index, y=100 * shares.values, mode="lines+markers", line=dict(shape="hv"),
                name=text(name),
                hovertemplate="live by %{x|%d %b %Y} in %{y:.1f}% of futures<extra>" + text(name) + "</extra>")


def go_live_s_curve(named: list[tuple[str, Results]]) -> Chart:
    fig = figure([_s_curve_trace(name, results) for name, results in named])
    _mark_calendar(fig, named[0][1])
    _add_marks(fig, [(dict(type="line", x0=0, x1=1, xref="x domain", y0=80, y1=80, yref="y",
                           line=dict(color="black", dash="dot")),
                      dict(x=1, xref="x domain", y=80, yref="y", text="P80", showarrow=False, xanchor="right",
                           yanchor="bottom"))])
    _layout(fig, "Confidence of going live by each date (S-curve)", "go-live date",
            "share of replications live by then (%)")
    return Chart(fig, "Read across from a confidence level to the date by which the service is live in that "
                      "share of futures: where a curve crosses 80% is its P80 date.")


# --- the risk-adjusted Gantt ------------------------------------------------------------------------
GANTT_TASKS = 60  # a larger plan shows its most critical tasks and one summary row per workstream for the rest


def gantt_rows(results: Results, limit: int = GANTT_TASKS) -> tuple[pd.DataFrame, int]:
    """The Gantt's rows and how many tasks they leave out: every task, or for a plan of more than `limit`
    tasks the `limit` most critical and, per workstream, one row spanning its other tasks (the earliest
    start percentiles, the latest finish percentiles, the highest criticality)."""
    table = analysis.gantt_table(results)
    table = table.assign(label=[f"{text(w)} · {text(n)}" for w, n in zip(table["workstream"], table["name"])])
    if len(table) <= limit:
        return table, 0
    order = table.assign(_late=table["finish_p50"]).sort_values(["criticality", "_late"], ascending=False)
    shown = table.index.isin(order.index[:limit])
    rest = table[~shown].groupby("workstream", sort=False).agg(
        programme=("programme", "first"), count=("task_id", "size"),
        start_p10=("start_p10", "min"), start_p50=("start_p50", "min"), start_p90=("start_p90", "min"),
        finish_p10=("finish_p10", "max"), finish_p50=("finish_p50", "max"), finish_p90=("finish_p90", "max"),
        criticality=("criticality", "max")).reset_index()
    rest = rest.assign(task_id="", name=[f"{n:,} other tasks" for n in rest["count"]],
                       label=[f"{text(w)} · {n:,} other tasks" for w, n in zip(rest["workstream"], rest["count"])])
    rows = pd.concat([table[shown], rest.drop(columns="count")], ignore_index=True)
    go_live_first = rows["programme"] == results.scenario.go_live.programme
    rows = rows.assign(_first=go_live_first, _rest=rows["task_id"] == "").sort_values(
        ["_first", "programme", "workstream", "_rest", "start_p50"], ascending=[False, True, True, True, True])
    return rows.drop(columns=["_first", "_rest"]).reset_index(drop=True), int((~shown).sum())


def _bands(rows: pd.DataFrame, band: str) -> tuple[np.ndarray, np.ndarray]:
    """One line trace's points: a P10-P90 segment per row, separated by gaps (None)."""
    gaps = np.full(len(rows), None, dtype=object)
    xs = np.column_stack([rows[f"{band}_p10"].to_numpy(dtype=object), rows[f"{band}_p90"].to_numpy(dtype=object), gaps])
    ys = np.column_stack([rows["label"].to_numpy(dtype=object), rows["label"].to_numpy(dtype=object), gaps])
    return xs.ravel(), ys.ravel()


def gantt(results: Results) -> Chart:
    table, left_out = gantt_rows(results)
    traces = []
    summary = table["task_id"] == ""  # the rows standing for a workstream's other tasks: one grey group
    # a colour per workstream; a large plan's shown tasks span more workstreams than there are colours,
    # so there a colour per programme
    by = "programme" if left_out else "workstream"
    groups = [(text(w), rows, PALETTE[i % len(PALETTE)])
              for i, (w, rows) in enumerate(table[~summary].groupby(by, sort=False))]
    if summary.any():
        groups.append(("other tasks, by workstream", table[summary], "#9a9a9a"))
    for workstream, rows, colour in groups:
        for band, width in (("start", 5), ("finish", 11)):
            xs, ys = _bands(rows, band)
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", line=dict(color=colour, width=width),
                               opacity=0.45 if band == "start" else 0.8, name=f"{workstream} ({band})",
                               legendgroup=workstream, showlegend=band == "finish", hoverinfo="skip"))
        traces.append(dict(
            type="scatter", x=rows["finish_p50"], y=rows["label"], mode="markers", marker=dict(color=colour, size=9, symbol="diamond"),
            legendgroup=workstream, showlegend=False, name=workstream,
            customdata=np.stack([100 * rows["criticality"], rows["start_p50"].dt.strftime("%d %b %Y"),
                                 rows["finish_p10"].dt.strftime("%d %b %Y"),
                                 rows["finish_p90"].dt.strftime("%d %b %Y")], axis=1),
            hovertemplate="%{y}<br>median start %{customdata[1]}, median finish %{x|%d %b %Y}<br>"
                          "finish P10-P90 %{customdata[2]} to %{customdata[3]}<br>"
                          "criticality %{customdata[0]:.0f}%<extra></extra>"))
        traces.append(dict(type="scatter", x=rows["start_p50"], y=rows["label"], mode="markers",
                           marker=dict(color=colour, size=7, symbol="line-ns-open"), legendgroup=workstream,
                           showlegend=False, hovertemplate="%{y}<br>median start %{x|%d %b %Y}<extra></extra>"))
    fig = figure(traces)
    _add_marks(fig, [_vline(results.scenario.vesting_day.value, "vesting day", "#9467bd"),
                     _vline(results.scenario.planned_go_live.value, "planned go-live", "#d62728")])
    update_axes(fig, "y", autorange="reversed", categoryorder="array", categoryarray=list(table["label"]))
    title = "Risk-adjusted Gantt: each task's start and finish, P10 to P90"
    if left_out:
        title = f"Risk-adjusted Gantt: the {GANTT_TASKS} most critical tasks, P10 to P90, the rest by workstream"
    _layout(fig, title, "date", "task (by workstream)", height=max(500, 22 * len(table) + 160))
    caption = ("Thin bars span the P10-P90 start dates, thick bars the P10-P90 finish dates; diamonds mark "
               "the median finish. Hover a diamond for the task's criticality.")
    if left_out:
        caption += (f" The plan has {len(results.task_info):,} tasks, coloured by programme: a row '… other tasks' "
                    "stands for the "
                    f"{left_out:,} not shown, from the earliest start to the latest finish of that workstream's "
                    "others, with the highest criticality among them; every task is in the board pack "
                    "(board-pack.xlsx, sheet Drivers).")
    return Chart(fig, caption)


# --- why -------------------------------------------------------------------------------------------
def criticality_chart(results: Results, top: int = 15) -> Chart:
    table = analysis.task_criticality(results).head(top).iloc[::-1]
    fig = figure([dict(type="bar", x=100 * table["criticality"], y=[text(n) for n in table["name"]],
                       orientation="h", customdata=[text(w) for w in table["workstream"]],
                       hovertemplate="%{y} (%{customdata})<br>on the critical chain in %{x:.1f}% of futures"
                                     "<extra></extra>")])
    _layout(fig, f"Criticality: the {top} tasks most often setting the readiness date",
            "share of replications on the critical chain (%)", "task", height=520)
    return Chart(fig, "A task with 100% criticality sets the readiness date in every simulated future; "
                      "shortening a task near 0% changes nothing.")


def correlation_tornado(results: Results, top: int = 15) -> Chart:
    table = analysis.task_drivers(results).dropna(subset=["spearman_with_go_live"])
    table = table.reindex(table["spearman_with_go_live"].abs().sort_values(ascending=False).index).head(top)
    table = table.iloc[::-1]
    fig = figure([dict(type="bar", x=table["spearman_with_go_live"], y=[text(n) for n in table["name"]],
                       orientation="h",
                       marker=dict(color=np.where(table["spearman_with_go_live"] >= 0, "#d62728", "#1f77b4")),
                       hovertemplate="%{y}<br>Spearman correlation with go-live %{x:.2f}<extra></extra>")])
    _layout(fig, "Tornado: how each task's duration moves go-live", "Spearman rank correlation with go-live date",
            "task", height=520)
    return Chart(fig, "Longer bars are tasks whose duration goes with a later go-live; a bar near zero barely "
                      "matters, whatever its length.")


def risk_tornado(risks: pd.DataFrame, replications: int) -> Chart:
    table = risks.sort_values("mean_shift_days")
    fig = figure([dict(
        type="bar", x=table["mean_shift_days"], y=[text(n) for n in table["name"]], orientation="h",
        customdata=np.stack([100 * table["struck_share"], table["p50_shift_days"], table["p80_shift_days"],
                             100 * table["effective_share"]], axis=1),
        hovertemplate="%{y}<br>go-live %{x:.1f} days earlier on average without it<br>struck in %{customdata[0]:.0f}% "
                      "of futures, changed a date in %{customdata[3]:.0f}%; P50 shift %{customdata[1]} days, "
                      "P80 shift %{customdata[2]} days<extra></extra>")])
    _layout(fig, "Tornado: what removing each risk is worth", "mean go-live shift when removed (days)", "risk",
            height=max(420, 18 * len(table) + 160))
    return Chart(fig, f"Each risk is switched off in turn and the first {replications:,} replications re-run with "
                      "the same random numbers, so the bar is that risk's own effect on go-live.")


# --- how much ------------------------------------------------------------------------------------------
def cumulative_cost_fan(results: Results) -> Chart:
    bands = analysis.cumulative_cost_bands(results, TRANSITION) / 1e6
    months = bands.columns
    fig = figure([
        dict(type="scatter", x=months, y=bands.loc[0.9], mode="lines", line=dict(width=0), name="P90",
             showlegend=False, hovertemplate="%{x|%b %Y}: P90 £%{y:.1f}m<extra></extra>"),
        dict(type="scatter", x=months, y=bands.loc[0.1], mode="lines", line=dict(width=0), fill="tonexty",
             fillcolor="rgba(31,119,180,0.25)", name="P10-P90", hovertemplate="%{x|%b %Y}: P10 £%{y:.1f}m"
                                                                               "<extra></extra>"),
        dict(type="scatter", x=months, y=bands.loc[0.5], mode="lines", line=dict(color="#1f77b4"), name="median",
             hovertemplate="%{x|%b %Y}: median £%{y:.1f}m<extra></extra>")])
    _add_marks(fig, [_vline(results.scenario.vesting_day.value, "vesting day", "#9467bd")])
    _layout(fig, "Cumulative transition cost", "month", "cumulative transition cost (£m)")
    return Chart(fig, "Programme burn, set-up, risk costs and dual running added up month by month: the band "
                      "holds 80% of simulated futures, the line is the median.")


def cost_by_year_and_payer(results: Results) -> Chart:
    table = analysis.money_by_year_and_payer(results) / 1e6
    colours = payer_colours(results.scenario)
    names = {p: text(organisations.display_name(results.scenario, p)) for p in table.columns}
    fig = figure([dict(type="bar", x=list(table.index.astype(str)), y=table[payer], name=names[payer],
                       marker=dict(color=colours[payer]),
                       hovertemplate=f"{names[payer]}, %{{x}}: £%{{y:.1f}}m<extra></extra>")
                  for payer in table.columns], barmode="relative")
    _layout(fig, "Who pays what, by financial year", "financial year (1 April - 31 March)",
            "mean over replications (£m)")
    return Chart(fig, "All money of the service and the transition (service, contract sum, programme, dual "
                      "running), by payer; a funder's transition funding shows as its bar and as a small "
                      "negative for the council it funds.")


def go_live_cost_scatter(results: Results) -> Chart:
    reps = results.replications
    step = max(1, int(np.ceil(len(reps) / MAX_SCATTER_POINTS)))
    shown = reps.iloc[::step]
    offsets = pd.to_timedelta((np.arange(len(shown)) % 15) - 7, unit="D")  # spread points within a slot
    traces = [dict(
        type="scatter", x=shown["go_live_date"] + offsets, y=shown["transition_cost_gbp"] / 1e6, mode="markers", name="replication",
        marker=dict(size=4, opacity=0.4), customdata=shown["go_live_date"].dt.strftime("%d %b %Y"),
        hovertemplate="go-live %{customdata}<br>transition cost £%{y:.2f}m<extra></extra>")]
    frontier = analysis.joint_frontier(results)
    for level, colour in ((70, "#ff7f0e"), (80, "#d62728")):
        column = f"cost_at_{level}pct_gbp"
        points = frontier.dropna(subset=[column])
        traces.append(dict(type="scatter", x=points["go_live_by"], y=points[column] / 1e6, mode="lines+markers",
                           line=dict(color=colour, shape="hv"), name=f"{level}% joint confidence",
                           hovertemplate=f"{level}%: live by %{{x|%d %b %Y}} and cost at most £%{{y:.2f}}m"
                                         "<extra></extra>"))
    fig = figure(traces)
    _layout(fig, "Go-live against transition cost, with the joint-confidence frontier", "go-live date",
            "transition cost (£m)")
    note = f" (every {step}th replication shown)" if step > 1 else ""
    return Chart(fig, "Each dot is one simulated future, spread by up to a week within its go-live slot" + note +
                      "; on a frontier line, P(go-live by that date and cost at most that much) reaches 70% or 80%.")


# --- who -------------------------------------------------------------------------------------------------
def staff_sankey(results: Results) -> Chart:
    groups = staff_groups(results.scenario)
    services = {k: text(s.name) for k, s in results.scenario.services.items()}
    per_service = groups.groupby("service_id").agg(in_scope=("in_scope", "first"), permanent=("permanent_headcount", "sum"),
                                                   agency=("agency_headcount", "sum"))
    provider = results.scenario.delivery.provider
    receiver = f"{organisations.display_name(results.scenario, provider)} (TUPE transfer)" if provider else \
        "The new councils (structural changes order)"
    targets = [text(receiver), "Stays with the council", "Agency workers (do not transfer)"]
    labels = [services[k] for k in per_service.index] + targets
    source, target, value = [], [], []
    for i, (_, row) in enumerate(per_service.iterrows()):
        if row["in_scope"]:
            source += [i, i]
            target += [len(per_service), len(per_service) + 2]
            value += [row["permanent"], row["agency"]]
        else:
            source.append(i)
            target.append(len(per_service) + 1)
            value.append(row["permanent"] + row["agency"])
    fig = figure([dict(type="sankey", node=dict(label=labels, pad=14),
                       link=dict(source=source, target=target, value=value,
                                 hovertemplate="%{source.label} → %{target.label}: %{value:,.0f} staff"
                                               "<extra></extra>"))])
    _layout(fig, "Who moves: staff from the predecessor's services at go-live", "", "", height=480)
    return Chart(fig, "Band widths are headcount: permanent staff of in-scope services move to the new arrangement "
                      "(to a separate provider under TUPE, else to the new councils by the structural changes order); "
                      "agency workers are not employees and do not; out-of-scope services stay.")


def agency_share_over_time(results: Results, years: int = 6) -> Chart:
    paths = analysis.agency_share_paths(results, years)
    t, bands = paths["year"], [100 * paths[c] for c in ("p10", "p50", "p90")]
    fig = figure([
        dict(type="scatter", x=t, y=bands[2], mode="lines", line=dict(width=0), name="P90", showlegend=False,
             hovertemplate="year %{x}: P90 %{y:.1f}%<extra></extra>"),
        dict(type="scatter", x=t, y=bands[0], mode="lines", line=dict(width=0), fill="tonexty",
             fillcolor="rgba(255,127,14,0.25)", name="P10-P90", hovertemplate="year %{x}: P10 %{y:.1f}%<extra></extra>"),
        dict(type="scatter", x=t, y=bands[1], mode="lines+markers", line=dict(color="#ff7f0e"), name="median",
             hovertemplate="year %{x}: median %{y:.1f}%<extra></extra>")])
    _layout(fig, "Agency share of the service's workforce after go-live", "years after go-live",
            "agency share of FTE (%)")
    return Chart(fig, "The share of FTE filled by agency workers as they convert to permanent posts at an "
                      "uncertain rate; a flat band is the 2023 reality of continued recruitment pressure.")


# --- who commissions whom ---------------------------------------------------------------------------------------
def node_positions(graph) -> dict[str, tuple[float, float]]:
    """Layers from the top: those with no incoming edge, then each step down the edges; the service last."""
    depth = {n: 0 for n in graph.nodes}
    for node in graph.topological_order() or graph.nodes:
        for child in graph.successors(node):
            depth[child] = max(depth[child], depth[node] + 1)
    depth[organisations.SERVICE] = max(depth.values()) + 1 if len(depth) > 1 else 0
    layers: dict[int, list[str]] = {}
    for node in graph.nodes:
        layers.setdefault(depth[node], []).append(node)
    bottom = max(layers)
    return {node: ((i + 1) / (len(nodes) + 1), 1.0 - layer / max(bottom, 1))
            for layer, nodes in layers.items() for i, node in enumerate(nodes)}


def organisations_network(results: Results) -> Chart:
    phases = organisations.phases(results.scenario)
    layout, refs = side_by_side([f"{p.name} (from {p.start:%b %Y})" for p in phases])
    traces = []
    for phase, (x, y) in zip(phases, refs):
        graph = phase.graph
        positions = node_positions(graph)
        for a, b, relation in graph.edges():
            (x0, y0), (x1, y1) = positions[a], positions[b]
            traces.append(dict(type="scatter", x=[x0, x1], y=[y0, y1], mode="lines", line=dict(color="#999", width=2),
                               showlegend=False, hoverinfo="skip", xaxis=x, yaxis=y))
            traces.append(dict(type="scatter", x=[(x0 + x1) / 2], y=[(y0 + y1) / 2], mode="markers",
                               marker=dict(size=8, color="#999", symbol="triangle-down"), showlegend=False,
                               hovertemplate=f"{text(a)} → {text(b)}: {relation}<extra></extra>",
                               xaxis=x, yaxis=y))
        nodes = list(graph.nodes)
        traces.append(dict(type="scatter", x=[positions[n][0] for n in nodes], y=[positions[n][1] for n in nodes],
                           mode="markers+text", text=[text(n) for n in nodes], textposition="bottom center",
                           marker=dict(size=18, color="#1f77b4"), showlegend=False,
                           hovertemplate="%{text}<extra></extra>", xaxis=x, yaxis=y))
    fig = figure(traces, **layout)
    update_axes(fig, "x", range=[-0.1, 1.1], showticklabels=False, showgrid=False, zeroline=False)
    update_axes(fig, "y", range=[-0.2, 1.15], showticklabels=False, showgrid=False, zeroline=False)
    _layout(fig, "Who owns, commissions and funds whom, phase by phase", "organisations (position has no scale)", "",
            height=460)
    return Chart(fig, "Arrows point from the organisation that runs, owns, commissions or funds to the one it "
                      "acts on; hover an arrowhead for the relation.")


# --- pages -------------------------------------------------------------------------------------------------------
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.caption { color: #555; margin: 0.2em 0 1.5em; }
table.headline { border-collapse: collapse; } table.headline td, table.headline th { padding: 4px 14px; text-align: left; }
table.headline th { background: #f3f3f3; }
.meta { color: #666; }
.warnings { border: 2px solid #d62728; padding: 0 1em; margin: 1em 0; }
"""


def _headline_rows(results: Results) -> list[tuple[str, str]]:
    f = analysis.figures(results)["value"]
    date = lambda key: f[key].strftime("%d %b %Y")  # noqa: E731
    rows = [("Planned go-live", results.scenario.planned_go_live.value.strftime("%d %b %Y")),
            ("Go-live P50 / P80", f"{date('go_live_p50')} / {date('go_live_p80')}"),
            ("P(go-live on the planned date)", f"{100 * f['p_on_time']:.1f}%"),
            ("P(go-live before vesting day)", f"{100 * f['p_live_before_vesting']:.1f}%")]
    if "transition_cost_p50" in f.index:
        rows += [("Transition cost P50 / P80", f"£{f['transition_cost_p50'] / 1e6:.1f}m / "
                                               f"£{f['transition_cost_p80'] / 1e6:.1f}m"),
                 ("Staff transferred (TUPE)", f"{int(f['staff_transferred']):,}")]
    return rows


def _headline_table(named: list[tuple[str, Results]]) -> str:
    rows = [_headline_rows(results) for _, results in named]
    head = "".join(f"<th>{text(name)}</th>" for name, _ in named)
    body = "".join("<tr><td>" + label + "</td>" + "".join(f"<td>{r[i][1]}</td>" for r in rows) + "</tr>"
                   for i, (label, _) in enumerate(rows[0]))
    return f'<table class="headline"><tr><th></th>{head}</tr>{body}</table>'


def chart_html(chart: Chart, number: int) -> str:
    """A chart as the page shows it, the page's chart `number` (counted from 1)."""
    div = pio.to_html(chart.figure, validate=False, full_html=False, include_plotlyjs=False,
                      div_id=f"chart-{number}", config={"displaylogo": False, "responsive": True})
    return f'<div class="chart">{div}</div><p class="caption">{text(chart.caption)}</p>'


def page(title: str, intro: str, sections: list[tuple[str, list[Chart | str]]]) -> str:
    """One self-contained HTML page: plotly.js embedded once, no network requests. A chart given as text is
    `chart_html` of it already, at its place."""
    parts = []
    count = 0
    for heading, charts in sections:
        parts.append(f"<h2>{text(heading)}</h2>")
        for chart in charts:
            count += 1
            parts.append(chart if isinstance(chart, str) else chart_html(chart, count))
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{text(title)}</title>"
            f"<style>{STYLE}</style><script type=\"text/javascript\">{plotly.offline.get_plotlyjs()}</script>"
            f"</head><body><h1>{text(title)}</h1>{intro}{''.join(parts)}</body></html>")


def run_page(results: Results, risks: pd.DataFrame, risk_replications: int, warnings: list[str] = (),
             outside_view: str = "", ready: dict[int, str] | None = None) -> str:
    """The run's page; `ready`, from `timeline_charts` of its timeline, holds the charts made already."""
    s = results.scenario
    intro = (f"<p>{text(s.description)}</p><p class=\"meta\">{results.runs:,} replications, seed {results.seed}; "
             f"vesting day {s.vesting_day.value:%d %b %Y}</p>" + _headline_table([(s.name, results)]) + outside_view)
    intro = warning_box(warnings) + intro
    ready = ready or {}
    layout = _numbered(run_layout(results, risks, risk_replications, results.ledger is not None))
    sections = [(heading, [ready[n] if n in ready else make() for n, _, make in charts]) for heading, charts in layout]
    return page(f"transition-sim: {s.name}", intro, sections)


def run_sections(results: Results, risks: pd.DataFrame, risk_replications: int) -> list[tuple[str, list[Chart]]]:
    """The charts of a run's page, by section."""
    return [(heading, [make() for _, make in charts])
            for heading, charts in run_layout(results, risks, risk_replications, results.ledger is not None)]


def timeline_charts(timeline: Results) -> dict[int, str]:
    """The charts of the run's page that need only its timeline, as the page shows them (`chart_html`), by
    their number on it: made while the money and the risks' re-runs are worked out, and the same as if made
    after them (`run_page(ready=...)`). The page has money charts when the scenario has a finance: section."""
    layout = _numbered(run_layout(timeline, None, 0, timeline.scenario.finance is not None))
    return {n: chart_html(make(), n) for _, charts in layout for n, later, make in charts if not later}


def run_layout(results: Results, risks: pd.DataFrame | None, risk_replications: int,
               money: bool) -> list[tuple[str, list[tuple[bool, Callable[[], Chart]]]]]:
    """The charts of a run's page by section, each as (whether it needs more than the timeline: the money or
    the risks' re-runs, how to make it). `money`: whether the run has a ledger."""
    s = results.scenario
    sections = [("When", [(False, lambda: go_live_histogram(results)),
                          (False, lambda: go_live_s_curve([(s.name, results)]))]),
                ("Risk-adjusted plan", [(False, lambda: gantt(results))]),
                ("Why", [(False, lambda: criticality_chart(results)), (False, lambda: correlation_tornado(results)),
                         (True, lambda: risk_tornado(risks, risk_replications))])]
    if money:
        sections += [("How much", [(True, lambda: cumulative_cost_fan(results)),
                                   (True, lambda: cost_by_year_and_payer(results)),
                                   (True, lambda: go_live_cost_scatter(results))]),
                     ("Who", [(True, lambda: staff_sankey(results)), (True, lambda: agency_share_over_time(results))])]
    sections.append(("Who commissions whom", [(False, lambda: organisations_network(results))]))
    sections += [(heading, [(later, lambda make=make: Chart(*make())) for later, make in figures])
                 for heading, figures in schedule_charts.sections(results)]
    return sections


def _numbered(layout: list) -> list[tuple[str, list[tuple[int, bool, Callable[[], Chart]]]]]:
    """The layout with each chart's number on the page (from 1, in order)."""
    count = itertools.count(1)
    return [(heading, [(next(count), later, make) for later, make in charts]) for heading, charts in layout]


def warning_box(warnings: list[str]) -> str:
    """Valid but absurd input, said before any figure it distorts."""
    if not warnings:
        return ""
    items = "".join(f"<li>{text(w)}</li>" for w in warnings)
    return f'<div class="warnings" role="alert"><strong>Warnings</strong><ul>{items}</ul></div>'


def cost_boxes(named: list[tuple[str, Results]]) -> Chart:
    fig = figure([dict(type="box", y=results.replications["transition_cost_gbp"] / 1e6, name=text(name),
                       boxpoints=False, hovertemplate="£%{y:.2f}m<extra>" + text(name) + "</extra>")
                  for name, results in named if "transition_cost_gbp" in results.replications])
    _layout(fig, "Transition cost by scenario", "scenario", "transition cost (£m)")
    return Chart(fig, "Boxes span the middle half of simulated futures, whiskers the range without outliers; "
                      "the line is the median.")


def go_live_bars(named: list[tuple[str, Results]]) -> Chart:
    shares = [(name, analysis.go_live_shares(results)) for name, results in named]
    fig = figure([dict(type="bar", x=share.index, y=100 * share.values, name=text(name),
                       hovertemplate="%{x|%d %b %Y}: %{y:.1f}%<extra>" + text(name) + "</extra>")
                  for name, share in shares], barmode="group")
    _mark_calendar(fig, named[0][1])
    _layout(fig, "Go-live slots by scenario", "go-live date", "share of replications (%)")
    return Chart(fig, "For each slot, one bar per scenario: the share of its simulated futures going live then.")


def successors_of(named: list[tuple[str, Results]]) -> dict[str, str]:
    """The successor councils of all options, id -> name, in order of first appearance."""
    out: dict[str, str] = {}
    for _, results in named:
        for key, council in results.scenario.successors.items():
            out.setdefault(key, council.name)
    return out


def yearly_cost_by_council_chart(named: list[tuple[str, Results]]) -> Chart:
    table = analysis.options_table(named)
    councils = successors_of(named)
    traces = []
    for option, row in table.iterrows():
        cost = lambda k, p: row.get(f"{k}_yearly_p{p}_gbp")  # noqa: E731
        keys = [k for k in councils if cost(k, 50) is not None and not pd.isna(cost(k, 50))]
        p50 = np.array([cost(k, 50) for k in keys]) / 1e6
        traces.append(dict(
            type="bar", x=[text(councils[k]) for k in keys], y=p50, name=text(option),
            error_y=dict(type="data", symmetric=False, array=np.array([cost(k, 90) for k in keys]) / 1e6 - p50,
                         arrayminus=p50 - np.array([cost(k, 10) for k in keys]) / 1e6),
            hovertemplate="%{x}: P50 £%{y:.1f}m a year<extra>" + text(option) + "</extra>"))
    fig = figure(traces, barmode="group")
    _layout(fig, "Yearly cost to each new council, by option", "successor council", "mean cost per year after "
            "vesting (£m, P50 with P10-P90)")
    return Chart(fig, "For each new council, one bar per option: its median yearly cost after vesting day (all of "
                      "its money in the ledger), with whiskers from P10 to P90 of simulated futures.")


def options_html(named: list[tuple[str, Results]]) -> str:
    """The delivery-model comparison as a table: per option, go-live, transition cost and yearly cost per council."""
    table = analysis.options_table(named)
    councils = successors_of(named)
    m = lambda v: "" if v is None or pd.isna(v) else f"£{v / 1e6:,.1f}m"  # noqa: E731
    d = lambda v: "" if v is None or pd.isna(v) else pd.Timestamp(v).strftime("%b %Y")  # noqa: E731
    head = ("<tr><th>option</th><th>delivery model</th><th>go-live P50 / P80</th><th>P(on time)</th>"
            "<th>transition cost P50 (P10-P90)</th>"
            + "".join(f"<th>{text(n)}: yearly cost P50 (P10-P90)</th>" for n in councils.values()) + "</tr>")
    body = ""
    for option, row in table.iterrows():
        model = text(row["delivery_model"]) + (f" ({text(row['in_house'])} in house)" if row["in_house"] else "")
        cells = [text(option), model, f"{d(row['go_live_p50'])} / {d(row['go_live_p80'])}",
                 f"{100 * row['p_on_time']:.0f}%",
                 f"{m(row['transition_cost_p50'])} ({m(row['transition_cost_p10'])}-{m(row['transition_cost_p90'])})"]
        cost = lambda k, p: row.get(f"{k}_yearly_p{p}_gbp")  # noqa: E731
        cells += [f"{m(cost(k, 50))} ({m(cost(k, 10))}-{m(cost(k, 90))})" for k in councils]
        body += "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
    return f'<table class="headline">{head}{body}</table>'


def comparison_page(named: list[tuple[str, Results]]) -> str:
    intro = ("<p>Scenarios run with the same seed share their random numbers task by task and risk by risk, "
             "so differences come from the changes, not from noise.</p>" + _headline_table(named))
    sections = [("When", [go_live_s_curve(named), go_live_bars(named)])]
    if all(r.ledger is not None for _, r in named):
        sections.append(("How much", [cost_boxes(named)]))
        sections.append(("Delivery models: cost to each new council", [yearly_cost_by_council_chart(named)]))
        intro += "<h2>Options side by side</h2>" + options_html(named)
    return page("transition-sim: comparison", intro, sections)
