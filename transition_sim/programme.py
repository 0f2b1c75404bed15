"""The programme as a network: tasks in scope, their dependencies, capacities and risks, as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from transition_sim.schema import Scenario, ThreePoint

DISTRIBUTIONS = ("triangular", "pert")


def dependency_graph(scenario: Scenario) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(scenario.tasks)
    graph.add_edges_from((p, key) for key, task in scenario.tasks.items()
                         for p in task.predecessors if p in scenario.tasks)
    return graph


def find_cycle(scenario: Scenario) -> list[str]:
    """The tasks of one dependency cycle, in order, or [] if there is none."""
    try:
        return [edge[0] for edge in nx.find_cycle(dependency_graph(scenario))]
    except nx.NetworkXNoCycle:
        return []


def in_scope(scenario: Scenario, task_id: str) -> bool:
    task = scenario.tasks[task_id]
    return all(scenario.scope.get(item) == outcome for item, outcome in task.requires_scope.items())


def active_graph(scenario: Scenario) -> nx.DiGraph:
    """The dependency graph of the tasks in scope; a task dropped by scope passes on its predecessors."""
    graph = dependency_graph(scenario)
    for key in [k for k in scenario.tasks if not in_scope(scenario, k)]:
        graph.add_edges_from((p, s) for p in graph.predecessors(key) for s in graph.successors(key))
        graph.remove_node(key)
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


def compile_network(scenario: Scenario) -> Network:
    start = scenario.start.value
    graph = active_graph(scenario)
    order = list(nx.lexicographical_topological_sort(graph))
    index = {key: i for i, key in enumerate(order)}
    tasks = [scenario.tasks[k] for k in order]
    capacity_names = tuple(scenario.capacities)
    cap_index = {name: i for i, name in enumerate(capacity_names)}
    status_day = float((scenario.status - start).days)

    def day(d) -> float:
        return float((d - start).days) if d is not None else np.nan

    zero = ThreePoint(low="0d", likely="0d", high="0d")
    work = [t.remaining if t.remaining is not None else (zero if t.done_on else t.duration) for t in tasks]
    risks = list(scenario.risks.items())
    pause_index = tuple(r for r, (_, risk) in enumerate(risks) if risk.pause is not None)
    delays = tuple((r, index[t]) for r, (_, risk) in enumerate(risks) for t in risk.delays if t in index)
    delay_estimates = [risks[r][1].delays[order[t]] for r, t in delays]
    return Network(
        task_ids=tuple(order),
        workstreams=tuple(t.workstream for t in tasks),
        programmes=tuple(scenario.programme_of(t) for t in tasks),
        readiness=np.array([scenario.programme_of(t) == scenario.go_live.programme for t in tasks], dtype=bool),
        pausable=np.array([scenario.programmes[scenario.programme_of(t)].paused_by_risks for t in tasks],
                          dtype=bool),
        predecessors=tuple(tuple(sorted(index[p] for p in graph.predecessors(k))) for k in order),
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
    )
