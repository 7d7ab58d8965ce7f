"""tdasheaf.learning: activations equal scikit-learn's forward pass, trajectories, projections,
class clouds, and the k-NN-graph Betti numbers of Naitzat et al."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor

from tdasheaf.learning import (
    TrainingTrajectory,
    class_point_clouds,
    flatten_parameters,
    knn_graph_betti,
    knn_graph_distances,
    layer_activations,
    mlp_activations,
    project_trajectory,
    record_training,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] ** 2 + X[:, 1] > 0.5).astype(int)
    return X, y


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_classifier_activations_equal_sklearn_forward_pass(data, activation):
    X, y = data
    clf = _fit(MLPClassifier((6, 5, 4), activation=activation, max_iter=30, random_state=0), X, y)
    acts = mlp_activations(clf, X)
    assert [a.shape for a in acts] == [(80, 3), (80, 6), (80, 5), (80, 4), (80, 1)]
    # scikit-learn's own forward pass (private, the oracle)
    ref = [X] + [None] * (clf.n_layers_ - 1)
    ref = clf._forward_pass(ref)
    for ours, theirs in zip(acts, ref, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(acts[-1][:, 0], clf.predict_proba(X)[:, 1], rtol=0, atol=1e-12)


def test_multiclass_softmax_output_equals_predict_proba(data):
    X, _ = data
    y = np.digitize(X[:, 0], [-0.5, 0.5])  # three classes
    clf = _fit(MLPClassifier((7,), activation="relu", max_iter=30, random_state=1), X, y)
    out = mlp_activations(clf, X, layers=-1)[0]
    assert clf.out_activation_ == "softmax"
    np.testing.assert_allclose(out, clf.predict_proba(X), rtol=0, atol=1e-12)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_regressor_activations_equal_predict(data, activation):
    X, _ = data
    target = np.c_[X.sum(axis=1), X[:, 0] * X[:, 2]]
    reg = _fit(
        MLPRegressor(hidden_layer_sizes=(5, 5), activation=activation, max_iter=30, random_state=0),
        X,
        target,
    )
    acts = mlp_activations(reg, X)
    np.testing.assert_allclose(acts[-1], reg.predict(X), rtol=0, atol=1e-12)


def test_layer_selection_and_errors(data):
    X, y = data
    clf = _fit(MLPClassifier((6, 4), max_iter=20, random_state=0), X, y)
    full = mlp_activations(clf, X)
    picked = mlp_activations(clf, X, layers=[2, 0, -3])
    np.testing.assert_array_equal(picked[0], full[2])
    np.testing.assert_array_equal(picked[1], X)
    np.testing.assert_array_equal(picked[2], full[1])
    with pytest.raises(ValueError, match="out of range"):
        mlp_activations(clf, X, layers=[4])
    with pytest.raises(ValueError, match="features"):
        mlp_activations(clf, X[:, :2])
    with pytest.raises(NotFittedError):
        mlp_activations(MLPClassifier(), X)
    with pytest.raises(TypeError, match="layer_activations"):
        mlp_activations(object(), X)


def test_layer_activations_of_callables_match_mlp(data):
    X, y = data
    clf = _fit(MLPClassifier((6, 4), activation="tanh", max_iter=20, random_state=0), X, y)
    W, b = clf.coefs_, clf.intercepts_
    layers = [
        lambda a: np.tanh(a @ W[0] + b[0]),
        lambda a: np.tanh(a @ W[1] + b[1]),
        lambda a: 1 / (1 + np.exp(-(a @ W[2] + b[2]))),
    ]
    for ours, theirs in zip(layer_activations(layers, X), mlp_activations(clf, X), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    with pytest.raises(TypeError, match="not callable"):
        layer_activations([1], X)
    with pytest.raises(ValueError, match="returned shape"):
        layer_activations([lambda a: a[:3]], X)


def test_record_training_parameters_equal_coefs_after_each_partial_fit(data):
    X, y = data
    model = MLPClassifier((5, 3), random_state=0, learning_rate_init=0.02)
    twin = clone(model)
    seen = []

    def snapshot(epoch, m):
        seen.append([w.copy() for w in m.coefs_] + [b.copy() for b in m.intercepts_])

    tr = record_training(model, X, y, 6, activation_epochs=[2, 6], callback=snapshot)
    assert isinstance(tr, TrainingTrajectory)
    n_params = 3 * 5 + 5 + 5 * 3 + 3 + 3 * 1 + 1
    assert tr.parameters.shape == (6, n_params)
    np.testing.assert_array_equal(tr.epochs, np.arange(1, 7))
    for row, arrays in zip(tr.parameters, seen, strict=True):
        coefs, intercepts = arrays[:3], arrays[3:]
        expected = np.concatenate(
            [p.ravel() for pair in zip(coefs, intercepts, strict=True) for p in pair]
        )
        np.testing.assert_array_equal(row, expected)
    # the same epochs run by hand give the same parameters (deterministic, one pass per epoch)
    for _ in range(6):
        twin.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(tr.parameters[-1], flatten_parameters(twin))
    assert sorted(tr.activations) == [2, 6]
    assert [a.shape[1] for a in tr.activations[6]] == [3, 5, 3, 1]
    np.testing.assert_allclose(tr.activations[6][-1][:, 0], twin.predict_proba(X)[:, 1], atol=0)
    assert tr.loss.shape == tr.score.shape == (6,)
    assert np.all((tr.score >= 0) & (tr.score <= 1))


def test_record_training_every_and_early_stop(data):
    X, y = data
    model = MLPClassifier((4,), random_state=0)
    tr = record_training(model, X, y, 10, record_every=4)
    np.testing.assert_array_equal(tr.epochs, [4, 8, 10])  # the last epoch is always kept
    model = MLPClassifier((4,), random_state=0)
    tr = record_training(model, X, y, 10, record_every=4, callback=lambda e, m: e == 3)
    np.testing.assert_array_equal(tr.epochs, [3])
    reg = MLPRegressor(hidden_layer_sizes=(4,), random_state=0)
    tr = record_training(reg, X, X[:, 0], 3)
    assert tr.parameters.shape == (3, 3 * 4 + 4 + 4 + 1)
    with pytest.raises(TypeError, match="partial_fit"):
        record_training(MLPClassifier(solver="lbfgs"), X, y, 2)
    with pytest.raises(ValueError, match="n_epochs"):
        record_training(MLPClassifier(), X, y, 0)


def test_project_trajectory_known_answers():
    rng = np.random.default_rng(0)
    # points on a plane spanned by two orthonormal directions in R^6
    Q, _ = np.linalg.qr(rng.normal(size=(6, 2)))
    coords = np.c_[np.linspace(-3, 3, 20), 0.5 * np.sin(np.linspace(0, 6, 20))]
    W = coords @ Q.T + 7.0
    Y, ratio = project_trajectory(W, 3, return_explained_variance=True)
    assert Y.shape == (20, 3)
    np.testing.assert_allclose(ratio.sum(), 1.0)
    np.testing.assert_allclose(Y[:, 2], 0.0, atol=1e-10)
    # distances within the plane are preserved
    d_ours = np.linalg.norm(Y[:, None] - Y[None], axis=2)
    d_true = np.linalg.norm(coords[:, None] - coords[None], axis=2)
    np.testing.assert_allclose(d_ours, d_true, atol=1e-10)
    # the first axis is the direction of largest variance; signs are deterministic
    assert np.ptp(Y[:, 0]) > np.ptp(Y[:, 1])
    np.testing.assert_array_equal(project_trajectory(W, 2), project_trajectory(W.copy(), 2))
    with pytest.raises(ValueError, match="n_components"):
        project_trajectory(W, 7)


def test_class_point_clouds():
    acts = [np.arange(10.0).reshape(5, 2), np.arange(5.0).reshape(5, 1)]
    clouds = class_point_clouds(acts, ["b", "a", "b", "a", "a"])
    assert list(clouds) == ["a", "b"]
    np.testing.assert_array_equal(clouds["a"][1].ravel(), [1.0, 3.0, 4.0])
    np.testing.assert_array_equal(clouds["b"][0], [[0.0, 1.0], [4.0, 5.0]])
    with pytest.raises(ValueError, match="match y"):
        class_point_clouds(acts, [0, 1])


def test_knn_graph_distances_hop_counts():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    D = knn_graph_distances(X, 1)
    np.testing.assert_array_equal(D[0], [0, 1, 2, 3])
    assert np.array_equal(D, D.T)
    # duplicates: the point itself is excluded even when a twin comes first
    D2 = knn_graph_distances(np.array([[0.0], [0.0], [5.0]]), 1)
    assert D2[0, 1] == 1 and min(D2[2, 0], D2[2, 1]) == 1  # 2's nearest is 0 or 1
    with pytest.raises(ValueError, match="n_neighbors"):
        knn_graph_distances(X, 4)


def test_knn_graph_betti_on_known_shapes():
    t = np.linspace(0, 2 * np.pi, 80, endpoint=False)
    circle = np.c_[np.cos(t), np.sin(t)]
    rng = np.random.default_rng(0)
    u = rng.normal(size=(300, 3))
    sphere = u / np.linalg.norm(u, axis=1, keepdims=True)
    three = np.vstack([circle, circle + 4, circle - 4])
    tf = knn_graph_betti(n_neighbors=8, scales=(1,), homology_dimensions=(0, 1, 2))
    B = tf.fit_transform([circle, three])
    np.testing.assert_array_equal(B, [[1, 1, 0], [3, 3, 0]])
    # the clique complex of a k-NN graph closes a sampled sphere only for k large enough
    # (300 points: k = 15 leaves 5 holes, k = 20 gives (1, 0, 0), k = 25 the sphere)
    Bs = tf.set_params(knn_graph__kw_args={"n_neighbors": 25}).fit_transform([sphere])
    np.testing.assert_array_equal(Bs, [[1, 0, 1]])
    assert list(tf.get_feature_names_out()) == [
        "knn_H0_betti_hop1",
        "knn_H1_betti_hop1",
        "knn_H2_betti_hop1",
    ]
    # sample-wise: a cloud's row does not depend on the rest of the collection
    np.testing.assert_array_equal(clone(tf).fit_transform([sphere, circle])[:1], Bs)
    pickle.loads(pickle.dumps(tf))
    with pytest.raises(ValueError, match="scales"):
        knn_graph_betti(scales=(0,))
