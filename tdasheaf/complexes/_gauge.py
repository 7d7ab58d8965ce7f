"""Union–find with gauges: balance of a signed graph, and the gauge that trivialises it.

A signed graph (a sign ``s_e = ±1`` per edge) is *balanced* when every cycle has sign product
+1; then, and only then, there is a gauge ``g ∈ {±1}^n`` with ``g_i g_j = s_ij`` on every edge,
and the signed graph sheaf is isomorphic to the constant one (multiply the stalk at ``i`` by
``g_i``). One union–find serves the flag engine's H^0 (:mod:`tdasheaf.cohomology._flag`), the
edge collapse (:mod:`tdasheaf.complexes._collapse`) and
:func:`tdasheaf.cohomology.connection_spectrum`. Plain arrays in and out; compiled with numba.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["balancing_gauge"]


@numba.njit(cache=True)
def _root(parent, gauge, x):
    """Root of ``x`` and the gauge ``g`` with ``x_x = g · x_root`` (path halving keeps both)."""
    g = 1.0
    while parent[x] != x:
        p = parent[x]
        if parent[p] != p:  # halve: x now points to its grandparent
            gauge[x] *= gauge[p]
            parent[x] = parent[p]
        g *= gauge[x]
        x = parent[x]
    return x, g


@numba.njit(cache=True)
def balancing_gauge(n, edges, signs):
    """``(True, g)`` with ``g ∈ {±1}^n`` and ``g_i g_j = sign(signs_e)`` on every edge ``ij``, or
    ``(False, ones)`` when none exists (a cycle with an odd number of negative signs).

    Examples
    --------
    >>> ok, g = balancing_gauge(3, np.array([[0, 1], [1, 2]]), np.array([-1.0, -1.0]))
    >>> bool(ok), g.tolist()
    (True, [1.0, -1.0, 1.0])
    >>> bool(balancing_gauge(3, np.array([[0, 1], [1, 2], [0, 2]]), np.array([-1.0, 1, 1]))[0])
    False
    """
    parent = np.arange(n)
    gauge = np.ones(n)
    for e in range(len(edges)):
        sign = 1.0 if signs[e] > 0 else -1.0
        ru, gu = _root(parent, gauge, edges[e, 0])
        rv, gv = _root(parent, gauge, edges[e, 1])
        if ru == rv:
            if gu != sign * gv:
                return False, np.ones(n)
        else:  # x_rv = g · x_ru with g chosen so that x_u = sign · x_v
            parent[rv] = ru
            gauge[rv] = gu * sign * gv
    g = np.empty(n)
    for v in range(n):
        g[v] = _root(parent, gauge, v)[1]
    return True, g
