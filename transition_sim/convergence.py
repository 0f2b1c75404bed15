"""Enough replications: run in growing batches until the P80 confidence intervals are narrow enough.

Replication i depends only on (seed, i), so a run of n replications is the first n of any longer
run: each batch doubles the replications, and the run that stops is exactly the run of that size.
The precision of a percentile is the width of its distribution-free confidence interval from the
order statistics (`analysis.percentile_table`, 95%).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Callable

from transition_sim.lazy import lazy_import

if TYPE_CHECKING:
    from transition_sim.results import Results

analysis = lazy_import("transition_sim.analysis")  # the CLI reads the defaults below for --help without SciPy

FIRST_BATCH = 500
MAX_RUNS = 32_000
TOLERANCE_DAYS = 1.0  # on the P80 go-live
TOLERANCE_GBP = 0.1e6  # on the P80 transition cost


def precision(results: Results) -> dict[str, float]:
    """The 95% confidence-interval widths of the P80 go-live (days) and P80 transition cost (£)."""
    reps = results.replications
    out = {}
    table = analysis.percentile_table(reps["go_live_date"], (80,))
    out["go_live_p80_ci_days"] = float((table.at["P80", "ci_high"] - table.at["P80", "ci_low"]).days)
    if "transition_cost_gbp" in reps:
        table = analysis.percentile_table(reps["transition_cost_gbp"], (80,))
        out["transition_cost_p80_ci_gbp"] = float(table.at["P80", "ci_high"] - table.at["P80", "ci_low"])
    return out


@dataclass
class Convergence:
    tolerance_days: float
    tolerance_gbp: float
    max_runs: int
    runs: int = 0
    simulated: int = 0  # replications simulated over all batches
    converged: bool = False
    achieved: dict = field(default_factory=dict)
    batches: list = field(default_factory=list)  # (runs, achieved) after each batch

    def as_dict(self) -> dict:
        return asdict(self)

    def narrow_enough(self, achieved: dict[str, float]) -> bool:
        return achieved["go_live_p80_ci_days"] <= self.tolerance_days and \
            achieved.get("transition_cost_p80_ci_gbp", 0.0) <= self.tolerance_gbp


def until_converged(simulate: Callable[[int], Results], tolerance_days: float = TOLERANCE_DAYS,
                    tolerance_gbp: float = TOLERANCE_GBP, max_runs: int = MAX_RUNS,
                    first_batch: int = FIRST_BATCH) -> tuple[Results, Convergence]:
    """`simulate(n)` runs n replications; double n until both P80 intervals are within tolerance."""
    state = Convergence(tolerance_days, tolerance_gbp, max_runs)
    runs = min(first_batch, max_runs)
    while True:
        results = simulate(runs)
        state.runs, state.achieved = runs, precision(results)
        state.simulated += runs
        state.batches.append({"runs": runs, **state.achieved})
        state.converged = state.narrow_enough(state.achieved)
        if state.converged or runs >= max_runs:
            return results, state
        runs = min(2 * runs, max_runs)
