"""High-dimensional clouds under the default configuration: time, peak memory, edges kept.

Network activations are thousands of points in 10–1,000 dimensions, where distances
concentrate: on 5,000 Gaussian points in ℝ¹⁰ two neighbourhood radii join 44 % of all pairs and
three join 97 %. ``SheafFeatures()`` (defaults) must stay local there (see its ``scale_range``
and ``memory_budget``): this script runs it on Gaussian clouds, each case in a fresh subprocess
so that the peak resident memory (``VmHWM``, whole process: interpreter and libraries included)
is that case's alone, and prints a table:

    | cloud | time (s) | peak RSS (MiB) | edges kept | of all pairs | top scale (r) | capped by |

``capped by`` says what stopped the Rips graph below ``scale_range[1] · r``: ``neighbours``
(the ``6 · n_neighbors`` neighbour/degree cap), ``memory_budget`` (the edge-length quantile
that fits the budget) or ``-`` (nothing).

Usage::

    python pipelines/benchmarks/high_dimensional.py            # 5,000×10, 20,000×64, 5,000×512
    python pipelines/benchmarks/high_dimensional.py --quick    # small clouds, < 20 s
    python pipelines/benchmarks/high_dimensional.py --cases 3000x10,1000x128
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

FULL = ((5000, 10), (20000, 64), (5000, 512))
QUICK = ((500, 10), (600, 64), (300, 256))

_WORKER = (
    worker_prelude()
    + r"""
import json, sys, time
import numpy as np

n, D, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
from tdasheaf import SheafFeatures
from tdasheaf.estimators._sheaf_features import _plan_cloud
from tdasheaf.utils import resolve_memory_budget

X = np.random.default_rng(seed).standard_normal((n, D))
sf = SheafFeatures()
start = time.perf_counter()
F = sf.fit_transform([X])
elapsed = time.perf_counter() - start
peak = status("VmHWM:")
lo, hi = (float(v) for v in sf.scale_range)
plan = _plan_cloud(X, sheaves=sf.sheaves_, n_neighbors=sf.n_neighbors, dim=sf.dim, lo=lo, hi=hi,
                   memory_budget=resolve_memory_budget(sf.memory_budget, sf.n_jobs))
print(json.dumps(dict(time=elapsed, peak=peak, edges=plan["n_edges"], top=plan["top"],
                      capped=plan["capped"], budget=plan["budget"],
                      estimate=plan["estimate"], finite=bool(np.isfinite(F).all()))))
"""
)


def run_case(n: int, D: int, *, seed: int = 0, timeout: float = 600.0) -> dict:
    """Run one case in a fresh interpreter; its measurements as a dict (``error`` on failure)."""
    return run_script_worker(_WORKER, [n, D, seed], timeout)


def _parse_cases(text: str) -> tuple[tuple[int, int], ...]:
    cases = []
    for item in text.split(","):
        n, _, D = item.strip().lower().partition("x")
        cases.append((int(n), int(D)))
    return tuple(cases)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small clouds (< 20 s in all)")
    parser.add_argument("--cases", type=_parse_cases, help="e.g. 5000x10,20000x64")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per case")
    add_json_argument(parser)
    args = parser.parse_args(argv)
    clock = RunClock()
    rows = []
    cases = args.cases or (QUICK if args.quick else FULL)
    print("# SheafFeatures() defaults on Gaussian clouds (one subprocess per case)")
    print(
        "| cloud | time (s) | peak RSS (MiB) | edges kept | of all pairs | top scale (r) "
        "| capped by |"
    )
    print("|---|---|---|---|---|---|---|")
    failed = 0
    for n, D in cases:
        r = run_case(n, D, seed=args.seed, timeout=args.timeout)
        rows.append(dict(r, n=n, dim=D, pairs=n * (n - 1) // 2))
        name = f"randn({n}, {D})"
        if "error" in r or not r.get("finite", False):
            failed += 1
            print(f"| {name} | - | - | - | - | - | FAILED: {r.get('error', 'non-finite')} |")
            continue
        pairs = n * (n - 1) / 2
        print(
            f"| {name} | {r['time']:.1f} | {r['peak'] / 2**20:.0f} | {r['edges']:,} | "
            f"{100 * r['edges'] / pairs:.2f} % | {r['top']:.3f} | {r['capped'] or '-'} |"
        )
    if args.json:
        write_results(args.json, "high_dimensional", argv, {"seed": args.seed, "rows": rows}, clock)
        print(f"wrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
