"""Run folders are never lost: names confined to --out, atomic no-replace writes, stale temporaries cleaned,
SIGTERM handled like Ctrl-C, and what a run says about itself is true."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from transition_sim import api, runstore
from transition_sim.errors import ScenarioError

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parent.parent
FAST = ["--runs", "20", "--workers", "1", "--no-report"]


@pytest.fixture
def scenario(write, scenario_dict):
    return write(scenario_dict())


@pytest.fixture
def runs_with_others(tmp_path, scenario, cli):
    out = tmp_path / "runs"
    for name in ("keep1", "keep2"):
        assert cli("run", scenario, *FAST, "--out", out, "--name", name).exit_code == 0
    return out


@pytest.mark.parametrize("name", [".", "..", "a/b", "ABSOLUTE", "../escape", ".hidden", "", "x" * 300])
def test_a_run_name_is_one_folder_name(bad_input, runs_with_others, scenario, name):
    elsewhere = runs_with_others.parent / "elsewhere"
    name = str(elsewhere) if name == "ABSOLUTE" else name
    before = sorted(p.name for p in runs_with_others.iterdir())
    out = bad_input("run", scenario, *FAST, "--out", runs_with_others, "--name", name, "--force")
    assert "--name" in out
    assert sorted(p.name for p in runs_with_others.iterdir()) == before
    assert sorted(p.name for p in runs_with_others.parent.iterdir()) == ["runs", "scenario.yaml"]


def test_out_dot_name_dot_is_refused(bad_input, scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "precious.txt").write_text("x")
    bad_input("run", scenario, *FAST, "--out", ".", "--name", ".", "--force")
    assert (tmp_path / "precious.txt").exists()


def test_force_replaces_only_that_run(cli, runs_with_others, scenario):
    assert cli("run", scenario, *FAST, "--out", runs_with_others, "--name", "keep1", "--force",
               "--seed", "5").exit_code == 0
    assert sorted(p.name for p in runs_with_others.iterdir()) == ["keep1", "keep2"]
    assert json.loads((runs_with_others / "keep1" / "manifest.json").read_text())["seed"] == 5


def test_a_folder_that_appears_while_writing_is_not_replaced(tmp_path):
    target = tmp_path / "x"

    class Racing(pd.DataFrame):
        def to_parquet(self, *args, **kwargs):  # another run finishes first, while this one writes
            target.mkdir()
            (target / "theirs.txt").write_text("theirs")
            return pd.DataFrame.to_parquet(self, *args, **kwargs)

    with pytest.raises(ScenarioError, match="another run meanwhile"):
        runstore.write_run(target, {"a.json": "{}"}, {"t": Racing({"a": [1]})}, force=False)
    assert [p.name for p in target.iterdir()] == ["theirs.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


def test_two_concurrent_runs_of_one_name_never_both_succeed(tmp_path, scenario):
    tmp_path = tmp_path / "runs"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "transition_sim", "run", str(scenario), "--runs", "4000", "--workers", "1",
               "--no-report", "--out", str(tmp_path), "--name", "same"]
    procs = [subprocess.Popen(command + ["--seed", str(seed)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    results = [(p.wait(timeout=100), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    winner = next(out for code, out, _ in results if code == 0)
    seed = json.loads((tmp_path / "same" / "manifest.json").read_text())["seed"]
    assert f"seed {seed}," in winner
    assert [p.name for p in tmp_path.iterdir()] == ["same"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_partial_folders_of_dead_processes_are_cleaned(cli, tmp_path, scenario):
    dead = _dead_pid()
    stale = tmp_path / f".old.partial-{dead}"
    stale.mkdir()
    (stale / "replications.parquet").write_bytes(b"half")
    mine = tmp_path / f".live.partial-{os.getppid()}"  # a live process: its write may be under way
    mine.mkdir()
    assert cli("run", scenario, *FAST, "--out", tmp_path, "--name", "new").exit_code == 0
    assert not stale.exists() and mine.exists()


def _catches_sigterm(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads signal masks from /proc")
def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "transition_sim", "run", "--runs", "100000", "--workers", "1",
                             "--out", str(tmp_path), "--name", "killed"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _catches_sigterm(proc.pid) and time.monotonic() < deadline:  # the command has begun
        time.sleep(0.1)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=60)
    err = proc.stderr.read()
    assert code == 130 and "interrupted" in err, err
    assert list(tmp_path.iterdir()) == []


def test_out_under_a_regular_file_is_refused_before_simulating(bad_input, tmp_path, scenario, monkeypatch):
    (tmp_path / "file").write_text("x")

    def never(*args, **kwargs):
        raise AssertionError("simulated before checking --out")

    monkeypatch.setattr(api, "simulate", never)
    out = bad_input("run", scenario, *FAST, "--out", tmp_path / "file" / "runs", "--name", "x")
    assert "is a file" in out


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_out_under_a_file_is_refused_for_compare_and_sweep(bad_input, tmp_path, scenario, command):
    (tmp_path / "file").write_text("x")
    args = [scenario, scenario] if command == "compare" else [scenario, "--vary", "capacities=1"]
    bad_input(command, *args, "--runs", 10, "--workers", 1, "--out", tmp_path / "file")


@pytest.fixture(scope="module")
def saved(tmp_path_factory, minimal_yaml):
    root = tmp_path_factory.mktemp("pairs")
    path = root / "s.yaml"
    path.write_text(minimal_yaml)
    api.run(path, runs=60, workers=1, out=root, name="folder", with_report=False)
    return path, root / "folder"


@pytest.mark.parametrize("first, second", [("folder", "folder"), ("folder", "file"), ("file", "folder"),
                                           ("file", "file")])
def test_compare_of_identical_results_finds_no_difference(saved, first, second):
    path, folder = saved
    pick = {"folder": folder, "file": path}
    table = api.compare(pick[first], pick[second], runs=60, workers=1).table
    verdict = table.iloc[-1, 2]
    assert "no difference" in verdict and "p = 1" in verdict
    assert all(v == 0 for v in table.iloc[:-1, 3])


def test_reading_a_run_gives_the_dates_of_a_fresh_run(saved):
    path, folder = saved
    fresh = api.run(path, runs=60, workers=1, write=False).results
    read = api.load_run(folder)
    for name in ("replications", "tasks", "risks"):
        a, b = getattr(fresh, name), getattr(read, name)
        for column in a.columns:
            if pd.api.types.is_datetime64_dtype(a[column]):
                assert a[column].astype("datetime64[s]").equals(b[column])
                assert b[column].dtype == "datetime64[s]"


def test_workers_above_the_cores_are_capped_and_recorded(cli, tmp_path, scenario):
    result = cli("run", scenario, "--runs", "20", "--no-report", "--workers", "999", "--out", tmp_path,
                 "--name", "w")
    assert result.exit_code == 0 and "capped at" in result.stderr
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text())
    assert manifest["workers"] == min(api.available_workers(), 20)


def test_the_run_line_says_what_each_time_is(cli, tmp_path, scenario):
    result = cli("run", scenario, *FAST, "--out", tmp_path, "--name", "t")
    assert "simulated in" in result.stdout and "s in all" in result.stdout and "95% CI" in result.stdout
    timings = json.loads((tmp_path / "t" / "manifest.json").read_text())["timings"]
    assert timings["total_seconds"] >= timings["simulate_seconds"]


def test_report_and_drivers_do_not_suggest_a_name_they_lack(cli, tmp_path, scenario):
    assert cli("run", scenario, "--runs", "20", "--workers", "1", "--out", tmp_path, "--name", "r").exit_code == 0
    (tmp_path / "r" / "drivers.xlsx").write_text("x")
    for command in ("report", "drivers"):
        result = cli(command, tmp_path / "r")
        assert result.exit_code == 2 and "--force" in result.output and "--name" not in result.output


def test_critical_tasks_by_construction_share_one_line():
    from transition_sim.cli import critical_task_lines
    rows = [{"task_id": t, "name": t.upper(), "criticality": c}
            for t, c in (("readiness_review", 1.0), ("go_no_go", 1.0), ("a", 0.5), ("b", 0.4), ("c", 0.4), ("d", 0.1))]
    lines = critical_task_lines(rows, shown=2)
    assert lines[0] == "  always (every replication): readiness_review, go_no_go"
    assert [line.split()[1] for line in lines[1:]] == ["a", "b", "c"]  # the tie at the cut is kept whole


def test_the_resolved_scenario_of_a_file_nothing_changed_is_its_own_text(tmp_path, scenario_dict):
    """A file that extends nothing, run without --set, is the scenario as run: its text, comments and all;
    otherwise (a --set, a file that extends another, a file changed since it was read) the merged document."""
    import yaml

    from transition_sim import yamltree
    from transition_sim.scenario import load, resolved_yaml
    path = tmp_path / "plain.yaml"
    text = "# a plan as the programme office keeps it\n" + yaml.safe_dump(scenario_dict(), sort_keys=False)
    path.write_text(text, encoding="utf-8")
    (tmp_path / "child.yaml").write_text("extends: plain.yaml\nseed: 9\n", encoding="utf-8")
    plain, overridden, child = load(path), load(path, ["seed=9"]), load(tmp_path / "child.yaml")
    assert plain.as_written and not overridden.as_written and not child.as_written
    assert resolved_yaml(plain) == text
    for loaded in (plain, overridden, child):
        assert yamltree.parse(resolved_yaml(loaded), "resolved.yaml")[0] == loaded.resolved
    assert resolved_yaml(overridden) == yamltree.dump(overridden.resolved)
    path.write_text(text + "# changed since\n", encoding="utf-8")
    assert resolved_yaml(plain) == yamltree.dump(plain.resolved)
