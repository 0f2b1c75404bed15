"""Modules imported on first use: a missing one is named at once, as `import` names it."""

import pytest

from transition_sim.lazy import lazy_import, load_now


def test_a_module_that_is_not_installed_is_named():
    with pytest.raises(ModuleNotFoundError, match="no_such_module_here") as raised:
        lazy_import("no_such_module_here")
    assert raised.value.name == "no_such_module_here"


def test_an_installed_module_is_executed_on_first_use():
    colorsys = lazy_import("colorsys")
    assert colorsys.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)


def test_load_now_executes_the_module_before_any_use(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "this", raising=False)
    printed = []
    monkeypatch.setattr("builtins.print", lambda *args, **kwargs: printed.append(args))
    this = lazy_import("this")  # prints the Zen of Python when executed
    assert printed == []
    load_now(this)
    assert printed and "Zen of Python" in printed[0][0]
