"""The money's faster paths give what the straightforward ones give: finish dates without pivoting the task
table, a cost model per branch on that branch's replications, and Parquet written with fewer statistics."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from transition_sim import api, costs, runstore
from transition_sim.results import BRANCH
from transition_sim.scenario import load


def test_finish_dates_are_the_pivoted_task_table_in_any_row_order():
    results = api.simulate(load().scenario, runs=30, workers=1)
    tasks = results.tasks
    pivot = tasks.pivot(index="replication", columns="task_id", values="finish_date")
    shuffled = tasks.sample(frac=1.0, random_state=1)
    for table in (tasks, shuffled):
        timeline = costs.Timeline.of(results.replications, table, results.risks)
        for task in list(pivot.columns)[::7]:
            assert timeline.task_finish[task].equals(pd.DatetimeIndex(pivot[task])), task
        some = np.array([3, 11, 29])
        assert timeline.rows(some).task_finish[pivot.columns[0]].equals(pd.DatetimeIndex(pivot[pivot.columns[0]])[some])


def test_each_branch_has_the_money_of_its_scenario_run_over_every_replication():
    """The cost model on a branch's replications alone gives the rows a run of that branch over all gives."""
    scenario = load().scenario
    results = api.simulate(scenario, runs=60, workers=1)
    reps = results.replications
    assert reps[BRANCH].nunique() == 2
    for label in sorted(reps[BRANCH].unique()):
        mine = reps[BRANCH].to_numpy() == label
        outcomes = {b: reps.loc[mine, f"scope_{b}"].iloc[0] for b in scenario.branches}
        ledger, totals = costs.cost_tables(scenario.with_scope(outcomes), results.seed, reps, results.tasks,
                                           results.risks)
        expected = ledger[mine[ledger["replication"].to_numpy()]].reset_index(drop=True)
        got = results.ledger[mine[results.ledger["replication"].to_numpy()]].reset_index(drop=True)
        for column in ("replication", "month", "amount_gbp"):
            assert got[column].equals(expected[column]), (label, column)
        for column in ("payer", "category", "financial_year"):
            assert (got[column].astype(str) == expected[column].astype(str)).all(), (label, column)
        for column in totals:
            assert np.array_equal(reps.loc[mine, column].to_numpy(), totals.loc[mine, column].to_numpy()), column


def test_run_tables_read_back_as_pyarrows_default_writes_them(tmp_path):
    results = api.simulate(load().scenario, runs=20, workers=1)
    tables = {"replications": results.replications, "tasks": results.tasks, "risks": results.risks,
              "ledger": results.ledger}
    runstore.write_run(tmp_path / "run", {}, tables, force=False)
    for name, table in tables.items():
        table.to_parquet(tmp_path / f"{name}.parquet", index=False)
        ours, plain = tmp_path / "run" / f"{name}.parquet", tmp_path / f"{name}.parquet"
        assert pq.read_schema(ours).equals(pq.read_schema(plain), check_metadata=True), name
        pd.testing.assert_frame_equal(pd.read_parquet(ours), pd.read_parquet(plain), check_exact=True)
