"""The tables the Northamptonshire restatement test compares, and the command that writes them.

Run `python tests/restatement_tables.py` (from the repository root) to write tests/data/restatement/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data" / "restatement"
SCENARIOS = {
    "baseline": "models/northamptonshire.yaml",
    "sept-2020": "models/northamptonshire-sept-2020.yaml",
    "one-council-in-house": "models/what-if/one-council-in-house.yaml",
    "childrens-homes-back-2024": "models/what-if/childrens-homes-back-2024.yaml",
}
RUNS, SEED = 300, 20191101
TIMELINE_COLUMNS = ["replication", "go_live_date", "readiness_date", "consultation_end_date", "vesting_day",
                    "reorganisation_ready_date", "slip_days", "on_time", "live_before_vesting", "paused_days"]


def tables(results) -> dict[str, pd.DataFrame]:
    """The timeline (replications without money; task start and finish days) and the ledger by payer."""
    reps = results.replications[TIMELINE_COLUMNS].reset_index(drop=True)
    tasks = results.tasks[["replication", "task_id", "start_day", "finish_day"]].copy()
    tasks["task_id"] = tasks["task_id"].astype(str)
    ledger = (results.ledger.assign(payer=results.ledger["payer"].astype(str),
                                    category=results.ledger["category"].astype(str),
                                    financial_year=results.ledger["financial_year"].astype(str))
              .groupby(["replication", "financial_year", "payer", "category"], as_index=False)["amount_gbp"].sum())
    return {"replications": reps, "tasks": tasks.reset_index(drop=True), "ledger": ledger}


def main() -> None:
    from transition_sim import api
    DATA.mkdir(parents=True, exist_ok=True)
    for key, path in SCENARIOS.items():
        run = api.run(path, runs=RUNS, seed=SEED, workers=1, write=False)
        for name, table in tables(run.results).items():
            table.to_parquet(DATA / f"{key}-{name}.parquet", index=False, compression="zstd")


if __name__ == "__main__":
    sys.exit(main())
