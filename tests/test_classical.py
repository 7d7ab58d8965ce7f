"""Classical persistence kernels (tdasheaf.cohomology._classical) and the one field resolver.

Oracles: gudhi's RipsComplex / AlphaComplex and ripser.py called directly, and hand-computed
cases. On clouds with ties (integer grids, duplicate points) every distance is exact in float64,
so our backend must equal gudhi bit for bit.
"""

from __future__ import annotations

import itertools

import gudhi
import numpy as np
import pytest
import ripser
from _peer_oracles import gudhi_rips, sorted_bars
from scipy.spatial.distance import pdist, squareform

from tdasheaf.cohomology import alpha_persistence, rips_persistence
from tdasheaf.cohomology._classical import (
    RIPSER_MAX_PRIME,
    _ripser_bars,
    _snap_to_values,
    alpha_nbytes,
    resolve_rips_field,
)
from tdasheaf.cohomology._persistence import DEFAULT_PRIME as ENGINE_PRIME
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.utils import DEFAULT_PRIME, check_field, is_prime


def _grid_cloud(seed, n=12, d=2):
    """Integer-grid points with repeats: many tied distances, exact in float64."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-2, 3, size=(n, d)).astype(np.float64)
    return np.vstack([X, X[:2]])


def _cross_polytope(d=4):
    """±e_i in ℝ^d: at √2 its flag complex is the boundary of the cross-polytope, S^{d-1}."""
    E = np.eye(d)
    return np.vstack([E, -E])


# ----------------------------------------------------------------------------------------------
# the field resolver
# ----------------------------------------------------------------------------------------------


def test_one_default_prime():
    assert DEFAULT_PRIME == ENGINE_PRIME == 65521
    assert check_field(None) == 65521
    assert resolve_rips_field(None) == 65521
    assert resolve_rips_field(None, "ripser") == RIPSER_MAX_PRIME == 127
    assert check_field(None, default=None) is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(field=4), "field=4 is not a prime"),
        (dict(field=1), "field=1 is not a prime"),
        (dict(field=2**31 - 1), "too large"),
        (dict(field="R"), "a prime number, got 'R'"),
        (dict(field="Q", allow_real=True), "a prime number or 'R'"),
        (dict(field=3.0), "a prime number"),
        (dict(field=True), "a prime number"),
        (dict(field=2, odd_reason="signs"), "field=2 is refused: signs; use an odd prime"),
        (dict(field=9, odd_reason="signs"), "field=9 is not an odd prime"),
        (dict(field=131, max_prime=127, max_prime_reason="8 bits"), "too large: 8 bits"),
        (dict(field=4, name="coeff"), "coeff=4 is not a prime"),
    ],
)
def test_check_field_refusals(kwargs, match):
    field = kwargs.pop("field")
    with pytest.raises(ValueError, match=match):
        check_field(field, **kwargs)


def test_check_field_accepts():
    assert check_field(2) == 2 and check_field(np.int64(3)) == 3
    assert check_field("R", allow_real=True) == "R" and check_field("real", allow_real=True) == "R"
    assert check_field(3, odd_reason="signs") == 3
    assert [p for p in range(30) if is_prime(p)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    with pytest.raises(ValueError, match="ripser.py stores coefficients in 8 signed bits"):
        resolve_rips_field(131, "ripser")
    assert resolve_rips_field(131) == 131
    with pytest.raises(ValueError, match="backend must be one of"):
        resolve_rips_field(3, "gudhi")


# ----------------------------------------------------------------------------------------------
# rips_persistence: known answers
# ----------------------------------------------------------------------------------------------

SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


@pytest.mark.parametrize("backend", ["tdasheaf", "ripser"])
def test_square(backend):
    bars = rips_persistence(SQUARE, (0, 1), backend=backend)
    np.testing.assert_array_equal(bars[0], [[0, 1], [0, 1], [0, 1], [0, np.inf]])
    np.testing.assert_array_equal(bars[1], [[1.0, np.sqrt(2.0)]])
    # a threshold below the diagonal: the loop never dies, two components at 0.5
    cut = rips_persistence(SQUARE, (0, 1), max_edge_length=1.2, backend=backend)
    np.testing.assert_array_equal(cut[1], [[1.0, np.inf]])
    assert len(rips_persistence(SQUARE, (0,), max_edge_length=0.5, backend=backend)[0]) == 4


def test_cross_polytope_h3_through_the_explicit_complex():
    """Degree 3 (> 2): the explicit complex; the 16-cell's boundary S^3 lives on [√2, 2)."""
    X = _cross_polytope(4)
    bars = rips_persistence(X, (1, 2, 3))
    np.testing.assert_allclose(bars[3], [[np.sqrt(2.0), 2.0]])
    assert len(bars[1]) == len(bars[2]) == 0
    g = gudhi_rips(X, (3,), coeff=3)
    np.testing.assert_array_equal(bars[3], g[3])
    np.testing.assert_array_equal(rips_persistence(X, (3,), backend="ripser")[3], bars[3])


def test_degree_two_sphere_and_budget():
    X = _cross_polytope(3)  # the octahedron: S^2 on [√2, 2)
    np.testing.assert_allclose(rips_persistence(X, (2,))[2], [[np.sqrt(2.0), 2.0]])
    with pytest.raises(ComplexTooLargeError, match="n_landmarks"):
        rips_persistence(X, (0, 1), memory_budget=100)  # 15 pairs x 400 bytes


def test_degrees_beyond_the_cloud_are_left_out():
    assert set(rips_persistence(SQUARE, (0, 1, 5))) == {0, 1}
    one = rips_persistence(SQUARE[:1], (0, 1))
    assert set(one) == {0}
    np.testing.assert_array_equal(one[0], [[0.0, np.inf]])


def test_field_reaches_the_engine_rp2():
    """The 6-vertex ℝP² (as a flag complex at distance 1): H1 = H2 = Z/2 over GF(2) only."""
    triangles = [
        (1, 2, 3), (1, 3, 4), (1, 4, 5), (1, 5, 6), (1, 2, 6),
        (2, 3, 5), (3, 4, 6), (2, 4, 5), (3, 5, 6), (2, 4, 6),
    ]  # fmt: skip
    faces = sorted({f for t in triangles for k in (1, 2, 3) for f in itertools.combinations(t, k)})
    D = np.full((31, 31), 2.0)
    for a, s in enumerate(faces):
        for b, t in enumerate(faces):
            if a == b:
                D[a, b] = 0.0
            elif set(s) < set(t) or set(t) < set(s):
                D[a, b] = 1.0
    for backend in ("tdasheaf", "ripser"):
        gf2 = rips_persistence(D, (1, 2), 2, metric="precomputed", backend=backend)
        np.testing.assert_array_equal(gf2[1], [[1.0, 2.0]])
        np.testing.assert_array_equal(gf2[2], [[1.0, 2.0]])
        default = rips_persistence(D, (1, 2), metric="precomputed", backend=backend)
        assert len(default[1]) == len(default[2]) == 0  # GF(65521) / GF(127): no torsion


# ----------------------------------------------------------------------------------------------
# rips_persistence: the two backends against gudhi, on clouds with ties
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("thresh", [np.inf, 1.0, np.sqrt(2.0), 2.5])
def test_backends_equal_gudhi_on_grids(seed, thresh):
    X = _grid_cloud(seed, d=2 + seed % 2)
    degrees = (0, 1, 2)
    g = gudhi_rips(X, degrees, thresh=thresh, coeff=3)
    ours = rips_persistence(X, degrees, 3, max_edge_length=thresh)
    rip = rips_persistence(X, degrees, 3, max_edge_length=thresh, backend="ripser")
    for q in degrees:
        np.testing.assert_array_equal(ours[q], g[q], err_msg=f"H{q} tdasheaf vs gudhi")
        np.testing.assert_array_equal(rip[q], g[q], err_msg=f"H{q} ripser vs gudhi")


@pytest.mark.parametrize("seed", [0, 1])
def test_backends_equal_ripser_direct_generic(seed):
    X = np.random.default_rng(seed).normal(size=(30, 3))
    ours = rips_persistence(X, (0, 1, 2))
    direct = ripser.ripser(X, maxdim=2, coeff=127)["dgms"]
    g = gudhi_rips(X, (0, 1, 2), coeff=3)
    for q in (0, 1, 2):
        np.testing.assert_allclose(ours[q], sorted_bars(direct[q]), rtol=1e-6)
        np.testing.assert_allclose(ours[q], g[q], rtol=1e-12)


@pytest.mark.parametrize("metric", ["cityblock", "chebyshev", "precomputed"])
def test_metrics(metric):
    X = _grid_cloud(7, n=10, d=3)
    D = squareform(pdist(X, "euclidean" if metric == "precomputed" else metric))
    g = gudhi_rips(D, (0, 1), coeff=3, precomputed=True)
    Y = D if metric == "precomputed" else X
    for backend in ("tdasheaf", "ripser"):
        bars = rips_persistence(Y, (0, 1), 3, metric=metric, backend=backend)
        for q in (0, 1):
            np.testing.assert_array_equal(bars[q], g[q])


def test_landmarks_are_a_subcloud():
    X = np.random.default_rng(3).normal(size=(40, 2))
    from tdasheaf.complexes import maxmin_landmarks

    idx = maxmin_landmarks(X, 9)
    for backend in ("tdasheaf", "ripser"):
        a = rips_persistence(X, (0, 1), n_landmarks=9, backend=backend)
        b = rips_persistence(X[idx], (0, 1), backend=backend)
        for q in (0, 1):
            np.testing.assert_array_equal(a[q], b[q])


def test_infinite_threshold_is_refused_within_the_budget():
    # an infinite threshold is cut at the enclosing radius (found blockwise, O(n) memory); the
    # edges below it still exceed this budget, refused while they are found
    X = np.random.default_rng(4).normal(size=(300, 2))
    with pytest.raises(ComplexTooLargeError, match="Rips graph"):
        rips_persistence(X, memory_budget=2**20)
    with pytest.raises(ComplexTooLargeError, match="edges of length <= max_edge_length"):
        rips_persistence(X, max_edge_length=1.0, memory_budget=2**12)


def test_ripser_sparse_path_by_budget():
    """A budget too small for the dense matrix sends ripser to the sparse path: same bars."""
    X = np.random.default_rng(5).normal(size=(40, 2))
    dense = _ripser_bars(X, (0, 1), 0.8, 3, "euclidean", 2**30)
    sparse = _ripser_bars(X, (0, 1), 0.8, 3, "euclidean", 2**30, sparse_min_points=0)
    by_budget = rips_persistence(X, (0, 1), 3, max_edge_length=0.8, backend="ripser",
                                 memory_budget=60_000)  # fmt: skip
    with pytest.raises(ComplexTooLargeError, match="backend='ripser'"):
        rips_persistence(X, (0, 1), 3, backend="ripser", memory_budget=60_000)  # inf: dense
    for q in (0, 1):
        np.testing.assert_array_equal(dense[q], sparse[q])
        np.testing.assert_array_equal(dense[q], by_budget[q])


# ----------------------------------------------------------------------------------------------
# ripser's float32 values, snapped
# ----------------------------------------------------------------------------------------------


def test_snap_to_values_hand_computed():
    values = np.array([0.0, 0.1, 1.0, 1.0 + 1e-9, 2.0])  # 1 and 1 + 1e-9: one float32
    bars = np.array([[0.0, np.float32(0.1)], [np.float32(1.0), np.inf], [0.0, 1.0 + 4e-10]])
    out = _snap_to_values(bars, values)
    assert out[0, 1] == 0.1  # float32(0.1) -> the float64 0.1 it rounds from
    assert out[1, 0] == 1.0 and out[1, 1] == np.inf
    assert out[2, 1] == 1.0  # two candidates: the nearest
    np.testing.assert_array_equal(_snap_to_values(bars, np.empty(0)), bars)
    # a value no length rounds to is kept
    assert _snap_to_values(np.array([[0.0, 0.5]]), values)[0, 1] == 0.5


# ----------------------------------------------------------------------------------------------
# alpha
# ----------------------------------------------------------------------------------------------


def test_alpha_nbytes_hand_computed():
    assert alpha_nbytes(100, 2) == 200.0 * 2 * 6 * 100
    assert alpha_nbytes(3, 3) == 200.0 * 8
    assert alpha_nbytes(10, 2, bytes_per_simplex=1.0) == 120.0


def test_alpha_square_and_gudhi():
    bars = alpha_persistence(SQUARE)
    np.testing.assert_allclose(bars[0], [[0, 0.5]] * 3 + [[0, np.inf]])
    np.testing.assert_allclose(bars[1], [[0.5, np.sqrt(2) / 2]])
    X = np.random.default_rng(6).normal(size=(30, 3))
    st = gudhi.AlphaComplex(points=X).create_simplex_tree()
    st.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    ours = alpha_persistence(X, (0, 1, 2), 2)
    for q in (0, 1, 2):
        expected = sorted_bars(np.sqrt(np.maximum(st.persistence_intervals_in_dimension(q), 0)))
        np.testing.assert_array_equal(ours[q], expected)
        np.testing.assert_array_equal(alpha_persistence(X, (q,))[q], expected)  # no torsion
    with pytest.raises(ValueError, match="gudhi's fields"):
        alpha_persistence(X, field=65521)
    with pytest.raises(ComplexTooLargeError, match="alpha complex"):
        alpha_persistence(X, memory_budget=1000)


# ----------------------------------------------------------------------------------------------
# scales read by the feature estimators (moved out of the estimator layer)
# ----------------------------------------------------------------------------------------------


def test_complex_edge_scales_against_scipy_mst():
    from scipy.sparse.csgraph import minimum_spanning_tree

    from tdasheaf.cohomology._scales import complex_edge_scales
    from tdasheaf.complexes import rips_complex

    X = np.random.default_rng(8).normal(size=(40, 2))
    D = squareform(pdist(X))
    expected = float(minimum_spanning_tree(D).data.max())
    K = rips_complex(X, max_dimension=1)
    scale, values = complex_edge_scales(K)
    assert scale == expected
    np.testing.assert_array_equal(values, np.sort(pdist(X)))
    # below the connectivity scale: not connected; values cut at the cap
    scale, values = complex_edge_scales(K, expected * 0.99)
    assert scale == np.inf and values.max() <= expected * 0.99
    # landmarks: vertex labels are indices into X, not 0..n-1
    L = rips_complex(X, max_dimension=1, n_landmarks=10)
    idx = L.vertex_labels
    assert complex_edge_scales(L)[0] == float(minimum_spanning_tree(D[np.ix_(idx, idx)]).data.max())
    one = rips_complex(X[:1], max_dimension=1)
    assert complex_edge_scales(one)[0] == 0.0


SQUARE_EDGES = [(0, 1), (1, 2), (2, 3), (0, 3), (0, 2), (1, 3)]
SQUARE_VALUES = [1.0, 1.0, 1.0, 1.0, 1.5, 1.5]


@pytest.mark.parametrize(
    "signs, expected",
    [
        ([1, 1, 1, 1, 1, 1], [1.0, 0.5]),  # constant: one section from t_c = 1 to the end, 1.5
        ([1, 1, -1, -1, 1, -1], [1.0, 0.5]),  # a coboundary of signs: still orientable
        ([1, 1, 1, -1, 1, 1], [0.0, 0.0]),  # an odd cycle of -1: twisted at t_c
    ],
)
def test_orientability_hand_computed(signs, expected):
    from tdasheaf.cohomology._scales import orientability

    out = orientability(4, SQUARE_EDGES, SQUARE_VALUES, signs, 3)
    np.testing.assert_array_equal(out, expected)
    section = _signed_h0(signs)
    np.testing.assert_array_equal(
        orientability(4, SQUARE_EDGES, SQUARE_VALUES, signs, 3, section_bars=section), expected
    )


def _signed_h0(signs):
    from tdasheaf.cohomology import flag_persistence

    return flag_persistence(4, SQUARE_EDGES, SQUARE_VALUES, signs, (0,), 3)[0]


def test_orientability_path_never_twists():
    """A tree has H^0 = 1 for every signing: one orientation, alive to the last edge."""
    from tdasheaf.cohomology._scales import orientability

    out = orientability(3, [(0, 1), (1, 2)], [1.0, 2.0], [-1, -1], 5)
    np.testing.assert_array_equal(out, [1.0, 0.0])  # t_c = 2 = the largest edge value


def test_mean_degree_normalised_hand_computed():
    from tdasheaf.cohomology._scales import mean_degree_normalised

    spectra = np.array([[0.0, 3.0], [2.0, 6.0], [-1e-18, np.nan]])
    # 4 vertices; 1, 4 and 6 edges: mean degrees max(0.5, 1) = 1, 2 and 3
    out = mean_degree_normalised(spectra, [1, 4, 6], 4)
    np.testing.assert_array_equal(out, [[0.0, 3.0], [1.0, 3.0], [0.0, 0.0]])


def test_classical_benchmark_quick_run_agrees(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "pipelines" / "benchmarks" / "classical.py"
    spec = importlib.util.spec_from_file_location("bench_classical", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = module.main(["--sizes", "80", "--repeat", "1"])
    assert len(results["rows"]) == 3 and all(r["agree"] for r in results["rows"])
    assert "DIFFER" not in capsys.readouterr().out
