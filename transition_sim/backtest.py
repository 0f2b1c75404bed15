"""Score a forecast against what happened: where each actual falls, P10-P90 coverage, and CRPS.

An outcomes file names measures under `observed:`; a measure is a column of replications.parquet
written with dots (`go_live`, `contract_sum.2024/25`, `contract_sum.2024/25.north`, `staff_transferred`).
Scenarios never read outcomes: they flow only into this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic
from scipy import stats

from transition_sim.errors import Problem, ScenarioError, dotted
from transition_sim.schema import Model, Provenance
from transition_sim.units import parse_money
from transition_sim.yamltree import Lines, load as load_yaml

CLAIMED_COVERAGE = 0.8  # P10-P90
COLUMNS = ["measure", "actual", "percentile", "p10", "p50", "p90", "inside_p10_p90", "crps"]
EPOCH = np.datetime64("1970-01-01", "D")


class Observation(Provenance):
    value: Any


class Outcomes(Model):
    name: str
    description: str = ""
    observed: dict[str, Any]


@dataclass(frozen=True)
class Observed:
    measure: str  # dotted, as written in the file
    value: Any
    file: str
    line: int | None


def load_outcomes(path: str | Path) -> tuple[Outcomes, list[Observed]]:
    """The outcomes file and its observations, each leaf `{value: ..., source: ...}` under `observed:`."""
    path = Path(path)
    document, lines = load_yaml(path)
    if not isinstance(document, dict):
        raise ScenarioError([Problem(str(path), "", 1, "an outcomes file must be a mapping with name: and observed:")])
    try:
        outcomes = Outcomes.model_validate(document)
    except pydantic.ValidationError as err:
        raise ScenarioError([_problem(str(path), lines, tuple(str(p) for p in e["loc"]),
                                      "unknown key" if e["type"] == "extra_forbidden" else e["msg"])
                             for e in err.errors()]) from None
    found: list[Observed] = []
    problems: list[Problem] = []

    def walk(node: Any, keys: tuple) -> None:
        if isinstance(node, dict) and "value" in node:
            try:
                Observation.model_validate(node)
            except pydantic.ValidationError as err:
                problems.extend(_problem(str(path), lines, keys + tuple(str(p) for p in e["loc"]), e["msg"])
                                for e in err.errors())
                return
            file, line = lines.get(keys, (str(path), None))
            found.append(Observed(dotted(keys[1:]), node["value"], file, line))
        elif isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, keys + (key,))
        else:
            problems.append(_problem(str(path), lines, keys, "expected {value: ..., source: ...} or a mapping of them"))

    walk(outcomes.observed, ("observed",))
    if problems:
        raise ScenarioError(problems)
    return outcomes, found


def _problem(file: str, lines: Lines, keys: tuple, message: str) -> Problem:
    where, line = lines.get(keys, (file, None))
    return Problem(where, dotted(keys), line, message)


def column_of(measure: str, columns) -> str | None:
    """The replications column a measure names: `contract_sum.2024/25` is `contract_sum_2024_25_gbp`."""
    base = measure.replace("/", "_").replace(".", "_")
    return next((c for c in (base, f"{base}_gbp", f"{base}_date") if c in columns), None)


def as_numbers(values: pd.Series) -> tuple[np.ndarray, bool]:
    """Values as floats (dates as days since 1970) and whether they were dates."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return (values.to_numpy(dtype="datetime64[D]") - EPOCH).astype(float), True
    return values.to_numpy(dtype=float), False


def actual_number(value: Any, is_date: bool) -> float:
    if is_date:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return float((np.datetime64(day, "D") - EPOCH).astype(int))
    return parse_money(value)


def score(samples: np.ndarray, actual: float) -> dict:
    """Where one actual falls in a simulated sample: mid-rank percentile, P10/P50/P90, inside, CRPS."""
    samples = np.asarray(samples, dtype=float)
    below, equal = np.sum(samples < actual), np.sum(samples == actual)
    p10, p50, p90 = np.quantile(samples, [0.1, 0.5, 0.9], method="inverted_cdf")
    return {"actual": actual, "percentile": 100 * (below + 0.5 * equal) / len(samples),
            "p10": float(p10), "p50": float(p50), "p90": float(p90),
            "inside_p10_p90": bool(p10 <= actual <= p90),
            "crps": crps(samples, actual)}


def crps(samples: np.ndarray, actual: float) -> float:
    """The continuous ranked probability score of a sample's empirical distribution, exactly.

    CRPS = mean|X - y| - 0.5 mean|X - X'| over all n^2 pairs of the sample, the pair term from the
    sorted sample in O(n log n): the sum over pairs of |x_i - x_j| is 2 sum_i (2i - n - 1) x_(i).
    """
    x = np.sort(np.asarray(samples, dtype=float))
    n = len(x)
    pairs = 2.0 * np.dot(2.0 * np.arange(1, n + 1) - n - 1, x) / n ** 2
    return float(np.mean(np.abs(x - actual)) - 0.5 * pairs)


def calibration(inside: list[bool] | np.ndarray, claimed: float = CLAIMED_COVERAGE, alpha: float = 0.05) -> dict:
    """How many actuals fall inside the P10-P90 band, against the share claimed, with a binomial test."""
    inside = np.asarray(inside, dtype=bool)
    k, n = int(inside.sum()), len(inside)
    p_value = float(stats.binomtest(k, n, claimed).pvalue) if n else 1.0
    low, high = (stats.binomtest(k, n).proportion_ci(0.95) if n else (0.0, 1.0))
    if n and p_value < alpha:
        verdict = "under-dispersed: the intervals are too narrow" if k / n < claimed else \
            "over-dispersed: the intervals are too wide"
    else:
        verdict = f"consistent with {claimed:.0%}" + (" (too few actuals to tell much)" if n < 10 else "")
    return {"inside": k, "actuals": n, "coverage": k / n if n else float("nan"), "claimed": claimed,
            "coverage_ci95": (float(low), float(high)), "p_value": p_value, "verdict": verdict}


def summary_line(cal: dict) -> str:
    low, high = cal["coverage_ci95"]
    return (f"{cal['inside']} of {cal['actuals']} actuals inside P10-P90 ({100 * cal['coverage']:.0f}%, "
            f"95% interval {100 * low:.0f}-{100 * high:.0f}%) against {100 * cal['claimed']:.0f}% claimed; "
            f"binomial p = {cal['p_value']:.3g}: {cal['verdict']}")


def backtest(replications: pd.DataFrame, observed: list[Observed]) -> pd.DataFrame:
    """A row per observed measure with the columns of backtest.csv; numbers in the measure's unit."""
    rows, problems = [], []
    for item in observed:
        column = column_of(item.measure, replications.columns)
        if column is None:
            problems.append(Problem(item.file, f"observed.{item.measure}", item.line,
                                    f"no measure {item.measure!r} in the run's replications "
                                    f"(columns: {', '.join(replications.columns)})"))
            continue
        samples, is_date = as_numbers(replications[column])
        try:
            actual = actual_number(item.value, is_date)
        except ValueError as err:
            problems.append(Problem(item.file, f"observed.{item.measure}.value", item.line, str(err)))
            continue
        rows.append({"measure": item.measure, "is_date": is_date, **score(samples, actual)})
    if problems:
        raise ScenarioError(problems)
    return pd.DataFrame(rows, columns=COLUMNS + ["is_date"])


def presented(table: pd.DataFrame) -> pd.DataFrame:
    """backtest.csv: dates as dates (CRPS in days), money in pounds, percentile 0-100."""
    out = table[COLUMNS].copy().astype(object)
    for i, row in table.iterrows():
        for column in ("actual", "p10", "p50", "p90"):
            value = row[column]
            out.at[i, column] = (EPOCH + np.timedelta64(int(round(value)), "D")).astype(dt.date) if row["is_date"] \
                else round(float(value), 2)
        out.at[i, "percentile"] = round(float(row["percentile"]), 1)
        out.at[i, "crps"] = round(float(row["crps"]), 2)
    return out.set_index("measure")


def for_terminal(table: pd.DataFrame) -> pd.DataFrame:
    """The presented table as a reader sees it: money in £m, CRPS in £m or days, percentile to one place."""
    out = presented(table).astype(object)
    for (measure, row), is_date in zip(out.iterrows(), table["is_date"]):
        for column in ("actual", "p10", "p50", "p90"):
            out.at[measure, column] = str(row[column]) if is_date else f"£{row[column] / 1e6:,.1f}m"
        out.at[measure, "crps"] = f"{row['crps']:.0f} days" if is_date else f"£{row['crps'] / 1e6:,.2f}m"
        out.at[measure, "inside_p10_p90"] = "yes" if row["inside_p10_p90"] else "no"
        out.at[measure, "percentile"] = f"{row['percentile']:.1f}"
    return out
