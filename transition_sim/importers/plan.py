"""The neutral plan every reader produces: leaf tasks, typed links, capacities, risks, and notes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from transition_sim.errors import Problem, ScenarioError


@dataclass(frozen=True)
class Where:
    """Where an item is in its file, for messages: the element or row, and the line."""

    file: str
    item: str  # "Tasks/Task UID 12", "row 7"
    line: int | None = None

    def problem(self, message: str, detail: str = "") -> Problem:
        return Problem(self.file, self.item + (f" {detail}" if detail else ""), self.line, message)

    def error(self, message: str, detail: str = "") -> ScenarioError:
        return ScenarioError([self.problem(message, detail)])


@dataclass
class PlanLink:
    task: str  # the predecessor's key in the plan
    type: str  # FS, SS, FF or SF
    lag_days: float  # working days; negative for a lead


@dataclass
class PlanTask:
    key: str  # the plan's own id: an MS Project UID, or the id column of a task list
    name: str
    workstream: str
    where: Where
    duration_days: float | None = None  # planned, in working days
    estimate: tuple[float, float, float] | None = None  # low, likely, high days, when the file gives them
    milestone: bool = False
    links: list[PlanLink] = field(default_factory=list)
    not_before: dt.date | None = None
    needs: dict[str, int] = field(default_factory=dict)
    percent_complete: float = 0.0
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    remaining_days: float | None = None
    ident: str | None = None  # the id to give the task in the scenario (else one made from its name)


@dataclass
class PlanRisk:
    key: str
    name: str
    probability: float
    impact_days: float
    tasks: list[str]  # keys of the tasks it delays
    where: Where


@dataclass
class Plan:
    file: str
    kind: str  # "MS Project XML", "Excel task list", ...
    name: str
    start: dt.date
    tasks: list[PlanTask]  # in file order
    finish: dt.date | None = None
    status: dt.date | None = None
    capacities: dict[str, tuple[int, str]] = field(default_factory=dict)  # id -> (posts, where it came from)
    risks: list[PlanRisk] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the plan does not say, or says that was not taken
    counts: dict[str, object] = field(default_factory=dict)  # what was read, as reported by `import`

    def check(self) -> None:
        """Links and risks name tasks of the plan, and the links have no cycle."""
        keys = {t.key: t for t in self.tasks}
        problems = [t.where.problem(f"links to a task that is not in the plan: {link.task!r}", "predecessors")
                    for t in self.tasks for link in t.links if link.task not in keys]
        problems += [r.where.problem(f"names a task that is not in the plan: {k!r}", "tasks")
                     for r in self.risks for k in r.tasks if k not in keys]
        if problems:
            raise ScenarioError(problems)
        import networkx as nx  # only when a plan is imported
        graph = nx.DiGraph()
        graph.add_edges_from((link.task, t.key) for t in self.tasks for link in t.links)
        try:
            cycle = [edge[0] for edge in nx.find_cycle(graph)]
        except nx.NetworkXNoCycle:
            return
        names = " -> ".join(f"{keys[k].name!r} ({keys[k].where.item})" for k in cycle + cycle[:1])
        raise keys[cycle[0]].where.error(f"dependency cycle: {names}", "predecessors")


def slug(text: str, fallback: str = "item") -> str:
    """An id from a name: lower case, words joined by underscores."""
    words = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    return words[:48].rstrip("_") or fallback


def unique_ids(names: list[tuple[str, str]], fallback: str) -> dict[str, str]:
    """key -> id for (key, name) pairs: the slug of the name, with `_<key>` where two names give one slug."""
    slugs = {key: slug(name, fallback) for key, name in names}
    taken: dict[str, int] = {}
    for s in slugs.values():
        taken[s] = taken.get(s, 0) + 1
    return {key: s if taken[s] == 1 else f"{s}_{slug(key)}" for key, s in slugs.items()}
