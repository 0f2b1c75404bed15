"""The programme as a network: tasks in scope, their dependencies, capacities and risks, as arrays."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from transition_sim.calendars import WorkCalendar
from transition_sim.correlation import CorrelationPlan
from transition_sim.gcpause import without_gc
from transition_sim.lazy import lazy_import
from transition_sim.recent import Recent

if TYPE_CHECKING:  # the schema's models (pydantic) are not needed to play a network
    from transition_sim.schema import Scenario, ThreePoint

schema = lazy_import("transition_sim.schema")  # read when a scenario is compiled, not when a network is played

DISTRIBUTIONS = ("triangular", "pert")


FROM_START = ("SS", "SF")  # link types that wait for the predecessor's start rather than its finish
TO_FINISH = ("FF", "SF")  # link types that bound the successor's finish rather than its start


Link = tuple[str, float]  # (type, lag in days)


@dataclass
class Dependencies:
    """Tasks and their dependencies: `links[pred][succ]` is the set of links from pred to succ.

    A plain graph (dicts of dicts, as networkx keeps one) because a run needs only its edges and a
    topological order, and importing and building networkx cost more than the run's other fixed work.
    """

    links: dict[str, dict[str, set[Link]]]
    preds: dict[str, dict[str, None]]  # succ -> its predecessors, in insertion order

    def successors(self, key: str):
        return iter(self.links[key])

    def predecessors(self, key: str):
        return iter(self.preds[key])

    def add_link(self, pred: str, succ: str, link: Link) -> None:
        self.links[pred].setdefault(succ, set()).add(link)
        self.preds[succ][pred] = None

    def remove(self, key: str) -> None:
        for s in self.links.pop(key):
            del self.preds[s][key]
        for p in self.preds.pop(key):
            del self.links[p][key]

    def topological_order(self, key) -> list[str] | None:
        """The tasks in topological order, ties taken smallest `key` first, or None if there is a cycle."""
        waiting = {k: len(p) for k, p in self.preds.items()}
        ready = [(key(k), k) for k, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            _, k = heapq.heappop(ready)
            order.append(k)
            for s in self.links[k]:
                waiting[s] -= 1
                if waiting[s] == 0:
                    heapq.heappush(ready, (key(s), s))
        return order if len(order) == len(waiting) else None


def dependency_graph(scenario: Scenario) -> Dependencies:
    """Tasks and their dependencies; each edge holds its links as a set of (type, lag in days)."""
    graph = Dependencies({k: {} for k in scenario.tasks}, {k: {} for k in scenario.tasks})
    for key, task in scenario.tasks.items():
        for link in task.predecessors:
            if link.task in scenario.tasks:
                graph.add_link(link.task, key, (link.type, link.lag))
    return graph


def through(first: Link, second: Link) -> Link:
    """The link A -> C that stands for A -first-> B -second-> C when B is dropped (B takes no time).

    A type names the predecessor's event (S or F) then the successor's, so the pair composes
    letter by letter and the lags add.
    """
    return first[0][0] + second[0][1], first[1] + second[1]


def find_cycle(scenario: Scenario) -> list[str]:
    """The tasks of one dependency cycle, in order, or [] if there is none."""
    if dependency_graph(scenario).topological_order(str) is not None:
        return []
    import networkx as nx  # only for a plan with a cycle: the cycle its messages have always named
    graph = nx.DiGraph()
    graph.add_nodes_from(scenario.tasks)
    graph.add_edges_from((link.task, key) for key, task in scenario.tasks.items()
                         for link in task.predecessors if link.task in scenario.tasks)
    return [edge[0] for edge in nx.find_cycle(graph)]


def in_scope(scenario: Scenario, task_id: str) -> bool:
    """False when a settled scope decision excludes the task (an open one, a branch, keeps it)."""
    task = scenario.tasks[task_id]
    return all(scenario.scope.get(item) == outcome or item in scenario.branches
               for item, outcome in task.requires_scope.items())


def active_graph(scenario: Scenario) -> Dependencies:
    """The dependency graph of the tasks in scope; a task dropped by scope passes on its predecessors."""
    graph = dependency_graph(scenario)
    for key in [k for k in scenario.tasks if not in_scope(scenario, k)]:
        for p in graph.predecessors(key):
            for s in graph.successors(key):
                for a in graph.links[p][key]:
                    for b in graph.links[key][s]:
                        graph.add_link(p, s, through(a, b))
        graph.remove(key)
    return graph


@dataclass(frozen=True)
class ThreePointArrays:
    low: np.ndarray
    likely: np.ndarray
    high: np.ndarray
    pert: np.ndarray  # bool: PERT, else triangular

    @classmethod
    def of(cls, estimates: list[ThreePoint], distributions: list[str]) -> "ThreePointArrays":
        return cls(np.array([e.low for e in estimates], dtype=float),
                   np.array([e.likely for e in estimates], dtype=float),
                   np.array([e.high for e in estimates], dtype=float),
                   np.array([d == "pert" for d in distributions], dtype=bool))


@dataclass(frozen=True)
class Network:
    """Everything a replication needs, in topological order, with days counted from the start."""

    task_ids: tuple[str, ...]
    workstreams: tuple[str, ...]
    programmes: tuple[str, ...]  # the programme of each task
    readiness: np.ndarray  # bool per task: in the go-live programme, whose last finish sets readiness
    pausable: np.ndarray  # bool per task: its programme stops during a pause
    predecessors: tuple[tuple[int, ...], ...]
    links: tuple[tuple[tuple[int, str, float], ...], ...]  # (predecessor index, type, lag in days) per task
    start_watched: tuple[bool, ...]  # per task: an SS or SF link waits for its start
    needs: tuple[tuple[tuple[int, int], ...], ...]  # (capacity index, amount) per task
    capacity_names: tuple[str, ...]
    capacity_sizes: tuple[int, ...]
    not_before_day: np.ndarray  # earliest start day, or nan
    done_day: np.ndarray  # finish day of tasks done at the status date, else nan
    in_progress: np.ndarray  # bool: started before the status date, with work remaining
    process_order: tuple[int, ...]  # tasks to simulate: in progress first (they hold capacity), then the rest
    started_day: np.ndarray  # start day of tasks started before the status date, else nan
    work: ThreePointArrays  # the work left at the status date (zeros for done tasks)
    status_day: float
    consultation: tuple[int, ...]
    risk_ids: tuple[str, ...]
    risk_probability: np.ndarray
    risk_window: np.ndarray  # (R, 2) days; nan for a risk without a window (it strikes during the task it hits)
    risk_pause: ThreePointArrays | None  # over risks with a pause
    risk_pause_index: tuple[int, ...]
    risk_delays: tuple[tuple[int, int], ...]  # (risk index, task index) per delay
    risk_delay: ThreePointArrays | None
    branch_ids: tuple[str, ...]  # scope decisions drawn per replication
    branch_p_in: np.ndarray
    task_condition: tuple[tuple[tuple[int, bool], ...], ...]  # per task: (branch, must be in) it needs
    fallback_ids: tuple[str, ...]
    fallback_condition: tuple[int, ...]  # per fallback: the task that must have finished by its day
    fallback_day: np.ndarray
    task_fallback: np.ndarray  # per task: the fallback it belongs to, or -1
    task_calendar: tuple[WorkCalendar | None, ...]  # None: the task's work counts calendar days
    risk_weight: tuple[tuple[np.ndarray, np.ndarray] | None, ...]  # (days, cumulative weight) per risk, see below
    dispatch_rank: np.ndarray  # int per task: who gets free capacity first (lower first), see `dispatch_order`
    correlation: CorrelationPlan | None

    @cached_property
    def simulated(self) -> np.ndarray:
        """Bool per task: not done at the status date, so played (its start and end are events), the tasks of
        `process_order`."""
        out = np.zeros(len(self.task_ids), dtype=bool)
        out[list(self.process_order)] = True
        return out


def longest_remaining_path(graph: Dependencies, order: list[str], days: dict[str, float]) -> dict[str, float]:
    """Per task: its own most-likely days plus the longest most-likely chain of successors after it."""
    out: dict[str, float] = {}
    for key in reversed(order):
        out[key] = days[key] + max((out[s] for s in graph.successors(key)), default=0.0)
    return out


def dispatch_order(scenario: Scenario, graph: Dependencies, order: list[str], likely: dict[str, float]) -> list[str]:
    """Who gets free capacity first among tasks waiting for it, a fixed order of the tasks.

    Tasks in progress at the status date first (they hold their capacity already), then higher
    `priority:` (default 0), then the longer remaining path at most-likely durations (the critical
    path first), then the order in which the scenario lists the tasks.
    """
    written = {key: i for i, key in enumerate(scenario.tasks)}
    path = longest_remaining_path(graph, order, likely)
    tasks = scenario.tasks
    return sorted(order, key=lambda k: (tasks[k].remaining is None, -(tasks[k].priority or 0), -path[k], written[k]))


def correlation_plan(scenario: Scenario, index: dict[str, int], risk_index: dict[str, int]) -> CorrelationPlan | None:
    """The correlation groups over the tasks in scope and the risks (items out of scope are left out)."""
    groups = []
    for key, group in scenario.correlations.items():
        members = [("task", index[t], f"task:{t}") for t in group.tasks if t in index]
        members += [("risk", risk_index[r], f"risk:{r}") for r in group.risks if r in risk_index]
        groups.append((key, members, group.rank))
    return CorrelationPlan.of(groups)


def risk_weight(window: tuple[float, float], periods: list[tuple[float, float, float]]):
    """The cumulative chance weight of a risk over its window: (days, weight), piecewise linear.

    The weight of a day is the product of the `probability_factor`s of the risk-calendar periods
    covering it (1 elsewhere), scaled so that a risk with no calendar has weight 1 at the window's
    end. Its chance of striking is its probability times that weight at the end (at most 1), and
    when it strikes the day is drawn with density proportional to the weight.
    """
    lo, hi = window
    if not periods:
        return None
    cuts = sorted({lo, hi} | {min(max(x, lo), hi) for s, e, _ in periods for x in (s, e)})
    weights = [0.0]
    for a, b in zip(cuts, cuts[1:]):
        factor = np.prod([f for s, e, f in periods if s <= a and b <= e]) if b > a else 1.0
        weights.append(weights[-1] + factor * (b - a))
    return np.array(cuts), np.array(weights) / max(hi - lo, 1e-12)


_compiled = Recent()  # a run compiles its scenario once


def compile_network(scenario: Scenario) -> Network:
    """The scenario's network (scenarios are frozen, so one compiled is reused while it is among the last few).

    A scenario that differs from one of those only in its risks' probabilities (a risk's effect is
    measured with it set to 0) reuses that network with the probabilities replaced: nothing else in a
    network depends on them.
    """
    return _compiled.get(scenario, lambda: _reused_or_compiled(scenario))


def _reused_or_compiled(scenario: Scenario) -> Network:
    for known, net in _compiled:
        if _only_risk_probabilities_differ(known, scenario):
            return replace(net, risk_probability=np.array([scenario.risks[k].probability for k in net.risk_ids],
                                                          dtype=float))
    return _compile(scenario)


def _only_risk_probabilities_differ(a: Scenario, b: Scenario) -> bool:
    if a.risks.keys() != b.risks.keys() or a.model_copy(update={"risks": b.risks}) != b:
        return False
    return all(a.risks[k].model_copy(update={"probability": b.risks[k].probability}) == b.risks[k] for k in a.risks)


@without_gc
def _compile(scenario: Scenario) -> Network:
    start = scenario.start.value
    graph = active_graph(scenario)
    written = {key: i for i, key in enumerate(scenario.tasks)}
    order = graph.topological_order(written.get)  # ties: as the file lists them
    if order is None:
        raise ValueError("the plan has a dependency cycle (scenario.load reports it)")
    index = {key: i for i, key in enumerate(order)}
    tasks = [scenario.tasks[k] for k in order]
    capacity_names = tuple(scenario.capacities)
    cap_index = {name: i for i, name in enumerate(capacity_names)}
    status_day = float((scenario.status - start).days)

    def day(d) -> float:
        return float((d - start).days) if d is not None else np.nan

    links = tuple(tuple(sorted((index[p], kind, lag) for p in graph.predecessors(k)
                               for kind, lag in graph.links[p][k])) for k in order)
    watched = {p for task_links in links for p, kind, _ in task_links if kind in FROM_START}
    zero = schema.ThreePoint(low="0d", likely="0d", high="0d")
    work = [t.remaining if t.remaining is not None else (zero if t.done_on else t.duration) for t in tasks]
    risks = list(scenario.risks.items())
    pause_index = tuple(r for r, (_, risk) in enumerate(risks) if risk.pause is not None)
    delays = tuple((r, index[t]) for r, (_, risk) in enumerate(risks) for t in risk.delays if t in index)
    delay_estimates = [risks[r][1].delays[order[t]] for r, t in delays]
    likely = {k: w.likely for k, w in zip(order, work)}
    calendars = {name: WorkCalendar.of(name, spec, start) for name, spec in scenario.calendars.items()}
    branch_ids = tuple(scenario.branches)
    fallbacks = [(key, f) for key, f in scenario.fallbacks.items() if f.task in index]
    task_fallback = {t: i for i, (_, f) in enumerate(fallbacks) for t in f.tasks}
    rank = {k: i for i, k in enumerate(dispatch_order(scenario, graph, order, likely))}
    return Network(
        task_ids=tuple(order),
        workstreams=tuple(t.workstream for t in tasks),
        programmes=tuple(scenario.programme_of(t) for t in tasks),
        readiness=np.array([scenario.programme_of(t) == scenario.go_live.programme for t in tasks], dtype=bool),
        pausable=np.array([scenario.programmes[scenario.programme_of(t)].paused_by_risks for t in tasks],
                          dtype=bool),
        predecessors=tuple(tuple(sorted(index[p] for p in graph.predecessors(k))) for k in order),
        links=links,
        start_watched=tuple(k in watched for k in range(len(order))),
        needs=tuple(tuple(sorted((cap_index[c], n) for c, n in t.needs.items())) for t in tasks),
        capacity_names=capacity_names,
        capacity_sizes=tuple(q.value for q in scenario.capacities.values()),
        not_before_day=np.array([day(t.not_before) for t in tasks]),
        done_day=np.array([day(t.done_on) for t in tasks]),
        in_progress=np.array([t.remaining is not None for t in tasks], dtype=bool),
        process_order=tuple(k for k, t in enumerate(tasks) if t.remaining is not None)
        + tuple(k for k, t in enumerate(tasks) if t.remaining is None and t.done_on is None),
        started_day=np.array([day(t.started_on or (scenario.status if t.remaining is not None else None))
                              for t in tasks]),
        work=ThreePointArrays.of(work, [scenario.distribution_of(t) for t in tasks]),
        status_day=status_day,
        consultation=tuple(index[k] for k in scenario.go_live.consultation_tasks if k in index),
        risk_ids=tuple(k for k, _ in risks),
        risk_probability=np.array([r.probability for _, r in risks], dtype=float),
        risk_window=np.array([[day(r.window.start), day(r.window.end)] if r.window else [np.nan, np.nan]
                              for _, r in risks],
                             dtype=float).reshape(len(risks), 2),
        risk_pause=ThreePointArrays.of([risks[r][1].pause for r in pause_index],
                                       [scenario.distribution_of(risks[r][1]) for r in pause_index])
        if pause_index else None,
        risk_pause_index=pause_index,
        risk_delays=delays,
        risk_delay=ThreePointArrays.of(delay_estimates, [scenario.distribution_of(risks[r][1]) for r, _ in delays])
        if delays else None,
        branch_ids=branch_ids,
        branch_p_in=np.array([scenario.branches[b].p_in for b in branch_ids], dtype=float),
        task_condition=tuple(tuple((branch_ids.index(item), outcome == "in") for item, outcome in t.requires_scope.items()
                                   if item in branch_ids) for t in tasks),
        fallback_ids=tuple(key for key, _ in fallbacks),
        fallback_condition=tuple(index[f.task] for _, f in fallbacks),
        fallback_day=np.array([day(f.by) for _, f in fallbacks], dtype=float),
        task_fallback=np.array([task_fallback.get(k, -1) for k in order], dtype=int),
        task_calendar=tuple(calendars.get(scenario.calendar_of(t)) for t in tasks),
        risk_weight=tuple(None if r.window is None else
                          risk_weight((day(r.window.start), day(r.window.end)),
                                      [(day(p.start), day(p.end) + 1, p.probability_factor) for p in r.calendar.values()])
                          for _, r in risks),
        dispatch_rank=np.array([rank[k] for k in order], dtype=int),
        correlation=correlation_plan(scenario, index, {k: i for i, (k, _) in enumerate(risks)}),
    )


def earliest_start(net: Network, k: int, start: np.ndarray, finish: np.ndarray, duration: float) -> tuple[float, int]:
    """The earliest start of task k that its links, `not_before` and the status date allow, given its
    predecessors' recorded start and finish days, and the predecessor whose link sets it (-1 if none).

    FS: start >= pred finish + lag; SS: start >= pred start + lag; FF: finish >= pred finish + lag;
    SF: finish >= pred start + lag; a finish bound becomes a start bound by taking off `duration`.
    """
    bound, driver = -np.inf, -1
    for p, kind, lag in net.links[k]:
        t = (start[p] if kind in FROM_START else finish[p]) + lag - (duration if kind in TO_FINISH else 0.0)
        if t > bound:  # false for nan (a done predecessor's unknown start)
            bound, driver = t, p
    not_before = net.not_before_day[k]
    floor = max(net.status_day, not_before) if not_before == not_before else net.status_day  # nan: none
    return max(bound, floor), driver


def forward_pass(net: Network, durations: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Early start and finish days of every task: the critical-path method's forward pass with fixed
    durations (the most likely ones unless given), and no capacity limits, pauses or risks."""
    durations = net.work.likely if durations is None else durations
    start, finish = net.started_day.copy(), net.done_day.copy()
    for k in range(len(net.task_ids)):  # topological order
        if net.in_progress[k]:
            finish[k] = net.status_day + durations[k]
        elif np.isnan(net.done_day[k]):
            start[k] = earliest_start(net, k, start, finish, durations[k])[0]
            finish[k] = start[k] + durations[k]
    return start, finish
