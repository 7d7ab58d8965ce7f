"""An exact ℚ oracle for persistent sheaf cohomology, and a generator of random test sheaves.

Not a test module (no tests, no doctests); imported by ``tests/test_float_engine.py`` and
``pipelines/benchmarks/float_engine.py``.

Oracle
------
Everything is :class:`fractions.Fraction` arithmetic on plain Python data; no library code is
used for the arithmetic. A sheaf is a :class:`RationalSheaf`: a dict ``simplex tuple -> value``
(the filtration), a dict ``simplex -> stalk dimension``, and a dict ``(face, coface) -> matrix``
(``d_coface × d_face``, lists of Fractions) for codimension-1 pairs. The coboundary is built
from the definition (DESIGN.md §3)::

    (δ^k x)(τ) = Σ_i (-1)^i F_{σ_i⊲τ} x(σ_i),   σ_i = τ without its i-th vertex,

with the basis of ``C^k`` ordered by the total order ``(f(σ), dim σ, vertices)`` and each
simplex contributing its ``d_σ`` coordinates. Two independent ways to get the barcode:

* :func:`barcode` — the standard persistence reduction (left to right, pivot = lowest nonzero
  row) of the filtered chain complex ``C_k = ⊕ F(σ)*``, ``∂_{k+1} = (δ^k)ᵀ`` (DESIGN.md §4): a
  pair (row ``r`` of degree q, column ``c`` of degree q+1) is the bar ``[f(r), f(c))`` in degree
  q; a degree-q basis vector whose own column reduced to zero and which is no pivot is the
  essential bar ``[f, ∞)``.
* :func:`barcode_from_ranks` — the rank invariant and the pairing lemma: for filtration values
  ``a <= b``, ``β^{a,b} = rank(H_q(K_a) → H_q(K_b)) = rank[Z_q(K_a) | B_q(K_b)] − rank B_q(K_b)``
  counts the bars alive on ``[a, b]``, and the number of bars ``[v_i, v_j)`` is the second
  difference ``β(i, j−1) − β(i−1, j−1) − β(i, j) + β(i−1, j)``.

Zero-length bars are dropped. Barcodes are sorted lists of ``(birth, death)`` float pairs
(``death = inf`` for essential bars), degree by degree.

Generator
---------
:func:`random_complex`: ≤ 7 vertices, up to dimension 3, every face present, values multiples
of 0.5 from a small set (ties), made monotone. :func:`random_integer_sheaf`: consistent integer
sheaves with stalk ranks 0–3, of the families in :data:`SHEAF_KINDS` — ``constant`` (rank 1–3,
then a per-simplex unimodular gauge ``g_τ F g_σ^{-1}``), ``local_system`` (edge transports =
gauge × random signed permutations on some edges; the simplices all of whose triangles have
trivial holonomy get ℚ^d, the others 0 — the rank-d version of the orientation sheaf; rank 1 is
the signed sheaf), ``locally_closed`` (⊕ of rank-1 constant sheaves on closed ∩ open sets of
simplices: projections, inclusions, maps through zero stalks; then a gauge), ``generic`` (random
integer edge maps — small entries, coordinate projections, rank one — with stalks and maps on
triangles and tetrahedra solved for so that δ∘δ = 0) and ``direct_sum`` (two of the above side
by side, mixed by a gauge). :func:`change_basis` applies per-simplex changes of stalk basis
``F_{σ⊲τ} ↦ G_τ F_{σ⊲τ} G_σ^{-1}`` of a kind in :data:`BASIS_KINDS`; they give isomorphic
sheaves (the same barcode) with real entries. :func:`block_ratio` measures how close the
resulting real maps come to losing rank in float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

import numpy as np

__all__ = [
    "BASIS_KINDS",
    "SHEAF_KINDS",
    "RationalSheaf",
    "barcode",
    "barcode_from_ranks",
    "block_ratio",
    "change_basis",
    "coboundary",
    "from_cellular_sheaf",
    "random_case",
    "random_complex",
    "random_integer_sheaf",
    "rank",
    "to_cellular_sheaf",
]

INF = math.inf

# ----------------------------------------------------------------------------------------------
# Exact linear algebra over ℚ (lists of lists of Fractions)
# ----------------------------------------------------------------------------------------------


def _frac(x) -> Fraction:
    """Exact conversion: ints, Fractions and floats (every float is a dyadic rational)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    return Fraction(float(x))


def _rref(rows: list[list[Fraction]], n_cols: int) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form of a copy; returns (nonzero rows, pivot columns)."""
    A = [list(r) for r in rows]
    pivots: list[int] = []
    r = 0
    for c in range(n_cols):
        p = next((i for i in range(r, len(A)) if A[i][c] != 0), None)
        if p is None:
            continue
        A[r], A[p] = A[p], A[r]
        inv = 1 / A[r][c]
        A[r] = [x * inv for x in A[r]]
        for i in range(len(A)):
            if i != r and A[i][c] != 0:
                f = A[i][c]
                A[i] = [x - f * y for x, y in zip(A[i], A[r], strict=True)]
        pivots.append(c)
        r += 1
        if r == len(A):
            break
    return A[:r], pivots


def rank(rows: list[list[Fraction]], n_cols: int | None = None) -> int:
    """Exact rank of a matrix given by its rows."""
    if not rows:
        return 0
    n_cols = len(rows[0]) if n_cols is None else n_cols
    return len(_rref(rows, n_cols)[1])


def nullspace(rows: list[list[Fraction]], n_cols: int) -> list[list[Fraction]]:
    """A basis of ``{x : A x = 0}`` (vectors of length n_cols)."""
    R, pivots = _rref(rows, n_cols)
    free = [c for c in range(n_cols) if c not in pivots]
    basis = []
    for fc in free:
        x = [Fraction(0)] * n_cols
        x[fc] = Fraction(1)
        for row, pc in zip(R, pivots, strict=True):
            x[pc] = -row[fc]
        basis.append(x)
    return basis


def _integer_vector(x: list[Fraction]) -> list[int]:
    """The primitive integer multiple of a rational vector."""
    den = 1
    for v in x:
        den = den * v.denominator // math.gcd(den, v.denominator)
    ints = [int(v * den) for v in x]
    g = 0
    for v in ints:
        g = math.gcd(g, abs(v))
    return [v // g for v in ints] if g else ints


def _matmul(A, B):
    if not A or not B:
        n_rows = len(A)
        n_cols = len(B[0]) if B else 0
        return [[Fraction(0)] * n_cols for _ in range(n_rows)]
    Bt = list(zip(*B, strict=True))
    return [
        [sum((a * b for a, b in zip(row, col, strict=True)), Fraction(0)) for col in Bt]
        for row in A
    ]


def _inverse(A: list[list[Fraction]]) -> list[list[Fraction]]:
    n = len(A)
    aug = [list(row) + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(A)]
    R, pivots = _rref(aug, 2 * n)
    if pivots[:n] != list(range(n)):
        raise ValueError("singular matrix")
    return [row[n:] for row in R]


# ----------------------------------------------------------------------------------------------
# The rational sheaf and its coboundaries
# ----------------------------------------------------------------------------------------------


def _key(simplex, value):
    return (value, len(simplex), tuple(simplex))


@dataclass
class RationalSheaf:
    """A sheaf on a filtered complex, with exact (rational) restriction maps.

    Attributes
    ----------
    values : dict
        simplex (sorted tuple of vertices) → filtration value (float).
    dims : dict
        simplex → stalk dimension.
    maps : dict
        (face, coface) → ``d_coface × d_face`` matrix (list of lists of Fractions), for every
        codimension-1 pair (possibly with empty shape).
    """

    values: dict
    dims: dict
    maps: dict

    @property
    def top(self) -> int:
        return max(len(s) for s in self.values) - 1

    def simplices(self, k: int) -> list[tuple]:
        """k-simplices in the total order (f, dim, vertices)."""
        out = [s for s in self.values if len(s) == k + 1]
        return sorted(out, key=lambda s: _key(s, self.values[s]))

    def basis(self, k: int) -> list[tuple]:
        """Basis of C^k: (simplex, coordinate) pairs in filtration order."""
        return [(s, a) for s in self.simplices(k) for a in range(self.dims[s])]

    def basis_values(self, k: int) -> list[float]:
        return [self.values[s] for s, _ in self.basis(k)]

    def check(self) -> None:
        """Verify monotonicity, closure, shapes and δ∘δ = 0 exactly (AssertionError if not)."""
        for s, v in self.values.items():
            for i in range(len(s)):
                face = s[:i] + s[i + 1 :]
                if face:
                    assert face in self.values, (s, face)
                    assert self.values[face] <= v, (s, face)
                    M = self.maps[(face, s)]
                    assert len(M) == self.dims[s], (face, s)
                    assert all(len(row) == self.dims[face] for row in M), (face, s)
        for k in range(self.top - 1):
            D1, D0 = coboundary(self, k + 1), coboundary(self, k)
            assert all(x == 0 for row in _matmul(D1, D0) for x in row), f"δ^{k + 1} δ^{k} ≠ 0"


def coboundary(F: RationalSheaf, k: int) -> list[list[Fraction]]:
    """δ^k as a dense list of rows (basis of C^{k+1}) of length dim C^k, from the definition."""
    cols = F.basis(k)
    col_index = {b: i for i, b in enumerate(cols)}
    rows = []
    for tau in F.simplices(k + 1):
        for a in range(F.dims[tau]):
            row = [Fraction(0)] * len(cols)
            for i in range(len(tau)):
                sigma = tau[:i] + tau[i + 1 :]
                M = F.maps[(sigma, tau)]
                for b in range(F.dims[sigma]):
                    row[col_index[(sigma, b)]] += (-1) ** i * M[a][b]
            rows.append(row)
    return rows


def _finish(bars) -> list[tuple[float, float]]:
    return sorted((float(b), float(d)) for b, d in bars if b != d)


def barcode(F: RationalSheaf, degrees) -> dict[int, list[tuple[float, float]]]:
    """Persistent cohomology barcode over ℚ by the standard reduction of ∂ = δᵀ."""
    degrees = sorted(degrees)
    top = F.top
    low_of: dict[int, dict[int, int]] = {}  # degree q → {row (q-basis) : column (q+1-basis)}
    zero_cols: dict[int, set[int]] = {}  # degree q+1 → columns of ∂_{q+1} reduced to zero
    for q in range(0, min(degrees[-1], top) + 1):
        n_rows = len(F.basis(q))
        D = coboundary(F, q) if q + 1 <= top else []  # rows of δ^q = columns of ∂_{q+1}
        columns = [dict((i, x) for i, x in enumerate(row) if x != 0) for row in D]
        pivot_col: dict[int, int] = {}  # low row → index of the reduced column owning it
        zero = set()
        for j, col in enumerate(columns):
            while col:
                low = max(col)
                if low not in pivot_col:
                    break
                other = columns[pivot_col[low]]
                f = col[low] / other[low]
                for i, x in other.items():
                    y = col.get(i, Fraction(0)) - f * x
                    if y == 0:
                        col.pop(i, None)
                    else:
                        col[i] = y
            if col:
                pivot_col[max(col)] = j
            else:
                zero.add(j)
        assert all(0 <= r < n_rows for r in pivot_col)
        low_of[q] = pivot_col
        zero_cols[q + 1] = zero
    out = {}
    for q in degrees:
        vals = F.basis_values(q)
        next_vals = F.basis_values(q + 1) if q + 1 <= top else []
        pairs = low_of.get(q, {})
        cycles = zero_cols.get(q, set(range(len(vals))))  # degree 0: every vector is a cycle
        bars = [(vals[r], next_vals[c]) for r, c in pairs.items()]
        bars += [(vals[i], INF) for i in range(len(vals)) if i in cycles and i not in pairs]
        out[q] = _finish(bars)
    return out


def barcode_from_ranks(F: RationalSheaf, degrees) -> dict[int, list[tuple[float, float]]]:
    """The same barcode from the rank invariant and the pairing lemma (slower; a cross-check)."""
    top = F.top
    values = sorted(set(F.values.values()))
    out = {}
    for q in degrees:
        basis_q = F.basis(q)
        n = len(basis_q)
        fq = F.basis_values(q)
        bd_q = coboundary(F, q - 1) if q >= 1 else []  # rows: q-basis; ∂_q = (δ^{q-1})ᵀ
        n_prev = len(F.basis(q - 1)) if q >= 1 else 0
        up = coboundary(F, q) if q + 1 <= top else []  # rows: columns of ∂_{q+1}
        f_up = F.basis_values(q + 1) if q + 1 <= top else []

        def cycles(a, q=q, bd_q=bd_q, fq=fq, n_prev=n_prev, n=n):
            idx = [i for i in range(n) if fq[i] <= a]
            # ∂_q restricted to C_q(K_a): columns idx of (δ^{q-1})ᵀ, i.e. rows idx of δ^{q-1}
            if q == 0 or n_prev == 0:
                basis = [[Fraction(int(i == j)) for j in range(len(idx))] for i in range(len(idx))]
            else:
                A = [[bd_q[i][r] for i in idx] for r in range(n_prev)]
                basis = nullspace(A, len(idx))
            vecs = []
            for z in basis:
                v = [Fraction(0)] * n
                for i, x in zip(idx, z, strict=True):
                    v[i] = x
                vecs.append(v)
            return vecs

        def boundaries(b, up=up, f_up=f_up):
            return [row for row, f in zip(up, f_up, strict=True) if f <= b]

        Z = {a: cycles(a) for a in values}
        B = {b: boundaries(b) for b in values}
        rB = {b: rank(B[b], n) for b in values}

        memo: dict[tuple[int, int], int] = {}

        def beta(i, j, memo=memo, Z=Z, B=B, rB=rB, n=n):
            if i < 0 or not n:
                return 0
            if (i, j) not in memo:
                a, b = values[i], values[j]
                memo[(i, j)] = rank(Z[a] + B[b], n) - rB[b]
            return memo[(i, j)]

        m = len(values)
        bars = []
        for i in range(m):
            for j in range(i + 1, m):
                mult = beta(i, j - 1) - beta(i - 1, j - 1) - beta(i, j) + beta(i - 1, j)
                assert mult >= 0
                bars += [(values[i], values[j])] * mult
            mult = beta(i, m - 1) - beta(i - 1, m - 1)
            assert mult >= 0
            bars += [(values[i], INF)] * mult
        out[q] = _finish(bars)
    return out


# ----------------------------------------------------------------------------------------------
# Conversions to and from the library's CellularSheaf
# ----------------------------------------------------------------------------------------------


def from_cellular_sheaf(sheaf) -> RationalSheaf:
    """Read a CellularSheaf's values, stalk dims and maps exactly (floats are dyadic rationals).

    Uses only the documented storage (module docstring of ``tdasheaf/sheaves/_sheaf.py``); the
    face of ``restrictions[k][j, i]`` is computed here (τ without its i-th vertex) and checked
    against ``boundaries``.
    """
    K = sheaf.complex
    values, dims, maps = {}, {}, {}
    for k, (S, f) in enumerate(zip(K.simplices, K.filtrations, strict=True)):
        if k >= len(sheaf.stalk_dims):
            break
        for j, row in enumerate(S.tolist()):
            s = tuple(int(v) for v in row)
            values[s] = float(f[j])
            dims[s] = int(sheaf.stalk_dims[k][j])
    for k in range(1, len(sheaf.stalk_dims)):
        R = sheaf.restrictions[k]
        for j, row in enumerate(K.simplices[k].tolist()):
            tau = tuple(int(v) for v in row)
            for i in range(k + 1):
                sigma = tau[:i] + tau[i + 1 :]
                stored = tuple(int(v) for v in K.simplices[k - 1][K.boundaries[k][j, i]])
                assert stored == sigma, (tau, i, stored)
                a, b = dims[tau], dims[sigma]
                maps[(sigma, tau)] = [[_frac(R[j, i, r, c]) for c in range(b)] for r in range(a)]
    return RationalSheaf(values, dims, maps)


def to_cellular_sheaf(values, dims, maps, *, validate=True):
    """Build a CellularSheaf from dicts (maps as numpy-convertible matrices)."""
    from tdasheaf.complexes import FilteredComplex
    from tdasheaf.sheaves import CellularSheaf

    simplices = list(values)
    K = FilteredComplex.from_simplices(simplices, [values[s] for s in simplices])
    restr = {}
    for (face, coface), M in maps.items():
        a, b = dims[coface], dims[face]
        restr[(face, coface)] = np.asarray(
            [[float(x) for x in row] for row in M], dtype=np.float64
        ).reshape(a, b)
    return CellularSheaf.from_restrictions(K, dict(dims), restr, validate=validate)


# ----------------------------------------------------------------------------------------------
# Random filtered complexes
# ----------------------------------------------------------------------------------------------

VALUE_SET = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


def random_complex(rng: np.random.Generator, n_vertices=None, max_dim=None) -> dict:
    """A random filtered simplicial complex: simplex tuple → value (monotone, with ties).

    Up to 7 vertices and dimension 3; every face of a simplex is present; ``f(σ)`` is the larger
    of a random value of :data:`VALUE_SET` and the values of its faces, or the largest value of
    its faces plus 0, 0.5 or 1 (values are multiples of 0.5: exact in binary, many ties).
    """
    n = int(rng.integers(2, 8)) if n_vertices is None else n_vertices
    top = int(rng.choice([1, 2, 2, 3, 3])) if max_dim is None else max_dim
    p_edge, p_high = rng.uniform(0.5, 0.95), rng.uniform(0.6, 1.0)
    present: list[set] = [{(v,) for v in range(n)}]
    for k in range(1, top + 1):
        p = p_edge if k == 1 else p_high
        layer = set()
        for s in combinations(range(n), k + 1):
            faces = [s[:i] + s[i + 1 :] for i in range(k + 1)]
            if all(f in present[k - 1] for f in faces) and rng.random() < p:
                layer.add(s)
        if not layer:
            break
        present.append(layer)
    values: dict = {}
    small = rng.random() < 0.5  # sometimes only two or three distinct values: many ties
    pool = VALUE_SET[:3] if small else VALUE_SET
    for k, layer in enumerate(present):
        for s in sorted(layer):
            if k == 0:
                v = float(rng.choice(pool)) if rng.random() < 0.5 else 0.0
            elif rng.random() < 0.5:
                v = max([float(rng.choice(pool))] + [values[f] for f in _faces(s)])
            else:  # born strictly later than its faces more often: longer bars
                v = max(values[f] for f in _faces(s)) + float(rng.choice([0.0, 0.5, 1.0]))
            values[s] = v
    return values


# ----------------------------------------------------------------------------------------------
# Random consistent integer sheaves
# ----------------------------------------------------------------------------------------------


def _faces(s):
    return [s[:i] + s[i + 1 :] for i in range(len(s))] if len(s) > 1 else []


def _identity(d):
    return [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]


def _unimodular(rng, d, n_ops=2):
    """A random integer matrix with integer inverse: signed permutation × elementary ops."""
    perm = rng.permutation(d)
    signs = rng.choice([-1, 1], size=d)
    G = [[Fraction(int(signs[i]) if perm[i] == j else 0) for j in range(d)] for i in range(d)]
    for _ in range(n_ops if d > 1 else 0):
        i, j = rng.choice(d, size=2, replace=False)
        c = int(rng.choice([-1, 1]))
        G[i] = [x + c * y for x, y in zip(G[i], G[j], strict=True)]
    return G


def _signed_perm(rng, d):
    return _unimodular(rng, d, n_ops=0)


def _gauge(values, dims, maps, rng, n_ops=2):
    """Per-simplex integer change of basis g_σ (unimodular): F ↦ g_τ F g_σ^{-1}."""
    g = {s: _unimodular(rng, d, n_ops) for s, d in dims.items()}
    ginv = {s: _inverse(G) if G else [] for s, G in g.items()}
    new = {}
    for (face, coface), M in maps.items():
        if dims[face] and dims[coface]:
            new[(face, coface)] = _matmul(_matmul(g[coface], M), ginv[face])
        else:
            new[(face, coface)] = M
    return new


def _zero(a, b):
    return [[Fraction(0)] * b for _ in range(a)]


def _constant(values, rng):
    d = int(rng.integers(1, 4))
    dims = {s: d for s in values}
    maps = {(f, s): _identity(d) for s in values for f in _faces(s)}
    return dims, _gauge(values, dims, maps, rng)


def _local_system(values, rng, d=None, twist=None):
    """Edge transports T_e (unimodular gauge, some edges twisted by a signed permutation);
    flat simplices (every triangle with trivial holonomy) get stalk ℚ^d, the others 0."""
    d = int(rng.integers(1, 4)) if d is None else d
    twist = rng.uniform(0.0, 0.5) if twist is None else twist
    verts = sorted(s for s in values if len(s) == 1)
    h = {v: _unimodular(rng, d, 1) for v in verts}
    hinv = {v: _inverse(h[v]) for v in verts}
    T = {}
    for s in values:
        if len(s) == 2:
            i, j = (s[0],), (s[1],)
            Te = _matmul(hinv[i], h[j])
            if rng.random() < twist:
                Te = _matmul(Te, _signed_perm(rng, d))
            T[s] = Te

    def transport(u, v):  # x_u = T x_v for u < v on an edge
        return T[(u, v)]

    def flat(s):
        for a, b, c in combinations(s, 3):
            if _matmul(transport(a, b), transport(b, c)) != transport(a, c):
                return False
        return True

    dims = {s: (d if flat(s) else 0) for s in values}

    def gauge(s, v):  # x_s = g x_v
        return _identity(d) if v == s[0] else transport(s[0], v)

    maps = {}
    for s in values:
        for f in _faces(s):
            if dims[s] and dims[f]:
                maps[(f, s)] = gauge(s, f[0])
            else:
                maps[(f, s)] = _zero(dims[s], dims[f])
    return dims, maps


def _locally_closed(values, rng):
    """⊕ of constant rank-1 sheaves on locally closed supports (closed ∩ open), then a gauge."""
    simplices = list(values)
    m = int(rng.integers(1, 4))
    supports = []
    for _ in range(m):
        seeds_out = [s for s in simplices if rng.random() < 0.15]  # removed with their cofaces
        closed = {s for s in simplices if not any(set(t) <= set(s) for t in seeds_out)}
        if rng.random() < 0.5:
            opened = set(simplices)
        else:
            seeds_in = [s for s in simplices if rng.random() < 0.3]
            opened = {s for s in simplices if any(set(t) <= set(s) for t in seeds_in)}
        supports.append(closed & opened)
    coords = {s: [c for c in range(m) if s in supports[c]] for s in simplices}
    dims = {s: len(coords[s]) for s in simplices}
    maps = {}
    for s in simplices:
        for f in _faces(s):
            M = _zero(dims[s], dims[f])
            for a, c in enumerate(coords[s]):
                if c in coords[f]:
                    M[a][coords[f].index(c)] = Fraction(1)
            maps[(f, s)] = M
    return dims, _gauge(values, dims, maps, rng, n_ops=1)


def _extend(values, dims, maps, rng, k):
    """Choose stalks and maps on the k-simplices (k >= 2) given those below, consistently.

    For τ the rows of [F_{σ_0⊲τ} | F_{σ_1⊲τ} | …] must lie in the space of row vectors
    (y_σ) with y_σ F_{κ⊲σ} = y_σ' F_{κ⊲σ'} for every codimension-2 face κ and the two facets
    σ, σ' of τ containing it; rows are small integer combinations of an integer basis.
    """
    for s in sorted(x for x in values if len(x) == k + 1):
        facets = _faces(s)
        offs = np.concatenate([[0], np.cumsum([dims[f] for f in facets])]).tolist()
        n_unk = offs[-1]
        eqs = []
        for i1, i2 in combinations(range(len(facets)), 2):
            f1, f2 = facets[i1], facets[i2]
            kappa = tuple(sorted(set(f1) & set(f2)))
            A1, A2 = maps[(kappa, f1)], maps[(kappa, f2)]
            for c in range(dims[kappa]):  # column c of y1 A1 - y2 A2 = 0
                row = [Fraction(0)] * n_unk
                for r in range(dims[f1]):
                    row[offs[i1] + r] += A1[r][c]
                for r in range(dims[f2]):
                    row[offs[i2] + r] -= A2[r][c]
                eqs.append(row)
        basis = (
            nullspace(eqs, n_unk)
            if eqs
            else [[Fraction(int(i == j)) for j in range(n_unk)] for i in range(n_unk)]
        )
        basis = [_integer_vector(b) for b in basis]
        d = int(rng.integers(0, min(3, len(basis)) + 1)) if basis else 0
        if d and rng.random() < 0.7:
            d = min(3, len(basis))  # prefer large stalks: they carry the interesting ranks
        rows = []
        for _ in range(d):
            coef = rng.choice([-1, 0, 0, 1], size=len(basis))
            if not coef.any():
                coef[rng.integers(len(basis))] = 1
            rows.append(
                [sum(int(c) * b[t] for c, b in zip(coef, basis, strict=True)) for t in range(n_unk)]
            )
        dims[s] = d
        for i, f in enumerate(facets):
            maps[(f, s)] = [[Fraction(r[offs[i] + c]) for c in range(dims[f])] for r in rows]
    return dims, maps


def _generic(values, rng):
    """Random integer edge maps (low rank, projections, zero stalks), extended upwards."""
    top = max(len(s) for s in values) - 1
    dims = {s: int(rng.choice([0, 1, 1, 2, 2, 3, 3])) for s in values if len(s) <= 2}
    base = {}
    if rng.random() < 0.5:  # start from a gauge sheaf and perturb a few edges
        d = int(rng.integers(1, 4))
        for s in dims:
            dims[s] = d
        base = _gauge(values, dims, {(f, s): _identity(d) for s in dims for f in _faces(s)}, rng)
    maps = {}
    for s in (x for x in values if len(x) == 2):
        for f in _faces(s):
            a, b = dims[s], dims[f]
            if base and rng.random() < 0.7:
                maps[(f, s)] = base[(f, s)]
                continue
            kind = rng.integers(3)
            if kind == 0:  # random small integers
                M = rng.integers(-2, 3, size=(a, b))
            elif kind == 1:  # a coordinate projection / inclusion
                M = np.zeros((a, b), dtype=int)
                for r in range(min(a, b)):
                    M[r, r] = 1
            else:  # rank one
                M = np.outer(rng.integers(-1, 2, size=a), rng.integers(-1, 2, size=b))
            maps[(f, s)] = [[Fraction(int(x)) for x in row] for row in M]
    for k in range(2, top + 1):
        dims, maps = _extend(values, dims, maps, rng, k)
    return dims, maps


def _direct_sum(values, rng):
    """Two smaller sheaves side by side (total rank ≤ 3), then a mixing gauge."""
    while True:
        d1, m1 = _local_system(values, rng, d=int(rng.integers(1, 3)))
        d2, m2 = (
            _locally_closed(values, rng) if rng.random() < 0.5 else _local_system(values, rng, d=1)
        )
        if all(d1[s] + d2[s] <= 3 for s in values):
            break
    dims = {s: d1[s] + d2[s] for s in values}
    maps = {}
    for (f, s), A in m1.items():
        B = m2[(f, s)]
        M = _zero(dims[s], dims[f])
        for r in range(d1[s]):
            for c in range(d1[f]):
                M[r][c] = A[r][c]
        for r in range(d2[s]):
            for c in range(d2[f]):
                M[d1[s] + r][d1[f] + c] = B[r][c]
        maps[(f, s)] = M
    return dims, _gauge(values, dims, maps, rng, n_ops=1)


SHEAF_KINDS = {
    "constant": _constant,
    "local_system": _local_system,
    "locally_closed": _locally_closed,
    "generic": _generic,
    "direct_sum": _direct_sum,
}


def random_integer_sheaf(rng, values=None, kind=None) -> tuple[str, RationalSheaf]:
    """(kind, sheaf): a random consistent integer sheaf on a random (or given) complex."""
    values = random_complex(rng) if values is None else values
    kind = str(rng.choice(list(SHEAF_KINDS))) if kind is None else kind
    dims, maps = SHEAF_KINDS[kind](values, rng)
    return kind, RationalSheaf(dict(values), dims, maps)


# ----------------------------------------------------------------------------------------------
# Changes of stalk basis
# ----------------------------------------------------------------------------------------------


def _orthogonal(rng, d):
    """Haar-random (QR of a Gaussian matrix) or, half of the time, a signed permutation times
    Givens rotations by tiny angles 10^-u, u in [1, 9] — nearly axis-aligned bases whose maps
    mix entries of very different sizes (the issue-14 regression case is of this kind)."""
    if d > 1 and rng.random() < 0.5:
        G = np.asarray([[float(x) for x in row] for row in _signed_perm(rng, d)])
        for _ in range(int(rng.integers(1, d + 1))):
            i, j = rng.choice(d, size=2, replace=False)
            a = rng.choice([-1.0, 1.0]) * 10.0 ** -rng.uniform(1, 9)
            R = np.eye(d)
            R[i, i] = R[j, j] = np.cos(a)
            R[i, j], R[j, i] = -np.sin(a), np.sin(a)
            G = R @ G
        return G
    Q, R = np.linalg.qr(rng.normal(size=(d, d)))
    return Q * np.sign(np.diag(R))


def _conditioned(rng, d, cond):
    if d == 1:
        return np.array([[rng.choice([-1.0, 1.0]) * cond ** rng.uniform(-0.5, 0.5)]])
    s = np.logspace(0.5 * np.log10(cond), -0.5 * np.log10(cond), d)
    return _orthogonal(rng, d) @ np.diag(s) @ _orthogonal(rng, d).T


def _basis_matrix(rng, d, kind):
    if kind == "orthogonal":
        return _orthogonal(rng, d)
    if kind == "cond1e2":
        return _conditioned(rng, d, 1e2)
    if kind == "cond1e8":
        return _conditioned(rng, d, 1e8)
    if kind == "scalars":
        return rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-6, 6) * np.eye(d)
    raise ValueError(kind)


BASIS_KINDS = ("orthogonal", "cond1e2", "cond1e8", "cond1e8_even", "scalars")


def change_basis(F: RationalSheaf, rng, kind: str) -> dict:
    """Real maps ``G_τ F_{σ⊲τ} G_σ^{-1}`` (float arrays) for random per-simplex G of ``kind``.

    ``kind`` is one of :data:`BASIS_KINDS`: ``"orthogonal"`` (QR of a Gaussian matrix),
    ``"cond1e2"`` / ``"cond1e8"`` (``U diag(s) Vᵀ``, ``s`` log-spaced over the condition number,
    geometric mean 1; a 1×1 G is a scalar spread over the same range), ``"scalars"``
    (``±10^u I``, ``u`` uniform in [-6, 6]), or ``"cond1e8_even"``: condition 1e8 on the
    simplices of even dimension and orthogonal on the others, so that every coboundary is
    ill-conditioned on one side only (``cond1e8`` conditions both sides of every block, and a
    product of two 1e8 condition numbers is beyond float64: see :func:`block_ratio`).
    """

    def pick(s, d):
        if not d:
            return np.zeros((0, 0))
        if kind == "cond1e8_even":
            return _basis_matrix(rng, d, "cond1e8" if len(s) % 2 else "orthogonal")
        return _basis_matrix(rng, d, kind)

    G = {s: pick(s, d) for s, d in F.dims.items()}
    Ginv = {s: np.linalg.inv(M) if len(M) else M for s, M in G.items()}
    out = {}
    for (f, s), M in F.maps.items():
        A = np.array([[float(x) for x in row] for row in M], dtype=np.float64).reshape(
            F.dims[s], F.dims[f]
        )
        out[(f, s)] = G[s] @ A @ Ginv[f] if A.size else A
    return out


def block_ratio(F: RationalSheaf, maps: dict) -> float:
    """min over blocks of σ_r(A) / σ_1(A), A a transformed map and r the rank of the exact one.

    A block with ``block_ratio`` far below the engine's ``rtol`` is, in float64, a matrix within
    that relative distance of one of lower rank: the given real sheaf is then numerically
    indistinguishable from a sheaf with a different barcode, and no float engine can be asked
    for the exact answer (a confident lower-rank answer satisfies the numerical-barcode contract
    of DESIGN.md §4). Per-simplex scalars do not change it.
    """
    worst = 1.0
    for key, A in maps.items():
        if A.size == 0:
            continue
        r = rank(F.maps[key]) if F.maps[key] else 0
        if r:
            s = np.linalg.svd(A, compute_uv=False)
            worst = min(worst, float(s[r - 1] / s[0]))
    return worst


def random_case(rng):
    """(kind, RationalSheaf) with at least one nonzero stalk."""
    while True:
        kind, F = random_integer_sheaf(rng)
        if any(F.dims.values()):
            return kind, F


def as_lists(bars: dict) -> dict[int, list[tuple[float, float]]]:
    """Engine output (degree → (n, 2) array) as sorted lists of float pairs."""
    return {
        q: sorted((float(b), float(d)) for b, d in np.asarray(a).reshape(-1, 2))
        for q, a in bars.items()
    }
