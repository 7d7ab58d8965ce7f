"""The one module that imports scikit-learn's private helpers.

If scikit-learn moves them, only this file changes.
"""

from __future__ import annotations

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "Interval",
    "Options",
    "StrOptions",
    "_fit_context",
    "check_is_fitted",
    "validate_params",
]
