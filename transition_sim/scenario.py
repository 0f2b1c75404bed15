"""Load a scenario: YAML, `extends:`, `--set` overrides, schema and consistency checks."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
import yaml

from transition_sim import programme, schemapaths
from transition_sim.errors import Problem, ScenarioError, dotted
from transition_sim.schema import Scenario
from transition_sim.schemapaths import did_you_mean
from transition_sim.units import DAYS_PER_UNIT, LATEST_DATE, is_duration
from transition_sim.yamltree import Lines, load as load_yaml, parse as parse_yaml

BASELINE = "northamptonshire.yaml"
SET_ORIGIN = "--set"  # stands for the file in problems with a command-line override
# Run settings rather than facts about the world: they need no source.
MAX_EXTENDS = 20  # what-ifs extend a baseline, perhaps through one or two others
UNSOURCED_KEYS = {"name", "description", "extends", "seed", "default_distribution"}


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path
    files: tuple[tuple[str, str], ...]  # (path, sha256) of the file and everything it extends
    resolved: dict  # the merged document, as validated
    overrides: tuple[str, ...]


def models_dir() -> Path:
    """The bundled models: the installed package's copy, or the source tree's `models/`."""
    installed = Path(__file__).resolve().parent / "models"
    return installed if (installed / BASELINE).exists() else Path(__file__).resolve().parent.parent / "models"


def baseline_path() -> Path:
    return models_dir() / BASELINE


def resolve_path(path: str | Path | None) -> Path:
    """A scenario path as given or, failing that, among the bundled models (`what-if/no-pandemic.yaml`)."""
    if path is None:
        return baseline_path()
    path = Path(path)
    if path.exists():
        return path
    parts = path.parts[1:] if path.parts[:1] == ("models",) else path.parts
    bundled = models_dir().joinpath(*parts) if parts else path
    return bundled if bundled.exists() else path


def bundled_what_ifs() -> list[tuple[Path, str]]:
    """The bundled scenarios and what-ifs with their one-line descriptions."""
    out = []
    for path in sorted(models_dir().glob("*.yaml")) + sorted(models_dir().glob("what-if/*.yaml")):
        document, _ = load_yaml(path)
        description = str(document.get("description", "")) if isinstance(document, dict) else ""
        out.append((path, description.strip().split("\n")[0]))
    return out


def load(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = (),
         strict: bool = False, origin: str = SET_ORIGIN) -> LoadedScenario:
    """The validated scenario at `path` (the bundled baseline if None) with `overrides` applied.

    `origin` names the command-line option the overrides came from, in problems and provenance.
    """
    path = resolve_path(path)
    document, lines, files, originals = _read_with_extends(path, ())
    for override in overrides:
        _apply_override(document, lines, override, origin)
    problems: list[Problem] = []
    if strict:
        for original, original_lines in originals:
            problems += unsourced_numbers(original, original_lines)
    scenario = _validate_schema(document, lines, str(path), problems)
    if scenario is not None:
        problems += consistency_problems(scenario, lines, str(path))
    if problems:
        raise ScenarioError(problems)
    return LoadedScenario(scenario, path, tuple(files), document, tuple(overrides))


def _read_with_extends(path: Path, chain: tuple[Path, ...]) -> tuple[dict, Lines, list, list]:
    """The merged document, its lines, (file, sha256) of each file, and each file's own document."""
    resolved = path.resolve()
    if resolved in chain:
        names = " -> ".join(p.name for p in chain + (resolved,))
        raise ScenarioError([Problem(str(path), "extends", None, f"extends itself in a loop: {names}")])
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError([Problem(str(path), "extends", None, f"extends more than {MAX_EXTENDS} files deep")])
    document, lines = load_yaml(path)
    if document is None:
        raise ScenarioError([Problem(str(path), "", 1, "the file is empty")])
    if not isinstance(document, dict):
        raise ScenarioError([Problem(str(path), "", 1, "a scenario must be a mapping of keys to values")])
    files = [(str(path), hashlib.sha256(path.read_bytes()).hexdigest())]
    originals = [(document, lines)]
    document = copy.deepcopy(document)
    parent = document.pop("extends", None)
    if parent is None:
        return document, dict(lines), files, originals
    if not isinstance(parent, str):
        raise ScenarioError([Problem(str(path), "extends", lines[("extends",)][1],
                                     "extends must name a scenario file")])
    parent_path = path.parent / parent
    if not parent_path.is_file():
        raise ScenarioError([Problem(str(path), "extends", lines[("extends",)][1],
                                     f"extends a file that does not exist: {parent}")])
    base, base_lines, base_files, base_originals = _read_with_extends(parent_path, chain + (resolved,))
    merged = _merge(base, document)
    return merged, _merged_lines(merged, lines, base_lines), files + base_files, originals + base_originals


def _merge(base: Any, change: Any) -> Any:
    """`change` laid over `base`: mappings merge key by key, `null` removes a key."""
    if not (isinstance(base, dict) and isinstance(change, dict)):
        return change
    merged = dict(base)
    for key, value in change.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge(merged[key], value) if key in merged else value
    return merged


def _merged_lines(merged: Any, change_lines: Lines, base_lines: Lines) -> Lines:
    """Where each key path of the merged document was written: in the change if it states it, else the base.

    One walk over the merged document, so merging is linear in its size.
    """
    out: Lines = {}
    stack: list[tuple[tuple, Any]] = [((), merged)]
    while stack:
        path, node = stack.pop()
        where = change_lines.get(path) or base_lines.get(path)
        if where is not None:
            out[path] = where
        if isinstance(node, dict):
            stack.extend((path + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((path + (i,), v) for i, v in enumerate(node))
    return out


def parse_override(text: str, origin: str = SET_ORIGIN) -> tuple[tuple[str, ...], str]:
    """`key.path=value` as (path, value); the value stays text for the schema to type."""
    key, sep, value = text.partition("=")
    parts = tuple(key.strip().split("."))
    if not sep or not key.strip() or any(not p for p in parts):
        raise ScenarioError([Problem(origin, text, None, "expected key.path=value, such as capacities.hr=3")])
    return parts, value.strip()


def _apply_override(document: dict, lines: Lines, text: str, origin: str) -> None:
    """Set one value; every key on the path must exist already or be a field the schema declares there."""
    parts, value = parse_override(text, origin)
    node = document
    for depth, part in enumerate(parts):
        here = parts[:depth]
        if not isinstance(node, dict):
            raise ScenarioError([Problem(origin, dotted(parts), None,
                                         f"{dotted(here)!r} holds a single value, not keys")])
        allowed = schemapaths.fields_at(here)
        if part not in node and part not in allowed:
            known = sorted(set(node) | set(allowed))
            listed = f" (keys here: {', '.join(known)})" if 0 < len(known) <= 30 else ""
            raise ScenarioError([Problem(origin, dotted(parts), None,
                                         f"unknown key {part!r}" + (f" under {dotted(here)}" if here else "")
                                         + schemapaths.did_you_mean(part, known) + listed)])
        if depth < len(parts) - 1:
            node = node.setdefault(part, {})
    leaf = parts[-1]
    value = _override_value(value, origin, dotted(parts))
    if isinstance(node.get(leaf), dict) and "value" in node[leaf] and not isinstance(value, dict):
        node[leaf] = {"value": value, "assumption": f"set on the command line with {origin}"}  # keep it sourced
    else:
        node[leaf] = value
    for key in [k for k in lines if k[:len(parts)] == parts]:
        del lines[key]
    lines[parts] = (origin, None)


def _override_value(text: str, origin: str, where: str) -> Any:
    """A list or mapping written in YAML flow style (`[a, b]`), or else the text; the schema types the scalars."""
    if not text.startswith(("[", "{")):
        return text
    try:
        value, _ = parse_yaml(text, origin, as_text=True)
    except ScenarioError as err:
        raise ScenarioError([Problem(origin, where, None, p.message) for p in err.problems]) from None
    return value


def unsourced_numbers(document: dict, lines: Lines) -> list[Problem]:
    """Every number, date or duration in one file with no `source:` or `assumption:` above it in that file."""
    problems: list[Problem] = []

    def walk(node: Any, path: tuple, covered: bool) -> None:
        if isinstance(node, dict):
            covered = covered or bool(path and any(node.get(k) for k in ("source", "assumption")))
            for key, value in node.items():
                if key not in ("source", "assumption") and (path or key not in UNSOURCED_KEYS):
                    walk(value, path + (key,), covered)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, path + (i,), covered)
        elif _is_number(node) and not covered:
            file, line = lines.get(path, ("?", None))
            problems.append(Problem(file, dotted(path), line, f"{node} has neither a source: nor an assumption:"))

    walk(document, (), False)
    return problems


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float, dt.date)) and not isinstance(value, bool)) or is_duration(value)


def _line_of(lines: Lines, loc: tuple, default_file: str) -> tuple[str, int | None]:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return default_file, None


def _validate_schema(document: dict, lines: Lines, file: str, problems: list[Problem]) -> Scenario | None:
    try:
        return Scenario.model_validate(document)
    except pydantic.ValidationError as err:
        for error in err.errors():
            loc = tuple(str(p) for p in error["loc"] if not _is_wrapper_loc(p))
            problems.append(_schema_problem(error, loc, lines, file))
        return None


def _is_wrapper_loc(part: Any) -> bool:
    # pydantic names the union branch or the before-validator in some locations
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _schema_problem(error: dict, loc: tuple, lines: Lines, file: str) -> Problem:
    where_file, line = _line_of(lines, loc, file)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}" + schemapaths.did_you_mean(loc[-1], schemapaths.fields_at(loc[:-1]))
    elif kind == "missing":
        message = "required key is missing"
    else:
        message = error["msg"].removeprefix("Value error, ")
        if kind not in ("value_error",) and not isinstance(error.get("input"), (dict, list)):
            message += f" (got {error.get('input')!r})"
    return Problem(where_file, dotted(loc), line, message)


def consistency_problems(scenario: Scenario, lines: Lines, file: str) -> list[Problem]:
    """Cross-references, dependency cycles, dates and windows in order."""
    problems: list[Problem] = []

    def add(loc: tuple, message: str) -> None:
        where, line = _line_of(lines, loc, file)
        problems.append(Problem(where, dotted(loc), line, message))

    start, status = scenario.start.value, scenario.status
    if scenario.planned_go_live.value <= start:
        add(("planned_go_live",), f"planned go-live {scenario.planned_go_live.value} is not after the start {start}")
    if scenario.vesting_day.value <= start:
        add(("vesting_day",), f"vesting day {scenario.vesting_day.value} is not after the start {start}")
    if status < start:
        add(("status_date",), f"status date {status} is before the start {start}")
    for key, window in scenario.closed_windows.items():
        if window.end <= window.start:
            add(("closed_windows", key), f"window is {'empty' if window.end == window.start else 'inverted'}: "
                f"{window.start} to {window.end}")
    for key in scenario.go_live.consultation_tasks:
        if key not in scenario.tasks:
            add(("go_live", "consultation_tasks"), f"unknown task {key!r}" + did_you_mean(key, scenario.tasks))
    _check_used(scenario, add)
    _check_bounds(scenario, add)
    for key, task in scenario.tasks.items():
        for pred in task.predecessors:
            if pred not in scenario.tasks:
                add(("tasks", key, "predecessors"), f"unknown predecessor {pred!r}"
                    + did_you_mean(pred, scenario.tasks))
        for cap, amount in task.needs.items():
            if cap not in scenario.capacities:
                add(("tasks", key, "needs", cap), f"unknown capacity {cap!r}" + did_you_mean(cap, scenario.capacities)
                    + f" (known: {', '.join(scenario.capacities)})")
            elif amount > scenario.capacities[cap].value:
                add(("tasks", key, "needs", cap),
                    f"needs {amount} {cap} but the capacity is {scenario.capacities[cap].value}")
        for item in task.requires_scope:
            if item not in scenario.scope:
                add(("tasks", key, "requires_scope", item), f"unknown scope item {item!r}"
                    + did_you_mean(item, scenario.scope))
        for field in ("done_on", "started_on"):
            day = getattr(task, field)
            if day is not None and not start <= day <= status:
                add(("tasks", key, field), f"{field} {day} is outside start {start} .. status date {status}")
        if task.done_on is None and task.remaining is None and task.started_on is not None:
            add(("tasks", key, "started_on"), "a started task needs remaining: (its work left at the status date)")
    for key, risk in scenario.risks.items():
        if risk.window.end <= risk.window.start:
            add(("risks", key, "window"), f"window is {'empty' if risk.window.end == risk.window.start else 'inverted'}: "
                f"{risk.window.start} to {risk.window.end}")
        for task in risk.delays:
            if task not in scenario.tasks:
                add(("risks", key, "delays", task), f"unknown task {task!r}" + did_you_mean(task, scenario.tasks))
    if not any(t.programme == "trust" for t in scenario.tasks.values()):
        add(("tasks",), "no trust-programme task: nothing sets readiness")
    _check_money(scenario, add)
    cycle = programme.find_cycle(scenario)
    if cycle:
        add(("tasks", cycle[0], "predecessors"), "dependency cycle: " + " -> ".join(cycle + [cycle[0]]))
    return problems


def _check_used(scenario: Scenario, add) -> None:
    """A scope decision or capacity nothing refers to, named like one that is referred to, is a typo."""
    scope_used = {item for t in scenario.tasks.values() for item in t.requires_scope}
    scope_used |= {s.scope for s in scenario.services.values()} - {"in", "out"}
    needed = {cap for t in scenario.tasks.values() for cap in t.needs}
    for kind, defined, used in (("scope", scenario.scope, scope_used), ("capacities", scenario.capacities, needed)):
        for key in defined:
            suggestion = did_you_mean(key, used) if key not in used else ""
            if suggestion:
                what = "scope item" if kind == "scope" else "capacity"
                add((kind, key), f"nothing refers to {what} {key!r}{suggestion}")


def _check_bounds(scenario: Scenario, add) -> None:
    """Dates before LATEST_DATE, and a programme that cannot run past it even if everything goes wrong.

    The bound adds up every task's longest duration, every pause and every delay: tasks that wait for
    each other or for capacity can at worst take all of that in a row.
    """
    dated = [(("start",), scenario.start.value), (("planned_go_live",), scenario.planned_go_live.value),
             (("vesting_day",), scenario.vesting_day.value)]
    dated += [(("closed_windows", k, "end"), w.end) for k, w in scenario.closed_windows.items()]
    dated += [(("tasks", k, "not_before"), t.not_before) for k, t in scenario.tasks.items() if t.not_before]
    dated += [(("risks", k, "window", "end"), r.window.end) for k, r in scenario.risks.items()]
    if scenario.finance is not None:
        dated.append((("finance", "horizon"), scenario.finance.horizon.value))
    for loc, day in dated:
        if day > LATEST_DATE:
            add(loc, f"{day} is after {LATEST_DATE}, the latest date the model handles")
    spans = [(("tasks", k, "duration" if t.remaining is None else "remaining"), (t.remaining or t.duration).high)
             for k, t in scenario.tasks.items() if t.done_on is None]
    spans += [(("risks", k, "pause"), r.pause.high) for k, r in scenario.risks.items() if r.pause is not None]
    spans += [(("risks", k, "delays", t), d.high) for k, r in scenario.risks.items() for t, d in r.delays.items()]
    notices = scenario.go_live.go_no_go_notice.value + scenario.go_live.eli_notice.value
    latest_loc, latest_start = max([(("status_date",), scenario.status)] + dated, key=lambda d: d[1])
    worst = sum(days for _, days in spans) + notices
    if (LATEST_DATE - latest_start).days < worst:
        if worst < DAYS_PER_UNIT["y"]:
            add(latest_loc, f"{latest_start} leaves too little time before {LATEST_DATE}, the latest date the "
                f"model handles, for the programme to finish ({worst:,.0f} days at the longest)")
            return
        loc, days = max(spans, key=lambda s: s[1]) if spans else (("go_live",), notices)
        add(loc, f"the programme could run past {LATEST_DATE}: its durations, pauses and delays add up to "
            f"{worst / DAYS_PER_UNIT['y']:,.0f} years at their longest (this one {days / DAYS_PER_UNIT['y']:,.0f})")


def _check_money(scenario: Scenario, add) -> None:
    """Services and finance: scopes known, budgets adding up to their sourced totals, tasks that exist."""
    for key, service in scenario.services.items():
        if service.scope not in ("in", "out") and service.scope not in scenario.scope:
            add(("services", key, "scope"), f"scope must be in, out or a scope decision ({', '.join(scenario.scope)}), "
                f"not {service.scope!r}")
        staff_cost = sum(g.cost for g in service.staff.values())
        if staff_cost > service.budget:
            add(("services", key, "staff"), f"staff cost £{staff_cost / 1e6:.2f}m exceeds the budget "
                f"£{service.budget / 1e6:.2f}m")
    fin = scenario.finance
    if fin is None:
        return
    if not scenario.services:
        add(("services",), "finance needs the services and their budgets")
        return
    total = sum(s.budget for s in scenario.services.values())
    expected = fin.budget_excluding_schools.value
    if abs(total - expected) > 0.05e6:
        add(("services",), f"service budgets add up to £{total / 1e6:.2f}m, not the "
            f"finance.budget_excluding_schools of £{expected / 1e6:.2f}m")
    in_scope = sum(s.budget for s in scenario.services.values() if s.scope == "in")
    share = fin.in_scope_share.value
    if abs(in_scope / expected - share) > 0.005:
        add(("services",), f"services in scope add up to {in_scope / expected:.1%} of the budget, not the "
            f"finance.in_scope_share of {share:.0%}")
    named = [(("finance", "setup_costs", k, "paid_when"), c.paid_when) for k, c in fin.setup_costs.items()]
    named += [(("finance", "shadow_from_task"), fin.shadow_from_task), (("finance", "dfe_paid_when"), fin.dfe_paid_when)]
    for loc, task in named:
        if task not in scenario.tasks:
            add(loc, f"unknown task {task!r}")
    if fin.horizon.value <= scenario.start.value:
        add(("finance", "horizon"), f"horizon {fin.horizon.value} is not after the start {scenario.start.value}")


def resolved_yaml(loaded: LoadedScenario) -> str:
    return yaml.safe_dump(loaded.resolved, sort_keys=False, allow_unicode=True)
