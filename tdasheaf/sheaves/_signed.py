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

from tdasheaf.complexes import FilteredComplex, FlagFiltration
from tdasheaf.exceptions import InvalidSheafError
from tdasheaf.sheaves._sheaf import CellularSheaf, _LazyKind

__all__ = ["SignedGraphSheaf", "signed_graph_sheaf"]


def _first_edge(K: FilteredComplex, k: int) -> np.ndarray:
    """Row in ``K.simplices[1]`` of the edge (τ0, τ1) of every k-simplex τ (k >= 1)."""
    idx = np.arange(len(K.simplices[k]))
    for d in range(k, 1, -1):
        idx = K.boundaries[d][idx, d]  # drop the last vertex
    return idx


class SignedGraphSheaf(_LazyKind):
    """The rank-1 sheaf of an edge-signed complex (see the module docstring).

    A sheaf *kind*: the engines recognise it by its type and read its ``edge_signs`` directly
    (the implicit flag engine on a :class:`~tdasheaf.complexes.FlagFiltration` or a flag
    complex). Build it with :func:`signed_graph_sheaf` (or :func:`orientation_sheaf`).

    Attributes
    ----------
    filtration : FilteredComplex or FlagFiltration
    edge_signs : ndarray of shape (n_edges,)
        ±1 per edge, aligned with the filtration's edges (``complex.simplices[1]``, or
        ``FlagFiltration.edges``; the two orders agree). Read-only.
    """

    def __init__(self, complex, edge_signs):
        super().__init__(complex)
        n_edges = _n_edges(complex)
        signs = np.array(edge_signs, dtype=np.float64).reshape(-1) if n_edges else np.empty(0)
        if signs.shape != (n_edges,):
            raise InvalidSheafError(
                f"edge_signs must have one entry per edge ({n_edges}), "
                f"got shape {np.shape(edge_signs)}."
            )
        if not np.all(np.abs(signs) == 1):
            raise InvalidSheafError("edge_signs must contain only +1 and -1.")
        signs.flags.writeable = False
        object.__setattr__(self, "edge_signs", signs)

    def _args(self):
        return (self.filtration, self.edge_signs)

    def __repr__(self) -> str:
        n_negative = int((self.edge_signs < 0).sum())
        return f"SignedGraphSheaf({self.filtration!r}, n_negative={n_negative})"

    def _arrays(self, K: FilteredComplex):
        signs = self.edge_signs
        n_dims = len(K.simplices)
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
        general = CellularSheaf.from_arrays(K, dims, Rs, validate=False)
        return general.stalk_dims, general.restrictions


def _n_edges(K) -> int:
    if isinstance(K, FlagFiltration):
        return K.n_edges
    return len(K.simplices[1]) if len(K.simplices) > 1 else 0


def signed_graph_sheaf(
    complex: FilteredComplex | FlagFiltration, edge_signs, *, validate: bool = False
) -> SignedGraphSheaf:
    """The rank-1 sheaf of an edge-signed complex (see the module docstring).

    Parameters
    ----------
    complex : FilteredComplex or FlagFiltration
    edge_signs : array-like of shape (n_edges,)
        ``+1`` or ``-1`` per edge, aligned with ``complex.simplices[1]`` (or
        ``FlagFiltration.edges``).
    validate : bool, default=False
        Re-check δ∘δ = 0 (it holds by construction).

    Returns
    -------
    SignedGraphSheaf
        A :class:`CellularSheaf` whose arrays are built on first access.

    Examples
    --------
    A filled triangle whose edge signs have holonomy −1 gets a zero stalk on the triangle:

    >>> K = FilteredComplex.from_simplices(
    ...     [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2), (0, 1, 2)])
    >>> F = signed_graph_sheaf(K, [1, 1, -1])
    >>> F.stalk_dims[2]
    array([0])
    """
    sheaf = SignedGraphSheaf(complex, edge_signs)
    if validate:
        sheaf.check()
    return sheaf
