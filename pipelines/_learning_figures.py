"""Figures of ``pipelines/learning_dynamics.py``: the ``learning_*.png`` files of its output folder
(and of ``--figures-dir``, e.g. ``docs/figures``)."""

from __future__ import annotations

import shutil

import numpy as np

try:
    from tdasheaf_pipelines._learning_tables import betti_columns, format_number
except ImportError:  # pragma: no cover - run as a script from a checkout that is not installed
    from _learning_tables import betti_columns, format_number

_ACT_STYLE = {"relu": dict(color="tab:blue", ls="-"), "tanh": dict(color="tab:orange", ls="--")}
_DEG_COLOR = {0: "tab:blue", 1: "tab:red", 2: "tab:green"}


def _layer_ticks(ax, depth: int) -> None:
    ax.set_xticks(range(depth + 2))
    ax.set_xticklabels(["in"] + [str(i) for i in range(1, depth + 1)] + ["out"], fontsize=7)
    ax.set_xlabel("layer")


def make_figures(cfg, data, final, epochs, sheaf, traj, diagrams, projections, runs, dirs):
    """Write the ``learning_*.png`` figures into every folder of ``dirs``; return their names.

    PNGs through :func:`tdasheaf.plotting.save_figure` (128 colours, no metadata, atomic).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tdasheaf.io import atomic_path
    from tdasheaf.plotting import plot_diagram, plot_point_cloud, save_figure

    figs = {}
    nd = len(cfg.datasets)

    # the data
    fig = plt.figure(figsize=(4.2 * nd, 4))
    for i, ds in enumerate(cfg.datasets):
        X, y = data[ds]
        ax = fig.add_subplot(1, nd, i + 1, projection="3d" if X.shape[1] == 3 else None)
        plot_point_cloud(
            X, y, ax=ax, discrete=True, categories={0: "class 0", 1: "class 1"}, size=3, title=ds
        )
    figs["learning_data.png"] = fig

    # Betti numbers per layer, final networks: persistent (hop 1 → 2) per class, and the
    # fixed-scale hop-1 β1 beside it (what persistence removes)
    good = final[final["well_trained"]]
    cols = betti_columns(final, "hop1to2")
    fig, axes = plt.subplots(nd, 3, figsize=(13, 2.8 * nd), squeeze=False)
    for i, ds in enumerate(cfg.datasets):
        for label in (0, 1):
            ax = axes[i, label]
            g = good[(good["dataset"] == ds) & (good["label"] == label)]
            for c in cols:
                q = int(c[5])
                if not g[c].notna().any():
                    continue
                for act in cfg.activations:
                    ga = g[g["activation"] == act].groupby("layer")[c]
                    if not len(ga):
                        continue
                    mean, lo, hi = ga.mean(), ga.min(), ga.max()
                    st = _ACT_STYLE.get(act, {})
                    ax.plot(
                        mean.index,
                        mean.values,
                        color=_DEG_COLOR[q],
                        ls=st.get("ls", "-"),
                        marker="o",
                        ms=3,
                        label=f"β{q} {act}",
                    )
                    ax.fill_between(
                        mean.index, lo.values, hi.values, color=_DEG_COLOR[q], alpha=0.12
                    )
            ax.set_title(f"{ds}, class {label}: persistent β (hop 1→2)", fontsize=9)
            ax.set_ylabel("Betti number", fontsize=8)
            _layer_ticks(ax, cfg.depth)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=6, ncol=2)
        ax = axes[i, 2]
        g = good[good["dataset"] == ds]
        for measure, ls in (("hop1", ":"), ("hop1to2", "-")):
            col = f"knn_H1_betti_{measure}"
            for act in cfg.activations:
                mean = g[g["activation"] == act].groupby(["seed", "layer"])[col].sum()
                mean = mean.groupby("layer").mean()
                ax.plot(
                    mean.index,
                    mean.values,
                    ls=ls,
                    marker="o",
                    ms=3,
                    color=_ACT_STYLE.get(act, {}).get("color"),
                    label=f"{act}, {'hop 1' if measure == 'hop1' else 'persistent 1→2'}",
                )
        ax.set_title(f"{ds}: β1 (both classes), fixed scale vs persistent", fontsize=9)
        _layer_ticks(ax, cfg.depth)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
    fig.tight_layout()
    figs["learning_betti_layers.png"] = fig

    # Betti numbers per layer and epoch (first seed)
    fig, axes = plt.subplots(
        nd, len(cfg.activations), figsize=(4.5 * len(cfg.activations), 2.6 * nd), squeeze=False
    )
    for i, ds in enumerate(cfg.datasets):
        e = epochs[epochs["dataset"] == ds]
        vmax = max(float(e["betti_total"].max()), 1.0) if len(e) else 1.0
        for j, act in enumerate(cfg.activations):
            ax = axes[i, j]
            M = e[e["activation"] == act].pivot(
                index="epoch", columns="layer", values="betti_total"
            )
            if M.empty:
                ax.set_axis_off()
                continue
            ax.imshow(M.to_numpy(), aspect="auto", cmap="magma_r", vmin=0, vmax=vmax)
            for (r, c), v in np.ndenumerate(M.to_numpy()):
                ax.text(
                    c,
                    r,
                    format_number(v),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if v > 0.6 * vmax else "black",
                )
            ax.set_yticks(range(len(M.index)))
            ax.set_yticklabels([str(v) for v in M.index], fontsize=7)
            ax.set_ylabel("epoch")
            _layer_ticks(ax, cfg.depth)
            ax.set_title(f"{ds}, {act}: Σ persistent β (both classes)", fontsize=8)
    fig.tight_layout()
    figs["learning_betti_epochs.png"] = fig

    # sheaf invariants per layer
    if sheaf is not None and len(sheaf):
        sheaf = sheaf.assign(local_evr12=sheaf["local_evr1"] + sheaf["local_evr2"])
        metrics = [
            ("local_evr12", "variance in 2 PCA axes"),
            ("holonomy_median_abs_angle", "median |θ| (rad)"),
            ("holonomy_flat_fraction", "flat triangles |θ|<0.01"),
            ("holonomy_area_weighted_t00", "Σθ / Σarea (1/r²)"),
            ("tangent_L0_t01_ev0", "tangent L⁰ λ_min / degree"),
            ("holonomy_frac_reflection_t00", "det H = −1 triangles"),
            ("constant_H1_total_persistence", "H¹ total persistence (r)"),
        ]
        metrics = [m for m in metrics if m[0] in sheaf]
        fig, axes = plt.subplots(
            len(metrics), nd, figsize=(3.6 * nd, 2.0 * len(metrics)), squeeze=False
        )
        for j, ds in enumerate(cfg.datasets):
            g = sheaf[sheaf["dataset"] == ds]
            for i, (col, name) in enumerate(metrics):
                ax = axes[i, j]
                for act in cfg.activations:
                    for label, marker in ((0, "o"), (1, "s")):
                        ga = g[(g["activation"] == act) & (g["label"] == label)]
                        s = ga.groupby("layer")[col].mean()
                        st = _ACT_STYLE.get(act, {})
                        ax.plot(
                            s.index,
                            s.values,
                            marker=marker,
                            ms=3,
                            lw=1,
                            label=f"{act} c{label}",
                            **st,
                        )
                ax.set_ylabel(name, fontsize=7)
                _layer_ticks(ax, cfg.depth)
                if i == 0:
                    ax.set_title(ds, fontsize=9)
                    ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        figs["learning_sheaf_layers.png"] = fig

    # parameter trajectories and their persistence
    fig = plt.figure(figsize=(3.8 * nd, 10))
    for j, ds in enumerate(cfg.datasets):
        ax = fig.add_subplot(3, nd, j + 1)
        for run, Y in zip(runs, projections, strict=True):
            if run.dataset == ds and Y.shape[1] > 1:
                st = _ACT_STYLE.get(run.activation, {})
                ax.plot(
                    Y[:, 0],
                    Y[:, 1],
                    lw=1,
                    alpha=0.8,
                    color=st.get("color"),
                    ls=st.get("ls", "-"),
                    label=f"{run.activation} s{run.seed}",
                )
                ax.plot(Y[-1, 0], Y[-1, 1], "k.", ms=4)
        ax.set_title(f"{ds}: parameter trajectory (PCA)", fontsize=9)
        ax.legend(fontsize=6)
        for i, act in enumerate(cfg.activations[:2]):
            ax = fig.add_subplot(3, nd, (i + 1) * nd + j + 1)
            idx = [k for k, r in enumerate(runs) if r.dataset == ds and r.activation == act]
            if idx:
                r = runs[idx[0]]
                plot_diagram(
                    diagrams[idx[0]],
                    ax=ax,
                    notation="homology",
                    title=f"{ds} {act} s{r.seed}: trajectory Rips",
                )
    fig.tight_layout()
    figs["learning_trajectory.png"] = fig

    first, *others = dirs
    for name, f in figs.items():
        save_figure(f, first / name, dpi=110)  # 128 colours: a fraction of the RGBA size
        plt.close(f)
        for d in others:  # the same bytes, not a second rendering
            with atomic_path(d / name) as tmp:
                shutil.copyfile(first / name, tmp)
    return sorted(figs)
