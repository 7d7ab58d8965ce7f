"""Pictures of diagrams, barcodes, Betti curves, point clouds, sheaf sections and spectra.

matplotlib only, and no ``pyplot``: every function draws on the ``ax`` it is given or on a new
:class:`matplotlib.figure.Figure`, so nothing needs a display, no global state leaks and the
functions are safe in scripts, tests (Agg) and worker processes. Every function returns the
:class:`~matplotlib.axes.Axes` it drew on (``ax.figure`` is the figure: save it with
``ax.figure.savefig("out.png")``, or show it in a notebook by evaluating ``ax.figure``);
:func:`plot_diagram` of several diagrams returns an array of Axes.

Input formats
-------------
A *diagram* is anything :mod:`tdasheaf.diagrams` describes: one ``(n_points, 3)`` array of
``(birth, death, degree)`` rows; a collection ``(n_samples, n_points, 3)`` together with
``sample=i`` (a one-sample collection needs no ``sample``); or a dict degree → ``(n_bars, 2)``
array, as returned by :func:`tdasheaf.cohomology.sheaf_persistence`. Padding rows
``(0, 0, q)`` and other zero-length bars are not drawn.

Conventions
-----------
Degree ``q`` always has the colour ``f"C{q}"`` of the default cycle (blue, orange, green, …),
in every function, so a diagram, its barcode and its Betti curves read together. Bars that
never die are drawn on a dashed line above every finite value, labelled :math:`+\\infty`.
Artists that tests and users may want to find carry a ``gid`` (``"finite:0"``,
``"infinite:1"``, ``"infinity"``, ``"diagonal"``, ``"bars:0"``, ``"betti:0"``,
``"points"``, ``"section:+"``, ``"conflict"``, ``"arrows"``, ``"eigenvalue:0"``, ``"zeros"``,
``"empty"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from tdasheaf.diagrams import check_diagrams, diagram_from_bars

__all__ = [
    "SIGN_COLORS",
    "SheafSection",
    "plot_barcode",
    "plot_betti_curves",
    "plot_diagram",
    "plot_point_cloud",
    "plot_sheaf_section",
    "plot_spectrum",
    "sheaf_section",
]

#: Colours of the two signs of an orientation section, and of conflict edges.
SIGN_COLORS = {1: "#1f77b4", -1: "#ff7f0e"}
CONFLICT_COLOR = "#d62728"
_MISSING_COLOR = "0.75"
_INF_LABEL = r"$+\infty$"


# ----------------------------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------------------------


def _new_axes(ax=None, *, projection: str | None = None, figsize=(5.0, 4.5)):
    """``ax`` itself, or the single Axes of a new pyplot-free Figure."""
    if ax is not None:
        if projection == "3d" and getattr(ax, "name", "") != "3d":
            raise ValueError(
                "3-D points need 3-D axes: pass ax=fig.add_subplot(projection='3d') or ax=None."
            )
        return ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot(projection=projection)


def _color(q: int) -> str:
    return f"C{int(q) % 10}"


def _degree_label(q: int, notation: str) -> str:
    if notation not in ("cohomology", "homology"):
        raise ValueError(f"notation must be 'cohomology' or 'homology', got {notation!r}.")
    return f"$H^{{{q}}}$" if notation == "cohomology" else f"$H_{{{q}}}$"


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


def _empty_note(ax, text: str = "no bars") -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            color="0.4", gid="empty")


# ----------------------------------------------------------------------------------------------
# Diagrams, barcodes, Betti curves
# ----------------------------------------------------------------------------------------------


def _draw_diagram(ax, D, degrees, limits, notation, title, size):
    degrees, bars = _bars(D, degrees)
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
        handles.append(Line2D([], [], marker="o", ls="", color=_color(q),
                              label=f"{_degree_label(q, notation)} ({count})"))
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
        Ds = [_as_diagram(diagram[k], sample) for k in names]
        limits = _limits([_bars(D, degrees)[1] for D in Ds])
        if ax is None:
            fig = Figure(figsize=(4.2 * len(names), 4.2), layout="constrained")
            axes = fig.subplots(1, len(names), squeeze=False)[0]
        else:
            axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
            if len(axes) != len(names):
                raise ValueError(f"{len(names)} diagrams need {len(names)} axes, got {len(axes)}.")
        for a, name, D in zip(axes, names, Ds, strict=True):
            _draw_diagram(a, D, degrees, limits, notation, name if title is None else
                          f"{title}: {name}", size)
        return axes
    D = _as_diagram(diagram, sample)
    ax = _new_axes(ax)
    limits = _limits([_bars(D, degrees)[1]])
    return _draw_diagram(ax, D, degrees, limits, notation,
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
    D = _as_diagram(diagram, sample)
    ax = _new_axes(ax, figsize=(6.0, 4.0))
    degrees, bars = _bars(D, degrees)
    low, high, inf_level, has_inf = _limits([bars])
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
    D = _as_diagram(diagram, sample)
    ax = _new_axes(ax, figsize=(6.0, 4.0))
    degrees, bars = _bars(D, degrees)
    low, high, inf_level, _ = _limits([bars])
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


# ----------------------------------------------------------------------------------------------
# Point clouds
# ----------------------------------------------------------------------------------------------


def _check_points(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] not in (2, 3):
        raise ValueError(
            f"points must have shape (n_points, 2) or (n_points, 3), got {X.shape}; project "
            "higher-dimensional clouds first (e.g. on their first principal components)."
        )
    if not np.isfinite(X).all():
        raise ValueError("points contain NaN or infinite coordinates.")
    return X


def _xyz(X: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(X[:, k] for k in range(X.shape[1]))


def _finish_cloud_axes(ax, X: np.ndarray, view) -> None:
    names = ("$x_1$", "$x_2$", "$x_3$")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if X.shape[1] == 3:
        ax.set_zlabel(names[2])
        if len(X):
            span = np.ptp(X, axis=0)
            ax.set_box_aspect(np.maximum(span, 1e-3 * max(float(span.max()), 1e-12)))
        if view is not None:
            ax.view_init(elev=view[0], azim=view[1])
    else:
        ax.set_aspect("equal", adjustable="datalim")


def plot_point_cloud(
    X,
    values=None,
    *,
    ax=None,
    label: str | None = None,
    title: str | None = None,
    cmap: str = "viridis",
    discrete: bool | None = None,
    categories: Mapping | None = None,
    size: float = 12.0,
    view: tuple[float, float] | None = None,
):
    """Draw a 2-D or 3-D point cloud, optionally coloured by one value per point.

    Parameters
    ----------
    X : array-like of shape (n_points, 2) or (n_points, 3)
    values : array-like of shape (n_points,), optional
        E.g. the sign of an orientation section, a local-dimension estimate, an anomaly score,
        a holonomy curvature. NaN values are drawn light grey (``gid="missing"``).
    ax : Axes, optional
        3-D points need 3-D axes. Default: a new Figure.
    label : str, optional
        Colour-bar (or legend) title, e.g. ``"anomaly score"``.
    title : str, optional
    cmap : str, default="viridis"
        Colour map of continuous values.
    discrete : bool, optional
        Draw the values as categories with a legend instead of a colour bar. Default: when they
        are integers with at most 10 distinct values. Signs ±1 get the colours of
        :data:`SIGN_COLORS`.
    categories : dict value → str, optional
        Legend text of each category (default: the value).
    size : float, default=12
        Marker area.
    view : (elevation, azimuth), optional
        Camera of a 3-D plot, in degrees.

    Returns
    -------
    Axes

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    >>> ax = plot_point_cloud(np.c_[np.cos(t), np.sin(t)], values=np.sin(t), label="height")
    >>> len(ax.figure.axes), ax.figure.axes[1].get_ylabel()   # the axes and the colour bar
    (2, 'height')
    """
    X = _check_points(X)
    ax = _new_axes(ax, projection="3d" if X.shape[1] == 3 else None)
    extra = {"depthshade": False} if X.shape[1] == 3 else {}
    if values is None:
        ax.scatter(*_xyz(X), s=size, color="C0", edgecolors="none", gid="points", **extra)
    else:
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        if len(v) != len(X):
            raise ValueError(f"values must have one entry per point ({len(X)}), got {len(v)}.")
        ok = np.isfinite(v)
        if (~ok).any():
            ax.scatter(*_xyz(X[~ok]), s=size, color=_MISSING_COLOR, edgecolors="none",
                       gid="missing", **extra)
        uniq = np.unique(v[ok])
        if discrete is None:
            discrete = bool(ok.any()) and bool(np.all(uniq == np.round(uniq))) and len(uniq) <= 10
        if discrete:
            signs = set(uniq.tolist()) <= {-1.0, 0.0, 1.0}
            handles = []
            for k, u in enumerate(uniq):
                c = SIGN_COLORS.get(int(u), _MISSING_COLOR) if signs else f"C{k % 10}"
                sel = ok & (v == u)
                ax.scatter(*_xyz(X[sel]), s=size, color=c, edgecolors="none",
                           gid=f"points:{u:g}", **extra)
                text = (categories or {}).get(u, (categories or {}).get(int(u), f"{u:g}"))
                handles.append(Line2D([], [], marker="o", ls="", color=c,
                                      label=f"{text} ({int(sel.sum())})"))
            if handles:
                ax.legend(handles=handles, title=label, fontsize="small", loc="best")
        else:
            sc = ax.scatter(*_xyz(X[ok]), c=v[ok], s=size, cmap=cmap, edgecolors="none",
                            gid="points", **extra)
            ax.figure.colorbar(sc, ax=ax, label=label or "value", shrink=0.8)
    _finish_cloud_axes(ax, X, view)
    if title is not None:
        ax.set_title(title)
    return ax


# ----------------------------------------------------------------------------------------------
# Sections of the orientation and tangent sheaves
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheafSection:
    """What :func:`plot_sheaf_section` draws: a (best) section of a data-driven sheaf.

    Attributes
    ----------
    sheaf : {"orientation", "tangent"}
    scale : float
        The Rips scale ``t``: edges of length ``<= t``.
    edges : ndarray of shape (n_edges, 2)
        The edges of ``K_t`` (point indices ``i < j``).
    frames : ndarray of shape (n_points, D, d)
        The local frames the section is expressed in (after the display gauge).
    h0 : int
        ``dim H^0(K_t; F)``: orientation sheaf, the number of infinite H^0 bars of
        :func:`~tdasheaf.cohomology.sheaf_persistence` on ``K_t``; tangent sheaf, the number of
        zero eigenvalues of ``L^0`` among those computed.
    signs : ndarray of shape (n_points,)
        Orientation sheaf: ±1, the section's value at each point relative to ``frames``
        (global sign chosen per connected component so that ``+1`` is the majority).
        Tangent sheaf: all 0.
    exact : ndarray of shape (n_points,), bool
        Orientation sheaf: the sign comes from a representative cocycle of an infinite H^0 bar
        (a genuine global section of its component); else from the best sign assignment.
    conflict : ndarray of shape (n_edges,), bool
        Orientation sheaf: edges where the signs disagree with the sheaf
        (``s_i ≠ det(O_ij) s_j``); none on a component with a global section.
    vectors : ndarray of shape (n_points, D, n_sections)
        Arrows in ambient coordinates: orientation sheaf, the oriented unit normal
        ``s_i n_i`` (hypersurfaces) or tangent ``s_i O_i e_1`` (curves), zeros otherwise;
        tangent sheaf, ``O_i x_i`` for the ``n_sections`` eigenvectors ``x`` of ``L^0`` with the
        smallest eigenvalues (a numerical H^0: parallel vector fields), scaled to max norm 1.
    eigenvalues : ndarray of shape (n_sections,)
        Tangent sheaf: those eigenvalues. Orientation sheaf: empty.
    """

    sheaf: str
    scale: float
    edges: np.ndarray
    frames: np.ndarray
    h0: int
    signs: np.ndarray
    exact: np.ndarray
    conflict: np.ndarray
    vectors: np.ndarray
    eigenvalues: np.ndarray


def _default_scale(X: np.ndarray) -> float:
    """1.5 × the longest edge of a Euclidean minimum spanning tree (connected, still local)."""
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial.distance import pdist, squareform

    if len(X) < 2:
        return 1.0
    T = minimum_spanning_tree(squareform(pdist(X)))
    return 1.5 * float(T.data.max()) if T.nnz else 1.0


def _unit_normals(F: np.ndarray) -> np.ndarray:
    """Unit normals of codimension-1 frames, oriented so that ``det [O_i, n_i] > 0``."""
    U = np.linalg.svd(F, full_matrices=True)[0]
    n = U[:, :, -1]
    flip = np.linalg.det(np.concatenate([F, n[:, :, None]], axis=2)) < 0
    n[flip] *= -1
    return n


def _gauge(X: np.ndarray, frames: np.ndarray, gauge: str) -> np.ndarray:
    n_points, D, d = frames.shape
    if gauge == "auto":
        gauge = {D: "ambient", D - 1: "outward"}.get(d, "pca")
    if gauge == "pca":
        return frames
    F = frames.copy()
    if gauge == "outward":
        if D != d + 1:
            raise ValueError(
                f"gauge='outward' needs hypersurface frames (dim = D - 1), got dim={d} in R^{D}."
            )
        flip = np.einsum("nD,nD->n", _unit_normals(F), X - X.mean(axis=0)) < 0
    elif gauge == "ambient":
        if D != d:
            raise ValueError(
                f"gauge='ambient' needs full-dimensional frames, got dim={d} in R^{D}."
            )
        flip = np.linalg.det(F) < 0
    else:
        raise ValueError(f"gauge must be 'auto', 'outward', 'ambient' or 'pca', got {gauge!r}.")
    F[flip, :, -1] *= -1
    return F


def _signed_adjacency(n: int, edges: np.ndarray, signs: np.ndarray):
    from scipy import sparse

    i, j = edges[:, 0], edges[:, 1]
    return sparse.csr_array(
        (np.concatenate([signs, signs]), (np.concatenate([i, j]), np.concatenate([j, i]))),
        shape=(n, n),
    )


def _lowest_eigvecs(L, k: int):
    """The k eigenpairs of a sparse PSD matrix with the smallest eigenvalues (deterministic)."""
    from scipy.sparse.linalg import eigsh

    n = L.shape[0]
    k = min(k, n)
    if n <= 64 or k >= n - 1:
        w, V = np.linalg.eigh(L.toarray())
        return w[:k], V[:, :k]
    # shift-invert just below 0 (L is PSD); a fixed start vector keeps the result deterministic
    scale = max(float(abs(L).sum(axis=1).max()), 1.0)
    w, V = eigsh(L.tocsc(), k=k, sigma=-1e-7 * scale, which="LM", v0=np.ones(n))
    order = np.argsort(w)
    return w[order], V[:, order]


def _best_signs(A, vertices: np.ndarray) -> np.ndarray:
    """Signs on ``vertices`` minimising conflicts: signed-Laplacian eigenvector, then flips."""
    from scipy import sparse

    S = A[vertices][:, vertices].tocsr()
    deg = np.abs(S).sum(axis=1)
    if len(vertices) == 1:
        return np.ones(1)
    _, v = _lowest_eigvecs(sparse.diags_array(deg) - S, 1)
    s = np.where(v[:, 0] >= 0, 1.0, -1.0)
    for _ in range(50):  # greedy: flip a vertex while most of its edges disagree
        changed = False
        for a in range(len(s)):
            row = slice(S.indptr[a], S.indptr[a + 1])
            if s[a] * float(S.data[row] @ s[S.indices[row]]) < 0:
                s[a] = -s[a]
                changed = True
        if not changed:
            break
    return s


def sheaf_section(
    X,
    *,
    sheaf: str = "orientation",
    scale: float | None = None,
    n_neighbors: int = 15,
    dim: int | None = None,
    gauge: str = "auto",
    n_sections: int = 1,
) -> SheafSection:
    """The section of the orientation or tangent sheaf that :func:`plot_sheaf_section` draws.

    Orientation sheaf on the Rips graph ``K_t``: the representative cocycles of the infinite H^0
    bars of :func:`~tdasheaf.cohomology.sheaf_persistence` (``representatives=True``) give a
    consistent sign on every component that has a global section; on the others (non-orientable
    at this scale) the signs minimise the number of conflicting edges (the smallest eigenvector
    of the signed graph Laplacian, improved by single flips), and the conflicting edges are
    where the orientation cannot be continued. Tangent sheaf: the eigenvectors of ``L^0`` with
    the smallest eigenvalues (Singer–Wu's vector diffusion operator).

    Parameters
    ----------
    X : array-like of shape (n_points, D)
    sheaf : {"orientation", "tangent"}, default="orientation"
    scale : float, optional
        Rips scale ``t``. Default: 1.5 × the longest edge of the minimum spanning tree, the
        smallest scale at which the graph is connected with some margin. Maps computed from
        local frames only mean something on short edges (DESIGN.md §5): keep ``t`` local.
    n_neighbors, dim
        Local PCA (:func:`~tdasheaf.sheaves.local_frames`).
    gauge : {"auto", "outward", "ambient", "pca"}, default="auto"
        Orientation of the local frames in which signs are expressed (a gauge choice: it does
        not change the sheaf up to isomorphism, nor ``h0``, the conflicts or the vectors).
        ``"outward"`` (hypersurfaces, ``dim = D - 1``): each frame oriented so that its normal
        points away from the centroid, so ``+1`` reads "the oriented normal points outward".
        ``"ambient"`` (``dim = D``): frames with ``det > 0``, so ``+1`` reads "agrees with the
        orientation of ℝ^D". ``"pca"``: the frames as local PCA returns them (signs then look
        random even where a global section exists). ``"auto"``: ambient or outward when
        possible, else pca.
    n_sections : int, default=1
        Tangent sheaf: how many eigenvectors.

    Returns
    -------
    SheafSection

    Examples
    --------
    >>> from tdasheaf.datasets import make_cylinder, make_mobius_band
    >>> s = sheaf_section(make_cylinder(300, random_state=0), scale=0.35)
    >>> s.h0, int(s.conflict.sum()), bool(s.exact.all())
    (1, 0, True)
    >>> m = sheaf_section(make_mobius_band(300, random_state=0), scale=0.35)
    >>> m.h0, bool(m.conflict.any())
    (0, True)
    """
    from scipy.sparse.csgraph import connected_components

    from tdasheaf.cohomology import (
        DEFAULT_PRIME,
        ZERO_RTOL,
        sheaf_laplacian,
        sheaf_persistence,
    )
    from tdasheaf.complexes import rips_complex
    from tdasheaf.sheaves import edge_alignments, local_frames, orientation_sheaf, tangent_sheaf

    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError("X must be a finite 2-D array of shape (n_points, n_features).")
    if sheaf not in ("orientation", "tangent"):
        raise ValueError(f"sheaf must be 'orientation' or 'tangent', got {sheaf!r}.")
    t = _default_scale(X) if scale is None else float(scale)
    if not t > 0:
        raise ValueError(f"scale must be positive, got {scale!r}.")
    n = len(X)
    fr = local_frames(X, n_neighbors=n_neighbors, dim=dim)
    from dataclasses import replace

    fr = replace(fr, frames=_gauge(X, fr.frames, gauge))
    K = rips_complex(X, t, 1)
    edges = K.simplices[1] if len(K.simplices) > 1 else np.empty((0, 2), dtype=np.int64)
    O, _ = edge_alignments(X, K, frames=fr)
    D, d = fr.frames.shape[1:]
    if sheaf == "tangent":
        F = tangent_sheaf(X, K, frames=fr, alignments=O)
        L = sheaf_laplacian(F, 0)
        w, V = _lowest_eigvecs(L, int(n_sections))
        w = np.where(w <= ZERO_RTOL * max(float(abs(L).sum(axis=1).max()), 1e-300), 0.0, w)
        coeffs = V.reshape(n, d, -1)
        vec = np.einsum("nDd,ndk->nDk", fr.frames, coeffs)
        vec /= max(float(np.linalg.norm(vec, axis=1).max()), 1e-300)
        return SheafSection("tangent", t, edges, fr.frames, int((w == 0).sum()),
                            np.zeros(n), np.zeros(n, bool), np.zeros(len(edges), bool), vec, w)

    sigma = np.sign(np.linalg.det(O)) if len(O) else np.empty(0)
    F = orientation_sheaf(X, K, frames=fr)
    p = DEFAULT_PRIME
    bars, cocycles = sheaf_persistence(F, degrees=(0,), field=p, representatives=True)
    signs = np.zeros(n)
    for bar, cocycle in zip(bars[0], cocycles[0], strict=True):
        if np.isinf(bar[1]):
            vals = cocycle.values[:, 0]
            vals = np.where(vals > p / 2, vals - p, vals)
            where = cocycle.simplices[:, 0]
            new = (signs[where] == 0) & (vals != 0)
            signs[where[new]] = np.sign(vals[new])
    exact = signs != 0
    A = _signed_adjacency(n, edges, sigma)
    n_comp, comp = connected_components(A, directed=False)
    for c in range(n_comp):
        members = np.flatnonzero(comp == c)
        if not exact[members].all():
            signs[members] = _best_signs(A, members)
        if signs[members].sum() < 0:
            signs[members] *= -1
    conflict = (
        signs[edges[:, 0]] * signs[edges[:, 1]] * sigma < 0 if len(edges) else np.zeros(0, bool)
    )
    vec = np.zeros((n, D, 1))
    if d == 1:
        vec[:, :, 0] = fr.frames[:, :, 0] * signs[:, None]
    elif D == d + 1:
        vec[:, :, 0] = _unit_normals(fr.frames) * signs[:, None]
    h0 = int(np.isinf(bars[0][:, 1]).sum())
    return SheafSection("orientation", t, edges, fr.frames, h0, signs, exact, conflict, vec,
                        np.empty(0))


def _segments(X: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.stack([X[edges[:, 0]], X[edges[:, 1]]], axis=1)


def _add_lines(ax, segs: np.ndarray, **kw):
    if segs.shape[-1] == 3:
        from mpl_toolkits.mplot3d.art3d import Line3DCollection

        coll = Line3DCollection(segs, **kw)
    else:
        from matplotlib.collections import LineCollection

        coll = LineCollection(segs, **kw)
    ax.add_collection(coll)
    return coll


def _arrows(ax, P: np.ndarray, V: np.ndarray, color, length: float, gid: str):
    if P.shape[1] == 3:
        return ax.quiver(*_xyz(P), *_xyz(V * length), color=color, lw=0.9,
                         arrow_length_ratio=0.35, normalize=False, gid=gid, zorder=3)
    return ax.quiver(P[:, 0], P[:, 1], V[:, 0] * length, V[:, 1] * length, color=color,
                     angles="xy", scale_units="xy", scale=1.0, width=0.004, gid=gid, zorder=3)


def plot_sheaf_section(
    X,
    *,
    sheaf: str = "orientation",
    scale: float | None = None,
    n_neighbors: int = 15,
    dim: int | None = None,
    gauge: str = "auto",
    n_sections: int = 1,
    arrows: bool = True,
    arrow_length: float | None = None,
    max_arrows: int | None = 300,
    show_edges: bool = False,
    ax=None,
    title: str | None = None,
    size: float = 14.0,
    view: tuple[float, float] | None = None,
):
    """Draw the H^0 class of the orientation or tangent sheaf on a 2-D or 3-D point cloud.

    Orientation sheaf: every point is coloured by the sign of the section (two colours of
    :data:`SIGN_COLORS`, ``gid="section:+"`` and ``"section:-"``), with arrows for the oriented
    normals (surfaces in ℝ³) or tangents (curves). Where ``H^0 = 0`` at the chosen scale the best
    sign assignment is drawn instead, and the edges where it disagrees with the sheaf — where
    the orientation cannot be continued — are drawn thick red (``gid="conflict"``): on a
    Möbius band a seam across the band, over which the normals flip. Tangent sheaf: the
    vector fields ``O_i x_i`` of the ``n_sections`` lowest eigenvectors of ``L^0`` as arrows
    (``gid="arrows:k"``), approximately parallel fields where the surface is flat.
    The computation is :func:`sheaf_section` (same parameters).

    Parameters
    ----------
    X : array-like of shape (n_points, 2) or (n_points, 3)
    sheaf, scale, n_neighbors, dim, gauge, n_sections
        As in :func:`sheaf_section`.
    arrows : bool, default=True
        Draw the normals / tangents / vector fields.
    arrow_length : float, optional
        Length of a unit arrow (default: 6 % of the cloud's bounding-box diagonal).
    max_arrows : int, optional
        Draw arrows at this many max-min landmarks only (all points if ``None``).
    show_edges : bool, default=False
        Also draw the edges of ``K_t`` (thin grey).
    ax : Axes, optional
        3-D points need 3-D axes. Default: a new Figure.
    title : str, optional
        Default: the sheaf, the scale and ``dim H^0`` (and the number of conflicting edges).
    size : float, default=14
    view : (elevation, azimuth), optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    >>> ax = plot_sheaf_section(np.c_[np.cos(t), np.sin(t)], n_neighbors=5, scale=0.3)
    >>> ax.get_title()
    'orientation sheaf, $t = 0.3$: $\\\\dim H^0 = 1$'
    >>> [c.get_gid() for c in ax.collections]
    ['section:+', 'arrows']
    """
    X = _check_points(X)
    s = sheaf_section(X, sheaf=sheaf, scale=scale, n_neighbors=n_neighbors, dim=dim,
                      gauge=gauge, n_sections=n_sections)
    ax = _new_axes(ax, projection="3d" if X.shape[1] == 3 else None, figsize=(5.5, 5.0))
    extra = {"depthshade": False} if X.shape[1] == 3 else {}
    if X.shape[1] == 3:
        ax.computed_zorder = False  # keep the conflict seam on top of the points
    if show_edges and len(s.edges):
        _add_lines(ax, _segments(X, s.edges), colors="0.6", linewidths=0.3, alpha=0.35,
                   gid="edges", zorder=1)
    handles = []
    if sheaf == "orientation":
        for sign, key, sym in ((1, "+", "+"), (-1, "-", "−")):
            sel = s.signs == sign
            if sel.any():
                ax.scatter(*_xyz(X[sel]), s=size, color=SIGN_COLORS[sign], edgecolors="none",
                           gid=f"section:{key}", zorder=2, **extra)
                handles.append(Line2D([], [], marker="o", ls="", color=SIGN_COLORS[sign],
                                      label=f"sign {sym} ({int(sel.sum())})"))
        if s.conflict.any():
            _add_lines(ax, _segments(X, s.edges[s.conflict]), colors=CONFLICT_COLOR,
                       linewidths=2.2, gid="conflict", zorder=5)
            handles.append(Line2D([], [], color=CONFLICT_COLOR, lw=2.2,
                                  label=f"conflicting edges ({int(s.conflict.sum())})"))
    else:
        ax.scatter(*_xyz(X), s=size * 0.6, color="0.55", edgecolors="none", gid="points",
                   zorder=2, **extra)
    if arrows and np.abs(s.vectors).max(initial=0.0) > 0:
        diag = float(np.linalg.norm(np.ptp(X, axis=0))) if len(X) > 1 else 1.0
        length = 0.06 * diag if arrow_length is None else float(arrow_length)
        if max_arrows is not None and max_arrows < len(X):
            from tdasheaf.complexes import maxmin_landmarks

            keep = maxmin_landmarks(X, int(max_arrows))
        else:
            keep = np.arange(len(X))
        for k in range(s.vectors.shape[2]):
            V = s.vectors[keep, :, k]
            if sheaf == "orientation":
                color = [SIGN_COLORS[1] if g > 0 else SIGN_COLORS[-1] for g in s.signs[keep]]
                gid = "arrows"
            else:
                color, gid = f"C{k % 10}", f"arrows:{k}"
                handles.append(Line2D([], [], color=color, lw=1.5,
                                      label=f"section {k} ($\\lambda = {s.eigenvalues[k]:.2g}$)"))
            _arrows(ax, X[keep], V, color, length, gid)
    _finish_cloud_axes(ax, X, view)
    if title is None:
        title = f"{sheaf} sheaf, $t = {s.scale:.3g}$: $\\dim H^0 = {s.h0}$"
        if s.conflict.any():
            title += f", {int(s.conflict.sum())} edges in conflict"
    ax.set_title(title)
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize="small")
    return ax


# ----------------------------------------------------------------------------------------------
# Spectra
# ----------------------------------------------------------------------------------------------


def plot_spectrum(
    spectrum,
    scales=None,
    *,
    degree: int = 0,
    ax=None,
    title: str | None = None,
    yscale: str = "linear",
):
    """Draw the smallest eigenvalues of a sheaf Laplacian ``L^q(K_t; F)`` across scales ``t``.

    Parameters
    ----------
    spectrum : array-like of shape (n_scales, n_eigenvalues)
        Ascending eigenvalues per scale, NaN where missing: the output of
        :func:`tdasheaf.cohomology.laplacian_spectrum` for an array of scales, or a row of
        :class:`~tdasheaf.SheafLaplacianSpectrum` reshaped (its :meth:`plot` does that).
    scales : array-like of shape (n_scales,), optional
        Default ``0, 1, …`` (then the x axis is the scale index).
    degree : int, default=0
        The ``q`` of the labels.
    ax : Axes, optional
    title : str, optional
    yscale : {"linear", "symlog"}, default="linear"
        ``"symlog"`` spreads small eigenvalues while keeping exact zeros.

    Returns
    -------
    Axes

    Notes
    -----
    One line per eigenvalue index ``j`` (``gid="eigenvalue:j"``); the exact zeros, whose number
    at scale ``t`` is ``dim H^q(K_t; F)``, are black dots (``gid="zeros"``).

    Examples
    --------
    >>> spec = np.array([[0.0, 0.0, 2.0], [0.0, 1.0, 3.0]])
    >>> ax = plot_spectrum(spec, scales=[0.5, 1.0])
    >>> len(ax.get_lines()), ax.get_xlabel()
    (3, 'scale $t$')
    """
    S = np.asarray(spectrum, dtype=np.float64)
    if S.ndim == 1:
        S = S[None, :]
    if S.ndim != 2:
        raise ValueError(
            f"spectrum must have shape (n_scales, n_eigenvalues), got {np.shape(spectrum)}."
        )
    t = np.arange(len(S), dtype=np.float64) if scales is None else np.asarray(scales, float)
    if t.shape != (len(S),):
        raise ValueError(f"scales must have one value per row of spectrum ({len(S)}), got "
                         f"shape {t.shape}.")
    if yscale not in ("linear", "symlog"):
        raise ValueError(f"yscale must be 'linear' or 'symlog', got {yscale!r}.")
    ax = _new_axes(ax, figsize=(6.0, 4.0))
    for j in range(S.shape[1]):
        col = S[:, j]
        if np.isfinite(col).any():
            ax.plot(t, col, marker=".", lw=1.4, color=f"C{j % 10}", label=f"$\\lambda_{{{j}}}$",
                    gid=f"eigenvalue:{j}")
    zr, zc = np.nonzero(S == 0)
    if len(zr):
        ax.scatter(t[zr], np.zeros(len(zr)), s=28, color="k", zorder=4, gid="zeros",
                   label=f"$\\lambda = 0$ (count: $\\dim H^{{{degree}}}$)")
    if not np.isfinite(S).any():
        _empty_note(ax, "no eigenvalues")
    ax.set_yscale(yscale)
    ax.set_xlabel("scale $t$" if scales is not None else "scale index")
    ax.set_ylabel(f"eigenvalues of $L^{{{degree}}}(K_t; F)$")
    ax.set_title(f"Sheaf Laplacian spectrum, degree {degree}" if title is None else title)
    if np.isfinite(S).any():
        ax.legend(fontsize="small", loc="upper left", ncols=2 if S.shape[1] > 6 else 1)
    return ax
