"""`transition-sim status`: a what-if with a status date and progress; nothing silently assumed not started."""

import yaml
from click.testing import CliRunner

from transition_sim import cli
from transition_sim.cli import main
from conftest import scenario_dict
from test_import import mspdi


def fixed(days):
    return {"low": f"{days}d", "likely": f"{days}d", "high": f"{days}d"}


def chain(write):
    # planned: a days 0-10, b 10-20, c 20-40 from 2020-01-01
    tasks = {"a": {"name": "A", "workstream": "w", "duration": fixed(10), "assumption": "test"},
             "b": {"name": "B", "workstream": "w", "duration": fixed(10), "predecessors": ["a"], "assumption": "test"},
             "c": {"name": "C", "workstream": "w", "duration": fixed(20), "predecessors": ["b"], "assumption": "test"}}
    return write(scenario_dict(tasks=tasks, go_live={**scenario_dict()["go_live"], "consultation_tasks": ["c"]}))


def invoke(*args, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert "Traceback" not in result.output
    return result


def test_tasks_not_mentioned_are_listed_and_need_an_explicit_assumption(write, tmp_path):
    base = chain(write)
    out = tmp_path / "status.yaml"
    result = invoke("status", base, "--date", "2020-01-15", "--done", "a=2020-01-09", "-o", out)
    assert result.exit_code == 2
    assert "1 tasks the plan had started by 2020-01-15 are not mentioned: b (planned 2020-01-11 to 2020-01-21)" \
        in result.output and "--assume" in result.output
    assert not out.exists()


def test_as_planned_takes_the_plan_s_progress(write, tmp_path):
    base = chain(write)
    out = tmp_path / "status.yaml"
    result = invoke("status", base, "--date", "2020-01-15", "--done", "a=2020-01-09", "--assume", "as-planned",
                    "-o", out)
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text())
    assert document["extends"] == "scenario.yaml"
    assert document["tasks"]["a"] == {"done_on": __import__("datetime").date(2020, 1, 9)}
    # b planned over days 10-20, so at day 14 six of its ten days are left
    assert document["tasks"]["b"]["remaining"] == fixed(6)
    assert "c" not in document["tasks"]
    ran = invoke("run", out, "--runs", "5", "--workers", "1", "--out", tmp_path / "runs", "--name", "r", "--no-report")
    assert ran.exit_code == 0, ran.output
    assert "status date 2020-01-15" in ran.output and "assumed as planned" in ran.output
    finish = __import__("pandas").read_parquet(tmp_path / "runs" / "r" / "tasks.parquet")
    assert set(finish.loc[finish["task_id"] == "c", "start_day"]) == {20.0}  # 14 + 6 left of b


def test_not_started_and_progress(write, tmp_path):
    base = chain(write)
    out = tmp_path / "status.yaml"
    result = invoke("status", base, "--date", "2020-01-15", "--done", "a=2020-01-09", "--assume", "not-started",
                    "-o", out)
    assert result.exit_code == 0 and "1 tasks the plan had started but the update did not mention are assumed not " \
        "started" in result.output
    assert "b" not in yaml.safe_load(out.read_text())["tasks"]
    result = invoke("status", base, "--date", "2020-01-15", "--done", "a=2020-01-09", "--progress", "b=50",
                    "-o", out, "--force")
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text())
    assert document["tasks"]["b"]["remaining"] == fixed(5)
    assert document["status_date"]["assumption"] == "every task the plan had started by then was mentioned"


def test_at_a_terminal_it_asks(write, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "interactive", lambda: True)
    out = tmp_path / "status.yaml"
    result = invoke("status", chain(write), "--date", "2020-01-15", "--done", "a=2020-01-09", "-o", out,
                    input="not-started\n")
    assert result.exit_code == 0, result.output
    assert "b (planned 2020-01-11 to 2020-01-21)" in result.output and "Assumed not started: b." in result.output


def test_progress_from_an_updated_ms_project_file(tmp_path):
    plan = mspdi(tmp_path, b="<PredecessorLink><PredecessorUID>1</PredecessorUID></PredecessorLink>")
    scenario = tmp_path / "s.yaml"
    assert invoke("import", plan, "-o", scenario).exit_code == 0
    done = ("<PercentComplete>100</PercentComplete><ActualStart>2020-01-06T08:00:00</ActualStart>"
            "<ActualFinish>2020-01-08T17:00:00</ActualFinish>")
    updated = mspdi(tmp_path, a=done, b="<PercentComplete>0</PercentComplete>", name="updated.xml")
    out = tmp_path / "status.yaml"
    result = invoke("status", scenario, "--date", "2020-01-10", "--from", updated, "-o", out)
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text())
    assert document["tasks"] == {"alpha": {"done_on": __import__("datetime").date(2020, 1, 8)}}
    assert "as given in updated.xml" in document["status_date"]["source"]


def test_bad_updates_exit_2(write, tmp_path):
    base = chain(write)
    out = tmp_path / "status.yaml"
    assert "no task 'zz'" in invoke("status", base, "--date", "2020-01-15", "--done", "zz=2020-01-02", "-o", out).output
    assert invoke("status", base, "--date", "2020-01-15", "--progress", "a=150", "-o", out).exit_code == 2
    result = invoke("status", base, "--date", "2020-01-15", "--done", "a=2020-02-01", "--assume", "not-started",
                    "-o", out)
    assert result.exit_code == 2 and "done_on 2020-02-01 is outside" in result.output and not out.exists()
    assert f"{out}:" in result.output and ".check-" not in result.output
    out.write_text("keep me")
    result = invoke("status", base, "--date", "2020-01-15", "--assume", "not-started", "-o", out)
    assert result.exit_code == 2 and out.read_text() == "keep me"
