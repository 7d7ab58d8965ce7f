"""SheafPersistence: persistent sheaf cohomology of data-driven sheaves over point clouds.

A thin shell: per cloud, build the filtered complex (:mod:`tdasheaf.complexes`), place the
sheaf (:mod:`tdasheaf.sheaves`) and compute its barcodes (:mod:`tdasheaf.cohomology`); output
the diagrams in the format of :mod:`tdasheaf.diagrams`.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from tdasheaf.cohomology import sheaf_persistence
from tdasheaf.complexes import (
    EDGE_BUILD_BYTES,
    FlagFiltration,
    alpha_complex,
    flag_filtration,
    maxmin_landmarks,
    sparse_flag_filtration,
)
from tdasheaf.estimators._base import CollectionMixin
from tdasheaf.estimators._persistence import _DiagramOutput, _diagrams
from tdasheaf.estimators._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted
from tdasheaf.sheaves import (
    CellularSheaf,
    constant_sheaf,
    orientation_sheaf,
    signal_filtration,
    tangent_sheaf,
)
from tdasheaf.sheaves._frames import frames_nbytes
from tdasheaf.utils import check_degrees, check_field, over_budget, resolve_memory_budget
from tdasheaf.utils._field import SIGNED_SHEAF_REASON

__all__ = ["SheafPersistence"]

_SHEAVES = ("orientation", "tangent", "constant", "signal")


def _sheaf_bars(
    X: np.ndarray,
    *,
    sheaf,
    filtration: str,
    degrees: tuple[int, ...],
    max_edge_length: float,
    n_neighbors: int,
    dim: int | None,
    field,
    n_landmarks: int | None,
    n_signal_features: int,
    memory_budget: int | None = None,
    signal_weight: float = 1.0,
    collapse: bool | str = "auto",
    sparse: float = 0.5,
) -> dict[int, np.ndarray]:
    """Barcodes of one cloud (the kernel mapped over the collection).

    Budget rule: the frames (``frames_nbytes``, worst-case dimension ``min(D, n_neighbors − 1)``
    unless ``dim`` is given) are a fixed cost; every edge then costs the graph's
    ``EDGE_BUILD_BYTES`` plus its alignment (24 d²), the flag engine (160) or, for the tangent
    and explicit paths, its sheaf blocks (80 d²). The complex is built under the share of the
    budget this leaves for the graph, so its own estimate refuses it before it is built.
    """
    if sheaf == "signal":
        if X.shape[1] <= n_signal_features:
            raise ValueError(
                f"sheaf='signal' takes the last n_signal_features={n_signal_features} columns "
                f"as vertex data, but the cloud has only {X.shape[1]} columns."
            )
        points, y = X[:, :-n_signal_features], X[:, -n_signal_features:]
    else:
        points, y = X, None
    budget = resolve_memory_budget(memory_budget)
    n_pts, n_dims = points.shape
    framed = sheaf in ("orientation", "tangent")
    d = int(dim) if dim is not None else max(1, min(n_dims, n_neighbors - 1))
    fixed = 8.0 * n_pts * n_dims * 2
    if framed:
        fixed += frames_nbytes(n_pts, n_dims, n_neighbors, d) + min(256 * 2**20, budget // 4)
    per_edge = EDGE_BUILD_BYTES + 160 + (24 * d * d if framed else 0)
    if sheaf == "tangent" or callable(sheaf) or sheaf == "signal" or filtration == "alpha":
        per_edge += 80 * max(d, n_signal_features if sheaf == "signal" else 1) ** 2
    if fixed >= budget:
        raise over_budget(
            f"the local frames of {n_pts:,} points in {n_dims} dimensions",
            fixed,
            budget,
            "Subsample with n_landmarks (or the cloud), lower n_neighbors or dim",
        )
    one_skeleton = sheaf == "tangent"
    top = max(degrees) + (0 if one_skeleton else 1)
    if filtration == "rips":
        # the lazy flag filtration: only the graph is built here; the engine enumerates
        # triangles (and tetrahedra) on the fly where it can, and builds the complex (within
        # the budget) where it cannot
        K = flag_filtration(
            points,
            max_edge_length,
            max(top, 1),
            n_landmarks=n_landmarks,
            memory_budget=budget - int(fixed),
            bytes_per_edge=per_edge,
        )
        if callable(sheaf) or sheaf == "tangent":
            K = K.to_complex(memory_budget=budget - int(fixed))
    elif filtration == "sparse_rips":
        keep = None
        if n_landmarks is not None and n_landmarks < len(points):
            keep = maxmin_landmarks(points, n_landmarks)
        K = sparse_flag_filtration(
            points if keep is None else points[keep],
            sparse,
            max_edge_length,
            max(top, 1),
            memory_budget=budget - int(fixed),
            bytes_per_edge=per_edge,
        )
        if keep is not None:  # landmarks keep their point indices (frames use every point)
            K = FlagFiltration.from_edges(
                K.n_vertices,
                K.edges,
                K.values,
                vertex_labels=keep[K.vertex_labels],
                max_dimension=K.max_dimension,
            )
        if callable(sheaf) or sheaf == "tangent":
            K = K.to_complex(memory_budget=budget - int(fixed))
    else:
        if n_landmarks is not None and n_landmarks < len(points):
            keep = maxmin_landmarks(points, n_landmarks)
            points = points[keep]
            y = None if y is None else y[keep]
        from tdasheaf.cohomology._classical import alpha_nbytes

        need = alpha_nbytes(*points.shape) * per_edge / EDGE_BUILD_BYTES + fixed
        if need > budget:
            raise over_budget(
                f"the alpha complex of {len(points):,} points in {points.shape[1]} dimensions "
                "and its sheaf",
                need,
                budget,
                "Use filtration='rips' with a finite max_edge_length, subsample with n_landmarks",
            )
        # in the plane the alpha complex stops at triangles: higher degrees have no bars
        K = alpha_complex(points, max(top, 1))
        if np.isfinite(max_edge_length):  # the threshold truncates every filtration
            K = K.sublevel(max_edge_length)
    if callable(sheaf):
        F = sheaf(points, K)
        if not isinstance(F, CellularSheaf):
            raise TypeError(
                f"the sheaf callable must return a CellularSheaf, got {type(F).__name__}."
            )
    elif sheaf == "orientation":
        F = orientation_sheaf(points, K, n_neighbors=n_neighbors, dim=dim)
    elif sheaf == "tangent":
        F = tangent_sheaf(points, K, n_neighbors=n_neighbors, dim=dim)
    elif sheaf == "signal":  # the constant sheaf ℝ^m on the signal-consistency filtration
        # (on Rips the refiltered graph stays a lazy flag filtration)
        K = signal_filtration(K, y, weight=signal_weight, max_value=max_edge_length)
        F = constant_sheaf(K, rank=y.shape[1])
    else:
        F = constant_sheaf(K)
    # degrees above the complex: empty bars
    return sheaf_persistence(
        F, degrees, field, memory_budget=budget - int(fixed), collapse=collapse
    )


class SheafPersistence(_DiagramOutput, CollectionMixin, TransformerMixin, BaseEstimator):
    """Persistent sheaf cohomology diagrams of a collection of point clouds.

    For each cloud: a filtered complex (Rips or alpha), a sheaf over it built from the data
    (DESIGN.md §5), and the barcodes of ``H^q(K_t; F)`` for ``q`` in ``degrees``.

    Parameters
    ----------
    sheaf : {"orientation", "tangent", "constant", "signal"} or callable, default="orientation"
        ``"orientation"``: rank-1 sign sheaf of local PCA frames (exact; H^0 detects
        orientability at local scales). ``"tangent"``: rank-``dim`` O(d) connection on the
        1-skeleton (real maps, float engine). ``"constant"``: ordinary persistent cohomology.
        ``"signal"``: vertex data ``y`` in the last ``n_signal_features`` columns of every
        cloud (the others are coordinates), read through the constant sheaf ℝ^m on the
        *signal-consistency filtration* ``max(f(σ), signal_weight · max_{i,j∈σ} ‖y_i − y_j‖)``
        (see Notes). A callable
        ``(X, complex) -> CellularSheaf`` for anything else.
    filtration : {"rips", "alpha", "sparse_rips"}, default="rips"
        Vietoris–Rips (diameter), alpha (radius), or Sheehy's sparse Rips filtration
        (:func:`~tdasheaf.complexes.sparse_flag_filtration`, deterministic, ``O(n)`` edges in
        low intrinsic dimension; its constant-sheaf diagrams are within log-scale bottleneck
        distance ``−log(1 − sparse)`` of the Rips diagrams).
    degrees : sequence of int, default=(0, 1)
        Cohomology degrees. ``H^q`` of a complex without q-simplices is 0, so a degree above a
        cloud's complex (no triangle under ``max_edge_length``; degree 3 of the alpha complex
        of planar points) gives no bars — only padding rows in the diagram — on every field,
        never an error. A degree equal to the complex's top dimension has no finite deaths.
    max_edge_length : float, default=inf
        Rips threshold; also the way to keep only *local* edges, on which frame-based maps
        mean something (long chords make even a cylinder's orientation signs inconsistent).
        With ``filtration="alpha"`` it truncates the alpha filtration (radii) at that value.
    n_neighbors : int, default=15
        Neighbourhood size of the local PCA (orientation and tangent sheaves; the other
        sheaves have no frames and do not read it).
    dim : int, optional
        Intrinsic dimension of the frames; estimated per cloud when ``None`` (orientation and
        tangent sheaves only, as ``n_neighbors``).
    field : int, "R" or None
        Passed to :func:`tdasheaf.cohomology.sheaf_persistence`: a prime, ``"R"``, or ``None``
        for GF(65521) on integer-valued sheaves and ℝ on real ones (validated by
        :func:`tdasheaf.utils.check_field`). ``sheaf="orientation"`` refuses 2: GF(2) cannot
        hold the orientation signs (−1 = +1 mod 2 would give the constant sheaf's barcode).
    n_landmarks : int, optional
        Build the complex on this many max-min landmarks (frames still use every point).
    n_jobs : int, optional
        joblib workers over clouds.
    n_signal_features : int, default=1
        For ``sheaf="signal"`` only: how many trailing columns are vertex data.
    signal_weight : float, default=1.0
        For ``sheaf="signal"`` only: the scale of signal differences against lengths (one unit
        of ``‖y_i − y_j‖`` counts as ``signal_weight`` units of length). ``0`` gives the
        constant sheaf's barcode. The signal is not rescaled: standardise it or set this.
    memory_budget : int, optional
        Bytes one cloud's computation may use; default ``min(1.5 GiB, MemAvailable / 4)``
        divided by the number of workers ``n_jobs``. The frames and, per edge, the graph, the
        alignments and the sheaf are estimated before the complex is built; over budget raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError` naming ``max_edge_length``,
        ``n_landmarks`` and ``memory_budget`` (an error row in batch extraction).
    sparse : float, default=0.5
        ``filtration="sparse_rips"`` only: the approximation parameter ε (gudhi's meaning).
    collapse : {"auto", True, False}, default="auto"
        Edge-collapse the Rips graph first where it provably keeps every bar (the constant
        and orientation sheaves; :func:`~tdasheaf.cohomology.sheaf_persistence`): ``"auto"``
        when degree 2 is asked or the complex is built, ``True`` wherever valid, ``False``
        never. Same diagrams either way.

    Attributes
    ----------
    degrees_ : tuple of int
    n_features_in_ : int

    Notes
    -----
    The sheaf is fixed on the final complex and restricted to every ``K_t``. With the Rips
    filtration, the orientation and constant sheaves in degrees ≤ 2 never build tetrahedra, and
    in degrees ≤ 1 not even triangles: the implicit engine enumerates them from the edges.

    The signal sheaf. A simplex enters when it is short *and* the signal is consistent on it:
    ``f'(σ) = max(f(σ), signal_weight · diam_y(σ))``, truncated at ``max_edge_length``
    (:func:`tdasheaf.sheaves.signal_filtration`); the barcode is the constant sheaf ℝ^m's on
    ``f'`` (m copies of the rank-1 barcode). On Rips it is the Rips filtration of the metric
    ``max(‖x_i − x_j‖, signal_weight · ‖y_i − y_j‖)``, so it is deterministic, stable (moving
    every ``y_i`` by ε moves bar ends by at most ``2 · signal_weight · ε``) and invariant under
    rigid motions of the coordinates, isometries of the signal (translations, rotations) and
    the order of the points, but not under rescaling the signal alone. A constant signal (or
    ``signal_weight=0``) gives the barcode of ``sheaf="constant"`` (m copies of it). Fitted
    restriction maps (:func:`~tdasheaf.sheaves.signal_sheaf` with ``maps="fitted"``) were not
    used: they live on the 1-skeleton, where any non-constant signal kills H^0 at the first
    cycle and H^1 only counts the graph's cycles, whatever the signal.

    Examples
    --------
    >>> from tdasheaf.datasets import make_cylinder, make_mobius_band
    >>> clouds = [make_cylinder(200, random_state=0), make_mobius_band(200, random_state=0)]
    >>> D = SheafPersistence(max_edge_length=0.5, degrees=(0,)).fit_transform(clouds)
    >>> [int(np.isinf(d[:, 1]).sum()) for d in D]   # global orientation sections
    [1, 0]
    """

    #: clouds of different dimensions are accepted (the work is per cloud)
    _any_dimension = True

    _parameter_constraints: dict = {
        "sheaf": [StrOptions(set(_SHEAVES)), callable],
        "filtration": [StrOptions({"rips", "alpha", "sparse_rips"})],
        "degrees": ["array-like", Interval(Integral, 0, None, closed="left")],
        "max_edge_length": [Interval(Real, 0, np.inf, closed="both")],
        "n_neighbors": [Interval(Integral, 2, None, closed="left")],
        "dim": [Interval(Integral, 1, None, closed="left"), None],
        "field": [Interval(Integral, 2, None, closed="left"), StrOptions({"R"}), None],
        "n_landmarks": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "n_signal_features": [Interval(Integral, 1, None, closed="left")],
        "signal_weight": [Interval(Real, 0, None, closed="left")],
        "collapse": [StrOptions({"auto"}), "boolean"],
        "sparse": [Interval(Real, 0, None, closed="neither")],
        "memory_budget": [Interval(Integral, 1, None, closed="left"), None],
    }
    _plot_notation = "cohomology"  # plot() labels degrees H^q

    def __init__(
        self,
        sheaf="orientation",
        filtration="rips",
        degrees=(0, 1),
        max_edge_length=np.inf,
        n_neighbors=15,
        dim=None,
        field=None,
        n_landmarks=None,
        n_jobs=None,
        n_signal_features=1,
        memory_budget=None,
        signal_weight=1.0,
        collapse="auto",
        sparse=0.5,
    ):
        self.sheaf = sheaf
        self.filtration = filtration
        self.degrees = degrees
        self.max_edge_length = max_edge_length
        self.n_neighbors = n_neighbors
        self.dim = dim
        self.field = field
        self.n_landmarks = n_landmarks
        self.n_jobs = n_jobs
        self.n_signal_features = n_signal_features
        self.memory_budget = memory_budget
        self.signal_weight = signal_weight
        self.collapse = collapse
        self.sparse = sparse

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate parameters and the collection (nothing is learned from the data).

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
        y : ignored

        Returns
        -------
        self
        """
        self.degrees_ = check_degrees(self.degrees, name="degrees")
        check_field(
            self.field,
            default=None,
            allow_real=True,
            odd_reason=SIGNED_SHEAF_REASON if self.sheaf == "orientation" else None,
        )
        self._validate_samples(X, reset=True)
        return self

    def transform(self, X):
        """Diagrams ``(n_samples, n_points, 3)`` of ``(birth, death, degree)`` rows.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_points, 3)
        """
        check_is_fitted(self)
        samples = self._validate_samples(X, reset=False)
        kwargs = dict(
            sheaf=self.sheaf,
            filtration=self.filtration,
            degrees=self.degrees_,
            max_edge_length=float(self.max_edge_length),
            n_neighbors=int(self.n_neighbors),
            dim=self.dim,
            field=self.field,
            n_landmarks=self.n_landmarks,
            n_signal_features=int(self.n_signal_features),
            signal_weight=float(self.signal_weight),
            memory_budget=resolve_memory_budget(self.memory_budget, self.n_jobs),
            collapse=self.collapse,
            sparse=float(self.sparse),
        )
        bars = self._map_samples(_sheaf_bars, samples, **kwargs)
        return _diagrams(bars, self.degrees_)

    def _plot_title(self, sample) -> str:
        name = self.sheaf if isinstance(self.sheaf, str) else getattr(self.sheaf, "__name__", "")
        return f"{name or 'custom'} sheaf, sample {sample}"
