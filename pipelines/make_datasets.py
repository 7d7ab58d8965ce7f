"""Regenerate the small bundled data files in ``datasets/`` (fixed seed, deterministic).

Usage: ``python pipelines/make_datasets.py`` (writes ``datasets/shapes_small.npz``).

``shapes_small.npz`` holds 24 point clouds of 60–120 points in ℝ³, six per class:
``circle`` (unit circle, noise 0.05), ``two_circles`` (two disjoint unit circles 3 apart),
``torus`` (radii 2 and 1), ``blob`` (Gaussian ball, no topology). Arrays ``cloud_000`` …
``cloud_023``, ``labels`` (class names) and ``description``. Licence: CC0 (synthetic).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

CLASSES = ("circle", "two_circles", "torus", "blob")


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parents[1] / "datasets"))
    args = parser.parse_args(argv)
    rng = np.random.default_rng(20261126)
    arrays, labels = {}, []
    for i in range(24):
        kind = CLASSES[i % len(CLASSES)]
        arrays[f"cloud_{i:03d}"] = _cloud(kind, int(rng.integers(60, 121)), rng)
        labels.append(kind)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "shapes_small.npz"
    tmp = out / "shapes_small.tmp.npz"
    np.savez_compressed(
        tmp, labels=np.array(labels), description=np.array(__doc__), **arrays
    )
    tmp.replace(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
