"""The report's charts computed the quick way give the figures the slow way gave."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from transition_sim import analysis, schedule_charts
from transition_sim.api import simulate
from transition_sim.scenario import load


@pytest.fixture(scope="module")
def small():
    return simulate(load().scenario, runs=300, workers=1)


def test_running_percentiles_are_the_percentile_table_of_the_first_replications(small):
    fig, _ = schedule_charts.running_percentiles(small)
    go_live = small.replications["go_live_date"]
    for trace in go.Figure(fig).data:
        expected = [analysis.percentile_table(go_live.iloc[:n], (50, 80))["value"][trace.name] for n in trace.x]
        assert list(pd.to_datetime(np.asarray(trace.y))) == expected, trace.name
