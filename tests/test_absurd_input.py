"""Valid but absurd input runs, with a warning naming the input and the consequence, in the CLI and the report."""

import pytest

pytestmark = pytest.mark.timeout(120)


def _risk(pause_high):
    return {"r": {"name": "r", "probability": 1, "assumption": "x", "window": {"start": "2020-01-01", "end": "2020-02-01"},
                  "pause": {"low": "1w", "likely": "2w", "high": pause_high}}}


@pytest.mark.parametrize("changes, named, consequence", [
    ({"risks": _risk("300y")}, "risks.r.pause", "stops the programme"),
    ({"closed_windows": {"w": {"start": "2020-02-01", "end": "2300-01-01", "assumption": "x"}}},
     "closed_windows.w", "no go-live until after 2300-01-01"),
    ({"status_date": {"value": "2021-05-01", "assumption": "x"}}, "status_date", "P(before vesting day) is 0"),
    ({"planned_go_live": {"value": "2020-01-15", "assumption": "x"}}, "planned_go_live", "P(on time) is 0"),
])
def test_absurd_input_is_warned_about(cli, write, scenario_dict, tmp_path, changes, named, consequence):
    result = cli("run", write(scenario_dict(**changes)), "--runs", "20", "--workers", "1", "--out", tmp_path,
                 "--name", "x")
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert named in warning and consequence in warning
    page = (tmp_path / "x" / "report.html").read_text()
    assert page.index('class="warnings"') < page.index("Plotly.newPlot") and consequence in page


def test_go_live_after_the_finance_horizon_is_warned_about(cli, tmp_path):
    result = cli("run", "--runs", "20", "--workers", "1", "--no-report", "--out", tmp_path, "--name", "h",
                 "--set", "closed_windows.vesting.start=2020-02-01", "--set", "closed_windows.vesting.end=2026-06-01")
    assert result.exit_code == 0, result.output
    assert "finance.horizon" in result.stderr and "not counted" in result.stderr


def test_sensible_input_has_no_warning(cli, tmp_path):
    result = cli("run", "--runs", "20", "--workers", "1", "--no-report", "--out", tmp_path, "--name", "ok")
    plausibility = [line for line in result.stderr.splitlines()
                    if line.startswith("warning:") and "schedule health check" not in line]
    assert result.exit_code == 0 and not plausibility
