"""Random numbers keyed by (seed, replication, id): common random numbers across scenarios and workers.

Each task and each part of each risk has its own stream, derived from the run's seed and
the item's id. Draw w of replication i in stream `key` is a pure function of (seed, key, i, w),
so replication i's numbers depend only on (seed, i, id): not on the worker count, the chunking,
which replications are drawn, or which other tasks and risks a what-if adds or removes.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, fields, replace
from functools import lru_cache

import numpy as np

from transition_sim.programme import Network, ThreePointArrays

GAMMA = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment: 2^64 over the golden ratio


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function (Steele, Lea and Flood, OOPSLA 2014), element-wise on uint64."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@lru_cache(maxsize=256)
def _stream_keys(seed: int, keys: tuple[str, ...]) -> np.ndarray:
    digest = (hashlib.blake2b(f"{seed}|{key}".encode(), digest_size=8).digest() for key in keys)
    return np.fromiter((int.from_bytes(d, "little") for d in digest), dtype=np.uint64, count=len(keys))


def uniforms(seed: int, keys: list[str] | tuple[str, ...], indices: np.ndarray, width: int = 1) -> np.ndarray:
    """Uniforms in [0, 1), shaped (replications, keys, width): draw w of replication i in stream `key`.

    Counter-based: stream `key` is SplitMix64 started from a hash of (seed, key), and draw w of
    replication i is its output number i * width + w + 1, computed directly for every key and
    replication in one vectorised call.
    """
    counter = np.asarray(indices, dtype=np.uint64)[:, None, None] * np.uint64(width) \
        + np.arange(1, width + 1, dtype=np.uint64)
    state = _stream_keys(seed, tuple(keys))[None, :, None] + counter * GAMMA
    return (_mix(state) >> np.uint64(11)) * 2.0 ** -53


def stream(seed: int, key: str, first: int, count: int, width: int = 1) -> np.ndarray:
    """Uniforms in [0, 1): rows first .. first+count-1 of the stream named `key`."""
    return uniforms(seed, (key,), np.arange(first, first + count), width)[:, 0, :]


PERT_TABLE_POINTS = 4097
PERT_MAX_ERROR = 5e-7  # of the span (high - low), against scipy.special.betaincinv; tests/test_sampling_speed.py
PERT_TABLE_X = (1 - np.cos(np.linspace(0, np.pi, PERT_TABLE_POINTS))) / 2  # clustered towards both ends
PERT_QUADRATURE_POINTS = 4  # Gauss-Legendre points in each step of the table
PERT_MEDIAN_MARGIN = PERT_TABLE_POINTS // 20  # points computed past the estimate of the median (`_pert_lower_table`)


@lru_cache(maxsize=1)
def _pert_quadrature() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log t, log(1 - t) and the weights of Gauss-Legendre quadrature in every step of PERT_TABLE_X."""
    nodes, weights = np.polynomial.legendre.leggauss(PERT_QUADRATURE_POINTS)
    step = np.diff(PERT_TABLE_X)[:, None]
    t = PERT_TABLE_X[:-1, None] + step * (nodes + 1) / 2
    return np.log(t), np.log1p(-t), step * weights / 2


@lru_cache(maxsize=8192)  # a table of a few thousand floats each: a plan of 4,000 tasks of distinct shapes
def _pert_lower_table(mode: float) -> tuple[np.ndarray, np.ndarray]:
    """(CDF, x) for PERT's beta(1 + 4 mode, 5 - 4 mode) on [0, 1], at the points of PERT_TABLE_X up to the
    first whose CDF is at least 1/2: the table is read only below 1/2 (`pert_quantile`).

    The CDF is the density integrated step by step (Gauss-Legendre): about a quarter of a millisecond a
    table, where betainc takes about a microsecond a point (two to four milliseconds for a whole table),
    and a plan may have a shape per task. Its error, a few 1e-10 at most (where the density is infinite
    at 0), is within the table's stated error (PERT_MAX_ERROR, tested against betaincinv). No SciPy: a
    worker that only draws and plays does not import it (a fifth of a second).
    """
    a, b = 1 + 4 * mode, 5 - 4 * mode
    cdf = _pert_cdf(a, b, min(_median_point(a, b) + PERT_MEDIAN_MARGIN, PERT_TABLE_POINTS - 1))
    if cdf[-1] < 0.5:  # the margin past the estimate was not enough (never seen with the margin): the whole table
        cdf = _pert_cdf(a, b, PERT_TABLE_POINTS - 1)
    last = int(np.searchsorted(cdf, 0.5))  # the first point at or past the median
    return cdf[:last + 1], PERT_TABLE_X[:last + 1]


def _median_point(a: float, b: float) -> int:
    """The first point of PERT_TABLE_X at or past Kerman's approximation of beta(a, b)'s median, within 4% of
    it for a, b above 1 (J. Kerman, "A closed-form approximation for the median of the beta distribution",
    arXiv:1111.0433, November 2011)."""
    return int(np.searchsorted(PERT_TABLE_X, (a - 1 / 3) / (a + b - 2 / 3)))


def _pert_cdf(a: float, b: float, end: int) -> np.ndarray:
    """The CDF of beta(a, b) at PERT_TABLE_X[:end + 1]."""
    log_t, log_1_t, weights = (part[:end] for part in _pert_quadrature())
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    density = np.exp((a - 1) * log_t + (b - 1) * log_1_t - log_beta)
    return np.concatenate([[0.0], np.cumsum((density * weights).sum(axis=1))])


def pert_quantile(u: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """PERT's inverse CDF on [0, 1] at uniforms `u` (rows x columns), each column's mode in `mode`.

    Interpolated in per-shape tables, within PERT_MAX_ERROR of betaincinv. A table is read only
    for u < 1/2; above, the mirrored shape at 1 - u (exact in floating point) keeps the upper tail
    as accurate as the lower. Columns that share a shape are interpolated together.
    """
    mode = np.broadcast_to(mode, u.shape[-1:])
    out = np.empty_like(u)
    shapes, which = np.unique(mode, return_inverse=True)
    for s, m in enumerate(shapes):
        columns = np.flatnonzero(which == s)
        block = u[:, columns]
        lower_cdf, lower_x = _pert_lower_table(float(m))
        upper_cdf, upper_x = _pert_lower_table(float(1 - m))
        lower = block < 0.5
        x = np.empty_like(block)
        x[lower] = np.interp(block[lower], lower_cdf, lower_x)
        x[~lower] = 1 - np.interp(1 - block[~lower], upper_cdf, upper_x)
        out[:, columns] = x
    return out


def three_point(u: np.ndarray, est: ThreePointArrays) -> np.ndarray:
    """Inverse CDF of each column's triangular or PERT distribution at uniforms `u` (rows × columns)."""
    low, likely, high = est.low, est.likely, est.high
    span = high - low
    safe = np.where(span > 0, span, 1.0)
    mode = (likely - low) / safe
    tri = np.where(u < mode,
                   low + np.sqrt(u * safe * (likely - low)),
                   high - np.sqrt((1 - u) * safe * (high - likely)))
    pert = low + span * pert_quantile(u, mode) if est.pert.any() else tri
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

    def rows(self, rows: np.ndarray) -> Draws:
        """These draws' rows `rows`."""
        return Draws(*(getattr(self, f.name)[rows] for f in fields(self)))

    def without_risks(self, net: Network, risks: np.ndarray) -> Draws:
        """Row j of the draws with risk risks[j] unable to strike: exactly row j of `draw_at` of the network
        with that risk's probability 0 (its occurrence is decided by comparing its own uniform with the
        probability; nothing else reads it)."""
        row = np.arange(len(risks))
        struck, strike_day, pause = self.struck.copy(), self.strike_day.copy(), self.pause_days.copy()
        struck[row, risks], strike_day[row, risks], pause[row, risks] = False, np.nan, 0.0
        delay = self.delay_days.copy()
        delay[np.asarray([risk for risk, _ in net.risk_delays], dtype=np.int64)[None, :] == risks[:, None]] = 0.0
        return replace(self, struck=struck, strike_day=strike_day, pause_days=pause, delay_days=delay)

    def correlated(self, net: Network) -> np.ndarray:
        """(n, items): the sampled values of the correlation plan's items (`net.correlation.items`), in its
        order: a task's work days, a risk's occurrence uniform."""
        sampled = {"task": self.work_days, "risk": self.occurrence_uniform}
        return np.stack([sampled[kind][:, c] for kind, c in net.correlation.items], axis=1)

    def active(self, net: Network) -> np.ndarray:
        """(n, tasks) bool: the task is in the scope its replication's branches drew (fallbacks aside)."""
        out = np.ones(self.work_days.shape, dtype=bool)
        if self.branch_in.shape[1]:  # a plan without open scope decisions has every task in scope
            for k, conditions in enumerate(net.task_condition):
                for b, must_be_in in conditions:
                    out[:, k] &= self.branch_in[:, b] == must_be_in
        return out


def _column_streams(seed: int, keys: list[str], indices: np.ndarray, width: int = 1) -> np.ndarray:
    if not keys:
        return np.empty((len(indices), 0, width))
    return uniforms(seed, keys, indices, width)


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
    """The draws of replications first .. first+count-1."""
    return draw_at(net, seed, np.arange(first, first + count))


def draw_at(net: Network, seed: int, indices: np.ndarray) -> Draws:
    """The draws of replications `indices`, a row each: row j depends only on (seed, indices[j], ids)."""
    indices = np.asarray(indices, dtype=np.int64)
    count = len(indices)
    u_work = _column_streams(seed, [f"task:{t}" for t in net.task_ids], indices)[..., 0]
    n_risks = len(net.risk_ids)
    u_strike = _column_streams(seed, [f"risk:{r}:strike" for r in net.risk_ids], indices, 2)
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
        pause[:, list(net.risk_pause_index)] = three_point(_column_streams(seed, keys, indices)[..., 0],
                                                           net.risk_pause)
    delay = np.zeros((count, len(net.risk_delays)))
    if net.risk_delay is not None:
        keys = [f"risk:{net.risk_ids[r]}:delay:{net.task_ids[t]}" for r, t in net.risk_delays]
        delay = three_point(_column_streams(seed, keys, indices)[..., 0], net.risk_delay)
    return Draws(work, struck, strike_day, np.where(struck, pause, 0.0),
                 np.where(struck[:, [r for r, _ in net.risk_delays]], delay, 0.0) if net.risk_delays else delay,
                 u_occurrence,
                 _column_streams(seed, [f"branch:{b}" for b in net.branch_ids], indices)[..., 0] < net.branch_p_in)
