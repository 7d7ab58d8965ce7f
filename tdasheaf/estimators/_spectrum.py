"""SheafLaplacianSpectrum: multi-scale (persistent) sheaf-Laplacian spectra of point clouds.

A thin shell over :mod:`tdasheaf.cohomology._laplacian_spectra`: per cloud, build the
filtered complex once (capped at the largest scale), place the sheaf on it, and read the
smallest eigenvalues of ``L^q(K_t; F)`` at every scale ``t`` (and, optionally, of the
persistent Laplacian ``Δ^{t_i, t_{i+1}}_q`` between consecutive scales).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from tdasheaf.cohomology import laplacian_spectrum, persistent_spectrum
from tdasheaf.cohomology._scales import complex_edge_scales
from tdasheaf.complexes import alpha_complex, rips_complex
from tdasheaf.estimators._base import CollectionMixin
from tdasheaf.estimators._persistence import _deprecated_plot
from tdasheaf.estimators._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted
from tdasheaf.sheaves import CellularSheaf, constant_sheaf, orientation_sheaf, tangent_sheaf
from tdasheaf.utils import resolve_memory_budget

__all__ = ["SheafLaplacianSpectrum"]

_SHEAVES = ("constant", "orientation", "tangent")


# ----------------------------------------------------------------------------------------------
# Kernels: one validated cloud in, arrays out
# ----------------------------------------------------------------------------------------------


def _complex(X, filtration, cap, top, memory_budget=None):
    if filtration == "rips":
        return rips_complex(X, cap, top, memory_budget=memory_budget)
    K = alpha_complex(X, top)
    if len(K.simplices) <= top and top > 1:
        raise ValueError(
            f"the spectrum needs simplices of dimension {top}, but the alpha complex of "
            f"{X.shape[1]}-dimensional points has dimension {len(K.simplices) - 1}."
        )
    return K


def _edge_scales(
    X, *, filtration: str, max_edge_length: float, memory_budget: int | None = None
) -> tuple[float, np.ndarray]:
    """Connectivity scale of one cloud (inf if never connected) and its edge values <= cap.

    A thin shell: the complex of ``filtration``, then
    :func:`tdasheaf.cohomology._scales.complex_edge_scales` (the longest edge of a minimum
    spanning tree of its 1-skeleton, :func:`tdasheaf.geometry.minimum_spanning_forest`).
    """
    K = _complex(X, filtration, max_edge_length, 1, memory_budget)
    return complex_edge_scales(K, max_edge_length)


def _build_sheaf(X, K, sheaf, n_neighbors, dim) -> CellularSheaf:
    if callable(sheaf):
        F = sheaf(X, K)
        if not isinstance(F, CellularSheaf):
            raise TypeError(
                f"the sheaf callable must return a CellularSheaf, got {type(F).__name__}."
            )
        return F
    if sheaf == "orientation":
        return orientation_sheaf(X, K, n_neighbors=n_neighbors, dim=dim)
    if sheaf == "tangent":
        return tangent_sheaf(X, K, n_neighbors=n_neighbors, dim=dim)
    return constant_sheaf(K)


def _cloud_spectra(
    X: np.ndarray,
    *,
    sheaf,
    degree: int,
    scales: np.ndarray,
    n_eigenvalues: int,
    persistent: bool,
    filtration: str,
    max_edge_length: float,
    n_neighbors: int,
    dim: int | None,
    memory_budget: int | None = None,
) -> np.ndarray:
    """Feature row of one cloud: spectra at every scale, then the persistent spectra."""
    cap = min(float(scales.max()), max_edge_length)
    # the tangent sheaf lives on the 1-skeleton: its stalks above dimension 1 are 0
    top = min(degree + 1, max(degree, 1)) if sheaf == "tangent" else degree + 1
    K = _complex(X, filtration, cap, top, memory_budget)
    F = _build_sheaf(X, K, sheaf, n_neighbors, dim)
    parts = [laplacian_spectrum(F, degree, scales, n_eigenvalues).reshape(-1)]
    if persistent:
        pl = persistent_spectrum(F, degree, scales[:-1], scales[1:], n_eigenvalues)
        parts.append(pl.reshape(-1))
    return np.concatenate(parts)


# ----------------------------------------------------------------------------------------------
# Estimator
# ----------------------------------------------------------------------------------------------


class SheafLaplacianSpectrum(CollectionMixin, TransformerMixin, BaseEstimator):
    """Smallest eigenvalues of sheaf Laplacians of point clouds at a grid of scales.

    For each cloud: a filtered complex (Rips or alpha), a sheaf over it (DESIGN.md §5), and
    for each scale ``t_i`` the ``n_eigenvalues`` smallest eigenvalues of ``L^q(K_{t_i}; F)``,
    ``q = degree`` (its zero eigenvalues count ``dim H^q(K_{t_i}; F)``, the others measure how
    far from harmonic the remaining cochains are: for ``q = 0`` and the constant sheaf, the
    graph Laplacian's spectral gap). With ``persistent=True``, also the smallest eigenvalues of
    the persistent Laplacian ``Δ^{t_i, t_{i+1}}_q`` between consecutive scales, whose zeros count
    the bars spanning ``[t_i, t_{i+1}]`` (:func:`tdasheaf.cohomology.persistent_laplacian`).

    Parameters
    ----------
    sheaf : {"constant", "orientation", "tangent"} or callable, default="constant"
        As in :class:`SheafPersistence`: ordinary cohomology, the sign sheaf of local PCA
        frames, the O(d) connection of the frames (Singer–Wu's vector diffusion operator in
        degree 0), or a callable ``(X, complex) -> CellularSheaf``.
    degree : int, default=0
        Cohomology degree ``q``. The complex is built up to dimension ``q + 1``.
    n_eigenvalues : int, default=5
        Eigenvalues per scale, ascending.
    n_scales : int, default=10
        Number of scales learned in ``fit`` (ignored when ``scales`` is given).
    scales : array-like of float, optional
        Fixed non-decreasing scales (filtration values) instead of learned ones.
    filtration : {"rips", "alpha"}, default="rips"
        Vietoris–Rips (diameter) or alpha (radius) filtration.
    max_edge_length : float, default=inf
        Largest scale considered; learned scales stay at or below it, and the complex is
        never built beyond ``min(max(scales_), max_edge_length)`` (with Rips). Keep it small
        for degrees >= 1: ``L^1`` needs every triangle.
    n_neighbors : int, default=15
        Neighbourhood size of the local PCA (orientation and tangent sheaves).
    dim : int, optional
        Intrinsic dimension of the frames; estimated per cloud when ``None``.
    persistent : bool, default=False
        Append the persistent spectra between consecutive scales (dense matrices: see
        :data:`tdasheaf.cohomology.PERSISTENT_MAX_DIM`).
    n_jobs : int, optional
        joblib workers over clouds.
    fill_value : float, default=nan
        Value of the eigenvalue slots that do not exist because ``dim C^q(K_t)`` is smaller
        than ``n_eigenvalues`` (e.g. 0 for downstream models that refuse NaN).
    memory_budget : int, optional
        Bytes one cloud's complex may use (default ``min(1.5 GiB, MemAvailable / 4)`` divided
        by ``n_jobs``), passed to :func:`~tdasheaf.complexes.rips_complex`, which estimates the
        graph and the higher simplices before building them and raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError` over it. (The eigensolver's own
        working set is not yet part of the estimate.)

    Attributes
    ----------
    scales_ : ndarray of shape (n_scales,)
        The scales: ``scales`` if given, else learned in ``fit`` as the quantiles at levels
        ``(i + 1/2) / n_scales`` of the edge values of all training clouds (pooled) between the
        *connectivity scale* — the largest over training clouds of the scale at which the
        cloud's complex becomes connected (its longest minimum-spanning-tree edge) — and
        ``max_edge_length``. Mid-point levels keep the scales off the edge values themselves.
    n_features_in_ : int

    Notes
    -----
    Features are ordered scale by scale: ``n_eigenvalues`` values of ``L^q(K_{t_0})``, then of
    ``K_{t_1}``, …; then (``persistent=True``) those of ``Δ^{t_0,t_1}``, ``Δ^{t_1,t_2}``, ….
    Names (:meth:`get_feature_names_out`): ``"{sheaf}_L{q}_t{i:02d}_ev{j}"`` and
    ``"{sheaf}_PL{q}_t{i:02d}_ev{j}"`` (``i`` the scale index, the lower end for ``PL``; ``j``
    from 0; a callable sheaf is named by its ``__name__`` if that is an identifier, else
    ``custom``). Eigenvalues below ``ZERO_RTOL · ‖L‖_∞`` are exactly 0. The eigenvalues are
    invariant under rigid motions of the cloud and under the gauge (frame sign) choices of the
    orientation and tangent sheaves.

    Examples
    --------
    >>> from tdasheaf.datasets import make_circle
    >>> clouds = [make_circle(40, random_state=0), make_circle(40, noise=0.1, random_state=1)]
    >>> spec = SheafLaplacianSpectrum(n_eigenvalues=2, n_scales=3, persistent=True).fit(clouds)
    >>> spec.scales_.shape
    (3,)
    >>> list(spec.get_feature_names_out()[[0, 1, 2, -1]])
    ['constant_L0_t00_ev0', 'constant_L0_t00_ev1', 'constant_L0_t01_ev0', 'constant_PL0_t01_ev1']
    >>> F = spec.transform(clouds)
    >>> F.shape
    (2, 10)
    >>> F[:, 0]   # connected at every learned scale: one zero eigenvalue
    array([0., 0.])

    Scales given by hand; at 0 every vertex is its own component:

    >>> SheafLaplacianSpectrum(n_eigenvalues=2, scales=[0.0]).fit_transform(clouds)
    array([[0., 0.],
           [0., 0.]])
    """

    _parameter_constraints: dict = {
        "sheaf": [StrOptions(set(_SHEAVES)), callable],
        "degree": [Interval(Integral, 0, None, closed="left")],
        "n_eigenvalues": [Interval(Integral, 1, None, closed="left")],
        "n_scales": [Interval(Integral, 1, None, closed="left")],
        "scales": ["array-like", None],
        "filtration": [StrOptions({"rips", "alpha"})],
        "max_edge_length": [Interval(Real, 0, np.inf, closed="both")],
        "n_neighbors": [Interval(Integral, 2, None, closed="left")],
        "dim": [Interval(Integral, 1, None, closed="left"), None],
        "persistent": ["boolean"],
        "n_jobs": [Integral, None],
        "fill_value": [Real],
        "memory_budget": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        sheaf="constant",
        degree=0,
        n_eigenvalues=5,
        n_scales=10,
        scales=None,
        filtration="rips",
        max_edge_length=np.inf,
        n_neighbors=15,
        dim=None,
        persistent=False,
        n_jobs=None,
        fill_value=np.nan,
        memory_budget=None,
    ):
        self.sheaf = sheaf
        self.degree = degree
        self.n_eigenvalues = n_eigenvalues
        self.n_scales = n_scales
        self.scales = scales
        self.filtration = filtration
        self.max_edge_length = max_edge_length
        self.n_neighbors = n_neighbors
        self.dim = dim
        self.persistent = persistent
        self.n_jobs = n_jobs
        self.fill_value = fill_value
        self.memory_budget = memory_budget

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the scales (unless ``scales`` is given) from the training clouds.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
        y : ignored

        Returns
        -------
        self
        """
        samples = self._validate_samples(X, reset=True)
        if self.scales is not None:
            scales = np.asarray(self.scales, dtype=np.float64).reshape(-1)
            if (
                scales.size == 0
                or np.ndim(self.scales) > 1
                or not np.isfinite(scales).all()
                or (scales < 0).any()
                or (np.diff(scales) < 0).any()
            ):
                raise ValueError(
                    "scales must be a non-empty 1-D sequence of finite, non-negative, "
                    f"non-decreasing numbers, got {self.scales!r}."
                )
            self.scales_ = scales
            return self
        cap = float(self.max_edge_length)
        found = self._map_samples(
            _edge_scales,
            samples,
            filtration=self.filtration,
            max_edge_length=cap,
            memory_budget=resolve_memory_budget(self.memory_budget, self.n_jobs),
        )
        values = np.concatenate([v for _, v in found])
        if values.size == 0:
            raise ValueError(
                "the training clouds have no edges at or below max_edge_length="
                f"{self.max_edge_length}; raise max_edge_length or pass scales."
            )
        low = min(max(c for c, _ in found), float(values.max()))
        pool = np.append(values[values >= low], low)
        levels = (np.arange(self.n_scales) + 0.5) / self.n_scales
        self.scales_ = np.quantile(pool, levels)
        return self

    def transform(self, X):
        """Spectra of every cloud, one row per cloud.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
            ``n_features_out = n_eigenvalues · (n_scales + (n_scales − 1 if persistent))``.
        """
        check_is_fitted(self, "scales_")
        samples = self._validate_samples(X, reset=False)
        rows = self._map_samples(
            _cloud_spectra,
            samples,
            sheaf=self.sheaf,
            degree=int(self.degree),
            scales=self.scales_,
            n_eigenvalues=int(self.n_eigenvalues),
            persistent=bool(self.persistent),
            filtration=self.filtration,
            max_edge_length=float(self.max_edge_length),
            n_neighbors=int(self.n_neighbors),
            dim=self.dim,
            memory_budget=resolve_memory_budget(self.memory_budget, self.n_jobs),
        )
        out = np.vstack(rows)
        if not np.isnan(self.fill_value):
            out[np.isnan(out)] = float(self.fill_value)
        return out

    def plot(self, X, sample=0, *, ax=None, **kwargs):
        """Draw the spectra ``L^q(K_t; F)`` of one sample of ``X`` across ``scales_`` (deprecated).

        .. deprecated:: 0.1
           Use ``tdasheaf.plotting.SpectrumDisplay.from_estimator(est, X, sample=sample,
           ax=ax).ax_``; this method warns (``FutureWarning``) and is removed in 0.3.

        The row of that sample is computed here (``self.transform([X[sample]])``; the
        estimator keeps no transform output) and drawn with
        :func:`tdasheaf.plotting.plot_spectrum`: one line per eigenvalue index, exact zeros
        (``dim H^q``) as dots. With ``persistent=True`` the persistent spectra are not drawn.
        matplotlib is imported only when this is called.

        Parameters
        ----------
        X : list of array-like or ndarray of shape (n_samples, n_points, n_features)
        sample : int, default=0
        ax : matplotlib Axes, optional
        **kwargs
            Passed to :func:`~tdasheaf.plotting.plot_spectrum` (``title``, ``yscale``).

        Returns
        -------
        matplotlib.axes.Axes
        """
        _deprecated_plot(self, "SpectrumDisplay")
        from tdasheaf.plotting import SpectrumDisplay  # deprecated .plot(), remove in 0.3

        return SpectrumDisplay.from_estimator(self, X, sample=sample, ax=ax, **kwargs).ax_

    def _sheaf_name(self) -> str:
        if isinstance(self.sheaf, str):
            return self.sheaf
        name = getattr(self.sheaf, "__name__", "")
        return name if name.isidentifier() else "custom"

    def get_feature_names_out(self, input_features=None):
        """Names ``{sheaf}_L{q}_t{i:02d}_ev{j}`` (then ``{sheaf}_PL{q}_…``); input ignored.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "scales_")
        sheaf, q, n = self._sheaf_name(), int(self.degree), len(self.scales_)
        names = [
            f"{sheaf}_L{q}_t{i:02d}_ev{j}" for i in range(n) for j in range(self.n_eigenvalues)
        ]
        if self.persistent:
            names += [
                f"{sheaf}_PL{q}_t{i:02d}_ev{j}"
                for i in range(n - 1)
                for j in range(self.n_eigenvalues)
            ]
        return np.asarray(names, dtype=object)
