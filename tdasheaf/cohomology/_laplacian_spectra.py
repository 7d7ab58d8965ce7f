"""Spectra of sheaf Laplacians on sublevel complexes, and persistent sheaf Laplacians.

Conventions (DESIGN.md §3–4). Cochain bases are in filtration order (``CellularSheaf.offsets``),
so the cochains of ``K_t`` are a *prefix* of every ``C^k``; ``L^q(K_t; F)`` is built from the
prefixes of ``δ^{q-1}`` and ``δ^q`` (rows: cochains of ``K_t`` one degree up; columns: those of
``K_t``)::

    L^q(K_t) = (δ^q_t)ᵀ δ^q_t + δ^{q-1}_t (δ^{q-1}_t)ᵀ,      ker L^q(K_t) ≅ H^q(K_t; F).

Persistent Laplacian (Mémoli–Wan–Wang, *Persistent Laplacians: properties, algorithms and
implications*, SIAM J. Math. Data Sci. 4, 2022, Def. 2.1 and Thm. 3.4; for sheaves Wei–Wei,
*Persistent sheaf Laplacians*, Found. Comput. Math. 2025). It is defined for homology of an
inclusion ``K ⊆ L``; here it is applied to the dual chain complex ``C_q(K_t) = C^q(K_t)``,
``∂_{q+1} = (δ^q)ᵀ`` (a (q+1)-simplex's stalk maps only into its faces' stalks, so chains of
``K_a`` form a subcomplex of those of ``K_b``). For ``a <= b``::

    C^{b,a}_{q+1} = {c ∈ C_{q+1}(K_b) : ∂c ∈ C_q(K_a)},     ∂^{b,a}_{q+1} = ∂_{q+1}|C^{b,a}_{q+1},
    Δ^{a,b}_q     = ∂^{b,a}_{q+1} (∂^{b,a}_{q+1})ᵀ + δ^{q-1}_a (δ^{q-1}_a)ᵀ     on C^q(K_a).

Its nullity is ``β^{a,b}_q = rank(H_q(K_a; F*) → H_q(K_b; F*)) = rank(H^q(K_b; F) → H^q(K_a; F))``
(MWW Thm. 2.7; the two ranks agree by linear duality), i.e. the number of bars of
:func:`~tdasheaf.cohomology.sheaf_persistence` with ``birth <= a`` and ``death > b``. The up
term is computed as MWW's Thm. 3.4 prescribes: split the q-cochains of ``K_b`` into those of
``K_a`` (``o``) and the new ones (``n``), then the up term is the generalised Schur complement

    L_up(K_b)[o, o] − L_up(K_b)[o, n] · L_up(K_b)[n, n]^† · L_up(K_b)[n, o],

with ``L_up(K_b) = (δ^q_b)ᵀ δ^q_b`` and ``^†`` the Moore–Penrose pseudo-inverse, evaluated from
an eigendecomposition of the block ``L_up(K_b)[n, n]`` (eigenvalues at most
:data:`PINV_RTOL` times the largest are treated as zero). The result is dense.

Numerics. Eigenvalues come from LAPACK's ``eigh`` for matrices of dimension at most
:data:`DENSE_MAX_DIM` (and for every persistent Laplacian), else from ARPACK in shift-invert
mode at ``σ = −10⁻⁵ · max diag L`` (``L − σI`` is positive definite; L itself is singular) with
relative tolerance :data:`SPARSE_TOL` and a fixed start vector (results are deterministic).
The dense path is backward stable (absolute error ≲ n·ε·‖L‖); the sparse path gives each
eigenvalue λ to about ``SPARSE_TOL · (λ + |σ|)``. Eigenvalues are clipped at 0 (L is PSD), and
those at most ``zero_tol · ‖L‖_∞`` (``‖L‖_∞`` the largest absolute row sum, which bounds the
spectrum; default :data:`ZERO_RTOL`) are returned as exactly ``0.0``: the number of zeros is
``dim H^q(K_t)`` (resp. ``β^{a,b}_q``) when enough eigenvalues are asked for. On the
integer sheaves tested (constant, orientation, signed; Rips complexes of up to ~2,000 q-cochains)
computed zeros are ~10⁻¹⁵·‖L‖ and the smallest nonzero eigenvalues ≳ 10⁻⁵·‖L‖, so the
count does not depend on the tolerance. Real-valued sheaves can have genuinely tiny
eigenvalues (the tangent sheaf on a small cycle of nearly trivial holonomy: ~10⁻⁹·‖L‖);
whether those count as zeros is a choice of ``zero_tol``, as it is of ``rtol`` for the
floating-point persistence engine.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from tdasheaf.cohomology._coboundary import coboundary
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.sheaves import CellularSheaf

__all__ = [
    "DENSE_MAX_DIM",
    "PERSISTENT_MAX_DIM",
    "PINV_RTOL",
    "SPARSE_TOL",
    "ZERO_RTOL",
    "laplacian_spectrum",
    "persistent_laplacian",
    "persistent_spectrum",
    "smallest_eigenvalues",
    "sublevel_laplacian",
]

#: Matrices up to this dimension are diagonalised densely (LAPACK ``eigh``).
DENSE_MAX_DIM = 1500
#: Largest ``dim C^q(K_a)`` (or number of new q-cochains of ``K_b``) of a persistent Laplacian:
#: it is a dense matrix (8000² float64 = 0.5 GB).
PERSISTENT_MAX_DIM = 8000
#: Relative tolerance of ARPACK (``scipy.sparse.linalg.eigsh(..., tol=SPARSE_TOL)``).
SPARSE_TOL = 1e-10
#: Residual tolerance (relative to ``‖L‖_∞``) of the block check after ARPACK.
_RESIDUAL_RTOL = 1e-9
_MAX_BLOCK_ITERATIONS = 200
#: Eigenvalues at most ``ZERO_RTOL · ‖L‖_∞`` are numerically zero (returned as 0.0).
ZERO_RTOL = 1e-10
#: Eigenvalues of the Schur block at most ``PINV_RTOL`` times the largest are zero in ``^†``.
PINV_RTOL = 1e-10


# ----------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------


def _check_degree(degree) -> int:
    if isinstance(degree, bool) or not isinstance(degree, numbers.Integral) or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree!r}.")
    return int(degree)


def _check_count(n, name="n_eigenvalues") -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {n!r}.")
    return int(n)


def _check_scale(t, name) -> float:
    if isinstance(t, bool) or not isinstance(t, numbers.Real) or np.isnan(t):
        raise ValueError(f"{name} must be a real number (inf allowed), got {t!r}.")
    return float(t)


def _check_scales(t, name) -> np.ndarray:
    """A scalar or 1-D array of scales as a float64 array (0-D for a scalar)."""
    try:
        ts = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real number or a 1-D sequence of them.") from exc
    if ts.ndim > 1 or np.isnan(ts).any() or isinstance(t, bool):
        raise ValueError(
            f"{name} must be a real number or a 1-D sequence of them (inf allowed), got {t!r}."
        )
    return ts


# ----------------------------------------------------------------------------------------------
# Prefix bookkeeping: δ^{q-1}, δ^q once, then any K_t by slicing
# ----------------------------------------------------------------------------------------------


class _SublevelCoboundaries:
    """δ^{q-1} and δ^q of a sheaf (CSR, weight-scaled) and the value of every basis vector.

    With weights ``w_j`` (one per j-simplex), ``δ^j`` is replaced by
    ``W_{j+1}^{1/2} δ^j W_j^{-1/2}``, so that the Laplacian built from these is the symmetric
    form ``W_q^{1/2} L^q W_q^{-1/2}`` of the weighted Laplacian of
    :func:`~tdasheaf.cohomology.sheaf_laplacian` (the same spectrum).
    """

    def __init__(self, sheaf: CellularSheaf, degree: int, weights=None):
        q = _check_degree(degree)
        self.degree = q
        self.sheaf = sheaf
        K = sheaf.complex
        # value of every basis vector of C^{q-1}, C^q, C^{q+1}: the value of its simplex
        self.values = {}
        for j in (q - 1, q, q + 1):
            if 0 <= j < len(sheaf.stalk_dims):
                self.values[j] = np.repeat(K.filtrations[j], sheaf.stalk_dims[j])
            else:
                self.values[j] = np.empty(0)
        scale = {j: None for j in (q - 1, q, q + 1)}
        if weights is not None:
            for j in scale:
                if 0 <= j < len(sheaf.stalk_dims) and len(self.values[j]):
                    if j >= len(weights):
                        raise ValueError(
                            f"weights needs an entry for dimension {j} (degree {q} uses "
                            f"dimensions {max(q - 1, 0)}..{q + 1} where they exist)."
                        )
                    w = np.asarray(weights[j], dtype=np.float64)
                    if w.shape != (len(sheaf.stalk_dims[j]),) or not (w > 0).all():
                        raise ValueError(
                            f"weights[{j}] must be positive with one value per {j}-simplex "
                            f"({len(sheaf.stalk_dims[j])})."
                        )
                    scale[j] = np.sqrt(np.repeat(w, sheaf.stalk_dims[j]))
        self.up = self._scaled(coboundary(sheaf, q), scale[q + 1], scale[q])
        self.down = (
            self._scaled(coboundary(sheaf, q - 1), scale[q], scale[q - 1]) if q >= 1 else None
        )

    @staticmethod
    def _scaled(D, row_scale, col_scale):
        D = sp.csr_array(D)
        if row_scale is not None and D.shape[0]:
            D = sp.diags_array(row_scale) @ D
        if col_scale is not None and D.shape[1]:
            D = D @ sp.diags_array(1.0 / col_scale)
        return sp.csr_array(D)

    def size(self, j: int, t: float) -> int:
        """Dimension of C^j(K_t) (a prefix of the basis of C^j)."""
        return int(np.searchsorted(self.values[j], t, side="right"))

    def laplacian(self, t: float) -> sp.csr_array:
        q = self.degree
        n = self.size(q, t)
        up = self.up[: self.size(q + 1, t), :n]
        L = up.T @ up
        if self.down is not None:
            down = self.down[:n, : self.size(q - 1, t)]
            L = L + down @ down.T
        return sp.csr_array(L)

    def persistent(self, a: float, b: float) -> np.ndarray:
        q = self.degree
        n_a, n_b = self.size(q, a), self.size(q, b)
        if n_a > PERSISTENT_MAX_DIM:
            raise ComplexTooLargeError(
                f"the persistent Laplacian is a dense matrix on C^{q}(K_a), of dimension {n_a} "
                f"here (a={a:g}), above PERSISTENT_MAX_DIM={PERSISTENT_MAX_DIM}; use a smaller "
                "scale a, fewer points (n_landmarks) or a shorter max_edge_length."
            )
        D = self.up[: self.size(q + 1, b), :n_b]
        up = _schur_up(D, n_a)
        if self.down is not None:
            down = self.down[:n_a, : self.size(q - 1, a)]
            up = up + (down @ down.T).toarray()
        return (up + up.T) / 2


def _schur_up(D: sp.csr_array, n_a: int) -> np.ndarray:
    """Up term of the persistent Laplacian: the Schur complement of L_up = DᵀD on the new block.

    ``D`` is δ^q of ``K_b`` (rows C^{q+1}(K_b), columns C^q(K_b)); the first ``n_a`` columns
    are the cochains of ``K_a``. Only (q+1)-cochains with an entry in a new column enter the
    correction (the others' rows of the new block are zero), and new columns with no entry
    add zero rows and columns to ``L_up[n, n]``, which the pseudo-inverse ignores.
    """
    old = sp.csc_array(D[:, :n_a])
    new = sp.csc_array(D[:, n_a:])
    A = (old.T @ old).toarray()
    if new.nnz == 0:
        return A
    new = new[:, np.flatnonzero(np.diff(new.indptr))]
    if new.shape[1] > PERSISTENT_MAX_DIM:
        raise ComplexTooLargeError(
            f"the persistent Laplacian's Schur complement needs a dense block of dimension "
            f"{new.shape[1]} (the q-cochains of K_b outside K_a with cofaces), above "
            f"PERSISTENT_MAX_DIM={PERSISTENT_MAX_DIM}; bring the scales a and b closer."
        )
    rows = np.unique(new.indices)
    new_r = sp.csr_array(new)[rows]
    old_r = sp.csr_array(old)[rows]
    C = (new_r.T @ new_r).toarray()  # L_up(K_b)[n, n]
    B = (new_r.T @ old_r).toarray()  # L_up(K_b)[n, o]
    lam, V = np.linalg.eigh((C + C.T) / 2)
    keep = lam > PINV_RTOL * max(lam[-1], 0.0)
    W = (V[:, keep] / np.sqrt(lam[keep])).T @ B  # WᵀW = B_oᵀ C^† B
    return A - W.T @ W


# ----------------------------------------------------------------------------------------------
# Eigenvalues
# ----------------------------------------------------------------------------------------------


def _inf_norm(L) -> float:
    if sp.issparse(L):
        return float(abs(L).sum(axis=1).max()) if L.nnz else 0.0
    return float(np.abs(L).sum(axis=1).max())


def _dense_smallest(M: np.ndarray, m: int) -> np.ndarray:
    return sla.eigh(M, eigvals_only=True, subset_by_index=[0, m - 1], check_finite=False)


def smallest_eigenvalues(
    L, n_eigenvalues: int, *, zero_tol: float = ZERO_RTOL, dense_max_dim: int = DENSE_MAX_DIM
) -> np.ndarray:
    """The ``n_eigenvalues`` smallest eigenvalues of a symmetric PSD matrix, ascending.

    Parameters
    ----------
    L : sparse array or ndarray of shape (n, n)
        Symmetric positive semi-definite (a Laplacian).
    n_eigenvalues : int
    zero_tol : float, default=ZERO_RTOL
        Eigenvalues at most ``zero_tol · ‖L‖_∞`` are returned as exactly 0.0; pass 0 for the
        raw values (still clipped at 0).
    dense_max_dim : int, default=DENSE_MAX_DIM
        Sparse matrices of larger dimension go to ARPACK (shift-invert at a small negative
        σ; see the module docstring). Dense input is always diagonalised densely.

    Returns
    -------
    ndarray of shape (n_eigenvalues,)
        Padded with NaN when ``n < n_eigenvalues`` (all NaN for ``n == 0``).

    Examples
    --------
    >>> smallest_eigenvalues(np.array([[1.0, -1.0], [-1.0, 1.0]]), 3)
    array([ 0.,  2., nan])
    """
    k = _check_count(n_eigenvalues)
    n = L.shape[0]
    out = np.full(k, np.nan)
    m = min(k, n)
    if m == 0:
        return out
    norm = _inf_norm(L)
    if norm == 0.0:
        out[:m] = 0.0
        return out
    if not sp.issparse(L):
        ev = _dense_smallest(np.asarray(L, dtype=np.float64), m)
    elif n <= dense_max_dim or m >= n - 1:
        ev = _dense_smallest(L.toarray(), m)
    else:
        ev = _sparse_smallest(sp.csc_array(L, dtype=np.float64), m)
    ev = np.maximum(np.sort(ev), 0.0)
    ev[ev <= zero_tol * norm] = 0.0
    out[:m] = ev
    return out


def _sparse_smallest(L: sp.csc_array, m: int) -> np.ndarray:
    """Smallest ``m`` eigenvalues of a large sparse PSD matrix: ARPACK, then a block check.

    ARPACK (shift-invert at ``σ = −shift``) is fast but single-vector: it can return fewer
    copies of a multiple eigenvalue than there are — and ``dim H^q`` is exactly such a
    multiplicity. Its Ritz vectors therefore seed a block of ``p = m + max(m, 8)`` vectors
    (the rest random, seeded) for shift-invert subspace iteration with Rayleigh–Ritz, which
    finds every copy up to the block size; it stops when the ``m`` smallest Ritz pairs have
    residuals ``‖Lx − λx‖ <= _RESIDUAL_RTOL · ‖L‖_∞`` (so each λ is that accurate) and their
    values changed by less than that since the previous step, after at least two solves.
    """
    import warnings

    from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, eigsh, splu

    n = L.shape[0]
    norm = _inf_norm(L)
    shift = 1e-5 * float(L.diagonal().max())
    lu = splu(
        sp.csc_array(L + shift * sp.eye_array(n, format="csc")),
        permc_spec="MMD_AT_PLUS_A",
        diag_pivot_thresh=0.0,  # L + shift·I is positive definite: no pivoting needed
        options={"SymmetricMode": True},
    )
    rng = np.random.default_rng(0)
    op = LinearOperator((n, n), matvec=lu.solve, dtype=np.float64)
    try:
        _, V = eigsh(
            L, k=m, sigma=-shift, which="LM", OPinv=op, v0=rng.standard_normal(n), tol=SPARSE_TOL
        )
    except (ArpackNoConvergence, ArpackError):
        V = np.empty((n, 0))
    p = min(n, m + max(m, 8))
    Q = np.hstack([V, rng.standard_normal((n, p - V.shape[1]))])
    previous = np.full(m, np.inf)
    tol = _RESIDUAL_RTOL * norm
    for it in range(_MAX_BLOCK_ITERATIONS):
        Q, _ = np.linalg.qr(Q)
        LQ = L @ Q
        H = Q.T @ LQ
        lam, W = np.linalg.eigh((H + H.T) / 2)
        Q, LQ = Q @ W, LQ @ W
        res = np.linalg.norm(LQ[:, :m] - Q[:, :m] * lam[:m], axis=0)
        if it >= 2 and res.max() <= tol and np.abs(lam[:m] - previous).max() <= tol:
            return lam[:m]
        previous = lam[:m]
        Q = lu.solve(Q)
    warnings.warn(
        f"the sparse eigensolver did not converge in {_MAX_BLOCK_ITERATIONS} block iterations "
        f"on a Laplacian of dimension {n} (largest residual {res.max():.2g}, tolerance "
        f"{tol:.2g}); returning the current estimates.",
        RuntimeWarning,
        stacklevel=3,
    )
    return lam[:m]


# ----------------------------------------------------------------------------------------------
# Public kernels
# ----------------------------------------------------------------------------------------------


def sublevel_laplacian(sheaf: CellularSheaf, degree: int, t: float, *, weights=None):
    """The sheaf Laplacian ``L^degree(K_t; F)`` as a sparse symmetric PSD matrix.

    Its basis is the prefix of ``C^degree`` of the cochains on ``K_t``. With ``weights`` (one
    positive array per simplex dimension, as in :func:`~tdasheaf.cohomology.sheaf_laplacian`)
    it is the symmetric form ``W^{1/2} L W^{-1/2}`` of the weighted Laplacian (same spectrum).

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2)], [0, 0, 0, 1, 2])
    >>> sublevel_laplacian(constant_sheaf(K), 0, 1.0).toarray()
    array([[ 1., -1.,  0.],
           [-1.,  1.,  0.],
           [ 0.,  0.,  0.]])
    """
    t = _check_scale(t, "t")
    return _SublevelCoboundaries(sheaf, degree, weights).laplacian(t)


def laplacian_spectrum(
    sheaf: CellularSheaf,
    degree: int,
    t,
    n_eigenvalues: int,
    *,
    weights=None,
    zero_tol: float = ZERO_RTOL,
) -> np.ndarray:
    """The ``n_eigenvalues`` smallest eigenvalues of ``L^degree(K_t; F)``.

    Dense ``eigh`` up to :data:`DENSE_MAX_DIM`, else ARPACK shift-invert (module docstring).
    Eigenvalues at most ``zero_tol · ‖L‖_∞`` are exactly 0.0; their number is
    ``dim H^degree(K_t; F)`` (discrete Hodge theorem) when ``n_eigenvalues`` exceeds it.
    Vectorised over ``t``: the coboundaries are assembled once for all scales.

    Parameters
    ----------
    sheaf : CellularSheaf
    degree : int
    t : float or 1-D array-like of float
        The scale(s); ``inf`` for the whole complex.
    n_eigenvalues : int
    weights : sequence of arrays, optional
        Positive simplex weights per dimension (see :func:`sublevel_laplacian`).
    zero_tol : float, default=ZERO_RTOL

    Returns
    -------
    ndarray of shape (n_eigenvalues,), or (len(t), n_eigenvalues) for an array ``t``
        Ascending; NaN-padded when ``dim C^degree(K_t) < n_eigenvalues`` (all NaN if empty).

    Examples
    --------
    The path graph 0 – 1 – 2 (eigenvalues 0, 1, 3), and the sublevel set before its second edge:

    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2)], [0, 0, 0, 1, 2])
    >>> F = constant_sheaf(K)
    >>> laplacian_spectrum(F, 0, 2.0, 4)
    array([ 0.,  1.,  3., nan])
    >>> laplacian_spectrum(F, 0, [0.0, 1.0], 3)   # at 1, two components: dim H^0 = 2
    array([[0., 0., 0.],
           [0., 0., 2.]])
    """
    ts = _check_scales(t, "t")
    k = _check_count(n_eigenvalues)
    prefixes = _SublevelCoboundaries(sheaf, degree, weights)
    out = [
        smallest_eigenvalues(prefixes.laplacian(float(s)), k, zero_tol=zero_tol)
        for s in ts.reshape(-1)
    ]
    return out[0] if ts.ndim == 0 else np.array(out).reshape(len(ts), k)


def persistent_laplacian(
    sheaf: CellularSheaf, degree: int, a: float, b: float, *, weights=None
) -> np.ndarray:
    """The persistent sheaf Laplacian ``Δ^{a,b}_degree``, a dense symmetric PSD matrix.

    Defined in the module docstring (Mémoli–Wan–Wang 2022 on the dual chain complex
    ``∂ = δᵀ``); the up term is the generalised Schur complement of ``L_up(K_b)`` on the
    q-cochains of ``K_b`` outside ``K_a``. Its nullity is the persistent Betti number
    ``rank(H^q(K_b; F) → H^q(K_a; F))`` = the number of bars with ``birth <= a < b < death``
    (``birth <= a``, ``death > b``); for ``a == b`` it is ``L^q(K_a)``.

    Parameters
    ----------
    sheaf : CellularSheaf
    degree : int
    a, b : float
        Scales with ``a <= b``.
    weights : sequence of arrays, optional
        As in :func:`sublevel_laplacian`; the result is then the symmetric form
        ``W^{1/2} Δ W^{-1/2}``.

    Returns
    -------
    ndarray of shape (dim C^degree(K_a), dim C^degree(K_a))

    Raises
    ------
    ComplexTooLargeError
        If ``dim C^degree(K_a)`` or the Schur block exceeds :data:`PERSISTENT_MAX_DIM`.

    Examples
    --------
    A square 0-1-2-3 whose cycle is born at 3 and filled (by the diagonal 0-2 and two
    triangles) at 4; the class born at 3 dies at 4, so at (3, 4) the nullity is 0:

    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> S = [(0,), (1,), (2,), (3,), (0, 1), (1, 2), (2, 3), (0, 3), (0, 2),
    ...      (0, 1, 2), (0, 2, 3)]
    >>> K = FilteredComplex.from_simplices(S, [0, 0, 0, 0, 1, 1, 2, 3, 4, 4, 4])
    >>> F = constant_sheaf(K)
    >>> persistent_laplacian(F, 1, 3, 4).shape   # on the 4 edges of K_3
    (4, 4)
    >>> np.linalg.eigvalsh(persistent_laplacian(F, 1, 3, 3)).round(6) + 0.0   # L^1(K_3)
    array([0., 2., 2., 4.])
    >>> np.linalg.eigvalsh(persistent_laplacian(F, 1, 3, 4)).round(6)
    array([2., 2., 2., 4.])
    """
    a = _check_scale(a, "a")
    b = _check_scale(b, "b")
    if a > b:
        raise ValueError(f"the persistent Laplacian needs a <= b, got a={a} > b={b}.")
    return _SublevelCoboundaries(sheaf, degree, weights).persistent(a, b)


def persistent_spectrum(
    sheaf: CellularSheaf,
    degree: int,
    a,
    b,
    n_eigenvalues: int,
    *,
    weights=None,
    zero_tol: float = ZERO_RTOL,
) -> np.ndarray:
    """The ``n_eigenvalues`` smallest eigenvalues of :func:`persistent_laplacian`.

    Zeros (at most ``zero_tol · ‖Δ‖_∞``, returned as 0.0) count the bars containing
    ``[a, b]``; NaN-padded as :func:`laplacian_spectrum`. Vectorised: with 1-D arrays ``a``
    and ``b`` of equal length (``a <= b`` elementwise) the result has shape
    ``(len(a), n_eigenvalues)`` and the coboundaries are assembled once.

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf

    Vertex 2 and the edge 1-2 are born after a = 1 (H^0 bars [0, ∞) and [1.5, 2)); the Schur
    complement eliminates vertex 2, leaving the edge 0-1 (eigenvalues 0 and 2):

    >>> K = FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2)], [0, 1, 1.5, 1, 2])
    >>> persistent_spectrum(constant_sheaf(K), 0, 1.0, 2.0, 3)
    array([ 0.,  2., nan])
    """
    As, Bs = _check_scales(a, "a"), _check_scales(b, "b")
    if As.shape != Bs.shape:
        raise ValueError(f"a and b must have the same shape, got {As.shape} and {Bs.shape}.")
    if (As > Bs).any():
        i = int(np.flatnonzero(As.reshape(-1) > Bs.reshape(-1))[0])
        raise ValueError(
            f"the persistent Laplacian needs a <= b, got a={As.reshape(-1)[i]} > "
            f"b={Bs.reshape(-1)[i]}."
        )
    k = _check_count(n_eigenvalues)
    prefixes = _SublevelCoboundaries(sheaf, degree, weights)
    out = [
        smallest_eigenvalues(prefixes.persistent(float(x), float(y)), k, zero_tol=zero_tol)
        for x, y in zip(As.reshape(-1), Bs.reshape(-1), strict=True)
    ]
    return out[0] if As.ndim == 0 else np.array(out).reshape(len(As), k)
