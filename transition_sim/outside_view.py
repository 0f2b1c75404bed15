"""The outside view: a scenario's go-live forecast beside what happened to past cases of its kind.

Reference-class forecasting: the class is the English children's trusts and companies in
`models/evidence/childrens-trusts.yaml` that had gone live by the scenario's status date and
have both a planned and an actual date. Each observed rate carries an exact (Clopper-Pearson)
95% binomial interval; a warning is given when the inside view's rate falls outside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from transition_sim.errors import Problem, ScenarioError
from transition_sim.golive import next_open_slot
from transition_sim.intervals import clopper_pearson
from transition_sim.results import Results
from transition_sim.sampling import stream
from transition_sim.scenario import models_dir
from transition_sim.yamltree import load as load_yaml

CLASS_FILE = Path("evidence") / "childrens-trusts.yaml"
DELIVERY_MODELS = ("trust",)  # the delivery models this class describes
DAYS_PER_MONTH = 365.25 / 12
SLIPS = ((0, "on time (slip of 0 months)"), (3, "slip of 3 months or more"), (6, "slip of 6 months or more"))


def reference_class(status: dt.date, path: Path | None = None) -> pd.DataFrame:
    """A row per past case known by `status`: planned month, actual date, slip in whole months."""
    document, _ = load_yaml(path or models_dir() / CLASS_FILE)
    rows = []
    for key, case in document["cases"].items():
        planned, actual = case.get("planned"), case.get("actual")
        if not planned or not actual:
            continue
        day = dt.date.fromisoformat(str(actual["date"]))
        if day > status:
            continue
        year, month = (int(part) for part in str(planned["month"]).split("-"))
        rows.append({"case": key, "name": case["name"], "planned": f"{year}-{month:02d}", "actual": day,
                     "slip_months": max(0, (day.year - year) * 12 + day.month - month)})
    return pd.DataFrame(rows, columns=["case", "name", "planned", "actual", "slip_months"])


ADJUSTMENT = ("each replication goes live at the later of its own go-live and the planned date plus a slip drawn "
              "from the reference class (a bootstrap of the class's observed slips, stream outside_view:slip), moved "
              "to the next open slot: reference-class forecasting's uplift, so P(on time) falls to at most the class's")


def adjusted(results: Results, path: Path | None = None) -> Results:
    """With `outside_view: {apply: true}`, the go-live dates widened to the reference class (see ADJUSTMENT)."""
    scenario = results.scenario
    if scenario.outside_view is None or not scenario.outside_view.apply:
        return results
    if scenario.delivery.model not in DELIVERY_MODELS:
        raise ScenarioError([Problem("scenario", "outside_view.apply", None,
                                     f"the reference class describes children's trusts, not the delivery model "
                                     f"{scenario.delivery.model!r}: no adjustment can be made")])
    cases = reference_class(scenario.status, path)
    if cases.empty:
        return results
    u = stream(results.seed, "outside_view:slip", results.first, results.runs)[:, 0]
    slips = cases["slip_months"].to_numpy()[np.minimum((u * len(cases)).astype(int), len(cases) - 1)]
    planned = scenario.planned_go_live.value
    closed = tuple(sorted((w.start, w.end) for w in scenario.closed_windows.values()))
    slot = {s: next_open_slot(dt.date(planned.year + (planned.month - 1 + s) // 12, (planned.month - 1 + s) % 12 + 1,
                                      1), closed) for s in set(slips.tolist())}
    reps = results.replications.copy()
    inside = reps["go_live_date"]
    outside = pd.to_datetime(pd.Series([slot[s] for s in slips], index=reps.index))
    go_live = inside.where(inside >= outside, outside)
    vesting = pd.Timestamp(scenario.vesting_day.value)
    reps["inside_view_go_live_date"] = inside
    reps["go_live_date"] = go_live
    reps["slip_days"] = (go_live - pd.Timestamp(planned)).dt.days.astype(int)
    reps["on_time"] = go_live <= pd.Timestamp(planned)
    reps["live_before_vesting"] = go_live < vesting
    return dataclasses.replace(results, replications=reps)


def compare(results: Results, path: Path | None = None) -> dict | None:
    """The inside view's P(on time) and slip shares beside the class's, with intervals and warnings."""
    scenario = results.scenario
    if scenario.delivery.model not in DELIVERY_MODELS:
        return None
    cases = reference_class(scenario.status, path)
    if cases.empty:
        return None
    slip_months = results.replications["slip_days"].to_numpy() / DAYS_PER_MONTH
    rows, warnings = [], []
    for months, label in SLIPS:
        observed = cases["slip_months"] <= 0 if months == 0 else cases["slip_months"] >= months
        inside = float(np.mean(slip_months <= 0 if months == 0 else slip_months >= months - 0.5))
        k, n = int(observed.sum()), len(cases)
        low, high = clopper_pearson(k, n, 0.95)
        rows.append({"measure": label, "inside_view": inside, "class_share": k / n, "class_cases": f"{k} of {n}",
                     "class_ci95_low": float(low), "class_ci95_high": float(high)})
        if not low <= inside <= high:
            warnings.append(f"the inside view gives {label} {inside:.1%}, outside the reference class's 95% interval "
                            f"{low:.0%}-{high:.0%} ({k} of {n} past trusts)")
    applied = "inside_view_go_live_date" in results.replications
    if applied:
        before = (results.replications["inside_view_go_live_date"] <= pd.Timestamp(scenario.planned_go_live.value))
        warnings.append(f"outside-view adjustment applied: P(on time) {before.mean():.1%} before it, "
                        f"{results.replications['on_time'].mean():.1%} after; {ADJUSTMENT}")
    return {"cases": cases.assign(actual=cases["actual"].astype(str)).to_dict("records"),
            "rates": rows, "warnings": warnings, "adjusted": applied,
            "method": "reference class: English children's trusts live by the status date (models/evidence); "
                      "slip = actual go-live month minus the first planned month; exact binomial 95% intervals"}


def lines(view: dict) -> list[str]:
    """The comparison as lines of text, for the CLI."""
    out = ["", f"Outside view ({len(view['cases'])} past children's trusts known at the status date)",
           "                                    inside view   past trusts (95% interval)"]
    out += [f"  {r['measure']:32}  {r['inside_view']:8.1%}     {r['class_cases']:>7} = {r['class_share']:.0%} "
            f"({r['class_ci95_low']:.0%}-{r['class_ci95_high']:.0%})" for r in view["rates"]]
    out += [f"  warning: {w}" for w in view["warnings"]]
    return out


def html(view: dict | None) -> str:
    """The comparison as a small HTML table, for the run's report."""
    if view is None:
        return ""
    rows = "".join(f"<tr><td>{r['measure']}</td><td>{r['inside_view']:.1%}</td><td>{r['class_cases']} = "
                   f"{r['class_share']:.0%} ({r['class_ci95_low']:.0%}-{r['class_ci95_high']:.0%})</td></tr>"
                   for r in view["rates"])
    warnings = "".join(f"<p><strong>Warning:</strong> {w}</p>" for w in view["warnings"])
    return (f"<h2>Outside view</h2><table class=\"headline\"><tr><th></th><th>inside view</th>"
            f"<th>past trusts (95% interval)</th></tr>{rows}</table>{warnings}<p class=\"caption\">{view['method']}</p>")
