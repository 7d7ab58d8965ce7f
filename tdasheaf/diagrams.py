"""The persistence-diagram format shared by every transformer.

Format
------
A *diagram* of one sample is an array of shape ``(n_points, 3)`` whose rows are
``(birth, death, degree)``. A *collection* of diagrams is an array of shape
``(n_samples, n_points, 3)``: every sample has the same number of rows **per degree**,
short ones padded with ``(0, 0, degree)`` rows. Padding rows have zero length and every
vectoriser ignores them (so do genuine zero-length bars, which are dropped by default).
Infinite deaths stay ``+inf``; vectorisers clip them at a documented value.
This is giotto-tda's convention, so diagrams can be passed between the two libraries.

Births are not larger than deaths: with the filtrations of tdasheaf (sublevel sets)
``birth <= death`` always holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = [
    "bars_by_degree",
    "check_diagrams",
    "diagram_from_bars",
    "stack_diagrams",
]


def diagram_from_bars(
    bars: Mapping[int, np.ndarray], degrees: Sequence[int], *, drop_zero_length: bool = True
) -> np.ndarray:
    """Build one ``(n_points, 3)`` diagram from a dict degree → ``(n_bars, 2)`` array.

    Rows are grouped by degree in the order of ``degrees`` and sorted by (birth, death)
    within a degree, so equal inputs give equal arrays.

    Examples
    --------
    >>> diagram_from_bars({0: np.array([[0.0, 1.0], [0.0, np.inf]])}, degrees=(0,))
    array([[ 0.,  1.,  0.],
           [ 0., inf,  0.]])
    """
    parts = []
    for q in degrees:
        b = np.asarray(bars.get(q, np.empty((0, 2))), dtype=np.float64).reshape(-1, 2)
        if drop_zero_length:
            b = b[b[:, 1] > b[:, 0]]
        order = np.lexsort((b[:, 1], b[:, 0]))
        b = b[order]
        parts.append(np.column_stack([b, np.full(len(b), float(q))]))
    if not parts:
        return np.empty((0, 3))
    return np.concatenate(parts, axis=0)


def stack_diagrams(diagrams: Sequence[np.ndarray], degrees: Sequence[int]) -> np.ndarray:
    """Pad per-sample diagrams to a common number of rows per degree and stack them.

    Each degree gets at least one row (a padding ``(0, 0, q)`` row if no sample has a bar),
    so that a vectoriser fitted on the result knows every degree that was asked for.

    Examples
    --------
    >>> d0 = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 0.0]])
    >>> d1 = np.array([[0.0, 3.0, 0.0], [0.5, 1.0, 1.0]])
    >>> stack_diagrams([d0, d1], degrees=(0, 1)).shape
    (2, 3, 3)
    """
    degrees = [int(q) for q in degrees]
    counts = {q: max([int(np.sum(d[:, 2] == q)) for d in diagrams] + [1]) for q in degrees}
    total = sum(counts.values())
    out = np.zeros((len(diagrams), total, 3))
    for i, d in enumerate(diagrams):
        row = 0
        for q in degrees:
            rows = d[d[:, 2] == q]
            out[i, row : row + len(rows)] = rows
            out[i, row + len(rows) : row + counts[q], 2] = q
            row += counts[q]
    return out


def check_diagrams(X, *, name: str = "X") -> np.ndarray:
    """Validate a collection of diagrams in the format above and return it as float64.

    Raises a :class:`ValueError` naming the sample for NaN entries, death < birth,
    ``-inf`` values, or non-integer degrees.

    Examples
    --------
    >>> check_diagrams(np.array([[[0.0, 1.0, 0.0]]])).shape
    (1, 1, 3)
    """
    raw = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if raw.dtype == object or not (
        np.issubdtype(raw.dtype, np.number) or np.issubdtype(raw.dtype, np.bool_)
    ):
        raise ValueError(f"{name} must be a numeric array of diagrams, got dtype {raw.dtype}.")
    if np.iscomplexobj(raw):
        raise ValueError(f"{name} is complex-valued; diagrams hold real (birth, death, degree).")
    if raw.ndim >= 1 and raw.shape[0] == 0:
        raise ValueError(
            f"{name} is an empty collection (0 samples); at least one diagram is required."
        )
    try:
        D = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a numeric array of shape (n_samples, n_points, 3) "
            f"of (birth, death, degree) rows: {exc}"
        ) from exc
    if D.ndim == 2 and D.shape[1] == 3:
        raise ValueError(
            f"{name} has shape {D.shape}: a single diagram; pass a collection of shape "
            "(n_samples, n_points, 3), e.g. X[None]."
        )
    if D.ndim != 3 or D.shape[2] != 3:
        raise ValueError(
            f"{name} must have shape (n_samples, n_points, 3) with rows (birth, death, degree), "
            f"got shape {D.shape}."
        )
    for what, mask in (
        ("NaN values", np.isnan(D).any(axis=(1, 2))),
        ("-inf values", np.isneginf(D).any(axis=(1, 2))),
        ("infinite births", np.isinf(D[:, :, 0]).any(axis=1)),
        ("points with death < birth", (D[:, :, 1] < D[:, :, 0]).any(axis=1)),
        (
            "non-integer or negative degrees",
            ((D[:, :, 2] != np.round(D[:, :, 2])) | (D[:, :, 2] < 0)).any(axis=1),
        ),
    ):
        if mask.any():
            raise ValueError(f"{name}: sample {int(np.argmax(mask))} has {what}.")
    return D


def bars_by_degree(diagram: np.ndarray) -> dict[int, np.ndarray]:
    """Split one ``(n_points, 3)`` diagram into a dict degree → ``(n_bars, 2)``, dropping padding.

    Examples
    --------
    >>> bars_by_degree(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    {0: array([[0., 1.]]), 1: array([], shape=(0, 2), dtype=float64)}
    """
    out = {}
    for q in np.unique(diagram[:, 2]).astype(int):
        rows = diagram[diagram[:, 2] == q][:, :2]
        out[int(q)] = rows[rows[:, 1] > rows[:, 0]]
    return out
