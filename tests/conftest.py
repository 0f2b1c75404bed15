import copy
from pathlib import Path

import pytest
import yaml

from transition_sim.scenario import load

# one county becoming one unitary on 1 April 2021, the service moving to a trust
ORGANISATIONS = {
    "councils": {"old": {"name": "Old County", "role": "predecessor"},
                 "new": {"name": "New Unitary", "role": "successor",
                         "from": {"value": "2021-04-01", "assumption": "test"}}},
    "providers": {"trust": {"name": "Trust", "owners": ["old", "new"]}},
    "delivery": {"model": "trust", "provider": "trust"},
    "programmes": {"service": {"name": "Service transition", "delivers": ["trust"]}},
}

MINIMAL = {
    "name": "minimal",
    "seed": 7,
    "start": {"value": "2020-01-01", "assumption": "test"},
    "planned_go_live": {"value": "2020-03-01", "assumption": "test"},
    **ORGANISATIONS,
    "go_live": {"programme": "service", "go_no_go_notice": {"value": "0d", "assumption": "test"},
                "eli_notice": {"value": "28d", "assumption": "test"},
                "consultation_tasks": ["a"]},
    "tasks": {
        "a": {"name": "A", "workstream": "w", "duration": {"low": "10d", "likely": "20d", "high": "30d"},
              "assumption": "test"},
    },
}


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
