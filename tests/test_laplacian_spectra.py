"""Sheaf-Laplacian spectra on sublevel complexes, persistent sheaf Laplacians, and the transformer.

Oracles:
* hand cases with known spectra: path and cycle graphs (``2 − 2cos``), the triangle boundary
  with and without a sign twist and with its 2-cell;
* the dense (LAPACK) and sparse (ARPACK + block check) eigensolvers agree, including on
  eigenvalues of high multiplicity;
* Hodge: the number of zero eigenvalues of ``L^q(K_t)`` = number of bars of
  :func:`sheaf_persistence` alive at ``t``, for constant, orientation and random O(2)-gauge
  sheaves, and (over ℝ) the orientation table of DESIGN.md §4 on triangulated surfaces;
* DESIGN.md §4 oracle 6: the nullity of the persistent Laplacian Δ^{a,b}_q = number of bars
  with birth <= a and death > b, for all pairs a <= b of a grid of scales; the Schur
  complement equals the subspace definition of Mémoli–Wan–Wang; Δ^{a,a} = L^q(K_a);
* the transformer: shapes, names, pandas output, determinism, n_jobs, rigid motions, bad input,
  and its zeros against SheafPersistence's barcodes.
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from tdasheaf.cohomology import (
    coboundary,
    connection_laplacian,
    connection_spectrum,
    laplacian_spectrum,
    persistent_laplacian,
    persistent_spectrum,
    sheaf_laplacian,
    sheaf_persistence,
    smallest_eigenvalues,
    sublevel_laplacian,
)
from tdasheaf.cohomology._connection import _connection_laplacian_dense
from tdasheaf.complexes import FilteredComplex, rips_complex
from tdasheaf.datasets import (
    make_circle,
    make_cylinder,
    make_mobius_band,
    random_rotation,
    sign_sheaf,
    triangulated_surface,
)
from tdasheaf.estimators import SheafLaplacianSpectrum, SheafPersistence
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.sheaves import (
    CellularSheaf,
    constant_sheaf,
    orientation_sheaf,
    signed_graph_sheaf,
    tangent_sheaf,
)


@pytest.fixture(autouse=True, scope="module")
def _single_threaded_blas():
    """Dense eigensolvers on one BLAS thread: on a busy 2-core machine multi-threaded OpenBLAS
    ``eigh`` is erratic (10-50x slower); the results do not depend on it."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def n_zeros(ev) -> int:
    return int(np.sum(ev == 0.0))


def alive(bars, t) -> int:
    return spanning(bars, t, t)


def spanning(bars, a, b) -> int:
    """Bars containing [a, b]: birth <= a and death > b (an infinite bar contains b = inf)."""
    return int(np.sum((bars[:, 0] <= a) & ((bars[:, 1] > b) | np.isinf(bars[:, 1]))))


def full_spectrum(L):
    """Every eigenvalue, zeros snapped (smallest_eigenvalues with n = dim)."""
    return smallest_eigenvalues(L, L.shape[0])


def cycle(n, values=None):
    S = [(i,) for i in range(n)] + [tuple(sorted((i, (i + 1) % n))) for i in range(n)]
    return FilteredComplex.from_simplices(S, values)


def gauge_transform(F: CellularSheaf, rng) -> CellularSheaf:
    """F'_{σ⊲τ} = g_τ F_{σ⊲τ} g_σᵀ with random orthogonal g per simplex (an isomorphic sheaf)."""
    K = F.complex
    d = int(F.stalk_dims[0][0])
    g = [
        np.array([np.linalg.qr(rng.standard_normal((d, d)))[0] for _ in range(len(s))])
        for s in K.simplices
    ]
    Rs = []
    for k in range(1, len(K.simplices)):
        R = F.restrictions[k]
        faces = g[k - 1][K.boundaries[k]]  # (n_k, k+1, d, d)
        Rs.append(np.einsum("nab,nibc,nidc->niad", g[k], R, faces))
    return CellularSheaf.from_arrays(K, F.stalk_dims, Rs)


@pytest.fixture
def band():
    X = make_mobius_band(36, width=0.8, random_state=0)
    return X, rips_complex(X, 0.8, 2)  # 36 vertices, 135 edges, 229 triangles


# ----------------------------------------------------------------------------------------------
# Hand cases
# ----------------------------------------------------------------------------------------------


def test_path_graph_spectrum():
    n = 7
    S = [(i,) for i in range(n)] + [(i, i + 1) for i in range(n - 1)]
    K = FilteredComplex.from_simplices(S, [0] * n + list(range(1, n)))
    F = constant_sheaf(K)
    want = 2 - 2 * np.cos(np.pi * np.arange(n) / n)
    np.testing.assert_allclose(laplacian_spectrum(F, 0, np.inf, n), want, atol=1e-12)
    # K_2: edges 0-1, 1-2 (a path on 3 vertices: 0, 1, 3) and 4 isolated vertices
    np.testing.assert_allclose(laplacian_spectrum(F, 0, 2, 7), [0, 0, 0, 0, 0, 1, 3], atol=1e-12)
    # L^1 of a path is δδᵀ: the nonzero spectrum of L^0
    np.testing.assert_allclose(laplacian_spectrum(F, 1, np.inf, n - 1), want[1:], atol=1e-12)


def test_cycle_spectrum_and_sign_twist():
    n = 9
    K = cycle(n)
    want = np.sort(2 - 2 * np.cos(2 * np.pi * np.arange(n) / n))
    np.testing.assert_allclose(laplacian_spectrum(constant_sheaf(K), 0, 0.0, n), want, atol=1e-12)
    # a sign twist: eigenvalues 2 − 2cos((2k+1)π/n), no zero (no global section)
    signs = np.ones(n)
    signs[0] = -1
    twisted = np.sort(2 - 2 * np.cos((2 * np.arange(n) + 1) * np.pi / n))
    ev = laplacian_spectrum(signed_graph_sheaf(K, signs), 0, 0.0, n)
    np.testing.assert_allclose(ev, twisted, atol=1e-12)
    assert n_zeros(ev) == 0


def test_triangle_boundary_and_filled_triangle():
    S = [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2), (0, 1, 2)]
    K = FilteredComplex.from_simplices(S, [0, 0, 0, 1, 1, 1, 2])
    F = constant_sheaf(K)
    np.testing.assert_allclose(laplacian_spectrum(F, 0, 1, 3), [0, 3, 3], atol=1e-12)
    np.testing.assert_allclose(laplacian_spectrum(F, 1, 1, 3), [0, 3, 3], atol=1e-12)  # H^1 = 1
    np.testing.assert_allclose(laplacian_spectrum(F, 1, 2, 3), [3, 3, 3], atol=1e-12)  # filled
    np.testing.assert_allclose(laplacian_spectrum(F, 2, 2, 2), [3, np.nan], atol=1e-12)
    # twisted boundary: H^0 = H^1 = 0; signed L^0 spectrum {1, 1, 4}, L^1 the same
    Kb = FilteredComplex.from_simplices(S[:6], [0, 0, 0, 1, 1, 1])
    T = CellularSheaf.from_restrictions(Kb, 1, {((2,), (0, 2)): [[-1]]})
    np.testing.assert_allclose(laplacian_spectrum(T, 0, 1, 3), [1, 1, 4], atol=1e-12)
    np.testing.assert_allclose(laplacian_spectrum(T, 1, 1, 3), [1, 1, 4], atol=1e-12)


def test_padding_and_empty_spaces():
    K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)], [0, 1, 2])
    F = constant_sheaf(K)
    assert np.isnan(laplacian_spectrum(F, 0, -1.0, 3)).all()  # K_{-1} is empty
    np.testing.assert_array_equal(laplacian_spectrum(F, 0, 0.5, 3), [0, np.nan, np.nan])
    assert np.isnan(laplacian_spectrum(F, 1, 1.5, 2)).all()  # no edge yet
    assert np.isnan(laplacian_spectrum(F, 3, np.inf, 2)).all()  # above the dimension
    assert laplacian_spectrum(F, 0, 2, 0).shape == (0,)
    assert np.isnan(persistent_spectrum(F, 1, 0.0, 2.0, 2)).all()


def test_weights_match_sheaf_laplacian():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 2))
    K = rips_complex(X, 1.5, 2)
    F = constant_sheaf(K)
    weights = [rng.uniform(0.5, 2.0, n) for n in K.n_simplices]
    for q in (0, 1):
        want = np.sort(np.linalg.eigvals(sheaf_laplacian(F, q, weights=weights).toarray()).real)
        got = laplacian_spectrum(F, q, np.inf, len(want), weights=weights, zero_tol=0)
        np.testing.assert_allclose(got, np.maximum(want, 0), atol=1e-9)
        # the nullity does not depend on the weights
        t = float(np.median(K.filtrations[1]))
        plain = full_spectrum(sublevel_laplacian(F, q, t))
        weighted = full_spectrum(sublevel_laplacian(F, q, t, weights=weights))
        assert n_zeros(plain) == n_zeros(weighted)


def test_vectorised_scales(band):
    X, K = band
    F = orientation_sheaf(X, K, n_neighbors=8, dim=2)
    ts = np.quantile(K.filtrations[1], [0.1, 0.5, 0.9])
    many = laplacian_spectrum(F, 1, ts, 4)
    assert many.shape == (3, 4)
    for row, t in zip(many, ts, strict=True):
        np.testing.assert_array_equal(row, laplacian_spectrum(F, 1, t, 4))
    pl = persistent_spectrum(F, 1, ts[:-1], ts[1:], 4)
    assert pl.shape == (2, 4)
    np.testing.assert_array_equal(pl[1], persistent_spectrum(F, 1, ts[1], ts[2], 4))
    assert laplacian_spectrum(F, 0, [], 3).shape == (0, 3)
    with pytest.raises(ValueError, match="same shape"):
        persistent_spectrum(F, 1, ts, ts[1:], 2)
    with pytest.raises(ValueError, match="a <= b"):
        persistent_spectrum(F, 1, ts[1:], ts[:-1], 2)


def test_bad_arguments():
    K = cycle(4)
    F = constant_sheaf(K)
    with pytest.raises(ValueError, match="degree"):
        laplacian_spectrum(F, -1, 0, 2)
    with pytest.raises(ValueError, match="n_eigenvalues"):
        laplacian_spectrum(F, 0, 0, -1)
    with pytest.raises(ValueError, match="real number"):
        laplacian_spectrum(F, 0, np.nan, 2)
    with pytest.raises(ValueError, match="real number"):
        laplacian_spectrum(F, 0, [[0.0]], 2)
    with pytest.raises(ValueError, match="a <= b"):
        persistent_laplacian(F, 0, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        laplacian_spectrum(F, 0, 0, 2, weights=[np.ones(4), -np.ones(4)])


# ----------------------------------------------------------------------------------------------
# Dense and sparse eigensolvers
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", [0, 1])
def test_dense_and_sparse_agree_on_rips(q):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (150, 2))
    K = rips_complex(X, 0.14, 2)
    for F in (constant_sheaf(K), signed_graph_sheaf(K, rng.choice([-1.0, 1.0], K.n_simplices[1]))):
        for t in (0.1, 0.14):
            L = sublevel_laplacian(F, q, t)
            dense = smallest_eigenvalues(L, 15, dense_max_dim=10**6)
            sparse = smallest_eigenvalues(L, 15, dense_max_dim=0)
            np.testing.assert_allclose(sparse, dense, rtol=1e-8, atol=1e-10)
            assert n_zeros(dense) == n_zeros(sparse)


def test_sparse_finds_every_copy_of_a_multiple_eigenvalue():
    # 40 disjoint 15-cycles: every eigenvalue has multiplicity >= 40, beyond a single-vector
    # Lanczos method in exact arithmetic
    c, m = 40, 15
    S = [s for b in range(c) for i in range(m) for s in ((b * m + i,), tuple(sorted(
        (b * m + i, b * m + (i + 1) % m))))]  # fmt: skip
    L = sublevel_laplacian(constant_sheaf(FilteredComplex.from_simplices(S)), 0, 0.0)
    sparse = smallest_eigenvalues(L, 50, dense_max_dim=0)
    assert n_zeros(sparse) == 40
    np.testing.assert_allclose(sparse[40:], 2 - 2 * np.cos(2 * np.pi / m), rtol=1e-9)


def test_sparse_tangent_sheaf_matches_dense():
    X = make_cylinder(250, width=0.8, random_state=0)
    from tdasheaf.sheaves import tangent_sheaf

    K = rips_complex(X, 0.6, 1)
    L = sublevel_laplacian(tangent_sheaf(X, K, n_neighbors=8, dim=2), 0, 0.6)
    assert L.shape[0] == 500
    np.testing.assert_allclose(
        smallest_eigenvalues(L, 8, dense_max_dim=0), smallest_eigenvalues(L, 8), atol=1e-9
    )


# ----------------------------------------------------------------------------------------------
# Hodge: zeros of L^q(K_t) = bars alive at t
# ----------------------------------------------------------------------------------------------


def scale_grid(K, n=7):
    values = K.filtrations[1]
    mids = np.quantile(values, np.linspace(0, 1, n))
    return np.unique(np.concatenate([mids, values[:: max(1, len(values) // n)], [0.0, np.inf]]))


@pytest.mark.parametrize("kind", ["constant", "orientation", "gauge"])
def test_laplacian_kernel_counts_alive_bars(kind, band):
    X, K = band
    if kind == "constant":
        F = constant_sheaf(K)
    elif kind == "orientation":
        F = orientation_sheaf(X, K, n_neighbors=8, dim=2)
    else:
        F = gauge_transform(constant_sheaf(K, rank=2), np.random.default_rng(1))
    bars = sheaf_persistence(F, (0, 1, 2), field="R")
    for q in (0, 1) if kind == "gauge" else (0, 1, 2):
        for t in scale_grid(K):
            L = sublevel_laplacian(F, q, t)
            assert n_zeros(full_spectrum(L)) == alive(bars[q], t), (q, t)
    if kind == "gauge":  # an orthogonal gauge does not change the spectrum
        for q in (0, 1):
            t = float(np.median(K.filtrations[1]))
            np.testing.assert_allclose(
                laplacian_spectrum(F, q, t, 12),
                np.repeat(laplacian_spectrum(constant_sheaf(K), q, t, 6), 2),
                atol=1e-9,
            )


@pytest.mark.parametrize(
    "name, betti",
    [("cylinder", (1, 1, 0)), ("mobius", (0, 0, 0)), ("torus", (1, 2, 1)),
     ("klein", (0, 1, 1)), ("rp2", (0, 0, 1))],
)  # fmt: skip
def test_orientation_table_by_harmonic_cochains(name, betti):
    simplices, signs = triangulated_surface(name, 4, 3)
    F = sign_sheaf(FilteredComplex.from_simplices(simplices), signs)
    assert tuple(n_zeros(full_spectrum(sublevel_laplacian(F, q, 0.0))) for q in range(3)) == betti


# ----------------------------------------------------------------------------------------------
# Persistent Laplacian: nullity = persistent Betti number (DESIGN.md §4, oracle 6)
# ----------------------------------------------------------------------------------------------


def twisted_signs(K, rng):
    """Random edge signs: a sign sheaf with twisted cycles (and zero stalks on some triangles)."""
    return signed_graph_sheaf(K, rng.choice([-1.0, 1.0], K.n_simplices[1], p=[0.3, 0.7]))


@pytest.mark.parametrize("kind", ["constant", "orientation", "signed"])
def test_persistent_laplacian_nullity_is_persistent_betti(kind, band):
    X, K = band
    if kind == "constant":
        F = constant_sheaf(K)
    elif kind == "orientation":
        F = orientation_sheaf(X, K, n_neighbors=8, dim=2)
    else:
        F = twisted_signs(K, np.random.default_rng(3))
    bars = sheaf_persistence(F, (0, 1), field="R")
    grid = scale_grid(K, 4)
    checked = 0
    for q in (0, 1):
        for a, b in itertools.combinations_with_replacement(grid, 2):
            M = persistent_laplacian(F, q, a, b)
            np.testing.assert_allclose(M, M.T)
            assert n_zeros(full_spectrum(M)) == spanning(bars[q], a, b), (q, a, b)
            checked += 1
    assert checked >= 100


def test_persistent_laplacian_with_weights_keeps_the_nullity(band):
    _, K = band
    rng = np.random.default_rng(4)
    F = twisted_signs(K, rng)
    weights = [rng.uniform(0.5, 2.0, n) for n in K.n_simplices]
    bars = sheaf_persistence(F, (1,), field="R")
    for a, b in itertools.combinations(scale_grid(K, 4), 2):
        M = persistent_laplacian(F, 1, a, b, weights=weights)
        assert n_zeros(full_spectrum(M)) == spanning(bars[1], a, b)


def test_schur_complement_equals_the_subspace_definition(band):
    X, K = band
    F = orientation_sheaf(X, K, n_neighbors=8, dim=2)
    grid = np.quantile(K.filtrations[1], [0.2, 0.5, 0.8])
    for q in (0, 1):
        up, down = coboundary(F, q).toarray(), coboundary(F, q - 1).toarray()
        for a, b in itertools.combinations(grid, 2):
            na, nb = (int(np.searchsorted(np.repeat(K.filtrations[q], F.stalk_dims[q]), t,
                                          side="right")) for t in (a, b))  # fmt: skip
            m = int(np.searchsorted(np.repeat(K.filtrations[q + 1], F.stalk_dims[q + 1]), b,
                                    side="right"))  # fmt: skip
            D = up[:m, :nb]
            Z = sla.null_space(D[:, na:].T)  # C^{b,a}_{q+1} = {c : ∂c supported on K_a}
            boundary = D[:, :na].T @ Z
            want = boundary @ boundary.T
            if q:
                p = int(np.searchsorted(np.repeat(K.filtrations[q - 1], F.stalk_dims[q - 1]), a,
                                        side="right"))  # fmt: skip
                want = want + down[:na, :p] @ down[:na, :p].T
            np.testing.assert_allclose(persistent_laplacian(F, q, a, b), want, atol=1e-9)


def test_persistent_laplacian_at_equal_scales_is_the_laplacian(band):
    X, K = band
    F = orientation_sheaf(X, K, n_neighbors=8, dim=2)
    for q in (0, 1, 2):
        for t in scale_grid(K, 4):
            np.testing.assert_allclose(
                persistent_laplacian(F, q, t, t), sublevel_laplacian(F, q, t).toarray(), atol=1e-12
            )


def test_persistent_laplacian_size_limit(monkeypatch):
    from tdasheaf.cohomology import _laplacian_spectra

    monkeypatch.setattr(_laplacian_spectra, "PERSISTENT_MAX_DIM", 5)
    F = constant_sheaf(cycle(8, [0] * 8 + [1] * 8))
    with pytest.raises(ComplexTooLargeError, match="PERSISTENT_MAX_DIM"):
        persistent_laplacian(F, 0, 0.0, 1.0)


# ----------------------------------------------------------------------------------------------
# The transformer
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def clouds():
    return [
        make_circle(24, noise=0.05, random_state=0),
        make_circle(30, noise=0.1, random_state=1),
        make_circle(27, radius=1.5, noise=0.05, random_state=2),
    ]


def test_transformer_shapes_names_and_scales(clouds):
    est = SheafLaplacianSpectrum(n_eigenvalues=3, n_scales=4, persistent=True).fit(clouds)
    Y = est.transform(clouds)
    names = est.get_feature_names_out()
    assert Y.shape == (3, 3 * 4 + 3 * 3) == (3, len(names))
    assert names[0] == "constant_L0_t00_ev0" and names[11] == "constant_L0_t03_ev2"
    assert names[12] == "constant_PL0_t00_ev0" and names[-1] == "constant_PL0_t02_ev2"
    assert np.all(np.diff(est.scales_) >= 0)
    # learned scales start above the connectivity scale: every training cloud is connected
    assert np.all(Y[:, 0] == 0) and np.all(Y[:, 1] > 0)
    est2 = SheafLaplacianSpectrum(n_scales=4, max_edge_length=0.5).fit(clouds)
    assert est2.scales_.max() <= 0.5


def test_transformer_matches_kernels_and_barcodes(clouds):
    est = SheafLaplacianSpectrum(
        sheaf="orientation", degree=1, n_eigenvalues=4, n_scales=3, persistent=True,
        max_edge_length=0.7, n_neighbors=8,
    ).fit(clouds)  # fmt: skip
    Y = est.transform(clouds)
    D = SheafPersistence(
        sheaf="orientation", degrees=(1,), max_edge_length=0.7, n_neighbors=8
    ).fit_transform(clouds)
    s = est.scales_
    for X, row, diagram in zip(clouds, Y, D, strict=True):
        bars = diagram[diagram[:, 1] > diagram[:, 0]][:, :2]
        K = rips_complex(X, s.max(), 2)
        F = orientation_sheaf(X, K, n_neighbors=8)
        for i, t in enumerate(s):
            np.testing.assert_allclose(row[4 * i : 4 * i + 4], laplacian_spectrum(F, 1, t, 4))
            assert n_zeros(row[4 * i : 4 * i + 4]) == min(4, alive(bars, t))
        for i in range(len(s) - 1):
            pl = row[12 + 4 * i : 16 + 4 * i]
            np.testing.assert_allclose(pl, persistent_spectrum(F, 1, s[i], s[i + 1], 4))
            assert n_zeros(pl) == min(4, spanning(bars, s[i], s[i + 1]))


def test_transformer_pandas_output(clouds):
    pd = pytest.importorskip("pandas")
    est = SheafLaplacianSpectrum(n_eigenvalues=2, n_scales=2).set_output(transform="pandas")
    df = est.fit_transform(clouds)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(est.get_feature_names_out())


def test_transformer_deterministic_and_parallel(clouds):
    est = SheafLaplacianSpectrum(sheaf="tangent", n_eigenvalues=3, n_scales=3, n_neighbors=8)
    a = est.fit_transform(clouds)
    b = clone(est).fit_transform(clouds)
    np.testing.assert_array_equal(a, b)
    c = clone(est).set_params(n_jobs=2).fit_transform(clouds)
    np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sheaf", ["constant", "orientation", "tangent"])
def test_transformer_invariant_under_rigid_motions(sheaf, clouds):
    est = SheafLaplacianSpectrum(sheaf=sheaf, n_eigenvalues=3, n_scales=3, persistent=True,
                                 n_neighbors=8).fit(clouds)  # fmt: skip
    moved = [random_rotation(X, random_state=i) for i, X in enumerate(clouds)]
    np.testing.assert_allclose(est.transform(moved), est.transform(clouds), atol=1e-8)


def test_transformer_fixed_scales_fill_value_and_callable(clouds):
    est = SheafLaplacianSpectrum(n_eigenvalues=3, scales=[0.0, 0.6], degree=1)
    Y = est.fit_transform(clouds)
    assert np.isnan(Y[:, :3]).all()  # no edges at scale 0: C^1 is empty
    filled = clone(est).set_params(fill_value=-1.0).fit_transform(clouds)
    assert (filled[:, :3] == -1).all()
    np.testing.assert_array_equal(filled[:, 3:], Y[:, 3:])

    def twisted(X, K):
        return signed_graph_sheaf(K, -np.ones(K.n_simplices[1]))

    est = SheafLaplacianSpectrum(sheaf=twisted, n_eigenvalues=2, n_scales=2).fit(clouds)
    assert est.get_feature_names_out()[0] == "twisted_L0_t00_ev0"
    est = SheafLaplacianSpectrum(sheaf=lambda X, K: constant_sheaf(K), n_scales=1).fit(clouds)
    assert est.get_feature_names_out()[0] == "custom_L0_t00_ev0"


def test_transformer_bad_input(clouds):
    with pytest.raises(ValueError, match="sheaf"):
        SheafLaplacianSpectrum(sheaf="signal").fit(clouds)
    with pytest.raises(ValueError, match="scales"):
        SheafLaplacianSpectrum(scales=[1.0, 0.5]).fit(clouds)
    with pytest.raises(ValueError, match="scales"):
        SheafLaplacianSpectrum(scales=[]).fit(clouds)
    with pytest.raises(ValueError, match="n_eigenvalues"):
        SheafLaplacianSpectrum(n_eigenvalues=0).fit(clouds)
    with pytest.raises(ValueError, match="non-empty"):
        SheafLaplacianSpectrum().fit([])
    with pytest.raises(ValueError, match="no edges"):
        SheafLaplacianSpectrum(max_edge_length=1e-6).fit(clouds)
    est = SheafLaplacianSpectrum(n_scales=2).fit(clouds)
    with pytest.raises(ValueError, match="features"):
        est.transform([np.zeros((5, 3))])
    bad = SheafLaplacianSpectrum(sheaf=lambda X, K: None, scales=[1.0]).fit(clouds)
    with pytest.raises(TypeError, match="CellularSheaf"):
        bad.transform(clouds)


# ----------------------------------------------------------------------------------------------
# The petls benchmark script (pipelines/benchmarks/laplacian_spectra.py)
# ----------------------------------------------------------------------------------------------


def _bench():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "pipelines" / "benchmarks" / "laplacian_spectra.py"
    spec = importlib.util.spec_from_file_location("bench_laplacian_spectra", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("with_petls", [False, True])
def test_benchmark_quick_run_agrees(with_petls, capsys):
    bench = _bench()
    if with_petls and not os.path.exists(os.path.join(bench.DEFAULT_VENV, "bin", "python")):
        pytest.skip(f"no petls venv at {bench.DEFAULT_VENV}")
    code = bench.main(["--quick"] + ([] if with_petls else ["--no-petls"]))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "agree" in out and "DIFFER" not in out
    assert ("n/a" in out) != with_petls


@pytest.mark.parametrize("n", [5, 24, 40])
def test_complete_graph_laplacian_with_a_highly_repeated_eigenvalue(n):
    # hand-computed: L = nI - J has eigenvalue 0 once and n with multiplicity n - 1 (OpenBLAS
    # 0.3.30's syevr fails on it with "Internal Error"; the solver falls back to syevd)
    L = n * np.eye(n) - np.ones((n, n))
    np.testing.assert_allclose(smallest_eigenvalues(L, 3), [0.0, n, n], rtol=1e-12)


def test_dense_solver_falls_back_when_lapack_fails(monkeypatch):
    eigh = sla.eigh
    used = []

    def failing_eigh(M, *args, driver=None, **kwargs):
        used.append(driver)
        if driver != "evd":
            raise np.linalg.LinAlgError("Internal Error.")
        return eigh(M, *args, driver=driver, **kwargs)

    monkeypatch.setattr(sla, "eigh", failing_eigh)
    path = np.diag([1.0, 2.0, 1.0]) - np.diag([1.0, 1.0], 1) - np.diag([1.0, 1.0], -1)
    np.testing.assert_allclose(smallest_eigenvalues(path, 2), [0.0, 1.0], atol=1e-14)
    assert used == [None, "evd"]


# ----------------------------------------------------------------------------------------------
# connection_laplacian: the tangent sheaf's L^0 without the sheaf
# ----------------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 9), d=st.integers(1, 3), density=st.floats(0, 1), seed=st.integers(0, 99))
def test_connection_laplacian_is_the_sheaf_laplacian(n, d, density, seed):
    # oracle: the library's sublevel Laplacian of tangent_sheaf (δ from the restriction maps) at
    # every prefix of the edges; the maps need not be orthogonal for the identity to hold
    rng = np.random.default_rng(seed)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < density]
    values = np.sort(rng.random(len(pairs)))
    K = FilteredComplex.from_simplices([(i,) for i in range(n)] + pairs, [0.0] * n + list(values))
    E = K.simplices[1] if len(K.simplices) > 1 else np.empty((0, 2), np.int64)
    O = rng.standard_normal((len(E), d, d))
    F = tangent_sheaf(np.zeros((n, 1)), K, alignments=O, frames=None) if len(E) else None
    for m in range(len(E) + 1):
        if m:
            expected = sublevel_laplacian(F, 0, values[m - 1]).toarray()
        else:
            expected = np.zeros((n * d, n * d))
        dense = connection_laplacian(n, E[:m], O[:m])
        np.testing.assert_allclose(dense, expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(
            connection_laplacian(n, E[:m], O[:m], format="csr").toarray(), expected, atol=1e-12
        )
        # the kernel's ‖·‖_∞, which the tangent spectra's zero rule reads
        L, norm = _connection_laplacian_dense(n, E[:m].astype(np.int64), O[:m])
        np.testing.assert_array_equal(L, dense)
        assert norm == pytest.approx(np.abs(expected).sum(axis=1).max() if n * d else 0.0)


@pytest.mark.parametrize("turn", [0.0, np.pi / 3])
def test_connection_laplacian_kernel_is_the_parallel_fields(turn):
    # hand case: a triangle of rotations whose holonomy is the rotation by `turn`; the parallel
    # fields (kernel) are all of R^2 when the holonomy is trivial and 0 otherwise
    def rot(a):
        return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])

    edges = np.array([[0, 1], [1, 2], [0, 2]])
    # (δx)_ij = O_ij x_j − x_i: x_0 = O_01 x_1, x_1 = O_12 x_2, x_0 = O_02 x_2
    O = np.stack([rot(0.4), rot(0.5), rot(0.9 + turn)])
    ev = np.linalg.eigvalsh(connection_laplacian(3, edges, O))
    assert int(np.sum(ev < 1e-12)) == (2 if turn == 0.0 else 0)
    # a 3-cycle with holonomy angle a (every vertex of degree 2): 2 − 2cos((a + 2πk)/3) for
    # k = 0, 1, 2, each twice (the real form of the U(1) connection and of its conjugate)
    want = np.sort(np.repeat([2 - 2 * np.cos((turn + 2 * np.pi * k) / 3) for k in range(3)], 2))
    np.testing.assert_allclose(np.sort(ev), want, atol=1e-12)


def test_connection_laplacian_bad_input():
    O = np.eye(2)[None]
    with pytest.raises(ValueError, match="shape \\(m, 2\\)"):
        connection_laplacian(3, [0, 1], O)
    with pytest.raises(ValueError, match="outside 0..2"):
        connection_laplacian(3, [[0, 3]], O)
    with pytest.raises(ValueError, match="maps must have shape"):
        connection_laplacian(3, [[0, 1]], np.eye(2))
    with pytest.raises(ValueError, match="NaN or inf"):
        connection_laplacian(3, [[0, 1]], np.full((1, 2, 2), np.nan))
    with pytest.raises(ValueError, match="format"):
        connection_laplacian(3, [[0, 1]], O, format="coo")
    with pytest.raises(TypeError, match="n_vertices"):
        connection_laplacian(3.0, [[0, 1]], O)
    # no edges: the zero matrix of the stalks' size
    assert connection_laplacian(2, np.empty((0, 2), int), np.empty((0, 3, 3))).shape == (6, 6)


def _rotation(a):
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def _frames_graph(n, density, seed, reflections, twist):
    """A random graph with orthogonal 2×2 maps from random frames: ``R_i^T R_j`` (flat), with
    frames that may be reflections (``reflections``), and with one edge's map reflected
    (``twist``: the signs det O_e are then unbalanced when that edge closes a cycle)."""
    rng = np.random.default_rng(seed)
    frames = [_rotation(a) for a in rng.uniform(0, 2 * np.pi, n)]
    if reflections:
        frames = [F @ np.diag([1.0, -1.0]) if rng.random() < 0.5 else F for F in frames]
    edges = np.array(
        [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < density],
        dtype=np.int64,
    ).reshape(-1, 2)
    # (δx)_ij = O_ij x_j − x_i: O_ij = F_i^T F_j is flat; a small rotation adds curvature
    maps = np.array(
        [frames[i].T @ _rotation(rng.normal(0, 0.3)) @ frames[j] for i, j in edges]
    ).reshape(-1, 2, 2)
    if twist and len(edges):
        maps[0] = maps[0] @ np.diag([1.0, -1.0])
    return edges, maps


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 14),
    density=st.floats(0, 1),
    seed=st.integers(0, 10**6),
    reflections=st.booleans(),
    twist=st.booleans(),
    k=st.integers(1, 9),
)
def test_connection_spectrum_is_the_real_laplacians(n, density, seed, reflections, twist, k):
    # oracle: LAPACK on the real 2n×2n matrix (smallest_eigenvalues), whichever form
    # connection_spectrum diagonalised; reflected frames keep the signs balanced, a twisted
    # edge may not
    edges, maps = _frames_graph(n, density, seed, reflections, twist)
    L = connection_laplacian(n, edges, maps)
    want = smallest_eigenvalues(L, k)
    got = connection_spectrum(n, edges, maps, k)
    norm = np.abs(L).sum(axis=1).max() if len(edges) else 1.0
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * norm)
    # and the rule that decides what is zero reads the same numbers
    np.testing.assert_array_equal(got == 0, want == 0)


@pytest.mark.parametrize(
    ("reflections", "twist", "perturb", "hermitian"),
    [
        (False, False, 0.0, True),  # rotations: the U(1) form
        (True, False, 0.0, True),  # reflected frames, balanced signs: gauged, then U(1)
        (True, True, 0.0, False),  # an odd cycle of reflections: the real matrix
        (False, False, 1e-9, False),  # maps 1e-9 from orthogonal: over U1_RTOL, the real matrix
    ],
)
def test_connection_spectrum_takes_the_u1_form_only_when_it_is_exact(
    reflections, twist, perturb, hermitian, monkeypatch
):
    import tdasheaf.cohomology._connection as connection

    seen = []
    real_subset = connection._eigvalsh_subset

    def spy(M, lo, hi):
        seen.append(np.iscomplexobj(M))
        return real_subset(M, lo, hi)

    monkeypatch.setattr(connection, "_eigvalsh_subset", spy)
    import tdasheaf.cohomology._laplacian_spectra as spectra

    monkeypatch.setattr(spectra, "_eigvalsh_subset", spy)
    edges, maps = _frames_graph(40, 0.3, 7, reflections, twist)
    maps = maps + perturb * np.random.default_rng(1).standard_normal(maps.shape)
    got = connection_spectrum(40, edges, maps, 5)
    assert seen == [hermitian]
    L = connection_laplacian(40, edges, maps)
    np.testing.assert_allclose(got, np.linalg.eigvalsh(L)[:5], atol=1e-12 * np.abs(L).sum(1).max())


def test_connection_spectrum_of_a_flat_cycle_and_a_moebius_cycle():
    # hand cases: a 6-cycle with a flat O(2) connection has the cycle graph's spectrum
    # 2 − 2cos(2πk/6) twice; one reflected edge (a Möbius strip's core, holonomy a reflection)
    # splits it: the fixed axis sees the flat cycle (2 − 2cos(2πk/6)), the flipped axis the
    # antiperiodic one (2 − 2cos((2k + 1)π/6))
    n = 6
    edges = np.array([(i, i + 1) for i in range(n - 1)] + [(0, n - 1)])
    flat = np.repeat(np.eye(2)[None], n, axis=0)
    cycle = np.sort(2 - 2 * np.cos(2 * np.pi * np.arange(n) / n))
    np.testing.assert_allclose(
        connection_spectrum(n, edges, flat, 12), np.repeat(cycle, 2), atol=1e-14
    )
    twisted = flat.copy()
    twisted[-1] = np.diag([1.0, -1.0])
    anti = 2 - 2 * np.cos((2 * np.arange(n) + 1) * np.pi / n)
    want = np.sort(np.r_[cycle, anti])
    want[want < 1e-10 * 4] = 0.0
    np.testing.assert_allclose(connection_spectrum(n, edges, twisted, 12), want, atol=1e-14)


def test_connection_spectrum_bad_input():
    O = np.eye(2)[None]
    with pytest.raises(ValueError, match="n_eigenvalues"):
        connection_spectrum(3, [[0, 1]], O, -1)
    assert connection_spectrum(3, [[0, 1]], O, 0).shape == (0,)
    with pytest.raises(ValueError, match="outside 0..2"):
        connection_spectrum(3, [[0, 5]], O, 2)
    # more eigenvalues than cochains: NaN-padded, as smallest_eigenvalues
    assert np.isnan(connection_spectrum(1, np.empty((0, 2), int), np.empty((0, 2, 2)), 3)[2])
