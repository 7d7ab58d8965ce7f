"""gudhi-backed constructions: alpha complexes (radii) and sparse Rips complexes."""

from __future__ import annotations

import numpy as np

from tdasheaf.complexes._filtered import FilteredComplex
from tdasheaf.utils import check_point_cloud, check_positive_threshold

# ----------------------------------------------------------------------------------------------
# gudhi-backed constructions
# ----------------------------------------------------------------------------------------------


def alpha_complex(X, max_dimension: int = 2, *, squared: bool = False) -> FilteredComplex:
    """The alpha complex (Delaunay–Čech) of a point cloud, via gudhi.

    Filtration values are **radii** (square roots of gudhi's squared radii) unless
    ``squared=True``, so that alpha and Rips diagrams of one cloud are on comparable scales
    (a Rips edge appears at the distance, an alpha edge at half of it for the circumradius).
    Duplicate points are merged by gudhi; vertex labels are point indices.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    >>> K = alpha_complex(X)
    >>> K.filtrations[1]
    array([1.        , 1.        , 1.41421356])
    """
    import gudhi

    X = check_point_cloud(X, min_points=1)
    if isinstance(max_dimension, bool) or int(max_dimension) != max_dimension or max_dimension < 0:
        raise ValueError(f"max_dimension must be a non-negative integer, got {max_dimension!r}.")
    st = gudhi.AlphaComplex(points=X).create_simplex_tree()
    st.prune_above_dimension(int(max_dimension))
    transform = None if squared else (lambda f: np.sqrt(np.maximum(f, 0.0)))
    return FilteredComplex.from_simplex_tree(st, transform=transform)


def sparse_rips_complex(
    X, sparse: float = 0.5, max_edge_length: float = np.inf, max_dimension: int = 2
) -> FilteredComplex:
    """Sparse Rips complex (Sheehy's approximation, gudhi's ``sparse=``).

    Its persistence diagram is a multiplicative ``(1 + sparse)``-approximation (with
    gudhi's parameterisation) of the Rips diagram, at a much smaller size.

    .. warning:: gudhi starts its farthest-point ordering at a random point, so the complex
       (not the approximation guarantee) can differ between calls. Use ``rips_complex`` with
       ``n_landmarks`` for a deterministic reduction.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(50, 2))
    >>> sparse_rips_complex(X, sparse=0.5).n_simplices[1] < 50 * 49 // 2
    True
    """
    import gudhi

    X = check_point_cloud(X, min_points=1)
    if not (isinstance(sparse, (int, float)) and sparse > 0):
        raise ValueError(f"sparse must be a positive number, got {sparse!r}.")
    max_edge_length = check_positive_threshold(max_edge_length, name="max_edge_length")
    rc = gudhi.RipsComplex(points=X, max_edge_length=max_edge_length, sparse=float(sparse))
    st = rc.create_simplex_tree(max_dimension=int(max_dimension))
    return FilteredComplex.from_simplex_tree(st)
