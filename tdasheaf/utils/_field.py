"""The coefficient field of every persistence route, resolved by one function.

The rule, defined once for the whole library
--------------------------------------------
``field=None`` means GF(:data:`DEFAULT_PRIME`) = GF(65521) on every exact route: the classical
Rips and alpha barcodes (:func:`tdasheaf.cohomology.rips_persistence`), the implicit flag
engine (:func:`tdasheaf.cohomology.flag_persistence`) and the sheaf engines. A prime that
large has no torsion in any complex of practical size, so the barcodes are those of the
rational numbers; GF(2) differs exactly on complexes with 2-torsion (ℝP², the Klein bottle).

Where a route cannot use every prime, :func:`check_field` takes a keyword that says why, and
the error repeats it:

* ``max_prime=127, max_prime_reason=...``: ripser.py stores coefficients in 8 signed bits;
* ``odd_reason=...``: GF(2) cannot hold the sign −1 of an orientation (signed) sheaf
  (−1 = +1 mod 2, which turns it into the constant sheaf);
* ``allow_real=True``: the sheaf routes also compute over the reals (``field="R"``).
"""

from __future__ import annotations

import numbers

__all__ = ["DEFAULT_PRIME", "MAX_PRIME", "check_field", "is_prime"]

#: The default field GF(65521) (the largest prime below 2^16) of every exact route.
DEFAULT_PRIME = 65521
#: Primes must be below this bound (``2**26``): products of two residues fit a float64 exactly.
MAX_PRIME = 2**26 - 1

_REAL_NAMES = ("R", "r", "real", "float")

#: ``odd_reason`` of the routes with signed (orientation) sheaves.
SIGNED_SHEAF_REASON = (
    "GF(2) cannot hold the orientation signs (-1 = +1 mod 2 turns the orientation sheaf into "
    "the constant sheaf)"
)


def is_prime(p: int) -> bool:
    """Trial-division primality test (``p`` is small).

    Examples
    --------
    >>> [q for q in range(12) if is_prime(q)]
    [2, 3, 5, 7, 11]
    """
    if p < 2:
        return False
    if p % 2 == 0:
        return p == 2
    f = 3
    while f * f <= p:
        if p % f == 0:
            return False
        f += 2
    return True


def check_field(
    field,
    *,
    default: int | str | None = DEFAULT_PRIME,
    allow_real: bool = False,
    max_prime: int = MAX_PRIME,
    max_prime_reason: str = "primes below 2**26 are supported",
    odd_reason: str | None = None,
    name: str = "field",
) -> int | str | None:
    """Validate a coefficient field and resolve ``None`` to the default.

    Parameters
    ----------
    field : int, str or None
        A prime ``p`` (GF(p)), ``"R"`` (the reals; only with ``allow_real``) or ``None``.
    default : int, str or None, default=DEFAULT_PRIME
        What ``None`` means. The library's routes all keep GF(65521); a route that cannot hold
        it (ripser.py) passes its own, documented, default. ``default=None`` returns ``None``
        unchanged, for callers that let the engine decide (GF(65521) for integer-valued
        restriction maps, the reals otherwise).
    allow_real : bool, default=False
        Accept ``"R"`` (also ``"r"``, ``"real"``, ``"float"``), returned as ``"R"``.
    max_prime : int, default=MAX_PRIME
        Largest prime accepted.
    max_prime_reason : str
        Why larger primes are refused (the end of the error message).
    odd_reason : str, optional
        If given, GF(2) is refused and this is the reason given (for signed sheaves).
    name : str, default="field"
        The parameter's name in error messages.

    Returns
    -------
    int or str
        The prime, or ``"R"``.

    Raises
    ------
    ValueError
        Naming the parameter, the value and why it is refused.

    Examples
    --------
    >>> check_field(None), check_field(3), check_field("R", allow_real=True)
    (65521, 3, 'R')
    >>> check_field(131, max_prime=127, max_prime_reason="ripser.py stores 8-bit coefficients")
    Traceback (most recent call last):
    ...
    ValueError: field=131 is too large: ripser.py stores 8-bit coefficients.
    >>> check_field(2, odd_reason="GF(2) cannot hold the sign -1")
    Traceback (most recent call last):
    ...
    ValueError: field=2 is refused: GF(2) cannot hold the sign -1; use an odd prime such as 3 ...
    """
    if field is None:
        if default is None:
            return None
        field = default
    kinds = "a prime number or 'R'" if allow_real else "a prime number"
    if isinstance(field, str):
        if allow_real and field in _REAL_NAMES:
            return "R"
        raise ValueError(f"{name} must be {kinds}, got {field!r}.")
    if isinstance(field, bool) or not isinstance(field, numbers.Integral):
        raise ValueError(f"{name} must be {kinds}, got {field!r}.")
    p = int(field)
    if not is_prime(p):
        if odd_reason is not None:
            raise ValueError(f"{name}={p} is not an odd prime ({odd_reason}).")
        raise ValueError(
            f"{name}={p} is not a prime; GF(p) coefficients need a prime p (e.g. 3, 5, 65521)."
        )
    if p > max_prime:
        raise ValueError(f"{name}={p} is too large: {max_prime_reason}.")
    if p == 2 and odd_reason is not None:
        raise ValueError(f"{name}=2 is refused: {odd_reason}; use an odd prime such as 3 or 65521.")
    return p
