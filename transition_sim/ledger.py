"""The ledger as the analyses read it: money summed per replication, from memory or from its Parquet file.

The outputs need per-replication sums (by financial year and payer, or by month), never the monthly
rows themselves. A run longer than one block keeps its ledger only in the run folder (`StoredTable`),
read here a chunk of rows at a time. Each cell adds its rows in ledger order (`np.add.at`), so the
sums are the same whether the rows come from memory or from the file, and in however many chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

CHUNK_ROWS = 1 << 20


@dataclass(frozen=True)
class StoredTable:
    """A run's table kept in its Parquet file (a ledger too big to hold), read some columns at a time."""

    path: Path
    below: int | None = None  # only the replications numbered below this (`Results.head`)

    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The table (or some of its columns) in memory."""
        filters = None if self.below is None else [("replication", "<", self.below)]
        return pq.read_table(self.path, columns=columns, filters=filters).to_pandas()

    def chunks(self, columns: list[str]) -> Iterator[pd.DataFrame]:
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
    """Per replication (rows, the run's first replication in the first) and cell (a combination of the `by` columns' values,
    sorted), the money of the ledger rows in the cell; `rows` counts those rows per cell."""

    values: np.ndarray  # (replications, cells)
    cells: list[tuple]
    rows: np.ndarray  # (cells,)

    def column(self, cell: tuple) -> np.ndarray:
        return self.values[:, self.cells.index(cell)]


def sums(ledger: pd.DataFrame | StoredTable, first: int, runs: int, by: tuple[str, ...],
         categories: tuple[str, ...] | None = None) -> Sums:
    """The money of replications first..first+runs-1 summed by the columns `by`, over the rows of
    `categories` (all if None)."""
    columns = ["replication", *by, "amount_gbp"] + (["category"] if categories is not None else [])
    chunks = ledger.chunks(columns) if isinstance(ledger, StoredTable) else [ledger[columns]]
    index: dict[tuple, int] = {}
    values = np.zeros((runs, 8))
    rows = np.zeros(8, dtype=np.int64)
    for chunk in chunks:
        if categories is not None:
            chunk = chunk[chunk["category"].isin(categories).to_numpy()]
        if not len(chunk):
            continue
        codes, labels = zip(*(_factorized(chunk[column]) for column in by))
        cell = np.zeros(len(chunk), dtype=np.int64)
        for code, label in zip(codes, labels):
            cell = cell * len(label) + code
        seen, local = np.unique(cell, return_inverse=True)
        keys = [_key(int(value), labels) for value in seen]
        for key in keys:
            index.setdefault(key, len(index))
        if len(index) > values.shape[1]:
            values = np.concatenate([values, np.zeros((runs, len(index) + values.shape[1]))], axis=1)
            rows = np.concatenate([rows, np.zeros(len(index) + len(rows), dtype=np.int64)])
        target = np.array([index[key] for key in keys])[local.ravel()]
        np.add.at(values, (chunk["replication"].to_numpy() - first, target), chunk["amount_gbp"].to_numpy(float))
        rows += np.bincount(target, minlength=len(rows))
    cells = sorted(index)
    order = [index[c] for c in cells]
    return Sums(values[:, order], cells, rows[order])


def _key(value: int, labels: tuple) -> tuple:
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
