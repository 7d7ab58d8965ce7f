"""Global sections, inconsistencies, the consistency filtration and sheaf heat diffusion.

Oracles: dense linear algebra written here (``scipy.linalg.null_space`` of δ^0 and explicit
W-orthogonal projections / minimum-norm least squares), ``scipy.linalg.expm`` for the heat
flow, closed forms on the constant sheaf (per-component weighted means) and on a sheaf with no
global section, and gudhi / flag_persistence for the consistency filtration's barcode.
Property tests (hypothesis) over random small sheaves: gauge sheaves on flag and hand-made
complexes (:func:`tdasheaf.datasets.random_gauge_sheaf`) and non-gauge sheaves on graphs with
random stalk dimensions (0..3) and random restriction maps.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse.linalg as spla
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from tdasheaf.cohomology import (
    coboundary,
    consistency_filtration,
    consistency_radius,
    edge_inconsistencies,
    flag_persistence,
    nearest_global_section,
    sheaf_diffusion,
    sheaf_laplacian,
    vertex_inconsistencies,
)
from tdasheaf.complexes import FilteredComplex, rips_complex
from tdasheaf.datasets import make_sphere, random_gauge_sheaf
from tdasheaf.sheaves import CellularSheaf, constant_sheaf, tangent_sheaf

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# ----------------------------------------------------------------------------------------------
# random sheaves
# ----------------------------------------------------------------------------------------------


def random_graph_sheaf(rng, n=7, max_stalk=3) -> CellularSheaf:
    """A non-gauge sheaf on a random graph: random stalk dimensions (0..3), random maps."""
    X = rng.normal(size=(n, 2))
    K = rips_complex(X, float(rng.uniform(0.8, 2.0)), 1)
    d0 = rng.integers(0, max_stalk + 1, size=K.n_vertices)
    d1 = rng.integers(0, max_stalk + 1, size=len(K.simplices[1]))
    R = rng.normal(size=(len(d1), 2, max_stalk, max_stalk))
    return CellularSheaf.from_arrays(K, [d0, d1], [R])


def random_gauge(rng) -> CellularSheaf:
    X = rng.normal(size=(int(rng.integers(2, 9)), 2))
    K = rips_complex(X, float(rng.uniform(0.8, 2.0)), 2)
    return random_gauge_sheaf(K, rng, kind="orthogonal", n_components=int(rng.integers(1, 4)))


@st.composite
def sheaves(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sheaf = random_gauge(rng) if draw(st.booleans()) else random_graph_sheaf(rng)
    return sheaf, rng


def kernel_basis(sheaf) -> np.ndarray:
    d = coboundary(sheaf, 0).toarray()
    n = sheaf.cochain_dim(0)
    return sla.null_space(d) if d.shape[0] else np.eye(n)


def dense_projection(sheaf, a, w=None, observed=None) -> np.ndarray:
    """The oracle: minimum-norm argmin over ker δ of Σ_observed w ‖s − a‖² (dense)."""
    N = kernel_basis(sheaf)
    n = sheaf.cochain_dim(0)
    wd = np.ones(n) if w is None else np.repeat(w, sheaf.stalk_dims[0])
    m = np.ones(n, bool) if observed is None else np.repeat(observed, sheaf.stalk_dims[0])
    if N.shape[1] == 0:
        return np.zeros(n)
    if observed is None:  # W-orthogonal projection
        return N @ np.linalg.solve(N.T @ (wd[:, None] * N), N.T @ (wd * a))
    # minimum ‖s‖_W: with s = W^{-1/2} Q c, Q an orthonormal basis of W^{1/2} ker δ
    # (‖s‖_W = ‖c‖, and the objective is ‖Q_O c − W_O^{1/2} a_O‖²)
    Q = sla.orth(np.sqrt(wd)[:, None] * N)
    U, sv, Vt = np.linalg.svd(Q[m], full_matrices=False)
    keep = sv > 1e-9  # absolute: Q has orthonormal columns, so sv <= 1
    c = Vt[keep].T @ ((U[:, keep].T @ (np.sqrt(wd[m]) * a[m])) / sv[keep])
    return (Q @ c) / np.sqrt(wd)


# ----------------------------------------------------------------------------------------------
# nearest global section: closed forms
# ----------------------------------------------------------------------------------------------


def two_components():
    """Path 0-1-2 and edge 3-4, in vertex order 0..4."""
    return FilteredComplex.from_simplices([(0,), (1,), (2,), (3,), (4,), (0, 1), (1, 2), (3, 4)])


def test_constant_sheaf_gives_the_weighted_mean_of_each_component():
    rng = np.random.default_rng(0)
    F = constant_sheaf(two_components(), rank=2)
    a = rng.normal(size=(5, 2))
    w = rng.uniform(0.5, 3.0, size=5)
    res = nearest_global_section(F, a, weights=w)
    expected = np.empty((5, 2))
    for comp in ([0, 1, 2], [3, 4]):
        expected[comp] = (w[comp, None] * a[comp]).sum(0) / w[comp].sum()
    np.testing.assert_allclose(res.section, expected, atol=1e-10)
    assert res.section.shape == (5, 2) and res.converged
    assert res.residual_norm == pytest.approx(np.sqrt((w[:, None] * (a - expected) ** 2).sum()))
    np.testing.assert_allclose(res.residual, np.linalg.norm(a - expected, axis=1))
    # flat layout in, flat layout out
    flat = nearest_global_section(F, a.reshape(-1), weights=w).section
    np.testing.assert_allclose(flat, expected.reshape(-1), atol=1e-10)


def test_constant_sheaf_partial_observations_mean_of_observed_and_zero_elsewhere():
    F = constant_sheaf(two_components())
    a = np.array([1.0, np.nan, 5.0, np.nan, np.nan])
    observed = np.array([True, False, True, False, False])
    res = nearest_global_section(F, a, weights=[1.0, 7.0, 3.0, 1.0, 1.0], observed=observed)
    # component {0,1,2}: weighted mean of the observed (1·1 + 3·5)/4 = 4, harmonic on vertex 1;
    # component {3,4}: no observation, minimum norm -> 0
    np.testing.assert_allclose(res.section, [4.0, 4.0, 4.0, 0.0, 0.0], atol=1e-10)
    assert np.isnan(res.residual[[1, 3, 4]]).all()
    np.testing.assert_allclose(res.residual[[0, 2]], [3.0, 1.0])
    assert res.residual_norm == pytest.approx(np.sqrt(9 + 3))
    none = nearest_global_section(F, a, observed=np.zeros(5, bool))
    np.testing.assert_array_equal(none.section, np.zeros(5))
    assert none.residual_norm == 0.0


def twisted_triangle():
    K = FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)])
    return CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[-1.0]]})


def test_no_global_section_gives_zero_and_the_whole_norm_as_residual():
    F = twisted_triangle()
    assert kernel_basis(F).shape[1] == 0
    a = np.array([1.0, -2.0, 0.5])
    w = np.array([2.0, 1.0, 3.0])
    res = nearest_global_section(F, a, weights=w)
    np.testing.assert_allclose(res.section, 0.0, atol=1e-10)
    assert res.residual_norm == pytest.approx(np.sqrt(np.sum(w * a**2)))
    partial = nearest_global_section(F, a, observed=np.array([True, False, True]))
    np.testing.assert_allclose(partial.section, 0.0, atol=1e-10)


def test_global_section_is_its_own_projection():
    F = constant_sheaf(two_components())
    s = np.array([2.0, 2.0, 2.0, -1.0, -1.0])
    res = nearest_global_section(F, s)
    np.testing.assert_allclose(res.section, s, atol=1e-12)
    assert res.residual_norm == pytest.approx(0.0, abs=1e-10)


# ----------------------------------------------------------------------------------------------
# nearest global section: properties and the dense oracle
# ----------------------------------------------------------------------------------------------


@PROPERTY
@given(case=sheaves())
def test_projection_matches_dense_oracle_and_is_a_projection(case):
    sheaf, rng = case
    n = sheaf.cochain_dim(0)
    a = rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, size=len(sheaf.stalk_dims[0]))
    res = nearest_global_section(sheaf, a, weights=w)
    s = res.section
    scale = max(1.0, np.linalg.norm(a))
    assert res.converged
    np.testing.assert_allclose(s, dense_projection(sheaf, a, w), atol=1e-8 * scale)
    # s is a global section
    assert np.linalg.norm(coboundary(sheaf, 0) @ s) <= 1e-8 * scale
    # the residual is W-orthogonal to every global section
    N = kernel_basis(sheaf)
    wd = np.repeat(w, sheaf.stalk_dims[0])
    np.testing.assert_allclose(N.T @ (wd * (a - s)), 0.0, atol=1e-8 * scale)
    # idempotent
    again = nearest_global_section(sheaf, s, weights=w).section
    np.testing.assert_allclose(again, s, atol=1e-8 * scale)


@PROPERTY
@given(case=sheaves())
def test_partial_assignment_matches_dense_oracle(case):
    sheaf, rng = case
    n_v = len(sheaf.stalk_dims[0])
    a = rng.normal(size=sheaf.cochain_dim(0))
    w = rng.uniform(0.5, 2.0, size=n_v)
    observed = rng.random(n_v) < 0.6
    a_nan = a.copy()
    a_nan[~np.repeat(observed, sheaf.stalk_dims[0])] = np.nan
    res = nearest_global_section(sheaf, a_nan, weights=w, observed=observed)
    assert res.converged
    expected = dense_projection(sheaf, a, w, observed)
    np.testing.assert_allclose(res.section, expected, atol=1e-7 * max(1.0, np.linalg.norm(a)))


def test_projection_on_a_larger_tangent_sheaf_is_sparse_and_accurate():
    X = make_sphere(400, random_state=0)
    F = tangent_sheaf(X, rips_complex(X, 0.3, 1), n_neighbors=12, dim=2)
    a = np.random.default_rng(1).normal(size=(400, 2))
    res = nearest_global_section(F, a, rtol=1e-12)
    assert res.converged
    d = coboundary(F, 0)
    assert np.linalg.norm(d @ res.section.reshape(-1)) <= 1e-8 * np.linalg.norm(a)
    # the residual a − s is in im δᵀ = (ker δ)^⊥: δᵀ z = a − s is solvable
    r = (a - res.section).reshape(-1)
    z = spla.lsqr(d.T.tocsr(), r, atol=1e-14, btol=1e-14, iter_lim=20000)[0]
    assert np.linalg.norm(d.T @ z - r) <= 1e-8 * np.linalg.norm(r)


# ----------------------------------------------------------------------------------------------
# nearest global section: non-convergence warns (issue 14)
# ----------------------------------------------------------------------------------------------


def path_sheaf(n=20):
    """Constant sheaf on a path of ``n`` vertices: LSQR needs ~n iterations to project."""
    K = FilteredComplex.from_simplices(
        [(i,) for i in range(n)] + [(i, i + 1) for i in range(n - 1)]
    )
    return constant_sheaf(K)


@pytest.mark.parametrize("partial", [False, True])
def test_unconverged_projection_warns_once_and_says_what_to_do(partial):
    F = path_sheaf()
    a = np.sin(1.3 * np.arange(20))
    observed = np.isin(np.arange(20), [0, 5, 19]) if partial else None
    solver = r"harmonic extension \(CG\).*LSQR" if partial else r"projection .*\(LSQR\)"
    with pytest.warns(ConvergenceWarning) as record:
        res = nearest_global_section(F, a, observed=observed, maxiter=1)
    assert not res.converged
    assert len(record) == 1  # one warning per call, however many inner solves failed
    message = str(record[0].message)
    assert re.search(rf"did not converge: .*{solver}", message)
    assert re.search(r"relative residual .* = \d", message)  # the residual reached
    assert "maxiter (now 1" in message and "loosen rtol" in message
    # the answer really is off by O(1): the nearest section is the (observed) mean everywhere
    exact = nearest_global_section(F, a, observed=observed)
    assert exact.converged
    assert np.abs(res.section - exact.section).max() > 0.05


def test_convergence_warning_is_sklearns_class_so_user_filters_apply():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = nearest_global_section(path_sheaf(), np.arange(20.0), maxiter=1)
    assert not res.converged


@pytest.mark.parametrize("observed", [None, np.isin(np.arange(20), [0, 5, 19]), np.zeros(20, bool)])
def test_converged_projection_does_not_warn(observed):
    a = np.sin(1.3 * np.arange(20))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = nearest_global_section(path_sheaf(), a, observed=observed)
        assert res.converged
        assert nearest_global_section(twisted_triangle(), [1.0, 2.0, 3.0]).converged


# ----------------------------------------------------------------------------------------------
# inconsistencies and the consistency radius
# ----------------------------------------------------------------------------------------------


@PROPERTY
@given(case=sheaves())
def test_edge_inconsistency_is_the_norm_of_the_coboundary_block(case):
    sheaf, rng = case
    a = rng.normal(size=sheaf.cochain_dim(0))
    e = edge_inconsistencies(sheaf, a)
    da = coboundary(sheaf, 0) @ a
    off = sheaf.offsets(1) if len(sheaf.stalk_dims) > 1 else np.zeros(1, np.int64)
    expected = [np.linalg.norm(da[off[i] : off[i + 1]]) for i in range(len(off) - 1)]
    np.testing.assert_allclose(e, expected, atol=1e-12)
    assert consistency_radius(sheaf, a, "l2") == pytest.approx(np.linalg.norm(da), abs=1e-12)
    assert consistency_radius(sheaf, a) == pytest.approx(max(expected, default=0.0), abs=1e-12)
    s = nearest_global_section(sheaf, a).section
    assert consistency_radius(sheaf, s) <= 1e-7 * max(1.0, np.linalg.norm(a))


def test_vertex_inconsistency_mean_and_max_by_hand():
    F = constant_sheaf(two_components())
    a = [0.0, 1.0, 4.0, 2.0, 2.0]
    np.testing.assert_allclose(edge_inconsistencies(F, a), [1.0, 3.0, 0.0])
    np.testing.assert_allclose(vertex_inconsistencies(F, a), [1.0, 2.0, 3.0, 0.0, 0.0])
    np.testing.assert_allclose(vertex_inconsistencies(F, a, reduce="max"), [1, 3, 3, 0, 0])
    observed = np.array([True, True, False, True, True])
    np.testing.assert_allclose(
        edge_inconsistencies(F, [0.0, 1.0, np.nan, 2.0, 2.0], observed=observed),
        [1.0, np.nan, 0.0],
    )
    v = vertex_inconsistencies(F, [0.0, 1.0, np.nan, 2.0, 2.0], observed=observed)
    np.testing.assert_allclose(v, [1.0, 1.0, np.nan, 0.0, 0.0])
    assert consistency_radius(F, [0.0, 1.0, np.nan, 2.0, 2.0], observed=observed) == 1.0


def test_twisted_restrictions_enter_the_inconsistency():
    F = twisted_triangle()  # F_{2⊲02} = −1: on edge (0, 2) the difference is −a(2) − a(0)
    edges = F.complex.simplices[1].tolist()
    expected = [2.0 if e == [0, 2] else 0.0 for e in edges]
    np.testing.assert_allclose(edge_inconsistencies(F, [1.0, 1.0, 1.0]), expected)


def test_robinson_radius_with_edge_values():
    F = constant_sheaf(FilteredComplex.from_simplices([(0,), (1,), (0, 1)]))
    # the midpoint extension halves the vertex-only radius
    assert consistency_radius(F, [0.0, 2.0]) == 2.0
    assert consistency_radius(F, [0.0, 2.0], edge_values=[1.0]) == 1.0
    np.testing.assert_allclose(edge_inconsistencies(F, [0.0, 2.0], edge_values=[0.5]), [1.5])


def test_bad_assignments_are_clear_errors():
    F = constant_sheaf(two_components())
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        nearest_global_section(F, np.zeros(4))
    with pytest.raises(ValueError, match="observed="):
        nearest_global_section(F, [0.0, np.nan, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="observed must be a boolean"):
        nearest_global_section(F, np.zeros(5), observed=[1, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="NaN or infinite values at observed"):
        nearest_global_section(F, [0.0, np.nan, 1, 1, 1], observed=np.ones(5, bool))
    with pytest.raises(ValueError, match="weights must be positive"):
        nearest_global_section(F, np.zeros(5), weights=[1, 1, 0, 1, 1])
    with pytest.raises(ValueError, match="rtol"):
        nearest_global_section(F, np.zeros(5), rtol=0)
    with pytest.raises(TypeError, match="CellularSheaf"):
        nearest_global_section("not a sheaf", np.zeros(5))
    with pytest.raises(ValueError, match="norm"):
        consistency_radius(F, np.zeros(5), norm="l1")
    with pytest.raises(ValueError, match="reduce"):
        vertex_inconsistencies(F, np.zeros(5), reduce="median")


# ----------------------------------------------------------------------------------------------
# consistency filtration
# ----------------------------------------------------------------------------------------------


def test_consistency_filtration_constant_coefficients_match_flag_persistence():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 2))
    K = rips_complex(X, 1.5, 2)
    F = constant_sheaf(K, rank=2)
    a = rng.normal(size=(12, 2))
    Kc, diagram = consistency_filtration(F, a, degrees=(0, 1))
    e = edge_inconsistencies(F, a)
    # the refiltered complex: same simplices, edge values = inconsistencies, max on triangles
    order = np.lexsort((K.simplices[1][:, 1], K.simplices[1][:, 0], e))
    np.testing.assert_array_equal(Kc.simplices[1], K.simplices[1][order])
    np.testing.assert_allclose(Kc.filtrations[1], e[order])
    np.testing.assert_allclose(Kc.filtrations[2], Kc.filtrations[1][Kc.boundaries[2]].max(1))
    ref = flag_persistence(12, K.simplices[1], e, degrees=(0, 1), field=3)
    gudhi_st = Kc.to_simplex_tree()
    gudhi_st.compute_persistence(homology_coeff_field=3, persistence_dim_max=True)
    for q in (0, 1):
        got = diagram[diagram[:, 2] == q][:, :2]
        np.testing.assert_allclose(got, ref[q])
        g = np.asarray(gudhi_st.persistence_intervals_in_dimension(q)).reshape(-1, 2)
        g = g[g[:, 1] > g[:, 0]]
        np.testing.assert_allclose(got, g[np.lexsort((g[:, 1], g[:, 0]))])


def test_consistency_filtration_sheaf_coefficients_and_unobserved_vertices():
    K = two_components()
    F = constant_sheaf(K)
    a = [0.0, 0.5, 2.5, 1.0, 1.0]
    Kc, diagram = consistency_filtration(F, a, coefficients="sheaf", field="R")
    np.testing.assert_allclose(
        diagram[:, :2], [[0.0, 0.5], [0.0, 2.0], [0.0, np.inf], [0.0, np.inf]]
    )
    observed = np.array([True, True, False, True, True])
    Kp, dp = consistency_filtration(F, [0.0, 0.5, np.nan, 1, 1], observed=observed)
    assert len(Kp.simplices[1]) == 2  # the edge (1, 2) to the unobserved vertex is left out
    assert np.isinf(dp[:, 1]).sum() == 3  # {0, 1}, {2} alone, {3, 4}


# ----------------------------------------------------------------------------------------------
# heat diffusion
# ----------------------------------------------------------------------------------------------


@PROPERTY
@given(case=sheaves(), t=st.sampled_from([0.05, 0.7, 4.0, 60.0]))
def test_diffusion_matches_dense_expm(case, t):
    sheaf, rng = case
    a = rng.normal(size=sheaf.cochain_dim(0))
    w0 = rng.uniform(0.5, 2.0, size=len(sheaf.stalk_dims[0]))
    n_e = len(sheaf.stalk_dims[1]) if len(sheaf.stalk_dims) > 1 else 0
    w1 = rng.uniform(0.5, 2.0, size=n_e)
    weights = (w0, w1) if n_e else None
    L = sheaf_laplacian(sheaf, 0, weights=weights).toarray() if n_e else np.zeros((len(a),) * 2)
    ref = sla.expm(-t * L) @ a
    scale = max(1.0, np.linalg.norm(a))
    for method in ("expm_multiply", "contour", "auto"):
        got = sheaf_diffusion(sheaf, a, t, weights, method=method)
        np.testing.assert_allclose(got, ref, atol=1e-9 * scale, err_msg=method)


def test_diffusion_times_array_zero_and_infinity():
    F = constant_sheaf(two_components(), rank=2)
    a = np.random.default_rng(0).normal(size=(5, 2))
    out = sheaf_diffusion(F, a, [3.0, 0.0, np.inf, 1.0])
    assert out.shape == (4, 5, 2)
    np.testing.assert_array_equal(out[1], a)
    np.testing.assert_allclose(out[2], nearest_global_section(F, a).section, atol=1e-10)
    L = sheaf_laplacian(F, 0).toarray()
    for i, t in ((0, 3.0), (3, 1.0)):
        np.testing.assert_allclose(out[i].reshape(-1), sla.expm(-t * L) @ a.reshape(-1), atol=1e-10)
    # the Dirichlet energy decreases along the flow
    energy = [consistency_radius(F, sheaf_diffusion(F, a, t), "l2") for t in (0, 0.5, 1, 2, 4)]
    assert all(x > y for x, y in zip(energy, energy[1:], strict=False))
    with pytest.raises(ValueError, match="non-negative"):
        sheaf_diffusion(F, a, -1.0)
    with pytest.raises(ValueError, match="method"):
        sheaf_diffusion(F, a, 1.0, method="krylov")


@pytest.mark.parametrize("method", ["auto", "contour"])
def test_diffusion_converges_to_the_projection_and_is_stable_for_large_t(method):
    X = make_sphere(300, random_state=2)
    K = rips_complex(X, 0.35, 1)
    rng = np.random.default_rng(0)
    for F in (constant_sheaf(K, rank=2), tangent_sheaf(X, K, n_neighbors=12, dim=2)):
        a = rng.normal(size=F.cochain_dim(0))
        P = nearest_global_section(F, a, rtol=1e-12).section
        far = sheaf_diffusion(F, a, [1e3, 1e6, 1e9], method=method)
        assert np.isfinite(far).all()
        for row in far[1:]:
            assert np.linalg.norm(row - P) <= 1e-8 * np.linalg.norm(a)
        # and the distance to the projection decreases with t
        d = [np.linalg.norm(sheaf_diffusion(F, a, t) - P) for t in (0.1, 1.0, 10.0)]
        assert d[0] > d[1] > d[2]


def test_weighted_diffusion_converges_to_the_weighted_projection():
    F = constant_sheaf(two_components())
    a = np.array([1.0, 2.0, 3.0, 4.0, 8.0])
    w0 = np.array([1.0, 2.0, 1.0, 3.0, 1.0])
    P = nearest_global_section(F, a, weights=w0).section
    np.testing.assert_allclose(P, [2.0, 2.0, 2.0, 5.0, 5.0])
    for t in (1e3, np.inf):
        got = sheaf_diffusion(F, a, t, weights=(w0, np.ones(3)))
        np.testing.assert_allclose(got, P, atol=1e-9)


def test_slowly_mixing_sheaf_at_large_t_takes_the_contour_path():
    """A 300-vertex path: λ_min ≈ 1e-4, so at t0 = 1e4/‖L‖ the flow has not reached Px yet."""
    n = 300
    path = [(i,) for i in range(n)] + [(i, i + 1) for i in range(n - 1)]
    F = constant_sheaf(FilteredComplex.from_simplices(path))
    a = np.random.default_rng(0).normal(size=n)
    L = sheaf_laplacian(F, 0).toarray()
    for t in (5e3, 5e4):
        ref = sla.expm(-t * L) @ a
        np.testing.assert_allclose(sheaf_diffusion(F, a, t), ref, atol=1e-9)
