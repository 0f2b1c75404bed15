"""Long runs go through timeline and money in blocks (memory); the blocks joined are one run's rows."""

from transition_sim import api
from transition_sim.scenario import load


def test_a_run_in_blocks_gives_the_rows_of_one_run(monkeypatch):
    """The baseline draws its disability-services decision per replication, so branches differ across blocks too."""
    scenario = load().scenario
    whole = api.simulate(scenario, runs=90, workers=1)
    monkeypatch.setattr(api, "BLOCK_REPLICATIONS", 40)
    blocks = api.simulate(scenario, runs=90, workers=1)
    assert blocks.runs == whole.runs == 90
    for table in ("replications", "tasks", "risks", "ledger"):
        assert getattr(blocks, table).equals(getattr(whole, table)), table


def test_blocks_of_a_scenario_with_the_outside_view_applied(monkeypatch, tmp_path):
    path = tmp_path / "outside.yaml"
    from transition_sim.scenario import baseline_path
    path.write_text(f"extends: {baseline_path()}\noutside_view: {{apply: true}}\n")
    scenario = load(path).scenario
    whole = api.simulate(scenario, runs=60, workers=1)
    assert "inside_view_go_live_date" in whole.replications
    monkeypatch.setattr(api, "BLOCK_REPLICATIONS", 25)
    assert api.simulate(scenario, runs=60, workers=1).replications.equals(whole.replications)
