"""Plans from a programme office's own files (MS Project XML, Excel and CSV task lists) as scenarios."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from transition_sim.errors import Problem, ScenarioError
from transition_sim.importers import mspdi, tabular
from transition_sim.importers.plan import Plan
from transition_sim.importers.scenario_yaml import DEFAULT_RANGE, build, render, task_ids

__all__ = ["DEFAULT_RANGE", "Plan", "build", "read_map", "read_plan", "render", "task_ids"]

MAP_KEYS = set(tabular.TASK_COLUMNS) | {f"risk_{c}" for c in tabular.RISK_COLUMNS}


def read_map(path: str | Path | None) -> dict[str, str]:
    """The --map file: our field -> the file's column (or, for MS Project, custom field) name."""
    if path is None:
        return {}
    try:
        mapping = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ScenarioError([Problem(str(path), "", None, f"cannot read the map: {err}")]) from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ScenarioError([Problem(str(path), "", 1, "a map is lines of `field: Column name`, such as id: Task ID")])
    unknown = sorted(set(mapping) - MAP_KEYS)
    if unknown:
        raise ScenarioError([Problem(str(path), unknown[0], None, f"unknown field {unknown[0]!r} "
                                     f"(known: {', '.join(sorted(MAP_KEYS))})")])
    return mapping


def read_plan(path: str | Path, mapping: dict[str, str] | None = None, start: dt.date | None = None,
              risks: str | Path | None = None) -> Plan:
    """The neutral plan in an MS Project XML file or an Excel/CSV task list (and an optional risk register)."""
    path, mapping = Path(path), mapping or {}
    if not path.is_file():
        raise ScenarioError([Problem(str(path), "", None, "no such file")])
    suffix = path.suffix.lower()
    if suffix == ".xml":
        plan = mspdi.read(path, mapping)
    elif suffix in tabular.EXCEL + (".csv",):
        plan = tabular.read(path, mapping, start)
    else:
        raise ScenarioError([Problem(str(path), "", None, "not a plan this reads: give MS Project XML (.xml), "
                                     "an Excel (.xlsx) or a CSV task list")])
    if risks is not None:
        plan.risks += tabular.read_risks(Path(risks), mapping)
        plan.counts["risks"] = len(plan.risks)
        key_of = {ident: key for key, ident in task_ids(plan).items()}
        for risk in plan.risks:  # a register names tasks by their ids in the scenario
            risk.tasks = [key_of.get(t, t) for t in risk.tasks]
        plan.check()
    return plan
