"""Generators of small test objects: triangulated surfaces, their orientation sign sheaves."""

from tdasheaf.datasets._triangulations import (
    SURFACES,
    orientation_signs,
    sign_sheaf,
    triangulated_surface,
)

__all__ = ["SURFACES", "orientation_signs", "sign_sheaf", "triangulated_surface"]
