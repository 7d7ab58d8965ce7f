"""Vectorisations of persistence diagrams as pure numeric kernels.

Every function here takes and returns plain NumPy arrays: the bars of one degree of one
sample as an ``(n_bars, 2)`` array of ``(birth, death)`` rows (get them from a diagram of
the collection format of :mod:`tdasheaf.diagrams` with :func:`bars_of_degree`, which
drops padding rows and zero-length bars and clips infinite deaths), and sampling grids.
The ``*_features`` functions apply them to every degree of one whole ``(n_points, 3)``
diagram and concatenate the results: one row of a feature table. The scikit-learn
transformers of :mod:`tdasheaf.estimators` are thin shells over them.

Examples
--------
>>> import numpy as np
>>> from tdasheaf.representations import bars_of_degree, betti_curve
>>> D = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
>>> betti_curve(bars_of_degree(D, 0), np.array([0.0, 0.5, 1.0]))
array([1., 1., 0.])
"""

from tdasheaf.representations._amplitude import (
    AMPLITUDE_METRICS,
    amplitude,
    betti_amplitude,
    bottleneck_amplitude,
    heat_amplitude,
    landscape_amplitude,
    persistence_image_amplitude,
    wasserstein_amplitude,
)
from tdasheaf.representations._betti import betti_curve
from tdasheaf.representations._common import (
    bars_of_degree,
    filtration_range,
    filtration_ranges,
    grid_step,
    lp_norm_on_grid,
)
from tdasheaf.representations._diagram import (
    amplitude_features,
    betti_curve_features,
    entropy_features,
    image_features,
    landscape_features,
    n_points_features,
    sampling_grids,
)
from tdasheaf.representations._entropy import persistence_entropy
from tdasheaf.representations._image import heat_kernel, persistence_image
from tdasheaf.representations._landscape import persistence_landscape

__all__ = [
    "AMPLITUDE_METRICS",
    "amplitude",
    "amplitude_features",
    "bars_of_degree",
    "betti_amplitude",
    "betti_curve",
    "betti_curve_features",
    "bottleneck_amplitude",
    "entropy_features",
    "filtration_range",
    "filtration_ranges",
    "grid_step",
    "heat_amplitude",
    "heat_kernel",
    "image_features",
    "landscape_amplitude",
    "landscape_features",
    "lp_norm_on_grid",
    "n_points_features",
    "persistence_entropy",
    "persistence_image",
    "persistence_image_amplitude",
    "persistence_landscape",
    "sampling_grids",
    "wasserstein_amplitude",
]
