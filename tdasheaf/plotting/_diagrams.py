"""Persistence diagrams, barcodes and Betti curves (input formats: :mod:`tdasheaf.plotting`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from tdasheaf.diagrams import check_diagrams, diagram_from_bars
from tdasheaf.plotting._common import (
    _INF_LABEL,
    _color,
    _degree_label,
    _dot_handle,
    _empty_note,
    _new_axes,
)

__all__ = ["plot_barcode", "plot_betti_curves", "plot_diagram"]


def _as_diagram(diagram, sample: int | None = None) -> np.ndarray:
    """Normalise the accepted inputs to one validated ``(n_points, 3)`` diagram."""
    if isinstance(diagram, Mapping):
        keys = list(diagram)
        if not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in keys):
            raise TypeError(
                "a dict diagram maps integer degrees to (n_bars, 2) arrays; to draw several "
                "diagrams side by side use plot_diagram({name: diagram, ...})."
            )
        return diagram_from_bars(diagram, sorted(int(k) for k in keys))
    D = np.asarray(diagram, dtype=np.float64)
    if D.ndim == 3:
        if sample is None:
            if len(D) != 1:
                raise ValueError(
                    f"got a collection of {len(D)} diagrams; pass sample=i to choose one."
                )
            sample = 0
        if not -len(D) <= int(sample) < len(D):
            raise ValueError(f"sample={sample} is out of range for {len(D)} diagrams.")
        D = D[int(sample)]
    elif sample not in (None, 0):
        raise ValueError(f"sample={sample} needs a collection of diagrams (a 3-D array).")
    if D.size == 0:
        return np.empty((0, 3))
    if D.ndim != 2 or D.shape[1] != 3:
        raise ValueError(
            f"a diagram must have shape (n_points, 3) with rows (birth, death, degree), "
            f"got shape {D.shape}."
        )
    return check_diagrams(D[None], name="diagram")[0]


def _bars(D: np.ndarray, degrees) -> tuple[list[int], dict[int, np.ndarray]]:
    """Degrees to draw and their genuine bars (padding and zero-length rows removed)."""
    present = sorted({int(q) for q in D[:, 2]})
    degrees = present if degrees is None else sorted({int(q) for q in np.atleast_1d(degrees)})
    bars = {}
    for q in degrees:
        rows = D[D[:, 2] == q][:, :2]
        bars[q] = rows[rows[:, 1] > rows[:, 0]]
    return degrees, bars


def _limits(all_bars: Sequence[Mapping[int, np.ndarray]]) -> tuple[float, float, float, bool]:
    """(low, high, infinity level, any infinite) over one or several diagrams."""
    values, infinite = [], False
    for bars in all_bars:
        for b in bars.values():
            values.append(b[:, 0])
            values.append(b[np.isfinite(b[:, 1]), 1])
            infinite |= bool(np.isinf(b[:, 1]).any())
    v = np.concatenate(values) if values else np.empty(0)
    if v.size == 0:
        return 0.0, 1.0, 1.1, infinite
    low, high = min(0.0, float(v.min())), float(v.max())
    span = high - low if high > low else max(abs(high), 1.0)
    return low, high, high + 0.12 * span, infinite


def _one_diagram(diagram, sample, degrees, ax, figsize=(5.0, 4.5)):
    """The start of every one-diagram plot: its axes, degrees, bars (:func:`_bars`), limits."""
    D = _as_diagram(diagram, sample)
    ax = _new_axes(ax, figsize=figsize)
    degrees, bars = _bars(D, degrees)
    return ax, degrees, bars, _limits([bars])


def _draw_diagram(ax, degrees, bars, limits, notation, title, size):
    low, high, inf_level, any_inf = limits  # common to every panel
    has_inf = any(bool(np.isinf(b[:, 1]).any()) for b in bars.values())
    top = inf_level if any_inf else high
    pad = 0.05 * (top - low)
    lo, hi = low - pad, top + pad
    ax.plot([lo, hi], [lo, hi], color="0.55", lw=1.0, zorder=1, gid="diagonal")
    handles = []
    for q in degrees:
        b = bars[q]
        fin = np.isfinite(b[:, 1])
        ax.scatter(b[fin, 0], b[fin, 1], s=size, color=_color(q), alpha=0.85, zorder=3,
                   edgecolors="none", gid=f"finite:{q}")
        if (~fin).any():
            ax.scatter(b[~fin, 0], np.full(int((~fin).sum()), inf_level), s=size * 1.6,
                       marker="^", color=_color(q), zorder=4, edgecolors="none",
                       gid=f"infinite:{q}")
        n_inf = int((~fin).sum())
        count = f"{len(b)}" + (f", {n_inf} $\\infty$" if n_inf else "")
        handles.append(_dot_handle(_color(q), f"{_degree_label(q, notation)} ({count})"))
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    if has_inf:
        ax.axhline(inf_level, color="0.35", ls="--", lw=1.0, zorder=2, gid="infinity")
        # the line is labelled by a tick of its own; finite ticks stop below it
        ticks = ax.yaxis.get_major_locator().tick_values(lo, high)
        step = float(np.diff(ticks).min()) if len(ticks) > 1 else (hi - lo)
        ticks = [float(v) for v in ticks if lo <= v <= inf_level - 0.6 * step]
        labels = ax.yaxis.get_major_formatter().format_ticks(ticks)
        ax.set_yticks(ticks + [inf_level], labels=list(labels) + [_INF_LABEL])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("birth $t$")
    ax.set_ylabel("death $t$")
    ax.set_title(title)
    if not any(len(b) for b in bars.values()):
        _empty_note(ax)
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize="small", frameon=True)
    return ax


def plot_diagram(
    diagram,
    *,
    sample: int | None = None,
    degrees=None,
    ax=None,
    title: str | None = None,
    notation: str = "cohomology",
    size: float = 18.0,
):
    """Draw a persistence diagram: one dot per bar, coloured by degree.

    Parameters
    ----------
    diagram : diagram, or dict name → diagram
        A diagram in any form of the module docstring. A dict with **string** keys draws one
        panel per entry, side by side and on common axes (e.g. several sheaves of one cloud).
    sample : int, optional
        Which diagram of a collection.
    degrees : sequence of int, optional
        Degrees to draw (default: every degree in the diagram, padding-only ones included).
    ax : Axes or sequence of Axes, optional
        Where to draw (one Axes per panel for a dict). Default: a new Figure.
    title : str, optional
        Default ``"Persistence diagram"`` (panels: their names).
    notation : {"cohomology", "homology"}, default="cohomology"
        Degree labels ``H^q`` or ``H_q`` (the barcodes agree over a field).
    size : float, default=18
        Marker area.

    Returns
    -------
    Axes, or ndarray of Axes for a dict of diagrams

    Notes
    -----
    The diagonal ``birth = death`` is drawn grey; bars that never die are triangles on the
    dashed line labelled :math:`+\\infty` above the largest finite value. The legend gives the
    number of bars of every degree (and how many are infinite). Empty diagrams and diagrams of
    padding rows only give empty axes with the note "no bars".

    Examples
    --------
    >>> D = np.array([[0.0, 1.0, 0.0], [0.0, np.inf, 0.0], [0.5, 0.8, 1.0], [0.0, 0.0, 1.0]])
    >>> ax = plot_diagram(D)
    >>> ax.get_xlabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('birth $t$', ['$H^{0}$ (2, 1 $\\\\infty$)', '$H^{1}$ (1)'])
    >>> axes = plot_diagram({"orientation": D, "constant": D[:1]})
    >>> [a.get_title() for a in axes]
    ['orientation', 'constant']
    """
    if isinstance(diagram, Mapping) and diagram and all(isinstance(k, str) for k in diagram):
        names = list(diagram)
        panels = [_bars(_as_diagram(diagram[k], sample), degrees) for k in names]
        limits = _limits([bars for _, bars in panels])
        if ax is None:
            fig = Figure(figsize=(4.2 * len(names), 4.2), layout="constrained")
            axes = fig.subplots(1, len(names), squeeze=False)[0]
        else:
            axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
            if len(axes) != len(names):
                raise ValueError(f"{len(names)} diagrams need {len(names)} axes, got {len(axes)}.")
        for a, name, (degs, bars) in zip(axes, names, panels, strict=True):
            _draw_diagram(a, degs, bars, limits, notation, name if title is None else
                          f"{title}: {name}", size)
        return axes
    ax, degrees, bars, limits = _one_diagram(diagram, sample, degrees, ax)
    return _draw_diagram(ax, degrees, bars, limits, notation,
                         "Persistence diagram" if title is None else title, size)


def plot_barcode(
    diagram,
    *,
    sample: int | None = None,
    degrees=None,
    ax=None,
    title: str | None = None,
    notation: str = "cohomology",
):
    """Draw a barcode: one horizontal segment ``[birth, death)`` per bar, grouped by degree.

    Parameters
    ----------
    diagram, sample, degrees, ax, title, notation
        As in :func:`plot_diagram` (one diagram).

    Returns
    -------
    Axes

    Notes
    -----
    Degree 0 is on top; within a degree bars are sorted by birth, then longest first. Bars that
    never die run to the dashed vertical line labelled :math:`+\\infty` and end in an arrow head.

    Examples
    --------
    >>> D = np.array([[0.0, 1.0, 0.0], [0.0, np.inf, 0.0], [0.5, 0.8, 1.0]])
    >>> ax = plot_barcode(D)
    >>> [len(c.get_segments()) for c in ax.collections if c.get_gid().startswith("bars:")]
    [2, 1]
    """
    ax, degrees, bars, (low, high, inf_level, has_inf) = _one_diagram(
        diagram, sample, degrees, ax, figsize=(6.0, 4.0)
    )
    right = inf_level if has_inf else high
    n_total = sum(len(b) for b in bars.values())
    lw = float(np.clip(160.0 / max(n_total, 1), 0.6, 4.0))
    y, handles = 0.0, []
    for q in degrees:
        b = bars[q]
        order = np.lexsort((-(np.minimum(b[:, 1], inf_level) - b[:, 0]), b[:, 0]))
        b = b[order]
        ys = y - np.arange(len(b), dtype=np.float64)
        ends = np.where(np.isfinite(b[:, 1]), b[:, 1], inf_level)
        ax.hlines(ys, b[:, 0], ends, colors=_color(q), lw=lw, gid=f"bars:{q}")
        inf = ~np.isfinite(b[:, 1])
        if inf.any():
            ax.scatter(ends[inf], ys[inf], marker=">", s=4 * lw**2 + 12, color=_color(q),
                       zorder=3, gid=f"infinite:{q}")
        handles.append(Line2D([], [], color=_color(q), lw=2,
                              label=f"{_degree_label(q, notation)} ({len(b)})"))
        y -= len(b) + max(1.0, 0.04 * n_total)
    pad = 0.04 * (right - low)
    if has_inf:
        ax.axvline(inf_level, color="0.35", ls="--", lw=1.0, gid="infinity")
        ax.text(inf_level, 1.0, _INF_LABEL, transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", color="0.25", gid="infinity-label")
    ax.set_xlim(low - pad, right + pad)
    if n_total:
        ax.set_ylim(y + 0.5, 1.0)
    else:
        _empty_note(ax)
    ax.set_yticks([])
    ax.set_xlabel("filtration value $t$")
    ax.set_ylabel("bars")
    ax.set_title("Barcode" if title is None else title, pad=14 if has_inf else 6)
    if handles:
        ax.legend(handles=handles, loc="best", fontsize="small")
    return ax


def _betti_values(bars: np.ndarray, t: np.ndarray) -> np.ndarray:
    """β(t) = number of bars ``[b, d)`` with ``b <= t < d``, for every ``t``.

    Examples
    --------
    >>> _betti_values(np.array([[0.0, 1.0], [0.5, np.inf]]), np.array([0.0, 0.5, 1.0, 2.0]))
    array([1, 2, 1, 1])
    """
    b = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    t = np.asarray(t, dtype=np.float64)
    return ((b[None, :, 0] <= t[:, None]) & (t[:, None] < b[None, :, 1])).sum(axis=1)


def plot_betti_curves(
    diagram,
    *,
    sample: int | None = None,
    degrees=None,
    ax=None,
    title: str | None = None,
    notation: str = "cohomology",
):
    """Draw the Betti curves ``β_q(t) = dim H^q(K_t)`` of a diagram as exact step functions.

    Parameters
    ----------
    diagram, sample, degrees, ax, title, notation
        As in :func:`plot_diagram` (one diagram).

    Returns
    -------
    Axes

    Notes
    -----
    ``β_q(t)`` counts the bars with ``birth <= t < death``; the curves are drawn from 0 (or the
    smallest birth) to a little beyond the largest finite value, where only the infinite bars
    remain. Degrees with no bars are drawn as zero curves.

    Examples
    --------
    >>> D = np.array([[0.0, 1.0, 0.0], [0.0, np.inf, 0.0], [0.5, 0.8, 1.0]])
    >>> ax = plot_betti_curves(D)
    >>> [line.get_gid() for line in ax.get_lines()]
    ['betti:0', 'betti:1']
    >>> ax.get_lines()[0].get_ydata().tolist()   # two components, then one
    [2, 1, 1]
    """
    ax, degrees, bars, (low, _, inf_level, _) = _one_diagram(
        diagram, sample, degrees, ax, figsize=(6.0, 4.0)
    )
    for q in degrees:
        b = bars[q]
        ends = b[np.isfinite(b)].ravel()
        t = np.unique(np.concatenate([[low], ends, [inf_level]]))
        ax.step(t, _betti_values(b, t), where="post", color=_color(q), lw=1.8,
                label=_degree_label(q, notation), gid=f"betti:{q}")
    ax.set_xlim(low, inf_level)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("filtration value $t$")
    sup = "^q" if notation == "cohomology" else "_q"
    ax.set_ylabel(rf"$\beta{sup}(t)$ (number of bars alive at $t$)")
    ax.set_title("Betti curves" if title is None else title)
    if not any(len(b) for b in bars.values()):
        _empty_note(ax)
    if degrees:
        ax.legend(loc="upper right", fontsize="small")
    return ax
