"""Sheaf cohomology: coboundaries, Laplacians and persistent cohomology engines."""

from tdasheaf.cohomology._coboundary import coboundary, sheaf_laplacian
from tdasheaf.cohomology._persistence import (
    DEFAULT_PRIME,
    DEFAULT_RTOL,
    Cocycle,
    flag_persistence,
    sheaf_persistence,
)

__all__ = [
    "DEFAULT_PRIME",
    "DEFAULT_RTOL",
    "Cocycle",
    "coboundary",
    "flag_persistence",
    "sheaf_laplacian",
    "sheaf_persistence",
]
