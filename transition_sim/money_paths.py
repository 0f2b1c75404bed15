"""Money that can reach reality: year-to-year paths whose uncertainty compounds, and money actuals.

The cost model calls `children_in_care` for the demand path of the placements line,
`rebased_level` for the pressure carried into each year's base, and `apply_actuals` to replace
the years a scenario knows and to carry later years on from the last of them.
"""

from __future__ import annotations

import numpy as np

from transition_sim.schema import Scenario

CONTRACT_SUM = ("contract sum", "transformation")  # agreed at the annual review, before the year
IN_YEAR = ("exceptional",)  # on top of the contract sum in the year (with the pressure the provider absorbs)


def children_in_care(count: float, growth: np.ndarray, gap: int) -> np.ndarray:
    """(R, Y): the mid-year count of each model year, a random walk of yearly growth draws from a count.

    `growth` (R, gap + Y) is each year's own draw, from the year after the count; the model's first
    year is `gap` years after it. A year's count is its level on 1 April times half a year's growth.
    """
    factor = 1 + growth
    on_1_april = count * np.cumprod(np.concatenate([np.ones((growth.shape[0], 1)), factor[:, :-1]], axis=1), axis=1)
    return (on_1_april * np.sqrt(factor))[:, gap:]


def rebased_level(pressure: np.ndarray, rebase: np.ndarray | float) -> np.ndarray:
    """(R, Y): the multiplier of each year's base from the in-year pressure of the years before it.

    `pressure` (R, Y) is each year's in-year pressure; a share `rebase` of it persists into the next
    years' base, as an annual review that prices last year's cost, so an overspend compounds rather
    than vanishing.
    """
    carried_pressure = np.concatenate([np.zeros((pressure.shape[0], 1)), pressure[:, :-1]], axis=1)
    return np.cumprod(1 + np.asarray(rebase).reshape(-1, 1) * carried_pressure, axis=1)


def yearly(amount: np.ndarray, year_col: np.ndarray, years: int) -> np.ndarray:
    """(R, M) monthly money as (R, Y) sums by financial year."""
    return np.stack([amount[:, year_col == j].sum(axis=1) for j in range(years)], axis=1)


def apply_actuals(scenario: Scenario, labels: list[str], year_col: np.ndarray, parts: dict,
                  absorbed: np.ndarray) -> tuple[dict, np.ndarray]:
    """Years with an actual contract sum or outturn take it; later years carry on from the last actual.

    Each year with an actual is scaled to it (the contract-sum categories to the contract sum, the
    in-year money to what the outturn leaves); every later year is scaled by the same ratio as the
    last actual year, so demand and prices carry on from the known level with their own uncertainty.
    """
    actuals = scenario.actuals
    if actuals is None or not (actuals.contract_sum or actuals.outturn):
        return parts, absorbed
    parts = dict(parts)
    n_years = len(labels)
    runs = absorbed.shape[0]
    ratio = np.ones((runs, n_years))
    carry = np.ones(runs)
    for j, label in enumerate(labels):
        contract = sum(yearly(parts[c], year_col, n_years)[:, j] for c in CONTRACT_SUM if c in parts)
        in_year = sum(yearly(parts[c], year_col, n_years)[:, j] for c in IN_YEAR if c in parts) \
            + yearly(absorbed, year_col, n_years)[:, j]
        known_sum = actuals.contract_sum.get(label)
        known_out = actuals.outturn.get(label)
        if known_sum is None and known_out is None:
            ratio[:, j] = carry
            continue
        safe = np.where(contract > 0, contract, 1.0)
        sum_ratio = np.where(contract > 0, known_sum.value / safe, carry) if known_sum is not None else carry
        ratio[:, j] = sum_ratio
        if known_out is not None:
            left = known_out.value - contract * sum_ratio  # the in-year money the outturn leaves
            in_ratio = np.where(in_year > 0, left / np.where(in_year > 0, in_year, 1.0), 0.0)
            scale = np.where(year_col == j, 1.0, 0.0)[None, :]
            for c in IN_YEAR:
                if c in parts:
                    parts[c] = parts[c] * (1 + scale * (in_ratio[:, None] - 1))
            absorbed = absorbed * (1 + scale * (in_ratio[:, None] - 1))
            carry = known_out.value / np.where(contract + in_year > 0, contract + in_year, 1.0)
        else:
            carry = sum_ratio
    month_ratio = ratio[:, year_col]
    for c in CONTRACT_SUM:
        if c in parts:
            parts[c] = parts[c] * month_ratio
    later = np.array([label not in actuals.outturn for label in labels])[year_col][None, :]
    for c in IN_YEAR:
        if c in parts:
            parts[c] = np.where(later, parts[c] * month_ratio, parts[c])
    absorbed = np.where(later, absorbed * month_ratio, absorbed)
    return parts, absorbed
