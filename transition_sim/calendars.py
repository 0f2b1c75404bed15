"""Work calendars: which days are worked, at what productivity, and how long work takes on them.

A calendar gives each day since the scenario's start a rate of work: 0 on weekends (if
`weekends: true`), on bank holidays of the named UK nation (from the `holidays` package) and in
`closed` periods; the product of the `productivity` factors covering it on other days; 1 otherwise.
Work done between clock times a and b is the integral of the rate, W(b) - W(a), with the rate
constant within each day; beyond the calendar's horizon every day is worked at rate 1.
A task with w working days that starts at t finishes at the first time f >= t with W(f) - W(t) = w.
"""

from __future__ import annotations

import bisect
import datetime as dt
import importlib
import importlib.util
import math
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from transition_sim.lazy import lazy_import, load_now

if TYPE_CHECKING:  # the schema's models (pydantic) are not needed to play a network
    from transition_sim.schema import WorkCalendarSpec

holidays = lazy_import("holidays")  # only a calendar with bank holidays reads them

# The `holidays` package's subdivisions of the United Kingdom, by the names bank holidays go by.
BANK_HOLIDAY_REGIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}
HORIZON_YEARS = 25  # days are tabulated this far past the start; later days are worked at rate 1


def bank_holidays(region: str, first: dt.date, last: dt.date) -> set[dt.date]:
    days = united_kingdom()(subdiv=BANK_HOLIDAY_REGIONS[region], years=range(first.year, last.year + 1))
    return {d for d in days if first <= d <= last}


UNITED_KINGDOM = "holidays.countries.united_kingdom"  # the `holidays` package's module of the UK's holidays


@lru_cache(maxsize=1)
def united_kingdom() -> type:
    """The `holidays` package's class of the UK's holidays (what `holidays.country_holidays("GB", ...)` makes).

    Loaded from its own module's file: importing it as `holidays.countries.united_kingdom` runs the
    package `holidays.countries` first, which imports every country's module (about a fifth of a second,
    while a plan's network is compiled and the workers wait). The module imports nothing from that package.
    If its file is not where this version of `holidays` keeps it, the package is imported as usual.
    """
    imported = sys.modules.get(UNITED_KINGDOM)
    if imported is not None:
        return imported.UnitedKingdom
    path = Path(load_now(holidays).__file__).parent / "countries" / "united_kingdom.py"
    spec = importlib.util.spec_from_file_location(UNITED_KINGDOM, path) if path.is_file() else None
    if spec is None:
        return importlib.import_module(UNITED_KINGDOM).UnitedKingdom
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.UnitedKingdom


def daily_rates(spec: WorkCalendarSpec, start: dt.date, days: int) -> np.ndarray:
    """The rate of work on each of `days` days from `start`."""
    rate = np.ones(days)
    if spec.weekends:
        rate[(start.weekday() + np.arange(days)) % 7 >= 5] = 0.0
    if spec.bank_holidays is not None:
        off = bank_holidays(spec.bank_holidays, start, start + dt.timedelta(days=days - 1))
        rate[[(d - start).days for d in off]] = 0.0

    def span(period) -> slice:
        return slice(max((period.start - start).days, 0), max((period.end - start).days + 1, 0))  # ends included

    for period in spec.productivity.values():
        rate[span(period)] *= period.factor
    for period in spec.closed.values():
        rate[span(period)] = 0.0
    return rate


@dataclass(frozen=True)
class WorkCalendar:
    """Cumulative work W at each whole day since the start (W[0] = 0)."""

    name: str
    rate: tuple[float, ...]
    cumulative: tuple[float, ...]  # len(rate) + 1
    days_per_week: int  # working days in an ordinary week: what a duration's `w` means on this calendar

    @classmethod
    def of(cls, name: str, spec: WorkCalendarSpec, start: dt.date) -> "WorkCalendar":
        days = (dt.date(start.year + HORIZON_YEARS, start.month, min(start.day, 28)) - start).days
        rate = daily_rates(spec, start, days)
        return cls(name, tuple(rate.tolist()), tuple(np.concatenate([[0.0], np.cumsum(rate)]).tolist()),
                   5 if spec.weekends else 7)

    def work_at(self, t: float) -> float:
        """W(t): working days done between the start and clock time t."""
        horizon = len(self.rate)
        if t >= horizon:
            return self.cumulative[horizon] + (t - horizon)
        day = math.floor(t)
        if day < 0:
            return t
        return self.cumulative[day] + self.rate[day] * (t - day)

    def time_at(self, work: float, not_before: float) -> float:
        """The first clock time at or after `not_before` by which W has reached `work`."""
        horizon = len(self.rate)
        if work > self.cumulative[horizon]:
            return max(horizon + work - self.cumulative[horizon], not_before)
        day = bisect.bisect_left(self.cumulative, work) - 1  # the last day whose start has W < work
        if day < 0:
            return max(0.0, not_before) if work <= 0 else not_before
        return max(day + (work - self.cumulative[day]) / self.rate[day], not_before)

    def finish(self, t: float, work: float) -> float:
        """When `work` working days started at clock time t are done."""
        return self.time_at(self.work_at(t) + work, t)

    def working_days(self, first: dt.date, last: dt.date, start: dt.date) -> float:
        """Working days (rate-weighted) from `first` to `last`, ends included."""
        return self.work_at((last - start).days + 1) - self.work_at((first - start).days)
