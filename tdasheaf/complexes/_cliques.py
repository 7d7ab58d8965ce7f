"""Compiled clique enumeration: the explicit flag complex of a graph, in the total order."""

from __future__ import annotations

# first: routes the numba cache of the kernels below (tdasheaf/_numba_cache.py)
import tdasheaf._numba_cache  # noqa: F401  # isort: skip
import numba
import numpy as np

from tdasheaf.complexes._filtered import _VERIFIED_FLAG, FilteredComplex

# ----------------------------------------------------------------------------------------------
# Vietoris–Rips
# ----------------------------------------------------------------------------------------------


def _upper_adjacency(n: int, i: np.ndarray, j: np.ndarray, w: np.ndarray):
    """CSR of upper neighbours (w > v) of every vertex, sorted, with per-edge data ``w``."""
    order = np.lexsort((j, i))
    i, j, w = i[order], j[order], w[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, i + 1, 1)
    return np.cumsum(indptr), j.astype(np.int64), w


@numba.njit(cache=True)
def _find(indices, start, stop, target):
    lo, hi = start, stop
    while lo < hi:
        mid = (lo + hi) // 2
        if indices[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    if lo < stop and indices[lo] == target:
        return lo
    return -1


@numba.njit(cache=True)
def _lex_search(rows, target, skip):
    """Row index of ``target`` minus its position ``skip`` in lexicographically sorted rows."""
    width = rows.shape[1]
    lo = 0
    hi = rows.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        cmp = 0
        m = 0
        for q in range(width + 1):
            if q == skip:
                continue
            a = rows[mid, m]
            b = target[q]
            m += 1
            if a != b:
                cmp = -1 if a < b else 1
                break
        if cmp < 0:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def _clique_ok(parents, r, w, indptr, indices, ranks, start_rank):
    """Rank of the value of parents[r] + {w} if it is a clique (else -1)."""
    width = parents.shape[1]
    val = start_rank
    for m in range(width - 1):
        v = parents[r, m]
        q = _find(indices, indptr[v], indptr[v + 1], w)
        if q < 0:
            return -1
        if ranks[q] > val:
            val = ranks[q]
    return val


@numba.njit(cache=True, parallel=True)
def _count_cofaces(parents, prank, indptr, indices, ranks):
    n_rows, width = parents.shape
    counts = np.zeros(n_rows + 1, dtype=np.int64)
    for r in numba.prange(n_rows):
        last = parents[r, width - 1]
        c = 0
        for p in range(indptr[last], indptr[last + 1]):
            start = max(prank[r], ranks[p])
            if _clique_ok(parents, r, indices[p], indptr, indices, ranks, start) >= 0:
                c += 1
        counts[r + 1] = c
    return np.cumsum(counts)


@numba.njit(cache=True, parallel=True)
def _fill_cofaces(parents, prank, indptr, indices, ranks, offsets, out_s, out_r, out_b):
    """Cofaces of lexicographically sorted k-simplices, adding a vertex above the last one.

    Children come out in lexicographic order (at ``offsets[r]`` for parent r); ``out_b[c, i]``
    is the lexicographic row of the face without vertex ``i`` among ``parents``; ``out_r`` the
    dense rank of the child's filtration value.
    """
    n_rows, width = parents.shape
    for r in numba.prange(n_rows):
        last = parents[r, width - 1]
        c = offsets[r]
        target = np.empty(width + 1, dtype=np.int64)
        for p in range(indptr[last], indptr[last + 1]):
            w = indices[p]
            val = _clique_ok(parents, r, w, indptr, indices, ranks, max(prank[r], ranks[p]))
            if val < 0:
                continue
            for m in range(width):
                out_s[c, m] = parents[r, m]
                target[m] = parents[r, m]
            out_s[c, width] = w
            target[width] = w
            out_r[c] = val
            out_b[c, width] = r
            if width == 2:
                # parents are edges, and upper-adjacency positions are lexicographic edge rows:
                # (b, w) sits at p, (a, w) is found in a's list
                a = parents[r, 0]
                out_b[c, 0] = p
                out_b[c, 1] = _find(indices, indptr[a], indptr[a + 1], w)
            else:
                for i in range(width):
                    out_b[c, i] = _lex_search(parents, target, i)
            c += 1


@numba.njit(cache=True)
def _stable_rank_order(ranks, n_ranks):
    """Positions of a stable counting sort by integer rank: pos[i] is the new row of row i."""
    counts = np.zeros(n_ranks + 1, dtype=np.int64)
    for x in ranks:
        counts[x + 1] += 1
    for q in range(n_ranks):
        counts[q + 1] += counts[q]
    pos = np.empty(len(ranks), dtype=np.int64)
    for i in range(len(ranks)):
        pos[i] = counts[ranks[i]]
        counts[ranks[i]] += 1
    return pos


@numba.njit(cache=True, parallel=True)
def _scatter_rows(src_s, src_b, pos, face_pos, out_s, out_b):
    """out_s[pos[i]] = src_s[i]; out_b[pos[i]] = face_pos[src_b[i]] (filtration order)."""
    n, width = src_s.shape
    for i in numba.prange(n):
        d = pos[i]
        for m in range(width):
            out_s[d, m] = src_s[i, m]
            out_b[d, m] = face_pos[src_b[i, m]]


def _rips_from_edges(n, i, j, w, max_dimension, labels=None) -> FilteredComplex:
    """Flag complex of the graph (i < j, lengths w), in the total order, boundaries included.

    Simplices are enumerated in lexicographic order by compiled, parallel kernels (each from
    its lexicographic parent; faces found by binary search), carrying the dense rank of their
    filtration value; a stable counting sort by that rank then gives the (value, lexicographic)
    order in linear time.
    """
    w = np.asarray(w, dtype=np.float64)
    uniq, edge_rank = np.unique(w, return_inverse=True)
    n_ranks = max(len(uniq), 1)
    lex_order = np.lexsort((j, i))
    lex = np.column_stack([i[lex_order], j[lex_order]]).astype(np.int64)
    lex_rank = edge_rank.reshape(-1)[lex_order].astype(np.int64)
    simplices = [np.arange(n, dtype=np.int64)[:, None]]
    values = [np.zeros(n)]
    boundaries = [np.empty((n, 0), dtype=np.int64)]
    if max_dimension >= 1:
        pos = _stable_rank_order(lex_rank, n_ranks)
        out_s = np.empty_like(lex)
        out_b = np.empty_like(lex)
        # faces of an edge (i, j): drop vertex 0 -> (j,), drop vertex 1 -> (i,)
        _scatter_rows(lex, lex[:, ::-1].copy(), pos, np.arange(n, dtype=np.int64), out_s, out_b)
        simplices.append(out_s)
        values.append(uniq[lex_rank][np.argsort(pos)])
        boundaries.append(out_b)
        indptr, nbr, nbr_rank = _upper_adjacency(n, lex[:, 0], lex[:, 1], lex_rank)
        parents, prank, parent_pos = lex, lex_rank, pos
        for k in range(2, max_dimension + 1):
            offsets = _count_cofaces(parents, prank, indptr, nbr, nbr_rank)
            m = int(offsets[-1])
            child_s = np.empty((m, k + 1), np.int64)
            child_r = np.empty(m, np.int64)
            child_b = np.empty((m, k + 1), np.int64)
            _fill_cofaces(parents, prank, indptr, nbr, nbr_rank, offsets, child_s, child_r, child_b)
            pos = _stable_rank_order(child_r, n_ranks)
            out_s = np.empty_like(child_s)
            out_b = np.empty_like(child_b)
            _scatter_rows(child_s, child_b, pos, parent_pos, out_s, out_b)
            ordered_rank = np.empty_like(child_r)
            ordered_rank[pos] = child_r
            simplices.append(out_s)
            values.append(uniq[ordered_rank] if m else np.empty(0))
            boundaries.append(out_b)
            parents, prank, parent_pos = child_s, child_r, pos
    if labels is not None:
        simplices = [labels[s] for s in simplices]
    return FilteredComplex(tuple(simplices), tuple(values), tuple(boundaries), _VERIFIED_FLAG)
