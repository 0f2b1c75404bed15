import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import transition_sim
from transition_sim import analysis
from transition_sim.cli import main
from transition_sim.api import simulate
from transition_sim.montecarlo import go_live_without
from transition_sim.scenario import load


def test_percentile_intervals_cover_the_truth_at_their_stated_rate():
    """Exponential samples with known percentiles: 95% intervals should cover about 95% of the time."""
    rng = np.random.default_rng(12345)
    trials, n = 600, 300
    truth = {p: -np.log(1 - p / 100) for p in (10, 50, 80, 90)}
    covered = {p: 0 for p in truth}
    for _ in range(trials):
        table = analysis.percentile_table(pd.Series(rng.exponential(size=n)))
        for p, value in truth.items():
            covered[p] += table.at[f"P{p}", "ci_low"] <= value <= table.at[f"P{p}", "ci_high"]
    for p, hits in covered.items():
        rate = hits / trials
        # order-statistic intervals are conservative: at least 95% less Monte Carlo error, and not wildly more
        assert 0.95 - 3 * np.sqrt(0.95 * 0.05 / trials) <= rate <= 0.995, (p, rate)


def test_percentiles_of_dates_are_observed_dates():
    dates = pd.Series(pd.to_datetime(["2020-07-01", "2020-08-01", "2020-08-01", "2020-09-01"]))
    table = analysis.percentile_table(dates, (50,))
    assert table.at["P50", "value"] == pd.Timestamp("2020-08-01")


def fixed(days):
    return {"low": f"{days}d", "likely": f"{days}d", "high": f"{days}d"}


def task(duration, **extra):
    return {"name": "t", "workstream": "w", "duration": duration, "assumption": "test", **extra}


@pytest.fixture
def float_network(scenario_dict, loaded):
    """`long` is always critical; `short` has 100 days of float."""
    data = scenario_dict(tasks={"long": task({"low": "150d", "likely": "200d", "high": "300d"}),
                                "short": task({"low": "10d", "likely": "20d", "high": "50d"}),
                                "a": task(fixed(1), predecessors=["long", "short"])})
    return simulate(loaded(data).scenario, runs=300, workers=1)


def test_criticality_of_always_critical_and_floating_tasks(float_network):
    table = analysis.task_criticality(float_network).set_index("task_id")["criticality"]
    assert table["long"] == 1.0 and table["a"] == 1.0
    assert table["short"] == 0.0


def test_spearman_correlation_finds_the_driving_task(float_network):
    table = analysis.task_drivers(float_network).set_index("task_id")["spearman_with_go_live"]
    assert table["long"] > 0.3
    assert abs(table["short"]) < 0.2


@pytest.mark.parametrize("ranked_at_once", [1, 301, 601])
def test_task_drivers_are_the_same_however_many_tasks_are_ranked_at_once(float_network, monkeypatch,
                                                                        ranked_at_once):
    whole = analysis._task_drivers(float_network)  # 3 tasks x 300 replications, ranked together
    monkeypatch.setattr(analysis, "RANKED_AT_ONCE", ranked_at_once)  # one task at a time, then two
    pd.testing.assert_frame_equal(analysis._task_drivers(float_network), whole, check_exact=True)


def test_removing_a_risk_that_cannot_strike_changes_nothing_exactly():
    scenario = load(overrides=["risks.union_dispute.probability=0"]).scenario
    base = simulate(scenario, runs=150, workers=1)
    removed = simulate(analysis.without_risk(scenario, "union_dispute"), runs=150, workers=1)
    pd.testing.assert_frame_equal(base.replications, removed.replications)
    pd.testing.assert_frame_equal(base.tasks, removed.tasks)
    table = analysis.risk_drivers(base, lambda removals: go_live_without(scenario, base.seed, removals, 1)).set_index("risk_id")
    assert table.at["union_dispute", "struck_share"] == 0.0
    assert table.at["union_dispute", "mean_shift_days"] == 0.0
    assert table.at["programme_pause", "mean_shift_days"] > 0


def test_joint_confidence_and_frontier():
    results = simulate(load().scenario, runs=300, workers=2)
    reps = results.replications
    assert analysis.joint_confidence(results, reps["go_live_date"].max(), reps["transition_cost_gbp"].max()) == 1.0
    frontier = analysis.joint_frontier(results)
    for _, row in frontier.dropna().iterrows():
        for level in (70, 80):
            cost = row[f"cost_at_{level}pct_gbp"]
            assert analysis.joint_confidence(results, row["go_live_by"], cost) >= level / 100
            # and a pound less falls short: the frontier is the least such cost
            assert analysis.joint_confidence(results, row["go_live_by"], cost - 1) < level / 100


def test_compare_a_scenario_with_itself_shows_zero_difference(tmp_path):
    table = transition_sim.compare("models/northamptonshire.yaml", "models/northamptonshire.yaml", runs=200).table
    deltas = table[[c for c in table.columns if str(c).startswith("Δ")]].iloc[:-1]
    assert (deltas.to_numpy(dtype=float) == 0).all()
    assert "no difference beyond Monte Carlo noise" in table.iloc[-1, 2]


def test_compare_sees_a_real_change():
    table = transition_sim.compare("models/northamptonshire.yaml", "what-if/target-november-2020.yaml", runs=200).table
    assert table.loc["go-live P50"].iloc[-1] > 0
    assert "differs" in table.iloc[-1, 2]


def test_compare_cli_writes_csv_and_xlsx(tmp_path):
    result = CliRunner().invoke(main, ["compare", "models/northamptonshire.yaml", "what-if/no-pandemic.yaml",
                                       "--runs", "100", "--out", str(tmp_path), "--name", "c"])
    assert result.exit_code == 0, result.output
    assert "No pandemic" in result.output
    book = load_workbook(tmp_path / "c" / "compare.xlsx")
    assert book.sheetnames == ["compare"]
    rows = list(book["compare"].values)
    assert rows[0][2] == "Northamptonshire baseline (MoU, late 2019)" and len(rows) > 10
    assert (tmp_path / "c" / "compare.csv").exists()


def test_compare_accepts_run_folders(tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        args = ["run", "--runs", "60", "--out", str(tmp_path), "--name", name, "--no-report"]
        assert runner.invoke(main, args).exit_code == 0
    table = transition_sim.compare(tmp_path / "a", tmp_path / "b").table
    assert table.loc["go-live P50"].iloc[-1] == 0


def test_sweep_runs_every_combination(tmp_path):
    result = CliRunner().invoke(main, ["sweep", "--vary", "capacities.hr=2,3", "--vary",
                                       "planned_go_live=2020-07-01,2020-11-01", "--runs", "50",
                                       "--out", str(tmp_path), "--name", "s"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "s" / "sweep.csv")
    assert len(table) == 4
    assert set(zip(table["capacities.hr"], table["planned_go_live"])) == {
        (2, "2020-07-01"), (2, "2020-11-01"), (3, "2020-07-01"), (3, "2020-11-01")}
    assert (pd.to_datetime(table["go-live P50"]) >= pd.to_datetime(table["planned_go_live"])).all()
    assert load_workbook(tmp_path / "s" / "sweep.xlsx").sheetnames == ["sweep"]


@pytest.mark.parametrize("vary, message", [
    ("capacities.hr", "expected key.path=v1,v2"),
    ("tasks.company_setup.colour=red,blue", "unknown key 'colour'"),
    ("capacities.hr=1,,2", "a value is empty"),
    ("capacities.hr=one,two", "capacities.hr.value"),
    ("nothing.here=1", "unknown key 'nothing'"),
])
def test_bad_vary_exits_2_with_a_message(tmp_path, vary, message):
    result = CliRunner().invoke(main, ["sweep", "--vary", vary, "--runs", "10", "--out", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert "--vary" in result.output
    assert not any(tmp_path.iterdir())


def test_drivers_cli_prints_and_writes_ranked_tables(tmp_path):
    runner = CliRunner()
    args = ["run", "--runs", "100", "--out", str(tmp_path), "--name", "r", "--no-report"]
    assert runner.invoke(main, args).exit_code == 0
    result = runner.invoke(main, ["drivers", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    for text in ("criticality", "spearman", "programme_pause", "80pct"):
        assert text in result.output
    book = load_workbook(tmp_path / "r" / "drivers.xlsx")
    assert book.sheetnames[:4] == ["figures", "tasks", "risks", "slip"] and book.sheetnames[-1] == "joint_confidence"
    slip = pd.read_csv(tmp_path / "r" / "drivers-slip.csv")
    assert list(slip.columns[1:]) == ["cause", "mean_days", "share"]
    assert runner.invoke(main, ["drivers", str(tmp_path / "r")]).exit_code == 2  # nothing replaced without --force


def test_list_shows_every_what_if_with_its_description():
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0
    lines = [l for l in result.output.splitlines() if l.startswith("what-if/")]
    assert len(lines) == 15 and all(len(l.split(maxsplit=1)) == 2 for l in lines)


def test_every_what_if_validates_strictly_and_states_only_its_change():
    from transition_sim.scenario import bundled_what_ifs
    for path, _ in bundled_what_ifs():
        load(path, strict=True)
        if "what-if" in str(path):
            assert path.read_text().startswith(("extends: ../northamptonshire.yaml", "extends: [../surrey/area.yaml"))
