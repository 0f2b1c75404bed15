"""One replication in SimPy: tasks wait for predecessors, take shared capacity, work, and pause.

The rules, in the order they apply to a task k (docs/architecture.md, "The engine's semantics"):

1. When may it start (`startable`): once every link is satisfied (`programme.earliest_start`:
   FS start >= predecessor's finish + lag, SS start >= its start + lag, FF finish >= its finish +
   lag, SF finish >= its start + lag), not before its `not_before` day and the status date. The
   predecessor whose link sets that day is its driver (ties: the first in the network's order).
   A task waits for the events its links need (a predecessor's start or finish); one that needs no
   shared capacity starts at its earliest day even if that is earlier than the moment the event
   became known (an FF or SF link, a negative lag: the exact forward pass), one that needs
   capacity no earlier than the moment it is granted.
2. Capacity (`Capacity`): a task that needs shared capacity joins the waiting list when it may
   start. After every event at the current time has been processed, the waiting tasks are
   considered in the network's dispatch order (`Network.dispatch_rank`) and each one whose needs
   are all free takes them all at once; one that does not fit takes nothing and does not block
   those behind it. A task that started later than it could have waited for capacity: its driver
   is then the task whose release of that capacity let it start (the last to release one of the
   pools it needs).
3. Work: its sampled work, plus the delays of risks that struck before it would have finished,
   done only while its programme is not paused (programmes paused by risks only) and, for a task with a
   work calendar, at that calendar's rate (0 on days not worked; `calendars`).
4. It releases its capacity when it finishes.

This is the engine of record; `compiled.py` plays the same rules, in the same order of events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import simpy

from transition_sim.calendars import WorkCalendar
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
    reorganisation_ready: dt.date | None  # when the reorganisation programme's tasks were finished
    reorganisation_ready_day: float  # nan when there is no reorganisation task
    task_start_day: np.ndarray
    task_finish_day: np.ndarray
    critical_chain: tuple[int, ...]  # task indices, last first: the chain that set the readiness date
    task_driver: np.ndarray  # per task: the task that set its start (a predecessor or a capacity releaser), or -1
    task_waited: np.ndarray  # bool per task: its start waited for capacity
    task_logical_driver: np.ndarray  # per task: the predecessor that set when it could start, or -1
    task_startable_day: np.ndarray  # per task: when it could have started, capacity aside
    task_active: np.ndarray  # bool per task: in this replication's scope and route
    fallback_taken: np.ndarray  # bool per fallback
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


def advance(t: float, work: float, pauses: list[tuple[float, float]], calendar: WorkCalendar | None = None) -> float:
    """When `work` days started at `t` are done, no work being done during pauses.

    With a calendar, `work` counts its working days (see `calendars`); without one, calendar days.
    """
    if calendar is None:
        for s, e in pauses:
            if e <= t:
                continue
            if t + work <= s:
                return t + work
            if t < s:
                work -= s - t
            t = e
        return t + work
    for s, e in pauses:
        if e <= t:
            continue
        end = calendar.finish(t, work)
        if end <= s:
            return end
        if t < s:
            work -= calendar.work_at(s) - calendar.work_at(t)
        t = e
    return calendar.finish(t, work)


def work_end(begin: float, work: float, delays: list[tuple[float, float, int]], pauses: list[tuple[float, float]],
             calendar: WorkCalendar | None) -> tuple[float, list[tuple[float, int]]]:
    """When a task that starts at `begin` ends, and the risk delays (days, risk) it took.

    A delay (strike day, days, risk), taken in order of strike day, lengthens the task if the risk
    strikes before the task would have finished.
    """
    end = advance(begin, work, pauses, calendar)
    taken = []
    for s, extra, r in delays:
        if s <= end:
            work += extra
            taken.append((extra, r))
            end = advance(begin, work, pauses, calendar)
    return end, taken


def delays_by_task(net: Network, struck: np.ndarray, strike_day: np.ndarray,
                   delay_days: np.ndarray) -> list[list[tuple[float, float, int]]]:
    """Per task: (strike day, days, risk) of the delays of risks that struck, by strike day."""
    out: list[list[tuple[float, float, int]]] = [[] for _ in net.task_ids]
    for d, (r, t) in enumerate(net.risk_delays):
        if struck[r]:
            out[t].append((strike_day[r], delay_days[d], r))
    for delays in out:
        delays.sort(key=lambda d: (-np.inf if np.isnan(d[0]) else d[0], d[2]))  # by strike day, windowless first
    return out


LATE = 2  # a SimPy event priority after NORMAL (1): runs when everything else at this time is done


class AfterNow(simpy.events.Event):
    """An event that fires at the current time, after every other event due at this time."""

    def __init__(self, env: simpy.Environment):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, LATE)


class Capacity:
    """Shared pools: all of a task's needs are taken at once, in dispatch order, with no head-of-line blocking."""

    def __init__(self, env: simpy.Environment, net: Network):
        self.env, self.net = env, net
        self.free = list(net.capacity_sizes)
        self.waiting: list[tuple[int, int, simpy.Event]] = []  # (dispatch rank, task, granted)
        self.released_by = [-1] * len(net.capacity_sizes)  # the task that last released each pool
        self.released_at = [-np.inf] * len(net.capacity_sizes)
        self.pending = False

    def request(self, k: int) -> simpy.Event:
        granted = self.env.event()
        self.waiting.append((int(self.net.dispatch_rank[k]), k, granted))
        self._dispatch_soon()
        return granted

    def release(self, k: int) -> None:
        for c, amount in self.net.needs[k]:
            self.free[c] += amount
            self.released_by[c], self.released_at[c] = k, self.env.now
        self._dispatch_soon()

    def last_releaser(self, k: int) -> int:
        """Of the pools task k needs, the task that released one most recently (-1 if none did)."""
        pools = [c for c, _ in self.net.needs[k]]
        return self.released_by[max(pools, key=lambda c: self.released_at[c])] if pools else -1

    def _dispatch_soon(self) -> None:
        if not self.pending:
            self.pending = True
            AfterNow(self.env).callbacks.append(self._dispatch)

    def _dispatch(self, _event) -> None:
        self.pending = False
        self.waiting.sort(key=lambda item: item[0])
        still = []
        for rank, k, granted in self.waiting:
            if all(self.free[c] >= amount for c, amount in self.net.needs[k]):
                for c, amount in self.net.needs[k]:
                    self.free[c] -= amount
                granted.succeed()
            else:
                still.append((rank, k, granted))
        self.waiting = still


def play(net: Network, calendar: GoLiveCalendar, index: int, work_days: np.ndarray, struck: np.ndarray,
         strike_day: np.ndarray, pause_days: np.ndarray, delay_days: np.ndarray,
         active: np.ndarray | None = None) -> Replication:
    """One replication; `active` (per task) is False for tasks its branches leave out of scope."""
    n = len(net.task_ids)
    active = np.ones(n, dtype=bool) if active is None else active.copy()
    taken = np.zeros(len(net.fallback_ids), dtype=bool)
    start = net.started_day.copy()
    finish = net.done_day.copy()
    pauses = merged_pauses(strike_day, pause_days)
    strike_day = strike_day.copy()  # a windowless risk's day is set when it strikes its task
    task_delays = delays_by_task(net, struck, strike_day, delay_days)
    applied = np.zeros(len(net.risk_ids))
    work_begin = np.full(n, np.nan)
    driver = np.full(n, -1)
    logical = driver.copy()  # for a task that waited for capacity: the predecessor it waited for before that
    waited = np.zeros(n, dtype=bool)  # started later than it could have, for want of capacity
    startable_day = np.full(n, np.nan)

    env = simpy.Environment(initial_time=net.status_day)
    capacity = Capacity(env, net)
    procs: list = [None] * n
    started = [env.event() if watched else None for watched in net.start_watched]

    def startable(k: int):
        """Wait until task k may start, and return its earliest start (see the module's rule 1).

        A fallback task first waits for its fallback's day and is left out unless the fallback's
        condition task has not finished by then. A task left out passes straight through, at once.
        """
        f = net.task_fallback[k]
        if f >= 0 and active[k]:
            if env.now < net.fallback_day[f]:
                yield env.timeout(net.fallback_day[f] - env.now)
            taken[f] = not finish[net.fallback_condition[f]] <= net.fallback_day[f]  # nan: not finished
            active[k] = taken[f]
        for p, kind, _ in net.links[k]:
            if procs[p] is not None:
                yield started[p] if kind in FROM_START else procs[p]
        if not active[k]:
            return env.now
        earliest, driver[k] = earliest_start(net, k, start, finish, work_days[k])
        if f >= 0 and earliest < net.fallback_day[f]:  # a fallback's work starts on its day, no earlier
            earliest, driver[k] = float(net.fallback_day[f]), -1
        if env.now < earliest:
            yield env.timeout(earliest - env.now)
        return earliest

    def perform(k: int, in_progress: bool):
        earliest = env.now
        if not in_progress:
            earliest = yield from startable(k)
        startable_day[k] = env.now
        if not active[k]:
            start[k] = finish[k] = env.now  # for its successors; reported as nan
            if started[k] is not None:
                started[k].succeed()
            return
        if net.needs[k]:
            yield capacity.request(k)
            if env.now > startable_day[k]:
                waited[k], logical[k], driver[k] = True, driver[k], capacity.last_releaser(k)
        begin = env.now if in_progress or net.needs[k] else earliest
        start[k] = net.started_day[k] if in_progress else begin
        if started[k] is not None:
            started[k].succeed()
        work_begin[k] = begin
        delays = []
        for s, extra, r in task_delays[k]:
            if np.isnan(s):  # no window: the risk strikes during this task, as it begins
                strike_day[r] = begin if np.isnan(strike_day[r]) else min(begin, strike_day[r])
                s = begin
            delays.append((s, extra, r))
        end, taken = work_end(begin, work_days[k], delays, pauses if net.pausable[k] else [],
                              net.task_calendar[k])
        for extra, r in taken:
            applied[r] += extra
        yield env.timeout(max(end - env.now, 0.0))
        if net.needs[k]:
            capacity.release(k)
        finish[k] = end

    for k in net.process_order:
        procs[k] = env.process(perform(k, bool(net.in_progress[k])))
    env.run()

    ready_finish = np.where(net.readiness & active, finish, -np.inf)
    last = int(np.argmax(ready_finish))
    readiness_day = float(ready_finish[last]) if ready_finish[last] > -np.inf else net.status_day  # none in scope
    chain = [last]
    while driver[chain[-1]] >= 0 and len(chain) <= n:
        chain.append(int(driver[chain[-1]]))
    chain = [k for k in chain if active[k]]  # a task left out passes its driver on
    logical = np.where(waited, logical, driver)
    start[~active], finish[~active] = np.nan, np.nan
    consultation_end = max((finish[k] for k in net.consultation if active[k]), default=net.status_day)
    reorganisation = ~net.readiness & active
    reorganisation_day = float(finish[reorganisation].max()) if reorganisation.any() else np.nan
    working = [(work_begin[k], finish[k]) for k in net.process_order if net.pausable[k] and active[k]]
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
        task_driver=driver,
        task_waited=waited,
        task_logical_driver=logical,
        task_startable_day=startable_day,
        task_active=active,
        fallback_taken=taken,
        risk_struck=struck.copy(),
        risk_strike_day=strike_day,
        risk_pause_days=effective_pause,
        paused_days=overlap(pauses, working),
        risk_delay_days=applied,
    )
