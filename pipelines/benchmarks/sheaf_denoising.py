"""Denoising by sheaf diffusion: tangent sheaf vs graph Laplacian vs no smoothing.

How to run (from the repository root)::

    python pipelines/benchmarks/sheaf_denoising.py            # full run, ~1 min
    python pipelines/benchmarks/sheaf_denoising.py --quick    # a few seconds

Workloads (``n`` points, Gaussian noise of standard deviation ``σ`` per ambient coordinate added
to the signal; RMS error ``sqrt(mean_i ‖v̂_i − v_i‖²)`` against the clean signal, averaged over
``--seeds`` seeds):

* ``sphere/rotation``: the unit sphere, ``v = e_z × x`` (a Killing field);
* ``flat-torus/parallel``: the flat torus in ℝ⁴, ``v = ∂_u`` (a parallel field; in ambient
  coordinates ``(−sin u, cos u, 0, 0)``, a Laplace eigenfunction);
* ``sphere/noisy-points``: the rotation field, but the *points* are perturbed too (``σ_x =
  0.08``) while the field is that of the clean points — local frames are then poor;
* ``sphere/scalar``: a scalar function ``f = z + x y`` (no tangent structure).

Methods (all :class:`tdasheaf.SheafDenoiser`, symmetrised 10-NN graph, random-walk
normalisation, so ``t`` counts random-walk steps; frames: local PCA of 15 neighbours, ``d = 2``):
``none``; ``projection`` (the noisy vectors projected on the estimated tangent planes, no
diffusion); ``graph`` (constant sheaf ℝ^D: componentwise graph-Laplacian heat flow of the ambient
vectors); ``graph+projection`` (the same, then projected on the tangent planes, to separate the
effect of dropping normal noise from that of the connection); ``tangent`` (tangent sheaf:
heat flow of the O(d) connection, Singer–Wu's vector diffusion); for the scalar case ``signal``
(the signal sheaf with fitted maps) instead of the tangent methods.

Only the public API of tdasheaf is used, plus numpy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from tdasheaf import SheafDenoiser
from tdasheaf.datasets import make_flat_torus, make_sphere
from tdasheaf.sheaves import local_frames

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import RunClock, add_json_argument, write_results  # noqa: E402

TIMES = (1.0, 3.0, 10.0, 30.0, 100.0)
N_NEIGHBORS = 10
FRAME_NEIGHBORS = 15


def workload(name: str, n: int, seed: int):
    """Points (for the graph), clean signal, and whether the signal is a tangent field."""
    if name == "flat-torus/parallel":
        X, P = make_flat_torus(n, random_state=seed, return_params=True)
        u = P[:, 0]
        return X, np.c_[-np.sin(u), np.cos(u), 0 * u, 0 * u], True
    X = make_sphere(n, random_state=seed)
    if name == "sphere/rotation":
        return X, np.cross([0.0, 0.0, 1.0], X), True
    if name == "sphere/noisy-points":
        V = np.cross([0.0, 0.0, 1.0], X)
        noisy_X = X + 0.08 * np.random.default_rng(seed + 1000).normal(size=X.shape)
        return noisy_X, V, True
    if name == "sphere/scalar":
        return X, (X[:, 2] + X[:, 0] * X[:, 1])[:, None], False
    raise ValueError(name)


WORKLOADS = ("sphere/rotation", "flat-torus/parallel", "sphere/noisy-points", "sphere/scalar")


def rms(A: np.ndarray, V: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.sum((A - V) ** 2, axis=1))))


def run_case(name: str, n: int, sigma: float, seed: int) -> dict[str, dict[float, float]]:
    """RMS error of every method and time (time 0.0 for the methods without diffusion)."""
    X, V, tangent = workload(name, n, seed)
    noisy = V + sigma * np.random.default_rng(seed).normal(size=V.shape)
    m = V.shape[1]
    cloud = [np.c_[X, noisy]]
    out: dict[str, dict[float, float]] = {"none": {0.0: rms(noisy, V)}}

    def smooth(sheaf, t):
        den = SheafDenoiser(sheaf=sheaf, t=t, n_signal_features=m, graph_neighbors=N_NEIGHBORS,
                            frame_neighbors=FRAME_NEIGHBORS, dim=2)
        return den.fit_transform(cloud)[0][:, -m:]

    if tangent:
        O = local_frames(X, n_neighbors=FRAME_NEIGHBORS, dim=2).frames

        def project(W):
            return np.einsum("nDd,nd->nD", O, np.einsum("nDd,nD->nd", O, W))

        out["projection"] = {0.0: rms(project(noisy), V)}
        out["graph"], out["graph+projection"], out["tangent"] = {}, {}, {}
        for t in TIMES:
            g = smooth("constant", t)
            out["graph"][t] = rms(g, V)
            out["graph+projection"][t] = rms(project(g), V)
            out["tangent"][t] = rms(smooth("tangent", t), V)
    else:
        out["graph"], out["signal"] = {}, {}
        for t in TIMES:
            out["graph"][t] = rms(smooth("constant", t), V)
            out["signal"][t] = rms(smooth("signal", t), V)
    return out


def average(runs: list[dict]) -> dict[str, dict[float, float]]:
    return {
        method: {t: float(np.mean([r[method][t] for r in runs])) for t in runs[0][method]}
        for method in runs[0]
    }


def best(errors: dict[float, float]) -> tuple[float, float]:
    t = min(errors, key=errors.get)
    return errors[t], t


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="400 points, one seed, σ = 0.3")
    parser.add_argument("--n", type=int, default=None, help="points per cloud (default 800)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds averaged (default 3)")
    add_json_argument(parser)
    args = parser.parse_args(argv)
    clock = RunClock()
    rows = []
    n = args.n or (400 if args.quick else 800)
    n_seeds = args.seeds or (1 if args.quick else 3)
    sigmas = (0.3,) if args.quick else (0.1, 0.3)
    start = time.perf_counter()
    summary = []
    print(f"RMS error against the clean signal, n = {n}, mean over {n_seeds} seed(s); "
          f"t in random-walk steps")
    for name in WORKLOADS:
        for sigma in sigmas:
            res = average([run_case(name, n, sigma, seed) for seed in range(n_seeds)])
            print(f"\n{name}, σ = {sigma}\n")
            print("| method | " + " | ".join(f"t={t:g}" for t in TIMES) + " |")
            print("|---|" + "---|" * len(TIMES))
            for method, errors in res.items():
                cells = [f"{errors.get(t, errors.get(0.0)):.4f}" for t in TIMES]
                print(f"| {method} | " + " | ".join(cells) + " |")
            summary.append((name, sigma, res))
    print("\nsummary (each method at its best t):\n")
    print("| workload | σ | none | graph | graph+projection | sheaf | sheaf / graph |")
    print("|---|---|---|---|---|---|---|")
    for name, sigma, res in summary:
        sheaf = "tangent" if "tangent" in res else "signal"
        g, tg = best(res["graph"])
        s, ts = best(res[sheaf])
        gp = f"{best(res['graph+projection'])[0]:.4f}" if "graph+projection" in res else "–"
        print(f"| {name} | {sigma} | {res['none'][0.0]:.4f} | {g:.4f} (t={tg:g}) | {gp} | "
              f"{sheaf} {s:.4f} (t={ts:g}) | {s / g:.2f} |")
        rows.append({
            "workload": name, "sigma": sigma, "none": res["none"][0.0],
            "graph": g, "graph_t": tg,
            "graph_projection": best(res["graph+projection"])[0]
            if "graph+projection" in res else None,
            "sheaf": sheaf, "sheaf_error": s, "sheaf_t": ts, "sheaf_over_graph": s / g,
            "per_t": {m: {f"{t:g}": e for t, e in errs.items()} for m, errs in res.items()},
        })
    print(f"\n{time.perf_counter() - start:.1f} s")
    if args.json:
        write_results(args.json, "sheaf_denoising", argv,
                      {"n": n, "seeds": n_seeds, "times": list(TIMES), "rows": rows}, clock)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
