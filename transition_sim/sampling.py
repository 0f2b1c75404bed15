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


def _column_streams(seed: int, keys: list[str], first: int, count: int, width: int = 1) -> np.ndarray:
    if not keys:
        return np.empty((count, 0, width))
    return np.stack([stream(seed, k, first, count, width) for k in keys], axis=1)


def draw(net: Network, seed: int, first: int, count: int) -> Draws:
    u_work = _column_streams(seed, [f"task:{t}" for t in net.task_ids], first, count)[..., 0]
    work = three_point(u_work, net.work)

    n_risks = len(net.risk_ids)
    u_strike = _column_streams(seed, [f"risk:{r}:strike" for r in net.risk_ids], first, count, 2)
    lo, hi = net.risk_window[:, 0], net.risk_window[:, 1]
    lo_left = np.maximum(lo, net.status_day)
    left = np.clip((hi - lo_left) / np.where(hi > lo, hi - lo, 1.0), 0.0, 1.0)
    p = net.risk_probability
    # given that it had not struck before the status date
    p_left = np.where(left > 0, p * left / np.maximum(1 - p * (1 - left), 1e-12), 0.0)
    struck = u_strike[..., 0] < p_left if n_risks else np.zeros((count, 0), bool)
    strike_day = np.where(struck, lo_left + u_strike[..., 1] * (hi - lo_left), np.nan) if n_risks \
        else np.zeros((count, 0))

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
                 np.where(struck[:, [r for r, _ in net.risk_delays]], delay, 0.0) if net.risk_delays else delay)


def draw_at(net: Network, seed: int, indices: np.ndarray) -> Draws:
    """The draws of replications `indices` (ascending): rows of the block that covers them."""
    indices = np.asarray(indices, dtype=np.int64)
    if len(indices) == 0:
        return draw(net, seed, 0, 0)
    first = int(indices[0])
    block = draw(net, seed, first, int(indices[-1]) - first + 1)
    if len(indices) == block.work_days.shape[0]:
        return block
    rows = indices - first
    return Draws(*(getattr(block, f)[rows] for f in Draws.__dataclass_fields__))
