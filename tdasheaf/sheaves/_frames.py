"""Local frames of a point cloud: local PCA, intrinsic dimension, Procrustes alignments.

For each point i, its ``n_neighbors`` nearest neighbours (the point itself included) are
centred at their mean and decomposed by SVD; the top ``dim`` right singular vectors form an
orthonormal frame ``O_i ∈ ℝ^{D×dim}`` of the estimated tangent space, and the squared singular
values give explained-variance ratios (a local dimension estimate). For an edge ``ij`` the
orthogonal Procrustes solution ``O_ij = U Vᵀ`` of ``O_iᵀ O_j = U Σ Vᵀ`` is the rotation (or
reflection, ``det O_ij = -1``) that best carries frame j onto frame i:
``O_i O_ij ≈ O_j``, so coordinates ``a`` in frame j are ``O_ij a`` in frame i (DESIGN.md §5).

Frame methods (one rule, used by every caller that takes a ``method`` / ``frame_method``):

* ``"pca"``: the local PCA frames above; defined whenever ``n_neighbors > dim`` and the
  neighbourhoods span ``dim`` directions.
* ``"jet"``: the PCA frames refined by a least-squares osculating 2-jet at the point itself,
  ``1 + dim + dim (dim + 1) / 2`` coefficients per point, so it needs ``n_neighbors`` larger than
  that (:func:`jet_min_neighbors`); asked for explicitly with fewer neighbours it raises.
* ``"auto"``: ``"jet"`` when ``n_neighbors ≥ jet_min_neighbors(dim)`` for the dimension used
  (given or estimated), ``"pca"`` otherwise — jets refine PCA frames, and where they cannot
  be fitted the PCA frames are the honest answer. No warning is issued (in a batch of
  thousands of clouds one per cloud would be noise); :attr:`LocalFrames.method` records the
  frames computed. With the default ``n_neighbors=15`` that is ``"jet"`` for ``dim ≤ 3`` and
  ``"pca"`` for ``dim ≥ 4``.

Per-query kernels (the geometry of :class:`~tdasheaf.SheafOutlierDetector`):
:func:`neighbourhood_pca` takes *queries* with the rows of their neighbours in a *reference*
cloud (a reference point's neighbourhood never contains it: leave-one-out, so a reference point
and a new point at the same place get the same values), and :func:`frame_edges` aligns every
query frame with its neighbours' frames by the same Procrustes kernel as :func:`align_frames`;
its residual ``‖O_q R_qj − O_j‖_F`` is the tangent sheaf's edge inconsistency.
"""

from __future__ import annotations

from dataclasses import dataclass

# first: routes the numba cache of the kernels below (tdasheaf/_numba_cache.py)
import tdasheaf._numba_cache  # noqa: F401  # isort: skip
import numba
import numpy as np

from tdasheaf.geometry import knn_distances

__all__ = [
    "FRAME_METHODS",
    "LocalFrames",
    "NeighbourhoodPCA",
    "align_frames",
    "estimate_dimension",
    "frame_edges",
    "frames_nbytes",
    "jet_min_neighbors",
    "local_frames",
    "neighbourhood_pca",
]

#: Chunk of points processed at once by the batched SVD (bounds memory to ~256 MiB).
_CHUNK_BYTES = 256 * 2**20
#: Bytes per chunk of the per-query kernels (:func:`neighbourhood_pca`, :func:`frame_edges`).
_SCORE_CHUNK_BYTES = 64 * 2**20

#: Floor of the normal spread, as a fraction of the neighbourhood's RMS radius (noise-free flat
#: samples have no normal spread at all).
RESIDUAL_FLOOR = 1e-2

#: Accepted values of ``method`` (:func:`local_frames`) and ``frame_method`` (estimators).
FRAME_METHODS = ("auto", "jet", "pca")


@dataclass(frozen=True)
class LocalFrames:
    """Result of :func:`local_frames`.

    Attributes
    ----------
    frames : ndarray of shape (n_points, D, dim)
        Orthonormal columns spanning the estimated tangent space at every point.
    explained_variance_ratio : ndarray of shape (n_points, min(k, D))
        Fraction of the local variance along each principal direction, decreasing.
    dim : int
        The intrinsic dimension used (given, or estimated).
    neighbors : ndarray of shape (n_points, k)
        Indices of the neighbourhood of every point (itself first).
    residual : ndarray of shape (n_points,)
        Fraction of local variance *not* explained by the frame (off-manifold signal).
    method : {"pca", "jet"}
        The frames computed (for ``method="auto"``, the one it chose).
    """

    frames: np.ndarray
    explained_variance_ratio: np.ndarray
    dim: int
    neighbors: np.ndarray
    residual: np.ndarray
    method: str = "pca"


def jet_min_neighbors(dim: int) -> int:
    """Smallest ``n_neighbors`` for which jet frames of dimension ``dim`` can be fitted.

    The osculating 2-jet has ``1 + dim + dim (dim + 1) / 2`` coefficients per normal direction
    (constant, linear, quadratic); the least-squares fit needs more points than that.

    Examples
    --------
    >>> [jet_min_neighbors(d) for d in (1, 2, 3, 4, 5)]
    [4, 7, 11, 16, 22]
    """
    return 2 + dim + dim * (dim + 1) // 2


def _resolve_frame_method(method: str, n_neighbors: int, dim: int) -> str:
    """``"pca"`` or ``"jet"`` for a requested frame method (the rule of the module docstring)."""
    if method not in FRAME_METHODS:
        raise ValueError(f"the frame method must be one of {FRAME_METHODS}, got {method!r}.")
    if method == "pca":
        return "pca"
    need = jet_min_neighbors(dim)
    if n_neighbors >= need:
        return "jet"
    if method == "auto":
        return "pca"
    raise ValueError(
        f"the frame method 'jet' needs n_neighbors > {need - 1} for dim={dim}, got "
        f"{n_neighbors} (the jet fits {need - 1} coefficients per point); raise n_neighbors, "
        "or use the frame method 'auto' (jets where they can be fitted, local PCA otherwise) "
        "or 'pca'."
    )


def estimate_dimension(explained_variance_ratio: np.ndarray, threshold: float = 0.9) -> int:
    """Median over points of the smallest d whose first d components explain ``threshold``.

    Examples
    --------
    >>> estimate_dimension(np.array([[0.7, 0.25, 0.05], [0.6, 0.35, 0.05]]))
    2
    """
    cumulative = np.cumsum(explained_variance_ratio, axis=1)
    per_point = 1 + np.argmax(cumulative >= threshold - 1e-12, axis=1)
    return int(np.round(np.median(per_point)))


def local_frames(
    X,
    n_neighbors: int = 15,
    dim: int | None = None,
    *,
    variance_threshold: float = 0.9,
    method: str = "pca",
    neighbors: np.ndarray | None = None,
    memory_budget: int | None = None,
    max_dim: int | None = None,
) -> LocalFrames:
    """Local PCA frames of a point cloud (vectorised; chunked for large clouds).

    Parameters
    ----------
    X : ndarray of shape (n_points, D)
        Finite coordinates.
    n_neighbors : int, default=15
        Neighbourhood size, the point itself included; at most ``n_points``.
    dim : int, optional
        Intrinsic dimension (1 ≤ dim ≤ min(D, n_neighbors − 1)). ``None`` estimates it as the
        median over points of the smallest number of components explaining
        ``variance_threshold`` of the local variance.
    variance_threshold : float, default=0.9
    method : {"pca", "jet", "auto"}, default="pca"
        ``"pca"``: the principal directions of the neighbourhood (tilted to first order by
        curvature when the neighbourhood is lopsided). ``"jet"``: refine them by a least-squares
        osculating 2-jet at the point itself, which removes that tilt (needs
        ``n_neighbors ≥ jet_min_neighbors(dim) = 2 + dim + dim (dim + 1) / 2``; raises
        otherwise); frame orientations are kept. ``"auto"``: ``"jet"`` when ``n_neighbors`` is
        large enough for the dimension used (given or estimated), ``"pca"`` otherwise, silently;
        the choice is in :attr:`LocalFrames.method`.
    neighbors : ndarray of shape (n_points, n_neighbors), optional
        Precomputed neighbour indices, each row starting with the point itself (as
        :func:`tdasheaf.geometry.knn_distances` returns them; by default that search is run:
        the point and its ``n_neighbors - 1`` nearest other rows, duplicates counted), so that
        one neighbour search serves a whole pipeline.
    max_dim : int, optional
        Upper bound of the *estimated* dimension (ignored when ``dim`` is given).
    memory_budget : int, optional
        Bytes the working blocks may use (at most 256 MiB, and a quarter of the budget); the
        outputs themselves take ``n_points · D · (min(n_neighbors, D) + 2·dim) · 8`` bytes
        (:func:`frames_nbytes`).

    Returns
    -------
    LocalFrames

    Raises
    ------
    ValueError
        Too few points, ``dim`` out of range, an unknown ``method``, ``method="jet"`` with too
        few neighbours, or degenerate neighbourhoods (fewer than ``dim`` independent
        directions, e.g. repeated points or collinear data asked for ``dim=2``): the message
        gives how many points and the first one.

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 50, endpoint=False)
    >>> F = local_frames(np.c_[np.cos(t), np.sin(t)], n_neighbors=5)
    >>> F.dim, F.frames.shape
    (1, (50, 2, 1))
    >>> bool(abs(abs(F.frames[0, 1, 0]) - 1) < 1e-2)   # tangent of the circle at (1, 0) is e_2
    True
    >>> G = np.random.default_rng(0).normal(size=(100, 6))    # estimated dim 5: no jet with 15
    >>> F = local_frames(G, n_neighbors=15, method="auto")
    >>> F.dim, F.method
    (5, 'pca')
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError("X must be a finite 2-D array of shape (n_points, n_features).")
    n, D = X.shape
    k = int(n_neighbors)
    if k < 2:
        raise ValueError(f"n_neighbors must be at least 2, got {n_neighbors}.")
    if n < k:
        raise ValueError(
            f"the point cloud has {n} points, fewer than n_neighbors={k}; "
            "lower n_neighbors or add points."
        )
    if dim is not None:
        if isinstance(dim, bool) or int(dim) != dim or not 1 <= dim <= min(D, k - 1):
            raise ValueError(
                f"dim must be an integer between 1 and min(n_features={D}, n_neighbors - 1="
                f"{k - 1}), got {dim!r}."
            )
        dim = int(dim)
    if not 0 < variance_threshold <= 1:
        raise ValueError(f"variance_threshold must be in (0, 1], got {variance_threshold}.")
    if method not in FRAME_METHODS:
        raise ValueError(f"method must be one of {FRAME_METHODS}, got {method!r}.")
    if neighbors is None:
        _, neighbors = knn_distances(X, k, memory_budget=memory_budget)
    neighbors = np.asarray(neighbors, dtype=np.int64)[:, :k].reshape(n, k)
    r = min(k, D)
    vt_all = np.empty((n, r, D))
    sv_all = np.empty((n, r))
    block = _CHUNK_BYTES if memory_budget is None else min(_CHUNK_BYTES, int(memory_budget) // 4)
    # the gathered neighbourhoods, their centred copy and the SVD's workspace: ~4 copies
    chunk = max(1, block // max(1, 4 * k * D * 8))
    for start in range(0, n, chunk):
        P = X[neighbors[start : start + chunk]]
        P = P - P.mean(axis=1, keepdims=True)
        _, s, vt = np.linalg.svd(P, full_matrices=False)
        vt_all[start : start + chunk] = vt[:, :r]
        sv_all[start : start + chunk] = s[:, :r]
    var = sv_all**2
    total = var.sum(axis=1)
    ratio = np.divide(var, total[:, None], out=np.zeros_like(var), where=total[:, None] > 0)
    if dim is None:
        dim = max(1, min(estimate_dimension(ratio[total > 0], variance_threshold)
                         if (total > 0).any() else 1, D, k - 1))
        if max_dim is not None:
            dim = max(1, min(dim, int(max_dim)))
    scale = sv_all[:, :1]
    degenerate = (sv_all[:, dim - 1] <= 1e-10 * np.maximum(scale[:, 0], 1e-300)) | (total == 0)
    if degenerate.any():
        bad = np.flatnonzero(degenerate)
        raise ValueError(
            f"{bad.size} of {n} neighbourhoods have fewer than dim={dim} independent directions "
            f"(first: point {bad[0]}); this happens with repeated points or data of lower "
            "dimension than dim. Remove duplicates, lower dim, or raise n_neighbors."
        )
    frames = np.ascontiguousarray(np.transpose(vt_all[:, :dim, :], (0, 2, 1)))
    method = _resolve_frame_method(method, k, dim)
    if method == "jet":
        frames = np.ascontiguousarray(_jet_frames(X, frames, neighbors))
    residual = 1.0 - ratio[:, :dim].sum(axis=1)
    return LocalFrames(frames, ratio, dim, neighbors, np.clip(residual, 0.0, 1.0), method)


def frames_nbytes(n_points: int, n_features: int, n_neighbors: int, dim: int) -> int:
    """Bytes held by :func:`local_frames` for a cloud (outputs, PCA stacks, neighbours).

    Examples
    --------
    >>> frames_nbytes(1000, 3, 15, 2)
    336000
    """
    r = min(n_neighbors, n_features)
    return int(8 * n_points * (n_features * (r + 2 * dim) + 2 * r + n_neighbors))


def align_frames(frames: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Orthogonal Procrustes alignments ``O_ij`` for the edges ``(i, j)``.

    Parameters
    ----------
    frames : ndarray of shape (n_points, D, d)
    edges : ndarray of shape (n_edges, 2)

    Returns
    -------
    ndarray of shape (n_edges, d, d)
        Orthogonal matrices with ``O_i O_ij ≈ O_j``; ``det`` is ±1.

    Examples
    --------
    >>> frames = np.array([np.eye(2)[:, :1], -np.eye(2)[:, :1]])
    >>> align_frames(frames, np.array([[0, 1]]))
    array([[[-1.]]])
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    d = frames.shape[2]
    if d <= 2:  # the closed forms, fused with the gather and AᵀB (no (m, D, d) stacks)
        return _align_small(np.ascontiguousarray(frames, dtype=np.float64), edges)
    out = np.empty((len(edges), d, d))
    # two gathered (chunk, D, d) frame stacks per chunk: at most 64 MiB whatever D
    chunk = max(1, min(1 << 16, (64 * 2**20) // max(1, 2 * frames.shape[1] * d * 8)))
    for start in range(0, len(edges), chunk):
        e = edges[start : start + chunk]
        out[start : start + chunk] = _procrustes(frames[e[:, 0]], frames[e[:, 1]])[0]
    return out


@numba.njit(cache=True)
def _small_products(frames, i, j):
    """For d = 2: ``M = F_iᵀ F_j = [[a, b], [c, f]]`` as the rotation part ``(p, q) = (a + f,
    b - c)`` and the reflection part ``(u, v) = (a - f, b + c)``; for d = 1, ``(F_i · F_j, 0,
    0, 0)``."""
    D, d = frames.shape[1], frames.shape[2]
    if d == 1:
        s = 0.0
        for k in range(D):
            s += frames[i, k, 0] * frames[j, k, 0]
        return s, 0.0, 0.0, 0.0
    a = 0.0
    b = 0.0
    c = 0.0
    f = 0.0
    for k in range(D):
        a += frames[i, k, 0] * frames[j, k, 0]
        b += frames[i, k, 0] * frames[j, k, 1]
        c += frames[i, k, 1] * frames[j, k, 0]
        f += frames[i, k, 1] * frames[j, k, 1]
    return a + f, b - c, a - f, b + c


@numba.njit(cache=True)
def _rotation_wins(p, q, u, v):
    """``hypot(p, q) >= hypot(u, v)``: the rotation fits at least as well as the reflection.

    The squared norms decide when they differ by more than 1e-12 relatively (each is within a
    few ulps, hypot within one); near a tie, and for tiny values, the two hypots decide.
    """
    r2 = p * p + q * q
    f2 = u * u + v * v
    if r2 + f2 > 1e-200:
        if r2 > f2 * (1.0 + 1e-12):
            return True
        if f2 > r2 * (1.0 + 1e-12):
            return False
    return np.hypot(p, q) >= np.hypot(u, v)


@numba.njit(cache=True)
def _small_polar(frames, i, j):
    """For d <= 2: ``M = F_iᵀ F_j`` and the closed form of :func:`_orthogonal_polar`, as
    ``(det, x, y, norm)``: the better of rotation (``det = +1``: ``[[x, y], [-y, x]] / norm``)
    and reflection (``det = -1``: ``[[x, y], [y, -x]] / norm``); ``norm = 0``: the identity.
    For d = 1, ``(±1, ±1, 0, 1)``."""
    p, q, u, v = _small_products(frames, i, j)
    if frames.shape[2] == 1:
        sign = 1.0 if p >= 0 else -1.0
        return sign, sign, 0.0, 1.0
    if p == 0 and q == 0 and u == 0 and v == 0:
        return 1.0, 1.0, 0.0, 0.0
    if _rotation_wins(p, q, u, v):
        return 1.0, p, q, np.hypot(p, q)
    return -1.0, u, v, np.hypot(u, v)


@numba.njit(cache=True)
def _align_small(frames, edges):
    """:func:`align_frames` for d <= 2: per edge ``M = F_iᵀ F_j`` and the closed form of
    :func:`_orthogonal_polar` (the sign; the better of rotation and reflection)."""
    m = len(edges)
    d = frames.shape[2]
    out = np.empty((m, d, d))
    for e in range(m):
        det, x, y, norm = _small_polar(frames, edges[e, 0], edges[e, 1])
        if d == 1:
            out[e, 0, 0] = det
        elif norm == 0:
            out[e, 0, 0] = 1.0
            out[e, 0, 1] = 0.0
            out[e, 1, 0] = 0.0
            out[e, 1, 1] = 1.0
        else:
            out[e, 0, 0] = x / norm
            out[e, 0, 1] = y / norm
            out[e, 1, 0] = -det * y / norm
            out[e, 1, 1] = det * x / norm
    return out


@numba.njit(cache=True)
def _align_signs_small(frames, edges):
    """``det O_e`` of :func:`_align_small`'s alignments without forming them (d <= 2)."""
    out = np.empty(len(edges))
    one = frames.shape[2] == 1
    for e in range(len(edges)):
        p, q, u, v = _small_products(frames, edges[e, 0], edges[e, 1])
        if one:
            out[e] = 1.0 if p >= 0 else -1.0
        else:  # all zero (a zero frame): the identity, +1
            out[e] = 1.0 if _rotation_wins(p, q, u, v) else -1.0
    return out


def _procrustes(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``R = argmin_{R ∈ O(d)} ‖A R − B‖_F`` for stacks of frames (broadcast), and ``tr(Rᵀ AᵀB)``.

    The one Procrustes kernel (batched BLAS ``AᵀB``, then :func:`_orthogonal_polar`); the trace
    is ``Σ cos θ_i`` over the principal angles of two orthonormal frames.
    """
    M = np.matmul(np.swapaxes(A, -1, -2), B)
    d = M.shape[-1]
    R = _orthogonal_polar(M.reshape(-1, d, d)).reshape(M.shape)
    return R, np.einsum("...ab,...ab->...", R, M)


@dataclass(frozen=True)
class NeighbourhoodPCA:
    """Result of :func:`neighbourhood_pca` (one row per query).

    Attributes
    ----------
    frames : ndarray of shape (m, D, d)
        Top-``d`` principal directions of each neighbourhood (orthonormal columns).
    residual : ndarray of shape (m,)
        Distance of the query from the neighbourhood's affine principal plane (through the
        neighbours' centroid), divided by the neighbours' own RMS distance from that plane
        (floored at ``RESIDUAL_FLOOR`` times the neighbourhood's RMS radius).
    log_participation : ndarray of shape (m,)
        ``log((Σλ)² / Σλ²)`` of the neighbourhood's covariance eigenvalues λ: the log of a
        continuous local dimension (≈ log 2 on a surface, ≈ 0 on a curve).
    """

    frames: np.ndarray
    residual: np.ndarray
    log_participation: np.ndarray


def neighbourhood_pca(X_ref, neighbors, queries, dim: int) -> NeighbourhoodPCA:
    """Local PCA of given neighbourhoods, and how far each query lies off its principal plane.

    Parameters
    ----------
    X_ref : ndarray of shape (n, D)
    neighbors : ndarray of shape (m, k)
        Rows of ``X_ref`` forming the neighbourhood of each query (``k > dim``).
    queries : ndarray of shape (m, D)
    dim : int
        Number of principal directions kept (the intrinsic dimension).

    Returns
    -------
    NeighbourhoodPCA

    Examples
    --------
    Points on the plane z = 0 and a query 0.5 above it:

    >>> g = np.linspace(0, 1, 5)
    >>> X = np.c_[np.repeat(g, 5), np.tile(g, 5), np.zeros(25)]
    >>> out = neighbourhood_pca(X, np.arange(25)[None], np.array([[0.5, 0.5, 0.5]]), 2)
    >>> out.frames.shape, bool(out.residual[0] > 10)
    ((1, 3, 2), True)
    """
    X_ref = np.asarray(X_ref, dtype=np.float64)
    Q = np.asarray(queries, dtype=np.float64)
    N = np.asarray(neighbors, dtype=np.int64)
    m, k = N.shape
    D = X_ref.shape[1]
    d = int(dim)
    if not 1 <= d <= min(D, k - 1):
        raise ValueError(f"dim must be between 1 and min(D={D}, k - 1={k - 1}), got {dim!r}.")
    frames = np.empty((m, D, d))
    residual = np.empty(m)
    log_pr = np.empty(m)
    chunk = max(1, _SCORE_CHUNK_BYTES // max(1, 3 * k * D * 8))
    for s in range(0, m, chunk):
        P = X_ref[N[s : s + chunk]]
        mu = P.mean(axis=1, keepdims=True)
        P = P - mu
        _, sv, vt = np.linalg.svd(P, full_matrices=False)
        lam = sv**2 / k  # covariance eigenvalues, decreasing
        O = np.transpose(vt[:, :d, :], (0, 2, 1))
        frames[s : s + chunk] = O
        total = lam.sum(axis=1)
        normal_var = lam[:, d:].sum(axis=1)
        floor = (RESIDUAL_FLOOR**2) * total
        y = Q[s : s + chunk] - mu[:, 0, :]
        t = np.einsum("mDd,mD->md", O, y)
        off2 = np.maximum((y**2).sum(axis=1) - (t**2).sum(axis=1), 0.0) if d < D else 0.0 * t[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            residual[s : s + chunk] = np.sqrt(off2 / np.maximum(normal_var + floor, 1e-300))
            sq = (lam**2).sum(axis=1)
            log_pr[s : s + chunk] = np.where(sq > 0, np.log(total**2 / np.where(sq > 0, sq, 1)), 0)
    return NeighbourhoodPCA(frames, residual, log_pr)


def frame_edges(frames_q, frames_ref, neighbors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Procrustes alignment of every query frame with the frames of its neighbours.

    For the edge ``q–j``: ``R_qj = argmin_{R ∈ O(d)} ‖O_q R − O_j‖_F``, its sign ``det R_qj``
    (the orientation sheaf's map) and the Procrustes residual ``‖O_q R_qj − O_j‖_F =
    sqrt(2 Σ (1 − cos θ_i))`` over the principal angles θ_i between the two frames — the
    inconsistency of the frame assignment on that edge of the tangent sheaf.

    Parameters
    ----------
    frames_q : ndarray of shape (m, D, d)
    frames_ref : ndarray of shape (n, D, d)
    neighbors : ndarray of shape (m, k)

    Returns
    -------
    R : ndarray of shape (m, k, d, d)
    signs : ndarray of shape (m, k)
        ``±1``.
    residual : ndarray of shape (m, k)

    Examples
    --------
    >>> e = np.eye(3)
    >>> Oq = e[:, :2][None]                      # the xy-plane
    >>> Oref = np.stack([e[:, [0, 2]], e[:, [1, 0]]])   # xz-plane; xy-plane with swapped axes
    >>> R, signs, res = frame_edges(Oq, Oref, np.array([[0, 1]]))
    >>> signs, res.round(3)
    (array([[ 1., -1.]]), array([[1.414, 0.   ]]))
    """
    Fq = np.asarray(frames_q, dtype=np.float64)
    Fr = np.asarray(frames_ref, dtype=np.float64)
    N = np.asarray(neighbors, dtype=np.int64)
    m, k = N.shape
    d = Fq.shape[2]
    R = np.empty((m, k, d, d))
    residual = np.empty((m, k))
    chunk = max(1, _SCORE_CHUNK_BYTES // max(1, 4 * k * Fq.shape[1] * d * 8))
    for s in range(0, m, chunk):
        Rc, trace = _procrustes(Fq[s : s + chunk, None], Fr[N[s : s + chunk]])
        R[s : s + chunk] = Rc
        residual[s : s + chunk] = np.sqrt(np.maximum(2.0 * (d - trace), 0.0))
    signs = np.where(np.linalg.det(R) < 0, -1.0, 1.0) if m else np.empty((0, k))
    return R, signs, residual


def _orthogonal_polar(M: np.ndarray) -> np.ndarray:
    """argmax_{R ∈ O(d)} tr(Rᵀ M) for a stack of d×d matrices (``U Vᵀ`` of the SVD).

    Closed forms for d = 1 (the sign) and d = 2 (the better of the nearest rotation and the
    nearest reflection, whose traces against M are the norms of (a+d, b−c) and (a−d, b+c));
    batched SVD otherwise.
    """
    d = M.shape[-1]
    if d == 1:
        return np.where(M >= 0, 1.0, -1.0)
    if d == 2:
        a, b, c, e = M[:, 0, 0], M[:, 0, 1], M[:, 1, 0], M[:, 1, 1]
        p, q = a + e, b - c  # rotation [[p, q], [-q, p]] / norm
        u, v = a - e, b + c  # reflection [[u, v], [v, -u]] / norm
        rot = np.hypot(p, q)
        ref = np.hypot(u, v)
        R = np.empty_like(M)
        use_rot = rot >= ref
        nr = np.where(rot > 0, rot, 1.0)
        nf = np.where(ref > 0, ref, 1.0)
        R[:, 0, 0] = np.where(use_rot, p / nr, u / nf)
        R[:, 0, 1] = np.where(use_rot, q / nr, v / nf)
        R[:, 1, 0] = np.where(use_rot, -q / nr, v / nf)
        R[:, 1, 1] = np.where(use_rot, p / nr, -u / nf)
        degenerate = (rot == 0) & (ref == 0)
        R[degenerate] = np.eye(2)
        return R
    U, _, Vt = np.linalg.svd(M)
    return U @ Vt


def _jet_frames(X: np.ndarray, frames: np.ndarray, neighbors: np.ndarray) -> np.ndarray:
    """Tangent frames at the points themselves, from a quadratic fit over the PCA frames.

    In the PCA frame at ``x_i`` the neighbours have tangent coordinates ``t`` and normal
    residuals ``r``; the least-squares fit ``r ≈ c + L t + Q(t, t)`` (an osculating 2-jet)
    gives the tangent plane ``span(O_i + Lᵀ)`` at ``x_i``, free of the first-order tilt of PCA.
    The orientation of every frame is kept.
    """
    n, D, d = frames.shape
    iu = np.triu_indices(d)
    out = np.empty_like(frames)
    chunk = max(1, (64 * 2**20) // max(1, neighbors.shape[1] * (D + 2 * len(iu[0])) * 8))
    for s in range(0, n, chunk):
        F = frames[s : s + chunk]
        Y = X[neighbors[s : s + chunk]] - X[s : s + chunk, None, :]
        t = np.einsum("nkD,nDd->nkd", Y, F)
        r = Y - np.einsum("nkd,nDd->nkD", t, F)
        scale = np.sqrt((t**2).sum(axis=(1, 2)) / t.shape[1])[:, None, None]
        ts = t / scale
        quad = (ts[..., :, None] * ts[..., None, :])[..., iu[0], iu[1]]
        M = np.concatenate([np.ones(ts.shape[:2] + (1,)), ts, quad], axis=2)
        A = np.einsum("nkp,nkq->npq", M, M)
        A += 1e-10 * np.trace(A, axis1=1, axis2=2)[:, None, None] * np.eye(A.shape[1])
        C = np.linalg.solve(A, np.einsum("nkp,nkD->npD", M, r))
        L = C[:, 1 : 1 + d, :] / scale  # (n, d, D): normal displacement per unit tangent step
        Q, _ = np.linalg.qr(F + np.swapaxes(L, 1, 2))
        flip = np.linalg.det(np.einsum("nDd,nDe->nde", F, Q)) < 0
        Q[flip, :, -1] *= -1
        out[s : s + chunk] = Q
    return out
