"""Worker processes that load the engine as they start: the executor of every local run with more than one
worker, and started as a command begins, so that loading the compiled engine overlaps the command's own
start-up instead of following it.

Loading numba and the cached executor takes about a second, as long as importing pandas and the rest.
The first worker is forked at once and loads the engine while this process imports and reads the
scenario; the other workers are forked from it once it has and the first network is in (with SciPy's
special functions loaded if that draws correlated numbers), so each starts warm and no more than two
processes are busy starting at a time. A worker is sent each network once, then pieces of work
(`montecarlo.run_pieces`); it sends back each result as it is done. Results are the same as in any
other executor: a piece depends only on the network, the seed and its replication numbers.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import signal
from multiprocessing.connection import Connection, wait
from typing import Callable, Iterator

from transition_sim import ahead, gcpause
from transition_sim.engines import current_engine, resolve_workers, using_engine
from transition_sim.errors import ScenarioError
from transition_sim.forked import picklable

AHEAD = 2  # pieces sent to a worker before its first result is back, so that it never waits for the next


class WorkerLost(RuntimeError):
    """A worker process ended before sending back its piece."""


class WarmPool:
    """`workers` processes that load `engine` on start; see the module's docstring."""

    def __init__(self, workers: int, engine: str):
        context = multiprocessing.get_context("fork")
        pairs = [context.Pipe() for _ in range(workers)]
        self.connections = [mine for mine, _ in pairs]
        self._first = context.Process(target=_first_worker,
                                      args=([theirs for _, theirs in pairs], self.connections, engine), daemon=True)
        self._first.start()
        for _, theirs in pairs:
            theirs.close()
        self._given: list[tuple | None] = [None] * workers  # the (network, engine) each worker holds
        self._pids: set[int] = set()  # the workers', as each says when it is ready
        self._begun: Begun | None = None
        self.broken = False

    def begin(self, function: Callable, net, calendar, engine: str, pieces: list) -> None:
        """Begin playing these pieces now, in a thread, for the `play` that asks for the same pieces of the same
        network (`headstart`), which takes their results as they come. A `play` of anything else waits until
        they are done, and plays what it asks for."""
        if not self.broken and self._begun is None:
            self._begun = Begun(self._play, function, net, calendar, engine, pieces)

    def play(self, function: Callable, net, calendar, engine: str, pieces: list) -> Iterator[tuple[int, object]]:
        """(k, function(net, calendar, engine, pieces[k])) for every piece, in the order they are done."""
        if self.broken:
            raise WorkerLost("the worker processes stopped after an earlier error")
        begun, self._begun = self._begun, None
        try:
            if begun is not None and begun.asked == Begun.key(function, net, calendar, engine, pieces):
                yield from begun.results()
                return
            if begun is not None:
                for _ in begun.results():  # not what is asked for: the workers are free once it is in
                    pass
            yield from self._play(function, net, calendar, engine, pieces)
        except BaseException:
            self.broken = True  # pieces may still be under way: the workers are stopped, not reused
            self.close()
            raise

    def _play(self, function, net, calendar, engine, pieces):
        state = None
        for w, connection in enumerate(self.connections):
            given = self._given[w]
            if given is None or given[0] is not net or given[1] != engine:
                state = state or pickle.dumps((net, calendar, engine), protocol=pickle.HIGHEST_PROTOCOL)
                connection.send(("network", state))  # pickled once, whatever the number of workers
                self._given[w] = (net, engine)
        queue = iter(enumerate(pieces))
        sent = {connection: 0 for connection in self.connections}
        for connection in self.connections:
            for _ in range(AHEAD):
                sent[connection] += self._send(connection, function, queue)
        while any(sent.values()):
            for connection in wait([c for c, n in sent.items() if n]):
                try:
                    kind, k, value = connection.recv()
                except (EOFError, OSError):
                    raise WorkerLost("a worker process ended unexpectedly") from None
                if kind == "ready":
                    self._pids.add(k)
                    continue
                sent[connection] -= 1
                if kind == "error":
                    raise value
                sent[connection] += self._send(connection, function, queue)
                yield k, value

    @staticmethod
    def _send(connection: Connection, function, queue) -> int:
        item = next(queue, None)
        if item is None:
            return 0
        connection.send(("piece", function, *item))
        return 1

    def close(self) -> None:
        """Stop the workers: closing their connections ends them; on an error, they are killed."""
        begun, self._begun = self._begun, None
        if begun is not None and not begun.future.done():  # begun and never asked for (the command failed)
            self.broken = True
            for pid in self._pids | {self._first.pid}:  # a worker's end ends the wait of the thread playing it
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            begun.future.exception(timeout=5)
        if self.broken:  # the workers forked from the first go while it is there to reap them
            for pid in self._pids - {self._first.pid}:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        for connection in self.connections:
            connection.close()
        self._first.join(timeout=1 if self.broken else 5)
        if self._first.is_alive():  # still playing a piece
            self._first.kill()
            self._first.join()


class Begun:
    """Pieces played in a thread (`WarmPool.begin`), their results kept in order of arrival for `results`."""

    def __init__(self, play: Callable, function: Callable, net, calendar, engine: str, pieces: list):
        self.asked = self.key(function, net, calendar, engine, pieces)
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self.future = ahead.start(lambda: self._collect(play(function, net, calendar, engine, pieces)))

    @staticmethod
    def key(function: Callable, net, calendar, engine: str, pieces: list) -> tuple:
        """What identifies a `play`: the very function and network, and the calendar, engine and pieces' values."""
        return function, id(net), calendar, engine, pickle.dumps(pieces, protocol=pickle.HIGHEST_PROTOCOL)

    def _collect(self, played: Iterator) -> None:
        try:
            for item in played:
                self._done.put(item)
        finally:
            self._done.put(None)  # the end; an error is the future's

    def results(self) -> Iterator[tuple[int, object]]:
        """The pieces' (k, result) as they come; then what the work raised, if anything."""
        while (item := self._done.get()) is not None:
            yield item
        self.future.result()


def _first_worker(connections: list[Connection], parents: list[Connection], engine: str) -> None:
    for connection in parents:  # the parent's ends, copied by the fork: a worker sees the end of its
        connection.close()      # connection only when no process holds the other end open
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the workers forked from this one are reaped by the system
    mine = connections[0]
    try:
        gcpause.imported(lambda: _load(engine))
    except Exception:  # a piece played on it will raise the same error, and the parent will report it
        pass
    _say_ready(mine)
    # the others are forked once the first network is here, with what it needs loaded (`_prepare`)
    first = _received(mine)
    held = None
    if first[0] == "network":
        held = pickle.loads(first[1])
        with contextlib.suppress(Exception):  # as above: a piece will raise it
            gcpause.imported(lambda: _prepare(held[0]))
        first = None
    for connection in connections[1:]:
        if os.fork() == 0:
            for other in connections:
                if other is not connection:
                    other.close()
            _say_ready(connection)
            _serve(connection)
        connection.close()
    _serve(mine, first, held)


def _load(engine: str) -> None:
    """What every worker needs, loaded once, before the others are forked: they draw and play."""
    from transition_sim import pieces, sampling  # noqa: F401 (pieces: where the work sent here is defined)
    if engine == "compiled":
        from transition_sim import compiled
        compiled.load()


def _prepare(net) -> None:
    """What the first network needs beyond `_load`, loaded once before the other workers are forked: SciPy's
    special functions (about 0.2 s) if it draws correlated numbers."""
    if getattr(net, "correlation", None) is not None:
        from transition_sim import correlation, lazy
        lazy.load_now(correlation.special)


def _say_ready(connection: Connection) -> None:
    try:
        connection.send(("ready", os.getpid(), None))
    except OSError:
        os._exit(0)


def _received(connection: Connection) -> tuple:
    """The parent's next message; at its end (the connection closed), the end of this process."""
    try:
        return connection.recv()
    except (EOFError, OSError):
        os._exit(0)


def _serve(connection: Connection, first: tuple | None = None, held: tuple | None = None) -> None:
    """Play the pieces the parent sends (after `first`, a message received already) until it closes the
    connection, then end the process; `held` is the (network, calendar, engine) received already, if any."""
    net, calendar, engine = held or (None, None, None)
    while True:
        kind, *item = first or _received(connection)
        first = None
        if kind == "network":
            net, calendar, engine = pickle.loads(item[0])
            continue
        function, k, piece = item
        try:
            reply = ("done", k, function(net, calendar, engine, piece))
        except BaseException as err:  # sent to the parent, which raises it
            reply = ("error", k, picklable(err))
        try:
            connection.send(reply)
        except (BrokenPipeError, OSError):
            os._exit(0)


_current: WarmPool | None = None


def current() -> WarmPool | None:
    """The warm workers of the command under way, if it started them."""
    return _current


@contextlib.contextmanager
def workers_for(engine: str | None, workers: int | None, runs, cluster: str | None):
    """Inside the block, replications play on warm worker processes (`current()`), started now: for the
    compiled engine, on this machine, where processes can be forked. Otherwise nothing is started."""
    global _current
    try:
        with using_engine(engine):
            chosen = current_engine()
    except ScenarioError:  # an unknown engine: the command says so
        chosen = None
    if (_current is not None or chosen != "compiled" or cluster is not None
            or "fork" not in multiprocessing.get_all_start_methods()):
        yield None
        return
    try:
        pool = WarmPool(resolve_workers(workers, runs if isinstance(runs, int) else 1 << 30), chosen)
    except OSError:  # no process to spare: the command starts its workers itself, as without this
        yield None
        return
    _current = pool
    try:
        yield pool
    finally:
        _current = None
        pool.close()
