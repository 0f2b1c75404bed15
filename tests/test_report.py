"""Figure builders on a small run, and the whole page in a real headless Chromium."""

import math
import os
import shutil
import tempfile

import numpy as np
import plotly.graph_objects as go
import pytest

from transition_sim import report
from transition_sim.api import run_report
from transition_sim.api import simulate
from transition_sim.montecarlo import go_live_without
from transition_sim.scenario import load

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def small():
    return simulate(load().scenario, runs=60, workers=1)


def plotted_numbers(fig):
    for trace in fig.data:
        for axis in ("x", "y"):
            values = getattr(trace, axis, None)
            if values is None:
                continue
            for v in values:
                if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool):
                    yield float(v)


def validated(chart):
    """The chart's figure through plotly's schema: graph_objects raise on any property plotly does not know."""
    return go.Figure(chart.figure)


def check(chart, traces=None):
    fig = validated(chart)
    assert fig.layout.title.text
    if traces is not None:
        assert len(fig.data) == traces
    assert all(not math.isnan(v) for v in plotted_numbers(fig))
    assert chart.caption.endswith(".")
    return fig


def axis_titles(fig):
    return fig.layout.xaxis.title.text, fig.layout.yaxis.title.text


def test_histogram_and_s_curve(small):
    fig = check(report.go_live_histogram(small), traces=1)
    assert axis_titles(fig) == ("go-live date", "share of replications (%)")
    assert sum(fig.data[0].y) == pytest.approx(100)
    fig = check(report.go_live_s_curve([("a", small), ("b", small)]), traces=2)
    assert fig.data[0].y[-1] == pytest.approx(100)
    assert len(fig.layout.shapes) >= len(small.scenario.closed_windows) + 2  # windows, planned, vesting


def test_gantt_has_every_task_and_workstream(small):
    fig = check(report.gantt(small))
    workstreams = small.task_info["workstream"].nunique()
    assert len(fig.data) == 4 * workstreams  # start band, finish band, median finish, median start
    labels = {y for trace in fig.data for y in trace.y if y is not None}
    assert len(labels) == len(small.task_info)
    assert "criticality" in fig.data[2].hovertemplate
    assert axis_titles(fig) == ("date", "task (by workstream)")


def test_why_charts(small):
    for chart in (report.criticality_chart(small), report.correlation_tornado(small)):
        fig = check(chart, traces=1)
        assert all(axis_titles(fig))
    risks = report.analysis.risk_drivers(small.head(20), lambda removals: go_live_without(
        small.scenario, small.seed, removals, 1))
    fig = check(report.risk_tornado(risks, 20), traces=1)
    assert len(fig.data[0].y) == len(small.scenario.risks)


def test_money_charts(small):
    fig = check(report.cumulative_cost_fan(small), traces=3)
    assert axis_titles(fig) == ("month", "cumulative transition cost (£m)")
    assert max(fig.data[0].y) < 50  # £m, not £
    fig = check(report.cost_by_year_and_payer(small), traces=5)
    assert [t.name for t in fig.data] == ["Northamptonshire County Council", "North Northamptonshire Council",
                                          "West Northamptonshire Council", "Department for Education",
                                          "Northamptonshire Children's Trust"]  # the pressure the trust absorbs
    fig = check(report.go_live_cost_scatter(small), traces=3)
    assert len(fig.data[0].x) == small.runs


def test_people_and_organisation_charts(small):
    fig = check(report.staff_sankey(small), traces=1)
    link = fig.data[0].link
    assert sum(link.value) == sum(g.headcount for s in small.scenario.services.values() for g in s.staff.values())
    check(report.agency_share_over_time(small), traces=3)
    fig = check(report.organisations_network(small))
    assert len(fig.layout.annotations) == 3  # one subplot per phase


def test_comparison_page_builders(small):
    check(report.go_live_bars([("a", small), ("b", small)]), traces=2)
    check(report.cost_boxes([("a", small), ("b", small)]), traces=2)
    page = report.comparison_page([("a", small), ("b", small)])
    assert page.count("Plotly.newPlot") == 4


def test_every_chart_of_the_pages_is_a_valid_plotly_figure(small):
    risks = report.analysis.risk_drivers(small.head(10), lambda removals: go_live_without(
        small.scenario, small.seed, removals, 1))
    charts = [c for _, group in report.run_sections(small, risks, 10) for c in group]
    charts += [report.go_live_bars([("a", small)]), report.cost_boxes([("a", small)]),
               report.yearly_cost_by_council_chart([("a", small), ("b", small)])]
    for chart in charts:
        fig = validated(chart)  # raises on a property plotly does not know
        assert fig.layout.template.layout.paper_bgcolor == "white"  # the report's template: plotly_white


def _with_outside_view(scenario):
    from transition_sim.schema import OutsideView
    return scenario.model_copy(update={"outside_view": OutsideView(apply=True)})


@pytest.mark.parametrize("which", ["baseline", "outside view applied", "surrey", "no money"])
def test_the_charts_made_from_the_timeline_ahead_leave_the_page_as_it_was(which):
    """A run's page with its timeline's charts made before the money and the risk re-runs (as `run` makes
    them, alongside the money) is the page made all at once, to the byte: the baseline (an open scope
    decision, so branches, and correlations), the same with the outside view's adjustment of go-live,
    another area, and a scenario without money."""
    from pathlib import Path

    from conftest import MINIMAL_PATH

    scenario = {"baseline": lambda: load().scenario, "outside view applied": lambda: _with_outside_view(load().scenario),
                "surrey": lambda: load(Path(__file__).resolve().parent.parent / "models" / "surrey.yaml").scenario,
                "no money": lambda: load(MINIMAL_PATH).scenario}[which]()
    seen = []
    results = simulate(scenario, runs=40, workers=1, on_timeline=seen.append)
    assert seen[0].ledger is None and (results.ledger is None) == (which == "no money")
    risks = report.analysis.risk_drivers(results.head(10), lambda removals: go_live_without(
        scenario, results.seed, removals, 1))
    ready = report.timeline_charts(seen[0])
    assert 4 <= len(ready) < sum(len(charts) for _, charts in report.run_sections(results, risks, 10))
    assert report.run_page(results, risks, 10, ready=ready) == report.run_page(results, risks, 10)


def test_scenario_text_is_escaped_in_the_page(small):
    page = report.page(XSS, "", [("When", [report.go_live_histogram(small)])])
    assert XSS not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# --- in a real browser ---------------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run must install the Debian package chromium")
        pytest.skip("Debian's chromium is not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    scenario = load(overrides=[f"tasks.company_setup.name={XSS}", f"name={XSS} baseline",
                               f"risks.union_dispute.name={XSS}"]).scenario
    results = simulate(scenario, runs=2000)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(run_report(results))
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(), executable_path=CHROMIUM, headless=True, viewport={"width": 1300, "height": 900},
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = context.new_page()
        seen = {"errors": [], "dialogs": [], "requests": []}
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
        page.wait_for_timeout(1500)
        facts = page.evaluate("""() => ({
            containers: document.querySelectorAll('.plotly-graph-div').length,
            drawn: [...document.querySelectorAll('.plotly-graph-div')].filter(
                d => d.querySelector('svg.main-svg') && d.querySelectorAll('path, rect, text').length > 10).length,
            images: document.querySelectorAll('img').length,
            text: document.body.innerText,
        })""")
        shot = path.with_name("report.png")
        page.screenshot(path=str(shot), full_page=True)
        context.close()
    yield {"path": path, "facts": facts, "seen": seen, "shot": shot}


def test_page_renders_every_chart_without_errors(browser_page):
    facts, seen = browser_page["facts"], browser_page["seen"]
    assert seen["errors"] == []
    assert facts["containers"] == 16  # 12, and 4 of schedule risk: slip waterfall, correlations, branches, convergence
    assert facts["drawn"] == facts["containers"]
    assert browser_page["shot"].stat().st_size > 50_000


def test_page_is_self_contained_and_small(browser_page):
    assert all(url.startswith("file://") for url in browser_page["seen"]["requests"])
    html = browser_page["path"].read_text()
    assert html.count("<script type=\"text/javascript\">/**") == 1  # plotly.js embedded once
    assert browser_page["path"].stat().st_size < 15 * 1024 * 1024


def test_scenario_markup_is_shown_as_text_and_never_runs(browser_page):
    assert browser_page["seen"]["dialogs"] == []
    assert browser_page["facts"]["images"] == 0
    assert XSS in browser_page["facts"]["text"]
