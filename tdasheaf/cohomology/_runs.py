"""The working column of the implicit flag engines: a lazy column kept as sorted runs.

Reducing a column adds ``factor · δ(V_c2)`` for earlier columns ``c2``; each added coboundary
arrives as a batch of (value, key, coefficient) entries (the cofaces of one simplex). ripser
keeps every entry in one binary heap. On a Rips filtration the long-lived classes make columns
of millions of entries, and a pop from a heap that size misses the cache at every level. Here
each batch is sorted once, while it is small, and stored as a *run* in a pool; a heap holds
only the head of every run, so it has as many entries as the column has additions (thousands)
and stays in cache, and entries are read from the runs sequentially. The smallest key is the
head of the heap's top run; equal keys (the same simplex from several runs) are summed, and a
key whose coefficients cancel is skipped — the same lazy column, a different memory layout.

Values are *ranks*: the engines hand this module the dense rank of each filtration value
(:func:`value_ranks`, as float64: 0.0, 1.0, … in the order of the values, equal values equal)
and map the values they read back to filtration values at the end (:func:`unrank`), so the
order of entries — value, then key — is the order of the filtration values exactly.

State: ``col = (heap, pool, ist, sf, si, sn)``. ``heap`` has one row per run, ``(head's value
rank, head's key, position, end)``: a run *is* its heap row (no run table to look up at each
pop), and a row is 32 contiguous bytes; a comparison is two integer comparisons. The pool is
one int64 buffer of entries of 16 bytes: entry ``t`` is ``pool[2t] = rank << 32 | coefficient``
and ``pool[2t + 1] = key`` (a rank is below 2**31, a stored coefficient below 2**32), so the
next entry of a run is on the cache line it is read from. ``ist = [heap size, pool top, pool
cap, over]``; ``sf, si, sn`` are the buffers of the batch sort (:func:`_sort_values`). A
pool that would need more than ``cap`` entries sets ``over`` and stops growing: the column is
then invalid and the engine stops (``_col_over``), so the caller can refuse within its budget.
Functions that may grow an array return the new ``col``. Coefficients enter and leave as
float64 residues mod p (stored as unsigned 32-bit integers).
"""

from __future__ import annotations

import numba
import numpy as np

from tdasheaf.utils._c_heap import heap_free, heap_realloc, int64_array, int64_view

__all__: list[str] = []

#: Up to this prime a batch scaled by a factor keeps products of two residues unreduced (below
#: 2**32, exact in float64); they are reduced when summed at a pivot. Above it (primes up to
#: ``utils._field.MAX_PRIME`` = 2**26 − 1) every product is reduced when it is stored.
SMALL_PRIME = 65536
#: A pivot's running sum of coefficients is reduced mod p before it could leave the range of
#: integers that float64 represents exactly (2**53), whatever the prime.
EXACT_SUM = float(2**52)

_NHEAP, _TOP, _CAP, _OVER = 0, 1, 2, 3

#: Bytes per pool entry (value rank and coefficient in one word, key) for the caller's budget
#: arithmetic.
POOL_ENTRY_BYTES = 16
_LOW = 0xFFFFFFFF

#: Element moves allowed to the insertion pass of :func:`_sort_values`, per entry, before a
#: batch whose values defeat the buckets (all but a few in one bucket) is merge-sorted instead.
_SORT_MOVES = 8


@numba.njit(cache=True)
def value_ranks(values):
    """Dense ranks of ``values`` as float64 (``0.0`` for the smallest, equal values equal) and
    the distinct values in increasing order, so that ``distinct[int(rank)]`` is the value."""
    distinct = np.unique(values)
    return np.searchsorted(distinct, values).astype(np.float64), distinct


@numba.njit(cache=True)
def unrank(x, distinct):
    """Replace the finite ranks in ``x`` (in place) by their values; NaN and inf stay."""
    for i in range(len(x)):
        r = x[i]
        if r == r and r != np.inf:
            x[i] = distinct[int(r)]


@numba.njit(cache=True)
def _pool(size):
    """A pool of ``size`` entries (two int64 words each), on the C heap so that it can grow
    without a copy (:mod:`tdasheaf.utils._c_heap`); :func:`_col_free` gives it back."""
    return int64_array(2 * size)


@numba.njit(cache=True)
def _col_new(cap):
    """An empty working column whose pool may hold at most ``cap`` entries (0: no limit)."""
    ist = np.zeros(4, dtype=np.int64)
    ist[_CAP] = cap
    return (
        np.empty((256, 4), dtype=np.int64),
        _pool(4096),
        ist,
        np.empty(512),
        np.empty(512, dtype=np.int64),
        np.empty(257, dtype=np.int64),
    )


@numba.njit(cache=True)
def _col_free(col):
    """Give the column's pool back to the C heap (the column must not be used again)."""
    heap_free(col[1].ctypes.data)


@numba.njit(cache=True)
def _col_clear(col):
    """Empty the column (its buffers and its cap are kept for the next one)."""
    col[2][:_CAP] = 0
    col[2][_OVER] = 0


@numba.njit(cache=True)
def _pool_size(col):
    """Entries the pool has room for."""
    return len(col[1]) // 2


@numba.njit(cache=True)
def _compact(col, need):
    """Make room for ``need`` more entries: slide the unread part of every live run to the front
    of the pool, and if that leaves less than a third of it free, grow the pool in place to 1.5×
    the entries then needed (C ``realloc``: a large pool is remapped, not copied, so its peak is
    its new size, not old and new together)."""
    heap, pool, ist, sf, si, sn = col
    live = 0
    for i in range(ist[_NHEAP]):
        live += heap[i, 3] - heap[i, 2]
    size = len(pool) // 2
    if 3 * (live + need) > 2 * size:
        size = (3 * (live + need)) // 2
        cap = ist[_CAP]
        if cap > 0 and size > cap:
            if live + need > cap:  # over the budget: flag it, change nothing
                ist[_OVER] = 1
                return col
            size = cap
    # runs in pool order: a run never moves onto entries not yet moved
    rows = np.argsort(heap[: ist[_NHEAP], 2])
    top = 0
    for i in rows:
        start = heap[i, 2]
        length = heap[i, 3] - start
        if start != top:
            for x in range(2 * length):
                pool[2 * top + x] = pool[2 * start + x]
        heap[i, 2] = top
        heap[i, 3] = top + length
        top += length
    ist[_TOP] = top
    if size == len(pool) // 2:
        return col
    address = heap_realloc(pool.ctypes.data, 16 * size)
    if address == 0:  # the C heap refused: the column stops as over its cap (old pool kept)
        ist[_OVER] = 1
        return col
    return (heap, int64_view(address, 2 * size), ist, sf, si, sn)


@numba.njit(cache=True, inline="always")
def _move_row(heap, dst, src):
    """Heap row ``src`` copied onto row ``dst`` (a sift step)."""
    heap[dst, 0] = heap[src, 0]
    heap[dst, 1] = heap[src, 1]
    heap[dst, 2] = heap[src, 2]
    heap[dst, 3] = heap[src, 3]


@numba.njit(cache=True, inline="always")
def _set_row(heap, i, f, k, pos, end):
    """Row ``i`` := (head value order ``f``, head key ``k``, run position, run end)."""
    heap[i, 0] = f
    heap[i, 1] = k
    heap[i, 2] = pos
    heap[i, 3] = end


@numba.njit(cache=True)
def _new_run(col, start, stop):
    """Register pool entries ``[start, stop)`` (sorted) as a run: its row moves up the heap."""
    heap, pool, ist, sf, si, sn = col
    n = ist[_NHEAP]
    if n + 1 > len(heap):
        grown = np.empty((2 * (n + 1), 4), dtype=np.int64)
        grown[:n] = heap[:n]
        heap = grown
    f = pool[2 * start] >> 32
    k = pool[2 * start + 1]
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if not (f < heap[parent, 0] or (f == heap[parent, 0] and k < heap[parent, 1])):
            break
        _move_row(heap, i, parent)
        i = parent
    _set_row(heap, i, f, k, start, stop)
    ist[_NHEAP] = n + 1
    return (heap, pool, ist, sf, si, sn)


@numba.njit(cache=True)
def _sort_values(cf, cnt, sf, si, sn):
    """Stable sort of ``cf[:cnt]``: the sorted values in ``sf[:cnt]``, their positions in
    ``si[:cnt]`` (equal values keep their order), as ``np.argsort(kind="stable")``.

    A batch is small (a vertex degree) and its values spread over a range, so a counting pass
    into ``len(sn) - 1`` buckets of equal width (the map from a value to its bucket is monotone:
    a bucket holds a range of values) and an insertion pass over the nearly sorted result cost
    a few operations per entry, where a comparison sort mispredicts a branch at most steps.
    ``sf, si`` need ``2 cnt`` entries. Values that defeat the buckets (an insertion pass past
    ``_SORT_MOVES`` moves per entry) are merge-sorted instead.
    """
    fmin = cf[0]
    fmax = cf[0]
    for t in range(1, cnt):
        fmin = min(fmin, cf[t])
        fmax = max(fmax, cf[t])
    nb = min(cnt, len(sn) - 1)
    scale = 0.0
    if fmax > fmin:
        scale = nb / (fmax - fmin)
        if not scale < 1e300:  # a range too small (or infinite): one bucket
            scale = 0.0
    last = nb - 1
    sn[: nb + 1] = 0
    for t in range(cnt):
        x = (cf[t] - fmin) * scale
        b = int(x) if x < last else last
        si[t] = b
        sn[b + 1] += 1
    for b in range(nb):
        sn[b + 1] += sn[b]
    for t in range(cnt):  # stable scatter to [cnt, 2 cnt)
        b = si[t]
        q = sn[b]
        sn[b] = q + 1
        sf[cnt + q] = cf[t]
        si[cnt + q] = t
    budget = _SORT_MOVES * cnt
    for t in range(cnt):  # insertion: entries move only within their bucket
        f = sf[cnt + t]
        i = si[cnt + t]
        u = t
        while u > 0 and sf[u - 1] > f:
            sf[u] = sf[u - 1]
            si[u] = si[u - 1]
            u -= 1
        sf[u] = f
        si[u] = i
        budget -= t - u
        if budget < 0:
            order = np.argsort(cf[:cnt], kind="mergesort")
            for q in range(cnt):
                si[q] = order[q]
                sf[q] = cf[order[q]]
            return


@numba.njit(cache=True)
def _col_add(col, cf, ck, cc, cnt, coeff, p):
    """Add ``coeff ·`` the ``cnt`` entries ``(cf, ck, cc)`` (distinct keys) as one sorted run."""
    if cnt == 0:
        return col
    if col[2][_TOP] + cnt > len(col[1]) // 2:
        col = _compact(col, cnt)
        if col[2][_OVER]:
            return col
    heap, pool, ist, sf, si, sn = col
    if 2 * cnt > len(sf):  # room for twice the largest batch, and a bucket per entry
        sf = np.empty(4 * cnt)
        si = np.empty(4 * cnt, dtype=np.int64)
        sn = np.empty(2 * cnt + 1, dtype=np.int64)
        col = (heap, pool, ist, sf, si, sn)
    _sort_values(cf, cnt, sf, si, sn)  # stable: ties keep the order of keys
    top = ist[_TOP]
    small = p <= SMALL_PRIME
    for t in range(cnt):
        q = si[t]
        x = 2 * (top + t)
        c = cc[q]
        if coeff != 1.0:
            c = coeff * c if small else (coeff * c) % p
        pool[x] = (np.int64(sf[t]) << 32) | np.int64(c)
        pool[x + 1] = ck[q]
    # the engines enumerate cofaces in increasing key; sort runs of tied values if not
    start = top
    stop = top + cnt
    t = start + 1
    while t < stop:
        if (pool[2 * t] >> 32) == (pool[2 * t - 2] >> 32) and pool[2 * t + 1] < pool[2 * t - 1]:
            _sort_ties(pool, start, stop)
            break
        t += 1
    ist[_TOP] = stop
    return _new_run(col, start, stop)


@numba.njit(cache=True)
def _sort_ties(pool, start, stop):
    """Sort pool entries ``[start, stop)`` (already sorted by value) by key within equal values."""
    a = start
    while a < stop:
        b = a + 1
        while b < stop and (pool[2 * b] >> 32) == (pool[2 * a] >> 32):
            b += 1
        if b - a > 1:
            keys = pool[2 * a + 1 : 2 * b : 2].copy()
            words = pool[2 * a : 2 * b : 2].copy()  # one value: rank and coefficient move along
            order = np.argsort(keys)
            for t in range(b - a):
                pool[2 * (a + t) + 1] = keys[order[t]]
                pool[2 * (a + t)] = words[order[t]]
        a = b


@numba.njit(cache=True)
def _col_add_one(col, f, k, c):
    """Add the single entry ``(f, k, c)``."""
    if col[2][_TOP] + 1 > len(col[1]) // 2:
        col = _compact(col, 1)
        if col[2][_OVER]:
            return col
    pool, ist = col[1], col[2]
    top = ist[_TOP]
    pool[2 * top] = (np.int64(f) << 32) | np.int64(c)
    pool[2 * top + 1] = k
    ist[_TOP] = top + 1
    return _new_run(col, top, top + 1)


@numba.njit(cache=True)
def _sift_root(heap, size, f, k, pos, end):
    """Put the run ``(f, k, pos, end)`` at the root of the heap of ``size`` runs and move it
    down to its place (the hole at the root is filled last, so the new row stays in
    registers)."""
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        fc = heap[child, 0]
        kc = heap[child, 1]
        if child + 1 < size:
            f2 = heap[child + 1, 0]
            k2 = heap[child + 1, 1]
            if f2 < fc or (f2 == fc and k2 < kc):
                child += 1
                fc = f2
                kc = k2
        if not (fc < f or (fc == f and kc < k)):
            break
        _move_row(heap, i, child)
        i = child
    _set_row(heap, i, f, k, pos, end)


@numba.njit(cache=True)
def _col_pivot(col, p):
    """Remove entries up to the smallest key whose coefficients do not cancel, and return it.

    Returns ``(value, key, coefficient)``, key -1 when the column is zero.
    """
    heap, pool, ist, sf, si, sn = col
    n = ist[_NHEAP]
    while n > 0:
        k0 = heap[0, 1]
        f0 = float(heap[0, 0])
        s = 0.0
        while n > 0 and heap[0, 1] == k0:
            pos = heap[0, 2]
            s += float(pool[2 * pos] & _LOW)
            if s >= EXACT_SUM:
                s = s % p
            pos += 1
            if pos == heap[0, 3]:  # run exhausted: the last row takes the root
                n -= 1
                if n > 0:
                    _sift_root(heap, n, heap[n, 0], heap[n, 1], heap[n, 2], heap[n, 3])
            else:
                _sift_root(heap, n, pool[2 * pos] >> 32, pool[2 * pos + 1], pos, heap[0, 3])
        s = s % p
        if s != 0.0:
            ist[_NHEAP] = n
            return f0, k0, s
    ist[_NHEAP] = n
    return 0.0, -1, 0.0


@numba.njit(cache=True)
def _col_over(col) -> bool:
    """Whether the column outgrew its pool cap (its content is then invalid)."""
    return col[2][_OVER] != 0
