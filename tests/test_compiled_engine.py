"""The compiled executor gives SimPy's results, replication by replication, bit for bit.

SimPy (`simulation.py`) is the engine of record: every other test of the engine's semantics runs on
it (tests/conftest.py sets $TRANSITION_SIM_ENGINE=simpy). Here the compiled executor
(`compiled.py`) plays the same draws and every array a run keeps must be identical: on every
bundled model, on generated scenarios that combine every scenario feature the timeline reads, and
feature by feature.
"""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transition_sim import compiled, montecarlo, sampling, schema
from transition_sim.golive import GoLiveCalendar
from transition_sim.programme import compile_network
from transition_sim.scenario import bundled_what_ifs, load, models_dir
from conftest import scenario_dict
from test_branching import ON_THE_DAY, on_the_day

START = dt.date(2020, 1, 1)


def both_engines(scenario, runs: int, seed: int = 11, go_live_only_on_simpy: bool = False) -> tuple[dict, dict]:
    """Both engines' rows; and, asserted here, each engine's go-live-only play (the risk re-runs') gives
    the same go-live dates (on SimPy only if asked: it plays everything and keeps the date)."""
    net, calendar = compile_network(scenario), GoLiveCalendar.of(scenario)
    indices = np.arange(runs)
    simpy_rows = montecarlo.play_rows(net, calendar, indices, sampling.draw_at(net, seed, indices))
    compiled_rows = compiled.play_rows(net, calendar, indices, sampling.draw_at(net, seed, indices))
    for play in (compiled.play_rows,) + ((montecarlo.play_rows,) if go_live_only_on_simpy else ()):
        alone = play(net, calendar, indices, sampling.draw_at(net, seed, indices), go_live_only=True)
        assert alone.keys() == {"go_live"}
        assert np.array_equal(alone["go_live"], simpy_rows["go_live"])
    return simpy_rows, compiled_rows


def assert_identical(simpy_rows: dict, compiled_rows: dict) -> None:
    assert simpy_rows.keys() == compiled_rows.keys()
    for key, expected in simpy_rows.items():
        got = compiled_rows[key]
        assert got.shape == expected.shape, key
        if expected.dtype.kind == "f":
            same = (got == expected) | (np.isnan(got) & np.isnan(expected))
        else:
            same = got == expected
        rows = np.flatnonzero(~same.reshape(len(same), -1).all(axis=1))
        assert rows.size == 0, f"{key} differs in replications {rows[:10].tolist()}"


BUNDLED = sorted(models_dir().glob("*.yaml")) + [path for path, _ in bundled_what_ifs()]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_model_plays_the_same_on_both_engines(path):
    assert_identical(*both_engines(load(path).scenario, runs=150, go_live_only_on_simpy=True))


def test_a_run_is_the_same_on_both_engines_whatever_the_workers(monkeypatch):
    monkeypatch.setattr(montecarlo, "POOL_START_SECONDS", 0.0)  # worker processes even for this little work
    scenario = load().scenario
    with montecarlo.using_engine("simpy"):
        expected = montecarlo.simulate(scenario, runs=120, workers=1)
    with montecarlo.using_engine("compiled"):
        got = montecarlo.simulate(scenario, runs=120, workers=2)
    for table in ("replications", "tasks", "risks"):
        assert getattr(got, table).equals(getattr(expected, table)), table


# --- generated scenarios: every feature the timeline reads, together ------------------------------

def day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


def spread(draw, most: int = 40) -> dict:
    """Days low-likely-high; one in three fixed at whole days, so that events often fall due together."""
    if draw(st.integers(0, 2)) == 0:
        days = f"{draw(st.integers(0, most))}d"
        return {"low": days, "likely": days, "high": days}
    low = draw(st.integers(0, most))
    likely = low + draw(st.integers(0, most))
    return {"low": f"{low}d", "likely": f"{likely}d", "high": f"{likely + draw(st.integers(0, most))}d"}


@st.composite
def scenarios(draw) -> dict:
    n = draw(st.integers(2, 9))
    ids = [f"t{i}" for i in range(n)]
    status = draw(st.sampled_from([None, 20, 60]))
    tasks = {}
    for i, key in enumerate(ids):
        task = {"name": key, "workstream": "w", "assumption": "generated", "duration": spread(draw),
                "distribution": draw(st.sampled_from(["triangular", "pert"])),
                "programme": draw(st.sampled_from(["service", "service", "reorganisation"]))}
        links = draw(st.lists(st.sampled_from(ids[:i]), unique=True, max_size=3)) if i else []
        task["predecessors"] = [{"task": p, "type": draw(st.sampled_from(["FS", "FS", "SS", "FF", "SF"])),
                                 "lag": f"{draw(st.integers(-5, 10))}d"} for p in links]
        needs = {pool: 1 for pool in ("hr", "legal") if draw(st.integers(0, 2)) == 0}
        if needs:
            task["needs"] = needs
        if draw(st.integers(0, 4)) == 0:
            task["not_before"] = day(draw(st.integers(0, 120)))
        if draw(st.integers(0, 4)) == 0:
            task["priority"] = draw(st.integers(-2, 2))
        if draw(st.integers(0, 2)) == 0:
            task["calendar"] = "office"
        if draw(st.integers(0, 5)) == 0:
            task["requires_scope"] = {"extra": draw(st.sampled_from(["in", "out"]))}
        if status is not None and not links:
            progress = draw(st.sampled_from(["none", "done", "started"]))
            if progress == "done":
                task["done_on"] = day(draw(st.integers(0, status)))
            elif progress == "started":
                task["started_on"] = day(draw(st.integers(0, status)))
                task["remaining"] = spread(draw, 20)
        tasks[key] = task
    risks = {}
    for r in range(draw(st.integers(0, 4))):
        begin = draw(st.integers(0, 200))
        risk = {"name": f"r{r}", "probability": draw(st.sampled_from([0.0, 0.3, 0.7, 1.0])), "assumption": "generated",
                "distribution": draw(st.sampled_from(["triangular", "pert"]))}
        windowed = draw(st.booleans())
        if windowed:
            risk["window"] = {"start": day(begin), "end": day(begin + draw(st.integers(1, 150)))}
            if draw(st.booleans()):
                risk["calendar"] = {"busy": {"start": day(begin), "end": day(begin + 20), "assumption": "generated",
                                             "probability_factor": draw(st.sampled_from([0.5, 2.0, 4.0]))}}
        if windowed and draw(st.booleans()):
            risk["pause"] = spread(draw, 30)
        hit = draw(st.lists(st.sampled_from(ids), unique=True, max_size=3, min_size=0 if "pause" in risk else 1))
        if hit:
            risk["delays"] = {t: spread(draw, 20) for t in hit}
        risks[f"r{r}"] = risk
    data = scenario_dict(
        seed=draw(st.integers(0, 2**31)),
        planned_go_live={"value": day(draw(st.integers(20, 200))), "assumption": "generated"},
        tasks=tasks, risks=risks,
        capacities={"hr": {"value": draw(st.integers(1, 2)), "assumption": "generated"},
                    "legal": {"value": 1, "assumption": "generated"}},
        calendars={"office": {"weekends": draw(st.booleans()), "bank_holidays": "england-and-wales",
                              "closed": {"shut": {"start": day(draw(st.integers(0, 150))), "end": day(160),
                                                  "assumption": "generated"}},
                              "productivity": {"slow": {"start": day(30), "end": day(60), "assumption": "generated",
                                                        "factor": 0.5}}}},
        scope={"extra": {"in": 0.5, "out": 0.5, "assumption": "generated"}},
        closed_windows={"summer": {"start": day(draw(st.integers(100, 300))), "end": day(330),
                                   "assumption": "generated"}} if draw(st.booleans()) else {})
    data["programmes"] = {**data["programmes"],
                          "reorganisation": {"name": "Reorganisation", "paused_by_risks": draw(st.booleans())}}
    data["go_live"] = {**data["go_live"], "consultation_tasks": [draw(st.sampled_from(ids))],
                       "go_no_go_notice": {"value": f"{draw(st.integers(0, 30))}d", "assumption": "generated"}}
    if status is not None:
        data["status_date"] = {"value": day(status), "assumption": "generated"}
    condition, *rest = ids
    fallback_tasks = [t for t in rest if "requires_scope" not in tasks[t]][-1:]
    if fallback_tasks and draw(st.booleans()):
        data["fallbacks"] = {"late": {"task": condition, "by": day(draw(st.integers(5, 120))), "tasks": fallback_tasks,
                                      "assumption": "generated"}}
    correlated = draw(st.lists(st.sampled_from(ids), unique=True, max_size=3))
    if len(correlated) >= 2:
        data["correlations"] = {"together": {"tasks": correlated, "risks": list(risks)[:1], "assumption": "generated",
                                             "rank": draw(st.sampled_from([-0.3, 0.4, 0.8]))}}
    return data


def loaded_or_none(tmp_path, data):
    from transition_sim.errors import ScenarioError
    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    try:
        return load(path).scenario
    except ScenarioError:  # an incoherent combination the generator made (a cycle of dates, say): not a case
        return None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=scenarios())
def test_generated_scenarios_play_the_same_on_both_engines(tmp_path, data):
    scenario = loaded_or_none(tmp_path, data)
    if scenario is not None:
        assert_identical(*both_engines(scenario, runs=25, seed=data["seed"] % 1000))


def test_most_generated_scenarios_are_valid(tmp_path):
    """The generator must mostly make valid scenarios, or the test above would prove little."""
    examples = []

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=scenarios())
    def collect(data):
        examples.append(loaded_or_none(tmp_path, data) is not None)

    collect()
    assert np.mean(examples) > 0.8


# --- feature by feature: each the timeline reads, alone, on both engines ---------------------------

def task(duration="20d", **extra) -> dict:
    return {"name": "t", "workstream": "w", "duration": {"low": "10d", "likely": duration, "high": "40d"},
            "assumption": "test", **extra}


def risk(**extra) -> dict:
    return {"name": "r", "probability": 0.6, "assumption": "test", **extra}


WINDOW = {"start": day(5), "end": day(60)}
FEATURES = {
    "predecessors": {"tasks": {"a": task(), "b": task(predecessors=["a"])}},
    "link types and lags": {"tasks": {"a": task(), "b": task(predecessors=[{"task": "a", "type": "SS", "lag": "3d"}]),
                                      "c": task(predecessors=[{"task": "b", "type": "FF", "lag": "-2d"},
                                                              {"task": "a", "type": "SF", "lag": "30d"}])}},
    "capacities and needs": {"capacities": {"hr": {"value": 1, "assumption": "test"}},
                             "tasks": {"a": task(needs={"hr": 1}), "b": task(needs={"hr": 1}),
                                       "c": task(needs={"hr": 1}, priority=3)}},
    "not_before": {"tasks": {"a": task(not_before=day(25))}},
    "status date, done and started tasks": {
        "status_date": {"value": day(30), "assumption": "test"},
        "tasks": {"a": task(done_on=day(10)), "b": task(started_on=day(20), remaining={"low": "5d", "likely": "9d",
                                                                                        "high": "20d"}),
                  "c": task(predecessors=["a", "b"])}},
    "work calendars": {"calendars": {"office": {"weekends": True, "bank_holidays": "england-and-wales",
                                                "closed": {"x": {"start": day(10), "end": day(15), "assumption": "test"}},
                                                "productivity": {"y": {"start": day(20), "end": day(40), "factor": 0.5,
                                                                       "assumption": "test"}}}},
                       "default_calendar": "office", "tasks": {"a": task(), "b": task(predecessors=["a"])}},
    "risk pauses": {"tasks": {"a": task(), "b": task(predecessors=["a"])},
                    "risks": {"p": risk(window=WINDOW, pause={"low": "5d", "likely": "10d", "high": "30d"})}},
    "risk delays in a window": {"tasks": {"a": task()},
                                "risks": {"d": risk(window=WINDOW, delays={"a": {"low": "1d", "likely": "5d",
                                                                                 "high": "9d"}})}},
    "windowless risks": {"tasks": {"a": task(), "b": task(predecessors=["a"])},
                         "risks": {"d": risk(delays={"a": {"low": "1d", "likely": "5d", "high": "9d"},
                                                     "b": {"low": "1d", "likely": "2d", "high": "3d"}})}},
    "risk calendars": {"tasks": {"a": task()},
                       "risks": {"d": risk(window=WINDOW, calendar={"c": {"start": day(5), "end": day(10),
                                                                          "probability_factor": 5.0,
                                                                          "assumption": "test"}},
                                           delays={"a": {"low": "1d", "likely": "5d", "high": "9d"}})}},
    "programmes not paused": {"programmes": {"service": {"name": "S", "delivers": ["trust"]},
                                             "reorganisation": {"name": "R", "paused_by_risks": False}},
                              "tasks": {"a": task(), "b": task(programme="reorganisation")},
                              "risks": {"p": risk(window=WINDOW, pause={"low": "5d", "likely": "10d", "high": "30d"})}},
    "scope branches": {"scope": {"x": {"in": 0.5, "out": 0.5, "assumption": "test"}},
                       "tasks": {"a": task(), "b": task(predecessors=["a"], requires_scope={"x": "in"}),
                                 "c": task(predecessors=["b"])}},
    "fallbacks": {"tasks": {"a": task(), "b": task()},
                  "fallbacks": {"f": {"task": "a", "by": day(22), "tasks": ["b"], "assumption": "test"}}},
    "correlations": {"tasks": {"a": task(), "b": task()},
                     "correlations": {"c": {"tasks": ["a", "b"], "rank": 0.7, "assumption": "test"}}},
    "closed windows": {"tasks": {"a": task()},
                       "closed_windows": {"w": {"start": day(30), "end": day(70), "assumption": "test"}}},
    "distributions": {"default_distribution": "triangular", "tasks": {"a": task(), "b": task(distribution="pert")}},
    "consultation and notices": {"tasks": {"a": task(), "b": task()},
                                 "go_live": {"programme": "service", "consultation_tasks": ["b"],
                                             "go_no_go_notice": {"value": "14d", "assumption": "test"},
                                             "eli_notice": {"value": "28d", "assumption": "test"}}},
}
# The scenario's keys and the task and risk fields the timeline reads, each exercised above; the rest
# (money, organisations, provenance, ...) do not reach the engine.
TIMELINE_KEYS = {
    "scenario": {"start", "status_date", "planned_go_live", "programmes", "go_live", "closed_windows", "capacities",
                 "calendars", "default_calendar", "scope", "tasks", "fallbacks", "risks", "correlations",
                 "default_distribution", "seed"},
    "task": {"duration", "distribution", "predecessors", "needs", "requires_scope", "not_before", "done_on",
             "started_on", "remaining", "priority", "calendar", "programme"},
    "risk": {"probability", "window", "pause", "delays", "distribution", "calendar"},
}
NOT_TIMELINE = {
    "scenario": {"name", "description", "todo", "councils", "providers", "funders", "delivery",
                 "allow_staggered_vesting", "services", "finance", "outside_view", "actuals"},
    "task": {"name", "workstream", "for_each", "source", "published", "assumption"},
    "risk": {"name", "cost", "source", "published", "assumption"},
}


def test_every_timeline_feature_of_the_scenario_language_is_exercised():
    """A new field of the scenario language must be listed here: played on both engines, or not the engine's."""
    fields = {"scenario": schema.Scenario, "task": schema.Task, "risk": schema.Risk}
    for name, model in fields.items():
        declared = {field.alias or key for key, field in model.model_fields.items()}
        assert declared == TIMELINE_KEYS[name] | NOT_TIMELINE[name], name
    exercised = {key for feature in FEATURES.values() for key in feature} | {"start", "planned_go_live", "seed"}
    assert TIMELINE_KEYS["scenario"] <= exercised | {"tasks", "risks"}
    text = yaml.safe_dump(FEATURES)
    for field in TIMELINE_KEYS["task"] | TIMELINE_KEYS["risk"]:
        assert f"{field}:" in text or field in ("duration", "probability"), field


@pytest.mark.parametrize("feature", FEATURES)
def test_each_feature_plays_the_same_on_both_engines(tmp_path, feature):
    data = scenario_dict(**copy.deepcopy(FEATURES[feature]))
    if "consultation_tasks" not in str(FEATURES[feature].get("go_live", "")):
        data["go_live"] = {**data["go_live"], "consultation_tasks": ["a"]}
    path = tmp_path / "feature.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert_identical(*both_engines(load(path).scenario, runs=200))


@pytest.mark.parametrize("case", ON_THE_DAY)
def test_fallbacks_decided_on_the_day_a_task_ends_play_the_same_on_both_engines(tmp_path, case):
    """Ties of a fallback's day with its condition task's end, which the order of events decides."""
    path = tmp_path / "tie.yaml"
    path.write_text(yaml.safe_dump(on_the_day(ON_THE_DAY[case][0]), sort_keys=False))
    assert_identical(*both_engines(load(path).scenario, runs=20))


# --- choosing the engine ----------------------------------------------------------------------------

def run_cli(tmp_path, *args, env=None):
    import os
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "transition_sim", "run", "--runs", "40", "--workers", "1",
                           "--no-report", "--out", str(tmp_path), "--quiet", *args],
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_engine_option_gives_the_same_run_folder_and_records_the_engine(tmp_path):
    import json

    import pandas as pd
    for engine in ("simpy", "compiled"):
        done = run_cli(tmp_path, "--engine", engine, "--name", engine)
        assert done.returncode == 0, done.stderr
        assert json.loads((tmp_path / engine / "manifest.json").read_text())["engine"] == engine
    for table in ("replications", "tasks", "risks", "ledger"):
        simpy_table = pd.read_parquet(tmp_path / "simpy" / f"{table}.parquet")
        assert simpy_table.equals(pd.read_parquet(tmp_path / "compiled" / f"{table}.parquet")), table


def test_an_unknown_engine_is_bad_input(tmp_path):
    done = run_cli(tmp_path, "--name", "x", env={"TRANSITION_SIM_ENGINE": "turbo"})
    assert done.returncode == 2
    assert "TRANSITION_SIM_ENGINE" in done.stderr and "turbo" in done.stderr and "Traceback" not in done.stderr
    done = run_cli(tmp_path, "--engine", "turbo", "--name", "y")
    assert done.returncode == 2 and "Traceback" not in done.stderr



@pytest.mark.parametrize("seed", [1, 2])
def test_synthetic_programme_plans_play_the_same_on_both_engines(tmp_path, seed):
    """benchmarks/synthetic_plan.py: 300 tasks with capacities, calendars, lags, windowed and windowless risks."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from synthetic_plan import plan
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan(300, seed=seed), sort_keys=False))
    assert_identical(*both_engines(load(path).scenario, runs=30, seed=seed))


def test_a_network_too_large_for_the_compiled_engine_is_bad_input(monkeypatch):
    from transition_sim.errors import ScenarioError
    net = compile_network(load().scenario)
    monkeypatch.setattr(compiled, "TASK_BITS", 5)  # room for 31 tasks: the baseline has more
    with pytest.raises(ScenarioError, match="--engine simpy"):
        compiled.Arrays.of(net)
