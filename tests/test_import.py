"""`transition-sim import`: the three real MS Project files, task lists made with openpyxl, and bad files."""

import datetime as dt
import re

import numpy as np
import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from transition_sim.cli import main
from transition_sim.importers import build, read_plan, task_ids
from transition_sim.programme import compile_network, forward_pass
from transition_sim.schema import Scenario
from plans import FILES, facts, needs_plans, plan

# The reference counts in shared/plans/README.md: rows, summary rows by outline, leaf tasks, milestones
# (zero duration), links, FS/SS/FF/SF, lags in working days, resources, real assignments / all assignments
README = {
    FILES[0]: (25, 4, 21, 3, 24, (20, 4, 0, 0), [], 0, (0, 21)),
    FILES[1]: (19, 3, 16, 1, 6, (3, 1, 1, 1), [1.0, -1.0], 2, (2, 17)),
    FILES[2]: (43, 7, 36, 12, 37, (36, 0, 1, 0), [-15.0], 8, (28, 45)),
}


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


@needs_plans
@pytest.mark.parametrize("name", FILES)
def test_counts_match_the_readme_and_the_fact_sheet(name):
    read = read_plan(plan(name))
    c = read.counts
    rows, parents, leaves, milestones, links, by_type, lags, resources, (real, total) = README[name]
    assert (c["rows"], c["summary rows"], c["tasks"], c["milestones"], c["links in the file"]) == \
        (rows, parents, leaves, milestones, links)
    assert tuple(c[f"{k} links"] for k in ("FS", "SS", "FF", "SF")) == by_type
    assert c["lags (working days)"] == lags
    assert c["capacities"] == len(read.capacities) == resources
    assert c["assignments to a resource"] == real
    assert c["assignments to a resource"] + c["assignments to no resource (ignored)"] == total
    # and independently, against facts.py (ElementTree only)
    f = facts(name)
    assert int(f["tasks (excl. UID 0, excl. IsNull)"]) == c["rows"]
    assert int(f["parent rows by OutlineLevel"]) == c["summary rows"]
    assert int(f["leaf tasks (by OutlineLevel)"]) == len(read.tasks)
    assert int(f["zero-duration tasks"]) == c["milestones"]
    assert float(f["  same in working days (/ MinutesPerDay)"]) == pytest.approx(
        sum(t.duration_days for t in read.tasks))
    assert f["links by type"] == ", ".join(f"{k}={c[k + ' links']}" for k in ("FS", "SS", "FF", "SF"))
    assert f["  their lags in working days"] == (", ".join(f"{x:g}" for x in lags) or "-")
    assert int(f["resources (excl. UID 0)"].split()[0]) == len(read.capacities)


@needs_plans
def test_traps_of_each_file():
    aspose = plan(FILES[0])
    assert aspose.read_bytes().startswith(b"\xef\xbb\xbf") and b"<!--" in aspose.read_bytes()[:400]
    read = read_plan(aspose)
    assert not read.capacities and not any(t.needs for t in read.tasks)  # every assignment is to -65535
    assert {t.workstream for t in read.tasks} == {"Initial New Product Screening Stage", "Preliminary Investigation Stage",
                                                  "Technical Feasibility Analysis"}

    one_line = plan(FILES[1])
    assert len(one_line.read_text(encoding="utf-8").strip().splitlines()) <= 2
    read = read_plan(one_line)
    needs = {t.name: t.needs for t in read.tasks if t.needs}
    assert needs == {"Second Task": {"first_resource": 1, "second_resource": 1}}
    assert {t.name: t.not_before for t in read.tasks if t.not_before} == {
        "Recurring Task 1": dt.date(2003, 2, 1), "Recurring Task 2": dt.date(2003, 3, 1),
        "Related Task 6a": dt.date(2003, 1, 8), "Related Task 6b": dt.date(2003, 1, 6)}

    libre = read_plan(plan(FILES[2]))  # no UID 0, every Summary and Milestone flag 0
    assert any("Summary flag" in n for n in libre.notes)
    assert sum(t.milestone for t in libre.tasks) == 12
    marketing = {t.key for t in libre.tasks if t.workstream == "Marketing and Sales Phase"}
    # the link 7 -> 23 between two summary rows stands for every leaf of 7 before every leaf of 23
    finance = {t.key for t in libre.tasks if t.workstream == "Finance Phase"}
    for task in libre.tasks:
        if task.key in marketing:
            assert finance <= {link.task for link in task.links}


def working_day(start: dt.date, stamp: str) -> int:
    """Working days (Monday to Friday) from the project's start to a stored date; 12:00 or later is the day's end."""
    moment = dt.datetime.fromisoformat(stamp.split(".")[0])
    return int(np.busday_count(start, moment.date())) + (moment.hour >= 12)


@needs_plans
@pytest.mark.parametrize("name", FILES)
def test_forward_pass_reproduces_the_early_dates_ms_project_stored(name):
    read = read_plan(plan(name))
    document = build(read, (1.0, 1.0, 1.0))
    for task in document["tasks"].values():  # constraint dates, in working days like everything else
        if "not_before" in task:
            task["not_before"] = read.start + dt.timedelta(days=int(np.busday_count(read.start, task["not_before"])))
    net = compile_network(Scenario.model_validate(document))
    start, finish = forward_pass(net)
    ns = "{http://schemas.microsoft.com/project}"
    stored = {}
    for el in etree.parse(str(plan(name))).getroot().iter(ns + "Task"):
        field = lambda tag: el.findtext(ns + tag)  # noqa: E731
        stored[field("UID")] = (working_day(read.start, field("EarlyStart") or field("Start")),
                                working_day(read.start, field("EarlyFinish") or field("Finish")))
    ids = task_ids(read)
    computed = {t.key: (start[net.task_ids.index(ids[t.key])], finish[net.task_ids.index(ids[t.key])])
                for t in read.tasks}
    differ = {k for k in computed if computed[k] != stored[k]}
    if name == FILES[1]:
        # "Second Task" stores Duration PT800H (100 days) but Start and Finish 50 working days apart:
        # no forward pass from the stored durations can match both; its start matches
        assert differ == {"2"} and computed["2"] == (0, 100) and stored["2"] == (0, 50)
    else:
        assert differ == set()


@needs_plans
@pytest.mark.parametrize("name", FILES)
def test_imported_scenario_validates_is_the_same_twice_and_runs(tmp_path, name):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    result = invoke("import", plan(name), "-o", first)
    assert result.exit_code == 0, result.output
    assert invoke("import", plan(name), "-o", second).exit_code == 0
    assert first.read_text() == second.read_text()
    assert "working days written as calendar days" in first.read_text()
    checked = invoke("validate", first, "--strict")  # every number has a source or an assumption
    assert checked.exit_code == 0 and "to do: planned_go_live is a placeholder" in checked.output
    ran = invoke("run", first, "--runs", "10", "--workers", "1", "--out", tmp_path / "runs", "--name", "r",
                 "--no-report")
    assert ran.exit_code == 0, ran.output
    again = invoke("import", plan(name), "-o", first)
    assert again.exit_code == 2 and "--force" in again.output


MSPDI = """<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
<StartDate>2020-01-06T08:00:00</StartDate><MinutesPerDay>480</MinutesPerDay>{extra}
<Tasks>
<Task><UID>1</UID><Name>Alpha</Name><OutlineLevel>1</OutlineLevel><Duration>{duration}</Duration>{a}</Task>
<Task><UID>2</UID><Name>Beta</Name><OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration>{b}</Task>
</Tasks>
</Project>
"""


def mspdi(write_dir, duration="PT16H0M0S", a="", b="", extra="", name="plan.xml"):
    path = write_dir / name
    path.write_text(MSPDI.format(duration=duration, a=a, b=b, extra=extra), encoding="utf-8")
    return path


def link(uid, kind=1, lag=0, lag_format=7):
    return (f"<PredecessorLink><PredecessorUID>{uid}</PredecessorUID><Type>{kind}</Type>"
            f"<LinkLag>{lag}</LinkLag><LagFormat>{lag_format}</LagFormat></PredecessorLink>")


def test_a_small_plan_keeps_link_types_lags_estimates_and_progress(tmp_path):
    fields = ("<ExtendedAttributes><ExtendedAttribute><FieldID>188743783</FieldID><FieldName>Duration1</FieldName>"
              "<Alias>Optimistic</Alias></ExtendedAttribute><ExtendedAttribute><FieldID>188743784</FieldID>"
              "<FieldName>Duration2</FieldName><Alias>Pessimistic</Alias></ExtendedAttribute></ExtendedAttributes>"
              "<StatusDate>2020-01-20T17:00:00</StatusDate>")
    custom = ("<ExtendedAttribute><FieldID>188743783</FieldID><Value>PT8H0M0S</Value></ExtendedAttribute>"
              "<ExtendedAttribute><FieldID>188743784</FieldID><Value>PT32H0M0S</Value></ExtendedAttribute>"
              "<PercentComplete>100</PercentComplete><ActualStart>2020-01-06T08:00:00</ActualStart>"
              "<ActualFinish>2020-01-07T17:00:00</ActualFinish>")
    source = mspdi(tmp_path, a=custom, b=link(1, kind=3, lag=-4800), extra=fields)
    (tmp_path / "map.yaml").write_text("low: Optimistic\nhigh: Pessimistic\n")
    out = tmp_path / "s.yaml"
    result = invoke("import", source, "-o", out, "--map", tmp_path / "map.yaml")
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text())
    assert document["tasks"]["alpha"]["duration"] == {"low": "1d", "likely": "2d", "high": "4d"}
    assert document["tasks"]["alpha"]["done_on"] == dt.date(2020, 1, 7)
    assert document["status_date"]["value"] == dt.date(2020, 1, 20)
    assert document["tasks"]["beta"]["predecessors"] == [{"task": "alpha", "type": "SS", "lag": "-1d"}]
    assert document["tasks"]["beta"]["duration"] == {"low": "0.9d", "likely": "1d", "high": "1.5d"}


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&lol3;</Name></Project>
"""


@pytest.mark.parametrize("case, expected", [
    ("not_xml", r"plan\.xml:1: not XML"),
    ("other_kind", r"plan\.xml:2: html: XML of another kind"),
    ("missing", r"plan\.xml:\d+: Tasks/Task UID 2 PredecessorLink: links to a task that is not in the file: UID 9"),
    ("cycle", r"plan\.xml:\d+: Tasks/Task UID \d predecessors: dependency cycle: '(Alpha|Beta)'.* -> .*UID"),
    ("duration", r"plan\.xml:\d+: Tasks/Task UID 1 Duration: cannot read the duration 'ten days'"),
    ("bomb", r"plan\.xml:1: DOCTYPE: declares XML entities: refused, not expanded"),
    ("elapsed_lag", r"Tasks/Task UID 2 PredecessorLink: task 'Beta': a lag in elapsed time"),
    ("summary_start", r"task 'Gamma': a SS link from the start of the summary row 'Alpha'"),
])
def test_bad_files_exit_2_naming_file_and_element(tmp_path, case, expected):
    path = tmp_path / "plan.xml"
    if case == "not_xml":
        path.write_text("this is not < xml")
    elif case == "other_kind":
        path.write_text("<?xml version='1.0'?>\n<html><body/></html>")
    elif case == "missing":
        mspdi(tmp_path, b=link(9))
    elif case == "cycle":
        mspdi(tmp_path, a=link(2), b=link(1))
    elif case == "duration":
        mspdi(tmp_path, duration="ten days")
    elif case == "bomb":
        path.write_text(BOMB)
    elif case == "elapsed_lag":
        mspdi(tmp_path, b=link(1, lag=14400, lag_format=8))
    elif case == "summary_start":
        text = MSPDI.format(duration="PT8H0M0S", a="", b="", extra="").replace(
            "<OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration></Task>\n</Tasks>",
            "<OutlineLevel>2</OutlineLevel><Duration>PT8H0M0S</Duration></Task>\n<Task><UID>3</UID><Name>Gamma</Name>"
            "<OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration>" + link(1, kind=3) + "</Task>\n</Tasks>")
        path.write_text(text)
    result = invoke("import", path, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 2, result.output
    assert re.search(expected, result.output), result.output
    assert not (tmp_path / "out.yaml").exists()


def workbook(path, header, rows, risks=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tasks"
    for row in [header, *rows]:
        sheet.append(row)
    if risks:
        register = book.create_sheet("Risks")
        for row in risks:
            register.append(row)
    book.save(path)
    return path


def test_an_excel_task_list_imports_validates_and_runs(tmp_path):
    header = ["Task ID", "Task", "Stream", "Optimistic", "Most likely", "Pessimistic", "Depends on", "Needs"]
    rows = [["design", "Design the trust", "Governance", "2w", "3w", "6w", "", "legal:1"],
            ["consult", "TUPE consultation", "People", 20, 30, 45, "design", "hr:2"],
            ["ict", "ICT separation", "ICT", "4w", "6w", "10w", "design SS+5d", "hr"],
            ["ready", "Ready to transfer", "Governance", 0, 0, 0, "consult, ict FF-2d", ""]]
    risks = [["id", "name", "probability", "impact", "tasks"], ["late_legal", "Legal advice late", "30%", "2w", "design"]]
    source = workbook(tmp_path / "tasks.xlsx", header, rows, risks)
    (tmp_path / "map.yaml").write_text("id: Task ID\nname: Task\nworkstream: Stream\nlow: Optimistic\n"
                                       "likely: Most likely\nhigh: Pessimistic\npredecessors: Depends on\nneeds: Needs\n")
    out = tmp_path / "s.yaml"
    result = invoke("import", source, "-o", out, "--map", tmp_path / "map.yaml", "--start", "2020-01-06")
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text())
    assert list(document["tasks"]) == ["design", "consult", "ict", "ready"]
    assert document["tasks"]["consult"]["duration"] == {"low": "20d", "likely": "30d", "high": "45d"}
    assert document["tasks"]["ict"]["predecessors"] == [{"task": "design", "type": "SS", "lag": "5d"}]
    assert document["tasks"]["ready"]["predecessors"] == ["consult", {"task": "ict", "type": "FF", "lag": "-2d"}]
    assert document["capacities"]["hr"]["value"] == 2 and document["tasks"]["ict"]["needs"] == {"hr": 1}
    assert document["risks"]["late_legal"]["probability"] == 0.3
    assert document["risks"]["late_legal"]["delays"]["design"]["likely"] == "14d"
    assert invoke("validate", out).exit_code == 0
    ran = invoke("run", out, "--runs", "20", "--workers", "1", "--out", tmp_path / "runs", "--name", "r", "--no-report")
    assert ran.exit_code == 0, ran.output


def test_task_list_problems_name_the_row_and_column(tmp_path):
    csv = tmp_path / "tasks.csv"
    csv.write_text("id,name,likely\na,A,5\nb,B,soon\n")
    result = invoke("import", csv, "-o", tmp_path / "s.yaml", "--start", "2020-01-06")
    assert result.exit_code == 2 and "tasks.csv:3: row 3 column likely: cannot read the duration 'soon'" in result.output

    csv.write_text("id,name,estimate\na,A,5\n")
    result = invoke("import", csv, "-o", tmp_path / "s.yaml", "--start", "2020-01-06")
    assert result.exit_code == 2 and "no column for likely (or duration)" in result.output

    (tmp_path / "map.yaml").write_text("likely: Effort\n")
    result = invoke("import", csv, "-o", tmp_path / "s.yaml", "--start", "2020-01-06", "--map", tmp_path / "map.yaml")
    assert result.exit_code == 2 and "--map names the column 'Effort' for likely" in result.output

    csv.write_text("id,name,likely,predecessors\na,A,5,ghost\n")
    result = invoke("import", csv, "-o", tmp_path / "s.yaml", "--start", "2020-01-06")
    assert result.exit_code == 2 and "row 2 predecessors: links to a task that is not in the plan: 'ghost'" in result.output

    result = invoke("import", csv, "-o", tmp_path / "s.yaml")
    assert result.exit_code == 2 and "give --start" in result.output
    result = invoke("import", csv, "-o", tmp_path / "s.yaml", "--start", "2020-01-06", "--range", "1,0.5,2")
    assert result.exit_code == 2 and "--range" in result.output


@needs_plans
def test_a_risk_register_beside_an_ms_project_plan_names_tasks_by_their_ids(tmp_path):
    register = tmp_path / "risks.csv"
    register.write_text("id,name,probability,impact,tasks\nlate,Late,0.2,5d,evaluate_the_market\n")
    out = tmp_path / "s.yaml"
    result = invoke("import", plan(FILES[0]), "-o", out, "--risks", register)
    assert result.exit_code == 0, result.output
    risk = yaml.safe_load(out.read_text())["risks"]["late"]
    assert risk["probability"] == 0.2 and list(risk["delays"]) == ["evaluate_the_market"]
    assert invoke("validate", out).exit_code == 0
