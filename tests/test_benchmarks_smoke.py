"""Smoke test of the benchmark script: the quick run finishes and every barcode agrees."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "pipelines" / "benchmarks" / "sheaf_cohomology.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_sheaf_cohomology", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_benchmark_runs_and_barcodes_agree(capsys):
    bench = _load()
    code = bench.main(["--quick", "--no-memory"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "agree" in out
    assert "DIFFER" not in out


def test_flag_scaling_quick_run_agrees_with_ripser(capsys):
    path = SCRIPT.parent / "flag_scaling.py"
    spec = importlib.util.spec_from_file_location("bench_flag_scaling", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--sizes", "150,250", "--repeat", "1", "--h2-sizes", "120"]) == 0
    out = capsys.readouterr().out
    h2_rows = [line for line in out.splitlines() if line.startswith(("| sphere | 120 ", "| torus"))]
    assert len(h2_rows) == 2 and all(line.endswith("| agree |") for line in h2_rows), out
    rows = [line for line in out.splitlines() if line.startswith(("| 150 ", "| 250 "))]
    assert len(rows) == 2, out
    for line in rows:
        ripser_bars, ours = line.rstrip(" |").split("|")[-1].split("/")
        assert int(ripser_bars) == int(ours), line


def test_tangent_invariance_quick_run(capsys):
    path = SCRIPT.parent / "tangent_invariance.py"
    spec = importlib.util.spec_from_file_location("bench_tangent_invariance", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0, capsys.readouterr().out


def test_engine_vs_peers_quick_row_agrees(capsys):
    """One small row without giotto-ph: tdasheaf (default and collapse=False), ripser.py and
    gudhi + edge collapse time the same cloud and every barcode agrees."""
    path = SCRIPT.parent / "engine_vs_peers.py"
    spec = importlib.util.spec_from_file_location("bench_engine_vs_peers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main(["--quick", "--rows", "make_torus:300", "--threads", "1", "--repeat", "1"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = [line for line in out.splitlines() if line.startswith("| torus (make_torus) n=300")]
    assert rows and all(line.rstrip().endswith("| agree |") for line in rows[:1]), out
