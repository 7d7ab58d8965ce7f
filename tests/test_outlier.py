"""SheafOutlierDetector: the LocalOutlierFactor surface, novelty without refitting, what each
score component detects, bad input, determinism; and oracles for the kernels behind it."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from tdasheaf.cohomology._local_scores import (
    AXIS_COMPONENTS,
    COMPONENTS,
    fit_local_reference,
    graph_edge_keys,
    h0_join_times,
    local_score_components,
    robust_location_scale,
    star_triangle_scores,
    star_triangles,
)
from tdasheaf.datasets import make_sphere, random_rotation
from tdasheaf.estimators._outlier import SheafOutlierDetector
from tdasheaf.sheaves import frame_edges

# ----------------------------------------------------------------------------------------------
# small fixed-seed data
# ----------------------------------------------------------------------------------------------


def sheet(n=300, noise=0.01, seed=0):
    """A noisy unit square in the plane z = 0 of R^3."""
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(size=(n, 2)), noise * rng.normal(size=n)]


def sheet_with_off_point(seed=0):
    X = sheet(seed=seed)
    X[0] = [0.5, 0.5, 0.12]  # about the sampling spacing above the sheet
    return X


def sphere_with_filament(seed=0, n=500):
    rng = np.random.default_rng(seed)
    S = make_sphere(n, noise=0.005, random_state=seed)
    spacing = np.sqrt(20 / (np.pi * n / (4 * np.pi))) / 10  # the sphere's 20-NN distance
    t = np.arange(-1 + spacing, 1 - spacing / 2, spacing)
    F = t[:, None] * np.array([0.0, 0.0, 1.0]) + 0.005 * rng.normal(size=(len(t), 3))
    return np.vstack([S, F]), np.r_[np.zeros(n, int), np.ones(len(t), int)]


def twisted_ribbon(seed=0, n=600, length=4.0, width=0.5, twist=0.3):
    """A ribbon with a half-twist over ``twist`` in its middle (y = 1 in the twist)."""
    rng = np.random.default_rng(seed)
    x0 = (length - twist) / 2
    x = rng.uniform(0, length, n)
    y = rng.uniform(-width / 2, width / 2, n)
    phi = np.pi * np.clip((x - x0) / twist, 0, 1)
    X = np.c_[x, y * np.cos(phi), y * np.sin(phi)] + 0.003 * rng.normal(size=(n, 3))
    return X, ((x > x0) & (x < x0 + twist)).astype(int)


def fitted_state(det) -> bytes:
    return pickle.dumps(det.__dict__, protocol=pickle.HIGHEST_PROTOCOL)


# ----------------------------------------------------------------------------------------------
# the LocalOutlierFactor surface
# ----------------------------------------------------------------------------------------------


def test_fit_predict_labels_and_contamination_count():
    X = sheet_with_off_point()
    labels = SheafOutlierDetector(contamination=0.05).fit_predict(X)
    assert labels.dtype.kind == "i"
    assert set(np.unique(labels)) == {-1, 1}
    assert (labels == -1).sum() == 15  # 5 % of 300
    assert labels[0] == -1


def test_auto_offset_and_sign_convention():
    X = sheet_with_off_point()
    det = SheafOutlierDetector().fit(X)
    assert det.offset_ == -3.0
    nof = det.negative_outlier_factor_
    assert nof.shape == (300,)
    assert np.argmin(nof) == 0  # the most anomalous point has the lowest (most negative) score
    assert nof[0] < det.offset_ < np.median(nof)
    labels = det.fit_predict(X)
    np.testing.assert_array_equal(labels == -1, nof < det.offset_)
    assert (labels == -1).mean() < 0.05


def test_novelty_methods_are_lof_like():
    X = sheet(seed=1)
    det = SheafOutlierDetector(novelty=True).fit(X)
    new = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.15], [3.0, 3.0, 0.0]])
    scores = det.score_samples(new)
    np.testing.assert_allclose(det.decision_function(new), scores - det.offset_)
    np.testing.assert_array_equal(det.predict(new), np.where(scores - det.offset_ < 0, -1, 1))
    assert scores[0] > det.offset_ > max(scores[1], scores[2])  # higher = more normal
    # a training sample passed as new data is scored as that training sample
    np.testing.assert_allclose(det.score_samples(X), det.negative_outlier_factor_)


def test_method_availability_follows_novelty():
    outlier, novelty = SheafOutlierDetector(), SheafOutlierDetector(novelty=True)
    for name in ("predict", "decision_function", "score_samples", "score_components"):
        assert not hasattr(outlier, name)
        assert hasattr(novelty, name)
    assert hasattr(outlier, "fit_predict") and not hasattr(novelty, "fit_predict")
    # as LocalOutlierFactor: available_if re-raises our message as the cause
    for det, method, message in [
        (outlier, "predict", "predict is not available when novelty=False, use fit_predict"),
        (novelty, "fit_predict", "fit_predict is not available when novelty=True"),
        (outlier, "score_samples", "available through the negative_outlier_factor_ attribute"),
        (outlier, "decision_function", "decision_function is not available when novelty=False"),
    ]:
        with pytest.raises(AttributeError) as info:
            getattr(det, method)(sheet())
        assert message in str(info.value.__cause__)


def test_float_contamination_is_a_percentile_of_the_training_scores():
    X = sheet(seed=2)
    det = SheafOutlierDetector(contamination=0.1).fit(X)
    assert det.offset_ == np.percentile(det.negative_outlier_factor_, 10)


# ----------------------------------------------------------------------------------------------
# novelty never refits
# ----------------------------------------------------------------------------------------------


def test_scoring_new_points_leaves_the_fitted_state_bit_identical():
    X = sheet(seed=3)
    det = SheafOutlierDetector(novelty=True).fit(X)
    before = fitted_state(det)
    new = sheet(n=50, seed=4) + [0, 0, 0.05]
    det.score_samples(new)
    det.decision_function(new)
    det.predict(new)
    det.score_components(new)
    assert fitted_state(det) == before


def test_new_points_are_scored_against_training_points_only():
    """A new point's score does not depend on the other new points scored with it."""
    X = sheet(seed=5)
    det = SheafOutlierDetector(novelty=True).fit(X)
    a = np.array([[0.3, 0.3, 0.08]])
    crowd = a + 1e-3 * np.random.default_rng(0).normal(size=(30, 3))  # a dense cluster of news
    alone = det.score_samples(a)
    together = det.score_samples(np.vstack([a, crowd]))
    assert together[0] == alone[0]
    np.testing.assert_array_equal(det.score_samples(crowd[::-1])[::-1], together[1:])


# ----------------------------------------------------------------------------------------------
# components: names, and what each one sees
# ----------------------------------------------------------------------------------------------


def test_score_components_shape_and_names():
    X = sheet()
    det = SheafOutlierDetector(novelty=True).fit(X)
    comp = det.score_components_
    assert isinstance(comp, pd.DataFrame)
    assert list(comp.columns) == list(COMPONENTS)
    assert comp.shape == (300, len(COMPONENTS))
    # a sampled surface: combine="auto" reads it as a manifold (eigengap far above 8), and the
    # score is the maximum of the rotation-invariant components
    assert det.tangent_gap_ > 8 and det.tangent_weight_ == 1.0
    invariant = comp.drop(columns=list(AXIS_COMPONENTS))
    np.testing.assert_allclose(-invariant.max(axis=1).to_numpy(), det.negative_outlier_factor_)
    every = SheafOutlierDetector(combine="max").fit(X)
    np.testing.assert_allclose(
        -every.score_components_.max(axis=1).to_numpy(), every.negative_outlier_factor_
    )
    new = det.score_components(X[:7] + [0, 0, 0.01])
    assert list(new.columns) == list(COMPONENTS) and new.shape == (7, len(COMPONENTS))
    sub = SheafOutlierDetector(components=("residual", "h0_join"), combine="mean").fit(X)
    assert list(sub.score_components_.columns) == ["residual", "h0_join"]
    np.testing.assert_allclose(
        -sub.score_components_.mean(axis=1).to_numpy(), sub.negative_outlier_factor_
    )
    assert det.neighborhood_sizes_ == (10, 20, 40) and det.dim_ == 2


def test_off_manifold_point_is_seen_by_the_residual():
    det = SheafOutlierDetector().fit(sheet_with_off_point())
    comp = det.score_components_
    assert comp.loc[0].idxmax() == "residual"
    assert comp["residual"].idxmax() == 0
    assert comp.loc[0, "residual"] > 10


def test_filament_is_seen_by_the_dimension_component():
    X, y = sphere_with_filament()
    comp = SheafOutlierDetector().fit(X).score_components_
    assert roc_auc_score(y, comp["dimension"]) > 0.97
    assert roc_auc_score(y, comp["residual"]) < 0.5  # a curve is not off its own plane


def test_sign_twist_is_seen_by_the_orientation_component():
    X, y = twisted_ribbon()
    far = np.abs(X[:, 0] - 2.0) > 0.8  # away from the twist the ribbon is flat
    comp = SheafOutlierDetector().fit(random_rotation(X, random_state=0)).score_components_
    assert roc_auc_score(y, comp["orientation"]) > 0.9
    assert np.median(comp["orientation"][far]) == 0.0


def test_isolated_point_is_seen_by_h0_join():
    X = sheet()
    X[0] = [1.6, 1.6, 0.0]  # in the plane, far from everything
    comp = SheafOutlierDetector().fit(X).score_components_
    assert comp["h0_join"].idxmax() == 0
    assert comp.loc[0, "h0_join"] > 5


def test_curvature_spike_is_seen_by_the_holonomy():
    rng = np.random.default_rng(0)
    P = rng.uniform(-1, 1, size=(800, 2))
    r2 = (P**2).sum(axis=1)
    X = np.c_[P, 0.15 * np.exp(-r2 / (2 * 0.12**2))]  # a narrow bump in a flat sheet
    comp = SheafOutlierDetector().fit(X).score_components_
    near = r2 < 0.2**2
    assert roc_auc_score(near, comp["holonomy"]) > 0.9


# ----------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.r_[sheet(100), [[np.nan, 0, 0]]], r"contains NaN in 1 row\(s\) \(rows 100\); drop"),
        (np.r_[sheet(100), [[np.inf, 0, 0]]], r"contains infinity in 1 row"),
        (sheet(2), r"X has 2 sample\(s\), but SheafOutlierDetector needs at least 3"),
        (np.c_[sheet(100), np.ones(100)], r"column\(s\) \[3\] of X are constant.*Variance"),
        (np.arange(50.0), "Expected 2D array, got 1D array"),
    ],
    ids=["nan", "inf", "too-few", "constant-column", "1-d"],
)
def test_bad_input_is_a_clear_error(X, match):
    with pytest.raises(ValueError, match=match):
        SheafOutlierDetector().fit(X)


def test_bad_new_data_is_a_clear_error():
    det = SheafOutlierDetector(novelty=True).fit(sheet())
    with pytest.raises(ValueError, match="contains NaN in 1 row"):
        det.score_samples(np.array([[0.5, 0.5, np.nan]]))
    with pytest.raises(ValueError, match="3 features"):
        det.predict(np.zeros((2, 4)))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"components": ("residual", "curvature")}, "components must be distinct names"),
        ({"neighbor_multipliers": (1.0, -2.0)}, "neighbor_multipliers must be positive"),
        ({"contamination": 0.7}, "contamination"),
        ({"combine": "median"}, "combine"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        SheafOutlierDetector(**params).fit(sheet())


# ----------------------------------------------------------------------------------------------
# determinism and invariance
# ----------------------------------------------------------------------------------------------


def test_deterministic_and_picklable():
    X = sheet_with_off_point(seed=6)
    a = SheafOutlierDetector(novelty=True).fit(X)
    b = SheafOutlierDetector(novelty=True).fit(X)
    np.testing.assert_array_equal(a.negative_outlier_factor_, b.negative_outlier_factor_)
    new = sheet(n=20, seed=7)
    loaded = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(loaded.score_samples(new), a.score_samples(new))


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.floats(0.1, 10.0))
def test_scores_are_invariant_under_similarities(seed, scale):
    """The geometric components are dimensionless, built from distances and principal angles;
    on a sampled surface (manifold mode) the default score uses only those."""
    X = sheet(n=120, seed=seed % 7)
    Y = scale * random_rotation(X, random_state=seed)
    fa = SheafOutlierDetector(n_neighbors=10).fit(X)
    fb = SheafOutlierDetector(n_neighbors=10).fit(Y)
    a = fa.score_components_.drop(columns=list(AXIS_COMPONENTS)).to_numpy()
    b = fb.score_components_.drop(columns=list(AXIS_COMPONENTS)).to_numpy()
    close = np.isclose(a, b, rtol=1e-6, atol=1e-6)
    assert close.mean() > 0.99  # a sign decided at rounding level may flip one triangle
    assert fa.tangent_weight_ == fb.tangent_weight_ == 1.0
    close = np.isclose(fa.negative_outlier_factor_, fb.negative_outlier_factor_, rtol=1e-6,
                       atol=1e-6)
    assert close.mean() > 0.98


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_axis_components_are_invariant_under_increasing_maps_of_each_column(seed):
    """isolation and tail read the columns as features: scaling and shifting a column, or any
    increasing map of it (tail), changes nothing."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, 4))
    scale, shift = rng.uniform(0.1, 10, size=4), rng.normal(size=4)
    a = SheafOutlierDetector(n_neighbors=10).fit(X).score_components_
    b = SheafOutlierDetector(n_neighbors=10).fit(X * scale + shift).score_components_
    np.testing.assert_allclose(a["isolation"], b["isolation"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(a["tail"], b["tail"], rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------------------------
# kernels against brute force
# ----------------------------------------------------------------------------------------------


def test_h0_join_times_match_brute_force_single_linkage():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    D = np.linalg.norm(X[:, None] - X[None], axis=2)
    iu = np.triu_indices(40, 1)
    order = np.argsort(D[iu], kind="stable")
    for m in (2, 5, 13):
        label = np.arange(40)
        expected = np.full(40, np.inf)
        for e in order:  # Kruskal on the complete graph
            a, b, w = iu[0][e], iu[1][e], D[iu][e]
            la, lb = label[a], label[b]
            if la == lb:
                continue
            label[label == lb] = la
            members = label == la
            newly = members & np.isinf(expected)
            if members.sum() >= m:
                expected[newly] = w
        np.testing.assert_allclose(h0_join_times(X, [m])[:, 0], expected)


def test_frame_edge_residual_is_the_principal_angle_formula():
    from scipy.linalg import subspace_angles

    rng = np.random.default_rng(1)
    Oq = np.linalg.qr(rng.normal(size=(1, 5, 2)))[0]
    Oref = np.linalg.qr(rng.normal(size=(4, 5, 2)))[0]
    R, signs, residual = frame_edges(Oq, Oref, np.array([[0, 1, 2, 3]]))
    for j in range(4):
        theta = subspace_angles(Oq[0], Oref[j])
        assert residual[0, j] == pytest.approx(np.sqrt(2 * np.sum(1 - np.cos(theta))))
        assert residual[0, j] == pytest.approx(np.linalg.norm(Oq[0] @ R[0, j] - Oref[j]))
        assert signs[0, j] == np.sign(np.linalg.det(R[0, j]))


def test_star_triangle_signs_match_brute_force():
    rng = np.random.default_rng(2)
    n, k = 30, 6
    X = rng.normal(size=(n, 3))
    frames = np.linalg.qr(rng.normal(size=(n, 3, 2)))[0]
    D = np.linalg.norm(X[:, None] - X[None], axis=2) + np.diag(np.full(n, np.inf))
    N = np.argsort(D, axis=1)[:, :k]
    keys, edges = graph_edge_keys(N)
    R_ref = frame_edges(frames[edges[:, 0]], frames, edges[:, 1:])[0][:, 0]
    R_q, s_q, _ = frame_edges(frames, frames, N)
    tri = star_triangles(N, keys, n)
    frustrated, _, counts = star_triangle_scores(R_q, tri, R_ref, n)
    edge_set = {tuple(e) for e in edges.tolist()}
    sign = {tuple(e): np.sign(np.linalg.det(frames[e[0]].T @ frames[e[1]])) for e in edges}
    for q in range(n):
        tris = [(a, b) for a in range(k) for b in range(a + 1, k)
                if tuple(sorted((N[q, a], N[q, b]))) in edge_set]
        assert counts[q] == len(tris)
        bad = [s_q[q, a] * s_q[q, b] * sign[tuple(sorted((N[q, a], N[q, b])))] < 0
               for a, b in tris]
        assert frustrated[q] == pytest.approx(np.mean(bad) if bad else 0.0)


def test_reference_query_consistency():
    """Scoring the reference points as new queries reproduces their leave-one-out scores."""
    X = sheet(n=150, seed=8)
    ref, comp = fit_local_reference(X, [8, 16])
    again = local_score_components(ref, X)
    for name in COMPONENTS:
        np.testing.assert_allclose(again[name], comp[name])


def test_robust_scale_handles_zero_inflated_and_constant_columns():
    V = np.zeros((100, 3))
    V[:5, 0] = 1.0  # 95 % zeros: falls back to the mean absolute deviation
    V[:, 1] = np.arange(100)
    loc, scale = robust_location_scale(V)
    assert loc[0] == 0 and scale[0] == pytest.approx(1.2533 * 0.05)
    assert np.isfinite(scale[1]) and scale[2] == np.inf


def test_frame_residual_is_fusions_edge_inconsistency():
    """One mathematics, two layouts: the frame component's edge residual is the inconsistency of
    the assignment v ↦ vec(O_v) on the sheaf F_{i⊲ij} = I_D ⊗ R_ijᵀ, F_{j⊲ij} = I (explicit
    (D·d)² maps per edge there; matrix-free, and defined for new points, here)."""
    sections = pytest.importorskip("tdasheaf.cohomology._sections")
    from tdasheaf.complexes import FilteredComplex
    from tdasheaf.sheaves import CellularSheaf

    rng = np.random.default_rng(3)
    n, D, d = 6, 4, 2
    frames = np.linalg.qr(rng.normal(size=(n, D, d)))[0]
    edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n)])
    K = FilteredComplex.from_simplices([(i,) for i in range(n)] + [tuple(e) for e in edges])
    E = K.simplices[1]
    R, _, residual = frame_edges(frames[E[:, 0]], frames, E[:, 1:])
    maps = np.empty((len(E), 2, D * d, D * d))
    maps[:, 0] = np.eye(D * d)  # F_{j⊲ij}: the face without vertex 0 is j
    maps[:, 1] = np.stack([np.kron(np.eye(D), r.T) for r in R[:, 0]])  # vec(O_i R_ij)
    sheaf = CellularSheaf.from_arrays(
        K, [np.full(n, D * d), np.full(len(E), D * d)], [maps], validate=False
    )
    np.testing.assert_allclose(
        sections.edge_inconsistencies(sheaf, frames.reshape(n, D * d)), residual[:, 0]
    )


# ----------------------------------------------------------------------------------------------
# the signal component: data on the points that fail to glue with the neighbours' data
# ----------------------------------------------------------------------------------------------


def _sphere_with_signal(n=600, n_bad=5):
    X = make_sphere(n, noise=0.01, random_state=0)
    s = X[:, 2] ** 2
    s[:n_bad] += 0.8
    return np.c_[X, s]


def test_signal_component_finds_corrupted_readings_train_and_novelty():
    Xs = _sphere_with_signal()
    det = SheafOutlierDetector(n_signal_features=1).fit(Xs)
    assert "signal" in det.score_components_.columns
    assert set(np.argsort(det.negative_outlier_factor_)[:5]) == set(range(5))
    assert (det.score_components_.iloc[:5].idxmax(axis=1) == "signal").all()
    novel = SheafOutlierDetector(n_signal_features=1, novelty=True).fit(Xs[5:])
    assert set(np.argsort(novel.score_samples(Xs))[:5]) == set(range(5))
    # geometry alone cannot see them: the points are on the sphere
    geometric = SheafOutlierDetector().fit(Xs[:, :3])
    assert not set(np.argsort(geometric.negative_outlier_factor_)[:5]) & set(range(5))


def test_signal_component_is_the_vertex_inconsistency_of_the_constant_sheaf():
    from tdasheaf.cohomology import vertex_inconsistencies
    from tdasheaf.complexes import FilteredComplex
    from tdasheaf.sheaves import constant_sheaf

    # evenly spaced points on a circle with k = 2: the kNN star of i is {i-1, i+1}, a cycle
    n = 40
    theta = 2 * np.pi * np.arange(n) / n
    X = np.c_[np.cos(theta), np.sin(theta)]
    s = np.random.default_rng(1).normal(size=(n, 2))
    _, raw = fit_local_reference(X, [2], dim=1, signal=s)
    edges = [(i, (i + 1) % n) for i in range(n)]
    K = FilteredComplex.from_simplices(
        [(i,) for i in range(n)] + [tuple(sorted(e)) for e in edges], [0.0] * n + [1.0] * n
    )
    expected = vertex_inconsistencies(constant_sheaf(K, rank=2), s, reduce="mean")
    np.testing.assert_allclose(raw["signal"][:, 0], expected, rtol=1e-12)


def test_signal_arguments_are_checked():
    Xs = _sphere_with_signal(100, 0)
    with pytest.raises(ValueError, match="needs n_signal_features > 0"):
        SheafOutlierDetector(components=("signal",)).fit(Xs)
    with pytest.raises(ValueError, match="at least one coordinate column"):
        SheafOutlierDetector(n_signal_features=4).fit(Xs)
    det = SheafOutlierDetector(n_signal_features=1, components=("signal",), novelty=True).fit(Xs)
    assert det.score_components(Xs[:3]).columns.tolist() == ["signal"]
