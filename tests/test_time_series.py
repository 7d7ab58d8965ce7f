"""Time series: delay embeddings, sliding windows, delay/dimension selection, the two
transformers, and the real-series loader.

Oracles: hand-computed embeddings and window bounds; P/4 for the mutual-information delay of a
sine of period P; false-nearest-neighbour dimension 2 for a sine, 3 for the Lorenz attractor's
x-coordinate (Kennel et al. 1992), and no unfolding for white noise.
"""

from __future__ import annotations

import importlib.util
import pickle

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from tdasheaf.estimators import BettiCurve, RipsPersistence, SheafFeatures
from tdasheaf.estimators._time_series import SlidingWindow, TakensEmbedding
from tdasheaf.time_series import (
    delayed_mutual_information,
    false_nearest_neighbors,
    false_nearest_neighbors_dimension,
    mutual_information_delay,
    select_embedding,
    sliding_windows,
    takens_embedding,
    window_bounds,
)
from tdasheaf.utils import check_collection

#: An irrational period: a sine sampled at a rational period repeats its samples exactly.
P_IRRATIONAL = 40 + np.sqrt(2)


def sine(n=1000, period=P_IRRATIONAL, noise=0.0, seed=0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sin(2 * np.pi * t / period) + noise * rng.normal(size=n)


def lorenz_x(n=2000, dt=0.01, every=2, burn=500):
    """x-coordinate of the Lorenz system (σ=10, ρ=28, β=8/3), fixed-step RK4."""

    def f(v):
        x, y, z = v
        return np.array([10.0 * (y - x), x * (28.0 - z) - y, x * y - 8.0 / 3.0 * z])

    v = np.array([1.0, 1.0, 1.0])
    out = np.empty(n + burn)
    for k in range((n + burn) * every):
        k1 = f(v)
        k2 = f(v + dt / 2 * k1)
        k3 = f(v + dt / 2 * k2)
        k4 = f(v + dt * k3)
        v = v + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if k % every == 0:
            out[k // every] = v[0]
    return out[burn:]


# ----------------------------------------------------------------------------------------------
# known answers
# ----------------------------------------------------------------------------------------------


def test_takens_embedding_of_a_ramp_by_hand():
    ramp = np.arange(10.0)
    expected = np.array([[i, i + 2, i + 4] for i in range(6)], dtype=float)
    np.testing.assert_array_equal(takens_embedding(ramp, dimension=3, delay=2), expected)
    np.testing.assert_array_equal(
        takens_embedding(ramp, dimension=3, delay=2, stride=2), expected[::2]
    )
    np.testing.assert_array_equal(takens_embedding(ramp, 1, 5), ramp[:, None])
    # the shortest series that embeds: one point
    np.testing.assert_array_equal(takens_embedding(np.arange(5.0), 3, 2), [[0.0, 2.0, 4.0]])


def test_takens_embedding_multichannel_is_channel_major():
    series = np.c_[np.arange(6.0), 10 + np.arange(6.0)]
    points = takens_embedding(series, dimension=2, delay=3)
    np.testing.assert_array_equal(points, [[0, 3, 10, 13], [1, 4, 11, 14], [2, 5, 12, 15]])


def test_window_bounds_by_hand():
    np.testing.assert_array_equal(window_bounds(10, 4, 3), [[0, 4], [3, 7], [6, 10]])
    # the 11th sample is in no window (11 - 4 = 7, 7 % 3 = 1)
    np.testing.assert_array_equal(window_bounds(11, 4, 3), [[0, 4], [3, 7], [6, 10]])
    np.testing.assert_array_equal(window_bounds(5, 5), [[0, 5]])
    assert window_bounds(5, 1).tolist() == [[i, i + 1] for i in range(5)]


def test_sliding_windows_by_hand():
    windows, bounds = sliding_windows(np.arange(8.0), size=3, stride=2)
    np.testing.assert_array_equal(windows, [[0, 1, 2], [2, 3, 4], [4, 5, 6]])
    np.testing.assert_array_equal(bounds, [[0, 3], [2, 5], [4, 7]])
    series = np.c_[np.arange(8.0), -np.arange(8.0)]
    windows, _ = sliding_windows(series, size=3, stride=2)
    assert windows.shape == (3, 3, 2)
    np.testing.assert_array_equal(windows[1], series[2:5])
    windows[0, 0] = 99.0  # a copy, not a view
    assert series[0, 0] == 0.0


# ----------------------------------------------------------------------------------------------
# delay: mutual information
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "seed"), [(20, 0), (40, 1), (40, 2), (64, 3), (101.5, 4)])
def test_mutual_information_delay_of_a_sine_is_a_quarter_period(period, seed):
    s = sine(n=2000, period=period, noise=0.1, seed=seed)
    tau = mutual_information_delay(s, max_delay=60)
    assert abs(tau - period / 4) <= max(0.25 * period / 4, 1.5), (tau, period / 4)


def test_delayed_mutual_information_values():
    s = sine(n=500, noise=0.1)
    mi = delayed_mutual_information(s, max_delay=400, n_bins=8)
    assert mi.shape == (251,)  # capped at n // 2
    assert (mi >= -1e-12).all()
    # I(0) is the entropy of the binned series
    lo, hi = s.min(), s.max()
    codes = np.minimum(((s - lo) / (hi - lo) * 8).astype(int), 7)
    p = np.bincount(codes) / len(s)
    p = p[p > 0]
    assert mi[0] == pytest.approx(-(p * np.log(p)).sum())
    assert mi[0] >= mi.max() - 1e-12


def test_mutual_information_delay_fallback_without_a_minimum():
    # a random walk decorrelates slowly: no minimum up to max_delay=10
    walk = np.cumsum(np.random.default_rng(0).normal(size=3000))
    mi = delayed_mutual_information(walk, max_delay=10)
    assert (np.diff(mi) < 0).all()
    below = np.flatnonzero(mi[1:] <= mi[0] / np.e)
    expected = below[0] + 1 if below.size else 10
    assert mutual_information_delay(walk, max_delay=10) == expected


# ----------------------------------------------------------------------------------------------
# dimension: false nearest neighbours
# ----------------------------------------------------------------------------------------------


def test_fnn_dimension_of_a_sine_is_2():
    s = sine(n=1500)
    fractions = false_nearest_neighbors(s, delay=10, max_dimension=4)
    assert fractions[0] > 0.5 and fractions[1] < 0.01
    assert false_nearest_neighbors_dimension(s, delay=10) == 2
    assert select_embedding(s) == (2, mutual_information_delay(s))


def test_fnn_dimension_of_the_lorenz_x_coordinate_is_3():
    x = lorenz_x()
    delay = mutual_information_delay(x)
    assert 6 <= delay <= 14  # about 0.2 time units at dt = 0.02
    fractions = false_nearest_neighbors(x, delay, max_dimension=5)
    assert fractions[1] > 0.02  # the 2-D projection crosses itself
    assert false_nearest_neighbors_dimension(x, delay) == 3
    assert select_embedding(x)[0] == 3


def test_fnn_dimension_of_white_noise_is_large():
    noise = np.random.default_rng(0).normal(size=2000)
    fractions = false_nearest_neighbors(noise, delay=1, max_dimension=6)
    assert (fractions > 0.1).all()
    assert false_nearest_neighbors_dimension(noise, delay=1, max_dimension=6) == 6


def test_fnn_exact_repeats_are_true_neighbours():
    # period 40.5: 81 states, each visited 5 times, and no two with the same value
    s = np.sin(2 * np.pi * np.arange(405) / 40.5)
    fractions = false_nearest_neighbors(s, delay=10, max_dimension=3)
    assert np.isfinite(fractions).all() and (fractions == 0).all()


def test_fnn_max_dimension_is_capped_by_the_length():
    s = sine(n=60)
    # (d + 1)-embeddings keep at least 10 points: d <= (60 - 10) // 10 = 5
    assert len(false_nearest_neighbors(s, delay=10, max_dimension=20)) == 5


# ----------------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------------


def test_series_shorter_than_the_embedding_says_the_minimum():
    with pytest.raises(
        ValueError, match=r"8 samples.*at least \(dimension - 1\) \* delay \+ 1 = 9"
    ):
        takens_embedding(np.arange(8.0), dimension=3, delay=4)


def test_series_shorter_than_the_window():
    with pytest.raises(ValueError, match="5 samples, fewer than the window size=6"):
        sliding_windows(np.arange(5.0), size=6)
    with pytest.raises(ValueError, match="fewer than the window size=6"):
        SlidingWindow(size=6).fit(np.arange(5.0))


def test_short_series_for_mi_and_fnn():
    with pytest.raises(ValueError, match="at least 4"):
        mutual_information_delay([1.0, 2.0, 0.0])
    with pytest.raises(ValueError, match=r"at least delay \+ 10 = 15"):
        false_nearest_neighbors(sine(n=14), delay=5)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_refused(bad):
    s = sine(n=100)
    s[17] = bad
    for call in (
        lambda: takens_embedding(s, 2, 1),
        lambda: sliding_windows(s, 10),
        lambda: mutual_information_delay(s),
        lambda: false_nearest_neighbors_dimension(s, 3),
        lambda: select_embedding(s),
    ):
        with pytest.raises(ValueError, match=r"NaN or infinite values \(time indices \[17\]\)"):
            call()


def test_constant_series_has_no_mutual_information():
    with pytest.raises(ValueError, match="constant: the time-delayed mutual information is"):
        mutual_information_delay(np.ones(100))
    with pytest.raises(ValueError, match="constant"):
        false_nearest_neighbors(np.ones(100), delay=2)
    with pytest.raises(ValueError, match="constant.*pass dimension and delay explicitly"):
        TakensEmbedding(dimension="auto", delay="auto").fit(np.ones((3, 50)))


def test_two_dimensional_input_where_one_dimensional_is_expected():
    series = np.c_[sine(n=200), sine(n=200, period=31.3)]
    for call in (
        lambda: mutual_information_delay(series),
        lambda: false_nearest_neighbors_dimension(series, 3),
        lambda: select_embedding(series),
    ):
        with pytest.raises(ValueError, match=r"expected a 1-D .*shape \(200, 2\).*series\[:, 0\]"):
            call()
    assert takens_embedding(series, 2, 3).shape == (197, 4)  # the embedding takes channels


@pytest.mark.parametrize("value", [0, -2])
def test_non_positive_integers_are_refused(value):
    with pytest.raises(ValueError, match=f"dimension must be a positive integer, got {value}"):
        takens_embedding(np.arange(10.0), value, 1)
    with pytest.raises(ValueError, match="delay must be a positive integer"):
        takens_embedding(np.arange(10.0), 2, value)
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        sliding_windows(np.arange(10.0), 3, value)
    with pytest.raises(ValueError, match="size must be a positive integer"):
        window_bounds(10, value)
    with pytest.raises(ValueError, match="max_delay must be a positive integer"):
        mutual_information_delay(sine(), max_delay=value)
    with pytest.raises(ValueError, match="max_dimension must be a positive integer"):
        false_nearest_neighbors(sine(), 3, max_dimension=value)


@pytest.mark.parametrize("value", [1.5, True, "2"])
def test_non_integers_are_refused(value):
    with pytest.raises(TypeError, match="dimension must be an integer"):
        takens_embedding(np.arange(10.0), value, 1)


def test_other_bad_series():
    with pytest.raises(ValueError, match="empty"):
        takens_embedding([], 1, 1)
    with pytest.raises(ValueError, match="Complex data not supported"):
        takens_embedding(np.arange(5) * 1j, 1, 1)
    with pytest.raises(ValueError, match="expected numbers in the series"):
        sliding_windows(np.array(["a", "b"], dtype=object), 1)
    with pytest.raises(ValueError, match=r"shape \(n_times,\) or \(n_times, n_channels\)"):
        takens_embedding(np.zeros((4, 3, 2)), 1, 1)
    with pytest.raises(ValueError, match="n_bins must be an integer >= 2"):
        mutual_information_delay(sine(), n_bins=1)
    with pytest.raises(ValueError, match="threshold must be a real number > 0"):
        false_nearest_neighbors_dimension(sine(), 3, threshold=0)


# ----------------------------------------------------------------------------------------------
# properties
# ----------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 80),
    dimension=st.integers(1, 6),
    delay=st.integers(1, 12),
    stride=st.integers(1, 7),
    channels=st.integers(0, 2),
)
def test_takens_points_are_delayed_samples(n, dimension, delay, stride, channels):
    rng = np.random.default_rng(n)
    series = rng.normal(size=(n, channels) if channels else n)
    span = (dimension - 1) * delay
    if n < span + 1:
        with pytest.raises(ValueError, match="need at least"):
            takens_embedding(series, dimension, delay, stride)
        return
    points = takens_embedding(series, dimension, delay, stride)
    n_points = (n - span - 1) // stride + 1
    assert points.shape == (n_points, dimension * max(channels, 1))
    # the embedding of the sample indices says which samples every point is made of
    idx = takens_embedding(np.arange(n), dimension, delay, stride).astype(int)
    np.testing.assert_array_equal(idx[:, 0], np.arange(n_points) * stride)
    np.testing.assert_array_equal(np.diff(idx, axis=1), delay)
    columns = series[idx] if not channels else series[idx].transpose(0, 2, 1)
    np.testing.assert_array_equal(points, columns.reshape(n_points, -1))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), size=st.integers(1, 20), stride=st.integers(1, 9))
def test_windows_tile_the_series(n, size, stride):
    series = np.random.default_rng(n).normal(size=n)
    if n < size:
        with pytest.raises(ValueError, match="fewer than the window size"):
            sliding_windows(series, size, stride)
        return
    windows, bounds = sliding_windows(series, size, stride)
    assert len(windows) == len(bounds) == (n - size) // stride + 1
    np.testing.assert_array_equal(bounds[:, 0], stride * np.arange(len(bounds)))
    np.testing.assert_array_equal(bounds[:, 1] - bounds[:, 0], size)
    for w, (start, end) in enumerate(bounds):
        np.testing.assert_array_equal(windows[w], series[start:end])
    assert bounds[-1, 1] <= n < bounds[-1, 1] + stride  # no room for one more window
    np.testing.assert_array_equal(SlidingWindow(size, stride).window_bounds(n), bounds)


# ----------------------------------------------------------------------------------------------
# SlidingWindow
# ----------------------------------------------------------------------------------------------


def test_sliding_window_transformer():
    s = sine(n=50)
    sw = SlidingWindow(size=8, stride=5).fit(s)
    windows, bounds = sliding_windows(s, 8, 5)
    np.testing.assert_array_equal(sw.transform(s), windows)
    np.testing.assert_array_equal(sw.window_bounds_, bounds)
    np.testing.assert_array_equal(sw.window_bounds(50), bounds)
    assert sw.n_features_in_ == 1
    assert list(sw.get_feature_names_out()) == [f"t{i}" for i in range(8)]
    # transform takes any length; fit's bounds stay those of the fitted series
    assert sw.transform(s[:20]).shape == (3, 8)
    assert len(sw.window_bounds_) == len(bounds)
    two = SlidingWindow(size=8, stride=5).fit(np.c_[s, s])
    assert two.n_features_in_ == 2 and two.transform(np.c_[s, s]).shape == (9, 8, 2)
    with pytest.raises(ValueError, match="X has 1 features, but SlidingWindow is expecting 2"):
        two.transform(s)


def test_sliding_window_estimator_contract():
    """The collection contract's checks that apply to a series → collection transformer."""
    s = sine(n=60)
    est = SlidingWindow(size=7, stride=4)
    assert est.get_params() == {"size": 7, "stride": 4}
    with pytest.raises(NotFittedError):
        est.transform(s)
    assert est.fit(s) is est and est.get_params() == {"size": 7, "stride": 4}
    out = est.transform(s)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(SlidingWindow(7, 4).fit_transform(s), out)
    np.testing.assert_array_equal(make_pipeline(SlidingWindow(7, 4)).fit_transform(s), out)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(s), out)
    twin = clone(est)
    with pytest.raises(NotFittedError):
        twin.transform(s)
    with pytest.raises(ValueError, match="empty"):
        SlidingWindow().fit([])
    with pytest.raises(ValueError, match="empty"):
        est.transform([])
    with pytest.raises(ValueError, match="size"):
        SlidingWindow(size=0).fit(s)
    # set_output works where a table can hold the output, and raises where it cannot
    frame = clone(est).set_output(transform="pandas").fit_transform(s)
    assert list(frame.columns) == [f"t{i}" for i in range(7)]
    np.testing.assert_array_equal(frame.to_numpy(), out)
    with pytest.raises(ValueError, match="3-D"):
        SlidingWindow(7, 4).set_output(transform="pandas").fit_transform(np.c_[s, s])
    with pytest.raises(ValueError, match="collection"):
        TakensEmbedding().set_output(transform="pandas")
    with sklearn.config_context(transform_output="pandas"):  # 3-D clouds: arrays regardless
        assert isinstance(TakensEmbedding().fit_transform(out), np.ndarray)


# ----------------------------------------------------------------------------------------------
# TakensEmbedding
# ----------------------------------------------------------------------------------------------


def test_takens_transformer_equals_the_kernel():
    windows, _ = sliding_windows(sine(n=300, noise=0.05), size=60, stride=30)
    te = TakensEmbedding(dimension=3, delay=5, stride=2).fit(windows)
    clouds = te.transform(windows)
    assert clouds.shape == (9, 25, 3) and clouds.dtype == np.float64
    for w, cloud in zip(windows, clouds, strict=True):
        np.testing.assert_array_equal(cloud, takens_embedding(w, 3, 5, 2))
    assert (te.dimension_, te.delay_, te.n_channels_) == (3, 5, 1)
    assert list(te.get_feature_names_out()) == ["lag_0", "lag_5", "lag_10"]
    assert len(check_collection(clouds)) == 9  # a valid collection of point clouds


def test_takens_transformer_auto_selects_dimension_and_delay():
    windows, _ = sliding_windows(sine(n=3000, period=40.7, noise=0.02), size=300, stride=150)
    te = TakensEmbedding(dimension="auto", delay="auto").fit(windows)
    assert te.dimension == "auto" and te.delay == "auto"  # parameters are not rewritten
    assert te.dimension_ in (2, 3)
    assert abs(te.delay_ - 40.7 / 4) <= 2.5
    # one parameter given, the other selected
    assert TakensEmbedding(dimension=4, delay="auto").fit(windows).dimension_ == 4
    te = TakensEmbedding(dimension="auto", delay=10).fit(windows)
    assert te.delay_ == 10 and te.dimension_ in (2, 3)


def test_takens_transformer_collections():
    a, b = sine(n=40), sine(n=50, seed=1)
    te = TakensEmbedding(dimension=2, delay=3).fit([a, b])
    ragged = te.transform([a, b])
    assert isinstance(ragged, list) and [c.shape for c in ragged] == [(37, 2), (47, 2)]
    as_objects = np.empty(2, dtype=object)
    as_objects[:] = [a, b]
    np.testing.assert_array_equal(te.transform(as_objects)[1], ragged[1])
    multi = np.stack([np.c_[a, -a], np.c_[a, a]])
    te = TakensEmbedding(dimension=2, delay=3).fit(multi)
    assert te.transform(multi).shape == (2, 37, 4)
    assert list(te.get_feature_names_out()) == ["c0_lag_0", "c0_lag_3", "c1_lag_0", "c1_lag_3"]
    with pytest.raises(ValueError, match=r"sample 0: the series has 1 channel\(s\), expected 2"):
        te.transform([a])
    with pytest.raises(ValueError, match=r"1-D array, which is one series.*reshape\(1, -1\)"):
        te.transform(a)
    with pytest.raises(ValueError, match="sequence of numbers; for a single series, pass"):
        te.fit(list(a))
    with pytest.raises(ValueError, match=r"sample 1: the series has 4 samples; dimension=2"):
        TakensEmbedding(dimension=2, delay=5).fit([a, a[:4]])
    with pytest.raises(ValueError, match="0 samples"):
        TakensEmbedding().fit([])
    with pytest.raises(ValueError, match=r"sample 1: .*NaN or infinite"):
        TakensEmbedding().fit([a, np.r_[a[:-1], np.nan]])


# ----------------------------------------------------------------------------------------------
# end to end: series -> windows -> clouds -> features
# ----------------------------------------------------------------------------------------------


def test_pipeline_series_to_sheaf_features():
    s = sine(n=400, period=31.7, noise=0.03)
    pipe = make_pipeline(
        SlidingWindow(size=100, stride=50),
        TakensEmbedding(dimension="auto", delay="auto"),
        SheafFeatures(
            sheaves=("constant", "orientation"), n_scales=3, n_spectral_scales=1, n_neighbors=8
        ),
    )
    features = pipe.fit_transform(s)
    assert features.shape == (7, len(pipe[-1].get_feature_names_out()))
    assert np.isfinite(features).all()
    np.testing.assert_array_equal(pipe.transform(s), features)
    assert list(pipe.get_feature_names_out()) == list(pipe[-1].get_feature_names_out())


def test_pipeline_series_to_persistence():
    t = np.arange(300)
    s = np.c_[np.sin(2 * np.pi * t / 30), np.cos(2 * np.pi * t / 30)]
    pipe = make_pipeline(
        SlidingWindow(size=60, stride=30),
        TakensEmbedding(dimension=2, delay=7),
        RipsPersistence(),
        BettiCurve(n_bins=4),
    )
    pipe[-1].set_output(transform="pandas")  # the only step whose output is a table
    table = pipe.fit_transform(s)
    assert table.shape == (9, 8)
    # every window of a circle traced twice: one long H1 bar, seen at mid scales
    diagrams = pipe[:3].transform(s)
    h1 = diagrams[0][diagrams[0][:, 2] == 1]
    assert (h1[:, 1] - h1[:, 0]).max() > 1.0


# ----------------------------------------------------------------------------------------------
# the real-series loader
# ----------------------------------------------------------------------------------------------


def _write_timeeval(folder, values, labels):
    lines = ["timestamp,value,is_anomaly"]
    lines += [f"{i},{v},{int(a)}" for i, (v, a) in enumerate(zip(values, labels, strict=True))]
    folder.write_text("\n".join(lines) + "\n")


def test_loader_reads_timeeval_files(tmp_path):
    from tdasheaf.datasets._series import load_internal_bleeding, load_internal_bleeding_windows

    stem = "135_UCR_Anomaly_InternalBleeding16"
    values = sine(n=40)
    labels = np.zeros(40, dtype=bool)
    labels[25:28] = True
    _write_timeeval(tmp_path / f"{stem}_TEST.csv", values, labels)
    _write_timeeval(tmp_path / f"{stem}_TRAIN.csv", values[:12], labels[:12])
    data = load_internal_bleeding(path=tmp_path)
    np.testing.assert_allclose(data.series, values)
    assert data.train_size == 12 and data.anomaly == (25, 28)
    w = load_internal_bleeding_windows(size=10, stride=5, path=tmp_path)
    # windows [0,10) [5,15) ... [30,40): those holding samples 25..27 start at 20 and 25
    np.testing.assert_array_equal(np.flatnonzero(w.is_anomaly), [4, 5])
    np.testing.assert_array_equal(np.flatnonzero(w.is_train), [0])
    (tmp_path / f"{stem}_TRAIN.csv").write_text("time,value\n0,1\n")
    with pytest.raises(ValueError, match="expected the header"):
        load_internal_bleeding(path=tmp_path)


def test_loader_without_aeon_names_the_package(monkeypatch):
    from tdasheaf.datasets import _series

    real = importlib.util.find_spec
    monkeypatch.setattr(
        _series.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "aeon" else real(name, *a),
    )
    with pytest.raises(ImportError, match="pip install aeon"):
        _series.load_internal_bleeding()


def _aeon_has_the_data() -> bool:
    spec = importlib.util.find_spec("aeon")
    if spec is None or not spec.submodule_search_locations:
        return False
    from pathlib import Path

    root = Path(next(iter(spec.submodule_search_locations)))
    return (root / "datasets/data/KDD-TSAD_135").is_dir()


@pytest.mark.skipif(not _aeon_has_the_data(), reason="aeon (the data's package) not installed")
def test_loader_real_data():
    from tdasheaf.datasets._series import load_internal_bleeding_windows

    data = load_internal_bleeding_windows(size=200, stride=25)
    assert data.series.shape == (7501,) and data.train_size == 1200
    assert data.anomaly == (4187, 4199)
    assert data.windows.shape == (293, 200)
    assert int(data.is_anomaly.sum()) == 8 and int(data.is_train.sum()) == 41


def test_auto_selection_on_a_column_vector_says_what_failed():
    """Issue 15: a sine passed as an (n, 1) column is n one-sample series, not a constant."""
    from tdasheaf import TakensEmbedding

    x = np.sin(np.linspace(0, 20 * np.pi, 500))
    with pytest.raises(ValueError, match="single sample") as info:
        TakensEmbedding(dimension="auto", delay="auto").fit(x[:, None])
    assert "constant" not in str(info.value) and "reshape(1, -1)" in str(info.value)
    with pytest.raises(ValueError, match="each of the 3 series is constant on its own"):
        TakensEmbedding(dimension="auto", delay="auto").fit(np.ones((3, 50)))
    embedding = TakensEmbedding(dimension="auto", delay="auto").fit(x[None, :])
    assert embedding.dimension_ >= 1 and embedding.delay_ >= 1
