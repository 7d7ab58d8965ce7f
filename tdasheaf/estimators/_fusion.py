"""SheafDenoiser and SheafFusion: sheaf diffusion of signals on clouds, fusion of sensor readings.

Thin shells over :mod:`tdasheaf.cohomology._sections`: the kernels build a complex and a sheaf
from one sample and call :func:`~tdasheaf.cohomology.sheaf_diffusion`,
:func:`~tdasheaf.cohomology.nearest_global_section` and the inconsistency functions.

Input conventions
-----------------
:class:`SheafDenoiser` takes, like every point-cloud transformer of the library, a *collection*
of clouds (a list of ``(n_points, n_features)`` arrays or a 3-D array); in every cloud the last
``n_signal_features`` columns are the signal at each point and the others its coordinates (the
convention of ``SheafPersistence(sheaf="signal")``). A cloud is one sample: smoothing couples the
points *of* a cloud, so rows of a 2-D matrix cannot be samples (scikit-learn's row-subset checks
would rightly fail), while clouds stay independent — the collection convention keeps
``Pipeline``, ``clone``, joblib batches and the contract suite meaningful. The output has the
input's format (signal columns smoothed, coordinates untouched), so it chains into another cloud
transformer (e.g. ``SheafPersistence(sheaf="signal")``).

:class:`SheafFusion` takes a collection of fusion problems. One problem is an array of readings
of shape ``(n_sources, n_cells)`` (scalar readings) or ``(n_sources, n_cells, dim)``: source ``s``
read value ``R[s, c]`` on cell ``c``, NaN where it did not observe ``c``. A collection is a list of
such arrays or an array with one more leading axis (``(n_samples, n_sources, n_cells)`` is always
read as scalar readings); a single problem is wrapped in a list.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from tdasheaf.cohomology import (
    FusionResult,
    fuse_readings,
    sheaf_diffusion,
    vertex_inconsistencies,
)
from tdasheaf.complexes import FilteredComplex, rips_complex
from tdasheaf.estimators._base import (
    DEPRECATED,
    CollectionMixin,
    CollectionOutputMixin,
    renamed_parameter,
)
from tdasheaf.estimators._sklearn_compat import (
    Hidden,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from tdasheaf.geometry import kneighbors
from tdasheaf.sheaves import (
    CellularSheaf,
    constant_sheaf,
    local_frames,
    signal_sheaf,
    tangent_sheaf,
)
from tdasheaf.utils._parallel import limit_threads

__all__ = ["SheafDenoiser", "SheafFusion"]

_SHEAVES = ("constant", "signal", "tangent")


# ----------------------------------------------------------------------------------------------
# Denoising kernels: one cloud in, arrays out
# ----------------------------------------------------------------------------------------------


def _graph(points: np.ndarray, n_neighbors: int, radius: float | None) -> FilteredComplex:
    """The symmetrised k-nearest-neighbour graph (or the radius graph) as a 1-dim complex.

    Neighbours follow :func:`tdasheaf.geometry.kneighbors` (own row excluded, duplicates
    counted); ``n_neighbors`` is clamped to ``n - 1``.
    """
    n = len(points)
    if radius is not None:
        return rips_complex(points, radius, 1)
    k = min(n_neighbors, n - 1)
    if k < 1:
        return FilteredComplex.from_simplices([(i,) for i in range(n)])
    _, idx = kneighbors(points, k)
    i = np.repeat(np.arange(n), k)
    pairs = np.unique(np.sort(np.c_[i, idx.reshape(-1)], axis=1), axis=0)
    lengths = np.linalg.norm(points[pairs[:, 0]] - points[pairs[:, 1]], axis=1)
    simplices = [(v,) for v in range(n)] + [tuple(p) for p in pairs.tolist()]
    return FilteredComplex.from_simplices(simplices, np.r_[np.zeros(n), lengths])


def _cloud_sheaf(X, *, sheaf, n_signal_features, n_neighbors, radius, frame_neighbors, dim,
                 regularization):
    """Sheaf on one cloud's graph, its 0-cochain, and the map back to signal columns."""
    m = n_signal_features
    if X.shape[1] <= m:
        raise ValueError(
            f"the last n_signal_features={m} columns are the signal, but the cloud has only "
            f"{X.shape[1]} columns; coordinates must come first."
        )
    points, y = X[:, :-m], X[:, -m:]
    K = _graph(points, n_neighbors, radius)
    if sheaf == "tangent":
        if m != points.shape[1]:
            raise ValueError(
                f"sheaf='tangent' smooths a tangent vector field given in ambient coordinates: "
                f"n_signal_features must equal the number of coordinates ({points.shape[1]}), "
                f"got {m}."
            )
        frames = local_frames(points, n_neighbors=min(frame_neighbors, len(points)), dim=dim)
        O = frames.frames  # (n, D, d)
        F = tangent_sheaf(points, K, frames=frames)
        a = np.einsum("nDd,nD->nd", O, y)
        return F, a, lambda b: np.einsum("nDd,nd->nD", O, b), K

    if sheaf == "constant":
        F = constant_sheaf(K, rank=m)
    elif sheaf == "signal":
        F = signal_sheaf(points, K, y, maps="fitted", regularization=regularization)
    else:
        F = sheaf(points, K)
        if not isinstance(F, CellularSheaf):
            raise TypeError(
                f"the sheaf callable must return a CellularSheaf, got {type(F).__name__}."
            )
        if F.cochain_dim(0) != y.size or not (F.stalk_dims[0] == m).all():
            raise ValueError(
                f"the sheaf callable's vertex stalks must all have dimension "
                f"n_signal_features={m}."
            )
    return F, y, (lambda b: b), K


def _degree_weights(K: FilteredComplex):
    n = K.n_vertices
    E = K.boundaries[1] if len(K.simplices) > 1 else np.empty((0, 2), np.int64)
    deg = np.bincount(E.reshape(-1), minlength=n).astype(float)
    return np.maximum(deg, 1.0), np.ones(len(E))


def _denoise_cloud(X, *, t, normalize, **params) -> np.ndarray:
    # small batched SVDs and level-1 BLAS: threads only contend
    with limit_threads(1, "blas"):
        F, a, back, K = _cloud_sheaf(X, **params)
        weights = _degree_weights(K) if normalize else None
        smoothed = back(sheaf_diffusion(F, a, t, weights))
    out = X.copy()
    out[:, -params["n_signal_features"] :] = smoothed
    return out


def _inconsistency_cloud(X, *, t, normalize, reduce, **params) -> np.ndarray:
    with limit_threads(1, "blas"):
        F, a, _, _ = _cloud_sheaf(X, **params)
        return vertex_inconsistencies(F, a, reduce=reduce)


def _stack_or_list(arrays: list[np.ndarray]):
    """A 3-D (or 2-D) array when every sample has the same shape, else a list."""
    if len({a.shape for a in arrays}) == 1:
        return np.stack(arrays)
    return arrays


#: Outputs are collections of clouds, which no DataFrame can hold (set_output refuses "pandas").
_PerPointOutput = CollectionOutputMixin


class SheafDenoiser(CollectionOutputMixin, CollectionMixin, TransformerMixin, BaseEstimator):
    """Smooth a signal on every point cloud by heat diffusion with a sheaf on its neighbour graph.

    For each cloud (coordinates, then the last ``n_signal_features`` columns of signal): the
    symmetrised k-nearest-neighbour graph of the coordinates (or the radius graph), a sheaf on
    it, and the heat flow ``exp(−t L^0)`` of the signal seen as a 0-cochain
    (:func:`~tdasheaf.cohomology.sheaf_diffusion`). As ``t → ∞`` the flow converges to the
    nearest global section.

    Parameters
    ----------
    sheaf : {"constant", "signal", "tangent"} or callable, default="constant"
        ``"constant"``: ℝ^m on every vertex and edge — plain graph-Laplacian diffusion, the
        baseline. ``"signal"``: :func:`~tdasheaf.sheaves.signal_sheaf` with maps fitted to the
        signal (ridge maps toward the identity, strength ``regularization``). ``"tangent"``: the
        signal is a tangent vector field in ambient coordinates (``n_signal_features`` equal to
        the number of coordinates); it is written in local PCA frames, diffused with the O(d)
        connection of the frames (Singer–Wu's vector diffusion), and mapped back — which also
        drops the component normal to the estimated tangent plane. A callable
        ``(points, complex) -> CellularSheaf`` with vertex stalks of dimension
        ``n_signal_features``.
    t : float, default=1.0
        Diffusion time; with ``norm_laplacian=True`` in units of random-walk steps.
    n_signal_features : int, default=1
        How many trailing columns of every cloud are the signal.
    graph_neighbors : int, default=10
        Neighbours per point of the k-nearest-neighbour graph. Formerly ``n_neighbors``.
    radius : float, optional
        Use the radius graph (edges up to this length) instead of the kNN graph.
    frame_neighbors : int, default=15
        Neighbourhood size of the local PCA frames (``sheaf="tangent"``).
    dim : int, optional
        Intrinsic dimension of the frames; estimated per cloud when ``None``.
    regularization : float, default=1.0
        Ridge strength of the fitted maps of ``sheaf="signal"`` (large: the constant sheaf).
    norm_laplacian : bool, default=True
        Vertex weights equal to the degrees: ``L^0 = D^{-1}(δ^0)ᵀδ^0``, the random-walk
        normalised Laplacian, so that ``t`` does not depend on the density of the graph
        (scikit-learn's name in :func:`~sklearn.manifold.spectral_embedding`). Formerly
        ``normalize``.
    n_jobs : int, optional
        joblib workers over clouds.
    n_neighbors : int

        .. deprecated:: 0.1
           Renamed ``graph_neighbors``: ``n_neighbors`` is the local PCA neighbourhood in the
           other estimators (here ``frame_neighbors``). The old name works with a
           ``FutureWarning`` until 0.3.
    normalize : bool

        .. deprecated:: 0.1
           Renamed ``norm_laplacian``: ``normalize`` divides an output by its scale elsewhere
           (:class:`PersistenceEntropy`, giotto-tda's name); here it chooses the Laplacian.
           The old name works with a ``FutureWarning`` until 0.3.

    Attributes
    ----------
    n_features_in_ : int
    graph_neighbors_ : int
        The ``k`` of the graph used (``graph_neighbors``, or the deprecated ``n_neighbors``).

    See Also
    --------
    tdasheaf.cohomology.sheaf_diffusion, tdasheaf.cohomology.vertex_inconsistencies

    Examples
    --------
    A noisy rotation field on a sphere, smoothed with the tangent sheaf:

    >>> from tdasheaf.datasets import make_sphere
    >>> X = make_sphere(300, random_state=0)
    >>> V = np.cross([0.0, 0.0, 1.0], X)
    >>> noisy = V + 0.3 * np.random.default_rng(0).normal(size=V.shape)
    >>> den = SheafDenoiser(sheaf="tangent", n_signal_features=3, t=3.0, dim=2)
    >>> out = den.fit_transform([np.c_[X, noisy]])
    >>> out.shape
    (1, 300, 6)
    >>> rms = lambda A: float(np.sqrt(np.mean(np.sum((A - V) ** 2, axis=1))))
    >>> rms(out[0, :, 3:]) < 0.5 * rms(noisy)
    True
    >>> den.inconsistency([np.c_[X, noisy]]).shape   # per point: an anomaly score
    (1, 300)
    """

    _parameter_constraints: dict = {
        "sheaf": [StrOptions(set(_SHEAVES)), callable],
        "t": [Interval(Real, 0, None, closed="left")],
        "n_signal_features": [Interval(Integral, 1, None, closed="left")],
        "graph_neighbors": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [
            Interval(Integral, 1, None, closed="left"),
            Hidden(StrOptions({DEPRECATED})),
        ],
        "radius": [Interval(Real, 0, None, closed="neither"), None],
        "frame_neighbors": [Interval(Integral, 2, None, closed="left")],
        "dim": [Interval(Integral, 1, None, closed="left"), None],
        "regularization": [Interval(Real, 0, None, closed="neither")],
        "norm_laplacian": ["boolean"],
        "n_jobs": [Integral, None],
        "normalize": ["boolean", Hidden(StrOptions({DEPRECATED}))],
    }

    def __init__(
        self,
        sheaf="constant",
        t=1.0,
        n_signal_features=1,
        graph_neighbors=10,
        radius=None,
        frame_neighbors=15,
        dim=None,
        regularization=1.0,
        norm_laplacian=True,
        n_jobs=None,
        n_neighbors=DEPRECATED,
        normalize=DEPRECATED,
    ):
        self.sheaf = sheaf
        self.t = t
        self.n_signal_features = n_signal_features
        self.graph_neighbors = graph_neighbors
        self.radius = radius
        self.frame_neighbors = frame_neighbors
        self.dim = dim
        self.regularization = regularization
        self.norm_laplacian = norm_laplacian
        self.n_jobs = n_jobs
        self.n_neighbors = n_neighbors
        self.normalize = normalize

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and the collection (nothing is learned from the data).

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
        y : ignored

        Returns
        -------
        self
        """
        samples = self._validate_samples(X, reset=True)
        n_features = samples[0].shape[1]
        if n_features <= self.n_signal_features:
            del self.n_features_in_
            raise ValueError(
                f"the clouds have {n_features} columns, but n_signal_features="
                f"{self.n_signal_features} of them are the signal: coordinates must come first."
            )
        self.graph_neighbors_ = int(
            renamed_parameter(self, old="n_neighbors", new="graph_neighbors", removed_in="0.3")
        )
        renamed_parameter(self, old="normalize", new="norm_laplacian", removed_in="0.3")
        return self

    def _map_clouds(self, kernel, X, **kwargs):
        """Check ``X`` against ``fit``, run ``kernel`` on every cloud with the parameters."""
        check_is_fitted(self)
        samples = self._validate_samples(X, reset=False)
        out = self._map_samples(
            kernel,
            samples,
            sheaf=self.sheaf,
            n_signal_features=int(self.n_signal_features),
            n_neighbors=self.graph_neighbors_,
            radius=None if self.radius is None else float(self.radius),
            frame_neighbors=int(self.frame_neighbors),
            dim=self.dim,
            regularization=float(self.regularization),
            t=float(self.t),
            # the deprecated name, if set (fit warned about it and refused both)
            normalize=bool(
                self.norm_laplacian
                if isinstance(self.normalize, str) and self.normalize == DEPRECATED
                else self.normalize
            ),
            **kwargs,
        )
        return _stack_or_list(out)

    def transform(self, X):
        """Every cloud with its signal columns diffused (coordinates unchanged).

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_points, n_features), or list of arrays
            A 3-D array when all clouds have the same number of points, else a list.
        """
        return self._map_clouds(_denoise_cloud, X)

    def inconsistency(self, X, reduce="mean"):
        """Per-point inconsistency of the (unsmoothed) signal: a local anomaly score.

        The mean (or max) over a point's graph edges of ``‖F_{i⊲e} a(i) − F_{j⊲e} a(j)‖``
        (:func:`~tdasheaf.cohomology.vertex_inconsistencies`); for the tangent sheaf, in frame
        coordinates (the normal component is not counted). Higher = more anomalous.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
        reduce : {"mean", "max"}, default="mean"

        Returns
        -------
        ndarray of shape (n_samples, n_points), or list of arrays
        """
        return self._map_clouds(_inconsistency_cloud, X, reduce=reduce)

    def get_feature_names_out(self, input_features=None):
        """Names of the columns of every output cloud (those of the input).

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        if input_features is not None:
            names = np.asarray(input_features, dtype=object)
            if names.shape != (self.n_features_in_,):
                raise ValueError(
                    f"input_features must have {self.n_features_in_} names, got {names.shape}."
                )
            return names
        return np.array([f"x{i}" for i in range(self.n_features_in_)], dtype=object)


# ----------------------------------------------------------------------------------------------
# Fusion kernels
# ----------------------------------------------------------------------------------------------




def _check_problems(X, shape=None) -> list[np.ndarray]:
    """Validate a collection of fusion problems; return (n_sources, n_cells, dim) arrays."""
    if isinstance(X, np.ndarray):
        if X.ndim not in (3, 4):
            raise ValueError(
                "expected a collection of reading arrays: a list of (n_sources, n_cells[, dim]) "
                "arrays, or an array of shape (n_samples, n_sources, n_cells[, dim]); got an "
                f"array of shape {X.shape}. For a single problem, wrap it in a list: [R]."
            )
        items = list(X)
    elif isinstance(X, (list, tuple)):
        items = list(X)
    else:
        raise ValueError(
            "expected a collection of reading arrays (a list of (n_sources, n_cells[, dim]) "
            f"arrays), got {type(X).__name__}."
        )
    if not items:
        raise ValueError("expected a non-empty collection of reading arrays, got 0 samples.")
    out = []
    for i, item in enumerate(items):
        try:
            A = np.asarray(item)
        except Exception as exc:
            raise ValueError(f"sample {i}: could not convert the readings to an array.") from exc
        if A.dtype == object or not (
            np.issubdtype(A.dtype, np.number) or np.issubdtype(A.dtype, np.bool_)
        ):
            raise ValueError(f"sample {i}: expected numeric readings, got dtype {A.dtype}.")
        if np.iscomplexobj(A):
            raise ValueError(f"sample {i}: complex-valued readings are not supported.")
        if A.ndim not in (2, 3):
            raise ValueError(
                f"sample {i}: expected readings of shape (n_sources, n_cells) or "
                f"(n_sources, n_cells, dim), got shape {A.shape}."
            )
        A = np.asarray(A, dtype=np.float64)
        A = A[:, :, None] if A.ndim == 2 else A
        if 0 in A.shape:
            raise ValueError(f"sample {i}: empty readings of shape {A.shape}.")
        if np.isinf(A).any():
            raise ValueError(
                f"sample {i}: readings contain infinite values; mark unobserved cells with NaN."
            )
        want = shape if shape is not None else (out[0].shape if out else None)
        if want is not None and A.shape != want:
            raise ValueError(
                f"sample {i}: readings of shape {A.shape}, expected {want} (n_sources, n_cells, "
                "dim) as in the rest of the collection / in fit."
            )
        out.append(A)
    return out


def _fuse(R, **kwargs) -> FusionResult:
    return fuse_readings(R, **kwargs)


class SheafFusion(CollectionMixin, TransformerMixin, BaseEstimator):
    """Fuse several sources' readings on shared cells into a global section, with a report.

    Each sample is one fusion problem (module docstring): readings ``R[s, c]`` of
    ``n_sources`` sources on ``n_cells`` cells, NaN where unobserved. The readings are an
    assignment to Robinson's sensor sheaf (:func:`sensor_sheaf`: a vertex per source and per
    cell, an edge where a source observes a cell); the fused field is the cell part of the
    nearest global section (:func:`~tdasheaf.cohomology.nearest_global_section`), and the
    discrepancies ``‖R[s, c] − fused[c]‖`` on the edges give the consistency radius and the
    per-source and per-cell inconsistencies. A faulty source (bias, drift) is the one with the
    largest source inconsistency.

    Parameters
    ----------
    source_weights : array-like of shape (n_sources,), optional
        Positive confidence of each source (e.g. inverse noise variances); default all 1.
    reduce : {"mean", "max"}, default="mean"
        How a source's (cell's) edge discrepancies are combined into its inconsistency.
    norm : {"max", "l2"}, default="max"
        Norm of the consistency radius over edges.
    n_reweight : int, default=0
        Rounds of iteratively reweighted fusion (robust to a faulty source; see
        :func:`fuse_readings`).
    n_jobs : int, optional
        joblib workers over problems.

    Attributes
    ----------
    fused_ : ndarray of shape (n_samples, n_cells, dim)
        Fused field of every training problem (NaN on cells nobody observes).
    consistency_radius_ : ndarray of shape (n_samples,)
    source_inconsistency_ : ndarray of shape (n_samples, n_sources)
    cell_inconsistency_ : ndarray of shape (n_samples, n_cells)
    source_weights_ : ndarray of shape (n_samples, n_sources)
        Final fusion weights (differ from ``source_weights`` after reweighting).
    n_sources_, n_cells_, n_components_ : int
        Shape of the problems (``n_components_`` is ``dim``, 1 for scalar readings).

    Examples
    --------
    Four overlapping sensors on a 1-D field; sensor 3 has a bias of 0.5:

    >>> rng = np.random.default_rng(0)
    >>> field = np.sin(np.linspace(0, 3, 40))
    >>> R = np.full((4, 40), np.nan)
    >>> for s, (lo, hi) in enumerate([(0, 15), (10, 25), (20, 35), (28, 40)]):
    ...     R[s, lo:hi] = field[lo:hi] + 0.01 * rng.normal(size=hi - lo)
    >>> R[3] += 0.5
    >>> fusion = SheafFusion().fit([R])
    >>> int(np.argmax(fusion.source_inconsistency_[0]))
    3
    >>> fusion.transform([R]).shape
    (1, 40)
    """

    _parameter_constraints: dict = {
        "source_weights": ["array-like", None],
        "reduce": [StrOptions({"mean", "max"})],
        "norm": [StrOptions({"max", "l2"})],
        "n_reweight": [Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def __init__(self, source_weights=None, reduce="mean", norm="max", n_reweight=0, n_jobs=None):
        self.source_weights = source_weights
        self.reduce = reduce
        self.norm = norm
        self.n_reweight = n_reweight
        self.n_jobs = n_jobs

    def _run(self, problems):
        return self._map_samples(
            _fuse,
            problems,
            source_weights=self.source_weights,
            reduce=self.reduce,
            norm=self.norm,
            n_reweight=int(self.n_reweight),
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fuse every training problem and keep the report.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_sources, n_cells[, dim])
        y : ignored

        Returns
        -------
        self
        """
        problems = _check_problems(X)
        self.n_sources_, self.n_cells_, self.n_components_ = problems[0].shape
        if self.source_weights is not None and np.shape(self.source_weights) != (self.n_sources_,):
            raise ValueError(
                f"source_weights must have one weight per source ({self.n_sources_}), got "
                f"shape {np.shape(self.source_weights)}."
            )
        results = self._run(problems)
        self.fused_ = np.stack([r.fused for r in results])
        self.consistency_radius_ = np.array([r.consistency_radius for r in results])
        self.source_inconsistency_ = np.stack([r.source_inconsistency for r in results])
        self.cell_inconsistency_ = np.stack([r.cell_inconsistency for r in results])
        self.source_weights_ = np.stack([r.source_weights for r in results])
        return self

    def transform(self, X):
        """The fused field of every problem, one row per problem.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_sources, n_cells[, dim])

        Returns
        -------
        ndarray of shape (n_samples, n_cells * dim)
            Cell-major (``cell0`` components, then ``cell1``, …); NaN on unobserved cells.
        """
        check_is_fitted(self, "fused_")
        shape = (self.n_sources_, self.n_cells_, self.n_components_)
        problems = _check_problems(X, shape)
        return np.stack([r.fused.reshape(-1) for r in self._run(problems)])

    def get_feature_names_out(self, input_features=None):
        """``cell{c}`` (scalar readings) or ``cell{c}_{j}`` (component ``j``).

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "fused_")
        if self.n_components_ == 1:
            return np.array([f"cell{c}" for c in range(self.n_cells_)], dtype=object)
        return np.array(
            [f"cell{c}_{j}" for c in range(self.n_cells_) for j in range(self.n_components_)],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
