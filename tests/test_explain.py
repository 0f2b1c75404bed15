"""compare --why: the changed inputs, and each one's own effect with common random numbers."""

import copy

import pandas as pd
from click.testing import CliRunner

from transition_sim.cli import main
from transition_sim.explain import changed_items
from transition_sim.montecarlo import simulate
from transition_sim.scenario import load
from conftest import scenario_dict

TRI = {"low": "10d", "likely": "40d", "high": "90d"}


def pair():
    first = scenario_dict(tasks={"a": {"name": "A", "workstream": "w", "duration": TRI, "assumption": "x"},
                                 "b": {"name": "B", "workstream": "w", "duration": TRI, "assumption": "x"}})
    second = copy.deepcopy(first)
    second["tasks"]["a"]["duration"] = {"low": "20d", "likely": "60d", "high": "120d"}
    second["tasks"]["b"]["assumption"] = "reworded: not an input"
    second["planned_go_live"] = {"value": "2020-04-01", "assumption": "later"}
    return first, second


def test_only_inputs_count_as_changes():
    first, second = pair()
    assert [path for path, _, _ in changed_items(first, second)] == [("planned_go_live",), ("tasks", "a")]


def test_each_change_alone_matches_a_run_with_only_that_change(write, tmp_path):
    first, second = pair()
    a, b = write(first, "a.yaml"), write(second, "b.yaml")
    result = CliRunner().invoke(main, ["compare", str(a), str(b), "--why", "--runs", "300", "--workers", "1",
                                       "--out", str(tmp_path / "out"), "--name", "c"])
    assert result.exit_code == 0, result.output
    why = pd.read_csv(tmp_path / "out" / "c" / "why.csv", index_col=0).set_index("input")
    base = simulate(load(a).scenario, runs=300, workers=1).replications["go_live_date"]
    only = copy.deepcopy(first)
    only["tasks"]["a"]["duration"] = second["tasks"]["a"]["duration"]
    alone = simulate(load(write(only, "only.yaml")).scenario, runs=300, workers=1).replications["go_live_date"]
    assert abs(why.at["tasks.a", "mean_shift_days"] - float((alone - base).dt.days.mean())) < 1e-9
    total = simulate(load(b).scenario, runs=300, workers=1).replications["go_live_date"]
    assert abs(why.at["all changes together", "mean_shift_days"] - float((total - base).dt.days.mean())) < 1e-9
    parts = why.loc[["planned_go_live", "tasks.a"], "mean_shift_days"].sum()
    interaction = why.at["interaction (together minus the sum of the parts)", "mean_shift_days"]
    assert abs(parts + interaction - why.at["all changes together", "mean_shift_days"]) < 1e-9
