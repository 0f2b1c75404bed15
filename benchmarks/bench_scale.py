"""Speed and memory at programme scale: the goals of "Fast at programme scale", measured in one run.

    python benchmarks/bench_scale.py [--quick] [--engine simpy|compiled]

Not a test: it prints each figure, its goal, and its ratio to a reference measured in the same
run on the same machine, so figures from different machines can be compared:
- the reference for engine speed is a plain SimPy model of a 60-task network (no capacities,
  no risks): each task a process that waits for its predecessors and then for its duration;
- the reference for whole-process times is `python -c "import simpy"` (the interpreter's start).
Whole-process figures run the CLI in a subprocess, as a user would; the short ones (`--help`, the
baseline, the 1,000-task plan and the interpreter's start) are the quickest of three runs, as
`timeit` reports. Synthetic plans come from
`benchmarks/synthetic_plan.py`. `--quick` uses a tenth of the replications (a twentieth on the large plans), for a smoke run.
`--engine` is passed to `transition-sim run --engine` (and to the engine-speed row) when the CLI
has that option, and the table then has an engine column; otherwise it is ignored, with a note.
Peak memory is the largest resident set of the run's process tree (`RUSAGE_CHILDREN` of a fresh
wrapper process: the processes it waits for, which are the command and its first worker; the
workers forked from that one are smaller). After the
goals come the parts' own figures, each against the slower way in the same run: libyaml against
pure-Python YAML, PERT by table against betaincinv, sampling alone, and `--cluster local`.
The package's bytecode is compiled first (`compileall`), as installing it does: a checkout run with
PYTHONDONTWRITEBYTECODE set would otherwise compile every module it imports in every command.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import simpy
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic_plan import plan  # noqa: E402


def anchor_network(n_tasks: int = 60, seed: int = 60) -> list[tuple[int, ...]]:
    """Predecessors of a random 60-task DAG (tasks in topological order)."""
    rng = np.random.default_rng(seed)
    return [tuple(sorted(set(int(j) for j in rng.integers(max(0, k - 10), k, size=min(k, 2))))) if k else ()
            for k in range(n_tasks)]


def plain_simpy_rate(runs: int) -> float:
    """Replications per second of the plain SimPy anchor model."""
    preds = anchor_network()
    rng = np.random.default_rng(1)
    durations = rng.triangular(5, 10, 20, size=(runs, len(preds)))
    began = time.perf_counter()
    for row in durations:
        env = simpy.Environment()
        procs: list = []

        def task(k: int, work: float):
            if preds[k]:
                yield env.all_of([procs[p] for p in preds[k]])
            yield env.timeout(work)

        for k, work in enumerate(row):
            procs.append(env.process(task(k, work)))
        env.run()
    return runs / (time.perf_counter() - began)


def cli_has_engine_option(cli: list[str], env: dict) -> bool:
    """Whether this checkout's `run` takes `--engine` (the compiled executor may not have landed)."""
    done = subprocess.run(cli + ["run", "--help"], env=env, capture_output=True, text=True, check=True)
    return "--engine" in done.stdout


def engine_rate(scenario_path: Path | None, runs: int, workers: int, engine: str | None) -> float:
    import contextlib

    from transition_sim import montecarlo
    from transition_sim.scenario import load
    scenario = load(scenario_path).scenario
    chosen = getattr(montecarlo, "using_engine", None)  # absent before the compiled executor landed
    with chosen(engine) if chosen and engine else contextlib.nullcontext():
        montecarlo.simulate(scenario, runs=min(runs, 50), workers=1)  # warm up (and compile, for a compiled engine)
        began = time.perf_counter()
        montecarlo.simulate(scenario, runs=runs, workers=workers)
        return runs / (time.perf_counter() - began)


REPEATS = 3  # short commands are timed this many times and the quickest kept: on a shared machine a
             # run is only ever slowed by others, so the minimum is the least disturbed measurement


def command_seconds(args: list[str], env: dict, repeats: int = 1) -> float:
    """Wall-clock seconds of the whole command, the quickest of `repeats` runs."""
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        best = min(best, time.perf_counter() - began)
        if done.returncode != 0:
            raise SystemExit(f"failed: {' '.join(args)}\n{done.stderr[-2000:]}")
    return best


def peak_memory_mib(args: list[str], env: dict) -> float:
    """Peak resident memory of the largest process of a command, in MiB, measured in a fresh wrapper.

    The wrapper's RUSAGE_CHILDREN is the peak of its descendants alone (Linux reports KiB).
    """
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", wrapper, *args], env=env, capture_output=True, text=True, check=True)
    return int(done.stdout.strip()) / 1024


def part_figures(plan_path: Path, quick: bool) -> None:
    """The parts' own figures, each against the slower way measured here: YAML, PERT, sampling, --cluster."""
    from scipy.special import betainc, betaincinv

    from transition_sim import sampling, yamltree
    from transition_sim.programme import compile_network
    from transition_sim.scenario import load

    text = plan_path.read_text(encoding="utf-8")
    timings = {}
    for label, loader in (("libyaml", yamltree.FAST_LOADER), ("pure Python", None)):
        saved, yamltree.FAST_LOADER = yamltree.FAST_LOADER, loader
        began = time.perf_counter()
        yamltree.parse(text, str(plan_path))
        timings[label] = time.perf_counter() - began
        yamltree.FAST_LOADER = saved
    row("parse the 3,614-task plan's YAML", f"{timings['libyaml']:.2f} s", "",
        f"{timings['pure Python'] / timings['libyaml']:.1f}x faster than pure Python")

    u = np.random.default_rng(3).random((100_000, 1))
    sampling.pert_quantile(u[:10], np.array([0.3]))
    began = time.perf_counter()
    sampling.pert_quantile(u, np.array([0.3]))
    table = (time.perf_counter() - began) / u.size
    began = time.perf_counter()
    betaincinv(2.2, 3.8, u)
    exact = (time.perf_counter() - began) / u.size
    row("PERT inverse CDF by table", f"{table * 1e9:,.0f} ns", "",
        f"{exact / table:,.0f}x faster than betaincinv ({exact * 1e9:,.0f} ns)")
    modes = np.random.default_rng(4).random(200)  # a plan may have a shape per task: a table each
    began = time.perf_counter()
    for mode in modes:
        sampling._pert_lower_table.__wrapped__(float(mode))
    built = (time.perf_counter() - began) / modes.size
    began = time.perf_counter()
    for mode in modes:
        betainc(1 + 4 * mode, 5 - 4 * mode, sampling.PERT_TABLE_X)
    whole = (time.perf_counter() - began) / modes.size
    row("PERT table of one shape (quadrature, to the median)", f"{built * 1e3:.2f} ms", "",
        f"{whole / built:,.0f}x faster than betainc at every point ({whole * 1e3:.1f} ms)")

    net = compile_network(load(plan_path).scenario)
    runs = 250 if quick else 1000
    sampling.draw(net, 1, 0, 10)
    began = time.perf_counter()
    for first in range(0, runs, 250):
        sampling.draw(net, 1, first, 250)
    row("sampling alone, 3,614-task plan, chunks of 250", f"{runs / (time.perf_counter() - began):,.0f} rep/s", "", "")


def cluster_figure(env: dict, cli: list[str], plan_path: Path, work: Path, iterations: int) -> None:
    """The 1,000-task plan on a 2-worker LocalCluster against 2 local worker processes."""
    seconds = {}
    for label, extra in (("local", []), ("cluster", ["--cluster", "local"])):
        seconds[label] = command_seconds(cli + ["run", str(plan_path), "--runs", str(iterations), "--workers", "2",
                                                "--no-report", "--out", str(work), "--name", f"dask-{label}",
                                                "--force"] + extra, env)
    row(f"1,000-task plan, {iterations} iterations, --cluster local (2)", f"{seconds['cluster']:.1f} s", "",
        f"{seconds['cluster'] / seconds['local']:.2f}x two local worker processes")


ENGINE = ""  # the engine column's text: the engine passed to `run --engine`, or empty when there is none


def row(what: str, figure: str, goal: str, ratio: str) -> None:
    engine = f"{ENGINE:>9}  " if ENGINE else ""
    print(f"{what:58} {engine}{figure:>14}  {'goal ' + goal if goal else '':>15}  {ratio}")


def main() -> None:
    global ENGINE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications (a smoke run)")
    parser.add_argument("--engine", choices=("simpy", "compiled"),
                        help="passed to `transition-sim run --engine` when the CLI has that option")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")]))}
    compileall.compile_dir(HERE.parent / "transition_sim", quiet=1)
    cli = [sys.executable, "-m", "transition_sim"]
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    plans = {}
    for n in (1000, 3614):
        plans[n] = work / f"plan-{n}.yaml"
        plans[n].write_text(yaml.safe_dump(plan(n), sort_keys=False), encoding="utf-8")
    engine_option: list[str] = []
    if args.engine:
        if cli_has_engine_option(cli, env):
            ENGINE, engine_option = args.engine, ["--engine", args.engine]
        else:
            print(f"note: this checkout's `run` has no --engine option: --engine {args.engine} is ignored")

    def run(scenario: Path | None, runs: int, name: str, report: bool = True) -> list[str]:
        return (cli + ["run", *([str(scenario)] if scenario else []), "--runs", str(runs), "--workers", "2",
                       "--out", str(work), "--name", name, "--force", *engine_option]
                + ([] if report else ["--no-report"]))

    interpreter = command_seconds([sys.executable, "-c", "import simpy"], env, REPEATS)
    anchor = plain_simpy_rate(2000 // scale)
    print(f"references: interpreter start {interpreter:.2f} s; plain SimPy 60-task anchor {anchor:,.0f} replications/s")
    print()
    if ENGINE:
        print(f"{'':58} {'engine':>9}")

    seconds = command_seconds(cli + ["--help"], env, REPEATS)
    row("transition-sim --help", f"{seconds:.2f} s", "<= 0.5 s", f"{seconds / interpreter:.1f}x interpreter start")

    runs = 2000 // scale
    seconds = command_seconds(run(None, runs, "baseline"), env, REPEATS)
    row(f"run baseline, {runs} replications, report, 2 workers", f"{seconds:.2f} s", "<= 3 s",
        f"{seconds / interpreter:.0f}x interpreter start")

    rate = engine_rate(None, 2000 // scale, 1, ENGINE or None)
    row("engine on the baseline, 1 worker", f"{rate:,.0f} rep/s", ">= 5x", f"{rate / anchor:.2f}x the SimPy anchor")

    iterations = 50 if args.quick else 1000  # the large plans' re-runs for the report dominate a quick run
    for n, name in ((1000, "1,000-task plan"), (3614, "3,614-task plan")):
        seconds = command_seconds(run(plans[n], iterations, f"plan-{n}", report=False), env,
                                  REPEATS if n == 1000 else 1)
        goal = "<= 3 s" if n == 1000 else "<= 10 s"
        row(f"{name}, {iterations} iterations, 2 workers", f"{seconds:.1f} s", goal,
            f"{seconds * anchor / iterations:.0f}x one anchor replication per iteration")
    seconds = command_seconds(run(plans[3614], iterations, "plan-3614-report"), env)
    row(f"3,614-task plan with its report, {iterations} iterations", f"{seconds:.1f} s", "<= 30 s",
        f"{seconds / interpreter:.0f}x interpreter start")

    small, large = 10_000 // scale, 100_000 // scale
    memory = {runs: peak_memory_mib(run(None, runs, f"mem-{runs}", report=False), env) for runs in (small, large)}
    row(f"peak memory, baseline {large:,} vs {small:,} replications", f"{memory[large]:,.0f} MiB", "<= 1.5x",
        f"{memory[large] / memory[small]:.2f}x ({memory[small]:,.0f} MiB at {small:,})")
    print()
    ENGINE = ""
    part_figures(plans[3614], args.quick)
    cluster_figure(env, cli, plans[1000], work, iterations)
    print(f"\n(outputs in {work})")


if __name__ == "__main__":
    main()
