"""Exceptions raised by tdasheaf.

Every error that reports bad *input* derives from :class:`ValueError` (or
:class:`MemoryError` for complexes that would not fit), so code that already
catches the built-in classes keeps working.
"""

from __future__ import annotations

__all__ = [
    "ComplexTooLargeError",
    "InvalidSheafError",
    "NumericalWarning",
    "PointCloudReadError",
]


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


class NumericalWarning(UserWarning):
    """A floating-point result could not be certified.

    Emitted by the real-coefficient (``field="R"``) engine when a rank decision sits within
    its tolerance band, so that a nearby sheaf would have a different barcode. The message
    names the cohomology degree and the filtration values in doubt, and what to do instead
    (an exact prime field for integer-valued maps, a different ``dim``, a coarser scale).
    The attributes ``degree`` and ``values`` carry the same information for code.
    """

    def __init__(self, message: str, degree: int | None = None, values=()):
        super().__init__(message)
        self.degree = degree
        self.values = tuple(values)
