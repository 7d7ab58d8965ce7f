"""The float64 engine (``field="R"``) against an exact ℚ oracle: correctness and cost (issue 14).

How to run (from the repository root)::

    python pipelines/benchmarks/float_engine.py                  # 2,000 cases, ~2 min on 2 cores
    python pipelines/benchmarks/float_engine.py --cases 500 --points 400 --repeat 5
    python pipelines/benchmarks/float_engine.py --quick          # smoke run, a few seconds

**Correctness.** The generator and oracle of ``tests/_rational_oracle.py`` (loaded from the
checkout: this script needs the repository, not just the installed package): random filtered
complexes (≤ 7 vertices, dimension ≤ 3, tied values), random consistent integer sheaves (stalk
ranks 0–3), their barcode over ℚ in ``fractions.Fraction`` arithmetic; then, per case and per
category, a random per-simplex change of stalk basis ``G_τ F_{σ⊲τ} G_σ^{-1}`` (an isomorphic
sheaf, same barcode) with real entries:

| category | G_σ |
|---|---|
| orthogonal | Q of a Gaussian matrix's QR |
| cond1e2 | ``U diag(s) Vᵀ``, ``s`` log-spaced over 1e2 (1×1: a scalar in [1e-1, 1e1]) |
| cond1e8 | the same over 1e8, on every simplex (two-sided blocks reach condition 1e16) |
| cond1e8_even | condition 1e8 on vertices and triangles, orthogonal on edges and tetrahedra |
| scalars | ``±10^u I``, ``u`` uniform in [-6, 6] |

``sheaf_persistence(G·F, degrees, field="R")`` is compared exactly with the ℚ barcode. Columns:
*exact*; *warned* (a :class:`~tdasheaf.exceptions.NumericalWarning`, right or wrong answer);
*exact+warned* (a warning that was not needed); *silently wrong* (the failure the engine must
never produce); *beyond float64* — silently wrong cases in which some block's r-th singular
value is below 1e-3 · rtol of its largest (r = rank of the exact map), so that the real sheaf is
numerically of lower rank and no float engine can tell; *rejected* — transformed sheaves that
``CellularSheaf`` validation (default ``atol``) refused (the engine then runs with
``validate=False``).

**Cost.** Time ratios, best of ``--repeat``, Numba compilation excluded (a warm-up call):
``field="R"`` over ``field=65521`` (the exact engine) and over the engine before issue 14 (the
scalar float reduction, ``tdasheaf.cohomology._persistence._generic(sheaf, degrees, 0, 1e-9,
False, True)``), on (i) the integer sheaves of the correctness pool (their total time), (ii) the
tangent sheaf (``dim=2``) of a torus sample (``make_torus(--points)``, seed 0) on
``rips_complex(X, t, 1)`` with ``t`` the 10th percentile of the pairwise distances, degrees 0 and
1 (real maps: no exact engine), and (iii) on the same complex, a rank-2 integer gauge sheaf
(``F_{σ⊲τ} = g_{min τ} g_{min σ}^{-1}``, random signed 2×2 permutations ``g_v``; isomorphic to
the constant sheaf ℝ², so its float barcode must equal the exact one).

Exit code 0 when no case of a category other than ``cond1e8`` is silently wrong and every
silently wrong ``cond1e8`` case is beyond float64; 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist

from tdasheaf.cohomology import DEFAULT_RTOL, sheaf_persistence
from tdasheaf.complexes import rips_complex
from tdasheaf.datasets import make_torus
from tdasheaf.exceptions import InvalidSheafError, NumericalWarning
from tdasheaf.sheaves import CellularSheaf, tangent_sheaf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import RunClock, add_json_argument, write_results  # noqa: E402

ORACLE = Path(__file__).resolve().parents[2] / "tests" / "_rational_oracle.py"
UNRESOLVABLE = 1e-3 * DEFAULT_RTOL
PERCENTILE = 10.0
COUNTS = ("cases", "exact", "warned", "exact+warned", "silently wrong", "beyond float64",
          "rejected")


def load_oracle():
    name = "_rational_oracle"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ORACLE)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def old_engine():
    """The scalar float reduction from before issue 14, or None if it is gone."""
    from tdasheaf.cohomology import _persistence

    fn = getattr(_persistence, "_generic", None)
    if fn is None:
        return None
    return lambda sheaf, degrees: fn(sheaf, degrees, 0, 1e-9, False, True)


def float_run(sheaf, degrees, validate=False):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = sheaf_persistence(sheaf, degrees, field="R", validate=validate)
    return out, [w for w in caught if issubclass(w.category, NumericalWarning)]


def best_of(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# ----------------------------------------------------------------------------------------------
# Correctness
# ----------------------------------------------------------------------------------------------


def correctness(O, pool, seed: int):
    """Counter per category; returns (table rows, ok)."""
    rows, ok = [], True
    for basis in O.BASIS_KINDS:
        rng = np.random.default_rng([seed, sum(map(ord, basis))])
        c = Counter()
        for _, _, F, degrees, expected in pool:
            maps = O.change_basis(F, rng, basis)
            try:
                S = O.to_cellular_sheaf(F.values, F.dims, maps)
                validated = True
            except InvalidSheafError:
                S = O.to_cellular_sheaf(F.values, F.dims, maps, validate=False)
                validated = False
                c["rejected"] += 1
            out, caught = float_run(S, degrees, validate=validated)
            exact = O.as_lists(out) == expected
            c["cases"] += 1
            c["exact"] += exact
            c["warned"] += bool(caught)
            c["exact+warned"] += exact and bool(caught)
            if not exact and not caught:
                c["silently wrong"] += 1
                if O.block_ratio(F, maps) < UNRESOLVABLE:
                    c["beyond float64"] += 1
        wrong, excused = c["silently wrong"], c["beyond float64"]
        if wrong and not (basis == "cond1e8" and wrong == excused):
            ok = False
        rows.append((basis, c))
    return rows, ok


# ----------------------------------------------------------------------------------------------
# Cost
# ----------------------------------------------------------------------------------------------


def gauge_rank2(K, rng) -> CellularSheaf:
    """F_{σ⊲τ} = g_{min τ} g_{min σ}^{-1} with random signed 2×2 permutations g_v."""
    perms = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], dtype=np.float64)
    n = int(K.vertex_labels.max()) + 1 if K.n_vertices else 0
    g = perms[rng.integers(0, 2, n)] * rng.choice([-1.0, 1.0], size=(n, 2, 1))
    ginv = np.transpose(g, (0, 2, 1))  # signed permutations: inverse = transpose
    Rs = []
    for k in range(1, len(K.simplices)):
        lead = K.simplices[k][:, 0]
        face_lead = K.simplices[k - 1][K.boundaries[k], 0]
        Rs.append(np.einsum("nab,nibc->niac", g[lead], ginv[face_lead]))
    return CellularSheaf.from_arrays(K, 2, Rs, validate=False)


def cost(O, pool, n_points: int, repeat: int, old):
    """Rows (workload, float/exact, float/old, note)."""
    rows = []
    ints = [
        (O.to_cellular_sheaf(F.values, F.dims, F.maps), degrees) for _, _, F, degrees, _ in pool
    ]

    def all_of(fn):
        return lambda: [fn(S, d) for S, d in ints]

    def new(S, d):
        return sheaf_persistence(S, d, field="R", validate=False)

    def exact(S, d):
        return sheaf_persistence(S, d, field=65521, validate=False)

    for fn in (new, exact) + ((old,) if old else ()):
        fn(*ints[0])  # compile
    t_new = best_of(all_of(new), repeat)
    t_exact = best_of(all_of(exact), repeat)
    t_old = best_of(all_of(old), repeat) if old else np.nan
    rows.append(("random sheaves", t_new / t_exact, t_new / t_old, f"{len(ints)} sheaves"))

    X = make_torus(n_points, random_state=0)
    t = float(np.percentile(pdist(X), PERCENTILE))
    K = rips_complex(X, t, 1)
    T = tangent_sheaf(X, K, n_neighbors=15, dim=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bars_t = new(T, (0, 1))
    warned = any(issubclass(w.category, NumericalWarning) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        t_new = best_of(lambda: new(T, (0, 1)), repeat)
    t_old = best_of(lambda: old(T, (0, 1)), repeat) if old else np.nan
    note = (
        f"{K.n_simplices[1]} edges; H0/H1 bars {len(bars_t[0])}/{len(bars_t[1])}"
        f"{', warned' if warned else ''}"
    )
    if old:
        bars_o = old(T, (0, 1))
        same = all(np.array_equal(bars_t[q], bars_o[q]) for q in (0, 1))
        note += f"; {'same bars as' if same else 'bars differ from'} the old engine"
    rows.append((f"tangent sheaf, torus n={n_points}", np.nan, t_new / t_old, note))

    G = gauge_rank2(K, np.random.default_rng(0))
    got, caught = float_run(G, (0, 1))
    want = exact(G, (0, 1))
    agree = all(np.array_equal(got[q], want[q]) for q in (0, 1)) and not caught
    t_new = best_of(lambda: new(G, (0, 1)), repeat)
    t_exact = best_of(lambda: exact(G, (0, 1)), repeat)
    t_old = best_of(lambda: old(G, (0, 1)), repeat) if old else np.nan
    rows.append(
        (
            f"gauge rank-2 sheaf, torus n={n_points}",
            t_new / t_exact,
            t_new / t_old,
            "float = exact bars" if agree else "float bars DIFFER from exact (or warned)",
        )
    )
    return rows, agree


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=None, help="cases per category (2000)")
    parser.add_argument("--points", type=int, default=None, help="torus points (300)")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs, best kept (3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="30 cases, 120 points, repeat 1")
    add_json_argument(parser)
    args = parser.parse_args(argv)
    clock = RunClock()
    n_cases = args.cases or (30 if args.quick else 2000)
    n_points = args.points or (120 if args.quick else 300)
    repeat = args.repeat or (1 if args.quick else 3)
    O = load_oracle()
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    pool = []
    for i in range(n_cases):
        kind, F = O.random_case(rng)
        degrees = tuple(range(F.top + 1))
        pool.append((i, kind, F, degrees, O.barcode(F, degrees)))
    kinds = Counter(kind for _, kind, _, _, _ in pool)
    print(
        f"# {n_cases} random integer sheaves (seed {args.seed}): "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    )
    print()
    print(
        "| category | cases | exact | warned | exact+warned | silently wrong "
        "| of which beyond float64 | rejected by validation |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rows, ok = correctness(O, pool, args.seed)
    for basis, c in rows:
        print(
            f"| {basis} | {c['cases']} | {c['exact']} | {c['warned']} | {c['exact+warned']} | "
            f"{c['silently wrong']} | {c['beyond float64']} | {c['rejected']} |"
        )
    old = old_engine()
    print()
    if old is None:
        print("note: tdasheaf.cohomology._persistence._generic is gone: no 'before' column.")
    print(f"# cost: time ratios, best of {repeat}")
    print("| workload | float / exact (GF(65521)) | float / before issue 14 | note |")
    print("|---|---|---|---|")
    cost_rows, agree = cost(O, pool[: min(len(pool), 300)], n_points, repeat, old)
    for name, r_exact, r_old, note in cost_rows:
        fe = "n/a (real maps)" if np.isnan(r_exact) else f"{r_exact:.2f}"
        fo = "n/a" if np.isnan(r_old) else f"{r_old:.2f}"
        print(f"| {name} | {fe} | {fo} | {note} |")
    print(f"\n{time.perf_counter() - start:.1f} s")
    if args.json:
        write_results(
            args.json,
            "float_engine",
            argv,
            {
                "cases_per_category": n_cases,
                "points": n_points,
                "repeat": repeat,
                "seed": args.seed,
                "old_engine_available": old is not None,
                "correctness": [
                    dict({k: int(c[k]) for k in COUNTS}, category=basis) for basis, c in rows
                ],
                "cost": [
                    {"workload": name, "float_over_exact": r_exact, "float_over_old": r_old,
                     "note": note}
                    for name, r_exact, r_old, note in cost_rows
                ],
                "ok": bool(ok and agree),
            },
            clock,
        )
        print(f"wrote {args.json}")
    return 0 if ok and agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
