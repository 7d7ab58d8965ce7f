"""A real time series with a labelled anomaly, read from an installed package (no download).

``135_UCR_Anomaly_InternalBleeding16`` of the Hexagon ML/UCR Time Series Anomaly Archive
(Wu & Keogh, 2021; the SIGKDD 2021 anomaly-detection contest), a physiological recording of
7,501 samples with one labelled anomaly. The two CSV files (TimeEval format) ship inside the
wheel of `aeon <https://www.aeon-toolkit.org>`_ (``aeon/datasets/data/KDD-TSAD_135/``, read by
aeon's ``load_kdd_tsad_135``). tdasheaf neither redistributes nor downloads them: the loader
finds aeon's copy **without importing aeon** (``importlib.util.find_spec``), so aeon's pinned
dependencies are not needed — ``pip install --no-deps aeon`` is enough to provide the data.

Provenance and licence: aeon is BSD-3-Clause; the archive's authors distribute the data freely
for research and benchmarking, with no separate licence file. Cite Wu & Keogh (2021) when
publishing results on it: R. Wu and E. J. Keogh, "Current Time Series Anomaly Detection
Benchmarks are Flawed and are Creating the Illusion of Progress", IEEE TKDE 35(3), 2023,
doi:10.1109/TKDE.2021.3112126.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where a Bunch is built: tdasheaf.datasets stays free of sklearn
    from sklearn.utils import Bunch

__all__ = ["load_internal_bleeding", "load_internal_bleeding_windows"]

_FOLDER = ("datasets", "data", "KDD-TSAD_135")
_STEM = "135_UCR_Anomaly_InternalBleeding16"
_HEADER = "timestamp,value,is_anomaly"

_DESCR = """\
UCR Anomaly Archive 135, InternalBleeding16 (as shipped by aeon, read without importing it)
-----------------------------------------------------------------------------------------
7,501 samples of a physiological signal (aeon describes it as the heart rate of a patient with
internal bleeding), quasi-periodic with a cycle of about 183 samples. One anomaly is labelled:
samples 4187-4198, a burst of jitter on a falling edge. The first 1,200 samples are the
anomaly-free training part (the archive's name ends in _1200_4187_4199: train end, anomaly
start and end). Source: Hexagon ML/UCR Time Series Anomaly Archive, R. Wu and E. J. Keogh,
IEEE TKDE 2023, doi:10.1109/TKDE.2021.3112126 (SIGKDD 2021 contest data).
"""


def _data_folder(path) -> Path:
    if path is not None:
        folder = Path(path)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder} is not a folder holding {_STEM}_TEST.csv.")
        return folder
    spec = importlib.util.find_spec("aeon")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the InternalBleeding16 series ships inside the aeon package, which is not "
            "installed: pip install aeon (or, for the data files only, without aeon's pinned "
            "dependencies: pip install --no-deps aeon). tdasheaf never downloads it."
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    folder = root.joinpath(*_FOLDER)
    if not (folder / f"{_STEM}_TEST.csv").is_file():
        raise ImportError(
            f"the installed aeon ({root}) does not ship {'/'.join(_FOLDER)}/{_STEM}_TEST.csv; "
            "install a release that does (aeon 1.6.0 does): pip install --no-deps 'aeon>=1.6'."
        )
    return folder


def _read_timeeval_csv(file: Path) -> tuple[np.ndarray, np.ndarray]:
    """(values, labels) of a univariate TimeEval CSV: timestamp,value,is_anomaly."""
    with open(file, encoding="utf-8") as handle:
        header = handle.readline().strip()
    if header != _HEADER:
        raise ValueError(f"{file}: expected the header {_HEADER!r}, got {header!r}.")
    table = np.loadtxt(file, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if table.shape[1] != 3 or len(table) == 0:
        raise ValueError(f"{file}: expected rows timestamp,value,is_anomaly; got {table.shape}.")
    values, labels = table[:, 1], table[:, 2]
    if not np.isfinite(values).all() or not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError(f"{file}: values must be finite and labels 0 or 1.")
    return np.ascontiguousarray(values), labels.astype(bool)


def load_internal_bleeding(*, path=None) -> Bunch:
    """The InternalBleeding16 series of the UCR Anomaly Archive, with its anomaly label.

    Read from the copy inside the installed aeon package (aeon itself is not imported; see
    the module docstring for provenance and licence).

    Parameters
    ----------
    path : path-like, optional
        A folder holding ``135_UCR_Anomaly_InternalBleeding16_TEST.csv`` (and optionally
        ``..._TRAIN.csv``) in TimeEval format, used instead of aeon's copy.

    Returns
    -------
    sklearn.utils.Bunch
        ``series`` (float64, shape (7501,)), ``is_anomaly`` (bool, shape (7501,)),
        ``train_size`` (int: ``series[:train_size]`` is anomaly-free, 1200), ``anomaly``
        (``(start, end)`` of the labelled samples, end exclusive: (4187, 4199)), ``name``
        and ``DESCR``.

    Raises
    ------
    ImportError
        When aeon (with this data file) is not installed, naming what to install.

    Examples
    --------
    >>> data = load_internal_bleeding()  # doctest: +SKIP
    >>> data.series.shape, data.train_size, data.anomaly  # doctest: +SKIP
    ((7501,), 1200, (4187, 4199))
    """
    folder = _data_folder(path)
    series, labels = _read_timeeval_csv(folder / f"{_STEM}_TEST.csv")
    train_file = folder / f"{_STEM}_TRAIN.csv"
    train_size = 0
    if train_file.is_file():
        train, train_labels = _read_timeeval_csv(train_file)
        if len(train) > len(series) or not np.array_equal(train, series[: len(train)]):
            raise ValueError(f"{train_file}: the training part is not a prefix of the series.")
        if train_labels.any():
            raise ValueError(f"{train_file}: the training part has anomaly labels.")
        train_size = len(train)
    from sklearn.utils import Bunch

    flagged = np.flatnonzero(labels)
    anomaly = (int(flagged[0]), int(flagged[-1]) + 1) if flagged.size else None
    return Bunch(
        series=series,
        is_anomaly=labels,
        train_size=train_size,
        anomaly=anomaly,
        name=_STEM,
        DESCR=_DESCR,
    )


def load_internal_bleeding_windows(size: int = 200, stride: int = 25, *, path=None) -> Bunch:
    """The InternalBleeding16 series cut into sliding windows, each labelled.

    Windows are those of :func:`tdasheaf.time_series.sliding_windows` (window ``w`` covers
    samples ``[w * stride, w * stride + size)``); the default ``size=200`` holds about one
    cycle (≈ 183 samples). A window is anomalous when it contains a labelled sample, and a
    training window when it lies inside the anomaly-free prefix ``series[:train_size]`` — fit
    a detector on those, score the others.

    Parameters
    ----------
    size : int, default=200
        Samples per window.
    stride : int, default=25
        Step between window starts.
    path : path-like, optional
        As in :func:`load_internal_bleeding`.

    Returns
    -------
    sklearn.utils.Bunch
        ``windows`` (n_windows, size), ``bounds`` (n_windows, 2) ``(start, end)``,
        ``is_anomaly`` and ``is_train`` (bool, n_windows), plus ``series``,
        ``series_is_anomaly``, ``train_size``, ``anomaly``, ``name`` and ``DESCR`` of the
        whole series.

    Examples
    --------
    >>> data = load_internal_bleeding_windows(size=200, stride=25)  # doctest: +SKIP
    >>> data.windows.shape, int(data.is_anomaly.sum()), int(data.is_train.sum())  # doctest: +SKIP
    ((293, 200), 8, 41)
    """
    from sklearn.utils import Bunch

    from tdasheaf.time_series import sliding_windows

    data = load_internal_bleeding(path=path)
    windows, bounds = sliding_windows(data.series, size, stride)
    flagged = np.r_[0, np.cumsum(data.is_anomaly)]
    return Bunch(
        windows=windows,
        bounds=bounds,
        is_anomaly=flagged[bounds[:, 1]] > flagged[bounds[:, 0]],
        is_train=bounds[:, 1] <= data.train_size,
        series=data.series,
        series_is_anomaly=data.is_anomaly,
        train_size=data.train_size,
        anomaly=data.anomaly,
        name=data.name,
        DESCR=data.DESCR,
    )
