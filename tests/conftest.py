"""Shared test configuration.

Importing the estimators here, before pytest's importlib mode imports any module by path,
keeps a single copy of every class (pickling needs the class found under its module name).
"""

import tdasheaf.estimators  # noqa: F401
