"""tdasheaf.batch.extract_features: chunking, schedulers, per-cloud errors, resume, outputs."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import make_pipeline

import tdasheaf.batch as batch
from tdasheaf.batch import chunk_store_path, extract_features
from tdasheaf.datasets import make_circle, make_cylinder
from tdasheaf.estimators import BettiCurve, RipsPersistence
from tdasheaf.estimators._sheaf_features import SheafFeatures
from tdasheaf.io import CloudSource, find_sources, read_table

#: cheap but exercising every sheaf (frames, signs, tangent spectra) on 30-40 point clouds
SMALL = dict(n_scales=4, n_spectral_scales=2, n_eigenvalues=2, n_neighbors=8)


def _clouds(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n):
        size = int(rng.integers(30, 41))
        X = (
            make_cylinder(size, width=0.6, noise=0.02, random_state=seed + i)
            if i % 2
            else (make_circle(size, noise=0.05, random_state=seed + i))
        )
        out[f"c{i:03d}"] = X if X.shape[1] == 3 else np.c_[X, np.zeros(len(X))]
    return out


def _write(folder, clouds) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key, X in clouds.items():
        np.save(folder / f"{key}.npy", X)


@pytest.fixture(scope="module")
def clouds():
    return _clouds(11)


@pytest.fixture(scope="module")
def reference(clouds):
    """The oracle: the transformer on the whole collection at once."""
    return SheafFeatures(**SMALL).fit_transform(list(clouds.values()))


def _features(table: pd.DataFrame) -> np.ndarray:
    return table.drop(columns="id").to_numpy()


def test_in_memory_rows_equal_the_transformer_on_the_whole_collection(clouds, reference):
    sf = SheafFeatures(**SMALL)
    result = extract_features(clouds, sf, chunk_size=4)
    table = result.table()
    assert list(table["id"]) == list(clouds)
    assert list(table.columns[1:]) == list(sf.fit([clouds["c000"]]).get_feature_names_out())
    assert (table.dtypes.iloc[1:] == np.float64).all()
    np.testing.assert_array_equal(_features(table), reference)
    assert (result.n_total, result.n_done, result.n_failed, result.n_skipped) == (11, 11, 0, 0)
    assert result.output is None and result.errors.empty
    # a sequence of pairs is the same as a mapping
    pairs = extract_features(list(clouds.items()), sf, chunk_size=11).table()
    pd.testing.assert_frame_equal(pairs, table)


def test_same_table_for_n_jobs_chunk_sizes_and_dask_local(tmp_path, clouds, reference):
    """Done when: bitwise the same with n_jobs 1, n_jobs 2 and a real distributed.LocalCluster."""
    pytest.importorskip("distributed")
    _write(tmp_path / "in", clouds)
    sources = find_sources(tmp_path / "in")
    sf = SheafFeatures(**SMALL)
    tables = {
        "n_jobs=1": extract_features(sources, sf, tmp_path / "a.parquet", chunk_size=3).table(),
        "n_jobs=2": extract_features(
            sources, sf, tmp_path / "b.parquet", chunk_size=2, n_jobs=2
        ).table(),
        "dask": extract_features(
            sources, sf, tmp_path / "c.parquet", chunk_size=5, n_jobs=2, dask="local",
            dask_cluster_kwargs={"processes": False},
        ).table(),
    }  # fmt: skip
    for name, table in tables.items():
        assert list(table["id"]) == list(clouds), name
        np.testing.assert_array_equal(_features(table), reference, err_msg=name)


def test_bad_clouds_become_error_rows_and_the_run_goes_on(tmp_path, clouds):
    folder = tmp_path / "in"
    good = dict(list(clouds.items())[:4])
    _write(folder, good)
    (folder / "corrupt.npy").write_bytes(b"\x93NUMPY\x01\x00garbage")
    np.save(folder / "pickled.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    (folder / "text.csv").write_text("x,y,z\n0,0,0\n1,oops,0\n")
    (folder / "empty.npy").write_bytes(b"")
    with_nan = clouds["c005"].copy()
    with_nan[2, 0] = np.nan
    np.save(folder / "with_nan.npy", with_nan)
    np.save(folder / "one_point.npy", np.zeros((1, 3)))
    result = extract_features(
        find_sources(folder), SheafFeatures(**SMALL), tmp_path / "out.csv", chunk_size=3
    )
    table = read_table(result.output)
    assert list(table["id"]) == sorted(good)
    errors = read_table(result.errors_output)
    assert dict(zip(errors["id"], errors["error"], strict=True)) == {
        "corrupt": "PointCloudReadError",
        "empty": "PointCloudReadError",
        "one_point": "ValueError",
        "pickled": "PointCloudReadError",
        "text": "PointCloudReadError",
        "with_nan": "ValueError",
    }
    assert errors["message"].str.len().min() > 20
    assert "NaN" in errors.set_index("id").loc["with_nan", "message"]
    assert (result.n_done, result.n_failed, result.n_unexpected) == (4, 6, 0)
    pd.testing.assert_frame_equal(errors, result.errors)


def test_chunked_memory_workers_receive_sources_and_one_file_per_chunk(
    tmp_path, clouds, monkeypatch
):
    _write(tmp_path / "in", clouds)
    sources = find_sources(tmp_path / "in")
    seen, written = [], []
    real_run, real_write = batch._run_chunk, batch._write_chunk

    def spy_run(items, transformer, fitted, *rest):
        seen.append([type(it) for it in items])
        return real_run(items, transformer, fitted, *rest)

    def spy_write(store, index, suffix, table):
        written.append((store.name, index, len(table)))
        return real_write(store, index, suffix, table)

    monkeypatch.setattr(batch, "_run_chunk", spy_run)
    monkeypatch.setattr(batch, "_write_chunk", spy_write)
    out = tmp_path / "f.parquet"
    extract_features(sources, SheafFeatures(sheaves=("constant",), n_scales=3), out, chunk_size=4)
    n_chunks = math.ceil(len(clouds) / 4)
    assert len(seen) == n_chunks and all(t == CloudSource for c in seen for t in c)
    assert [w[1] for w in written] == list(range(n_chunks))
    assert [w[2] for w in written] == [4, 4, 3]
    assert {w[0] for w in written} == {"f.parquet.chunks"}
    assert not chunk_store_path(out).exists()  # removed once OUT is assembled


class _Interrupting(SheafFeatures):
    """SheafFeatures that counts its clouds and raises KeyboardInterrupt at call ``stop_at``."""

    calls = 0
    stop_at = None

    def transform(self, X):
        type(self).calls += 1
        if type(self).calls == type(self).stop_at:
            raise KeyboardInterrupt
        return super().transform(X)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_resume_after_interrupt_equals_a_clean_run_without_recomputing(
    tmp_path, clouds, reference, suffix, caplog
):
    _write(tmp_path / "in", clouds)
    sources = find_sources(tmp_path / "in")
    out = tmp_path / f"f{suffix}"
    _Interrupting.calls, _Interrupting.stop_at = 0, 3 * 3 + 2  # during the 4th chunk of 3
    with pytest.raises(KeyboardInterrupt), caplog.at_level(logging.WARNING, "tdasheaf.batch"):
        extract_features(sources, _Interrupting(**SMALL), out, chunk_size=3)
    assert "resume" in caplog.text
    store = chunk_store_path(out)
    assert len(list(store.glob(f"chunk-*{suffix}"))) == 3 and not out.exists()

    with pytest.raises(FileExistsError, match="resume"):  # never silently discarded
        extract_features(sources, _Interrupting(**SMALL), out, chunk_size=3)

    _Interrupting.calls, _Interrupting.stop_at = 0, None
    result = extract_features(sources, _Interrupting(**SMALL), out, chunk_size=4, resume=True)
    assert _Interrupting.calls == len(clouds) - 9  # finished chunks were not recomputed
    assert (result.n_skipped, result.n_done, result.n_failed) == (9, 2, 0)
    table = read_table(out)
    assert list(table["id"]) == list(clouds)
    np.testing.assert_allclose(_features(table), reference, rtol=0, atol=1e-12)
    assert not store.exists()

    # resuming a finished run computes nothing and keeps the table
    _Interrupting.calls = 0
    again = extract_features(sources, _Interrupting(**SMALL), out, resume=True)
    assert _Interrupting.calls == 0 and again.n_skipped == len(clouds)
    pd.testing.assert_frame_equal(read_table(out), table)


def test_resume_retries_errors_and_adds_new_clouds_in_source_order(tmp_path, clouds, reference):
    folder = tmp_path / "in"
    items = list(clouds.items())
    _write(folder, dict(items[:3] + items[4:9]))
    np.save(folder / "c003.npy", np.zeros((1, 3)))  # bad now, fixed below
    out = tmp_path / "f.csv"
    sf = SheafFeatures(**SMALL)
    first = extract_features(find_sources(folder), sf, out, chunk_size=2)
    assert first.n_failed == 1 and list(first.errors["id"]) == ["c003"]
    _write(folder, dict([items[3], *items[9:]]))  # fix c003, add c009 and c010
    result = extract_features(find_sources(folder), sf, out, chunk_size=2, resume=True)
    assert (result.n_skipped, result.n_done, result.n_failed) == (8, 3, 0)
    assert read_table(result.errors_output).empty  # the errors file is rewritten
    table = read_table(out)
    assert list(table["id"]) == list(clouds)
    np.testing.assert_allclose(_features(table), reference, rtol=0, atol=1e-12)


def test_resume_with_another_transformer_is_refused(tmp_path, clouds):
    _write(tmp_path / "in", clouds)
    sources = find_sources(tmp_path / "in")
    out = tmp_path / "f.parquet"
    _Interrupting.calls, _Interrupting.stop_at = 0, 5
    with pytest.raises(KeyboardInterrupt):
        extract_features(sources, _Interrupting(**SMALL), out, chunk_size=2)
    _Interrupting.stop_at = None
    with pytest.raises(ValueError, match="different transformer configuration"):
        extract_features(sources, _Interrupting(n_scales=7), out, chunk_size=2, resume=True)


def test_csv_and_parquet_outputs_hold_the_same_table(tmp_path, clouds):
    sf = SheafFeatures(**SMALL)
    a = extract_features(clouds, sf, tmp_path / "f.csv", chunk_size=5)
    b = extract_features(clouds, sf, tmp_path / "f.parquet", chunk_size=5)
    ta, tb = read_table(a.output), read_table(b.output)
    assert list(ta.columns) == list(tb.columns) and list(ta["id"]) == list(tb["id"])
    np.testing.assert_array_equal(_features(ta), _features(tb))
    assert a.errors_output.name == "f.csv.errors.csv"
    assert list(read_table(a.errors_output).columns) == ["id", "error", "message"]


def test_fitted_pipeline_is_only_transformed(tmp_path, clouds):
    """A fitted transformer (vectorisers with learnt grids) gives its own transform rows."""
    X = list(clouds.values())
    pipe = make_pipeline(RipsPersistence(), BettiCurve(n_bins=6)).fit(X[:4])
    table = extract_features(clouds, pipe, chunk_size=3).table()
    np.testing.assert_array_equal(_features(table), pipe.transform(X))
    assert list(table.columns[1:]) == list(pipe.get_feature_names_out())
    assert batch.check_sample_wise(pipe, X[:3])


class _Buggy(TransformerMixin, BaseEstimator):
    """A transformer with a bug on clouds of more than 35 points."""

    def fit(self, X, y=None):
        self.n_features_in_ = 3
        return self

    def transform(self, X):
        if len(X[0]) > 35:
            return [][1]  # IndexError
        return np.array([[float(len(X[0]))]])

    def get_feature_names_out(self, input_features=None):
        return np.array(["n"], dtype=object)


def test_unexpected_exceptions_are_recorded_flagged_and_logged(clouds, caplog):
    with caplog.at_level(logging.WARNING, "tdasheaf.batch"):
        result = extract_features(clouds, _Buggy(), chunk_size=4)
    big = [k for k, X in clouds.items() if len(X) > 35]
    assert big and result.n_unexpected == result.n_failed == len(big)
    assert set(result.errors["error"]) == {"IndexError"}
    assert result.errors["message"].str.contains(r"unexpected IndexError; please report").all()
    assert "test_batch.py" in result.errors["message"].iloc[0]  # where it happened
    assert "IndexError" in caplog.text
    assert list(result.table()["id"]) == [k for k in clouds if k not in big]


def test_progress_bar_on_demand(clouds, capsys):
    extract_features(dict(list(clouds.items())[:3]), _Buggy(), progress=True)
    assert "cloud" in capsys.readouterr().err
    extract_features(dict(list(clouds.items())[:3]), _Buggy(), progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(chunk_size=0), ValueError, "chunk_size"),
        (dict(output="f.txt"), ValueError, r"\.csv or \.parquet"),
        (dict(resume=True), ValueError, "output path"),
        (dict(progress="yes"), TypeError, "progress"),
        (dict(dask=3), TypeError, "dask must be"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        extract_features({"a": np.eye(3)}, _Buggy(), **kwargs)


def test_bad_sources_and_transformers():
    with pytest.raises(TypeError, match="find_sources"):
        extract_features("clouds/", _Buggy())
    with pytest.raises(ValueError, match="duplicate id"):
        extract_features([("a", np.eye(3)), ("a", np.eye(3))], _Buggy())
    with pytest.raises(TypeError, match="get_feature_names_out"):
        extract_features({"a": np.eye(3)}, object())


def test_dask_without_distributed_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"tdasheaf\[dask\]"):
        extract_features({"a": np.eye(3)}, _Buggy(), dask="local")
