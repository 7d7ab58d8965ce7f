"""SheafOutlierDetector: per-point anomaly scores from sheaf inconsistency, LOF's interface.

A thin shell over :mod:`tdasheaf.cohomology._local_scores`: validate, build the reference
structure of the training set, standardise the components on it, combine them.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if

from tdasheaf.cohomology._local_scores import (
    AXIS_COMPONENTS,
    COMPONENTS,
    TABLE_COMPONENTS,
    combine_auto,
    combine_ranks,
    fit_local_reference,
    local_reference_nbytes,
    local_score_components,
    robust_location_scale,
    standardize_components,
    table_location_scale,
    tangent_weight,
)
from tdasheaf.estimators._base import DEPRECATED, renamed_parameter
from tdasheaf.estimators._sklearn_compat import (
    Hidden,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from tdasheaf.utils import over_budget, resolve_memory_budget

__all__ = ["SheafOutlierDetector"]

#: ``contamination="auto"`` threshold on the combined score (robust-scale units).
AUTO_THRESHOLD = 3.0
def _finite_rows(X: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(X)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        kind = "NaN" if np.isnan(X).any() else "infinity"
        shown = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
        raise ValueError(
            f"Input {what} contains {kind} in {len(rows)} row(s) (rows {shown}); drop those rows "
            "(X[np.isfinite(X).all(axis=1)]) or impute them (sklearn.impute.SimpleImputer)."
        )


#: LocalOutlierFactor's messages for a method called in the wrong ``novelty`` mode.
_WRONG_NOVELTY = {
    "fit_predict": (
        "fit_predict is not available when novelty=True. Use novelty=False if you want to predict "
        "on the training set."
    ),
    "predict": (
        "predict is not available when novelty=False, use fit_predict if you want to predict on "
        "training data. Use novelty=True if you want to use SheafOutlierDetector for novelty "
        "detection and predict on new unseen data."
    ),
    "decision_function": (
        "decision_function is not available when novelty=False. Use novelty=True if you want to "
        "use SheafOutlierDetector for novelty detection and compute decision_function for new "
        "unseen data. Note that the opposite score of the training samples is always available as "
        "the negative_outlier_factor_ attribute."
    ),
    "score_samples": (
        "score_samples is not available when novelty=False. The scores of the training samples are "
        "always available through the negative_outlier_factor_ attribute. Use novelty=True if you "
        "want to use SheafOutlierDetector for novelty detection and compute score_samples for new "
        "unseen data."
    ),
    "score_components": (
        "score_components is not available when novelty=False. The components of the training "
        "samples are always available as the score_components_ attribute. Use novelty=True to "
        "score new unseen data."
    ),
}


def _novelty_check(novelty: bool, method: str):
    """An ``available_if`` check: ``method`` exists only when ``self.novelty == novelty``."""

    def check(self):
        if bool(self.novelty) != novelty:
            raise AttributeError(_WRONG_NOVELTY[method])
        return True

    return check


class SheafOutlierDetector(OutlierMixin, BaseEstimator):
    """Outlier detection from the inconsistency of data-driven sheaves around each point.

    The interface of :class:`sklearn.neighbors.LocalOutlierFactor`: ``fit``, ``fit_predict``
    (``novelty=False``), ``predict`` / ``decision_function`` / ``score_samples``
    (``novelty=True``), ``negative_outlier_factor_`` and ``offset_``. Works on any
    ``(n_samples, n_features)`` array: a point cloud or a table. Features are used as Euclidean
    coordinates, so **scale tabular features first** (e.g. ``MinMaxScaler``, as ADBench does).

    For each neighbourhood size ``k`` in ``neighbor_multipliers × n_neighbors``, every point is
    compared with
    the structure of its ``k`` nearest training points (never itself): local PCA frames (the
    tangent sheaf), their signs (the orientation sheaf) and the connected components of the Rips
    filtration (the constant sheaf). The components (``score_components_``; details in
    :mod:`tdasheaf.cohomology._local_scores`) and what each sees:

    ``residual``
        distance off the local principal plane over the neighbours' own spread — points off
        the manifold, even at the manifold's density (invisible to LOF / isolation forests);
    ``dimension``
        deviation of the local participation-ratio dimension — a filament on a surface, a blob;
    ``frame``
        consistency radius of the frame assignment on the point's star (RMS Procrustes
        residual to the neighbours' frames) — tangent planes turning within a neighbourhood:
        creases, junctions, sharp twists;
    ``orientation``
        fraction of frustrated triangles (sign holonomy −1) of the orientation sheaf in the
        star — locally non-orientable spots (a half-twist within a neighbourhood);
    ``h0_join``
        how late the point joins a global section of the constant sheaf's H^0 (a connected
        component of at least ``k`` points), relative to its neighbours — isolated points and
        small far clusters (the classical tabular outliers);
    ``holonomy``
        mean tangent holonomy ‖H − I‖ on the star's triangles — curvature spikes;

    and four that look at the whole training set (global structure):

    ``h0_bulk``
        the Rips scale at which the point joins the H^0 class (single-linkage cluster) that
        holds half of the training rows — anomalies that form their own dense cluster (locally
        normal to every neighbourhood method) or lie far from the bulk;
    ``distance``
        mean distance to the nearest ``k`` training rows — points in sparse regions of the
        whole table (the classical distance-based outliers);
    ``isolation``
        the isolation-forest score (Liu, Ting & Zhou 2008) against the weighted training rows —
        rows that few random axis-parallel cuts separate from the rest;
    ``tail``
        the mean over columns of the skewness-aware ``−log`` empirical tail probability (as in
        COPOD, Li et al. 2020) — rows far in the tails of the marginal distributions.

    ``isolation`` and ``tail`` read the columns as features (they are invariant under
    increasing maps of each column, not under rotations); the other eight are built from
    distances and principal angles only (invariant under similarities).

    **Duplicates are multiplicities**: identical training rows are one point with a weight
    (their count) everywhere the detector looks at neighbourhoods — the frames, the graphs and
    the star triangles use the distinct points (a row repeated 30 times is neither a degenerate
    frame nor its own neighbourhood), the H^0 components, the ``distance`` neighbourhoods, the
    isolation forest's subsamples and the tails' distribution functions count rows, and every
    row gets the score of its point (copies score alike). Only the weights relative to their
    mean matter, so repeating every row twice changes no score.

    Each component is standardised on the training set (median and a robust upper-tail scale,
    :func:`~tdasheaf.cohomology._local_scores.robust_location_scale`) and averaged over the
    neighbourhood sizes. The default ``combine="auto"`` first asks whether the data have a
    tangent structure: the *tangent eigengap* ``tangent_gap_``, the median over the training
    points of ``λ_d / λ_{d+1}`` of the neighbourhood covariance at the frame dimension ``d``
    (by Davis–Kahan, the local planes — and so frames, residuals, orientations, holonomies —
    are determined by the data only when this gap is large). With ``w`` =
    ``tangent_weight_`` = ``clip(log(gap / 2) / log 4, 0, 1)`` (0 below a gap of 2, 1 above 8)
    the score is ``(1 − w) · table + w · manifold``:

    * the *manifold* score is the **maximum** of the eight similarity-invariant components (a
      point of a sampled manifold is anomalous when any one kind of inconsistency is unusual:
      each geometric anomaly is seen by one local component far above its training range);
    * the *table* score is the mean of ``isolation``, ``tail``, ``h0_bulk`` and ``dimension``
      (and ``signal``), re-standardised on the training set: one component per kind of evidence
      that needs no tangent space — axis-parallel isolation, marginal tails, the mass of the
      H^0 bulk, the local spectrum.

    Measured on real tables the median eigengap is 1.2–1.7 and on sampled surfaces 24–135, so
    in practice ``w`` is 0 or 1; ``docs/anomaly.md`` has the evidence behind the choice.
    ``combine="max"`` is the maximum over all the components used, ``"mean"`` their mean, and
    ``"rank"`` the mean of their mid-ranks among the training rows (a number in ``[0, 1]`` free
    of each component's distribution). Sign convention as LocalOutlierFactor: ``score_samples`` and
    ``negative_outlier_factor_`` are the *opposite* of that score, so **higher = more normal**,
    and ``decision_function = score_samples − offset_`` is negative for outliers.

    Parameters
    ----------
    n_neighbors : int, default=20
        Base neighbourhood size. With fewer than ``n_neighbors + 1`` distinct training samples
        it is lowered to ``n_distinct − 1`` with a warning (``n_neighbors_``), as in
        :class:`~sklearn.neighbors.LocalOutlierFactor`; at least 3 distinct training samples
        are needed.
    neighbor_multipliers : tuple of float, default=(0.5, 1.0, 2.0)
        Neighbourhood sizes as multiples of ``n_neighbors`` (rounded, clipped to
        ``[dim + 2, n_samples − 1]``, duplicates merged). Formerly ``scales``.
    dim : int, optional
        Intrinsic dimension of the local frames; ``None`` estimates it on the training set
        (median number of principal components explaining ``variance_threshold``).
    variance_threshold : float, default=0.9
    components : tuple of str, optional
        Subset of :data:`~tdasheaf.cohomology._local_scores.COMPONENTS` (and ``"signal"`` when
        ``n_signal_features > 0``) to combine; ``None`` uses all of them.
    combine : {"auto", "max", "mean", "rank"}, default="auto"
        How the standardised components make one score (see above). With ``components``
        restricted, ``"auto"`` uses the table and manifold scores of the components given
        (either one alone when the other has none).
    contamination : "auto" or float, default="auto"
        ``"auto"``: ``offset_ = −3``, i.e. a point is an outlier when its score is more than 3
        robust scales above the training median (with ``combine="max"``: some component is;
        with the default ``"auto"``, on clean samples of surfaces and of Gaussian clouds in
        3–20 dimensions, this flags about 0.4–1 %). A float in ``(0, 0.5]``: ``offset_`` is that
        percentile of ``negative_outlier_factor_``.
    n_signal_features : int, default=0
        The last ``n_signal_features`` columns of ``X`` are *data on the points* (a signal),
        not coordinates: the geometric components use the other columns, and a ninth
        component, ``signal``, scores how badly a point's data fail to glue with its
        neighbours' — ``mean_{j ∈ N_k(i)} ‖s(i) − s(j)‖``, the per-vertex inconsistency of the
        assignment ``s`` in the constant sheaf ℝ^m on the point's star in the kNN graph (the
        same quantity as :func:`tdasheaf.cohomology.vertex_inconsistencies`, and as
        :meth:`tdasheaf.SheafDenoiser.inconsistency` with the constant sheaf). Signal columns
        may be constant.
    novelty : bool, default=False
        ``False``: outlier detection on the training set (``fit_predict``,
        ``negative_outlier_factor_``). ``True``: novelty detection — ``predict``,
        ``decision_function``, ``score_samples`` and ``score_components`` score *new* points
        against the training structure (their neighbours are training points) and never
        change the fitted state.
    random_state : int, RandomState instance or None, default=0
        Seed of the ``isolation`` component's forest (the only random part; the default makes
        the detector deterministic).
    memory_budget : int, optional
        Bytes the fitted structure may use (default
        :func:`~tdasheaf.utils.default_memory_budget`). Its size (frames ``n × D × d`` and edge
        maps ``n·k × d × d`` per neighbourhood size, with ``d`` at its largest when ``dim`` is
        None) is estimated before anything is built; above the budget ``fit`` raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError` naming the estimate and what to
        change (``dim``, ``n_neighbors``, ``neighbor_multipliers``, subsampling).
    scales : tuple of float

        .. deprecated:: 0.1
           ``scales`` was renamed ``neighbor_multipliers`` (``scales`` means absolute
           filtration values elsewhere, e.g. in :class:`SheafLaplacianSpectrum`); the old name
           works with a ``FutureWarning`` until 0.3.

    Attributes
    ----------
    negative_outlier_factor_ : ndarray of shape (n_samples,)
        Opposite of the combined score of the training samples (named as in
        LocalOutlierFactor so that code written for it works; it is not a LOF).
    offset_ : float
    score_components_ : pandas.DataFrame of shape (n_samples, n_components)
        Standardised components of the training samples (0 = typical, > 0 = more anomalous):
        the largest one says *why* a point is anomalous.
    neighborhood_sizes_ : tuple of int
    dim_ : int
    component_location_, component_scale_ : dict
        Name → ndarray over the sizes: the standardisation.
    reference_ : LocalSheafReference
        The training structure.
    n_features_in_, n_samples_fit_ : int
    n_distinct_fit_ : int
        Number of distinct training rows (the points of the structure).
    component_reference_ : dict
        Name → sorted standardised components of the training rows (the ranks of
        ``combine="rank"``).
    n_neighbors_ : int
        The base neighbourhood size used: ``min(n_neighbors, n_samples_fit_ - 1)``.
    tangent_gap_ : float
        Median tangent eigengap ``λ_d / λ_{d+1}`` of the training neighbourhoods.
    tangent_weight_ : float
        Weight of the manifold score in ``combine="auto"`` (0: a table, 1: a sampled manifold).
    table_location_, table_scale_ : float
        Standardisation of the table score (present when table components are used).

    Examples
    --------
    A noisy sphere and one point 0.3 off it (at the sphere's density, far from any other):

    >>> from tdasheaf.datasets import make_sphere
    >>> X = make_sphere(400, noise=0.01, random_state=0)
    >>> X[0] *= 1.3
    >>> det = SheafOutlierDetector(contamination=0.01).fit(X)
    >>> int(np.argmin(det.negative_outlier_factor_))
    0
    >>> det.score_components_.iloc[0].idxmax()
    'residual'
    >>> int((det.fit_predict(X) == -1).sum())
    4
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 2, None, closed="left")],
        "neighbor_multipliers": ["array-like"],
        "scales": ["array-like", Hidden(StrOptions({DEPRECATED}))],
        "dim": [Interval(Integral, 1, None, closed="left"), None],
        "variance_threshold": [Interval(Real, 0, 1, closed="right")],
        "components": ["array-like", None],
        "combine": [StrOptions({"auto", "max", "mean", "rank"})],
        "random_state": ["random_state"],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "n_signal_features": [Interval(Integral, 0, None, closed="left")],
        "novelty": ["boolean"],
        "memory_budget": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        n_neighbors=20,
        neighbor_multipliers=(0.5, 1.0, 2.0),
        dim=None,
        variance_threshold=0.9,
        components=None,
        combine="auto",
        contamination="auto",
        novelty=False,
        n_signal_features=0,
        memory_budget=None,
        random_state=0,
        scales=DEPRECATED,
    ):
        self.n_neighbors = n_neighbors
        self.neighbor_multipliers = neighbor_multipliers
        self.dim = dim
        self.variance_threshold = variance_threshold
        self.components = components
        self.combine = combine
        self.contamination = contamination
        self.novelty = novelty
        self.n_signal_features = n_signal_features
        self.memory_budget = memory_budget
        self.random_state = random_state
        self.scales = scales

    # -- validation -----------------------------------------------------------------------------

    def _components(self) -> tuple[str, ...]:
        available = COMPONENTS + (("signal",) if self.n_signal_features else ())
        if self.components is None:
            return available
        names = tuple(self.components)
        bad = [c for c in names if c not in available]
        if not names or bad or len(set(names)) != len(names):
            hint = (
                " ('signal' needs n_signal_features > 0)"
                if "signal" in names and not self.n_signal_features
                else ""
            )
            raise ValueError(
                f"components must be distinct names among {available}, got "
                f"{self.components!r}{hint}."
            )
        return names

    def _split(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(coordinates, signal or None) of a validated X."""
        m = int(self.n_signal_features)
        if not m:
            return X, None
        if X.shape[1] <= m:
            raise ValueError(
                f"X has {X.shape[1]} column(s) and n_signal_features={m}: at least one "
                "coordinate column must precede the signal columns."
            )
        return X[:, :-m], X[:, -m:]

    def _sizes(self, n: int, dim, multipliers) -> tuple[int, ...]:
        scales = np.asarray(multipliers, dtype=np.float64).reshape(-1)
        if scales.size == 0 or not np.all(np.isfinite(scales)) or not np.all(scales > 0):
            raise ValueError(
                f"neighbor_multipliers must be positive numbers, got {multipliers!r}."
            )
        low = min(2 if dim is None else int(dim) + 2, n - 1)
        sizes = np.clip(np.round(scales * self.n_neighbors_).astype(int), low, n - 1)
        return tuple(sorted(set(sizes.tolist())))

    def _check_X(self, X, reset: bool) -> np.ndarray:
        X = validate_data(
            self, X, reset=reset, dtype=np.float64, ensure_all_finite=False, ensure_min_samples=1
        )
        _finite_rows(X, "X")
        return X

    # -- fitting --------------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Build the training structure, standardise the components, set ``offset_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Finite; at least ``n_neighbors + 1`` samples; no constant column.
        y : ignored

        Returns
        -------
        self
        """
        names = self._components()
        X_all = self._check_X(X, reset=True)
        # duplicates as multiplicities: identical rows are one point with a weight (count)
        unique, inverse, counts = np.unique(
            X_all, axis=0, return_inverse=True, return_counts=True
        )
        inverse = inverse.reshape(-1)
        X, S = self._split(unique)
        n_rows = X_all.shape[0]
        n = X.shape[0]
        k = int(self.n_neighbors)
        if n < 3:
            raise ValueError(
                f"X has {n_rows} sample(s){f' ({n} distinct)' if n < n_rows else ''}, but "
                "SheafOutlierDetector needs at least 3 distinct ones (every point is compared "
                "with at least 2 other training points)."
            )
        if k > n - 1:
            warnings.warn(
                f"n_neighbors ({k}) is greater than the number of other training samples "
                f"({n - 1}{' distinct' if n < n_rows else ''}); n_neighbors will be set to "
                f"(n_samples - 1) = {n - 1} for estimation (as LocalOutlierFactor does).",
                UserWarning,
                stacklevel=3,
            )
        self.n_neighbors_ = min(k, n - 1)
        constant = np.flatnonzero(np.ptp(X, axis=0) == 0)
        if len(constant):
            raise ValueError(
                f"column(s) {constant.tolist()} of X are constant on the training data: they "
                "carry no information about its structure. Drop them before fitting, e.g. "
                "X[:, np.ptp(X, axis=0) > 0] or sklearn.feature_selection.VarianceThreshold() in a "
                "Pipeline."
            )
        multipliers = renamed_parameter(
            self, old="scales", new="neighbor_multipliers", removed_in="0.3"
        )
        sizes = self._sizes(n, self.dim, multipliers)
        budget = resolve_memory_budget(self.memory_budget)
        need = local_reference_nbytes(n, X.shape[1], sizes, self.dim)
        if need > budget:
            raise over_budget(
                f"SheafOutlierDetector on {n:,} points in {X.shape[1]} dimensions (neighbourhood "
                f"sizes {sizes}, frames of dimension up to "
                f"{self.dim or min(X.shape[1], sizes[0] - 1)})",
                need,
                budget,
                "Pass dim= (a smaller frame dimension), lower n_neighbors or "
                "neighbor_multipliers, or subsample the points",
            )
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        reference, raw = fit_local_reference(
            X, sizes, self.dim, variance_threshold=float(self.variance_threshold), signal=S,
            weights=counts, random_state=seed,
        )
        degenerate = int(np.count_nonzero(reference.radii[:, 0] == 0))
        if degenerate:
            warnings.warn(
                f"{degenerate} training point(s) have at least {reference.sizes[0]} exact "
                "duplicates: their neighbourhoods have no local geometry and their scores mean "
                "little. Remove duplicate rows (np.unique(X, axis=0)) or raise n_neighbors.",
                UserWarning,
                stacklevel=3,
            )
        location, scale = {}, {}
        for name in names:  # over the distinct points: repeating every row changes nothing
            location[name], scale[name] = robust_location_scale(raw[name])
        raw = {c: v[inverse] for c, v in raw.items()}  # back to every row
        self.reference_ = reference
        self.neighborhood_sizes_ = reference.sizes
        self.dim_ = reference.dim
        self.components_used_ = names
        self.component_location_ = location
        self.component_scale_ = scale
        self.n_samples_fit_ = n_rows
        self.n_distinct_fit_ = n
        z = standardize_components({c: raw[c] for c in names}, location, scale)
        self.score_components_ = _frame(z, names)
        self.component_reference_ = {c: np.sort(z[c]) for c in names}
        self.tangent_gap_ = reference.tangent_gap
        self.tangent_weight_ = tangent_weight(reference.tangent_gap)
        table = self._table_names()
        if table:  # the table score is re-standardised on the distinct training points
            first = np.unique(inverse, return_index=True)[1]
            self.table_location_, self.table_scale_ = table_location_scale(
                {c: z[c][first] for c in table}, table
            )
        self.negative_outlier_factor_ = -self._combine(z)
        if self.contamination == "auto":
            self.offset_ = -AUTO_THRESHOLD
        else:
            self.offset_ = float(
                np.percentile(self.negative_outlier_factor_, 100.0 * self.contamination)
            )
        return self

    def _table_names(self) -> tuple[str, ...]:
        return tuple(c for c in self.components_used_ if c in TABLE_COMPONENTS)

    def _manifold_names(self) -> tuple[str, ...]:
        return tuple(c for c in self.components_used_ if c not in AXIS_COMPONENTS)

    def _combine(self, z: dict) -> np.ndarray:
        if self.combine == "auto":
            table = self._table_names()
            return combine_auto(
                z, table, self._manifold_names(), getattr(self, "table_location_", 0.0),
                getattr(self, "table_scale_", 1.0), self.tangent_weight_,
            )
        if self.combine == "rank":
            return combine_ranks(z, self.component_reference_, self.components_used_)
        Z = np.column_stack([z[c] for c in self.components_used_])
        return Z.max(axis=1) if self.combine == "max" else Z.mean(axis=1)

    def _standardized(self, X) -> dict:
        check_is_fitted(self)
        X, S = self._split(self._check_X(X, reset=False))
        raw = local_score_components(self.reference_, X, query_signal=S)
        names = self.components_used_
        return standardize_components(
            {c: raw[c] for c in names}, self.component_location_, self.component_scale_
        )

    # -- the LocalOutlierFactor surface ---------------------------------------------------------

    @available_if(_novelty_check(False, "fit_predict"))
    def fit_predict(self, X, y=None):
        """Fit on ``X`` and label its samples: −1 outlier, +1 inlier (``novelty=False`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        self.fit(X)
        return _labels(self.negative_outlier_factor_, self.offset_)

    @available_if(_novelty_check(True, "predict"))
    def predict(self, X):
        """Label new samples: −1 outlier, +1 inlier (``novelty=True`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return _labels(self.decision_function(X), 0.0)

    @available_if(_novelty_check(True, "decision_function"))
    def decision_function(self, X):
        """``score_samples(X) − offset_``: negative for outliers (``novelty=True`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.score_samples(X) - self.offset_

    @available_if(_novelty_check(True, "score_samples"))
    def score_samples(self, X):
        """Opposite of the combined sheaf score of new samples: higher = more normal.

        Scored against the training structure only (``novelty=True`` only; never refits).
        A sample that coincides with a training sample is scored as that training sample
        (left out of its own neighbourhood), so ``score_samples(X_train)`` reproduces
        ``negative_outlier_factor_`` — unlike LocalOutlierFactor, where a training sample
        passed as new data counts itself as its own nearest neighbour.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return -self._combine(self._standardized(X))

    @available_if(_novelty_check(True, "score_components"))
    def score_components(self, X):
        """Standardised score components of new samples (``novelty=True`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        pandas.DataFrame of shape (n_samples, n_components)
            Same columns and units as ``score_components_``; the outlier score is their
            maximum (``combine="max"``) or mean.
        """
        return _frame(self._standardized(X), self.components_used_)


def _labels(scores: np.ndarray, threshold: float) -> np.ndarray:
    """−1 (outlier) where ``scores < threshold``, else +1."""
    labels = np.ones(len(scores), dtype=int)
    labels[scores < threshold] = -1
    return labels


def _frame(z: dict, names):
    import pandas as pd

    return pd.DataFrame({c: z[c] for c in names}, columns=list(names))
