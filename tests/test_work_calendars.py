"""Work calendars and risk calendars, against hand-counted working days (start: Wednesday 1 January 2020)."""

import datetime as dt
import subprocess
import sys

import holidays
import numpy as np
import pytest

from transition_sim import sampling
from transition_sim.calendars import BANK_HOLIDAY_REGIONS, WorkCalendar, bank_holidays
from transition_sim.errors import ScenarioError
from transition_sim.montecarlo import simulate
from transition_sim.programme import compile_network
from transition_sim.schema import WorkCalendarSpec
from conftest import scenario_dict

D = dt.date
START = D(2020, 1, 1)
OFFICE = {"weekends": True, "bank_holidays": "england-and-wales",
          "closed": {"christmas": {"start": "2020-12-24", "end": "2021-01-01", "assumption": "test"}},
          "productivity": {"pre_election": {"start": "2020-03-02", "end": "2020-03-06", "factor": 0.5,
                                            "assumption": "test"}}}


def fixed(text):
    return {"low": text, "likely": text, "high": text}


def task(duration, **extra):
    return {"name": "t", "workstream": "w", "duration": fixed(duration), "assumption": "test", **extra}


def finish_day(loaded, duration, **extra):
    data = scenario_dict(calendars={"office": OFFICE}, tasks={"a": task(duration, calendar="office", **extra)})
    results = simulate(loaded(data).scenario, runs=2, workers=1)
    return float(results.tasks["finish_day"].iloc[0])


def day(date):
    return float((date - START).days)


def test_ten_working_days_skip_the_bank_holiday_and_weekends(loaded):
    # 1 Jan is a bank holiday; worked: 2, 3, 6-10, 13, 14, 15 January: done at the end of Wednesday 15 January
    assert finish_day(loaded, "10d") == day(D(2020, 1, 16))


def test_a_week_on_a_calendar_is_five_working_days(loaded):
    assert finish_day(loaded, "2w") == day(D(2020, 1, 16))


def test_christmas_closure(loaded):
    # from Monday 21 December: 21, 22, 23 worked, 24 Dec - 1 Jan closed, 2-3 Jan weekend, 4 and 5 Jan worked
    assert finish_day(loaded, "5d", not_before="2020-12-21") == day(D(2021, 1, 6))


def test_productivity_factor(loaded):
    # from Monday 2 March at half productivity: 2.5 days that week, 1 on Monday 9, half of Tuesday 10
    assert finish_day(loaded, "4d", not_before="2020-03-02") == day(D(2020, 3, 10)) + 0.5


def test_default_calendar_applies_to_tasks_without_one(loaded):
    data = scenario_dict(calendars={"office": OFFICE}, default_calendar="office", tasks={"a": task("10d")})
    results = simulate(loaded(data).scenario, runs=2, workers=1)
    assert float(results.tasks["finish_day"].iloc[0]) == day(D(2020, 1, 16))


def test_without_a_calendar_durations_stay_calendar_days(loaded):
    data = scenario_dict(calendars={"office": OFFICE}, tasks={"a": task("10d")})
    assert float(simulate(loaded(data).scenario, runs=2, workers=1).tasks["finish_day"].iloc[0]) == 10.0


def test_working_days_in_2020():
    # 262 weekdays in 2020 (a leap year starting on a Wednesday), less 8 bank holidays on weekdays in England:
    # 1 Jan, 10 and 13 Apr, 8 and 25 May, 31 Aug, 25 Dec and 28 Dec (Boxing Day observed)
    spec = WorkCalendarSpec(weekends=True, bank_holidays="england-and-wales")
    cal = WorkCalendar.of("office", spec, START)
    assert cal.working_days(D(2020, 1, 1), D(2020, 12, 31), START) == 254


def test_scotland_has_its_own_bank_holidays():
    assert D(2020, 1, 2) in bank_holidays("scotland", START, D(2020, 12, 31))
    assert D(2020, 1, 2) not in bank_holidays("england-and-wales", START, D(2020, 12, 31))


@pytest.mark.parametrize("region", sorted(BANK_HOLIDAY_REGIONS))
def test_bank_holidays_are_the_holidays_packages(region):
    """Read from the package's UK module alone, they are what its `country_holidays` gives, one-off days included."""
    first, last = D(2015, 1, 1), D(2045, 12, 31)
    expected = holidays.country_holidays("GB", subdiv=BANK_HOLIDAY_REGIONS[region], years=range(2015, 2046))
    assert bank_holidays(region, first, last) == set(expected)
    assert D(2022, 9, 19) in expected  # the State Funeral of Queen Elizabeth II, a one-off bank holiday


def test_bank_holidays_do_not_import_every_country():
    code = ("import sys, datetime as dt; from transition_sim.calendars import bank_holidays; "
            "bank_holidays('scotland', dt.date(2020, 1, 1), dt.date(2020, 12, 31)); "
            "print(sum(m.startswith('holidays.countries.') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0"


def test_risk_calendar_raises_the_chance_in_its_period(loaded):
    """Probability 0.2 over 366 days, three times as likely over 1 Mar - 31 May (92 days)."""
    data = scenario_dict(risks={"r": {
        "name": "r", "probability": 0.2, "window": {"start": "2020-01-01", "end": "2021-01-01"},
        "delays": {"a": fixed("5d")}, "assumption": "test",
        "calendar": {"pre_election": {"start": "2020-03-01", "end": "2020-05-31", "probability_factor": 3}}}})
    net = compile_network(loaded(data).scenario)
    n = 20_000
    draws = sampling.draw(net, 4, 0, n)
    weight = (366 - 92 + 3 * 92) / 366
    p = 0.2 * weight
    assert abs(draws.struck[:, 0].mean() - p) < 3 * np.sqrt(p * (1 - p) / n)
    days = draws.strike_day[draws.struck[:, 0], 0]
    inside = ((days >= day(D(2020, 3, 1))) & (days < day(D(2020, 6, 1)))).mean()
    share = 3 * 92 / (366 - 92 + 3 * 92)
    assert abs(inside - share) < 3 * np.sqrt(share * (1 - share) / len(days))


def test_unknown_calendar_is_bad_input(loaded):
    with pytest.raises(ScenarioError, match="unknown calendar 'shop'"):
        loaded(scenario_dict(calendars={"office": OFFICE}, tasks={"a": task("5d", calendar="shop")}))
