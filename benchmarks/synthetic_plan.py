"""Synthetic programme plans of N tasks in the scenario language, for benchmarks at plan scale.

    python benchmarks/synthetic_plan.py 1000 -o /tmp/plan-1000.yaml [--seed 1]

The plan is a random layered DAG: tasks in workstreams of about 40, each with one to three
predecessors among the earlier tasks (mostly nearby, sometimes far back), a share of tasks
needing one of four shared capacities, and one risk per 50 tasks delaying a few tasks (one in
five a programme-wide pause). Every number is marked as a benchmark assumption, so the file
passes `validate --strict`. The same N and seed give the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import numpy as np
import yaml

ASSUMPTION = "synthetic benchmark plan"
CAPACITY_NAMES = ("hr", "legal", "ict", "finance")


def plan(n_tasks: int, seed: int = 1) -> dict:
    """A scenario document (plain dict) with `n_tasks` tasks."""
    rng = np.random.default_rng(seed)
    start = dt.date(2026, 1, 1)
    size = max(3, n_tasks // 100)  # capacity grows with the plan, so it binds but does not serialise it
    capacities = {name: size for name in CAPACITY_NAMES}
    tasks: dict[str, dict] = {}
    ids = [f"t{k:05d}" for k in range(n_tasks)]
    for k, key in enumerate(ids):
        likely = int(rng.integers(5, 40))
        task = {"name": f"Task {k}", "workstream": f"ws{k // 40:03d}",
                "duration": {"low": f"{max(1, int(likely * 0.8))}d", "likely": f"{likely}d",
                             "high": f"{int(likely * 1.6) + 1}d"},
                "assumption": ASSUMPTION}
        if k:
            count = min(k, int(rng.integers(1, 4)))
            near = rng.integers(max(0, k - 60), k, size=count)
            far = rng.integers(0, k, size=count)
            chosen = np.where(rng.random(count) < 0.85, near, far)
            task["predecessors"] = [ids[j] for j in sorted(set(int(c) for c in chosen))]
        if rng.random() < 0.3:
            task["needs"] = {str(rng.choice(CAPACITY_NAMES)): 1}
        tasks[key] = task
    risks: dict[str, dict] = {}
    for r in range(max(1, n_tasks // 50)):
        risk = {"name": f"Risk {r}", "probability": round(float(rng.uniform(0.05, 0.5)), 2),
                "window": {"start": start.isoformat(), "end": (start + dt.timedelta(days=720)).isoformat()},
                "assumption": ASSUMPTION}
        if r % 5 == 4:
            risk["pause"] = {"low": "2w", "likely": "4w", "high": "10w"}
        else:
            hit = rng.choice(n_tasks, size=min(3, n_tasks), replace=False)
            risk["delays"] = {ids[int(t)]: {"low": "1w", "likely": "2w", "high": "6w"} for t in sorted(hit)}
        risks[f"r{r:04d}"] = risk
    return {
        "name": f"synthetic plan of {n_tasks} tasks",
        "description": f"Random layered plan, seed {seed}, for benchmarks.",
        "seed": seed,
        "start": {"value": start.isoformat(), "assumption": ASSUMPTION},
        "planned_go_live": {"value": (start + dt.timedelta(days=365)).isoformat(), "assumption": ASSUMPTION},
        "vesting_day": {"value": "2040-04-01", "assumption": ASSUMPTION},
        "go_live": {"go_no_go_notice": {"value": "2w", "assumption": ASSUMPTION},
                    "eli_notice": {"value": "28d", "assumption": ASSUMPTION},
                    "consultation_tasks": [ids[n_tasks // 2]]},
        "capacities": {name: {"value": size, "assumption": ASSUMPTION} for name, size in capacities.items()},
        "tasks": tasks,
        "risks": risks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", type=int)
    parser.add_argument("-o", "--output", default="-")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    text = yaml.safe_dump(plan(args.tasks, args.seed), sort_keys=False)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
