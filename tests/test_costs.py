import numpy as np
import pandas as pd
import pytest

from transition_sim.costs import CostModel, Timeline, financial_year
from transition_sim.api import simulate
from transition_sim.scenario import load
from transition_sim.workforce import staff_groups, staff_transferred

RUNS = 200


@pytest.fixture(scope="module")
def baseline():
    """The baseline with its CWD decision settled (money per branch is tested in test_branching)."""
    return load(overrides=["scope.children_with_disabilities=out"]).scenario


@pytest.fixture(scope="module")
def results(baseline):
    return simulate(baseline, runs=RUNS, workers=2)


def test_financial_years_run_april_to_march(baseline):
    assert financial_year(2020) == "2020/21" and financial_year(1999) == "1999/00"
    model = CostModel(baseline, 1, 1)
    labels = {month: financial_year(int(year)) for month, year in zip(model.months, model.fy_year)}
    assert labels[pd.Timestamp("2021-03-01")] == "2020/21" and labels[pd.Timestamp("2021-04-01")] == "2021/22"
    new_years = [m for previous, m in zip(model.months, model.months[1:]) if labels[m] != labels[previous]]
    assert len(new_years) >= 5 and all(m.month == 4 for m in new_years)


def test_ledger_months_carry_their_financial_year(results):
    ledger = results.ledger
    march = ledger[ledger["month"] == pd.Timestamp("2021-03-01")]["financial_year"].unique()
    april = ledger[ledger["month"] == pd.Timestamp("2021-04-01")]["financial_year"].unique()
    assert list(march) == ["2020/21"] and list(april) == ["2021/22"]


def test_ledger_balances_against_the_model(baseline, results):
    model = CostModel(baseline, results.seed, RUNS)
    parts = model.compute(Timeline.of(results.replications, results.tasks, results.risks))
    ledger = results.ledger
    for category, amount in parts.items():
        if category == ("transition funding", "dfe"):
            dfe = ledger[(ledger["category"] == "transition funding") & (ledger["payer"] == "dfe")]
            councils = ledger[(ledger["category"] == "transition funding") & (ledger["payer"] != "dfe")]
            assert dfe["amount_gbp"].sum() == pytest.approx(amount.sum())
            assert councils["amount_gbp"].sum() == pytest.approx(-amount.sum())  # income to the councils
            continue
        if isinstance(category, tuple):  # booked to one payer: the provider's absorbed pressure
            category, payer = category
            rows = ledger[(ledger["category"] == category) & (ledger["payer"] == payer)]
            assert rows["amount_gbp"].sum() == pytest.approx(amount.sum())
            continue
        assert ledger.loc[ledger["category"] == category, "amount_gbp"].sum() == pytest.approx(amount.sum())


NORTH, WEST = "north_northamptonshire", "west_northamptonshire"


def test_only_the_predecessor_pays_before_vesting_day(results):
    ledger = results.ledger
    vesting = pd.Timestamp("2021-04-01")
    # of the councils (the funder pays its funding, the trust the pressure it absorbs)
    before = ledger[(ledger["month"] < vesting) & ~ledger["payer"].isin(["dfe", "childrens_trust"])]
    after = ledger[ledger["month"] >= vesting]
    assert set(before["payer"]) == {"northamptonshire"}
    assert "northamptonshire" not in set(after["payer"])


def test_the_successors_share_the_contract_sum_by_population(baseline, results):
    north, west = (baseline.councils[k].population.value for k in (NORTH, WEST))
    contract = results.ledger[results.ledger["category"] == "contract sum"]
    after = contract[contract["month"] >= pd.Timestamp("2021-04-01")]
    by_payer = after.groupby("payer", observed=True)["amount_gbp"].sum()
    assert by_payer[NORTH] / (by_payer[NORTH] + by_payer[WEST]) == pytest.approx(north / (north + west))
    per_month = after.pivot_table(index=["replication", "month"], columns="payer", values="amount_gbp",
                                  aggfunc="sum", observed=True)
    assert np.allclose(per_month[NORTH] * west, per_month[WEST] * north)


def test_tupe_follows_scope_and_never_moves_agency_workers():
    with_cwd = load(overrides=["scope.children_with_disabilities=in"]).scenario
    without = load(overrides=["scope.children_with_disabilities=out"]).scenario
    groups = staff_groups(with_cwd)
    cwd = groups[groups["service_id"] == "children_with_disabilities"].iloc[0]
    assert staff_transferred(with_cwd) - staff_transferred(without) == cwd["permanent_headcount"]
    assert cwd["permanent_headcount"] == round(cwd["headcount"] * (1 - cwd["agency_share"]))
    moving = groups[groups["in_scope"]]
    assert (moving["transfers_under_tupe"] == moving["permanent_headcount"]).all()
    assert (groups.loc[~groups["in_scope"], "transfers_under_tupe"] == 0).all()
    assert staff_transferred(with_cwd) < groups.loc[groups["in_scope"], "headcount"].sum()


def test_cwd_in_scope_changes_staff_money_and_timeline_together():
    a = simulate(load(overrides=["scope.children_with_disabilities=out"]).scenario, runs=100, workers=1)
    b = simulate(load(overrides=["scope.children_with_disabilities=in"]).scenario, runs=100, workers=1)
    ra, rb = a.replications, b.replications
    assert (rb["staff_transferred"] > ra["staff_transferred"]).all()
    assert rb["contract_sum_2022_23_gbp"].mean() > ra["contract_sum_2022_23_gbp"].mean() + 5e6
    assert "tupe_consultation_cwd" in set(b.tasks["task_id"]) and "tupe_consultation_cwd" not in set(a.tasks["task_id"])
    assert (rb["go_live_date"] >= ra["go_live_date"]).mean() == 1.0  # an extra consultation never speeds go-live


def test_a_month_later_costs_one_more_month_of_burn_and_dual_running(baseline, results):
    model = CostModel(baseline, results.seed, RUNS)
    timeline = Timeline.of(results.replications, results.tasks, results.risks)
    later = Timeline(timeline.go_live + pd.DateOffset(months=1), timeline.task_finish, timeline.risk_struck,
                     timeline.risk_strike)
    now, then = model.compute(timeline), model.compute(later)
    burn = model.sample("programme_burn", baseline.finance.programme_burn_per_month)
    assert np.allclose(then["programme"].sum(axis=1) - now["programme"].sum(axis=1), burn)
    shadow = baseline.finance.shadow_running_per_month.value
    dual = lambda p: p["shadow running"].sum(axis=1) + p["stranded overheads"].sum(axis=1)  # noqa: E731
    # the stranded period moves with go-live; it only shortens where it would run past the horizon
    inside = (timeline.go_live + pd.DateOffset(months=14)) < pd.Timestamp(baseline.finance.horizon.value)
    assert np.allclose((dual(then) - dual(now))[inside], shadow)
    for same in ("set-up", "risk", ("transition funding", "dfe")):
        assert np.array_equal(now[same], then[same])


def test_transfer_back_moves_money_between_payers_without_creating_any(baseline):
    no_pressure = ["finance.in_year_pressure.low=0", "finance.in_year_pressure.likely=0",
                   "finance.in_year_pressure.high=0"]
    kept = load(overrides=no_pressure).scenario
    back = load(overrides=no_pressure + ["services.childrens_homes.transfer_back=2024-04-01"]).scenario
    a, b = simulate(kept, runs=50, workers=1), simulate(back, runs=50, workers=1)
    total = lambda r: r.ledger["amount_gbp"].sum()  # noqa: E731
    assert total(a) == pytest.approx(total(b), rel=1e-12)
    by_cat = lambda r: r.ledger[r.ledger["month"] >= pd.Timestamp("2024-04-01")].groupby(  # noqa: E731
        "category", observed=True)["amount_gbp"].sum()
    moved = by_cat(a)["contract sum"] - by_cat(b)["contract sum"]
    assert moved > 3.7e6  # at least a year of the £3.7m service, indexed
    assert by_cat(b)["service direct"] - by_cat(a).get("service direct", 0.0) == pytest.approx(moved)


def test_costs_are_identical_whatever_the_worker_count(baseline, results):
    one = simulate(baseline, runs=RUNS, workers=1)
    pd.testing.assert_frame_equal(one.ledger, results.ledger)
    pd.testing.assert_frame_equal(one.replications, results.replications)


def test_slippage_costs_money(baseline, results):
    reps = results.replications
    late = reps["go_live_date"] > reps["go_live_date"].median()
    assert reps.loc[late, "transition_cost_gbp"].mean() > reps.loc[~late, "transition_cost_gbp"].mean()
