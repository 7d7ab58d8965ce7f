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
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.geometry import EDGE_BUILD_BYTES, knn_distances, maxmin_landmarks, radius_edges
from tdasheaf.geometry._edges import _edges
from tdasheaf.utils import (
    check_point_cloud,
    check_positive_threshold,
    over_budget,
    resolve_memory_budget,
)

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "FilteredComplex",
    "FlagFiltration",
    "alpha_complex",
    "estimate_rips_size",
    "flag_filtration",
    "filtration_order",
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
    #: enumerate cofaces from the edges alone. A complex built by hand with ``flag=True`` is
    #: verified (rebuilt from its edges and compared): a false claim raises ``ValueError``
    #: instead of letting an engine compute the persistence of another complex.
    flag: bool = False

    def __post_init__(self):
        if self.flag is _VERIFIED_FLAG:  # built by this module's flag constructions
            object.__setattr__(self, "flag", True)
        elif self.flag:
            _verify_flag(self)
            object.__setattr__(self, "flag", True)
        else:
            object.__setattr__(self, "flag", False)

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
            flag=_VERIFIED_FLAG if self.flag else False,  # a sublevel set of a flag complex is one
        )

    def to_flag_filtration(self) -> FlagFiltration | None:
        """The lazy :class:`FlagFiltration` of a flag complex whose vertices are born at 0.

        ``None`` when the complex is not a flag complex (``flag`` is False) or a vertex has a
        nonzero value (the flag engines need vertices at 0). Edges are given by vertex
        position (row in ``simplices[0]``); ``vertex_labels`` keeps the labels.
        """
        if not self.flag or not self.simplices or (self.filtrations[0] != 0).any():
            return None
        labels = self.vertex_labels
        n = len(labels)
        if len(self.simplices) < 2:
            edges, values = np.empty((0, 2), np.int64), np.empty(0)
        else:
            edges = self.boundaries[1][:, ::-1]  # faces: drop vertex 0 -> (j,), drop 1 -> (i,)
            values = self.filtrations[1]
        return FlagFiltration(
            n, edges, values, labels, max(self.dimension, 1), _trusted=_VERIFIED_FLAG
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


class _VerifiedFlag:
    """Marker passed as ``flag`` by this module's own flag constructions (no re-verification)."""

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "True"


_VERIFIED_FLAG = _VerifiedFlag()


def _verify_flag(K: FilteredComplex) -> None:
    """Raise ``ValueError`` unless ``K`` is the flag complex of its edges up to its dimension."""
    if len(K.simplices) < 3:
        return  # every graph is the flag complex of itself up to dimension 1
    for k in range(2, len(K.simplices)):
        if not len(K.simplices[k]):
            continue
        expected = K.filtrations[k - 1][K.boundaries[k]].max(axis=1)
        bad = np.flatnonzero(K.filtrations[k] != expected)
        if len(bad):
            j = int(bad[0])
            raise ValueError(
                f"flag=True, but simplex {tuple(int(v) for v in K.simplices[k][j])} has value "
                f"{K.filtrations[k][j]} instead of the largest value of its edges "
                f"({expected[j]}); build Rips-type complexes with rips_complex or "
                "FlagFiltration, or pass flag=False."
            )
    edges = K.boundaries[1][:, ::-1]
    n_vertices = len(K.simplices[0])
    full = _rips_from_edges(
        n_vertices, edges[:, 0], edges[:, 1], K.filtrations[1], len(K.simplices) - 1
    )
    for k in range(2, len(K.simplices)):
        have, want = len(K.simplices[k]), len(full.simplices[k])
        if have != want:
            raise ValueError(
                f"flag=True, but the complex has {have} simplices of dimension {k} where the "
                f"flag complex of its edges has {want}: it is not a flag complex. Build "
                "Rips-type complexes with rips_complex or FlagFiltration, or pass flag=False."
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
    if len(np.unique(E[:, 0] * max(n, 1) + E[:, 1])) != len(E):
        raise ValueError("edges contain duplicates.")
    labels = np.asarray(vertex_labels, dtype=np.int64).reshape(-1)
    if len(labels) != n:
        raise ValueError(f"vertex_labels must have one entry per vertex ({n}), got {len(labels)}.")
    out = (n, np.ascontiguousarray(E), np.ascontiguousarray(w), labels, int(max_dimension))
    return (*out, order) if return_order else out


# ----------------------------------------------------------------------------------------------
# Assembly: order and boundary index arrays
# ----------------------------------------------------------------------------------------------


def filtration_order(simplices, values) -> np.ndarray:
    """The library's total order on simplices of one dimension: by value, then lexicographically.

    The one implementation of DESIGN.md §2's order within a dimension (every constructor and
    engine uses it; across dimensions, lower dimensions come first at equal values).

    Parameters
    ----------
    simplices : array-like of shape (n, k + 1)
        Vertex rows (each sorted increasingly).
    values : array-like of shape (n,)

    Returns
    -------
    ndarray of shape (n,)
        The permutation that sorts the rows.

    Examples
    --------
    >>> filtration_order([[1, 2], [0, 2], [0, 1]], [1.0, 1.0, 0.5]).tolist()
    [2, 1, 0]
    """
    simplices = np.asarray(simplices)
    if simplices.ndim != 2:
        simplices = simplices.reshape(len(simplices), -1 if simplices.size else 1)
    keys = [simplices[:, j] for j in range(simplices.shape[1] - 1, -1, -1)]
    return np.lexsort((*keys, np.asarray(values)))


_order = filtration_order


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
# Vietoris–Rips
# ----------------------------------------------------------------------------------------------


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
    edges = np.column_stack([i, j]).astype(np.int64)
    order = filtration_order(edges, w)
    edges = edges[order]
    if labels is None:
        labels = np.arange(n, dtype=np.int64)
    return FlagFiltration(
        n, edges, np.asarray(w, np.float64)[order], labels, max_dimension, _trusted=_VERIFIED_FLAG
    )


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
    return FilteredComplex(tuple(simplices), tuple(values), tuple(boundaries), _VERIFIED_FLAG)


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
