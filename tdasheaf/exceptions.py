"""Exceptions raised by tdasheaf.

Every error that reports bad *input* derives from :class:`ValueError` (or
:class:`MemoryError` for complexes that would not fit), so code that already
catches the built-in classes keeps working.
"""

from __future__ import annotations

__all__ = ["ComplexTooLargeError", "InvalidSheafError", "PointCloudReadError"]


class InvalidSheafError(ValueError):
    """A cellular sheaf is inconsistent: wrong shapes, or δ∘δ ≠ 0.

    The message names an offending pair of faces where one exists.
    """


class ComplexTooLargeError(MemoryError):
    """Building the requested filtered complex would exceed the memory budget.

    The message gives the estimated size and names the parameters that shrink
    the complex (``max_edge_length``, ``n_landmarks``, ``max_dimension``) or the
    budget itself (``memory_budget``).
    """


class PointCloudReadError(ValueError):
    """A file could not be read as a point cloud.

    Raised by :mod:`tdasheaf.io` for missing, corrupt, non-numeric, pickled or wrongly shaped
    inputs. The message starts with the file (and key, for containers) and says what to fix.
    """
