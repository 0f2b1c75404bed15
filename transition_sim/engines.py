"""Which engine plays the replications and on how many cores: light enough for the CLI to read before it
imports the rest (numpy, pandas, numba)."""

from __future__ import annotations

import contextlib
import os
from contextvars import ContextVar

from transition_sim.errors import Problem, ScenarioError

ENGINES = ("compiled", "simpy")  # the compiled executor (`compiled.py`), and SimPy, the engine of record
ENGINE_VARIABLE = "TRANSITION_SIM_ENGINE"  # the default engine, when no --engine is given
_chosen_engine: ContextVar[str | None] = ContextVar("engine", default=None)


def current_engine() -> str:
    """The engine replications are played on: as `using_engine` set it, else $TRANSITION_SIM_ENGINE, else compiled."""
    name = _chosen_engine.get() or os.environ.get(ENGINE_VARIABLE) or ENGINES[0]
    if name not in ENGINES:
        raise ScenarioError([Problem(f"${ENGINE_VARIABLE}", "", None,
                                     f"unknown engine {name!r}: expected one of {', '.join(ENGINES)}")])
    return name


@contextlib.contextmanager
def using_engine(name: str | None):
    """Play every replication simulated inside the block on engine `name` (None: the default)."""
    token = _chosen_engine.set(name)
    try:
        yield
    finally:
        _chosen_engine.reset(token)


def available_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def resolve_workers(workers: int | None, runs: int) -> int:
    """The worker processes that will run: as asked (all cores if None), at most one per core and per replication."""
    return max(1, min(workers or available_workers(), available_workers(), runs))
