"""Random valid scenarios never go live before the planned date, inside a closed window, or off a slot."""

import datetime as dt

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ORGANISATIONS
from transition_sim.golive import is_closed
from transition_sim.montecarlo import simulate
from transition_sim.scenario import load

START = dt.date(2020, 1, 1)


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 6))
    tasks = {}
    for i in range(n):
        low = draw(st.integers(1, 60))
        likely = low + draw(st.integers(0, 60))
        high = likely + draw(st.integers(0, 60))
        preds = draw(st.lists(st.sampled_from([f"t{j}" for j in range(i)]), unique=True)) if i else []
        tasks[f"t{i}"] = {"name": f"task {i}", "workstream": "w", "predecessors": preds,
                          "duration": {"low": f"{low}d", "likely": f"{likely}d", "high": f"{high}d"},
                          "distribution": draw(st.sampled_from(["triangular", "pert"])),
                          "needs": {"hr": 1} if draw(st.booleans()) else {}, "assumption": "generated"}
    windows = {}
    for k in range(draw(st.integers(0, 3))):
        begin = START + dt.timedelta(days=draw(st.integers(0, 500)))
        windows[f"w{k}"] = {"start": begin.isoformat(),
                            "end": (begin + dt.timedelta(days=draw(st.integers(1, 120)))).isoformat(),
                            "assumption": "generated"}
    planned = START + dt.timedelta(days=draw(st.integers(1, 300)))
    risks = {}
    if draw(st.booleans()):
        risks["pause"] = {"name": "p", "probability": draw(st.floats(0, 1)), "assumption": "generated",
                          "window": {"start": "2020-01-01", "end": "2020-12-31"},
                          "pause": {"low": "1w", "likely": "4w", "high": "12w"}}
    return {
        "name": "generated", "seed": draw(st.integers(0, 2**32)),
        "start": START.isoformat(), "planned_go_live": planned.isoformat(), **ORGANISATIONS,
        "go_live": {"programme": "service", "go_no_go_notice": f"{draw(st.integers(0, 40))}d", "eli_notice": "28d",
                    "consultation_tasks": [f"t{draw(st.integers(0, n - 1))}"]},
        "closed_windows": windows, "capacities": {"hr": draw(st.integers(1, 3))},
        "tasks": tasks, "risks": risks,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios())
def test_go_live_respects_the_rules(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("s") / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    scenario = load(path).scenario
    results = simulate(scenario, runs=20, workers=1)
    closed = tuple((w.start, w.end) for w in scenario.closed_windows.values())
    reps = results.replications
    for go_live, readiness in zip(reps["go_live_date"].dt.date, reps["readiness_date"].dt.date):
        assert go_live >= scenario.planned_go_live.value
        assert go_live.day == 1
        assert not is_closed(go_live, closed)
        assert go_live >= readiness
