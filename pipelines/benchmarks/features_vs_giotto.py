"""Feature-extraction time: tdasheaf's SheafFeatures against giotto-tda's Rips + entropy + image.

How to run (from the repository root)::

    python pipelines/benchmarks/features_vs_giotto.py                  # full run, ~15 min
    python pipelines/benchmarks/features_vs_giotto.py --quick          # smoke run, seconds
    python pipelines/benchmarks/features_vs_giotto.py --json out.json --jobs 1,2 --repeat 3

giotto-tda pins old scikit-learn / numpy, so it runs in its own throwaway venv, never in the
project's environment. Create it once (tested: Python 3.11, giotto-tda 0.6.2, giotto-ph 0.2.4,
numpy 1.26.4, scikit-learn 1.3.2, scipy 1.17.1 — what a plain ``pip install giotto-tda``
resolved to)::

    python3 -m venv /tmp/gtda-venv
    /tmp/gtda-venv/bin/pip install giotto-tda==0.6.2 'numpy<2' 'scikit-learn==1.3.*'

This script saves the clouds to a temporary ``.npz`` and runs ``_giotto_worker.py`` with that
venv's interpreter (``--giotto-python``, default ``/tmp/gtda-venv/bin/python``); the worker
prints its times as JSON. If the interpreter is missing, the commands above are printed, the
giotto side is skipped and the exit status is still 0.

Workload: ``--n-clouds`` (200) clouds of ``--n-points`` (300) points, the shapes cycling through
sphere, torus (R = 2, r = 1), Klein bottle (R = 2, r = 1), cylinder and Möbius band (width 0.6),
every cloud embedded in R^4 (zero coordinates appended), with Gaussian noise of sd 0.01 and a
random rigid motion (``random_rotation``), all from ``--seed``.

Variants, each with ``n_jobs=J`` for J in ``--jobs`` (1 and 2):

* tdasheaf ``SheafFeatures(n_jobs=J)``: the defaults (constant, orientation and tangent sheaves;
  Rips graph capped at 3 neighbourhood radii);
* tdasheaf ``SheafFeatures(sheaves=("constant",), n_jobs=J)``: the constant-sheaf part alone;
* tdasheaf ``RipsPersistence`` + ``PersistenceEntropy`` + ``PersistenceImage`` (all with
  ``n_jobs=J``, full Rips, ``homology_dimensions=(0, 1)``): a like-for-like reference;
* giotto-tda ``VietorisRipsPersistence(homology_dimensions=(0, 1), n_jobs=J)`` +
  ``PersistenceEntropy(n_jobs=J)`` + ``PersistenceImage(n_jobs=J)`` (full Rips: no edge-length
  cap, unlike ``SheafFeatures``).

Times are ``time.perf_counter`` seconds for the whole collection (``fit_transform``), best of
``--repeat`` runs after an untimed warm-up with each J (numba compilation and the start of joblib's
worker processes are excluded on both sides). The runs are interleaved (repeat x J x variant,
giotto launched once per repeat and J, warming up again in its fresh process) so that load
changes on a shared machine hit every variant alike.
Ratios are tdasheaf / giotto at the same J (< 1: tdasheaf faster). Both sides run one engine
thread per job (tdasheaf's numba threads set to 1, giotto-ph's ``n_threads`` at giotto-tda's 1).
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
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import run_json_worker  # noqa: E402

DEFAULT_GIOTTO_PYTHON = "/tmp/gtda-venv/bin/python"
WORKER = Path(__file__).resolve().parent / "_giotto_worker.py"
VENV_COMMANDS = (
    "python3 -m venv /tmp/gtda-venv\n"
    "/tmp/gtda-venv/bin/pip install giotto-tda==0.6.2 'numpy<2' 'scikit-learn==1.3.*'"
)
SHAPES = ("sphere", "torus", "klein_bottle", "cylinder", "mobius_band")
NOISE = 0.01
DIM = 4


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------


def make_clouds(n_clouds: int, n_points: int, seed: int) -> np.ndarray:
    """``(n_clouds, n_points, 4)``: the shapes in turn, padded to R^4, noisy, rigidly moved."""
    from tdasheaf.datasets import (
        make_cylinder,
        make_klein_bottle,
        make_mobius_band,
        make_sphere,
        make_torus,
        random_rotation,
    )

    makers = {
        "sphere": lambda n, rs: make_sphere(n, random_state=rs),
        "torus": lambda n, rs: make_torus(n, random_state=rs),
        "klein_bottle": lambda n, rs: make_klein_bottle(n, random_state=rs),
        "cylinder": lambda n, rs: make_cylinder(n, width=0.6, random_state=rs),
        "mobius_band": lambda n, rs: make_mobius_band(n, width=0.6, random_state=rs),
    }
    rng = np.random.default_rng(seed)
    out = np.empty((n_clouds, n_points, DIM))
    for i in range(n_clouds):
        X = makers[SHAPES[i % len(SHAPES)]](n_points, rng)
        X = np.column_stack([X, np.zeros((n_points, DIM - X.shape[1]))])
        X = X + NOISE * rng.standard_normal(X.shape)
        out[i] = random_rotation(X, random_state=rng)
    return out


# ----------------------------------------------------------------------------------------------
# tdasheaf side
# ----------------------------------------------------------------------------------------------


def _sheaf_all(X, J):
    from tdasheaf.estimators import SheafFeatures

    return SheafFeatures(n_jobs=J).fit_transform(X)


def _sheaf_constant(X, J):
    from tdasheaf.estimators import SheafFeatures

    return SheafFeatures(sheaves=("constant",), n_jobs=J).fit_transform(X)


def _tdasheaf_rips(X, J):
    from tdasheaf.estimators import PersistenceEntropy, PersistenceImage, RipsPersistence

    D = RipsPersistence(homology_dimensions=(0, 1), n_jobs=J).fit_transform(X)
    E = PersistenceEntropy(n_jobs=J).fit_transform(D)
    image = PersistenceImage(n_jobs=J).fit_transform(D)
    return E, image


VARIANTS = {
    "SheafFeatures (all sheaves)": _sheaf_all,
    "SheafFeatures (constant only)": _sheaf_constant,
    "tdasheaf Rips+entropy+image": _tdasheaf_rips,
}


def time_once(fn, X, J):
    """Seconds for ``fn(X, J)``, numba on one thread: giotto-ph's ``n_threads`` is 1 in
    giotto-tda, and with ``n_jobs=2`` every joblib chunk runs on one thread already."""
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        t0 = time.perf_counter()
        fn(X, J)
        return time.perf_counter() - t0
    finally:
        numba.set_num_threads(previous)


# ----------------------------------------------------------------------------------------------
# giotto side (subprocess in its own venv)
# ----------------------------------------------------------------------------------------------


def giotto_available(python) -> bool:
    """Whether ``python`` exists; if not, print the commands that create the venv."""
    if os.path.isfile(python) and os.access(python, os.X_OK):
        return True
    print(
        f"giotto-tda interpreter {python!r} not found: skipping giotto. Create it with\n\n"
        + "\n".join("    " + line for line in VENV_COMMANDS.splitlines())
        + "\n\nthen rerun (or pass --giotto-python PATH).",
        flush=True,
    )
    return False


def run_giotto(python, npz_path, J, timeout):
    """One timed giotto run with ``n_jobs=J`` (the worker's JSON), or ``None`` on failure."""
    cmd = [python, str(WORKER), npz_path, "--jobs", str(J), "--repeat", "1"]
    return run_json_worker(cmd, "GIOTTO_RESULT", timeout, "giotto worker", "skipping giotto")


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


def table(ours, giotto, jobs, n_clouds) -> str:
    lines = [
        "| variant | n_jobs | time (s) | ms/cloud | giotto (s) | ratio tdasheaf / giotto |",
        "|---|---|---|---|---|---|",
    ]
    for J in jobs:
        g = giotto["results"][str(J)]["total"] if giotto else None
        for name in VARIANTS:
            t = ours[name][str(J)]["best"]
            gs = f"{g:.2f}" if g is not None else "—"
            ratio = f"{t / g:.2f}" if g else "—"
            lines.append(f"| {name} | {J} | {t:.2f} | {1000 * t / n_clouds:.1f} | {gs} | {ratio} |")
    if giotto:
        for J in jobs:
            r = giotto["results"][str(J)]
            lines.append(
                f"| giotto-tda VR+entropy+image | {J} | {r['total']:.2f} | "
                f"{1000 * r['total'] / n_clouds:.1f} | (rips {r['rips']:.2f}, entropy "
                f"{r['entropy']:.2f}, image {r['image']:.2f}) | 1 |"
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
    p.add_argument("--n-clouds", type=int, default=None, help="default 200 (10 with --quick)")
    p.add_argument("--n-points", type=int, default=None, help="default 300 (100 with --quick)")
    p.add_argument("--jobs", default=None, help="comma-separated n_jobs (default 1,2; --quick 1)")
    p.add_argument("--repeat", type=int, default=None, help="best of (default 3; --quick 1)")
    p.add_argument("--quick", action="store_true", help="a few small clouds: smoke run")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--giotto-python", default=DEFAULT_GIOTTO_PYTHON, metavar="PATH")
    p.add_argument("--timeout", type=float, default=3600.0, help="giotto worker timeout (s)")
    p.add_argument("--json", metavar="PATH", help="also write every number to PATH (JSON)")
    args = p.parse_args(argv)
    q = args.quick
    args.n_clouds = args.n_clouds or (10 if q else 200)
    args.n_points = args.n_points or (100 if q else 300)
    args.repeat = args.repeat or (1 if q else 3)
    args.jobs = [int(j) for j in (args.jobs or ("1" if q else "1,2")).split(",") if j.strip()]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    X = make_clouds(args.n_clouds, args.n_points, args.seed)
    print(
        f"# features vs giotto: {args.n_clouds} clouds x {args.n_points} points in R^{DIM}, "
        f"n_jobs {args.jobs}, best of {args.repeat}",
        flush=True,
    )
    for J in args.jobs:  # warm-up: numba compilation, joblib's worker processes
        for fn in VARIANTS.values():
            fn(X[: max(3, 2 * J)], J)
    use_giotto = giotto_available(args.giotto_python)
    ours = {name: {str(J): {"all": []} for J in args.jobs} for name in VARIANTS}
    runs = {str(J): [] for J in args.jobs}
    load = [os.getloadavg()[0]] if hasattr(os, "getloadavg") else []
    with tempfile.TemporaryDirectory(prefix="gtda-bench-") as tmp:
        npz = os.path.join(tmp, "clouds.npz")
        np.savez(npz, X=X)
        # round robin (repeat x J x variant): load changes on a shared machine hit all alike
        for rep in range(args.repeat):
            for J in args.jobs:
                tag = f"  [{rep + 1}/{args.repeat}] n_jobs={J}"
                for name, fn in VARIANTS.items():
                    t = time_once(fn, X, J)
                    ours[name][str(J)]["all"].append(t)
                    print(f"{tag} {name:30s} {t:8.3f} s", flush=True)
                if use_giotto:
                    r = run_giotto(args.giotto_python, npz, J, args.timeout)
                    if r is None:
                        use_giotto = False
                        continue
                    runs[str(J)].append(r)
                    t = r["results"][str(J)]["total"]
                    print(f"{tag} {'giotto-tda VR+entropy+image':30s} {t:8.3f} s", flush=True)
    if load:
        load.append(os.getloadavg()[0])
    for name in VARIANTS:
        for J in args.jobs:
            ours[name][str(J)]["best"] = min(ours[name][str(J)]["all"])
    giotto = None
    if use_giotto:
        giotto = {"versions": runs[str(args.jobs[0])][0]["versions"], "results": {}}
        for J in args.jobs:
            totals = [r["results"][str(J)]["total"] for r in runs[str(J)]]
            best = min(runs[str(J)], key=lambda r: r["results"][str(J)]["total"])
            giotto["results"][str(J)] = dict(best["results"][str(J)], all_totals=totals)
    print()
    print(table(ours, giotto, args.jobs, args.n_clouds))
    if giotto:
        print(f"\ngiotto versions: {giotto['versions']}")
    if load:
        print(
            f"1-min load average at start / end: {load[0]:.1f} / {load[-1]:.1f}, "
            f"{os.cpu_count()} CPUs"
        )
    if args.json:
        write_json(
            args.json,
            {
                "benchmark": "features_vs_giotto",
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "argv": sys.argv[1:] if argv is None else list(argv),
                "n_clouds": args.n_clouds,
                "n_points": args.n_points,
                "jobs": args.jobs,
                "repeat": args.repeat,
                "seed": args.seed,
                "versions": _versions(),
                "tdasheaf": ours,
                "giotto": giotto,
                "load_average_start_end": load,
                "notes": (
                    ["measured with other load on the machine: 1-min load average above 1"]
                    if load and max(load) > 1
                    else []
                ),
            },
        )
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
