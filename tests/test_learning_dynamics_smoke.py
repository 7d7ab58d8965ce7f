"""Smoke test of pipelines/learning_dynamics.py: the --quick configuration runs, writes its
tables and figures, prints the decay table, and two runs give identical tables."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from tdasheaf_pipelines import learning_dynamics as ld

TABLES = (
    "training.csv",
    "trajectories.csv",
    "betti_decay.csv",
    "betti_decay_runs.csv",
    "betti_epochs.csv",
)


def _features(folder):
    path = folder / "features.parquet"
    return pd.read_parquet(path) if path.exists() else pd.read_csv(folder / "features.csv")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("learning")
    start = time.perf_counter()
    codes = [
        ld.main(["--quick", "-o", str(base / "a")]),
        ld.main(["--quick", "-o", str(base / "b"), "--no-figures"]),
    ]
    return base, codes, time.perf_counter() - start


def test_quick_run_writes_tables_and_figures(two_runs):
    base, codes, elapsed = two_runs
    assert codes == [0, 0]
    assert elapsed < 2 * 40  # each --quick run well under 40 s, even on a loaded machine
    a = base / "a"
    for name in TABLES:
        assert (a / name).exists(), name
    for name in (
        "learning_data.png",
        "learning_betti_layers.png",
        "learning_betti_epochs.png",
        "learning_sheaf_layers.png",
        "learning_trajectory.png",
    ):
        assert (a / name).stat().st_size > 10_000, name
    features = _features(a)
    assert {
        "knn_H0_betti_hop1",
        "knn_H1_betti_hop1to2",
        "local_dim",
        "orientation_H0_betti_t00",
        "tangent_L0_t00_ev0",
    } <= set(features.columns)
    # input clouds have their true Betti numbers (k-NN graph, hop 1 and persistent 1 -> 2)
    inputs = features[features["layer"] == 0]
    for row in inputs.itertuples():
        want = ld.true_betti(row.dataset, ld.QUICK["n_components"][row.dataset])[row.label]
        got = (row.knn_H0_betti_hop1to2, row.knn_H1_betti_hop1to2)
        assert got == want[:2], (row.id, got, want)
    # every layer of every run and class, the output layer included
    training = pd.read_csv(a / "training.csv")
    finals = features.merge(training, on=["dataset", "activation", "seed"])
    finals = finals[finals["epoch"] == finals["epochs"]]
    assert set(finals["layer"]) == set(range(1, ld.QUICK["depth"] + 2))


def test_quick_runs_are_deterministic(two_runs):
    base, _, _ = two_runs
    for name in TABLES:
        pd.testing.assert_frame_equal(
            pd.read_csv(base / "a" / name), pd.read_csv(base / "b" / name)
        )
    pd.testing.assert_frame_equal(_features(base / "a"), _features(base / "b"))


def test_generators_have_the_documented_topology():
    from tdasheaf.learning import knn_graph_betti

    for name, m, n in (("D-I", 2, 80), ("D-II", 2, 80), ("D-III", 1, 120)):
        X, y = ld.make_dataset(name, n, m, random_state=0)
        degrees = (0, 1, 2) if name == "D-III" else (0, 1)
        tf = knn_graph_betti(10, (1, 2), degrees, persistent=True)
        for label in (0, 1):
            row = tf.fit_transform([np.unique(X[y == label], axis=0)])[0]
            names = list(tf.get_feature_names_out())
            got = tuple(int(row[names.index(f"knn_H{q}_betti_hop1to2")]) for q in degrees)
            assert got == ld.true_betti(name, m)[label], (name, label, got)


def test_bad_arguments_exit_2(tmp_path, capsys):
    assert ld.main(["--depth", "0", "-o", str(tmp_path)]) == 2
    assert ld.main(["--datasets", "D-IV"]) == 2
    assert "error" in capsys.readouterr().err
