"""The implicit engines' working column (sorted runs + a heap of run heads) against a dict."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tdasheaf.cohomology._runs import _col_add, _col_add_one, _col_clear, _col_new, _col_pivot


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
    col = _col_new()
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


def test_single_entries_cancel():
    col = _col_new()
    _col_clear(col)
    col = _col_add(col, np.array([1.0, 2.0]), np.array([5, 7]), np.array([1.0, 2.0]), 2, 1.0, 3)
    col = _col_add_one(col, 1.0, 5, 2.0)  # 1 + 2 = 0 mod 3: key 5 cancels
    assert _drain(col, 3) == [(2.0, 7, 2)]
    _col_clear(col)
    assert _col_pivot(col, 3)[1] == -1


@pytest.mark.parametrize("p", [3, 2**26 - 5])
def test_large_coefficient_sums_stay_exact(p):
    col = _col_new()
    _col_clear(col)
    for _ in range(3001):  # (p - 1)² = 1 mod p, summed 3001 times
        col = _col_add(col, np.array([0.0]), np.array([1]), np.array([p - 1.0]), 1, p - 1.0, p)
    f, k, c = _col_pivot(col, p)
    assert (k, c) == (1, 3001 % p)
