"""The schedule health gate: DCMA-style checks of a plan without baselines, and this domain's rules.

Each finding names the rule, the task (or the key) it is about, what is wrong and the fix. The
checks work on the compiled network at most-likely durations with no risks and unlimited
capacity (`most_likely_schedule`), the plan as its authors drew it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np

from transition_sim.gcpause import without_gc
from transition_sim.golive import first_of_month_on_or_after, is_closed
from transition_sim.programme import Network, active_graph, compile_network
from transition_sim.schema import Scenario

LONG_TASK_DAYS = 44 * 7 / 5  # DCMA check 8: more than 44 working days (as calendar days)
HIGH_FLOAT_DAYS = 44 * 7 / 5  # DCMA check 6: total float above 44 working days
WIDE_RANGE = 2.0  # (high - low) / most likely above this: an estimate too uncertain to plan with


@dataclass(frozen=True)
class Finding:
    rule: str
    item: str  # the task, risk or key the finding is about
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.item}: {self.message} (fix: {self.fix})"


def most_likely_schedule(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Early start and finish days of every task at most-likely durations, no risks, unlimited capacity."""
    n = len(net.task_ids)
    start, finish = net.started_day.copy(), net.done_day.copy()
    for k in range(n):  # topological order
        if not np.isnan(net.done_day[k]):
            continue
        if net.in_progress[k]:
            begin = net.status_day
        else:
            begin = max([net.status_day] + [finish[p] for p in net.predecessors[k]])
            if begin < net.not_before_day[k]:
                begin = net.not_before_day[k]
            start[k] = begin
        cal = net.task_calendar[k]
        work = net.work.likely[k]
        finish[k] = cal.finish(begin, work) if cal is not None else begin + work
    return start, finish


def total_float(net: Network, start: np.ndarray, finish: np.ndarray, deadline: float) -> np.ndarray:
    """Days each task of the most-likely schedule can slip before readiness misses `deadline`."""
    n = len(net.task_ids)
    successors: list[list[int]] = [[] for _ in range(n)]
    for s in range(n):
        for p in set(net.predecessors[s]):
            if p < s:  # successors come later in topological order
                successors[p].append(s)
    late_finish = np.full(n, deadline)
    for k in reversed(range(n)):
        for s in successors[k]:
            late_finish[k] = min(late_finish[k], late_finish[s] - (finish[s] - start[s]))
    return late_finish - finish


@without_gc
def check(scenario: Scenario) -> list[Finding]:
    net = compile_network(scenario)
    start_date = scenario.start.value
    findings: list[Finding] = []

    def date(day: float) -> dt.date:
        return start_date + dt.timedelta(days=int(np.floor(day)))

    def add(rule: str, item: str, message: str, fix: str) -> None:
        findings.append(Finding(rule, item, message, fix))

    graph = active_graph(scenario)
    open_tasks = [k for k in net.task_ids if scenario.tasks[k].done_on is None]
    trust_ends = [k for k in open_tasks if scenario.programme_of(scenario.tasks[k]) == scenario.go_live.programme and not list(graph.successors(k))]
    starts = [k for k in open_tasks if not list(graph.predecessors(k)) and scenario.tasks[k].remaining is None
              and scenario.tasks[k].not_before is None]
    if len(starts) > 1:
        for key in starts:
            add("missing predecessor", key, f"no predecessor: one of {len(starts)} tasks that start the plan",
                "link it to the task it really follows, or give not_before if it waits for a date")
    if len(trust_ends) > 1:
        for key in trust_ends:
            add("dangling end", key, f"no successor: one of {len(trust_ends)} go-live programme tasks that end the plan",
                "make it a predecessor of the readiness review or go/no-go")
    for key in open_tasks:
        task = scenario.tasks[key]
        if task.not_before is not None:
            add("hard constraint", key, f"not_before {task.not_before} holds it regardless of logic",
                "replace the date with a predecessor if a task, not a date, is what it waits for")
        estimate = task.remaining or task.duration
        if estimate.likely > 0 and (estimate.high - estimate.low) / estimate.likely > WIDE_RANGE:
            add("high duration range", key, f"range {estimate.low:.0f}-{estimate.high:.0f} days around "
                f"{estimate.likely:.0f}", "split the task or narrow the estimate with evidence")
        on_calendar = scenario.calendar_of(task) is not None  # then the estimate is in working days already
        if estimate.likely > (44 if on_calendar else LONG_TASK_DAYS):
            add("long task", key, f"most likely {estimate.likely:.0f} {'working ' if on_calendar else ''}days, "
                "over 44 working days",
                "break it into tasks of under two months that can be tracked")

    start, finish = most_likely_schedule(net)
    planned = float((scenario.planned_go_live.value - start_date).days)
    gng, eli = scenario.go_live.go_no_go_notice.value, scenario.go_live.eli_notice.value
    trust = [k for k in range(len(net.task_ids)) if net.readiness[k]]
    readiness = max(finish[k] for k in trust)
    slack = total_float(net, start, finish, planned - gng)
    for k in trust:
        if np.isnan(net.done_day[k]) and slack[k] > HIGH_FLOAT_DAYS:
            add("excessive float", net.task_ids[k], f"{slack[k]:.0f} days of float against the planned go-live",
                "check for a missing successor, or bring the task's dates forward")
    for k in net.consultation:
        if finish[k] + eli > planned:
            add("TUPE consultation before the ELI notice", net.task_ids[k],
                f"consultation ends {date(finish[k])}, less than the ELI notice ({eli:.0f} days) before the planned "
                f"go-live", "start consultation earlier or move the planned go-live")
    for k in trust:
        if finish[k] + gng > planned and finish[k] == readiness:
            add("ready before go-live", net.task_ids[k], f"finishes {date(finish[k])} at most-likely durations, "
                "too late for the planned go-live (pension admission and every other trust task must be in place "
                "before transfer)", "start it earlier or move the planned go-live")
    planned_date = scenario.planned_go_live.value
    closed = tuple(sorted((w.start, w.end) for w in scenario.closed_windows.values()))
    if first_of_month_on_or_after(planned_date) != planned_date or is_closed(planned_date, closed):
        add("planned date is a valid slot", "planned_go_live", f"{planned_date} is not a first of the month outside "
            "the closed windows", "plan for a first of the month outside closed windows")
    vesting = scenario.vesting_day.value
    if (vesting.month, vesting.day) != (4, 1):
        add("vesting day on 1 April", "vesting_day", f"{vesting} is not 1 April",
            "new councils come into being at the start of a financial year: use 1 April")
    for k, key in enumerate(net.task_ids):
        cal, constraint = net.task_calendar[k], scenario.tasks[key].not_before
        day = (constraint - start_date).days if constraint is not None else -1
        if cal is not None and 0 <= day < len(cal.rate) and cal.rate[day] == 0:
            add("no task in a closed work period", key, f"not_before {constraint} is a day its calendar "
                f"{cal.name!r} does not work", "move the date to a working day")
    for r, key in enumerate(net.risk_ids):
        weight = net.risk_weight[r]
        if weight is not None and net.risk_probability[r] * weight[1][-1] > 1:
            add("risk calendar", key, "probability times its calendar weight exceeds 1 and is capped at 1",
                "lower the probability_factor or the probability")
    return findings


def as_records(findings: list[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]


def summary(findings: list[Finding]) -> str:
    """One line: how many findings of each rule."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    return ", ".join(f"{rule} ({n})" for rule, n in counts.items())
