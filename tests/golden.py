"""Seeded headline figures of every bundled model: what tests/data/golden.json pins.

Regenerate deliberately, after a change that is meant to move the answers:

    python tests/update_golden.py

then read the diff of tests/data/golden.json before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path

from transition_sim import api
from transition_sim.scenario import bundled_what_ifs, models_dir

GOLDEN = Path(__file__).resolve().parent / "data" / "golden.json"
RUNS = 200
SEED = 20191101


def bundled_models() -> list[str]:
    return [str(path.relative_to(models_dir())) for path, _ in bundled_what_ifs()]


def headline(model: str) -> dict:
    """Go-live P50/P80, transition cost P50/P80 and staff transferred of one model, seeded."""
    summary = api.run(models_dir() / model, runs=RUNS, seed=SEED, workers=1, write=False).summary
    out = {"go_live_P50": summary["go_live"]["P50"], "go_live_P80": summary["go_live"]["P80"],
           "p_on_time": summary["p_on_time"]["share"]}
    if "costs" in summary:
        cost = summary["costs"]["transition_cost_gbp"]
        out.update(transition_cost_P50_gbp=cost["P50"], transition_cost_P80_gbp=cost["P80"],
                   staff_transferred=summary["costs"]["staff_transferred"])
    return out


def load() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))
