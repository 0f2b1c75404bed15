"""Workers started warm as a command begins give the results of any other executor, and fail cleanly."""

import dataclasses
import os
import time

import numpy as np
import pytest

from transition_sim import api, montecarlo, warm
from transition_sim.scenario import load


def _gone(pid: int, within: float = 5.0) -> bool:
    """The process has ended (a zombie has: only its exit status is left, for a parent that may be gone)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        try:
            os.waitpid(pid, os.WNOHANG)  # the first worker is this process's child: reap it
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def scenario():
    return load().scenario


def test_a_run_on_warm_workers_is_the_run_played_here(scenario):
    with montecarlo.using_engine("compiled"):
        here = montecarlo.simulate(scenario, runs=120, workers=1)
        removals = {key: np.arange(0, 120, 7) for key in list(scenario.risks)[:3]}
        again_here = montecarlo.go_live_without(scenario, scenario.seed, removals, workers=1)
        for workers in (1, 2):
            with warm.workers_for("compiled", workers, 120, None) as pool:
                assert warm.current() is pool and len(pool.connections) == workers
                there = montecarlo.simulate(scenario, runs=120, workers=workers)
                again_there = montecarlo.go_live_without(scenario, scenario.seed, removals, workers=workers)
            assert warm.current() is None
            for table in ("replications", "tasks", "risks"):
                assert getattr(there, table).equals(getattr(here, table)), (workers, table)
            assert {k: list(v) for k, v in again_there.items()} == {k: list(v) for k, v in again_here.items()}


def test_nothing_is_started_for_simpy_or_a_cluster():
    with warm.workers_for("simpy", 2, 100, None) as pool:
        assert pool is None and warm.current() is None
    with warm.workers_for("compiled", 2, 100, "local") as pool:
        assert pool is None


def test_the_workers_end_with_the_command():
    with warm.workers_for("compiled", 2, 100, None) as pool:
        list(pool.play(_square, None, None, "compiled", [1, 2, 3]))  # each worker has said who it is
        pids = set(pool._pids)
    assert len(pids) == 2 and all(_gone(pid) for pid in pids)


def _square(net, calendar, engine, piece):
    return piece * piece


def _fail(net, calendar, engine, piece):
    if piece == 3:
        raise ValueError(f"piece {piece} cannot be played")
    return piece


def _die(net, calendar, engine, piece):
    if piece == 2:
        os._exit(9)
    time.sleep(0.2)
    return piece


def test_results_come_back_for_every_piece():
    with warm.workers_for("compiled", 2, 100, None) as pool:
        assert sorted(pool.play(_square, None, None, "compiled", list(range(10)))) == [(k, k * k) for k in range(10)]
        assert dict(pool.play(_square, None, None, "compiled", [5])) == {0: 25}  # the pool is used again


def test_an_error_in_a_piece_reaches_the_caller_and_stops_the_workers():
    with warm.workers_for("compiled", 2, 100, None) as pool:
        list(pool.play(_square, None, None, "compiled", [1, 2]))
        pids = set(pool._pids)
        with pytest.raises(ValueError, match="piece 3 cannot be played"):
            list(pool.play(_fail, None, None, "compiled", list(range(8))))
        assert pool.broken and all(_gone(pid) for pid in pids)
        with pytest.raises(warm.WorkerLost):
            list(pool.play(_square, None, None, "compiled", [1]))


def test_a_worker_that_dies_fails_the_run_instead_of_hanging_it():
    with warm.workers_for("compiled", 2, 100, None) as pool:
        with pytest.raises(warm.WorkerLost, match="ended unexpectedly"):
            list(pool.play(_die, None, None, "compiled", list(range(6))))


def test_the_command_line_run_on_warm_workers_writes_the_run_played_here(tmp_path, monkeypatch, taken):
    from click.testing import CliRunner

    from transition_sim.cli import main
    monkeypatch.setenv("TRANSITION_SIM_ENGINE", "compiled")
    result = CliRunner().invoke(main, ["run", "--runs", "80", "--workers", "2", "--out", str(tmp_path),
                                       "--name", "warm", "--no-report", "--json"])
    assert result.exit_code == 0, result.output
    assert warm.current() is None
    with montecarlo.using_engine("compiled"):
        api.run(runs=80, workers=1, out=tmp_path, name="here", with_report=False)
    warmed, here = api.load_run(tmp_path / "warm"), api.load_run(tmp_path / "here")
    for table in ("replications", "tasks", "risks"):
        assert getattr(warmed, table).equals(getattr(here, table)), table
    assert taken == [True, False]  # the command's run was begun as it started (`headstart`); the one here not


@pytest.fixture
def taken(monkeypatch):
    """Whether each `headstart.taken` found the run begun."""
    from transition_sim import headstart
    seen, take = [], headstart.taken
    monkeypatch.setattr(headstart, "taken", lambda *args: _recorded(seen, take(*args)))
    return seen


def _recorded(seen: list, loaded):
    seen.append(loaded is not None)
    return loaded


def _counting_plays(pool, monkeypatch) -> list:
    """The calls of the pool's own playing (`WarmPool._play`), each as its pieces."""
    calls, play = [], pool._play
    monkeypatch.setattr(pool, "_play", lambda function, net, calendar, engine, pieces:
                        calls.append(list(pieces)) or play(function, net, calendar, engine, pieces))
    return calls


def test_pieces_begun_are_taken_by_the_play_that_asks_for_them(monkeypatch):
    net = object()
    with warm.workers_for("compiled", 2, 100, None) as pool:
        calls = _counting_plays(pool, monkeypatch)
        pool.begin(_square, net, None, "compiled", list(range(8)))
        assert sorted(pool.play(_square, net, None, "compiled", list(range(8)))) == [(k, k * k) for k in range(8)]
        assert calls == [list(range(8))]  # played once, begun


def test_a_play_of_anything_else_waits_for_the_begun_pieces_and_plays_its_own(monkeypatch):
    net = object()
    with warm.workers_for("compiled", 2, 100, None) as pool:
        calls = _counting_plays(pool, monkeypatch)
        pool.begin(_square, net, None, "compiled", [1, 2, 3])
        assert dict(pool.play(_square, net, None, "compiled", [4, 5])) == {0: 16, 1: 25}
        pool.begin(_square, net, None, "compiled", [1, 2, 3])
        assert dict(pool.play(_square, object(), None, "compiled", [1, 2, 3])) == {0: 1, 1: 4, 2: 9}  # another network
        assert calls == [[1, 2, 3], [4, 5], [1, 2, 3], [1, 2, 3]]
        assert not pool.broken


def test_an_error_in_begun_pieces_reaches_the_play_that_takes_them():
    net = object()
    with warm.workers_for("compiled", 2, 100, None) as pool:
        pool.begin(_fail, net, None, "compiled", list(range(8)))
        with pytest.raises(ValueError, match="piece 3 cannot be played"):
            list(pool.play(_fail, net, None, "compiled", list(range(8))))
        assert pool.broken


def _slow(net, calendar, engine, piece):
    time.sleep(0.5)
    return piece


def test_begun_pieces_never_asked_for_are_stopped_with_the_workers():
    """As when the command fails after beginning its run (its folder exists, say): nothing is left behind."""
    with warm.workers_for("compiled", 2, 100, None) as pool:
        list(pool.play(_square, None, None, "compiled", [1, 2]))
        pids = set(pool._pids)
        pool.begin(_slow, None, None, "compiled", list(range(20)))
        begun = pool._begun
    assert begun.future.done() and all(_gone(pid) for pid in pids)


def test_the_scenario_read_ahead_is_taken_only_if_its_files_are_unchanged(tmp_path, scenario_dict):
    import yaml

    from transition_sim import headstart
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict()), encoding="utf-8")
    for change in (False, True):
        with warm.workers_for("compiled", 2, 100, None):
            headstart.begin(str(path), ("seed=7",), 100, None, 2)
            if change:
                path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
            assert headstart.taken(str(path), ("seed=8",)) is None  # other overrides: not this run
            headstart.begin(str(path), ("seed=7",), 100, None, 2)
            if change:
                path.write_text(path.read_text(encoding="utf-8") + "# again\n", encoding="utf-8")
            loaded = headstart.taken(str(path), ["seed=7"])
            assert (loaded is None) == change
            assert loaded is None or loaded.scenario.seed == 7
            assert headstart.taken(str(path), ["seed=7"]) is None  # taken once


def test_a_worker_loads_numba_without_scipy_linalg_and_scipy_special_only_for_correlations(scenario):
    """What the first worker loads before the others are forked from it: the compiled engine (`warm._load`),
    without numba's probe for SciPy's BLAS (which imports all of scipy.linalg, 0.2-0.4 s), whose module stays
    importable; then, once the first network is in (`warm._prepare`), SciPy's special functions if it draws
    correlated numbers (the baseline does)."""
    import pickle
    import subprocess
    import sys

    from transition_sim.programme import compile_network
    net = compile_network(scenario)
    assert net.correlation is not None
    code = ("import pickle, sys\nfrom transition_sim import warm\nwarm._load('compiled')\n"
            "print('numba' in sys.modules, 'scipy.special._ufuncs' in sys.modules, 'scipy.linalg' in sys.modules)\n"
            "warm._prepare(pickle.loads(sys.stdin.buffer.read()))\n"
            "print('scipy.special._ufuncs' in sys.modules)\n"
            "import scipy.linalg.cython_blas\nprint('importable')")
    for network, special in ((net, "True"), (dataclasses.replace(net, correlation=None), "False")):
        done = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(network), capture_output=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.decode().split("\n")[:3] == ["True False False", special, "importable"]
