"""Durations written with units: `6w`, `30d`, `3m`, `1.5y`."""

from __future__ import annotations

import re

DAYS_PER_UNIT = {"d": 1.0, "w": 7.0, "m": 365.25 / 12, "y": 365.25}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dwmy])\s*$")


def is_duration(text: object) -> bool:
    return isinstance(text, str) and _DURATION.match(text) is not None


def parse_duration(value: object) -> float:
    """Days in a duration such as `6w`; calendar days, a month is 365.25/12 days."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"a duration needs a unit, such as 6w, 30d or 3m (got {value!r})")
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f"not a duration: {value!r} (write a number and a unit d, w, m or y, such as 6w)")
    return float(match.group(1)) * DAYS_PER_UNIT[match.group(2)]


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
