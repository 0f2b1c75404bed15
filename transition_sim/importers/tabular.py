"""Excel and CSV task lists and risk registers: one row per task or risk, columns mapped with --map."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from transition_sim.errors import Problem, ScenarioError
from transition_sim.importers.plan import Plan, PlanLink, PlanRisk, PlanTask, Where
from transition_sim.units import parse_duration

TASK_COLUMNS = ("id", "name", "workstream", "low", "likely", "high", "duration", "predecessors", "needs", "not_before")
TASK_REQUIRED = ("id", "name")
RISK_COLUMNS = ("id", "name", "probability", "impact", "tasks")
EXCEL = (".xlsx", ".xlsm")
_LINK = re.compile(r"^(?P<id>\S+?)\s*(?:\s(?P<type>FS|SS|FF|SF)\s*(?P<lag>[+-]\s*\d+(?:\.\d+)?\s*[dwmy]?)?)?$",
                   re.IGNORECASE)
_NEED = re.compile(r"^(?P<cap>[^:=\s]+)\s*(?:[:=]\s*(?P<n>\d+))?$")


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Sheet name (lower case) -> table of text; a CSV file is one sheet named after its stem."""
    try:
        if path.suffix.lower() in EXCEL:
            book = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
        else:
            book = {path.stem: pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")}
    except (ValueError, OSError, pd.errors.ParserError, KeyError) as err:
        raise ScenarioError([Problem(str(path), "", None, f"cannot read it as a "
                                     f"{'workbook' if path.suffix.lower() in EXCEL else 'CSV file'}: {err}")]) from None
    return {name.lower(): table for name, table in book.items()}


def _columns(table: pd.DataFrame, known: tuple[str, ...], required: tuple[str, ...], mapping: dict[str, str],
             file: str, what: str) -> dict[str, str]:
    """Our field -> the table's column: mapped with --map, else the column of the same name."""
    by_lower = {str(c).strip().lower(): c for c in table.columns}
    out = {}
    for name in known:
        if name in mapping:
            if mapping[name] not in table.columns:
                has = ", ".join(map(str, table.columns))
                raise ScenarioError([Problem(file, "header", 1, f"--map names the column {mapping[name]!r} for {name}, "
                                             f"but the {what} has no such column (it has: {has})")])
            out[name] = mapping[name]
        elif name in by_lower:
            out[name] = by_lower[name]
    missing = [n for n in required if n not in out]
    if "likely" not in out and "duration" not in out and what == "task list":
        missing.append("likely (or duration)")
    if missing:
        raise ScenarioError([Problem(file, "header", 1, f"no column for {', '.join(missing)} in the {what} (it has: "
                                     f"{', '.join(map(str, table.columns))}); name one with --map, such as "
                                     f"{missing[0].split()[0]}: 'Your column'")])
    return out


def _days(text: str, where: Where, column: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return parse_duration(text)
    except ValueError:
        raise where.error(f"cannot read the duration {text!r} (write days as a number, or 4w, 10d, 3m)",
                          f"column {column}") from None


def _links(text: str, where: Where) -> list[PlanLink]:
    out = []
    for token in filter(None, (t.strip() for t in re.split(r"[;,]", text))):
        match = _LINK.match(token)
        if match is None:
            raise where.error(f"cannot read the predecessor {token!r} (write an id, or id SS+2d)", "column predecessors")
        lag = re.sub(r"\s", "", match["lag"] or "0")
        unit = lag[-1] if lag[-1].isalpha() else "d"
        number = float(lag.rstrip("dwmy"))
        out.append(PlanLink(match["id"], (match["type"] or "FS").upper(),
                            (1 if number >= 0 else -1) * parse_duration(f"{abs(number)}{unit}")))
    return out


def _needs(text: str, where: Where) -> dict[str, int]:
    out = {}
    for token in filter(None, (t.strip() for t in re.split(r"[;,]", text))):
        match = _NEED.match(token)
        if match is None:
            raise where.error(f"cannot read the need {token!r} (write hr:1; legal:2)", "column needs")
        out[match["cap"]] = int(match["n"] or 1)
    return out


def _tasks(table: pd.DataFrame, mapping: dict[str, str], file: str) -> list[PlanTask]:
    cols = _columns(table, TASK_COLUMNS, TASK_REQUIRED, mapping, file, "task list")
    tasks = []
    for i, row in enumerate(table.to_dict("records")):
        get = lambda name: str(row[cols[name]]).strip() if name in cols else ""  # noqa: E731
        if not any(str(v).strip() for v in row.values()):
            continue  # a blank row
        where = Where(file, f"row {i + 2}", i + 2)
        if not get("id"):
            raise where.error("a task without an id", "column id")
        points = {p: _days(get(p), where, p) for p in ("low", "likely", "high", "duration")}
        likely = points["likely"] if points["likely"] is not None else points["duration"]
        if likely is None:
            raise where.error("a task without a duration", "column likely")
        given = points["low"] is not None and points["high"] is not None
        not_before = None
        if get("not_before"):
            try:
                not_before = pd.Timestamp(get("not_before")).date()
            except ValueError:
                raise where.error(f"cannot read the date {get('not_before')!r}", "column not_before") from None
        tasks.append(PlanTask(key=get("id"), ident=get("id"), name=get("name") or get("id"),
                              workstream=get("workstream") or "(none)", where=where, duration_days=likely,
                              estimate=(points["low"], likely, points["high"]) if given else None,
                              milestone=likely == 0, links=_links(get("predecessors"), where),
                              needs=_needs(get("needs"), where), not_before=not_before))
    return tasks


def _probability(text: str, where: Where) -> float:
    try:
        value = float(text.strip().rstrip("%")) / (100 if text.strip().endswith("%") else 1)
    except ValueError:
        raise where.error(f"cannot read the probability {text!r} (write 0.3 or 30%)", "column probability") from None
    if not 0 <= value <= 1:
        raise where.error(f"probability {text!r} is outside 0..1", "column probability")
    return value


def read_risks(path: Path, mapping: dict[str, str], table: pd.DataFrame | None = None) -> list[PlanRisk]:
    file = str(path)
    if table is None:
        book = _sheets(path)
        table = book.get("risks", next(iter(book.values())))
    cols = _columns(table, RISK_COLUMNS, RISK_COLUMNS, {k.removeprefix("risk_"): v for k, v in mapping.items()
                                                        if k.startswith("risk_")}, file, "risk register")
    risks = []
    for i, row in enumerate(table.to_dict("records")):
        if not any(str(v).strip() for v in row.values()):
            continue
        get = lambda name: str(row[cols[name]]).strip()  # noqa: E731
        where = Where(file, f"row {i + 2}", i + 2)
        impact = _days(get("impact"), where, "impact")
        if impact is None:
            raise where.error("a risk without an impact", "column impact")
        risks.append(PlanRisk(get("id"), get("name") or get("id"), _probability(get("probability"), where), impact,
                              [t.strip() for t in re.split(r"[;,]", get("tasks")) if t.strip()], where))
    return risks


def read(path: Path, mapping: dict[str, str], start: dt.date | None) -> Plan:
    book = _sheets(path)
    table = book.get("tasks", next(iter(book.values())))
    if start is None:
        raise ScenarioError([Problem(str(path), "", None, "a task list does not say when the plan starts: give --start")])
    tasks = _tasks(table, {k: v for k, v in mapping.items() if not k.startswith("risk_")}, str(path))
    risks = read_risks(path, mapping, book["risks"]) if "risks" in book and path.suffix.lower() in EXCEL else []
    caps: dict[str, int] = {}
    for t in tasks:
        for cap, n in t.needs.items():
            caps[cap] = max(caps.get(cap, 0), n)
    plan = Plan(file=str(path), kind="Excel task list" if path.suffix.lower() in EXCEL else "CSV task list",
                name=path.stem, start=start, tasks=tasks, risks=risks,
                capacities={c: (n, f"{path.name}: the largest need for {c}") for c, n in caps.items()},
                notes=[f"Capacities ({', '.join(caps)}) are taken as the largest need of any one task: "
                       "the list does not say how many posts there are."] if caps else [],
                counts={"tasks": len(tasks), "milestones": sum(t.milestone for t in tasks),
                        "workstreams": len({t.workstream for t in tasks}),
                        "links": sum(len(t.links) for t in tasks), "capacities": len(caps), "risks": len(risks)})
    plan.check()
    return plan
