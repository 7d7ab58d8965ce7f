"""Landmarks: the greedy max-min (furthest point) permutation of a cloud.

Starting from one point, each next point is the one furthest from those already chosen; its
distance to them at that moment is its *insertion radius* (non-increasing along the order).
The first ``m`` points are ``r``-dense for ``r`` the ``m``-th insertion radius (every point lies
within ``r`` of one of them) and ``r``-separated — ripser's ``n_perm``, the sparse Rips
complexes of Sheehy and Cavanna et al. Deterministic: ties go to the smallest row, and a point
already chosen (or a duplicate of one, at distance 0) is never chosen again while others remain.
"""

from __future__ import annotations

import numpy as np

__all__ = ["greedy_permutation", "maxmin_landmarks"]


def greedy_permutation(
    X, n: int | None = None, *, metric: str = "euclidean", start: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` points of the greedy max-min order, and their insertion radii.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features) or (n_points, n_points)
        Points, or a distance matrix with ``metric="precomputed"``.
    n : int, optional
        How many points (default all); between 1 and ``n_points``.
    metric : str, default="euclidean"
        Any :func:`scipy.spatial.distance.cdist` metric, or ``"precomputed"``.
    start : int, default=0
        The first point.

    Returns
    -------
    indices : ndarray of int64 of shape (n,)
        Rows in insertion order.
    radii : ndarray of shape (n,)
        Distance of each point to the points chosen before it (``inf`` for the first).

    Examples
    --------
    >>> idx, radii = greedy_permutation(np.array([[0.0], [0.1], [5.0], [10.0]]))
    >>> idx.tolist(), radii.tolist()
    ([0, 3, 2, 1], [inf, 10.0, 5.0, 0.1])
    """
    from scipy.spatial.distance import cdist

    size = len(X)
    count = size if n is None else n
    if not (1 <= int(count) <= size):
        raise ValueError(
            f"n_landmarks must be between 1 and the number of points ({size}), got {count}."
        )
    if not 0 <= int(start) < size:
        raise ValueError(f"start must be a row of X (0 to {size - 1}), got {start}.")

    def distances_to(i: int) -> np.ndarray:
        if metric == "precomputed":
            return np.asarray(X[i], dtype=np.float64)
        # cdist computes the same numbers as the pdist used to build complexes
        return cdist(X, X[i : i + 1], metric=metric).ravel()

    chosen = [int(start)]
    radii = [np.inf]
    dist = distances_to(int(start)).copy()
    dist[start] = -1.0
    for _ in range(int(count) - 1):
        nxt = int(np.argmax(dist))  # chosen points have -1: duplicates are never picked twice
        chosen.append(nxt)
        radii.append(float(dist[nxt]))
        dist = np.minimum(dist, distances_to(nxt))
        dist[chosen] = -1.0
    return np.array(chosen, dtype=np.int64), np.array(radii)


def maxmin_landmarks(
    X, n_landmarks: int, *, metric: str = "euclidean", start: int = 0
) -> np.ndarray:
    """Greedy max-min (furthest point) landmark indices, as ripser's ``n_perm``.

    The first landmark is ``start``; each next one is the point furthest from those chosen
    (:func:`greedy_permutation`). Returned indices are sorted increasingly (so that vertex
    labels keep their order).

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features) or (n_points, n_points)
        Points, or a distance matrix with ``metric="precomputed"``.
    n_landmarks : int
        How many landmarks; at most ``n_points``.
    metric : str, default="euclidean"
    start : int, default=0

    Returns
    -------
    ndarray of int64 of shape (n_landmarks,)

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [5.0], [10.0]])
    >>> maxmin_landmarks(X, 3)
    array([0, 2, 3])
    """
    return np.sort(greedy_permutation(X, n_landmarks, metric=metric, start=start)[0])
