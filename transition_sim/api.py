"""The Python API: what the CLI does, callable from a notebook."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import itertools

import pandas as pd

from transition_sim import __version__, analysis, report, runstore, tables
from transition_sim.cluster import connect
from transition_sim.errors import Problem, ScenarioError
from transition_sim.montecarlo import Results, available_workers, simulate, simulate_replications, task_table
from transition_sim.programme import compile_network
from transition_sim.scenario import LoadedScenario, load, parse_override, resolved_yaml


@dataclass(frozen=True)
class Run:
    results: Results
    summary: dict
    folder: Path | None
    loaded: LoadedScenario
    workers: int
    seconds: float


def timestamped(stem: str) -> str:
    return f"{stem}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def default_name(loaded: LoadedScenario) -> str:
    return timestamped(loaded.path.stem)


def run(scenario: str | Path | None = None, runs: int = 2000, seed: int | None = None,
        workers: int | None = None, overrides: tuple[str, ...] | list[str] = (), name: str | None = None,
        out: str | Path = "runs", force: bool = False, write: bool = True, progress: bool = False,
        with_report: bool = True, cluster: str | None = None) -> Run:
    """Simulate a scenario (the bundled baseline if None) and, if `write`, save it as runs/<name>/.

    `cluster` ("local" or tcp://HOST:PORT) plays the chunks on a Dask cluster instead of local processes.
    """
    loaded = load(scenario, overrides)
    folder = Path(out) / (name or default_name(loaded)) if write else None
    if folder is not None:
        runstore.check_free(folder, force)
    workers = workers or available_workers()
    with connect(cluster, workers) as client:
        began = time.perf_counter()
        results = simulate(loaded.scenario, runs=runs, seed=seed, workers=workers, progress=progress, cluster=client)
        seconds = time.perf_counter() - began
        page = run_report(results, workers, client) if folder is not None and with_report else None
    summary = analysis.headline(results)
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
        files = {"manifest.json": json.dumps(manifest, indent=2) + "\n",
                 "scenario.resolved.yaml": resolved_yaml(loaded),
                 "summary.json": json.dumps(summary, indent=2, default=str) + "\n"}
        if page is not None:
            files["report.html"] = page
        runstore.write_run(
            folder,
            files=files,
            tables={"replications": results.replications, "tasks": results.tasks, "risks": results.risks,
                    **({"ledger": results.ledger} if results.ledger is not None else {})},
            force=force)
    return Run(results, summary, folder, loaded, workers, seconds)


REPORT_RISK_REPLICATIONS = 1000


def run_report(results: Results, workers: int | None = None, client=None) -> str:
    """The run's HTML page; each risk's effect is measured on the first 1,000 replications."""
    sample = results.head(REPORT_RISK_REPLICATIONS)
    risks = analysis.risk_drivers(sample, rerun_go_live(sample.seed, workers, client))
    return report.run_page(results, risks, sample.runs)


def rerun_go_live(seed: int, workers: int | None, client=None):
    """What `analysis.risk_drivers` re-runs: the go-live dates of some replications of a what-if."""
    return lambda scenario, replications: simulate_replications(scenario, seed, replications, workers,
                                                                client)["go_live"]


def rebuild_report(folder: str | Path, force: bool = False, workers: int | None = None) -> Path:
    """Write a run folder's report.html again from its tables."""
    path = Path(folder) / "report.html"
    runstore.check_free(path, force)
    return runstore.write_text_atomically(path, run_report(load_run(folder), workers), force)


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
    if not (folder / "manifest.json").exists():
        raise ScenarioError([Problem(str(folder), "", None, "not a run folder (no manifest.json)")])
    manifest = runstore.read_json(folder, "manifest.json")
    scenario = load(folder / "scenario.resolved.yaml").scenario
    ledger = runstore.read_table(folder, "ledger") if (folder / "ledger.parquet").exists() else None
    return Results(scenario, manifest["seed"], manifest["runs"], runstore.read_table(folder, "replications"),
                   runstore.read_table(folder, "tasks"), runstore.read_table(folder, "risks"),
                   task_table(scenario, compile_network(scenario)), ledger)


def results_of(source: str | Path, runs: int, seed: int | None, workers: int | None) -> Results:
    """A run folder's results, or a scenario file simulated now."""
    if Path(source).is_dir():
        return load_run(source)
    return simulate(load(source).scenario, runs=runs, seed=seed, workers=workers)


def compare(*sources: str | Path, runs: int = 2000, seed: int | None = None, workers: int | None = None,
            with_results: bool = False):
    """One column per run folder or scenario file, differences against the first, and a go-live test."""
    if len(sources) < 2:
        raise ScenarioError([Problem("compare", "", None, "give at least two run folders or scenario files")])
    named, seen = [], {}
    for source in sources:
        results = results_of(source, runs, seed, workers)
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
          seed: int | None = None, workers: int | None = None, progress: bool = False,
          cluster: str | None = None) -> pd.DataFrame:
    """The grid of what-ifs (every combination of the values), a row of headline figures per point."""
    grid = list(vary.items()) if isinstance(vary, dict) else parse_vary(vary)
    paths = [path for path, _ in grid]
    points = list(itertools.product(*[[str(v) for v in values] for _, values in grid]))
    loaded = []
    for point in points:  # check every point before running any
        overrides = [f"{path}={value}" for path, value in zip(paths, point)]
        loaded.append(load(scenario, overrides, origin="--vary"))
    rows = []
    with connect(cluster, workers) as client:
        for point, item in zip(points, loaded):
            results = simulate(item.scenario, runs=runs, seed=seed, workers=workers, progress=progress, cluster=client)
            rows.append({**dict(zip(paths, point)), **headline_row(results)})
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
            cluster: str | None = None) -> dict[str, pd.DataFrame]:
    """What drives slippage: task criticality and correlation, risk removal shifts, cost-schedule frontier."""
    results = source if isinstance(source, Results) else load_run(source)
    with connect(cluster, workers) as client:
        risks = analysis.risk_drivers(results, rerun_go_live(results.seed, workers, client))
    out = {"figures": tables.present(analysis.figures(results)), "tasks": analysis.task_drivers(results),
           "risks": risks}
    if "transition_cost_gbp" in results.replications:
        out["joint_confidence"] = tables.present_money_columns(analysis.joint_frontier(results))
    return out
