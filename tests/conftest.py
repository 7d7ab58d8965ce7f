"""Shared test configuration.

Importing the estimators here, before pytest's importlib mode imports any module by path,
keeps a single copy of every class (pickling needs the class found under its module name).
The tests folder goes on ``sys.path`` so that test modules share their helper modules
(``_peer_oracles``: gudhi / ripser.py barcodes) by a plain import.
"""

import sys
from pathlib import Path

import tdasheaf.estimators  # noqa: F401

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
