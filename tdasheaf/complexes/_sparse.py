"""A deterministic sparse Rips filtration (Sheehy 2013), as a lazy flag filtration.

Construction
------------
Order the points by a greedy max-min (furthest point) permutation ``p_1, p_2, …`` with
insertion radii ``λ_1 = ∞ ≥ λ_2 ≥ …`` (``λ_k`` = distance from ``p_k`` to ``p_1 … p_{k-1}``).
The permutation starts at the lexicographically smallest point and breaks ties in the
furthest distance by the lexicographic order of the points, so the result depends on the
*set* of points only (relabelled with the rows), never on a random draw.

With ``ε = sparse`` and diameter scale ``t`` (a Rips edge appears at its length), every point
carries the weight ``w_p(t) = min(max(0, t/2 − λ_p/ε), εt/2)`` and "dies" at
``t_p = 2λ_p / (ε(1 − ε))`` (never for ``ε ≥ 1``). The *relaxed* distance is
``d̂_t(p, q) = d(p, q) + w_p(t) + w_q(t)`` and the relaxed Rips filtration ``R̂`` has the edge
``pq`` from ``e(p, q) = min{t : d̂_t(p, q) ≤ t}`` on (``d̂_t − t`` is non-increasing). The sparse
graph keeps the edges with ``e(p, q) ≤ min(t_p, t_q)``; for ``p`` before ``q``, ``d = d(p, q)``:

* ``e = d`` when ``dε ≤ 2λ_q``;
* ``e = 2(d − λ_q/ε)`` when ``dε ≤ λ_p + λ_q`` and (``ε ≥ 1`` or ``dε ≤ λ_q(1 + 1/(1 − ε))``);
* no edge otherwise.

This is the graph of gudhi's ``RipsComplex(sparse=ε)`` (Cavanna–Jahanseir–Sheehy's
parameterisation, same ``ε``). gudhi then expands it with *blockers* (a simplex is dropped when
one of its vertices died before it was born); we take the plain clique complex, a
:class:`FlagFiltration`, and it has exactly the persistence of ``R̂``:

*Why.* At scale ``T`` let ``Q_T`` be ``R̂_T`` restricted to the living points (``t_v ≥ T``),
and ``K_T`` our flag complex. Then ``Q_T ⊆ K_T ⊆ R̂_T``. A point ``v`` dead at ``T`` is
dominated — in ``R̂_T`` and in ``K_T`` (there at its death time, and its edges are frozen
after it) — by its nearest point ``u`` among ``{λ ≥ εt/2}``: those points have zero weight
at ``t``, lie within ``εt/2 = w_v(t)`` of ``v``, so ``d̂_t(u, x) ≤ d̂_t(v, x)`` for every
``x``. Removing dominated vertices (dead points by increasing death time) is a strong collapse,
so both inclusions ``Q_T ⊆ K_T`` and ``Q_T ⊆ R̂_T`` are homotopy equivalences, hence so is
``K_T ⊆ R̂_T`` at every ``T``: ``H(K) ≅ H(R̂)`` as persistence modules. Finally
``R̂_T ⊆ R_T`` (``d ≤ d̂``) and ``R_{(1−ε)T} ⊆ R̂_T`` (``w ≤ εT/2``), a multiplicative
``1/(1 − ε)`` interleaving with the Rips filtration ``R``.

Size: edges are found by k-d tree radius queries from every point ``q`` with its own radius
``λ_q(2 − ε)/(ε(1 − ε))`` against the points inserted before it — never an ``n × n`` matrix —
and a packing argument bounds the edges by ``O(n)`` (constant ``(1/ε)^O(dimension)``) in
spaces of bounded doubling dimension.

References: D. R. Sheehy, *Linear-size approximations to the Vietoris–Rips filtration*,
Discrete Comput. Geom. 49 (2013); N. J. Cavanna, M. Jahanseir, D. R. Sheehy, *A geometric
perspective on sparse filtrations*, CCCG 2015.
"""

from __future__ import annotations

# first: routes the numba cache of the kernels below (tdasheaf/_numba_cache.py)
import tdasheaf._numba_cache  # noqa: F401  # isort: skip
import itertools
import numbers

import numba
import numpy as np

from tdasheaf.complexes._filtered import _VERIFIED_FLAG, FilteredComplex, filtration_order
from tdasheaf.complexes._flag_filtration import FlagFiltration
from tdasheaf.geometry import EDGE_BUILD_BYTES, pair_lengths
from tdasheaf.geometry._heap import sift_down, sift_up
from tdasheaf.utils import (
    check_point_cloud,
    check_positive_threshold,
    over_budget,
    resolve_memory_budget,
)

__all__ = ["sparse_flag_filtration", "sparse_rips_complex"]

#: Radius queries answered per call (bounds the Python lists scipy returns).
_QUERY_CHUNK = 4096
#: Target number of candidate pairs per radius-query call (the lists cost ~40 bytes each).
_CANDIDATES = 1_000_000
#: Radius queries look this much further; candidates are then tested exactly.
_SLACK = 1 + 1e-9


# ----------------------------------------------------------------------------------------------
# the greedy permutation (k-d tree, no n × n matrix)
# ----------------------------------------------------------------------------------------------


def _lex_rank(X: np.ndarray) -> np.ndarray:
    """Rank of every row in the lexicographic order of the rows (stable: ties by index)."""
    order = np.lexsort(X.T[::-1]) if X.shape[1] else np.arange(len(X))
    rank = np.empty(len(X), dtype=np.int64)
    rank[order] = np.arange(len(X))
    return rank


@numba.njit(cache=True)
def _push(hk, hr, hi, size, key, rank, idx):
    """Push onto the heap: larger distance first, then smaller lexicographic rank (the
    library's one heap, :mod:`tdasheaf.geometry._heap`, on ``(−distance, rank)``)."""
    hk[size] = -key
    hr[size] = rank
    hi[size] = idx
    sift_up(hk, hr, hi, size)
    return size + 1


@numba.njit(cache=True)
def _pop_next(hk, hr, hi, size, dist, chosen):
    """Pop until a live entry (not chosen, distance current); return (point or -1, new size)."""
    while size > 0:
        key = -hk[0]
        i = hi[0]
        size -= 1
        if size > 0:
            hk[0] = hk[size]
            hr[0] = hr[size]
            hi[0] = hi[size]
            sift_down(hk, hr, hi, size, 0)
        if not chosen[i] and key == dist[i]:
            return i, size
    return -1, size


@numba.njit(cache=True)
def _relax(X, i, idx, dist, chosen, rank, hk, hr, hi, size):
    """Lower ``dist`` of the points ``idx`` to their distance from ``X[i]`` and push them."""
    for t in range(len(idx)):
        a = idx[t]
        if chosen[a]:
            continue
        s = 0.0
        for c in range(X.shape[1]):  # in order, as pdist
            d = X[a, c] - X[i, c]
            s += d * d
        d = np.sqrt(s)
        if d < dist[a]:
            dist[a] = d
            size = _push(hk, hr, hi, size, d, rank[a], a)
    return size


def _greedy_order(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Greedy max-min order of the rows of ``X`` and the insertion radii (first: ``inf``).

    Starts at the lexicographically smallest row; ties in the furthest distance go to the
    lexicographically smaller row. A heap with lazy deletion (keyed on −distance) holds each
    point's distance to the chosen set; after choosing ``p`` at radius ``r`` only the points
    within ``r`` of ``p`` can get closer, and a k-d tree finds them (``O(n log n)`` ball sizes
    on low-dimensional data, no ``n × n`` matrix).
    """
    from scipy.spatial import cKDTree

    n = len(X)
    rank = _lex_rank(X)
    start = int(np.argmin(rank))
    order = np.empty(n, dtype=np.int64)
    radii = np.empty(n)
    order[0], radii[0] = start, np.inf
    if n == 1:
        return order, radii
    tree = cKDTree(X)
    dist = pair_lengths(X, np.full(n, start), np.arange(n))
    chosen = np.zeros(n, dtype=np.bool_)
    chosen[start] = True
    capacity = 2 * n
    hk, hr, hi = np.empty(capacity), np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    first = np.lexsort((rank, -dist))  # a sorted array is a heap
    first = first[first != start]
    size = n - 1
    hk[:size], hr[:size], hi[:size] = -dist[first], rank[first], first  # keys are −distance
    for k in range(1, n):
        i, size = _pop_next(hk, hr, hi, size, dist, chosen)
        chosen[i] = True
        order[k], radii[k] = i, dist[i]
        if dist[i] == 0.0:
            continue
        # (the slack covers the k-d tree rounding its distances differently from pdist)
        ball = tree.query_ball_point(X[i], dist[i] * _SLACK, return_sorted=False)
        idx = np.asarray(ball, np.int64)
        if size + len(idx) > capacity:
            capacity = 2 * (size + len(idx))
            hk, hr, hi = (np.resize(a, capacity) for a in (hk, hr, hi))
        size = _relax(X, i, idx, dist, chosen, rank, hk, hr, hi, size)
    return order, radii


# ----------------------------------------------------------------------------------------------
# the sparse graph
# ----------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _sparse_edge_values(Y, lam, p, q, eps, max_edge_length):
    """Values of the candidate pairs ``p < q`` (positions in the order), ``-1`` where no edge.

    ``Y`` holds the points in insertion order, ``lam`` their insertion radii. The tests are
    written as gudhi writes them, so that boundary cases fall the same way.
    """
    out = np.empty(len(p))
    for t in range(len(p)):
        a = p[t]
        b = q[t]
        s = 0.0
        for c in range(Y.shape[1]):  # in order, as pdist
            d = Y[a, c] - Y[b, c]
            s += d * d
        d = np.sqrt(s)
        la = lam[a]
        lb = lam[b]
        if d * eps <= 2 * lb:
            v = d
        elif d * eps <= la + lb and (eps >= 1 or d * eps <= lb * (1 + 1 / (1 - eps))):
            v = (d - lb / eps) * 2
        else:
            v = -1.0
        out[t] = v if v <= max_edge_length else -1.0
    return out


def _flatten(lists, first: int):
    """Ragged query results (one list per query, query ``k`` at position ``first + k``)."""
    lens = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=int(lens.sum()))
    q = np.repeat(np.arange(first, first + len(lists), dtype=np.int64), lens)
    return flat, q


def _levels(lam: np.ndarray, minimum: int = 256) -> list[int]:
    """Block boundaries of the insertion order (from position 1) where the radius halves.

    Every block ``[lo, hi)`` holds at least ``minimum`` positions (except the last) and, unless
    so extended, only radii above ``lam[lo] / 2``: the points before ``hi`` are then
    ``lam[lo] / 2``-separated and a ball of radius ``c·λ_q`` around a point of the block holds
    ``O((4c)^dimension)`` of them.
    """
    n = len(lam)
    neg = -lam  # non-decreasing
    bounds = [1]
    k = 1
    while k < n:
        cut = int(np.searchsorted(neg, -lam[k] / 2, side="left"))  # first with λ ≤ λ_k / 2
        cut = min(n, max(cut, k + minimum))
        bounds.append(cut)
        k = cut
    return bounds


def _sparse_edges(Y, lam, eps, max_edge_length, limit, budget, bytes_per_edge):
    """Edges (positions in the insertion order) and values of the sparse graph.

    For ``ε < 1`` the partners ``p`` of ``q`` come before it and lie within
    ``λ_q (2 − ε)/(ε(1 − ε))``: one radius query per point against the tree of the points
    inserted up to the end of its block (:func:`_levels`). For ``ε ≥ 1`` (no guarantee) a
    partner only needs ``dε ≤ λ_p + λ_q``: every block of earlier points is queried with
    radius ``(max λ of the block + λ_q)/ε``.
    """
    from scipy.spatial import cKDTree

    n = len(Y)
    P, Q, V = [], [], []
    stored = 0
    if eps < 1:
        factor = (2 - eps) / (eps * (1 - eps))
        bounds = _levels(lam)
        jobs = [(0, lo, hi, None) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    else:
        bounds = [0, *_levels(lam)]
        jobs = [(lo, max(lo, 1), n, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    for offset, first, last, block_end in jobs:
        if block_end is None:  # ε < 1: the prefix up to the end of the block
            tree = cKDTree(Y[:last])
        else:
            tree = cKDTree(Y[offset:block_end])
            top = lam[offset]  # inf for the first point: it is joined to every point
        s, chunk = first, 64  # grows with the observed candidates per query
        while s < last:
            e = min(last, s + chunk)
            if block_end is None:
                radius = np.minimum(lam[s:e] * factor, max_edge_length)
            else:
                radius = np.minimum((top + lam[s:e]) / eps, max_edge_length)
            res = tree.query_ball_point(Y[s:e], radius * _SLACK, return_sorted=False)
            p, q = _flatten(res, s)
            del res
            # keep the ragged lists scipy returns to about _CANDIDATES entries per call
            chunk = int(np.clip(_CANDIDATES * (e - s) / max(len(p), 1), 16, _QUERY_CHUNK))
            p += offset
            keep = p < q
            stored += _collect(Y, lam, p[keep], q[keep], eps, max_edge_length, P, Q, V)
            _check(stored, limit, budget, bytes_per_edge, e, n)
            s = e
    if not P:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    return np.concatenate(P), np.concatenate(Q), np.concatenate(V)


def _collect(Y, lam, p, q, eps, max_edge_length, P, Q, V) -> int:
    v = _sparse_edge_values(Y, lam, p, q, float(eps), float(max_edge_length))
    keep = v >= 0
    P.append(p[keep])
    Q.append(q[keep])
    V.append(v[keep])
    return int(keep.sum())


def _check(stored, limit, budget, bytes_per_edge, done, n):
    if stored > limit:
        raise over_budget(
            f"the sparse Rips graph ({stored:,} edges among the first {done:,} of {n:,} points "
            f"in the greedy order, at {bytes_per_edge:.0f} bytes per edge)",
            stored * bytes_per_edge,
            budget,
            "Raise sparse, lower max_edge_length",
        )


# ----------------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------------


def _edge_order(edges: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """:func:`filtration_order` of edges ``i < j`` (by value, then ``(i, j)``), as two stable
    sorts on one integer key instead of a three-key lexsort (the keys are unique, so it is
    the same permutation)."""
    if n > 2**31:
        return filtration_order(edges, values)
    key = edges[:, 0] * np.int64(n) + edges[:, 1]
    by_key = np.argsort(key, kind="stable")
    return by_key[np.argsort(values[by_key], kind="stable")]


def _check_sparse(sparse) -> float:
    if (
        isinstance(sparse, bool)
        or not isinstance(sparse, numbers.Real)
        or not np.isfinite(sparse)
        or not sparse > 0
    ):
        raise ValueError(f"sparse must be a positive number, got {sparse!r}.")
    return float(sparse)


def sparse_flag_filtration(
    X,
    sparse: float = 0.5,
    max_edge_length: float = np.inf,
    max_dimension: int = 2,
    *,
    memory_budget: int | None = None,
    bytes_per_edge: float = EDGE_BUILD_BYTES,
) -> FlagFiltration:
    """Sheehy's sparse Rips filtration of a point cloud, deterministic, as a lazy flag filtration.

    The clique complex of the sparse Rips graph of gudhi's ``RipsComplex(sparse=ε)`` (same
    ``ε = sparse``, same edges and edge values for the same greedy order), built on our own
    deterministic greedy permutation (started at the lexicographically smallest point) with
    k-d tree radius queries: about ``O(n)`` edges, never an ``n × n`` distance matrix. See
    :mod:`tdasheaf.complexes._sparse` for the construction and the proof below.

    **Guarantee** (``0 < sparse < 1``): the persistence module of this filtration (any field,
    any degree) is isomorphic to that of Sheehy's relaxed Rips filtration ``R̂``, which is
    multiplicatively ``1/(1 − sparse)``-interleaved with the Rips filtration ``R`` of ``X``
    (diameter convention): ``R_{(1−sparse)t} ⊆ R̂_t ⊆ R_t`` for every scale ``t``. Hence, in
    log scale (``log b``, ``log d``), the bottleneck distance between its diagrams and the Rips
    diagrams is at most ``−log(1 − sparse)``: matched bars have births and deaths within a
    factor ``1/(1 − sparse)`` of each other, and unmatched bars have
    ``death/birth ≤ 1/(1 − sparse)²`` (``sparse=0.5``: a factor 2, so bars with
    ``death/birth > 4`` are real; ``sparse=0.1``: 1.11). With a finite ``max_edge_length`` the
    inclusions hold for ``t ≤ max_edge_length``. ``sparse ≥ 1`` is accepted (as gudhi does)
    but carries no guarantee: points never die and only ``dε ≤ λ_p + λ_q`` bounds the edges.

    Size: ``O(n)`` edges with a constant ``(1/sparse)^O(d)`` for data of doubling dimension
    ``d`` — a few dozen edges per point on a noisy surface in ℝ³ at ``sparse=0.5``, but
    thousands per point on full-dimensional noise in ℝ¹⁰, where landmarks are the better
    reduction.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        Euclidean points.
    sparse : float, default=0.5
        The approximation parameter ``ε > 0``; smaller is closer to the Rips complex and
        larger. As ``sparse → 0`` the graph becomes the full Rips graph.
    max_edge_length : float, default=inf
        Edges whose (sparse) value exceeds this are left out.
    max_dimension : int, default=2
        Largest simplex dimension the flag filtration stands for.
    memory_budget : int, optional
        Bytes (default :func:`~tdasheaf.utils.resolve_memory_budget`); the edges are counted at
        ``bytes_per_edge`` each as they are found, and over the budget raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError`.
    bytes_per_edge : float, default=EDGE_BUILD_BYTES
        What one edge costs, for callers that build more on the graph.

    Returns
    -------
    FlagFiltration
        Vertex labels are the point indices (all points are vertices).

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> F = sparse_flag_filtration(X, sparse=0.5)
    >>> F.n_vertices, F.n_edges < 200 * 199 // 2
    (200, True)
    >>> from tdasheaf.cohomology import flag_persistence
    >>> H1 = flag_persistence(F.n_vertices, F.edges, F.values, degrees=(1,))[1]
    >>> len(H1)  # the circle
    1
    """
    X = check_point_cloud(X, min_points=1)
    eps = _check_sparse(sparse)
    max_edge_length = check_positive_threshold(max_edge_length, name="max_edge_length")
    if isinstance(max_dimension, bool) or int(max_dimension) != max_dimension or max_dimension < 0:
        raise ValueError(f"max_dimension must be a non-negative integer, got {max_dimension!r}.")
    max_dimension = int(max_dimension)
    budget = resolve_memory_budget(memory_budget)
    bytes_per_edge = max(float(bytes_per_edge), EDGE_BUILD_BYTES)
    n = len(X)
    order, lam = _greedy_order(X)
    if max_dimension >= 1 and n > 1:
        Y = np.ascontiguousarray(X[order])
        p, q, w = _sparse_edges(
            Y, lam, eps, max_edge_length, budget / bytes_per_edge, budget, bytes_per_edge
        )
        edges = np.sort(np.column_stack([order[p], order[q]]), axis=1).astype(np.int64)
    else:
        edges, w = np.empty((0, 2), np.int64), np.empty(0)
    rank = _edge_order(edges, w, n)
    return FlagFiltration(
        n,
        np.ascontiguousarray(edges[rank]),
        np.ascontiguousarray(w[rank], dtype=np.float64),
        np.arange(n, dtype=np.int64),
        max_dimension,
        _trusted=_VERIFIED_FLAG,
    )


def sparse_rips_complex(
    X, sparse: float = 0.5, max_edge_length: float = np.inf, max_dimension: int = 2
) -> FilteredComplex:
    """Sparse Rips complex (Sheehy's approximation, gudhi's ``sparse=``), deterministic.

    The explicit complex of :func:`sparse_flag_filtration` (same ``sparse``, same guarantee:
    for ``0 < sparse < 1`` it is, up to isomorphism of persistence modules, multiplicatively
    ``1/(1 − sparse)``-interleaved with the Rips filtration, so in log scale its diagrams are
    within bottleneck distance ``−log(1 − sparse)`` of the Rips diagrams).
    Its edges are gudhi's sparse Rips graph for our greedy order; unlike gudhi it keeps every
    clique of that graph (no blockers) and its persistence is exactly that of Sheehy's relaxed
    Rips filtration. The result depends only on the points, never on a random draw. Its size
    is estimated against the default memory budget before it is built
    (:class:`~tdasheaf.exceptions.ComplexTooLargeError` if over).

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(50, 2))
    >>> sparse_rips_complex(X, sparse=0.5).n_simplices[1] < 50 * 49 // 2
    True
    """
    return sparse_flag_filtration(
        X, sparse, max_edge_length, max_dimension, memory_budget=None
    ).to_complex()
