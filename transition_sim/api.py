"""The Python API: what the CLI does, callable from a notebook."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import itertools

import pandas as pd

from transition_sim import __version__, analysis, plausibility, progress as progress_bars, report, runstore, tables
from transition_sim.errors import Problem, ScenarioError
from transition_sim.montecarlo import Results, available_workers, simulate, task_table
from transition_sim.programme import compile_network
from transition_sim.scenario import LoadedScenario, load, parse_override, resolved_yaml


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


def timestamped(stem: str) -> str:
    return f"{stem}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def default_name(loaded: LoadedScenario) -> str:
    return timestamped(loaded.path.stem)


def workers_used(workers: int | None, runs: int) -> int:
    """The worker processes a run uses: as asked, at most one per core and one per replication."""
    return max(1, min(workers or available_workers(), available_workers(), runs))


def warnings_of(results: Results) -> list[str]:
    """Valid but absurd input, and what it does to the figures."""
    return (plausibility.input_warnings(results.scenario)
            + plausibility.result_warnings(results.scenario, results.replications))


def run(scenario: str | Path | None = None, runs: int = 2000, seed: int | None = None,
        workers: int | None = None, overrides: tuple[str, ...] | list[str] = (), name: str | None = None,
        out: str | Path = "runs", force: bool = False, write: bool = True, progress: bool = False,
        with_report: bool = True) -> Run:
    """Simulate a scenario (the bundled baseline if None) and, if `write`, save it as runs/<name>/."""
    called = time.perf_counter()
    check_seed(seed)
    loaded = load(scenario, overrides)
    folder = runstore.run_folder(out, default_name(loaded) if name is None else name) if write else None
    if folder is not None:
        runstore.check_free(folder, force)
    workers = workers_used(workers, runs)
    began = time.perf_counter()
    results = simulate(loaded.scenario, runs=runs, seed=seed, workers=workers, progress=progress_bars.on(progress))
    seconds = time.perf_counter() - began
    warnings = warnings_of(results)
    summary = {**analysis.headline(results), "warnings": warnings}
    if folder is not None:
        manifest = {
            "scenario": str(loaded.path),
            "files": [{"path": p, "sha256": h} for p, h in loaded.files],
            "overrides": list(loaded.overrides),
            "seed": results.seed,
            "runs": runs,
            "workers": workers,
            "package_version": __version__,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "timings": {"simulate_seconds": round(seconds, 3),
                        "replications_per_second": round(runs / seconds, 1)},
        }
        files = {"scenario.resolved.yaml": resolved_yaml(loaded),
                 "summary.json": json.dumps(summary, indent=2, default=str) + "\n"}
        if with_report:
            began_report = time.perf_counter()
            files["report.html"] = run_report(results, workers, progress)
            manifest["timings"]["report_seconds"] = round(time.perf_counter() - began_report, 3)
        manifest["timings"]["total_seconds"] = round(time.perf_counter() - called, 3)
        files["manifest.json"] = json.dumps(manifest, indent=2) + "\n"
        runstore.write_run(
            folder,
            files=files,
            tables={"replications": results.replications, "tasks": results.tasks, "risks": results.risks,
                    **({"ledger": results.ledger} if results.ledger is not None else {})},
            force=force)
    return Run(results, summary, folder, loaded, workers, seconds, time.perf_counter() - called, tuple(warnings))


def check_seed(seed: int | None) -> None:
    if seed is not None and seed < 0:
        raise ScenarioError([Problem("--seed", "", None, f"a seed is a whole number of 0 or more, not {seed}")])


REPORT_RISK_REPLICATIONS = 1000


def run_report(results: Results, workers: int | None = None, progress: bool = False) -> str:
    """The run's HTML page; each risk's effect is measured on the first 1,000 replications."""
    sample = results.head(REPORT_RISK_REPLICATIONS)
    rerun = progress_bars.counted(lambda s: simulate(s, runs=sample.runs, seed=sample.seed, workers=workers,
                                                     with_costs=False),
                                  len(results.scenario.risks), "report: risk re-runs", progress)
    risks = analysis.risk_drivers(sample, rerun)
    return report.run_page(results, risks, sample.runs, warnings_of(results))


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
        "trust tasks": sum(t.programme == "trust" for t in s.tasks.values()),
        "reorganisation tasks": sum(t.programme == "reorganisation" for t in s.tasks.values()),
        "workstreams": len({t.workstream for t in s.tasks.values()}),
        "capacities": len(s.capacities),
        "risks": len(s.risks),
        "closed windows": len(s.closed_windows),
    }


def load_run(folder: str | Path) -> Results:
    """The results of a run folder written by `run`."""
    folder = Path(folder)
    if not (folder / "manifest.json").is_file():
        raise ScenarioError([Problem(str(folder), "", None, "not a run folder (no manifest.json)")])
    manifest = runstore.read_json(folder, "manifest.json", required=("seed", "runs"))
    if not all(isinstance(manifest[k], int) and not isinstance(manifest[k], bool) and manifest[k] >= 0
               for k in ("seed", "runs")):
        raise ScenarioError([Problem(str(folder / "manifest.json"), "", None, "seed and runs must be whole numbers")])
    scenario = load(folder / "scenario.resolved.yaml").scenario
    ledger = runstore.read_table(folder, "ledger") if (folder / "ledger.parquet").exists() else None
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


def results_of(source: str | Path, runs: int, seed: int | None, workers: int | None,
               progress: bool = False) -> Results:
    """A run folder's results, or a scenario file simulated now."""
    if Path(source).is_dir():
        return load_run(source)
    return simulate(load(source).scenario, runs=runs, seed=seed, workers=workers, progress=progress_bars.on(progress))


def compare(*sources: str | Path, runs: int = 2000, seed: int | None = None, workers: int | None = None,
            with_results: bool = False, progress: bool = False):
    """One column per run folder or scenario file, differences against the first, and a go-live test."""
    if len(sources) < 2:
        raise ScenarioError([Problem("compare", "", None, "give at least two run folders or scenario files")])
    named, seen = [], {}
    for source in sources:
        results = results_of(source, runs, seed, workers, progress)
        name = results.scenario.name
        seen[name] = seen.get(name, 0) + 1
        named.append((name if seen[name] == 1 else f"{name} #{seen[name]}", results))
    table = analysis.comparison(named)
    return (table, named) if with_results else table


def write_comparison_report(named: list[tuple[str, Results]], path: str | Path, force: bool = False) -> Path:
    return runstore.write_text_atomically(Path(path), report.comparison_page(named), force)


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


def sweep(scenario: str | Path | None = None, vary: dict[str, list] | list[str] = (), runs: int = 2000,
          seed: int | None = None, workers: int | None = None, progress: bool = False) -> pd.DataFrame:
    """The grid of what-ifs (every combination of the values), a row of headline figures per point."""
    grid = list(vary.items()) if isinstance(vary, dict) else parse_vary(vary)
    paths = [path for path, _ in grid]
    points = list(itertools.product(*[[str(v) for v in values] for _, values in grid]))
    loaded = []
    for point in points:  # check every point before running any
        overrides = [f"{path}={value}" for path, value in zip(paths, point)]
        loaded.append(load(scenario, overrides, origin="--vary"))
    rows = []
    bar = progress_bars.bar(len(points), "sweep points", progress, unit="point")
    for point, item in zip(points, loaded):
        results = simulate(item.scenario, runs=runs, seed=seed, workers=workers, progress=progress_bars.on(progress))
        rows.append({**dict(zip(paths, point)), **headline_row(results)})
        bar.update(1)
    bar.close()
    return pd.DataFrame(rows)


def headline_row(results: Results) -> dict:
    """The figures a sweep shows per point, in reader's units."""
    f = analysis.figures(results)
    row = {"go-live P50": f.at["go-live P50", "value"].date(), "go-live P80": f.at["go-live P80", "value"].date(),
           "P(on time) %": round(100 * f.at["P(go-live on the planned date)", "value"], 1),
           "P(before vesting) %": round(100 * f.at["P(go-live before vesting day)", "value"], 1),
           "expected slip days": round(f.at["expected slip (days)", "value"])}
    if "transition cost P50" in f.index:
        row["transition cost P50 £m"] = round(f.at["transition cost P50", "value"] / 1e6, 2)
        row["transition cost P80 £m"] = round(f.at["transition cost P80", "value"] / 1e6, 2)
        row["staff transferred"] = int(f.at["staff transferred (TUPE)", "value"])
    return row


def drivers(source: str | Path | Results, workers: int | None = None,
            progress: bool = False) -> dict[str, pd.DataFrame]:
    """What drives slippage: task criticality and correlation, risk removal shifts, cost-schedule frontier."""
    results = source if isinstance(source, Results) else load_run(source)
    rerun = progress_bars.counted(
        lambda scenario: simulate(scenario, runs=results.runs, seed=results.seed, workers=workers, with_costs=False),
        len(results.scenario.risks), "risk re-runs", progress)

    out = {"figures": tables.present(analysis.figures(results)),
           "tasks": analysis.task_drivers(results), "risks": analysis.risk_drivers(results, rerun)}
    if "transition_cost_gbp" in results.replications:
        out["joint_confidence"] = tables.present_money_columns(analysis.joint_frontier(results))
    return out
