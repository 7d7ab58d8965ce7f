"""Time-series transformers: a series → windows (:class:`SlidingWindow`), and a collection of
series → a collection of point clouds (:class:`TakensEmbedding`).

``make_pipeline(SlidingWindow(size, stride), TakensEmbedding(...), SheafFeatures())`` turns one
long series into one feature row per window: the windows are a 2-D array ``(n_windows, size)``
(a collection of univariate series), their delay embeddings a 3-D array
``(n_windows, n_points, dimension)`` (a collection of point clouds, the input format of every
point-cloud transformer). Series formats: :mod:`tdasheaf.time_series`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from tdasheaf.estimators._base import CollectionOutputMixin
from tdasheaf.estimators._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    _get_output_config,
    check_is_fitted,
)
from tdasheaf.time_series import (
    _check_collection_of_series,
    _check_series,
    _n_points,
    _pooled_delay,
    _pooled_dimension,
    takens_embedding,
    window_bounds,
)

__all__ = ["SlidingWindow", "TakensEmbedding"]

#: "auto" selection in TakensEmbedding.fit looks at most at this many series (evenly spaced).
_MAX_SELECTION_SERIES = 64


class SlidingWindow(TransformerMixin, BaseEstimator):
    """Cut one series into windows of ``size`` samples, one every ``stride`` samples.

    A *series → collection* transformer: ``X`` is **one** series with time on axis 0 —
    shape ``(n_times,)`` or ``(n_times, n_channels)``, the scikit-learn layout of a table whose
    rows are time points — and ``transform`` returns its windows, a collection of
    ``n_windows = (n_times - size) // stride + 1`` series. Window ``w`` covers the samples
    ``[w * stride, w * stride + size)`` (see :meth:`window_bounds`); the last
    ``(n_times - size) % stride`` samples are in no window.

    Parameters
    ----------
    size : int, default=10
        Samples per window.
    stride : int, default=1
        Step between the starts of consecutive windows.

    Attributes
    ----------
    n_features_in_ : int
        Number of channels of the series seen in ``fit`` (1 for a 1-D series).
    window_bounds_ : ndarray of shape (n_windows, 2)
        ``(start, end)`` sample indices (end exclusive) of the windows of the series seen in
        ``fit``; :meth:`window_bounds` gives them for any length.

    See Also
    --------
    tdasheaf.time_series.sliding_windows : the function behind ``transform``.
    TakensEmbedding : windows → point clouds.

    Notes
    -----
    The output has ``n_windows`` rows, not ``n_times``, so a target ``y`` given per sample does
    not follow the windows through a Pipeline: label the windows from ``window_bounds``.

    The rows of ``X`` are time points of *one* sample (the series), not samples: reordering or
    subsetting them changes the windows. scikit-learn's estimator checks permute and subset
    rows, so the tags say ``two_d_array=False`` (``one_d_array=True``) and the checks that do
    apply run in ``tests/test_estimator_contract.py``.

    ``set_output(transform="pandas")`` gives a DataFrame with the columns of
    :meth:`get_feature_names_out` for a univariate series; the windows of a multivariate series
    are 3-D, which no DataFrame can hold, so ``transform`` then raises.

    Examples
    --------
    >>> sw = SlidingWindow(size=4, stride=3).fit(np.arange(10.0))
    >>> sw.transform(np.arange(10.0))
    array([[0., 1., 2., 3.],
           [3., 4., 5., 6.],
           [6., 7., 8., 9.]])
    >>> sw.window_bounds_
    array([[ 0,  4],
           [ 3,  7],
           [ 6, 10]])
    """

    _parameter_constraints: dict = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, size=10, stride=1):
        self.size = size
        self.stride = stride

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = True
        tags.input_tags.two_d_array = False  # rows are time points of one series, not samples
        tags.target_tags.required = False
        return tags

    def _check(self, X) -> np.ndarray:
        x = _check_series(X)
        if len(x) < self.size:
            raise ValueError(
                f"the series has {len(x)} samples, fewer than the window size={self.size}; "
                f"a series needs at least {self.size} samples (or use a smaller window)."
            )
        return x

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and the series; record its window bounds.

        Parameters
        ----------
        X : array-like of shape (n_times,) or (n_times, n_channels)
            One series, time on axis 0.
        y : None
            Ignored.

        Returns
        -------
        self : SlidingWindow
        """
        x = self._check(X)
        self.n_features_in_ = 1 if x.ndim == 1 else x.shape[1]
        self.window_bounds_ = window_bounds(len(x), self.size, self.stride)
        return self

    def transform(self, X):
        """Windows of the series.

        Parameters
        ----------
        X : array-like of shape (n_times,) or (n_times, n_channels)
            One series with the number of channels seen in ``fit``; any length ``>= size``.

        Returns
        -------
        ndarray of shape (n_windows, size) or (n_windows, size, n_channels)
            ``n_windows = (n_times - size) // stride + 1``.
        """
        check_is_fitted(self)
        x = _check_series(X)
        n_channels = 1 if x.ndim == 1 else x.shape[1]
        if n_channels != self.n_features_in_:
            raise ValueError(
                f"X has {n_channels} features, but SlidingWindow is expecting "
                f"{self.n_features_in_} features as input: the series has {n_channels} "
                f"channel(s), the one seen in fit had {self.n_features_in_}."
            )
        if n_channels != 1 and _get_output_config("transform", self)["dense"] != "default":
            self.get_feature_names_out()  # raises the 3-D message before any container does
        x = self._check(x)
        bounds = window_bounds(len(x), self.size, self.stride)
        return x[bounds[:, :1] + np.arange(self.size)[None, :]]

    def window_bounds(self, n_times):
        """``(start, end)`` of every window of a series of ``n_times`` samples (end exclusive).

        Parameters
        ----------
        n_times : int

        Returns
        -------
        ndarray of shape (n_windows, 2), int64

        Examples
        --------
        >>> SlidingWindow(size=3, stride=2).window_bounds(8)
        array([[0, 3],
               [2, 5],
               [4, 7]])
        """
        return window_bounds(n_times, self.size, self.stride)

    def get_feature_names_out(self, input_features=None):
        """Positions in the window, ``t00`` ... (the columns of a univariate series' windows).

        Parameters
        ----------
        input_features : ignored

        Returns
        -------
        ndarray of str objects, shape (size,)

        Raises
        ------
        ValueError
            For a multivariate series: its windows are 3-D and have no column names (so a
            DataFrame output, ``set_output(transform="pandas")``, is refused in ``transform``).

        Examples
        --------
        >>> SlidingWindow(size=3).fit(np.arange(5.0)).get_feature_names_out()
        array(['t0', 't1', 't2'], dtype=object)
        """
        check_is_fitted(self)
        if self.n_features_in_ != 1:
            raise ValueError(
                f"the windows of a series with {self.n_features_in_} channels are 3-D "
                f"(n_windows, size, n_channels): they have no column names, and no DataFrame "
                "can hold them (set_output(transform='pandas') needs a univariate series). Use "
                'set_output(transform="default"), or one SlidingWindow per channel.'
            )
        width = len(str(self.size - 1))
        return np.array([f"t{i:0{width}d}" for i in range(self.size)], dtype=object)


class TakensEmbedding(CollectionOutputMixin, TransformerMixin, BaseEstimator):
    """Delay embedding of every series of a collection: one point cloud per series.

    Point ``k`` of the cloud of a series ``s`` is ``(s_i, s_{i+τ}, ..., s_{i+(d-1)τ})``,
    ``i = k * stride`` (:func:`tdasheaf.time_series.takens_embedding`). Periodic windows
    become loops, quasi-periodic ones tori, chaotic ones strange attractors: the input of
    :class:`RipsPersistence`, :class:`SheafFeatures` and the other point-cloud transformers.

    Parameters
    ----------
    dimension : int or "auto", default=2
        Embedding dimension ``d``. ``"auto"``: chosen in ``fit`` by false nearest neighbours
        (:func:`~tdasheaf.time_series.false_nearest_neighbors_dimension`, up to
        ``max_dimension``).
    delay : int or "auto", default=1
        Time delay ``τ`` in samples. ``"auto"``: chosen in ``fit`` as the first minimum of the
        time-delayed mutual information
        (:func:`~tdasheaf.time_series.mutual_information_delay`, up to ``max_delay``).
    stride : int, default=1
        Step between the first samples of consecutive points.
    max_delay : int, default=50
        Largest delay considered by ``delay="auto"``.
    max_dimension : int, default=10
        Largest dimension considered by ``dimension="auto"``.

    Attributes
    ----------
    dimension_ : int
        The dimension used (``dimension``, or the one selected).
    delay_ : int
        The delay used.
    n_channels_ : int
        Channels per series seen in ``fit``.
    n_features_in_ : int
        Length (time samples) of the series seen in ``fit`` — the columns of a 2-D ``X`` —
        when they all have one length; ``transform`` then requires that length (as every
        scikit-learn transformer requires the number of columns seen in ``fit``). Not set when
        ``fit`` saw series of several lengths (a list): ``transform`` then takes any length.

    See Also
    --------
    SlidingWindow : one series → a collection of windows.
    tdasheaf.time_series.select_embedding : the ``"auto"`` selection for one series.

    Notes
    -----
    Input: a collection of series (:mod:`tdasheaf.time_series`): a 2-D array
    ``(n_series, n_times)`` of univariate series — what :class:`SlidingWindow` returns —, a
    3-D array ``(n_series, n_times, n_channels)``, or a list of series of any lengths. A single
    series is *not* accepted as such (a 1-D array is ambiguous in scikit-learn): pass
    ``[series]`` to get a one-cloud collection. Every series needs at least
    ``(dimension - 1) * delay + 1`` samples.

    Output: a 3-D array ``(n_series, n_points, n_channels * dimension)`` when all clouds have
    the same number of points (series of equal lengths), otherwise a list of 2-D clouds. A
    multivariate series gives its channels' embeddings side by side (channel-major columns),
    with the same ``dimension`` and ``delay``.

    ``"auto"`` selects one ``(dimension, delay)`` for the whole collection: the
    mutual-information curves of the series (each channel counts as a series) are averaged and
    their false-neighbour counts summed, constant series skipped. With more than 64 series, 64
    evenly spaced ones are used — windows of one series share their dynamics.

    Examples
    --------
    >>> windows = SlidingWindow(size=6, stride=2).fit_transform(np.arange(10.0))
    >>> TakensEmbedding(dimension=2, delay=2).fit_transform(windows)[0]
    array([[0., 2.],
           [1., 3.],
           [2., 4.],
           [3., 5.]])

    Parameters chosen from the data:

    >>> t = np.arange(3000)
    >>> series = np.sin(2 * np.pi * t / 40) + 0.05 * np.random.default_rng(0).normal(size=t.size)
    >>> windows = SlidingWindow(size=200, stride=100).fit_transform(series)
    >>> te = TakensEmbedding(dimension="auto", delay="auto").fit(windows)
    >>> te.dimension_, te.delay_   # P / 4 = 10; the noise costs one more dimension
    (3, 10)
    """

    _parameter_constraints: dict = {
        "dimension": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "delay": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "max_delay": [Interval(Integral, 1, None, closed="left")],
        "max_dimension": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, dimension=2, delay=1, stride=1, max_delay=50, max_dimension=10):
        self.dimension = dimension
        self.delay = delay
        self.stride = stride
        self.max_delay = max_delay
        self.max_dimension = max_dimension

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        return tags

    def _check_lengths(self, samples: list[np.ndarray]) -> None:
        need = (self.dimension_ - 1) * self.delay_ + 1
        for i, x in enumerate(samples):
            if len(x) < need:
                raise ValueError(
                    f"sample {i}: the series has {len(x)} samples; dimension={self.dimension_} "
                    f"and delay={self.delay_} need at least (dimension - 1) * delay + 1 = {need} "
                    f"(n_features={len(x)} in a 2-D X, whose columns are the time samples)."
                )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the collection and fix the dimension and the delay (selected if "auto").

        Parameters
        ----------
        X : ndarray of shape (n_series, n_times) or (n_series, n_times, n_channels), or list
            A collection of series.
        y : None
            Ignored.

        Returns
        -------
        self : TakensEmbedding
        """
        samples = _check_collection_of_series(X)
        auto_dimension = isinstance(self.dimension, str)
        auto_delay = isinstance(self.delay, str)
        dimension = None if auto_dimension else int(self.dimension)
        delay = None if auto_delay else int(self.delay)
        if auto_dimension or auto_delay:
            picked = np.unique(
                np.linspace(0, len(samples) - 1, min(len(samples), _MAX_SELECTION_SERIES))
                .round()
                .astype(int)
            )
            pool = [samples[i][:, c] for i in picked for c in range(samples[i].shape[1])]
            if auto_delay:
                delay = _pooled_delay(pool, max_delay=self.max_delay)
            if auto_dimension:
                dimension = _pooled_dimension(pool, delay, max_dimension=self.max_dimension)
        self.dimension_, self.delay_ = int(dimension), int(delay)
        self.n_channels_ = samples[0].shape[1]
        lengths = {len(x) for x in samples}
        if len(lengths) == 1:
            self.n_features_in_ = lengths.pop()
        else:  # series of several lengths: transform accepts any length
            self.__dict__.pop("n_features_in_", None)
        self._check_lengths(samples)
        return self

    def transform(self, X):
        """The point cloud of every series.

        Parameters
        ----------
        X : ndarray of shape (n_series, n_times) or (n_series, n_times, n_channels), or list
            Series with the number of channels seen in ``fit``, each at least
            ``(dimension_ - 1) * delay_ + 1`` samples long.

        Returns
        -------
        ndarray of shape (n_series, n_points, n_channels * dimension_), or list of ndarray
            A list when the series have different lengths (so do their clouds).
        """
        check_is_fitted(self)
        samples = _check_collection_of_series(X, n_channels=self.n_channels_)
        n = getattr(self, "n_features_in_", None)
        for i, x in enumerate(samples):
            if n is not None and len(x) != n:
                raise ValueError(
                    f"X has {len(x)} features, but TakensEmbedding is expecting {n} features as "
                    f"input: sample {i} has {len(x)} time samples, the series seen in fit had {n}. "
                    "Refit on series of this length, or fit on a list of series of several "
                    "lengths to embed series of any length."
                )
        self._check_lengths(samples)
        clouds = [
            takens_embedding(
                x if x.shape[1] > 1 else x[:, 0], self.dimension_, self.delay_, self.stride
            )
            for x in samples
        ]
        sizes = {_n_points(len(x), self.dimension_, self.delay_, self.stride) for x in samples}
        return np.stack(clouds) if len(sizes) == 1 else clouds

    def get_feature_names_out(self, input_features=None):
        """Coordinates of the points: ``lag_0, lag_τ, ...`` (``c{k}_lag_...`` per channel)."""
        check_is_fitted(self)
        lags = [f"lag_{j * self.delay_}" for j in range(self.dimension_)]
        if self.n_channels_ == 1:
            return np.array(lags, dtype=object)
        return np.array(
            [f"c{c}_{lag}" for c in range(self.n_channels_) for lag in lags], dtype=object
        )
