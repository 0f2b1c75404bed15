"""The scenario language: pydantic models of a validated, frozen scenario."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from transition_sim.units import parse_duration, parse_money

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
    published: dt.date | None = None  # when the source was published: a forecast may use only what came before it
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
    window: RiskWindow | None = None  # without one, the risk strikes during the task it delays
    pause: ThreePoint | None = None
    delays: dict[str, ThreePoint] = {}
    cost: Estimate[Pounds] | None = None  # paid by the council in the month the risk strikes
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _has_impact(self):
        if self.pause is None and not self.delays:
            raise ValueError("a risk needs an impact: a pause, delays to named tasks, or both")
        if self.window is None and self.pause is not None:
            raise ValueError("a risk with a pause needs a window: it stops the whole programme, not one task")
        return self


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
    # a year's index is known (a value) or, for years still ahead at the status date, uncertain (low/likely/high)
    pay_awards: dict[FinancialYear, Estimate[float] | Quantity[float]] = {}
    living_wage_changes: dict[FinancialYear, Estimate[float] | Quantity[float]] = {}
    low_paid_share: Quantity[Share]
    inflation: dict[FinancialYear, Estimate[float] | Quantity[float]] = {}
    demand_growth_per_year: Estimate[Pounds]
    in_year_pressure: Estimate[float]  # share of the service's cost, each year
    exceptional_threshold: Quantity[Pounds]
    transformation: Transformation | None = None
    agency_conversion_per_year: Estimate[Share]
    dfe_transition_funding: Quantity[Pounds]
    dfe_paid_when: str
    split: Split


class Actuals(Model):
    """What is already known at the status date; it replaces the forecast of what it names."""

    go_live: Quantity[dt.date] | None = None  # fixes the timeline: every replication goes live on it


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
    scope: dict[str, ScopeOutcome] = {}
    tasks: dict[str, Task] = Field(min_length=1)
    risks: dict[str, Risk] = {}
    services: dict[str, Service] = {}
    finance: Finance | None = None
    actuals: Actuals | None = None

    @property
    def status(self) -> dt.date:
        return self.status_date.value if self.status_date is not None else self.start.value

    def distribution_of(self, item: Task | Risk) -> str:
        return item.distribution or self.default_distribution
