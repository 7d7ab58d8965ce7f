"""Amplitudes: the distance from a diagram to the empty diagram, for several metrics.

Conventions (giotto-tda's definitions, with two stated differences):

* ``"bottleneck"`` and ``"wasserstein"``: the ground metric between diagram points is
  :math:`L^\\infty` (gudhi's and hera's default, ``internal_p=inf``), so a bar
  ``(b, d)`` is at distance :math:`(d - b)/2` from the diagonal; the bottleneck amplitude
  is the largest of these and the ``p``-Wasserstein amplitude their ``p``-norm.
  giotto-tda uses the Euclidean ground metric, :math:`\\sqrt{2}` times larger.
* ``"betti"``, ``"landscape"``, ``"heat"``, ``"persistence_image"``: the :math:`L^p`
  norm of the representation (that of the empty diagram is zero), approximated on the
  sampling grid by a Riemann sum (:func:`lp_norm_on_grid`); giotto-tda omits the cell area
  for the two image-like metrics, here every metric is a norm of a function.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tdasheaf.representations._betti import betti_curve
from tdasheaf.representations._common import grid_step, lp_norm_on_grid
from tdasheaf.representations._image import heat_kernel, persistence_image
from tdasheaf.representations._landscape import persistence_landscape

__all__ = [
    "AMPLITUDE_METRICS",
    "amplitude",
    "betti_amplitude",
    "bottleneck_amplitude",
    "heat_amplitude",
    "landscape_amplitude",
    "persistence_image_amplitude",
    "wasserstein_amplitude",
]


def bottleneck_amplitude(bars: np.ndarray) -> float:
    """Bottleneck distance to the empty diagram: :math:`\\max_i (d_i - b_i)/2` (0 if empty).

    Examples
    --------
    >>> bottleneck_amplitude(np.array([[0.0, 1.0], [0.5, 3.5]]))
    1.5
    """
    bars = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    if bars.shape[0] == 0:
        return 0.0
    return float(np.max(bars[:, 1] - bars[:, 0]) / 2.0)


def wasserstein_amplitude(bars: np.ndarray, p: float = 2.0) -> float:
    """``p``-Wasserstein distance to the empty diagram, :math:`L^\\infty` ground metric.

    :math:`\\left(\\sum_i ((d_i - b_i)/2)^p\\right)^{1/p}`; every point is matched to the
    diagonal.

    Examples
    --------
    >>> wasserstein_amplitude(np.array([[0.0, 2.0], [0.0, 2.0]]), p=1.0)
    2.0
    """
    bars = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    if bars.shape[0] == 0:
        return 0.0
    return float(np.linalg.norm((bars[:, 1] - bars[:, 0]) / 2.0, ord=p))


def betti_amplitude(bars: np.ndarray, sampling: np.ndarray, p: float = 2.0) -> float:
    """:math:`L^p` norm of the Betti curve on ``sampling`` (Riemann sum).

    Examples
    --------
    >>> betti_amplitude(np.array([[0.0, 1.0]]), np.linspace(0.0, 2.0, 201), p=1.0)
    1.0
    """
    return lp_norm_on_grid(betti_curve(bars, sampling), grid_step(sampling), p)


def landscape_amplitude(
    bars: np.ndarray, sampling: np.ndarray, p: float = 2.0, n_layers: int = 1
) -> float:
    """:math:`L^p` norm of the first ``n_layers`` landscapes on ``sampling`` (Riemann sum).

    Examples
    --------
    >>> round(landscape_amplitude(np.array([[0.0, 1.0]]), np.linspace(0, 1, 1001), p=1.0), 6)
    0.25
    """
    values = persistence_landscape(bars, sampling, n_layers)
    return lp_norm_on_grid(values, grid_step(sampling), p)


def heat_amplitude(
    bars: np.ndarray, sampling: np.ndarray, sigma: float = 0.1, p: float = 2.0
) -> float:
    """:math:`L^p` norm of the heat kernel on the square grid ``sampling × sampling``.

    Examples
    --------
    >>> heat_amplitude(np.empty((0, 2)), np.linspace(0.0, 1.0, 5))
    0.0
    """
    values = heat_kernel(bars, sampling, sigma)
    return lp_norm_on_grid(values, grid_step(sampling) ** 2, p)


def persistence_image_amplitude(
    bars: np.ndarray,
    birth_sampling: np.ndarray,
    persistence_sampling: np.ndarray,
    sigma: float = 0.1,
    p: float = 2.0,
    weights: np.ndarray | None = None,
) -> float:
    """:math:`L^p` norm of the persistence image on its (birth, persistence) grid.

    Examples
    --------
    >>> g = np.linspace(-3.0, 3.0, 301)
    >>> round(persistence_image_amplitude(np.array([[0.0, 1e-9]]), g, g, sigma=0.5, p=1.0), 4)
    1.0
    """
    values = persistence_image(bars, birth_sampling, persistence_sampling, sigma, weights)
    cell = grid_step(birth_sampling) * grid_step(persistence_sampling)
    return lp_norm_on_grid(values, cell, p)


AMPLITUDE_METRICS: dict[str, dict[str, Any]] = {
    "bottleneck": {},
    "wasserstein": {"p": 2.0},
    "betti": {"p": 2.0, "n_bins": 100},
    "landscape": {"p": 2.0, "n_layers": 1, "n_bins": 100},
    "heat": {"p": 2.0, "sigma": 0.1, "n_bins": 100},
    "persistence_image": {"p": 2.0, "sigma": 0.1, "n_bins": 100, "weight_function": None},
}
"""Metric name → its parameters and their defaults (giotto-tda's names and defaults)."""


def amplitude(
    bars: np.ndarray,
    metric: str,
    *,
    sampling: np.ndarray | None = None,
    persistence_sampling: np.ndarray | None = None,
    p: float = 2.0,
    sigma: float = 0.1,
    n_layers: int = 1,
    weights: np.ndarray | None = None,
) -> float:
    """Amplitude of one degree's bars for any metric of :data:`AMPLITUDE_METRICS`.

    Parameters
    ----------
    bars : ndarray of shape (n_bars, 2)
        Finite ``(birth, death)`` rows of one degree.
    metric : str
        One of ``"bottleneck"``, ``"wasserstein"``, ``"betti"``, ``"landscape"``,
        ``"heat"``, ``"persistence_image"``.
    sampling : ndarray of shape (n_bins,), optional
        Grid of the functional metrics (births for ``"persistence_image"``).
    persistence_sampling : ndarray, optional
        Persistence grid, ``"persistence_image"`` only.
    p, sigma, n_layers, weights
        Metric parameters (ignored by metrics that do not use them).

    Returns
    -------
    float
        Non-negative; 0 for an empty diagram.

    Examples
    --------
    >>> amplitude(np.array([[0.0, 1.0]]), "bottleneck")
    0.5
    """
    if metric == "bottleneck":
        return bottleneck_amplitude(bars)
    if metric == "wasserstein":
        return wasserstein_amplitude(bars, p)
    if sampling is None:
        raise ValueError(f"metric={metric!r} needs a sampling grid.")
    if metric == "betti":
        return betti_amplitude(bars, sampling, p)
    if metric == "landscape":
        return landscape_amplitude(bars, sampling, p, n_layers)
    if metric == "heat":
        return heat_amplitude(bars, sampling, sigma, p)
    if metric == "persistence_image":
        if persistence_sampling is None:
            raise ValueError("metric='persistence_image' needs a persistence_sampling grid.")
        return persistence_image_amplitude(bars, sampling, persistence_sampling, sigma, p, weights)
    raise ValueError(f"unknown metric {metric!r}; expected one of {sorted(AMPLITUDE_METRICS)}.")
