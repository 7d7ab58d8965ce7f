"""Reading the one table of ``tdasheaf-anomalies``' points and series modes, by column name.

Point-cloud files of the clouds mode are read by :mod:`tdasheaf.io`; a points or series input is
a *table* whose columns are chosen by name (``--columns``, ``--id-column``, ``--time-column``),
so it is read here into a :class:`pandas.DataFrame`:

* ``.csv``, ``.tsv``, ``.txt``: a header line unless the first line is all numbers (then the
  columns are named ``"0"``, ``"1"``, ...); the delimiter is sniffed (tab for ``.tsv``, runs of
  whitespace when the first data line has no ``, ; tab |``); ``#`` lines are comments; an empty
  cell is a missing value;
* ``.parquet`` (pyarrow);
* ``.npy``: a 1-D (one column) or 2-D numeric array, read without pickles;
* the other point-cloud formats of :mod:`tdasheaf.io` (``.npz`` with one array, ``.ply``,
  ``.xyz``), columns ``"0"``, ``"1"``, ...

Default columns: every numeric column except the id and time columns; columns of words (labels)
are left out, a column mixing numbers and text is an error naming a bad cell.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

try:
    from tdasheaf_pipelines._cli import BadArguments
except ImportError:  # pragma: no cover - run as a script from a checkout that is not installed
    from _cli import BadArguments


def _is_number(text) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True


def read_frame(path: str, what: str) -> pd.DataFrame:
    """A table of a ``.csv/.tsv/.txt/.parquet`` file, an ``.npy`` array or a point-cloud file.

    Header-less text tables and arrays get the column names ``"0"``, ``"1"``, ...
    """
    from tdasheaf.io import SUFFIXES, read_point_cloud

    p = Path(path).expanduser()
    if p.is_dir() or any(ch in str(path) for ch in "*?["):
        raise BadArguments(f"{what} mode reads one file, got the folder or glob {path!r}.")
    if not p.is_file():
        raise BadArguments(f"{path}: no such file.")
    suffix = p.suffix.lower()
    try:
        if suffix in (".csv", ".tsv", ".txt"):
            frame = _read_text(p, suffix)
        elif suffix == ".parquet":
            frame = pd.read_parquet(p)
        elif suffix == ".npy":
            A = np.load(p, allow_pickle=False)
            if A.ndim not in (1, 2) or not np.issubdtype(A.dtype, np.number):
                raise ValueError(f"expected a 1-D or 2-D numeric array, got {A.dtype} {A.shape}")
            frame = pd.DataFrame(A.reshape(len(A), -1))
        elif suffix in SUFFIXES:
            frame = pd.DataFrame(read_point_cloud(p))
        else:
            raise BadArguments(
                f"{path}: unsupported file type {suffix!r}; use .csv, .tsv, .txt, .parquet or "
                ".npy (points mode also reads .npz, .ply, .xyz)."
            )
    except BadArguments:
        raise
    except ImportError as exc:
        raise BadArguments(f"{path}: {exc}") from exc
    except Exception as exc:  # a malformed file, whatever the parser's exception
        raise BadArguments(f"{path}: cannot read the table ({exc}); check the file.") from exc
    frame.columns = [str(c) for c in frame.columns]
    if frame.empty:
        raise BadArguments(f"{path}: the table has no rows.")
    return frame


def _read_text(p: Path, suffix: str) -> pd.DataFrame:
    first = ""
    with open(p, encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.lstrip().startswith("#"):
                first = line
                break
    if suffix == ".tsv":
        sep = "\t"
    elif any(d in first for d in ",;\t|"):
        sep = None  # sniffed
    else:
        sep = r"\s+"
    kwargs = {"sep": sep, "engine": "python", "comment": "#", "skipinitialspace": True}
    frame = pd.read_csv(p, **kwargs)
    if all(_is_number(c) for c in frame.columns):  # no header line
        frame = pd.read_csv(p, header=None, **kwargs)
    return frame


def _column(frame: pd.DataFrame, name: str, path: str) -> str:
    if name in frame.columns:
        return name
    if name.isdigit() and int(name) < frame.shape[1]:
        return str(frame.columns[int(name)])
    raise BadArguments(
        f"{path}: no column {name!r}; the columns are {', '.join(map(repr, frame.columns))}."
    )


def pick_columns(frame: pd.DataFrame, wanted, exclude, path: str) -> list[str]:
    """The numeric columns to use: ``wanted`` (names or positions) or every numeric column.

    Columns of words (labels, names) are left out of the default; a column mixing numbers and
    text is an error in both cases.
    """
    exclude = {c for c in exclude if c is not None}
    if wanted:
        names = [_column(frame, w, path) for w in wanted]
    else:
        names = [c for c in frame.columns if c not in exclude]
    out = []
    for name in names:
        col = frame[name]
        is_bool = pd.api.types.is_bool_dtype(col)
        if pd.api.types.is_numeric_dtype(col) and not is_bool:
            out.append(name)
            continue
        present = col.dropna()
        numbers = pd.to_numeric(present, errors="coerce")
        if wanted or (numbers.notna().any() and not is_bool):
            bad = present[numbers.isna()] if not is_bool else present
            example = f" (e.g. {bad.iloc[0]!r} in data row {bad.index[0] + 1})" if len(bad) else ""
            raise BadArguments(
                f"{path}: column {name!r} is not numeric{example}; fix the file or leave the "
                "column out with --columns."
            )
    if not out:
        raise BadArguments(f"{path}: no numeric columns to use; pick them with --columns.")
    return out


def matrix(frame: pd.DataFrame, columns: list[str], path: str) -> np.ndarray:
    """The float64 matrix of ``columns`` (those of the input, a reference or a model)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadArguments(
            f"{path}: no column(s) {', '.join(map(repr, missing))}; the columns used are "
            f"{', '.join(map(repr, columns))} (those of the input or of --model)."
        )
    try:
        return frame[columns].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise BadArguments(f"{path}: columns {columns} are not all numeric ({exc}).") from exc


def nonfinite_messages(X: np.ndarray, rows: np.ndarray, columns: list[str]) -> list[str]:
    """The error message of each of ``rows``: which columns hold NaN or infinity."""
    out = []
    for i in rows:
        cols = [columns[j] for j in np.flatnonzero(~np.isfinite(X[i]))]
        out.append(
            f"missing (NaN) or infinite value in column(s) {', '.join(map(repr, cols))}; "
            "drop or impute the row"
        )
    return out
