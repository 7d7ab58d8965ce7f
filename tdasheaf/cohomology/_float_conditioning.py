"""Conditioning of the float engine: per-stalk scaling, small SVDs and the stalk checks.

Plain arrays in, plain arrays out, compiled with numba; used by
:mod:`tdasheaf.cohomology._float_reduction` and its driver in
:mod:`tdasheaf.cohomology._persistence`.

* :func:`stalk_scaling` — Curtis–Reid scaling with one scalar per stalk (exactly covariant under
  stalk rescalings, blind to orthogonal changes of a stalk's basis); :func:`equilibrate` — Ruiz
  max-norm scaling per group of rows / columns (the scalar engine's per-coordinate scaling).
* :func:`small_svd` and its in-place kernels (one-sided Jacobi): the SVDs of the reduction's
  blocks, accurate to high relative precision in each singular value.
* :func:`gram_screen` and :func:`stalk_doubts` — the condition of every stalk's coboundary
  block: a cheap Gram screen in one pass, then an SVD of the suspects only.
"""

from __future__ import annotations

import numba
import numpy as np

from tdasheaf.cohomology._reduction import _grow

__all__ = ["equilibrate", "gram_screen", "small_svd", "stalk_doubts", "stalk_scaling"]


@numba.njit(cache=True)
def _block_norms(indptr, indices, data, row_group, col_group, n_row_groups):
    """Squared Frobenius norms of the nonzero blocks (row group, column group), one pass."""
    n_cols = len(indptr) - 1
    acc = np.zeros(n_row_groups)
    seen = np.zeros(n_row_groups, dtype=np.bool_)
    touched = np.empty(n_row_groups, dtype=np.int64)
    out_g = np.empty(len(indices), dtype=np.int64)
    out_h = np.empty(len(indices), dtype=np.int64)
    out_sq = np.empty(len(indices))
    n_out = 0
    c = 0
    while c < n_cols:
        h = col_group[c]
        stop = c
        n_touched = 0
        while stop < n_cols and col_group[stop] == h:
            for t in range(indptr[stop], indptr[stop + 1]):
                g = row_group[indices[t]]
                if not seen[g]:
                    seen[g] = True
                    touched[n_touched] = g
                    n_touched += 1
                acc[g] += data[t] * data[t]
            stop += 1
        for k in range(n_touched):
            g = touched[k]
            out_g[n_out] = g
            out_h[n_out] = h
            out_sq[n_out] = acc[g]
            n_out += 1
            acc[g] = 0.0
            seen[g] = False
        c = stop
    return out_g[:n_out], out_h[:n_out], out_sq[:n_out]


@numba.njit(cache=True)
def _curtis_reid_solve(g, h, logs, n_row_groups, n_col_groups):
    """Minimum of ``Σ_k (logs_k + x[g_k] + x[n_row_groups + h_k])²`` by Jacobi-preconditioned
    conjugate gradients on its normal equations, a bipartite signless graph Laplacian (rows
    and columns of isolated groups: 0). Relative residual 1e-10."""
    n = n_row_groups + n_col_groups
    m = len(logs)
    hh = h + n_row_groups
    degree = np.zeros(n)
    b = np.zeros(n)
    for k in range(m):
        degree[g[k]] += 1.0
        degree[hh[k]] += 1.0
        b[g[k]] -= logs[k]
        b[hh[k]] -= logs[k]
    for i in range(n):
        if degree[i] == 0:
            degree[i] = 1.0
    x = np.zeros(n)
    r = b.copy()
    z = r / degree
    p = z.copy()
    rz = np.dot(r, z)
    stop = 1e-20 * max(np.dot(b, b), 1e-300)
    Ap = np.zeros(n)
    for _ in range(10 * n + 100):
        if np.dot(r, r) <= stop:
            break
        for i in range(n):  # isolated groups: an identity row (degree set to 1 above)
            Ap[i] = degree[i] * p[i]
        for k in range(m):
            Ap[g[k]] += p[hh[k]]
            Ap[hh[k]] += p[g[k]]
        alpha = rz / np.dot(p, Ap)
        x += alpha * p
        r -= alpha * Ap
        z = r / degree
        rz_new = np.dot(r, z)
        p = z + (rz_new / rz) * p
        rz = rz_new
    return x


def stalk_scaling(indptr, indices, data, row_group, col_group, n_row_groups, n_col_groups):
    """Curtis–Reid scaling with one scalar per stalk: exactly covariant, orthogonally invariant.

    Chooses ``r_g``, ``c_h`` minimising ``Σ (log ‖M_gh‖_F + r_g + c_h)²`` over the nonzero
    blocks ``M_gh`` (rows of stalk ``g``, columns of stalk ``h``) — Curtis & Reid, *On the
    automatic scaling of matrices for Gaussian elimination*, J. Inst. Maths Applics 10 (1972),
    here on block norms. Frobenius norms do not change under orthogonal changes of a stalk's
    basis, and rescaling a stalk by ``a`` shifts its ``log`` by ``log a``, which the least
    squares solution absorbs exactly: the scaled matrix is the same for all these bases (to the
    solver's tolerance, 1e-10), so the rank decisions made on it are too. The normal equations
    are a bipartite (signless) graph Laplacian, solved by compiled conjugate gradients with a
    diagonal preconditioner.

    Returns
    -------
    row_scale, col_scale : ndarray
        Per group: ``exp(r)``, ``exp(c)``; multiply rows / columns by them.
    """
    g, h, sq = _block_norms(indptr, indices, data, row_group, col_group, n_row_groups)
    keep = sq > 0
    g, h = g[keep], h[keep]
    logs = 0.5 * np.log(sq[keep])
    if len(logs) == 0:
        return np.ones(n_row_groups), np.ones(n_col_groups)
    if np.ptp(logs) <= 1e-12 * max(1.0, abs(logs[0])):
        # every block has the same norm (a tangent or signed sheaf): the minimum-norm solution
        # splits it evenly, r = c = -l/2
        f = np.exp(-0.5 * logs[0])
        return np.full(n_row_groups, f), np.full(n_col_groups, f)
    x = _curtis_reid_solve(g, h, logs, n_row_groups, n_col_groups)
    x = np.clip(x, -700.0, 700.0)
    return np.exp(x[:n_row_groups]), np.exp(x[n_row_groups:])


@numba.njit(cache=True)
def _sqrt_factors(maxima, scale, worst):
    """One Ruiz step: ``maxima`` becomes the factors ``1/sqrt(max)`` (1 for empty groups),
    accumulated into ``scale``; returns the largest imbalance ``max(m, 1/m)`` seen so far."""
    for g in range(len(maxima)):
        if maxima[g] > 0:
            worst = max(worst, maxima[g], 1.0 / maxima[g])
            maxima[g] = 1.0 / np.sqrt(maxima[g])
            scale[g] *= maxima[g]
        else:
            maxima[g] = 1.0
    return worst


@numba.njit(cache=True)
def equilibrate(
    indptr, indices, data, row_group, col_group, n_row_groups, n_col_groups, max_sweeps=30
):
    """Ruiz scaling of a CSC matrix, in place, with one scalar per group of rows / columns.

    Every group's largest entry becomes ≈ 1 (sweeps of ``x ← x / sqrt(max)`` until every
    factor is within 10% of 1, at most ``max_sweeps``). Groups of one row / column give the
    classical per-coordinate scaling (a diagonal change of basis, which preserves the
    filtration and so the barcode: the scalar engines' equilibration); groups of a stalk's
    coordinates give one scalar per simplex.

    Returns
    -------
    row_scale, col_scale : ndarray
        Per group: the scaled matrix is ``diag(row_scale) M diag(col_scale)`` (groups expanded).
    """
    n_cols = len(indptr) - 1
    rs = np.ones(n_row_groups)
    cs = np.ones(n_col_groups)
    rmax = np.zeros(n_row_groups)
    cmax = np.zeros(n_col_groups)
    for _ in range(max_sweeps):
        rmax[:] = 0.0
        for c in range(n_cols):
            for t in range(indptr[c], indptr[c + 1]):
                g = row_group[indices[t]]
                if abs(data[t]) > rmax[g]:
                    rmax[g] = abs(data[t])
        worst = _sqrt_factors(rmax, rs, 1.0)
        cmax[:] = 0.0
        for c in range(n_cols):
            h = col_group[c]
            for t in range(indptr[c], indptr[c + 1]):
                data[t] *= rmax[row_group[indices[t]]]
                if abs(data[t]) > cmax[h]:
                    cmax[h] = abs(data[t])
        worst = _sqrt_factors(cmax, cs, worst)
        for c in range(n_cols):
            f = cmax[col_group[c]]
            for t in range(indptr[c], indptr[c + 1]):
                data[t] *= f
        if worst < 1.1**2:
            break
    return rs, cs


@numba.njit(cache=True)
def _jacobi(A, m, n, V, want_v):
    """One-sided Jacobi rotations on ``A[:m, :n]`` (and ``V[:n, :n]``, set to I, if wanted)
    until its columns are orthogonal; then ``A V`` has the old ``A``'s singular values as
    column norms."""
    if want_v:
        for i in range(n):
            for j in range(n):
                V[i, j] = 1.0 if i == j else 0.0
    eps = np.finfo(np.float64).eps
    for _ in range(60):
        rotated = False
        for p in range(n - 1):
            for q in range(p + 1, n):
                alpha = 0.0
                beta = 0.0
                gamma = 0.0
                for i in range(m):
                    alpha += A[i, p] * A[i, p]
                    beta += A[i, q] * A[i, q]
                    gamma += A[i, p] * A[i, q]
                if gamma == 0.0 or abs(gamma) <= eps * np.sqrt(alpha * beta):
                    continue
                rotated = True
                zeta = (beta - alpha) / (2.0 * gamma)
                t = (1.0 if zeta >= 0 else -1.0) / (abs(zeta) + np.sqrt(1.0 + zeta * zeta))
                c = 1.0 / np.sqrt(1.0 + t * t)
                sn = c * t
                for i in range(m):
                    ap = A[i, p]
                    aq = A[i, q]
                    A[i, p] = c * ap - sn * aq
                    A[i, q] = sn * ap + c * aq
                if want_v:
                    for i in range(n):
                        vp = V[i, p]
                        vq = V[i, q]
                        V[i, p] = c * vp - sn * vq
                        V[i, q] = sn * vp + c * vq
        if not rotated:
            break


@numba.njit(cache=True)
def _column_norms_sorted(A, m, n, s, order):
    """Column norms of ``A[:m, :n]`` into ``s[:n]`` (decreasing) and their columns ``order``."""
    for j in range(n):
        x = 0.0
        for i in range(m):
            x += A[i, j] * A[i, j]
        s[j] = np.sqrt(x)
        order[j] = j
    for j in range(1, n):  # insertion sort: n is a stalk dimension
        k = j
        while k > 0 and s[k - 1] < s[k]:
            s[k - 1], s[k] = s[k], s[k - 1]
            order[k - 1], order[k] = order[k], order[k - 1]
            k -= 1


@numba.njit(cache=True)
def small_svd(A):
    """SVD of a small dense matrix by one-sided Jacobi rotations (Hestenes).

    The blocks of the float engine have a stalk's few columns; LAPACK's call overhead would
    dominate, and one-sided Jacobi is accurate to high *relative* precision in each singular
    value.

    Returns
    -------
    U : ndarray (m, n)
        ``A V = U diag(s)``; columns of zero singular values are zero.
    s : ndarray (n,)
        Singular values, decreasing (``n - m`` of them are ~0 when ``m < n``).
    V : ndarray (n, n)
        Orthogonal; column ``i`` is the right singular vector of ``s[i]``.

    Examples
    --------
    A rank-2 map whose first entry is tiny (the reproducer of issue 14): singular values
    √2, √2 and a rounding-level third one, whatever the basis.

    >>> e = 2.0**-24
    >>> M = np.outer([2 * e, 0, 1], [1, 1, 0]) + np.outer([-1, 2 * e, 2 * e], [-1, 1, 2 * e])
    >>> U, s, V = small_svd(M)
    >>> np.round(s, 12).tolist()
    [1.414213562373, 1.414213562373, 0.0]
    >>> bool(np.allclose(M @ V, U * s))
    True
    """
    m, n = A.shape
    W = A.copy()
    V = np.empty((n, n))
    _jacobi(W, m, n, V, True)
    s = np.empty(n)
    order = np.empty(n, dtype=np.int64)
    _column_norms_sorted(W, m, n, s, order)
    U = np.zeros((m, n))
    Vs = np.empty((n, n))
    for k in range(n):
        j = order[k]
        for i in range(n):
            Vs[i, k] = V[i, j]
        if s[k] > 0:
            for i in range(m):
                U[i, k] = W[i, j] / s[k]
    return U, s, Vs


@numba.njit(cache=True)
def _gram_suspect(G, d, screen, buf, sv, order, V):
    """Whether the PSD ``G[:d, :d]`` (a block's Gram matrix) may hide a singular value ratio
    below ``sqrt(screen)``: its eigenvalues carry an absolute error ~u·λ_max, so only ratios
    well above u can be cleared this way."""
    if d == 2:  # closed form: λ_max = mean + radius, λ_min = det / λ_max
        mean = 0.5 * (G[0, 0] + G[1, 1])
        radius = np.sqrt(0.25 * (G[0, 0] - G[1, 1]) ** 2 + G[0, 1] * G[1, 0])
        top = mean + radius
        return top > 0 and (G[0, 0] * G[1, 1] - G[0, 1] * G[1, 0]) <= screen * top * top
    for a in range(d):
        for b in range(d):
            buf[a, b] = G[a, b]
    _jacobi(buf, d, d, V, False)
    _column_norms_sorted(buf, d, d, sv, order)
    return sv[0] > 0 and sv[d - 1] <= screen * sv[0]


@numba.njit(cache=True)
def gram_screen(indptr, indices, data, row_group, row_ptr, col_ptr, screen):
    """Stalks whose block conditioning the cheap Gram test cannot clear.

    For every column group (a stalk's columns) and every row group (its rows), the Gram matrix
    of the block, accumulated in one pass over the CSC entries (no transpose); a block is
    cleared when its smallest eigenvalue exceeds ``screen`` times its largest. The others go
    to the exact check (:func:`stalk_doubts`). Single-column / single-row blocks are cleared.

    Returns
    -------
    col_suspect, row_suspect : ndarray of bool
    """
    n_col_groups = len(col_ptr) - 1
    n_row_groups = len(row_ptr) - 1
    dmax = 1
    for h in range(n_col_groups):
        dmax = max(dmax, col_ptr[h + 1] - col_ptr[h])
    for g in range(n_row_groups):
        dmax = max(dmax, row_ptr[g + 1] - row_ptr[g])
    buf = np.zeros((dmax, dmax))
    G = np.zeros((dmax, dmax))
    V = np.zeros((dmax, dmax))
    sv = np.zeros(dmax)
    order = np.zeros(dmax, dtype=np.int64)
    col_suspect = np.zeros(n_col_groups, dtype=np.bool_)
    for h in range(n_col_groups):
        c0 = col_ptr[h]
        d = col_ptr[h + 1] - c0
        if d < 2:
            continue
        for a in range(d):
            for b in range(a, d):
                # dot product of two sorted sparse columns
                x = 0.0
                i = indptr[c0 + a]
                j = indptr[c0 + b]
                while i < indptr[c0 + a + 1] and j < indptr[c0 + b + 1]:
                    if indices[i] == indices[j]:
                        x += data[i] * data[j]
                        i += 1
                        j += 1
                    elif indices[i] < indices[j]:
                        i += 1
                    else:
                        j += 1
                G[a, b] = x
                G[b, a] = x
        col_suspect[h] = _gram_suspect(G, d, screen, buf, sv, order, V)
    # row groups: their Gram matrices, one d_g × d_g block each
    offset = np.zeros(n_row_groups + 1, dtype=np.int64)
    for g in range(n_row_groups):
        dg = row_ptr[g + 1] - row_ptr[g]
        offset[g + 1] = offset[g] + dg * dg
    grams = np.zeros(offset[n_row_groups])
    for c in range(len(indptr) - 1):
        t = indptr[c]
        while t < indptr[c + 1]:
            g = row_group[indices[t]]
            stop = t
            while stop < indptr[c + 1] and row_group[indices[stop]] == g:
                stop += 1
            r0 = row_ptr[g]
            dg = row_ptr[g + 1] - r0
            for t1 in range(t, stop):
                for t2 in range(t, stop):
                    grams[offset[g] + (indices[t1] - r0) * dg + indices[t2] - r0] += (
                        data[t1] * data[t2]
                    )
            t = stop
    row_suspect = np.zeros(n_row_groups, dtype=np.bool_)
    for g in range(n_row_groups):
        dg = row_ptr[g + 1] - row_ptr[g]
        if dg < 2:
            continue
        for a in range(dg):
            for b in range(dg):
                G[a, b] = grams[offset[g] + a * dg + b]
        row_suspect[g] = _gram_suspect(G, dg, screen, buf, sv, order, V)
    return col_suspect, row_suspect


@numba.njit(cache=True)
def stalk_doubts(indptr, indices, data, n_rows, col_ptr, check, doubt_lo, doubt_hi):
    """Stalks whose coboundary block is ill-conditioned at the engine's tolerance.

    For every column group ``h`` (a stalk), the singular values of its columns
    ``M[:, col_ptr[h]:col_ptr[h+1]]``; a singular value in ``(doubt_lo, doubt_hi) · σ_max``
    means that the stalk's basis mixes directions whose scales differ by about ``1/rtol``:
    rank decisions that involve them cannot be certified, whatever the pivoting. Only the
    groups with ``check[h]`` are examined (those :func:`gram_screen` could not clear); apply
    it to the transpose for the row groups.

    Returns
    -------
    groups : ndarray of int64
    ratios : ndarray of float64
        The singular value divided by ``σ_max``.
    """
    n_groups = len(col_ptr) - 1
    mark = np.full(n_rows, -1, dtype=np.int64)
    rows = np.empty(16, dtype=np.int64)
    out_g = np.empty(16, dtype=np.int64)
    out_r = np.empty(16, dtype=np.float64)
    n_out = 0
    B = np.zeros((16, 4))
    sv = np.empty(4)
    order = np.empty(4, dtype=np.int64)
    for h in range(n_groups):
        c0 = col_ptr[h]
        d = col_ptr[h + 1] - c0
        if d < 2 or not check[h]:
            continue  # one column: a single singular value, its own scale
        n = 0
        for j in range(d):
            for t in range(indptr[c0 + j], indptr[c0 + j + 1]):
                if mark[indices[t]] != h:
                    mark[indices[t]] = h
                    rows = _grow(rows, n + 1)
                    rows[n] = indices[t]
                    n += 1
        if n == 0:
            continue
        if n > B.shape[0] or d > B.shape[1]:
            B = np.zeros((max(n, 2 * B.shape[0]), max(d, B.shape[1])))
            sv = np.empty(B.shape[1])
            order = np.empty(B.shape[1], dtype=np.int64)
        for a in range(n):
            for j in range(d):
                B[a, j] = 0.0
        for a in range(n):
            mark[rows[a]] = -2 - a  # position, while this block is built
        for j in range(d):
            for t in range(indptr[c0 + j], indptr[c0 + j + 1]):
                B[-2 - mark[indices[t]], j] = data[t]
        for a in range(n):
            mark[rows[a]] = h
        _jacobi(B, n, d, B, False)
        _column_norms_sorted(B, n, d, sv, order)
        top = sv[0]
        if top == 0.0:
            continue
        for i in range(d):
            x = sv[i]
            if x > doubt_lo * top and x < doubt_hi * top:
                out_g = _grow(out_g, n_out + 1)
                out_r = _grow(out_r, n_out + 1)
                out_g[n_out] = h
                out_r[n_out] = x / top
                n_out += 1
    return out_g[:n_out], out_r[:n_out]
