
import numpy as np
from scipy import integrate, optimize, stats

from transition_sim.montecarlo import simulate
from transition_sim.simulation import advance, merged_pauses

TRI = {"low": "10d", "likely": "20d", "high": "40d"}


def task(duration=TRI, **extra):
    return {"name": "t", "workstream": "w", "duration": duration, "assumption": "test", **extra}


def finish_days(results, task_id):
    t = results.tasks
    return t.loc[t["task_id"] == task_id, "finish_day"].to_numpy()


def test_advance_skips_pauses():
    pauses = [(10.0, 20.0), (30.0, 35.0)]
    assert advance(0.0, 5.0, pauses) == 5.0
    assert advance(0.0, 15.0, pauses) == 25.0  # 10 days, pause, 5 more
    assert advance(12.0, 5.0, pauses) == 25.0  # starts inside a pause: waits for its end
    assert advance(0.0, 25.0, pauses) == 40.0  # both pauses
    assert merged_pauses(np.array([5.0, 8.0, 50.0]), np.array([5.0, 10.0, 0.0])) == [(5.0, 18.0)]


def fixed(days):
    return {"low": f"{days}d", "likely": f"{days}d", "high": f"{days}d"}


def test_pause_stops_work_in_progress_which_resumes_after_it(scenario_dict, loaded):
    data = scenario_dict(
        tasks={"a": task(fixed(30)), "b": task(fixed(10), predecessors=["a"])},
        risks={"pause": {"name": "p", "probability": 1.0, "window": {"start": "2020-01-11", "end": "2020-01-12"},
                         "pause": fixed(14), "assumption": "test"}})
    results = simulate(loaded(data).scenario, runs=20, workers=1)
    strike = (results.risks["strike_date"] - np.datetime64("2020-01-01")).dt.days.to_numpy()
    assert np.all((strike >= 10) & (strike <= 11))
    # a works 30 days plus the 14-day pause; b follows
    assert np.allclose(finish_days(results, "a"), 44.0)
    assert np.allclose(finish_days(results, "b"), 54.0)
    assert np.allclose(results.risks["pause_days"], 14.0)


def test_delay_hits_only_unfinished_tasks(scenario_dict, loaded):
    data = scenario_dict(
        tasks={"a": task(fixed(10)), "b": task(fixed(100))},
        risks={"late": {"name": "l", "probability": 1.0, "window": {"start": "2020-02-01", "end": "2020-02-02"},
                        "delays": {"a": fixed(7), "b": fixed(7)}, "assumption": "test"}})
    results = simulate(loaded(data).scenario, runs=10, workers=1)
    assert np.allclose(finish_days(results, "a"), 10.0)
    assert np.allclose(finish_days(results, "b"), 107.0)
    assert np.allclose(results.risks["delay_days"], 7.0)


def test_capacity_makes_tasks_queue(scenario_dict, loaded):
    data = scenario_dict(capacities={"hr": {"value": 1, "assumption": "test"}},
                         tasks={"a": task(fixed(10), needs={"hr": 1}), "b": task(fixed(10), needs={"hr": 1})})
    results = simulate(loaded(data).scenario, runs=5, workers=1)
    assert sorted(results.tasks.groupby("task_id", observed=True)["finish_day"].first()) == [10.0, 20.0]


def test_status_date_reforecast(scenario_dict, loaded):
    data = scenario_dict(
        status_date={"value": "2020-02-01", "assumption": "test"},
        go_live={**scenario_dict()["go_live"], "consultation_tasks": ["next"]},
        tasks={"done": task(fixed(99), done_on="2020-01-21"),
               "going": task(fixed(99), started_on="2020-01-11", remaining=fixed(5)),
               "next": task(fixed(10), predecessors=["done", "going"])})
    results = simulate(loaded(data).scenario, runs=10, workers=1)
    assert np.allclose(finish_days(results, "done"), 20.0)  # not re-simulated
    assert np.allclose(finish_days(results, "going"), 36.0)  # status day 31 + 5 days left
    assert np.allclose(finish_days(results, "next"), 46.0)
    starts = results.tasks.groupby("task_id", observed=True)["start_day"].first()
    assert starts["going"] == 10.0 and starts["next"] == 36.0


def test_risk_before_the_status_date_cannot_strike(scenario_dict, loaded):
    data = scenario_dict(
        status_date={"value": "2020-03-01", "assumption": "test"},
        tasks={"a": task(fixed(10))},
        risks={"past": {"name": "p", "probability": 1.0, "window": {"start": "2020-01-01", "end": "2020-02-01"},
                        "pause": fixed(30), "assumption": "test"}})
    results = simulate(loaded(data).scenario, runs=50, workers=1)
    assert not results.risks["struck"].any()


def test_risk_strikes_at_its_probability(scenario_dict, loaded):
    data = scenario_dict(risks={"r": {"name": "r", "probability": 0.3, "window": {"start": "2020-01-01",
                                                                                 "end": "2020-03-01"},
                                      "delays": {"a": fixed(1)}, "assumption": "test"}})
    n = 4000
    share = simulate(loaded(data).scenario, runs=n, workers=1).risks["struck"].mean()
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / n)


def test_completion_time_matches_the_exact_distribution(scenario_dict, loaded):
    """max(A, B) + C with triangular durations, against numerical integration of the exact CDF."""
    tri = dict(low="10d", likely="20d", high="40d", )
    data = scenario_dict(default_distribution="triangular",
                         go_live={**scenario_dict()["go_live"], "consultation_tasks": ["c"]},
                         tasks={"a": task(tri), "b": task({"low": "5d", "likely": "25d", "high": "35d"}),
                                "c": task({"low": "2d", "likely": "4d", "high": "12d"}, predecessors=["a", "b"])})
    n = 6000
    sample = finish_days(simulate(loaded(data).scenario, runs=n, workers=2), "c")

    def triang(lo, mode, hi):
        return stats.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo)

    a, b, c = triang(10, 20, 40), triang(5, 25, 35), triang(2, 4, 12)

    def cdf(t):
        return integrate.quad(lambda x: a.cdf(t - x) * b.cdf(t - x) * c.pdf(x), 2, 12, limit=200)[0]

    for p in (0.1, 0.5, 0.8, 0.9):
        exact = optimize.brentq(lambda t, p=p: cdf(t) - p, 12, 52)
        observed = np.mean(sample <= exact)
        assert abs(observed - p) < 4 * np.sqrt(p * (1 - p) / n), (p, exact, observed)
        # and the sample percentile sits within Monte Carlo error of the exact one
        density = (cdf(exact + 0.01) - cdf(exact - 0.01)) / 0.02
        assert abs(np.quantile(sample, p) - exact) < 4 * np.sqrt(p * (1 - p) / n) / density


def test_pert_duration_matches_its_beta_distribution(scenario_dict, loaded):
    data = scenario_dict(tasks={"a": task({"low": "10d", "likely": "15d", "high": "40d"}, distribution="pert")})
    n = 4000
    sample = finish_days(simulate(loaded(data).scenario, runs=n, workers=1), "a")
    alpha, beta = 1 + 4 * 5 / 30, 1 + 4 * 25 / 30
    exact = stats.beta(alpha, beta, loc=10, scale=30)
    assert abs(sample.mean() - exact.mean()) < 4 * exact.std() / np.sqrt(n)
    assert stats.kstest(sample, exact.cdf).pvalue > 0.001
