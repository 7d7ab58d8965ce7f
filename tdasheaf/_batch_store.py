"""Chunk store and assembly of :func:`tdasheaf.batch.extract_features` (private).

The chunk store ``OUT.chunks/`` holds one feature-table file per finished chunk
(``chunk-000000.parquet``, or ``.csv`` for a CSV output, written atomically with
:func:`tdasheaf.io.write_table`) and ``manifest.json`` (a fingerprint of the transformer).
:func:`_assemble` writes ``OUT`` from the chunk files (and, when resuming, the previous
``OUT``) with the rows in source order.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger("tdasheaf.batch")

_MANIFEST = "manifest.json"


def chunk_store_path(output: str | os.PathLike) -> Path:
    """The chunk store of an output table: ``OUT.chunks`` beside it.

    Examples
    --------
    >>> chunk_store_path("features/shapes.parquet").as_posix()
    'features/shapes.parquet.chunks'
    """
    output = Path(output)
    return output.with_name(output.name + ".chunks")


def _errors_path(output: Path) -> Path:
    return output.with_name(output.name + ".errors.csv")


def _chunk_files(store: Path, suffix: str) -> list[Path]:
    if not store.is_dir():
        return []
    return sorted(store.glob(f"chunk-*{suffix}"))


def _read_ids(path: Path) -> list[str]:
    """The ``id`` column of a feature table, as strings (no NA parsing: an id "NA" stays)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return [str(v) for v in pq.read_table(path, columns=["id"]).column(0).to_pylist()]
    ids = pd.read_csv(path, usecols=["id"], dtype={"id": str}, keep_default_na=False)
    return ids["id"].tolist()


def _read_columns(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return list(pd.read_csv(path, nrows=0).columns)


def _read_piece(path: Path) -> pd.DataFrame:
    from tdasheaf.io import read_table

    # ids are text and never NA ("NA.npy" is a cloud); empty feature cells are NaN
    table = read_table(path)
    table["id"] = table["id"].astype(str)
    return table


def _fingerprint(transformer, fitted: bool) -> str:
    import joblib

    return joblib.hash((type(transformer).__qualname__, fitted, transformer))


def _open_store(
    store: Path, suffix: str, fingerprint: str, transformer, resume: bool, output: Path
) -> list[Path]:
    """Check (or create) the chunk store; return the finished chunk files it holds."""
    files = _chunk_files(store, suffix)
    manifest = store / _MANIFEST
    if files and not resume:
        raise FileExistsError(
            f"{store} holds {len(files)} finished chunk(s) of an earlier, interrupted run for "
            f"{output}. Resume it (resume=True, or --resume on the command line), or delete "
            "that folder to start over."
        )
    if files and manifest.is_file():
        old = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
        if old != fingerprint:
            raise ValueError(
                f"{store} was made with a different transformer configuration; resuming would "
                "mix two feature tables. Use the same configuration, or delete the folder "
                "(and the output) to start over."
            )
    store.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        {"fingerprint": fingerprint, "transformer": repr(transformer)[:4000]}, indent=1
    )
    _atomic_text(manifest, text)
    return files


def _temporary(path: Path) -> Path:
    """A fresh hidden name beside ``path`` (same folder: ``os.replace`` is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


def _atomic_text(path: Path, text: str) -> None:
    tmp = _temporary(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _frame(ids: Sequence[str], rows: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    table = pd.DataFrame(np.asarray(rows, dtype=np.float64).reshape(len(ids), len(names)))
    table.columns = list(names)
    table.insert(0, "id", pd.Series(list(ids), dtype=object))
    return table


def _write_chunk(store: Path, index: int, suffix: str, table: pd.DataFrame) -> Path:
    from tdasheaf.io import write_table

    return write_table(table, store / f"chunk-{index:06d}{suffix}")


# ----------------------------------------------------------------------------------------------
# Assembly: chunk files (and the old OUT) → OUT, in source order
# ----------------------------------------------------------------------------------------------


def _assemble(
    pieces: list[Path], output: Path, names: list[str] | None, position: dict[str, int]
) -> int:
    """Write ``output`` from the pieces, rows in source order; return the number of rows.

    Streams piece by piece when the pieces cover disjoint, increasing ranges of the source
    order (always the case for a run without resume); otherwise (a resume that retried clouds
    between finished ones, or sources that changed) loads the rows and sorts them.
    """
    from tdasheaf.io import write_table

    if names is None and pieces:  # nothing computed in this run: the pieces' own columns
        names = _read_columns(pieces[0])[1:]
    spans = []
    for path in pieces:
        _check_piece_columns(path, names)
        pos = [position.get(i, -1) for i in _read_ids(path)]
        if pos:
            spans.append((min(pos), max(pos), pos, path))
    spans.sort(key=lambda s: s[0])
    stale = any(p < 0 for s in spans for p in s[2])
    ordered = all(s[2] == sorted(s[2]) for s in spans) and all(
        a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    if not spans:
        write_table(_empty_table(names), output)
        return 0
    if stale or not ordered:
        logger.info("assembling %s in memory (rows of the pieces interleave)", output)
        table = pd.concat([_read_piece(s[3]) for s in spans], ignore_index=True)
        key = table["id"].map(position)
        table = table[key.notna().to_numpy()]
        table = table.iloc[np.argsort(key[key.notna()].to_numpy(), kind="stable")]
        table = table.drop_duplicates("id").reset_index(drop=True)
        write_table(table, output)
        return len(table)
    tmp = _temporary(output)
    try:
        if output.suffix == ".parquet":
            _concat_parquet([s[3] for s in spans], tmp)
        else:
            _concat_csv([s[3] for s in spans], tmp)
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return sum(len(s[2]) for s in spans)


def _concat_parquet(paths: list[Path], target: Path) -> None:
    import pyarrow.parquet as pq

    writer = None
    try:
        for path in paths:
            table = pq.read_table(path)
            if writer is None:  # pandas metadata would describe the first piece's index only
                writer = pq.ParquetWriter(target, table.schema.remove_metadata())
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()


def _concat_csv(paths: list[Path], target: Path) -> None:
    """Byte-level concatenation: the header of the first file, the bodies of all."""
    with open(target, "wb") as out:
        for k, path in enumerate(paths):
            with open(path, "rb") as fh:
                header = fh.readline()
                if k == 0:
                    out.write(header)
                shutil.copyfileobj(fh, out)


def _empty_table(names: Sequence[str] | None) -> pd.DataFrame:
    columns = {"id": pd.Series(dtype=object)}
    columns.update({n: pd.Series(dtype=np.float64) for n in names or ()})
    return pd.DataFrame(columns)


def _check_piece_columns(path: Path, names: list[str]) -> None:
    cols = _read_columns(path)
    if cols != ["id", *names]:
        raise ValueError(
            f"{path} has other columns than the features of this run ({len(cols) - 1} vs "
            f"{len(names)} features): it was made with another configuration. Delete it (or "
            "use the same configuration) and run again."
        )
