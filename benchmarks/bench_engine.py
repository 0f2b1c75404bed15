"""Engine benchmark: replications per second for the baseline (timeline and costs), and the ratio to a vectorised lower bound.

Not a test: it prints figures, for each engine (compiled and SimPy). Run with
`python benchmarks/bench_engine.py [--runs N]`.
The lower bound is a critical-path Monte Carlo in numpy over the same tasks and the same
sampled durations, without capacities or risks: the least work any engine could do.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from transition_sim import attribution, costs, montecarlo, sampling
from transition_sim.montecarlo import available_workers, simulate
from transition_sim.programme import compile_network
from transition_sim.scenario import load


def rate(fn, runs: int) -> float:
    began = time.perf_counter()
    fn()
    return runs / (time.perf_counter() - began)


def vectorised_critical_path(net, work: np.ndarray) -> np.ndarray:
    finish = np.empty_like(work)
    for k, preds in enumerate(net.predecessors):  # tasks are in topological order
        ready = finish[:, list(preds)].max(axis=1) if preds else 0.0
        finish[:, k] = ready + work[:, k]
    return finish[:, net.readiness].max(axis=1)


def cpu_rate(fn, runs: int) -> float:
    """Replications per second of this process's CPU time: steadier than wall time on a shared machine."""
    began = time.process_time()
    fn()
    return runs / (time.process_time() - began)


def feature_costs(runs: int, engine: str) -> None:
    """Replications per second (1 worker, timeline only) on the baseline with each feature added in turn.

    Attribution can be switched off only on SimPy (the compiled executor attributes as it plays)."""
    plain = load(overrides=["scope.children_with_disabilities=out"]).scenario.model_copy(update={"correlations": {}})
    baseline = load().scenario
    office = {"office": {"weekends": True, "bank_holidays": "england-and-wales", "assumption": "benchmark"}}
    with_calendars = load().resolved | {"calendars": office, "default_calendar": "office"}
    steps = [("plain (no correlation, CWD settled, no calendars, no attribution)", plain, False),
             ("+ attribution of slip", plain, True),
             ("+ correlation", plain.model_copy(update={"correlations": baseline.correlations}), True),
             ("+ branching (CWD drawn)", baseline, True),
             ("+ calendars (weekends and bank holidays on every task)",
              type(baseline).model_validate(with_calendars), True)]
    real = attribution.slip_causes
    base_rate = None
    if engine != "simpy":
        steps = steps[1:]
    print(f"feature costs on {engine}, 1 worker, {runs} replications, timeline only, per second of CPU time:")
    for label, scenario, attributed in steps:
        montecarlo.attribution.slip_causes = real if attributed else (lambda net, *a: np.zeros(len(attribution.causes(net))))
        try:
            simulate(scenario, runs=50, workers=1)
            # best of three: the machine is shared, and the fastest run is the one least disturbed
            speed = max(cpu_rate(lambda: simulate(scenario, runs=runs, workers=1), runs)
                        for _ in range(3))
        finally:
            montecarlo.attribution.slip_causes = real
        base_rate = base_rate or speed
        print(f"  {label:60} {speed:8,.0f} replications/s  ({speed / base_rate:5.0%} of plain)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4000)
    parser.add_argument("--features-only", action="store_true", help="Only the cost of each schedule-risk feature.")
    args = parser.parse_args()
    for engine in montecarlo.ENGINES:
        with montecarlo.using_engine(engine):
            feature_costs(min(args.runs, 2000), engine)
    if args.features_only:
        return
    for engine in montecarlo.ENGINES:
        with montecarlo.using_engine(engine):
            engine_figures(args.runs, engine)


def engine_figures(runs: int, engine: str) -> None:
    scenario = load().scenario
    net = compile_network(scenario)
    workers = available_workers()
    simulate(scenario, runs=200, workers=1)  # warm up imports and caches
    one = rate(lambda: simulate(scenario, runs=runs, workers=1), runs)
    many = rate(lambda: simulate(scenario, runs=runs, workers=workers), runs)
    done = simulate(scenario, runs=runs, workers=workers)
    cost_rate = rate(lambda: costs.cost_tables(scenario, done.seed, done.replications, done.tasks, done.risks),
                     runs)
    big = runs * 25
    draw_rate = rate(lambda: sampling.draw(net, scenario.seed, 0, big), big)
    work = sampling.draw(net, scenario.seed, 0, big).work_days
    bound = rate(lambda: vectorised_critical_path(net, work), big)
    print(f"{engine} engine, baseline: {len(net.task_ids)} tasks, {len(net.capacity_names)} capacities, "
          f"{len(net.risk_ids)} risks, {runs} replications")
    print(f"engine, 1 worker:        {one:10,.0f} replications/s")
    print(f"engine, {workers} workers:       {many:10,.0f} replications/s  (target >= 1,000 on 2 cores)")
    print(f"cost model alone, 1 core: {cost_rate:9,.0f} replications/s  (ledger and totals, vectorised)")
    print(f"sampling alone, 1 core:  {draw_rate:10,.0f} replications/s  (all uncertain inputs, keyed streams)")
    print(f"vectorised critical path: {bound:9,.0f} replications/s  (pre-sampled durations, no capacities or risks)")
    print(f"ratio lower bound / engine, 1 worker: {bound / one:,.0f}x")


if __name__ == "__main__":
    main()
