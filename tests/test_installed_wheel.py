"""The built wheel and sdist work once installed, without the source tree (issue 19).

Two tests share one smoke script (:data:`SMOKE`), run in a subprocess from a temporary directory
so that the checkout can never be imported by accident:

* ``test_wheel_and_sdist_build_and_the_installed_wheel_works`` (marked ``slow``) builds the sdist
  and, from it, the wheel with ``python -m build`` into a temporary directory, installs the wheel
  with its dependencies into a fresh venv of this interpreter, and runs the smoke script and
  the console scripts there. ``.ci/run`` runs it once, on the default interpreter.
* ``test_this_interpreter_runs_an_installed_package`` runs the same checks in *this*
  interpreter when tdasheaf is installed here from a wheel (not editable); it is skipped in a
  development install.

The smoke script checks that ``tdasheaf`` comes from site-packages, that the bundled data a
loader needs (``datasets/``, shipped as ``tdasheaf/datasets/_bundled``) is found, that the lazy
top-level names and one estimator work against an independent oracle (ripser's H0), and that
``tdasheaf-extract`` with no argument (the README's first quick-start command) writes its table.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SMOKE = """
    import json, subprocess, sys, sysconfig
    from pathlib import Path

    import numpy as np
    import ripser

    import tdasheaf
    from tdasheaf.datasets import bundled_data_path, load_bundled_point_clouds

    purelib = Path(sysconfig.get_paths()["purelib"]).resolve()
    ids, clouds, labels = load_bundled_point_clouds()
    data = bundled_data_path()
    bars = tdasheaf.RipsPersistence(homology_dimensions=(0,)).fit_transform(clouds[:1])[0]
    h0 = ripser.ripser(np.asarray(clouds[0]), maxdim=0)["dgms"][0]
    scripts = Path(sys.executable).parent
    helps = [
        subprocess.run([str(scripts / name), "--help"], capture_output=True, text=True)
        for name in ("tdasheaf-extract", "tdasheaf-anomalies")
    ]
    extract = subprocess.run([str(scripts / "tdasheaf-extract"), "-q"], capture_output=True,
                             text=True)
    tables = sorted(p.name for p in Path("features").glob("point_clouds_features.*")) if (
        Path("features").is_dir()) else []
    print(json.dumps({
        "file": tdasheaf.__file__,
        "installed": Path(tdasheaf.__file__).resolve().is_relative_to(purelib),
        "version": tdasheaf.__version__,
        "data_installed": data.resolve().is_relative_to(purelib),
        "n_clouds": len(ids),
        "n_labels": len(set(labels)),
        "shapes_small": (data / "shapes_small.npz").is_file(),
        "finite_h0_bars": int(((bars[:, 2] == 0) & (bars[:, 1] > bars[:, 0])
                               & np.isfinite(bars[:, 1])).sum()),
        "ripser_finite_h0": int(np.isfinite(h0[:, 1]).sum()),
        "help": [(h.returncode, h.stdout.startswith("usage:")) for h in helps],
        "extract": [extract.returncode, extract.stderr[-2000:]],
        "tables": tables,
    }))
"""


def _smoke(python: str, cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    out = subprocess.run(
        [python, "-c", textwrap.dedent(SMOKE)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _check(result: dict) -> None:
    assert result["installed"], f"tdasheaf imported from {result['file']}, not site-packages"
    assert result["data_installed"]
    assert result["version"] == importlib.metadata.version("tdasheaf").replace("-", ".")
    assert result["n_clouds"] == 40 and result["n_labels"] >= 2
    assert result["shapes_small"]
    assert result["finite_h0_bars"] == result["ripser_finite_h0"] > 0
    assert result["help"] == [[0, True], [0, True]]
    assert result["extract"][0] == 0, result["extract"][1]
    assert any(t.endswith((".parquet", ".csv")) for t in result["tables"]), result["tables"]


def _installed_from_wheel() -> bool:
    """tdasheaf in this interpreter is a regular install (its files in site-packages), not the
    checkout (an editable install, or the checkout on ``sys.path``)."""
    import tdasheaf

    purelib = Path(sysconfig.get_paths()["purelib"]).resolve()
    return Path(tdasheaf.__file__).resolve().is_relative_to(purelib)


def _pins() -> list[str]:
    """``name==version`` of every distribution here but tdasheaf: the fresh venv resolves to
    the versions this interpreter already has (the same wheels, no new resolution)."""
    pins = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in ("tdasheaf", "pip", "setuptools", "wheel"):
            pins[name.lower()] = f"{name}=={dist.version}"
    return sorted(pins.values())


@pytest.mark.slow
def test_wheel_and_sdist_build_and_the_installed_wheel_works(tmp_path):
    if importlib.util.find_spec("build") is None:
        pytest.skip("the 'build' package is not installed (pip install build, or .[test])")
    dist = tmp_path / "dist"
    # no --sdist/--wheel flag: the sdist is built first and the wheel from it, so a file
    # missing from the sdist fails here too
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = dist.glob("tdasheaf-*.whl")
    (sdist,) = dist.glob("tdasheaf-*.tar.gz")
    assert sdist.stat().st_size > 0
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(_pins()) + "\n")
    pip = subprocess.run(
        [python, "-m", "pip", "install", "-q", "-c", str(constraints), str(wheel), "ripser"],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    work = tmp_path / "work"
    work.mkdir()
    _check(_smoke(python, work))


def test_this_interpreter_runs_an_installed_package(tmp_path):
    if not _installed_from_wheel():
        pytest.skip("tdasheaf is installed editable here (pip install -e): nothing installed")
    _check(_smoke(sys.executable, tmp_path))
