"""Classical persistence of one point cloud: Vietoris–Rips and alpha barcodes.

The kernels behind :class:`~tdasheaf.estimators.RipsPersistence` and
:class:`~tdasheaf.estimators.AlphaPersistence`: one validated cloud (or distance matrix) in, a
dict degree → ``(n_bars, 2)`` array of (birth, death) out, as
:func:`~tdasheaf.cohomology.sheaf_persistence` returns. Zero-length bars are dropped; classes
alive at the end of the filtration have death ``+inf``.

Backends of :func:`rips_persistence`
------------------------------------
``"tdasheaf"`` (default)
    The library's engine. The edges of length ``<= max_edge_length`` are found blockwise
    (:func:`tdasheaf.complexes.radius_edges`, any metric, never an ``n × n`` matrix) and the
    barcodes of degrees ≤ 2 come from the implicit flag engine
    (:func:`~tdasheaf.cohomology.flag_persistence`: triangles are never stored for degrees
    ≤ 1); higher degrees from the explicit Rips complex and
    :func:`~tdasheaf.cohomology.sheaf_persistence` of its constant sheaf. Values are float64
    throughout. Default field GF(:data:`~tdasheaf.utils.DEFAULT_PRIME`) = GF(65521), as on
    every other route.
``"ripser"``
    ripser.py, as :class:`~tdasheaf.estimators.RipsPersistence` ran before: a dense distance
    matrix (or, for large Euclidean clouds with a finite threshold, the sparse edge list),
    single-precision values snapped back to the float64 edge lengths. ripser stores
    coefficients in 8 signed bits, so its fields are primes ≤ 127 and ``field=None`` means
    GF(127), the largest of them: the same barcodes as GF(65521) unless the homology has
    127- or 65521-torsion.

Memory (bytes, estimated before allocating; the constants below are the defaults of keyword
parameters, never module state to patch): every edge costs :data:`FLAG_BYTES_PER_EDGE` on our
backend; ripser's dense path :data:`RIPSER_DENSE_BYTES_PER_PAIR` per pair and its sparse path
:data:`RIPSER_SPARSE_BYTES_PER_EDGE` per edge, plus :data:`RIPSER_BYTES_PER_EDGE` for its
reduction when a degree ≥ 1 is asked.
"""

from __future__ import annotations

import math

import numpy as np

from tdasheaf.cohomology._persistence import FLAG_BYTES_PER_EDGE as ENGINE_BYTES_PER_EDGE
from tdasheaf.cohomology._persistence import sheaf_persistence
from tdasheaf.complexes import (
    _flag_from_radius_edges,
    flag_filtration,
    maxmin_landmarks,
    radius_edges,
)
from tdasheaf.geometry import enclosing_radius, pair_lengths
from tdasheaf.sheaves import constant_sheaf
from tdasheaf.utils import (
    check_degrees,
    check_field,
    check_point_cloud,
    check_positive_threshold,
    over_budget,
    resolve_memory_budget,
)

__all__ = [
    "ALPHA_MAX_PRIME",
    "BACKENDS",
    "BACKEND_DEFAULT_PRIME",
    "RIPSER_MAX_PRIME",
    "alpha_nbytes",
    "alpha_persistence",
    "rips_persistence",
]

#: Backends of :func:`rips_persistence`.
BACKENDS = ("tdasheaf", "ripser")
#: ripser stores coefficients in 8 signed bits: larger primes crash the process.
RIPSER_MAX_PRIME = 127
#: gudhi's largest coefficient field (its products of residues fit 32 bits).
ALPHA_MAX_PRIME = 46337
#: What ``field=None`` means on the backends that cannot use GF(65521): ripser.py (8-bit
#: coefficients) and gudhi's alpha complexes (gudhi builds a table of inverses in O(p²): about
#: 6 s per call at p = 46337, 0.2 ms at 127). The same barcodes as GF(65521) unless the homology
#: has 127- or 65521-torsion.
BACKEND_DEFAULT_PRIME = 127

#: Peak bytes per edge of our backend in degrees ≤ 1: the edge list (i, j, w) while found,
#: the flag engine's sorted copies, adjacency and reduction (measured 334 and 362 on the
#: complete graphs of 1,200 and 2,000 points in ℝ¹⁰, tests/test_memory_budget.py).
FLAG_BYTES_PER_EDGE = 400
#: ripser's dense path, per pair: condensed float64, square float64 and its float32 copy.
RIPSER_DENSE_BYTES_PER_PAIR = 28
#: ripser's sparse path, per stored edge: edge lists, the COO matrix and ripser's own copy.
RIPSER_SPARSE_BYTES_PER_EDGE = 160
#: ripser's reduction in degrees ≥ 1, per edge (its column and pivot tables): measured ~180
#: on the complete graph of 5,000 points in ℝ¹⁰ (2.4 GB peak).
RIPSER_BYTES_PER_EDGE = 200
#: Above this many points a Euclidean cloud with a finite threshold takes ripser's sparse path.
RIPSER_SPARSE_MIN_POINTS = 2000

_KNOBS = (
    "Subsample with n_landmarks, or set a finite max_edge_length so that only short edges "
    "are stored"
)
_RIPSER_REASON = (
    "ripser.py stores coefficients in 8 signed bits, so backend='ripser' takes primes up to "
    f"{RIPSER_MAX_PRIME}; use backend='tdasheaf' for larger primes"
)


def _check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}.")
    return backend


def resolve_rips_field(field, backend: str = "tdasheaf", *, name: str = "field") -> int:
    """The prime of a Rips computation: :func:`~tdasheaf.utils.check_field` with the backend's rule.

    ``None`` is GF(65521) on our backend and GF(127) (the largest prime ripser.py holds) on
    ``backend="ripser"``.

    Examples
    --------
    >>> resolve_rips_field(None), resolve_rips_field(None, "ripser"), resolve_rips_field(3)
    (65521, 127, 3)
    """
    if _check_backend(backend) == "ripser":
        return check_field(
            field,
            default=BACKEND_DEFAULT_PRIME,
            max_prime=RIPSER_MAX_PRIME,
            max_prime_reason=_RIPSER_REASON,
            name=name,
        )
    return check_field(field, name=name)


def _landmarks(X, n_landmarks, metric):
    if n_landmarks is not None and n_landmarks < len(X):
        idx = maxmin_landmarks(X, int(n_landmarks), metric=metric)
        return X[np.ix_(idx, idx)] if metric == "precomputed" else X[idx]
    return X


def rips_persistence(
    X,
    degrees=(0, 1),
    field=None,
    *,
    max_edge_length: float = np.inf,
    n_landmarks: int | None = None,
    metric="euclidean",
    backend: str = "tdasheaf",
    memory_budget: int | None = None,
    collapse: bool | str = "auto",
) -> dict[int, np.ndarray]:
    """Vietoris–Rips barcodes of one point cloud (or distance matrix).

    The filtration value of a simplex is its diameter (the ripser/gudhi convention); vertices
    are born at 0.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features) or (n_points, n_points)
        The points, or a distance matrix with ``metric="precomputed"``.
    degrees : sequence of int, default=(0, 1)
        Homology degrees. Degrees ``q >= n_points - 1`` carry no homology and are left out of
        the result.
    field : int, optional
        Prime p of the coefficients GF(p). ``None``: GF(65521) on ``backend="tdasheaf"``,
        GF(127) on ``backend="ripser"`` (see the module docstring).
    max_edge_length : float, default=inf
        Edges longer than this are left out (classes alive there get death ``+inf``).
    n_landmarks : int, optional
        Use only this many greedy max-min landmarks
        (:func:`~tdasheaf.complexes.maxmin_landmarks`, from point 0).
    metric : str or callable, default="euclidean"
        A :func:`scipy.spatial.distance.cdist` metric, a callable, or ``"precomputed"``.
    backend : {"tdasheaf", "ripser"}, default="tdasheaf"
        The library's engine, or ripser.py.
    memory_budget : int, optional
        Bytes this cloud may use (default ``min(1.5 GiB, MemAvailable / 4)``); checked against
        an estimate before allocating (with ``max_edge_length=inf`` every pair is an edge, so
        the estimate is exact before any distance is computed); over it raises
        :class:`~tdasheaf.exceptions.ComplexTooLargeError` naming the knobs.
    collapse : {"auto", True, False}, default="auto"
        ``backend="tdasheaf"``: edge-collapse the Rips graph first, which keeps every bar
        (:func:`~tdasheaf.complexes.collapse_edges`); ``"auto"`` for degrees ≥ 2.

    Returns
    -------
    dict
        degree → ``(n_bars, 2)`` array of (birth, death), sorted, zero-length bars dropped.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> bars = rips_persistence(X)
    >>> bars[1]
    array([[1.        , 1.41421356]])
    >>> bars[0][-1]
    array([ 0., inf])
    >>> rips_persistence(X, backend="ripser")[1]
    array([[1.        , 1.41421356]])
    """
    precomputed = isinstance(metric, str) and metric == "precomputed"
    X = check_point_cloud(X, min_points=1, metric="precomputed" if precomputed else "euclidean")
    degrees = check_degrees(degrees, name="degrees")
    p = resolve_rips_field(field, backend)
    max_edge_length = check_positive_threshold(max_edge_length, name="max_edge_length")
    if isinstance(metric, str) and not precomputed:
        metric = {"l1": "cityblock", "manhattan": "cityblock", "l2": "euclidean"}.get(
            metric, metric
        )
    X = _landmarks(X, n_landmarks, metric)
    budget = resolve_memory_budget(memory_budget)
    if backend == "ripser":
        return _ripser_bars(X, degrees, max_edge_length, p, metric, budget)
    if collapse not in ("auto", True, False):
        raise ValueError(f"collapse must be 'auto', True or False, got {collapse!r}.")
    return _flag_bars(X, degrees, max_edge_length, p, metric, budget, collapse=collapse)


def _flag_bars(
    X,
    degrees,
    max_edge_length,
    p,
    metric,
    budget,
    *,
    bytes_per_edge=FLAG_BYTES_PER_EDGE,
    collapse="auto",
):
    """Our backend: edges within the threshold, then the flag engine (or the explicit complex)."""
    n = len(X)
    # H_q of a complex on n vertices vanishes for q >= n - 1
    top = max(0, min(degrees[-1], n - 2))
    asked = tuple(q for q in degrees if q <= top)
    if not asked:
        return {}
    if n >= 2:
        # beyond the enclosing radius the Rips complex is a cone (contractible): every bar of
        # constant coefficients has ended there, so longer edges change nothing (ripser's
        # threshold); an infinite threshold never builds the complete graph
        radius, _ = enclosing_radius(X, metric, memory_budget=budget)
        max_edge_length = min(max_edge_length, radius)
    if top > 2:
        # the graph only: the collapse shrinks it before the complex is built (within budget)
        K = flag_filtration(
            X, max_edge_length, top + 1, metric=metric, memory_budget=budget,
            bytes_per_edge=bytes_per_edge,
        )  # fmt: skip
        return sheaf_persistence(
            constant_sheaf(K), degrees=asked, field=p, memory_budget=budget, collapse=collapse
        )
    if not np.isfinite(max_edge_length):
        # every pair is an edge: refuse before computing a single distance
        n_pairs = n * (n - 1) // 2
        if n_pairs * bytes_per_edge > budget:
            raise over_budget(
                f"the complete Rips graph of {n:,} points (max_edge_length=inf: every entry "
                f"of the distance matrix, {n_pairs:,} pairs, is an edge at "
                f"{bytes_per_edge:.0f} bytes)",
                n_pairs * bytes_per_edge,
                budget,
                _KNOBS,
            )
    euclidean = isinstance(metric, str) and metric == "euclidean"
    # a Euclidean search a hair wider than the threshold: the lengths are then recomputed as
    # pdist computes them, and cut at the threshold exactly
    search = max_edge_length * (1 + 1e-12) if euclidean else max_edge_length
    i, j, w, _ = radius_edges(
        X,
        search,
        metric,
        memory_budget=budget,
        bytes_per_edge=bytes_per_edge,
        what="the Rips graph (edges of length <= max_edge_length)",
    )
    if euclidean:
        w = pair_lengths(X, i, j)
        keep = w <= max_edge_length
        i, j, w = i[keep], j[keep], w[keep]
    # what the edges hold here stays counted; the engine checks its own working set
    # (ENGINE_BYTES_PER_EDGE of the per-edge cost) and degree 2's triangles against the rest
    held = max(bytes_per_edge - ENGINE_BYTES_PER_EDGE, 0) * len(i)
    rest = max(int(budget - held), 1)
    graph = _flag_from_radius_edges(n, i, j, w, asked[-1] + 1)
    return sheaf_persistence(
        constant_sheaf(graph), asked, p, validate=False, memory_budget=rest, collapse=collapse
    )


def _snap_to_values(bars: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Replace ripser's single-precision values by the float64 edge lengths they round from.

    ripser computes in float32. Every finite birth or death of a Rips diagram is an edge
    length (or 0), so each reported value is mapped back to the float64 value in ``values``
    (sorted, distinct) that rounds to it; if several do (lengths closer than float32
    resolution), the nearest is used. Values that no length rounds to are kept.

    Examples
    --------
    >>> values = np.array([0.0, 0.1, 1 / 3])
    >>> _snap_to_values(np.array([[0.0, np.float32(1 / 3)], [0.0, np.inf]]), values)[:, 1]
    array([0.33333333,        inf])
    """
    out = np.array(bars, dtype=np.float64, copy=True)
    finite = np.isfinite(out)
    if not finite.any() or len(values) == 0:
        return out
    w = out[finite]
    values32 = values.astype(np.float32)
    w32 = w.astype(np.float32)
    lo = np.searchsorted(values32, w32, side="left")
    hi = np.searchsorted(values32, w32, side="right")
    snapped = w.copy()
    one = hi - lo == 1
    snapped[one] = values[lo[one]]
    for k in np.flatnonzero(hi - lo > 1):
        candidates = values[lo[k] : hi[k]]
        snapped[k] = candidates[np.argmin(np.abs(candidates - w[k]))]
    out[finite] = snapped
    return out


def _ripser_bars(
    X,
    degrees,
    max_edge_length,
    p,
    metric,
    budget,
    *,
    sparse_min_points: int = RIPSER_SPARSE_MIN_POINTS,
    dense_bytes_per_pair: float = RIPSER_DENSE_BYTES_PER_PAIR,
    sparse_bytes_per_edge: float = RIPSER_SPARSE_BYTES_PER_EDGE,
    reduction_bytes_per_edge: float = RIPSER_BYTES_PER_EDGE,
):
    """ripser.py's backend (dense, or the sparse edge list), values snapped to float64.

    The dense path must fit the budget, else a Euclidean cloud with a finite
    ``max_edge_length`` goes to the sparse path (edges found blockwise and counted as they are
    found), else :class:`~tdasheaf.exceptions.ComplexTooLargeError`. Edges longer than
    ``max_edge_length`` are removed in float64 before ripser sees them.
    """
    import ripser
    from scipy import sparse as sparse_mod
    from scipy.spatial.distance import pdist, squareform

    precomputed = isinstance(metric, str) and metric == "precomputed"
    n = len(X)
    top = max(0, min(degrees[-1], n - 2))
    finite = bool(np.isfinite(max_edge_length))
    reduction = reduction_bytes_per_edge if top >= 1 else 0
    per_pair = dense_bytes_per_pair + reduction
    per_edge = sparse_bytes_per_edge + reduction
    dense_bytes = per_pair * n * (n - 1) / 2 + (0 if precomputed else 8.0 * n * n)
    sparse = (
        not precomputed
        and metric == "euclidean"
        and finite
        and (n > sparse_min_points or dense_bytes > budget)
    )
    if sparse:
        i, j, lengths, _ = radius_edges(
            X,
            max_edge_length,
            "euclidean",
            memory_budget=budget,
            bytes_per_edge=per_edge,
            what="the Rips graph (edges of length <= max_edge_length)",
        )
        dm = sparse_mod.coo_matrix((lengths, (i, j)), shape=(n, n))
        condensed = lengths
    else:
        if dense_bytes > budget:
            raise over_budget(
                f"the distance matrix of {n:,} points (backend='ripser')",
                dense_bytes,
                budget,
                "Subsample with n_landmarks, or (with the Euclidean metric) set a finite "
                "max_edge_length so that only short edges are stored",
            )
        if precomputed:
            dm = X.copy()
            condensed = squareform(dm, checks=False)
        else:
            condensed = pdist(X, metric=metric)
            dm = squareform(condensed)
        if finite:
            dm[dm > max_edge_length] = np.inf
            condensed = condensed[condensed <= max_edge_length]
    values = np.unique(np.concatenate([[0.0], condensed]))
    dgms = ripser.ripser(
        dm, maxdim=top, thresh=float(max_edge_length), coeff=int(p), distance_matrix=True
    )["dgms"]
    out = {}
    for q in degrees:
        if q <= top:
            b = _snap_to_values(dgms[q], values).reshape(-1, 2)
            b = b[b[:, 1] > b[:, 0]]
            out[q] = b[np.lexsort((b[:, 1], b[:, 0]))]
    return out


def alpha_nbytes(n: int, D: int, *, bytes_per_simplex: float = 200.0) -> float:
    """Estimated bytes of gudhi's alpha complex of ``n`` points in ℝ^D.

    ``min(2 (D+1)! n, 2^n)`` simplices (the Delaunay triangulation's size, at most every
    subset) at ``bytes_per_simplex`` each in gudhi's simplex tree.

    Examples
    --------
    >>> alpha_nbytes(100, 2)          # 2 * 3! * 100 simplices, 200 bytes each
    240000.0
    >>> alpha_nbytes(3, 2)            # at most 2^3 simplices
    1600.0
    """
    per_point = 2.0 * math.factorial(D + 1)
    return bytes_per_simplex * min(per_point * n, 2.0 ** min(n, 1000))


def alpha_persistence(
    X, degrees=(0, 1), field=None, *, memory_budget: int | None = None
) -> dict[int, np.ndarray]:
    """Alpha-complex barcodes of one cloud (gudhi), as radii: √ of gudhi's squared radii.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
    degrees : sequence of int, default=(0, 1)
        Degrees ``q >= D`` are left out (a subset of ℝ^D has no homology there).
    field : int, optional
        Prime p of GF(p), at most 46337 (gudhi's limit). ``None``: GF(127)
        (:data:`BACKEND_DEFAULT_PRIME`; gudhi's cost grows as p², and the library's GF(65521)
        is over its limit): the same barcodes as GF(65521) unless the homology has 127- or
        65521-torsion. In dimension ≤ 3 every field gives the same barcodes (subcomplexes of
        ℝ³ have no torsion).
    memory_budget : int, optional
        Bytes the complex may use (:func:`alpha_nbytes` is checked first).

    Returns
    -------
    dict
        degree → ``(n_bars, 2)`` array of (birth, death) radii, zero-length bars dropped.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> alpha_persistence(X)[1]
    array([[0.5       , 0.70710678]])
    """
    import gudhi

    X = check_point_cloud(X, min_points=1)
    degrees = check_degrees(degrees, name="degrees")
    p = check_field(
        field,
        default=BACKEND_DEFAULT_PRIME,
        max_prime=ALPHA_MAX_PRIME,
        max_prime_reason=f"gudhi's fields are primes up to {ALPHA_MAX_PRIME}",
    )
    budget = resolve_memory_budget(memory_budget)
    need = alpha_nbytes(*X.shape)
    if need > budget:
        raise over_budget(
            f"the alpha complex of {len(X):,} points in {X.shape[1]} dimensions",
            need,
            budget,
            "Use RipsPersistence with a finite max_edge_length or n_landmarks in high dimension, "
            "reduce the dimension first",
        )
    # H_q of a subcomplex of a triangulation of R^D vanishes for q >= D.
    top = min(degrees[-1], X.shape[1] - 1)
    st = gudhi.AlphaComplex(points=X).create_simplex_tree()
    st.prune_above_dimension(top + 1)
    # gudhi computes degrees below the complex's dimension unless told otherwise (a complex of
    # merged duplicate points has dimension 0 and would report no H0 at all).
    st.compute_persistence(homology_coeff_field=p, persistence_dim_max=st.dimension() <= top)
    out = {}
    for q in degrees:
        if q <= top:
            b = np.sqrt(np.maximum(st.persistence_intervals_in_dimension(q), 0.0)).reshape(-1, 2)
            b = b[b[:, 1] > b[:, 0]]
            out[q] = b[np.lexsort((b[:, 1], b[:, 0]))]
    return out
