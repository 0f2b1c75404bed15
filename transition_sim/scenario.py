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

from transition_sim import programme
from transition_sim.errors import Problem, ScenarioError, dotted
from transition_sim.lookahead import lookahead_problems
from transition_sim.schema import Scenario
from transition_sim.units import is_duration
from transition_sim.yamltree import Lines, load as load_yaml

BASELINE = "northamptonshire.yaml"
SET_ORIGIN = "--set"  # stands for the file in problems with a command-line override
# Run settings rather than facts about the world: they need no source.
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
        if strict:
            problems += lookahead_problems(document, lines, scenario.status, str(path))
    if problems:
        raise ScenarioError(problems)
    return LoadedScenario(scenario, path, tuple(files), document, tuple(overrides))


def _read_with_extends(path: Path, chain: tuple[Path, ...]) -> tuple[dict, Lines, list, list]:
    """The merged document, its lines, (file, sha256) of each file, and each file's own document."""
    resolved = path.resolve()
    if resolved in chain:
        names = " -> ".join(p.name for p in chain + (resolved,))
        raise ScenarioError([Problem(str(path), "extends", None, f"extends itself in a loop: {names}")])
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
    if not parent_path.exists():
        raise ScenarioError([Problem(str(path), "extends", lines[("extends",)][1],
                                     f"extends a file that does not exist: {parent}")])
    base, merged_lines, base_files, base_originals = _read_with_extends(parent_path, chain + (resolved,))
    merged = _merge(base, document, (), lines, merged_lines)
    return merged, merged_lines, files + base_files, originals + base_originals


def _merge(base: Any, change: Any, path: tuple, change_lines: Lines, lines: Lines) -> Any:
    """`change` laid over `base`: mappings merge key by key, `null` removes a key."""
    if not (isinstance(base, dict) and isinstance(change, dict)):
        for key in [k for k in lines if k[:len(path)] == path and len(k) > len(path)]:
            del lines[key]
        lines.update({k: v for k, v in change_lines.items() if k[:len(path)] == path})
        return copy.deepcopy(change)
    merged = dict(base)
    for key, value in change.items():
        if value is None:
            merged.pop(key, None)
        elif key in merged:
            merged[key] = _merge(merged[key], value, path + (key,), change_lines, lines)
        else:
            merged[key] = copy.deepcopy(value)
            lines.update({k: v for k, v in change_lines.items() if k[:len(path) + 1] == path + (key,)})
    return merged


def parse_override(text: str, origin: str = SET_ORIGIN) -> tuple[tuple[str, ...], str]:
    """`key.path=value` as (path, value); the value stays text for the schema to type."""
    key, sep, value = text.partition("=")
    parts = tuple(key.strip().split("."))
    if not sep or not key.strip() or any(not p for p in parts):
        raise ScenarioError([Problem(origin, text, None, "expected key.path=value, such as capacities.hr=3")])
    return parts, value.strip()


def _apply_override(document: dict, lines: Lines, text: str, origin: str) -> None:
    parts, value = parse_override(text, origin)
    node = document
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            known = ", ".join(sorted(node)) if isinstance(node, dict) else ""
            raise ScenarioError([Problem(origin, dotted(parts), None,
                                         f"no key {dotted(parts[:depth + 1])!r} in the scenario"
                                         + (f" (keys here: {known})" if known else ""))])
        node = child
    leaf = parts[-1]
    if isinstance(node.get(leaf), dict) and "value" in node[leaf]:
        node[leaf] = {"value": value, "assumption": f"set on the command line with {origin}"}  # keep it sourced
    else:
        node[leaf] = value
    for key in [k for k in lines if k[:len(parts)] == parts]:
        del lines[key]
    lines[parts] = (origin, None)


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
        message = f"unknown key {loc[-1]!r}"
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
            add(("go_live", "consultation_tasks"), f"unknown task {key!r}")
    for key, task in scenario.tasks.items():
        for pred in task.predecessors:
            if pred not in scenario.tasks:
                add(("tasks", key, "predecessors"), f"unknown predecessor {pred!r}")
        for cap, amount in task.needs.items():
            if cap not in scenario.capacities:
                add(("tasks", key, "needs", cap), f"unknown capacity {cap!r} (known: {', '.join(scenario.capacities)})")
            elif amount > scenario.capacities[cap].value:
                add(("tasks", key, "needs", cap),
                    f"needs {amount} {cap} but the capacity is {scenario.capacities[cap].value}")
        for item in task.requires_scope:
            if item not in scenario.scope:
                add(("tasks", key, "requires_scope", item), f"unknown scope item {item!r}")
        for field in ("done_on", "started_on"):
            day = getattr(task, field)
            if day is not None and not start <= day <= status:
                add(("tasks", key, field), f"{field} {day} is outside start {start} .. status date {status}")
        if task.done_on is None and task.remaining is None and task.started_on is not None:
            add(("tasks", key, "started_on"), "a started task needs remaining: (its work left at the status date)")
    for key, risk in scenario.risks.items():
        if risk.window is not None and risk.window.end <= risk.window.start:
            add(("risks", key, "window"), f"window is {'empty' if risk.window.end == risk.window.start else 'inverted'}: "
                f"{risk.window.start} to {risk.window.end}")
        for task in risk.delays:
            if task not in scenario.tasks:
                add(("risks", key, "delays", task), f"unknown task {task!r}")
    actual = scenario.actuals.go_live if scenario.actuals is not None else None
    if actual is not None and not start < actual.value <= status:
        add(("actuals", "go_live"), f"an actual go-live must fall after the start {start} and by the status date "
            f"{status} (a later date is a forecast, not an actual), not {actual.value}")
    if not any(t.programme == "trust" for t in scenario.tasks.values()):
        add(("tasks",), "no trust-programme task: nothing sets readiness")
    _check_money(scenario, add)
    cycle = programme.find_cycle(scenario)
    if cycle:
        add(("tasks", cycle[0], "predecessors"), "dependency cycle: " + " -> ".join(cycle + [cycle[0]]))
    return problems


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
