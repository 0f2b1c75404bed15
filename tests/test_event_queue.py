"""The compiled executor's event queue at its fullest: hundreds of events due at one time, in SimPy's order."""

import numpy as np

from test_capacity import caps, fixed, programme
from test_compiled_engine import assert_identical, both_engines


def test_hundreds_of_tasks_due_at_once_play_as_on_simpy(loaded):
    """Zero-length tasks starting, ending, taking and giving back capacity at one time, some waiting behind others."""
    tasks = {"a": {"name": "a", "workstream": "w", "duration": fixed(5), "assumption": "test"}}
    for k in range(400):
        tasks[f"t{k}"] = {"name": f"t{k}", "workstream": f"w{k % 7}", "duration": fixed(0), "assumption": "test",
                          "predecessors": ["a"] + ([f"t{k - 1}"] if k % 3 else []),
                          **({"needs": {"hr": 1 + k % 2}} if k % 4 else {})}
    scenario = loaded(programme(tasks, capacities=caps(hr=2))).scenario
    simpy_rows, compiled_rows = both_engines(scenario, runs=4)
    assert_identical(simpy_rows, compiled_rows)
    finish = compiled_rows["task_finish_day"]
    assert np.all(finish[:, 1:] == finish[:, :1])  # every zero-length task ends when a does
