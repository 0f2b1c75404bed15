"""A run's replications begun as the command starts, while this process imports the rest of the package.

Reading the scenario and compiling its network need neither pandas nor the libraries of the report and the
board pack, which take the command about half a second to import (measured on 2 cores). `begin` reads and
compiles first and hands the warm workers (`warm`) the pieces of the run's first block, which they play while
the command imports the rest. They are exactly the pieces `montecarlo.play_in_chunks` asks for, so when it asks
for them, `warm.WarmPool.play` takes their results as they are: the numbers are those of any run. The command
reads its scenario from here (`taken`), not again, if its files are unchanged.

What cannot be begun is left to the command, as before: bad input (which the command reads again and reports
itself), `--runs auto`, a cluster, the SimPy engine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from transition_sim import warm
from transition_sim.engines import current_engine, resolve_workers
from transition_sim.golive import GoLiveCalendar
from transition_sim.pieces import BLOCK_REPLICATIONS, replication_pieces, rows_piece
from transition_sim.programme import compile_network
from transition_sim.scenario import LoadedScenario, load, resolve_path

_begun: tuple[tuple, LoadedScenario] | None = None  # ((path, overrides), what was read) of the run begun


def begin(path: str | Path | None, overrides: tuple[str, ...], runs, seed: int | None, workers: int | None) -> None:
    """Read the scenario at `path` with `overrides` and begin its first block of `runs` replications on the
    command's warm workers, if it has them; otherwise, or if anything is wrong, do nothing."""
    global _begun
    pool = warm.current()
    if pool is None or not isinstance(runs, int) or not 0 < runs or (seed is not None and seed < 0):
        return
    try:
        loaded = load(path, tuple(overrides))
        net, calendar = compile_network(loaded.scenario), GoLiveCalendar.of(loaded.scenario)
    except Exception:  # noqa: BLE001 (the command reads it again, and reports what is wrong)
        return
    count = min(runs, BLOCK_REPLICATIONS)
    pieces, _ = replication_pieces(loaded.scenario.seed if seed is None else seed, np.arange(count),
                                   resolve_workers(workers, count))
    pool.begin(rows_piece, net, calendar, current_engine(), pieces)
    _begun = ((resolve_path(path), tuple(overrides)), loaded)


def taken(path: str | Path | None, overrides) -> LoadedScenario | None:
    """The scenario `begin` read, once, if it is the one asked for and none of its files has changed since."""
    global _begun
    begun, _begun = _begun, None
    if begun is None or begun[0] != (resolve_path(path), tuple(overrides)):
        return None
    return begun[1] if begun[1].unchanged() else None  # else the command reads it again (and says what is wrong)
