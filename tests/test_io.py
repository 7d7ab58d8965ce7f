"""tdasheaf.io: format round trips, sniffing, sources, bad files, pickle refusal, atomic writes."""

import os
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tdasheaf import _io_formats
from tdasheaf import io as tio
from tdasheaf.exceptions import PointCloudReadError
from tdasheaf.io import (
    find_sources,
    load_source,
    read_point_cloud,
    read_point_clouds,
    read_table,
    write_table,
)


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(7, 3))


def _csv(path: Path, X, header=None, delimiter=","):
    lines = [delimiter.join(header)] if header else []
    lines += [delimiter.join(repr(float(v)) for v in row) for row in X]
    path.write_text("\n".join(lines) + "\n")
    return path


def _ply(path: Path, X, fmt="ascii"):
    head = [
        "ply",
        f"format {fmt} 1.0",
        "comment made by a test",
        "element vertex " + str(len(X)),
        "property float x",
        "property float y",
        "property float z",
        "property uchar red",
        "element face 1",
        "property list uchar int vertex_indices",
        "end_header",
    ]
    body = [" ".join(repr(float(v)) for v in row) + " 255" for row in X] + ["3 0 1 2"]
    path.write_text("\n".join(head + body) + "\n")
    return path


# --------------------------------------------------------------------------------------------
# round trips
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.uint8, np.bool_])
def test_npy_round_trip(tmp_path, X, dtype):
    A = (X * 10).astype(dtype)
    np.save(tmp_path / "a.npy", A)
    Y = read_point_cloud(tmp_path / "a.npy")
    assert Y.dtype == np.float64 and Y.flags.c_contiguous
    np.testing.assert_array_equal(Y, A.astype(np.float64))


def test_npy_fortran_order(tmp_path, X):
    np.save(tmp_path / "f.npy", np.asfortranarray(X))
    Y = read_point_cloud(tmp_path / "f.npy")
    assert Y.flags.c_contiguous
    np.testing.assert_array_equal(Y, X)


def test_npz_single_and_many(tmp_path, X):
    np.savez(tmp_path / "one.npz", only=X)
    np.savez_compressed(
        tmp_path / "many.npz", b=X, a=X[:3], labels=np.array(["x", "y"]), note=np.array("hi")
    )
    sources = find_sources(tmp_path)
    assert [s.id for s in sources] == ["many/a", "many/b", "one"]  # string arrays are metadata
    assert sources[2].key == "only"
    np.testing.assert_array_equal(sources[0].load(), X[:3])
    np.testing.assert_array_equal(read_point_cloud(tmp_path / "one.npz"), X)
    np.testing.assert_array_equal(read_point_cloud(tmp_path / "many.npz", key="b"), X)


@pytest.mark.parametrize(
    "suffix, delimiter",
    [(".csv", ","), (".csv", ";"), (".tsv", "\t"), (".txt", " "), (".txt", "|")],
)
@pytest.mark.parametrize("header", [None, ["x", "y", "z"]])
def test_text_round_trip(tmp_path, X, suffix, delimiter, header):
    path = _csv(tmp_path / f"t{suffix}", X, header, delimiter)
    np.testing.assert_array_equal(read_point_cloud(path), X)


def test_whitespace_runs_comments_blank_lines_and_bom(tmp_path, X):
    text = "\ufeff# exported by a scanner\n\n" + "\n".join(
        "  " + "   ".join(repr(float(v)) for v in row) + "\t" for row in X
    )
    (tmp_path / "w.txt").write_text(text + "\n\n")
    np.testing.assert_array_equal(read_point_cloud(tmp_path / "w.txt"), X)


def test_quoted_csv_and_text_columns_ignored(tmp_path):
    (tmp_path / "q.csv").write_text('name,x,y,label\n"a, b",1,2,circle\n"c",3,4,torus\n')
    np.testing.assert_array_equal(read_point_cloud(tmp_path / "q.csv"), [[1, 2], [3, 4]])


def test_empty_cells_are_missing_values(tmp_path):
    (tmp_path / "m.csv").write_text("x,y\n1,\n3,4\n")
    Y = read_point_cloud(tmp_path / "m.csv")
    assert np.isnan(Y[0, 1]) and Y[1, 1] == 4  # io does not check NaN; the estimators do


def test_trailing_delimiter_column_dropped(tmp_path):
    (tmp_path / "t.csv").write_text("1,2,\n3,4,\n")
    np.testing.assert_array_equal(read_point_cloud(tmp_path / "t.csv"), [[1, 2], [3, 4]])


@pytest.mark.parametrize(
    "text, header",
    [
        ("1,2\n3,4\n", False),
        ("x,y\n1,2\n", True),
        ("label,x\na,1\nb,2\n", True),
        ("a,1\nb,2\n", False),  # a text column, no header
        ("1e-3,nan\ninf,-2\n", False),  # number words are numbers
    ],
)
def test_header_detection(tmp_path, text, header):
    (tmp_path / "h.csv").write_text(text)
    Y = read_point_cloud(tmp_path / "h.csv")
    n_rows = text.count("\n") - header
    assert Y.shape[0] == n_rows


def test_parquet_round_trip(tmp_path, X):
    frame = pd.DataFrame(X, columns=["x", "y", "z"]).assign(label="circle", n=np.arange(7))
    frame.to_parquet(tmp_path / "p.parquet")
    np.testing.assert_array_equal(read_point_cloud(tmp_path / "p.parquet"), np.c_[X, np.arange(7)])


def test_ply_ascii(tmp_path, X):
    path = _ply(tmp_path / "s.ply", X)
    np.testing.assert_allclose(read_point_cloud(path), X, rtol=0, atol=0)


def test_ply_without_xyz_uses_every_property(tmp_path):
    text = "ply\nformat ascii 1.0\nelement vertex 2\nproperty float u\nproperty float v\n"
    (tmp_path / "uv.ply").write_text(text + "end_header\n1 2\n3 4\n")
    np.testing.assert_array_equal(read_point_cloud(tmp_path / "uv.ply"), [[1, 2], [3, 4]])


def test_xyz_plain_and_molecular(tmp_path, X):
    _csv(tmp_path / "plain.xyz", X, delimiter=" ")
    np.testing.assert_array_equal(read_point_cloud(tmp_path / "plain.xyz"), X)
    (tmp_path / "water.xyz").write_text("3\nwater molecule\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n")
    Y = read_point_cloud(tmp_path / "water.xyz")
    np.testing.assert_array_equal(Y, [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])


@settings(max_examples=25, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 4)),
        elements=st.floats(allow_nan=False, allow_infinity=False, width=64),
    )
)
def test_text_and_npy_round_trip_are_exact(tmp_path_factory, A):
    folder = tmp_path_factory.mktemp("prop")
    np.savetxt(folder / "a.csv", A, delimiter=",", fmt="%.17g")
    np.save(folder / "a.npy", A)
    np.testing.assert_array_equal(read_point_cloud(folder / "a.csv"), A)
    np.testing.assert_array_equal(read_point_cloud(folder / "a.npy"), A)


# --------------------------------------------------------------------------------------------
# long tables
# --------------------------------------------------------------------------------------------


def _long_frame():
    rng = np.random.default_rng(1)
    ids = ["007", "b", "007", "a", "b", "007"]
    return pd.DataFrame({"cloud": ids, "x": rng.normal(size=6), "y": rng.normal(size=6)})


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_long_table(tmp_path, suffix):
    frame = _long_frame()
    path = tmp_path / f"long{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    sources = find_sources(path, id_column="cloud")
    assert [s.id for s in sources] == ["long/007", "long/a", "long/b"]
    for s in sources:
        expected = frame.loc[frame["cloud"] == s.key, ["x", "y"]].to_numpy()
        np.testing.assert_array_equal(s.load(), expected)  # rows in file order
        np.testing.assert_array_equal(read_point_cloud(path, s.key, id_column="cloud"), expected)
    clouds = read_point_clouds(path, id_column="cloud")
    assert list(clouds) == ["long/007", "long/a", "long/b"]


def test_long_table_is_parsed_once_and_reread_when_changed(tmp_path, monkeypatch):
    path = tmp_path / "long.csv"
    _long_frame().to_csv(path, index=False)
    calls = []
    real = _io_formats.read_table_file
    monkeypatch.setattr(
        _io_formats, "read_table_file", lambda *a: calls.append(a) or real(*a), raising=True
    )
    tio._groups.cache_clear()
    sources = find_sources(path, id_column="cloud")
    first = [s.load() for s in sources]
    assert len(calls) == 1
    first[0][:] = 99.0  # callers get copies: the cache is not corrupted
    np.testing.assert_array_equal(sources[0].load()[:, 0], _long_frame()["x"].iloc[[0, 2, 5]])
    path.write_text("cloud,x,y\n007,1,2\n")
    np.testing.assert_array_equal(sources[0].load(), [[1, 2]])
    assert len(calls) == 2
    with pytest.raises(PointCloudReadError, match=r"long\.csv\[a\]: no rows with cloud == 'a'"):
        sources[1].load()


def test_long_table_with_an_empty_id(tmp_path):
    (tmp_path / "long.csv").write_text("cloud,x\na,1\n,2\n")
    (src,) = find_sources(tmp_path, id_column="cloud")
    with pytest.raises(PointCloudReadError, match="line 3 has no value in the id column 'cloud'"):
        src.load()


def test_long_table_without_the_id_column_yields_a_failing_source(tmp_path, X):
    _csv(tmp_path / "plain.csv", X, ["x", "y", "z"])
    np.save(tmp_path / "other.npy", X)
    sources = find_sources(tmp_path, id_column="cloud")
    assert [s.id for s in sources] == ["other", "plain"]
    np.testing.assert_array_equal(sources[0].load(), X)  # id_column only affects tables
    with pytest.raises(PointCloudReadError, match="no column named 'cloud'"):
        sources[1].load()


# --------------------------------------------------------------------------------------------
# sources: folders, globs, recursion, ids, order
# --------------------------------------------------------------------------------------------


def test_folder_glob_recursive(tmp_path, X):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for name in ["b.npy", "a.npy", "sub/c.npy", "sub/deeper/a.npy", ".hidden/z.npy", ".h.npy"]:
        np.save(tmp_path / name, X)
    (tmp_path / "notes.md").write_text("not a cloud")
    assert [s.id for s in find_sources(tmp_path)] == ["a", "b"]
    rec = find_sources(tmp_path, recursive=True)
    assert [s.id for s in rec] == ["a", "b", "sub/c", "sub/deeper/a"]
    assert all(Path(s.path).is_absolute() for s in rec)
    assert [s.id for s in find_sources(str(tmp_path / "*.npy"))] == ["a", "b"]
    assert [s.id for s in find_sources(str(tmp_path / "**" / "c.npy"), recursive=True)] == ["c"]
    both = find_sources([tmp_path / "sub", tmp_path / "b.npy", tmp_path / "b.npy"])
    assert [s.id for s in both] == ["b", "c"]  # the same file twice is one source


def test_order_is_sorted_and_independent_of_creation_order(tmp_path, X):
    names = [f"cloud_{i:02d}" for i in range(12)]
    for name in np.random.default_rng(3).permutation(names):
        np.save(tmp_path / f"{name}.npy", X)
    ids = [s.id for s in find_sources(tmp_path)]
    assert ids == sorted(names)
    assert [s.id for s in find_sources(str(tmp_path / "cloud_*.npy"))] == ids


def test_duplicate_ids_name_both_files(tmp_path, X):
    np.save(tmp_path / "a.npy", X)
    _csv(tmp_path / "a.csv", X)
    with pytest.raises(ValueError, match=r"duplicate cloud id 'a': .*a\.csv and .*a\.npy"):
        find_sources(tmp_path)
    (tmp_path / "other").mkdir()
    np.save(tmp_path / "other" / "b.npy", X)
    np.save(tmp_path / "b.npy", X)
    with pytest.raises(ValueError, match="duplicate cloud id 'b'"):
        find_sources([tmp_path / "b.npy", tmp_path / "other"])


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: p / "missing.npy", "no such file or folder"),
        (lambda p: str(p / "*.npy"), "matches no point-cloud files"),
        (lambda p: p, "holds no point-cloud files"),
        (lambda p: (p / "x.json").write_text("{}") and p / "x.json", "unsupported file type"),
    ],
)
def test_bad_arguments(tmp_path, make, match):
    with pytest.raises(ValueError, match=match):
        find_sources(make(tmp_path))


def test_bad_argument_types(tmp_path):
    with pytest.raises(ValueError, match="inputs is empty"):
        find_sources([])
    with pytest.raises(TypeError, match="paths"):
        find_sources([3])
    with pytest.raises(TypeError, match="id_column"):
        find_sources(tmp_path, id_column=1)
    with pytest.raises(TypeError, match="CloudSource"):
        load_source("a.npy")


def test_corrupt_files_still_yield_sources(tmp_path, X):
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04garbage")
    (tmp_path / "empty.npy").write_bytes(b"")
    np.save(tmp_path / "good.npy", X)
    sources = find_sources(tmp_path)
    assert [s.id for s in sources] == ["broken", "empty", "good"]
    for s in sources[:2]:
        with pytest.raises(PointCloudReadError, match=s.id):
            s.load()


def test_cloud_source_is_light_and_picklable(tmp_path, X):
    np.savez(tmp_path / "c.npz", a=X, b=X)
    src = find_sources(tmp_path)[0]
    clone = pickle.loads(pickle.dumps(src))
    assert clone == src and hash(clone) == hash(src)
    assert len(pickle.dumps(src)) < 300
    np.testing.assert_array_equal(clone.load(), load_source(src))
    with pytest.raises(AttributeError):
        src.id = "other"


# --------------------------------------------------------------------------------------------
# bad files: every error names the file (and key) and says what to do
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".csv", ".txt", ".tsv", ".parquet", ".ply"])
def test_empty_file(tmp_path, suffix):
    (tmp_path / f"e{suffix}").write_bytes(b"")
    with pytest.raises(PointCloudReadError, match=r"e\.\w+: the file is empty"):
        read_point_cloud(tmp_path / f"e{suffix}")


def test_missing_file(tmp_path, X):
    np.save(tmp_path / "gone.npy", X)
    (src,) = find_sources(tmp_path)
    os.remove(tmp_path / "gone.npy")
    with pytest.raises(PointCloudReadError, match=r"gone\.npy: no such file"):
        src.load()


def test_truncated_and_garbage_npy(tmp_path, X):
    np.save(tmp_path / "ok.npy", X)
    data = (tmp_path / "ok.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[:-20])
    (tmp_path / "junk.npy").write_bytes(b"this is not numpy at all")
    (tmp_path / "head.npy").write_bytes(data[:20])
    with pytest.raises(PointCloudReadError, match=r"cut\.npy: corrupt or truncated .npy"):
        read_point_cloud(tmp_path / "cut.npy")
    with pytest.raises(PointCloudReadError, match=r"junk\.npy: not a .npy file"):
        read_point_cloud(tmp_path / "junk.npy")
    with pytest.raises(PointCloudReadError, match=r"head\.npy: corrupt or truncated"):
        read_point_cloud(tmp_path / "head.npy")


def test_npz_problems(tmp_path, X):
    np.savez(tmp_path / "two.npz", a=X, b=X)
    with pytest.raises(PointCloudReadError, match="holds 2 point-cloud arrays .*pass key="):
        read_point_cloud(tmp_path / "two.npz")
    with pytest.raises(PointCloudReadError, match=r"two\.npz\[c\]: no array named 'c'"):
        read_point_cloud(tmp_path / "two.npz", key="c")
    data = (tmp_path / "two.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(PointCloudReadError, match=r"cut\.npz.*corrupt or truncated .npz"):
        read_point_cloud(tmp_path / "cut.npz", key="a")


@pytest.mark.parametrize(
    "A, match",
    [
        (np.arange(5.0), r"got 1-D shape \(5,\); reshape it: X.reshape\(-1, 1\)"),
        (np.zeros((2, 3, 4)), r"got 3-D shape \(2, 3, 4\); for a stack of 2 clouds"),
        (np.float64(3.0), "got 0-D"),
        (np.ones((3, 2), complex), "complex values are not supported"),
        (np.array([["a", "b"]]), "expected numbers, got an array of dtype <U1"),
        (np.zeros(3, dtype=[("x", "f8"), ("y", "f8")]), "structured array"),
        (np.array(["2020-01-01"], dtype="datetime64[D]").reshape(1, 1), "expected numbers"),
    ],
)
@pytest.mark.parametrize("container", [".npy", ".npz"])
def test_bad_arrays(tmp_path, A, match, container):
    path = tmp_path / f"bad{container}"
    np.save(path, A) if container == ".npy" else np.savez(path, cloud=A, other=np.ones((2, 2)))
    key = None if container == ".npy" else "cloud"
    with pytest.raises(PointCloudReadError, match=match):
        read_point_cloud(path, key)


@pytest.mark.parametrize(
    "text, match",
    [
        ("x,y\n1,2\n3,oops\n", r"line 3, column 2 \('y'\): 'oops' is not a number"),
        ("1,2\n3,-\n", r"line 2, column 2: '-' is not a number"),
        ("x;y\n1,5;2\n", r"line 2, column 1 \('x'\): '1,5' is not a number \(a decimal comma\?"),
        ("1,2,3\n4,5\n", r"line 2 has 2 fields, expected 3"),
        ("x,y,z\n1,2\n", r"line 2 has 2 fields, expected 3"),
        ("name,label\nfoo,circle\n", r"no numeric columns \(text columns ignored: name, label\)"),
        ("x,y\n", "the table has a header but no data rows"),
        ("# only a comment\n\n", "no data"),
    ],
)
def test_bad_text_tables(tmp_path, text, match):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(PointCloudReadError, match=r"bad\.csv: " + match):
        read_point_cloud(tmp_path / "bad.csv")


def test_binary_text_file(tmp_path):
    (tmp_path / "bin.csv").write_bytes(b"\x00\xff\xfe\x93")
    with pytest.raises(PointCloudReadError, match="not a UTF-8 text file"):
        read_point_cloud(tmp_path / "bin.csv")


def test_parquet_problems(tmp_path):
    pd.DataFrame({"name": ["a", "b"]}).to_parquet(tmp_path / "text.parquet")
    with pytest.raises(PointCloudReadError, match="no numeric columns"):
        read_point_cloud(tmp_path / "text.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(PointCloudReadError, match=r"junk\.parquet: corrupt or unreadable"):
        read_point_cloud(tmp_path / "junk.parquet")


def test_parquet_without_pyarrow(tmp_path, monkeypatch):
    pd.DataFrame({"x": [1.0, 2.0]}).to_parquet(tmp_path / "p.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(PointCloudReadError, match="needs pyarrow; install it"):
        read_point_cloud(tmp_path / "p.parquet")
    with pytest.raises(ImportError, match="need pyarrow"):
        write_table(pd.DataFrame({"id": ["a"]}), tmp_path / "out.parquet")


def _binary_ply(path: Path, X, coord="float", truncate=0):
    """A binary little-endian PLY as exporters write it: x y z of type ``coord``, a normal,
    a colour, and a face element after the vertices."""
    head = "\n".join(
        [
            "ply",
            "format binary_little_endian 1.0",
            f"element vertex {len(X)}",
            *(f"property {coord} {c}" for c in ("x", "y", "z")),
            "property float nx",
            "property uchar red",
            "element face 1",
            "property list uchar int vertex_indices",
            "end_header",
        ]
    )
    kind = "<f4" if coord == "float" else "<f8"
    rows = np.zeros(len(X), [("x", kind), ("y", kind), ("z", kind), ("nx", "<f4"), ("r", "u1")])
    rows["x"], rows["y"], rows["z"], rows["nx"], rows["r"] = X[:, 0], X[:, 1], X[:, 2], 1.0, 255
    face = np.array([3], "u1").tobytes() + np.array([0, 1, 2], "<i4").tobytes()
    body = rows.tobytes() + face
    path.write_bytes(head.encode() + b"\n" + body[: len(body) - truncate])
    return path


@pytest.mark.parametrize("coord", ["float", "double"])
def test_binary_little_endian_ply(tmp_path, X, coord):
    path = _binary_ply(tmp_path / "b.ply", X, coord)
    got = read_point_cloud(path)
    expected = X.astype(np.float32).astype(np.float64) if coord == "float" else X
    np.testing.assert_array_equal(got, expected)
    assert got.shape == (len(X), 3) and got.dtype == np.float64
    short = _binary_ply(tmp_path / "short.ply", X, coord, truncate=40)
    with pytest.raises(PointCloudReadError, match="truncated"):
        read_point_cloud(short)


def test_ply_problems(tmp_path, X):
    path = _ply(tmp_path / "b.ply", X, fmt="binary_big_endian")
    with pytest.raises(PointCloudReadError, match="binary_big_endian PLY is not supported"):
        read_point_cloud(path)
    good = _ply(tmp_path / "g.ply", X).read_text().splitlines()
    cut = good[: good.index("end_header") + 3]
    (tmp_path / "cut.ply").write_text("\n".join(cut) + "\n")
    with pytest.raises(PointCloudReadError, match="truncated: the header announces 7 vertices"):
        read_point_cloud(tmp_path / "cut.ply")
    (tmp_path / "no.ply").write_text("hello\n")
    with pytest.raises(PointCloudReadError, match="not a PLY file"):
        read_point_cloud(tmp_path / "no.ply")


# --------------------------------------------------------------------------------------------
# pickles are refused and never executed
# --------------------------------------------------------------------------------------------


class _Trap:
    """Unpickling this creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_pickles_are_refused_and_never_executed(tmp_path):
    marker = tmp_path / "EXECUTED"
    with open(tmp_path / "raw.npy", "wb") as f:  # a plain pickle named .npy
        pickle.dump(_Trap(str(marker)), f)
    objects = np.empty(1, dtype=object)
    objects[0] = _Trap(str(marker))
    np.save(tmp_path / "objects.npy", objects, allow_pickle=True)
    np.savez(tmp_path / "inside.npz", trap=objects, good=np.ones((2, 2)))
    # the trap works: loading it unsafely would create the marker
    with open(tmp_path / "raw.npy", "rb") as f:
        pickle.load(f)
    assert marker.exists()
    marker.unlink()

    sources = find_sources(tmp_path)
    assert [s.id for s in sources] == ["inside/good", "inside/trap", "objects", "raw"]
    messages = {}
    for s in sources[1:]:
        with pytest.raises(PointCloudReadError) as info:
            s.load()
        messages[s.id] = str(info.value)
    assert "a Python pickle, not a .npy array; refused" in messages["raw"]
    assert "dtype object (pickled Python objects); refused" in messages["objects"]
    assert "inside.npz[trap]: the array has dtype object" in messages["inside/trap"]
    np.testing.assert_array_equal(sources[0].load(), np.ones((2, 2)))
    assert not marker.exists()


# --------------------------------------------------------------------------------------------
# feature tables
# --------------------------------------------------------------------------------------------


def _features():
    rng = np.random.default_rng(2)
    return pd.DataFrame(
        {
            "id": ["007", "a/b", "c"],
            "H0_entropy": rng.normal(size=3),
            "H1_tiny": [1e-300, 0.1 + 0.2, np.nan],
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_table_round_trip_is_exact(tmp_path, suffix):
    table = _features()
    out = write_table(table, tmp_path / "deep" / "dir" / f"features{suffix}")
    assert out == tmp_path / "deep" / "dir" / f"features{suffix}" and out.is_file()
    back = read_table(out)
    pd.testing.assert_frame_equal(back, table, check_exact=True)
    assert os.listdir(out.parent) == [out.name]


def test_table_bad_arguments(tmp_path):
    with pytest.raises(
        ValueError, match=r"unsupported table type '\.xlsx'; use \.csv or \.parquet"
    ):
        write_table(_features(), tmp_path / "f.xlsx")
    with pytest.raises(TypeError, match="DataFrame"):
        write_table({"id": [1]}, tmp_path / "f.csv")
    with pytest.raises(FileNotFoundError, match="no such table"):
        read_table(tmp_path / "none.csv")
    with pytest.raises(ValueError, match="unsupported table type"):
        read_table(tmp_path / "f.json")


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_table_is_atomic(tmp_path, monkeypatch, suffix, error):
    out = tmp_path / f"features{suffix}"
    write_table(_features(), out)
    before = out.read_bytes()
    method = "to_csv" if suffix == ".csv" else "to_parquet"

    def half_written(self, path, *args, **kwargs):
        Path(path).write_bytes(b"id,H0\npartial")
        raise error("writer died midway")

    monkeypatch.setattr(pd.DataFrame, method, half_written)
    with pytest.raises(error, match="midway"):
        write_table(_features().iloc[:1], out)
    assert out.read_bytes() == before
    assert os.listdir(tmp_path) == [out.name]  # the temporary file is gone


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_read_table_keeps_ids_that_look_missing(tmp_path, suffix):
    table = pd.DataFrame({"id": ["NA", "nan", "null", "007", ""], "x": [1.0, np.nan, 0.1, 2.0, 3]})
    out = write_table(table, tmp_path / f"t{suffix}")
    back = read_table(out)
    assert back["id"].tolist() == ["NA", "nan", "null", "007", ""]
    np.testing.assert_array_equal(back["x"].to_numpy(), table["x"].to_numpy())
