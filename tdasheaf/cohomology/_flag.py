"""Implicit engine for flag complexes: persistent cohomology without storing triangles.

For a flag (Vietoris–Rips) complex every triangle is determined by its edges, so the
coboundary δ^1 never has to be stored: the cofaces of an edge ``(u, v)`` are the triangles
``{u, v, k}`` over common neighbours ``k``, enumerated on the fly from the adjacency lists, with
value ``max(f(uv), f(uk), f(vk))`` (as ripser does). Only the reduction matrix columns that are
not unit vectors are kept.

The sheaves handled here are the rank-1 *signed* sheaves of a graph, extended to triangles by
the rule of DESIGN.md §5 (which covers the constant sheaf, all signs +1, and the orientation
sheaf): vertex and edge stalks 𝕜, ``F_{i⊲ij} = 1``, ``F_{j⊲ij} = s_ij`` for ``i < j``; a
triangle ``a < b < c`` has stalk 𝕜 when its holonomy ``s_ab s_bc s_ac`` is +1 (else 0), with
maps transporting into the frame of its smallest vertex: ``F_{bc⊲abc} = s_ab``,
``F_{ac⊲abc} = F_{ab⊲abc} = 1`` (see :func:`tdasheaf.sheaves.signed_graph_sheaf`). So
``(δ^1 y)(abc) = s_ab y_bc − y_ac + y_ab``.

Rows (triangles) are identified by ``(value, a·n² + b·n + c)``, which is the library's total
order (value, then lexicographic); arithmetic is in GF(p). Plain arrays in and out.
"""

from __future__ import annotations

import numba
import numpy as np

from tdasheaf.cohomology._reduction import _grow, _inv_mod
from tdasheaf.cohomology._runs import (
    _col_add,
    _col_add_one,
    _col_clear,
    _col_free,
    _col_new,
    _col_over,
    _col_pivot,
    unrank,
    value_ranks,
)
from tdasheaf.complexes import full_adjacency  # noqa: F401  (re-exported)
from tdasheaf.complexes._gauge import _root

__all__ = ["MAX_VERTICES_DEGREE1", "flag_degree0_pairs", "flag_degree1_pairs", "full_adjacency"]

#: A triangle's key ``(x·n + y)·n + z`` is an int64: at most ``n = 2**21 - 1`` vertices
#: (``n³ < 2**63``). Above it degree 1 is computed on the stored complex (explicit engine).
MAX_VERTICES_DEGREE1 = 2**21 - 1


@numba.njit(cache=True)
def flag_degree0_pairs(n, edges, signs):
    """Persistent H^0 of a signed graph sheaf by union–find with gauges (no matrix).

    A section ``x`` satisfies ``x_i = s_ij x_j`` on every edge ``i < j``; a component carries a
    section iff it is *balanced* (every cycle has sign product +1). Edges are taken in
    filtration order; a section dies at an edge that merges two components of which at least
    one is balanced (one balanced section dies; two balanced merge into one), or that closes
    a cycle of sign product −1 in a balanced component. These edges are exactly the pivots of
    δ^0 in the reduction (the clearing set of degree 1). Pass all signs +1 for GF(2), where
    −1 = +1.

    Returns
    -------
    killer : ndarray of bool, shape (m,)
        Edges at which a section dies.
    n_essential : int
        Balanced components at the end: sections alive forever.
    """
    parent = np.arange(n)
    gauge = np.ones(n)
    balanced = np.ones(n, dtype=np.bool_)
    size = np.ones(n, dtype=np.int64)
    killer = np.zeros(len(edges), dtype=np.bool_)
    n_essential = n
    for e in range(len(edges)):
        ru, gu = _root(parent, gauge, edges[e, 0])
        rv, gv = _root(parent, gauge, edges[e, 1])
        s = signs[e]
        if ru == rv:
            if balanced[ru] and gu != s * gv:
                balanced[ru] = False  # a twisted cycle: the section dies
                killer[e] = True
                n_essential -= 1
            continue
        if balanced[ru] or balanced[rv]:
            killer[e] = True
            n_essential -= 1
        if size[ru] < size[rv]:
            ru, rv = rv, ru
            gu, gv = gv, gu
        # x_rv = g · x_ru with g chosen so that x_u = s · x_v
        parent[rv] = ru
        gauge[rv] = gu * s * gv
        size[ru] += size[rv]
        balanced[ru] = balanced[ru] and balanced[rv]
    return killer, n_essential


@numba.njit(cache=True)
def _triangle(k, u, v, e, e_uk, e_vk, signs, n):
    """Key, sign holonomy and δ^1 coefficient of triangle {k, u, v} in edge e = (u, v)'s column.

    The triangle is x < y < z with key ``(x·n + y)·n + z`` and holonomy ``s_xy s_yz s_xz``; the
    coefficient is ``+F_{yz⊲t} = s_xy`` when e = yz, ``−F_{xz⊲t} = −1`` when e = xz and
    ``+F_{xy⊲t} = 1`` when e = xy (the signed graph sheaf's rule, module docstring).
    """
    if k < u:  # e = yz
        return (k * n + u) * n + v, signs[e_uk] * signs[e] * signs[e_vk], signs[e_uk]
    if k < v:  # e = xz
        return (u * n + k) * n + v, signs[e_uk] * signs[e_vk] * signs[e], -1.0
    return (u * n + v) * n + k, signs[e] * signs[e_vk] * signs[e_uk], 1.0  # e = xy


@numba.njit(cache=True)
def _next_common(i, j, i_end, j_end, nbr, eid):
    """Advance the merge of two sorted neighbour lists to their next common neighbour.

    Returns ``(i, j, k, e_ik, e_jk)`` with the positions past ``k`` and the two edge ids, or
    ``k = -1`` when a list is exhausted.
    """
    while i < i_end and j < j_end:
        a = nbr[i]
        b = nbr[j]
        if a < b:
            i += 1
        elif b < a:
            j += 1
        else:
            return i + 1, j + 1, a, eid[i], eid[j]
    return i, j, -1, -1, -1


@numba.njit(cache=True)
def _cofaces(e, edges, values, signs, indptr, nbr, eid, n, p, out_f, out_k, out_c):
    """Triangles {u, v, k} ⊃ edge e with holonomy +1: value, key and coefficient in δ^1."""
    u = edges[e, 0]
    v = edges[e, 1]
    fe = values[e]
    i = indptr[u]
    j = indptr[v]
    count = 0
    while True:
        i, j, k, e_uk, e_vk = _next_common(i, j, indptr[u + 1], indptr[v + 1], nbr, eid)
        if k < 0:
            break
        f = max(fe, max(values[e_uk], values[e_vk]))
        key, hol, coef = _triangle(k, u, v, e, e_uk, e_vk, signs, n)
        if hol < 0:
            continue
        out_f[count] = f
        out_k[count] = key
        out_c[count] = coef if coef > 0 else p - 1.0  # coef is ±1
        count += 1
    return count


@numba.njit(cache=True)
def _min_coface(e, edges, values, signs, indptr, nbr, eid, n, p):
    """Smallest coface (value, key, coefficient) of edge e, or key -1 if it has none.

    The merge meets cofaces in increasing lexicographic key, so the first coface whose value
    equals the edge's own is the smallest of all: the scan stops there (most columns of a
    Rips filtration are such zero-persistence pairs).
    """
    u = edges[e, 0]
    v = edges[e, 1]
    fe = values[e]
    i = indptr[u]
    j = indptr[v]
    best_f = np.inf
    best_k = -1
    best_c = 0.0
    while True:
        i, j, k, e_uk, e_vk = _next_common(i, j, indptr[u + 1], indptr[v + 1], nbr, eid)
        if k < 0:
            break
        f = max(fe, max(values[e_uk], values[e_vk]))
        if f > best_f:
            continue
        key, hol, coef = _triangle(k, u, v, e, e_uk, e_vk, signs, n)
        if hol < 0:
            continue
        if f < best_f or (f == best_f and key < best_k):
            best_f = f
            best_k = key
            best_c = coef if coef > 0 else p - 1.0
            if f == fe:
                break
    return best_f, best_k, best_c


@numba.njit(cache=True)
def _hash(key, mask):
    return ((key * 0x9E3779B97F4A7C15) >> 17) & mask


@numba.njit(cache=True)
def _get(keys, vals, key):
    """Open-addressing look-up: the value stored for ``key``, or -1."""
    mask = len(keys) - 1
    h = _hash(key, mask)
    while True:
        k = keys[h]
        if k == key:
            return vals[h]
        if k == -1:
            return -1
        h = (h + 1) & mask


@numba.njit(cache=True)
def _put(keys, vals, key, value):
    mask = len(keys) - 1
    h = _hash(key, mask)
    while keys[h] != -1 and keys[h] != key:
        h = (h + 1) & mask
    keys[h] = key
    vals[h] = value


# The reduction skeleton shared with the degree-2 engine (:mod:`tdasheaf.cohomology._flag2`):
# a column is a lazy column of (value, key, coefficient) entries kept as sorted runs
# (:mod:`tdasheaf.cohomology._runs`); each step takes its pivot, and if another column c2 owns
# that pivot, adds factor·δ(V_c2), recording the added columns in a work list that becomes V_c
# when the column ends with a pivot.


@numba.njit(cache=True)
def _pivot_table(n_cols):
    """An empty open-addressing pivot table (keys, owners) for ``n_cols`` columns, load ≤ ½."""
    size = 1
    while size < 2 * n_cols + 2:
        size *= 2
    return np.full(size, -1, dtype=np.int64), np.full(size, -1, dtype=np.int64)


@numba.njit(cache=True)
def _workspace(n_cols, indptr, cap):
    """Buffers of a reduction over ``n_cols`` columns.

    Coface buffers ``cf, ck, cc`` sized by the largest vertex degree (a bound on any coface
    count), the working column ``col`` (:mod:`tdasheaf.cohomology._runs`), the stored reduction
    columns that are not unit vectors (``v_ptr, v_len`` per column, entries ``v_idx, v_val``)
    and the work list ``w_idx, w_val``.
    """
    max_deg = 1
    for x in range(len(indptr) - 1):
        max_deg = max(max_deg, indptr[x + 1] - indptr[x])
    return (
        np.empty(max_deg),
        np.empty(max_deg, dtype=np.int64),
        np.empty(max_deg),
        _col_new(cap),
        np.full(n_cols, -1, dtype=np.int64),
        np.zeros(n_cols, dtype=np.int64),
        np.empty(1024, dtype=np.int64),
        np.empty(1024),
        np.empty(64, dtype=np.int64),
        np.empty(64),
    )


@numba.njit(cache=True)
def _cancel(col, piv_f, piv_k, piv_c, pivot_coef, p):
    """Put the pivot entry back; the factor by which δ(V_c2) (pivot coefficient given) cancels it.

    Adding ``factor · δ(V_c2)`` then cancels the pivot, and so do the entries of δ(V_c2) below
    its pivot (ripser's lazy column).
    """
    factor = float((p - (int(piv_c) * _inv_mod(pivot_coef, p)) % p) % p)
    return _col_add_one(col, piv_f, piv_k, piv_c), factor


@numba.njit(cache=True)
def _v_span(v_ptr, v_len, c2):
    """Start and length of stored V_c2, or ``(-1, 1)`` when it is the unit vector."""
    if v_ptr[c2] >= 0:
        return v_ptr[c2], v_len[c2]
    return -1, 1


@numba.njit(cache=True)
def _v_entry(v_idx, v_val, start, q, c2, factor, p):
    """Entry ``q`` of V_c2 (see :func:`_v_span`): its column and ``factor ·`` its coefficient."""
    if start >= 0:
        return v_idx[start + q], (factor * v_val[start + q]) % p
    return c2, factor % p


@numba.njit(cache=True)
def _w_append(w_idx, w_val, wl, col, coeff):
    if wl + 1 > len(w_idx):
        w_idx = _grow(w_idx, 2 * (wl + 1))
        w_val = _grow(w_val, 2 * (wl + 1))
    w_idx[wl] = col
    w_val[wl] = coeff
    return w_idx, w_val, wl + 1


@numba.njit(cache=True, nogil=True)
def _write_v(w_idx, w_val, wl, v_idx, v_val, start, p):
    """Write the work list at ``start`` of the V storage, sorted, duplicate columns combined;
    returns the number of entries written (at most ``wl``)."""
    order = np.argsort(w_idx[:wl])
    n_out = 0
    last = -1
    for t in range(wl):
        e2 = w_idx[order[t]]
        a2 = w_val[order[t]]
        if n_out > 0 and e2 == last:
            v_val[start + n_out - 1] = (v_val[start + n_out - 1] + a2) % p
        else:
            v_idx[start + n_out] = e2
            v_val[start + n_out] = a2
            n_out += 1
            last = e2
    return n_out


@numba.njit(cache=True)
def _store_v(c, w_idx, w_val, wl, v_ptr, v_len, v_idx, v_val, v_top, p):
    """Store V_c from the work list (duplicate columns combined); returns the grown storage."""
    v_idx = _grow(v_idx, v_top + wl)
    v_val = _grow(v_val, v_top + wl)
    v_ptr[c] = v_top
    n_out = _write_v(w_idx, w_val, wl, v_idx, v_val, v_top, p)
    v_len[c] = n_out
    return v_idx, v_val, v_top + n_out


@numba.njit(cache=True, inline="always")
def _begin(col, c, graph, w_idx, w_val, p):
    """Start reducing column ``c``: the working column is δ(c), the work list ``[c]``.

    ``graph`` as in :func:`_add_v`. Returns ``(col, 1)``, the column and the work list's length.
    """
    n, edges, values, signs, indptr, nbr, eid, cf, ck, cc = graph
    cnt = _cofaces(c, edges, values, signs, indptr, nbr, eid, n, p, cf, ck, cc)
    _col_clear(col)
    col = _col_add(col, cf, ck, cc, cnt, 1.0, p)
    w_idx[0] = c
    w_val[0] = 1.0
    return col, 1


@numba.njit(cache=True, inline="always")
def _add_v(col, c, c2, factor, graph, v_ptr, v_len, v_idx, v_val, work, w_idx, w_val, wl, p):
    """Add ``factor · δ(V_c2)`` to column ``c``'s working column, one simplex's cofaces at a
    time, counting the entries in ``work[c]`` and recording the columns in the work list.

    ``graph = (n, edges, values, signs, indptr, nbr, eid, cf, ck, cc)`` (the last three: coface
    buffers). Returns ``(col, w_idx, w_val, wl)``.
    """
    n, edges, values, signs, indptr, nbr, eid, cf, ck, cc = graph
    start, length = _v_span(v_ptr, v_len, c2)
    for q in range(length):
        e2, coeff = _v_entry(v_idx, v_val, start, q, c2, factor, p)
        cnt2 = _cofaces(e2, edges, values, signs, indptr, nbr, eid, n, p, cf, ck, cc)
        work[c] += cnt2
        col = _col_add(col, cf, ck, cc, cnt2, coeff, p)
        w_idx, w_val, wl = _w_append(w_idx, w_val, wl, e2, coeff)
    return col, w_idx, w_val, wl


@numba.njit(cache=True)
def flag_degree1_pairs(n, edges, values, signs, indptr, nbr, eid, skip, p, cap=0):
    """Reduce δ^1 of a signed flag complex implicitly (cohomology with clearing).

    Parameters
    ----------
    n : int
        Number of vertices (labels 0..n-1).
    edges : ndarray of shape (m, 2)
        Edges ``u < v`` in filtration order; ``values`` their filtration values, ``signs`` ±1.
    indptr, nbr, eid : ndarray
        :func:`full_adjacency` of the edges.
    skip : ndarray of bool
        Edges that were pivots of δ^0 (cleared).
    p : int
        Prime.

    Returns
    -------
    death : ndarray of float64
        For each edge column: value of its pivot triangle, ``inf`` for an essential class,
        ``nan`` for skipped columns.
    work : ndarray of int64
        Coface entries pushed while reducing each column.
    pivot_key : ndarray of int64
        Key of each column's pivot triangle, -1 if none (for clearing in degree 2).
    over : bool
        The working column outgrew ``cap`` pool entries (0: no limit) and the reduction
        stopped: the other outputs are then incomplete and must not be used.
    """
    m = len(edges)
    # the working column orders entries by value rank (:mod:`tdasheaf.cohomology._runs`); the
    # deaths are ranks until the end
    values, distinct = value_ranks(values)
    death = np.full(m, np.nan)
    work = np.zeros(m, dtype=np.int64)
    pivot_key = np.full(m, -1, dtype=np.int64)
    # open-addressing hash table: triangle key -> column whose pivot it is
    t_keys, t_vals = _pivot_table(m)
    pivot_coef = np.zeros(m)
    cf, ck, cc, col, v_ptr, v_len, v_idx, v_val, w_idx, w_val = _workspace(m, indptr, cap)
    graph = (n, edges, values, signs, indptr, nbr, eid, cf, ck, cc)
    v_top = 0
    for c in range(m - 1, -1, -1):
        if skip[c]:
            continue
        best_f, best_k, best_c = _min_coface(c, edges, values, signs, indptr, nbr, eid, n, p)
        if best_k < 0:
            death[c] = np.inf
            continue
        if _get(t_keys, t_vals, best_k) < 0:
            # emergent pair: the column's own smallest coface is free
            death[c] = best_f
            _put(t_keys, t_vals, best_k, c)
            pivot_coef[c] = best_c
            pivot_key[c] = best_k
            continue
        col, wl = _begin(col, c, graph, w_idx, w_val, p)
        while True:
            if _col_over(col):
                _col_free(col)
                unrank(death, distinct)
                return death, work, pivot_key, True
            piv_f, piv_k, piv_c = _col_pivot(col, p)
            if piv_k < 0:
                death[c] = np.inf
                break
            c2 = _get(t_keys, t_vals, piv_k)
            if c2 < 0:
                death[c] = piv_f
                _put(t_keys, t_vals, piv_k, c)
                pivot_coef[c] = piv_c
                pivot_key[c] = piv_k
                if wl > 1:
                    v_idx, v_val, v_top = _store_v(
                        c, w_idx, w_val, wl, v_ptr, v_len, v_idx, v_val, v_top, p
                    )
                break
            col, factor = _cancel(col, piv_f, piv_k, piv_c, pivot_coef[c2], p)
            col, w_idx, w_val, wl = _add_v(
                col, c, c2, factor, graph, v_ptr, v_len, v_idx, v_val, work, w_idx, w_val, wl, p
            )
    over = _col_over(col)
    _col_free(col)
    unrank(death, distinct)
    return death, work, pivot_key, over
