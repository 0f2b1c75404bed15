"""The scenario language: pydantic models of a validated, frozen scenario."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from transition_sim.units import parse_duration

T = TypeVar("T")
Days = Annotated[float, BeforeValidator(parse_duration)]
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


class ThreePoint(Model):
    low: Days
    likely: Days
    high: Days

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.likely <= self.high:
            raise ValueError("three-point estimate out of order: it must be low <= likely <= high")
        return self


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
    window: RiskWindow
    pause: ThreePoint | None = None
    delays: dict[str, ThreePoint] = {}
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _has_impact(self):
        if self.pause is None and not self.delays:
            raise ValueError("a risk needs an impact: a pause, delays to named tasks, or both")
        return self


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

    @property
    def status(self) -> dt.date:
        return self.status_date.value if self.status_date is not None else self.start.value

    def distribution_of(self, item: Task | Risk) -> str:
        return item.distribution or self.default_distribution
