"""Every kind of bad input: a clear message with file, key path and line, exit code 2, no traceback."""

import pytest
from click.testing import CliRunner

from transition_sim.cli import main


def check(path, *args, command="validate"):
    result = CliRunner().invoke(main, [command, str(path), *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


GOOD_TASK = {"name": "t", "workstream": "w", "duration": {"low": "1w", "likely": "2w", "high": "3w"},
             "assumption": "test"}


def test_malformed_yaml_names_the_line(write):
    out = check(write("name: x\ntasks: [unclosed\n"))
    assert "scenario.yaml:3" in out and "malformed YAML" in out


def test_unknown_key_names_path_and_line(scenario_dict, write):
    data = scenario_dict()
    data["tasks"]["a"]["colour"] = "red"
    text = write(data).read_text()
    line = text.splitlines().index("    colour: red") + 1
    out = check(write(data))
    assert f"scenario.yaml:{line}: tasks.a.colour: unknown key 'colour'" in out


def test_wrong_type(scenario_dict, write):
    out = check(write(scenario_dict(capacities={"hr": {"value": "two", "assumption": "x"}})))
    assert "capacities.hr.value" in out and "'two'" in out


def test_three_point_out_of_order(scenario_dict, write):
    data = scenario_dict()
    data["tasks"]["a"]["duration"] = {"low": "3w", "likely": "2w", "high": "4w"}
    assert "tasks.a.duration: three-point estimate out of order" in check(write(data))


def test_duration_without_unit(scenario_dict, write):
    data = scenario_dict()
    data["tasks"]["a"]["duration"]["low"] = 5
    assert "a duration needs a unit" in check(write(data))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_outside_unit_interval(scenario_dict, write, p):
    data = scenario_dict(risks={"r": {"name": "r", "probability": p, "assumption": "x",
                                      "window": {"start": "2020-01-01", "end": "2020-02-01"},
                                      "delays": {"a": {"low": "1w", "likely": "1w", "high": "1w"}}}})
    assert "risks.r.probability" in check(write(data))


def test_unknown_predecessor_and_capacity(scenario_dict, write):
    data = scenario_dict()
    data["tasks"]["a"].update(predecessors=["nope"], needs={"wizards": 1})
    out = check(write(data))
    assert "tasks.a.predecessors: unknown predecessor 'nope'" in out
    assert "tasks.a.needs.wizards: unknown capacity 'wizards'" in out


def test_dependency_cycle_names_its_tasks(scenario_dict, write):
    data = scenario_dict(tasks={"a": {**GOOD_TASK, "predecessors": ["c"]}, "b": {**GOOD_TASK, "predecessors": ["a"]},
                                "c": {**GOOD_TASK, "predecessors": ["b"]}})
    out = check(write(data))
    assert "dependency cycle" in out and all(t in out for t in ("a", "b", "c"))


def test_dates_out_of_order(scenario_dict, write):
    out = check(write(scenario_dict(planned_go_live={"value": "2019-06-01", "assumption": "x"})))
    assert "planned_go_live" in out and "not after the start" in out


def test_impossible_date(scenario_dict, write):
    data = scenario_dict(planned_go_live={"value": "2020-02-30", "assumption": "x"})
    assert "planned_go_live.value" in check(write(data))


@pytest.mark.parametrize("end", ["2020-05-01", "2020-04-01"])
def test_empty_or_inverted_window(scenario_dict, write, end):
    data = scenario_dict(closed_windows={"w": {"start": "2020-05-01", "end": end, "assumption": "x"}})
    out = check(write(data))
    assert "closed_windows.w" in out and ("empty" in out or "inverted" in out)


def test_every_problem_is_listed_at_once(scenario_dict, write):
    data = scenario_dict()
    data["tasks"]["a"].update(predecessors=["x"], colour="red")
    data["risks"] = {"r": {"name": "r", "probability": 2, "window": {"start": "2020-01-01", "end": "2020-01-02"},
                           "pause": {"low": "1w", "likely": "1w", "high": "1w"}}}
    out = check(write(data))
    assert "colour" in out and "probability" in out


def test_strict_fails_on_a_number_without_source(scenario_dict, write):
    data = scenario_dict(capacities={"hr": 2})
    path = write(data)
    assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 0
    out = check(path, "--strict")
    assert "capacities.hr: 2 has neither a source: nor an assumption:" in out


@pytest.mark.parametrize("setting, message", [
    ("capacities", "expected key.path=value"),
    ("nothing.here=1", "unknown key 'nothing'"),
    ("tasks.a.duration.low=soon", "not a duration"),
    ("planned_go_live=2020-13-01", "planned_go_live.value"),
    ("tasks.a.colour=red", "unknown key 'colour'"),
])
def test_bad_set(scenario_dict, write, setting, message):
    out = check(write(scenario_dict()), "--set", setting)
    assert message in out and "--set" in out


def test_extends_a_missing_file(write):
    out = check(write("extends: nowhere.yaml\nname: x\n"))
    assert "extends a file that does not exist" in out


def test_missing_scenario_file(tmp_path):
    out = check(tmp_path / "absent.yaml")
    assert "cannot read" in out


def test_run_refuses_bad_input_and_writes_nothing(scenario_dict, write, tmp_path):
    data = scenario_dict()
    data["tasks"]["a"]["predecessors"] = ["ghost"]
    check(write(data), "--out", str(tmp_path / "runs"), command="run")
    assert not (tmp_path / "runs").exists()
