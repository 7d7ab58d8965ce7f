"""Helpers shared by the diagram vectorisers: bar extraction, filtration ranges, grid norms.

Every kernel of :mod:`tdasheaf.representations` works on the bars of **one degree** of
**one sample**, an array of shape ``(n_bars, 2)`` of ``(birth, death)`` rows with finite
deaths and ``death > birth``. :func:`bars_of_degree` produces such an array from one
``(n_points, 3)`` diagram of the collection format of :mod:`tdasheaf.diagrams`: it drops
padding rows and zero-length bars and replaces infinite deaths by a clipping value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "bars_of_degree",
    "filtration_range",
    "filtration_ranges",
    "grid_step",
    "lp_norm_on_grid",
]


def bars_of_degree(
    diagram: np.ndarray, degree: int, *, clip_value: float | None = None
) -> np.ndarray:
    """Return the bars of one degree of one diagram as a ``(n_bars, 2)`` float array.

    Padding rows ``(0, 0, degree)`` and every other zero-length bar are dropped.

    Parameters
    ----------
    diagram : ndarray of shape (n_points, 3)
        Rows ``(birth, death, degree)`` of one sample.
    degree : int
        The homology degree to extract.
    clip_value : float, optional
        If given, infinite deaths are replaced by ``clip_value``; bars that become
        zero-length or reversed (born at or after ``clip_value``) are then dropped.
        If ``None``, infinite deaths are kept.

    Returns
    -------
    ndarray of shape (n_bars, 2)

    Examples
    --------
    >>> D = np.array([[0.0, 1.0, 0.0], [0.0, np.inf, 0.0], [0.0, 0.0, 0.0], [0.5, 2.0, 1.0]])
    >>> bars_of_degree(D, 0, clip_value=3.0)
    array([[0., 1.],
           [0., 3.]])
    """
    diagram = np.asarray(diagram, dtype=np.float64)
    bars = diagram[diagram[:, 2] == degree, :2]
    if clip_value is not None:
        bars = bars.copy()
        bars[np.isposinf(bars[:, 1]), 1] = clip_value
    return bars[bars[:, 1] > bars[:, 0]]


def filtration_range(X: np.ndarray, degree: int) -> tuple[float, float]:
    """Smallest birth and largest finite value (birth or death) of one degree of a collection.

    Only genuine bars count: padding rows and zero-length bars are ignored.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_points, 3)
        A collection of diagrams.
    degree : int
        The homology degree.

    Returns
    -------
    (float, float)
        ``(lo, hi)``, or ``(nan, nan)`` if the degree has no bar.

    Examples
    --------
    >>> X = np.array([[[0.0, 1.0, 0.0], [0.2, np.inf, 0.0]], [[0.5, 3.0, 0.0], [0.0, 0.0, 0.0]]])
    >>> filtration_range(X, 0)
    (0.0, 3.0)
    """
    X = np.asarray(X, dtype=np.float64)
    rows = X.reshape(-1, 3)
    rows = rows[(rows[:, 2] == degree) & (rows[:, 1] > rows[:, 0])]
    if rows.shape[0] == 0:
        return (np.nan, np.nan)
    finite_deaths = rows[np.isfinite(rows[:, 1]), 1]
    lo = float(rows[:, 0].min())
    hi = float(max(rows[:, 0].max(), finite_deaths.max(initial=-np.inf)))
    return (lo, hi)


def filtration_ranges(X: np.ndarray, degrees: Sequence[int]) -> dict[int, tuple[float, float]]:
    """Per-degree sampling ranges ``(lo, hi)`` learnt from a collection, with fallbacks.

    For each degree, ``lo`` is the smallest birth and ``hi`` the largest finite birth or
    death over all bars of that degree (:func:`filtration_range`). ``hi`` is also the value
    at which vectorisers clip infinite deaths. Degenerate cases never give an empty range:

    * a degree without any bar takes the range over all degrees;
    * if ``hi <= lo`` still (e.g. only infinite bars all born at the same value), ``hi``
      becomes the largest finite value over all degrees if that exceeds ``lo``, else ``lo + 1``;
    * with no bar at all in the collection, every range is ``(0, 1)``.

    Examples
    --------
    >>> X = np.array([[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])
    >>> filtration_ranges(X, [0, 1])
    {0: (0.0, 1.0), 1: (0.0, 1.0)}
    """
    raw = {int(q): filtration_range(X, int(q)) for q in degrees}
    los = [r[0] for r in raw.values() if not np.isnan(r[0])]
    his = [r[1] for r in raw.values() if not np.isnan(r[1])]
    global_lo = min(los) if los else 0.0
    global_hi = max(his) if his else 1.0
    out = {}
    for q, (lo, hi) in raw.items():
        if np.isnan(lo):
            lo, hi = global_lo, global_hi
        if hi <= lo:
            hi = global_hi if global_hi > lo else lo + 1.0
        out[q] = (float(lo), float(hi))
    return out


def grid_step(sampling: np.ndarray) -> float:
    """Spacing of a regular 1-D grid (the grid's width for a single-point grid, or 1 if that is 0).

    Examples
    --------
    >>> grid_step(np.linspace(0.0, 1.0, 5))
    0.25
    """
    sampling = np.asarray(sampling, dtype=np.float64)
    if sampling.size >= 2:
        return float(sampling[1] - sampling[0])
    return 1.0


def lp_norm_on_grid(values: np.ndarray, cell: float, p: float) -> float:
    """Riemann-sum approximation of the :math:`L^p` norm of a sampled function.

    ``(cell * sum(|values| ** p)) ** (1 / p)``, and ``max |values|`` for ``p = inf``;
    ``cell`` is the length (1-D grid) or area (2-D grid) of one grid cell. This is the
    discretisation used by giotto-tda for Betti-curve and landscape amplitudes.

    Examples
    --------
    >>> lp_norm_on_grid(np.ones(4), 0.25, 2.0)
    1.0
    """
    values = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    if values.size == 0:
        return 0.0
    if np.isinf(p):
        return float(values.max())
    return float((cell * np.sum(values**p)) ** (1.0 / p))
