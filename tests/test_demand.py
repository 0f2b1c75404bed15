"""The demand model: children in care x unit cost by placement type x a placement price index."""

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from transition_sim import money_paths
from transition_sim.cli import main
from transition_sim.costs import CostModel
from transition_sim.scenario import load
from transition_sim.units import WEEKS_PER_YEAR, financial_year

BASELINE = Path("models/northamptonshire.yaml").resolve()
RUNS = 400
YEARS = range(2019, 2026)  # the baseline's financial years, 2019/20 to 2025/26
PRICE_GROWTH = {2019: 0.02, 2020: 0.05, 2021: 0.0, 2022: 0.1, 2023: 0.03, 2024: 0.01, 2025: 0.04}


def placements(overrides=()):
    scenario = load(BASELINE, list(overrides)).scenario
    return scenario, CostModel(scenario, seed=11, runs=RUNS).placements()


def test_children_in_care_is_a_compounding_walk_from_the_count():
    growth = np.array([[0.1, 0.2, -0.5]])
    # 100 children on the count; the model's first year is one year after it
    expected = [100 * 1.1 * np.sqrt(1.2), 100 * 1.1 * 1.2 * np.sqrt(0.5)]
    assert np.allclose(money_paths.children_in_care(100, growth, gap=1), [expected])


def test_zero_spread_gives_count_times_unit_cost_times_price_index_exactly():
    growth = 0.03
    overrides = [f"finance.demand.growth_per_year.{k}={growth}" for k in ("low", "likely", "high")]
    overrides += [f"finance.demand.price_growth.{financial_year(y)}={p}" for y, p in PRICE_GROWTH.items()]
    scenario, cost = placements(overrides)
    demand = scenario.finance.demand
    weekly = sum(p.share.value * p.weekly_cost.value for p in demand.placements.values())
    assert weekly == pytest.approx(0.475 * 396 + 0.255 * 759 + 0.11 * 4527 + 0.16 * 300)
    # counted on 31 March 2018: 2019/20 is the second year of growth after it; prices are of 2018/19
    for j, year in enumerate(YEARS):
        children = 1075 * (1 + growth) ** (j + 1.5)
        index = np.prod([1 + PRICE_GROWTH[y] for y in range(2019, year + 1)])
        assert np.allclose(cost[:, j], children * weekly * WEEKS_PER_YEAR * index, rtol=1e-12, atol=0)


def test_unit_costs_in_the_first_years_prices_take_no_index_that_year():
    overrides = ["finance.demand.prices_in=2019/20"]
    overrides += [f"finance.demand.growth_per_year.{k}=0" for k in ("low", "likely", "high")]
    scenario, cost = placements(overrides)
    assert np.allclose(cost[:, 0], 1075 * scenario.finance.demand.yearly_cost_per_child)


def test_the_spread_of_a_years_cost_grows_with_the_horizon():
    _, cost = placements()
    width = np.subtract(*np.quantile(cost, [0.9, 0.1], axis=0))
    assert all(b > a for a, b in zip(width, width[1:])), width
    assert width[-1] > 2 * width[0]


def test_a_replication_keeps_its_demand_path_whatever_the_batch():
    scenario = load(BASELINE).scenario
    whole = CostModel(scenario, seed=11, runs=RUNS).placements()
    first = CostModel(scenario, seed=11, runs=50).placements()
    assert np.array_equal(whole[:50], first)


def bad(tmp_path, finance: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {BASELINE}\nname: bad demand\nfinance:\n  demand:\n{finance}")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_unknown_service_names_file_key_and_line(tmp_path):
    out = bad(tmp_path, "    service: nowhere\n")
    assert "bad.yaml:5: finance.demand.service: unknown service 'nowhere'" in out


def test_shares_that_do_not_add_up(tmp_path):
    out = bad(tmp_path, "    placements:\n      other:\n        share: {value: 0.5, assumption: test}\n")
    assert "bad.yaml:" in out and "finance.demand" in out and "placement shares add up to 1.34, not 1" in out


def test_a_year_without_price_growth(tmp_path):
    out = bad(tmp_path, "    price_growth:\n      2023/24: null\n")
    assert "bad.yaml:" in out and "finance.demand.price_growth" in out and "no price growth for 2023/24" in out


def test_a_count_after_the_first_year_started(tmp_path):
    out = bad(tmp_path, "    counted_on: {value: 2020-03-31, assumption: test}\n")
    assert "bad.yaml:5: finance.demand.counted_on" in out and "after the start of the first financial year" in out


def test_a_demand_model_far_from_its_budget_is_warned_of():
    from transition_sim.plausibility import input_warnings

    assert not [w for w in input_warnings(load(BASELINE).scenario) if w.startswith("finance.demand")]
    yearly_typed_as_weekly = load(BASELINE, ["finance.demand.placements.residential.weekly_cost.value=£235k"])
    warnings = [w for w in input_warnings(yearly_typed_as_weekly.scenario) if w.startswith("finance.demand")]
    assert len(warnings) == 1 and "services.children_in_care_placements's budget after staff" in warnings[0]
