"""Answers from the results tables: P-dates, on-time probabilities, what drives slippage, joint confidence."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from transition_sim import organisations, sampling
from transition_sim.costs import CONTRACT, CostModel
from transition_sim.intervals import binomial_quantile
from transition_sim.programme import compile_network
from transition_sim.recent import Recent
from transition_sim.results import BRANCH, SLIP, Results
from transition_sim.workforce import fte_agency_share, staff_groups

PERCENTILES = (10, 50, 80, 90)


def percentile_dates(dates: pd.Series, percentiles=PERCENTILES) -> dict[str, pd.Timestamp]:
    """The date by which the event has happened in p% of replications (an observed date, not interpolated)."""
    return percentile_table(dates, percentiles)["value"].to_dict()


def _as_numbers(values: pd.Series) -> tuple[np.ndarray, bool]:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.to_numpy(dtype="datetime64[D]").astype(np.int64), True
    return values.to_numpy(dtype=float), False


def order_statistic(ordered: np.ndarray, p: float):
    """The p-th percentile of sorted numbers by the inverted CDF: an observed value, not interpolated."""
    return ordered[max(int(np.ceil(p / 100 * len(ordered))) - 1, 0)]


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
        estimate = order_statistic(ordered, p)
        low = binomial_quantile((1 - confidence) / 2, n, q)
        high = binomial_quantile((1 + confidence) / 2, n, q) + 1
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
    ids = results.tasks["task_id"].cat  # a groupby's mean of the flags, by counting: exact for 0/1
    codes = ids.codes.to_numpy()
    count = np.bincount(codes, minlength=len(ids.categories))
    hits = np.bincount(codes, weights=results.tasks["critical"].to_numpy(dtype=float), minlength=len(count))
    seen = count > 0
    share = pd.Series(hits[seen] / count[seen], index=ids.categories[seen], name="criticality")
    table = results.task_info.set_index("task_id").join(share)
    return table.sort_values("criticality", ascending=False).reset_index()


def workstream_criticality(results: Results) -> pd.DataFrame:
    """Per workstream: the share of replications in which one of its tasks is on the critical chain."""
    tasks = results.tasks[results.tasks["critical"]].merge(results.task_info[["task_id", "workstream"]],
                                                           on="task_id")
    hits = tasks.groupby("workstream")["replication"].nunique() / results.runs
    return (hits.rename("criticality").sort_values(ascending=False).reset_index())


_task_drivers_of = Recent()  # the report and the board pack read one run's task drivers


def task_drivers(results: Results) -> pd.DataFrame:
    """Per task: criticality and the Spearman correlation of its duration with the go-live date (worked out
    once per run, as `figures`; a copy is returned)."""
    return _task_drivers_of.get(results, lambda: _task_drivers(results)).copy()


def keep_task_drivers(results: Results, table: pd.DataFrame) -> None:
    """Take `table` as `task_drivers(results)`: worked out elsewhere from the same tasks and go-live dates
    (by a copy of the run's process given its timeline, `api.timeline_work`)."""
    _task_drivers_of.put(results, table)


RANKED_AT_ONCE = 1 << 21  # durations ranked together by `_task_drivers` (tasks x replications): 16 MB an array


def _task_drivers(results: Results) -> pd.DataFrame:
    table = task_criticality(results).set_index("task_id")
    tasks = results.tasks
    replications, row = _numbered(tasks["replication"].to_numpy())
    ids = tasks["task_id"].cat
    durations = np.full((len(ids.categories), len(replications)), np.nan)  # a column per task, as a pivot's
    durations[ids.codes.to_numpy(), row] = tasks["duration_days"].to_numpy()
    go_live = results.replications.set_index("replication")["go_live_date"].astype("int64")
    go_live_ranks = go_live.rank().reindex(replications).to_numpy()
    # a few tasks at a time: ranking makes ten arrays the size of what is ranked (at 100,000 replications of
    # 60 tasks, half a gigabyte at once); each task's correlation is the same however many are ranked with it
    tasks_at_once = max(1, RANKED_AT_ONCE // max(1, len(replications)))
    correlation = pd.Series(np.concatenate([np.empty(0)] + [
        pearson_by_column(average_ranks(durations[k:k + tasks_at_once]).T, go_live_ranks)
        for k in range(0, len(durations), tasks_at_once)]), index=ids.categories, name="spearman_with_go_live")
    table = table.join(correlation)
    return table.sort_values(["criticality", "spearman_with_go_live"], ascending=False).reset_index()


def _numbered(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct whole numbers in `values`, ascending, and each value's position among them
    (`np.unique(values, return_inverse=True)` without sorting: replications are a short range)."""
    if not values.size:
        return values.copy(), np.zeros(0, dtype=int)
    low = values.min()
    present = np.zeros(values.max() - low + 1, dtype=bool)
    present[values - low] = True
    return np.flatnonzero(present) + low, (np.cumsum(present) - 1)[values - low]


def average_ranks(rows: np.ndarray) -> np.ndarray:
    """The ranks (1 up) within each row, ties given their average and nan kept: `DataFrame.rank(axis=1)`, vectorised."""
    order = np.argsort(rows, axis=1)  # nan last; the order among ties does not matter
    ordered = np.take_along_axis(rows, order, axis=1).ravel()
    n = rows.shape[1]
    starts = np.ones(ordered.shape, dtype=bool)  # where a run of equal values in a row begins
    starts[1:] = ordered[1:] != ordered[:-1]
    starts[::n] = True
    begin = np.flatnonzero(starts)
    group = np.cumsum(starts) - 1
    first, last = begin[group], np.append(begin[1:], ordered.size)[group] - 1
    ranks = np.empty(rows.shape)
    average = (first % n + last % n) / 2 + 1  # from positions within the row
    np.put_along_axis(ranks, order, np.where(np.isnan(ordered), np.nan, average).reshape(rows.shape), axis=1)
    return ranks


def pearson_by_column(columns: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The Pearson correlation of each column with `other` over the rows where both are known
    (nan where fewer than two are, or either is constant there): `DataFrame.corrwith`, vectorised."""
    known = ~np.isnan(columns) & ~np.isnan(other)[:, None]
    count = known.sum(axis=0)
    x = np.where(known, columns, 0.0)
    y = np.where(known, other[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = np.where(known, x - x.sum(axis=0) / count, 0.0)
        dy = np.where(known, y - y.sum(axis=0) / count, 0.0)
        r = (dx * dy).sum(axis=0) / np.sqrt((dx * dx).sum(axis=0) * (dy * dy).sum(axis=0))
    return np.where(count >= 2, np.clip(r, -1.0, 1.0), np.nan)


def without_risk(scenario, risk_id: str):
    """The scenario with one risk unable to strike (its streams stay as they were for the others)."""
    risks = dict(scenario.risks)
    risks[risk_id] = risks[risk_id].model_copy(update={"probability": 0.0})
    return scenario.model_copy(update={"risks": risks})


def _changed_column(risks: pd.DataFrame) -> str:
    return "effective" if "effective" in risks else "struck"  # run folders written before the column existed


def rerun_removals(results: Results) -> dict[str, np.ndarray]:
    """What `risk_drivers` asks `rerun` for: per risk, the replications (ascending) in which it changed a date."""
    risks = results.risks
    rerun_at = risks.loc[risks[_changed_column(risks)]].groupby("risk_id", observed=True)["replication"]
    return {risk_id: np.sort(reps.to_numpy()) for risk_id, reps in rerun_at if len(reps)}


def risk_drivers(results: Results, rerun: Callable) -> pd.DataFrame:
    """Per risk: how often it struck, and how far P50/P80 go-live move back when it is removed.

    `rerun({risk: replications})` gives, per risk, the go-live dates of those replications (ascending) of
    the scenario without that risk (`without_risk`), with the run's seed (`montecarlo.go_live_without`).
    With common random numbers the removed risk is the only change, so only the replications in which
    it was effective (struck and changed a date: it delayed a task or paused work under way) are
    re-simulated, all risks in one call; the others keep their go-live date.
    """
    go_live, _ = _as_numbers(results.replications["go_live_date"])  # days since 1970
    ordered = np.sort(go_live)
    base = {p: order_statistic(ordered, p) for p in (50, 80)}
    risks = results.risks
    by_risk = risks.groupby("risk_id", observed=True)
    struck = by_risk["struck"].mean()
    effective = by_risk[_changed_column(risks)].mean()
    hits = rerun_removals(results)
    position = pd.Series(np.arange(len(go_live)), index=results.replications["replication"].to_numpy())
    again = rerun(hits) if hits else {}
    rows = []
    for risk_id, risk in results.scenario.risks.items():
        without = go_live.copy()
        if risk_id in again:
            dates = np.asarray(again[risk_id], dtype="datetime64[D]")
            without[position.loc[hits[risk_id]].to_numpy()] = dates.astype(np.int64)
        removed = np.sort(without)
        rows.append({"risk_id": risk_id, "name": risk.name, "probability": risk.probability,
                     "struck_share": float(struck.get(risk_id, 0.0)),
                     "effective_share": float(effective.get(risk_id, 0.0)),
                     "p50_shift_days": int(base[50] - order_statistic(removed, 50)),
                     "p80_shift_days": int(base[80] - order_statistic(removed, 80)),
                     # replication by replication: the streams are shared, so this is the risk's own effect
                     "mean_shift_days": float((go_live - without).mean())})
    columns = ["risk_id", "name", "probability", "struck_share", "effective_share", "p50_shift_days", "p80_shift_days",
               "mean_shift_days"]
    return pd.DataFrame(rows, columns=columns).sort_values(["p80_shift_days", "p50_shift_days", "mean_shift_days"],
                                                           ascending=False, ignore_index=True)


def slip_drivers(results: Results) -> pd.DataFrame:
    """Per cause of slip: its mean days over replications and its share of the mean slip (see `attribution`)."""
    reps = results.replications
    columns = [c for c in reps if c.startswith(SLIP)]
    mean = reps[columns].mean()
    total = float(reps["slip_days"].mean())
    return pd.DataFrame({"cause": [c.removeprefix(SLIP) for c in columns], "mean_days": mean.to_numpy(),
                         "share": mean.to_numpy() / total if total else np.zeros(len(columns))})


def correlation_check(scenario, seed: int, runs: int, sampled: np.ndarray | None = None) -> pd.DataFrame:
    """Per correlated pair: the target rank correlation, the one used (after any repair) and the achieved one.

    Achieved is the Spearman correlation of the sampled durations (of the uniforms that decide a
    risk's occurrence) over the run's replications: `sampled` (`Results.correlated`) if given, else drawn again.
    """
    net = compile_network(scenario)
    columns = ["correlation", "item_a", "item_b", "target_rank", "used_rank", "achieved_rank", "repaired"]
    plan = net.correlation
    if plan is None:
        return pd.DataFrame(columns=columns)
    if sampled is None:
        sampled = sampling.draw(net, seed, 0, runs).correlated(net)
    values = list(sampled.T)
    rows = []
    for group, a, b, target, used in plan.pairs():
        achieved = float(pearson_by_column(pd.Series(values[a]).rank().to_numpy()[:, None],
                                           pd.Series(values[b]).rank().to_numpy())[0]) if runs > 2 else np.nan
        rows.append((group, plan.labels[a], plan.labels[b], target, used, achieved, plan.repaired))
    return pd.DataFrame(rows, columns=columns)


def run_correlation_check(results: Results) -> pd.DataFrame:
    """`correlation_check` of a run, from the values it sampled if it was played in this process."""
    sampled = results.correlated if results.first == 0 else None  # a later block alone: not replications 0..runs-1
    return correlation_check(results.scenario, results.seed, results.runs, sampled)


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


def _interval(value: float, half: float, low: float = -np.inf, high: float = np.inf) -> tuple:
    return value, max(value - half, low), min(value + half, high)


def mean_with_interval(values: pd.Series) -> tuple[float, float, float]:
    """The mean and its 95% normal-approximation interval."""
    v = values.astype(float)
    half = 1.96 * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0
    return _interval(float(v.mean()), half)


def share_with_interval(flags: pd.Series) -> tuple[float, float, float]:
    share = proportion(flags)
    return _interval(share["share"], 1.96 * share["standard_error"], 0.0, 1.0)


FIGURES = {  # key -> (label, unit): the headline figures every output shows
    **{f"{key}_p{p}": (f"{label} P{p}", unit) for key, label, unit in (
        ("go_live", "go-live", "date"), ("readiness", "readiness", "date"),
        ("transition_cost", "transition cost", "£")) for p in PERCENTILES},
    "p_on_time": ("P(go-live on the planned date)", "share"),
    "p_live_before_vesting": ("P(go-live before vesting day)", "share"),
    "expected_slip_days": ("expected slip (days)", "days"),
    "expected_slip_months": ("expected slip (months)", "months"),
    "staff_transferred": ("staff transferred (TUPE)", "people"),
    "dual_running_cost_mean": ("dual running cost (mean)", "£"),
    "agency_share_at_horizon_mean": ("agency share at the horizon (mean)", "share"),
}
YEARLY_COST_PERCENTILES = (10, 50, 90)


def yearly_cost_by_council(results: Results) -> pd.DataFrame:
    """Per replication (rows) and successor council (columns): its mean cost per financial year after vesting.

    All of the council's money in the ledger, over the whole financial years from vesting day to the horizon.
    """
    scenario = results.scenario
    first_year = scenario.vesting_day.value.year - (scenario.vesting_day.value.month < 4)
    councils = list(scenario.successors)
    years = sorted({year for year, payer in _money_by_cell(results).cells
                    if payer in councils and int(year[:4]) >= first_year})
    sums = results.ledger_sums(("payer",), where=(("payer", frozenset(councils)), ("financial_year", frozenset(years))))
    total = pd.DataFrame({council: sums.values[:, sums.cells.index((council,))] if (council,) in sums.cells
                          else np.zeros(results.runs) for council in councils},
                         index=pd.RangeIndex(results.runs, name="replication"))
    return total.rename_axis(columns="payer") / max(len(years), 1)


def _money_by_cell(results: Results, categories: tuple[str, ...] | None = None):
    """Each replication's money of `categories` (all if None) by financial year and payer."""
    where = () if categories is None else (("category", frozenset(categories)),)
    return results.ledger_sums(("financial_year", "payer"), where)


_figures_of = Recent()  # summary, report and board pack read one run's figures


def figures(results: Results) -> pd.DataFrame:
    """The headline figures of one run, one row per named key: label, value, 95% interval and unit.

    The one definition of the headline: the CLI summary, summary.json, the report, sweep rows,
    drivers and compare all read it. Percentiles are observed values (the inverted CDF). With money,
    each successor council's yearly cost follows, keyed `yearly_cost_<council>_p<n>`. Results are
    frozen, so the table of one is worked out once (a copy is returned).
    """
    return _figures_of.get(results, lambda: _figures(results)).copy()


def _figures(results: Results) -> pd.DataFrame:
    reps = results.replications
    rows = []

    def add(key: str, estimate: tuple) -> None:
        rows.append((key, *FIGURES[key], *estimate))

    for column, key in (("go_live_date", "go_live"), ("readiness_date", "readiness"),
                        ("transition_cost_gbp", "transition_cost")):
        if column in reps:
            for p, row in percentile_table(reps[column]).iterrows():
                add(f"{key}_{p.lower()}", (row["value"], row["ci_low"], row["ci_high"]))
    add("p_on_time", share_with_interval(reps["on_time"]))
    add("p_live_before_vesting", share_with_interval(reps["live_before_vesting"]))
    slip = mean_with_interval(reps["slip_days"])
    add("expected_slip_days", slip)
    add("expected_slip_months", tuple(d / (365.25 / 12) for d in slip))
    if "staff_transferred" in reps:
        staff = float(reps["staff_transferred"].mean())  # varies by replication when scope is a branch
        add("staff_transferred", (staff, staff, staff))
        add("dual_running_cost_mean", mean_with_interval(reps["dual_running_cost_gbp"]))
        add("agency_share_at_horizon_mean", mean_with_interval(reps["agency_share_at_horizon"]))
    if results.ledger is not None:
        yearly = yearly_cost_by_council(results)
        for council in yearly.columns:
            name = organisations.display_name(results.scenario, council)
            for p, row in percentile_table(yearly[council], YEARLY_COST_PERCENTILES).iterrows():
                rows.append((f"yearly_cost_{council}_{p.lower()}", f"{name}: yearly cost {p}", "£",
                             row["value"], row["ci_low"], row["ci_high"]))
    return pd.DataFrame(rows, columns=["key", "figure", "unit", "value", "ci_low", "ci_high"]).set_index("key")


def options_table(named: list[tuple[str, Results]]) -> pd.DataFrame:
    """Per option (scenario): delivery model, go-live, transition cost and each successor's yearly cost.

    Raw numbers from `figures`, one row per option; yearly costs as `<council>_yearly_p10_gbp` columns.
    """
    rows = []
    for name, results in named:
        f = figures(results)["value"]
        row = {"option": name, "delivery_model": results.scenario.delivery.model,
               "in_house": ", ".join(results.scenario.delivery.in_house),
               **{k: f.get(k) for k in ("go_live_p50", "go_live_p80", "p_on_time", "transition_cost_p10",
                                        "transition_cost_p50", "transition_cost_p90")}}
        for council in results.scenario.successors:
            for p in YEARLY_COST_PERCENTILES:
                row[f"{council}_yearly_p{p}_gbp"] = f.get(f"yearly_cost_{council}_p{p}")
        rows.append(row)
    return pd.DataFrame(rows).set_index("option")


def go_live_test(first: Results, other: Results) -> float:
    """Two-sided p-value of the Mann-Whitney test that the two go-live distributions are the same."""
    a = first.replications["go_live_date"].astype("int64").to_numpy()
    b = other.replications["go_live_date"].astype("int64").to_numpy()
    if np.array_equal(np.sort(a), np.sort(b)):
        return 1.0
    from scipy import stats  # only for comparisons: scipy.stats is slow to import
    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    """A figures table indexed by its readers' labels."""
    return table.set_index("figure")


def comparison(named: list[tuple[str, Results]], alpha: float = 0.05) -> pd.DataFrame:
    """One column per scenario, its difference from the first, and whether go-live differs beyond noise."""
    tables = [(name, labelled(figures(results))) for name, results in named]
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
    """Mean £ over replications, by financial year (rows: every year in the ledger) and payer (columns)."""
    years = sorted({year for year, _ in _money_by_cell(results).cells})
    sums = _money_by_cell(results, categories)
    table = pd.DataFrame(0.0, index=pd.CategoricalIndex(years, categories=years, name="financial_year"),
                         columns=pd.Index(organisations.payers(results.scenario), name="payer"))
    for (year, payer), total in zip(sums.cells, sums.values.sum(axis=0)):  # over replications
        if payer in table.columns:
            table.loc[year, payer] = total / results.runs
    return table


def plain(value):
    """A figure as JSON: dates as ISO text, numbers as floats."""
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).date().isoformat()
    return float(value)


def branch_figures(results: Results) -> pd.DataFrame:
    """Headline figures for each branch (combination of drawn scope outcomes): a row per branch."""
    reps = results.replications
    if BRANCH not in reps:
        return pd.DataFrame()
    rows = []
    for label, group in reps.groupby(BRANCH, sort=True):
        dates = percentile_table(group["go_live_date"], (50, 80))["value"]
        row = {"branch": label, "share": len(group) / len(reps), "replications": len(group),
               "go_live_p50": dates["P50"].date().isoformat(), "go_live_p80": dates["P80"].date().isoformat(),
               "p_on_time": float(group["on_time"].mean()), "mean_slip_days": float(group["slip_days"].mean())}
        if "transition_cost_gbp" in group:
            cost = percentile_table(group["transition_cost_gbp"], (50, 80))["value"]
            row.update({"transition_cost_p50_gbp": float(cost["P50"]), "transition_cost_p80_gbp": float(cost["P80"]),
                        "staff_transferred": int(group["staff_transferred"].iloc[0])})
        rows.append(row)
    return pd.DataFrame(rows).set_index("branch")


def headline(results: Results) -> dict:
    """The run's headline figures, in plain types (the content of summary.json)."""
    scenario = results.scenario
    figures_ = {key: {"label": row["figure"], "value": plain(row["value"]), "ci_low": plain(row["ci_low"]),
                      "ci_high": plain(row["ci_high"]), "unit": row["unit"]}
                for key, row in figures(results).iterrows()}
    out = {
        "scenario": scenario.name,
        "replications": results.runs,
        "seed": results.seed,
        "planned_go_live": scenario.planned_go_live.value.isoformat(),
        "vesting_day": scenario.vesting_day.value.isoformat(),
        "figures": figures_,
        "critical_workstreams": workstream_criticality(results).to_dict("records"),
        "critical_tasks": task_criticality(results)[["task_id", "name", "workstream", "criticality"]]
        .head(10).to_dict("records"),
        **({"by_branch": branch_figures(results).to_dict("index")} if BRANCH in results.replications else {}),
    }
    if results.ledger is not None:
        out["money_by_payer_gbp"] = {
            "payers": {p: organisations.display_name(scenario, p) for p in organisations.payers(scenario)},
            "contract_sum_by_year": money_by_year_and_payer(results, CONTRACT).to_dict("index"),
            "all_money_by_year": money_by_year_and_payer(results).to_dict("index"),
            "all_money": money_by_year_and_payer(results).sum().to_dict(),
        }
    return out


def go_live_shares(results: Results) -> pd.Series:
    """The share of replications going live on each slot, by date."""
    counts = results.replications["go_live_date"].value_counts().sort_index()
    return counts / results.runs


def cumulative_cost_bands(results: Results, categories: tuple[str, ...]) -> pd.DataFrame:
    """P10, P50 and P90 (rows 0.1, 0.5, 0.9) of the money of `categories` added up month by month (columns)."""
    sums = results.ledger_sums(("month",), where=(("category", frozenset(categories)),))
    monthly = pd.DataFrame(sums.values, columns=pd.DatetimeIndex([month for month, in sums.cells], name="month"))
    return monthly.cumsum(axis=1).quantile([0.1, 0.5, 0.9])


def gantt_table(results: Results) -> pd.DataFrame:
    """Per task: P10/P50/P90 of its start and finish dates, and its criticality."""
    tasks = results.tasks
    by_task = tasks.groupby("task_id", observed=True)
    bands = [by_task[f"{event}_date"].quantile([0.1, 0.5, 0.9]).unstack().set_axis(
        [f"{event}_p10", f"{event}_p50", f"{event}_p90"], axis=1) for event in ("start", "finish")]
    q = pd.concat(bands + [by_task["critical"].mean().rename("criticality")], axis=1)
    table = results.task_info.set_index("task_id").join(q).reset_index()
    table = table.dropna(subset=["finish_p50"])
    table["start_p10"] = table["start_p10"].fillna(table["finish_p10"])
    for column in ("start_p50", "start_p90"):
        table[column] = table[column].fillna(table["finish_p50"])
    go_live_first = table["programme"] == results.scenario.go_live.programme
    return table.assign(_first=go_live_first).sort_values(["_first", "programme", "workstream", "start_p50"],
                                                          ascending=[False, True, True, True]).drop(columns="_first")


def agency_share_paths(results: Results, years: int = 6) -> pd.DataFrame:
    """P10/P50/P90 of the moving workforce's agency share, year by year after go-live.

    Each replication converts agency posts at the rate the cost model drew for it.
    """
    conversion = CostModel(results.scenario, results.seed, results.runs).agency_conversion()
    moving = staff_groups(results.scenario)
    moving = moving[moving["in_scope"]]
    t = np.arange(0, years + 1)
    share = fte_agency_share(moving, conversion[:, None], t[None, :])
    bands = np.quantile(share, [0.1, 0.5, 0.9], axis=0)
    return pd.DataFrame({"year": t, "p10": bands[0], "p50": bands[1], "p90": bands[2]})
