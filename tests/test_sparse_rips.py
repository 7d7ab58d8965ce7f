"""The deterministic sparse Rips filtration (:func:`tdasheaf.complexes.sparse_flag_filtration`).

Oracles, each independent of the construction's code:

* :func:`tdasheaf.geometry.greedy_permutation` (brute-force ``cdist`` greedy) for the order;
* gudhi's sparse Rips graph (same ``sparse``, all of its random starting points) for the edges;
* a brute-force *relaxed Rips* filtration (every pair, its value found by walking the
  piecewise-linear relaxed distance) — ours must have exactly its diagrams;
* gudhi's full Rips diagrams — within the stated log-scale bottleneck bound ``−log(1 − ε)``.
"""

from __future__ import annotations

import math

import gudhi
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist, squareform

from tdasheaf.cohomology import flag_persistence
from tdasheaf.complexes import (
    FlagFiltration,
    filtration_order,
    sparse_flag_filtration,
    sparse_rips_complex,
)
from tdasheaf.complexes._sparse import _greedy_order
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.geometry import greedy_permutation

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def edge_dict(F: FlagFiltration) -> dict[tuple[int, int], float]:
    return dict(zip(map(tuple, F.edges.tolist()), F.values.tolist(), strict=True))


def cloud(seed: int, n: int, dim: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim))


def relaxed_rips_values(X: np.ndarray, eps: float, order, lam) -> np.ndarray:
    """Sheehy's relaxed Rips edge values for *every* pair (brute force, square matrix).

    ``w_p(t) = min(max(0, t/2 − λ_p/ε), εt/2)``; the value of ``pq`` is the first ``t`` with
    ``d + w_p(t) + w_q(t) ≤ t``, found by evaluating the piecewise-linear function at its
    breakpoints and interpolating (not the closed form the library uses).
    """
    n = len(X)
    radius = np.empty(n)
    radius[order] = lam
    D = squareform(pdist(X))
    V = np.zeros((n, n))

    def weight(lam_p, t):
        return min(max(0.0, t / 2 - lam_p / eps), eps * t / 2)

    for p in range(n):
        for q in range(p + 1, n):
            d = D[p, q]

            def f(t, p=p, q=q, d=d):
                return d + weight(radius[p], t) + weight(radius[q], t) - t

            ends = [
                b for r in (radius[p], radius[q]) for b in (2 * r / eps, 2 * r / (eps - eps**2))
            ]
            breaks = sorted({d} | {b for b in ends if np.isfinite(b) and b > d})
            lo = d
            t = None
            for b in breaks:
                if f(b) <= 1e-12 * max(1.0, b):
                    # root in [lo, b]: f is linear there
                    flo, fb = f(lo), f(b)
                    t = b if flo == fb else lo + (b - lo) * flo / (flo - fb)
                    t = max(t, lo) if flo > 0 else lo
                    break
                lo = b
            if t is None:  # beyond the last breakpoint the slope is ε − 1 < 0
                t = lo + f(lo) / (1 - eps)
            V[p, q] = V[q, p] = t
    return V


def gudhi_diagrams(n: int, edges, values, max_dimension: int = 2) -> dict[int, np.ndarray]:
    st_ = gudhi.SimplexTree()
    for v in range(n):
        st_.insert([v], 0.0)
    for (a, b), w in zip(edges, values, strict=True):
        st_.insert([int(a), int(b)], float(w))
    st_.expansion(max_dimension)
    st_.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    out = {}
    for k in range(max_dimension):
        bars = st_.persistence_intervals_in_dimension(k).reshape(-1, 2)
        out[k] = bars[bars[:, 1] > bars[:, 0]] if len(bars) else bars
    return out


def sorted_bars(bars: np.ndarray) -> np.ndarray:
    bars = np.asarray(bars, dtype=float).reshape(-1, 2)
    return bars[np.lexsort((bars[:, 1], bars[:, 0]))]


def log_bottleneck(a: np.ndarray, b: np.ndarray) -> float:
    """Bottleneck distance between diagrams in log scale (births 0 → a common −∞ stand-in)."""

    def to_log(bars):
        bars = np.asarray(bars, dtype=float).reshape(-1, 2)
        bars = bars[bars[:, 1] > bars[:, 0]]
        with np.errstate(divide="ignore"):
            L = np.log(bars)
        L[np.isneginf(L)] = -1e6  # H0 births: equal in both diagrams, far from the diagonal
        return L

    return gudhi.bottleneck_distance(to_log(a), to_log(b))


# ----------------------------------------------------------------------------------------------
# the greedy order
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_greedy_order_is_the_brute_force_greedy_permutation(dim):
    X = cloud(dim, 200, dim)
    order, lam = _greedy_order(X)
    assert order[0] == np.lexsort(X.T[::-1])[0]  # starts at the lexicographically smallest point
    ref, ref_lam = greedy_permutation(X, start=int(order[0]))
    np.testing.assert_array_equal(order, ref)
    np.testing.assert_array_equal(lam, ref_lam)


def test_greedy_order_with_duplicates_and_ties():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]])
    order, lam = _greedy_order(X)
    assert sorted(order.tolist()) == list(range(6))
    assert lam[0] == np.inf and (np.diff(lam[1:]) <= 0).all()
    assert lam[-2:].tolist() == [0.0, 0.0]  # the two duplicates come last


# ----------------------------------------------------------------------------------------------
# the graph: gudhi's, for every possible start
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sparse", [0.3, 0.7, 2.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_edges_are_gudhis_sparse_graph_for_our_order(sparse, seed):
    """gudhi's random start cannot be seeded: 7 points, 300 runs, each start missed with
    probability (6/7)**300 < 1e-19. Our graph must be one of the outcomes, bit for bit."""
    X = cloud(seed, 7, 2)
    mine = frozenset(edge_dict(sparse_flag_filtration(X, sparse)).items())
    outcomes = set()
    for _ in range(300):
        tree = gudhi.RipsComplex(points=X, sparse=sparse).create_simplex_tree(max_dimension=1)
        outcomes.add(frozenset((tuple(s), f) for s, f in tree.get_simplices() if len(s) == 2))
    assert mine in outcomes


@pytest.mark.parametrize("sparse", [0.1, 0.5, 0.9, 1.5])
def test_edges_are_rips_edges_with_larger_values(sparse):
    X = cloud(3, 60, 3)
    D = squareform(pdist(X))
    F = sparse_flag_filtration(X, sparse)
    i, j = F.edges.T
    assert (i < j).all()
    assert (F.values >= D[i, j]).all()
    np.testing.assert_array_equal(filtration_order(F.edges, F.values), np.arange(F.n_edges))
    assert F.vertex_labels.tolist() == list(range(60))


def test_tiny_sparse_gives_the_full_rips_graph():
    X = cloud(4, 30, 2)
    F = sparse_flag_filtration(X, sparse=1e-6)
    D = squareform(pdist(X))
    i, j = np.triu_indices(30, 1)
    assert edge_dict(F) == dict(
        zip(zip(i.tolist(), j.tolist(), strict=True), D[i, j].tolist(), strict=True)
    )


def test_max_edge_length_truncates():
    X = cloud(5, 80, 2)
    full = edge_dict(sparse_flag_filtration(X, 0.5))
    cut = edge_dict(sparse_flag_filtration(X, 0.5, max_edge_length=0.6))
    assert cut == {e: v for e, v in full.items() if v <= 0.6}


def test_linear_size():
    X = np.random.default_rng(6).uniform(size=(2000, 2))
    F = sparse_flag_filtration(X, sparse=0.5)
    assert F.n_edges < 60 * 2000 < 2000 * 1999 // 2
    # a finer approximation costs more edges, still far fewer than all pairs
    assert F.n_edges < sparse_flag_filtration(X, sparse=0.2).n_edges < 2000 * 1999 // 20


# ----------------------------------------------------------------------------------------------
# determinism
# ----------------------------------------------------------------------------------------------


def test_deterministic_and_equivariant_under_permutation():
    """Same edges and values on every call; and, since the order starts at the
    lexicographically smallest point with lexicographic tie-breaks, a permuted copy of the
    cloud gives the same graph relabelled (bit for bit)."""
    X = cloud(7, 120, 3)
    first = edge_dict(sparse_flag_filtration(X, 0.5))
    for _ in range(3):
        assert edge_dict(sparse_flag_filtration(X, 0.5)) == first
    perm = np.random.default_rng(8).permutation(120)
    permuted = edge_dict(sparse_flag_filtration(X[perm], 0.5))
    relabelled = {tuple(sorted((int(perm[a]), int(perm[b])))): v for (a, b), v in permuted.items()}
    assert relabelled == first


# ----------------------------------------------------------------------------------------------
# persistence: exactly the relaxed Rips, and within the bound of the Rips
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "n", "dim", "sparse", "grid"),
    [
        (0, 25, 2, 0.5, False),
        (1, 30, 3, 0.3, False),
        (2, 35, 2, 0.8, False),
        (3, 22, 3, 0.6, False),
        (4, 25, 2, 0.5, True),
        (5, 30, 3, 0.2, True),
    ],
)
def test_persistence_equals_the_relaxed_rips(seed, n, dim, sparse, grid):
    """The flag complex of the sparse graph (no blockers) has exactly the diagrams of Sheehy's
    relaxed Rips filtration on all pairs (the strong-collapse argument of the module), also
    with ties and duplicate points (integer grids)."""
    X = cloud(seed, n, dim)
    if grid:
        X = np.random.default_rng(seed).integers(0, 3, size=(n, dim)).astype(np.float64)
    order, lam = _greedy_order(X)
    V = relaxed_rips_values(X, sparse, order, lam)
    i, j = np.triu_indices(n, 1)
    ref = gudhi_diagrams(n, np.c_[i, j], V[i, j], max_dimension=3)
    F = sparse_flag_filtration(X, sparse)
    assert F.n_edges < len(i)
    ours = gudhi_diagrams(n, F.edges, F.values, max_dimension=3)
    engine = flag_persistence(F.n_vertices, F.edges, F.values, degrees=(0, 1, 2), field=2)
    for k in range(3):
        np.testing.assert_allclose(sorted_bars(ours[k]), sorted_bars(ref[k]), rtol=1e-9)
        np.testing.assert_allclose(sorted_bars(engine[k]), sorted_bars(ref[k]), rtol=1e-9)


@st.composite
def small_clouds(draw):
    n = draw(st.integers(3, 40))
    dim = draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**16))
    scale = draw(st.sampled_from([1.0, 1e-3, 1e3]))
    X = np.random.default_rng(seed).normal(size=(n, dim)) * scale
    if draw(st.booleans()):  # points on a circle (a long H1 bar) plus noise
        t = np.random.default_rng(seed).uniform(0, 2 * np.pi, n)
        X[:, :2] = scale * np.c_[np.cos(t), np.sin(t)] + 0.05 * X[:, :2]
    return X


@PROPERTY
@given(X=small_clouds(), sparse=st.sampled_from([0.1, 0.3, 0.5, 0.7, 0.9]))
def test_log_bottleneck_to_the_rips_diagrams_is_within_the_bound(X, sparse):
    n = len(X)
    F = sparse_flag_filtration(X, sparse)
    ours = flag_persistence(n, F.edges, F.values, degrees=(0, 1), field=2)
    tree = gudhi.RipsComplex(points=X).create_simplex_tree(max_dimension=2)
    tree.compute_persistence(homology_coeff_field=2)
    bound = -math.log1p(-sparse) * (1 + 1e-9) + 1e-12
    for k in (0, 1):
        rips = tree.persistence_intervals_in_dimension(k).reshape(-1, 2)
        assert log_bottleneck(ours[k], rips) <= bound, k


def test_sparse_rips_complex_is_the_explicit_filtration():
    X = cloud(9, 40, 2)
    K = sparse_rips_complex(X, sparse=0.5, max_dimension=2)
    F = sparse_flag_filtration(X, 0.5, max_dimension=2)
    ref = F.to_complex()
    for k in range(3):
        np.testing.assert_array_equal(K.simplices[k], ref.simplices[k])
        np.testing.assert_array_equal(K.filtrations[k], ref.filtrations[k])


# ----------------------------------------------------------------------------------------------
# input checks and the budget
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sparse", [0, 0.0, -0.5, np.nan, np.inf, True, "0.5", None])
def test_bad_sparse(sparse):
    with pytest.raises(ValueError, match="sparse must be a positive number"):
        sparse_flag_filtration(cloud(0, 5, 2), sparse)


def test_bad_points_and_parameters():
    with pytest.raises(ValueError, match="NaN or infinite"):
        sparse_flag_filtration(np.array([[0.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="2-D array"):
        sparse_flag_filtration(np.arange(4.0))
    with pytest.raises(ValueError, match="max_edge_length"):
        sparse_flag_filtration(cloud(0, 5, 2), max_edge_length=np.nan)
    with pytest.raises(ValueError, match="max_dimension"):
        sparse_flag_filtration(cloud(0, 5, 2), max_dimension=-1)


def test_single_point_and_budget():
    F = sparse_flag_filtration(np.zeros((1, 3)))
    assert (F.n_vertices, F.n_edges) == (1, 0)
    with pytest.raises(ComplexTooLargeError, match="sparse Rips graph"):
        sparse_flag_filtration(cloud(0, 500, 2), 0.5, memory_budget=20_000)


# ----------------------------------------------------------------------------------------------
# the estimator route: SheafPersistence(filtration="sparse_rips")
# ----------------------------------------------------------------------------------------------


def test_sheaf_persistence_on_the_sparse_rips_filtration():
    from tdasheaf.cohomology import sheaf_persistence
    from tdasheaf.complexes import sparse_flag_filtration
    from tdasheaf.estimators import SheafPersistence
    from tdasheaf.sheaves import constant_sheaf

    rng = np.random.default_rng(3)
    theta = rng.uniform(0, 2 * np.pi, 120)
    X = np.c_[np.cos(theta), np.sin(theta)] + 0.05 * rng.normal(size=(120, 2))
    est = SheafPersistence(sheaf="constant", filtration="sparse_rips", sparse=0.3, field=3)
    D = est.fit_transform([X])[0]
    F = sparse_flag_filtration(X, 0.3, max_dimension=2)
    bars = sheaf_persistence(constant_sheaf(F), (0, 1), field=3)
    for q in (0, 1):
        got = D[(D[:, 2] == q) & (D[:, 1] > D[:, 0])][:, :2]
        np.testing.assert_array_equal(got[np.lexsort(got.T[::-1])], bars[q])
    # the circle: one long H^1 bar, also on 60 landmarks (labels stay point indices)
    D = SheafPersistence(
        sheaf="orientation", filtration="sparse_rips", sparse=0.3, n_landmarks=60, field=3
    ).fit_transform([X])[0]
    h1 = D[(D[:, 2] == 1) & (D[:, 1] > D[:, 0])]
    assert np.sum(h1[:, 1] / h1[:, 0] > 2) == 1
    with pytest.raises(ValueError, match="sparse"):
        SheafPersistence(filtration="sparse_rips", sparse=0).fit([X])
