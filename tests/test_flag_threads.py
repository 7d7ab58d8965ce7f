"""The threaded degree-1 flag engine gives the sequential engine's output bit for bit."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist, squareform

from tdasheaf.cohomology import flag_persistence
from tdasheaf.cohomology._flag import flag_degree0_pairs, flag_degree1_pairs, full_adjacency
from tdasheaf.cohomology._flag_threads import flag_degree1_pairs_threaded


def _graph(X, threshold):
    D = squareform(pdist(X))
    iu, ju = np.triu_indices(len(X), 1)
    keep = D[iu, ju] <= threshold
    iu, ju, w = iu[keep], ju[keep], D[iu, ju][keep]
    order = np.lexsort((ju, iu, w))  # value, then lexicographic: the library's order
    edges = np.column_stack([iu[order], ju[order]]).astype(np.int64)
    return edges, w[order]


def _inputs(X, threshold, signs_seed=None, p=3):
    n = len(X)
    edges, values = _graph(X, threshold)
    m = len(edges)
    if signs_seed is None:
        signs = np.ones(m)
    else:
        signs = np.random.default_rng(signs_seed).choice([-1.0, 1.0], size=m)
    killer, _ = flag_degree0_pairs(n, edges, signs if p != 2 else np.ones(m))
    indptr, nbr, eid = full_adjacency(n, edges)
    return (n, edges, values, signs, indptr, nbr, eid, killer, p)


def _same(a, b):
    death_a, work_a, key_a, over_a = a
    death_b, work_b, key_b, over_b = b
    assert over_a == over_b
    np.testing.assert_array_equal(death_a, death_b)  # NaN where skipped, in both
    np.testing.assert_array_equal(work_a, work_b)
    np.testing.assert_array_equal(key_a, key_b)


def _torus(n, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0, 2 * np.pi, (2, n))
    return np.column_stack([(2 + np.cos(a)) * np.cos(b), (2 + np.cos(a)) * np.sin(b), np.sin(a)])


@pytest.mark.parametrize("threads", [2, 3, 4])
def test_torus_equals_the_sequential_engine(threads):
    # long-lived H^1 columns that run while the columns below them are settled
    X = _torus(350)
    args = _inputs(X, np.percentile(pdist(X), 25))
    reference = flag_degree1_pairs(*args, 0)
    assert (reference[1] > 10_000).sum() >= 2  # the case the threads are for
    _same(reference, flag_degree1_pairs_threaded(*args, 0, threads=threads, min_edges=0))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(4, 60),
    grid=st.sampled_from([0, 2, 3]),
    signed=st.booleans(),
    p=st.sampled_from([2, 3, 5, 65537, 2**26 - 5]),
    threads=st.integers(2, 4),
)
def test_random_signed_clouds_with_ties(seed, n, grid, signed, p, threads):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    if grid:  # integer coordinates: many equal edge values
        X = np.round(X * grid)
    args = _inputs(X, np.percentile(pdist(X), 60), seed if signed else None, p)
    reference = flag_degree1_pairs(*args, 0)
    _same(reference, flag_degree1_pairs_threaded(*args, 0, threads=threads, min_edges=0))


def test_full_arena_falls_back_to_the_sequential_engine():
    X = _torus(200, seed=1)
    args = _inputs(X, np.percentile(pdist(X), 25))
    reference = flag_degree1_pairs(*args, 0)
    out = flag_degree1_pairs_threaded(*args, 0, threads=2, min_edges=0, arena_entries=1)
    _same(reference, out)


def test_a_column_over_the_cap_is_reported_as_by_the_sequential_engine():
    X = _torus(250, seed=2)
    args = _inputs(X, np.percentile(pdist(X), 25))
    assert flag_degree1_pairs(*args, 64)[3]
    out = flag_degree1_pairs_threaded(*args, 64, threads=2, min_edges=0)
    assert out[3]
    # a cap the whole run fits in, shared by two columns: the same bars
    roomy = flag_degree1_pairs_threaded(*args, 1 << 22, threads=2, min_edges=0)
    _same(flag_degree1_pairs(*args, 0), roomy)


def test_flag_persistence_on_two_threads_matches_ripser():
    ripser = pytest.importorskip("ripser")
    X = _torus(300, seed=3)
    t = float(np.percentile(pdist(X), 50))  # over 20,000 edges: the threaded engine runs
    edges, values = _graph(X, t)
    assert len(edges) > 20_000
    previous = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        ours = flag_persistence(len(X), edges, values, degrees=(1,), field=3)[1]
    finally:
        numba.set_num_threads(previous)
    theirs = ripser.ripser(X, maxdim=1, thresh=t, coeff=3)["dgms"][1]
    theirs = theirs[theirs[:, 1] > theirs[:, 0]]
    ours = ours[np.lexsort((ours[:, 1], ours[:, 0]))]
    theirs = theirs[np.lexsort((theirs[:, 1], theirs[:, 0]))]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_a_failing_thread_stops_the_others_and_its_error_is_kept():
    from tdasheaf.cohomology import _flag_threads as ft

    flags = np.zeros(ft._N_FLAGS, dtype=np.int64)
    shared = (None,) * 14 + (flags,)
    errors: list[BaseException] = []
    ft._run_worker(None, shared, None, 3, 0, errors)  # numba rejects the arguments
    assert len(errors) == 1 and flags[ft._ABORT] == 1
