from click.testing import CliRunner

from transition_sim.cli import main
from conftest import scenario_dict


def validate(write, data):
    return CliRunner().invoke(main, ["validate", str(write(data)), "--strict"])


def test_a_source_published_after_the_status_date_fails_strict(write):
    data = scenario_dict(planned_go_live={"value": "2020-03-01", "source": "a later paper",
                                          "published": "2020-02-01"})
    result = validate(write, data)
    assert result.exit_code == 2
    assert "planned_go_live.source" in result.output and "published 2020-02-01, after the status date 2020-01-01" \
        in result.output
    data["status_date"] = {"value": "2020-02-01", "assumption": "test"}
    assert validate(write, data).exit_code == 0
    assert CliRunner().invoke(main, ["validate", str(write(scenario_dict(planned_go_live={
        "value": "2020-03-01", "source": "a later paper", "published": "2020-02-01"})))]).exit_code == 0  # not strict


def test_a_source_without_a_publication_date_fails_strict_with_its_line(write):
    path = write(scenario_dict(planned_go_live={"value": "2020-03-01", "source": "an undated paper"}))
    result = CliRunner().invoke(main, ["validate", str(path), "--strict"])
    assert result.exit_code == 2 and f"{path}:" in result.output and "no published: date" in result.output


def test_actuals_are_exempt(write):
    data = scenario_dict(status_date={"value": "2020-06-01", "assumption": "test"},
                         actuals={"go_live": {"value": "2020-04-01", "source": "the launch", "published": "2020-04-02"}})
    assert validate(write, data).exit_code == 0


def test_the_bundled_models_use_only_what_was_known_at_their_status_dates():
    for model in ("models/northamptonshire.yaml", "models/northamptonshire-sept-2020.yaml"):
        result = CliRunner().invoke(main, ["validate", model, "--strict"])
        assert result.exit_code == 0, result.output
