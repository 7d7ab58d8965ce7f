"""Pictures of diagrams, barcodes, Betti curves, point clouds, sheaf sections and spectra.

matplotlib only, and no ``pyplot``: every function draws on the ``ax`` it is given or on a new
:class:`matplotlib.figure.Figure`, so nothing needs a display, no global state leaks and the
functions are safe in scripts, tests (Agg) and worker processes. Every function returns the
:class:`~matplotlib.axes.Axes` it drew on (``ax.figure`` is the figure: save it with
``ax.figure.savefig("out.png")``, or as a small reproducible PNG with
:func:`save_figure`, or show it in a notebook by evaluating ``ax.figure``);
:func:`plot_diagram` of several diagrams returns an array of Axes.

Input formats
-------------
A *diagram* is anything :mod:`tdasheaf.diagrams` describes: one ``(n_points, 3)`` array of
``(birth, death, degree)`` rows; a collection ``(n_samples, n_points, 3)`` together with
``sample=i`` (a one-sample collection needs no ``sample``); or a dict degree → ``(n_bars, 2)``
array, as returned by :func:`tdasheaf.cohomology.sheaf_persistence`. Padding rows
``(0, 0, q)`` and other zero-length bars are not drawn.

Conventions
-----------
Degree ``q`` always has the colour ``f"C{q}"`` of the default cycle (blue, orange, green, …),
in every function, so a diagram, its barcode and its Betti curves read together. Bars that
never die are drawn on a dashed line above every finite value, labelled :math:`+\\infty`.
Artists that tests and users may want to find carry a ``gid`` (``"finite:0"``,
``"infinite:1"``, ``"infinity"``, ``"diagonal"``, ``"bars:0"``, ``"betti:0"``,
``"points"``, ``"section:+"``, ``"conflict"``, ``"arrows"``, ``"eigenvalue:0"``, ``"zeros"``,
``"empty"``).

Estimators' pictures are scikit-learn style Displays (:class:`DiagramDisplay`,
:class:`SpectrumDisplay`): ``DiagramDisplay.from_estimator(est, X, sample=0)`` draws one sample
and keeps ``ax_`` and ``figure_``; they replace the estimators' deprecated ``plot`` methods.
"""

from tdasheaf.plotting._clouds import plot_point_cloud, plot_spectrum
from tdasheaf.plotting._common import CONFLICT_COLOR, SIGN_COLORS  # noqa: F401 (CONFLICT_COLOR)
from tdasheaf.plotting._diagrams import plot_barcode, plot_betti_curves, plot_diagram
from tdasheaf.plotting._displays import DiagramDisplay, SpectrumDisplay
from tdasheaf.plotting._save import save_figure
from tdasheaf.plotting._sections import SheafSection, plot_sheaf_section, sheaf_section

__all__ = [
    "SIGN_COLORS",
    "DiagramDisplay",
    "SheafSection",
    "SpectrumDisplay",
    "plot_barcode",
    "plot_betti_curves",
    "plot_diagram",
    "plot_point_cloud",
    "plot_sheaf_section",
    "plot_spectrum",
    "save_figure",
    "sheaf_section",
]
