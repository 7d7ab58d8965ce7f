"""Tables of ``pipelines/learning_dynamics.py``: the k-NN Betti numbers of the final networks per
layer, their decay summaries, the printed decay table and the per-epoch totals.

Input: the table of k-NN Betti numbers of the activation clouds, one row per cloud with the
columns ``dataset, activation, seed, epoch, layer, label`` and ``knn_H{q}_betti_{measure}``
(:func:`tdasheaf.learning.knn_graph_betti`); the input layer has ``activation == "input"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES = {
    "hop1to2": "persistent Betti numbers rank H(K_1) → H(K_2) (hop scales 1 → 2)",
    "hop1": "Betti numbers at hop scale 1 (the paper's fixed scale)",
}


def betti_columns(table: pd.DataFrame, measure: str = "hop1") -> list[str]:
    cols = [f"knn_H{q}_betti_{measure}" for q in (0, 1, 2)]
    return [c for c in cols if c in table and table[c].notna().any()]


def final_betti(topo: pd.DataFrame, training: pd.DataFrame) -> pd.DataFrame:
    """Per run, layer and class: the k-NN Betti numbers of the final (trained) network."""
    cols = [c for c in topo if c.startswith("knn_H")]
    inputs = topo[topo["activation"] == "input"]
    rows = []
    for run in training.itertuples():
        mine = topo[
            (topo["dataset"] == run.dataset)
            & (topo["activation"] == run.activation)
            & (topo["seed"] == run.seed)
            & (topo["epoch"] == run.epochs)
        ]
        base = inputs[inputs["dataset"] == run.dataset]
        both = pd.concat([base, mine]).assign(
            activation=run.activation,
            seed=run.seed,
            epoch=run.epochs,
            well_trained=run.well_trained,
        )
        rows.append(
            both[["dataset", "activation", "seed", "layer", "label", "well_trained", *cols]]
        )
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["dataset", "label", "activation", "seed", "layer"], ignore_index=True)


def decay_summary(final: pd.DataFrame, depth: int, measure: str):
    """Mean Betti numbers per layer over the well-trained seeds, and per-run decay summaries.

    Per run and class, with ``excess(l) = Σ_q β_q(l) − 1`` (0 exactly for a connected acyclic
    cloud): ``area`` is the mean over the hidden layers of ``excess(l) / excess(input)`` (1: no
    simplification, 0: simple from the first hidden layer on); ``simple_from`` the first layer
    from which every later hidden layer has excess 0 (``depth + 1``: only the output layer);
    ``connected_from`` the same for ``β0 = 1``.
    """
    cols = betti_columns(final, measure)
    raw = final[final["well_trained"]]
    good = raw.copy()
    good[cols] = good[cols].fillna(0.0)  # degrees not computed for a dataset (H2 of D-I, D-II)
    per_run = []
    for (ds, label, act, seed), g in good.groupby(["dataset", "label", "activation", "seed"]):
        g = g.sort_values("layer")
        excess = g[cols].sum(axis=1).to_numpy() - 1.0
        b0 = g[cols[0]].to_numpy()
        hidden = excess[1 : depth + 1]

        def first_from(ok):
            bad = np.flatnonzero(~ok[: depth + 1])
            return int(bad[-1] + 1) if len(bad) else 0

        per_run.append(
            {
                "measure": measure,
                "dataset": ds,
                "label": label,
                "activation": act,
                "seed": seed,
                "area": float(np.mean(hidden) / excess[0]) if excess[0] > 0 else np.nan,
                "simple_from": first_from(excess == 0),
                "connected_from": first_from(b0 == 1),
            }
        )
    runs = pd.DataFrame(per_run)
    keys = ["dataset", "label", "activation"]
    means = raw.groupby([*keys, "layer"])[cols].mean().reset_index()
    means.columns = [*keys, "layer", *[f"b{c[5]}" for c in cols]]
    agg = (
        runs.groupby(keys)
        .agg(
            n_seeds=("seed", "nunique"),
            area_mean=("area", "mean"),
            area_std=("area", "std"),
            simple_from=("simple_from", "mean"),
            connected_from=("connected_from", "mean"),
        )
        .reset_index()
    )
    return means.merge(agg, on=keys).assign(measure=measure), runs


def format_number(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.1f}"


def _paired(runs: pd.DataFrame, ds, label) -> str:
    r = runs[(runs["dataset"] == ds) & (runs["label"] == label)]
    r = r.pivot(index="seed", columns="activation", values="area").dropna()
    if not {"relu", "tanh"} <= set(r.columns) or r.empty:
        return ""
    return f"   ReLU area < tanh area in {int((r['relu'] < r['tanh']).sum())}/{len(r)} paired seeds"


def format_decay_table(summary: pd.DataFrame, runs: pd.DataFrame, truth: dict, k: int) -> str:
    """The Betti-number decay table: per dataset and class, one line per activation."""
    lines = []
    for (ds, label), g in summary.groupby(["dataset", "label"], sort=True):
        cols = [c for c in ("b0", "b1", "b2") if c in g and g[c].notna().any()]
        layers = sorted(g["layer"].unique())
        head = ["in"] + [f"L{ell}" for ell in layers[1:-1]] + ["out"]
        cells = {
            act: [
                "/".join(format_number(v) for v in row)
                for row in ga.sort_values("layer")[cols].to_numpy()
            ]
            for act, ga in g.groupby("activation", sort=False)
        }
        w = max(6, *(len(c) + 2 for row in cells.values() for c in row))
        lines.append(
            f"{ds} class {label}  (true β = {truth[ds][label]}, k = {k}; entries "
            + "/".join(f"β{c[1]}" for c in cols)
            + ")"
            + _paired(runs, ds, label)
        )
        lines.append(
            "  "
            + f"{'':6s}"
            + "".join(f"{h:>{w}s}" for h in head)
            + "   area ± sd   simple from  seeds"
        )
        for act, row in cells.items():
            f = g[g["activation"] == act].iloc[0]
            sd = 0.0 if np.isnan(f["area_std"]) else f["area_std"]
            lines.append(
                "  "
                + f"{act:6s}"
                + "".join(f"{c:>{w}s}" for c in row)
                + f"   {f['area_mean']:.2f} ± {sd:.2f}   {f['simple_from']:5.1f}"
                + f"        {int(f['n_seeds'])}"
            )
        lines.append("")
    return "\n".join(lines)


def epoch_table(topo: pd.DataFrame, cfg) -> pd.DataFrame:
    """First seed: Σ over classes and degrees of the persistent (hop 1 → 2) Betti numbers."""
    cols = betti_columns(topo, "hop1to2")
    first = cfg.seeds[0]
    t = topo[(topo["seed"] == first) & (topo["activation"] != "input")].copy()
    t["betti_total"] = t[cols].fillna(0.0).sum(axis=1)
    per = t.groupby(["dataset", "activation", "epoch", "layer"])["betti_total"].sum().reset_index()
    inputs = topo[topo["activation"] == "input"].copy()
    inputs["betti_total"] = inputs[cols].fillna(0.0).sum(axis=1)
    rows = [per]
    for (ds, act, epoch), _ in per.groupby(["dataset", "activation", "epoch"]):
        total = inputs.loc[inputs["dataset"] == ds, "betti_total"].sum()
        rows.append(
            pd.DataFrame(
                [
                    {
                        "dataset": ds,
                        "activation": act,
                        "epoch": epoch,
                        "layer": 0,
                        "betti_total": total,
                    }
                ]
            )
        )
    return pd.concat(rows).sort_values(
        ["dataset", "activation", "epoch", "layer"], ignore_index=True
    )
