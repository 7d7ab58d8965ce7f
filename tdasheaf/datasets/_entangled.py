"""Entangled two-class point clouds of Naitzat, Zhitnikov & Lim (2020), "Topology of deep
neural networks", JMLR 21(184): the data sets D-I, D-II and D-III, on which a network has to
untangle classes of known, non-trivial topology.

Written from the paper's description and its public code (``topnn_framework``); the sampling
follows the paper (grids, evenly spaced angles, Fibonacci lattices) with small random jitters.

Conventions shared by the three generators
------------------------------------------
- ``make_<data>(n_per_component=..., *, n_components=..., noise=0.0, random_state=None, ...)``
  returns ``(X, y)``: a C-contiguous float64 array ``X`` of shape ``(n_points, D)`` and int64
  labels ``y`` in ``{0, 1}``, the points of class 0 first. The size is set per *component*
  (a disk, a ring, a sphere) because that is what the topology is made of; the total number of
  points is stated in each docstring.
- Every class has known Betti numbers (stated in each docstring), which hold for the dense
  point set and, with the default densities, for the clique complex of a k-nearest-neighbour
  graph of the sample (:func:`tdasheaf.learning.knn_graph_betti`, k ≈ 10).
- ``noise`` is the standard deviation of isotropic Gaussian noise added in the ambient space,
  drawn *after* everything else, so the same ``random_state`` with ``noise=0`` gives the clean
  points underneath a noisy sample (as for :func:`~tdasheaf.datasets.make_circle` and the other
  generators of curves and surfaces).
- ``random_state`` is ``None``, an int, a :class:`numpy.random.RandomState` (through
  :func:`sklearn.utils.check_random_state`) or a :class:`numpy.random.Generator` (used as is).
- The components (with their margins) must not touch: their bounding boxes are checked to be
  disjoint, and a ``ValueError`` asks for a larger ``spacing`` (or fewer components) if not.
"""

from __future__ import annotations

import numpy as np

from tdasheaf.datasets._generators import _check_int, _check_random_state, _check_real

__all__ = ["make_disks_in_holes", "make_linked_rings", "make_nested_spheres"]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

#: Centres of up to 9 components in ℝ³ (times ``spacing / 2``): a tetrahedron, the other four
#: corners of the cube, its centre.
_CORNERS = (
    (-1, -1, -1), (1, 1, -1), (1, -1, 1), (-1, 1, 1),
    (1, -1, -1), (-1, 1, -1), (-1, -1, 1), (1, 1, 1), (0, 0, 0),
)  # fmt: skip


def _corners(m: int, spacing: float) -> np.ndarray:
    if m > len(_CORNERS):
        raise ValueError(f"n_components must be between 1 and {len(_CORNERS)}, got {m}.")
    return np.array(_CORNERS[:m], dtype=np.float64) * spacing / 2


def _check_disjoint(centres: np.ndarray, lo, hi, fix: str) -> None:
    """Raise unless the boxes ``[c + lo, c + hi]`` of all ``centres`` are pairwise disjoint."""
    extent = np.asarray(hi, dtype=np.float64) - np.asarray(lo, dtype=np.float64)
    gaps = np.abs(centres[:, None, :] - centres[None, :, :]) > extent
    apart = gaps.any(axis=2) | np.eye(len(centres), dtype=bool)
    if not apart.all():
        raise ValueError(f"the components overlap with these parameters: {fix}.")


def _grid(lo: float, hi: float, h: float, rng) -> np.ndarray:
    """A square grid of spacing ``h`` on ``[lo, hi]^2``, jittered by 10 % of ``h``."""
    t = np.arange(lo, hi + 1e-12, h)
    P = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
    return P + 0.1 * h * rng.normal(size=P.shape)


def _fibonacci_sphere(n: int, rng) -> np.ndarray:
    """``n`` quasi-uniform points on the unit sphere (Fibonacci lattice), randomly rotated."""
    i = np.arange(n) + 0.5
    z = 1 - 2 * i / n
    r = np.sqrt(1 - z * z)
    phi = np.pi * (3 - np.sqrt(5)) * i
    P = np.c_[r * np.cos(phi), r * np.sin(phi), z]
    Q, R = np.linalg.qr(rng.normal(size=(3, 3)))
    return P @ (Q * np.sign(np.diag(R))).T


def _labelled(A: np.ndarray, B: np.ndarray, noise: float, rng):
    X = np.ascontiguousarray(np.vstack([A, B]), dtype=np.float64)
    if noise > 0:
        X = X + noise * rng.standard_normal(X.shape)
    y = np.r_[np.zeros(len(A), dtype=np.int64), np.ones(len(B), dtype=np.int64)]
    return X, y


def _common(n_per_component, n_components, noise, random_state):
    return (
        _check_int(n_per_component, "n_per_component", 1),
        _check_int(n_components, "n_components", 1),
        _check_real(noise, "noise", strict=False),
        _check_random_state(random_state),
    )


# ---------------------------------------------------------------------------------------------
# D-I, D-II, D-III
# ---------------------------------------------------------------------------------------------


def make_disks_in_holes(
    n_per_component: int = 100,
    *,
    n_components: int = 4,
    radius: float = 1.0,
    margin: float = 0.5,
    noise: float = 0.0,
    random_state=None,
):
    """Sample D-I: disks (class 0) in the holes of a square (class 1), in ℝ².

    ``m = n_components`` disks of radius ``radius``: one at the origin, the others evenly
    spaced on the circle of radius ``3.6 radius`` around it (as in the paper). Class 1 is the
    square ``[-h, h]²``, ``h = 5.8 radius`` (``2.2 radius`` for one disk), minus the disks
    enlarged by ``margin``: one hole around each disk. Points lie on square grids jittered by
    10 % of their spacing (the paper used a grid): spacing ``radius sqrt(π / n_per_component)``
    in the disks (about ``n_per_component`` points per disk) and a coarser one for class 1, with
    about ``2 m n_per_component`` points in all.

    Betti numbers: class 0 ``(β0, β1) = (m, 0)``; class 1 ``(1, m)``.

    Parameters
    ----------
    n_per_component : int, default=100
        About the number of points per disk.
    n_components : int, default=4
        Number ``m`` of disks (and of holes). With the default ``radius`` and ``margin``, up to
        8 fit.
    radius : float, default=1.0
        Radius of the disks, ``> 0``.
    margin : float, default=0.5
        Width of the empty ring between a disk and its hole, ``> 0``; the enlarged disks must
        be disjoint (``margin < 0.8 radius``, and less with more than 7 disks).
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ²``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.

    Returns
    -------
    X : ndarray of shape (n_points, 2)
        The points, class 0 first.
    y : ndarray of int64, shape (n_points,)
        The class of each point: 0 on the disks, 1 on the square with holes.

    See Also
    --------
    make_linked_rings, make_nested_spheres : D-II and D-III.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_disks_in_holes
    >>> X, y = make_disks_in_holes(100, n_components=4, random_state=0)
    >>> X.shape[1], X.dtype, y.dtype, sorted(set(y.tolist()))
    (2, dtype('float64'), dtype('int64'), [0, 1])
    >>> n0, n1 = np.bincount(y)
    >>> bool(380 < n0 < 420), bool(700 < n1 < 900)
    (True, True)
    >>> d = np.linalg.norm(X[y == 0], axis=1)
    >>> int((d < 1).sum()) > 80  # the disk at the origin
    True
    """
    n, m, noise, rng = _common(n_per_component, n_components, noise, random_state)
    radius = _check_real(radius, "radius", strict=True)
    margin = _check_real(margin, "margin", strict=True)
    ang = 2 * np.pi * np.arange(m - 1) / max(m - 1, 1)
    ring = 3.6 * radius * np.c_[np.cos(ang), np.sin(ang)]
    C = np.vstack([np.zeros((1, 2)), ring]) if m > 1 else np.zeros((1, 2))
    half = (3.6 * radius if m > 1 else 0.0) + 2.2 * radius
    if margin >= 1.2 * radius:
        raise ValueError(
            f"margin must be smaller than 1.2 * radius for the holes to fit in the square, "
            f"got margin={margin!r} and radius={radius!r}."
        )
    if m > 1:
        # two disks enlarged by the margin are disjoint iff their centres are 2(r + margin) apart
        # in Euclidean distance; a box test would be too strict for disks on a circle
        d = np.linalg.norm(C[:, None] - C[None], axis=2)
        np.fill_diagonal(d, np.inf)
        if not d.min() > 2 * (radius + margin):
            raise ValueError(
                f"the holes overlap with these parameters: use fewer disks or a smaller margin "
                f"(n_components={m}, radius={radius!r}, margin={margin!r})."
            )

    def dist(P):
        return np.min(np.linalg.norm(P[:, None] - C[None], axis=2), axis=1)

    h_a = radius * np.sqrt(np.pi / n)
    A = _grid(-half, half, h_a, rng)
    A = A[dist(A) < radius]
    free = (2 * half) ** 2 - m * np.pi * (radius + margin) ** 2
    h_b = np.sqrt(free / (2 * m * n))
    B = _grid(-half, half, h_b, rng)
    B = B[dist(B) > radius + margin]
    return _labelled(A, B, noise, rng)


def make_linked_rings(
    n_per_component: int = 120,
    *,
    n_components: int = 4,
    radius: float = 1.0,
    tube: float = 0.25,
    spacing: float = 4.0,
    noise: float = 0.0,
    random_state=None,
):
    """Sample D-II: Hopf-linked pairs of solid rings, one ring of each class per pair, in ℝ³.

    A pair: a ring of core radius ``radius`` in the xy-plane around its centre ``c`` and one
    in the xz-plane around ``c + (radius, 0, 0)``, so that each passes through the other's
    hole. The ``m = n_components`` pairs are centred on corners of a cube of side ``spacing``
    (a tetrahedron first, then the other corners, then the centre). Which class lies in which
    plane alternates between pairs, as in the paper. Each ring has ``n_per_component`` points
    at evenly spaced angles (randomly phased; the paper's sampling), offset uniformly in a
    ball of radius ``tube`` around the core circle: ``2 m n_per_component`` points in all,
    ``2π radius / n_per_component`` apart along a ring.

    Betti numbers: ``(β0, β1) = (m, m)`` for each class.

    Parameters
    ----------
    n_per_component : int, default=120
        Number of points per ring.
    n_components : int, default=4
        Number ``m`` of linked pairs, 1 to 9 (with the default sizes, 9 pairs need
        ``spacing > 5``).
    radius : float, default=1.0
        Core radius of the rings, ``> 0``.
    tube : float, default=0.25
        Radius of the solid rings around their core circles, ``0 < tube < radius / 2`` (so
        that the two rings of a pair do not touch).
    spacing : float, default=4.0
        Side of the cube on whose corners the pairs lie; the pairs' bounding boxes must be
        disjoint.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ³``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.

    Returns
    -------
    X : ndarray of shape (2 * n_components * n_per_component, 3)
        The points, class 0 first.
    y : ndarray of int64, shape (2 * n_components * n_per_component,)
        The class of each point.

    See Also
    --------
    make_disks_in_holes, make_nested_spheres : D-I and D-III.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_linked_rings
    >>> X, y = make_linked_rings(50, n_components=2, random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((200, 3), [100, 100])

    The first pair, centred at ``(-2, -2, -2)``: class 0 lies flat around it, class 1 upright.

    >>> flat, upright = X[:50] + 2, X[100:150] + 2
    >>> r = np.hypot(flat[:, 0], flat[:, 1])
    >>> bool(np.all(np.abs(r - 1) <= 0.25)), bool(np.all(np.abs(flat[:, 2]) <= 0.25))
    (True, True)
    >>> bool(np.all(np.abs(upright[:, 1]) <= 0.25))
    True
    """
    n, m, noise, rng = _common(n_per_component, n_components, noise, random_state)
    radius = _check_real(radius, "radius", strict=True)
    tube = _check_real(tube, "tube", strict=True)
    spacing = _check_real(spacing, "spacing", strict=True)
    if not tube < radius / 2:
        raise ValueError(
            f"tube must be smaller than radius / 2 for the rings of a pair not to touch, got "
            f"tube={tube!r} and radius={radius!r}."
        )
    centres = _corners(m, spacing)
    e = radius + tube
    _check_disjoint(
        centres, (-e, -e, -e), (radius + e, e, e), f"increase spacing (now {spacing!r})"
    )

    def ring(center, plane):
        t = 2 * np.pi * (np.arange(n) + rng.uniform()) / n
        u = rng.normal(size=(n, 3))
        u *= (tube * rng.uniform(size=(n, 1)) ** (1 / 3)) / np.linalg.norm(u, axis=1, keepdims=True)
        core = np.zeros((n, 3))
        core[:, 0], core[:, plane] = radius * np.cos(t), radius * np.sin(t)
        return center + core + u

    A, B = [], []
    for p, c in enumerate(centres):
        flat, upright = ring(c, 1), ring(c + [radius, 0.0, 0.0], 2)
        (A if p % 2 == 0 else B).append(flat)
        (B if p % 2 == 0 else A).append(upright)
    return _labelled(np.vstack(A), np.vstack(B), noise, rng)


def make_nested_spheres(
    n_per_component: int = 150,
    *,
    n_components: int = 2,
    radii: tuple[float, float, float] = (0.5, 1.0, 1.6),
    radial_noise: float = 0.01,
    spacing: float = 4.5,
    noise: float = 0.0,
    random_state=None,
):
    """Sample D-III: groups of three concentric spheres, the middle one of the other class, in ℝ³.

    Each of the ``m = n_components`` groups (centred on corners of a cube of side ``spacing``,
    as in :func:`make_linked_rings`) has spheres of radii ``r0 < r1 < r2``: class 0 is the
    middle sphere, class 1 the inner and the outer one (a sphere inside a sphere inside a
    sphere, as in the paper). The sphere of radius ``r`` has ``round(n_per_component r / r1)``
    points on a randomly rotated Fibonacci lattice (the paper's sampling), moved radially by
    Gaussian noise ``radial_noise``. Points in proportion to the radius: with equal counts the
    outer sphere is so sparse that its k-NN graph reaches the inner one (equal densities would
    need ``(r2 / r0)²`` ≈ 10 times more points on the outer sphere). Class 0 has
    ``m n_per_component`` points, ``≈ 2 sqrt(π / n_per_component) r1`` apart.

    Betti numbers: class 0 ``(β0, β1, β2) = (m, 0, m)``; class 1 ``(2m, 0, 2m)``.

    Parameters
    ----------
    n_per_component : int, default=150
        Number of points on the middle sphere of each group.
    n_components : int, default=2
        Number ``m`` of groups, 1 to 9 (with the default sizes, 9 groups need
        ``spacing > 6.6``).
    radii : tuple of 3 floats, default=(0.5, 1.0, 1.6)
        Radii of the inner, middle and outer sphere, ``0 < r0 < r1 < r2``.
    radial_noise : float, default=0.01
        Standard deviation of the Gaussian noise along the radius (the sampling of the paper);
        keep it well below the gaps between the radii.
    spacing : float, default=4.5
        Side of the cube on whose corners the groups lie; the groups' bounding boxes must be
        disjoint.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ³``, after everything else.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.

    Returns
    -------
    X : ndarray of shape (n_points, 3)
        The points, class 0 first.
    y : ndarray of int64, shape (n_points,)
        The class of each point: 0 on the middle spheres, 1 on the inner and outer ones.

    See Also
    --------
    make_disks_in_holes, make_linked_rings : D-I and D-II.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_nested_spheres
    >>> X, y = make_nested_spheres(100, n_components=1, random_state=0)
    >>> X.shape, np.bincount(y).tolist()  # 100 on the middle sphere, 50 + 160 inside and out
    ((310, 3), [100, 210])
    >>> r = np.linalg.norm(X - [-2.25, -2.25, -2.25], axis=1)
    >>> bool(np.all(np.abs(r[y == 0] - 1.0) < 0.1))
    True
    >>> np.round(np.sort(r[y == 1])[[0, -1]], 1).tolist()
    [0.5, 1.6]
    """
    n, m, noise, rng = _common(n_per_component, n_components, noise, random_state)
    radial_noise = _check_real(radial_noise, "radial_noise", strict=False)
    spacing = _check_real(spacing, "spacing", strict=True)
    radii = tuple(radii) if np.ndim(radii) == 1 else ()
    if len(radii) != 3:
        raise ValueError(f"radii must be three numbers r0 < r1 < r2, got {radii!r}.")
    radii = tuple(_check_real(r, "radii", strict=True) for r in radii)
    if not radii[0] < radii[1] < radii[2]:
        raise ValueError(f"radii must be increasing, r0 < r1 < r2, got {radii!r}.")
    centres = _corners(m, spacing)
    e = radii[2] + 4 * radial_noise
    _check_disjoint(centres, (-e,) * 3, (e,) * 3, f"increase spacing (now {spacing!r})")

    def sphere(r):
        k = int(round(n * r / radii[1]))
        return _fibonacci_sphere(k, rng) * (r + radial_noise * rng.normal(size=(k, 1)))

    A, B = [], []
    for c in centres:
        B.append(c + sphere(radii[0]))
        A.append(c + sphere(radii[1]))
        B.append(c + sphere(radii[2]))
    return _labelled(np.vstack(A), np.vstack(B), noise, rng)
