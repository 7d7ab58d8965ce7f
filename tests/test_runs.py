"""The implicit engines' working column (sorted runs + a heap of run heads) against a dict."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tdasheaf.cohomology._runs import (
    _col_add,
    _col_add_one,
    _col_clear,
    _col_free,
    _col_new,
    _col_pivot,
)


def _reference(batches, p):
    acc = {}
    for f, k, c, coeff in batches:
        for fi, ki, ci in zip(f, k, c, strict=True):
            acc[(fi, ki)] = (acc.get((fi, ki), 0) + int(coeff) * int(ci)) % p
    return [(f, k, c) for (f, k), c in sorted(acc.items()) if c]


def _drain(col, p):
    out = []
    while True:
        f, k, c = _col_pivot(col, p)
        if k < 0:
            return out
        out.append((f, int(k), int(c)))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    p=st.sampled_from([2, 3, 65521, 2**26 - 5]),
    sorted_keys=st.booleans(),
)
def test_column_sums_duplicates_in_value_then_key_order(seed, p, sorted_keys):
    rng = np.random.default_rng(seed)
    value_of = rng.integers(0, 5, 200).astype(float)  # a simplex has one value; ties abound
    col = _col_new(0)
    _col_clear(col)
    batches = []
    for _ in range(rng.integers(1, 400)):  # enough entries to force pool compactions
        cnt = int(rng.integers(0, 30))
        keys = rng.choice(200, size=cnt, replace=False).astype(np.int64)
        if sorted_keys:
            keys.sort()  # as the engines enumerate cofaces; else the tie-sorting path runs
        c = rng.integers(1, p, cnt).astype(float) if p > 2 else np.ones(cnt)
        coeff = float(rng.integers(1, p)) if p > 2 else 1.0
        col = _col_add(col, value_of[keys], keys, c, cnt, coeff, p)
        batches.append((value_of[keys], keys, c, coeff))
    assert _drain(col, p) == _reference(batches, p)
    _col_free(col)


def test_single_entries_cancel():
    col = _col_new(0)
    _col_clear(col)
    col = _col_add(col, np.array([1.0, 2.0]), np.array([5, 7]), np.array([1.0, 2.0]), 2, 1.0, 3)
    col = _col_add_one(col, 1.0, 5, 2.0)  # 1 + 2 = 0 mod 3: key 5 cancels
    assert _drain(col, 3) == [(2.0, 7, 2)]
    _col_clear(col)
    assert _col_pivot(col, 3)[1] == -1
    _col_free(col)


@pytest.mark.parametrize("p", [3, 65521, 2**26 - 5])
def test_large_coefficient_sums_stay_exact(p):
    col = _col_new(0)
    _col_clear(col)
    for _ in range(3001):  # (p - 1)² = 1 mod p, summed 3001 times
        col = _col_add(col, np.array([0.0]), np.array([1]), np.array([p - 1.0]), 1, p - 1.0, p)
    f, k, c = _col_pivot(col, p)
    assert (k, c) == (1, 3001 % p)
    _col_free(col)


def _add_blocks(col, blocks, size, by_block):
    """Add block ``r`` of ``size`` consecutive keys (from ``r · size``) as one run per block,
    all at value 0 or (``by_block``) at value ``r``, coefficient 1 over GF(3)."""
    keys = np.arange(size, dtype=np.int64)
    for r in blocks:
        value = np.full(size, float(r) if by_block else 0.0)
        col = _col_add(col, value, keys + size * r, np.ones(size), size, 1.0, 3)
    return col


def test_pool_cap_flags_instead_of_growing():
    from tdasheaf.cohomology._runs import _col_over, _pool_size

    col = _col_new(5000)
    _col_clear(col)
    col = _add_blocks(col, range(4), 1000, by_block=False)
    assert not _col_over(col)
    col = _add_blocks(col, range(4, 10), 1000, by_block=False)
    assert _col_over(col) and _pool_size(col) <= 5000
    _col_clear(col)  # a new column starts within the cap again
    assert not _col_over(col)
    _col_free(col)


def test_pool_grows_in_place_through_many_growths():
    # one long run per batch, read back after the pool grew from 4,096 to over 10**5 entries in
    # place (C realloc): every entry survives the slides and the growths
    from tdasheaf.cohomology._runs import _pool_size

    col = _col_new(0)
    _col_clear(col)
    col = _add_blocks(col, range(30), 5000, by_block=True)
    assert _pool_size(col) >= 150_000
    out = _drain(col, 3)
    assert out == [(float(k // 5000), k, 1) for k in range(150_000)]
    _col_free(col)


def test_c_heap_buffers():
    import numba

    from tdasheaf.utils._c_heap import heap_free, heap_realloc, int64_array, int64_view

    @numba.njit
    def grow_and_sum(n):
        a = int64_array(n)
        for i in range(n):
            a[i] = i
        b = int64_view(heap_realloc(a.ctypes.data, 8 * 4 * n), 4 * n)
        total = b[:n].sum()
        refused = heap_realloc(b.ctypes.data, 2**62)  # no such memory: 0, b still valid
        total += b[n - 1]
        heap_free(b.ctypes.data)
        return total, refused

    assert grow_and_sum(10**6) == (sum(range(10**6)) + 10**6 - 1, 0)


def test_flag_engine_refuses_a_column_over_the_budget():
    """A long-lived H^1 class of a torus needs ~10^6 working entries: a budget that covers the
    engine's per-edge working set but not that column is refused with a clear error."""
    from scipy.spatial.distance import pdist

    from tdasheaf.cohomology import flag_persistence
    from tdasheaf.cohomology._flag_route import FLAG_BYTES_PER_EDGE, FLAG_BYTES_PER_VERTEX
    from tdasheaf.complexes import flag_filtration
    from tdasheaf.exceptions import ComplexTooLargeError

    rng = np.random.default_rng(0)
    u, v = rng.uniform(0, 2 * np.pi, (2, 700))
    X = np.c_[(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)]
    F = flag_filtration(X, float(np.quantile(pdist(X), 0.2)), max_dimension=2)
    fixed = FLAG_BYTES_PER_EDGE * F.n_edges + FLAG_BYTES_PER_VERTEX * len(X)
    with pytest.raises(ComplexTooLargeError, match="degree-1 column.*memory_budget"):
        flag_persistence(
            len(X),
            F.edges,
            F.values,
            degrees=(0, 1),
            field=3,
            memory_budget=fixed + 2 * 24 * 70_000,
        )
    bars = flag_persistence(len(X), F.edges, F.values, degrees=(0, 1), field=3)
    assert np.sum(np.isinf(bars[1][:, 1]) | (bars[1][:, 1] > 2 * bars[1][:, 0])) >= 2


@pytest.mark.parametrize(
    "kind", ["uniform", "ties", "skewed", "tiny_range", "infinite", "negative_zero", "one"]
)
def test_batch_sort_is_numpys_stable_argsort(kind):
    """The bucket sort of a batch (and its merge-sort fallback) against np.argsort(stable)."""
    from tdasheaf.cohomology._runs import _sort_values

    rng = np.random.default_rng(1)
    for cnt in (1, 2, 7, 100, 600):
        cf = {
            "uniform": rng.uniform(0, 1, cnt),
            "ties": rng.integers(0, 4, cnt).astype(float),
            "skewed": np.r_[rng.uniform(0, 1e-9, cnt - 1), 1e9][:cnt],  # one bucket: fallback
            "tiny_range": 1.0 + rng.integers(0, 3, cnt) * 5e-324,
            "infinite": np.where(rng.random(cnt) < 0.2, np.inf, rng.uniform(-1, 1, cnt)),
            "negative_zero": rng.choice([-0.0, 0.0, -1.0, 2.0], cnt),
            "one": np.full(cnt, 3.0),
        }[kind]
        sf = np.empty(2 * cnt)
        si = np.empty(2 * cnt, dtype=np.int64)
        _sort_values(cf, cnt, sf, si, np.empty(cnt + 1, dtype=np.int64))
        order = np.argsort(cf, kind="stable")
        assert np.array_equal(si[:cnt], order)
        assert np.array_equal(sf[:cnt], cf[order])


def test_pool_words_hold_the_largest_rank_and_coefficient():
    # an entry packs rank << 32 | coefficient: the largest rank (2**31 - 1) and an unreduced
    # product of residues of p = 65521 (just below 2**32) must both come back
    col = _col_new(0)
    _col_clear(col)
    top = float(2**31 - 1)
    f, k, c = np.array([top, 5.0]), np.array([9, 4]), np.array([65520.0, 1.0])
    col = _col_add(col, f, k, c, 2, 65520.0, 65521)
    assert _drain(col, 65521) == [(5.0, 4, 65520), (top, 9, 1)]
    _col_free(col)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    values=st.lists(
        st.sampled_from([0.0, -0.0, 0.5, 1.0, 1.0 + 2**-52, 3.0, 1e300, 5e-324]), max_size=60
    )
)
def test_value_ranks_keep_the_order_and_the_ties(values):
    from tdasheaf.cohomology._runs import unrank, value_ranks

    x = np.array(values, dtype=np.float64)
    ranks, distinct = value_ranks(x)
    assert np.array_equal(ranks[:, None] < ranks[None, :], x[:, None] < x[None, :])
    assert np.array_equal(ranks[:, None] == ranks[None, :], x[:, None] == x[None, :])
    back = np.r_[ranks, np.nan, np.inf]
    unrank(back, distinct)
    assert np.array_equal(back[: len(x)], x)  # -0.0 == 0.0
    assert np.isnan(back[-2]) and back[-1] == np.inf
