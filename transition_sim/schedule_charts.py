"""Schedule-risk figures for the run page: why it slipped, branches, correlations, convergence.

Each function returns (figure, caption); `report` places them on the page.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from pandas.api.types import is_float_dtype

from transition_sim import analysis
from transition_sim.plotdata import figure
from transition_sim.results import BRANCH
from transition_sim.results import Results

Figure = tuple[dict, str]


def _layout(fig: dict, title: str, x: str, y: str) -> dict:
    fig["layout"].update(title=dict(text=title), height=460, margin=dict(l=70, r=30, t=60, b=60),
                         xaxis=dict(title=dict(text=x)), yaxis=dict(title=dict(text=y)))
    return fig


def slip_waterfall(results: Results) -> Figure:
    table = analysis.slip_drivers(results)
    table = table[table["mean_days"].abs() > 0.05]
    fig = figure([dict(
        type="waterfall", x=list(table["cause"]) + ["mean slip"], y=list(table["mean_days"]) + [0.0],
        measure=["relative"] * len(table) + ["total"],
        text=[f"{v:.1f}" for v in table["mean_days"]] + [f"{results.replications['slip_days'].mean():.1f}"])])
    return (_layout(fig, "Why it slipped: mean days of slip by cause", "", "days"),
            "Each replication's slip is split along its driving path into the plan's own lateness, notice periods, "
            "duration uncertainty, waiting for shared capacity, each risk, and rounding to a go-live slot outside "
            "closed windows; float absorbs them in that order. The bars add up to the mean slip.")


def branch_table(results: Results) -> Figure:
    table = analysis.branch_figures(results).reset_index()
    columns = list(table.columns)
    cells = [[f"{v:.1%}" if c in ("share", "p_on_time") else f"£{v / 1e6:.1f}m" if c.endswith("_gbp")
              else f"{v:.0f}" if isinstance(v, float) else str(v) for v in table[c]] for c in columns]
    fig = figure([dict(type="table", header=dict(values=columns), cells=dict(values=cells))],
                 title=dict(text="Headline figures by branch"), height=200 + 30 * len(table))
    return (fig,
            "Scope decisions open at the scenario's date are drawn in each replication; each row is the replications "
            "of one combination of outcomes.")


def correlation_table(results: Results) -> Figure:
    table = analysis.run_correlation_check(results)
    numeric = [c for c in table.columns if is_float_dtype(table[c])]
    cells = [[f"{v:.3f}" for v in table[c]] if c in numeric else [str(v) for v in table[c]] for c in table.columns]
    fig = figure([dict(type="table", header=dict(values=list(table.columns)), cells=dict(values=cells))],
                 title=dict(text="Correlations: target against achieved"), height=200 + 30 * len(table))
    repaired = bool(table["repaired"].any()) if len(table) else False
    return (fig,
            "Achieved is the Spearman correlation of the sampled durations (or of the uniforms that decide a risk) "
            "over this run's replications." + (" The target matrix was not positive definite and was replaced "
                                               "by the nearest correlation matrix (used)." if repaired else ""))


def running_percentiles(results: Results, points: int = 30) -> Figure:
    days = results.replications["go_live_date"].to_numpy(dtype="datetime64[D]")
    sizes = np.unique(np.linspace(min(50, results.runs), results.runs, points).astype(int))
    ordered = [np.sort(days[:n]) for n in sizes]
    fig = figure([dict(type="scatter", x=sizes, y=[analysis.order_statistic(o, p) for o in ordered],
                       mode="lines+markers", name=f"P{p}") for p in (50, 80)])
    return (_layout(fig, "Go-live P50 and P80 against replications", "replications", "go-live"),
            "The percentiles of the first n replications: once the lines are flat, more replications would not "
            "change the answer (`run --runs auto` stops when the P80 interval is narrow enough).")


def sections(results: Results) -> list[tuple[str, list[tuple[bool, Callable[[], Figure]]]]]:
    """The figures by section, each as (whether it needs the money, how to make it)."""
    why = [(False, lambda: slip_waterfall(results))]
    if results.scenario.correlations:
        why.append((False, lambda: correlation_table(results)))
    out = [("Why it slipped", why)]
    if BRANCH in results.replications:
        out.append(("Branches", [(True, lambda: branch_table(results))]))  # with each branch's cost
    out.append(("How many replications", [(False, lambda: running_percentiles(results))]))
    return out
