"""SheafFeatures: names, output formats, determinism, invariances and stability."""

from __future__ import annotations

import gudhi
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tdasheaf import SheafFeatures
from tdasheaf.cohomology import flag_persistence
from tdasheaf.complexes import rips_complex
from tdasheaf.datasets import make_cylinder, make_mobius_band, random_rotation
from tdasheaf.geometry import neighbourhood_radius as _neighbourhood_radius

CLOUDS = [
    make_cylinder(150, width=0.6, random_state=0),
    make_mobius_band(170, width=0.6, random_state=1),
    make_cylinder(130, width=0.5, noise=0.01, random_state=2),
]
SMALL = dict(n_scales=5, n_spectral_scales=2, n_eigenvalues=2, n_neighbors=10)


@pytest.fixture(scope="module")
def fitted():
    sf = SheafFeatures(**SMALL).fit(CLOUDS)
    return sf, sf.transform(CLOUDS)


def test_names_shape_and_pandas(fitted):
    sf, F = fitted
    names = sf.get_feature_names_out()
    assert F.shape == (3, len(names)) and F.dtype == np.float64
    assert len(set(names)) == len(names)
    assert "orientation_H0_betti_t04" in names and "tangent_L0_t01_ev1" in names
    assert "constant_H1_total_persistence" in names
    df = SheafFeatures(**SMALL).set_output(transform="pandas").fit_transform(CLOUDS)
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(names)
    assert np.array_equal(df.to_numpy(), F)


def test_deterministic_and_parallel(fitted):
    _, F = fitted
    assert np.array_equal(SheafFeatures(**SMALL, n_jobs=2).fit_transform(CLOUDS), F)


def test_orientation_features_separate_bands(fitted):
    sf, F = fitted
    col = list(sf.get_feature_names_out()).index("orientation_H0_betti_t04")
    assert F[:, col].tolist() == [1.0, 0.0, 1.0]


@settings(max_examples=8, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10**6), scale=st.floats(0.2, 5.0))
def test_invariant_under_similarities_and_permutations(seed, scale):
    X = CLOUDS[1]
    rng = np.random.default_rng(seed)
    Y = scale * random_rotation(X, random_state=seed)[rng.permutation(len(X))]
    sf = SheafFeatures(**SMALL).fit([X])
    # relative scales: rigid motions, permutations and global rescaling leave features alone
    assert np.allclose(sf.transform([X]), sf.transform([Y]), rtol=1e-7, atol=1e-7)


def test_stability_under_small_noise():
    """Bottleneck stability of the underlying (relative-unit) barcodes, and small feature change.

    Rips stability: moving every point by at most ε moves every edge length by at most 2ε, so
    the constant-sheaf diagrams move by at most 2ε in bottleneck distance; in units of the
    neighbourhood radius r (which itself moves by at most 2ε) that is
    2ε/r + (max scale)·|Δr|/r.
    """
    X = CLOUDS[0]
    rng = np.random.default_rng(0)
    eps = 1e-3
    noise = rng.uniform(-1, 1, X.shape)
    Y = X + eps * noise / np.linalg.norm(noise, axis=1, keepdims=True).max()
    r_x, r_y = _neighbourhood_radius(X, 10), _neighbourhood_radius(Y, 10)
    top = 3.0
    bound = 2 * eps / r_y + top * abs(r_x - r_y) / min(r_x, r_y) + 1e-12
    for q in (0, 1):
        bars = []
        for Z, r in ((X, r_x), (Y, r_y)):
            K = rips_complex(Z / r, top, 1)
            b = flag_persistence(len(Z), K.simplices[1], K.filtrations[1], degrees=(q,))[q]
            bars.append(np.where(np.isinf(b), top, b))
        assert gudhi.bottleneck_distance(bars[0], bars[1]) <= bound
    sf = SheafFeatures(**SMALL).fit([X])
    fx, fy = sf.transform([X])[0], sf.transform([Y])[0]
    names = sf.get_feature_names_out()
    smooth = np.array(["betti" not in n and "n_bars" not in n for n in names])
    # real-valued features (entropy, total persistence, spectra) move little
    assert np.linalg.norm(fx[smooth] - fy[smooth]) <= 0.05 * np.linalg.norm(fx[smooth])


def test_bad_parameters_and_input():
    with pytest.raises(ValueError, match="sheaves"):
        SheafFeatures(sheaves=("orientation", "twisted")).fit(CLOUDS)
    with pytest.raises(ValueError, match="degrees"):
        SheafFeatures(degrees=(0, 2)).fit(CLOUDS)
    with pytest.raises(ValueError, match="scale_range"):
        SheafFeatures(scale_range=(3.0, 1.0)).fit(CLOUDS)
    with pytest.raises(ValueError, match="odd prime"):
        SheafFeatures(field=9).fit(CLOUDS)
    sf = SheafFeatures(**SMALL).fit(CLOUDS)
    with pytest.raises(ValueError, match="sample 1: .*n_neighbors"):
        sf.transform([CLOUDS[0], CLOUDS[0][:5]])
    with pytest.raises(ValueError, match="sample 0"):
        sf.transform([np.r_[CLOUDS[0], [[np.nan, 0, 0]]]])


def test_holonomy_family_measures_curvature_in_relative_units():
    from tdasheaf.datasets import make_flat_torus, make_sphere

    sphere, flat = make_sphere(300, random_state=0), make_flat_torus(300, random_state=0)
    sf = SheafFeatures(sheaves=("holonomy",), n_spectral_scales=2).fit([sphere])
    names = list(sf.get_feature_names_out())
    col = names.index("holonomy_median_t00")
    r = _neighbourhood_radius(sphere, 15)
    # Gaussian curvature 1 of the unit sphere is r² in units of the neighbourhood radius
    assert sf.transform([sphere])[0, col] == pytest.approx(r**2, rel=0.1)
    flat_features = SheafFeatures(sheaves=("holonomy",), n_spectral_scales=2).fit_transform([flat])
    assert abs(flat_features[0, col]) < 0.01


# -- robustness: every cloud of a varied batch gets a row under the default configuration ----


def _circle_in_r3(n=200, seed=0):
    from tdasheaf.datasets import make_circle

    return np.c_[make_circle(n, noise=0.01, random_state=seed), np.zeros(n)]


def _gaussian_6d(n=200, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 6))


def _torus(n=250, seed=0):
    from tdasheaf.datasets import make_torus

    return make_torus(n, random_state=seed)


def _plane(n=200, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, 2))  # d = D = 2


HOLONOMY = ("constant", "orientation", "tangent", "holonomy")


@pytest.mark.parametrize("sheaves", [None, HOLONOMY])
def test_high_dimensional_cloud_falls_back_to_pca_frames(sheaves):
    # estimated dimension 5: a jet needs 22 neighbours, the default is 15 -> PCA frames
    from tdasheaf.sheaves import jet_min_neighbors, local_frames

    X = _gaussian_6d()
    kw = {} if sheaves is None else {"sheaves": sheaves}
    sf = SheafFeatures(**kw).fit([X])
    F = sf.transform([X])
    assert F.shape == (1, len(sf.get_feature_names_out())) and np.isfinite(F).all()
    frames = local_frames(X / _neighbourhood_radius(X, 15), 15, method="auto")
    assert frames.dim == 5 and 15 < jet_min_neighbors(5) and frames.method == "pca"
    # "auto" is exactly the PCA frames here; an explicit "jet" still refuses
    np.testing.assert_array_equal(F, SheafFeatures(**kw, frame_method="pca").fit_transform([X]))
    with pytest.raises(ValueError, match="'jet' needs n_neighbors > 21.*'auto'"):
        SheafFeatures(**kw, frame_method="jet").fit_transform([X])


def test_default_frames_are_jets_up_to_dimension_three():
    torus = _torus()
    np.testing.assert_array_equal(
        SheafFeatures(**SMALL).fit_transform([torus]),
        SheafFeatures(**SMALL, frame_method="jet").fit_transform([torus]),
    )


def test_curve_gets_holonomy_features_with_the_documented_values():
    X = _circle_in_r3()
    sf = SheafFeatures(sheaves=HOLONOMY).fit([X])
    names = list(sf.get_feature_names_out())
    row = dict(zip(names, sf.transform([X])[0], strict=True))
    assert len(row) == len(names) and np.isfinite(list(row.values())).all()
    hol = {k: v for k, v in row.items() if k.startswith("holonomy_")}
    assert len(hol) == 6 * sf.n_spectral_scales
    # a curve has no intrinsic curvature: the curvature statistics are exactly 0; small
    # triangles on a circle preserve the orientation of its tangent line
    assert all(v == 0.0 for v in hol.values())


def test_feature_names_do_not_depend_on_the_cloud():
    clouds = [_torus(), _circle_in_r3(), _gaussian_6d(), _plane()]
    for sheaves in [None, HOLONOMY]:
        kw = {} if sheaves is None else {"sheaves": sheaves}
        names = {tuple(SheafFeatures(**kw).fit([X]).get_feature_names_out()) for X in clouds}
        assert len(names) == 1


def test_batch_over_varied_clouds_has_no_error_rows():
    from tdasheaf.batch import extract_features

    clouds = {
        "torus": _torus(),
        "circle": _circle_in_r3(),
        "gaussian6d": _gaussian_6d(),
        "plane": _plane(),
    }
    for sf in [SheafFeatures(), SheafFeatures(sheaves=HOLONOMY)]:
        result = extract_features(clouds, sf, chunk_size=2)
        table = result.table()
        assert result.n_failed == 0 and len(result.errors) == 0
        assert list(table["id"]) == list(clouds)
        features = table.drop(columns="id").to_numpy()
        assert features.shape == (4, len(sf.fit([clouds["torus"]]).get_feature_names_out()))
        assert np.isfinite(features).all()


@pytest.mark.parametrize(
    "X, sheaves, message",
    [
        (np.random.default_rng(0).normal(size=(10, 3)), ("constant",), "10 points, fewer than"),
        (np.random.default_rng(0).normal(size=(10, 3)), None, "10 points, fewer than"),
        (np.ones((50, 3)), ("constant",), "radius is 0.*remove duplicates"),
        (np.ones((50, 3)), None, "radius is 0.*remove duplicates"),
        (np.r_[np.zeros((40, 3)), np.ones((40, 3))], None, "radius is 0.*remove duplicates"),
        (np.r_[np.zeros((20, 3)), _torus()], None, "independent directions.*Remove duplicates"),
    ],
    ids=["too-few-points-constant", "too-few-points", "one-point-repeated-constant",
         "one-point-repeated", "two-points-repeated", "some-duplicates"],
)
def test_bad_clouds_fail_with_a_message_that_says_what_to_do(X, sheaves, message):
    kw = {} if sheaves is None else {"sheaves": sheaves}
    with pytest.raises(ValueError, match=f"sample 0: .*{message}"):
        SheafFeatures(**kw).fit_transform([X])


@pytest.mark.parametrize(
    "X",
    [
        np.repeat(np.random.default_rng(0).normal(size=(60, 3)), 2, axis=0),  # every point twice
        _plane(),  # d = D = 2
        np.random.default_rng(0).uniform(size=(100, 1)),  # a segment in R^1
        np.c_[np.linspace(0, 1, 100), np.zeros((100, 2))],  # a segment in R^3
    ],
    ids=["each-point-twice", "plane-in-r2", "segment-in-r1", "segment-in-r3"],
)
def test_odd_but_valid_clouds_give_finite_rows(X):
    sf = SheafFeatures(sheaves=HOLONOMY).fit([X])
    F = sf.transform([X])
    assert F.shape == (1, len(sf.get_feature_names_out())) and np.isfinite(F).all()


def test_n_landmarks_gives_the_features_of_the_landmark_subsample():
    from tdasheaf.complexes import maxmin_landmarks
    from tdasheaf.datasets import make_torus

    X = make_torus(600, random_state=0)
    keep = maxmin_landmarks(X, 200)
    est = SheafFeatures(sheaves=("constant", "orientation"), n_landmarks=200)
    np.testing.assert_array_equal(
        est.fit_transform([X]),
        SheafFeatures(sheaves=("constant", "orientation")).fit_transform([X[keep]]),
    )
    # more landmarks than points: every point
    np.testing.assert_array_equal(
        SheafFeatures(sheaves=("constant",), n_landmarks=5000).fit_transform([X[keep]]),
        SheafFeatures(sheaves=("constant",)).fit_transform([X[keep]]),
    )


def test_tangent_features_are_the_laplacian_spectra_of_the_tangent_sheaf():
    # the estimator's dense route against laplacian_spectrum(tangent_sheaf(...)) on one cloud
    from tdasheaf.cohomology import laplacian_spectrum
    from tdasheaf.cohomology._scales import mean_degree_normalised
    from tdasheaf.estimators._sheaf_features import _tangent_spectrum
    from tdasheaf.sheaves import align_frames, local_frames, tangent_sheaf

    X = make_mobius_band(120, width=0.6, random_state=3)
    K = rips_complex(X, 0.5, 1)
    frames = local_frames(X, n_neighbors=10, dim=2)
    O = align_frames(frames.frames, K.simplices[1])
    scales = np.array([0.2, 0.35, 0.5])
    expected = laplacian_spectrum(tangent_sheaf(X, K, frames=frames, alignments=O), 0, scales, 4)
    n_edges = np.searchsorted(K.filtrations[1], scales, side="right")
    expected = mean_degree_normalised(expected, n_edges, K.n_vertices).ravel()
    got = _tangent_spectrum(K, frames, O, scales, 4)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    # exact zeros (zero rule, several components) at the first scale, positive values after
    assert (got[:4] == 0).all() and (got[4:] > 0).all()
