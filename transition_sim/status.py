"""Status updates: a what-if that extends a scenario with a status date and each task's progress.

Nothing is silently assumed: the tasks the plan had started by the status date and the update does
not mention are listed, and each must be taken as not started or as planned, and the what-if's
status date says which.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from transition_sim.errors import Problem, ScenarioError
from transition_sim.importers import Plan, task_ids
from transition_sim.importers.scenario_yaml import days_text
from transition_sim.programme import compile_network, forward_pass
from transition_sim.scenario import LoadedScenario
from transition_sim.schema import Scenario, ThreePoint

ASSUMPTIONS = ("not-started", "as-planned")


@dataclass(frozen=True)
class Planned:
    """When the scenario's plan (most likely durations, no capacity or risks) starts and finishes a task."""

    task_id: str
    start: dt.date
    finish: dt.date


def planned_dates(scenario: Scenario) -> dict[str, Planned]:
    net = compile_network(scenario)
    start, finish = forward_pass(net)
    day = lambda d: scenario.start.value + dt.timedelta(days=int(np.floor(d)))  # noqa: E731
    return {k: Planned(k, day(s), day(f)) for k, s, f in zip(net.task_ids, start, finish)
            if not np.isnan(s) and not np.isnan(f)}


def parse_pairs(texts, option: str, scenario: Scenario, value) -> dict[str, object]:
    """`id=value` pairs from the command line, each id a task of the scenario."""
    out = {}
    for text in texts:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or key not in scenario.tasks:
            raise ScenarioError([Problem(option, text, None, f"expected task_id=value with a task of the scenario"
                                         f"{'' if not sep else f' (no task {key!r})'}")])
        try:
            out[key] = value(raw.strip())
        except ValueError as err:
            raise ScenarioError([Problem(option, text, None, str(err))]) from None
    return out


def percent(text: str) -> float:
    number = float(text.rstrip("%"))
    if not 0 <= number <= 100:
        raise ValueError(f"percent complete {text!r} is outside 0..100")
    return number


def from_plan(plan: Plan, scenario: Scenario) -> tuple[dict[str, dt.date], dict[str, float], dict[str, dt.date]]:
    """Done, percent complete and actual starts of the scenario's tasks in an updated plan (matched by id)."""
    done, progress, started = {}, {}, {}
    ids = task_ids(plan)
    for task in plan.tasks:
        key = ids[task.key]
        if key not in scenario.tasks:
            continue
        if task.percent_complete >= 100 and task.actual_finish is not None:
            done[key] = task.actual_finish
        else:
            progress[key] = task.percent_complete
            if task.actual_start is not None:
                started[key] = task.actual_start
    return done, progress, started


def unmentioned(scenario: Scenario, date: dt.date, mentioned: set[str]) -> list[Planned]:
    """Tasks the plan has started by `date` that are neither done already nor mentioned in the update."""
    plan = planned_dates(scenario)
    return [p for k, p in plan.items() if k not in mentioned and scenario.tasks[k].done_on is None and p.start < date]


def _scaled(estimate: ThreePoint, share: float) -> dict:
    return {p: days_text(getattr(estimate, p) * share) for p in ("low", "likely", "high")}


def what_if(loaded: LoadedScenario, output: Path, date: dt.date, done: dict[str, dt.date],
            progress: dict[str, float], started: dict[str, dt.date], assume: dict[str, str],
            origin: str) -> dict:
    """The what-if document: `extends:` the scenario, the status date with what it assumed, and progress."""
    scenario = loaded.scenario
    if date < scenario.status:
        raise ScenarioError([Problem("--date", str(date), None, f"the status date is before the scenario's own "
                                     f"({scenario.status})")])
    plan = planned_dates(scenario)
    tasks: dict[str, dict] = {}

    def mark_done(key: str, when: dt.date) -> None:
        tasks[key] = {"done_on": when, **({"remaining": None} if scenario.tasks[key].remaining else {})}

    def mark_started(key: str, share_left: float, since: dt.date | None) -> None:
        task = scenario.tasks[key]
        estimate = task.duration or task.remaining
        tasks[key] = {"remaining": _scaled(estimate, share_left), **({"started_on": since} if since else {})}

    for key, when in done.items():
        mark_done(key, when)
    for key, pct in progress.items():
        if pct >= 100:
            mark_done(key, date)
        elif pct > 0:
            mark_started(key, 1 - pct / 100, started.get(key))
    for key, choice in assume.items():
        p = plan[key]
        if choice == "as-planned" and p.finish <= date:
            mark_done(key, p.finish)
        elif choice == "as-planned":
            span = max((p.finish - p.start).days, 1)
            mark_started(key, (p.finish - date).days / span, p.start)
    by_choice = {c: sorted(k for k, v in assume.items() if v == c) for c in ASSUMPTIONS}
    said = (f"{len(done) + sum(p >= 100 for p in progress.values())} tasks done and "
            f"{sum(0 < p < 100 for p in progress.values())} in progress as given {origin}")
    assumed = "; ".join(f"{len(keys)} tasks the plan had started but the update did not mention are assumed "
                        f"{c.replace('-', ' ')}" for c, keys in by_choice.items() if keys)
    listed = "".join(f" Assumed {c.replace('-', ' ')}: {', '.join(keys)}." for c, keys in by_choice.items() if keys)
    return {
        "extends": os.path.relpath(loaded.path.resolve(), output.resolve().parent),
        "name": f"{scenario.name} at {date}",
        "description": f"Status at {date}: {said}; {assumed or 'every task the plan had started was mentioned'}."
                       + listed,
        "status_date": {"value": date, "source": f"status update: {said}",
                        "assumption": assumed or "every task the plan had started by then was mentioned"},
        "tasks": tasks,
    }


def statement(scenario: Scenario) -> str | None:
    """What a scenario's status date assumed, for the run's output."""
    if scenario.status_date is None:
        return None
    q = scenario.status_date
    said = "; ".join(x for x in (q.source, q.assumption) if x)
    return (f"status date {q.value}" + (f" ({said})" if said else "")
            + ": tasks with no done_on or remaining had not started by then")
