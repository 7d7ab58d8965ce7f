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

import numpy as np

from tdasheaf.cohomology._engines import (  # noqa: F401  (re-exported: tests, benchmarks)
    DEFAULT_RTOL,
    DOUBT_ABOVE,
    GRAM_SCREEN,
    MAX_GROWTH,
    NOISE_LEVEL,
    STALK_DOUBT,
    STALK_NOISE,
    Cocycle,
    _float_generic,
    _generic,
    _sorted,
)
from tdasheaf.cohomology._flag_route import (  # noqa: F401  (re-exported)
    DENSE_EDGE_BYTES,
    FLAG_BYTES_PER_EDGE,
    FLAG_BYTES_PER_VERTEX,
    _explicit_flag_bars,
    _flag_bars,
    _keys_overflow,
)
from tdasheaf.complexes import FlagFiltration, _flag_from_edges, collapse_edges
from tdasheaf.complexes._collapse import collapse_bytes
from tdasheaf.sheaves import CellularSheaf, ConstantSheaf, SignedGraphSheaf
from tdasheaf.utils import check_degrees, over_budget, resolve_memory_budget
from tdasheaf.utils._field import DEFAULT_PRIME, check_field, is_prime

__all__ = [
    "DEFAULT_PRIME",
    "DEFAULT_RTOL",
    "Cocycle",
    "flag_persistence",
    "is_prime",
    "representative_cocycles",
    "sheaf_persistence",
]

#: :data:`DEFAULT_PRIME` (from :mod:`tdasheaf.utils._field`): the prime used when ``field=None``
#: and every restriction map is integer-valued, 65521, the largest prime below 2**16. Large
#: enough that GF(p) answers agree with ℚ unless the integral cohomology has p-torsion; odd, so
#: signs (orientation information) survive. The one default of every exact route.


def _resolve_field(sheaf: CellularSheaf, field, engine: str):
    """Return (p, engine) with p = 0 for the reals: the one field rule of the sheaf routes."""
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
    field = check_field(field, allow_real=True)
    if field == "R":
        if engine == "exact":
            raise ValueError("engine='exact' computes over GF(p); pass a prime field, not 'R'.")
        return 0, "float"
    p = int(field)
    if engine == "float":
        raise ValueError("engine='float' computes over the reals; pass field='R' or None.")
    if not sheaf.is_integral:
        raise ValueError(
            f"field={p} (exact arithmetic in GF({p})) needs integer-valued restriction maps, "
            "but this sheaf has non-integer entries; use field='R' for real-valued maps."
        )
    return p, "exact"


def _check_inputs(sheaf: CellularSheaf, degrees, validate: bool):
    if not isinstance(sheaf, CellularSheaf):
        raise TypeError(f"sheaf must be a CellularSheaf, got {type(sheaf).__name__}.")
    degrees = check_degrees(degrees, name="degrees")
    if validate and not sheaf._cache.get("checked", False):
        # the arrays are read-only and the attributes frozen: a check, once passed, stays true
        sheaf.check()
        sheaf._cache["checked"] = True
    return degrees


def _check_rtol(rtol, p: int) -> float:
    """The float engine's tolerance; refused with a prime field (where it would be ignored)."""
    if rtol is None:
        return DEFAULT_RTOL
    if p != 0:
        raise ValueError(
            f"rtol={rtol!r} applies to the floating-point engine (field='R') only; exact "
            f"arithmetic in GF({p}) has no tolerance. Drop rtol or pass field='R'."
        )
    if not (isinstance(rtol, numbers.Real) and 0 <= rtol < 1):
        raise ValueError(f"rtol must be a number in [0, 1), got {rtol!r}.")
    return float(rtol)


def _top_dimension(sheaf: CellularSheaf) -> int:
    """Top dimension with stalks, read without building a lazy kind's arrays."""
    if isinstance(sheaf, (ConstantSheaf, SignedGraphSheaf)):
        fil = sheaf.filtration
        if isinstance(fil, FlagFiltration):
            return fil.max_dimension if fil.n_edges else min(fil.max_dimension, 0)
        return max(fil.dimension, 0)
    return len(sheaf.stalk_dims) - 1


def sheaf_persistence(
    sheaf: CellularSheaf,
    degrees=(0, 1),
    field=None,
    engine: str = "auto",
    *,
    representatives: bool = False,
    rtol: float | None = None,
    drop_zero_length: bool = True,
    validate: bool = True,
    implicit: bool = True,
    memory_budget: int | None = None,
    collapse: bool | str = "auto",
) -> dict[int, np.ndarray]:
    """Barcodes of persistent sheaf cohomology ``H^q(K_t; F)``.

    The one dispatcher: the engine is chosen from what the sheaf and its filtration *are*
    (their types, fixed at construction), never from cached tags —

    * :class:`~tdasheaf.sheaves.ConstantSheaf` of rank ``r > 1``: ``r`` copies of the rank-1
      barcode;
    * :class:`~tdasheaf.sheaves.ConstantSheaf` (rank 1) and
      :class:`~tdasheaf.sheaves.SignedGraphSheaf` on a
      :class:`~tdasheaf.complexes.FlagFiltration` or a (verified) flag complex, degrees ≤ 2,
      exact field: the implicit flag engine, cofaces enumerated from the edges (a lazy
      filtration's triangles are never built);
    * everything else: the generic engine on the explicit complex, GF(p) or certified float64.

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
        Deprecated (``FutureWarning``; removed in two releases): also return one
        representative cocycle per bar, as a tuple. Use :func:`representative_cocycles`.
    rtol : float, optional
        Float engine only (``field="R"``; with a prime field passing it raises). Default
        :data:`DEFAULT_RTOL` = 1e-9. Rows and columns of each δ^q are first rescaled to
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
    memory_budget : int, optional
        Bytes the implicit engine's stored triangles (degree 2) and any complex built from a
        lazy :class:`~tdasheaf.complexes.FlagFiltration` may use (default
        :func:`~tdasheaf.utils.default_memory_budget`); over it raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError`.
    collapse : {"auto", True, False}, default="auto"
        Edge-collapse the graph first (:func:`~tdasheaf.complexes.collapse_edges`) when the
        sheaf is a :class:`~tdasheaf.sheaves.ConstantSheaf` or
        :class:`~tdasheaf.sheaves.SignedGraphSheaf` on a flag filtration, ``engine="auto"``
        and ``drop_zero_length=True`` — the cases where it provably changes no bar (bars of
        length zero depend on the simplices present; ``docs/sheaf_cohomology.md``, "Edge
        collapse"). ``"auto"`` collapses when it pays: for degree 2 and whenever the complex
        is built (generic engines), not for the implicit engine in degrees ≤ 1, whose own
        coface scan costs about as much as the collapse would
        (``pipelines/benchmarks/engine_vs_peers.py``); ``True`` collapses wherever valid,
        ``False`` never.

    Returns
    -------
    bars : dict
        degree → ``(n_bars, 2)`` float64 array of (birth, death), sorted by (birth, death).

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
    if representatives:
        warnings.warn(
            "sheaf_persistence(..., representatives=True) is deprecated and will be removed "
            "in two releases: it returns a tuple instead of the barcode dict. Use "
            "representative_cocycles(sheaf, ...), which returns (bars, cocycles).",
            FutureWarning,
            stacklevel=2,
        )
        return representative_cocycles(
            sheaf,
            degrees,
            field,
            engine,
            rtol=rtol,
            drop_zero_length=drop_zero_length,
            validate=validate,
        )
    bars, _ = _persistence(
        sheaf,
        degrees,
        field,
        engine,
        False,
        rtol,
        drop_zero_length,
        validate,
        implicit,
        memory_budget,
        collapse,
    )
    return bars


def representative_cocycles(
    sheaf: CellularSheaf,
    degrees=(0, 1),
    field=None,
    engine: str = "auto",
    *,
    rtol: float | None = None,
    drop_zero_length: bool = True,
    validate: bool = True,
) -> tuple[dict[int, np.ndarray], dict[int, list[Cocycle]]]:
    """Barcodes and one representative cocycle per bar (generic engines).

    Same parameters and barcodes as :func:`sheaf_persistence`; the representatives come from
    the reduction of the explicit coboundaries (a lazy filtration is built first).

    Returns
    -------
    bars : dict
        degree → ``(n_bars, 2)`` array, as :func:`sheaf_persistence`.
    cocycles : dict
        degree → list of :class:`Cocycle`, aligned with ``bars[degree]``.

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> K = FilteredComplex.from_simplices(
    ...     [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)], [0, 0, 0, 1, 1, 2])
    >>> bars, cocycles = representative_cocycles(constant_sheaf(K), degrees=(1,), field=3)
    >>> bars[1], len(cocycles[1])
    (array([[ 2., inf]]), 1)
    """
    return _persistence(
        sheaf, degrees, field, engine, True, rtol, drop_zero_length, validate, True, None, False
    )


def _persistence(
    sheaf,
    degrees,
    field,
    engine,
    representatives,
    rtol,
    drop_zero_length,
    validate,
    implicit,
    memory_budget,
    collapse,
):
    degrees = _check_inputs(sheaf, degrees, validate)
    if collapse not in ("auto", True, False):
        raise ValueError(f"collapse must be 'auto', True or False, got {collapse!r}.")
    p, _ = _resolve_field(sheaf, field, engine)
    rtol = _check_rtol(rtol, p)
    budget = resolve_memory_budget(memory_budget)
    # H^q of a complex without q-simplices is 0: no bars, on every field and engine
    top = _top_dimension(sheaf)
    present = tuple(q for q in degrees if q <= top)
    bars = {q: np.empty((0, 2)) for q in degrees}
    cocycles = {q: [] for q in degrees}
    if present:
        if not representatives and engine == "auto" and drop_zero_length and collapse:
            sheaf = _collapsed(sheaf, present, p, implicit, collapse, budget)
        out = _dispatch(
            sheaf, present, p, engine, representatives, rtol, drop_zero_length, implicit, budget
        )
        if representatives:
            bars.update(out[0])
            cocycles.update(out[1])
        else:
            bars.update(out)
    return bars, cocycles


def _dispatch(sheaf, degrees, p, engine, representatives, rtol, drop_zero_length, implicit, budget):
    """The engine for what the sheaf and its filtration are (degrees all present)."""
    if not representatives and engine == "auto":
        # "exact" / "float" force the generic engines: no shortcut, no implicit flag engine
        if isinstance(sheaf, ConstantSheaf) and sheaf.rank != 1:
            if sheaf.rank == 0:
                return {q: np.empty((0, 2)) for q in degrees}
            base = _dispatch(
                ConstantSheaf(sheaf.filtration, 1),
                degrees,
                p,
                engine,
                False,
                rtol,
                drop_zero_length,
                implicit,
                budget,
            )
            return {q: _sorted(np.repeat(b, sheaf.rank, axis=0)) for q, b in base.items()}
        if implicit and p != 0:
            route = _flag_route(sheaf, degrees)
            if route is not None:
                flag, signs = route
                # int64 simplex keys would overflow: build the complex (within the budget)
                bars = (
                    _explicit_flag_bars if _keys_overflow(flag.n_vertices, degrees) else _flag_bars
                )
                return bars(
                    flag.n_vertices,
                    flag.edges,
                    flag.values,
                    signs,
                    degrees,
                    p,
                    drop_zero_length,
                    budget,
                )
    if isinstance(getattr(sheaf, "filtration", None), FlagFiltration):
        if "complex" not in sheaf._cache:  # built once, within the budget (or refused)
            sheaf._cache["complex"] = sheaf.filtration.to_complex(memory_budget=budget)
        # the built complex may stop below max_dimension (no cliques that large): H^q = 0
        # there, and the caller has empty bars for those degrees already
        degrees = tuple(q for q in degrees if q < len(sheaf.stalk_dims))
        if not degrees:
            return ({}, {}) if representatives else {}
    if p == 0:
        return _float_generic(sheaf, degrees, rtol, representatives, drop_zero_length)
    return _generic(sheaf, degrees, p, rtol, representatives, drop_zero_length)


def _collapsed(sheaf, degrees, p, implicit, collapse, budget):
    """The same kind of sheaf on the edge-collapsed flag filtration (or ``sheaf`` unchanged).

    Valid for the constant and signed graph sheaves, all bars of positive length kept
    (:func:`~tdasheaf.complexes.collapse_edges`); with ``collapse="auto"`` skipped where the
    implicit engine computes degrees ≤ 1 (the collapse would cost about what it saves).
    """
    if not isinstance(sheaf, (ConstantSheaf, SignedGraphSheaf)):
        return sheaf
    fil = sheaf.filtration
    if isinstance(fil, FlagFiltration):
        flag = fil
    else:
        flag = fil.to_flag_filtration()
        if flag is None:
            return sheaf
        flag = flag.with_max_dimension(max(len(fil.simplices) - 1, 1))
    if flag.n_edges == 0 or flag.max_dimension < degrees[-1] + 1:
        # H^q of a complex that stops at dimension q is not that of the flag complex: the
        # collapse (a homotopy equivalence of flag complexes) would change it
        return sheaf
    implicit_route = (
        implicit and p != 0 and degrees[-1] <= 2 and not _keys_overflow(flag.n_vertices, degrees)
    )
    if collapse == "auto" and implicit_route and degrees[-1] < 2:
        return sheaf
    signed = not isinstance(sheaf, ConstantSheaf)
    need = collapse_bytes(flag.n_vertices, flag.n_edges, signed)
    if need > budget:
        raise over_budget(
            f"the edge collapse of {flag.n_edges:,} edges on {flag.n_vertices:,} vertices",
            need,
            budget,
            "Lower max_edge_length, subsample with n_landmarks, pass collapse=False",
        )
    if isinstance(sheaf, ConstantSheaf):
        collapsed, _ = collapse_edges(flag)
        return ConstantSheaf(collapsed, sheaf.rank)
    signs = np.asarray(sheaf.edge_signs)
    collapsed, kept = collapse_edges(flag, signs)
    return SignedGraphSheaf(collapsed, signs[kept])


def _flag_route(sheaf, degrees):
    """(flag filtration, edge signs) when the implicit flag engine computes these degrees."""
    if not isinstance(sheaf, (ConstantSheaf, SignedGraphSheaf)) or degrees[-1] > 2:
        return None
    fil = sheaf.filtration
    if isinstance(fil, FlagFiltration):
        flag, top = fil, fil.max_dimension
    else:
        flag, top = fil.to_flag_filtration(), len(fil.simplices) - 1
    if flag is None or top < degrees[-1] + 1:
        return None  # the complex stops below degree + 1: the top degree's bars never die
    if isinstance(sheaf, ConstantSheaf):
        return flag, np.ones(flag.n_edges)
    return flag, sheaf.edge_signs


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
    collapse: bool | str = "auto",
) -> dict[int, np.ndarray]:
    """Persistent cohomology (degrees ≤ 2) of a signed sheaf on the flag complex of a graph.

    The kernel-level twin of :func:`sheaf_persistence` for Rips-type filtrations: vertices are
    born at 0, an edge at its value, a triangle at the largest value of its edges; the sheaf is
    :func:`~tdasheaf.sheaves.signed_graph_sheaf` of ``signs`` (all +1: the constant sheaf).
    For degrees ≤ 1 triangles are never stored — they are enumerated from the adjacency lists
    when an edge's column is reduced — so memory is linear in the number of edges. Degree 2
    stores the triangles with a nonzero stalk (16 bytes each, as ripser does) and never the
    tetrahedra, which are enumerated from the adjacency lists when a triangle's column is
    reduced (:mod:`tdasheaf.cohomology._flag2`). Degree 1 runs on numba's thread count
    (``numba.set_num_threads``, ``NUMBA_NUM_THREADS``) when the graph has 20,000 edges or more;
    the bars are the same for every thread count (:mod:`tdasheaf.cohomology._flag_threads`).

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
    collapse : {"auto", True, False}, default="auto"
        Edge collapse first, as :func:`sheaf_persistence` (valid for every signed sheaf;
        ``"auto"``: when degree 2 is asked).

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
    field = check_field(field)
    n_edges = len(np.asarray(edges).reshape(-1, 2)) if np.size(edges) else 0
    w = np.asarray(values, dtype=np.float64).reshape(-1)
    s = np.ones(n_edges) if signs is None else np.asarray(signs, dtype=np.float64).reshape(-1)
    if len(w) != n_edges or len(s) != n_edges:
        raise ValueError(
            f"got {n_edges} edges, {len(w)} values and {len(s)} signs; they must match."
        )
    if not np.all(np.abs(s) == 1):
        raise ValueError("signs must contain only +1 and -1.")
    # one validation and one edge order for every flag route (FlagFiltration); the signs
    # follow their edges through the sort
    graph, order = _flag_from_edges(n_vertices, edges, w, degrees[-1] + 1)
    sheaf = SignedGraphSheaf(graph, s[order])
    return sheaf_persistence(
        sheaf,
        degrees,
        field,
        drop_zero_length=drop_zero_length,
        validate=False,
        memory_budget=memory_budget,
        collapse=collapse,
    )
