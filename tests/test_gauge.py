"""Balance of a signed graph and its gauge (``complexes._gauge``), against brute force.

Oracle: a gauge ``g ∈ {±1}^n`` with ``g_i g_j = s_ij`` on every edge exists iff one of the 2^n
candidates satisfies it (checked exhaustively on small graphs); the returned gauge must satisfy
it. Balanced signs (an orientable sample's orientation sheaf) collapse like the constant sheaf.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tdasheaf.complexes import collapse_values, flag_filtration
from tdasheaf.complexes._gauge import balancing_gauge


def _brute_force_balanced(n, edges, signs) -> bool:
    for g in itertools.product((-1.0, 1.0), repeat=n):
        g = np.array(g)
        if np.all(g[edges[:, 0]] * g[edges[:, 1]] == signs):
            return True
    return False


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
    density=st.floats(0.1, 1.0),
    gauged=st.booleans(),
)
def test_balance_and_gauge_match_brute_force(n, seed, density, gauged):
    rng = np.random.default_rng(seed)
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)
    edges = pairs[rng.random(len(pairs)) < density].reshape(-1, 2)
    if gauged:  # balanced by construction
        h = rng.choice([-1.0, 1.0], size=n)
        signs = h[edges[:, 0]] * h[edges[:, 1]]
    else:
        signs = rng.choice([-1.0, 1.0], size=len(edges))
    ok, g = balancing_gauge(n, edges, signs)
    assert bool(ok) == _brute_force_balanced(n, edges, signs)
    if ok:
        assert set(np.unique(g)) <= {-1.0, 1.0}
        np.testing.assert_array_equal(g[edges[:, 0]] * g[edges[:, 1]], signs)
    else:
        assert not gauged
        np.testing.assert_array_equal(g, np.ones(n))


def test_a_triangle_with_one_twisted_edge_is_unbalanced_and_the_empty_graph_is_balanced():
    tri = np.array([[0, 1], [1, 2], [0, 2]], dtype=np.int64)
    assert not balancing_gauge(3, tri, np.array([1.0, 1.0, -1.0]))[0]
    assert balancing_gauge(3, tri, np.array([-1.0, -1.0, 1.0]))[0]
    ok, g = balancing_gauge(4, np.empty((0, 2), dtype=np.int64), np.empty(0))
    assert ok and g.tolist() == [1.0] * 4


def test_balanced_signs_collapse_like_the_constant_sheaf():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    F = flag_filtration(X, 1.5, max_dimension=1)
    h = rng.choice([-1.0, 1.0], size=40)
    signs = h[F.edges[:, 0]] * h[F.edges[:, 1]]
    assert (signs < 0).any()
    want = collapse_values(40, F.edges, F.values)
    for bits in (False, True):
        got = collapse_values(40, F.edges, F.values, signs, bitsets=bits)
        np.testing.assert_array_equal(got, want)
