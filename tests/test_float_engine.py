"""The float64 engine (``sheaf_persistence(..., field="R")``) against an exact ℚ oracle (issue 14).

The promise under test (DESIGN.md §4): the float engine returns the exact barcode of the given
sheaf, or emits :class:`~tdasheaf.exceptions.NumericalWarning` — never a silently wrong answer —
and it is invariant under orthogonal changes of stalk basis and per-simplex rescaling.

The oracle and the random cases live in ``tests/_rational_oracle.py`` (``fractions.Fraction``
arithmetic only): random filtered complexes (≤ 7 vertices, dimension ≤ 3, tied values), random
consistent integer sheaves (stalk ranks 0–3), whose ℚ barcode is computed once; then random
per-simplex changes of stalk basis ``G_τ F_{σ⊲τ} G_σ^{-1}`` (an isomorphic sheaf: the same
barcode) of five kinds — orthogonal (Haar, or nearly axis-aligned: tiny Givens angles, like the
issue's regression case), condition 1e2, condition 1e8 (every simplex), condition 1e8
on even-dimensional simplices only (each coboundary ill-conditioned on one side), scalars
10^±6 — are fed to the float engine and its answer compared exactly with the ℚ barcode.

Every case is deterministic (seeded numpy generators). A failing category prints reproducers:
the complex, the stalk dimensions, the integer maps and the real maps (``repr`` round-trips).
"""

from __future__ import annotations

import importlib.util
import re
import sys
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from tdasheaf.cohomology import (
    DEFAULT_RTOL,
    persistent_betti,
    representative_cocycles,
    sheaf_persistence,
)
from tdasheaf.complexes import FilteredComplex
from tdasheaf.exceptions import InvalidSheafError, NumericalWarning
from tdasheaf.sheaves import CellularSheaf


def _load_oracle():
    name = "_rational_oracle"
    if name not in sys.modules:
        path = Path(__file__).resolve().parent / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return sys.modules[name]


O = _load_oracle()
INF = float("inf")

#: Cases per category (a case = one random integer sheaf + one random change of basis).
N_CASES = {
    "orthogonal": 500,
    "cond1e2": 300,
    "cond1e8": 300,
    "cond1e8_even": 300,
    "scalars": 300,
}
#: A block whose r-th singular value is below this fraction of its largest (r = the exact
#: rank of the integer map) is, in float64 and at the default rtol, a lower-rank map: the
#: engine may answer for the lower rank without a warning (see ``block_ratio``).
UNRESOLVABLE = 1e-3 * DEFAULT_RTOL
SEED = 14


# ----------------------------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pool():
    """The integer sheaves and their ℚ barcodes, computed once for every category."""
    rng = np.random.default_rng(SEED)
    out = []
    for i in range(max(N_CASES.values())):
        kind, F = O.random_case(rng)
        degrees = tuple(range(F.top + 1))
        out.append((i, kind, F, degrees, O.barcode(F, degrees)))
    return out


def _run(sheaf, degrees, *, validate=True, representatives=False, **kwargs):
    """(output, NumericalWarnings) of the float engine."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = representative_cocycles if representatives else sheaf_persistence
        out = run(sheaf, degrees, field="R", validate=validate, **kwargs)
    return out, [w.message for w in caught if issubclass(w.category, NumericalWarning)]


def _build(F, maps):
    """(CellularSheaf, validated?): validate first, fall back to validate=False."""
    try:
        return O.to_cellular_sheaf(F.values, F.dims, maps), True
    except InvalidSheafError:
        return O.to_cellular_sheaf(F.values, F.dims, maps, validate=False), False


def _fmt_bars(bars):
    return {q: [(b, d) for b, d in v] for q, v in bars.items()}


def _reproducer(i, kind, basis, F, maps, expected, got, caught) -> str:
    ints = {k: [[int(x) for x in row] for row in M] for k, M in F.maps.items()}
    reals = {k: np.asarray(M).tolist() for k, M in maps.items()}
    return (
        f"case {i} ({kind} sheaf, {basis} basis change):\n"
        f"  values = {F.values!r}\n  dims = {F.dims!r}\n"
        f"  integer maps = {ints!r}\n  real maps = {reals!r}\n"
        f"  expected (ℚ) = {_fmt_bars(expected)}\n  got (field='R') = {_fmt_bars(got)}\n"
        f"  warnings = {[str(w)[:160] for w in caught]}\n"
        "  rebuild: _rational_oracle.to_cellular_sheaf(values, dims, real maps)"
    )


def _category(basis: str):
    """Run one category; returns a list of dicts (one per case)."""
    rng = np.random.default_rng([SEED, len(basis), sum(map(ord, basis))])
    results = []
    for i, kind, F, degrees, expected in _pool()[: N_CASES[basis]]:
        maps = O.change_basis(F, rng, basis)
        S, validated = _build(F, maps)
        out, caught = _run(S, degrees, validate=validated)
        got = O.as_lists(out)
        results.append(
            dict(
                i=i,
                kind=kind,
                F=F,
                maps=maps,
                expected=expected,
                got=got,
                exact=got == expected,
                caught=caught,
                validated=validated,
            )
        )
    return results


def _fail_with(cases, basis, what, limit=3):
    lines = [f"{len(cases)} {basis} case(s) {what}; the first {min(limit, len(cases))}:"]
    for c in cases[:limit]:
        lines.append(
            _reproducer(
                c["i"], c["kind"], basis, c["F"], c["maps"], c["expected"], c["got"], c["caught"]
            )
        )
    pytest.fail("\n".join(lines), pytrace=False)


# ----------------------------------------------------------------------------------------------
# 1. The oracle itself
# ----------------------------------------------------------------------------------------------


def _triangle_boundary(values, twist: bool):
    simplices = [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)]
    vals = dict(zip(simplices, values, strict=True))
    dims = dict.fromkeys(simplices, 1)
    maps = {}
    for s in simplices[3:]:
        for i in range(2):
            face = s[:i] + s[i + 1 :]
            sign = -1 if (twist and s == (0, 2) and face == (2,)) else 1
            maps[(face, s)] = [[O.Fraction(sign)]]
    return O.RationalSheaf(vals, dims, maps)


@pytest.mark.parametrize("method", ["reduction", "ranks"])
def test_oracle_hand_cases(method):
    bc = O.barcode if method == "reduction" else O.barcode_from_ranks
    # DESIGN.md §4 item 4: the sign-twisted triangle boundary has no cohomology over ℚ
    at_zero = [0.0] * 6
    assert bc(_triangle_boundary(at_zero, True), (0, 1)) == {0: [], 1: []}
    assert bc(_triangle_boundary(at_zero, False), (0, 1)) == {0: [(0.0, INF)], 1: [(0.0, INF)]}
    filtered = [0.0, 0.0, 0.0, 1.0, 1.0, 2.0]
    assert bc(_triangle_boundary(filtered, True), (0, 1)) == {
        0: [(0.0, 1.0), (0.0, 1.0), (0.0, 2.0)],
        1: [],
    }
    assert bc(_triangle_boundary(filtered, False), (0, 1)) == {
        0: [(0.0, 1.0), (0.0, 1.0), (0.0, INF)],
        1: [(2.0, INF)],
    }
    # filling the untwisted triangle at 3 kills the loop
    F = _triangle_boundary(filtered, False)
    F.values[(0, 1, 2)] = 3.0
    F.dims[(0, 1, 2)] = 1
    for s in [(1, 2), (0, 2), (0, 1)]:
        F.maps[(s, (0, 1, 2))] = [[O.Fraction(1)]]
    F.check()
    assert bc(F, (0, 1, 2)) == {0: [(0.0, 1.0), (0.0, 1.0), (0.0, INF)], 1: [(2.0, 3.0)], 2: []}
    # a rank-r map on one edge: H^0 = ker, H^1 = coker, born at the edge's value
    M = [[O.Fraction(x) for x in row] for row in [[1, 2, 0], [2, 4, 0]]]  # rank 1
    E = O.RationalSheaf(
        {(0,): 0.0, (1,): 0.5, (0, 1): 1.5},
        {(0,): 0, (1,): 3, (0, 1): 2},
        {((0,), (0, 1)): [[], []], ((1,), (0, 1)): M},
    )
    assert bc(E, (0, 1)) == {0: [(0.5, 1.5)] + [(0.5, INF)] * 2, 1: [(1.5, INF)]}
    # a rank-d constant sheaf has d times the rank-1 barcode (also after an integer gauge)
    rng = np.random.default_rng(0)
    for _ in range(4):
        values = O.random_complex(rng, n_vertices=5, max_dim=2)
        degrees = (0, 1, 2)[: max(len(s) for s in values)]

        def constant(d, values=values):
            maps = {(f, s): O._identity(d) for s in values for f in O._faces(s)}
            return O.RationalSheaf(values, dict.fromkeys(values, d), maps)

        rank1 = bc(constant(1), degrees)
        for d in (2, 3):
            assert bc(constant(d), degrees) == {q: sorted(b * d) for q, b in rank1.items()}
        gauge = O.RationalSheaf(values, *O.SHEAF_KINDS["constant"](values, rng))
        d = next(iter(gauge.dims.values()))
        assert bc(gauge, degrees) == {q: sorted(b * d) for q, b in rank1.items()}


def test_oracle_reduction_agrees_with_rank_invariant():
    for i, kind, F, degrees, expected in _pool()[:30]:
        assert O.barcode_from_ranks(F, degrees) == expected, (i, kind)


def test_oracle_matches_exact_engine_and_sheaves_are_consistent():
    """Every generated integer sheaf passes check(), reads back unchanged, and the ℚ barcode
    equals the exact GF(65521) engine's."""
    kinds = set()
    for i, kind, F, degrees, expected in _pool():
        F.check()
        S = O.to_cellular_sheaf(F.values, F.dims, F.maps)  # validate=True
        S.check()
        assert S.is_integral
        back = O.from_cellular_sheaf(S)
        assert (back.values, back.dims, back.maps) == (F.values, F.dims, F.maps), i
        exact = O.as_lists(sheaf_persistence(S, degrees, field=65521))
        assert exact == expected, (i, kind, expected, exact)
        kinds.add(kind)
    assert kinds == set(O.SHEAF_KINDS)


def test_generated_cases_are_varied():
    """The pool exercises every degree, finite and essential bars, zero stalks and ranks 1–3."""
    finite, essential, ranks = set(), set(), set()
    for _, _, F, _, bars in _pool():
        ranks |= set(F.dims.values())
        for q, b in bars.items():
            finite |= {q for _, d in b if d != INF}
            essential |= {q for _, d in b if d == INF}
    assert {0, 1, 2} <= finite and {0, 1, 2} <= essential
    assert ranks == {0, 1, 2, 3}


# ----------------------------------------------------------------------------------------------
# 2. Changes of stalk basis
# ----------------------------------------------------------------------------------------------


def test_changed_bases_pass_validation():
    """Orthogonal, condition-1e2 and scalar changes of basis keep δ∘δ = 0 up to rounding; the
    library's validation (default atol) must accept them."""
    rejected = {}
    for basis in ("orthogonal", "cond1e2", "scalars"):
        rng = np.random.default_rng([SEED, 99, len(basis)])
        for i, kind, F, _, _ in _pool()[:100]:
            maps = O.change_basis(F, rng, basis)
            try:
                O.to_cellular_sheaf(F.values, F.dims, maps)
            except InvalidSheafError as exc:
                rejected.setdefault(basis, []).append((i, kind, str(exc)))
    assert not rejected, rejected


def test_orthogonal_changes_of_basis_give_the_exact_barcode_without_warning():
    results = _category("orthogonal")
    bad = [c for c in results if not c["exact"] or c["caught"] or not c["validated"]]
    if bad:
        _fail_with(bad, "orthogonal", "are not exact, warn, or fail validation")


def test_condition_1e2_exact_or_warned_and_mostly_exact():
    results = _category("cond1e2")
    wrong = [c for c in results if not c["exact"] and not c["caught"]]
    if wrong:
        _fail_with(wrong, "cond1e2", "are silently wrong")
    exact = sum(c["exact"] for c in results) / len(results)
    assert exact >= 0.9, f"only {exact:.1%} of the condition-1e2 cases are exact"


def test_condition_1e8_on_one_side_exact_or_warned():
    """Condition 1e8 on vertices and triangles, orthogonal on edges and tetrahedra: every
    coboundary is ill-conditioned on one side only, so every rank stays resolvable."""
    results = _category("cond1e8_even")
    wrong = [c for c in results if not c["exact"] and not c["caught"]]
    if wrong:
        _fail_with(wrong, "cond1e8_even", "are silently wrong")


def test_condition_1e8_exact_or_warned_unless_beyond_float64():
    """Condition 1e8 on every simplex. A block ``G_τ M G_σ^{-1}`` then has condition up to
    1e16: when its r-th singular value is below ``UNRESOLVABLE`` of its largest (r = rank M),
    the real sheaf *is* numerically of lower rank and a confident answer for that rank is not
    "silently wrong" (DESIGN.md §4: the exact barcode of a sheaf within rtol). Every other
    case must be exact or warned."""
    results = _category("cond1e8")
    resolvable = [c for c in results if O.block_ratio(c["F"], c["maps"]) >= UNRESOLVABLE]
    wrong = [c for c in resolvable if not c["exact"] and not c["caught"]]
    if wrong:
        _fail_with(wrong, "cond1e8", "(resolvable in float64) are silently wrong")
    assert len(resolvable) >= 0.2 * len(results)


def test_per_simplex_scalars_exact_or_warned():
    results = _category("scalars")
    wrong = [c for c in results if not c["exact"] and not c["caught"]]
    if wrong:
        _fail_with(wrong, "scalars", "are silently wrong")


# ----------------------------------------------------------------------------------------------
# 3. Hand-made cases
# ----------------------------------------------------------------------------------------------


def test_persistent_betti_counts_the_oracle_bars_on_generated_cases():
    """DESIGN §4 oracle 6 on the generated sheaves: the nullity of the persistent Laplacian
    (``persistent_betti``, computed from SVDs of the coboundary blocks, independent of the
    reduction) = the number of ℚ-oracle bars containing [a, b], for every pair of critical
    values a <= b and every degree; as given and after an orthogonal change of basis."""
    rng = np.random.default_rng([SEED, 6])
    checked = 0
    for i, _, F, degrees, expected in _pool()[:80]:
        values = sorted(set(F.values.values()))
        for S in (
            O.to_cellular_sheaf(F.values, F.dims, F.maps),
            _build(F, O.change_basis(F, rng, "orthogonal"))[0],
        ):
            for q in degrees:
                bars = expected.get(q, [])
                for ai, a in enumerate(values):
                    for b in values[ai:]:
                        want = sum(1 for birth, death in bars if birth <= a and death > b)
                        got = persistent_betti(S, q, a, b)
                        assert got == want, (i, q, a, b, got, want)
                        checked += 1
    assert checked > 1000


def _issue_case():
    e = 2.0**-24
    M = np.outer([2 * e, 0, 1], [1, 1, 0]) + np.outer([-1, 2 * e, 2 * e], [-1, 1, 2 * e])
    K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)], [0, 0, 1])
    return CellularSheaf.from_restrictions(K, {(0,): 0, (1,): 3, (0, 1): 3}, {((1,), (0, 1)): M})


def test_issue_14_regression_case():
    F = _issue_case()
    expected = {0: [(0.0, 1.0), (0.0, 1.0), (0.0, INF)], 1: [(1.0, INF)]}
    assert O.barcode(O.from_cellular_sheaf(F), (0, 1)) == expected  # M has rank 2 over ℚ
    out, caught = _run(F, (0, 1))
    assert O.as_lists(out) == expected
    assert not caught, [str(w) for w in caught]


def _twisted_triangle(holonomy):
    K = FilteredComplex.from_simplices(
        [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)], [0, 0, 0, 1, 1, 2]
    )
    return CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[holonomy]]}), 2.0


def _near_singular_block(eps):
    K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)], [0, 0, 1])
    M = [[1.0, 1.0], [1.0, 1.0 + eps]]
    F = CellularSheaf.from_restrictions(K, {(0,): 0, (1,): 2, (0, 1): 2}, {((1,), (0, 1)): M})
    return F, 1.0


@pytest.mark.parametrize(
    "make",
    [
        lambda: _twisted_triangle(1 + 1e-10),  # holonomy 1 + 1e-10: twisted or not?
        lambda: _twisted_triangle(1 + 1e-9),
        lambda: _near_singular_block(1e-10),  # a 2×2 map with det 1e-10: rank 1 or 2?
    ],
    ids=["holonomy-1e-10", "holonomy-1e-9", "block-det-1e-10"],
)
def test_rank_decision_at_the_tolerance_warns(make):
    """A rank decision that per-simplex rescaling cannot move sits at rtol: warn, and name the
    degree and the filtration value (the brief's literal example — one 1×1 map of 1e-10 among
    maps of size 1 — is *not* such a case: rescaling a vertex removes it, see below)."""
    F, critical = make()
    out, caught = _run(F, (0, 1))
    assert set(out) == {0, 1}
    assert caught, "no NumericalWarning"
    filtration_values = set(F.complex.filtration_values().tolist())
    for w in caught:
        assert isinstance(w, NumericalWarning) and isinstance(w, UserWarning)
        assert w.degree in (0, 1)
        assert re.search(rf"(degree[- ]?{w.degree}\b|H\^?{w.degree}\b)", str(w)), str(w)
        assert w.values and set(w.values) <= filtration_values, w.values
    assert any(critical in w.values for w in caught), [w.values for w in caught]


@pytest.mark.parametrize("tiny", [1e-10, -1e-10, 1e-14])
def test_a_tiny_but_determined_map_is_exact_and_silent(tiny):
    """Twisted triangle whose twist is a map of size 1e-10 (holonomy 1e-10, far from 1): a
    per-simplex rescaling makes every map ±1, so the exact ℚ answer is certain."""
    F, _ = _twisted_triangle(tiny)
    expected = O.barcode(O.from_cellular_sheaf(F), (0, 1))
    assert expected == {0: [(0.0, 1.0), (0.0, 1.0), (0.0, 2.0)], 1: []}
    out, caught = _run(F, (0, 1))
    assert O.as_lists(out) == expected
    assert not caught, [str(w) for w in caught]


# ----------------------------------------------------------------------------------------------
# 4. Representative cocycles
# ----------------------------------------------------------------------------------------------


def _dense_coboundary(R, k):
    """δ^k of the oracle as a float array of shape (dim C^{k+1}, dim C^k)."""
    n_cols = len(R.basis(k)) if k >= 0 else 0
    n_rows = len(R.basis(k + 1)) if k + 1 <= R.top else 0
    if k < 0 or not n_rows or not n_cols:
        return np.zeros((n_rows, n_cols))
    return np.array(O.coboundary(R, k), dtype=np.float64)


def _check_cocycles(S, degrees, bars, cocycles, where):
    R = O.from_cellular_sheaf(S)
    K = S.complex
    for q in degrees:
        assert len(cocycles[q]) == len(bars[q]), where
        assert R.simplices(q) == [tuple(int(v) for v in s) for s in K.simplices[q]]
        D, Dm = _dense_coboundary(R, q), _dense_coboundary(R, q - 1)
        f_up = np.array(R.basis_values(q + 1) if q + 1 <= R.top else [], dtype=np.float64)
        f_q = np.array(R.basis_values(q), dtype=np.float64)
        f_down = np.array(R.basis_values(q - 1) if q else [], dtype=np.float64)
        essential = []
        for (birth, death), z in zip(bars[q], cocycles[q], strict=True):
            assert z.degree == q
            x = z.to_vector(S)
            # a cocycle on K_t for every t < death (on the whole complex if essential)
            rows = f_up < death
            res = np.abs(D[rows] @ x)
            scale = (np.abs(D[rows]) @ np.abs(x)).max(initial=0.0)
            assert (res <= 1e-8 * scale + 1e-300).all(), (where, q, birth, death, res.max())
            # whose class is not zero at its birth: x|K_b is not a coboundary of K_b
            keep = f_q <= birth
            xb = x[keep]
            B = Dm[np.ix_(keep, f_down <= birth)]
            assert np.linalg.norm(xb) > 0, (where, q, birth, death)
            if B.size:
                y = np.linalg.lstsq(B, xb, rcond=None)[0]
                assert np.linalg.norm(xb - B @ y) > 1e-6 * np.linalg.norm(xb), (where, q, birth)
            if death == INF:
                essential.append(x / np.linalg.norm(x))
        # the essential cocycles are independent modulo the coboundaries of the final complex
        if essential:
            Z = np.column_stack(essential)
            rank_b = np.linalg.matrix_rank(Dm) if Dm.size else 0
            both = np.column_stack([Dm, Z]) if Dm.size else Z
            assert np.linalg.matrix_rank(both, tol=1e-8 * np.linalg.norm(both, 2)) == (
                rank_b + Z.shape[1]
            ), (where, q)


def test_representatives_are_cocycles():
    rng = np.random.default_rng([SEED, 7])
    checked = 0
    for i, kind, F, degrees, expected in _pool()[:60]:
        maps = O.change_basis(F, rng, "orthogonal")
        S, _ = _build(F, maps)
        (bars, cocycles), caught = _run(S, degrees, representatives=True)
        assert not caught
        assert O.as_lists(bars) == expected, (i, kind)
        _check_cocycles(S, degrees, bars, cocycles, (i, kind))
        checked += sum(len(b) for b in bars.values())
    assert checked > 100
    F = _issue_case()
    (bars, cocycles), _ = _run(F, (0, 1), representatives=True)
    _check_cocycles(F, (0, 1), bars, cocycles, "issue case")


# ----------------------------------------------------------------------------------------------
# 5. The benchmark script runs
# ----------------------------------------------------------------------------------------------


def test_float_engine_benchmark_quick_run(capsys):
    path = Path(__file__).resolve().parents[1] / "pipelines" / "benchmarks" / "float_engine.py"
    spec = importlib.util.spec_from_file_location("bench_float_engine", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main(["--quick"])
    out = capsys.readouterr().out
    for basis in O.BASIS_KINDS:
        assert f"| {basis} |" in out, out
    assert "| random sheaves |" in out and "| tangent sheaf" in out, out
    assert code in (0, 1), out
