"""The report at programme scale: fewer re-runs with the same answers, and a page that stays readable."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml

from transition_sim import analysis, report
from transition_sim.api import simulate
from transition_sim.montecarlo import go_live_without, simulate_replications
from transition_sim.scenario import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic_plan import plan  # noqa: E402


@pytest.fixture(scope="module")
def baseline():
    return simulate(load().scenario, runs=80, workers=1)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "plan.yaml"
    path.write_text(yaml.safe_dump(plan(300, seed=5), sort_keys=False), encoding="utf-8")
    return simulate(load(path).scenario, runs=24, workers=1)


def full_rerun(results):
    """Per risk, the go-live dates of a whole re-run without it, at the replications asked for."""
    def rerun(removals):
        return {risk_id: simulate(analysis.without_risk(results.scenario, risk_id), runs=results.runs,
                                  seed=results.seed, workers=1).replications["go_live_date"].to_numpy()[replications]
                for risk_id, replications in removals.items()}
    return rerun


@pytest.mark.parametrize("name", ["baseline", "synthetic"])
def test_re_running_only_where_a_risk_changed_a_date_equals_the_full_re_run(name, request):
    """Every risk: pauses, windowless and windowed delays; a risk that struck without effect changes nothing."""
    results = request.getfixturevalue(name)
    risks = results.risks
    assert (risks["struck"] & ~risks["effective"]).any()  # some strikes change nothing: the test can tell
    for risk_id in results.scenario.risks:
        without = analysis.without_risk(results.scenario, risk_id)
        full = simulate(without, runs=results.runs, seed=results.seed, workers=1).replications["go_live_date"]
        mine = risks[risks["risk_id"] == risk_id]
        changed = np.sort(mine.loc[mine["effective"], "replication"].to_numpy())
        spliced = results.replications["go_live_date"].copy()
        if len(changed):
            spliced.iloc[changed] = simulate_replications(without, results.seed, changed, 1)["go_live"]
        pd.testing.assert_series_equal(spliced, full, obj=risk_id)


def test_risk_drivers_re_runs_only_where_a_risk_changed_a_date(baseline):
    asked = []

    def rerun(removals):
        asked.append({risk_id: len(replications) for risk_id, replications in removals.items()})
        return go_live_without(baseline.scenario, baseline.seed, removals, workers=1)

    fast = analysis.risk_drivers(baseline, rerun)
    assert len(asked) == 1  # every risk's re-runs in one call
    assert sum(asked[0].values()) == int(baseline.risks["effective"].sum()) < int(baseline.risks["struck"].sum())
    pd.testing.assert_frame_equal(fast, analysis.risk_drivers(baseline, full_rerun(baseline)))


def test_a_large_plan_s_gantt_shows_the_most_critical_tasks_and_sums_up_the_rest(synthetic):
    rows, left_out = report.gantt_rows(synthetic, limit=40)
    table = analysis.gantt_table(synthetic)
    tasks = rows[rows["task_id"] != ""]
    summaries = rows[rows["task_id"] == ""]
    assert len(tasks) == 40 and left_out == len(table) - 40
    assert tasks["criticality"].min() >= table.loc[~table["task_id"].isin(tasks["task_id"]), "criticality"].max()
    others = table[~table["task_id"].isin(tasks["task_id"])]
    assert set(summaries["workstream"]) == set(others["workstream"])
    for summary in summaries.itertuples():
        mine = others[others["workstream"] == summary.workstream]
        assert summary.name == f"{len(mine):,} other tasks"
        assert summary.start_p10 == mine["start_p10"].min() and summary.finish_p90 == mine["finish_p90"].max()
        assert summary.criticality == mine["criticality"].max()
    chart = report.gantt(synthetic)
    labels = {y for trace in go.Figure(chart.figure).data for y in trace.y if y is not None}
    assert len(labels) == report.GANTT_TASKS + synthetic.task_info.loc[
        ~synthetic.task_info["task_id"].isin(report.gantt_rows(synthetic)[0]["task_id"]), "workstream"].nunique()
    assert f"{len(synthetic.task_info) - report.GANTT_TASKS:,} not shown" in chart.caption


def test_a_plan_within_the_limit_keeps_every_task_in_its_gantt(baseline):
    rows, left_out = report.gantt_rows(baseline)
    assert left_out == 0 and len(rows) == len(analysis.gantt_table(baseline))


def test_column_correlations_equal_pandas_corrwith_with_gaps_and_constants():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.normal(size=(50, 6)), columns=list("abcdef"))
    frame.loc[rng.random(50) < 0.3, "b"] = np.nan  # a task left out in some replications
    frame["c"] = 2.0  # a task already done: no spread
    frame.loc[1:, "d"] = np.nan  # one value only
    frame["e"] = np.nan
    other = pd.Series(rng.normal(size=50)).where(rng.random(50) < 0.9)
    expected = frame.corrwith(other)
    got = analysis.pearson_by_column(frame.to_numpy(), other.to_numpy())
    np.testing.assert_allclose(got, expected.to_numpy(), rtol=0, atol=1e-12)
    assert np.isnan(got[2:5]).all() and not np.isnan(got[[0, 1, 5]]).any()


def test_total_float_by_successor_lists_equals_the_pairwise_definition(synthetic):
    from transition_sim import health
    from transition_sim.programme import compile_network
    net = compile_network(synthetic.scenario)
    rng = np.random.default_rng(2)
    start = rng.uniform(0, 300, len(net.task_ids))
    finish = start + rng.uniform(0, 40, len(start))
    pairwise = np.full(len(start), 900.0)
    for k in reversed(range(len(start))):
        for s in range(k + 1, len(start)):
            if k in net.predecessors[s]:
                pairwise[k] = min(pairwise[k], pairwise[s] - (finish[s] - start[s]))
    np.testing.assert_array_equal(health.total_float(net, start, finish, 900.0), pairwise - finish)
