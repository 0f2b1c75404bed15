"""Why did it slip: each replication's slip (go-live minus planned go-live, days) split into causes that add up.

Along the replication's driving path (from the task whose finish set go-live back through each
task's predecessor that finished last, through capacity waits rather than to the releaser), the
time from the status date to that task's finish is the sum, per task on the path, of:

- waiting for a date or a fallback's day (`not_before`) and the work at most-likely durations,
  on its calendar: the **plan**;
- the sampled work minus the most-likely work: **duration uncertainty**;
- starting later than it could have, for want of capacity: **capacity waiting**;
- each risk's delay to it, and the time each pause stopped it: **risk:<id>**, taken in strike order.

Add the notice (go/no-go after readiness, or the ELI notice after consultation, whichever binds) as
**notice periods**, and the plan term takes the status date minus the planned go-live, so the causes
sum to T - planned, where T is the earliest day the go-live rule allows before rounding. Go-live never
comes before the planned date, so float absorbs lateness: the causes are taken in the order of
`causes` (plan, notice periods, duration uncertainty, capacity waiting, the risks in the scenario's
order) and each is credited with how much it raises max(0, running total). What is left, go-live minus
max(planned, T), is **slot rounding and closed windows**. The causes sum to the slip exactly.
"""

from __future__ import annotations

import numpy as np

from transition_sim.golive import GoLiveCalendar
from transition_sim.programme import Network
from transition_sim.simulation import Replication, advance, delays_by_task, merged_pauses, work_end

PLAN, UNCERTAINTY, CAPACITY, NOTICE, SLOT = "plan", "duration uncertainty", "capacity waiting", "notice periods", \
    "slot rounding and closed windows"


def causes(net: Network) -> list[str]:
    """The causes of slip, in the order in which float absorbs them: what the plan knew, then the uncertain."""
    return [PLAN, NOTICE, UNCERTAINTY, CAPACITY] + [f"risk:{r}" for r in net.risk_ids] + [SLOT]


RISKS_FROM = 4  # the column of the first risk in `causes`


def driving_path(net: Network, rep: Replication, end: int) -> list[int]:
    """From task `end` back through logical drivers (skipping tasks left out), while they finish after the status."""
    if not rep.task_finish_day[end] > net.status_day:
        return []  # done by the status date: no slip left to explain on this path
    path = [end]
    while len(path) <= len(net.task_ids):
        k = int(rep.task_logical_driver[path[-1]])
        while k >= 0 and not rep.task_active[k]:
            k = int(rep.task_logical_driver[k])
        if k < 0 or not rep.task_finish_day[k] > net.status_day:
            break
        path.append(k)
    return path


def path_causes(net: Network, calendar: GoLiveCalendar, rep: Replication, work_days: np.ndarray,
                strike_day: np.ndarray, pause_days: np.ndarray, delay_days: np.ndarray) -> np.ndarray:
    """Days per cause (slot rounding aside) along the driving path: they sum to T - planned, T before rounding."""
    n_risks = len(net.risk_ids)
    raw = np.zeros(len(causes(net)))
    risk_at = RISKS_FROM
    ready = rep.readiness_day + calendar.go_no_go_days
    consulted = rep.consultation_end_day + calendar.eli_days
    consulting = [k for k in net.consultation if rep.task_active[k]]
    if ready >= consulted or not consulting:
        end, notice = int(rep.critical_chain[0]) if rep.critical_chain else -1, calendar.go_no_go_days
    else:
        end = max(consulting, key=lambda k: rep.task_finish_day[k])
        notice = calendar.eli_days
    struck = rep.risk_struck
    delays = delays_by_task(net, struck, strike_day, delay_days)
    pausing = sorted((strike_day[r], r) for r in range(n_risks) if struck[r] and pause_days[r] > 0)
    all_pauses = merged_pauses(strike_day, pause_days)
    raw[0] = net.status_day - calendar.planned_day
    for k in driving_path(net, rep, end) if end >= 0 else []:  # none: no go-live task was in scope
        in_progress = bool(net.in_progress[k])
        driver = int(rep.task_logical_driver[k])
        came = max(net.status_day, rep.task_finish_day[driver]) if driver >= 0 and not in_progress else net.status_day
        could = net.status_day if in_progress else rep.task_startable_day[k]
        begin = net.status_day if in_progress else rep.task_start_day[k]
        raw[0] += could - came
        raw[3] += begin - could
        cal = net.task_calendar[k]
        planned_end = advance(begin, net.work.likely[k], [], cal)
        work = work_days[k]
        sampled_end = advance(begin, work, [], cal)
        raw[0] += planned_end - begin
        raw[2] += sampled_end - planned_end
        previous = sampled_end
        _, taken = work_end(begin, work, delays[k], all_pauses if net.pausable[k] else [], cal)
        for extra, r in taken:
            work += extra
            now = advance(begin, work, [], cal)
            raw[risk_at + r] += now - previous
            previous = now
        if net.pausable[k]:
            for j, (_, r) in enumerate(pausing):
                chosen = [q for _, q in pausing[:j + 1]]
                now = advance(begin, work, merged_pauses(strike_day[chosen], pause_days[chosen]), cal)
                raw[risk_at + r] += now - previous
                previous = now
    raw[1] = notice
    return raw


def slip_causes(net: Network, calendar: GoLiveCalendar, rep: Replication, work_days: np.ndarray,
                strike_day: np.ndarray, pause_days: np.ndarray, delay_days: np.ndarray) -> np.ndarray:
    """Days of slip per cause (in the order of `causes`), summing to the replication's slip."""
    raw = path_causes(net, calendar, rep, work_days, strike_day, pause_days, delay_days)
    out = np.zeros_like(raw)
    running = 0.0
    for j in range(len(raw) - 1):
        after = running + raw[j]
        out[j] = max(0.0, after) - max(0.0, running)
        running = after
    slip = float((rep.go_live - calendar.start).days) - calendar.planned_day
    out[-1] = slip - out[:-1].sum()
    return out
