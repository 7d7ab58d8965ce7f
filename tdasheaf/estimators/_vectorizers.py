"""scikit-learn transformers that turn collections of persistence diagrams into feature tables.

Input: a collection of diagrams in the format of :mod:`tdasheaf.diagrams`, an array of
shape ``(n_samples, n_points, 3)`` of ``(birth, death, degree)`` rows padded with
``(0, 0, degree)`` rows. Padding rows and every other zero-length bar are ignored.
Output: a 2-D float64 array ``(n_samples, n_features)``, the blocks of the degrees in
increasing order.

What ``fit`` learns, for every transformer
    ``homology_dimensions_``, the sorted degrees present in the training collection
    (padding rows count, so a degree with no bar still gets its features). ``transform``
    refuses a collection with a degree outside this set. Except :class:`NumberOfPoints`,
    they also learn ``filtration_ranges_[q] = (lo, hi)``: ``lo`` is the smallest birth and
    ``hi`` the largest finite birth or death among the training bars of degree ``q`` (with
    the fallbacks of :func:`tdasheaf.representations.filtration_ranges` for degrees with
    no bar or a degenerate range). **Infinite deaths are clipped at** ``hi``, in ``fit``
    and ``transform`` alike; a bar born at or after ``hi`` then has zero length and is ignored.

Feature names (``get_feature_names_out``), stable and readable; ``q`` is the degree and
indices are zero-padded to at least three digits (``H0_betti_t007``):

* :class:`BettiCurve`: ``H{q}_betti_t{k}``, ``k`` the sampling point;
* :class:`PersistenceLandscape`: ``H{q}_landscape_l{layer}_t{k}``, layers from 1;
* :class:`PersistenceImage`: ``H{q}_image_b{i}_p{j}``, birth pixel ``i``, persistence pixel ``j``;
* :class:`PersistenceEntropy`: ``H{q}_entropy``;
* :class:`Amplitude`: ``H{q}_amplitude_{metric}``, or ``amplitude_{metric}`` when ``order``
  combines the degrees into one column;
* :class:`NumberOfPoints`: ``H{q}_n_points``.

The numerics live in :mod:`tdasheaf.representations` (``*_features`` functions, one
sample at a time); ``n_jobs`` maps them over samples with :func:`tdasheaf.utils.map_samples`
(:class:`~tdasheaf.estimators._base.CollectionMixin`, which also gives the collection tags).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from tdasheaf.diagrams import check_diagrams
from tdasheaf.estimators._base import CollectionMixin
from tdasheaf.estimators._sklearn_compat import (
    Interval,
    Options,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from tdasheaf.representations import (
    AMPLITUDE_METRICS,
    amplitude_features,
    betti_curve_features,
    entropy_features,
    filtration_ranges,
    image_features,
    landscape_features,
    n_points_features,
    sampling_grids,
)
from tdasheaf.utils import map_samples

__all__ = [
    "Amplitude",
    "BettiCurve",
    "NumberOfPoints",
    "PersistenceEntropy",
    "PersistenceImage",
    "PersistenceLandscape",
]

_N_JOBS = [None, Integral]
_POSITIVE_OR_INF = [Interval(Real, 0, None, closed="neither"), Options(Real, {np.inf})]


# ---------------------------------------------------------------------------------------
# shared helpers (module level so that joblib can pickle them)


def _fit_input(X) -> tuple[np.ndarray, tuple[int, ...]]:
    """Validate a training collection and return it with its sorted degrees."""
    X = check_diagrams(X)
    if X.shape[0] == 0:
        raise ValueError("X contains 0 samples; fit needs at least one diagram.")
    degrees = tuple(int(q) for q in np.unique(X[:, :, 2]))
    if not degrees:
        raise ValueError(
            "X contains no rows at all (shape "
            f"{X.shape}), so no homology degree can be learnt; pad each degree with at least "
            "one (0, 0, degree) row, e.g. with tdasheaf.diagrams.stack_diagrams."
        )
    return X, degrees


def _transform_input(estimator: BaseEstimator, X) -> np.ndarray:
    """Validate a collection for ``transform``: fitted, well formed, only known degrees."""
    check_is_fitted(estimator, "homology_dimensions_")
    X = check_diagrams(X)
    present = {int(q) for q in np.unique(X[:, :, 2])}
    unseen = sorted(present - set(estimator.homology_dimensions_))
    if unseen:
        raise ValueError(
            f"X contains homology degree(s) {unseen} that were not seen in fit "
            f"(fitted degrees: {list(estimator.homology_dimensions_)}); refit on diagrams "
            "with these degrees or drop their rows."
        )
    return X


def _map_samples(
    func: Callable[..., np.ndarray], X: np.ndarray, n_features: int, n_jobs: int | None, **kw
) -> np.ndarray:
    """Apply a per-sample feature function over the collection, return (n_samples, n_features)."""
    rows = map_samples(func, list(X), n_jobs=n_jobs, **kw)
    if not rows:
        return np.zeros((0, n_features))
    return np.vstack(rows).astype(np.float64, copy=False)


def _width(n: int) -> int:
    return max(3, len(str(max(n - 1, 0))))


def _clip_values(ranges: dict[int, tuple[float, float]]) -> dict[int, float]:
    """Infinite deaths of degree q are clipped at the right end of its range."""
    return {q: hi for q, (_, hi) in ranges.items()}


# ---------------------------------------------------------------------------------------


class BettiCurve(CollectionMixin, TransformerMixin, BaseEstimator):
    """Betti curves: the number of bars alive at ``n_bins`` regularly spaced filtration values.

    For each degree ``q`` the curve counts the bars ``[b, d)`` with ``b <= t < d`` at the
    points ``t`` of ``samplings_[q] = linspace(lo, hi, n_bins)``, where ``(lo, hi) =
    filtration_ranges_[q]`` spans the training bars of degree ``q`` (smallest birth to
    largest finite value). Infinite deaths need no clipping here: an essential class counts at
    every sampling point from its birth on, ``hi`` included (a Betti curve is the number of
    classes alive at ``t``, and an essential class is alive at every ``t`` after its birth).

    Parameters
    ----------
    n_bins : int, default=100
        Number of sampling points per degree.
    n_jobs : int, default=None
        Number of joblib workers over samples (``None``: 1 unless in a joblib context).

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Degrees present in the training collection.
    filtration_ranges_ : dict of int to (float, float)
        Sampling range per degree; the right end is the clipping value for infinite deaths.
    samplings_ : dict of int to ndarray of shape (n_bins,)
        Sampling points per degree.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.estimators import BettiCurve
    >>> X = np.array([[[0.0, 1.0, 0.0], [0.0, np.inf, 0.0], [0.0, 0.0, 1.0]]])
    >>> bc = BettiCurve(n_bins=5).fit(X)
    >>> bc.transform(X)
    array([[2., 2., 2., 2., 0., 0., 0., 0., 0., 0.]])
    >>> list(bc.get_feature_names_out()[:2])
    ['H0_betti_t000', 'H0_betti_t001']
    """

    _parameter_constraints: dict = {
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": _N_JOBS,
    }

    def __init__(self, n_bins: int = 100, n_jobs: int | None = None) -> None:
        self.n_bins = n_bins
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> BettiCurve:
        """Learn the degrees and the sampling grid of each degree from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams.
        y : None
            Ignored.

        Returns
        -------
        self : BettiCurve
        """
        X, self.homology_dimensions_ = _fit_input(X)
        self.filtration_ranges_ = filtration_ranges(X, self.homology_dimensions_)
        self.samplings_ = sampling_grids(self.filtration_ranges_, self.n_bins)
        return self

    def transform(self, X) -> np.ndarray:
        """Betti curves of every sample, degrees concatenated in increasing order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams with degrees among ``homology_dimensions_``.

        Returns
        -------
        ndarray of shape (n_samples, n_degrees * n_bins)
        """
        X = _transform_input(self, X)
        n_features = len(self.homology_dimensions_) * self.n_bins
        return _map_samples(
            betti_curve_features, X, n_features, self.n_jobs,
            degrees=self.homology_dimensions_, clip_values=None, samplings=self.samplings_,
        )  # fmt: skip

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names ``H{q}_betti_t{k:03d}``; ``input_features`` is ignored.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "homology_dimensions_")
        w = _width(self.n_bins)
        return np.asarray(
            [
                f"H{q}_betti_t{k:0{w}d}"
                for q in self.homology_dimensions_
                for k in range(self.n_bins)
            ],
            dtype=object,
        )


class PersistenceLandscape(CollectionMixin, TransformerMixin, BaseEstimator):
    """Persistence landscapes (Bubenik) sampled at ``n_bins`` filtration values per degree.

    Layer ``k`` at ``t`` is the ``k``-th largest of the tents
    :math:`\\max(0, \\min(t - b, d - t))`; a single bar ``[0, 1)`` peaks at ``0.5`` at
    ``t = 0.5``. Sampling points: ``samplings_[q] = linspace(lo, hi, n_bins)`` with
    ``(lo, hi) = filtration_ranges_[q]`` learnt in ``fit``. Infinite deaths are clipped at
    ``hi``, the largest finite value of degree ``q`` seen in ``fit``.
    ``gudhi.representations.Landscape`` returns ``sqrt(2)`` times these values.

    Parameters
    ----------
    n_layers : int, default=1
        Number of landscape functions per degree (missing layers are zero).
    n_bins : int, default=100
        Number of sampling points per degree.
    n_jobs : int, default=None
        Number of joblib workers over samples.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Degrees present in the training collection.
    filtration_ranges_ : dict of int to (float, float)
        Sampling range per degree; the right end is the clipping value for infinite deaths.
    samplings_ : dict of int to ndarray of shape (n_bins,)
        Sampling points per degree.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.estimators import PersistenceLandscape
    >>> X = np.array([[[0.0, 1.0, 0.0]]])
    >>> PersistenceLandscape(n_bins=3).fit_transform(X)
    array([[0. , 0.5, 0. ]])
    """

    _parameter_constraints: dict = {
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": _N_JOBS,
    }

    def __init__(self, n_layers: int = 1, n_bins: int = 100, n_jobs: int | None = None) -> None:
        self.n_layers = n_layers
        self.n_bins = n_bins
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> PersistenceLandscape:
        """Learn the degrees and the sampling grid of each degree from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams.
        y : None
            Ignored.

        Returns
        -------
        self : PersistenceLandscape
        """
        X, self.homology_dimensions_ = _fit_input(X)
        self.filtration_ranges_ = filtration_ranges(X, self.homology_dimensions_)
        self.samplings_ = sampling_grids(self.filtration_ranges_, self.n_bins)
        return self

    def transform(self, X) -> np.ndarray:
        """Landscapes of every sample: per degree, layer 1's samples, then layer 2's, ...

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams with degrees among ``homology_dimensions_``.

        Returns
        -------
        ndarray of shape (n_samples, n_degrees * n_layers * n_bins)
        """
        X = _transform_input(self, X)
        n_features = len(self.homology_dimensions_) * self.n_layers * self.n_bins
        return _map_samples(
            landscape_features, X, n_features, self.n_jobs,
            degrees=self.homology_dimensions_,
            clip_values=_clip_values(self.filtration_ranges_), samplings=self.samplings_,
            n_layers=self.n_layers,
        )  # fmt: skip

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names ``H{q}_landscape_l{layer}_t{k:03d}`` (layers from 1); ``input_features`` ignored.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "homology_dimensions_")
        w = _width(self.n_bins)
        return np.asarray(
            [
                f"H{q}_landscape_l{layer}_t{k:0{w}d}"
                for q in self.homology_dimensions_
                for layer in range(1, self.n_layers + 1)
                for k in range(self.n_bins)
            ],
            dtype=object,
        )


class PersistenceImage(CollectionMixin, TransformerMixin, BaseEstimator):
    """Persistence images on an ``n_bins × n_bins`` (birth, persistence) grid per degree.

    Each bar ``(b, d)`` becomes the point ``(b, d - b)`` carrying a Gaussian density of
    standard deviation ``sigma`` (:math:`e^{-|x-p|^2/2\\sigma^2}/(2\\pi\\sigma^2)`, as
    in gudhi), times its weight; the image is that sum evaluated at the grid nodes.
    Grid of degree ``q``: births ``linspace(lo, hi, n_bins)`` and persistences
    ``linspace(0, hi - lo, n_bins)`` with ``(lo, hi) = filtration_ranges_[q]`` learnt in
    ``fit``. Infinite deaths are clipped at ``hi``, the largest finite value of degree ``q``
    seen in ``fit``.

    Parameters
    ----------
    sigma : float, default=0.1
        Standard deviation of the Gaussians, in filtration units.
    n_bins : int, default=100
        Grid points per axis (``n_bins**2`` features per degree).
    weight_function : callable, default=None
        Maps the 1-D array of the bars' persistences ``d - b`` to a 1-D array of weights
        of the same length (e.g. ``numpy.sqrt``); ``None`` gives every bar weight 1.
        Use a module-level function, not a lambda, if the estimator must be pickled.
    n_jobs : int, default=None
        Number of joblib workers over samples.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Degrees present in the training collection.
    filtration_ranges_ : dict of int to (float, float)
        Range per degree; the right end is the clipping value for infinite deaths.
    samplings_ : dict of int to ndarray of shape (n_bins, 2)
        Column 0: birth grid, column 1: persistence grid.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.estimators import PersistenceImage
    >>> X = np.array([[[0.0, 1.0, 0.0], [0.0, 0.5, 0.0]]])
    >>> pi = PersistenceImage(sigma=0.2, n_bins=4).fit(X)
    >>> pi.transform(X).shape
    (1, 16)
    >>> str(pi.get_feature_names_out()[5])
    'H0_image_b001_p001'
    """

    _parameter_constraints: dict = {
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "weight_function": [callable, None],
        "n_jobs": _N_JOBS,
    }

    def __init__(
        self,
        sigma: float = 0.1,
        n_bins: int = 100,
        weight_function: Callable[[np.ndarray], np.ndarray] | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.sigma = sigma
        self.n_bins = n_bins
        self.weight_function = weight_function
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> PersistenceImage:
        """Learn the degrees and the (birth, persistence) grid of each degree from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams.
        y : None
            Ignored.

        Returns
        -------
        self : PersistenceImage
        """
        X, self.homology_dimensions_ = _fit_input(X)
        self.filtration_ranges_ = filtration_ranges(X, self.homology_dimensions_)
        self.samplings_ = sampling_grids(self.filtration_ranges_, self.n_bins, image=True)
        return self

    def transform(self, X) -> np.ndarray:
        """Flattened images (birth index major) of every sample, degrees concatenated.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams with degrees among ``homology_dimensions_``.

        Returns
        -------
        ndarray of shape (n_samples, n_degrees * n_bins**2)
        """
        X = _transform_input(self, X)
        n_features = len(self.homology_dimensions_) * self.n_bins**2
        return _map_samples(
            image_features, X, n_features, self.n_jobs,
            degrees=self.homology_dimensions_,
            clip_values=_clip_values(self.filtration_ranges_), samplings=self.samplings_,
            sigma=self.sigma, weight_function=self.weight_function,
        )  # fmt: skip

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names ``H{q}_image_b{i:03d}_p{j:03d}`` (birth i, persistence j); input ignored.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "homology_dimensions_")
        w = _width(self.n_bins)
        return np.asarray(
            [
                f"H{q}_image_b{i:0{w}d}_p{j:0{w}d}"
                for q in self.homology_dimensions_
                for i in range(self.n_bins)
                for j in range(self.n_bins)
            ],
            dtype=object,
        )


class PersistenceEntropy(CollectionMixin, TransformerMixin, BaseEstimator):
    """Persistence entropy per degree: Shannon entropy (natural log) of the bar lengths.

    With lengths :math:`\\ell_i` and :math:`L = \\sum \\ell_i`,
    :math:`E = -\\sum (\\ell_i/L) \\log(\\ell_i/L)`; ``n`` equal bars give :math:`\\log n`.
    Infinite deaths are clipped at ``hi = filtration_ranges_[q][1]``, the largest finite
    value of degree ``q`` seen in ``fit``.

    Parameters
    ----------
    normalize : bool, default=False
        Divide by :math:`\\log L` (giotto-tda's normalisation, Myers et al. 2019; equal to
        giotto-tda's normalised value, which uses base-2 logarithms throughout).
    nan_fill_value : float or None, default=-1.0
        Value for undefined entropies: an empty diagram (only padding) and, with
        ``normalize=True``, a total length :math:`L = 1`. ``None`` keeps ``nan``.
    n_jobs : int, default=None
        Number of joblib workers over samples.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Degrees present in the training collection.
    filtration_ranges_ : dict of int to (float, float)
        The right end is the clipping value for infinite deaths.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.estimators import PersistenceEntropy
    >>> X = np.array([[[0.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 1.0]]])
    >>> np.round(PersistenceEntropy().fit_transform(X), 6)
    array([[ 0.693147, -1.      ]])
    """

    _parameter_constraints: dict = {
        "normalize": ["boolean"],
        "nan_fill_value": [Real, None],
        "n_jobs": _N_JOBS,
    }

    def __init__(
        self,
        normalize: bool = False,
        nan_fill_value: float | None = -1.0,
        n_jobs: int | None = None,
    ) -> None:
        self.normalize = normalize
        self.nan_fill_value = nan_fill_value
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> PersistenceEntropy:
        """Learn the degrees and the clipping value of each degree from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams.
        y : None
            Ignored.

        Returns
        -------
        self : PersistenceEntropy
        """
        X, self.homology_dimensions_ = _fit_input(X)
        self.filtration_ranges_ = filtration_ranges(X, self.homology_dimensions_)
        return self

    def transform(self, X) -> np.ndarray:
        """One entropy per degree and sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams with degrees among ``homology_dimensions_``.

        Returns
        -------
        ndarray of shape (n_samples, n_degrees)
        """
        X = _transform_input(self, X)
        return _map_samples(
            entropy_features, X, len(self.homology_dimensions_), self.n_jobs,
            degrees=self.homology_dimensions_,
            clip_values=_clip_values(self.filtration_ranges_),
            normalize=bool(self.normalize), nan_fill_value=self.nan_fill_value,
        )  # fmt: skip

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names ``H{q}_entropy``; ``input_features`` is ignored.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "homology_dimensions_")
        return np.asarray([f"H{q}_entropy" for q in self.homology_dimensions_], dtype=object)


class Amplitude(CollectionMixin, TransformerMixin, BaseEstimator):
    """Amplitude per degree: the distance from each diagram to the empty diagram.

    Metrics (giotto-tda's names and parameters; defaults in brackets):

    * ``"bottleneck"``: :math:`\\max_i (d_i - b_i)/2`;
    * ``"wasserstein"`` (``p`` [2]): :math:`(\\sum_i ((d_i - b_i)/2)^p)^{1/p}`; both use
      the :math:`L^\\infty` ground metric of gudhi/hera (giotto-tda's Euclidean one gives
      values ``sqrt(2)`` times larger);
    * ``"betti"`` (``p`` [2], ``n_bins`` [100]), ``"landscape"`` (``p`` [2], ``n_layers``
      [1], ``n_bins`` [100]), ``"heat"`` (``p`` [2], ``sigma`` [0.1], ``n_bins`` [100]) and
      ``"persistence_image"`` or its alias ``"image"`` (``p`` [2], ``sigma`` [0.1],
      ``n_bins`` [100], ``weight_function`` [None]): the :math:`L^p` norm of the
      representation on the grid learnt in ``fit`` (Riemann sum with the cell
      length/area). Heat kernels live on ``linspace(lo, hi, n_bins)`` squared,
      persistence images on the grid of :class:`PersistenceImage`.

    Infinite deaths are clipped at ``hi = filtration_ranges_[q][1]``, the largest finite
    value of degree ``q`` seen in ``fit``. Empty diagrams have amplitude 0.

    Parameters
    ----------
    metric : str, default="landscape"
        One of the metrics above.
    metric_params : dict, default=None
        Metric parameters overriding the defaults; unknown keys are an error.
    order : float or None, default=None
        ``None``: one column per degree. A positive number (``numpy.inf`` allowed): one
        column, the ``order``-norm of the per-degree amplitudes.
    n_jobs : int, default=None
        Number of joblib workers over samples.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Degrees present in the training collection.
    filtration_ranges_ : dict of int to (float, float)
        The right end is the clipping value for infinite deaths.
    effective_metric_params_ : dict
        The metric's parameters after applying defaults.
    samplings_ : dict of int to ndarray, or None
        Grids of the functional metrics (``(n_bins, 2)`` births/persistences for
        ``"persistence_image"``); ``None`` for bottleneck and Wasserstein.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.estimators import Amplitude
    >>> X = np.array([[[0.0, 1.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0]]])
    >>> Amplitude(metric="bottleneck").fit_transform(X)
    array([[1.5, 0. ]])
    >>> Amplitude(metric="wasserstein", metric_params={"p": 1}, order=1).fit_transform(X)
    array([[2.]])
    """

    _parameter_constraints: dict = {
        "metric": [StrOptions(set(AMPLITUDE_METRICS) | {"image"})],
        "metric_params": [dict, None],
        "order": [*_POSITIVE_OR_INF, None],
        "n_jobs": _N_JOBS,
    }

    def __init__(
        self,
        metric: str = "landscape",
        metric_params: dict | None = None,
        order: float | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.metric = metric
        self.metric_params = metric_params
        self.order = order
        self.n_jobs = n_jobs

    @property
    def _metric(self) -> str:
        return "persistence_image" if self.metric == "image" else self.metric

    def _check_metric_params(self) -> dict:
        defaults = AMPLITUDE_METRICS[self._metric]
        given = dict(self.metric_params or {})
        unknown = sorted(set(given) - set(defaults))
        if unknown:
            raise ValueError(
                f"metric_params has unknown key(s) {unknown} for metric={self.metric!r}; "
                f"allowed: {sorted(defaults)}."
            )
        params = {**defaults, **given}
        checks = {
            "p": lambda v: isinstance(v, Real) and v > 0,
            "sigma": lambda v: isinstance(v, Real) and np.isfinite(v) and v > 0,
            "n_bins": lambda v: isinstance(v, Integral) and not isinstance(v, bool) and v >= 1,
            "n_layers": lambda v: isinstance(v, Integral) and not isinstance(v, bool) and v >= 1,
            "weight_function": lambda v: v is None or callable(v),
        }
        for key, value in params.items():
            if not checks[key](value):
                raise ValueError(
                    f"metric_params[{key!r}] = {value!r} is invalid for metric={self.metric!r}."
                )
        return params

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> Amplitude:
        """Learn the degrees, clipping values and (for functional metrics) the grids.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams.
        y : None
            Ignored.

        Returns
        -------
        self : Amplitude
        """
        self.effective_metric_params_ = self._check_metric_params()
        X, self.homology_dimensions_ = _fit_input(X)
        self.filtration_ranges_ = filtration_ranges(X, self.homology_dimensions_)
        n_bins = self.effective_metric_params_.get("n_bins")
        if self._metric == "persistence_image":
            self.samplings_ = sampling_grids(self.filtration_ranges_, n_bins, image=True)
        elif n_bins is not None:
            self.samplings_ = sampling_grids(self.filtration_ranges_, n_bins)
        else:
            self.samplings_ = None
        return self

    def transform(self, X) -> np.ndarray:
        """Amplitudes of every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams with degrees among ``homology_dimensions_``.

        Returns
        -------
        ndarray of shape (n_samples, n_degrees) or (n_samples, 1) if ``order`` is set
        """
        X = _transform_input(self, X)
        n_features = len(self.homology_dimensions_) if self.order is None else 1
        return _map_samples(
            amplitude_features, X, n_features, self.n_jobs,
            degrees=self.homology_dimensions_,
            clip_values=_clip_values(self.filtration_ranges_), metric=self._metric,
            metric_params=self.effective_metric_params_, samplings=self.samplings_,
            order=self.order,
        )  # fmt: skip

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names ``H{q}_amplitude_{metric}``, or ``amplitude_{metric}`` with ``order``.

        ``metric`` is the canonical name (``"image"`` appears as ``persistence_image``);
        ``input_features`` is ignored.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "homology_dimensions_")
        if self.order is not None:
            return np.asarray([f"amplitude_{self._metric}"], dtype=object)
        return np.asarray(
            [f"H{q}_amplitude_{self._metric}" for q in self.homology_dimensions_], dtype=object
        )


class NumberOfPoints(CollectionMixin, TransformerMixin, BaseEstimator):
    """Number of bars of positive length per degree (padding rows are not counted).

    Bars with an infinite death count like any other; nothing is clipped.

    Parameters
    ----------
    n_jobs : int, default=None
        Number of joblib workers over samples.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Degrees present in the training collection.

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.estimators import NumberOfPoints
    >>> X = np.array([[[0.0, 1.0, 0.0], [0.0, np.inf, 0.0], [0.0, 0.0, 1.0]]])
    >>> NumberOfPoints().fit_transform(X)
    array([[2., 0.]])
    """

    _parameter_constraints: dict = {"n_jobs": _N_JOBS}

    def __init__(self, n_jobs: int | None = None) -> None:
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> NumberOfPoints:
        """Learn the degrees present in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams.
        y : None
            Ignored.

        Returns
        -------
        self : NumberOfPoints
        """
        _, self.homology_dimensions_ = _fit_input(X)
        return self

    def transform(self, X) -> np.ndarray:
        """Counts per degree and sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points, 3)
            Collection of diagrams with degrees among ``homology_dimensions_``.

        Returns
        -------
        ndarray of shape (n_samples, n_degrees)
        """
        X = _transform_input(self, X)
        return _map_samples(
            n_points_features, X, len(self.homology_dimensions_), self.n_jobs,
            degrees=self.homology_dimensions_,
        )  # fmt: skip

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Names ``H{q}_n_points``; ``input_features`` is ignored.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "homology_dimensions_")
        return np.asarray([f"H{q}_n_points" for q in self.homology_dimensions_], dtype=object)
