"""Filtered complexes (:mod:`tdasheaf.complexes`): Rips, landmark Rips, alpha, sparse Rips,
hand-made complexes, the size estimate and the memory budget.

Oracles: gudhi's simplex trees (same simplices, bit-identical float64 filtration values).
Invariants checked on every complex built here: the rows of each dimension are in the
library's total order (value, then vertices lexicographically), and ``boundaries[k][j, i]``
is the row of the face of simplex ``j`` without its ``i``-th vertex.
"""

from __future__ import annotations

import itertools
import math

import gudhi
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist, pdist, squareform

import tdasheaf
from tdasheaf.complexes import (
    DEFAULT_MEMORY_BUDGET,
    FilteredComplex,
    alpha_complex,
    estimate_rips_size,
    maxmin_landmarks,
    rips_complex,
    sparse_rips_complex,
)

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def as_dict(K: FilteredComplex) -> dict[int, dict[tuple[int, ...], float]]:
    """{dimension: {vertex tuple: filtration value}}, empty dimensions left out."""
    return {
        k: dict(zip(map(tuple, s.tolist()), f.tolist(), strict=True))
        for k, (s, f) in enumerate(zip(K.simplices, K.filtrations, strict=True))
        if len(s)
    }


def tree_dict(simplex_tree, max_dimension: int | None = None) -> dict:
    """The same for a gudhi simplex tree (optionally pruned above ``max_dimension``)."""
    out: dict[int, dict] = {}
    for simplex, value in simplex_tree.get_simplices():
        k = len(simplex) - 1
        if max_dimension is None or k <= max_dimension:
            out.setdefault(k, {})[tuple(sorted(simplex))] = value
    return out


def assert_well_formed(K: FilteredComplex) -> None:
    """Total order, sorted rows without repeats, boundary index arrays by lookup, dtypes."""
    assert len(K.simplices) == len(K.filtrations) == len(K.boundaries)
    for k, (s, f, b) in enumerate(zip(K.simplices, K.filtrations, K.boundaries, strict=True)):
        assert s.dtype == np.int64 and f.dtype == np.float64 and b.dtype == np.int64
        assert s.shape == (len(f), k + 1)
        assert b.shape == (len(f), k if k == 0 else k + 1)
        assert np.all(np.diff(s, axis=1) > 0), "vertices of a row must be strictly increasing"
        keys = list(zip(f.tolist(), map(tuple, s.tolist()), strict=True))
        assert keys == sorted(keys), f"dimension {k} is not in (value, lexicographic) order"
        assert len(set(map(tuple, s.tolist()))) == len(s), "a simplex is listed twice"
        for i in range(k + 1 if k else 0):
            faces = np.delete(s, i, axis=1)
            np.testing.assert_array_equal(K.simplices[k - 1][b[:, i]], faces)
            assert np.all(K.filtrations[k - 1][b[:, i]] <= f), "filtration is not monotone"


def assert_same_complex(A: FilteredComplex, B: FilteredComplex) -> None:
    """Equal arrays in every dimension; a dimension missing on one side must be empty."""
    for k in range(max(len(A.simplices), len(B.simplices))):
        for name in ("simplices", "filtrations", "boundaries"):
            a = getattr(A, name)[k] if k < len(A.simplices) else None
            b = getattr(B, name)[k] if k < len(B.simplices) else None
            if a is None or b is None:
                assert len(a if b is None else b) == 0, f"{name}[{k}] only on one side"
            else:
                np.testing.assert_array_equal(a, b, err_msg=f"{name}[{k}]")


def gudhi_rips(X=None, t=np.inf, d=2, *, distance_matrix=None, sparse=None):
    source = {"points": X} if distance_matrix is None else {"distance_matrix": distance_matrix}
    rc = gudhi.RipsComplex(**source, max_edge_length=t, sparse=sparse)
    # gudhi keeps the 1-skeleton even for max_dimension=0: compare after pruning.
    return tree_dict(rc.create_simplex_tree(max_dimension=d), max_dimension=d)


# ----------------------------------------------------------------------------------------------
# strategies
# ----------------------------------------------------------------------------------------------


@st.composite
def clouds(draw, max_points: int = 9, max_dim: int = 3) -> np.ndarray:
    """Integer-grid clouds (ties, duplicate points) or standard normal clouds."""
    n = draw(st.integers(1, max_points))
    D = draw(st.integers(1, max_dim))
    if draw(st.booleans()):
        grid = draw(hnp.arrays(np.int64, (n, D), elements=st.integers(0, 2)))
        return grid.astype(np.float64)
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).normal(size=(n, D))


thresholds = st.one_of(
    st.sampled_from([0.0, 1.0, math.sqrt(2.0), 2.0, np.inf]),
    st.floats(0.0, 3.0, allow_nan=False),
)


@st.composite
def filtered_complexes(draw):
    """(simplices, values) of a random monotone complex on <= 6 vertices, with ties.

    Random maximal simplices are closed under faces; each simplex gets a random integer and
    its value is the maximum over its faces, which makes the filtration monotone.
    """
    n = draw(st.integers(1, 6))
    tops = draw(
        st.lists(
            st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True),
            min_size=0,
            max_size=6,
        )
    )
    closure = sorted(
        {
            face
            for top in tops
            for r in range(1, len(top) + 1)
            for face in itertools.combinations(sorted(top), r)
        },
        key=lambda s: (len(s), s),
    )
    raw = {s: draw(st.integers(0, 3)) for s in closure}
    values = {
        s: max(raw[f] for r in range(1, len(s) + 1) for f in itertools.combinations(s, r))
        for s in closure
    }
    return closure, [float(values[s]) for s in closure]


# ----------------------------------------------------------------------------------------------
# Vietoris–Rips
# ----------------------------------------------------------------------------------------------


def test_rips_triangle_known_answer():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    K = rips_complex(X, max_dimension=2)
    assert K.n_simplices == (3, 3, 1)
    np.testing.assert_array_equal(K.simplices[1], [[0, 1], [0, 2], [1, 2]])
    np.testing.assert_array_equal(K.filtrations[1], [1.0, 1.0, math.sqrt(2.0)])
    np.testing.assert_array_equal(K.filtrations[0], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(K.boundaries[2], [[2, 1, 0]])  # (1,2), (0,2), (0,1)
    assert K.flag and K.dimension == 2 and len(K) == 7
    assert_well_formed(K)


@PROPERTY
@given(
    rows=st.integers(0, 300),
    width=st.integers(1, 3),
    n_values=st.sampled_from([2, 5, 1000]),
    extras=st.sampled_from(["none", "signed zeros", "inf", "nan"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_filtration_order_is_the_stable_lexsort(rows, width, n_values, extras, seed):
    # oracle: numpy's lexsort by (value, then vertices), stable, with many ties and duplicates
    rng = np.random.default_rng(seed)
    S = np.sort(rng.integers(0, 12, size=(rows, width)), axis=1)
    values = rng.integers(0, n_values, rows) / 7.0
    special = rng.random(rows) < 0.1
    if extras == "signed zeros":
        values[special] = rng.choice([0.0, -0.0], special.sum())
    elif extras in ("inf", "nan"):
        values[special] = np.inf if extras == "inf" else np.nan
    keys = [S[:, j] for j in range(width - 1, -1, -1)]
    expected = np.lexsort((*keys, values))
    np.testing.assert_array_equal(tdasheaf.complexes.filtration_order(S, values), expected)


def test_rips_duplicate_points_give_zero_length_edges():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 0.0]])
    K = rips_complex(X, max_edge_length=0.0, max_dimension=2)
    assert as_dict(K) == {0: {(0,): 0.0, (1,): 0.0, (2,): 0.0}, 1: {(0, 1): 0.0}}


@PROPERTY
@given(X=clouds(), t=thresholds, d=st.integers(0, 3))
def test_rips_equals_gudhi(X, t, d):
    K = rips_complex(X, t, d)
    assert as_dict(K) == gudhi_rips(X, t, d)  # same simplices, bit-identical values
    assert K.dimension <= d
    assert_well_formed(K)


@PROPERTY
@given(X=clouds(), t=thresholds, d=st.integers(0, 3))
def test_rips_precomputed_equals_euclidean(X, t, d):
    K = rips_complex(X, t, d)
    P = rips_complex(squareform(pdist(X)), t, d, metric="precomputed")
    assert_same_complex(P, K)


@PROPERTY
@given(X=clouds(max_points=8), t=thresholds, d=st.integers(0, 3))
def test_rips_cityblock_equals_gudhi_on_distance_matrix(X, t, d):
    K = rips_complex(X, t, d, metric="cityblock")
    DM = squareform(pdist(X, "cityblock"))
    assert as_dict(K) == gudhi_rips(t=t, d=d, distance_matrix=DM)
    assert_well_formed(K)


def test_rips_higher_dimensions_and_complete_graph():
    X = np.random.default_rng(0).normal(size=(7, 3))
    K = rips_complex(X, np.inf, 5)
    assert K.n_simplices == tuple(math.comb(7, k + 1) for k in range(6))
    assert as_dict(K) == gudhi_rips(X, np.inf, 5)
    assert_well_formed(K)


def test_rips_single_point():
    K = rips_complex(np.zeros((1, 2)), max_dimension=2)
    assert K.n_simplices[0] == 1 and len(K) == 1
    assert_well_formed(K)


# ----------------------------------------------------------------------------------------------
# landmarks
# ----------------------------------------------------------------------------------------------


def _greedy_orders_exist(dist: np.ndarray, chosen: list[int], remaining: set[int]) -> bool:
    """Can ``remaining`` be appended to ``chosen`` so each next one maximises the distance
    to the chosen set? (Depth-first over ties; the library returns the set sorted.)"""
    if not remaining:
        return True
    others = [i for i in range(len(dist)) if i not in chosen]
    to_set = dist[np.ix_(others, chosen)].min(axis=1)
    best = to_set.max()
    for i, value in zip(others, to_set, strict=True):
        if i in remaining and value == best:
            if _greedy_orders_exist(dist, [*chosen, i], remaining - {i}):
                return True
    return False


@PROPERTY
@given(X=clouds(max_points=8), data=st.data())
def test_maxmin_landmarks_is_the_greedy_maxmin_rule(X, data):
    n = len(X)
    m = data.draw(st.integers(1, n), label="n_landmarks")
    start = data.draw(st.integers(0, n - 1), label="start")
    labels = maxmin_landmarks(X, m, start=start)
    assert labels.dtype == np.int64 and len(labels) == m
    assert np.all(np.diff(labels) > 0), "sorted, never repeated"
    assert labels.min() >= 0 and labels.max() < n and start in labels
    dist = cdist(X, X)
    assert _greedy_orders_exist(dist, [start], set(labels.tolist()) - {start})
    np.testing.assert_array_equal(maxmin_landmarks(X, m, start=start), labels)  # deterministic
    P = maxmin_landmarks(squareform(pdist(X)), m, metric="precomputed", start=start)
    np.testing.assert_array_equal(P, labels)


def test_maxmin_landmarks_known_answer_and_duplicates():
    assert maxmin_landmarks(np.array([[0.0], [0.1], [5.0], [10.0]]), 3).tolist() == [0, 2, 3]
    same = np.zeros((5, 2))
    np.testing.assert_array_equal(maxmin_landmarks(same, 5), np.arange(5))
    dup = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(maxmin_landmarks(dup, 5), np.arange(5))
    # the three distinct locations come first
    assert {tuple(dup[i]) for i in maxmin_landmarks(dup, 3)} == {(0, 0), (1, 0), (0, 1)}


@pytest.mark.parametrize("m", [0, 6, -1])
def test_maxmin_landmarks_bad_count(m):
    with pytest.raises(ValueError, match="n_landmarks"):
        maxmin_landmarks(np.zeros((5, 2)), m)


@PROPERTY
@given(X=clouds(max_points=9), t=thresholds, d=st.integers(0, 3), data=st.data())
def test_landmark_rips_is_rips_on_the_landmarks(X, t, d, data):
    n = len(X)
    m = data.draw(st.integers(1, n + 2), label="n_landmarks")
    K = rips_complex(X, t, d, n_landmarks=m)
    labels = maxmin_landmarks(X, min(m, n))
    np.testing.assert_array_equal(K.vertex_labels, labels)
    if m >= n:
        np.testing.assert_array_equal(labels, np.arange(n))
    R = rips_complex(X[labels], t, d)  # relabelled: vertex i of R is point labels[i]
    relabelled = FilteredComplex(
        tuple(labels[s] for s in R.simplices), R.filtrations, R.boundaries, R.flag
    )
    assert_same_complex(K, relabelled)
    assert_well_formed(K)
    assert_same_complex(rips_complex(X, t, d, n_landmarks=m), K)  # deterministic
    P = rips_complex(squareform(pdist(X)), t, d, metric="precomputed", n_landmarks=m)
    assert_same_complex(P, K)


# ----------------------------------------------------------------------------------------------
# alpha
# ----------------------------------------------------------------------------------------------


def test_alpha_known_answer():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    K = alpha_complex(X)
    np.testing.assert_array_equal(K.filtrations[1], [1.0, 1.0, math.sqrt(2.0)])
    np.testing.assert_array_equal(alpha_complex(X, squared=True).filtrations[1], [1.0, 1.0, 2.0])


@pytest.mark.parametrize("D", [2, 3])
@pytest.mark.parametrize("max_dimension", [0, 1, 2, 3])
@pytest.mark.parametrize("seed", [0, 1])
def test_alpha_equals_gudhi(D, max_dimension, seed):
    X = np.random.default_rng(seed).normal(size=(25, D))
    expected = tree_dict(gudhi.AlphaComplex(points=X).create_simplex_tree(), max_dimension)
    squared = alpha_complex(X, max_dimension, squared=True)
    assert as_dict(squared) == expected
    radii = alpha_complex(X, max_dimension)
    assert as_dict(radii) == {
        k: {s: math.sqrt(v) for s, v in simplices.items()} for k, simplices in expected.items()
    }
    assert radii.dimension == min(max_dimension, D)
    for K in (squared, radii):
        assert_well_formed(K)


def test_alpha_default_prunes_to_dimension_two():
    X = np.random.default_rng(0).normal(size=(20, 3))
    assert alpha_complex(X).dimension == 2
    assert alpha_complex(X, max_dimension=3).dimension == 3


# ----------------------------------------------------------------------------------------------
# sparse Rips
# ----------------------------------------------------------------------------------------------


def _frozen(d: dict) -> frozenset:
    return frozenset((s, v) for simplices in d.values() for s, v in simplices.items())


@pytest.mark.parametrize("sparse", [0.3, 0.7, 2.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_rips_is_one_of_gudhis_sparse_complexes(sparse, seed):
    """gudhi starts its farthest-point order at a random point (not seedable from Python), so
    its sparse complex depends on the run; our graph must be one of the possible outcomes'
    graphs. Six points, 300 runs: each starting point is missed with probability
    (5/6)**300 < 1e-23. Ours keeps every clique of that graph where gudhi drops some with
    blockers (ours has exactly the relaxed Rips persistence: tests/test_sparse_rips.py), so
    gudhi's complex is a subset."""
    X = np.random.default_rng(seed).normal(size=(6, 2))
    K = sparse_rips_complex(X, sparse=sparse, max_dimension=2)
    assert_well_formed(K)
    ours = as_dict(K)
    runs = [gudhi_rips(X, np.inf, 2, sparse=sparse) for _ in range(300)]
    same_graph = [r for r in runs if r.get(1, {}) == ours.get(1, {})]
    assert same_graph
    assert all(_frozen(r) <= _frozen(ours) for r in same_graph)


def test_sparse_rips_is_smaller_and_respects_the_threshold():
    X = np.random.default_rng(0).normal(size=(40, 2))
    K = sparse_rips_complex(X, sparse=0.5, max_dimension=2)
    assert K.n_simplices[1] < 40 * 39 // 2
    T = sparse_rips_complex(X, sparse=0.5, max_edge_length=0.8, max_dimension=2)
    assert T.filtrations[1].max() <= 0.8
    assert_well_formed(T)


def test_sparse_rips_is_deterministic():
    X = np.random.default_rng(1).normal(size=(15, 3))
    first = _frozen(as_dict(sparse_rips_complex(X, sparse=0.5, max_dimension=2)))
    for _ in range(100):
        assert _frozen(as_dict(sparse_rips_complex(X, sparse=0.5, max_dimension=2))) == first


# ----------------------------------------------------------------------------------------------
# FilteredComplex.from_simplices, conversions, sublevel sets
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("simplices", "values", "match"),
    [
        ([(0,), (0, 1)], None, r"simplex \(0, 1\) is listed but its face \(1,\) is not"),
        (
            [(0,), (1,), (0, 1)],
            [0.0, 2.0, 1.0],
            r"face \(1,\) has value 2.0 > 1.0, the value of its coface \(0, 1\)",
        ),
        ([(0,), (1,), (0, 1), (1, 0)], None, r"simplex \(0, 1\) is listed more than once"),
        ([(0,), (0,)], None, r"simplex \(0,\) is listed more than once"),
        ([(-1,), (0,)], None, "negative vertex label"),
        ([(0,), (0, 0)], None, "repeats a vertex"),
        ([(0,), (1,)], [0.0, np.nan], r"simplex \(1,\) has a non-finite filtration value nan"),
        ([(0,), (1,)], [0.0, np.inf], "non-finite filtration value inf"),
        ([(0,), (1,)], [0.0], "got 2 simplices but 1 filtration values"),
        ([(0,), ()], None, "empty simplex"),
        ([(0,), ("a",)], None, "integer vertex labels"),
    ],
)
def test_from_simplices_validation(simplices, values, match):
    with pytest.raises(ValueError, match=match):
        FilteredComplex.from_simplices(simplices, values)


def test_from_simplices_vertex_order_and_list_order_do_not_matter():
    simplices = [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2), (0, 1, 2)]
    values = [0, 0, 1, 1, 2, 2, 3]
    K = FilteredComplex.from_simplices(simplices, values)
    rng = np.random.default_rng(0)
    for _ in range(5):
        perm = rng.permutation(len(simplices))
        shuffled = [tuple(rng.permutation(simplices[i]).tolist()) for i in perm]
        assert_same_complex(FilteredComplex.from_simplices(shuffled, [values[i] for i in perm]), K)
    np.testing.assert_array_equal(K.simplices[1], [[0, 1], [0, 2], [1, 2]])
    np.testing.assert_array_equal(K.filtrations[1], [1.0, 2.0, 2.0])
    np.testing.assert_array_equal(K.boundaries[2], [[2, 1, 0]])
    assert not K.flag


def test_from_simplices_empty_complex():
    K = FilteredComplex.from_simplices([])
    assert K.n_simplices == (0,) and len(K) == 0 and K.dimension == -1
    assert K.filtration_values().shape == (0,)
    assert K.vertex_labels.shape == (0,)
    assert len(K.sublevel(1.0)) == 0
    assert K.to_simplex_tree().num_simplices() == 0
    assert len(FilteredComplex.from_simplex_tree(gudhi.SimplexTree())) == 0
    assert_well_formed(K)


def test_from_simplices_only_vertices():
    K = FilteredComplex.from_simplices([(5,), (0,), (2,)], [1.0, 0.5, 0.5])
    assert K.n_simplices == (3,) and K.dimension == 0 and K.n_vertices == 3
    np.testing.assert_array_equal(K.vertex_labels, [0, 2, 5])
    np.testing.assert_array_equal(K.filtrations[0], [0.5, 0.5, 1.0])
    assert K.boundaries[0].shape == (3, 0)
    np.testing.assert_array_equal(K.filtration_values(), [0.5, 1.0])
    assert K.sublevel_counts(0.7) == (2,)
    assert_well_formed(K)


def test_from_simplices_default_values_are_zero():
    K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)])
    assert all(np.all(f == 0.0) for f in K.filtrations)


@PROPERTY
@given(case=filtered_complexes())
def test_from_simplices_properties_and_simplex_tree_round_trip(case):
    simplices, values = case
    K = FilteredComplex.from_simplices(simplices, values)
    assert_well_formed(K)
    expected: dict[int, dict] = {}
    for s, v in zip(simplices, values, strict=True):
        expected.setdefault(len(s) - 1, {})[s] = v
    assert as_dict(K) == expected
    assert len(K) == len(simplices)
    assert K.n_simplices == tuple(len(expected.get(k, {})) for k in range(len(K.n_simplices)))
    assert K.dimension == (max(expected) if expected else -1)
    np.testing.assert_array_equal(K.filtration_values(), np.unique(values))
    assert K.nbytes() == sum(a.nbytes for a in (*K.simplices, *K.filtrations, *K.boundaries))

    st_ = K.to_simplex_tree()
    assert st_.num_simplices() == len(simplices)
    assert tree_dict(st_) == expected
    assert_same_complex(FilteredComplex.from_simplex_tree(st_), K)


@PROPERTY
@given(case=filtered_complexes(), t=st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 9.0]))
def test_sublevel_is_the_complex_of_simplices_with_small_values(case, t):
    simplices, values = case
    K = FilteredComplex.from_simplices(simplices, values)
    sub = K.sublevel(t)
    kept = [(s, v) for s, v in zip(simplices, values, strict=True) if v <= t]
    expected = FilteredComplex.from_simplices([s for s, _ in kept], [v for _, v in kept])
    assert_same_complex(sub, expected)
    assert_well_formed(sub)
    assert sub.n_simplices == K.sublevel_counts(t)


def test_rips_to_simplex_tree_is_gudhis_tree():
    X = np.random.default_rng(3).normal(size=(12, 2))
    K = rips_complex(X, 1.5, 3)
    assert tree_dict(K.to_simplex_tree()) == gudhi_rips(X, 1.5, 3)
    assert_same_complex(FilteredComplex.from_simplex_tree(K.to_simplex_tree()), K)


def test_from_simplex_tree_transform():
    st_ = gudhi.SimplexTree()
    st_.insert([0, 1], 4.0)
    K = FilteredComplex.from_simplex_tree(st_, transform=np.sqrt)
    assert as_dict(K) == {0: {(0,): 2.0, (1,): 2.0}, 1: {(0, 1): 2.0}}


# ----------------------------------------------------------------------------------------------
# size estimate and memory budget
# ----------------------------------------------------------------------------------------------


@PROPERTY
@given(X=clouds(), t=thresholds, d=st.integers(0, 4))
def test_estimate_is_exact_for_edges_and_an_upper_bound_above(X, t, d):
    counts, nbytes = estimate_rips_size(X, t, d)
    K = rips_complex(X, t, d)
    assert counts.shape == (d + 1,)
    actual = np.array([K.n_simplices[k] if k < len(K.n_simplices) else 0 for k in range(d + 1)])
    assert counts[0] == actual[0] == len(X)
    if d >= 1:
        assert counts[1] == actual[1]
    assert np.all(counts >= actual)
    assert nbytes >= K.nbytes()
    np.testing.assert_array_equal(
        estimate_rips_size(X, t, d, metric="cityblock")[0][:2],
        [len(X), int((pdist(X, "cityblock") <= t).sum())][: d + 1],
    )


def _uniform_square(n, rng):
    return rng.uniform(size=(n, 2))


def _torus(n, rng):
    u, v = rng.uniform(0.0, 2 * np.pi, size=(2, n))
    return np.c_[(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)]


def _noisy_circle(n, rng):
    t = rng.uniform(0.0, 2 * np.pi, size=n)
    return np.c_[np.cos(t), np.sin(t)] + 0.1 * rng.normal(size=(n, 2))


@pytest.mark.parametrize("sample", [_uniform_square, _torus, _noisy_circle])
@pytest.mark.parametrize("quantile", [0.05, 0.2])
def test_estimate_is_within_a_small_factor_on_geometric_samples(sample, quantile):
    """Measured (seed 0): triangles 1.3-1.8x, tetrahedra 2.1-4.2x the actual counts."""
    X = sample(150, np.random.default_rng(0))
    t = float(np.quantile(pdist(X), quantile))
    counts, nbytes = estimate_rips_size(X, t, 3)
    actual = np.array(rips_complex(X, t, 3).n_simplices)
    assert np.all(actual[2:] > 0)
    assert counts[0] == actual[0] and counts[1] == actual[1]
    assert np.all(actual[2] <= counts[2]) and counts[2] <= 2.5 * actual[2]
    assert actual[3] <= counts[3] <= 5 * actual[3]
    assert nbytes <= 5 * rips_complex(X, t, 3).nbytes()


def test_estimate_docstring_example():
    counts, _ = estimate_rips_size(np.eye(4), 2.0, 3)
    assert counts.tolist() == [4, 6, 4, 1]


def test_memory_budget_uses_the_estimate_and_names_the_knobs():
    X = np.random.default_rng(0).normal(size=(60, 2))
    _, nbytes = estimate_rips_size(X, np.inf, 2)
    K = rips_complex(X, max_dimension=2, memory_budget=nbytes)  # at the budget: fine
    assert K.n_simplices == (60, math.comb(60, 2), math.comb(60, 3))
    with pytest.raises(tdasheaf.ComplexTooLargeError) as info:
        rips_complex(X, max_dimension=2, memory_budget=nbytes - 1)
    assert isinstance(info.value, MemoryError)
    message = str(info.value)
    for knob in ("max_edge_length", "n_landmarks", "max_dimension", "memory_budget"):
        assert knob in message
    # the knobs it names do shrink the complex under the same budget
    assert len(rips_complex(X, max_dimension=2, n_landmarks=20, memory_budget=nbytes - 1))
    assert len(rips_complex(X, 0.5, 2, memory_budget=nbytes - 1))
    assert len(rips_complex(X, max_dimension=1, memory_budget=nbytes - 1))


def test_default_memory_budget():
    assert DEFAULT_MEMORY_BUDGET == 4 * 2**30
    assert issubclass(tdasheaf.ComplexTooLargeError, MemoryError)


# ----------------------------------------------------------------------------------------------
# bad inputs
# ----------------------------------------------------------------------------------------------

_GOOD = np.random.default_rng(0).normal(size=(6, 2))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": np.array([[0.0, np.nan], [1.0, 1.0]])}, "NaN or infinite"),
        ({"X": np.array([[0.0, np.inf], [1.0, 1.0]])}, "NaN or infinite"),
        ({"X": _GOOD, "max_edge_length": -1.0}, "max_edge_length must be non-negative"),
        ({"X": _GOOD, "max_edge_length": np.nan}, "max_edge_length must not be NaN"),
        ({"X": _GOOD, "max_dimension": -1}, "max_dimension must be a non-negative integer"),
        ({"X": _GOOD, "max_dimension": 1.5}, "max_dimension must be a non-negative integer"),
        ({"X": np.arange(5.0)}, r"2-D array of shape \(n_points, n_features\)"),
        ({"X": np.zeros((2, 3, 2))}, r"2-D array of shape \(n_points, n_features\)"),
        ({"X": np.zeros((0, 2))}, "empty"),
        ({"X": _GOOD, "metric": "precomputed"}, "square distance matrix"),
    ],
)
def test_rips_bad_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rips_complex(**kwargs)


@pytest.mark.parametrize(
    "build",
    [
        lambda X: alpha_complex(X),
        lambda X: sparse_rips_complex(X),
    ],
    ids=["alpha", "sparse"],
)
def test_gudhi_builders_reject_nan_and_1d(build):
    with pytest.raises(ValueError, match="NaN or infinite"):
        build(np.array([[0.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="2-D array"):
        build(np.arange(4.0))


def test_gudhi_builders_reject_bad_parameters():
    with pytest.raises(ValueError, match="max_dimension"):
        alpha_complex(_GOOD, max_dimension=-1)
    with pytest.raises(ValueError, match="sparse must be a positive number"):
        sparse_rips_complex(_GOOD, sparse=0.0)
    with pytest.raises(ValueError, match="max_edge_length"):
        sparse_rips_complex(_GOOD, max_edge_length=np.nan)
