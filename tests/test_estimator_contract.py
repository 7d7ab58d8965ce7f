"""The scikit-learn contract for every estimator that consumes collections.

scikit-learn's ``check_estimator`` feeds 2-D arrays, so it cannot test transformers over
collections of point clouds or of diagrams. This file is the one place listing our own
contract suite; every public estimator of :mod:`tdasheaf.estimators` gets an entry in
``ESTIMATORS`` and so runs every check below.

An entry is ``(id, factory, make_X)``: ``factory()`` returns an unfitted estimator with
non-default parameters where that makes the check stronger, ``make_X(rng)`` a small valid
input collection (a list, so a check can also slice it).

The checks: parameters stored verbatim, clone, get/set_params, fit returns self and keeps the
parameters, NotFittedError, ``fit_transform == fit().transform``, pickle, Pipeline, empty input
refused, output dtype and shape, determinism, independent samples, ``set_output`` (a DataFrame
or a clear error, never ignored), ``get_feature_names_out``; and, once per class (``CORE``, the
checks that fit several times): float32 / integer / read-only input, sample-order invariance,
refitting on new data, GridSearchCV. Then the refusal messages for input a collection estimator
cannot take (one cloud as a 2-D array, one diagram, a DataFrame, nothing).
"""

from __future__ import annotations

import inspect
import pickle
import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from tdasheaf.datasets import make_cylinder
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

# ----------------------------------------------------------------------------------------------
# input makers
# ----------------------------------------------------------------------------------------------


def point_clouds_2d(rng: np.random.Generator) -> list[np.ndarray]:
    """Four 2-D clouds of different sizes (so no 3-D array can be formed)."""
    return [rng.normal(size=(n, 2)) for n in (8, 12, 10, 15)]


def rips_diagrams(rng: np.random.Generator) -> np.ndarray:
    """Diagrams (n_samples, n_points, 3) of the 2-D clouds."""
    return RipsPersistence().fit_transform(point_clouds_2d(rng))


def band_clouds(rng: np.random.Generator) -> list[np.ndarray]:
    """Three small cylinder samples for the data-driven sheaves."""
    seeds = rng.integers(0, 1000, size=3)
    return [make_cylinder(60, width=0.6, random_state=int(s)) for s in seeds]


def distance_matrices(rng: np.random.Generator) -> list[np.ndarray]:
    from scipy.spatial.distance import pdist, squareform

    return [squareform(pdist(X)) for X in point_clouds_2d(rng)]


def sine_windows(rng: np.random.Generator) -> list[np.ndarray]:
    """Windows of a noisy sine (irrational period, so no exactly repeated points)."""
    t = np.arange(400)
    s = np.sin(2 * np.pi * t / 27.9) + 0.02 * rng.normal(size=t.size)
    return list(SlidingWindow(size=80, stride=60).fit_transform(s))


def sine_windows_2ch(rng: np.random.Generator) -> list[np.ndarray]:
    t = np.arange(400)
    s = np.c_[np.sin(2 * np.pi * t / 25), np.cos(2 * np.pi * t / 31)]
    s = s + 0.05 * rng.normal(size=(400, 2))
    return list(SlidingWindow(size=80, stride=60).fit_transform(s))


def signal_clouds(rng: np.random.Generator) -> list[np.ndarray]:
    """2-D clouds with one signal column."""
    return [np.c_[rng.normal(size=(30, 2)), rng.normal(size=30)] for _ in range(3)]


def tangent_fields(rng: np.random.Generator) -> list[np.ndarray]:
    """Band clouds with a noisy vertical vector field as three signal columns."""
    out = []
    for X in band_clouds(rng):
        V = np.zeros_like(X)
        V[:, 2] = 1.0
        out.append(np.c_[X, V + 0.1 * rng.normal(size=X.shape)])
    return out


def sensor_readings(rng: np.random.Generator) -> list[np.ndarray]:
    """(n_sources, n_cells) readings with NaN for unobserved cells."""
    out = []
    for _ in range(3):
        R = rng.normal(size=(4, 10))
        R[rng.random((4, 10)) < 0.4] = np.nan
        out.append(R)
    return out


def vector_readings(rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.normal(size=(3, 5, 2)) for _ in range(3)]


# ----------------------------------------------------------------------------------------------
# the list: ADD NEW ESTIMATORS HERE (one line each)
# ----------------------------------------------------------------------------------------------

ESTIMATORS = [
    # -- point clouds -> diagrams ------------------------------------------------------------
    ("RipsPersistence", lambda: RipsPersistence(), point_clouds_2d),
    (
        "RipsPersistence-params",
        lambda: RipsPersistence(homology_dimensions=[0, 1, 2], max_edge_length=2.5, field=3),
        point_clouds_2d,
    ),
    ("RipsPersistence-landmarks", lambda: RipsPersistence(n_landmarks=6), point_clouds_2d),
    (
        "RipsPersistence-precomputed",
        lambda: RipsPersistence(metric="precomputed"),
        distance_matrices,
    ),
    ("AlphaPersistence", lambda: AlphaPersistence(homology_dimensions=(0, 1, 2)), point_clouds_2d),
    # -- diagrams -> features (vectorisers) ------------------------------------------------
    ("BettiCurve", lambda: BettiCurve(n_bins=7), rips_diagrams),
    ("PersistenceLandscape", lambda: PersistenceLandscape(n_bins=7), rips_diagrams),
    ("PersistenceImage", lambda: PersistenceImage(n_bins=4), rips_diagrams),
    ("PersistenceEntropy", lambda: PersistenceEntropy(), rips_diagrams),
    ("Amplitude", lambda: Amplitude(metric="wasserstein"), rips_diagrams),
    ("NumberOfPoints", lambda: NumberOfPoints(), rips_diagrams),
    # -- point clouds -> sheaf barcodes / spectra, outlier detectors -------------------------
    (
        "SheafPersistence",
        lambda: SheafPersistence(max_edge_length=0.5, n_neighbors=8, dim=2),
        band_clouds,
    ),
    (
        "SheafFeatures",
        lambda: SheafFeatures(n_scales=3, n_spectral_scales=1, n_eigenvalues=2, n_neighbors=8),
        band_clouds,
    ),
    (
        "SheafLaplacianSpectrum",
        lambda: SheafLaplacianSpectrum(n_eigenvalues=3, n_scales=3, persistent=True),
        band_clouds,
    ),
    (
        "SheafLaplacianSpectrum-orientation",
        lambda: SheafLaplacianSpectrum(
            sheaf="orientation", degree=1, n_scales=2, max_edge_length=0.4, n_neighbors=8
        ),
        band_clouds,
    ),
    (
        "SheafPersistence-tangent",
        lambda: SheafPersistence(sheaf="tangent", degrees=(0,), max_edge_length=0.4),
        band_clouds,
    ),
    # -- series -> point clouds (SlidingWindow's rows are windows, not samples: its contract
    #    checks live in tests/test_time_series.py) --------------------------------------------
    ("TakensEmbedding", lambda: TakensEmbedding(dimension=3, delay=4, stride=2), sine_windows),
    (
        "TakensEmbedding-auto",
        lambda: TakensEmbedding(dimension="auto", delay="auto", max_dimension=4),
        sine_windows,
    ),
    ("TakensEmbedding-2ch", lambda: TakensEmbedding(dimension=2, delay=5), sine_windows_2ch),
    # -- fusion and diffusion ----------------------------------------------------------------
    ("SheafDenoiser", lambda: SheafDenoiser(t=2.0), signal_clouds),
    (
        "SheafDenoiser-tangent",
        lambda: SheafDenoiser(sheaf="tangent", n_signal_features=3, t=3.0, dim=2),
        tangent_fields,
    ),
    (
        "SheafDenoiser-signal-radius",
        lambda: SheafDenoiser(sheaf="signal", radius=1.0, norm_laplacian=False),
        signal_clouds,
    ),
    ("SheafFusion", lambda: SheafFusion(n_reweight=2), sensor_readings),
    (
        "SheafFusion-vector",
        lambda: SheafFusion(source_weights=(1.0, 2.0, 1.0), reduce="max", norm="l2"),
        vector_readings,
    ),
]

IDS = [entry[0] for entry in ESTIMATORS]
_MAKERS = {factory: make_X for _, factory, make_X in ESTIMATORS}


@pytest.fixture(params=ESTIMATORS, ids=IDS)
def case(request):
    _, factory, make_X = request.param
    return factory, make_X(np.random.default_rng(0))


#: One entry per class (its plain id), for the checks that fit several times.
CORE = [entry for entry in ESTIMATORS if "-" not in entry[0]]


@pytest.fixture(params=CORE, ids=[entry[0] for entry in CORE])
def core_case(request):
    _, factory, make_X = request.param
    return factory, make_X(np.random.default_rng(0))


def _equal(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# ----------------------------------------------------------------------------------------------
# the checks
# ----------------------------------------------------------------------------------------------


def test_init_stores_parameters_verbatim(case):
    factory, _ = case
    est = factory()
    signature = inspect.signature(type(est).__init__)
    for name, param in signature.parameters.items():
        if name == "self":
            continue
        assert param.kind is param.POSITIONAL_OR_KEYWORD, f"{name}: no *args/**kwargs"
        assert param.default is not param.empty, f"{name} has no default"
        assert not isinstance(param.default, (list, dict, set)), f"{name}: mutable default"
    explicit = {k: v for k, v in est.get_params(deep=False).items()}
    rebuilt = type(est)(**explicit)
    for name, value in explicit.items():
        assert getattr(rebuilt, name) is value, f"{name} is not stored verbatim"


def test_clone(case):
    factory, X = case
    est = factory().fit(X)
    twin = clone(est)
    assert twin.get_params() == factory().get_params()
    with pytest.raises(NotFittedError):
        twin.transform(X)


def test_get_params_set_params_round_trip(case):
    factory, _ = case
    est = factory()
    params = est.get_params()
    other = type(est)().set_params(**params)
    assert other.get_params() == params


def test_fit_returns_self_and_keeps_params(case):
    factory, X = case
    est = factory()
    before = est.get_params()
    assert est.fit(X) is est
    after = est.get_params()
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] is before[key], f"fit rewrote the parameter {key}"


def test_transform_before_fit_raises(case):
    factory, X = case
    with pytest.raises(NotFittedError):
        factory().transform(X)


def test_fit_transform_equals_fit_then_transform(case):
    factory, X = case
    _equal(factory().fit_transform(X), factory().fit(X).transform(X))


def test_pickle_round_trip(case):
    factory, X = case
    est = factory().fit(X)
    loaded = pickle.loads(pickle.dumps(est))
    _equal(loaded.transform(X), est.transform(X))


def test_in_pipeline(case):
    factory, X = case
    pipe = make_pipeline(factory())
    _equal(pipe.fit_transform(X), factory().fit_transform(X))
    _equal(pipe.transform(X[:2]), factory().fit(X).transform(X[:2]))


def test_empty_collection_is_a_clear_error(case):
    factory, X = case
    with pytest.raises(ValueError, match=r"(?i)empty|0 samples"):
        factory().fit([])
    est = factory().fit(X)
    with pytest.raises(ValueError, match=r"(?i)empty|0 samples"):
        est.transform([])


def test_output_dtype_and_shape(case):
    factory, X = case
    out = factory().fit_transform(X)
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.float64
    assert out.shape[0] == len(X)
    # shape does not depend on the order of the samples' arrival through fit
    assert factory().fit(X[:1]).transform(X).shape == out.shape


def test_deterministic(case):
    factory, X = case
    first = factory().fit_transform(X)
    _equal(factory().fit_transform(X), first)
    _equal(clone(factory()).fit(X).transform(X), first)


def test_samples_are_independent(case):
    """Transforming a sub-collection gives the same rows, up to padding of 3-D outputs."""
    factory, X = case
    est = factory().fit(X)
    full, part = est.transform(X), est.transform(X[1:2])
    if full.ndim == 2 or np.array_equal(part[0], full[1]):
        _equal(part[0], full[1])
        return

    # diagrams: compare the multisets of non-padding rows
    def rows(d):
        d = d[d[:, 1] > d[:, 0]]
        return d[np.lexsort((d[:, 1], d[:, 0], d[:, 2]))]

    _equal(rows(part[0]), rows(full[1]))


# ----------------------------------------------------------------------------------------------
# input dtypes and memory layout, order, refitting, output containers, model selection
# ----------------------------------------------------------------------------------------------


def _as_list(out):
    """The per-sample outputs of ``transform`` (rows of an array, or the list itself)."""
    return list(out) if isinstance(out, np.ndarray) else out


def _equal_outputs(a, b, **tol):
    a, b = _as_list(a), _as_list(b)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if tol:
            np.testing.assert_allclose(np.asarray(x), np.asarray(y), **tol)
        else:
            _equal(x, y)


def test_float32_int_and_read_only_inputs(core_case):
    """float32, integer and read-only samples give the output of their float64 copies."""
    factory, X = core_case
    variants = {"float32": [np.asarray(x, dtype=np.float32) for x in X]}
    if all(np.isfinite(np.asarray(x, dtype=float)).all() for x in X):
        variants["int64"] = [np.round(1000 * np.asarray(x)).astype(np.int64) for x in X]
    read_only = [np.array(x, dtype=np.float64) for x in X]
    for x in read_only:
        x.flags.writeable = False
    variants["read-only"] = read_only
    for Xv in variants.values():
        as64 = [np.asarray(x, dtype=np.float64) for x in Xv]
        try:
            expected = factory().fit(as64).transform(as64)
        except ValueError as exc:  # e.g. integer coordinates beyond an absolute threshold
            with pytest.raises(ValueError, match=re.escape(str(exc))):
                factory().fit(Xv)
            continue
        _equal_outputs(factory().fit(Xv).transform(Xv), expected)
    assert all(not x.flags.writeable for x in read_only)  # and nothing wrote to them


def test_sample_order_invariance(core_case):
    """Permuting the samples permutes the rows of the output (transform, and fit + transform)."""
    factory, X = core_case
    perm = np.random.default_rng(1).permutation(len(X))
    X_perm = [X[i] for i in perm]
    est = factory().fit(X)
    full = _as_list(est.transform(X))
    _equal_outputs(est.transform(X_perm), [full[i] for i in perm])
    refit = _as_list(factory().fit(X_perm).transform(X))
    _equal_outputs(refit, full, rtol=1e-10, atol=1e-12)


def test_fit_on_new_data_forgets_the_old(core_case):
    """fit(A) then fit(B) equals fit(B): nothing of A survives a refit."""
    factory, B = core_case
    make_X = _MAKERS[factory]
    A = make_X(np.random.default_rng(7))
    twice = factory().fit(A).fit(B)
    once = factory().fit(B)
    _equal_outputs(twice.transform(B), once.transform(B))
    assert set(vars(twice)) == set(vars(once))


def test_set_output_works_or_refuses(case):
    """``set_output(transform="pandas")``: a DataFrame with the feature names, or a clear error
    at once (never silently ignored)."""
    pd = pytest.importorskip("pandas")
    factory, X = case
    expected = factory().fit_transform(X)
    assert factory().set_output(transform="default").get_params() == factory().get_params()
    try:
        est = factory().set_output(transform="pandas")
    except ValueError as exc:
        assert "cannot hold" in str(exc)
        assert expected.ndim != 2 if isinstance(expected, np.ndarray) else True
        return
    out = est.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(est.get_feature_names_out())
    _equal(out.to_numpy(), expected)


def test_get_feature_names_out(case):
    """One name per output column (the last axis of each sample's output), all distinct."""
    factory, X = case
    est = factory().fit(X)
    names = est.get_feature_names_out()
    assert names.dtype == object and all(isinstance(n, str) for n in names)
    assert len(set(names)) == len(names)
    out = est.transform(X)
    width = out.shape[1] if isinstance(out, np.ndarray) and out.ndim == 2 else None
    if width is None:
        width = {np.asarray(o).shape[-1] for o in _as_list(out)}.pop()
    assert len(names) == width


def test_grid_search_smoke(core_case):
    """GridSearchCV clones, fits on folds of the collection and refits the best estimator."""
    factory, X = core_case
    est = factory()
    name, value = next(iter(est.get_params(deep=False).items()))

    def scorer(fitted, X_test, y=None):
        return float(len(_as_list(fitted.transform(X_test))))

    grid = GridSearchCV(est, {name: [value]}, scoring=scorer, cv=2).fit(X)
    _equal_outputs(grid.best_estimator_.transform(X), factory().fit(X).transform(X))


# ----------------------------------------------------------------------------------------------
# refusal messages: what a collection estimator says to input it cannot take
# ----------------------------------------------------------------------------------------------

_CLOUD = np.random.default_rng(0).normal(size=(12, 2))
_ONE_DIAGRAM = np.array([[0.0, 1.0, 0.0], [0.0, np.inf, 0.0], [0.2, 0.5, 1.0]])


@pytest.mark.parametrize(
    ("estimator", "X", "match"),
    [
        # one cloud given as a 2-D array, meant as a collection of one
        (RipsPersistence(), _CLOUD, r"array of shape \(12, 2\)\. .*wrap it in a list: \[X\]"),
        (SheafFeatures(), _CLOUD, r"wrap it in a list: \[X\]"),
        (SheafLaplacianSpectrum(), _CLOUD, r"wrap it in a list: \[X\]"),
        (SheafDenoiser(), _CLOUD, r"wrap it in a list: \[X\]"),
        # one diagram given to a vectoriser
        (BettiCurve(), _ONE_DIAGRAM, r"a single diagram; pass a collection .*X\[None\]"),
        (PersistenceImage(), _CLOUD, r"X must have shape \(n_samples, n_points, 3\)"),
        # one series given to TakensEmbedding
        (TakensEmbedding(), _CLOUD[:, 0], r"1-D array, which is one series.*reshape\(1, -1\)"),
        # a DataFrame as the collection
        (AlphaPersistence(), "frame", r"got a pandas DataFrame as the collection.*to_numpy"),
        # nothing at all
        (SheafPersistence(), [], r"non-empty collection of point clouds, got 0 samples"),
        (Amplitude(), np.empty((0, 4, 3)), r"0 samples"),
        (SheafFusion(), [], r"non-empty collection of reading arrays, got 0 samples"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseEstimator) else None,
)
def test_refusal_messages(estimator, X, match):
    if isinstance(X, str):
        pd = pytest.importorskip("pandas")
        X = pd.DataFrame(_CLOUD, columns=["x", "y"])
    with pytest.raises(ValueError, match=match):
        estimator.fit(X)


@pytest.mark.parametrize("estimator", [AlphaPersistence(), SheafLaplacianSpectrum()])
def test_dimension_change_after_fit_names_expected_and_received(estimator):
    estimator.fit([_CLOUD, _CLOUD + 1.0])
    with pytest.raises(ValueError, match=r"sample 0: .*has 3 features.*expected 2, got 3"):
        estimator.transform([np.c_[_CLOUD, _CLOUD[:, 0]]])


# ----------------------------------------------------------------------------------------------
# renamed parameters (docs/glossary.md): the old name works, with a FutureWarning, until 0.3
# ----------------------------------------------------------------------------------------------


def _denoiser_clouds():
    rng = np.random.default_rng(3)
    return [np.c_[rng.normal(size=(25, 2)), rng.normal(size=25)] for _ in range(2)]


def _outlier_points():
    return np.random.default_rng(4).normal(size=(40, 3))


RENAMES = [
    # (class, old name, new name, a non-default value, data, output of a fitted estimator)
    (
        SheafOutlierDetector,
        "scales",
        "neighbor_multipliers",
        (1.0, 1.5),
        _outlier_points,
        lambda est, X: est.negative_outlier_factor_,
    ),
    (
        SheafDenoiser,
        "n_neighbors",
        "graph_neighbors",
        4,
        _denoiser_clouds,
        lambda est, X: est.transform(X),
    ),
]


@pytest.mark.parametrize(
    ("cls", "old", "new", "value", "make", "output"), RENAMES, ids=[r[1] for r in RENAMES]
)
def test_renamed_parameter_old_name_warns_and_gives_the_same_result(
    cls, old, new, value, make, output
):
    X = make()
    with pytest.warns(FutureWarning, match=rf"'{old}' was renamed '{new}'.*removed in 0\.3"):
        via_old = cls(**{old: value}).fit(X)
    via_new = cls(**{new: value}).fit(X)
    _equal(output(via_old, X), output(via_new, X))
    with pytest.raises(ValueError, match=rf"both {new}=.* and its former name {old}="):
        cls(**{old: value, new: value}).fit(X)


@pytest.mark.parametrize("cls", [SheafOutlierDetector, SheafDenoiser])
def test_renamed_parameter_defaults_never_warn(cls):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = cls()
        params = est.get_params()
        twin = clone(est)
        assert twin.get_params() == params
        assert type(est)().set_params(**params).get_params() == params
        assert params[{"SheafOutlierDetector": "scales", "SheafDenoiser": "n_neighbors"}[
            cls.__name__
        ]] == "deprecated"
