"""Holonomy of the tangent sheaf and the discrete curvature built on it.

Measured on noiseless samples of 2000 points, Rips triangles up to 0.2 r (sphere), jet frames
with 15 neighbours: the median curvature is within 0.6 % of 1 / r² (PCA frames: 9 % low);
flat torus, cylinder, plane: |median| < 10⁻³ (PCA frames: +0.08 on the flat torus, +0.02 on the
cylinder); saddle z = (x² − y²)/2: median relative error per triangle 0.5 % against the exact
K = −1 / (1 + x² + y²)². The tolerances below leave a margin of about 3×.
"""

import numpy as np
import pytest

from tdasheaf.complexes import FilteredComplex, rips_complex
from tdasheaf.datasets import (
    make_circle,
    make_cylinder,
    make_flat_torus,
    make_sphere,
    random_rotation,
)
from tdasheaf.sheaves import (
    HOLONOMY_STATISTICS,
    align_frames,
    curvature_estimates,
    holonomy_features,
    jet_min_neighbors,
    local_frames,
    triangle_holonomy,
)


def rot2(t):
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def sphere_frames(X):
    """Exact (analytic) tangent frames of the unit sphere."""
    n = X / np.linalg.norm(X, axis=1, keepdims=True)
    e0 = np.cross(n, [0.3, 0.5, 0.8])
    e0 /= np.linalg.norm(e0, axis=1, keepdims=True)
    return np.stack([e0, np.cross(n, e0)], axis=2)


def keyed(est):
    """Curvature estimates keyed by the vertex triple (for invariance tests)."""
    return dict(zip(map(tuple, est.triangles.tolist()), est.curvature.tolist(), strict=True))


# -- known answers on hand-made alignments --------------------------------------------------


def test_rotation_angles_compose():
    # edges (0,1), (0,2), (1,2): H = O_01 O_12 O_02ᵀ
    O = np.stack([rot2(0.1), rot2(-0.25), rot2(0.2)])
    hol = triangle_holonomy(O, np.array([[2, 1, 0]]))
    np.testing.assert_allclose(hol.angle, [0.55])
    np.testing.assert_allclose(hol.holonomy[0], rot2(0.55), atol=1e-15)
    np.testing.assert_allclose(hol.deviation, [np.linalg.norm(rot2(0.55) - np.eye(2))])
    assert not hol.reflection.any()


def test_angle_range_is_half_open():
    O = np.stack([rot2(np.pi), np.eye(2), np.eye(2)])
    assert triangle_holonomy(O, np.array([[2, 1, 0]])).angle[0] == pytest.approx(np.pi)


def test_reflection_flagged_with_nan_angle():
    O = np.stack([np.eye(2), np.eye(2), np.diag([1.0, -1.0])])
    hol = triangle_holonomy(O, np.array([[2, 1, 0]]))
    assert hol.reflection.tolist() == [True]
    assert np.isnan(hol.angle[0])
    assert hol.deviation[0] == pytest.approx(2.0)


def test_complex_and_boundary_rows_agree():
    K = FilteredComplex.from_simplices(
        [(0,), (1,), (2,), (3,), (0, 1), (1, 2), (0, 2), (2, 3), (1, 3), (0, 1, 2), (1, 2, 3)],
        [0, 0, 0, 0, 1, 1, 2, 1, 1, 3, 3],
    )
    rng = np.random.default_rng(0)
    O = np.stack([rot2(t) for t in rng.uniform(-1, 1, len(K.simplices[1]))])
    a = triangle_holonomy(O, K)
    b = triangle_holonomy(O, K.boundaries[2])
    np.testing.assert_array_equal(a.angle, b.angle)
    # direct product on the first triangle
    row = {tuple(e): i for i, e in enumerate(K.simplices[1].tolist())}
    x, y, z = K.simplices[2][0]
    H = O[row[(x, y)]] @ O[row[(y, z)]] @ O[row[(x, z)]].T
    np.testing.assert_allclose(a.holonomy[0], H)


def test_principal_angle_in_higher_dimension():
    c, s = np.cos(0.4), np.sin(0.4)
    R = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    O = np.stack([Q @ R @ Q.T, np.eye(3), np.eye(3)])
    hol = triangle_holonomy(O, np.array([[2, 1, 0]]))
    np.testing.assert_allclose(hol.angle, [0.4])
    O1 = np.ones((3, 1, 1))
    O1[0] = -1
    hol1 = triangle_holonomy(O1, np.array([[2, 1, 0]]))
    assert hol1.reflection.tolist() == [True] and np.isnan(hol1.angle[0])


def test_bad_inputs():
    with pytest.raises(ValueError, match="shape"):
        triangle_holonomy(np.ones((3, 2, 3)), np.array([[2, 1, 0]]))
    with pytest.raises(ValueError, match="edge rows"):
        triangle_holonomy(np.ones((2, 2, 2)), np.array([[2, 1, 0]]))
    X = make_sphere(100, random_state=0)
    K = rips_complex(X, 0.5, 2)
    with pytest.raises(ValueError, match="'jet' needs n_neighbors > 6"):
        curvature_estimates(X, K, n_neighbors=6, frame_method="jet")
    with pytest.raises(ValueError, match="frame_method"):
        curvature_estimates(X, K, frame_method="svd")
    with pytest.raises(ValueError, match="frames must have shape"):
        curvature_estimates(X, K, frames=np.ones((100, 3, 0)))
    with pytest.raises(ValueError, match="frames must have shape"):
        curvature_estimates(X, K, frames=np.ones((100, 2, 1)))
    with pytest.raises(ValueError, match="vertex label"):
        curvature_estimates(X[:50], K, n_neighbors=10)


# -- exact frames ---------------------------------------------------------------------------


def test_exact_sphere_frames_give_the_spherical_excess():
    # Procrustes transport between exact tangent planes of a sphere is the parallel transport
    # along the great circle, so the holonomy angle is the geodesic triangle's area.
    X = make_sphere(300, random_state=1)
    K = rips_complex(X, 0.4, 2)
    est = curvature_estimates(X, K, frames=sphere_frames(X))
    A, B, C = (X[est.triangles[:, i]] for i in range(3))
    triple = np.abs(np.einsum("ij,ij->i", A, np.cross(B, C)))
    excess = 2 * np.arctan2(triple, 1 + (A * B).sum(1) + (B * C).sum(1) + (C * A).sum(1))
    np.testing.assert_allclose(est.angle, excess, atol=1e-12)


def test_exact_flat_torus_frames_have_trivial_holonomy():
    X, P = make_flat_torus(800, random_state=0, return_params=True)
    u, v = P.T
    z = np.zeros_like(u)
    frames = np.stack(
        [np.c_[-np.sin(u), np.cos(u), z, z], np.c_[z, z, -np.sin(v), np.cos(v)]], axis=2
    )
    K = rips_complex(X, 0.25, 2)
    hol = triangle_holonomy(align_frames(frames, K.simplices[1]), K)
    assert len(hol.angle) > 100
    assert hol.deviation.max() < 1e-12
    est = curvature_estimates(X, K, frames=frames)
    assert np.abs(est.curvature).max() < 1e-9


def test_sign_does_not_depend_on_frame_orientation():
    X = make_sphere(500, random_state=0)
    K = rips_complex(X, 0.35, 2)
    F = local_frames(X, 15, 2)
    flipped = F.frames.copy()
    flip = np.random.default_rng(0).random(len(X)) < 0.5
    flipped[flip, :, 1] *= -1
    a = curvature_estimates(X, K, frames=F.frames)
    b = curvature_estimates(X, K, frames=flipped)
    np.testing.assert_allclose(a.curvature, b.curvature, rtol=1e-9, atol=1e-9)
    assert (a.curvature > 0).mean() > 0.8


# -- surfaces -------------------------------------------------------------------------------


@pytest.mark.parametrize("r", [0.5, 1.0, 2.0])
def test_sphere_curvature_is_one_over_r_squared(r):
    X = make_sphere(2000, radius=r, random_state=0)
    K = rips_complex(X, 0.2 * r, 2)
    est = curvature_estimates(X, K)
    assert np.nanmedian(est.curvature) == pytest.approx(1 / r**2, rel=0.02)
    assert (est.curvature > 0).mean() > 0.99
    assert not est.reflection.any()
    pca = curvature_estimates(X, K, frame_method="pca")
    assert np.nanmedian(pca.curvature) == pytest.approx(1 / r**2, rel=0.15)


def test_noisy_sphere():
    X = make_sphere(2000, noise=0.005, random_state=0)
    est = curvature_estimates(X, rips_complex(X, 0.3, 2), n_neighbors=30)
    assert np.nanmedian(est.curvature) == pytest.approx(1.0, rel=0.1)


def test_three_sphere_sectional_curvature():
    G = np.random.default_rng(0).standard_normal((2500, 4))
    X = G / np.linalg.norm(G, axis=1, keepdims=True)
    est = curvature_estimates(X, rips_complex(X, 0.35, 2), n_neighbors=30, dim=3)
    assert np.nanmedian(est.curvature) == pytest.approx(1.0, rel=0.05)


def test_flat_torus_is_flat():
    X = make_flat_torus(2000, random_state=0)
    est = curvature_estimates(X, rips_complex(X, 0.3, 2))
    assert len(est.curvature) > 1000
    assert abs(np.nanmedian(est.curvature)) < 0.01  # unit sphere: 1


def test_plane_is_flat():
    P = np.random.default_rng(0).uniform(-1, 1, (1500, 2))
    X = random_rotation(np.c_[P, np.zeros(len(P))], random_state=0)
    for method in ("jet", "pca"):
        est = curvature_estimates(X, rips_complex(X, 0.15, 2), frame_method=method)
        assert np.nanmax(np.abs(est.curvature)) < 1e-6


def test_cylinder_is_intrinsically_flat():
    X = make_cylinder(2000, width=2.0, random_state=0)
    K = rips_complex(X, 0.25, 2)
    assert abs(np.nanmedian(curvature_estimates(X, K).curvature)) < 0.01
    assert abs(np.nanmedian(curvature_estimates(X, K, frame_method="pca").curvature)) < 0.1


def test_saddle_has_negative_curvature():
    rng = np.random.default_rng(0)
    P = rng.uniform(-0.5, 0.5, (1300, 2))
    P = P[np.hypot(*P.T) < 0.5]
    X = np.c_[P, (P[:, 0] ** 2 - P[:, 1] ** 2) / 2]
    est = curvature_estimates(X, rips_complex(X, 0.1, 2))
    c = X[est.triangles].mean(axis=1)
    exact = -1 / (1 + c[:, 0] ** 2 + c[:, 1] ** 2) ** 2
    assert (est.curvature < 0).mean() > 0.99
    assert np.nanmedian(est.curvature) == pytest.approx(np.median(exact), rel=0.05)
    assert np.nanmedian(np.abs(est.curvature / exact - 1)) < 0.02


# -- invariances ----------------------------------------------------------------------------


def test_invariant_under_rigid_motions_and_embedding():
    X = make_sphere(600, radius=2.0, random_state=0)
    ref = keyed(curvature_estimates(X, rips_complex(X, 0.5, 2)))
    Y = random_rotation(X, random_state=3)  # Haar on O(3): may reverse orientation
    Z = random_rotation(np.c_[X, np.zeros((len(X), 2))], random_state=4)  # into ℝ⁵
    for W in (Y, Z):
        other = keyed(curvature_estimates(W, rips_complex(W, 0.5, 2)))
        assert other.keys() == ref.keys()
        keys = sorted(ref)
        np.testing.assert_allclose(
            [other[k] for k in keys], [ref[k] for k in keys], rtol=1e-6, atol=1e-8
        )


def test_invariant_under_permutation_of_points():
    X = make_sphere(600, radius=2.0, random_state=0)
    ref = keyed(curvature_estimates(X, rips_complex(X, 0.5, 2)))
    perm = np.random.default_rng(0).permutation(len(X))
    Xp = X[perm]
    est = curvature_estimates(Xp, rips_complex(Xp, 0.5, 2))
    relabelled = {
        tuple(sorted(perm[list(t)].tolist())): k
        for t, k in zip(est.triangles.tolist(), est.curvature.tolist(), strict=True)
    }
    assert relabelled.keys() == ref.keys()
    keys = sorted(ref)
    np.testing.assert_allclose(
        [relabelled[k] for k in keys], [ref[k] for k in keys], rtol=1e-6, atol=1e-8
    )


# -- features -------------------------------------------------------------------------------


def test_holonomy_features_layout_and_values():
    X = make_sphere(800, radius=2.0, random_state=0)
    scales = [0.01, 0.3, 0.5]
    values, names = holonomy_features(X, None, scales)
    assert values.shape == names.shape == (len(HOLONOMY_STATISTICS) * 3,)
    assert names[0] == "holonomy_median_t000" and names[-1] == "holonomy_frac_reflection_t002"
    table = dict(zip(names.tolist(), values.tolist(), strict=True))
    # no triangle at 0.01: zeros
    assert all(table[f"holonomy_{s}_t000"] == 0.0 for s in HOLONOMY_STATISTICS)
    assert table["holonomy_median_t002"] == pytest.approx(0.25, rel=0.03)
    assert table["holonomy_area_weighted_t002"] == pytest.approx(0.25, rel=0.03)
    assert table["holonomy_frac_reflection_t002"] == 0.0
    assert 0 <= table["holonomy_frac_large_t002"] <= 1
    assert np.isfinite(values).all()


def test_holonomy_features_on_a_graph_match_the_complex():
    X = make_sphere(500, radius=2.0, random_state=0)
    K2 = rips_complex(X, 0.6, 2)
    K1 = rips_complex(X, 0.6, 1)
    a, _ = holonomy_features(X, K2, [0.4, 0.6], angle_threshold=0.01)
    b, _ = holonomy_features(X, K1, [0.4, 0.6], angle_threshold=0.01)
    np.testing.assert_allclose(a, b)
    c, _ = holonomy_features(random_rotation(X, random_state=1), None, [0.4, 0.6],
                             angle_threshold=0.01)
    np.testing.assert_allclose(a, c, rtol=1e-6, atol=1e-9)


def test_holonomy_features_rejects_bad_scales():
    X = make_sphere(100, random_state=0)
    with pytest.raises(ValueError, match="scales"):
        holonomy_features(X, None, [])
    with pytest.raises(ValueError, match="angle_threshold"):
        holonomy_features(X, None, [0.5], angle_threshold=-1)


# -- curves (d = 1) and the frame rule -----------------------------------------------------


def test_curve_has_zero_curvature_and_the_sign_holonomy_of_its_line_field():
    # a 1-manifold has no intrinsic curvature: θ = 0 and curvature = 0 on every triangle whose
    # rank-1 holonomy is +1; a triangle with holonomy -1 is a flagged reflection (NaN)
    X = np.c_[make_circle(200, noise=0.01, random_state=0), np.zeros(200)]
    K = rips_complex(X, 0.15, 2)
    est = curvature_estimates(X, K, dim=None)
    assert len(est.curvature) > 100 and not est.reflection.any()
    assert np.all(est.curvature[est.area > 0] == 0.0) and np.all(est.angle[est.area > 0] == 0.0)
    assert curvature_estimates(X, K, dim=1, frame_method="pca").curvature.tolist() == (
        est.curvature.tolist()
    )
    values, names = holonomy_features(X, K, [0.05, 0.1, 0.15], dim=None)
    assert np.all(values == 0.0) and len(values) == len(HOLONOMY_STATISTICS) * 3


def test_curve_reflections_are_the_triangles_with_sign_holonomy_minus_one():
    # a line field turning by half a turn around a circle (a Möbius line field): on the
    # triangle (0, 2π/3, 4π/3) the Procrustes signs are +, +, -: sign holonomy -1
    t = np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3])
    X = np.c_[np.cos(t), np.sin(t)]
    frames = np.c_[np.cos(t / 2), np.sin(t / 2)][:, :, None]
    K = rips_complex(X, 2.0, 2)
    est = curvature_estimates(X, K, frames=frames)
    assert est.reflection.tolist() == [True] and np.isnan(est.curvature).all()
    signs = np.sign(np.linalg.det(align_frames(frames, K.simplices[1])))
    assert np.prod(signs) == -1
    values, names = holonomy_features(X, K, [2.0], frames=frames)
    table = dict(zip(names.tolist(), values.tolist(), strict=True))
    assert table["holonomy_frac_reflection_t000"] == 1.0
    assert all(table[f"holonomy_{s}_t000"] == 0.0 for s in HOLONOMY_STATISTICS[:-1])
    # a short arc with its tangents (a local triangle on an orientable curve): all zeros
    t = np.array([0.0, 0.3, 0.6])
    X, tangents = np.c_[np.cos(t), np.sin(t)], np.c_[-np.sin(t), np.cos(t)][:, :, None]
    values, _ = holonomy_features(X, rips_complex(X, 1.0, 2), [1.0], frames=tangents)
    assert np.all(values == 0.0)


def test_auto_frames_are_jets_when_the_fit_is_possible_and_pca_otherwise():
    X = make_sphere(300, random_state=0)
    K = rips_complex(X, 0.4, 2)
    assert jet_min_neighbors(2) == 7
    for k, method in [(7, "jet"), (6, "pca"), (15, "jet")]:
        auto = curvature_estimates(X, K, n_neighbors=k, frame_method="auto")
        ref = curvature_estimates(X, K, n_neighbors=k, frame_method=method)
        np.testing.assert_array_equal(auto.curvature, ref.curvature)
        assert local_frames(X, k, 2, method="auto").method == method
    # dimension 4 with 15 neighbours: no jet, the PCA frames
    G = np.random.default_rng(0).normal(size=(300, 5))
    frames = local_frames(G, 15, 4, method="auto")
    assert frames.method == "pca"
    np.testing.assert_array_equal(frames.frames, local_frames(G, 15, 4).frames)
    values, _ = holonomy_features(G, None, [0.8], n_neighbors=15, dim=4)
    assert np.isfinite(values).all()
