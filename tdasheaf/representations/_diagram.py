"""Feature rows of one whole diagram: every degree's representation, concatenated.

These are the per-sample kernels behind the transformers of :mod:`tdasheaf.estimators`.
Each takes one ``(n_points, 3)`` diagram of the collection format of
:mod:`tdasheaf.diagrams`, the degrees to use (in output order) and, per degree, the value
at which infinite deaths are clipped; each returns a 1-D float64 array. Padding rows and
zero-length bars are ignored (:func:`bars_of_degree`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from tdasheaf.representations._amplitude import amplitude
from tdasheaf.representations._betti import betti_curve
from tdasheaf.representations._common import bars_of_degree
from tdasheaf.representations._entropy import persistence_entropy
from tdasheaf.representations._image import persistence_image
from tdasheaf.representations._landscape import persistence_landscape

__all__ = [
    "amplitude_features",
    "betti_curve_features",
    "entropy_features",
    "image_features",
    "landscape_features",
    "n_points_features",
    "sampling_grids",
]

Ranges = Mapping[int, tuple[float, float]]


def sampling_grids(ranges: Ranges, n_bins: int, *, image: bool = False) -> dict[int, np.ndarray]:
    """Regular grids per degree from ranges ``q -> (lo, hi)``.

    Returns ``linspace(lo, hi, n_bins)`` per degree, or with ``image=True`` an
    ``(n_bins, 2)`` array whose columns are births ``linspace(lo, hi, n_bins)`` and
    persistences ``linspace(0, hi - lo, n_bins)``.

    Examples
    --------
    >>> sampling_grids({0: (0.0, 1.0)}, 3)
    {0: array([0. , 0.5, 1. ])}
    >>> sampling_grids({0: (1.0, 2.0)}, 2, image=True)[0]
    array([[1., 0.],
           [2., 1.]])
    """
    if image:
        return {
            q: np.column_stack([np.linspace(lo, hi, n_bins), np.linspace(0.0, hi - lo, n_bins)])
            for q, (lo, hi) in ranges.items()
        }
    return {q: np.linspace(lo, hi, n_bins) for q, (lo, hi) in ranges.items()}


def _bars(diagram: np.ndarray, q: int, clip_values: Mapping[int, float] | None) -> np.ndarray:
    return bars_of_degree(diagram, q, clip_value=None if clip_values is None else clip_values[q])


def _weights(bars: np.ndarray, weight_function: Callable | None) -> np.ndarray | None:
    if weight_function is None:
        return None
    return np.asarray(weight_function(bars[:, 1] - bars[:, 0]), dtype=np.float64)


def betti_curve_features(
    diagram: np.ndarray,
    degrees: Sequence[int],
    clip_values: Mapping[int, float] | None,
    samplings: Mapping[int, np.ndarray],
) -> np.ndarray:
    """Betti curves of every degree on ``samplings[q]``, concatenated.

    With ``clip_values=None`` essential classes count at every point after their birth.

    Examples
    --------
    >>> D = np.array([[0.0, 1.0, 0.0], [0.0, np.inf, 0.0]])
    >>> betti_curve_features(D, [0], None, {0: np.array([0.0, 0.5, 1.0])})
    array([2., 2., 1.])
    >>> betti_curve_features(D, [0], {0: 1.0}, {0: np.array([0.0, 0.5, 1.0])})
    array([2., 2., 0.])
    """
    return np.concatenate(
        [betti_curve(_bars(diagram, q, clip_values), samplings[q]) for q in degrees]
    )


def landscape_features(
    diagram: np.ndarray,
    degrees: Sequence[int],
    clip_values: Mapping[int, float],
    samplings: Mapping[int, np.ndarray],
    n_layers: int = 1,
) -> np.ndarray:
    """Landscapes of every degree, layer after layer, concatenated.

    Examples
    --------
    >>> D = np.array([[0.0, 1.0, 0.0]])
    >>> landscape_features(D, [0], {0: 1.0}, {0: np.array([0.0, 0.5, 1.0])}, n_layers=2)
    array([0. , 0.5, 0. , 0. , 0. , 0. ])
    """
    return np.concatenate(
        [
            persistence_landscape(_bars(diagram, q, clip_values), samplings[q], n_layers).ravel()
            for q in degrees
        ]
    )


def image_features(
    diagram: np.ndarray,
    degrees: Sequence[int],
    clip_values: Mapping[int, float],
    samplings: Mapping[int, np.ndarray],
    sigma: float,
    weight_function: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Persistence images of every degree (birth index major), concatenated.

    ``samplings[q]`` is an ``(n_bins, 2)`` array of birth and persistence grids (see
    :func:`sampling_grids`); ``weight_function`` maps the bars' persistences to weights.

    Examples
    --------
    >>> D = np.array([[0.0, 1.0, 0.0]])
    >>> image_features(D, [0], {0: 1.0}, sampling_grids({0: (0.0, 1.0)}, 2, image=True),
    ...                sigma=0.5).shape
    (4,)
    """
    out = []
    for q in degrees:
        bars = _bars(diagram, q, clip_values)
        grid = samplings[q]
        weights = _weights(bars, weight_function)
        out.append(persistence_image(bars, grid[:, 0], grid[:, 1], sigma, weights).ravel())
    return np.concatenate(out)


def entropy_features(
    diagram: np.ndarray,
    degrees: Sequence[int],
    clip_values: Mapping[int, float],
    *,
    normalize: bool = False,
    nan_fill_value: float | None = None,
) -> np.ndarray:
    """Persistence entropy of every degree; undefined values become ``nan_fill_value``.

    Examples
    --------
    >>> D = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> entropy_features(D, [0, 1], {0: 1.0, 1: 1.0}, nan_fill_value=-1.0)
    array([ 0., -1.])
    """
    values = np.array(
        [persistence_entropy(_bars(diagram, q, clip_values), normalize=normalize) for q in degrees]
    )
    if nan_fill_value is not None:
        values[np.isnan(values)] = nan_fill_value
    return values


def n_points_features(diagram: np.ndarray, degrees: Sequence[int]) -> np.ndarray:
    """Number of bars of positive length of every degree (infinite ones included).

    Examples
    --------
    >>> n_points_features(np.array([[0.0, np.inf, 0.0], [0.0, 0.0, 0.0]]), [0])
    array([1.])
    """
    return np.array([_bars(diagram, q, None).shape[0] for q in degrees], dtype=np.float64)


def amplitude_features(
    diagram: np.ndarray,
    degrees: Sequence[int],
    clip_values: Mapping[int, float],
    metric: str,
    metric_params: Mapping[str, Any],
    samplings: Mapping[int, np.ndarray] | None = None,
    order: float | None = None,
) -> np.ndarray:
    """Amplitude of every degree, or their ``order``-norm as a length-1 array.

    ``metric_params`` may hold ``p``, ``sigma``, ``n_layers`` and ``weight_function``
    (other keys are ignored); ``samplings`` are the grids of the functional metrics
    (``(n_bins, 2)`` birth/persistence arrays for ``"persistence_image"``).

    Examples
    --------
    >>> D = np.array([[0.0, 2.0, 0.0], [0.0, 1.0, 1.0]])
    >>> amplitude_features(D, [0, 1], {0: 2.0, 1: 1.0}, "bottleneck", {})
    array([1. , 0.5])
    >>> amplitude_features(D, [0, 1], {0: 2.0, 1: 1.0}, "bottleneck", {}, order=np.inf)
    array([1.])
    """
    values = np.empty(len(degrees))
    for i, q in enumerate(degrees):
        # the Betti amplitude is the norm of the Betti curve, which counts essential classes
        # without clipping (the grid is bounded, so the norm is finite)
        bars = _bars(diagram, q, None if metric == "betti" else clip_values)
        kw: dict[str, Any] = {
            k: metric_params[k] for k in ("p", "sigma", "n_layers") if k in metric_params
        }
        if metric == "persistence_image":
            kw.update(
                sampling=samplings[q][:, 0],
                persistence_sampling=samplings[q][:, 1],
                weights=_weights(bars, metric_params.get("weight_function")),
            )
        elif samplings is not None:
            kw["sampling"] = samplings[q]
        values[i] = amplitude(bars, metric, **kw)
    if order is None:
        return values
    return np.array([np.linalg.norm(values, ord=order)])
