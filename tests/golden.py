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
    """Go-live P50/P80, P(on time), transition cost P50/P80 and staff transferred of one model, seeded."""
    figures = api.run(models_dir() / model, runs=RUNS, seed=SEED, workers=1, write=False).summary["figures"]
    keys = ("go_live_p50", "go_live_p80", "p_on_time", "transition_cost_p50", "transition_cost_p80",
            "staff_transferred")
    return {key: plain(figures[key]["value"]) for key in keys if key in figures}


def plain(value):
    """A figure as JSON holds it: dates as ISO text, numbers as floats."""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return value if isinstance(value, str) else float(value)


def load() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))
