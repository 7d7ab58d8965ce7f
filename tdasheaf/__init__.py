"""tdasheaf: topological data analysis with cellular sheaves.

Point clouds → filtered simplicial complexes (:mod:`tdasheaf.complexes`) → cellular sheaves
(:mod:`tdasheaf.sheaves`) → persistent sheaf cohomology and Laplacians
(:mod:`tdasheaf.cohomology`) → features (:mod:`tdasheaf.representations`), with scikit-learn
transformers for every step (:mod:`tdasheaf.estimators`, re-exported here).
"""

# first: routes the numba cache of every kernel below to a directory keyed by their sources
from tdasheaf import _numba_cache  # noqa: F401  # isort: skip
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

__version__ = "0.1.0.dev0"

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
