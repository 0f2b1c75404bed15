"""The results of one run: the tidy tables of its replications and what is needed to read them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from transition_sim import ledger as ledgers
from transition_sim.ledger import StoredTable
from transition_sim.schema import Scenario


SLIP = "slip:"  # prefix of the replications columns that split slip_days by cause (see `attribution`)
BRANCH = "branch"  # the replications column naming each replication's scope outcomes, such as "cwd=in"


@dataclass(frozen=True)
class Results:
    """The replications of one run as tidy tables, plus what is needed to read them."""

    scenario: Scenario
    seed: int
    runs: int
    replications: pd.DataFrame  # a row per replication
    tasks: pd.DataFrame  # a row per replication × task
    risks: pd.DataFrame  # a row per replication × risk
    task_info: pd.DataFrame  # a row per task in scope: name, workstream, programme
    # a row per replication × month × payer × category, if finance is given; beyond one block of a run
    # written to a folder, kept in its file (read it with `ledger_table`, its sums with `ledger_sums`)
    ledger: pd.DataFrame | StoredTable | None = None
    # (replications, items), with correlations: the sampled values of the correlated items (`Draws.correlated`);
    # only for a run played in this process (a run folder does not keep them)
    correlated: np.ndarray | None = None
    _sums: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def head(self, n: int) -> "Results":
        """The first n replications (what a run of n with the same seed gives)."""
        if n >= self.runs:
            return self
        def keep(table):
            if isinstance(table, StoredTable):
                return table.head(n)
            return None if table is None else table[table["replication"] < n].reset_index(drop=True)
        correlated = None if self.correlated is None else \
            self.correlated[self.replications["replication"].to_numpy() < n]
        return Results(self.scenario, self.seed, n, keep(self.replications), keep(self.tasks), keep(self.risks),
                       self.task_info, keep(self.ledger), correlated)

    def ledger_table(self) -> pd.DataFrame | None:
        """The ledger in memory (read from the run folder if it is kept there)."""
        return None if self.ledger is None else ledgers.frame_of(self.ledger)

    def ledger_sums(self, by: tuple[str, ...], where: tuple[tuple[str, frozenset], ...] = ()) -> ledgers.Sums:
        """Each replication's money summed by the ledger columns `by` over some rows (see `ledger.sums`),
        worked out once."""
        key = (by, where)
        if key not in self._sums:
            self._sums[key] = ledgers.sums(self.ledger, self.first, self.runs, by, where)
        return self._sums[key]

    @property
    def first(self) -> int:
        """The number of the first replication: 0, or a later block's start (see `api.simulate`)."""
        return int(self.replications["replication"].iloc[0]) if len(self.replications) else 0

    @classmethod
    def joined(cls, blocks: list["Results"]) -> "Results":
        """Consecutive blocks of one run (replications numbered on from each other) as one run."""
        def join(tables: list) -> pd.DataFrame | None:
            return None if tables[0] is None else pd.concat(with_categories_joined(tables), ignore_index=True)
        first = blocks[0]
        return cls(first.scenario, first.seed, sum(b.runs for b in blocks), join([b.replications for b in blocks]),
                   join([b.tasks for b in blocks]), join([b.risks for b in blocks]), first.task_info,
                   join([b.ledger for b in blocks]),
                   None if any(b.correlated is None for b in blocks) else np.concatenate([b.correlated for b in blocks]))

    def with_money(self, ledger: pd.DataFrame, totals: pd.DataFrame) -> "Results":
        """These results with the ledger and per-replication money columns added."""
        return replace(self, ledger=ledger, replications=pd.concat([self.replications, totals], axis=1))


def joined_categories(known: list[list]) -> list:
    """The categories of a column made of parts: the parts' own if they agree, else their union sorted
    (the only table whose parts can differ is the ledger, whose names are those that occur, sorted)."""
    return known[0] if all(k == known[0] for k in known) else sorted(set().union(*known))


def with_categories_joined(tables: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Parts of one table with each categorical column's categories made the same (`joined_categories`)."""
    for column in tables[0].columns:
        if isinstance(tables[0][column].dtype, pd.CategoricalDtype):
            names = joined_categories([list(t[column].cat.categories) for t in tables])
            tables = [t.assign(**{column: t[column].cat.set_categories(names)}) for t in tables]
    return tables
