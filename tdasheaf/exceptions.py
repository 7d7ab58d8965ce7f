"""Exceptions raised by tdasheaf.

Every error that reports bad *input* derives from :class:`ValueError` (or
:class:`MemoryError` for complexes that would not fit), so code that already
catches the built-in classes keeps working.
"""

from __future__ import annotations

__all__ = ["ComplexTooLargeError", "InvalidSheafError"]


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
