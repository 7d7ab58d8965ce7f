"""The explicit filtered complex: :class:`FilteredComplex`, the total order, boundary arrays.

See :mod:`tdasheaf.complexes` for the format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tdasheaf.complexes._flag_filtration import FlagFiltration

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
        from tdasheaf.complexes._flag_filtration import FlagFiltration

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
    from tdasheaf.complexes._cliques import _rips_from_edges

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
    values = np.asarray(values)
    if simplices.ndim != 2:
        simplices = simplices.reshape(len(simplices), -1 if simplices.size else 1)
    keys = [simplices[:, j] for j in range(simplices.shape[1] - 1, -1, -1)]
    if simplices.shape[1] == 2 and len(simplices) and simplices.min() >= 0:
        base = int(simplices.max()) + 1
        if base < 2**31:  # edges: one int64 key per row is the lexicographic order
            keys = [simplices[:, 0].astype(np.int64) * base + simplices[:, 1]]
    if len(values) < 64 or values.dtype.kind != "f":
        return np.lexsort((*keys, values))
    # An unstable sort by value (several times faster than lexsort's stable passes), then the
    # rows whose value is shared — contiguous runs after the sort — put in lexicographic order
    # among themselves: the same permutation as the lexsort.
    order = np.argsort(values)
    ordered = values[order]
    if not np.isfinite(ordered[-1]) or np.isnan(ordered[0]):  # NaN/inf: leave it to lexsort
        return np.lexsort((*keys, values))
    tied = np.zeros(len(order), dtype=bool)
    same = ordered[1:] == ordered[:-1]
    tied[1:] |= same
    tied[:-1] |= same
    if tied.any():
        at = np.flatnonzero(tied)
        rows = np.sort(order[at])  # lexsort is stable: full duplicates keep their input order
        order[at] = rows[np.lexsort((*(k[rows] for k in keys), values[rows]))]
    return order


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
