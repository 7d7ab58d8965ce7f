"""Batch feature extraction: many point clouds → one feature table, on a laptop or a Dask cluster.

:func:`extract_features` applies a transformer (e.g. :class:`tdasheaf.SheafFeatures`) to every
cloud of a collection and returns one row per cloud: an ``id`` column, then the transformer's
``get_feature_names_out()`` columns (float64).

How the work is done
--------------------
* The clouds are taken in the order of ``sources`` (:func:`tdasheaf.io.find_sources` sorts
  them) and split into chunks of ``chunk_size``; each chunk is one joblib task (``n_jobs``
  processes, or joblib's Dask backend with ``dask=``). For files, the workers receive the
  :class:`tdasheaf.io.CloudSource` records and load the clouds themselves, so the main process
  never holds the clouds; at most about ``2 * n_jobs`` chunks are in flight.
* Inside a task BLAS and numba use one thread (``threadpoolctl``), in every mode, so that
  ``n_jobs`` processes do not oversubscribe the cores and the bits do not depend on ``n_jobs``.
* With an ``output`` path, each finished chunk is written atomically to the *chunk store*
  ``OUT.chunks/chunk-000000.parquet`` (``.csv`` for a CSV output) and ``OUT`` is assembled at
  the end by concatenating the chunk files in source order (streamed, one chunk file at a
  time; only a resumed run whose new rows fall between earlier ones is sorted in memory —
  the feature rows, never the clouds); the chunk store is then removed. Errors go to
  ``OUT.errors.csv``. Rows come back to the calling process, which alone writes files.
* An in-memory collection (a mapping id → array) with ``output=None`` returns the table in
  :meth:`BatchResult.table` (then the arrays are shipped to the workers, chunk by chunk).

One run per output
------------------
A run with an ``output`` holds the lock file ``OUT.lock`` (pid, host and start time of its
owner; ``flock``-ed where the platform has it, so that the kernel drops it when the owner
dies) from before it looks at the chunk store until it has assembled ``OUT``, on every exit
path. A second run on the same ``OUT`` raises :class:`OutputInUseError` (a
``FileExistsError``) naming the owner, before touching anything; a lock left by a dead
process (same host) is stale and taken over with a warning. The chunk store is created only
once the scheduler is reachable (``dask=`` an address: at most :data:`DASK_CONNECT_TIMEOUT`
seconds, then a one-line ``ConnectionError``), and removed again when a run stops before its
first finished chunk.

Workers
-------
``n_jobs`` is capped at the number of chunks (no idle process is started); ``0`` is refused.
Local worker processes watch their parent: when the calling process dies without stopping
them (SIGKILL, the OOM killer), they exit within a second instead of computing on.

Per-cloud isolation
-------------------
A cloud that cannot be read (:class:`tdasheaf.exceptions.PointCloudReadError`, ``OSError``) or
that the transformer rejects (``ValueError``, ``TypeError``, ``MemoryError`` including
:class:`tdasheaf.exceptions.ComplexTooLargeError`) becomes an *error row* ``(id, error class,
message)`` and the run continues. Any other exception (``IndexError``, ``RuntimeError``, ...)
points to a bug in tdasheaf or in the transformer: it is recorded too, so that one odd cloud
cannot stop a long run, but it is not hidden: its message ends with
``[unexpected <class>; please report it: <file:line in function; ...>]``, it is counted in
:attr:`BatchResult.n_unexpected` and logged as a warning on the ``tdasheaf.batch`` logger.
``KeyboardInterrupt`` and ``SystemExit`` are never caught per cloud.

The transformer contract: sample-wise
-------------------------------------
The row of a cloud must not depend on the other clouds, so that the table is the same for every
``n_jobs``, ``chunk_size`` and scheduler: ``transform`` of a subset must equal the
corresponding rows of ``transform`` of the whole set. Two cases:

* an **unfitted** transformer is cloned (:func:`sklearn.base.clone`) once per chunk and fitted
  on each cloud alone (``fit_transform([X])``). Right for transformers whose ``fit`` only
  validates parameters (:class:`tdasheaf.SheafFeatures`, :class:`tdasheaf.RipsPersistence`).
  A vectoriser that learns a filtration range in ``fit`` (``BettiCurve``, ...) would then use
  each cloud's own range — comparable tables need the next case;
* a **fitted** transformer (e.g. a ``Pipeline`` of ``RipsPersistence`` and vectorisers fitted
  on a reference set) is copied to each chunk and only ``transform([X])`` is called.

:func:`check_sample_wise` checks the contract on a few clouds. Leave the transformer's own
``n_jobs`` unset: each call sees one cloud, the parallelism is the chunks'.

Resuming
--------
With ``resume=True`` the ids already present in the chunk store or in ``OUT`` are skipped
(:attr:`BatchResult.n_skipped`); the final ``OUT`` equals a clean run's table, rows in source
order. The chunk store (``OUT.chunks/manifest.json``) and a finished ``OUT``
(``OUT.manifest.json``, written beside it) remember a fingerprint of the transformer
(``joblib.hash``, leaving out ``memory_budget`` and ``n_jobs``, which do not change the rows)
and its parameters; a resume with a different transformer raises
:class:`ConfigurationChangedError` (a ``ValueError``) naming the parameters that changed,
whatever the state of the store (finished table, partial chunks). Without ``resume``, an
existing chunk store for the same ``OUT`` is *refused* (``FileExistsError``): it holds
finished work of an interrupted run, which is either resumed or deleted by the user, never
silently discarded. Error rows are not kept in the chunk store: failed clouds are retried
on resume, and ``OUT.errors.csv`` is rewritten at the end of every completed run (also when
there are no errors: then it holds only the header, so a stale errors file never outlives
its run). On ``KeyboardInterrupt`` the
finished chunks stay on disk, a warning says how to resume, and the interrupt is re-raised.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import shutil
import sys
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tdasheaf._batch_store import (
    ConfigurationChangedError,
    OutputInUseError,
    _assemble,
    _check_piece_columns,
    _chunk_files,
    _empty_table,
    _errors_path,
    _fingerprint,
    _frame,
    _open_store,
    _read_ids,
    _write_chunk,
    _write_manifest,
    chunk_store_path,
    output_lock,
)
from tdasheaf.exceptions import PointCloudReadError
from tdasheaf.utils._parallel import one_thread

__all__ = [
    "BatchResult",
    "ConfigurationChangedError",
    "OutputInUseError",
    "check_sample_wise",
    "chunk_store_path",
    "extract_features",
]

logger = logging.getLogger(__name__)

_SUFFIXES = (".csv", ".parquet")
#: Per-cloud exceptions that describe the cloud, not a bug: loading, then the transformer.
_LOAD_ERRORS = (PointCloudReadError, OSError, ValueError)
_INPUT_ERRORS = (ValueError, TypeError, MemoryError)


# ----------------------------------------------------------------------------------------------
# Result
# ----------------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """Outcome of :func:`extract_features`.

    Attributes
    ----------
    output : Path or None
        The feature table (``None`` for an in-memory run).
    errors_output : Path or None
        ``OUT.errors.csv`` (``None`` for an in-memory run).
    n_total : int
        Clouds in ``sources`` (``n_done + n_failed + n_skipped``).
    n_done : int
        Clouds whose row was computed in this run.
    n_failed : int
        Clouds recorded as error rows in this run.
    n_skipped : int
        Clouds skipped because their row already existed (``resume=True``).
    elapsed : float
        Wall-clock seconds.
    errors : pandas.DataFrame
        Columns ``id``, ``error`` (exception class name), ``message``; source order.
    n_unexpected : int
        Error rows caused by exceptions other than bad input (see the module notes).
    """

    output: Path | None
    errors_output: Path | None
    n_total: int
    n_done: int
    n_failed: int
    n_skipped: int
    elapsed: float
    errors: pd.DataFrame
    n_unexpected: int = 0
    _table: pd.DataFrame | None = field(default=None, repr=False)

    def table(self) -> pd.DataFrame:
        """The feature table: ``id`` then the feature columns, one row per good cloud.

        Read from :attr:`output` for a run with an output path (see :func:`tdasheaf.io.read_table`).
        """
        if self._table is not None:
            return self._table.copy()
        from tdasheaf.io import read_table

        return read_table(self.output)


# ----------------------------------------------------------------------------------------------
# Items: what a task receives
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _InMemory:
    id: str
    array: Any

    def load(self):
        return self.array


def _items(sources) -> list:
    """Normalise ``sources`` to a list of objects with ``.id`` and ``.load()``; unique ids."""
    if isinstance(sources, Mapping):
        items = [_InMemory(str(k), v) for k, v in sources.items()]
    elif isinstance(sources, (str, os.PathLike)):
        raise TypeError(
            "sources must be a list of CloudSource (use tdasheaf.io.find_sources(path) for "
            f"files and folders) or a mapping id -> array, got the path {str(sources)!r}."
        )
    else:
        items = []
        for s in sources:
            if hasattr(s, "load") and hasattr(s, "id"):
                items.append(s)
            elif isinstance(s, tuple) and len(s) == 2:
                items.append(_InMemory(str(s[0]), s[1]))
            else:
                raise TypeError(
                    "sources must be CloudSource records, (id, array) pairs or a mapping "
                    f"id -> array; got an element of type {type(s).__name__}."
                )
    seen: set[str] = set()
    for it in items:
        if it.id in seen:
            raise ValueError(f"duplicate id {it.id!r} in sources; ids must be unique.")
        seen.add(it.id)
    return items


# ----------------------------------------------------------------------------------------------
# The task: one chunk of clouds
# ----------------------------------------------------------------------------------------------


def _describe_unexpected(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    where = "; ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames)
    return f"{exc} [unexpected {type(exc).__name__}; please report it: {where}]"


_WATCHED_PARENT: list[int] = []


def _watch_parent(parent: tuple[int, str] | None) -> None:
    """In a local worker process of ``parent`` (pid, host): exit as soon as it is gone.

    A killed main process (SIGKILL, OOM killer) cannot stop its joblib/loky workers, which
    would otherwise compute their chunks for minutes, holding their memory. A daemon thread
    checks every half second that the worker's parent is still that pid (a dead parent's
    children are re-parented) and ends the worker otherwise. Nothing happens in the main
    process itself (``n_jobs=1``) or in workers that are not its children (Dask).
    """
    if parent is None or _WATCHED_PARENT:
        return
    import socket

    parent_pid, host = parent
    if os.getpid() == parent_pid or host != socket.gethostname():
        return  # the caller itself (n_jobs=1), or a worker on another machine
    if os.getppid() != parent_pid:
        if not _alive(parent_pid):  # a local worker orphaned before its first task
            os._exit(70)
        return  # not a child of the caller (a Dask worker): nothing to watch
    import threading

    _WATCHED_PARENT.append(parent_pid)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(70)

    threading.Thread(target=watch, name="tdasheaf-parent-watchdog", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists
        return True
    return True


def _run_chunk(items: Sequence, transformer, fitted: bool, parent=None) -> dict:
    """Features of one chunk: ``ids`` and ``rows`` of the good clouds, ``errors`` of the rest.

    Module level so that joblib (loky, Dask) can pickle it; ``items`` are CloudSource
    records (each cloud is loaded here, in the worker) or in-memory pairs. ``parent``:
    ``(pid, host)`` of the calling process, which a local worker watches
    (:func:`_watch_parent`).
    """
    from sklearn.base import clone

    _watch_parent(parent)

    est = copy.deepcopy(transformer) if fitted else clone(transformer)
    ids: list[str] = []
    rows: list[np.ndarray] = []
    errors: list[tuple[str, str, str, bool]] = []  # id, class, message, unexpected
    names = None
    with one_thread():
        for item in items:
            try:
                X = item.load()
            except _LOAD_ERRORS as exc:
                errors.append((item.id, type(exc).__name__, str(exc), False))
                continue
            except Exception as exc:  # recorded, flagged and logged: see the module notes
                errors.append((item.id, type(exc).__name__, _describe_unexpected(exc), True))
                continue
            try:
                row = est.transform([X]) if fitted else est.fit_transform([X])
                row = np.asarray(row, dtype=np.float64)
            except _INPUT_ERRORS as exc:
                # one cloud per call: the estimators' "sample 0: " prefix says nothing here
                message = str(exc).removeprefix("sample 0: ")
                errors.append((item.id, type(exc).__name__, message, False))
                continue
            except Exception as exc:  # recorded, flagged and logged: see the module notes
                errors.append((item.id, type(exc).__name__, _describe_unexpected(exc), True))
                continue
            if row.ndim != 2 or row.shape[0] != 1:
                raise RuntimeError(
                    f"the transformer returned shape {row.shape} for one cloud ({item.id!r}); "
                    "extract_features needs one row per cloud (a sample-wise transformer)."
                )
            cloud_names = [str(n) for n in est.get_feature_names_out()]
            if names is None:
                names = cloud_names
            elif cloud_names != names:
                raise RuntimeError(
                    f"the feature names of cloud {item.id!r} differ from those of the other "
                    "clouds: the transformer is not sample-wise (see check_sample_wise); fit it "
                    "once on a reference set and pass the fitted transformer."
                )
            if row.shape[1] != len(names):
                raise RuntimeError(
                    f"the transformer returned {row.shape[1]} features for {item.id!r} but "
                    f"get_feature_names_out() has {len(names)} names."
                )
            ids.append(item.id)
            rows.append(row[0])
    matrix = np.vstack(rows) if rows else np.zeros((0, len(names or ())))
    from tdasheaf.io import _printable  # messages quote paths, which may not be UTF-8

    errors = [(e[0], e[1], _printable(e[2]), e[3]) for e in errors]
    return {"ids": ids, "rows": matrix, "names": names, "errors": errors, "n": len(items)}


# ----------------------------------------------------------------------------------------------
# Schedulers
# ----------------------------------------------------------------------------------------------


#: Seconds to wait for a Dask scheduler given by address.
DASK_CONNECT_TIMEOUT = 5.0


def check_dask_address(address: str) -> str:
    """``address`` if it looks like a scheduler address (``tcp://host:port``, ``host:port``...).

    Raises ``ValueError`` naming the expected forms otherwise.
    """
    import re

    form = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss|inproc)://)?\[?[A-Za-z0-9_.:-]+\]?:\d{1,5}/?$")
    if address == "local" or (address.startswith("inproc://") and len(address) > 9):
        return address
    if not form.match(address):
        raise ValueError(
            f"{address!r} is not a Dask scheduler address; use 'local' or an address such as "
            "tcp://host:8786 (or host:8786)."
        )
    return address


def _connect(distributed, address: str):
    """A client of the scheduler at ``address``, or a one-line ``ConnectionError``."""
    check_dask_address(address)
    try:
        return distributed.Client(address, set_as_default=False, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConnectionError(
            f"cannot reach the Dask scheduler at {address} within {DASK_CONNECT_TIMEOUT:g} s "
            f"({reason})."
        ) from None


@contextlib.contextmanager
def _scheduler(dask, n_jobs: int | None, cluster_kwargs: Mapping | None) -> Iterator[None]:
    """Nothing for joblib's own backend; a Dask client and joblib's "dask" backend otherwise."""
    if dask is None:
        yield
        return
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            "dask= needs the 'distributed' package: pip install 'tdasheaf[dask]'."
        ) from exc
    from joblib import effective_n_jobs, parallel_config

    owned = []
    if isinstance(dask, distributed.Client):
        client = dask
    elif dask == "local":
        kwargs = {
            "n_workers": effective_n_jobs(n_jobs if n_jobs is not None else -1),
            "threads_per_worker": 1,
            "dashboard_address": None,
            "silence_logs": logging.ERROR,
        }
        kwargs.update(cluster_kwargs or {})
        cluster = distributed.LocalCluster(**kwargs)
        owned.append(cluster)
        client = distributed.Client(cluster, set_as_default=False)
        owned.insert(0, client)
    elif isinstance(dask, str):
        client = _connect(distributed, dask)
        owned.append(client)
    else:
        raise TypeError(
            "dask must be None, 'local', a scheduler address or a distributed.Client, "
            f"got {dask!r}."
        )
    try:
        with parallel_config(backend="dask", client=client):
            yield
    finally:
        for obj in owned:
            with contextlib.suppress(Exception):
                obj.close()


# ----------------------------------------------------------------------------------------------
# The entry point
# ----------------------------------------------------------------------------------------------


def _is_fitted(transformer) -> bool:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(transformer)
    except NotFittedError:
        return False
    return True


def _check_args(transformer, output, chunk_size, n_jobs, resume, progress) -> Path | None:
    for method in ("fit", "transform", "get_feature_names_out"):
        if not callable(getattr(transformer, method, None)):
            raise TypeError(
                f"transformer must be a scikit-learn transformer with fit, transform and "
                f"get_feature_names_out; {type(transformer).__name__} has no {method}."
            )
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise TypeError(f"chunk_size must be a positive int, got {chunk_size!r}.")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}.")
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int)):
        raise TypeError(f"n_jobs must be an int or None, got {n_jobs!r}.")
    if n_jobs is not None and n_jobs == 0:
        raise ValueError("n_jobs must be a positive int, -1 (all cores) or None, got 0.")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be None, True or False, got {progress!r}.")
    if output is None:
        if resume:
            raise ValueError("resume=True needs an output path (the run to resume).")
        return None
    output = Path(output)
    if output.suffix not in _SUFFIXES:
        raise ValueError(f"the output must end in .csv or .parquet, got {str(output)!r}.")
    if output.suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "a .parquet output needs pyarrow: pip install 'tdasheaf[parquet]', or write .csv."
            ) from exc
    return output


def extract_features(
    sources,
    transformer,
    output: str | os.PathLike | None = None,
    *,
    chunk_size: int = 32,
    n_jobs: int | None = 1,
    dask=None,
    resume: bool = False,
    progress: bool | None = None,
    dask_cluster_kwargs: Mapping[str, Any] | None = None,
) -> BatchResult:
    """One feature row per point cloud, computed in chunks, in parallel, resumably.

    Parameters
    ----------
    sources : list of CloudSource, mapping id -> array, or sequence of (id, array)
        The clouds, in the order of the output rows. Files: ``tdasheaf.io.find_sources(...)``
        (the workers load them); in memory: a ``dict`` of ``(n_points, n_dims)`` arrays.
    transformer : scikit-learn transformer
        Sample-wise (see the module notes): unfitted, it is cloned per chunk and fitted on
        each cloud alone; fitted, only its ``transform`` is used.
    output : path, optional
        ``.parquet`` or ``.csv`` table; chunk store ``OUT.chunks/`` and ``OUT.errors.csv``
        beside it. ``None``: nothing is written, :meth:`BatchResult.table` holds the table.
    chunk_size : int, default=32
        Clouds per task (and per chunk file).
    n_jobs : int, optional
        joblib processes (``-1``: all cores; ``None``: 1). With ``dask="local"``, the number
        of Dask workers.
    dask : None, "local", str or distributed.Client
        Run the chunks through joblib's Dask backend: ``"local"`` starts a
        ``distributed.LocalCluster`` (one thread per worker) for the run, an address such as
        ``"tcp://host:8786"`` connects to a running scheduler. The workers read the input
        files themselves (they must see the same paths); the rows come back to this process,
        which writes the chunk files and the output.
    resume : bool, default=False
        Skip ids already in the chunk store or in ``output``; without it an existing chunk
        store is refused (``FileExistsError``).
    progress : bool, optional
        A tqdm progress bar on stderr; ``None``: only when stderr is a terminal.
    dask_cluster_kwargs : mapping, optional
        Extra ``LocalCluster`` arguments with ``dask="local"`` (e.g. ``{"processes": False}``).

    Returns
    -------
    BatchResult

    Raises
    ------
    FileExistsError
        A chunk store of an earlier run exists and ``resume`` is False;
        :class:`OutputInUseError` when another live run holds ``OUT.lock``.
    ConfigurationChangedError
        ``resume`` with a transformer other than the one that made the stored rows.
    ConnectionError
        ``dask=`` a scheduler address that cannot be reached.
    KeyboardInterrupt
        Re-raised after keeping the finished chunks (the log says how to resume).

    Examples
    --------
    >>> from tdasheaf import SheafFeatures
    >>> from tdasheaf.datasets import make_circle
    >>> clouds = {"circle": make_circle(40, random_state=0),
    ...           "tiny": np.zeros((1, 2)),
    ...           "wide": make_circle(40, noise=0.1, random_state=1)}
    >>> sf = SheafFeatures(sheaves=("constant",), degrees=(0, 1), n_scales=3)
    >>> result = extract_features(clouds, sf, chunk_size=2)
    >>> result.n_done, result.n_failed
    (2, 1)
    >>> table = result.table()
    >>> list(table["id"]), list(table.columns[:3])
    (['circle', 'wide'], ['id', 'constant_H0_betti_t00', 'constant_H0_betti_t01'])
    >>> result.errors.loc[0, ["id", "error"]].tolist()
    ['tiny', 'ValueError']
    """
    start = time.perf_counter()
    output = _check_args(transformer, output, chunk_size, n_jobs, resume, progress)
    items = _items(sources)
    options = {
        "chunk_size": chunk_size,
        "n_jobs": n_jobs,
        "dask": dask,
        "resume": resume,
        "progress": progress,
        "dask_cluster_kwargs": dask_cluster_kwargs,
    }
    if output is None:
        return _extract(start, items, transformer, None, **options)
    with output_lock(output):  # one run per output, released on every exit
        return _extract(start, items, transformer, output, **options)


def _capped_n_jobs(n_jobs: int | None, n_chunks: int) -> int | None:
    """``n_jobs`` limited to the number of chunks (no idle workers to start)."""
    from joblib import effective_n_jobs

    if n_jobs is None:
        return None
    return max(1, min(effective_n_jobs(n_jobs), max(n_chunks, 1)))


def _extract(
    start,
    items,
    transformer,
    output,
    *,
    chunk_size,
    n_jobs,
    dask,
    resume,
    progress,
    dask_cluster_kwargs,
) -> BatchResult:
    position = {it.id: k for k, it in enumerate(items)}
    fitted = _is_fitted(transformer)
    names: list[str] | None = (
        [str(n) for n in transformer.get_feature_names_out()] if fitted else None
    )
    fingerprint = _fingerprint(transformer, fitted)

    store = pieces = suffix = None
    done: set[str] = set()
    if output is not None:
        suffix = output.suffix
        store = chunk_store_path(output)
        # checks only: the store is created once the scheduler is reachable
        pieces = _open_store(store, suffix, fingerprint, transformer, resume, output, create=False)
        if resume and output.is_file():
            pieces = [output, *pieces]
        for path in pieces:
            done.update(_read_ids(path))
        if names is not None:
            for path in pieces:
                _check_piece_columns(path, names)
    todo = [it for it in items if it.id not in done]
    n_skipped = len(items) - len(todo)
    chunks = [todo[i : i + chunk_size] for i in range(0, len(todo), chunk_size)]

    next_index = 1 + max(
        (int(p.stem.split("-")[1]) for p in (pieces or []) if p.parent == store), default=-1
    )
    memory_rows: list[pd.DataFrame] = []
    errors: list[tuple[str, str, str, bool]] = []
    n_done = 0
    show = sys.stderr.isatty() if progress is None else progress
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    bar = None
    try:
        with _scheduler(dask, n_jobs, dask_cluster_kwargs):
            if store is not None:
                _open_store(store, suffix, fingerprint, transformer, resume, output)
            bar = tqdm(total=len(todo), unit="cloud", disable=not show, file=sys.stderr, leave=True)
            import socket

            me = (os.getpid(), socket.gethostname())
            tasks = (delayed(_run_chunk)(chunk, transformer, fitted, me) for chunk in chunks)
            parallel = Parallel(
                n_jobs=_capped_n_jobs(n_jobs, len(chunks)) if dask is None else -1,
                return_as="generator_unordered",
            )
            for result in parallel(tasks):
                if result["names"] is not None:
                    if names is None:
                        names = result["names"]
                        for path in pieces or []:
                            _check_piece_columns(path, names)
                    elif result["names"] != names:
                        raise RuntimeError(
                            "the feature names differ between chunks: the transformer is not "
                            "sample-wise (see tdasheaf.batch.check_sample_wise)."
                        )
                for err in result["errors"]:
                    if err[3]:
                        logger.warning("cloud %r: %s: %s", err[0], err[1], err[2])
                errors.extend(result["errors"])
                if result["ids"]:
                    table = _frame(result["ids"], result["rows"], names)
                    if store is not None:
                        _write_chunk(store, next_index, suffix, table)
                        next_index += 1
                    else:
                        memory_rows.append(table)
                n_done += len(result["ids"])
                bar.update(result["n"])
    except KeyboardInterrupt as exc:
        if bar is not None:
            bar.close()
        if store is not None and not _chunk_files(store, suffix):
            shutil.rmtree(store, ignore_errors=True)
        elif store is not None:
            message = (
                f"interrupted: the finished chunks are kept in {store} ({n_done} clouds from "
                "this run); run again with resume=True (command line: --resume) to continue "
                "where it stopped."
            )
            logger.warning(message)
            if hasattr(exc, "add_note"):
                exc.add_note(message)
        raise
    except BaseException:
        if bar is not None:
            bar.close()
        if store is not None and not _chunk_files(store, suffix):  # nothing worth keeping
            shutil.rmtree(store, ignore_errors=True)
        raise
    bar.close()

    error_table = pd.DataFrame(
        sorted(((e[0], e[1], e[2]) for e in errors), key=lambda e: position[e[0]]),
        columns=["id", "error", "message"],
    )
    n_unexpected = sum(1 for e in errors if e[3])
    result_table = errors_output = None
    if output is not None:
        previous = [output] if pieces and pieces[0] == output else []
        _assemble(previous + _chunk_files(store, suffix), output, names, position)
        _write_manifest(output, fingerprint, transformer)
        errors_output = _errors_path(output)
        from tdasheaf.io import write_table

        write_table(error_table, errors_output)
        shutil.rmtree(store, ignore_errors=True)
    else:
        result_table = (
            pd.concat(memory_rows, ignore_index=True) if memory_rows else _empty_table(names)
        )
        order = np.argsort(result_table["id"].map(position).to_numpy(), kind="stable")
        result_table = result_table.iloc[order].reset_index(drop=True)
    return BatchResult(
        output=output,
        errors_output=errors_output,
        n_total=len(items),
        n_done=n_done,
        n_failed=len(errors),
        n_skipped=n_skipped,
        elapsed=time.perf_counter() - start,
        errors=error_table,
        n_unexpected=n_unexpected,
        _table=result_table,
    )


def check_sample_wise(transformer, clouds, *, atol: float = 1e-12) -> bool:
    """Whether a transformer is sample-wise on ``clouds``, as :func:`extract_features` needs.

    Compares the rows of the transformer on the whole collection with its rows on each cloud
    alone (``fit_transform`` of a clone when unfitted, ``transform`` when fitted), and the
    feature names.

    Parameters
    ----------
    transformer : scikit-learn transformer
    clouds : list of arrays
        A few representative clouds (at least two).
    atol : float, default=1e-12

    Returns
    -------
    bool

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from tdasheaf import BettiCurve, RipsPersistence, SheafFeatures
    >>> from tdasheaf.datasets import make_circle
    >>> clouds = [make_circle(30, random_state=0), 3 * make_circle(30, random_state=1)]
    >>> check_sample_wise(SheafFeatures(sheaves=("constant",), n_scales=4), clouds)
    True
    >>> rips = make_pipeline(RipsPersistence(), BettiCurve(n_bins=8))
    >>> check_sample_wise(rips, clouds)          # BettiCurve learns a range in fit
    False
    >>> check_sample_wise(rips.fit(clouds), clouds)   # fitted once: transform is row-wise
    True
    """
    from sklearn.base import clone

    fitted = _is_fitted(transformer)
    if fitted:
        whole = np.asarray(transformer.transform(clouds), dtype=np.float64)
        names = list(transformer.get_feature_names_out())
        parts = [np.asarray(transformer.transform([X]), dtype=np.float64) for X in clouds]
        part_names = [names] * len(clouds)
    else:
        est = clone(transformer)
        whole = np.asarray(est.fit_transform(clouds), dtype=np.float64)
        names = list(est.get_feature_names_out())
        parts, part_names = [], []
        for X in clouds:
            one = clone(transformer)
            parts.append(np.asarray(one.fit_transform([X]), dtype=np.float64))
            part_names.append(list(one.get_feature_names_out()))
    if any(p != names for p in part_names):
        return False
    rows = np.vstack(parts)
    return rows.shape == whole.shape and bool(
        np.allclose(rows, whole, rtol=0.0, atol=atol, equal_nan=True)
    )
