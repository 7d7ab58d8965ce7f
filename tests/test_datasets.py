"""Point-cloud generators of ``tdasheaf.datasets``: shapes, determinism, geometry, validation."""

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.spatial.distance import pdist

from tdasheaf.datasets import (
    SHAPES,
    make_circle,
    make_cylinder,
    make_figure_eight,
    make_flat_torus,
    make_klein_bottle,
    make_mobius_band,
    make_shape,
    make_sphere,
    make_swiss_roll,
    make_torus,
    random_rotation,
)

# ambient and intrinsic dimension of every shape
DIMS = {
    "circle": (2, 1),
    "sphere": (3, 2),
    "torus": (3, 2),
    "flat_torus": (4, 2),
    "cylinder": (3, 2),
    "mobius_band": (3, 2),
    "klein_bottle": (4, 2),
    "swiss_roll": (3, 2),
    "figure_eight": (2, 1),
}


def test_shapes_listed():
    assert set(SHAPES) == set(DIMS)


# --------------------------------------------------------------------------------------------
# shapes, dtypes, determinism
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("n", [1, 2, 37])
def test_shape_dtype_params(name, n):
    D, d = DIMS[name]
    X = make_shape(name, n, random_state=0)
    assert X.shape == (n, D)
    assert X.dtype == np.float64 and X.flags.c_contiguous
    assert np.isfinite(X).all()
    X2, P = make_shape(name, n, random_state=0, return_params=True)
    assert P.shape == (n, d) and P.dtype == np.float64
    np.testing.assert_array_equal(X, X2)


@pytest.mark.parametrize("name", SHAPES)
def test_determinism(name):
    a = make_shape(name, 50, noise=0.1, random_state=3)
    b = make_shape(name, 50, noise=0.1, random_state=3)
    c = make_shape(name, 50, noise=0.1, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    # RandomState and Generator instances are accepted and consumed
    np.testing.assert_array_equal(
        make_shape(name, 50, random_state=np.random.RandomState(3)),
        make_shape(name, 50, random_state=3),
    )
    rng = np.random.default_rng(0)
    g1 = make_shape(name, 50, random_state=rng)
    g2 = make_shape(name, 50, random_state=rng)
    np.testing.assert_array_equal(g1, make_shape(name, 50, random_state=np.random.default_rng(0)))
    assert not np.allclose(g1, g2)


@pytest.mark.parametrize("name", SHAPES)
def test_noise_is_isotropic_gaussian_on_top_of_clean_points(name):
    sigma = 0.05
    clean, P0 = make_shape(name, 4000, random_state=1, return_params=True)
    noisy, P1 = make_shape(name, 4000, noise=sigma, random_state=1, return_params=True)
    np.testing.assert_array_equal(P0, P1)
    E = noisy - clean
    assert np.allclose(E.mean(axis=0), 0.0, atol=5 * sigma / np.sqrt(4000))
    np.testing.assert_allclose(E.std(axis=0), sigma, rtol=0.06)


def test_make_shape_dispatch_and_aliases():
    np.testing.assert_array_equal(
        make_shape("torus", 20, R=3.0, random_state=0), make_torus(20, R=3.0, random_state=0)
    )
    np.testing.assert_array_equal(
        make_shape("mobius", 20, random_state=0), make_mobius_band(20, random_state=0)
    )
    np.testing.assert_array_equal(
        make_shape("klein", 20, random_state=0), make_klein_bottle(20, random_state=0)
    )
    assert make_shape("circle", random_state=0).shape == (100, 2)


# --------------------------------------------------------------------------------------------
# points lie on the manifold (noise = 0)
# --------------------------------------------------------------------------------------------


def test_circle_geometry():
    X, P = make_circle(200, radius=2.5, ambient_dim=4, random_state=0, return_params=True)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 2.5)
    assert np.all(X[:, 2:] == 0.0)
    t = P[:, 0]
    assert np.all((t >= 0) & (t < 2 * np.pi))
    np.testing.assert_allclose(X[:, :2], 2.5 * np.column_stack([np.cos(t), np.sin(t)]))


def test_figure_eight_geometry():
    X, P = make_figure_eight(400, radius=0.5, random_state=0, return_params=True)
    t = P[:, 0]
    left = t < 2 * np.pi
    assert 0 < left.sum() < 400
    np.testing.assert_allclose(np.hypot(X[left, 0] + 0.5, X[left, 1]), 0.5)
    np.testing.assert_allclose(np.hypot(X[~left, 0] - 0.5, X[~left, 1]), 0.5)
    assert np.all(X[left, 0] <= 1e-12) and np.all(X[~left, 0] >= -1e-12)
    assert pdist(X).max() <= 2.0 + 1e-12


def test_sphere_geometry_and_uniformity():
    X, P = make_sphere(3000, radius=2.0, random_state=0, return_params=True)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 2.0)
    theta, phi = P.T
    Y = 2.0 * np.column_stack(
        [np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)]
    )
    np.testing.assert_allclose(X, Y, atol=1e-12)
    # Archimedes: z is uniform on [-radius, radius] for an area-uniform sample
    assert stats.kstest(X[:, 2], stats.uniform(-2.0, 4.0).cdf).pvalue > 0.01


@pytest.mark.parametrize("uniform", ["parameters", "area"])
def test_torus_geometry(uniform):
    X, P = make_torus(500, R=3.0, r=0.5, uniform=uniform, random_state=0, return_params=True)
    rho = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose((rho - 3.0) ** 2 + X[:, 2] ** 2, 0.25, atol=1e-12)
    u, v = P.T
    np.testing.assert_allclose(rho, 3.0 + 0.5 * np.cos(v))
    np.testing.assert_allclose(np.arctan2(X[:, 1], X[:, 0]) % (2 * np.pi), u, atol=1e-9)


def test_torus_area_uniform_statistics():
    R, r = 2.0, 1.0

    def cdf(v):  # marginal of v under the area measure, density ∝ R + r cos v
        return (R * v + r * np.sin(v)) / (2 * np.pi * R)

    _, P = make_torus(4000, uniform="area", random_state=0, return_params=True)
    assert stats.kstest(P[:, 1], cdf).pvalue > 0.01
    assert stats.kstest(P[:, 0], stats.uniform(0, 2 * np.pi).cdf).pvalue > 0.01
    # outer half (cos v > 0) holds 1/2 + r / (π R) of the area
    np.testing.assert_allclose(np.mean(np.cos(P[:, 1]) > 0), 0.5 + r / (np.pi * R), atol=0.025)
    # the default, uniform in angles, is detectably different
    _, Q = make_torus(4000, random_state=0, return_params=True)
    assert stats.kstest(Q[:, 1], cdf).pvalue < 1e-4
    assert stats.kstest(Q[:, 1], stats.uniform(0, 2 * np.pi).cdf).pvalue > 0.01


def _mobius_area_element(P):
    return np.sqrt((1 + P[:, 1] * np.cos(P[:, 0] / 2)) ** 2 + P[:, 1] ** 2 / 4)


def _klein_area_element(P, R=2.0, r=1.0):
    return np.sqrt((R + r * np.cos(P[:, 1])) ** 2 + (r * np.sin(P[:, 1]) / 2) ** 2)


def _swiss_area_element(P):
    return np.sqrt(1 + P[:, 0] ** 2)


@pytest.mark.parametrize(
    ("make", "element"),
    [
        (make_mobius_band, _mobius_area_element),
        (make_klein_bottle, _klein_area_element),
        (make_swiss_roll, _swiss_area_element),
    ],
)
def test_area_uniform_by_importance_weights(make, element):
    # under the area measure E[1 / ρ] = 1 / E_parameters[ρ] for the area element ρ
    _, Pa = make(6000, uniform="area", random_state=0, return_params=True)
    _, Pp = make(6000, uniform="parameters", random_state=1, return_params=True)
    ratio = np.mean(1 / element(Pa)) * np.mean(element(Pp))
    np.testing.assert_allclose(ratio, 1.0, atol=0.01)


def test_flat_torus_geometry():
    X, P = make_flat_torus(300, random_state=0, return_params=True)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(X[:, 2], X[:, 3]), 1.0)
    u, v = P.T
    np.testing.assert_allclose(X, np.column_stack([np.cos(u), np.sin(u), np.cos(v), np.sin(v)]))


def test_cylinder_geometry():
    X, P = make_cylinder(300, width=0.8, random_state=0, return_params=True)
    np.testing.assert_allclose(X[:, 0] ** 2 + X[:, 1] ** 2, 1.0)
    assert np.abs(X[:, 2]).max() <= 0.4
    np.testing.assert_array_equal(X[:, 2], P[:, 1])


@pytest.mark.parametrize("uniform", ["parameters", "area"])
def test_mobius_band_geometry(uniform):
    width = 1.2
    X, P = make_mobius_band(400, width=width, uniform=uniform, random_state=0, return_params=True)
    u, w = P.T
    assert np.all((u >= 0) & (u < 2 * np.pi)) and np.abs(w).max() <= width / 2
    rho = 1 + w * np.cos(u / 2)
    Y = np.column_stack([rho * np.cos(u), rho * np.sin(u), w * np.sin(u / 2)])
    np.testing.assert_allclose(X, Y, atol=1e-12)
    # same scale and width as the cylinder: the core circle has radius 1, rulings length width
    core = np.column_stack([np.cos(u), np.sin(u), np.zeros_like(u)])
    np.testing.assert_allclose(np.linalg.norm(X - core, axis=1), np.abs(w))


@pytest.mark.parametrize("uniform", ["parameters", "area"])
def test_klein_bottle_geometry(uniform):
    R, r = 3.0, 1.5
    X, P = make_klein_bottle(400, R=R, r=r, uniform=uniform, random_state=0, return_params=True)
    u, v = P.T
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), R + r * np.cos(v))
    np.testing.assert_allclose(np.hypot(X[:, 2], X[:, 3]), r * np.abs(np.sin(v)), atol=1e-12)
    # the identification (u + 2π, v) ~ (u, -v) is built into the formula
    rho = R + r * np.cos(-v)
    u2 = u + 2 * np.pi
    Y = np.column_stack(
        [
            rho * np.cos(u2),
            rho * np.sin(u2),
            r * np.sin(-v) * np.cos(u2 / 2),
            r * np.sin(-v) * np.sin(u2 / 2),
        ]
    )
    np.testing.assert_allclose(X, Y, atol=1e-12)


def test_swiss_roll_geometry():
    X, P = make_swiss_roll(300, height=5.0, random_state=0, return_params=True)
    t, h = P.T
    assert np.all((t >= 1.5 * np.pi) & (t <= 4.5 * np.pi)) and np.all((h >= 0) & (h <= 5.0))
    np.testing.assert_allclose(X, np.column_stack([t * np.cos(t), h, t * np.sin(t)]))


def test_documented_areas():
    # constants quoted in the docstrings
    mobius = integrate.dblquad(
        lambda w, u: np.sqrt((1 + w * np.cos(u / 2)) ** 2 + w**2 / 4), 0, 2 * np.pi, -0.5, 0.5
    )[0]
    assert abs(mobius - 6.35) < 0.01
    klein = integrate.dblquad(
        lambda v, u: np.sqrt((2 + np.cos(v)) ** 2 + np.sin(v) ** 2 / 4), 0, 2 * np.pi, 0, 2 * np.pi
    )[0]
    assert abs(klein - 80.3) < 0.05


# --------------------------------------------------------------------------------------------
# rigid motions
# --------------------------------------------------------------------------------------------


def test_random_rotation():
    X = make_klein_bottle(60, random_state=0)
    Y, Q, b = random_rotation(X, random_state=0, return_transform=True)
    np.testing.assert_allclose(Q @ Q.T, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(Y, X @ Q.T + b)
    np.testing.assert_allclose(pdist(X), pdist(Y))
    np.testing.assert_array_equal(Y, random_rotation(X, random_state=0))
    np.testing.assert_allclose(random_rotation(X, random_state=0, shift=0.0), X @ Q.T)
    # Haar on O(D): both determinants occur, about equally often
    dets = [
        np.linalg.det(random_rotation(np.eye(3), random_state=s, shift=0.0)) for s in range(200)
    ]
    np.testing.assert_allclose(np.abs(dets), 1.0)
    assert 60 < sum(d > 0 for d in dets) < 140


def test_random_rotation_is_haar():
    # the first column of a Haar-random Q is uniform on the sphere: its last coordinate is
    # uniform on [-1, 1] in dimension 3
    z = [random_rotation(np.eye(3), random_state=s, shift=0.0)[0, 2] for s in range(1000)]
    assert stats.kstest(z, stats.uniform(-1.0, 2.0).cdf).pvalue > 0.01


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("n_samples", [0, -3, 2.5, True, "10", None])
def test_bad_n_samples(name, n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        make_shape(name, n_samples)


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("noise", [-0.1, np.nan, np.inf, "0.1"])
def test_bad_noise(name, noise):
    with pytest.raises(ValueError, match="noise"):
        make_shape(name, 10, noise=noise)


@pytest.mark.parametrize(
    ("make", "kwargs", "param"),
    [
        (make_circle, {"radius": 0.0}, "radius"),
        (make_circle, {"radius": -1.0}, "radius"),
        (make_circle, {"ambient_dim": 1}, "ambient_dim"),
        (make_circle, {"ambient_dim": 2.0}, "ambient_dim"),
        (make_figure_eight, {"radius": 0}, "radius"),
        (make_sphere, {"radius": np.nan}, "radius"),
        (make_torus, {"R": 1.0, "r": 1.0}, "R must be larger than r"),
        (make_torus, {"r": 0.0}, "r must be"),
        (make_torus, {"R": -2.0}, "R must be"),
        (make_torus, {"uniform": "angles"}, "uniform"),
        (make_klein_bottle, {"R": 0.5}, "R must be larger than r"),
        (make_klein_bottle, {"uniform": None}, "uniform"),
        (make_cylinder, {"width": 0.0}, "width"),
        (make_cylinder, {"width": -1.0}, "width"),
        (make_mobius_band, {"width": 0.0}, "width"),
        (make_mobius_band, {"width": 2.0}, "width"),
        (make_mobius_band, {"uniform": "volume"}, "uniform"),
        (make_swiss_roll, {"height": 0.0}, "height"),
        (make_swiss_roll, {"uniform": "area "}, "uniform"),
    ],
)
def test_bad_shape_parameters(make, kwargs, param):
    with pytest.raises(ValueError, match=param):
        make(10, **kwargs)


def test_bad_name_and_rotation_input():
    with pytest.raises(ValueError, match="name must be one of"):
        make_shape("rp2")
    with pytest.raises(ValueError, match="name must be one of"):
        make_shape(["torus"])
    with pytest.raises(ValueError, match="shift"):
        random_rotation(np.zeros((3, 2)), shift=-1.0)
    with pytest.raises(ValueError, match="2-D"):
        random_rotation(np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        random_rotation(np.array([[0.0, np.nan]]))
