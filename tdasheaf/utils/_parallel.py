"""A chunked joblib map used by every estimator with ``n_jobs``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from joblib import Parallel, delayed, effective_n_jobs

__all__ = ["map_samples", "one_thread", "parallel_map"]


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
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
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
