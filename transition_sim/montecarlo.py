"""Many replications: seeded, chunked, in parallel worker processes, gathered into tidy tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm import tqdm

from transition_sim import actuals, attribution, warm
# the engine choice and the pieces a worker plays live in modules a worker can import without pandas;
# callers find them here as before
from transition_sim.engines import ENGINES, available_workers, current_engine, resolve_workers, using_engine  # noqa: F401
from transition_sim.golive import GoLiveCalendar
from transition_sim.pieces import (chunks, play_rows, replication_pieces, rows_piece, simulate_rows,  # noqa: F401
                                   without_risks_piece)
from transition_sim.programme import Network, compile_network
from transition_sim.results import BRANCH, SLIP, Results
from transition_sim.schema import Scenario


# Rough costs measured on the baseline (2 cores, 2026): a task's share of a replication, and starting a
# pool of worker processes. Work worth less than the pool's start runs in this process; the results
# are the same either way (replication i depends only on the seed and i).
SECONDS_PER_TASK = {"compiled": 1.5e-6, "simpy": 40e-6}
POOL_START_SECONDS = 0.5


def simulate(scenario: Scenario, runs: int = 2000, seed: int | None = None, workers: int | None = None,
             progress: bool = False, cluster=None, first: int = 0) -> Results:
    """Play `runs` replications, numbered from `first`; replication i depends only on (seed, i), whatever
    `workers` is, so a run in blocks (`first` > 0 for the later ones) gives the rows of one run.

    The timeline only: the money is the cost model's, applied to these results by the api.
    `cluster`, a dask.distributed Client (see `cluster.connect`), plays the chunks on its workers.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, not {runs}")
    seed = scenario.seed if seed is None else seed
    net, calendar = compile_network(scenario), GoLiveCalendar.of(scenario)
    indices = np.arange(first, first + runs)
    arrays = play_in_chunks(net, calendar, seed, indices, workers, progress, cluster)
    return tabulate(scenario, net, calendar, seed, indices, actuals.fix_timeline(scenario, net, calendar, arrays))


def simulate_replications(scenario: Scenario, seed: int, indices, workers: int | None = None, cluster=None) -> dict:
    """Only the replications numbered `indices`, as arrays with a row per index in ascending order.

    Row j equals row indices[j] of a full run with the same seed.
    """
    indices = np.unique(np.asarray(indices, dtype=np.int64))
    net, calendar = compile_network(scenario), GoLiveCalendar.of(scenario)
    return actuals.fix_timeline(scenario, net, calendar, play_in_chunks(net, calendar, seed, indices, workers,
                                                                        cluster=cluster))


def go_live_without(scenario: Scenario, seed: int, removals: dict[str, np.ndarray], workers: int | None = None,
                    cluster=None, progress: bool = False, desc: str = "risk re-runs") -> dict[str, np.ndarray]:
    """Per risk, the go-live dates of the replications `removals[risk]` (in ascending order) of the scenario
    with that risk removed (`analysis.without_risk`), with the run's `seed`.

    Every risk's re-runs go through one set of chunks: a chunk is consecutive replications, drawn once,
    with each risk that needs some of them played on those rows without it.
    """
    net, calendar = compile_network(scenario), GoLiveCalendar.of(scenario)
    position = {key: r for r, key in enumerate(net.risk_ids)}
    wanted = {key: np.unique(np.asarray(reps, dtype=np.int64)) for key, reps in removals.items()}
    pairs = sorted((int(i), position[key]) for key, reps in wanted.items() for i in reps)
    pieces, sizes = [], []
    for first, count in chunks(len(pairs), resolve_workers(workers, len(pairs))):
        part = pairs[first:first + count]
        indices = np.unique([i for i, _ in part])
        where = {int(i): j for j, i in enumerate(indices)}
        by_risk: dict[int, list[int]] = {}
        for i, r in part:
            by_risk.setdefault(r, []).append(where[i])
        pieces.append((seed, indices, tuple((r, np.array(rows)) for r, rows in sorted(by_risk.items()))))
        sizes.append(count)
    played = run_pieces(without_risks_piece, net, calendar, pieces, sizes, workers, progress, cluster, desc)
    # the pieces follow the pairs in replication order, so each risk's dates come in that order
    gathered: dict[int, list] = {r: [np.empty(0, dtype="datetime64[D]")] for r in position.values()}
    for (_, _, removed), part in zip(pieces, played):
        for r, _ in removed:
            gathered[r].append(part[r])
    return {key: actuals.fixed_go_live(scenario, np.concatenate(gathered[position[key]])) for key in wanted}


def play_in_chunks(net: Network, calendar: GoLiveCalendar, seed: int, indices: np.ndarray,
                   workers: int | None, progress: bool = False, cluster=None) -> dict:
    """The replications `indices` (ascending), in chunks: on a Dask cluster, or in worker processes if more than one."""
    total = len(indices)
    if total == 0:
        return simulate_rows(net, calendar, seed, indices, current_engine())
    if cluster is None:
        workers = resolve_workers(workers, total)
    else:
        workers = max(1, min(len(cluster.scheduler_info()["workers"]), total))
    pieces, sizes = replication_pieces(seed, indices, workers)
    parts = run_pieces(rows_piece, net, calendar, pieces, sizes, workers, progress, cluster, "simulating")
    return {f: np.concatenate([part[f] for part in parts]) for f in parts[0]}


def run_pieces(function, net: Network, calendar: GoLiveCalendar, pieces: list, sizes: list[int],
               workers: int | None, progress: bool, cluster, desc: str) -> list:
    """[function(net, calendar, engine, piece) for piece in pieces]: on a Dask cluster, on the command's warm
    workers, on worker processes started for this call (`warm.WarmPool`) if more than one is worth it, or
    here; a progress bar advances by each piece's size as it is done."""
    engine = current_engine()
    pool = warm.current() if cluster is None else None  # the command's workers, started warm
    started = None
    if cluster is None and pool is None:
        workers = resolve_workers(workers, len(pieces))
        if sum(sizes) * len(net.task_ids) * SECONDS_PER_TASK[engine] < POOL_START_SECONDS:
            workers = 1  # quicker here than in worker processes, which take longer to start
        if workers > 1:
            pool = started = warm.WarmPool(workers, engine)  # for this call only
    parts: list = [None] * len(pieces)
    bar = tqdm(total=sum(sizes), unit="rep", desc=desc, disable=not progress, leave=False)
    try:
        if cluster is not None:
            from transition_sim import cluster as dask_cluster
            played = dask_cluster.play(cluster, function, net, calendar, engine, pieces)
        elif pool is not None:
            played = pool.play(function, net, calendar, engine, pieces)
        else:
            played = ((k, function(net, calendar, engine, piece)) for k, piece in enumerate(pieces))
        for k, part in played:  # as each piece is done
            parts[k] = part
            bar.update(sizes[k])
    finally:
        bar.close()
        if started is not None:
            started.close()
    return parts


def tabulate(scenario: Scenario, net: Network, calendar: GoLiveCalendar, seed: int, indices: np.ndarray,
             arrays: dict) -> Results:
    """The tidy tables of the replications numbered `indices` (consecutive)."""
    runs = len(indices)
    start = pd.Timestamp(calendar.start)
    # the type pandas gives a date plus days (its resolution differs between pandas versions)
    resolution = (start + pd.to_timedelta(np.zeros(1), unit="D")).to_numpy().dtype
    first_day, step = start.to_datetime64().astype(resolution), np.timedelta64(1, "D").astype(
        resolution.str.replace("M8", "m8"))

    origin, ticks_a_day = first_day.astype(np.int64), step.astype(np.int64)

    def dates(days: np.ndarray) -> np.ndarray:
        """The calendar dates of day numbers (NaT where there is none), as pandas would add them up: counted in
        the resolution's ticks (a third of the time datetime arithmetic takes on a million tasks)."""
        known = ~np.isnan(days)
        ticks = origin + np.floor(np.where(known, days, 0.0)).astype(np.int64) * ticks_a_day
        return np.where(known, ticks, np.datetime64("NaT").astype(np.int64)).view(resolution)

    go_live = pd.to_datetime(arrays["go_live"])
    planned = pd.Timestamp(scenario.planned_go_live.value)
    vesting = pd.Timestamp(calendar.vesting_day)
    replications = pd.DataFrame({
        "replication": indices,
        "go_live_date": go_live,
        "readiness_date": dates(arrays["readiness_day"]),
        "readiness_day": arrays["readiness_day"],
        "consultation_end_date": dates(arrays["consultation_end_day"]),
        "vesting_day": vesting,
        "reorganisation_ready_date": dates(arrays["reorganisation_ready_day"]),
        "slip_days": (go_live - planned).days.astype(int),
        "on_time": go_live <= planned,
        "live_before_vesting": go_live < vesting,
        "paused_days": arrays["paused_days"],
        **branch_columns(net, arrays["branch_in"]),
        **{f"fallback_{key}": arrays["fallback_taken"][:, i] for i, key in enumerate(net.fallback_ids)},
        **{f"{SLIP}{cause}": arrays["slip_causes"][:, i] for i, cause in enumerate(attribution.causes(net))},
    })
    n_tasks = len(net.task_ids)
    task_ids = pd.Categorical.from_codes(np.tile(np.arange(n_tasks), runs), categories=list(net.task_ids))
    start_day, finish_day = arrays["task_start_day"].ravel(), arrays["task_finish_day"].ravel()
    tasks = pd.DataFrame({
        "replication": np.repeat(indices, n_tasks),
        "task_id": task_ids,
        "start_day": start_day,
        "finish_day": finish_day,
        "start_date": dates(start_day),
        "finish_date": dates(finish_day),
        "duration_days": finish_day - start_day,
        "critical": arrays["critical"].ravel(),
    }, copy=False)  # the columns as they are, not copied into blocks: millions of rows (the arrays are not kept)
    n_risks = len(net.risk_ids)
    strike_day = arrays["risk_strike_day"].ravel()
    risks = pd.DataFrame({
        "replication": np.repeat(indices, n_risks),
        "risk_id": pd.Categorical.from_codes(np.tile(np.arange(n_risks), runs), categories=list(net.risk_ids)),
        "struck": arrays["risk_struck"].ravel(),
        "strike_date": dates(strike_day),
        "pause_days": arrays["risk_pause_days"].ravel(),
        "delay_days": arrays["risk_delay_days"].ravel(),
        # struck and changed a date: delayed a task, or paused work that was under way
        "effective": (arrays["risk_delay_days"] > 0).ravel() | (arrays["risk_pause_days"] > 0).ravel(),
    })
    return Results(scenario, seed, runs, replications, tasks, risks, task_table(scenario, net),
                   correlated=arrays.get("correlated"))




def branch_columns(net: Network, branch_in: np.ndarray) -> dict[str, np.ndarray]:
    """`scope_<decision>` ("in"/"out") per open scope decision, and their combination as `branch`."""
    if not net.branch_ids:
        return {}
    columns = {f"scope_{b}": np.where(branch_in[:, i], "in", "out") for i, b in enumerate(net.branch_ids)}
    label = np.full(len(branch_in), "", dtype=object)
    for i, b in enumerate(net.branch_ids):
        label = label + ("; " if i else "") + b + "=" + columns[f"scope_{b}"]
    return {**columns, BRANCH: label.astype(str)}


def task_table(scenario: Scenario, net: Network) -> pd.DataFrame:
    return pd.DataFrame({
        "task_id": net.task_ids,
        "name": [scenario.tasks[k].name for k in net.task_ids],
        "workstream": list(net.workstreams),
        "programme": list(net.programmes),
    })
