"""Per-point invariants of the frame sheaves on a point's star: the geometric score kernels.

Input format. A *reference* cloud ``X_ref`` (n × D) with, for every reference point, a local
frame ``O_j ∈ ℝ^{D×d}`` (orthonormal columns); *queries* ``Q`` (m × D), each with the row
indices of its ``k`` reference neighbours (``neighbors``, m × k, nearest first). A query may be a
reference point itself, in which case its neighbourhood must not contain it (leave-one-out): the
kernels then measure how a point relates to the structure *around* it, and a reference point and
a new point at the same place get the same values.

The star of a query ``q`` at this scale is the set of edges ``q–j``, ``j ∈ N(q)``, and of
triangles ``q–j–l`` for the pairs ``j, l ∈ N(q)`` that are joined in the reference graph (its
symmetrised k-nearest-neighbour graph, given as sorted edge keys ``min·n + max``).

Conventions as :mod:`tdasheaf.sheaves._frames`: ``R_ab`` is the Procrustes alignment of the
frames of ``a`` and ``b`` (``O_a R_ab ≈ O_b``), its sign ``det R_ab`` the orientation sheaf's
restriction map, and the holonomy of a triangle ``q, j, l`` is ``H = R_qj R_jl R_lq``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tdasheaf.sheaves._frames import _orthogonal_polar

__all__ = [
    "NeighbourhoodPCA",
    "StarTriangles",
    "frame_edges",
    "graph_edge_keys",
    "neighbourhood_pca",
    "star_triangle_scores",
    "star_triangles",
]

#: Bytes per chunk of the batched linear algebra (bounds the peak memory of every kernel).
_CHUNK_BYTES = 64 * 2**20

#: Floor of the normal spread, as a fraction of the neighbourhood's RMS radius (noise-free flat
#: samples have no normal spread at all).
RESIDUAL_FLOOR = 1e-2


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
    chunk = max(1, _CHUNK_BYTES // max(1, 3 * k * D * 8))
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
    chunk = max(1, _CHUNK_BYTES // max(1, 4 * k * Fq.shape[1] * d * 8))
    for s in range(0, m, chunk):
        M = np.einsum("mDa,mkDb->mkab", Fq[s : s + chunk], Fr[N[s : s + chunk]])
        shape = M.shape
        Rc = _orthogonal_polar(M.reshape(-1, d, d)).reshape(shape)
        R[s : s + chunk] = Rc
        trace = np.einsum("mkab,mkab->mk", Rc, M)  # tr(Rᵀ M) = Σ cos θ_i
        residual[s : s + chunk] = np.sqrt(np.maximum(2.0 * (d - trace), 0.0))
    signs = np.where(np.linalg.det(R) < 0, -1.0, 1.0) if m else np.empty((0, k))
    return R, signs, residual


def graph_edge_keys(neighbors) -> tuple[np.ndarray, np.ndarray]:
    """The symmetrised k-nearest-neighbour graph of a reference set, as sorted edge keys.

    Parameters
    ----------
    neighbors : ndarray of shape (n, k)
        Row ``i`` holds the neighbours of reference point ``i`` (never ``i`` itself).

    Returns
    -------
    keys : ndarray of shape (n_edges,)
        ``min(i, j) · n + max(i, j)`` for every edge, sorted, unique.
    edges : ndarray of shape (n_edges, 2)
        The pairs ``(i, j)``, ``i < j``, in the order of ``keys``.

    Examples
    --------
    >>> graph_edge_keys(np.array([[1], [0], [1]]))[1]
    array([[0, 1],
           [1, 2]])
    """
    N = np.asarray(neighbors, dtype=np.int64)
    n, k = N.shape
    i = np.repeat(np.arange(n, dtype=np.int64), k)
    j = N.reshape(-1)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keys = np.unique(lo * n + hi)
    return keys, np.column_stack([keys // n, keys % n]) if n else np.empty((0, 2), np.int64)


@dataclass(frozen=True)
class StarTriangles:
    """Result of :func:`star_triangles`: the triangles ``q–j–l`` of every query's star.

    Attributes
    ----------
    query : ndarray of shape (t,)
        Query row of each triangle (sorted).
    a, b : ndarray of shape (t,)
        Positions of ``j`` and ``l`` in the query's neighbour list (``a < b``).
    edge : ndarray of shape (t,)
        Row of the reference edge ``{j, l}`` in the graph's key order.
    flipped : ndarray of shape (t,), bool
        The reference edge is stored as ``(l, j)``: its map must be transposed.
    """

    query: np.ndarray
    a: np.ndarray
    b: np.ndarray
    edge: np.ndarray
    flipped: np.ndarray


def star_triangles(neighbors, keys, n_ref: int) -> StarTriangles:
    """Triangles ``q–j–l`` with ``j, l`` neighbours of ``q`` joined in the reference graph.

    Examples
    --------
    >>> keys, _ = graph_edge_keys(np.array([[1], [0], [1]]))
    >>> tri = star_triangles(np.array([[2, 1, 0]]), keys, 3)
    >>> tri.a, tri.b, tri.flipped        # only 2–1 and 1–0 are reference edges
    (array([0, 1]), array([1, 2]), array([ True,  True]))
    """
    N = np.asarray(neighbors, dtype=np.int64)
    m, k = N.shape
    ia, ib = np.triu_indices(k, 1)
    parts = ([], [], [], [], [])
    chunk = max(1, (16 * 2**20) // max(1, len(ia) * 8))
    for s in range(0, m, chunk):
        J, L = N[s : s + chunk][:, ia], N[s : s + chunk][:, ib]
        key = np.minimum(J, L) * n_ref + np.maximum(J, L)
        pos = np.searchsorted(keys, key)
        pos_c = np.minimum(pos, max(len(keys) - 1, 0))
        found = (keys[pos_c] == key) if len(keys) else np.zeros_like(key, dtype=bool)
        q, p = np.nonzero(found)
        parts[0].append(q + s)
        parts[1].append(ia[p])
        parts[2].append(ib[p])
        parts[3].append(pos_c[q, p])
        parts[4].append(J[q, p] > L[q, p])
    if not parts[0]:
        e = np.empty(0, dtype=np.int64)
        return StarTriangles(e, e, e, e, np.empty(0, dtype=bool))
    return StarTriangles(*(np.concatenate(p) for p in parts))


def star_triangle_scores(R_query, tri: StarTriangles, R_ref_edges, n_queries: int):
    """Orientation conflicts and holonomy of every query's star triangles.

    For the triangle ``q–j–l`` the holonomy is ``H = R_qj R_jl R_lq`` (``R_lq = R_qlᵀ``) and
    its sign ``det H = s_qj s_jl s_lq`` is the orientation sheaf's sign holonomy: ``−1`` means
    that no choice of orientations of the three frames agrees along the three edges (a
    *frustrated* triangle; its stalk in the orientation sheaf is 0).

    Parameters
    ----------
    R_query : ndarray of shape (m, k, d, d)
        ``R_qj`` from :func:`frame_edges`.
    tri : StarTriangles
    R_ref_edges : ndarray of shape (n_edges, d, d)
        Alignments of the reference graph's edges ``(i, j)``, ``i < j``, in key order.
    n_queries : int

    Returns
    -------
    frustrated : ndarray of shape (m,)
        Fraction of the star's triangles with sign holonomy −1 (0 for an empty star).
    holonomy : ndarray of shape (m,)
        Mean of ``‖H − I‖_F`` over the star's orientation-preserving triangles (0 if none).
    n_triangles : ndarray of shape (m,)
        Number of triangles in each star.

    Examples
    --------
    Three points whose 1-D frames disagree in sign around the triangle:

    >>> keys, edges = graph_edge_keys(np.array([[1], [0]]))
    >>> tri = star_triangles(np.array([[0, 1]]), keys, 2)
    >>> R_q = np.array([[[[1.0]], [[1.0]]]])
    >>> star_triangle_scores(R_q, tri, np.array([[[-1.0]]]), 1)[0]
    array([1.])
    """
    t = len(tri.query)
    frustrated = np.zeros(n_queries)
    holonomy = np.zeros(n_queries)
    counts = np.bincount(tri.query, minlength=n_queries).astype(np.float64)
    if t == 0:
        return frustrated, holonomy, counts
    d = R_query.shape[-1]
    neg = np.zeros(t, dtype=bool)
    dev = np.zeros(t)
    chunk = max(1, _CHUNK_BYTES // max(1, 6 * d * d * 8))
    for s in range(0, t, chunk):
        sl = slice(s, s + chunk)
        q, a, b = tri.query[sl], tri.a[sl], tri.b[sl]
        Rjl = R_ref_edges[tri.edge[sl]]
        Rjl = np.where(tri.flipped[sl, None, None], np.swapaxes(Rjl, 1, 2), Rjl)
        H = R_query[q, a] @ Rjl @ np.swapaxes(R_query[q, b], 1, 2)
        neg[sl] = np.linalg.det(H) < 0
        dev[sl] = np.linalg.norm((H - np.eye(d)).reshape(len(H), -1), axis=1)
    frustrated = np.bincount(tri.query, weights=neg.astype(np.float64), minlength=n_queries)
    keep = ~neg
    pos_count = np.bincount(tri.query[keep], minlength=n_queries).astype(np.float64)
    hol_sum = np.bincount(tri.query[keep], weights=dev[keep], minlength=n_queries)
    with np.errstate(divide="ignore", invalid="ignore"):
        frustrated = np.where(counts > 0, frustrated / np.where(counts > 0, counts, 1), 0.0)
        holonomy = np.where(pos_count > 0, hol_sum / np.where(pos_count > 0, pos_count, 1), 0.0)
    return frustrated, holonomy, counts
