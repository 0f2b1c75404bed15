"""Organisations as data: any number of successors, payers from the scenario, bad organisation data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from transition_sim import organisations
from transition_sim.api import simulate
from transition_sim.cli import main
from transition_sim.scenario import load

FIXTURES = Path(__file__).parent / "data" / "organisations"
VESTING = pd.Timestamp("2021-04-01")


def contract_after_vesting(results) -> pd.Series:
    ledger = results.ledger
    after = ledger[(ledger["category"] == "contract sum") & (ledger["month"] >= VESTING)]
    return after.groupby("payer", observed=True)["amount_gbp"].sum()


def test_three_successors_split_the_money_three_ways_by_population():
    scenario = load(FIXTURES / "three-successors.yaml").scenario
    results = simulate(scenario, runs=40, workers=1)
    by_payer = contract_after_vesting(results)
    successors = ["north_northamptonshire", "west_northamptonshire", "south_northamptonshire"]
    populations = np.array([scenario.councils[k].population.value for k in successors], dtype=float)
    shares = by_payer[successors].to_numpy() / by_payer[successors].sum()
    np.testing.assert_allclose(shares, populations / populations.sum(), rtol=1e-12)
    assert set(results.ledger["payer"].astype(str)) <= set(organisations.payers(scenario))


def test_a_single_successor_pays_everything_after_vesting():
    scenario = load(FIXTURES / "single-successor.yaml").scenario
    results = simulate(scenario, runs=40, workers=1)
    councils = ~results.ledger["payer"].isin(["dfe", "childrens_trust"])  # the funder and the provider aside
    after = results.ledger[(results.ledger["month"] >= VESTING) & councils]
    assert set(after["payer"].astype(str)) == {"north_northamptonshire"}
    before = results.ledger[(results.ledger["month"] < VESTING) & councils]
    assert set(before["payer"].astype(str)) == {"northamptonshire"}


def test_paying_shares_follow_each_successors_vesting_month():
    scenario = load(FIXTURES / "three-successors.yaml").scenario
    vested = {k: np.array([False, True]) for k in scenario.successors}
    shares = organisations.paying_shares(scenario, vested)
    assert shares["northamptonshire"].tolist() == [1.0, 0.0]
    assert sum(s[1] for k, s in shares.items() if k != "northamptonshire") == pytest.approx(1.0)


def test_phases_are_derived_from_the_dates():
    scenario = load().scenario
    phases = organisations.phases(scenario)
    assert [p.name for p in phases] == ["Before go-live", "Go-live to vesting day", "After vesting day"]
    assert phases[-1].start == scenario.vesting_day.value
    late = organisations.phases(scenario, go_live=pd.Timestamp("2021-06-01").date())
    assert [p.name for p in late] == ["Before go-live", "After vesting day"]
    roles = organisations.monthly_roles(scenario, pd.date_range("2021-03-01", "2021-04-01", freq="MS"))
    assert list(roles["phase"]) == ["Go-live to vesting day", "After vesting day"]
    assert roles["employs"].iloc[0] == ["Northamptonshire Children's Trust"]
    assert roles["commissions"].iloc[0] == ["Northamptonshire County Council"]
    assert roles["commissions"].iloc[1] == ["North Northamptonshire Council", "West Northamptonshire Council"]
    assert list(roles["payers"]) == [{"northamptonshire": 1.0},
                                     {"north_northamptonshire": pytest.approx(350 / 755),
                                      "west_northamptonshire": pytest.approx(405 / 755)}]


BAD = [
    ("a split naming an unknown council",
     "finance:\n  split:\n    rule: fixed\n    shares: {north_northamptonshire: 0.5, nowhere: 0.5}\n",
     "finance.split.shares.nowhere", "unknown successor council 'nowhere'"),
    ("a successor with no from",
     "councils:\n  west_northamptonshire:\n    from: null\n",
     "councils.west_northamptonshire", "needs from:"),
    ("overlapping predecessor and successor dates",
     "councils:\n  northamptonshire:\n    until: {value: 2021-06-30, assumption: test}\n",
     "councils.northamptonshire.until", "overlaps"),
    ("a delivery model the tasks do not support",
     "delivery:\n  model: disaggregate\n  provider: null\n",
     "delivery.model", "do not set up a 'disaggregate' service"),
    ("shares that do not add up",
     "finance:\n  split:\n    rule: fixed\n    shares: {north_northamptonshire: 0.5, west_northamptonshire: 0.4}\n",
     "finance.split.shares", "shares add up to 0.9, not 1"),
    ("successors vesting on different days",
     "councils:\n  west_northamptonshire:\n    from: {value: 2022-04-01, assumption: test}\n",
     "councils.west_northamptonshire.from", "vest on different days"),
    ("an in-house council that is not a successor",
     "delivery:\n  in_house: [northamptonshire]\n", "delivery.in_house.0", "not a successor council"),
]


@pytest.mark.parametrize("what, change, keypath, message", BAD, ids=[b[0] for b in BAD])
def test_bad_organisation_data_exits_2_with_file_key_path_and_line(tmp_path, what, change, keypath, message):
    path = tmp_path / "bad.yaml"
    base = (Path(__file__).parent.parent / "models" / "northamptonshire.yaml").resolve()
    path.write_text(f"extends: {base}\nname: bad\n{change}")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    line = next(l for l in result.output.splitlines() if keypath in l)
    assert message in line
    file, number = line.removeprefix("error: ").split(":")[:2]
    assert Path(file).name in ("bad.yaml", "northamptonshire.yaml") and number.strip().isdigit(), line


def test_a_service_with_its_own_split_moves_money_between_successors_without_creating_any(tmp_path):
    base = simulate(load().scenario, runs=30, workers=1)
    same_path = tmp_path / "same.yaml"
    same_path.write_text(f"extends: {(FIXTURES / 'childrens-homes-north.yaml').resolve()}\nservices:\n"
                         "  childrens_homes:\n    split:\n      rule: population\n      shares: null\n")
    same = simulate(load(same_path).scenario, runs=30, workers=1)
    fixed = load(FIXTURES / "childrens-homes-north.yaml").scenario
    moved = simulate(fixed, runs=30, workers=1)
    total = lambda r, payer=None: r.ledger[(r.ledger["payer"] == payer) if payer else slice(None)][  # noqa: E731
        "amount_gbp"].sum()
    assert total(same) == pytest.approx(total(base), rel=1e-12)
    assert total(same, "north_northamptonshire") == pytest.approx(total(base, "north_northamptonshire"), rel=1e-9)
    assert total(moved) == pytest.approx(total(base), rel=1e-12)
    assert total(moved, "north_northamptonshire") > total(base, "north_northamptonshire") + 1e6
    assert total(moved, "northamptonshire") == pytest.approx(total(base, "northamptonshire"), rel=1e-12)


def test_a_service_split_is_checked_like_the_finance_split(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {(FIXTURES / 'childrens-homes-north.yaml').resolve()}\nservices:\n  childrens_homes:\n"
                    "    split:\n      shares: {north_northamptonshire: 0.9, west_northamptonshire: 0.2}\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and "services.childrens_homes.split.shares: shares add up to 1.1, not 1" in result.output


@pytest.mark.parametrize("seed", range(20))
def test_relations_keep_nodes_and_edges_as_networkx_does(seed):
    """organisations.Relations, the phases' plain graph: the same nodes, successors and edges in the same order
    as a networkx DiGraph given the same edges, and a topological order exactly when networkx finds one."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    names = [f"org{k}" for k in range(int(rng.integers(2, 9)))]
    ours, reference = organisations.Relations(), nx.DiGraph()
    for _ in range(int(rng.integers(1, 15))):
        a, b = rng.choice(names, size=2, replace=False)
        relation = f"relation {int(rng.integers(3))}"
        ours.add_edge(str(a), str(b), relation)
        reference.add_edge(str(a), str(b), relation=relation)
    assert ours.nodes == list(reference.nodes)
    assert ours.edges() == list(reference.edges(data="relation"))
    assert all(ours.successors(n) == list(reference.successors(n)) for n in ours.nodes)
    order = ours.topological_order()
    assert (order is not None) == nx.is_directed_acyclic_graph(reference)
    if order is not None:
        position = {n: i for i, n in enumerate(order)}
        assert sorted(order) == sorted(reference.nodes)
        assert all(position[a] < position[b] for a, b in reference.edges)
