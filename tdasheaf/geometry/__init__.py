"""The geometry layer: neighbours, radius edges, single linkage and landmarks of point clouds.

Input format (every function): a cloud is an array-like of shape ``(n_points, n_features)``,
cast to float64 (float32 input gives the float64 answer); a row is a point, and points are
named by their row. Distances are Euclidean and measured from the coordinates by one function
(:func:`pair_lengths`, the numbers ``pdist`` gives), so equal pairs get equal lengths whichever
search found them.

* :func:`kneighbors` — the ``k`` nearest *other* rows of every point (own row never included,
  duplicates counted like any other row, ties by smaller index); :func:`knn_distances` — the
  same with the point itself as column 0; :func:`neighbourhood_radius`.
* :func:`pair_lengths` — the one Euclidean length (bit for bit as ``pdist``).
* :func:`radius_edges` — the edges of length at most a threshold (the Rips graph), blockwise
  within a memory budget given as a parameter.
* :func:`minimum_spanning_tree`, :func:`minimum_spanning_forest`, :func:`connectivity_scale`,
  :func:`component_join_times` — single linkage / H⁰ of the Rips filtration.
* :func:`greedy_permutation`, :func:`maxmin_landmarks` — max-min landmarks.

It sits below :mod:`tdasheaf.complexes` and above :mod:`tdasheaf.utils` in the layer contract;
heavy imports (scipy's k-d tree and distances) happen inside the functions.
"""

# first: routes the numba cache of the kernels below (tdasheaf/_numba_cache.py)
import tdasheaf._numba_cache  # noqa: F401
from tdasheaf.geometry._connectivity import (
    component_join_times,
    connectivity_scale,
    minimum_spanning_forest,
    minimum_spanning_tree,
)
from tdasheaf.geometry._edges import EDGE_BUILD_BYTES, enclosing_radius, pair_lengths, radius_edges
from tdasheaf.geometry._landmarks import greedy_permutation, maxmin_landmarks
from tdasheaf.geometry._neighbors import kneighbors, knn_distances, neighbourhood_radius

__all__ = [
    "EDGE_BUILD_BYTES",
    "component_join_times",
    "connectivity_scale",
    "enclosing_radius",
    "greedy_permutation",
    "kneighbors",
    "knn_distances",
    "maxmin_landmarks",
    "minimum_spanning_forest",
    "minimum_spanning_tree",
    "neighbourhood_radius",
    "pair_lengths",
    "radius_edges",
]
