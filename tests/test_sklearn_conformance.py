"""scikit-learn's own estimator checks, and the user story of the issue: topological features
inside scikit-learn pipelines, grid searches and feature unions.

Two kinds of estimators, two kinds of checks:

* estimators whose ``X`` is a 2-D ``(n_samples, n_features)`` array — the outlier detector (rows
  are points) and :class:`TakensEmbedding` (rows are series) — run **every** scikit-learn check
  (``parametrize_with_checks``), with their default parameters, and pass them all: nothing is
  patched and nothing is expected to fail;
* estimators over *collections* (lists of point clouds, diagrams ``(n_samples, n_points, 3)``,
  reading arrays) say so in their tags (``two_d_array=False``), so scikit-learn generates no
  check for them; their contract suite is ``tests/test_estimator_contract.py``.
  :class:`SlidingWindow` takes one series (its rows are time points, not samples; the checks
  permute and subset rows), its tags say so too and its contract is in
  ``tests/test_time_series.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import FeatureUnion, make_pipeline, make_union
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from tdasheaf.estimators import (
    AlphaPersistence,
    Amplitude,
    BettiCurve,
    NumberOfPoints,
    PersistenceEntropy,
    PersistenceImage,
    PersistenceLandscape,
    RipsPersistence,
    SheafDenoiser,
    SheafFeatures,
    SheafFusion,
    SheafLaplacianSpectrum,
    SheafOutlierDetector,
    SheafPersistence,
    SlidingWindow,
    TakensEmbedding,
)

#: Every estimator whose X is a 2-D (n_samples, n_features) array, with default parameters.
TWO_D_ESTIMATORS = [
    SheafOutlierDetector(),
    SheafOutlierDetector(novelty=True),
    TakensEmbedding(),
]
POINT_CLOUD_ESTIMATORS = [
    RipsPersistence(),
    AlphaPersistence(),
    SheafPersistence(),
    SheafFeatures(),
    SheafLaplacianSpectrum(),
    SheafDenoiser(),
]
#: NaN marks an unobserved reading, so SheafFusion is not with the point-cloud estimators.
FUSION_ESTIMATORS = [SheafFusion()]
VECTORISERS = [
    BettiCurve(),
    PersistenceLandscape(),
    PersistenceImage(),
    PersistenceEntropy(),
    Amplitude(),
    NumberOfPoints(),
]
COLLECTION_ESTIMATORS = POINT_CLOUD_ESTIMATORS + FUSION_ESTIMATORS + VECTORISERS
#: One series in, a collection of windows out.
SERIES_ESTIMATORS = [SlidingWindow()]

# ----------------------------------------------------------------------------------------------
# scikit-learn's checks
# ----------------------------------------------------------------------------------------------


@parametrize_with_checks(TWO_D_ESTIMATORS)
def test_sklearn_check(estimator, check):
    check(estimator)


def test_every_public_estimator_is_checked():
    """Each public estimator is in exactly one group: sklearn's checks, or our contract suite."""
    import tdasheaf.estimators

    public = {
        name
        for name in tdasheaf.estimators.__all__
        if isinstance(getattr(tdasheaf.estimators, name), type)
        and issubclass(getattr(tdasheaf.estimators, name), BaseEstimator)
    }
    two_d = {type(e).__name__ for e in TWO_D_ESTIMATORS}
    others = {type(e).__name__ for e in COLLECTION_ESTIMATORS + SERIES_ESTIMATORS}
    assert two_d | others == public
    assert not two_d & others
    for name in public:
        takes_2d = get_tags(getattr(tdasheaf.estimators, name)()).input_tags.two_d_array
        assert takes_2d == (name in two_d), name


@pytest.mark.parametrize("estimator", COLLECTION_ESTIMATORS, ids=lambda e: type(e).__name__)
def test_tags_declare_collections(estimator):
    tags = get_tags(estimator)
    assert not tags.input_tags.two_d_array
    assert tags.input_tags.three_d_array
    assert not tags.target_tags.required
    assert tags.transformer_tags is not None
    assert tags.requires_fit


def test_series_transformer_tags():
    sliding, takens = get_tags(SlidingWindow()), get_tags(TakensEmbedding())
    assert sliding.input_tags.one_d_array and not sliding.input_tags.two_d_array
    assert takens.input_tags.two_d_array and takens.input_tags.three_d_array


def test_outlier_detector_lowers_n_neighbors_like_local_outlier_factor():
    """Fewer samples than n_neighbors + 1: n_neighbors_ = n_samples - 1, with a warning, and
    the same neighbourhood sizes as asking for it explicitly."""
    X = np.random.default_rng(0).normal(size=(12, 3))
    with pytest.warns(UserWarning, match=r"n_neighbors \(20\) is greater"):
        small = SheafOutlierDetector().fit(X)
    with pytest.warns(UserWarning, match="n_neighbors"):
        lof = LocalOutlierFactor(n_neighbors=20).fit(X)
    assert small.n_neighbors_ == lof.n_neighbors_ == 11
    assert small.n_neighbors == 20  # the parameter is not rewritten
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explicit = SheafOutlierDetector(n_neighbors=11).fit(X)
    assert small.neighborhood_sizes_ == explicit.neighborhood_sizes_
    np.testing.assert_array_equal(
        small.negative_outlier_factor_, explicit.negative_outlier_factor_
    )


def test_takens_embedding_checks_the_series_length_seen_in_fit():
    X = np.random.default_rng(0).normal(size=(5, 30))
    te = TakensEmbedding().fit(X)
    assert te.n_features_in_ == 30
    with pytest.raises(ValueError, match="X has 29 features, but TakensEmbedding is expecting 30"):
        te.transform(X[:, :-1])
    ragged = TakensEmbedding().fit([X[0], X[1, :20]])  # several lengths: any length later
    assert not hasattr(ragged, "n_features_in_")
    assert ragged.transform([X[2, :25]])[0].shape == (24, 2)


# ----------------------------------------------------------------------------------------------
# collection analogues of checks skipped above
# ----------------------------------------------------------------------------------------------


def _clouds(rng, n_samples=4, n_points=12):
    return [rng.normal(size=(n_points, 2)) for _ in range(n_samples)]


def _diagrams(rng):
    return RipsPersistence().fit_transform(_clouds(rng))


@pytest.mark.parametrize("estimator", POINT_CLOUD_ESTIMATORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.nan, "NaN or infinite"),
        (np.inf, "NaN or infinite"),
        (1j, "complex"),
    ],
)
def test_point_cloud_estimators_reject_bad_values(estimator, bad, match):
    X = _clouds(np.random.default_rng(0))
    X[2] = X[2].astype(type(bad)) if isinstance(bad, complex) else X[2].copy()
    X[2][3, 1] = bad
    with pytest.raises(ValueError, match=rf"sample 2: .*{match}"):
        estimator.fit(X)


@pytest.mark.parametrize("estimator", VECTORISERS, ids=lambda e: type(e).__name__)
def test_vectorisers_reject_nan(estimator):
    D = _diagrams(np.random.default_rng(0))
    D[1, 0, 1] = np.nan
    with pytest.raises(ValueError, match="sample 1 has NaN"):
        estimator.fit(D)


@pytest.mark.parametrize("estimator", VECTORISERS, ids=lambda e: type(e).__name__)
def test_vectorisers_reject_complex_diagrams(estimator):
    D = _diagrams(np.random.default_rng(0)).astype(complex)
    D[1, 0, 1] += 1j
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        with pytest.raises(ValueError, match="(?i)complex"):
            estimator.fit(D)


@pytest.mark.parametrize("estimator", VECTORISERS, ids=lambda e: type(e).__name__)
def test_vectorisers_empty_collection_is_a_clear_error(estimator):
    with pytest.raises(ValueError, match=r"(?i)empty|0 samples"):
        estimator.fit([])
    fitted = estimator.fit(_diagrams(np.random.default_rng(0)))
    for empty in ([], np.empty((0, 4, 3))):
        with pytest.raises(ValueError, match=r"(?i)empty|0 samples"):
            fitted.transform(empty)


# ----------------------------------------------------------------------------------------------
# the user story: Rips -> persistence image -> logistic regression
# ----------------------------------------------------------------------------------------------


def circles_and_blobs(n_per_class: int = 10, n_points: int = 30, seed: int = 0):
    """Noisy unit circles (label 1) and Gaussian blobs (label 0), interleaved."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for _ in range(n_per_class):
        t = rng.uniform(0.0, 2 * np.pi, size=n_points)
        X.append(np.c_[np.cos(t), np.sin(t)] + 0.1 * rng.normal(size=(n_points, 2)))
        X.append(0.5 * rng.normal(size=(n_points, 2)))
        y += [1, 0]
    return X, np.array(y)


def _story_pipeline():
    # sigma=0.3: with the default 0.1 a coarse image grid can fall between the bars;
    # n_bins=10 instead of 100 keeps it fast (200 features, not 20,000).
    return make_pipeline(
        RipsPersistence(),
        PersistenceImage(sigma=0.3, n_bins=10),
        LogisticRegression(max_iter=1000),
    )


def test_user_story_pipeline_grid_search_and_cross_validation():
    X, y = circles_and_blobs(seed=0)
    X_test, y_test = circles_and_blobs(seed=1)

    pipe = _story_pipeline().fit(X, y)
    assert pipe.score(X_test, y_test) > 0.8

    grid = GridSearchCV(
        _story_pipeline(),
        {"persistenceimage__n_bins": [5, 10], "ripspersistence__field": [2, 3]},
        cv=2,
    ).fit(X, y)
    assert set(grid.best_params_) == {"persistenceimage__n_bins", "ripspersistence__field"}
    assert len(grid.cv_results_["mean_test_score"]) == 4
    assert grid.best_score_ > 0.8
    assert grid.score(X_test, y_test) > 0.8
    n_bins = grid.best_params_["persistenceimage__n_bins"]
    assert grid.best_estimator_[:-1].transform(X_test).shape == (len(X_test), 2 * n_bins**2)

    scores = cross_val_score(_story_pipeline(), X, y, cv=2)
    assert scores.shape == (2,)
    assert scores.mean() > 0.8


def test_user_story_accepts_a_3d_array():
    X, y = circles_and_blobs(seed=0)
    pipe = _story_pipeline()
    np.testing.assert_array_equal(
        pipe.fit(np.stack(X), y).predict(np.stack(X)), _story_pipeline().fit(X, y).predict(X)
    )


# ----------------------------------------------------------------------------------------------
# pandas output and feature unions
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("estimator", VECTORISERS, ids=lambda e: type(e).__name__)
def test_vectoriser_set_output_pandas(estimator):
    D = _diagrams(np.random.default_rng(0))
    expected = estimator.fit_transform(D)
    out = estimator.set_output(transform="pandas").fit_transform(D)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(estimator.get_feature_names_out())
    np.testing.assert_array_equal(out.to_numpy(), expected)
    estimator.set_output(transform="default")


def test_pipeline_ending_in_a_vectoriser_pandas_output_on_the_last_step():
    """Works today: configure only the vectoriser."""
    X, _ = circles_and_blobs(n_per_class=2)
    pipe = make_pipeline(RipsPersistence(), BettiCurve(n_bins=5))
    pipe[-1].set_output(transform="pandas")
    out = pipe.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(pipe[-1].get_feature_names_out())
    assert list(out.columns[:2]) == ["H0_betti_t000", "H0_betti_t001"]


def test_pipeline_set_output_pandas_is_refused_by_the_diagram_step():
    """Diagrams are 3-D: Pipeline.set_output("pandas") names the step and the way out."""
    pipe = make_pipeline(RipsPersistence(), BettiCurve(n_bins=5))
    with pytest.raises(ValueError, match=r"RipsPersistence returns a collection.*pipe\[-1\]"):
        pipe.set_output(transform="pandas")
    assert pipe.set_output(transform="default") is pipe


def test_pipeline_get_feature_names_out():
    X, _ = circles_and_blobs(n_per_class=2)
    pipe = make_pipeline(RipsPersistence(), BettiCurve(n_bins=5)).fit(X)
    assert list(pipe.get_feature_names_out()) == list(pipe[-1].get_feature_names_out())


def test_feature_union_of_two_vectorisers():
    D = _diagrams(np.random.default_rng(0))
    union = make_union(BettiCurve(n_bins=4), PersistenceEntropy())
    assert isinstance(union, FeatureUnion)
    out = union.fit_transform(D)
    expected = np.hstack(
        [BettiCurve(n_bins=4).fit_transform(D), PersistenceEntropy().fit_transform(D)]
    )
    np.testing.assert_array_equal(out, expected)
    names = union.get_feature_names_out()
    assert len(names) == out.shape[1] == 2 * 4 + 2
    assert names[0] == "betticurve__H0_betti_t000"
    assert names[-1] == "persistenceentropy__H1_entropy"
    frame = union.set_output(transform="pandas").fit_transform(D)
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(names)


def test_feature_union_after_rips_in_a_classifier_pipeline():
    X, y = circles_and_blobs(seed=0)
    X_test, y_test = circles_and_blobs(seed=1)
    pipe = make_pipeline(
        RipsPersistence(),
        make_union(PersistenceImage(sigma=0.3, n_bins=5), Amplitude(metric="bottleneck")),
        LogisticRegression(max_iter=1000),
    ).fit(X, y)
    assert pipe[:-1].transform(X_test).shape == (len(X_test), 2 * 25 + 2)
    assert pipe.score(X_test, y_test) > 0.8
