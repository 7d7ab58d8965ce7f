"""Throughput and memory of batch feature extraction (``tdasheaf-extract``).

Usage::

    python pipelines/benchmarks/batch_throughput.py              # 1,000 clouds, n_jobs 1 and 2
    python pipelines/benchmarks/batch_throughput.py --n-clouds 300 --memory-sizes 100,300
    python pipelines/benchmarks/batch_throughput.py --quick      # smoke run, a few seconds

Writes ``--n-clouds`` point clouds of ``--n-points`` points (sphere, torus, cylinder, Möbius
band, Swiss roll in ℝ³, noise 0.02, seed 0) as ``.npy`` files to a temporary folder, then runs
the command line (:func:`tdasheaf_pipelines.extract_features.main`, the default
``SheafFeatures``, Parquet output) in a fresh Python process per configuration and reports:

* throughput: wall-clock seconds of ``main`` (listing, reading, features, chunk files,
  assembly, joblib worker start-up; not the interpreter start) and clouds per second, for
  each ``--n-jobs`` (best of ``--repeat`` interleaved runs);
* memory: peak RSS of the main process and peak total RSS of the process tree (main + joblib
  workers, sampled every 50 ms with psutil when it is installed), for each of
  ``--memory-sizes`` clouds (n_jobs 1): flat when the run is chunked.

Also prints the load average before and after, since other work on the machine changes the
absolute numbers (the ratios are what matter).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import RunClock, add_json_argument, write_results  # noqa: E402

SHAPES = ("sphere", "torus", "cylinder", "mobius_band", "swiss_roll")


def make_clouds(folder: Path, n_clouds: int, n_points: int) -> None:
    from tdasheaf.datasets import make_shape

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_clouds):
        X = make_shape(SHAPES[i % len(SHAPES)], n_points, noise=0.02, random_state=i)
        if X.shape[1] < 3:
            X = np.c_[X, np.zeros((len(X), 3 - X.shape[1]))]
        np.save(folder / f"cloud_{i:05d}.npy", X)


def _child(argv: list[str]) -> None:
    """Run the CLI in this process; print wall time and peak memory as JSON."""
    import resource

    from tdasheaf_pipelines.extract_features import main

    peak = {"tree": 0}
    stop = threading.Event()
    try:
        import psutil

        me = psutil.Process()

        def sample():
            while not stop.is_set():
                try:
                    rss = me.memory_info().rss + sum(
                        c.memory_info().rss for c in me.children(recursive=True)
                    )
                except psutil.Error:
                    rss = 0
                peak["tree"] = max(peak["tree"], rss)
                stop.wait(0.05)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
    except ImportError:
        thread = None
    t0 = time.perf_counter()
    code = main(argv)
    wall = time.perf_counter() - t0
    stop.set()
    if thread is not None:
        thread.join()
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"code": code, "wall": wall, "self": self_peak, "tree": peak["tree"]}))


def run(folder: Path, out: Path, n_jobs: int, chunk_size: int) -> dict:
    argv = [str(folder), "-o", str(out), "--n-jobs", str(n_jobs)]
    argv += ["--chunk-size", str(chunk_size), "-q"]
    proc = subprocess.run(
        [sys.executable, __file__, "--_child", json.dumps(argv)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the run failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clouds", type=int, default=1000)
    parser.add_argument("--n-points", type=int, default=200)
    parser.add_argument("--n-jobs", default="1,2", help="comma list")
    parser.add_argument("--chunk-size", type=int, default=32)
    parser.add_argument("--memory-sizes", default="250,1000", help="comma list (n_jobs 1)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per n_jobs, best kept")
    parser.add_argument("--quick", action="store_true", help="40 clouds, memory 20,40")
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    add_json_argument(parser)
    args = parser.parse_args(argv)
    clock = RunClock()
    out = {"n_points": args.n_points, "chunk_size": args.chunk_size, "throughput": [],
           "memory": []}
    if args._child:
        _child(json.loads(args._child))
        return 0
    if args.quick:
        args.n_clouds, args.memory_sizes, args.chunk_size = 40, "20,40", 8
    jobs = [int(j) for j in args.n_jobs.split(",")]
    sizes = sorted(int(s) for s in args.memory_sizes.split(","))
    print(f"# {os.cpu_count()} CPUs, load average before: {os.getloadavg()}")
    print(f"# clouds: {args.n_points} points in R^3, default SheafFeatures, chunk size "
          f"{args.chunk_size}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="tdasheaf-bench-") as tmp:
        tmp = Path(tmp)
        folders = {}
        for n in sorted({args.n_clouds, *sizes}):
            folders[n] = tmp / f"clouds_{n}"
            make_clouds(folders[n], n, args.n_points)
        print("\n| clouds | n_jobs | wall s | clouds/s | speed-up | peak RSS tree MiB |")
        print("|---|---|---|---|---|---|")
        base = None
        runs = {}
        for _ in range(args.repeat):  # interleaved, so that other load hits every variant
            for j in jobs:
                r = run(folders[args.n_clouds], tmp / f"t{j}.parquet", j, args.chunk_size)
                best = runs.get((args.n_clouds, j))
                if best is None or r["wall"] < best["wall"]:
                    runs[(args.n_clouds, j)] = r
        for j in jobs:
            r = runs[(args.n_clouds, j)]
            rate = args.n_clouds / r["wall"]
            base = base or rate
            tree = f"{r['tree'] / 2**20:.0f}" if r["tree"] else "n/a"
            print(
                f"| {args.n_clouds} | {j} | {r['wall']:.1f} | {rate:.2f} | {rate / base:.2f} "
                f"| {tree} |"
            )
            out["throughput"].append({"clouds": args.n_clouds, "n_jobs": j, "wall": r["wall"],
                                      "clouds_per_s": rate, "speed_up": rate / base,
                                      "peak_rss_tree": r["tree"]})
        print("\n| clouds | n_jobs | peak RSS main MiB | peak RSS tree MiB |")
        print("|---|---|---|---|")
        for n in sizes:
            r = runs.get((n, 1)) or run(folders[n], tmp / f"m{n}.parquet", 1, args.chunk_size)
            tree = f"{r['tree'] / 2**20:.0f}" if r["tree"] else "n/a (no psutil)"
            print(f"| {n} | 1 | {r['self'] / 2**20:.0f} | {tree} |")
            out["memory"].append({"clouds": n, "n_jobs": 1, "peak_rss_main": r["self"],
                                  "peak_rss_tree": r["tree"]})
    print(f"\n# load average after: {os.getloadavg()}")
    if args.json:
        write_results(args.json, "batch_throughput", argv, out, clock)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
