"""The go-live rule: the first slot on or after the earliest allowed day, outside closed windows."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the schema's models (pydantic) are not needed to play a network
    from transition_sim.schema import Scenario


@dataclass(frozen=True)
class GoLiveCalendar:
    start: dt.date
    planned_day: float
    vesting_day: dt.date
    go_no_go_days: float
    eli_days: float
    closed: tuple[tuple[dt.date, dt.date], ...]

    @classmethod
    def of(cls, scenario: Scenario) -> "GoLiveCalendar":
        start = scenario.start.value
        return cls(start=start,
                   planned_day=float((scenario.planned_go_live.value - start).days),
                   vesting_day=scenario.vesting_day.value,
                   go_no_go_days=scenario.go_live.go_no_go_notice.value,
                   eli_days=scenario.go_live.eli_notice.value,
                   closed=tuple(sorted((w.start, w.end) for w in scenario.closed_windows.values())))

    def date(self, day: float) -> dt.date:
        """The calendar date on which the clock reads `day` (days since the start)."""
        return self.start + dt.timedelta(days=math.floor(day))

    def earliest(self, readiness_day: float, consultation_end_day: float) -> dt.date:
        """The first day on which every condition for the transfer holds."""
        day = max(self.planned_day, readiness_day + self.go_no_go_days, consultation_end_day + self.eli_days)
        return self.start + dt.timedelta(days=math.ceil(day))

    def go_live(self, readiness_day: float, consultation_end_day: float) -> dt.date:
        return next_open_slot(self.earliest(readiness_day, consultation_end_day), self.closed)


def first_of_month_on_or_after(day: dt.date) -> dt.date:
    if day.day == 1:
        return day
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def is_closed(day: dt.date, closed: tuple[tuple[dt.date, dt.date], ...]) -> bool:
    return any(start <= day <= end for start, end in closed)


def next_open_slot(earliest: dt.date, closed: tuple[tuple[dt.date, dt.date], ...]) -> dt.date:
    """The first first-of-month on or after `earliest` that no closed window (ends included) covers."""
    slot = first_of_month_on_or_after(earliest)
    while is_closed(slot, closed):
        slot = first_of_month_on_or_after(slot + dt.timedelta(days=1))
    return slot
