"""CLI manners: --json and --quiet on every command that summarises, progress only on a terminal, readable tables."""

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def a_run(baseline_run, tmp_path):
    """A copy of the baseline run, which drivers may write into."""
    import shutil
    return Path(shutil.copytree(baseline_run, tmp_path / "base"))


def commands(a_run, tmp_path):
    out = ["--out", tmp_path]
    return {"run": ["run", "--runs", 20, "--workers", 1, "--no-report", *out, "--name", "r"],
            "compare": ["compare", a_run, "what-if/no-pandemic.yaml", "--runs", 30, "--workers", 1, *out],
            "sweep": ["sweep", "--vary", "capacities.hr=1,2", "--runs", 10, "--workers", 1, *out],
            "drivers": ["drivers", a_run, "--workers", 1, "--force"]}


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "drivers"])
def test_json_prints_only_json_on_stdout(cli, a_run, tmp_path, command):
    result = cli(*commands(a_run, tmp_path)[command], "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict) and data
    assert not re.search(r"\bnan\b", result.stdout, re.IGNORECASE)


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "drivers"])
def test_quiet_prints_nothing_on_stdout(cli, a_run, tmp_path, command):
    result = cli(*commands(a_run, tmp_path)[command], "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_run_json_holds_the_headline_figures(cli, tmp_path):
    result = cli("run", "--runs", 20, "--workers", 1, "--no-report", "--out", tmp_path, "--name", "j", "--json")
    data = json.loads(result.stdout)
    summary = json.loads((tmp_path / "j" / "summary.json").read_text())
    assert data["figures"] == summary["figures"] and data["folder"] == str(tmp_path / "j")


def test_no_progress_bar_when_stderr_is_not_a_terminal(cli, tmp_path):
    result = cli("run", "--runs", 20, "--workers", 1, "--no-report", "--out", tmp_path, "--name", "p")
    assert "simulating" not in result.stderr and "rep/s" not in result.stderr


def test_drivers_shows_shares_as_percent_and_no_nan(cli, a_run):
    result = cli("drivers", a_run, "--workers", 1, "--force")
    assert result.exit_code == 0
    assert "criticality %" in result.stdout and "struck share %" in result.stdout
    assert not re.search(r"\bnan\b", result.stdout, re.IGNORECASE)


def test_tables_fit_the_terminal(cli, a_run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("drivers", a_run, "--workers", 1, "--force")
    assert max(len(line) for line in result.stdout.splitlines() if not line.startswith("Written:")) <= 80
