"""Scaling of the implicit flag engine against ripser.py, 250 → 4,000 points.

Usage: ``python pipelines/benchmarks/flag_scaling.py [--sizes 250,500,1000,2000,4000] [--repeat 2]
[--h2-sizes 200,400,800] [--before-max 400] [--threads 1]``

Torus in ℝ³ (R = 2, r = 1, uniform angles, seed 0); Rips threshold fixed at the 20th percentile
of the pairwise distances of the 1,000-point sample (so density grows with n, as in ripser's
benchmarks); degrees 0 and 1 over GF(3). Times, best of ``--repeat``, for

* ripser.py: ``ripser(X, maxdim=1, thresh=t, coeff=3)``;
* tdasheaf: ``rips_complex(X, t, max_dimension=1)`` (the graph only) +
  ``flag_persistence`` (triangles enumerated on the fly, never stored) — the route that
  ``SheafPersistence`` and ``SheafFeatures`` take;

and checks that the H1 bar counts agree. Prints a table of ratios and the log-log growth
exponents. Numba compilation is excluded (one warm-up call). tdasheaf runs on ``--threads``
numba threads (default 1, as ripser.py: degree 1 of a graph with 20,000 edges or more would
otherwise use every core; ``engine_vs_peers.py`` compares thread counts).

Second workload, degrees 0, 1 and 2 (``--h2-sizes``, empty to skip): a sphere
(``make_sphere(n, noise=0.02)``) and a torus (``make_torus(n)``), seed 0, threshold at the 25th
percentile of each cloud's own distances; ripser ``maxdim=2`` against the graph +
``flag_persistence(..., degrees=(0, 1, 2))`` (triangles stored, tetrahedra enumerated on the fly,
:mod:`tdasheaf.cohomology._flag2`). For n ≤ ``--before-max`` it also times the route H^2 took
before the degree-2 engine: ``rips_complex(X, t, 3)`` (tetrahedra stored) +
``sheaf_persistence(..., implicit=False)``. Barcodes of every degree are compared with ripser's
(relative tolerance 1e-5: ripser computes in float32; bars shorter than that dropped on both
sides) and each row prints ``agree`` or ``DIFFER``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import RunClock, add_json_argument, write_results  # noqa: E402


def torus(n: int, rng: np.random.Generator) -> np.ndarray:
    u, v = rng.uniform(0, 2 * np.pi, (2, n))
    return np.c_[(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)]


def best_of(fn, repeat: int):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _bars_agree(ours: dict, dgms, tol: float) -> bool:
    for q, theirs in enumerate(dgms):
        a = np.asarray(ours[q], dtype=float).reshape(-1, 2)
        b = np.asarray(theirs, dtype=float).reshape(-1, 2)
        a = a[a[:, 1] - a[:, 0] > tol * np.maximum(1.0, np.abs(a[:, 0]))]
        b = b[b[:, 1] - b[:, 0] > tol * np.maximum(1.0, np.abs(b[:, 0]))]
        if len(a) != len(b):
            return False
        a = a[np.lexsort((a[:, 1], a[:, 0]))]
        b = b[np.lexsort((b[:, 1], b[:, 0]))]
        if not np.allclose(a, b, rtol=tol, atol=tol):
            return False
    return True


def degree2_workload(sizes, repeat: int, before_max: int, records=None) -> bool:
    """Degrees 0–2 on a sphere and a torus: ripser vs the implicit degree-2 route."""
    import ripser

    from tdasheaf.cohomology import flag_persistence, sheaf_persistence
    from tdasheaf.complexes import rips_complex
    from tdasheaf.datasets import make_sphere, make_torus
    from tdasheaf.sheaves import constant_sheaf

    tiny = [(0, 1), (1, 2), (0, 2), (0, 3), (1, 3), (2, 3)]
    flag_persistence(4, tiny, [1.0] * 6, degrees=(0, 1, 2), field=3)  # compile
    print()
    print("# H0+H1+H2 over GF(3), threshold = 25th percentile of each cloud's distances")
    print(
        "| shape | n | edges | ripser s | tdasheaf s | ratio | before s (3-skeleton + explicit) "
        "| before ratio | H2 bars | barcodes |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    ok = True
    for shape in ("sphere", "torus"):
        for n in sizes:
            if shape == "sphere":
                X = make_sphere(n, noise=0.02, random_state=0)
            else:
                X = make_torus(n, random_state=0)
            t = float(np.quantile(pdist(X), 0.25))
            t_r, res = best_of(
                lambda X=X, t=t: ripser.ripser(X, maxdim=2, thresh=t, coeff=3), repeat
            )

            def ours(X=X, t=t):
                K = rips_complex(X, t, 1)
                bars = flag_persistence(
                    len(X), K.simplices[1], K.filtrations[1], degrees=(0, 1, 2), field=3
                )
                return K, bars

            t_f, (K, bars) = best_of(ours, repeat)
            before = ratio_before = "-"
            if n <= before_max:

                def old(X=X, t=t):
                    K3 = rips_complex(X, t, 3)
                    return sheaf_persistence(
                        constant_sheaf(K3), (0, 1, 2), field=3, implicit=False, validate=False
                    )

                t_b, old_bars = best_of(old, repeat)
                before, ratio_before = f"{t_b:.3f}", f"{t_b / t_r:.2f}"
                ok &= _bars_agree(old_bars, [bars[q] for q in range(3)], 1e-12)
            agree = _bars_agree(bars, res["dgms"], 1e-5)
            ok &= agree
            print(
                f"| {shape} | {n} | {len(K.simplices[1])} | {t_r:.3f} | {t_f:.3f} | "
                f"{t_f / t_r:.2f} | {before} | {ratio_before} | {len(bars[2])} | "
                f"{'agree' if agree else 'DIFFER'} |"
            )
            if records is not None:
                records.append(
                    {"shape": shape, "n": n, "edges": len(K.simplices[1]), "ripser_s": t_r,
                     "tdasheaf_s": t_f, "ratio": t_f / t_r,
                     "before_s": None if before == "-" else float(before),
                     "before_ratio": None if before == "-" else t_b / t_r,
                     "h2_bars": len(bars[2]), "agree": bool(agree)}
                )
    return ok


def main(argv=None) -> int:
    import ripser

    from tdasheaf.cohomology import flag_persistence
    from tdasheaf.complexes import rips_complex

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,500,1000,2000,4000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--h2-sizes", default="200,400,800")
    parser.add_argument("--before-max", type=int, default=400)
    parser.add_argument(
        "--threads", type=int, default=1, help="numba threads for tdasheaf (ripser.py has one)"
    )
    add_json_argument(parser)
    args = parser.parse_args(argv)
    import numba

    previous = numba.get_num_threads()  # restored on return (tests call main in-process)
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    try:
        return _run(args, argv, flag_persistence, rips_complex, ripser)
    finally:
        numba.set_num_threads(previous)


def _run(args, argv, flag_persistence, rips_complex, ripser) -> int:
    clock = RunClock()
    h1_records, h2_records = [], []
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rng = np.random.default_rng(0)
    threshold = float(np.percentile(pdist(torus(1000, np.random.default_rng(0))), 20))
    flag_persistence(3, [(0, 1), (1, 2), (0, 2)], [1.0, 1.0, 1.0], field=3)  # compile
    print(f"# torus, threshold {threshold:.4f} (20th percentile at n=1000), GF(3), H0+H1")
    print("| n | edges | ripser s | tdasheaf s | ratio | H1 bars (ripser / tdasheaf) |")
    print("|---|---|---|---|---|---|")
    rows = []
    for n in sizes:
        X = torus(n, rng)
        t_r, res = best_of(
            lambda X=X: ripser.ripser(X, maxdim=1, thresh=threshold, coeff=3), args.repeat
        )

        def ours(X=X):
            K = rips_complex(X, threshold, 1)
            bars = flag_persistence(len(X), K.simplices[1], K.filtrations[1], field=3)
            return K, bars

        t_f, (K, bars) = best_of(ours, args.repeat)
        h1 = res["dgms"][1]
        h1 = h1[h1[:, 1] - h1[:, 0] > 1e-6 * max(1.0, threshold)]
        rows.append((n, t_r, t_f))
        h1_records.append(
            {"n": n, "edges": len(K.simplices[1]), "ripser_s": t_r, "tdasheaf_s": t_f,
             "ratio": t_f / t_r, "h1_bars_ripser": len(h1), "h1_bars_tdasheaf": len(bars[1])}
        )
        print(
            f"| {n} | {len(K.simplices[1])} | {t_r:.3f} | {t_f:.3f} | {t_f / t_r:.2f} | "
            f"{len(h1)} / {len(bars[1])} |"
        )
    if len(rows) > 1:
        n, tr, tf = (np.log(np.array(c)) for c in zip(*rows, strict=True))
        print(
            f"growth exponent: ripser {np.polyfit(n, tr, 1)[0]:.2f}, "
            f"tdasheaf {np.polyfit(n, tf, 1)[0]:.2f}"
        )
    h2_sizes = [int(s) for s in args.h2_sizes.split(",") if s]
    ok = not h2_sizes or degree2_workload(h2_sizes, args.repeat, args.before_max, h2_records)
    if args.json:
        res = {"threshold": threshold, "repeat": args.repeat, "h1": h1_records,
               "h2": h2_records, "ok": bool(ok)}
        if len(rows) > 1:
            res["growth_exponent"] = {"ripser": float(np.polyfit(n, tr, 1)[0]),
                                      "tdasheaf": float(np.polyfit(n, tf, 1)[0])}
        write_results(args.json, "flag_scaling", argv, res, clock)
        print(f"wrote {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
