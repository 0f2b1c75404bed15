"""Faster sampling: counter-based keyed streams, PERT by table, libyaml; the same answers where they must be."""

import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats
from scipy.special import betainc, betaincinv

from transition_sim import sampling, yamltree
from transition_sim.errors import ScenarioError
from transition_sim.programme import compile_network
from transition_sim.scenario import bundled_what_ifs, load

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from synthetic_plan import plan  # noqa: E402


def modes_in_use() -> set[float]:
    found = set()
    for path, _ in bundled_what_ifs():
        net = compile_network(load(path).scenario)
        for est in (net.work, net.risk_pause, net.risk_delay):
            if est is not None:
                span = est.high - est.low
                keep = est.pert & (span > 0)
                found |= set(((est.likely - est.low)[keep] / span[keep]).tolist())
    return found


def test_pert_table_is_within_its_stated_error_of_betaincinv_over_all_of_0_1():
    modes = sorted(modes_in_use() | set(np.linspace(0, 1, 21).tolist()))
    assert len(modes) > 21  # the bundled models' own shapes are among them
    tiny = np.geomspace(2.0 ** -53, 1e-3, 2000)
    u = np.concatenate([np.linspace(0, 1, 100_001)[1:-1], tiny, 1 - tiny, [0.0, 0.5, 1 - 2.0 ** -53]])
    u.sort()
    got = sampling.pert_quantile(np.repeat(u[:, None], len(modes), axis=1), np.array(modes))
    for column, mode in enumerate(modes):
        exact = betaincinv(1 + 4 * mode, 5 - 4 * mode, u)
        assert np.abs(got[:, column] - exact).max() <= sampling.PERT_MAX_ERROR, mode
    assert (np.diff(got, axis=0) >= 0).all()  # still a quantile function: never decreasing in u


def test_pert_table_cdf_is_betaincs_to_a_billionth_up_to_past_the_median():
    for mode in np.concatenate([np.linspace(0, 1, 41), [1e-9, 1 - 1e-9]]):
        cdf, x = sampling._pert_lower_table(float(mode))
        assert np.abs(cdf - betainc(1 + 4 * mode, 5 - 4 * mode, x)).max() < 1e-9, mode
        assert cdf[-1] >= 0.5 > cdf[-2], mode  # the table ends at the first point past the median
        assert np.array_equal(x, sampling.PERT_TABLE_X[:len(x)])


def test_pert_table_is_the_same_when_the_median_s_estimate_falls_short(monkeypatch):
    modes = np.linspace(0, 1, 41)
    tables = [sampling._pert_lower_table.__wrapped__(float(mode)) for mode in modes]
    monkeypatch.setattr(sampling, "PERT_MEDIAN_MARGIN", 0)  # the estimate alone: short for some shapes
    short = 0
    for mode, (cdf, x) in zip(modes, tables):
        a, b = 1 + 4 * mode, 5 - 4 * mode
        short += sampling._pert_cdf(a, b, sampling._median_point(a, b))[-1] < 0.5
        again = sampling._pert_lower_table.__wrapped__(float(mode))
        assert np.array_equal(again[0], cdf) and np.array_equal(again[1], x), mode
    assert short > 5  # the whole-table path was taken


def test_drawing_imports_no_scipy(tmp_path):
    """A worker sent a plan with PERT estimates and no correlations draws without SciPy's special functions (a
    fifth of a second to import); correlated draws need its normal distribution."""
    import pickle
    import subprocess
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan(60)), encoding="utf-8")
    net = compile_network(load(tmp_path / "plan.yaml").scenario)
    assert net.work.pert.any() and not net.correlation
    (tmp_path / "net.pickle").write_bytes(pickle.dumps(net))
    code = ("import pickle, sys\nfrom transition_sim import pieces, sampling\n"
            f"net = pickle.loads(open({str(tmp_path / 'net.pickle')!r}, 'rb').read())\n"
            "sampling.draw(net, 1, 0, 50)\n"
            "print(sorted(m for m in sys.modules if m.startswith('scipy.special.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_three_point_pert_scales_the_table_to_the_estimate():
    est = compile_network(load().scenario).work
    u = sampling.stream(3, "check", 0, 500, est.low.size).reshape(500, -1)
    span = est.high - est.low
    mode = (est.likely - est.low) / np.where(span > 0, span, 1)
    exact = np.where(span > 0, est.low + span * betaincinv(1 + 4 * mode, 5 - 4 * mode, u), est.low)
    got = sampling.three_point(u, est)
    pert = est.pert & (span > 0)
    assert pert.any()
    assert np.abs(got - exact)[:, pert].max() <= sampling.PERT_MAX_ERROR * span.max()


@pytest.fixture(scope="module")
def baseline_net():
    return compile_network(load().scenario)


def test_a_chunk_starting_at_any_replication_gives_the_rows_of_a_full_run(baseline_net):
    full = sampling.draw(baseline_net, 11, 0, 400)
    for first, count in [(0, 1), (1, 7), (133, 250), (399, 1), (250, 150)]:
        part = sampling.draw(baseline_net, 11, first, count)
        for field in sampling.Draws.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(part, field), getattr(full, field)[first:first + count], field)
    picked = np.array([5, 6, 90, 391])
    scattered = sampling.draw_at(baseline_net, 11, picked)
    for field in sampling.Draws.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(scattered, field), getattr(full, field)[picked], field)


def test_streams_are_uniform_and_independent():
    """Chi-square over 100 bins, and correlations between keys, replications and a row's draws (fixed seed)."""
    u = sampling.uniforms(2024, [f"task:t{k}" for k in range(20)], np.arange(20_000), 2)
    assert u.min() >= 0 and u.max() < 1
    counts = np.histogram(u.ravel(), bins=100, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-3
    n = u.shape[0]
    limit = 4 / np.sqrt(n)  # four standard errors of a correlation of independent uniforms
    assert abs(np.corrcoef(u[:, 0, 0], u[:, 1, 0])[0, 1]) < limit  # neighbouring keys
    assert abs(np.corrcoef(u[:-1, 0, 0], u[1:, 0, 0])[0, 1]) < limit  # neighbouring replications
    assert abs(np.corrcoef(u[:, 0, 0], u[:, 0, 1])[0, 1]) < limit  # the two draws of one replication
    other_seed = sampling.uniforms(2025, ["task:t0"], np.arange(n))
    assert abs(np.corrcoef(u[:, 0, 0], other_seed[:, 0, 0])[0, 1]) < limit


def yaml_texts():
    texts = [(str(path), path.read_text(encoding="utf-8")) for path, _ in bundled_what_ifs()]
    texts.append(("plan-300", yaml.safe_dump(plan(300), sort_keys=False)))
    texts.append(("anchors", "base: &b {x: 1, y: [1, 2]}\nother:\n  <<: *b\n  z: 3\n"))
    return texts


@pytest.mark.parametrize("name,text", yaml_texts(), ids=[name for name, _ in yaml_texts()])
def test_libyaml_gives_the_same_values_and_lines_as_pure_python(name, text, monkeypatch):
    fast = yamltree.parse(text, name)
    monkeypatch.setattr(yamltree, "FAST_LOADER", None)
    assert yamltree.parse(text, name) == fast


@pytest.mark.parametrize("text", ["a: 1\n  b: 2\n", "a: [1, 2\n", "a: 1\na: 2\n", "? [1, 2]\n: x\n", "a: !!python/name:os.system x\n",
                                  "a: *missing\n", "- 1\n-- 2\n\tb: 3\n"])
def test_malformed_yaml_gives_the_pure_python_message_and_line(text, monkeypatch):
    with pytest.raises(ScenarioError) as fast:
        yamltree.parse(text, "f.yaml")
    monkeypatch.setattr(yamltree, "FAST_LOADER", None)
    with pytest.raises(ScenarioError) as slow:
        yamltree.parse(text, "f.yaml")
    assert [str(p) for p in fast.value.problems] == [str(p) for p in slow.value.problems]
