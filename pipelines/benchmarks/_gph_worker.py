"""Time giotto-ph on one saved point cloud; run by ``engine_vs_peers.py`` in giotto's own venv.

Usage (normally through ``engine_vs_peers.py --gph-python /tmp/gtda-venv/bin/python``)::

    /tmp/gtda-venv/bin/python pipelines/benchmarks/_gph_worker.py CLOUD.npz \\
        --threads 1,2 --repeat 3 --long 10

``CLOUD.npz`` holds ``X`` (``(n, dim)`` points), ``thresh`` (the Rips threshold) and ``maxdim``
(the top degree). For each thread count ``T`` and each of ``collapse_edges=False`` / ``True``:
``gph.ripser_parallel(X, maxdim, thresh, coeff=3, n_threads=T, collapse_edges=...)``. Each
variant runs once untimed-for-the-median as a warm-up (its time is kept); when that warm-up took
longer than ``--long`` seconds it is the single measurement, otherwise the median of ``--repeat``
further runs is reported. Times are ``time.perf_counter`` seconds. The diagrams of every variant
(lists of ``(birth, death)`` per degree, ``inf`` for essential classes) go back with the times as
one JSON line on stdout, prefixed ``GPH_RESULT `` (``Infinity`` is JSON for ``inf`` in Python).

This file must import nothing but the standard library, numpy and giotto-ph (it runs in a venv
without tdasheaf).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time

import numpy as np

VARIANTS = {"plain": False, "collapse": True}


def time_variant(fn, repeat: int, long_s: float) -> tuple[dict, object]:
    """Warm-up run, then the median of ``repeat`` runs (or the warm-up alone when slow)."""
    t0 = time.perf_counter()
    out = fn()
    warm = time.perf_counter() - t0
    if warm > long_s or repeat < 1:
        return {"median": warm, "times": [warm], "warmup": warm, "single": True}, out
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return {
        "median": statistics.median(times),
        "times": times,
        "warmup": warm,
        "single": False,
    }, out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("cloud", help=".npz file with X, thresh and maxdim")
    p.add_argument("--threads", default="1,2", help="comma-separated n_threads values")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--long",
        type=float,
        default=10.0,
        help="a warm-up longer than this (s) is the single measurement",
    )
    p.add_argument("--variants", default="plain,collapse")
    args = p.parse_args(argv)

    import gph

    data = np.load(args.cloud)
    X = np.ascontiguousarray(data["X"], dtype=np.float64)
    thresh = float(data["thresh"])
    maxdim = int(data["maxdim"])
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    variants = [v for v in args.variants.split(",") if v.strip()]
    gph.ripser_parallel(X[:20], maxdim=maxdim, thresh=thresh, coeff=3)  # first-call costs
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "giotto-ph": getattr(gph, "__version__", "unknown"),
        },
        "n": len(X),
        "results": {},
    }
    for T in threads:
        per_t = {}
        for name in variants:

            def run(T=T, collapse=VARIANTS[name]):
                return gph.ripser_parallel(
                    X, maxdim=maxdim, thresh=thresh, coeff=3, n_threads=T, collapse_edges=collapse
                )

            timing, res = time_variant(run, args.repeat, args.long)
            timing["dgms"] = [
                np.asarray(d, dtype=np.float64).reshape(-1, 2).tolist() for d in res["dgms"]
            ]
            per_t[name] = timing
            print(
                f"giotto-ph n_threads={T} {name}: {timing['median']:.3f} s",
                file=sys.stderr,
                flush=True,
            )
        out["results"][str(T)] = per_t
    print("GPH_RESULT " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
