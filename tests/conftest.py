import os
import copy
from pathlib import Path

import pytest
import yaml

from transition_sim.scenario import load

MINIMAL_PATH = Path(__file__).resolve().parent / "data" / "minimal.yaml"
MINIMAL = yaml.safe_load(MINIMAL_PATH.read_text(encoding="utf-8"))
ORGANISATIONS = {key: MINIMAL[key] for key in ("councils", "providers", "delivery", "programmes")}


def scenario_dict(**changes) -> dict:
    """The minimal scenario with top-level keys replaced."""
    data = copy.deepcopy(MINIMAL)
    data.update(copy.deepcopy(changes))
    return data


@pytest.fixture
def write(tmp_path):
    """Write a scenario (a dict, or YAML text) to a file and return its path."""
    def _write(content, name="scenario.yaml") -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text)
        return path
    return _write


@pytest.fixture
def loaded(write):
    def _loaded(content, **kwargs):
        return load(write(content), **kwargs)
    return _loaded


@pytest.fixture(name="scenario_dict")
def scenario_dict_fixture():
    """`scenario_dict(**changes)`: the minimal scenario with top-level keys replaced."""
    return scenario_dict


@pytest.fixture
def cli():
    """`cli(*args)`: the command run in-process, its result (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from transition_sim.cli import main

    def _cli(*args):
        return CliRunner().invoke(main, [str(a) for a in args])
    return _cli


@pytest.fixture
def bad_input(cli):
    """`bad_input(*args)`: run a command that must refuse its input: exit 2, no traceback; its output."""
    def _bad(*args):
        result = cli(*args)
        assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
        assert "Traceback" not in result.output and not isinstance(result.exception, AssertionError)
        return result.output
    return _bad


@pytest.fixture(scope="session")
def minimal_yaml():
    return yaml.safe_dump(MINIMAL, sort_keys=False)


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory):
    """A small run folder of the bundled baseline (30 replications, no report): read it, do not change it."""
    from transition_sim import api
    out = tmp_path_factory.mktemp("baseline-run")
    api.run(None, runs=30, workers=1, out=out, name="base", with_report=False)
    return out / "base"


# SimPy is the engine of record: the tests of the engine's semantics run on it; tests/test_compiled_engine.py
# proves the compiled executor gives the same results.
os.environ.setdefault("TRANSITION_SIM_ENGINE", "simpy")
