"""Point clouds coloured by a value per point, and sheaf Laplacian spectra across scales."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tdasheaf.plotting._common import (
    _MISSING_COLOR,
    SIGN_COLORS,
    _cloud_axes,
    _dot_handle,
    _empty_note,
    _finish_cloud_axes,
    _new_axes,
    _xyz,
)

__all__ = ["plot_point_cloud", "plot_spectrum"]


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
    X, ax, extra = _cloud_axes(X, ax)
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
                handles.append(_dot_handle(c, f"{text} ({int(sel.sum())})"))
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
