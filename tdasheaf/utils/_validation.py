"""Validation of point clouds and collections of point clouds.

Input format, defined once for the whole library
-------------------------------------------------
A *point cloud* is a 2-D array of shape ``(n_points, n_features)`` of finite real numbers.
A *collection* is either a list (or tuple) of point clouds, all with the same number of
features (unless the computation is per cloud: ``same_dimension=False``), or a 3-D array of
shape ``(n_samples, n_points, n_features)``.
With ``metric="precomputed"`` every sample is instead a square, symmetric, non-negative
distance matrix with zero diagonal.
Every error names the sample index and what is wrong.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["check_collection", "check_degrees", "check_point_cloud", "check_positive_threshold"]


def _where(index: int | None) -> str:
    return "" if index is None else f"sample {index}: "


def _nonfinite_rows(A: np.ndarray, limit: int = 5) -> str:
    """The rows (first axis) of ``A`` that hold a NaN or an infinity, as text for an error.

    ``""`` when every value is finite; else their indices, the first ``limit`` of them.

    Examples
    --------
    >>> _nonfinite_rows(np.array([[0.0, np.nan], [1.0, 2.0], [np.inf, 0.0]]))
    '0, 2'
    >>> _nonfinite_rows(np.full(7, np.nan))
    '0, 1, 2, 3, 4, ...'
    """
    rows = np.flatnonzero(~np.isfinite(A.reshape(len(A), -1)).all(axis=1))
    return ", ".join(map(str, rows[:limit])) + (", ..." if rows.size > limit else "")


def check_point_cloud(
    X,
    *,
    index: int | None = None,
    min_points: int = 2,
    metric: str = "euclidean",
    n_features: int | None = None,
) -> np.ndarray:
    """Validate one point cloud (or distance matrix) and return it as float64.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The points (or, with ``metric="precomputed"``, an ``(n, n)`` distance matrix).
    index : int, optional
        The sample's position in its collection, used in error messages.
    min_points : int, default=2
        Fewer points than this is an error (persistence of one point is not informative
        and usually means a bug upstream).
    metric : str, default="euclidean"
        ``"precomputed"`` switches to distance-matrix checks.
    n_features : int, optional
        Required number of columns (all clouds of a collection must agree).

    Returns
    -------
    numpy.ndarray
        A C-contiguous float64 copy or view.

    Examples
    --------
    >>> check_point_cloud([[0.0, 0.0], [1.0, 0.0]]).shape
    (2, 2)
    >>> check_point_cloud([[0.0, float("nan")], [1.0, 0.0]], index=3)
    Traceback (most recent call last):
    ...
    ValueError: sample 3: the point cloud contains NaN or infinite coordinates (rows [0]); ...
    """
    where = _where(index)
    try:
        A = np.asarray(X)
    except Exception as exc:  # ragged nested lists and the like
        raise ValueError(f"{where}could not convert the input to an array ({exc}).") from exc
    if A.dtype == object or not (
        np.issubdtype(A.dtype, np.number) or np.issubdtype(A.dtype, np.bool_)
    ):
        raise ValueError(
            f"{where}expected numeric data, got an array of dtype {A.dtype}; "
            "convert text columns to numbers or drop them."
        )
    if np.iscomplexobj(A):
        raise ValueError(f"{where}complex-valued coordinates are not supported.")
    if A.ndim != 2:
        raise ValueError(
            f"{where}expected a 2-D array of shape (n_points, n_features), got shape {A.shape}."
        )
    A = np.ascontiguousarray(A, dtype=np.float64)
    if A.shape[0] == 0:
        raise ValueError(f"{where}the point cloud is empty (0 points).")
    if A.shape[0] < min_points:
        raise ValueError(
            f"{where}the point cloud has {A.shape[0]} point(s); at least {min_points} are needed."
        )
    if A.shape[1] == 0:
        raise ValueError(f"{where}the point cloud has 0 features (shape {A.shape}).")
    shown = _nonfinite_rows(A)
    if shown:
        raise ValueError(
            f"{where}the point cloud contains NaN or infinite coordinates (rows [{shown}]); "
            "remove or impute them first."
        )
    if metric == "precomputed":
        if A.shape[0] != A.shape[1]:
            raise ValueError(
                f"{where}metric='precomputed' needs a square distance matrix, got shape {A.shape}."
            )
        if (A < 0).any():
            raise ValueError(f"{where}the distance matrix has negative entries.")
        if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12):
            raise ValueError(f"{where}the distance matrix is not symmetric.")
        if np.any(np.diag(A) != 0):
            raise ValueError(f"{where}the distance matrix has a non-zero diagonal.")
    elif n_features is not None and A.shape[1] != n_features:
        raise ValueError(
            f"{where}the point cloud has {A.shape[1]} features but the collection's first "
            f"cloud has {n_features}; every cloud in a collection must have the same dimension."
        )
    return A


def check_collection(
    X,
    *,
    min_points: int = 2,
    metric: str = "euclidean",
    n_features: int | None = None,
    same_dimension: bool = True,
) -> list[np.ndarray]:
    """Validate a collection of point clouds and return a list of float64 arrays.

    Parameters
    ----------
    X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
        The collection.
    min_points : int, default=2
        Passed to :func:`check_point_cloud` for every sample.
    metric : str, default="euclidean"
        ``"precomputed"`` for distance matrices.
    n_features : int, optional
        Required dimension (e.g. the one seen in ``fit``); by default the first cloud's.
    same_dimension : bool, default=True
        ``False`` accepts clouds of different dimensions (for computations done per cloud,
        such as Rips persistence or sheaf features); ``n_features`` is then ignored.

    Returns
    -------
    list of numpy.ndarray

    Examples
    --------
    >>> Xs = check_collection(np.zeros((3, 4, 2)) + np.arange(4)[None, :, None])
    >>> len(Xs), Xs[0].shape
    (3, (4, 2))
    """
    if isinstance(X, np.ndarray):
        if X.ndim != 3:
            raise ValueError(
                "expected a collection of point clouds: a list of (n_points, n_features) arrays "
                f"or a 3-D array of shape (n_samples, n_points, n_features); got an array of shape "
                f"{X.shape}. For a single cloud, wrap it in a list: [X]."
            )
        samples: Sequence = list(X)
    elif isinstance(X, (str, bytes)) or not isinstance(X, Iterable):
        raise ValueError(
            "expected a collection of point clouds (a list of 2-D arrays or a 3-D array), "
            f"got {type(X).__name__}."
        )
    else:
        samples = list(X)
    out = []
    for i, sample in enumerate(samples):
        A = check_point_cloud(
            sample,
            index=i,
            min_points=min_points,
            metric=metric,
            n_features=n_features if same_dimension else None,
        )
        if n_features is None and metric != "precomputed" and same_dimension:
            n_features = A.shape[1]
        out.append(A)
    return out


def check_degrees(degrees, *, name: str = "homology_dimensions", max_degree: int = 10) -> tuple:
    """Validate a tuple of (co)homology degrees: distinct non-negative integers, sorted.

    Examples
    --------
    >>> check_degrees([1, 0])
    (0, 1)
    """
    if isinstance(degrees, numbers.Integral):
        degrees = (degrees,)
    try:
        values = [d for d in degrees]
    except TypeError as exc:
        raise ValueError(
            f"{name} must be a sequence of non-negative integers, got {degrees!r}."
        ) from exc
    if not values:
        raise ValueError(f"{name} must not be empty.")
    for d in values:
        if not isinstance(d, numbers.Integral) or isinstance(d, bool) or d < 0:
            raise ValueError(f"{name} must contain non-negative integers, got {d!r}.")
        if d > max_degree:
            raise ValueError(f"{name} contains {d}; degrees above {max_degree} are not supported.")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} contains duplicates: {degrees!r}.")
    return tuple(sorted(int(d) for d in values))


def check_positive_threshold(value, *, name: str, allow_inf: bool = True) -> float:
    """Validate a non-negative, non-NaN threshold such as ``max_edge_length``.

    Examples
    --------
    >>> check_positive_threshold(float("inf"), name="max_edge_length")
    inf
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}.")
    value = float(value)
    if np.isnan(value):
        raise ValueError(f"{name} must not be NaN.")
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}.")
    if np.isinf(value) and not allow_inf:
        raise ValueError(f"{name} must be finite, got {value}.")
    return value
