"""Data-driven sheaves on a point cloud's complex: orientation, tangent (connection), signal.

Conventions (DESIGN.md §5): vertex labels of the complex index the points of ``X``. Local frames
come from :func:`~tdasheaf.sheaves.local_frames`; ``O_ij`` carries frame-j coordinates to frame
i (``O_i O_ij ≈ O_j``).

Locality. Maps computed from local frames only mean something on edges shorter than the
neighbourhood scale: on long chords even a cylinder's signs become inconsistent (on a
unit-radius band, from a scale of about 1.5). That scale dependence is part of what the
persistent barcode measures; to keep only local edges, cap the complex with
``max_edge_length`` (``rips_complex`` / ``SheafPersistence``).

The sheaf is fixed on the final complex and restricted to each K_t (maps are frozen when a
simplex is born); sheaves recomputed at every scale would need the presentation methods of
Dey–Russold–Samaga (2024), which the library does not implement.
"""

from __future__ import annotations

import numpy as np

from tdasheaf.complexes import FilteredComplex, FlagFiltration, _assemble
from tdasheaf.sheaves._frames import LocalFrames, _align_signs_small, align_frames, local_frames
from tdasheaf.sheaves._sheaf import CellularSheaf
from tdasheaf.sheaves._signed import signed_graph_sheaf

__all__ = [
    "edge_alignments",
    "orientation_sheaf",
    "signal_filtration",
    "signal_sheaf",
    "tangent_sheaf",
]


def _points_of(X, K: FilteredComplex) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of points, got shape {X.shape}.")
    if K.n_vertices and K.vertex_labels.max() >= len(X):
        raise ValueError(
            f"the complex has vertex label {int(K.vertex_labels.max())} but X has only {len(X)} "
            "points; vertex labels must index rows of X."
        )
    return X


def edge_alignments(
    X,
    complex: FilteredComplex,
    *,
    n_neighbors: int = 15,
    dim: int | None = None,
    frames: LocalFrames | None = None,
) -> tuple[np.ndarray, LocalFrames]:
    """Procrustes alignments ``O_ij`` of local PCA frames on every edge of the complex.

    ``n_neighbors`` and ``dim`` are used to compute the frames; with ``frames`` given they are
    not needed (a ``dim`` that disagrees with the frames raises ``ValueError``).

    Returns
    -------
    alignments : ndarray of shape (n_edges, dim, dim)
        Aligned with ``complex.simplices[1]`` (edges ``i < j``).
    frames : LocalFrames
        The frames used (computed on all points of ``X`` unless given).
    """
    frames, edges = _frames_and_edges(X, complex, n_neighbors, dim, frames)
    return align_frames(frames.frames, edges), frames


def _frames_and_edges(X, K, n_neighbors, dim, frames) -> tuple[LocalFrames, np.ndarray]:
    """The local frames (computed, or the given ones checked against ``dim``) and the edges of
    ``K`` as rows of ``X``."""
    X = _points_of(X, K)
    if frames is None:
        frames = local_frames(X, n_neighbors=n_neighbors, dim=dim)
    elif dim is not None and int(dim) != frames.dim:
        raise ValueError(
            f"dim={dim} disagrees with the given frames (dimension {frames.dim}); given frames "
            "fix the dimension: drop dim or recompute the frames."
        )
    if isinstance(K, FlagFiltration):
        edges = K.vertex_labels[K.edges]
    else:
        edges = K.simplices[1] if len(K.simplices) > 1 else np.empty((0, 2), dtype=np.int64)
    return frames, edges


def orientation_sheaf(
    X,
    complex: FilteredComplex,
    *,
    n_neighbors: int = 15,
    dim: int | None = None,
    frames: LocalFrames | None = None,
) -> CellularSheaf:
    """The orientation sheaf: rank 1, ``F_{i⊲ij} = 1``, ``F_{j⊲ij} = det O_ij``.

    Extended to higher simplices by the rule of DESIGN.md §5 (stalk 0 on simplices containing a
    triangle of sign holonomy −1; see :func:`~tdasheaf.sheaves.signed_graph_sheaf`), so its maps
    are integers, δ∘δ = 0 holds exactly and persistent H^0 and H^1 are exact. A global section is
    a consistent choice of orientation of the local frames: H^0 is 1-dimensional on a connected
    orientable sample at local scales and 0 on a non-orientable one. Use a field of
    characteristic ≠ 2 (the default): over GF(2) every sign is +1.

    Examples
    --------
    >>> from tdasheaf.complexes import rips_complex
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> F = orientation_sheaf(X, rips_complex(X, 0.5, 2), n_neighbors=5)
    >>> F.stalk_dims[0][:3], F.cochain_dim(1)
    (array([1, 1, 1]), 120)
    """
    frames, edges = _frames_and_edges(X, complex, n_neighbors, dim, frames)
    F = frames.frames
    if F.shape[2] <= 2 and len(edges):  # det O_e without forming O_e (the same closed form)
        signs = _align_signs_small(
            np.ascontiguousarray(F, dtype=np.float64),
            np.ascontiguousarray(edges, dtype=np.int64).reshape(-1, 2),
        )
    else:
        signs = _det_signs(align_frames(F, edges))
    return signed_graph_sheaf(complex, signs)


def _det_signs(O: np.ndarray) -> np.ndarray:
    """``sign(det O_e)`` per edge; for d <= 2 by the explicit formula (LAPACK's batched LU costs
    9 ms on 100,000 2×2 maps, this 0.3 ms; the sign of an orthogonal map's ±1 is the same)."""
    if not len(O):
        return np.empty(0)
    if O.shape[1] == 1:
        return np.sign(O[:, 0, 0])
    if O.shape[1] == 2:
        return np.sign(O[:, 0, 0] * O[:, 1, 1] - O[:, 0, 1] * O[:, 1, 0])
    return np.sign(np.linalg.det(O))


def tangent_sheaf(
    X,
    complex: FilteredComplex,
    *,
    n_neighbors: int = 15,
    dim: int | None = None,
    frames: LocalFrames | None = None,
    alignments: np.ndarray | None = None,
) -> CellularSheaf:
    """The tangent (O(d) connection) sheaf on the 1-skeleton.

    Vertex and edge stalks ℝ^d, ``F_{i⊲ij} = I`` and ``F_{j⊲ij} = O_ij``; simplices of dimension
    ≥ 2 get stalk 0 (with noisy data the holonomy ``O_ij O_jk O_ki`` is never exactly trivial,
    so there is no consistent non-zero extension; its robust invariants are spectral: the small
    eigenvalues of ``L^0`` — the degree-0 Laplacian is Singer–Wu's vector diffusion operator — and
    the holonomy angles). Real maps: use the float engine (``field="R"``). Pass ``alignments``
    (from :func:`edge_alignments`) to reuse alignments already computed for the same edges.

    Examples
    --------
    >>> from tdasheaf.complexes import rips_complex
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> F = tangent_sheaf(X, rips_complex(X, 0.5, 2), n_neighbors=5)
    >>> F.cochain_dim(0), F.cochain_dim(2)
    (40, 0)
    """
    K = complex
    if alignments is None:
        O, fr = edge_alignments(X, K, n_neighbors=n_neighbors, dim=dim, frames=frames)
        d = fr.dim
    else:  # precomputed O_ij for the edges of K (shared with the orientation sheaf)
        O = np.asarray(alignments, dtype=np.float64)
        d = O.shape[-1] if O.ndim == 3 else (frames.dim if frames is not None else 1)
        if len(K.simplices) > 1 and O.shape[:1] != (len(K.simplices[1]),):
            raise ValueError(
                f"alignments must have one d×d matrix per edge ({len(K.simplices[1])}), "
                f"got shape {O.shape}."
            )
    n_dims = len(K.simplices)
    dims = [np.full(len(K.simplices[0]), d, dtype=np.int64)]
    Rs = []
    if n_dims > 1:
        dims.append(np.full(len(K.simplices[1]), d, dtype=np.int64))
        R = np.empty((len(O), 2, d, d))
        R[:, 0] = O  # face without vertex 0 is (j,): F_{j⊲ij} = O_ij
        R[:, 1] = np.eye(d)  # face without vertex 1 is (i,): F_{i⊲ij} = I
        Rs.append(R)
    for k in range(2, n_dims):
        dims.append(np.zeros(len(K.simplices[k]), dtype=np.int64))
        Rs.append(np.zeros((len(K.simplices[k]), k + 1, 0, d if k == 2 else 0)))
    sheaf = CellularSheaf.from_arrays(K, dims, Rs, validate=False)
    sheaf._cache["checked"] = True  # no dimension-2 stalks: δ^1 = 0, nothing to compose
    return sheaf


def signal_sheaf(
    X,
    complex: FilteredComplex,
    y,
    *,
    maps: str = "constant",
    regularization: float | None = None,
) -> CellularSheaf:
    """A sheaf for vertex data ``y`` (n_points × m): constant, or with maps fitted per edge.

    ``maps="constant"``: the constant sheaf ℝ^m on the whole complex; then ``δ^0 y`` on an edge
    is ``y_j − y_i`` and ``‖δ^0 y‖²`` is the Dirichlet energy (the classic consistency measure).

    ``maps="fitted"``: on the 1-skeleton (stalk 0 above), ``F_{i⊲ij} = I`` and ``F_{j⊲ij} = A_ij``
    with ``A_ij = argmin_A ‖A y_j − y_i‖² + λ ‖A − I‖²_F``, i.e. the ridge-regularised map closest
    to the identity that explains ``y_i`` from ``y_j``, in closed form
    ``A_ij = I + (y_i − y_j) y_jᵀ / (‖y_j‖² + λ)`` with ``λ = regularization``. Then
    ``(δ^0 y)(ij) = A_ij y_j − y_i = λ (y_j − y_i) / (‖y_j‖² + λ)``: large λ recovers the
    constant sheaf, small λ lets every edge explain its own data. The per-edge inconsistency
    ``‖δ^0 y‖`` is an anomaly signal. Real maps: use the float engine. Its *persistence* says
    little about ``y``: on a graph, any non-constant signal gives the edge cycles a non-trivial
    holonomy, so H^0 dies at the first cycle and H^1 counts the graph's cycles, whatever the
    signal. For barcodes that depend on the signal, see :func:`signal_filtration`.

    ``regularization`` (λ, default 1.0) belongs to ``maps="fitted"``: given with
    ``maps="constant"``, where nothing would read it, it raises ``ValueError``.

    Examples
    --------
    >>> from tdasheaf.complexes import rips_complex
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> F = signal_sheaf(X, rips_complex(X, 1.0, 1), y=np.array([[1.0], [2.0], [4.0]]))
    >>> F.cochain_dim(0)
    3
    """
    K = complex
    X = _points_of(X, K)
    Y = np.asarray(y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or len(Y) != len(X):
        raise ValueError(f"y must have one row per point ({len(X)}), got shape {np.shape(y)}.")
    if not np.isfinite(Y).all():
        raise ValueError("y contains NaN or infinite values.")
    m = Y.shape[1]
    if maps not in ("constant", "fitted"):
        raise ValueError(f"maps must be 'constant' or 'fitted', got {maps!r}.")
    if maps == "constant":
        if regularization is not None:
            raise ValueError(
                f"regularization={regularization!r} applies to maps='fitted' only; the constant "
                "sheaf has no maps to regularise (drop it or use maps='fitted')."
            )
        from tdasheaf.sheaves._sheaf import constant_sheaf

        return constant_sheaf(K, rank=m)
    regularization = 1.0 if regularization is None else regularization
    if not regularization > 0:
        raise ValueError(f"regularization must be positive, got {regularization!r}.")
    n_dims = len(K.simplices)
    dims = [np.full(len(K.simplices[0]), m, dtype=np.int64)]
    Rs = []
    if n_dims > 1:
        E = K.simplices[1]
        yi, yj = Y[E[:, 0]], Y[E[:, 1]]
        denom = (yj**2).sum(axis=1) + regularization
        A = np.eye(m)[None] + np.einsum("ea,eb->eab", yi - yj, yj) / denom[:, None, None]
        R = np.empty((len(E), 2, m, m))
        R[:, 0] = A
        R[:, 1] = np.eye(m)
        dims.append(np.full(len(E), m, dtype=np.int64))
        Rs.append(R)
    for k in range(2, n_dims):
        dims.append(np.zeros(len(K.simplices[k]), dtype=np.int64))
        Rs.append(np.zeros((len(K.simplices[k]), k + 1, 0, m if k == 2 else 0)))
    sheaf = CellularSheaf.from_arrays(K, dims, Rs, validate=False)
    sheaf._cache["checked"] = True
    return sheaf


def signal_filtration(
    complex: FilteredComplex | FlagFiltration,
    y,
    *,
    weight: float = 1.0,
    max_value: float = np.inf,
) -> FilteredComplex | FlagFiltration:
    """Refilter a complex by the consistency of vertex data: ``max(f(σ), weight · diam_y(σ))``.

    Every simplex σ enters at ``f'(σ) = max(f(σ), weight · max_{i,j ∈ σ} ‖y_i − y_j‖)``: an edge
    is present at scale ``t`` when it is short enough *and* its endpoints' data differ by at
    most ``t / weight`` — the constant sheaf's ``‖δ^0 y‖`` on that edge. ``f'`` is monotone, so
    it is a filtration; the persistent cohomology of the constant sheaf on it is the signal
    sheaf's persistence used by ``SheafPersistence(sheaf="signal")``. On a Rips complex ``f'``
    is the Rips filtration of the points under the metric
    ``max(‖x_i − x_j‖, weight · ‖y_i − y_j‖)`` (so the result is again a flag complex), and
    the stability theorem applies: moving every ``y_i`` by at most ε moves every bar end by at
    most ``2 · weight · ε``.

    Invariant under permutations of the points, changes of the complex's geometry that keep
    ``f`` (rigid motions of the coordinates) and isometries of the data space (translations,
    rotations and reflections of ``y``); *not* under rescaling ``y`` alone, which is what
    ``weight`` sets: standardise ``y`` or choose ``weight`` so that one unit of data difference
    weighs like ``weight``⁻¹ units of length. ``weight=0`` or a constant ``y`` gives ``f``
    back (the constant sheaf's barcode).

    Parameters
    ----------
    complex : FilteredComplex or FlagFiltration
        Vertex labels index the rows of ``y``. A lazy :class:`~tdasheaf.complexes.FlagFiltration`
        stays lazy: only its edge values change (``f'`` of a clique is the largest ``f'`` of its
        edges).
    y : array-like of shape (n_points,) or (n_points, m)
        Vertex data.
    weight : float, default=1.0
        Non-negative scale of the data differences.
    max_value : float, default=inf
        Simplices with ``f' > max_value`` are left out (the filtration is truncated there).

    Returns
    -------
    FilteredComplex or FlagFiltration
        The same simplices (those with ``f' <= max_value``) in the order of ``f'``.

    Examples
    --------
    A path 0 – 1 – 2 whose middle vertex disagrees with its neighbours:

    >>> from tdasheaf.complexes import rips_complex
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> K = signal_filtration(rips_complex(X, 1.0, 1), [0.0, 3.0, 0.5])
    >>> K.simplices[1].tolist(), K.filtrations[1].tolist()
    ([[1, 2], [0, 1]], [2.5, 3.0])
    """
    K = complex
    Y = np.asarray(y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError(f"y must be a 1-D or 2-D array, got shape {Y.shape}.")
    if K.n_vertices and int(np.max(K.vertex_labels)) >= len(Y):
        raise ValueError(
            f"the complex has vertex label {int(K.vertex_labels.max())} but y has only "
            f"{len(Y)} rows; vertex labels must index rows of y."
        )
    if not np.isfinite(Y).all():
        raise ValueError("y contains NaN or infinite values.")
    weight = float(weight)
    if not (np.isfinite(weight) and weight >= 0):
        raise ValueError(f"weight must be a finite non-negative number, got {weight!r}.")
    if isinstance(K, FlagFiltration):
        E = K.edges
        g = np.array(K.values, dtype=np.float64)
        if weight > 0 and len(E):
            labels = K.vertex_labels
            gap = np.linalg.norm(Y[labels[E[:, 0]]] - Y[labels[E[:, 1]]], axis=1)
            np.maximum(g, weight * gap, out=g)
        keep = g <= max_value
        return FlagFiltration.from_edges(
            K.n_vertices, E[keep], g[keep], vertex_labels=K.vertex_labels,
            max_dimension=K.max_dimension,
        )
    simplices, values = [], []
    for k, (S, f) in enumerate(zip(K.simplices, K.filtrations, strict=True)):
        g = np.array(f, dtype=np.float64)
        if weight > 0 and k >= 1 and len(S):
            for a in range(k + 1):
                for b in range(a + 1, k + 1):
                    gap = np.linalg.norm(Y[S[:, a]] - Y[S[:, b]], axis=1)
                    np.maximum(g, weight * gap, out=g)
        keep = g <= max_value
        simplices.append(S[keep])
        values.append(g[keep])
    while len(simplices) > 1 and not len(simplices[-1]):
        simplices.pop()
        values.pop()
    return _assemble(simplices, values, validate=False, flag=K.flag)
