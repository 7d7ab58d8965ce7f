"""Sections of the orientation and tangent sheaves of a point cloud, and their pictures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.lines import Line2D

from tdasheaf.plotting._common import (
    CONFLICT_COLOR,
    SIGN_COLORS,
    _cloud_axes,
    _dot_handle,
    _finish_cloud_axes,
    _xyz,
)

__all__ = ["SheafSection", "plot_sheaf_section", "sheaf_section"]


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
    from tdasheaf.geometry import connectivity_scale

    scale = connectivity_scale(X)
    return 1.5 * scale if scale > 0 else 1.0


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
    bars of :func:`~tdasheaf.cohomology.representative_cocycles` give a
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
        representative_cocycles,
        sheaf_laplacian,
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
    bars, cocycles = representative_cocycles(F, degrees=(0,), field=p)
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
    X, ax, extra = _cloud_axes(X, ax, figsize=(5.5, 5.0))
    s = sheaf_section(X, sheaf=sheaf, scale=scale, n_neighbors=n_neighbors, dim=dim,
                      gauge=gauge, n_sections=n_sections)
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
                handles.append(_dot_handle(SIGN_COLORS[sign], f"sign {sym} ({int(sel.sum())})"))
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
            from tdasheaf.geometry import maxmin_landmarks

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
