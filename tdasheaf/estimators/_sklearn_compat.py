"""The one module that imports scikit-learn's helpers beyond the public base classes.

If scikit-learn moves them, only this file changes. The floor is ``scikit-learn>=1.6``: the
estimators declare their tags through ``__sklearn_tags__`` and validate 2-D input with
:func:`sklearn.utils.validation.validate_data`, both new in 1.6.
"""

from __future__ import annotations

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Hidden,
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils._set_output import _get_output_config, _SetOutputMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "Hidden",
    "Interval",
    "Options",
    "StrOptions",
    "_SetOutputMixin",
    "_fit_context",
    "_get_output_config",
    "check_is_fitted",
    "validate_data",
    "validate_params",
]
