"""Reading point clouds from files and writing feature tables.

Input formats, defined once for the whole module
------------------------------------------------
A *point cloud* read from a file is returned as a C-contiguous float64 array of shape
``(n_points, n_dims)``. Readability, shape and numeric type are checked here; NaN values and
the number of points are not (the estimators check those, with the sample's name).

``.npy``
    One 2-D numeric array (:func:`numpy.save`). Read with ``allow_pickle=False``: an object
    array or a Python pickle is refused and never unpickled.
``.npz``
    One or many arrays (:func:`numpy.savez`); each numeric array is one cloud, with id
    ``"stem/key"``, or just ``"stem"`` when the file holds a single cloud. Arrays of strings
    (labels, descriptions) are metadata and skipped. Pickled (object) arrays are refused.
``.csv``, ``.txt``, ``.tsv``
    A table of numeric columns, one row per point. The delimiter is sniffed from the first
    data lines (tab, ``;``, ``,``, ``|``, else runs of whitespace; ``.tsv`` is always tab);
    the first line is a header when it holds only non-numbers, or a non-number above a
    number. Lines starting with ``#`` and blank lines are skipped. Columns made only of words
    (cells with a letter that are not numbers: a label, a name) are ignored — except, without
    ``id_column``, a named column whose values repeat and differ (``a a b b``: the cloud
    column of a long table, which would merge its clouds into one), an error naming the
    column; any other
    non-number (``oops`` among numbers, ``1,5``, ``-``) is an error naming its line and
    column; an empty cell is a missing value (NaN). With ``id_column=NAME`` the file is a
    *long table* holding many clouds: one cloud per distinct value of that column (read as
    text), with id ``"stem/value"``, its rows in file order.
``.parquet``
    The same table semantics, read with pyarrow (optional dependency, ``pip install
    pyarrow``): numeric columns are the coordinates, string columns are ignored (the same
    exception).
``.ply``
    PLY: the ``x``, ``y``, ``z`` properties of the ``vertex`` element (every scalar
    vertex property when there is no ``x``); ASCII or ``binary_little_endian`` (other
    properties and elements, e.g. colours and faces, are skipped). Big-endian PLY is refused
    with a hint to convert.
``.xyz``
    Whitespace-separated columns, one point per line; the molecular XYZ layout (a count
    line, a comment line, then ``symbol x y z``) is recognised.

Sources and ids
---------------
:func:`find_sources` expands paths, folders and globs into a sorted list of light,
picklable :class:`CloudSource` records (id, absolute path, key); nothing is loaded until
:meth:`CloudSource.load`. The id of a cloud is the file name without its suffix, or
``"stem/key"`` inside a container; files found by ``recursive=True`` under a folder get
the path relative to that folder (``"circle/cloud_007"``), so equal names in different
sub-folders stay distinct. Folders contribute the files with a suffix above (hidden
files and folders, starting with ``.``, are skipped). A file that cannot be read still
yields one source, whose ``load()`` raises :class:`~tdasheaf.exceptions.PointCloudReadError`:
a batch run records it and goes on. A source of a long table re-reads its file when loaded;
each process keeps the last few parsed tables in a small cache (see :func:`load_source`).

Every read error is a :class:`~tdasheaf.exceptions.PointCloudReadError` whose message reads
``"<path>[<key>]: what is wrong; what to do"``.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import glob
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tdasheaf import _io_formats as _fmt
from tdasheaf.exceptions import PointCloudReadError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "SUFFIXES",
    "CloudSource",
    "atomic_path",
    "find_sources",
    "load_source",
    "read_point_cloud",
    "read_point_clouds",
    "read_table",
    "write_table",
]

#: File suffixes read as point clouds (compared in lower case).
SUFFIXES = (".npy", ".npz", ".csv", ".txt", ".tsv", ".parquet", ".ply", ".xyz")
_TABLES = (".csv", ".txt", ".tsv", ".parquet")
_GLOB_CHARS = set("*?[")

PathInput = str | PathLike


# ---------------------------------------------------------------------------------------------
# sources
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloudSource:
    """Where one point cloud lives; cheap to pickle (no data inside).

    Parameters
    ----------
    id : str
        The cloud's name in feature tables: the file stem, or ``"stem/key"`` for a cloud
        inside a container (see the module docstring).
    path : str
        Absolute path of the file.
    key : str, optional
        The array name inside an ``.npz``, or the id value in a long table.
    id_column : str, optional
        For a long table (``.csv``/``.txt``/``.tsv``/``.parquet`` holding many clouds): the
        column whose value ``key`` selects the cloud's rows.

    Examples
    --------
    >>> import pickle, tempfile, numpy as np
    >>> from pathlib import Path
    >>> from tdasheaf.io import CloudSource
    >>> folder = Path(tempfile.mkdtemp())
    >>> np.save(folder / "a.npy", np.eye(3))
    >>> src = CloudSource("a", str(folder / "a.npy"))
    >>> pickle.loads(pickle.dumps(src)) == src
    True
    >>> src.load().shape
    (3, 3)
    """

    id: str
    path: str
    key: str | None = None
    id_column: str | None = None

    def load(self) -> np.ndarray:
        """Read the cloud (same as :func:`load_source`)."""
        return load_source(self)


def _expand(item: PathInput, recursive: bool) -> list[tuple[Path, str | None]]:
    """Files named by one input, each with its id prefix (None: use the stem)."""
    text = os.fspath(item)
    path = Path(text).expanduser()
    if path.is_dir():
        root = path.resolve()
        found = root.rglob("*") if recursive else root.iterdir()
        out = []
        for f in found:
            rel = f.relative_to(root)
            if any(part.startswith(".") for part in rel.parts) or not f.is_file():
                continue
            if f.suffix.lower() in SUFFIXES:
                out.append((f, rel.with_suffix("").as_posix() if recursive else None))
        if not out:
            raise ValueError(
                f"{text}: the folder holds no point-cloud files (suffixes {', '.join(SUFFIXES)})"
                + ("" if recursive else "; pass recursive=True to search sub-folders")
                + "."
            )
        return sorted(out)
    if path.exists():
        if path.suffix.lower() not in SUFFIXES:
            raise ValueError(
                f"{text}: unsupported file type {path.suffix!r}; supported: {', '.join(SUFFIXES)}."
            )
        return [(path.resolve(), None)]
    if _GLOB_CHARS & set(text):
        matches = [
            Path(m).resolve()
            for m in glob.glob(os.path.expanduser(text), recursive=recursive)
            if Path(m).is_file() and Path(m).suffix.lower() in SUFFIXES
        ]
        if not matches:
            raise ValueError(f"{text}: the pattern matches no point-cloud files.")
        return [(m, None) for m in sorted(matches)]
    if os.path.islink(path):
        try:
            path.resolve(strict=True)
        except RuntimeError:  # Python < 3.13: "Symlink loop"
            raise ValueError(
                f"{text}: a symbolic link loop (the link points, directly or through other "
                "links, back to itself); fix or remove the link."
            ) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ValueError(
                    f"{text}: a symbolic link loop (the link points, directly or through other "
                    "links, back to itself); fix or remove the link."
                ) from None
            raise ValueError(
                f"{text}: a broken symbolic link (to {os.readlink(path)!r}, which does not "
                "exist); fix or remove the link."
            ) from None
    raise ValueError(f"{text}: no such file or folder.")


def _printable(text: str) -> str:
    """``text`` encodable as UTF-8: undecodable bytes of file names (``os.fsdecode`` turns
    ``b"caf\\xe9"`` into ``"caf\\udce9"``) become backslash escapes (``"caf\\\\xe9"``).

    >>> _printable("caf\\udce9"), _printable("café")
    ('caf\\\\xe9', 'café')
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def _sources_of_file(path: Path, prefix: str | None, id_column: str | None) -> list[CloudSource]:
    # ids are table cells: an undecodable file name gets an escaped id (the path stays exact)
    return [
        CloudSource(_printable(s.id), s.path, s.key, s.id_column)
        for s in _raw_sources_of_file(path, prefix, id_column)
    ]


def _raw_sources_of_file(
    path: Path, prefix: str | None, id_column: str | None
) -> list[CloudSource]:
    stem = prefix if prefix is not None else path.stem
    suffix = path.suffix.lower()
    spath = str(path)
    if suffix == ".npz":
        try:
            names = _fmt.npz_members(path)
        except Exception:  # not a zip: load() will say so
            names = []
        if len(names) == 1:
            return [CloudSource(stem, spath, names[0])]
        if len(names) > 1:
            return [CloudSource(f"{stem}/{n}", spath, n) for n in names]
        return [CloudSource(stem, spath)]
    if id_column is not None and suffix in _TABLES:
        try:
            groups = _cached_groups(path, id_column)
        except PointCloudReadError:
            return [CloudSource(stem, spath, None, id_column)]
        return [CloudSource(f"{stem}/{v}", spath, v, id_column) for v in groups]
    return [CloudSource(stem, spath)]


def find_sources(
    inputs: PathInput | Sequence[PathInput],
    *,
    id_column: str | None = None,
    recursive: bool = False,
) -> list[CloudSource]:
    """Expand files, folders and globs into one :class:`CloudSource` per point cloud.

    Parameters
    ----------
    inputs : path-like or sequence of path-like
        Files, folders (every file with a suffix in :data:`SUFFIXES`; hidden files skipped)
        or glob patterns (``"scans/*.ply"``; ``"**"`` with ``recursive=True``).
    id_column : str, optional
        Name of the column holding the cloud id in long tables (``.csv``, ``.txt``, ``.tsv``,
        ``.parquet``). Such a file gives one source per distinct value, id ``"stem/value"``.
    recursive : bool, default=False
        Search sub-folders of folder inputs (ids become relative paths without suffix), and
        let ``"**"`` in globs match any depth.

    Returns
    -------
    list of CloudSource
        Sorted by id. Ids are unique.

    Raises
    ------
    ValueError
        An input that does not exist, a glob matching nothing, a folder without point-cloud
        files, an explicitly named file with an unsupported suffix, or two files giving the
        same id (the message names both). A file that exists but cannot be read does *not*
        raise here: it yields one source whose :meth:`~CloudSource.load` raises
        :class:`~tdasheaf.exceptions.PointCloudReadError`.

    Notes
    -----
    Containers are opened to list their clouds: ``.npz`` files read only their array
    headers; long tables are parsed once and kept in a small cache (see
    :func:`load_source`).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from tdasheaf.io import find_sources
    >>> folder = Path(tempfile.mkdtemp())
    >>> np.save(folder / "b.npy", np.ones((4, 2)))
    >>> np.savez(folder / "pair.npz", left=np.zeros((3, 2)), right=np.ones((5, 2)))
    >>> [s.id for s in find_sources(folder)]
    ['b', 'pair/left', 'pair/right']
    >>> find_sources(folder / "*.npy")[0].load().shape
    (4, 2)
    """
    if isinstance(inputs, (str, PathLike)):
        inputs = [inputs]
    if not isinstance(inputs, Iterable) or isinstance(inputs, bytes):
        raise TypeError(f"inputs must be a path or a sequence of paths, got {inputs!r}.")
    inputs = list(inputs)
    if not inputs:
        raise ValueError("inputs is empty: give at least one file, folder or glob.")
    if id_column is not None and not isinstance(id_column, str):
        raise TypeError(f"id_column must be a column name (str) or None, got {id_column!r}.")
    by_id: dict[str, CloudSource] = {}
    for item in inputs:
        if not isinstance(item, (str, PathLike)):
            raise TypeError(f"inputs must be paths (str or os.PathLike), got {item!r}.")
        for path, prefix in _expand(item, recursive):
            for src in _sources_of_file(path, prefix, id_column):
                other = by_id.get(src.id)
                if other is not None and other != src:
                    raise ValueError(
                        f"duplicate cloud id {src.id!r}: {other.path} and {src.path}; rename one "
                        "of the files or pass them in separate runs."
                    )
                by_id[src.id] = src
    return [by_id[k] for k in sorted(by_id)]


@functools.lru_cache(maxsize=4)
def _groups(path: str, mtime_ns: int, size: int, id_column: str) -> dict[str, np.ndarray]:
    """Clouds of a long table, by id value; cached on (path, mtime, size, id_column)."""
    p = Path(path)
    matrix, ids = _fmt.read_table_file(p, p.suffix.lower(), id_column)
    values, inverse = np.unique(ids, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse, minlength=values.size))[:-1]
    out = {}
    for value, rows in zip(values, np.split(order, bounds), strict=True):
        block = matrix[rows]
        block.setflags(write=False)
        out[str(value)] = block
    return out


def _check_file(path: Path, where: str) -> os.stat_result:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise PointCloudReadError(
            f"{where}: no such file; check the path (was it moved or deleted?)."
        ) from None
    except OSError as exc:
        raise PointCloudReadError(f"{where}: cannot access the file ({exc}).") from None
    if not path.is_file():
        raise PointCloudReadError(f"{where}: not a regular file; give a file, not a folder.")
    if st.st_size == 0:
        raise PointCloudReadError(
            f"{where}: the file is empty (0 bytes); re-create it or remove it from the inputs."
        )
    return st


def _cached_groups(path: Path, id_column: str) -> dict[str, np.ndarray]:
    st = _check_file(path, str(path))
    return _groups(str(path), st.st_mtime_ns, st.st_size, id_column)


# ---------------------------------------------------------------------------------------------
# public readers
# ---------------------------------------------------------------------------------------------


def _load(source: CloudSource) -> np.ndarray:
    path = Path(source.path)
    where = _fmt.where(path, source.key)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise PointCloudReadError(
            f"{where}: unsupported file type {suffix!r}; supported: {', '.join(SUFFIXES)}."
        )
    _check_file(path, where)
    if suffix == ".npy":
        return _fmt.read_npy(path)
    if suffix == ".npz":
        return _fmt.read_npz(path, source.key)
    if suffix == ".ply":
        return _fmt.read_ply(path)
    if source.id_column is not None and suffix in _TABLES:
        groups = _cached_groups(path, source.id_column)
        if source.key is None:
            raise PointCloudReadError(
                f"{path}: the table holds {len(groups)} clouds in column {source.id_column!r}; "
                "pass key= (an id value), or read them all with find_sources(..., id_column=...)."
            )
        if source.key not in groups:
            raise PointCloudReadError(
                f"{where}: no rows with {source.id_column} == {source.key!r}; was the file "
                "changed after the sources were listed?"
            )
        return np.array(groups[source.key], dtype=np.float64, order="C")
    return _fmt.read_table_file(path, suffix, None)[0]


def load_source(source: CloudSource) -> np.ndarray:
    """Read the point cloud a :class:`CloudSource` points to.

    Parameters
    ----------
    source : CloudSource
        As returned by :func:`find_sources` (or built by hand).

    Returns
    -------
    ndarray of shape (n_points, n_dims)
        C-contiguous float64, a fresh array the caller may modify. NaN values and the number
        of points are not checked (the estimators do that).

    Raises
    ------
    PointCloudReadError
        Missing or empty file, corrupt or truncated data, a pickle (refused, never
        executed), text in a numeric column, ragged rows, an array that is not 2-D, complex
        or object values, no numeric columns, big-endian PLY. The message starts with
        ``<path>[<key>]`` and says what to do.

    Notes
    -----
    A cloud of a long table re-reads its file, so that sources stay light enough to ship to
    joblib or Dask workers. The parsed table is kept in a module-level LRU cache of the 4
    most recent ``(path, mtime, size, id_column)``: each process parses a long table once,
    and an edited file is read again.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from tdasheaf.io import find_sources, load_source
    >>> path = Path(tempfile.mkdtemp()) / "long.csv"
    >>> _ = path.write_text("cloud,x,y\\na,0,0\\na,1,0\\nb,0,1\\nb,1,1\\nb,2,1\\n")
    >>> sources = find_sources(path, id_column="cloud")
    >>> [(s.id, load_source(s).shape) for s in sources]
    [('long/a', (2, 2)), ('long/b', (3, 2))]
    >>> bad = Path(path.parent) / "bad.csv"
    >>> _ = bad.write_text("x,y\\n1,2\\n3,oops\\n")
    >>> read_point_cloud(bad)
    Traceback (most recent call last):
    ...
    tdasheaf.exceptions.PointCloudReadError: ...bad.csv: line 3, column 2 ('y'): 'oops' is not ...
    """
    if not isinstance(source, CloudSource):
        raise TypeError(f"source must be a CloudSource, got {type(source).__name__}.")
    try:
        return _load(source)
    except PointCloudReadError:
        raise
    except Exception as exc:  # an unforeseen malformed file: still a read error, with its cause
        raise PointCloudReadError(
            f"{_fmt.where(source.path, source.key)}: could not read the file "
            f"({type(exc).__name__}: {exc}); check or re-create it."
        ) from exc


def read_point_cloud(
    path: PathInput, key: str | None = None, *, id_column: str | None = None
) -> np.ndarray:
    """Read one point cloud from a file.

    Parameters
    ----------
    path : path-like
        A file in one of the formats of the module docstring.
    key : str, optional
        The array name in an ``.npz`` holding several clouds, or the id value in a long
        table (with ``id_column``).
    id_column : str, optional
        The id column of a long table.

    Returns
    -------
    ndarray of shape (n_points, n_dims)
        float64.

    Raises
    ------
    PointCloudReadError
        See :func:`load_source`.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from tdasheaf.io import read_point_cloud
    >>> path = Path(tempfile.mkdtemp()) / "points.txt"
    >>> _ = path.write_text("# a comment\\nx y z\\n0 0 0\\n1 0 0\\n")
    >>> read_point_cloud(path)
    array([[0., 0., 0.],
           [1., 0., 0.]])
    >>> np.save(path.with_suffix(".npy"), np.arange(4.0))
    >>> read_point_cloud(path.with_suffix(".npy"))
    Traceback (most recent call last):
    ...
    tdasheaf.exceptions.PointCloudReadError: ...points.npy: expected a 2-D array ..., got 1-D ...
    """
    p = Path(os.fspath(path)).expanduser().absolute()
    return load_source(CloudSource(p.stem, str(p), key, id_column))


def read_point_clouds(
    inputs: PathInput | Sequence[PathInput],
    *,
    id_column: str | None = None,
    recursive: bool = False,
) -> dict[str, np.ndarray]:
    """Read every point cloud named by ``inputs`` into a dict ``{id: cloud}``.

    Parameters
    ----------
    inputs, id_column, recursive
        As in :func:`find_sources`.

    Returns
    -------
    dict of str to ndarray
        In the (sorted) order of :func:`find_sources`.

    Raises
    ------
    PointCloudReadError
        At the first cloud that cannot be read (use :func:`find_sources` and
        :meth:`CloudSource.load` to go on past bad files).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from tdasheaf.io import read_point_clouds
    >>> folder = Path(tempfile.mkdtemp())
    >>> np.savez(folder / "shapes.npz", circle=np.ones((8, 2)), blob=np.zeros((5, 3)))
    >>> {k: v.shape for k, v in read_point_clouds(folder).items()}
    {'shapes/blob': (5, 3), 'shapes/circle': (8, 2)}
    """
    return {s.id: s.load() for s in find_sources(inputs, id_column=id_column, recursive=recursive)}


# ---------------------------------------------------------------------------------------------
# feature tables
# ---------------------------------------------------------------------------------------------

_TABLE_SUFFIXES = (".csv", ".parquet")


def _table_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _TABLE_SUFFIXES:
        raise ValueError(
            f"{path}: unsupported table type {suffix or '(no suffix)'!r}; use .csv or .parquet."
        )
    return suffix


def _require_pyarrow(path: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{path}: .parquet tables need pyarrow; install it (pip install pyarrow, or "
            "pip install 'tdasheaf[parquet]') or write .csv instead."
        ) from None


@contextlib.contextmanager
def atomic_path(path: PathInput) -> Iterator[Path]:
    """Write a file atomically: the block writes a temporary path that then replaces ``path``.

    The temporary file is in the destination folder (created if missing), so that the final
    :func:`os.replace` is atomic: readers see either the old file or the complete new one,
    never a partial file. It is flushed to disk first. The block must create the file; it gets
    the usual permissions (as from :func:`open`, not :func:`tempfile.mkstemp`'s 0600). On any
    error, also ``KeyboardInterrupt``, the temporary file is removed and ``path`` is left
    untouched.

    Parameters
    ----------
    path : path-like
        The destination.

    Yields
    ------
    pathlib.Path
        The temporary path to write, ``.{name}.{pid}.{random}.tmp`` beside ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from tdasheaf.io import atomic_path
    >>> out = Path(tempfile.mkdtemp()) / "sub" / "notes.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("complete")
    >>> out.read_text(), [p.name for p in out.parent.iterdir()]
    ('complete', ['notes.txt'])
    """
    path = Path(os.fspath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # never hide the real error behind the cleanup's
            tmp.unlink(missing_ok=True)
        raise


def write_table(table: pd.DataFrame, path: PathInput) -> Path:
    """Write a feature table to ``.csv`` or ``.parquet``, atomically.

    The table goes to a temporary file in the destination folder, which is flushed to disk
    and then renamed over ``path`` (:func:`atomic_path`): readers see either the old file or
    the complete new one, never a partial table. On any error the temporary file is removed
    and an existing ``path`` is left untouched.

    Parameters
    ----------
    table : pandas.DataFrame
        Written without its index (put ids in a column, e.g. ``id``).
    path : path-like
        Destination; the suffix picks the format (``.csv`` or ``.parquet``; parquet needs
        pyarrow). Missing parent folders are created.

    Returns
    -------
    pathlib.Path
        The absolute path written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from pathlib import Path
    >>> from tdasheaf.io import read_table, write_table
    >>> out = Path(tempfile.mkdtemp()) / "features.csv"
    >>> table = pd.DataFrame({"id": ["a", "b"], "H0_entropy": [0.5, 1.25]})
    >>> write_table(table, out).name
    'features.csv'
    >>> read_table(out)
      id  H0_entropy
    0  a        0.50
    1  b        1.25
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas.DataFrame, got {type(table).__name__}.")
    path = Path(os.fspath(path)).expanduser().absolute()
    suffix = _table_suffix(path)
    if suffix == ".parquet":
        _require_pyarrow(path)
    table = _printable_table(table)
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)
    return path


def _printable_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with text cells and column names encodable as UTF-8 (see :func:`_printable`);
    the table itself when nothing needs escaping."""
    import pandas as pd

    columns = [_printable(c) if isinstance(c, str) else c for c in table.columns]
    fixed = {}
    for k in range(table.shape[1]):
        column = table.iloc[:, k]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            cells = column.map(lambda v: _printable(v) if isinstance(v, str) else v)
            if not cells.equals(column):
                fixed[k] = cells
    if not fixed and columns == list(table.columns):
        return table
    table = table.copy()
    for k, cells in fixed.items():
        table.isetitem(k, cells)
    table.columns = columns
    return table


def read_table(path: PathInput) -> pd.DataFrame:
    """Read a feature table written by :func:`write_table` (or any ``.csv`` / ``.parquet``).

    An ``id`` column is read as text and never as missing, so ids such as ``"007"``, ``"NA"``
    or ``"null"`` come back as written; in the other columns of a CSV, empty cells and
    ``NaN``/``nan`` are missing values, and floats are parsed exactly (round trip).

    Parameters
    ----------
    path : path-like
        A ``.csv`` or ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from pathlib import Path
    >>> from tdasheaf.io import read_table, write_table
    >>> out = write_table(pd.DataFrame({"id": ["007"], "x": [1.0]}),
    ...                   Path(tempfile.mkdtemp()) / "t.parquet")
    >>> read_table(out)["id"].tolist()
    ['007']
    """
    import pandas as pd

    path = Path(os.fspath(path)).expanduser()
    suffix = _table_suffix(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such table file; check the path.")
    if suffix == ".csv":
        columns = pd.read_csv(path, nrows=0).columns
        # pandas >= 3 parses floats exactly by default (and deprecates the option)
        exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
        return pd.read_csv(
            path,
            dtype={"id": str},
            keep_default_na=False,
            na_values={c: ["", "NaN", "nan"] for c in columns if c != "id"},
            **exact,
        )
    _require_pyarrow(path)
    return pd.read_parquet(path)
