"""scikit-learn's own estimator checks, and the user story of the issue: topological features
inside scikit-learn pipelines, grid searches and feature unions.

Our estimators consume *collections* (lists of point clouds, or diagrams of shape
``(n_samples, n_points, 3)``) and say so in their tags (``two_d_array=False``,
``three_d_array=True``). scikit-learn then generates a single check for them
(``check_estimator_cloneable``) and silently drops the rest. To run every check that does
apply, the checks are generated as if the estimators took 2-D arrays (``get_tags`` is patched
while the list is built, never while a check runs), and every check that feeds a 2-D feature
matrix is listed, with its reason, in the estimator's dict in ``EXPECTED_FAILED_CHECKS``.
Those are strict xfails: a check that starts passing must be moved out of its dict.
Our own equivalents of the skipped checks (fit returns self, parameters not overwritten,
pickling, pipelines, dtype/shape stability, ...) run on real collections in
``tests/test_estimator_contract.py``.
"""

from __future__ import annotations

import re
import warnings
from unittest import SkipTest, mock

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import FeatureUnion, make_pipeline, make_union
from sklearn.utils import estimator_checks, get_tags
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
#: Series → windows → point clouds: they take 2-D input (rows are time points / series).
SERIES_ESTIMATORS = [SlidingWindow(), TakensEmbedding()]
COLLECTION_ESTIMATORS = POINT_CLOUD_ESTIMATORS + FUSION_ESTIMATORS + VECTORISERS
ESTIMATORS = COLLECTION_ESTIMATORS + SERIES_ESTIMATORS
#: Ordinary tabular estimators: every scikit-learn check applies and passes, none listed as
#: failing (n_neighbors=5 because the checks fit 10-20 samples and fewer than n_neighbors + 1
#: samples is refused).
TABULAR_ESTIMATORS = [
    SheafOutlierDetector(n_neighbors=5),
    SheafOutlierDetector(n_neighbors=5, novelty=True),
]

# ----------------------------------------------------------------------------------------------
# scikit-learn's checks
# ----------------------------------------------------------------------------------------------

#: Every scikit-learn check (1.9) that builds its own 2-D feature matrix, and what it feeds.
_TABULAR_CHECKS = {
    "check_fit_score_takes_y": "fits a 2-D X with a y",
    "check_estimators_overwrite_params": "fits a 2-D X",
    "check_dont_overwrite_parameters": "fits a 2-D X",
    "check_estimators_fit_returns_self": "fits a 2-D X",
    "check_readonly_memmap_input": "fits a read-only memmapped 2-D X",
    "check_positive_only_tag_during_fit": "fits a 2-D X with negative values",
    "check_estimators_dtypes": "fits 2-D float32/int32/int64 arrays",
    "check_complex_data": "wants scikit-learn's message for a complex 2-D X",
    "check_dtype_object": "fits a 2-D object array",
    "check_estimators_empty_data_messages": (
        "wants scikit-learn's messages for 2-D X of shape (0, 3) and (12, 0)"
    ),
    "check_pipeline_consistency": "fits a pipeline on a 2-D X",
    "check_estimators_nan_inf": "wants scikit-learn's message for NaN/inf in a 2-D X",
    "check_estimator_sparse_tag": "fits a sparse 2-D matrix",
    "check_estimator_sparse_array": "fits a sparse 2-D array",
    "check_estimator_sparse_matrix": "fits a sparse 2-D matrix",
    "check_estimators_pickle": "fits a 2-D X before pickling",
    "check_array_api_input": "fits 2-D array-API arrays (skipped without SCIPY_ARRAY_API=1)",
    "check_f_contiguous_array_estimator": "fits an F-contiguous 2-D X",
    "check_transformer_data_not_an_array": "fits a 2-D array-like that is not an ndarray",
    "check_transformer_general": "fits and transforms a 2-D X",
    "check_transformer_preserve_dtypes": "transforms a 2-D float32 X",
    "check_methods_sample_order_invariance": "transforms the rows of a 2-D X",
    "check_methods_subset_invariance": "transforms the rows of a 2-D X",
    "check_fit2d_1sample": "wants scikit-learn's message for a 2-D X with 1 sample",
    "check_fit2d_1feature": "wants scikit-learn's message for a 2-D X with 1 feature",
    "check_dict_unchanged": "fits a 2-D X",
    "check_fit_idempotent": "fits a 2-D X",
    "check_fit_check_is_fitted": "fits a 2-D X",
    "check_n_features_in": "fits a 2-D X",
    "check_fit2d_predict1d": "fits a 2-D X",
}

_POINT_CLOUDS = (
    "input is a collection of point clouds (a list of (n_points, n_features) arrays or an "
    "(n_samples, n_points, n_features) array), not a 2-D feature matrix"
)
_READINGS = (
    "input is a collection of readings (n_sources, n_cells[, dim]) with NaN for unobserved "
    "cells, not a 2-D feature matrix"
)
_DIAGRAMS = "input is a collection of diagrams (n_samples, n_points, 3), not a 2-D feature matrix"


def _skipped(input_format: str) -> dict[str, str]:
    return {name: f"{input_format}; the check {what}" for name, what in _TABULAR_CHECKS.items()}


#: One dict per estimator: every check that is expected to fail, with the reason.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "RipsPersistence": _skipped(_POINT_CLOUDS),
    "AlphaPersistence": _skipped(_POINT_CLOUDS),
    "SheafPersistence": _skipped(_POINT_CLOUDS),
    "SheafFeatures": _skipped(_POINT_CLOUDS),
    "SheafLaplacianSpectrum": _skipped(_POINT_CLOUDS),
    "SheafDenoiser": _skipped(_POINT_CLOUDS),
    # allow_nan: scikit-learn does not generate check_estimators_nan_inf for it
    "SheafFusion": {
        k: v for k, v in _skipped(_READINGS).items() if k != "check_estimators_nan_inf"
    },
    "BettiCurve": _skipped(_DIAGRAMS),
    "PersistenceLandscape": _skipped(_DIAGRAMS),
    "PersistenceImage": _skipped(_DIAGRAMS),
    "PersistenceEntropy": _skipped(_DIAGRAMS),
    "Amplitude": _skipped(_DIAGRAMS),
    "NumberOfPoints": _skipped(_DIAGRAMS),
    "SlidingWindow": {
        name: "X is one series (rows are time points) and the output rows are windows; " + why
        for name, why in {
            "check_transformer_data_not_an_array": "the check compares rows of X and output",
            "check_transformer_general": "the check wants one output row per input row",
            "check_methods_sample_order_invariance": "reordering time points changes windows",
            "check_methods_subset_invariance": "one time point is shorter than a window",
            "check_fit1d": "a 1-D X is a valid univariate series, not an error",
            "check_fit2d_predict1d": "a 1-D X in transform is refused for its channel count",
        }.items()
    },
    "TakensEmbedding": {
        "check_n_features_in": "series may have any length: n_channels_ is learned instead",
        "check_n_features_in_after_fitting": "series may have any length: n_channels_ instead",
        "check_transformer_general": "other series lengths are allowed in transform",
        "check_fit2d_1feature": "a one-column X is a collection of 1-sample series: too short",
    },
}


def _expected_failed_checks(estimator) -> dict[str, str]:
    return EXPECTED_FAILED_CHECKS[type(estimator).__name__]


def _tags_as_if_tabular(estimator):
    tags = get_tags(estimator)
    tags.input_tags.two_d_array = True
    return tags


with mock.patch.object(estimator_checks, "get_tags", _tags_as_if_tabular):
    _SKLEARN_CHECKS = parametrize_with_checks(
        ESTIMATORS, expected_failed_checks=_expected_failed_checks, xfail_strict=True
    )


@parametrize_with_checks(TABULAR_ESTIMATORS)
def test_sklearn_check_tabular(estimator, check):
    check(estimator)


def _check_name(check) -> str:
    """The check's function name (checks come as partials, possibly wrapped)."""
    while hasattr(check, "__wrapped__"):
        check = check.__wrapped__
    return getattr(check, "func", check).__name__


def _run_expected_failure(estimator, check) -> str | None:
    """Run a check listed as failing; return its failure as text, or None if it passed."""
    try:
        check(estimator)
    except SkipTest:
        raise
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@_SKLEARN_CHECKS
def test_sklearn_check(estimator, check):
    """Runs, among others: check_estimator_cloneable, check_estimator_repr,
    check_no_attributes_set_in_init, check_parameters_default_constructible,
    check_get_params_invariance, check_set_params, check_estimators_unfitted,
    check_transformers_unfitted, check_do_not_raise_errors_in_init_or_set_params,
    check_mixin_order, check_estimator_tags_renamed, check_valid_tag_types, check_fit1d
    (check_n_features_in_after_fitting and check_transformer_n_iter pass vacuously)."""
    if _check_name(check) not in _expected_failed_checks(estimator):
        check(estimator)
        return
    # Re-raised without its traceback: pytest would otherwise parse estimator_checks.py
    # for each of the ~250 expected failures (about 0.3 s each).
    failure = _run_expected_failure(estimator, check)
    if failure is not None:
        raise AssertionError(failure)


#: How our validators refuse a 2-D matrix (or a sparse / array-like that is not a collection).
_REFUSAL = (
    r"expected a collection of point clouds|a single diagram; pass a collection"
    r"|X must have shape \(n_samples, n_points, 3\)"
    r"|must be a numeric array of diagrams|is complex-valued|empty collection"
    r"|expected a collection of reading arrays"
)


@pytest.mark.parametrize("estimator", COLLECTION_ESTIMATORS, ids=lambda e: type(e).__name__)
def test_expected_failures_are_refusals_of_2d_input(estimator):
    """Every listed check fails because the 2-D input is refused: with our ValueError, or
    with scikit-learn's AssertionError about that refusal; never with a crash."""
    expected = _expected_failed_checks(estimator)
    with mock.patch.object(estimator_checks, "get_tags", _tags_as_if_tabular):
        checks = list(estimator_checks.estimator_checks_generator(estimator, mark=None))
    seen = set()
    for instance, check in checks:
        name = _check_name(check)
        if name not in expected:
            continue
        seen.add(name)
        try:
            failure = _run_expected_failure(instance, check)
        except SkipTest:
            continue
        assert failure is not None, f"{name} passes: remove it from the dict"
        kind, _, message = failure.partition(": ")
        assert kind in ("ValueError", "AssertionError"), f"{name} crashed: {failure}"
        if kind == "ValueError":
            assert re.search(_REFUSAL, message), f"{name}: {failure}"
    assert seen == set(expected), "the dict lists checks scikit-learn no longer runs"


def test_every_public_estimator_is_checked():
    import tdasheaf.estimators

    public = {
        name
        for name in tdasheaf.estimators.__all__
        if isinstance(getattr(tdasheaf.estimators, name), type)
        and issubclass(getattr(tdasheaf.estimators, name), BaseEstimator)
    }
    tabular = {type(e).__name__ for e in TABULAR_ESTIMATORS}
    assert {type(e).__name__ for e in ESTIMATORS} | tabular == public
    assert set(EXPECTED_FAILED_CHECKS) | tabular == public


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
    assert sliding.input_tags.two_d_array and not sliding.input_tags.three_d_array
    assert takens.input_tags.two_d_array and takens.input_tags.three_d_array


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
        {"persistenceimage__n_bins": [5, 10], "ripspersistence__coeff": [2, 3]},
        cv=2,
    ).fit(X, y)
    assert set(grid.best_params_) == {"persistenceimage__n_bins", "ripspersistence__coeff"}
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


def test_pipeline_set_output_pandas():
    X, _ = circles_and_blobs(n_per_class=2)
    pipe = make_pipeline(RipsPersistence(), BettiCurve(n_bins=5)).set_output(transform="pandas")
    out = pipe.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(pipe[-1].get_feature_names_out())


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
