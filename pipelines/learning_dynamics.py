"""Learning dynamics: how a trained network simplifies the topology of its data, layer by layer.

A reproduction, with tdasheaf, of Naitzat, Zhitnikov & Lim, "Topology of deep neural networks",
JMLR 21(184), 2020: for a well-trained network the Betti numbers of each class's activation
cloud fall layer by layer, faster with ReLU than with tanh. Plus what the tangent sheaf of the
activation clouds shows beyond Betti numbers, and the persistence of the training trajectory.

Usage::

    python pipelines/learning_dynamics.py                       # defaults, < 10 min on 2 cores
    python pipelines/learning_dynamics.py --quick -o /tmp/ld    # seconds: the smoke test
    python pipelines/learning_dynamics.py --figures-dir docs/figures   # canonical figures

What it does (docs/learning_dynamics.md has the mathematics):

1. Generates the three kinds of entangled two-class data of the paper (our own generators,
   written from its description and its public code): **D-I** disks in a square with holes
   (R^2), **D-II** Hopf-linked pairs of solid rings (R^3), **D-III** nested spheres (R^3).
2. Trains scikit-learn ``MLPClassifier`` networks (``--depth`` hidden layers of ``--width``
   units, ReLU and tanh, ``--seeds``) epoch by epoch with :func:`tdasheaf.learning.record_training`
   until the training accuracy is 1 and the loss small ("well trained"), recording the
   parameter trajectory and, for the first seed, the activations at several epochs.
3. Splits the activations of every layer into one point cloud per class and computes, through
   :func:`tdasheaf.batch.extract_features`: the Betti numbers of the clique complex of the
   k-nearest-neighbour graph (hop scale 1, and 2 for D-I/D-II; the paper's fixed-scale
   complex, :func:`tdasheaf.learning.knn_graph_betti`, with k calibrated so that the *input*
   clouds have their true Betti numbers) and, for the hidden layers of the final networks,
   :class:`tdasheaf.SheafFeatures` (constant and orientation barcodes, tangent spectra,
   holonomy curvature) and local-PCA dimension summaries.
4. Computes the Vietoris–Rips persistence of every parameter trajectory.
5. Writes ``features.parquet`` (one row per cloud), ``training.csv``, ``trajectories.csv``,
   ``betti_decay.csv`` and ``learning_*.png`` figures into ``--output``, and prints the
   Betti-number decay table (per layer, ReLU vs tanh).

Everything is deterministic given the seeds (tables are bit-identical between runs).
Exit status: 0 done, 2 bad arguments, 3 some activation clouds had no Betti numbers (listed;
failed sheaf features are listed but not fatal).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

DATASETS = ("D-I", "D-II", "D-III")
ACTIVATIONS = ("relu", "tanh")
#: Epochs (of the first seed) whose activations are analysed, besides the final one.
EPOCH_GRID = (1, 3, 10, 30, 100, 300)
#: Candidate k of the k-NN graph; the smallest that gives the input its true Betti numbers wins.
K_CANDIDATES = (6, 8, 10, 12, 15, 20, 25, 30)


# ----------------------------------------------------------------------------------------------
# Data: our generators of the three kinds of data of Naitzat, Zhitnikov & Lim (2020)
# ----------------------------------------------------------------------------------------------


def _split(n: int, parts: int) -> list[int]:
    return [n // parts + (i < n % parts) for i in range(parts)]


def _corners(m: int, spacing: float) -> np.ndarray:
    """Up to 9 well-separated centres in R^3: tetrahedron, the other 4 cube corners, centre."""
    corners = [(-1, -1, -1), (1, 1, -1), (1, -1, 1), (-1, 1, 1)]
    corners += [(1, -1, -1), (-1, 1, -1), (-1, -1, 1), (1, 1, 1), (0, 0, 0)]
    if not 1 <= m <= len(corners):
        raise ValueError(f"n_components must be between 1 and 9, got {m}.")
    return np.array(corners[:m], dtype=np.float64) * spacing / 2


def _grid(lo, hi, h: float, rng) -> np.ndarray:
    """A square grid of spacing ``h`` on ``[lo, hi]^2``, jittered by 10 % of ``h``."""
    t = np.arange(lo, hi + 1e-12, h)
    P = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
    return P + 0.1 * h * rng.normal(size=P.shape)


def make_disks(
    n_per_component: int,
    n_components: int = 4,
    *,
    radius: float = 1.0,
    margin: float = 0.5,
    random_state=None,
):
    """D-I (R^2): class 0 = ``n_components`` disks; class 1 = a square with a hole around each.

    As in the paper: one disk at the origin and the others on a circle of radius
    ``3.6 * radius``; class 1 is the square minus the disks enlarged by ``margin``. Points are
    on jittered square grids (the paper used a grid): about ``n_per_component`` per disk, and
    a coarser grid with about twice as many points in all for class 1.
    True Betti numbers: class 0 ``(m, 0)``, class 1 ``(1, m)``.
    """
    rng = np.random.default_rng(random_state)
    m = n_components
    ang = 2 * np.pi * np.arange(m - 1) / max(m - 1, 1)
    ring = 3.6 * radius * np.c_[np.cos(ang), np.sin(ang)]
    C = np.vstack([np.zeros((1, 2)), ring]) if m > 1 else np.zeros((1, 2))
    half = (3.6 * radius if m > 1 else 0.0) + 2.2 * radius

    def dist(P):
        return np.min(np.linalg.norm(P[:, None] - C[None], axis=2), axis=1)

    h_a = radius * np.sqrt(np.pi / n_per_component)
    A = _grid(-half, half, h_a, rng)
    A = A[dist(A) < radius]
    free = (2 * half) ** 2 - m * np.pi * (radius + margin) ** 2
    h_b = np.sqrt(free / (2 * m * n_per_component))
    B = _grid(-half, half, h_b, rng)
    B = B[dist(B) > radius + margin]
    return _labelled(A, B)


def make_linked_rings(
    n_per_component: int,
    n_components: int = 4,
    *,
    radius: float = 1.0,
    tube: float = 0.25,
    spacing: float = 4.0,
    random_state=None,
):
    """D-II (R^3): ``n_components`` Hopf-linked pairs of solid rings, one ring of each class.

    A pair: a ring of radius ``radius`` in the xy-plane and one in the xz-plane through its
    centre (so each passes through the other's hole); ``n_per_component`` points per ring at
    evenly spaced angles (as in the paper), offset uniformly in a ball of radius ``tube``
    around the core circle. Which class lies in which plane alternates between pairs, as in
    the paper. True Betti numbers: ``(m, m)`` per class.
    """
    rng = np.random.default_rng(random_state)
    n = n_per_component

    def ring(center, plane):
        t = 2 * np.pi * (np.arange(n) + rng.uniform()) / n
        u = rng.normal(size=(n, 3))
        u *= (tube * rng.uniform(size=(n, 1)) ** (1 / 3)) / np.linalg.norm(u, axis=1, keepdims=True)
        core = np.zeros((n, 3))
        core[:, 0], core[:, plane] = radius * np.cos(t), radius * np.sin(t)
        return center + core + u

    A, B = [], []
    for p, c in enumerate(_corners(n_components, spacing)):
        flat, upright = ring(c, 1), ring(c + [radius, 0.0, 0.0], 2)
        (A if p % 2 == 0 else B).append(flat)
        (B if p % 2 == 0 else A).append(upright)
    return _labelled(np.vstack(A), np.vstack(B))


def _fibonacci_sphere(n: int, rng) -> np.ndarray:
    """``n`` quasi-uniform points on the unit sphere (Fibonacci lattice), randomly rotated."""
    i = np.arange(n) + 0.5
    z = 1 - 2 * i / n
    r = np.sqrt(1 - z * z)
    phi = np.pi * (3 - np.sqrt(5)) * i
    P = np.c_[r * np.cos(phi), r * np.sin(phi), z]
    Q, R = np.linalg.qr(rng.normal(size=(3, 3)))
    return P @ (Q * np.sign(np.diag(R))).T


def make_nested_spheres(
    n_per_component: int,
    n_components: int = 2,
    *,
    radii=(0.5, 1.0, 1.6),
    noise: float = 0.01,
    spacing: float = 4.5,
    random_state=None,
):
    """D-III (R^3): ``n_components`` groups of three concentric spheres.

    Class 0 is the middle sphere of each group, class 1 the inner and the outer one (a sphere
    inside a sphere inside a sphere, as in the paper). The sphere of radius ``r`` has
    ``round(n_per_component * r / radii[1])`` points on a randomly rotated Fibonacci lattice
    (the paper's sampling), with radial Gaussian noise ``noise``. Points in proportion to the
    radius: with equal counts the outer sphere is so sparse that its k-NN graph reaches the
    inner one; equal densities would need 10x more points on the outer sphere.
    True Betti numbers: class 0 ``(m, 0, m)``, class 1 ``(2m, 0, 2m)``.
    """
    rng = np.random.default_rng(random_state)

    def sphere(r):
        n = int(round(n_per_component * r / radii[1]))
        return _fibonacci_sphere(n, rng) * (r + noise * rng.normal(size=(n, 1)))

    A, B = [], []
    for c in _corners(n_components, spacing):
        B.append(c + sphere(radii[0]))
        A.append(c + sphere(radii[1]))
        B.append(c + sphere(radii[2]))
    return _labelled(np.vstack(A), np.vstack(B))


def _labelled(A: np.ndarray, B: np.ndarray):
    X = np.vstack([A, B])
    y = np.r_[np.zeros(len(A), dtype=np.int64), np.ones(len(B), dtype=np.int64)]
    return X, y


def true_betti(dataset: str, m: int) -> dict[int, tuple[int, ...]]:
    """Betti numbers (β0, β1[, β2]) of each class of the generated data."""
    return {
        "D-I": {0: (m, 0), 1: (1, m)},
        "D-II": {0: (m, m), 1: (m, m)},
        "D-III": {0: (m, 0, m), 1: (2 * m, 0, 2 * m)},
    }[dataset]


def make_dataset(dataset: str, n_per_component: int, n_components: int, random_state):
    """``(X, y)`` of one kind, centred and scaled by one number (the geometry is kept)."""
    maker = {"D-I": make_disks, "D-II": make_linked_rings, "D-III": make_nested_spheres}[dataset]
    X, y = maker(n_per_component, n_components, random_state=random_state)
    X = X - X.mean(axis=0)
    return X / X.std(), y


# ----------------------------------------------------------------------------------------------
# Configuration
# ----------------------------------------------------------------------------------------------


@dataclass
class Config:
    datasets: tuple[str, ...] = DATASETS
    activations: tuple[str, ...] = ACTIVATIONS
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    depth: int = 6
    width: int = 25
    n_components: dict[str, int] = field(default_factory=lambda: {"D-I": 4, "D-II": 4, "D-III": 2})
    n_per_component: dict[str, int] = field(
        default_factory=lambda: {"D-I": 100, "D-II": 120, "D-III": 150}
    )
    max_epochs: int = 600
    learning_rate: float = 0.005
    batch_size: int = 128
    loss_tol: float = 0.02
    epoch_grid: tuple[int, ...] = EPOCH_GRID
    sheaf: bool = True
    sheaf_seeds: int = 2
    sheaf_neighbors: int = 15
    n_neighbors: int = 15
    n_jobs: int = 2
    data_seed: int = 0


QUICK = dict(
    datasets=("D-I", "D-II"),
    seeds=(0,),
    depth=3,
    width=16,
    n_components={"D-I": 2, "D-II": 2, "D-III": 1},
    n_per_component={"D-I": 80, "D-II": 60, "D-III": 100},
    max_epochs=300,
    learning_rate=0.01,
    epoch_grid=(1, 10),
    n_neighbors=10,
)


# ----------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------


@dataclass
class Run:
    dataset: str
    activation: str
    seed: int
    model: object
    trajectory: object
    activations: dict[int, list[np.ndarray]]
    info: dict


def train_network(X, y, X_test, y_test, dataset, activation, seed, cfg, snapshots):
    """Train one network epoch by epoch until it is well trained; keep its trajectory."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    from tdasheaf.learning import mlp_activations, record_training

    model = MLPClassifier(
        hidden_layer_sizes=(cfg.width,) * cfg.depth,
        activation=activation,
        solver="adam",
        alpha=1e-5,
        batch_size=cfg.batch_size,
        learning_rate_init=cfg.learning_rate,
        random_state=seed,
    )
    first_perfect: list[int] = []

    def well_trained(epoch, m):
        perfect = m.score(X, y) == 1.0
        if perfect and not first_perfect:
            first_perfect.append(epoch)
        return perfect and m.loss_ < cfg.loss_tol

    epochs = [e for e in cfg.epoch_grid if e <= cfg.max_epochs] if snapshots else []
    start = time.perf_counter()
    # one BLAS thread: the same bits on every machine and no oversubscription of small matmuls
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        tr = record_training(
            model,
            X,
            y,
            cfg.max_epochs,
            activation_epochs=epochs,
            callback=well_trained,
        )
        final = int(tr.epochs[-1])
        acts = {e: a for e, a in tr.activations.items() if e < final}
        acts[final] = mlp_activations(model, X)
        test_accuracy = float(model.score(X_test, y_test))
    info = {
        "dataset": dataset,
        "activation": activation,
        "seed": seed,
        "epochs": final,
        "first_perfect_epoch": first_perfect[0] if first_perfect else -1,
        "train_accuracy": float(tr.score[-1]),
        "test_accuracy": test_accuracy,
        "final_loss": float(tr.loss[-1]),
        "well_trained": bool(tr.score[-1] == 1.0),
        "train_seconds": time.perf_counter() - start,
    }
    return Run(dataset, activation, seed, model, tr, acts, info)


# ----------------------------------------------------------------------------------------------
# Features of the activation clouds, through the batch extractor
# ----------------------------------------------------------------------------------------------


def _cloud_id(dataset, activation, seed, epoch, layer, label) -> str:
    return f"{dataset}|{activation}|{seed}|{epoch}|{layer}|{label}"


def _parse_ids(table: pd.DataFrame) -> pd.DataFrame:
    parts = table["id"].str.split("|", expand=True)
    meta = pd.DataFrame(
        {
            "dataset": parts[0],
            "activation": parts[1],
            "seed": parts[2].astype(int),
            "epoch": parts[3].astype(int),
            "layer": parts[4].astype(int),
            "label": parts[5].astype(int),
        }
    )
    return pd.concat([table[["id"]], meta, table.drop(columns="id")], axis=1)


def activation_clouds(runs: list[Run], y) -> dict[str, np.ndarray]:
    """One cloud per (run, epoch, layer, class): duplicates removed; the input layer once."""
    from tdasheaf.learning import class_point_clouds

    clouds: dict[str, np.ndarray] = {}
    for run in runs:
        for epoch, acts in sorted(run.activations.items()):
            for label, per_layer in class_point_clouds(acts, y).items():
                for layer, C in enumerate(per_layer):
                    key = (
                        _cloud_id(run.dataset, "input", -1, 0, 0, label)
                        if layer == 0
                        else _cloud_id(run.dataset, run.activation, run.seed, epoch, layer, label)
                    )
                    clouds.setdefault(key, np.unique(C, axis=0))
    return clouds


def _frame_summary(clouds, n_neighbors: int = 15) -> np.ndarray:
    """Local PCA: estimated intrinsic dimension and mean explained-variance ratios (top 3)."""
    from tdasheaf.sheaves import local_frames

    rows = []
    for C in clouds:
        F = local_frames(C, n_neighbors=min(n_neighbors, len(C)))
        evr = np.zeros(3)
        k = min(3, F.explained_variance_ratio.shape[1])
        evr[:k] = F.explained_variance_ratio[:, :k].mean(axis=0)
        rows.append(np.r_[float(F.dim), evr])
    return np.array(rows).reshape(-1, 4)


def _frame_names(transformer, input_features=None) -> np.ndarray:
    return np.array(["local_dim", "local_evr1", "local_evr2", "local_evr3"], dtype=object)


def _holonomy_profile(clouds, n_neighbors: int = 15, scale: float = 1.25) -> np.ndarray:
    """Distribution of the holonomy angles |θ| of the tangent connection (dim 2) on the
    triangles of the Rips complex at ``scale`` × r (r: median distance to the
    ``n_neighbors``-th neighbour, as in SheafFeatures): the fraction of flat triangles
    (|θ| < 0.01), the median and the 90th percentile of |θ|."""
    from scipy.spatial import cKDTree

    from tdasheaf.complexes import rips_complex
    from tdasheaf.sheaves import curvature_estimates

    rows = []
    for C in clouds:
        d, _ = cKDTree(C).query(C, k=min(n_neighbors, len(C)))
        Cs = C / np.median(d[:, -1])
        est = curvature_estimates(Cs, rips_complex(Cs, scale, 2), n_neighbors, 2)
        theta = np.abs(est.angle[np.isfinite(est.angle)])
        if theta.size == 0:
            rows.append([np.nan] * 3)
            continue
        rows.append([np.mean(theta < 0.01), np.median(theta), np.quantile(theta, 0.9)])
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


def _holonomy_names(transformer, input_features=None) -> np.ndarray:
    return np.array(
        ["holonomy_flat_fraction", "holonomy_median_abs_angle", "holonomy_p90_abs_angle"],
        dtype=object,
    )


def topology_transformer(dataset: str, n_neighbors: int):
    """Betti numbers of the k-NN graph's Rips complex at hop scales 1 and 2, and 1 → 2."""
    from tdasheaf.learning import knn_graph_betti

    degrees = (0, 1, 2) if dataset == "D-III" else (0, 1)
    return knn_graph_betti(n_neighbors, scales=(1, 2), homology_dimensions=degrees, persistent=True)


def sheaf_transformer(n_neighbors: int = 15, *, holonomy: bool = False):
    """SheafFeatures: constant, orientation and tangent sheaves plus local-PCA summaries;
    or, with ``holonomy=True``, the holonomy curvature alone (for clouds of dimension >= 2)."""
    from sklearn.pipeline import FeatureUnion
    from sklearn.preprocessing import FunctionTransformer

    from tdasheaf import SheafFeatures

    common = dict(n_scales=4, n_spectral_scales=2, n_eigenvalues=3, n_neighbors=n_neighbors)
    if holonomy:
        profile = FunctionTransformer(
            _holonomy_profile,
            kw_args={"n_neighbors": n_neighbors},
            feature_names_out=_holonomy_names,
        )
        return FeatureUnion(
            [("sheaf", SheafFeatures(sheaves=("holonomy",), **common)), ("profile", profile)],
            verbose_feature_names_out=False,
        )
    sheaf = SheafFeatures(sheaves=("constant", "orientation", "tangent"), degrees=(0, 1), **common)
    frames = FunctionTransformer(
        _frame_summary, kw_args={"n_neighbors": n_neighbors}, feature_names_out=_frame_names
    )
    return FeatureUnion([("sheaf", sheaf), ("frames", frames)], verbose_feature_names_out=False)


def extract(clouds: dict[str, np.ndarray], transformer, n_jobs: int):
    """Run the batch extractor in memory; returns (table with parsed ids, errors)."""
    from tdasheaf.batch import extract_features

    result = extract_features(clouds, transformer, chunk_size=16, n_jobs=n_jobs, progress=False)
    table = result.table()
    return (_parse_ids(table) if len(table) else table), result.errors


# ----------------------------------------------------------------------------------------------
# Parameter trajectories
# ----------------------------------------------------------------------------------------------


def trajectory_table(runs: list[Run]):
    """Vietoris–Rips persistence of every parameter trajectory, in units of its path length."""
    from tdasheaf import RipsPersistence
    from tdasheaf.learning import project_trajectory

    # at most ~150 epochs per trajectory (every step-th, the last one kept)
    Ws = []
    for r in runs:
        P = r.trajectory.parameters
        step = -(-len(P) // 150)
        Ws.append(np.vstack([P[:-1:step], P[-1:]]) if step > 1 else P)
    # one call per trajectory: networks of different input dimensions have different lengths
    diagrams = [RipsPersistence(homology_dimensions=(0, 1)).fit_transform([W])[0] for W in Ws]
    rows, projections = [], []
    for run, W, D in zip(runs, Ws, diagrams, strict=True):
        steps = np.linalg.norm(np.diff(W, axis=0), axis=1)
        length = float(steps.sum()) or 1.0
        finite = D[np.isfinite(D[:, 1]) & (D[:, 1] > D[:, 0])]
        h0, h1 = finite[finite[:, 2] == 0], finite[finite[:, 2] == 1]
        n_comp = min(2, *W.shape)
        Y, ratio = project_trajectory(W, n_comp, return_explained_variance=True)
        projections.append(Y)
        rows.append(
            {
                "dataset": run.dataset,
                "activation": run.activation,
                "seed": run.seed,
                "n_records": len(W),
                "path_length": length,
                "straightness": float(np.linalg.norm(W[-1] - W[0])) / length,
                "H0_total_persistence": float((h0[:, 1] - h0[:, 0]).sum()) / length,
                "H1_n_bars": int(len(h1)),
                "H1_max_persistence": float((h1[:, 1] - h1[:, 0]).max()) / length
                if len(h1)
                else 0.0,
                "pca_ratio_1": float(ratio[0]),
                "pca_ratio_2": float(ratio[1]) if len(ratio) > 1 else 0.0,
            }
        )
    return pd.DataFrame(rows), diagrams, projections


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------


MEASURES = {
    "hop1to2": "persistent Betti numbers rank H(K_1) → H(K_2) (hop scales 1 → 2)",
    "hop1": "Betti numbers at hop scale 1 (the paper's fixed scale)",
}


def _betti_columns(table: pd.DataFrame, measure: str = "hop1") -> list[str]:
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
    cols = _betti_columns(final, measure)
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


def _fmt(v: float) -> str:
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
                "/".join(_fmt(v) for v in row) for row in ga.sort_values("layer")[cols].to_numpy()
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


def epoch_table(topo: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """First seed: Σ over classes and degrees of the persistent (hop 1 → 2) Betti numbers."""
    cols = _betti_columns(topo, "hop1to2")
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


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------

_ACT_STYLE = {"relu": dict(color="tab:blue", ls="-"), "tanh": dict(color="tab:orange", ls="--")}
_DEG_COLOR = {0: "tab:blue", 1: "tab:red", 2: "tab:green"}


def _layer_ticks(ax, depth: int) -> None:
    ax.set_xticks(range(depth + 2))
    ax.set_xticklabels(["in"] + [str(i) for i in range(1, depth + 1)] + ["out"], fontsize=7)
    ax.set_xlabel("layer")


def make_figures(cfg, data, final, epochs, sheaf, traj, diagrams, projections, runs, dirs):
    """Write the ``learning_*.png`` figures into every folder of ``dirs``; return their names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tdasheaf.plotting import plot_diagram, plot_point_cloud

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
    cols = _betti_columns(final, "hop1to2")
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
                    _fmt(v),
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

    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
        for name, f in figs.items():
            f.savefig(d / name, dpi=110, metadata={"Software": None})
    for f in figs.values():
        plt.close(f)
    return sorted(figs)


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("-o", "--output", default="learning_dynamics_out", help="output folder")
    p.add_argument("--quick", action="store_true", help="a small configuration (seconds)")
    p.add_argument("--datasets", nargs="+", choices=DATASETS)
    p.add_argument("--activations", nargs="+", choices=("relu", "tanh", "logistic", "identity"))
    p.add_argument("--seeds", nargs="+", type=int, help="network seeds (default 0 1 2)")
    p.add_argument("--depth", type=int, help="hidden layers (default 8)")
    p.add_argument("--width", type=int, help="units per hidden layer (default 25)")
    p.add_argument("--max-epochs", type=int, help="default 400")
    p.add_argument("--learning-rate", type=float, help="Adam step (default 0.01)")
    p.add_argument("--n-neighbors", type=int, help="k of the k-NN graph (default 15)")
    p.add_argument("--no-sheaf", action="store_true", help="skip the sheaf features")
    p.add_argument("--sheaf-seeds", type=int, help="seeds with sheaf features (default 2)")
    p.add_argument("--n-jobs", type=int, help="batch extractor processes (default 2)")
    p.add_argument("--figures-dir", help="also write the figures here (e.g. docs/figures)")
    p.add_argument("--no-figures", action="store_true")
    return p


def _config(args) -> Config:
    cfg = Config(**QUICK) if args.quick else Config()
    flags = {
        "datasets": args.datasets,
        "activations": args.activations,
        "seeds": args.seeds,
        "depth": args.depth,
        "width": args.width,
        "max_epochs": args.max_epochs,
        "learning_rate": args.learning_rate,
        "n_neighbors": args.n_neighbors,
        "sheaf_seeds": args.sheaf_seeds,
        "n_jobs": args.n_jobs,
    }
    for name, value in flags.items():
        if value is not None:
            setattr(cfg, name, tuple(value) if isinstance(value, list) else value)
    if args.no_sheaf:
        cfg.sheaf = False
    for name in ("depth", "width", "max_epochs", "n_neighbors", "sheaf_seeds"):
        if getattr(cfg, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1.")
    if not cfg.learning_rate > 0:
        raise ValueError("--learning-rate must be positive.")
    return cfg


def _load() -> list[float]:
    try:
        import os

        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):  # pragma: no cover - not on every platform
        return []


def _topology(cfg, ds, clouds):
    """k-NN Betti numbers of the clouds of one dataset (batch); collapsed clouds directly."""
    big = {key: C for key, C in clouds.items() if len(C) > 2}
    table, err = extract(big, topology_transformer(ds, cfg.n_neighbors), cfg.n_jobs)
    small = [key for key in clouds if key not in big]
    if small:  # one or two distinct points: connected (the k-NN graph joins two points), acyclic
        rows = _parse_ids(pd.DataFrame({"id": small}))
        for c in table.columns[7:] if len(table) else []:
            rows[c] = 1.0 if c.startswith("knn_H0_") else 0.0
        table = pd.concat([table, rows], ignore_index=True)
    return table, err


def _sheaf(cfg, runs, clouds):
    """Sheaf invariants of the final networks' input and hidden layers (first seeds)."""
    finals = {(r.dataset, r.activation, r.seed): r.info["epochs"] for r in runs}
    keep = set(cfg.seeds[: cfg.sheaf_seeds])
    chosen = {}
    for key, C in clouds.items():
        ds, act, seed, epoch, layer, _ = key.split("|")
        seed, epoch, layer = int(seed), int(epoch), int(layer)
        final = layer == 0 or (finals[(ds, act, seed)] == epoch and seed in keep)
        if final and layer <= cfg.depth and len(C) > 2 * cfg.sheaf_neighbors:
            chosen[key] = C
    table, err = extract(chosen, sheaf_transformer(cfg.sheaf_neighbors), cfg.n_jobs)
    # curvature needs a surface: holonomy only where the local dimension is at least 2
    curved = {k: chosen[k] for k, d in zip(table["id"], table["local_dim"], strict=True) if d >= 2}
    hol, err2 = extract(curved, sheaf_transformer(cfg.sheaf_neighbors, holonomy=True), cfg.n_jobs)
    keys = ["id", "dataset", "activation", "seed", "epoch", "layer", "label"]
    table = table.merge(hol, on=keys, how="left") if len(hol) else table
    errors = pd.concat([err, err2], ignore_index=True)
    return table, _broadcast_inputs(table, runs, keep), errors, len(chosen)


def run(cfg: Config, out: Path, figures_dir: Path | None = None, figures: bool = True) -> int:
    """The whole experiment; returns the exit status."""
    from tdasheaf.io import write_table

    t0, load0 = time.perf_counter(), _load()
    timings: dict[str, float] = {}
    out.mkdir(parents=True, exist_ok=True)
    data, runs = {}, []
    for ds in cfg.datasets:
        m, n = cfg.n_components[ds], cfg.n_per_component[ds]
        X, y = make_dataset(ds, n, m, cfg.data_seed)
        X_test, y_test = make_dataset(ds, n, m, cfg.data_seed + 1)
        data[ds] = (X, y)
        for act in cfg.activations:
            for i, seed in enumerate(cfg.seeds):
                r = train_network(X, y, X_test, y_test, ds, act, seed, cfg, snapshots=i == 0)
                runs.append(r)
                print(
                    f"trained {ds} {act} seed {seed}: {r.info['epochs']} epochs, train acc "
                    f"{r.info['train_accuracy']:.3f}, test acc {r.info['test_accuracy']:.3f}, "
                    f"loss {r.info['final_loss']:.4f} ({r.info['train_seconds']:.1f} s)",
                    flush=True,
                )
    timings["training"] = time.perf_counter() - t0
    training = pd.DataFrame([r.info for r in runs])

    # topology of every activation cloud (all epochs recorded), one batch per dataset
    t1 = time.perf_counter()
    parts, errors, clouds = [], [], {}
    for ds in cfg.datasets:
        mine = activation_clouds([r for r in runs if r.dataset == ds], data[ds][1])
        clouds.update(mine)
        table, err = _topology(cfg, ds, mine)
        parts.append(table)
        errors.append(err.assign(stage="topology"))
    topo = pd.concat(parts, ignore_index=True)
    topo.insert(7, "n_points", [len(clouds[i]) for i in topo["id"]])
    topo = topo.sort_values("id", ignore_index=True)
    timings["topology"] = time.perf_counter() - t1
    print(f"k-NN Betti numbers of {len(topo)} activation clouds ({timings['topology']:.1f} s)")

    sheaf = None
    if cfg.sheaf:
        t2 = time.perf_counter()
        sheaf_raw, sheaf, err, n_sheaf = _sheaf(cfg, runs, clouds)
        errors.append(err.assign(stage="sheaf"))
        timings["sheaf"] = time.perf_counter() - t2
        print(f"sheaf features of {n_sheaf} clouds ({timings['sheaf']:.1f} s)")

    t3 = time.perf_counter()
    traj, diagrams, projections = trajectory_table(runs)
    timings["trajectories"] = time.perf_counter() - t3

    # tables
    final = final_betti(topo, training)
    summaries = [decay_summary(final, cfg.depth, measure) for measure in MEASURES]
    summary = pd.concat([s for s, _ in summaries], ignore_index=True)
    per_run = pd.concat([r for _, r in summaries], ignore_index=True)
    epochs = epoch_table(topo, cfg)
    errors = pd.concat(errors, ignore_index=True)
    keys = ["id", "dataset", "activation", "seed", "epoch", "layer", "label"]
    features = topo
    if sheaf is not None and len(sheaf):
        features = topo.merge(sheaf_raw.drop(columns="id"), how="left", on=keys[1:])
    suffix = ".parquet" if _has_pyarrow() else ".csv"
    write_table(features, out / f"features{suffix}")
    write_table(training.drop(columns="train_seconds"), out / "training.csv")
    write_table(traj, out / "trajectories.csv")
    write_table(summary, out / "betti_decay.csv")
    write_table(per_run, out / "betti_decay_runs.csv")
    write_table(epochs, out / "betti_epochs.csv")
    write_table(errors, out / "errors.csv")

    truth = {ds: true_betti(ds, cfg.n_components[ds]) for ds in cfg.datasets}
    inputs = final[final["layer"] == 0].drop_duplicates(["dataset", "label"])
    for row in inputs.itertuples():
        for measure in MEASURES:
            got = tuple(
                int(v) for c in _betti_columns(final, measure) if np.isfinite(v := getattr(row, c))
            )
            want = truth[row.dataset][row.label]
            if got[: len(want)] != want:
                print(
                    f"warning: input {row.dataset} class {row.label}: k-NN Betti numbers "
                    f"({measure}) {got} differ from the true {want}; change --n-neighbors",
                    file=sys.stderr,
                )
    n_good = int(training["well_trained"].sum())
    worst = training.loc[training["well_trained"], "test_accuracy"].min()
    print(
        f"\n{n_good}/{len(training)} networks well trained (training accuracy 1); test "
        f"accuracy of those: min {worst:.3f}\n"
    )
    for measure, title in MEASURES.items():
        print(f"Betti numbers of each class's activation cloud per layer: {title},")
        print("of the clique complex of the k-NN graph; mean over the well-trained seeds.")
        print("'area': mean excess Σβ − 1 over the hidden layers relative to the input")
        print("(smaller = faster);", end=" ")
        print("'simple from': first layer from which Σβ = 1 (mean over seeds).\n")
        print(
            format_decay_table(
                summary[summary["measure"] == measure],
                per_run[per_run["measure"] == measure],
                truth,
                cfg.n_neighbors,
            )
        )

    names = []
    if figures:
        t4 = time.perf_counter()
        dirs = [out] + ([figures_dir] if figures_dir is not None else [])
        names = make_figures(
            cfg, data, final, epochs, sheaf, traj, diagrams, projections, runs, dirs
        )
        timings["figures"] = time.perf_counter() - t4
    timings["total"] = time.perf_counter() - t0
    info = {
        "config": asdict(cfg),
        "timings_seconds": {k: round(v, 2) for k, v in timings.items()},
        "load_average_before": load0,
        "load_average_after": _load(),
        "n_errors": int(len(errors)),
        "figures": names,
    }
    (out / "run_info.json").write_text(json.dumps(info, indent=2, default=str))
    print(
        f"tables and figures in {out.resolve()} ({timings['total']:.0f} s; load average "
        f"{load0} → {_load()})"
    )
    if len(errors):
        print(f"{len(errors)} clouds failed (see errors.csv):", file=sys.stderr)
        print(errors.head(10).to_string(index=False), file=sys.stderr)
    # the headline (k-NN Betti numbers) must be complete; a sheaf feature may fail on an odd
    # cloud (e.g. a local dimension too high for the jet frames): reported, not fatal
    return 3 if (errors["stage"] == "topology").any() else 0


def _broadcast_inputs(sheaf: pd.DataFrame, runs: list[Run], keep: set) -> pd.DataFrame:
    """Give every analysed run its own copy of the (shared) input-layer rows."""
    inputs, rest = sheaf[sheaf["activation"] == "input"], sheaf[sheaf["activation"] != "input"]
    parts = [rest]
    for r in runs:
        if r.seed in keep:
            parts.append(
                inputs[inputs["dataset"] == r.dataset].assign(
                    activation=r.activation, seed=r.seed, epoch=r.info["epochs"]
                )
            )
    return pd.concat(parts, ignore_index=True).sort_values(
        ["dataset", "activation", "seed", "layer", "label"], ignore_index=True
    )


def _has_pyarrow() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def main(argv=None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad argument (2)
        return int(exc.code or 0)
    try:
        cfg = _config(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    figures_dir = Path(args.figures_dir) if args.figures_dir else None
    return run(cfg, Path(args.output), figures_dir, figures=not args.no_figures)


if __name__ == "__main__":
    raise SystemExit(main())
