import pandas as pd
import pytest

from transition_sim import montecarlo, sampling
from transition_sim.montecarlo import chunks, simulate
from transition_sim.programme import compile_network
from transition_sim.scenario import load


@pytest.fixture(scope="module")
def baseline():
    return load().scenario


@pytest.fixture
def pools(monkeypatch):
    """Worker processes even for runs too small to be worth them, so the worker count is tested."""
    monkeypatch.setattr(montecarlo, "POOL_START_SECONDS", 0.0)


def test_same_results_whatever_the_worker_count(baseline, pools):
    one = simulate(baseline, runs=300, workers=1)
    two = simulate(baseline, runs=300, workers=2)
    for table in ("replications", "tasks", "risks"):
        pd.testing.assert_frame_equal(getattr(one, table), getattr(two, table))


def test_replication_depends_only_on_seed_and_index(baseline, pools):
    short = simulate(baseline, runs=40, workers=1)
    long = simulate(baseline, runs=100, workers=2)
    pd.testing.assert_frame_equal(short.replications, long.replications.iloc[:40])


def test_a_different_seed_gives_different_results(baseline):
    a = simulate(baseline, runs=100, workers=1, seed=1).tasks["finish_day"]
    b = simulate(baseline, runs=100, workers=1, seed=2).tasks["finish_day"]
    assert not a.equals(b)


def test_stream_rows_do_not_depend_on_where_a_chunk_starts():
    whole = sampling.stream(5, "task:x", 0, 50, 2)
    assert (sampling.stream(5, "task:x", 20, 30, 2) == whole[20:]).all()


def test_chunks_cover_every_replication_once():
    for runs, workers in [(1, 2), (7, 2), (2000, 2), (2001, 3)]:
        parts = chunks(runs, workers)
        assert sum(c for _, c in parts) == runs and parts[0][0] == 0
        assert all(a + n == b for (a, n), (b, _) in zip(parts, parts[1:]))


def test_common_random_numbers_keyed_by_task(baseline):
    """Changing one task's estimate leaves every other task's sampled work unchanged."""
    changed = load(overrides=["tasks.contract_sum.duration.high=30w"]).scenario
    a, b = (sampling.draw(compile_network(s), 9, 0, 50) for s in (baseline, changed))
    ids = compile_network(baseline).task_ids
    k = ids.index("contract_sum")
    others = [i for i in range(len(ids)) if i != k]
    assert (a.work_days[:, others] == b.work_days[:, others]).all()
    assert (a.work_days[:, k] != b.work_days[:, k]).any()
