"""Standardising and combining per-point score components (behind SheafOutlierDetector).

Components arrive as ``name → ndarray`` (one column per neighbourhood size, higher = more
anomalous); :func:`robust_location_scale` and :func:`standardize_components` turn them into
robust z-scores on a reference (training) set, :func:`component_ranks` into mid-ranks among the
reference's values, and :func:`combine_ranks` averages those (``combine="rank"``).
Re-exported by :mod:`tdasheaf.cohomology._local_scores`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "GAP_MANIFOLD",
    "GAP_TABLE",
    "SCALE_FLOOR",
    "combine_auto",
    "combine_ranks",
    "component_ranks",
    "robust_location_scale",
    "standardize_components",
    "table_location_scale",
    "table_score",
    "tangent_weight",
]

#: Robust scales below this are treated as zero (every component is dimensionless, and values
#: at this level are rounding, e.g. the frame residual of two identical planes is ~1e-8).
SCALE_FLOOR = 1e-6

#: ``combine="auto"``: at or below this tangent eigengap the data are read as a table (weight 0
#: on the manifold score), at or above ``GAP_MANIFOLD`` as a sampled manifold (weight 1);
#: log-linear in between.
GAP_TABLE = 2.0
GAP_MANIFOLD = 8.0




def robust_location_scale(values) -> tuple[np.ndarray, np.ndarray]:
    """Median and robust upper-tail scale of every column (components are dimensionless).

    ``scale = max(1.4826·MAD, (q90 − median) / 1.2816)``: the MAD, widened where the upper tail
    is heavier than a normal one (so that every component's 90th percentile sits at z ≤ 1.28
    and no skewed component dominates the maximum over components); robust to up to 10 %
    contamination of the reference. Where both are below ``SCALE_FLOOR`` (more than 90 % of the
    values tie with the median: zero-inflated components such as the orientation conflicts of
    an orientable sample), ``1.2533·mean |x − median|`` is used; where that is below the floor
    too, the column is constant: its scale is ``inf`` and it standardises to 0 (it carries no
    information).

    Examples
    --------
    >>> V = np.c_[np.r_[1.0, np.zeros(19)], np.arange(20.0), np.full(20, 5.0)]
    >>> loc, scale = robust_location_scale(V)   # zero-inflated, spread, constant
    >>> loc, scale.round(3)
    (array([0. , 9.5, 5. ]), array([0.063, 7.413,   inf]))
    """
    V = np.asarray(values, dtype=np.float64)
    loc = np.median(V, axis=0)
    dev = np.abs(V - loc)
    scale = np.maximum(
        1.4826 * np.median(dev, axis=0), (np.percentile(V, 90, axis=0) - loc) / 1.2816
    )
    mean_dev = 1.2533 * dev.mean(axis=0)
    scale = np.where(scale > SCALE_FLOOR, scale, np.where(mean_dev > SCALE_FLOOR, mean_dev, np.inf))
    return loc, scale


def standardize_components(components: dict, location: dict, scale: dict) -> dict:
    """``(raw − location) / scale`` per component and size, then the mean over sizes.

    Returns
    -------
    dict
        Name → ndarray of shape (m,): robust z-scores (0 = typical of the reference,
        positive = more anomalous), averaged over the neighbourhood sizes.

    Examples
    --------
    >>> standardize_components({"a": np.array([[1.0, 3.0]])}, {"a": np.zeros(2)},
    ...                        {"a": np.array([1.0, 1.0])})
    {'a': array([2.])}
    """
    out = {}
    for name, raw in components.items():
        z = (np.asarray(raw, dtype=np.float64) - location[name]) / scale[name]
        out[name] = z.mean(axis=1)
    return out


def component_ranks(z: dict, reference: dict, names) -> np.ndarray:
    """Mid-rank of every standardised component among the reference's values, in ``[0, 1]``.

    ``(#{reference < v} + #{reference = v} / 2) / n_reference`` for each value ``v``: the
    empirical distribution function of the component on the training rows (duplicates counted),
    so every component is on the same, distribution-free scale.

    Returns
    -------
    ndarray of shape (m, len(names))

    Examples
    --------
    >>> component_ranks({"a": np.array([0.0, 2.5, 9.0])}, {"a": np.array([0.0, 1.0, 2.0, 3.0])},
    ...                 ["a"])[:, 0]
    array([0.125, 0.75 , 1.   ])
    """
    cols = []
    for c in names:
        ref = np.asarray(reference[c])
        v = np.asarray(z[c], dtype=np.float64)
        lo = np.searchsorted(ref, v, side="left")
        hi = np.searchsorted(ref, v, side="right")
        cols.append((lo + 0.5 * (hi - lo)) / max(len(ref), 1))
    return np.column_stack(cols) if cols else np.empty((0, 0))


def combine_ranks(z: dict, reference: dict, names) -> np.ndarray:
    """The ``combine="rank"`` score: the mean over components of their mid-ranks.

    Every component weighs the same whatever its distribution (heavy tails, ties, a
    zero-inflated column), which the maximum of robust z-scores does not guarantee.

    Examples
    --------
    >>> ref = {"a": np.arange(4.0), "b": np.arange(4.0)}
    >>> combine_ranks({"a": np.array([3.5]), "b": np.array([-1.0])}, ref, ["a", "b"])
    array([0.5])
    """
    return component_ranks(z, reference, names).mean(axis=1)


def tangent_weight(gap: float) -> float:
    """Weight of the manifold score in ``combine="auto"``, from the tangent eigengap.

    ``clip(log(gap / GAP_TABLE) / log(GAP_MANIFOLD / GAP_TABLE), 0, 1)``.

    Examples
    --------
    >>> tangent_weight(1.4), tangent_weight(4.0), tangent_weight(120.0)
    (0.0, 0.5, 1.0)
    """
    if not np.isfinite(gap):
        return 1.0 if gap > 0 else 0.0
    w = np.log(max(gap, 1e-300) / GAP_TABLE) / np.log(GAP_MANIFOLD / GAP_TABLE)
    return float(np.clip(w, 0.0, 1.0))


def table_location_scale(z, names) -> tuple[float, float]:
    """Robust location and scale (:func:`robust_location_scale`) of the mean of the
    standardised components ``names`` over reference rows: the table score's standardisation.

    Examples
    --------
    >>> table_location_scale({"a": np.arange(5.0), "b": np.arange(5.0)}, ["a", "b"])
    (2.0, 1.4826)
    """
    mean = np.mean([np.asarray(z[c], dtype=np.float64) for c in names], axis=0)
    loc, scale = robust_location_scale(mean[:, None])
    return float(loc[0]), float(scale[0])


def table_score(z, names, location: float, scale: float) -> np.ndarray:
    """The table score of ``combine="auto"``: the mean of the standardised components ``names``,
    standardised again by ``(location, scale)`` of :func:`table_location_scale` (0 where the
    scale is infinite: a constant mean carries no information).

    Examples
    --------
    >>> table_score({"a": np.array([2.0, 5.0])}, ["a"], 2.0, 1.5)
    array([0., 2.])
    """
    mean = np.mean([np.asarray(z[c], dtype=np.float64) for c in names], axis=0)
    with np.errstate(invalid="ignore"):
        return np.nan_to_num((mean - location) / scale, nan=0.0)


def combine_auto(z, table_names, manifold_names, location, scale, weight: float) -> np.ndarray:
    """``(1 − weight) · table + weight · manifold`` (``combine="auto"``).

    The table score is :func:`table_score` of ``table_names``, the manifold score the maximum of
    the standardised ``manifold_names``; when one of the two name lists is empty the other score
    stands alone.

    Examples
    --------
    >>> z = {"tail": np.array([0.0, 4.0]), "residual": np.array([9.0, 0.0])}
    >>> combine_auto(z, ["tail"], ["residual"], 0.0, 1.0, 0.0)
    array([0., 4.])
    >>> combine_auto(z, ["tail"], ["residual"], 0.0, 1.0, 1.0)
    array([9., 0.])
    """
    table = table_score(z, table_names, location, scale) if len(table_names) else None
    manifold = (
        np.max([np.asarray(z[c], dtype=np.float64) for c in manifold_names], axis=0)
        if len(manifold_names)
        else None
    )
    if table is None:
        return manifold
    if manifold is None:
        return table
    return (1.0 - weight) * table + weight * manifold
