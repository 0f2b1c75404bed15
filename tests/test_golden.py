"""Golden values: each bundled model's seeded headline figures, exactly as pinned in tests/data/golden.json.

A change that moves them fails here on purpose. If the move is intended, run
`python tests/update_golden.py` and review the diff of tests/data/golden.json.
"""

import pytest

from golden import RUNS, SEED, bundled_models, headline, load

pytestmark = pytest.mark.timeout(300)
PINNED = load()


def test_every_bundled_model_is_pinned():
    assert PINNED["runs"] == RUNS and PINNED["seed"] == SEED
    assert sorted(PINNED["models"]) == sorted(bundled_models()), "run python tests/update_golden.py"


@pytest.mark.parametrize("model", sorted(PINNED["models"]))
def test_headline_figures_match_the_golden_values(model):
    expected = PINNED["models"][model]
    actual = headline(model)
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        # exact up to floating-point summation order
        assert actual[key] == (pytest.approx(value, rel=1e-9) if isinstance(value, float) else value), (model, key)
