"""Regenerate every figure of the documentation, deterministically.

Usage: ``python pipelines/make_figures.py [--output-dir docs/figures] [--only NAME ...]``

Each figure is a function below, registered in :data:`FIGURES`; it builds its data from fixed
seeds with the public API only (:mod:`tdasheaf.datasets`, :mod:`tdasheaf.plotting`) and returns
a :class:`matplotlib.figure.Figure`. PNGs are written by :func:`tdasheaf.plotting.save_figure`:
atomically, quantised to 128 colours, without a timestamp or software tag, so re-running on the
same versions of the libraries reproduces the files byte for byte.

Figures
-------
mobius_vs_cylinder
    The orientation sheaf's H^0 section on a cylinder (one consistent orientation: every
    normal points outward) beside the Möbius band, where no global section exists: the best
    sign assignment leaves a seam of conflicting edges across the band, over which the
    oriented normals flip.
orientation_diagrams
    The persistence diagrams of the orientation sheaf of the same two clouds, side by side:
    an infinite H^0 bar (a global orientation) for the cylinder only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "figures"

#: One seed and one sample size for every figure.
SEED = 0
N_POINTS = 550
#: Rips scale of the sheaf: connected, and local (edges far shorter than the band's width).
SCALE = 0.3
N_NEIGHBORS = 15
#: Camera (elevation, azimuth) showing the Möbius band's twist.
VIEW = (24.0, -60.0)
#: The Möbius panel looks at its seam of conflicts from this many degrees to the side.
SEAM_OFFSET = 35.0
MAX_ARROWS = 200
ZOOM = 1.35
TITLE_Y = 0.9


def _clouds():
    from tdasheaf.datasets import make_cylinder, make_mobius_band

    cylinder = make_cylinder(N_POINTS, width=1.0, random_state=SEED)
    mobius = make_mobius_band(N_POINTS, width=1.0, uniform="area", random_state=SEED)
    return cylinder, mobius


def _seam_azimuth(X, section) -> float:
    """Azimuth (degrees) of the middle of the conflicting edges, to face the camera to them."""
    E = section.edges[section.conflict]
    if not len(E):
        return VIEW[1]
    mid = (X[E[:, 0]] + X[E[:, 1]]).mean(axis=0) / 2
    return float(np.degrees(np.arctan2(mid[1], mid[0])))


def mobius_vs_cylinder() -> Figure:
    """Two 3-D panels: the orientation section on the cylinder, the sign conflict on the band."""
    from tdasheaf.plotting import plot_sheaf_section, sheaf_section

    cylinder, mobius = _clouds()
    seam = _seam_azimuth(mobius, sheaf_section(mobius, scale=SCALE, n_neighbors=N_NEIGHBORS))
    fig = Figure(figsize=(11.0, 5.0), layout="constrained")
    left = fig.add_subplot(1, 2, 1, projection="3d")
    right = fig.add_subplot(1, 2, 2, projection="3d")
    common = dict(scale=SCALE, n_neighbors=N_NEIGHBORS, max_arrows=MAX_ARROWS, size=10.0,
                  arrow_length=0.22, show_edges=True)
    plot_sheaf_section(cylinder, ax=left, view=VIEW, **common,
                       title="Cylinder: a global section, $\\dim H^0 = 1$\n"
                             "one orientation: every normal points outward")
    plot_sheaf_section(mobius, ax=right, view=(VIEW[0], seam + SEAM_OFFSET), **common,
                       title="Möbius band: no global section, $\\dim H^0 = 0$\n"
                             "the best signs leave a seam of conflicting edges (red)")
    for ax, X in ((left, cylinder), (right, mobius)):
        ax.set_axis_off()
        ax.set_box_aspect(np.ptp(X, axis=0), zoom=ZOOM)
        ax.get_legend().set_loc("lower left")
        ax.set_title(ax.get_title(), y=TITLE_Y)  # 3-D axes leave room above the box
    fig.suptitle(
        f"Orientation sheaf of local PCA frames on the Rips graph at $t = {SCALE}$ "
        f"({N_POINTS} points each)\ncolour and arrow: the sign of the section, drawn as the "
        "oriented normal (+ outward, − inward)",
        fontsize="medium",
    )
    return fig


def orientation_diagrams() -> Figure:
    """Orientation-sheaf persistence diagrams of the cylinder and the Möbius band."""
    from tdasheaf import SheafPersistence
    from tdasheaf.plotting import plot_diagram

    cylinder, mobius = _clouds()
    est = SheafPersistence(degrees=(0, 1), max_edge_length=SCALE, n_neighbors=N_NEIGHBORS)
    D = est.fit_transform([cylinder, mobius])
    axes = plot_diagram({"cylinder": D[0], "Möbius band": D[1]},
                        title="orientation sheaf")
    return axes[0].figure


FIGURES: dict[str, Callable[[], Figure]] = {
    "mobius_vs_cylinder": mobius_vs_cylinder,
    "orientation_diagrams": orientation_diagrams,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--only", nargs="+", choices=sorted(FIGURES), help="figures to make")
    parser.add_argument("--dpi", type=int, default=100)
    args = parser.parse_args(argv)
    from tdasheaf.plotting import save_figure

    out = Path(args.output_dir)
    for name in args.only or FIGURES:
        path = save_figure(FIGURES[name](), out / f"{name}.png", dpi=args.dpi)
        print(f"{path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
