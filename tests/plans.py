"""The real MS Project files in `shared/plans/` beside the project (never copied into it), and their fact sheet."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def plans_dir() -> Path | None:
    """`shared/plans` in the folder that holds the project, or in one of its parents (for worktrees)."""
    for folder in ROOT.parents:
        if (folder / "shared" / "plans" / "facts.py").exists():
            return folder / "shared" / "plans"
    return None


PLANS = plans_dir()
FILES = ("aspose-tasks-java-NewProductDev.xml", "mpxj-junit-legacy-sample.xml",
         "projectlibre-exchange-testdata-New-Product.xml")
needs_plans = pytest.mark.skipif(PLANS is None, reason="no shared/plans folder beside the project")


def plan(name: str) -> Path:
    return PLANS / name


def facts(name: str) -> dict[str, str]:
    """The fact sheet facts.py computes (with nothing but ElementTree) for one file, as label -> text."""
    spec = importlib.util.spec_from_file_location("plan_facts", PLANS / "facts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {label: str(value) for label, value in module.facts(plan(name))}
