"""Regenerate the bundled data files in ``datasets/`` (fixed seeds, byte-identical reruns).

Usage: ``python pipelines/make_datasets.py [--out DIR]`` (default ``DIR``: the repository's
``datasets/``). Writes:

``shapes_small.npz``
    24 point clouds of 60–120 points in ℝ³, six per class: ``circle`` (unit circle, noise
    0.05), ``two_circles`` (two disjoint unit circles 3 apart), ``torus`` (radii 2 and 1),
    ``blob`` (Gaussian ball, no topology). Arrays ``cloud_000`` … ``cloud_023``, ``labels``
    (class names) and ``description``. Seed 20261126. Used by ``pipelines/quickstart.py``.
``point_clouds/<shape>_<i>.npy`` and ``point_clouds_labels.csv``
    40 labelled clouds in ℝ³, five of each of eight shapes (:data:`POINT_CLOUD_SHAPES`),
    150–250 points each, float32, made with the ``tdasheaf.datasets`` generators (noise 0.03),
    then a random rotation (:func:`tdasheaf.datasets.random_rotation`, no translation). Seed
    20261127. The labels table (``id,label``) sits beside the folder so that the folder holds
    only clouds (``tdasheaf-extract datasets/point_clouds -o OUT`` reads every file in it).
    Loaded by :func:`tdasheaf.datasets.load_bundled_point_clouds`.

Every file is written to a temporary name and renamed, and ``.npy`` files in ``point_clouds/``
that the current recipe does not make are removed. ``tests/test_dataset_loaders.py`` checks
that a rerun reproduces the committed files.
"""

from __future__ import annotations

import argparse
import csv
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tdasheaf.datasets import (
    make_circle,
    make_cylinder,
    make_figure_eight,
    make_mobius_band,
    make_sphere,
    make_swiss_roll,
    make_torus,
    random_rotation,
)

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "datasets"

# --------------------------------------------------------------------------------------------
# shapes_small.npz (unchanged since it was first made; its description is stored in the file)
# --------------------------------------------------------------------------------------------

CLASSES = ("circle", "two_circles", "torus", "blob")
SHAPES_SMALL_SEED = 20261126
SHAPES_SMALL_DESCRIPTION = (
    "Regenerate the small bundled data files in ``datasets/`` (fixed seed, deterministic).\n\n"
    "Usage: ``python pipelines/make_datasets.py`` (writes ``datasets/shapes_small.npz``).\n\n"
    "``shapes_small.npz`` holds 24 point clouds of 60–120 points in ℝ³, six per class:\n"
    "``circle`` (unit circle, noise 0.05), ``two_circles`` (two disjoint unit circles 3 apart),\n"
    "``torus`` (radii 2 and 1), ``blob`` (Gaussian ball, no topology). Arrays ``cloud_000`` …\n"
    "``cloud_023``, ``labels`` (class names) and ``description``. Licence: CC0 (synthetic).\n"
)


def _cloud(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "circle":
        t = rng.uniform(0, 2 * np.pi, n)
        X = np.c_[np.cos(t), np.sin(t), np.zeros(n)]
    elif kind == "two_circles":
        t = rng.uniform(0, 2 * np.pi, n)
        shift = np.where(np.arange(n) % 2 == 0, 0.0, 3.0)
        X = np.c_[np.cos(t) + shift, np.sin(t), np.zeros(n)]
    elif kind == "torus":
        u, v = rng.uniform(0, 2 * np.pi, (2, n))
        X = np.c_[(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)]
    else:
        X = rng.normal(scale=0.7, size=(n, 3))
    return X + rng.normal(scale=0.05, size=X.shape)


def write_shapes_small(out: Path) -> Path:
    """Write ``shapes_small.npz`` into ``out``; return its path."""
    rng = np.random.default_rng(SHAPES_SMALL_SEED)
    arrays, labels = {}, []
    for i in range(24):
        kind = CLASSES[i % len(CLASSES)]
        arrays[f"cloud_{i:03d}"] = _cloud(kind, int(rng.integers(60, 121)), rng)
        labels.append(kind)
    target = out / "shapes_small.npz"
    tmp = out / "shapes_small.tmp.npz"
    np.savez_compressed(
        tmp, labels=np.array(labels), description=np.array(SHAPES_SMALL_DESCRIPTION), **arrays
    )
    tmp.replace(target)
    return target


# --------------------------------------------------------------------------------------------
# point_clouds/ (labelled clouds from the tdasheaf.datasets generators)
# --------------------------------------------------------------------------------------------

POINT_CLOUDS_SEED = 20261127
CLOUDS_PER_SHAPE = 5
N_POINTS = (150, 250)
NOISE = 0.03


def _figure_eight(n, **kw):
    X = make_figure_eight(n, radius=0.75, **kw)
    return np.column_stack([X, np.zeros(n)])


def _swiss_roll(n, *, noise, random_state):
    # scaled by 1/8 (noise drawn 8 times larger, so that it is `noise` after scaling)
    return make_swiss_roll(n, height=10.0, noise=8 * noise, random_state=random_state) / 8.0


def _blob(n, *, noise, random_state):
    return random_state.normal(scale=0.6, size=(n, 3)) + random_state.normal(
        scale=noise, size=(n, 3)
    )


#: The eight shapes of ``point_clouds/``, all in ℝ³ with diameters between 2 and 3.6:
#: name -> generator ``f(n, noise=..., random_state=rng)``.
POINT_CLOUD_SHAPES: dict[str, Callable[..., np.ndarray]] = {
    "circle": lambda n, **kw: make_circle(n, radius=1.0, ambient_dim=3, **kw),
    "figure_eight": _figure_eight,
    "sphere": lambda n, **kw: make_sphere(n, radius=1.0, **kw),
    "torus": lambda n, **kw: make_torus(n, R=1.0, r=0.4, **kw),
    "cylinder": lambda n, **kw: make_cylinder(n, width=1.5, **kw),
    "mobius_band": lambda n, **kw: make_mobius_band(n, width=0.8, **kw),
    "swiss_roll": _swiss_roll,
    "blob": _blob,
}


def point_clouds() -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The clouds of ``point_clouds/`` (float32, by id) and their labels (by id)."""
    rng = np.random.default_rng(POINT_CLOUDS_SEED)
    clouds, labels = {}, {}
    for shape, make in POINT_CLOUD_SHAPES.items():
        for i in range(CLOUDS_PER_SHAPE):
            n = int(rng.integers(N_POINTS[0], N_POINTS[1] + 1))
            X = random_rotation(make(n, noise=NOISE, random_state=rng), rng, shift=0.0)
            cloud_id = f"{shape}_{i:02d}"
            clouds[cloud_id] = np.ascontiguousarray(X, dtype=np.float32)
            labels[cloud_id] = shape
    return clouds, labels


def write_point_clouds(out: Path) -> tuple[Path, Path]:
    """Write ``point_clouds/*.npy`` and ``point_clouds_labels.csv`` into ``out``."""
    clouds, labels = point_clouds()
    folder = out / "point_clouds"
    folder.mkdir(parents=True, exist_ok=True)
    for cloud_id, X in clouds.items():
        tmp = folder / f".{cloud_id}.tmp.npy"
        np.save(tmp, X, allow_pickle=False)
        os.replace(tmp, folder / f"{cloud_id}.npy")
    for stale in folder.glob("*.npy"):
        if stale.stem not in clouds:
            stale.unlink()
    table = out / "point_clouds_labels.csv"
    tmp = out / ".point_clouds_labels.tmp.csv"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "label"])
        writer.writerows(sorted(labels.items()))
    os.replace(tmp, table)
    return folder, table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (datasets/)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"wrote {write_shapes_small(out)}")
    folder, table = write_point_clouds(out)
    print(f"wrote {folder} ({len(list(folder.glob('*.npy')))} clouds) and {table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
