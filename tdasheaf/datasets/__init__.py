"""Generators of test objects (triangulated surfaces, their orientation sign sheaves, point
clouds sampled from curves and surfaces, the entangled two-class clouds of Naitzat, Zhitnikov &
Lim) and loaders of bundled and real point-cloud data."""

from tdasheaf.datasets._entangled import (
    make_disks_in_holes,
    make_linked_rings,
    make_nested_spheres,
)
from tdasheaf.datasets._generators import (
    SHAPES,
    make_circle,
    make_cylinder,
    make_figure_eight,
    make_flat_torus,
    make_klein_bottle,
    make_mobius_band,
    make_shape,
    make_sphere,
    make_swiss_roll,
    make_torus,
    random_rotation,
)
from tdasheaf.datasets._loaders import (
    DCT_BASIS,
    bundled_data_path,
    load_bundled_point_clouds,
    load_digits_point_clouds,
    load_image_patches,
)
from tdasheaf.datasets._random_sheaves import random_gauge_sheaf
from tdasheaf.datasets._series import load_internal_bleeding, load_internal_bleeding_windows
from tdasheaf.datasets._triangulations import (
    SURFACES,
    orientation_signs,
    sign_sheaf,
    triangulated_surface,
)

__all__ = [
    "load_internal_bleeding",
    "load_internal_bleeding_windows",
    "SURFACES",
    "orientation_signs",
    "sign_sheaf",
    "triangulated_surface",
    "SHAPES",
    "make_circle",
    "make_cylinder",
    "make_disks_in_holes",
    "make_figure_eight",
    "make_flat_torus",
    "make_klein_bottle",
    "make_linked_rings",
    "make_mobius_band",
    "make_nested_spheres",
    "make_shape",
    "make_sphere",
    "make_swiss_roll",
    "make_torus",
    "random_gauge_sheaf",
    "random_rotation",
    "DCT_BASIS",
    "bundled_data_path",
    "load_bundled_point_clouds",
    "load_digits_point_clouds",
    "load_image_patches",
]
