"""The implicit degree-2 flag engine (:mod:`tdasheaf.cohomology._flag2`).

1. Its tetrahedra and δ^2 coefficients are those of ``signed_graph_sheaf`` + ``coboundary``.
2. Implicit = explicit barcodes in degrees 0–2 on random clouds with ties and random signs,
   through ``sheaf_persistence`` and ``flag_persistence``, over GF(2), GF(3), GF(5).
3. Constant sheaf = gudhi's H^2 over GF(3) on a sphere and a torus (one long class each).
4. Orientation sheaf of a Klein bottle sample = the explicit engine.
5. The sign local systems table of DESIGN.md §4 on flag triangulations (grid surfaces, and the
   barycentric subdivision of the 6-vertex ℝP²), and ℝP²'s GF(2) / GF(3) torsion difference.
6. Euler characteristic at several scales; the memory guard; the int64-key fallback.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist

from tdasheaf.cohomology import (
    _flag2,
    _flag_route,
    coboundary,
    flag_persistence,
    sheaf_persistence,
)
from tdasheaf.cohomology._flag import full_adjacency
from tdasheaf.complexes import rips_complex
from tdasheaf.datasets import (
    make_flat_torus,
    make_klein_bottle,
    make_sphere,
    orientation_signs,
    triangulated_surface,
)
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.sheaves import constant_sheaf, orientation_sheaf, signed_graph_sheaf

PROPERTY = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def sort_bars(b):
    b = np.asarray(b, dtype=float).reshape(-1, 2)
    return b[np.lexsort((b[:, 1], b[:, 0]))]


def assert_same_bars(got, expected):
    assert set(got) == set(expected)
    for q in expected:
        np.testing.assert_array_equal(got[q], sort_bars(expected[q]), err_msg=f"degree {q}")


def graph(K):
    return K.simplices[1], K.filtrations[1]


# ----------------------------------------------------------------------------------------------
# 1. the coefficients, against the explicit sheaf
# ----------------------------------------------------------------------------------------------


def edge_ids(n, edges, use_dense):
    return _flag2.dense_edge_ids(n, edges, 2**30 if use_dense else 0)


@pytest.mark.parametrize("use_dense", [True, False], ids=["dense", "merge"])
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [3, 7])
def test_cofaces_and_coefficients_match_the_explicit_coboundary(seed, p, use_dense):
    rng = np.random.default_rng(seed)
    n = 7
    K = rips_complex(rng.normal(size=(n, 3)), np.inf, 3)  # complete: every tetrahedron
    signs = rng.choice([-1.0, 1.0], size=len(K.simplices[1]))
    F = signed_graph_sheaf(K, signs)
    D = coboundary(F, 2).toarray() % p  # rows: tetrahedra with stalk 1, cols: triangles
    tri_rows = np.flatnonzero(F.stalk_dims[2] == 1)
    tet_rows = np.flatnonzero(F.stalk_dims[3] == 1)
    tet_key = {tuple(K.simplices[3][r]): i for i, r in enumerate(tet_rows)}
    edges, values = graph(K)
    indptr, nbr, eid = full_adjacency(n, edges)
    dense = edge_ids(n, edges, use_dense)
    keys, tri_values = _flag2.flag_triangles(edges, values, signs, indptr, nbr, eid)
    # the stored triangles: exactly those with a stalk, in the complex's total order
    expected = [tuple(t) for t in K.simplices[2][tri_rows]]
    assert [(k // n**2, (k // n) % n, k % n) for k in keys] == expected
    np.testing.assert_array_equal(tri_values, K.filtrations[2][tri_rows])
    cf, ck, cc = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n)
    for col, (key, ft) in enumerate(zip(keys, tri_values, strict=True)):
        cnt = _flag2._cofaces2(
            key, ft, values, signs, indptr, nbr, eid, dense, n, p, False, cf, ck, cc
        )
        got = np.zeros(len(tet_rows))
        for t in range(cnt):
            k = ck[t]
            simplex = (k // n**3, (k // n**2) % n, (k // n) % n, k % n)
            row = tet_key[simplex]
            assert cf[t] == K.filtrations[3][tet_rows[row]]
            got[row] = cc[t]
        np.testing.assert_array_equal(got, D[:, col])


@pytest.mark.parametrize("use_dense", [True, False], ids=["dense", "merge"])
def test_smallest_coface_scan(use_dense):
    rng = np.random.default_rng(1)
    n = 9
    X = rng.integers(0, 3, size=(n, 3)).astype(float)  # many ties
    K = rips_complex(X, np.inf, 3)
    signs = rng.choice([-1.0, 1.0], size=len(K.simplices[1]))
    edges, values = graph(K)
    indptr, nbr, eid = full_adjacency(n, edges)
    dense = edge_ids(n, edges, use_dense)
    keys, tri_values = _flag2.flag_triangles(edges, values, signs, indptr, nbr, eid)
    cf, ck, cc = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n)
    for key, ft in zip(keys, tri_values, strict=True):
        cnt = _flag2._cofaces2(
            key, ft, values, signs, indptr, nbr, eid, dense, n, 5, False, cf, ck, cc
        )
        every = sorted(zip(cf[:cnt], ck[:cnt], cc[:cnt], strict=True))
        one = _flag2._cofaces2(
            key, ft, values, signs, indptr, nbr, eid, dense, n, 5, True, cf, ck, cc
        )
        assert one == min(cnt, 1)
        if cnt:
            assert (cf[0], ck[0], cc[0]) == every[0]


# ----------------------------------------------------------------------------------------------
# 2. implicit = explicit
# ----------------------------------------------------------------------------------------------


@st.composite
def signed_clouds(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(4, 25))
    if draw(st.booleans()):
        X = rng.integers(0, 4, size=(n, 3)).astype(float)  # ties (and duplicate points)
    else:
        X = rng.normal(size=(n, draw(st.integers(2, 4))))
    threshold = float(np.quantile(pdist(X), draw(st.floats(0.15, 1.0)))) + 1e-12
    signed = draw(st.booleans())
    return X, threshold, signed, rng


@PROPERTY
@given(data=signed_clouds(), p=st.sampled_from([2, 3, 5]))
def test_implicit_degree2_equals_explicit(data, p):
    X, threshold, signed, rng = data
    K = rips_complex(X, threshold, 3)
    if K.n_simplices[1] == 0:
        return
    edges, values = graph(K)
    signs = rng.choice([-1.0, 1.0], size=len(edges)) if signed else np.ones(len(edges))
    F = signed_graph_sheaf(K, signs)
    degrees = tuple(range(min(3, len(F.stalk_dims))))
    # the oracle: the stored complex, generic engine, no edge collapse
    explicit = sheaf_persistence(F, degrees, field=p, implicit=False, collapse=False)
    assert_same_bars(sheaf_persistence(F, degrees, field=p), explicit)
    got = flag_persistence(len(X), edges, values, signs, degrees, field=p)
    assert_same_bars(got, explicit)
    saved = _flag_route.DENSE_EDGE_BYTES
    try:  # the adjacency-merge path (used when the n × n edge-id matrix is too large)
        _flag_route.DENSE_EDGE_BYTES = 0
        assert_same_bars(flag_persistence(len(X), edges, values, signs, degrees, field=p), got)
    finally:
        _flag_route.DENSE_EDGE_BYTES = saved
    # degree 2 alone (empty when there are no triangles), and with zero-length bars kept
    only2 = flag_persistence(len(X), edges, values, signs, (2,), p)
    assert_same_bars(only2, {2: explicit.get(2, np.empty((0, 2)))})
    full = sheaf_persistence(F, degrees, field=p, implicit=False, drop_zero_length=False)
    assert_same_bars(
        flag_persistence(len(X), edges, values, signs, degrees, p, drop_zero_length=False), full
    )


# ----------------------------------------------------------------------------------------------
# 3. constant sheaf = gudhi; 4. orientation sheaf on a Klein bottle
# ----------------------------------------------------------------------------------------------


def gudhi_bars(K, p, degrees):
    st_ = K.to_simplex_tree()
    st_.compute_persistence(homology_coeff_field=p, persistence_dim_max=True)
    out = {}
    for q in degrees:
        b = np.asarray(st_.persistence_intervals_in_dimension(q), dtype=float).reshape(-1, 2)
        out[q] = sort_bars(b[b[:, 1] > b[:, 0]])
    return out


@pytest.mark.parametrize(
    "X",
    [make_sphere(120, noise=0.02, random_state=0), make_flat_torus(150, random_state=0)],
    ids=["sphere", "torus"],
)
def test_constant_sheaf_h2_matches_gudhi(X):
    threshold = float(np.quantile(pdist(X), 0.3))
    K = rips_complex(X, threshold, 3)
    edges, values = graph(K)
    got = flag_persistence(len(X), edges, values, None, (0, 1, 2), field=3)
    assert_same_bars(got, gudhi_bars(K, 3, (0, 1, 2)))
    # one long H^2 class (the sphere's / the torus's fundamental class)
    lengths = got[2][:, 1] - got[2][:, 0]
    assert np.sum(lengths > 0.25 * threshold) == 1


def test_orientation_sheaf_on_a_klein_bottle_matches_explicit():
    X = make_klein_bottle(90, random_state=0)
    K = rips_complex(X, float(np.quantile(pdist(X), 0.2)), 3)
    F = orientation_sheaf(X, K, n_neighbors=10, dim=2)
    for p in (3, 5):
        explicit = sheaf_persistence(F, (0, 1, 2), field=p, implicit=False)
        assert_same_bars(sheaf_persistence(F, (0, 1, 2), field=p), explicit)


def test_estimator_route_matches_explicit():
    from tdasheaf.estimators import SheafPersistence

    X = make_sphere(60, noise=0.02, random_state=0)
    dg = SheafPersistence(
        sheaf="constant", degrees=(0, 1, 2), max_edge_length=1.0, field=3
    ).fit_transform([X])[0]
    K = rips_complex(X, 1.0, 3)
    ref = sheaf_persistence(constant_sheaf(K), (0, 1, 2), field=3, implicit=False)
    for q in (0, 1, 2):
        rows = dg[(dg[:, 2] == q) & (dg[:, 1] > dg[:, 0])][:, :2]
        np.testing.assert_array_equal(sort_bars(rows), ref[q])


# ----------------------------------------------------------------------------------------------
# 5. sign local systems on flag triangulations
# ----------------------------------------------------------------------------------------------

ODD = {
    "cylinder": (1, 1, 0),
    "mobius": (0, 0, 0),
    "torus": (1, 2, 1),
    "klein": (0, 1, 1),
    "rp2": (0, 0, 1),
}
GF2 = {
    "cylinder": (1, 1, 0),
    "mobius": (1, 1, 0),
    "torus": (1, 2, 1),
    "klein": (1, 2, 1),
    "rp2": (1, 1, 1),
}
CONSTANT_GF3 = {"cylinder": (1, 1, 0), "mobius": (1, 1, 0), "torus": (1, 2, 1),
                "klein": (1, 1, 0), "rp2": (1, 0, 0)}  # fmt: skip


def barycentric_rp2():
    """The barycentric subdivision of the 6-vertex ℝP² (a flag triangulation, 31 vertices)."""
    simplices, _ = triangulated_surface("rp2")
    index = {s: i for i, s in enumerate(simplices)}
    triangles = [
        tuple(sorted(index[f] for f in chain))
        for t in simplices
        if len(t) == 3
        for perm in itertools.permutations(t)
        for chain in [(perm[:1], tuple(sorted(perm[:2])), t)]
    ]
    signs = orientation_signs(triangles)
    edges = sorted({e for t in triangles for e in itertools.combinations(t, 2)})
    return len(simplices), triangles, edges, {e: signs[e] for e in edges}


def flag_surface(name):
    if name == "rp2":
        n, triangles, edges, signs = barycentric_rp2()
    else:
        simplices, signs = triangulated_surface(name, 6, 5)
        triangles = [s for s in simplices if len(s) == 3]
        edges = [s for s in simplices if len(s) == 2]
        n = sum(len(s) == 1 for s in simplices)
    # the triangulation is the clique complex of its edges
    K = rips_complex_of_graph(n, edges)
    assert sorted(map(tuple, K.simplices[2].tolist())) == sorted(triangles)
    assert K.n_simplices[3] == 0
    return n, np.array(edges), np.array([signs[e] for e in edges], dtype=float)


def rips_complex_of_graph(n, edges):
    D = np.full((n, n), 2.0)
    np.fill_diagonal(D, 0.0)
    for i, j in edges:
        D[i, j] = D[j, i] = 1.0
    return rips_complex(D, 1.0, 3, metric="precomputed")


def essential(bars):
    for b in bars.values():
        assert np.isinf(b[:, 1]).all()
    return tuple(len(bars[q]) for q in sorted(bars))


@pytest.mark.parametrize("name", list(ODD))
def test_sign_local_system_table_on_flag_triangulations(name):
    n, edges, signs = flag_surface(name)
    zeros = np.zeros(len(edges))
    assert essential(flag_persistence(n, edges, zeros, signs, (0, 1, 2), 3)) == ODD[name]
    assert essential(flag_persistence(n, edges, zeros, signs, (0, 1, 2))) == ODD[name]
    assert essential(flag_persistence(n, edges, zeros, signs, (0, 1, 2), 2)) == GF2[name]
    assert essential(flag_persistence(n, edges, zeros, None, (0, 1, 2), 2)) == GF2[name]
    assert essential(flag_persistence(n, edges, zeros, None, (0, 1, 2), 3)) == CONSTANT_GF3[name]
    # a random filtration of the same surface: implicit = explicit
    rng = np.random.default_rng(0)
    values = rng.integers(1, 4, size=len(edges)).astype(float)
    D = np.full((n, n), 10.0)
    np.fill_diagonal(D, 0.0)
    D[edges[:, 0], edges[:, 1]] = D[edges[:, 1], edges[:, 0]] = values
    K = rips_complex(D, 5.0, 3, metric="precomputed")
    lookup = {tuple(e): s for e, s in zip(edges.tolist(), signs, strict=True)}
    F = signed_graph_sheaf(K, [lookup[tuple(e)] for e in K.simplices[1].tolist()])
    assert_same_bars(
        flag_persistence(n, edges, values, signs, (0, 1, 2), 3),
        sheaf_persistence(F, (0, 1, 2), field=3, implicit=False),
    )


def test_rp2_torsion_gf2_versus_gf3():
    """H^2(ℝP²; GF(2)) = GF(2) but H^2(ℝP²; GF(3)) = 0 — seen only through degree 2."""
    n, edges, _ = flag_surface("rp2")
    zeros = np.zeros(len(edges))
    assert len(flag_persistence(n, edges, zeros, None, (2,), 2)[2]) == 1
    assert len(flag_persistence(n, edges, zeros, None, (2,), 3)[2]) == 0


# ----------------------------------------------------------------------------------------------
# 6. Euler characteristic, memory guard, int64 keys
# ----------------------------------------------------------------------------------------------


def test_euler_characteristic_at_several_scales():
    X = make_sphere(80, noise=0.05, random_state=1)
    K = rips_complex(X, float(np.quantile(pdist(X), 0.35)), 3)
    edges, values = graph(K)
    bars = flag_persistence(len(X), edges, values, None, (0, 1, 2), field=3)
    F = constant_sheaf(K)
    # H^3 of the 3-skeleton: the tetrahedra are its top cells
    bars3 = sheaf_persistence(F, (3,), field=3, implicit=False)[3]
    for t in np.quantile(values, [0.1, 0.3, 0.5, 0.7, 0.9, 1.0]):
        betti = [int(np.sum((b[:, 0] <= t) & (b[:, 1] > t))) for b in bars.values()]
        betti.append(int(np.sum((bars3[:, 0] <= t) & (bars3[:, 1] > t))))
        cells = [int(np.sum(f <= t)) for f in K.filtrations[:4]]
        assert sum((-1) ** q * b for q, b in enumerate(betti)) == sum(
            (-1) ** q * c for q, c in enumerate(cells)
        )


def test_memory_guard():
    X = make_sphere(60, random_state=0)
    K = rips_complex(X, 1.0, 1)
    edges, values = graph(K)
    # enough for the engine's linear working set, not for the stored triangles
    budget = (
        _flag_route.FLAG_BYTES_PER_EDGE * len(edges)
        + _flag_route.FLAG_BYTES_PER_VERTEX * len(X)
        + 1000
    )
    with pytest.raises(ComplexTooLargeError, match="triangles with a nonzero stalk.*memory_budget"):
        flag_persistence(
            len(X), edges, values, None, (0, 1, 2), 3, memory_budget=budget, collapse=False
        )
    # the edge collapse (default for degree 2) leaves few enough triangles to fit
    flag_persistence(len(X), edges, values, None, (0, 1, 2), 3, memory_budget=budget)
    # the collapse holds the budget too
    with pytest.raises(ComplexTooLargeError, match="edge collapse"):
        flag_persistence(len(X), edges, values, None, (0, 1, 2), 3, memory_budget=1000)
    flag_persistence(len(X), edges, values, None, (0, 1), 3, memory_budget=budget)  # no triangles
    # degrees <= 1 hold the budget too (the working set is linear in the edges)
    with pytest.raises(ComplexTooLargeError, match="working set"):
        flag_persistence(len(X), edges, values, None, (0, 1), 3, memory_budget=1000)


def test_key_overflow_falls_back_to_the_explicit_engine(monkeypatch):
    X = make_sphere(40, noise=0.02, random_state=0)
    K = rips_complex(X, 1.0, 3)
    edges, values = graph(K)
    want = flag_persistence(len(X), edges, values, None, (0, 1, 2), 3)
    monkeypatch.setattr(_flag_route, "MAX_VERTICES", 10)
    assert_same_bars(flag_persistence(len(X), edges, values, None, (0, 1, 2), 3), want)
    assert_same_bars(sheaf_persistence(constant_sheaf(K), (0, 1, 2), field=3), want)


def test_flag_persistence_rejects_degree_3():
    with pytest.raises(ValueError, match="degrees 0, 1 and 2"):
        flag_persistence(3, [(0, 1)], [1.0], degrees=(3,))


def test_degree1_triangle_keys_never_overflow():
    # (a·n + b)·n + c overflows int64 from n = 2**21: a 4-cycle with diagonals 1.5 on the last
    # four of 2.2 M vertices has one loop [1, 1.5) (it gave [1, inf), [1.5, inf) x 2, silently)
    n = 2_200_000
    a, b, c, d = n - 4, n - 3, n - 2, n - 1
    edges = [(a, b), (b, c), (c, d), (a, d), (a, c), (b, d)]
    bars = flag_persistence(n, edges, [1, 1, 1, 1, 1.5, 1.5], degrees=(1,), field=3)
    np.testing.assert_array_equal(bars[1], [[1.0, 1.5]])


def test_degree0_union_find_with_gauges():
    """H^0 of a signed graph: a twisted cycle kills its component's section (hand-computed)."""
    from tdasheaf.cohomology._flag import flag_degree0_pairs

    edges = np.array([[0, 1], [1, 2], [0, 2], [3, 4]])
    # untwisted triangle: the closing edge (0, 2) creates a cycle, kills nothing
    killer, alive = flag_degree0_pairs(5, edges, np.ones(4))
    assert killer.tolist() == [True, True, False, True] and alive == 2
    # twisted triangle: its section dies at the closing edge; merging an unbalanced component
    # with a balanced one kills the balanced one's section; two unbalanced ones kill nothing
    killer, alive = flag_degree0_pairs(5, edges, np.array([1.0, -1.0, 1.0, 1.0]))
    assert killer.tolist() == [True, True, True, True] and alive == 1
    loops = np.array([[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5], [2, 3]])
    signs = np.array([1.0, -1.0, 1.0, -1.0, 1.0, 1.0, 1.0])
    killer, alive = flag_degree0_pairs(6, loops, signs)
    assert killer.tolist() == [True, True, True, True, True, True, False] and alive == 0
