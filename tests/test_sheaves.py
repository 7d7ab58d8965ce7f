"""Cellular sheaves: construction, validation (δ∘δ = 0), coboundaries and Laplacians.

Known answers first (hand-written coboundary matrices with the incidence signs of DESIGN.md §3),
then validation errors, then properties (random consistent "gauge" sheaves have δ∘δ = 0; the
kernel of the sheaf Laplacian has the dimension of the cohomology), and the sign sheaves of
:mod:`tdasheaf.datasets`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tdasheaf.cohomology import coboundary, sheaf_laplacian, sheaf_persistence
from tdasheaf.complexes import FilteredComplex, rips_complex
from tdasheaf.datasets import SURFACES, orientation_signs, sign_sheaf, triangulated_surface
from tdasheaf.datasets import random_gauge_sheaf as gauge_sheaf
from tdasheaf.exceptions import InvalidSheafError
from tdasheaf.sheaves import CellularSheaf, constant_sheaf

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TRIANGLE = [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]
FILLED = [*TRIANGLE, (0, 1, 2)]


def boundary_of_triangle():
    return FilteredComplex.from_simplices(TRIANGLE)


def filled_triangle():
    return FilteredComplex.from_simplices(FILLED)


# ----------------------------------------------------------------------------------------------
# Random consistent sheaves ("gauge" construction)
# ----------------------------------------------------------------------------------------------


@st.composite
def small_rips(draw, max_points=7, max_dimension=3):
    """Rips complexes of small integer-grid clouds (ties and duplicate points included)."""
    n = draw(st.integers(1, max_points))
    pts = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=n, max_size=n))
    threshold = draw(st.sampled_from([1.0, 1.5, 2.3, np.inf]))
    dim = draw(st.integers(1, max_dimension))
    return rips_complex(np.array(pts, dtype=float), threshold, dim)


def dense_delta(sheaf, k):
    return coboundary(sheaf, k).toarray()


# ----------------------------------------------------------------------------------------------
# Construction: shapes, layout, defaults
# ----------------------------------------------------------------------------------------------


def test_shapes_layout_and_padding():
    K = filled_triangle()
    F = CellularSheaf.from_restrictions(
        K,
        {(0,): 2, (0, 1): 2, (0, 1, 2): 0},
        {
            ((1,), (0, 1)): [[1.0], [2.0]],  # 1 -> 2
            ((0,), (0, 2)): [[3.0, 4.0]],  # 2 -> 1
        },
    )
    assert [d.tolist() for d in F.stalk_dims] == [[2, 1, 1], [2, 1, 1], [0]]
    assert [R.shape for R in F.restrictions] == [(3, 0, 2, 0), (3, 2, 2, 2), (1, 3, 0, 2)]
    assert [F.cochain_dim(k) for k in range(4)] == [4, 4, 0, 0]
    np.testing.assert_array_equal(F.offsets(0), [0, 2, 3, 4])
    R1 = F.restrictions[1]
    # edge (0, 1), position 0 drops vertex 0: the face is (1,)
    np.testing.assert_array_equal(R1[0, 0], [[1.0, 0.0], [2.0, 0.0]])
    np.testing.assert_array_equal(R1[0, 1], np.eye(2))  # default identity 2 -> 2
    np.testing.assert_array_equal(R1[1, 1], [[3.0, 4.0], [0.0, 0.0]])  # (0,) -> (0, 2), padded
    np.testing.assert_array_equal(R1[2, :, 0, 0], [1.0, 1.0])  # (1, 2): identities 1 -> 1
    assert "CellularSheaf" in repr(F)


def test_stalk_dims_forms_agree():
    K = filled_triangle()
    a = CellularSheaf.from_restrictions(K, 2)
    b = CellularSheaf.from_arrays(
        K,
        [2, 2, 2],
        [np.broadcast_to(np.eye(2), (3, 2, 2, 2)), np.broadcast_to(np.eye(2), (1, 3, 2, 2))],
    )
    c = CellularSheaf.from_arrays(
        K,
        [np.full(3, 2), np.full(3, 2), np.full(1, 2)],
        [np.broadcast_to(np.eye(3), (3, 2, 3, 3)), np.broadcast_to(np.eye(3), (1, 3, 3, 3))],
    )  # oversized blocks are cut to the stalk dimensions
    d = constant_sheaf(K, 2)
    for other in (b, c, d):
        for R1, R2 in zip(a.restrictions, other.restrictions, strict=True):
            np.testing.assert_array_equal(R1, R2)


def test_missing_map_between_different_dims_is_an_error():
    K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)])
    with pytest.raises(InvalidSheafError, match=r"\(1,\) -> \(0, 1\).*differ"):
        CellularSheaf.from_restrictions(K, {(0, 1): 2, (0,): 2}, {((0,), (0, 1)): np.eye(2)})


def test_zero_stalks_default_to_empty_maps():
    K = filled_triangle()
    dims = {(1,): 0, (0, 1): 0, (1, 2): 0, (0, 1, 2): 2}
    with pytest.raises(InvalidSheafError, match=r"\(0, 2\) -> \(0, 1, 2\)"):
        CellularSheaf.from_restrictions(K, dims)  # 1 -> 2 has no default
    F = CellularSheaf.from_restrictions(K, dims, {((0, 2), (0, 1, 2)): np.zeros((2, 1))})
    assert [d.tolist() for d in F.stalk_dims] == [[1, 0, 1], [0, 1, 0], [2]]
    np.testing.assert_array_equal(dense_delta(F, 0), [[-1, 1]])
    assert coboundary(F, 1).shape == (2, 1)
    np.testing.assert_array_equal(dense_delta(F, 1), 0.0)
    z = CellularSheaf.from_restrictions(K, 0)
    assert [z.cochain_dim(k) for k in range(3)] == [0, 0, 0]
    assert coboundary(z, 0).shape == (0, 0)


@pytest.mark.parametrize(
    ("stalk_dims", "restrictions", "match"),
    [
        (1, {((0,), (0, 1)): [[1.0, 2.0]]}, r"shape \(1, 2\).*expected shape \(1, 1\)"),
        (1, {((0,), (1, 2)): [[1.0]]}, "codimension-1 face"),
        (1, {((0,), (0, 1, 2)): [[1.0]]}, "codimension-1 face"),
        (1, {((0, 1), (0, 1, 3)): [[1.0]]}, "not in the complex"),
        ({(0, 5): 1}, None, "not in the complex"),
        ({(0,): -1}, None, "non-negative int"),
        ({(0,): 1.5}, None, "non-negative int"),
        (-1, None, "non-negative int"),
        (True, None, "non-negative int"),
        (2.0, None, "non-negative int"),
    ],
)
def test_bad_construction_arguments(stalk_dims, restrictions, match):
    with pytest.raises(InvalidSheafError, match=match):
        CellularSheaf.from_restrictions(filled_triangle(), stalk_dims, restrictions)


def test_from_arrays_shape_errors():
    K = filled_triangle()
    good = [np.ones((3, 2, 1, 1)), np.ones((1, 3, 1, 1))]
    with pytest.raises(InvalidSheafError, match="one array per dimension"):
        CellularSheaf.from_arrays(K, 1, good[:1])
    with pytest.raises(InvalidSheafError, match=r"must have shape \(3, 2"):
        CellularSheaf.from_arrays(K, 1, [np.ones((3, 3, 1, 1)), good[1]])
    with pytest.raises(InvalidSheafError, match="too small"):
        CellularSheaf.from_arrays(K, 2, good)
    with pytest.raises(InvalidSheafError, match=r"stalk_dims\[1\] must have shape \(3,\)"):
        CellularSheaf.from_arrays(K, [1, np.ones(2, int), 1], good)
    with pytest.raises(InvalidSheafError, match="one entry per dimension"):
        CellularSheaf.from_arrays(K, [1, 1], good)


# ----------------------------------------------------------------------------------------------
# Validation: δ∘δ = 0, finiteness
# ----------------------------------------------------------------------------------------------


def test_holonomy_minus_one_on_a_filled_triangle_is_refused():
    K = filled_triangle()
    twisted = {((2,), (0, 2)): [[-1.0]]}
    # the message names a vertex, the two edges through which it reaches the triangle
    composite = r"\((\d),\) -> \((\d), (\d)\) -> \(0, 1, 2\)"
    with pytest.raises(InvalidSheafError, match=rf"δ∘δ ≠ 0.*{composite} and {composite}"):
        CellularSheaf.from_restrictions(K, 1, twisted)
    # the same maps from arrays, and built unvalidated then checked
    R1 = CellularSheaf.from_restrictions(K, 1, twisted, validate=False).restrictions[1]
    with pytest.raises(InvalidSheafError, match="inconsistent"):
        CellularSheaf.from_arrays(K, 1, [R1, np.ones((1, 3, 1, 1))])
    F = CellularSheaf.from_arrays(K, 1, [R1, np.ones((1, 3, 1, 1))], validate=False)
    with pytest.raises(InvalidSheafError, match="inconsistent"):
        F.check()
    # with a zero triangle stalk the same edge maps are consistent
    ok = CellularSheaf.from_restrictions(K, {(0, 1, 2): 0}, twisted)
    assert ok.check() is ok


def test_real_valued_inconsistency_respects_tolerance():
    K = filled_triangle()
    small = {((2,), (0, 2)): [[1.0 + 1e-13]]}
    CellularSheaf.from_restrictions(K, 1, small)  # within atol: accepted
    with pytest.raises(InvalidSheafError, match="differ"):
        CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[1.0 + 1e-6]]})
    CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[1.0 + 1e-6]]}, atol=1e-3)


def _rotated(norm, angle):
    return norm * np.array([np.cos(angle), np.sin(angle)])


def large_maps_consistent_up_to_rounding(norm=3e4):
    """A filled triangle whose composites agree exactly in ℝ and up to rounding in float64.

    Edge (0, 2) has a zero stalk, so the composites from (0,) and (2,) through it are 0; the
    ones through (0, 1) and (1, 2) are products of perpendicular vectors of norm ``norm``
    (0 in ℝ, about eps · norm² in floating point). From (1,) both composites are
    ``norm² cos(0.3 - 2.0)``, computed two ways.
    """
    t01, t12, phi = 0.3, 1.1, 2.0
    maps = {
        ((0, 1), (0, 1, 2)): _rotated(norm, t01)[None, :],
        ((1, 2), (0, 1, 2)): _rotated(norm, t12)[None, :],
        ((0,), (0, 1)): _rotated(norm, t01 + np.pi / 2)[:, None],
        ((2,), (1, 2)): _rotated(norm, t12 + np.pi / 2)[:, None],
        ((1,), (0, 1)): _rotated(norm, phi)[:, None],
        ((1,), (1, 2)): _rotated(norm, phi - t01 + t12)[:, None],
    }
    dims = {(0, 1): 2, (1, 2): 2, (0, 2): 0}
    return filled_triangle(), dims, maps


def test_large_maps_consistent_up_to_rounding_are_accepted():
    # issue 14: the tolerance is relative to both composites' map norms, with no absolute floor
    K, dims, maps = large_maps_consistent_up_to_rounding()
    through_01 = maps[((0, 1), (0, 1, 2))] @ maps[((0,), (0, 1))]
    from_1 = (
        maps[((0, 1), (0, 1, 2))] @ maps[((1,), (0, 1))]
        - maps[((1, 2), (0, 1, 2))] @ maps[((1,), (1, 2))]
    )
    # the premise: the rounding errors exceed an absolute 1e-9, but are tiny next to 3e4 · 3e4
    assert 1e-9 < max(abs(through_01).max(), abs(from_1).max()) < 1e-6
    F = CellularSheaf.from_restrictions(K, dims, maps)
    assert F.check() is F
    assert not F.is_integral
    # a genuine inconsistency of the same sheaf at the relative 1e-6 level is still refused
    bad = dict(maps)
    bad[((1,), (1, 2))] = maps[((1,), (1, 2))] * (1 + 1e-6)
    with pytest.raises(InvalidSheafError, match=r"\(1,\) -> .* differ"):
        CellularSheaf.from_restrictions(K, dims, bad)


TINY_COMPOSITE = r"\((\d),\) -> \((\d), (\d)\) -> \(0, 1, 2\)"


@pytest.mark.parametrize("norm", [1e-6, 1.0, 1e6])
def test_inconsistency_is_relative_to_the_map_norms(norm):
    # every map has norm `norm`, one is off by a relative 1e-3: composites differ by norm² · 1e-3
    # (1e-15 for norm 1e-6, which an absolute tolerance of 1e-9 would wrongly accept)
    K = filled_triangle()
    maps = {
        (face, coface): [[norm]]
        for coface in [(0, 1), (0, 2), (1, 2), (0, 1, 2)]
        for face in itertools.combinations(coface, len(coface) - 1)
    }
    maps[((2,), (0, 2))] = [[norm * (1 + 1e-3)]]
    with pytest.raises(
        InvalidSheafError, match=rf"δ∘δ ≠ 0.*{TINY_COMPOSITE} and {TINY_COMPOSITE}.*allowed"
    ):
        CellularSheaf.from_restrictions(K, 1, maps)
    F = CellularSheaf.from_restrictions(K, 1, maps, validate=False)
    with pytest.raises(InvalidSheafError, match=r"\(2,\) -> \((0|1), 2\) -> \(0, 1, 2\)"):
        F.check()
    # a relative tolerance above the defect accepts it, at every scale alike
    assert F.check(atol=1e-2) is F
    # and the consistent version (all maps equal) passes at every scale
    maps[((2,), (0, 2))] = [[norm]]
    CellularSheaf.from_restrictions(K, 1, maps)


def test_zero_composites_pass_without_a_floor():
    # real-valued vertex -> edge maps, zero edge -> triangle maps: every composite is exactly 0
    # (tolerance 0 as well: a zero difference passes even with no absolute floor)
    K = filled_triangle()
    maps = {
        (face, coface): [[0.5]]
        for coface in [(0, 1), (0, 2), (1, 2)]
        for face in itertools.combinations(coface, 1)
    }
    maps.update({(edge, (0, 1, 2)): [[0.0]] for edge in [(0, 1), (0, 2), (1, 2)]})
    F = CellularSheaf.from_restrictions(K, 1, maps)
    assert not F.is_integral and F.check() is F


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_maps_are_refused(bad):
    K = boundary_of_triangle()
    with pytest.raises(InvalidSheafError, match=r"\(0,\) -> \(0, 1\).*NaN or infinite"):
        CellularSheaf.from_restrictions(K, 1, {((0,), (0, 1)): [[bad]]})
    F = CellularSheaf.from_restrictions(K, 1, {((0,), (0, 1)): [[bad]]}, validate=False)
    with pytest.raises(InvalidSheafError, match="NaN or infinite"):
        F.check()


# ----------------------------------------------------------------------------------------------
# Coboundaries: hand-written matrices (DESIGN.md §3 incidence signs)
# ----------------------------------------------------------------------------------------------


def test_coboundary_of_twisted_triangle_boundary():
    # edges in order (0, 1), (0, 2), (1, 2); (δx)(ab) = F_{b⊲ab} x_b - F_{a⊲ab} x_a
    F = CellularSheaf.from_restrictions(boundary_of_triangle(), 1, {((2,), (0, 2)): [[-1]]})
    expected = [[-1, 1, 0], [-1, 0, -1], [0, -1, 1]]
    np.testing.assert_array_equal(dense_delta(F, 0), expected)
    assert coboundary(F, 1).shape == (0, 3)
    assert coboundary(F, -1).shape == (3, 0)


def test_coboundary_of_filled_triangle():
    # (δx)(012) = x(12) - x(02) + x(01)
    F = constant_sheaf(filled_triangle())
    np.testing.assert_array_equal(dense_delta(F, 1), [[1, -1, 1]])
    np.testing.assert_array_equal(dense_delta(F, 1) @ dense_delta(F, 0), 0)


def test_coboundary_block_layout_with_mixed_stalks():
    K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)], [0, 0, 1])
    F = CellularSheaf.from_restrictions(
        K, {(0,): 2}, {((0,), (0, 1)): [[1.0, 2.0]], ((1,), (0, 1)): [[3.0]]}
    )
    # basis of C^0: (x_0^1, x_0^2, x_1); δx = 3 x_1 - (x_0^1 + 2 x_0^2)
    np.testing.assert_array_equal(dense_delta(F, 0), [[-1, -2, 3]])
    assert coboundary(F, 0, format="coo").format == "coo"


def test_coboundary_rank2_block_signs():
    # rank 2, vertex 2's frame swapped: the maps out of vertex 2 are A (A = A^{-1})
    K = filled_triangle()
    A = np.array([[0.0, 1.0], [1.0, 0.0]])
    F = CellularSheaf.from_restrictions(K, 2, {((2,), (0, 2)): A, ((2,), (1, 2)): A})
    D0 = dense_delta(F, 0)
    # row block of edge (0, 2) = [-I, 0, A] (columns: vertices 0, 1, 2)
    np.testing.assert_array_equal(D0[2:4], np.hstack([-np.eye(2), np.zeros((2, 2)), A]))
    np.testing.assert_array_equal(dense_delta(F, 1), np.hstack([np.eye(2), -np.eye(2), np.eye(2)]))
    np.testing.assert_array_equal(dense_delta(F, 1) @ D0, 0)


# ----------------------------------------------------------------------------------------------
# Laplacians: ker L^k ≅ H^k
# ----------------------------------------------------------------------------------------------


def betti_by_ranks(sheaf, k):
    rank = np.linalg.matrix_rank
    up = dense_delta(sheaf, k)
    down = dense_delta(sheaf, k - 1)
    return sheaf.cochain_dim(k) - (rank(up) if up.size else 0) - (rank(down) if down.size else 0)


def nullity(L, tol=1e-8):
    L = L.toarray() if hasattr(L, "toarray") else L
    if L.shape[0] == 0:
        return 0
    s = np.linalg.svd(L, compute_uv=False)
    return int(np.sum(s <= tol * max(1.0, s.max(initial=0))))


def _examples():
    K = boundary_of_triangle()
    yield "twisted circle", CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[-1]]}), [0, 0]
    yield "circle", constant_sheaf(K), [1, 1]
    yield "filled triangle", constant_sheaf(filled_triangle(), 2), [2, 0, 0]
    yield (
        "zero stalks",
        CellularSheaf.from_restrictions(filled_triangle(), {(0, 1): 0, (0, 1, 2): 0}),
        [1, 0, 0],
    )
    for name, betti in [("torus", [1, 2, 1]), ("klein", [0, 1, 1]), ("rp2", [0, 0, 1])]:
        simplices, signs = triangulated_surface(name, 3, 3)
        yield name, sign_sheaf(FilteredComplex.from_simplices(simplices), signs), betti


@pytest.mark.parametrize(("name", "sheaf", "betti"), list(_examples()), ids=lambda x: str(x)[:20])
def test_laplacian_kernel_is_cohomology(name, sheaf, betti):
    rng = np.random.default_rng(0)
    for k, b in enumerate(betti):
        assert betti_by_ranks(sheaf, k) == b
        L = sheaf_laplacian(sheaf, k)
        np.testing.assert_allclose(L.toarray(), L.toarray().T)
        assert nullity(L) == b
        weights = [rng.uniform(0.5, 3.0, size=len(d)) for d in sheaf.stalk_dims]
        assert nullity(sheaf_laplacian(sheaf, k, weights=weights)) == b
    bars = sheaf_persistence(sheaf, degrees=tuple(range(len(betti))), field="R")
    assert [int(np.isinf(bars[k][:, 1]).sum()) for k in range(len(betti))] == betti


def test_laplacian_weights_validated():
    F = constant_sheaf(filled_triangle())
    with pytest.raises(ValueError, match="positive"):
        sheaf_laplacian(F, 1, weights=[np.ones(3), -np.ones(3), np.ones(1)])
    np.testing.assert_allclose(
        sheaf_laplacian(F, 0).toarray(), [[2, -1, -1], [-1, 2, -1], [-1, -1, 2]]
    )


# ----------------------------------------------------------------------------------------------
# Property: random consistent sheaves satisfy δ∘δ = 0
# ----------------------------------------------------------------------------------------------


@PROPERTY
@given(K=small_rips(), seed=st.integers(0, 2**16), kind=st.sampled_from(["integer", "orthogonal"]))
def test_gauge_sheaves_are_consistent(K, seed, kind):
    rng = np.random.default_rng(seed)
    F = gauge_sheaf(K, rng, kind=kind)
    if kind == "integer":
        assert F.is_integral
    tol = 0.0 if kind == "integer" else 1e-10  # exact for integers, rounding for reals
    for k in range(F.dimension - 1):
        prod = dense_delta(F, k + 1) @ dense_delta(F, k)
        assert np.abs(prod).max(initial=0) <= tol


@PROPERTY
@given(K=small_rips(max_dimension=2), seed=st.integers(0, 2**16))
def test_perturbed_gauge_sheaves_are_refused(K, seed):
    rng = np.random.default_rng(seed)
    F = gauge_sheaf(K, rng, kind="integer", mixed=False)
    if len(K.simplices) < 3 or len(K.simplices[2]) == 0:
        return
    R = [r.copy() for r in F.restrictions[1:]]
    j = int(K.boundaries[2][0, 0])  # an edge of the first triangle
    R[0][j, 0, 0, 0] += 1.0  # perturb the map (second vertex) -> edge
    with pytest.raises(InvalidSheafError, match="inconsistent"):
        CellularSheaf.from_arrays(K, [d for d in F.stalk_dims], R)


# ----------------------------------------------------------------------------------------------
# Sign sheaves of triangulated surfaces (tdasheaf.datasets)
# ----------------------------------------------------------------------------------------------


def is_coboundary(signs):
    """Whether ±1 edge signs are g_i g_j for some ±1 vertex gauge g (BFS on the graph)."""
    adj = {}
    for (i, j), s in signs.items():
        adj.setdefault(i, []).append((j, s))
        adj.setdefault(j, []).append((i, s))
    g = {}
    for root in adj:
        if root in g:
            continue
        g[root] = 1
        stack = [root]
        while stack:
            u = stack.pop()
            for v, s in adj[u]:
                if v not in g:
                    g[v] = g[u] * s
                    stack.append(v)
    return all(g[i] * g[j] == s for (i, j), s in signs.items())


@pytest.mark.parametrize("name", SURFACES)
def test_sign_sheaf_of_surfaces(name):
    simplices, signs = triangulated_surface(name)
    K = FilteredComplex.from_simplices(simplices)
    F = sign_sheaf(K, signs)
    assert F.is_integral and all((d == 1).all() for d in F.stalk_dims)  # no holonomy
    np.testing.assert_array_equal(dense_delta(F, 1) @ dense_delta(F, 0), 0)
    # the seam signs and the star-orientation signs define the same local system
    triangles = [s for s in simplices if len(s) == 3]
    star = orientation_signs(triangles)
    assert set(star) == set(signs)
    assert is_coboundary({e: signs[e] * star[e] for e in signs})
    orientable = name in ("cylinder", "torus")
    assert is_coboundary(signs) == orientable


def test_sign_sheaf_maps_and_zero_stalks():
    # a tetrahedron with one twisted edge: every triangle containing it has holonomy -1
    verts = range(4)
    simplices = [s for k in (1, 2, 3, 4) for s in itertools.combinations(verts, k)]
    K = FilteredComplex.from_simplices(simplices)
    F = sign_sheaf(K, {(2, 0): -1})  # either order of the key
    tri = [tuple(int(v) for v in t) for t in K.simplices[2]]
    assert dict(zip(tri, F.stalk_dims[2].tolist(), strict=True)) == {
        (0, 1, 2): 0,
        (0, 1, 3): 1,
        (0, 2, 3): 0,
        (1, 2, 3): 1,
    }
    assert F.stalk_dims[3].tolist() == [0]
    edge = [tuple(int(v) for v in e) for e in K.simplices[1]]
    R1 = F.restrictions[1][:, :, 0, 0]
    assert R1[edge.index((0, 2))].tolist() == [-1.0, 1.0]  # F_{2⊲02} = -1, F_{0⊲02} = 1
    # H^0 = 0 (no global section), by the Laplacian
    assert nullity(sheaf_laplacian(F, 0)) == 0


def test_sign_sheaf_gauge_transport_in_higher_simplices():
    # signs g_i g_j (trivial system) on a tetrahedron: the face without the first vertex is
    # transported by sign(v0 v1), every other face map is 1
    g = {0: 1, 1: -1, 2: 1, 3: -1}
    simplices = [s for k in (1, 2, 3, 4) for s in itertools.combinations(range(4), k)]
    K = FilteredComplex.from_simplices(simplices)
    F = sign_sheaf(K, {(i, j): g[i] * g[j] for i, j in itertools.combinations(range(4), 2)})
    R3 = F.restrictions[3][0, :, 0, 0]
    np.testing.assert_array_equal(R3, [g[0] * g[1], 1, 1, 1])
    for k in range(1, 3):
        np.testing.assert_array_equal(dense_delta(F, k) @ dense_delta(F, k - 1), 0)
    assert betti_by_ranks(F, 0) == 1


@pytest.mark.parametrize(
    ("name", "n", "m"), [("torus", 3, 2), ("klein", 2, 4), ("mobius", 2, 3), ("cylinder", 3, 1)]
)
def test_triangulated_surface_too_small(name, n, m):
    with pytest.raises(ValueError, match="needs n >="):
        triangulated_surface(name, n, m)


def test_triangulated_surface_bad_arguments():
    with pytest.raises(ValueError, match="name must be one of"):
        triangulated_surface("sphere")
    with pytest.raises(ValueError, match="integer"):
        triangulated_surface("torus", 4.0, 4)
    K = boundary_of_triangle()
    with pytest.raises(ValueError, match="must be"):
        sign_sheaf(K, {(0, 1): 2})
