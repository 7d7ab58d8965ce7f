"""tdasheaf-extract (pipelines/extract_features.py): exit codes, outputs, resume, schedulers."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tdasheaf_pipelines.extract_features import main

from tdasheaf.datasets import make_circle, make_torus
from tdasheaf.estimators._sheaf_features import SheafFeatures
from tdasheaf.io import read_table

ROOT = Path(__file__).resolve().parents[1]
CHEAP = ["--sheaves", "constant,orientation", "--n-scales", "4", "--n-neighbors", "8"]


def _folder(path: Path, n: int = 9) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        X = make_torus(36, random_state=i) if i % 3 else make_circle(30, random_state=i)
        if X.shape[1] == 2:
            X = np.c_[X, np.zeros(len(X))]
        np.save(path / f"cloud_{i:02d}.npy", X)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return _folder(tmp_path_factory.mktemp("clouds"))


@pytest.fixture(scope="module")
def clean(folder, tmp_path_factory):
    """A clean run's table (n_jobs 1, parquet)."""
    out = tmp_path_factory.mktemp("clean") / "f.parquet"
    assert main([str(folder), "-o", str(out), *CHEAP, "--chunk-size", "2", "-q"]) == 0
    return read_table(out)


def _values(table: pd.DataFrame) -> np.ndarray:
    return table.drop(columns="id").to_numpy()


def test_clean_run_prints_a_summary_and_writes_both_tables(folder, tmp_path, capsys):
    out = tmp_path / "sub" / "f.csv"
    assert main([str(folder), "-o", str(out), *CHEAP]) == 0
    text = capsys.readouterr().out
    assert "9 total, 9 done, 0 failed, 0 skipped" in text and "clouds/s" in text
    assert f"features: {out.resolve()}" in text and "errors:" in text
    table = read_table(out)
    assert table["id"].tolist() == [f"cloud_{i:02d}" for i in range(9)]
    assert table.columns[1] == "constant_H0_betti_t00"
    assert read_table(tmp_path / "sub" / "f.csv.errors.csv").empty


def test_same_table_with_n_jobs_1_n_jobs_2_and_dask_local(folder, clean, tmp_path, monkeypatch):
    """Done when: --n-jobs 1, --n-jobs 2 and --dask local give the same table (bitwise)."""
    distributed = pytest.importorskip("distributed")
    # a real LocalCluster, with threads instead of processes to keep the test fast
    monkeypatch.setattr(
        distributed, "LocalCluster", functools.partial(distributed.LocalCluster, processes=False)
    )
    runs = {
        "n_jobs_2": ["--n-jobs", "2", "--chunk-size", "3"],
        "dask_local": ["--dask", "local", "--n-jobs", "2", "--chunk-size", "4"],
    }
    for name, flags in runs.items():
        out = tmp_path / f"{name}.parquet"
        assert main([str(folder), "-o", str(out), *CHEAP, *flags, "-q"]) == 0, name
        table = read_table(out)
        assert table["id"].tolist() == clean["id"].tolist(), name
        np.testing.assert_array_equal(_values(table), _values(clean), err_msg=name)


def test_good_and_bad_files_exit_3_with_every_row_accounted_for(folder, clean, tmp_path, capsys):
    """Done when: good files mixed with corrupt, pickled, text, empty, NaN and 1-point clouds."""
    mixed = _folder(tmp_path / "mixed")
    (mixed / "corrupt.npy").write_bytes(b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', garbage")
    np.save(mixed / "pickled.npy", np.array([[object()]], dtype=object), allow_pickle=True)
    (mixed / "text.csv").write_text("x,y,z\n0,0,0\n1,two,3\n4,5,6\n")
    (mixed / "empty.csv").write_text("")
    X = make_torus(36, random_state=1)
    X[5] = np.nan
    np.save(mixed / "has_nan.npy", X)
    np.save(mixed / "one_point.npy", np.ones((1, 3)))
    out = tmp_path / "f.parquet"
    assert main([str(mixed), "-o", str(out), *CHEAP, "--chunk-size", "4"]) == 3
    text = capsys.readouterr().out
    assert "15 total, 9 done, 6 failed" in text
    table = read_table(out)
    np.testing.assert_array_equal(_values(table), _values(clean))
    errors = read_table(tmp_path / "f.parquet.errors.csv").set_index("id")
    assert sorted(errors.index) == [
        "corrupt", "empty", "has_nan", "one_point", "pickled", "text"
    ]  # fmt: skip
    assert errors.loc["pickled", "error"] == "PointCloudReadError"
    assert errors.loc["one_point", "error"] == "ValueError"
    assert "line 3" in errors.loc["text", "message"]


def test_killed_run_resumes_to_the_clean_table_without_redoing_chunks(
    folder, clean, tmp_path, monkeypatch, capsys
):
    """Done when: kill after some chunks (simulated), rerun with --resume, same final table."""
    calls = {"n": 0, "stop_at": 7}
    real = SheafFeatures.transform

    def counting(self, X):
        calls["n"] += 1
        if calls["n"] == calls["stop_at"]:
            raise KeyboardInterrupt  # Ctrl-C while the 4th chunk of 2 is being computed
        return real(self, X)

    monkeypatch.setattr(SheafFeatures, "transform", counting)
    out = tmp_path / "f.parquet"
    argv = [str(folder), "-o", str(out), *CHEAP, "--chunk-size", "2"]
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "--resume" in err and "f.parquet.chunks" in err
    assert len(list((tmp_path / "f.parquet.chunks").glob("chunk-*.parquet"))) == 3
    assert main(argv) == 2  # an interrupted run's chunks are never silently discarded
    assert "--resume" in capsys.readouterr().err

    calls.update(n=0, stop_at=None)
    assert main([*argv, "--resume"]) == 0
    assert calls["n"] == 9 - 6  # only the clouds of the unfinished chunks were computed
    assert "6 skipped" in capsys.readouterr().out
    table = read_table(out)
    assert table["id"].tolist() == clean["id"].tolist()
    np.testing.assert_allclose(_values(table), _values(clean), rtol=0, atol=1e-12)


def test_csv_and_parquet_outputs_agree(folder, clean, tmp_path):
    out = tmp_path / "f.csv"
    assert main([str(folder), "-o", str(out), *CHEAP, "-q"]) == 0
    table = read_table(out)
    assert table.columns.tolist() == clean.columns.tolist()
    np.testing.assert_array_equal(_values(table), _values(clean))


def test_toml_config_with_flags_overriding_it(folder, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(
        '[features]\nsheaves = ["constant"]\nn_scales = 3\n'
        f'[run]\noutput = "{(tmp_path / "from_toml.csv").as_posix()}"\nchunk_size = 4\n'
    )
    assert main([str(folder), "--config", str(config), "-q"]) == 0
    names = read_table(tmp_path / "from_toml.csv").columns
    assert "constant_H0_betti_t02" in names and "constant_H0_betti_t03" not in names
    assert main([str(folder), "--config", str(config), "--n-scales", "5", "-q"]) == 0
    assert "constant_H0_betti_t04" in read_table(tmp_path / "from_toml.csv").columns


@pytest.mark.parametrize("name", ["sheaf_default.toml", "rips_vectorizers.toml"])
def test_example_configs_run(folder, tmp_path, name):
    out = tmp_path / "f.csv"
    config = ROOT / "pipelines" / "configs" / name
    fast = ["--n-scales", "3", "--sheaves", "constant"] if name.startswith("sheaf") else []
    assert main([str(folder), "--config", str(config), "-o", str(out), *fast, "-q"]) == 0
    assert len(read_table(out)) == 9


def test_rips_features_do_not_depend_on_the_chunk_size(folder, tmp_path):
    tables = []
    for chunk in ("1", "5"):
        out = tmp_path / f"r{chunk}.csv"
        flags = ["--features", "rips", "--vectorizers", "betti,entropy", "--n-scales", "5"]
        assert main([str(folder), "-o", str(out), *flags, "--chunk-size", chunk, "-q"]) == 0
        tables.append(read_table(out))
    assert "H1_betti_t004" in tables[0].columns and "H0_entropy" in tables[0].columns
    pd.testing.assert_frame_equal(tables[0], tables[1])


def _bad_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[features\nsheaves = ")
    return ["--config", str(path)]


def _unknown_key(tmp_path):
    path = tmp_path / "unknown.toml"
    path.write_text("[features]\nsheafs = ['constant']\n")
    return ["--config", str(path)]


def _wrong_types(tmp_path):
    path = tmp_path / "types.toml"
    path.write_text('[features]\nsheaves = "constant"\nn_scales = "many"\n')
    return ["--config", str(path)]


def _stale_store(tmp_path):
    store = tmp_path / "f.parquet.chunks"
    store.mkdir()
    (store / "chunk-000000.parquet").write_bytes(b"")
    return ["-o", str(tmp_path / "f.parquet")]


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda p: ["--no-such-flag"], "unrecognized arguments"),
        (lambda p: [str(p / "missing_folder")], "no such file or folder"),
        (_bad_toml, "not valid TOML"),
        (_unknown_key, "unknown key"),
        (_wrong_types, "must be a positive integer"),
        (lambda p: ["--sheaves", "constant,bogus"], "sheaves must be"),
        (lambda p: ["-o", str(p / "f.txt")], ".csv or .parquet"),
        (lambda p: ["--features", "rips", "--vectorizers", "betti,nope"], "vectorizers must"),
        (lambda p: ["--chunk-size", "0"], "chunk-size"),
        (lambda p: ["--n-scales", "x"], "invalid int value"),
        (_stale_store, "--resume"),
    ],
)
def test_bad_arguments_exit_2(folder, tmp_path, capsys, make_args, message):
    args = make_args(tmp_path)
    inputs = [] if args and not args[0].startswith("-") else [str(folder)]
    if "-o" not in args:
        args = [*args, "-o", str(tmp_path / "f.parquet")]
    assert main([*inputs, *args]) == 2
    assert message in capsys.readouterr().err


def test_report_flag(folder, tmp_path, capsys):
    out, report = tmp_path / "f.csv", tmp_path / "report.html"
    code = main([str(folder), "-o", str(out), *CHEAP, "--report", str(report), "-q"])
    if importlib.util.find_spec("tdasheaf.report") is None:
        assert code == 2 and "tdasheaf.report" in capsys.readouterr().err
        assert not out.exists()  # refused before any work
    else:
        assert code == 0 and report.is_file()


def test_default_inputs_are_the_bundled_point_clouds(tmp_path, capsys):
    out = tmp_path / "f.csv"
    code = main(["-o", str(out), "--sheaves", "constant", "--n-scales", "3", "-q"])
    if (ROOT / "datasets" / "point_clouds").is_dir():
        assert code in (0, 3) and len(read_table(out)) > 0
    else:
        assert code == 2 and "bundled" in capsys.readouterr().err


def test_quiet_prints_nothing(folder, tmp_path, capsys):
    assert main([str(folder), "-o", str(tmp_path / "f.csv"), *CHEAP, "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
