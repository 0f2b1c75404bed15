"""Generated hostile input (hypothesis): random YAML, random --set strings and random run names never give a
traceback or a hang, and never change anything outside the run's own folder."""

import os
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from transition_sim.cli import main
from transition_sim.errors import ScenarioError
from transition_sim.scenario import load

pytestmark = pytest.mark.timeout(600)
MINIMAL = yaml.safe_load((Path(__file__).resolve().parent / "data" / "minimal.yaml").read_text(encoding="utf-8"))
EACH = settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
KEYS = ["name", "start", "tasks", "a", "value", "duration", "low", "high", "risks", "pause", "closed_windows",
        "capacities", "scope", "extends", "predecessors", "<<", "window", "end", "seed"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(["2020-13-45", "9999-12-31", "99999y", "6w", "£2m", "-1",
                                                           "[a, b]", "*x", "&x", "{", "in", "out"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4)),
    max_leaves=30)


def refuses_cleanly(path, overrides=()):
    try:
        load(path, overrides)
    except ScenarioError as err:
        assert err.problems and all(str(p) for p in err.problems)


@EACH
@given(text=st.text(max_size=300))
def test_random_text_never_gives_a_traceback(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_text(text, encoding="utf-8")
        refuses_cleanly(path)


@EACH
@given(data=st.binary(max_size=300))
def test_random_bytes_never_give_a_traceback(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_bytes(data)
        refuses_cleanly(path)


@EACH
@given(key=st.sampled_from(sorted(MINIMAL)) | st.sampled_from(["tasks.a", "tasks.a.duration", "go_live"]),
       value=documents)
def test_a_scenario_with_a_random_part_never_gives_a_traceback(key, value):
    document = yaml.safe_load(yaml.safe_dump(MINIMAL))
    node = document
    *parents, leaf = key.split(".")
    for part in parents:
        node = node[part]
    node[leaf] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        refuses_cleanly(path)


setting = st.tuples(st.lists(st.sampled_from(KEYS) | st.text(max_size=6), min_size=0, max_size=4),
                    st.sampled_from(["=", "", "=="]), st.text(max_size=20) | st.sampled_from(
                        ["[a]", "[ghost, a]", "{low: 1w}", "[[[[", "&a [*a]", "2020-02-30", "1000000y"]))


@EACH
@given(parts=setting)
def test_random_set_strings_never_give_a_traceback(parts, tmp_path_factory):
    keys, sep, value = parts
    path = tmp_path_factory.getbasetemp() / "generated-set.yaml"
    if not path.exists():
        path.write_text(yaml.safe_dump(MINIMAL))
    refuses_cleanly(path, [".".join(keys) + sep + value])


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


@settings(max_examples=25, deadline=20000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=12) | st.sampled_from([".", "..", "../x", "/tmp", "a/b", "-", "x" * 300]),
       override=st.sampled_from(["", "capacities.hrr=1", "tasks.a.duration.high=99999y", "seed=-1",
                                 "tasks.a.predecessors=[a]", "planned_go_live=2020-02-01"]))
def test_a_run_never_touches_anything_outside_its_folder(name, override, tmp_path_factory):
    root = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    (root / "s.yaml").write_text(yaml.safe_dump(MINIMAL))
    (root / "runs" / "other").mkdir(parents=True)
    (root / "runs" / "other" / "keep.txt").write_text("keep")
    before = snapshot(root)
    args = ["run", str(root / "s.yaml"), "--runs", "5", "--workers", "1", "--no-report", "--out", str(root / "runs"),
            "--name", name, "--force"] + (["--set", override] if override else [])
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, args)
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 2), (result.output, result.exception)
    after = snapshot(root)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    allowed = {"runs"} | ({p for p in changed if p == f"runs/{name}" or p.startswith(f"runs/{name}/")}
                         if result.exit_code == 0 else set())
    assert changed <= allowed, changed
