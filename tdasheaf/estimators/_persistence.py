"""Persistence diagrams of collections of point clouds: Vietoris–Rips and alpha transformers.

Input is a *collection* of point clouds (or, for Rips with ``metric="precomputed"``, of
distance matrices) in the format defined in :mod:`tdasheaf.utils._validation`; output is a
collection of diagrams in the format of :mod:`tdasheaf.diagrams`: an array of shape
``(n_samples, n_points, 3)`` of ``(birth, death, degree)`` rows, padded per degree with
``(0, 0, degree)`` rows.

The kernels :func:`tdasheaf.cohomology.rips_persistence` and
:func:`tdasheaf.cohomology.alpha_persistence` take one cloud and return a dict degree →
``(n_bars, 2)`` array; the estimators are thin shells that validate, map the kernel over the
collection (joblib) and stack the diagrams.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from tdasheaf.cohomology._classical import (
    BACKENDS,
    alpha_persistence,
    resolve_rips_field,
    rips_persistence,
)
from tdasheaf.diagrams import diagram_from_bars, stack_diagrams
from tdasheaf.estimators._base import (
    DEPRECATED,
    CollectionMixin,
    CollectionOutputMixin,
    check_samples,
    renamed_parameter,
    validate_samples,
)
from tdasheaf.estimators._sklearn_compat import (
    Hidden,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from tdasheaf.utils import check_degrees, resolve_memory_budget

__all__ = ["AlphaPersistence", "RipsPersistence"]

#: Former names of the collection validation, kept for the modules that import them from here.
_check_samples = check_samples
_validate_samples = validate_samples
_CollectionTags = CollectionMixin

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

# ----------------------------------------------------------------------------------------------
# Shared estimator plumbing
# ----------------------------------------------------------------------------------------------


def _diagrams(bars: list[dict], degrees: tuple[int, ...]) -> np.ndarray:
    return stack_diagrams([diagram_from_bars(b, degrees) for b in bars], degrees)


def _deprecated_plot(estimator, replacement: str) -> None:
    """The ``FutureWarning`` of the estimators' ``plot`` methods (deprecated in 0.1)."""
    warnings.warn(
        f"{type(estimator).__name__}.plot is deprecated since 0.1 and will be removed in 0.3; "
        f"use tdasheaf.plotting.{replacement}.from_estimator(estimator, X, sample=sample, "
        "ax=ax).ax_ instead.",
        FutureWarning,
        stacklevel=3,
    )


class _DiagramOutput(CollectionOutputMixin):
    """Mixin of the transformers whose output is a collection of diagrams (no DataFrame output)."""

    #: Degree labels of :meth:`plot`: ``"homology"`` (``H_q``) or ``"cohomology"`` (``H^q``).
    _plot_notation = "homology"

    def _plot_title(self, sample) -> str:
        return f"{type(self).__name__}, sample {sample}"

    def plot(self, X, sample=0, *, ax=None, **kwargs):
        """Draw the persistence diagram of one sample of ``X`` (deprecated).

        .. deprecated:: 0.1
           Use ``tdasheaf.plotting.DiagramDisplay.from_estimator(est, X, sample=sample,
           ax=ax).ax_``; this method warns (``FutureWarning``) and is removed in 0.3.

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
        _deprecated_plot(self, "DiagramDisplay")
        from tdasheaf.plotting import DiagramDisplay  # deprecated .plot(), remove in 0.3

        return DiagramDisplay.from_estimator(self, X, sample=sample, ax=ax, **kwargs).ax_

    def get_feature_names_out(self, input_features=None):
        """Names of the three columns of every diagram row: birth, death, degree.

        Lets ``Pipeline.get_feature_names_out`` reach the vectoriser that follows (which
        ignores its ``input_features``).
        """
        return np.array(["birth", "death", "degree"], dtype=object)


# ----------------------------------------------------------------------------------------------
# Estimators
# ----------------------------------------------------------------------------------------------


class RipsPersistence(_DiagramOutput, CollectionMixin, TransformerMixin, BaseEstimator):
    """Vietoris–Rips persistence diagrams of a collection of point clouds.

    Computed by the library's engine (default) or by ripser.py (``backend="ripser"``); both
    give the same barcodes over the same field (tested against gudhi and ripser.py).

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
        ``+inf``. Only the short edges are stored (found blockwise, never an ``n × n``
        matrix; with ``backend="ripser"``, for Euclidean clouds of more than 2,000 points or
        whose distance matrix is over ``memory_budget``), which is what makes large clouds fit
        in memory.
    field : int, optional
        Homology with coefficients in the prime field GF(``field``) = Z/``field``Z. ``None``
        (default) means GF(65521), the library's one default field
        (:data:`tdasheaf.utils.DEFAULT_PRIME`, as in :class:`SheafPersistence` and
        :func:`tdasheaf.cohomology.flag_persistence`). With ``backend="ripser"``, which stores
        coefficients in 8 bits, primes up to 127 only, and ``None`` means GF(127): the same
        barcodes as GF(65521) unless the homology has 127- or 65521-torsion. *Changed*: the
        default was GF(2) (ripser's) before; the barcodes differ only on clouds whose Rips
        complexes have 2-torsion (samples of ℝP², the Klein bottle), where GF(2) shows classes
        that the rational homology does not have — pass ``field=2`` for those. Formerly
        ``coeff``.
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
        Bytes the computation of one cloud may use; default ``min(1.5 GiB, MemAvailable / 4)``
        divided by the number of workers. Estimated before allocating
        (:mod:`tdasheaf.cohomology._classical`): our backend takes about 400 bytes per edge
        (with ``max_edge_length=inf`` every pair is an edge, counted before any distance is
        computed: about 2,800 points fit the default budget; with a finite threshold the
        edges are counted as they are found), plus the stored triangles in degree 2 and the
        explicit complex above. ``backend="ripser"``: the dense path takes 28 bytes per pair
        of points (plus 200 for ripser's reduction in degrees >= 1); a Euclidean cloud with a
        finite ``max_edge_length`` that does not fit (or has more than 2,000 points) stores
        only its short edges (160 + 200 bytes each). Over budget raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError` naming the knobs.
    backend : {"tdasheaf", "ripser"}, default="tdasheaf"
        ``"tdasheaf"``: the library's implicit flag engine
        (:func:`tdasheaf.cohomology.flag_persistence`; triangles are never stored in degrees
        ≤ 1) for degrees ≤ 2, the explicit Rips complex and
        :func:`tdasheaf.cohomology.sheaf_persistence` above; float64 throughout.
        ``"ripser"``: ripser.py, as before this parameter existed.
    collapse : {"auto", True, False}, default="auto"
        ``backend="tdasheaf"`` only: edge-collapse the Rips graph first (same bars;
        :func:`~tdasheaf.cohomology.sheaf_persistence`): ``"auto"`` when degree 2 or higher
        is asked, ``True`` always, ``False`` never.
    coeff : int, optional

        .. deprecated:: 0.1
           ``coeff`` (ripser's name) was renamed ``field``, the name of the coefficient field
           in the sheaf estimators and in :mod:`tdasheaf.cohomology`; the old name works with a
           ``FutureWarning`` until 0.3.

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

    Our backend computes in float64 throughout: births and deaths are the float64 edge
    lengths, equal to gudhi's for the same cloud. ripser works in single precision; with
    ``backend="ripser"`` the distances are computed in float64 and every reported birth and
    death is mapped back to the float64 edge length it came from, and bars shorter than
    float32 resolution (about 1e-7 relative) can be missing.

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
        "field": [Interval(Integral, 2, None, closed="left"), None],
        "metric": [StrOptions(set(_METRICS) | {"precomputed"}), callable],
        "n_landmarks": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "memory_budget": [Interval(Integral, 1, None, closed="left"), None],
        "collapse": [StrOptions({"auto"}), "boolean"],
        "backend": [StrOptions(set(BACKENDS))],
        "coeff": [
            Interval(Integral, 2, None, closed="left"),
            None,
            Hidden(StrOptions({DEPRECATED})),
        ],
    }

    def __init__(
        self,
        homology_dimensions=(0, 1),
        max_edge_length=np.inf,
        field=None,
        metric="euclidean",
        n_landmarks=None,
        n_jobs=None,
        memory_budget=None,
        backend="tdasheaf",
        collapse="auto",
        coeff=DEPRECATED,
    ):
        self.homology_dimensions = homology_dimensions
        self.max_edge_length = max_edge_length
        self.field = field
        self.metric = metric
        self.n_landmarks = n_landmarks
        self.n_jobs = n_jobs
        self.memory_budget = memory_budget
        self.backend = backend
        self.collapse = collapse
        self.coeff = coeff

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
        field = renamed_parameter(self, old="coeff", new="field", removed_in="0.3")
        resolve_rips_field(field, self.backend, name=self._field_name())
        self._validate_samples(X, reset=True, metric=self.metric)
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
        samples = self._validate_samples(X, reset=False, metric=self.metric)
        metric = self.metric
        if isinstance(metric, str):
            metric = _METRIC_ALIASES.get(metric, metric)
        bars = self._map_samples(
            rips_persistence,
            samples,
            degrees=self.homology_dimensions_,
            field=resolve_rips_field(self._field(), self.backend, name=self._field_name()),
            max_edge_length=float(self.max_edge_length),
            metric=metric,
            n_landmarks=None if self.n_landmarks is None else int(self.n_landmarks),
            backend=self.backend,
            memory_budget=resolve_memory_budget(self.memory_budget, self.n_jobs),
            collapse=self.collapse,
        )
        return _diagrams(bars, self.homology_dimensions_)

    def _field_name(self) -> str:
        """The name the user set the field with: ``"coeff"`` (deprecated) or ``"field"``."""
        return "field" if isinstance(self.coeff, str) and self.coeff == DEPRECATED else "coeff"

    def _field(self):
        """The field parameter's value without warning (``fit`` warned, and refused both)."""
        return self.field if self._field_name() == "field" else self.coeff


class AlphaPersistence(_DiagramOutput, CollectionMixin, TransformerMixin, BaseEstimator):
    """Alpha-complex persistence diagrams of a collection of point clouds (gudhi).

    The alpha complex is the Delaunay triangulation filtered by the radius of each
    simplex's smallest empty circumscribing ball. It has the homotopy type of the union of
    balls of that radius (the Čech complex) and is much smaller than the Rips complex in
    dimensions 2 and 3; the Delaunay triangulation grows quickly with the dimension.

    Filtration values are **radii**: square roots of gudhi's squared radii, so that alpha and
    Rips diagrams of one cloud are on comparable scales (an edge of length ``d`` enters the
    alpha filtration at most at ``d / 2`` and the Rips filtration at ``d``).
    Homology is computed over GF(127), as ``RipsPersistence(backend="ripser")``: gudhi cannot
    use the library's default GF(65521) (see :func:`tdasheaf.cohomology.alpha_persistence`);
    the same barcodes unless the homology has 127- or 65521-torsion. In dimension ≤ 3 the
    field does not matter (subcomplexes of ℝ³ have no torsion); it was GF(2) before, which
    differs only on clouds in ℝ⁴ and up whose alpha complexes have 2-torsion.

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
        self._validate_samples(X, reset=True)
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
        samples = self._validate_samples(X, reset=False)
        bars = self._map_samples(
            alpha_persistence,
            samples,
            degrees=self.homology_dimensions_,
            memory_budget=resolve_memory_budget(self.memory_budget, self.n_jobs),
        )
        return _diagrams(bars, self.homology_dimensions_)
