"""The :class:`CellularSheaf` value type: stalks and restriction maps on a filtered complex.

Storage (compact block arrays, no Python dicts of matrices)
------------------------------------------------------------
For a complex with simplices ``K.simplices[k]`` (see :mod:`tdasheaf.complexes`):

* ``stalk_dims[k]``: ``(n_k,)`` int64, the stalk dimension ``d_σ >= 0`` of every k-simplex;
* ``restrictions[k]`` (``k >= 1``): ``(n_k, k + 1, D_k, D_{k-1})`` float64 with
  ``D_k = max d_σ`` over k-simplices. ``restrictions[k][j, i]`` is the map
  ``F_{σ⊲τ}: F(σ) → F(τ)`` from the face ``σ = K.boundaries[k][j, i]`` (τ without its ``i``-th
  vertex) into ``τ = K.simplices[k][j]``, stored in the top-left ``d_τ × d_σ`` block; the padding
  is zero. ``restrictions[0]`` has shape ``(n_0, 0, D_0, 0)``.

The coboundary is ``(δ x)(τ) = Σ_i (-1)^i F_{σ_i⊲τ} x(σ_i)``, and ``δ∘δ = 0`` holds exactly
when, for every simplex ρ and codimension-2 face σ, the composites through the two
intermediate faces agree. :meth:`CellularSheaf.check` verifies this and names an offending
pair of faces.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import FrozenInstanceError, dataclass, field

import numpy as np

from tdasheaf.complexes import FilteredComplex, FlagFiltration
from tdasheaf.exceptions import InvalidSheafError

__all__ = ["CellularSheaf", "ConstantSheaf", "constant_sheaf"]


def _simplex_str(K: FilteredComplex, k: int, j: int) -> str:
    return str(tuple(int(v) for v in K.simplices[k][j]))


@dataclass(frozen=True, eq=False)
class CellularSheaf:
    """A cellular sheaf on a :class:`~tdasheaf.complexes.FilteredComplex`.

    The sheaf is fixed on the final complex and restricted to each ``K_t``; a simplex's maps
    are frozen when it is born (DESIGN.md §4).

    Attributes
    ----------
    complex : FilteredComplex
    stalk_dims : tuple of ndarray
        ``stalk_dims[k][j]`` is the stalk dimension of ``complex.simplices[k][j]``.
    restrictions : tuple of ndarray
        Padded block arrays, see the module docstring.

    Examples
    --------
    >>> from tdasheaf.complexes import FilteredComplex, FlagFiltration
    >>> K = FilteredComplex.from_simplices([(0,), (1,), (0, 1)], [0, 0, 1])
    >>> F = CellularSheaf.from_restrictions(K, 1, {((1,), (0, 1)): [[-1.0]]})
    >>> F.restrictions[1][0, :, 0, 0]   # faces (1,) [drop vertex 0] then (0,)
    array([-1.,  1.])
    """

    complex: FilteredComplex
    stalk_dims: tuple[np.ndarray, ...]
    restrictions: tuple[np.ndarray, ...]
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        # The arrays are frozen: what was validated (and what the engines read from the
        # constructors' cached facts) is what stays. An array that shares memory with one the
        # caller still holds is copied first, so editing the caller's array cannot change the
        # sheaf either.
        for name in ("stalk_dims", "restrictions"):
            frozen = []
            for a in getattr(self, name):
                a = np.asarray(a)
                if a.base is not None or not a.flags.owndata:
                    a = a.copy()
                a.flags.writeable = False
                frozen.append(a)
            object.__setattr__(self, name, tuple(frozen))

    # -- basic facts ---------------------------------------------------------------------------

    @property
    def dimension(self) -> int:
        """Dimension of the underlying complex."""
        return self.complex.dimension

    def cochain_dim(self, k: int) -> int:
        """Dimension of the cochain space C^k (sum of k-stalk dimensions)."""
        if k < 0 or k >= len(self.stalk_dims):
            return 0
        return int(self.stalk_dims[k].sum())

    def offsets(self, k: int) -> np.ndarray:
        """Start of every k-simplex's stalk in the basis of C^k (length ``n_k + 1``)."""
        key = ("offsets", k)
        if key not in self._cache:
            d = self.stalk_dims[k] if k < len(self.stalk_dims) else np.empty(0, np.int64)
            self._cache[key] = np.concatenate([[0], np.cumsum(d)]).astype(np.int64)
        return self._cache[key]

    @property
    def is_integral(self) -> bool:
        """True when every restriction map has integer entries (``-1.0`` counts)."""
        if "integral" not in self._cache:
            self._cache["integral"] = all(bool(np.all(R == np.round(R))) for R in self.restrictions)
        return self._cache["integral"]

    def __repr__(self) -> str:
        ranks = [
            f"{int(d.min())}..{int(d.max())}"
            if len(d) and d.min() != d.max()
            else (str(int(d[0])) if len(d) else "-")
            for d in self.stalk_dims
        ]
        return f"CellularSheaf(complex={self.complex!r}, stalk_dims=[{', '.join(ranks)}])"

    # -- constructors --------------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        complex: FilteredComplex,
        stalk_dims,
        restrictions,
        *,
        validate: bool = True,
        atol: float = 1e-9,
    ) -> CellularSheaf:
        """Build a sheaf from per-dimension arrays (the vectorised constructor).

        Parameters
        ----------
        complex : FilteredComplex
        stalk_dims : int or sequence of int or sequence of arrays
            One int for all simplices, one int per dimension, or one ``(n_k,)`` array per dimension.
        restrictions : sequence of arrays
            ``restrictions[k - 1]`` for ``k = 1..dim``: shape ``(n_k, k + 1, a, b)`` with
            ``a >= max d_τ`` and ``b >= max d_σ`` (extra rows/columns must be zero or are ignored).
        validate : bool, default=True
            Check finiteness and δ∘δ = 0 (with tolerance ``atol`` relative to the map norms).

        Examples
        --------
        >>> from tdasheaf.complexes import rips_complex
        >>> K = rips_complex([[0.0], [1.0]], max_dimension=1)
        >>> R1 = np.ones((1, 2, 2, 2)) * np.eye(2)
        >>> CellularSheaf.from_arrays(K, 2, [R1]).cochain_dim(0)
        4
        """
        K = complex
        n_dims = K.dimension + 1 if K.dimension >= 0 else 1
        dims = _normalise_stalk_dims(K, stalk_dims, n_dims)
        restrictions = list(restrictions)
        if len(restrictions) < n_dims - 1:
            raise InvalidSheafError(
                f"restrictions must have one array per dimension 1..{n_dims - 1}, "
                f"got {len(restrictions)}."
            )
        Rs = [np.zeros((len(dims[0]), 0, int(dims[0].max(initial=0)), 0))]
        for k in range(1, n_dims):
            R = np.asarray(restrictions[k - 1], dtype=np.float64)
            Dk, Dk1 = int(dims[k].max(initial=0)), int(dims[k - 1].max(initial=0))
            n_k = len(dims[k])
            if R.ndim != 4 or R.shape[0] != n_k or R.shape[1] != k + 1:
                raise InvalidSheafError(
                    f"restrictions for dimension {k} must have shape ({n_k}, {k + 1}, >= {Dk}, "
                    f">= {Dk1}), got {R.shape}."
                )
            if R.shape[2] < Dk or R.shape[3] < Dk1:
                raise InvalidSheafError(
                    f"restrictions for dimension {k} have blocks of shape {R.shape[2:]}, too small "
                    f"for stalks of dimension up to {Dk} (coface) and {Dk1} (face)."
                )
            R = np.ascontiguousarray(R[:, :, :Dk, :Dk1])
            mask = (np.arange(Dk)[None, None, :, None] < dims[k][:, None, None, None]) & (
                np.arange(Dk1)[None, None, None, :] < dims[k - 1][K.boundaries[k]][:, :, None, None]
            )
            R = np.where(mask, R, 0.0)
            Rs.append(R)
        sheaf = cls(K, tuple(dims), tuple(Rs))
        if validate:
            sheaf.check(atol=atol)
        return sheaf

    @classmethod
    def from_restrictions(
        cls,
        complex: FilteredComplex,
        stalk_dims: int | Mapping,
        restrictions: Mapping | None = None,
        *,
        validate: bool = True,
        atol: float = 1e-9,
    ) -> CellularSheaf:
        """Build a small sheaf by hand: stalk dimensions and a dict of restriction maps.

        Parameters
        ----------
        complex : FilteredComplex
        stalk_dims : int or dict
            One dimension for every simplex, or a dict ``simplex tuple -> int`` (simplices not
            in the dict get dimension 1).
        restrictions : dict, optional
            ``(face tuple, coface tuple) -> matrix`` of shape ``(d_coface, d_face)``, for faces
            of codimension 1. Missing entries default to the identity where the two stalk
            dimensions agree (and to the empty map where one is 0); otherwise it is an error.
        validate : bool, default=True
            Check δ∘δ = 0; an inconsistent sheaf raises :class:`~tdasheaf.InvalidSheafError`.

        Examples
        --------
        A triangle boundary with one sign-twisted edge:

        >>> from tdasheaf.complexes import FilteredComplex, FlagFiltration
        >>> K = FilteredComplex.from_simplices([(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)])
        >>> F = CellularSheaf.from_restrictions(K, 1, {((2,), (0, 2)): [[-1]]})
        >>> F.cochain_dim(1)
        3
        """
        K = complex
        restrictions = dict(restrictions or {})
        lookup = [
            {tuple(int(v) for v in row): j for j, row in enumerate(s.tolist())} for s in K.simplices
        ]
        n_dims = max(K.dimension + 1, 1)
        if isinstance(stalk_dims, Mapping):
            dims = [np.ones(len(s), dtype=np.int64) for s in K.simplices[:n_dims]]
            for simplex, d in stalk_dims.items():
                key = tuple(sorted(int(v) for v in simplex))
                k = len(key) - 1
                if k >= n_dims or key not in lookup[k]:
                    raise InvalidSheafError(f"stalk_dims names {key}, which is not in the complex.")
                dims[k][lookup[k][key]] = _check_dim(d, key)
        else:
            dims = _normalise_stalk_dims(K, stalk_dims, n_dims)
        blocks = []
        for k in range(1, n_dims):
            Dk, Dk1 = int(dims[k].max(initial=0)), int(dims[k - 1].max(initial=0))
            R = np.zeros((len(dims[k]), k + 1, Dk, Dk1))
            blocks.append(R)
        given = set()
        for (face, coface), matrix in restrictions.items():
            f = tuple(sorted(int(v) for v in face))
            c = tuple(sorted(int(v) for v in coface))
            k = len(c) - 1
            if len(f) != len(c) - 1 or not set(f) <= set(c):
                raise InvalidSheafError(
                    f"restriction key ({f}, {c}): the first simplex must be a codimension-1 face "
                    "of the second."
                )
            if k >= n_dims or c not in lookup[k]:
                raise InvalidSheafError(f"restriction key ({f}, {c}): {c} is not in the complex.")
            j = lookup[k][c]
            i = next(pos for pos, v in enumerate(c) if v not in f)
            M = np.asarray(matrix, dtype=np.float64)
            M = M.reshape(1, 1) if M.ndim == 0 else M
            want = (int(dims[k][j]), int(dims[k - 1][K.boundaries[k][j, i]]))
            if M.shape != want:
                raise InvalidSheafError(
                    f"restriction {f} -> {c} has shape {M.shape}, but the stalks have dimensions "
                    f"{want[1]} ({f}) and {want[0]} ({c}): expected shape {want}."
                )
            blocks[k - 1][j, i, : want[0], : want[1]] = M
            given.add((k, j, i))
        for k in range(1, n_dims):
            for j in range(len(dims[k])):
                for i in range(k + 1):
                    if (k, j, i) in given:
                        continue
                    a, b = int(dims[k][j]), int(dims[k - 1][K.boundaries[k][j, i]])
                    if a == b:
                        blocks[k - 1][j, i, :a, :b] = np.eye(a)
                    elif a and b:
                        face = _simplex_str(K, k - 1, K.boundaries[k][j, i])
                        raise InvalidSheafError(
                            f"no restriction map given for {face} -> {_simplex_str(K, k, j)}, and "
                            f"the stalk dimensions differ ({b} vs {a}), so there is no identity "
                            "default; add it to `restrictions`."
                        )
        return cls.from_arrays(K, dims, blocks, validate=validate, atol=atol)

    # -- validation ----------------------------------------------------------------------------

    def check(self, *, atol: float = 1e-9) -> CellularSheaf:
        """Verify finiteness and δ∘δ = 0; raise :class:`~tdasheaf.InvalidSheafError` if not.

        For every simplex ρ and every pair of positions ``i < j``, the two composites from the
        face σ = ρ minus vertices i, j must agree:
        ``F_{τ_i⊲ρ} F_{σ⊲τ_i} = F_{τ_j⊲ρ} F_{σ⊲τ_j}``.

        * Integer maps (:attr:`is_integral`): exactly.
        * Otherwise within a tolerance relative to the sizes of the maps, all norms Frobenius:
          ``‖F_{τ_i⊲ρ} F_{σ⊲τ_i} - F_{τ_j⊲ρ} F_{σ⊲τ_j}‖_F <= atol * max(‖F_{τ_i⊲ρ}‖_F
          ‖F_{σ⊲τ_i}‖_F, ‖F_{τ_j⊲ρ}‖_F ‖F_{σ⊲τ_j}‖_F)``. Both composites count, and there is
          no absolute floor: tiny maps are held to the same relative standard as large ones
          (rounding in a product is at most about ``eps`` times this bound). A difference of
          exactly zero always passes (so all-zero maps and zero stalks do).

        Parameters
        ----------
        atol : float, default=1e-9
            The relative tolerance above, for real-valued maps.

        Returns
        -------
        self
        """
        K = self.complex
        for k, R in enumerate(self.restrictions):
            if not np.isfinite(R).all():
                j, i = np.argwhere(~np.isfinite(R).all(axis=(2, 3)))[0]
                face = _simplex_str(K, k - 1, K.boundaries[k][j, i])
                raise InvalidSheafError(
                    f"restriction {face} -> {_simplex_str(K, k, j)} has NaN or infinite entries."
                )
        exact = self.is_integral
        for m in range(2, len(self.restrictions)):
            Rm, Rm1 = self.restrictions[m], self.restrictions[m - 1]
            if Rm.size == 0 or Rm1.size == 0:
                continue
            B = K.boundaries[m]
            for i in range(m + 1):
                for j in range(i + 1, m + 1):
                    # through τ_i (drop i): σ is τ_i without its vertex j, at position j - 1
                    A1 = Rm[:, i] @ Rm1[B[:, i], j - 1]
                    # through τ_j (drop j): σ is τ_j without its vertex i, at position i
                    A2 = Rm[:, j] @ Rm1[B[:, j], i]
                    diff = _frobenius(A1 - A2)
                    if exact:
                        bad = diff != 0
                        allowed = np.zeros_like(diff)
                    else:
                        scale = np.maximum(
                            _frobenius(Rm[:, i]) * _frobenius(Rm1[B[:, i], j - 1]),
                            _frobenius(Rm[:, j]) * _frobenius(Rm1[B[:, j], i]),
                        )
                        # ``not <=`` so that a NaN difference (overflowing maps) is refused
                        allowed = atol * scale
                        bad = (diff != 0) & ~(diff <= allowed)
                    if bad.any():
                        r = int(np.flatnonzero(bad)[0])
                        rho = K.simplices[m][r]
                        sigma = tuple(int(v) for p, v in enumerate(rho) if p not in (i, j))
                        t_i = tuple(int(v) for p, v in enumerate(rho) if p != i)
                        t_j = tuple(int(v) for p, v in enumerate(rho) if p != j)
                        raise InvalidSheafError(
                            f"the sheaf is inconsistent (δ∘δ ≠ 0): the composites "
                            f"{sigma} -> {t_i} -> {tuple(int(v) for v in rho)} and "
                            f"{sigma} -> {t_j} -> {tuple(int(v) for v in rho)} differ "
                            f"(by {diff[r]:.3g} in Frobenius norm; "
                            + (
                                "integer maps must agree exactly)."
                                if exact
                                else f"allowed: {allowed[r]:.3g} = atol × the larger product "
                                "of the two composites' map norms)."
                            )
                        )
        return self


def _frobenius(A: np.ndarray) -> np.ndarray:
    """Frobenius norm of every block of a ``(n, a, b)`` array (0 for empty blocks)."""
    return np.sqrt(np.einsum("nab,nab->n", A, A))


def _check_dim(d, where) -> int:
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0:
        raise InvalidSheafError(
            f"stalk dimension for {where} must be a non-negative int, got {d!r}."
        )
    return int(d)


def _normalise_stalk_dims(K: FilteredComplex, stalk_dims, n_dims: int) -> list[np.ndarray]:
    if isinstance(stalk_dims, (numbers.Number, np.generic)):
        d = _check_dim(stalk_dims, "every simplex")
        return [np.full(len(s), d, dtype=np.int64) for s in K.simplices[:n_dims]]
    items = list(stalk_dims)
    if len(items) < n_dims:
        raise InvalidSheafError(
            f"stalk_dims needs one entry per dimension 0..{n_dims - 1}, got {len(items)}."
        )
    out = []
    for k in range(n_dims):
        n_k = len(K.simplices[k])
        item = items[k]
        if np.ndim(item) == 0:
            out.append(np.full(n_k, _check_dim(item, f"dimension {k}"), dtype=np.int64))
            continue
        arr = np.asarray(item)
        if arr.shape != (n_k,):
            raise InvalidSheafError(
                f"stalk_dims[{k}] must have shape ({n_k},) (one per {k}-simplex), got {arr.shape}."
            )
        if not np.issubdtype(arr.dtype, np.integer) or (arr < 0).any():
            raise InvalidSheafError(f"stalk_dims[{k}] must hold non-negative integers.")
        out.append(arr.astype(np.int64))
    return out


class _LazyKind(CellularSheaf):
    """Base of the sheaf kinds: a :class:`CellularSheaf` whose arrays are derived on demand.

    A kind is defined by its filtration and a few parameters (a rank, edge signs); the engines
    read those directly (so a kind on a lazy :class:`~tdasheaf.complexes.FlagFiltration` never
    needs the simplices above its edges), while ``complex``, ``stalk_dims`` and
    ``restrictions`` are built on first access, for code that reads the general form.
    Immutable: attributes cannot be reassigned and the arrays are read-only.
    """

    #: δ∘δ = 0 holds by construction.
    _consistent = True

    def __init__(self, complex):
        if not isinstance(complex, (FilteredComplex, FlagFiltration)):
            raise TypeError(
                "a sheaf lives on a FilteredComplex or a FlagFiltration, got "
                f"{type(complex).__name__}."
            )
        object.__setattr__(self, "filtration", complex)
        object.__setattr__(self, "_cache", {"integral": True, "checked": True})

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}: sheaves are immutable")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}: sheaves are immutable")

    @property
    def complex(self) -> FilteredComplex:  # type: ignore[override]
        """The explicit complex (a lazy flag filtration is built here, within the budget)."""
        if isinstance(self.filtration, FilteredComplex):
            return self.filtration
        if "complex" not in self._cache:
            self._cache["complex"] = self.filtration.to_complex()
        return self._cache["complex"]

    @property
    def stalk_dims(self) -> tuple[np.ndarray, ...]:  # type: ignore[override]
        if "arrays" not in self._cache:
            self._cache["arrays"] = _frozen(self._arrays(self.complex))
        return self._cache["arrays"][0]

    @property
    def restrictions(self) -> tuple[np.ndarray, ...]:  # type: ignore[override]
        self.stalk_dims  # noqa: B018  (builds both)
        return self._cache["arrays"][1]

    @property
    def is_integral(self) -> bool:
        return True

    def _arrays(self, K: FilteredComplex):  # pragma: no cover - abstract
        raise NotImplementedError

    def __reduce__(self):
        return (type(self), self._args())


def _frozen(arrays):
    out = []
    for group in arrays:
        frozen = []
        for a in group:
            a = np.array(a)  # own copy (broadcast views become real arrays)
            a.flags.writeable = False
            frozen.append(a)
        out.append(tuple(frozen))
    return tuple(out)


class ConstantSheaf(_LazyKind):
    """The constant sheaf 𝕜^rank: every stalk 𝕜^rank, every restriction the identity.

    A sheaf *kind*: the engines recognise it by its type and compute it as ``rank`` copies of
    the rank-1 barcode (ordinary persistent cohomology), with the implicit flag engine on a
    :class:`~tdasheaf.complexes.FlagFiltration` or a flag complex. Build it with
    :func:`constant_sheaf`.

    Attributes
    ----------
    filtration : FilteredComplex or FlagFiltration
    rank : int

    Examples
    --------
    >>> from tdasheaf.complexes import FlagFiltration
    >>> F = ConstantSheaf(FlagFiltration.from_edges(3, [(0, 1), (1, 2)], [1.0, 2.0]), rank=2)
    >>> F.rank, F.cochain_dim(1)
    (2, 4)
    """

    def __init__(self, complex, rank: int = 1):
        super().__init__(complex)
        object.__setattr__(self, "rank", _check_dim(rank, "rank"))

    def _args(self):
        return (self.filtration, self.rank)

    def _arrays(self, K):
        rank = self.rank
        n_dims = max(K.dimension + 1, 1)
        dims = [np.full(len(s), rank, dtype=np.int64) for s in K.simplices[:n_dims]]
        eye = np.eye(rank)
        Rs = [np.zeros((len(dims[0]), 0, rank, 0))]
        for k in range(1, n_dims):
            Rs.append(np.broadcast_to(eye, (len(dims[k]), k + 1, rank, rank)))
        return dims, Rs

    def __repr__(self) -> str:
        return f"ConstantSheaf({self.filtration!r}, rank={self.rank})"


def constant_sheaf(complex: FilteredComplex | FlagFiltration, rank: int = 1) -> ConstantSheaf:
    """The constant sheaf 𝕜^rank: every stalk 𝕜^rank, every restriction the identity.

    Its cohomology is ordinary simplicial cohomology, ``rank`` times. Returns a
    :class:`ConstantSheaf` (a :class:`CellularSheaf` whose arrays are built on first access).

    Examples
    --------
    >>> from tdasheaf.complexes import rips_complex
    >>> F = constant_sheaf(rips_complex([[0.0], [1.0], [3.0]]), rank=2)
    >>> F.cochain_dim(0), F.cochain_dim(1)
    (6, 6)
    """
    return ConstantSheaf(complex, rank)
