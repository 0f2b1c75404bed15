"""Actuals: what is already known at the status date replaces the forecast of it."""

from __future__ import annotations

import numpy as np

from transition_sim.golive import GoLiveCalendar
from transition_sim.programme import Network
from transition_sim.schema import Scenario


def fix_timeline(scenario: Scenario, net: Network, calendar: GoLiveCalendar, arrays: dict) -> dict:
    """With `actuals.go_live`, every replication goes live on that date and the trust's work is done by then.

    Trust tasks simulated to finish later are cut back to the go-live day; the reorganisation's
    tasks, which go-live does not settle, keep their simulated dates.
    """
    actual = scenario.actuals.go_live if scenario.actuals is not None else None
    if actual is None:
        return arrays
    day = float((actual.value - calendar.start).days)
    out = dict(arrays)
    out["go_live"] = fixed_go_live(scenario, arrays["go_live"])
    trust = np.asarray(net.readiness, bool)  # the go-live programme's tasks
    for key in ("task_start_day", "task_finish_day"):
        out[key] = np.where(trust[None, :], np.minimum(arrays[key], day), arrays[key])
    out["readiness_day"] = np.minimum(arrays["readiness_day"], day)
    out["consultation_end_day"] = np.minimum(arrays["consultation_end_day"], day)
    return out


def fixed_go_live(scenario: Scenario, go_live: np.ndarray) -> np.ndarray:
    """The go-live dates with `actuals.go_live`: that date in every replication."""
    actual = scenario.actuals.go_live if scenario.actuals is not None else None
    return go_live if actual is None else np.full(len(go_live), np.datetime64(actual.value, "D"))
