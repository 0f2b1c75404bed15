import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from scipy import stats

from transition_sim import api
from transition_sim.backtest import calibration, column_of, score
from transition_sim.cli import main
from transition_sim.montecarlo import simulate
from transition_sim.scenario import load
from conftest import scenario_dict

ONE_TASK = {"a": {"name": "A", "workstream": "w", "duration": {"low": "10d", "likely": "20d", "high": "40d"},
                  "assumption": "test"}}
# the same most likely value, twice the distance to each end
TWICE_AS_WIDE = {"a": {**ONE_TASK["a"], "duration": {"low": "0d", "likely": "20d", "high": "60d"}}}


def readiness(write, tasks, runs, seed):
    scenario = load(write(scenario_dict(tasks=tasks), name=f"s{seed}.yaml")).scenario
    return simulate(scenario, runs=runs, seed=seed, workers=1).replications["readiness_day"]


def test_crps_matches_the_closed_form_for_a_normal_forecast():
    mu, sigma, n = 3.0, 2.0, 20000
    sample = stats.norm.ppf((np.arange(n) + 0.5) / n, mu, sigma)  # a sample with no Monte Carlo noise
    for actual in (3.0, 4.5, -1.0):
        z = (actual - mu) / sigma
        exact = sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
        assert score(sample, actual)["crps"] == pytest.approx(exact, abs=2e-3)


def test_percentile_is_the_mid_rank_share_and_the_band_is_p10_to_p90():
    found = score(np.arange(1.0, 11.0), 3.0)  # 2 below, 1 equal, of 10
    assert found["percentile"] == pytest.approx(25.0)
    assert (found["p10"], found["p50"], found["p90"]) == (1.0, 5.0, 9.0)
    assert found["inside_p10_p90"] and not score(np.arange(1.0, 11.0), 9.5)["inside_p10_p90"]


def test_outcomes_drawn_from_the_model_give_uniform_pit_and_80_percent_coverage(write):
    forecast = readiness(write, ONE_TASK, 4000, seed=1).to_numpy()
    truths = readiness(write, ONE_TASK, 400, seed=2).to_numpy()  # other futures of the same model
    scores = [score(forecast, t) for t in truths]
    pit = np.array([s["percentile"] for s in scores]) / 100
    assert stats.kstest(pit, "uniform").pvalue > 0.01
    cal = calibration([s["inside_p10_p90"] for s in scores])
    # 400 Bernoulli(0.8) draws: standard error 2 points; allow 3 of them
    assert abs(cal["coverage"] - 0.8) < 0.06
    assert cal["verdict"].startswith("consistent")


def test_outcomes_from_a_model_twice_as_wide_are_flagged_under_dispersed(write):
    forecast = readiness(write, ONE_TASK, 4000, seed=1).to_numpy()
    truths = readiness(write, TWICE_AS_WIDE, 400, seed=2).to_numpy()
    scores = [score(forecast, t) for t in truths]
    cal = calibration([s["inside_p10_p90"] for s in scores])
    assert cal["coverage"] < 0.65
    assert cal["verdict"].startswith("under-dispersed")
    pit = np.array([s["percentile"] for s in scores])
    assert ((pit < 10) | (pit > 90)).mean() > 0.35  # the tails fill up: a U-shaped PIT


def test_measures_name_replication_columns():
    columns = ["go_live_date", "contract_sum_2024_25_gbp", "contract_sum_2024_25_north_gbp", "staff_transferred",
               "transition_cost_gbp", "readiness_day"]
    assert column_of("go_live", columns) == "go_live_date"
    assert column_of("contract_sum.2024/25", columns) == "contract_sum_2024_25_gbp"
    assert column_of("contract_sum.2024/25.north", columns) == "contract_sum_2024_25_north_gbp"
    assert column_of("transition_cost", columns) == "transition_cost_gbp"
    assert column_of("staff_transferred", columns) == "staff_transferred"
    assert column_of("outturn.2024/25", columns) is None


OUTCOMES = {"name": "what happened", "observed": {
    "go_live": {"value": "2020-03-01", "source": "test", "published": "2020-03-02"},
    "readiness_day": {"value": 21.5, "source": "test"}}}


def test_cli_backtest_writes_exactly_the_columns_and_keeps_files_without_force(write, tmp_path):
    scenario = write(scenario_dict(tasks=ONE_TASK))
    outcomes = write(yaml.safe_dump(OUTCOMES), name="outcomes.yaml")
    out = tmp_path / "bt"
    args = ["backtest", str(scenario), str(outcomes), "--runs", "200", "--workers", "1", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "backtest.csv")
    assert list(table.columns) == ["measure", "actual", "percentile", "p10", "p50", "p90", "inside_p10_p90", "crps"]
    assert list(table["measure"]) == ["go_live", "readiness_day"]
    assert table.loc[0, "actual"] == "2020-03-01"
    assert "of 2 actuals inside P10-P90" in result.output and "80% claimed" in result.output
    assert (out / "backtest.xlsx").exists() and "Plotly" in (out / "backtest.html").read_text()
    before = (out / "backtest.csv").read_bytes()
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "--force" in again.output
    assert (out / "backtest.csv").read_bytes() == before
    assert CliRunner().invoke(main, args + ["--force"]).exit_code == 0


def test_an_unknown_measure_names_the_file_key_and_line(write, tmp_path):
    scenario = write(scenario_dict(tasks=ONE_TASK))
    text = "name: x\nobserved:\n  go_live: {value: 2020-03-01, source: test}\n  outturn:\n" \
           "    2022/23: {value: £110m, source: test}\n"
    outcomes = write(text, name="outcomes.yaml")
    result = CliRunner().invoke(main, ["backtest", str(scenario), str(outcomes), "--runs", "20", "--workers", "1",
                                       "--out", str(tmp_path / "bt")])
    assert result.exit_code == 2
    assert f"{outcomes}:5: observed.outturn.2022/23: no measure 'outturn.2022/23'" in result.output
    assert not (tmp_path / "bt" / "backtest.csv").exists()


def test_api_backtest_of_a_run_folder(write, tmp_path):
    scenario = write(scenario_dict(tasks=ONE_TASK))
    run = api.run(scenario, runs=50, workers=1, out=tmp_path, name="r", with_report=False)
    found = api.backtest(run.folder, write(yaml.safe_dump(OUTCOMES), name="o.yaml"), write=False)
    assert found.calibration["actuals"] == 2 and found.folder is None


def test_the_backtest_page_draws_every_chart_in_a_browser(tmp_path):
    import os
    import shutil
    import tempfile
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip("Debian's chromium is not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    found = api.backtest("models/northamptonshire.yaml", "models/outcomes/northamptonshire.yaml", runs=200,
                         workers=1, out=tmp_path / "bt")
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(), executable_path=chromium, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto((found.folder / "backtest.html").as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
        page.wait_for_timeout(1000)
        containers, drawn = page.evaluate("""() => {
            const divs = [...document.querySelectorAll('.plotly-graph-div')];
            return [divs.length, divs.filter(d => d.querySelector('svg.main-svg')).length]; }""")
        context.close()
    assert errors == []
    # the PIT histogram, one fan chart per money family (contract sum, outturn) and one for go-live
    assert containers == 4 and drawn == 4
