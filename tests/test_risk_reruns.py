"""Every risk's re-runs in one set of chunks: the same dates as re-running each risk's scenario on its own."""

import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import yaml

from transition_sim import analysis, montecarlo, sampling
from transition_sim.montecarlo import go_live_without, simulate_replications, using_engine
from transition_sim.programme import compile_network
from transition_sim.scenario import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic_plan import plan  # noqa: E402

SEED = 11


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("reruns") / "plan.yaml"
    path.write_text(yaml.safe_dump(plan(150, seed=3), sort_keys=False), encoding="utf-8")
    return load(path).scenario


@pytest.fixture(scope="module")
def baseline():
    return load().scenario


def removals_of(scenario, count: int = 30) -> dict[str, np.ndarray]:
    """Uneven sets of replications per risk, some shared between risks, one risk with none."""
    rng = np.random.default_rng(4)
    keys = list(scenario.risks)
    out = {key: np.sort(rng.choice(60, size=int(rng.integers(1, count)), replace=False)) for key in keys[1:]}
    out[keys[0]] = np.empty(0, dtype=np.int64)
    return out


@pytest.mark.parametrize("name", ["baseline", "synthetic"])
def test_draws_without_a_risk_equal_the_draws_of_the_scenario_without_it(name, request):
    scenario = request.getfixturevalue(name)
    net = compile_network(scenario)
    indices = np.arange(40, 90)
    base = sampling.draw_at(net, SEED, indices)
    expected = {r: sampling.draw_at(compile_network(analysis.without_risk(scenario, key)), SEED, indices)
                for r, key in enumerate(net.risk_ids)}
    for r, key in enumerate(net.risk_ids):  # every row without the same risk
        derived = base.without_risks(net, np.full(len(indices), r))
        for field in fields(sampling.Draws):
            np.testing.assert_array_equal(getattr(derived, field.name), getattr(expected[r], field.name), err_msg=key)
    mixed = np.arange(len(indices)) % len(net.risk_ids)  # each row without its own risk
    derived = base.without_risks(net, mixed)
    for field in fields(sampling.Draws):
        np.testing.assert_array_equal(getattr(derived, field.name),
                                      np.stack([getattr(expected[r], field.name)[j] for j, r in enumerate(mixed)]),
                                      err_msg=field.name)
    rows = np.array([0, 3, 7])
    np.testing.assert_array_equal(base.rows(rows).work_days, base.work_days[rows])


@pytest.mark.parametrize("engine", montecarlo.ENGINES)
@pytest.mark.parametrize("name", ["baseline", "synthetic"])
def test_all_risks_at_once_equal_each_risk_re_run_alone(name, engine, request):
    scenario = request.getfixturevalue(name)
    removals = removals_of(scenario)
    with using_engine(engine):
        together = go_live_without(scenario, SEED, removals, workers=1)
        assert go_live_without(scenario, SEED, removals, workers=2).keys() == together.keys()
        for key, reps in removals.items():
            alone = simulate_replications(analysis.without_risk(scenario, key), SEED, reps, 1)["go_live"] \
                if len(reps) else np.empty(0, dtype="datetime64[D]")
            np.testing.assert_array_equal(together[key], alone, err_msg=key)


def test_the_workers_and_the_chunks_do_not_change_the_dates(baseline, monkeypatch):
    removals = removals_of(baseline)
    with using_engine("compiled"):
        monkeypatch.setattr(montecarlo, "POOL_START_SECONDS", 0.0)  # a pool even for this little work
        pooled = go_live_without(baseline, SEED, removals, workers=2)
        monkeypatch.setattr(montecarlo, "chunks", lambda runs, workers: [(i, 1) for i in range(runs)])
        one_by_one = go_live_without(baseline, SEED, removals, workers=1)
    for key in removals:
        np.testing.assert_array_equal(pooled[key], one_by_one[key], err_msg=key)


# --- the report's re-runs begun alongside the money (api.rerun_ahead) ----------------------------

def test_re_runs_begun_before_the_money_give_the_report_s_risk_table(baseline, monkeypatch):
    from transition_sim import api
    results = api.simulate(baseline, runs=400, seed=SEED, workers=1)
    timeline = montecarlo.simulate(baseline, runs=400, seed=SEED, workers=1)  # the same run, before its money
    asked = []
    monkeypatch.setattr(api, "without_each_risk", lambda *args, **kwargs: (
        lambda removals: asked.append(removals) or go_live_without(baseline, SEED, removals, workers=1)))
    rerun = api.rerun_ahead(timeline, 1, False, None)
    early, runs = api.report_risks(results, 1, rerun=rerun)
    assert len(asked) == 1  # begun once, read once: not played again
    monkeypatch.undo()
    late, _ = api.report_risks(results, 1)
    assert runs == 400 and early.equals(late)
    assert (early["p80_shift_days"] != 0).any()  # some risk moves the P80: the table says something


def test_re_runs_begun_for_other_replications_are_played_again(baseline):
    from transition_sim import api
    timeline = montecarlo.simulate(baseline, runs=200, seed=SEED, workers=1)
    rerun = api.rerun_ahead(timeline, 1, False, None)
    other = {key: reps[:1] for key, reps in list(analysis.rerun_removals(timeline).items())[:2]}
    again = rerun(other)
    assert again.keys() == other.keys()
    for key, reps in other.items():
        np.testing.assert_array_equal(again[key], go_live_without(baseline, SEED, {key: reps}, workers=1)[key])


def test_work_begun_ahead_sees_the_engine_chosen_and_passes_its_error_on():
    from transition_sim import ahead
    with using_engine("simpy"):
        assert ahead.start(montecarlo.current_engine).result(timeout=10) == "simpy"

    def fails():
        raise ValueError("no")
    with pytest.raises(ValueError, match="no"):
        ahead.start(fails).result(timeout=10)
