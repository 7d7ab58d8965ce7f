"""Scaling of the implicit flag engine against ripser.py, 250 → 4,000 points.

Usage: ``python pipelines/benchmarks/flag_scaling.py [--sizes 250,500,1000,2000,4000] [--repeat 2]``

Torus in ℝ³ (R = 2, r = 1, uniform angles, seed 0); Rips threshold fixed at the 20th percentile
of the pairwise distances of the 1,000-point sample (so density grows with n, as in ripser's
benchmarks); degrees 0 and 1 over GF(3). Times, best of ``--repeat``, for

* ripser.py: ``ripser(X, maxdim=1, thresh=t, coeff=3)``;
* tdasheaf: ``rips_complex(X, t, max_dimension=1)`` (the graph only) +
  ``flag_persistence`` (triangles enumerated on the fly, never stored) — the route that
  ``SheafPersistence`` and ``SheafFeatures`` take;

and checks that the H1 bar counts agree. Prints a table of ratios and the log-log growth
exponents. Numba compilation is excluded (one warm-up call).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.spatial.distance import pdist


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


def main(argv=None) -> int:
    import ripser

    from tdasheaf.cohomology import flag_persistence
    from tdasheaf.complexes import rips_complex

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,500,1000,2000,4000")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
