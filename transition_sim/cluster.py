"""Chunks of replications as Dask tasks: a LocalCluster on this machine, or a running scheduler.

A chunk is a pure function of (network, seed, replication indices): `pieces.rows_piece` or
`pieces.without_risks_piece`, so the run's results are the same whatever the number of Dask workers,
and a chunk whose worker is lost is simply computed again elsewhere (Dask reschedules it).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator

from transition_sim.errors import Problem, ScenarioError

LOCAL = "local"


@contextlib.contextmanager
def connect(address: str | None, workers: int | None = None) -> Iterator[object | None]:
    """A dask.distributed Client for `address` ("local" or tcp://HOST:PORT), or None when address is None."""
    if address is None:
        yield None
        return
    from dask.distributed import Client, LocalCluster

    if address == LOCAL:
        from transition_sim.montecarlo import available_workers
        with LocalCluster(n_workers=workers or available_workers(), threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            yield client
        return
    if not address.startswith(("tcp://", "tls://")):
        raise ScenarioError([Problem("--cluster", "", None,
                                     f"expected 'local' or a scheduler address such as tcp://HOST:8786, not {address!r}")])
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise ScenarioError([Problem("--cluster", "", None, f"cannot reach the Dask scheduler at {address}: {err}")]) \
            from None
    with client:
        yield client


def play(client, function, net, calendar, engine: str, pieces: list) -> Iterator[tuple[int, object]]:
    """(position, function(net, calendar, engine, piece)) of each piece (see `montecarlo.run_pieces`),
    as the cluster finishes them."""
    from dask.distributed import as_completed

    # unique keys: a second run of the same network must not share futures that the first releases
    net_f, calendar_f = client.scatter([net, calendar], broadcast=True, hash=False)
    futures = {client.submit(function, net_f, calendar_f, engine, piece, pure=False): k
               for k, piece in enumerate(pieces)}
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        client.cancel([f for f in futures if not f.done()])  # stopped early (an error, Ctrl-C)
