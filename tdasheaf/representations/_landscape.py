"""Persistence landscapes (Bubenik 2015), sampled on a grid."""

from __future__ import annotations

import numpy as np

__all__ = ["persistence_landscape"]


def persistence_landscape(bars: np.ndarray, sampling: np.ndarray, n_layers: int = 1) -> np.ndarray:
    """The first ``n_layers`` landscape functions sampled at ``sampling``.

    The ``k``-th landscape at ``t`` is the ``k``-th largest value of the tent functions
    :math:`\\max(0, \\min(t - b, d - t))` over the bars ``(b, d)``. A single bar
    ``[0, 1)`` has a tent of height ``0.5`` at ``t = 0.5``.

    Parameters
    ----------
    bars : ndarray of shape (n_bars, 2)
        Finite ``(birth, death)`` rows of one degree.
    sampling : ndarray of shape (n_bins,)
        Evaluation points.
    n_layers : int, default=1
        Number of landscape functions; layers beyond the number of bars are zero.

    Returns
    -------
    ndarray of shape (n_layers, n_bins)
        Layer ``k`` (0-based row) is :math:`\\lambda_{k+1}`.

    Notes
    -----
    This is Bubenik's normalisation (and giotto-tda's). ``gudhi.representations.Landscape``
    returns ``sqrt(2)`` times these values (tents measured along the rotated axis).

    Examples
    --------
    >>> persistence_landscape(np.array([[0.0, 1.0]]), np.linspace(0.0, 1.0, 5))
    array([[0.  , 0.25, 0.5 , 0.25, 0.  ]])
    """
    bars = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    sampling = np.asarray(sampling, dtype=np.float64)
    out = np.zeros((n_layers, sampling.size))
    if bars.shape[0] == 0:
        return out
    tents = np.minimum(sampling[None, :] - bars[:, [0]], bars[:, [1]] - sampling[None, :])
    np.maximum(tents, 0.0, out=tents)
    k = min(n_layers, bars.shape[0])
    if k < bars.shape[0]:
        tents = np.partition(tents, bars.shape[0] - k, axis=0)[-k:]
    out[:k] = -np.sort(-tents, axis=0)[:k]
    return out
