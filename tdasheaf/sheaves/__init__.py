"""Cellular sheaves on filtered complexes: the value type and its constructions."""

from tdasheaf.sheaves._sheaf import CellularSheaf, constant_sheaf
from tdasheaf.sheaves._signed import signed_graph_sheaf

__all__ = ["CellularSheaf", "constant_sheaf", "signed_graph_sheaf"]
