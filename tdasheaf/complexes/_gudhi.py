"""gudhi-backed constructions: alpha complexes (radii).

``sparse_rips_complex`` (formerly gudhi-backed) lives in :mod:`tdasheaf.complexes._sparse` and is
re-exported here for old imports.
"""

from __future__ import annotations

import numpy as np

from tdasheaf.complexes._filtered import FilteredComplex
from tdasheaf.complexes._sparse import sparse_rips_complex  # noqa: F401  (re-export)
from tdasheaf.utils import check_point_cloud

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
