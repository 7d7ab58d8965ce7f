"""Persistence entropy: the Shannon entropy of the normalised bar lengths."""

from __future__ import annotations

import numpy as np

__all__ = ["persistence_entropy"]


def persistence_entropy(bars: np.ndarray, *, normalize: bool = False) -> float:
    """Shannon entropy (natural logarithm) of the bar lengths of one degree.

    With lengths :math:`\\ell_i = d_i - b_i`, :math:`L = \\sum_i \\ell_i` and
    :math:`p_i = \\ell_i / L`, the entropy is :math:`E = -\\sum_i p_i \\log p_i`; ``n``
    bars of equal length give :math:`\\log n`.

    Parameters
    ----------
    bars : ndarray of shape (n_bars, 2)
        Finite ``(birth, death)`` rows of one degree, all of positive length.
    normalize : bool, default=False
        Divide by :math:`\\log L` (Myers et al. 2019, giotto-tda's ``normalize=True``;
        the ratio does not depend on the base of the logarithm, so it equals
        giotto-tda's value). Undefined when :math:`L = 1`.

    Returns
    -------
    float
        ``nan`` for an empty diagram, and for ``normalize=True`` whenever the ratio is not
        finite.

    Notes
    -----
    giotto-tda uses base-2 logarithms for the unnormalised entropy (its values are ours
    divided by :math:`\\log 2`); gudhi's ``Entropy(mode="scalar")`` uses natural ones.

    Examples
    --------
    >>> float(np.round(persistence_entropy(np.array([[0.0, 1.0], [0.0, 1.0]])), 6))
    0.693147
    >>> persistence_entropy(np.empty((0, 2)))
    nan
    """
    bars = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    lengths = bars[:, 1] - bars[:, 0]
    lengths = lengths[lengths > 0]
    if lengths.size == 0:
        return float("nan")
    total = lengths.sum()
    p = lengths / total
    entropy = float(-np.sum(p * np.log(p))) + 0.0  # + 0.0 turns -0.0 into 0.0
    if normalize:
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = entropy / np.log(total)
        if not np.isfinite(entropy):
            return float("nan")
    return float(entropy)
