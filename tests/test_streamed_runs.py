"""A run longer than one block streams its tasks, risks and ledger into the run folder as blocks complete
(memory flat in replications): the folder is the one a run in one block writes, and nothing is left on failure."""

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from transition_sim import api, costs, runstore
from transition_sim.ledger import StoredTable

TABLES = ("replications", "tasks", "risks", "ledger")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The baseline's 90 replications written in one block, and in blocks of 40 (streamed)."""
    out = tmp_path_factory.mktemp("runs")
    whole = api.run(runs=90, workers=1, out=out, name="whole", with_report=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api, "BLOCK_REPLICATIONS", 40)
        blocks = api.run(runs=90, workers=1, out=out, name="blocks", with_report=False)
    return whole, blocks


def test_the_streamed_tables_are_those_of_one_block(folders):
    whole, blocks = folders
    for name in TABLES:
        a, b = whole.folder / f"{name}.parquet", blocks.folder / f"{name}.parquet"
        assert pq.read_schema(b).equals(pq.read_schema(a), check_metadata=True), name
        pd.testing.assert_frame_equal(pd.read_parquet(b), pd.read_parquet(a), check_exact=True)
    assert pq.ParquetFile(blocks.folder / "tasks.parquet").num_row_groups == 3  # written block by block


def test_the_summary_and_figures_are_those_of_one_block(folders):
    whole, blocks = folders
    assert json.loads((blocks.folder / "summary.json").read_text()) == \
        json.loads((whole.folder / "summary.json").read_text())
    assert blocks.summary == whole.summary
    assert isinstance(blocks.results.ledger, StoredTable) and blocks.results.ledger.path.parent == blocks.folder
    pd.testing.assert_frame_equal(blocks.results.ledger_table(), whole.results.ledger, check_exact=True)
    for name in ("tasks", "risks", "replications"):
        pd.testing.assert_frame_equal(getattr(blocks.results, name), getattr(whole.results, name), check_exact=True)


def test_a_run_folder_read_back_gives_the_same_figures(folders):
    whole, blocks = folders
    assert api.load_run(blocks.folder).runs == 90
    from transition_sim import analysis
    assert analysis.headline(api.load_run(blocks.folder)) == analysis.headline(api.load_run(whole.folder))


def test_the_first_replications_of_a_streamed_run_are_a_shorter_run(folders):
    whole, blocks = folders
    from transition_sim import analysis
    for categories in (None, costs.CONTRACT):
        pd.testing.assert_frame_equal(analysis.money_by_year_and_payer(blocks.results.head(30), categories),
                                      analysis.money_by_year_and_payer(whole.results.head(30), categories))
    pd.testing.assert_frame_equal(blocks.results.head(30).ledger_table(), whole.results.head(30).ledger,
                                  check_exact=True)


def test_a_run_that_fails_between_blocks_leaves_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(api, "BLOCK_REPLICATIONS", 20)
    calls = []
    real = costs.with_money

    def failing(results):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(results)

    monkeypatch.setattr(costs, "with_money", failing)
    with pytest.raises(KeyboardInterrupt):
        api.run(runs=50, workers=1, out=tmp_path, name="cut", with_report=False)
    assert list(tmp_path.iterdir()) == []


def test_blocks_with_different_ledger_names_are_written_with_the_names_of_one_table(tmp_path):
    """The ledger's categorical columns hold the names that occur, sorted; a later block can bring new ones."""
    first = pd.DataFrame({"replication": [0, 0], "payer": pd.Categorical(["b", "c"])})
    second = pd.DataFrame({"replication": [1, 1], "payer": pd.Categorical(["a", "c"])})
    whole = pd.concat([first, second], ignore_index=True).astype({"payer": "category"})
    whole.to_parquet(tmp_path / "whole.parquet", index=False)
    with runstore.RunWriter(tmp_path / "run", force=False) as writer:
        writer.append("ledger", first)
        writer.append("ledger", second)
        pd.testing.assert_frame_equal(writer.read("ledger"), whole, check_exact=True)
        writer.finish({}, {})
    assert pq.read_schema(tmp_path / "run" / "ledger.parquet").equals(pq.read_schema(tmp_path / "whole.parquet"),
                                                                       check_metadata=True)
    assert list(pd.read_parquet(tmp_path / "run" / "ledger.parquet")["payer"].cat.categories) == ["a", "b", "c"]


def test_a_stored_ledger_read_in_small_chunks_gives_the_sums_of_the_ledger_in_memory(folders, monkeypatch):
    """Chunks end on whole replications, so each replication's sums are pandas' over its rows, to the last bit."""
    from transition_sim import analysis, ledger
    whole, _ = folders
    monkeypatch.setattr(ledger, "CHUNK_ROWS", 1000)  # about 3 replications, cut anywhere
    stored = api.load_run(whole.folder)
    assert isinstance(stored.ledger, StoredTable)
    pd.testing.assert_frame_equal(analysis.yearly_cost_by_council(stored), analysis.yearly_cost_by_council(whole.results),
                                  check_exact=True)
    pd.testing.assert_frame_equal(analysis.cumulative_cost_bands(stored, costs.TRANSITION),
                                  analysis.cumulative_cost_bands(whole.results, costs.TRANSITION), check_exact=True)
    for categories in (None, costs.CONTRACT):
        pd.testing.assert_frame_equal(analysis.money_by_year_and_payer(stored, categories),
                                      analysis.money_by_year_and_payer(whole.results, categories), check_exact=True)


def test_a_streamed_run_gives_its_free_memory_back_after_each_block(monkeypatch, tmp_path):
    """glibc keeps freed memory for reuse, and a run of many blocks grew with each (`heap`)."""
    import platform
    from transition_sim import heap
    assert heap.give_back() == (platform.libc_ver()[0] == "glibc")  # malloc_trim is glibc's
    monkeypatch.setattr(api, "BLOCK_REPLICATIONS", 20)
    given = []
    monkeypatch.setattr(heap, "give_back", lambda: given.append(1) or True)
    api.run(runs=50, workers=1, out=tmp_path, name="blocks", with_report=False)
    assert len(given) == 3 + 1  # after each of the three blocks, and after reading the tables back
    given.clear()
    api.run(runs=20, workers=1, out=tmp_path, name="one-block", with_report=False)
    assert given == []  # one block: nothing was freed between blocks
