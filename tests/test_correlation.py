"""Correlated durations and risk occurrences: target rank correlation, exact marginals, keyed replications."""

import numpy as np
import pytest
from scipy import stats

from transition_sim import sampling
from transition_sim.analysis import correlation_check
from transition_sim.correlation import CorrelationPlan, is_positive_definite, nearest_correlation, pearson_for_rank
from transition_sim.errors import ScenarioError
from transition_sim.programme import compile_network
from conftest import scenario_dict

N = 20_000
TRI = {"low": "10d", "likely": "20d", "high": "40d"}


def task(**extra):
    return {"name": "t", "workstream": "w", "duration": TRI, "distribution": "triangular", "assumption": "test",
            **extra}


def correlated(loaded, rank=0.6, pert=False):
    extra = {"distribution": "pert"} if pert else {}
    data = scenario_dict(
        tasks={"a": task(**extra), "b": task(**extra), "c": task(**extra)},
        risks={"r": {"name": "r", "probability": 0.3, "window": {"start": "2020-01-01", "end": "2020-06-01"},
                     "delays": {"a": TRI}, "assumption": "test"}},
        correlations={"ict": {"tasks": ["a", "b", "c"], "risks": ["r"], "rank": rank, "assumption": "test"}})
    return loaded(data).scenario


@pytest.mark.parametrize("rank,pert", [(0.6, False), (0.3, True), (-0.4, False)])
def test_spearman_of_sampled_durations_is_the_target(loaded, rank, pert):
    s = correlated(loaded, rank, pert)
    if rank < 0:  # four items cannot all be correlated at -0.4 (a positive definite matrix needs > -1/3): a pair
        s = s.model_copy(update={"correlations": {"x": s.correlations["ict"].model_copy(
            update={"tasks": ["a", "b"], "risks": []})}})
    table = correlation_check(s, seed=3, runs=N)
    assert not table["repaired"].any()
    assert np.all(np.abs(table["achieved_rank"] - rank) < 0.03), table


def test_a_run_checks_the_correlations_it_sampled_without_drawing_them_again(loaded, monkeypatch):
    """The values the run's pieces sampled (`Results.correlated`, eight chunks here) give the check exactly what
    drawing them again gives; so do the first replications (`head`) and a run joined from blocks."""
    from transition_sim import analysis, montecarlo
    from transition_sim.results import Results
    s = correlated(loaded)
    played = montecarlo.simulate(s, runs=600, seed=5, workers=2)
    drawn = correlation_check(s, seed=5, runs=600)
    blocks = Results.joined([montecarlo.simulate(s, runs=250, seed=5, workers=1),
                             montecarlo.simulate(s, runs=350, seed=5, workers=1, first=250)])
    monkeypatch.setattr(sampling, "draw", None)  # drawing again would fail
    assert played.correlated.shape == (600, 4)
    for results in (played, blocks):
        assert analysis.run_correlation_check(results).equals(drawn)
    assert analysis.run_correlation_check(played.head(200)).equals(correlation_check(s, 5, 200, played.correlated[:200]))
    monkeypatch.undo()
    assert analysis.run_correlation_check(played.head(200)).equals(correlation_check(s, seed=5, runs=200))


def test_variance_of_a_sum_matches_the_copula_integral(loaded):
    """Var(X + Y) = Var X + Var Y + 2 Cov(X, Y), with Cov from Gauss-Hermite quadrature of the copula."""
    rank = 0.6
    s = correlated(loaded, rank)
    net = compile_network(s)
    work = sampling.draw(net, 11, 0, N).work_days
    a, b = net.task_ids.index("a"), net.task_ids.index("b")
    marginal = stats.triang(c=(20 - 10) / 30, loc=10, scale=30)
    r = pearson_for_rank(rank)
    x, w = np.polynomial.hermite_e.hermegauss(80)  # nodes for the standard normal weight
    w = w / w.sum()
    z1, z2 = x[:, None], r * x[:, None] + np.sqrt(1 - r * r) * x[None, :]
    expected_product = np.sum(w[:, None] * w[None, :] * marginal.ppf(stats.norm.cdf(z1))
                              * marginal.ppf(stats.norm.cdf(z2)))
    covariance = expected_product - marginal.mean() ** 2
    closed = 2 * marginal.var() + 2 * covariance
    sampled = np.var(work[:, a] + work[:, b], ddof=1)
    assert abs(sampled / closed - 1) < 0.04  # the variance estimate's relative SE is about 1.2% at n = 20,000
    independent = 2 * marginal.var()
    assert sampled > 1.3 * independent  # correlation widens the spread


@pytest.mark.parametrize("pert", [False, True])
def test_marginals_are_unchanged(loaded, pert):
    s = correlated(loaded, 0.6, pert)
    net = compile_network(s)
    work = sampling.draw(net, 5, 0, N).work_days
    marginal = stats.beta(1 + 4 * 10 / 30, 1 + 4 * 20 / 30, loc=10, scale=30) if pert else \
        stats.triang(c=1 / 3, loc=10, scale=30)
    for k in range(3):
        assert stats.kstest(work[:, k], marginal.cdf).pvalue > 0.01


def test_risk_occurrence_keeps_its_probability(loaded):
    s = correlated(loaded, 0.6)
    draws = sampling.draw(compile_network(s), 5, 0, N)
    assert abs(draws.struck[:, 0].mean() - 0.3) < 3 * np.sqrt(0.3 * 0.7 / N)


def test_replication_i_does_not_depend_on_its_chunk(loaded):
    net = compile_network(correlated(loaded))
    whole, part = sampling.draw(net, 9, 0, 50), sampling.draw(net, 9, 20, 30)
    assert np.array_equal(whole.work_days[20:], part.work_days)
    assert np.array_equal(whole.struck[20:], part.struck)


def test_without_correlation_draws_are_those_of_an_uncorrelated_scenario(loaded):
    s = correlated(loaded)
    plain = s.model_copy(update={"correlations": {}})
    a = sampling.draw(compile_network(s), 9, 0, 100).work_days
    b = sampling.draw(compile_network(plain), 9, 0, 100).work_days
    first = compile_network(s).correlation.items[0][1]
    assert np.allclose(a[:, first], b[:, first], rtol=0, atol=1e-9)  # the first item keeps its uniform


def test_nearest_correlation_matches_higham_2002():
    a = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    expected = np.array([[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]])
    assert np.allclose(nearest_correlation(a, floor=0.0), expected, atol=1e-4)


def test_an_inconsistent_matrix_is_repaired_and_says_so():
    plan = CorrelationPlan.of([("ab", [("task", 0, "a"), ("task", 1, "b")], 0.9),
                               ("bc", [("task", 1, "b"), ("task", 2, "c")], 0.9),
                               ("ac", [("task", 0, "a"), ("task", 2, "c")], -0.9)])
    assert plan.repaired and not is_positive_definite(plan.target) and is_positive_definite(plan.used)
    assert np.allclose(np.diag(plan.used), 1.0)


def test_unknown_item_and_a_pair_correlated_twice_are_bad_input(loaded):
    data = scenario_dict(tasks={"a": task(), "b": task()},
                         correlations={"x": {"tasks": ["a", "zz"], "rank": 0.5, "assumption": "t"},
                                       "y": {"tasks": ["a", "b"], "rank": 0.5, "assumption": "t"},
                                       "z": {"tasks": ["b", "a"], "rank": 0.2, "assumption": "t"}})
    with pytest.raises(ScenarioError) as err:
        loaded(data)
    text = str(err.value)
    assert "unknown task 'zz'" in text and "already correlated by 'y'" in text
