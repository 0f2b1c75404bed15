"""Random numbers keyed by (seed, replication, id): common random numbers across scenarios and workers.

Each task and each part of each risk has its own stream, derived from the run's seed and
the item's id. Replication i takes the i-th block of draws of every stream, so its numbers
depend only on (seed, i, id): not on the worker count, the chunking, or which other tasks
and risks a what-if adds or removes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from scipy.special import betaincinv

from transition_sim.programme import Network, ThreePointArrays


def stream(seed: int, key: str, first: int, count: int, width: int = 1) -> np.ndarray:
    """Uniforms in [0, 1): rows first .. first+count-1 of the stream named `key`."""
    spawn_key = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")
    bits = np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=(spawn_key,)))
    bits.advance(first * width)  # one 64-bit step per double
    return np.random.Generator(bits).random((count, width))


def three_point(u: np.ndarray, est: ThreePointArrays) -> np.ndarray:
    """Inverse CDF of each column's triangular or PERT distribution at uniforms `u` (rows × columns)."""
    low, likely, high = est.low, est.likely, est.high
    span = high - low
    safe = np.where(span > 0, span, 1.0)
    mode = (likely - low) / safe
    tri = np.where(u < mode,
                   low + np.sqrt(u * safe * (likely - low)),
                   high - np.sqrt((1 - u) * safe * (high - likely)))
    alpha = 1 + 4 * mode
    beta = 1 + 4 * (1 - mode)
    pert = low + span * betaincinv(alpha, beta, u)
    return np.where(span > 0, np.where(est.pert, pert, tri), low)


@dataclass(frozen=True)
class Draws:
    """The sampled uncertain inputs of `count` replications."""

    work_days: np.ndarray  # (n, tasks)
    struck: np.ndarray  # (n, risks) bool
    strike_day: np.ndarray  # (n, risks), nan where the risk did not strike
    pause_days: np.ndarray  # (n, risks): 0 for risks without a pause
    delay_days: np.ndarray  # (n, delays)
    occurrence_uniform: np.ndarray  # (n, risks): a risk strikes when this is below its probability
    branch_in: np.ndarray  # (n, branches) bool: the scope decision came out `in`

    def active(self, net: Network) -> np.ndarray:
        """(n, tasks) bool: the task is in the scope its replication's branches drew (fallbacks aside)."""
        out = np.ones(self.work_days.shape, dtype=bool)
        for k, conditions in enumerate(net.task_condition):
            for b, must_be_in in conditions:
                out[:, k] &= self.branch_in[:, b] == must_be_in
        return out


def _column_streams(seed: int, keys: list[str], first: int, count: int, width: int = 1) -> np.ndarray:
    if not keys:
        return np.empty((count, 0, width))
    return np.stack([stream(seed, k, first, count, width) for k in keys], axis=1)


def correlate(net: Network, u_work: np.ndarray, u_occurrence: np.ndarray) -> None:
    """Mix, in place, the uniforms of correlated task durations and risk occurrences (see `correlation`)."""
    plan = net.correlation
    if plan is None:
        return
    columns = {"task": u_work, "risk": u_occurrence}
    mixed = plan.apply(np.stack([columns[kind][:, c] for kind, c in plan.items], axis=1))
    for j, (kind, c) in enumerate(plan.items):
        columns[kind][:, c] = mixed[:, j]


def strike(net: Network, r: int, u_occurrence: np.ndarray, u_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether risk r strikes after the status date, and on which day (nan if not).

    Its chance over the window is its probability times the window's weight (1 without a risk
    calendar, see `programme.risk_weight`), at most 1; a risk whose window straddles the status
    date strikes in the part left with that chance conditioned on not having struck before. The
    strike day has density proportional to the weight (uniform without a calendar).
    """
    lo, hi = net.risk_window[r]
    if np.isnan(lo):  # no window: it strikes during the task it hits, which the simulation times
        return u_occurrence < net.risk_probability[r], np.full(len(u_occurrence), np.nan)
    lo_left = max(lo, net.status_day)
    weight = net.risk_weight[r]
    if weight is None:
        days, cumulative = np.array([lo, hi]), np.array([0.0, 1.0])
    else:
        days, cumulative = weight
    total = cumulative[-1]
    done = float(np.interp(lo_left, days, cumulative))
    left = (total - done) / total if hi > lo and total > 0 else 0.0
    p = min(1.0, net.risk_probability[r] * total)
    p_left = p * left / max(1 - p * (1 - left), 1e-12) if left > 0 else 0.0
    struck = u_occurrence < p_left
    day = np.interp(done + u_day * (total - done), cumulative, days)
    return struck, np.where(struck, day, np.nan)


def draw(net: Network, seed: int, first: int, count: int) -> Draws:
    u_work = _column_streams(seed, [f"task:{t}" for t in net.task_ids], first, count)[..., 0]
    n_risks = len(net.risk_ids)
    u_strike = _column_streams(seed, [f"risk:{r}:strike" for r in net.risk_ids], first, count, 2)
    if n_risks == 0:
        u_strike = np.zeros((count, 0, 2))
    u_occurrence = u_strike[..., 0].copy()
    correlate(net, u_work, u_occurrence)
    work = three_point(u_work, net.work)

    struck = np.zeros((count, n_risks), bool)
    strike_day = np.full((count, n_risks), np.nan)
    for r in range(n_risks):
        struck[:, r], strike_day[:, r] = strike(net, r, u_occurrence[:, r], u_strike[:, r, 1])

    pause = np.zeros((count, n_risks))
    if net.risk_pause is not None:
        keys = [f"risk:{net.risk_ids[r]}:pause" for r in net.risk_pause_index]
        pause[:, list(net.risk_pause_index)] = three_point(_column_streams(seed, keys, first, count)[..., 0],
                                                           net.risk_pause)
    delay = np.zeros((count, len(net.risk_delays)))
    if net.risk_delay is not None:
        keys = [f"risk:{net.risk_ids[r]}:delay:{net.task_ids[t]}" for r, t in net.risk_delays]
        delay = three_point(_column_streams(seed, keys, first, count)[..., 0], net.risk_delay)
    return Draws(work, struck, strike_day, np.where(struck, pause, 0.0),
                 np.where(struck[:, [r for r, _ in net.risk_delays]], delay, 0.0) if net.risk_delays else delay,
                 u_occurrence,
                 _column_streams(seed, [f"branch:{b}" for b in net.branch_ids], first, count)[..., 0] < net.branch_p_in)
