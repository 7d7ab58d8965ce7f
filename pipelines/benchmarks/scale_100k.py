"""100,000-point clouds through the sparse Rips route and the landmark estimators: time, peak RSS.

Issue 17, part 4 ("Scale"). Two clouds of 100,000 points:

* ``torus`` — a torus in ℝ³ (radii 2 and 1) with Gaussian noise 0.05;
* ``circle10`` — a mixture of 12 Gaussians (σ = 0.5 in every direction) centred on a circle of
  radius 5 in a random plane of ℝ¹⁰.

Routes (one fresh subprocess per row, so that each peak resident memory ``VmHWM`` — whole
process, interpreter and libraries included — is that row's alone):

* ``sparse+constant`` — ``sparse_flag_filtration(X, sparse)`` (deterministic sparse Rips,
  log-scale bottleneck ≤ −log(1 − sparse) to the Rips diagrams) then
  ``sheaf_persistence(constant_sheaf(F), degrees=(0, 1))``;
* ``SheafPersistence`` — ``SheafPersistence(sheaf="orientation", n_landmarks=m,
  max_edge_length=L, dim=2 or 1)`` on the whole cloud (the frames use every point; ``dim`` is
  the intrinsic dimension: 2 for the torus, 1 for the circle);
* ``SheafFeatures`` — ``SheafFeatures()`` (defaults) on ``X[maxmin_landmarks(X, m)]``
  (``SheafFeatures`` has no ``n_landmarks`` parameter: the cloud is subsampled first).

Every row uses the library's default memory budget (printed); a refusal
(``ComplexTooLargeError``) is a row with its time to refusal, not a crash.
``H1 top ratios`` are the death/birth ratios of the two most persistent degree-1 bars (the
torus has two loops, the circle one; ``inf``: alive at ``max_edge_length``); with
``sparse=0.5`` bars of ratio ≤ 4 may be artefacts of the approximation.

Usage::

    python pipelines/benchmarks/scale_100k.py --json pipelines/benchmarks/results/scale_100k.json
    python pipelines/benchmarks/scale_100k.py --quick      # 1,500 points, a smoke test
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import (  # noqa: E402
    RunClock,
    add_json_argument,
    run_script_worker,
    worker_prelude,
    write_results,
)

_WORKER = (
    worker_prelude()
    + r"""
import json, sys, time
import numpy as np

def torus(n, rng):
    u, v = rng.uniform(0, 2 * np.pi, (2, n))
    X = np.c_[(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)]
    return X + 0.05 * rng.standard_normal((n, 3))

def circle10(n, rng, D=10, k=12):
    Q = np.linalg.qr(rng.standard_normal((D, D)))[0][:, :2]
    angle = 2 * np.pi * rng.integers(0, k, n) / k
    return 5 * np.c_[np.cos(angle), np.sin(angle)] @ Q.T + 0.5 * rng.standard_normal((n, D))

def top_ratios(bars):
    bars = np.asarray(bars, dtype=float).reshape(-1, 2)
    bars = bars[(bars[:, 0] > 0) & (bars[:, 1] > bars[:, 0])]
    r = np.sort(bars[:, 1] / bars[:, 0])[::-1][:2]
    return [float(x) for x in r]

cloud, route, n, seed, sparse, m, L = sys.argv[1:8]
n, seed, sparse, m, L = int(n), int(seed), float(sparse), int(m), float(L)
dim = 2 if cloud == "torus" else 1  # the intrinsic dimension, for the frames
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.utils import resolve_memory_budget

X = (torus if cloud == "torus" else circle10)(n, np.random.default_rng(seed))
out = dict(budget=resolve_memory_budget(None))
start = time.perf_counter()
try:
    if route == "sparse+constant":
        from tdasheaf.cohomology import sheaf_persistence
        from tdasheaf.complexes import sparse_flag_filtration
        from tdasheaf.sheaves import constant_sheaf
        F = sparse_flag_filtration(X, sparse)
        out["build"] = time.perf_counter() - start
        out["edges"] = int(F.n_edges)
        bars = sheaf_persistence(constant_sheaf(F), degrees=(0, 1))
        out["h1_bars"] = int(len(bars[1]))
        out["h1_top"] = top_ratios(bars[1])
    elif route == "SheafPersistence":
        from tdasheaf import SheafPersistence
        D = SheafPersistence(sheaf="orientation", n_landmarks=m, max_edge_length=L, dim=dim,
                             field=3).fit_transform([X])[0]
        h1 = D[D[:, 2] == 1][:, :2]
        out["h1_bars"] = int(len(h1))
        out["h1_top"] = top_ratios(h1)
    else:
        from tdasheaf import SheafFeatures
        from tdasheaf.complexes import maxmin_landmarks
        Y = X[maxmin_landmarks(X, m)]
        out["build"] = time.perf_counter() - start
        V = SheafFeatures().fit_transform([Y])
        out["features"] = int(V.shape[1])
        out["finite"] = bool(np.isfinite(V).all())
except ComplexTooLargeError as e:
    out["refused"] = str(e)
out["time"] = time.perf_counter() - start
out["peak"] = status("VmHWM:")
print(json.dumps(out))
"""
)

#: (cloud, route, sparse, landmarks, max_edge_length for SheafPersistence)
ROWS = (
    ("torus", "sparse+constant", 0.5, 0, 0.0),
    ("torus", "sparse+constant", 0.7, 0, 0.0),
    ("torus", "SheafPersistence", 0.5, 2000, 2.0),
    ("torus", "SheafFeatures", 0.5, 2000, 0.0),
    ("circle10", "sparse+constant", 0.5, 0, 0.0),
    ("circle10", "SheafPersistence", 0.5, 2000, 5.0),
    ("circle10", "SheafFeatures", 0.5, 2000, 0.0),
)


def run_row(cloud, route, n, seed, sparse, m, L, timeout) -> dict:
    """One row in a fresh interpreter; its measurements (``error`` on failure)."""
    return run_script_worker(_WORKER, [cloud, route, n, seed, sparse, m, L], timeout)


def _cell(r: dict) -> str:
    if "error" in r:
        return f"FAILED: {r['error']}"
    if "refused" in r:
        return "refused (over budget): " + r["refused"].split(" (estimated")[0]
    parts = []
    if "edges" in r:
        parts.append(f"{r['edges']:,} edges ({r['build']:.1f} s to build)")
    if "h1_top" in r:
        top = ", ".join(f"{x:.1f}" for x in r["h1_top"])
        parts.append(f"{r['h1_bars']:,} H1 bars, top ratios {top}")
    if "features" in r:
        parts.append(f"{r['features']} features, finite={r['finite']}")
    return "; ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="points per cloud")
    parser.add_argument("--quick", action="store_true", help="1,500 points, 300 landmarks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per row")
    add_json_argument(parser)
    args = parser.parse_args(argv)
    n = 1500 if args.quick else args.n
    clock = RunClock()
    rows = []
    print(f"# {n:,}-point clouds (one subprocess per row; default memory budget)")
    print("| cloud | route | time (s) | peak RSS (MiB) | budget (MiB) | result |")
    print("|---|---|---|---|---|---|")
    failed = 0
    for cloud, route, sparse, m, L in ROWS:
        m = min(m, 300) if args.quick else m
        r = run_row(cloud, route, n, args.seed, sparse, m, L, args.timeout)
        rows.append(
            dict(r, cloud=cloud, route=route, n=n, sparse=sparse, n_landmarks=m, max_edge_length=L)
        )
        failed += "error" in r
        name = route + (f" (sparse={sparse})" if route == "sparse+constant" else f" (m={m})")
        t = f"{r['time']:.1f}" if "time" in r else "-"
        peak = f"{r['peak'] / 2**20:.0f}" if "peak" in r else "-"
        budget = f"{r['budget'] / 2**20:.0f}" if "budget" in r else "-"
        print(f"| {cloud} | {name} | {t} | {peak} | {budget} | {_cell(r)} |", flush=True)
    if args.json:
        write_results(args.json, "scale_100k", argv, {"seed": args.seed, "rows": rows}, clock)
        print(f"wrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
