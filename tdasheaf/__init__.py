"""tdasheaf: topological data analysis with cellular sheaves.

Point clouds → filtered simplicial complexes (:mod:`tdasheaf.complexes`) → cellular sheaves
(:mod:`tdasheaf.sheaves`) → persistent sheaf cohomology and Laplacians
(:mod:`tdasheaf.cohomology`) → features (:mod:`tdasheaf.representations`), with scikit-learn
transformers for every step (:mod:`tdasheaf.estimators`, re-exported here).

Imports are lazy (PEP 562, as in SciPy and scikit-image): ``import tdasheaf`` loads no
subpackage, and neither NumPy, scikit-learn nor numba; a name of ``__all__`` or a subpackage
(``tdasheaf.SheafFeatures``, ``from tdasheaf import rips_complex``, ``tdasheaf.plotting``) is
imported on first access. So a script that only reads a table (:mod:`tdasheaf.io`) or draws a
figure pays only for what it uses. The numba kernels route their on-disk cache through
:mod:`tdasheaf._numba_cache`, which the subpackages that define kernels import first.

Examples
--------
>>> import tdasheaf
>>> tdasheaf.SheafFeatures is tdasheaf.estimators.SheafFeatures
True
>>> "SheafFeatures" in dir(tdasheaf)
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"

# public name -> the subpackage or module it is imported from on first access
_LAZY = {
    **dict.fromkeys(
        (
            "consistency_radius",
            "flag_persistence",
            "laplacian_spectrum",
            "nearest_global_section",
            "persistent_betti",
            "persistent_laplacian",
            "sheaf_diffusion",
            "sheaf_persistence",
        ),
        "tdasheaf.cohomology",
    ),
    **dict.fromkeys(("FilteredComplex", "alpha_complex", "rips_complex"), "tdasheaf.complexes"),
    **dict.fromkeys(
        (
            "AlphaPersistence",
            "Amplitude",
            "BettiCurve",
            "NumberOfPoints",
            "PersistenceEntropy",
            "PersistenceImage",
            "PersistenceLandscape",
            "RipsPersistence",
            "SheafDenoiser",
            "SheafFeatures",
            "SheafFusion",
            "SheafLaplacianSpectrum",
            "SheafOutlierDetector",
            "SheafPersistence",
            "SlidingWindow",
            "TakensEmbedding",
        ),
        "tdasheaf.estimators",
    ),
    **dict.fromkeys(
        ("ComplexTooLargeError", "InvalidSheafError", "NumericalWarning"), "tdasheaf.exceptions"
    ),
    **dict.fromkeys(
        (
            "CellularSheaf",
            "constant_sheaf",
            "orientation_sheaf",
            "signal_sheaf",
            "tangent_sheaf",
        ),
        "tdasheaf.sheaves",
    ),
}

# subpackages and public modules, reachable as attributes (``tdasheaf.plotting``) after a bare
# ``import tdasheaf``, as they were when this file imported them eagerly
_SUBMODULES = (
    "batch",
    "cohomology",
    "complexes",
    "datasets",
    "diagrams",
    "estimators",
    "exceptions",
    "geometry",
    "io",
    "learning",
    "plotting",
    "report",
    "representations",
    "sheaves",
    "time_series",
    "utils",
)

__all__ = [
    "AlphaPersistence",
    "Amplitude",
    "BettiCurve",
    "CellularSheaf",
    "ComplexTooLargeError",
    "FilteredComplex",
    "InvalidSheafError",
    "NumericalWarning",
    "NumberOfPoints",
    "PersistenceEntropy",
    "PersistenceImage",
    "PersistenceLandscape",
    "RipsPersistence",
    "SheafDenoiser",
    "SheafFeatures",
    "SheafFusion",
    "SheafLaplacianSpectrum",
    "SheafOutlierDetector",
    "SheafPersistence",
    "SlidingWindow",
    "TakensEmbedding",
    "alpha_complex",
    "consistency_radius",
    "constant_sheaf",
    "flag_persistence",
    "laplacian_spectrum",
    "nearest_global_section",
    "orientation_sheaf",
    "persistent_betti",
    "persistent_laplacian",
    "rips_complex",
    "sheaf_diffusion",
    "sheaf_persistence",
    "signal_sheaf",
    "tangent_sheaf",
]


def __getattr__(name: str) -> Any:
    """Import a public name or a subpackage on first access (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})


if TYPE_CHECKING:  # the real imports, for type checkers and IDEs only
    from tdasheaf.cohomology import (
        consistency_radius,
        flag_persistence,
        laplacian_spectrum,
        nearest_global_section,
        persistent_betti,
        persistent_laplacian,
        sheaf_diffusion,
        sheaf_persistence,
    )
    from tdasheaf.complexes import FilteredComplex, alpha_complex, rips_complex
    from tdasheaf.estimators import (
        AlphaPersistence,
        Amplitude,
        BettiCurve,
        NumberOfPoints,
        PersistenceEntropy,
        PersistenceImage,
        PersistenceLandscape,
        RipsPersistence,
        SheafDenoiser,
        SheafFeatures,
        SheafFusion,
        SheafLaplacianSpectrum,
        SheafOutlierDetector,
        SheafPersistence,
        SlidingWindow,
        TakensEmbedding,
    )
    from tdasheaf.exceptions import ComplexTooLargeError, InvalidSheafError, NumericalWarning
    from tdasheaf.sheaves import (
        CellularSheaf,
        constant_sheaf,
        orientation_sheaf,
        signal_sheaf,
        tangent_sheaf,
    )
