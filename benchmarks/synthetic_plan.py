"""Synthetic programme plans of N tasks in the scenario language, for benchmarks at plan scale.

    python benchmarks/synthetic_plan.py 1000 -o /tmp/plan-1000.yaml [--seed 1]

The plan is a random layered DAG: 24 layers of tasks (in workstreams of about 40), each task with
one to three predecessors, mostly in the layer before, sometimes further back (one link in eight
SS or FF with a lag or lead), so the critical path keeps its length whatever N; three tasks in
ten need one of four shared capacities (one per 400 tasks of the plan), a quarter are on an
office work calendar (weekends, bank holidays, a Christmas closure, a slow pre-election period),
and one risk per 50 tasks (at least six): a third windowless, striking during the task they
delay; the others windowed, delaying a few tasks or (one in six of all risks) pausing the
programme, one in six late in the plan (striking in vain when its tasks are done), one in six
with a risk calendar; one in four with a cost. Two
programmes: the service programme that sets go-live and a reorganisation programme that risks do
not pause. A county becomes one unitary and the service moves to a trust, with a small money
model (budget lines, staff, finance indices, cost items, a support service, a loss claim,
transition funding, and demand: children in care by placement type where the schema has it), so a run exercises every step from the timeline to the ledger. Every number
is marked as a benchmark assumption, so the file passes `validate --strict`. The same N and seed
give the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import numpy as np
import yaml

ASSUMPTION = "synthetic benchmark plan"
CAPACITY_NAMES = ("hr", "legal", "ict", "finance")
START = dt.date(2026, 1, 1)
VESTING_DAY = dt.date(2030, 4, 1)
PLANNED_GO_LIVE = dt.date(2028, 7, 1)  # between the P10 go-live of 200 tasks and of 3,614 (24 layers)
LAYERS = 24  # the plan's depth: a wider plan has more tasks side by side, not a longer critical path
YEARS = ("2026/27", "2027/28", "2028/29", "2029/30", "2030/31", "2031/32")


def _q(value) -> dict:
    return {"value": value, "assumption": ASSUMPTION}


def _three(low, likely, high) -> dict:
    return {"low": low, "likely": likely, "high": high, "assumption": ASSUMPTION}


def _day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


def _links(rng: np.random.Generator, k: int, ids: list[str], layer_starts: list[int], layer: int) -> list:
    """One to three predecessors of task k, mostly in the layer before, sometimes further back; some SS/FF."""
    first, end = layer_starts[layer - 1], layer_starts[layer]
    count = int(rng.integers(1, 4))
    near = rng.integers(first, end, size=count)
    far = rng.integers(0, end, size=count)
    chosen = sorted(set(int(c) for c in np.where(rng.random(count) < 0.85, near, far)))
    links: list = []
    for j in chosen:
        if rng.random() < 0.125:
            kind = "SS" if rng.random() < 0.5 else "FF"
            lag = int(rng.integers(-2, 6))
            links.append({"task": ids[j], "type": kind, "lag": f"{lag}d"})
        else:
            links.append(ids[j])
    return links


def _tasks(rng: np.random.Generator, ids: list[str]) -> dict[str, dict]:
    n_layers = min(LAYERS, len(ids))
    layer_starts = [-(-layer * len(ids) // n_layers) for layer in range(n_layers + 1)]
    tasks: dict[str, dict] = {}
    for k, key in enumerate(ids):
        layer = k * n_layers // len(ids)
        likely = int(rng.integers(5, 40))
        task = {"name": f"Task {k}", "workstream": f"ws{k // 40:03d}",
                "duration": {"low": f"{max(1, int(likely * 0.8))}d", "likely": f"{likely}d",
                             "high": f"{int(likely * 1.6) + 1}d"},
                "assumption": ASSUMPTION}
        if layer:
            task["predecessors"] = _links(rng, k, ids, layer_starts, layer)
        if rng.random() < 0.3:
            task["needs"] = {str(rng.choice(CAPACITY_NAMES)): 1}
            if rng.random() < 0.1:
                task["priority"] = int(rng.integers(1, 4))
        if rng.random() < 0.25:
            task["calendar"] = "office"
        if rng.random() < 0.1:
            task["programme"] = "reorganisation"
        tasks[key] = task
    return tasks


def _risks(rng: np.random.Generator, ids: list[str]) -> dict[str, dict]:
    n_tasks = len(ids)
    risks: dict[str, dict] = {}
    for r in range(max(6, n_tasks // 50)):
        risk = {"name": f"Risk {r}", "probability": round(float(rng.uniform(0.05, 0.5)), 2),
                "assumption": ASSUMPTION}
        windowless = r % 3 == 2
        if not windowless:  # one in six late, when many of the tasks it delays are done: it may strike in vain
            risk["window"] = {"start": _day(540), "end": _day(1080)} if r % 6 == 4 else {"start": _day(0), "end": _day(720)}
        if r % 6 == 1:
            risk["pause"] = _three("2w", "4w", "10w")
        else:
            hit = rng.choice(n_tasks, size=min(3, n_tasks), replace=False)
            risk["delays"] = {ids[int(t)]: _three("1w", "2w", "6w") for t in sorted(hit)}
        if r % 6 == 0:
            risk["calendar"] = {"year_end": {"start": _day(60), "end": _day(120), "probability_factor": 1.5,
                                             "assumption": ASSUMPTION}}
        if r % 4 == 0:
            risk["cost"] = _three("£50k", "£100k", "£300k")
        risks[f"r{r:04d}"] = risk
    return risks


def _indices(low: float, likely: float, high: float) -> dict:
    return {year: _three(low, likely, high) for year in YEARS}


def _money(ids: list[str]) -> dict:
    """Budget lines, staff and finance: a small money model whose payments fall on the plan's tasks."""
    last = ids[-1]
    return {
        "services": {
            "care": {"name": "Children's social care", "budget": "£80m", "scope": "in", "assumption": ASSUMPTION,
                     "staff": {"social_workers": {"headcount": 400, "fte": 380, "agency_share": 0.2,
                                                  "average_cost": "£50k", "agency_premium": 0.5,
                                                  "assumption": ASSUMPTION}}},
            "other": {"name": "Services staying with the councils", "budget": "£20m", "scope": "out",
                      "assumption": ASSUMPTION},
        },
        "finance": {
            "horizon": _q(dt.date(2032, 3, 31).isoformat()),
            "budget_excluding_schools": _q("£100m"),
            "in_scope_share": _q(0.8),
            "programme_burn_per_month": _three("£100k", "£200k", "£350k"),
            "stabilisation": _three("2m", "3m", "6m"),
            "setup_costs": {"ict": {"amount": _three("£1m", "£2m", "£4m"), "paid_when": ids[len(ids) // 3],
                                    "assumption": ASSUMPTION}},
            "shadow_running_per_month": _q("£50k"),
            "shadow_from_task": ids[len(ids) // 4],
            "stranded_overheads_per_month": _three("£0", "£20k", "£50k"),
            "stranded_period": _three("3m", "6m", "12m"),
            "pay_awards": _indices(0.02, 0.03, 0.04),
            "living_wage_changes": _indices(0.02, 0.035, 0.05),
            "low_paid_share": _q(0.1),
            "inflation": _indices(0.015, 0.025, 0.04),
            "in_year_pressure": _three(0.0, 0.03, 0.07),
            "exceptional_threshold": _q("£2m"),
            "agency_conversion_per_year": _three(0.0, 0.05, 0.1),
            "transition_funding": {"dfe": {"amount": "£1m", "paid_when": last, "assumption": ASSUMPTION}},
            **_demand(),
        },
    }


def _demand() -> dict:
    """Demand growth in the form the checkout's money schema has: a children-in-care model, or before it a sum."""
    from transition_sim.schema import Finance

    if "demand" not in Finance.model_fields:
        return {"demand_growth_per_year": _three("-£1m", "£0", "£2m")}
    return {"demand": {
        "service": "care", "children_in_care": _q(300), "counted_on": _q("2025-03-31"),
        "growth_per_year": _three(0.0, 0.03, 0.07), "prices_in": "2025/26", "assumption": ASSUMPTION,
        "placements": {"fostering": {"share": _q(0.75), "weekly_cost": _q("£600")},
                       "residential": {"share": _q(0.25), "weekly_cost": _q("£5000")}},
        "price_growth": _indices(0.02, 0.04, 0.07)}}


def plan(n_tasks: int, seed: int = 1) -> dict:
    """A scenario document (plain dict) with `n_tasks` tasks."""
    rng = np.random.default_rng(seed)
    ids = [f"t{k:05d}" for k in range(n_tasks)]
    size = max(1, n_tasks // 400)  # capacity grows with the plan, so it binds but does not serialise it
    tasks = _tasks(rng, ids)
    tasks[ids[-1]].pop("programme", None)  # the last task sets readiness: it stays in the service programme
    return {
        "name": f"synthetic plan of {n_tasks} tasks",
        "description": f"Random layered plan, seed {seed}, for benchmarks.",
        "seed": seed,
        "start": _q(START.isoformat()),
        "planned_go_live": _q(PLANNED_GO_LIVE.isoformat()),
        "councils": {
            "county": {"name": "County", "role": "predecessor", "until": _q((VESTING_DAY - dt.timedelta(days=1)).isoformat())},
            "unitary": {"name": "Unitary", "role": "successor", "from": _q(VESTING_DAY.isoformat())},
        },
        "providers": {"trust": {"name": "Trust", "owners": ["county", "unitary"]}},
        "funders": {"dfe": {"name": "Department for Education"}},
        "delivery": {
            "model": "trust", "provider": "trust", "assumption": ASSUMPTION,
            "cost_items": {"trust_board": {"category": "set-up", "amount": _three("£0.2m", "£0.3m", "£0.5m"),
                                           "recurring_from": "go_live", "assumption": ASSUMPTION}},
            "support_services": {"payroll": {"charge_per_year": _three("£0.5m", "£0.8m", "£1.2m"),
                                             "assumption": ASSUMPTION}},
            "loss_claims": {"late_ict": {"amount": _three("£0.1m", "£0.3m", "£1m"), "late_task": ids[n_tasks // 3],
                                         "due": _day(300), "assumption": ASSUMPTION}},
        },
        "programmes": {
            "service": {"name": "Service transition", "delivers": ["trust"], "assumption": ASSUMPTION},
            "reorganisation": {"name": "Reorganisation", "paused_by_risks": False, "assumption": ASSUMPTION},
        },
        "go_live": {"programme": "service", "go_no_go_notice": _q("2w"), "eli_notice": _q("28d"),
                    "consultation_tasks": [ids[n_tasks // 2]]},
        "closed_windows": {"new_year": {"start": "2026-12-20", "end": "2027-01-05", "assumption": ASSUMPTION}},
        "capacities": {name: _q(size) for name in CAPACITY_NAMES},
        "calendars": {"office": {
            "weekends": True, "bank_holidays": "england-and-wales", "assumption": ASSUMPTION,
            "closed": {"christmas": {"start": "2026-12-24", "end": "2027-01-01", "assumption": ASSUMPTION}},
            "productivity": {"pre_election": {"start": "2027-03-22", "end": "2027-05-06", "factor": 0.5,
                                              "assumption": ASSUMPTION}}}},
        "tasks": tasks,
        "risks": _risks(rng, ids),
        **_money(ids),
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
