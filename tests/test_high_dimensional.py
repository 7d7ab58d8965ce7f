"""High-dimensional clouds are first-class (issue 15, item 2), scaled down.

Defaults complete on network-activation-like clouds (hundreds to thousands of points in
10–256 dimensions), the Rips graph stays local where distances concentrate, and the scale grid
is moved onto the scales the graph actually has.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from tdasheaf import RipsPersistence, SheafFeatures
from tdasheaf.complexes import knn_distances
from tdasheaf.estimators._sheaf_features import _plan_cloud, _remap

FAMILIES = ("constant", "orientation", "tangent")


@pytest.mark.parametrize("n, D", [(800, 10), (700, 64), (400, 256)])
def test_defaults_complete_and_stay_local(n, D):
    X = np.random.default_rng(0).standard_normal((n, D))
    sf = SheafFeatures().fit([X])
    F = sf.transform([X])
    assert F.shape == (1, len(sf.get_feature_names_out())) and np.isfinite(F).all()
    plan = _plan_cloud(
        X, sheaves=FAMILIES, n_neighbors=15, dim=None, lo=1.0, hi=2.0, memory_budget=2**30
    )
    assert plan["capped"] == "neighbours"
    assert plan["n_edges"] <= n * 6 * 15 // 2
    assert plan["d_max"] == 5  # estimated frame dimension capped at n_neighbors // 3


def test_concentration_is_real_and_the_radius_rule_would_be_complete():
    # the reported shape of the problem: in R^10, 3 radii join almost every pair
    X = np.random.default_rng(0).standard_normal((1500, 10))
    d = pdist(X)
    r = float(np.median(knn_distances(X, 15)[0][:, -1]))
    assert (d <= 3 * r).mean() > 0.9 and (d <= 2 * r).mean() > 0.3
    plan = _plan_cloud(
        X, sheaves=FAMILIES, n_neighbors=15, dim=None, lo=1.0, hi=3.0, memory_budget=2**30
    )
    assert plan["n_edges"] / len(d) < 0.1


def test_knn_distances_match_the_kd_tree_in_high_dimension():
    from scipy.spatial import cKDTree

    X = np.random.default_rng(1).standard_normal((300, 40))
    d, i = knn_distances(X, 12)
    d2, i2 = cKDTree(X).query(X, 12)
    np.testing.assert_allclose(d, d2, rtol=1e-12)
    assert (i == i2).mean() > 0.99


def test_remap_moves_the_grid_onto_the_kept_scales():
    grid = np.linspace(1.0, 2.0, 5)
    np.testing.assert_array_equal(_remap(grid, 1.0, 2.0, 2.5), grid)
    np.testing.assert_allclose(_remap(grid, 1.0, 2.0, 1.2), np.linspace(1.0, 1.2, 5))
    np.testing.assert_allclose(_remap(grid, 1.0, 2.0, 0.5), grid / 4)


def test_rips_persistence_in_high_dimension_with_a_threshold():
    X = np.random.default_rng(2).standard_normal((600, 64))
    t = float(np.quantile(pdist(X), 0.02))
    D = RipsPersistence(max_edge_length=t, memory_budget=64 * 2**20).fit_transform([X])
    assert D.shape[0] == 1 and np.isfinite(D[0, :, 0]).all()


def test_benchmark_script_quick_parses_and_runs_one_tiny_case(capsys):
    path = Path(__file__).resolve().parents[1] / "pipelines" / "benchmarks" / "high_dimensional.py"
    spec = importlib.util.spec_from_file_location("bench_high_dimensional", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--cases", "300x20"]) == 0
    out = capsys.readouterr().out
    assert "| randn(300, 20) |" in out and "FAILED" not in out


def test_sheaf_features_accept_clouds_of_different_dimensions():
    from tdasheaf.datasets import make_cylinder

    rng = np.random.default_rng(3)
    clouds = [
        make_cylinder(150, random_state=0),  # in R^3
        rng.standard_normal((150, 2)),
        rng.standard_normal((120, 12)),
    ]
    sf = SheafFeatures(n_neighbors=10, n_scales=3, n_spectral_scales=2).fit(clouds)
    F = sf.transform(clouds)
    assert F.shape == (3, len(sf.get_feature_names_out())) and np.isfinite(F).all()
    for k, X in enumerate(clouds):  # each row is the cloud's own
        np.testing.assert_array_equal(F[k], sf.transform([X])[0])
