"""Time giotto-tda on saved point clouds; run by ``features_vs_giotto.py`` in giotto's own venv.

Usage (normally through ``features_vs_giotto.py``)::

    /tmp/gtda-venv/bin/python pipelines/benchmarks/_giotto_worker.py CLOUDS.npz \\
        --jobs 1,2 --repeat 3

``CLOUDS.npz`` holds one array ``X`` of shape ``(n_clouds, n_points, dim)``. For each number of
jobs ``J``: ``VietorisRipsPersistence(homology_dimensions=(0, 1), n_jobs=J)`` then
``PersistenceEntropy(n_jobs=J)`` and ``PersistenceImage(n_jobs=J)`` on its diagrams (giotto's
defaults otherwise: full Rips, ``coeff=2``, no edge collapse, 100 x 100 images). Times are
``time.perf_counter`` seconds, best of ``--repeat`` runs after an untimed warm-up on a few
clouds with each ``J`` (which also starts joblib's worker processes). The result is printed as
one JSON line on stdout, prefixed ``GIOTTO_RESULT ``.

This file must import nothing but the standard library, numpy and giotto-tda (it runs in a venv
without tdasheaf).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

import numpy as np


def _pipeline(X, n_jobs):
    from gtda.diagrams import PersistenceEntropy, PersistenceImage
    from gtda.homology import VietorisRipsPersistence

    t0 = time.perf_counter()
    D = VietorisRipsPersistence(homology_dimensions=(0, 1), n_jobs=n_jobs).fit_transform(X)
    t1 = time.perf_counter()
    E = PersistenceEntropy(n_jobs=n_jobs).fit_transform(D)
    t2 = time.perf_counter()
    image = PersistenceImage(n_jobs=n_jobs).fit_transform(D)
    t3 = time.perf_counter()
    return {
        "total": t3 - t0,
        "rips": t1 - t0,
        "entropy": t2 - t1,
        "image": t3 - t2,
        "n_features": int(E.shape[1] + np.prod(image.shape[1:])),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("clouds", help=".npz file with an array X (n_clouds, n_points, dim)")
    p.add_argument("--jobs", default="1,2", help="comma-separated n_jobs values")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)

    import gtda
    import sklearn

    X = np.load(args.clouds)["X"]
    jobs = [int(j) for j in args.jobs.split(",") if j.strip()]
    for J in jobs:  # warm-up: imports, giotto-ph's first call, joblib's worker processes
        _pipeline(X[: max(3, 2 * J)], J)
    out = {
        "versions": {
            "python": platform.python_version(),
            "giotto-tda": gtda.__version__,
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "shape": list(X.shape),
        "results": {},
    }
    for J in jobs:
        runs = [_pipeline(X, J) for _ in range(max(args.repeat, 1))]
        best = min(runs, key=lambda r: r["total"])
        best["all_totals"] = [r["total"] for r in runs]
        out["results"][str(J)] = best
        print(f"giotto n_jobs={J}: best {best['total']:.3f} s", file=sys.stderr, flush=True)
    print("GIOTTO_RESULT " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
