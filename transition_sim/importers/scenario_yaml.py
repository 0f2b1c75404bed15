"""A neutral plan as a scenario in this project's language, with a `todo` list of what the plan does not say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from transition_sim.importers.plan import Plan, PlanTask, unique_ids

DEFAULT_RANGE = (0.9, 1.0, 1.5)
ELI_SOURCE = "TUPE Regulations 2006, reg. 11 (employee liability information at least 28 days before the transfer)"
ELI_PUBLISHED = dt.date(2006, 2, 6)  # SI 2006/246, made on this day


def known_on(plan: Plan) -> dt.date:
    """The `published:` date of what the plan file says: the file is the plan as it stood at its status date."""
    return plan.status or plan.start


def eli_notice(known: dt.date) -> dict:
    """TUPE's 28-day notice, sourced; assumed for a plan older than the regulations (no look-ahead)."""
    if known >= ELI_PUBLISHED:
        return {"value": "28d", "source": ELI_SOURCE, "published": ELI_PUBLISHED}
    return {"value": "28d", "assumption": f"today's rule, {ELI_SOURCE}; the plan predates these regulations "
                                          f"(made {ELI_PUBLISHED})"}


def days_text(days: float) -> str:
    """`2.5d`: days written for the scenario language, to the thousandth of a day."""
    return f"{round(days, 3) + 0.0:.3f}".rstrip("0").rstrip(".") + "d"


def three_point(likely: float, rule: tuple[float, float, float], given=None) -> dict:
    low, mid, high = given if given is not None else (likely * rule[0], likely * rule[1], likely * rule[2])
    return {"low": days_text(low), "likely": days_text(mid), "high": days_text(high)}


def task_ids(plan: Plan) -> dict[str, str]:
    """Plan key -> scenario task id: the list's own id, or one made from the name."""
    own = {t.key: t.ident for t in plan.tasks if t.ident}
    made = unique_ids([(t.key, t.name) for t in plan.tasks if not t.ident], "task")
    return {**made, **own}


def _task(plan: Plan, task: PlanTask, ids: dict[str, str], rule, rule_text: str) -> dict:
    out = {"name": task.name, "workstream": task.workstream,
           "duration": three_point(task.duration_days, rule, task.estimate),
           "source": f"{Path(plan.file).name}, {task.where.item}", "published": known_on(plan)}
    if task.estimate is None and task.duration_days:
        out["assumption"] = rule_text
    if task.links:
        out["predecessors"] = [ids[link.task] if (link.type, link.lag_days) == ("FS", 0)
                               else {"task": ids[link.task], "type": link.type,
                                     **({"lag": days_text(link.lag_days)} if link.lag_days else {})}
                               for link in task.links]
    if task.needs:
        out["needs"] = dict(task.needs)
    if task.not_before is not None:
        out["not_before"] = task.not_before
    if task.percent_complete >= 100 and task.actual_finish is not None:
        out["done_on"] = task.actual_finish
    elif task.percent_complete > 0 and task.actual_start is not None:
        out["started_on"] = task.actual_start
        remaining = task.remaining_days if task.remaining_days is not None else \
            task.duration_days * (1 - task.percent_complete / 100)
        out["remaining"] = three_point(remaining, rule)
    return out


def build(plan: Plan, rule: tuple[float, float, float] = DEFAULT_RANGE) -> dict:
    """The scenario document (plain values, ready for YAML)."""
    ids = task_ids(plan)
    name = Path(plan.file).name
    rule_text = (f"low, likely and high are {rule[0]:g}, {rule[1]:g} and {rule[2]:g} times the planned duration "
                 "(the import rule, --range)")
    tasks = {ids[t.key]: _task(plan, t, ids, rule, rule_text) for t in plan.tasks}
    go_live = max(plan.finish or plan.start, plan.start + dt.timedelta(days=1))
    vesting = go_live + dt.timedelta(days=365)
    last = ids[plan.tasks[-1].key]
    todo = [
        "Durations are the plan's working days written as calendar days (the engine has no working calendars "
        "yet): a 5-day task takes 5 calendar days, not a working week.",
        f"planned_go_live is a placeholder, the plan's finish {go_live}: the plan does not say when the service "
        "is to go live.",
        f"The organisations are placeholders: one predecessor council and one successor council vesting "
        f"a year after go-live ({vesting}), the service moving to a trust 'provider'. Name the real councils, their "
        "dates, populations and children in care, and the delivery model.",
        f"The go-live rule is a placeholder: a go/no-go notice of 0 days, and the task {last!r} (the last in the "
        "file) standing for the end of TUPE consultation. Name the real consultation tasks.",
        "Every task is in the programme 'plan', which sets readiness: give the reorganisation's tasks a programme "
        "of their own (programmes: with paused_by_risks: false where vesting day is fixed by law).",
        f"Three-point estimates: {rule_text}, except where the file gave low and high." if any(
            t.estimate for t in plan.tasks) else f"Three-point estimates: {rule_text}.",
        "No risks, closed windows, scope decisions or finance: the plan does not hold them." if not plan.risks
        else "No closed windows, scope decisions or finance: the plan does not hold them.",
    ]
    if plan.risks:
        todo.append(f"Each risk's window is the whole plan, {plan.start} to {go_live}, and its impact a delay of "
                    f"{rule_text.split(' (')[0].replace('planned duration', 'impact')}.")
    todo += plan.notes
    document = {
        "name": plan.name,
        "description": f"Imported from {name} ({plan.kind}) by transition-sim import. Settle the todo list, "
                       "then delete it.",
        "todo": todo,
        "start": {"value": plan.start, "source": f"{name}: the plan's start", "published": known_on(plan)},
    }
    if plan.status is not None:
        document["status_date"] = {"value": plan.status, "source": f"{name}: the plan's status date",
                                   "published": known_on(plan)}
    document.update({
        "planned_go_live": {"value": go_live, "assumption": "TODO: a placeholder, the plan's finish"},
        "councils": {
            "predecessor_council": {"name": "TODO: the predecessor council", "role": "predecessor"},
            "successor_council": {"name": "TODO: the successor council", "role": "successor",
                        "from": {"value": vesting, "assumption": "TODO: a placeholder, a year after the planned go-live"}},
        },
        "providers": {"provider": {"name": "TODO: the provider", "owners": ["predecessor_council", "successor_council"]}},
        "delivery": {"model": "trust", "provider": "provider"},
        "programmes": {"plan": {"name": f"{plan.name} (imported)", "delivers": ["trust"]}},
        "go_live": {"programme": "plan", "go_no_go_notice": {"value": "0d", "assumption": "TODO: the plan does not say"},
                    "eli_notice": eli_notice(known_on(plan)),
                    "consultation_tasks": [last]},
    })
    if plan.capacities:
        document["capacities"] = {key: {"value": posts, "source": where, "published": known_on(plan)}
                                  for key, (posts, where) in plan.capacities.items()}
    document["tasks"] = tasks
    if plan.risks:
        document["risks"] = {r.key: {"name": r.name, "probability": r.probability,
                                     "window": {"start": plan.start, "end": go_live},
                                     "delays": {ids[k]: three_point(r.impact_days, rule) for k in r.tasks},
                                     "source": f"{name}, {r.where.item}", "published": known_on(plan),
                                     "assumption": rule_text}
                             for r in plan.risks}
    return document


def render(document: dict) -> str:
    header = ("# A scenario imported by `transition-sim import`. Work through `todo:` (what the plan does\n"
              "# not say), then delete it; `transition-sim validate` checks the file.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
