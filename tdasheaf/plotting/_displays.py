"""scikit-learn style ``*Display`` objects: the pictures of the estimators, on the plotting side.

As :class:`sklearn.metrics.RocCurveDisplay`: a Display holds the data of one picture, draws it
with :meth:`plot` (``ax=None`` makes a new pyplot-free Figure) and keeps what it drew in
``ax_`` and ``figure_``; the class methods ``from_estimator`` (a fitted transformer and its
input: only the chosen sample is transformed) and ``from_diagrams`` / ``from_spectrum``
(already computed output) build and draw it in one call. They replace the estimators'
deprecated ``plot`` methods, so that the computational layers never import plotting.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from tdasheaf.plotting._clouds import plot_spectrum
from tdasheaf.plotting._diagrams import (
    _as_diagram,
    plot_barcode,
    plot_betti_curves,
    plot_diagram,
)

__all__ = ["DiagramDisplay", "SpectrumDisplay"]

_KINDS = {"diagram": plot_diagram, "barcode": plot_barcode, "betti_curves": plot_betti_curves}


def _transform_one(estimator, X, sample: int, attributes=None):
    """``estimator.transform([X[sample]])`` after checking that it is fitted.

    Only that sample is transformed: the transformers keep no output.
    """
    check_is_fitted(estimator, attributes)
    try:
        one = [X[sample]]
    except (IndexError, KeyError, TypeError) as exc:
        raise ValueError(f"sample={sample!r} does not select a sample of X: {exc}") from exc
    return estimator.transform(one)


class DiagramDisplay:
    """A persistence diagram, barcode or Betti-curve picture of one diagram.

    Build it with :meth:`from_estimator` or :meth:`from_diagrams`, or construct it from a
    diagram and call :meth:`plot`.

    Parameters
    ----------
    diagram : ndarray of shape (n_points, 3)
        One diagram of ``(birth, death, degree)`` rows (padding rows are not drawn).
    kind : {"diagram", "barcode", "betti_curves"}, default="diagram"
        :func:`~tdasheaf.plotting.plot_diagram`, :func:`~tdasheaf.plotting.plot_barcode` or
        :func:`~tdasheaf.plotting.plot_betti_curves`.
    notation : {"cohomology", "homology"}, default="cohomology"
        Degree labels ``H^q`` or ``H_q``.
    title : str, optional
        Default: the drawing function's.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on (after :meth:`plot`).
    figure_ : matplotlib Figure
        Their figure: ``display.figure_.savefig("diagram.png")``.

    Examples
    --------
    >>> from tdasheaf import RipsPersistence
    >>> from tdasheaf.datasets import make_circle
    >>> X = [make_circle(30, random_state=0)]
    >>> display = DiagramDisplay.from_estimator(RipsPersistence().fit(X), X)
    >>> display.ax_.get_title(), display.notation
    ('RipsPersistence, sample 0', 'homology')
    >>> bars = DiagramDisplay.from_diagrams(display.diagram, kind="barcode")
    >>> bars.figure_ is bars.ax_.figure
    True
    """

    def __init__(self, diagram, *, kind: str = "diagram", notation: str = "cohomology",
                 title: str | None = None):
        self.diagram = diagram
        self.kind = kind
        self.notation = notation
        self.title = title

    def plot(self, ax=None, *, degrees=None, **kwargs) -> DiagramDisplay:
        """Draw the diagram.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; default a new Figure.
        degrees : sequence of int, optional
            Degrees to draw (default: every degree in the diagram).
        **kwargs
            Passed to the drawing function (``size`` for ``kind="diagram"``).

        Returns
        -------
        self
        """
        if self.kind not in _KINDS:
            raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {self.kind!r}.")
        self.ax_ = _KINDS[self.kind](self.diagram, degrees=degrees, ax=ax, title=self.title,
                                     notation=self.notation, **kwargs)
        self.figure_ = self.ax_.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, *, sample: int = 0, kind: str = "diagram",
                       ax=None, title: str | None = None, notation: str | None = None,
                       **kwargs) -> DiagramDisplay:
        """Draw the diagram of one sample of ``X`` by a fitted diagram transformer.

        Parameters
        ----------
        estimator : fitted transformer whose output is a collection of diagrams
            ``RipsPersistence``, ``AlphaPersistence``, ``SheafPersistence``, ...
        X : collection
            The input of ``estimator.transform``; only ``X[sample]`` is transformed.
        sample : int, default=0
        kind : {"diagram", "barcode", "betti_curves"}, default="diagram"
        ax : matplotlib Axes, optional
        title : str, optional
            Default ``"<sheaf> sheaf, sample i"`` for sheaf transformers, else
            ``"<class name>, sample i"``.
        notation : {"cohomology", "homology"}, optional
            Default: cohomology for sheaf transformers, homology for the classical ones.
        **kwargs
            Passed to :meth:`plot` (``degrees``, ``size``).

        Returns
        -------
        DiagramDisplay
        """
        D = np.asarray(_transform_one(estimator, X, sample))
        if D.ndim != 3 or D.shape[-1] != 3:
            raise TypeError(
                f"{type(estimator).__name__}.transform does not return diagrams "
                f"(got shape {D.shape}); DiagramDisplay draws the output of the persistence "
                "transformers (SpectrumDisplay: SheafLaplacianSpectrum)."
            )
        if notation is None:
            notation = getattr(estimator, "_plot_notation", "homology")
        if title is None:
            name_of = getattr(estimator, "_plot_title", None)
            title = name_of(sample) if callable(name_of) else (
                f"{type(estimator).__name__}, sample {sample}")
        return cls(D[0], kind=kind, notation=notation, title=title).plot(ax=ax, **kwargs)

    @classmethod
    def from_diagrams(cls, diagrams, *, sample: int | None = None, kind: str = "diagram",
                      ax=None, title: str | None = None, notation: str = "cohomology",
                      **kwargs) -> DiagramDisplay:
        """Draw one diagram given in any form of :mod:`tdasheaf.plotting`.

        Parameters
        ----------
        diagrams : diagram, collection of diagrams, or dict degree → bars
        sample : int, optional
            Which diagram of a collection.
        kind, ax, title, notation, **kwargs
            As in :meth:`from_estimator`.

        Returns
        -------
        DiagramDisplay
        """
        D = _as_diagram(diagrams, sample)
        return cls(D, kind=kind, notation=notation, title=title).plot(ax=ax, **kwargs)


class SpectrumDisplay:
    """The smallest eigenvalues of a sheaf Laplacian ``L^q(K_t; F)`` across scales.

    Parameters
    ----------
    spectrum : ndarray of shape (n_scales, n_eigenvalues)
    scales : ndarray of shape (n_scales,), optional
    degree : int, default=0
    title : str, optional

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from tdasheaf import SheafLaplacianSpectrum
    >>> from tdasheaf.datasets import make_circle
    >>> X = [make_circle(30, random_state=0)]
    >>> est = SheafLaplacianSpectrum(n_eigenvalues=3, n_scales=4).fit(X)
    >>> display = SpectrumDisplay.from_estimator(est, X)
    >>> display.spectrum.shape, len(display.ax_.get_lines())
    ((4, 3), 3)
    """

    def __init__(self, spectrum, scales=None, *, degree: int = 0, title: str | None = None):
        self.spectrum = spectrum
        self.scales = scales
        self.degree = degree
        self.title = title

    def plot(self, ax=None, **kwargs) -> SpectrumDisplay:
        """Draw the spectrum (:func:`~tdasheaf.plotting.plot_spectrum`; ``yscale`` in kwargs).

        Returns
        -------
        self
        """
        self.ax_ = plot_spectrum(self.spectrum, self.scales, degree=self.degree, ax=ax,
                                 title=self.title, **kwargs)
        self.figure_ = self.ax_.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, *, sample: int = 0, ax=None,
                       title: str | None = None, **kwargs) -> SpectrumDisplay:
        """Draw the spectra of one sample of ``X`` by a fitted ``SheafLaplacianSpectrum``.

        The row of that sample is computed here and reshaped to ``(n_scales, n_eigenvalues)``
        over ``estimator.scales_``; with ``persistent=True`` the persistent spectra are not
        drawn.

        Returns
        -------
        SpectrumDisplay
        """
        if not all(hasattr(estimator, a) for a in ("n_eigenvalues", "degree")):
            raise TypeError(
                f"SpectrumDisplay draws a SheafLaplacianSpectrum, got {type(estimator).__name__}."
            )
        row = np.asarray(_transform_one(estimator, X, sample, "scales_"))[0]
        scales = np.asarray(estimator.scales_)
        n, k = len(scales), int(estimator.n_eigenvalues)
        if title is None:
            name_of = getattr(estimator, "_sheaf_name", None)
            sheaf = name_of() if callable(name_of) else "custom"
            title = f"{sheaf} sheaf Laplacian, sample {sample}"
        return cls(row[: n * k].reshape(n, k), scales, degree=int(estimator.degree),
                   title=title).plot(ax=ax, **kwargs)

    @classmethod
    def from_spectrum(cls, spectrum, scales=None, *, degree: int = 0, ax=None,
                      title: str | None = None, **kwargs) -> SpectrumDisplay:
        """Draw a spectrum already computed (e.g. by ``laplacian_spectrum``).

        Returns
        -------
        SpectrumDisplay
        """
        return cls(spectrum, scales, degree=degree, title=title).plot(ax=ax, **kwargs)
