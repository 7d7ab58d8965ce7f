"""Classical barcodes from the peers (gudhi, ripser.py), shared by the oracle tests.

Bars are returned as ``(n, 2)`` float64 arrays without zero-length bars, sorted by
(birth, death): the format of :func:`tdasheaf.cohomology.sheaf_persistence`.
"""

from __future__ import annotations

import warnings

import gudhi
import numpy as np
import ripser


def sorted_bars(bars) -> np.ndarray:
    b = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    b = b[b[:, 1] > b[:, 0]]
    return b[np.lexsort((b[:, 1], b[:, 0]))]


def gudhi_rips(X, degrees, *, thresh=np.inf, coeff=2, precomputed=False) -> dict:
    if precomputed:
        rc = gudhi.RipsComplex(distance_matrix=X, max_edge_length=thresh)
    else:
        rc = gudhi.RipsComplex(points=X, max_edge_length=thresh)
    stree = rc.create_simplex_tree(max_dimension=max(degrees) + 1)
    stree.compute_persistence(homology_coeff_field=coeff, persistence_dim_max=True)
    return {q: sorted_bars(stree.persistence_intervals_in_dimension(q)) for q in degrees}


def ripser_direct(X, degrees, *, thresh=np.inf, coeff=2) -> dict:
    with warnings.catch_warnings():  # "more columns than rows" on tiny clouds
        warnings.simplefilter("ignore")
        dgms = ripser.ripser(X, maxdim=max(degrees), thresh=thresh, coeff=coeff)["dgms"]
    return {q: sorted_bars(dgms[q]) for q in degrees}
