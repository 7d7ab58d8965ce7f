"""Held-out shape classification: SheafFeatures against ordinary persistence features.

How to run (from the repository root)::

    python pipelines/benchmarks/shape_classification.py --n-jobs 2           # full run, minutes
    python pipelines/benchmarks/shape_classification.py --quick              # < 20 s smoke run
    python pipelines/benchmarks/shape_classification.py --json results.json --n-clouds 200

Tasks (binary, balanced, generated from ``--seed``; every cloud has its own random draws):

* ``cylinder-vs-mobius``: a cylinder or a Möbius band of radius 1 in R^3 (``make_cylinder``,
  ``make_mobius_band(uniform="area")``), width uniform in [0.4, 0.8];
* ``torus-vs-klein``: the torus of revolution (R = 2, r = 1, ``uniform="area"``) embedded in
  R^4 by appending a zero coordinate, or the Klein bottle in R^4 (R = 2, r = 1,
  ``uniform="area"``).

Each cloud has a size uniform in {200, ..., 600} (150..250 with ``--quick``) and isotropic
Gaussian noise of standard deviation ``s`` uniform in [0, 0.02], in the units of the shapes
(radius 1 for the bands, tube radius 1 for the torus and the Klein bottle: the noise is relative
to that unit radius). The noise is added *by this script*, in the ambient space of the task
(R^3 or R^4, so the padded torus gets noise in its fourth coordinate too: no model can separate
the classes by "lies in a hyperplane"), then a random rigid motion (``random_rotation``: Haar
orthogonal matrix in O(D) and an N(0, 1) translation) is applied. Samples are area-uniform for
every shape so that density differences do not give the class away.

Models (scikit-learn pipelines, ``LogisticRegression(max_iter=5000)`` at the end of each):

* ``SheafFeatures``: ``SheafFeatures()`` (defaults: constant + orientation + tangent sheaves)
  → ``StandardScaler`` (added: the columns mix Betti counts, entropies and eigenvalues of very
  different ranges; without it the logistic regression converges slowly and badly) → LR;
* ``Rips GF(3)`` / ``Rips GF(2)``: ``RipsPersistence(homology_dimensions=(0, 1), field=p)`` →
  ``make_union(PersistenceEntropy(), Amplitude(), NumberOfPoints(), BettiCurve(n_bins=20))`` →
  ``StandardScaler`` → LR.

Accuracy is 5-fold stratified cross-validation (shuffled, ``random_state=seed``; the same folds
for every model), mean ± sd over folds. The first step of each pipeline (``SheafFeatures``,
``RipsPersistence``) is stateless per sample (its ``fit`` only validates and fixes grids), so it
is run once on all clouds and the rest of the pipeline is cross-validated on its output: the
scores are identical to cross-validating the whole pipeline, five times cheaper. "time/cloud" is
the wall time of that step plus the fit-transform of the vectorisers (for the Rips models) on
all clouds, divided by the number of clouds, with ``--n-jobs`` workers; for ``SheafFeatures``
numba compilation is excluded (every model runs once on two small clouds first).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time

import numpy as np

TASKS = ("cylinder-vs-mobius", "torus-vs-klein")
NOISE_MAX = 0.02
WIDTH_RANGE = (0.4, 0.8)
N_FOLDS = 5


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------


def make_task(task: str, n_clouds: int, size_range, seed: int):
    """``(clouds, y, meta)``: a balanced, shuffled binary task; ``y = 1`` for the non-orientable
    class (Möbius band, Klein bottle)."""
    from tdasheaf.datasets import (
        make_cylinder,
        make_klein_bottle,
        make_mobius_band,
        make_torus,
        random_rotation,
    )

    rng = np.random.default_rng([seed, TASKS.index(task)])
    y = np.array([0] * (n_clouds // 2) + [1] * (n_clouds - n_clouds // 2))
    rng.shuffle(y)
    clouds, meta = [], []
    for label in y:
        n = int(rng.integers(size_range[0], size_range[1] + 1))
        noise = float(rng.uniform(0.0, NOISE_MAX))
        child = np.random.default_rng(rng.integers(2**63))
        info = {"label": int(label), "n_points": n, "noise": noise}
        if task == "cylinder-vs-mobius":
            width = float(rng.uniform(*WIDTH_RANGE))
            info["width"] = width
            if label == 0:
                X = make_cylinder(n, width=width, random_state=child)
            else:
                X = make_mobius_band(n, width=width, uniform="area", random_state=child)
        else:
            if label == 0:
                X = make_torus(n, R=2.0, r=1.0, uniform="area", random_state=child)
                X = np.column_stack([X, np.zeros(n)])  # into R^4, before noise and motion
            else:
                X = make_klein_bottle(n, R=2.0, r=1.0, uniform="area", random_state=child)
        X = X + noise * child.standard_normal(X.shape)
        clouds.append(random_rotation(X, random_state=child))
        meta.append(info)
    return clouds, y, meta


# ----------------------------------------------------------------------------------------------
# Models: (name, stateless first step, rest of the pipeline)
# ----------------------------------------------------------------------------------------------


def _lr():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=5000)


def models(n_jobs):
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import StandardScaler

    from tdasheaf.estimators import (
        Amplitude,
        BettiCurve,
        NumberOfPoints,
        PersistenceEntropy,
        RipsPersistence,
        SheafFeatures,
    )

    out = [("SheafFeatures", SheafFeatures(n_jobs=n_jobs), make_pipeline(StandardScaler(), _lr()))]
    for p in (3, 2):
        vectorisers = make_union(
            PersistenceEntropy(), Amplitude(), NumberOfPoints(), BettiCurve(n_bins=20)
        )
        out.append(
            (
                f"Rips GF({p})",
                RipsPersistence(homology_dimensions=(0, 1), field=p, n_jobs=n_jobs),
                make_pipeline(vectorisers, StandardScaler(), _lr()),
            )
        )
    return out


def _warm_up(n_jobs):
    """Run every model once on two small clouds: numba compilation is not timed."""
    from tdasheaf.datasets import make_circle

    X = [make_circle(40, noise=0.05, random_state=i) for i in range(2)]
    for _, first, rest in models(n_jobs):
        Z = first.fit_transform(X)
        if len(rest.steps) > 2:
            rest.steps[0][1].fit_transform(Z)


def evaluate(name, first, rest, clouds, y, seed):
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    t0 = time.perf_counter()
    Z = first.fit_transform(clouds)
    F = Z
    if name != "SheafFeatures":  # the vectorisers count as feature extraction
        F = clone(rest.steps[0][1]).fit_transform(Z)
    elapsed = time.perf_counter() - t0
    cv = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed)
    scores = cross_val_score(rest, Z, y, cv=cv)
    return {
        "accuracy_mean": float(scores.mean()),
        "accuracy_sd": float(scores.std()),
        "fold_scores": scores.tolist(),
        "time_per_cloud": elapsed / len(clouds),
        "n_features": int(F.shape[1]),
    }


# ----------------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------------


def write_json(path, data):
    path = os.path.abspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def table(results) -> str:
    lines = [
        "| task | model | accuracy (mean ± sd) | time/cloud (s) |",
        "|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['task']} | {r['model']} | {r['accuracy_mean']:.3f} ± {r['accuracy_sd']:.3f} "
            f"| {r['time_per_cloud']:.3f} |"
        )
    return "\n".join(lines)


def _versions():
    import scipy
    import sklearn

    import tdasheaf

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "tdasheaf": getattr(tdasheaf, "__version__", "unknown"),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n-clouds", type=int, default=None, help="clouds per task (default 100)")
    p.add_argument("--quick", action="store_true", help="20 clouds of 150-250 points per task")
    p.add_argument("--n-jobs", type=int, default=1, help="joblib workers of the feature steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tasks", default=",".join(TASKS), help=f"comma-separated among {TASKS}")
    p.add_argument("--json", metavar="PATH", help="also write every number to PATH (JSON)")
    args = p.parse_args(argv)
    if args.n_clouds is None:
        args.n_clouds = 20 if args.quick else 100
    args.sizes = (150, 250) if args.quick else (200, 600)
    args.tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    bad = [t for t in args.tasks if t not in TASKS]
    if bad:
        p.error(f"unknown task(s) {bad}; choose among {TASKS}")
    if args.n_clouds < 2 * N_FOLDS:
        p.error(f"--n-clouds must be at least {2 * N_FOLDS} (5 folds, 2 classes)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    print(
        f"# shape classification: {args.n_clouds} clouds/task, {args.sizes[0]}-{args.sizes[1]} "
        f"points, noise sd ~ U[0, {NOISE_MAX}], n_jobs={args.n_jobs}, seed={args.seed}",
        flush=True,
    )
    _warm_up(args.n_jobs)
    results = []
    for task in args.tasks:
        clouds, y, meta = make_task(task, args.n_clouds, args.sizes, args.seed)
        for name, first, rest in models(args.n_jobs):
            r = evaluate(name, first, rest, clouds, y, args.seed)
            r.update(task=task, model=name)
            results.append(r)
            print(
                f"  {task:20s} {name:14s} acc {r['accuracy_mean']:.3f} ± {r['accuracy_sd']:.3f}"
                f"  {r['time_per_cloud']:.3f} s/cloud  ({r['n_features']} features)",
                flush=True,
            )
    print()
    print(table(results))
    if args.json:
        write_json(
            args.json,
            {
                "benchmark": "shape_classification",
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "argv": sys.argv[1:] if argv is None else list(argv),
                "n_clouds": args.n_clouds,
                "sizes": list(args.sizes),
                "noise_max": NOISE_MAX,
                "width_range": list(WIDTH_RANGE),
                "n_jobs": args.n_jobs,
                "seed": args.seed,
                "versions": _versions(),
                "machine": {"cores": os.cpu_count(), "load_average": list(os.getloadavg())},
                "notes": (
                    ["measured with other load on the machine: 1-min load average above 1"]
                    if os.getloadavg()[0] > 1
                    else []
                ),
                "results": results,
            },
        )
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
