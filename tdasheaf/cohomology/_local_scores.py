"""Per-point sheaf-inconsistency scores of a point cloud, at several neighbourhood sizes.

The kernels behind :class:`~tdasheaf.SheafOutlierDetector`, on plain arrays. A *reference*
(training) cloud ``X`` fixes the structure: for every neighbourhood size ``k`` in ``sizes``,
each reference point's ``k`` nearest *other* reference points, the local PCA frame of that
neighbourhood, the symmetrised k-nearest-neighbour graph with the Procrustes alignments of its
edges, and the H^0 join times of the constant sheaf. A query (a reference point, or a new
point) is scored against that structure only — its neighbours are reference points, and a
reference point is never its own neighbour (leave-one-out; a new point at distance 0 from a
reference point is treated as that point) — so a reference point and a new point at the same
place get the same components, and scoring never changes the reference.

Neighbours follow :func:`tdasheaf.geometry.kneighbors` (own row excluded, duplicates counted,
ties to the smaller row). The *star* of a query ``q`` at size ``k`` is the set of edges ``q–j``,
``j ∈ N_k(q)``, and of triangles ``q–j–l`` for the pairs ``j, l ∈ N_k(q)`` joined in the
reference graph (its symmetrised k-NN graph, given as sorted edge keys ``min·n + max``). The
frame kernels are :func:`~tdasheaf.sheaves.neighbourhood_pca` and
:func:`~tdasheaf.sheaves.frame_edges` (``R_qj`` the Procrustes alignment, ``O_q R_qj ≈ O_j``);
the holonomy of a triangle ``q, j, l`` is ``H = R_qj R_jl R_lq``. Every kernel is matrix-free:
new points are scored without assembling a sheaf, and the one reduction over incident edges is
:func:`~tdasheaf.cohomology._sections.incident_reduce`, shared with
:func:`~tdasheaf.cohomology.vertex_inconsistencies`.

Components (one column per size ``k``; higher = more anomalous), see :data:`COMPONENTS`:

``residual``
    Distance of the point from the principal ``d``-plane of its neighbourhood, over the
    neighbours' own RMS distance from that plane: points *off the manifold* (even at the
    manifold's density, where distance-based detectors see nothing).
``dimension``
    ``|log pr − median log pr|`` of the participation ratio ``pr = (Σλ)²/Σλ²`` of the
    neighbourhood covariance: a *change of local dimension* (a filament on a surface, a blob).
``frame``
    RMS over the star's edges ``q–j`` of the Procrustes residual ``‖O_q R_qj − O_j‖_F``: the
    (ℓ²) consistency radius, restricted to the star, of the assignment ``q ↦ O_q`` of frames
    as a 0-cochain of the tangent sheaf. Large where tangent planes turn within a
    neighbourhood (creases, junctions, sharp twists, regions too noisy to have a tangent).
``orientation``
    Fraction of the star's triangles ``q–j–l`` whose orientation-sheaf sign holonomy
    ``s_qj s_jl s_lq`` is −1 (frustrated: no orientation of the three frames agrees):
    *locally non-orientable* regions at the scale ``k`` (a half-twist within a neighbourhood,
    a cross-cap).
``h0_join``
    How late the point's stalk joins a global section of the constant sheaf's H^0: with
    ``t_m(j)`` the Rips scale at which reference point ``j``'s connected component first holds
    ``m = k`` points (single linkage on the Euclidean minimum spanning tree), the query joins at
    ``J = min_{j ∈ N(q)} max(‖q − x_j‖, t_m(j))``; the component is ``J`` over the median,
    on the neighbourhood, of the neighbours' own distance to their ``k``-th neighbour (a
    continuous local scale; the neighbours' join times themselves would tie with ``J`` for
    most points): *isolated points and small far clusters* (fewer than ``k / 2`` points),
    relative to the local density.
``holonomy``
    Mean of ``‖H − I‖_F`` over the star's orientation-preserving triangles, ``H = R_qj R_jl
    R_lq`` the tangent sheaf's holonomy: ≈ |Gaussian curvature| × triangle area, so *curvature
    spikes* (dents, cone points, twists) relative to the neighbourhood scale.
``h0_bulk`` (global, :data:`GLOBAL_COMPONENTS`)
    Distance from the query to the nearest member (other than itself) of the *bulk*: the H^0
    class of the constant sheaf (single-linkage cluster) that first holds half of the
    reference's mass, at the scale where it forms — the nearest-neighbour spacing for a
    member, the gap for a point of another cluster: *anomalies that form their own dense
    cluster* (locally normal) or lie far from the bulk. Absolute units; the same at every size.
``distance`` (global)
    Mean distance to the nearest ``k`` rows of mass: *sparse regions of the whole data set*.
``isolation`` (global)
    Isolation-forest anomaly score against the weighted reference
    (:func:`~tdasheaf.cohomology._table_scores.isolation_scores`): rows that few random
    axis-parallel cuts separate from the reference's mass. The same at every size.
``tail`` (global)
    Mean over features of the skewness-aware ``−log`` empirical tail probability
    (:func:`~tdasheaf.cohomology._table_scores.marginal_tail_scores`): rows far in the tails
    of the marginal distributions. The same at every size.

Multiplicities: the reference points should be distinct, each with a weight (the number of
identical rows it stands for, ``weights=`` of :func:`fit_local_reference`). Frames, graphs and
stars use the distinct points; the H^0 components (``h0_join``, ``h0_bulk``) and the
``distance`` neighbourhoods count mass, in units of the mean weight, so repeating every row
the same number of times changes nothing. Standardisation and rank combination live in
:mod:`tdasheaf.cohomology._score_standardization` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tdasheaf.cohomology._score_standardization import (
    SCALE_FLOOR,
    combine_auto,
    combine_ranks,
    component_ranks,
    robust_location_scale,
    standardize_components,
    table_location_scale,
    table_score,
    tangent_weight,
)
from tdasheaf.cohomology._sections import incident_reduce
from tdasheaf.cohomology._table_scores import isolation_scores, marginal_tail_scores
from tdasheaf.geometry import component_join_times, kneighbors
from tdasheaf.sheaves import align_frames, estimate_dimension, frame_edges, neighbourhood_pca

__all__ = [
    "AXIS_COMPONENTS",
    "COMPONENTS",
    "GLOBAL_COMPONENTS",
    "LOCAL_SCORE_COMPONENTS",
    "LocalSheafReference",
    "SCALE_FLOOR",
    "StarTriangles",
    "TABLE_COMPONENTS",
    "combine_auto",
    "combine_ranks",
    "component_ranks",
    "fit_local_reference",
    "graph_edge_keys",
    "h0_join_times",
    "local_reference_nbytes",
    "local_score_components",
    "robust_location_scale",
    "standardize_components",
    "star_triangle_scores",
    "star_triangles",
    "table_location_scale",
    "table_score",
    "tangent_eigengap",
    "tangent_weight",
]

#: Bytes per chunk of the batched linear algebra (bounds the peak memory of every kernel).
_CHUNK_BYTES = 64 * 2**20

#: Names of the score components, in output order.
COMPONENTS = (
    "residual", "dimension", "frame", "orientation", "h0_join", "holonomy", "h0_bulk", "distance",
    "isolation", "tail",
)
#: The components that look at the whole reference (the others compare a point with its
#: neighbourhood).
GLOBAL_COMPONENTS = ("h0_bulk", "distance", "isolation", "tail")
#: The components that read the columns as features (not invariant under rotations of the
#: coordinates, only under increasing transformations of each column).
AXIS_COMPONENTS = ("isolation", "tail")
#: ``combine="auto"``: the components averaged into the *table* score.
TABLE_COMPONENTS = ("isolation", "tail", "h0_bulk", "dimension", "signal")
#: The same, under the name exported by :mod:`tdasheaf.cohomology`.
LOCAL_SCORE_COMPONENTS = COMPONENTS



@dataclass(frozen=True)
class LocalSheafReference:
    """The training structure every query is scored against (see the module docstring).

    Attributes
    ----------
    X : ndarray of shape (n, D)
    sizes : tuple of int
        Neighbourhood sizes ``k``, increasing.
    dim : int
        Intrinsic dimension of the frames.
    tree : scipy.spatial.cKDTree or None
        Nearest-neighbour index of ``X`` (``None`` above 16 dimensions, where
        :func:`tdasheaf.geometry.kneighbors` searches blockwise by brute force).
    frames : tuple of ndarray of shape (n, D, dim)
        Leave-one-out local PCA frame of every reference point, per size.
    edge_keys : tuple of ndarray
        Sorted keys ``i·n + j`` of the symmetrised kNN graph, per size.
    edge_maps : tuple of ndarray of shape (n_edges, dim, dim)
        Procrustes alignments ``R_ij`` of the graph's edges, in key order, per size.
    join_times : ndarray of shape (n, n_sizes)
        ``t_k(j)``: scale at which ``j``'s component first holds ``k`` points.
    radii : ndarray of shape (n, n_sizes)
        Distance from every reference point to its ``k``-th nearest other reference point.
    log_participation_median : ndarray of shape (n_sizes,)
        Median over the reference of ``log pr`` (centre of the ``dimension`` component).
    signal : ndarray of shape (n, m), optional
        Data on the reference points (``None``: no ``signal`` component).
    weights : ndarray of shape (n,)
        Multiplicity of every reference point over the mean multiplicity (all 1 without
        duplicates): masses of the H^0 components and of the ``distance`` neighbourhoods.
    bulk_times : ndarray of shape (n,)
        ``t_{n/2}(j)``: scale at which ``j``'s component first holds half the reference's mass.
    tangent_gap : float
        Median over the points of ``λ_d / λ_{d+1}``, the eigengap of the neighbourhood
        covariance at the frame dimension ``d`` (median size; ``inf`` where the neighbourhood
        is exactly ``d``-dimensional, 1 when there is no normal direction, ``d ≥ D``): how well
        the local ``d``-planes, and so the frames, are determined by the data (Davis–Kahan).
    random_state : int
        Seed of the ``isolation`` component's forest.
    """

    X: np.ndarray
    sizes: tuple
    dim: int
    tree: object
    frames: tuple
    edge_keys: tuple
    edge_maps: tuple
    join_times: np.ndarray
    radii: np.ndarray
    log_participation_median: np.ndarray
    signal: np.ndarray | None = None
    weights: np.ndarray | None = None
    bulk_times: np.ndarray | None = None
    tangent_gap: float = float("nan")
    random_state: int = 0


# ----------------------------------------------------------------------------------------------
# H^0 of the constant sheaf: single linkage
# ----------------------------------------------------------------------------------------------

#: ``t_m(i)``, the Rips scale at which point ``i``'s component (H⁰ class of the constant sheaf)
#: first holds ``m`` points: :func:`tdasheaf.geometry.component_join_times`.
h0_join_times = component_join_times


# ----------------------------------------------------------------------------------------------
# Stars: the reference graph and the triangles of every query's star
# ----------------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------------
# Reference and queries
# ----------------------------------------------------------------------------------------------


def _neighbours(reference_X, tree, Q, k: int, self_index):
    """The ``k`` nearest reference points of every query, the query itself excluded.

    With ``self_index=None`` (new points) a reference point at distance 0 is taken to be the
    query itself (the first such row): a new point that coincides with a reference point gets
    exactly that point's leave-one-out neighbourhood.
    """
    if self_index is not None:
        return kneighbors(reference_X, k, query=Q, exclude=self_index, tree=tree)
    dist, idx = kneighbors(reference_X, k + 1, query=Q, tree=tree)
    keep = np.ones(idx.shape, dtype=bool)
    keep[np.arange(len(Q)), np.where(dist[:, 0] == 0, 0, k)] = False
    return dist[keep].reshape(len(Q), k), idx[keep].reshape(len(Q), k)


def local_reference_nbytes(n: int, n_features: int, sizes, dim: int | None) -> int:
    """An upper bound of the bytes :func:`fit_local_reference` allocates for ``n`` points.

    The k-d tree and the neighbour lists, the frames (``n × D × d`` per size), the edge maps
    (``n·k`` edges of ``d × d`` per size) and their keys, the per-point scores, plus the bounded
    chunks of the neighbourhood SVDs; ``d`` is taken at its largest possible value when ``dim``
    is None (it is estimated from the data).

    Examples
    --------
    >>> local_reference_nbytes(20_000, 512, (10, 20, 40), None) > 2**30
    True
    """
    sizes = tuple(int(k) for k in sizes)
    D = int(n_features)
    d = min(D, sizes[0] - 1) if dim is None else int(dim)
    total = 4 * n * D * 8 + n * max(sizes) * 16  # the data, the tree, the neighbour lists
    for k in sizes:
        total += n * D * d * 8 + n * k * (d * d * 8 + 3 * 8) + 16 * n * 8
    # scoring the reference's own points: one block of queries at a time (query_block_size)
    return int(total + 4 * _CHUNK_BYTES)


def fit_local_reference(
    X, sizes, dim: int | None = None, *, variance_threshold: float = 0.9, signal=None,
    weights=None, random_state: int = 0,
) -> tuple[LocalSheafReference, dict[str, np.ndarray]]:
    """Build the reference structure of ``X`` and score its own points (leave-one-out).

    Parameters
    ----------
    X : ndarray of shape (n, D)
        Finite, at least ``max(sizes) + 1`` points.
    sizes : sequence of int
        Neighbourhood sizes ``k`` (≥ 2).
    dim : int, optional
        Intrinsic dimension; ``None`` estimates it at the median size (the median over points
        of the number of principal components explaining ``variance_threshold`` of the
        neighbourhood variance), clipped to ``[1, min(D, min(sizes) - 1)]``.
    variance_threshold : float, default=0.9
    signal : ndarray of shape (n, m), optional
        Data on the points; adds the ``signal`` component (see :func:`local_score_components`).
    weights : ndarray of shape (n,), optional
        Multiplicities (a point standing for that many identical rows; pass distinct points);
        ``None``: 1 each. Only their ratios to their mean matter, so repeating every row the
        same number of times changes nothing.
    random_state : int, default=0
        Seed of the ``isolation`` component's forest.

    Returns
    -------
    reference : LocalSheafReference
    components : dict
        Name (:data:`COMPONENTS`, and ``"signal"`` with a signal) → ndarray of shape
        (n, len(sizes)), the raw components of the reference points.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.c_[rng.uniform(size=(200, 2)), 0.01 * rng.normal(size=200)]
    >>> ref, comp = fit_local_reference(X, [10, 20])
    >>> ref.dim, comp["residual"].shape
    (2, (200, 2))
    """
    from scipy.spatial import cKDTree

    X = np.ascontiguousarray(X, dtype=np.float64)
    n, D = X.shape
    sizes = tuple(sorted({int(k) for k in sizes}))
    if not sizes or sizes[0] < 2 or sizes[-1] > n - 1:
        raise ValueError(f"sizes must lie in [2, n - 1 = {n - 1}], got {sizes}.")
    tree = cKDTree(X) if D <= 16 else None
    dist_all, N_all = kneighbors(X, sizes[-1], tree=tree)
    mid = sizes[len(sizes) // 2]
    # neighbourhood spectra in chunks of bounded size (n · mid · D at once is 1.6 GB for
    # 20,000 activations in 512 dimensions)
    var = np.empty((n, min(mid, D)))
    chunk = max(1, _CHUNK_BYTES // max(1, 3 * mid * D * 8))
    for start in range(0, n, chunk):
        P = X[N_all[start : start + chunk, :mid]]
        sv = np.linalg.svd(P - P.mean(axis=1, keepdims=True), compute_uv=False)
        var[start : start + chunk] = sv**2
    total = var.sum(axis=1, keepdims=True)
    ok = total[:, 0] > 0
    if dim is None:
        dim = estimate_dimension(var[ok] / total[ok], variance_threshold) if ok.any() else 1
    dim = int(max(1, min(int(dim), D, sizes[0] - 1)))
    gap = tangent_eigengap(var[ok], dim)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(w) != n or not np.all(w > 0):
        raise ValueError(f"weights must be {n} positive numbers.")
    w = w / w.mean()
    frames, keys, maps, log_pr_med = [], [], [], []
    for k in sizes:
        N = N_all[:, :k]
        pca = neighbourhood_pca(X, N, X, dim)
        frames.append(pca.frames)
        key, edges = graph_edge_keys(N)
        keys.append(key)
        maps.append(align_frames(pca.frames, edges))  # in bounded chunks of edges
        log_pr_med.append(float(np.median(pca.log_participation)))
    reference = LocalSheafReference(
        X=X,
        sizes=sizes,
        dim=dim,
        tree=tree,
        frames=tuple(frames),
        edge_keys=tuple(keys),
        edge_maps=tuple(maps),
        join_times=h0_join_times(X, sizes, weights=w),
        radii=dist_all[:, [k - 1 for k in sizes]].copy(),
        log_participation_median=np.array(log_pr_med),
        signal=None if signal is None else _signal_array(signal, n),
        weights=w,
        bulk_times=h0_join_times(X, [n / 2], weights=w)[:, 0],
        tangent_gap=gap,
        random_state=int(random_state),
    )
    return reference, local_score_components(
        reference, X, self_index=np.arange(n), query_signal=reference.signal
    )


def tangent_eigengap(variances, dim: int) -> float:
    """Median over neighbourhoods of ``λ_dim / λ_{dim+1}`` (eigenvalues in decreasing order).

    By the Davis–Kahan theorem the error of an estimated ``dim``-plane is bounded by the noise
    over the gap ``λ_dim − λ_{dim+1}``: a ratio near 1 means the data do not determine the
    plane (no tangent structure at this scale), a large ratio that they do. ``inf`` for a
    neighbourhood with ``λ_{dim+1} = 0``; 1.0 when there is no normal direction
    (``dim ≥`` the number of eigenvalues) or no neighbourhood.

    Examples
    --------
    >>> tangent_eigengap(np.array([[4.0, 3.0, 0.01], [5.0, 2.0, 0.02]]), 2)
    200.0
    """
    V = np.asarray(variances, dtype=np.float64)
    if V.ndim != 2 or len(V) == 0 or dim >= V.shape[1]:
        return 1.0
    top, below = V[:, dim - 1], V[:, dim]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(below > 0, top / np.where(below > 0, below, 1.0), np.inf)
    return float(np.median(ratio))


def _signal_array(signal, n: int) -> np.ndarray:
    S = np.asarray(signal, dtype=np.float64)
    S = S.reshape(len(S), -1) if S.ndim == 1 else S
    if S.ndim != 2 or len(S) != n:
        raise ValueError(f"signal must have shape ({n}, m), got {np.shape(signal)}.")
    return np.ascontiguousarray(S)


def query_block_size(sizes, dim: int) -> int:
    """Queries scored at once: their star triangles' working set within ``_CHUNK_BYTES``."""
    k = max(int(x) for x in sizes)
    d = int(dim)
    per_query = (k * (k - 1) // 2) * (3 * d * d * 8 + 64) + k * (d * d + 4) * 8
    return max(1, _CHUNK_BYTES // max(1, per_query))


def _score_block(reference, Q, N_all, dist_all, out, rows, n) -> None:
    """The geometric components of one block of queries, written into ``out[name][rows]``."""
    for s, k in enumerate(reference.sizes):
        N, dist = N_all[:, :k], dist_all[:, :k]
        pca = neighbourhood_pca(reference.X, N, Q, reference.dim)
        out["residual"][rows, s] = pca.residual
        out["dimension"][rows, s] = np.abs(
            pca.log_participation - reference.log_participation_median[s]
        )
        R, _, edge_residual = frame_edges(pca.frames, reference.frames[s], N)
        out["frame"][rows, s] = np.sqrt((edge_residual**2).mean(axis=1))
        tri = star_triangles(N, reference.edge_keys[s], n)
        frustrated, holonomy, _ = star_triangle_scores(R, tri, reference.edge_maps[s], len(Q))
        out["orientation"][rows, s] = frustrated
        out["holonomy"][rows, s] = holonomy
        join = np.maximum(dist, reference.join_times[N, s]).min(axis=1)
        local = np.median(reference.radii[N, s], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["h0_join"][rows, s] = np.where(local > 0, join / np.where(local > 0, local, 1), 0.0)
        out["distance"][rows, s] = _mass_mean(dist_all, reference.weights[N_all], k)


def _bulk_distance(reference, Q, self_index) -> np.ndarray:
    """Distance from every query to the bulk: the H^0 class holding half the reference's mass.

    The bulk is the single-linkage cluster that first holds half of the reference rows, at the
    scale ``T`` where it forms (the points with ``bulk_times == T``); a query's value is its
    distance to the nearest member other than itself (a query at distance 0 from a member is
    that member, as in :func:`_neighbours`): the nearest-neighbour spacing for a member, the
    gap to the bulk for a point of another cluster.
    """
    t = reference.bulk_times
    members = np.flatnonzero(t <= t.min())
    if len(members) < 2:
        return np.zeros(len(Q))
    dist, idx = kneighbors(reference.X[members], 2, query=Q)
    itself = dist[:, 0] == 0
    if self_index is not None:
        itself = members[idx[:, 0]] == np.asarray(self_index)
    return np.where(itself, dist[:, 1], dist[:, 0])


def _mass_mean(dist, weights, mass: float) -> np.ndarray:
    """Mean of the nearest distances over the first ``mass`` of neighbour weight (per row).

    The last neighbour counted enters with the part of its weight that completes ``mass``;
    rows whose neighbours hold less than ``mass`` average over all of them.
    """
    before = np.cumsum(weights, axis=1) - weights
    take = np.clip(mass - before, 0.0, weights)
    total = take.sum(axis=1)
    return (take * dist).sum(axis=1) / np.where(total > 0, total, 1.0)


def local_score_components(
    reference: LocalSheafReference, queries, *, self_index=None, query_signal=None
) -> dict[str, np.ndarray]:
    """Raw score components of query points against a reference (see the module docstring).

    Parameters
    ----------
    reference : LocalSheafReference
        From :func:`fit_local_reference`; never modified.
    queries : ndarray of shape (m, D)
    self_index : ndarray of shape (m,), optional
        For queries that are reference points: their rows in ``reference.X``, excluded from
        their own neighbourhoods. ``None`` for new points.
    query_signal : ndarray of shape (m, m_signal), optional
        Data on the queries; required when the reference has a signal. The ``signal``
        component of a query ``q`` with neighbours ``N_k(q)`` is
        ``mean_{j ∈ N_k(q)} ‖s(q) − s(j)‖``: the mean inconsistency, over the edges of its star
        in the kNN graph, of the assignment ``s`` in the constant sheaf with stalk ℝ^m
        (:func:`tdasheaf.cohomology.vertex_inconsistencies` with ``reduce="mean"`` on that
        star) — data that do not glue with the neighbours' data.

    Returns
    -------
    dict
        Name (:data:`COMPONENTS`, and ``"signal"`` when the reference has a signal) → ndarray
        of shape (m, len(reference.sizes)).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.c_[rng.uniform(size=(300, 2)), 0.01 * rng.normal(size=300)]
    >>> ref, _ = fit_local_reference(X, [15])
    >>> comp = local_score_components(ref, np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.1]]))
    >>> bool(comp["residual"][1, 0] > 5 * comp["residual"][0, 0])   # 0.1 above the sheet
    True
    """
    Q = np.ascontiguousarray(queries, dtype=np.float64)
    m = len(Q)
    sizes = reference.sizes
    names = COMPONENTS if reference.signal is None else (*COMPONENTS, "signal")
    out = {name: np.zeros((m, len(sizes))) for name in names}
    if reference.signal is not None:
        if query_signal is None:
            raise ValueError("the reference carries a signal: pass query_signal.")
        S_q = _signal_array(query_signal, m)
        if S_q.shape[1] != reference.signal.shape[1]:
            raise ValueError(
                f"query_signal has {S_q.shape[1]} column(s), the reference signal "
                f"{reference.signal.shape[1]}."
            )
    if m == 0:
        return out
    n = len(reference.X)
    out["h0_bulk"][:] = _bulk_distance(reference, Q, self_index)[:, None]
    out["isolation"][:] = isolation_scores(
        reference.X, reference.weights, Q, random_state=reference.random_state
    )[:, None]
    out["tail"][:] = marginal_tail_scores(reference.X, reference.weights, Q)[:, None]
    dist_all, N_all = _neighbours(reference.X, reference.tree, Q, sizes[-1], self_index)
    # queries in blocks: a block's star triangles (up to k(k-1)/2 per query, each with d × d
    # holonomy products) stay within a fixed working set; every score is per query, so the
    # blocks give the same numbers as one pass
    block = query_block_size(sizes, reference.dim)
    for start in range(0, m, block):
        rows = slice(start, min(m, start + block))
        _score_block(reference, Q[rows], N_all[rows], dist_all[rows], out, rows, n)
        if reference.signal is not None:
            for s, k in enumerate(sizes):
                gaps = S_q[rows, None, :] - reference.signal[N_all[rows, :k]]
                star = np.repeat(np.arange(gaps.shape[0]), k)  # the edges q–j of each star
                out["signal"][rows, s] = incident_reduce(
                    star, np.linalg.norm(gaps, axis=2).ravel(), gaps.shape[0], "mean"
                )
    return out
