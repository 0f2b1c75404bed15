"""Work begun in a thread while this one goes on with other work.

For work that mostly waits on worker processes: the report's risk re-runs, played by the workers
while this process works out the run's money. The result is the same as the work done here and now.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import Future
from typing import Callable


_threads: list[threading.Thread] = []


def start(work: Callable[[], object]) -> Future:
    """`work()`'s result, as a future. The thread sees this one's context variables (the engine chosen),
    and does not keep the process alive if this one ends first (on an error, say)."""
    future: Future = Future()
    context = contextvars.copy_context()

    def call() -> None:
        try:
            future.set_result(context.run(work))
        except BaseException as error:  # noqa: B036 (read by whoever waits for the result)
            future.set_exception(error)

    thread = threading.Thread(target=call, name="ahead", daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()
    return future


def finish() -> None:
    """Wait until no work begun here is under way: each thread ended, not only its result set (before a
    fork, which copies only the forking thread, and with it any lock another thread held)."""
    for thread in _threads:
        thread.join()
    _threads.clear()
