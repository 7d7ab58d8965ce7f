"""The certified float64 reduction: persistent cohomology with real coefficients.

Plain arrays in, plain arrays out, compiled with numba. The exact kernel
(:mod:`tdasheaf.cohomology._reduction`) pivots on single entries in filtration order; with real
numbers that makes the answer depend on the stalk bases (a tiny entry that happens to come first
becomes a pivot). Here the unit of a pivot is a whole *stalk* instead of one coordinate.

Input is one coboundary δ^k in CSC form (rows: basis of C^{k+1}, columns: basis of C^k, both in
filtration order) together with the partition of rows and columns into *groups*, one per
simplex: the ``d_σ`` coordinates of a simplex's stalk. Column groups are processed from the last
to the first (the cohomology algorithm, as in the exact kernel). The working block ``W`` holds
the columns of one group (``d_τ`` columns). Its *pivot group* is the earliest row group on which
``W`` is not zero; at that group ``g``:

1. ``W`` is orthogonalised against the pivots already stored at ``g``: each stored pivot column
   ``X`` has an orthonormal ``g``-part ``q`` and entries only in later groups, so
   ``W ← W − X (qᵀ W_g)`` (modified Gram–Schmidt; adding columns of later-born cochains is the
   column operation the persistence algorithm allows).
2. The residual ``g``-block ``W_g`` (``d_g × w``) is split by an SVD ``U Σ Vᵀ``
   (:func:`small_svd`); its numerical
   rank ``r`` counts the singular values above ``rtol · m``, where ``m`` is the largest norm of
   the terms that formed ``W`` (its original columns and every ``|coefficient| · ‖X‖`` subtracted
   from it), i.e. the scale of the rounding error in ``W``.
3. ``W ← W V`` (a change of basis inside one stalk, which the filtration allows); the first
   ``r`` columns, scaled by ``1/σ_i`` so that their ``g``-parts are the orthonormal ``U[:, i]``,
   are stored as pivots of ``g`` and give ``r`` bars ``[f(τ), f(g))``; the other ``w − r``
   columns (zero on ``g``) go on to the next row group.

Columns left when no row group remains are cocycles: essential bars ``[f(τ), ∞)``. *Clearing*
carries over blockwise: the pivot directions stored at a group of δ^{k-1} (the orthonormal
``q``'s) span coboundaries, so in δ^k only the orthogonal complement of those directions in that
simplex's stalk is reduced.

Every operation inside a stalk is orthogonal, so the result does not depend on the choice of
orthonormal basis of any stalk; coordinate scales (per-simplex scalars, diagonal rescalings)
are removed beforehand by Ruiz equilibration (:func:`equilibrate`). Each rank decision is
*certain* when no singular value lies in the doubt band ``(doubt_lo, doubt_hi) · m`` around
the threshold ``rtol · m``: below ``doubt_lo`` (a thousand times the unit roundoff) a singular
value is rounding noise of the computation, above the threshold it is rank; one in between is
a genuine nonzero that the tolerance would drop (the answer would be the barcode of a nearby
sheaf, not the given one). A singular value in the band is reported (a *doubt*) with the
groups it concerns; the caller turns doubts into a
:class:`~tdasheaf.exceptions.NumericalWarning`. The same check guards a group whose stalk is
already spanned by pivots: its residual must be rounding noise.

With ``track``, the columns of the reduction matrix (the combinations of original basis vectors
that form each stored or essential column) are carried along as extra rows below the real ones,
which never become pivots; they are the representative cocycles.
"""

from __future__ import annotations

import numba
import numpy as np

from tdasheaf.cohomology._reduction import _grow, _heap_pop, _heap_push

__all__ = [
    "equilibrate",
    "gram_screen",
    "reduce_blocks",
    "small_svd",
    "stalk_doubts",
    "stalk_scaling",
]


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
        worst = 1.0
        for g in range(n_row_groups):
            if rmax[g] > 0:
                worst = max(worst, rmax[g], 1.0 / rmax[g])
                rmax[g] = 1.0 / np.sqrt(rmax[g])
                rs[g] *= rmax[g]
            else:
                rmax[g] = 1.0
        cmax[:] = 0.0
        for c in range(n_cols):
            h = col_group[c]
            for t in range(indptr[c], indptr[c + 1]):
                data[t] *= rmax[row_group[indices[t]]]
                if abs(data[t]) > cmax[h]:
                    cmax[h] = abs(data[t])
        for h in range(n_col_groups):
            if cmax[h] > 0:
                worst = max(worst, cmax[h], 1.0 / cmax[h])
                cmax[h] = 1.0 / np.sqrt(cmax[h])
                cs[h] *= cmax[h]
            else:
                cmax[h] = 1.0
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


@numba.njit(cache=True, inline="always")
def _touch(row, n_rows, row_group, touched, tl, ntl, heap, hsize, in_heap):
    """Mark ``row`` as touched by the working block and push its group on the heap.

    ``tl`` and ``heap`` are sized for every row and group (each is touched at most once per
    column group). Returns the new ``(ntl, hsize)``.
    """
    if not touched[row]:
        touched[row] = True
        tl[ntl] = row
        ntl += 1
        if row < n_rows:
            g = row_group[row]
            if not in_heap[g]:
                in_heap[g] = True
                hsize = _heap_push(heap, hsize, g)
    return ntl, hsize


@numba.njit(cache=True)
def _add_doubt(doubts, n_doubts, h, g, ratio):
    """Record a doubtful decision (column group, row group, ratio) as row ``n_doubts``."""
    if n_doubts >= len(doubts):
        grown = np.empty((2 * len(doubts), 3))
        grown[: len(doubts)] = doubts
        doubts = grown
    doubts[n_doubts, 0] = h
    doubts[n_doubts, 1] = g
    doubts[n_doubts, 2] = ratio
    return doubts


@numba.njit(cache=True)
def _open_pivot(st_idx, st_val, s_ptr, s_len, s_err, st_top, n_stored, n_entries, r0, dg, B, j, sj):
    """Room for a stored pivot of ``n_entries`` entries whose first ``dg`` are its orthonormal
    part on row group ``r0:r0+dg``: column ``j`` of the rotated block ``B`` divided by ``sj``."""
    st_idx = _grow(st_idx, st_top + n_entries)
    st_val = _grow(st_val, st_top + n_entries)
    s_ptr = _grow(s_ptr, n_stored + 1)
    s_len = _grow(s_len, n_stored + 1)
    s_err = _grow(s_err, n_stored + 1)
    for a in range(dg):
        st_idx[st_top + a] = r0 + a
        st_val[st_top + a] = B[a, j] / sj
    return st_idx, st_val, s_ptr, s_len, s_err


@numba.njit(cache=True)
def reduce_blocks(
    indptr,
    indices,
    data,
    row_ptr,
    row_group,
    col_ptr,
    clear_k,
    clear_q,
    rtol,
    doubt_lo,
    doubt_hi,
    max_growth,
    track,
):
    """Reduce δ^k blockwise with clearing; see the module docstring.

    Parameters
    ----------
    indptr, indices, data : ndarray
        CSC of δ^k (int64, int64, float64), ideally equilibrated (:func:`equilibrate`).
    row_ptr : ndarray of int64, shape (n_row_groups + 1,)
        Rows of group ``g`` are ``row_ptr[g]:row_ptr[g + 1]`` (a (k+1)-simplex's stalk).
    row_group : ndarray of int64, shape (n_rows,)
        The group of every row.
    col_ptr : ndarray of int64, shape (n_col_groups + 1,)
        Columns of each group (a k-simplex's stalk).
    clear_k : ndarray of int64, shape (n_col_groups,)
        Number of cleared directions of each column group.
    clear_q : ndarray of float64, shape (n_cols, >= max clear_k)
        For column group ``h`` with ``k = clear_k[h]``: ``clear_q[col_ptr[h]:col_ptr[h+1], :k]``
        has orthonormal columns spanning the cleared directions (the ``pivot_q`` output of the
        reduction of δ^{k-1}).
    rtol : float
        A singular value is zero when at most ``rtol`` times the scale of the terms that formed
        the block.
    doubt_lo, doubt_hi : float
        Singular values in ``(doubt_lo, doubt_hi)`` times that scale are reported as doubts:
        above rounding noise, yet at or near the threshold.
    max_growth : float
        A zero decision is reported as a doubt too once that scale exceeds ``max_growth``
        times the block's original norm: its noise floor could then hide genuine values.
    track : bool
        Also return the representative cocycles.

    Returns
    -------
    bar_col, bar_row : ndarray of int64
        One entry per bar: its column group and its row group (-1: essential).
    pivot_k : ndarray of int64, shape (n_row_groups,)
        Pivot directions stored at each row group.
    pivot_q : ndarray of float64, shape (n_rows, max(1, max d_g))
        Their orthonormal directions, in the layout of ``clear_q`` (for clearing δ^{k+1}).
    doubt_col, doubt_row : ndarray of int64
        Groups of the rank decisions in doubt.
    doubt_ratio : ndarray of float64
        Their singular value divided by the threshold.
    v_ptr, v_len, v_idx, v_val : ndarray
        With ``track``: the cocycle of bar ``i`` has entries ``v_val`` at columns ``v_idx`` in
        ``v_ptr[i]:v_ptr[i] + v_len[i]`` (coordinates of the equilibrated basis).
    """
    n_rows = len(row_group)
    n_cols = len(indptr) - 1
    n_row_groups = len(row_ptr) - 1
    n_col_groups = len(col_ptr) - 1
    wmax = 1
    for h in range(n_col_groups):
        wmax = max(wmax, col_ptr[h + 1] - col_ptr[h])
    dmax = 1
    for g in range(n_row_groups):
        dmax = max(dmax, row_ptr[g + 1] - row_ptr[g])
    n_acc = n_rows + (n_cols if track else 0)
    acc = np.zeros((n_acc, wmax))
    touched = np.zeros(n_acc, dtype=np.bool_)
    tl = np.empty(n_acc, dtype=np.int64)
    heap = np.empty(max(n_row_groups, 1), dtype=np.int64)
    in_heap = np.zeros(n_row_groups, dtype=np.bool_)
    tmp = np.zeros(wmax)
    B = np.zeros((dmax, wmax))
    V = np.zeros((wmax, wmax))
    s = np.zeros(wmax)
    order = np.zeros(wmax, dtype=np.int64)
    # stored pivot columns: the first d_g entries are the group's own rows, in order
    pivot_k = np.zeros(n_row_groups, dtype=np.int64)
    pivot_id = np.full(n_rows, -1, dtype=np.int64)
    s_ptr = np.empty(1024, dtype=np.int64)
    s_len = np.empty(1024, dtype=np.int64)
    s_err = np.empty(1024, dtype=np.float64)
    st_idx = np.empty(4096, dtype=np.int64)
    st_val = np.empty(4096, dtype=np.float64)
    n_stored = 0
    st_top = 0
    bar_col = np.empty(n_cols, dtype=np.int64)
    bar_row = np.empty(n_cols, dtype=np.int64)
    n_bars = 0
    doubts = np.empty((16, 3))  # column group, row group, ratio
    n_doubts = 0
    v_ptr = np.full(n_cols if track else 0, -1, dtype=np.int64)
    v_len = np.zeros(n_cols if track else 0, dtype=np.int64)
    v_idx = np.empty(1024 if track else 0, dtype=np.int64)
    v_val = np.empty(1024 if track else 0, dtype=np.float64)
    v_top = 0
    for h in range(n_col_groups - 1, -1, -1):
        c0 = col_ptr[h]
        d = col_ptr[h + 1] - c0
        k = clear_k[h]
        if d == 0 or k >= d:
            continue
        w = d - k
        if k == 0:
            # apparent pivot: the earliest coface stalk has no pivots yet and the block there
            # has full column rank, certainly: store W V Σ^{-1} straight from the original
            # columns (no accumulator, no heap), as the exact engine's apparent pairs do
            g0 = n_row_groups
            mag = 0.0
            for j in range(d):
                col = c0 + j
                if indptr[col + 1] > indptr[col]:
                    g0 = min(g0, row_group[indices[indptr[col]]])
                sq = 0.0
                for t in range(indptr[col], indptr[col + 1]):
                    sq += data[t] * data[t]
                mag = max(mag, np.sqrt(sq))
            if g0 < n_row_groups and pivot_k[g0] == 0 and row_ptr[g0 + 1] - row_ptr[g0] >= d:
                r0 = row_ptr[g0]
                dg = row_ptr[g0 + 1] - r0
                for a in range(dg):
                    for j in range(d):
                        B[a, j] = 0.0
                for j in range(d):
                    t = indptr[c0 + j]
                    while t < indptr[c0 + j + 1] and row_group[indices[t]] == g0:
                        B[indices[t] - r0, j] = data[t]
                        t += 1
                _jacobi(B, dg, d, V, True)
                _column_norms_sorted(B, dg, d, s, order)
                if s[d - 1] >= doubt_hi * mag:
                    for i in range(d):
                        n_entries = dg + (d if track else 0)
                        for j in range(d):
                            n_entries += indptr[c0 + j + 1] - indptr[c0 + j]
                        st_idx, st_val, s_ptr, s_len, s_err = _open_pivot(
                            st_idx,
                            st_val,
                            s_ptr,
                            s_len,
                            s_err,
                            st_top,
                            n_stored,
                            n_entries,
                            r0,
                            dg,
                            B,
                            order[i],
                            s[i],
                        )
                        base = st_top
                        st_top += dg
                        for j in range(d):
                            f = V[j, order[i]] / s[i]
                            for t in range(indptr[c0 + j], indptr[c0 + j + 1]):
                                if row_group[indices[t]] == g0:
                                    continue
                                st_idx[st_top] = indices[t]  # rows may repeat: entries add
                                st_val[st_top] = data[t] * f
                                st_top += 1
                            if track:  # its reduction-matrix part, as the slow path keeps it
                                st_idx[st_top] = n_rows + c0 + j
                                st_val[st_top] = f
                                st_top += 1
                        s_ptr[n_stored] = base
                        s_len[n_stored] = st_top - base
                        s_err[n_stored] = mag / s[i]
                        pivot_id[r0 + i] = n_stored
                        n_stored += 1
                        bar_col[n_bars] = h
                        bar_row[n_bars] = g0
                        if track:
                            v_idx = _grow(v_idx, v_top + d)
                            v_val = _grow(v_val, v_top + d)
                            v_ptr[n_bars] = v_top
                            for j in range(d):
                                v_idx[v_top] = c0 + j
                                v_val[v_top] = V[j, order[i]] / s[i]
                                v_top += 1
                            v_len[n_bars] = d
                        n_bars += 1
                    pivot_k[g0] = d
                    continue
        # basis of the uncleared directions: the orthogonal complement of the cleared ones
        P = np.zeros((d, w))
        if k > 0:
            Q = np.empty((d, k))
            for i in range(d):
                for j in range(k):
                    Q[i, j] = clear_q[c0 + i, j]
            # an orthonormal basis of the complement: repeatedly add the unit vector farthest
            # from the span so far (its residual norm is >= 1/sqrt(d)), re-orthogonalised twice
            basis = np.zeros((d, d))
            for i in range(d):
                for j in range(k):
                    basis[i, j] = Q[i, j]
            for n_basis in range(k, d):
                best = np.zeros(d)
                best_norm = -1.0
                for e in range(d):
                    v = np.zeros(d)
                    v[e] = 1.0
                    for _ in range(2):
                        for j in range(n_basis):
                            dot = 0.0
                            for i in range(d):
                                dot += basis[i, j] * v[i]
                            for i in range(d):
                                v[i] -= dot * basis[i, j]
                    nv = np.sqrt(np.sum(v * v))
                    if nv > best_norm:
                        best_norm = nv
                        best = v / nv
                for i in range(d):
                    basis[i, n_basis] = best[i]
            for i in range(d):
                for j in range(w):
                    P[i, j] = basis[i, k + j]
        else:
            for i in range(d):
                P[i, i] = 1.0
        ntl = 0
        hsize = 0
        for j in range(d):
            col = c0 + j
            for t in range(indptr[col], indptr[col + 1]):
                row = indices[t]
                ntl, hsize = _touch(row, n_rows, row_group, touched, tl, ntl, heap, hsize, in_heap)
                for i in range(w):
                    acc[row, i] += data[t] * P[j, i]
            if track:
                row = n_rows + col
                ntl, hsize = _touch(row, n_rows, row_group, touched, tl, ntl, heap, hsize, in_heap)
                for i in range(w):
                    acc[row, i] += P[j, i]
        # the scale of the block's rounding errors: its *original* columns (projecting out the
        # cleared directions can leave pure noise, which must not set its own scale)
        mag = 0.0
        for j in range(d):
            sq = 0.0
            for t in range(indptr[c0 + j], indptr[c0 + j + 1]):
                sq += data[t] * data[t]
            mag = max(mag, np.sqrt(sq))
        # a zero decision is certain only while the terms that formed the block have not grown
        # past max_growth times its original scale (the noise floor would hide real values)
        growth_limit = mag * max_growth
        while w > 0 and hsize > 0:
            g = heap[0]
            hsize = _heap_pop(heap, hsize)
            in_heap[g] = False
            r0 = row_ptr[g]
            dg = row_ptr[g + 1] - r0
            kg = pivot_k[g]
            # 1. orthogonalise against the pivots stored at g (modified Gram-Schmidt)
            for p in range(kg):
                sid = pivot_id[r0 + p]
                base = s_ptr[sid]
                ln = s_len[sid]
                nonzero = False
                for j in range(w):
                    x = 0.0
                    for a in range(dg):
                        x += st_val[base + a] * acc[r0 + a, j]
                    tmp[j] = x
                    if x != 0.0:
                        nonzero = True
                        mag = max(mag, abs(x) * s_err[sid])
                if not nonzero:
                    continue
                for t in range(base, base + ln):
                    row = st_idx[t]
                    ntl, hsize = _touch(
                        row, n_rows, row_group, touched, tl, ntl, heap, hsize, in_heap
                    )
                    y = st_val[t]
                    for j in range(w):
                        acc[row, j] -= tmp[j] * y
            # a block that is zero to rounding noise has rank 0, without doubt
            small = True
            for a in range(dg):
                for j in range(w):
                    if abs(acc[r0 + a, j]) * w * dg > doubt_lo * mag:
                        small = False
            if small and kg < dg:
                for a in range(dg):
                    for j in range(w):
                        acc[r0 + a, j] = 0.0
                if mag > growth_limit:
                    doubts = _add_doubt(doubts, n_doubts, h, g, 0.0)
                    n_doubts += 1
                continue
            thr = rtol * mag
            if kg == dg:
                # the stalk is spanned by pivots: what is left must be rounding noise
                res = 0.0
                for a in range(dg):
                    for j in range(w):
                        res = max(res, abs(acc[r0 + a, j]))
                        acc[r0 + a, j] = 0.0
                if res > doubt_lo * mag:
                    doubts = _add_doubt(doubts, n_doubts, h, g, res / thr if thr > 0 else np.inf)
                    n_doubts += 1
                continue
            # 2. numerical rank of the residual block
            for a in range(dg):
                for j in range(w):
                    B[a, j] = acc[r0 + a, j]
            _jacobi(B, dg, w, V, True)
            _column_norms_sorted(B, dg, w, s, order)
            r = 0
            n_meaningful = min(dg - kg, w)
            for i in range(w):
                if s[i] > thr:
                    r += 1
                zero_in_doubt = i < n_meaningful and mag > growth_limit and s[i] <= thr
                if (s[i] > doubt_lo * mag and s[i] < doubt_hi * mag) or zero_in_doubt:
                    doubts = _add_doubt(doubts, n_doubts, h, g, s[i] / thr if thr > 0 else np.inf)
                    n_doubts += 1
            if r > 0:
                # 3. rotate the block so that its first r columns carry the rank
                for a in range(ntl):
                    row = tl[a]
                    for j in range(w):
                        tmp[j] = acc[row, j]
                    for i in range(w):
                        x = 0.0
                        for j in range(w):
                            x += tmp[j] * V[j, order[i]]
                        acc[row, i] = x
                for i in range(r):
                    st_idx, st_val, s_ptr, s_len, s_err = _open_pivot(
                        st_idx,
                        st_val,
                        s_ptr,
                        s_len,
                        s_err,
                        st_top,
                        n_stored,
                        dg + ntl,
                        r0,
                        dg,
                        B,
                        order[i],
                        s[i],
                    )
                    base = st_top
                    st_top += dg
                    for a in range(ntl):
                        row = tl[a]
                        if row < n_rows and row_group[row] <= g:
                            continue
                        x = acc[row, i] / s[i]
                        if x == 0.0:
                            continue
                        st_idx[st_top] = row
                        st_val[st_top] = x
                        st_top += 1
                    s_ptr[n_stored] = base
                    s_len[n_stored] = st_top - base
                    # its entries carry the block's rounding error, divided by σ_i
                    s_err[n_stored] = mag / s[i]
                    pivot_id[r0 + kg + i] = n_stored
                    n_stored += 1
                    bar_col[n_bars] = h
                    bar_row[n_bars] = g
                    if track:
                        n_v = 0
                        for t in range(base, st_top):
                            if st_idx[t] >= n_rows:
                                n_v += 1
                        v_idx = _grow(v_idx, v_top + n_v)
                        v_val = _grow(v_val, v_top + n_v)
                        v_ptr[n_bars] = v_top
                        for t in range(base, st_top):
                            if st_idx[t] >= n_rows:
                                v_idx[v_top] = st_idx[t] - n_rows
                                v_val[v_top] = st_val[t]
                                v_top += 1
                        v_len[n_bars] = n_v
                    n_bars += 1
                pivot_k[g] = kg + r
                for a in range(ntl):
                    row = tl[a]
                    for i in range(r, w):
                        acc[row, i - r] = acc[row, i]
                    for i in range(w - r, w):
                        acc[row, i] = 0.0
                w -= r
            for a in range(dg):
                for j in range(w):
                    acc[r0 + a, j] = 0.0
        # what is left is a cocycle: essential bars
        for i in range(w):
            bar_col[n_bars] = h
            bar_row[n_bars] = -1
            if track:
                v_idx = _grow(v_idx, v_top + ntl)
                v_val = _grow(v_val, v_top + ntl)
                v_ptr[n_bars] = v_top
                n_v = 0
                for a in range(ntl):
                    row = tl[a]
                    if row >= n_rows and acc[row, i] != 0.0:
                        v_idx[v_top] = row - n_rows
                        v_val[v_top] = acc[row, i]
                        v_top += 1
                        n_v += 1
                v_len[n_bars] = n_v
            n_bars += 1
        # reset the working block
        for a in range(ntl):
            row = tl[a]
            touched[row] = False
            for j in range(wmax):
                acc[row, j] = 0.0
        while hsize > 0:
            in_heap[heap[0]] = False
            hsize = _heap_pop(heap, hsize)
    pivot_q = np.zeros((n_rows, dmax))
    for g in range(n_row_groups):
        r0 = row_ptr[g]
        for p in range(pivot_k[g]):
            base = s_ptr[pivot_id[r0 + p]]
            for a in range(row_ptr[g + 1] - r0):
                pivot_q[r0 + a, p] = st_val[base + a]
    return (
        bar_col[:n_bars],
        bar_row[:n_bars],
        pivot_k,
        pivot_q,
        doubts[:n_doubts, 0].astype(np.int64),
        doubts[:n_doubts, 1].astype(np.int64),
        doubts[:n_doubts, 2].copy(),
        v_ptr[: n_bars if track else 0],
        v_len[: n_bars if track else 0],
        v_idx[:v_top],
        v_val[:v_top],
    )
