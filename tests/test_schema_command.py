"""`transition-sim schema`: the JSON Schema editors use accepts every bundled model and rejects mistakes."""

import json

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from transition_sim.cli import main
from transition_sim.scenario import models_dir


def schema(*args):
    result = CliRunner().invoke(main, ["schema", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def as_json(path):
    """The file as an editor's YAML extension sees it: dates are strings."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


@pytest.mark.parametrize("path", sorted(models_dir().glob("*.yaml")) + sorted(models_dir().glob("what-if/*.yaml")),
                         ids=lambda p: p.name)
def test_bundled_scenarios_and_what_ifs_are_valid(path):
    document = as_json(path)
    jsonschema.Draft202012Validator(schema(*(["--what-if"] if "extends" in document else []))).validate(document)


def test_mistakes_are_caught():
    validator = jsonschema.Draft202012Validator(schema())
    document = as_json(models_dir() / "northamptonshire.yaml")
    assert validator.is_valid(document)
    task = next(iter(document["tasks"].values()))
    for key, value in (("colour", "red"), ("duration", {"low": "6 weeks", "likely": "7w", "high": "8w"}),
                       ("predecessors", [{"task": "a", "type": "XS"}])):
        broken = json.loads(json.dumps(document))
        next(iter(broken["tasks"].values()))[key] = value
        assert not validator.is_valid(broken), key
    assert task  # the first task was valid before it was broken
    assert not validator.is_valid({"name": "no tasks"})
    assert jsonschema.Draft202012Validator(schema("--what-if")).is_valid({"extends": "base.yaml", "name": "x"})
