"""Load a scenario: YAML, `extends:`, `--set` overrides, schema and consistency checks."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from transition_sim import programme, schemapaths
from transition_sim.errors import Problem, ScenarioError, dotted
from transition_sim.gcpause import without_gc
from transition_sim.lookahead import lookahead_problems
from transition_sim.schema import Scenario
from transition_sim.schemapaths import did_you_mean
from transition_sim.units import DAYS_PER_UNIT, LATEST_DATE, financial_year, fy_start_year, fy_start_year_of, is_duration
from transition_sim.yamltree import Lines, dump as dump_yaml, load as load_yaml, parse as parse_yaml

BASELINE = "northamptonshire.yaml"
SET_ORIGIN = "--set"  # stands for the file in problems with a command-line override
# Run settings rather than facts about the world: they need no source.
MAX_EXTENDS = 20  # what-ifs extend a baseline, perhaps through one or two others
UNSOURCED_KEYS = {"name", "description", "todo", "extends", "seed", "default_distribution"}


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path
    files: tuple[tuple[str, str], ...]  # (path, sha256) of the file and everything it extends
    resolved: dict  # the merged document, as validated
    overrides: tuple[str, ...]
    as_written: bool = False  # the file extends nothing and nothing changed it: `resolved` is its own document

    def unchanged(self) -> bool:
        """Whether every file read still holds what was read (a file gone or unreadable has changed)."""
        return all(_bytes_if_unchanged(file, digest) is not None for file, digest in self.files)


def _bytes_if_unchanged(path: str, digest: str) -> bytes | None:
    """The file's bytes if their sha256 is `digest`, else None (None too if it cannot be read)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == digest else None


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


@without_gc
def load(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = (),
         strict: bool = False, origin: str = SET_ORIGIN) -> LoadedScenario:
    """The validated scenario at `path` (the bundled baseline if None) with `overrides` applied.

    `origin` names the command-line option the overrides came from, in problems and provenance.
    """
    path = resolve_path(path)
    document, lines, files, originals = _read_with_extends(path, ())
    for override in overrides:
        _apply_override(document, lines, override, origin)
    expand_per_successor(document, lines)
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
    as_written = len(files) == 1 and not overrides and document == originals[0][0]
    return LoadedScenario(scenario, path, tuple(files), document, tuple(overrides), as_written)


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
    document = _copied(document)
    parents = document.pop("extends", None)
    if parents is None:
        return document, dict(lines), files, originals
    # several parents (an area and a delivery-model template) are laid over each other in order
    parents = parents if isinstance(parents, list) else [parents]
    if not parents or not all(isinstance(p, str) for p in parents):
        raise ScenarioError([Problem(str(path), "extends", lines[("extends",)][1],
                                     "extends must name a scenario file (or a list of them)")])
    base, base_lines = None, {}
    for parent in parents:
        parent_path = path.parent / parent
        if not parent_path.is_file():
            raise ScenarioError([Problem(str(path), "extends", lines[("extends",)][1],
                                         f"extends a file that does not exist: {parent}")])
        layer, layer_lines, layer_files, layer_originals = _read_with_extends(parent_path, chain + (resolved,))
        if base is None:
            base, base_lines = layer, layer_lines
        else:
            base = _merge(base, layer)
            base_lines = _merged_lines(base, layer_lines, base_lines)
        files, originals = files + layer_files, originals + layer_originals
    merged = _merge(base, document)
    return merged, _merged_lines(merged, lines, base_lines), files, originals


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


def _copied(value: Any) -> Any:
    """A copy of a document as yamltree builds it (dicts and lists, none shared, of immutable scalars):
    what copy.deepcopy gives, several times faster."""
    if type(value) is dict:
        return {k: _copied(v) for k, v in value.items()}
    if type(value) is list:
        return [_copied(v) for v in value]
    return value


def expand_per_successor(document: dict, lines: Lines) -> None:
    """Tasks with `for_each: successor` become one task per successor council, `<task>_<council>`.

    A copy's predecessors that are themselves per-successor tasks become the same council's copy;
    any other reference to such a task (a predecessor, a consultation task, a risk's delay, a
    payment) stands for all of its copies.
    """
    tasks, councils = document.get("tasks"), document.get("councils")
    if not isinstance(tasks, dict) or not isinstance(councils, dict):
        return
    templates = [k for k, t in tasks.items() if isinstance(t, dict) and t.get("for_each") == "successor"]
    if not templates:
        return
    successors = [k for k, c in councils.items() if isinstance(c, dict) and c.get("role") == "successor"]
    copies = {key: [f"{key}_{council}" for council in successors] for key in templates}

    def expand(names: Any, council: str | None = None) -> Any:
        if not isinstance(names, list):
            return names
        out = []
        for item in names:
            link = item if isinstance(item, dict) else None  # a typed link {task: ..., type: ..., lag: ...}
            name = link.get("task") if link is not None else item
            if isinstance(name, str) and name in copies:
                targets = [f"{name}_{council}"] if council is not None else copies[name]
                out += [{**link, "task": t} for t in targets] if link is not None else targets
            else:
                out.append(item)
        return out

    new_tasks = {}
    for key, task in tasks.items():
        if key not in copies:
            new_tasks[key] = {**task, "predecessors": expand(task.get("predecessors"))} \
                if isinstance(task, dict) and "predecessors" in task else task
            continue
        for council, copy_key in zip(successors, copies[key]):
            name = councils[council].get("name", council)
            body = {k: v for k, v in task.items() if k != "for_each"}
            body["name"] = f"{task.get('name', key)} ({name})"
            if "predecessors" in body:
                body["predecessors"] = expand(body["predecessors"], council)
            new_tasks[copy_key] = body
            for path in [p for p in list(lines) if p[:2] == ("tasks", key)]:
                lines[("tasks", copy_key) + path[2:]] = lines[path]
    document["tasks"] = new_tasks
    go_live = document.get("go_live")
    if isinstance(go_live, dict) and "consultation_tasks" in go_live:
        go_live["consultation_tasks"] = expand(go_live["consultation_tasks"])
    for risk in (document.get("risks") or {}).values():
        if isinstance(risk, dict) and isinstance(risk.get("delays"), dict):
            risk["delays"] = {new: d for k, d in risk["delays"].items() for new in copies.get(k, [k])}


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
            if pred.task not in scenario.tasks:
                add(("tasks", key, "predecessors"), f"unknown predecessor {pred.task!r}"
                    + did_you_mean(pred.task, scenario.tasks))
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
        if risk.window is not None and risk.window.end <= risk.window.start:
            add(("risks", key, "window"), f"window is {'empty' if risk.window.end == risk.window.start else 'inverted'}: "
                f"{risk.window.start} to {risk.window.end}")
        for task in risk.delays:
            if task not in scenario.tasks:
                add(("risks", key, "delays", task), f"unknown task {task!r}" + did_you_mean(task, scenario.tasks))
    _check_correlations(scenario, add)
    _check_calendars(scenario, add)
    for key, fallback in scenario.fallbacks.items():
        for task in [fallback.task] + fallback.tasks:
            if task not in scenario.tasks:
                add(("fallbacks", key), f"unknown task {task!r}" + did_you_mean(task, scenario.tasks))
        for task in fallback.tasks:
            if task == fallback.task:
                add(("fallbacks", key, "tasks"), f"{task!r} cannot be both the condition and a fallback task")
            elif sum(task in f.tasks for f in scenario.fallbacks.values()) > 1:
                add(("fallbacks", key, "tasks"), f"{task!r} is in more than one fallback")
    actual = scenario.actuals.go_live if scenario.actuals is not None else None
    if actual is not None and not start < actual.value <= status:
        add(("actuals", "go_live"), f"an actual go-live must fall after the start {start} and by the status date "
            f"{status} (a later date is a forecast, not an actual), not {actual.value}")
    for label in (scenario.actuals.outturn if scenario.actuals is not None else {}):
        if dt.date(int(label[:4]) + 1, 3, 31) > status:
            add(("actuals", "outturn", label), f"the year {label} has not ended by the status date {status}: "
                "its outturn is not yet an actual")
    _check_programmes(scenario, add)
    _check_organisations(scenario, add)
    _check_money(scenario, add)
    cycle = programme.find_cycle(scenario)
    if cycle:
        add(("tasks", cycle[0], "predecessors"), "dependency cycle: " + " -> ".join(cycle + [cycle[0]]))
    return problems


def _check_programmes(scenario: Scenario, add) -> None:
    """Tasks name known programmes; the go-live programme exists, has tasks and supports the delivery model."""
    ready = scenario.go_live.programme
    for key, task in scenario.tasks.items():
        if task.programme is not None and task.programme not in scenario.programmes:
            add(("tasks", key, "programme"), f"unknown programme {task.programme!r} "
                f"(known: {', '.join(scenario.programmes)})")
    if ready not in scenario.programmes:
        add(("go_live", "programme"), f"unknown programme {ready!r} (known: {', '.join(scenario.programmes)})")
        return
    if not any(scenario.programme_of(t) == ready for t in scenario.tasks.values()):
        add(("tasks",), f"no task in the go-live programme {ready!r}: nothing sets readiness")
    supported = scenario.programmes[ready].delivers
    if scenario.delivery.model not in supported:
        add(("delivery", "model"), f"the tasks of programme {ready!r} do not set up a {scenario.delivery.model!r} "
            f"service (it delivers: {', '.join(supported) or 'nothing listed'}); extend that model's template")


def _check_organisations(scenario: Scenario, add) -> None:
    """Councils' roles and dates, the vesting day they imply, providers, the delivery model's councils."""
    start = scenario.start.value
    predecessors, successors = scenario.predecessors, scenario.successors
    if not predecessors:
        add(("councils",), "no predecessor council: who runs the service before the reorganisation?")
    if not successors:
        add(("councils",), "no successor council: who runs the service after the reorganisation?")
    for key, council in successors.items():
        if council.from_ is None:
            add(("councils", key), "a successor council needs from: (its vesting day)")
    dated = {k: c.from_.value for k, c in successors.items() if c.from_ is not None}
    if not dated:
        return
    vesting = min(dated.values())
    if vesting <= start:
        add(("councils", min(dated, key=dated.get), "from"), f"vesting day {vesting} is not after the start {start}")
    if len(set(dated.values())) > 1 and not scenario.allow_staggered_vesting:
        add(("councils", max(dated, key=dated.get), "from"),
            "successors vest on different days (" + ", ".join(f"{k} {d}" for k, d in dated.items())
            + "); one structural changes order sets one vesting day (allow_staggered_vesting: true if not)")
    for key, council in predecessors.items():
        if council.until is not None and council.until.value >= vesting:
            add(("councils", key, "until"), f"the predecessor's last day {council.until.value} overlaps its "
                f"successors, who start on {vesting}")
    for key, provider in scenario.providers.items():
        for i, owner in enumerate(provider.owners):
            if owner not in scenario.councils:
                add(("providers", key, "owners", i), f"unknown council {owner!r}")
    d = scenario.delivery
    if d.model == "trust":
        if d.provider is None:
            add(("delivery",), "a trust needs provider: (a key of providers)")
        elif d.provider not in scenario.providers:
            add(("delivery", "provider"), f"unknown provider {d.provider!r} (known: {', '.join(scenario.providers)})")
    if d.model in ("lead_authority", "shared_service"):
        if d.host is None:
            add(("delivery",), f"a {d.model} needs host: (the successor council that hosts the service)")
        elif d.host not in successors:
            add(("delivery", "host"), f"the host {d.host!r} is not a successor council ({', '.join(successors)})")
    for i, key in enumerate(d.in_house):
        if key not in successors:
            add(("delivery", "in_house", i), f"{key!r} is not a successor council ({', '.join(successors)})")
    if d.model == "disaggregate" and d.in_house:
        add(("delivery", "in_house"), "under disaggregate every successor runs its own service already")
    if d.recharge_overhead is not None and d.model != "lead_authority":
        add(("delivery", "recharge_overhead"), "a recharge overhead belongs to the lead_authority model")

    def council(loc: tuple, key: str | None) -> None:
        if key is not None and key not in scenario.councils:
            add(loc, f"unknown council {key!r} (known: {', '.join(scenario.councils)})")

    def task(loc: tuple, key: str | None) -> None:
        if key is not None and key not in scenario.tasks:
            add(loc, f"unknown task {key!r}")

    for key, item in d.cost_items.items():
        task(("delivery", "cost_items", key, "paid_when"), item.paid_when)
        council(("delivery", "cost_items", key, "paid_by"), item.paid_by)
    for group in ("support_services", "loss_claims"):
        if getattr(d, group) and d.provider is None:
            add(("delivery", group), f"{group.replace('_', ' ')} need a separate provider (the {d.model} model has none)")
    for key, service in d.support_services.items():
        council(("delivery", "support_services", key, "provided_by"), service.provided_by)
    for key, claim in d.loss_claims.items():
        task(("delivery", "loss_claims", key, "late_task"), claim.late_task)
        council(("delivery", "loss_claims", key, "paid_by"), claim.paid_by)
        if claim.risk is not None and claim.risk not in scenario.risks:
            add(("delivery", "loss_claims", key, "risk"), f"unknown risk {claim.risk!r}")
    _check_split(scenario, add)


def _check_split(scenario: Scenario, add) -> None:
    successors = scenario.successors
    split = scenario.finance.split if scenario.finance is not None else None
    if split is None and scenario.finance is not None and len(successors) > 1:
        add(("finance",), "more than one successor council: give finance.split (how they share the costs)")
    splits = [(("finance", "split"), split)] + [(("services", k, "split"), s.split) for k, s in scenario.services.items()]
    for loc, rule in splits:
        if rule is not None:
            _check_one_split(scenario, add, rule, loc)


def _check_one_split(scenario: Scenario, add, split, loc: tuple) -> None:
    successors = scenario.successors
    if split.rule == "fixed":
        for key in split.shares:
            if key not in successors:
                add(loc + ("shares", key), f"unknown successor council {key!r} "
                    f"(successors: {', '.join(successors)})")
        missing = [k for k in successors if k not in split.shares]
        if missing:
            add(loc + ("shares",), f"no share for {', '.join(missing)}")
        total = sum(split.shares.values())
        if abs(total - 1.0) > 1e-6:
            add(loc + ("shares",), f"shares add up to {total:g}, not 1")
    else:
        if split.shares:
            add(loc + ("shares",), f"the {split.rule} rule takes its shares from the councils' "
                f"{split.rule}; give shares: only with the fixed rule")
        for key, council in successors.items():
            if getattr(council, split.rule) is None:
                add(("councils", key), f"the {split.rule} split rule needs {split.rule}: for every successor")


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
    dated += [(("risks", k, "window", "end"), r.window.end) for k, r in scenario.risks.items() if r.window]
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


def _check_correlations(scenario: Scenario, add) -> None:
    """Correlated items exist, each group has two, and no pair is given two correlations."""
    seen: dict[frozenset, str] = {}
    for key, group in scenario.correlations.items():
        items = [("tasks", t) for t in group.tasks] + [("risks", r) for r in group.risks]
        for kind, item in items:
            if item not in getattr(scenario, kind):
                add(("correlations", key, kind), f"unknown {kind[:-1]} {item!r}")
        if len(set(items)) < 2:
            add(("correlations", key), "a correlation needs at least two tasks or risks")
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                pair = frozenset((a, b))
                if pair in seen and seen[pair] != key:
                    add(("correlations", key), f"{a[1]} and {b[1]} are already correlated by {seen[pair]!r}")
                seen.setdefault(pair, key)


def _check_calendars(scenario: Scenario, add) -> None:
    """Calendars named by tasks exist, and every period runs forwards."""
    known = ", ".join(scenario.calendars) or "none"
    if scenario.default_calendar is not None and scenario.default_calendar not in scenario.calendars:
        add(("default_calendar",), f"unknown calendar {scenario.default_calendar!r} (known: {known})")
    for key, task in scenario.tasks.items():
        if task.calendar is not None and task.calendar not in scenario.calendars:
            add(("tasks", key, "calendar"), f"unknown calendar {task.calendar!r} (known: {known})")
    periods = [(("calendars", c, kind, p), period) for c, spec in scenario.calendars.items()
               for kind in ("closed", "productivity") for p, period in getattr(spec, kind).items()]
    periods += [(("risks", r, "calendar", p), period) for r, risk in scenario.risks.items()
                for p, period in risk.calendar.items()]
    for loc, period in periods:
        if period.end < period.start:
            add(loc, f"period is inverted: {period.start} to {period.end}")


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
    named += [(("finance", "shadow_from_task"), fin.shadow_from_task)]
    named += [(("finance", "transition_funding", k, "paid_when"), f.paid_when)
              for k, f in fin.transition_funding.items()]
    for key in fin.transition_funding:
        if key not in scenario.funders:
            add(("finance", "transition_funding", key), f"unknown funder {key!r} (known: {', '.join(scenario.funders)})")
    for loc, task in named:
        if task not in scenario.tasks:
            add(loc, f"unknown task {task!r}")
    if fin.horizon.value <= scenario.start.value:
        add(("finance", "horizon"), f"horizon {fin.horizon.value} is not after the start {scenario.start.value}")
    if fin.demand is not None:
        _check_demand(scenario, add)


def _check_demand(scenario: Scenario, add) -> None:
    """The demand model drives a service that exists, from a count and prices before the first year."""
    fin, demand, loc = scenario.finance, scenario.finance.demand, ("finance", "demand")
    if demand.service not in scenario.services:
        add(loc + ("service",), f"unknown service {demand.service!r} (known: {', '.join(scenario.services)})")
    first = fy_start_year_of(scenario.start.value)
    if fy_start_year_of(demand.counted_on.value + dt.timedelta(days=1)) > first:
        add(loc + ("counted_on",), f"the count of {demand.counted_on.value} is after the start of the first financial "
            f"year {financial_year(first)}: count at an earlier 31 March")
    if demand.growth_per_year.low <= -1:
        add(loc + ("growth_per_year", "low"), "a yearly growth of -100% or less leaves no children in care")
    prices_in = fy_start_year(demand.prices_in)
    if prices_in > first:
        add(loc + ("prices_in",), f"prices of {demand.prices_in} are after the first financial year "
            f"{financial_year(first)}")
    missing = [financial_year(y) for y in range(prices_in + 1, fy_start_year_of(fin.horizon.value) + 1)
               if financial_year(y) not in demand.price_growth]
    if missing:
        add(loc + ("price_growth",), f"no price growth for {', '.join(missing)}: every year after prices_in "
            f"({demand.prices_in}) up to the horizon needs one")


@without_gc
def resolved_yaml(loaded: LoadedScenario) -> str:
    """The scenario as run, as YAML: the merged document with every --set applied, or the file's own text
    if that is all it is (`as_written`, and the file unchanged since), which reads back as the same document
    with its comments kept (and costs nothing: dumping a 1,000-task plan takes 0.3 s)."""
    data = _bytes_if_unchanged(*loaded.files[0]) if loaded.as_written else None
    if data is not None:
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-8")
    return dump_yaml(loaded.resolved)
