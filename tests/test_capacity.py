"""Shared capacity like a programme office: no partial holding, no head-of-line blocking, priorities, real drivers."""

from transition_sim.montecarlo import simulate
from transition_sim.programme import compile_network
from conftest import scenario_dict


def fixed(days):
    return {"low": f"{days}d", "likely": f"{days}d", "high": f"{days}d"}


def task(days, **extra):
    return {"name": "t", "workstream": "w", "duration": fixed(days), "assumption": "test", **extra}


def caps(**sizes):
    return {name: {"value": n, "assumption": "test"} for name, n in sizes.items()}


def programme(tasks, **changes):
    go_live = {**scenario_dict()["go_live"], "consultation_tasks": [next(iter(tasks))]}
    return scenario_dict(tasks=tasks, go_live=go_live, **changes)


def timeline(loaded, data):
    results = simulate(loaded(data).scenario, runs=3, workers=1)
    first = results.tasks[results.tasks["replication"] == 0].set_index("task_id")
    return {k: (first.at[k, "start_day"], first.at[k, "finish_day"]) for k in first.index}, first


def test_a_task_that_cannot_start_takes_no_capacity(loaded):
    """x needs hr and legal; legal is busy, so x takes no hr and y uses it at once."""
    data = programme(capacities=caps(hr=1, legal=1),
                         tasks={"lawyer": task(20, needs={"legal": 1}),
                                "x": task(10, needs={"hr": 1, "legal": 1}),
                                "y": task(5, needs={"hr": 1})})
    times, _ = timeline(loaded, data)
    assert times == {"lawyer": (0, 20), "x": (20, 30), "y": (0, 5)}


def test_no_head_of_line_blocking(loaded):
    """big needs both hr units and waits; small needs one, which is free, and does not wait behind big."""
    data = programme(capacities=caps(hr=2),
                         tasks={"a": task(10, needs={"hr": 1}), "big": task(10, needs={"hr": 2}),
                                "small": task(5, needs={"hr": 1})})
    times, _ = timeline(loaded, data)
    assert times == {"a": (0, 10), "big": (10, 20), "small": (0, 5)}


def test_priority_goes_first(loaded):
    data = programme(capacities=caps(hr=1),
                         tasks={"a": task(10, needs={"hr": 1}), "b": task(10, needs={"hr": 1}, priority=1)})
    times, _ = timeline(loaded, data)
    assert times == {"a": (10, 20), "b": (0, 10)}


def test_ties_follow_the_file_order_not_the_alphabet(loaded):
    data = programme(capacities=caps(hr=1),
                         tasks={"zebra": task(10, needs={"hr": 1}), "aardvark": task(10, needs={"hr": 1})})
    times, _ = timeline(loaded, data)
    assert times == {"zebra": (0, 10), "aardvark": (10, 20)}
    assert compile_network(loaded(data).scenario).task_ids == ("zebra", "aardvark")


def test_default_priority_is_the_longest_remaining_path(loaded):
    """short leads to a 30-day successor (path 35 days), long has none (20): short goes first."""
    data = programme(capacities=caps(hr=1),
                     tasks={"long": task(20, needs={"hr": 1}), "short": task(5, needs={"hr": 1}),
                                "after": task(30, predecessors=["short"])})
    times, _ = timeline(loaded, data)
    assert times == {"long": (5, 25), "short": (0, 5), "after": (5, 35)}


def test_criticality_follows_the_capacity_driver(loaded):
    """b waited for a's hr unit, so the chain that sets readiness runs b <- a, not b alone."""
    data = programme(capacities=caps(hr=1),
                         tasks={"a": task(10, needs={"hr": 1}), "b": task(10, needs={"hr": 1}),
                                "c": task(5)})
    times, first = timeline(loaded, data)
    assert times["b"] == (10, 20)
    assert first["critical"].to_dict() == {"a": True, "b": True, "c": False}
