"""The fixed costs of a run (imports, loading, the board pack) cut without changing a result."""

import datetime as dt
import gc
import io
import subprocess
import sys

import networkx as nx
import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from transition_sim import analysis, boardpack, yamltree
from transition_sim.errors import ScenarioError
from transition_sim.programme import Dependencies
from transition_sim.scenario import load, resolved_yaml


@pytest.mark.parametrize("seed", range(20))
def test_average_ranks_are_pandas_ranks(seed):
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, rng.integers(1, 9), size=(rng.integers(1, 7), rng.integers(1, 60))) * 0.1
    rows[rng.random(rows.shape) < 0.2] = np.nan  # tasks out of scope in some replications
    expected = pd.DataFrame(rows.T).rank().to_numpy().T
    np.testing.assert_array_equal(analysis.average_ranks(rows), expected)


@pytest.mark.parametrize("values", [[], [7], [3, 3, 9, 5, 9, 3], list(range(10_000, 10_020))[::-1]])
def test_numbered_is_numpy_unique(values):
    values = np.array(values, dtype=np.int64)
    distinct, position = analysis._numbered(values)
    expected_distinct, expected_position = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(distinct, expected_distinct)
    np.testing.assert_array_equal(position, expected_position)


def random_graph(seed: int) -> tuple[list[str], list[tuple[str, str]]]:
    """30 nodes listed in a random order, edges from earlier to later in a hidden order."""
    rng = np.random.default_rng(seed)
    hidden = [f"t{i}" for i in range(30)]
    edges = [(hidden[a], hidden[b]) for a in range(30) for b in range(a + 1, 30) if rng.random() < 0.1]
    return [hidden[i] for i in rng.permutation(30)], edges


@pytest.mark.parametrize("seed", range(10))
def test_topological_order_is_networkx_lexicographical_order(seed):
    nodes, edges = random_graph(seed)
    graph = Dependencies({k: {} for k in nodes}, {k: {} for k in nodes})
    for a, b in edges:
        graph.add_link(a, b, ("FS", 0.0))
    reference = nx.DiGraph()
    reference.add_nodes_from(nodes)
    reference.add_edges_from(edges)
    written = {k: i for i, k in enumerate(nodes)}
    assert graph.topological_order(written.get) == list(nx.lexicographical_topological_sort(reference,
                                                                                            key=written.get))
    if edges:
        graph.add_link(*edges[-1][::-1], ("FS", 0.0))
        assert graph.topological_order(written.get) is None


def test_removing_a_task_leaves_no_trace_of_it():
    graph = Dependencies({k: {} for k in "abc"}, {k: {} for k in "abc"})
    graph.add_link("a", "b", ("FS", 0.0))
    graph.add_link("b", "c", ("SS", 1.0))
    graph.remove("b")
    assert graph.links == {"a": {}, "c": {}} and graph.preds == {"a": {}, "c": {}}


def test_a_cycle_is_named_as_networkx_finds_it(write, scenario_dict):
    task = scenario_dict()["tasks"]
    task = next(iter(task.values()))
    links = {"a": [], "b": ["a", "d"], "c": ["b"], "d": ["c"], "e": ["d"]}
    data = scenario_dict(tasks={k: {**task, "predecessors": p} for k, p in links.items()})
    reference = nx.DiGraph()
    reference.add_nodes_from(links)
    reference.add_edges_from((p, k) for k, ps in links.items() for p in ps)
    cycle = [edge[0] for edge in nx.find_cycle(reference)]
    with pytest.raises(ScenarioError) as caught:
        load(write(data))
    assert "dependency cycle: " + " -> ".join(cycle + cycle[:1]) in str(caught.value)


DOCUMENT = """\
plain: text
quoted: '12'
explicit: !!str 2020-01-01
number: 12
real: 1.5
yes_word: yes
nothing: null
tilde: ~
day: 2020-02-29
when: 2020-02-29 10:00:00
base: &base {a: 1, b: [x, 'y', 3]}
merged: {<<: *base, c: 4}
again: *base
empty: ''
"""


def test_parsed_values_are_pyyaml_safe_load():
    value, lines = yamltree.parse(DOCUMENT, "doc.yaml")
    assert value == yaml.safe_load(DOCUMENT)
    assert [type(value[k]) for k in ("quoted", "explicit", "number", "real")] == [str, str, int, float]
    assert lines[("merged", "c")] == ("doc.yaml", 12)


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_garbage_collector_as_it_was(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        load(None)
        assert gc.isenabled() is enabled
        with pytest.raises(Exception):
            yamltree.parse("a: [", "bad.yaml")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_run_without_its_report_executes_neither_networkx_nor_plotly(tmp_path):
    probe = ("import sys\nfrom transition_sim import api\n"
             f"api.run(runs=20, workers=1, out={str(tmp_path)!r}, with_report=False)\n"
             "print(sorted(m for m in ('networkx', 'plotly', 'transition_sim.report') "
             "if type(sys.modules.get(m)) is type(sys)))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_board_pack_cells_keep_their_types_and_formats():
    book = boardpack.Book()
    boardpack._sheet(book, "Cells", [("text", "text"), ("share", "%"), ("any", "")],
                     [["=1+1", 0.25, dt.date(2021, 4, 1)], ["", None, True], [("x", "text"), float("nan"), 3]],
                     "a note")
    sheet = openpyxl.load_workbook(io.BytesIO(book.saved()))["Cells"]
    assert [c.value for c in sheet[1]] == ["text", "share", "any"] and sheet["A1"].font.b
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"  # a name is never a formula
    assert (sheet["B2"].value, sheet["B2"].number_format) == (0.25, "0.0%")
    assert sheet["C2"].value == dt.datetime(2021, 4, 1) and sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["A3"].value is None and sheet["B3"].value is None and sheet["B3"].number_format == "0.0%"
    assert sheet["C3"].value is True and sheet["C4"].value == 3
    assert sheet["A6"].value == "a note" and sheet.freeze_panes == "A2"


SHARED = {"a": 1}
DAY = dt.date(2020, 1, 1)


@pytest.mark.parametrize("document", [
    {"x": SHARED, "y": SHARED},  # one dict twice: PyYAML writes an anchor and an alias
    {"x": DAY, "y": DAY, "z": [DAY]},  # one date object twice: the same
    {"u": "ü £", "n": None, "b": True, "f": 1.5, "big": 1e17, "i": 3, "e": {}, "l": [], "s": "yes", "t": "2020-01-01",
     "q": "'", "m": "a: b", "multi": "two\nlines", "num": "12", "list": [{"task": "a", "lag": -2.5}]},
])
def test_dumped_yaml_is_pyyamls_text(document):
    assert yamltree.dump(document) == yaml.dump(document, Dumper=yamltree.FAST_DUMPER, sort_keys=False,
                                                allow_unicode=True)


def test_the_resolved_scenario_reads_back_as_itself():
    loaded = load(None)
    assert yamltree.parse(resolved_yaml(loaded), "resolved.yaml")[0] == loaded.resolved
