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

State: ``col = (hf, hk, hr, pf, pk, pc, runs, rfree, ist)`` — the heap of run heads (value,
key, run id), the pool (value, key, coefficient), each run's ``(position, end)`` in the pool,
the free run ids, and ``ist = [heap size, pool top, run ids used, free ids, pool cap, over]``.
A pool that would need more than ``cap`` entries sets ``over`` and stops growing: the column is
then invalid and the engine stops (``_col_over``), so the caller can refuse within its budget.
Functions that may grow an array return the new ``col``. Coefficients are float64 residues
mod p.
"""

from __future__ import annotations

import numba
import numpy as np

from tdasheaf.cohomology._reduction import _grow
from tdasheaf.geometry._heap import sift_down, sift_up

__all__: list[str] = []

#: Up to this prime a batch scaled by a factor keeps products of two residues unreduced (below
#: 2**32, exact in float64); they are reduced when summed at a pivot. Above it (primes up to
#: ``utils._field.MAX_PRIME`` = 2**26 − 1) every product is reduced when it is stored.
SMALL_PRIME = 65536
#: A pivot's running sum of coefficients is reduced mod p before it could leave the range of
#: integers that float64 represents exactly (2**53), whatever the prime.
EXACT_SUM = float(2**52)

_NHEAP, _TOP, _NEXT, _NFREE, _CAP, _OVER = 0, 1, 2, 3, 4, 5

#: Bytes per pool entry (value, key, coefficient) for the caller's budget arithmetic.
POOL_ENTRY_BYTES = 24


@numba.njit(cache=True)
def _col_new(cap):
    """An empty working column whose pool may hold at most ``cap`` entries (0: no limit)."""
    ist = np.zeros(6, dtype=np.int64)
    ist[_CAP] = cap
    return (
        np.empty(256),
        np.empty(256, dtype=np.int64),
        np.empty(256, dtype=np.int64),
        np.empty(4096),
        np.empty(4096, dtype=np.int64),
        np.empty(4096),
        np.empty((256, 2), dtype=np.int64),
        np.empty(256, dtype=np.int64),
        ist,
    )


@numba.njit(cache=True)
def _col_clear(col):
    """Empty the column (its buffers and its cap are kept for the next one)."""
    col[8][:_CAP] = 0
    col[8][_OVER] = 0


@numba.njit(cache=True)
def _compact(col, need):
    """Copy the unread part of every live run to a fresh pool with room for ``need`` more."""
    hf, hk, hr, pf, pk, pc, runs, rfree, ist = col
    live = 0
    for i in range(ist[_NHEAP]):
        r = hr[i]
        live += runs[r, 1] - runs[r, 0]
    size = max(len(pf), 2 * (live + need))
    cap = ist[_CAP]
    if cap > 0 and size > cap:
        if live + need > cap:  # over the budget: flag it, change nothing
            ist[_OVER] = 1
            return col
        size = cap
    nf = np.empty(size)
    nk = np.empty(size, dtype=np.int64)
    nc = np.empty(size)
    top = 0
    for i in range(ist[_NHEAP]):
        r = hr[i]
        start = runs[r, 0]
        length = runs[r, 1] - start
        nf[top : top + length] = pf[start : start + length]
        nk[top : top + length] = pk[start : start + length]
        nc[top : top + length] = pc[start : start + length]
        runs[r, 0] = top
        runs[r, 1] = top + length
        top += length
    ist[_TOP] = top
    return (hf, hk, hr, nf, nk, nc, runs, rfree, ist)


@numba.njit(cache=True)
def _new_run(col, start, stop):
    """Register pool entries ``[start, stop)`` (sorted) as a run and put its head in the heap."""
    hf, hk, hr, pf, pk, pc, runs, rfree, ist = col
    if ist[_NFREE] > 0:
        ist[_NFREE] -= 1
        r = rfree[ist[_NFREE]]
    else:
        r = ist[_NEXT]
        ist[_NEXT] += 1
        if r >= len(runs):
            grown = np.empty((2 * len(runs), 2), dtype=np.int64)
            grown[: len(runs)] = runs
            runs = grown
            rfree = _grow(rfree, len(runs))
    runs[r, 0] = start
    runs[r, 1] = stop
    n = ist[_NHEAP]
    if n + 1 > len(hf):
        hf = _grow(hf, n + 1)
        hk = _grow(hk, n + 1)
        hr = _grow(hr, n + 1)
    hf[n] = pf[start]
    hk[n] = pk[start]
    hr[n] = r
    sift_up(hf, hk, hr, n)
    ist[_NHEAP] = n + 1
    return (hf, hk, hr, pf, pk, pc, runs, rfree, ist)


@numba.njit(cache=True)
def _col_add(col, cf, ck, cc, cnt, coeff, p):
    """Add ``coeff ·`` the ``cnt`` entries ``(cf, ck, cc)`` (distinct keys) as one sorted run."""
    if cnt == 0:
        return col
    if col[8][_TOP] + cnt > len(col[3]):
        col = _compact(col, cnt)
        if col[8][_OVER]:
            return col
    hf, hk, hr, pf, pk, pc, runs, rfree, ist = col
    top = ist[_TOP]
    order = np.argsort(cf[:cnt], kind="mergesort")  # stable: ties keep the order of keys
    for t in range(cnt):
        q = order[t]
        pf[top + t] = cf[q]
        pk[top + t] = ck[q]
        c = cc[q]
        if coeff != 1.0:
            c = coeff * c if p <= SMALL_PRIME else (coeff * c) % p
        pc[top + t] = c
    # the engines enumerate cofaces in increasing key; sort runs of tied values if not
    start = top
    stop = top + cnt
    t = start + 1
    while t < stop:
        if pf[t] == pf[t - 1] and pk[t] < pk[t - 1]:
            _sort_ties(pf, pk, pc, start, stop)
            break
        t += 1
    ist[_TOP] = stop
    return _new_run(col, start, stop)


@numba.njit(cache=True)
def _sort_ties(pf, pk, pc, start, stop):
    """Sort pool entries ``[start, stop)`` (already sorted by value) by key within equal values."""
    a = start
    while a < stop:
        b = a + 1
        while b < stop and pf[b] == pf[a]:
            b += 1
        if b - a > 1:
            order = np.argsort(pk[a:b]) + a
            pk[a:b] = pk[order]
            pc[a:b] = pc[order]
        a = b


@numba.njit(cache=True)
def _col_add_one(col, f, k, c):
    """Add the single entry ``(f, k, c)``."""
    if col[8][_TOP] + 1 > len(col[3]):
        col = _compact(col, 1)
        if col[8][_OVER]:
            return col
    pf, pk, pc, ist = col[3], col[4], col[5], col[8]
    top = ist[_TOP]
    pf[top] = f
    pk[top] = k
    pc[top] = c
    ist[_TOP] = top + 1
    return _new_run(col, top, top + 1)


@numba.njit(cache=True)
def _col_pivot(col, p):
    """Remove entries up to the smallest key whose coefficients do not cancel, and return it.

    Returns ``(value, key, coefficient)``, key -1 when the column is zero.
    """
    hf, hk, hr, pf, pk, pc, runs, rfree, ist = col
    while ist[_NHEAP] > 0:
        f0 = hf[0]
        k0 = hk[0]
        s = 0.0
        while ist[_NHEAP] > 0 and hk[0] == k0:
            r = hr[0]
            pos = runs[r, 0]
            s += pc[pos]
            if s >= EXACT_SUM:
                s = s % p
            pos += 1
            if pos == runs[r, 1]:  # run exhausted: its id is free again
                rfree[ist[_NFREE]] = r
                ist[_NFREE] += 1
                n = ist[_NHEAP] - 1
                ist[_NHEAP] = n
                if n > 0:
                    hf[0] = hf[n]
                    hk[0] = hk[n]
                    hr[0] = hr[n]
                    sift_down(hf, hk, hr, n, 0)
            else:
                runs[r, 0] = pos
                hf[0] = pf[pos]
                hk[0] = pk[pos]
                sift_down(hf, hk, hr, ist[_NHEAP], 0)
        s = s % p
        if s != 0.0:
            return f0, k0, s
    return 0.0, -1, 0.0


@numba.njit(cache=True)
def _col_over(col) -> bool:
    """Whether the column outgrew its pool cap (its content is then invalid)."""
    return col[8][_OVER] != 0
