"""scikit-learn transformers: thin shells that validate input and call the numeric layers."""

from tdasheaf.estimators._vectorizers import (
    Amplitude,
    BettiCurve,
    NumberOfPoints,
    PersistenceEntropy,
    PersistenceImage,
    PersistenceLandscape,
)

__all__ = [
    "Amplitude",
    "BettiCurve",
    "NumberOfPoints",
    "PersistenceEntropy",
    "PersistenceImage",
    "PersistenceLandscape",
]

from tdasheaf.estimators._persistence import AlphaPersistence, RipsPersistence  # noqa: E402

__all__ += ["AlphaPersistence", "RipsPersistence"]

from tdasheaf.estimators._sheaf_persistence import SheafPersistence  # noqa: E402

__all__ += ["SheafPersistence"]

from tdasheaf.estimators._sheaf_features import SheafFeatures  # noqa: E402

__all__ += ["SheafFeatures"]

from tdasheaf.estimators._spectrum import SheafLaplacianSpectrum  # noqa: E402

__all__ += ["SheafLaplacianSpectrum"]

from tdasheaf.estimators._time_series import SlidingWindow, TakensEmbedding  # noqa: E402

__all__ += ["SlidingWindow", "TakensEmbedding"]

from tdasheaf.estimators._outlier import SheafOutlierDetector  # noqa: E402

__all__ += ["SheafOutlierDetector"]

from tdasheaf.estimators._fusion import SheafDenoiser, SheafFusion  # noqa: E402

__all__ += ["SheafDenoiser", "SheafFusion"]
