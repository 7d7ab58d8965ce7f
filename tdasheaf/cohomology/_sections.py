"""Global sections, consistency and heat diffusion of assignments to a sheaf's vertices.

Assignments (the one input format of this module)
-------------------------------------------------
An *assignment* is a 0-cochain: a vector ``a(v) ∈ F(v)`` at every vertex ``v``, the vertices in
the complex's order (the rows of ``sheaf.complex.simplices[0]``; ``complex.vertex_labels`` gives
their labels, for a point cloud's Rips complex row ``v`` is point ``v``). It is given as

* a flat array of shape ``(sheaf.cochain_dim(0),)``, the stalks concatenated
  (vertex ``v`` owns ``sheaf.offsets(0)[v]:sheaf.offsets(0)[v + 1]``), or
* when every vertex stalk has the same dimension ``d``, an array of shape ``(n_vertices, d)``.

Results come back in the layout given. Edge values (:func:`edge_inconsistencies`) use the same
two layouts on the edges. *Partial* assignments are described by one convention only: a boolean
mask ``observed`` of shape ``(n_vertices,)``. Values at unobserved vertices are ignored (they may
be NaN); without a mask every value must be finite.

The mathematics
---------------
A global section is an assignment with ``F_{v⊲e} a(v) = F_{w⊲e} a(w)`` on every edge ``e = vw``,
i.e. an element of ``H^0 = ker δ^0 = ker L^0`` (the degree-0 Laplacian ``L^0 = (δ^0)ᵀδ^0``). The
*inconsistency* of an edge is ``‖F_{v⊲e} a(v) − F_{w⊲e} a(w)‖ = ‖(δ^0 a)(e)‖``; the consistency
radius (Robinson) is its maximum over edges (or the ℓ² norm ``‖δ^0 a‖``).
:func:`nearest_global_section` is the orthogonal projection onto ``ker δ^0`` in the weighted
stalk norm ``‖a‖_W² = Σ_v w_v ‖a(v)‖²``, computed by LSQR on ``δ^0`` (never a dense matrix).
:func:`sheaf_diffusion` is the heat flow ``exp(−t L^0)``, which converges to that projection as
``t → ∞``.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from tdasheaf.cohomology._coboundary import coboundary
from tdasheaf.cohomology._persistence import sheaf_persistence
from tdasheaf.complexes import _VERIFIED_FLAG, FilteredComplex, filtration_order
from tdasheaf.diagrams import diagram_from_bars
from tdasheaf.sheaves import CellularSheaf, constant_sheaf
from tdasheaf.utils import check_degrees
from tdasheaf.utils._parallel import limit_threads

__all__ = [
    "ConsistencyFiltration",
    "GlobalSection",
    "consistency_filtration",
    "consistency_radius",
    "edge_inconsistencies",
    "nearest_global_section",
    "sheaf_diffusion",
    "vertex_inconsistencies",
]

#: ``method="auto"`` of :func:`sheaf_diffusion` uses ``expm_multiply`` while ``t·‖L‖₁`` is at
#: most this (its cost grows like ``t·‖L‖₁``: ~0.5 s per 1000 on a 6000-dof tangent sheaf).
EXPM_MAX_NORM = 1e4
#: Beyond it, ``exp(−tL)x`` is the projection ``Px`` once ``‖exp(−t₀L)x − Px‖_W`` is at most this
#: times ``‖x‖_W`` (``t₀ = EXPM_MAX_NORM / ‖L‖₁``); otherwise the contour method runs.
_DECAYED_RTOL = 1e-10
#: LSQR tolerance of the projection used by the diffusion.
_PROJECTION_RTOL = 1e-12
#: Quadrature nodes of the contour method: uniform error ≈ 1e-14 for ``e^x`` on ``(−∞, 0]``.
_CONTOUR_NODES = 32
#: Above this ``t·‖L‖₁`` the contour method diffuses only ``x − Px`` (``P`` the projection onto
#: ``ker L``) and adds ``Px`` back: LU round-off then stays bounded as ``t → ∞``.
_SPLIT_ABOVE = 1e6


# ----------------------------------------------------------------------------------------------
# Input normalisation
# ----------------------------------------------------------------------------------------------


def _one_blas_thread():
    """LSQR/CG/expm_multiply do level-1 BLAS on vectors: threads only contend (badly so on a
    busy machine, where a 150-iteration LSQR went from 0.07 s to 6 s)."""
    return limit_threads(1, "blas")


def _cochain(sheaf: CellularSheaf, values, k: int, name: str, mask=None):
    """Flat float64 cochain of degree ``k`` and a function restoring the caller's layout."""
    if not isinstance(sheaf, CellularSheaf):
        raise TypeError(f"sheaf must be a CellularSheaf, got {type(sheaf).__name__}.")
    A = np.asarray(values, dtype=np.float64)
    n = len(sheaf.stalk_dims[k]) if k < len(sheaf.stalk_dims) else 0
    dims = sheaf.stalk_dims[k] if n else np.empty(0, np.int64)
    total = int(dims.sum())
    cells = "vertices" if k == 0 else "edges"
    if A.ndim == 1 and A.shape[0] == total:
        flat, restore = A.copy(), (lambda x: x)
    elif A.ndim == 2 and A.shape[0] == n and n and (dims == A.shape[1]).all():
        shape = A.shape
        flat, restore = A.reshape(-1).copy(), (lambda x: x.reshape(shape))
    else:
        same = n and (dims == dims[0]).all()
        alt = f" or ({n}, {int(dims[0])})" if same else ""
        raise ValueError(
            f"{name} must have shape ({total},) (the stalks of the {n} {cells} concatenated)"
            f"{alt}, got shape {A.shape}."
        )
    if mask is None:
        if not np.isfinite(flat).all():
            raise ValueError(
                f"{name} contains NaN or infinite values; for a partial assignment pass "
                "observed=<boolean mask of the observed vertices>."
            )
    else:
        bad = mask & ~np.isfinite(flat)
        if bad.any():
            raise ValueError(f"{name} has NaN or infinite values at observed vertices.")
        flat[~mask] = 0.0
    return flat, restore


def _vertex_mask(sheaf: CellularSheaf, observed) -> np.ndarray | None:
    """Boolean mask per vertex (None = all observed)."""
    if observed is None:
        return None
    m = np.asarray(observed)
    n = len(sheaf.stalk_dims[0])
    if m.dtype != np.bool_ or m.shape != (n,):
        raise ValueError(
            f"observed must be a boolean array of shape ({n},) (one flag per vertex), got "
            f"dtype {m.dtype} and shape {m.shape}."
        )
    return m


def _dof_mask(sheaf: CellularSheaf, vertex_mask: np.ndarray | None) -> np.ndarray | None:
    return None if vertex_mask is None else np.repeat(vertex_mask, sheaf.stalk_dims[0])


def _stalk_weights(sheaf: CellularSheaf, weights, k: int, name: str) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    n = len(sheaf.stalk_dims[k])
    if w.shape != (n,) or not np.isfinite(w).all() or not (w > 0).all():
        raise ValueError(f"{name} must be positive and finite, one per cell ({n}), got {w.shape}.")
    return np.repeat(w, sheaf.stalk_dims[k])


def _check_tol(rtol, maxiter):
    if isinstance(rtol, bool) or not isinstance(rtol, numbers.Real) or not 0 < rtol < 1:
        raise ValueError(f"rtol must be a number in (0, 1), got {rtol!r}.")
    if maxiter is not None and (
        isinstance(maxiter, bool) or not isinstance(maxiter, numbers.Integral) or maxiter < 1
    ):
        raise ValueError(f"maxiter must be a positive integer or None, got {maxiter!r}.")


# ----------------------------------------------------------------------------------------------
# Nearest global section
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GlobalSection:
    """Result of :func:`nearest_global_section`.

    Attributes
    ----------
    section : ndarray
        The global section, in the layout of the assignment.
    residual_norm : float
        ``sqrt(Σ_{v observed} w_v ‖s(v) − a(v)‖²)``, the distance minimised.
    residual : ndarray of shape (n_vertices,)
        ``‖s(v) − a(v)‖`` per vertex (unweighted; NaN at unobserved vertices).
    converged : bool
        Whether every solve (LSQR, and CG for partial assignments) met its tolerance; when
        not, :func:`nearest_global_section` also issued a
        :class:`~sklearn.exceptions.ConvergenceWarning`.
    n_iterations : int
        LSQR iterations used, summed over every projection.
    """

    section: np.ndarray
    residual_norm: float
    residual: np.ndarray
    converged: bool
    n_iterations: int


_LSQR_OK = (0, 1, 2, 4, 5)  # solved; 4, 5: as well as machine precision allows


def _project(delta, x, sw, rtol, maxiter):
    """Projection of ``x`` onto ``ker δ`` in the norm ``‖W^{1/2}·‖`` (``sw = W^{1/2}`` or None).

    With ``B = δ W^{-1/2}`` and ``y = W^{1/2} x``: LSQR solves ``min ‖Bᵀz − y‖``; then
    ``y − Bᵀz`` is the Euclidean projection of ``y`` onto ``ker B`` (``Bᵀz`` is the projection
    onto ``im Bᵀ = (ker B)^⊥``), and ``W^{-1/2}(y − Bᵀz)`` the W-projection of ``x``.
    """
    if delta.shape[0] == 0 or delta.nnz == 0 or not np.any(x):
        return x.copy(), True, 0, 0.0
    B = delta if sw is None else delta @ sp.diags_array(1.0 / sw)
    y = x if sw is None else sw * x
    Bt = B.T.tocsr()
    z, istop, itn = spla.lsqr(Bt, y, atol=rtol, btol=rtol, conlim=0.0, iter_lim=maxiter)[:3]
    r = y - Bt @ z
    ok = istop in _LSQR_OK
    # relative residual ‖B r‖ / (‖B‖_F ‖r‖): how far from ker δ the answer is (LSQR's test);
    # computed only on failure, for the warning
    relres = 0.0 if ok else _relative_residual(B, r)
    return (r if sw is None else r / sw), ok, int(itn), relres


def _relative_residual(B, r) -> float:
    """``‖B r‖ / (‖B‖_F ‖r‖)`` (0 when ``r = 0``), the scale-free size of ``δ s``."""
    nr = float(np.linalg.norm(r))
    nB = float(np.sqrt(np.sum(B.data**2)))
    if nr == 0.0 or nB == 0.0:
        return 0.0
    return float(np.linalg.norm(B @ r)) / (nB * nr)


def nearest_global_section(
    sheaf: CellularSheaf,
    assignment,
    weights=None,
    observed=None,
    *,
    rtol: float = 1e-10,
    maxiter: int | None = None,
) -> GlobalSection:
    """The global section closest to an assignment: a projection onto ``H^0 = ker δ^0``.

    Minimises ``Σ_{v observed} w_v ‖s(v) − a(v)‖²`` over global sections ``s``. With every vertex
    observed this is the orthogonal projection in the weighted stalk norm,
    ``s = a − W^{-1}δᵀ(δ W^{-1} δᵀ)^+ δ a``, computed by LSQR on ``δ^0 W^{-1/2}`` (sparse; never
    a dense matrix). With a partial assignment the observed values determine the section where
    they can; unobserved vertices are filled by *harmonic extension* — ``s`` is a global section,
    so ``L^0 s = 0`` everywhere — and any freedom left (e.g. a component with no observed vertex,
    where the answer is 0) is resolved by the minimum norm ``‖s‖_W``. That problem is solved by
    CG on the fixed-point equation "fill the unobserved vertices from the section, project"
    (each CG step one LSQR projection; see ``_partial``).

    Parameters
    ----------
    sheaf : CellularSheaf
    assignment : array-like
        A 0-cochain (module docstring): shape ``(cochain_dim(0),)`` or ``(n_vertices, d)``.
    weights : array-like of shape (n_vertices,), optional
        Positive weights ``w_v`` of the stalk norms (e.g. inverse noise variances); default 1.
    observed : array-like of bool, shape (n_vertices,), optional
        Mask of observed vertices; default all.
    rtol : float, default=1e-10
        LSQR tolerance (``atol = btol``): relative size of ``δ^0 s`` at the answer.
    maxiter : int, optional
        Iteration limit of every solve: each LSQR projection (default: LSQR's, twice the
        number of unknowns) and, for a partial assignment, the CG iteration (default: SciPy's,
        ten times the number of unknowns).

    Returns
    -------
    GlobalSection

    Warns
    -----
    sklearn.exceptions.ConvergenceWarning
        Once per call, when a solve stops before meeting its tolerance (``converged=False``):
        the message names the solver, the relative residual reached and the knobs (raise
        ``maxiter``, loosen ``rtol``). An unconverged partial solve can be off by O(1).
        Scikit-learn's class, so existing ``warnings`` filters for it apply.

    Examples
    --------
    On the constant sheaf the nearest global section is the weighted mean of each component:

    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2)])
    >>> res = nearest_global_section(constant_sheaf(K), [1.0, 2.0, 6.0], weights=[1, 1, 2])
    >>> res.section.round(6), round(res.residual_norm, 6)
    (array([3.75, 3.75, 3.75]), 4.555217)
    >>> nearest_global_section(constant_sheaf(K), [0.0, np.nan, 3.0],
    ...                        observed=np.array([True, False, True])).section.round(6)
    array([1.5, 1.5, 1.5])
    """
    _check_tol(rtol, maxiter)
    vmask = _vertex_mask(sheaf, observed)
    dmask = _dof_mask(sheaf, vmask)
    a, restore = _cochain(sheaf, assignment, 0, "assignment", dmask)
    w = _stalk_weights(sheaf, weights, 0, "weights")
    w_all = np.ones_like(a) if w is None else w
    delta = coboundary(sheaf, 0, format="csr")
    with _one_blas_thread():
        if dmask is None or dmask.all():
            s, ok, its, relres = _project(
                delta, a, None if w is None else np.sqrt(w), rtol, maxiter
            )
            failure = None if ok else _full_failure(its, relres, rtol)
        elif not dmask.any():
            s, ok, its, failure = np.zeros_like(a), True, 0, None
        else:
            s, ok, its, failure = _partial(delta, a, dmask, np.sqrt(w_all), rtol, maxiter)
    if not ok:
        # imported here, not at the top: scikit-learn (with pandas and scipy.stats) is ~110 MiB
        # of RSS and ~0.8 s, which tdasheaf.cohomology's engines never need
        from sklearn.exceptions import ConvergenceWarning

        warnings.warn(
            f"nearest_global_section did not converge: {failure} The returned section may be "
            f"far from the nearest global section (GlobalSection.converged is False). Raise "
            f"maxiter (now {maxiter!r}; None means the solvers' defaults, 2 x unknowns LSQR "
            f"and 10 x unknowns CG iterations) or loosen rtol (now {rtol:g}).",
            ConvergenceWarning,
            stacklevel=2,
        )
    diff = np.where(dmask if dmask is not None else True, s - a, 0.0)
    owner = np.repeat(np.arange(len(sheaf.stalk_dims[0])), sheaf.stalk_dims[0])
    per_vertex = np.sqrt(np.bincount(owner, diff**2, minlength=len(sheaf.stalk_dims[0])))
    if vmask is not None:
        per_vertex[~vmask] = np.nan
    return GlobalSection(
        section=restore(s),
        residual_norm=float(np.sqrt(np.sum(w_all * diff**2))),
        residual=per_vertex,
        converged=bool(ok),
        n_iterations=its,
    )


def _full_failure(its: int, relres: float, rtol: float) -> str:
    return (
        f"the projection onto the global sections (LSQR) stopped after {its} iteration"
        f"{'' if its == 1 else 's'} with "
        f"relative residual ‖δ⁰s‖/(‖δ⁰‖‖s‖) = {relres:.3g} (tolerance rtol = {rtol:g})."
    )


def _partial(delta, a, dmask, sw, rtol, maxiter):
    """Minimum-norm ``s ∈ ker δ`` minimising ``‖W_O^{1/2}(s_O − a_O)‖`` (CG over projections).

    The answer is the fixed point of "fill the unobserved values from the section, project":
    ``s = P_W(E a + (I − E) s)`` (``E`` keeps the observed values, ``P_W`` the W-projection onto
    ``ker δ``). In ``y = W^{1/2} s`` this is the symmetric PSD system
    ``(I − P (I − E) P) y = P E W^{1/2} a`` on ``ker(δ W^{-1/2})``, solved by CG from 0 (each
    product one LSQR projection). Sections invisible from the observed vertices span its kernel;
    the right-hand side is orthogonal to them, so CG never enters it: they get 0 (minimum norm).
    """
    inner_tol = max(rtol * 1e-2, 1e-15)
    state = {"ok": True, "its": 0, "failed": 0, "worst": 0.0}
    B = delta @ sp.diags_array(1.0 / sw)

    def P(y):
        p, ok, its, relres = _project(B, y, None, inner_tol, maxiter)
        state["ok"] &= ok
        state["its"] += its
        if not ok:
            state["failed"] += 1
            state["worst"] = max(state["worst"], relres)
        return p

    def matvec(y):
        y = P(np.ravel(y))
        return y - P(np.where(dmask, 0.0, y))

    n = len(a)
    b = P(np.where(dmask, sw * a, 0.0))
    scale = float(np.linalg.norm(sw * a * dmask))
    A = spla.LinearOperator((n, n), matvec=matvec, dtype=float)
    y, info = spla.cg(A, b, rtol=rtol, atol=rtol * scale, maxiter=maxiter)
    section = P(y) / sw
    ok = state["ok"] and info == 0
    if ok:
        return section, True, state["its"], None
    problems = []
    if info != 0:
        # one more product (two projections) for the residual reached, on failure only
        nb = float(np.linalg.norm(b))
        res = float(np.linalg.norm(b - matvec(y))) / nb if nb else 0.0
        what = "its iteration limit" if info > 0 else "a breakdown"
        problems.append(
            f"with a partial observation the harmonic extension (CG) stopped at {what} with "
            f"relative residual ‖b − Ay‖/‖b‖ = {res:.3g} (tolerance rtol = {rtol:g})"
        )
    if state["failed"]:
        problems.append(
            f"{state['failed']} of its projections onto the global sections (LSQR) stopped "
            f"with relative residual ‖δ⁰s‖/(‖δ⁰‖‖s‖) up to {state['worst']:.3g} "
            f"(tolerance {inner_tol:g} = rtol / 100)"
        )
    return section, False, state["its"], "; ".join(problems) + "."


# ----------------------------------------------------------------------------------------------
# Inconsistencies and the consistency radius
# ----------------------------------------------------------------------------------------------


def _padded(sheaf: CellularSheaf, flat: np.ndarray, k: int) -> np.ndarray:
    """``(n_k, D_k)`` zero-padded per-cell blocks of a flat k-cochain."""
    dims = sheaf.stalk_dims[k]
    D = int(dims.max(initial=0))
    out = np.zeros((len(dims), D))
    owner = np.repeat(np.arange(len(dims)), dims)
    pos = np.arange(len(flat)) - np.repeat(sheaf.offsets(k)[:-1], dims)
    out[owner, pos] = flat
    return out


def _edges_of(sheaf: CellularSheaf):
    if len(sheaf.stalk_dims) < 2:
        return np.empty((0, 2), np.int64), np.zeros((0, 2, 0, 0))
    return sheaf.complex.boundaries[1], sheaf.restrictions[1]


def edge_inconsistencies(
    sheaf: CellularSheaf, assignment, *, observed=None, edge_values=None
) -> np.ndarray:
    """Per-edge inconsistency ``‖F_{v⊲e} a(v) − F_{w⊲e} a(w)‖ = ‖(δ^0 a)(e)‖``.

    With ``edge_values`` ``b`` (an assignment to the edges too, Robinson's full assignment) the
    inconsistency of ``e`` is instead ``max(‖F_{v⊲e} a(v) − b(e)‖, ‖F_{w⊲e} a(w) − b(e)‖)`` over
    its observed faces. Edges with an unobserved endpoint (without ``edge_values``) or with no
    observed endpoint (with them) get NaN. Edges with stalk 0 have inconsistency 0.

    Returns
    -------
    ndarray of shape (n_edges,)
        In the order of ``sheaf.complex.simplices[1]``.

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> F = constant_sheaf(FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2)]))
    >>> edge_inconsistencies(F, [0.0, 1.0, 3.0])
    array([1., 2.])
    """
    vmask = _vertex_mask(sheaf, observed)
    a, _ = _cochain(sheaf, assignment, 0, "assignment", _dof_mask(sheaf, vmask))
    B, R = _edges_of(sheaf)
    A = _padded(sheaf, a, 0)
    # position 0 of an edge (i, j) is the face without vertex 0, i.e. j; position 1 is i
    Fj = np.einsum("eab,eb->ea", R[:, 0], A[B[:, 0]]) if len(B) else np.zeros((0, 0))
    Fi = np.einsum("eab,eb->ea", R[:, 1], A[B[:, 1]]) if len(B) else np.zeros((0, 0))
    seen = np.ones((len(B), 2), bool) if vmask is None else vmask[B]
    if edge_values is None:
        out = np.linalg.norm(Fj - Fi, axis=1) if len(B) else np.empty(0)
        out[~seen.all(axis=1)] = np.nan
        return out
    b, _ = _cochain(sheaf, edge_values, 1, "edge_values")
    E = _padded(sheaf, b, 1)
    dj = np.where(seen[:, 0], np.linalg.norm(Fj - E, axis=1), -np.inf)
    di = np.where(seen[:, 1], np.linalg.norm(Fi - E, axis=1), -np.inf)
    out = np.maximum(dj, di)
    out[~seen.any(axis=1)] = np.nan
    return out


def incident_reduce(ends, values, n_vertices: int, reduce: str = "mean") -> np.ndarray:
    """Mean (or max) over every vertex of the values of its incident edges (0 where none).

    The matrix-free half of :func:`vertex_inconsistencies`, shared with the outlier scores of
    :mod:`tdasheaf.cohomology._local_scores` (stars of new points, never assembled as sheaves):
    ``ends[t]`` is the vertex that ``values[t]`` is incident to.
    """
    if reduce == "mean":
        count = np.bincount(ends, minlength=n_vertices)
        return np.bincount(ends, values, minlength=n_vertices) / np.maximum(count, 1)
    out = np.zeros(n_vertices)
    np.maximum.at(out, ends, values)
    return out


def vertex_inconsistencies(
    sheaf: CellularSheaf, assignment, *, observed=None, reduce: str = "mean"
) -> np.ndarray:
    """Per-vertex inconsistency: the mean (or max) of the incident edges' inconsistencies.

    A local anomaly score: large where ``a(v)`` disagrees with its neighbours through the
    restriction maps. ``reduce="mean"`` (the default) is robust to one bad neighbour;
    ``"max"`` is Robinson's local consistency radius. Edges with an unobserved endpoint are left
    out; isolated vertices get 0 and unobserved ones NaN.

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> F = constant_sheaf(FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2)]))
    >>> vertex_inconsistencies(F, [0.0, 1.0, 3.0])
    array([1. , 1.5, 2. ])
    >>> vertex_inconsistencies(F, [0.0, 1.0, 3.0], reduce="max")
    array([1., 2., 2.])
    """
    if reduce not in ("mean", "max"):
        raise ValueError(f"reduce must be 'mean' or 'max', got {reduce!r}.")
    e = edge_inconsistencies(sheaf, assignment, observed=observed)
    B, _ = _edges_of(sheaf)
    n = len(sheaf.stalk_dims[0])
    ok = np.isfinite(e)
    out = incident_reduce(B[ok].reshape(-1), np.repeat(e[ok], 2), n, reduce)
    vmask = _vertex_mask(sheaf, observed)
    if vmask is not None:
        out[~vmask] = np.nan
    return out


def consistency_radius(
    sheaf: CellularSheaf, assignment, norm: str = "max", *, observed=None, edge_values=None
) -> float:
    """Consistency radius: the largest edge inconsistency (``norm="max"``) or ``‖δ^0 a‖``.

    It is 0 exactly on global sections. Robinson's consistency radius of a vertex assignment,
    extended to the edges in the best way (the midpoint of the two restrictions), is half the
    ``"max"`` value; pass ``edge_values`` to measure a full assignment to vertices and edges
    (then the radius is the largest ``‖F_{v⊲e} a(v) − b(e)‖``, Robinson's definition).
    ``norm="l2"`` is the ℓ² norm of the edge inconsistencies. Edges with unobserved endpoints
    are left out (``observed``).

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> F = constant_sheaf(FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2)]))
    >>> consistency_radius(F, [0.0, 1.0, 3.0]), round(consistency_radius(F, [0.0, 1, 3], "l2"), 6)
    (2.0, 2.236068)
    """
    if norm not in ("max", "l2"):
        raise ValueError(f"norm must be 'max' or 'l2', got {norm!r}.")
    e = edge_inconsistencies(sheaf, assignment, observed=observed, edge_values=edge_values)
    e = e[np.isfinite(e)]
    if norm == "max":
        return float(e.max(initial=0.0))
    return float(np.sqrt(np.sum(e**2)))


# ----------------------------------------------------------------------------------------------
# Consistency filtration
# ----------------------------------------------------------------------------------------------


class ConsistencyFiltration(NamedTuple):
    """Result of :func:`consistency_filtration` (a named pair ``(complex, diagram)``).

    Attributes
    ----------
    complex : FilteredComplex
        The sheaf's complex refiltered by inconsistency (edges with an unobserved endpoint and
        their cofaces left out); its sublevel set at ``ε`` is where the assignment is
        ε-consistent.
    diagram : ndarray of shape (n_bars, 3)
        Rows ``(birth, death, degree)`` (:mod:`tdasheaf.diagrams`).
    """

    complex: FilteredComplex
    diagram: np.ndarray


def consistency_filtration(
    sheaf: CellularSheaf,
    assignment,
    *,
    degrees=(0,),
    coefficients: str = "constant",
    observed=None,
    field=None,
) -> ConsistencyFiltration:
    """Filter the complex by how consistent the assignment is, and its persistence.

    Vertices get value 0, an edge its inconsistency ``‖(δ^0 a)(e)‖``, a higher simplex the
    largest value of its edges; the sublevel complex ``K_ε`` is the part of the complex on which
    the assignment is ε-consistent edge by edge. Its persistent cohomology, with
    ``coefficients="constant"``, counts the ε-consistent clusters (H^0 bars: a cluster is born at
    0 and dies when an edge of inconsistency ε merges it) and loops (H^1); with
    ``coefficients="sheaf"`` it is the persistent sheaf cohomology of ``F`` restricted to
    ``K_ε`` (H^0: the global sections over the ε-consistent part; real maps use the float
    engine).

    Parameters
    ----------
    sheaf : CellularSheaf
    assignment : array-like
        A 0-cochain (module docstring).
    degrees : sequence of int, default=(0,)
        Cohomology degrees; finite deaths in degree q need the complex's (q+1)-simplices.
    coefficients : {"constant", "sheaf"}, default="constant"
    observed : array-like of bool, optional
        Mask of observed vertices; edges with an unobserved endpoint are left out.
    field : int, "R" or None
        Passed to :func:`~tdasheaf.cohomology.sheaf_persistence`.

    Returns
    -------
    ConsistencyFiltration
        ``(complex, diagram)``.

    Examples
    --------
    Two consistent pairs joined by an inconsistent edge:

    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (2,), (3,), (0, 1), (1, 2), (2, 3)])
    >>> K_eps, diagram = consistency_filtration(constant_sheaf(K), [0.0, 0.1, 2.1, 2.0])
    >>> K_eps.filtrations[1].round(6)
    array([0.1, 0.1, 2. ])
    >>> diagram.round(6)
    array([[0. , 0.1, 0. ],
           [0. , 0.1, 0. ],
           [0. , 2. , 0. ],
           [0. , inf, 0. ]])
    """
    if coefficients not in ("constant", "sheaf"):
        raise ValueError(f"coefficients must be 'constant' or 'sheaf', got {coefficients!r}.")
    degrees = check_degrees(degrees, name="degrees")
    K = sheaf.complex
    values = [np.zeros(len(K.simplices[0]))]
    keep = [np.ones(len(K.simplices[0]), bool)]
    if len(K.simplices) > 1:
        e = edge_inconsistencies(sheaf, assignment, observed=observed)
        keep.append(np.isfinite(e))
        values.append(np.where(keep[1], e, 0.0))
    for k in range(2, len(K.simplices)):
        B = K.boundaries[k]
        values.append(values[k - 1][B].max(axis=1) if len(B) else np.empty(0))
        keep.append(keep[k - 1][B].all(axis=1) if len(B) else np.empty(0, bool))
    simplices, filtrations, boundaries, restrictions, dims = [], [], [], [], []
    new_index = None
    for k, (S, f, m) in enumerate(zip(K.simplices, values, keep, strict=True)):
        rows = np.flatnonzero(m)
        S_k, f_k = S[rows], f[rows]
        order = filtration_order(S_k, f_k)
        rows = rows[order]
        simplices.append(S[rows])
        filtrations.append(f[rows])
        if k == 0:
            boundaries.append(np.empty((len(rows), 0), np.int64))
        else:
            boundaries.append(new_index[K.boundaries[k][rows]])
        new_index = np.full(len(S), -1, np.int64)
        new_index[rows] = np.arange(len(rows))
        if k < len(sheaf.stalk_dims):
            dims.append(sheaf.stalk_dims[k][rows])
            restrictions.append(sheaf.restrictions[k][rows])
    # kept simplices = cliques of the kept edges, valued by their largest edge: a flag complex
    # stays one (no re-verification needed)
    flag = _VERIFIED_FLAG if K.flag else False
    Kc = FilteredComplex(tuple(simplices), tuple(filtrations), tuple(boundaries), flag)
    if coefficients == "constant":
        G = constant_sheaf(Kc)
    else:
        G = CellularSheaf(Kc, tuple(dims), tuple(restrictions))
        G._cache["checked"] = sheaf._cache.get("checked", False)
    bars = sheaf_persistence(G, degrees, field, validate=coefficients == "sheaf")
    return ConsistencyFiltration(Kc, diagram_from_bars(bars, degrees))


# ----------------------------------------------------------------------------------------------
# Heat diffusion
# ----------------------------------------------------------------------------------------------


def _contour_nodes(N: int = _CONTOUR_NODES):
    """Nodes and weights with ``e^x ≈ 2 Re Σ_k w_k / (z_k − x)`` for ``x ≤ 0``.

    Trapezoidal rule on Trefethen–Weideman–Schmelzer's parabolic contour
    ``z(θ) = N (0.1309 − 0.1194 θ² + 0.25 i θ)`` (BIT 46, 2006), upper half only (the nodes come
    in conjugate pairs).
    """
    theta = -np.pi + (np.arange(N) + 0.5) * 2 * np.pi / N
    theta = theta[theta > 0]
    z = N * (0.1309 - 0.1194 * theta**2 + 0.25j * theta)
    dz = N * (-0.2388 * theta + 0.25j)
    return z, np.exp(z) * dz / (1j * N)


def _heat_contour(M, w, x, t):
    """``exp(−t W^{-1} M) x`` by the contour rule: ``Σ w_k (z_k W + t M)^{-1} W x``."""
    Wd = sp.diags_array(w)
    out = np.zeros_like(x)
    for z, c in zip(*_contour_nodes(), strict=True):
        lu = spla.splu(sp.csc_array(z * Wd + t * M), permc_spec="MMD_AT_PLUS_A")
        out += 2.0 * (c * lu.solve((w * x).astype(complex))).real
    return out


def sheaf_diffusion(
    sheaf: CellularSheaf, signal, t, weights=None, *, method: str = "auto"
) -> np.ndarray:
    """Heat flow of a 0-cochain: ``x(t) = exp(−t L^0) x``.

    ``L^0 = W_0^{-1} (δ^0)ᵀ W_1 δ^0`` is the (weighted) degree-0 sheaf Laplacian of
    :func:`~tdasheaf.cohomology.sheaf_laplacian`; the flow is self-adjoint in the ``W_0`` inner
    product, decays every component orthogonal to ``ker L^0 = H^0`` and converges, as
    ``t → ∞``, to the nearest global section in the ``W_0`` norm
    (:func:`nearest_global_section` with ``weights=weights[0]``); ``t = inf`` returns it.

    Parameters
    ----------
    sheaf : CellularSheaf
    signal : array-like
        A 0-cochain (module docstring).
    t : float or array-like of float
        Diffusion time(s), ``>= 0`` (``inf`` allowed).
    weights : sequence of two arrays, optional
        ``(vertex_weights, edge_weights)``, positive, one per vertex and per edge, as in
        :func:`~tdasheaf.cohomology.sheaf_laplacian` (vertex weights equal to the degrees give the
        random-walk normalisation). Default: all 1.
    method : {"auto", "expm_multiply", "contour"}, default="auto"
        ``"expm_multiply"``: :func:`scipy.sparse.linalg.expm_multiply` (truncated Taylor series;
        cost grows like ``t·‖L‖₁``). ``"contour"``: the rational approximation given by a
        32-node trapezoidal rule for the Cauchy integral of ``e^z`` on a parabolic contour,
        ``Σ_k c_k (z_k W_0 + t M)^{-1} W_0 x`` with ``M = (δ^0)ᵀ W_1 δ^0`` — 16 sparse complex LU
        solves per time, uniformly accurate (≈1e-14 on the whole spectrum) for every ``t``; for
        ``t·‖L‖₁ > 1e6`` it diffuses ``x − Px`` only (``P`` the projection onto ``H^0``) and adds
        ``Px`` back, which keeps LU round-off bounded as ``t → ∞``. ``"auto"``:
        ``expm_multiply`` while ``t·‖L‖₁ <=`` :data:`EXPM_MAX_NORM`; beyond, since ``exp(−sL)``
        is a contraction, the answer is ``Px`` (to ``1e-10·‖x‖``) as soon as
        ``exp(−t₀L)x − Px`` is that small at ``t₀ = EXPM_MAX_NORM / ‖L‖₁`` — a bound, not an
        eigenvalue estimate — and otherwise (slowly mixing sheaves) the contour method runs.

    Returns
    -------
    ndarray
        The layout of ``signal``, with a leading axis of times if ``t`` is an array.

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> F = constant_sheaf(FilteredComplex.from_simplices([(0,), (1,), (0, 1)]))
    >>> sheaf_diffusion(F, [1.0, 0.0], [0.0, 1.0, np.inf]).round(6)   # 1/2 ± e^{-2t}/2
    array([[1.      , 0.      ],
           [0.567668, 0.432332],
           [0.5     , 0.5     ]])
    """
    if method not in ("auto", "expm_multiply", "contour"):
        raise ValueError(f"method must be 'auto', 'expm_multiply' or 'contour', got {method!r}.")
    x, restore = _cochain(sheaf, signal, 0, "signal")
    times = np.asarray(t, dtype=np.float64)
    if times.ndim > 1 or np.isnan(times).any() or (times < 0).any():
        raise ValueError(f"t must be a non-negative time or a 1-D array of them, got {t!r}.")
    if weights is None:
        w0 = np.ones_like(x)
        w1 = None
    else:
        if len(weights) < 2:
            raise ValueError("weights must be a pair (vertex_weights, edge_weights).")
        w0 = _stalk_weights(sheaf, weights[0], 0, "weights[0]")
        has_edges = len(sheaf.stalk_dims) > 1
        w1 = _stalk_weights(sheaf, weights[1], 1, "weights[1]") if has_edges else None
    delta = coboundary(sheaf, 0, format="csr")
    M = delta.T @ (delta if w1 is None else sp.diags_array(w1) @ delta)
    M = sp.csr_array(M)
    L = sp.diags_array(1.0 / w0) @ M
    norm = float(abs(L).sum(axis=0).max(initial=0.0))
    flat_times = np.atleast_1d(times)
    out = np.empty((len(flat_times), len(x)))
    with _one_blas_thread():
        _heat(x, flat_times, out, delta, M, L, w0, norm, method)
    result = np.stack([restore(row) for row in out])
    return result[0] if times.ndim == 0 else result


def _heat(x, flat_times, out, delta, M, L, w0, norm, method):
    """Fill ``out[i] = exp(−t_i L) x`` (see :func:`sheaf_diffusion`)."""
    cache = {}

    def projection():
        if "P" not in cache:
            cache["P"] = _project(delta, x, np.sqrt(w0), _PROJECTION_RTOL, None)[0]
        return cache["P"]

    def size(v):
        return float(np.sqrt(np.sum(w0 * v**2)))

    current, t_current = x, 0.0  # expm_multiply advances through sorted times (semigroup)
    for i in np.argsort(flat_times, kind="stable"):
        ti = float(flat_times[i])
        if ti == 0.0 or norm == 0.0:
            out[i] = x
            continue
        if np.isinf(ti):
            out[i] = projection()
            continue
        if method == "expm_multiply" or (method == "auto" and ti * norm <= EXPM_MAX_NORM):
            current = spla.expm_multiply(-(ti - t_current) * L, current)
            t_current = ti
            out[i] = current
            continue
        if method == "auto":
            # exp(−tL)x = Px + exp(−tL)(x − Px), and exp(−sL) is a W-contraction: if the
            # remainder has decayed below tolerance by t0 = EXPM_MAX_NORM / ‖L‖ it stays there
            if "decayed" not in cache:
                t0 = EXPM_MAX_NORM / norm
                y = spla.expm_multiply(-(t0 - t_current) * L, current) - projection()
                cache["decayed"] = size(y) <= _DECAYED_RTOL * max(size(x), 1e-300)
            if cache["decayed"]:
                out[i] = projection()
                continue
        if ti * norm > _SPLIT_ABOVE:
            out[i] = projection() + _heat_contour(M, w0, x - projection(), ti)
        else:
            out[i] = _heat_contour(M, w0, x, ti)
