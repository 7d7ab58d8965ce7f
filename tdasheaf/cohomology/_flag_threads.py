"""The degree-1 flag engine on several threads, with the sequential engine's output bit for bit.

The sequential engine (:func:`tdasheaf.cohomology._flag.flag_degree1_pairs`) reduces the edge
columns from the last to the first. A column ``c`` looks at its candidate pivots in increasing
order; at each, it either adds the reduction column of the earlier-processed column ``c2 > c``
that owns that triangle, or, if no column above ``c`` owns it, claims it and stops. On a Rips
filtration almost all the time goes into a few long-lived columns (two columns carry 80% of the
work on a 1,000-point torus), and a column a few steps later needs their result, so splitting
the columns into independent batches gains nothing.

What does run concurrently is a long column and the columns *below* it. The pivots a column
visits only increase, so the triangle it is looking at (its *progress*) is a lower bound for its
final pivot. A column ``c`` at candidate ``t`` that is not (yet) in the pivot table may claim it
as soon as every unfinished column above ``c`` has progress past ``t``: none of them can end on
``t`` any more. Otherwise it waits. Every column therefore makes exactly the sequential engine's
decisions, adds the same columns and ends with the same pivot and the same reduction column —
the output (deaths, pivot keys, work counts) is identical whatever the thread count, and the
argument needs no timing assumption. A column that claimed ``t`` while an upper column was past
``t`` is never seen by it: the upper column never looks at ``t`` again.

Shape: the columns that need a reduction (their smallest coface is already owned; a few
hundred of the 10⁵ edges of a 1,000-point torus) go into a queue in the sequential order; the
rest (apparent and emergent pairs, and edges without cofaces) are settled by the *walk*, which
one thread at a time holds. Each thread starts the oldest queued column nobody has started, else
takes the walk if it is free. A reducing thread publishes its column's progress after each
pivot; a queued column that has not started has its smallest coface as its progress. A column
waits only for unfinished columns queued before it (and the walk, for all queued columns); when
what it waits for has not been started, the walk is let go and that column started. The highest
unfinished column never waits, so the run cannot deadlock. The output does not depend on which
thread did what.

Shared state is handed over with acquire/release atomics (:mod:`tdasheaf.utils._atomics`):
a claim is inserted into the open-addressing pivot table with a compare-and-swap of the key
(then the owner), after the owner's reduction column and pivot coefficient are written, so a
thread that finds the key finds them too. Reduction columns are stored in one arena of fixed
size taken with ``fetch_add``; if it fills, or a working column outgrows its share of the memory
cap, the threads stop and the caller runs the sequential engine (same answer, more time).
"""

from __future__ import annotations

import threading

import numba
import numpy as np

from tdasheaf.cohomology._flag import (
    _add_v,
    _begin,
    _cancel,
    _hash,
    _min_coface,
    _pivot_table,
    _workspace,
    _write_v,
    flag_degree1_pairs,
)
from tdasheaf.cohomology._runs import _col_free, _col_over, _col_pivot, unrank, value_ranks
from tdasheaf.utils._atomics import compare_exchange, fetch_add, load_acquire, store_release

__all__ = ["MIN_EDGES_THREADED", "THREADED_BYTES_PER_EDGE", "flag_degree1_pairs_threaded"]

#: Below this many edges the threaded engine is not started (thread start-up costs more than
#: the reduction; batch work parallelises over clouds instead).
MIN_EDGES_THREADED = 20_000

#: Bytes per edge the threads add to the sequential engine's working set: the queue, the progress
#: (value, key) and the arena of reduction columns (index and coefficient, one entry per edge).
THREADED_BYTES_PER_EDGE = 40

# flags: abort (the arena filled, a column outgrew its cap or a thread failed: the caller runs
# the sequential engine or raises); then, each on its own cache line (128 bytes): the next queue
# position to start, the queue's length, whether the walk is over, the next column of the walk,
# and whether a thread holds the walk
_ABORT, _HEAD, _TAIL, _FINAL, _WALK, _TOKEN = 0, 16, 32, 48, 64, 80
_N_FLAGS = 96


@numba.njit(cache=True, nogil=True)
def _put_shared(keys, vals, key, value):
    """Insert ``key -> value`` into a table other threads read: claim an empty slot by CAS."""
    mask = len(keys) - 1
    h = _hash(key, mask)
    while True:
        k = load_acquire(keys, h)
        if k == -1:
            if compare_exchange(keys, h, -1, key):
                store_release(vals, h, value)
                return
            continue  # another thread took the slot: look at it again
        h = (h + 1) & mask


@numba.njit(cache=True, nogil=True)
def _get_shared(keys, vals, key):
    """Owner of ``key`` in the shared table, or -1 (waits out an insert caught half-way)."""
    mask = len(keys) - 1
    h = _hash(key, mask)
    while True:
        k = load_acquire(keys, h)
        if k == key:
            v = load_acquire(vals, h)
            while v < 0:
                v = load_acquire(vals, h)
            return v
        if k == -1:
            return -1
        h = (h + 1) & mask


@numba.njit(cache=True, nogil=True)
def _owner(f, key, pos, mark, shared):
    """Owner of candidate pivot ``(f, key)`` of the column at queue position ``pos``, once no
    unfinished column queued before it can still end on the candidate.

    ``mark`` is the caller's watermark (every queue position before it is finished). Returns
    ``(owner, mark)``: the owner is -1 when the candidate is free, -2 when a column that has not
    been started blocks it (the caller starts it, then asks again), -3 on abort.
    """
    t_keys, t_vals, queue, prog_f, prog_k, flags = (
        shared[4],
        shared[5],
        shared[11],
        shared[12],
        shared[13],
        shared[14],
    )
    while mark < pos and load_acquire(prog_f, queue[mark]) == np.inf:
        mark += 1
    for j in range(mark, pos):
        q = queue[j]
        while True:
            pf = load_acquire(prog_f, q)
            pk = load_acquire(prog_k, q)
            if pf > f or (pf == f and pk > key):
                break
            if load_acquire(flags, _HEAD) <= j:
                return -2, mark
            if load_acquire(flags, _ABORT) != 0:
                return -3, mark
    return _get_shared(t_keys, t_vals, key), mark


@numba.njit(cache=True, nogil=True)
def _store_v_shared(c, w_idx, w_val, wl, shared, p):
    """Store V_c (duplicates combined) in the shared arena; False when the arena is full."""
    v_ptr, v_len, v_idx, v_val, flags = shared[6], shared[7], shared[8], shared[9], shared[14]
    start = fetch_add(shared[10], 0, wl)
    if start + wl > len(v_idx):
        store_release(flags, _ABORT, 1)
        return False
    n_out = _write_v(w_idx, w_val, wl, v_idx, v_val, start, p)
    v_ptr[c] = start
    v_len[c] = n_out
    return True


@numba.njit(cache=True, nogil=True)
def _reduce(pos, graph, shared, ws, p):
    """Reduce the column at queue position ``pos``, publishing its progress after each pivot.

    Returns ``(ok, ws)``; ``ok`` is False on abort.
    """
    n, edges, values, signs, indptr, nbr, eid = graph
    death, work, pivot_key, pivot_coef, t_keys, t_vals = shared[:6]
    v_ptr, v_len, v_idx, v_val = shared[6], shared[7], shared[8], shared[9]
    queue, prog_f, prog_k, flags = shared[11], shared[12], shared[13], shared[14]
    cf, ck, cc, col, w_idx, w_val, mark = ws
    cofaces = (n, edges, values, signs, indptr, nbr, eid, cf, ck, cc)
    c = queue[pos]
    col, wl = _begin(col, c, cofaces, w_idx, w_val, p)
    ok = True
    while True:
        if _col_over(col):
            store_release(flags, _ABORT, 1)
            ok = False
            break
        if load_acquire(flags, _ABORT) != 0:  # another thread failed: stop within a step
            ok = False
            break
        piv_f, piv_k, piv_c = _col_pivot(col, p)
        if piv_k < 0:
            death[c] = np.inf
            break
        store_release(prog_k, c, piv_k)
        store_release(prog_f, c, piv_f)
        c2, mark = _owner(piv_f, piv_k, pos, mark, shared)
        if c2 == -3:
            ok = False
            break
        if c2 < 0:  # free (a column queued before this one is always started: never -2)
            death[c] = piv_f
            pivot_coef[c] = piv_c
            pivot_key[c] = piv_k
            if wl > 1 and not _store_v_shared(c, w_idx, w_val, wl, shared, p):
                ok = False
                break
            _put_shared(t_keys, t_vals, piv_k, c)
            break
        col, factor = _cancel(col, piv_f, piv_k, piv_c, pivot_coef[c2], p)
        col, w_idx, w_val, wl = _add_v(
            col, c, c2, factor, cofaces, v_ptr, v_len, v_idx, v_val, work, w_idx, w_val, wl, p
        )
    store_release(prog_f, c, np.inf)  # finished: its claim (if any) is in the table
    return ok, (cf, ck, cc, col, w_idx, w_val, mark)


@numba.njit(cache=True, nogil=True)
def _new_ws(indptr, cap):
    cf, ck, cc, col, _, _, _, _, w_idx, w_val = _workspace(0, indptr, cap)
    return cf, ck, cc, col, w_idx, w_val, 0


@numba.njit(cache=True, nogil=True)
def _start_next(graph, shared, ws, p):
    """Start (and reduce) the next queued column if there is one: ``(started, ok, ws)``."""
    flags = shared[14]
    while True:
        head = load_acquire(flags, _HEAD)
        if head >= load_acquire(flags, _TAIL):
            return False, True, ws
        if compare_exchange(flags, _HEAD, head, head + 1):
            ok, ws = _reduce(head, graph, shared, ws, p)
            return True, ok, ws


@numba.njit(cache=True, nogil=True)
def _walk(graph, shared, skip, p, mark):
    """Walk the columns from the published position while holding the walk: settle apparent
    and emergent pairs, queue the columns that need a reduction. Returns ``(mark, ok)``.

    Stops (and publishes where) when a queued column that nobody has started blocks the next
    column: the caller lets the walk go and starts that column.
    """
    n, edges, values, signs, indptr, nbr, eid = graph
    death, work, pivot_key, pivot_coef, t_keys, t_vals = shared[:6]
    queue, prog_f, prog_k, flags = shared[11], shared[12], shared[13], shared[14]
    tail = load_acquire(flags, _TAIL)
    c = load_acquire(flags, _WALK)
    while c >= 0:
        if skip[c]:
            c -= 1
            continue
        best_f, best_k, best_c = _min_coface(c, edges, values, signs, indptr, nbr, eid, n, p)
        if best_k < 0:
            death[c] = np.inf
            c -= 1
            continue
        owner, mark = _owner(best_f, best_k, tail, mark, shared)
        if owner == -3:
            return mark, False
        if owner == -2:
            store_release(flags, _WALK, c)
            return mark, True
        if owner < 0:  # emergent pair: the column's own smallest coface is free
            death[c] = best_f
            pivot_coef[c] = best_c
            pivot_key[c] = best_k
            _put_shared(t_keys, t_vals, best_k, c)
        else:  # its smallest coface is a lower bound for every pivot it will visit
            queue[tail] = c
            prog_k[c] = best_k
            store_release(prog_f, c, best_f)
            tail += 1
            store_release(flags, _TAIL, tail)
        c -= 1
    store_release(flags, _WALK, -1)
    store_release(flags, _FINAL, 1)
    return mark, True


@numba.njit(cache=True, nogil=True)
def _worker(graph, shared, skip, p, cap):
    """One thread's loop (:func:`_work`) with its workspace, whose pool it gives back after."""
    ws = _work(graph, shared, skip, p, _new_ws(graph[4], cap))
    _col_free(ws[3])


@numba.njit(cache=True, nogil=True)
def _work(graph, shared, skip, p, ws):
    """Start the oldest queued column nobody has started; else take the walk if it is free;
    stop when the walk is over and every queued column is started. Returns the workspace."""
    flags = shared[14]
    mark = 0
    while load_acquire(flags, _ABORT) == 0:
        final = load_acquire(flags, _FINAL)  # read before the queue: an empty queue is then final
        started, ok, ws = _start_next(graph, shared, ws, p)
        if not ok:
            return ws
        if started:
            continue
        if final:
            return ws
        if compare_exchange(flags, _TOKEN, 0, 1):
            mark, ok = _walk(graph, shared, skip, p, mark)
            if load_acquire(flags, _FINAL) == 0:
                store_release(flags, _TOKEN, 0)
            if not ok:
                return ws
    return ws


def _run_worker(graph, shared, skip, p, cap, errors) -> None:
    try:
        _worker(graph, shared, skip, p, cap)
    except BaseException as exc:  # noqa: BLE001 - reported by the caller after the join
        errors.append(exc)
        shared[14][_ABORT] = 1


def flag_degree1_pairs_threaded(
    n: int,
    edges: np.ndarray,
    values: np.ndarray,
    signs: np.ndarray,
    indptr: np.ndarray,
    nbr: np.ndarray,
    eid: np.ndarray,
    skip: np.ndarray,
    p: int,
    cap: int = 0,
    threads: int | None = None,
    *,
    min_edges: int = MIN_EDGES_THREADED,
    arena_entries: int | None = None,
):
    """:func:`~tdasheaf.cohomology._flag.flag_degree1_pairs` on ``threads`` threads.

    Same parameters and the same return value, bit for bit, whatever ``threads`` is (module
    docstring). ``threads=None`` takes numba's thread count (``numba.set_num_threads`` or
    ``NUMBA_NUM_THREADS``); with one thread, or fewer than :data:`MIN_EDGES_THREADED` edges, the
    sequential engine runs. ``cap`` (pool entries, 0: none) is shared between the threads'
    working columns; if the threads' run cannot finish within it, or within its arena of
    reduction columns (``arena_entries``, default one per edge and at least 2**16), the
    sequential engine runs with the whole cap. ``min_edges`` lowers the size below which one
    thread runs (tests).

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.cohomology._flag import flag_degree0_pairs, full_adjacency
    >>> edges = np.array([[0, 1], [1, 2], [2, 3], [0, 3], [0, 2]])
    >>> values = np.array([1.0, 1.0, 1.0, 1.0, 2.0]); signs = np.ones(5)
    >>> killer, _ = flag_degree0_pairs(4, edges, signs)
    >>> indptr, nbr, eid = full_adjacency(4, edges)
    >>> death, work, key, over = flag_degree1_pairs_threaded(
    ...     4, edges, values, signs, indptr, nbr, eid, killer, 3, threads=2)
    >>> death[~np.isnan(death)].tolist()  # the square's cycle dies when the diagonal fills it
    [2.0, 2.0]
    """
    m = len(edges)
    if threads is None:
        threads = numba.get_num_threads()
    if threads <= 1 or m < min_edges:
        return flag_degree1_pairs(n, edges, values, signs, indptr, nbr, eid, skip, p, cap)
    arena = max(m, 1 << 16) if arena_entries is None else int(arena_entries)
    shared = (
        np.full(m, np.nan),  # 0 death
        np.zeros(m, dtype=np.int64),  # 1 work
        np.full(m, -1, dtype=np.int64),  # 2 pivot key
        np.zeros(m),  # 3 pivot coefficient
        *_pivot_table(m),  # 4, 5 pivot table: key -> column
        np.full(m, -1, dtype=np.int64),  # 6 V_c: start in the arena (-1: unit vector)
        np.zeros(m, dtype=np.int64),  # 7 V_c: length
        np.empty(arena, dtype=np.int64),  # 8, 9 arena of reduction columns
        np.empty(arena),
        np.zeros(_N_FLAGS, dtype=np.int64),  # 10 arena top
        np.empty(m, dtype=np.int64),  # 11 queue of the columns that need a reduction
        np.full(m, np.inf),  # 12, 13 progress of a queued column (value, key); inf: done
        np.zeros(m, dtype=np.int64),
        np.zeros(_N_FLAGS, dtype=np.int64),  # 14 flags and queue counters
    )
    # the threads see value ranks, as the sequential engine does inside (:mod:`._runs`)
    ranks, distinct = value_ranks(values)
    graph = (n, edges, ranks, signs, indptr, nbr, eid)
    share = cap // threads if cap else 0
    errors: list[BaseException] = []
    helpers = [
        threading.Thread(
            target=_run_worker,
            args=(graph, shared, skip, p, share, errors),
            name=f"tdasheaf-flag-{t}",
            daemon=True,
        )
        for t in range(1, threads)
    ]
    shared[14][_WALK] = m - 1
    for h in helpers:
        h.start()
    try:
        _worker(graph, shared, skip, p, share)
    except BaseException:
        shared[14][_ABORT] = 1  # the helpers stop
        raise
    finally:
        for h in helpers:
            h.join()
    if errors:
        raise errors[0]
    if shared[14][_ABORT]:  # arena full or a column over its share of the cap: sequential
        return flag_degree1_pairs(n, edges, values, signs, indptr, nbr, eid, skip, p, cap)
    death, work, pivot_key = shared[0], shared[1], shared[2]
    unrank(death, distinct)
    return death, work, pivot_key, False
