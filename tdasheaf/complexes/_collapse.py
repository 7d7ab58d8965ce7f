"""Edge collapse of a flag filtration, valid for the signed graph sheaves (and the constant sheaf).

An edge ``uv`` of a graph ``G`` is *dominated* by a vertex ``w`` when every common neighbour of
``u`` and ``v`` other than ``w`` is a neighbour of ``w`` (and ``w`` is one of them): then the
flag complex of ``G − uv`` is obtained from that of ``G`` by simplicial collapses (Boissonnat and
Pritam, *Edge collapse and persistence of flag complexes*, SoCG 2020). For a signed graph sheaf
(DESIGN.md §5: a triangle with holonomy −1 has a zero stalk) the condition is taken over the
*balanced* common neighbours only, and the triangles ``u x w`` must have holonomy +1 too; the
argument, and why barcodes are unchanged, is in ``docs/sheaf_cohomology.md`` ("Edge collapse").

The filtration version shifts edges later instead of removing them outright (Glisse and Pritam,
*Swap, shift and trim to edge collapse a filtration*, SoCG 2022): edges are visited from the
last to the first, and an edge's value ``f`` is raised to the first value ``t ≥ f`` at which it
is no longer dominated in the current filtered graph (``+inf``: removed). At every scale the
new graph's flag complex includes into the old one with isomorphic sheaf cohomology, so every
bar of positive length is unchanged; bars of length zero are not (they depend on which
simplices exist), and callers that keep them must not collapse.

Plain arrays in and out; the kernels are compiled with numba.
"""

from __future__ import annotations

import numba
import numpy as np

from tdasheaf.complexes._filtered import _VERIFIED_FLAG, filtration_order
from tdasheaf.complexes._flag_filtration import FlagFiltration

__all__ = [
    "COLLAPSE_BYTES_PER_EDGE",
    "COLLAPSE_BYTES_PER_VERTEX",
    "MAX_PASSES",
    "collapse_edges",
    "collapse_values",
    "full_adjacency",
]

#: Working set of :func:`collapse_values` per edge: the adjacency lists (neighbour, edge id,
#: current value and sign at both ends: 64), the edge slots (16), the new values, the visiting
#: order and its sort (32), and the collapsed copy of the edges, values and order (32).
COLLAPSE_BYTES_PER_EDGE = 144
#: ... and per vertex (the adjacency pointers, the per-edge buffers bounded by the degree, and
#: the two vertex-indexed marker arrays with positions).
COLLAPSE_BYTES_PER_VERTEX = 80

#: Passes over the edges (each from the last edge to the first) before the collapse stops; it
#: stops earlier at a fixed point (a pass that changes no value).
MAX_PASSES = 1


def full_adjacency(n: int, edges: np.ndarray):
    """CSR of both-direction adjacency, neighbours sorted, with the edge index of each entry.

    Returns ``(indptr, nbr, eid)``: the neighbours of vertex ``x`` are
    ``nbr[indptr[x]:indptr[x + 1]]`` (increasing) and ``eid`` the row of ``edges`` joining them.
    Besides its output (36 bytes per edge) it allocates one int64 sort key and one permutation
    per edge (16 bytes).

    Examples
    --------
    >>> indptr, nbr, eid = full_adjacency(3, np.array([[0, 1], [1, 2]]))
    >>> nbr[indptr[1]:indptr[2]].tolist(), eid[indptr[1]:indptr[2]].tolist()
    ([0, 2], [0, 1])
    """
    edges = np.ascontiguousarray(edges, dtype=np.int64).reshape(-1, 2)
    lo = np.minimum(edges[:, 0], edges[:, 1])
    hi = np.maximum(edges[:, 0], edges[:, 1])
    lex = np.argsort(lo * max(n, 1) + hi)  # keys are distinct: no duplicate edges
    del lo, hi
    return _fill_adjacency(n, edges, lex)


@numba.njit(cache=True)
def _fill_adjacency(n, edges, lex):
    """Counting-sort fill: edges visited in lexicographic order leave every list sorted (the
    smaller neighbours of ``x`` arrive first, in increasing order, then the larger ones)."""
    m = len(edges)
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        indptr[edges[e, 0] + 1] += 1
        indptr[edges[e, 1] + 1] += 1
    for x in range(n):
        indptr[x + 1] += indptr[x]
    fill = indptr[:-1].copy()
    nbr = np.empty(2 * m, dtype=np.int64)
    eid = np.empty(2 * m, dtype=np.int64)
    for r in range(m):
        e = lex[r]
        u = min(edges[e, 0], edges[e, 1])
        v = max(edges[e, 0], edges[e, 1])
        nbr[fill[u]] = v
        eid[fill[u]] = e
        fill[u] += 1
        nbr[fill[v]] = u
        eid[fill[v]] = e
        fill[v] += 1
    return indptr, nbr, eid


@numba.njit(cache=True)
def _unlink(w, a, indptr, deg, nbr, nval, nsg):
    """Remove the entry at position ``a`` of ``w``'s neighbour list: the last entry takes its
    place (the lists are unordered; every look-up goes through a marker)."""
    last = indptr[w] + deg[w] - 1
    nbr[a] = nbr[last]
    nval[a] = nval[last]
    nsg[a] = nsg[last]
    deg[w] -= 1


@numba.njit(cache=True)
def _mark(w, indptr, deg, nbr, stamp, where, tag):
    """Stamp ``w``'s current neighbours with ``tag`` and record their list positions."""
    for a in range(indptr[w], indptr[w] + deg[w]):
        stamp[nbr[a]] = tag
        where[nbr[a]] = a


@numba.njit(cache=True)
def _dominates(w, s_uw, n_members, members, msign, t, indptr, deg, nbr, nval, nsg, marks):
    """Whether ``w`` dominates all members at scale ``t``.

    Every member ``x ≠ w`` must be joined to ``w`` by an edge of value ``≤ t``, and the triangle
    ``u x w`` must have holonomy ``s_ux s_xw s_uw = +1`` (``msign`` holds ``s_ux``). ``w``'s
    neighbours are stamped in a vertex-indexed marker (``marks = (stamp, where, tick)``, a
    fresh tag per call: no clearing) and the members looked up in it — no branchy merge of two
    sorted lists — stopping at the first member that refutes ``w``.
    """
    stamp, where, tick = marks
    tick[0] += 1
    tag = tick[0]
    _mark(w, indptr, deg, nbr, stamp, where, tag)
    for q in range(n_members):
        x = members[q]
        if x == w:
            continue
        if stamp[x] != tag:
            return False
        a = where[x]
        if nval[a] > t or msign[q] * nsg[a] * s_uw < 0:
            return False
    return True


@numba.njit(cache=True)
def _find_dominator(n_members, members, msign, t, indptr, deg, nbr, nval, nsg, first, marks):
    """A member that dominates all members at scale ``t`` (its position), or -1.

    ``first`` (a position, or -1) is tried first: the member that joined earliest, closest to
    both ends of the edge, dominates most often; then the others in list order.
    """
    if first >= 0 and _dominates(
        members[first], msign[first], n_members, members, msign, t, indptr, deg, nbr, nval, nsg,
        marks,
    ):
        return first
    for c in range(n_members):
        if c != first and _dominates(
            members[c], msign[c], n_members, members, msign, t, indptr, deg, nbr, nval, nsg,
            marks,
        ):
            return c
    return -1


@numba.njit(cache=True)
def _collapse_pass(edges, cur, signs, indptr, deg, nbr, nval, nsg, visit):
    """One pass: raise each edge's value (in ``visit`` order) to where domination ends.

    ``cur`` (the current values, ``inf`` for removed edges) and the neighbour lists (removed
    edges unlinked, raised values updated) change in place; returns the number of edges whose
    value changed.
    """
    max_deg = 1
    for x in range(len(indptr) - 1):
        max_deg = max(max_deg, indptr[x + 1] - indptr[x])
    members = np.empty(max_deg, dtype=np.int64)
    msign = np.empty(max_deg)
    later_x = np.empty(max_deg, dtype=np.int64)
    later_t = np.empty(max_deg)
    later_s = np.empty(max_deg)
    n_vertices = len(indptr) - 1
    # vertex-indexed markers: u's neighbours (common-neighbour search) and a candidate
    # dominator's (``_dominates``); every use takes a fresh tag, so nothing is ever cleared
    stamp = np.full(n_vertices, -1, dtype=np.int64)
    where = np.empty(n_vertices, dtype=np.int64)
    marks = (np.full(n_vertices, -1, dtype=np.int64), np.empty(n_vertices, dtype=np.int64),
             np.zeros(1, dtype=np.int64))
    changed = 0
    for r in range(len(visit)):
        i = visit[r]
        f = cur[i]
        if f == np.inf:
            continue
        u = edges[i, 0]
        v = edges[i, 1]
        s_uv = signs[i]
        # balanced common neighbours x (triangle uvx of holonomy +1): members now (both
        # edges present at f), or later (from the scale of the second edge)
        n_members = 0
        n_later = 0
        earliest = -1
        t_earliest = np.inf
        # u's neighbours stamped, v's scanned: the common ones (and u's place in v's list)
        _mark(u, indptr, deg, nbr, stamp, where, r)
        at_v = -1
        for b in range(indptr[v], indptr[v] + deg[v]):
            x = nbr[b]
            if x == u:
                at_v = b
            if stamp[x] != r:
                continue
            a = where[x]
            t_x = max(nval[a], nval[b])
            if s_uv * nsg[a] * nsg[b] > 0:
                if t_x <= f:
                    if t_x < t_earliest:
                        earliest = n_members
                        t_earliest = t_x
                    members[n_members] = x
                    msign[n_members] = nsg[a]
                    n_members += 1
                else:
                    later_x[n_later] = x
                    later_t[n_later] = t_x
                    later_s[n_later] = nsg[a]
                    n_later += 1
        c = _find_dominator(
            n_members, members, msign, f, indptr, deg, nbr, nval, nsg, earliest, marks
        )
        if c < 0:
            continue  # not dominated at its own value: it stays
        dom = members[c]
        s_dom = msign[c]
        # dominated at f; the dominators only grow between the scales where a member joins,
        # so the first scale where none is left is one of those
        by_scale = np.argsort(later_t[:n_later])
        new_value = np.inf
        k = 0
        while k < n_later:
            t = later_t[by_scale[k]]
            still = True
            while k < n_later and later_t[by_scale[k]] <= t:
                q = by_scale[k]
                x = later_x[q]
                # x joins the members (their order is immaterial: look-ups go through markers)
                members[n_members] = x
                msign[n_members] = later_s[q]
                n_members += 1
                k += 1
                if still and x != dom:
                    # the marks hold dom's neighbours: _find_dominator's last (successful) test
                    known = marks[0][x] == marks[2][0]
                    pos = marks[1][x]
                    still = known and nval[pos] <= t and later_s[q] * nsg[pos] * s_dom > 0
            if not still:
                c = _find_dominator(
                    n_members, members, msign, t, indptr, deg, nbr, nval, nsg, -1, marks
                )
                if c < 0:
                    new_value = t
                    break
                dom = members[c]
                s_dom = msign[c]
        cur[i] = new_value
        at_u = where[v]  # v's place in u's list (u's neighbours were stamped with r)
        if new_value == np.inf:
            _unlink(u, at_u, indptr, deg, nbr, nval, nsg)
            _unlink(v, at_v, indptr, deg, nbr, nval, nsg)
        else:
            nval[at_u] = new_value
            nval[at_v] = new_value
        changed += 1
    return changed


def _in_filtration_order(edges, values) -> bool:
    """Whether the rows are already in the library's order (by value, then lexicographic)."""
    if len(values) < 2:
        return True
    dv = np.diff(values)
    if np.any(dv < 0):
        return False
    tied = np.flatnonzero(dv == 0)
    if tied.size == 0:
        return True
    a, b = edges[tied], edges[tied + 1]
    return bool(np.all((a[:, 0] < b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] < b[:, 1]))))


def collapse_values(
    n: int,
    edges,
    values,
    signs=None,
    *,
    max_passes: int = MAX_PASSES,
):
    """New edge values after the edge collapse (``inf``: the edge is removed).

    Parameters
    ----------
    n : int
        Number of vertices.
    edges : ndarray of shape (m, 2)
        Edges ``u < v``, no duplicates (any order).
    values : ndarray of shape (m,)
    signs : ndarray of shape (m,), optional
        ±1 per edge (the signed graph sheaf); default all +1 (the constant sheaf).
    max_passes : int, default=MAX_PASSES

    Returns
    -------
    ndarray of shape (m,)
        Values ``≥ values`` (``inf`` for removed edges), aligned with ``edges``.

    Examples
    --------
    A filled square: the diagonal (1, 3) at 1.5 makes the other diagonal dominated.

    >>> edges = np.array([[0, 1], [1, 2], [2, 3], [0, 3], [0, 2], [1, 3]])
    >>> collapse_values(4, edges, np.array([1, 1, 1, 1, 1.5, 1.5])).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.5, inf]
    """
    edges = np.ascontiguousarray(edges, dtype=np.int64).reshape(-1, 2)
    cur = np.array(values, dtype=np.float64).reshape(-1)
    m = len(edges)
    signs = np.ones(m) if signs is None else np.asarray(signs, dtype=np.float64).reshape(-1)
    if m == 0:
        return cur
    indptr, nbr, eid = full_adjacency(n, edges)
    deg = np.diff(indptr)
    # compact neighbour lists (4 + 8 + 1 bytes an entry): the pass streams through them
    nval = cur[eid]
    nsg = signs[eid].astype(np.int8)
    nbr = nbr.astype(np.int32)
    del eid
    for r in range(max_passes):
        if r == 0 and _in_filtration_order(edges, cur):
            visit = np.arange(m - 1, -1, -1, dtype=np.int64)
        else:
            visit = filtration_order(edges, cur)[::-1].astype(np.int64)
        if _collapse_pass(edges, cur, signs, indptr, deg, nbr, nval, nsg, visit) == 0:
            break
    return cur


def collapse_edges(filtration: FlagFiltration, signs=None, *, max_passes: int = MAX_PASSES):
    """Edge-collapse a flag filtration, keeping every bar of positive length.

    Valid for the constant sheaf (``signs=None``) and for the signed graph sheaf of ``signs``
    (orientation sheaves included): at every scale the collapsed graph's flag complex is a
    subcomplex of the original with isomorphic sheaf cohomology in every degree, so barcodes
    agree up to bars of length zero (``docs/sheaf_cohomology.md``, "Edge collapse").

    Parameters
    ----------
    filtration : FlagFiltration
    signs : array-like of shape (n_edges,), optional
        ±1 per edge of ``filtration`` (in its order); default the constant sheaf.
    max_passes : int, default=MAX_PASSES
        Passes over the edges, from the last to the first; stops early at a fixed point.

    Returns
    -------
    collapsed : FlagFiltration
        The kept edges with their (possibly raised) values, in the library's order; same
        vertices, labels and ``max_dimension``.
    kept : ndarray of int64
        For each edge of ``collapsed``, its row in ``filtration`` (``signs[kept]`` are its
        signs).

    Examples
    --------
    >>> F = FlagFiltration.from_edges(4, [(0, 1), (1, 2), (2, 3), (0, 3), (0, 2), (1, 3)],
    ...                               [1, 1, 1, 1, 1.5, 1.5])
    >>> G, kept = collapse_edges(F)
    >>> G.n_edges, kept.tolist()
    (5, [0, 1, 2, 3, 4])
    """
    cur = collapse_values(
        filtration.n_vertices, filtration.edges, filtration.values, signs, max_passes=max_passes
    )
    alive = np.flatnonzero(cur < np.inf)
    order = filtration_order(filtration.edges[alive], cur[alive])
    kept = alive[order].astype(np.int64)
    collapsed = FlagFiltration(
        filtration.n_vertices,
        filtration.edges[kept],
        cur[kept],
        filtration.vertex_labels,
        filtration.max_dimension,
        _VERIFIED_FLAG,
    )
    return collapsed, kept
