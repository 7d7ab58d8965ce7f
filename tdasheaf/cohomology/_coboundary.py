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

__all__ = [
    "coboundary",
    "coboundary_csc",
    "coboundary_entries",
    "connection_laplacian",
    "sheaf_laplacian",
]


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


@numba.njit(cache=True)
def _connection_laplacian_dense(n, edges, maps):
    """Dense ``L^0 = δᵀδ`` of a connection graph sheaf and its ``‖·‖_∞``, block by block.

    With ``(δx)_e = O_e x_j − x_i`` on edge ``e = (i, j)``: block ``(i, i)`` gains ``I``, block
    ``(j, j)`` gains ``O_eᵀ O_e``, block ``(i, j)`` gains ``−O_e`` and block ``(j, i)`` ``−O_eᵀ``.
    """
    d = maps.shape[1]
    N = n * d
    L = np.zeros((N, N))
    for e in range(len(edges)):
        bi = edges[e, 0] * d
        bj = edges[e, 1] * d
        for a in range(d):
            L[bi + a, bi + a] += 1.0
            for b in range(d):
                o = maps[e, a, b]
                L[bi + a, bj + b] -= o
                L[bj + b, bi + a] -= o
        for b in range(d):
            for c in range(d):
                s = 0.0
                for a in range(d):
                    s += maps[e, a, b] * maps[e, a, c]
                L[bj + b, bj + c] += s
    norm = 0.0
    for r in range(N):
        s = 0.0
        for c in range(N):
            s += abs(L[r, c])
        norm = max(norm, s)
    return L, norm


def _check_connection(n_vertices, edges, maps) -> tuple[int, np.ndarray, np.ndarray]:
    if isinstance(n_vertices, (bool, np.bool_)) or not isinstance(n_vertices, (int, np.integer)):
        raise TypeError(f"n_vertices must be an integer; got {n_vertices!r}.")
    n = int(n_vertices)
    if n < 0:
        raise ValueError(f"n_vertices must be >= 0; got {n}.")
    edges = np.asarray(edges)
    maps = np.asarray(maps, dtype=np.float64)
    if edges.size == 0:
        edges = edges.reshape(0, 2)
    if edges.ndim != 2 or edges.shape[1] != 2 or not np.issubdtype(edges.dtype, np.integer):
        raise ValueError(f"edges must be an integer array of shape (m, 2); got {edges.shape}.")
    if maps.ndim != 3 or maps.shape[0] != len(edges) or maps.shape[1] != maps.shape[2]:
        raise ValueError(
            f"maps must have shape (m, d, d) with m = {len(edges)} edges; got {maps.shape}."
        )
    if len(edges) and (edges.min() < 0 or edges.max() >= n):
        raise ValueError(f"edges name vertices outside 0..{n - 1}.")
    if not np.isfinite(maps).all():
        raise ValueError("maps contain NaN or inf.")
    return n, edges.astype(np.int64), maps


def connection_laplacian(
    n_vertices: int, edges, maps, *, format: str = "dense"
) -> np.ndarray | sp.sparray:
    """The degree-0 Laplacian ``L^0 = δᵀδ`` of a connection sheaf on a graph.

    Every vertex has the stalk ℝ^d and edge ``e = (i, j)`` the map ``O_e``: a cochain ``x``
    (``x_i ∈ ℝ^d`` at rows ``i·d … i·d + d − 1``) has ``(δx)_e = O_e x_j − x_i``, the sheaf
    whose restriction to ``i`` is the identity and to ``j`` is ``O_e`` (as
    :func:`tdasheaf.sheaves.tangent_sheaf` with alignments ``O``; its kernel is the parallel
    sections: Singer–Wu's connection Laplacian when every ``O_e`` is orthogonal). The maps need
    not be orthogonal. Equal to ``sheaf_laplacian(F, 0)`` of that sheaf, without building it.

    Parameters
    ----------
    n_vertices : int
    edges : int array of shape (m, 2)
        Vertex pairs ``(i, j)``; listing an edge twice adds its term twice.
    maps : array of shape (m, d, d)
        ``O_e`` for each edge.
    format : {"dense", "csr"}, default="dense"
        A dense ndarray (assembled by a compiled kernel, ``(n d)²`` floats) or a sparse CSR
        array (memory proportional to ``m d²``).

    Returns
    -------
    ndarray or scipy.sparse.csr_array of shape (n d, n d)

    Examples
    --------
    >>> import numpy as np
    >>> rot = np.array([[[0.0, -1.0], [1.0, 0.0]]])  # one edge, a quarter turn
    >>> connection_laplacian(2, [[0, 1]], rot)
    array([[ 1.,  0.,  0.,  1.],
           [ 0.,  1., -1.,  0.],
           [ 0., -1.,  1.,  0.],
           [ 1.,  0.,  0.,  1.]])
    """
    n, edges, maps = _check_connection(n_vertices, edges, maps)
    if format == "dense":
        return _connection_laplacian_dense(n, edges, maps)[0]
    if format == "csr":
        return _connection_laplacian_sparse(n, edges, maps)
    raise ValueError(f"format must be 'dense' or 'csr'; got {format!r}.")


def _connection_laplacian_sparse(n, edges, maps) -> sp.csr_array:
    """:func:`connection_laplacian` as a CSR array, through the sparse ``δ``."""
    m, d = maps.shape[0], maps.shape[1]
    rows = np.arange(m * d).reshape(m, d)
    r1 = rows.ravel()
    c1 = (edges[:, 0, None] * d + np.arange(d)).ravel()
    r2 = np.repeat(rows, d, axis=1).ravel()
    c2 = np.tile(edges[:, 1, None] * d + np.arange(d), (1, d)).ravel()
    data = np.concatenate([-np.ones(m * d), maps.reshape(-1)])
    delta = sp.csr_array(
        (data, (np.concatenate([r1, r2]), np.concatenate([c1, c2]))), shape=(m * d, n * d)
    )
    return sp.csr_array(delta.T @ delta)
