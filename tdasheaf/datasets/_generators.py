"""Point clouds sampled from curves and surfaces, for the data-driven sheaves of DESIGN.md §5.

Conventions shared by every generator ``make_<shape>``
------------------------------------------------------
- ``make_<shape>(n_samples=100, *, noise=0.0, random_state=None, return_params=False, ...)``
  returns a C-contiguous float64 array ``X`` of shape ``(n_samples, D)``.
- Points are drawn i.i.d. from a known parametrisation. ``return_params=True`` returns
  ``(X, params)`` where ``params`` has shape ``(n_samples, d)`` (``d`` = intrinsic dimension,
  ``d = 1`` for curves): the noiseless parameters ``t`` or ``(u, v)`` of each point, in the
  order listed in the generator's docstring, so that true tangents can be computed in tests.
- ``noise`` is the standard deviation of isotropic Gaussian noise added in the ambient space
  ``ℝ^D`` (not along the normal). It is drawn *after* the parameters, so the same
  ``random_state`` with ``noise=0`` gives the clean points underneath a noisy sample.
- ``random_state`` is ``None``, an int, a :class:`numpy.random.RandomState` (through
  :func:`sklearn.utils.check_random_state`) or a :class:`numpy.random.Generator`.
- Surfaces whose parametrisation is not area-preserving take ``uniform="parameters"``
  (default: uniform in the parameter rectangle) or ``uniform="area"`` (uniform with respect
  to surface area, by rejection sampling with the exact area element).
- Every docstring states the scale: the diameter and the typical nearest-neighbour spacing
  of ``n`` area-uniform points, ``≈ 0.5 * sqrt(area / n)`` on a surface and ``length / (2 n)``
  on a curve (mean nearest-neighbour distance of a Poisson process).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from tdasheaf.utils import check_point_cloud

__all__ = [
    "SHAPES",
    "make_circle",
    "make_cylinder",
    "make_figure_eight",
    "make_flat_torus",
    "make_klein_bottle",
    "make_mobius_band",
    "make_shape",
    "make_sphere",
    "make_swiss_roll",
    "make_torus",
    "random_rotation",
]

TWO_PI = 2.0 * np.pi

#: Names accepted by :func:`make_shape` (``"mobius"`` and ``"klein"``, the names used by
#: :func:`~tdasheaf.datasets.triangulated_surface`, are accepted as aliases).
SHAPES = (
    "circle",
    "sphere",
    "torus",
    "flat_torus",
    "cylinder",
    "mobius_band",
    "klein_bottle",
    "swiss_roll",
    "figure_eight",
)

_ALIASES = {"mobius": "mobius_band", "klein": "klein_bottle"}
_UNIFORM = ("parameters", "area")


# ---------------------------------------------------------------------------------------------
# validation and sampling helpers
# ---------------------------------------------------------------------------------------------


def _check_random_state(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    from sklearn.utils import check_random_state

    return check_random_state(random_state)


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}.")
    return int(value)


def _check_real(value, name: str, *, strict: bool) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = np.isfinite(value) and (value > 0 if strict else value >= 0)
    if not ok:
        what = "a positive" if strict else "a non-negative"
        raise ValueError(f"{name} must be {what} finite number, got {value!r}.")
    return value


def _check_uniform(uniform) -> str:
    if uniform not in _UNIFORM:
        raise ValueError(f"uniform must be one of {_UNIFORM}, got {uniform!r}.")
    return uniform


def _check_tube(R, r):
    R = _check_real(R, "R", strict=True)
    r = _check_real(r, "r", strict=True)
    if not R > r:
        raise ValueError(
            f"R must be larger than r for an embedded surface, got R={R!r} and r={r!r}."
        )
    return R, r


def _sample_params(rng, n: int, bounds, density: Callable | None, max_density: float):
    """``n`` parameter vectors uniform in the box ``bounds`` (a list of ``(low, high)``).

    With a ``density`` (bounded above by ``max_density`` on the box), rejection sampling
    returns points distributed proportionally to it instead.
    """
    low = np.array([b[0] for b in bounds], dtype=np.float64)
    high = np.array([b[1] for b in bounds], dtype=np.float64)
    if density is None:
        return low + (high - low) * rng.uniform(0.0, 1.0, size=(n, len(bounds)))
    chunks, have = [], 0
    while have < n:
        batch = max(64, 2 * (n - have))
        P = low + (high - low) * rng.uniform(0.0, 1.0, size=(batch, len(bounds)))
        keep = rng.uniform(0.0, max_density, size=batch) < density(P)
        chunks.append(P[keep])
        have += int(keep.sum())
    return np.concatenate(chunks)[:n]


def _finish(X, params, noise: float, rng, return_params: bool):
    X = np.ascontiguousarray(X, dtype=np.float64)
    if noise > 0:
        X = X + noise * rng.standard_normal(X.shape)
    if return_params:
        return X, np.ascontiguousarray(params, dtype=np.float64)
    return X


def _common(n_samples, noise, random_state):
    return (
        _check_int(n_samples, "n_samples", 1),
        _check_real(noise, "noise", strict=False),
        _check_random_state(random_state),
    )


# ---------------------------------------------------------------------------------------------
# curves
# ---------------------------------------------------------------------------------------------


def make_circle(
    n_samples: int = 100,
    *,
    radius: float = 1.0,
    ambient_dim: int = 2,
    noise: float = 0.0,
    random_state=None,
    return_params: bool = False,
):
    """Sample points uniformly from a circle.

    Parametrisation ``t ↦ (radius cos t, radius sin t, 0, ..., 0)``, ``t ∈ [0, 2π)``, in the
    first two coordinates of ``ℝ^ambient_dim``. Diameter ``2 radius``; ``n`` points are about
    ``π radius / n`` apart (nearest-neighbour spacing).

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    radius : float, default=1.0
        Radius of the circle, ``> 0``.
    ambient_dim : int, default=2
        Dimension ``D >= 2`` of the ambient space; coordinates beyond the second are 0
        (before noise).
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ^D``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    return_params : bool, default=False
        Also return the parameters ``t`` as an array of shape ``(n_samples, 1)``.

    Returns
    -------
    X : ndarray of shape (n_samples, ambient_dim)
        The points.
    params : ndarray of shape (n_samples, 1)
        Only with ``return_params=True``: ``t`` of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_circle
    >>> X = make_circle(50, radius=2.0, ambient_dim=3, random_state=0)
    >>> X.shape, X.dtype
    ((50, 3), dtype('float64'))
    >>> bool(np.allclose(np.linalg.norm(X, axis=1), 2.0))
    True
    """
    n, noise, rng = _common(n_samples, noise, random_state)
    radius = _check_real(radius, "radius", strict=True)
    ambient_dim = _check_int(ambient_dim, "ambient_dim", 2)
    t = _sample_params(rng, n, [(0.0, TWO_PI)], None, 1.0)
    X = np.zeros((n, ambient_dim))
    X[:, 0] = radius * np.cos(t[:, 0])
    X[:, 1] = radius * np.sin(t[:, 0])
    return _finish(X, t, noise, rng, return_params)


def make_figure_eight(
    n_samples: int = 100,
    *,
    radius: float = 1.0,
    noise: float = 0.0,
    random_state=None,
    return_params: bool = False,
):
    """Sample points uniformly (by arc length) from two circles touching at the origin.

    The circles of radius ``radius`` centred at ``(-radius, 0)`` and ``(radius, 0)`` in ``ℝ²``
    (a wedge of two circles, first Betti number 2). Parametrisation by ``t ∈ [0, 4π)``:
    ``(-radius (1 - cos t), radius sin t)`` for ``t < 2π`` (left circle) and
    ``(radius (1 - cos t), radius sin t)`` for ``t ≥ 2π`` (right circle); ``t = 0`` and
    ``t = 2π`` are the touching point. Diameter ``4 radius``; ``n`` points are about
    ``2π radius / n`` apart.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    radius : float, default=1.0
        Radius of each circle, ``> 0``.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ²``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    return_params : bool, default=False
        Also return the parameters ``t`` as an array of shape ``(n_samples, 1)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points.
    params : ndarray of shape (n_samples, 1)
        Only with ``return_params=True``: ``t`` of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_figure_eight
    >>> X = make_figure_eight(40, random_state=0)
    >>> X.shape
    (40, 2)
    >>> d = np.minimum(np.hypot(X[:, 0] + 1, X[:, 1]), np.hypot(X[:, 0] - 1, X[:, 1]))
    >>> bool(np.allclose(d, 1.0))
    True
    """
    n, noise, rng = _common(n_samples, noise, random_state)
    radius = _check_real(radius, "radius", strict=True)
    t = _sample_params(rng, n, [(0.0, 2 * TWO_PI)], None, 1.0)
    s = t[:, 0]
    side = np.where(s < TWO_PI, -1.0, 1.0)
    X = np.column_stack([side * radius * (1.0 - np.cos(s)), radius * np.sin(s)])
    return _finish(X, t, noise, rng, return_params)


# ---------------------------------------------------------------------------------------------
# closed surfaces
# ---------------------------------------------------------------------------------------------


def make_sphere(
    n_samples: int = 100,
    *,
    radius: float = 1.0,
    noise: float = 0.0,
    random_state=None,
    return_params: bool = False,
):
    """Sample points uniformly (in area) from the round sphere S² in ℝ³.

    Parametrisation ``(θ, φ) ↦ radius (sin θ cos φ, sin θ sin φ, cos θ)`` with polar angle
    ``θ ∈ [0, π]`` and azimuth ``φ ∈ [0, 2π)``; points are drawn as normalised Gaussian
    vectors, which is uniform in area. Diameter ``2 radius``, area ``4π radius²``;
    ``n`` points are about ``1.77 radius / sqrt(n)`` apart.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    radius : float, default=1.0
        Radius of the sphere, ``> 0``.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ³``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    return_params : bool, default=False
        Also return the parameters ``(θ, φ)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points.
    params : ndarray of shape (n_samples, 2)
        Only with ``return_params=True``: ``(θ, φ)`` of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_sphere
    >>> X = make_sphere(100, radius=3.0, random_state=0)
    >>> X.shape
    (100, 3)
    >>> bool(np.allclose(np.linalg.norm(X, axis=1), 3.0))
    True
    """
    n, noise, rng = _common(n_samples, noise, random_state)
    radius = _check_real(radius, "radius", strict=True)
    G = rng.standard_normal((n, 3))
    norms = np.linalg.norm(G, axis=1)
    while np.any(norms == 0.0):  # probability zero; keeps the output exactly on the sphere
        bad = norms == 0.0
        G[bad] = rng.standard_normal((int(bad.sum()), 3))
        norms = np.linalg.norm(G, axis=1)
    U = G / norms[:, None]
    theta = np.arccos(np.clip(U[:, 2], -1.0, 1.0))
    phi = np.mod(np.arctan2(U[:, 1], U[:, 0]), TWO_PI)
    return _finish(radius * U, np.column_stack([theta, phi]), noise, rng, return_params)


def make_torus(
    n_samples: int = 100,
    *,
    R: float = 2.0,
    r: float = 1.0,
    uniform: str = "parameters",
    noise: float = 0.0,
    random_state=None,
    return_params: bool = False,
):
    """Sample points from the standard torus of revolution in ℝ³.

    Parametrisation ``(u, v) ↦ ((R + r cos v) cos u, (R + r cos v) sin u, r sin v)``,
    ``u, v ∈ [0, 2π)``; implicit equation ``(sqrt(x² + y²) - R)² + z² = r²``. By default
    ``(u, v)`` are uniform in angles, which is **not** uniform in area: the area element is
    ``r (R + r cos v) du dv``, so the inner side (``cos v < 0``) is over-sampled, by a factor
    up to ``(R + r) / (R - r)``. ``uniform="area"`` samples uniformly in area instead
    (rejection sampling in ``v``). Diameter ``2 (R + r)``, area ``4π² R r``; ``n`` area-uniform
    points are about ``π sqrt(R r / n)`` apart (``4.4 / sqrt(n)`` for the defaults).

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    R : float, default=2.0
        Distance from the centre of the tube to the axis of revolution, ``R > r``.
    r : float, default=1.0
        Radius of the tube, ``> 0``.
    uniform : {"parameters", "area"}, default="parameters"
        Uniform in the angles ``(u, v)`` or uniform with respect to surface area.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ³``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    return_params : bool, default=False
        Also return the angles ``(u, v)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points.
    params : ndarray of shape (n_samples, 2)
        Only with ``return_params=True``: ``(u, v)`` of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_torus
    >>> X = make_torus(200, uniform="area", random_state=0)
    >>> X.shape
    (200, 3)
    >>> rho = np.hypot(X[:, 0], X[:, 1])
    >>> bool(np.allclose((rho - 2.0) ** 2 + X[:, 2] ** 2, 1.0))
    True
    """
    n, noise, rng = _common(n_samples, noise, random_state)
    R, r = _check_tube(R, r)
    uniform = _check_uniform(uniform)
    density = (lambda P: R + r * np.cos(P[:, 1])) if uniform == "area" else None
    P = _sample_params(rng, n, [(0.0, TWO_PI), (0.0, TWO_PI)], density, R + r)
    u, v = P[:, 0], P[:, 1]
    rho = R + r * np.cos(v)
    X = np.column_stack([rho * np.cos(u), rho * np.sin(u), r * np.sin(v)])
    return _finish(X, P, noise, rng, return_params)


def make_flat_torus(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    random_state=None,
    return_params: bool = False,
):
    """Sample points uniformly from the flat (Clifford) torus in ℝ⁴.

    Parametrisation ``(u, v) ↦ (cos u, sin u, cos v, sin v)``, ``u, v ∈ [0, 2π)``: the product
    of two unit circles, with the flat metric ``du² + dv²``, so uniform angles are uniform
    in area. Diameter ``2 sqrt(2)``, area ``4π²``; ``n`` points are about ``π / sqrt(n)``
    apart.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ⁴``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    return_params : bool, default=False
        Also return the angles ``(u, v)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 4)
        The points.
    params : ndarray of shape (n_samples, 2)
        Only with ``return_params=True``: ``(u, v)`` of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_flat_torus
    >>> X = make_flat_torus(100, random_state=0)
    >>> X.shape
    (100, 4)
    >>> bool(np.allclose(X[:, 0] ** 2 + X[:, 1] ** 2, 1.0))
    True
    """
    n, noise, rng = _common(n_samples, noise, random_state)
    P = _sample_params(rng, n, [(0.0, TWO_PI), (0.0, TWO_PI)], None, 1.0)
    u, v = P[:, 0], P[:, 1]
    X = np.column_stack([np.cos(u), np.sin(u), np.cos(v), np.sin(v)])
    return _finish(X, P, noise, rng, return_params)


def make_klein_bottle(
    n_samples: int = 100,
    *,
    R: float = 2.0,
    r: float = 1.0,
    uniform: str = "parameters",
    noise: float = 0.0,
    random_state=None,
    return_params: bool = False,
):
    """Sample points from an embedded Klein bottle in ℝ⁴.

    Parametrisation ``(u, v) ↦ ((R + r cos v) cos u, (R + r cos v) sin u,
    r sin v cos(u/2), r sin v sin(u/2))``, ``u, v ∈ [0, 2π)``: a tube of radius ``r`` whose
    centre runs once around the circle of radius ``R`` in the first two coordinates, turned
    by half a revolution on the way so that ``(u + 2π, v) ≡ (u, -v)``. It is an embedding for
    ``R > r``; the first two coordinates have norm ``R + r cos v``, the last two
    ``r |sin v|``. The induced metric is ``((R + r cos v)² + r² sin²v / 4) du² + r² dv²``, not
    flat, so uniform angles are not uniform in area; ``uniform="area"`` samples uniformly in
    area (rejection sampling). Diameter ``2 (R + r)``, area ``≈ 4π² R r`` (80.3 for the
    defaults); ``n`` area-uniform points are about ``4.5 / sqrt(n)`` apart for the defaults.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    R : float, default=2.0
        Radius of the core circle, ``R > r``.
    r : float, default=1.0
        Radius of the tube, ``> 0``.
    uniform : {"parameters", "area"}, default="parameters"
        Uniform in the angles ``(u, v)`` or uniform with respect to surface area.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ⁴``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    return_params : bool, default=False
        Also return the angles ``(u, v)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 4)
        The points.
    params : ndarray of shape (n_samples, 2)
        Only with ``return_params=True``: ``(u, v)`` of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_klein_bottle
    >>> X, P = make_klein_bottle(100, random_state=0, return_params=True)
    >>> X.shape, P.shape
    ((100, 4), (100, 2))
    >>> bool(np.allclose(np.hypot(X[:, 0], X[:, 1]), 2.0 + np.cos(P[:, 1])))
    True
    """
    n, noise, rng = _common(n_samples, noise, random_state)
    R, r = _check_tube(R, r)
    uniform = _check_uniform(uniform)
    density = None
    if uniform == "area":

        def density(P):
            return np.sqrt((R + r * np.cos(P[:, 1])) ** 2 + (r * np.sin(P[:, 1]) / 2) ** 2)

    P = _sample_params(
        rng, n, [(0.0, TWO_PI), (0.0, TWO_PI)], density, np.sqrt((R + r) ** 2 + r**2 / 4)
    )
    u, v = P[:, 0], P[:, 1]
    rho = R + r * np.cos(v)
    X = np.column_stack(
        [
            rho * np.cos(u),
            rho * np.sin(u),
            r * np.sin(v) * np.cos(u / 2),
            r * np.sin(v) * np.sin(u / 2),
        ]
    )
    return _finish(X, P, noise, rng, return_params)


# ---------------------------------------------------------------------------------------------
# surfaces with boundary
# ---------------------------------------------------------------------------------------------


def make_cylinder(
    n_samples: int = 100,
    *,
    width: float = 1.0,
    noise: float = 0.0,
    random_state=None,
    return_params: bool = False,
):
    """Sample points uniformly (in area) from a finite cylinder of radius 1 in ℝ³.

    Parametrisation ``(u, w) ↦ (cos u, sin u, w)``, ``u ∈ [0, 2π)``,
    ``w ∈ [-width/2, width/2]``; the same scale and width convention as
    :func:`make_mobius_band`, so the two are directly comparable. Diameter
    ``sqrt(4 + width²)``, area ``2π width``; ``n`` points are about
    ``1.25 sqrt(width / n)`` apart.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    width : float, default=1.0
        Height of the cylinder, ``> 0``.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ³``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    return_params : bool, default=False
        Also return the parameters ``(u, w)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points.
    params : ndarray of shape (n_samples, 2)
        Only with ``return_params=True``: ``(u, w)`` of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_cylinder
    >>> X = make_cylinder(100, width=0.5, random_state=0)
    >>> X.shape
    (100, 3)
    >>> bool(np.allclose(X[:, 0] ** 2 + X[:, 1] ** 2, 1.0)), bool(np.abs(X[:, 2]).max() <= 0.25)
    (True, True)
    """
    n, noise, rng = _common(n_samples, noise, random_state)
    width = _check_real(width, "width", strict=True)
    P = _sample_params(rng, n, [(0.0, TWO_PI), (-width / 2, width / 2)], None, 1.0)
    u, w = P[:, 0], P[:, 1]
    X = np.column_stack([np.cos(u), np.sin(u), w])
    return _finish(X, P, noise, rng, return_params)


def make_mobius_band(
    n_samples: int = 100,
    *,
    width: float = 1.0,
    uniform: str = "parameters",
    noise: float = 0.0,
    random_state=None,
    return_params: bool = False,
):
    """Sample points from the standard Möbius band of radius 1 in ℝ³.

    Parametrisation ``(u, w) ↦ ((1 + w cos(u/2)) cos u, (1 + w cos(u/2)) sin u,
    w sin(u/2))``, ``u ∈ [0, 2π)``, ``w ∈ [-width/2, width/2]``, with ``(u + 2π, w) ≡ (u, -w)``:
    the same scale and width convention as :func:`make_cylinder`. The area element is
    ``sqrt((1 + w cos(u/2))² + w²/4) du dw``, so uniform parameters are close to, but not
    exactly, uniform in area; ``uniform="area"`` samples uniformly in area (rejection
    sampling). Embedded for ``width < 2``. Diameter ``≈ 2.81`` and area ``≈ 6.35`` for
    ``width=1`` (area ``≈ 2π width`` for narrow bands); ``n`` points are about
    ``1.26 sqrt(width / n)`` apart.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    width : float, default=1.0
        Width of the band, ``0 < width < 2``.
    uniform : {"parameters", "area"}, default="parameters"
        Uniform in ``(u, w)`` or uniform with respect to surface area.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ³``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    return_params : bool, default=False
        Also return the parameters ``(u, w)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points.
    params : ndarray of shape (n_samples, 2)
        Only with ``return_params=True``: ``(u, w)`` of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_mobius_band
    >>> X, P = make_mobius_band(100, width=0.6, random_state=0, return_params=True)
    >>> X.shape, P.shape
    ((100, 3), (100, 2))
    >>> bool(np.allclose(X[:, 2], P[:, 1] * np.sin(P[:, 0] / 2)))
    True
    """
    n, noise, rng = _common(n_samples, noise, random_state)
    width = _check_real(width, "width", strict=True)
    if not width < 2:
        raise ValueError(
            f"width must be smaller than 2 (twice the radius) for an embedded Möbius band, "
            f"got {width!r}."
        )
    uniform = _check_uniform(uniform)
    half = width / 2
    density = None
    if uniform == "area":

        def density(P):
            return np.sqrt((1 + P[:, 1] * np.cos(P[:, 0] / 2)) ** 2 + P[:, 1] ** 2 / 4)

    P = _sample_params(
        rng, n, [(0.0, TWO_PI), (-half, half)], density, np.sqrt((1 + half) ** 2 + half**2 / 4)
    )
    u, w = P[:, 0], P[:, 1]
    rho = 1 + w * np.cos(u / 2)
    X = np.column_stack([rho * np.cos(u), rho * np.sin(u), w * np.sin(u / 2)])
    return _finish(X, P, noise, rng, return_params)


def make_swiss_roll(
    n_samples: int = 100,
    *,
    height: float = 21.0,
    uniform: str = "parameters",
    noise: float = 0.0,
    random_state=None,
    return_params: bool = False,
):
    """Sample points from the swiss roll in ℝ³ (scikit-learn's parametrisation).

    Parametrisation ``(t, h) ↦ (t cos t, h, t sin t)``, ``t ∈ [3π/2, 9π/2]``,
    ``h ∈ [0, height]``, as :func:`sklearn.datasets.make_swiss_roll` (without its
    ``hole`` option; noise here is isotropic). The area element is ``sqrt(1 + t²) dt dh``, so
    uniform ``t`` over-samples the inner turns, by a factor up to 3; ``uniform="area"``
    samples uniformly in area (rejection sampling in ``t``). Diameter ``≈ 32.8`` and area
    ``≈ 89.4 height`` (1877 for the default); ``n`` area-uniform points are about
    ``21.7 / sqrt(n)`` apart for the default height.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points.
    height : float, default=21.0
        Extent of the roll along its axis (the second coordinate), ``> 0``.
    uniform : {"parameters", "area"}, default="parameters"
        Uniform in ``(t, h)`` or uniform with respect to surface area.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in ``ℝ³``.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    return_params : bool, default=False
        Also return the parameters ``(t, h)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points.
    params : ndarray of shape (n_samples, 2)
        Only with ``return_params=True``: ``(t, h)`` of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import make_swiss_roll
    >>> X, P = make_swiss_roll(100, random_state=0, return_params=True)
    >>> X.shape
    (100, 3)
    >>> bool(np.allclose(np.hypot(X[:, 0], X[:, 2]), P[:, 0]))
    True
    """
    n, noise, rng = _common(n_samples, noise, random_state)
    height = _check_real(height, "height", strict=True)
    uniform = _check_uniform(uniform)
    t_max = 4.5 * np.pi
    density = (lambda P: np.sqrt(1 + P[:, 0] ** 2)) if uniform == "area" else None
    P = _sample_params(
        rng, n, [(1.5 * np.pi, t_max), (0.0, height)], density, np.sqrt(1 + t_max**2)
    )
    t, h = P[:, 0], P[:, 1]
    X = np.column_stack([t * np.cos(t), h, t * np.sin(t)])
    return _finish(X, P, noise, rng, return_params)


# ---------------------------------------------------------------------------------------------
# dispatch and rigid motions
# ---------------------------------------------------------------------------------------------

_GENERATORS = {
    "circle": make_circle,
    "sphere": make_sphere,
    "torus": make_torus,
    "flat_torus": make_flat_torus,
    "cylinder": make_cylinder,
    "mobius_band": make_mobius_band,
    "klein_bottle": make_klein_bottle,
    "swiss_roll": make_swiss_roll,
    "figure_eight": make_figure_eight,
}


def make_shape(name: str, n_samples: int = 100, **kwargs):
    """Sample a point cloud from the shape called ``name``.

    Parameters
    ----------
    name : str
        One of :data:`SHAPES` (``"mobius"`` and ``"klein"`` are accepted as aliases of
        ``"mobius_band"`` and ``"klein_bottle"``).
    n_samples : int, default=100
        Number of points.
    **kwargs
        Keyword arguments of the generator ``make_<name>`` (``noise``, ``random_state``,
        ``return_params``, shape parameters).

    Returns
    -------
    X : ndarray of shape (n_samples, D)
        The points (and ``params`` with ``return_params=True``).

    Examples
    --------
    >>> from tdasheaf.datasets import SHAPES, make_shape
    >>> [make_shape(name, 10, random_state=0).shape[1] for name in SHAPES]
    [2, 3, 3, 4, 3, 3, 4, 3, 2]
    """
    key = _ALIASES.get(name, name) if isinstance(name, str) else None
    if key not in _GENERATORS:
        raise ValueError(f"name must be one of {SHAPES}, got {name!r}.")
    return _GENERATORS[key](n_samples, **kwargs)


def random_rotation(
    X,
    random_state=None,
    *,
    shift: float = 1.0,
    return_transform: bool = False,
):
    """Apply a uniformly random orthogonal transformation and a random translation.

    Returns ``Y = X @ Q.T + b`` where ``Q`` is drawn from the Haar (uniform) measure on the
    orthogonal group ``O(D)`` (rotations and reflections, ``det Q = ±1``) and ``b`` has
    independent ``N(0, shift²)`` coordinates. Pairwise distances are preserved, which makes
    this the transformation to use in invariance tests.

    Parameters
    ----------
    X : array-like of shape (n_points, D)
        Points.
    random_state : None, int, RandomState or Generator, default=None
        Seed or random generator.
    shift : float, default=1.0
        Standard deviation of each coordinate of the translation ``b``, ``>= 0``
        (0 for no translation).
    return_transform : bool, default=False
        Also return ``Q`` and ``b``.

    Returns
    -------
    Y : ndarray of shape (n_points, D)
        The moved points.
    Q : ndarray of shape (D, D)
        Only with ``return_transform=True``: the orthogonal matrix.
    b : ndarray of shape (D,)
        Only with ``return_transform=True``: the translation.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.spatial.distance import pdist
    >>> from tdasheaf.datasets import make_sphere, random_rotation
    >>> X = make_sphere(30, random_state=0)
    >>> Y = random_rotation(X, random_state=1)
    >>> bool(np.allclose(pdist(X), pdist(Y)))
    True
    """
    X = check_point_cloud(X, min_points=1)
    shift = _check_real(shift, "shift", strict=False)
    rng = _check_random_state(random_state)
    D = X.shape[1]
    A = rng.standard_normal((D, D))
    Q, Rm = np.linalg.qr(A)
    signs = np.sign(np.diag(Rm))
    signs[signs == 0] = 1.0
    Q = Q * signs  # Haar measure on O(D) (Mezzadri 2007)
    b = shift * rng.standard_normal(D)
    Y = np.ascontiguousarray(X @ Q.T + b)
    if return_transform:
        return Y, Q, b
    return Y
