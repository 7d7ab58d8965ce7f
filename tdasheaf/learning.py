"""Learning dynamics: activations of a network's layers, training trajectories, class clouds.

A side module (nothing computational imports it) with small tools to study the geometry of a
network's representations with the rest of the library:

* :func:`mlp_activations` — per-layer activations of a fitted scikit-learn
  :class:`~sklearn.neural_network.MLPClassifier` / :class:`~sklearn.neural_network.MLPRegressor`,
  recomputed from ``coefs_`` / ``intercepts_`` (bit-for-bit the values of scikit-learn's own
  forward pass); :func:`layer_activations` does the same for any list of callables;
* :func:`record_training` — ``partial_fit`` epoch by epoch, recording the flattened
  parameters (:func:`flatten_parameters`), the loss, the training score and, when asked, the
  activations; :func:`project_trajectory` projects the parameter trajectory on its principal
  axes;
* :func:`class_point_clouds` — one point cloud per class and layer;
* :func:`knn_graph_distances` and :func:`knn_graph_betti` — the fixed-scale topology of
  Naitzat, Zhitnikov & Lim (2020): the hop-count metric of the symmetrised k-nearest-neighbour
  graph, its Vietoris–Rips complex (:class:`~tdasheaf.RipsPersistence`) and Betti numbers at
  fixed hop scales, as one scikit-learn transformer over collections of clouds.

Layers are numbered as in scikit-learn: layer 0 is the input, layers ``1 … n_layers_ - 2``
the hidden layers, layer ``n_layers_ - 1`` the output (after ``out_activation_``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from tdasheaf.geometry import kneighbors

__all__ = [
    "TrainingTrajectory",
    "class_point_clouds",
    "flatten_parameters",
    "knn_graph_betti",
    "knn_graph_distances",
    "layer_activations",
    "mlp_activations",
    "project_trajectory",
    "record_training",
]

#: Activation functions of scikit-learn's multilayer perceptrons, as pure functions.
_HIDDEN = ("identity", "logistic", "tanh", "relu")


def _apply_activation(name: str, Z: np.ndarray) -> np.ndarray:
    """The activation ``name`` applied in place, with scikit-learn's exact operations."""
    if name == "identity":
        return Z
    if name == "logistic":
        from scipy.special import expit

        return expit(Z, out=Z)
    if name == "tanh":
        return np.tanh(Z, out=Z)
    if name == "relu":
        return np.maximum(Z, 0, out=Z)
    if name == "softmax":
        tmp = Z - Z.max(axis=1)[:, np.newaxis]
        np.exp(tmp, out=Z)
        Z /= Z.sum(axis=1)[:, np.newaxis]
        return Z
    raise ValueError(
        f"unknown activation {name!r}; supported: {', '.join(_HIDDEN)} (and 'softmax' for "
        "the output layer)."
    )


def _check_mlp(model) -> None:
    from sklearn.utils.validation import check_is_fitted

    if not hasattr(model, "activation") or not hasattr(model, "hidden_layer_sizes"):
        raise TypeError(
            "expected a scikit-learn MLPClassifier or MLPRegressor, got "
            f"{type(model).__name__}; for other networks use layer_activations."
        )
    check_is_fitted(model, ["coefs_", "intercepts_"])
    if model.activation not in _HIDDEN:
        raise ValueError(f"unsupported hidden activation {model.activation!r}.")


def _select_layers(layers, n_layers: int) -> list[int]:
    if layers is None:
        return list(range(n_layers))
    if isinstance(layers, (int, np.integer)):
        layers = [layers]
    out = []
    for ell in layers:
        if isinstance(ell, bool) or not isinstance(ell, (int, np.integer)):
            raise TypeError(f"layers must be integers, got {ell!r}.")
        if not -n_layers <= ell < n_layers:
            raise ValueError(
                f"layer {ell} out of range: the network has {n_layers} layers (0 = input, "
                f"{n_layers - 1} = output); negative indices count from the output."
            )
        out.append(int(ell) % n_layers)
    return out


def mlp_activations(model, X, layers: int | Sequence[int] | None = None) -> list[np.ndarray]:
    """Activations of every layer of a fitted scikit-learn multilayer perceptron.

    Recomputes the forward pass from ``model.coefs_`` and ``model.intercepts_`` with the
    model's hidden ``activation`` (``identity``, ``logistic``, ``tanh`` or ``relu``) and its
    ``out_activation_`` on the output layer, with the same floating-point operations as
    scikit-learn, so the output layer equals ``model.predict_proba`` (binary classifiers:
    its second column) to the last bit.

    Parameters
    ----------
    model : MLPClassifier or MLPRegressor
        A fitted network.
    X : array-like of shape (n_samples, n_features)
        Inputs.
    layers : int or sequence of int, optional
        Layers to return (0 = input, ``model.n_layers_ - 1`` = output; negative indices
        count from the output); default all, in order.

    Returns
    -------
    list of ndarray
        ``activations[i]`` of shape ``(n_samples, width of layer layers[i])``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    ValueError
        If ``X`` has the wrong number of features or a layer index is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2)); y = (X[:, 0] * X[:, 1] > 0).astype(int)
    >>> clf = MLPClassifier((5, 4), activation="tanh", max_iter=50, random_state=0)
    >>> import warnings; warnings.simplefilter("ignore")  # ConvergenceWarning: few epochs
    >>> clf = clf.fit(X, y)
    >>> [a.shape for a in mlp_activations(clf, X)]
    [(40, 2), (40, 5), (40, 4), (40, 1)]
    >>> bool(np.array_equal(mlp_activations(clf, X, -1)[0][:, 0], clf.predict_proba(X)[:, 1]))
    True
    """
    from sklearn.utils import check_array

    _check_mlp(model)
    X = check_array(X, dtype=np.float64, copy=True)
    n_in = model.coefs_[0].shape[0]
    if X.shape[1] != n_in:
        raise ValueError(
            f"X has {X.shape[1]} features, but the network was fitted on {n_in} features."
        )
    n_layers = len(model.coefs_) + 1
    wanted = _select_layers(layers, n_layers)
    last = max(wanted)
    acts = [X]
    for i in range(last):
        Z = acts[i] @ model.coefs_[i]
        Z += model.intercepts_[i]
        name = model.activation if i + 1 != n_layers - 1 else model.out_activation_
        acts.append(_apply_activation(name, Z))
    return [acts[i] for i in wanted]


def layer_activations(layers: Sequence[Callable[[np.ndarray], Any]], X) -> list[np.ndarray]:
    """Activations of a network given as a list of layer functions.

    Parameters
    ----------
    layers : sequence of callables
        ``layers[i]`` maps the activations of layer ``i`` to those of layer ``i + 1`` (for
        example ``lambda a: np.maximum(a @ W + b, 0)``, or a PyTorch module wrapped to take
        and return arrays).
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    list of ndarray
        ``[X, layers[0](X), layers[1](layers[0](X)), ...]``, each 2-D (a layer that returns
        a 1-D array of length ``n_samples`` gives a single column).

    Examples
    --------
    >>> acts = layer_activations([lambda a: 2 * a, lambda a: a.sum(axis=1)], [[1.0, 2.0]])
    >>> [a.tolist() for a in acts]
    [[[1.0, 2.0]], [[2.0, 4.0]], [[6.0]]]
    """
    A = np.asarray(X, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {A.shape}.")
    acts = [A]
    for i, f in enumerate(layers):
        if not callable(f):
            raise TypeError(f"layers[{i}] is not callable: {f!r}.")
        out = np.asarray(f(acts[-1]), dtype=np.float64)
        if out.ndim == 1:
            out = out[:, np.newaxis]
        if out.ndim != 2 or out.shape[0] != A.shape[0]:
            raise ValueError(
                f"layers[{i}] returned shape {out.shape}; expected ({A.shape[0]}, width)."
            )
        acts.append(out)
    return acts


def flatten_parameters(model) -> np.ndarray:
    """All weights and biases of a fitted perceptron as one vector.

    Order: ``coefs_[0].ravel(), intercepts_[0], coefs_[1].ravel(), intercepts_[1], ...``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(coefs_=[np.ones((2, 1))], intercepts_=[np.array([5.0])])
    >>> flatten_parameters(m)
    array([1., 1., 5.])
    """
    if not hasattr(model, "coefs_") or not hasattr(model, "intercepts_"):
        raise TypeError(
            f"expected a fitted MLPClassifier/MLPRegressor (coefs_, intercepts_), got "
            f"{type(model).__name__}."
        )
    parts = []
    for W, b in zip(model.coefs_, model.intercepts_, strict=True):
        parts += [np.asarray(W, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64)]
    return np.concatenate(parts)


@dataclass(frozen=True)
class TrainingTrajectory:
    """Result of :func:`record_training`: one row per recorded epoch.

    Attributes
    ----------
    epochs : ndarray of shape (n_records,)
        Epoch numbers (1 = after the first ``partial_fit`` pass).
    parameters : ndarray of shape (n_records, n_parameters)
        :func:`flatten_parameters` after each recorded epoch.
    loss : ndarray of shape (n_records,)
        ``model.loss_`` (mean training loss over the epoch's mini-batches).
    score : ndarray of shape (n_records,)
        ``model.score(X, y)`` after the epoch (accuracy, or R² for regressors).
    activations : dict of int to list of ndarray
        Epoch → :func:`mlp_activations` of the probe inputs, for the epochs asked for.
    """

    epochs: np.ndarray
    parameters: np.ndarray
    loss: np.ndarray
    score: np.ndarray
    activations: dict[int, list[np.ndarray]] = field(default_factory=dict)


def record_training(
    model,
    X,
    y,
    n_epochs: int,
    *,
    classes=None,
    record_every: int = 1,
    activation_epochs: Iterable[int] = (),
    X_probe=None,
    layers: int | Sequence[int] | None = None,
    callback: Callable[[int, Any], Any] | None = None,
) -> TrainingTrajectory:
    """Train with ``partial_fit`` one epoch at a time and record the trajectory.

    Parameters
    ----------
    model : MLPClassifier or MLPRegressor
        With ``solver="adam"`` or ``"sgd"`` (``partial_fit``); fitted or not. Training is
        deterministic given ``model.random_state`` (an int).
    X, y : array-like
        Training data, passed whole to every ``partial_fit`` call (one epoch).
    n_epochs : int
        Maximum number of epochs.
    classes : array-like, optional
        All class labels (classifiers; default ``np.unique(y)``).
    record_every : int, default=1
        Record the parameters after every ``record_every``-th epoch; the last epoch run is
        always recorded.
    activation_epochs : iterable of int, default=()
        Epochs after which the activations of ``X_probe`` are recorded.
    X_probe : array-like, optional
        Inputs whose activations are recorded (default ``X``).
    layers : int or sequence of int, optional
        Layers recorded (see :func:`mlp_activations`); default all.
    callback : callable, optional
        ``callback(epoch, model)`` after every epoch; a true return value stops training
        (that epoch is recorded), e.g. ``lambda e, m: m.score(X, y) == 1.0``.

    Returns
    -------
    TrainingTrajectory

    Examples
    --------
    >>> import warnings; warnings.simplefilter("ignore")
    >>> from sklearn.neural_network import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2)); y = (X[:, 0] > 0).astype(int)
    >>> clf = MLPClassifier((4,), random_state=0, learning_rate_init=0.05)
    >>> tr = record_training(clf, X, y, 200, activation_epochs=[1],
    ...                      callback=lambda e, m: m.score(X, y) == 1.0)
    >>> tr.parameters.shape[1] == 2 * 4 + 4 + 4 * 1 + 1
    True
    >>> bool(np.array_equal(tr.parameters[-1], flatten_parameters(clf)))
    True
    >>> float(tr.score[-1]), len(tr.epochs) < 200, [a.shape for a in tr.activations[1]]
    (1.0, True, [(60, 2), (60, 4), (60, 1)])
    """
    if not hasattr(model, "partial_fit"):
        raise TypeError(
            f"{type(model).__name__} has no partial_fit (an MLP needs solver='adam' or "
            "'sgd'); record_training trains one epoch per partial_fit call."
        )
    if isinstance(n_epochs, bool) or int(n_epochs) != n_epochs or n_epochs < 1:
        raise ValueError(f"n_epochs must be a positive integer, got {n_epochs!r}.")
    if isinstance(record_every, bool) or int(record_every) != record_every or record_every < 1:
        raise ValueError(f"record_every must be a positive integer, got {record_every!r}.")
    from sklearn.base import is_classifier

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    probe = X if X_probe is None else np.asarray(X_probe, dtype=np.float64)
    wanted = {int(e) for e in activation_epochs}
    fit_kwargs = {}
    if is_classifier(model):
        fit_kwargs["classes"] = np.unique(y) if classes is None else np.asarray(classes)
    epochs, params, losses, scores, acts = [], [], [], [], {}
    for epoch in range(1, int(n_epochs) + 1):
        model.partial_fit(X, y, **fit_kwargs)
        stop = bool(callback(epoch, model)) if callback is not None else False
        if epoch % record_every == 0 or epoch == n_epochs or stop:
            epochs.append(epoch)
            params.append(flatten_parameters(model))
            losses.append(float(model.loss_))
            scores.append(float(model.score(X, y)))
        if epoch in wanted:
            acts[epoch] = mlp_activations(model, probe, layers)
        if stop:
            break
    return TrainingTrajectory(
        np.asarray(epochs), np.vstack(params), np.asarray(losses), np.asarray(scores), acts
    )


def project_trajectory(
    W, n_components: int = 2, *, return_explained_variance: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Coordinates of a trajectory on its principal axes (PCA of the recorded rows).

    Rows are centred and projected on the top right singular vectors; each axis' sign is
    fixed so that its largest loading is positive (deterministic output).

    Parameters
    ----------
    W : array-like of shape (n_records, n_parameters)
        E.g. :attr:`TrainingTrajectory.parameters`.
    n_components : int, default=2
        At most ``min(n_records, n_parameters)``.
    return_explained_variance : bool, default=False
        Also return the explained-variance ratio of each axis.

    Returns
    -------
    Y : ndarray of shape (n_records, n_components)
    ratio : ndarray of shape (n_components,)
        Only with ``return_explained_variance=True``.

    Examples
    --------
    >>> t = np.linspace(0, 1, 5)
    >>> W = np.c_[t, 2 * t, np.zeros(5)]          # a straight line in R^3
    >>> Y, r = project_trajectory(W, 2, return_explained_variance=True)
    >>> np.round(Y[:, 0], 3).tolist(), np.round(r, 6).tolist()
    ([-1.118, -0.559, 0.0, 0.559, 1.118], [1.0, 0.0])
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or not np.isfinite(W).all():
        raise ValueError(f"W must be a finite 2-D array (n_records, n_parameters), got {W.shape}.")
    k_max = min(W.shape)
    if isinstance(n_components, bool) or not 1 <= int(n_components) <= k_max:
        raise ValueError(
            f"n_components must be between 1 and min(n_records, n_parameters) = {k_max}, "
            f"got {n_components!r}."
        )
    k = int(n_components)
    Wc = W - W.mean(axis=0)
    _, s, Vt = np.linalg.svd(Wc, full_matrices=False)
    Vt = Vt[:k]
    signs = np.sign(Vt[np.arange(k), np.argmax(np.abs(Vt), axis=1)])
    Vt = Vt * np.where(signs == 0, 1.0, signs)[:, np.newaxis]
    Y = Wc @ Vt.T
    if not return_explained_variance:
        return Y
    total = float((s**2).sum())
    ratio = (s[:k] ** 2) / total if total > 0 else np.zeros(k)
    return Y, ratio


def class_point_clouds(activations: Sequence, y) -> dict[Any, list[np.ndarray]]:
    """Split per-layer activations into one point cloud per class and layer.

    Parameters
    ----------
    activations : sequence of array-like, each of shape (n_samples, width)
        E.g. :func:`mlp_activations`.
    y : array-like of shape (n_samples,)
        Labels.

    Returns
    -------
    dict
        Class label (sorted) → list of clouds, ``clouds[i] = activations[i][y == label]``.

    Examples
    --------
    >>> acts = [np.arange(6.0).reshape(3, 2), np.arange(3.0).reshape(3, 1)]
    >>> clouds = class_point_clouds(acts, [0, 1, 0])
    >>> clouds[0][0].tolist(), clouds[1][1].tolist()
    ([[0.0, 1.0], [4.0, 5.0]], [[1.0]])
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    acts = [np.asarray(a) for a in activations]
    for i, a in enumerate(acts):
        if a.ndim != 2 or a.shape[0] != y.shape[0]:
            raise ValueError(
                f"activations[{i}] has shape {a.shape}; expected ({y.shape[0]}, width) to match y."
            )
    return {label: [a[y == label] for a in acts] for label in np.unique(y).tolist()}


# ------------------------------------------------------------------------------------------
# Fixed-scale topology of Naitzat, Zhitnikov & Lim: k-NN graph, hop metric, Rips, Betti numbers


def knn_graph_distances(X, n_neighbors: int = 12, *, unreachable: float | None = None):
    """Hop-count distances of the symmetrised k-nearest-neighbour graph of a cloud.

    ``i`` and ``j`` are adjacent when one is among the other's ``n_neighbors`` nearest
    neighbours (:func:`tdasheaf.geometry.kneighbors`: the point itself excluded, its duplicates
    counted, ties to the smaller row); the distance is the number
    of edges of a shortest path. This is the metric of Naitzat, Zhitnikov & Lim (2020): its
    Vietoris–Rips complex at scale 1 is the clique complex of the k-NN graph, and it is
    invariant under any map that keeps nearest-neighbour orders, so the same scale means the
    same thing in every layer of a network, however the layer stretches space.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
    n_neighbors : int, default=12
        At most ``n_points - 1``.
    unreachable : float, optional
        Distance given to pairs in different components (default ``n_points``, larger than
        any hop count).

    Returns
    -------
    ndarray of shape (n_points, n_points)
        Symmetric, zero diagonal, integer-valued float64.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    >>> knn_graph_distances(X, 1)
    array([[0., 1., 2., 5., 5.],
           [1., 0., 1., 5., 5.],
           [2., 1., 0., 5., 5.],
           [5., 5., 5., 0., 1.],
           [5., 5., 5., 1., 0.]])
    """
    from scipy import sparse
    from scipy.sparse.csgraph import shortest_path

    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError(f"X must be a finite 2-D array (n_points, n_features), got {X.shape}.")
    n = X.shape[0]
    if (
        isinstance(n_neighbors, bool)
        or int(n_neighbors) != n_neighbors
        or not (1 <= n_neighbors <= n - 1)
    ):
        raise ValueError(
            f"n_neighbors must be an integer between 1 and n_points - 1 = {n - 1}, "
            f"got {n_neighbors!r}."
        )
    k = int(n_neighbors)
    _, nbrs = kneighbors(X, k)
    rows = np.repeat(np.arange(n), k)
    A = sparse.coo_matrix((np.ones(n * k), (rows, nbrs.ravel())), shape=(n, n)).tocsr()
    A = ((A + A.T) > 0).astype(np.float64)
    D = shortest_path(A, directed=False, unweighted=True)
    D[~np.isfinite(D)] = float(n if unreachable is None else unreachable)
    return D


def _knn_graph_collection(X, n_neighbors: int = 12) -> list[np.ndarray]:
    return [knn_graph_distances(c, min(int(n_neighbors), len(c) - 1)) for c in X]


class _BettiAtScales(TransformerMixin, BaseEstimator):
    """Betti numbers of a collection of diagrams at fixed filtration values (nothing learned).

    Unlike :class:`~tdasheaf.BettiCurve`, whose grid is fitted on the training diagrams, the
    grid is a parameter, so the features of one cloud never depend on the others. With
    ``persistent=True`` also the persistent Betti numbers of consecutive scales ``a < b``: the
    bars with ``birth ≤ a`` and ``death > b``, i.e. the rank of ``H_q(K_a) → H_q(K_b)``.
    """

    def __init__(self, scales=(1.0,), degrees=(0, 1), persistent=False):
        self.scales = scales
        self.degrees = degrees
        self.persistent = persistent

    def fit(self, X, y=None):
        self.scales_ = np.sort(np.asarray(self.scales, dtype=np.float64).reshape(-1))
        self.degrees_ = tuple(int(q) for q in self.degrees)
        return self

    def _row(self, D) -> np.ndarray:
        from tdasheaf.representations import bars_of_degree, betti_curve

        out = []
        for q in self.degrees_:
            bars = bars_of_degree(D, q)
            out.append(betti_curve(bars, self.scales_))
            if self.persistent:
                a, b = self.scales_[:-1], self.scales_[1:]
                alive = (bars[:, 0][:, None] <= a) & (bars[:, 1][:, None] > b)
                out.append(alive.sum(axis=0).astype(np.float64))
        return np.concatenate(out)

    def transform(self, X) -> np.ndarray:
        rows = [self._row(D) for D in X]
        return np.vstack(rows) if rows else np.zeros((0, len(self.get_feature_names_out())))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = []
        for q in self.degrees_:
            names += [f"knn_H{q}_betti_hop{t:g}" for t in self.scales_]
            if self.persistent:
                names += [
                    f"knn_H{q}_betti_hop{a:g}to{b:g}"
                    for a, b in zip(self.scales_[:-1], self.scales_[1:], strict=True)
                ]
        return np.array(names, dtype=object)


def _passthrough_names(transformer, input_features=None) -> np.ndarray:
    return np.array(["distance"], dtype=object)


def knn_graph_betti(
    n_neighbors: int = 12,
    scales: Sequence[float] = (1.0,),
    homology_dimensions: Sequence[int] = (0, 1),
    *,
    persistent: bool = False,
):
    """A transformer: clouds → Betti numbers of the k-NN graph's Rips complex at fixed scales.

    The pipeline ``knn_graph`` (:func:`knn_graph_distances` of every cloud) →
    ``rips`` (:class:`~tdasheaf.RipsPersistence` on the distance matrices, up to the largest
    scale) → ``betti`` (the number of bars ``[b, d)`` with ``b ≤ t < d`` at each scale, and
    with ``persistent=True`` the persistent Betti numbers of consecutive scales ``s < t``: the
    bars with ``b ≤ s`` and ``d > t``, the rank of ``H_q(K_s) → H_q(K_t)``, which drops the
    holes of the scale-``s`` complex that are filled at scale ``t``).
    Every step is sample-wise and nothing is learned from the data, so the features of a
    cloud do not depend on the rest of the collection (safe for chunked batch extraction).

    Parameters
    ----------
    n_neighbors : int, default=12
        Neighbours in the k-NN graph (capped at ``n_points - 1`` per cloud).
    scales : sequence of float, default=(1.0,)
        Hop scales; 1 is the clique complex of the k-NN graph.
    homology_dimensions : sequence of int, default=(0, 1)
    persistent : bool, default=False
        Add the persistent Betti numbers of consecutive scales.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Output columns ``knn_H{q}_betti_hop{t}`` (and ``knn_H{q}_betti_hop{s}to{t}``), by
        degree.

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    >>> circle = np.c_[np.cos(t), np.sin(t)]
    >>> two = np.vstack([circle, circle + 5])
    >>> tf = knn_graph_betti(n_neighbors=4, scales=(1, 2))
    >>> tf.fit_transform([circle, two])
    array([[1., 1., 1., 1.],
           [2., 2., 2., 2.]])
    >>> list(tf.get_feature_names_out())
    ['knn_H0_betti_hop1', 'knn_H0_betti_hop2', 'knn_H1_betti_hop1', 'knn_H1_betti_hop2']

    A hole of the hop-1 complex that is filled at hop 2 is not counted as persistent:

    >>> square = np.array([[0.0, 0], [1, 0], [1, 1], [0, 1]])
    >>> knn_graph_betti(2, (1, 2), (1,), persistent=True).fit_transform([square])
    array([[1., 0., 0.]])
    """
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from tdasheaf.estimators import RipsPersistence

    scales = tuple(float(t) for t in scales)
    if not scales or min(scales) <= 0 or not np.isfinite(scales).all():
        raise ValueError(f"scales must be positive and finite, got {scales!r}.")
    degrees = tuple(sorted(int(q) for q in homology_dimensions))
    return Pipeline(
        [
            (
                "knn_graph",
                FunctionTransformer(
                    _knn_graph_collection,
                    kw_args={"n_neighbors": int(n_neighbors)},
                    feature_names_out=_passthrough_names,
                ),
            ),
            (
                "rips",
                RipsPersistence(
                    homology_dimensions=degrees, max_edge_length=max(scales), metric="precomputed"
                ),
            ),
            ("betti", _BettiAtScales(scales=scales, degrees=degrees, persistent=persistent)),
        ]
    )
