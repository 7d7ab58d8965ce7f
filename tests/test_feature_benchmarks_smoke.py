"""Smoke tests of the feature benchmarks: the quick runs finish, and giotto is skipped cleanly
when its venv is missing."""

import importlib.util
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "pipelines" / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_shape_classification_runs(capsys):
    bench = _load("shape_classification")
    code = bench.main(["--quick"])
    out = capsys.readouterr().out
    assert code == 0, out
    for task in bench.TASKS:
        assert f"| {task} | SheafFeatures |" in out


def test_quick_features_vs_giotto_skips_missing_giotto(capsys):
    bench = _load("features_vs_giotto")
    code = bench.main(["--quick", "--giotto-python", "/nonexistent"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "skipping giotto" in out
    assert "python3 -m venv" in out
    assert "| SheafFeatures (all sheaves) | 1 |" in out
