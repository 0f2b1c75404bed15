"""Work done by a forked copy of this process while this one goes on with other work.

The copy sees this process's memory as it was when forked, so nothing is pickled on the way in;
only the result comes back. Where there is no fork (or `alongside` is False) the work is done
here and now: the result is the same.
"""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable

_work: Callable | None = None


def start(work: Callable[[], object], alongside: bool = True) -> Future:
    """`work()`'s result, as a future: computed in a forked process if `alongside` and fork is available."""
    global _work
    if not alongside or "fork" not in multiprocessing.get_all_start_methods():
        done: Future = Future()
        done.set_result(work())
        return done
    _work = work
    try:
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_interrupt)
        future = pool.submit(_call)  # the copy is forked here, with _work set
        pool.shutdown(wait=False)  # it exits when the work is done
        return future
    finally:
        _work = None


def _ignore_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is this process's to handle


def _call():
    return _work()
