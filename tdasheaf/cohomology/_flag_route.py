"""The implicit flag engine's route: bars of a signed graph sheaf from the edges alone.

Degree 0 is a union–find with gauges (:func:`~tdasheaf.cohomology._flag.flag_degree0_pairs`);
degree 1 enumerates the triangles cofacing each edge (:mod:`tdasheaf.cohomology._flag`, on
numba's thread count: :mod:`tdasheaf.cohomology._flag_threads`) and
degree 2 the tetrahedra cofacing each stored triangle (:mod:`tdasheaf.cohomology._flag2`) when a
column is reduced. Simplex keys are int64 digits in base
n: :func:`_keys_overflow` is the one guard (every degree), and past it the complex is built and the
generic engine runs, within the memory budget.
"""

from __future__ import annotations

import numpy as np

from tdasheaf.cohomology._engines import _finish, _generic
from tdasheaf.cohomology._flag import (
    MAX_VERTICES_DEGREE1,
    flag_degree0_pairs,
    full_adjacency,
)
from tdasheaf.cohomology._flag2 import (
    MAX_VERTICES,
    TRIANGLE_BYTES,
    dense_edge_ids,
    flag_degree2_pairs,
    flag_triangles,
)
from tdasheaf.cohomology._flag_threads import THREADED_BYTES_PER_EDGE, flag_degree1_pairs_threaded
from tdasheaf.cohomology._runs import POOL_ENTRY_BYTES
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.utils import over_budget

__all__: list[str] = []

#: Working set of the implicit flag engine per edge (δ^0 in CSC, both adjacency lists with edge
#: ids, pivots and deaths) and per vertex, checked against the memory budget in every degree.
FLAG_BYTES_PER_EDGE = 160
FLAG_BYTES_PER_VERTEX = 16

#: The degree-2 flag engine looks edges up in an ``n × n`` int32 matrix when it fits in this
#: many bytes (n ≤ 8,192), else it merges the three adjacency lists (~10% slower in total on
#: the 800-point sphere of ``pipelines/benchmarks/flag_scaling.py``).
DENSE_EDGE_BYTES = 2**28


def _flag_bars(n, edges, values, signs, degrees, p, drop_zero_length, budget=None):
    """Bars of the signed sheaf on the flag complex of a graph whose edges are in order."""
    m = len(edges)
    if budget is not None:
        need = FLAG_BYTES_PER_EDGE * m + FLAG_BYTES_PER_VERTEX * n
        if need > budget:
            raise over_budget(
                f"the flag engine's working set for {m:,} edges on {n:,} vertices",
                need,
                budget,
                "Lower max_edge_length, subsample with n_landmarks",
            )
    signs = np.asarray(signs, dtype=np.float64)
    out = {}
    # δ^0 by union–find with gauges (over GF(2) every sign is +1)
    edges = np.ascontiguousarray(edges, dtype=np.int64)
    killer, n_essential = flag_degree0_pairs(n, edges, signs if p != 2 else np.ones(m))
    if 0 in degrees:
        b = np.column_stack(
            [
                np.zeros(int(killer.sum()) + n_essential),
                np.concatenate([values[killer], np.full(n_essential, np.inf)]),
            ]
        )
        out[0] = _finish(b, drop_zero_length)
    if degrees[-1] >= 1:
        tri = None
        indptr, nbr, eid = full_adjacency(n, edges)
        if 2 in degrees:  # count (and refuse) before the degree-1 work
            tri_keys, tri = flag_triangles(edges, values, signs, indptr, nbr, eid, budget)
            if tri_keys is None:
                raise ComplexTooLargeError(
                    f"the flag complex has {tri} triangles with a nonzero stalk "
                    f"(~{tri * TRIANGLE_BYTES / 2**30:.2f} GiB for the degree-2 engine, which "
                    f"stores them), over the memory budget of {budget / 2**30:.2f} GiB. Lower "
                    "max_edge_length, subsample with n_landmarks, drop degree 2, "
                    "or raise memory_budget."
                )
        skip = killer
        # numba's thread count (the same bars for every count), one thread when the threads'
        # own arrays would not fit the budget
        threads = None
        if budget is not None and (FLAG_BYTES_PER_EDGE + THREADED_BYTES_PER_EDGE) * m > budget:
            threads = 1
        death, _, pivot_key, over = flag_degree1_pairs_threaded(
            n,
            edges,
            values,
            signs,
            indptr,
            nbr,
            eid,
            skip,
            p,
            _pool_cap(budget, m, n, tri),
            threads=threads,
        )
        if over:
            raise _column_over_budget(1, budget)
        if 1 in degrees:
            alive = ~np.isnan(death)
            out[1] = _finish(np.column_stack([values[alive], death[alive]]), drop_zero_length)
        if 2 in degrees:
            dense = dense_edge_ids(n, edges, DENSE_EDGE_BYTES)
            cleared = pivot_key[pivot_key >= 0]
            cap = _pool_cap(budget, m, n, tri, dense.nbytes)
            death2, _, over = flag_degree2_pairs(
                n, tri_keys, tri, values, signs, indptr, nbr, eid, dense, cleared, p, cap
            )
            if over:
                raise _column_over_budget(2, budget)
            alive = ~np.isnan(death2)
            out[2] = _finish(np.column_stack([tri[alive], death2[alive]]), drop_zero_length)
    return out


def _pool_cap(budget, m, n, tri=None, extra=0) -> int:
    """Pool entries one working column may hold: what the budget leaves after the engine's
    working set (and the stored triangles), at POOL_ENTRY_BYTES each, with room for a copy of
    the pool while it grows (half): glibc's ``realloc`` remaps a large pool without one, other C
    libraries may copy. 0 (no cap) without a budget."""
    if budget is None:
        return 0
    held = FLAG_BYTES_PER_EDGE * m + FLAG_BYTES_PER_VERTEX * n + extra
    if tri is not None:
        held += TRIANGLE_BYTES * len(tri)
    return max(int((budget - held) // (2 * POOL_ENTRY_BYTES)), 1 << 16)


def _column_over_budget(degree: int, budget) -> ComplexTooLargeError:
    return ComplexTooLargeError(
        f"reducing one degree-{degree} column of the flag engine needed more working memory than "
        f"the memory budget of {budget / 2**30:.2f} GiB leaves after the engine's fixed working "
        "set (a long-lived class whose coboundary spans most of the filtration). Lower "
        "max_edge_length, subsample with n_landmarks, or raise memory_budget."
    )


def _explicit_flag_bars(n, edges, values, signs, degrees, p, drop_zero_length, budget):
    """Fallback when simplex keys would overflow int64: build the flag complex, explicit engine."""
    from tdasheaf.complexes import _estimate_from_edges, _rips_from_edges
    from tdasheaf.sheaves import signed_graph_sheaf

    top = max(degrees) + 1  # the (q+1)-simplices give the deaths of degree q
    counts, nbytes = _estimate_from_edges(n, edges[:, 0], edges[:, 1], top)
    if nbytes > budget:
        raise ComplexTooLargeError(
            f"the flag complex would have about {counts.tolist()} simplices per dimension "
            f"(~{nbytes / 2**30:.2f} GiB), over the memory budget of {budget / 2**30:.2f} GiB "
            f"(with more than {MAX_VERTICES} vertices degree 2, and with more than "
            f"{MAX_VERTICES_DEGREE1} degree 1, is computed on the stored complex). Lower "
            "max_edge_length, subsample with n_landmarks, drop the top degree, "
            "or raise memory_budget."
        )
    K = _rips_from_edges(n, edges[:, 0], edges[:, 1], values, top)
    F = signed_graph_sheaf(K, signs)
    return _generic(F, degrees, p, 0.0, False, drop_zero_length)


def _keys_overflow(n: int, degrees) -> bool:
    """Whether the implicit engine's int64 simplex keys overflow for ``n`` vertices."""
    top = max(degrees)
    return (top >= 2 and n > MAX_VERTICES) or (top >= 1 and n > MAX_VERTICES_DEGREE1)
