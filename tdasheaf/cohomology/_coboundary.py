"""Sparse coboundary matrices δ^k and sheaf Laplacians L^k, assembled without Python loops.

Bases: C^k = ⊕ F(σ) over k-simplices σ in the complex's filtration order, each stalk's
standard basis in order (``CellularSheaf.offsets(k)`` gives the block starts). δ^k maps C^k to
C^{k+1}: ``(δ^k x)(τ) = Σ_i (-1)^i F_{σ_i⊲τ} x(σ_i)`` where σ_i is τ without its i-th vertex.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

from tdasheaf.sheaves import CellularSheaf

__all__ = ["coboundary", "coboundary_csc", "coboundary_entries", "sheaf_laplacian"]


@numba.njit(cache=True)
def _csc_kernel(B, R, dims_r, dims_c, off_r, off_c, n_cols, p):
    """CSC (indptr, indices, data) of δ from block arrays, rows sorted within columns.

    Two passes over the simplices in increasing order, so each column receives its rows in
    increasing order without a sort (a counting sort by column).
    """
    n, width = B.shape
    counts = np.zeros(n_cols + 1, dtype=np.int64)
    for t in range(n):
        for i in range(width):
            s = B[t, i]
            for a in range(dims_r[t]):
                for b in range(dims_c[s]):
                    if R[t, i, a, b] != 0.0:
                        counts[off_c[s] + b + 1] += 1
    indptr = np.cumsum(counts)
    fill = indptr[:-1].copy()
    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1], dtype=np.float64)
    for t in range(n):
        for a in range(dims_r[t]):
            row = off_r[t] + a
            for i in range(width):
                s = B[t, i]
                sign = 1.0 if i % 2 == 0 else -1.0
                for b in range(dims_c[s]):
                    v = R[t, i, a, b]
                    if v != 0.0:
                        col = off_c[s] + b
                        x = sign * v
                        if p > 0:
                            x = x % p
                        indices[fill[col]] = row
                        data[fill[col]] = x
                        fill[col] += 1
    return indptr, indices, data


def coboundary_csc(sheaf: CellularSheaf, k: int, p: int = 0) -> sp.csc_array:
    """δ^k as a CSC array with sorted rows, built by a compiled kernel (used by the engines).

    With ``p > 0`` the entries are reduced mod p (integer maps; entries ≡ 0 mod p are kept as
    explicit zeros only if the map had them, which it does not).

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)])
    >>> coboundary_csc(constant_sheaf(K), 0, p=3).toarray()
    array([[2., 1.]])
    """
    shape = (sheaf.cochain_dim(k + 1), sheaf.cochain_dim(k))
    if k < 0 or k + 1 >= len(sheaf.restrictions) or shape[0] == 0 or shape[1] == 0:
        return sp.csc_array(shape)
    K = sheaf.complex
    indptr, indices, data = _csc_kernel(
        K.boundaries[k + 1],
        sheaf.restrictions[k + 1],
        sheaf.stalk_dims[k + 1],
        sheaf.stalk_dims[k],
        sheaf.offsets(k + 1),
        sheaf.offsets(k),
        shape[1],
        int(p),
    )
    M = sp.csc_array((data, indices, indptr), shape=shape)
    if p > 0 and (data == 0).any():
        M.eliminate_zeros()
    M.has_sorted_indices = True
    return M


def coboundary_entries(sheaf: CellularSheaf, k: int):
    """Rows, columns and values of the nonzero entries of δ^k (COO, column-major order).

    Read off :func:`coboundary_csc` (the one assembly of δ in the library).

    Returns
    -------
    rows, cols : ndarray of int64
    vals : ndarray of float64
    shape : tuple
        ``(dim C^{k+1}, dim C^k)``.
    """
    M = coboundary_csc(sheaf, k)
    cols = np.repeat(np.arange(M.shape[1], dtype=np.int64), np.diff(M.indptr))
    return M.indices.astype(np.int64), cols, M.data.astype(np.float64), M.shape


def coboundary(sheaf: CellularSheaf, k: int, *, format: str = "csr") -> sp.sparray:
    """The coboundary δ^k: C^k → C^{k+1} as a scipy sparse array.

    Zero stalks contribute no rows/columns entries (their basis is empty). For ``k`` beyond
    the complex's dimension the matrix has zero rows.

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)])
    >>> coboundary(constant_sheaf(K), 0).toarray()
    array([[-1.,  1.]])
    """
    return coboundary_csc(sheaf, k).asformat(format)


def sheaf_laplacian(
    sheaf: CellularSheaf, k: int, *, weights=None, format: str = "csr"
) -> sp.sparray:
    """The (optionally weighted) sheaf Laplacian L^k, a sparse symmetric PSD matrix.

    Unweighted (``weights=None``): ``L^k = (δ^k)ᵀ δ^k + δ^{k-1} (δ^{k-1})ᵀ``.
    With ``weights`` a sequence of positive arrays (one value per simplex of each dimension),
    inner products on C^j are weighted by ``W_j`` and the Laplacian is the self-adjoint
    ``L^k = W_k^{-1} (δ^k)ᵀ W_{k+1} δ^k + δ^{k-1} W_{k-1}^{-1} (δ^{k-1})ᵀ W_k``;
    in either case ``ker L^k ≅ H^k`` (discrete Hodge theorem).

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex
    >>> from tdasheaf.sheaves import constant_sheaf
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)])
    >>> sheaf_laplacian(constant_sheaf(K), 0).toarray()
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    up = coboundary(sheaf, k, format="csr")
    down = coboundary(sheaf, k - 1, format="csr") if k >= 1 else None
    if weights is None:
        L = up.T @ up
        if down is not None and down.shape[1]:
            L = L + down @ down.T
        return sp.csr_array(L).asformat(format)

    def stalk_weights(j):
        w = np.asarray(weights[j], dtype=np.float64)
        if w.shape != (len(sheaf.stalk_dims[j]),) or not (w > 0).all():
            raise ValueError(
                f"weights[{j}] must be positive with one value per {j}-simplex "
                f"({len(sheaf.stalk_dims[j])})."
            )
        return np.repeat(w, sheaf.stalk_dims[j])

    wk = stalk_weights(k)
    L = (
        sp.diags_array(1.0 / wk)
        @ up.T
        @ sp.diags_array(stalk_weights(k + 1) if up.shape[0] else np.empty(0))
        @ up
    )
    if down is not None and down.shape[1]:
        L = L + down @ sp.diags_array(1.0 / stalk_weights(k - 1)) @ down.T @ sp.diags_array(wk)
    return sp.csr_array(L).asformat(format)

