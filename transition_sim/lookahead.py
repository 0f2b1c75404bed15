"""No look-ahead: a forecast uses only sources published by its status date.

Every `source:` carries `published:`, the date by which it was public (its publication day or,
where only a period is known, the end of that period, said in the source text). Items under
`actuals:` are what is already known; they are exempt, their dates being checked by the scenario.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from transition_sim.errors import Problem, dotted
from transition_sim.yamltree import Lines

EXEMPT = ("actuals",)


def lookahead_problems(document: dict, lines: Lines, status: dt.date, file: str) -> list[Problem]:
    """Each source with no publication date, or published after `status`."""
    problems: list[Problem] = []

    def add(path: tuple, message: str) -> None:
        where, line = lines.get(path + ("source",), lines.get(path, (file, None)))
        problems.append(Problem(where, dotted(path + ("source",)), line, message))

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, dict):
            if node.get("source") and path[:1] not in [(e,) for e in EXEMPT]:
                published = _as_date(node.get("published"))
                if published is None:
                    add(path, "the source has no published: date (when was it public?)")
                elif published > status:
                    add(path, f"the source was published {published}, after the status date {status}: a forecast "
                        "may use only what was known by then (put what happened later in an outcomes file)")
            for key, value in node.items():
                walk(value, path + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, path + (i,))

    walk(document, ())
    return problems


def _as_date(value: Any) -> dt.date | None:
    """A date as YAML gives it, or as text (the schema has checked it already)."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None
