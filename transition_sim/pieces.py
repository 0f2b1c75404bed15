"""A chunk of replications played on an engine: what a worker process does, whichever executor sent it.

No pandas here, so that a worker started before the rest of the package (`warm`) need not import it.
"""

from __future__ import annotations

import numpy as np

from transition_sim import attribution, sampling
from transition_sim.golive import GoLiveCalendar
from transition_sim.programme import Network
from transition_sim.simulation import play


def simulate_rows(net: Network, calendar: GoLiveCalendar, seed: int, indices: np.ndarray, engine: str = "simpy") -> dict:
    """The replications numbered `indices` (ascending), exactly as a full run would play them, on `engine`; with
    correlations, the sampled values of the correlated items as well ("correlated", `Draws.correlated`), which
    the run's check of its correlations reads instead of drawing them again."""
    draws = sampling.draw_at(net, seed, indices)
    out = play_draws(net, calendar, indices, draws, engine)
    if net.correlation is not None:
        out["correlated"] = draws.correlated(net)
    return out


def play_draws(net: Network, calendar: GoLiveCalendar, indices: np.ndarray, draws: sampling.Draws,
               engine: str, go_live_only: bool = False) -> dict:
    """The rows' outputs (`play_rows`); with `go_live_only`, their go-live dates alone."""
    if engine == "compiled":
        from transition_sim import compiled  # numba: imported only when a run plays on it
        return compiled.play_rows(net, calendar, indices, draws, go_live_only)
    return play_rows(net, calendar, indices, draws, go_live_only)


def play_rows(net: Network, calendar: GoLiveCalendar, indices: np.ndarray, draws: sampling.Draws,
              go_live_only: bool = False) -> dict:
    count = len(indices)
    active = draws.active(net)
    replications = (play(net, calendar, int(indices[row]), draws.work_days[row], draws.struck[row],
                         draws.strike_day[row], draws.pause_days[row], draws.delay_days[row], active[row])
                    for row in range(count))
    if go_live_only:
        return {"go_live": np.array([rep.go_live for rep in replications], dtype="datetime64[D]")}
    n_tasks, n_risks = len(net.task_ids), len(net.risk_ids)
    out = {
        "go_live": np.empty(count, dtype="datetime64[D]"),
        "readiness_day": np.empty(count), "consultation_end_day": np.empty(count),
        "reorganisation_ready_day": np.empty(count),
        "task_start_day": np.empty((count, n_tasks)), "task_finish_day": np.empty((count, n_tasks)),
        "critical": np.zeros((count, n_tasks), dtype=bool),
        "risk_struck": draws.struck, "risk_strike_day": np.empty((count, n_risks)),
        "risk_pause_days": np.empty((count, n_risks)), "risk_delay_days": np.empty((count, n_risks)),
        "paused_days": np.empty(count),
        "branch_in": draws.branch_in, "fallback_taken": np.zeros((count, len(net.fallback_ids)), dtype=bool),
        "slip_causes": np.zeros((count, len(attribution.causes(net)))),
    }
    for row, rep in enumerate(replications):
        out["go_live"][row] = rep.go_live
        out["readiness_day"][row] = rep.readiness_day
        out["consultation_end_day"][row] = rep.consultation_end_day
        out["reorganisation_ready_day"][row] = rep.reorganisation_ready_day
        out["task_start_day"][row] = rep.task_start_day
        out["task_finish_day"][row] = rep.task_finish_day
        out["critical"][row, list(rep.critical_chain)] = True
        out["risk_delay_days"][row] = rep.risk_delay_days
        out["fallback_taken"][row] = rep.fallback_taken
        out["risk_strike_day"][row] = rep.risk_strike_day
        out["risk_pause_days"][row] = rep.risk_pause_days
        out["paused_days"][row] = rep.paused_days
        out["slip_causes"][row] = attribution.slip_causes(net, calendar, rep, draws.work_days[row],
                                                          rep.risk_strike_day, draws.pause_days[row],
                                                          draws.delay_days[row])
    return out


BLOCK_REPLICATIONS = 10_000  # replications taken through timeline and money at once (`api.simulate`): bounds the money's working memory


def chunks(runs: int, workers: int) -> list[tuple[int, int]]:
    """(first, count) of each chunk of `runs` replications shared by `workers`: about eight a worker, of 10 to 250."""
    size = max(10, min(250, -(-runs // (workers * 8))))
    return [(first, min(size, runs - first)) for first in range(0, runs, size)]


def replication_pieces(seed: int, indices: np.ndarray, workers: int) -> tuple[list[tuple], list[int]]:
    """The pieces (`rows_piece`) that play replications `indices` on `workers`, and their sizes."""
    spans = chunks(len(indices), workers)
    return [(seed, indices[first:first + count]) for first, count in spans], [count for _, count in spans]


def rows_piece(net: Network, calendar: GoLiveCalendar, engine: str, piece: tuple) -> dict:
    """A chunk of a run: piece is (seed, replication indices)."""
    seed, indices = piece
    return simulate_rows(net, calendar, seed, indices, engine)


RERUN_BATCH = 64  # re-runs played in one call: fewer calls, and the arrays of a call stay small


def without_risks_piece(net: Network, calendar: GoLiveCalendar, engine: str, piece: tuple) -> dict[int, np.ndarray]:
    """A chunk of risk re-runs: piece is (seed, replication indices, ((risk, rows), ...)); per risk, the go-live
    dates of those rows with the risk removed. The chunk's draws are drawn once for all its risks."""
    seed, indices, removals = piece
    draws = sampling.draw_at(net, seed, indices)
    rows = np.concatenate([rows for _, rows in removals])
    risks = np.concatenate([np.full(len(rows), r) for r, rows in removals])
    go_live = np.concatenate([  # the draws carry the removals: playing them reads no probability
        play_draws(net, calendar, indices[rows[part]], draws.rows(rows[part]).without_risks(net, risks[part]),
                   engine, go_live_only=True)["go_live"]
        for part in np.array_split(np.arange(len(rows)), -(-len(rows) // RERUN_BATCH))])
    ends = np.cumsum([len(rows) for _, rows in removals])
    return {r: go_live[end - len(rows):end] for (r, rows), end in zip(removals, ends)}
