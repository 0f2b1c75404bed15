"""Rank correlation between uncertain inputs: a Gaussian copula over the keyed uniforms.

Each correlated item (a task's duration, a risk's occurrence) keeps its own keyed uniform
stream. Per replication the uniforms u of the correlated items become normal scores
z = Phi^-1(u), are mixed by the Cholesky factor L of the target Pearson matrix (z' = L z) and
turned back into uniforms u' = Phi(z'). Each z' is standard normal, so every marginal is
exactly as before; for normal scores the Pearson correlation r gives the Spearman rank
correlation rho_s = (6 / pi) asin(r / 2), so asking for r = 2 sin(pi rho_s / 6) induces the
target rank correlation exactly (in the population).

Why not Iman-Conover: it re-orders a whole sample of replications to match target ranks, so
replication i would depend on the other replications of its chunk, breaking the rule that
replication i is a function of (seed, i, item id) only. The copula acts on one replication at
a time and needs nothing else. With no correlation L is the identity and u' = u: the draws
are those of an uncorrelated scenario (common random numbers).

A target matrix that is not positive definite (groups that overlap inconsistently) is replaced
by the nearest correlation matrix (Higham 2002, alternating projections with Dykstra's
correction), and the plan says so (`repaired`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from transition_sim.lazy import lazy_import

special = lazy_import("scipy.special")  # about 0.2 s to import: only a run that draws correlated numbers needs it


def pearson_for_rank(rank: np.ndarray | float) -> np.ndarray | float:
    """The normal-score Pearson correlation that gives Spearman rank correlation `rank`."""
    return 2 * np.sin(np.pi * np.asarray(rank) / 6)


def rank_for_pearson(pearson: np.ndarray | float) -> np.ndarray | float:
    return 6 / np.pi * np.arcsin(np.asarray(pearson) / 2)


def nearest_correlation(a: np.ndarray, floor: float = 1e-6, tol: float = 1e-12,
                        max_iterations: int = 2000) -> np.ndarray:
    """The nearest correlation matrix to symmetric `a` in the Frobenius norm (Higham 2002).

    Eigenvalues are floored at `floor` so that the result has a Cholesky factor.
    """
    y = a.copy()
    correction = np.zeros_like(a)
    for _ in range(max_iterations):
        r = y - correction
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, floor)) @ v.T
        correction = x - r
        new = x.copy()
        np.fill_diagonal(new, 1.0)
        if np.linalg.norm(new - y) < tol:
            y = new
            break
        y = new
    return (y + y.T) / 2


def is_positive_definite(a: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(a)
        return True
    except np.linalg.LinAlgError:
        return False


@dataclass(frozen=True)
class CorrelationPlan:
    """The correlated items of a network and how their uniforms are mixed."""

    items: tuple[tuple[str, int], ...]  # ("task" | "risk", column in the network's arrays)
    labels: tuple[str, ...]  # "task:<id>" / "risk:<id>", for tables
    groups: tuple[tuple[str, tuple[int, ...], float], ...]  # (group id, positions in items, target rank)
    target: np.ndarray  # target Pearson matrix of normal scores, as asked
    used: np.ndarray  # the matrix used: the target, or its nearest correlation matrix
    cholesky: np.ndarray
    repaired: bool

    @classmethod
    def of(cls, groups: list[tuple[str, list[tuple[str, int, str]], float]]) -> "CorrelationPlan | None":
        """`groups`: (group id, [(kind, column, label)], target rank) with unknown items left out."""
        items: list[tuple[str, int]] = []
        labels: list[str] = []
        positions: list[tuple[str, tuple[int, ...], float]] = []
        for name, members, rank in groups:
            mine = []
            for kind, column, label in members:
                if (kind, column) not in items:
                    items.append((kind, column))
                    labels.append(label)
                mine.append(items.index((kind, column)))
            if len(mine) >= 2:
                positions.append((name, tuple(mine), rank))
        if not positions:
            return None
        target = np.eye(len(items))
        for _, mine, rank in positions:
            for a in mine:
                for b in mine:
                    if a != b:
                        target[a, b] = pearson_for_rank(rank)
        repaired = not is_positive_definite(target)
        used = nearest_correlation(target) if repaired else target
        return cls(tuple(items), tuple(labels), tuple(positions), target, used, np.linalg.cholesky(used), repaired)

    def apply(self, uniforms: np.ndarray) -> np.ndarray:
        """Correlated uniforms from independent ones, (replications × items), row by row."""
        z = special.ndtri(np.clip(uniforms, 1e-16, 1 - 1e-16))  # the standard normal's inverse CDF
        # column by column, not `z @ L.T`: BLAS may round a row differently with the batch's size,
        # and replication i must be bit for bit the same however many are drawn with it
        mixed = np.zeros_like(z)
        for j in range(z.shape[1]):
            mixed += z[:, [j]] * self.cholesky[:, j]
        return special.ndtr(mixed)

    def pairs(self) -> list[tuple[str, int, int, float, float]]:
        """(group, item a, item b, target rank, rank used after any repair) for each correlated pair."""
        out = []
        for name, mine, rank in self.groups:
            for i, a in enumerate(mine):
                for b in mine[i + 1:]:
                    out.append((name, a, b, rank, float(rank_for_pearson(self.used[a, b]))))
        return out
