"""SheafPersistence(sheaf="signal") depends on the signal (issue 16, item 4).

The signal sheaf's barcode is the constant sheaf's on the signal-consistency filtration
``f'(σ) = max(f(σ), w · diam_y(σ))``. On Rips this is the Rips filtration of the metric
``max(‖x_i − x_j‖, w · ‖y_i − y_j‖)``, so ripser on that distance matrix is an independent
oracle.
"""

from __future__ import annotations

import numpy as np
import pytest
from ripser import ripser
from scipy.spatial.distance import cdist

from tdasheaf import SheafPersistence
from tdasheaf.cohomology import sheaf_persistence
from tdasheaf.complexes import rips_complex
from tdasheaf.sheaves import constant_sheaf, signal_filtration

T = np.linspace(0, 2 * np.pi, 40, endpoint=False)
CIRCLE = np.c_[np.cos(T), np.sin(T)]
SMOOTH = np.cos(T)  # varies slowly along the circle
ROUGH = np.random.default_rng(0).normal(size=40)  # same geometry, an inconsistent signal


def _sorted(b):
    key = np.round(b, 6)  # ripser works in float32: sort on rounded values
    return b[np.lexsort((key[:, 1], key[:, 0]))]


def bars(diagram, q):
    rows = diagram[(diagram[:, 2] == q) & (diagram[:, 0] != diagram[:, 1])]
    return _sorted(rows[:, :2])


def product_metric(X, y, w):
    Y = np.asarray(y, dtype=float).reshape(len(X), -1)
    return np.maximum(cdist(X, X), w * cdist(Y, Y))


def ripser_bars(D, q, threshold, coeff=3):
    b = ripser(D, maxdim=1, distance_matrix=True, thresh=threshold, coeff=coeff)["dgms"][q]
    return _sorted(b[b[:, 0] != b[:, 1]].astype(np.float64))


@pytest.mark.parametrize("field", [3, "R"])  # flag engine / explicit complex + float engine
@pytest.mark.parametrize("weight", [0.5, 2.0])
def test_matches_ripser_on_the_product_metric(weight, field):
    threshold = 1.2
    est = SheafPersistence(
        sheaf="signal", degrees=(0, 1), max_edge_length=threshold, signal_weight=weight,
        field=field,
    )
    (D,) = est.fit_transform([np.c_[CIRCLE, ROUGH]])
    oracle = product_metric(CIRCLE, ROUGH, weight)
    for q in (0, 1):
        np.testing.assert_allclose(bars(D, q), ripser_bars(oracle, q, threshold), atol=1e-6)


def test_equal_geometry_different_signals_give_different_barcodes():
    est = SheafPersistence(sheaf="signal", degrees=(0, 1), max_edge_length=1.0, signal_weight=2.0)
    smooth, rough = est.fit_transform([np.c_[CIRCLE, SMOOTH], np.c_[CIRCLE, ROUGH]])
    assert not np.array_equal(bars(smooth, 0), bars(rough, 0))
    # the smooth signal keeps the circle's loop; the rough one breaks the circle apart
    assert len(bars(smooth, 1)) == 1
    assert np.isinf(bars(rough, 0)[:, 1]).sum() > 1


@pytest.mark.parametrize("params", [{"signal_weight": 1.0}, {"signal_weight": 0.0}])
def test_constant_signal_or_zero_weight_gives_the_constant_sheaf(params):
    signal = np.full(40, 7.0) if params["signal_weight"] else ROUGH
    kw = dict(degrees=(0, 1), max_edge_length=1.0)
    (S,) = SheafPersistence(sheaf="signal", **kw, **params).fit_transform([np.c_[CIRCLE, signal]])
    (C,) = SheafPersistence(sheaf="constant", **kw).fit_transform([CIRCLE])
    for q in (0, 1):
        np.testing.assert_array_equal(bars(S, q), bars(C, q))


def test_m_signal_columns_give_m_copies():
    Y = np.c_[ROUGH, ROUGH]  # ‖Δy‖ = √2 |Δ ROUGH|
    kw = dict(sheaf="signal", degrees=(0, 1), max_edge_length=1.0)
    (two,) = SheafPersistence(**kw, n_signal_features=2).fit_transform([np.c_[CIRCLE, Y]])
    (one,) = SheafPersistence(**kw, signal_weight=np.sqrt(2)).fit_transform([np.c_[CIRCLE, ROUGH]])
    for q in (0, 1):
        np.testing.assert_allclose(bars(two, q), np.repeat(bars(one, q), 2, axis=0))


def test_invariances():
    rng = np.random.default_rng(1)
    Y = np.c_[ROUGH, SMOOTH]
    est = SheafPersistence(sheaf="signal", degrees=(0, 1), max_edge_length=1.0,
                           n_signal_features=2)
    Q, _ = np.linalg.qr(rng.normal(size=(2, 2)))  # rotation/reflection of the plane
    R, _ = np.linalg.qr(rng.normal(size=(2, 2)))  # of the signal space
    perm = rng.permutation(40)
    clouds = [
        np.c_[CIRCLE, Y],
        np.c_[CIRCLE @ Q.T + 3.0, Y],  # rigid motion of the coordinates
        np.c_[CIRCLE, Y @ R.T - 5.0],  # isometry of the signal
        np.c_[CIRCLE, Y][perm],  # order of the points
    ]
    D = est.fit_transform(clouds)
    for other in D[1:]:
        for q in (0, 1):
            np.testing.assert_allclose(bars(other, q), bars(D[0], q), atol=1e-9)
    # not invariant under rescaling the signal alone: that is what signal_weight sets
    (scaled,) = est.fit_transform([np.c_[CIRCLE, 3 * Y]])
    assert not np.array_equal(bars(scaled, 0), bars(D[0], 0))
    (reweighted,) = est.set_params(signal_weight=3.0).fit_transform([np.c_[CIRCLE, Y]])
    np.testing.assert_allclose(bars(reweighted, 0), bars(scaled, 0), atol=1e-12)


def test_deterministic_across_workers():
    clouds = [np.c_[CIRCLE, ROUGH], np.c_[CIRCLE, SMOOTH]]
    kw = dict(sheaf="signal", degrees=(0, 1), max_edge_length=1.0)
    a = SheafPersistence(**kw).fit_transform(clouds)
    b = SheafPersistence(**kw, n_jobs=2).fit_transform(clouds)
    np.testing.assert_array_equal(a, b)


def test_signal_filtration_values_and_engines():
    K = rips_complex(CIRCLE, 1.0, 2)
    L = signal_filtration(K, ROUGH, weight=2.0, max_value=1.0)
    # brute force: every kept simplex has value max over its pairs of the product metric
    M = product_metric(CIRCLE, ROUGH, 2.0)
    for S, f in zip(L.simplices[1:], L.filtrations[1:], strict=True):
        brute = np.max([M[S[:, a], S[:, b]] for a in range(S.shape[1])
                        for b in range(a + 1, S.shape[1])], axis=0)
        np.testing.assert_allclose(f, brute)
        assert (f <= 1.0).all()
    assert L.flag and L.n_simplices[1] < K.n_simplices[1]
    # weight 0 changes nothing
    Z = signal_filtration(K, ROUGH, weight=0.0)
    for a, b in zip(Z.filtrations, K.filtrations, strict=True):
        np.testing.assert_array_equal(a, b)
    # the explicit engine on the refiltered complex agrees with ripser too
    got = sheaf_persistence(constant_sheaf(L), (1,), 3)[1]
    np.testing.assert_allclose(_sorted(got), ripser_bars(M, 1, 1.0), atol=1e-6)
    with pytest.raises(ValueError, match="weight"):
        signal_filtration(K, ROUGH, weight=-1.0)
    with pytest.raises(ValueError, match="rows of y"):
        signal_filtration(K, ROUGH[:10])
