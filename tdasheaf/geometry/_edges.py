"""Radius (Rips) edges of a point cloud, built blockwise within a memory budget.

No ``n × n`` matrix is formed unless it fits: the rows are processed in blocks of at most
``min(64 MiB, memory_budget / 8)`` bytes of distances, candidates are filtered with a BLAS Gram
product and their lengths are measured again exactly from the coordinates
(:func:`pair_lengths`, the one Euclidean length of the geometry layer, bit for bit as
``pdist``).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["EDGE_BUILD_BYTES", "enclosing_radius", "pair_lengths", "radius_edges"]

#: Peak bytes per edge while a Rips graph is built and ordered (edge lists, the value ranks,
#: lexicographic and filtration orders, boundaries, upper adjacency): measured ≈ 150–200.
EDGE_BUILD_BYTES = 200
#: Largest block of a blockwise distance computation (bytes), whatever the budget.
_BLOCK_BYTES = 64 * 2**20
#: Largest condensed distance matrix (with its index arrays) built at once by :func:`_edges`.
_DENSE_BYTES = 256 * 2**20


def _block_rows(n: int, budget: int | None, per_row: float) -> int:
    """Rows per block so that one block of distances takes at most min(64 MiB, budget / 8)."""
    cap = _BLOCK_BYTES if budget is None else min(_BLOCK_BYTES, max(budget // 8, 2**16))
    return max(1, int(cap // max(per_row, 1.0)))


@numba.njit(cache=True)
def _lengths_kernel(X, Y, i, j, out):
    for t in range(len(i)):
        a = i[t]
        b = j[t]
        s = 0.0
        for c in range(X.shape[1]):  # in order, as pdist: no reassociation without fastmath
            d = X[a, c] - Y[b, c]
            s += d * d
        out[t] = np.sqrt(s)


def pair_lengths(X, i, j, Y=None) -> np.ndarray:
    """Euclidean lengths ``‖X[i] − Y[j]‖`` (``Y = X`` by default), bit for bit as ``pdist``.

    The one length of the geometry layer: the squared differences are summed coordinate by
    coordinate, in order, as :func:`scipy.spatial.distance.pdist` and ``cdist`` do (numpy's
    pairwise ``sum`` rounds differently from 8 coordinates on), so that every function here,
    the dense and the blockwise Rips graphs, gudhi and ripser see the same float64 values.

    Parameters
    ----------
    X : array-like of shape (n, D)
    i, j : array-like of int
        Rows of ``X`` and of ``Y``, one pair per entry.
    Y : array-like of shape (m, D), optional

    Returns
    -------
    ndarray of shape (len(i),)

    Examples
    --------
    >>> from scipy.spatial.distance import pdist
    >>> X = np.random.default_rng(0).standard_normal((30, 12))
    >>> i, j = np.triu_indices(30, 1)
    >>> bool((pair_lengths(X, i, j) == pdist(X)).all())
    True
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = X if Y is None else np.ascontiguousarray(Y, dtype=np.float64)
    i = np.ascontiguousarray(i, dtype=np.int64).reshape(-1)
    j = np.ascontiguousarray(j, dtype=np.int64).reshape(-1)
    out = np.empty(len(i))
    if len(i):
        _lengths_kernel(X, Y, i, j, out)
    return out


def _distance_block(X, start: int, stop: int, metric: str, sqnorm=None):
    """Distances (or Euclidean upper bounds on candidates) from rows start:stop to rows start:."""
    if metric == "precomputed":
        return np.asarray(X[start:stop, start:], dtype=np.float64)
    if metric == "euclidean":
        # Gram trick (BLAS): only a filter; kept pairs are recomputed exactly
        G = X[start:stop] @ X[start:].T
        G *= -2.0
        G += sqnorm[start:stop, None]
        G += sqnorm[None, start:]
        np.maximum(G, 0.0, out=G)
        return G
    from scipy.spatial.distance import cdist

    return cdist(X[start:stop], X[start:], metric=metric)


def enclosing_radius(X, metric="euclidean", *, memory_budget: int | None = None):
    """The enclosing radius ``min_a max_j d(a, j)`` of a cloud, and a vertex ``a`` attaining it.

    At this scale the Rips graph has a vertex ``a`` adjacent to every other vertex, so from there
    on the Rips complex is a cone on ``a``: contractible, with one H₀ class and nothing in higher
    degrees. Every bar of the constant-coefficient Rips barcode ends at or before it (ripser's
    threshold for the full filtration), so edges longer than it can be left out.

    The apex is found with fast (BLAS) distances, blockwise within ``memory_budget`` bytes;
    the radius returned is its exact eccentricity, computed as :func:`radius_edges` and
    :func:`pair_lengths` compute lengths, so the cone property holds for the lengths the
    engines see.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features) or (n_points, n_points)
        Points, or a distance matrix with ``metric="precomputed"``.
    metric : str or callable, default="euclidean"
    memory_budget : int, optional

    Returns
    -------
    radius : float
    apex : int

    Examples
    --------
    >>> enclosing_radius(np.array([[0.0], [1.0], [3.0]]))
    (2.0, 1)
    """
    X = np.asarray(X, dtype=np.float64)
    n = len(X)
    if n == 0:
        raise ValueError("the enclosing radius of an empty cloud is undefined.")
    if n == 1:
        return 0.0, 0
    if isinstance(metric, str) and metric == "precomputed":
        ecc = X.max(axis=1)
        apex = int(np.argmin(ecc))
        return float(ecc[apex]), apex
    euclidean = isinstance(metric, str) and metric == "euclidean"
    block = _block_rows(n, memory_budget, 8.0 * n)
    ecc = np.empty(n)
    if euclidean:
        sqnorm = np.einsum("ij,ij->i", X, X)
        for start in range(0, n, block):
            stop = min(start + block, n)
            G = X[start:stop] @ X.T
            G *= -2.0
            G += sqnorm[start:stop, None]
            G += sqnorm[None, :]
            ecc[start:stop] = G.max(axis=1)
    else:
        from scipy.spatial.distance import cdist

        for start in range(0, n, block):
            stop = min(start + block, n)
            ecc[start:stop] = cdist(X[start:stop], X, metric=metric).max(axis=1)
    apex = int(np.argmin(ecc))
    if euclidean:
        others = np.arange(n)
        radius = float(pair_lengths(X, np.full(n, apex), others).max())
    else:
        from scipy.spatial.distance import cdist

        radius = float(cdist(X[apex : apex + 1], X, metric=metric).max())
    return radius, apex


def radius_edges(
    X,
    threshold: float = np.inf,
    metric: str = "euclidean",
    *,
    memory_budget: int | None = None,
    max_edges: int | None = None,
    bytes_per_edge: float = EDGE_BUILD_BYTES,
    what: str = "the Rips graph",
):
    """Edges ``i < j`` of length ``<= threshold``, built blockwise within a memory budget.

    No ``n × n`` matrix is ever formed: rows are processed in blocks of at most
    ``min(64 MiB, memory_budget / 8)``, and the edges found so far are checked against the budget
    (at ``bytes_per_edge`` each, the cost of everything that will be built from them) *before*
    more are stored.

    With ``max_edges``, the graph is instead *fitted* to that many edges: whenever more are
    found, only the ``max_edges`` shortest are kept and the threshold is lowered to the longest
    of them (ties at the new threshold are dropped, so the result is the graph at that
    threshold, a quantile of the edge lengths). Without it, going over the budget raises
    :class:`~tdasheaf.exceptions.ComplexTooLargeError`.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features) or (n_points, n_points)
        Points (float64), or a distance matrix with ``metric="precomputed"``.
    threshold : float, default=inf
    metric : str, default="euclidean"
        ``"euclidean"``, ``"precomputed"`` or any :func:`scipy.spatial.distance.cdist` metric.
    memory_budget : int, optional
        Bytes; ``None`` means no limit on the edges (blocks stay at 64 MiB).
    max_edges : int, optional
    bytes_per_edge : float, default=EDGE_BUILD_BYTES
    what : str
        How the error message names the graph.

    Returns
    -------
    i, j : ndarray of int64
        Endpoints, ``i < j``.
    w : ndarray of float64
        Lengths (Euclidean lengths recomputed from the coordinates).
    threshold : float
        The threshold actually used (lowered when ``max_edges`` was reached).

    Examples
    --------
    >>> i, j, w, t = radius_edges(np.array([[0.0], [1.0], [3.0]]), 2.0)
    >>> i.tolist(), j.tolist(), w.tolist(), t
    ([0, 1], [1, 2], [1.0, 2.0], 2.0)
    """
    from tdasheaf.utils import over_budget

    n = len(X)
    budget = None if memory_budget is None else int(memory_budget)
    limit = np.inf
    if budget is not None:
        limit = budget / float(bytes_per_edge)
    if max_edges is not None:
        limit = min(limit, float(max_edges))
    if metric == "euclidean":
        sqnorm = np.einsum("ij,ij->i", X, X)
        scale = float(sqnorm.max()) if n else 0.0
    else:
        sqnorm, scale = None, 0.0
    rows = _block_rows(n, budget, 8.0 * n + 16.0)
    I, J, W = [], [], []
    stored = 0
    thr = float(threshold)

    def fit_to(limit_count):
        nonlocal I, J, W, stored, thr
        i = np.concatenate(I)
        j = np.concatenate(J)
        w = np.concatenate(W)
        cut = np.partition(w, int(limit_count))[int(limit_count)]
        keep = w < cut
        I, J, W = [i[keep]], [j[keep]], [w[keep]]
        stored = int(keep.sum())
        thr = float(np.nextafter(cut, -np.inf))

    for start in range(0, n, rows):
        stop = min(n, start + rows)
        B = _distance_block(X, start, stop, metric, sqnorm)
        if metric == "euclidean":
            bound = thr * thr * (1 + 1e-9) + 1e-12 * scale if np.isfinite(thr) else np.inf
            mask = B <= bound
        else:
            mask = B <= thr
        # upper triangle only: column c of the block is point start + c
        mask &= np.arange(start, n)[None, :] > np.arange(start, stop)[:, None]
        r, c = np.nonzero(mask)
        del mask
        i = (r + start).astype(np.int64)
        j = (c + start).astype(np.int64)
        if metric == "euclidean":
            del B
            w = pair_lengths(X, i, j)
            keep = w <= thr
            i, j, w = i[keep], j[keep], w[keep]
        else:
            w = np.asarray(B[r, c], dtype=np.float64)
            del B
        I.append(i)
        J.append(j)
        W.append(w)
        stored += len(i)
        if stored > limit:
            if max_edges is None:
                raise over_budget(
                    f"{what} ({stored:,} edges of length <= {threshold:.4g} among the first "
                    f"{stop:,} of {n:,} points, at {bytes_per_edge:.0f} bytes per edge)",
                    stored * bytes_per_edge,
                    budget,
                    "Lower max_edge_length, subsample with n_landmarks",
                )
            fit_to(int(limit))
    if not I:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), thr
    i, j, w = np.concatenate(I), np.concatenate(J), np.concatenate(W)
    return i, j, w, thr


def _edges(
    X,
    threshold: float,
    metric: str,
    memory_budget: int | None = None,
    bytes_per_edge: float = EDGE_BUILD_BYTES,
):
    """Edges (i < j) with distance <= threshold, and their lengths, within the memory budget.

    The budget decides the path: when the condensed matrix and its index arrays (~40 bytes per
    pair) fit in ``min(256 MiB, memory_budget / 4)`` they are built at once with ``pdist``;
    otherwise :func:`radius_edges` (blockwise, the budget checked as edges are found). Over the
    budget raises ``ComplexTooLargeError``. The Rips complexes of :mod:`tdasheaf.complexes`
    are built on these edges.
    """
    n = len(X)
    dense_bytes = 40.0 * n * (n - 1) / 2
    budget = memory_budget
    small = dense_bytes <= min(_DENSE_BYTES, (budget if budget is not None else 2**62) / 4)
    if not small:
        i, j, w, _ = radius_edges(
            X, threshold, metric, memory_budget=budget, bytes_per_edge=bytes_per_edge
        )
        return i, j, w
    if metric == "precomputed":
        iu, ju = np.triu_indices(n, k=1)
        d = X[iu, ju]
        keep = d <= threshold
        return iu[keep].astype(np.int64), ju[keep].astype(np.int64), d[keep].astype(np.float64)
    from scipy.spatial.distance import pdist

    d = pdist(X, metric=metric)
    iu, ju = np.triu_indices(n, k=1)
    keep = d <= threshold
    return iu[keep].astype(np.int64), ju[keep].astype(np.int64), d[keep]
