"""The backtest page: the PIT histogram, and each measure's forecast with what happened."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from transition_sim.backtest import EPOCH, column_of
from transition_sim.plotdata import figure, update_axes
from transition_sim.report import Chart, page, text

YEAR_MEASURE = re.compile(r"^(?P<family>[a-z_]+)\.(?P<year>\d{4}/\d{2})(?:\.(?P<payer>\w+))?$")


def _styled(fig: dict, title: str, x: str, y: str) -> dict:
    fig["layout"].update(title=dict(text=title), height=420, legend=dict(orientation="h", y=-0.2),
                         margin=dict(l=70, r=30, t=60, b=60))
    update_axes(fig, "x", title=dict(text=x))
    update_axes(fig, "y", title=dict(text=y))
    return fig


def pit_histogram(table: pd.DataFrame) -> Chart:
    counts, edges = np.histogram(table["percentile"], bins=10, range=(0, 100))
    level = len(table) / 10
    fig = figure([dict(type="bar", x=(edges[:-1] + edges[1:]) / 2, y=counts, width=9, name="actuals",
                       hovertemplate="percentile %{x:.0f} ± 5: %{y} actuals<extra></extra>")],
                 shapes=[dict(type="line", x0=0, x1=1, xref="x domain", y0=level, y1=level, yref="y",
                              line=dict(dash="dash"))],
                 annotations=[dict(x=1, xref="x domain", y=level, yref="y", text="a calibrated forecast (uniform)",
                                   showarrow=False, xanchor="right", yanchor="bottom")])
    _styled(fig, "Where the actuals fall in the forecast (PIT histogram)", "percentile of the actual (0-100)",
            "actuals")
    return Chart(fig, "For a calibrated forecast the bars are level. A U shape (actuals in the tails) means the "
                      "forecast is too narrow; a hump in the middle, too wide; a slope, biased.")


def _year_columns(columns, family: str, payer: str | None) -> list[tuple[str, str]]:
    tail = f"_{payer}_gbp" if payer else "_gbp"
    pattern = re.compile(rf"^{family}_(\d{{4}})_(\d{{2}}){re.escape(tail)}$")
    return sorted((f"{m.group(1)}/{m.group(2)}", c) for c in columns if (m := pattern.match(c)))


def fan_chart(replications: pd.DataFrame, table: pd.DataFrame, family: str, payer: str | None) -> Chart:
    years = _year_columns(replications.columns, family, payer)
    labels = [y for y, _ in years]
    bands = np.array([np.quantile(replications[c], [0.1, 0.5, 0.9]) for _, c in years]) / 1e6
    name = family.replace("_", " ") + (f" ({payer})" if payer else "")
    mine = table[[(m := YEAR_MEASURE.match(x)) is not None and m["family"] == family and m["payer"] == payer
                  for x in table["measure"]]]
    fig = figure([
        dict(type="scatter", x=labels, y=bands[:, 2], line=dict(width=0), showlegend=False, hoverinfo="skip"),
        dict(type="scatter", x=labels, y=bands[:, 0], fill="tonexty", line=dict(width=0), name="P10-P90",
             fillcolor="rgba(31,119,180,0.25)", hoverinfo="skip"),
        dict(type="scatter", x=labels, y=bands[:, 1], name="P50", mode="lines+markers",
             hovertemplate="%{x}: P50 £%{y:.1f}m<extra></extra>"),
        dict(type="scatter", x=[YEAR_MEASURE.match(x)["year"] for x in mine["measure"]], y=mine["actual"] / 1e6,
             mode="markers", marker=dict(size=11, color="#d62728"), name="actual",
             hovertemplate="%{x}: actual £%{y:.1f}m<extra></extra>")])
    _styled(fig, f"{text(name)} by financial year: forecast and actual", "financial year", "£m")
    return Chart(fig, "The band holds 80% of simulated futures in each year, the line is the median, the dots "
                      "are what happened.")


def single_chart(replications: pd.DataFrame, row: pd.Series) -> Chart:
    values = replications[column_of(row["measure"], replications.columns)]
    actual = (EPOCH + np.timedelta64(int(round(row["actual"])), "D")).astype("datetime64[D]") if row["is_date"] \
        else row["actual"]
    fig = figure([dict(type="histogram", x=values, histnorm="percent", name="simulated",
                       hovertemplate="%{x}: %{y:.1f}%<extra></extra>")],
                 shapes=[dict(type="line", x0=actual, x1=actual, y0=0, y1=1, yref="paper",
                              line=dict(color="#d62728", width=3))],
                 annotations=[dict(x=actual, y=1, yref="paper", text="actual", showarrow=False, yanchor="bottom",
                                   font=dict(color="#d62728"))])
    unit = "date" if row["is_date"] else "value"
    _styled(fig, f"{text(row['measure'])}: forecast and actual", unit, "share of replications (%)")
    return Chart(fig, f"Simulated futures and the actual (percentile {row['percentile']:.1f}).")


def backtest_page(name: str, replications: pd.DataFrame, table: pd.DataFrame, summary: str) -> str:
    charts = [pit_histogram(table)]
    families = []
    for measure in table["measure"]:
        m = YEAR_MEASURE.match(measure)
        if m is not None and (m["family"], m["payer"]) not in families:
            families.append((m["family"], m["payer"]))
    charts += [fan_chart(replications, table, family, payer) for family, payer in families]
    charts += [single_chart(replications, row) for _, row in table.iterrows()
               if YEAR_MEASURE.match(row["measure"]) is None]
    rows = "".join(f"<tr><td>{text(r['measure'])}</td><td>{r['percentile']:.1f}</td>"
                   f"<td>{'yes' if r['inside_p10_p90'] else 'no'}</td></tr>" for _, r in table.iterrows())
    intro = (f"<p>{text(summary)}</p><table class=\"headline\"><tr><th>measure</th><th>percentile</th>"
             f"<th>inside P10-P90</th></tr>{rows}</table>")
    return page(f"transition-sim backtest: {name}", intro, [("Calibration", charts)])
