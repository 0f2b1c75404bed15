import json
import subprocess
import sys

import pandas as pd
from click.testing import CliRunner

from transition_sim.cli import main


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_run_bundled_baseline_writes_a_complete_folder(tmp_path):
    result = invoke("run", "--runs", "200", "--out", str(tmp_path), "--name", "base")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "base"
    expected = {"manifest.json", "scenario.resolved.yaml", "replications.parquet", "tasks.parquet",
                "risks.parquet", "summary.json", "ledger.parquet", "report.html", "board-pack.xlsx"}
    assert {p.name for p in folder.iterdir()} == expected
    for text in ("P10", "P50", "P80", "P90", "P(go-live on the planned date)", "P(go-live before vesting day)",
                 "critical path", "Staff transferred under TUPE", "Transition cost", "P80",
                 "Contract sum by financial year and payer", "northamptonshire", "north_northamptonshire",
                 "west_northamptonshire", "dfe",
                 f"Run written to {folder}/"):
        assert text in result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["runs"] == 200 and manifest["seed"] == 20191101 and len(manifest["files"][0]["sha256"]) == 64
    reps = pd.read_parquet(folder / "replications.parquet")
    summary = json.loads((folder / "summary.json").read_text())
    assert len(reps) == 200
    assert summary["figures"]["p_on_time"]["value"] == reps["on_time"].mean()
    assert not list(tmp_path.glob(".*partial*"))
    ledger = pd.read_parquet(folder / "ledger.parquet")
    assert set(ledger.columns) == {"replication", "month", "financial_year", "payer", "category", "amount_gbp"}
    for column in ("transition_cost_gbp", "dual_running_cost_gbp", "staff_transferred", "agency_share_at_horizon",
                   "contract_sum_2021_22_gbp"):
        assert column in reps.columns


def test_existing_run_is_kept_without_force(tmp_path):
    args = ["run", "--runs", "20", "--out", str(tmp_path), "--name", "x", "--no-report"]
    assert invoke(*args, "--seed", "1").exit_code == 0
    before = (tmp_path / "x" / "replications.parquet").read_bytes()
    result = CliRunner().invoke(main, args + ["--seed", "2"])
    assert result.exit_code == 2 and "--force" in result.output
    assert (tmp_path / "x" / "replications.parquet").read_bytes() == before
    assert invoke(*args, "--seed", "2", "--force").exit_code == 0
    assert (tmp_path / "x" / "replications.parquet").read_bytes() != before


def test_set_overrides_reach_the_run(tmp_path):
    result = invoke("run", "--runs", "20", "--out", str(tmp_path), "--name", "s", "--no-report",
                    "--set", "planned_go_live=2020-11-01", "--set", "capacities.hr=3")
    assert result.exit_code == 0
    resolved = (tmp_path / "s" / "scenario.resolved.yaml").read_text()
    assert "2020-11-01" in resolved
    reps = pd.read_parquet(tmp_path / "s" / "replications.parquet")
    assert (reps["go_live_date"] >= pd.Timestamp("2020-11-01")).all()


def test_sept_2020_reforecast_runs_from_its_status_date(tmp_path):
    from transition_sim.scenario import models_dir
    path = models_dir() / "northamptonshire-sept-2020.yaml"
    assert invoke("validate", str(path), "--strict").exit_code == 0
    assert invoke("run", str(path), "--runs", "50", "--out", str(tmp_path), "--name", "sept",
                  "--no-report").exit_code == 0
    tasks = pd.read_parquet(tmp_path / "sept" / "tasks.parquet")
    not_done = tasks[tasks["task_id"].isin(["go_no_go", "readiness_review", "cabinet_signoff"])]
    assert (not_done["start_date"] >= pd.Timestamp("2020-09-01")).all()
    done = tasks[tasks["task_id"] == "company_setup"]
    assert (done["finish_date"] == pd.Timestamp("2020-01-24")).all()


def test_validate_baseline_strict():
    result = invoke("validate", "--strict")
    assert result.exit_code == 0 and result.output.startswith("ok: 33 trust tasks")


def test_validate_extends_and_null_removes(scenario_dict, write):
    base = write(scenario_dict(risks={"r": {"name": "r", "probability": 0.5, "assumption": "x",
                                            "window": {"start": "2020-01-01", "end": "2020-02-01"},
                                            "pause": {"low": "1w", "likely": "1w", "high": "1w"}}}), "base.yaml")
    child = write("extends: base.yaml\nrisks:\n  r: null\n", "child.yaml")
    assert "0 risks" in invoke("validate", str(child)).output
    assert "1 risks" in invoke("validate", str(base)).output


def test_every_command_has_help_with_an_example():
    for name, command in main.commands.items():
        assert command.help and "Example:" in command.help, name


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "transition_sim", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "run" in out.stdout and "validate" in out.stdout


def test_the_command_ends_with_its_exit_code_and_all_its_output(tmp_path):
    """`transition-sim` ends the process as soon as a command returns (cli.command): the exit code is the
    command's, everything it printed reaches a pipe, up to the last line, and the pipe closes with it (no
    copy of the process is left holding it: a reader waiting for its end, as this one does, would hang)."""
    command = [sys.executable, "-m", "transition_sim"]
    done = subprocess.run(command + ["run", "--runs", "30", "--workers", "2", "--out", str(tmp_path),
                                     "--name", "piped"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(f"Report: {tmp_path / 'piped' / 'report.html'}")
    assert (tmp_path / "piped" / "summary.json").is_file() and (tmp_path / "piped" / "report.html").is_file()
    bad = subprocess.run(command + ["run", str(tmp_path / "missing.yaml")], capture_output=True, text=True)
    assert bad.returncode == 2 and "missing.yaml" in bad.stderr and "Traceback" not in bad.stderr
    usage = subprocess.run(command + ["run", "--no-such-option"], capture_output=True, text=True)
    assert usage.returncode == 2 and "No such option" in usage.stderr


def test_ctrl_c_leaves_no_half_written_run(tmp_path, monkeypatch):
    import transition_sim.api as api

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "simulate", interrupted)
    result = CliRunner().invoke(main, ["run", "--runs", "20", "--out", str(tmp_path), "--name", "x"])
    assert result.exit_code == 130 and "interrupted" in result.output
    assert not (tmp_path / "x").exists()


def test_write_run_removes_its_partial_folder_when_interrupted(tmp_path):
    import pandas as pd_
    from transition_sim.runstore import write_run

    class Boom(pd_.DataFrame):
        def to_parquet(self, *args, **kwargs):
            raise KeyboardInterrupt

    try:
        write_run(tmp_path / "x", {"a.json": "{}"}, {"t": Boom({"a": [1]})}, force=False)
    except KeyboardInterrupt:
        pass
    assert list(tmp_path.iterdir()) == []


def test_report_command_rebuilds_only_with_force(tmp_path):
    assert invoke("run", "--runs", "40", "--out", str(tmp_path), "--name", "r").exit_code == 0
    page = tmp_path / "r" / "report.html"
    first = page.read_text()
    assert "Plotly.newPlot" in first
    assert CliRunner().invoke(main, ["report", str(tmp_path / "r")]).exit_code == 2
    page.unlink()
    assert invoke("report", str(tmp_path / "r")).exit_code == 0
    assert page.read_text().count("Plotly.newPlot") == first.count("Plotly.newPlot")


def test_no_report_flag(tmp_path):
    assert invoke("run", "--runs", "20", "--out", str(tmp_path), "--name", "n", "--no-report").exit_code == 0
    assert not (tmp_path / "n" / "report.html").exists()


def test_compare_writes_a_comparison_page(tmp_path):
    out = tmp_path / "cmp.html"
    result = invoke("compare", "models/northamptonshire.yaml", "what-if/no-pandemic.yaml", "--runs", "50",
                    "--out", str(tmp_path), "--name", "c", "--report", str(out))
    assert result.exit_code == 0
    page = out.read_text()
    assert "No pandemic" in page and page.count("Plotly.newPlot") == 4
    again = CliRunner().invoke(main, ["compare", "models/northamptonshire.yaml", "what-if/no-pandemic.yaml",
                                      "--runs", "50", "--out", str(tmp_path), "--name", "c2", "--report", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
