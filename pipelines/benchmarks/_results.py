"""Machine-readable benchmark results: the ``--json PATH`` output every quoted benchmark writes.

Each benchmark script calls :func:`write_results` with its own numbers; this adds what is needed
to trust and reproduce them: the command line, the date (UTC), the machine (platform, cores,
load average before and after the run) and the library versions. The files committed under
``pipelines/benchmarks/results/`` are what ``render_tables.py`` turns into the tables quoted in
``README.md`` and ``docs/`` (and what ``tests/test_quoted_figures.py`` checks them against).

Usage from a benchmark script (run as ``python pipelines/benchmarks/NAME.py``, or loaded by a
test through ``importlib``)::

    from _results import add_json_argument, write_results   # after _results_path_setup()
"""

from __future__ import annotations

import datetime
import importlib
import json
import math
import os
import platform
import sys
import tempfile
import time

LIBRARIES = ("numpy", "scipy", "sklearn", "numba", "ripser", "gudhi", "tdasheaf")


def process_memory(key: str = "VmHWM:") -> int:
    """A ``/proc/self/status`` memory figure of this process in bytes (``VmHWM:``: peak RSS);
    ``ru_maxrss`` where there is no ``/proc``."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def worker_prelude() -> str:
    """First lines of a ``python -c`` worker: ``status`` is :func:`process_memory`."""
    here = os.path.dirname(os.path.abspath(__file__))
    return (
        f"import sys\nsys.path.insert(0, {here!r})\nfrom _results import process_memory as status\n"
    )


def run_json_worker(cmd, prefix: str, timeout: float, what: str, consequence: str):
    """Run ``cmd`` (a peer's worker in its own venv: PYTHONPATH/PYTHONHOME dropped) and return
    the JSON of its stdout line starting with ``prefix + " "``, or ``None`` after printing why
    (``what`` failed: ``consequence``)."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, check=False, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"{what} failed ({exc!r}): {consequence}.", flush=True)
        return None
    for line in proc.stdout.splitlines():
        if line.startswith(prefix + " "):
            return json.loads(line[len(prefix) + 1 :])
    print(
        f"{what} failed (exit {proc.returncode}): {consequence}.\n"
        f"--- stderr (tail) ---\n{proc.stderr[-2000:]}",
        flush=True,
    )
    return None


def run_script_worker(script: str, args, timeout: float) -> dict:
    """Run ``python -c script *args`` in a fresh interpreter (this one's ``sys.executable``)
    and return the JSON object on its last stdout line, or ``{"error": ...}`` (timeout, or the
    last line of its stderr on a non-zero exit): one measurement per process, so peak RSS and
    allocator state never leak between rows."""
    import subprocess

    try:
        out = subprocess.run(
            [sys.executable, "-c", script, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if out.returncode != 0:
        lines = (out.stderr or out.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit code {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def add_json_argument(parser) -> None:
    """Add the common ``--json PATH`` option to an ``argparse`` parser."""
    parser.add_argument(
        "--json",
        metavar="PATH",
        help="also write every number to PATH (JSON; temp file + os.replace)",
    )


def versions() -> dict:
    """Versions of Python and of the libraries that are importable (no import is forced)."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - absent optional library
                continue
        out["scikit-learn" if name == "sklearn" else name] = getattr(
            sys.modules[name], "__version__", "unknown"
        )
    return out


def machine() -> dict:
    """Platform, cores and the current 1/5/15-minute load average."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on Linux
        load = None
    return {
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "load_average": load,
    }


def _clean(obj):
    """JSON-safe copy: NaN/inf become None, numpy scalars and tuples plain Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 1) == 0:
        obj = obj.item()
    if hasattr(obj, "tolist"):
        return _clean(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


class RunClock:
    """Wall time and load average of a whole benchmark run (create it first thing in ``main``)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.load_before = machine()["load_average"]
        self.date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def write_results(
    path,
    benchmark: str,
    argv,
    results: dict,
    clock: RunClock | None = None,
    note: str | None = None,
) -> dict:
    """Write ``results`` with the run's metadata to ``path`` atomically; return the document.

    ``argv`` is the argument list the script parsed (``sys.argv[1:]`` when run from the shell).
    A load average above 1 before or after the run is recorded as a note: timings were
    measured with other load on the machine.
    """
    clock = clock or RunClock()
    mach = machine()
    loads = [x for x in (clock.load_before or []) + (mach["load_average"] or [])]
    notes = [note] if note else []
    if loads and max(loads[:1] + loads[3:4]) > 1.0:
        notes.append("measured with other load on the machine: 1-min load average above 1")
    argv = list(sys.argv[1:] if argv is None else argv)
    doc = {
        "benchmark": benchmark,
        "command": "python pipelines/benchmarks/"
        + benchmark
        + ".py"
        + "".join(" " + a for a in argv),
        "argv": argv,
        "date": clock.date,
        "wall_seconds": round(clock.elapsed(), 1),
        "machine": dict(mach, load_average_before=clock.load_before),
        "versions": versions(),
        "notes": notes,
        "results": _clean(results),
    }
    path = os.path.abspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return doc
