"""Betti curves: the number of bars alive at each point of a sampling grid."""

from __future__ import annotations

import numpy as np

__all__ = ["betti_curve"]


def betti_curve(bars: np.ndarray, sampling: np.ndarray) -> np.ndarray:
    """Number of bars ``[b, d)`` with ``b <= t < d`` at every ``t`` of ``sampling``.

    Parameters
    ----------
    bars : ndarray of shape (n_bars, 2)
        ``(birth, death)`` rows of one degree (see :func:`bars_of_degree`); infinite
        deaths are allowed and count as alive to the right of the birth.
    sampling : ndarray of shape (n_bins,)
        Evaluation points, in any order.

    Returns
    -------
    ndarray of shape (n_bins,)
        Integer-valued float64 array.

    Notes
    -----
    Half-open bars, as in gudhi and giotto-tda: a bar counts at its birth, not at its
    death. Computed in :math:`O((n + m)\\log n)` with two sorted searches, because
    ``death <= t`` implies ``birth <= t``.

    Examples
    --------
    >>> betti_curve(np.array([[0.0, 1.0]]), np.linspace(0.0, 1.0, 5))
    array([1., 1., 1., 1., 0.])
    """
    bars = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    sampling = np.asarray(sampling, dtype=np.float64)
    births = np.sort(bars[:, 0])
    deaths = np.sort(bars[:, 1])
    born = np.searchsorted(births, sampling, side="right")
    dead = np.searchsorted(deaths, sampling, side="right")
    return (born - dead).astype(np.float64)
