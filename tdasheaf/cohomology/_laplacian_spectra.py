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
:func:`~tdasheaf.cohomology.sheaf_persistence` with ``birth <= a`` and ``death > b``
(:func:`persistent_betti`).

From the Schur complement to factors of δ. Write ``B = δ^q_b`` (rows ``C^{q+1}(K_b)``, columns
``C^q(K_b)``) as ``[B_o  B_n]``, its columns split into the q-cochains of ``K_a`` (``o``) and the
new ones (``n``), and ``A = δ^{q-1}_a``. MWW's Thm. 3.4 gives the up term as the generalised
Schur complement of ``L_up(K_b) = BᵀB`` on the new block, which is a projection::

    BᵀB / [n, n] = B_oᵀB_o − B_oᵀB_n (B_nᵀB_n)^† B_nᵀB_o = B_oᵀ (I − P) B_o,     P = B_n B_n^†,

because ``B_n (B_nᵀB_n)^† B_nᵀ = B_n B_n^†`` is the orthogonal projector onto ``range(B_n)``
(``^†`` the Moore–Penrose pseudo-inverse). The subspace definition says the same:
``C^{b,a}_{q+1} = ker B_nᵀ = range(B_n)^⊥``, on which ``∂ = B_oᵀ``. So, with ``M = (I − P) B_o``::

    Δ^{a,b}_q = MᵀM + AAᵀ.

Moreover ``MA = 0``: ``δ^q_b δ^{q-1}_b = 0`` on the (q-1)-cochains of ``K_a`` reads
``B_o A + B_n X = 0`` (``X`` the rows of ``δ^{q-1}`` of the new q-cochains), so
``B_o A ∈ range(B_n)``. Hence ``range(A) ⊥ range(Mᵀ)``: the nonzero eigenvalues of ``Δ^{a,b}_q``
are the squared singular values of ``A`` and of ``M``, and::

    β^{a,b}_q = dim C^q(K_a) − rank A − rank M,        rank M = rank B − rank B_n.

Everything is computed from these factors, never from their Gram matrices: ``P`` from an SVD of
``B_n`` and the spectrum from SVDs of ``A`` and ``M``. (An eigendecomposition of ``B_nᵀB_n``
sees each singular value σ as σ², so a relative cut-off ρ on its eigenvalues is a cut-off √ρ on
σ, and its rounding noise ``ε‖B‖²`` hides every σ below ``√ε‖B‖ ≈ 1.5·10⁻⁸‖B‖``.) Only rows of
``B`` meeting a new column enter ``P``. Tall blocks go to LAPACK's SVD densely (it starts with a
Householder QR), or, above 128 MiB, are first reduced by QR in row chunks to a
square factor ``R`` with ``RᵀR = DᵀD`` (``D = QR``: the same singular values, and
``(I − P_D) D_o = Q (I − P_R) R_o``, so ``M`` keeps its singular values). The price is
``O(m n²)`` for a block with m rows and n columns (an eigensolver on ``Δ``: ``O(n³)``).

Zero rule of the persistent Laplacian (one number, ``zero_tol``, default :data:`ZERO_RTOL` =
1e-10): a singular value σ of ``A``, or of ``B_n`` or ``M`` (parts of ``B``), is zero iff::

    σ <= τ_D = max(zero_tol, N_D · ε) · ‖D‖₂,        D = A = δ^{q-1}_a  resp.  D = B = δ^q_b,

with ``N_D`` the larger dimension of ``D`` (a floor at the size of the rounding errors of an
SVD) and ``ε = 2.2·10⁻¹⁶``; ``‖A‖₂`` is its largest singular value, ``‖B‖₂`` is exact for
blocks with a side of at most 200 and otherwise estimated from below by power iteration on
``BᵀB`` (stopped when a step changes it by less than 0.1%). An eigenvalue ``σ²`` of
``Δ^{a,b}_q`` is zero iff ``σ <= τ_D``, i.e. at most ``τ_D² ≈ 10⁻²⁰‖D‖₂²`` by default: the
threshold is set by the sizes of the coboundary blocks that form ``Δ``, not by ``‖Δ‖`` (which
can be tiny — all maps small, or cancellation in the Schur complement — without its rounding
noise being so). The eigenvalues
returned are accurate to about ``N ε ‖D‖₂ · σ`` (an eigensolver on the assembled ``Δ``: about
``N ε ‖D‖₂²``). On the random integer sheaves of the tests (small complexes, stalks of
dimension up to 3, entries up to ~10), also after random orthogonal changes of stalk basis and
per-simplex rescalings by up to 10×, the nonzero σ are at least 2·10⁻⁵‖D‖₂ and the zero ones at
most 2·10⁻¹⁴‖D‖₂, so there the count does not depend on the tolerance (it is the rank of
``H^q(K_b) → H^q(K_a)`` over ℚ).

Numerics of the sublevel Laplacian ``L^q(K_t)``. Eigenvalues come from LAPACK's ``eigh`` for
matrices of dimension at most :data:`DENSE_MAX_DIM`, else from ARPACK in shift-invert
mode at ``σ = −10⁻⁵ · max diag L`` (``L − σI`` is positive definite; L itself is singular) with
relative tolerance :data:`SPARSE_TOL` and a fixed start vector (results are deterministic).
The dense path is backward stable (absolute error ≲ n·ε·‖L‖); the sparse path gives each
eigenvalue λ to about ``SPARSE_TOL · (λ + |σ|)``. Eigenvalues are clipped at 0 (L is PSD), and
those at most ``zero_tol · ‖L‖_∞`` (``‖L‖_∞`` the largest absolute row sum, which bounds the
spectrum; default :data:`ZERO_RTOL`) are returned as exactly ``0.0``: the number of zeros is
``dim H^q(K_t)`` when enough eigenvalues are asked for. On the integer sheaves tested
(constant, orientation, signed; Rips complexes of up to ~2,000 q-cochains) computed zeros are
~10⁻¹⁵·‖L‖ and the smallest nonzero eigenvalues ≳ 10⁻⁵·‖L‖, so the count does not depend on
the tolerance. Real-valued sheaves can have genuinely tiny eigenvalues (the tangent sheaf on a
small cycle of nearly trivial holonomy: ~10⁻⁹·‖L‖); whether those count as zeros is a choice of
``zero_tol``, as it is of ``rtol`` for the floating-point persistence engine. (This eigenvalue
rule is coarser than the persistent one: a singular value of δ below ``√zero_tol ≈ 10⁻⁵`` times
the block's size counts as zero here.)
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
    "persistent_betti",
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
#: Default zero tolerance. Sublevel Laplacians (:func:`laplacian_spectrum`,
#: :func:`smallest_eigenvalues`): eigenvalues at most ``ZERO_RTOL · ‖L‖_∞`` are zero.
#: Persistent Laplacians (:func:`persistent_spectrum`, :func:`persistent_betti`): singular values
#: of a coboundary block ``D`` at most ``ZERO_RTOL · ‖D‖₂`` are zero (module docstring).
ZERO_RTOL = 1e-10
#: Singular values of ``B_n`` (the new columns of ``δ^q_b``) at most ``PINV_RTOL · ‖δ^q_b‖₂`` are
#: zero in the projector ``P = B_n B_n^†`` of :func:`persistent_laplacian`.
PINV_RTOL = 1e-10
#: Power iteration for ``‖δ^q_b‖₂``: at most this many steps, stopping when the estimate moves by
#: less than ``_NORM_RTOL`` (relative); blocks with a side of at most ``_DENSE_NORM_DIM`` use a
#: dense eigensolver on the small Gram matrix instead.
_NORM_ITERATIONS = 100
_NORM_RTOL = 1e-3
_DENSE_NORM_DIM = 200
#: Dense blocks of δ up to this many bytes go to the SVD whole; larger ones are first reduced
#: to a square R factor by QR in row chunks of about this size.
_DENSE_BYTES = 2**27
_EPS = float(np.finfo(np.float64).eps)


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


def _check_tol(tol, name="zero_tol") -> float:
    if (
        isinstance(tol, bool)
        or not isinstance(tol, numbers.Real)
        or not np.isfinite(tol)
        or not 0 <= tol < 1
    ):
        raise ValueError(f"{name} must be a number in [0, 1), got {tol!r}.")
    return float(tol)


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

    def _persistent_blocks(self, a: float, b: float):
        """``dim C^q(K_a)``, ``A = δ^{q-1}_a`` (None for q = 0) and ``B = δ^q_b`` (CSR)."""
        q = self.degree
        n_a, n_b = self.size(q, a), self.size(q, b)
        if n_a > PERSISTENT_MAX_DIM:
            raise ComplexTooLargeError(
                f"the persistent Laplacian is a dense matrix on C^{q}(K_a), of dimension {n_a} "
                f"here (a={a:g}), above PERSISTENT_MAX_DIM={PERSISTENT_MAX_DIM}; use a smaller "
                "scale a, fewer points (n_landmarks) or a shorter max_edge_length."
            )
        B = self.up[: self.size(q + 1, b), :n_b]
        A = self.down[:n_a, : self.size(q - 1, a)] if self.down is not None else None
        return n_a, A, B

    def persistent(self, a: float, b: float) -> np.ndarray:
        """The dense matrix ``Δ^{a,b}_q = MᵀM + AAᵀ`` (``P`` cut off at :data:`PINV_RTOL`)."""
        n_a, A, B = self._persistent_blocks(a, b)
        head, rest, _ = _up_factor(B, n_a, PINV_RTOL)
        out = (rest.T @ rest).toarray() if rest.shape[0] else np.zeros((n_a, n_a))
        if head is not None:
            out += head.T @ head
        if A is not None:
            out += (A @ A.T).toarray()
        return (out + out.T) / 2

    def persistent_singular_values(self, a: float, b: float, zero_tol: float):
        """``(dim C^q(K_a), σ)``: the singular values of ``A`` and ``M`` above their thresholds.

        At most ``dim C^q(K_a)`` of them, descending; their squares are the nonzero eigenvalues
        of ``Δ^{a,b}_q`` and ``dim C^q(K_a) − len(σ)`` is its nullity (module docstring).
        """
        n_a, A, B = self._persistent_blocks(a, b)
        if n_a == 0:
            return 0, np.empty(0)
        parts = []
        if A is not None and A.nnz:
            s = _singular_values(_r_factor(A if A.shape[0] >= A.shape[1] else A.T))
            tau = max(zero_tol, max(A.shape) * _EPS) * (s[0] if len(s) else 0.0)
            parts.append(s[s > tau])
        if B.nnz:
            head, rest, tau = _up_factor(B, n_a, zero_tol)
            s = _singular_values(_r_factor(rest, head))
            parts.append(s[s > tau])
        sigma = np.sort(np.concatenate(parts))[::-1] if parts else np.empty(0)
        # rank A + rank M <= dim C^q(K_a) in exact arithmetic (range A ⊥ range Mᵀ); only a
        # tolerance below the rounding errors (zero_tol ~ 0 on a huge block) could break it
        return n_a, sigma[:n_a]


def _singular_values(R: np.ndarray) -> np.ndarray:
    """Singular values (descending) of a dense matrix; empty for an empty one."""
    if R.size == 0:
        return np.empty(0)
    return sla.svd(R, compute_uv=False, check_finite=False, lapack_driver="gesdd")


def _r_factor(D, head: np.ndarray | None = None) -> np.ndarray:
    """A dense matrix ``R`` with ``RᵀR = HᵀH + DᵀD``: ``[H; D]`` itself, or its R factor.

    ``D`` is sparse, ``H = head`` dense (or None), with as many columns ``n``. While
    ``[H; D]`` (zero rows dropped) fits in :data:`_DENSE_BYTES` it is returned as is (LAPACK's
    SVD of a tall matrix starts with a QR itself); else it is reduced to ``n`` rows by the R
    factor of a Householder QR, accumulated over chunks of rows (``R ← qr([R; chunk])``) of
    at most that size. ``[H; D] = Q R`` with orthonormal ``Q``: the singular values, and the
    geometry of any split of the columns, are those of ``[H; D]`` (backward stable).
    """
    D = sp.csr_array(D)
    D = D[np.flatnonzero(np.diff(D.indptr))]
    n = D.shape[1]
    R = np.zeros((0, n)) if head is None else np.asarray(head, dtype=np.float64)
    if (R.shape[0] + D.shape[0]) * n * 8 <= _DENSE_BYTES or R.shape[0] + D.shape[0] <= n:
        return np.vstack([R, D.toarray()])
    step = max(n, _DENSE_BYTES // (8 * max(n, 1)) - n)
    for start in range(0, max(D.shape[0], 1), step):
        stacked = np.vstack([R, D[start : start + step].toarray()])
        R = np.linalg.qr(stacked, mode="r") if stacked.shape[0] > n else stacked
    return R


def _norm2(D) -> float:
    """``‖D‖₂`` (largest singular value) of a sparse matrix.

    Exact (dense ``eigvalsh`` of the smaller Gram matrix) when a side is at most
    ``_DENSE_NORM_DIM``; else power iteration on ``DᵀD`` from a seeded random start, which
    increases to ``‖D‖₂`` and stops when a step changes it by less than ``_NORM_RTOL``
    (relative). Only a threshold is built from it, so 0.1% is ample.
    """
    D = sp.csr_array(D)
    if D.nnz == 0:
        return 0.0
    m, n = D.shape
    if min(m, n) <= _DENSE_NORM_DIM:
        G = (D @ D.T) if m <= n else (D.T @ D)
        top = _eigvalsh_subset(G.toarray(), min(m, n) - 1, min(m, n) - 1)
        return float(np.sqrt(max(top[0], 0.0)))
    x = np.random.default_rng(0).standard_normal(n)
    x /= np.linalg.norm(x)
    est = 0.0
    for _ in range(_NORM_ITERATIONS):
        y = D @ x
        new = float(np.linalg.norm(y))
        x = D.T @ y
        size = np.linalg.norm(x)
        if size == 0.0 or new - est <= _NORM_RTOL * new:
            return max(new, est)
        x /= size
        est = new
    return est


def _up_factor(B: sp.csr_array, n_a: int, rtol: float):
    """The factor ``M = (I − P) B_o`` of the up term, as ``(head, rest, τ_B)``.

    ``B = δ^q_b``, its first ``n_a`` columns the q-cochains of ``K_a``. The rows of ``B`` with
    no entry in a new column are rows of ``M`` unchanged (``rest``, sparse); the others are
    reduced with the new columns first, ``[B_n  B_o] → R = [R_n  R_o]`` (:func:`_r_factor`),
    and ``P`` comes from an SVD of ``R_n`` with the singular values at most ``τ_B`` dropped:
    ``head = (I − U_r U_rᵀ) R_o``. Then ``MᵀM = headᵀhead + restᵀrest`` = the MWW Schur
    complement, and ``[head; rest]`` has the singular values of ``M``. New columns without
    entries (no cofaces in ``K_b``) add nothing and are skipped.
    ``τ_B = max(rtol, N ε) · ‖B‖₂`` (module docstring).
    """
    B = sp.csc_array(B)
    tau = max(rtol, max(B.shape) * _EPS) * _norm2(B)
    old = sp.csr_array(B[:, :n_a])
    new = B[:, n_a:]
    cols = np.flatnonzero(np.diff(new.indptr))
    if len(cols) == 0:
        return None, old, tau
    if len(cols) > PERSISTENT_MAX_DIM:
        raise ComplexTooLargeError(
            f"the persistent Laplacian's projector needs a dense block with {len(cols)} "
            f"columns (the q-cochains of K_b outside K_a with cofaces), above "
            f"PERSISTENT_MAX_DIM={PERSISTENT_MAX_DIM}; bring the scales a and b closer."
        )
    new = sp.csc_array(new[:, cols])
    rows = np.unique(new.indices)
    touched = np.zeros(B.shape[0], dtype=bool)
    touched[rows] = True
    R = _r_factor(sp.hstack([sp.csr_array(new)[rows], old[rows]], format="csr"))
    k = len(cols)
    U, s, _ = sla.svd(R[:, :k], full_matrices=False, check_finite=False, lapack_driver="gesdd")
    U = U[:, : int(np.sum(s > tau))]
    head = R[:, k:] - U @ (U.T @ R[:, k:])
    return head, old[np.flatnonzero(~touched)], tau


# ----------------------------------------------------------------------------------------------
# Eigenvalues
# ----------------------------------------------------------------------------------------------


def _inf_norm(L) -> float:
    if sp.issparse(L):
        return float(abs(L).sum(axis=1).max()) if L.nnz else 0.0
    return float(np.abs(L).sum(axis=1).max())


def _eigvalsh_subset(M: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Eigenvalues ``lo..hi`` (ascending, inclusive) of a dense symmetric matrix.

    LAPACK's ``syevr`` (the fastest for a few eigenvalues); if it fails — OpenBLAS 0.3.30's
    raises "Internal Error" on the Laplacian of a complete graph, an eigenvalue of multiplicity
    n − 1 — the divide-and-conquer ``syevd`` on the whole spectrum.
    """
    try:
        return sla.eigh(M, eigvals_only=True, subset_by_index=[lo, hi], check_finite=False)
    except np.linalg.LinAlgError:
        return sla.eigh(M, eigvals_only=True, driver="evd", check_finite=False)[lo : hi + 1]


def _dense_smallest(M: np.ndarray, m: int) -> np.ndarray:
    return _eigvalsh_subset(M, 0, m - 1)


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
    return _smallest_eigenvalues(L, _check_count(n_eigenvalues), zero_tol, dense_max_dim)


def _smallest_eigenvalues(
    L, k: int, zero_tol: float, dense_max_dim: int, *, norm: float | None = None
) -> np.ndarray:
    """:func:`smallest_eigenvalues`; ``norm`` is ``‖L‖_∞`` when the caller knows it."""
    n = L.shape[0]
    out = np.full(k, np.nan)
    m = min(k, n)
    if m == 0:
        return out
    norm = _inf_norm(L) if norm is None else float(norm)
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
    q-cochains of ``K_b`` outside ``K_a``, assembled as ``MᵀM`` with ``M = (I − P) B_o`` and the
    projector ``P`` from an SVD of the new columns of ``δ^q_b`` (singular values at most
    ``PINV_RTOL · ‖δ^q_b‖₂`` dropped), never from a pseudo-inverse of ``B_nᵀB_n``. Its nullity is
    the persistent Betti number ``rank(H^q(K_b; F) → H^q(K_a; F))`` = the number of bars with
    ``birth <= a < b < death`` (``birth <= a``, ``death > b``); for ``a == b`` it is
    ``L^q(K_a)``. To count that nullity, or for the small eigenvalues, use
    :func:`persistent_betti` and :func:`persistent_spectrum`, which work with the factors of this
    matrix (an eigensolver on the matrix itself only resolves eigenvalues above about
    ``n ε ‖δ‖²``).

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
        If ``dim C^degree(K_a)``, or the number of new q-cochains of ``K_b`` with cofaces,
        exceeds :data:`PERSISTENT_MAX_DIM`.

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

    Computed from the factors of ``Δ^{a,b}_q = MᵀM + AAᵀ`` (module docstring): the nonzero
    eigenvalues are the squared singular values of ``A = δ^{q-1}_a`` and of ``M``, which an SVD
    gets to about ``N ε ‖δ‖₂ · σ`` (an eigensolver on ``Δ`` itself: ``N ε ‖δ‖₂²``). Singular
    values at most ``max(zero_tol, N ε)`` times the 2-norm of their coboundary block
    (``δ^{q-1}_a`` or ``δ^q_b``) are zero: their eigenvalues are returned as exactly 0.0, and
    their number is :func:`persistent_betti` — the bars containing ``[a, b]`` — when
    ``n_eigenvalues`` exceeds it. NaN-padded as :func:`laplacian_spectrum`. Vectorised: with 1-D
    arrays ``a`` and ``b`` of equal length (``a <= b`` elementwise) the result has shape
    ``(len(a), n_eigenvalues)`` and the coboundaries are assembled once.

    Parameters
    ----------
    sheaf : CellularSheaf
    degree : int
    a, b : float or 1-D array-like of float
        Scales with ``a <= b``.
    n_eigenvalues : int
    weights : sequence of arrays, optional
        As in :func:`sublevel_laplacian`.
    zero_tol : float, default=ZERO_RTOL
        Relative zero tolerance on singular values of the coboundary blocks (1e-10: an
        eigenvalue ``σ²`` is zero when ``σ <= 1e-10 ‖δ‖₂``); ``0`` leaves the rounding floor
        ``N ε ‖δ‖₂`` only.

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
    tol = _check_tol(zero_tol)
    prefixes = _SublevelCoboundaries(sheaf, degree, weights)
    out = np.full((As.size, k), np.nan)
    for i, (x, y) in enumerate(zip(As.reshape(-1), Bs.reshape(-1), strict=True)):
        n, sigma = prefixes.persistent_singular_values(float(x), float(y), tol)
        spectrum = np.concatenate([np.zeros(n - len(sigma)), np.sort(sigma**2)])
        out[i, : min(k, n)] = spectrum[:k]
    return out[0] if As.ndim == 0 else out


def persistent_betti(
    sheaf: CellularSheaf, q: int, a: float, b: float, *, zero_tol: float = ZERO_RTOL
) -> int:
    """Persistent Betti number ``β^{a,b}_q``: the nullity of the persistent Laplacian.

    The Hodge-side count of DESIGN.md §4, oracle 6: the nullity of ``Δ^{a,b}_q``
    (:func:`persistent_laplacian`) equals ``rank(H^q(K_b; F) → H^q(K_a; F))``, the number of bars
    of :func:`~tdasheaf.cohomology.sheaf_persistence` with ``birth <= a`` and ``death > b``. It
    is computed without the barcode, from ranks of the factors of ``Δ^{a,b}_q = MᵀM + AAᵀ``
    (module docstring)::

        β^{a,b}_q = dim C^q(K_a) − rank δ^{q-1}_a − rank M,     M = (I − P) B_o,

    ``rank M = rank δ^q_b − rank B_n``, every rank an SVD rank of a block of δ (never of a Gram
    matrix such as ``Δ`` itself): a singular value of ``δ^{q-1}_a``, or of ``B_n`` or ``M`` (parts
    of ``δ^q_b``), is zero iff it is at most ``max(zero_tol, N ε)`` times the 2-norm of that
    block (``N`` its larger dimension, ``ε = 2.2e-16``). This is exactly the number of zeros
    :func:`persistent_spectrum` returns with the same ``zero_tol``.

    Parameters
    ----------
    sheaf : CellularSheaf
    q : int
        Cohomology degree, ``0 <= q <=`` the dimension of the complex.
    a, b : float
        Scales with ``a <= b`` (``inf`` allowed: the whole complex).
    zero_tol : float, default=ZERO_RTOL
        Relative zero tolerance on singular values (1e-10), in ``[0, 1)``.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``sheaf`` is not a :class:`~tdasheaf.sheaves.CellularSheaf`.
    ValueError
        For a negative or non-integer ``q``, ``q`` above the complex's dimension, a NaN or
        non-real scale, ``a > b``, or ``zero_tol`` outside ``[0, 1)``.
    ComplexTooLargeError
        As :func:`persistent_laplacian` (the factors are dense).

    Examples
    --------
    Two vertices with rank-2 stalks, joined at ``t = 1`` by an edge whose map from vertex 1 is
    ``diag(1, 10⁻⁶)``: both sections on vertex 0 extend to ``K_1`` (the vertex-1 values solve
    ``x_0 = diag(1, 10⁻⁶) x_1``), so ``β^{0,1}_0 = 2``. (The singular value 10⁻⁶ of the new
    block ``B_n`` is an eigenvalue 10⁻¹² of ``B_nᵀB_n``, below a 10⁻¹⁰ relative cut-off there.)

    >>> import numpy as np
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import CellularSheaf
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)], [0, 1, 1])
    >>> F = CellularSheaf.from_restrictions(K, 2, {((1,), (0, 1)): np.diag([1.0, 1e-6])})
    >>> persistent_betti(F, 0, 0.0, 1.0)
    2
    >>> persistent_betti(F, 0, 1.0, 1.0)   # dim H^0(K_1)
    2
    >>> persistent_spectrum(F, 0, 0.0, 1.0, 3)
    array([ 0.,  0., nan])
    """
    if not isinstance(sheaf, CellularSheaf):
        raise TypeError(f"sheaf must be a CellularSheaf, got {type(sheaf).__name__}.")
    q = _check_degree(q)
    top = len(sheaf.stalk_dims) - 1
    if q > top:
        raise ValueError(
            f"degree {q} is above the dimension of the complex ({top}); persistent_betti needs "
            f"0 <= q <= {top}."
        )
    a = _check_scale(a, "a")
    b = _check_scale(b, "b")
    if a > b:
        raise ValueError(f"persistent_betti needs a <= b, got a={a} > b={b}.")
    tol = _check_tol(zero_tol)
    n, sigma = _SublevelCoboundaries(sheaf, q).persistent_singular_values(a, b, tol)
    return int(n - len(sigma))
