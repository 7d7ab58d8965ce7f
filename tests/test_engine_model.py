"""The engine data model: filtration types, sheaf kinds, one dispatcher (issue 16).

The engine is chosen from what the objects *are*; these tests pin down that nothing a user can
edit after construction (or claim by hand) changes which barcode is computed.
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tdasheaf.cohomology import (
    flag_persistence,
    representative_cocycles,
    sheaf_persistence,
)
from tdasheaf.complexes import FilteredComplex, FlagFiltration, flag_filtration, rips_complex
from tdasheaf.exceptions import ComplexTooLargeError, InvalidSheafError
from tdasheaf.sheaves import (
    CellularSheaf,
    ConstantSheaf,
    SignedGraphSheaf,
    constant_sheaf,
    signed_graph_sheaf,
)

SQUARE = [(0, 1), (1, 2), (2, 3), (0, 3), (0, 2), (1, 3)]
SQUARE_VALUES = [1, 1, 1, 1, 1.5, 1.5]


def _circle(n=24, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.c_[np.cos(t), np.sin(t)] + noise * rng.normal(size=(n, 2))


def _assert_same_bars(a: dict, b: dict):
    assert a.keys() == b.keys()
    for q in a:
        np.testing.assert_array_equal(a[q], b[q])


# -- the flag claim is verified -----------------------------------------------------------------


def test_hand_built_flag_claim_that_is_false_is_refused():
    # a 4-cycle with its two diagonals and only one of its four triangles: not a flag complex
    K = FilteredComplex.from_simplices(
        [(0,), (1,), (2,), (3,), *SQUARE, (0, 1, 2)], [0, 0, 0, 0, *SQUARE_VALUES, 1.5]
    )
    with pytest.raises(ValueError, match="not a flag complex"):
        FilteredComplex(K.simplices, K.filtrations, K.boundaries, flag=True)


def test_hand_built_flag_claim_with_wrong_values_is_refused():
    K = FilteredComplex.from_simplices(
        [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2), (0, 1, 2)], [0, 0, 0, 1, 1, 1, 5]
    )
    with pytest.raises(ValueError, match="largest value of its edges"):
        FilteredComplex(K.simplices, K.filtrations, K.boundaries, flag=True)


def test_hand_built_true_flag_complex_is_accepted_and_gives_the_same_bars():
    K = rips_complex(_circle(), 0.6, 2)
    H = FilteredComplex(K.simplices, K.filtrations, K.boundaries, flag=True)
    assert H.flag
    plain = FilteredComplex(K.simplices, K.filtrations, K.boundaries)
    assert not plain.flag
    expected = sheaf_persistence(constant_sheaf(plain), (0, 1), field=3)
    _assert_same_bars(sheaf_persistence(constant_sheaf(H), (0, 1), field=3), expected)
    _assert_same_bars(sheaf_persistence(constant_sheaf(K), (0, 1), field=3), expected)


# -- sheaf kinds are immutable types -------------------------------------------------------------


def test_sheaves_cannot_be_edited_after_construction():
    K = rips_complex(_circle(), 0.6, 2)
    for F in (constant_sheaf(K), signed_graph_sheaf(K, np.ones(len(K.simplices[1])))):
        with pytest.raises(dataclasses.FrozenInstanceError):
            F.restrictions = ()
        with pytest.raises(dataclasses.FrozenInstanceError):
            F.complex = K
        with pytest.raises(ValueError, match="read-only"):
            F.restrictions[1][0, 0, 0, 0] = 5.0
    S = signed_graph_sheaf(K, np.ones(len(K.simplices[1])))
    with pytest.raises(ValueError, match="read-only"):
        S.edge_signs[0] = -1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        S.edge_signs = -np.ones(len(K.simplices[1]))
    C = constant_sheaf(K, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        C.rank = 1


def test_kind_is_a_type_not_a_tag():
    K = rips_complex(_circle(), 0.6, 2)
    assert isinstance(constant_sheaf(K), ConstantSheaf)
    assert isinstance(signed_graph_sheaf(K, np.ones(len(K.simplices[1]))), SignedGraphSheaf)
    # the same sheaf written out by hand is a general CellularSheaf: same barcode, other engine
    C = constant_sheaf(K)
    G = CellularSheaf(K, C.stalk_dims, C.restrictions)
    assert type(G) is CellularSheaf
    _assert_same_bars(
        sheaf_persistence(G, (0, 1), field=3), sheaf_persistence(C, (0, 1), field=3)
    )


def test_signed_graph_sheaf_refuses_wrong_signs():
    K = rips_complex(_circle(), 0.6, 1)
    with pytest.raises(InvalidSheafError, match="one entry per edge"):
        signed_graph_sheaf(K, [1, -1])
    with pytest.raises(InvalidSheafError, match=r"\+1 and -1"):
        signed_graph_sheaf(K, np.full(len(K.simplices[1]), 0.5))


def test_kinds_pickle_round_trip():
    G = flag_filtration(_circle(), 0.6)
    S = signed_graph_sheaf(G, np.where(np.arange(G.n_edges) % 7 == 0, -1.0, 1.0))
    for F in (constant_sheaf(G, 2), S):
        F2 = pickle.loads(pickle.dumps(F))
        assert type(F2) is type(F)
        _assert_same_bars(
            sheaf_persistence(F2, (0, 1), field=5), sheaf_persistence(F, (0, 1), field=5)
        )


# -- the lazy flag filtration ----------------------------------------------------------------------


def test_lazy_filtration_equals_the_explicit_rips_complex_and_builds_no_triangles():
    X = _circle(40)
    G = flag_filtration(X, 0.7)
    K = rips_complex(X, 0.7, 2)
    np.testing.assert_array_equal(G.values, K.filtrations[1])
    F = constant_sheaf(G)
    bars = sheaf_persistence(F, (0, 1), field=3)
    assert "complex" not in F._cache and "arrays" not in F._cache  # nothing above the edges
    _assert_same_bars(bars, sheaf_persistence(constant_sheaf(K), (0, 1), field=3))
    # forcing the generic engine builds the complex and agrees
    _assert_same_bars(bars, sheaf_persistence(F, (0, 1), field=3, engine="exact"))


def test_lazy_filtration_fits_a_budget_the_explicit_complex_does_not():
    X = np.random.default_rng(1).normal(size=(120, 3))
    G = flag_filtration(X, 2.5)
    _, nbytes = G.estimate_size(2)
    budget = nbytes // 4
    with pytest.raises(ComplexTooLargeError, match="memory budget"):
        rips_complex(X, 2.5, 2, memory_budget=budget)
    bars = sheaf_persistence(constant_sheaf(G), (0, 1), field=3, memory_budget=budget)
    _assert_same_bars(
        bars, sheaf_persistence(constant_sheaf(rips_complex(X, 2.5, 2)), (0, 1), field=3)
    )
    with pytest.raises(ComplexTooLargeError, match="memory budget"):
        sheaf_persistence(
            constant_sheaf(G), (0, 1), field="R", memory_budget=budget, collapse=False
        )
    # the float engine builds the complex: of the edge-collapsed graph by default, which fits
    _assert_same_bars(
        bars, sheaf_persistence(constant_sheaf(G), (0, 1), field="R", memory_budget=budget)
    )


def test_flag_filtration_validates_its_graph():
    with pytest.raises(ValueError, match="duplicates"):
        FlagFiltration.from_edges(3, [(0, 1), (1, 0)], [1.0, 2.0])
    with pytest.raises(ValueError, match="no loops"):
        FlagFiltration.from_edges(3, [(1, 1)], [1.0])
    with pytest.raises(ValueError, match="finite"):
        FlagFiltration.from_edges(3, [(0, 1)], [np.nan])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        FlagFiltration.from_edges(3, [(0, 3)], [1.0])
    G = FlagFiltration.from_edges(4, SQUARE, SQUARE_VALUES)
    with pytest.raises(ValueError, match="read-only"):
        G.values[0] = 0.0


def test_landmark_labels_are_handled_once():
    X = _circle(60, seed=3)
    G = flag_filtration(X, 0.9, n_landmarks=25)
    K = rips_complex(X, 0.9, 2, n_landmarks=25)
    np.testing.assert_array_equal(np.sort(G.vertex_labels), np.sort(K.vertex_labels))
    _assert_same_bars(
        sheaf_persistence(constant_sheaf(G), (0, 1), field=3),
        sheaf_persistence(constant_sheaf(K), (0, 1), field=3, implicit=False),
    )


# -- one return type, no ignored parameter -------------------------------------------------------


def test_one_return_type_and_representatives_through_their_own_function():
    K = FilteredComplex.from_simplices(
        [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)], [0, 0, 0, 1, 1, 2]
    )
    F = constant_sheaf(K)
    bars = sheaf_persistence(F, (0, 1), field=3)
    assert isinstance(bars, dict)
    bars2, cocycles = representative_cocycles(F, (0, 1), field=3)
    _assert_same_bars(bars, bars2)
    assert [len(cocycles[q]) for q in (0, 1)] == [len(bars[0]), len(bars[1])]
    with pytest.warns(FutureWarning, match="representative_cocycles"):
        old = sheaf_persistence(F, (0, 1), field=3, representatives=True)
    _assert_same_bars(old[0], bars)


def test_rtol_with_a_prime_field_is_refused_not_ignored():
    F = constant_sheaf(rips_complex(_circle(), 0.6, 2))
    with pytest.raises(ValueError, match="rtol"):
        sheaf_persistence(F, (0, 1), field=3, rtol=1e-3)
    sheaf_persistence(F, (0, 1), field="R", rtol=1e-6)  # fine over the reals


def test_degree1_keys_overflow_falls_back_exactly():
    n = 2_200_000  # (a·n + b)·n + c would overflow int64
    v = np.arange(n - 4, n)
    edges = [(v[0], v[1]), (v[1], v[2]), (v[2], v[3]), (v[0], v[3]), (v[0], v[2]), (v[1], v[3])]
    bars = flag_persistence(n, edges, SQUARE_VALUES, degrees=(1,), field=3)
    np.testing.assert_array_equal(bars[1], [[1.0, 1.5]])
    G = FlagFiltration.from_edges(n, edges, SQUARE_VALUES)
    np.testing.assert_array_equal(
        sheaf_persistence(constant_sheaf(G), (1,), field=3)[1], [[1.0, 1.5]]
    )


@st.composite
def _graphs(draw):
    n = draw(st.integers(3, 9))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    keep = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    edges = [p for p, k in zip(pairs, keep, strict=True) if k]
    values = draw(
        st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0]), min_size=len(edges), max_size=len(edges))
    )
    signs = draw(
        st.lists(st.sampled_from([1.0, -1.0]), min_size=len(edges), max_size=len(edges))
    )
    return n, edges, values, signs


@settings(max_examples=60, deadline=None)
@given(_graphs(), st.sampled_from([3, 5]))
def test_implicit_and_generic_engines_agree_on_signed_flag_filtrations(graph, p):
    n, edges, values, signs = graph
    G = FlagFiltration.from_edges(n, edges, values, max_dimension=3)
    order = np.lexsort(
        (np.sort(np.reshape(edges, (-1, 2)), axis=1)[:, 1],
         np.sort(np.reshape(edges, (-1, 2)), axis=1)[:, 0], values)
    ) if edges else np.empty(0, int)
    S = signed_graph_sheaf(G, np.asarray(signs)[order] if edges else [])
    fast = sheaf_persistence(S, (0, 1, 2), field=p)
    slow = sheaf_persistence(S, (0, 1, 2), field=p, engine="exact")
    _assert_same_bars(fast, slow)
    _assert_same_bars(fast, flag_persistence(n, edges, values, signs, (0, 1, 2), p))


def test_flag_engine_budget_holds_in_degrees_up_to_one():
    E = np.array([(i, j) for i in range(300) for j in range(i + 1, 300)])
    with pytest.raises(ComplexTooLargeError, match="working set"):
        flag_persistence(300, E, np.ones(len(E)), degrees=(0,), memory_budget=1000)
    G = FlagFiltration.from_edges(300, E, np.ones(len(E)))
    with pytest.raises(ComplexTooLargeError, match="memory budget"):
        sheaf_persistence(constant_sheaf(G), (0, 1), field=3, memory_budget=1000)
