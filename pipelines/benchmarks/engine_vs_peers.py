"""The persistence engine against ripser.py, gudhi and giotto-ph, one run, same thread count.

How to run (from the repository root)::

    python pipelines/benchmarks/engine_vs_peers.py --gph-python /tmp/gtda-venv/bin/python
    python pipelines/benchmarks/engine_vs_peers.py --quick --gph-python /tmp/gtda-venv/bin/python
    python pipelines/benchmarks/engine_vs_peers.py --threads 1,2 --repeat 3 --json out.json

Rows (issue 17's "Done when" table); threshold = 20th percentile of each cloud's own pairwise
distances (``scipy.spatial.distance.pdist``); every library over GF(3):

* torus n=1000 and n=2000, degrees 0–1: ``flag_scaling.torus(n, default_rng(0))``;
* sphere n=1000 and n=2000, degrees 0–2: ``make_sphere(n, noise=0.02, random_state=0)``;
* torus n=600, degrees 0–2: ``make_torus(600, random_state=0)``.

``--quick``: torus 300 and 600, sphere 300, ``make_torus`` 300, repeat 1.

Columns, each at every thread count ``T`` of ``--threads``:

* tdasheaf: ``flag_filtration(X, t, max_dimension=q+1)`` + ``flag_persistence(n, edges, values,
  degrees=..., field=3)``, the graph build included. When ``flag_persistence`` has a ``collapse``
  keyword (detected with ``inspect.signature``) it is timed with its default
  (``collapse="auto"``: the edge collapse for degree 2, none for degrees ≤ 1) and again with
  ``collapse=False``. Threads: ``numba.set_num_threads(T)`` (``NUMBA_NUM_THREADS`` of the
  child is at least ``max(--threads)``; BLAS threads ``T`` too);
* tdasheaf orientation sheaf: the same graph, ``orientation_sheaf(X, graph, dim=2)`` (local PCA
  frames on 15 neighbours) and ``sheaf_persistence(..., field=3, validate=False)``; reported
  as its time over the constant sheaf's (total, and without the frames);
* ripser.py ``ripser(X, maxdim=q, thresh=t, coeff=3)`` and gudhi ``RipsComplex`` 1-skeleton +
  ``collapse_edges(nb_iterations)`` + ``expansion(q+1)`` + ``persistence(homology_coeff_field=3)``:
  single-threaded, timed once and shown at every ``T``;
* giotto-ph ``ripser_parallel(X, maxdim=q, thresh=t, coeff=3, n_threads=T)`` without and with
  ``collapse_edges=True``, run by ``_gph_worker.py`` in its own venv (``--gph-python``; skipped
  with a note when not given or when the worker fails).

Timing: ``time.perf_counter``; every variant runs once on the cloud as a warm-up (numba
compilation is excluded before that, on a tiny complex), then the median of ``--repeat`` runs;
a warm-up longer than ``--long`` seconds is the single measurement. Each row's tdasheaf work runs
in a fresh child interpreter per ``T`` (``--_ours``): its peak RSS is ``VmHWM`` after resetting
it (``/proc/self/clear_refs``) just before the variant's first run on the cloud (fallback,
said in the output: ``ru_maxrss``, the child's lifetime peak). Barcodes: ours against ripser's,
gudhi's and giotto-ph's per degree (bars longer than 1e-5 relative, rtol 1e-5: ripser and
giotto-ph compute in float32; ``flag_scaling._bars_agree``), collapse against no collapse and
``T`` against ``T[0]`` exactly; each row prints ``agree`` or ``DIFFER (...)``. Exit status 1 if
any row differs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import RunClock, add_json_argument, run_json_worker, write_results  # noqa: E402
from flag_scaling import _bars_agree, torus  # noqa: E402

HERE = Path(__file__).resolve().parent
GPH_WORKER = HERE / "_gph_worker.py"
GPH_VENV = "python -m venv /tmp/gtda-venv && /tmp/gtda-venv/bin/pip install giotto-ph"
FIELD = 3
TOL = 1e-5
ROWS = [
    ("torus", 1000, 1),
    ("torus", 2000, 1),
    ("sphere", 1000, 2),
    ("sphere", 2000, 2),
    ("make_torus", 600, 2),
]
QUICK_ROWS = [("torus", 300, 1), ("torus", 600, 1), ("sphere", 300, 2), ("make_torus", 300, 2)]
LABELS = {"torus": "torus", "sphere": "sphere", "make_torus": "torus (make_torus)"}


def make_cloud(shape: str, n: int) -> np.ndarray:
    from tdasheaf.datasets import make_sphere, make_torus

    if shape == "torus":
        return torus(n, np.random.default_rng(0))
    if shape == "sphere":
        return make_sphere(n, noise=0.02, random_state=0)
    return make_torus(n, random_state=0)


def time_variant(fn, repeat: int, long_s: float, before_first=None, after_first=None):
    """Warm-up run (kept), then the median of ``repeat`` runs, or the warm-up alone if slow."""
    if before_first:
        before_first()
    t0 = time.perf_counter()
    out = fn()
    warm = time.perf_counter() - t0
    extra = after_first() if after_first else {}
    if warm > long_s or repeat < 1:
        return dict(extra, median=warm, times=[warm], warmup=warm, single=True), out
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return dict(extra, median=statistics.median(times), times=times, warmup=warm, single=False), out


# ----------------------------------------------------------------------------------------------
# Memory (child side)
# ----------------------------------------------------------------------------------------------


def _status_kib(key: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


class PeakMeter:
    """Peak RSS of one call: ``VmHWM`` reset before it, or ``ru_maxrss`` when that is impossible."""

    def __init__(self) -> None:
        self.method = "VmHWM after /proc/self/clear_refs"
        self.rss0 = None

    def before(self) -> None:
        if not _reset_peak() or _status_kib("VmHWM") is None:
            self.method = "ru_maxrss (lifetime peak of the child)"
        self.rss0 = _status_kib("VmRSS")

    def after(self) -> dict:
        if self.method.startswith("VmHWM"):
            peak = _status_kib("VmHWM") * 1024
        else:
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        rss0 = None if self.rss0 is None else self.rss0 * 1024
        return {"peak_rss": peak, "rss_before": rss0, "memory_method": self.method}


# ----------------------------------------------------------------------------------------------
# tdasheaf side (child process, one per row and thread count)
# ----------------------------------------------------------------------------------------------


def _bars_json(bars: dict) -> dict:
    return {
        str(q): np.asarray(b, dtype=np.float64).reshape(-1, 2).tolist() for q, b in bars.items()
    }


def run_ours(
    npz: str, threads: int, repeat: int, long_s: float, orientation: bool, budget: int | None = None
) -> dict:
    """Child: time tdasheaf's variants on the saved cloud with ``threads`` numba threads."""
    import inspect

    import numba

    from tdasheaf.cohomology import flag_persistence, sheaf_persistence
    from tdasheaf.complexes import flag_filtration
    from tdasheaf.sheaves import orientation_sheaf

    numba.set_num_threads(threads)
    data = np.load(npz)
    X, t, qmax = data["X"], float(data["thresh"]), int(data["maxdim"])
    degrees = tuple(range(qmax + 1))
    has_collapse = "collapse" in inspect.signature(flag_persistence).parameters
    sheaf_collapse = "collapse" in inspect.signature(sheaf_persistence).parameters

    def constant(Y, collapse=None):
        F = flag_filtration(Y, t, max_dimension=qmax + 1)
        kw = {} if collapse is None else {"collapse": collapse}
        return flag_persistence(
            len(Y), F.edges, F.values, degrees=degrees, field=FIELD, memory_budget=budget, **kw
        ), F

    stamps = {}

    def oriented(Y):
        F = flag_filtration(Y, t, max_dimension=qmax + 1)
        t1 = time.perf_counter()
        S = orientation_sheaf(Y, F, dim=2)
        stamps.setdefault("sheaf", []).append(time.perf_counter() - t1)
        return sheaf_persistence(S, degrees, field=FIELD, validate=False, memory_budget=budget)

    variants = {"constant": lambda: constant(X)[0]}
    if orientation:
        # right after the constant sheaf: the two are compared, so nothing runs between them
        # (no_collapse on the sphere n=2,000 takes a minute and 2.9 GB, and the process is slower
        # for a while after it)
        variants["orientation"] = lambda: oriented(X)
    if has_collapse:
        # the default (collapse="auto": degree 2 collapses, degrees <= 1 do not) against none
        variants["no_collapse"] = lambda: constant(X, False)[0]
    tiny = X[:: max(1, len(X) // 40)][:40]
    # 600 points at the row's threshold: more than 20,000 edges, so the threaded degree 1 (which
    # smaller graphs never start) is compiled or loaded here too, not in the first timed run
    warm = X[:: max(1, len(X) // 600)][:600]
    for cloud in (tiny, tiny, warm):  # numba compilation (or cache load) of every path, not timed
        for c in [None] if not has_collapse else [None, False]:
            constant(cloud, c)
        if orientation:
            oriented(cloud)
    stamps.clear()
    out = {
        "threads": threads,
        "numba_threads": numba.get_num_threads(),
        "collapse_keyword": has_collapse,
        "sheaf_collapse_keyword": sheaf_collapse,
        "edges": int(flag_filtration(X, t, max_dimension=1).n_edges),
        "variants": {},
    }
    out["errors"] = {}
    for name, fn in variants.items():
        meter = PeakMeter()
        try:
            timing, bars = time_variant(fn, repeat, long_s, meter.before, meter.after)
        except Exception as exc:  # noqa: BLE001 - e.g. ComplexTooLargeError: reported, not fatal
            out["errors"][name] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            print(f"  tdasheaf T={threads} {name}: {out['errors'][name]}", file=sys.stderr)
            continue
        timing["bars"] = _bars_json(bars)
        out["variants"][name] = timing
        print(
            f"  tdasheaf T={threads} {name}: {timing['median']:.3f} s", file=sys.stderr, flush=True
        )
    if "orientation" in out["variants"]:
        out["variants"]["orientation"]["sheaf_s"] = statistics.median(stamps["sheaf"])
    return out


def child_ours(npz: str, threads: int, all_threads, args) -> dict | None:
    env = dict(os.environ)
    want = max(max(all_threads), os.cpu_count() or 1)
    env["NUMBA_NUM_THREADS"] = str(max(want, int(env.get("NUMBA_NUM_THREADS", "0") or 0)))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_ours",
        npz,
        "--threads",
        str(threads),
        "--repeat",
        str(args.repeat),
        "--long",
        str(args.long),
    ]
    if args.no_orientation:
        cmd.append("--no-orientation")
    if args.memory_budget_gib is not None:
        cmd += ["--memory-budget-gib", str(args.memory_budget_gib)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("OURS_RESULT "):
            return json.loads(line[len("OURS_RESULT ") :])
    print(f"tdasheaf child failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}", flush=True)
    return None


# ----------------------------------------------------------------------------------------------
# Peers in this process (single-threaded) and giotto-ph in its venv
# ----------------------------------------------------------------------------------------------


def run_ripser(X, t, qmax):
    import ripser

    return ripser.ripser(X, maxdim=qmax, thresh=t, coeff=FIELD)["dgms"]


def run_gudhi(X, t, qmax, iterations):
    import gudhi

    st = gudhi.RipsComplex(points=X, max_edge_length=t).create_simplex_tree(max_dimension=1)
    st.collapse_edges(nb_iterations=iterations)
    st.expansion(qmax + 1)
    st.persistence(homology_coeff_field=FIELD, min_persistence=0)
    return [
        np.asarray(st.persistence_intervals_in_dimension(q), dtype=np.float64).reshape(-1, 2)
        for q in range(qmax + 1)
    ]


def run_gph(python, npz, threads, args) -> dict | None:
    cmd = [
        python,
        str(GPH_WORKER),
        npz,
        "--threads",
        ",".join(map(str, threads)),
        "--repeat",
        str(args.repeat),
        "--long",
        str(args.long),
    ]
    return run_json_worker(
        cmd, "GPH_RESULT", args.timeout, "giotto-ph worker", "giotto-ph columns skipped"
    )


# ----------------------------------------------------------------------------------------------
# One row
# ----------------------------------------------------------------------------------------------


def _ours_bars(timing) -> dict:
    return {
        int(q): np.asarray(b, dtype=np.float64).reshape(-1, 2) for q, b in timing["bars"].items()
    }


def _dgms(lists) -> list:
    return [np.asarray(d, dtype=np.float64).reshape(-1, 2) for d in lists]


def run_row(shape, n, qmax, args, threads, gph_python, tmp) -> dict:
    X = make_cloud(shape, n)
    t = float(np.percentile(pdist(X), 20))
    npz = os.path.join(tmp, f"{shape}_{n}.npz")
    np.savez(npz, X=X, thresh=t, maxdim=qmax)
    label = f"{LABELS[shape]} n={n}, H0–H{qmax}"
    print(f"# {label}: threshold {t:.4f}", flush=True)
    row = {
        "shape": shape,
        "n": n,
        "degrees": list(range(qmax + 1)),
        "threshold": t,
        "label": label,
        "ours": {},
        "differ": [],
        "failed": [],
    }
    for T in threads:
        row["ours"][str(T)] = child_ours(npz, T, threads, args)
    r_t, r_dgms = time_variant(lambda: run_ripser(X, t, qmax), args.repeat, args.long)
    g_t, g_dgms = time_variant(
        lambda: run_gudhi(X, t, qmax, args.gudhi_iterations), args.repeat, args.long
    )
    row["ripser"], row["gudhi"] = r_t, g_t
    print(f"  ripser {r_t['median']:.3f} s, gudhi + collapse {g_t['median']:.3f} s", flush=True)
    gph = run_gph(gph_python, npz, threads, args) if gph_python else None
    row["gph"] = None if gph is None else {"versions": gph["versions"], "results": {}}
    ref_bars = None
    for T in threads:
        ours = row["ours"][str(T)]
        if ours is None:
            row["failed"].append(f"tdasheaf T={T}: child failed")
            continue
        row["edges"] = ours["edges"]
        row["failed"] += [f"tdasheaf T={T} {k}: {e}" for k, e in ours["errors"].items()]
        if "constant" not in ours["variants"]:
            continue
        bars = _ours_bars(ours["variants"]["constant"])
        checks = {"ripser": _bars_agree(bars, r_dgms, TOL), "gudhi": _bars_agree(bars, g_dgms, TOL)}
        if "no_collapse" in ours["variants"]:
            nc = _ours_bars(ours["variants"]["no_collapse"])
            checks["no collapse"] = _bars_agree(bars, [nc[q] for q in range(qmax + 1)], 1e-12)
        if ref_bars is None:
            ref_bars = bars
        else:
            checks[f"T={threads[0]}"] = all(
                np.array_equal(bars[q], ref_bars[q]) for q in range(qmax + 1)
            )
        if gph is not None:
            for name, v in gph["results"][str(T)].items():
                checks[f"giotto-ph {name}"] = _bars_agree(bars, _dgms(v.pop("dgms")), TOL)
            row["gph"]["results"][str(T)] = gph["results"][str(T)]
        ours["agree"] = checks
        for k, ok in checks.items():
            if not ok:
                row["differ"].append(f"T={T} vs {k}")
        for v in ours["variants"].values():
            v.pop("bars")
    return row


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------


def _s(x) -> str:
    return "—" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.1f}")


def _r(x) -> str:
    return "—" if x is None else f"{x:.2f}"


def row_cells(row, T):
    """Seconds of every column at ``T`` (None when not measured)."""
    ours = row["ours"].get(str(T))
    v = {} if ours is None else ours["variants"]
    g = None if row["gph"] is None else row["gph"]["results"].get(str(T))
    cells = {
        "ours": v.get("constant", {}).get("median"),
        "no_collapse": v.get("no_collapse", {}).get("median"),
        "orientation": v.get("orientation", {}).get("median"),
        "orientation_sheaf": v.get("orientation", {}).get("sheaf_s"),
        "ripser": row["ripser"]["median"],
        "gudhi": row["gudhi"]["median"],
        "gph": None if g is None else g["plain"]["median"],
        "gph_collapse": None if g is None else g["collapse"]["median"],
    }
    for key, name in (("peak", "constant"), ("peak_no_collapse", "no_collapse")):
        m = v.get(name, {})
        cells[key] = m.get("peak_rss")
        cells[key + "_extra"] = (
            None
            if m.get("rss_before") is None or m.get("peak_rss") is None
            else m["peak_rss"] - m["rss_before"]
        )
    return cells


def _mib(peak, extra) -> str:
    if peak is None:
        return "—"
    return f"{peak / 2**20:,.0f}" + ("" if extra is None else f" (+{extra / 2**20:,.0f})")


def tables(rows, threads) -> str:
    head1 = [
        "cloud, degrees",
        "T",
        "edges",
        "tdasheaf s",
        "no collapse s",
        "ripser.py s",
        "gudhi + collapse s",
        "giotto-ph s",
        "giotto-ph + collapse s",
        "barcodes",
    ]
    head2 = [
        "cloud, degrees",
        "T",
        "ripser ÷ ours",
        "gudhi ÷ ours",
        "giotto-ph ÷ ours",
        "giotto-ph+c ÷ ours",
        "ours ÷ best peer",
        "orientation ÷ constant (w/o frames)",
        "peak RSS MiB (+ over imports)",
    ]
    t1, t2 = [head1, ["---"] * len(head1)], [head2, ["---"] * len(head2)]
    for row in rows:
        bar = "agree" if not row["differ"] else "DIFFER (" + "; ".join(row["differ"]) + ")"
        if row["failed"]:
            bar += f"; {len(row['failed'])} FAILED (listed below)"
        for T in threads:
            c = row_cells(row, T)
            o = c["ours"]
            t1.append(
                [
                    row["label"],
                    T,
                    f"{row.get('edges', 0):,}",
                    _s(o),
                    _s(c["no_collapse"]),
                    _s(c["ripser"]),
                    _s(c["gudhi"]),
                    _s(c["gph"]),
                    _s(c["gph_collapse"]),
                    bar,
                ]
            )
            peers = {k: c[k] for k in ("ripser", "gudhi", "gph", "gph_collapse") if c[k]}
            best = min(peers, key=peers.get)
            ratio = {k: (None if not (c[k] and o) else c[k] / o) for k in peers}
            orient = "—"
            if c["orientation"] and o:
                orient = (
                    f"{c['orientation'] / o:.2f} "
                    f"({(c['orientation'] - c['orientation_sheaf']) / o:.2f})"
                )
            mib = _mib(c["peak"], c["peak_extra"])
            if c["peak_no_collapse"] is not None:
                mib += "; no collapse " + _mib(c["peak_no_collapse"], c["peak_no_collapse_extra"])
            t2.append(
                [
                    row["label"],
                    T,
                    *(_r(ratio.get(k)) for k in ("ripser", "gudhi", "gph", "gph_collapse")),
                    f"{_r(o / peers[best] if o else None)} ({best})",
                    orient,
                    mib,
                ]
            )
    fmt = ["| " + " | ".join(str(x) for x in r) + " |" for r in t1]
    fmt2 = ["| " + " | ".join(str(x) for x in r) + " |" for r in t2]
    return "\n".join(fmt) + "\n\n" + "\n".join(fmt2)


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------


def select_rows(args) -> list:
    rows = QUICK_ROWS if args.quick else ROWS
    if not args.rows:
        return rows
    want = [tuple(r.split(":")) for r in args.rows.split(",") if r.strip()]
    qmax = {shape: q for shape, _, q in ROWS}
    return [(shape, int(n), qmax[shape]) for shape, n in want]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--repeat", type=int, default=None, help="median of (default 3; --quick 1)")
    p.add_argument(
        "--long",
        type=float,
        default=10.0,
        help="a warm-up longer than this (s) is the single measurement",
    )
    p.add_argument(
        "--quick",
        "--sizes-small",
        action="store_true",
        dest="quick",
        help="small clouds (torus 300/600, sphere 300, make_torus 300), repeat 1",
    )
    p.add_argument(
        "--gph-python",
        metavar="PATH",
        default=None,
        help="python of a venv with giotto-ph (e.g. /tmp/gtda-venv/bin/python)",
    )
    p.add_argument(
        "--gudhi-iterations",
        type=int,
        default=1,
        help="collapse_edges(nb_iterations=...) for gudhi (default 1, as gudhi.sklearn)",
    )
    p.add_argument("--no-orientation", action="store_true", help="skip the orientation sheaf")
    p.add_argument(
        "--memory-budget-gib",
        type=float,
        default=None,
        help="memory_budget of tdasheaf's calls in GiB (default: the library's)",
    )
    p.add_argument(
        "--rows",
        default=None,
        help="only these rows, e.g. torus:1000,sphere:2000 (shapes: torus, sphere, make_torus)",
    )
    p.add_argument("--timeout", type=float, default=3600.0, help="giotto-ph worker timeout (s)")
    p.add_argument("--_ours", metavar="NPZ", help=argparse.SUPPRESS)
    add_json_argument(p)
    args = p.parse_args(argv)
    args.repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    args.threads = [int(x) for x in str(args.threads).split(",") if x.strip()]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args._ours:
        budget = None if args.memory_budget_gib is None else int(args.memory_budget_gib * 2**30)
        res = run_ours(
            args._ours, args.threads[0], args.repeat, args.long, not args.no_orientation, budget
        )
        print("OURS_RESULT " + json.dumps(res), flush=True)
        return 0
    clock = RunClock()
    notes = [
        "ripser.py and gudhi are single-threaded: timed once, the same time at every T",
        f"gudhi: 1-skeleton + collapse_edges(nb_iterations={args.gudhi_iterations}) + "
        "expansion + persistence",
        f"median of {args.repeat} after a warm-up; a warm-up over {args.long:g} s is the "
        "single measurement",
        "tdasheaf memory_budget: "
        + (
            "library default"
            if args.memory_budget_gib is None
            else f"{args.memory_budget_gib:g} GiB"
        ),
        "tdasheaf peak RSS: whole child process (imports included) during the variant's first "
        "run on the cloud; (+x) = peak minus RSS just before that run",
    ]
    gph_python = args.gph_python
    if not gph_python:
        notes.append(f"giotto-ph columns skipped: no --gph-python (create it: {GPH_VENV})")
    print(
        f"# engine vs peers, GF({FIELD}), threads {args.threads}, repeat {args.repeat}", flush=True
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="engine-vs-peers-") as tmp:
        for shape, n, qmax in select_rows(args):
            row = run_row(shape, n, qmax, args, args.threads, gph_python, tmp)
            if gph_python and row["gph"] is None:
                notes.append(f"giotto-ph failed on {row['label']}: its columns are empty there")
            rows.append(row)
    first = next((o for r in rows for o in r["ours"].values() if o), None)
    if first is not None:
        notes.append(
            "tdasheaf collapse keyword: "
            + (
                "present, the default collapse='auto' timed against collapse=False"
                if first["collapse_keyword"]
                else "absent (one column)"
            )
        )
        mem = [
            v.get("memory_method")
            for r in rows
            for o in r["ours"].values()
            if o
            for v in o["variants"].values()
        ]
        notes.append(f"peak RSS method: {', '.join(sorted(set(mem))) or '—'}")
    print()
    print(tables(rows, args.threads))
    for row in rows:
        for fail in row["failed"]:
            print(f"FAILED {row['label']}: {fail}")
    print()
    for note in notes:
        print("note: " + note)
    ok = all(not r["differ"] and not r["failed"] for r in rows)
    if args.json:
        res = {
            "threads": args.threads,
            "repeat": args.repeat,
            "long_s": args.long,
            "field": FIELD,
            "gudhi_iterations": args.gudhi_iterations,
            "rows": rows,
            "memory_budget_gib": args.memory_budget_gib,
            "ok": ok,
            "notes": notes,
        }
        write_results(args.json, "engine_vs_peers", argv, res, clock)
        print(f"wrote {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
