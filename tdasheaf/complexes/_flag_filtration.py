"""The lazy flag (Vietoris–Rips) filtration and the Rips constructions built on it."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from tdasheaf.complexes._cliques import _rips_from_edges
from tdasheaf.complexes._filtered import _VERIFIED_FLAG, FilteredComplex, filtration_order
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.geometry import EDGE_BUILD_BYTES, maxmin_landmarks
from tdasheaf.geometry._edges import _edges
from tdasheaf.utils import (
    check_point_cloud,
    check_positive_threshold,
    over_budget,
    resolve_memory_budget,
)


@dataclass(frozen=True, eq=False)
class FlagFiltration:
    """A lazy flag (Vietoris–Rips type) filtration: a weighted graph, simplices never stored.

    The filtration is the clique complex of the graph up to ``max_dimension``: vertices are
    born at 0, an edge at its value, a higher simplex at the largest value of its edges.
    Nothing above the edges is stored; the flag engines of
    :func:`tdasheaf.cohomology.sheaf_persistence` enumerate cofaces from the adjacency lists
    when a column is reduced, so memory stays linear in the number of edges. Call
    :meth:`to_complex` for the explicit :class:`FilteredComplex` (estimated against a memory
    budget before anything is built).

    Build it with :func:`flag_filtration` (from a point cloud), :meth:`from_edges` (a graph),
    or :meth:`FilteredComplex.to_flag_filtration`. Instances are immutable (read-only arrays).

    Attributes
    ----------
    n_vertices : int
    edges : ndarray of shape (n_edges, 2)
        Vertex positions ``i < j`` (0 … n_vertices − 1), in the library's total order: by value,
        then lexicographically.
    values : ndarray of shape (n_edges,)
        Edge values, non-decreasing.
    vertex_labels : ndarray of shape (n_vertices,)
        The label of every vertex position (point indices; landmarks keep their indices in
        the original cloud).
    max_dimension : int
        Largest simplex dimension of the complex it stands for (cohomology in degree ``q``
        has finite deaths only when ``max_dimension >= q + 1``).

    Examples
    --------
    >>> F = FlagFiltration.from_edges(4, [(0, 1), (1, 2), (2, 3), (0, 3), (0, 2), (1, 3)],
    ...                               [1, 1, 1, 1, 1.5, 1.5])
    >>> F.n_edges, F.max_dimension
    (6, 2)
    >>> F.to_complex().n_simplices
    (4, 6, 4)
    """

    n_vertices: int
    edges: np.ndarray
    values: np.ndarray
    vertex_labels: np.ndarray
    max_dimension: int = 2
    _trusted: object = None

    def __post_init__(self):
        if self._trusted is not _VERIFIED_FLAG:
            n, edges, values, labels, top = _check_flag_input(
                self.n_vertices, self.edges, self.values, self.vertex_labels, self.max_dimension
            )
            object.__setattr__(self, "n_vertices", n)
            object.__setattr__(self, "edges", edges)
            object.__setattr__(self, "values", values)
            object.__setattr__(self, "vertex_labels", labels)
            object.__setattr__(self, "max_dimension", top)
        object.__setattr__(self, "_trusted", None)
        for name in ("edges", "values", "vertex_labels"):
            a = getattr(self, name)
            if a.flags.writeable:
                a = a.copy() if (a.base is not None or not a.flags.owndata) else a
                a.flags.writeable = False
                object.__setattr__(self, name, a)

    @classmethod
    def from_edges(
        cls, n_vertices: int, edges, values, *, vertex_labels=None, max_dimension: int = 2
    ) -> FlagFiltration:
        """The flag filtration of a weighted graph (edges in any order, validated).

        Parameters
        ----------
        n_vertices : int
        edges : array-like of shape (m, 2)
            Vertex pairs (any order within a pair); no loops, no duplicates.
        values : array-like of shape (m,)
            Finite, non-negative edge values.
        vertex_labels : array-like of shape (n_vertices,), optional
            Default ``0 … n_vertices − 1``.
        max_dimension : int, default=2

        Examples
        --------
        >>> F = FlagFiltration.from_edges(3, [(2, 1), (0, 1)], [2.0, 1.0])
        >>> F.edges.tolist(), F.values.tolist()
        ([[0, 1], [1, 2]], [1.0, 2.0])
        """
        if vertex_labels is None:
            vertex_labels = np.arange(int(n_vertices) if _is_count(n_vertices) else 0)
        return cls(n_vertices, edges, values, vertex_labels, max_dimension)

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.edges)

    @property
    def flag(self) -> bool:
        """Always True (for code that asks a complex whether it is a flag complex)."""
        return True

    def __repr__(self) -> str:
        return (
            f"FlagFiltration(n_vertices={self.n_vertices}, n_edges={self.n_edges}, "
            f"max_dimension={self.max_dimension})"
        )

    def with_max_dimension(self, max_dimension: int) -> FlagFiltration:
        """The same graph standing for the flag complex up to another dimension."""
        if not _is_count(max_dimension):
            raise ValueError(
                f"max_dimension must be a non-negative integer, got {max_dimension!r}."
            )
        return FlagFiltration(
            self.n_vertices,
            self.edges,
            self.values,
            self.vertex_labels,
            int(max_dimension),
            _trusted=_VERIFIED_FLAG,
        )

    def estimate_size(self, max_dimension: int | None = None):
        """Estimated simplices per dimension and bytes of :meth:`to_complex` (clique bound)."""
        top = self.max_dimension if max_dimension is None else int(max_dimension)
        return _estimate_from_edges(self.n_vertices, self.edges[:, 0], self.edges[:, 1], top)

    def to_complex(
        self, max_dimension: int | None = None, *, memory_budget: int | None = None
    ) -> FilteredComplex:
        """The explicit flag complex up to ``max_dimension`` (default: this filtration's).

        Its size is estimated first; over ``memory_budget`` (default
        :func:`~tdasheaf.utils.default_memory_budget`) raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError`.
        """
        top = self.max_dimension if max_dimension is None else int(max_dimension)
        budget = resolve_memory_budget(memory_budget)
        counts, nbytes = self.estimate_size(top)
        if nbytes > budget:
            raise ComplexTooLargeError(
                f"the flag complex would have about {counts.tolist()} simplices per dimension "
                f"(~{nbytes / 2**30:.2f} GiB), over the memory budget of "
                f"{budget / 2**30:.2f} GiB. Lower max_edge_length, subsample with "
                "n_landmarks, lower max_dimension (or the degrees asked for), or raise "
                "memory_budget."
            )
        return self._build(top)

    def _build(self, top: int) -> FilteredComplex:
        labels = self.vertex_labels
        identity = not len(labels) or bool((labels == np.arange(len(labels))).all())
        return _rips_from_edges(
            self.n_vertices,
            self.edges[:, 0],
            self.edges[:, 1],
            self.values,
            top,
            None if identity else labels,
        )


def _is_count(n) -> bool:
    return isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 0


def _flag_from_edges(n_vertices, edges, values, max_dimension) -> tuple[FlagFiltration, np.ndarray]:
    """``FlagFiltration.from_edges`` validating and sorting once; also the sorting permutation.

    For callers that carry per-edge data (signs) through the sort.
    """
    n = int(n_vertices) if _is_count(n_vertices) else n_vertices
    labels = np.arange(n) if isinstance(n, int) else np.empty(0)
    n, E, w, labels, top, order = _check_flag_input(
        n, edges, values, labels, max_dimension, return_order=True
    )
    return FlagFiltration(n, E, w, labels, top, _trusted=_VERIFIED_FLAG), order


def _check_flag_input(n_vertices, edges, values, vertex_labels, max_dimension, return_order=False):
    """Validate a weighted graph and sort its edges into the total order."""
    if not _is_count(n_vertices):
        raise ValueError(f"n_vertices must be a non-negative integer, got {n_vertices!r}.")
    if not _is_count(max_dimension):
        raise ValueError(f"max_dimension must be a non-negative integer, got {max_dimension!r}.")
    n = int(n_vertices)
    E = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(w) != len(E):
        raise ValueError(f"got {len(E)} edges and {len(w)} values; they must match.")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("edge values must be finite and non-negative.")
    E = np.sort(E, axis=1)
    if len(E) and ((E[:, 0] < 0).any() or (E[:, 1] >= n).any()):
        raise ValueError(f"edge endpoints must be vertex indices in [0, {n}).")
    if len(E) and (E[:, 0] == E[:, 1]).any():
        raise ValueError("edges must join two different vertices (no loops).")
    order = filtration_order(E, w)
    E, w = E[order], w[order]
    pairs = np.sort(E[:, 0] * max(n, 1) + E[:, 1])
    if len(pairs) > 1 and (pairs[1:] == pairs[:-1]).any():
        raise ValueError("edges contain duplicates.")
    labels = np.asarray(vertex_labels, dtype=np.int64).reshape(-1)
    if len(labels) != n:
        raise ValueError(f"vertex_labels must have one entry per vertex ({n}), got {len(labels)}.")
    out = (n, np.ascontiguousarray(E), np.ascontiguousarray(w), labels, int(max_dimension))
    return (*out, order) if return_order else out


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
    budget = resolve_memory_budget(memory_budget)
    F = flag_filtration(
        X,
        max_edge_length,
        max_dimension,
        metric=metric,
        n_landmarks=n_landmarks,
        memory_budget=budget,
        bytes_per_edge=bytes_per_edge,
    )
    counts, nbytes = F.estimate_size()
    if nbytes > budget:
        raise ComplexTooLargeError(
            f"the Rips complex would have about {counts.tolist()} simplices per dimension "
            f"(~{nbytes / 2**30:.2f} GiB), over the memory budget of {budget / 2**30:.2f} GiB. "
            "Lower max_edge_length, subsample with n_landmarks, lower max_dimension, "
            "or raise memory_budget."
        )
    return F._build(F.max_dimension)


def flag_filtration(
    X,
    max_edge_length: float = np.inf,
    max_dimension: int = 2,
    *,
    metric: str = "euclidean",
    n_landmarks: int | None = None,
    memory_budget: int | None = None,
    bytes_per_edge: float = EDGE_BUILD_BYTES,
) -> FlagFiltration:
    """The Vietoris–Rips filtration of a point cloud as a lazy :class:`FlagFiltration`.

    Same parameters and conventions as :func:`rips_complex`, but only the graph (edges within
    ``max_edge_length`` and their lengths) is built: triangles and higher simplices are never
    stored unless :meth:`FlagFiltration.to_complex` is called. The persistence engines take it
    directly (``sheaf_persistence(constant_sheaf(flag_filtration(X, t)))``), so degrees ≤ 2
    cost memory linear in the number of edges.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> F = flag_filtration(X)
    >>> F.edges.tolist(), F.values.round(3).tolist()
    ([[0, 1], [0, 2], [1, 2]], [1.0, 1.0, 1.414])
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
    return _flag_from_radius_edges(n, i, j, w, max_dimension, labels)


def _flag_from_radius_edges(n, i, j, w, max_dimension, labels=None) -> FlagFiltration:
    """The flag filtration of edges from :func:`~tdasheaf.geometry.radius_edges`, unchecked.

    Its output is already valid (``i < j`` in ``[0, n)``, no duplicates, finite non-negative
    lengths), so only the sort into the total order is done; other edges go through
    :meth:`FlagFiltration.from_edges`.
    """
    edges = np.column_stack([i, j]).astype(np.int64)
    order = filtration_order(edges, w)
    if labels is None:
        labels = np.arange(n, dtype=np.int64)
    return FlagFiltration(
        n,
        edges[order],
        np.asarray(w, np.float64)[order],
        labels,
        int(max_dimension),
        _trusted=_VERIFIED_FLAG,
    )
