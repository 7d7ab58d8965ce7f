"""Implicit engine for flag complexes, degree 2: persistent H^2 without storing tetrahedra.

The degree-2 twin of :mod:`tdasheaf.cohomology._flag`, as ripser computes H^2: the columns of
δ^2 are the triangles with a nonzero stalk, which are enumerated once from the adjacency lists
and stored (a key and a value each, 16 bytes); the cofaces of a triangle ``{a, b, c}`` are the
tetrahedra ``{a, b, c, k}`` over the common neighbours ``k`` of its three vertices, enumerated
on the fly whenever the column is touched, with value the largest of their six edge values.
Tetrahedra are never stored; only the pivot table and the reduction columns that are not unit
vectors are kept.

Sheaf: the rank-1 signed sheaf of :func:`tdasheaf.sheaves.signed_graph_sheaf` (DESIGN.md §5).
A simplex has stalk 𝕜 when all its triangles have sign holonomy +1, and its frame is that of
its smallest vertex: the map from the face without the smallest vertex is ``s_{τ0 τ1}``, every
other map is 1. With incidence signs, for a tetrahedron ``w < x < y < z``::

    (δ^2 y)(wxyz) = s_wx y(xyz) − y(wyz) + y(wxz) − y(wxy).

For a column triangle ``a < b < c`` (holonomy +1) and a common neighbour ``k``, the tetrahedron
has stalk 𝕜 iff ``s_ak s_bk = s_ab`` and ``s_ak s_ck = s_ac`` (the fourth triangle's holonomy
is then +1 too: the product of the four holonomies is 1), and the coefficient is ``+s_ka``,
``−1``, ``+1`` or ``−1`` as ``k < a``, ``a < k < b``, ``b < k < c`` or ``k > c``.

Keys: a triangle ``a < b < c`` is ``(a·n + b)·n + c``, a tetrahedron ``((w·n + x)·n + y)·n + z``
(int64, so ``n ≤`` :data:`MAX_VERTICES`); rows and columns are compared by (value, key), the
library's total order. Enumerating the common neighbours in increasing ``k`` meets the cofaces
in increasing key, so the smallest coface is found by a scan that stops at the first coface
with the triangle's own value (the zero-persistence pairs that dominate a Rips filtration).
Apparent pairs (τ the smallest coface of σ, σ the largest facet of τ) stay out of the pivot
table: a reduction that meets τ as a pivot finds σ again from τ (as ripser does).
Arithmetic in GF(p). Plain arrays in and out.
"""

from __future__ import annotations

import numba
import numpy as np

from tdasheaf.cohomology._flag import (
    _cancel,
    _get,
    _next_common,
    _put,
    _store_v,
    _v_entry,
    _v_span,
    _w_append,
    _workspace,
)
from tdasheaf.cohomology._runs import (
    _col_add,
    _col_clear,
    _col_free,
    _col_over,
    _col_pivot,
    unrank,
    value_ranks,
)
from tdasheaf.complexes._cliques import _find

__all__ = [
    "MAX_VERTICES",
    "TRIANGLE_BYTES",
    "dense_edge_ids",
    "flag_degree2_pairs",
    "flag_triangles",
]

#: Largest vertex count whose tetrahedron keys fit in int64 (n**4 < 2**63).
MAX_VERTICES = 55108

#: Bytes per stored triangle of the degree-2 engine: key and value (16), the sort
#: permutation while ordering them (8), and up to one pivot-table slot pair (32).
TRIANGLE_BYTES = 56


@numba.njit(cache=True)
def _common_triangles(edges, signs, indptr, nbr, eid, count_only, out_k, out_e):
    """Triangles with holonomy +1, grouped by their last edge in filtration order."""
    count = 0
    n = len(indptr) - 1
    for e in range(len(edges)):
        u = edges[e, 0]
        v = edges[e, 1]
        i = indptr[u]
        j = indptr[v]
        while True:
            i, j, k, e_uk, e_vk = _next_common(i, j, indptr[u + 1], indptr[v + 1], nbr, eid)
            if k < 0:
                break
            if e_uk > e or e_vk > e:
                continue
            if signs[e] * signs[e_uk] * signs[e_vk] < 0:
                continue
            if not count_only:
                if k < u:
                    key = (k * n + u) * n + v
                elif k < v:
                    key = (u * n + k) * n + v
                else:
                    key = (u * n + v) * n + k
                out_k[count] = key
                out_e[count] = e
            count += 1
    return count


@numba.njit(cache=True)
def _sort_ties(keys, values):
    """Within each run of equal values (already grouped), sort the keys increasingly."""
    start = 0
    total = len(keys)
    while start < total:
        stop = start + 1
        while stop < total and values[stop] == values[start]:
            stop += 1
        if stop - start > 1:
            keys[start:stop] = np.sort(keys[start:stop])
        start = stop


def flag_triangles(edges, values, signs, indptr, nbr, eid, budget=None):
    """Triangles of the flag complex with a nonzero stalk, in filtration order.

    Returns ``(keys, tri_values)``, sorted by (value, key). With ``budget`` (bytes), the count
    is taken first and ``None`` returned with the count when the degree-2 engine would need
    more: ``(None, count)``.
    """
    empty = np.empty(0, dtype=np.int64)
    count = _common_triangles(edges, signs, indptr, nbr, eid, True, empty, empty)
    if budget is not None and count * TRIANGLE_BYTES > budget:
        return None, count
    keys = np.empty(count, dtype=np.int64)
    last = np.empty(count, dtype=np.int64)
    _common_triangles(edges, signs, indptr, nbr, eid, False, keys, last)
    tri_values = values[last]
    _sort_ties(keys, tri_values)
    return keys, tri_values


def dense_edge_ids(n, edges, max_bytes):
    """``n × n`` int32 matrix of edge ids (-1 off the graph), or ``(0, 0)`` above ``max_bytes``."""
    if n * n * 4 > max_bytes:
        return np.empty((0, 0), dtype=np.int32)
    dense = np.full((n, n), -1, dtype=np.int32)
    ids = np.arange(len(edges), dtype=np.int32)
    dense[edges[:, 0], edges[:, 1]] = ids
    dense[edges[:, 1], edges[:, 0]] = ids
    return dense


@numba.njit(cache=True)
def _edge_sign(a, b, signs, indptr, nbr, eid):
    """Sign of the edge ``ab`` (which exists), by binary search in ``a``'s sorted neighbours."""
    return signs[eid[_find(nbr, indptr[a], indptr[a + 1], b)]]


@numba.njit(cache=True)
def _tetra(k, a, b, c, s_ak, n):
    """Key and δ^2 coefficient of tetrahedron {a, b, c, k} in triangle abc's column."""
    if k < a:
        return ((k * n + a) * n + b) * n + c, s_ak
    if k < b:
        return ((a * n + k) * n + b) * n + c, -1.0
    if k < c:
        return ((a * n + b) * n + k) * n + c, 1.0
    return ((a * n + b) * n + c) * n + k, -1.0


@numba.njit(cache=True)
def _cofaces2(key, ft, values, signs, indptr, nbr, eid, dense, n, p, first, out_f, out_k, out_c):
    """Tetrahedra ⊃ triangle ``key`` with a nonzero stalk: value, key, coefficient.

    Common neighbours come from a three-way merge of the sorted adjacency lists, or, when
    ``dense`` (an ``n × n`` edge-id matrix, -1 off the graph) is given, from the shortest of
    the three lists and two look-ups per candidate. With ``first``, stop at the smallest coface
    and return it at index 0 (count 1), or 0.
    """
    c = key % n
    b = (key // n) % n
    a = key // (n * n)
    use_dense = dense.shape[0] > 0
    if use_dense:
        s_ab = signs[dense[a, b]]
        s_ac = signs[dense[a, c]]
        # scan the shortest neighbour list
        v0 = a
        if indptr[b + 1] - indptr[b] < indptr[v0 + 1] - indptr[v0]:
            v0 = b
        if indptr[c + 1] - indptr[c] < indptr[v0 + 1] - indptr[v0]:
            v0 = c
        i = indptr[v0]
        i_end = indptr[v0 + 1]
        j = j_end = h = h_end = 0
    else:
        s_ab = _edge_sign(a, b, signs, indptr, nbr, eid)
        s_ac = _edge_sign(a, c, signs, indptr, nbr, eid)
        i = indptr[a]
        j = indptr[b]
        h = indptr[c]
        i_end = indptr[a + 1]
        j_end = indptr[b + 1]
        h_end = indptr[c + 1]
    count = 0
    best_f = np.inf
    best_k = -1
    best_c = 0.0
    while i < i_end:
        if use_dense:
            x = nbr[i]
            i += 1
            e_ak = dense[a, x]
            e_bk = dense[b, x]
            e_ck = dense[c, x]
            if e_ak < 0 or e_bk < 0 or e_ck < 0:
                continue
        else:
            if j >= j_end or h >= h_end:
                break
            x = nbr[i]
            y = nbr[j]
            z = nbr[h]
            top = max(x, max(y, z))
            if x < top:
                i += 1
                continue
            if y < top:
                j += 1
                continue
            if z < top:
                h += 1
                continue
            e_ak = eid[i]
            e_bk = eid[j]
            e_ck = eid[h]
            i += 1
            j += 1
            h += 1
        f = max(ft, max(values[e_ak], max(values[e_bk], values[e_ck])))
        if first and f > best_f:
            continue
        s_ak = signs[e_ak]
        if s_ak * signs[e_bk] != s_ab or s_ak * signs[e_ck] != s_ac:
            continue
        tk, coef = _tetra(x, a, b, c, s_ak, n)
        if first:
            if f < best_f:  # keys increase along the scan: equal values keep the first
                best_f = f
                best_k = tk
                best_c = coef if coef > 0 else p - 1.0  # coef is ±1
                if f == ft:
                    break
        else:
            out_f[count] = f
            out_k[count] = tk
            out_c[count] = coef if coef > 0 else p - 1.0
            count += 1
    if first:
        if best_k < 0:
            return 0
        out_f[0] = best_f
        out_k[0] = best_k
        out_c[0] = best_c
        return 1
    return count


@numba.njit(cache=True)
def _eid(u, v, indptr, nbr, eid, dense):
    """Row of the edge ``uv`` (which exists): ``dense`` look-up or binary search."""
    if dense.shape[0] > 0:
        return dense[u, v]
    return eid[_find(nbr, indptr[u], indptr[u + 1], v)]


@numba.njit(cache=True)
def _apparent_facet(tk, f, values, indptr, nbr, eid, dense, n):
    """Key of the largest facet of tetrahedron ``tk`` (value ``f``) in the filtration order.

    The facets with the tetrahedron's value are the latest; among them the largest key, and
    dropping a smaller vertex gives a larger key: xyz > wyz > wxz > wxy.
    """
    z = tk % n
    y = (tk // n) % n
    x = (tk // (n * n)) % n
    w = tk // (n * n * n)
    f_xy = values[_eid(x, y, indptr, nbr, eid, dense)]
    f_xz = values[_eid(x, z, indptr, nbr, eid, dense)]
    f_yz = values[_eid(y, z, indptr, nbr, eid, dense)]
    if max(f_xy, max(f_xz, f_yz)) == f:
        return (x * n + y) * n + z
    f_wy = values[_eid(w, y, indptr, nbr, eid, dense)]
    f_wz = values[_eid(w, z, indptr, nbr, eid, dense)]
    if max(f_wy, max(f_wz, f_yz)) == f:
        return (w * n + y) * n + z
    f_wx = values[_eid(w, x, indptr, nbr, eid, dense)]
    if max(f_wx, max(f_wz, f_xz)) == f:
        return (w * n + x) * n + z
    return (w * n + x) * n + y


@numba.njit(cache=True)
def _find_triangle(tri_keys, tri_values, f, key):
    """Column of triangle (value f, key) by binary search in the (value, key) order."""
    lo = 0
    hi = len(tri_keys)
    while lo < hi:
        mid = (lo + hi) >> 1
        if tri_values[mid] < f or (tri_values[mid] == f and tri_keys[mid] < key):
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def _apparent_column(
    tk, f, tri_keys, tri_values, values, signs, indptr, nbr, eid, dense, n, p, sf, sk, sc
):
    """Column paired with tetrahedron ``tk`` in an apparent pair, or -1.

    (σ, τ) is apparent when τ is σ's smallest coface and σ τ's largest facet: column σ is never
    reduced and keeps pivot τ, so the pair is not stored in the pivot table — τ finds σ again.
    """
    sigma = _apparent_facet(tk, f, values, indptr, nbr, eid, dense, n)
    if _cofaces2(sigma, f, values, signs, indptr, nbr, eid, dense, n, p, True, sf, sk, sc) == 0:
        return -1
    if sk[0] != tk:
        return -1
    return _find_triangle(tri_keys, tri_values, f, sigma)


@numba.njit(cache=True)
def _owner(t_keys, t_vals, tk, f, ctx):
    """Column whose pivot is tetrahedron ``tk`` (value ``f``): from the pivot table, else the
    column of its apparent pair, else -1. ``ctx`` holds the reducer's fixed arguments of
    :func:`_apparent_column` (``tri_keys`` … ``sc``)."""
    c2 = _get(t_keys, t_vals, tk)
    if c2 >= 0:
        return c2
    tri_keys, tri_values, values, signs, indptr, nbr, eid, dense, n, p, sf, sk, sc = ctx
    return _apparent_column(
        tk, f, tri_keys, tri_values, values, signs, indptr, nbr, eid, dense, n, p, sf, sk, sc
    )


@numba.njit(cache=True)
def _rehash(keys, vals):
    new_k = np.full(2 * len(keys), -1, dtype=np.int64)
    new_v = np.full(2 * len(keys), -1, dtype=np.int64)
    for t in range(len(keys)):
        if keys[t] != -1:
            _put(new_k, new_v, keys[t], vals[t])
    return new_k, new_v


@numba.njit(cache=True)
def flag_degree2_pairs(
    n, tri_keys, tri_values, values, signs, indptr, nbr, eid, dense, cleared, p, cap=0
):
    """Reduce δ^2 of a signed flag complex implicitly (cohomology with clearing).

    Parameters
    ----------
    n : int
        Number of vertices (``n <= MAX_VERTICES``).
    tri_keys, tri_values : ndarray
        :func:`flag_triangles`: the columns, in filtration order.
    values, signs : ndarray
        Edge values and signs, indexed by the edge ids ``eid`` of the adjacency.
    indptr, nbr, eid : ndarray
        :func:`~tdasheaf.cohomology._flag.full_adjacency` of the edges.
    dense : ndarray of int32, shape (n, n) or (0, 0)
        Edge id of every vertex pair (-1 if none), or empty for the merge (:func:`dense_edge_ids`).
    cleared : ndarray of int64
        Keys of the triangles that were pivots of δ^1 (their columns are skipped).
    p : int
        Prime.

    Returns
    -------
    death : ndarray of float64
        For each triangle column: value of its pivot tetrahedron, ``inf`` for an essential
        class, ``nan`` for cleared columns.
    work : ndarray of int64
        Coface entries pushed while reducing each column.
    over : bool
        The working column outgrew ``cap`` pool entries (0: no limit); the outputs are then
        incomplete and must not be used.
    """
    T = len(tri_keys)
    # the working column orders entries by value rank (:mod:`tdasheaf.cohomology._runs`): edge
    # and triangle values become ranks (a triangle's value is one of its edges'), deaths are
    # ranks until the end
    values, distinct = value_ranks(values)
    tri_values = np.searchsorted(distinct, tri_values).astype(np.float64)
    death = np.full(T, np.nan)
    work = np.zeros(T, dtype=np.int64)
    # clearing set: δ^1 pivots
    size_c = 16
    while size_c < 2 * len(cleared) + 2:
        size_c *= 2
    c_keys = np.full(size_c, -1, dtype=np.int64)
    c_vals = np.zeros(size_c, dtype=np.int64)
    for t in range(len(cleared)):
        _put(c_keys, c_vals, cleared[t], 1)
    # pivot table: tetrahedron key -> column, grown at load 1/2
    t_keys = np.full(1024, -1, dtype=np.int64)
    t_vals = np.full(1024, -1, dtype=np.int64)
    n_pivots = 0
    pivot_coef = np.zeros(T)
    cf, ck, cc, wcol, v_ptr, v_len, v_idx, v_val, w_idx, w_val = _workspace(T, indptr, cap)
    v_top = 0
    sf = np.empty(1)
    sk = np.empty(1, dtype=np.int64)
    sc = np.empty(1)
    ctx = (tri_keys, tri_values, values, signs, indptr, nbr, eid, dense, n, p, sf, sk, sc)
    for col in range(T - 1, -1, -1):
        key = tri_keys[col]
        ft = tri_values[col]
        if _get(c_keys, c_vals, key) >= 0:
            continue
        if 2 * (n_pivots + 1) > len(t_keys):
            t_keys, t_vals = _rehash(t_keys, t_vals)
        if _cofaces2(key, ft, values, signs, indptr, nbr, eid, dense, n, p, True, cf, ck, cc) == 0:
            death[col] = np.inf
            continue
        if cf[0] == ft and _apparent_facet(ck[0], ft, values, indptr, nbr, eid, dense, n) == key:
            # apparent pair: kept out of the pivot table (found again from the tetrahedron)
            death[col] = ft
            pivot_coef[col] = cc[0]
            continue
        if _owner(t_keys, t_vals, ck[0], cf[0], ctx) < 0:
            # emergent pair: the column's own smallest coface is free
            death[col] = cf[0]
            _put(t_keys, t_vals, ck[0], col)
            n_pivots += 1
            pivot_coef[col] = cc[0]
            continue
        cnt = _cofaces2(key, ft, values, signs, indptr, nbr, eid, dense, n, p, False, cf, ck, cc)
        _col_clear(wcol)
        wcol = _col_add(wcol, cf, ck, cc, cnt, 1.0, p)
        w_idx[0] = col
        w_val[0] = 1.0
        wl = 1
        while True:
            if _col_over(wcol):
                _col_free(wcol)
                unrank(death, distinct)
                return death, work, True
            piv_f, piv_k, piv_c = _col_pivot(wcol, p)
            if piv_k < 0:
                death[col] = np.inf
                break
            c2 = _owner(t_keys, t_vals, piv_k, piv_f, ctx)
            if c2 < 0:
                death[col] = piv_f
                _put(t_keys, t_vals, piv_k, col)
                n_pivots += 1
                pivot_coef[col] = piv_c
                if wl > 1:
                    v_idx, v_val, v_top = _store_v(
                        col, w_idx, w_val, wl, v_ptr, v_len, v_idx, v_val, v_top, p
                    )
                break
            wcol, factor = _cancel(wcol, piv_f, piv_k, piv_c, pivot_coef[c2], p)
            start, length = _v_span(v_ptr, v_len, c2)
            for q in range(length):
                t2, coeff = _v_entry(v_idx, v_val, start, q, c2, factor, p)
                k2 = tri_keys[t2]
                f2 = tri_values[t2]
                cnt2 = _cofaces2(
                    k2, f2, values, signs, indptr, nbr, eid, dense, n, p, False, cf, ck, cc
                )
                work[col] += cnt2
                wcol = _col_add(wcol, cf, ck, cc, cnt2, coeff, p)
                w_idx, w_val, wl = _w_append(w_idx, w_val, wl, t2, coeff)
    over = _col_over(wcol)
    _col_free(wcol)
    unrank(death, distinct)
    return death, work, over
