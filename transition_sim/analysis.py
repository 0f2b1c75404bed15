"""Answers from the results tables: P-dates, on-time probabilities, what sets the critical path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from transition_sim.costs import CONTRACT, PAYERS
from transition_sim.montecarlo import Results

PERCENTILES = (10, 50, 80, 90)


def percentile_dates(dates: pd.Series, percentiles=PERCENTILES) -> dict[str, pd.Timestamp]:
    """The date by which the event has happened in p% of replications (an observed date, not interpolated)."""
    values = dates.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return {f"P{p}": pd.Timestamp(np.quantile(values, p / 100, method="inverted_cdf").astype("datetime64[D]"))
            for p in percentiles}


def proportion(flags: pd.Series) -> dict[str, float]:
    """A share of replications with its Monte Carlo standard error."""
    n = len(flags)
    p = float(flags.mean())
    return {"share": p, "standard_error": float(np.sqrt(p * (1 - p) / n))}


def task_criticality(results: Results) -> pd.DataFrame:
    """Per task: the share of replications in which it is on the chain that sets readiness."""
    share = results.tasks.groupby("task_id", observed=True)["critical"].mean().rename("criticality")
    table = results.task_info.set_index("task_id").join(share)
    return table.sort_values("criticality", ascending=False).reset_index()


def workstream_criticality(results: Results) -> pd.DataFrame:
    """Per workstream: the share of replications in which one of its tasks is on the critical chain."""
    tasks = results.tasks[results.tasks["critical"]].merge(results.task_info[["task_id", "workstream"]],
                                                           on="task_id")
    hits = tasks.groupby("workstream")["replication"].nunique() / results.runs
    return (hits.rename("criticality").sort_values(ascending=False).reset_index())


def money_by_year_and_payer(results: Results, categories: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Mean £ over replications, by financial year (rows) and payer (columns)."""
    ledger = results.ledger
    if categories is not None:
        ledger = ledger[ledger["category"].isin(categories)]
    table = ledger.pivot_table(index="financial_year", columns="payer", values="amount_gbp", aggfunc="sum",
                               observed=False, fill_value=0.0) / results.runs
    return table.reindex(columns=list(PAYERS), fill_value=0.0)


def cost_headline(results: Results) -> dict:
    reps = results.replications
    cost = reps["transition_cost_gbp"]
    return {
        "staff_transferred": int(reps["staff_transferred"].iloc[0]),
        "transition_cost_gbp": {f"P{p}": float(np.quantile(cost, p / 100)) for p in PERCENTILES},
        "dual_running_cost_gbp_mean": float(reps["dual_running_cost_gbp"].mean()),
        "agency_share_at_horizon_mean": float(reps["agency_share_at_horizon"].mean()),
        "contract_sum_by_year_and_payer_gbp": money_by_year_and_payer(results, CONTRACT).to_dict("index"),
        "all_money_by_payer_gbp": money_by_year_and_payer(results).sum().to_dict(),
    }


def headline(results: Results) -> dict:
    """The run's headline figures, in plain types (the content of summary.json)."""
    reps = results.replications
    scenario = results.scenario

    def iso(stamps: dict) -> dict:
        return {k: v.date().isoformat() for k, v in stamps.items()}

    return {
        "scenario": scenario.name,
        "replications": results.runs,
        "seed": results.seed,
        "planned_go_live": scenario.planned_go_live.value.isoformat(),
        "vesting_day": scenario.vesting_day.value.isoformat(),
        "go_live": iso(percentile_dates(reps["go_live_date"])),
        "readiness": iso(percentile_dates(reps["readiness_date"])),
        "p_on_time": proportion(reps["on_time"]),
        "p_live_before_vesting": proportion(reps["live_before_vesting"]),
        "mean_slip_days": float(reps["slip_days"].mean()),
        "critical_workstreams": workstream_criticality(results).to_dict("records"),
        "critical_tasks": task_criticality(results)[["task_id", "name", "workstream", "criticality"]]
        .head(10).to_dict("records"),
        **({"costs": cost_headline(results)} if results.ledger is not None else {}),
    }
