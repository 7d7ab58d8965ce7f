"""Connection sheaves on graphs: their degree-0 Laplacian and its smallest eigenvalues.

A connection sheaf on a graph has the stalk ℝ^d at every vertex and a map ``O_e`` on every edge
``e = (i, j)``: ``(δx)_e = O_e x_j − x_i`` (:func:`tdasheaf.sheaves.tangent_sheaf` with
alignments ``O``). Its ``L^0 = δᵀδ`` is Singer–Wu's connection Laplacian when the maps are
orthogonal; its kernel is the parallel sections.

**The U(1) form** (:func:`connection_spectrum`, d = 2). An orthogonal 2×2 map is a rotation or
a reflection. If the signs ``det O_e`` are *balanced* — ``s_i s_j = det O_e`` for some
``s ∈ {±1}^n``, i.e. the graph is orientable for these frames — then reflecting the frames of the
vertices with ``s_i = −1`` (``R_i = diag(1, s_i)``, a signed permutation: the similarity keeps
the spectrum and ``‖·‖_∞``) makes every map a rotation ``[[x, −y], [y, x]]``, i.e. the complex
number ``x + iy``. ``L^0`` is then the real form of an n×n Hermitian matrix ``H``, whose every
eigenvalue is an eigenvalue of ``L^0`` twice over, and LAPACK reduces the n×n complex matrix in
about half the time of the 2n×2n real one. The maps are orthogonal only up to rounding, so ``H``
is the closest such matrix (blockwise) and ``E = L^0 − real(H)`` is measured: by Weyl's
inequality every eigenvalue moves by at most ``‖E‖₂ <= ‖E‖_∞``, and the U(1) form is used only
when that is at most ``U1_RTOL · ‖L^0‖_∞`` (1e-13, a thousandth of the zero rule's threshold and
the size of LAPACK's own rounding); otherwise, for unbalanced signs and for d ≠ 2, the real
matrix is diagonalised.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

from tdasheaf.cohomology._laplacian_spectra import (
    DENSE_MAX_DIM,
    ZERO_RTOL,
    _check_count,
    _check_tol,
    _eigvalsh_subset,
    _smallest_eigenvalues,
)
from tdasheaf.complexes._gauge import balancing_gauge
from tdasheaf.sheaves._constructions import _det_signs

__all__ = ["U1_RTOL", "connection_laplacian", "connection_spectrum"]

#: Largest ``‖L^0 − real(H)‖_∞ / ‖L^0‖_∞`` for which :func:`connection_spectrum` diagonalises the
#: n×n Hermitian form ``H`` instead of the real ``L^0`` (module docstring).
U1_RTOL = 1e-13


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


@numba.njit(cache=True)
def _u1_form(L, s):
    """The n×n Hermitian ``H`` closest (blockwise) to ``G L G``, ``G = diag(1, s_0, 1, s_1, …)``,
    among real forms of complex matrices, and ``‖G L G − real(H)‖_∞``."""
    n = len(s)
    H = np.empty((n, n), dtype=np.complex128)
    worst = 0.0
    for a in range(n):
        row = 0.0
        for b in range(n):
            sa = s[a]
            sb = s[b]
            p = L[2 * a, 2 * b]
            q = sa * sb * L[2 * a + 1, 2 * b + 1]
            r = sa * L[2 * a + 1, 2 * b]
            t = sb * L[2 * a, 2 * b + 1]
            H[a, b] = complex(0.5 * (p + q), 0.5 * (r - t))
            row += 0.5 * (abs(p - q) + abs(r + t))
        worst = max(worst, row)
    return H, worst


def connection_spectrum(
    n_vertices: int, edges, maps, n_eigenvalues: int, *, zero_tol: float = ZERO_RTOL
) -> np.ndarray:
    """The ``n_eigenvalues`` smallest eigenvalues of :func:`connection_laplacian`, ascending.

    The same numbers as ``smallest_eigenvalues(connection_laplacian(n_vertices, edges, maps),
    n_eigenvalues, zero_tol=zero_tol)`` — up to ``U1_RTOL · ‖L^0‖_∞`` — faster for d = 2:
    where the signs ``det O_e`` are balanced the Hermitian n×n form is diagonalised instead of
    the real 2n×2n matrix (module docstring), when its distance to ``L^0`` allows.

    Parameters
    ----------
    n_vertices : int
    edges : int array of shape (m, 2)
    maps : array of shape (m, d, d)
    n_eigenvalues : int
    zero_tol : float, default=ZERO_RTOL
        Eigenvalues at most ``zero_tol · ‖L^0‖_∞`` are returned as exactly 0.0.

    Returns
    -------
    ndarray of shape (n_eigenvalues,)
        Padded with NaN when ``n_vertices · d < n_eigenvalues``.

    Examples
    --------
    A 4-cycle of quarter turns has holonomy a full turn: two parallel fields.

    >>> import numpy as np
    >>> quarter = np.array([[0.0, -1.0], [1.0, 0.0]])
    >>> edges = [[0, 1], [1, 2], [2, 3], [0, 3]]
    >>> maps = [quarter, quarter, quarter, np.linalg.matrix_power(quarter, 3)]
    >>> connection_spectrum(4, edges, maps, 4)
    array([0., 0., 2., 2.])
    """
    n, edges, maps = _check_connection(n_vertices, edges, maps)
    k = _check_count(n_eigenvalues)
    zero_tol = _check_tol(zero_tol)
    return _connection_smallest(n, edges, maps, k, zero_tol)


def _connection_smallest(n, edges, maps, k, zero_tol) -> np.ndarray:
    """:func:`connection_spectrum` on checked input (``edges`` int64, ``maps`` float64)."""
    d = maps.shape[1] if maps.ndim == 3 else 0
    L, norm = _connection_laplacian_dense(n, edges, maps)
    if d == 2 and n >= 2 and 0 < norm and 0 < k <= 2 * n:
        balanced, s = balancing_gauge(n, edges, _det_signs(maps))
        if balanced:
            H, distance = _u1_form(L, s)
            if distance <= U1_RTOL * norm:
                half = _eigvalsh_subset(H, 0, (k + 1) // 2 - 1)
                ev = np.maximum(np.repeat(np.sort(half), 2)[:k], 0.0)
                ev[ev <= zero_tol * norm] = 0.0
                return ev
    return _smallest_eigenvalues(L, k, zero_tol, DENSE_MAX_DIM, norm=norm)
