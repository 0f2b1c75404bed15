"""What the report shows is what the scenario says: quotes as written, no stray legend items, warnings on top."""

import plotly.graph_objects as go
import pytest

from transition_sim import api, report

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def quoted(tmp_path_factory):
    return api.run(None, runs=30, workers=1, write=False,
                   overrides=['tasks.contract_sum.name=Agree the "contract sum" & <terms>']).results


def test_a_quote_in_a_task_name_is_not_shown_as_an_entity(quoted):
    labels = list(go.Figure(report.criticality_chart(quoted).figure).data[0].y)
    assert 'Agree the "contract sum" &amp; &lt;terms&gt;' in labels  # markup inert, quotes as written
    assert not any("&quot;" in label for label in labels)


def test_band_edges_have_no_legend_item_of_their_own(quoted):
    for chart in (report.cumulative_cost_fan(quoted), report.agency_share_over_time(quoted)):
        assert [t.name for t in go.Figure(chart.figure).data if t.showlegend is not False and t.name == "P90"] == []
