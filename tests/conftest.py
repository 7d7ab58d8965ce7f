"""Shared test configuration.

Importing the estimators here, before pytest's importlib mode imports any module by path,
keeps a single copy of every class (pickling needs the class found under its module name).
The tests folder goes on ``sys.path`` so that test modules share their helper modules
(``_peer_oracles``: gudhi / ripser.py barcodes) by a plain import.

Hypothesis runs derandomized and without its example database for every test (a test's own
``@settings`` adds to this profile): the suite draws the same examples on every run and every
machine, so a red CI is never a new random draw.
"""

import sys
from pathlib import Path

from hypothesis import settings

import tdasheaf.estimators  # noqa: F401

settings.register_profile("tdasheaf", derandomize=True, database=None)
settings.load_profile("tdasheaf")

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
