"""The scenario language: pydantic models of a validated, frozen scenario."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from transition_sim.units import parse_duration, parse_money, working_days

T = TypeVar("T")
Days = Annotated[float, BeforeValidator(parse_duration)]
Pounds = Annotated[float, BeforeValidator(parse_money)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
FinancialYear = Annotated[str, Field(pattern=r"^\d{4}/\d{2}$")]
Distribution = Literal["triangular", "pert"]
ScopeOutcome = Literal["in", "out"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(Model):
    """Where the numbers of an item come from: a publication and date, or an assumption and why."""

    source: str | None = None
    assumption: str | None = None


class Quantity(Provenance, Generic[T]):
    """One sourced value, written `{value: ..., source: ...}` or, unsourced, as the bare value."""

    value: T

    @model_validator(mode="before")
    @classmethod
    def _wrap_bare(cls, data):
        return data if isinstance(data, dict) else {"value": data}


class Estimate(Provenance, Generic[T]):
    """A three-point estimate: low, most likely and high."""

    low: T
    likely: T
    high: T

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.likely <= self.high:
            raise ValueError("three-point estimate out of order: it must be low <= likely <= high")
        return self


ThreePoint = Estimate[Days]


class Window(Provenance):
    name: str = ""
    start: dt.date
    end: dt.date


class GoLiveRule(Model):
    slot: Literal["first_of_month"] = "first_of_month"
    go_no_go_notice: Quantity[Days]
    eli_notice: Quantity[Days]
    consultation_tasks: list[str] = Field(min_length=1)


class Period(Provenance):
    start: dt.date
    end: dt.date  # included


class ProductivityPeriod(Period):
    factor: Annotated[float, Field(gt=0.0)]  # share of a normal working day's output


class WorkCalendarSpec(Provenance):
    """Which days a task's work is done on, and at what productivity."""

    weekends: bool = False  # true: Saturdays and Sundays are not worked
    bank_holidays: Literal["england-and-wales", "scotland", "northern-ireland"] | None = None
    closed: dict[str, Period] = {}
    productivity: dict[str, ProductivityPeriod] = {}


class RiskPeriod(Period):
    probability_factor: Annotated[float, Field(gt=0.0)]  # the risk's chance per day is this many times its usual


class ScopeBranch(Provenance):
    """A scope decision still open at the scenario's date: its outcome is drawn in each replication."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    p_in: Share = Field(alias="in")
    p_out: Share = Field(alias="out")

    @model_validator(mode="after")
    def _adds_up(self):
        if abs(self.p_in + self.p_out - 1) > 1e-9:
            raise ValueError(f"the chances of in and out must add up to 1 (they add up to {self.p_in + self.p_out:g})")
        return self


class Fallback(Provenance):
    """A conditional route: if `task` has not finished by `by`, the fallback's `tasks` are done too."""

    task: str
    by: dt.date
    tasks: list[str] = Field(min_length=1)


class Task(Provenance):
    name: str
    workstream: str
    programme: Literal["trust", "reorganisation"] = "trust"
    duration: ThreePoint | None = None
    distribution: Distribution | None = None
    predecessors: list[str] = []
    needs: dict[str, Annotated[int, Field(ge=1)]] = {}
    requires_scope: dict[str, ScopeOutcome] = {}
    not_before: dt.date | None = None  # cannot start before this date (a meeting, a legal date)
    done_on: dt.date | None = None
    started_on: dt.date | None = None
    remaining: ThreePoint | None = None
    priority: int | None = None  # for shared capacity: higher first; default from the critical path
    calendar: str | None = None  # a key of `calendars`: durations then count its working days

    @model_validator(mode="after")
    def _progress(self):
        if self.done_on is None and self.duration is None and self.remaining is None:
            raise ValueError("give the task a duration (or done_on / remaining for progress)")
        if self.done_on is not None and self.remaining is not None:
            raise ValueError("a task cannot be both done (done_on) and in progress (remaining)")
        return self


class RiskWindow(Model):
    start: dt.date
    end: dt.date


class Risk(Provenance):
    name: str
    probability: Annotated[float, Field(ge=0.0, le=1.0)]
    window: RiskWindow
    pause: ThreePoint | None = None
    delays: dict[str, ThreePoint] = {}
    cost: Estimate[Pounds] | None = None  # paid by the council in the month the risk strikes
    distribution: Distribution | None = None
    calendar: dict[str, RiskPeriod] = {}  # periods in which it is more (or less) likely to strike

    @model_validator(mode="after")
    def _has_impact(self):
        if self.pause is None and not self.delays:
            raise ValueError("a risk needs an impact: a pause, delays to named tasks, or both")
        return self


class Correlation(Provenance):
    """A rank correlation between the durations of `tasks` and the occurrences of `risks`."""

    tasks: list[str] = []
    risks: list[str] = []
    rank: Annotated[float, Field(gt=-1.0, lt=1.0)]


class StaffGroup(Provenance):
    headcount: Annotated[int, Field(ge=0)]
    fte: Annotated[float, Field(ge=0)]
    agency_share: Share  # share of FTE filled by agency workers (they do not transfer under TUPE)
    average_cost: Pounds  # per permanent FTE per year, 2020/21, with on-costs
    agency_premium: Annotated[float, Field(ge=0)]  # an agency FTE costs (1 + premium) × average_cost

    @property
    def cost(self) -> float:
        """A year's cost in 2020/21 pounds, agency premium included."""
        return self.fte * self.average_cost * (1 + self.agency_premium * self.agency_share)


class Service(Provenance):
    name: str
    budget: Pounds  # 2020/21 gross budget
    scope: str  # in, out, or the scope decision that settles it (a key of `scope`)
    transfer_back: dt.date | None = None  # leaves the contract for the council from this date
    staff: dict[str, StaffGroup] = {}


class SetupCost(Provenance):
    amount: Estimate[Pounds]
    paid_when: str  # the task whose finish the payment falls on


class Split(Provenance):
    """How North and West share council costs after vesting day."""

    rule: Literal["fixed", "population", "children_in_care"]
    north: Annotated[float, Field(gt=0)]
    west: Annotated[float, Field(gt=0)]
    in_house: Literal["north", "west"] | None = None  # a council that keeps its share of the service in house

    @property
    def north_share(self) -> float:
        return self.north / (self.north + self.west)


class Transformation(Provenance):
    """Invest-to-save inside the contract sum ("Block 2")."""

    from_year: FinancialYear
    investment: Pounds
    savings_per_year: Pounds
    delay: ThreePoint  # before savings start, from the start of that year
    achieved: Estimate[Share]  # share of the hoped-for savings delivered


class Finance(Model):
    horizon: Quantity[dt.date]
    budget_excluding_schools: Quantity[Pounds]
    in_scope_share: Quantity[Share]
    programme_burn_per_month: Estimate[Pounds]
    stabilisation: ThreePoint  # programme team stays on after go-live
    setup_costs: dict[str, SetupCost] = {}
    shadow_running_per_month: Quantity[Pounds]  # trust leadership costs before go-live
    shadow_from_task: str
    stranded_overheads_per_month: Estimate[Pounds]
    stranded_period: ThreePoint
    pay_awards: dict[FinancialYear, Quantity[float]] = {}
    living_wage_changes: dict[FinancialYear, Quantity[float]] = {}
    low_paid_share: Quantity[Share]
    inflation: dict[FinancialYear, Quantity[float]] = {}
    demand_growth_per_year: Estimate[Pounds]
    in_year_pressure: Estimate[float]  # share of the service's cost, each year
    exceptional_threshold: Quantity[Pounds]
    transformation: Transformation | None = None
    agency_conversion_per_year: Estimate[Share]
    dfe_transition_funding: Quantity[Pounds]
    dfe_paid_when: str
    split: Split


class Scenario(Model):
    name: str
    description: str = ""
    seed: int = 20191101
    default_distribution: Distribution = "pert"
    start: Quantity[dt.date]
    status_date: Quantity[dt.date] | None = None
    planned_go_live: Quantity[dt.date]
    vesting_day: Quantity[dt.date]
    go_live: GoLiveRule
    closed_windows: dict[str, Window] = {}
    capacities: dict[str, Quantity[Annotated[int, Field(ge=1)]]] = {}
    calendars: dict[str, WorkCalendarSpec] = {}
    default_calendar: str | None = None
    scope: dict[str, ScopeOutcome | ScopeBranch] = {}
    tasks: dict[str, Task] = Field(min_length=1)
    fallbacks: dict[str, Fallback] = {}
    risks: dict[str, Risk] = {}
    correlations: dict[str, Correlation] = {}
    services: dict[str, Service] = {}
    finance: Finance | None = None

    @model_validator(mode="before")
    @classmethod
    def _working_day_durations(cls, data):
        return durations_in_working_days(data)

    @property
    def branches(self) -> dict[str, ScopeBranch]:
        """The scope decisions whose outcome is drawn per replication."""
        return {k: v for k, v in self.scope.items() if isinstance(v, ScopeBranch)}

    def with_scope(self, outcomes: dict[str, str]) -> "Scenario":
        """The scenario with the given scope decisions settled (one branch of a branching scenario)."""
        return self.model_copy(update={"scope": {**self.scope, **outcomes}})

    def calendar_of(self, task: Task) -> str | None:
        return task.calendar or self.default_calendar

    @property
    def status(self) -> dt.date:
        return self.status_date.value if self.status_date is not None else self.start.value

    def distribution_of(self, item: Task | Risk) -> str:
        return item.distribution or self.default_distribution


def durations_in_working_days(data):
    """The raw scenario with the durations of calendar tasks (and risk delays to them) in working days.

    On a task with a calendar `d` is a working day, `w` a working week (5 working days on a
    calendar with weekends off, else 7), `m` and `y` in proportion; written as days, they then
    count working days of that calendar in the engine.
    """
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), dict):
        return data
    calendars = data.get("calendars") if isinstance(data.get("calendars"), dict) else {}

    def week(task) -> int | None:
        name = task.get("calendar", data.get("default_calendar")) if isinstance(task, dict) else None
        spec = calendars.get(name) if isinstance(name, str) else None
        return None if not isinstance(spec, dict) else (5 if spec.get("weekends") is True else 7)

    def convert(estimate, days_per_week):
        if not isinstance(estimate, dict):
            return estimate
        return {k: (working_days(v, days_per_week) if k in ("low", "likely", "high") else v)
                for k, v in estimate.items()}

    weeks = {key: week(task) for key, task in data["tasks"].items()}
    if not any(w is not None for w in weeks.values()):
        return data
    data = dict(data)
    tasks = {}
    for key, task in data["tasks"].items():
        w = weeks[key]
        tasks[key] = task if w is None else {k: (convert(v, w) if k in ("duration", "remaining") else v)
                                             for k, v in task.items()}
    data["tasks"] = tasks
    if isinstance(data.get("risks"), dict):
        risks = {}
        for key, risk in data["risks"].items():
            if isinstance(risk, dict) and isinstance(risk.get("delays"), dict):
                risk = {**risk, "delays": {t: convert(e, weeks[t]) if weeks.get(t) else e
                                           for t, e in risk["delays"].items()}}
            risks[key] = risk
        data["risks"] = risks
    return data
