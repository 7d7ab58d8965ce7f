"""Holonomy of the tangent sheaf on triangles: a discrete (Gaussian) curvature.

Conventions (DESIGN.md §5). ``O_ij`` is the Procrustes alignment of the local frames of an
edge ``i < j`` (:func:`~tdasheaf.sheaves.align_frames`): ``O_i O_ij ≈ O_j``, so ``O_ij`` carries
frame-j coordinates to frame i, and ``O_ji = O_ijᵀ``. For a triangle ``(a, b, c)``, ``a < b < c``,
the holonomy is

    H = O_ab O_bc O_ca        (O_ca = O_acᵀ),

an orthogonal ``d × d`` matrix acting on frame-a coordinates. Read right to left it carries a
vector of frame a to c, then to b, then back to a: it is the transport around the loop
``a → c → b → a``; the transport around ``a → b → c → a`` is ``Hᵀ``. ``det H = -1`` means the
loop reverses orientation (a reflection: possible only when the triangle spans a non-orientable
region, e.g. a long chord across a Möbius band); ``det H = +1`` otherwise. ``H`` depends on the
frames only by conjugation (``H ↦ Rᵀ H R`` when frame a is replaced by ``O_a R``), so its
rotation angles are frame independent, but in dimension 2 the *sign* of the angle flips with
the orientation of frame a.

Oriented angle and curvature (:func:`curvature_estimates`). The sign is fixed by the triangle
itself: project its edges into the tangent frame at ``a``, ``p = O_aᵀ(x_b − x_a)``,
``q = O_aᵀ(x_c − x_a)``, and take the orthonormal basis ``(u, v)`` of their plane oriented from
``p`` towards ``q`` (Gram–Schmidt). In that basis the loop ``a → b → c → a`` turns
counter-clockwise, and

    θ = atan2(vᵀGu − uᵀGv, uᵀGu + vᵀGv),    G = Hᵀ (the transport around a → b → c → a),

is the angle by which ``G`` turns the plane, measured from ``u`` towards ``v``. For ``d = 2`` this
is exactly the rotation angle of ``G`` in the orientation where the triangle is
counter-clockwise; for ``d > 2`` it is the rotation of ``G`` compressed to the triangle's plane.
Flipping the orientation of any frame leaves ``θ`` unchanged. By Gauss–Bonnet, transport around a
small positively oriented loop turns vectors by ``∫ K dA``: ``θ ≈ K · area``, positive on a sphere,
negative on a saddle. ``curvature = θ / area`` (area of the ambient triangle) estimates the
Gaussian curvature (for ``d > 2``, the sectional curvature of the triangle's plane).

Tangent frames. Local PCA frames are tilted by the curvature of the neighbourhood and the
tilt is correlated with the triangle's own vertices (they belong to the neighbourhoods), which
biases θ by a few percent of the curvature scale even on flat surfaces (about ``+0.05 … +0.1``
on the unit flat torus, ``+0.02 … +0.05`` on a unit cylinder). ``frame_method="jet"`` corrects
every PCA frame by a least-squares quadratic fit of the normal coordinates over the tangent
coordinates (an osculating jet at the point), whose linear part is the tangent plane at ``x_i``
itself; that removes the bias (flat torus, cylinder: ``|median| < 10⁻³``; sphere: 1 %). The
default ``frame_method="auto"`` uses jets whenever ``n_neighbors`` allows the fit for the
dimension (``n_neighbors ≥ jet_min_neighbors(d)``: ``d ≤ 3`` with the default 15) and local
PCA frames otherwise (:mod:`tdasheaf.sheaves._frames`, one rule for every caller).

Curves (``d = 1``). A 1-manifold has no intrinsic curvature (every curve is locally isometric
to a line), and the rank-1 holonomy ``H = ±1`` has no rotation angle: it is a sign, which the
orientation sheaf already measures. So at ``d = 1`` the angle θ is 0 on every loop with
``H = +1`` (the rotation group SO(1) is trivial), the curvature is ``0 / area = 0`` (NaN only
for zero-area triangles, as in any dimension), and loops with ``H = −1`` are reflections (NaN,
flagged): the summaries of :func:`holonomy_features` are then 0, except ``frac_reflection``, the
fraction of triangles whose sign holonomy is −1.

What the estimator sees, and what it cannot.

* Intrinsic curvature only (Theorema egregium): a cylinder, a swiss roll, a flat torus in ℝ⁴
  are flat (θ ≈ 0) although they bend in space; mean curvature and extrinsic bending are
  invisible.
* Triangles must be small compared with the curvature radius (θ ≈ K · area holds to
  ``O(K² area²)``) and no larger than the neighbourhood scale of the frames: on long chords the
  alignments stop approximating parallel transport (DESIGN.md §5, locality). Cap the complex
  with ``max_edge_length`` of the order of the neighbourhood radius.
* Noise floor: with ambient noise σ, frame errors scale like σ / h (h the neighbourhood radius)
  and triangle areas are inflated; single triangles are then noisy (the IQR grows), medians stay
  useful while ``σ`` is well below the triangle size. Nearly degenerate triangles have tiny
  areas and wild ratios: prefer the median or the area-weighted mean ``Σθ / Σarea``.
* Non-orientable loops (``det H = −1``) have no rotation angle: θ and the curvature are NaN and
  the triangle is flagged in ``reflection``. Small triangles on a non-orientable surface are
  orientable; the flag appears on chords that close a non-orientable loop.
* Boundaries: frames at boundary points come from one-sided neighbourhoods and are less accurate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tdasheaf.complexes import FilteredComplex
from tdasheaf.sheaves._frames import (
    FRAME_METHODS,
    LocalFrames,
    _jet_frames,
    _resolve_frame_method,
    align_frames,
    local_frames,
)

__all__ = [
    "HOLONOMY_STATISTICS",
    "CurvatureEstimates",
    "TriangleHolonomy",
    "curvature_estimates",
    "holonomy_features",
    "triangle_holonomy",
]

#: Statistics computed per scale by :func:`holonomy_features`, in output order.
HOLONOMY_STATISTICS = ("median", "mean", "iqr", "area_weighted", "frac_large", "frac_reflection")


@dataclass(frozen=True)
class TriangleHolonomy:
    """Result of :func:`triangle_holonomy` (one row per triangle).

    Attributes
    ----------
    holonomy : ndarray of shape (n_triangles, d, d)
        ``H = O_ab O_bc O_ca`` in frame-a coordinates.
    angle : ndarray of shape (n_triangles,)
        ``d = 2``: the signed rotation angle of ``H`` in ``(−π, π]`` (its sign depends on the
        orientation of frame a; see :func:`curvature_estimates` for an oriented angle).
        ``d > 2``: the largest principal rotation angle in ``[0, π]``. ``d = 1``: 0.
        NaN where ``reflection``.
    reflection : ndarray of shape (n_triangles,), bool
        ``det H = −1``: an orientation-reversing loop.
    deviation : ndarray of shape (n_triangles,)
        ``‖H − I‖_F`` (defined for reflections too).
    """

    holonomy: np.ndarray
    angle: np.ndarray
    reflection: np.ndarray
    deviation: np.ndarray


@dataclass(frozen=True)
class CurvatureEstimates:
    """Result of :func:`curvature_estimates` (one row per triangle of the complex).

    Attributes
    ----------
    curvature : ndarray of shape (n_triangles,)
        ``angle / area``: Gaussian (``dim = 2``) or sectional (``dim > 2``) curvature estimate;
        0 for ``dim = 1`` (a curve has no intrinsic curvature). NaN for reflections and
        degenerate triangles.
    angle : ndarray of shape (n_triangles,)
        Oriented holonomy angle θ (positive for positive curvature; 0 for ``dim = 1``); NaN
        as above.
    area : ndarray of shape (n_triangles,)
        Area of the triangle in the ambient space.
    reflection : ndarray of shape (n_triangles,), bool
        Orientation-reversing loops (``det H = −1``).
    deviation : ndarray of shape (n_triangles,)
        ``‖H − I‖_F``.
    triangles : ndarray of shape (n_triangles, 3)
        Vertex labels ``a < b < c`` (rows of ``X``).
    filtration : ndarray of shape (n_triangles,)
        Filtration values of the triangles (for Rips: the longest edge).
    """

    curvature: np.ndarray
    angle: np.ndarray
    area: np.ndarray
    reflection: np.ndarray
    deviation: np.ndarray
    triangles: np.ndarray
    filtration: np.ndarray


# ----------------------------------------------------------------------------------------------
# Kernels on arrays
# ----------------------------------------------------------------------------------------------


def _rotation_angle(H: np.ndarray, reflection: np.ndarray) -> np.ndarray:
    d = H.shape[-1]
    if d == 1:
        angle = np.zeros(len(H))
    elif d == 2:
        angle = np.arctan2(H[:, 1, 0] - H[:, 0, 1], H[:, 0, 0] + H[:, 1, 1])
        angle[angle <= -np.pi] = np.pi
    else:
        ev = np.linalg.eigvals(H) if len(H) else np.empty((0, d))
        angle = np.abs(np.angle(ev)).max(axis=1) if len(H) else np.empty(0)
    angle = np.asarray(angle, dtype=np.float64)
    angle[reflection] = np.nan
    return angle


def triangle_holonomy(alignments, complex) -> TriangleHolonomy:
    """Holonomy ``H = O_ab O_bc O_ca`` of the edge alignments around every triangle.

    Parameters
    ----------
    alignments : ndarray of shape (n_edges, d, d)
        Orthogonal maps ``O_ij`` aligned with the edges ``i < j`` of the complex
        (``complex.simplices[1]``), as returned by :func:`~tdasheaf.sheaves.edge_alignments`.
    complex : FilteredComplex or ndarray of shape (n_triangles, 3)
        The complex (its triangles ``complex.simplices[2]`` are used), or directly the edge rows
        of every triangle ``(a, b, c)`` in the order ``(b, c), (a, c), (a, b)`` — the layout of
        ``complex.boundaries[2]``.

    Returns
    -------
    TriangleHolonomy

    Examples
    --------
    >>> def rot(t):
    ...     return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    >>> O = np.stack([rot(0.1), rot(0.0), rot(0.2)])   # edges (0, 1), (0, 2), (1, 2)
    >>> hol = triangle_holonomy(O, np.array([[2, 1, 0]]))
    >>> hol.angle.round(6), hol.reflection
    (array([0.3]), array([False]))
    >>> O[2] = np.diag([1.0, -1.0])                    # one reflection: det H = -1
    >>> triangle_holonomy(O, np.array([[2, 1, 0]])).angle
    array([nan])
    """
    O = np.asarray(alignments, dtype=np.float64)
    if O.ndim != 3 or O.shape[1] != O.shape[2]:
        raise ValueError(f"alignments must have shape (n_edges, d, d), got {O.shape}.")
    if isinstance(complex, FilteredComplex):
        tri_edges = _triangles_of(complex)[2]
    else:
        tri_edges = np.asarray(complex)
        if tri_edges.ndim != 2 or tri_edges.shape[1] != 3 or not np.issubdtype(
            tri_edges.dtype, np.integer
        ):
            raise ValueError(
                "complex must be a FilteredComplex or an integer array of shape (n_triangles, 3) "
                f"of edge rows (b, c), (a, c), (a, b); got shape {tri_edges.shape}."
            )
    if tri_edges.size and (tri_edges.min() < 0 or tri_edges.max() >= len(O)):
        raise ValueError(
            f"triangles refer to edge rows up to {int(tri_edges.max())} but there are only "
            f"{len(O)} alignments; pass one alignment per edge of the complex."
        )
    bc, ac, ab = tri_edges.T
    d = O.shape[1]
    H = O[ab] @ O[bc] @ np.swapaxes(O[ac], 1, 2)
    reflection = np.linalg.det(H) < 0 if len(H) else np.zeros(0, dtype=bool)
    deviation = np.linalg.norm((H - np.eye(d)).reshape(len(H), -1), axis=1)
    return TriangleHolonomy(H, _rotation_angle(H, reflection), reflection, deviation)


def _triangles_of(K: FilteredComplex):
    """Edges, triangles, their edge rows and values; flag triangles added to a bare graph."""
    if not isinstance(K, FilteredComplex):
        raise TypeError(f"complex must be a FilteredComplex, got {type(K).__name__}.")
    if len(K.simplices) < 2:
        empty = np.empty((0, 3), dtype=np.int64)
        return np.empty((0, 2), dtype=np.int64), empty, empty, np.empty(0)
    if len(K.simplices) == 2:  # a graph: complete it to its flag complex up to triangles
        from tdasheaf.complexes import _rips_from_edges

        labels = np.sort(K.simplices[0][:, 0])
        E = K.simplices[1]
        i, j = np.searchsorted(labels, E[:, 0]), np.searchsorted(labels, E[:, 1])
        full = _rips_from_edges(len(labels), i, j, K.filtrations[1], 2, labels)
        # edge rows of the completion, renumbered as rows of the given graph's edges
        base = int(labels.max()) + 1
        key = E[:, 0] * base + E[:, 1]
        order = np.argsort(key, kind="stable")
        full_key = full.simplices[1][:, 0] * base + full.simplices[1][:, 1]
        rows = order[np.searchsorted(key[order], full_key)]
        return E, full.simplices[2], rows[full.boundaries[2]], full.filtrations[2]
    return K.simplices[1], K.simplices[2], K.boundaries[2], K.filtrations[2]


def _check_inputs(X, frames, n_neighbors, dim, frame_method):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError("X must be a finite 2-D array of shape (n_points, n_features).")
    if frame_method not in FRAME_METHODS:
        raise ValueError(f"frame_method must be one of {FRAME_METHODS}, got {frame_method!r}.")
    if frames is None:
        F = local_frames(X, n_neighbors=n_neighbors, dim=dim)
        fr = F.frames
        k = F.neighbors.shape[1]
        if _resolve_frame_method(frame_method, k, F.dim) == "jet":
            fr = _jet_frames(X, fr, F.neighbors)
    else:
        fr = frames.frames if isinstance(frames, LocalFrames) else np.asarray(frames, float)
        if fr.ndim != 3 or fr.shape[:2] != X.shape or fr.shape[2] < 1:
            raise ValueError(
                f"frames must have shape (n_points={len(X)}, D={X.shape[1]}, d >= 1), "
                f"got {fr.shape}."
            )
    return X, fr


def curvature_estimates(
    X,
    complex: FilteredComplex,
    n_neighbors: int = 15,
    dim: int | None = 2,
    *,
    frames: LocalFrames | np.ndarray | None = None,
    frame_method: str = "auto",
) -> CurvatureEstimates:
    """Discrete Gaussian curvature of a sampled surface from the holonomy of its triangles.

    For every triangle ``(a, b, c)`` of the complex, the oriented holonomy angle θ of the
    tangent sheaf (the angle by which transport around ``a → b → c → a`` turns the tangent
    plane, measured in the orientation in which that loop is counter-clockwise; see the module
    docstring) and ``curvature = θ / area``. By Gauss–Bonnet, ``θ ≈ K · area`` for small
    triangles, so the estimate is positive on a sphere (``≈ 1 / r²``), zero on flat surfaces —
    including bent ones: a cylinder, a flat torus — and negative on saddles. The sign does not
    depend on the (arbitrary) orientation of the local frames.

    It sees the *intrinsic* curvature only (not the mean curvature); it needs triangles small
    compared with the curvature radius and not longer than the neighbourhood scale (cap the
    complex with ``max_edge_length``); with noise σ single estimates are noisy (use medians);
    loops with ``det H = −1`` (non-orientable) get NaN and are flagged. For ``dim = 1`` (a
    curve) θ and the curvature are 0 on every loop with ``H = +1`` (a 1-manifold has no
    intrinsic curvature; see the module docstring) and NaN on the flagged reflections.

    Parameters
    ----------
    X : ndarray of shape (n_points, D)
        Points; vertex labels of the complex index its rows.
    complex : FilteredComplex
        Typically ``rips_complex(X, max_edge_length, 2)`` with a local ``max_edge_length``.
        A graph (a complex with edges only) is completed with its flag triangles, valued by
        their largest edge.
    n_neighbors : int, default=15
        Neighbourhood size of the local frames (:func:`~tdasheaf.sheaves.local_frames`).
    dim : int or None, default=2
        Intrinsic dimension (≥ 1); ``None`` estimates it. For ``dim > 2`` the estimate is the
        sectional curvature of each triangle's plane; for ``dim = 1`` it is 0.
    frames : LocalFrames or ndarray of shape (n_points, D, d), optional
        Frames to use as given (``n_neighbors``, ``dim``, ``frame_method`` are then ignored).
    frame_method : {"auto", "jet", "pca"}, default="auto"
        ``"pca"``: local PCA frames. ``"jet"``: PCA frames corrected by a local quadratic fit
        so that they are tangent at the point itself (removes a bias of PCA frames; needs
        ``n_neighbors ≥ jet_min_neighbors(d) = 2 + d + d(d+1)/2``, raises otherwise).
        ``"auto"``: ``"jet"`` when ``n_neighbors`` allows it, ``"pca"`` otherwise
        (:func:`~tdasheaf.sheaves.local_frames`).

    Returns
    -------
    CurvatureEstimates

    Examples
    --------
    >>> from tdasheaf.complexes import rips_complex
    >>> from tdasheaf.datasets import make_sphere
    >>> X = make_sphere(600, radius=2.0, random_state=0)
    >>> est = curvature_estimates(X, rips_complex(X, 0.5, 2))
    >>> round(float(np.nanmedian(est.curvature)), 2)         # 1 / r² = 0.25
    0.25
    """
    X, fr = _check_inputs(X, frames, n_neighbors, dim, frame_method)
    edges, tri, tri_edges, values = _triangles_of(complex)
    if len(edges) and max(edges.max(), tri.max(initial=0)) >= len(X):
        raise ValueError(
            f"the complex has vertex label {int(edges.max())} but X has only {len(X)} points; "
            "vertex labels must index rows of X."
        )
    hol = triangle_holonomy(align_frames(fr, edges), tri_edges)
    a, b, c = tri.T
    e1, e2 = X[b] - X[a], X[c] - X[a]
    g11, g22, g12 = (e1 * e1).sum(axis=1), (e2 * e2).sum(axis=1), (e1 * e2).sum(axis=1)
    area = 0.5 * np.sqrt(np.maximum(g11 * g22 - g12**2, 0.0))
    if fr.shape[2] == 1:  # a curve: SO(1) is trivial, θ = 0 unless the loop is a reflection
        angle = np.zeros(len(tri))
        angle[hol.reflection | (area == 0)] = np.nan
        curvature = np.zeros(len(tri))
        curvature[np.isnan(angle)] = np.nan
        return CurvatureEstimates(
            curvature, angle, area, hol.reflection, hol.deviation, tri.copy(), values.copy()
        )
    G = np.swapaxes(hol.holonomy, 1, 2)  # transport around a -> b -> c -> a
    p = np.einsum("tDd,tD->td", fr[a], e1)
    q = np.einsum("tDd,tD->td", fr[a], e2)
    pn = np.linalg.norm(p, axis=1)
    u = p / np.where(pn > 0, pn, 1.0)[:, None]
    w = q - (q * u).sum(axis=1, keepdims=True) * u
    wn = np.linalg.norm(w, axis=1)
    v = w / np.where(wn > 0, wn, 1.0)[:, None]
    Gu = np.einsum("tij,tj->ti", G, u)
    Gv = np.einsum("tij,tj->ti", G, v)
    angle = np.arctan2((v * Gu).sum(axis=1) - (u * Gv).sum(axis=1),
                       (u * Gu).sum(axis=1) + (v * Gv).sum(axis=1))
    degenerate = (pn == 0) | (wn <= 1e-12 * np.linalg.norm(q, axis=1)) | (area == 0)
    angle[hol.reflection | degenerate] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        curvature = angle / area
    return CurvatureEstimates(
        curvature, angle, area, hol.reflection, hol.deviation, tri.copy(), values.copy()
    )


def _summarize(est: CurvatureEstimates, scales: np.ndarray, angle_threshold: float):
    out = np.zeros((len(HOLONOMY_STATISTICS), len(scales)))
    order = np.argsort(est.filtration, kind="stable")
    f = est.filtration[order]
    kappa, theta, area = est.curvature[order], est.angle[order], est.area[order]
    refl = est.reflection[order]
    for s, t in enumerate(scales):
        m = int(np.searchsorted(f, t, side="right"))
        if m == 0:
            continue
        ok = np.isfinite(kappa[:m])
        k = kappa[:m][ok]
        if k.size:
            q25, q50, q75 = np.percentile(k, [25, 50, 75])
            out[0, s], out[1, s], out[2, s] = q50, k.mean(), q75 - q25
            total = area[:m][ok].sum()
            out[3, s] = theta[:m][ok].sum() / total if total > 0 else 0.0
        out[4, s] = np.count_nonzero(np.abs(theta[:m][ok]) > angle_threshold) / m
        out[5, s] = np.count_nonzero(refl[:m]) / m
    return out


def holonomy_features(
    X,
    complex: FilteredComplex | None,
    scales,
    *,
    n_neighbors: int = 15,
    dim: int | None = 2,
    angle_threshold: float = 0.1,
    frames: LocalFrames | np.ndarray | None = None,
    frame_method: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Per-scale summaries of the curvature estimates: a fixed-length vector with names.

    For every scale ``t``, over the triangles with filtration value ``≤ t``
    (:func:`curvature_estimates`, computed once on the whole complex), in the order of
    :data:`HOLONOMY_STATISTICS`:

    * ``median``, ``mean``, ``iqr`` of the curvature estimates (finite ones; the mean is
      sensitive to nearly degenerate triangles);
    * ``area_weighted``: ``Σθ / Σarea``, the Gauss–Bonnet average curvature;
    * ``frac_large``: fraction of triangles with ``|θ| > angle_threshold`` (radians);
    * ``frac_reflection``: fraction of orientation-reversing triangles.

    A scale with no triangle, or none with a finite curvature, gives zeros (``frac_reflection``
    excepted: it counts all triangles). For a curve (``dim = 1``) the five curvature
    statistics are exactly 0 — a 1-manifold has no intrinsic curvature and SO(1) is trivial —
    and ``frac_reflection`` is the fraction of triangles whose rank-1 (sign) holonomy is −1;
    nothing is NaN. The vector is statistic-major: all scales of ``median``, then of
    ``mean``, …; names read ``holonomy_<statistic>_t<index>``.

    Parameters
    ----------
    X : ndarray of shape (n_points, D)
    complex : FilteredComplex or None
        A complex or graph on the points (see :func:`curvature_estimates`); ``None`` builds
        ``rips_complex(X, max(scales), 2)``.
    scales : array-like of shape (n_scales,)
        Filtration values ``t``.
    n_neighbors, dim, frames, frame_method
        As in :func:`curvature_estimates`.
    angle_threshold : float, default=0.1
        Holonomy angle (radians) above which a triangle counts as "large".

    Returns
    -------
    features : ndarray of shape (len(HOLONOMY_STATISTICS) * n_scales,)
    names : ndarray of str, same shape

    Examples
    --------
    >>> from tdasheaf.datasets import make_sphere
    >>> X = make_sphere(600, radius=2.0, random_state=0)
    >>> values, names = holonomy_features(X, None, [0.3, 0.5])
    >>> names[:2].tolist()
    ['holonomy_median_t000', 'holonomy_median_t001']
    >>> round(float(values[1]), 2)
    0.25
    >>> from tdasheaf.datasets import make_circle
    >>> holonomy_features(make_circle(200, random_state=0), None, [0.1], dim=None)[0]  # a curve
    array([0., 0., 0., 0., 0., 0.])
    """
    scales = np.asarray(scales, dtype=np.float64).reshape(-1)
    if scales.size == 0 or not np.isfinite(scales).all():
        raise ValueError("scales must be a non-empty array of finite filtration values.")
    if not angle_threshold >= 0:
        raise ValueError(f"angle_threshold must be non-negative, got {angle_threshold!r}.")
    if complex is None:
        from tdasheaf.complexes import rips_complex

        complex = rips_complex(X, float(scales.max()), 2)
    est = curvature_estimates(
        X, complex, n_neighbors, dim, frames=frames, frame_method=frame_method
    )
    values = _summarize(est, scales, float(angle_threshold)).reshape(-1)
    names = np.array(
        [f"holonomy_{s}_t{i:03d}" for s in HOLONOMY_STATISTICS for i in range(len(scales))],
        dtype=object,
    )
    return values, names
