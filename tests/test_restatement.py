"""The Northamptonshire models restated in the organisations language change nothing.

Compared with tables written before the restatement (tests/data/restatement/README.md): the
timeline is identical replication by replication, and the ledger by payer agrees to a relative 1e-9.
"""

import numpy as np
import pandas as pd
import pytest

# Proven at the restatement's own commit (5f2633a, issue 8: identical timelines, ledgers to 1e-15).
# Issue 10 then changed what these models mean on purpose: capacity is dispatched all-or-nothing in
# priority order, the baseline gained correlations and a children-with-disabilities branch. The
# tables written before issue 8 no longer describe these models; tests/data/golden.json pins them now.
# Issue 12's counter-based keyed streams also changed every seeded draw, so the tables (written with
# the old streams) could not match even without issue 10; they are kept as the record, not regenerated.
pytestmark = pytest.mark.skip(reason="restatement proven at 5f2633a; issue 10 changed the engine's capacity "
                                     "dispatch and the baseline on purpose, and issue 12 every seeded draw "
                                     "(see tests/data/golden.json)")

from restatement_tables import DATA, RUNS, SCENARIOS, SEED, tables
from transition_sim import api

# The restatement was proven when issue 8 merged. Issue 9 changes the models' inputs on purpose (no
# look-ahead: uncertain indices, the planners' durations) and the engine's pause accounting
# (paused_days counts only pause that delayed work), so the reference tables no longer apply.
pytestmark = pytest.mark.skip(reason="issue 9 changes the Northamptonshire timeline and ledger on purpose (the "
                              "re-plan's durations, uncertain indices, effective pause), so the pre-restatement "
                              "reference tables no longer apply")

# the payer names written in code before the restatement, and the scenario ids that replace them
OLD_PAYERS = {"county": "northamptonshire", "north": "north_northamptonshire", "west": "west_northamptonshire",
              "DfE": "dfe"}


@pytest.fixture(scope="module", params=list(SCENARIOS))
def pair(request):
    key = request.param
    run = api.run(SCENARIOS[key], runs=RUNS, seed=SEED, workers=1, write=False)
    before = {name: pd.read_parquet(DATA / f"{key}-{name}.parquet") for name in ("replications", "tasks", "ledger")}
    return before, tables(run.results)


def test_replications_identical(pair):
    before, now = pair
    pd.testing.assert_frame_equal(now["replications"], before["replications"], check_dtype=False)


def test_task_days_identical(pair):
    # Exact at the restatement's commit. Since link types (FS/SS/FF/SF), a task with no shared
    # capacity starts at its predecessor's recorded finish rather than at SimPy's clock, which can
    # differ in the last bits (2.8e-14 days measured): equal to 1e-12 relative, far below a second.
    before, now = pair
    pd.testing.assert_frame_equal(now["tasks"], before["tasks"], check_exact=False, rtol=1e-12, atol=1e-9)


def test_ledger_by_payer_within_1e9(pair):
    before, now = pair
    old = before["ledger"].assign(payer=before["ledger"]["payer"].map(OLD_PAYERS))
    keys = ["replication", "financial_year", "payer", "category"]
    joined = old.merge(now["ledger"], on=keys, how="outer", suffixes=("_before", "_now"), indicator=True)
    tiny = 1e-6  # a £ sum that is zero up to rounding may appear on one side only
    lonely = joined[joined["_merge"] != "both"]
    assert (lonely[["amount_gbp_before", "amount_gbp_now"]].abs().fillna(0).max(axis=1) < tiny).all(), lonely.head()
    both = joined[joined["_merge"] == "both"]
    np.testing.assert_allclose(both["amount_gbp_now"], both["amount_gbp_before"], rtol=1e-9, atol=tiny)
