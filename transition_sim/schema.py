"""The scenario language: pydantic models of a validated, frozen scenario."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from transition_sim.units import WEEKS_PER_YEAR, parse_duration, parse_lag, parse_money, working_days

T = TypeVar("T")
# what a file holds, for the JSON Schema editors use (`transition-sim schema`); validation parses it
DurationText = Annotated[str, Field(pattern=r"^\s*\d+(\.\d+)?\s*[dwmy]\s*$", examples=["6w", "30d", "3m"])]
LagText = Annotated[str, Field(pattern=r"^\s*-?\s*\d+(\.\d+)?\s*[dwmy]\s*$", examples=["2d", "-1d"])]
MoneyText = Annotated[str, Field(pattern=r"^\s*£?\s*\d+(\.\d+)?\s*[km]?\s*$", examples=["£2.58m", "£250k"])]
Days = Annotated[float, BeforeValidator(parse_duration, json_schema_input_type=DurationText)]
Pounds = Annotated[float, BeforeValidator(parse_money, json_schema_input_type=MoneyText | float)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
FinancialYear = Annotated[str, Field(pattern=r"^\d{4}/\d{2}$")]
Distribution = Literal["triangular", "pert"]
ScopeOutcome = Literal["in", "out"]
LinkType = Literal["FS", "SS", "FF", "SF"]


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
    programme: str  # the programme whose last task sets readiness (a key of `programmes`)
    slot: Literal["first_of_month"] = "first_of_month"
    go_no_go_notice: Quantity[Days]
    eli_notice: Quantity[Days]
    consultation_tasks: list[str] = Field(min_length=1)


class Link(Model):
    """A dependency on another task: FS (finish-to-start, the default), SS, FF or SF, with a lag.

    A negative lag is a lead. A predecessor written as a bare task id is FS with no lag.
    """

    task: str
    type: LinkType = "FS"
    lag: Annotated[float, BeforeValidator(parse_lag, json_schema_input_type=LagText)] = 0.0


def _as_link(value):
    return {"task": value} if isinstance(value, str) else value


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
    programme: str | None = None  # a key of `programmes`; none means the go-live programme
    for_each: Literal["successor"] | None = None  # one copy of the task per successor council
    duration: ThreePoint | None = None
    distribution: Distribution | None = None
    predecessors: list[Annotated[Link, BeforeValidator(_as_link, json_schema_input_type=str | Link)]] = []
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
    window: RiskWindow | None = None  # without one, the risk strikes during the task it delays
    pause: ThreePoint | None = None
    delays: dict[str, ThreePoint] = {}
    cost: Estimate[Pounds] | None = None  # paid by the council in the month the risk strikes
    distribution: Distribution | None = None
    calendar: dict[str, RiskPeriod] = {}  # periods in which it is more (or less) likely to strike

    @model_validator(mode="after")
    def _has_impact(self):
        if self.pause is None and not self.delays:
            raise ValueError("a risk needs an impact: a pause, delays to named tasks, or both")
        if self.window is None and self.pause is not None:
            raise ValueError("a risk with a pause needs a window: it stops the whole programme, not one task")
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
    budget: Pounds  # gross budget in the scenario's first year
    scope: str  # in, out, or the scope decision that settles it (a key of `scope`)
    transfer_back: dt.date | None = None  # leaves the contract for the council from this date
    staff: dict[str, StaffGroup] = {}
    split: "Split | None" = None  # this service's own split between the successors (default finance.split)


class SetupCost(Provenance):
    amount: Estimate[Pounds]
    paid_when: str  # the task whose finish the payment falls on


SplitRule = Literal["fixed", "population", "children_in_care"]


class Split(Provenance):
    """How the successor councils share council costs: fixed shares, or by a council attribute."""

    rule: SplitRule
    shares: dict[str, Annotated[float, Field(gt=0)]] = {}  # council id -> share, for the fixed rule


Service.model_rebuild()


class Transformation(Provenance):
    """Invest-to-save inside the contract sum ("Block 2")."""

    from_year: FinancialYear
    investment: Pounds
    savings_per_year: Pounds
    delay: ThreePoint  # before savings start, from the start of that year
    achieved: Estimate[Share]  # share of the hoped-for savings delivered


class Placement(Provenance):
    """One placement type: its share of the children in care and its weekly unit cost."""

    share: Quantity[Share]  # of the children in care at the count
    weekly_cost: Quantity[Pounds]  # per child, in the prices of `demand.prices_in`


class Demand(Provenance):
    """Children in care times unit costs by placement type: the non-staff cost of one service line.

    The count grows by a rate drawn afresh each year (a random walk, so uncertainty compounds with
    the horizon); unit costs follow their own price index by financial year.
    """

    service: str  # the service line (a key of `services`) whose non-staff cost this is
    children_in_care: Quantity[Annotated[int, Field(ge=0)]]
    counted_on: Quantity[dt.date]  # the day of the count (31 March for the DfE statistics)
    growth_per_year: Estimate[float]  # the count's yearly growth, drawn afresh each year
    placements: dict[str, Placement] = Field(min_length=1)
    prices_in: FinancialYear  # the year whose prices the unit costs are in
    # placement price change by year after `prices_in`: known (a value) or uncertain (low/likely/high)
    price_growth: dict[FinancialYear, Estimate[float] | Quantity[float]] = {}

    @property
    def yearly_cost_per_child(self) -> float:
        """The year's cost of a child in care, averaged over placement types, in `prices_in` prices."""
        return WEEKS_PER_YEAR * sum(p.share.value * p.weekly_cost.value for p in self.placements.values())

    @model_validator(mode="after")
    def _shares_add_up(self):
        total = sum(p.share.value for p in self.placements.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"placement shares add up to {total:.4g}, not 1")
        return self


class Funding(Provenance):
    amount: Pounds
    paid_when: str  # the task whose finish the payment falls on


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
    demand: Demand | None = None  # children in care and unit costs, driving one service line
    in_year_pressure: Estimate[float]  # share of the service's cost, each year
    rebase_share: Estimate[Share] | None = None  # share of a year's pressure that persists into later years' base
    exceptional_threshold: Quantity[Pounds]
    transformation: Transformation | None = None
    agency_conversion_per_year: Estimate[Share]
    transition_funding: dict[str, Funding] = {}  # funder id -> what it pays towards the transition
    split: Split | None = None  # needed when there is more than one successor council



# --- organisations ------------------------------------------------------------------------------
class Council(Provenance):
    name: str
    role: Literal["predecessor", "successor"]
    from_: Quantity[dt.date] | None = Field(None, alias="from")  # a successor's vesting day
    until: Quantity[dt.date] | None = None  # a predecessor's last day
    population: Quantity[Annotated[int, Field(gt=0)]] | None = None
    children_in_care: Quantity[Annotated[int, Field(gt=0)]] | None = None


class Provider(Provenance):
    """The organisation that delivers the service under contract: a trust or company."""

    name: str
    owners: list[str] = Field(min_length=1)  # council ids; each owns it while the council exists


class Funder(Provenance):
    name: str


DeliveryModel = Literal["trust", "disaggregate", "lead_authority", "shared_service"]


class Programme(Provenance):
    name: str
    paused_by_risks: bool = True  # false for a programme whose end date is fixed by law
    delivers: list[DeliveryModel] = []  # the delivery models whose set-up this programme's tasks carry out


class CostItem(Provenance):
    """A cost of the delivery model: one-off when a task finishes, or monthly from go-live or vesting day."""

    category: str  # the ledger category it is booked under
    amount: Estimate[Pounds]  # a one-off sum, or a year's cost for recurring items
    paid_when: str | None = None  # one-off: the task whose finish the payment falls on
    recurring_from: Literal["go_live", "vesting_day"] | None = None  # recurring: a twelfth a month from then
    times: Literal["once", "each_successor", "each_extra_successor"] = "once"
    paid_by: str | None = None  # a council id; none means the councils paying in that month, by the split

    @model_validator(mode="after")
    def _when(self):
        if (self.paid_when is None) == (self.recurring_from is None):
            raise ValueError("give a cost item either paid_when: (a one-off) or recurring_from: (a yearly cost)")
        return self


class SupportService(Provenance):
    """A service the provider buys back from a council under a support-service agreement."""

    charge_per_year: Estimate[Pounds]
    provided_by: str | None = None  # a council id; none means the councils of the month, by the split


class LossClaim(Provenance):
    """The provider's claim when a council-side task is late or a council-side risk strikes."""

    amount: Estimate[Pounds]
    late_task: str | None = None  # a task that the provider depends on ...
    due: dt.date | None = None  # ... and the date it must be finished by
    risk: str | None = None  # or a risk whose strike means the council failed to deliver
    paid_by: str | None = None  # a council id; none means the councils paying in that month, by the split

    @model_validator(mode="after")
    def _trigger(self):
        if (self.late_task is None) == (self.risk is None) or (self.late_task is not None) != (self.due is not None):
            raise ValueError("a loss claim is triggered by late_task: with due:, or by risk:")
        return self


class Delivery(Provenance):
    """How the service is delivered after the reorganisation."""

    model: DeliveryModel
    provider: str | None = None  # a key of `providers`: the trust or company
    host: str | None = None  # the successor council that hosts a lead-authority or shared service
    in_house: list[str] = []  # successor councils that keep their share of the service in house
    recharge_overhead: Quantity[Share] | None = None  # lead authority: the host's charge on top of the others' shares
    cost_items: dict[str, CostItem] = {}
    support_services: dict[str, SupportService] = {}
    loss_claims: dict[str, LossClaim] = {}


class OutsideView(Model):
    """Whether to widen the go-live forecast to the reference class of past cases (never silently)."""

    apply: bool = False


class Actuals(Model):
    """What is already known at the status date; it replaces the forecast of what it names."""

    go_live: Quantity[dt.date] | None = None  # fixes the timeline: every replication goes live on it
    contract_sum: dict[FinancialYear, Quantity[Pounds]] = {}  # agreed at the annual review, before the year
    outturn: dict[FinancialYear, Quantity[Pounds]] = {}  # what the year cost: contract sum and in-year money


class Scenario(Model):
    name: str
    description: str = ""
    todo: list[str] = []  # what an imported plan did not say, for the user to settle (validate lists it)
    seed: Annotated[int, Field(ge=0)] = 20191101
    default_distribution: Distribution = "pert"
    start: Quantity[dt.date]
    status_date: Quantity[dt.date] | None = None
    planned_go_live: Quantity[dt.date]
    councils: dict[str, Council] = Field(min_length=1)
    providers: dict[str, Provider] = {}
    funders: dict[str, Funder] = {}
    delivery: Delivery
    programmes: dict[str, Programme] = Field(min_length=1)
    allow_staggered_vesting: bool = False  # successors may vest on different days
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
    actuals: Actuals | None = None
    outside_view: OutsideView | None = None

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
    def predecessors(self) -> dict[str, Council]:
        return {k: c for k, c in self.councils.items() if c.role == "predecessor"}

    @property
    def successors(self) -> dict[str, Council]:
        return {k: c for k, c in self.councils.items() if c.role == "successor"}

    @property
    def vesting_day(self) -> Quantity[dt.date]:
        """The first successor's `from` date: the day the new councils take over."""
        return min((c.from_ for c in self.successors.values() if c.from_ is not None), key=lambda q: q.value)

    def programme_of(self, task: Task) -> str:
        return task.programme or self.go_live.programme

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
