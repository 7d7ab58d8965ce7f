"""Scales and summaries that the feature estimators read off a filtration.

Numeric kernels moved out of the estimator layer (issue 16), each on plain arrays or a
:class:`~tdasheaf.complexes.FilteredComplex`, each tested on its own
(``tests/test_classical.py``):

* :func:`complex_edge_scales` — the connectivity scale of a filtered complex (the longest edge
  of a minimum spanning tree of its 1-skeleton) and its edge values up to a cap
  (:class:`~tdasheaf.estimators.SheafLaplacianSpectrum`'s relative scales);
* :func:`orientability` — how many global orientations are alive where the graph connects, and
  for how long (:class:`~tdasheaf.estimators.SheafFeatures`' orientation columns);
* :func:`mean_degree_normalised` — Laplacian eigenvalues divided by the mean vertex degree of
  the graph at each scale (its tangent spectra).
"""

from __future__ import annotations

import numpy as np

from tdasheaf.cohomology._persistence import flag_persistence
from tdasheaf.geometry import minimum_spanning_forest

__all__ = ["complex_edge_scales", "mean_degree_normalised", "orientability"]


def complex_edge_scales(K, max_edge_length: float = np.inf) -> tuple[float, np.ndarray]:
    """Connectivity scale of a filtered complex and its edge values ``<= max_edge_length``.

    The connectivity scale is the longest edge of a minimum spanning tree of the 1-skeleton
    (:func:`tdasheaf.geometry.minimum_spanning_forest`): the death of the last finite H⁰ bar.
    It is ``inf`` when the graph up to the cap is not connected, ``0`` for a single vertex.

    Parameters
    ----------
    K : FilteredComplex
        Any filtered complex (vertex labels may be landmark indices).
    max_edge_length : float, default=inf

    Returns
    -------
    scale : float
    values : ndarray
        The edge values ``<= max_edge_length``, in filtration order.

    Examples
    --------
    >>> from tdasheaf.complexes import rips_complex
    >>> K = rips_complex(np.array([[0.0], [1.0], [3.0]]), max_dimension=1)
    >>> complex_edge_scales(K)
    (2.0, array([1., 2., 3.]))
    >>> complex_edge_scales(K, 1.5)
    (inf, array([1.]))
    """
    n = K.n_vertices
    if len(K.simplices) < 2 or len(K.simplices[1]) == 0:
        return (0.0 if n <= 1 else np.inf), np.empty(0)
    values = K.filtrations[1]
    values = values[values <= max_edge_length]
    if n <= 1:
        return 0.0, values
    E = K.simplices[1][: len(values)]
    position = np.zeros(int(K.vertex_labels.max()) + 1, dtype=np.int64)
    position[K.vertex_labels] = np.arange(n)
    _, _, tree = minimum_spanning_forest(n, position[E[:, 0]], position[E[:, 1]], values)
    if len(tree) < n - 1:
        return np.inf, values
    return float(tree.max()), values


def orientability(
    n_vertices: int, edges, values, signs, field=None, *, section_bars=None
) -> np.ndarray:
    """Global orientations at the scale where the graph becomes connected.

    ``t_c`` is the largest finite death of the constant sheaf's H⁰ on the flag filtration
    (the connectivity scale; ``0`` if no component ever merges). Returns the number of H⁰
    classes of the signed sheaf (:func:`~tdasheaf.sheaves.signed_graph_sheaf` of ``signs``:
    global orientations) alive at ``t_c`` and how long the longest survives after it, up to the
    largest edge value: 1 and a long lifetime on orientable samples, 0 and 0 on non-orientable
    ones.

    Parameters
    ----------
    n_vertices : int
    edges : array-like of shape (m, 2)
    values : array-like of shape (m,)
        Edge values, as for :func:`~tdasheaf.cohomology.flag_persistence`.
    signs : array-like of shape (m,)
        ±1 per edge.
    field : int, optional
        Prime of GF(p) (odd: signs must survive); default GF(65521).
    section_bars : ndarray of shape (k, 2), optional
        The signed sheaf's H⁰ bars if already computed (else computed here).

    Returns
    -------
    ndarray of shape (2,)
        ``[number alive at t_c, longest lifetime after t_c]``.

    Examples
    --------
    A square whose diagonals come later: connected at 1; with an even number of −1 signs the
    orientation survives to the end (1.5), with an odd number (a Möbius twist) none exists.

    >>> edges = [(0, 1), (1, 2), (2, 3), (0, 3), (0, 2), (1, 3)]
    >>> values = [1, 1, 1, 1, 1.5, 1.5]
    >>> orientability(4, edges, values, [1, 1, -1, -1, 1, -1], 3)
    array([1. , 0.5])
    >>> orientability(4, edges, values, [1, 1, 1, -1, 1, 1], 3)
    array([0., 0.])
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if section_bars is None:
        section_bars = flag_persistence(n_vertices, edges, values, signs, (0,), field)[0]
    components = flag_persistence(n_vertices, edges, values, None, (0,), field)[0]
    finite = components[np.isfinite(components[:, 1]), 1]
    top = float(values.max()) if len(values) else 0.0
    t_c = float(finite.max()) if len(finite) else 0.0
    alive = (section_bars[:, 0] <= t_c) & (section_bars[:, 1] > t_c)
    lifetime = np.minimum(section_bars[alive, 1], top) - t_c if alive.any() else np.zeros(1)
    return np.array([float(alive.sum()), float(max(lifetime.max(), 0.0))])


def mean_degree_normalised(spectra, n_edges, n_vertices: int) -> np.ndarray:
    """Eigenvalues at each scale divided by the graph's mean vertex degree there.

    Row ``s`` of ``spectra`` (the smallest Laplacian eigenvalues at scale ``s``) is divided by
    ``max(2 · n_edges[s] / n_vertices, 1)``, so that spectra of graphs of different densities
    are comparable (the degree-0 Laplacian's eigenvalues grow with the degree). Negative
    round-off is clipped to 0, and missing eigenvalues (NaN: fewer cochains than asked) are
    reported as 0.

    Examples
    --------
    >>> mean_degree_normalised([[0.0, 4.0], [-1e-17, np.nan]], [4, 1], 4)
    array([[0., 2.],
           [0., 0.]])
    """
    spectra = np.asarray(spectra, dtype=np.float64)
    n_edges = np.asarray(n_edges, dtype=np.float64).reshape(-1)
    mean_degree = np.maximum(2.0 * n_edges / max(int(n_vertices), 1), 1.0)
    return np.nan_to_num(np.clip(spectra, 0.0, None), nan=0.0) / mean_degree[:, None]
