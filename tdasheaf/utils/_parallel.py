"""A chunked joblib map used by every estimator with ``n_jobs``."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from joblib import Parallel, delayed, effective_n_jobs

__all__ = ["limit_threads", "map_samples", "one_thread", "parallel_map"]


@functools.cache
def _controller():
    from threadpoolctl import ThreadpoolController

    # one per process, made on first use (numpy's and scipy's BLAS and sklearn's OpenMP are
    # loaded by then: importing tdasheaf loads them); a fresh ``threadpool_limits`` rescans the
    # process's libraries every time (~3 ms: 0.7 s over 200 small clouds)
    return ThreadpoolController()


def limit_threads(limits: int = 1, user_api: str | None = None):
    """A context manager that limits the thread pools of BLAS / OpenMP (threadpoolctl).

    ``threadpoolctl.threadpool_limits(limits, user_api)`` through one controller per process,
    so that entering it costs microseconds rather than a scan of the loaded libraries.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> with limit_threads(1, "blas"):
    ...     {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
    {1}
    """
    return _controller().limit(limits=limits, user_api=user_api)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """BLAS (threadpoolctl) and numba limited to one thread for the duration.

    For work that is already parallel over samples: the flag engine's degree 1 runs on numba's
    thread count, and its threads wait for each other by spinning, so two processes each
    running two such threads on two cores would slow each other down.

    Examples
    --------
    >>> import numba
    >>> with one_thread():
    ...     numba.get_num_threads()
    1
    """
    with limit_threads(1):
        try:
            import numba

            previous = numba.get_num_threads()
            numba.set_num_threads(1)
        except ImportError:  # pragma: no cover - numba is a dependency
            previous = None
        try:
            yield
        finally:
            if previous is not None:
                numba.set_num_threads(previous)


def _run_chunk(func: Callable, chunk: Sequence, kwargs: dict) -> list:
    with one_thread():
        return [func(item, **kwargs) for item in chunk]


def parallel_map(
    func: Callable, items: Sequence, *, n_jobs: int | None = None, **kwargs: Any
) -> list:
    """Apply ``func(item, **kwargs)`` to every item, in order, with joblib.

    Items are sent in contiguous chunks (a few per worker) so that per-task overhead
    stays small for many small clouds. ``n_jobs=None`` means 1 unless inside a
    ``joblib.parallel_config`` context (e.g. the Dask backend).

    Examples
    --------
    >>> parallel_map(abs, [-1, 2, -3], n_jobs=1)
    [1, 2, 3]
    """
    items = list(items)
    if not items:
        return []
    n_workers = effective_n_jobs(n_jobs)
    if n_workers == 1 or len(items) == 1:
        return [func(item, **kwargs) for item in items]
    n_chunks = min(len(items), 4 * n_workers)
    bounds = [round(i * len(items) / n_chunks) for i in range(n_chunks + 1)]
    chunks = [items[bounds[i] : bounds[i + 1]] for i in range(n_chunks)]
    results = Parallel(n_jobs=n_jobs)(delayed(_run_chunk)(func, c, kwargs) for c in chunks)
    return [r for chunk in results for r in chunk]


def _call_indexed(item, kernel: Callable, kernel_kwargs: dict):
    index, sample = item
    try:
        return kernel(sample, **kernel_kwargs)
    except (ValueError, MemoryError) as exc:
        raise type(exc)(f"sample {index}: {exc}") from exc


def map_samples(func: Callable, samples: Sequence, *, n_jobs: int | None = None, **kwargs: Any):
    """:func:`parallel_map` over the samples of a collection, naming the sample in errors.

    A ``ValueError`` or ``MemoryError`` (and subclasses) raised for sample ``i`` is re-raised
    as the same class with the message prefixed by ``"sample i: "``.

    Examples
    --------
    >>> map_samples(len, [[1], [1, 2]], n_jobs=1)
    [1, 2]
    >>> map_samples(int, ["1", "x"])
    Traceback (most recent call last):
    ...
    ValueError: sample 1: invalid literal for int() with base 10: 'x'
    """
    return parallel_map(
        _call_indexed,
        list(enumerate(samples)),
        n_jobs=n_jobs,
        kernel=func,
        kernel_kwargs=kwargs,
    )
