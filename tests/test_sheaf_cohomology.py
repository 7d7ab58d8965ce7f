"""Persistent sheaf cohomology: every correctness oracle of DESIGN.md §4.

1. Constant sheaf = gudhi's barcode of the same filtered complex (Rips, alpha, hand-made
   filtrations), over GF(2), GF(3) and ℝ, for every engine; rank d = d copies.
2. Exact (GF(p)) and floating-point engines agree on random consistent integer sheaves; the
   float engine is invariant under rescaling stalk bases by factors up to 10^±6.
3. Orientation/sign sheaves: the table of DESIGN.md §4 oracle 5, on the triangulated surfaces of
   :mod:`tdasheaf.datasets` (whose triangulations are checked with the constant sheaf too).
4. Hand-computed small examples.
6. Persistent Betti numbers by brute force — rank(H^q(K_b) → H^q(K_a)) by dense linear
   algebra written here (mod-p Gaussian elimination, SVD), and the nullity of the persistent
   sheaf Laplacian — equal the number of bars containing [a, b], for all a <= b.
Plus: the Euler characteristic at every scale, representative cocycles, bad input.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tdasheaf.cohomology import coboundary, representative_cocycles, sheaf_persistence
from tdasheaf.complexes import FilteredComplex, alpha_complex, rips_complex
from tdasheaf.datasets import random_gauge_sheaf as gauge_sheaf
from tdasheaf.datasets import sign_sheaf, triangulated_surface
from tdasheaf.exceptions import InvalidSheafError, NumericalWarning
from tdasheaf.sheaves import CellularSheaf, constant_sheaf, signed_graph_sheaf

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BIG_PRIME = 65521

# ----------------------------------------------------------------------------------------------
# Generators: complexes and random consistent sheaves
# ----------------------------------------------------------------------------------------------


@st.composite
def small_rips(draw, max_points=7, max_dimension=3):
    """Rips complexes of small integer-grid clouds (ties and duplicate points included)."""
    n = draw(st.integers(1, max_points))
    pts = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=n, max_size=n))
    threshold = draw(st.sampled_from([1.0, 1.5, 2.3, np.inf]))
    dim = draw(st.integers(1, max_dimension))
    return rips_complex(np.array(pts, dtype=float), threshold, dim)


@st.composite
def hand_made(draw, max_vertices=6, max_dim=3):
    """Non-flag complexes: the closure of random simplices, random monotone integer values."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, max_vertices))
    tops = {
        tuple(sorted(rng.choice(n, size=rng.integers(1, min(n, max_dim + 1) + 1), replace=False)))
        for _ in range(rng.integers(1, 6))
    }
    tops |= {(v,) for v in range(n)}
    faces = sorted(
        {f for s in tops for k in range(1, len(s) + 1) for f in itertools.combinations(s, k)},
        key=lambda s: (len(s), s),
    )
    value = {}
    for s in faces:
        below = [value[f] for f in itertools.combinations(s, len(s) - 1)] if len(s) > 1 else [0]
        value[s] = max(below) + int(rng.integers(0, 3))
    return FilteredComplex.from_simplices(faces, [value[s] for s in faces])


def complexes(max_points=7):
    return st.one_of(small_rips(max_points=max_points), hand_made())


def rescaled(sheaf, rng, decades=6.0, per_simplex=False):
    """The same sheaf in rescaled stalk bases: F ↦ S_τ F S_σ^{-1}, S diagonal, 10^±decades
    (one scalar per simplex with ``per_simplex``, else one per coordinate)."""
    K = sheaf.complex
    width = [1 if per_simplex else R.shape[2] for R in sheaf.restrictions]
    scales = [10.0 ** rng.uniform(-decades, decades, size=(len(d), w)) * np.ones((1, R.shape[2]))
              for d, R, w in zip(sheaf.stalk_dims, sheaf.restrictions, width, strict=True)]
    blocks = []
    for k in range(1, len(sheaf.restrictions)):
        R = sheaf.restrictions[k]
        S_face = scales[k - 1][K.boundaries[k]]  # (n_k, k + 1, D_{k-1})
        blocks.append(R * scales[k][:, None, :, None] / S_face[:, :, None, :])
    return CellularSheaf.from_arrays(K, sheaf.stalk_dims, blocks)


def all_degrees(sheaf):
    return tuple(range(len(sheaf.stalk_dims)))



# ----------------------------------------------------------------------------------------------
# Reference computations written here
# ----------------------------------------------------------------------------------------------


def gudhi_bars(K, p, degrees):
    st_ = K.to_simplex_tree()
    st_.compute_persistence(homology_coeff_field=p, persistence_dim_max=True)
    out = {}
    for q in degrees:
        b = np.asarray(st_.persistence_intervals_in_dimension(q), dtype=float).reshape(-1, 2)
        out[q] = sort_bars(b[b[:, 1] > b[:, 0]])
    return out


def sort_bars(b):
    b = np.asarray(b, dtype=float).reshape(-1, 2)
    return b[np.lexsort((b[:, 1], b[:, 0]))]


def assert_same_bars(got, expected):
    assert set(got) == set(expected)
    for q in expected:
        np.testing.assert_array_equal(got[q], sort_bars(expected[q]), err_msg=f"degree {q}")


def _rref_mod_p(M, p):
    M = np.array(M, dtype=np.int64) % p
    r = 0
    pivots = []
    for c in range(M.shape[1]):
        if r == M.shape[0]:
            break
        nz = np.flatnonzero(M[r:, c])
        if not len(nz):
            continue
        i = r + nz[0]
        M[[r, i]] = M[[i, r]]
        M[r] = M[r] * pow(int(M[r, c]), p - 2, p) % p
        others = np.flatnonzero(M[:, c])
        others = others[others != r]
        M[others] = (M[others] - np.outer(M[others, c], M[r])) % p
        pivots.append(c)
        r += 1
    return M[:r], pivots


def rank(M, p):
    """Rank over GF(p) (p > 0) or over ℝ by SVD (p == 0)."""
    if M.size == 0:
        return 0
    if p:
        return len(_rref_mod_p(M, p)[1])
    s = np.linalg.svd(M, compute_uv=False)
    return int(np.sum(s > 1e-9 * max(1.0, s[0])))


def kernel(M, p):
    """Columns spanning ker M (GF(p) or, orthonormal, ℝ)."""
    n = M.shape[1]
    if M.shape[0] == 0 or n == 0:
        return np.eye(n, dtype=np.int64 if p else float)
    if p:
        R, pivots = _rref_mod_p(M, p)
        free = [c for c in range(n) if c not in pivots]
        Z = np.zeros((n, len(free)), dtype=np.int64)
        for t, f in enumerate(free):
            Z[f, t] = 1
            for i, c in enumerate(pivots):
                Z[c, t] = -R[i, f] % p
        return Z
    _, s, vt = np.linalg.svd(M)
    r = int(np.sum(s > 1e-9 * max(1.0, s[0])))
    return vt[r:].T


def dense_coboundaries(sheaf, p):
    """δ^q as dense arrays (mod p for p > 0), q = -1 .. top, keyed by q."""
    out = {}
    for q in range(-1, len(sheaf.stalk_dims)):
        D = coboundary(sheaf, q).toarray()
        out[q] = (np.round(D).astype(np.int64) % p) if p else D
    return out


def n_cochains(sheaf, q, t):
    """dim C^q(K_t): the stalks of q-simplices born at or before t (a prefix of the basis)."""
    if q < 0 or q >= len(sheaf.stalk_dims):
        return 0
    n = int(np.searchsorted(sheaf.complex.filtrations[q], t, side="right"))
    return int(sheaf.offsets(q)[n])


def persistent_betti(sheaf, deltas, q, a, b, p):
    """rank(H^q(K_b) → H^q(K_a)) = dim(r(Z^q_b) + B^q_a) - dim B^q_a, r the restriction."""
    nq_a, nq_b = n_cochains(sheaf, q, a), n_cochains(sheaf, q, b)
    Z = kernel(deltas[q][: n_cochains(sheaf, q + 1, b), :nq_b], p)
    B = deltas[q - 1][:nq_a, : n_cochains(sheaf, q - 1, a)]
    return rank(np.hstack([B, Z[:nq_a]]), p) - rank(B, p)


def persistent_laplacian_nullity(sheaf, deltas, q, a, b):
    """Nullity of the persistent sheaf Laplacian Δ^q_{a,b} (Mémoli–Wan–Wang), over ℝ.

    On the dual chain complex (∂ = δᵀ): Δ = ∂^{b,a}_{q+1} (∂^{b,a}_{q+1})ᵀ + (∂^a_q)ᵀ ∂^a_q, with
    ∂^{b,a}_{q+1} the boundary restricted to C^{b,a}_{q+1} = {c ∈ C_{q+1}(K_b) : ∂c ∈ C_q(K_a)}.
    """
    nq_a, nq_b = n_cochains(sheaf, q, a), n_cochains(sheaf, q, b)
    D = deltas[q][: n_cochains(sheaf, q + 1, b), :nq_b]
    N = kernel(D[:, nq_a:nq_b].T, 0)  # orthonormal basis of C^{b,a}_{q+1}
    up = D[:, :nq_a].T @ N
    down = deltas[q - 1][:nq_a, : n_cochains(sheaf, q - 1, a)]
    L = up @ up.T + down @ down.T
    if L.shape[0] == 0:
        return 0
    s = np.linalg.svd(L, compute_uv=False)
    return int(np.sum(s <= 1e-9 * max(1.0, s[0])))


def bars_containing(bars, a, b):
    return int(np.sum((bars[:, 0] <= a) & (bars[:, 1] > b)))


def check_persistent_betti(sheaf, bars, p, laplacian=False):
    deltas = dense_coboundaries(sheaf, p)
    values = sheaf.complex.filtration_values()
    for q, b_q in bars.items():
        for ia, a in enumerate(values):
            for b in values[ia:]:
                want = bars_containing(b_q, a, b)
                assert persistent_betti(sheaf, deltas, q, a, b, p) == want, (q, a, b)
                if laplacian:
                    assert persistent_laplacian_nullity(sheaf, deltas, q, a, b) == want, (q, a, b)


# ----------------------------------------------------------------------------------------------
# Oracle 1: the constant sheaf is ordinary persistent (co)homology (gudhi)
# ----------------------------------------------------------------------------------------------


@PROPERTY
@given(K=complexes(), p=st.sampled_from([2, 3]))
def test_constant_sheaf_matches_gudhi(K, p):
    F = constant_sheaf(K)
    degrees = all_degrees(F)
    ref = gudhi_bars(K, p, degrees)
    for engine in ("exact", "auto"):
        for implicit in (True, False):
            got = sheaf_persistence(F, degrees, field=p, engine=engine, implicit=implicit)
            assert_same_bars(got, ref)
    # degrees <= 1 of a Rips complex: the implicit flag path (triangles enumerated on the fly)
    low = degrees[:2]
    assert_same_bars(sheaf_persistence(F, low, field=p), {q: ref[q] for q in low})
    # over ℝ: gudhi over GF(11) (small complexes have no 11-torsion)
    ref_r = gudhi_bars(K, 11, degrees)
    assert_same_bars(sheaf_persistence(F, degrees, field="R", engine="float"), ref_r)
    assert_same_bars(sheaf_persistence(F, degrees, field="R"), ref_r)


def test_landmark_labels_on_the_flag_path():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    K = rips_complex(X, max_edge_length=1.5, max_dimension=2, n_landmarks=12)
    assert not np.array_equal(K.vertex_labels, np.arange(K.n_vertices))
    F = constant_sheaf(K)
    ref = gudhi_bars(K, 3, (0, 1, 2))
    assert_same_bars(sheaf_persistence(F, (0, 1), field=3), {q: ref[q] for q in (0, 1)})
    assert_same_bars(sheaf_persistence(F, (0, 1, 2), field=3, implicit=False), ref)
    signs = rng.choice([-1.0, 1.0], size=len(K.simplices[1]))
    G = signed_graph_sheaf(K, signs)
    assert_same_bars(
        sheaf_persistence(G, (0, 1), field=3),
        sheaf_persistence(G, (0, 1), field=3, implicit=False),
    )


def test_auto_path_keeps_filtration_values_and_handles_no_edges():
    # regressions: an earlier ripser shortcut returned float32-rounded values, and aborted the
    # interpreter on a Rips complex without edges
    K = rips_complex([[0.0, 0.0], [1.0, 1.0]], max_dimension=2)
    bars = sheaf_persistence(constant_sheaf(K), degrees=(0,), field=2)
    assert bars[0][0, 1] == K.filtrations[1][0] == np.sqrt(2.0)
    for cloud in ([[0.0, 0.0]], [[0.0, 0.0], [5.0, 0.0]]):
        K = rips_complex(cloud, max_edge_length=1.0, max_dimension=2)
        for rank in (1, 2):
            bars = sheaf_persistence(constant_sheaf(K, rank), degrees=(0,))
            assert_same_bars(bars, {0: np.tile([0.0, np.inf], (rank * len(cloud), 1))})


@PROPERTY
@given(
    pts=st.lists(st.tuples(*[st.integers(0, 2)] * 3), min_size=1, max_size=8),
    p=st.sampled_from([2, 3]),
)
def test_constant_sheaf_on_alpha_complexes_matches_gudhi(pts, p):
    K = alpha_complex(np.array(pts, dtype=float), max_dimension=3)
    F = constant_sheaf(K)
    degrees = all_degrees(F)
    ref = gudhi_bars(K, p, degrees)
    for engine in ("exact", "auto"):
        assert_same_bars(sheaf_persistence(F, degrees, field=p, engine=engine), ref)
    assert_same_bars(sheaf_persistence(F, degrees, field="R"), gudhi_bars(K, 11, degrees))


@PROPERTY
@given(K=complexes(max_points=6), d=st.sampled_from([0, 2, 3]))
def test_constant_rank_d_is_d_copies(K, d):
    degrees = all_degrees(constant_sheaf(K))
    base = sheaf_persistence(constant_sheaf(K), degrees, field=3, engine="exact")
    want = {q: sort_bars(np.repeat(b, d, axis=0)) for q, b in base.items()}
    generic = CellularSheaf.from_restrictions(K, d)  # identities, no constant-sheaf shortcut
    assert_same_bars(sheaf_persistence(constant_sheaf(K, d), degrees, field=3), want)
    assert_same_bars(sheaf_persistence(generic, degrees, field=3, engine="exact"), want)
    assert_same_bars(sheaf_persistence(generic, degrees, field="R"), want)


# ----------------------------------------------------------------------------------------------
# Oracle 2: exact and float engines agree; float is invariant under basis rescaling
# ----------------------------------------------------------------------------------------------


@PROPERTY
@given(K=complexes(max_points=6), seed=st.integers(0, 2**32 - 1), comps=st.integers(1, 3))
def test_exact_and_float_engines_agree(K, seed, comps):
    F = gauge_sheaf(K, np.random.default_rng(seed), "integer", n_components=comps)
    degrees = all_degrees(F)
    exact = sheaf_persistence(F, degrees, engine="exact")  # GF(65521)
    assert_same_bars(sheaf_persistence(F, degrees, engine="float"), exact)
    assert_same_bars(sheaf_persistence(F, degrees), exact)
    for q in degrees:  # asking for one degree alone changes nothing (clearing is internal)
        assert_same_bars(sheaf_persistence(F, (q,), engine="exact"), {q: exact[q]})
    for q, b in exact.items():
        assert (b[:, 0] < b[:, 1]).all(), q


@PROPERTY
@given(K=complexes(max_points=6), seed=st.integers(0, 2**32 - 1))
def test_float_engine_invariant_under_rescaling(K, seed):
    # per-simplex scalars (10^±6): the float engine's answer does not change, and it does not
    # warn; a per-coordinate diagonal rescaling (condition up to 10^12 inside a stalk) is a
    # non-orthogonal change of basis: the exact answer, or a NumericalWarning (issue 14)
    rng = np.random.default_rng(seed)
    F = gauge_sheaf(K, rng, "integer")
    degrees = all_degrees(F)
    exact = sheaf_persistence(F, degrees)
    for per_simplex in (True, False):
        G = rescaled(F, rng, per_simplex=per_simplex)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = sheaf_persistence(G, degrees, field="R")
        warned = any(issubclass(w.category, NumericalWarning) for w in caught)
        if per_simplex:
            assert not warned, [str(w.message) for w in caught]
        if not warned:
            assert_same_bars(got, exact)
    H = gauge_sheaf(K, rng, "orthogonal")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalWarning)
        assert_same_bars(
            sheaf_persistence(rescaled(H, rng, per_simplex=True), degrees, field="R"),
            sheaf_persistence(H, degrees, field="R"),
        )


@PROPERTY
@given(K=small_rips(), seed=st.integers(0, 2**32 - 1), p=st.sampled_from([3, 5]))
def test_signed_sheaves_implicit_and_explicit_paths_agree(K, seed, p):
    rng = np.random.default_rng(seed)
    n_edges = len(K.simplices[1])
    F = signed_graph_sheaf(K, rng.choice([-1.0, 1.0], size=n_edges))
    degrees = all_degrees(F)[:2]
    implicit = sheaf_persistence(F, degrees, field=p)  # flag complex: triangles on the fly
    assert_same_bars(sheaf_persistence(F, degrees, field=p, implicit=False), implicit)
    assert_same_bars(sheaf_persistence(F, degrees, field="R"), implicit)
    check_persistent_betti(F, implicit, p)
    # a gauge-trivial sign system s_ij = g_i g_j is isomorphic to the constant sheaf
    g = rng.choice([-1.0, 1.0], size=K.n_vertices)
    pos = np.searchsorted(K.vertex_labels, K.simplices[1]) if n_edges else np.empty((0, 2), int)
    order = np.argsort(K.vertex_labels)
    gauge = g[order[pos[:, 0]]] * g[order[pos[:, 1]]] if n_edges else np.empty(0)
    G = signed_graph_sheaf(K, gauge)
    assert_same_bars(
        sheaf_persistence(G, degrees, field=p),
        sheaf_persistence(constant_sheaf(K), degrees, field=p, engine="exact", implicit=False),
    )


# ----------------------------------------------------------------------------------------------
# Oracle 6: persistent Betti numbers by brute force, and persistent Laplacian nullity
# ----------------------------------------------------------------------------------------------


@PROPERTY
@given(K=complexes(max_points=6), seed=st.integers(0, 2**32 - 1), p=st.sampled_from([3, 5]))
def test_persistent_betti_numbers_integer_sheaves(K, seed, p):
    F = gauge_sheaf(K, np.random.default_rng(seed), "integer")
    check_persistent_betti(F, sheaf_persistence(F, all_degrees(F), field=p), p)


@PROPERTY
@given(K=complexes(max_points=6), seed=st.integers(0, 2**32 - 1))
def test_persistent_betti_and_laplacian_real_sheaves(K, seed):
    F = gauge_sheaf(K, np.random.default_rng(seed), "orthogonal")
    check_persistent_betti(F, sheaf_persistence(F, all_degrees(F), field="R"), 0, laplacian=True)


def random_monotone_values(simplices, rng):
    value = {}
    for s in sorted(simplices, key=len):
        below = [value[f] for f in itertools.combinations(s, len(s) - 1)] if len(s) > 1 else [0]
        value[s] = max(below) + int(rng.integers(0, 2))
    return [value[s] for s in simplices]


@pytest.mark.parametrize("field", [3, "R"])
@pytest.mark.parametrize("name", ["twisted triangle", "mobius", "klein", "rp2"])
def test_persistent_betti_numbers_sign_sheaves(name, field):
    rng = np.random.default_rng(0)
    if name == "twisted triangle":
        simplices, signs = [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)], {(0, 2): -1}
    else:
        simplices, signs = triangulated_surface(name, 3, 3)
    K = FilteredComplex.from_simplices(simplices, random_monotone_values(simplices, rng))
    F = sign_sheaf(K, signs)
    p = field if field != "R" else 0
    check_persistent_betti(F, sheaf_persistence(F, all_degrees(F), field=field), p,
                           laplacian=not p)


# ----------------------------------------------------------------------------------------------
# Oracle 4: hand-computed examples
# ----------------------------------------------------------------------------------------------

TRIANGLE = [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]


@pytest.mark.parametrize("field", [3, 5, "R"])
def test_triangle_boundary_twisted_and_untwisted(field):
    K = FilteredComplex.from_simplices(TRIANGLE)
    twisted = CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[-1]]})
    empty = {0: np.empty((0, 2)), 1: np.empty((0, 2))}
    assert_same_bars(sheaf_persistence(twisted, field=field), empty)
    one = {0: [[0.0, np.inf]], 1: [[0.0, np.inf]]}
    assert_same_bars(sheaf_persistence(constant_sheaf(K), field=field), one)
    # over GF(2) the twist is invisible
    assert_same_bars(sheaf_persistence(twisted, field=2), one)


def test_triangle_with_filtration_hand_computed():
    K = FilteredComplex.from_simplices([*TRIANGLE, (0, 1, 2)], [0, 0, 0, 1, 2, 2, 3])
    # constant: H^0 = 1 forever, two components die at 1 and 2; H^1 born at 2 dies at 3
    assert_same_bars(
        sheaf_persistence(constant_sheaf(K), (0, 1, 2), field=3),
        {0: [[0, 1], [0, 2], [0, np.inf]], 1: [[2, 3]], 2: np.empty((0, 2))},
    )
    # twisted edge (0, 2), triangle stalk 0: the last class of H^0 dies when the loop closes
    F = CellularSheaf.from_restrictions(K, {(0, 1, 2): 0}, {((2,), (0, 2)): [[-1]]})
    for field in (3, "R"):
        assert_same_bars(
            sheaf_persistence(F, (0, 1, 2), field=field),
            {0: [[0, 1], [0, 2], [0, 2]], 1: np.empty((0, 2)), 2: np.empty((0, 2))},
        )
    # the sign sheaf of the twisted triangle gives the same zero triangle stalk
    G = sign_sheaf(K, {(0, 2): -1})
    assert G.stalk_dims[2].tolist() == [0]
    assert_same_bars(sheaf_persistence(G, (0, 1, 2), field=3), sheaf_persistence(F, (0, 1, 2)))


def test_zero_stalks_somewhere():
    # a path 0 - 1 - 2 whose edge (1, 2) has stalk 0: vertex 2 is cut off
    K = FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2)], [0, 0, 0, 1, 2])
    F = CellularSheaf.from_restrictions(K, {(1, 2): 0, (2,): 2})
    assert_same_bars(
        sheaf_persistence(F, (0, 1), field=3),
        {0: [[0, 1], [0, np.inf], [0, np.inf], [0, np.inf]], 1: np.empty((0, 2))},
    )
    # all stalks zero: nothing at all
    Z = CellularSheaf.from_restrictions(K, 0)
    assert_same_bars(sheaf_persistence(Z, (0, 1)), {0: np.empty((0, 2)), 1: np.empty((0, 2))})


def test_vertices_only_and_single_vertex():
    K = FilteredComplex.from_simplices([(0,), (3,), (7,)], [0.5, 0.0, 2.0])
    for engine in ("auto", "exact", "float"):
        bars = sheaf_persistence(constant_sheaf(K), degrees=0, engine=engine)
        assert_same_bars(bars, {0: [[0, np.inf], [0.5, np.inf], [2, np.inf]]})
    F = CellularSheaf.from_restrictions(K, {(3,): 2, (7,): 0})
    want = {0: [[0, np.inf], [0, np.inf], [0.5, np.inf]]}
    assert_same_bars(sheaf_persistence(F, degrees=0), want)
    one = FilteredComplex.from_simplices([(0,)], [1.25])
    assert_same_bars(sheaf_persistence(constant_sheaf(one), 0), {0: [[1.25, np.inf]]})
    single = rips_complex(np.zeros((1, 2)), max_dimension=2)
    assert_same_bars(sheaf_persistence(constant_sheaf(single), 0, engine="exact"),
                     {0: [[0, np.inf]]})
    # H^q of a complex without q-simplices is 0: no bars, on every field and engine (#14)
    for field, engine in ((None, "auto"), (3, "exact"), ("R", "float"), (3, "auto")):
        bars = sheaf_persistence(constant_sheaf(one), (0, 1, 2), field=field, engine=engine)
        assert_same_bars(bars, {0: [[1.25, np.inf]], 1: [], 2: []})
        assert bars[1].shape == bars[2].shape == (0, 2)


def test_degrees_above_the_complex_are_empty_not_an_error():
    # the four corners of a unit square: no triangle under the threshold, although
    # max_dimension=3 was asked for; H^2 is 0 (issue 14's reproducer)
    X = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    K = rips_complex(X, 1.0, 3)
    for field in (3, 5, 65521, "R", None):
        bars = sheaf_persistence(constant_sheaf(K), (0, 1, 2), field=field)
        assert_same_bars(bars, {0: [[0, 1], [0, 1], [0, 1], [0, np.inf]], 1: [[1, np.inf]], 2: []})
    bars, cocycles = representative_cocycles(constant_sheaf(K), (1, 2), field=3)
    assert bars[2].shape == (0, 2) and cocycles[2] == []
    assert len(cocycles[1]) == 1


# ----------------------------------------------------------------------------------------------
# Oracle 3/5: sign local systems on triangulated surfaces
# ----------------------------------------------------------------------------------------------

# (H^0, H^1, H^2) of the orientation local system, DESIGN.md §4 oracle 5
ODD = {"cylinder": (1, 1, 0), "mobius": (0, 0, 0), "torus": (1, 2, 1), "klein": (0, 1, 1),
       "rp2": (0, 0, 1)}
GF2 = {"cylinder": (1, 1, 0), "mobius": (1, 1, 0), "torus": (1, 2, 1), "klein": (1, 2, 1),
       "rp2": (1, 1, 1)}
EULER = {"cylinder": 0, "mobius": 0, "torus": 0, "klein": 0, "rp2": 1}
# ordinary Betti numbers over GF(3) (torsion-free part + 2-torsion invisible)
CONSTANT_GF3 = {"cylinder": (1, 1, 0), "mobius": (1, 1, 0), "torus": (1, 2, 1),
                "klein": (1, 1, 0), "rp2": (1, 0, 0)}
SIZES = [(4, 4), (3, 3), (5, 3)]


def essential_counts(bars):
    for b in bars.values():  # constant filtration: every bar is essential
        assert np.isinf(b[:, 1]).all() and (b[:, 0] == 0).all()
    return tuple(len(bars[q]) for q in sorted(bars))


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("name", list(ODD))
def test_sign_local_system_table(name, size):
    simplices, signs = triangulated_surface(name, *size)
    F = sign_sheaf(FilteredComplex.from_simplices(simplices), signs)
    assert essential_counts(sheaf_persistence(F, (0, 1, 2), field=3)) == ODD[name]
    assert essential_counts(sheaf_persistence(F, (0, 1, 2), field="R")) == ODD[name]
    assert essential_counts(sheaf_persistence(F, (0, 1, 2))) == ODD[name]  # GF(65521)
    assert essential_counts(sheaf_persistence(F, (0, 1, 2), field=2)) == GF2[name]
    for table in (ODD, GF2):
        h0, h1, h2 = table[name]
        assert h0 - h1 + h2 == EULER[name]


def is_combinatorial_surface(simplices):
    """Every edge in 1 or 2 triangles; every vertex link a cycle or a path."""
    triangles = [s for s in simplices if len(s) == 3]
    per_edge = {}
    for t in triangles:
        for e in itertools.combinations(t, 2):
            per_edge[e] = per_edge.get(e, 0) + 1
    if set(per_edge) != {s for s in simplices if len(s) == 2} or max(per_edge.values()) > 2:
        return False
    for (v,) in (s for s in simplices if len(s) == 1):
        link = [tuple(w for w in t if w != v) for t in triangles if v in t]
        degree = {}
        for a, b in link:
            degree[a] = degree.get(a, 0) + 1
            degree[b] = degree.get(b, 0) + 1
        ends = sum(d == 1 for d in degree.values())
        if max(degree.values()) > 2 or ends not in (0, 2):
            return False
        # connected: a cycle has len(link) == #vertices, a path len(link) == #vertices - 1
        if len(link) != len(degree) - ends // 2:
            return False
    return True


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("name", list(ODD))
def test_triangulations_with_the_constant_sheaf(name, size):
    simplices, _ = triangulated_surface(name, *size)
    assert len(set(simplices)) == len(simplices)
    assert is_combinatorial_surface(simplices)
    K = FilteredComplex.from_simplices(simplices)
    chi = sum((-1) ** k * n for k, n in enumerate(K.n_simplices))
    assert chi == EULER[name]
    F = constant_sheaf(K)
    assert essential_counts(sheaf_persistence(F, (0, 1, 2), field=2)) == GF2[name]
    assert essential_counts(sheaf_persistence(F, (0, 1, 2), field=3)) == CONSTANT_GF3[name]
    assert_same_bars(sheaf_persistence(F, (0, 1, 2), field=2), gudhi_bars(K, 2, (0, 1, 2)))


# ----------------------------------------------------------------------------------------------
# Euler characteristic at every scale
# ----------------------------------------------------------------------------------------------


@PROPERTY
@given(K=complexes(), seed=st.integers(0, 2**32 - 1), field=st.sampled_from([3, "R"]))
def test_euler_characteristic_at_every_scale(K, seed, field):
    rng = np.random.default_rng(seed)
    F = gauge_sheaf(K, rng, "integer" if field == 3 else "orthogonal")
    bars = sheaf_persistence(F, all_degrees(F), field=field)
    constant = sheaf_persistence(constant_sheaf(K), all_degrees(F), field=3, engine="exact")
    # with zero-length bars kept, every basis vector of every C^q is a birth or a death
    full = sheaf_persistence(F, all_degrees(F), field=field, drop_zero_length=False)
    n_deaths = sum(int(np.isfinite(b[:, 1]).sum()) for b in full.values())
    assert sum(len(b) for b in full.values()) + n_deaths == sum(
        F.cochain_dim(q) for q in all_degrees(F)
    )
    for q, b in full.items():
        assert_same_bars({q: b[b[:, 1] > b[:, 0]]}, {q: bars[q]})
    for t in K.filtration_values():
        chains = sum((-1) ** q * n_cochains(F, q, t) for q in bars)
        betti = sum((-1) ** q * bars_containing(b, t, t) for q, b in bars.items())
        assert chains == betti, t
        # the constant sheaf on the subcomplex K_t: its essential classes = bars containing t
        K_t = K.sublevel(t)
        sub = sheaf_persistence(
            constant_sheaf(K_t), tuple(range(K_t.dimension + 1)), field=3, engine="exact"
        )
        for q, b in constant.items():
            got = int(np.isinf(sub[q][:, 1]).sum()) if q in sub else 0
            assert got == bars_containing(b, t, t), (q, t)


# ----------------------------------------------------------------------------------------------
# Representative cocycles
# ----------------------------------------------------------------------------------------------


def check_representatives(sheaf, bars, cocycles, p):
    """What is checked, for every bar [b, d) of degree q and its cocycle z:

    * z is supported on q-simplices born at or after b, one of them exactly at b (so z lives
      on K_b), and over GF(p) its values are canonical residues 0..p-1;
    * z restricted to K_t is a cocycle, δ^q_t z_t = 0, for every filtration value b <= t < d;
    * at every t, the restrictions of the cocycles of all bars containing t are linearly
      independent modulo coboundaries, i.e. they form a basis of H^q(K_t) (with the count
      of bars containing t equal to dim H^q(K_t), checked elsewhere).
    """
    K = sheaf.complex
    deltas = dense_coboundaries(sheaf, p)
    values = K.filtration_values()
    for q, b_q in bars.items():
        assert len(cocycles[q]) == len(b_q)
        vectors = []
        for (birth, death), z in zip(b_q, cocycles[q], strict=True):
            assert z.degree == q and len(z.simplex_indices) == len(z.simplices)
            np.testing.assert_array_equal(K.simplices[q][z.simplex_indices], z.simplices)
            born = K.filtrations[q][z.simplex_indices]
            assert (born >= birth).all() and (born == birth).any()
            vec = z.to_vector(sheaf)
            if p:
                assert ((z.values >= 0) & (z.values < p) & (z.values == np.round(z.values))).all()
                vec = np.round(vec).astype(np.int64)
            vectors.append(vec)
            for t in values[(values >= birth) & (values < death)]:
                n_q, n_up = n_cochains(sheaf, q, t), n_cochains(sheaf, q + 1, t)
                dz = deltas[q][:n_up, :n_q] @ vec[:n_q]
                if p:
                    assert not (dz % p).any(), (q, birth, t)
                else:
                    scale = np.abs(deltas[q]).max(initial=1.0) * np.abs(vec).max(initial=1.0)
                    assert np.abs(dz).max(initial=0) <= 1e-8 * scale, (q, birth, t)
        for t in values:
            alive = [v for v, (b, d) in zip(vectors, b_q, strict=True) if b <= t < d]
            n_q = n_cochains(sheaf, q, t)
            B = deltas[q - 1][:n_q, : n_cochains(sheaf, q - 1, t)]
            Z = np.array([v[:n_q] for v in alive]).reshape(len(alive), n_q).T
            Z = Z.astype(B.dtype)
            assert rank(np.hstack([B, Z]), p) == rank(B, p) + len(alive), (q, t)


@PROPERTY
@given(
    K=complexes(max_points=6),
    seed=st.integers(0, 2**32 - 1),
    setup=st.sampled_from(
        [("constant", 3, "exact"), ("integer", 5, "exact"), ("integer", "R", "float"),
         ("orthogonal", "R", "float"), ("integer", 2, "auto")]
    ),
)
def test_representatives_are_cocycles_spanning_cohomology(K, seed, setup):
    kind, field, engine = setup
    rng = np.random.default_rng(seed)
    F = constant_sheaf(K) if kind == "constant" else gauge_sheaf(K, rng, kind)
    degrees = all_degrees(F)
    bars, cocycles = representative_cocycles(F, degrees, field=field, engine=engine)
    assert_same_bars(bars, sheaf_persistence(F, degrees, field=field, engine=engine))
    check_representatives(F, bars, cocycles, 0 if field == "R" else field)


@pytest.mark.parametrize("field", [3, 7, "R"])
def test_cylinder_section_is_a_signed_unit_section(field):
    rng = np.random.default_rng(0)
    simplices, signs = triangulated_surface("cylinder", 5, 3)
    vertices = [v for (v,) in (s for s in simplices if len(s) == 1)]
    g = dict(zip(vertices, rng.choice([-1, 1], size=len(vertices)).tolist(), strict=True))
    gauged = {(i, j): s * g[i] * g[j] for (i, j), s in signs.items()}  # same local system
    values = random_monotone_values(simplices, rng)
    F = sign_sheaf(FilteredComplex.from_simplices(simplices, values), gauged)
    bars, cocycles = representative_cocycles(F, degrees=(0, 1), field=field)
    essential = [z for (b, d), z in zip(bars[0], cocycles[0], strict=True) if np.isinf(d)]
    assert len(essential) == 1 and int(np.isinf(bars[1][:, 1]).sum()) == 1
    z = essential[0]
    assert len(z.simplex_indices) == len(vertices)  # nonzero on every vertex
    labels = z.simplices[:, 0]
    x = z.values[:, 0]
    if field == "R":
        ratio = x * np.array([g[v] for v in labels])  # x_v = c g_v
        np.testing.assert_allclose(ratio, ratio[0])
    else:
        ratio = (x.astype(np.int64) * np.array([g[v] for v in labels])) % field
        assert set(ratio.tolist()) == {int(ratio[0])} and ratio[0] != 0
    check_representatives(F, bars, cocycles, 0 if field == "R" else field)


# ----------------------------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------------------------


def _triangle_sheaf(value=-1.0):
    K = FilteredComplex.from_simplices(TRIANGLE)
    return CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[value]]})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"field": 4}, "not a prime"),
        ({"field": 1}, "not a prime"),
        ({"field": 2**31 - 1}, "too large"),
        ({"field": "Q"}, "prime number or 'R'"),
        ({"field": 3.0}, "prime number or 'R'"),
        ({"field": True}, "prime number or 'R'"),
        ({"engine": "exakt"}, "engine must be"),
        ({"engine": "float", "field": 3}, "over the reals"),
        ({"engine": "exact", "field": "R"}, "GF"),
        ({"degrees": (-1,)}, "non-negative"),
        ({"degrees": ()}, "empty"),
        ({"rtol": 2.0}, "rtol"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sheaf_persistence(_triangle_sheaf(), **kwargs)


def test_real_maps_need_the_real_field():
    F = _triangle_sheaf(0.5)
    with pytest.raises(ValueError, match="'R'"):
        sheaf_persistence(F, field=3)
    with pytest.raises(ValueError, match="'R'"):
        sheaf_persistence(F, engine="exact")
    # field=None picks ℝ for real maps: 0.5 ≠ ±1 has no holonomy problem, H^0 = H^1 = 0
    assert_same_bars(sheaf_persistence(F), {0: np.empty((0, 2)), 1: np.empty((0, 2))})


def test_non_finite_and_inconsistent_sheaves_are_refused():
    K = FilteredComplex.from_simplices([*TRIANGLE, (0, 1, 2)])
    nan = CellularSheaf.from_restrictions(K, 1, {((0,), (0, 1)): [[np.nan]]}, validate=False)
    with pytest.raises(InvalidSheafError, match="NaN"):
        sheaf_persistence(nan, field="R")
    bad = CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[-1]]}, validate=False)
    with pytest.raises(InvalidSheafError, match=r"δ∘δ ≠ 0"):
        sheaf_persistence(bad, field=3)
    with pytest.raises(TypeError, match="CellularSheaf"):
        sheaf_persistence(K)
