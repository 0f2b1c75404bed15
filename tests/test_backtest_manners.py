"""backtest with i13's manners: --json prints the table and calibration as JSON, --quiet prints nothing."""

import json

import pytest

OUTCOMES = "models/outcomes/northamptonshire.yaml"


@pytest.fixture(scope="module")
def as_json(tmp_path_factory):
    from click.testing import CliRunner

    from transition_sim.cli import main
    out = tmp_path_factory.mktemp("bt") / "b"
    result = CliRunner().invoke(main, ["backtest", "models/northamptonshire.yaml", OUTCOMES, "--runs", "20",
                                       "--workers", "1", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), out


def test_backtest_json_holds_each_measure_and_a_calibration_that_counts_them(as_json):
    data, out = as_json
    inside = [row["inside_p10_p90"] for row in data["backtest"]]
    assert data["calibration"]["actuals"] == len(inside) > 0
    assert data["calibration"]["inside"] == sum(inside)
    assert data["written"] == [str(out / name) for name in ("backtest.csv", "backtest.xlsx", "backtest.html")]
    assert all((out / name).exists() for name in ("backtest.csv", "backtest.xlsx", "backtest.html"))


def test_backtest_quiet_prints_nothing(cli, tmp_path):
    result = cli("backtest", "models/northamptonshire.yaml", OUTCOMES, "--runs", 20, "--workers", 1,
                 "--out", tmp_path / "q", "--quiet")
    assert result.exit_code == 0 and result.stdout == ""
    assert (tmp_path / "q" / "backtest.csv").exists()
