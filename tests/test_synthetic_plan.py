"""The synthetic plans of `benchmarks/synthetic_plan.py` are valid scenarios that use every engine feature."""

import sys
from pathlib import Path

import pytest
import yaml

from transition_sim import api
from transition_sim.montecarlo import simulate_replications
from transition_sim.scenario import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic_plan import plan  # noqa: E402

TASKS = 200
RUNS = 20


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "plan-200.yaml"
    path.write_text(yaml.safe_dump(plan(TASKS), sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def results(written):
    return api.simulate(load(written, strict=True).scenario, runs=RUNS, workers=1)


def test_a_plan_passes_strict_validation_with_its_tasks_and_features(written):
    s = load(written, strict=True).scenario  # strict: every number has a source or an assumption
    assert len(s.tasks) == TASKS
    links = [link for task in s.tasks.values() for link in task.predecessors]
    assert {"FS", "SS", "FF"} <= {link.type for link in links}
    assert any(link.lag < 0 for link in links) and any(link.lag > 0 for link in links)
    assert any(task.needs for task in s.tasks.values()) and s.capacities
    assert any(task.calendar == "office" for task in s.tasks.values()) and s.calendars["office"].weekends
    assert any(task.programme == "reorganisation" for task in s.tasks.values())
    assert not s.programmes["reorganisation"].paused_by_risks
    windowless = [r for r in s.risks.values() if r.window is None]
    assert windowless and all(r.delays for r in windowless)
    assert any(r.pause is not None for r in s.risks.values()) and any(r.calendar for r in s.risks.values())
    assert s.finance is not None and s.services


def test_the_same_size_and_seed_give_the_same_plan_and_another_seed_another():
    assert plan(TASKS, seed=3) == plan(TASKS, seed=3)
    assert plan(TASKS, seed=3)["tasks"] != plan(TASKS, seed=4)["tasks"]


def test_a_plan_runs_and_its_features_act(results):
    reps = results.replications
    assert len(reps) == RUNS and reps["go_live_date"].notna().all()
    assert (reps["go_live_date"] >= reps["readiness_date"]).all()
    assert reps["reorganisation_ready_date"].notna().all()  # the programme risks do not pause ran
    risks = results.risks
    windowless = [k for k, r in results.scenario.risks.items() if r.window is None]
    assert risks[risks["risk_id"].isin(windowless)]["struck"].any()
    assert (risks["pause_days"] > 0).any() and (risks["delay_days"] > 0).any()
    assert results.ledger is not None and (reps["transition_cost_gbp"] > 0).all()


def test_its_capacities_bind(results):
    """Without the capacities (the same random numbers) some replications go live earlier."""
    s = results.scenario
    free = s.model_copy(update={"tasks": {k: t.model_copy(update={"needs": {}}) for k, t in s.tasks.items()}})
    unconstrained = simulate_replications(free, results.seed, range(RUNS), workers=1)["go_live"]
    with_capacity = results.replications["go_live_date"].to_numpy()
    assert (unconstrained <= with_capacity).all() and (unconstrained < with_capacity).any()
