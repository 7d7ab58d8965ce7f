"""The geometry layer against independent oracles: brute force, scikit-learn, scipy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.sparse.csgraph import minimum_spanning_tree as scipy_mst
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist, pdist, squareform

from tdasheaf.geometry import (
    component_join_times,
    connectivity_scale,
    greedy_permutation,
    kneighbors,
    knn_distances,
    maxmin_landmarks,
    minimum_spanning_forest,
    minimum_spanning_tree,
    neighbourhood_radius,
    pair_lengths,
    radius_edges,
)


def brute_kneighbors(X, k, Q=None, exclude=None):
    """The rule, by brute force: sort all rows by (distance, index), drop the excluded row."""
    X = np.asarray(X, dtype=np.float64)
    Q = X if Q is None else np.asarray(Q, dtype=np.float64)
    exclude = np.arange(len(X)) if exclude is None and Q is X else exclude
    D = cdist(Q, X)
    idx = np.empty((len(Q), k), dtype=np.int64)
    for r in range(len(Q)):
        order = np.lexsort((np.arange(len(X)), D[r]))
        if exclude is not None:
            order = order[order != exclude[r]]
        idx[r] = order[:k]
    return np.take_along_axis(D, idx, axis=1), idx


def lattice(n, D, top, seed):
    """Integer points (exact squared distances: ties are exact) with repeated rows."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, top, size=(n, D)).astype(np.float64)
    X[-3:] = X[:3]  # duplicates
    return X


# ----------------------------------------------------------------------------------------------
# k nearest neighbours
# ----------------------------------------------------------------------------------------------


def test_kneighbors_known_answer_with_duplicates():
    X = np.array([[0.0], [0.0], [1.0], [3.0]])
    d, i = kneighbors(X, 2)
    assert i.tolist() == [[1, 2], [0, 2], [0, 1], [2, 0]]
    assert d.tolist() == [[0.0, 1.0], [0.0, 1.0], [1.0, 1.0], [2.0, 3.0]]


@pytest.mark.parametrize("D", [2, 3, 24])
def test_kneighbors_matches_sklearn_without_ties(D):
    from sklearn.neighbors import NearestNeighbors

    X = np.random.default_rng(D).normal(size=(200, D))
    d, i = kneighbors(X, 7)
    d2, i2 = NearestNeighbors(n_neighbors=7).fit(X).kneighbors()
    np.testing.assert_array_equal(i, i2)
    np.testing.assert_allclose(d, d2, rtol=1e-12)


@pytest.mark.parametrize("search", ["default", "tree", "gram"])
@pytest.mark.parametrize(("D", "top"), [(2, 4), (3, 3), (20, 2), (30, 3)])
def test_kneighbors_ties_and_duplicates_follow_the_rule(D, top, search, monkeypatch):
    # both searches in low dimension: the k-d tree, and the Gram filter it switches to when
    # the candidates are a large part of the cloud (forced here by _GRAM_FRACTION)
    import tdasheaf.geometry._neighbors as nb

    if search != "default":
        monkeypatch.setattr(nb, "_GRAM_FRACTION", 0 if search == "tree" else 10**9)
    X = lattice(120, D, top, seed=D)
    for k in (1, 5, 17):
        d, i = kneighbors(X, k, memory_budget=2**16)
        d2, i2 = brute_kneighbors(X, k)
        np.testing.assert_array_equal(i, i2)
        np.testing.assert_allclose(d, d2, rtol=1e-12)
        assert not (i == np.arange(len(X))[:, None]).any()  # never its own row


def test_many_duplicates_of_one_point():
    X = np.r_[np.zeros((10, 2)), [[1.0, 0.0], [2.0, 0.0]]]
    d, i = kneighbors(X, 3)
    assert i[0].tolist() == [1, 2, 3] and i[9].tolist() == [0, 1, 2]
    assert i[10].tolist() == [0, 1, 2] and (d[:10] == 0).all()  # ties at 1: lower rows
    assert i[11].tolist() == [10, 0, 1]


def test_kneighbors_float32_input_gives_the_float64_answer():
    X = np.random.default_rng(3).normal(size=(80, 3)).astype(np.float32)
    d, i = kneighbors(X, 4)
    d64, i64 = kneighbors(X.astype(np.float64), 4)
    assert d.dtype == np.float64
    np.testing.assert_array_equal(i, i64)
    np.testing.assert_array_equal(d, d64)


def test_kneighbors_queries_and_exclusion():
    X = lattice(60, 2, 5, seed=1)
    Q = np.r_[X[:5], [[0.5, 0.5], [10.0, 10.0]]]
    d, i = kneighbors(X, 6, query=Q)
    np.testing.assert_array_equal(i, brute_kneighbors(X, 6, Q)[1])
    excl = np.array([0, 1, 2, 3, 4, -1, -1])
    d, i = kneighbors(X, 6, query=Q, exclude=excl)
    np.testing.assert_array_equal(i, brute_kneighbors(X, 6, Q, excl)[1])
    np.testing.assert_array_equal(i[:5], kneighbors(X, 6)[1][:5])  # a row as its own query


@pytest.mark.parametrize("k", [-1, 5, 2.5, True])
def test_kneighbors_rejects_bad_k(k):
    with pytest.raises(ValueError, match="n_neighbors must be an integer between 0 and 4"):
        kneighbors(np.zeros((5, 2)), k)


@settings(max_examples=40, deadline=None)
@given(
    X=arrays(
        np.float64,
        st.tuples(st.integers(2, 25), st.sampled_from([1, 2, 3, 18])),
        elements=st.integers(-2, 2).map(float),
    ),
    data=st.data(),
)
def test_kneighbors_property(X, data):
    k = data.draw(st.integers(0, len(X) - 1))
    d, i = kneighbors(X, k)
    d2, i2 = brute_kneighbors(X, k)
    np.testing.assert_array_equal(i, i2)
    np.testing.assert_allclose(d, d2, rtol=1e-12)
    assert (np.diff(d, axis=1) >= 0).all()


def test_knn_distances_puts_the_point_itself_first():
    X = np.r_[lattice(50, 2, 4, seed=2), np.zeros((3, 2))]
    d, i = knn_distances(X, 5)
    assert (i[:, 0] == np.arange(len(X))).all() and (d[:, 0] == 0).all()
    np.testing.assert_array_equal(i[:, 1:], kneighbors(X, 4)[1])
    # the distances are those of a k-d tree query (which may list a twin first)
    np.testing.assert_allclose(d, cKDTree(X).query(X, 5)[0], rtol=1e-12, atol=0)
    assert knn_distances(X, 10**6)[0].shape == (len(X), len(X))  # clamped


def test_neighbourhood_radius_formula():
    X = np.random.default_rng(4).normal(size=(100, 3))
    expected = np.median(cKDTree(X).query(X, 10)[0][:, -1])
    assert neighbourhood_radius(X, 10) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="neighbourhood radius is 0"):
        neighbourhood_radius(np.zeros((10, 2)), 3)


# ----------------------------------------------------------------------------------------------
# radius edges
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("budget", [None, 2**17])
def test_radius_edges_match_pdist(budget):
    X = np.random.default_rng(5).normal(size=(300, 9))
    # a small budget: blocks of 27 rows; 8 bytes per edge so that the edges fit in it
    i, j, w, thr = radius_edges(X, 3.5, memory_budget=budget, bytes_per_edge=8)
    D = squareform(pdist(X))
    iu, ju = np.nonzero(np.triu(D <= 3.5, 1))
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == sorted(
        zip(iu.tolist(), ju.tolist(), strict=True)
    )
    np.testing.assert_array_equal(w, D[i, j])  # bit for bit: the dense path's lengths
    assert thr == 3.5


def test_pair_lengths_are_pdist_bit_for_bit():
    X = np.random.default_rng(14).standard_normal((40, 33)).astype(np.float32)
    i, j = np.triu_indices(40, 1)
    np.testing.assert_array_equal(pair_lengths(X, i, j), pdist(X.astype(np.float64)))
    Y = X[:7] + 1.0
    r, c = np.divmod(np.arange(40 * 7), 7)
    np.testing.assert_array_equal(pair_lengths(X, r, c, Y).reshape(40, 7), cdist(X, Y))


# ----------------------------------------------------------------------------------------------
# single linkage
# ----------------------------------------------------------------------------------------------


def scipy_weights(X):
    """Oracle MST weights: scipy on the dense matrix, shifted by 1 so that 0 stays an edge."""
    G = squareform(pdist(X)) + 1.0
    np.fill_diagonal(G, 0.0)
    return np.sort(scipy_mst(G).data - 1.0)


@pytest.mark.parametrize("X", [
    np.random.default_rng(6).normal(size=(150, 3)),
    lattice(80, 2, 5, seed=7),  # ties and duplicates
    np.random.default_rng(8).normal(size=(60, 40)),
])
def test_minimum_spanning_tree_matches_scipy(X):
    u, v, w = minimum_spanning_tree(X)
    expected = scipy_weights(X)
    assert len(w) == len(X) - 1 and (np.diff(w) >= 0).all()
    np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w, np.linalg.norm(X[u] - X[v], axis=1), rtol=1e-12)
    A = coo_array((np.ones(len(u)), (u, v)), shape=(len(X), len(X)))
    assert connected_components(A, directed=False)[0] == 1  # a spanning tree
    assert connectivity_scale(X) == pytest.approx(expected.max(), rel=1e-12)


def test_connectivity_scale_is_the_last_H0_death():
    ripser = pytest.importorskip("ripser")
    X = np.random.default_rng(9).normal(size=(70, 2))
    h0 = ripser.ripser(X, maxdim=0)["dgms"][0]
    assert connectivity_scale(X) == pytest.approx(h0[np.isfinite(h0[:, 1]), 1].max(), rel=1e-6)
    assert connectivity_scale(X[:1]) == 0.0


def test_minimum_spanning_forest_matches_scipy_on_a_disconnected_graph():
    rng = np.random.default_rng(10)
    n = 40
    i, j = rng.integers(0, n, size=(2, 90))
    keep = i != j
    i, j = i[keep], j[keep]
    w = rng.integers(1, 6, size=len(i)).astype(float)  # ties
    u, v, f = minimum_spanning_forest(n, i, j, w)
    # scipy sums parallel edges: keep the lightest of each pair first
    best = {}
    for a, b, c in zip(np.minimum(i, j), np.maximum(i, j), w, strict=True):
        best[(a, b)] = min(best.get((a, b), np.inf), c)
    a, b = np.array(list(best), dtype=np.int32).T  # scipy < 1.16 csgraph wants int32 indices
    H = coo_array((np.array(list(best.values())), (a, b)), shape=(n, n))
    np.testing.assert_allclose(np.sort(f), np.sort(scipy_mst(H).data))
    assert len(u) == n - connected_components(H, directed=False)[0]


def test_component_join_times_match_brute_force_single_linkage():
    X = lattice(40, 2, 6, seed=11)
    D = squareform(pdist(X))
    iu = np.triu_indices(len(X), 1)
    order = np.lexsort((iu[1], iu[0], D[iu]))
    for m in (1, 2, 5, 13):
        label = np.arange(len(X))
        expected = np.full(len(X), np.inf if m > 1 else 0.0)
        for e in order:  # Kruskal on the complete graph
            a, b, w = iu[0][e], iu[1][e], D[iu][e]
            if label[a] == label[b]:
                continue
            label[label == label[b]] = label[a]
            members = label == label[a]
            if members.sum() >= m:
                expected[members & np.isinf(expected)] = w
        np.testing.assert_allclose(component_join_times(X, [m])[:, 0], expected)


# ----------------------------------------------------------------------------------------------
# landmarks
# ----------------------------------------------------------------------------------------------


def test_greedy_permutation_is_dense_and_separated():
    X = np.random.default_rng(12).normal(size=(120, 3))
    idx, radii = greedy_permutation(X)
    assert sorted(idx.tolist()) == list(range(120)) and idx[0] == 0 and radii[0] == np.inf
    assert (np.diff(radii[1:]) <= 0).all()
    D = squareform(pdist(X))
    for m in (1, 5, 30):
        # the first m points cover the cloud within the next insertion radius ...
        assert D[:, idx[:m]].min(axis=1).max() == pytest.approx(radii[m])
        # ... and are at least their last insertion radius apart
        if m > 1:
            sub = D[np.ix_(idx[:m], idx[:m])] + np.diag(np.full(m, np.inf))
            assert sub.min() >= radii[m - 1] - 1e-12
    np.testing.assert_array_equal(maxmin_landmarks(X, 30), np.sort(idx[:30]))
    i2, _ = greedy_permutation(D, 30, metric="precomputed", start=5)
    assert i2[0] == 5 and len(i2) == 30


# ----------------------------------------------------------------------------------------------
# callers follow the rule
# ----------------------------------------------------------------------------------------------


def test_callers_give_a_duplicated_point_k_real_neighbours():
    from tdasheaf.estimators._fusion import _graph
    from tdasheaf.learning import knn_graph_distances
    from tdasheaf.sheaves import local_frames

    X = np.r_[[[0.0, 0.0]], np.random.default_rng(13).normal(size=(40, 2))]
    X = np.r_[X, X[:1]]  # row 41 duplicates row 0
    _, idx = kneighbors(X, 3)
    expected = {tuple(sorted((a, b))) for a in range(len(X)) for b in idx[a]}
    K = _graph(X, 3, None)
    assert {tuple(e) for e in K.simplices[1].tolist()} == expected
    hops = knn_graph_distances(X, 3)
    assert hops[0, 41] == 1 and ((hops == 1).sum(axis=1) >= 3).all()
    F = local_frames(X, 6, dim=1)
    np.testing.assert_array_equal(F.neighbors[:, 0], np.arange(len(X)))  # itself first
    np.testing.assert_array_equal(F.neighbors[:, 1:], kneighbors(X, 5)[1])


@pytest.mark.parametrize("metric", ["euclidean", "cityblock", "precomputed"])
def test_enclosing_radius_is_the_smallest_eccentricity(metric):
    from scipy.spatial.distance import cdist

    from tdasheaf.geometry import enclosing_radius

    X = np.random.default_rng(3).normal(size=(60, 5))
    D = cdist(X, X, metric="euclidean" if metric == "precomputed" else metric)
    radius, apex = enclosing_radius(D if metric == "precomputed" else X, metric)
    assert radius == pytest.approx(D.max(axis=1).min(), rel=1e-12)
    assert D[apex].max() == pytest.approx(radius, rel=1e-12)
    # at that scale the apex is adjacent to every vertex: the Rips complex is a cone
    if metric == "euclidean":
        from tdasheaf.geometry import pair_lengths

        others = np.arange(len(X))
        assert pair_lengths(X, np.full(len(X), apex), others).max() <= radius


def test_enclosing_radius_small_clouds():
    from tdasheaf.geometry import enclosing_radius

    assert enclosing_radius(np.zeros((1, 3))) == (0.0, 0)
    assert enclosing_radius(np.array([[0.0], [1.0], [3.0]])) == (2.0, 1)
    with pytest.raises(ValueError, match="empty"):
        enclosing_radius(np.zeros((0, 2)))
