"""Answers from the results tables: P-dates, on-time probabilities, what drives slippage, joint confidence."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from transition_sim.costs import CONTRACT, PAYERS
from transition_sim.montecarlo import Results

PERCENTILES = (10, 50, 80, 90)


def percentile_dates(dates: pd.Series, percentiles=PERCENTILES) -> dict[str, pd.Timestamp]:
    """The date by which the event has happened in p% of replications (an observed date, not interpolated)."""
    return percentile_table(dates, percentiles)["value"].to_dict()


def _as_numbers(values: pd.Series) -> tuple[np.ndarray, bool]:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.to_numpy(dtype="datetime64[D]").astype(np.int64), True
    return values.to_numpy(dtype=float), False


def percentile_table(values: pd.Series, percentiles=PERCENTILES, confidence: float = 0.95) -> pd.DataFrame:
    """Each percentile with a distribution-free confidence interval from the order statistics.

    The interval [x(l), x(u)] has l, u the binomial(n, p) quantiles at (1 -/+ confidence)/2, so it
    covers the true percentile with probability of at least about `confidence`, whatever the
    distribution: a reader sees whether the number of replications was enough.
    """
    numbers, is_date = _as_numbers(values)
    ordered = np.sort(numbers)
    n = len(ordered)
    rows = []
    for p in percentiles:
        q = p / 100
        estimate = ordered[max(int(np.ceil(q * n)) - 1, 0)]  # inverted CDF: an observed value
        low = int(stats.binom.ppf((1 - confidence) / 2, n, q))
        high = int(stats.binom.ppf((1 + confidence) / 2, n, q)) + 1
        rows.append((f"P{p}", estimate, ordered[max(low - 1, 0)], ordered[min(high - 1, n - 1)]))
    table = pd.DataFrame(rows, columns=["percentile", "value", "ci_low", "ci_high"]).set_index("percentile")
    if is_date:
        table = table.apply(lambda c: pd.to_datetime(c.astype("datetime64[D]")))
    return table


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


def task_drivers(results: Results) -> pd.DataFrame:
    """Per task: criticality and the Spearman correlation of its duration with the go-live date."""
    table = task_criticality(results).set_index("task_id")
    durations = results.tasks.pivot(index="replication", columns="task_id", values="duration_days")
    go_live = results.replications.set_index("replication")["go_live_date"].astype("int64")
    ranks = durations.rank()
    correlation = ranks.corrwith(go_live.rank()).rename("spearman_with_go_live")
    table = table.join(correlation)
    return table.sort_values(["criticality", "spearman_with_go_live"], ascending=False).reset_index()


def without_risk(scenario, risk_id: str):
    """The scenario with one risk unable to strike (its streams stay as they were for the others)."""
    risks = dict(scenario.risks)
    risks[risk_id] = risks[risk_id].model_copy(update={"probability": 0.0})
    return scenario.model_copy(update={"risks": risks})


def risk_drivers(results: Results, rerun: Callable) -> pd.DataFrame:
    """Per risk: how often it struck, and how far P50/P80 go-live move back when it is removed.

    `rerun(scenario, replications)` gives the go-live dates of those replications of a scenario with
    the run's seed. With common random numbers the removed risk is the only change, so only the
    replications in which it struck are re-simulated; the others keep their go-live date.
    """
    go_live = results.replications["go_live_date"]
    base = percentile_table(go_live, (50, 80))["value"]
    struck = results.risks.groupby("risk_id", observed=True)["struck"].mean()
    rows = []
    for risk_id, risk in results.scenario.risks.items():
        without = go_live.copy()
        risks = results.risks
        hit = risks.loc[(risks["risk_id"] == risk_id) & risks["struck"], "replication"].to_numpy()
        if len(hit):
            positions = results.replications.index[results.replications["replication"].isin(hit)]
            without.loc[positions] = rerun(without_risk(results.scenario, risk_id), np.sort(hit))
        removed = percentile_table(without, (50, 80))["value"]
        rows.append({"risk_id": risk_id, "name": risk.name, "probability": risk.probability,
                     "struck_share": float(struck.get(risk_id, 0.0)),
                     "p50_shift_days": (base["P50"] - removed["P50"]).days,
                     "p80_shift_days": (base["P80"] - removed["P80"]).days,
                     # replication by replication: the streams are shared, so this is the risk's own effect
                     "mean_shift_days": float((go_live - without).dt.days.mean())})
    columns = ["risk_id", "name", "probability", "struck_share", "p50_shift_days", "p80_shift_days",
               "mean_shift_days"]
    return pd.DataFrame(rows, columns=columns).sort_values(["p80_shift_days", "p50_shift_days", "mean_shift_days"],
                                                           ascending=False, ignore_index=True)


def joint_confidence(results: Results, date, cost_gbp: float) -> float:
    """P(go-live on or before `date` and total transition cost at most `cost_gbp`)."""
    reps = results.replications
    return float(((reps["go_live_date"] <= pd.Timestamp(date)) & (reps["transition_cost_gbp"] <= cost_gbp)).mean())


def joint_frontier(results: Results, levels=(0.7, 0.8)) -> pd.DataFrame:
    """For each go-live date D, the least cost C with P(go-live <= D and cost <= C) at each level."""
    reps = results.replications
    n = len(reps)
    rows = []
    for date in sorted(reps["go_live_date"].unique()):
        costs = np.sort(reps.loc[reps["go_live_date"] <= date, "transition_cost_gbp"].to_numpy())
        row = {"go_live_by": pd.Timestamp(date), "p_go_live_by": len(costs) / n}
        for level in levels:
            k = int(np.ceil(level * n - 1e-9))
            row[f"cost_at_{round(level * 100)}pct_gbp"] = costs[k - 1] if len(costs) >= k else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def figures(results: Results) -> pd.DataFrame:
    """The headline figures of one run as rows: value, confidence interval and unit."""
    reps = results.replications
    rows = []
    for column, label in (("go_live_date", "go-live"), ("readiness_date", "readiness")):
        for p, row in percentile_table(reps[column]).iterrows():
            rows.append((f"{label} {p}", row["value"], row["ci_low"], row["ci_high"], "date"))
    if "transition_cost_gbp" in reps:
        for p, row in percentile_table(reps["transition_cost_gbp"]).iterrows():
            rows.append((f"transition cost {p}", row["value"], row["ci_low"], row["ci_high"], "£"))
    for column, label in (("on_time", "P(go-live on the planned date)"),
                          ("live_before_vesting", "P(go-live before vesting day)")):
        share = proportion(reps[column])
        half = 1.96 * share["standard_error"]
        rows.append((label, share["share"], max(share["share"] - half, 0.0), min(share["share"] + half, 1.0),
                     "share"))
    slip = reps["slip_days"].astype(float)
    half = 1.96 * slip.std(ddof=1) / np.sqrt(len(slip)) if len(slip) > 1 else 0.0
    rows.append(("expected slip (days)", slip.mean(), slip.mean() - half, slip.mean() + half, "days"))
    months = slip / (365.25 / 12)
    rows.append(("expected slip (months)", months.mean(), (slip.mean() - half) / (365.25 / 12),
                 (slip.mean() + half) / (365.25 / 12), "months"))
    if "staff_transferred" in reps:
        staff = float(reps["staff_transferred"].iloc[0])
        rows.append(("staff transferred (TUPE)", staff, staff, staff, "people"))
    return pd.DataFrame(rows, columns=["figure", "value", "ci_low", "ci_high", "unit"]).set_index("figure")


def go_live_test(first: Results, other: Results) -> float:
    """Two-sided p-value of the Mann-Whitney test that the two go-live distributions are the same."""
    a = first.replications["go_live_date"].astype("int64").to_numpy()
    b = other.replications["go_live_date"].astype("int64").to_numpy()
    if np.array_equal(np.sort(a), np.sort(b)):
        return 1.0
    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def comparison(named: list[tuple[str, Results]], alpha: float = 0.05) -> pd.DataFrame:
    """One column per scenario, its difference from the first, and whether go-live differs beyond noise."""
    tables = [(name, figures(results)) for name, results in named]
    first_name, first = tables[0]
    test_row = "go-live differs from the first (Mann-Whitney)"
    columns = {"unit": list(first["unit"]) + [""], first_name: list(first["value"]) + [""]}
    for (name, table), (_, results) in zip(tables[1:], named[1:]):
        values = table["value"].reindex(first.index)
        p = go_live_test(named[0][1], results)
        verdict = "differs" if p < alpha else "no difference beyond Monte Carlo noise"
        columns[name] = list(values) + [f"p = {p:.3g} ({verdict})"]
        columns[f"Δ {name}"] = [(b - a).days if isinstance(a, pd.Timestamp) else b - a
                                for a, b in zip(first["value"], values)] + [""]
    return pd.DataFrame(columns, index=pd.Index(list(first.index) + [test_row], name="figure"), dtype=object)


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
