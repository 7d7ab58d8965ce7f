"""Robinson's sensor sheaf: sources and cells, glued by the sensors' observation models.

See :func:`sensor_sheaf`; :func:`tdasheaf.cohomology.fuse_readings` fuses readings on it.
"""

from __future__ import annotations

import numpy as np

from tdasheaf.complexes import FilteredComplex
from tdasheaf.sheaves._sheaf import CellularSheaf

__all__ = ["sensor_sheaf"]


def sensor_sheaf(observed, dim: int = 1) -> CellularSheaf:
    """Robinson's sensor sheaf of a coverage pattern: a vertex per source and per cell.

    Vertices ``0..S−1`` are the sources, ``S..S+C−1`` the cells. A cell's stalk is ℝ^dim (the
    unknown value); a source's stalk is ℝ^{dim·|FOV_s|}, its readings on the cells it observes
    (``observed[s]``, in increasing cell order). An edge joins source ``s`` and cell ``c`` when
    ``s`` observes ``c``; its stalk is ℝ^dim, the source's restriction picks the block of cell
    ``c`` (the sensor's observation model: here the identity on that cell) and the cell's is the
    identity. A global section is a field on the cells together with readings that agree with
    it, so ``H^0 ≅ ℝ^{dim·(number of cells)}``.

    Parameters
    ----------
    observed : array-like of bool, shape (n_sources, n_cells)
    dim : int, default=1

    Returns
    -------
    CellularSheaf

    Examples
    --------
    >>> F = sensor_sheaf(np.array([[True, True, False], [False, True, True]]))
    >>> F.stalk_dims[0], F.complex.simplices[1].tolist()
    (array([2, 2, 1, 1, 1]), [[0, 2], [0, 3], [1, 3], [1, 4]])
    """
    obs = np.asarray(observed, dtype=bool)
    S, C = obs.shape
    src, cell = np.nonzero(obs)  # row-major: by source, then cell
    edges = list(zip(src.tolist(), (S + cell).tolist(), strict=True))
    simplices = [(v,) for v in range(S + C)] + edges
    K = FilteredComplex.from_simplices(simplices)
    fov = obs.sum(axis=1)
    dims0 = np.r_[dim * fov, np.full(C, dim)].astype(np.int64)
    E = K.simplices[1]  # sorted lexicographically = (source, cell) order
    s_of, c_of = E[:, 0], E[:, 1] - S
    # position of cell c within source s's field of view
    rank = np.cumsum(obs, axis=1) - 1
    pos = rank[s_of, c_of]
    D0 = int(dims0.max(initial=0))
    R = np.zeros((len(E), 2, dim, D0))
    eye = np.eye(dim)
    R[:, 0, :, :dim] = eye  # face without vertex 0: the cell
    for a in range(dim):
        R[np.arange(len(E)), 1, a, pos * dim + a] = 1.0  # face without vertex 1: the source
    return CellularSheaf.from_arrays(K, [dims0, np.full(len(E), dim)], [R], validate=False)
