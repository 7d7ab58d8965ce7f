"""``import tdasheaf`` costs nothing, and lazy names still resolve (issue 19).

Every check runs in a fresh interpreter (``sys.executable -c ...``), since this process has long
imported everything. Time is measured as the CPU time of the import (``time.process_time``, the
median of three runs), not wall time: on a loaded 2-core machine wall time mostly measures the
other processes, while the CPU time of the import is what a bare ``import`` used to cost
(1.3-1.5 s of scikit-learn, numba, SciPy and pandas). The module sets are the real guard.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# heavy modules a bare import must not load
HEAVY = ("sklearn", "numba", "llvmlite", "matplotlib", "scipy", "pandas", "gudhi", "ripser")


def _python(code: str, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")  # never the developer's cache
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


MEASURE = """
    import json, sys, time
    before = set(sys.modules)
    t = time.process_time()
    import {module}
    cpu = time.process_time() - t
    print(json.dumps({{"cpu": cpu, "loaded": sorted(set(sys.modules) - before)}}))
"""


def _loaded(module: str, tmp_path: Path) -> tuple[float, set[str]]:
    runs = [_python(MEASURE.format(module=module), tmp_path) for _ in range(3)]
    return statistics.median(r["cpu"] for r in runs), set(runs[0]["loaded"])


def _heavy(loaded: set[str]) -> set[str]:
    return {m for m in loaded if m.split(".")[0] in HEAVY}


def test_bare_import_is_cheap_and_loads_no_subpackage(tmp_path):
    cpu, loaded = _loaded("tdasheaf", tmp_path)
    assert _heavy(loaded) == set()
    assert "numpy" not in loaded
    assert {m for m in loaded if m.startswith("tdasheaf.")} == set()
    assert cpu < 0.3, f"import tdasheaf took {cpu:.3f} s of CPU"


def test_io_loads_neither_scikit_learn_nor_numba(tmp_path):
    cpu, loaded = _loaded("tdasheaf.io", tmp_path)
    assert _heavy(loaded) == set()
    assert "tdasheaf.estimators" not in loaded and "tdasheaf._numba_cache" not in loaded
    assert cpu < 1.0, f"import tdasheaf.io took {cpu:.3f} s of CPU"  # NumPy, nothing more


# the numeric subpackages: a process that only computes (a joblib or Dask worker running the
# engines) must not pay for scikit-learn and pandas, ~110 MiB of RSS and ~0.8 s of import
NUMERIC = ("cohomology", "complexes", "datasets", "diagrams", "geometry", "representations",
           "sheaves")


def test_numeric_subpackages_load_neither_scikit_learn_nor_pandas(tmp_path):
    result = _python(
        f"""
        import importlib, json, sys
        for sub in {NUMERIC!r}:
            importlib.import_module("tdasheaf." + sub)
        print(json.dumps({{"loaded": sorted(sys.modules)}}))
        """,
        tmp_path,
    )
    loaded = set(result["loaded"])
    assert {f"tdasheaf.{sub}" for sub in NUMERIC} <= loaded
    heavy = {m.split(".")[0] for m in loaded} & {"sklearn", "pandas", "pyarrow", "matplotlib"}
    assert heavy == set(), f"importing the numeric subpackages loaded {sorted(heavy)}"


def test_every_public_name_resolves_lazily(tmp_path):
    result = _python(
        """
        import json, importlib, sys
        import tdasheaf
        missing = [n for n in tdasheaf.__all__ if n not in dir(tdasheaf)]
        resolved = {n: getattr(tdasheaf, n).__module__ for n in tdasheaf.__all__
                    if hasattr(getattr(tdasheaf, n), "__module__")}
        from tdasheaf import SheafFeatures, rips_complex, CellularSheaf
        import tdasheaf.estimators as est
        same = SheafFeatures is est.SheafFeatures
        subs = {}
        for sub in ("cohomology", "complexes", "datasets", "diagrams", "estimators", "geometry",
                    "io", "plotting", "representations", "sheaves", "utils"):
            mod = getattr(tdasheaf, sub)  # attribute access imports the subpackage
            names = getattr(mod, "__all__", [])
            subs[sub] = [n for n in names if not hasattr(mod, n)]
        try:
            tdasheaf.no_such_name
            error = None
        except AttributeError as exc:
            error = str(exc)
        lazy = sorted(tdasheaf._LAZY) == sorted(tdasheaf.__all__)
        print(json.dumps({"missing": missing, "resolved": resolved, "same": same,
                          "subs": subs, "error": error, "lazy": lazy}))
        """,
        tmp_path,
    )
    assert result["missing"] == []
    assert result["lazy"] is True  # __all__ is exactly the lazily resolved names
    assert result["resolved"]["SheafFeatures"].startswith("tdasheaf.estimators")
    assert result["resolved"]["rips_complex"].startswith("tdasheaf.complexes")
    assert result["resolved"]["NumericalWarning"] == "tdasheaf.exceptions"
    assert result["same"] is True
    assert result["subs"] == {k: [] for k in result["subs"]}
    assert result["error"] == "module 'tdasheaf' has no attribute 'no_such_name'"


def _kernel_modules() -> list[str]:
    mods = []
    for path in sorted((ROOT / "tdasheaf").rglob("*.py")):
        if path.name == "_numba_cache.py" or "__pycache__" in path.parts:
            continue
        if "cache=True" in path.read_text():
            rel = path.relative_to(ROOT).with_suffix("")
            mods.append(".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts))
    return mods


@pytest.mark.parametrize("module", _kernel_modules())
def test_kernels_route_their_cache_whichever_module_is_imported_first(module, tmp_path):
    """``import tdasheaf`` no longer runs ``_numba_cache``: the subpackages that define kernels
    import it first. Imported first in a fresh process, every cached kernel of ``module`` uses
    the keyed locator (none fell back to numba's in-tree ``__pycache__``)."""
    result = _python(
        f"""
        import json, importlib
        from numba.core.caching import FunctionCache
        from numba.core.registry import CPUDispatcher
        mod = importlib.import_module({module!r})
        from tdasheaf._numba_cache import _KeyedLocator
        kernels = {{k: type(v._cache._impl._locator).__name__ for k, v in vars(mod).items()
                   if isinstance(v, CPUDispatcher) and isinstance(v._cache, FunctionCache)}}
        print(json.dumps(kernels))
        """,
        tmp_path,
    )
    assert result, f"{module} defines no cached kernel at module level"
    assert set(result.values()) == {"_KeyedLocator"}, result


def test_every_module_of_the_package_imports(tmp_path):
    """The fast subset of the other interpreters in ``.ci/run`` imports every module at least
    here: each module of ``tdasheaf`` and ``tdasheaf_pipelines``, by name."""
    result = _python(
        """
        import importlib, json, pkgutil
        import tdasheaf, tdasheaf_pipelines
        names = []
        for pkg in (tdasheaf, tdasheaf_pipelines):
            names.append(pkg.__name__)
            for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
                if ".benchmarks" not in info.name:
                    names.append(info.name)
        failed = {}
        for name in names:
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - reported below
                failed[name] = repr(exc)
        print(json.dumps({"n": len(names), "failed": failed}))
        """,
        tmp_path,
    )
    assert result["failed"] == {}
    assert result["n"] > 40
