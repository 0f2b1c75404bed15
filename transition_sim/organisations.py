"""Who owns, commissions and funds whom, phase by phase, as networkx graphs."""

from __future__ import annotations

import networkx as nx

from transition_sim.schema import Scenario

COUNTY, TRUST, NORTH, WEST, DFE = ("County council", "Children's trust", "North Northamptonshire",
                                    "West Northamptonshire", "DfE")
SERVICE = "Children's services"


def phases(scenario: Scenario) -> dict[str, nx.DiGraph]:
    """Graphs for: before go-live, go-live to vesting day, after vesting day. Edges carry a `relation`."""
    in_house = scenario.finance.split.in_house if scenario.finance is not None else None
    before = nx.DiGraph()
    before.add_edge(COUNTY, SERVICE, relation="runs in house")
    before.add_edge(DFE, COUNTY, relation="directs and funds the transition")

    interim = nx.DiGraph()
    interim.add_edge(COUNTY, TRUST, relation="owns (Teckal) and commissions")
    interim.add_edge(TRUST, SERVICE, relation="delivers")
    interim.add_edge(DFE, COUNTY, relation="directs and funds the transition")

    after = nx.DiGraph()
    for council in (NORTH, WEST):
        if council.split()[0].lower() == in_house:
            after.add_edge(council, SERVICE, relation="runs its share in house")
        else:
            after.add_edge(council, TRUST, relation="jointly owns and commissions")
    after.add_edge(TRUST, SERVICE, relation="delivers")
    after.add_edge(NORTH, WEST, relation="inter-authority agreement")
    after.add_edge(DFE, TRUST, relation="oversees (commissioner)")
    return {"Before go-live": before, "Go-live to vesting day": interim, "After vesting day": after}
