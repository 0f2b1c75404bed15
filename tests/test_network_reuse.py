"""A scenario's network is compiled once; a risk's removal reuses it with the probabilities replaced."""

import dataclasses

import numpy as np

from transition_sim import programme
from transition_sim.analysis import without_risk
from transition_sim.scenario import load


def fields(net):
    return {f.name: getattr(net, f.name) for f in dataclasses.fields(net)}


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return all(same(x, y) for x, y in zip(fields(a).values(), fields(b).values()))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def test_a_risks_removal_reuses_the_network_and_equals_a_fresh_compile():
    base = load().scenario
    programme.compile_network(base)
    risk = next(iter(base.risks))
    reused = programme.compile_network(without_risk(base, risk))
    fresh = programme._compile(without_risk(base, risk))
    assert reused.risk_probability[list(reused.risk_ids).index(risk)] == 0.0
    for name, value in fields(fresh).items():
        assert same(value, getattr(reused, name)), name


def test_any_other_change_compiles_afresh(monkeypatch):
    base = load().scenario
    programme.compile_network(base)
    calls = []
    monkeypatch.setattr(programme, "_compile", lambda s: calls.append(s) or "compiled")
    moved = base.model_copy(update={"seed": base.seed + 1})
    assert programme.compile_network(moved) == "compiled" and calls == [moved]
    risk = next(iter(base.risks))
    risks = dict(base.risks)
    risks[risk] = risks[risk].model_copy(update={"name": "renamed"})
    assert programme.compile_network(base.model_copy(update={"risks": risks})) == "compiled" and len(calls) == 2
