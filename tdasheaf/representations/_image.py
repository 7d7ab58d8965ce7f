"""Persistence images (Adams et al. 2017) and the heat kernel (Reininghaus et al. 2015).

Both are sums of isotropic Gaussians of standard deviation ``sigma`` (in filtration
units), evaluated at the nodes of a regular grid. The 2-D Gaussian is a probability
density, :math:`\\exp(-|x - p|^2 / 2\\sigma^2) / (2\\pi\\sigma^2)`, the normalisation of
``gudhi.representations.PersistenceImage``; it is separable, so an image costs two
``(n_bins, n_bars)`` matrices and one matrix product.
"""

from __future__ import annotations

import numpy as np

__all__ = ["heat_kernel", "persistence_image"]


def _gaussian_1d(sampling: np.ndarray, centres: np.ndarray, sigma: float) -> np.ndarray:
    """Matrix ``(len(sampling), len(centres))`` of 1-D Gaussian densities."""
    z = (sampling[:, None] - centres[None, :]) / sigma
    return np.exp(-0.5 * z * z) / (np.sqrt(2.0 * np.pi) * sigma)


def persistence_image(
    bars: np.ndarray,
    birth_sampling: np.ndarray,
    persistence_sampling: np.ndarray,
    sigma: float,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Persistence image of one degree on a (birth, persistence) grid.

    Every bar ``(b, d)`` becomes the point ``(b, d - b)`` of the birth–persistence plane,
    carrying the Gaussian density centred there, times its weight.

    Parameters
    ----------
    bars : ndarray of shape (n_bars, 2)
        Finite ``(birth, death)`` rows of one degree.
    birth_sampling : ndarray of shape (n_birth,)
        Grid along the birth axis.
    persistence_sampling : ndarray of shape (n_persistence,)
        Grid along the persistence axis.
    sigma : float
        Standard deviation of the Gaussians, in filtration units.
    weights : ndarray of shape (n_bars,), optional
        One weight per bar; ``None`` means all ones.

    Returns
    -------
    ndarray of shape (n_birth, n_persistence)
        ``image[i, j]`` is the value at ``(birth_sampling[i], persistence_sampling[j])``.
        ``gudhi.representations.PersistenceImage`` returns the transpose, flattened.

    Examples
    --------
    >>> img = persistence_image(np.array([[0.0, 1.0]]), np.array([0.0, 1.0]),
    ...                         np.array([0.0, 1.0]), sigma=1.0)
    >>> np.round(img * 2 * np.pi, 4)
    array([[0.6065, 1.    ],
           [0.3679, 0.6065]])
    """
    bars = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    birth_sampling = np.asarray(birth_sampling, dtype=np.float64)
    persistence_sampling = np.asarray(persistence_sampling, dtype=np.float64)
    if weights is None:
        weights = np.ones(bars.shape[0])
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    if weights.shape != (bars.shape[0],):
        raise ValueError(
            f"expected one weight per bar ({bars.shape[0]}), got an array of shape {weights.shape}."
        )
    gb = _gaussian_1d(birth_sampling, bars[:, 0], sigma)
    gp = _gaussian_1d(persistence_sampling, bars[:, 1] - bars[:, 0], sigma)
    return (gb * weights[None, :]) @ gp.T


def heat_kernel(bars: np.ndarray, sampling: np.ndarray, sigma: float) -> np.ndarray:
    """Heat-kernel representation of one degree on a square (birth, death) grid.

    A Gaussian at every point ``(b, d)`` minus one at its mirror image ``(d, b)``, so the
    function is antisymmetric and vanishes on the diagonal (Reininghaus et al. 2015, with
    the Gaussian's standard deviation ``sigma`` in place of :math:`\\sqrt{2t}`).

    Parameters
    ----------
    bars : ndarray of shape (n_bars, 2)
        Finite ``(birth, death)`` rows of one degree.
    sampling : ndarray of shape (n_bins,)
        Grid used along both axes.
    sigma : float
        Standard deviation of the Gaussians, in filtration units.

    Returns
    -------
    ndarray of shape (n_bins, n_bins)
        ``heat[i, j]`` is the value at ``(birth, death) = (sampling[i], sampling[j])``.

    Examples
    --------
    >>> h = heat_kernel(np.array([[0.0, 1.0]]), np.array([0.0, 1.0]), sigma=1.0)
    >>> bool(np.allclose(h, -h.T)), bool(h[0, 1] > 0)
    (True, True)
    """
    bars = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    sampling = np.asarray(sampling, dtype=np.float64)
    gb = _gaussian_1d(sampling, bars[:, 0], sigma)
    gd = _gaussian_1d(sampling, bars[:, 1], sigma)
    return gb @ gd.T - gd @ gb.T
