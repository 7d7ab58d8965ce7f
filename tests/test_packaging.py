"""pyproject.toml against the tree: the package list, the data the wheel ships, the CI floors."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _pyproject():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


def _declared():
    return set(_pyproject()["tool"]["setuptools"]["packages"])


def _mapped() -> dict[str, str]:
    """Packages whose folder is not their dotted name (``package-dir``), with that folder."""
    return {k: v for k, v in _pyproject()["tool"]["setuptools"]["package-dir"].items() if k}


def test_every_library_package_is_listed():
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "tdasheaf").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    declared = _declared()
    assert on_disk - declared == set(), "add these packages to [tool.setuptools] packages"
    # data packages mapped onto datasets/ (no __init__.py) and their subfolders
    mapped = {
        p
        for p in declared
        for k, folder in _mapped().items()
        if (p == k or p.startswith(k + "."))
        and (ROOT / folder / Path(*p[len(k) + 1 :].split("."))).is_dir()
    }
    assert {p for p in declared if p.startswith("tdasheaf.")} <= on_disk | mapped | {"tdasheaf"}


def test_pipelines_are_installed_for_the_console_scripts():
    assert "tdasheaf_pipelines" in _declared()
    assert (ROOT / "pipelines" / "__init__.py").is_file()


def test_the_wheel_ships_every_bundled_data_file():
    """Every file of datasets/ matches a package-data pattern of its mapped package."""
    mapped = _mapped()
    data = _pyproject()["tool"]["setuptools"]["package-data"]
    shipped = set()
    for package, patterns in data.items():
        folder = ROOT / mapped.get(package, package.replace(".", "/"))
        if package not in mapped:  # a subpackage of a mapped one
            for k, v in mapped.items():
                if package.startswith(k + "."):
                    folder = ROOT / v / Path(*package[len(k) + 1 :].split("."))
        for pattern in patterns:
            shipped |= {p for p in folder.glob(pattern) if p.is_file()}
    files = {p for p in (ROOT / "datasets").rglob("*") if p.is_file()}
    assert files - shipped == set(), "add these files to [tool.setuptools.package-data]"


def test_the_oldest_ci_job_pins_every_declared_floor():
    """.ci/constraints-oldest.txt pins each runtime dependency at its lower bound."""
    floors = {}
    for req in _pyproject()["project"]["dependencies"]:
        m = re.match(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][^,;\s]*)", req)
        assert m, f"{req!r} declares no lower bound"
        floors[m.group(1).lower()] = m.group(2)
    pins = {}
    for line in (ROOT / ".ci" / "constraints-oldest.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()

    def release(v):
        return tuple(int(x) for x in v.split(".")) + (0,) * (3 - len(v.split(".")))

    assert set(floors) <= set(pins)  # and a few transitive pins, commented in the file
    assert {k: release(pins[k]) for k in floors} == {k: release(v) for k, v in floors.items()}
