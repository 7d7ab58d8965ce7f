"""What the modules of :mod:`tdasheaf.plotting` share: axes, colours, labels, point clouds."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

#: Colours of the two signs of an orientation section, and of conflict edges.
SIGN_COLORS = {1: "#1f77b4", -1: "#ff7f0e"}
CONFLICT_COLOR = "#d62728"
_MISSING_COLOR = "0.75"
_INF_LABEL = r"$+\infty$"


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


def _dot_handle(color, label: str) -> Line2D:
    """A legend entry: one marker of ``color``."""
    return Line2D([], [], marker="o", ls="", color=color, label=label)


def _empty_note(ax, text: str = "no bars") -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            color="0.4", gid="empty")


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


def _cloud_axes(X, ax, **kwargs):
    """Validated points, the axes to draw them on (3-D for 3-D points), extra scatter keywords.

    ``kwargs`` go to :func:`_new_axes` (``figsize``).
    """
    X = _check_points(X)
    three_d = X.shape[1] == 3
    ax = _new_axes(ax, projection="3d" if three_d else None, **kwargs)
    return X, ax, {"depthshade": False} if three_d else {}


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
