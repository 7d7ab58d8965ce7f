"""Shared helpers: input validation and parallel maps (no numerics)."""

from tdasheaf.utils._field import DEFAULT_PRIME, check_field, is_prime
from tdasheaf.utils._memory import (
    default_memory_budget,
    format_bytes,
    over_budget,
    resolve_memory_budget,
)
from tdasheaf.utils._parallel import map_samples, parallel_map
from tdasheaf.utils._validation import (
    check_collection,
    check_degrees,
    check_point_cloud,
    check_positive_threshold,
)

__all__ = [
    "DEFAULT_PRIME",
    "check_collection",
    "check_field",
    "check_degrees",
    "check_point_cloud",
    "check_positive_threshold",
    "default_memory_budget",
    "format_bytes",
    "is_prime",
    "over_budget",
    "resolve_memory_budget",
    "map_samples",
    "parallel_map",
]
