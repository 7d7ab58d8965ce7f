"""Nearest neighbours with one rule for a point's own row and for duplicate points.

The rule (every k-NN graph of the library follows it): the ``k`` nearest neighbours of a point
are the ``k`` *other* rows nearest to it. Its own row is never among them, wherever a search
structure would have listed it; duplicates of it (other rows at distance 0) count like any other
row; among equal distances the smaller row index comes first. Distances are Euclidean lengths
measured from the coordinates (:func:`~tdasheaf.geometry.pair_lengths`), so ties are
exact ties and the answer does not depend on the search structure.

Search: a k-d tree (:class:`scipy.spatial.cKDTree`) in up to 16 dimensions; above, where k-d
trees degenerate to brute force, and wherever the candidates are an eighth of the cloud or more
(a 300-point cloud's 60 nearest: the tree visits most of it anyway, 1.7× slower), blocks of rows
against all points (BLAS Gram products of the centred cloud, within ``memory_budget``) proposing
candidates. Either proposes a few more
candidates than needed and a lower bound on the distance of every other point; rows where that
bound does not separate the ``k``-th neighbour from the rest (ties at the boundary) are settled
exactly against every point within the boundary distance.
"""

from __future__ import annotations

import numpy as np

from tdasheaf.geometry._edges import _block_rows, pair_lengths

__all__ = ["kneighbors", "knn_distances", "neighbourhood_radius"]

#: Largest dimension searched with a k-d tree.
_TREE_MAX_DIM = 16
#: The Gram search also runs in low dimension when ``_GRAM_FRACTION`` × the candidates reach the
#: number of points.
_GRAM_FRACTION = 8
#: Extra candidates proposed by the Gram filter (absorbs its rounding).
_GRAM_SLACK = 8
#: Relative tolerance between two computations of one length (tree or Gram vs exact).
_RTOL = 1e-9


def _points(X, what: str = "X") -> np.ndarray:
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError(
            f"{what} must be a finite 2-D array (n_points, n_features), got {X.shape}."
        )
    return X


def _select(X, Q, rows, cand, excl, k: int):
    """Exact lengths of the candidates, the excluded row dropped, sorted by (length, index)."""
    d = pair_lengths(Q, np.repeat(rows, cand.shape[1]), cand.ravel(), X).reshape(cand.shape)
    if excl is not None:
        d[cand == excl[rows, None]] = np.inf
    order = np.lexsort((cand, d), axis=-1)[:, :k]
    return np.take_along_axis(d, order, axis=1), np.take_along_axis(cand, order, axis=1)


def _tree_candidates(tree, Q, c: int, n: int):
    """The ``c`` nearest rows by the tree, and a lower bound on the distance of all others."""
    dist, idx = tree.query(Q, k=c)
    idx = np.asarray(idx, dtype=np.int64).reshape(len(Q), c)
    if c >= n:
        return idx, np.full(len(Q), np.inf)
    bound = np.asarray(dist, dtype=np.float64).reshape(len(Q), c)[:, -1]
    return idx, bound * (1.0 - _RTOL)


def _gram_candidates(Xc, Qc, sqX, sqQ, c: int, start: int, stop: int):
    """Gram-filtered candidates of query rows start:stop, and a lower bound for the others."""
    n = len(Xc)
    if c >= n:
        m = stop - start
        return np.broadcast_to(np.arange(n), (m, n)).copy(), np.full(m, np.inf)
    G = Qc[start:stop] @ Xc.T
    G *= -2.0
    G += sqQ[start:stop, None]
    G += sqX[None, :]
    part = np.argpartition(G, c, axis=1)
    rest = np.take_along_axis(G, part[:, c : c + 1], axis=1)[:, 0]
    err = 1e-12 * (sqQ[start:stop] + sqX.max())
    return np.ascontiguousarray(part[:, :c]), np.sqrt(np.maximum(rest - err, 0.0))


def kneighbors(
    X,
    n_neighbors: int,
    *,
    query=None,
    exclude=None,
    tree=None,
    memory_budget: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_neighbors`` nearest other rows of every point, with one rule for self and ties.

    A point's ``k`` nearest neighbours are the ``k`` other rows nearest to it: its own row is
    never among them, duplicates of it (other rows at distance 0) count like any other row, and
    among equal distances the smaller row index comes first. The answer is exact (not
    approximate) and does not depend on the search structure.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The points searched (cast to float64; float32 input gives the float64 answer).
    n_neighbors : int
        ``k``; between 0 and ``n_points - 1`` (at most ``n_points`` for queries without
        exclusion). Larger raises ``ValueError``: callers that clamp say so.
    query : array-like of shape (n_queries, n_features), optional
        Search the neighbours of these points instead of the rows of ``X`` (then no row is
        excluded unless ``exclude`` says so).
    exclude : array-like of int of shape (n_queries,), optional
        With ``query``: the row of ``X`` that each query is (excluded from its own
        neighbours), ``-1`` for none.
    tree : scipy.spatial.cKDTree, optional
        A k-d tree of ``X`` to reuse (used in up to 16 dimensions).
    memory_budget : int, optional
        Bytes of one block of the brute-force search (above 16 dimensions); at most 64 MiB.

    Returns
    -------
    distances : ndarray of shape (n_queries, k)
        Euclidean distances, increasing along each row.
    indices : ndarray of int64 of shape (n_queries, k)

    Examples
    --------
    >>> X = np.array([[0.0], [0.0], [1.0], [3.0]])   # rows 0 and 1 coincide
    >>> d, i = kneighbors(X, 2)
    >>> i.tolist()
    [[1, 2], [0, 2], [0, 1], [2, 0]]
    >>> d[3].tolist()
    [2.0, 3.0]
    >>> kneighbors(X, 1, query=[[0.9]])[1].tolist()
    [[2]]
    """
    X = _points(X)
    n, D = X.shape
    if query is None:
        Q, excl = X, np.arange(n, dtype=np.int64)
    else:
        Q = _points(query, "query")
        if Q.shape[1] != D:
            raise ValueError(f"query has {Q.shape[1]} features, X has {D}.")
        excl = None
        if exclude is not None:
            excl = np.asarray(exclude, dtype=np.int64).reshape(-1)
            if len(excl) != len(Q) or (excl.size and (excl.min() < -1 or excl.max() >= n)):
                raise ValueError(
                    f"exclude must hold one row of X (or -1) per query, got shape {excl.shape}."
                )
    available = n - (1 if excl is not None and (excl >= 0).any() else 0)
    if isinstance(n_neighbors, bool) or int(n_neighbors) != n_neighbors or not (
        0 <= n_neighbors <= available
    ):
        raise ValueError(
            f"n_neighbors must be an integer between 0 and {available} (the number of other "
            f"points), got {n_neighbors!r}."
        )
    k = int(n_neighbors)
    m = len(Q)
    dist = np.empty((m, k))
    index = np.empty((m, k), dtype=np.int64)
    if k == 0 or m == 0:
        return dist, index
    c = min(n, k + (1 if excl is not None else 0) + 1)  # one more than needed: a bound
    bound = np.empty(m)
    use_tree = D <= _TREE_MAX_DIM and (tree is not None or _GRAM_FRACTION * c < n)
    if use_tree:
        from scipy.spatial import cKDTree

        tree = cKDTree(X) if tree is None else tree
        step = max(1, (16 * 2**20) // (16 * c))
        for s in range(0, m, step):
            rows = np.arange(s, min(m, s + step))
            cand, bound[rows] = _tree_candidates(tree, Q[rows], c, n)
            dist[rows], index[rows] = _select(X, Q, rows, cand, excl, k)
    else:
        mu = X.mean(axis=0)
        Xc = X - mu
        Qc = Xc if query is None else Q - mu
        sqX = np.einsum("ij,ij->i", Xc, Xc)
        sqQ = sqX if query is None else np.einsum("ij,ij->i", Qc, Qc)
        c = min(n, c + _GRAM_SLACK)
        step = _block_rows(n, memory_budget, 8.0 * n)
        for s in range(0, m, step):
            rows = np.arange(s, min(m, s + step))
            cand, bound[rows] = _gram_candidates(Xc, Qc, sqX, sqQ, c, s, rows[-1] + 1)
            dist[rows], index[rows] = _select(X, Q, rows, cand, excl, k)
    # rows whose k-th neighbour is not separated from the unseen points: settle them exactly
    kth = dist[:, k - 1]
    unsettled = np.flatnonzero(bound <= kth * (1.0 + _RTOL))
    if len(unsettled):
        _settle(X, Q, unsettled, kth, excl, k, tree if use_tree else None, dist, index)
    return dist, index


def _settle(X, Q, rows, kth, excl, k, tree, dist, index) -> None:
    """Exact neighbours of the given rows among all points within (1 + 2 rtol) × k-th distance."""
    n = len(X)
    if tree is not None:
        balls = tree.query_ball_point(Q[rows], r=kth[rows] * (1.0 + 2 * _RTOL))
    for pos, r in enumerate(rows.tolist()):
        if tree is not None:
            cand = np.asarray(balls[pos], dtype=np.int64)
        else:
            cand = np.arange(n, dtype=np.int64)
        d, i = _select(X, Q, np.array([r]), cand[None, :], excl, k)
        dist[r], index[r] = d[0], i[0]


def knn_distances(X, k: int, *, memory_budget: int | None = None):
    """Distances to the ``k`` nearest points of every point, the point itself first.

    ``(n, k)`` arrays ``(distances, indices)``: column 0 is the point itself (distance 0), the
    other ``k − 1`` columns are its :func:`kneighbors` (own row excluded, duplicates counted,
    ties by smaller index). This is the layout of ``cKDTree.query(X, k)``, except that the point
    itself always comes first (a tree may list a duplicate first). ``k`` is clamped to
    ``n_points``.

    Examples
    --------
    >>> d, i = knn_distances(np.array([[0.0], [1.0], [3.0]]), 2)
    >>> d.tolist(), i.tolist()
    ([[0.0, 1.0], [0.0, 1.0], [0.0, 2.0]], [[0, 1], [1, 0], [2, 1]])
    """
    X = _points(X)
    n = len(X)
    k = int(min(k, n))
    if k < 1:
        return np.empty((n, 0)), np.empty((n, 0), dtype=np.int64)
    d, i = kneighbors(X, k - 1, memory_budget=memory_budget)
    return np.hstack([np.zeros((n, 1)), d]), np.hstack([np.arange(n)[:, None], i])


def neighbourhood_radius(X, k: int) -> float:
    """Median over the points of the distance to their ``k``-th nearest point, self included.

    That is the median distance to the ``(k − 1)``-th nearest *other* point (:func:`kneighbors`;
    ``k`` is clamped to ``n_points``): the radius of a typical ``k``-point neighbourhood, the
    scale unit of :class:`~tdasheaf.SheafFeatures`.

    Raises
    ------
    ValueError
        When the radius is 0 (at least half of the points coincide with their ``k − 1``
        nearest neighbours).

    Examples
    --------
    >>> neighbourhood_radius(np.array([[0.0], [1.0], [3.0], [4.0]]), 2)
    1.0
    """
    X = _points(X)
    kk = min(int(k), len(X))
    r = float(np.median(kneighbors(X, kk - 1)[0][:, -1])) if kk > 1 else 0.0
    if not r > 0:
        raise ValueError(
            "the neighbourhood radius is 0: at least half of the points coincide with their "
            f"{k - 1} nearest neighbours (repeated points); remove duplicates, e.g. "
            "np.unique(X, axis=0)."
        )
    return r
