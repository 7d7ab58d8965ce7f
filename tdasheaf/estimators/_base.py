"""The base of every estimator that consumes a *collection* of samples.

A collection estimator takes a list of samples (or an array with one more leading axis) and
treats every sample on its own: a list of point clouds ``(n_points, n_features)`` or a 3-D array
``(n_samples, n_points, n_features)`` (format: :mod:`tdasheaf.utils._validation`), a collection of
diagrams ``(n_samples, n_points, 3)`` (:mod:`tdasheaf.diagrams`), of reading arrays or of series.
Rows of a 2-D matrix are *not* samples for them, so scikit-learn's ``check_estimator`` does not
apply; ``tests/test_estimator_contract.py`` holds their contract suite.

What the base gives, once for all of them:

:class:`CollectionMixin`
    the scikit-learn tags of collection input (``two_d_array=False``, ``three_d_array=True``,
    no target), the validation of a collection of point clouds (:meth:`~CollectionMixin.
    _validate_samples`: non-empty, finite, ``n_features_in_`` recorded in ``fit`` and checked
    after it with an error naming the expected and the received dimension), and the map of a
    per-sample kernel over the collection with the estimator's ``n_jobs``
    (:func:`tdasheaf.utils.map_samples`, which names the failing sample in errors).
:class:`CollectionOutputMixin`
    for estimators whose *output* is a collection too (diagrams, clouds, windows): no
    DataFrame can hold it, so ``set_output(transform="pandas" | "polars")`` raises a clear
    error instead of being silently ignored; ``set_output(transform="default")`` is accepted.

Mixins go left of ``TransformerMixin`` and ``BaseEstimator``::

    class RipsPersistence(CollectionOutputMixin, CollectionMixin, TransformerMixin, BaseEstimator)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tdasheaf.estimators._sklearn_compat import _SetOutputMixin
from tdasheaf.utils import check_collection, map_samples

__all__ = [
    "DEPRECATED",
    "CollectionMixin",
    "CollectionOutputMixin",
    "check_samples",
    "renamed_parameter",
    "validate_samples",
]

#: Default of a parameter being renamed (scikit-learn's deprecation cycle): the old name stays
#: in ``__init__`` with this default for two releases, and :func:`renamed_parameter` resolves it.
DEPRECATED = "deprecated"


def _is_dataframe(X) -> bool:
    return hasattr(X, "columns") and hasattr(X, "to_numpy") and hasattr(X, "iloc")


def check_samples(
    X,
    *,
    metric="euclidean",
    n_features: int | None = None,
    owner: str = "",
    same_dimension: bool = True,
) -> list[np.ndarray]:
    """Validate a collection of point clouds: ``check_collection`` plus non-empty and dimension.

    Parameters
    ----------
    X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
        The collection (distance matrices with ``metric="precomputed"``).
    metric : str or callable, default="euclidean"
        Only ``"precomputed"`` changes the validation (square distance matrices).
    n_features : int, optional
        The dimension every cloud must have (the one seen in ``fit``).
    owner : str, default=""
        The estimator's name, for error messages.
    same_dimension : bool, default=True
        ``False`` accepts clouds of different dimensions (estimators whose work is per cloud).

    Returns
    -------
    list of ndarray
        The clouds as float64 arrays.

    Examples
    --------
    >>> [A.shape for A in check_samples(np.zeros((2, 3, 2)))]
    [(3, 2), (3, 2)]
    >>> check_samples([])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: expected a non-empty collection of point clouds, got 0 samples; ...
    """
    metric_name = metric if isinstance(metric, str) and metric == "precomputed" else "euclidean"
    who = owner or "the estimator"
    if _is_dataframe(X):
        raise ValueError(
            f"got a pandas {type(X).__name__} as the collection, but {who} "
            "takes a collection of point clouds: pass a list of arrays (one (n_points, "
            "n_features) array per cloud), or [df.to_numpy()] for one cloud held in a "
            "DataFrame (numeric columns only)."
        )
    samples = check_collection(X, metric=metric_name, same_dimension=same_dimension)
    if not samples:
        raise ValueError(
            "expected a non-empty collection of point clouds, got 0 samples; "
            "a minimum of 1 is required."
        )
    if same_dimension and n_features is not None and samples[0].shape[1] != n_features:
        raise ValueError(
            f"sample 0: the point cloud has {samples[0].shape[1]} features, but {who} was "
            f"fitted on clouds with {n_features} features (expected {n_features}, got "
            f"{samples[0].shape[1]})."
        )
    return samples


def renamed_parameter(estimator, *, old: str, new: str, removed_in: str, stacklevel: int = 4):
    """The value of a renamed parameter: ``new``'s, or ``old``'s with a ``FutureWarning``.

    Call it in ``fit``. ``old`` defaults to :data:`DEPRECATED`; a user who sets it gets its value
    and a ``FutureWarning`` naming ``new``. Setting both (``new`` away from its default) is a
    ``ValueError``. ``get_params``, ``set_params`` and ``clone`` never warn (they do not call
    this).

    Parameters
    ----------
    estimator : estimator instance
    old, new : str
        The parameter names.
    removed_in : str
        The release in which ``old`` goes away (two releases after the rename).
    stacklevel : int, default=4
        Of the warning: 4 names the user's line when called from a ``fit`` decorated with
        ``_fit_context``.

    Returns
    -------
    object
        The value to use.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.base import BaseEstimator
    >>> class Est(BaseEstimator):
    ...     def __init__(self, size=3, width=DEPRECATED):
    ...         self.size, self.width = size, width
    >>> renamed_parameter(Est(), old="width", new="size", removed_in="0.3")
    3
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = renamed_parameter(Est(width=5), old="width", new="size", removed_in="0.3")
    >>> value, caught[0].category.__name__
    (5, 'FutureWarning')
    """
    import inspect
    import warnings

    old_value = getattr(estimator, old)
    new_value = getattr(estimator, new)
    if isinstance(old_value, str) and old_value == DEPRECATED:
        return new_value
    default = inspect.signature(type(estimator).__init__).parameters[new].default
    same = new_value is default
    if not same:
        try:
            same = bool(np.array_equal(np.asarray(new_value), np.asarray(default)))
        except (TypeError, ValueError):
            same = False
    name = type(estimator).__name__
    if not same:
        raise ValueError(
            f"{name}: both {new}={new_value!r} and its former name {old}={old_value!r} are set; "
            f"pass only {new} ({old} is deprecated)."
        )
    warnings.warn(
        f"{name}: the parameter {old!r} was renamed {new!r} in 0.1 and will be removed in "
        f"{removed_in}; pass {new}={old_value!r} instead.",
        FutureWarning,
        stacklevel=stacklevel,
    )
    return old_value


def validate_samples(estimator, X, *, reset: bool, metric="euclidean") -> list[np.ndarray]:
    """:func:`check_samples` for an estimator, as scikit-learn's ``validate_data`` does for 2-D X.

    ``reset=True`` (in ``fit``) records the clouds' dimension as ``n_features_in_`` (and removes
    it for distance matrices, ``metric="precomputed"``, or clouds of several dimensions when the
    estimator sets ``_any_dimension``); ``reset=False`` (after ``fit``) checks the clouds
    against it.

    Parameters
    ----------
    estimator : estimator instance
    X : collection of point clouds
    reset : bool
    metric : str or callable, default="euclidean"

    Returns
    -------
    list of ndarray

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> est = BaseEstimator()
    >>> _ = validate_samples(est, [np.zeros((3, 2))], reset=True)
    >>> est.n_features_in_
    2
    """
    same = not getattr(estimator, "_any_dimension", False)
    owner = type(estimator).__name__
    if not reset:
        return check_samples(
            X,
            metric=metric,
            n_features=getattr(estimator, "n_features_in_", None),
            owner=owner,
            same_dimension=same,
        )
    samples = check_samples(X, metric=metric, owner=owner, same_dimension=same)
    dims = {A.shape[1] for A in samples}
    if (isinstance(metric, str) and metric == "precomputed") or len(dims) > 1:
        # distance matrices, or clouds of several dimensions: no single input dimension
        estimator.__dict__.pop("n_features_in_", None)  # from an earlier fit
    else:
        estimator.n_features_in_ = samples[0].shape[1]
    return samples


class CollectionMixin:
    """Mixin of the estimators over collections: tags, validation, the map over samples.

    Class attributes a subclass may set:

    ``_any_dimension`` (default ``False``)
        ``True`` accepts clouds of different dimensions in one collection (the work is per
        cloud); ``n_features_in_`` is then set only when they share one dimension.
    """

    #: accept clouds of different dimensions (``n_features_in_`` set only if they agree)
    _any_dimension = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.target_tags.required = False
        return tags

    def _validate_samples(self, X, *, reset: bool, metric="euclidean") -> list[np.ndarray]:
        """The validated clouds of ``X`` (see :func:`validate_samples`)."""
        return validate_samples(self, X, reset=reset, metric=metric)

    def _map_samples(self, func: Callable, samples, **kwargs: Any) -> list:
        """``func(sample, **kwargs)`` for every sample, with ``n_jobs`` workers, in order."""
        return map_samples(func, samples, n_jobs=getattr(self, "n_jobs", None), **kwargs)


#: ``set_output`` values that keep the estimator's own output type.
_DEFAULT_OUTPUTS = (None, "default")


class CollectionOutputMixin:
    """Mixin of the estimators whose output is a collection (diagrams, clouds, windows).

    scikit-learn wraps ``transform`` in a DataFrame when asked; a collection of 3-D samples has
    no table form, so the wrapping is disabled for these classes (the global
    ``sklearn.set_config(transform_output=...)`` leaves their output unchanged) and
    :meth:`set_output` with ``"pandas"`` or ``"polars"`` raises instead of being ignored.
    """

    def __init_subclass__(cls, **kwargs):
        if issubclass(cls, _SetOutputMixin):
            # no DataFrame wrapping of ``transform`` (``TransformerMixin`` would add it)
            kwargs.setdefault("auto_wrap_output_keys", None)
        super().__init_subclass__(**kwargs)

    def set_output(self, *, transform=None):
        """Keep the output a NumPy array; a DataFrame output is refused with a clear error.

        Parameters
        ----------
        transform : {"default", None}, optional
            ``"default"`` (or ``None``) is accepted so that ``set_output(transform="default")``
            works. ``"pandas"`` and ``"polars"`` raise :class:`ValueError`: configure the table
            step after this one instead (``pipe[-1].set_output(transform="pandas")``).

        Returns
        -------
        self
        """
        if transform in _DEFAULT_OUTPUTS:
            return self
        raise ValueError(
            f"set_output(transform={transform!r}): {type(self).__name__} returns a collection "
            "(one array per sample, 3-D when stacked), which a DataFrame cannot hold. Set the "
            "output of the step that returns a feature table instead, e.g. "
            f"pipe[-1].set_output(transform={transform!r}) on a Pipeline ending in a vectoriser."
        )
