"""Staff groups, who transfers under TUPE, and what the staff cost."""

from __future__ import annotations

import numpy as np
import pandas as pd

from transition_sim.schema import Scenario, Service


def service_scope(scenario: Scenario, service: Service) -> str:
    """`in` or `out`: a service settled by a scope decision takes that decision's outcome.

    A decision still open (a branch) gives its more likely outcome here; the money of each
    replication comes from the scenario of its own branch (`Scenario.with_scope`).
    """
    if service.scope in ("in", "out"):
        return service.scope
    outcome = scenario.scope[service.scope]
    return outcome if isinstance(outcome, str) else ("in" if outcome.p_in >= outcome.p_out else "out")


def staff_groups(scenario: Scenario) -> pd.DataFrame:
    """A row per staff group: its service, scope, permanent staff and 2020/21 cost."""
    rows = []
    for service_id, service in scenario.services.items():
        in_scope = service_scope(scenario, service) == "in"
        for group_id, g in service.staff.items():
            permanent = round(g.headcount * (1 - g.agency_share))
            rows.append({
                "service_id": service_id, "group_id": group_id, "in_scope": in_scope,
                "headcount": g.headcount, "fte": g.fte, "agency_share": g.agency_share,
                "average_cost_gbp": g.average_cost, "agency_premium": g.agency_premium,
                "permanent_headcount": permanent, "agency_headcount": g.headcount - permanent,
                # TUPE moves the permanent employees of in-scope services; agency workers are not employees
                "transfers_under_tupe": permanent if in_scope else 0,
                "cost_gbp": g.cost,
            })
    return pd.DataFrame(rows, columns=["service_id", "group_id", "in_scope", "headcount", "fte", "agency_share",
                                       "average_cost_gbp", "agency_premium", "permanent_headcount",
                                       "agency_headcount", "transfers_under_tupe", "cost_gbp"])


def after_conversion(agency_share, conversion, years):
    """The agency share left after `years` of converting a share `conversion` of agency posts each year."""
    return agency_share * (1 - conversion) ** years


def fte_agency_share(groups: pd.DataFrame, conversion, years) -> np.ndarray:
    """The FTE-weighted agency share of `groups` (rows of staff_groups); conversion and years broadcast."""
    agency_fte = sum(g.fte * after_conversion(g.agency_share, conversion, years) for g in groups.itertuples())
    return agency_fte / max(float(groups["fte"].sum()), 1e-9)


def staff_transferred(scenario: Scenario) -> int:
    return int(staff_groups(scenario)["transfers_under_tupe"].sum())
