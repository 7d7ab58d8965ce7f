"""Filtered simplicial complexes: Vietoris–Rips, alpha, sparse and landmark Rips, hand-made.

Format
------
A :class:`FilteredComplex` stores, for every dimension ``k``:

* ``simplices[k]``: an ``(n_k, k + 1)`` int64 array of vertex labels, each row sorted increasingly;
* ``filtrations[k]``: an ``(n_k,)`` float64 array of filtration values ``f(σ)``;
* ``boundaries[k]``: an ``(n_k, k + 1)`` int64 array; ``boundaries[k][j, i]`` is the row in
  ``simplices[k - 1]`` of the face obtained by dropping vertex ``i`` of simplex ``j``
  (incidence sign ``(-1) ** i``). ``boundaries[0]`` has shape ``(n_0, 0)``.

Rows of every dimension are in the library's total order (DESIGN.md §2): by filtration value,
then (across dimensions) by dimension, then lexicographically by vertex labels. Every engine
uses this order, so results are deterministic and comparable.

Filtration conventions: Vietoris–Rips uses the *diameter* (maximum pairwise distance, not half
of it — the ripser/gudhi convention); alpha complexes report *radii* (square roots of gudhi's
squared radii) by default, so that Rips and alpha diagrams of a cloud are on comparable scales.

Before a Rips complex is built its size is estimated; a complex that would exceed
``memory_budget`` bytes raises :class:`~tdasheaf.exceptions.ComplexTooLargeError` naming the
parameters that shrink it.
"""

from __future__ import annotations

# first: routes the numba cache of the clique kernels (tdasheaf/_numba_cache.py)
import tdasheaf._numba_cache  # noqa: F401  # isort: skip
# (the underscored names are imported from here by other layers and by the tests)
from tdasheaf.complexes._cliques import _rips_from_edges  # noqa: F401
from tdasheaf.complexes._collapse import (  # noqa: F401
    collapse_bytes,
    collapse_edges,
    collapse_values,
    full_adjacency,
)
from tdasheaf.complexes._filtered import (  # noqa: F401
    _VERIFIED_FLAG,
    FilteredComplex,
    _assemble,
    _order,
    filtration_order,
)
from tdasheaf.complexes._flag_filtration import (  # noqa: F401
    FlagFiltration,
    _estimate_from_edges,
    _flag_from_edges,
    _flag_from_radius_edges,
    estimate_rips_size,
    flag_filtration,
    rips_complex,
)
from tdasheaf.complexes._gudhi import alpha_complex
from tdasheaf.complexes._sparse import sparse_flag_filtration, sparse_rips_complex
from tdasheaf.geometry import EDGE_BUILD_BYTES, knn_distances, maxmin_landmarks, radius_edges
from tdasheaf.geometry._edges import _edges  # noqa: F401

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "EDGE_BUILD_BYTES",
    "FilteredComplex",
    "FlagFiltration",
    "alpha_complex",
    "collapse_bytes",
    "collapse_edges",
    "collapse_values",
    "estimate_rips_size",
    "filtration_order",
    "flag_filtration",
    "knn_distances",
    "maxmin_landmarks",
    "radius_edges",
    "rips_complex",
    "sparse_flag_filtration",
    "sparse_rips_complex",
]


#: Legacy constant (4 GiB), kept for code that imports it; nothing uses it as a default any
#: more: the library (this module, the engines, the estimators) resolves ``memory_budget=None``
#: with :func:`tdasheaf.utils.resolve_memory_budget`: ``min(1.5 GiB, MemAvailable / 4) / n_jobs``.
DEFAULT_MEMORY_BUDGET = 4 * 2**30
