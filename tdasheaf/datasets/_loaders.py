"""Loaders of real and bundled point-cloud data: the repository's ``datasets/`` folder and two
scikit-learn datasets that fit TDA (digits as pixel clouds, natural-image 3×3 patches).

The scikit-learn data (``load_digits``, ``load_sample_images``) are installed with
scikit-learn and need no download; they keep their own licences (UCI digits: CC BY 4.0; the
two photographs: CC BY 2.0, see ``datasets/README.md``). The bundled folder ships with a
source checkout and, as package data, inside the wheel.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np

from tdasheaf.datasets._generators import _check_random_state

__all__ = [
    "DCT_BASIS",
    "bundled_data_path",
    "load_bundled_point_clouds",
    "load_digits_point_clouds",
    "load_image_patches",
]


# ---------------------------------------------------------------------------------------------
# the repository's datasets/ folder
# ---------------------------------------------------------------------------------------------


def bundled_data_path() -> Path:
    """The repository's top-level ``datasets/`` folder (bundled data files).

    Returns
    -------
    pathlib.Path
        Absolute path of ``datasets/`` beside the ``tdasheaf`` package in a source checkout
        (``git clone`` and ``pip install -e .``); in an installed wheel, of its copy
        ``tdasheaf/datasets/_bundled`` (package data).

    Raises
    ------
    FileNotFoundError
        When neither is there (a broken install).

    Examples
    --------
    >>> from tdasheaf.datasets import bundled_data_path
    >>> (bundled_data_path() / "README.md").is_file()
    True
    """
    path = Path(__file__).resolve().parents[2] / "datasets"
    if not (path / "README.md").is_file():  # an installed wheel: its copy of datasets/
        path = Path(__file__).resolve().parent / "_bundled"
    if not (path / "README.md").is_file():
        raise FileNotFoundError(
            f"the bundled data folder {path} is missing: the datasets/ folder ships with a source "
            "checkout of tdasheaf and, as tdasheaf/datasets/_bundled, inside its wheel. "
            "Reinstall, use a checkout, or pass path= to a copy of datasets/point_clouds."
        )
    return path


def load_bundled_point_clouds(
    path: str | Path | None = None,
) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Load the bundled labelled point clouds (``datasets/point_clouds``).

    40 clouds in ℝ³, five of each of eight shapes (circle, figure_eight, sphere, torus,
    cylinder, mobius_band, swiss_roll, blob), 150–250 points each, made by
    ``pipelines/make_datasets.py`` with a fixed seed (see ``datasets/README.md``). The files
    are read through :mod:`tdasheaf.io`; the labels come from the table
    ``<folder>_labels.csv`` beside the folder (columns ``id,label``), kept outside it so that
    the folder holds only clouds and can be passed as it is to ``tdasheaf-extract``.

    Parameters
    ----------
    path : path-like, optional
        A folder of clouds with its ``<folder>_labels.csv`` beside it. Default: the bundled
        ``datasets/point_clouds`` of a source checkout (see :func:`bundled_data_path`).

    Returns
    -------
    ids : list of str
        Cloud ids (file names without ``.npy``), sorted.
    clouds : list of ndarray of shape (n_points, 3)
        float64 point clouds, in the order of ``ids``.
    labels : ndarray of str, shape (n_clouds,)
        The shape name of each cloud.

    Raises
    ------
    FileNotFoundError
        When the bundled folder is missing (and no ``path``), or the labels table is.
    ValueError
        When the labels table does not list exactly the clouds of the folder.

    Examples
    --------
    >>> from tdasheaf.datasets import load_bundled_point_clouds
    >>> ids, clouds, labels = load_bundled_point_clouds()
    >>> len(ids), ids[0], clouds[0].shape[1], str(labels[0])
    (40, 'blob_00', 3, 'blob')
    >>> sorted(set(labels.tolist()))
    ['blob', 'circle', 'cylinder', 'figure_eight', 'mobius_band', 'sphere', 'swiss_roll', 'torus']
    """
    from tdasheaf.io import find_sources, read_table

    folder = Path(path) if path is not None else bundled_data_path() / "point_clouds"
    labels_path = folder.parent / f"{folder.name}_labels.csv"
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder of point clouds.")
    if not labels_path.is_file():
        raise FileNotFoundError(
            f"{labels_path}: the labels table (columns id,label) is missing; it belongs beside "
            f"the folder {folder}."
        )
    sources = find_sources(folder)
    table = read_table(labels_path)
    if list(table.columns[:2]) != ["id", "label"]:
        raise ValueError(f"{labels_path}: expected columns id,label, got {list(table.columns)}.")
    by_id = dict(zip(table["id"], table["label"].astype(str), strict=True))
    ids = [s.id for s in sources]
    if set(ids) != set(by_id) or len(by_id) != len(table):
        missing = sorted(set(ids) - set(by_id))[:5]
        extra = sorted(set(by_id) - set(ids))[:5]
        raise ValueError(
            f"{labels_path} does not match {folder}: clouds without a label {missing}, labels "
            f"without a cloud {extra} (or duplicate ids); regenerate with "
            "python pipelines/make_datasets.py."
        )
    clouds = [s.load() for s in sources]
    return ids, clouds, np.array([by_id[i] for i in ids])


# ---------------------------------------------------------------------------------------------
# scikit-learn digits
# ---------------------------------------------------------------------------------------------


def load_digits_point_clouds(
    threshold: float = 8.0, *, n_class: int = 10
) -> tuple[list[np.ndarray], np.ndarray]:
    """Handwritten digits as point clouds of bright pixels (scikit-learn's ``load_digits``).

    Each 8×8 image (intensities 0–16, 1,797 images) becomes the cloud of the pixel
    coordinates ``(column, 7 - row)`` (so the digit stands upright) whose intensity is
    above ``threshold``: a "0" is a loop of about 20 points, an "8" two loops touching, a "1"
    a segment. Coordinates are integers 0–7 stored as float64; clouds have 10–50 points.

    Parameters
    ----------
    threshold : float, default=8.0
        Keep pixels with intensity ``> threshold``, ``0 <= threshold < 16``.
    n_class : int, default=10
        Keep the digits ``0 .. n_class - 1`` (as :func:`sklearn.datasets.load_digits`).

    Returns
    -------
    clouds : list of ndarray of shape (n_points_i, 2)
        One cloud per image, in scikit-learn's order.
    labels : ndarray of int, shape (n_images,)
        The digit of each image.

    Raises
    ------
    ValueError
        For a threshold outside ``[0, 16)`` or one that leaves an image with no pixel.

    Examples
    --------
    >>> from tdasheaf.datasets import load_digits_point_clouds
    >>> clouds, labels = load_digits_point_clouds(threshold=8.0, n_class=2)
    >>> len(clouds), labels[:4].tolist(), clouds[0].shape[1]
    (360, [0, 1, 0, 1], 2)
    """
    from sklearn.datasets import load_digits

    ok = isinstance(threshold, numbers.Real) and not isinstance(threshold, bool)
    if not ok or not 0 <= threshold < 16:
        raise ValueError(f"threshold must be a number in [0, 16), got {threshold!r}.")
    if isinstance(n_class, bool) or not isinstance(n_class, numbers.Integral):
        raise ValueError(f"n_class must be an integer between 1 and 10, got {n_class!r}.")
    if not 1 <= n_class <= 10:
        raise ValueError(f"n_class must be an integer between 1 and 10, got {n_class!r}.")
    digits = load_digits(n_class=int(n_class))
    clouds = []
    for i, image in enumerate(digits.images):
        rows, cols = np.nonzero(image > threshold)
        if rows.size == 0:
            raise ValueError(
                f"threshold={threshold!r} leaves image {i} (a {digits.target[i]}) with no pixel; "
                "lower the threshold."
            )
        clouds.append(np.column_stack([cols, 7 - rows]).astype(np.float64))
    return clouds, np.asarray(digits.target)


# ---------------------------------------------------------------------------------------------
# natural-image patches (Lee–Pedersen–Mumford 2003; Carlsson, Ishkhanov, de Silva, Zomorodian 2008)
# ---------------------------------------------------------------------------------------------


def _dct_basis() -> np.ndarray:
    """The 8 DCT basis patches e_1..e_8 of Lee–Pedersen–Mumford, Euclidean-unit, rows of 9."""
    c = np.ones(3) / np.sqrt(3.0)
    u = np.array([1.0, 0.0, -1.0]) / np.sqrt(2.0)
    w = np.array([1.0, -2.0, 1.0]) / np.sqrt(6.0)
    # (row profile, column profile): e1 horizontal gradient, e2 vertical, e3/e4 second
    # derivatives, e5 saddle, e6/e7 mixed, e8 checkerboard-like
    pairs = [(c, u), (u, c), (c, w), (w, c), (u, u), (w, u), (u, w), (w, w)]
    return np.array([np.outer(r, q).ravel() for r, q in pairs])


#: The LPM DCT basis of mean-zero 3×3 patches, shape (8, 9), each row a flattened patch with
#: Euclidean norm 1; the rows are eigenvectors of the grid Laplacian ``D``.
DCT_BASIS = _dct_basis()


def _grid_laplacian() -> np.ndarray:
    """Graph Laplacian D of the 3×3 grid (4-neighbours): ``x^T D x = Σ_{i~j} (x_i - x_j)²``."""
    D = np.zeros((9, 9))
    for r in range(3):
        for q in range(3):
            i = 3 * r + q
            for rr, qq in ((r + 1, q), (r, q + 1)):
                if rr < 3 and qq < 3:
                    j = 3 * rr + qq
                    D[i, i] += 1
                    D[j, j] += 1
                    D[i, j] -= 1
                    D[j, i] -= 1
    return D


_D = _grid_laplacian()


def load_image_patches(
    n_patches: int = 5000,
    *,
    top_fraction: float = 0.2,
    coordinates: str = "dct",
    random_state=0,
) -> np.ndarray:
    """High-contrast 3×3 patches of natural images, normalised as in Lee–Pedersen–Mumford.

    The construction of Lee, Pedersen & Mumford (2003), used by Carlsson, Ishkhanov,
    de Silva & Zomorodian (2008) to find the "three circles" / Klein bottle in patch space,
    applied to the two photographs of :func:`sklearn.datasets.load_sample_images`:

    1. grey level ``0.299 R + 0.587 G + 0.114 B``, then log intensity ``log(1 + I)``;
    2. ``n_patches / top_fraction`` 3×3 patches at random positions (without replacement,
       from both images);
    3. subtract each patch's mean and compute its contrast, the D-norm
       ``‖x‖_D = sqrt(Σ_{i~j} (x_i - x_j)²)`` over 4-neighbour pixel pairs;
    4. keep the ``top_fraction`` of highest contrast and divide each by its D-norm.

    The result lies on a 7-sphere: with ``coordinates="dct"`` (default) it is given in the
    D-orthonormal DCT basis (:data:`DCT_BASIS` scaled to unit D-norm), a point of the unit
    sphere ``S⁷ ⊂ ℝ⁸`` on which Euclidean distance is the D-distance of the patches; with
    ``coordinates="pixels"`` it is the mean-zero, unit-D-norm patch itself in ℝ⁹ (row-major
    pixels). DCT coordinates 1 and 2 are the horizontal and vertical linear gradients, 3 and 4
    the second derivatives. The density filtering of Carlsson et al. (keep the densest points
    by k-nearest-neighbour distance) is left to the caller. The two photographs are 8-bit
    JPEGs, not the calibrated van Hateren images of the papers: the logarithm amplifies
    quantisation noise in dark regions, and the fine structure of patch space (primary
    circle, three circles) is much weaker here than in the papers; treat this as a realistic
    8-dimensional point cloud with known normalisation, not as a reproduction.

    Parameters
    ----------
    n_patches : int, default=5000
        Number of patches returned.
    top_fraction : float, default=0.2
        Fraction of the sampled patches kept, by contrast, in ``(0, 1]`` (LPM keep 20 %).
        About 1 % of the patches are flat (zero contrast) and cannot be normalised: a value
        that keeps one of them raises a ValueError.
    coordinates : {"dct", "pixels"}, default="dct"
        DCT-basis coordinates in ℝ⁸ or normalised pixels in ℝ⁹.
    random_state : None, int, RandomState or Generator, default=0
        Seed for the patch positions.

    Returns
    -------
    ndarray of shape (n_patches, 8) or (n_patches, 9)
        float64, sorted by nothing in particular (the order of the random positions).

    References
    ----------
    A. B. Lee, K. S. Pedersen, D. Mumford, "The nonlinear statistics of high-contrast patches
    in natural images", Int. J. Comput. Vision 54 (2003). G. Carlsson, T. Ishkhanov,
    V. de Silva, A. Zomorodian, "On the local behavior of spaces of natural images",
    Int. J. Comput. Vision 76 (2008).

    Examples
    --------
    >>> import numpy as np
    >>> from tdasheaf.datasets import load_image_patches
    >>> V = load_image_patches(500, random_state=0)
    >>> V.shape
    (500, 8)
    >>> bool(np.allclose(np.linalg.norm(V, axis=1), 1.0))
    True
    """
    from sklearn.datasets import load_sample_images

    if isinstance(n_patches, bool) or not isinstance(n_patches, numbers.Integral) or n_patches < 1:
        raise ValueError(f"n_patches must be a positive integer, got {n_patches!r}.")
    ok = isinstance(top_fraction, numbers.Real) and not isinstance(top_fraction, bool)
    if not ok or not 0 < top_fraction <= 1:
        raise ValueError(f"top_fraction must be a number in (0, 1], got {top_fraction!r}.")
    if coordinates not in ("dct", "pixels"):
        raise ValueError(f"coordinates must be 'dct' or 'pixels', got {coordinates!r}.")
    rng = _check_random_state(random_state)
    try:
        images = load_sample_images().images
    except ImportError as exc:  # scikit-learn reads the JPEGs with Pillow
        raise ImportError(
            "load_image_patches needs Pillow to read scikit-learn's sample images: "
            "pip install pillow."
        ) from exc
    grey = [np.log1p(im.astype(np.float64) @ np.array([0.299, 0.587, 0.114])) for im in images]
    sizes = [(g.shape[0] - 2) * (g.shape[1] - 2) for g in grey]
    n_candidates = int(np.ceil(n_patches / top_fraction))
    total = sum(sizes)
    if n_candidates > total:
        raise ValueError(
            f"n_patches / top_fraction = {n_candidates} patches would be needed; the images hold "
            f"{total}. Lower n_patches or raise top_fraction."
        )
    picks = np.sort(rng.choice(total, size=n_candidates, replace=False))
    patches = []
    offset = 0
    for g, size in zip(grey, sizes, strict=True):
        mine = picks[(picks >= offset) & (picks < offset + size)] - offset
        rows, cols = np.divmod(mine, g.shape[1] - 2)
        window = np.lib.stride_tricks.sliding_window_view(g, (3, 3))
        patches.append(window[rows, cols].reshape(-1, 9))
        offset += size
    X = np.concatenate(patches)
    X = X - X.mean(axis=1, keepdims=True)
    dnorm = np.sqrt(np.einsum("ij,jk,ik->i", X, _D, X))
    keep = np.sort(np.argsort(-dnorm, kind="stable")[:n_patches])
    if not dnorm[keep].min() > 0:
        raise ValueError(
            "some kept patches are flat (zero contrast) and cannot be normalised; lower "
            "top_fraction."
        )
    X = X[keep] / dnorm[keep, None]
    if coordinates == "pixels":
        return np.ascontiguousarray(X)
    eigenvalues = np.einsum("ij,jk,ik->i", DCT_BASIS, _D, DCT_BASIS)
    return np.ascontiguousarray((X @ DCT_BASIS.T) * np.sqrt(eigenvalues))
