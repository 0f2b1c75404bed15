"""Delivery models as data: who pays what under each model, support services, loss claims, task copies."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from transition_sim.api import simulate
from transition_sim.costs import CostModel
from transition_sim.scenario import load

RUNS = 60
MODELS = {"disaggregate": "models/surrey.yaml", "trust": "models/what-if/surrey-trust.yaml",
          "lead_authority": "models/what-if/surrey-lead-authority.yaml",
          "shared_service": "models/what-if/surrey-shared-service.yaml"}


@pytest.fixture(scope="module", params=list(MODELS))
def run(request):
    scenario = load(MODELS[request.param]).scenario
    return scenario, simulate(scenario, runs=RUNS, workers=1)


def by(ledger, category, payer=None):
    rows = ledger[ledger["category"] == category]
    if payer is not None:
        rows = rows[rows["payer"] == payer]
    return rows.groupby("replication", observed=True)["amount_gbp"].sum().reindex(range(RUNS), fill_value=0.0)


def test_each_model_runs_with_the_scenarios_payers_only(run):
    scenario, results = run
    assert scenario.delivery.model in MODELS
    councils = set(scenario.councils) | set(scenario.funders)
    # a provider pays only the in-year pressure it absorbs
    assert councils <= set(results.ledger["payer"].astype(str)) <= councils | {scenario.delivery.provider}
    after = results.ledger[results.ledger["month"] >= pd.Timestamp("2027-04-01")]
    assert set(after["payer"].astype(str)) - {scenario.delivery.provider} == {"east_surrey", "west_surrey"}
    tupe = results.replications["staff_transferred"]
    assert (tupe > 0).all() if scenario.delivery.provider else (tupe == 0).all()


def test_disaggregate_pays_one_extra_leadership_team_a_year():
    scenario = load(MODELS["disaggregate"]).scenario
    results = simulate(scenario, runs=RUNS, workers=1)
    model = CostModel(scenario, results.seed, RUNS)
    items = scenario.delivery.cost_items
    yearly = sum(model.sample(f"delivery:{k}", items[k].amount) for k in ("duplicated_leadership",
                                                                          "duplicated_statutory_roles"))
    ledger = results.ledger[results.ledger["financial_year"] == "2028/29"]
    np.testing.assert_allclose(by(ledger, "duplicated leadership").to_numpy(), yearly * (2 - 1), rtol=1e-9)
    assert "contract sum" not in set(results.ledger["category"])


def test_lead_authority_host_recharges_the_other_with_its_overhead():
    scenario = load(MODELS["lead_authority"]).scenario
    results = simulate(scenario, runs=RUNS, workers=1)
    overhead = scenario.delivery.recharge_overhead.value
    ledger = results.ledger
    assert by(ledger, "recharge", "west_surrey").abs().max() == 0  # the host pays no recharge to itself
    east = by(ledger, "recharge", "east_surrey")
    income = by(ledger, "recharge income", "west_surrey")
    np.testing.assert_allclose(-income.to_numpy(), east.to_numpy() * overhead / (1 + overhead), rtol=1e-9)
    assert (east > 0).all()


def test_support_services_are_bought_from_the_contract_sum_and_paid_back_to_the_councils():
    scenario = load(MODELS["trust"]).scenario
    results = simulate(scenario, runs=RUNS, workers=1)
    model = CostModel(scenario, results.seed, RUNS)
    charges = sum(model.sample(f"support:{k}", s.charge_per_year) for k, s in scenario.delivery.support_services.items())
    go = pd.to_datetime(results.replications["go_live_date"])
    live_months = ((pd.Timestamp("2031-03-01").year - go.dt.year) * 12 + 3 - go.dt.month + 1).to_numpy()
    np.testing.assert_allclose(-by(results.ledger, "support-service income").to_numpy(),
                               charges / 12 * live_months, rtol=1e-9)


def test_a_loss_claim_is_paid_exactly_when_the_council_task_is_late():
    scenario = load(MODELS["trust"]).scenario
    results = simulate(scenario, runs=RUNS, workers=1)
    claim = scenario.delivery.loss_claims["late_ict"]
    finish = results.tasks[results.tasks["task_id"] == claim.late_task].set_index("replication")["finish_date"]
    late = (finish > pd.Timestamp(claim.due)).reindex(range(RUNS)).to_numpy()
    paid = by(results.ledger, "loss claims").to_numpy()
    assert late.any() and (~late).any()
    assert ((paid > 0) == late).all()
    assert "loss claims" in set(results.ledger["category"])


def test_per_successor_tasks_are_copied_for_each_council():
    scenario = load(MODELS["disaggregate"]).scenario
    for council in ("east_surrey", "west_surrey"):
        copy = scenario.tasks[f"appoint_dcs_{council}"]
        assert copy.name.endswith(f"({scenario.councils[council].name})")
        assert [link.task for link in scenario.tasks[f"senior_structure_{council}"].predecessors] == \
            [f"appoint_dcs_{council}", "service_design"]
    assert "appoint_dcs" not in scenario.tasks
    assert [link.task for link in scenario.tasks["go_no_go"].predecessors] == \
        ["safe_and_legal_east_surrey", "safe_and_legal_west_surrey"]


def test_a_model_with_no_provider_refuses_support_services_and_loss_claims(write):
    from transition_sim.errors import ScenarioError
    base = (Path(__file__).parent.parent / "models" / "surrey.yaml").resolve()
    path = write(f"extends: {base}\n" "delivery:\n  support_services:\n    ict:\n"
                 "      charge_per_year: {low: £1m, likely: £2m, high: £3m}\n")
    with pytest.raises(ScenarioError) as err:
        load(path)
    problem = err.value.problems[0]
    assert problem.path == "delivery.support_services" and "need a separate provider" in problem.message
    assert problem.line is not None


def test_compare_across_delivery_models_prints_per_option_and_per_council_figures(tmp_path):
    from click.testing import CliRunner
    from transition_sim.cli import main
    page = tmp_path / "options.html"
    result = CliRunner(env={"COLUMNS": "1000"}).invoke(main, ["compare", MODELS["disaggregate"], MODELS["lead_authority"], "--runs", "40",
                                       "--workers", "1", "--out", str(tmp_path), "--name", "c", "--report", str(page)])
    assert result.exit_code == 0, result.output
    for text in ("East Surrey Council: yearly cost P50", "West Surrey Council: yearly cost P90", "go-live P80",
                 "transition cost P50", "West Surrey hosts", "Options: delivery model", "east surrey yearly p50 gbp m"):
        assert text in result.output
    html = page.read_text()
    assert "Options side by side" in html and "lead_authority" in html and "disaggregate" in html
    assert "Yearly cost to each new council, by option" in html
