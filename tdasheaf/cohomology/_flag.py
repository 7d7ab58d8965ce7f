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

__all__ = ["flag_degree1_pairs", "full_adjacency"]


def full_adjacency(n: int, edges: np.ndarray):
    """CSR of both-direction adjacency, neighbours sorted, with the edge index of each entry."""
    m = len(edges)
    src = np.concatenate([edges[:, 0], edges[:, 1]])
    dst = np.concatenate([edges[:, 1], edges[:, 0]])
    eid = np.concatenate([np.arange(m), np.arange(m)])
    order = np.lexsort((dst, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    return np.cumsum(indptr), dst[order].astype(np.int64), eid[order].astype(np.int64)


@numba.njit(cache=True)
def _less(f1, k1, f2, k2):
    return f1 < f2 or (f1 == f2 and k1 < k2)


@numba.njit(cache=True)
def _push(hf, hk, hc, size, f, k, c):
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if not _less(f, k, hf[parent], hk[parent]):
            break
        hf[i] = hf[parent]
        hk[i] = hk[parent]
        hc[i] = hc[parent]
        i = parent
    hf[i] = f
    hk[i] = k
    hc[i] = c
    return size + 1


@numba.njit(cache=True)
def _pop(hf, hk, hc, size):
    size -= 1
    f = hf[size]
    k = hk[size]
    c = hc[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and _less(hf[child + 1], hk[child + 1], hf[child], hk[child]):
            child += 1
        if not _less(hf[child], hk[child], f, k):
            break
        hf[i] = hf[child]
        hk[i] = hk[child]
        hc[i] = hc[child]
        i = child
    if size > 0:
        hf[i] = f
        hk[i] = k
        hc[i] = c
    return size


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
def _cofaces(e, edges, values, signs, indptr, nbr, eid, n, p, out_f, out_k, out_c):
    """Triangles {u, v, k} ⊃ edge e with holonomy +1: value, key and coefficient in δ^1."""
    u = edges[e, 0]
    v = edges[e, 1]
    fe = values[e]
    i = indptr[u]
    j = indptr[v]
    count = 0
    while i < indptr[u + 1] and j < indptr[v + 1]:
        a = nbr[i]
        b = nbr[j]
        if a < b:
            i += 1
        elif b < a:
            j += 1
        else:
            k = a
            e_uk = eid[i]
            e_vk = eid[j]
            i += 1
            j += 1
            f = max(fe, max(values[e_uk], values[e_vk]))
            key, hol, coef = _triangle(k, u, v, e, e_uk, e_vk, signs, n)
            if hol < 0:
                continue
            out_f[count] = f
            out_k[count] = key
            out_c[count] = coef % p
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
    while i < indptr[u + 1] and j < indptr[v + 1]:
        a = nbr[i]
        b = nbr[j]
        if a < b:
            i += 1
        elif b < a:
            j += 1
        else:
            k = a
            e_uk = eid[i]
            e_vk = eid[j]
            i += 1
            j += 1
            f = max(fe, max(values[e_uk], values[e_vk]))
            if f > best_f:
                continue
            key, hol, coef = _triangle(k, u, v, e, e_uk, e_vk, signs, n)
            if hol < 0:
                continue
            if f < best_f or (f == best_f and key < best_k):
                best_f = f
                best_k = key
                best_c = coef % p
                if f == fe:
                    break
    return best_f, best_k, best_c


@numba.njit(cache=True)
def _table_get(keys, vals, key):
    mask = len(keys) - 1
    h = (key * 0x9E3779B97F4A7C15) & mask
    while True:
        k = keys[h]
        if k == key:
            return vals[h]
        if k == -1:
            return -1
        h = (h + 1) & mask


@numba.njit(cache=True)
def _table_put(keys, vals, key, value):
    mask = len(keys) - 1
    h = (key * 0x9E3779B97F4A7C15) & mask
    while keys[h] != -1 and keys[h] != key:
        h = (h + 1) & mask
    keys[h] = key
    vals[h] = value


@numba.njit(cache=True)
def flag_degree1_pairs(n, edges, values, signs, indptr, nbr, eid, skip, p):
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
    """
    m = len(edges)
    death = np.full(m, np.nan)
    work = np.zeros(m, dtype=np.int64)
    pivot_key = np.full(m, -1, dtype=np.int64)
    # open-addressing hash table: triangle key -> column whose pivot it is
    table_size = 1
    while table_size < 2 * m + 2:
        table_size *= 2
    t_keys = np.full(table_size, -1, dtype=np.int64)
    t_vals = np.full(table_size, -1, dtype=np.int64)
    pivot_coef = np.zeros(m)
    cap = 256
    cf = np.empty(cap)
    ck = np.empty(cap, dtype=np.int64)
    cc = np.empty(cap)
    hf = np.empty(1024)
    hk = np.empty(1024, dtype=np.int64)
    hc = np.empty(1024)
    # reduction matrix columns that are not unit vectors
    v_ptr = np.full(m, -1, dtype=np.int64)
    v_len = np.zeros(m, dtype=np.int64)
    v_idx = np.empty(1024, dtype=np.int64)
    v_val = np.empty(1024)
    v_top = 0
    w_idx = np.empty(64, dtype=np.int64)
    w_val = np.empty(64)
    max_deg = 0
    for x in range(n):
        if indptr[x + 1] - indptr[x] > max_deg:
            max_deg = indptr[x + 1] - indptr[x]
    if max_deg > cap:
        cf = np.empty(max_deg)
        ck = np.empty(max_deg, dtype=np.int64)
        cc = np.empty(max_deg)
    for c in range(m - 1, -1, -1):
        if skip[c]:
            continue
        best_f, best_k, best_c = _min_coface(c, edges, values, signs, indptr, nbr, eid, n, p)
        if best_k < 0:
            death[c] = np.inf
            continue
        if _table_get(t_keys, t_vals, best_k) < 0:
            # emergent pair: the column's own smallest coface is free
            death[c] = best_f
            _table_put(t_keys, t_vals, best_k, c)
            pivot_coef[c] = best_c
            pivot_key[c] = best_k
            continue
        cnt = _cofaces(c, edges, values, signs, indptr, nbr, eid, n, p, cf, ck, cc)
        size = 0
        if cnt > len(hf):
            hf = _grow(hf, cnt)
            hk = _grow(hk, cnt)
            hc = _grow(hc, cnt)
        for t in range(cnt):
            size = _push(hf, hk, hc, size, cf[t], ck[t], cc[t])
        wl = 1
        w_idx[0] = c
        w_val[0] = 1.0
        found = False
        while True:
            # the pivot: smallest key whose coefficients do not cancel
            piv_f = 0.0
            piv_k = -1
            piv_c = 0.0
            while size > 0:
                f0 = hf[0]
                k0 = hk[0]
                s = hc[0]
                size = _pop(hf, hk, hc, size)
                while size > 0 and hk[0] == k0:
                    s += hc[0]
                    size = _pop(hf, hk, hc, size)
                s = s % p
                if s != 0.0:
                    piv_f = f0
                    piv_k = k0
                    piv_c = s
                    break
            if piv_k < 0:
                break
            c2 = _table_get(t_keys, t_vals, piv_k)
            if c2 < 0:
                found = True
                break
            factor = float((p - (int(piv_c) * _inv_mod(pivot_coef[c2], p)) % p) % p)
            # put the pivot entry back and add factor * δ(V_c2): the pivot then cancels, and
            # so do the entries of δ(V_c2) below its pivot (ripser's lazy heap column)
            size = _push(hf, hk, hc, size, piv_f, piv_k, piv_c)
            if v_ptr[c2] >= 0:
                start = v_ptr[c2]
                length = v_len[c2]
            else:
                start = -1
                length = 1
            for q in range(length):
                if start >= 0:
                    e2 = v_idx[start + q]
                    a2 = v_val[start + q]
                else:
                    e2 = c2
                    a2 = 1.0
                coeff = (factor * a2) % p
                cnt2 = _cofaces(e2, edges, values, signs, indptr, nbr, eid, n, p, cf, ck, cc)
                work[c] += cnt2
                if size + cnt2 > len(hf):
                    hf = _grow(hf, size + cnt2)
                    hk = _grow(hk, size + cnt2)
                    hc = _grow(hc, size + cnt2)
                for t in range(cnt2):
                    size = _push(hf, hk, hc, size, cf[t], ck[t], (coeff * cc[t]) % p)
                if wl + 1 > len(w_idx):
                    w_idx = _grow(w_idx, 2 * (wl + 1))
                    w_val = _grow(w_val, 2 * (wl + 1))
                w_idx[wl] = e2
                w_val[wl] = coeff
                wl += 1
        if found:
            death[c] = piv_f
            _table_put(t_keys, t_vals, piv_k, c)
            pivot_coef[c] = piv_c
            pivot_key[c] = piv_k
        else:
            death[c] = np.inf
        if found and wl > 1:
            # store V_c (combine duplicate edges)
            order = np.argsort(w_idx[:wl])
            v_idx = _grow(v_idx, v_top + wl)
            v_val = _grow(v_val, v_top + wl)
            v_ptr[c] = v_top
            n_out = 0
            last = -1
            for t in range(wl):
                e2 = w_idx[order[t]]
                a2 = w_val[order[t]]
                if n_out > 0 and e2 == last:
                    v_val[v_top + n_out - 1] = (v_val[v_top + n_out - 1] + a2) % p
                else:
                    v_idx[v_top + n_out] = e2
                    v_val[v_top + n_out] = a2
                    n_out += 1
                    last = e2
            v_len[c] = n_out
            v_top += n_out
    return death, work, pivot_key
