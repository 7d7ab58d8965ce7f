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
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from tdasheaf.sheaves import estimate_dimension
from tdasheaf.sheaves._local_scores import (
    _CHUNK_BYTES,
    frame_edges,
    graph_edge_keys,
    neighbourhood_pca,
    star_triangle_scores,
    star_triangles,
)

__all__ = [
    "COMPONENTS",
    "LOCAL_SCORE_COMPONENTS",
    "LocalSheafReference",
    "SCALE_FLOOR",
    "fit_local_reference",
    "h0_join_times",
    "local_reference_nbytes",
    "local_score_components",
    "robust_location_scale",
    "standardize_components",
]

#: Names of the score components, in output order.
COMPONENTS = ("residual", "dimension", "frame", "orientation", "h0_join", "holonomy")
#: The same, under the name exported by :mod:`tdasheaf.cohomology`.
LOCAL_SCORE_COMPONENTS = COMPONENTS

#: Robust scales below this are treated as zero (every component is dimensionless, and values
#: at this level are rounding, e.g. the frame residual of two identical planes is ~1e-8).
SCALE_FLOOR = 1e-6


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
    tree : scipy.spatial.cKDTree
        Nearest-neighbour index of ``X``.
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


# ----------------------------------------------------------------------------------------------
# H^0 of the constant sheaf: minimum spanning tree and join times
# ----------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _prim_mst(X):
    """Euclidean minimum spanning tree (Prim, O(n²) time, O(n) memory); ties → lowest index."""
    n, D = X.shape
    in_tree = np.zeros(n, dtype=np.bool_)
    best = np.full(n, np.inf)
    parent = np.full(n, -1, dtype=np.int64)
    u_out = np.empty(max(n - 1, 0), dtype=np.int64)
    v_out = np.empty(max(n - 1, 0), dtype=np.int64)
    w_out = np.empty(max(n - 1, 0))
    if n == 0:
        return u_out, v_out, w_out
    best[0] = 0.0
    e = 0
    for _ in range(n):
        u = -1
        bu = np.inf
        for v in range(n):
            if not in_tree[v] and (u < 0 or best[v] < bu):
                u = v
                bu = best[v]
        in_tree[u] = True
        if parent[u] >= 0:
            u_out[e] = parent[u]
            v_out[e] = u
            w_out[e] = bu
            e += 1
        for v in range(n):
            if not in_tree[v]:
                s = 0.0
                for c in range(D):
                    diff = X[u, c] - X[v, c]
                    s += diff * diff
                dist = np.sqrt(s)
                if dist < best[v]:
                    best[v] = dist
                    parent[v] = u
    return u_out, v_out, w_out


def h0_join_times(X, sizes) -> np.ndarray:
    """For every point and size ``m``, the Rips scale at which its component first has ``m`` points.

    In the Rips filtration of ``X`` the constant sheaf's H^0 classes are the connected
    components; they merge along the edges of the Euclidean minimum spanning tree in order of
    length (single linkage, the elder rule of the H^0 persistence pairing). Point ``i`` gets
    ``t_m(i)``: the length of the merge after which its component first holds at least ``m``
    points (0 for ``m = 1``).

    Parameters
    ----------
    X : ndarray of shape (n, D)
    sizes : sequence of int
        Component sizes ``m`` (each at most ``n``).

    Returns
    -------
    ndarray of shape (n, len(sizes))

    Examples
    --------
    Two pairs 1 apart, 10 apart from each other:

    >>> X = np.array([[0.0], [1.0], [11.0], [12.0]])
    >>> h0_join_times(X, [1, 2, 3])
    array([[ 0.,  1., 10.],
           [ 0.,  1., 10.],
           [ 0.,  1., 10.],
           [ 0.,  1., 10.]])
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = len(X)
    sizes = [int(m) for m in sizes]
    if any(not 1 <= m <= n for m in sizes):
        raise ValueError(f"sizes must be between 1 and n={n}, got {sizes}.")
    u, v, w = _prim_mst(X)
    order = np.lexsort((v, u, w))
    out = np.zeros((n, len(sizes)))
    for c, m in enumerate(sizes):
        if m > 1:
            out[:, c] = _join_times(n, u[order], v[order], w[order], m)
    return out


def _join_times(n: int, u, v, w, m: int) -> np.ndarray:
    parent = np.arange(n)
    size = np.ones(n, dtype=np.int64)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}  # components smaller than m
    t = np.full(n, np.inf)

    def find(a):
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    for a, b, value in zip(u.tolist(), v.tolist(), w.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        new = size[ra] + size[rb]
        if new >= m:
            for r in (ra, rb):
                if size[r] < m:
                    t[members.pop(r)] = value
            members.pop(ra, None)
        else:
            members[ra].extend(members.pop(rb))
        parent[rb] = ra
        size[ra] = new
    return t


# ----------------------------------------------------------------------------------------------
# Reference and queries
# ----------------------------------------------------------------------------------------------


def _neighbours(tree, Q, k: int, self_index):
    """The ``k`` nearest reference points of every query, the query itself excluded.

    With ``self_index=None`` (new points) a reference point at distance 0 is taken to be the
    query itself: a new point that coincides with a reference point gets exactly that point's
    leave-one-out neighbourhood.
    """
    dist, idx = tree.query(Q, k=k + 1)
    dist, idx = np.asarray(dist).reshape(len(Q), k + 1), np.asarray(idx, np.int64)
    idx = idx.reshape(len(Q), k + 1)
    if self_index is None:
        is_self = np.zeros_like(idx, dtype=bool)
        is_self[:, 0] = dist[:, 0] == 0
    else:
        is_self = idx == np.asarray(self_index)[:, None]
    # drop the query itself, or (a duplicate took its place) the farthest neighbour
    drop = np.where(is_self.any(axis=1), np.argmax(is_self, axis=1), k)
    keep = np.ones_like(is_self)
    keep[np.arange(len(Q)), drop] = False
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
    X, sizes, dim: int | None = None, *, variance_threshold: float = 0.9, signal=None
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
    tree = cKDTree(X)
    dist_all, N_all = _neighbours(tree, X, sizes[-1], np.arange(n))
    if dim is None:
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
        dim = estimate_dimension(var[ok] / total[ok], variance_threshold) if ok.any() else 1
    dim = int(max(1, min(int(dim), D, sizes[0] - 1)))
    frames, keys, maps, log_pr_med = [], [], [], []
    for k in sizes:
        N = N_all[:, :k]
        pca = neighbourhood_pca(X, N, X, dim)
        frames.append(pca.frames)
        key, edges = graph_edge_keys(N)
        keys.append(key)
        # edge maps in chunks of edges: gathering every edge's source frame at once is
        # (n·k) × D × d (1.5 GB for 4,000 points in 128 dimensions)
        step = max(1, _CHUNK_BYTES // max(1, D * dim * 8))
        maps.append(
            np.concatenate(
                [
                    frame_edges(
                        pca.frames[edges[c : c + step, 0]], pca.frames, edges[c : c + step, 1:]
                    )[0][:, 0]
                    for c in range(0, len(edges), step)
                ]
            )
            if len(edges)
            else frame_edges(pca.frames[edges[:, 0]], pca.frames, edges[:, 1:])[0][:, 0]
        )
        log_pr_med.append(float(np.median(pca.log_participation)))
    reference = LocalSheafReference(
        X=X,
        sizes=sizes,
        dim=dim,
        tree=tree,
        frames=tuple(frames),
        edge_keys=tuple(keys),
        edge_maps=tuple(maps),
        join_times=h0_join_times(X, sizes),
        radii=dist_all[:, [k - 1 for k in sizes]].copy(),
        log_participation_median=np.array(log_pr_med),
        signal=None if signal is None else _signal_array(signal, n),
    )
    return reference, local_score_components(
        reference, X, self_index=np.arange(n), query_signal=reference.signal
    )


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
    dist_all, N_all = _neighbours(reference.tree, Q, sizes[-1], self_index)
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
                out["signal"][rows, s] = np.linalg.norm(gaps, axis=2).mean(axis=1)
    return out


# ----------------------------------------------------------------------------------------------
# Standardisation
# ----------------------------------------------------------------------------------------------


def robust_location_scale(values) -> tuple[np.ndarray, np.ndarray]:
    """Median and robust upper-tail scale of every column (components are dimensionless).

    ``scale = max(1.4826·MAD, (q90 − median) / 1.2816)``: the MAD, widened where the upper tail
    is heavier than a normal one (so that every component's 90th percentile sits at z ≤ 1.28
    and no skewed component dominates the maximum over components); robust to up to 10 %
    contamination of the reference. Where both are below ``SCALE_FLOOR`` (more than 90 % of the
    values tie with the median: zero-inflated components such as the orientation conflicts of
    an orientable sample), ``1.2533·mean |x − median|`` is used; where that is below the floor
    too, the column is constant: its scale is ``inf`` and it standardises to 0 (it carries no
    information).

    Examples
    --------
    >>> V = np.c_[np.r_[1.0, np.zeros(19)], np.arange(20.0), np.full(20, 5.0)]
    >>> loc, scale = robust_location_scale(V)   # zero-inflated, spread, constant
    >>> loc, scale.round(3)
    (array([0. , 9.5, 5. ]), array([0.063, 7.413,   inf]))
    """
    V = np.asarray(values, dtype=np.float64)
    loc = np.median(V, axis=0)
    dev = np.abs(V - loc)
    scale = np.maximum(
        1.4826 * np.median(dev, axis=0), (np.percentile(V, 90, axis=0) - loc) / 1.2816
    )
    mean_dev = 1.2533 * dev.mean(axis=0)
    scale = np.where(scale > SCALE_FLOOR, scale, np.where(mean_dev > SCALE_FLOOR, mean_dev, np.inf))
    return loc, scale


def standardize_components(components: dict, location: dict, scale: dict) -> dict:
    """``(raw − location) / scale`` per component and size, then the mean over sizes.

    Returns
    -------
    dict
        Name → ndarray of shape (m,): robust z-scores (0 = typical of the reference,
        positive = more anomalous), averaged over the neighbourhood sizes.

    Examples
    --------
    >>> standardize_components({"a": np.array([[1.0, 3.0]])}, {"a": np.zeros(2)},
    ...                        {"a": np.array([1.0, 1.0])})
    {'a': array([2.])}
    """
    out = {}
    for name, raw in components.items():
        z = (np.asarray(raw, dtype=np.float64) - location[name]) / scale[name]
        out[name] = z.mean(axis=1)
    return out
