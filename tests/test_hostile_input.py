"""Hostile and odd input, as a tester would write it: always a clean exit 2 naming where, never a traceback or hang."""

import json
import textwrap

import pytest

from transition_sim.scenario import load

pytestmark = pytest.mark.timeout(60)

TWO_TASKS = {"a": {"name": "A", "workstream": "w", "duration": {"low": "10d", "likely": "20d", "high": "30d"},
                   "assumption": "test", "needs": {"hr": 1}},
             "b": {"name": "B", "workstream": "w", "duration": {"low": "1w", "likely": "2w", "high": "3w"},
                   "assumption": "test", "requires_scope": {"children_with_disabilities": "in"}}}


@pytest.fixture
def rich_scenario(write, scenario_dict):
    """A small scenario with a capacity and a scope decision to misspell."""
    return write(scenario_dict(capacities={"hr": {"value": 2, "assumption": "x"}},
                               scope={"children_with_disabilities": "in"}, tasks=TWO_TASKS))


# --- overrides that used to do nothing -------------------------------------------------------------------

@pytest.mark.parametrize("setting, suggestion", [
    ("capacities.hrr=3", "did you mean 'hr'"),
    ("scope.children_with_disabilites=in", "did you mean 'children_with_disabilities'"),
    ("tasks.a.duraton.low=1w", "did you mean 'duration'"),
    ("planned_go_lve=2020-11-01", "did you mean 'planned_go_live'"),
])
def test_a_misspelt_set_is_an_error_with_a_suggestion(bad_input, rich_scenario, setting, suggestion):
    out = bad_input("validate", rich_scenario, "--set", setting)
    assert suggestion in out and "--set" in out


def test_a_misspelt_vary_is_an_error_before_anything_runs(bad_input, rich_scenario, tmp_path):
    out = bad_input("sweep", rich_scenario, "--vary", "capacities.hrr=1,2,3", "--runs", "10", "--workers", "1",
                    "--out", tmp_path / "runs")
    assert "did you mean 'hr'" in out and "--vary" in out
    assert not (tmp_path / "runs").exists()


def test_a_misspelt_key_in_a_file_is_an_error_with_a_suggestion(bad_input, write, scenario_dict):
    data = scenario_dict()
    data["tasks"]["a"]["duraton"] = data["tasks"]["a"].pop("duration")
    out = bad_input("validate", write(data))
    assert "tasks.a.duraton: unknown key 'duraton' (did you mean 'duration'?)" in out


def test_a_misspelt_scope_item_in_a_file_is_an_error(bad_input, write, scenario_dict):
    data = scenario_dict(scope={"children_with_disabilites": "in"}, tasks=TWO_TASKS,
                         capacities={"hr": {"value": 2, "assumption": "x"}})
    out = bad_input("validate", write(data))
    assert "scope.children_with_disabilites" in out and "did you mean 'children_with_disabilities'" in out


def test_set_can_add_an_optional_field_the_schema_declares(write, scenario_dict):
    loaded = load(write(scenario_dict()), ["status_date=2020-01-15", "tasks.a.not_before=2020-01-10"])
    assert str(loaded.scenario.status) == "2020-01-15"
    assert str(loaded.scenario.tasks["a"].not_before) == "2020-01-10"


def test_set_of_a_list_is_yaml_flow_typed_by_the_schema(rich_scenario):
    loaded = load(rich_scenario, ["tasks.a.predecessors=[b]", "go_live.consultation_tasks=[a, b]",
                                  "tasks.a.needs={hr: 2}"])
    assert [link.task for link in loaded.scenario.tasks["a"].predecessors] == ["b"]
    assert loaded.scenario.go_live.consultation_tasks == ["a", "b"]
    assert loaded.scenario.tasks["a"].needs == {"hr": 2}


@pytest.mark.parametrize("setting", ["tasks.a.predecessors=[unclosed", "tasks.a.predecessors=[ghost]",
                                     "tasks.a.predecessors={}"])
def test_a_bad_list_in_set_is_reported(bad_input, rich_scenario, setting):
    assert "--set" in bad_input("validate", rich_scenario, "--set", setting)


# --- YAML that used to hang or crash ----------------------------------------------------------------------

BILLION_LAUGHS = textwrap.dedent("""\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    """)


@pytest.mark.timeout(10)
def test_billion_laughs_is_refused_quickly(bad_input, write):
    assert "aliases expand to more than" in bad_input("validate", write(BILLION_LAUGHS))


@pytest.mark.parametrize("text", ["name: &x [*x]\n", "a: &x {b: *x}\n"])
def test_a_recursive_alias_is_refused(bad_input, write, text):
    assert "recursive alias" in bad_input("validate", write(text))


def test_a_mapping_merged_into_itself_is_a_clean_error(bad_input, write):
    bad_input("validate", write("a: &x\n  <<: *x\n"))


@pytest.mark.parametrize("text", ["[" * 20000 + "]" * 20000, "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 3000))])
def test_deep_nesting_is_refused(bad_input, write, text):
    assert "nest" in bad_input("validate", write(text))  # ours, or libyaml's "maximum nesting depth"


def test_aliases_within_the_limit_still_work(write, minimal_yaml):
    text = minimal_yaml + "closed_windows:\n  w1: &w {start: 2020-06-01, end: 2020-06-30, assumption: x}\n"
    assert load(write(text)).scenario.closed_windows["w1"].end.isoformat() == "2020-06-30"


def test_an_impossible_date_in_a_file_names_its_line(bad_input, write, minimal_yaml):
    text = minimal_yaml.replace("value: '2020-03-01'", "value: 2020-13-45").replace("value: 2020-03-01",
                                                                                     "value: 2020-13-45")
    assert "2020-13-45" in text
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "2020-13-45" in row)
    out = bad_input("validate", write(text))
    assert f"scenario.yaml:{line}" in out and "not a valid date" in out


def test_a_latin1_file_is_refused_with_its_line(bad_input, tmp_path, minimal_yaml):
    path = tmp_path / "latin1.yaml"
    path.write_bytes((minimal_yaml + "description: costs £2m\n").encode("latin-1"))
    out = bad_input("validate", path)
    assert "not UTF-8" in out and f"latin1.yaml:{len(minimal_yaml.splitlines()) + 1}" in out


def test_extends_of_a_binary_file_is_refused(bad_input, tmp_path):
    (tmp_path / "blob.yaml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "child.yaml").write_text("extends: blob.yaml\nname: x\n")
    assert "blob.yaml" in bad_input("validate", tmp_path / "child.yaml")


def test_extends_of_a_folder_is_refused(bad_input, tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "child.yaml").write_text("extends: dir.yaml\nname: x\n")
    assert "extends" in bad_input("validate", tmp_path / "child.yaml")


# --- durations and dates past what a calendar holds -------------------------------------------------------

def _with_risk(scenario_dict, **risk):
    base = {"name": "r", "probability": 1, "assumption": "x", "window": {"start": "2020-01-01", "end": "2020-02-01"}}
    return scenario_dict(risks={"r": {**base, **risk}})


@pytest.mark.parametrize("change, message", [
    ({"closed_windows": {"w": {"start": "2020-02-01", "end": "9999-12-31", "assumption": "x"}}}, "latest date"),
    ({"councils": {"old": {"name": "Old", "role": "predecessor"},
                   "new": {"name": "New", "role": "successor", "from": {"value": "9999-12-31", "assumption": "x"}}}},
     "latest date"),
])
def test_dates_past_the_calendar_are_refused(bad_input, write, scenario_dict, change, message, tmp_path):
    out = bad_input("run", write(scenario_dict(**change)), "--runs", 10, "--workers", 1, "--out", tmp_path)
    assert message in out


def test_a_duration_past_the_limit_is_refused(bad_input, write, scenario_dict):
    data = scenario_dict()
    data["tasks"]["a"]["duration"]["high"] = "99999y"
    out = bad_input("validate", write(data))
    assert "tasks.a.duration.high" in out and "limit of 1000y" in out


def test_pauses_that_add_up_past_the_calendar_are_refused(bad_input, write, scenario_dict, tmp_path):
    risks = {f"r{i}": {"name": "r", "probability": 1, "assumption": "x",
                       "window": {"start": "2020-01-01", "end": "2020-02-01"},
                       "pause": {"low": "900y", "likely": "900y", "high": "900y"}} for i in range(9)}
    out = bad_input("run", write(scenario_dict(risks=risks)), "--runs", 10, "--workers", 1, "--out", tmp_path)
    assert "could run past" in out


def test_a_negative_seed_is_refused(bad_input, write, scenario_dict, tmp_path):
    out = bad_input("run", write(scenario_dict()), "--seed", "-1", "--out", tmp_path)
    assert "--seed" in out


def test_a_negative_seed_in_a_file_is_refused(bad_input, write, scenario_dict):
    assert "seed" in bad_input("validate", write(scenario_dict(seed=-1)))


# --- errors located where the bad value was written --------------------------------------------------------

def test_a_bad_value_in_a_what_if_is_reported_at_the_what_if(bad_input, write, scenario_dict):
    write(scenario_dict(), "base.yaml")
    child = write("extends: base.yaml\ntasks:\n  a:\n    duration:\n      low: 40d\n", "child.yaml")
    out = bad_input("validate", child)
    assert "child.yaml:" in out and "base.yaml" not in out and "out of order" in out


def test_a_bundled_what_if_error_names_the_what_if(bad_input, tmp_path):
    from transition_sim.scenario import baseline_path
    child = tmp_path / "mine.yaml"
    child.write_text(f"extends: {baseline_path()}\ncapacities:\n  hr:\n    value: 0\n")
    out = bad_input("validate", child)
    assert "mine.yaml:4: capacities.hr.value" in out


# --- run folders that were not run folders -------------------------------------------------------------------

def _copy(run, tmp_path):
    import shutil
    target = tmp_path / "copy"
    shutil.copytree(run, target)
    return target


@pytest.mark.parametrize("command", ["drivers", "report", "compare"])
@pytest.mark.parametrize("damage", ["parquet", "manifest", "manifest-json", "columns"])
def test_a_damaged_run_folder_is_named_not_a_traceback(bad_input, baseline_run, tmp_path, command, damage):
    import pandas as pd
    folder = _copy(baseline_run, tmp_path)
    if damage == "parquet":
        (folder / "replications.parquet").write_bytes(b"PAR1 this is not parquet")
        name = "replications.parquet"
    elif damage == "manifest":
        (folder / "manifest.json").write_text(json.dumps({"scenario": "x"}))
        name = "manifest.json"
    elif damage == "manifest-json":
        (folder / "manifest.json").write_text("{not json")
        name = "manifest.json"
    else:
        pd.DataFrame({"x": [1]}).to_parquet(folder / "tasks.parquet")
        name = "tasks.parquet"
    args = [command, folder] + ([baseline_run, "--out", tmp_path] if command == "compare" else [])
    assert name in bad_input(*args)


# --- extends: merging is linear --------------------------------------------------------------------------

def test_extends_merging_is_linear_in_the_number_of_tasks(tmp_path, scenario_dict):
    import time
    import yaml
    tasks = {f"t{i}": {"name": f"T{i}", "workstream": "w", "duration": {"low": "1d", "likely": "2d", "high": "3d"},
                       "predecessors": [f"t{i - 1}"] if i else [], "assumption": "x"} for i in range(1000)}
    whole = scenario_dict(tasks=tasks)
    whole["go_live"]["consultation_tasks"] = ["t0"]
    (tmp_path / "whole.yaml").write_text(yaml.safe_dump(whole))
    small = {**whole, "tasks": {"t0": tasks["t0"]}}
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(small))
    (tmp_path / "adds.yaml").write_text(yaml.safe_dump({"extends": "small.yaml", "tasks": tasks}))
    seconds = {}
    for name in ("whole", "adds"):
        began = time.perf_counter()
        assert len(load(tmp_path / f"{name}.yaml").scenario.tasks) == 1000
        seconds[name] = time.perf_counter() - began
    assert seconds["adds"] < 2 * seconds["whole"] + 1, seconds  # quadratic merging took 20 times as long


def test_a_date_too_close_to_the_calendar_end_is_blamed(bad_input, write, scenario_dict):
    out = bad_input("validate", write(scenario_dict()), "--set", "planned_go_live=4999-12-01")
    assert "planned_go_live: 4999-12-01 leaves too little time" in out
