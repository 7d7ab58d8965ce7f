"""tdasheaf.plotting: every function renders to PNG without warnings, and draws what it should.

Structural checks, not golden images: artists are found by their ``gid`` and compared with
the data (points per degree, the ∞ line and its label, axis limits, legend entries, arrow
counts, the colours of the section signs against a representative cocycle computed here
through the public API). Any warning is an error in this module.
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from tdasheaf.cohomology import representative_cocycles, sheaf_persistence
from tdasheaf.complexes import rips_complex
from tdasheaf.datasets import make_circle, make_cylinder, make_mobius_band
from tdasheaf.estimators._persistence import AlphaPersistence, RipsPersistence
from tdasheaf.estimators._sheaf_persistence import SheafPersistence
from tdasheaf.estimators._spectrum import SheafLaplacianSpectrum
from tdasheaf.plotting import (
    SIGN_COLORS,
    DiagramDisplay,
    SpectrumDisplay,
    plot_barcode,
    plot_betti_curves,
    plot_diagram,
    plot_point_cloud,
    plot_sheaf_section,
    plot_spectrum,
    save_figure,
    sheaf_section,
)
from tdasheaf.sheaves import edge_alignments, local_frames, orientation_sheaf

pytestmark = pytest.mark.filterwarnings("error")

INF = np.inf
TYPICAL = np.array(
    [
        [0.0, 0.3, 0.0],
        [0.0, 0.7, 0.0],
        [0.0, INF, 0.0],
        [0.4, 0.9, 1.0],
        [0.5, INF, 1.0],
        [0.0, 0.0, 1.0],  # padding
        [0.0, 0.0, 2.0],  # padding: a degree with no bars
    ]
)
EDGE_CASES = {
    "empty": np.empty((0, 3)),
    "only_infinite": np.array([[0.0, INF, 0.0], [0.0, INF, 0.0]]),
    "one_point": np.array([[0.2, 0.5, 1.0]]),
    "all_padding": np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
    "one_infinite_late": np.array([[2.5, INF, 1.0]]),
}


def _png(artist) -> bytes:
    fig = artist if isinstance(artist, Figure) else np.ravel(artist)[0].figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return data


def _gid(ax, gid):
    found = [a for a in [*ax.collections, *ax.lines, *ax.texts] if a.get_gid() == gid]
    return found


def _one(ax, gid):
    found = _gid(ax, gid)
    assert len(found) == 1, f"{gid}: {len(found)} artists"
    return found[0]


def _legend(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


# ----------------------------------------------------------------------------------------------
# Diagrams
# ----------------------------------------------------------------------------------------------


def test_diagram_points_per_degree_infinity_line_and_limits():
    ax = plot_diagram(TYPICAL)
    _png(ax)
    for q, expected in ((0, [[0.0, 0.3], [0.0, 0.7]]), (1, [[0.4, 0.9]]), (2, [])):
        offsets = np.asarray(_one(ax, f"finite:{q}").get_offsets()).reshape(-1, 2)
        np.testing.assert_allclose(offsets, np.reshape(expected, (-1, 2)))
    inf_line = _one(ax, "infinity")
    level = inf_line.get_ydata()[0]
    assert level > 0.9  # above every finite value
    for q, births in ((0, [0.0]), (1, [0.5])):
        pts = np.asarray(_one(ax, f"infinite:{q}").get_offsets())
        np.testing.assert_allclose(pts, np.c_[births, [level]])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == r"$+\infty$" and ax.get_yticks()[-1] == pytest.approx(level)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    finite = TYPICAL[np.isfinite(TYPICAL[:, 1])]
    assert x0 < finite[:, 0].min() and x1 > finite[:, 0].max()
    assert y0 < finite[:, 1].min() and y1 > level
    assert _legend(ax) == [r"$H^{0}$ (3, 1 $\infty$)", r"$H^{1}$ (2, 1 $\infty$)",
                           r"$H^{2}$ (0)"]
    assert ax.get_xlabel() == "birth $t$" and ax.get_ylabel() == "death $t$"
    _one(ax, "diagonal")


def test_diagram_without_infinite_bars_has_no_infinity_line():
    ax = plot_diagram(TYPICAL[np.isfinite(TYPICAL[:, 1])])
    assert not _gid(ax, "infinity")
    assert r"$+\infty$" not in [t.get_text() for t in ax.get_yticklabels()]


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
@pytest.mark.parametrize("func", [plot_diagram, plot_barcode, plot_betti_curves])
def test_edge_cases_render(func, name):
    D = EDGE_CASES[name]
    ax = func(D)
    _png(ax)
    n_bars = int((D[:, 1] > D[:, 0]).sum()) if len(D) else 0
    assert bool(_gid(ax, "empty")) == (n_bars == 0)
    has_inf = bool(np.isinf(D[:, 1]).any()) if len(D) else False
    assert bool(_gid(ax, "infinity")) == (has_inf and func is not plot_betti_curves)


def test_diagram_only_infinite_bars_are_on_the_labelled_line():
    ax = plot_diagram(EDGE_CASES["only_infinite"])
    pts = np.asarray(_one(ax, "infinite:0").get_offsets())
    assert len(pts) == 2 and len(_one(ax, "finite:0").get_offsets()) == 0
    level = _one(ax, "infinity").get_ydata()[0]
    assert np.all(pts[:, 1] == level) and ax.get_ylim()[1] > level > 0


def test_diagram_inputs_collection_sample_and_bars_dict():
    coll = np.stack([TYPICAL, TYPICAL * [1, 2, 1]])
    ax = plot_diagram(coll, sample=1)
    np.testing.assert_allclose(_one(ax, "finite:1").get_offsets(), [[0.4, 1.8]])
    with pytest.raises(ValueError, match="sample="):
        plot_diagram(coll)
    with pytest.raises(ValueError, match="out of range"):
        plot_diagram(coll, sample=5)
    ax = plot_diagram({0: np.array([[0.0, 1.0], [0.0, INF]]), 1: np.empty((0, 2))})
    assert len(_one(ax, "finite:0").get_offsets()) == 1
    ax = plot_diagram(TYPICAL, degrees=[1])
    assert _legend(ax) == [r"$H^{1}$ (2, 1 $\infty$)"]
    ax = plot_diagram(TYPICAL, notation="homology")
    assert _legend(ax)[0].startswith("$H_{0}$")


def test_diagram_bad_inputs():
    with pytest.raises(ValueError, match=r"\(n_points, 3\)"):
        plot_diagram(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="death < birth"):
        plot_diagram(np.array([[1.0, 0.5, 0.0]]))
    with pytest.raises(ValueError, match="notation"):
        plot_diagram(TYPICAL, notation="sheaf")
    with pytest.raises(TypeError, match="integer degrees"):
        plot_diagram({"a": TYPICAL, 1: TYPICAL})


def test_several_diagrams_side_by_side_share_limits():
    axes = plot_diagram({"orientation": TYPICAL, "constant": EDGE_CASES["one_point"]})
    _png(axes)
    assert [a.get_title() for a in axes] == ["orientation", "constant"]
    assert axes[0].get_xlim() == axes[1].get_xlim()
    assert axes[0].figure is axes[1].figure and len(axes[0].figure.axes) == 2
    fig = Figure()
    mine = fig.subplots(1, 2)
    out = plot_diagram({"a": TYPICAL, "b": TYPICAL}, ax=mine)
    assert list(out) == list(mine)
    with pytest.raises(ValueError, match="2 diagrams need 2 axes"):
        plot_diagram({"a": TYPICAL, "b": TYPICAL}, ax=mine[0])


def test_given_axes_are_used():
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_diagram(TYPICAL, ax=ax) is ax
    assert plot_barcode(TYPICAL, ax=fig.add_subplot(2, 1, 2)).figure is fig


# ----------------------------------------------------------------------------------------------
# Barcodes and Betti curves
# ----------------------------------------------------------------------------------------------


def test_barcode_segments_per_degree_and_infinite_bars_reach_the_line():
    ax = plot_barcode(TYPICAL)
    _png(ax)
    level = _one(ax, "infinity").get_xdata()[0]
    for q, n in ((0, 3), (1, 2), (2, 0)):
        segs = _one(ax, f"bars:{q}").get_segments()
        assert len(segs) == n
        ends = sorted(s[1, 0] for s in segs)
        finite = sorted(TYPICAL[(TYPICAL[:, 2] == q) & np.isfinite(TYPICAL[:, 1])
                                & (TYPICAL[:, 1] > 0), 1])
        assert ends == pytest.approx(finite + [level] * (n - len(finite)))
    assert level > 0.9 and ax.get_xlim()[1] > level
    assert _one(ax, "infinity-label").get_text() == r"$+\infty$"
    assert _legend(ax) == [r"$H^{0}$ (3)", r"$H^{1}$ (2)", r"$H^{2}$ (0)"]


def test_betti_curves_count_alive_bars():
    ax = plot_betti_curves(TYPICAL)
    _png(ax)
    for q in (0, 1, 2):
        line = _one(ax, f"betti:{q}")
        t, beta = line.get_xdata(), line.get_ydata()
        bars = TYPICAL[(TYPICAL[:, 2] == q) & (TYPICAL[:, 1] > TYPICAL[:, 0])]
        for s, b in zip(t, beta, strict=True):
            assert b == int(((bars[:, 0] <= s) & (s < bars[:, 1])).sum())
    beta0 = _one(ax, "betti:0").get_ydata()
    assert beta0[0] == 3 and beta0[-1] == 1  # three components, then one forever
    assert ax.get_xlim()[1] > 0.9


# ----------------------------------------------------------------------------------------------
# Point clouds
# ----------------------------------------------------------------------------------------------


def test_point_cloud_continuous_values_get_a_colour_bar():
    X = make_circle(40, random_state=0)
    ax = plot_point_cloud(X, values=np.linspace(0, 1, 40), label="anomaly score")
    _png(ax)
    assert len(ax.figure.axes) == 2 and ax.figure.axes[1].get_ylabel() == "anomaly score"
    assert len(_one(ax, "points").get_offsets()) == 40


def test_point_cloud_signs_are_discrete_with_fixed_colours():
    X = make_circle(30, random_state=0)
    signs = np.where(X[:, 0] > 0, 1, -1)
    ax = plot_point_cloud(X, signs, categories={1: "+", -1: "−"}, label="sign")
    _png(ax)
    for s in (1, -1):
        coll = _one(ax, f"points:{s}")
        np.testing.assert_allclose(coll.get_offsets(), X[signs == s])
        assert tuple(coll.get_facecolor()[0]) == to_rgba(SIGN_COLORS[s])
    assert sorted(_legend(ax)) == sorted([f"+ ({(signs == 1).sum()})",
                                          f"− ({(signs == -1).sum()})"])
    assert len(ax.figure.axes) == 1  # no colour bar


def test_point_cloud_3d_nan_values_and_errors():
    X = make_cylinder(50, random_state=0)
    values = np.linspace(0, 1, 50)
    values[:5] = np.nan
    ax = plot_point_cloud(X, values, view=(20, 30))
    _png(ax)
    assert ax.name == "3d" and ax.get_zlabel() == "$x_3$"
    assert len(_one(ax, "missing")._offsets3d[0]) == 5
    with pytest.raises(ValueError, match="project"):
        plot_point_cloud(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="3-D axes"):
        plot_point_cloud(X, ax=Figure().add_subplot())
    with pytest.raises(ValueError, match="one entry per point"):
        plot_point_cloud(X, np.ones(3))


def test_point_cloud_single_point():
    _png(plot_point_cloud(np.array([[0.0, 1.0]])))
    _png(plot_point_cloud(np.array([[0.0, 1.0, 2.0]]), values=np.array([3.5])))


# ----------------------------------------------------------------------------------------------
# Sheaf sections
# ----------------------------------------------------------------------------------------------


def _representative_signs(X, scale, n_neighbors):
    """Signs of the infinite H^0 bar's cocycle, via the public API (PCA gauge)."""
    K = rips_complex(X, scale, 1)
    F = orientation_sheaf(X, K, frames=local_frames(X, n_neighbors=n_neighbors))
    bars, cocycles = representative_cocycles(F, degrees=(0,))
    (k,) = np.flatnonzero(np.isinf(bars[0][:, 1]))
    c = cocycles[0][k]
    vals = np.where(c.values[:, 0] > 65521 / 2, c.values[:, 0] - 65521, c.values[:, 0])
    signs = np.zeros(len(X))
    signs[c.simplices[:, 0]] = np.sign(vals)
    return signs


def _plotted_signs(ax):
    for key, s in (("+", 1), ("-", -1)):
        for coll in _gid(ax, f"section:{key}"):
            assert tuple(coll.get_facecolor()[0]) == to_rgba(SIGN_COLORS[s])
            pts = np.column_stack(coll._offsets3d) if hasattr(coll, "_offsets3d") else \
                coll.get_offsets()
            yield pts, s


def test_section_colours_match_the_representative_cocycle_on_the_cylinder():
    X = make_cylinder(250, random_state=1)
    ax = plot_sheaf_section(X, scale=0.4, gauge="pca", n_neighbors=12, max_arrows=None)
    _png(ax)
    expected = _representative_signs(X, 0.4, 12)
    assert np.all(expected != 0)  # a global section
    seen = np.zeros(len(X))
    for pts, s in _plotted_signs(ax):
        idx = [int(np.flatnonzero(np.all(X == p, axis=1))[0]) for p in pts]
        seen[idx] = s
    assert np.all(seen != 0)
    assert np.array_equal(seen, expected) or np.array_equal(seen, -expected)
    assert not _gid(ax, "conflict")
    # one arrow per point (Line3DCollection: shaft + two head strokes per arrow)
    assert len(_one(ax, "arrows").get_segments()) == 3 * len(X)
    assert ax.get_title().endswith(r"$\dim H^0 = 1$")


def test_outward_gauge_makes_the_cylinder_one_colour_with_outward_normals():
    X = make_cylinder(250, random_state=1)
    s = sheaf_section(X, scale=0.4, n_neighbors=12)
    assert s.h0 == 1 and np.all(s.signs == 1) and s.exact.all()
    normals = s.vectors[:, :, 0]
    radial = np.c_[X[:, :2], np.zeros(len(X))]
    assert np.all(np.einsum("ij,ij->i", normals, radial) > 0)


def test_mobius_conflict_edges_are_where_the_signs_disagree_with_the_sheaf():
    X = make_mobius_band(300, random_state=0)
    s = sheaf_section(X, scale=0.35, n_neighbors=15)
    ax = plot_sheaf_section(X, scale=0.35, n_neighbors=15, max_arrows=40)
    _png(ax)
    # H^0 = 0: no infinite bar of the orientation sheaf
    K = rips_complex(X, 0.35, 1)
    assert s.h0 == 0 and not s.exact.any()
    bars = sheaf_persistence(orientation_sheaf(X, K, n_neighbors=15), degrees=(0,))
    assert not np.isinf(bars[0][:, 1]).any()
    # the drawn signs and conflicts, checked against det O_ij computed here
    signs = np.zeros(len(X))
    for pts, sign in _plotted_signs(ax):
        idx = [int(np.flatnonzero(np.all(X == p, axis=1))[0]) for p in pts]
        signs[idx] = sign
    np.testing.assert_array_equal(signs, s.signs)
    # the signs are relative to the frames the section reports (the outward gauge: PCA frames
    # with the last column's sign flipped where the normal pointed inwards)
    pca = local_frames(X, n_neighbors=15)
    flips = np.einsum("nD,nD->n", s.frames[:, :, -1], pca.frames[:, :, -1])
    assert np.allclose(np.abs(flips), 1) and np.allclose(s.frames[:, :, 0], pca.frames[:, :, 0])
    O, _ = edge_alignments(X, K, frames=replace(pca, frames=s.frames))
    sigma = np.sign(np.linalg.det(O))
    E = K.simplices[1]
    conflict = signs[E[:, 0]] * signs[E[:, 1]] * sigma < 0
    segs = _one(ax, "conflict").get_segments()
    assert conflict.sum() == len(segs) == s.conflict.sum() > 0
    # a seam, not scattered noise: few conflicts compared with the edges
    assert conflict.mean() < 0.05
    assert "edges in conflict" in ax.get_title()
    assert len(_one(ax, "arrows").get_segments()) == 3 * 40


def test_tangent_sections_on_a_flat_sheet_are_parallel_arrows():
    g = np.stack(np.meshgrid(np.linspace(0, 1, 10), np.linspace(0, 1, 10)), -1).reshape(-1, 2)
    X = g + np.random.default_rng(0).normal(0, 0.005, g.shape)
    s = sheaf_section(X, sheaf="tangent", scale=0.25, n_neighbors=8, n_sections=2)
    assert s.h0 == 2 and np.allclose(s.eigenvalues, 0)
    v = s.vectors[:, :, 0]
    assert np.linalg.norm(v.mean(axis=0)) == pytest.approx(np.linalg.norm(v, axis=1).mean(),
                                                           rel=1e-6)
    ax = plot_sheaf_section(X, sheaf="tangent", scale=0.25, n_neighbors=8, n_sections=2,
                            max_arrows=None)
    _png(ax)
    for k in range(2):
        assert _one(ax, f"arrows:{k}").N == len(X)
    assert len(_legend(ax)) == 2


def test_ambient_gauge_on_a_planar_region_gives_one_sign():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 2))
    s = sheaf_section(X, scale=0.3, n_neighbors=10)
    assert s.h0 == 1 and np.all(s.signs == 1) and np.all(np.linalg.det(s.frames) > 0)
    ax = plot_sheaf_section(X, scale=0.3, n_neighbors=10)
    _png(ax)
    assert len(_one(ax, "section:+").get_offsets()) == 200 and not _gid(ax, "arrows")
    with pytest.raises(ValueError, match="full-dimensional"):
        sheaf_section(make_cylinder(60, random_state=0), gauge="ambient", n_neighbors=8)


def test_sheaf_section_2d_circle_and_errors():
    t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    X = np.c_[np.cos(t), np.sin(t)]
    ax = plot_sheaf_section(X, n_neighbors=5, scale=0.3, max_arrows=None, show_edges=True)
    _png(ax)
    assert len(_one(ax, "section:+").get_offsets()) == 60
    q = _one(ax, "arrows")
    assert q.N == 60
    # oriented tangents all turn the same way around the circle
    turn = np.sign(X[:, 0] * q.V - X[:, 1] * q.U)
    assert abs(turn.sum()) == 60
    assert len(_one(ax, "edges").get_segments()) == len(rips_complex(X, 0.3, 1).simplices[1])
    with pytest.raises(ValueError, match="sheaf must be"):
        sheaf_section(X, sheaf="constant")
    with pytest.raises(ValueError, match="gauge"):
        sheaf_section(X, gauge="inward", n_neighbors=5)
    with pytest.raises(ValueError, match="hypersurface"):
        sheaf_section(make_circle(30, random_state=0) @ np.eye(2, 3), gauge="outward",
                      n_neighbors=5, dim=1)


# ----------------------------------------------------------------------------------------------
# Spectra
# ----------------------------------------------------------------------------------------------


def test_spectrum_lines_and_zeros():
    spec = np.array([[0.0, 0.0, 2.0], [0.0, 1.0, 3.0], [0.0, 1.5, np.nan]])
    ax = plot_spectrum(spec, scales=[0.1, 0.2, 0.3], degree=1)
    _png(ax)
    assert [line.get_gid() for line in ax.get_lines()] == [f"eigenvalue:{j}" for j in range(3)]
    assert len(_one(ax, "zeros").get_offsets()) == 4
    assert ax.get_ylabel() == "eigenvalues of $L^{1}(K_t; F)$"


def test_spectrum_edge_cases():
    ax = plot_spectrum(np.full((2, 3), np.nan))
    _png(ax)
    assert _gid(ax, "empty") and not ax.get_lines()
    _png(plot_spectrum(np.array([0.0, 1.0]), yscale="symlog"))
    with pytest.raises(ValueError, match="one value per row"):
        plot_spectrum(np.zeros((2, 2)), scales=[1.0])
    with pytest.raises(ValueError, match="yscale"):
        plot_spectrum(np.zeros((2, 2)), yscale="log2")


# ----------------------------------------------------------------------------------------------
# Displays (and the estimators' deprecated plot() methods)
# ----------------------------------------------------------------------------------------------


def test_diagram_display_from_estimator_draws_the_transform_of_one_sample():
    clouds = [make_cylinder(150, random_state=0), make_mobius_band(150, random_state=0)]
    est = SheafPersistence(max_edge_length=0.6, degrees=(0,)).fit(clouds)
    D = est.transform(clouds)
    for i in (0, 1):
        display = DiagramDisplay.from_estimator(est, clouds, sample=i)
        ax = display.ax_
        assert display.figure_ is ax.figure
        _png(ax)
        np.testing.assert_array_equal(display.diagram, D[i])
        n_inf = int(np.isinf(D[i][:, 1]).sum())
        inf = _gid(ax, "infinite:0")
        assert (len(inf[0].get_offsets()) if inf else 0) == n_inf
        assert ax.get_title() == f"orientation sheaf, sample {i}"
        assert _legend(ax)[0].startswith("$H^{0}$")
    with pytest.raises(ValueError, match="sample=5"):
        DiagramDisplay.from_estimator(est, clouds, sample=5)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DiagramDisplay.from_estimator(SheafPersistence(), clouds)


@pytest.mark.parametrize("cls", [RipsPersistence, AlphaPersistence])
def test_classical_diagram_display_uses_homology_notation(cls):
    X = [make_circle(30, random_state=0)]
    ax = DiagramDisplay.from_estimator(cls().fit(X), X, title="circle").ax_
    _png(ax)
    assert ax.get_title() == "circle" and _legend(ax)[0].startswith("$H_{0}$")
    assert len(_one(ax, "finite:1").get_offsets()) + len(_gid(ax, "infinite:1")) >= 1


def test_diagram_display_kinds_and_from_diagrams():
    D = np.array([[[0.0, 1.0, 0.0], [0.0, np.inf, 0.0], [0.5, 0.8, 1.0]]])
    display = DiagramDisplay.from_diagrams(D, kind="barcode")
    assert [c.get_gid() for c in display.ax_.collections if c.get_gid().startswith("bars:")] \
        == ["bars:0", "bars:1"]
    curves = DiagramDisplay.from_diagrams(D[0], kind="betti_curves", notation="homology")
    assert curves.ax_.get_lines()[0].get_ydata().tolist() == [2, 1, 1]
    # plot() again on given axes: the same data, drawn where asked
    fig = Figure()
    ax = fig.add_subplot()
    assert display.plot(ax=ax).ax_ is ax and display.figure_ is fig
    with pytest.raises(ValueError, match="kind"):
        DiagramDisplay(D[0], kind="landscape").plot()
    with pytest.raises(TypeError, match="does not return diagrams"):
        X = [make_circle(30, random_state=0)]
        DiagramDisplay.from_estimator(SheafLaplacianSpectrum(n_scales=2).fit(X), X)


def test_spectrum_display():
    X = [make_circle(30, random_state=0)]
    est = SheafLaplacianSpectrum(n_eigenvalues=3, n_scales=4).fit(X)
    display = SpectrumDisplay.from_estimator(est, X)
    ax = display.ax_
    _png(ax)
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), est.scales_)
    assert len(ax.get_lines()) == 3 and display.figure_ is ax.figure
    np.testing.assert_allclose(display.spectrum.ravel(), est.transform(X)[0][:12])
    assert ax.get_title() == f"{est.sheaf} sheaf Laplacian, sample 0"
    again = SpectrumDisplay.from_spectrum(display.spectrum, est.scales_, degree=0)
    np.testing.assert_allclose(again.ax_.get_lines()[1].get_ydata(), display.spectrum[:, 1])


def test_estimator_plot_methods_are_deprecated_and_draw_the_display():
    X = [make_circle(30, random_state=0)]
    est = RipsPersistence().fit(X)
    with pytest.warns(FutureWarning, match="DiagramDisplay.from_estimator"):
        ax = est.plot(X, title="circle")
    assert ax.get_title() == "circle" and _legend(ax)[0].startswith("$H_{0}$")
    spec = SheafLaplacianSpectrum(n_eigenvalues=3, n_scales=4).fit(X)
    with pytest.warns(FutureWarning, match="SpectrumDisplay.from_estimator"):
        ax = spec.plot(X)
    assert len(ax.get_lines()) == 3


def test_estimators_do_not_import_plotting():
    """The layer contract without a detour: no importlib in the estimators."""
    from pathlib import Path

    import tdasheaf.estimators

    folder = Path(tdasheaf.estimators.__file__).parent
    for path in folder.glob("*.py"):
        assert "importlib" not in path.read_text(encoding="utf-8"), path.name


# ----------------------------------------------------------------------------------------------
# Imports and the docs figures
# ----------------------------------------------------------------------------------------------


def test_no_pyplot_and_no_matplotlib_at_import_tdasheaf():
    code = (
        "import sys, tdasheaf; a = 'matplotlib' in sys.modules; "
        "import tdasheaf.plotting, tdasheaf.report; "
        "print(a, 'matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_make_figures_is_deterministic_and_small(tmp_path):
    from tdasheaf_pipelines.make_figures import FIGURES, main

    assert main(["--output-dir", str(tmp_path), "--only", "mobius_vs_cylinder"]) == 0
    full = (tmp_path / "mobius_vs_cylinder.png").read_bytes()
    assert full[:8] == b"\x89PNG\r\n\x1a\n" and len(full) < 300 * 1024
    assert [p.name for p in tmp_path.iterdir()] == ["mobius_vs_cylinder.png"]  # no temp files
    # byte-identical when rebuilt from scratch (at a low resolution, to stay fast)
    a = save_figure(FIGURES["orientation_diagrams"](), tmp_path / "a.png", dpi=30).read_bytes()
    b = save_figure(FIGURES["orientation_diagrams"](), tmp_path / "b.png", dpi=30).read_bytes()
    assert a == b


def test_save_figure_palette_atomic_and_validated(tmp_path):
    from PIL import Image

    X = np.random.default_rng(0).normal(size=(300, 2))
    ax = plot_point_cloud(X, X[:, 0], title="gradient")
    out = save_figure(ax, tmp_path / "sub" / "a.png", dpi=40, colors=16)
    assert out == tmp_path / "sub" / "a.png"
    image = Image.open(out)
    assert image.mode == "P" and len(image.getcolors()) <= 16
    assert "Software" not in image.info
    assert [p.name for p in out.parent.iterdir()] == ["a.png"]  # no temporary file left
    for bad in (1, 257, 2.5, True, "128"):
        with pytest.raises(ValueError, match="colors"):
            save_figure(ax, tmp_path / "b.png", colors=bad)
    with pytest.raises(TypeError, match="Figure or Axes"):
        save_figure(X, tmp_path / "b.png")
    assert not (tmp_path / "b.png").exists()
