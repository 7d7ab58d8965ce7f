"""Persistent (sheaf) cohomology: tdasheaf against ripser.py and gudhi, in one run.

How to run (from the repository root)::

    python pipelines/benchmarks/sheaf_cohomology.py                    # full run, a few minutes
    python pipelines/benchmarks/sheaf_cohomology.py --quick --no-memory  # < 30 s smoke run
    python pipelines/benchmarks/sheaf_cohomology.py --json results.json --sizes 250,500,1000

All workloads use a torus sample in R^3 (R = 2, r = 1, uniform angles, seed 0) and the coefficient
field GF(3) in every library. Times are ``time.perf_counter`` seconds, best of ``--repeat`` runs
after one warm-up run (a run longer than 10 s is timed once, the warm-up counting as the
measurement), tdasheaf on ``--threads`` numba threads (default 1, as the peers); numba compilation
is excluded from all times and reported once as the first-call compile time. Ratios are tdasheaf /
the fastest of the ripser and gudhi variants on the same workload. Barcodes are compared as
multisets (relative tolerance 1e-6, ripser reports float32) after dropping zero-length bars; "agree"
or "DIFFER" is printed for every variant.

Peak memory: every variant runs once more in a fresh interpreter (this script with the hidden
``--_variant`` flag). The child imports the libraries, runs a tiny warm-up (so numba's compiled
code is loaded), resets its peak-RSS counter (``/proc/self/clear_refs``), runs the variant and
reports ``VmHWM``; "extra" is that peak minus the RSS just before the variant. ``VmHWM`` is used
rather than ``getrusage(...).ru_maxrss`` because on Linux ``ru_maxrss`` carries the parent's peak
across fork/exec (a child of a 2 GB parent reports >= 2 GB); ``ru_maxrss`` is the fallback where
``/proc`` is missing. See ``pipelines/benchmarks/README.md``.

Only the public API of tdasheaf is used, plus numpy, scipy, ripser and gudhi.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.spatial.distance import pdist

#: Relative tolerance of the barcode comparison (ripser computes in float32).
RTOL = 1e-6
#: A run longer than this (seconds) is timed once: the warm-up run is the measurement.
LONG_RUN = 10.0
FIELD = 3
PERCENTILE = 20.0
SEED = 0


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------


def torus(n: int, seed: int = SEED, R: float = 2.0, r: float = 1.0) -> np.ndarray:
    """``n`` points on the torus in R^3, angles uniform (the first m points do not depend on n)."""
    a = np.random.default_rng(seed).uniform(0.0, 2.0 * np.pi, size=(n, 2))
    theta, phi = a[:, 0], a[:, 1]
    ring = R + r * np.cos(theta)
    return np.column_stack([ring * np.cos(phi), ring * np.sin(phi), r * np.sin(theta)])


def percentile_threshold(X: np.ndarray, q: float = PERCENTILE) -> float:
    return float(np.percentile(pdist(X), q))


# ----------------------------------------------------------------------------------------------
# Variants. Each returns (bars, phases): bars = {degree: (m, 2) array}, phases = {name: seconds}
# ----------------------------------------------------------------------------------------------


def run_ripser(X, t, degrees):
    import ripser

    dgms = ripser.ripser(X, maxdim=max(degrees), thresh=t, coeff=FIELD)["dgms"]
    return {q: np.asarray(dgms[q], dtype=np.float64) for q in degrees}


def run_gudhi(X, t, degrees):
    import gudhi

    st = gudhi.RipsComplex(points=X, max_edge_length=t).create_simplex_tree(
        max_dimension=max(degrees) + 1
    )
    st.compute_persistence(homology_coeff_field=FIELD)
    return {q: _intervals(st, q) for q in degrees}


def run_gudhi_collapse(X, t, degrees):
    """1-skeleton, one round of edge collapse (gudhi's own 'auto' choice), expansion."""
    import gudhi

    st = gudhi.RipsComplex(points=X, max_edge_length=t).create_simplex_tree(max_dimension=1)
    st.collapse_edges(nb_iterations=1)
    st.expansion(max(degrees) + 1)
    st.compute_persistence(homology_coeff_field=FIELD)
    return {q: _intervals(st, q) for q in degrees}


def run_gudhi_sklearn(X, t, degrees):
    from gudhi.sklearn.rips_persistence import RipsPersistence

    rp = RipsPersistence(
        homology_dimensions=list(degrees), threshold=t, homology_coeff_field=FIELD, n_jobs=1
    )
    dgms = rp.fit_transform([X])[0]
    return {
        q: np.asarray(d, dtype=np.float64).reshape(-1, 2)
        for q, d in zip(degrees, dgms, strict=True)
    }


def _intervals(st, q):
    return np.asarray(st.persistence_intervals_in_dimension(q), dtype=np.float64).reshape(-1, 2)


def _gudhi_sklearn_available() -> bool:
    try:
        from gudhi.sklearn.rips_persistence import RipsPersistence  # noqa: F401
    except Exception:
        return False
    return True


BASELINES = {
    "ripser": run_ripser,
    "gudhi": run_gudhi,
    "gudhi + edge collapse": run_gudhi_collapse,
    "gudhi.sklearn RipsPersistence": run_gudhi_sklearn,
}


def build_complex(X, t, degrees):
    from tdasheaf.complexes import rips_complex

    return rips_complex(X, t, max(degrees) + 1)


def gauge_sheaf(K, seed: int = SEED):
    """Rank-2 integer sheaf F_{σ⊲τ} = g_{min τ} g_{min σ}^{-1}, g_v random signed 2x2 permutations.

    Isomorphic to the constant rank-2 sheaf (a change of basis in every stalk), so its barcode is
    twice the rank-1 barcode, but no shortcut can see that. Built without Python loops; every
    face of τ except the one dropping τ's smallest vertex has the same smallest vertex, so its
    map is the identity; the map from τ[1:] is g_{τ0} g_{τ1}^T (g is orthogonal).
    """
    from tdasheaf.sheaves import CellularSheaf

    rng = np.random.default_rng(seed)
    n_labels = int(K.vertex_labels.max()) + 1 if K.n_vertices else 0
    perms = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])
    g = perms[rng.integers(0, 2, n_labels)] * rng.choice([-1.0, 1.0], size=(n_labels, 2, 1))
    Rs = []
    for k in range(1, len(K.simplices)):
        S = K.simplices[k]
        R = np.empty((len(S), k + 1, 2, 2))
        R[:, 1:] = np.eye(2)
        R[:, 0] = g[S[:, 0]] @ np.swapaxes(g[S[:, 1]], 1, 2)
        Rs.append(R)
    return CellularSheaf.from_arrays(K, 2, Rs, validate=False)


def edge_signs(K, seed: int = SEED):
    return np.random.default_rng(seed + 1).choice([-1.0, 1.0], size=len(K.simplices[1]))


def _constant(rank):
    def make(K):
        from tdasheaf.sheaves import constant_sheaf

        return constant_sheaf(K, rank)

    return make


def _signed(K):
    from tdasheaf.sheaves import signed_graph_sheaf

    return signed_graph_sheaf(K, edge_signs(K))


#: name -> (sheaf factory, sheaf_persistence keyword arguments, reference). The reference says
#: which barcode the variant must reproduce: "ripser" (the constant sheaf), "2x ripser" (rank 2)
#: or the name of another tdasheaf variant. validate=False everywhere: the δ∘δ = 0 check is timed
#: on its own (the sheaves here are consistent by construction).
TDASHEAF = {
    "(a) constant, auto": (_constant(1), {"field": FIELD}, "ripser"),
    "(b) constant, exact, explicit": (
        _constant(1),
        {"field": FIELD, "engine": "exact", "implicit": False},
        "ripser",
    ),
    "(c) constant, float (R), explicit": (
        _constant(1),
        {"field": "R", "engine": "float", "implicit": False},
        "ripser",
    ),
    "(d1) constant rank 2, exact, explicit": (
        _constant(2),
        {"field": FIELD, "engine": "exact", "implicit": False},
        "2x ripser",
    ),
    "(d2) gauge rank 2, exact, explicit": (
        gauge_sheaf,
        {"field": FIELD, "engine": "exact", "implicit": False},
        "2x ripser",
    ),
    "(e1) signed edges, auto (implicit)": (_signed, {"field": FIELD}, None),
    "(e2) signed edges, exact, explicit": (
        _signed,
        {"field": FIELD, "engine": "exact", "implicit": False},
        "(e1) signed edges, auto (implicit)",
    ),
}

W1_TDASHEAF = list(TDASHEAF)
W2_TDASHEAF = ["(b) constant, exact, explicit"]


def run_tdasheaf(name, K, degrees):
    from tdasheaf import sheaf_persistence

    make, kwargs, _ = TDASHEAF[name]
    t0 = time.perf_counter()
    F = make(K)
    t1 = time.perf_counter()
    bars = sheaf_persistence(F, degrees, validate=False, **kwargs)
    t2 = time.perf_counter()
    return bars, {"sheaf": t1 - t0, "engine": t2 - t1}


def nnz_coboundaries(name, K, top: int) -> list[int]:
    """Stored entries of δ^0, ..., δ^top on the explicit path (nonzero entries of the blocks)."""
    make, _, _ = TDASHEAF[name]
    F = make(K)
    return [int(np.count_nonzero(F.restrictions[q + 1])) for q in range(top + 1)]


# ----------------------------------------------------------------------------------------------
# Timing and barcode comparison
# ----------------------------------------------------------------------------------------------


def timed(fn, repeat):
    """Best of ``repeat`` runs after a warm-up. ``fn() -> (result, phases)``.

    Returns (result, phases of the fastest run, number of timed runs).
    """

    def once():
        t0 = time.perf_counter()
        out, phases = fn()
        phases = dict(phases)
        phases["total"] = time.perf_counter() - t0
        return out, phases

    out, best = once()
    if best["total"] > LONG_RUN or repeat < 1:
        return out, best, 1
    best = None
    for _ in range(repeat):
        out, phases = once()
        if best is None or phases["total"] < best["total"]:
            best = phases
    return out, best, repeat


def _clean(b: np.ndarray) -> np.ndarray:
    """Drop zero-length bars, counting a length below RTOL * |endpoint| as zero (float32 ties)."""
    b = np.asarray(b, dtype=np.float64).reshape(-1, 2)
    length = b[:, 1] - b[:, 0]
    scale = np.maximum(np.abs(b[:, 0]), np.where(np.isfinite(b[:, 1]), np.abs(b[:, 1]), 0.0))
    b = b[length > RTOL * scale]
    return b[np.lexsort((b[:, 1], b[:, 0]))]


def _close(x, y):
    return np.isclose(x, y, rtol=RTOL, atol=1e-12)


def same_barcode(a: np.ndarray, b: np.ndarray) -> tuple[bool, str]:
    """Multiset equality of two barcodes up to RTOL; returns (agree, detail)."""
    a, b = _clean(a), _clean(b)
    if len(a) != len(b):
        return False, f"{len(a)} vs {len(b)} bars"
    if _close(a, b).all():
        return True, ""
    # near-ties can sort differently: greedy matching on birth windows
    used = np.zeros(len(b), dtype=bool)
    lo = np.searchsorted(b[:, 0], a[:, 0] * (1 - RTOL) - 1e-12, side="left")
    hi = np.searchsorted(b[:, 0], a[:, 0] * (1 + RTOL) + 1e-12, side="right")
    for i in range(len(a)):
        cand = np.arange(lo[i], hi[i])
        cand = cand[~used[cand] & _close(b[cand, 1], a[i, 1]) & _close(b[cand, 0], a[i, 0])]
        if len(cand) == 0:
            return False, f"no match for bar ({a[i, 0]:.6g}, {a[i, 1]:.6g})"
        used[cand[0]] = True
    return True, ""


def compare(bars, ref, degrees) -> tuple[str, str]:
    details = []
    for q in degrees:
        ok, why = same_barcode(bars[q], ref[q])
        if not ok:
            details.append(f"H{q}: {why}")
    return ("agree", "") if not details else ("DIFFER", "; ".join(details))


def doubled(bars):
    return {q: np.repeat(b, 2, axis=0) for q, b in bars.items()}


def counts(bars, degrees):
    return "/".join(str(len(_clean(bars[q]))) for q in degrees)


# ----------------------------------------------------------------------------------------------
# Output helpers
# ----------------------------------------------------------------------------------------------


def table(headers, rows, title=None) -> str:
    rows = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def numeric(c):
        return c == "-" or bool(re.fullmatch(r"[~+-]?[\d.]+(e[+-]?\d+)?x?(/\d+)*", c))

    # text columns left-aligned, numeric columns right-aligned
    left = [i == 0 or not all(numeric(r[i]) for r in rows) for i in range(len(headers))]

    def fmt(cells):
        out = [
            c.ljust(w) if lft else c.rjust(w) for c, w, lft in zip(cells, widths, left, strict=True)
        ]
        return "  ".join(out).rstrip()

    lines = [] if title is None else [title]
    lines += [fmt(headers), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines)


def sec(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def ratio(x) -> str:
    return "-" if x is None else f"{x:.2f}x"


def emit(text=""):
    print(text, flush=True)


# ----------------------------------------------------------------------------------------------
# Warm-up (numba compilation) and memory children
# ----------------------------------------------------------------------------------------------


def warm_up() -> None:
    """Touch every code path on a tiny cloud: every numba kernel gets compiled (or loaded)."""
    X = torus(40, seed=1)
    t = percentile_threshold(X, 40)
    run_ripser(X, t, (0, 1))
    run_gudhi(X, t, (0, 1))
    for degrees in ((0, 1), (0, 1, 2)):
        K = build_complex(X, t, degrees)
        names = W1_TDASHEAF if degrees == (0, 1) else W2_TDASHEAF
        for name in names:
            run_tdasheaf(name, K, degrees)


def _proc_status(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            m = re.search(rf"^{key}:\s+(\d+)\s+kB", f.read(), re.MULTILINE)
        return int(m.group(1)) * 1024 if m else None
    except OSError:
        return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child_main(args) -> int:
    """Hidden ``--_variant`` mode: run one variant once and print its memory use as JSON."""
    import gc

    degrees = tuple(int(q) for q in args._degrees.split(","))
    X = torus(args._n)
    t = float(args._thresh)
    warm_up()
    gc.collect()
    reset = _reset_peak()
    rss0 = _proc_status("VmRSS")
    name = args._variant
    if name in BASELINES:
        BASELINES[name](X, t, degrees)
    elif name in TDASHEAF:
        run_tdasheaf(name, build_complex(X, t, degrees), degrees)
    elif name != "baseline":
        raise SystemExit(f"unknown variant {name!r}")
    peak = _proc_status("VmHWM") if reset else None
    source = "VmHWM"
    if peak is None or rss0 is None:
        peak, rss0, source = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, 0, "maxrss"
    print("MEMORY_RESULT " + json.dumps({"peak": peak, "rss0": rss0, "source": source}))
    return 0


def measure_memory(name, n, t, degrees, timeout=3600, threads=1):
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--_variant",
        name,
        "--_n",
        str(n),
        "--_thresh",
        repr(t),
        "--_degrees",
        ",".join(map(str, degrees)),
        "--threads",
        str(threads),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("MEMORY_RESULT "):
            return json.loads(line[len("MEMORY_RESULT ") :])
    return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}


# ----------------------------------------------------------------------------------------------
# Workloads
# ----------------------------------------------------------------------------------------------


def fixed_workload(label, n, degrees, tdasheaf_names, args, results):
    """Workloads 1 and 2: every baseline and tdasheaf variant on one cloud."""
    X = torus(n)
    t = percentile_threshold(X)
    emit(f"\n=== {label}: torus n={n}, degrees {degrees}, threshold {t:.6g} (20th percentile) ===")
    res = {"n": n, "degrees": list(degrees), "threshold": t, "variants": {}}
    results[label] = res

    baselines = [b for b in BASELINES if b != "gudhi.sklearn RipsPersistence"]
    if _gudhi_sklearn_available():
        baselines.append("gudhi.sklearn RipsPersistence")
    else:
        emit("gudhi.sklearn.rips_persistence not importable: variant skipped")

    timings, bars_of = {}, {}
    for name in baselines:
        bars, ph, runs = timed(lambda name=name: (BASELINES[name](X, t, degrees), {}), args.repeat)
        timings[name], bars_of[name] = ph["total"], bars
        res["variants"][name] = {"total": ph["total"], "runs": runs}
    best_name = min(timings, key=timings.get)
    best = timings[best_name]
    ref = bars_of["ripser"]

    K, ph_build, runs = timed(lambda: (build_complex(X, t, degrees), {}), args.repeat)
    build = ph_build["total"]
    res["complex"] = {"n_simplices": list(K.n_simplices), "build": build}
    emit(f"complex: {K.n_simplices} simplices per dimension; tdasheaf rips_complex {build:.3f} s")

    from tdasheaf.sheaves import constant_sheaf

    F = constant_sheaf(K)
    t0 = time.perf_counter()
    F.check()
    check_time = time.perf_counter() - t0
    res["validate_constant_sheaf"] = check_time

    for name in tdasheaf_names:
        bars, ph, runs = timed(lambda name=name: run_tdasheaf(name, K, degrees), args.repeat)
        bars_of[name] = bars
        total = build + ph["sheaf"] + ph["engine"]
        res["variants"][name] = {
            "build": build,
            "sheaf": ph["sheaf"],
            "engine": ph["engine"],
            "total": total,
            "runs": runs,
            "ratio": total / best,
        }
        if not TDASHEAF[name][1].get("implicit", True) and len(K.simplices) > 2:
            nnz = nnz_coboundaries(name, K, max(degrees))
            res["variants"][name]["nnz_delta"] = nnz
            res["variants"][name]["nnz_delta1"] = nnz[1]

    if "(d2) gauge rank 2, exact, explicit" in tdasheaf_names and K.n_simplices[-1] < 10**6:
        gauge_sheaf(K).check()  # consistent by construction; verified where cheap

    # agreement
    rows = []
    for name in list(baselines) + list(tdasheaf_names):
        target = TDASHEAF[name][2] if name in TDASHEAF else "ripser"
        if name == "ripser":
            status, why = "reference", ""
        elif target is None:
            status, why = "(reference of e2)", ""
        else:
            other = doubled(ref) if target == "2x ripser" else bars_of[target]
            status, why = compare(bars_of[name], other, degrees)
        res["variants"][name]["barcode"] = status
        res["variants"][name]["bars"] = [len(_clean(bars_of[name][q])) for q in degrees]
        if why:
            res["variants"][name]["differences"] = why
        rows.append(
            (
                name,
                counts(bars_of[name], degrees),
                target or "-",
                status + (f" ({why})" if why else ""),
            )
        )

    # times
    trows = [
        (name, "-", "-", "-", sec(timings[name]), ratio(timings[name] / best)) for name in baselines
    ]
    for name in tdasheaf_names:
        v = res["variants"][name]
        trows.append(
            (
                "tdasheaf " + name,
                sec(v["build"]),
                sec(v["sheaf"]),
                sec(v["engine"]),
                sec(v["total"]),
                ratio(v["ratio"]),
            )
        )
    emit(
        table(
            ["variant", "build s", "sheaf s", "engine s", "total s", "÷ best"],
            trows,
            title=f"times (best of {args.repeat} after a warm-up; best = {best_name}, "
            f"{best:.3f} s; tdasheaf total = build + sheaf + engine)",
        )
    )
    emit(
        f"δ∘δ = 0 validation of the constant sheaf (what validate=True adds to a call, "
        f"not in the totals above): {check_time:.3f} s"
    )
    emit()
    emit(
        table(
            ["variant", "bars H" + "/H".join(map(str, degrees)), "compared with", "barcode"],
            rows,
            title=f"barcodes (multisets, zero-length bars dropped, rtol {RTOL:g})",
        )
    )
    res["best"] = {"name": best_name, "seconds": best}

    # ratios of interest
    v = res["variants"]
    key = []
    if "(a) constant, auto" in v:
        key.append(("tdasheaf auto total / best", v["(a) constant, auto"]["ratio"]))
    b = v.get("(b) constant, exact, explicit")
    if b:
        key.append(("generic explicit exact total / best", b["ratio"]))
    for r2 in ("(d1) constant rank 2, exact, explicit", "(d2) gauge rank 2, exact, explicit"):
        if r2 in v and b:
            key.append((f"{r2[:4]} engine / rank-1 explicit engine", v[r2]["engine"] / b["engine"]))
    if "(e1) signed edges, auto (implicit)" in v and "(a) constant, auto" in v:
        key.append(
            (
                "signed implicit engine / constant auto engine",
                v["(e1) signed edges, auto (implicit)"]["engine"]
                / v["(a) constant, auto"]["engine"],
            )
        )
    if key:
        emit()
        emit(table(["key ratio", "value"], [(k, ratio(x)) for k, x in key]))
    res["key_ratios"] = dict(key)

    # memory
    if not args.no_memory:
        names = list(baselines) + list(tdasheaf_names)
        base = measure_memory("baseline", n, t, degrees, threads=args.threads)
        res["memory_baseline"] = base
        mrows = []
        for name in names:
            m = measure_memory(name, n, t, degrees, threads=args.threads)
            v[name]["memory"] = m
            if "error" in m:
                mrows.append((name, "error: " + m["error"][:60], "-", "-", "-"))
                continue
            extra = m["peak"] - m["rss0"]
            nnz = sum(v[name].get("nnz_delta", [])) or None
            mrows.append(
                (
                    name,
                    f"{m['peak'] / 2**20:.0f}",
                    f"{extra / 2**20:.0f}",
                    "-" if nnz is None else f"{nnz:.3g}",
                    "-" if not nnz else f"{extra / nnz:.1f}",
                )
            )
        emit()
        src = base.get("source", "?")
        top = max(degrees)
        nnz_label = "nnz(δ^0+δ^1)" if top == 1 else f"nnz(δ^0..δ^{top})"
        emit(
            table(
                ["variant", "peak MiB", "extra MiB", nnz_label, "extra B/nnz"],
                mrows,
                title=f"peak memory, one fresh process per variant ({src}; baseline process: "
                f"imports + warm-up = {base.get('peak', 0) / 2**20:.0f} MiB; "
                "extra = peak - RSS before the variant)",
            )
        )
    return res


def scaling_workload(args, results):
    from tdasheaf.complexes import estimate_rips_size

    t = percentile_threshold(torus(1000))
    emit(
        f"\n=== 3: scaling, degrees (0, 1), threshold fixed at {t:.6g} = 20th percentile of the "
        "n=1000 sample's distances (density grows with n, as in ripser's benchmarks) ==="
    )
    res = {"threshold": t, "max_triangles": args.max_triangles, "sizes": {}}
    results["3: scaling"] = res
    rows = []
    for n in args.sizes:
        X = torus(n)
        est, _ = estimate_rips_size(X, t, 2)
        entry = {"edges": int(est[1]), "triangles_estimate": int(est[2])}
        res["sizes"][n] = entry
        rbars, ph, _ = timed(lambda X=X: (run_ripser(X, t, (0, 1)), {}), args.repeat)
        entry["ripser"] = ph["total"]
        if est[2] > args.max_triangles:
            entry["tdasheaf"] = None
            entry["skipped"] = f"skipped: estimated {est[2]:.3g} triangles"
            rows.append(
                (
                    n,
                    est[1],
                    f"~{est[2]:.3g}",
                    sec(ph["total"]),
                    "-",
                    "-",
                    "-",
                    "-",
                    entry["skipped"],
                )
            )
            continue
        K, phb, _ = timed(lambda X=X: (build_complex(X, t, (0, 1)), {}), args.repeat)
        tbars, phe, _ = timed(
            lambda K=K: run_tdasheaf("(a) constant, auto", K, (0, 1)), args.repeat
        )
        total = phb["total"] + phe["sheaf"] + phe["engine"]
        status, why = compare(tbars, rbars, (0, 1))
        entry.update(
            triangles=int(K.n_simplices[2]),
            build=phb["total"],
            engine=phe["engine"],
            tdasheaf=total,
            ratio=total / ph["total"],
            barcode=status,
        )
        rows.append(
            (
                n,
                K.n_simplices[1],
                K.n_simplices[2],
                sec(ph["total"]),
                sec(phb["total"]),
                sec(phe["engine"]),
                sec(total),
                ratio(total / ph["total"]),
                status + (f" ({why})" if why else ""),
            )
        )
    emit(
        table(
            [
                "n",
                "edges",
                "triangles",
                "ripser s",
                "ts build s",
                "ts engine s",
                "ts total s",
                "ts/ripser",
                "barcode",
            ],
            rows,
            title="tdasheaf (ts) = rips_complex + constant_sheaf + sheaf_persistence (auto, GF(3))",
        )
    )
    slopes = {}
    for lib in ("ripser", "tdasheaf"):
        pts = [(n, e[lib]) for n, e in res["sizes"].items() if e.get(lib)]
        if len(pts) >= 2:
            x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
            slopes[lib] = float(np.polyfit(x, y, 1)[0])
    res["growth_exponent"] = slopes
    emit(
        "empirical growth exponent (log-log slope of time vs n): "
        + ", ".join(f"{k} {v:.2f}" for k, v in slopes.items())
        + (" (edges ~ n^2, triangles ~ n^3 at a fixed threshold)" if slopes else "n/a")
    )


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------


def _sizes(text):
    return [int(s) for s in text.split(",") if s.strip()]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="n=300 for workloads 1-2, sizes 250,500, repeat 1 (the smoke test)",
    )
    p.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="comma-separated n for the scaling workload (default 250,500,1000,2000,4000)",
    )
    p.add_argument("--repeat", type=int, default=None, help="timed runs per variant (default 3)")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="numba threads for tdasheaf (default 1: ripser.py and gudhi run on one thread)",
    )
    p.add_argument(
        "--max-triangles",
        type=float,
        default=3e7,
        help="skip tdasheaf in the scaling workload above this estimated triangle count",
    )
    p.add_argument("--json", metavar="PATH", help="also write every number to PATH (JSON)")
    for hidden in ("--_variant", "--_n", "--_thresh", "--_degrees"):
        p.add_argument(hidden, help=argparse.SUPPRESS, type=int if hidden == "--_n" else str)
    args = p.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.sizes is None:
        args.sizes = [250, 500] if args.quick else [250, 500, 1000, 2000, 4000]
    return args


def _versions():
    import gudhi
    import numba
    import ripser
    import scipy

    import tdasheaf

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "gudhi": gudhi.__version__,
        "ripser": getattr(ripser, "__version__", "?"),
        "tdasheaf": tdasheaf.__version__,
    }


def write_json(path, data):
    path = os.path.abspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, default=_json_default)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _json_default(o):
    if isinstance(o, np.integer | np.floating):
        return o.item()
    raise TypeError(type(o).__name__)


def main(argv=None) -> int:
    import numba

    args = parse_args(argv)
    # the flag engine's degree 1 runs on numba's thread count: as many as the peers have (the
    # memory children get --threads too); restored on return (tests call main in-process)
    previous = numba.get_num_threads()
    numba.set_num_threads(min(max(1, args.threads), numba.config.NUMBA_NUM_THREADS))
    try:
        return _main(args, argv)
    finally:
        numba.set_num_threads(previous)


def _main(args, argv) -> int:
    if args._variant is not None:
        return child_main(args)

    versions = _versions()
    emit("tdasheaf persistent sheaf cohomology benchmark vs ripser.py and gudhi")
    emit(
        f"date {datetime.datetime.now().isoformat(timespec='seconds')}; {platform.platform()}; "
        f"{os.cpu_count()} cores; " + ", ".join(f"{k} {v}" for k, v in versions.items())
    )
    emit(
        f"torus R=2 r=1, uniform angles, seed {SEED}; coefficients GF({FIELD}) everywhere; "
        f"repeat {args.repeat}; ripser and gudhi run single-threaded, tdasheaf's numba kernels "
        f"use up to {os.cpu_count()} threads"
    )

    t0 = time.perf_counter()
    warm_up()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm_up()
    second = time.perf_counter() - t0
    compile_time = max(first - second, 0.0)
    emit(
        f"first-call compile time (numba compile or cache load, all paths, excluded from the "
        f"timings): {compile_time:.2f} s"
    )
    results = {
        "benchmark": "sheaf_cohomology",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cores": os.cpu_count(),
            "load_average_before": list(os.getloadavg()),
        },
        "versions": versions,
        "argv": list(sys.argv[1:] if argv is None else argv),
        "compile_time": compile_time,
        "repeat": args.repeat,
    }

    n12 = 300 if args.quick else 1000
    fixed_workload("1: degrees 0-1", n12, (0, 1), W1_TDASHEAF, args, results)
    fixed_workload("2: degrees 0-2", 300, (0, 1, 2), W2_TDASHEAF, args, results)
    scaling_workload(args, results)

    differ = [
        f"{w}: {name}"
        for w, r in results.items()
        if isinstance(r, dict) and "variants" in r
        for name, v in r["variants"].items()
        if v.get("barcode") == "DIFFER"
    ]
    differ += [
        f"3: scaling n={n}"
        for n, e in results["3: scaling"]["sizes"].items()
        if e.get("barcode") == "DIFFER"
    ]
    emit()
    emit("barcodes: all agree" if not differ else "barcodes DIFFER: " + "; ".join(differ))
    results["machine"]["load_average"] = list(os.getloadavg())
    if max(results["machine"]["load_average_before"][0], results["machine"]["load_average"][0]) > 1:
        results["notes"] = ["measured with other load on the machine: 1-min load average above 1"]
    if args.json:
        write_json(args.json, results)
        emit(f"wrote {args.json}")
    return 0 if not differ else 1


if __name__ == "__main__":
    raise SystemExit(main())
