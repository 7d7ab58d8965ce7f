"""Small triangulated surfaces and their orientation (sign) local systems.

Test fixtures for the orientation-sheaf oracle of DESIGN.md §4 (oracle 5): on a triangulated
surface, the rank-1 sheaf whose edge maps are the orientation signs has cohomology given by
twisted Poincaré duality, ``H^k(S; o) ≅ H_{2-k}(S; 𝕜)`` (characteristic ≠ 2).

Grid surfaces (``"cylinder"``, ``"mobius"``, ``"torus"``, ``"klein"``) are built on an
``n × m`` grid of vertices, vertex ``(i, j)`` labelled ``i * m + j``; the direction ``i``
always closes up (with a reflection ``j ↦ -j`` for the Möbius band and the Klein bottle), the
direction ``j`` closes up for the torus and the Klein bottle only. Every grid square
``(i, j), (i+1, j), (i, j+1), (i+1, j+1)`` is cut along the diagonal ``(i, j)–(i+1, j+1)``.
Edges that cross the reflected seam between column ``n - 1`` and column ``0`` carry the sign
``-1``; every other edge ``+1``. ``"rp2"`` is the 6-vertex real projective plane, whose signs
come from coherent orientations of the vertex stars (:func:`orientation_signs`).

Only numpy is needed; the module imports from :mod:`tdasheaf.complexes` and
:mod:`tdasheaf.sheaves` only.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tdasheaf.complexes import FilteredComplex
from tdasheaf.sheaves import CellularSheaf, signed_graph_sheaf

__all__ = ["SURFACES", "orientation_signs", "sign_sheaf", "triangulated_surface"]

#: Names accepted by :func:`triangulated_surface`.
SURFACES = ("cylinder", "mobius", "torus", "klein", "rp2")

# The 6-vertex real projective plane (half of the icosahedron, antipodal quotient).
_RP2_TRIANGLES = (
    (0, 1, 2), (0, 2, 3), (0, 3, 4), (0, 4, 5), (0, 1, 5),
    (1, 2, 4), (2, 3, 5), (1, 3, 4), (2, 4, 5), (1, 3, 5),
)  # fmt: skip

# smallest grids on which the construction is a simplicial complex with surface links
_MIN_SIZE = {"cylinder": (3, 2), "mobius": (3, 2), "torus": (3, 3), "klein": (3, 3)}


def _grid_triangles(name: str, n: int, m: int):
    """Triangles (sorted vertex tuples) of a grid surface and the set of seam-crossing edges."""
    twisted = name in ("mobius", "klein")
    wrap_j = name in ("torus", "klein")

    def vertex(i: int, j: int) -> int:
        if i == n:  # across the seam
            i = 0
            if twisted:
                j = (m - 1 - j) if not wrap_j else (-j) % m
        return i * m + (j % m if wrap_j else j)

    triangles = set()
    seam = set()
    for i in range(n):
        for j in range(m if wrap_j else m - 1):
            a, b = vertex(i, j), vertex(i + 1, j)
            c, d = vertex(i, j + 1), vertex(i + 1, j + 1)
            triangles.add(tuple(sorted((a, b, d))))
            triangles.add(tuple(sorted((a, c, d))))
            if twisted and i == n - 1:
                for u in (a, c):  # column n - 1
                    for w in (b, d):  # column 0, reflected
                        seam.add((min(u, w), max(u, w)))
    return sorted(triangles), seam


def _closure(triangles) -> list[tuple[int, ...]]:
    """All vertices, edges and triangles of a list of triangles, by dimension then label."""
    verts = sorted({(v,) for t in triangles for v in t})
    edges = sorted({(t[a], t[b]) for t in triangles for a in range(3) for b in range(a + 1, 3)})
    return [*verts, *edges, *sorted(triangles)]


def orientation_signs(triangles) -> dict[tuple[int, int], int]:
    """Edge signs of the orientation local system of a triangulated surface.

    Each vertex star (a disk) is oriented coherently, starting from its first triangle; an
    edge ``(i, j)`` gets ``+1`` when the orientations of the stars of ``i`` and ``j`` agree on
    the triangles containing the edge, ``-1`` otherwise. The result is a ±1 cocycle (trivial
    holonomy around every triangle) representing the first Stiefel–Whitney class, so it is a
    coboundary (all signs can be gauged to ``+1``) exactly when the surface is orientable.

    Parameters
    ----------
    triangles : sequence of 3-tuples of int
        The triangles of a combinatorial surface (with or without boundary).

    Returns
    -------
    dict
        ``(i, j) -> ±1`` for every edge, ``i < j``.

    Examples
    --------
    A disk (two triangles) is orientable: its signs are a coboundary, ``sign(ij) = g_i g_j``
    with ``g = (1, 1, 1, -1)``.

    >>> orientation_signs([(0, 1, 2), (1, 2, 3)])
    {(0, 1): 1, (0, 2): 1, (1, 2): 1, (1, 3): -1, (2, 3): -1}
    """
    tris = [tuple(sorted(int(v) for v in t)) for t in triangles]
    by_edge: dict[tuple[int, int], list[int]] = {}
    for k, t in enumerate(tris):
        for a in range(3):
            e = tuple(v for p, v in enumerate(t) if p != a)
            by_edge.setdefault(e, []).append(k)

    def induced(k: int, e: tuple[int, int]) -> int:
        # sign of edge e in the boundary of the sorted triangle k: (-1)^(dropped position)
        return -1 if tris[k].index(next(v for v in tris[k] if v not in e)) == 1 else 1

    star: dict[int, dict[int, int]] = {}
    for v in sorted({v for t in tris for v in t}):
        members = [k for k, t in enumerate(tris) if v in t]
        orient = {members[0]: 1}
        stack = [members[0]]
        while stack:
            k = stack.pop()
            for e in ((v, w) if v < w else (w, v) for w in tris[k] if w != v):
                for k2 in by_edge[e]:
                    if k2 != k and k2 not in orient:
                        # coherent: the two triangles induce opposite orientations on e
                        orient[k2] = -orient[k] * induced(k, e) * induced(k2, e)
                        stack.append(k2)
        star[v] = orient
    return {
        e: int(star[e[0]][ks[0]] * star[e[1]][ks[0]]) for e, ks in sorted(by_edge.items())
    }


def triangulated_surface(name: str, n: int = 4, m: int = 4):
    """A small triangulated surface and its orientation signs.

    Parameters
    ----------
    name : {"cylinder", "mobius", "torus", "klein", "rp2"}
        The surface. Grid surfaces are described in the module docstring; ``"rp2"`` is the
        6-vertex real projective plane (``n`` and ``m`` are ignored).
    n, m : int, default=4
        Grid size: ``n`` columns around the closed (possibly reflected) direction, ``m`` rows.
        Smallest sizes that give a simplicial complex with surface links: cylinder and Möbius
        band ``3 × 2``, torus and Klein bottle ``3 × 3``.

    Returns
    -------
    simplices : list of tuple of int
        Every vertex, edge and triangle (sorted vertex labels), ready for
        :meth:`~tdasheaf.complexes.FilteredComplex.from_simplices`.
    edge_signs : dict
        ``(i, j) -> ±1`` (``i < j``) for every edge: the orientation local system. Its
        holonomy around every triangle is ``+1``.

    Examples
    --------
    >>> simplices, signs = triangulated_surface("mobius", 5, 2)
    >>> counts = np.bincount([len(s) for s in simplices])[1:]
    >>> counts.tolist(), int(counts[0] - counts[1] + counts[2])   # Euler characteristic
    ([10, 20, 10], 0)
    >>> sorted(e for e, s in signs.items() if s < 0)   # the edges across the reflected seam
    [(0, 8), (0, 9), (1, 8)]
    """
    if name not in SURFACES:
        raise ValueError(f"name must be one of {SURFACES}, got {name!r}.")
    if name == "rp2":
        triangles = list(_RP2_TRIANGLES)
        signs = orientation_signs(triangles)
        return _closure(triangles), signs
    for value, label in ((n, "n"), (m, "m")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{label} must be an integer, got {value!r}.")
    n_min, m_min = _MIN_SIZE[name]
    if n < n_min or m < m_min:
        raise ValueError(
            f"a {name} grid needs n >= {n_min} and m >= {m_min} to be a simplicial complex "
            f"with surface links, got n={n}, m={m}."
        )
    triangles, seam = _grid_triangles(name, int(n), int(m))
    simplices = _closure(triangles)
    signs = {s: (-1 if s in seam else 1) for s in simplices if len(s) == 2}
    return simplices, signs


def sign_sheaf(complex: FilteredComplex, edge_signs: Mapping) -> CellularSheaf:
    """The rank-1 sheaf of a ±1 local system given as a dict of edge signs.

    ``F_{i⊲ij} = 1`` and ``F_{j⊲ij} = sign(ij)`` for every edge ``i < j``. A simplex whose
    triangles all have holonomy ``sign(ab) sign(bc) sign(ac) = +1`` gets the stalk 𝕜, in the
    frame of its smallest vertex: the map from a face is ``1``, except from the face without
    the smallest vertex, where it is the transport ``sign(v0 v1)`` between the two smallest
    vertices. A simplex containing a triangle of holonomy ``-1`` gets the stalk 0 (the largest
    consistent extension, DESIGN.md §5). δ∘δ = 0 holds exactly.

    A dict-keyed front end to :func:`tdasheaf.sheaves.signed_graph_sheaf` (which takes one sign
    per row of ``complex.simplices[1]``), for the output of :func:`triangulated_surface`.

    Parameters
    ----------
    complex : FilteredComplex
    edge_signs : mapping
        ``(i, j) -> ±1`` keyed by vertex labels, in either order; edges not listed get ``+1``.

    Returns
    -------
    CellularSheaf

    Examples
    --------
    The boundary of a triangle with one twisted edge has no cohomology over GF(3):

    >>> from tdasheaf.cohomology import sheaf_persistence
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)])
    >>> F = sign_sheaf(K, {(0, 2): -1})
    >>> F.restrictions[1][:, :, 0, 0]   # rows (0, 1), (0, 2), (1, 2); faces without v0, v1
    array([[ 1.,  1.],
           [-1.,  1.],
           [ 1.,  1.]])
    >>> {q: len(b) for q, b in sheaf_persistence(F, degrees=(0, 1), field=3).items()}
    {0: 0, 1: 0}
    """
    K = complex
    table: dict[tuple[int, int], int] = {}
    for key, s in dict(edge_signs).items():
        i, j = (int(v) for v in key)
        if s not in (1, -1):
            raise ValueError(f"edge sign of {key} must be +1 or -1, got {s!r}.")
        table[(min(i, j), max(i, j))] = int(s)
    edges = K.simplices[1] if len(K.simplices) > 1 else np.empty((0, 2), dtype=np.int64)
    signs = np.array([table.get((int(a), int(b)), 1) for a, b in edges], dtype=np.float64)
    return signed_graph_sheaf(K, signs)
