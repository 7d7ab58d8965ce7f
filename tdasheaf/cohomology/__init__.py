"""Sheaf cohomology: coboundaries, Laplacians and persistent cohomology engines."""

# first: routes the numba cache of the kernels below (tdasheaf/_numba_cache.py)
import tdasheaf._numba_cache  # noqa: F401
from tdasheaf.cohomology._coboundary import coboundary, sheaf_laplacian
from tdasheaf.cohomology._persistence import (
    DEFAULT_PRIME,
    DEFAULT_RTOL,
    Cocycle,
    flag_persistence,
    representative_cocycles,
    sheaf_persistence,
)

__all__ = [
    "DEFAULT_PRIME",
    "DEFAULT_RTOL",
    "Cocycle",
    "coboundary",
    "flag_persistence",
    "representative_cocycles",
    "sheaf_laplacian",
    "sheaf_persistence",
]

from tdasheaf.cohomology._laplacian_spectra import (  # noqa: E402
    PERSISTENT_MAX_DIM,
    ZERO_RTOL,
    laplacian_spectrum,
    persistent_betti,
    persistent_laplacian,
    persistent_spectrum,
    smallest_eigenvalues,
    sublevel_laplacian,
)

__all__ += [
    "PERSISTENT_MAX_DIM",
    "ZERO_RTOL",
    "laplacian_spectrum",
    "persistent_betti",
    "persistent_laplacian",
    "persistent_spectrum",
    "smallest_eigenvalues",
    "sublevel_laplacian",
]

from tdasheaf.cohomology._connection import (  # noqa: E402
    U1_RTOL,
    connection_laplacian,
    connection_spectrum,
)

__all__ += ["U1_RTOL", "connection_laplacian", "connection_spectrum"]

from tdasheaf.cohomology._sections import (  # noqa: E402
    ConsistencyFiltration,
    GlobalSection,
    consistency_filtration,
    consistency_radius,
    edge_inconsistencies,
    nearest_global_section,
    sheaf_diffusion,
    vertex_inconsistencies,
)

__all__ += [
    "ConsistencyFiltration",
    "GlobalSection",
    "consistency_filtration",
    "consistency_radius",
    "edge_inconsistencies",
    "nearest_global_section",
    "sheaf_diffusion",
    "vertex_inconsistencies",
]

from tdasheaf.cohomology._local_scores import (  # noqa: E402
    LOCAL_SCORE_COMPONENTS,
    LocalSheafReference,
    fit_local_reference,
    h0_join_times,
    local_score_components,
)

__all__ += [
    "LOCAL_SCORE_COMPONENTS",
    "LocalSheafReference",
    "fit_local_reference",
    "h0_join_times",
    "local_score_components",
]

from tdasheaf.cohomology._fusion import FusionResult, fuse_readings  # noqa: E402

__all__ += ["FusionResult", "fuse_readings"]

from tdasheaf.cohomology._classical import alpha_persistence, rips_persistence  # noqa: E402

__all__ += ["alpha_persistence", "rips_persistence"]
