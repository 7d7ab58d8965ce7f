"""Persistent sheaf cohomology: barcodes (and representative cocycles) of a filtered sheaf.

For ``t <= s`` restriction of cochains gives ``H^q(K_s; F) → H^q(K_t; F)``, a persistence
module; over a field it is a sum of intervals, reported as ``(birth, death)`` pairs of
filtration values, ``death = +inf`` for classes alive at the end of the filtration. It is
computed on the filtered basis in which each simplex σ contributes ``d_σ`` basis vectors born
at ``f(σ)``, by reducing the coboundaries δ^0, δ^1, … in reverse filtration order with
clearing (see :mod:`tdasheaf.cohomology._reduction`). By linear duality the barcode equals
that of the filtered chain complex ``C_•(K_t; F^*)`` (DESIGN.md §4).
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from tdasheaf.cohomology._coboundary import coboundary_csc
from tdasheaf.cohomology._flag import MAX_VERTICES_DEGREE1, flag_degree1_pairs, full_adjacency
from tdasheaf.cohomology._flag2 import (
    MAX_VERTICES,
    TRIANGLE_BYTES,
    dense_edge_ids,
    flag_degree2_pairs,
    flag_triangles,
)
from tdasheaf.cohomology._float_conditioning import (
    equilibrate,
    gram_screen,
    stalk_doubts,
    stalk_scaling,
)
from tdasheaf.cohomology._float_reduction import reduce_blocks
from tdasheaf.cohomology._reduction import reduce_coboundary
from tdasheaf.exceptions import ComplexTooLargeError, NumericalWarning
from tdasheaf.sheaves import CellularSheaf
from tdasheaf.utils import check_degrees, resolve_memory_budget

__all__ = [
    "DEFAULT_PRIME",
    "DEFAULT_RTOL",
    "Cocycle",
    "flag_persistence",
    "is_prime",
    "sheaf_persistence",
]

#: Prime used when ``field=None`` and every restriction map is integer-valued: the largest
#: prime below 2**16. Large enough that GF(p) answers agree with ℚ unless the integral
#: cohomology has p-torsion; odd, so signs (orientation information) survive.
DEFAULT_PRIME = 65521

#: Default relative zero tolerance of the floating-point engine.
DEFAULT_RTOL = 1e-9

#: The float engine's doubt band, relative to the scale ``m`` of the terms that formed a block:
#: a singular value above ``NOISE_LEVEL · m`` (a thousand unit roundoffs: more than the rounding
#: error of the computation) and below ``DOUBT_ABOVE · rtol · m`` (at or just above the zero
#: threshold) makes the rank decision uncertain, and the engine warns
#: (:class:`~tdasheaf.exceptions.NumericalWarning`). With the default ``rtol`` the band is
#: ``(2.2e-13, 1e-8) · m``.
NOISE_LEVEL = 1e3 * np.finfo(np.float64).eps
DOUBT_ABOVE = 10.0
#: A stalk whose coboundary block (its columns in δ^q, or its rows in δ^{q-1}) has a nonzero
#: singular value below ``STALK_DOUBT · rtol`` times its largest one (condition number above
#: ``1 / (STALK_DOUBT · rtol)``, 1e7 by default) has a basis too ill-conditioned for the
#: rounding errors of the *input* to stay invisible: the engine warns.
STALK_DOUBT = 100.0
#: Below this fraction of a stalk block's largest singular value a singular value is rounding
#: noise of the *input* (its entries carry errors of a few unit roundoffs; one-sided Jacobi
#: resolves singular values to high relative accuracy): about 50 u, not the 1000 u of
#: :data:`NOISE_LEVEL`, which also covers the rounding of the reduction itself.
STALK_NOISE = 50 * np.finfo(np.float64).eps
#: A zero rank decision is a doubt once the terms that formed the block grew so much that the
#: noise floor ``NOISE_LEVEL · m`` exceeds 1e-6 of the block's original norm.
MAX_GROWTH = 1e-6 / NOISE_LEVEL
#: A stalk block whose Gram matrix has all eigenvalues above this fraction of the largest has
#: singular values above 1e-6 of the largest, clear of the stalk doubt band; only the others are
#: examined by an SVD of the block itself.
GRAM_SCREEN = 1e-12

#: The degree-2 flag engine looks edges up in an ``n × n`` int32 matrix when it fits in this
#: many bytes (n ≤ 8,192), else it merges the three adjacency lists (~10% slower in total on
#: the 800-point sphere of ``pipelines/benchmarks/flag_scaling.py``).
DENSE_EDGE_BYTES = 2**28


@dataclass(frozen=True)
class Cocycle:
    """A representative cochain of one bar: simplices and their stalk vectors.

    Attributes
    ----------
    degree : int
    simplex_indices : ndarray of shape (m,)
        Rows of ``sheaf.complex.simplices[degree]`` in the support.
    simplices : ndarray of shape (m, degree + 1)
        Their vertex labels.
    values : ndarray of shape (m, D)
        The stalk vector on each simplex, padded with zeros to the largest stalk dimension D.
        In GF(p) the values are the canonical representatives ``0..p-1``.
    """

    degree: int
    simplex_indices: np.ndarray
    simplices: np.ndarray
    values: np.ndarray

    def to_vector(self, sheaf: CellularSheaf) -> np.ndarray:
        """The cochain as a dense vector of C^degree (in the sheaf's basis)."""
        off = sheaf.offsets(self.degree)
        out = np.zeros(sheaf.cochain_dim(self.degree))
        dims = sheaf.stalk_dims[self.degree]
        for j, vec in zip(self.simplex_indices, self.values, strict=True):
            out[off[j] : off[j] + dims[j]] = vec[: dims[j]]
        return out


def is_prime(p: int) -> bool:
    """Trial-division primality test (``p`` is small).

    Examples
    --------
    >>> [q for q in range(12) if is_prime(q)]
    [2, 3, 5, 7, 11]
    """
    if p < 2:
        return False
    if p % 2 == 0:
        return p == 2
    f = 3
    while f * f <= p:
        if p % f == 0:
            return False
        f += 2
    return True


def _resolve_field(sheaf: CellularSheaf, field, engine: str):
    """Return (p, engine) with p = 0 for the reals."""
    if engine not in ("auto", "exact", "float"):
        raise ValueError(f"engine must be 'auto', 'exact' or 'float', got {engine!r}.")
    if field is None:
        if engine == "float":
            field = "R"
        elif sheaf.is_integral:
            field = DEFAULT_PRIME
        elif engine == "exact":
            raise ValueError(
                "engine='exact' needs integer-valued restriction maps, but this sheaf has "
                "non-integer entries; use field='R' (the floating-point engine)."
            )
        else:
            field = "R"
    if isinstance(field, str):
        if field not in ("R", "r", "real", "float"):
            raise ValueError(f"field must be a prime number or 'R', got {field!r}.")
        if engine == "exact":
            raise ValueError("engine='exact' computes over GF(p); pass a prime field, not 'R'.")
        return 0, "float"
    if isinstance(field, bool) or not isinstance(field, numbers.Integral):
        raise ValueError(f"field must be a prime number or 'R', got {field!r}.")
    p = int(field)
    if not is_prime(p):
        raise ValueError(f"field={p} is not a prime; GF(p) needs a prime p (e.g. 3, 5, 65521).")
    if p >= 2**26:
        raise ValueError(f"field={p} is too large: primes below 2**26 are supported.")
    if engine == "float":
        raise ValueError("engine='float' computes over the reals; pass field='R' or None.")
    if not sheaf.is_integral:
        raise ValueError(
            f"field={p} (exact arithmetic in GF({p})) needs integer-valued restriction maps, "
            "but this sheaf has non-integer entries; use field='R' for real-valued maps."
        )
    return p, "exact"


def _equilibrate(M: sp.csc_array):
    """Ruiz scaling: diagonal D_r, D_c with rows and columns of D_r M D_c of max-norm ≈ 1.

    Rescaling basis vectors is filtration-preserving, so the barcode is unchanged; it makes a
    relative tolerance meaningful on ill-scaled sheaves. Linear time per sweep, on a copy.
    """
    A = sp.csc_array(M, copy=True)
    A.sort_indices()
    A.data = np.asarray(A.data, dtype=np.float64)
    n_rows, n_cols = A.shape
    dr, dc = equilibrate(
        A.indptr.astype(np.int64),
        A.indices.astype(np.int64),
        A.data,
        np.arange(n_rows, dtype=np.int64),
        np.arange(n_cols, dtype=np.int64),
        n_rows,
        n_cols,
        4,
    )
    return A, dr, dc


def _check_inputs(sheaf: CellularSheaf, degrees, validate: bool):
    if not isinstance(sheaf, CellularSheaf):
        raise TypeError(f"sheaf must be a CellularSheaf, got {type(sheaf).__name__}.")
    degrees = check_degrees(degrees, name="degrees")
    if validate and not sheaf._cache.get("checked", False):
        sheaf.check()
        sheaf._cache["checked"] = True
    return degrees


def sheaf_persistence(
    sheaf: CellularSheaf,
    degrees=(0, 1),
    field=None,
    engine: str = "auto",
    *,
    representatives: bool = False,
    rtol: float = DEFAULT_RTOL,
    drop_zero_length: bool = True,
    validate: bool = True,
    implicit: bool = True,
):
    """Barcodes of persistent sheaf cohomology ``H^q(K_t; F)``.

    Parameters
    ----------
    sheaf : CellularSheaf
        The sheaf on a filtered complex; its maps are frozen when each simplex is born.
    degrees : sequence of int, default=(0, 1)
        Cohomology degrees. Degree ``q`` needs the complex's ``(q+1)``-simplices for finite
        deaths; a degree above the complex's top dimension has no bars (``H^q = 0`` when there
        are no q-simplices): an empty array.
    field : int, "R" or None
        A prime ``p`` (arithmetic in GF(p); integer-valued maps only — ``-1.0`` counts) or
        ``"R"`` (float64). ``None`` picks GF(:data:`DEFAULT_PRIME`) when every map is
        integer-valued, else ``"R"``. Over GF(2) every sign is +1, so orientation information
        disappears: pass ``field=2`` only if that is what you want.
    engine : {"auto", "exact", "float"}
        ``"exact"`` / ``"float"`` force the generic GF(p) / float64 engines on the stored
        complex; ``"auto"`` picks by ``field`` and may take the shortcuts: the rank-d constant
        sheaf as d copies of the rank-1 barcode, and the implicit flag engine (``implicit``).
    representatives : bool, default=False
        Also return one representative cocycle per bar.
    rtol : float, default=1e-9
        Float engine only (``field="R"``). Rows and columns of each δ^q are first rescaled to
        unit max-norm (a diagonal, filtration-preserving change of basis), then each stalk is
        reduced as a block (:mod:`tdasheaf.cohomology._float_reduction`): a rank is decided by
        the singular values of a stalk's block, a singular value counting as zero when at most
        ``rtol`` times the scale of the terms that formed it. The result does not depend on the
        orthonormal basis of any stalk, nor on rescaling basis vectors. It is the exact barcode
        of the given sheaf unless a :class:`~tdasheaf.exceptions.NumericalWarning` is emitted:
        the engine warns when a singular value lies above rounding noise
        (:data:`NOISE_LEVEL`) but at or near the threshold (below ``DOUBT_ABOVE · rtol``),
        or when a stalk's own coboundary block has condition number above
        ``1 / (STALK_DOUBT · rtol)``; the warning names the degree and filtration values.
        Bars always start and end at filtration values. See ``docs/sheaf_cohomology.md``.
    drop_zero_length : bool, default=True
        Drop bars with ``birth == death``.
    validate : bool, default=True
        Check δ∘δ = 0 once (cached on the sheaf); an inconsistent sheaf raises
        :class:`~tdasheaf.InvalidSheafError`.
    implicit : bool, default=True
        With ``engine="auto"`` and an exact field: degrees ≤ 2, rank-1 signed sheaves (the
        constant sheaf, :func:`~tdasheaf.sheaves.signed_graph_sheaf`, orientation sheaves) on
        flag (Rips) complexes: enumerate the triangles cofacing each edge, and the tetrahedra
        cofacing each triangle, on the fly instead of storing δ^1 and δ^2
        (:mod:`tdasheaf.cohomology._flag`, :mod:`tdasheaf.cohomology._flag2`). Degree ``q``
        takes this route when the complex has its ``(q+1)``-simplices (else the explicit
        path, whose top degree has no deaths). Same barcodes; ``False`` forces the explicit
        sparse path (for comparisons and benchmarks).

    Returns
    -------
    bars : dict
        degree → ``(n_bars, 2)`` float64 array of (birth, death), sorted by (birth, death).
    cocycles : dict, only if ``representatives=True``
        degree → list of :class:`Cocycle`, aligned with ``bars[degree]``.

    Examples
    --------
    A triangle's boundary with one sign-twisted edge has no cohomology over GF(3) (the
    untwisted one has H^0 = H^1 = 1):

    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import CellularSheaf
    >>> K = FilteredComplex.from_simplices(
    ...     [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)], [0, 0, 0, 1, 1, 2])
    >>> twisted = CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[-1]]})
    >>> sheaf_persistence(twisted, degrees=(0, 1), field=3)
    {0: array([[0., 1.],
           [0., 1.],
           [0., 2.]]), 1: array([], shape=(0, 2), dtype=float64)}
    >>> sheaf_persistence(CellularSheaf.from_restrictions(K, 1), field=3)
    {0: array([[ 0.,  1.],
           [ 0.,  1.],
           [ 0., inf]]), 1: array([[ 2., inf]])}
    """
    degrees = _check_inputs(sheaf, degrees, validate)
    p, _ = _resolve_field(sheaf, field, engine)
    if not (isinstance(rtol, numbers.Real) and 0 <= rtol < 1):
        raise ValueError(f"rtol must be a number in [0, 1), got {rtol!r}.")
    # H^q of a complex without q-simplices is 0: no bars, on every field and engine
    top = len(sheaf.stalk_dims) - 1
    present = tuple(q for q in degrees if q <= top)
    bars = {q: np.empty((0, 2)) for q in degrees}
    cocycles = {q: [] for q in degrees}
    if present:
        out = _dispatch(
            sheaf, present, p, engine, representatives, float(rtol), drop_zero_length, implicit
        )
        if representatives:
            bars.update(out[0])
            cocycles.update(out[1])
        else:
            bars.update(out)
    return (bars, cocycles) if representatives else bars


def _dispatch(sheaf, degrees, p, engine, representatives, rtol, drop_zero_length, implicit):
    """The engine for what the sheaf and complex are (degrees all present in the complex)."""
    if not representatives and engine == "auto":
        # "exact" / "float" force the generic engines: no shortcut, no implicit flag engine
        fast = _constant_rank_path(sheaf, degrees, p, rtol, implicit, drop_zero_length)
        if fast is not None:
            return fast
        if implicit:
            fast = _flag_path(sheaf, degrees, p, drop_zero_length)
            if fast is not None:
                return fast
    if p == 0:
        return _float_generic(sheaf, degrees, rtol, representatives, drop_zero_length)
    return _generic(sheaf, degrees, p, rtol, representatives, drop_zero_length)


def _constant_rank_path(sheaf, degrees, p, rtol, implicit, drop_zero_length):
    """The rank-d constant sheaf is the direct sum of d rank-1 constant sheaves."""
    rank = sheaf._cache.get("constant_rank")
    if rank is None or rank == 1:
        return None
    if rank == 0:
        return {q: np.empty((0, 2)) for q in degrees}
    from tdasheaf.sheaves import constant_sheaf

    base = sheaf_persistence(
        constant_sheaf(sheaf.complex, 1),
        degrees,
        p if p > 0 else "R",
        "auto",
        rtol=rtol,
        implicit=implicit,
        drop_zero_length=drop_zero_length,
        validate=False,
    )
    return {q: _sorted(np.repeat(b, rank, axis=0)) for q, b in base.items()}


def _edge_signs(sheaf):
    """Edge signs when the sheaf is a rank-1 signed graph sheaf (constant: all +1), else None."""
    if sheaf._cache.get("constant_rank") == 1:
        return np.ones(len(sheaf.complex.simplices[1]))
    return sheaf._cache.get("edge_signs")


def _flag_path(sheaf, degrees, p, drop_zero_length):
    """Degrees <= 2 of a signed sheaf on a flag complex, cofaces enumerated on the fly."""
    K = sheaf.complex
    if not K.flag or p == 0 or degrees[-1] > 2 or len(K.simplices) < 2:
        return None
    if len(K.simplices) < degrees[-1] + 2:
        return None  # the complex stops below degree + 1: the top degree's bars never die
    if _keys_overflow(K.n_vertices, degrees):
        return None  # triangle / tetrahedron keys would overflow int64: explicit path
    signs = _edge_signs(sheaf)
    if signs is None or (K.filtrations[0] != 0).any():
        return None
    n = K.n_vertices
    labels = K.vertex_labels
    edges = K.simplices[1]
    if n and (labels != np.arange(n)).any():  # e.g. landmark labels: use vertex positions
        position = np.empty(int(labels.max()) + 1, dtype=np.int64)
        position[labels] = np.arange(n)
        edges = position[edges]
    return _flag_bars(n, edges, K.filtrations[1], signs, degrees, p, drop_zero_length)


def _flag_bars(n, edges, values, signs, degrees, p, drop_zero_length, budget=None):
    """Bars of the signed sheaf on the flag complex of a graph whose edges are in order."""
    m = len(edges)
    signs = np.asarray(signs, dtype=np.float64)
    out = {}
    # δ^0: (δx)(ij) = s_ij x_j - x_i (face without vertex 0 is j, with sign +1)
    rows = np.concatenate([np.arange(m), np.arange(m)])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    vals = np.concatenate([np.asarray(signs, dtype=np.float64), -np.ones(m)]) % p
    M = sp.csc_array((vals, (rows, cols)), shape=(m, n))
    M.sort_indices()
    pivot, *_ = reduce_coboundary(
        M.indptr.astype(np.int64),
        M.indices.astype(np.int64),
        M.data.astype(np.float64),
        m,
        np.zeros(n, dtype=np.bool_),
        p,
        0.0,
        False,
    )
    if 0 in degrees:
        paired = np.flatnonzero(pivot >= 0)
        essential = np.flatnonzero(pivot < 0)
        b = np.column_stack(
            [
                np.zeros(len(paired) + len(essential)),
                np.concatenate([values[pivot[paired]], np.full(len(essential), np.inf)]),
            ]
        )
        out[0] = _finish(b, drop_zero_length)
    if degrees[-1] >= 1:
        tri = None
        indptr, nbr, eid = full_adjacency(n, edges)
        if 2 in degrees:  # count (and refuse) before the degree-1 work
            tri_keys, tri = flag_triangles(edges, values, signs, indptr, nbr, eid, budget)
            if tri_keys is None:
                raise ComplexTooLargeError(
                    f"the flag complex has {tri} triangles with a nonzero stalk "
                    f"(~{tri * TRIANGLE_BYTES / 2**30:.2f} GiB for the degree-2 engine, which "
                    f"stores them), over the memory budget of {budget / 2**30:.2f} GiB. Lower "
                    "max_edge_length, subsample with n_landmarks, drop degree 2, "
                    "or raise memory_budget."
                )
        skip = np.zeros(m, dtype=np.bool_)
        skip[pivot[pivot >= 0]] = True
        death, _, pivot_key = flag_degree1_pairs(n, edges, values, signs, indptr, nbr, eid, skip, p)
        if 1 in degrees:
            alive = ~np.isnan(death)
            out[1] = _finish(np.column_stack([values[alive], death[alive]]), drop_zero_length)
        if 2 in degrees:
            dense = dense_edge_ids(n, edges, DENSE_EDGE_BYTES)
            cleared = pivot_key[pivot_key >= 0]
            death2, _ = flag_degree2_pairs(
                n, tri_keys, tri, values, signs, indptr, nbr, eid, dense, cleared, p
            )
            alive = ~np.isnan(death2)
            out[2] = _finish(np.column_stack([tri[alive], death2[alive]]), drop_zero_length)
    return out


def _explicit_flag_bars(n, edges, values, signs, degrees, p, drop_zero_length, budget):
    """Fallback when simplex keys would overflow int64: build the flag complex, explicit engine."""
    from tdasheaf.complexes import _estimate_from_edges, _rips_from_edges
    from tdasheaf.sheaves import signed_graph_sheaf

    top = max(degrees) + 1  # the (q+1)-simplices give the deaths of degree q
    counts, nbytes = _estimate_from_edges(n, edges[:, 0], edges[:, 1], top)
    if nbytes > budget:
        raise ComplexTooLargeError(
            f"the flag complex would have about {counts.tolist()} simplices per dimension "
            f"(~{nbytes / 2**30:.2f} GiB), over the memory budget of {budget / 2**30:.2f} GiB "
            f"(with more than {MAX_VERTICES} vertices degree 2, and with more than "
            f"{MAX_VERTICES_DEGREE1} degree 1, is computed on the stored complex). Lower "
            "max_edge_length, subsample with n_landmarks, drop the top degree, "
            "or raise memory_budget."
        )
    K = _rips_from_edges(n, edges[:, 0], edges[:, 1], values, top)
    F = signed_graph_sheaf(K, signs)
    return _generic(F, degrees, p, 0.0, False, drop_zero_length)


def flag_persistence(
    n_vertices: int,
    edges,
    values,
    signs=None,
    degrees=(0, 1),
    field=None,
    *,
    drop_zero_length: bool = True,
    memory_budget: int | None = None,
) -> dict[int, np.ndarray]:
    """Persistent cohomology (degrees ≤ 2) of a signed sheaf on the flag complex of a graph.

    The kernel-level twin of :func:`sheaf_persistence` for Rips-type filtrations: vertices are
    born at 0, an edge at its value, a triangle at the largest value of its edges; the sheaf is
    :func:`~tdasheaf.sheaves.signed_graph_sheaf` of ``signs`` (all +1: the constant sheaf).
    For degrees ≤ 1 triangles are never stored — they are enumerated from the adjacency lists
    when an edge's column is reduced — so memory is linear in the number of edges. Degree 2
    stores the triangles with a nonzero stalk (16 bytes each, as ripser does) and never the
    tetrahedra, which are enumerated from the adjacency lists when a triangle's column is
    reduced (:mod:`tdasheaf.cohomology._flag2`).

    Parameters
    ----------
    n_vertices : int
    edges : array-like of shape (m, 2)
        Vertex pairs (any order within a pair; no duplicates or loops).
    values : array-like of shape (m,)
        Finite edge values (lengths).
    signs : array-like of shape (m,), optional
        ±1 per edge, for the pair as sorted ``(min, max)``; default all +1.
    degrees : sequence of int, default=(0, 1)
        Subset of {0, 1, 2}.
    field : prime or None
        GF(p); default :data:`DEFAULT_PRIME`.
    drop_zero_length : bool, default=True
        Drop bars with ``birth == death``.
    memory_budget : int, optional
        Bytes the stored triangles of degree 2 may use (default
        :func:`~tdasheaf.utils.default_memory_budget`: min(1.5 GiB, MemAvailable / 4), the
        library's one rule); over it raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError`. Above
        :data:`~tdasheaf.cohomology._flag2.MAX_VERTICES` vertices (tetrahedron keys would
        overflow int64) degree 2, and above
        :data:`~tdasheaf.cohomology._flag.MAX_VERTICES_DEGREE1` degree 1 (triangle keys), fall
        back to building the complex and the explicit engine, within the same budget.

    Returns
    -------
    dict
        degree → ``(n_bars, 2)`` array of (birth, death), as :func:`sheaf_persistence`.

    Examples
    --------
    A square 0-1-2-3 whose diagonals have length 1.5: one loop from 1 to 1.5.

    >>> edges = [(0, 1), (1, 2), (2, 3), (0, 3), (0, 2), (1, 3)]
    >>> flag_persistence(4, edges, [1, 1, 1, 1, 1.5, 1.5], field=3)[1]
    array([[1. , 1.5]])
    >>> flag_persistence(4, edges, [1, 1, 1, 1, 1.5, 1.5], signs=[1, 1, 1, -1, 1, 1],
    ...                  field=3)[0]   # a twisted loop has no global section
    array([[0., 1.],
           [0., 1.],
           [0., 1.],
           [0., 1.]])

    The boundary of an octahedron (a sphere) has one H^2 class, filled at the diagonal:

    >>> octa = [(i, j) for i in range(6) for j in range(i + 1, 6) if j != i + 3]
    >>> diag = [(0, 3), (1, 4), (2, 5)]
    >>> flag_persistence(6, octa + diag, [1] * 12 + [1.4] * 3, degrees=(2,), field=3)
    {2: array([[1. , 1.4]])}
    """
    degrees = check_degrees(degrees, name="degrees")
    if degrees[-1] > 2:
        raise ValueError(
            "flag_persistence computes degrees 0, 1 and 2; build the complex with rips_complex "
            "and use sheaf_persistence for higher degrees."
        )
    if not isinstance(n_vertices, numbers.Integral) or isinstance(n_vertices, bool):
        raise ValueError(f"n_vertices must be a non-negative integer, got {n_vertices!r}.")
    if n_vertices < 0:
        raise ValueError(f"n_vertices must be a non-negative integer, got {n_vertices!r}.")
    n = int(n_vertices)
    E = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.asarray(values, dtype=np.float64).reshape(-1)
    s = np.ones(len(E)) if signs is None else np.asarray(signs, dtype=np.float64).reshape(-1)
    if len(w) != len(E) or len(s) != len(E):
        raise ValueError(
            f"got {len(E)} edges, {len(w)} values and {len(s)} signs; they must match."
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("edge values must be finite and non-negative.")
    if not np.all(np.abs(s) == 1):
        raise ValueError("signs must contain only +1 and -1.")
    E = np.sort(E, axis=1)
    if len(E) and (E[:, 0] < 0).any() or len(E) and (E[:, 1] >= n).any():
        raise ValueError(f"edge endpoints must be vertex indices in [0, {n}).")
    if len(E) and (E[:, 0] == E[:, 1]).any():
        raise ValueError("edges must join two different vertices (no loops).")
    order = np.lexsort((E[:, 1], E[:, 0], w))
    E, w, s = E[order], w[order], s[order]
    if len(np.unique(E[:, 0] * n + E[:, 1])) != len(E):
        raise ValueError("edges contain duplicates.")
    if field is None:
        field = DEFAULT_PRIME
    if isinstance(field, bool) or not isinstance(field, numbers.Integral) or not is_prime(field):
        raise ValueError(f"field must be a prime below 2**26 (GF(p)), got {field!r}.")
    if field >= 2**26:
        raise ValueError(f"field={field} is too large: primes below 2**26 are supported.")
    budget = resolve_memory_budget(memory_budget)
    if _keys_overflow(n, degrees):
        return _explicit_flag_bars(n, E, w, s, degrees, int(field), drop_zero_length, budget)
    return _flag_bars(n, E, w, s, degrees, int(field), drop_zero_length, budget)


def _keys_overflow(n: int, degrees) -> bool:
    """Whether the implicit engine's int64 simplex keys overflow for ``n`` vertices."""
    top = max(degrees)
    return (top >= 2 and n > MAX_VERTICES) or (top >= 1 and n > MAX_VERTICES_DEGREE1)


def _finish(b: np.ndarray, drop_zero_length: bool) -> np.ndarray:
    b = b.reshape(-1, 2)
    if drop_zero_length:
        b = b[b[:, 1] > b[:, 0]]
    return _sorted(b)


def _sorted(b: np.ndarray) -> np.ndarray:
    return b[np.lexsort((b[:, 1], b[:, 0]))] if len(b) else np.empty((0, 2))


def _generic(sheaf, degrees, p, rtol, representatives, drop_zero_length):
    K = sheaf.complex
    top = len(sheaf.stalk_dims) - 1
    bars: dict[int, np.ndarray] = {}
    cocycles: dict[int, list] = {}
    skip_next = None
    for q in range(degrees[-1] + 1):
        n_q = sheaf.cochain_dim(q)
        f_q = np.repeat(K.filtrations[q], sheaf.stalk_dims[q])
        if q + 1 <= top:
            M = coboundary_csc(sheaf, q, p)
            f_next = np.repeat(K.filtrations[q + 1], sheaf.stalk_dims[q + 1])
        else:
            M = sp.csc_array((0, n_q))
            f_next = np.empty(0)
        col_scale = np.ones(n_q)
        if p == 0:
            M, _, col_scale = _equilibrate(M)
            M.sort_indices()
        skip = np.zeros(n_q, dtype=np.bool_) if skip_next is None else skip_next
        pivot, v_ptr, v_len, v_idx, v_val, _ = reduce_coboundary(
            M.indptr.astype(np.int64),
            M.indices.astype(np.int64),
            M.data.astype(np.float64),
            M.shape[0],
            skip,
            p,
            rtol,
            representatives and q in degrees,
        )
        skip_next = np.zeros(M.shape[0], dtype=np.bool_)
        skip_next[pivot[pivot >= 0]] = True
        if q not in degrees:
            continue
        paired = np.flatnonzero(pivot >= 0)
        essential = np.flatnonzero((pivot < 0) & ~skip)
        cols = np.concatenate([paired, essential])
        b = (
            np.column_stack(
                [
                    f_q[cols],
                    np.concatenate([f_next[pivot[paired]], np.full(len(essential), np.inf)]),
                ]
            )
            if len(cols)
            else np.empty((0, 2))
        )
        keep = b[:, 1] > b[:, 0] if drop_zero_length else np.ones(len(b), dtype=bool)
        cols, b = cols[keep], b[keep]
        order = np.lexsort((cols, b[:, 1], b[:, 0])) if len(b) else np.empty(0, np.int64)
        bars[q] = b[order] if len(b) else np.empty((0, 2))
        if representatives:
            cocycles[q] = [
                _cocycle(sheaf, q, c, v_ptr, v_len, v_idx, v_val, col_scale, p) for c in cols[order]
            ]
    if representatives:
        return bars, cocycles
    return bars


def _cocycle(sheaf, q, c, v_ptr, v_len, v_idx, v_val, col_scale, p) -> Cocycle:
    if v_ptr[c] < 0:
        idx, val = np.array([c]), np.array([1.0])
    else:
        idx = v_idx[v_ptr[c] : v_ptr[c] + v_len[c]]
        val = v_val[v_ptr[c] : v_ptr[c] + v_len[c]]
    val = val * col_scale[idx]
    if p > 0:
        val = np.mod(np.round(val), p)
    dims = sheaf.stalk_dims[q]
    owner = np.repeat(np.arange(len(dims)), dims)
    off = sheaf.offsets(q)
    simplex = owner[idx]
    uniq, inverse = np.unique(simplex, return_inverse=True)
    values = np.zeros((len(uniq), int(dims.max(initial=0))))
    values[inverse, idx - off[simplex]] = val
    return Cocycle(
        degree=q,
        simplex_indices=uniq,
        simplices=sheaf.complex.simplices[q][uniq],
        values=values,
    )


def _float_generic(sheaf, degrees, rtol, representatives, drop_zero_length):
    """The certified float engine: blockwise reduction per stalk (:mod:`._float_reduction`)."""
    K = sheaf.complex
    top = len(sheaf.stalk_dims) - 1
    bars: dict[int, np.ndarray] = {}
    cocycles: dict[int, list] = {}
    doubts: dict[int, list] = {}
    n_simplices = [len(s) for s in K.simplices]
    clear_k = np.zeros(n_simplices[0], dtype=np.int64)
    clear_q = np.zeros((sheaf.cochain_dim(0), 1))
    for q in range(degrees[-1] + 1):
        dims = sheaf.stalk_dims[q]
        col_ptr = sheaf.offsets(q)
        col_group = np.repeat(np.arange(len(dims), dtype=np.int64), dims)
        if q + 1 <= top:
            M = coboundary_csc(sheaf, q, 0)
            next_dims = sheaf.stalk_dims[q + 1]
            row_ptr = sheaf.offsets(q + 1)
            f_next = K.filtrations[q + 1]
        else:
            M = sp.csc_array((0, sheaf.cochain_dim(q)))
            next_dims = np.zeros(0, dtype=np.int64)
            row_ptr = np.zeros(1, dtype=np.int64)
            f_next = np.empty(0)
        f_q = K.filtrations[q]
        if M.nnz == 0 and not (representatives and q in degrees):
            # nothing to reduce: every uncleared direction is an essential class
            if q in degrees:
                bar_col = np.repeat(np.arange(len(dims)), dims - clear_k)
                bars[q] = _float_bars(
                    f_q, f_next, bar_col, np.full(len(bar_col), -1), drop_zero_length
                )[0]
            clear_k = np.zeros(len(next_dims), dtype=np.int64)
            clear_q = np.zeros((int(next_dims.sum()), 1))
            continue
        row_group = np.repeat(np.arange(len(next_dims), dtype=np.int64), next_dims)
        indptr = M.indptr.astype(np.int64)
        indices = M.indices.astype(np.int64)
        data = np.array(M.data, dtype=np.float64)
        # one scalar per stalk (Curtis-Reid on block norms): a filtration-preserving change of
        # basis under which orthogonal changes and rescalings of stalks are invisible
        row_scale, col_scale = stalk_scaling(
            indptr, indices, data, row_group, col_group, len(next_dims), len(dims)
        )
        cols = np.repeat(np.arange(len(col_group)), np.diff(indptr))
        data *= row_scale[row_group[indices]] * col_scale[col_group[cols]]
        col_scale = col_scale[col_group]
        out = reduce_blocks(
            indptr,
            indices,
            data,
            row_ptr.astype(np.int64),
            row_group,
            col_ptr.astype(np.int64),
            clear_k,
            clear_q,
            rtol,
            min(NOISE_LEVEL, rtol),
            DOUBT_ABOVE * rtol,
            MAX_GROWTH,
            representatives and q in degrees,
        )
        bar_col, bar_row, clear_k, clear_q, d_col, d_row, d_ratio, v_ptr, v_len, v_idx, v_val = out
        # a stalk whose own coboundary block is ill-conditioned cannot be certified either
        band = (min(STALK_NOISE, rtol), STALK_DOUBT * rtol)
        # Gram matrices clear most stalks in one pass; the rest get the exact (SVD) check
        col_check, row_check = gram_screen(
            indptr, indices, data, row_group, row_ptr.astype(np.int64), col_ptr, GRAM_SCREEN
        )
        groups, ratios = stalk_doubts(
            indptr, indices, data, len(row_group), col_ptr, col_check, *band
        )
        groups_t = ratios_t = np.empty(0)
        if row_check.any():
            T = sp.csc_array((data, indices, indptr), shape=M.shape).T.tocsc()
            T.sort_indices()
            groups_t, ratios_t = stalk_doubts(
                T.indptr.astype(np.int64),
                T.indices.astype(np.int64),
                T.data,
                len(col_group),
                row_ptr.astype(np.int64),
                row_check,
                *band,
            )
        for h, ratio in zip(groups, ratios, strict=True):
            if q in degrees:
                doubts.setdefault(q, []).append((f_q[h], np.nan, ratio))
        for g, ratio in zip(groups_t, ratios_t, strict=True):
            if q + 1 in degrees or q in degrees:
                doubts.setdefault(q + 1 if q + 1 in degrees else q, []).append(
                    (f_next[g], np.nan, ratio)
                )
        for h, g, ratio in zip(d_col, d_row, d_ratio, strict=True):
            # a doubtful rank of δ^q moves bars of degree q and the cleared part of q + 1
            where = q if q in degrees else q + 1
            if where in degrees:
                doubts.setdefault(where, []).append((f_q[h], f_next[g], ratio))
        if q not in degrees:
            continue
        bars[q], order = _float_bars(f_q, f_next, bar_col, bar_row, drop_zero_length)
        if representatives:
            cocycles[q] = [
                _cocycle(sheaf, q, i, v_ptr, v_len, v_idx, v_val, col_scale, 0) for i in order
            ]
    for q, items in sorted(doubts.items()):
        _warn_doubts(q, items, rtol)
    if representatives:
        return bars, cocycles
    return bars


def _float_bars(f_q, f_next, bar_col, bar_row, drop_zero_length):
    """Bars (sorted) from the engine's (column group, row group or -1) records, and their order."""
    death = np.full(len(bar_col), np.inf)
    paired = bar_row >= 0
    death[paired] = f_next[bar_row[paired]]
    b = np.column_stack([f_q[bar_col], death]) if len(bar_col) else np.empty((0, 2))
    keep = b[:, 1] > b[:, 0] if drop_zero_length else np.ones(len(b), dtype=bool)
    idx = np.flatnonzero(keep)
    order = idx[np.lexsort((bar_col[idx], b[idx, 1], b[idx, 0]))] if len(idx) else idx
    return (b[order] if len(order) else np.empty((0, 2))), order


def _warn_doubts(q: int, items: list, rtol: float) -> None:
    items = sorted(items, key=lambda t: abs(np.log10(max(t[2], 1e-300))))
    shown = ", ".join(
        (
            f"(t={a:.6g}, a stalk's coboundary block of condition {1 / r:.2g})"
            if np.isnan(b)
            else f"(t={a:.6g}, coface t={b:.6g}: σ/threshold={r:.2g})"
        )
        for a, b, r in items[:3]
    )
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    warnings.warn(
        NumericalWarning(
            f"the float engine cannot certify the degree-{q} barcode: {len(items)} rank "
            f"decision(s) had a singular value above rounding noise but at or near the zero "
            f"threshold rtol={rtol:g} (relative to the scale of the terms), at {shown}{more}; "
            "a sheaf this close to the given one can have another barcode. Bars born or dying "
            "at these values may be wrong. For integer-valued maps use an exact field "
            "(field=<prime>); otherwise check the data's conditioning (e.g. a different "
            "local dimension `dim`, or a coarser scale / max_edge_length).",
            degree=q,
            values=sorted({float(v) for a, b, _ in items for v in (a, b) if not np.isnan(v)}),
        ),
        stacklevel=3,
    )
