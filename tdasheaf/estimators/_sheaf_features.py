"""SheafFeatures: one transformer from point clouds to a named multi-resolution feature table.

Per cloud the work is shared: one neighbour search, one set of local frames, one Rips graph,
from which the constant and orientation barcodes (implicit flag engine: triangles are never
stored) and the tangent-sheaf spectra are computed. Scales are *relative*: multiples of the
cloud's neighbourhood radius ``r`` (median distance to the ``n_neighbors``-th neighbour), so
features are invariant to rigid motions and to a global rescaling, and comparable between
clouds of different sizes and densities.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from tdasheaf.cohomology import sheaf_persistence
from tdasheaf.cohomology._connection import _connection_laplacian_sparse, _connection_smallest
from tdasheaf.cohomology._laplacian_spectra import ZERO_RTOL
from tdasheaf.cohomology._scales import mean_degree_normalised, orientability
from tdasheaf.complexes import _estimate_from_edges, _rips_from_edges, maxmin_landmarks
from tdasheaf.estimators._base import CollectionMixin
from tdasheaf.estimators._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted
from tdasheaf.geometry import EDGE_BUILD_BYTES, knn_distances, radius_edges
from tdasheaf.representations import betti_curve, persistence_entropy
from tdasheaf.sheaves import (
    FRAME_METHODS,
    HOLONOMY_STATISTICS,
    align_frames,
    constant_sheaf,
    holonomy_features,
    local_frames,
    signed_graph_sheaf,
)
from tdasheaf.sheaves._constructions import _det_signs
from tdasheaf.sheaves._frames import frames_nbytes
from tdasheaf.utils import check_degrees, check_field, over_budget, resolve_memory_budget
from tdasheaf.utils._field import SIGNED_SHEAF_REASON
from tdasheaf.utils._parallel import limit_threads

__all__ = ["SheafFeatures"]

_SHEAVES = ("constant", "orientation", "tangent")
#: Feature families that may be named in ``sheaves``; "holonomy" is opt-in (it needs triangles).
_FAMILIES = (*_SHEAVES, "holonomy")


def _bar_features(bars: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Betti numbers on the grid, entropy, number and total length of the finite bars."""
    finite = bars[np.isfinite(bars[:, 1])]
    lengths = finite[:, 1] - finite[:, 0]
    return np.concatenate(
        [
            betti_curve(bars, grid),
            [
                persistence_entropy(finite, normalize=False) if len(finite) else 0.0,
                float(len(finite)),
                float(lengths.sum()),
            ],
        ]
    )


#: The Rips graph is capped at the median distance to the ``_CAP_NEIGHBOURS · n_neighbors``-th
#: neighbour (about ``√6 · r`` on a 2-dimensional sample, so it does not bind there).
_CAP_NEIGHBOURS = 6
#: Peak bytes per edge of the implicit flag engine (degrees 0 and 1), measured.
_FLAG_BYTES_PER_EDGE = 160
#: Peak bytes per edge and per entry of a d×d block of the tangent L^0 (δ^0, L^0, products).
_TANGENT_BYTES_PER_BLOCK_ENTRY = 80
#: Tangent L^0 of at most this dimension use the library's dense eigensolver (exact).
_TANGENT_DENSE_MAX = 1500


def _frame_dim_cap(n_neighbors: int, n_features: int) -> int:
    """Largest estimated frame dimension: ``max(2, n_neighbors // 3)`` (5 for 15 neighbours)."""
    return max(1, min(n_features, n_neighbors - 1, max(2, n_neighbors // 3)))


def _smallest_iterative(L, k):
    """``k`` smallest eigenvalues of a sparse PSD matrix by LOBPCG (memory O(nnz), seeded)."""
    from scipy.sparse.linalg import lobpcg

    N = L.shape[0]
    block = min(N - 1, max(2 * k, k + 4))
    diag = L.diagonal()
    inv = np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 1.0)
    from scipy.sparse import diags_array

    X0 = np.random.default_rng(0).standard_normal((N, block))
    import warnings

    with warnings.catch_warnings():  # its accuracy note: eigenvalues are reported to 1e-6 ‖L‖
        warnings.simplefilter("ignore", UserWarning)
        ev, _ = lobpcg(L, X0, M=diags_array(inv), largest=False, tol=1e-6, maxiter=300)
    ev = np.sort(np.asarray(ev, dtype=np.float64))[:k]
    norm = float(abs(L).sum(axis=1).max()) if L.nnz else 0.0
    ev[ev <= 1e-6 * norm] = 0.0
    return ev


def _tangent_spectrum(K, frames, alignments, scales, n_eigenvalues):
    """Smallest eigenvalues of the tangent L^0 on K_t, over the mean vertex degree of K_t.

    Up to ``_TANGENT_DENSE_MAX`` cochains: :func:`~tdasheaf.cohomology.connection_spectrum`
    (the library's dense eigensolver and zero rule, as in
    :func:`~tdasheaf.cohomology.laplacian_spectrum` of :func:`~tdasheaf.sheaves.tangent_sheaf`;
    for 2-d frames on a graph orientable at that scale, on the n×n Hermitian form, half the
    time). Above, LOBPCG on the sparse ``L^0``
    (memory proportional to its non-zeros, never a factorisation whose fill cannot be bounded
    in advance), with eigenvalues below ``1e-6 ‖L^0‖_∞`` reported as 0.
    """
    n_edges = np.searchsorted(K.filtrations[1], scales, side="right")
    n, d = K.n_vertices, frames.dim
    # one BLAS thread: the same bits in the main process and in joblib workers (n_jobs), and
    # faster for these small matrices than two threads contending for two cores
    with limit_threads(1):
        if n * d <= _TANGENT_DENSE_MAX:
            spectra = np.full((len(scales), n_eigenvalues), np.nan)
            edges = np.ascontiguousarray(K.simplices[1], dtype=np.int64)
            maps = np.ascontiguousarray(alignments, dtype=np.float64)
            for s, m in enumerate(n_edges):
                spectra[s] = _connection_smallest(n, edges[:m], maps[:m], n_eigenvalues, ZERO_RTOL)
        else:
            spectra = np.full((len(scales), n_eigenvalues), np.nan)
            for s, m in enumerate(n_edges):
                L = _connection_laplacian_sparse(n, K.simplices[1][:m], alignments[:m])
                k = min(n_eigenvalues, n * d - 1)
                spectra[s, :k] = _smallest_iterative(L, k)
    # fewer eigenvalues than asked (tiny complexes) are reported as 0, not NaN
    return mean_degree_normalised(spectra, n_edges, n).ravel()


def _remap(grid: np.ndarray, lo: float, hi: float, top: float) -> np.ndarray:
    """The relative grid on ``[lo, hi]`` moved onto the scales the graph has (``top < hi``).

    Affinely onto ``[lo, top]`` when ``top > lo``; scaled by ``top / hi`` (onto
    ``[lo · top / hi, top]``) when even ``lo`` is beyond the graph.
    """
    if top >= hi:
        return grid
    if top > lo:
        return lo + (grid - lo) * (top - lo) / (hi - lo)
    return grid * (top / hi)


def _plan_cloud(X, *, sheaves, n_neighbors, dim, lo, hi, memory_budget):
    """Estimate, fit into the budget and build the shared neighbour search and Rips graph.

    Returns a dict: ``r``, ``d_max``, the kNN ``neighbors``, the graph ``(i, j, w)`` (absolute
    lengths), ``top`` (largest relative scale kept), ``capped`` (``""``, ``"neighbours"`` or
    ``"memory_budget"``), ``estimate`` and ``budget`` (bytes).
    """
    n, D = X.shape
    k = int(n_neighbors)
    budget = int(memory_budget)
    kc = min(n - 1, _CAP_NEIGHBOURS * k)
    d_max = int(dim) if dim is not None else _frame_dim_cap(k, D)
    framed = bool({"orientation", "tangent", "holonomy"} & set(sheaves))
    fixed = 8 * n * D * 3 + 16 * n * (kc + 1) + min(64 * 2**20, budget // 8)
    if framed:
        fixed += frames_nbytes(n, D, k, d_max) + min(256 * 2**20, budget // 4)
    per_edge = EDGE_BUILD_BYTES + _FLAG_BYTES_PER_EDGE
    if framed:
        per_edge += 24 * d_max**2
    if "tangent" in sheaves:
        per_edge += _TANGENT_BYTES_PER_BLOCK_ENTRY * d_max**2
    least = fixed + per_edge * n * k / 2  # at least a k-NN graph
    what = (
        f"SheafFeatures on a cloud of {n:,} points in {D} dimensions (neighbour search, frames "
        f"of dimension up to {d_max} and at least the {k}-nearest-neighbour graph, "
        f"{per_edge:,} bytes per edge)"
    )
    if least > budget:
        raise over_budget(
            what,
            least,
            budget,
            "Set n_landmarks (features of max-min landmarks), lower n_neighbors or dim, "
            "drop feature families from sheaves",
        )
    dist, idx = knn_distances(X, kc + 1, memory_budget=budget)
    r = float(np.median(dist[:, k - 1]))
    if not r > 0:
        raise ValueError(
            "the neighbourhood radius is 0: at least half of the points coincide with their "
            f"{k - 1} nearest neighbours (repeated points); remove duplicates, e.g. "
            "np.unique(X, axis=0)."
        )
    cap = float(np.median(dist[:, kc])) if kc >= _CAP_NEIGHBOURS * k else np.inf
    del dist
    wanted = hi * r
    capped = ""
    if cap < wanted:
        wanted, capped = cap, "neighbours"
    max_edges = int((budget - fixed) // per_edge)
    degree_cap = int(n * _CAP_NEIGHBOURS * k // 2)  # mean degree <= 6 k (hubs in high dimension)
    fit_by = "memory_budget"
    if degree_cap < max_edges:
        max_edges, fit_by = degree_cap, "neighbours"
    i, j, w, thr = radius_edges(
        X, wanted, "euclidean", memory_budget=budget, max_edges=max_edges, bytes_per_edge=per_edge
    )
    if thr < wanted:
        capped = fit_by
    top = hi if thr >= hi * r else max(thr / r, 0.0)
    return dict(
        r=r,
        d_max=d_max,
        neighbors=idx[:, :k],
        edges=(i, j, w),
        top=top,
        capped=capped,
        estimate=int(fixed + per_edge * len(i)),
        budget=budget,
        n_edges=len(i),
        per_edge=per_edge,
        fixed=fixed,
    )


def _cloud_features(
    X: np.ndarray,
    *,
    sheaves: tuple[str, ...],
    degrees: tuple[int, ...],
    grid: np.ndarray,
    spectral_grid: np.ndarray,
    holonomy_grid: np.ndarray,
    n_neighbors: int,
    dim: int | None,
    n_eigenvalues: int,
    field,
    frame_method: str = "auto",
    memory_budget: int | None = None,
    lo: float = 1.0,
    hi: float = 2.0,
    collapse: bool | str = "auto",
    n_landmarks: int | None = None,
) -> np.ndarray:
    if n_landmarks is not None and n_landmarks < len(X):
        # the features of the greedy max-min landmarks (deterministic, from point 0)
        X = X[maxmin_landmarks(X, int(n_landmarks))]
    if len(X) < n_neighbors:
        raise ValueError(
            f"the point cloud has {len(X)} points, fewer than n_neighbors={n_neighbors} (the "
            "neighbourhood radius and the local frames need n_neighbors points, the point "
            "itself included); lower n_neighbors or add points."
        )
    budget = resolve_memory_budget(memory_budget)
    plan = _plan_cloud(
        X, sheaves=sheaves, n_neighbors=n_neighbors, dim=dim, lo=lo, hi=hi, memory_budget=budget
    )
    r, top = plan["r"], plan["top"]
    grid = _remap(grid, lo, hi, top)
    spectral_grid = _remap(spectral_grid, lo, hi, top)
    holonomy_grid = _remap(holonomy_grid, lo, hi, top)
    Xs = X / r  # relative units: scale-invariant features
    i, j, w = plan.pop("edges")
    K = _rips_from_edges(len(X), i, j, w / r, 1)
    del i, j, w
    edges, values = K.simplices[1], K.filtrations[1]
    graph = K.to_flag_filtration().with_max_dimension(max(degrees) + 1)
    frames = O = None
    if {"orientation", "tangent", "holonomy"} & set(sheaves):
        frames = local_frames(
            Xs,
            n_neighbors=n_neighbors,
            dim=dim,
            max_dim=plan["d_max"],
            method=frame_method,
            neighbors=plan["neighbors"],
            memory_budget=budget,
        )
        O = align_frames(frames.frames, edges)
    parts = []
    for name in sheaves:
        if name == "tangent":
            parts.append(_tangent_spectrum(K, frames, O, spectral_grid, n_eigenvalues))
            continue
        if name == "holonomy":
            hol_top = float(holonomy_grid.max())
            m = int(np.searchsorted(values, hol_top, side="right"))
            e = edges[:m]
            counts, nbytes = _estimate_from_edges(len(X), e[:, 0], e[:, 1], 2)
            # complex arrays (×3 while built) and per-triangle holonomy (d×d products, angles)
            need = 3 * nbytes + int(counts[2]) * 8 * (4 * frames.dim**2 + 8)
            if need > budget:
                raise over_budget(
                    f"the holonomy family (about {int(counts[2]):,} triangles up to relative "
                    f"scale {hol_top:.3g})",
                    need,
                    budget,
                    "Lower scale_range, drop 'holonomy' from sheaves",
                )
            K2 = _rips_from_edges(len(X), e[:, 0], e[:, 1], values[:m], 2)
            # the frames of the other families (same frame rule, computed once)
            hvalues, _ = holonomy_features(Xs, K2, holonomy_grid, frames=frames)
            parts.append(hvalues)
            del K2
            continue
        signs = None
        if name == "orientation":
            signs = _det_signs(O)
        F = constant_sheaf(graph) if signs is None else signed_graph_sheaf(graph, signs)
        bars = sheaf_persistence(F, degrees, field, memory_budget=budget, collapse=collapse)
        for q in degrees:
            parts.append(_bar_features(bars[q], grid))
        if name == "orientation":
            h0 = bars[0] if 0 in bars else None
            parts.append(orientability(len(Xs), edges, values, signs, field, section_bars=h0))
    return np.concatenate(parts)


class SheafFeatures(CollectionMixin, TransformerMixin, BaseEstimator):
    """Multi-resolution sheaf features of point clouds, with readable names.

    For every cloud, at relative scales ``t`` (multiples of the cloud's neighbourhood radius
    ``r``, the median distance to the ``n_neighbors``-th neighbour):

    * ``constant`` sheaf (ordinary persistent cohomology) and ``orientation`` sheaf (local PCA
      frames; its H^0 is a global orientation, present on orientable samples only), in each of
      ``degrees``: the Betti numbers at the ``n_scales`` grid scales, the persistence entropy,
      the number and the total length of the finite bars (lengths in units of ``r``); for the
      orientation sheaf also the number of global orientations alive at the connectivity scale
      of the Rips graph and how long the longest survives after it;
    * ``tangent`` sheaf (the O(d) connection of the frames, Singer–Wu's vector diffusion
      operator): the ``n_eigenvalues`` smallest eigenvalues of its degree-0 Laplacian on
      ``K_t`` at the ``n_spectral_scales`` scales, divided by the mean vertex degree (near 0
      when parallel tangent fields exist: flat, orientable pieces);
    * ``holonomy`` (opt-in: add it to ``sheaves``): summaries of the discrete Gaussian
      curvature θ/area of the tangent connection's holonomy on the triangles of ``K_t``
      (:func:`tdasheaf.sheaves.holonomy_features`), at ``n_spectral_scales`` scales up to the
      middle of ``scale_range`` — in units of 1/r², so scale-invariant too. On a cloud whose
      dimension is 1 (a curve: no intrinsic curvature, and a rank-1 holonomy is only a sign)
      the five curvature statistics are 0 and ``frac_reflection`` is the fraction of triangles
      with sign holonomy −1.

    Every cloud gets the same columns, whatever its estimated dimension ``d``. A cloud is
    rejected (``ValueError``; an error row in :func:`tdasheaf.batch.extract_features`) only when
    it has fewer than ``n_neighbors`` points, or when its neighbourhoods are degenerate
    (repeated points: a zero neighbourhood radius, or fewer than ``d`` independent directions
    around some point); the message says what to change.

    Work is shared per cloud (one neighbour search, one set of frames, one Rips graph; the
    barcodes come from the implicit flag engine, which never stores triangles).

    Parameters
    ----------
    sheaves : tuple of {"constant", "orientation", "tangent", "holonomy"}
        Feature families, default ``("constant", "orientation", "tangent")``.
    degrees : tuple of int, default=(0, 1)
        Cohomology degrees of the constant and orientation barcodes (at most 1).
    n_scales : int, default=12
        Grid of the Betti numbers, evenly spaced on ``scale_range``.
    scale_range : (float, float), default=(1.0, 2.0)
        Smallest and largest scale, in units of the neighbourhood radius ``r``. The largest
        also caps the Rips graph, so that orientation maps stay local. **Scale rule** (how the
        graph is bounded where distances concentrate, e.g. thousands of points in ℝ¹⁰ and up,
        where ``2r`` already joins 44 % of all pairs): the Rips graph stops at the smallest of
        ``hi · r``; the median distance to the ``6 · n_neighbors``-th neighbour (on a
        2-dimensional sample about ``√6 · r``, so it does not bind there; on a 10-dimensional
        Gaussian about ``1.2 r``); the quantile of the edge lengths at which the mean degree is
        ``6 · n_neighbors`` (hubs make some points far more connected in high dimension); and
        the quantile at which the edges fit the memory budget. When the graph stops at a
        relative scale ``top < hi``, every scale grid is moved affinely from ``[lo, hi]`` onto
        ``[lo, top]`` (or scaled by ``top / hi`` if ``top <= lo``; bar lengths stay in units
        of ``r``), so the grid always samples the scales the graph actually has.
    n_spectral_scales : int, default=3
        Scales of the tangent spectra, evenly spaced on ``scale_range``.
    n_eigenvalues : int, default=3
    n_neighbors : int, default=15
        Local PCA neighbourhood size, and the ``k`` of the radius ``r``.
    dim : int, optional
        Intrinsic dimension of the frames; estimated per cloud when ``None`` (local PCA,
        90 % of the variance), the estimate capped at ``max(2, n_neighbors // 3)`` (5 with the
        default 15: a PCA of ``n_neighbors`` points does not resolve more directions; on noise in
        ℝ⁵¹² it would otherwise report ``n_neighbors − 2``, and the tangent Laplacian grows as
        the square of the dimension).
    field : int, optional
        Prime field of the barcodes (default GF(65521), as on every route; validated by
        :func:`tdasheaf.utils.check_field`). Odd when ``"orientation"`` is among ``sheaves``:
        GF(2) cannot hold the orientation signs (−1 = +1 mod 2).
    n_jobs : int, optional
        joblib workers over clouds.
    frame_method : {"auto", "jet", "pca"}, default="auto"
        Local frames of the orientation, tangent and holonomy families
        (:func:`tdasheaf.sheaves.local_frames`). ``"jet"`` removes the curvature tilt of plain
        PCA, which makes orientation signs reliable on sparse samples (torus vs Klein bottle,
        200–600 points: 100% instead of 92% cross-validated accuracy in
        ``pipelines/benchmarks/shape_classification.py``); its quadratic fit needs
        ``n_neighbors ≥ jet_min_neighbors(d) = 2 + d + d(d+1)/2``, so ``"jet"`` raises for a
        cloud of higher dimension. ``"auto"`` decides per cloud: jet frames when
        ``n_neighbors ≥ jet_min_neighbors(d)`` for the cloud's dimension ``d`` (given by
        ``dim`` or estimated), local PCA frames otherwise — with the default
        ``n_neighbors=15``, jets for ``d ≤ 3`` and PCA for ``d ≥ 4``. Nothing is warned (one
        warning per cloud of a large batch would be noise); to know the frames of a cloud,
        ``tdasheaf.sheaves.local_frames(X, n_neighbors, dim, method="auto").method``.
    memory_budget : int, optional
        Bytes the computation of one cloud may use; default ``min(1.5 GiB, MemAvailable / 4)``
        divided by the number of workers ``n_jobs`` (:mod:`tdasheaf.utils._memory`). Before
        anything is built for a cloud, its cost is estimated — neighbour search and frames
        (fixed), and per edge of the Rips graph: the graph and its orders (~200 bytes), the flag
        engine (~160), the alignments (24 d²) and the tangent Laplacian (80 d²). The graph's
        threshold is then lowered to the edge-length quantile that fits (see ``scale_range``);
        if even the ``n_neighbors``-nearest-neighbour graph cannot fit, the cloud is refused with
        :class:`~tdasheaf.exceptions.ComplexTooLargeError` (an error row in batch extraction),
        whose message gives the estimate, the budget and what to change.
    n_landmarks : int, optional
        Compute the features of this many greedy max-min landmarks of each cloud
        (:func:`~tdasheaf.complexes.maxmin_landmarks`, deterministic) instead of every point:
        the route for clouds of tens of thousands of points. ``n_neighbors`` and the scales
        then refer to the landmarks.
    collapse : {"auto", True, False}, default="auto"
        Edge-collapse each Rips graph first where it provably keeps every bar (constant and
        orientation sheaves; :func:`~tdasheaf.cohomology.sheaf_persistence`): ``"auto"`` when
        degree 2 is asked, ``True`` wherever valid, ``False`` never. Same features either way.

    Attributes
    ----------
    feature_names_ : ndarray of str
    n_features_in_ : int

    Examples
    --------
    >>> from tdasheaf.datasets import make_cylinder, make_mobius_band
    >>> clouds = [make_cylinder(200, width=0.6, random_state=0),
    ...           make_mobius_band(200, width=0.6, random_state=0)]
    >>> sf = SheafFeatures(sheaves=("orientation",), degrees=(0,), n_scales=3).fit(clouds)
    >>> list(sf.get_feature_names_out()[:3])
    ['orientation_H0_betti_t00', 'orientation_H0_betti_t01', 'orientation_H0_betti_t02']
    >>> sf.transform(clouds)[:, 2]   # a global orientation at the largest scale
    array([1., 0.])
    """

    #: clouds of different dimensions are accepted (the work is per cloud)
    _any_dimension = True

    _parameter_constraints: dict = {
        "sheaves": ["array-like"],
        "degrees": ["array-like"],
        "n_scales": [Interval(Integral, 1, None, closed="left")],
        "scale_range": ["array-like"],
        "n_spectral_scales": [Interval(Integral, 1, None, closed="left")],
        "n_eigenvalues": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 3, None, closed="left")],
        "dim": [Interval(Integral, 1, None, closed="left"), None],
        "field": [Interval(Integral, 2, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "frame_method": [StrOptions(set(FRAME_METHODS))],
        "memory_budget": [Interval(Integral, 1, None, closed="left"), None],
        "collapse": [StrOptions({"auto"}), "boolean"],
        "n_landmarks": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        sheaves=_SHEAVES,
        degrees=(0, 1),
        n_scales=12,
        scale_range=(1.0, 2.0),
        n_spectral_scales=3,
        n_eigenvalues=3,
        n_neighbors=15,
        dim=None,
        field=None,
        n_jobs=None,
        frame_method="auto",
        memory_budget=None,
        collapse="auto",
        n_landmarks=None,
    ):
        self.sheaves = sheaves
        self.degrees = degrees
        self.n_scales = n_scales
        self.scale_range = scale_range
        self.n_spectral_scales = n_spectral_scales
        self.n_eigenvalues = n_eigenvalues
        self.n_neighbors = n_neighbors
        self.dim = dim
        self.field = field
        self.n_jobs = n_jobs
        self.frame_method = frame_method
        self.memory_budget = memory_budget
        self.collapse = collapse
        self.n_landmarks = n_landmarks

    def _validated(self):
        sheaves = tuple(self.sheaves)
        bad = [s for s in sheaves if s not in _FAMILIES]
        if not sheaves or bad or len(set(sheaves)) != len(sheaves):
            raise ValueError(
                f"sheaves must be distinct names among {_FAMILIES}, got {self.sheaves!r}."
            )
        degrees = check_degrees(self.degrees, name="degrees")
        if degrees[-1] > 1:
            raise ValueError(f"degrees must be among (0, 1), got {self.degrees!r}.")
        lo, hi = (float(v) for v in self.scale_range)
        if not 0 < lo < hi:
            raise ValueError(
                f"scale_range must be (lo, hi) with 0 < lo < hi, got {self.scale_range!r}."
            )
        check_field(
            self.field,
            odd_reason=SIGNED_SHEAF_REASON if "orientation" in sheaves else None,
        )
        return sheaves, degrees, lo, hi

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate parameters and the collection; fix the scale grids and feature names.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
        y : ignored

        Returns
        -------
        self
        """
        sheaves, degrees, lo, hi = self._validated()
        self._validate_samples(X, reset=True)
        self.sheaves_, self.degrees_ = sheaves, degrees
        self.scales_ = np.linspace(lo, hi, self.n_scales)
        self.spectral_scales_ = np.linspace(lo, hi, self.n_spectral_scales + 1)[1:]
        self.holonomy_scales_ = np.linspace(lo, (lo + hi) / 2, self.n_spectral_scales + 1)[1:]
        names = []
        for name in sheaves:
            if name == "holonomy":
                names += [
                    f"holonomy_{stat}_t{s:02d}"
                    for stat in HOLONOMY_STATISTICS
                    for s in range(self.n_spectral_scales)
                ]
                continue
            if name == "tangent":
                names += [
                    f"tangent_L0_t{s:02d}_ev{j}"
                    for s in range(self.n_spectral_scales)
                    for j in range(self.n_eigenvalues)
                ]
                continue
            for q in degrees:
                prefix = f"{name}_H{q}"
                names += [f"{prefix}_betti_t{s:02d}" for s in range(self.n_scales)]
                names += [f"{prefix}_entropy", f"{prefix}_n_bars", f"{prefix}_total_persistence"]
            if name == "orientation":
                names += ["orientation_sections_at_connectivity", "orientation_section_lifetime"]
        self.feature_names_ = np.array(names, dtype=object)
        return self

    def transform(self, X):
        """Feature matrix ``(n_samples, n_features)``; columns named by ``get_feature_names_out``.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        samples = self._validate_samples(X, reset=False)
        kwargs = dict(
            sheaves=self.sheaves_,
            degrees=self.degrees_,
            grid=self.scales_,
            spectral_grid=self.spectral_scales_,
            holonomy_grid=self.holonomy_scales_,
            n_neighbors=int(self.n_neighbors),
            dim=self.dim,
            n_eigenvalues=int(self.n_eigenvalues),
            field=self.field,
            frame_method=self.frame_method,
            memory_budget=resolve_memory_budget(self.memory_budget, self.n_jobs),
            lo=float(self.scale_range[0]),
            hi=float(self.scale_range[1]),
            collapse=self.collapse,
            n_landmarks=self.n_landmarks,
        )
        rows = self._map_samples(_cloud_features, samples, **kwargs)
        return np.vstack(rows).astype(np.float64)

    def get_feature_names_out(self, input_features=None):
        """Names such as ``orientation_H0_betti_t03`` and ``tangent_L0_t01_ev0``."""
        check_is_fitted(self)
        return self.feature_names_.copy()
