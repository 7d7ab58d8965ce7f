"""A binary min-heap on (float key, int tie-break) with an int payload, in three plain arrays.

The general heap of the compiled kernels, used by the greedy permutation of the sparse Rips
filtration (:mod:`tdasheaf.complexes._sparse`: −distance, lexicographic rank, point). The flag
engines' working column keeps its own heap of 32-byte rows (:mod:`tdasheaf.cohomology._runs`),
specialised for its hot loop.
Entries compare by ``hf``, then ``hk``; ``hr`` travels with them.
"""

from __future__ import annotations

import numba

__all__: list[str] = []


@numba.njit(cache=True)
def heap_less(f1, k1, f2, k2):
    """(f1, k1) < (f2, k2) lexicographically."""
    return f1 < f2 or (f1 == f2 and k1 < k2)


@numba.njit(cache=True, inline="always")
def _move(hf, hk, hr, dst, src):
    """Entry ``src`` copied onto position ``dst`` (a sift step)."""
    hf[dst] = hf[src]
    hk[dst] = hk[src]
    hr[dst] = hr[src]


@numba.njit(cache=True, inline="always")
def _put(hf, hk, hr, i, f, k, r):
    """Entry ``(f, k, r)`` written at position ``i``."""
    hf[i] = f
    hk[i] = k
    hr[i] = r


@numba.njit(cache=True)
def sift_up(hf, hk, hr, i):
    """Move entry ``i`` up to its place (after writing it at the end of the heap)."""
    f = hf[i]
    k = hk[i]
    r = hr[i]
    while i > 0:
        parent = (i - 1) >> 1
        if not heap_less(f, k, hf[parent], hk[parent]):
            break
        _move(hf, hk, hr, i, parent)
        i = parent
    _put(hf, hk, hr, i, f, k, r)


@numba.njit(cache=True)
def sift_down(hf, hk, hr, size, i):
    """Move entry ``i`` down to its place in a heap of ``size`` entries (after its key grew, or
    after the last entry was moved to the root)."""
    f = hf[i]
    k = hk[i]
    r = hr[i]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap_less(hf[child + 1], hk[child + 1], hf[child], hk[child]):
            child += 1
        if not heap_less(hf[child], hk[child], f, k):
            break
        _move(hf, hk, hr, i, child)
        i = child
    _put(hf, hk, hr, i, f, k, r)
