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

1. Generates the three kinds of entangled two-class data of the paper with the generators of
   :mod:`tdasheaf.datasets` (written from its description and its public code): **D-I** disks
   in the holes of a square (R^2, :func:`~tdasheaf.datasets.make_disks_in_holes`), **D-II**
   Hopf-linked pairs of solid rings (R^3, :func:`~tdasheaf.datasets.make_linked_rings`),
   **D-III** nested spheres (R^3, :func:`~tdasheaf.datasets.make_nested_spheres`).
2. Trains scikit-learn ``MLPClassifier`` networks (``--depth`` hidden layers of ``--width``
   units, ReLU and tanh, ``--seeds``) epoch by epoch with :func:`tdasheaf.learning.record_training`
   until the training accuracy is 1 and the loss small ("well trained"), recording the
   parameter trajectory and, for the first seed, the activations at several epochs.
3. Splits the activations of every layer into one point cloud per class and computes, through
   :func:`tdasheaf.batch.extract_features`: the Betti numbers of the clique complex of the
   k-nearest-neighbour graph (hop scale 1, and 2 for D-I/D-II; the paper's fixed-scale
   complex, :func:`tdasheaf.learning.knn_graph_betti`, with a fixed k (``--n-neighbors``,
   default 15) at which the *input* clouds have their true Betti numbers; the pipeline
   prints a warning for any input class where they do not) and, for the hidden layers of
   the final networks, :class:`tdasheaf.SheafFeatures` (constant and orientation barcodes,
   tangent spectra, holonomy curvature) and local-PCA dimension summaries.
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

from tdasheaf.datasets import make_disks_in_holes, make_linked_rings, make_nested_spheres

try:
    from tdasheaf_pipelines import _learning_figures, _learning_tables
except ImportError:  # pragma: no cover - run as a script from a checkout that is not installed
    import _learning_figures
    import _learning_tables

MEASURES = _learning_tables.MEASURES
DATASETS = ("D-I", "D-II", "D-III")
ACTIVATIONS = ("relu", "tanh")
#: Epochs (of the first seed) whose activations are analysed, besides the final one.
EPOCH_GRID = (1, 3, 10, 30, 100, 300)


# ----------------------------------------------------------------------------------------------
# Data: the entangled data of Naitzat, Zhitnikov & Lim (2020), from tdasheaf.datasets
# ----------------------------------------------------------------------------------------------


def true_betti(dataset: str, m: int) -> dict[int, tuple[int, ...]]:
    """Betti numbers (β0, β1[, β2]) of each class of the generated data."""
    return {
        "D-I": {0: (m, 0), 1: (1, m)},
        "D-II": {0: (m, m), 1: (m, m)},
        "D-III": {0: (m, 0, m), 1: (2 * m, 0, 2 * m)},
    }[dataset]


def make_dataset(dataset: str, n_per_component: int, n_components: int, random_state):
    """``(X, y)`` of one kind, centred and scaled by one number (the geometry is kept).

    The seed ``random_state`` starts a :class:`numpy.random.Generator` (given an int, the
    generators would use a legacy ``RandomState``: other samples).
    """
    makers = {
        "D-I": make_disks_in_holes,
        "D-II": make_linked_rings,
        "D-III": make_nested_spheres,
    }
    rng = np.random.default_rng(random_state)
    X, y = makers[dataset](n_per_component, n_components=n_components, random_state=rng)
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
    final = _learning_tables.final_betti(topo, training)
    summaries = [_learning_tables.decay_summary(final, cfg.depth, measure) for measure in MEASURES]
    summary = pd.concat([s for s, _ in summaries], ignore_index=True)
    per_run = pd.concat([r for _, r in summaries], ignore_index=True)
    epochs = _learning_tables.epoch_table(topo, cfg)
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
            cols = _learning_tables.betti_columns(final, measure)
            got = tuple(int(v) for c in cols if np.isfinite(v := getattr(row, c)))
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
            _learning_tables.format_decay_table(
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
        names = _learning_figures.make_figures(
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
