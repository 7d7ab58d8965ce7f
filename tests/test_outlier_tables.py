"""SheafOutlierDetector on tables: duplicates as multiplicities, the global components (#18)."""

import warnings

import numpy as np
import pytest
from scipy.stats import percentileofscore
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import MinMaxScaler

from tdasheaf import SheafOutlierDetector
from tdasheaf.cohomology._local_scores import GLOBAL_COMPONENTS, component_ranks
from tdasheaf.geometry import component_join_times


def integer_table(seed: int, n: int = 200):
    """Integer features 1–10; 30 % anomalies in one dense cluster; then 30 % duplicated rows.

    The properties of the issue's held-out table (not the table itself): inliers skewed towards
    low values, anomalies a tight cluster at high values, and a third of the rows exact copies.
    """
    rng = np.random.default_rng(seed)
    n_anomalies = int(0.3 * n)
    inliers = np.clip(np.round(rng.gamma(1.5, 1.2, size=(n - n_anomalies, 6)) + 1), 1, 10)
    anomalies = np.clip(np.round(rng.normal(7, 1.2, size=(n_anomalies, 6))), 1, 10)
    X = np.vstack([inliers, anomalies])
    y = np.r_[np.zeros(n - n_anomalies, int), np.ones(n_anomalies, int)]
    copies = rng.choice(n, int(0.3 * n), replace=True)
    return np.vstack([X, X[copies]]), np.r_[y, y[copies]]


def test_weighted_join_times_equal_the_expanded_cloud():
    # oracle: a point of weight c is c identical points (joined at length 0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    counts = rng.integers(1, 4, size=40)
    expanded = np.repeat(X, counts, axis=0)
    sizes = [1, 3, 10, 40]
    want = component_join_times(expanded, sizes)
    got = component_join_times(X, sizes, weights=counts.astype(float))
    np.testing.assert_allclose(np.repeat(got, counts, axis=0), want)


def test_component_ranks_are_mid_rank_percentiles():
    rng = np.random.default_rng(1)
    ref = np.round(rng.normal(size=50), 1)  # ties
    v = np.r_[np.round(rng.normal(size=20), 1), -9.0, 9.0]
    got = component_ranks({"a": v}, {"a": np.sort(ref)}, ["a"])[:, 0]
    want = [percentileofscore(ref, x, kind="mean") / 100 for x in v]
    np.testing.assert_allclose(got, want)


def test_repeating_every_row_twice_changes_no_score():
    X, _ = integer_table(0, n=120)
    X = MinMaxScaler().fit_transform(X)
    once = SheafOutlierDetector(n_neighbors=10).fit(X)
    twice = SheafOutlierDetector(n_neighbors=10).fit(np.repeat(X, 2, axis=0))
    np.testing.assert_allclose(
        twice.negative_outlier_factor_, np.repeat(once.negative_outlier_factor_, 2)
    )
    assert twice.n_samples_fit_ == 2 * once.n_samples_fit_
    assert twice.n_distinct_fit_ == once.n_distinct_fit_


def test_a_row_repeated_30_times_is_neither_degenerate_nor_isolated():
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(150, 4))
    X = np.vstack([X, np.repeat(X[:1], 30, axis=0)])  # row 0 now 31 times
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "exact duplicates" warning any more
        det = SheafOutlierDetector(n_neighbors=10).fit(X)
    comp = det.score_components_.to_numpy()
    assert np.isfinite(comp).all() and np.isfinite(det.negative_outlier_factor_).all()
    score = -det.negative_outlier_factor_
    repeated = np.r_[0, np.arange(150, 180)]
    assert np.ptp(score[repeated]) == 0  # every copy gets the same score
    assert score[0] < np.percentile(score, 95)


@pytest.mark.parametrize("seed", [0, 1])
def test_integer_table_with_duplicates_and_a_dense_anomaly_cluster(seed):
    X, y = integer_table(seed)
    X = MinMaxScaler().fit_transform(X)
    ours = roc_auc_score(y, -SheafOutlierDetector().fit(X).negative_outlier_factor_)
    lof = roc_auc_score(y, -LocalOutlierFactor(n_neighbors=20).fit(X).negative_outlier_factor_)
    forest = roc_auc_score(y, -IsolationForest(random_state=seed).fit(X).score_samples(X))
    assert ours > lof
    assert ours >= forest - 0.03


def test_global_components_see_a_far_cluster():
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(size=(200, 3)), rng.normal(size=(30, 3)) * 0.2 + 6.0])
    det = SheafOutlierDetector(n_neighbors=10).fit(X)
    y = np.r_[np.zeros(200), np.ones(30)]
    # the far cluster is dense (locally normal) but joins the bulk's H^0 class late
    assert roc_auc_score(y, det.score_components_["h0_bulk"]) > 0.99
    assert set(GLOBAL_COMPONENTS) <= set(det.score_components_.columns)
