"""The results of one run: the tidy tables of its replications and what is needed to read them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

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
    ledger: pd.DataFrame | None = None  # a row per replication × month × payer × category, if finance is given

    def head(self, n: int) -> "Results":
        """The first n replications (what a run of n with the same seed gives)."""
        if n >= self.runs:
            return self
        keep = lambda t: None if t is None else t[t["replication"] < n].reset_index(drop=True)  # noqa: E731
        return Results(self.scenario, self.seed, n, keep(self.replications), keep(self.tasks), keep(self.risks),
                       self.task_info, keep(self.ledger))

    @property
    def first(self) -> int:
        """The number of the first replication: 0, or a later block's start (see `api.simulate`)."""
        return int(self.replications["replication"].iloc[0]) if len(self.replications) else 0

    @classmethod
    def joined(cls, blocks: list["Results"]) -> "Results":
        """Consecutive blocks of one run (replications numbered on from each other) as one run."""
        def join(tables: list) -> pd.DataFrame | None:
            return None if tables[0] is None else pd.concat(tables, ignore_index=True)
        first = blocks[0]
        return cls(first.scenario, first.seed, sum(b.runs for b in blocks), join([b.replications for b in blocks]),
                   join([b.tasks for b in blocks]), join([b.risks for b in blocks]), first.task_info,
                   join([b.ledger for b in blocks]))

    def with_money(self, ledger: pd.DataFrame, totals: pd.DataFrame) -> "Results":
        """These results with the ledger and per-replication money columns added."""
        return replace(self, ledger=ledger, replications=pd.concat([self.replications, totals], axis=1))
