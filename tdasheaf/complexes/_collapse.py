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

Two kernels give the same values: neighbour lists with vertex-indexed markers, and on dense
graphs adjacency bitsets (common neighbours by a word-wise AND, domination at an edge's own value
by a few words per candidate; :func:`_use_bitsets`). Plain arrays in and out; the kernels are
compiled with numba.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from tdasheaf.complexes._filtered import _VERIFIED_FLAG, filtration_order
from tdasheaf.complexes._flag_filtration import FlagFiltration
from tdasheaf.complexes._gauge import balancing_gauge

__all__ = [
    "COLLAPSE_BYTES_PER_EDGE",
    "COLLAPSE_BYTES_PER_VERTEX",
    "MAX_PASSES",
    "collapse_bytes",
    "collapse_edges",
    "collapse_values",
    "full_adjacency",
]

#: Working set of :func:`collapse_values` per edge: the adjacency lists (neighbour, edge id,
#: current value and sign at both ends: 64), the edge slots (16), the new values, the visiting
#: order and its sort (32), and the collapsed copy of the edges, values and order (32). Dense
#: graphs add their adjacency bitsets, at most 16 more (:func:`collapse_bytes`).
COLLAPSE_BYTES_PER_EDGE = 144
#: Bytes per edge the bitset pass may take for its adjacency bitsets (:func:`_use_bitsets`).
BITSET_BYTES_PER_EDGE = 16
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
def _by_lists(i, r, edges, cur, signs, indptr, deg, nbr, nval, nsg, lists, marks):
    """Edge ``i`` (visited ``r``-th): raise its value to where domination ends, by its lists.

    ``lists = (stamp, where, members, msign, later_x, later_t, later_s)`` are the pass's work
    buffers. ``cur`` and the neighbour lists change in place (a removed edge is unlinked, a
    raised one updated); returns the new value (``cur[i]`` unchanged when not dominated).
    """
    stamp, where, members, msign, later_x, later_t, later_s = lists
    f = cur[i]
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
    c = _find_dominator(n_members, members, msign, f, indptr, deg, nbr, nval, nsg, earliest, marks)
    if c < 0:
        return f  # not dominated at its own value: it stays
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
    return new_value


@numba.njit(cache=True)
def _pass_buffers(indptr):
    """The list path's work buffers (``lists``, ``marks``), sized by the largest degree."""
    max_deg = 1
    for x in range(len(indptr) - 1):
        max_deg = max(max_deg, indptr[x + 1] - indptr[x])
    n_vertices = len(indptr) - 1
    # vertex-indexed markers: u's neighbours (common-neighbour search) and a candidate
    # dominator's (``_dominates``); every use takes a fresh tag, so nothing is ever cleared
    lists = (
        np.full(n_vertices, -1, dtype=np.int64),
        np.empty(n_vertices, dtype=np.int64),
        np.empty(max_deg, dtype=np.int64),
        np.empty(max_deg),
        np.empty(max_deg, dtype=np.int64),
        np.empty(max_deg),
        np.empty(max_deg),
    )
    marks = (
        np.full(n_vertices, -1, dtype=np.int64),
        np.empty(n_vertices, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
    )
    return lists, marks


@numba.njit(cache=True)
def _collapse_pass(edges, cur, signs, indptr, deg, nbr, nval, nsg, visit):
    """One pass: raise each edge's value (in ``visit`` order) to where domination ends.

    ``cur`` (the current values, ``inf`` for removed edges) and the neighbour lists (removed
    edges unlinked, raised values updated) change in place; returns the number of edges whose
    value changed.
    """
    lists, marks = _pass_buffers(indptr)
    changed = 0
    for r in range(len(visit)):
        i = visit[r]
        f = cur[i]
        if f == np.inf:
            continue
        if _by_lists(i, r, edges, cur, signs, indptr, deg, nbr, nval, nsg, lists, marks) != f:
            changed += 1
    return changed


def _bitset_bytes(n: int, signed: bool) -> int:
    """Bytes of the bitset pass's two adjacency bitsets on ``n`` vertices."""
    return 2 * (2 if signed else 1) * n * ((n + 63) // 64) * 8


def collapse_bytes(n: int, m: int, signed: bool = True) -> int:
    """Working set of :func:`collapse_values` on ``m`` edges and ``n`` vertices, in bytes.

    The neighbour lists and edge buffers (:data:`COLLAPSE_BYTES_PER_EDGE`,
    :data:`COLLAPSE_BYTES_PER_VERTEX`) plus, on dense graphs, the adjacency bitsets
    (``signed``: the signs may be negative, two sign classes; an upper bound either way).

    Examples
    --------
    >>> collapse_bytes(2000, 399_800, signed=False) - 144 * 399_800 - 80 * 2000
    1024000
    """
    need = COLLAPSE_BYTES_PER_EDGE * m + COLLAPSE_BYTES_PER_VERTEX * n
    # signed: the signs may still all be +1 (one sign class), which may take the bitsets
    cases = (False, True) if signed else (False,)
    return need + max(_bitset_bytes(n, s) if _use_bitsets(n, m, s) else 0 for s in cases)


def _use_bitsets(n: int, m: int, signed: bool) -> bool:
    """Whether :func:`_collapse_pass_bits` serves a graph: when its bitsets (the current graph
    and the graph at the current scale, one row of ``ceil(n / 64)`` words per vertex and sign)
    take at most :data:`BITSET_BYTES_PER_EDGE` bytes per edge. Then a row is at most half the
    mean degree in words, and a word-wise AND beats the merge of two neighbour lists."""
    return _bitset_bytes(n, signed) <= BITSET_BYTES_PER_EDGE * m


@numba.njit(cache=True)
def _set_bit(rows, c, x, y):
    """Set bit ``y`` of row ``(c, x)``."""
    rows[c, x, y >> 6] |= np.uint64(1) << np.uint64(y & 63)


@numba.njit(cache=True)
def _clear_edge(rows, c, x, y):
    """Clear the edge ``xy`` of sign class ``c`` (both rows; a no-op if absent)."""
    rows[c, x, y >> 6] &= ~(np.uint64(1) << np.uint64(y & 63))
    rows[c, y, x >> 6] &= ~(np.uint64(1) << np.uint64(x & 63))


@numba.njit(cache=True)
def _covered(now, cw, w, cp, cm, signed):
    """Whether ``w`` (sign class ``cw`` of ``uw``) dominates the members ``cp`` (``ux``
    positive) and ``cm`` (negative) in the graph ``now``: each member ``x ≠ w`` is joined to
    ``w`` by an edge of sign ``s_ux s_uw`` (the triangle ``u x w`` balanced)."""
    jw = w >> 6
    own = ~(np.uint64(1) << np.uint64(w & 63))
    for j in range(len(cp)):
        miss = cp[j] & ~now[cw, w, j]
        if signed:
            miss |= cm[j] & ~now[1 - cw, w, j]
        if j == jw:
            miss &= own
        if miss:
            return False
    return True


@numba.njit(cache=True)
def _collapse_pass_bits(edges, cur, signs, indptr, deg, nbr, nval, nsg, visit, signed):
    """:func:`_collapse_pass` with the common neighbours and the domination test at an edge's
    own value done on adjacency bitsets (word-wise AND); the same values.

    ``now`` holds the graph at the current scale (edges of current value ``≤ f``; rows by sign
    class: 0 for ``+1``, 1 for ``-1``), kept exact along the decreasing sweep: a removed or
    raised edge leaves it at once, an edge kept at ``f`` when the sweep goes below ``f``.
    ``full`` holds every current edge. An edge dominated at ``f`` with no balanced common
    neighbour that joins later is removed here; one with such neighbours (the rare case) goes
    through :func:`_by_lists`, which finds the first scale where domination ends.
    """
    n = len(indptr) - 1
    words = (n + 63) >> 6
    n_class = 2 if signed else 1
    full = np.zeros((n_class, n, words), dtype=np.uint64)
    now = np.zeros((n_class, n, words), dtype=np.uint64)
    for x in range(n):
        for a in range(indptr[x], indptr[x] + deg[x]):
            c = 0 if nsg[a] > 0 else 1
            _set_bit(full, c, x, nbr[a])
            if nval[a] < np.inf:
                _set_bit(now, c, x, nbr[a])
    cp = np.zeros(words, dtype=np.uint64)
    cm = np.zeros(words, dtype=np.uint64)
    lists, marks = _pass_buffers(indptr)
    changed = 0
    run_start = 0
    run_f = np.inf
    for r in range(len(visit)):
        i = visit[r]
        f = cur[i]
        if f == np.inf:
            continue
        if f < run_f:
            # the edges kept at run_f are not in the graph at f
            for q in range(run_start, r):
                e = visit[q]
                if cur[e] == run_f:
                    _clear_edge(now, 0 if signs[e] > 0 else 1, edges[e, 0], edges[e, 1])
            run_start = r
            run_f = f
        u = edges[i, 0]
        v = edges[i, 1]
        cu = 0 if signs[i] > 0 else 1
        # balanced common neighbours x at f, by the sign of ux (s_vx = s_uv s_ux)
        found = False
        for j in range(words):
            cp[j] = now[0, u, j] & now[cu, v, j]
            if signed:
                cm[j] = now[1, u, j] & now[1 - cu, v, j]
                found = found or cm[j] != 0
            found = found or cp[j] != 0
        if not found:
            continue  # no member: not dominated, it stays
        dominated = False
        for cw in range(n_class):
            side = cp if cw == 0 else cm
            for j in range(words):
                bits = side[j]
                while bits and not dominated:
                    w = (j << 6) + np.int64(trailing_zeros(bits))
                    bits &= bits - np.uint64(1)
                    dominated = _covered(now, cw, w, cp, cm, signed)
                if dominated:
                    break
            if dominated:
                break
        if not dominated:
            continue
        later = False
        for j in range(words):
            rest = (full[0, u, j] & full[cu, v, j]) & ~cp[j]
            if signed:
                rest |= (full[1, u, j] & full[1 - cu, v, j]) & ~cm[j]
            if rest:
                later = True
                break
        if later:
            new_value = _by_lists(
                i, r, edges, cur, signs, indptr, deg, nbr, nval, nsg, lists, marks
            )
        else:
            new_value = np.inf
            cur[i] = new_value
            for end in range(2):
                x = edges[i, end]
                y = edges[i, 1 - end]
                for a in range(indptr[x], indptr[x] + deg[x]):
                    if nbr[a] == y:
                        _unlink(x, a, indptr, deg, nbr, nval, nsg)
                        break
        if new_value != f:
            changed += 1
            # raised or removed: not in the graph at f (nor below); removed: not at all
            _clear_edge(now, cu, u, v)
            if new_value == np.inf:
                _clear_edge(full, cu, u, v)
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
    bitsets: bool | None = None,
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
    bitsets : bool, optional
        Find common neighbours and test domination on adjacency bitsets (``True``) or by
        neighbour lists (``False``); the values are the same. Default: bitsets when they take
        at most 16 bytes per edge (dense graphs: a row of ``ceil(n / 64)`` words is at most
        half the mean degree). ``True`` forces them whatever their size:
        ``16 · n · ceil(n / 64)`` bytes per sign class, 2.5 GB on 100,000 vertices.

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
    signed = bool(np.any(signs < 0))
    if signed and balancing_gauge(n, edges, signs)[0]:
        # every cycle has sign product +1 (an orientable sample's orientation sheaf): the
        # balance conditions all hold, the collapse is the constant sheaf's (one sign class)
        signs = np.ones(m)
        nsg[:] = 1
        signed = False
    bits = _use_bitsets(n, m, signed) if bitsets is None else bitsets
    for r in range(max_passes):
        if r == 0 and _in_filtration_order(edges, cur):
            visit = np.arange(m - 1, -1, -1, dtype=np.int64)
        else:
            visit = filtration_order(edges, cur)[::-1].astype(np.int64)
        if bits:
            changed = _collapse_pass_bits(
                edges, cur, signs, indptr, deg, nbr, nval, nsg, visit, signed
            )
        else:
            changed = _collapse_pass(edges, cur, signs, indptr, deg, nbr, nval, nsg, visit)
        if changed == 0:
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
