import numpy as np
import pandas as pd
from click.testing import CliRunner

from transition_sim.cli import main
from transition_sim.montecarlo import simulate
from conftest import scenario_dict

SLOW = {"a": {"name": "A", "workstream": "w", "duration": {"low": "30d", "likely": "90d", "high": "200d"},
              "assumption": "test"}}


def test_an_actual_go_live_fixes_the_timeline(loaded):
    data = scenario_dict(tasks=SLOW, status_date={"value": "2020-06-01", "assumption": "test"},
                         actuals={"go_live": {"value": "2020-04-01", "source": "test", "published": "2020-04-02"}})
    results = simulate(loaded(data).scenario, runs=200, seed=1, workers=1)
    reps = results.replications
    assert (reps["go_live_date"] == pd.Timestamp("2020-04-01")).all()
    assert (reps["slip_days"] == 31).all() and not reps["on_time"].any()
    assert (results.tasks["finish_day"] <= 91).all()  # 1 April 2020 is day 91 after 1 January
    assert np.allclose(reps["readiness_day"], np.minimum(reps["readiness_day"], 91))


def test_an_actual_after_the_status_date_is_bad_input(write):
    data = scenario_dict(tasks=SLOW, actuals={"go_live": {"value": "2020-04-01", "source": "test"}})
    result = CliRunner().invoke(main, ["validate", str(write(data))])
    assert result.exit_code == 2 and "actuals.go_live" in result.output and "forecast, not an actual" in result.output
