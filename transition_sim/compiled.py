"""The compiled executor: the same replications as `simulation.play`, without SimPy, in numba.

`simulation.py` states the engine's semantics and is the engine of record. This module plays the
same rules on the network's arrays, and to give identical numbers it also keeps SimPy's order of
events: events are taken in order of (time, priority, sequence number), where the sequence number is
taken at the same moments SimPy takes it (a timeout, a task's start and end), and every task is a
state machine that stops where `simulation.play`'s steps wait. A task's first step and a grant, which
SimPy runs directly (before the clock starts; in the dispatch), are events here, taken before anything
made after them: nothing else is due at those moments, so the order is the same.
Most events are due at once (a start, an end, a grant): those go to a list in the order they are
made, which is their order; only later timeouts go to a binary heap. The capacity dispatch, which
runs after everything else due at its time and is the only event of its priority, is a flag: it
needs no place in either. Floating-point arithmetic
is written in the same order as there, so results agree bit for bit
(tests/test_compiled_engine.py checks that on every bundled model and on generated scenarios).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from numba import njit

from transition_sim import attribution
from transition_sim.errors import Problem, ScenarioError
from transition_sim.golive import GoLiveCalendar
from transition_sim.programme import FROM_START, TO_FINISH, Network
from transition_sim.recent import Recent
from transition_sim.sampling import Draws

# event kinds; an event's payload is its kind and task in bits (TASK_BITS for the task)
INIT, TIMEOUT, GRANTED, STARTED, DONE, DISPATCH = range(6)
URGENT, NORMAL, DECIDING = 0, 1, 2  # SimPy's and simulation's priorities (the capacity dispatch, LATE, comes last)
# where a task stands (the places where `simulation.play`'s steps wait for an event)
AT_INIT, AT_FALLBACK, AT_LINKS, AT_EARLIEST, AT_GRANT, AT_BEGIN, AT_WORK, ENDED = range(8)
LINK_KINDS = ("FS", "SS", "FF", "SF")


@dataclass(frozen=True)
class Arrays:
    """A network as flat arrays (links, needs and risk delays per task in CSR form), for the kernel."""

    link_ptr: np.ndarray
    link_pred: np.ndarray
    link_from_start: np.ndarray
    link_to_finish: np.ndarray
    link_lag: np.ndarray
    simulated: np.ndarray
    process_order: np.ndarray
    watched: np.ndarray
    need_ptr: np.ndarray
    need_pool: np.ndarray
    need_amount: np.ndarray
    pool_size: np.ndarray
    rank: np.ndarray
    not_before: np.ndarray
    done_day: np.ndarray
    started_day: np.ndarray
    in_progress: np.ndarray
    fallback_of: np.ndarray
    fallback_day: np.ndarray
    fallback_condition: np.ndarray
    pausable: np.ndarray
    readiness: np.ndarray
    consultation: np.ndarray
    calendar_of: np.ndarray
    calendar_rate: np.ndarray
    calendar_cumulative: np.ndarray
    delay_ptr: np.ndarray  # per task: its entries in net.risk_delays
    delay_index: np.ndarray
    delay_risk: np.ndarray  # per entry of net.risk_delays

    @classmethod
    def of(cls, net: Network) -> "Arrays":
        n = len(net.task_ids)
        if n >= 1 << TASK_BITS:
            raise ScenarioError([Problem("tasks", "", None, f"{n:,} tasks in scope: the compiled engine plays at "
                                         f"most {(1 << TASK_BITS) - 1:,}; use --engine simpy")])
        links = [link for task_links in net.links for link in task_links]
        needs = [need for task_needs in net.needs for need in task_needs]
        calendars = sorted({c.name: c for c in net.task_calendar if c is not None}.values(), key=lambda c: c.name)
        by_name = {c.name: i for i, c in enumerate(calendars)}
        horizon = max((len(c.rate) for c in calendars), default=0)
        rate = np.ones((max(len(calendars), 1), horizon))
        cumulative = np.zeros((max(len(calendars), 1), horizon + 1))
        for i, c in enumerate(calendars):
            rate[i], cumulative[i] = c.rate, c.cumulative
        delays_of: list[list[int]] = [[] for _ in range(n)]
        for d, (_, t) in enumerate(net.risk_delays):
            delays_of[t].append(d)
        return cls(
            link_ptr=np.cumsum([0] + [len(x) for x in net.links]).astype(np.int64),
            link_pred=np.array([p for p, _, _ in links], dtype=np.int64),
            link_from_start=np.array([kind in FROM_START for _, kind, _ in links], dtype=np.bool_),
            link_to_finish=np.array([kind in TO_FINISH for _, kind, _ in links], dtype=np.bool_),
            link_lag=np.array([lag for _, _, lag in links], dtype=np.float64),
            simulated=net.simulated,
            process_order=np.array(net.process_order, dtype=np.int64),
            watched=np.array(net.start_watched, dtype=np.bool_),
            need_ptr=np.cumsum([0] + [len(x) for x in net.needs]).astype(np.int64),
            need_pool=np.array([c for c, _ in needs], dtype=np.int64),
            need_amount=np.array([a for _, a in needs], dtype=np.int64),
            pool_size=np.array(net.capacity_sizes, dtype=np.int64),
            rank=np.asarray(net.dispatch_rank, dtype=np.int64),
            not_before=np.asarray(net.not_before_day, dtype=np.float64),
            done_day=np.asarray(net.done_day, dtype=np.float64),
            started_day=np.asarray(net.started_day, dtype=np.float64),
            in_progress=np.asarray(net.in_progress, dtype=np.bool_),
            fallback_of=np.asarray(net.task_fallback, dtype=np.int64),
            fallback_day=np.asarray(net.fallback_day, dtype=np.float64),
            fallback_condition=np.array(net.fallback_condition, dtype=np.int64),
            pausable=np.asarray(net.pausable, dtype=np.bool_),
            readiness=np.asarray(net.readiness, dtype=np.bool_),
            consultation=np.array(net.consultation, dtype=np.int64),
            calendar_of=np.array([-1 if c is None else by_name[c.name] for c in net.task_calendar], dtype=np.int64),
            calendar_rate=rate,
            calendar_cumulative=cumulative,
            delay_ptr=np.cumsum([0] + [len(x) for x in delays_of]).astype(np.int64),
            delay_index=np.array([d for x in delays_of for d in x], dtype=np.int64),
            delay_risk=np.array([r for r, _ in net.risk_delays], dtype=np.int64),
        )


# --- Python's max and min on two floats (the first unless the second is strictly beyond it) --------

@njit(cache=True)
def _max(a, b):
    return b if b > a else a


@njit(cache=True)
def _min(a, b):
    return b if b < a else a


# --- work calendars, as calendars.WorkCalendar ----------------------------------------------------

@njit(cache=True)
def _work_at(rate, cum, t):
    horizon = rate.shape[0]
    if t >= horizon:
        return cum[horizon] + (t - horizon)
    day = int(np.floor(t))
    if day < 0:
        return t
    return cum[day] + rate[day] * (t - day)


@njit(cache=True)
def _time_at(rate, cum, work, not_before):
    horizon = rate.shape[0]
    if work > cum[horizon]:
        return _max(horizon + work - cum[horizon], not_before)
    day = np.searchsorted(cum, work) - 1  # bisect_left
    if day < 0:
        return _max(0.0, not_before) if work <= 0 else not_before
    return _max(day + (work - cum[day]) / rate[day], not_before)


@njit(cache=True)
def _finish(rate, cum, t, work):
    return _time_at(rate, cum, _work_at(rate, cum, t) + work, t)


@njit(cache=True)
def _advance(t, work, pause_start, pause_end, n_pauses, cal, rates, cums):
    """simulation.advance: when `work` started at t is done, no work being done in the pauses."""
    if cal < 0:
        for i in range(n_pauses):
            s, e = pause_start[i], pause_end[i]
            if e <= t:
                continue
            if t + work <= s:
                return t + work
            if t < s:
                work -= s - t
            t = e
        return t + work
    rate, cum = rates[cal], cums[cal]
    for i in range(n_pauses):
        s, e = pause_start[i], pause_end[i]
        if e <= t:
            continue
        end = _finish(rate, cum, t, work)
        if end <= s:
            return end
        if t < s:
            work -= _work_at(rate, cum, s) - _work_at(rate, cum, t)
        t = e
    return _finish(rate, cum, t, work)


@njit(cache=True)
def _merged(starts, ends):
    """simulation.merged: spans sorted by (start, end) and joined where they touch or overlap.

    Sorted by start alone: spans that start together are all joined to the same span, whatever the
    order of their ends, so the result is the same and one sort does."""
    count = starts.shape[0]
    order = np.argsort(starts)
    out_s = np.empty(count)
    out_e = np.empty(count)
    m = 0
    for i in order:
        s, e = starts[i], ends[i]
        if m > 0 and s <= out_e[m - 1]:
            out_e[m - 1] = _max(out_e[m - 1], e)
        else:
            out_s[m] = s
            out_e[m] = e
            m += 1
    return out_s[:m], out_e[:m]


@njit(cache=True)
def _overlap(s_start, s_end, i_start, i_end):
    """simulation.overlap: the length of the merged spans inside the merged intervals (both merged already)."""
    total = 0.0
    for j in range(s_start.shape[0]):
        for i in range(i_start.shape[0]):
            total += _max(0.0, _min(s_end[j], i_end[i]) - _max(s_start[j], i_start[i]))
    return total


# --- SimPy's event queue: a binary heap ordered by (time, priority, sequence number) --------------
# An entry is its time and one integer key: priority, sequence number and payload packed so that the
# key's order is (priority, sequence number): sequence numbers are unique, so the payload never decides.

TASK_BITS = 21  # a network of up to 2,097,151 tasks (`Arrays.of` checks)
PAYLOAD_BITS = TASK_BITS + 3  # the event's kind (fewer than 8) above its task
SEQUENCE_BITS = 34


@njit(cache=True)
def _before(times, keys, a, b):
    if times[a] != times[b]:
        return times[a] < times[b]
    return keys[a] < keys[b]


@njit(cache=True)
def _key(prio, seq, payload):
    return (prio << (SEQUENCE_BITS + PAYLOAD_BITS)) | (seq << PAYLOAD_BITS) | payload


@njit(cache=True)
def _push(times, keys, size, t, prio, seq, payload):
    times[size] = t
    keys[size] = _key(prio, seq, payload)
    i = size
    while i > 0:
        parent = (i - 1) // 2
        if not _before(times, keys, i, parent):
            break
        times[i], times[parent] = times[parent], times[i]
        keys[i], keys[parent] = keys[parent], keys[i]
        i = parent
    return size + 1


@njit(cache=True)
def _pop(times, keys, size):
    """Moves the first entry to index `size - 1` (read it there) and restores the heap below it."""
    size -= 1
    times[0], times[size] = times[size], times[0]
    keys[0], keys[size] = keys[size], keys[0]
    i = 0
    while True:
        left, right, best = 2 * i + 1, 2 * i + 2, i
        if left < size and _before(times, keys, left, best):
            best = left
        if right < size and _before(times, keys, right, best):
            best = right
        if best == i:
            return size
        times[i], times[best] = times[best], times[i]
        keys[i], keys[best] = keys[best], keys[i]
        i = best


@njit(cache=True, inline="always")  # in the loop of every event: numba's own inlining, not a call
def _due_now(due, n_due, prio, seq, kind, k):
    """Event `kind` of task k due now, with sequence number seq: it joins the events due now, whose order
    is the order they are made. Returns their count and the next sequence number."""
    due[n_due] = _key(prio, seq, (kind << TASK_BITS) | k)
    return n_due + 1, seq + 1


@njit(cache=True, inline="always")
def _schedule(times, keys, size, due, n_due, now, t, seq, kind, k):
    """A NORMAL event `kind` of task k at t: due now (`_due_now`), or later, in the heap. Returns the heap's
    size, the count of events due now and the next sequence number."""
    if t == now:
        n_due, seq = _due_now(due, n_due, NORMAL, seq, kind, k)
        return size, n_due, seq
    return _push(times, keys, size, t, NORMAL, seq, (kind << TASK_BITS) | k), n_due, seq + 1


@njit(cache=True)
def _gather_delays(k, delay_ptr, delay_index, delay_risk, struck, days, delay_days, d_key, d_s, d_x, d_r):
    """simulation.delays_by_task for task k: (strike day, days, risk) of the risks that struck, in
    d_s, d_x, d_r, ordered by strike day (nan first) then risk; returns how many."""
    m = 0
    for q in range(delay_ptr[k], delay_ptr[k + 1]):
        d = delay_index[q]
        r = delay_risk[d]
        if not struck[r]:
            continue
        key = -np.inf if np.isnan(days[r]) else days[r]
        w = m
        while w > 0 and (d_key[w - 1] > key or (d_key[w - 1] == key and d_r[w - 1] > r)):
            d_key[w], d_s[w], d_x[w], d_r[w] = d_key[w - 1], d_s[w - 1], d_x[w - 1], d_r[w - 1]
            w -= 1
        d_key[w], d_s[w], d_x[w], d_r[w] = key, days[r], delay_days[d], r
        m += 1
    return m


@njit(cache=True)
def _work_end(begin, work, m, d_s, d_x, d_r, ps, pe, n_pauses, cal, rates, cums, taken_days):
    """simulation.work_end: the end, and how many delays were taken; the taken ones are moved to the
    front of d_r with their days in taken_days (which may be d_key: it is read before written)."""
    end = _advance(begin, work, ps, pe, n_pauses, cal, rates, cums)
    n_taken = 0
    for w in range(m):
        if d_s[w] <= end:
            extra, r = d_x[w], d_r[w]
            work += extra
            taken_days[n_taken], d_r[n_taken] = extra, r
            n_taken += 1
            end = _advance(begin, work, ps, pe, n_pauses, cal, rates, cums)
    return end, n_taken


@njit(cache=True)
def _join(head, tail, next_waiter, event, k):
    """Task k waits for `event` (a task's start or end), after those already waiting: SimPy's callback order."""
    if head[event] < 0:
        head[event] = k
    else:
        next_waiter[tail[event]] = k
    tail[event] = k


# --- one replication -------------------------------------------------------------------------------

@njit(cache=True)
def _play(link_ptr, link_pred, link_from_start, link_to_finish, link_lag, simulated, process_order, watched,
          need_ptr, need_pool, need_amount, pool_size, rank, not_before, started_day, in_progress,
          fallback_of, fallback_day, fallback_condition, pausable, calendar_of, rates, cums,
          delay_ptr, delay_index, delay_risk, status_day,
          work_days, active, struck, strike_day, pause_days, delay_days,
          start, finish, driver, logical, waited, startable_day, taken, applied, work_begin):
    """simulation.play's timeline, in place: on entry start/finish hold the network's started and done
    days, active the branches' scope, strike_day the days drawn; on exit every output as play leaves it
    before its summary (inactive tasks' days not yet blanked)."""
    n = work_days.shape[0]
    n_pools = pool_size.shape[0]
    n_pause = 0
    for r in range(pause_days.shape[0]):
        if pause_days[r] > 0:
            n_pause += 1
    ps, pe = np.empty(n_pause), np.empty(n_pause)
    j = 0
    for r in range(pause_days.shape[0]):
        if pause_days[r] > 0:
            ps[j], pe[j] = strike_day[r], strike_day[r] + pause_days[r]
            j += 1
    ps, pe = _merged(ps, pe)
    n_pauses = ps.shape[0]
    drawn = strike_day.copy()  # the delays' order uses the days drawn (a windowless risk's is nan: first)

    cap = 4 * n + 8  # a task's later events: its fallback's day, its earliest day, its start, its end
    times, keys = np.empty(cap), np.empty(cap, np.int64)
    size = 0
    seq = 0
    now = status_day
    pc = np.full(n, ENDED, np.int64)
    link_at = np.zeros(n, np.int64)
    earliest = np.zeros(n)
    start_seen, end_seen = np.zeros(n, np.bool_), np.zeros(n, np.bool_)  # a task's start, its end: processed
    started_head, started_tail = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    done_head, done_tail = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    next_waiter = np.full(n, -1, np.int64)
    free = pool_size.copy()
    released_by = np.full(n_pools, -1, np.int64)
    released_at = np.full(n_pools, -np.inf)
    waiting = np.empty(n, np.int64)  # tasks waiting for capacity, in dispatch rank order
    n_waiting = 0
    dispatch_pending = False
    todo = np.empty(n, np.int64)
    n_delays = delay_index.shape[0]
    d_key, d_s, d_x = np.empty(n_delays), np.empty(n_delays), np.empty(n_delays)
    d_r = np.empty(n_delays, np.int64)

    # events due now, in sequence order: at most four a task in all (its first step, grant, start and end)
    due = np.empty(4 * n + 8, np.int64)
    first_due, n_due = 0, 0
    for k in process_order:
        n_due, seq = _due_now(due, n_due, URGENT, seq, INIT, k)
        pc[k] = AT_INIT

    while True:  # the next event; the heap holds only later timeouts, so its first is at now or after
        if first_due < n_due and (size == 0 or times[0] > now or due[first_due] < keys[0]):
            key = due[first_due]  # the first of those due now
            first_due += 1
            if first_due == n_due:
                first_due, n_due = 0, 0
        elif size > 0 and (times[0] == now or not dispatch_pending):
            size = _pop(times, keys, size)  # the heap's first: due now, or at the next time
            now = times[size]
            key = keys[size]
        elif dispatch_pending:
            key = DISPATCH << TASK_BITS  # after everything else due now (it needs no sequence number)
        else:
            break
        payload = key & ((1 << PAYLOAD_BITS) - 1)
        kind, task = payload >> TASK_BITS, payload & ((1 << TASK_BITS) - 1)
        n_todo = 0
        if kind == DISPATCH:
            dispatch_pending = False
            kept = 0
            open_pools = 0  # pools with capacity free: none, and no one waiting can fit
            for c in range(n_pools):
                if free[c] > 0:
                    open_pools += 1
            for w in range(n_waiting):
                k = waiting[w]
                if open_pools == 0:
                    waiting[kept] = k
                    kept += 1
                    continue
                fits = True
                for q in range(need_ptr[k], need_ptr[k + 1]):
                    if free[need_pool[q]] < need_amount[q]:
                        fits = False
                        break
                if fits:
                    for q in range(need_ptr[k], need_ptr[k + 1]):
                        free[need_pool[q]] -= need_amount[q]
                        if free[need_pool[q]] == 0:
                            open_pools -= 1
                    n_due, seq = _due_now(due, n_due, NORMAL, seq, GRANTED, k)
                else:
                    waiting[kept] = k
                    kept += 1
            n_waiting = kept
            continue
        if kind == STARTED or kind == DONE:
            if kind == STARTED:
                start_seen[task] = True
                p = started_head[task]
            else:
                if pc[task] == AT_WORK:  # simulation.finished: a task that did its work gives back its capacity
                    if need_ptr[task + 1] > need_ptr[task]:
                        for q in range(need_ptr[task], need_ptr[task + 1]):
                            c = need_pool[q]
                            free[c] += need_amount[q]
                            released_by[c], released_at[c] = task, now
                        dispatch_pending = True
                    pc[task] = ENDED
                end_seen[task] = True
                p = done_head[task]
            while p >= 0:
                todo[n_todo] = p
                n_todo += 1
                p = next_waiter[p]
        else:
            todo[0] = task
            n_todo = 1

        for i in range(n_todo):
            k = todo[i]
            state = pc[k]
            while True:  # the task's steps run until it waits for an event not yet processed, or ends
                if state == AT_INIT:  # simulation.first_step
                    if in_progress[k]:
                        state = AT_EARLIEST
                        continue
                    f = fallback_of[k]
                    if f >= 0 and active[k]:
                        if now < fallback_day[f]:
                            size = _push(times, keys, size, now + (fallback_day[f] - now), DECIDING, seq,
                                         (TIMEOUT << TASK_BITS) | k)
                            seq += 1
                            state = AT_FALLBACK
                            break
                        state = AT_FALLBACK
                        continue
                    link_at[k] = link_ptr[k]
                    state = AT_LINKS
                    continue
                if state == AT_FALLBACK:  # simulation.fallback_decided
                    f = fallback_of[k]
                    taken[f] = not finish[fallback_condition[f]] <= fallback_day[f]  # nan: not finished
                    active[k] = taken[f]
                    link_at[k] = link_ptr[k]
                    state = AT_LINKS
                    continue
                if state == AT_LINKS:  # simulation.wait_for_links, then startable
                    blocked = False
                    while link_at[k] < link_ptr[k + 1]:
                        q = link_at[k]
                        link_at[k] += 1
                        p = link_pred[q]
                        if not simulated[p]:
                            continue
                        if link_from_start[q]:
                            if start_seen[p]:
                                continue
                            _join(started_head, started_tail, next_waiter, p, k)
                        else:
                            if end_seen[p]:
                                continue
                            _join(done_head, done_tail, next_waiter, p, k)
                        next_waiter[k] = -1
                        blocked = True
                        break
                    if blocked:
                        break
                    if not active[k]:
                        state = AT_EARLIEST
                        continue
                    # programme.earliest_start
                    bound, drv = -np.inf, -1
                    for q in range(link_ptr[k], link_ptr[k + 1]):
                        p = link_pred[q]
                        t = (start[p] if link_from_start[q] else finish[p]) + link_lag[q] \
                            - (work_days[k] if link_to_finish[q] else 0.0)
                        if t > bound:  # false for nan (a done predecessor's unknown start)
                            bound, drv = t, p
                    nb = not_before[k]
                    floor = _max(status_day, nb) if nb == nb else status_day
                    e = _max(bound, floor)
                    driver[k] = drv
                    f = fallback_of[k]
                    if f >= 0 and e < fallback_day[f]:
                        e = fallback_day[f]
                        driver[k] = -1
                    earliest[k] = e
                    if need_ptr[k + 1] > need_ptr[k]:
                        if now < e:  # asks for capacity on its earliest day
                            size, n_due, seq = _schedule(times, keys, size, due, n_due, now, now + (e - now),
                                                         seq, TIMEOUT, k)
                            state = AT_EARLIEST
                            break
                        state = AT_EARLIEST
                        continue
                    startable_day[k] = _max(now, e)
                    state = AT_BEGIN
                    continue
                if state == AT_EARLIEST:  # in progress, out of scope, or asking for capacity now
                    startable_day[k] = now
                    if not active[k]:  # simulation.pass_through
                        start[k] = now
                        finish[k] = now
                        if watched[k]:
                            n_due, seq = _due_now(due, n_due, NORMAL, seq, STARTED, k)
                        n_due, seq = _due_now(due, n_due, NORMAL, seq, DONE, k)
                        state = ENDED
                        break
                    if need_ptr[k + 1] > need_ptr[k]:
                        w = n_waiting  # insert by rank
                        while w > 0 and rank[waiting[w - 1]] > rank[k]:
                            waiting[w] = waiting[w - 1]
                            w -= 1
                        waiting[w] = k
                        n_waiting += 1
                        dispatch_pending = True
                        state = AT_GRANT
                        break
                    earliest[k] = now  # in progress: begins now
                    state = AT_BEGIN
                    continue
                if state == AT_GRANT:  # simulation.granted
                    if now > startable_day[k]:
                        waited[k] = True
                        logical[k] = driver[k]
                        last, last_at = -1, -np.inf
                        for q in range(need_ptr[k], need_ptr[k + 1]):  # the first pool released most recently
                            c = need_pool[q]
                            if last < 0 or released_at[c] > last_at:
                                last, last_at = c, released_at[c]
                        driver[k] = released_by[last]
                    earliest[k] = now
                    state = AT_BEGIN
                    continue
                if state == AT_BEGIN:  # simulation.begin, on day earliest[k]
                    begin = earliest[k]
                    start[k] = started_day[k] if in_progress[k] else begin
                    if watched[k]:
                        size, n_due, seq = _schedule(times, keys, size, due, n_due, now,
                                                     now + _max(begin - now, 0.0), seq, STARTED, k)
                    work_begin[k] = begin
                    m = _gather_delays(k, delay_ptr, delay_index, delay_risk, struck, drawn, delay_days,
                                       d_key, d_s, d_x, d_r)
                    for w in range(m):
                        if np.isnan(d_s[w]):  # no window: the risk strikes during this task, as it begins
                            r = d_r[w]
                            strike_day[r] = begin if np.isnan(strike_day[r]) else _min(begin, strike_day[r])
                            d_s[w] = begin
                    end, n_taken = _work_end(begin, work_days[k], m, d_s, d_x, d_r, ps, pe,
                                             n_pauses if pausable[k] else 0, calendar_of[k], rates, cums, d_key)
                    for w in range(n_taken):
                        applied[d_r[w]] += d_key[w]
                    finish[k] = end
                    size, n_due, seq = _schedule(times, keys, size, due, n_due, now, now + _max(end - now, 0.0),
                                                 seq, DONE, k)
                    state = AT_WORK
                    break
                break  # AT_WORK or ENDED: only its end's event is left
            pc[k] = state
    return ps, pe


@njit(cache=True)
def _play_rows(link_ptr, link_pred, link_from_start, link_to_finish, link_lag, simulated, process_order, watched,
               need_ptr, need_pool, need_amount, pool_size, rank, not_before, done_day, started_day, in_progress,
               fallback_of, fallback_day, fallback_condition, pausable, readiness, consultation, calendar_of,
               rates, cums, delay_ptr, delay_index, delay_risk, status_day,
               work_days, active, struck, strike_day, pause_days, delay_days,
               start, finish, driver, logical, waited, startable_day, taken, applied, effective_pause,
               paused_days, readiness_day, consultation_end, reorganisation_day, chain, chain_length, summary):
    """Every row of the draws through `_play`, and play's summary of each (see simulation.play); without
    `summary`, only the days that set go-live (readiness and consultation's end)."""
    rows, n = work_days.shape
    for row in range(rows):
        start[row] = started_day
        finish[row] = done_day
        driver[row] = -1
        logical[row] = -1
        work_begin = np.full(n, np.nan)
        ps, pe = _play(link_ptr, link_pred, link_from_start, link_to_finish, link_lag, simulated, process_order,
                       watched, need_ptr, need_pool, need_amount, pool_size, rank, not_before, started_day,
                       in_progress, fallback_of, fallback_day, fallback_condition, pausable, calendar_of, rates, cums,
                       delay_ptr, delay_index, delay_risk, status_day,
                       work_days[row], active[row], struck[row], strike_day[row], pause_days[row], delay_days[row],
                       start[row], finish[row], driver[row], logical[row], waited[row], startable_day[row],
                       taken[row], applied[row], work_begin)
        act, fin = active[row], finish[row]
        last, best = 0, -np.inf
        for k in range(n):
            value = fin[k] if (readiness[k] and act[k]) else -np.inf
            if k == 0 or value > best:
                last, best = k, value
        readiness_day[row] = best if best > -np.inf else status_day  # none in scope
        first = True
        c_end = status_day
        for k in consultation:
            if act[k]:
                if first or fin[k] > c_end:
                    c_end = fin[k]
                first = False
        consultation_end[row] = c_end
        if not summary:
            continue
        length = 0
        k = last
        count = 1
        chain[row, 0] = last
        while driver[row, k] >= 0 and count <= n:
            k = driver[row, k]
            chain[row, count] = k
            count += 1
        for j in range(count):  # a task left out passes its driver on
            if act[chain[row, j]]:
                chain[row, length] = chain[row, j]
                length += 1
        chain_length[row] = length
        for k in range(n):
            if not waited[row, k]:
                logical[row, k] = driver[row, k]
            if not act[k]:
                start[row, k] = np.nan
                fin[k] = np.nan
        reorg = np.nan
        any_reorg = False
        for k in range(n):
            if not readiness[k] and act[k]:
                reorg = fin[k] if not any_reorg else max(reorg, fin[k])
                any_reorg = True
        reorganisation_day[row] = reorg
        if ps.shape[0] == 0:  # no pause in this replication: none delayed work
            effective_pause[row] = 0.0
            paused_days[row] = 0.0
            continue
        w_s = np.empty(n)
        w_e = np.empty(n)
        m = 0
        hull_start, hull_end = ps[0], pe[ps.shape[0] - 1]
        for k in process_order:  # the work that could meet a pause: leaving out the rest changes no overlap
            if pausable[k] and act[k] and work_begin[k] <= hull_end and fin[k] >= hull_start:
                w_s[m], w_e[m] = work_begin[k], fin[k]
                m += 1
        w_s, w_e = _merged(w_s[:m], w_e[:m])
        one_s, one_e = np.empty(1), np.empty(1)
        for r in range(pause_days.shape[1]):
            d = pause_days[row, r]
            if d > 0:
                one_s[0], one_e[0] = strike_day[row, r], strike_day[row, r] + d
                effective_pause[row, r] = _overlap(one_s, one_e, w_s, w_e)
            else:
                effective_pause[row, r] = 0.0
        paused_days[row] = _overlap(ps, pe, w_s, w_e)


# numba's CPU target, as it loads, looks for SciPy's BLAS (for np.dot) by importing this module, which runs
# all of scipy.linalg's __init__: measured, 0.2-0.4 s of a worker's start of about a second. Nothing here
# uses linear algebra, so while the target loads the import fails at once (numba then types np.dot with
# its own loop, which nothing here calls either).
BLAS_PROBE = "scipy.linalg.cython_blas"
_loaded = False


def load() -> None:
    """Load numba's compiler, as the first call of any cached function does (most of a first replication's
    cost, see `warm`), without its probe for SciPy's BLAS (above)."""
    global _loaded
    if _loaded:
        return
    probe_blocked = BLAS_PROBE not in sys.modules
    if probe_blocked:
        sys.modules[BLAS_PROBE] = None  # an import of a module set to None raises ImportError
    try:
        _max(0.0, 1.0)
    finally:
        if probe_blocked and sys.modules.get(BLAS_PROBE, 0) is None:
            del sys.modules[BLAS_PROBE]
    _loaded = True


_arrays = Recent(size=1)  # a run's chunks share a network


def arrays_of(net: Network) -> Arrays:
    """The network's arrays, kept for the next chunk. Keyed by its links: a network whose risks'
    probabilities were replaced (programme.compile_network) shares them, and probabilities are not here."""
    return _arrays.get(net.links, lambda: Arrays.of(net))


def play_rows(net: Network, calendar: GoLiveCalendar, indices: np.ndarray, draws: Draws,
              go_live_only: bool = False) -> dict:
    """pieces.play_rows on the compiled executor: the same arrays, the same numbers."""
    load()
    a = arrays_of(net)
    count, n = draws.work_days.shape
    n_risks = len(net.risk_ids)
    active = np.ascontiguousarray(draws.active(net))
    start, finish = np.empty((count, n)), np.empty((count, n))
    driver, logical = np.empty((count, n), np.int64), np.empty((count, n), np.int64)
    waited = np.zeros((count, n), np.bool_)
    startable_day = np.full((count, n), np.nan)
    taken = np.zeros((count, len(net.fallback_ids)), np.bool_)
    applied = np.zeros((count, n_risks))
    strike_day = np.array(draws.strike_day, dtype=np.float64, copy=True)
    effective_pause = np.empty((count, n_risks))
    paused_days, readiness_day = np.empty(count), np.empty(count)
    consultation_end, reorganisation_day = np.empty(count), np.empty(count)
    chain = np.empty((count, n + 1), np.int64)
    chain_length = np.empty(count, np.int64)
    struck = np.ascontiguousarray(draws.struck, dtype=np.bool_)
    work_days = np.ascontiguousarray(draws.work_days, dtype=np.float64)
    delays = np.ascontiguousarray(draws.delay_days, dtype=np.float64).reshape(count, len(net.risk_delays))
    _play_rows(a.link_ptr, a.link_pred, a.link_from_start, a.link_to_finish, a.link_lag, a.simulated,
               a.process_order, a.watched, a.need_ptr, a.need_pool, a.need_amount, a.pool_size, a.rank, a.not_before,
               a.done_day, a.started_day, a.in_progress, a.fallback_of, a.fallback_day, a.fallback_condition,
               a.pausable, a.readiness, a.consultation, a.calendar_of, a.calendar_rate, a.calendar_cumulative,
               a.delay_ptr, a.delay_index, a.delay_risk, float(net.status_day),
               work_days, active, struck, strike_day, np.ascontiguousarray(draws.pause_days, dtype=np.float64),
               delays,
               start, finish, driver, logical, waited, startable_day, taken, applied, effective_pause,
               paused_days, readiness_day, consultation_end, reorganisation_day, chain, chain_length,
               not go_live_only)
    go_live = np.array([calendar.go_live(r, c) for r, c in zip(readiness_day, consultation_end)],
                       dtype="datetime64[D]")
    if go_live_only:
        return {"go_live": go_live}
    critical = np.zeros((count, n), dtype=bool)
    for row in range(count):
        critical[row, chain[row, :chain_length[row]]] = True
    causes = np.zeros((count, len(attribution.causes(net))))
    _slip_causes(a.in_progress, a.pausable, a.calendar_of, a.calendar_rate, a.calendar_cumulative,
                 np.asarray(net.work.likely, dtype=np.float64), a.consultation, readiness_day, consultation_end, chain,
                 chain_length, float(calendar.go_no_go_days), float(calendar.eli_days), float(calendar.planned_day),
                 float(net.status_day), a.delay_ptr, a.delay_index, a.delay_risk, active, start, finish,
                 startable_day, logical, struck, strike_day, np.ascontiguousarray(draws.pause_days, dtype=np.float64),
                 delays, work_days, causes)
    slip = (go_live - np.datetime64(calendar.start, "D")).astype(np.int64).astype(float) - calendar.planned_day
    for row in range(count):  # numpy's own sum, as attribution.slip_causes takes it
        causes[row, -1] = slip[row] - causes[row, :-1].sum()
    return {
        "go_live": go_live, "readiness_day": readiness_day, "consultation_end_day": consultation_end,
        "reorganisation_ready_day": reorganisation_day, "task_start_day": start, "task_finish_day": finish,
        "critical": critical, "risk_struck": draws.struck, "risk_strike_day": strike_day,
        "risk_pause_days": effective_pause, "risk_delay_days": applied, "paused_days": paused_days,
        "branch_in": draws.branch_in, "fallback_taken": taken, "slip_causes": causes,
    }


@njit(cache=True)
def _slip_raw(in_progress, pausable, calendar_of, rates, cums, likely, consultation, readiness_day,
              consultation_end, chain_first, go_no_go, eli, planned_day, status_day, delay_ptr, delay_index,
              delay_risk, active, start, finish, startable_day, logical, struck, strike_day, pause_days, delay_days,
              work_days, raw):
    """attribution.path_causes for one replication, into `raw` (the risks from column RISKS_FROM)."""
    n = active.shape[0]
    n_risks = struck.shape[0]
    risk_at = 4
    ready = readiness_day + go_no_go
    consulted = consultation_end + eli
    end, notice = -1, go_no_go
    any_consulting = False
    for k in consultation:
        if active[k]:
            if not any_consulting or finish[k] > finish[end]:
                end = k
            any_consulting = True
    if ready >= consulted or not any_consulting:
        end, notice = chain_first, go_no_go
    else:
        notice = eli
    # the pauses in strike order: (strike day, risk), as attribution sorts them
    n_pausing = 0
    pausing = np.empty(n_risks, np.int64)
    for r in range(n_risks):
        if struck[r] and pause_days[r] > 0:
            w = n_pausing
            while w > 0 and (strike_day[pausing[w - 1]] > strike_day[r]
                             or (strike_day[pausing[w - 1]] == strike_day[r] and pausing[w - 1] > r)):
                pausing[w] = pausing[w - 1]
                w -= 1
            pausing[w] = r
            n_pausing += 1
    n_p = 0
    for r in range(n_risks):
        if pause_days[r] > 0:
            n_p += 1
    ps, pe = np.empty(n_p), np.empty(n_p)
    j = 0
    for r in range(n_risks):
        if pause_days[r] > 0:
            ps[j], pe[j] = strike_day[r], strike_day[r] + pause_days[r]
            j += 1
    ps, pe = _merged(ps, pe)
    none = np.empty(0)
    n_delays = delay_index.shape[0]
    d_key, d_s, d_x = np.empty(n_delays), np.empty(n_delays), np.empty(n_delays)
    d_r = np.empty(n_delays, np.int64)
    raw[0] = status_day - planned_day
    k = end if end >= 0 and finish[end] > status_day else -1  # attribution.driving_path: done tasks explain nothing
    length = 1
    while k >= 0:  # none: no go-live task was in scope
        ip = in_progress[k]
        drv = logical[k]
        came = _max(status_day, finish[drv]) if (drv >= 0 and not ip) else status_day
        could = status_day if ip else startable_day[k]
        begin = status_day if ip else start[k]
        raw[0] += could - came
        raw[3] += begin - could
        cal = calendar_of[k]
        planned_end = _advance(begin, likely[k], none, none, 0, cal, rates, cums)
        work = work_days[k]
        sampled_end = _advance(begin, work, none, none, 0, cal, rates, cums)
        raw[0] += planned_end - begin
        raw[2] += sampled_end - planned_end
        previous = sampled_end
        m = _gather_delays(k, delay_ptr, delay_index, delay_risk, struck, strike_day, delay_days, d_key, d_s, d_x, d_r)
        _, n_taken = _work_end(begin, work, m, d_s, d_x, d_r, ps, pe, ps.shape[0] if pausable[k] else 0, cal,
                               rates, cums, d_key)
        for w in range(n_taken):
            work += d_key[w]
            now = _advance(begin, work, none, none, 0, cal, rates, cums)
            raw[risk_at + d_r[w]] += now - previous
            previous = now
        if pausable[k]:
            for j in range(n_pausing):
                cs, ce = np.empty(j + 1), np.empty(j + 1)
                for i in range(j + 1):
                    q = pausing[i]
                    cs[i], ce[i] = strike_day[q], strike_day[q] + pause_days[q]
                cs, ce = _merged(cs, ce)
                now = _advance(begin, work, cs, ce, cs.shape[0], cal, rates, cums)
                raw[risk_at + pausing[j]] += now - previous
                previous = now
        # attribution.driving_path: on through logical drivers, skipping tasks left out
        if length > n:
            break
        nxt = logical[k]
        while nxt >= 0 and not active[nxt]:
            nxt = logical[nxt]
        if nxt < 0 or not finish[nxt] > status_day:
            break
        k = nxt
        length += 1
    raw[1] = notice


@njit(cache=True)
def _slip_causes(in_progress, pausable, calendar_of, rates, cums, likely, consultation, readiness_day,
                 consultation_end, chain, chain_length, go_no_go, eli, planned_day, status_day, delay_ptr,
                 delay_index, delay_risk, active, start, finish, startable_day, logical, struck, strike_day,
                 pause_days, delay_days, work_days, out):
    """attribution.slip_causes for every row, but the last column (slot rounding), which the caller fills."""
    rows = active.shape[0]
    columns = out.shape[1]
    raw = np.zeros(columns)
    for row in range(rows):
        raw[:] = 0.0
        _slip_raw(in_progress, pausable, calendar_of, rates, cums, likely, consultation, readiness_day[row],
                  consultation_end[row], chain[row, 0] if chain_length[row] > 0 else -1, go_no_go, eli, planned_day,
                  status_day, delay_ptr, delay_index, delay_risk, active[row], start[row], finish[row],
                  startable_day[row], logical[row], struck[row], strike_day[row], pause_days[row], delay_days[row],
                  work_days[row], raw)
        running = 0.0
        for j in range(columns - 1):
            after = running + raw[j]
            out[row, j] = _max(0.0, after) - _max(0.0, running)
            running = after
