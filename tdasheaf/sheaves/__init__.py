"""Cellular sheaves on filtered complexes: the value type and its constructions."""

from tdasheaf.sheaves._constructions import (
    edge_alignments,
    orientation_sheaf,
    signal_sheaf,
    tangent_sheaf,
)
from tdasheaf.sheaves._frames import LocalFrames, align_frames, estimate_dimension, local_frames
from tdasheaf.sheaves._sheaf import CellularSheaf, constant_sheaf
from tdasheaf.sheaves._signed import signed_graph_sheaf

__all__ = [
    "CellularSheaf",
    "LocalFrames",
    "align_frames",
    "constant_sheaf",
    "edge_alignments",
    "estimate_dimension",
    "local_frames",
    "orientation_sheaf",
    "signal_sheaf",
    "signed_graph_sheaf",
    "tangent_sheaf",
]
