"""Outturn per financial year and payer: columns that add up, and ledger rows that make them."""

import numpy as np
import pytest

from transition_sim import api, backtest
from transition_sim.costs import ABSORBED, AGREED, OUTTURN
from transition_sim.scenario import load
from transition_sim.schema import Actuals

RUNS = 150
SETTLED = ["scope.children_with_disabilities=out"]
YEARS = ("2020_21", "2021_22", "2022_23", "2025_26")


def run(model="models/northamptonshire.yaml", actuals=None):
    scenario = load(model, SETTLED if "northamptonshire" in model else []).scenario
    if actuals is not None:
        scenario = scenario.model_copy(update={"actuals": Actuals.model_validate(actuals)})
    return api.simulate(scenario, runs=RUNS, seed=9, workers=1)


@pytest.fixture(scope="module")
def base():
    return run()


def per_payer(replications, measure, year):
    prefix = f"{measure}_{year}_"
    return [c for c in replications.columns if c.startswith(prefix) and c != f"{prefix}gbp"]


@pytest.mark.parametrize("measure", ["contract_sum", "outturn"])
def test_the_payers_parts_add_up_to_the_whole(base, measure):
    reps = base.replications
    for year in YEARS:
        parts = per_payer(reps, measure, year)
        assert parts, (measure, year)
        assert np.allclose(reps[parts].sum(axis=1), reps[f"{measure}_{year}_gbp"], rtol=1e-12, atol=1e-3)


def test_the_provider_carries_the_pressure_it_absorbs_and_the_councils_the_rest(base):
    reps = base.replications
    provider = base.scenario.delivery.provider
    absorbed = reps[f"outturn_2022_23_{provider}_gbp"]
    # the trust absorbs a year's pressure only up to the exceptional threshold; above it the councils pay all
    assert (absorbed >= 0).all() and (absorbed > 0).any()
    assert f"contract_sum_2022_23_{provider}_gbp" not in reps  # it agrees no contract sum with itself
    for council in ("north_northamptonshire", "west_northamptonshire"):
        paid, agreed = reps[f"outturn_2022_23_{council}_gbp"], reps[f"contract_sum_2022_23_{council}_gbp"]
        assert (paid >= agreed - 1e-6).all()
    total = reps["outturn_2022_23_gbp"] - reps["contract_sum_2022_23_gbp"]
    assert np.allclose(absorbed + sum(reps[f"outturn_2022_23_{c}_gbp"] - reps[f"contract_sum_2022_23_{c}_gbp"]
                                      for c in ("north_northamptonshire", "west_northamptonshire")), total)


def ledger_sums(results, categories):
    ledger = results.ledger[results.ledger["category"].isin(categories)]
    return ledger.groupby(["replication", "financial_year", "payer"], observed=True)["amount_gbp"].sum()


@pytest.mark.parametrize("measure,categories", [("contract_sum", AGREED), ("outturn", OUTTURN)])
def test_ledger_rows_sum_to_each_payers_column(base, measure, categories):
    sums = ledger_sums(base, categories)
    reps = base.replications
    checked = 0
    for column in per_payer(reps, measure, "2022_23") + per_payer(reps, measure, "2020_21"):
        year, payer = column[len(measure) + 1:len(measure) + 8], column[len(measure) + 9:-4]
        label = f"{year[:4]}/{year[5:]}"
        rows = sums.xs((label, payer), level=("financial_year", "payer")).reindex(reps.index, fill_value=0.0)
        assert np.allclose(rows.to_numpy(), reps[column].to_numpy(), rtol=1e-12, atol=1e-3), column
        checked += 1
    assert checked >= 4


def test_the_absorbed_pressure_rows_are_the_providers(base):
    ledger = base.ledger
    absorbed = ledger[ledger["category"] == ABSORBED]
    assert len(absorbed) and set(absorbed["payer"].astype(str)) == {base.scenario.delivery.provider}


def test_payers_still_add_up_with_money_actuals():
    known = run(actuals={"contract_sum": {"2022/23": {"value": "£150m", "source": "test"}},
                         "outturn": {"2022/23": {"value": "£170m", "source": "test"}}}).replications
    for year in ("2022_23", "2023_24"):
        parts = per_payer(known, "outturn", year)
        assert np.allclose(known[parts].sum(axis=1), known[f"outturn_{year}_gbp"], rtol=1e-12, atol=1e-3)
    assert np.allclose(known[per_payer(known, "outturn", "2022_23")].sum(axis=1), 170e6)


def test_backtest_scores_a_payers_outturn(base):
    observed = [backtest.Observed("outturn.2022/23.north_northamptonshire", "£67.3m", "outcomes.yaml", 3)]
    table = backtest.backtest(base.replications, observed)
    samples = base.replications["outturn_2022_23_north_northamptonshire_gbp"]
    assert table.loc[0, "actual"] == 67.3e6
    assert table.loc[0, "percentile"] == pytest.approx(100 * (samples < 67.3e6).mean())


@pytest.mark.parametrize("model,year", [("models/what-if/surrey-shared-service.yaml", "2028_29"),
                                        ("models/what-if/surrey-lead-authority.yaml", "2028_29"),
                                        ("models/what-if/one-council-in-house.yaml", "2022_23")])
def test_every_delivery_model_adds_up(model, year):
    reps = run(model).replications
    for measure in ("contract_sum", "outturn"):
        parts = per_payer(reps, measure, year)
        assert parts and (reps[f"{measure}_{year}_gbp"] > 0).all()
        assert np.allclose(reps[parts].sum(axis=1), reps[f"{measure}_{year}_gbp"], rtol=1e-12, atol=1e-3)
