"""The whole-table components (isolation, tail) and combine="auto" of SheafOutlierDetector (#18)."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.stats import skew
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from tdasheaf import SheafOutlierDetector
from tdasheaf.cohomology._local_scores import (
    TABLE_COMPONENTS,
    robust_location_scale,
    tangent_eigengap,
)
from tdasheaf.cohomology._table_scores import isolation_scores, marginal_tail_scores
from tdasheaf.datasets import make_sphere, make_torus
from tdasheaf.estimators._outlier import tangent_weight


def brute_tail(rows, query):
    """The tail component from its definition, on explicit rows (no weights)."""
    n, D = rows.shape
    out = 0.0
    for j in range(D):
        col = rows[:, j]
        left = -np.log((np.sum(col <= query[j]) + 1) / (n + 1))
        right = -np.log((np.sum(col >= query[j]) + 1) / (n + 1))
        both = (left + right) / 2
        s = skew(col)
        skewed = right if s > 1e-12 else left if s < -1e-12 else both
        out += max(skewed, both)
    return out / D


@settings(max_examples=20, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**16), n=st.integers(3, 40), D=st.integers(1, 4))
@example(seed=173, n=3, D=1)  # a symmetric column (2.6, 1.4, 0.2): skewness ±1e-16 is 0
def test_tail_equals_its_definition_with_ties(seed, n, D):
    rng = np.random.default_rng(seed)
    X = np.round(rng.gamma(1.5, size=(n, D)), 1)  # skewed, with ties
    Q = np.r_[X[:5], np.round(rng.gamma(1.5, size=(5, D)) * 2, 1)]
    got = marginal_tail_scores(X, queries=Q)
    want = [brute_tail(X, q) for q in Q]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_tail_weights_are_multiplicities_in_units_of_their_mean():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 3))
    counts = rng.integers(1, 5, size=30)
    Q = rng.normal(size=(8, 3)) * 1.5
    # repeating every point c times with c constant is the unweighted table
    np.testing.assert_allclose(
        marginal_tail_scores(X, np.full(30, 7.0), Q), marginal_tail_scores(X, None, Q)
    )
    # integer weights: the counts of the expanded rows, in units of the mean count
    rows = np.repeat(X, counts, axis=0)
    w = counts / counts.mean()
    n = len(X)
    for q, got in zip(Q, marginal_tail_scores(X, counts, Q), strict=True):
        want = 0.0
        for j in range(3):
            left = -np.log((w[X[:, j] <= q[j]].sum() + 1) / (n + 1))
            right = -np.log((w[X[:, j] >= q[j]].sum() + 1) / (n + 1))
            s = skew(rows[:, j])
            want += max(right if s > 0 else left, (left + right) / 2)
        assert got == pytest.approx(want / 3, rel=1e-10)


def test_isolation_with_weights_matches_the_expanded_rows_in_expectation():
    # weighted subsampling of distinct points = uniform subsampling of the expanded rows
    rng = np.random.default_rng(2)
    X = np.r_[rng.normal(size=(300, 2)), [[4.0, 4.0], [0.5, -3.5]]]
    counts = rng.integers(1, 4, size=len(X))
    counts[-1] = 40  # a far row repeated 40 times is not isolated any more
    rows = np.repeat(X, counts, axis=0)
    weighted = isolation_scores(X, counts, X, n_trees=1500, random_state=0)
    expanded = isolation_scores(rows, None, X, n_trees=1500, random_state=1)
    np.testing.assert_allclose(weighted, expanded, atol=0.015)
    assert weighted[-2] > 0.65 and weighted[-1] < weighted[-2] - 0.1


def test_isolation_agrees_with_scikit_learn_on_what_is_anomalous():
    rng = np.random.default_rng(3)
    X = np.r_[rng.normal(size=(400, 5)), rng.uniform(-6, 6, size=(20, 5))]
    y = np.r_[np.zeros(400), np.ones(20)]
    ours = isolation_scores(X)
    sklearn = -IsolationForest(random_state=0).fit(X).score_samples(X)
    assert roc_auc_score(y, ours) > 0.95 and roc_auc_score(y, sklearn) > 0.95
    assert np.corrcoef(ours, sklearn)[0, 1] > 0.8
    assert 0.3 < np.median(ours) < 0.5  # the usual scale: about 0.5 or below when typical


def test_isolation_is_deterministic_and_invariant_to_scaling_the_weights():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    w = rng.integers(1, 6, size=60).astype(float)
    a = isolation_scores(X, w, random_state=5)
    np.testing.assert_array_equal(a, isolation_scores(X, 3 * w, random_state=5))
    assert not np.array_equal(a, isolation_scores(X, w, random_state=6))
    # identical points are never split: two distinct points always score 2^-1
    np.testing.assert_allclose(isolation_scores(np.array([[0.0], [1.0]])), 0.5)


def test_tangent_eigengap_separates_surfaces_from_full_dimensional_tables():
    sphere = SheafOutlierDetector().fit(make_sphere(500, noise=0.01, random_state=0))
    torus = SheafOutlierDetector().fit(make_torus(600, noise=0.02, random_state=0))
    table = SheafOutlierDetector().fit(np.random.default_rng(0).normal(size=(400, 8)))
    assert sphere.tangent_weight_ == torus.tangent_weight_ == 1.0
    assert table.tangent_gap_ < 2.0 and table.tangent_weight_ == 0.0
    assert tangent_eigengap(np.ones((3, 2)), 2) == 1.0  # no normal direction
    assert tangent_weight(2.0) == 0.0 and tangent_weight(8.0) == 1.0
    assert tangent_weight(np.inf) == 1.0


def test_auto_score_on_a_table_is_the_standardised_mean_of_the_table_components():
    rng = np.random.default_rng(5)
    X = np.r_[rng.normal(size=(200, 6)), rng.normal(size=(10, 6)) * 0.3 + 3.0]
    det = SheafOutlierDetector(novelty=True).fit(X)
    assert det.tangent_weight_ == 0.0
    comp = det.score_components_
    table = [c for c in comp.columns if c in TABLE_COMPONENTS]
    assert table == ["dimension", "h0_bulk", "isolation", "tail"]
    mean = comp[table].mean(axis=1).to_numpy()
    loc, scale = robust_location_scale(mean[:, None])
    np.testing.assert_allclose(-det.negative_outlier_factor_, (mean - loc[0]) / scale[0])
    np.testing.assert_allclose(det.score_samples(X), det.negative_outlier_factor_)
    y = np.r_[np.zeros(200), np.ones(10)]
    assert roc_auc_score(y, -det.negative_outlier_factor_) > 0.99


def test_auto_with_only_geometric_components_uses_them_on_a_table():
    X = np.random.default_rng(6).normal(size=(150, 5))
    det = SheafOutlierDetector(components=("residual", "frame")).fit(X)
    np.testing.assert_allclose(
        -det.negative_outlier_factor_, det.score_components_.max(axis=1).to_numpy()
    )
