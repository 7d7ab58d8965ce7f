"""Fusion of several sources' readings: the nearest global section of the sensor sheaf.

:func:`fuse_readings` fuses one problem (an array ``(n_sources, n_cells[, dim])`` with NaN for
unobserved cells) and reports the consistency radius and the per-source / per-cell
inconsistencies; :class:`tdasheaf.SheafFusion` is the estimator over a collection of problems.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tdasheaf.cohomology._sections import (
    consistency_radius,
    edge_inconsistencies,
    nearest_global_section,
)
from tdasheaf.sheaves import sensor_sheaf

__all__ = ["FusionResult", "fuse_readings"]


@dataclass(frozen=True)
class FusionResult:
    """Result of :func:`fuse_readings` for one problem.

    Attributes
    ----------
    fused : ndarray of shape (n_cells, dim)
        The fused field (cell values of the nearest global section); NaN on unobserved cells.
    consistency_radius : float
        Largest (``norm="max"``) or ℓ² norm of the reading-vs-fused discrepancies.
    source_inconsistency : ndarray of shape (n_sources,)
        Mean (or max) of ``‖R[s, c] − fused[c]‖`` over the cells ``c`` that ``s`` shares with
        another source; NaN for a source that shares none.
    cell_inconsistency : ndarray of shape (n_cells,)
        Mean (or max) over the sources observing the cell of the same discrepancy (NaN where no
        source observes it).
    source_weights : ndarray of shape (n_sources,)
        The weights of the final fusion (after reweighting).
    """

    fused: np.ndarray
    consistency_radius: float
    source_inconsistency: np.ndarray
    cell_inconsistency: np.ndarray
    source_weights: np.ndarray


def fuse_readings(
    readings,
    source_weights=None,
    *,
    reduce: str = "mean",
    norm: str = "max",
    n_reweight: int = 0,
    rtol: float = 1e-10,
) -> FusionResult:
    """Fuse one problem's readings: the nearest global section of the sensor sheaf.

    The readings are an assignment to the source vertices of :func:`sensor_sheaf`; the cells are
    unobserved. :func:`~tdasheaf.cohomology.nearest_global_section` (weights ``w_s`` on the
    sources) gives the global section closest to the readings, whose cell values are the fused
    field — here the ``w``-weighted mean of the readings of each cell. The completed assignment
    (readings on sources, fused values on cells) has edge inconsistencies
    ``‖R[s, c] − fused[c]‖``: their maximum is the consistency radius, and their mean per source
    / per cell the local inconsistencies. A cell seen by one source only is trivially consistent
    (the fused value is that reading): it counts for the cell (inconsistency 0) but is left out
    of its source's mean, which would otherwise be diluted by cells nobody else can check.

    ``n_reweight`` rounds of iteratively reweighted least squares set
    ``w_s ∝ base_s / max(ρ_s, ε)`` (``ρ_s`` the source's RMS discrepancy, ``ε`` a 1e-3 fraction
    of their median), which approaches the minimiser of ``Σ_s ‖R_s − fused‖``: a biased or
    drifting source is down-weighted instead of dragging the fused field.

    Parameters
    ----------
    readings : array-like of shape (n_sources, n_cells) or (n_sources, n_cells, dim)
        NaN where a source does not observe a cell.
    source_weights : array-like of shape (n_sources,), optional
        Positive base weights (e.g. inverse noise variances); default 1.
    reduce : {"mean", "max"}, default="mean"
    norm : {"max", "l2"}, default="max"
    n_reweight : int, default=0
    rtol : float, default=1e-10

    Returns
    -------
    FusionResult

    Examples
    --------
    Three sensors on four cells; sensor 2 reads 1.0 too high:

    >>> R = np.array([[0.0, 1.0, np.nan, np.nan],
    ...               [np.nan, 1.0, 2.0, 3.0],
    ...               [np.nan, np.nan, 3.0, 4.0]])
    >>> res = fuse_readings(R)
    >>> res.fused.ravel().round(3), res.consistency_radius
    (array([0. , 1. , 2.5, 3.5]), 0.5)
    >>> int(np.nanargmax(res.source_inconsistency))
    2
    """
    R = np.asarray(readings, dtype=np.float64)
    if R.ndim == 2:
        R = R[:, :, None]
    S, C, dim = R.shape
    seen = np.isfinite(R)
    obs = seen.all(axis=2)
    if (seen.any(axis=2) & ~obs).any():
        raise ValueError(
            "a reading has some NaN components: a reading is observed or not as a whole."
        )
    base = np.ones(S) if source_weights is None else np.asarray(source_weights, dtype=np.float64)
    if base.shape != (S,) or not np.isfinite(base).all() or not (base > 0).all():
        raise ValueError(f"source_weights must be {S} positive numbers, got {base!r}.")
    F = sensor_sheaf(obs, dim)
    src_vals = R[obs]  # (n_obs, dim), by source then cell: the source stalks concatenated
    a = np.r_[src_vals.reshape(-1), np.zeros(C * dim)]
    observed = np.r_[np.ones(S, bool), np.zeros(C, bool)]
    w = base.copy()
    owner = np.nonzero(obs)[0]
    for step in range(int(n_reweight) + 1):
        res = nearest_global_section(F, a, np.r_[w, np.ones(C)], observed, rtol=rtol)
        fused = res.section[-C * dim :].reshape(C, dim)
        disc = np.linalg.norm(src_vals - fused[np.nonzero(obs)[1]], axis=1)
        if step == n_reweight:
            break
        rho = np.sqrt(np.bincount(owner, disc**2, minlength=S) / np.maximum(obs.sum(1), 1))
        eps = 1e-3 * max(float(np.median(rho[obs.any(1)])) if obs.any() else 0.0, 1e-300)
        w = base / np.maximum(rho, eps)
    completed = np.r_[src_vals.reshape(-1), fused.reshape(-1)]
    # one edge per observation, in (source, cell) order: ‖R[s, c] − fused[c]‖
    disc = edge_inconsistencies(F, completed)
    src_of, cell_of = np.nonzero(obs)
    coverage = obs.sum(axis=0)
    redundant = coverage[cell_of] >= 2  # a cell seen once is trivially consistent
    src_inc = _aggregate(src_of[redundant], disc[redundant], S, reduce)
    cell_inc = _aggregate(cell_of, disc, C, reduce)
    fused[coverage == 0] = np.nan
    return FusionResult(
        fused=fused,
        consistency_radius=consistency_radius(F, completed, norm),
        source_inconsistency=src_inc,
        cell_inconsistency=cell_inc,
        source_weights=w,
    )


def _aggregate(owner, values, n, reduce) -> np.ndarray:
    """Mean or max of ``values`` per owner; NaN for owners without values."""
    count = np.bincount(owner, minlength=n)
    if reduce == "mean":
        out = np.bincount(owner, values, minlength=n) / np.maximum(count, 1)
    else:
        out = np.zeros(n)
        np.maximum.at(out, owner, values)
    out[count == 0] = np.nan
    return out
