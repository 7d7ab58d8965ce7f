"""File-format readers behind :mod:`tdasheaf.io` (private; the formats are defined there).

Every function takes an absolute :class:`~pathlib.Path` that exists and is not empty (the
caller checks), and returns a float64 array or raises
:class:`~tdasheaf.exceptions.PointCloudReadError` with a ``"<path>[<key>]: ..."`` message.
Nothing here unpickles: ``.npy`` and ``.npz`` are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np

from tdasheaf.exceptions import PointCloudReadError

__all__ = [
    "NPY_MAGIC",
    "as_cloud",
    "npz_members",
    "read_npy",
    "read_npz",
    "read_ply",
    "read_table_file",
    "where",
]

NPY_MAGIC = b"\x93NUMPY"


def npz_members(path: Path) -> list[str]:
    """Names of the arrays in an .npz that are clouds (string arrays are metadata)."""
    names = []
    with zipfile.ZipFile(path) as zf:
        for member in zf.namelist():
            if not member.endswith(".npy"):
                continue
            name = member[: -len(".npy")]
            try:
                with zf.open(member) as fp:
                    version = np.lib.format.read_magic(fp)
                    if version == (1, 0):
                        dtype = np.lib.format.read_array_header_1_0(fp)[2]
                    elif version == (2, 0):
                        dtype = np.lib.format.read_array_header_2_0(fp)[2]
                    else:
                        dtype = None
            except Exception:  # unreadable member: keep it, its load() reports the problem
                dtype = None
            if dtype is None or dtype.kind not in "US":
                names.append(name)
    return names


# ---------------------------------------------------------------------------------------------
# array checks
# ---------------------------------------------------------------------------------------------


def where(path, key=None) -> str:
    """``path`` or ``path[key]``, the prefix of every error message."""
    return f"{path}[{key}]" if key is not None else f"{path}"


def as_cloud(A: np.ndarray, location: str) -> np.ndarray:
    """Check dtype and shape of a loaded array; return it as C-contiguous float64."""
    kind = A.dtype.kind
    if kind == "O":
        raise PointCloudReadError(
            f"{location}: object arrays are not accepted (they hold pickled Python objects); "
            "save a numeric array instead."
        )
    if kind == "c":
        raise PointCloudReadError(
            f"{location}: complex values are not supported; save real coordinates, e.g. "
            "np.column_stack([X.real, X.imag]) or np.abs(X)."
        )
    if kind == "V":
        raise PointCloudReadError(
            f"{location}: a structured array (fields {A.dtype.names}) is not a point cloud; "
            "stack the fields with numpy.lib.recfunctions.structured_to_unstructured."
        )
    if kind not in "biuf":
        raise PointCloudReadError(
            f"{location}: expected numbers, got an array of dtype {A.dtype}; "
            "convert the coordinates to floats."
        )
    if A.ndim != 2:
        if A.ndim == 0:
            hint = "a single number is not a point cloud; save an (n_points, n_dims) array"
        elif A.ndim == 1:
            hint = (
                f"reshape it: X.reshape(-1, 1) for {A.shape[0]} points on a line, or "
                "X.reshape(1, -1) for one point"
            )
        else:
            hint = (
                f"for a stack of {A.shape[0]} clouds save each one separately (e.g. "
                "np.savez(path, **{f'cloud_{i}': c for i, c in enumerate(X)})); for one cloud "
                "reshape it: X.reshape(-1, X.shape[-1])"
            )
        raise PointCloudReadError(
            f"{location}: expected a 2-D array (n_points, n_dims), got {A.ndim}-D shape {A.shape}; "
            f"{hint}."
        )
    return np.ascontiguousarray(A, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# binary formats
# ---------------------------------------------------------------------------------------------


def read_npy(path: Path) -> np.ndarray:
    with open(path, "rb") as f:
        head = f.read(len(NPY_MAGIC))
        if head != NPY_MAGIC:
            if head[:1] == b"\x80":
                raise PointCloudReadError(
                    f"{path}: the file is a Python pickle, not a .npy array; refused (unpickling "
                    "can run arbitrary code). Re-save the data with numpy.save from a trusted "
                    "session."
                )
            if head[:2] == b"PK":
                what = "a zip archive (an .npz?); rename it to .npz"
            else:
                what = "not a .npy file (no NUMPY header); re-create it with numpy.save"
            raise PointCloudReadError(f"{path}: {what}.")
        f.seek(0)
        try:
            A = np.lib.format.read_array(f, allow_pickle=False)
        except ValueError as exc:
            if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
                raise PointCloudReadError(
                    f"{path}: the array has dtype object (pickled Python objects); refused "
                    "(unpickling can run arbitrary code). Save a numeric array instead."
                ) from None
            raise PointCloudReadError(
                f"{path}: corrupt or truncated .npy file ({exc}); re-create it with numpy.save."
            ) from None
        except Exception as exc:
            raise PointCloudReadError(
                f"{path}: corrupt or truncated .npy file ({type(exc).__name__}: {exc}); "
                "re-create it with numpy.save."
            ) from None
    return as_cloud(A, str(path))


def read_npz(path: Path, key: str | None) -> np.ndarray:
    try:
        with np.load(path, allow_pickle=False) as z:
            if key is None:
                names = npz_members(path)
                if len(names) != 1:
                    listed = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
                    raise PointCloudReadError(
                        f"{path}: the archive holds {len(names)} point-cloud arrays ({listed}); "
                        "pass key= to choose one, or use find_sources to read them all."
                    )
                key = names[0]
            if key not in z.files:
                raise PointCloudReadError(
                    f"{where(path, key)}: no array named {key!r} (arrays: "
                    f"{', '.join(z.files)}); check the key."
                )
            try:
                A = z[key]
            except ValueError as exc:
                if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
                    raise PointCloudReadError(
                        f"{where(path, key)}: the array has dtype object (pickled Python "
                        "objects); refused (unpickling can run arbitrary code). Save a numeric "
                        "array instead."
                    ) from None
                raise
    except PointCloudReadError:
        raise
    except Exception as exc:
        raise PointCloudReadError(
            f"{where(path, key)}: corrupt or truncated .npz file ({type(exc).__name__}: {exc}); "
            "re-create it with numpy.savez."
        ) from None
    return as_cloud(A, where(path, key))


#: PLY scalar types → numpy (little-endian).
_PLY_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}  # fmt: skip


def read_ply(path: Path) -> np.ndarray:
    with open(path, "rb") as f:
        data = f.read()
    end = data.find(b"end_header")
    if not data.startswith(b"ply") or end < 0:
        raise PointCloudReadError(
            f"{path}: not a PLY file (no 'ply' ... 'end_header' header); check the file."
        )
    header = data[:end].decode("ascii", errors="replace").splitlines()
    body_start = data.find(b"\n", end) + 1
    elements: list[list] = []  # [name, count, [property names], has_list, [types]]
    fmt = None
    for line in header[1:]:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "format":
            fmt = parts[1] if len(parts) > 1 else ""
        elif parts[0] == "element" and len(parts) == 3:
            elements.append([parts[1], int(parts[2]), [], False, []])
        elif parts[0] == "property" and elements:
            if len(parts) >= 2 and parts[1] == "list":
                elements[-1][3] = True
                elements[-1][2].append(None)
                elements[-1][4].append(tuple(parts[2:4]))
            else:
                elements[-1][2].append(parts[-1])
                elements[-1][4].append(parts[1] if len(parts) >= 3 else "?")
    if fmt == "binary_little_endian":
        return _read_binary_ply(path, data[body_start:], elements)
    if fmt != "ascii":
        raise PointCloudReadError(
            f"{path}: {fmt or 'unknown'} PLY is not supported, only ASCII and "
            "binary_little_endian PLY; convert it, e.g. with plyfile (data = PlyData.read(path); "
            "data.text = True; data.write(out)) or meshio / open3d."
        )
    lines = data[body_start:].decode("ascii", errors="replace").splitlines()
    pos = 0
    for name, count, props, has_list, _ in elements:
        if name != "vertex":  # faces, edges...: one line per element in ASCII PLY
            pos += count
            continue
        if has_list:
            raise PointCloudReadError(
                f"{path}: the vertex element has list properties; remove them (keep x y z)."
            )
        cols = [props.index(c) for c in ("x", "y", "z") if c in props]
        if not cols:
            cols = list(range(len(props)))
        rows = lines[pos : pos + count]
        if len(rows) < count:
            raise PointCloudReadError(
                f"{path}: truncated: the header announces {count} vertices, the file has "
                f"{len(rows)}; re-export the file."
            )
        if count == 0:
            raise PointCloudReadError(f"{path}: the PLY file has 0 vertices; nothing to read.")
        out = np.empty((count, len(cols)))
        for i, row in enumerate(rows):
            vals = row.split()
            if len(vals) != len(props):
                raise PointCloudReadError(
                    f"{path}: vertex line {i + 1} has {len(vals)} values, the header declares "
                    f"{len(props)} properties; fix or re-export the file."
                )
            try:
                out[i] = [float(vals[c]) for c in cols]
            except ValueError:
                raise PointCloudReadError(
                    f"{path}: vertex line {i + 1} holds a non-number ({row.strip()!r}); fix or "
                    "re-export the file."
                ) from None
        return out
    raise PointCloudReadError(f"{path}: the PLY file has no 'vertex' element; nothing to read.")


def _read_binary_ply(path: Path, body: bytes, elements: list[list]) -> np.ndarray:
    """The x, y, z (every scalar property when there is no x) of a binary little-endian PLY."""
    offset = 0
    for name, count, props, has_list, types in elements:
        if has_list:  # variable-size rows: only after the vertices (faces), never before
            if name == "vertex":
                raise PointCloudReadError(
                    f"{path}: the vertex element has list properties; remove them (keep x y z)."
                )
            break
        bad = [t for t in types if t not in _PLY_TYPES]
        if bad:
            raise PointCloudReadError(
                f"{path}: unknown PLY property type {bad[0]!r} in element {name!r}; re-export "
                "the file."
            )
        dtype = np.dtype([(f"p{k}", "<" + _PLY_TYPES[t]) for k, t in enumerate(types)])
        if name != "vertex":
            offset += count * dtype.itemsize
            continue
        if count == 0:
            raise PointCloudReadError(f"{path}: the PLY file has 0 vertices; nothing to read.")
        if len(body) < offset + count * dtype.itemsize:
            have = max(len(body) - offset, 0) // max(dtype.itemsize, 1)
            raise PointCloudReadError(
                f"{path}: truncated: the header announces {count} vertices, the file has "
                f"{have}; re-export the file."
            )
        rows = np.frombuffer(body, dtype=dtype, count=count, offset=offset)
        cols = [props.index(c) for c in ("x", "y", "z") if c in props]
        if not cols:
            cols = list(range(len(props)))
        return np.column_stack([rows[f"p{c}"].astype(np.float64) for c in cols])
    raise PointCloudReadError(f"{path}: the PLY file has no 'vertex' element; nothing to read.")


# ---------------------------------------------------------------------------------------------
# tables: .csv .txt .tsv .xyz (text) and .parquet
# ---------------------------------------------------------------------------------------------


def _is_text(value: str) -> bool:
    """A non-empty cell that is not a number."""
    if not value.strip():
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def _is_word(value: str) -> bool:
    """A cell that is not a number and holds a letter (a label or a name, not a typo'd number)."""
    return _is_text(value) and any(c.isalpha() for c in value)


def _text_lines(path: Path, suffix: str) -> list[tuple[int, str]]:
    """Non-blank, non-comment lines with their 1-based line numbers."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PointCloudReadError(
            f"{path}: not a UTF-8 text file (binary data?); save the table as text or as .npy."
        ) from None
    physical = text.splitlines()
    start = 0
    if suffix == ".xyz" and physical and physical[0].strip().isdigit():
        start = 2  # molecular XYZ: a count line and a comment line
    return [
        (no, s)
        for no, s in ((i + 1, physical[i].strip()) for i in range(start, len(physical)))
        if s and not s.startswith("#")
    ]


def _sniff(sample: list[str], suffix: str) -> str | None:
    """The delimiter (None: runs of whitespace)."""
    if suffix == ".tsv":
        return "\t"
    if suffix == ".xyz" or not sample:
        return None
    for d in ("\t", ";", ",", "|"):
        counts = [s.count(d) for s in sample]
        if counts[0] > 0 and all(c == counts[0] for c in counts):
            return d
    for d in ("\t", ";", ","):
        if d in sample[0]:
            return d
    return None


def _split(lines: list[str], delimiter: str | None) -> list[list[str]]:
    if delimiter is None:
        return [s.split() for s in lines]
    return list(csv.reader(lines, delimiter=delimiter))  # cells keep spaces; float() skips them


def _has_header(rows: list[list[str]]) -> bool:
    first = rows[0]
    text = [_is_text(v) for v in first]
    if not any(text):
        return False
    if all(text) or len(rows) == 1:
        return True
    second = rows[1]
    return any(t and j < len(second) and not _is_text(second[j]) for j, t in enumerate(text))


def _column_name(header: list[str] | None, j: int) -> str:
    return f"column {j + 1} ({header[j]!r})" if header else f"column {j + 1}"


def _refuse_labels(path: Path, name: str, cells) -> None:
    """A text column whose values repeat, with several values, and no id column: a long table
    of several clouds read as one (per-point names, all different, and a constant label are
    ignored)."""
    cells = [str(v) for v in cells]
    values = list(dict.fromkeys(cells))
    if len(values) <= 1 or len(values) == len(cells):
        return
    shown = ", ".join(repr(str(v)) for v in list(values)[:3])
    raise PointCloudReadError(
        f"{path}: column {name!r} holds text with {len(values)} different values ({shown}"
        f"{', ...' if len(values) > 3 else ''}): a long table of several clouds? Name it as the "
        f"id column (--id-column {name} / id_column={name!r}) to read one cloud per value, or "
        "remove the column; it is not silently dropped."
    )


def _read_text_table(
    path: Path, suffix: str, id_column: str | None
) -> tuple[np.ndarray, np.ndarray | None]:
    entries = _text_lines(path, suffix)
    if not entries:
        raise PointCloudReadError(
            f"{path}: no data (only blank or '#' comment lines); check the file."
        )
    numbers = [no for no, _ in entries]
    delimiter = _sniff([s for _, s in entries[:5]], suffix)
    rows = _split([s for _, s in entries], delimiter)
    header = None
    if _has_header(rows):
        header, rows, numbers = [v.strip() for v in rows[0]], rows[1:], numbers[1:]
    if not rows:
        raise PointCloudReadError(f"{path}: the table has a header but no data rows.")
    width = len(header) if header is not None else len(rows[0])
    for no, row in zip(numbers, rows, strict=True):
        if len(row) != width:
            raise PointCloudReadError(
                f"{path}: line {no} has {len(row)} fields, expected {width} "
                f"(delimiter {delimiter or 'whitespace'!r}); every row must have the same columns."
            )
    cells = np.array(rows, dtype=str)
    id_j = None
    if id_column is not None:
        if header is None or id_column not in header:
            found = f"columns {header}" if header else "no header row"
            raise PointCloudReadError(
                f"{path}: no column named {id_column!r} ({found}); check id_column."
            )
        id_j = header.index(id_column)
    columns, text_columns = [], []
    for j in range(width):
        if j == id_j:
            continue
        col = cells[:, j]
        empty = np.char.strip(col) == ""
        if empty.all():  # e.g. after a trailing delimiter
            continue
        try:
            columns.append(np.where(empty, "nan", col).astype(np.float64))
            continue
        except ValueError:
            pass
        bad = [i for i, v in enumerate(col) if _is_text(v)]
        if len(bad) == int((~empty).sum()) and all(_is_word(col[i]) for i in bad):
            name = header[j] if header else str(j + 1)
            if id_column is None and header is not None and suffix != ".xyz":
                _refuse_labels(path, name, np.char.strip(col[~empty]))
            text_columns.append(name)
            continue
        i = bad[0]
        hint = ""
        if "," in col[i] and delimiter != ",":
            hint = " (a decimal comma? write 1.5, not 1,5)"
        raise PointCloudReadError(
            f"{path}: line {numbers[i]}, {_column_name(header, j)}: {str(col[i])!r} is not a "
            f"number{hint}; fix the value or remove the row."
        )
    if not columns:
        ignored = f" (text columns ignored: {', '.join(text_columns)})" if text_columns else ""
        raise PointCloudReadError(
            f"{path}: no numeric columns{ignored}; the coordinates must be numbers."
        )
    ids = None
    if id_j is not None:
        ids = np.char.strip(cells[:, id_j])
        if (ids == "").any():
            i = int(np.flatnonzero(ids == "")[0])
            raise PointCloudReadError(
                f"{path}: line {numbers[i]} has no value in the id column {id_column!r}; "
                "fill it in."
            )
    return np.ascontiguousarray(np.column_stack(columns)), ids


def _read_parquet_table(path: Path, id_column: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise PointCloudReadError(
            f"{path}: reading .parquet needs pyarrow; install it (pip install pyarrow, or "
            "pip install 'tdasheaf[parquet]') or convert the file to .csv / .npy."
        ) from None
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as exc:
        raise PointCloudReadError(
            f"{path}: corrupt or unreadable parquet file ({type(exc).__name__}: {exc}); "
            "re-create it."
        ) from None
    if id_column is not None and id_column not in frame.columns:
        raise PointCloudReadError(
            f"{path}: no column named {id_column!r} (columns {list(frame.columns)}); "
            "check id_column."
        )
    if frame.shape[0] == 0:
        raise PointCloudReadError(f"{path}: the table has no rows.")
    columns = []
    for name in frame.columns:
        if name == id_column:
            continue
        series = frame[name]
        kind = series.dtype.kind
        if kind == "c":
            raise PointCloudReadError(
                f"{path}: column {name!r} holds complex numbers; store real coordinates."
            )
        if kind in "biuf":
            columns.append(series.to_numpy(dtype=np.float64, na_value=np.nan))
        elif id_column is None and (kind in "OSU" or str(series.dtype) in ("string", "str")):
            _refuse_labels(path, str(name), series.dropna().astype(str))
    if not columns:
        raise PointCloudReadError(
            f"{path}: no numeric columns (columns {list(frame.columns)}); the coordinates must "
            "be numbers."
        )
    ids = None
    if id_column is not None:
        id_values = frame[id_column]
        if id_values.isna().any():
            row = int(np.flatnonzero(id_values.isna().to_numpy())[0])
            raise PointCloudReadError(
                f"{path}: row {row} has no value in the id column {id_column!r}; fill it in."
            )
        ids = id_values.astype(str).to_numpy(dtype=str)
    return np.ascontiguousarray(np.column_stack(columns)), ids


def read_table_file(
    path: Path, suffix: str, id_column: str | None
) -> tuple[np.ndarray, np.ndarray | None]:
    if suffix == ".parquet":
        return _read_parquet_table(path, id_column)
    return _read_text_table(path, suffix, id_column)
