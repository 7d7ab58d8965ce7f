"""Signed graph sheaves (rank-1 local systems given by edge signs), extended to all simplices.

Given a sign ``s_ij = ±1`` on every edge ``i < j`` (e.g. ``det O_ij`` of aligned local frames,
DESIGN.md §5), the sheaf has stalk 𝕜 on vertices and edges with ``F_{i⊲ij} = 1`` and
``F_{j⊲ij} = s_ij``, so a section satisfies ``x_i = s_ij x_j``. A simplex of dimension ≥ 2 gets
stalk 𝕜 when every triangle in it has sign holonomy ``s_ab s_bc s_ac = +1`` (transport along its
edges is then path independent) and stalk 0 otherwise; its frame is that of its smallest
vertex, so the map from a face is the transport between the two smallest vertices:
``F_{σ⊲τ} = 1`` when σ contains τ's smallest vertex, and ``s_{τ0 τ1}`` when σ = τ without it.
This is the largest consistent extension: δ∘δ = 0 holds exactly, and the maps are integers, so
persistent H^0 and H^1 are exact.
"""

from __future__ import annotations

import numpy as np

from tdasheaf.complexes import FilteredComplex
from tdasheaf.exceptions import InvalidSheafError
from tdasheaf.sheaves._sheaf import CellularSheaf

__all__ = ["signed_graph_sheaf"]


def _first_edge(K: FilteredComplex, k: int) -> np.ndarray:
    """Row in ``K.simplices[1]`` of the edge (τ0, τ1) of every k-simplex τ (k >= 1)."""
    idx = np.arange(len(K.simplices[k]))
    for d in range(k, 1, -1):
        idx = K.boundaries[d][idx, d]  # drop the last vertex
    return idx


def signed_graph_sheaf(complex: FilteredComplex, edge_signs, *, validate: bool = False):
    """The rank-1 sheaf of an edge-signed complex (see the module docstring).

    Parameters
    ----------
    complex : FilteredComplex
    edge_signs : array-like of shape (n_edges,)
        ``+1`` or ``-1`` per edge, aligned with ``complex.simplices[1]``.
    validate : bool, default=False
        Re-check δ∘δ = 0 (it holds by construction).

    Examples
    --------
    A filled triangle whose edge signs have holonomy −1 gets a zero stalk on the triangle:

    >>> K = FilteredComplex.from_simplices(
    ...     [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2), (0, 1, 2)])
    >>> F = signed_graph_sheaf(K, [1, 1, -1])
    >>> F.stalk_dims[2]
    array([0])
    """
    K = complex
    n_dims = len(K.simplices)
    if n_dims < 2:
        signs = np.empty(0)
    else:
        signs = np.asarray(edge_signs, dtype=np.float64).reshape(-1)
        if signs.shape != (len(K.simplices[1]),):
            raise InvalidSheafError(
                f"edge_signs must have one entry per edge ({len(K.simplices[1])}), "
                f"got shape {np.shape(edge_signs)}."
            )
        if not np.all(np.abs(signs) == 1):
            raise InvalidSheafError("edge_signs must contain only +1 and -1.")
    dims = [np.ones(len(K.simplices[0]), dtype=np.int64)]
    Rs = []
    for k in range(1, n_dims):
        n_k = len(K.simplices[k])
        B = K.boundaries[k]
        if k == 1:
            d = np.ones(n_k, dtype=np.int64)
        elif k == 2:
            hol = signs[B[:, 0]] * signs[B[:, 1]] * signs[B[:, 2]]
            d = (hol > 0).astype(np.int64)
        else:
            d = dims[k - 1][B].min(axis=1) if n_k else np.zeros(0, dtype=np.int64)
        R = np.ones((n_k, k + 1, 1, 1))
        if n_k:
            R[:, 0, 0, 0] = signs[_first_edge(K, k)]
        dims.append(d)
        Rs.append(R)
    sheaf = CellularSheaf.from_arrays(K, dims, Rs, validate=validate)
    sheaf._cache["edge_signs"] = signs
    sheaf._cache["checked"] = True
    return sheaf
