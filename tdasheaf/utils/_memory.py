"""One memory budget (bytes), from the estimator or command down to every allocation.

The rule (DESIGN.md §7), defined once for the whole library
----------------------------------------------------------
``memory_budget=None`` means ``min(1.5 GiB, MemAvailable / 4)`` (``/proc/meminfo``, else psutil,
else 16 GiB of assumed memory) **divided by the number of joblib workers** ``n_jobs``, so that
the workers together stay under it. An explicit integer is the budget of *one* cloud's
computation (each worker gets the whole of it).

Every kernel estimates what it will allocate *before* allocating it, and either fits the work
into the budget by a documented rule (a shorter Rips threshold, landmarks) or raises
:class:`~tdasheaf.exceptions.ComplexTooLargeError` (a ``MemoryError``) via :func:`over_budget`,
whose message gives the estimate, the budget and the parameters that change them. Batch
extraction turns that error into an error row.
"""

from __future__ import annotations

import numbers

from joblib import effective_n_jobs

__all__ = [
    "DEFAULT_BUDGET_CAP",
    "available_memory",
    "default_memory_budget",
    "format_bytes",
    "over_budget",
    "resolve_memory_budget",
]

#: Upper bound of the default budget of one computation: 1.5 GiB (so that, with the
#: interpreter and libraries, the peak resident memory of one worker stays under 2 GB).
DEFAULT_BUDGET_CAP = 3 * 2**29
#: Fraction of the available memory the default budget may use.
DEFAULT_BUDGET_FRACTION = 0.25


def available_memory() -> int:
    """Bytes the system can give without swapping (``MemAvailable``), best effort."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # psutil missing or unsupported platform
        return 16 * 2**30


def default_memory_budget(n_jobs: int | None = None) -> int:
    """``min(1.5 GiB, MemAvailable / 4) // effective_n_jobs(n_jobs)`` bytes.

    Examples
    --------
    >>> default_memory_budget(1) <= 3 * 2**29
    True
    """
    total = min(DEFAULT_BUDGET_CAP, int(DEFAULT_BUDGET_FRACTION * available_memory()))
    try:
        workers = max(1, int(effective_n_jobs(n_jobs)))
    except Exception:
        workers = 1
    return max(1, total // workers)


def resolve_memory_budget(memory_budget, n_jobs: int | None = None) -> int:
    """The budget in bytes: ``memory_budget`` validated, or the default for ``n_jobs`` workers.

    Examples
    --------
    >>> resolve_memory_budget(2**20)
    1048576
    """
    if memory_budget is None:
        return default_memory_budget(n_jobs)
    if (
        isinstance(memory_budget, bool)
        or not isinstance(memory_budget, numbers.Real)
        or not memory_budget > 0
    ):
        raise ValueError(
            f"memory_budget must be a positive number of bytes, got {memory_budget!r}."
        )
    return int(memory_budget)


def format_bytes(nbytes: float) -> str:
    """Bytes as text, e.g. ``'1.50 GiB'`` or ``'12.0 MiB'``.

    Examples
    --------
    >>> format_bytes(3 * 2**29)
    '1.50 GiB'
    """
    if nbytes >= 2**30:
        return f"{nbytes / 2**30:.2f} GiB"
    return f"{nbytes / 2**20:.1f} MiB"


def over_budget(what: str, estimate: float, budget: int, knobs: str):
    """A :class:`~tdasheaf.exceptions.ComplexTooLargeError` naming estimate, budget and knobs."""
    from tdasheaf.exceptions import ComplexTooLargeError

    return ComplexTooLargeError(
        f"{what} would need about {format_bytes(estimate)} (estimated before allocating), over "
        f"the memory budget of {format_bytes(budget)} (memory_budget={int(budget)} bytes). "
        f"{knobs}, or raise memory_budget."
    )
