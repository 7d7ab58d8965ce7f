"""Persistent sheaf-Laplacian spectra: tdasheaf against petls, on the same complexes.

How to run (from the repository root)::

    python pipelines/benchmarks/laplacian_spectra.py                 # full run, a few minutes
    python pipelines/benchmarks/laplacian_spectra.py --quick         # < 1 min
    python pipelines/benchmarks/laplacian_spectra.py --no-petls      # tdasheaf side only

petls (PyPI ``petls``, the persistent Laplacian library of Jones–Wei; C++ with pybind11) is
**not** a dependency of tdasheaf: it imports pytest and pandas at import time and computes in
single precision. It runs in its own throwaway virtual environment, created once with::

    python -m venv /tmp/petls-venv && /tmp/petls-venv/bin/pip install petls numpy

(``--venv PATH`` points elsewhere). This script then calls that interpreter in a subprocess: the
complex is serialised to an ``.npz`` file (per dimension: the boundary matrix ``∂_k = (δ^{k-1})ᵀ``
as COO triplets and the filtration value of every basis vector; and the list of requests
``(q, a, b)``); the child builds ``petls.PersistentSheafLaplacian(boundaries=..., filtrations=...)``
(petls' sheaf class: rank-1 stalks, restriction values in the boundary matrices), times
``spectra(q, a, b)`` for every request and writes every eigenvalue back to an ``.npz`` file.
Without the venv the petls columns say ``n/a``.

Workloads: a torus sample in R^3 (R = 2, r = 1, seed 0), Vietoris–Rips capped at the 5th
percentile of its pairwise distances, up to triangles; sheaves ``constant`` and
``orientation`` (rank 1; simplices with stalk 0 are left out of the bases, as petls has no
such notion); degrees 0 and 1; the pairs ``(a, b)`` are ``a = b`` and consecutive scales on
the quartiles of the edge values. tdasheaf computes the dense persistent Laplacian
(:func:`tdasheaf.cohomology.persistent_laplacian`, Schur complement in float64) and all its
eigenvalues with ``numpy.linalg.eigvalsh``, exactly what petls computes; the time of the
smallest-k path (:func:`tdasheaf.cohomology.persistent_spectrum`, ``k = 10``) is reported as
well. Times are ``time.perf_counter`` seconds summed over the requests of a workload, best of
``--repeat`` runs (petls' import time excluded), both sides single-threaded (BLAS/OpenMP pools
of 1: on a busy machine multi-threaded OpenBLAS eigensolvers are erratic, up to 50× slower).
Ratio = tdasheaf / petls.

Agreement: the sorted spectra of every request must have the same length and differ by at
most ``SLACK · n · ε₃₂ · max(1, λ_max)`` (petls is single precision: float32 eigenvalues of an
n × n matrix carry errors up to ~ n·ε₃₂·‖L‖; the table reports the largest difference in units
of ``n · ε₃₂ · max(1, λ_max)``), and the zero counts (eigenvalues below
``ZERO_RTOL_32 · max(1, λ_max)``) must agree — they are the persistent Betti numbers, checked
here against :func:`tdasheaf.cohomology.sheaf_persistence` too. "agree" or "DIFFER" is printed
for every workload.

Only the public API of tdasheaf is used, plus numpy and scipy.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist

from tdasheaf.cohomology import (
    coboundary,
    persistent_laplacian,
    persistent_spectrum,
    sheaf_persistence,
)
from tdasheaf.complexes import rips_complex
from tdasheaf.datasets import make_torus
from tdasheaf.sheaves import constant_sheaf, orientation_sheaf

#: float32 machine epsilon: spectra of n × n matrices agree when they differ by at most
#: ``SLACK · n · EPS32 · max(1, λ_max)`` (petls computes in single precision).
EPS32 = float(np.finfo(np.float32).eps)
SLACK = 4.0
#: Zero threshold used on both sides when counting the kernel, relative to max(1, λ_max).
ZERO_RTOL_32 = 1e-4
DEFAULT_VENV = "/tmp/petls-venv"
#: Both sides run single-threaded (BLAS/OpenMP thread pools of 1): fair, and immune to the
#: oversubscription that makes multi-threaded OpenBLAS erratic on a busy machine.
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
PERCENTILE = 5.0
SEED = 0

# The code run by the venv's interpreter: numpy + petls only.
_CHILD = r"""
import sys, time
import numpy as np
from scipy.sparse import csc_matrix
import petls

data = np.load(sys.argv[1])
top = int(data["top"])
boundaries = [
    csc_matrix((data[f"v{k}"], (data[f"r{k}"], data[f"c{k}"])), shape=tuple(data[f"s{k}"]))
    for k in range(1, top + 1)
]
filtrations = [data[f"f{k}"].tolist() for k in range(top + 1)]
requests = data["requests"]
repeat = int(data["repeat"])
best, spectra = np.inf, None
for _ in range(repeat):
    t0 = time.perf_counter()
    pl = petls.PersistentSheafLaplacian(boundaries=boundaries, filtrations=filtrations)
    out = [np.asarray(pl.spectra(int(q), float(a), float(b)), dtype=np.float64)
           for q, a, b in requests]
    best = min(best, time.perf_counter() - t0)
    spectra = out
np.savez(sys.argv[2], time=best, lengths=np.array([len(s) for s in spectra]),
         values=np.concatenate(spectra) if spectra else np.empty(0),
         version=petls.__version__ if hasattr(petls, "__version__") else "?")
"""


# ----------------------------------------------------------------------------------------------
# Workloads
# ----------------------------------------------------------------------------------------------


def workload(n_points: int, sheaf: str):
    """(sheaf, requests) for a torus sample: requests are (q, a, b) triples."""
    X = make_torus(n_points, random_state=SEED)
    cap = float(np.percentile(pdist(X), PERCENTILE))
    K = rips_complex(X, cap, 2)
    F = constant_sheaf(K) if sheaf == "constant" else orientation_sheaf(X, K, n_neighbors=10)
    scales = np.quantile(K.filtrations[1], [0.25, 0.5, 0.75, 1.0])
    pairs = [(a, a) for a in scales] + list(zip(scales[:-1], scales[1:], strict=True))
    requests = np.array([(q, a, b) for q in (0, 1) for a, b in pairs], dtype=np.float64)
    return F, requests


def serialise(F, requests, path, repeat):
    """The npz file read by the petls child: boundaries ∂_k = (δ^{k-1})ᵀ and basis values."""
    K = F.complex
    top = len(K.simplices) - 1
    arrays = {"top": top, "requests": requests, "repeat": repeat}
    for k in range(top + 1):
        arrays[f"f{k}"] = np.repeat(K.filtrations[k], F.stalk_dims[k])
    for k in range(1, top + 1):
        B = coboundary(F, k - 1).T.tocoo()
        arrays.update({f"r{k}": B.row, f"c{k}": B.col, f"v{k}": B.data, f"s{k}": B.shape})
    np.savez(path, **arrays)


def run_petls(F, requests, venv: str, repeat: int):
    """(time, list of spectra) from petls in the venv, or None if it is not available."""
    python = Path(venv) / "bin" / "python"
    if not python.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
        serialise(F, requests, src, repeat)
        env = dict(os.environ, **{v: "1" for v in _THREAD_VARS})
        proc = subprocess.run(
            [str(python), "-c", _CHILD, src, dst],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"the petls child failed:\n{proc.stderr[-2000:]}")
        out = np.load(dst)
        bounds = np.cumsum(np.r_[0, out["lengths"]])
        spectra = [out["values"][bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]
        return float(out["time"]), spectra


def run_tdasheaf(F, requests, repeat: int):
    """(time all eigenvalues, time smallest 10, list of full spectra), single-threaded BLAS."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _run_tdasheaf(F, requests, repeat)


def _run_tdasheaf(F, requests, repeat: int):
    best_full, best_k, spectra = np.inf, np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = [np.linalg.eigvalsh(persistent_laplacian(F, int(q), a, b)) for q, a, b in requests]
        t1 = time.perf_counter()
        for q, a, b in requests:
            persistent_spectrum(F, int(q), a, b, 10)
        t2 = time.perf_counter()
        best_full, best_k, spectra = min(best_full, t1 - t0), min(best_k, t2 - t1), out
    return best_full, best_k, spectra


def zeros(ev) -> int:
    return int(np.sum(ev <= ZERO_RTOL_32 * max(1.0, float(ev.max(initial=0.0)))))


def check_against_barcodes(F, requests, spectra) -> bool:
    bars = sheaf_persistence(F, (0, 1), field="R")
    for (q, a, b), ev in zip(requests, spectra, strict=True):
        B = bars[int(q)]
        if zeros(ev) != int(np.sum((B[:, 0] <= a) & (B[:, 1] > b))):
            return False
    return True


def compare(ours, theirs):
    """(agree, largest difference in units of n·ε₃₂·max(1, λ_max)) of two lists of spectra."""
    worst, ok = 0.0, True
    for x, y in zip(ours, theirs, strict=True):
        if len(x) != len(y):
            return False, np.inf
        if not len(x):
            continue
        x, y = np.sort(x), np.sort(y)
        unit = len(x) * EPS32 * max(1.0, float(np.abs(x).max()))
        diff = float(np.abs(x - y).max()) / unit
        worst = max(worst, diff)
        ok &= diff <= SLACK and zeros(x) == zeros(y)
    return ok, worst


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--sizes", default=None, help="comma-separated torus sizes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--venv", default=DEFAULT_VENV, help="virtualenv holding petls")
    parser.add_argument("--no-petls", action="store_true", help="skip the petls side")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [60] if args.quick else [100, 200, 300]
    )  # fmt: skip
    repeat = 1 if args.quick else args.repeat
    venv = None if args.no_petls else args.venv
    if venv is not None and not (Path(venv) / "bin" / "python").exists():
        print(
            f"petls venv not found at {venv}: create it with\n"
            f"  python -m venv {venv} && {venv}/bin/pip install petls numpy\n"
            "(running the tdasheaf side only)"
        )
        venv = None
    header = (
        f"{'workload':<22}{'requests':>9}{'max dim':>9}{'tdasheaf':>10}{'td k=10':>9}"
        f"{'petls':>9}{'ratio':>7}{'diff/nε':>10}  result"
    )
    print(header)
    print("-" * len(header))
    all_ok = True
    for n in sizes:
        for sheaf in ("constant", "orientation"):
            F, requests = workload(n, sheaf)
            t_full, t_k, ours = run_tdasheaf(F, requests, repeat)
            ok = check_against_barcodes(F, requests, ours)
            theirs = run_petls(F, requests, venv, repeat) if venv else None
            dim = max(len(s) for s in ours)
            if theirs is None:
                petls_t, ratio, diff, verdict = "n/a", "n/a", "n/a", "agree" if ok else "DIFFER"
                verdict += " (barcodes)"
            else:
                same, worst = compare(ours, theirs[1])
                ok &= same
                petls_t = f"{theirs[0]:.3f}"
                ratio = f"{t_full / theirs[0]:.2f}"
                diff = f"{worst:.2f}"
                verdict = "agree" if ok else "DIFFER"
            all_ok &= ok
            print(
                f"{f'torus n={n} {sheaf}':<22}{len(requests):>9}{dim:>9}{t_full:>10.3f}"
                f"{t_k:>9.3f}{petls_t:>9}{ratio:>7}{diff:>10}  {verdict}"
            )
    print(
        "\ntimes: seconds per workload (sum over requests, best of "
        f"{repeat}); ratio = tdasheaf (all eigenvalues) / petls;\n"
        f"diff/nε = max |Δλ| / (n · ε₃₂ · max(1, λ_max)), agreement needs <= {SLACK:g} and equal "
        "zero counts"
    )
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
