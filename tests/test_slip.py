"""Why did it slip: per-replication causes that add up to the slip, against hand-computed cases."""

import numpy as np
import pytest

from transition_sim.analysis import slip_drivers
from transition_sim.montecarlo import SLIP, simulate
from transition_sim.scenario import load
from conftest import scenario_dict

# start 1 Jan 2020, planned go-live 1 March (day 60), no go/no-go notice, ELI notice 28 days after consultation


def fixed(days):
    return {"low": f"{days}d", "likely": f"{days}d", "high": f"{days}d"}


def task(days, **extra):
    return {"name": "t", "workstream": "w", "duration": fixed(days), "assumption": "test", **extra}


def causes(loaded, **changes):
    results = simulate(loaded(scenario_dict(**changes)).scenario, runs=3, workers=1)
    row = results.replications.iloc[0]
    return {c.removeprefix(SLIP): row[c] for c in results.replications if c.startswith(SLIP)}, row["slip_days"]


def test_notice_and_slot(loaded):
    # a ends day 40; + 28 days ELI = day 68 (9 March) -> 1 April (day 91): slip 31.
    # plan: 0 - 60 + 40 = -20 (float); notice 28 raises the total to 8; the slot adds 23
    found, slip = causes(loaded, tasks={"a": task(40)})
    assert slip == 31
    assert found["plan"] == 0 and found["notice periods"] == pytest.approx(8)
    assert found["slot rounding and closed windows"] == pytest.approx(23)


def test_a_risk_delay(loaded):
    # a takes 40 + 10 days: T = 78 (19 March) -> 1 April; notice 8, the risk 10, the slot 13
    risk = {"name": "r", "probability": 1.0, "window": {"start": "2020-01-02", "end": "2020-01-03"},
            "delays": {"a": fixed(10)}, "assumption": "test"}
    found, slip = causes(loaded, tasks={"a": task(40)}, risks={"late": risk})
    assert slip == 31
    assert found["risk:late"] == pytest.approx(10) and found["notice periods"] == pytest.approx(8)
    assert found["slot rounding and closed windows"] == pytest.approx(13)


def test_capacity_waiting(loaded):
    # first takes hr for days 0-30, b waits and works 30-60: T = 88 (29 March) -> 1 April (day 91), slip 31.
    # plan: -60 + 30 = -30; notice 28 -> -2; capacity 30 -> 28; the slot 3
    go_live = {**scenario_dict()["go_live"], "consultation_tasks": ["b"]}
    found, slip = causes(loaded, go_live=go_live, capacities={"hr": {"value": 1, "assumption": "t"}},
                         tasks={"first": task(30, needs={"hr": 1}), "b": task(30, needs={"hr": 1})})
    assert slip == 31
    assert found["capacity waiting"] == pytest.approx(28) and found["plan"] == 0 and found["notice periods"] == 0
    assert found["slot rounding and closed windows"] == pytest.approx(3)


def test_causes_add_up_exactly_on_the_baseline():
    results = simulate(load().scenario, runs=200, workers=1)
    reps = results.replications
    columns = [c for c in reps if c.startswith(SLIP)]
    assert np.allclose(reps[columns].sum(axis=1), reps["slip_days"], atol=1e-6)
    assert (reps[columns] > -1e-9).all().all()  # float absorbs lateness, so no cause is negative
    table = slip_drivers(results)
    assert abs(table["mean_days"].sum() - reps["slip_days"].mean()) < 0.5
    assert table["share"].sum() == pytest.approx(1.0)
    slot = reps[SLIP + "slot rounding and closed windows"]
    assert (slot < 31 + 90).all()  # rounding to a first of the month plus at most the vesting window


def test_the_driving_path_accounts_for_every_day_before_rounding():
    """Along the path, the causes sum to T - planned, T = max(readiness + go/no-go, consultation + ELI)."""
    from transition_sim import sampling
    from transition_sim.attribution import path_causes
    from transition_sim.golive import GoLiveCalendar
    from transition_sim.programme import compile_network
    from transition_sim.simulation import play

    scenario = load().scenario
    net, calendar = compile_network(scenario), GoLiveCalendar.of(scenario)
    draws = sampling.draw(net, 5, 0, 150)
    active = draws.active(net)
    worst = 0.0
    for i in range(150):
        rep = play(net, calendar, i, draws.work_days[i], draws.struck[i], draws.strike_day[i], draws.pause_days[i],
                   draws.delay_days[i], active[i])
        raw = path_causes(net, calendar, rep, draws.work_days[i], draws.strike_day[i], draws.pause_days[i],
                          draws.delay_days[i])
        t = max(rep.readiness_day + calendar.go_no_go_days, rep.consultation_end_day + calendar.eli_days)
        worst = max(worst, abs(raw.sum() - (t - calendar.planned_day)))
    assert worst < 1e-6
