"""Work done by a forked copy of this process while this one goes on with other work.

The copy sees this process's memory as it was when forked, so nothing is pickled on the way in; only
the result comes back, through a pipe, and the copy ends as soon as it has sent it. Where there is no
fork (or `alongside` is False) the work is done here and now: the result is the same.

A copy is a plain fork with a pipe, not a process pool: a pool's worker waits for its pool's word to
end, which a command that ends its process at once (`cli.command`) never gives, and a copy left behind
would hold the command's output open. A copy whose result is never asked for (a command that failed
meanwhile) is ended by `copies`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import traceback
from typing import Callable, Iterator

from transition_sim import ahead


class CopyLost(RuntimeError):
    """A forked copy ended without sending its result."""


class Copy:
    """A forked copy's work under way; `result()` waits for it (and raises what the work raised)."""

    def __init__(self, pid: int, reader: int):
        self.pid, self.reader = pid, reader
        self.outcome: tuple[str, object] | None = None

    def result(self):
        if self.outcome is None:
            reader, self.reader = self.reader, -1  # closed by the file below, whatever happens while reading
            with os.fdopen(reader, "rb") as pipe:
                data = pipe.read()
            os.waitpid(self.pid, 0)
            _running.discard(self)
            self.outcome = pickle.loads(data) if data else ("error", CopyLost("the forked copy ended unexpectedly"))
        kind, value = self.outcome
        if kind == "error":
            raise value
        return value

    def end(self) -> None:
        """Stop the copy, if its result was not taken."""
        if self.outcome is not None:
            return
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        if self.reader >= 0:
            os.close(self.reader)
        _running.discard(self)
        self.outcome = ("error", CopyLost("the forked copy was stopped"))


class Done:
    """Work done here: `result()` is its result."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


_running: set[Copy] = set()


def start(work: Callable[[], object], alongside: bool = True) -> Copy | Done:
    """`work()`'s result, to be taken with `.result()`: computed by a forked copy if `alongside` and this system
    forks, else here and now."""
    if not alongside or not hasattr(os, "fork"):
        return Done(work())
    ahead.finish()  # no thread of this process's own at work while it is copied
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: its work, its result down the pipe, and its end (no exit handlers of the parent's)
        os.close(reader)
        gc.freeze()  # the parent's objects are left out of the copy's collections, which would copy their pages
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        try:
            try:
                payload = pickle.dumps(("done", work()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as err:  # sent to the parent, which raises it
                payload = pickle.dumps(("error", picklable(err)), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(writer)
    copy = Copy(pid, reader)
    _running.add(copy)
    return copy


@contextlib.contextmanager
def copies() -> Iterator[None]:
    """Inside the block, copies may be started; on leaving it, those whose result was not taken are ended."""
    try:
        yield
    finally:
        for copy in list(_running):
            copy.end()


def picklable(err: BaseException) -> BaseException:
    """The error itself if it can be pickled (to be raised in another process), else its traceback as text."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:
        return RuntimeError("".join(traceback.format_exception(err)))
