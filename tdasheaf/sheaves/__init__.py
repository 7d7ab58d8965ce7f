"""Cellular sheaves on filtered complexes: the value type and its constructions."""

from tdasheaf.sheaves._sheaf import CellularSheaf, constant_sheaf

__all__ = ["CellularSheaf", "constant_sheaf"]
