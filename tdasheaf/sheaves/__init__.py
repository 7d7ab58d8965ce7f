"""Cellular sheaves on filtered complexes: the value type and its constructions."""

from tdasheaf.sheaves._constructions import (
    edge_alignments,
    orientation_sheaf,
    signal_filtration,
    signal_sheaf,
    tangent_sheaf,
)
from tdasheaf.sheaves._frames import (
    FRAME_METHODS,
    LocalFrames,
    align_frames,
    estimate_dimension,
    jet_min_neighbors,
    local_frames,
)
from tdasheaf.sheaves._holonomy import (
    HOLONOMY_STATISTICS,
    CurvatureEstimates,
    TriangleHolonomy,
    curvature_estimates,
    holonomy_features,
    triangle_holonomy,
)
from tdasheaf.sheaves._sheaf import CellularSheaf, ConstantSheaf, constant_sheaf
from tdasheaf.sheaves._signed import SignedGraphSheaf, signed_graph_sheaf

__all__ = [
    "FRAME_METHODS",
    "HOLONOMY_STATISTICS",
    "CellularSheaf",
    "ConstantSheaf",
    "CurvatureEstimates",
    "LocalFrames",
    "SignedGraphSheaf",
    "TriangleHolonomy",
    "align_frames",
    "constant_sheaf",
    "curvature_estimates",
    "edge_alignments",
    "estimate_dimension",
    "holonomy_features",
    "jet_min_neighbors",
    "local_frames",
    "orientation_sheaf",
    "signal_filtration",
    "signal_sheaf",
    "signed_graph_sheaf",
    "tangent_sheaf",
    "triangle_holonomy",
]

from tdasheaf.sheaves._frames import frame_edges, neighbourhood_pca  # noqa: E402

__all__ += ["frame_edges", "neighbourhood_pca"]

from tdasheaf.sheaves._sensor import sensor_sheaf  # noqa: E402

__all__ += ["sensor_sheaf"]
