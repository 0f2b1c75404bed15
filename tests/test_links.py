"""Link types (FS, SS, FF, SF) with lags: hand-computed dates, the forward pass, and the SimPy engine."""

import numpy as np
import pytest

from transition_sim.montecarlo import simulate
from transition_sim.programme import compile_network, forward_pass
from conftest import scenario_dict
from test_bad_input import check


def fixed(days):
    return {"low": f"{days}d", "likely": f"{days}d", "high": f"{days}d"}


def task(days, *predecessors, **extra):
    return {"name": "t", "workstream": "w", "duration": fixed(days), "predecessors": list(predecessors),
            "assumption": "test", **extra}


def link(pred, kind, lag):
    return {"task": pred, "type": kind, "lag": lag}


# a: 0-10, b: FS+2 -> 12-17; each other task is (duration, link, expected start) worked out by hand
HAND = {
    "fs_lead": (5, link("a", "FS", "-4d"), 6),    # start >= 10 - 4
    "ss_lag": (5, link("a", "SS", "3d"), 3),      # start >= 0 + 3
    "ss_lead": (5, link("b", "SS", "-2d"), 10),   # start >= 12 - 2
    "ff_lag": (2, link("a", "FF", "3d"), 11),     # finish >= 10 + 3, so start >= 13 - 2
    "ff_lead": (4, link("a", "FF", "-1d"), 5),    # finish >= 10 - 1, so start >= 9 - 4
    "sf_lag": (5, link("b", "SF", "3d"), 10),     # finish >= 12 + 3, so start >= 15 - 5
    "sf_lead": (3, link("b", "SF", "-1d"), 8),    # finish >= 12 - 1, so start >= 11 - 3
    "sf_floor": (6, link("a", "SF", "2d"), 0),    # finish >= 0 + 2 would start at -4: not before the start
}


def hand_scenario(loaded, **extra):
    tasks = {"a": task(10), "b": task(5, link("a", "FS", "2d"))}
    tasks.update({key: task(days, lnk) for key, (days, lnk, _) in HAND.items()})
    return loaded(scenario_dict(tasks=tasks, **extra)).scenario


def test_forward_pass_matches_hand_computed_dates(loaded):
    net = compile_network(hand_scenario(loaded))
    start, finish = forward_pass(net)
    at = dict(zip(net.task_ids, zip(start, finish)))
    assert at["a"] == (0, 10) and at["b"] == (12, 17)
    for key, (days, _, expected) in HAND.items():
        assert at[key] == (expected, expected + days), key


def test_engine_matches_hand_computed_dates(loaded):
    results = simulate(hand_scenario(loaded), runs=3, workers=1)
    starts = results.tasks.groupby("task_id", observed=True)["start_day"].agg(["min", "max"])
    for key, (_, _, expected) in HAND.items():
        assert starts.loc[key, "min"] == starts.loc[key, "max"] == expected, key


def test_bare_ids_are_finish_to_start_without_lag(loaded):
    net = compile_network(loaded(scenario_dict(tasks={"a": task(10), "b": task(5, "a")})).scenario)
    assert net.links == ((), ((0, "FS", 0.0),))


def test_a_task_with_shared_capacity_starts_when_the_capacity_is_granted(loaded):
    needs = {"needs": {"hr": 1}}
    scenario = loaded(scenario_dict(capacities={"hr": {"value": 1, "assumption": "test"}},
                                    tasks={"a": task(10, **needs),
                                           "d": task(4, link("a", "FF", "-1d"), **needs)})).scenario
    results = simulate(scenario, runs=2, workers=1)
    d = results.tasks[results.tasks["task_id"] == "d"]
    assert np.all(d["start_day"] == 10)  # the FF lead would allow day 5, but a holds the one HR post until 10
    assert forward_pass(compile_network(scenario))[0][1] == 5  # the forward pass ignores capacity


def test_a_task_dropped_by_scope_passes_on_its_links(loaded):
    scenario = loaded(scenario_dict(
        scope={"x": "out"},
        tasks={"a": task(10), "x": task(7, link("a", "SS", "2d"), requires_scope={"x": "in"}),
               "c": task(4, link("x", "FF", "1d"))})).scenario
    net = compile_network(scenario)
    assert net.task_ids == ("a", "c")
    assert net.links[1] == ((0, "SF", 3.0),)  # a's start, plus 2 + 1 days, bounds c's finish
    assert forward_pass(net)[0][1] == 0  # finish >= 3, start >= -1: the start date


def random_network(rng, n):
    tasks = {}
    for i in range(n):
        preds = []
        for j in rng.choice(i, size=min(i, rng.integers(0, 4)), replace=False) if i else []:
            lag = int(rng.integers(-5, 6))
            preds.append(link(f"t{j}", str(rng.choice(["FS", "SS", "FF", "SF"])), f"{'-' if lag < 0 else ''}{abs(lag)}d"))
        days = round(float(rng.uniform(0, 30)), 2)
        tasks[f"t{i}"] = task(days, *preds)
        if rng.random() < 0.2:
            tasks[f"t{i}"]["not_before"] = f"2020-02-{rng.integers(1, 28):02d}"
    return tasks


@pytest.mark.parametrize("network_seed", range(12))
def test_engine_with_fixed_durations_and_no_capacity_is_the_forward_pass(loaded, network_seed):
    rng = np.random.default_rng(network_seed)
    scenario = loaded(scenario_dict(tasks=random_network(rng, 14),
                                    go_live={**scenario_dict()["go_live"], "consultation_tasks": ["t0"]})).scenario
    net = compile_network(scenario)
    start, finish = forward_pass(net)
    results = simulate(scenario, runs=2, workers=1)
    for _, rows in results.tasks.groupby("replication"):
        assert np.array_equal(rows["start_day"].to_numpy(), start)
        assert np.array_equal(rows["finish_day"].to_numpy(), finish)


def test_bad_link_type_is_reported(write):
    data = scenario_dict(tasks={"a": task(10), "b": task(5, {"task": "a", "type": "XX"})})
    out = check(write(data))
    assert "tasks.b.predecessors.0.type" in out


def test_link_to_unknown_task_is_reported(write):
    data = scenario_dict(tasks={"a": task(10), "b": task(5, link("ghost", "SS", "1d"))})
    assert "unknown predecessor 'ghost'" in check(write(data))
