"""Durations written with units: `6w`, `30d`, `3m`, `1.5y`."""

from __future__ import annotations

import datetime as dt
import re

DAYS_PER_UNIT = {"d": 1.0, "w": 7.0, "m": 365.25 / 12, "y": 365.25}
WEEKS_PER_YEAR = DAYS_PER_UNIT["y"] / DAYS_PER_UNIT["w"]
LONGEST = "1000y"  # far beyond any programme; it keeps every date the model computes in range
LATEST_DATE = dt.date(4999, 12, 31)  # dates in a scenario, and everything computed from them, stay before this
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dwmy])\s*$")


def financial_year(year: int) -> str:
    """The label of the financial year (1 April - 31 March) starting in `year`: 2022 -> 2022/23."""
    return f"{year}/{(year + 1) % 100:02d}"


def fy_start_year(label: str) -> int:
    return int(label[:4])


def fy_start_year_of(day: dt.date) -> int:
    """The start year of the financial year a day falls in."""
    return day.year - (day.month < 4)


def is_duration(text: object) -> bool:
    return isinstance(text, str) and _DURATION.match(text) is not None


def parse_duration(value: object) -> float:
    """Days in a duration such as `6w`; calendar days, a month is 365.25/12 days."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"a duration needs a unit, such as 6w, 30d or 3m (got {value!r})")
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f"not a duration: {value!r} (write a number and a unit d, w, m or y, such as 6w)")
    days = float(match.group(1)) * DAYS_PER_UNIT[match.group(2)]
    if days > float(LONGEST[:-1]) * DAYS_PER_UNIT[LONGEST[-1]]:
        raise ValueError(f"{value!r} is longer than the limit of {LONGEST}")
    return days


def parse_lag(value: object) -> float:
    """Days in a link's lag such as `2d` or `-1d` (a negative lag is a lead)."""
    if isinstance(value, str) and value.strip().startswith("-"):
        return -parse_duration(value.strip()[1:])
    return parse_duration(value)


def working_days(value: object, days_per_week: int) -> object:
    """A duration on a work calendar as working days, written `<n>d`: a week is `days_per_week` of them.

    A value that is not a duration is returned as it is, for the schema to report.
    """
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    number, unit = float(match.group(1)), match.group(2)
    return f"{number if unit == 'd' else number * DAYS_PER_UNIT[unit] / 7 * days_per_week!r}d"


_MONEY = re.compile(r"^\s*(-?)\s*£?\s*(\d+(?:\.\d+)?)\s*([km]?)\s*$")
POUNDS_PER_UNIT = {"": 1.0, "k": 1e3, "m": 1e6}


def parse_money(value: object) -> float:
    """Pounds in an amount written `£2.58m`, `£250k`, `£1200`, `-£3m` or as a plain number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = _MONEY.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not an amount of money: {value!r} (write it like £2.58m, £250k or £1200)")
    sign = -1.0 if match.group(1) else 1.0
    return sign * float(match.group(2)) * POUNDS_PER_UNIT[match.group(3)]
