"""Bundled data (datasets/) and the tdasheaf.datasets loaders: contents, regeneration, sklearn."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tdasheaf.datasets import (
    DCT_BASIS,
    bundled_data_path,
    load_bundled_point_clouds,
    load_digits_point_clouds,
    load_image_patches,
)
from tdasheaf.datasets._loaders import _D
from tdasheaf.io import find_sources

ROOT = Path(__file__).resolve().parents[1]
SHAPES = [
    "blob",
    "circle",
    "cylinder",
    "figure_eight",
    "mobius_band",
    "sphere",
    "swiss_roll",
    "torus",
]


def _make_datasets():
    spec = importlib.util.spec_from_file_location(
        "make_datasets", ROOT / "pipelines/make_datasets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------
# bundled files
# --------------------------------------------------------------------------------------------


def test_bundled_point_clouds():
    ids, clouds, labels = load_bundled_point_clouds()
    assert len(ids) == len(clouds) == len(labels) == 40
    assert ids == sorted(ids)
    assert sorted(set(labels.tolist())) == SHAPES
    assert all((labels == s).sum() == 5 for s in SHAPES)
    for cloud_id, X, label in zip(ids, clouds, labels, strict=True):
        assert cloud_id.rsplit("_", 1)[0] == label
        assert X.dtype == np.float64 and X.shape[1] == 3 and 150 <= X.shape[0] <= 250
        assert np.isfinite(X).all()


def test_bundled_folder_holds_only_readable_clouds():
    folder = bundled_data_path() / "point_clouds"
    sources = find_sources(folder)
    assert len(sources) == 40
    assert all(s.load().shape[1] == 3 for s in sources)
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert size < 200_000


def test_bundled_loader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_bundled_point_clouds(tmp_path / "nothing")
    folder = tmp_path / "clouds"
    folder.mkdir()
    np.save(folder / "a.npy", np.ones((3, 2)))
    with pytest.raises(FileNotFoundError, match="clouds_labels.csv: the labels table"):
        load_bundled_point_clouds(folder)
    (tmp_path / "clouds_labels.csv").write_text("id,label\nb,circle\n")
    with pytest.raises(ValueError, match=r"clouds without a label \['a'\]"):
        load_bundled_point_clouds(folder)
    (tmp_path / "clouds_labels.csv").write_text("id,label\na,circle\n")
    ids, clouds, labels = load_bundled_point_clouds(folder)
    assert ids == ["a"] and labels.tolist() == ["circle"] and clouds[0].shape == (3, 2)


def test_regeneration_reproduces_the_committed_files(tmp_path):
    make = _make_datasets()
    assert make.main(["--out", str(tmp_path / "one")]) == 0
    assert make.main(["--out", str(tmp_path / "two")]) == 0
    committed = bundled_data_path()
    new = tmp_path / "one"
    names = sorted(p.name for p in (committed / "point_clouds").iterdir())
    assert names == sorted(p.name for p in (new / "point_clouds").iterdir())
    files = ["shapes_small.npz", "point_clouds_labels.csv"] + [f"point_clouds/{n}" for n in names]
    for name in files:
        # a rerun on the same machine is byte-identical
        assert (new / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert (new / "point_clouds_labels.csv").read_bytes() == (
        committed / "point_clouds_labels.csv"
    ).read_bytes()
    for name in files:
        if name.endswith(".csv") or (new / name).read_bytes() == (committed / name).read_bytes():
            continue
        # another machine's libm/LAPACK may differ in the last bit of a float64 before the
        # rounding to float32: allow that, and nothing more
        if name.endswith(".npz"):
            with np.load(new / name) as a, np.load(committed / name) as b:
                assert a.files == b.files
                for key in a.files:
                    if a[key].dtype.kind == "f":
                        np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=1e-12)
                    else:
                        np.testing.assert_array_equal(a[key], b[key])
        else:
            A, B = np.load(new / name), np.load(committed / name)
            assert A.dtype == B.dtype == np.float32 and A.shape == B.shape
            np.testing.assert_array_max_ulp(A, B, maxulp=1)


# --------------------------------------------------------------------------------------------
# scikit-learn digits
# --------------------------------------------------------------------------------------------


def test_digits_point_clouds():
    clouds, labels = load_digits_point_clouds()
    assert len(clouds) == labels.shape[0] == 1797
    assert set(labels.tolist()) == set(range(10))
    for X in clouds[:200]:
        assert X.dtype == np.float64 and X.shape[1] == 2 and X.shape[0] >= 1
        assert np.array_equal(X, np.round(X)) and X.min() >= 0 and X.max() <= 7
        assert len(np.unique(X, axis=0)) == len(X)
    low, _ = load_digits_point_clouds(threshold=2.0)
    assert all(len(a) >= len(b) for a, b in zip(low, clouds, strict=True))
    few, few_labels = load_digits_point_clouds(n_class=3)
    assert set(few_labels.tolist()) == {0, 1, 2} and len(few) == len(few_labels)


def test_digits_orientation():
    """A "1" is taller than wide; the first image (a 0) has an empty middle."""
    from sklearn.datasets import load_digits

    clouds, labels = load_digits_point_clouds(threshold=8.0)
    image = load_digits().images[0]
    X = clouds[0]
    assert {(int(x), int(y)) for x, y in X} == {
        (c, 7 - r) for r, c in zip(*np.nonzero(image > 8.0), strict=True)
    }
    ones = [X for X, y in zip(clouds, labels, strict=True) if y == 1]
    spans = np.array([np.ptp(X, axis=0) for X in ones])
    assert np.median(spans[:, 1]) > np.median(spans[:, 0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"threshold": 16}, r"threshold must be a number in \[0, 16\)"),
        ({"threshold": -1}, "threshold"),
        ({"threshold": "8"}, "threshold"),
        ({"threshold": 15.5}, "leaves image .* with no pixel"),
        ({"n_class": 0}, "n_class"),
        ({"n_class": 2.0}, "n_class"),
    ],
)
def test_digits_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_digits_point_clouds(**kwargs)


# --------------------------------------------------------------------------------------------
# natural-image patches
# --------------------------------------------------------------------------------------------


def test_dct_basis():
    np.testing.assert_allclose(DCT_BASIS @ DCT_BASIS.T, np.eye(8), atol=1e-12)
    np.testing.assert_allclose(DCT_BASIS.sum(axis=1), 0, atol=1e-12)  # mean-zero patches
    eigenvalues = np.einsum("ij,jk,ik->i", DCT_BASIS, _D, DCT_BASIS)
    np.testing.assert_allclose(_D @ DCT_BASIS.T, DCT_BASIS.T * eigenvalues, atol=1e-12)
    np.testing.assert_allclose(eigenvalues, [1, 1, 3, 3, 2, 4, 4, 6], atol=1e-12)
    # e1 is the horizontal gradient: constant down each column, increasing to the left
    assert np.allclose(DCT_BASIS[0].reshape(3, 3), np.array([1, 0, -1]) / np.sqrt(6))


def test_image_patches():
    V = load_image_patches(800, random_state=0)
    P = load_image_patches(800, random_state=0, coordinates="pixels")
    assert V.shape == (800, 8) and P.shape == (800, 9)
    assert V.dtype == P.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 0.0, atol=1e-12)  # mean-centred
    np.testing.assert_allclose(np.einsum("ij,jk,ik->i", P, _D, P), 1.0, atol=1e-12)  # unit D-norm
    # the DCT coordinates are the same patches: pairwise Euclidean = D-distances
    eigenvalues = np.einsum("ij,jk,ik->i", DCT_BASIS, _D, DCT_BASIS)
    np.testing.assert_allclose(V, (P @ DCT_BASIS.T) * np.sqrt(eigenvalues), atol=1e-12)
    diff = P[:50, None] - P[None, :50]
    d_dist = np.sqrt(np.einsum("abj,jk,abk->ab", diff, _D, diff))
    np.testing.assert_allclose(np.linalg.norm(V[:50, None] - V[None, :50], axis=-1), d_dist)


def test_image_patches_determinism():
    a = load_image_patches(300, random_state=5)
    np.testing.assert_array_equal(a, load_image_patches(300, random_state=5))
    assert not np.array_equal(a, load_image_patches(300, random_state=6))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(load_image_patches(300, random_state=rng).shape, (300, 8))
    assert load_image_patches(300, top_fraction=0.5, random_state=5).shape == (300, 8)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_patches": 0}, "n_patches"),
        ({"top_fraction": 0}, "top_fraction"),
        ({"top_fraction": 1.5}, "top_fraction"),
        ({"coordinates": "rgb"}, "coordinates"),
        ({"n_patches": 10**6}, "the images hold"),
    ],
)
def test_image_patches_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_image_patches(**kwargs)
