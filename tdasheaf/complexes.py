"""Filtered simplicial complexes: Vietoris–Rips, alpha, sparse and landmark Rips, hand-made.

Format
------
A :class:`FilteredComplex` stores, for every dimension ``k``:

* ``simplices[k]``: an ``(n_k, k + 1)`` int64 array of vertex labels, each row sorted increasingly;
* ``filtrations[k]``: an ``(n_k,)`` float64 array of filtration values ``f(σ)``;
* ``boundaries[k]``: an ``(n_k, k + 1)`` int64 array; ``boundaries[k][j, i]`` is the row in
  ``simplices[k - 1]`` of the face obtained by dropping vertex ``i`` of simplex ``j``
  (incidence sign ``(-1) ** i``). ``boundaries[0]`` has shape ``(n_0, 0)``.

Rows of every dimension are in the library's total order (DESIGN.md §2): by filtration value,
then (across dimensions) by dimension, then lexicographically by vertex labels. Every engine
uses this order, so results are deterministic and comparable.

Filtration conventions: Vietoris–Rips uses the *diameter* (maximum pairwise distance, not half
of it — the ripser/gudhi convention); alpha complexes report *radii* (square roots of gudhi's
squared radii) by default, so that Rips and alpha diagrams of a cloud are on comparable scales.

Before a Rips complex is built its size is estimated; a complex that would exceed
``memory_budget`` bytes raises :class:`~tdasheaf.exceptions.ComplexTooLargeError` naming the
parameters that shrink it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.utils import (
    check_point_cloud,
    check_positive_threshold,
    over_budget,
    resolve_memory_budget,
)

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "FilteredComplex",
    "alpha_complex",
    "estimate_rips_size",
    "knn_distances",
    "maxmin_landmarks",
    "radius_edges",
    "rips_complex",
    "sparse_rips_complex",
]

#: Legacy constant (4 GiB), kept for code that imports it; nothing uses it as a default any
#: more: the library (this module, the engines, the estimators) resolves ``memory_budget=None``
#: with :func:`tdasheaf.utils.resolve_memory_budget`: ``min(1.5 GiB, MemAvailable / 4) / n_jobs``.
DEFAULT_MEMORY_BUDGET = 4 * 2**30


# ----------------------------------------------------------------------------------------------
# The value type
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FilteredComplex:
    """A filtered simplicial complex in the library's total order.

    Build it with :func:`rips_complex`, :func:`alpha_complex`, :func:`sparse_rips_complex` or
    :meth:`from_simplices`; the constructor itself does not validate.

    Attributes
    ----------
    simplices : tuple of ndarray
        ``simplices[k]`` has shape ``(n_k, k + 1)``: sorted vertex labels, one row per simplex.
    filtrations : tuple of ndarray
        ``filtrations[k]`` has shape ``(n_k,)``.
    boundaries : tuple of ndarray
        ``boundaries[k][j, i]`` indexes the face of simplex ``j`` without its ``i``-th vertex.

    Examples
    --------
    >>> K = FilteredComplex.from_simplices(
    ...     [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2), (0, 1, 2)],
    ...     [0, 0, 0, 1, 1, 2, 3])
    >>> K.n_simplices
    (3, 3, 1)
    >>> K.boundaries[2]   # faces (1, 2), (0, 2), (0, 1)
    array([[1, 2, 0]])
    """

    simplices: tuple[np.ndarray, ...]
    filtrations: tuple[np.ndarray, ...]
    boundaries: tuple[np.ndarray, ...]
    #: True when the complex is the clique (flag) complex of its 1-skeleton up to its built
    #: dimension, with f(σ) = max of its edges' values (Rips complexes); engines may then
    #: enumerate cofaces from the edges alone.
    flag: bool = False

    @property
    def dimension(self) -> int:
        """The largest dimension with at least one simplex (-1 for the empty complex)."""
        dims = [k for k, s in enumerate(self.simplices) if len(s)]
        return max(dims) if dims else -1

    @property
    def n_simplices(self) -> tuple[int, ...]:
        """Number of simplices per dimension."""
        return tuple(len(s) for s in self.simplices)

    @property
    def n_vertices(self) -> int:
        """Number of vertices."""
        return len(self.simplices[0]) if self.simplices else 0

    @property
    def vertex_labels(self) -> np.ndarray:
        """The vertex labels in filtration order (for point clouds: indices of points)."""
        if not self.simplices:
            return np.empty(0, dtype=np.int64)
        return self.simplices[0][:, 0]

    def __len__(self) -> int:
        return int(sum(self.n_simplices))

    def __repr__(self) -> str:
        return f"FilteredComplex(dimension={self.dimension}, n_simplices={self.n_simplices})"

    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        return int(sum(a.nbytes for a in (*self.simplices, *self.filtrations, *self.boundaries)))

    def filtration_values(self) -> np.ndarray:
        """The sorted distinct filtration values of all simplices."""
        if len(self) == 0:
            return np.empty(0)
        return np.unique(np.concatenate(self.filtrations))

    def sublevel(self, t: float) -> FilteredComplex:
        """The subcomplex ``K_t = {σ : f(σ) <= t}`` (a prefix of every dimension).

        Examples
        --------
        >>> K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)], [0, 0, 1])
        >>> K.sublevel(0.5).n_simplices
        (2, 0)
        """
        counts = [int(np.searchsorted(f, t, side="right")) for f in self.filtrations]
        return FilteredComplex(
            simplices=tuple(s[:c] for s, c in zip(self.simplices, counts, strict=True)),
            filtrations=tuple(f[:c] for f, c in zip(self.filtrations, counts, strict=True)),
            boundaries=tuple(b[:c] for b, c in zip(self.boundaries, counts, strict=True)),
            flag=self.flag,
        )

    def sublevel_counts(self, t: float) -> tuple[int, ...]:
        """Number of simplices per dimension in ``K_t`` (each dimension is sorted by value)."""
        return tuple(int(np.searchsorted(f, t, side="right")) for f in self.filtrations)

    # -- conversions ---------------------------------------------------------------------------

    def to_simplex_tree(self):
        """Return a ``gudhi.SimplexTree`` with the same simplices and filtration values."""
        import gudhi

        st = gudhi.SimplexTree()
        for s, f in zip(self.simplices, self.filtrations, strict=True):
            if len(s):
                st.insert_batch(s.T, f)
        return st

    @classmethod
    def from_simplex_tree(cls, simplex_tree, *, transform=None) -> FilteredComplex:
        """Convert a ``gudhi.SimplexTree``; ``transform`` maps values (e.g. ``np.sqrt``)."""
        by_dim: dict[int, list] = {}
        vals: dict[int, list] = {}
        for simplex, value in simplex_tree.get_simplices():
            k = len(simplex) - 1
            by_dim.setdefault(k, []).append(simplex)
            vals.setdefault(k, []).append(value)
        top = max(by_dim) if by_dim else 0
        simplices = []
        filtrations = []
        for k in range(top + 1):
            s = np.array(by_dim.get(k, []), dtype=np.int64).reshape(-1, k + 1)
            f = np.array(vals.get(k, []), dtype=np.float64)
            if transform is not None:
                f = transform(f)
            simplices.append(np.sort(s, axis=1))
            filtrations.append(f)
        return _assemble(simplices, filtrations, validate=False)

    @classmethod
    def from_simplices(
        cls, simplices: Sequence[Sequence[int]], filtration: Sequence[float] | None = None
    ) -> FilteredComplex:
        """Build a complex from vertex tuples and their filtration values, with validation.

        Parameters
        ----------
        simplices : sequence of sequences of int
            Every simplex as a tuple of non-negative integer vertex labels (any order).
            Every face of every simplex must be listed too.
        filtration : sequence of float, optional
            One finite value per simplex, monotone: ``f(face) <= f(simplex)``.
            Default: all zero.

        Raises
        ------
        ValueError
            Missing faces, non-monotone or non-finite values, duplicates, bad labels; the
            message names the offending simplex.

        Examples
        --------
        >>> K = FilteredComplex.from_simplices([(0,), (1,), (1, 0)], [0.0, 0.5, 2.0])
        >>> K.simplices[1], K.filtrations[1]
        (array([[0, 1]]), array([2.]))
        >>> FilteredComplex.from_simplices([(0,), (0, 1)])
        Traceback (most recent call last):
        ...
        ValueError: simplex (0, 1) is listed but its face (1,) is not; ...
        """
        simplices = list(simplices)
        if filtration is None:
            filtration = np.zeros(len(simplices))
        values = np.asarray(filtration, dtype=np.float64).reshape(-1)
        if len(values) != len(simplices):
            raise ValueError(f"got {len(simplices)} simplices but {len(values)} filtration values.")
        if not np.isfinite(values).all():
            i = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ValueError(
                f"simplex {tuple(simplices[i])} has a non-finite filtration value {values[i]}."
            )
        by_dim: dict[int, list] = {}
        vals: dict[int, list] = {}
        for s, v in zip(simplices, values, strict=True):
            try:
                t = tuple(sorted(int(x) for x in s))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"simplex {s!r} is not a tuple of integer vertex labels.") from exc
            if not t:
                raise ValueError("the empty simplex () cannot be listed.")
            if t[0] < 0:
                raise ValueError(f"simplex {t} has a negative vertex label.")
            if len(set(t)) != len(t):
                raise ValueError(f"simplex {tuple(s)} repeats a vertex.")
            by_dim.setdefault(len(t) - 1, []).append(t)
            vals.setdefault(len(t) - 1, []).append(v)
        top = max(by_dim) if by_dim else 0
        arrays = [
            np.array(by_dim.get(k, []), dtype=np.int64).reshape(-1, k + 1) for k in range(top + 1)
        ]
        fvals = [np.array(vals.get(k, []), dtype=np.float64) for k in range(top + 1)]
        for rows in arrays:
            if len(rows) and len(np.unique(rows, axis=0)) != len(rows):
                _, idx, counts = np.unique(rows, axis=0, return_index=True, return_counts=True)
                dup = tuple(int(x) for x in rows[idx[np.argmax(counts > 1)]])
                raise ValueError(f"simplex {dup} is listed more than once.")
        return _assemble(arrays, fvals, validate=True)


# ----------------------------------------------------------------------------------------------
# Assembly: order and boundary index arrays
# ----------------------------------------------------------------------------------------------


def _order(simplices: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Permutation sorting rows by (value, vertices lexicographically)."""
    keys = [simplices[:, j] for j in range(simplices.shape[1] - 1, -1, -1)]
    return np.lexsort((*keys, values))


def _row_keys(rows: np.ndarray, base: int) -> np.ndarray | None:
    """Injective, lexicographic int64 keys of rows of labels < base, or None on overflow."""
    width = rows.shape[1]
    if width and base**width >= 2**62:
        return None
    keys = np.zeros(len(rows), dtype=np.int64)
    for j in range(width):
        keys = keys * base + rows[:, j]
    return keys


def _face_index(faces: np.ndarray, table: np.ndarray, base: int) -> np.ndarray:
    """Row of each face (rows of ``faces``) in ``table``; -1 where absent."""
    tk = _row_keys(table, base)
    fk = _row_keys(faces, base)
    if tk is None or fk is None:  # labels too large for int64 keys: exact but slower
        lookup = {tuple(r): i for i, r in enumerate(table.tolist())}
        return np.array([lookup.get(tuple(r), -1) for r in faces.tolist()], dtype=np.int64)
    order = np.argsort(tk, kind="stable")
    sorted_keys = tk[order]
    pos = np.searchsorted(sorted_keys, fk)
    pos = np.minimum(pos, max(len(sorted_keys) - 1, 0))
    found = (
        (len(sorted_keys) > 0) & (sorted_keys[pos] == fk)
        if len(sorted_keys)
        else np.zeros(len(fk), bool)
    )
    return np.where(found, order[pos] if len(order) else -1, -1).astype(np.int64)


def _assemble(
    simplices: list[np.ndarray],
    filtrations: list[np.ndarray],
    *,
    validate: bool,
    flag: bool = False,
) -> FilteredComplex:
    """Sort every dimension into the total order and compute the boundary index arrays."""
    if not simplices:
        simplices, filtrations = [np.empty((0, 1), np.int64)], [np.empty(0)]
    base = int(max((s.max() for s in simplices if len(s)), default=0)) + 1
    out_s, out_f, out_b = [], [], []
    for k, (s, f) in enumerate(zip(simplices, filtrations, strict=True)):
        s = np.ascontiguousarray(s, dtype=np.int64).reshape(-1, k + 1)
        f = np.ascontiguousarray(f, dtype=np.float64)
        order = _order(s, f)
        s, f = s[order], f[order]
        if k == 0:
            b = np.empty((len(s), 0), dtype=np.int64)
        else:
            b = np.empty((len(s), k + 1), dtype=np.int64)
            for i in range(k + 1):
                faces = np.delete(s, i, axis=1)
                idx = _face_index(faces, out_s[k - 1], base)
                if validate and (idx < 0).any():
                    j = int(np.flatnonzero(idx < 0)[0])
                    raise ValueError(
                        f"simplex {tuple(int(x) for x in s[j])} is listed but its face "
                        f"{tuple(int(x) for x in faces[j])} is not; "
                        "list every face of every simplex."
                    )
                b[:, i] = idx
            if validate:
                face_vals = out_f[k - 1][b]
                bad = face_vals > f[:, None]
                if bad.any():
                    j, i = np.argwhere(bad)[0]
                    raise ValueError(
                        "filtration is not monotone: face "
                        f"{tuple(int(x) for x in out_s[k - 1][b[j, i]])} "
                        f"has value {face_vals[j, i]} > {f[j]}, the value of its coface "
                        f"{tuple(int(x) for x in s[j])}."
                    )
        out_s.append(s)
        out_f.append(f)
        out_b.append(b)
    return FilteredComplex(tuple(out_s), tuple(out_f), tuple(out_b), flag)


# ----------------------------------------------------------------------------------------------
# Landmarks
# ----------------------------------------------------------------------------------------------


def maxmin_landmarks(
    X, n_landmarks: int, *, metric: str = "euclidean", start: int = 0
) -> np.ndarray:
    """Greedy max-min (furthest point) landmark indices, as ripser's ``n_perm``.

    The first landmark is ``start``; each next one is the point furthest from those chosen.
    Returned indices are sorted increasingly (so that vertex labels keep their order).

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features) or (n_points, n_points)
        Points, or a distance matrix with ``metric="precomputed"``.
    n_landmarks : int
        How many landmarks; at most ``n_points``.

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [5.0], [10.0]])
    >>> maxmin_landmarks(X, 3)
    array([0, 2, 3])
    """
    from scipy.spatial.distance import cdist

    n = len(X)
    if not (1 <= int(n_landmarks) <= n):
        raise ValueError(
            f"n_landmarks must be between 1 and the number of points ({n}), got {n_landmarks}."
        )

    def distances_to(i: int) -> np.ndarray:
        if metric == "precomputed":
            return np.asarray(X[i], dtype=np.float64)
        # cdist computes the same numbers as the pdist used to build complexes
        return cdist(X, X[i : i + 1], metric=metric).ravel()

    chosen = [int(start)]
    dist = distances_to(int(start)).copy()
    dist[start] = -1.0
    for _ in range(int(n_landmarks) - 1):
        nxt = int(np.argmax(dist))  # chosen points have -1: duplicates are never picked twice
        chosen.append(nxt)
        dist = np.minimum(dist, distances_to(nxt))
        dist[chosen] = -1.0
    return np.sort(np.array(chosen, dtype=np.int64))


# ----------------------------------------------------------------------------------------------
# Vietoris–Rips
# ----------------------------------------------------------------------------------------------


#: Peak bytes per edge while a Rips graph is built and ordered (edge lists, the value ranks,
#: lexicographic and filtration orders, boundaries, upper adjacency): measured ≈ 150–200.
EDGE_BUILD_BYTES = 200
#: Largest block of a blockwise distance computation (bytes), whatever the budget.
_BLOCK_BYTES = 64 * 2**20


def _block_rows(n: int, budget: int | None, per_row: float) -> int:
    """Rows per block so that one block of distances takes at most min(64 MiB, budget / 8)."""
    cap = _BLOCK_BYTES if budget is None else min(_BLOCK_BYTES, max(budget // 8, 2**16))
    return max(1, int(cap // max(per_row, 1.0)))


def _exact_lengths(X: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Euclidean lengths of the pairs (i, j), computed from the coordinates (not from a Gram)."""
    out = np.empty(len(i))
    step = max(1, _BLOCK_BYTES // max(8 * X.shape[1], 1))
    for s in range(0, len(i), step):
        out[s : s + step] = np.sqrt(((X[i[s : s + step]] - X[j[s : s + step]]) ** 2).sum(axis=1))
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

    Returns
    -------
    i, j : ndarray of int64
        Endpoints, ``i < j``.
    w : ndarray of float64
        Lengths (Euclidean lengths recomputed from the coordinates).
    threshold : float
        The threshold actually used (lowered when ``max_edges`` was reached).
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
            w = _exact_lengths(X, i, j)
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


def knn_distances(X, k: int, *, memory_budget: int | None = None):
    """Distances to the ``k`` nearest neighbours of every point, the point itself first.

    ``(n, k)`` arrays ``(distances, indices)`` sorted by distance, as ``cKDTree.query(X, k)``
    (which is used in up to 16 dimensions). In higher dimensions, where k-d trees degenerate to
    brute force, rows are processed in blocks (BLAS Gram products within the budget) and the
    ``k`` nearest are re-measured exactly from the coordinates.

    Examples
    --------
    >>> d, i = knn_distances(np.array([[0.0], [1.0], [3.0]]), 2)
    >>> d.tolist(), i.tolist()
    ([[0.0, 1.0], [0.0, 1.0], [0.0, 2.0]], [[0, 1], [1, 0], [2, 1]])
    """
    X = np.asarray(X, dtype=np.float64)
    n, D = X.shape
    k = int(min(k, n))
    if D <= 16:
        from scipy.spatial import cKDTree

        d, idx = cKDTree(X).query(X, k=k)
        return np.asarray(d).reshape(n, k), np.asarray(idx, dtype=np.int64).reshape(n, k)
    sqnorm = np.einsum("ij,ij->i", X, X)
    slack = min(n, k + 8)
    dist = np.empty((n, k))
    index = np.empty((n, k), dtype=np.int64)
    rows = _block_rows(n, memory_budget, 8.0 * n)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        G = X[start:stop] @ X.T
        G *= -2.0
        G += sqnorm[start:stop, None]
        G += sqnorm[None, :]
        if slack < n:
            cand = np.argpartition(G, slack - 1, axis=1)[:, :slack]
        else:
            cand = np.broadcast_to(np.arange(n), (stop - start, n)).copy()
        del G
        rr = np.repeat(np.arange(start, stop), cand.shape[1])
        exact = _exact_lengths(X, rr, cand.ravel()).reshape(cand.shape)
        order = np.argsort(exact, axis=1, kind="stable")[:, :k]
        dist[start:stop] = np.take_along_axis(exact, order, axis=1)
        index[start:stop] = np.take_along_axis(cand, order, axis=1)
    return dist, index


def _edges(
    X,
    threshold: float,
    metric: str,
    memory_budget: int | None = None,
    bytes_per_edge: float = EDGE_BUILD_BYTES,
):
    """Edges (i < j) with distance <= threshold, and their lengths, within the memory budget.

    Small inputs (the condensed matrix and its index arrays, ~40 bytes per pair, under
    min(256 MiB, budget / 4)) use ``pdist``; larger ones :func:`radius_edges` (blockwise, the
    budget checked as edges are found). Over the budget raises ``ComplexTooLargeError``.
    """
    n = len(X)
    dense_bytes = 40.0 * n * (n - 1) / 2
    budget = memory_budget
    small = dense_bytes <= min(256 * 2**20, (budget if budget is not None else 2**62) / 4)
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


def _upper_adjacency(n: int, i: np.ndarray, j: np.ndarray, w: np.ndarray):
    """CSR of upper neighbours (w > v) of every vertex, sorted, with per-edge data ``w``."""
    order = np.lexsort((j, i))
    i, j, w = i[order], j[order], w[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, i + 1, 1)
    return np.cumsum(indptr), j.astype(np.int64), w


@numba.njit(cache=True)
def _find(indices, start, stop, target):
    lo, hi = start, stop
    while lo < hi:
        mid = (lo + hi) // 2
        if indices[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    if lo < stop and indices[lo] == target:
        return lo
    return -1


@numba.njit(cache=True)
def _lex_search(rows, target, skip):
    """Row index of ``target`` minus its position ``skip`` in lexicographically sorted rows."""
    width = rows.shape[1]
    lo = 0
    hi = rows.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        cmp = 0
        m = 0
        for q in range(width + 1):
            if q == skip:
                continue
            a = rows[mid, m]
            b = target[q]
            m += 1
            if a != b:
                cmp = -1 if a < b else 1
                break
        if cmp < 0:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def _clique_ok(parents, r, w, indptr, indices, ranks, start_rank):
    """Rank of the value of parents[r] + {w} if it is a clique (else -1)."""
    width = parents.shape[1]
    val = start_rank
    for m in range(width - 1):
        v = parents[r, m]
        q = _find(indices, indptr[v], indptr[v + 1], w)
        if q < 0:
            return -1
        if ranks[q] > val:
            val = ranks[q]
    return val


@numba.njit(cache=True, parallel=True)
def _count_cofaces(parents, prank, indptr, indices, ranks):
    n_rows, width = parents.shape
    counts = np.zeros(n_rows + 1, dtype=np.int64)
    for r in numba.prange(n_rows):
        last = parents[r, width - 1]
        c = 0
        for p in range(indptr[last], indptr[last + 1]):
            start = max(prank[r], ranks[p])
            if _clique_ok(parents, r, indices[p], indptr, indices, ranks, start) >= 0:
                c += 1
        counts[r + 1] = c
    return np.cumsum(counts)


@numba.njit(cache=True, parallel=True)
def _fill_cofaces(parents, prank, indptr, indices, ranks, offsets, out_s, out_r, out_b):
    """Cofaces of lexicographically sorted k-simplices, adding a vertex above the last one.

    Children come out in lexicographic order (at ``offsets[r]`` for parent r); ``out_b[c, i]``
    is the lexicographic row of the face without vertex ``i`` among ``parents``; ``out_r`` the
    dense rank of the child's filtration value.
    """
    n_rows, width = parents.shape
    for r in numba.prange(n_rows):
        last = parents[r, width - 1]
        c = offsets[r]
        target = np.empty(width + 1, dtype=np.int64)
        for p in range(indptr[last], indptr[last + 1]):
            w = indices[p]
            val = _clique_ok(parents, r, w, indptr, indices, ranks, max(prank[r], ranks[p]))
            if val < 0:
                continue
            for m in range(width):
                out_s[c, m] = parents[r, m]
                target[m] = parents[r, m]
            out_s[c, width] = w
            target[width] = w
            out_r[c] = val
            out_b[c, width] = r
            if width == 2:
                # parents are edges, and upper-adjacency positions are lexicographic edge rows:
                # (b, w) sits at p, (a, w) is found in a's list
                a = parents[r, 0]
                out_b[c, 0] = p
                out_b[c, 1] = _find(indices, indptr[a], indptr[a + 1], w)
            else:
                for i in range(width):
                    out_b[c, i] = _lex_search(parents, target, i)
            c += 1


@numba.njit(cache=True)
def _stable_rank_order(ranks, n_ranks):
    """Positions of a stable counting sort by integer rank: pos[i] is the new row of row i."""
    counts = np.zeros(n_ranks + 1, dtype=np.int64)
    for x in ranks:
        counts[x + 1] += 1
    for q in range(n_ranks):
        counts[q + 1] += counts[q]
    pos = np.empty(len(ranks), dtype=np.int64)
    for i in range(len(ranks)):
        pos[i] = counts[ranks[i]]
        counts[ranks[i]] += 1
    return pos


@numba.njit(cache=True, parallel=True)
def _scatter_rows(src_s, src_b, pos, face_pos, out_s, out_b):
    """out_s[pos[i]] = src_s[i]; out_b[pos[i]] = face_pos[src_b[i]] (filtration order)."""
    n, width = src_s.shape
    for i in numba.prange(n):
        d = pos[i]
        for m in range(width):
            out_s[d, m] = src_s[i, m]
            out_b[d, m] = face_pos[src_b[i, m]]


def estimate_rips_size(
    X, max_edge_length: float = np.inf, max_dimension: int = 2, *, metric: str = "euclidean"
):
    """Estimate the number of simplices per dimension of a Rips complex, and its bytes.

    The edge count is exact; higher counts use the clique bound
    ``n_k <= Σ_v C(deg⁺(v), k)`` over upper degrees, which is tight for local geometric graphs
    up to a small factor.

    Returns
    -------
    counts : ndarray of shape (max_dimension + 1,)
    nbytes : int
        Estimated memory of the complex's arrays.

    Examples
    --------
    >>> counts, nbytes = estimate_rips_size(np.eye(4), 2.0, 3)
    >>> counts.tolist()
    [4, 6, 4, 1]
    """
    X = np.asarray(X, dtype=np.float64)
    i, j, w = _edges(X, max_edge_length, metric)
    return _estimate_from_edges(len(X), i, j, max_dimension)


def _estimate_from_edges(n, i, j, max_dimension):
    deg = np.bincount(i, minlength=n).astype(np.float64)
    counts = [n, len(i)]
    for k in range(2, max_dimension + 1):
        counts.append(int(np.sum([math.comb(int(d), k) for d in deg])))
    counts = np.array(counts[: max_dimension + 1], dtype=np.int64)
    nbytes = int(sum(c * (2 * k + 3) * 8 for k, c in enumerate(counts)))
    return counts, nbytes


def rips_complex(
    X,
    max_edge_length: float = np.inf,
    max_dimension: int = 2,
    *,
    metric: str = "euclidean",
    n_landmarks: int | None = None,
    memory_budget: int | None = None,
    bytes_per_edge: float = EDGE_BUILD_BYTES,
) -> FilteredComplex:
    """The Vietoris–Rips complex of a point cloud, filtered by diameter.

    ``f(σ)`` is the largest pairwise distance between vertices of σ (the ripser/gudhi
    convention, not half of it); vertices are born at 0. Vertex labels are point indices.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The points, or a distance matrix with ``metric="precomputed"``.
    max_edge_length : float, default=inf
        Edges longer than this are left out (the filtration is truncated there).
    max_dimension : int, default=2
        Largest simplex dimension. Cohomology in degree ``q`` needs ``max_dimension >= q + 1``.
    metric : str, default="euclidean"
        Any metric of :func:`scipy.spatial.distance.pdist`, or ``"precomputed"``.
    n_landmarks : int, optional
        Build the complex on this many max-min landmarks (:func:`maxmin_landmarks`) only;
        vertex labels are then the landmarks' indices in ``X``.
    memory_budget : int, optional
        Bytes the construction may use (default ``min(1.5 GiB, MemAvailable / 4)``, see
        :mod:`tdasheaf.utils._memory`). Edges are found blockwise (never an ``n × n`` matrix)
        and counted against the budget as they are found; the number of higher simplices is
        then estimated from the graph before any is built. Over budget raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError`.
    bytes_per_edge : float, default=EDGE_BUILD_BYTES
        What one edge costs, for callers that build more on the graph (a sheaf's blocks, an
        engine's working set): at least :data:`EDGE_BUILD_BYTES`, the graph's own peak.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> K = rips_complex(X, max_dimension=2)
    >>> K.n_simplices, K.filtrations[2]
    ((3, 3, 1), array([1.41421356]))
    """
    metric_name = metric
    X = check_point_cloud(X, min_points=1, metric=metric_name)
    max_edge_length = check_positive_threshold(max_edge_length, name="max_edge_length")
    if isinstance(max_dimension, bool) or int(max_dimension) != max_dimension or max_dimension < 0:
        raise ValueError(f"max_dimension must be a non-negative integer, got {max_dimension!r}.")
    max_dimension = int(max_dimension)
    labels = None
    if n_landmarks is not None and n_landmarks < len(X):
        labels = maxmin_landmarks(X, n_landmarks, metric=metric_name)
        X = X[np.ix_(labels, labels)] if metric_name == "precomputed" else X[labels]
    n = len(X)
    budget = resolve_memory_budget(memory_budget)
    if not np.isfinite(max_edge_length) and max_dimension >= 1:
        # every pair is an edge: refuse before computing a single distance
        n_pairs = n * (n - 1) // 2
        if n_pairs * bytes_per_edge > budget:
            raise over_budget(
                f"the Rips complex of {n:,} points with max_edge_length=inf (all {n_pairs:,} "
                "pairs are edges)",
                n_pairs * bytes_per_edge,
                budget,
                "Lower max_edge_length, subsample with n_landmarks, lower max_dimension",
            )
    bytes_per_edge = max(float(bytes_per_edge), EDGE_BUILD_BYTES)
    i, j, w = _edges(X, max_edge_length, metric_name, budget, bytes_per_edge)
    counts, nbytes = _estimate_from_edges(n, i, j, max_dimension)
    if nbytes > budget:
        raise ComplexTooLargeError(
            f"the Rips complex would have about {counts.tolist()} simplices per dimension "
            f"(~{nbytes / 2**30:.2f} GiB), over the memory budget of {budget / 2**30:.2f} GiB. "
            "Lower max_edge_length, subsample with n_landmarks, lower max_dimension, "
            "or raise memory_budget."
        )
    return _rips_from_edges(n, i, j, w, max_dimension, labels)


def _rips_from_edges(n, i, j, w, max_dimension, labels=None) -> FilteredComplex:
    """Flag complex of the graph (i < j, lengths w), in the total order, boundaries included.

    Simplices are enumerated in lexicographic order by compiled, parallel kernels (each from
    its lexicographic parent; faces found by binary search), carrying the dense rank of their
    filtration value; a stable counting sort by that rank then gives the (value, lexicographic)
    order in linear time.
    """
    w = np.asarray(w, dtype=np.float64)
    uniq, edge_rank = np.unique(w, return_inverse=True)
    n_ranks = max(len(uniq), 1)
    lex_order = np.lexsort((j, i))
    lex = np.column_stack([i[lex_order], j[lex_order]]).astype(np.int64)
    lex_rank = edge_rank.reshape(-1)[lex_order].astype(np.int64)
    simplices = [np.arange(n, dtype=np.int64)[:, None]]
    values = [np.zeros(n)]
    boundaries = [np.empty((n, 0), dtype=np.int64)]
    if max_dimension >= 1:
        pos = _stable_rank_order(lex_rank, n_ranks)
        out_s = np.empty_like(lex)
        out_b = np.empty_like(lex)
        # faces of an edge (i, j): drop vertex 0 -> (j,), drop vertex 1 -> (i,)
        _scatter_rows(lex, lex[:, ::-1].copy(), pos, np.arange(n, dtype=np.int64), out_s, out_b)
        simplices.append(out_s)
        values.append(uniq[lex_rank][np.argsort(pos)])
        boundaries.append(out_b)
        indptr, nbr, nbr_rank = _upper_adjacency(n, lex[:, 0], lex[:, 1], lex_rank)
        parents, prank, parent_pos = lex, lex_rank, pos
        for k in range(2, max_dimension + 1):
            offsets = _count_cofaces(parents, prank, indptr, nbr, nbr_rank)
            m = int(offsets[-1])
            child_s = np.empty((m, k + 1), np.int64)
            child_r = np.empty(m, np.int64)
            child_b = np.empty((m, k + 1), np.int64)
            _fill_cofaces(parents, prank, indptr, nbr, nbr_rank, offsets, child_s, child_r, child_b)
            pos = _stable_rank_order(child_r, n_ranks)
            out_s = np.empty_like(child_s)
            out_b = np.empty_like(child_b)
            _scatter_rows(child_s, child_b, pos, parent_pos, out_s, out_b)
            ordered_rank = np.empty_like(child_r)
            ordered_rank[pos] = child_r
            simplices.append(out_s)
            values.append(uniq[ordered_rank] if m else np.empty(0))
            boundaries.append(out_b)
            parents, prank, parent_pos = child_s, child_r, pos
    if labels is not None:
        simplices = [labels[s] for s in simplices]
    return FilteredComplex(tuple(simplices), tuple(values), tuple(boundaries), True)


# ----------------------------------------------------------------------------------------------
# gudhi-backed constructions
# ----------------------------------------------------------------------------------------------


def alpha_complex(X, max_dimension: int = 2, *, squared: bool = False) -> FilteredComplex:
    """The alpha complex (Delaunay–Čech) of a point cloud, via gudhi.

    Filtration values are **radii** (square roots of gudhi's squared radii) unless
    ``squared=True``, so that alpha and Rips diagrams of one cloud are on comparable scales
    (a Rips edge appears at the distance, an alpha edge at half of it for the circumradius).
    Duplicate points are merged by gudhi; vertex labels are point indices.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    >>> K = alpha_complex(X)
    >>> K.filtrations[1]
    array([1.        , 1.        , 1.41421356])
    """
    import gudhi

    X = check_point_cloud(X, min_points=1)
    if isinstance(max_dimension, bool) or int(max_dimension) != max_dimension or max_dimension < 0:
        raise ValueError(f"max_dimension must be a non-negative integer, got {max_dimension!r}.")
    st = gudhi.AlphaComplex(points=X).create_simplex_tree()
    st.prune_above_dimension(int(max_dimension))
    transform = None if squared else (lambda f: np.sqrt(np.maximum(f, 0.0)))
    return FilteredComplex.from_simplex_tree(st, transform=transform)


def sparse_rips_complex(
    X, sparse: float = 0.5, max_edge_length: float = np.inf, max_dimension: int = 2
) -> FilteredComplex:
    """Sparse Rips complex (Sheehy's approximation, gudhi's ``sparse=``).

    Its persistence diagram is a multiplicative ``(1 + sparse)``-approximation (with
    gudhi's parameterisation) of the Rips diagram, at a much smaller size.

    .. warning:: gudhi starts its farthest-point ordering at a random point, so the complex
       (not the approximation guarantee) can differ between calls. Use ``rips_complex`` with
       ``n_landmarks`` for a deterministic reduction.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(50, 2))
    >>> sparse_rips_complex(X, sparse=0.5).n_simplices[1] < 50 * 49 // 2
    True
    """
    import gudhi

    X = check_point_cloud(X, min_points=1)
    if not (isinstance(sparse, (int, float)) and sparse > 0):
        raise ValueError(f"sparse must be a positive number, got {sparse!r}.")
    max_edge_length = check_positive_threshold(max_edge_length, name="max_edge_length")
    rc = gudhi.RipsComplex(points=X, max_edge_length=max_edge_length, sparse=float(sparse))
    st = rc.create_simplex_tree(max_dimension=int(max_dimension))
    return FilteredComplex.from_simplex_tree(st)
