"""Warnings about input that is valid but absurd: each names the input and what it does to the answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from transition_sim.schema import Scenario

LONG_PAUSE_DAYS = 5 * 365.25  # a programme paused for years has stopped, not paused
FAR_WINDOW_YEARS = 10  # a closed window this long after vesting day bars go-live for a decade
DEMAND_BUDGET_FACTOR = 2  # a demand model costing this many times its service's budget, or 1/this, is a slip


def input_warnings(scenario: Scenario) -> list[str]:
    """What in the scenario makes its answers hard to believe, before it is simulated."""
    out = []
    vesting = scenario.vesting_day.value
    if scenario.status > vesting:
        out.append(f"status_date {scenario.status} is after vesting_day {vesting}: the forecast starts after "
                   "the councils it is commissioned by exist, so P(before vesting day) is 0")
    for key, risk in scenario.risks.items():
        if risk.pause is not None and risk.pause.high > LONG_PAUSE_DAYS:
            out.append(f"risks.{key}.pause: a pause of up to {risk.pause.high / 365.25:,.0f} years stops the "
                       "programme rather than pausing it; go-live dates and costs will be dominated by it")
    far = dt.date(vesting.year + FAR_WINDOW_YEARS, vesting.month, min(vesting.day, 28))
    for key, window in scenario.closed_windows.items():
        if window.end > far:
            out.append(f"closed_windows.{key}: no go-live until after {window.end}, more than "
                       f"{FAR_WINDOW_YEARS} years after vesting day; every later figure follows from that window")
    out += _demand_against_budget(scenario)
    earliest = _earliest_possible(scenario)
    if earliest is not None and earliest > scenario.planned_go_live.value:
        out.append(f"planned_go_live {scenario.planned_go_live.value} is before {earliest}, the earliest the "
                   "notice periods allow from the status date: P(on time) is 0 by construction")
    return out


def _demand_against_budget(scenario: Scenario) -> list[str]:
    """The demand model replaces its service's non-staff budget: a factor of two apart is a slip of unit or count."""
    demand = scenario.finance.demand if scenario.finance is not None else None
    if demand is None or demand.service not in scenario.services:
        return []
    service = scenario.services[demand.service]
    budget = service.budget - sum(g.cost for g in service.staff.values())
    cost = demand.children_in_care.value * demand.yearly_cost_per_child
    if budget > 0 and 1 / DEMAND_BUDGET_FACTOR <= cost / budget <= DEMAND_BUDGET_FACTOR:
        return []
    return [f"finance.demand: {demand.children_in_care.value:,} children in care at the unit costs give "
            f"£{cost / 1e6:.1f}m a year in {demand.prices_in} prices, against £{budget / 1e6:.1f}m of "
            f"services.{demand.service}'s budget after staff (is a weekly cost a yearly one, or the count wrong?); "
            "the money follows the demand model, not the budget"]


def _earliest_possible(scenario: Scenario) -> dt.date | None:
    """The earliest go-live the notices allow if all remaining work finished on the status date."""
    status = scenario.status
    days = []
    if any(scenario.programme_of(t) == scenario.go_live.programme and t.done_on is None
           for t in scenario.tasks.values()):
        days.append(scenario.go_live.go_no_go_notice.value)
    if any(scenario.tasks[k].done_on is None for k in scenario.go_live.consultation_tasks if k in scenario.tasks):
        days.append(scenario.go_live.eli_notice.value)
    return status + dt.timedelta(days=max(days)) if days else None


def result_warnings(scenario: Scenario, replications: pd.DataFrame) -> list[str]:
    """What in the simulated futures makes a headline figure misleading."""
    out = []
    if scenario.finance is not None:
        horizon = scenario.finance.horizon.value
        late = float((replications["go_live_date"] > pd.Timestamp(horizon)).mean())
        if late > 0:
            out.append(f"finance.horizon {horizon}: go-live falls after it in {late:.0%} of replications, so their "
                       "contract sums and most dual running are not counted (costs read low; staff transferred "
                       "is who would transfer, not who had by the horizon)")
    return out
