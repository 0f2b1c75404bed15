"""The organisations of a scenario: who exists, pays, commissions and delivers, derived from their dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from transition_sim.schema import Scenario, Split

SERVICE = "the service"


def payers(scenario: Scenario) -> list[str]:
    """Everyone who can pay in the ledger: the councils, the funders, then the providers (the in-year
    pressure they absorb), in the scenario's order."""
    return list(scenario.councils) + list(scenario.funders) + list(scenario.providers)


def display_name(scenario: Scenario, org_id: str) -> str:
    for table in (scenario.councils, scenario.providers, scenario.funders):
        if org_id in table:
            return table[org_id].name
    return org_id


def successor_shares(scenario: Scenario, split: Split | None = None) -> dict[str, float]:
    """Each successor's share of council costs by `split` (default the finance split; all for a single successor)."""
    successors = scenario.successors
    if split is None:
        split = scenario.finance.split if scenario.finance is not None else None
    if split is None:
        return {key: 1.0 / len(successors) for key in successors}
    if split.rule == "fixed":
        weights = {key: split.shares[key] for key in successors}
    else:
        weights = {key: getattr(c, split.rule).value for key, c in successors.items()}
    total = sum(weights.values())
    return {key: w / total for key, w in weights.items()}


def service_predecessor(scenario: Scenario) -> str:
    """The predecessor council that runs the service before the reorganisation."""
    return next(iter(scenario.predecessors))


def paying_shares(scenario: Scenario, vested: dict[str, np.ndarray],
                  split: Split | None = None) -> dict[str, np.ndarray]:
    """Council id -> its share of council costs in each month, given each successor's `vested` (M,) bools.

    A successor pays its share from its vesting month; the predecessor pays the shares of those not yet vested.
    """
    shares = successor_shares(scenario, split)
    out = {key: np.where(vested[key], share, 0.0) for key, share in shares.items()}
    none_vested = ~np.logical_or.reduce([vested[key] for key in shares])
    all_vested = np.logical_and.reduce([vested[key] for key in shares])
    left = 1.0 - sum(out.values())
    out = {service_predecessor(scenario): np.where(none_vested, 1.0, np.where(all_vested, 0.0, left)), **out}
    return out


def vesting_days(scenario: Scenario) -> dict[str, dt.date]:
    return {key: c.from_.value for key, c in scenario.successors.items()}


@dataclass
class Relations:
    """Who acts on whom: a directed graph whose edges each carry a relation. A plain graph kept as networkx
    keeps a DiGraph (nodes in the order first named, each one's successors in the order added), because a
    phase has a handful of organisations and importing networkx to hold them cost a report a third of a second."""

    successors_of: dict[str, dict[str, str]] = field(default_factory=dict)  # node -> successor -> relation

    def add_edge(self, source: str, target: str, relation: str) -> None:
        self.successors_of.setdefault(source, {})[target] = relation
        self.successors_of.setdefault(target, {})

    @property
    def nodes(self) -> list[str]:
        return list(self.successors_of)

    def successors(self, node: str) -> list[str]:
        return list(self.successors_of[node])

    def edges(self) -> list[tuple[str, str, str]]:
        """(source, target, relation), by source then in the order added."""
        return [(a, b, relation) for a, out in self.successors_of.items() for b, relation in out.items()]

    def topological_order(self) -> list[str] | None:
        """The nodes with every edge pointing forwards, or None if the edges make a cycle."""
        waiting = dict.fromkeys(self.successors_of, 0)
        for _, b, _ in self.edges():
            waiting[b] += 1
        order = [n for n, count in waiting.items() if count == 0]
        for node in order:  # grows as nodes become free
            for child in self.successors_of[node]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    order.append(child)
        return order if len(order) == len(waiting) else None


@dataclass(frozen=True)
class Phase:
    """One stretch of time in which the same organisations commission, pay and deliver."""

    name: str
    start: dt.date
    graph: Relations


def after_vesting(scenario: Scenario) -> Relations:
    """Who delivers the service for whom once the successors exist, by the delivery model."""
    d = scenario.delivery
    graph = Relations()
    kept = set(d.in_house)
    for key in scenario.successors:
        name = display_name(scenario, key)
        if key in kept or d.model == "disaggregate":
            graph.add_edge(name, SERVICE, "runs its own service" if d.model == "disaggregate"
                           else "runs its share in house")
        elif d.model == "trust":
            graph.add_edge(name, display_name(scenario, d.provider), "owns and commissions")
        elif d.model in ("lead_authority", "shared_service"):
            host = display_name(scenario, d.host)
            if key == d.host:
                graph.add_edge(name, SERVICE, "hosts the service for all")
            else:
                graph.add_edge(name, host, "pays its share (recharge)" if d.model == "lead_authority"
                               else "joint committee, shares the cost")
    if d.model == "trust" and len(kept) < len(scenario.successors):
        graph.add_edge(display_name(scenario, d.provider), SERVICE, "delivers")
    return graph


def phases(scenario: Scenario, go_live: dt.date | None = None) -> list[Phase]:
    """Before go-live, go-live to vesting day (when the provider is live first), after vesting day.

    `go_live` defaults to the planned go-live date.
    """
    go_live = go_live or scenario.planned_go_live.value
    vesting = scenario.vesting_day.value
    predecessor = display_name(scenario, service_predecessor(scenario))
    funders = [display_name(scenario, k) for k in scenario.funders]
    out = []
    before = Relations()
    before.add_edge(predecessor, SERVICE, "runs in house")
    for funder in funders:
        before.add_edge(funder, predecessor, "funds the transition")
    out.append(Phase("Before go-live", scenario.start.value, before))
    provider = scenario.delivery.provider
    if provider is not None and go_live < vesting:
        interim = Relations()
        interim.add_edge(predecessor, display_name(scenario, provider), "owns and commissions")
        interim.add_edge(display_name(scenario, provider), SERVICE, "delivers")
        for funder in funders:
            interim.add_edge(funder, predecessor, "funds the transition")
        out.append(Phase("Go-live to vesting day", go_live, interim))
    out.append(Phase("After vesting day", vesting, after_vesting(scenario)))
    return out


def monthly_roles(scenario: Scenario, months: pd.DatetimeIndex, go_live: dt.date | None = None) -> pd.DataFrame:
    """A row per month: the phase, who pays the councils' costs (with shares), commissions, delivers and employs."""
    vested = {key: np.asarray(months >= pd.Timestamp(day).to_period("M").to_timestamp())
              for key, day in vesting_days(scenario).items()}
    shares = paying_shares(scenario, vested)
    starts = [(pd.Timestamp(p.start), p) for p in phases(scenario, go_live)]
    rows = []
    for m, month in enumerate(months):
        phase = [p for start, p in starts if start <= month][-1] if starts[0][0] <= month else starts[0][1]
        delivers = sorted(u for u, v, _ in phase.graph.edges() if v == SERVICE)
        commissions = sorted(u for u, _, r in phase.graph.edges() if "commissions" in r)
        rows.append({"month": month, "phase": phase.name,
                     "payers": {k: float(s[m]) for k, s in shares.items() if s[m] > 0},
                     "commissions": commissions, "delivers": delivers,
                     "employs": delivers})  # whoever delivers the service employs its staff
    return pd.DataFrame(rows)
