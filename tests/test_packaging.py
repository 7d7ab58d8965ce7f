"""The explicit package list in pyproject.toml must cover every package in the tree."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _declared():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return set(tomllib.load(handle)["tool"]["setuptools"]["packages"])


def test_every_library_package_is_listed():
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "tdasheaf").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    declared = _declared()
    assert on_disk - declared == set(), "add these packages to [tool.setuptools] packages"
    assert {p for p in declared if p.startswith("tdasheaf.")} <= on_disk | {"tdasheaf"}


def test_pipelines_are_installed_for_the_console_scripts():
    assert "tdasheaf_pipelines" in _declared()
    assert (ROOT / "pipelines" / "__init__.py").is_file()
