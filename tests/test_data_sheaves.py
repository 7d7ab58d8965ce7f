"""Data-driven sheaves (DESIGN.md §5) and SheafPersistence: the oracles of the issue.

- local PCA frames recover the true tangent planes of a sphere;
- orientation sheaf H^0 separates cylinder / Möbius band and torus / Klein bottle at local
  scales, where ordinary Rips Betti numbers (coefficients GF(2)) are equal;
- tangent sheaf, spectrally: flat torus has two near-parallel fields, the round sphere none.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tdasheaf
from tdasheaf.cohomology import representative_cocycles, sheaf_laplacian, sheaf_persistence
from tdasheaf.complexes import rips_complex
from tdasheaf.datasets import (
    make_cylinder,
    make_flat_torus,
    make_klein_bottle,
    make_mobius_band,
    make_sphere,
    make_torus,
    random_rotation,
)
from tdasheaf.sheaves import (
    align_frames,
    constant_sheaf,
    local_frames,
    orientation_sheaf,
    signal_sheaf,
    tangent_sheaf,
)


def alive(bars: np.ndarray, t: float) -> int:
    """Number of bars [b, d) with b <= t < d: the Betti number at scale t."""
    return int(((bars[:, 0] <= t) & (bars[:, 1] > t)).sum())


def degree(diagram: np.ndarray, q: int) -> np.ndarray:
    rows = diagram[diagram[:, 2] == q][:, :2]
    return rows[rows[:, 1] > rows[:, 0]]


# -- local frames ------------------------------------------------------------------------------


def test_local_pca_recovers_sphere_tangent_planes():
    X = make_sphere(2000, random_state=0)
    F = local_frames(X, n_neighbors=12)
    assert F.dim == 2
    normals = X / np.linalg.norm(X, axis=1, keepdims=True)
    # sine of the angle between the estimated plane and the true tangent plane
    sin_angle = np.linalg.norm(np.einsum("nk,nkd->nd", normals, F.frames), axis=1)
    angles = np.degrees(np.arcsin(np.clip(sin_angle, 0, 1)))
    # neighbourhoods of radius ρ ≈ 0.1 on a unit sphere: a lopsided neighbourhood tilts the
    # plane by O(ρ) rad ≈ 6°; a balanced one by O(ρ²)
    assert angles.max() < 10.0
    assert np.median(angles) < 2.0
    assert np.allclose(np.einsum("nkd,nke->nde", F.frames, F.frames), np.eye(2), atol=1e-12)


def test_procrustes_alignment_is_orthogonal_and_carries_frames():
    X = make_torus(500, random_state=1)
    F = local_frames(X, n_neighbors=15, dim=2)
    K = rips_complex(X, 0.5, 1)
    O = align_frames(F.frames, K.simplices[1])
    assert np.allclose(O @ np.transpose(O, (0, 2, 1)), np.eye(2), atol=1e-10)
    assert np.allclose(np.abs(np.linalg.det(O)), 1.0)
    # O_ij is the Procrustes optimum: no orthogonal R carries frame j closer to frame i
    i, j = K.simplices[1][:, 0], K.simplices[1][:, 1]
    err = np.linalg.norm(F.frames[i] @ O - F.frames[j], axis=(1, 2))
    rng = np.random.default_rng(0)
    for _ in range(20):
        Q, _ = np.linalg.qr(rng.normal(size=(2, 2)))
        other = np.linalg.norm(F.frames[i] @ (O @ Q) - F.frames[j], axis=(1, 2))
        assert np.all(err <= other + 1e-12)
    assert np.median(err) < 0.35  # planes 0.5 apart on a torus of tube radius 1


@pytest.mark.parametrize("d", [1, 2])
def test_compiled_small_alignments_are_the_procrustes_kernel(d):
    # oracle: the batched numpy Procrustes (BLAS AᵀB, then _orthogonal_polar's closed forms) on
    # random orthonormal frames in R^5, plus degenerate cases: a zero frame (identity / +1) and
    # exact rotation-reflection ties
    from tdasheaf.sheaves._constructions import _det_signs
    from tdasheaf.sheaves._frames import _align_small, _procrustes

    rng = np.random.default_rng(d)
    frames = np.linalg.qr(rng.normal(size=(60, 5, d)))[0]
    frames[7] = 0.0
    if d == 2:  # M = F_iᵀ F_j = [[1, 0], [0, 0]]: rotation and reflection fit equally well
        frames[8] = np.eye(5)[:, :2]
        frames[9] = np.c_[np.eye(5)[:, 0], np.eye(5)[:, 2]]
    edges = np.array([(i, j) for i in range(60) for j in range(i + 1, 60)], dtype=np.int64)
    got = _align_small(frames, edges)
    want = _procrustes(frames[edges[:, 0]], frames[edges[:, 1]])[0]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(_det_signs(got), np.sign(np.linalg.det(want)))
    assert (align_frames(frames, edges) == got).all()  # the route align_frames takes for d <= 2
    # the orientation sheaf's signs, computed without forming the maps, are these maps' dets
    # (ties, the zero frame and all)
    from tdasheaf.sheaves._frames import _align_signs_small

    np.testing.assert_array_equal(_align_signs_small(frames, edges), _det_signs(got))


def test_dimension_estimate_and_degenerate_neighbourhoods():
    t = np.linspace(0, 1, 100)
    line = np.c_[t, 2 * t, np.zeros_like(t)]
    assert local_frames(line, n_neighbors=6).dim == 1
    with pytest.raises(ValueError, match="fewer than dim=2 independent directions"):
        local_frames(line, n_neighbors=6, dim=2)
    with pytest.raises(ValueError, match="fewer than n_neighbors"):
        local_frames(line[:5], n_neighbors=6)
    with pytest.raises(ValueError, match="dim must be an integer"):
        local_frames(line, n_neighbors=6, dim=4)
    repeated = np.repeat(make_sphere(20, random_state=0), 8, axis=0)
    with pytest.raises(ValueError, match="repeated points"):
        local_frames(repeated, n_neighbors=5, dim=2)
    with pytest.raises(ValueError, match="finite"):
        local_frames(np.array([[0.0, np.nan], [1.0, 1.0], [2.0, 0.0]]), n_neighbors=2)


# -- orientation sheaf ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orientable", "non_orientable", "n", "scales"),
    [
        (make_cylinder, make_mobius_band, 400, (0.3, 0.4, 0.5, 0.6, 0.8)),
        (make_torus, make_klein_bottle, 1200, (0.8, 1.0)),
    ],
)
def test_orientation_h0_separates_what_rips_betti_numbers_do_not(
    orientable, non_orientable, n, scales
):
    kwargs = {"width": 0.6} if orientable is make_cylinder else {}
    clouds = [orientable(n, random_state=1, **kwargs), non_orientable(n, random_state=1, **kwargs)]
    cap = 1.5 * max(scales)
    est = tdasheaf.SheafPersistence(sheaf="orientation", max_edge_length=cap, dim=2)
    rips_est = tdasheaf.RipsPersistence(max_edge_length=cap, field=2)
    # one cloud at a time: the Klein bottle lives in ℝ⁴, the torus in ℝ³
    sheaf = [est.fit_transform([X])[0] for X in clouds]
    rips = [rips_est.fit_transform([X])[0] for X in clouds]
    for t in scales:
        # orientation sheaf: one global section (orientable) versus none
        assert alive(degree(sheaf[0], 0), t) == 1, t
        assert alive(degree(sheaf[1], 0), t) == 0, t
        # ordinary persistence: the same Betti numbers for both clouds at this scale
        for q in (0, 1):
            assert alive(degree(rips[0], q), t) == alive(degree(rips[1], q), t), (t, q)


def test_orientation_sheaf_engines_and_paths_agree():
    X = make_mobius_band(250, width=0.6, random_state=3)
    K = rips_complex(X, 0.5, 2)
    F = orientation_sheaf(X, K, n_neighbors=12, dim=2)
    implicit = sheaf_persistence(F, (0, 1), 3)
    explicit = sheaf_persistence(F, (0, 1), 3, "exact", implicit=False)
    real = sheaf_persistence(F, (0, 1), "R")
    via_estimator = tdasheaf.SheafPersistence(
        max_edge_length=0.5, n_neighbors=12, dim=2, field=3
    ).fit_transform([X])[0]
    for q in (0, 1):
        assert np.array_equal(implicit[q], explicit[q])
        assert np.array_equal(implicit[q], real[q])
        assert np.array_equal(implicit[q], degree(via_estimator, q))


def test_orientation_section_is_a_sign_per_point():
    X = make_cylinder(300, width=0.6, random_state=2)
    K = rips_complex(X, 0.4, 2)
    F = orientation_sheaf(X, K, n_neighbors=12, dim=2)
    bars, cocycles = representative_cocycles(F, (0,), 3)
    (essential,) = np.flatnonzero(np.isinf(bars[0][:, 1]))
    section = cocycles[0][essential].to_vector(F)
    assert np.all(section != 0)  # a nonzero value on every point: a global section
    signed = np.where(section > 1, -1, 1)  # GF(3): 2 ≡ -1
    O, _ = tdasheaf.sheaves.edge_alignments(X, K, n_neighbors=12, dim=2)
    i, j = K.simplices[1].T
    assert np.array_equal(signed[i], np.sign(np.linalg.det(O)) * signed[j])


# -- tangent sheaf ---------------------------------------------------------------------------------


def _tangent_to_graph_ratio(X, percentile):
    t = np.percentile(pdist(X), percentile)
    K = rips_complex(X, t, 1)
    graph = np.linalg.eigvalsh(sheaf_laplacian(constant_sheaf(K), 0).toarray())
    assert (graph < 1e-9).sum() == 1, "the complex must be connected at this scale"
    tangent = np.linalg.eigvalsh(
        sheaf_laplacian(tangent_sheaf(X, K, n_neighbors=15, dim=2), 0).toarray()
    )
    return tangent[:2] / graph[1]


@pytest.mark.parametrize("percentile", [2, 4])
def test_tangent_sheaf_spectrum_flat_torus_vs_sphere(percentile):
    flat = _tangent_to_graph_ratio(make_flat_torus(600, random_state=0), percentile)
    round_ = _tangent_to_graph_ratio(make_sphere(600, random_state=0), percentile)
    assert flat.max() < 0.1  # two parallel fields: trivial holonomy of the flat connection
    assert round_.min() > 0.25  # no parallel field on S²: rough Laplacian starts at 1 vs 2


def test_tangent_sheaf_float_engine_matches_dense_rank():
    # regression: maps with entries ~1e-17 must not be used as pivots
    X = make_cylinder(150, width=0.6, random_state=0)
    K = rips_complex(X, 0.6, 1)
    F = tangent_sheaf(X, K, n_neighbors=15)
    bars = sheaf_persistence(F, (0,), "R")[0]
    delta = tdasheaf.cohomology.coboundary(F, 0).toarray()
    for t in np.quantile(K.filtrations[1], [0.05, 0.3, 0.6, 1.0]):
        n_edges = int(np.searchsorted(K.filtrations[1], t, side="right"))
        sub = delta[: 2 * n_edges]
        s = np.linalg.svd(sub, compute_uv=False) if n_edges else np.zeros(0)
        rank = int((s > 1e-9 * max(s.max(initial=0), 1)).sum())
        assert alive(bars, t) == delta.shape[1] - rank, t


# -- signal sheaf ----------------------------------------------------------------------------------


def test_signal_sheaf_constant_and_fitted():
    X = np.linspace(0, 1, 12)[:, None]
    y = np.sin(3 * X)
    K = rips_complex(X, 0.1, 1)
    F = signal_sheaf(X, K, y)
    assert isinstance(F, tdasheaf.sheaves.ConstantSheaf) and F.rank == 1
    G = signal_sheaf(X, K, y, maps="fitted", regularization=0.5)
    delta = tdasheaf.cohomology.coboundary(G, 0)
    i, j = K.simplices[1].T
    expected = 0.5 * (y[j] - y[i]) / (y[j] ** 2 + 0.5)
    assert np.allclose(delta @ y.ravel(), expected.ravel())
    with pytest.raises(ValueError, match="one row per point"):
        signal_sheaf(X, K, y[:-1])
    with pytest.raises(ValueError, match="'constant' or 'fitted'"):
        signal_sheaf(X, K, y, maps="learned")


# -- the transformer -------------------------------------------------------------------------------


def _shapes(n_per_class=6):
    clouds, labels = [], []
    for i in range(n_per_class):
        clouds.append(make_cylinder(150, width=0.6, noise=0.01, random_state=i))
        clouds.append(make_mobius_band(150, width=0.6, noise=0.01, random_state=100 + i))
        labels += [0, 1]
    return clouds, np.array(labels)


def test_sheaf_persistence_in_pipeline_with_grid_search():
    clouds, labels = _shapes()
    # the pipeline of the issue, grid-searched over the sheaf's n_neighbors
    pipe = make_pipeline(
        tdasheaf.SheafPersistence(sheaf="orientation", max_edge_length=0.6, dim=2),
        tdasheaf.BettiCurve(n_bins=20),
        LogisticRegression(max_iter=2000),
    )
    search = GridSearchCV(pipe, {"sheafpersistence__n_neighbors": [10, 15]}, cv=2)
    search.fit(clouds, labels)
    assert search.best_params_["sheafpersistence__n_neighbors"] in (10, 15)
    # the essential H^0 class (a global orientation) shows in the last Betti-curve bins: the
    # classes are linearly separable in these features (12 clouds are too few for a
    # meaningful cross-validated score; SheafFeatures' benchmark measures that)
    scaled = make_pipeline(
        tdasheaf.SheafPersistence(sheaf="orientation", degrees=(0,), max_edge_length=0.6, dim=2),
        tdasheaf.BettiCurve(n_bins=20),
        StandardScaler(),
        LogisticRegression(),
    )
    assert scaled.fit(clouds, labels).score(clouds, labels) == 1.0


def test_sheaf_persistence_invariant_under_rigid_motions():
    X = make_mobius_band(200, width=0.6, random_state=4)
    Y = random_rotation(X, random_state=5)
    est = tdasheaf.SheafPersistence(max_edge_length=0.5, dim=2, n_neighbors=12)
    D = est.fit_transform([X, Y])
    assert np.allclose(D[0], D[1], atol=1e-9)


@pytest.mark.parametrize(
    "params",
    [
        {"sheaf": "constant", "filtration": "alpha", "degrees": (0, 1)},
        {"sheaf": "tangent", "degrees": (0,), "max_edge_length": 0.5},
        {"sheaf": "orientation", "degrees": (0, 1, 2), "max_edge_length": 0.5},
        {"sheaf": "orientation", "n_landmarks": 80, "max_edge_length": 0.6},
        {"sheaf": lambda X, K: constant_sheaf(K, 2), "degrees": (0,), "max_edge_length": 0.5},
    ],
)
def test_sheaf_persistence_variants_run_and_are_deterministic(params):
    clouds = [make_cylinder(120, width=0.6, random_state=s) for s in (0, 1)]
    est = tdasheaf.SheafPersistence(**params)
    D1 = est.fit_transform(clouds)
    D2 = tdasheaf.SheafPersistence(**params, n_jobs=2).fit_transform(clouds)
    assert D1.ndim == 3 and D1.shape[2] == 3
    assert np.array_equal(D1, D2)


def test_sheaf_persistence_signal_uses_trailing_columns():
    # issue 16: the signal sheaf's barcode depends on the signal (it used to equal the
    # constant sheaf's whatever the signal). A 1-Lipschitz signal (a coordinate) never delays
    # an edge; a steep one (10 × a coordinate) does; signal_weight=0 ignores it.
    X = make_cylinder(100, width=0.6, random_state=0)
    kw = dict(degrees=(0,), max_edge_length=0.5)
    C = tdasheaf.SheafPersistence(sheaf="constant", **kw).fit_transform([X])
    signal = tdasheaf.SheafPersistence(sheaf="signal", **kw)
    assert np.array_equal(signal.fit_transform([np.c_[X, X[:, 2]]]), C)
    steep = np.c_[X, 10 * X[:, 2]]
    assert not np.array_equal(signal.fit_transform([steep]), C)
    assert np.array_equal(signal.set_params(signal_weight=0.0).fit_transform([steep]), C)


def test_sheaf_persistence_bad_input():
    X = make_cylinder(40, random_state=0)
    with pytest.raises(ValueError, match="sample 1: .*fewer than n_neighbors"):
        tdasheaf.SheafPersistence(n_neighbors=15).fit_transform([X, X[:10]])
    with pytest.raises(ValueError, match="sample 0"):
        tdasheaf.SheafPersistence().fit_transform([np.r_[X, [[np.nan, 0, 0]]]])
    with pytest.raises(ValueError, match="dim"):
        tdasheaf.SheafPersistence(dim=3, n_neighbors=3).fit_transform([X[:, :2]])
    with pytest.raises(ValueError, match="field"):
        tdasheaf.SheafPersistence(field=4).fit([X])
    with pytest.raises(ValueError, match="sheaf"):
        tdasheaf.SheafPersistence(sheaf="tangential").fit([X])


def test_jet_frames_remove_the_pca_tilt():
    X = make_sphere(800, random_state=3)
    normals = X / np.linalg.norm(X, axis=1, keepdims=True)

    def worst_angle(F):
        s = np.linalg.norm(np.einsum("nk,nkd->nd", normals, F.frames), axis=1)
        return np.degrees(np.arcsin(np.clip(s, 0, 1))).max()

    pca = local_frames(X, n_neighbors=15, dim=2)
    jet = local_frames(X, n_neighbors=15, dim=2, method="jet")
    assert worst_angle(jet) < 0.5 * worst_angle(pca)
    # orientations are kept: the frames span the same oriented plane up to the tilt
    dets = np.linalg.det(np.einsum("nDd,nDe->nde", pca.frames, jet.frames))
    assert np.all(dets > 0)
    with pytest.raises(ValueError, match="method"):
        local_frames(X, n_neighbors=15, dim=2, method="spline")
    with pytest.raises(ValueError, match="n_neighbors > 6"):
        local_frames(X, n_neighbors=5, dim=2, method="jet")


def test_auto_frames_rule():
    # "auto": jets when n_neighbors >= jet_min_neighbors(dim), PCA frames otherwise; the
    # choice is recorded; an explicit "jet" with too few neighbours raises
    from tdasheaf.sheaves import FRAME_METHODS, jet_min_neighbors

    assert set(FRAME_METHODS) == {"auto", "jet", "pca"}
    X = make_sphere(300, random_state=0)
    for k in (6, 7, 15):
        auto = local_frames(X, n_neighbors=k, dim=2, method="auto")
        expected = "jet" if k >= jet_min_neighbors(2) else "pca"
        ref = local_frames(X, n_neighbors=k, dim=2, method=expected)
        assert auto.method == ref.method == expected
        np.testing.assert_array_equal(auto.frames, ref.frames)
    assert local_frames(X, n_neighbors=15, dim=2).method == "pca"  # the default is unchanged
    G = np.random.default_rng(0).normal(size=(200, 6))  # estimated dimension 5
    auto = local_frames(G, n_neighbors=15, method="auto")
    assert (auto.dim, auto.method) == (5, "pca")
    with pytest.raises(ValueError, match="'jet' needs n_neighbors > 21 for dim=5.*'auto'"):
        local_frames(G, n_neighbors=15, method="jet")
    assert local_frames(G, n_neighbors=22, method="jet").method == "jet"
