"""RipsPersistence and AlphaPersistence against their oracles: gudhi and ripser called directly.

Diagrams are compared as multisets of (birth, death) pairs per degree, zero-length bars
dropped. On integer-grid clouds (ties and duplicate points everywhere) every distance is the
square root of an integer, so RipsPersistence (both backends: the library's engine and
ripser.py) must agree with gudhi *exactly*; ripser called directly works in float32 and is
compared to 1e-6 relative.
"""

from __future__ import annotations

import itertools

import gudhi
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from _peer_oracles import gudhi_rips, ripser_direct, sorted_bars
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist, squareform

from tdasheaf.complexes import maxmin_landmarks, rips_complex
from tdasheaf.estimators import AlphaPersistence, RipsPersistence
from tdasheaf.exceptions import ComplexTooLargeError

SETTINGS = settings(max_examples=40, deadline=None, database=None)

BACKENDS = ["tdasheaf", "ripser"]

# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def _ours(diagram: np.ndarray, q: int) -> np.ndarray:
    return sorted_bars(diagram[diagram[:, 2] == q][:, :2])


def _gudhi_alpha(X, degrees) -> dict:
    stree = gudhi.AlphaComplex(points=X).create_simplex_tree()
    stree.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    return {
        q: sorted_bars(np.sqrt(np.maximum(stree.persistence_intervals_in_dimension(q), 0)))
        for q in degrees
    }


@st.composite
def grid_clouds(draw, max_points=9, dims=(1, 2, 3)):
    """Small clouds on an integer grid (ties), with some points repeated (duplicates)."""
    n = draw(st.integers(2, max_points))
    d = draw(st.sampled_from(dims))
    X = draw(hnp.arrays(np.int64, (n, d), elements=st.integers(-2, 2)))
    n_dup = draw(st.integers(0, 2))
    return np.vstack([X, X[:n_dup]]).astype(np.float64)


THRESHOLDS = st.sampled_from([np.inf, 1.0, np.sqrt(2.0), 2.5])


# ----------------------------------------------------------------------------------------------
# known answers
# ----------------------------------------------------------------------------------------------

SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def test_square_rips_and_alpha():
    rips = RipsPersistence().fit_transform([SQUARE])[0]
    np.testing.assert_array_equal(_ours(rips, 0), [[0, 1], [0, 1], [0, 1], [0, np.inf]])
    np.testing.assert_allclose(_ours(rips, 1), [[1, np.sqrt(2)]])
    alpha = AlphaPersistence().fit_transform([SQUARE])[0]
    np.testing.assert_allclose(_ours(alpha, 0), [[0, 0.5]] * 3 + [[0, np.inf]])
    np.testing.assert_allclose(_ours(alpha, 1), [[0.5, np.sqrt(2) / 2]])


def test_output_format_and_padding():
    """Rows grouped by degree, padded per degree with (0, 0, q); list == 3-D array input."""
    rng = np.random.default_rng(0)
    clouds = rng.normal(size=(3, 12, 2))
    out = RipsPersistence(homology_dimensions=(1, 0)).fit_transform(clouds)
    assert out.dtype == np.float64 and out.ndim == 3 and out.shape[0] == 3
    for d in out:
        assert np.all(np.diff(d[:, 2]) >= 0)  # degree 0 rows, then degree 1 rows
        assert np.sum(np.isinf(d[:, 1]) & (d[:, 2] == 0)) == 1  # H0's infinite bar
    np.testing.assert_array_equal(out, RipsPersistence().fit_transform(list(clouds)))


def test_empty_diagram_degrees_are_padding_only():
    collinear = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    out = RipsPersistence(homology_dimensions=(0, 1, 5)).fit_transform([SQUARE, collinear])
    assert _ours(out[1], 1).size == 0  # three collinear points: no loop
    assert (out[:, out[0, :, 2] == 5, :2] == 0).all()  # degree 5 on 4 points: padding only
    assert np.sum(out[0, :, 2] == 5) == 1
    alpha = AlphaPersistence(homology_dimensions=(0, 2, 3)).fit_transform([SQUARE])[0]
    for q in (2, 3):  # a planar cloud has no H2, H3
        np.testing.assert_array_equal(alpha[alpha[:, 2] == q], [[0.0, 0.0, q]])


def test_threshold_gives_several_essential_bars():
    X = np.array([[0.0], [1.0], [5.0], [6.0], [20.0]])
    out = RipsPersistence(homology_dimensions=(0,), max_edge_length=2.0).fit_transform([X])[0]
    expected = [[0, 1], [0, 1], [0, np.inf], [0, np.inf], [0, np.inf]]
    np.testing.assert_array_equal(_ours(out, 0), expected)


def _rp2_flag_distance_matrix() -> np.ndarray:
    """Barycentric subdivision of the 6-vertex RP²: a flag complex; distance 1 on edges, 2 off."""
    triangles = [
        (1, 2, 3), (1, 3, 4), (1, 4, 5), (1, 5, 6), (1, 2, 6),
        (2, 3, 5), (3, 4, 6), (2, 4, 5), (3, 5, 6), (2, 4, 6),
    ]  # fmt: skip
    faces = set()
    for t in triangles:
        for k in (1, 2, 3):
            faces.update(itertools.combinations(t, k))
    faces = sorted(faces)
    assert len(faces) == 31  # 6 vertices + 15 edges + 10 triangles
    D = np.full((31, 31), 2.0)
    for a, s in enumerate(faces):
        for b, t in enumerate(faces):
            if a == b:
                D[a, b] = 0.0
            elif set(s) < set(t) or set(t) < set(s):
                D[a, b] = 1.0
    return D


@pytest.mark.parametrize("backend", BACKENDS)
def test_coefficient_field_changes_rp2(backend):
    """RP² has H1 = H2 = Z/2 over GF(2) and nothing over GF(3): coeff must reach the engine.

    The default field (None: GF(65521), GF(127) with ripser) has no 2-torsion: the named
    change of issue 16 (the default was GF(2) before).
    """
    D = _rp2_flag_distance_matrix()
    for coeff, expected in ((2, [[1.0, 2.0]]), (3, np.empty((0, 2))), (None, np.empty((0, 2)))):
        est = RipsPersistence(
            homology_dimensions=(1, 2), metric="precomputed", field=coeff, backend=backend
        )
        out = est.fit_transform([D])[0]
        np.testing.assert_array_equal(_ours(out, 1), expected)
        np.testing.assert_array_equal(_ours(out, 2), expected)
        oracle = gudhi_rips(D, (1, 2), coeff=coeff or 3, precomputed=True)
        np.testing.assert_array_equal(oracle[1], expected)


def test_default_field_and_backend():
    est = RipsPersistence()
    assert est.field is None and est.backend == "tdasheaf"
    X = np.random.default_rng(12).normal(size=(20, 3))
    default = est.fit_transform([X])
    np.testing.assert_array_equal(default, RipsPersistence(field=65521).fit_transform([X]))
    # no torsion on a generic cloud: every field and both backends agree
    for backend in BACKENDS:
        for coeff in (2, 3):
            other = RipsPersistence(field=coeff, backend=backend).fit_transform([X])
            np.testing.assert_array_equal(default, other)


# ----------------------------------------------------------------------------------------------
# oracles: gudhi and ripser
# ----------------------------------------------------------------------------------------------


@SETTINGS
@given(X=grid_clouds(), thresh=THRESHOLDS, coeff=st.sampled_from([2, 3]))
def test_rips_equals_gudhi_and_ripser_on_grids(X, thresh, coeff):
    degrees = (0, 1, 2)
    g = gudhi_rips(X, degrees, thresh=thresh, coeff=coeff)
    r = ripser_direct(X, degrees, thresh=thresh, coeff=coeff)
    for backend in BACKENDS:
        est = RipsPersistence(
            homology_dimensions=degrees, max_edge_length=thresh, field=coeff, backend=backend
        )
        out = est.fit_transform([X])[0]
        for q in degrees:
            msg = f"H{q}, backend={backend}"
            np.testing.assert_array_equal(_ours(out, q), g[q], err_msg=f"{msg} vs gudhi")
            np.testing.assert_allclose(_ours(out, q), r[q], rtol=1e-6, err_msg=f"{msg} vs ripser")


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("coeff", [2, 3])
@pytest.mark.parametrize("backend", BACKENDS)
def test_rips_equals_gudhi_and_ripser_generic(seed, coeff, backend):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(25, 3))
    degrees = (0, 1, 2)
    est = RipsPersistence(homology_dimensions=degrees, field=coeff, backend=backend)
    out = est.fit_transform([X])[0]
    g = gudhi_rips(X, degrees, coeff=coeff)
    r = ripser_direct(X, degrees, coeff=coeff)
    for q in degrees:
        np.testing.assert_allclose(_ours(out, q), g[q], rtol=1e-12)
        np.testing.assert_allclose(_ours(out, q), r[q], rtol=1e-6)


def test_degree_three_through_the_explicit_complex():
    """Degrees above 2 on our backend: the explicit complex; the 16-cell's S^3 on [√2, 2)."""
    X = np.vstack([np.eye(4), -np.eye(4)])
    outs = [
        RipsPersistence(homology_dimensions=(0, 3), backend=b).fit_transform([X])[0]
        for b in BACKENDS
    ]
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_allclose(_ours(outs[0], 3), [[np.sqrt(2.0), 2.0]])
    np.testing.assert_array_equal(_ours(outs[0], 3), gudhi_rips(X, (3,))[3])


@SETTINGS
@given(
    X=grid_clouds(),
    thresh=THRESHOLDS,
    n_landmarks=st.sampled_from([None, 3, 5]),
    backend=st.sampled_from(BACKENDS),
)
def test_precomputed_equals_euclidean(X, thresh, n_landmarks, backend):
    kw = dict(
        homology_dimensions=(0, 1), max_edge_length=thresh, n_landmarks=n_landmarks,
        backend=backend,
    )  # fmt: skip
    a = RipsPersistence(**kw).fit_transform([X])
    b = RipsPersistence(metric="precomputed", **kw).fit_transform([squareform(pdist(X))])
    np.testing.assert_array_equal(a, b)


def test_refit_from_points_to_precomputed():
    X = np.random.default_rng(11).normal(size=(6, 2))
    est = RipsPersistence().fit([X])
    assert est.n_features_in_ == 2
    D = squareform(pdist(X))
    out = est.set_params(metric="precomputed").fit_transform([D])
    assert not hasattr(est, "n_features_in_")
    np.testing.assert_array_equal(out, RipsPersistence().fit_transform([X]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_other_metrics_match_gudhi_on_distance_matrix(backend):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(15, 2))
    for metric, name in [("cityblock",) * 2, ("manhattan", "cityblock"), ("l2", "euclidean")]:
        out = RipsPersistence(metric=metric, backend=backend).fit_transform([X])[0]
        g = gudhi_rips(squareform(pdist(X, name)), (0, 1), precomputed=True)
        for q in (0, 1):
            np.testing.assert_allclose(_ours(out, q), g[q], rtol=1e-12)


def test_callable_metric():
    rng = np.random.default_rng(13)
    X = rng.normal(size=(12, 2))

    def l1(a, b):
        return float(np.abs(a - b).sum())

    for backend in BACKENDS:
        a = RipsPersistence(metric=l1, backend=backend).fit_transform([X])
        b = RipsPersistence(metric="cityblock", backend=backend).fit_transform([X])
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_sparse_path_equals_dense_path():
    """ripser's sparse path, chosen by a budget too small for the dense matrix: same bars.

    (Before issue 16 this test monkeypatched a module global; the memory rule is now a
    parameter of the kernel, and the path is chosen through ``memory_budget``.)
    """
    rng = np.random.default_rng(4)
    clouds = [rng.normal(size=(40, 2)) for _ in range(2)]
    kw = dict(homology_dimensions=(0, 1), max_edge_length=0.8, backend="ripser")
    dense = RipsPersistence(**kw).fit_transform(clouds)
    sparse = RipsPersistence(**kw, memory_budget=60_000).fit_transform(clouds)
    np.testing.assert_array_equal(dense, sparse)
    with pytest.raises(ComplexTooLargeError, match="distance matrix"):  # the dense one
        RipsPersistence(**{**kw, "max_edge_length": np.inf}, memory_budget=60_000).fit(
            clouds
        ).transform(clouds)
    ours = RipsPersistence(**{**kw, "backend": "tdasheaf"}).fit_transform(clouds)
    np.testing.assert_array_equal(dense, ours)
    g = gudhi_rips(clouds[0], (0, 1), thresh=0.8)
    for q in (0, 1):
        np.testing.assert_allclose(_ours(sparse[0], q), g[q], rtol=1e-12)
    # a budget too small for the edges: both backends count the edges as they find them
    for backend in BACKENDS:
        with pytest.raises(ComplexTooLargeError, match="edges of length <= max_edge_length"):
            RipsPersistence(max_edge_length=0.8, memory_budget=10, backend=backend).fit_transform(
                clouds
            )


@pytest.mark.parametrize("backend", BACKENDS)
def test_memory_budget_error_names_the_knobs(backend):
    X = np.random.default_rng(5).normal(size=(30, 2))
    est = RipsPersistence(memory_budget=5000, backend=backend)
    with pytest.raises(ComplexTooLargeError) as info:
        est.fit_transform([X])
    for knob in ("n_landmarks", "max_edge_length", "memory_budget"):
        assert knob in str(info.value)
    # landmarks bring it under the budget
    RipsPersistence(n_landmarks=5, memory_budget=5000, backend=backend).fit_transform([X])


@SETTINGS
@given(X=grid_clouds(dims=(1, 2, 3)))
def test_alpha_equals_gudhi_sqrt_on_grids(X):
    degrees = (0, 1, 2)
    out = AlphaPersistence(homology_dimensions=degrees).fit_transform([X])[0]
    g = _gudhi_alpha(X, degrees)
    for q in degrees:
        np.testing.assert_array_equal(_ours(out, q), g[q], err_msg=f"H{q}")


@pytest.mark.parametrize("seed", [0, 1])
def test_alpha_equals_gudhi_sqrt_generic(seed):
    X = np.random.default_rng(seed).normal(size=(40, 3))
    out = AlphaPersistence(homology_dimensions=(0, 1, 2)).fit_transform([X])[0]
    g = _gudhi_alpha(X, (0, 1, 2))
    for q in (0, 1, 2):
        np.testing.assert_array_equal(_ours(out, q), g[q])


def test_alpha_all_duplicates_keeps_h0():
    out = AlphaPersistence().fit_transform([np.ones((4, 2))])[0]
    np.testing.assert_array_equal(_ours(out, 0), [[0.0, np.inf]])


# ----------------------------------------------------------------------------------------------
# landmarks
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("duplicates", [False, True])
def test_landmarks_deterministic_and_a_subset(duplicates):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(60, 2))
    if duplicates:
        X = np.vstack([X[:10], X[:10], X[:10]])  # 30 points, 10 distinct; asks for 12
    m = 12
    est = RipsPersistence(n_landmarks=m)
    a, b = est.fit_transform([X]), est.fit_transform([X])
    np.testing.assert_array_equal(a, b)
    idx = np.unique(maxmin_landmarks(X, m))
    assert set(idx) <= set(range(len(X)))
    # the same landmarks as the explicit complexes
    assert set(idx) == set(rips_complex(X, max_dimension=1, n_landmarks=m).vertex_labels)
    whole = RipsPersistence().fit_transform([X[idx]])
    np.testing.assert_array_equal(a, whole)
    n_h0 = len(_ours(a[0], 0))
    assert n_h0 == (10 if duplicates else m)


def test_landmarks_at_least_n_points_is_the_whole_cloud():
    X = np.random.default_rng(7).normal(size=(10, 2))
    a = RipsPersistence(n_landmarks=10).fit_transform([X])
    np.testing.assert_array_equal(a, RipsPersistence(n_landmarks=50).fit_transform([X]))
    np.testing.assert_array_equal(a, RipsPersistence().fit_transform([X]))


def test_one_landmark():
    X = np.random.default_rng(8).normal(size=(10, 2))
    out = RipsPersistence(n_landmarks=1).fit_transform([X])[0]
    np.testing.assert_array_equal(out, [[0.0, np.inf, 0.0], [0.0, 0.0, 1.0]])


# ----------------------------------------------------------------------------------------------
# n_jobs
# ----------------------------------------------------------------------------------------------


def test_n_jobs_2_equals_n_jobs_1():
    rng = np.random.default_rng(9)
    clouds = [rng.normal(size=(int(rng.integers(5, 20)), 2)) for _ in range(9)]
    for cls in (RipsPersistence, AlphaPersistence):
        one = cls(n_jobs=1).fit_transform(clouds)
        if cls is RipsPersistence:
            np.testing.assert_array_equal(
                one, cls(n_jobs=2, backend="ripser").fit_transform(clouds)
            )
        two = cls(n_jobs=2).fit_transform(clouds)
        np.testing.assert_array_equal(one, two)


# ----------------------------------------------------------------------------------------------
# bad input: the message names the sample or the parameter
# ----------------------------------------------------------------------------------------------

GOOD = np.random.default_rng(10).normal(size=(5, 2))
ESTIMATOR_CLASSES = [RipsPersistence, AlphaPersistence]


@pytest.mark.parametrize("cls", ESTIMATOR_CLASSES)
@pytest.mark.parametrize(
    "bad, match",
    [
        (np.array([[0.0, np.nan], [1.0, 1.0], [2.0, 0.0]]), "sample 2: .*NaN or infinite"),
        (np.array([[0.0, np.inf], [1.0, 1.0], [2.0, 0.0]]), "sample 2: .*NaN or infinite"),
        (np.empty((0, 2)), "sample 2: .*empty"),
        (np.array([[1.0, 2.0]]), "sample 2: .*1 point"),
        (np.ones((4, 3)), "sample 2: .*3 features.*first cloud has 2"),
        (np.array([["a", "b"], ["c", "d"]]), "sample 2: .*numeric"),
    ],
)
def test_bad_sample_names_its_index(cls, bad, match):
    if "features" in match and getattr(cls, "_any_dimension", False):
        pytest.skip("clouds of different dimensions are accepted (test_mixed_dimensions)")
    with pytest.raises(ValueError, match=match):
        cls().fit([GOOD, GOOD, bad])
    est = cls().fit([GOOD])
    with pytest.raises(ValueError, match=match):
        est.transform([GOOD, GOOD, bad])


def test_dimension_differs_from_fit():
    est = AlphaPersistence().fit([GOOD])
    with pytest.raises(ValueError, match="sample 0: .*3 features.*fitted on clouds with 2"):
        est.transform([np.ones((4, 3))])


def test_mixed_dimensions_rips():
    # a folder mixing 2-D and 3-D clouds (issue 15): Rips is computed per cloud
    rng = np.random.default_rng(0)
    clouds = [rng.normal(size=(20, 2)), rng.normal(size=(20, 3)), rng.normal(size=(15, 2))]
    est = RipsPersistence().fit(clouds)
    assert not hasattr(est, "n_features_in_")
    mixed = est.transform(clouds)
    for k, X in enumerate(clouds):
        np.testing.assert_array_equal(
            _ours(mixed[k], 1), _ours(RipsPersistence().fit_transform([X])[0], 1)
        )
    assert RipsPersistence().fit(clouds[:1]).n_features_in_ == 2
    RipsPersistence().fit(clouds[:1]).transform(clouds)  # any dimension after fit


@pytest.mark.parametrize("cls", ESTIMATOR_CLASSES)
@pytest.mark.parametrize(
    "X, match",
    [
        ([], "non-empty collection"),
        (np.empty((0, 4, 2)), "non-empty collection"),
        (GOOD, "3-D array"),
        ("points", "collection"),
    ],
)
def test_not_a_collection(cls, X, match):
    with pytest.raises(ValueError, match=match):
        cls().fit(X)


@pytest.mark.parametrize(
    "D, match",
    [
        (np.ones((3, 4)), "sample 0: .*square"),
        (np.array([[0.0, 1.0], [2.0, 0.0]]), "sample 0: .*symmetric"),
        (np.array([[0.0, -1.0], [-1.0, 0.0]]), "sample 0: .*negative"),
    ],
)
def test_bad_distance_matrix(D, match):
    with pytest.raises(ValueError, match=match):
        RipsPersistence(metric="precomputed").fit([D])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"field": 4}, "field=4 is not a prime"),
        ({"field": 1}, "'field' parameter"),
        ({"field": 131, "backend": "ripser"}, "field=131 is too large: ripser.py stores"),
        ({"field": 2**31 - 1}, "field=2147483647 is too large"),
        ({"field": 2.0}, "'field' parameter"),
        ({"backend": "gudhi"}, "'backend' parameter"),
        ({"homology_dimensions": (0, -1)}, "homology_dimensions must contain non-negative"),
        ({"homology_dimensions": (0, 0.5)}, "homology_dimensions must contain non-negative"),
        ({"homology_dimensions": (1, 1)}, "homology_dimensions contains duplicates"),
        ({"homology_dimensions": "01"}, "'homology_dimensions' parameter"),
        ({"max_edge_length": -1.0}, "'max_edge_length' parameter"),
        ({"max_edge_length": np.nan}, "'max_edge_length' parameter"),
        ({"metric": "nope"}, "'metric' parameter"),
        ({"n_landmarks": 0}, "'n_landmarks' parameter"),
        ({"n_jobs": "2"}, "'n_jobs' parameter"),
    ],
)
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        RipsPersistence(**params).fit([GOOD])


def test_single_int_degree_and_alpha_bad_degree():
    out = RipsPersistence(homology_dimensions=1).fit_transform([SQUARE])
    assert set(out[0, :, 2]) == {1.0}
    with pytest.raises(ValueError, match="homology_dimensions must contain non-negative"):
        AlphaPersistence(homology_dimensions=[-1]).fit([GOOD])


# ----------------------------------------------------------------------------------------------
# one field resolver across the estimators (issue 16)
# ----------------------------------------------------------------------------------------------


def test_gf2_refused_only_where_signs_matter():
    from tdasheaf.estimators import SheafFeatures, SheafPersistence

    X = np.random.default_rng(14).normal(size=(30, 3))
    reason = "GF\\(2\\) cannot hold the orientation signs"
    with pytest.raises(ValueError, match=reason):
        SheafPersistence(sheaf="orientation", field=2).fit([X])
    with pytest.raises(ValueError, match=reason):
        SheafFeatures(field=2).fit([X])
    SheafPersistence(sheaf="constant", field=2).fit([X])
    SheafFeatures(sheaves=("constant",), field=2).fit([X])
    for est in (SheafPersistence(field=9), SheafFeatures(field=9), RipsPersistence(field=9)):
        with pytest.raises(ValueError, match="9 is not a"):
            est.fit([X])
