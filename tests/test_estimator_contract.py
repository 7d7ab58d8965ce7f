"""The scikit-learn contract for every estimator that consumes collections.

scikit-learn's ``check_estimator`` feeds 2-D arrays, so it cannot test transformers over
collections of point clouds or of diagrams. This file is the one place listing our own
contract suite; every public estimator of :mod:`tdasheaf.estimators` gets an entry in
``ESTIMATORS`` and so runs every check below.

An entry is ``(id, factory, make_X)``: ``factory()`` returns an unfitted estimator with
non-default parameters where that makes the check stronger, ``make_X(rng)`` a small valid
input collection (a list, so a check can also slice it).
"""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
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
        lambda: RipsPersistence(homology_dimensions=[0, 1, 2], max_edge_length=2.5, coeff=3),
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
        lambda: SheafDenoiser(sheaf="signal", radius=1.0, normalize=False),
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


@pytest.fixture(params=ESTIMATORS, ids=IDS)
def case(request):
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
