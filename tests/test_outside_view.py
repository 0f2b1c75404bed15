import datetime as dt

import pytest
from scipy import stats

from transition_sim import api
from transition_sim.outside_view import compare, reference_class

EVIDENCE = """kind: go_live
cases:
  a: {name: A, planned: {month: 2014-04, source: s}, actual: {date: 2014-10-01, source: s}}
  b: {name: B, planned: {month: 2017-04, source: s}, actual: {date: 2017-04-01, source: s}}
  c: {name: C, planned: {month: 2018-09, source: s}, actual: {date: 2018-12-01, source: s}}
  d: {name: D, actual: {date: 2015-10-01, source: s}}
  e: {name: E, planned: {month: 2023-04, source: s}, actual: {date: 2023-04-01, source: s}}
"""


def test_the_class_holds_only_cases_known_at_the_status_date_with_both_dates(tmp_path):
    path = tmp_path / "trusts.yaml"
    path.write_text(EVIDENCE)
    cases = reference_class(dt.date(2019, 11, 1), path)
    assert list(cases["case"]) == ["a", "b", "c"] and list(cases["slip_months"]) == [6, 0, 3]
    assert list(reference_class(dt.date(2024, 1, 1), path)["case"]) == ["a", "b", "c", "e"]


def test_the_baseline_is_compared_with_exact_binomial_intervals_and_warned_when_outside():
    run = api.run("models/northamptonshire.yaml", runs=200, workers=1, write=False)
    view = run.summary["outside_view"]
    on_time = view["rates"][0]
    k, n = (int(x) for x in on_time["class_cases"].split(" of "))
    low, high = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    assert (on_time["class_ci95_low"], on_time["class_ci95_high"]) == pytest.approx((low, high))
    assert on_time["inside_view"] == pytest.approx(run.results.replications["on_time"].mean())
    outside = not low <= on_time["inside_view"] <= high
    assert outside == any(w.startswith("the inside view gives on time") for w in view["warnings"])
    assert all(c["actual"] <= "2019-11-01" for c in view["cases"])  # nothing from after the plan's date


def test_the_adjustment_widens_go_live_to_the_class_and_says_so():
    from transition_sim.scenario import load
    from transition_sim.schema import OutsideView
    scenario = load("models/northamptonshire.yaml").scenario
    inside = api.simulate(scenario, runs=400, workers=1)
    widened = api.simulate(scenario.model_copy(update={"outside_view": OutsideView(apply=True)}), runs=400, workers=1)
    a, b = inside.replications, widened.replications
    assert (b["go_live_date"] >= a["go_live_date"]).all()
    assert (b["inside_view_go_live_date"] == a["go_live_date"]).all()
    view = compare(widened)
    cases = reference_class(scenario.status)
    class_on_time = (cases["slip_months"] == 0).mean()
    # on time only where the class draw and the inside view both are: at most the class's share, within MC error
    assert b["on_time"].mean() <= class_on_time + 3 * (class_on_time * (1 - class_on_time) / 400) ** 0.5
    assert view["adjusted"] and any(w.startswith("outside-view adjustment applied") for w in view["warnings"])
    assert b["slip_days"].mean() > a["slip_days"].mean()
    assert not compare(inside)["adjusted"]
