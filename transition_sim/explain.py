"""Why two scenarios differ: the inputs that changed, and each one's own effect on the P50 and P80 go-live.

The inputs are compared as resolved (after `extends:` and `--set`), item by item: a task, a risk,
a capacity, a scope decision, a finance entry, or a top-level value; wording (`name`,
`description`, `source`, `assumption`) is not an input. Each changed item is applied alone to the
first scenario and simulated with the same seed and replications (common random numbers), so its
shift is its own effect; what the items do together beyond the sum of their own effects is the
interaction.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import pandas as pd
import pydantic

from transition_sim.analysis import percentile_table
from transition_sim.scenario import consistency_problems
from transition_sim.schema import Scenario

WORDING = {"name", "description", "source", "assumption"}
# top-level keys whose entries are separate inputs
COLLECTIONS = {"tasks", "risks", "capacities", "closed_windows", "scope", "services", "calendars", "correlations",
               "fallbacks", "finance", "go_live"}
MISSING = object()


def inputs_only(value: Any) -> Any:
    """The value without its wording."""
    if isinstance(value, dict):
        return {k: inputs_only(v) for k, v in value.items() if k not in WORDING}
    if isinstance(value, list):
        return [inputs_only(v) for v in value]
    return value


def changed_items(first: dict, second: dict) -> list[tuple[tuple[str, ...], Any, Any]]:
    """(key path, first value, second value) for every input item that differs (MISSING where absent)."""
    out = []
    for key in list(first) + [k for k in second if k not in first]:
        a, b = first.get(key, MISSING), second.get(key, MISSING)
        if key in WORDING or key == "seed":
            continue
        if key in COLLECTIONS and isinstance(a, dict) and isinstance(b, dict):
            for item in list(a) + [k for k in b if k not in a]:
                x, y = a.get(item, MISSING), b.get(item, MISSING)
                if inputs_only(x) != inputs_only(y):
                    out.append(((key, item), x, y))
        elif inputs_only(a) != inputs_only(b):
            out.append(((key,), a, b))
    return out


def with_item(document: dict, path: tuple[str, ...], value: Any) -> dict:
    changed = copy.deepcopy(document)
    node = changed
    for part in path[:-1]:
        node = node.setdefault(part, {})
    if value is MISSING:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = copy.deepcopy(value)
    return changed


def short(value: Any, width: int = 60) -> str:
    if value is MISSING:
        return "(absent)"
    text = str(inputs_only(value))
    return text if len(text) <= width else text[:width - 1] + "…"


def shifts(base: pd.Series, other: pd.Series) -> dict[str, float]:
    """P50, P80 and mean go-live of `other` minus `base`, in days."""
    a, b = percentile_table(base, (50, 80))["value"], percentile_table(other, (50, 80))["value"]
    return {"p50_shift_days": (b["P50"] - a["P50"]).days, "p80_shift_days": (b["P80"] - a["P80"]).days,
            "mean_shift_days": float((other - base).dt.days.mean())}


def explain(first: dict, second: dict, simulate: Callable[[Scenario], pd.Series]) -> pd.DataFrame:
    """A row per changed input with its own P50/P80 shift, then all changes together and the interaction.

    `simulate(scenario)` returns the go-live dates of a run with fixed seed and replications.
    """
    base = simulate(Scenario.model_validate(first))
    rows = []
    for path, a, b in changed_items(first, second):
        row = {"input": ".".join(path), "first": short(a), "second": short(b)}
        try:
            alone = Scenario.model_validate(with_item(first, path, b))
            if consistency_problems(alone, {}, ""):
                raise ValueError("inconsistent alone")
        except (pydantic.ValidationError, ValueError):
            row.update({"p50_shift_days": None, "p80_shift_days": None, "mean_shift_days": None,
                        "note": "cannot be applied alone (it needs another of the changes)"})
        else:
            row.update(shifts(base, simulate(alone)))
            row["note"] = ""
        rows.append(row)
    together = shifts(base, simulate(Scenario.model_validate(second)))
    rows.append({"input": "all changes together", "first": "", "second": "", **together, "note": ""})
    alone = pd.DataFrame(rows[:-1])
    remainder = {k: together[k] - (alone[k].dropna().sum() if len(alone) else 0)
                 for k in ("p50_shift_days", "p80_shift_days", "mean_shift_days")}
    rows.append({"input": "interaction (together minus the sum of the parts)", "first": "", "second": "",
                 **remainder, "note": ""})
    return pd.DataFrame(rows, columns=["input", "first", "second", "p50_shift_days", "p80_shift_days",
                                       "mean_shift_days", "note"])
