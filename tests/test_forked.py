"""The run's page built by a forked copy of the process: the same page, and errors still reach the caller."""

import os

import openpyxl
import pandas as pd
import pytest

from transition_sim import api, forked


def test_work_runs_in_a_copy_of_this_process_and_sees_its_memory():
    here = os.getpid()
    table = {"answer": 42}  # not pickled on the way in: the copy has it already
    assert forked.start(lambda: (os.getpid(), table["answer"])).result() != (here, 42)
    assert forked.start(lambda: (os.getpid(), table["answer"])).result()[1] == 42
    assert forked.start(lambda: os.getpid(), alongside=False).result() == here


def test_an_error_in_the_copy_reaches_the_caller():
    def broken():
        raise ValueError("no page")
    with pytest.raises(ValueError, match="no page"):
        forked.start(broken).result()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_copy_ends_once_its_result_is_taken():
    copy = forked.start(lambda: os.getpid())
    assert copy.result() == copy.pid and _gone(copy.pid)


def test_a_copy_whose_result_is_never_taken_is_ended_on_leaving_copies():
    import time

    with forked.copies():
        copy = forked.start(lambda: time.sleep(60))
    assert _gone(copy.pid)
    with pytest.raises(forked.CopyLost):
        copy.result()


def test_an_interrupt_while_waiting_for_a_copy_ends_it():
    """Ctrl-C while the command waits for a copy's result: the copy is ended on leaving `copies`, not left."""
    import signal
    import time

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt), forked.copies():
            copy = forked.start(lambda: time.sleep(60))
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            copy.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert _gone(copy.pid)


def test_no_thread_begun_ahead_is_alive_when_a_copy_is_forked():
    """A fork copies only the forking thread (and any lock another held): `start` waits for work begun in a
    thread (`ahead`) to end first."""
    import threading
    import time

    from transition_sim import ahead

    begun = ahead.start(lambda: time.sleep(0.3) or "played")
    copy = forked.start(lambda: [t.name for t in threading.enumerate()])
    assert not any(t.name == "ahead" and t.is_alive() for t in threading.enumerate())
    assert begun.result() == "played" and copy.result() == ["MainThread"]


def test_a_progress_bar_shown_starts_no_thread_a_fork_would_copy(monkeypatch):
    """A bar shown on a terminal (tqdm's monitor thread is off): the process stays one thread while copies fork."""
    import sys
    import threading

    from transition_sim import progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    before = set(threading.enumerate())
    with progress.bar(3, "test", enabled=True) as bar:
        bar.update(1)
        assert not bar.disable and set(threading.enumerate()) == before


def test_a_copy_that_dies_is_an_error_not_a_hang():
    copy = forked.start(lambda: os._exit(3))
    with pytest.raises(forked.CopyLost):
        copy.result()


def _cells(path):
    book = openpyxl.load_workbook(path)
    return {sheet.title: [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()] for sheet in book}


def test_the_run_s_board_pack_is_the_board_pack_built_here(tmp_path, monkeypatch):
    started, asked = forked.start, []
    monkeypatch.setattr(forked, "start", lambda work, alongside=True: asked.append(alongside) or started(work, alongside))
    api.run(runs=60, workers=1, out=tmp_path, name="alongside", with_report=False)
    assert asked == [True, True, True]  # no page: the timeline's tables, the scenario's work, then the other tables
    # and the board pack, alongside
    monkeypatch.setattr(forked, "start", lambda work, alongside=True: started(work, alongside=False))
    api.run(runs=60, workers=1, out=tmp_path, name="here", with_report=False)
    assert _cells(tmp_path / "alongside" / "board-pack.xlsx") == _cells(tmp_path / "here" / "board-pack.xlsx")
    for table in ("replications", "tasks", "risks", "ledger"):  # the tables a copy wrote are those written here
        assert (pd.read_parquet(tmp_path / "alongside" / f"{table}.parquet")
                .equals(pd.read_parquet(tmp_path / "here" / f"{table}.parquet"))), table


def test_the_run_s_page_is_the_page_built_here(tmp_path, monkeypatch):
    started, asked = forked.start, []
    monkeypatch.setattr(forked, "start", lambda work, alongside=True: asked.append(alongside) or started(work, alongside))
    api.run(runs=60, workers=1, out=tmp_path, name="alongside")
    assert asked == [True, True, True, True]  # the timeline's tables and charts; the scenario's work; the page;
    # the tables and the board pack
    monkeypatch.setattr(forked, "start", lambda work, alongside=True: started(work, alongside=False))
    api.run(runs=60, workers=1, out=tmp_path, name="here")
    assert (tmp_path / "alongside" / "report.html").read_bytes() == (tmp_path / "here" / "report.html").read_bytes()


def test_the_timeline_s_work_is_what_the_results_would_give(tmp_path):
    """What the copies forked at the timeline do (api.timeline_work, api.scenario_work): the timeline's tables are
    the run's, its task drivers are those of the results with their money (the money changes no task and no
    go-live), and the resolved scenario and health findings are those of the scenario."""
    from transition_sim import analysis, health, runstore
    from transition_sim.scenario import load, resolved_yaml

    seen, loaded = [], load()
    results = api.simulate(loaded.scenario, runs=60, workers=1, on_timeline=seen.append)
    with runstore.RunWriter(runstore.run_folder(tmp_path, "timeline"), False) as into:
        done = {**api.timeline_work(into, seen[0], with_report=False), **api.scenario_work(into, loaded)}
        folder = into.finish({}, {})
    assert done["charts"] is None
    assert done["findings"] == tuple(health.check(loaded.scenario)) and done["findings"]
    assert (folder / api.RESOLVED).read_text(encoding="utf-8") == resolved_yaml(loaded)
    pd.testing.assert_frame_equal(done["task_drivers"], analysis._task_drivers(results))
    for name in api.TIMELINE_TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(folder / f"{name}.parquet"), getattr(results, name))
