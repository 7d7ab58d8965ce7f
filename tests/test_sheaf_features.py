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
from tdasheaf.estimators._sheaf_features import _neighbourhood_radius

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
