"""Entangled two-class generators of ``tdasheaf.datasets`` (D-I, D-II, D-III of Naitzat,
Zhitnikov & Lim 2020): shapes, labels, determinism, noise, geometry, validation, and the
documented Betti numbers of each class (oracle: gudhi's alpha complex)."""

import gudhi
import numpy as np
import pytest

from tdasheaf.datasets import make_disks_in_holes, make_linked_rings, make_nested_spheres

MAKERS = {
    "D-I": (make_disks_in_holes, 2),
    "D-II": (make_linked_rings, 3),
    "D-III": (make_nested_spheres, 3),
}


def _sample(name, **kwargs):
    maker, _ = MAKERS[name]
    kwargs.setdefault("n_per_component", 40)
    kwargs.setdefault("n_components", 2)
    return maker(**kwargs)


@pytest.mark.parametrize("name", MAKERS)
def test_arrays_and_labels(name):
    X, y = _sample(name, random_state=0)
    assert X.ndim == 2 and X.shape[1] == MAKERS[name][1] and X.shape[0] == y.shape[0]
    assert X.dtype == np.float64 and X.flags.c_contiguous and np.isfinite(X).all()
    assert y.dtype == np.int64 and set(np.unique(y).tolist()) == {0, 1}
    assert np.all(np.diff(y) >= 0)  # class 0 first


def test_numbers_of_points():
    _, y = make_linked_rings(30, n_components=3, random_state=0)
    assert np.bincount(y).tolist() == [90, 90]
    _, y = make_nested_spheres(40, n_components=2, radii=(0.5, 1.0, 1.5), random_state=0)
    assert np.bincount(y).tolist() == [2 * 40, 2 * (20 + 60)]
    _, y = make_disks_in_holes(100, n_components=3, random_state=0)
    n0, n1 = np.bincount(y)
    assert abs(n0 - 300) < 0.15 * 300 and abs(n1 - 600) < 0.25 * 600


@pytest.mark.parametrize("name", MAKERS)
def test_determinism_and_random_state_types(name):
    X, y = _sample(name, random_state=3)
    X2, y2 = _sample(name, random_state=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    # an int is a RandomState seed, as for the other generators; a Generator is used as is
    X3, _ = _sample(name, random_state=np.random.RandomState(3))
    assert np.array_equal(X, X3)
    G1, _ = _sample(name, random_state=np.random.default_rng(3))
    G2, _ = _sample(name, random_state=np.random.default_rng(3))
    assert np.array_equal(G1, G2)
    other, _ = _sample(name, random_state=4)
    assert other.shape != X.shape or not np.array_equal(other, X)


@pytest.mark.parametrize("name", MAKERS)
def test_noise_is_drawn_last(name):
    clean, y = _sample(name, random_state=1)
    noisy, y_noisy = _sample(name, random_state=1, noise=0.05)
    assert np.array_equal(y, y_noisy)
    delta = noisy - clean
    assert 0.03 < delta.std() < 0.07 and abs(delta.mean()) < 0.02


def test_disks_in_holes_geometry():
    X, y = make_disks_in_holes(60, n_components=4, radius=2.0, margin=1.0, random_state=0)
    ang = 2 * np.pi * np.arange(3) / 3
    C = np.vstack([[0.0, 0.0], 7.2 * np.c_[np.cos(ang), np.sin(ang)]])
    d = np.linalg.norm(X[:, None] - C[None], axis=2).min(axis=1)
    assert np.all(d[y == 0] < 2.0) and np.all(d[y == 1] > 3.0)
    for c in C:  # every disk and every hole is sampled
        near = np.linalg.norm(X - c, axis=1)
        assert (near[y == 0] < 2.0).sum() > 40
        assert ((near[y == 1] > 3.0) & (near[y == 1] < 5.0)).sum() > 5


def test_linked_rings_geometry():
    n = 50
    X, y = make_linked_rings(n, n_components=2, radius=1.5, tube=0.3, spacing=6.0, random_state=0)
    # blocks of n points: class 0 = [flat ring of pair 0, upright ring of pair 1], class 1 the
    # others; each point lies within the tube around its core circle
    c0, c1 = np.full(3, -3.0), np.array([3.0, 3.0, -3.0])
    rings = [(X[:n], c0, 2), (X[n : 2 * n], c1 + [1.5, 0, 0], 1),
             (X[2 * n : 3 * n], c0 + [1.5, 0, 0], 1), (X[3 * n :], c1, 2)]  # fmt: skip
    for P, centre, normal in rings:
        Q = P - centre
        in_plane = np.delete(Q, normal, axis=1)
        dist = np.hypot(np.linalg.norm(in_plane, axis=1) - 1.5, Q[:, normal])
        assert np.all(dist <= 0.3 + 1e-12)


def test_nested_spheres_geometry():
    X, y = make_nested_spheres(80, n_components=1, radii=(1.0, 2.0, 3.0), spacing=8.0,
                               radial_noise=0.0, random_state=0)  # fmt: skip
    r = np.linalg.norm(X + 4.0, axis=1)
    assert np.allclose(r[y == 0], 2.0)
    assert np.allclose(np.sort(r[y == 1]), np.repeat([1.0, 3.0], [40, 120]))


def _betti(X, ratio=2.2, h0_ratio=3.0):
    """Betti numbers of the clean shape: components whose merge is much later than the typical
    nearest-neighbour merge, and H_q bars with death / birth > ``ratio`` (alpha complex)."""
    st = gudhi.AlphaComplex(points=X).create_simplex_tree()
    st.compute_persistence()
    bars = [np.sqrt(st.persistence_intervals_in_dimension(q)).reshape(-1, 2) for q in range(3)]
    death0 = bars[0][:, 1]
    finite = death0[np.isfinite(death0)]
    b0 = int(np.isinf(death0).sum() + (finite > h0_ratio * np.median(finite)).sum())
    return (b0,) + tuple(int((b[:, 1] > ratio * b[:, 0]).sum()) for b in bars[1 : X.shape[1]])


# the margins of the thresholds, over seeds 0-9: finite H0 bars ≥ 4.3 or ≤ 2.1 times the median
# merge; H1/H2 bars with death / birth ≥ 2.9 (features) or ≤ 1.7 (noise)
@pytest.mark.parametrize(
    ("name", "n", "m", "betti"),
    [
        ("D-I", 60, 3, {0: (3, 0), 1: (1, 3)}),
        ("D-II", 60, 3, {0: (3, 3, 0), 1: (3, 3, 0)}),
        ("D-III", 300, 2, {0: (2, 0, 2), 1: (4, 0, 4)}),
    ],
)
def test_documented_betti_numbers(name, n, m, betti):
    X, y = _sample(name, n_per_component=n, n_components=m, random_state=0)
    for label in (0, 1):
        assert _betti(X[y == label]) == betti[label], (name, label)


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("D-I", {"n_per_component": 0}, "n_per_component"),
        ("D-II", {"n_per_component": 2.5}, "n_per_component"),
        ("D-III", {"n_components": 0}, "n_components"),
        ("D-II", {"n_components": 10}, "between 1 and 9"),
        ("D-I", {"noise": -0.1}, "noise"),
        ("D-I", {"radius": 0.0}, "radius"),
        ("D-I", {"margin": 1.3}, "margin"),
        ("D-I", {"n_components": 9}, "overlap"),
        ("D-II", {"tube": 0.5}, "tube"),
        ("D-II", {"n_components": 9}, "increase spacing"),
        ("D-III", {"spacing": 3.0}, "increase spacing"),
        ("D-III", {"radii": (1.0, 0.5, 1.6)}, "increasing"),
        ("D-III", {"radii": (0.5, 1.0)}, "three numbers"),
        ("D-III", {"radii": 1.0}, "three numbers"),
        ("D-III", {"radial_noise": np.nan}, "radial_noise"),
    ],
)
def test_invalid_parameters(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _sample(name, **kwargs)


def test_documented_capacity():
    make_disks_in_holes(10, n_components=8)
    make_linked_rings(10, n_components=9, spacing=5.01)
    make_nested_spheres(10, n_components=9, spacing=6.6)
