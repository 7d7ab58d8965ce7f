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
   (:func:`~tdasheaf.cohomology._float_conditioning.small_svd`); its numerical
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
are removed beforehand (:mod:`tdasheaf.cohomology._float_conditioning`). Each rank decision is
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

from tdasheaf.cohomology._float_conditioning import _column_norms_sorted, _jacobi
from tdasheaf.cohomology._reduction import _grow, _heap_pop, _heap_push

__all__ = ["reduce_blocks"]


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
        CSC of δ^k (int64, int64, float64), scaled per stalk first
        (:func:`~tdasheaf.cohomology._float_conditioning.stalk_scaling`).
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
