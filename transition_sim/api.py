"""The Python API: what the CLI does, callable from a notebook."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

from transition_sim import __version__, analysis, runstore
from transition_sim.montecarlo import Results, available_workers, simulate
from transition_sim.scenario import LoadedScenario, load, resolved_yaml


@dataclass(frozen=True)
class Run:
    results: Results
    summary: dict
    folder: Path | None
    loaded: LoadedScenario
    workers: int
    seconds: float


def default_name(loaded: LoadedScenario) -> str:
    return f"{loaded.path.stem}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def run(scenario: str | Path | None = None, runs: int = 2000, seed: int | None = None,
        workers: int | None = None, overrides: tuple[str, ...] | list[str] = (), name: str | None = None,
        out: str | Path = "runs", force: bool = False, write: bool = True, progress: bool = False) -> Run:
    """Simulate a scenario (the bundled baseline if None) and, if `write`, save it as runs/<name>/."""
    loaded = load(scenario, overrides)
    folder = Path(out) / (name or default_name(loaded)) if write else None
    if folder is not None:
        runstore.check_free(folder, force)
    workers = workers or available_workers()
    began = time.perf_counter()
    results = simulate(loaded.scenario, runs=runs, seed=seed, workers=workers, progress=progress)
    seconds = time.perf_counter() - began
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
        runstore.write_run(
            folder,
            files={"manifest.json": json.dumps(manifest, indent=2) + "\n",
                   "scenario.resolved.yaml": resolved_yaml(loaded),
                   "summary.json": json.dumps(summary, indent=2, default=str) + "\n"},
            tables={"replications": results.replications, "tasks": results.tasks, "risks": results.risks,
                    **({"ledger": results.ledger} if results.ledger is not None else {})},
            force=force)
    return Run(results, summary, folder, loaded, workers, seconds)


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
