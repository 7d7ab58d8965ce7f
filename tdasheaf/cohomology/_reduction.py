"""The reduction kernel: persistent cohomology of a filtered cochain complex, with clearing.

Plain arrays in, plain arrays out (no sheaf or complex objects), compiled with numba.

Input is one coboundary δ^k in CSC form: columns are the basis vectors of C^k and rows those
of C^{k+1}, both in filtration order (index 0 = born first); row indices of each column sorted
increasingly. Columns are reduced from the last to the first, and the *pivot* of a column is its
smallest row index (the earliest coface basis vector): this is the standard reduction of the
boundary matrix ∂ = δᵀ anti-transposed, so a pair (column c, pivot r) is the bar
``[f(c), f(r))`` in degree k and a column that reduces to zero and was not cleared is an
essential class ``[f(c), ∞)`` (de Silva–Morozov–Vejdemo-Johansson). Columns that were pivots of
δ^{k-1} are cleared (skipped): they are known to reduce to zero.

Arithmetic: ``p > 0`` is exact arithmetic in GF(p) on integer values stored as float64
(exact for ``p < 2**26``); ``p == 0`` is float64 arithmetic in which an entry is zero when
``|x| <= rtol * m``, with ``m`` the largest magnitude among the terms that produced the column
(original entries and every ``|factor| * |added column|``).

The working column is a dense accumulator over the rows plus a binary min-heap of the rows it
touches (as in ripser), so adding a column of length ``b`` costs ``O(b log h)`` regardless of
the fill-in of the working column. Columns that never need an addition (apparent and emergent
pairs, the vast majority in Rips filtrations) are not copied into storage; only genuinely
reduced columns are.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["reduce_coboundary"]


@numba.njit(cache=True)
def _grow(buf, need):
    """``buf`` with room for ``need`` entries (doubling), contents kept; any dtype."""
    if need <= len(buf):
        return buf
    new = np.empty(max(need, 2 * len(buf)), dtype=buf.dtype)
    new[: len(buf)] = buf
    return new


@numba.njit(cache=True)
def _inv_mod(a, p):
    # a^(p-2) mod p by square-and-multiply (p prime, a != 0 mod p)
    result = 1
    base = int(a) % p
    e = p - 2
    while e > 0:
        if e & 1:
            result = (result * base) % p
        base = (base * base) % p
        e >>= 1
    return result


@numba.njit(cache=True)
def _axpy(a_idx, a_val, a_len, b_idx, b_val, b_len, factor, p, tol, out_idx, out_val):
    """out = a + factor * b (sorted sparse vectors); returns the length of out."""
    i = 0
    j = 0
    n = 0
    while i < a_len or j < b_len:
        if j >= b_len or (i < a_len and a_idx[i] < b_idx[j]):
            out_idx[n] = a_idx[i]
            out_val[n] = a_val[i]
            n += 1
            i += 1
            continue
        if i >= a_len or b_idx[j] < a_idx[i]:
            r = b_idx[j]
            x = factor * b_val[j]
            j += 1
        else:
            r = a_idx[i]
            x = a_val[i] + factor * b_val[j]
            i += 1
            j += 1
        if p > 0:
            x = x % p
            if x == 0:
                continue
        elif abs(x) <= tol:
            continue
        out_idx[n] = r
        out_val[n] = x
        n += 1
    return n


@numba.njit(cache=True)
def _heap_push(heap, size, x):
    heap[size] = x
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if heap[parent] <= x:
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = x
    return size + 1


@numba.njit(cache=True)
def _heap_pop(heap, size):
    size -= 1
    x = heap[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if heap[child] >= x:
            break
        heap[i] = heap[child]
        i = child
    if size > 0:
        heap[i] = x
    return size


@numba.njit(cache=True)
def reduce_coboundary(indptr, indices, data, n_rows, skip, p, rtol, track):
    """Reduce δ^k (CSC) with clearing; see the module docstring.

    Parameters
    ----------
    indptr, indices, data : ndarray
        CSC of δ^k (int64, int64, float64), rows sorted within each column.
    n_rows : int
        Dimension of C^{k+1}.
    skip : ndarray of bool
        Columns known to reduce to zero (clearing).
    p : int
        Prime for GF(p), or 0 for float64.
    rtol : float
        Relative zero tolerance for ``p == 0``.
    track : bool
        Also return the reduction matrix columns V (cocycle representatives).

    Returns
    -------
    pivot : ndarray of int64
        ``pivot[c]`` is the pivot row of reduced column c, or -1 (zero column or skipped).
    v_ptr, v_len, v_idx, v_val : ndarray
        When ``track``: column c of V is ``v_idx[v_ptr[c]:v_ptr[c]+v_len[c]]`` with values in
        ``v_val`` (``v_ptr[c] == -1`` means V's column is the unit vector e_c).
    work : ndarray of int64
        Entries added while reducing each column (0 for apparent/emergent pairs): where the
        time goes, for profiling and benchmarks.
    """
    n_cols = len(indptr) - 1
    pivot = np.full(n_cols, -1, dtype=np.int64)
    col_of_row = np.full(n_rows, -1, dtype=np.int64)
    work = np.zeros(n_cols, dtype=np.int64)
    # reduced columns that differ from the original ones
    r_ptr = np.full(n_cols, -1, dtype=np.int64)
    r_len = np.zeros(n_cols, dtype=np.int64)
    r_idx = np.empty(1024, dtype=np.int64)
    r_val = np.empty(1024, dtype=np.float64)
    r_top = 0
    # the working column: dense accumulator + min-heap of touched rows
    acc = np.zeros(n_rows, dtype=np.float64)
    touched = np.zeros(n_rows, dtype=np.bool_)
    heap = np.empty(1024, dtype=np.int64)
    # reduction matrix V (representatives), merged as sorted sparse vectors
    v_ptr = np.full(n_cols if track else 0, -1, dtype=np.int64)
    v_len = np.zeros(n_cols if track else 0, dtype=np.int64)
    v_idx = np.empty(1024 if track else 0, dtype=np.int64)
    v_val = np.empty(1024 if track else 0, dtype=np.float64)
    v_top = 0
    vw_idx = np.empty(64, dtype=np.int64)
    vw_val = np.empty(64, dtype=np.float64)
    vs_idx = np.empty(64, dtype=np.int64)
    vs_val = np.empty(64, dtype=np.float64)
    one_idx = np.empty(1, dtype=np.int64)
    one_val = np.ones(1, dtype=np.float64)
    out_idx = np.empty(64, dtype=np.int64)
    out_val = np.empty(64, dtype=np.float64)
    for c in range(n_cols - 1, -1, -1):
        if skip[c]:
            continue
        start = indptr[c]
        stop = indptr[c + 1]
        if stop == start:
            continue
        # fast path: the column's own pivot is free (apparent / emergent pair); in floating
        # point only if that entry is not negligible against the column (never pivot on noise)
        r = indices[start]
        usable = True
        if p == 0:
            cmax = 0.0
            for t in range(start, stop):
                if abs(data[t]) > cmax:
                    cmax = abs(data[t])
            usable = abs(data[start]) > rtol * cmax
        if usable and col_of_row[r] < 0:
            pivot[c] = r
            col_of_row[r] = c
            continue
        size = 0
        mag = 0.0
        if stop - start > len(heap):
            heap = _grow(heap, stop - start)
        for t in range(start, stop):
            row = indices[t]
            acc[row] = data[t]
            touched[row] = True
            size = _heap_push(heap, size, row)
            if abs(data[t]) > mag:
                mag = abs(data[t])
        vl = 0
        if track:
            vw_idx[0] = c
            vw_val[0] = 1.0
            vl = 1
        piv = -1
        while size > 0:
            r = heap[0]
            x = acc[r]
            if (p > 0 and x == 0.0) or (p == 0 and abs(x) <= rtol * mag):
                size = _heap_pop(heap, size)
                acc[r] = 0.0
                touched[r] = False
                continue
            c2 = col_of_row[r]
            if c2 < 0:
                piv = r
                break
            if r_ptr[c2] >= 0:
                b_idx = r_idx[r_ptr[c2] : r_ptr[c2] + r_len[c2]]
                b_val = r_val[r_ptr[c2] : r_ptr[c2] + r_len[c2]]
            else:
                b_idx = indices[indptr[c2] : indptr[c2 + 1]]
                b_val = data[indptr[c2] : indptr[c2 + 1]]
            bl = len(b_idx)
            if p > 0:
                factor = float((p - (int(x) * _inv_mod(b_val[0], p)) % p) % p)
            else:
                factor = -x / b_val[0]
            work[c] += bl
            if size + bl > len(heap):
                heap = _grow(heap, size + bl)
            for t in range(bl):
                row = b_idx[t]
                y = acc[row] + factor * b_val[t]
                if p > 0:
                    y = y % p
                elif abs(factor * b_val[t]) > mag:
                    mag = abs(factor * b_val[t])
                acc[row] = y
                if not touched[row]:
                    touched[row] = True
                    size = _heap_push(heap, size, row)
            # the pivot entry cancels exactly by construction
            acc[r] = 0.0
            if track:
                if v_ptr[c2] >= 0:
                    a_idx = v_idx[v_ptr[c2] : v_ptr[c2] + v_len[c2]]
                    a_val = v_val[v_ptr[c2] : v_ptr[c2] + v_len[c2]]
                else:
                    one_idx[0] = c2
                    a_idx = one_idx
                    a_val = one_val
                need = vl + len(a_idx)
                if need > len(vs_idx):
                    vs_idx = _grow(vs_idx, need)
                    vs_val = _grow(vs_val, need)
                vl = _axpy(
                    vw_idx, vw_val, vl, a_idx, a_val, len(a_idx), factor, p, 0.0, vs_idx, vs_val
                )
                vw_idx, vs_idx = vs_idx, vw_idx
                vw_val, vs_val = vs_val, vw_val
        if piv >= 0:
            # collect the surviving entries in increasing row order, resetting the accumulator
            if size > len(out_idx):
                out_idx = _grow(out_idx, size)
                out_val = _grow(out_val, size)
            n_out = 0
            last = -1
            while size > 0:
                row = heap[0]
                size = _heap_pop(heap, size)
                if row == last:
                    continue
                last = row
                x = acc[row]
                acc[row] = 0.0
                touched[row] = False
                if (p > 0 and x != 0.0) or (p == 0 and abs(x) > rtol * mag):
                    out_idx[n_out] = row
                    out_val[n_out] = x
                    n_out += 1
            pivot[c] = piv
            col_of_row[piv] = c
            r_idx = _grow(r_idx, r_top + n_out)
            r_val = _grow(r_val, r_top + n_out)
            r_idx[r_top : r_top + n_out] = out_idx[:n_out]
            r_val[r_top : r_top + n_out] = out_val[:n_out]
            r_ptr[c] = r_top
            r_len[c] = n_out
            r_top += n_out
        if track:
            v_idx = _grow(v_idx, v_top + vl)
            v_val = _grow(v_val, v_top + vl)
            v_idx[v_top : v_top + vl] = vw_idx[:vl]
            v_val[v_top : v_top + vl] = vw_val[:vl]
            v_ptr[c] = v_top
            v_len[c] = vl
            v_top += vl
    return pivot, v_ptr, v_len, v_idx[:v_top], v_val[:v_top], work
