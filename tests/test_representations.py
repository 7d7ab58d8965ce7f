"""Diagram vectorisers: known answers, oracles (gudhi, hera, persim), properties, sklearn."""

from __future__ import annotations

import pickle

import gudhi
import gudhi.hera
import numpy as np
import pytest
from gudhi import representations as gr
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from tdasheaf.diagrams import diagram_from_bars, stack_diagrams
from tdasheaf.estimators import (
    Amplitude,
    BettiCurve,
    NumberOfPoints,
    PersistenceEntropy,
    PersistenceImage,
    PersistenceLandscape,
)
from tdasheaf.representations import (
    bars_of_degree,
    betti_curve,
    filtration_ranges,
    persistence_entropy,
    persistence_image,
    persistence_landscape,
)

METRICS = ["bottleneck", "wasserstein", "betti", "landscape", "heat", "persistence_image"]

SMALL_ESTIMATORS = [
    BettiCurve(n_bins=7),
    PersistenceLandscape(n_layers=2, n_bins=7),
    PersistenceImage(sigma=0.3, n_bins=4),
    PersistenceEntropy(),
    PersistenceEntropy(normalize=True, nan_fill_value=None),
    NumberOfPoints(),
    *[
        Amplitude(
            metric=m, metric_params=None if m in ("bottleneck", "wasserstein") else {"n_bins": 6}
        )
        for m in METRICS
    ],
    Amplitude(metric="wasserstein", metric_params={"p": 1.0}, order=2.0),
]
IDS = [repr(e) for e in SMALL_ESTIMATORS]


def random_collection(rng, n_samples=6, max_bars=6, degrees=(0, 1), with_inf=True):
    """Random diagrams with padding; degree 0 gets one infinite bar per sample."""
    diagrams = []
    for _ in range(n_samples):
        bars = {}
        for q in degrees:
            k = int(rng.integers(0, max_bars + 1))
            b = rng.uniform(0.0, 2.0, size=k)
            bars[q] = np.column_stack([b, b + rng.uniform(0.05, 2.0, size=k)])
            if with_inf and q == 0:
                bars[q] = np.vstack([bars[q], [[0.0, np.inf]]])
        diagrams.append(diagram_from_bars(bars, degrees))
    return stack_diagrams(diagrams, degrees)


@pytest.fixture
def X():
    return random_collection(np.random.default_rng(0))


def _clipped(X, q, clip):
    return [bars_of_degree(d, q, clip_value=clip) for d in X]


def _unpadded(X, q):
    return [bars_of_degree(d, q) for d in X]


# ------------------------------------------------------------------ known answers


def test_single_bar_betti_landscape_by_hand():
    X = np.array([[[0.0, 1.0, 0.0]]])
    assert np.array_equal(BettiCurve(n_bins=5).fit_transform(X), [[1, 1, 1, 1, 0]])
    ls = PersistenceLandscape(n_layers=2, n_bins=101).fit_transform(X)
    assert ls.shape == (1, 202)
    assert ls[0, 50] == pytest.approx(0.5) and ls[0, :101].max() == pytest.approx(0.5)
    assert np.all(ls[0, 101:] == 0)  # second layer of a one-bar diagram
    t = np.linspace(0.0, 1.0, 101)
    assert np.allclose(ls[0, :101], np.minimum(t, 1 - t))


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_entropy_of_equal_bars_is_log_n(n):
    bars = np.column_stack([np.arange(n), np.arange(n) + 2.0])
    X = diagram_from_bars({0: bars}, (0,))[None]
    assert PersistenceEntropy().fit_transform(X)[0, 0] == pytest.approx(np.log(n), abs=1e-12)
    # normalize=True divides by log of the total length L = 2n (giotto-tda's convention)
    got = PersistenceEntropy(normalize=True).fit_transform(X)[0, 0]
    assert got == pytest.approx(np.log(n) / np.log(2.0 * n))


def test_entropy_undefined_values():
    X = np.array([[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])  # degree 1: padding only; L = 1
    assert np.array_equal(PersistenceEntropy().fit_transform(X), [[0.0, -1.0]])
    assert np.array_equal(PersistenceEntropy(nan_fill_value=7.0).fit_transform(X), [[0.0, 7.0]])
    out = PersistenceEntropy(normalize=True, nan_fill_value=None).fit_transform(X)
    assert np.isnan(out).all()  # log(L) = 0 and empty diagram


def test_amplitudes_by_hand():
    X = np.array([[[0.0, 2.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 0.0]]])
    assert Amplitude(metric="bottleneck").fit_transform(X)[0, 0] == pytest.approx(1.0)
    w1 = Amplitude(metric="wasserstein", metric_params={"p": 1}).fit_transform(X)
    assert w1[0, 0] == pytest.approx(1.5)
    # Betti L1 norm = total bar length (Riemann sum is exact on a grid containing the ends)
    b1 = Amplitude(metric="betti", metric_params={"p": 1, "n_bins": 201}).fit_transform(X)
    assert b1[0, 0] == pytest.approx(3.0)
    # landscape of [0, 1): L2 norm^2 = 2 * int_0^{1/2} t^2 dt = 1/12
    one = np.array([[[0.0, 1.0, 0.0]]])
    la = Amplitude(metric="landscape", metric_params={"n_bins": 1001}).fit_transform(one)
    assert la[0, 0] == pytest.approx(np.sqrt(1 / 12), rel=1e-4)
    both = Amplitude(metric="bottleneck", order=np.inf).fit_transform(X)
    assert both.shape == (1, 1) and both[0, 0] == pytest.approx(1.0)


def test_number_of_points_ignores_padding_and_zero_length():
    X = np.array([[[0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [0.0, np.inf, 0.0], [0.0, 0.0, 1.0]]])
    assert np.array_equal(NumberOfPoints().fit_transform(X), [[2.0, 0.0]])


def test_infinite_deaths_clipped_at_largest_finite_value():
    X = np.array([[[0.0, 2.0, 0.0], [0.0, np.inf, 0.0], [0.5, 1.0, 1.0]]])
    bc = BettiCurve(n_bins=5).fit(X)
    assert bc.filtration_ranges_ == {0: (0.0, 2.0), 1: (0.5, 1.0)}
    X_fin = X.copy()
    X_fin[0, 1, 1] = 2.0
    # Betti curves count an essential class at every sampling point after its birth, hi too
    bc_inf, bc_fin = BettiCurve(n_bins=5).fit(X), BettiCurve(n_bins=5).fit(X_fin)
    assert np.array_equal(bc_inf.transform(X)[0, :5], [2, 2, 2, 2, 1])
    assert np.array_equal(bc_fin.transform(X_fin)[0, :5], [2, 2, 2, 2, 0])
    for est in (
        PersistenceLandscape(n_bins=5),
        PersistenceEntropy(),
        Amplitude(metric="wasserstein"),
        PersistenceImage(n_bins=3),
    ):
        est.fit(X)
        assert np.allclose(est.transform(X), est.transform(X_fin))


def test_degenerate_ranges_do_not_crash():
    only_padding = np.zeros((2, 2, 3))
    only_padding[:, 1, 2] = 1
    assert filtration_ranges(only_padding, [0, 1]) == {0: (0.0, 1.0), 1: (0.0, 1.0)}
    for est in SMALL_ESTIMATORS:
        Y = clone(est).fit_transform(only_padding)
        assert np.all(np.isfinite(Y) | np.isnan(Y))
    inf_only = np.array([[[0.0, np.inf, 0.0]]])  # range (0, 0) -> (0, 1)
    assert BettiCurve(n_bins=3).fit(inf_only).filtration_ranges_ == {0: (0.0, 1.0)}


def test_empty_diagrams_give_zeros(X):
    empty = np.zeros((3, 4, 3))
    empty[:, 2:, 2] = 1
    for est in SMALL_ESTIMATORS:
        est = clone(est).fit(X)
        Y = est.transform(empty)
        if isinstance(est, PersistenceEntropy):
            expected = np.nan if est.nan_fill_value is None else est.nan_fill_value
            assert np.allclose(Y, expected, equal_nan=True)
        else:
            assert np.array_equal(Y, np.zeros_like(Y))
        with pytest.raises(ValueError, match="empty collection"):
            est.transform(X[:0])


def test_unseen_degree_raises(X):
    est = BettiCurve(n_bins=4).fit(X[:, X[0, :, 2] == 0])
    with pytest.raises(ValueError, match=r"degree\(s\) \[1\] that were not seen in fit"):
        est.transform(X)


def test_invalid_parameters_and_input(X):
    with pytest.raises(ValueError, match="n_bins"):
        BettiCurve(n_bins=0).fit(X)
    with pytest.raises(ValueError, match="metric"):
        Amplitude(metric="sliced").fit(X)
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['n_bins'\]"):
        Amplitude(metric="bottleneck", metric_params={"n_bins": 3}).fit(X)
    with pytest.raises(ValueError, match="sigma"):
        Amplitude(metric="heat", metric_params={"sigma": -1.0}).fit(X)
    with pytest.raises(ValueError, match="single diagram"):
        BettiCurve().fit(X[0])
    with pytest.raises(ValueError, match="0 samples"):
        BettiCurve().fit(X[:0])


# ------------------------------------------------------------------ oracles


def test_betti_curve_matches_gudhi(X):
    bc = BettiCurve(n_bins=30).fit(X)
    Y = bc.transform(X)
    for j, q in enumerate(bc.homology_dimensions_):
        lo, hi = bc.filtration_ranges_[q]
        # no clipping: gudhi counts infinite bars as alive, as we do
        ref = gr.BettiCurve(predefined_grid=bc.samplings_[q]).fit_transform(_unpadded(X, q))
        assert np.array_equal(Y[:, j * 30 : (j + 1) * 30], ref)


def test_landscape_matches_gudhi(X):
    pl = PersistenceLandscape(n_layers=3, n_bins=25).fit(X)
    Y = pl.transform(X)
    for j, q in enumerate(pl.homology_dimensions_):
        lo, hi = pl.filtration_ranges_[q]
        ref = gr.Landscape(num_landscapes=3, resolution=25, sample_range=[lo, hi])
        ref = ref.fit_transform(_clipped(X, q, hi))
        # gudhi measures tents along the rotated axis: its values are sqrt(2) times Bubenik's
        assert np.allclose(np.sqrt(2) * Y[:, j * 75 : (j + 1) * 75], ref)


def _gudhi_square(pt):  # gudhi passes (birth, persistence) points to its weight
    return pt[1] ** 2


@pytest.mark.parametrize("weights", [None, "square"])
def test_persistence_image_matches_gudhi(X, weights):
    n = 6
    pi = PersistenceImage(sigma=0.25, n_bins=n, weight_function=np.square if weights else None).fit(
        X
    )
    Y = pi.transform(X)
    for j, q in enumerate(pi.homology_dimensions_):
        lo, hi = pi.filtration_ranges_[q]
        ref = gr.PersistenceImage(
            bandwidth=0.25,
            resolution=[n, n],
            im_range=[lo, hi, 0.0, hi - lo],
            weight=_gudhi_square if weights else (lambda pt: 1.0),
        )
        ref = ref.fit_transform(_clipped(X, q, hi))
        # gudhi flattens persistence-major; ours is birth-major: transpose each image
        ref = ref.reshape(-1, n, n).transpose(0, 2, 1).reshape(len(X), -1)
        assert np.allclose(Y[:, j * n * n : (j + 1) * n * n], ref)


def test_entropy_matches_gudhi(X):
    pe = PersistenceEntropy(nan_fill_value=None).fit(X)
    Y = pe.transform(X)
    for j, q in enumerate(pe.homology_dimensions_):
        for i, bars in enumerate(_clipped(X, q, pe.filtration_ranges_[q][1])):
            if len(bars):  # gudhi's Entropy is natural-log Shannon entropy, like ours
                assert Y[i, j] == pytest.approx(gr.Entropy().fit_transform([bars])[0, 0])
            else:
                assert np.isnan(Y[i, j])


def test_bottleneck_wasserstein_amplitude_match_gudhi_hera_persim(X):
    import persim

    empty = np.empty((0, 2))
    bott = Amplitude(metric="bottleneck").fit(X)
    w2 = Amplitude(metric="wasserstein").fit(X)
    w1 = Amplitude(metric="wasserstein", metric_params={"p": 1}).fit(X)
    B, W2, W1 = bott.transform(X), w2.transform(X), w1.transform(X)
    for j, q in enumerate(bott.homology_dimensions_):
        for i, bars in enumerate(_clipped(X, q, bott.filtration_ranges_[q][1])):
            assert B[i, j] == pytest.approx(gudhi.bottleneck_distance(bars, empty, e=0))
            assert B[i, j] == pytest.approx(persim.bottleneck(bars, empty) if len(bars) else 0)
            for p, W in ((2, W2), (1, W1)):
                ref = gudhi.hera.wasserstein_distance(bars, empty, order=p, internal_p=np.inf)
                assert W[i, j] == pytest.approx(ref, rel=1e-6)
            # persim.wasserstein is the 1-Wasserstein distance with the Euclidean ground
            # metric (distance to the diagonal sqrt(2)/2 * length): sqrt(2) times ours
            ref = persim.wasserstein(bars, empty) if len(bars) else 0.0
            assert np.sqrt(2) * W1[i, j] == pytest.approx(ref, rel=1e-6)


def test_functional_amplitudes_are_norms_of_the_representations(X):
    n = 40
    cases = [
        ("betti", BettiCurve(n_bins=n)),
        ("landscape", PersistenceLandscape(n_bins=n)),
        ("persistence_image", PersistenceImage(n_bins=n, sigma=0.2)),
    ]
    for metric, rep in cases:
        params = {"n_bins": n, "p": 2}
        if metric == "persistence_image":
            params["sigma"] = 0.2
        amp = Amplitude(metric=metric, metric_params=params).fit(X)
        R = rep.fit(X).transform(X)
        for j, q in enumerate(amp.homology_dimensions_):
            lo, hi = amp.filtration_ranges_[q]
            step = (hi - lo) / (n - 1)
            cell = step**2 if metric == "persistence_image" else step
            k = R.shape[1] // len(amp.homology_dimensions_)
            ref = np.sqrt(cell * np.sum(R[:, j * k : (j + 1) * k] ** 2, axis=1))
            assert np.allclose(amp.transform(X)[:, j], ref)


def test_heat_amplitude_alias_and_symmetry(X):
    h = Amplitude(metric="heat", metric_params={"n_bins": 12, "sigma": 0.3}).fit(X)
    assert list(h.get_feature_names_out()) == ["H0_amplitude_heat", "H1_amplitude_heat"]
    a = Amplitude(metric="image", metric_params={"n_bins": 5}).fit(X)
    b = Amplitude(metric="persistence_image", metric_params={"n_bins": 5}).fit(X)
    assert np.array_equal(a.transform(X), b.transform(X))
    assert a.get_feature_names_out()[0] == "H0_amplitude_persistence_image"


def test_kernels_direct():
    bars = np.array([[0.0, 1.0], [0.5, 2.0]])
    t = np.linspace(0, 2, 9)
    assert np.array_equal(betti_curve(bars, t), [1, 1, 2, 2, 1, 1, 1, 1, 0])
    assert persistence_landscape(bars, t, n_layers=3).shape == (3, 9)
    assert persistence_image(np.empty((0, 2)), t, t, 0.1).shape == (9, 9)
    assert np.isnan(persistence_entropy(np.empty((0, 2))))
    with pytest.raises(ValueError, match="one weight per bar"):
        persistence_image(bars, t, t, 0.1, weights=np.ones(3))


# ------------------------------------------------------------------ properties

bar_lists = st.lists(
    st.tuples(
        st.integers(0, 40).map(lambda v: v / 8),  # birth
        st.integers(0, 40).map(lambda v: v / 8),  # length (0: a zero-length bar)
        st.sampled_from([0, 1]),
        st.booleans(),  # infinite death?
    ),
    max_size=10,
)


def _collection(rows_per_sample):
    diagrams = []
    for rows in rows_per_sample:
        D = np.array([[b, np.inf if inf else b + ln, q] for b, ln, q, inf in rows]).reshape(-1, 3)
        diagrams.append(D)
    return stack_diagrams(diagrams, (0, 1))


_FIT_X = random_collection(np.random.default_rng(1))
_FITTED = [clone(e).fit(_FIT_X) for e in SMALL_ESTIMATORS]


@settings(max_examples=30, deadline=None, derandomize=True)
@given(rows=st.lists(bar_lists, min_size=1, max_size=3), data=st.data())
def test_permutation_and_padding_invariance(rows, data):
    X = _collection(rows)
    perm = data.draw(st.permutations(list(range(X.shape[1]))))
    n_pad = data.draw(st.integers(1, 3))
    pad = np.zeros((X.shape[0], n_pad, 3))
    pad[:, :, 2] = data.draw(st.sampled_from([0, 1]))
    X_pad = np.concatenate([X, pad], axis=1)
    for est in _FITTED:
        Y = est.transform(X)
        assert np.allclose(est.transform(X[:, perm]), Y, equal_nan=True)
        assert np.allclose(est.transform(X_pad), Y, equal_nan=True)
    # fitting is padding-invariant too
    assert (
        BettiCurve(n_bins=4).fit(X_pad).filtration_ranges_
        == BettiCurve(n_bins=4).fit(X).filtration_ranges_
    )


@settings(max_examples=30, deadline=None, derandomize=True)
@given(rows=st.lists(bar_lists, min_size=1, max_size=3))
def test_betti_integer_and_bounded(rows):
    X = _collection(rows)
    bc = BettiCurve(n_bins=9).fit(X)
    Y = bc.transform(X)
    counts = NumberOfPoints().fit(X).transform(X)
    assert np.array_equal(Y, np.round(Y)) and (Y >= 0).all()
    for j in range(len(bc.homology_dimensions_)):
        assert (Y[:, j * 9 : (j + 1) * 9] <= counts[:, [j]]).all()


@settings(max_examples=20, deadline=None, derandomize=True)
@given(rows=st.lists(bar_lists, min_size=1, max_size=3), metric=st.sampled_from(METRICS))
def test_amplitude_nonnegative_and_zero_on_empty(rows, metric):
    X = _collection(rows)
    params = None if metric in ("bottleneck", "wasserstein") else {"n_bins": 8}
    amp = Amplitude(metric=metric, metric_params=params).fit(X)
    Y = amp.transform(X)
    assert (Y >= 0).all()
    counts = NumberOfPoints().fit(X).transform(X)
    assert np.all(Y[counts == 0] == 0)


# ------------------------------------------------------------------ scikit-learn contract


@pytest.mark.parametrize("est", SMALL_ESTIMATORS, ids=IDS)
def test_sklearn_contract(est, X):
    pd = pytest.importorskip("pandas")
    est = clone(est)
    assert clone(est).get_params() == est.get_params()
    Y = est.fit_transform(X)
    assert est.fit(X) is est
    assert np.array_equal(Y, est.transform(X), equal_nan=True)
    assert Y.dtype == np.float64 and Y.ndim == 2
    names = est.get_feature_names_out()
    assert len(names) == Y.shape[1] == len(set(names))
    restored = pickle.loads(pickle.dumps(est))
    assert np.array_equal(restored.transform(X), Y, equal_nan=True)
    df = clone(est).set_output(transform="pandas").fit_transform(X)
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(names)
    assert np.array_equal(df.to_numpy(), Y, equal_nan=True)


def test_feature_names():
    X = np.array([[[0.0, 1.0, 0.0], [0.2, 0.5, 2.0]]])
    assert list(BettiCurve(n_bins=2).fit(X).get_feature_names_out()) == [
        "H0_betti_t000",
        "H0_betti_t001",
        "H2_betti_t000",
        "H2_betti_t001",
    ]
    assert (
        PersistenceLandscape(n_layers=2, n_bins=2).fit(X).get_feature_names_out()[2]
        == "H0_landscape_l2_t000"
    )
    assert PersistenceImage(n_bins=2).fit(X).get_feature_names_out()[1] == "H0_image_b000_p001"
    assert list(PersistenceEntropy().fit(X).get_feature_names_out()) == ["H0_entropy", "H2_entropy"]
    assert list(NumberOfPoints().fit(X).get_feature_names_out()) == ["H0_n_points", "H2_n_points"]
    assert list(Amplitude(order=2).fit(X).get_feature_names_out()) == ["amplitude_landscape"]
    assert BettiCurve(n_bins=1500).fit(X).get_feature_names_out()[-1] == "H2_betti_t1499"


def test_n_jobs_gives_same_result(X):
    for est in (PersistenceLandscape(n_bins=10), Amplitude(metric="wasserstein")):
        Y1 = clone(est).fit_transform(X)
        Y2 = clone(est).set_params(n_jobs=2).fit_transform(X)
        assert np.array_equal(Y1, Y2)


def test_pipeline_and_grid_search():
    rng = np.random.default_rng(0)
    diagrams, y = [], []
    for i in range(40):
        label = i % 2
        b0 = rng.uniform(0, 0.3, size=5)
        bars = {0: np.column_stack([np.zeros(5), b0 + 0.1])}
        if label:  # one long H1 bar
            bars[1] = np.array([[0.4, 1.4 + rng.uniform(0, 0.2)]])
        else:
            bars[1] = np.array([[0.4, 0.5 + rng.uniform(0, 0.05)]])
        diagrams.append(diagram_from_bars(bars, (0, 1)))
        y.append(label)
    X, y = stack_diagrams(diagrams, (0, 1)), np.array(y)
    pipe = Pipeline([("features", BettiCurve()), ("clf", LogisticRegression())])
    search = GridSearchCV(pipe, {"features__n_bins": [5, 10]}, cv=2).fit(X, y)
    assert search.best_params_["features__n_bins"] in (5, 10)
    assert search.score(X, y) > 0.9
