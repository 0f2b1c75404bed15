import numpy as np
import pytest

from transition_sim import api
from transition_sim.scenario import load
from transition_sim.schema import Actuals

RUNS = 300
# the scope decision settled, so that the spread is the money paths' own (a CWD branch adds a
# level difference to every year alike)
SETTLED = ["scope.children_with_disabilities=out"]


def money(overrides=(), actuals=None, tmp_path=None):
    scenario = load("models/northamptonshire.yaml", SETTLED + list(overrides)).scenario
    if actuals is not None:
        scenario = scenario.model_copy(update={"actuals": Actuals.model_validate(actuals)})
    return api.simulate(scenario, runs=RUNS, seed=5, workers=1).replications


@pytest.fixture(scope="module")
def base():
    return money()


def test_uncertainty_compounds_with_the_horizon(base):
    spread = [np.subtract(*np.quantile(base[f"contract_sum_{y}_gbp"], [0.9, 0.1]))
              for y in ("2021_22", "2022_23", "2023_24", "2024_25", "2025_26")]
    assert all(b > a for a, b in zip(spread, spread[1:])), spread
    assert spread[-1] > 2 * spread[0]


def test_outturn_is_the_contract_sum_plus_in_year_money(base):
    for year in ("2022_23", "2025_26"):
        assert (base[f"outturn_{year}_gbp"] >= base[f"contract_sum_{year}_gbp"] - 1e-6).all()
        assert (base[f"outturn_{year}_gbp"] > base[f"contract_sum_{year}_gbp"]).mean() > 0.5


def test_actuals_fix_the_years_they_name_and_later_years_start_from_them(base):
    known = money(actuals={"contract_sum": {"2022/23": {"value": "£150m", "source": "test"}},
                           "outturn": {"2022/23": {"value": "£170m", "source": "test"}}})
    assert np.allclose(known["contract_sum_2022_23_gbp"], 150e6)
    assert np.allclose(known["outturn_2022_23_gbp"], 170e6)
    for earlier in ("2020_21", "2021_22"):  # years without actuals before it are as they were
        assert np.allclose(known[f"contract_sum_{earlier}_gbp"], base[f"contract_sum_{earlier}_gbp"])
    # a later year carries on from the last actual level: scaled by the outturn's ratio, replication by replication
    ratio = 170e6 / base["outturn_2022_23_gbp"]
    assert np.allclose(known["contract_sum_2023_24_gbp"], base["contract_sum_2023_24_gbp"] * ratio)
    assert known["contract_sum_2023_24_gbp"].median() > 150e6


def test_each_councils_part_of_the_contract_sum_adds_up_to_it(base):
    for year in ("2020_21", "2022_23"):
        parts = [c for c in base.columns if c.startswith(f"contract_sum_{year}_") and c != f"contract_sum_{year}_gbp"]
        assert parts
        assert np.allclose(base[parts].sum(axis=1), base[f"contract_sum_{year}_gbp"])
    assert (base["contract_sum_2022_23_north_northamptonshire_gbp"] > 0).all()
    assert np.allclose(base["contract_sum_2022_23_northamptonshire_gbp"], 0.0)  # the county is gone by then
