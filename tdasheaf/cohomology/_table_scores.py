"""Whole-table score components with multiplicities: isolation depth and marginal tails.

Two of :class:`~tdasheaf.SheafOutlierDetector`'s components look at the reference (training)
table as a whole rather than at a point's neighbourhood. Both take the reference as *distinct
points with weights* (a point standing for that many identical rows), and both depend on the
weights only relative to their mean, so repeating every row the same number of times changes
no score.

``isolation``
    How easily random axis-parallel cuts separate the point from the reference mass: the
    isolation forest of Liu, Ting & Zhou (ICDM 2008), written here with weighted subsampling.
    Each tree is grown on ``min(256, n)`` points drawn *with replacement* with probability
    proportional to their weights, so a row repeated 30 times is drawn often and is hard to
    isolate (its copies are never split apart: a leaf holding them is charged the expected
    path length ``c(size)`` of the copies it holds). The score of a query is the anomaly score
    ``2^(−E[h(x)] / c(ψ))`` (in ``(0, 1]``, 0.5 typical).
``tail``
    How far into the tails of the reference's marginal distributions the point lies: per
    feature, the weighted left and right empirical tail probabilities
    ``p_L = (W(≤ x) + 1) / (W + 1)`` and ``p_R = (W(≥ x) + 1) / (W + 1)`` (``W`` the total
    weight in units of the mean weight), then, as in COPOD (Li et al., ICDM 2020), the larger
    of ``−log`` of the tail the feature's skewness points to and the mean of both, averaged
    over features. Invariant to any increasing transformation of a feature (it depends on
    ranks only), so it needs no scaling.

Both are deterministic: the forest is drawn from ``numpy.random.default_rng(random_state)``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "ISOLATION_SUBSAMPLE",
    "ISOLATION_TREES",
    "SKEW_ZERO",
    "isolation_scores",
    "marginal_tail_scores",
]

#: Trees and subsample size of the isolation component (Liu et al.'s defaults).
ISOLATION_TREES = 100
ISOLATION_SUBSAMPLE = 256
#: A feature's standardised skewness ``m3 / m2^1.5`` at most this in absolute value is 0 (a
#: symmetric column's computes as ±1e-16): the tail component then uses both tails.
SKEW_ZERO = 1e-12

_EULER_GAMMA = 0.5772156649015329


def _average_path(m):
    """``c(m)``: the mean path length of an unsuccessful search in a binary tree of ``m`` items."""
    m = np.asarray(m, dtype=np.float64)
    out = np.zeros_like(m)
    big = m > 2
    out[m == 2] = 1.0
    mb = m[big]
    out[big] = 2.0 * (np.log(mb - 1.0) + _EULER_GAMMA) - 2.0 * (mb - 1.0) / mb
    return out


@njit(cache=True, nogil=True)
def _grow_tree(Xs, max_depth, u_feature, u_split, feature, threshold, left, right, size, depth):
    """Grow one isolation tree on the rows of ``Xs``; returns the number of nodes.

    Node ``v`` draws its feature from ``u_feature[v]`` (the first feature, cyclically from
    ``floor(u·D)``, that is not constant on the node) and its cut uniformly between the node's
    minimum and maximum of that feature from ``u_split[v]``. A node is a leaf (``feature = −1``,
    ``size`` = its rows) at ``max_depth``, with one row, or when its rows are identical.
    """
    m, D = Xs.shape
    order = np.arange(m)
    stack_node = np.empty(2 * m + 1, dtype=np.int64)
    stack_lo = np.empty(2 * m + 1, dtype=np.int64)
    stack_hi = np.empty(2 * m + 1, dtype=np.int64)
    top = 0
    stack_node[0], stack_lo[0], stack_hi[0] = 0, 0, m
    depth[0] = 0
    n_nodes = 1
    while top >= 0:
        v, lo, hi = stack_node[top], stack_lo[top], stack_hi[top]
        top -= 1
        size[v] = hi - lo
        feature[v] = -1
        if hi - lo <= 1 or depth[v] >= max_depth:
            continue
        start = int(u_feature[v] * D) % D
        f = -1
        fmin = 0.0
        fmax = 0.0
        for t in range(D):
            j = (start + t) % D
            a = Xs[order[lo], j]
            b = a
            for r in range(lo + 1, hi):
                x = Xs[order[r], j]
                if x < a:
                    a = x
                elif x > b:
                    b = x
            if b > a:
                f, fmin, fmax = j, a, b
                break
        if f < 0:  # identical rows: a leaf of that many copies
            continue
        cut = fmin + u_split[v] * (fmax - fmin)
        if cut >= fmax:  # keep both sides non-empty
            cut = fmin
        i, k = lo, hi - 1
        while i <= k:  # rows < cut (strictly below fmax) to the left
            if Xs[order[i], f] <= cut:
                i += 1
            else:
                order[i], order[k] = order[k], order[i]
                k -= 1
        feature[v] = f
        threshold[v] = cut
        for child, c_lo, c_hi in ((n_nodes, lo, i), (n_nodes + 1, i, hi)):
            depth[child] = depth[v] + 1
            top += 1
            stack_node[top], stack_lo[top], stack_hi[top] = child, c_lo, c_hi
        left[v], right[v] = n_nodes, n_nodes + 1
        n_nodes += 2
    return n_nodes


@njit(cache=True, nogil=True)
def _add_path_lengths(Q, feature, threshold, left, right, leaf_value, out):
    """``out[q] += depth(leaf(q)) + c(size(leaf(q)))`` (``leaf_value`` holds the sum per leaf)."""
    for q in range(Q.shape[0]):
        v = 0
        while feature[v] >= 0:
            v = left[v] if Q[q, feature[v]] <= threshold[v] else right[v]
        out[q] += leaf_value[v]


def isolation_scores(
    X,
    weights=None,
    queries=None,
    *,
    n_trees: int = ISOLATION_TREES,
    subsample: int = ISOLATION_SUBSAMPLE,
    random_state: int = 0,
) -> np.ndarray:
    """Isolation-forest anomaly scores of ``queries`` against weighted reference points.

    Parameters
    ----------
    X : ndarray of shape (n, D)
        Distinct reference points.
    weights : ndarray of shape (n,), optional
        Multiplicities (rows each point stands for); ``None``: 1 each. Only ratios matter.
    queries : ndarray of shape (m, D), optional
        Points to score (default ``X``).
    n_trees, subsample : int
        Trees, and points drawn (with replacement, ∝ weight) per tree: ``min(subsample, n)``.
    random_state : int

    Returns
    -------
    ndarray of shape (m,)
        ``2^(−mean path length / c(ψ))``: near 1 easy to isolate, about 0.5 or below typical.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(size=(300, 2)), [[6.0, 6.0]]]
    >>> s = isolation_scores(X)
    >>> int(np.argmax(s)), bool(s[-1] > 0.6 > np.median(s))
    (300, True)
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[0]
    Q = X if queries is None else np.ascontiguousarray(queries, dtype=np.float64)
    p = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    p = p / p.sum()
    psi = int(min(subsample, n))
    max_depth = max(1, math.ceil(math.log2(max(psi, 2))))
    rng = np.random.default_rng(random_state)
    nodes = 2 * psi + 1
    feature = np.empty(nodes, dtype=np.int64)
    threshold = np.zeros(nodes)
    left = np.zeros(nodes, dtype=np.int64)
    right = np.zeros(nodes, dtype=np.int64)
    size = np.zeros(nodes, dtype=np.int64)
    depth = np.zeros(nodes, dtype=np.int64)
    total = np.zeros(len(Q))
    for _ in range(int(n_trees)):
        rows = rng.choice(n, size=psi, replace=True, p=p)
        u_feature, u_split = rng.random(nodes), rng.random(nodes)
        Xs = np.ascontiguousarray(X[rows])
        used = _grow_tree(
            Xs, max_depth, u_feature, u_split, feature, threshold, left, right, size, depth
        )
        leaf_value = depth[:used] + _average_path(size[:used])
        _add_path_lengths(Q, feature[:used], threshold[:used], left[:used], right[:used],
                          leaf_value, total)
    return 2.0 ** (-(total / int(n_trees)) / max(float(_average_path(psi)), 1.0))


def marginal_tail_scores(X, weights=None, queries=None) -> np.ndarray:
    """Mean over features of the skewness-aware ``−log`` empirical tail probability.

    Parameters
    ----------
    X : ndarray of shape (n, D)
        Distinct reference points.
    weights : ndarray of shape (n,), optional
        Multiplicities; ``None``: 1 each. Only ratios matter.
    queries : ndarray of shape (m, D), optional
        Points to score (default ``X``; a reference point counts itself).

    Returns
    -------
    ndarray of shape (m,)
        ≥ 0; larger = further in the tails. Per feature ``max(−log p_s, (−log p_L − log p_R)/2)``
        with ``p_s`` the tail the feature's (weighted) skewness points to (the mean of both when
        it is 0, i.e. at most :data:`SKEW_ZERO` in absolute value, standardised
        ``m3 / m2^1.5``); see the module docstring.

    Examples
    --------
    >>> X = np.arange(10.0).reshape(-1, 1)
    >>> marginal_tail_scores(X, queries=np.array([[4.5], [20.0]])).round(3)
    array([0.606, 1.199])
    """
    X = np.asarray(X, dtype=np.float64)
    Q = X if queries is None else np.asarray(queries, dtype=np.float64)
    n, D = X.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    w = w / w.mean()
    total = float(w.sum())
    mean = (w @ X) / total
    centred = X - mean
    m2 = (w @ centred**2) / total
    m3 = (w @ centred**3) / total
    # the sign of the skewness m3 / m2^1.5 is all that is used; below SKEW_ZERO it is rounding
    # noise (a symmetric column computes as ±1e-16) and counts as 0
    skew = np.where(np.abs(m3) > SKEW_ZERO * m2**1.5, m3, 0.0)
    out = np.zeros(len(Q))
    for j in range(D):
        order = np.argsort(X[:, j], kind="stable")
        values = X[order, j]
        cum = np.r_[0.0, np.cumsum(w[order])]
        below = cum[np.searchsorted(values, Q[:, j], side="right")]  # W(≤ x)
        above = total - cum[np.searchsorted(values, Q[:, j], side="left")]  # W(≥ x)
        log_left = -np.log((below + 1.0) / (total + 1.0))
        log_right = -np.log((above + 1.0) / (total + 1.0))
        both = 0.5 * (log_left + log_right)
        if skew[j] > 0:
            skewed = log_right
        elif skew[j] < 0:
            skewed = log_left
        else:
            skewed = both
        out += np.maximum(skewed, both)
    return out / D
