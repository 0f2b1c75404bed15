"""One replication in SimPy: tasks wait for predecessors, hold shared capacity, work, and pause."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import simpy

from transition_sim.golive import GoLiveCalendar
from transition_sim.programme import FROM_START, Network, earliest_start


@dataclass(frozen=True, slots=True)
class Replication:
    """What happened in one simulated future. Days count from the scenario's start date."""

    index: int
    go_live: dt.date
    readiness: dt.date
    readiness_day: float
    consultation_end: dt.date
    consultation_end_day: float
    vesting_day: dt.date
    reorganisation_ready: dt.date | None  # when the tasks outside the go-live programme were finished
    reorganisation_ready_day: float  # nan when every task is in the go-live programme
    task_start_day: np.ndarray
    task_finish_day: np.ndarray
    critical_chain: tuple[int, ...]  # task indices, last first: the chain that set the readiness date
    risk_struck: np.ndarray
    risk_strike_day: np.ndarray  # a risk without a window strikes when the first task it hits begins
    risk_pause_days: np.ndarray  # pause while trust work was under way: the pause that delayed work
    paused_days: float  # the same for all pauses together (overlaps counted once)
    risk_delay_days: np.ndarray  # delay the risk added to tasks that were not yet finished


def merged_pauses(strike_day: np.ndarray, pause_days: np.ndarray) -> list[tuple[float, float]]:
    return merged((s, s + d) for s, d in zip(strike_day, pause_days) if d > 0)


def merged(spans) -> list[tuple[float, float]]:
    """Spans (start, end) joined where they touch or overlap, in order."""
    spans = sorted(spans)
    merged: list[list[float]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def overlap(spans: list[tuple[float, float]], intervals: list[tuple[float, float]]) -> float:
    """Total length of the merged `spans` that lies inside the merged `intervals`."""
    return sum(max(0.0, min(e, b) - max(s, a)) for s, e in merged(spans) for a, b in merged(intervals))


def advance(t: float, work: float, pauses: list[tuple[float, float]]) -> float:
    """When `work` days started at `t` are done, no work being done during pauses."""
    for s, e in pauses:
        if e <= t:
            continue
        if t + work <= s:
            return t + work
        if t < s:
            work -= s - t
        t = e
    return t + work


def play(net: Network, calendar: GoLiveCalendar, index: int, work_days: np.ndarray, struck: np.ndarray,
         strike_day: np.ndarray, pause_days: np.ndarray, delay_days: np.ndarray) -> Replication:
    n = len(net.task_ids)
    start = net.started_day.copy()
    finish = net.done_day.copy()
    pauses = merged_pauses(strike_day, pause_days)
    task_delays: list[list[tuple[float, float, int]]] = [[] for _ in range(n)]
    for d, (r, t) in enumerate(net.risk_delays):
        if struck[r]:
            task_delays[t].append((strike_day[r], delay_days[d], r))
    for delays in task_delays:
        delays.sort(key=lambda d: -np.inf if np.isnan(d[0]) else d[0])  # by strike day, windowless first
    applied = np.zeros(len(net.risk_ids))
    strike_day = strike_day.copy()
    work_begin = np.full(n, np.nan)
    driver = [-1] * n

    env = simpy.Environment(initial_time=net.status_day)
    pools = [simpy.Container(env, capacity=size, init=size) for size in net.capacity_sizes]
    procs: list = [None] * n
    started = [env.event() if watched else None for watched in net.start_watched]

    def perform(k: int, in_progress: bool):
        if not in_progress:
            earliest = yield from wait_for_links(k)
        for c, amount in net.needs[k]:
            yield pools[c].get(amount)
        # without shared capacity a task starts at its earliest time, which may be before the
        # predecessor's event that fixed it (an FF or SF link, a negative lag): the exact forward pass
        begin = env.now if in_progress or net.needs[k] else earliest
        start[k] = net.started_day[k] if in_progress else begin
        if started[k] is not None:
            started[k].succeed()
        task_pauses = pauses if net.pausable[k] else []
        work = work_days[k]
        end = advance(begin, work, task_pauses)
        work_begin[k] = begin
        for s, extra, r in task_delays[k]:
            if np.isnan(s):  # no window: the risk strikes during this task
                strike_day[r] = min(begin, strike_day[r]) if not np.isnan(strike_day[r]) else begin
            if np.isnan(s) or s <= end:
                work += extra
                applied[r] += extra
                end = advance(begin, work, task_pauses)
        yield env.timeout(max(end - env.now, 0.0))
        for c, amount in net.needs[k]:
            pools[c].put(amount)
        finish[k] = end

    def wait_for_links(k: int):
        """Wait for the predecessors' starts and finishes task k's links need, then until its earliest start."""
        for p, kind, _ in net.links[k]:
            if procs[p] is not None:
                yield started[p] if kind in FROM_START else procs[p]
        earliest, driver[k] = earliest_start(net, k, start, finish, work_days[k])
        if env.now < earliest:
            yield env.timeout(earliest - env.now)
        return earliest

    for k in net.process_order:
        procs[k] = env.process(perform(k, bool(net.in_progress[k])))
    env.run()

    ready_finish = np.where(net.readiness, finish, -np.inf)
    last = int(np.argmax(ready_finish))
    readiness_day = float(ready_finish[last])
    chain = [last]
    while driver[chain[-1]] >= 0:
        chain.append(driver[chain[-1]])
    consultation_end = max((finish[k] for k in net.consultation), default=net.status_day)
    reorganisation_day = float(finish[~net.readiness].max()) if (~net.readiness).any() else np.nan
    working = [(work_begin[k], finish[k]) for k in net.process_order if net.pausable[k]]
    effective_pause = np.array([overlap([(s, s + d)], working) if d > 0 else 0.0
                                for s, d in zip(strike_day, pause_days)])
    return Replication(
        index=index,
        go_live=calendar.go_live(readiness_day, consultation_end),
        readiness=calendar.date(readiness_day),
        readiness_day=readiness_day,
        consultation_end=calendar.date(consultation_end),
        consultation_end_day=float(consultation_end),
        vesting_day=calendar.vesting_day,
        reorganisation_ready=None if np.isnan(reorganisation_day) else calendar.date(reorganisation_day),
        reorganisation_ready_day=reorganisation_day,
        task_start_day=start,
        task_finish_day=finish,
        critical_chain=tuple(chain),
        risk_struck=struck.copy(),
        risk_strike_day=strike_day,
        risk_pause_days=effective_pause,
        paused_days=overlap(pauses, working),
        risk_delay_days=applied,
    )
