"""Past one machine: chunks as Dask tasks give the local run's results, even when a worker is lost."""

import os
import signal
import threading
import time

import pandas as pd
import pytest

from transition_sim import api, cluster
from transition_sim.errors import ScenarioError
from transition_sim.montecarlo import simulate
from transition_sim.scenario import load

pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    with cluster.connect(cluster.LOCAL, workers=2) as c:  # loopback only: LocalCluster on 127.0.0.1
        yield c


@pytest.fixture(scope="module")
def baseline():
    return load().scenario


def assert_same(a, b):
    for table in ("replications", "tasks", "risks"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))


def test_a_cluster_run_equals_a_local_run(client, baseline):
    assert len(client.scheduler_info()["workers"]) == 2
    assert all(address.startswith("tcp://127.0.0.1:") for address in client.scheduler_info()["workers"])
    local = simulate(baseline, runs=90, workers=1)
    assert_same(simulate(baseline, runs=90, cluster=client), local)


def test_a_lost_worker_has_its_chunks_re_run(client, baseline):
    local = simulate(baseline, runs=400, workers=1)
    pids = client.run(os.getpid)  # worker address -> process id
    done: dict = {}

    def run():
        done["results"] = simulate(baseline, runs=400, cluster=client)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = next(address for address, tasks in client.processing().items() if tasks)
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(timeout=240)
    assert not thread.is_alive(), "the run did not finish after a worker was killed"
    assert victim not in client.scheduler_info()["workers"] or client.run(os.getpid).get(victim) != pids[victim]
    assert_same(done["results"], local)


def test_drivers_on_the_cluster_equal_drivers_locally(baseline):
    results = simulate(baseline, runs=60, workers=1)
    local = api.drivers(results, workers=1)["risks"]
    pd.testing.assert_frame_equal(api.drivers(results, cluster="local", workers=2)["risks"], local)


def test_a_bad_cluster_address_is_a_clear_error():
    with pytest.raises(ScenarioError, match="--cluster"):
        with cluster.connect("localhost:1"):
            pass


def test_sweep_command_on_a_local_cluster_gives_the_local_table(tmp_path):
    from click.testing import CliRunner

    from transition_sim.cli import main
    common = ["sweep", "--vary", "capacities.hr=1,2", "--runs", "30", "--workers", "2", "--out", str(tmp_path)]
    for name, extra in (("local", []), ("dask", ["--cluster", "local"])):
        done = CliRunner().invoke(main, common + ["--name", name] + extra, catch_exceptions=False)
        assert done.exit_code == 0, done.output
    assert (tmp_path / "local" / "sweep.csv").read_text() == (tmp_path / "dask" / "sweep.csv").read_text()
