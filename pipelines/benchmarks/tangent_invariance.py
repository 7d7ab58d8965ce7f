"""Tangent-sheaf barcodes under rigid motions and changes of local frames (issue 14, item 4).

How to run (from the repository root)::

    python pipelines/benchmarks/tangent_invariance.py            # 4 clouds x 2 noises, ~40 s
    python pipelines/benchmarks/tangent_invariance.py --quick    # smoke run, a few seconds
    python pipelines/benchmarks/tangent_invariance.py --points 400 --trials 40 --percentile 8

**Data.** Per row, ``--trials`` independent samples of ``--points`` points (seeds derived from
``--seed``, the cloud and the noise level) from :func:`~tdasheaf.datasets.make_sphere`
(radius 1, ℝ³), :func:`~tdasheaf.datasets.make_torus` (R = 2, r = 1, ℝ³),
:func:`~tdasheaf.datasets.make_klein_bottle` (R = 2, r = 1, ℝ⁴) and
:func:`~tdasheaf.datasets.make_swiss_roll` (ℝ³, about 20 across), with isotropic Gaussian
noise (two levels per cloud), each first put in a random pose
(:func:`~tdasheaf.datasets.random_rotation`). Complex: ``rips_complex(X, t, 1)`` with ``t`` the
``--percentile``-th percentile of the pairwise distances (the tangent sheaf has stalk 0 on
triangles, so its cohomology lives on the 1-skeleton, as in
``SheafPersistence(sheaf="tangent")``); sheaf: ``tangent_sheaf(X, K, n_neighbors=15, dim=2)``
(local PCA frames); barcode: ``sheaf_persistence(F, (0, 1), field="R")``, the certified float
engine.

**Transformations.** (a) *rotation*: the cloud ``X Qᵀ + b`` from
:func:`~tdasheaf.datasets.random_rotation` (``Q`` Haar in O(D), reflections included; ``b``
Gaussian, the cloud's extent as standard deviation), everything recomputed from the points
(complex, frames, alignments) with the same threshold ``t``. (b) *frame change*: the frames
``O_i`` replaced by ``O_i R_i`` with ``R_i`` Haar in O(2), passed to
``tangent_sheaf(X, K, frames=...)`` (the public hook); the Procrustes alignments become
``R_iᵀ O_ij R_j``, an isomorphic sheaf (vertex stalk i conjugated by ``R_i``, edge stalk ij by
``R_i`` of its first vertex). The script checks that the recomputed alignments equal
``R_iᵀ O_ij R_j`` to rounding (``max |O'_ij - R_i^T O_ij R_j|`` under the table).

**Comparison.** Bars are multisets of (birth, death). Frame change: same complex, bitwise the
same filtration values, so bars are compared exactly (``np.array_equal`` on the sorted arrays).
Rotation: the Rips values of the moved cloud differ in the last bits, so each value is first
mapped to its rank among the distinct filtration values of its complex (vertices 0, edges by
length), after checking that both complexes have the same edges in the same order (a motion
that reorders two edges whose lengths agree to rounding is counted under *complex differs*, not
as a change); the bars of ranks are then compared exactly. As a cross-check the raw values are
also compared with ``np.allclose(rtol=1e-9, atol=0)``, and disagreements between the two
criteria are counted. (A tighter ``rtol`` does not work: the distances of a translated cloud
carry an absolute rounding error of about eps times the coordinates, ~1e-13 relative to the
shortest edges at the default sizes.)

**Columns.** *changed*: trials whose barcode (degrees 0 and 1) differs from the baseline's; in
brackets, how many of them had no ``NumericalWarning`` on either side (*silent*: what the new
engine must never do). *warned*: new-engine runs (3 per trial: baseline, rotated, frame-changed)
that emitted a :class:`~tdasheaf.exceptions.NumericalWarning`. *old = new*: trials whose
baseline barcode is the same in both engines. *old engine*: the scalar float reduction from
before issue 14, ``tdasheaf.cohomology._persistence._generic(sheaf, degrees, 0, 1e-9, False,
True)``, on the same three sheaves (it never warns). *time new/old*: total time of the new
engine's runs over the old engine's, Numba compilation excluded (one warm-up call of each
engine on a small cloud first); complex, frames and sheaf construction are not timed.

**Stress row.** ``near-flat plane``: the unit square in ℝ³ with noise far below the sampling
distance (:func:`make_near_flat_plane`). Frames are nearly parallel, every holonomy is the
identity up to a tiny rotation, and the H^0 rank decisions sit near the tolerance: the regime
in which the new engine is expected to warn and the old one to depend on the frames. It is not
one of the four manifolds; ``--clouds`` selects rows.

Exit code 0 when the new engine never changed a barcode silently and every frame change gave the
conjugated alignments to rounding; 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist

from tdasheaf.cohomology import sheaf_persistence
from tdasheaf.complexes import rips_complex
from tdasheaf.datasets import (
    make_klein_bottle,
    make_sphere,
    make_swiss_roll,
    make_torus,
    random_rotation,
)
from tdasheaf.exceptions import NumericalWarning
from tdasheaf.sheaves import local_frames, tangent_sheaf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import RunClock, add_json_argument, write_results  # noqa: E402

DEGREES = (0, 1)
N_NEIGHBORS = 15
DIM = 2


def make_near_flat_plane(n_samples: int, *, noise: float, random_state) -> np.ndarray:
    """The unit square in the plane z = 0 of ℝ³, with isotropic Gaussian noise (stress row).

    With noise well below the sampling distance the local frames are nearly parallel and the
    holonomy of every cycle is the identity up to a tiny rotation: the rank decisions of H^0
    sit close to the engine's tolerance, the regime where the answer depends on the arithmetic.
    """
    rng = np.random.default_rng(random_state)
    X = np.c_[rng.uniform(size=(n_samples, 2)), np.zeros(n_samples)]
    return X + noise * rng.standard_normal(X.shape)


#: cloud name -> (generator, noise levels (standard deviation, ambient units))
CLOUDS = {
    "sphere": (make_sphere, (0.02, 0.1)),
    "torus": (make_torus, (0.02, 0.1)),
    "klein bottle": (make_klein_bottle, (0.02, 0.1)),
    "swiss roll": (make_swiss_roll, (0.2, 1.0)),
    "near-flat plane": (make_near_flat_plane, (1e-5, 1e-4)),
}


def random_orthogonal(rng, d: int, size: int) -> np.ndarray:
    """``size`` Haar-distributed matrices in O(d): Q of a Gaussian QR, column signs fixed."""
    Q, R = np.linalg.qr(rng.standard_normal((size, d, d)))
    return Q * np.sign(np.diagonal(R, axis1=1, axis2=2))[:, None, :]


def rigid_motion(X, rng):
    """``X Qᵀ + b``: ``Q`` Haar in O(D), ``b`` Gaussian with the cloud's extent as scale."""
    return random_rotation(X, rng, shift=float(np.ptp(X, axis=0).max()))


def new_engine(sheaf):
    """Bars, whether a NumericalWarning fired, seconds."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        bars = sheaf_persistence(sheaf, DEGREES, field="R", validate=False)
        seconds = time.perf_counter() - t0
    warned = any(issubclass(w.category, NumericalWarning) for w in caught)
    return bars, warned, seconds


def old_engine(sheaf):
    """The scalar float reduction from before issue 14 (bars, seconds), or None if gone."""
    from tdasheaf.cohomology import _persistence

    fn = getattr(_persistence, "_generic", None)
    if fn is None:
        return None
    t0 = time.perf_counter()
    bars = fn(sheaf, DEGREES, 0, 1e-9, False, True)
    return bars, time.perf_counter() - t0


def same_bars(a, b) -> bool:
    return all(a[q].shape == b[q].shape and np.array_equal(a[q], b[q]) for q in DEGREES)


def rank_bars(bars, K):
    """Bars with every finite value replaced by its rank among the complex's distinct values."""
    values = np.unique(np.concatenate(K.filtrations))
    out = {}
    for q in DEGREES:
        b = np.array(bars[q], dtype=np.float64)
        finite = np.isfinite(b)
        b[finite] = np.searchsorted(values, b[finite])
        out[q] = b[np.lexsort((b[:, 1], b[:, 0]))] if len(b) else b
    return out


def close_bars(a, b) -> bool:
    return all(
        a[q].shape == b[q].shape and np.allclose(a[q], b[q], rtol=1e-9, atol=0.0) for q in DEGREES
    )


def same_filtration(K, L) -> bool:
    """Same edges in the same order, and as many distinct values (no tie made or broken)."""
    return (
        K.n_simplices == L.n_simplices
        and np.array_equal(K.simplices[1], L.simplices[1])
        and len(np.unique(K.filtrations[1])) == len(np.unique(L.filtrations[1]))
    )


def trial(gen, n: int, noise: float, percentile: float, rng) -> dict:
    """One sample: baseline, rotated and frame-changed sheaves through both engines."""
    X = rigid_motion(gen(n, noise=noise, random_state=rng), rng)
    t = float(np.percentile(pdist(X), percentile))
    K = rips_complex(X, t, 1)
    frames = local_frames(X, N_NEIGHBORS, DIM)
    base = tangent_sheaf(X, K, frames=frames)
    # (a) the whole pipeline on a rotated and translated copy of the cloud
    Y = rigid_motion(X, rng)
    L = rips_complex(Y, t, 1)
    rotated = tangent_sheaf(Y, L, n_neighbors=N_NEIGHBORS, dim=DIM)
    # (b) O_i -> O_i R_i through the frames hook: alignments R_i^T O_ij R_j
    R = random_orthogonal(rng, DIM, len(X))
    changed = tangent_sheaf(X, K, frames=dataclasses.replace(frames, frames=frames.frames @ R))
    E = K.simplices[1]
    O = base.restrictions[1][:, 0]
    O_changed = changed.restrictions[1][:, 0]
    expected = np.einsum("eba,ebc,ecd->ead", R[E[:, 0]], O, R[E[:, 1]])
    conj_err = float(np.abs(O_changed - expected).max(initial=0.0))

    out = {"edges": K.n_simplices[1], "conj_err": conj_err}
    b0, w0, s0 = new_engine(base)
    ba, wa, sa = new_engine(rotated)
    bb, wb, sb = new_engine(changed)
    out["warned"] = int(w0) + int(wa) + int(wb)
    out["t_new"] = s0 + sa + sb
    comparable = same_filtration(K, L)
    out["complex_differs"] = not comparable
    out["frame_changed"] = not same_bars(b0, bb)
    out["frame_silent"] = out["frame_changed"] and not (w0 or wb)
    if comparable:
        by_rank = not same_bars(rank_bars(b0, K), rank_bars(ba, L))
        out["rot_changed"] = by_rank
        out["rot_silent"] = by_rank and not (w0 or wa)
        out["criteria_disagree"] = by_rank == close_bars(b0, ba)
    else:
        out["rot_changed"] = out["rot_silent"] = out["criteria_disagree"] = False
    old = [old_engine(S) for S in (base, rotated, changed)]
    if old[0] is None:
        out["old"] = False
        return out
    (o0, t0), (oa, ta), (ob, tb) = old
    out["old"] = True
    out["t_old"] = t0 + ta + tb
    out["old_eq_new"] = same_bars(o0, b0)
    out["old_frame_changed"] = not same_bars(o0, ob)
    out["old_rot_changed"] = comparable and not same_bars(rank_bars(o0, K), rank_bars(oa, L))
    return out


def warm_up() -> None:
    """Compile (or load from Numba's cache) both engines on a small cloud."""
    X = make_sphere(40, random_state=0)
    K = rips_complex(X, 0.8, 1)
    F = tangent_sheaf(X, K, n_neighbors=10, dim=DIM)
    new_engine(F)
    old_engine(F)


def invariance_section(clouds, n: int, trials: int, percentile: float, seed: int, noises=None):
    """Rows of the invariance table (one per cloud and noise level) and the overall verdict."""
    rows, ok = [], True
    for name in clouds:
        gen, levels = CLOUDS[name]
        for level, noise in enumerate(levels if noises is None else noises[name]):
            rng = np.random.default_rng([seed, sum(map(ord, name)), level])
            results = [trial(gen, n, noise, percentile, rng) for _ in range(trials)]
            rows.append((name, n, noise, results))
            ok &= not any(r["rot_silent"] or r["frame_silent"] for r in results)
            ok &= all(r["conj_err"] < 1e-12 for r in results)
    return rows, ok


def _count(results, key, silent=None) -> str:
    c = sum(bool(r[key]) for r in results)
    if silent is None or c == 0:
        return str(c)
    return f"{c} ({sum(bool(r[silent]) for r in results)} silent)"


def print_table(rows) -> None:
    print(
        "| cloud | n | noise | trials | edges (mean) | new: changed by rotation "
        "| new: changed by frame change | new: runs warned | old = new "
        "| old: changed by rotation | old: changed by frame change | time new/old |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, n, noise, results in rows:
        has_old = results[0]["old"]
        na = "n/a"
        t_new = sum(r["t_new"] for r in results)
        ratio = f"{t_new / sum(r['t_old'] for r in results):.2f}" if has_old else na
        print(
            f"| {name} | {n} | {noise:g} | {len(results)} "
            f"| {np.mean([r['edges'] for r in results]):.0f} "
            f"| {_count(results, 'rot_changed', 'rot_silent')} "
            f"| {_count(results, 'frame_changed', 'frame_silent')} "
            f"| {sum(r['warned'] for r in results)}/{3 * len(results)} "
            f"| {_count(results, 'old_eq_new') if has_old else na} "
            f"| {_count(results, 'old_rot_changed') if has_old else na} "
            f"| {_count(results, 'old_frame_changed') if has_old else na} "
            f"| {ratio} |"
        )
    everything = [r for *_, results in rows for r in results]
    print()
    print(
        "rotation: bars compared exactly after mapping each value to its rank among the "
        "complex's distinct filtration values (Rips values of a rotated cloud differ in the "
        "last bits); frame change: bars compared exactly (same complex, same values)."
    )
    differs = sum(r["complex_differs"] for r in everything)
    disagree = sum(r["criteria_disagree"] for r in everything)
    print(
        f"rotations that changed the complex's edge order (not compared): {differs}; "
        f"trials where the rank criterion and np.allclose(rtol=1e-9) disagree: {disagree}"
    )
    print(
        "frame change: max |O'_ij - R_i^T O_ij R_j| over all edges and trials = "
        f"{max(r['conj_err'] for r in everything):.1e}"
    )


def summary(rows) -> list[dict]:
    """One JSON record per row of the table (counts over the trials)."""
    out = []
    for name, n, noise, results in rows:
        has_old = bool(results[0]["old"])

        def count(key, results=results):
            return int(sum(bool(r[key]) for r in results))

        rec = {
            "cloud": name,
            "points": n,
            "noise": noise,
            "trials": len(results),
            "edges_mean": float(np.mean([r["edges"] for r in results])),
            "rotation_changed": count("rot_changed"),
            "rotation_changed_silent": count("rot_silent"),
            "frame_changed": count("frame_changed"),
            "frame_changed_silent": count("frame_silent"),
            "runs_warned": int(sum(r["warned"] for r in results)),
            "runs": 3 * len(results),
            "old_engine": has_old,
        }
        if has_old:
            rec.update(
                old_equals_new=count("old_eq_new"),
                old_rotation_changed=count("old_rot_changed"),
                old_frame_changed=count("old_frame_changed"),
                time_new_over_old=sum(r["t_new"] for r in results)
                / sum(r["t_old"] for r in results),
            )
        out.append(rec)
    return out


def main(argv=None) -> int:
    clock = RunClock()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=None, help="points per cloud (500)")
    parser.add_argument("--trials", type=int, default=None, help="samples per row (30)")
    parser.add_argument(
        "--percentile", type=float, default=5.0, help="Rips threshold: percentile of distances"
    )
    parser.add_argument(
        "--clouds", default=",".join(CLOUDS), help=f"comma-separated subset of {list(CLOUDS)}"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="120 points, 2 trials, the first noise level only"
    )
    add_json_argument(parser)
    args = parser.parse_args(argv)
    clouds = [c.strip() for c in args.clouds.split(",") if c.strip()]
    unknown = [c for c in clouds if c not in CLOUDS]
    if unknown:
        parser.error(f"unknown cloud(s) {unknown}; choose from {list(CLOUDS)}")
    n = args.points or (120 if args.quick else 500)
    trials = args.trials or (2 if args.quick else 30)
    noises = {c: CLOUDS[c][1][:1] for c in clouds} if args.quick else None
    start = time.perf_counter()
    warm_up()
    rows, ok = invariance_section(clouds, n, trials, args.percentile, args.seed, noises)
    print(
        f"# tangent sheaf (dim={DIM}, n_neighbors={N_NEIGHBORS}) on rips_complex(X, t, 1), "
        f"t = {args.percentile:g}th percentile of distances; degrees {DEGREES}, field='R'"
    )
    print()
    print_table(rows)
    print(f"\n{'OK' if ok else 'FAILED'}: {time.perf_counter() - start:.1f} s")
    if args.json:
        res = {"percentile": args.percentile, "seed": args.seed, "rows": summary(rows),
               "ok": bool(ok)}
        write_results(args.json, "tangent_invariance", argv, res, clock)
        print(f"wrote {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
