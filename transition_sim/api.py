"""The Python API: what the CLI does, callable from a notebook."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import time
from dataclasses import dataclass
import itertools
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import yaml

from transition_sim import (__version__, analysis, boardpack, convergence, costs, explain, health,
                            montecarlo, outside_view, plausibility, runstore, scenario_schema, tables)
from transition_sim import ahead, forked, headstart, heap
from transition_sim import progress as progress_bars
from transition_sim.cluster import connect
from transition_sim.errors import Problem, ScenarioError
from transition_sim.lazy import lazy_import
from transition_sim.ledger import StoredTable
from transition_sim.pieces import BLOCK_REPLICATIONS
from transition_sim.montecarlo import available_workers, current_engine, resolve_workers, task_table, using_engine
from transition_sim.programme import compile_network
from transition_sim.results import Results
from transition_sim.scenario import LoadedScenario, load, parse_override, resolve_path, resolved_yaml

report, slides = lazy_import("transition_sim.report"), lazy_import("transition_sim.slides")  # plotly: only for pages
importers, status = lazy_import("transition_sim.importers"), lazy_import("transition_sim.status")  # not for a run


@dataclass(frozen=True)
class Run:
    results: Results
    summary: dict
    folder: Path | None
    loaded: LoadedScenario
    workers: int
    seconds: float  # simulating
    total_seconds: float  # the whole call: loading, simulating, the report and writing
    warnings: tuple[str, ...] = ()
    findings: tuple = ()  # the health gate's findings (health.Finding), shown as warnings
    convergence: dict | None = None  # with runs="auto": replications, precision achieved, batches


STREAMED = ("tasks", "risks", "ledger")  # the tables a run longer than one block writes as its blocks complete


def simulate(scenario, runs: int = 2000, seed: int | None = None, workers: int | None = None,
             progress: bool = False, cluster=None, into: runstore.RunWriter | None = None,
             on_timeline: Callable[[Results], None] | None = None) -> Results:
    """The timeline of `runs` replications, then their money (if the scenario has a finance: section).

    In blocks of BLOCK_REPLICATIONS, each block's arrays freed before the next: replication i depends
    only on (seed, i), so the blocks joined are the rows of one run. With `into`, a run folder being
    written, a run of several blocks streams each block's tasks, risks and ledger into it: the tasks
    and risks are read back once the money's arrays are gone and the ledger stays in its file
    (`ledger.StoredTable`), so memory does not grow with the ledger. Without `into`, every table is
    kept in memory.
    `cluster`, a dask.distributed Client (see `cluster.connect`), plays the chunks on its workers.
    `on_timeline`, if given, is called with the first block's timeline (with the outside view's adjustment)
    before its money is worked out, so that work which needs only the timeline can begin alongside the money
    (`begin_alongside`).
    """
    blocks = []
    streamed = into is not None and runs > BLOCK_REPLICATIONS
    for first in range(0, runs, BLOCK_REPLICATIONS):
        timeline = montecarlo.simulate(scenario, runs=min(BLOCK_REPLICATIONS, runs - first), seed=seed,
                                       workers=workers, progress=progress, cluster=cluster, first=first)
        timeline = outside_view.adjusted(timeline)
        if first == 0 and on_timeline is not None:
            on_timeline(timeline)
        block = costs.with_money(timeline)
        if streamed:
            for name in STREAMED:
                if getattr(block, name) is not None:
                    into.append(name, getattr(block, name))
            block = dataclasses.replace(block, tasks=None, risks=None, ledger=None)
        blocks.append(block)
        if streamed:
            del timeline, block  # its tables are in the folder: what they and the money held is free
            heap.give_back()
    if len(blocks) == 1:
        return blocks[0]
    joined = Results.joined(blocks)
    if not streamed:
        return joined
    ledger = into.stored("ledger")
    joined = dataclasses.replace(joined, tasks=into.read("tasks"), risks=into.read("risks"),
                                 ledger=None if ledger is None else StoredTable(ledger))
    heap.give_back()  # what reading them held (Arrow's buffers)
    return joined


def without_each_risk(results: Results, workers: int | None, client=None, progress: bool = False,
                      desc: str = "risk re-runs"):
    """What `analysis.risk_drivers` re-runs: per risk, the go-live dates of some replications of the scenario
    without it, with `results`' seed and without money (only those in which the risk changed a date can differ)."""
    return lambda removals: montecarlo.go_live_without(results.scenario, results.seed, removals, workers, client,
                                                       progress_bars.on(progress), desc)


def timestamped(stem: str) -> str:
    return f"{stem}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def default_name(loaded: LoadedScenario) -> str:
    return timestamped(loaded.path.stem)


def warnings_of(results: Results) -> list[str]:
    """Valid but absurd input, and what it does to the figures."""
    return (plausibility.input_warnings(results.scenario)
            + plausibility.result_warnings(results.scenario, results.replications))


def run(scenario: str | Path | None = None, runs: int | str = 2000, seed: int | None = None,
        workers: int | None = None, overrides: tuple[str, ...] | list[str] = (), name: str | None = None,
        out: str | Path = "runs", force: bool = False, write: bool = True, progress: bool = False,
        with_report: bool = True, tolerance_days: float = convergence.TOLERANCE_DAYS,
        tolerance_gbp: float = convergence.TOLERANCE_GBP, max_runs: int = convergence.MAX_RUNS,
        cluster: str | None = None) -> Run:
    """Simulate a scenario (the bundled baseline if None) and, if `write`, save it as runs/<name>/.

    `runs="auto"` doubles the replications until the 95% intervals of the P80 go-live and P80 cost
    are within `tolerance_days` and `tolerance_gbp`, or `max_runs` is reached.
    `cluster` ("local" or tcp://HOST:PORT) plays the chunks on a Dask cluster instead of local processes.
    """
    called = time.perf_counter()
    check_seed(seed)
    loaded = headstart.taken(scenario, overrides) or load(scenario, overrides)
    folder = runstore.run_folder(out, default_name(loaded) if name is None else name) if write else None
    workers = resolve_workers(workers, max_runs if runs == "auto" else runs)
    # a run folder is written as the blocks complete, and removed if anything fails before it is whole
    # (a copy of this process still at work when something fails is ended before the folder is removed)
    with runstore.RunWriter(folder, force) if folder is not None else contextlib.nullcontext() as into, \
            forked.copies():
        with connect(cluster, workers) as client:
            began = time.perf_counter()
            converged = None
            begun: dict = {}  # the work begun alongside the money (`begin_alongside`)
            if runs == "auto":
                results, state = convergence.until_converged(
                    lambda n: simulate(loaded.scenario, runs=n, seed=seed, workers=workers,
                                       progress=progress_bars.on(progress), cluster=client),
                    tolerance_days, tolerance_gbp, max_runs)
                runs, converged = results.runs, state.as_dict()
            else:
                # a run of one block written to a folder: the work that needs only its timeline is done while
                # the money is worked out
                early = folder is not None and runs <= BLOCK_REPLICATIONS
                results = simulate(loaded.scenario, runs=runs, seed=seed, workers=workers,
                                   progress=progress_bars.on(progress), cluster=client, into=into,
                                   on_timeline=(lambda timeline: begun.update(begin_alongside(
                                       timeline, into, loaded, with_report, workers, progress, client)))
                                   if early else None)
            seconds = time.perf_counter() - began
            page = None
            precision = convergence.precision(results) if folder is not None else None
            # the summary's figures and money (`headline`), read by the page and the board pack as well: worked
            # out once, here, while the copies begun alongside finish, rather than by this process and the two
            # copies below at once (their ledger sums alone took the copies 0.2 s on the baseline)
            headline = analysis.headline(results)
            alongside = {key: value for copy in begun.get("alongside", ()) for key, value in copy.result().items()}
            if alongside:
                analysis.keep_task_drivers(results, alongside["task_drivers"])
            if folder is not None and with_report:
                began_report = time.perf_counter()
                risks = report_risks(results, workers, progress, client, begun.get("rerun"))
                analysis.task_drivers(results)
            if folder is not None:
                # the page, and the tables with the board pack, are made by two copies of this process (one per
                # core), forked once the re-runs are in (no thread of this one is at work then), while this one
                # writes the rest (not beside a Dask client, whose threads a fork must not copy)
                fork = client is None
                if with_report:
                    page = forked.start(lambda: report_page(results, risks, alongside.get("charts")), fork)
                pack = forked.start(lambda: tables_and_board_pack(into, results), fork)
        warnings = warnings_of(results)
        findings = alongside["findings"] if alongside else tuple(health.check(loaded.scenario))
        summary = {**headline, "warnings": warnings}
        view = outside_view.compare(results)
        if view is not None:
            summary["outside_view"] = view
        if folder is not None:
            manifest = {
                "scenario": str(loaded.path),
                "files": [{"path": p, "sha256": h} for p, h in loaded.files],
                "overrides": list(loaded.overrides),
                "seed": results.seed,
                "runs": runs,
                "workers": workers,
                "engine": current_engine(),
                "package_version": __version__,
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "timings": {"simulate_seconds": round(seconds, 3),
                            "replications_per_second": round((converged or {}).get("simulated", runs) / seconds, 1)},
                "precision": precision,
                **({"convergence": converged} if converged is not None else {}),
            }
            files = {**({} if alongside else {RESOLVED: resolved_yaml(loaded)}),
                     "summary.json": json.dumps(summary, indent=2, default=str) + "\n"}
            files["board-pack.xlsx"] = pack.result()
            if page is not None:
                files["report.html"] = page.result()
                manifest["timings"]["report_seconds"] = round(time.perf_counter() - began_report, 3)
            manifest["timings"]["total_seconds"] = round(time.perf_counter() - called, 3)
            files["manifest.json"] = json.dumps(manifest, indent=2) + "\n"
            into.finish(files, {})
            if isinstance(results.ledger, StoredTable):  # the folder has its final name now
                results = dataclasses.replace(results, ledger=StoredTable(folder / "ledger.parquet"))
    return Run(results, summary, folder, loaded, workers, seconds, time.perf_counter() - called, tuple(warnings),
               findings, converged)


TIMELINE_TABLES = ("tasks", "risks")  # the run's tables that the money leaves as the timeline has them
RESOLVED = "scenario.resolved.yaml"  # the scenario as run: every file it extends and every --set applied


def tables_and_board_pack(into: runstore.RunWriter, results: Results) -> bytes:
    """The run's tables not in its folder yet written into it, and its board pack (the work of one forked copy)."""
    into.write_tables({"replications": results.replications, "tasks": results.tasks, "risks": results.risks,
                       **({"ledger": results.ledger} if results.ledger is not None else {})})
    return boardpack.workbook(results)


def check_seed(seed: int | None) -> None:
    if seed is not None and seed < 0:
        raise ScenarioError([Problem("--seed", "", None, f"a seed is a whole number of 0 or more, not {seed}")])


REPORT_RISK_REPLICATIONS = 1000


def run_report(results: Results, workers: int | None = None, progress: bool = False, client=None) -> str:
    """The run's HTML page; each risk's effect is measured on the first 1,000 replications."""
    return report_page(results, report_risks(results, workers, progress, client))


def report_page(results: Results, risks: tuple[pd.DataFrame, int], ready: dict[int, str] | None = None) -> str:
    """The run's HTML page, given `report_risks` (and the charts made already, `report.timeline_charts`)."""
    return report.run_page(results, *risks, warnings_of(results), outside_view.html(outside_view.compare(results)),
                           ready)


def begin_alongside(timeline: Results, into: runstore.RunWriter, loaded: LoadedScenario, with_report: bool,
                    workers: int | None, progress: bool, client) -> dict:
    """The run's work that needs only its timeline and its scenario, begun while the money is worked out: two
    copies of this process, forked now (before the thread that plays the report's risk re-runs starts,
    `rerun_ahead`), share it (`timeline_work`, `scenario_work`). With the money, that is three processes'
    work for two cores; one copy doing it all took the longest of the two (measured on the 3,614-task plan:
    2.8 s, the money 0.9 s). Returns {"alongside": their futures, "rerun": `rerun_ahead`'s (with the report)}."""
    fork = client is None
    work = [forked.start(lambda: timeline_work(into, timeline, with_report), alongside=fork),
            forked.start(lambda: scenario_work(into, loaded), alongside=fork)]
    return {"alongside": work, **({"rerun": rerun_ahead(timeline, workers, progress, client)} if with_report else {})}


def timeline_work(into: runstore.RunWriter, timeline: Results, with_report: bool) -> dict:
    """The timeline's tables (TIMELINE_TABLES) written into the run's folder; its task drivers, which the money
    leaves as they are (`analysis.task_drivers`: the tasks and go-live dates); with the report, its charts of
    the timeline (`report.timeline_charts`, which read the task drivers). Returns {"task_drivers": ...,
    "charts": ... or None}."""
    into.write_tables({name: getattr(timeline, name) for name in TIMELINE_TABLES})
    return {"task_drivers": analysis.task_drivers(timeline),
            "charts": report.timeline_charts(timeline) if with_report else None}


def scenario_work(into: runstore.RunWriter, loaded: LoadedScenario) -> dict:
    """The resolved scenario (RESOLVED) written into the run's folder, and the scenario's health findings.
    Returns {"findings": ...}."""
    into.write_files({RESOLVED: resolved_yaml(loaded)})
    return {"findings": tuple(health.check(loaded.scenario))}


def report_risks(results: Results, workers: int | None = None, progress: bool = False, client=None,
                 rerun: Callable | None = None) -> tuple[pd.DataFrame, int]:
    """Each risk's effect for the report, and the number of replications it was measured on; `rerun`, from
    `rerun_ahead`, has the re-runs under way already."""
    sample = results.head(REPORT_RISK_REPLICATIONS)
    return analysis.risk_drivers(sample, rerun or without_each_risk(sample, workers, client, progress,
                                                                    "report: risk re-runs")), sample.runs


def rerun_ahead(timeline: Results, workers: int | None, progress: bool, client) -> Callable:
    """`report_risks`' re-runs, begun now in a thread (`ahead`): the workers play them while this process
    goes on. They need only the timeline: the money changes neither the risks that struck nor the seed.
    Returns `rerun` for `report_risks`; asked for other replications than those begun, it plays them then."""
    sample = timeline.head(REPORT_RISK_REPLICATIONS)
    begun = analysis.rerun_removals(sample)
    rerun = without_each_risk(sample, workers, client, progress, "report: risk re-runs")
    played = ahead.start(lambda: rerun(begun)) if begun else None

    def prefetched(removals: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if played is not None and removals.keys() == begun.keys() \
                and all(np.array_equal(removals[key], begun[key]) for key in begun):
            return played.result()
        return rerun(removals)
    return prefetched


def rebuild_report(folder: str | Path, force: bool = False, workers: int | None = None,
                   progress: bool = False) -> Path:
    """Write a run folder's report.html again from its tables."""
    path = Path(folder) / "report.html"
    results = load_run(folder)
    runstore.check_free(path, force, hint="pass --force to replace it")
    return runstore.write_text_atomically(path, run_report(results, workers, progress), force,
                                          hint="pass --force to replace it")


def validate(scenario: str | Path | None = None, strict: bool = False,
             overrides: tuple[str, ...] | list[str] = ()) -> dict[str, int]:
    """Counts of what the scenario holds; raises ScenarioError listing every problem."""
    s = load(scenario, overrides, strict=strict).scenario
    return {
        **{f"{key} tasks": sum(s.programme_of(t) == key for t in s.tasks.values()) for key in s.programmes},
        "councils": len(s.councils),
        "workstreams": len({t.workstream for t in s.tasks.values()}),
        "capacities": len(s.capacities),
        "risks": len(s.risks),
        "closed windows": len(s.closed_windows),
    }


def check(scenario: str | Path | None = None, overrides: tuple[str, ...] | list[str] = ()) -> list[health.Finding]:
    """The schedule health gate's findings for a scenario (an empty list when every check passes)."""
    return health.check(load(scenario, overrides).scenario)


def load_run(folder: str | Path) -> Results:
    """The results of a run folder written by `run`; its ledger is left in its file (`Results.ledger_table` reads it)."""
    folder = Path(folder)
    if not (folder / "manifest.json").is_file():
        raise ScenarioError([Problem(str(folder), "", None, "not a run folder (no manifest.json)")])
    manifest = runstore.read_json(folder, "manifest.json", required=("seed", "runs"))
    if not all(isinstance(manifest[k], int) and not isinstance(manifest[k], bool) and manifest[k] >= 0
               for k in ("seed", "runs")):
        raise ScenarioError([Problem(str(folder / "manifest.json"), "", None, "seed and runs must be whole numbers")])
    scenario = load(folder / RESOLVED).scenario
    ledger = runstore.stored_table(folder, "ledger", LEDGER_COLUMNS) if (folder / "ledger.parquet").exists() else None
    tables_read = {name: runstore.read_table(folder, name) for name in ("replications", "tasks", "risks")}
    for name, columns in RUN_COLUMNS.items():
        missing = [c for c in columns if c not in tables_read[name]]
        if missing or (name == "replications" and len(tables_read[name]) == 0):
            raise ScenarioError([Problem(str(folder / f"{name}.parquet"), "", None,
                                         f"not a table of this run: missing {', '.join(missing) or 'rows'}")])
    if tables_read["replications"]["replication"].nunique() != manifest["runs"]:
        raise ScenarioError([Problem(str(folder / "replications.parquet"), "", None,
                                     f"holds {len(tables_read['replications'])} replications, the manifest "
                                     f"{manifest['runs']}")])
    return Results(scenario, manifest["seed"], manifest["runs"], tables_read["replications"],
                   tables_read["tasks"], tables_read["risks"], task_table(scenario, compile_network(scenario)), ledger)


# the columns analysis and the report read from a run folder's tables
RUN_COLUMNS = {"replications": ("replication", "go_live_date", "readiness_date", "slip_days", "on_time",
                                "live_before_vesting"),
               "tasks": ("replication", "task_id", "start_date", "finish_date", "duration_days", "critical"),
               "risks": ("replication", "risk_id", "struck")}
LEDGER_COLUMNS = ("replication", "month", "financial_year", "payer", "category", "amount_gbp")  # left in its file


def results_of(source: str | Path, runs: int, seed: int | None, workers: int | None,
               progress: bool = False) -> Results:
    """A run folder's results, or a scenario file simulated now."""
    if Path(source).is_dir():
        return load_run(source)
    return simulate(load(source).scenario, runs=runs, seed=seed, workers=workers, progress=progress_bars.on(progress))


@dataclass(frozen=True)
class Comparison:
    table: pd.DataFrame  # raw figures: a column per scenario, its difference from the first, a unit column
    options: pd.DataFrame  # a row per scenario: delivery model, go-live, cost, each new council's yearly cost
    named: list[tuple[str, Results]]
    paths: list[Path]  # the files written


def compare(*sources: str | Path, runs: int = 2000, seed: int | None = None, workers: int | None = None,
            folder: str | Path | None = None, report_path: str | Path | None = None,
            force: bool = False, progress: bool = False) -> Comparison:
    """One column per run folder or scenario file, differences against the first, and a go-live test.

    With `folder`, writes compare.csv/.xlsx and options.csv/.xlsx there; with `report_path`, the
    comparison page with the delivery-model comparison.
    """
    if len(sources) < 2:
        raise ScenarioError([Problem("compare", "", None, "give at least two run folders or scenario files")])
    for path in [Path(p) for p in (folder, report_path) if p is not None]:
        runstore.check_free(path, force)
    named, seen = [], {}
    for source in sources:
        results = results_of(source, runs, seed, workers, progress)
        name = results.scenario.name
        seen[name] = seen.get(name, 0) + 1
        named.append((name if seen[name] == 1 else f"{name} #{seen[name]}", results))
    table, options = analysis.comparison(named), analysis.options_table(named)
    paths = []
    if folder:
        paths += tables.write_tables(Path(folder), "compare", {"compare": table}, force=True)
        paths += tables.write_tables(Path(folder), "options", {"options": options}, force=True)
    if report_path is not None:
        paths.append(runstore.write_text_atomically(Path(report_path), report.comparison_page(named), force))
    return Comparison(table, options, named, paths)


def why(first: str | Path, second: str | Path, runs: int = 2000, seed: int | None = None,
        workers: int | None = None) -> pd.DataFrame:
    """Why two scenarios (files or run folders) differ: each changed input's own P50/P80 shift, same seed."""
    documents = [load(Path(s) / RESOLVED if Path(s).is_dir() else s).resolved for s in (first, second)]
    seed = seed if seed is not None else load(Path(first) / RESOLVED if Path(first).is_dir()
                                              else first).scenario.seed

    def go_live(scenario):
        return montecarlo.simulate(scenario, runs=runs, seed=seed, workers=workers).replications["go_live_date"]

    return explain.explain(documents[0], documents[1], go_live)


def parse_vary(texts: list[str] | tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """`path=v1,v2,...` as (path, values)."""
    out = []
    for text in texts:
        try:
            parts, values = parse_override(text)
        except ScenarioError:
            raise ScenarioError([Problem("--vary", text, None,
                                         "expected key.path=v1,v2,..., such as capacities.hr=1,2,3")]) from None
        choices = [v.strip() for v in values.split(",")]
        if not all(choices):
            raise ScenarioError([Problem("--vary", text, None, "a value is empty")])
        out.append((".".join(parts), choices))
    if not out:
        raise ScenarioError([Problem("--vary", "", None, "give at least one --vary key.path=v1,v2")])
    return out


SWEEP_FIGURES = ("go_live_p50", "go_live_p80", "p_on_time", "p_live_before_vesting", "expected_slip_days",
                 "transition_cost_p50", "transition_cost_p80", "staff_transferred")


def sweep(scenario: str | Path | None = None, vary: dict[str, list] | list[str] = (), runs: int = 2000,
          seed: int | None = None, workers: int | None = None, progress: bool = False,
          folder: str | Path | None = None, force: bool = False, cluster: str | None = None) -> pd.DataFrame:
    """The grid of what-ifs (every combination of the values), a row of raw headline figures per point.

    With `folder`, writes sweep.csv and sweep.xlsx there in readers' units; `cluster` as for `run`.
    """
    grid = list(vary.items()) if isinstance(vary, dict) else parse_vary(vary)
    paths = [path for path, _ in grid]
    points = list(itertools.product(*[[str(v) for v in values] for _, values in grid]))
    if folder is not None:
        runstore.check_free(Path(folder), force)
    loaded = []
    for point in points:  # check every point before running any
        overrides = [f"{path}={value}" for path, value in zip(paths, point)]
        loaded.append(load(scenario, overrides, origin="--vary"))
    rows = []
    bar = progress_bars.bar(len(points), "sweep points", progress, unit="point")
    with connect(cluster, workers) as client:
        for point, item in zip(points, loaded):
            figures = analysis.figures(simulate(item.scenario, runs=runs, seed=seed, workers=workers,
                                                progress=progress_bars.on(progress), cluster=client))["value"]
            rows.append({**dict(zip(paths, point)), **{k: figures[k] for k in SWEEP_FIGURES if k in figures}})
            bar.update(1)
    bar.close()
    table = pd.DataFrame(rows)
    table.index = pd.RangeIndex(1, len(table) + 1, name="point")
    if folder is not None:
        tables.write_tables(Path(folder), "sweep", {"sweep": table}, force=True)
    return table


def drivers(source: str | Path | Results, workers: int | None = None, write: bool = True,
            force: bool = False, progress: bool = False, cluster: str | None = None) -> dict[str, pd.DataFrame]:
    """What drives slippage: task criticality and correlation, risk removal shifts, cost-schedule frontier.

    Raw numbers; for a run folder (and `write`), also drivers-*.csv and drivers.xlsx in it, in readers' units.
    `cluster` ("local" or tcp://HOST:PORT) plays the risk re-runs on Dask.
    """
    results = source if isinstance(source, Results) else load_run(source)
    folder = None if isinstance(source, Results) or not write else Path(source)
    if folder is not None:
        runstore.check_free(folder / "drivers.xlsx", force, hint="pass --force to replace it")
    with connect(cluster, workers) as client:
        risks = analysis.risk_drivers(results, without_each_risk(results, workers, client, progress))
    out = {"figures": analysis.figures(results), "tasks": analysis.task_drivers(results), "risks": risks,
           "slip": analysis.slip_drivers(results)}
    if results.scenario.correlations:
        out["correlations"] = analysis.run_correlation_check(results)
    if "transition_cost_gbp" in results.replications:
        out["joint_confidence"] = analysis.joint_frontier(results)
    if folder is not None:
        tables.write_tables(folder, "drivers", out, force=force)
    return out


def import_plan(plan: str | Path, output: str | Path, mapping: str | Path | None = None,
                spread: tuple[float, float, float] | None = None, start: dt.date | None = None,
                risks: str | Path | None = None, force: bool = False) -> tuple[importers.Plan, Path, dict]:
    """Turn an MS Project XML file or an Excel/CSV task list into a scenario file, and check it.

    `spread`: (low, likely, high) multiples of each task's planned duration (default importers.DEFAULT_RANGE)."""
    spread = importers.DEFAULT_RANGE if spread is None else spread
    output = Path(output)
    runstore.check_free(output, force)
    read = importers.read_plan(plan, importers.read_map(mapping), start, risks)
    document = importers.build(read, spread)
    write_checked_scenario(output, importers.render(document), force)
    return read, output, document


def write_checked_scenario(output: Path, text: str, force: bool) -> Path:
    """Write a scenario file only if it loads (checked beside it, so `extends:` resolves as it will)."""
    trial = output.with_name(f".{output.name}.check-{os.getpid()}.yaml")
    try:
        runstore.write_text_atomically(trial, text, force=True)
        load(trial)
    except ScenarioError as err:  # name the file as it would have been written
        raise ScenarioError([Problem(str(output) if p.file == str(trial) else p.file, p.path, p.line, p.message)
                             for p in err.problems]) from None
    finally:
        trial.unlink(missing_ok=True)
    return runstore.write_text_atomically(output, text, force)


def todo(scenario: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> list[str]:
    """What an imported scenario's `todo:` still lists."""
    return list(load(scenario, overrides).scenario.todo)


def status_update(scenario: str | Path, date: dt.date, output: str | Path, done=(), progress=(),
                  from_plan: str | Path | None = None, assume: str | None = None, ask=None,
                  force: bool = False) -> tuple[Path, dict]:
    """Write a what-if that extends `scenario` with a status date and progress, and return it.

    Tasks the plan had started by `date` that the update does not mention are taken as `assume`
    (not-started or as-planned), or as `ask(tasks)` answers; with neither, ScenarioError lists them.
    """
    output = Path(output)
    runstore.check_free(output, force)
    loaded = load(scenario)
    s = loaded.scenario
    done_on = status.parse_pairs(done, "--done", s, dt.date.fromisoformat)
    percents = status.parse_pairs(progress, "--progress", s, status.percent)
    started: dict = {}
    origin = "on the command line"
    if from_plan is not None:
        plan_done, plan_percents, started = status.from_plan(importers.read_plan(from_plan), s)
        done_on, percents = {**plan_done, **done_on}, {**plan_percents, **percents}
        origin = f"in {Path(from_plan).name}" + (" and on the command line" if done or progress else "")
    missing = status.unmentioned(s, date, set(done_on) | set(percents))
    if missing and assume is None and ask is None:
        raise ScenarioError([Problem(str(loaded.path), "tasks", None, f"{len(missing)} tasks the plan had started by "
                                     f"{date} are not mentioned: " + ", ".join(
                                         f"{m.task_id} (planned {m.start} to {m.finish})" for m in missing)
                                     + "; mention them with --done/--progress, or say what to assume with "
                                     "--assume not-started or --assume as-planned")])
    choices = {m.task_id: assume for m in missing} if assume else (ask(missing) if missing else {})
    document = status.what_if(loaded, output, date, done_on, percents, started, choices, origin)
    text = ("# A status update written by `transition-sim status`; it extends the scenario named below.\n"
            + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110))
    write_checked_scenario(output, text, force)
    return output, document


def export_pngs(folder: str | Path, png_folder: str | Path, force: bool = False,
                workers: int | None = None) -> list[Path]:
    """Each chart of a run's report as a PNG in `png_folder`, for slides."""
    results = load_run(folder)
    return slides.write_pngs(report.run_sections(results, *report_risks(results, workers)), Path(png_folder), force)


def json_schema(what_if: bool = False) -> dict:
    """The JSON Schema of the scenario language (of a what-if's, with nothing required, if `what_if`)."""
    return scenario_schema.json_schema(what_if)


@dataclass(frozen=True)
class Backtest:
    table: pd.DataFrame  # a row per observed measure, numbers in the measure's unit (dates as days since 1970)
    calibration: dict
    summary: str
    folder: Path | None


BACKTEST_FILES = ("backtest.csv", "backtest.xlsx", "backtest.html")


def backtest(scenario: str | Path | None, outcomes: str | Path, runs: int = 2000, seed: int | None = None,
             workers: int | None = None, out: str | Path | None = None, force: bool = False,
             write: bool = True, progress: bool = False) -> Backtest:
    """Score a scenario (or a run folder) against an outcomes file; write backtest.csv, .xlsx and .html."""
    from transition_sim import backtest as backtesting, backtest_report  # only when a backtest runs
    outcome_file, observed = backtesting.load_outcomes(resolve_path(outcomes))  # bundled ones by name too
    source = scenario if scenario is not None and Path(scenario).is_dir() else load(scenario).path
    folder = None
    if write:
        folder = Path(out) if out is not None else Path("runs") / timestamped(f"backtest-{Path(source).stem}")
        for name in BACKTEST_FILES:
            runstore.check_free(folder / name, force)
    results = results_of(source, runs, seed, workers, progress)
    table = backtesting.backtest(results.replications, observed)
    calibration = backtesting.calibration(table["inside_p10_p90"])
    summary = backtesting.summary_line(calibration)
    if folder is not None:
        tables.write_tables(folder, "backtest", {"backtest": backtesting.presented(table)}, force=force)
        runstore.write_text_atomically(folder / "backtest.html", backtest_report.backtest_page(
            f"{results.scenario.name} against {outcome_file.name}", results.replications, table, summary), force)
    return Backtest(table, calibration, summary, folder)
