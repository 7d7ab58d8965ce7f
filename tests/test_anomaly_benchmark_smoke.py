"""Smoke test of the anomaly benchmark: the quick run finishes and prints every table."""

import importlib.util
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parents[1] / "pipelines" / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_anomaly_benchmark_runs(capsys):
    bench = _load("anomaly")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "| wine | issue |" in out
    for task in bench.MANIFOLD_TASKS:
        assert f"| {task} |" in out
    assert "| SheafFeatures | unsupervised | IsolationForest |" in out
    assert "| Rips PH features | novelty | LOF |" in out
    assert "phase portrait twists" in out


def test_tabular_data_match_adbench_shapes():
    bench = _load("anomaly")
    for name, shape in (("wine", (129, 13)), ("WDBC", (367, 30))):
        X, y = bench.load_tabular(name)
        assert X.shape == shape and y.sum() == 10


def test_real_tables_and_combinations():
    bench = _load("anomaly")
    X, y = bench.load_tabular("optdigits")
    assert X.shape == (1667, 64) and y.sum() == 48
    try:
        X, y = bench.load_tabular("pima")
    except ImportError as exc:  # the bench extra is optional
        assert "not installed" in str(exc)
    else:
        assert X.shape == (532, 7) and y.sum() == 177
        for name, shape, n_out in (("glass", (214, 9), 9), ("breastw", (683, 9), 239)):
            X, y = bench.load_tabular(name)
            assert X.shape == shape and y.sum() == n_out
            assert name in bench.HELD_OUT_TABLES
    rng = np.random.default_rng(0)
    import pandas as pd

    frame = pd.DataFrame(rng.normal(size=(30, 10)), columns=(
        "residual", "dimension", "frame", "orientation", "h0_join", "holonomy", "h0_bulk",
        "distance", "isolation", "tail"))
    comb = bench.combination_scores(frame, frame)
    invariant = frame.drop(columns=list(bench.AXIS))
    np.testing.assert_allclose(comb["manifold score alone (max of the eight invariant; the "
                                    "former default)"], invariant.max(axis=1))
    np.testing.assert_allclose(np.median(comb["table score alone"]), 0.0, atol=1e-12)
    assert all(len(v) == 30 for v in comb.values())


def test_seed_lists():
    bench = _load("anomaly")
    assert bench._parse_seeds("1-4") == (1, 2, 3, 4)
    assert bench._parse_seeds("3, 5,8") == (3, 5, 8)
