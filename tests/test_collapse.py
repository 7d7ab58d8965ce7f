"""Edge collapse of flag filtrations for the constant and signed graph sheaves.

Oracles: the barcodes of the uncollapsed filtration, computed on the stored complex by the
generic engine (no collapse, no implicit engine), for hypothesis-generated clouds with ties,
random signs (twisted triangles: zero stalks) and the sign-free constant sheaf, degrees 0–2,
several fields; gudhi's own edge collapse for the number of kept edges; a hand-made cone.
A sign-blind collapse used on a signed sheaf must be caught (the oracle can fail).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist

from tdasheaf.cohomology import flag_persistence, sheaf_persistence
from tdasheaf.complexes import (
    FlagFiltration,
    collapse_edges,
    collapse_values,
    flag_filtration,
    rips_complex,
)
from tdasheaf.datasets import make_sphere
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.sheaves import constant_sheaf, signed_graph_sheaf

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _sorted(b):
    b = np.asarray(b, dtype=float).reshape(-1, 2)
    return b[np.lexsort((b[:, 1], b[:, 0]))]


def assert_same_bars(got, expected):
    assert set(got) == set(expected)
    for q in expected:
        np.testing.assert_array_equal(_sorted(got[q]), _sorted(expected[q]), err_msg=f"H^{q}")


@st.composite
def signed_graphs(draw):
    """A cloud (often with ties and duplicate points), its Rips graph, signs."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(3, 22))
    if draw(st.booleans()):
        X = rng.integers(0, 3, size=(n, draw(st.integers(1, 3)))).astype(float)
    else:
        X = rng.normal(size=(n, draw(st.integers(2, 4))))
    threshold = float(np.quantile(pdist(X), draw(st.floats(0.2, 1.0)))) + 1e-12
    kind = draw(st.sampled_from(["constant", "signed", "mostly_positive", "gauged"]))
    return X, threshold, kind, rng


@PROPERTY
@given(data=signed_graphs(), p=st.sampled_from([2, 3, 5, 65521]))
def test_collapse_keeps_every_bar_of_positive_length(data, p):
    X, threshold, kind, rng = data
    K = rips_complex(X, threshold, 3)
    if K.n_simplices[1] == 0:
        return
    m = K.n_simplices[1]
    if kind == "constant":
        signs = np.ones(m)
    elif kind == "gauged":  # balanced (an orientable orientation sheaf): collapsed as constant
        h = rng.choice([-1.0, 1.0], size=K.n_vertices)
        edges = K.simplices[1]
        signs = h[edges[:, 0]] * h[edges[:, 1]]
    else:
        q = 0.5 if kind == "signed" else 0.15  # few twisted edges: some balanced regions
        signs = np.where(rng.random(m) < q, -1.0, 1.0)
    F = signed_graph_sheaf(K, signs)
    degrees = (0, 1, 2)
    oracle = sheaf_persistence(F, degrees, field=p, implicit=False, collapse=False)
    assert_same_bars(sheaf_persistence(F, degrees, field=p, collapse=True), oracle)
    # the lazy route (implicit engine on the collapsed graph), and degrees <= 1 alone
    G = K.to_flag_filtration().with_max_dimension(3)
    lazy = signed_graph_sheaf(G, signs)
    assert_same_bars(sheaf_persistence(lazy, degrees, field=p, collapse=True), oracle)
    low = {q: oracle[q] for q in (0, 1)}
    assert_same_bars(sheaf_persistence(lazy, (0, 1), field=p, collapse=True), low)
    # the collapsed graph is a subgraph with raised values, never lowered
    cur = collapse_values(G.n_vertices, G.edges, G.values, signs)
    assert np.all(cur >= G.values)


@PROPERTY
@given(
    data=signed_graphs(),
    passes=st.sampled_from([1, 3]),
    ties=st.booleans(),
    extra=st.sampled_from([0, 0, 60, 130]),
)
def test_bitset_and_list_kernels_give_the_same_values(data, passes, ties, extra):
    """The bitset pass (dense graphs) and the list pass agree value for value, removed edges
    (inf) and raised ones, signed or not, with ties, with later passes, and with rows of one
    to three words (``extra`` points beside the cloud)."""
    X, threshold, kind, rng = data
    if extra:
        near = X[rng.integers(0, len(X), extra)] + 0.3 * rng.normal(size=(extra, X.shape[1]))
        X = np.vstack([X, near])
    F = flag_filtration(X, threshold, max_dimension=1)
    if F.n_edges == 0:
        return
    values = np.round(F.values, 1) if ties else F.values  # many tied values
    signs = None
    if kind != "constant":
        q = 0.5 if kind == "signed" else 0.15
        signs = np.where(rng.random(F.n_edges) < q, -1.0, 1.0)
    n = F.n_vertices
    lists = collapse_values(n, F.edges, values, signs, max_passes=passes, bitsets=False)
    bits = collapse_values(n, F.edges, values, signs, max_passes=passes, bitsets=True)
    np.testing.assert_array_equal(bits, lists)


def test_bitset_kernel_on_a_dense_graph_with_raised_edges():
    """A 300-point sphere at a large scale: the default takes the bitset pass (more than 64
    vertices: rows of several words), raises some edges and removes most; the same values as
    the list pass, signed (an orientation-like sign field) and not."""
    from tdasheaf.complexes import collapse_bytes
    from tdasheaf.complexes._collapse import _use_bitsets

    X = make_sphere(300, noise=0.05, random_state=3)
    F = flag_filtration(X, float(np.quantile(pdist(X), 0.3)), max_dimension=1)
    assert _use_bitsets(F.n_vertices, F.n_edges, signed=True)
    # the estimate counts the bitsets (two rows of 5 words per vertex and sign class)
    lists_only = 144 * F.n_edges + 80 * 300
    assert collapse_bytes(300, F.n_edges, signed=False) == lists_only + 2 * 300 * 5 * 8
    assert collapse_bytes(300, F.n_edges, signed=True) == lists_only + 2 * 2 * 300 * 5 * 8
    assert collapse_bytes(300, 400) == 144 * 400 + 80 * 300  # sparse: lists only
    signs = np.where(X[F.edges[:, 0], 2] * X[F.edges[:, 1], 2] < -0.01, -1.0, 1.0)
    for sg in (None, signs):
        lists = collapse_values(F.n_vertices, F.edges, F.values, sg, bitsets=False)
        auto = collapse_values(F.n_vertices, F.edges, F.values, sg)
        np.testing.assert_array_equal(auto, lists)
        raised = np.isfinite(auto) & (auto > F.values)
        assert raised.any() and np.isinf(auto).mean() > 0.5


@PROPERTY
@given(data=signed_graphs())
def test_collapse_over_the_reals(data):
    X, threshold, kind, rng = data
    K = rips_complex(X, threshold, 2)
    if K.n_simplices[1] == 0:
        return
    signs = rng.choice([-1.0, 1.0], size=K.n_simplices[1]) if kind != "constant" else None
    F = constant_sheaf(K) if signs is None else signed_graph_sheaf(K, signs)
    oracle = sheaf_persistence(F, (0, 1), field="R", collapse=False)
    assert_same_bars(sheaf_persistence(F, (0, 1), field="R", collapse=True), oracle)


def test_a_sign_blind_collapse_is_caught():
    """Collapsing as if the sheaf were constant changes a signed sheaf's bars: the oracle sees
    it, and the signed rule (balanced common neighbours, holonomy of u x w) does not."""
    rng = np.random.default_rng(1)
    caught = 0
    for _ in range(40):
        n = 10
        X = rng.normal(size=(n, 2))
        F = flag_filtration(X, np.inf, max_dimension=3)
        signs = np.where(rng.random(F.n_edges) < 0.2, -1.0, 1.0)
        truth = flag_persistence(n, F.edges, F.values, signs, (0, 1, 2), 3, collapse=False)
        blind = collapse_values(n, F.edges, F.values)  # ignores the signs
        keep = blind < np.inf
        wrong = flag_persistence(
            n, F.edges[keep], blind[keep], signs[keep], (0, 1, 2), 3, collapse=False
        )
        caught += any(
            _sorted(wrong[q]).shape != _sorted(truth[q]).shape
            or not np.array_equal(_sorted(wrong[q]), _sorted(truth[q]))
            for q in truth
        )
        right = flag_persistence(n, F.edges, F.values, signs, (0, 1, 2), 3, collapse=True)
        assert_same_bars(right, truth)
    assert caught >= 20


def test_kept_edges_match_gudhi_collapse():
    """gudhi's edge collapse (constant sheaf) keeps as many edges, and the same bars."""
    gudhi = pytest.importorskip("gudhi")
    X = make_sphere(150, noise=0.02, random_state=0)
    F = flag_filtration(X, float(np.quantile(pdist(X), 0.3)), max_dimension=3)
    G, kept = collapse_edges(F)
    st_ = gudhi.SimplexTree()
    st_.insert_batch(np.arange(F.n_vertices)[None, :], np.zeros(F.n_vertices))
    st_.insert_batch(F.edges.T.copy(), F.values.copy())
    st_.collapse_edges()
    assert G.n_edges == st_.num_simplices() - F.n_vertices
    st_.expansion(3)
    st_.compute_persistence(homology_coeff_field=3)
    theirs = {
        q: np.asarray(st_.persistence_intervals_in_dimension(q), float).reshape(-1, 2)
        for q in (0, 1, 2)
    }
    theirs = {q: b[b[:, 1] > b[:, 0]] for q, b in theirs.items()}
    ours = sheaf_persistence(constant_sheaf(G), (0, 1, 2), field=3, collapse=False)
    for q in (0, 1, 2):
        np.testing.assert_allclose(_sorted(ours[q]), _sorted(theirs[q]))
    # kept edges are rows of F with raised values, in the library's order
    assert np.all(G.values >= F.values[kept])
    np.testing.assert_array_equal(G.edges, F.edges[kept])


def test_a_cone_collapses_to_a_star():
    """Every edge of a cone's base is dominated by the apex forever: only the star is left."""
    base = [(i, j) for i in range(1, 6) for j in range(i + 1, 6)]
    star = [(0, i) for i in range(1, 6)]
    F = FlagFiltration.from_edges(6, star + base, [1.0] * 5 + [2.0] * len(base))
    G, kept = collapse_edges(F)
    assert G.edges.tolist() == [[0, i] for i in range(1, 6)]
    assert G.values.tolist() == [1.0] * 5
    # twisting the base triangle 1-2-3 keeps edges whose link loses its cone point
    signs = np.ones(F.n_edges)
    signs[5 + base.index((1, 2))] = -1.0
    G2, kept2 = collapse_edges(F, signs)
    assert G2.n_edges > 5
    truth = sheaf_persistence(
        signed_graph_sheaf(F.with_max_dimension(3), signs), (0, 1, 2), field=3, collapse=False
    )
    got = sheaf_persistence(
        signed_graph_sheaf(G2.with_max_dimension(3), signs[kept2]),
        (0, 1, 2),
        field=3,
        collapse=False,
    )
    assert_same_bars(got, truth)


def test_zero_length_bars_turn_the_collapse_off():
    X = np.random.default_rng(0).normal(size=(12, 2))
    F = flag_filtration(X, np.inf, max_dimension=3)
    full = flag_persistence(
        12, F.edges, F.values, None, (0, 1, 2), 3, drop_zero_length=False, collapse=True
    )
    none = flag_persistence(
        12, F.edges, F.values, None, (0, 1, 2), 3, drop_zero_length=False, collapse=False
    )
    assert_same_bars(full, none)


def test_top_degree_of_a_truncated_complex_is_not_collapsed():
    """H^2 of a 2-dimensional complex is not that of the flag complex: no collapse there."""
    X = make_sphere(40, noise=0.05, random_state=1)
    K = rips_complex(X, float(np.quantile(pdist(X), 0.4)), 2)
    F = constant_sheaf(K)
    assert_same_bars(
        sheaf_persistence(F, (2,), field=3, collapse=True),
        sheaf_persistence(F, (2,), field=3, collapse=False),
    )


def test_collapse_parameter_and_budget_are_checked():
    F = flag_filtration(np.random.default_rng(0).normal(size=(30, 2)), np.inf, max_dimension=3)
    with pytest.raises(ValueError, match="collapse must be"):
        sheaf_persistence(constant_sheaf(F), (0,), field=3, collapse="yes")
    with pytest.raises(ComplexTooLargeError, match="edge collapse.*collapse=False"):
        sheaf_persistence(constant_sheaf(F), (0, 1, 2), field=3, memory_budget=2000)
    empty = FlagFiltration.from_edges(3, np.empty((0, 2), int), [])
    G, kept = collapse_edges(empty)
    assert G.n_edges == 0 and kept.size == 0


def test_bars_are_bitwise_identical_at_every_thread_count():
    """Graph build (parallel clique and neighbour kernels), collapse and engines: the same bits
    with one thread and with all of them."""
    import numba

    from tdasheaf.complexes import sparse_flag_filtration

    X = make_sphere(300, noise=0.05, random_state=2)
    t = float(np.quantile(pdist(X), 0.3))
    runs = []
    saved = numba.get_num_threads()
    try:
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            out = []
            for F in (flag_filtration(X, t, max_dimension=3), sparse_flag_filtration(X, 0.4, t, 3)):
                bars = sheaf_persistence(constant_sheaf(F), (0, 1, 2), field=3)
                out.append([bars[q] for q in (0, 1, 2)])
            runs.append(out)
    finally:
        numba.set_num_threads(saved)
    for a, b in zip(runs[0], runs[-1], strict=True):
        for x, y in zip(a, b, strict=True):
            assert x.tobytes() == y.tobytes()
