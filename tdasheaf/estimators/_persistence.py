"""Persistence diagrams of collections of point clouds: Vietoris–Rips and alpha transformers.

Input is a *collection* of point clouds (or, for Rips with ``metric="precomputed"``, of
distance matrices) in the format defined in :mod:`tdasheaf.utils._validation`; output is a
collection of diagrams in the format of :mod:`tdasheaf.diagrams`: an array of shape
``(n_samples, n_points, 3)`` of ``(birth, death, degree)`` rows, padded per degree with
``(0, 0, degree)`` rows.

The kernels :func:`_rips_bars` and :func:`_alpha_bars` take one validated cloud and return a
dict degree → ``(n_bars, 2)`` array; the estimators are thin shells that validate, map the
kernel over the collection (joblib) and stack the diagrams.
"""

from __future__ import annotations

import importlib
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from tdasheaf.complexes import maxmin_landmarks, radius_edges
from tdasheaf.diagrams import diagram_from_bars, stack_diagrams
from tdasheaf.estimators._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from tdasheaf.utils import (
    check_collection,
    check_degrees,
    over_budget,
    parallel_map,
    resolve_memory_budget,
)

__all__ = ["AlphaPersistence", "RipsPersistence"]

#: Metrics accepted by name (scipy's ``pdist`` names, plus scikit-learn's aliases).
_METRIC_ALIASES = {"l1": "cityblock", "manhattan": "cityblock", "l2": "euclidean"}
_METRICS = frozenset(
    {
        "braycurtis",
        "canberra",
        "chebyshev",
        "cityblock",
        "correlation",
        "cosine",
        "euclidean",
        "minkowski",
    }
    | set(_METRIC_ALIASES)
)

#: ripser stores coefficients in 8 signed bits: larger primes crash the process.
_MAX_COEFF = 127

#: Above this many points, a Euclidean Rips with a finite ``max_edge_length`` builds a
#: sparse edge list (blockwise, :func:`tdasheaf.complexes.radius_edges`) instead of the dense
#: distance matrix (a path switch only; the memory budget is the ``memory_budget`` parameter).
_SPARSE_MIN_POINTS = 2000

#: Bytes per stored edge of the sparse path (edge lists, the COO/CSR matrix handed to ripser
#: and ripser's own copy and working set).
_SPARSE_BYTES_PER_EDGE = 160
#: Bytes per pair of the dense path in degree 0: condensed float64, square float64 and
#: ripser's float32 copy.
_DENSE_BYTES_PER_PAIR = 28
#: Bytes per edge (pair) of ripser's reduction in degrees >= 1 (its column and pivot tables):
#: measured ~180 on the complete graph of 5,000 points in R^10 (2.4 GB peak).
_RIPSER_BYTES_PER_EDGE = 200


# ----------------------------------------------------------------------------------------------
# Kernels: one validated sample in, dict degree -> (n_bars, 2) out
# ----------------------------------------------------------------------------------------------


def _snap_to_values(bars: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Replace ripser's single-precision values by the float64 edge lengths they round from.

    ripser computes in float32. Every finite birth or death of a Rips diagram is an edge
    length (or 0), so each reported value is mapped back to the float64 value in ``values``
    (sorted, distinct) that rounds to it; if several do (lengths closer than float32
    resolution), the nearest is used.
    """
    out = np.array(bars, dtype=np.float64, copy=True)
    finite = np.isfinite(out)
    if not finite.any() or len(values) == 0:
        return out
    w = out[finite]
    values32 = values.astype(np.float32)
    w32 = w.astype(np.float32)
    lo = np.searchsorted(values32, w32, side="left")
    hi = np.searchsorted(values32, w32, side="right")
    snapped = w.copy()
    one = hi - lo == 1
    snapped[one] = values[lo[one]]
    for k in np.flatnonzero(hi - lo > 1):
        candidates = values[lo[k] : hi[k]]
        snapped[k] = candidates[np.argmin(np.abs(candidates - w[k]))]
    out[finite] = snapped
    return out


_RIPS_KNOBS = (
    "Subsample with n_landmarks, or (with the Euclidean metric) set a finite max_edge_length "
    "so that only short edges are stored"
)


def _rips_bars(
    X: np.ndarray,
    *,
    degrees: tuple[int, ...],
    max_edge_length: float,
    coeff: int,
    metric,
    n_landmarks: int | None,
    memory_budget: int | None = None,
) -> dict[int, np.ndarray]:
    """Vietoris–Rips barcodes of one cloud (or distance matrix) with ripser.

    The memory is estimated before anything is allocated: the dense path (``28`` bytes per
    pair, plus ``200`` for ripser's reduction when a degree >= 1 is asked) must fit
    ``memory_budget``, else a Euclidean cloud with a finite ``max_edge_length`` goes to the
    sparse path (edges found blockwise, ``160`` (+ ``200``) bytes per edge counted as they are
    found), else :class:`~tdasheaf.exceptions.ComplexTooLargeError`.

    Distances are computed in float64 with :func:`scipy.spatial.distance.pdist` (as
    :func:`tdasheaf.complexes.rips_complex` does) and handed to ripser as a distance matrix;
    edges longer than ``max_edge_length`` are removed in float64 before ripser sees them.
    """
    import ripser
    from scipy import sparse as sparse_mod
    from scipy.spatial.distance import pdist, squareform

    precomputed = isinstance(metric, str) and metric == "precomputed"
    if n_landmarks is not None and n_landmarks < len(X):
        idx = maxmin_landmarks(X, n_landmarks, metric=metric)
        X = X[np.ix_(idx, idx)] if precomputed else X[idx]
    n = len(X)
    # H_q of a complex on n vertices vanishes for q >= n - 1: never ask ripser for more.
    top = max(0, min(max(degrees), n - 2))
    finite = bool(np.isfinite(max_edge_length))

    budget = resolve_memory_budget(memory_budget)
    per_pair = _DENSE_BYTES_PER_PAIR + (_RIPSER_BYTES_PER_EDGE if top >= 1 else 0)
    per_edge = _SPARSE_BYTES_PER_EDGE + (_RIPSER_BYTES_PER_EDGE if top >= 1 else 0)
    dense_bytes = per_pair * n * (n - 1) / 2 + (0 if precomputed else 8.0 * n * n)
    sparse = (
        not precomputed
        and metric == "euclidean"
        and finite
        and (n > _SPARSE_MIN_POINTS or dense_bytes > budget)
    )
    if sparse:
        i, j, lengths, _ = radius_edges(
            X,
            max_edge_length,
            "euclidean",
            memory_budget=budget,
            bytes_per_edge=per_edge,
            what="the Rips graph (edges of length <= max_edge_length)",
        )
        dm = sparse_mod.coo_matrix((lengths, (i, j)), shape=(n, n))
        condensed = lengths
    else:
        if dense_bytes > budget:
            raise over_budget(
                f"the distance matrix of {n:,} points", dense_bytes, budget, _RIPS_KNOBS
            )
        if precomputed:
            dm = X.copy()
            condensed = squareform(dm, checks=False)
        else:
            condensed = pdist(X, metric=metric)
            dm = squareform(condensed)
        if finite:
            dm[dm > max_edge_length] = np.inf
            condensed = condensed[condensed <= max_edge_length]
    values = np.unique(np.concatenate([[0.0], condensed]))
    dgms = ripser.ripser(
        dm,
        maxdim=top,
        thresh=float(max_edge_length),
        coeff=int(coeff),
        distance_matrix=True,
    )["dgms"]
    return {q: _snap_to_values(dgms[q], values) for q in degrees if q <= top}


def _alpha_nbytes(n: int, D: int) -> float:
    """Estimated bytes of gudhi's alpha complex: ``min(2 (D+1)! n, 2^n)`` simplices × 200."""
    import math

    per_point = 2.0 * math.factorial(D + 1)
    return 200.0 * min(per_point * n, 2.0 ** min(n, 1000))


def _alpha_bars(
    X: np.ndarray, *, degrees: tuple[int, ...], memory_budget: int | None = None
) -> dict[int, np.ndarray]:
    """Alpha-complex barcodes of one cloud (gudhi) over GF(2), as radii: √ of gudhi's values."""
    import gudhi

    budget = resolve_memory_budget(memory_budget)
    need = _alpha_nbytes(*X.shape)
    if need > budget:
        raise over_budget(
            f"the alpha complex of {len(X):,} points in {X.shape[1]} dimensions",
            need,
            budget,
            "Use RipsPersistence with a finite max_edge_length or n_landmarks in high dimension, "
            "reduce the dimension first",
        )

    # H_q of a subcomplex of a triangulation of R^D vanishes for q >= D.
    top = min(max(degrees), X.shape[1] - 1)
    st = gudhi.AlphaComplex(points=X).create_simplex_tree()
    st.prune_above_dimension(top + 1)
    # gudhi computes degrees below the complex's dimension unless told otherwise (a complex of
    # merged duplicate points has dimension 0 and would report no H0 at all).
    st.compute_persistence(homology_coeff_field=2, persistence_dim_max=st.dimension() <= top)
    return {
        q: np.sqrt(np.maximum(st.persistence_intervals_in_dimension(q), 0.0))
        for q in degrees
        if q <= top
    }


# ----------------------------------------------------------------------------------------------
# Shared estimator plumbing
# ----------------------------------------------------------------------------------------------


def _is_prime(p: int) -> bool:
    if p < 2:
        return False
    return all(p % d for d in range(2, int(p**0.5) + 1))


def _check_samples(
    X, *, metric="euclidean", n_features=None, owner="", same_dimension=True
) -> list[np.ndarray]:
    """``check_collection`` plus: non-empty, and the dimension seen in ``fit``.

    ``same_dimension=False`` (estimators whose work is per cloud) accepts clouds of different
    dimensions, in ``fit`` and after it.
    """
    metric_name = metric if isinstance(metric, str) and metric == "precomputed" else "euclidean"
    if hasattr(X, "columns") and hasattr(X, "to_numpy") and hasattr(X, "iloc"):
        raise ValueError(
            f"got a pandas {type(X).__name__} as the collection, but {owner or 'the estimator'} "
            "takes a collection of point clouds: pass a list of arrays (one (n_points, "
            "n_features) array per cloud), or [df.to_numpy()] for one cloud held in a "
            "DataFrame (numeric columns only)."
        )
    samples = check_collection(X, metric=metric_name, same_dimension=same_dimension)
    if not samples:
        raise ValueError(
            "expected a non-empty collection of point clouds, got 0 samples; "
            "a minimum of 1 is required."
        )
    if same_dimension and n_features is not None and samples[0].shape[1] != n_features:
        raise ValueError(
            f"sample 0: the point cloud has {samples[0].shape[1]} features, but {owner} was "
            f"fitted on clouds with {n_features} features."
        )
    return samples


def _validate_samples(estimator, X, *, reset: bool, metric="euclidean") -> list[np.ndarray]:
    """:func:`_check_samples` for an estimator, as scikit-learn's ``validate_data`` does for 2-D X.

    ``reset=True`` (in ``fit``) records the clouds' dimension as ``n_features_in_`` (and removes
    it for distance matrices, ``metric="precomputed"``); ``reset=False`` (after ``fit``) checks
    the clouds against it.
    """
    same = not getattr(estimator, "_any_dimension", False)
    if not reset:
        return _check_samples(
            X,
            metric=metric,
            n_features=getattr(estimator, "n_features_in_", None),
            owner=type(estimator).__name__,
            same_dimension=same,
        )
    samples = _check_samples(X, metric=metric, owner=type(estimator).__name__, same_dimension=same)
    dims = {A.shape[1] for A in samples}
    if (isinstance(metric, str) and metric == "precomputed") or len(dims) > 1:
        # distance matrices, or clouds of several dimensions: no single input dimension
        estimator.__dict__.pop("n_features_in_", None)  # from an earlier fit
    else:
        estimator.n_features_in_ = samples[0].shape[1]
    return samples


def _diagrams(bars: list[dict], degrees: tuple[int, ...]) -> np.ndarray:
    return stack_diagrams([diagram_from_bars(b, degrees) for b in bars], degrees)


class _CollectionTags:
    """Mixin: scikit-learn tags of a transformer over collections of point clouds."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


def _plot_sample(estimator, X, sample, attributes=None):
    """The common start of the estimators' ``plot`` methods.

    Checks that ``estimator`` is fitted, imports :mod:`tdasheaf.plotting` and computes
    ``estimator.transform([X[sample]])`` (only that sample: transformers keep no output).

    Returns
    -------
    plotting : module
        :mod:`tdasheaf.plotting`, imported only now (it imports matplotlib).
    Xt : output of ``transform`` on the one-sample collection
    """
    check_is_fitted(estimator, attributes)
    # by name: computation modules never import the side module tdasheaf.plotting (nor
    # matplotlib) statically, which the import-linter contract checks (it flags function-level
    # import statements too)
    plotting = importlib.import_module("tdasheaf.plotting")
    try:
        one = [X[sample]]
    except (IndexError, KeyError, TypeError) as exc:
        raise ValueError(f"sample={sample!r} does not select a sample of X: {exc}") from exc
    return plotting, estimator.transform(one)


class _DiagramOutput:
    """Mixin of the transformers whose output is a collection of diagrams."""

    #: Degree labels of :meth:`plot`: ``"homology"`` (``H_q``) or ``"cohomology"`` (``H^q``).
    _plot_notation = "homology"

    def _plot_title(self, sample) -> str:
        return f"{type(self).__name__}, sample {sample}"

    def plot(self, X, sample=0, *, ax=None, **kwargs):
        """Draw the persistence diagram of one sample of ``X``.

        Stateless: ``transform`` keeps no diagrams, so the one asked for is computed here
        (``self.transform([X[sample]])``, only that sample) and drawn with
        :func:`tdasheaf.plotting.plot_diagram`. matplotlib is imported only when this is called.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
            The collection, as for ``transform``.
        sample : int, default=0
            Which sample to draw.
        ax : matplotlib Axes, optional
            Where to draw; default a new Figure.
        **kwargs
            Passed to :func:`~tdasheaf.plotting.plot_diagram` (``degrees``, ``title``, ...).

        Returns
        -------
        matplotlib.axes.Axes
        """
        plotting, diagrams = _plot_sample(self, X, sample)
        kwargs.setdefault("notation", self._plot_notation)
        kwargs.setdefault("title", self._plot_title(sample))
        return plotting.plot_diagram(diagrams, sample=0, ax=ax, **kwargs)

    def set_output(self, *, transform=None):
        """Accepted so that ``Pipeline.set_output`` works; diagrams stay 3-D arrays.

        A container such as a DataFrame cannot hold ``(n_samples, n_points, 3)`` diagrams, so
        the setting only matters for the vectorisers after this step.

        Returns
        -------
        self
        """
        return self

    def get_feature_names_out(self, input_features=None):
        """Names of the three columns of every diagram row: birth, death, degree.

        Lets ``Pipeline.get_feature_names_out`` reach the vectoriser that follows (which
        ignores its ``input_features``).
        """
        return np.array(["birth", "death", "degree"], dtype=object)


# ----------------------------------------------------------------------------------------------
# Estimators
# ----------------------------------------------------------------------------------------------


class RipsPersistence(_DiagramOutput, _CollectionTags, TransformerMixin, BaseEstimator):
    """Vietoris–Rips persistence diagrams of a collection of point clouds (ripser).

    Every cloud is computed on its own, so a collection may mix dimensions (2-D and 3-D clouds
    of one folder): ``n_features_in_`` is set only when all the clouds seen in ``fit`` share
    one dimension, and ``transform`` accepts clouds of any dimension.

    The filtration value of a simplex is its diameter, the largest distance between two of
    its vertices (the ripser/gudhi convention, not half of it); vertices are born at 0.

    Parameters
    ----------
    homology_dimensions : sequence of int, default=(0, 1)
        Homology degrees to compute, distinct non-negative integers. Degrees that cannot
        carry homology (``q >= n_points - 1``) are allowed and give only padding rows.
    max_edge_length : float, default=np.inf
        Edges longer than this are left out, so classes alive at that scale get death
        ``+inf``. With the Euclidean metric and more than 2,000 points (or a distance matrix
        over ``memory_budget``) only the short edges are stored, which is what makes large
        clouds fit in memory.
    coeff : int, default=2
        Homology with coefficients in the prime field Z/``coeff``Z; a prime at most 127
        (ripser's limit).
    metric : str or callable, default="euclidean"
        A metric of :func:`scipy.spatial.distance.pdist` (``"euclidean"``, ``"cityblock"``,
        ``"chebyshev"``, ``"minkowski"``, ``"cosine"``, ...; aliases ``"l1"``, ``"l2"``,
        ``"manhattan"``), a callable on two points, or ``"precomputed"``: every sample is
        then a distance matrix (square, symmetric, non-negative, zero diagonal).
    n_landmarks : int, optional
        Compute the diagram of the Rips complex on this many greedy max-min landmarks only
        (:func:`tdasheaf.complexes.maxmin_landmarks`, starting from point 0): deterministic,
        and the same landmarks as ``rips_complex(..., n_landmarks=...)``. Clouds with at most
        ``n_landmarks`` points are used whole.
    n_jobs : int, optional
        Number of joblib workers over samples; ``None`` means 1 unless in a
        ``joblib.parallel_config`` context, ``-1`` all processors.
    memory_budget : int, optional
        Bytes the distance data of one cloud may use; default ``min(1.5 GiB, MemAvailable / 4)``
        divided by the number of workers. Estimated before allocating: the dense path takes 28
        bytes per pair of points (plus 200 for ripser's reduction in degrees >= 1, so about
        4,000 points fit the default budget); a Euclidean cloud with a finite
        ``max_edge_length`` that does not fit (or has more than 2,000 points) stores only its
        short edges, found blockwise and counted against the budget (160 + 200 bytes each) as
        they are found. Over budget raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError` naming the knobs.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        The validated degrees, sorted.
    n_features_in_ : int
        Dimension of the points seen in ``fit`` (not set with ``metric="precomputed"``).

    See Also
    --------
    AlphaPersistence : diagrams of alpha complexes, smaller in low dimensions.
    tdasheaf.complexes.rips_complex : the same filtration as an explicit complex.

    Notes
    -----
    Output: an array of shape ``(n_samples, n_points, 3)`` of ``(birth, death, degree)``
    rows, grouped by degree in increasing order and padded per degree with ``(0, 0, degree)``
    rows (see :mod:`tdasheaf.diagrams`). Zero-length bars are dropped; classes that never die,
    such as the connected component in degree 0, keep death ``+inf``.

    ripser works in single precision. The distances are computed in float64, and every
    reported birth and death is mapped back to the float64 edge length it came from, so the
    values equal gudhi's for the same cloud; bars shorter than float32 resolution
    (about 1e-7 relative) can be missing.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> RipsPersistence().fit_transform([X])
    array([[[0.        , 1.        , 0.        ],
            [0.        , 1.        , 0.        ],
            [0.        , 1.        , 0.        ],
            [0.        ,        inf, 0.        ],
            [1.        , 1.41421356, 1.        ]]])
    """

    #: clouds of different dimensions are accepted (the work is per cloud)
    _any_dimension = True

    _parameter_constraints: dict = {
        "homology_dimensions": ["array-like", Interval(Integral, 0, None, closed="left")],
        "max_edge_length": [Interval(Real, 0, np.inf, closed="both")],
        "coeff": [Interval(Integral, 2, _MAX_COEFF, closed="both")],
        "metric": [StrOptions(set(_METRICS) | {"precomputed"}), callable],
        "n_landmarks": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "memory_budget": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        homology_dimensions=(0, 1),
        max_edge_length=np.inf,
        coeff=2,
        metric="euclidean",
        n_landmarks=None,
        n_jobs=None,
        memory_budget=None,
    ):
        self.homology_dimensions = homology_dimensions
        self.max_edge_length = max_edge_length
        self.coeff = coeff
        self.metric = metric
        self.n_landmarks = n_landmarks
        self.n_jobs = n_jobs
        self.memory_budget = memory_budget

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and the collection; nothing else is learned.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
            Point clouds, or distance matrices with ``metric="precomputed"``.
        y : None
            Ignored.

        Returns
        -------
        self : RipsPersistence
        """
        self.homology_dimensions_ = check_degrees(self.homology_dimensions)
        if not _is_prime(int(self.coeff)):
            raise ValueError(
                f"coeff must be a prime number (homology is computed over Z/coeff Z), "
                f"got {self.coeff}."
            )
        _validate_samples(self, X, reset=True, metric=self.metric)
        return self

    def transform(self, X):
        """Compute the persistence diagram of every sample.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
            Point clouds with the dimension seen in ``fit``, or distance matrices.

        Returns
        -------
        ndarray of shape (n_samples, n_points, 3)
            Diagrams, rows ``(birth, death, degree)``, padded per degree.
        """
        check_is_fitted(self)
        samples = _validate_samples(self, X, reset=False, metric=self.metric)
        metric = self.metric
        if isinstance(metric, str):
            metric = _METRIC_ALIASES.get(metric, metric)
        bars = parallel_map(
            _rips_bars,
            samples,
            n_jobs=self.n_jobs,
            degrees=self.homology_dimensions_,
            max_edge_length=float(self.max_edge_length),
            coeff=int(self.coeff),
            metric=metric,
            n_landmarks=None if self.n_landmarks is None else int(self.n_landmarks),
            memory_budget=resolve_memory_budget(self.memory_budget, self.n_jobs),
        )
        return _diagrams(bars, self.homology_dimensions_)


class AlphaPersistence(_DiagramOutput, _CollectionTags, TransformerMixin, BaseEstimator):
    """Alpha-complex persistence diagrams of a collection of point clouds (gudhi).

    The alpha complex is the Delaunay triangulation filtered by the radius of each
    simplex's smallest empty circumscribing ball. It has the homotopy type of the union of
    balls of that radius (the Čech complex) and is much smaller than the Rips complex in
    dimensions 2 and 3; the Delaunay triangulation grows quickly with the dimension.

    Filtration values are **radii**: square roots of gudhi's squared radii, so that alpha and
    Rips diagrams of one cloud are on comparable scales (an edge of length ``d`` enters the
    alpha filtration at most at ``d / 2`` and the Rips filtration at ``d``).
    Homology is computed over Z/2Z.

    Parameters
    ----------
    homology_dimensions : sequence of int, default=(0, 1)
        Homology degrees to compute, distinct non-negative integers. Degrees ``q >= D`` for
        clouds in R^D are allowed and give only padding rows (a subset of R^D has no
        homology there).
    n_jobs : int, optional
        Number of joblib workers over samples; ``None`` means 1 unless in a
        ``joblib.parallel_config`` context, ``-1`` all processors.
    memory_budget : int, optional
        Bytes one cloud's complex may use (default as :class:`RipsPersistence`). The Delaunay
        triangulation has about ``2 (D + 1)!`` simplices per point in ℝ^D (at most ``2^n``), at
        ~200 bytes each in gudhi's simplex tree; a cloud whose estimate is over the budget is
        refused with :class:`~tdasheaf.exceptions.ComplexTooLargeError` before gudhi starts
        (use :class:`RipsPersistence` with ``max_edge_length`` in high dimension).

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        The validated degrees, sorted.
    n_features_in_ : int
        Dimension of the points seen in ``fit``.

    See Also
    --------
    RipsPersistence : Vietoris–Rips diagrams, any metric.
    tdasheaf.complexes.alpha_complex : the same filtration as an explicit complex.

    Notes
    -----
    Output format as for :class:`RipsPersistence`: shape ``(n_samples, n_points, 3)``,
    zero-length bars dropped, ``+inf`` deaths kept, padding rows ``(0, 0, degree)``.
    Duplicate points are merged by gudhi (they only ever add zero-length bars).

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> AlphaPersistence().fit_transform([X])
    array([[[0.        , 0.5       , 0.        ],
            [0.        , 0.5       , 0.        ],
            [0.        , 0.5       , 0.        ],
            [0.        ,        inf, 0.        ],
            [0.5       , 0.70710678, 1.        ]]])
    """

    _parameter_constraints: dict = {
        "homology_dimensions": ["array-like", Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "memory_budget": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, homology_dimensions=(0, 1), n_jobs=None, memory_budget=None):
        self.homology_dimensions = homology_dimensions
        self.n_jobs = n_jobs
        self.memory_budget = memory_budget

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and the collection; nothing else is learned.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
            Point clouds.
        y : None
            Ignored.

        Returns
        -------
        self : AlphaPersistence
        """
        self.homology_dimensions_ = check_degrees(self.homology_dimensions)
        _validate_samples(self, X, reset=True)
        return self

    def transform(self, X):
        """Compute the persistence diagram of every sample.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
            Point clouds with the dimension seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_points, 3)
            Diagrams, rows ``(birth, death, degree)`` in radii, padded per degree.
        """
        check_is_fitted(self)
        samples = _validate_samples(self, X, reset=False)
        bars = parallel_map(
            _alpha_bars,
            samples,
            n_jobs=self.n_jobs,
            degrees=self.homology_dimensions_,
            memory_budget=resolve_memory_budget(self.memory_budget, self.n_jobs),
        )
        return _diagrams(bars, self.homology_dimensions_)
