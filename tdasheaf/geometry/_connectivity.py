"""Single linkage: Euclidean minimum spanning trees, the connectivity scale, join times.

In the Vietoris–Rips filtration of a cloud the H⁰ classes (connected components) merge along
the edges of the Euclidean minimum spanning tree (MST), in order of length: the MST *is* the
H⁰ barcode (each edge kills one bar at its length) and single-linkage clustering. The longest
MST edge is the smallest Rips scale at which the cloud is connected.

One implementation: Prim's algorithm over the complete graph with the distances computed on the
fly (numba, O(n²·D) time, O(n) memory beyond the cloud — no distance matrix); the weights
reported are the exact lengths of the geometry layer. Graphs given as edge lists (a Rips or
alpha 1-skeleton) use Kruskal's algorithm with a union-find (:func:`minimum_spanning_forest`).
"""

from __future__ import annotations

import numba
import numpy as np

from tdasheaf.geometry._edges import pair_lengths

__all__ = [
    "component_join_times",
    "connectivity_scale",
    "minimum_spanning_forest",
    "minimum_spanning_tree",
]


@numba.njit(cache=True)
def _prim(X):
    """Prim's MST of the complete Euclidean graph; ties → the lowest vertex index."""
    n, D = X.shape
    in_tree = np.zeros(n, dtype=np.bool_)
    best = np.full(n, np.inf)
    parent = np.full(n, -1, dtype=np.int64)
    u_out = np.empty(max(n - 1, 0), dtype=np.int64)
    v_out = np.empty(max(n - 1, 0), dtype=np.int64)
    if n == 0:
        return u_out, v_out
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
            e += 1
        for v in range(n):
            if not in_tree[v]:
                s = 0.0
                for c in range(D):
                    diff = X[u, c] - X[v, c]
                    s += diff * diff
                if s < best[v]:
                    best[v] = s
                    parent[v] = u
    return u_out, v_out


@numba.njit(cache=True)
def _find(parent, a):
    root = a
    while parent[root] != root:
        root = parent[root]
    while parent[a] != root:
        nxt = parent[a]
        parent[a] = root
        a = nxt
    return root


@numba.njit(cache=True)
def _kruskal(n, u, v):
    """Rows of the (already sorted) edges that join two components."""
    parent = np.arange(n)
    keep = np.zeros(len(u), dtype=np.bool_)
    for e in range(len(u)):
        ra = _find(parent, u[e])
        rb = _find(parent, v[e])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
            keep[e] = True
    return keep


@numba.njit(cache=True)
def _join_times(n, u, v, w, m, mass):
    """Length of the merge after which each vertex's component first has mass ``m``."""
    parent = np.arange(n)
    size = mass.copy()
    nxt = np.full(n, -1, dtype=np.int64)  # members of a component: a list from its root
    tail = np.arange(n)
    t = np.full(n, np.inf)
    for e in range(len(u)):
        ra = _find(parent, u[e])
        rb = _find(parent, v[e])
        if ra == rb:
            continue
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        new = size[ra] + size[rb]
        if new >= m:
            for r in (ra, rb):
                if size[r] < m:
                    a = r
                    while a >= 0:
                        t[a] = w[e]
                        a = nxt[a]
        nxt[tail[ra]] = rb
        tail[ra] = tail[rb]
        parent[rb] = ra
        size[ra] = new
    return t


def _sorted_edges(u, v, w):
    order = np.lexsort((v, u, w))
    return u[order], v[order], w[order]


def minimum_spanning_tree(X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact Euclidean minimum spanning tree of a cloud (the complete graph's).

    Prim's algorithm with distances computed on the fly: ``O(n²·D)`` time, ``O(n)`` memory
    beyond ``X`` (no distance matrix, whatever ``n``). Duplicate points are joined by edges of
    length 0.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)

    Returns
    -------
    u, v : ndarray of int64 of shape (n_points - 1,)
        Endpoints of the tree's edges.
    w : ndarray of shape (n_points - 1,)
        Their Euclidean lengths; the edges are sorted by ``(w, u, v)`` (the merge order of
        single linkage, the deaths of the H⁰ bars of the Rips filtration).

    Examples
    --------
    >>> u, v, w = minimum_spanning_tree(np.array([[0.0], [1.0], [3.0], [3.0]]))
    >>> u.tolist(), v.tolist(), w.tolist()
    ([2, 0, 1], [3, 1, 2], [0.0, 1.0, 2.0])
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError(f"X must be a finite 2-D array (n_points, n_features), got {X.shape}.")
    u, v = _prim(X)
    return _sorted_edges(u, v, pair_lengths(X, u, v))


def minimum_spanning_forest(
    n_vertices: int, i, j, w
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum spanning forest of a weighted graph given as an edge list (Kruskal).

    Parameters
    ----------
    n_vertices : int
        Vertices are ``0 .. n_vertices - 1``.
    i, j : array-like of int
        Endpoints of the edges.
    w : array-like of float
        Their weights (zero weights are ordinary edges).

    Returns
    -------
    u, v, w : ndarray
        The forest's edges sorted by ``(w, u, v)``; ``n_vertices − (number of components)`` of
        them, so the graph is connected exactly when there are ``n_vertices − 1``.

    Examples
    --------
    >>> u, v, w = minimum_spanning_forest(4, [0, 1, 0, 2], [1, 2, 2, 3], [1.0, 1.0, 1.0, 5.0])
    >>> u.tolist(), v.tolist(), w.tolist()
    ([0, 0, 2], [1, 2, 3], [1.0, 1.0, 5.0])
    """
    i = np.asarray(i, dtype=np.int64).reshape(-1)
    j = np.asarray(j, dtype=np.int64).reshape(-1)
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if not len(i) == len(j) == len(w):
        raise ValueError("i, j and w must have the same length.")
    if len(i) and (min(i.min(), j.min()) < 0 or max(i.max(), j.max()) >= n_vertices):
        raise ValueError(f"edge endpoints must lie in [0, {n_vertices}).")
    u, v, w = _sorted_edges(np.minimum(i, j), np.maximum(i, j), w)
    keep = _kruskal(int(n_vertices), u, v)
    return u[keep], v[keep], w[keep]


def connectivity_scale(X) -> float:
    """The smallest Rips scale at which the cloud is connected: the longest MST edge.

    Equivalently the death of the last finite H⁰ bar of the Vietoris–Rips filtration (diameter
    convention), or the height of the last single-linkage merge; 0 for fewer than two points.

    Examples
    --------
    >>> connectivity_scale(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 3.0]]))
    3.0
    """
    _, _, w = minimum_spanning_tree(X)
    return float(w.max()) if len(w) else 0.0


def component_join_times(X, sizes, *, weights=None) -> np.ndarray:
    """For every point and size ``m``, the Rips scale at which its component first has ``m`` points.

    Components of the Rips filtration merge along the Euclidean minimum spanning tree in order
    of length (single linkage, the elder rule of the H⁰ pairing). Point ``i`` gets ``t_m(i)``:
    the length of the merge after which its component first holds at least ``m`` points (0 for
    ``m = 1``). With ``weights`` (multiplicities: a point standing for several identical rows)
    a component's size is the sum of its points' weights, and ``t_m(i)`` is 0 where ``i``'s own
    weight is already at least ``m``.

    Parameters
    ----------
    X : ndarray of shape (n, D)
    sizes : sequence of int (of float with ``weights``)
        Component sizes ``m`` (each between 1 and ``n``; with weights, positive and at most
        their sum).
    weights : ndarray of shape (n,), optional
        Positive multiplicities; ``None``: every point counts 1.

    Returns
    -------
    ndarray of shape (n, len(sizes))

    Examples
    --------
    Two pairs 1 apart, 10 apart from each other:

    >>> component_join_times(np.array([[0.0], [1.0], [11.0], [12.0]]), [1, 2, 3])
    array([[ 0.,  1., 10.],
           [ 0.,  1., 10.],
           [ 0.,  1., 10.],
           [ 0.,  1., 10.]])
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = len(X)
    if weights is None:
        mass = np.ones(n)
        sizes = [int(m) for m in sizes]
        if any(not 1 <= m <= n for m in sizes):
            raise ValueError(f"sizes must be between 1 and n={n}, got {sizes}.")
    else:
        mass = np.ascontiguousarray(weights, dtype=np.float64).reshape(-1)
        if len(mass) != n or not np.all(mass > 0) or not np.all(np.isfinite(mass)):
            raise ValueError(f"weights must be {n} positive finite numbers.")
        sizes = [float(m) for m in sizes]
        if any(not 0 < m <= mass.sum() * (1 + 1e-12) for m in sizes):
            raise ValueError(f"sizes must lie in (0, {mass.sum()}], got {sizes}.")
    u, v, w = minimum_spanning_tree(X)
    out = np.zeros((n, len(sizes)))
    for c, m in enumerate(sizes):
        if m > mass.min():
            t = _join_times(n, u, v, w, m * (1 - 1e-12), mass)
            out[:, c] = np.where(mass >= m, 0.0, t)
    return out
