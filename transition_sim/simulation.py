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
4. It releases its capacity when it finishes. Of several tasks giving back one pool at the same time,
   the last to release it is the one granted it last.
5. A fallback (`fallback_decided`) is decided on its day after every other event due that day, except
   the capacity dispatch: its condition task has finished by then if its work, begun before the
   decision, ends on or before that day (a task's end is known as soon as its work begins).

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


DECIDING = 2  # a fallback's decision: after SimPy's NORMAL events (1) of its time, before the dispatch
LATE = 3  # the capacity dispatch: when everything else at this time is done


class Due(simpy.events.Event):
    """An event `delay` days from now, taken after the NORMAL events of its time (`priority` DECIDING or LATE)."""

    def __init__(self, env: simpy.Environment, delay: float, priority: int):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, priority, delay)


class Capacity:
    """Shared pools: all of a task's needs are taken at once, in dispatch order, with no head-of-line blocking.

    A task that gets its needs is handed to `granted` at once, in dispatch order."""

    def __init__(self, env: simpy.Environment, net: Network, granted):
        self.env, self.net, self.granted = env, net, granted
        self.free = list(net.capacity_sizes)
        self.waiting: list[tuple[int, int]] = []  # (dispatch rank, task)
        self.released_by = [-1] * len(net.capacity_sizes)  # the task that last released each pool
        self.released_at = [-np.inf] * len(net.capacity_sizes)
        self.pending = False

    def request(self, k: int) -> None:
        self.waiting.append((int(self.net.dispatch_rank[k]), k))
        self._dispatch_soon()

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
            Due(self.env, 0.0, LATE).callbacks.append(self._dispatch)

    def _dispatch(self, _event) -> None:
        self.pending = False
        self.waiting.sort()
        free, still, given = self.free, [], []
        for rank, k in self.waiting:
            needs = self.net.needs[k]
            for c, amount in needs:
                if free[c] < amount:
                    still.append((rank, k))
                    break
            else:
                for c, amount in needs:
                    free[c] -= amount
                given.append(k)
        self.waiting = still
        for k in given:
            self.granted(k)


def play(net: Network, calendar: GoLiveCalendar, index: int, work_days: np.ndarray, struck: np.ndarray,
         strike_day: np.ndarray, pause_days: np.ndarray, delay_days: np.ndarray,
         active: np.ndarray | None = None) -> Replication:
    """One replication; `active` (per task) is False for tasks its branches leave out of scope.

    A task is not a SimPy process but a few steps run from the callbacks of the events it waits for, so
    that it costs as few events as its rules need: its end (a timeout, the event its successors wait for),
    its start if a link waits for that, a timeout to its earliest day only if it must then ask for
    capacity, and one to its fallback's day. A task with nothing to wait for is scheduled whole before
    the clock starts. `compiled.py` keeps the same events, in the same order.
    """
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
    simulated = net.simulated
    link_at = [0] * n  # the next of its links a task has to check
    start_seen, end_seen = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    start_waiters: list[list[int]] = [[] for _ in range(n)]
    end_waiters: list[list[int]] = [[] for _ in range(n)]

    def after(delay: float, step, *args) -> None:
        env.timeout(delay).callbacks.append(lambda _event: step(*args))

    def first_step(k: int) -> None:
        """A task in progress starts at once; a fallback task first waits for its fallback's day."""
        if net.in_progress[k]:
            startable_day[k] = env.now
            if not active[k]:
                pass_through(k)
            elif net.needs[k]:
                capacity.request(k)
            else:
                begin(k, env.now)
            return
        f = net.task_fallback[k]
        if f >= 0 and active[k] and env.now < net.fallback_day[f]:
            Due(env, net.fallback_day[f] - env.now, DECIDING).callbacks.append(lambda _event: fallback_decided(k))
        elif f >= 0 and active[k]:
            fallback_decided(k)
        else:
            wait_for_links(k)

    def fallback_decided(k: int) -> None:
        """A fallback task is left out unless the fallback's condition task has not finished by its day."""
        f = net.task_fallback[k]
        taken[f] = not finish[net.fallback_condition[f]] <= net.fallback_day[f]  # nan: not finished
        active[k] = taken[f]
        wait_for_links(k)

    def wait_for_links(k: int) -> None:
        """Wait, link by link, for the events task k's links need (rule 1); then `startable`."""
        links = net.links[k]
        while link_at[k] < len(links):
            p, kind, _ = links[link_at[k]]
            link_at[k] += 1
            if not simulated[p]:
                continue
            if kind in FROM_START:
                if not start_seen[p]:
                    start_waiters[p].append(k)
                    return
            elif not end_seen[p]:
                end_waiters[p].append(k)
                return
        startable(k)

    def startable(k: int) -> None:
        """Its links are satisfied: a task out of scope passes straight through; one that needs capacity
        asks for it on its earliest day; any other starts on that day."""
        if not active[k]:
            startable_day[k] = env.now
            pass_through(k)
            return
        earliest, driver[k] = earliest_start(net, k, start, finish, work_days[k])
        f = net.task_fallback[k]
        if f >= 0 and earliest < net.fallback_day[f]:  # a fallback's work starts on its day, no earlier
            earliest, driver[k] = float(net.fallback_day[f]), -1
        if net.needs[k]:
            if env.now < earliest:
                after(earliest - env.now, ask_for_capacity, k)
            else:
                ask_for_capacity(k)
            return
        startable_day[k] = max(env.now, earliest)
        begin(k, earliest)

    def ask_for_capacity(k: int) -> None:
        startable_day[k] = env.now
        capacity.request(k)

    def granted(k: int) -> None:
        if env.now > startable_day[k]:
            waited[k], logical[k], driver[k] = True, driver[k], capacity.last_releaser(k)
        begin(k, env.now)

    def begin(k: int, day: float) -> None:
        """Task k starts its work on `day` (rules 3 and 4): its start and end are scheduled now."""
        start[k] = net.started_day[k] if net.in_progress[k] else day
        if net.start_watched[k]:
            after(max(day - env.now, 0.0), started, k)
        work_begin[k] = day
        delays = []
        for s, extra, r in task_delays[k]:
            if np.isnan(s):  # no window: the risk strikes during this task, as it begins
                strike_day[r] = day if np.isnan(strike_day[r]) else min(day, strike_day[r])
                s = day
            delays.append((s, extra, r))
        end, taken_delays = work_end(day, work_days[k], delays, pauses if net.pausable[k] else [],
                                     net.task_calendar[k])
        for extra, r in taken_delays:
            applied[r] += extra
        finish[k] = end  # known now: a fallback deciding before the end sees it
        after(max(end - env.now, 0.0), finished, k)

    def finished(k: int) -> None:
        if net.needs[k]:
            capacity.release(k)
        ended(k)

    def pass_through(k: int) -> None:
        start[k] = finish[k] = env.now  # for its successors; reported as nan
        if net.start_watched[k]:
            after(0.0, started, k)
        after(0.0, ended, k)

    def started(k: int) -> None:
        start_seen[k] = True
        for w in start_waiters[k]:
            wait_for_links(w)

    def ended(k: int) -> None:
        end_seen[k] = True
        for w in end_waiters[k]:
            wait_for_links(w)

    capacity = Capacity(env, net, granted)
    for k in net.process_order:
        first_step(k)
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
