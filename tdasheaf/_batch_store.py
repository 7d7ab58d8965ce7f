"""Chunk store and assembly of :func:`tdasheaf.batch.extract_features` (private).

The chunk store ``OUT.chunks/`` holds one feature-table file per finished chunk
(``chunk-000000.parquet``, or ``.csv`` for a CSV output, written atomically with
:func:`tdasheaf.io.write_table`) and ``manifest.json`` (a fingerprint of the transformer).
:func:`_assemble` writes ``OUT`` from the chunk files (and, when resuming, the previous
``OUT``) with the rows in source order.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
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


class OutputInUseError(FileExistsError):
    """Another run (alive) is writing the same output: its lock file ``OUT.lock`` names it."""


class ConfigurationChangedError(ValueError):
    """A resume whose transformer differs from the one that made the stored rows."""


#: Parameters that change how a row is computed, never its values (left out of fingerprints).
_NEUTRAL_PARAMS = ("memory_budget", "n_jobs")


def _neutral(transformer):
    """``transformer`` without the parameters of :data:`_NEUTRAL_PARAMS` (a copy if needed)."""
    get = getattr(transformer, "get_params", None)
    if get is None:
        return transformer
    try:
        params = get(deep=True)
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator: hash it as it is
        return transformer
    reset = {k: None for k in params if k.rsplit("__", 1)[-1] in _NEUTRAL_PARAMS}
    if not reset:
        return transformer
    import copy

    twin = copy.deepcopy(transformer)
    twin.set_params(**reset)
    return twin


def _fingerprint(transformer, fitted: bool) -> str:
    import joblib

    return joblib.hash((type(transformer).__qualname__, fitted, _neutral(transformer)))


def _params(transformer) -> dict[str, str]:
    """The transformer's parameters as text (what a refused resume names as changed)."""
    try:
        params = _neutral(transformer).get_params(deep=False)
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator
        return {}
    return {str(k): repr(v)[:300] for k, v in params.items() if k not in _NEUTRAL_PARAMS}


def manifest_path(output: Path) -> Path:
    """``OUT.manifest.json``: the fingerprint of the transformer that made a finished ``OUT``."""
    return output.with_name(output.name + ".manifest.json")


def _manifest(fingerprint: str, transformer) -> dict:
    return {
        "fingerprint": fingerprint,
        "transformer": repr(transformer)[:4000],
        "params": _params(transformer),
    }


def _read_manifest(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _check_manifest(old: dict | None, new: dict, what: str) -> None:
    """Refuse (ConfigurationChangedError) when ``old`` was made by another transformer."""
    if old is None or old.get("fingerprint") == new["fingerprint"]:
        return
    before, after = old.get("params") or {}, new["params"]
    changed = [
        f"{k}: {before.get(k, '(unset)')} -> {after.get(k, '(unset)')}"
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    ]
    detail = (
        "; ".join(changed)
        if changed
        else (
            f"fingerprint {str(old.get('fingerprint'))[:12]} (stored) vs "
            f"{new['fingerprint'][:12]} (this run)"
        )
    )
    raise ConfigurationChangedError(
        f"cannot resume: {what} was made with a different transformer configuration "
        f"({detail}); resuming would mix two feature tables. Use the same configuration, or "
        "delete the output (and its .chunks folder) and run again without resuming."
    )


def _open_store(
    store: Path,
    suffix: str,
    fingerprint: str,
    transformer,
    resume: bool,
    output: Path,
    create: bool = True,
) -> list[Path]:
    """Check (or create) the chunk store; return the finished chunk files it holds.

    With ``resume``, the stored manifests (``OUT.chunks/manifest.json`` and, for a finished
    ``OUT``, ``OUT.manifest.json``) must carry this transformer's fingerprint.
    """
    files = _chunk_files(store, suffix)
    manifest = store / _MANIFEST
    if files and not resume:
        raise FileExistsError(
            f"{store} holds {len(files)} finished chunk(s) of an earlier, interrupted run for "
            f"{output}. Resume it (resume=True, or --resume on the command line), or delete "
            "that folder to start over."
        )
    new = _manifest(fingerprint, transformer)
    if resume:
        if files:
            _check_manifest(_read_manifest(manifest), new, f"the chunk store {store}")
        if output.is_file():
            _check_manifest(_read_manifest(manifest_path(output)), new, str(output))
    if create:
        store.mkdir(parents=True, exist_ok=True)
        _atomic_text(manifest, json.dumps(new, indent=1))
    return files


def _write_manifest(output: Path, fingerprint: str, transformer) -> None:
    _atomic_text(manifest_path(output), json.dumps(_manifest(fingerprint, transformer), indent=1))


# ----------------------------------------------------------------------------------------------
# The output lock: one run per OUT
# ----------------------------------------------------------------------------------------------


def lock_path(output: Path) -> Path:
    """``OUT.lock``: held by the run writing ``OUT`` (pid, host, start time inside)."""
    return output.with_name(output.name + ".lock")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError:
        return False
    return True


def _describe_owner(info: dict | None) -> str:
    if not info:
        return "another run (no owner recorded)"
    started = info.get("started")
    when = (
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started))
        if isinstance(started, (int, float))
        else "?"
    )
    return f"pid {info.get('pid')} on host {info.get('host')}, started {when}"


def _read_lock(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def output_lock(output: Path) -> Iterator[Path]:
    """Hold ``OUT.lock`` for the block: one run per output.

    The lock file records the owner's pid, host and start time. Where ``fcntl`` exists the
    file is also ``flock``-ed, so that the kernel releases it when the owner dies; otherwise a
    lock whose pid is dead on this host is stale. A stale lock is taken over (with a log note);
    a live one raises :class:`OutputInUseError` naming its owner. The lock file is removed on
    every exit of the block.
    """
    path = lock_path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None
    for _ in range(20):
        fd = (
            os.open(path, os.O_RDWR | os.O_CREAT | (0 if fcntl else os.O_EXCL), 0o644)
            if (fcntl or not path.exists())
            else None
        )
        if fd is None:  # no flock: judge the recorded owner
            info = _read_lock(path)
            if info and info.get("host") == me["host"] and not _pid_alive(int(info["pid"])):
                logger.warning("taking over the stale lock %s of %s", path, _describe_owner(info))
                path.unlink(missing_ok=True)
                continue
            raise OutputInUseError(
                f"{output} is being written by {_describe_owner(info)} (lock file {path}); "
                "wait for it to finish, or delete the lock file if that run is gone."
            )
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                info = _read_lock(path)
                for _ in range(10):  # the owner may be between creating and filling the file
                    if info:
                        break
                    time.sleep(0.05)
                    info = _read_lock(path)
                raise OutputInUseError(
                    f"{output} is being written by {_describe_owner(info)} (lock file {path}); "
                    "wait for it to finish, or write another output."
                ) from None
            try:  # the file we locked may have been removed by its previous owner meanwhile
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            old = _read_lock(path)
            if old and old.get("pid") != me["pid"]:
                logger.warning(
                    "taking over the stale lock %s of %s (that run is gone)",
                    path,
                    _describe_owner(old),
                )
            os.ftruncate(fd, 0)
        os.write(fd, json.dumps(me).encode())
        os.fsync(fd)
        break
    else:  # pragma: no cover - a lock file replaced 20 times in a row
        raise OutputInUseError(f"could not take the lock {path}; another run keeps replacing it.")
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)


def _temporary(path: Path) -> Path:
    """A fresh hidden name beside ``path`` (same folder: ``os.replace`` is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


def _atomic_text(path: Path, text: str) -> None:
    tmp = _temporary(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # never hide the real error behind the cleanup's
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
        with contextlib.suppress(OSError):  # never hide the real error behind the cleanup's
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
        raise ConfigurationChangedError(
            f"{path} has other columns than the features of this run ({len(cols) - 1} vs "
            f"{len(names)} features): it was made with another configuration. Delete it (or "
            "use the same configuration) and run again."
        )
