"""The ledger as the analyses read it: money summed per replication, from memory or from its Parquet file.

The outputs need per-replication sums (by financial year and payer, or by month), never the monthly
rows themselves. A run longer than one block keeps its ledger only in the run folder (`StoredTable`),
read here a chunk of rows at a time. Each cell adds its rows as pandas does, over chunks of whole
replications, so a replication's sums are the same whether its rows come from memory or the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

CHUNK_ROWS = 1 << 20


@dataclass(frozen=True)
class StoredTable:
    """A run's table kept in its Parquet file (a ledger too big to hold), read some columns at a time."""

    path: Path
    below: int | None = None  # only the replications numbered below this (`Results.head`)

    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The table (or some of its columns) in memory."""
        import pyarrow.parquet as pq  # only when a stored table is read
        filters = None if self.below is None else [("replication", "<", self.below)]
        return pq.read_table(self.path, columns=columns, filters=filters).to_pandas()

    def chunks(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        import pyarrow.parquet as pq
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=CHUNK_ROWS, columns=columns):
            frame = batch.to_pandas()
            if self.below is not None:
                frame = frame[frame["replication"].to_numpy() < self.below]
            yield frame

    def head(self, n: int) -> "StoredTable":
        return StoredTable(self.path, n if self.below is None else min(n, self.below))


def frame_of(table: pd.DataFrame | StoredTable) -> pd.DataFrame:
    """A table in memory, read from its file if it is stored."""
    return table.read() if isinstance(table, StoredTable) else table


@dataclass(frozen=True)
class Sums:
    """Per replication (rows, the run's first replication in the first) and cell (a combination of the `by` columns' values, sorted), the money of the ledger rows in the
    cell; `rows` counts those rows per cell."""

    values: np.ndarray  # (replications, cells)
    cells: list[tuple]
    rows: np.ndarray  # (cells,)


def sums(ledger: pd.DataFrame | StoredTable, first: int, runs: int, by: tuple[str, ...],
         where: tuple[tuple[str, frozenset], ...] = ()) -> Sums:
    """The money of each of replications first..first+runs-1 summed by the columns `by`, over the rows
    whose `where` columns hold one of the names given.

    The sums are pandas' (`groupby(...).sum()`, as `pivot_table` makes them) over chunks of whole
    replications, so they are those of the whole table in memory to the last bit.
    """
    columns = list(dict.fromkeys(["replication", *by, *(c for c, _ in where), "amount_gbp"]))
    chunks = _whole_replications(ledger.chunks(columns)) if isinstance(ledger, StoredTable) else [ledger[columns]]
    index: dict[tuple, int] = {}
    width = 8
    total = np.zeros((runs, width))
    rows = np.zeros(width, dtype=np.int64)
    for chunk in chunks:
        for column, names in where:
            chunk = chunk[chunk[column].isin(list(names)).to_numpy()]
        if not len(chunk):
            continue
        codes, labels = zip(*(_factorized(chunk[column]) for column in by)) if by else ((), ())
        cell = np.zeros(len(chunk), dtype=np.int64)
        for code, label in zip(codes, labels):
            cell = cell * len(label) + code
        seen = np.flatnonzero(np.bincount(cell))
        local = np.zeros(int(seen[-1]) + 1, dtype=np.int64)
        local[seen] = np.arange(len(seen))
        for value in seen:
            index.setdefault(_key(int(value), labels), len(index))
        if len(index) > width:
            width = 2 * len(index)
            total = np.pad(total, ((0, 0), (0, width - total.shape[1])))
            rows = np.pad(rows, (0, width - len(rows)))
        target = np.array([index[_key(int(value), labels)] for value in seen], dtype=np.int64)
        # one group per (replication, cell), summed by pandas as `pivot_table` sums it
        group = (chunk["replication"].to_numpy(np.int64) - first) * len(seen) + local[cell]
        summed = pd.Series(chunk["amount_gbp"].to_numpy(float)).groupby(group, sort=False).sum()
        at = summed.index.to_numpy()
        total[at // len(seen), target[at % len(seen)]] = summed.to_numpy()
        rows += np.bincount(target[local[cell]], minlength=len(rows))
    cells = sorted(index)
    order = [index[c] for c in cells]
    return Sums(total[:, order], cells, rows[order])


def _whole_replications(chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The chunks of a table in replication order, each ending with a whole replication."""
    carried = None
    for chunk in chunks:
        if carried is not None:
            chunk = pd.concat([carried, chunk], ignore_index=True)
        replication = chunk["replication"].to_numpy()
        cut = int(np.searchsorted(replication, replication[-1])) if len(chunk) else 0
        carried = chunk.iloc[cut:]
        if cut:
            yield chunk.iloc[:cut]
    if carried is not None and len(carried):
        yield carried


def _key(value: int, labels: tuple) -> tuple:
    """The labels a combined code stands for (codes combined in mixed radix, the first column first)."""
    key = []
    for label in reversed(labels):
        value, code = divmod(value, len(label))
        key.append(label[code])
    return tuple(reversed(key))


def _factorized(values: pd.Series) -> tuple[np.ndarray, list]:
    """Codes and the labels they stand for (a category's name, a month as a Timestamp)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(np.int64), [str(c) for c in values.cat.categories]
    codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.int64), list(uniques)
