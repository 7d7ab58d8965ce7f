"""The generic persistence engines on an explicit complex: exact GF(p) and certified float64.

Both reduce the stored coboundaries δ^0, δ^1, … in reverse filtration order with clearing
(:mod:`tdasheaf.cohomology._reduction` for GF(p); for the reals, stalk blocks by SVD in
:mod:`tdasheaf.cohomology._float_reduction`, scaled per stalk by
:mod:`tdasheaf.cohomology._float_conditioning`). The dispatcher
(:func:`tdasheaf.cohomology.sheaf_persistence`) decides when they run; they take a sheaf whose
arrays are explicit and return ``dict`` degree → bars (and cocycles when asked).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from tdasheaf.cohomology._coboundary import coboundary_csc
from tdasheaf.cohomology._float_conditioning import (
    equilibrate,
    gram_screen,
    stalk_doubts,
    stalk_scaling,
)
from tdasheaf.cohomology._float_reduction import reduce_blocks
from tdasheaf.cohomology._reduction import reduce_coboundary
from tdasheaf.exceptions import NumericalWarning
from tdasheaf.sheaves import CellularSheaf

__all__ = ["DEFAULT_RTOL", "Cocycle"]

#: Default relative zero tolerance of the floating-point engine.
DEFAULT_RTOL = 1e-9

#: The float engine's doubt band, relative to the scale ``m`` of the terms that formed a block:
#: a singular value above ``NOISE_LEVEL · m`` (a thousand unit roundoffs: more than the rounding
#: error of the computation) and below ``DOUBT_ABOVE · rtol · m`` (at or just above the zero
#: threshold) makes the rank decision uncertain, and the engine warns
#: (:class:`~tdasheaf.exceptions.NumericalWarning`). With the default ``rtol`` the band is
#: ``(2.2e-13, 1e-8) · m``.
NOISE_LEVEL = 1e3 * np.finfo(np.float64).eps
DOUBT_ABOVE = 10.0
#: A stalk whose coboundary block (its columns in δ^q, or its rows in δ^{q-1}) has a nonzero
#: singular value below ``STALK_DOUBT · rtol`` times its largest one (condition number above
#: ``1 / (STALK_DOUBT · rtol)``, 1e7 by default) has a basis too ill-conditioned for the
#: rounding errors of the *input* to stay invisible: the engine warns.
STALK_DOUBT = 100.0
#: Below this fraction of a stalk block's largest singular value a singular value is rounding
#: noise of the *input* (its entries carry errors of a few unit roundoffs; one-sided Jacobi
#: resolves singular values to high relative accuracy): about 50 u, not the 1000 u of
#: :data:`NOISE_LEVEL`, which also covers the rounding of the reduction itself.
STALK_NOISE = 50 * np.finfo(np.float64).eps
#: A zero rank decision is a doubt once the terms that formed the block grew so much that the
#: noise floor ``NOISE_LEVEL · m`` exceeds 1e-6 of the block's original norm.
MAX_GROWTH = 1e-6 / NOISE_LEVEL
#: A stalk block whose Gram matrix has all eigenvalues above this fraction of the largest has
#: singular values above 1e-6 of the largest, clear of the stalk doubt band; only the others are
#: examined by an SVD of the block itself.
GRAM_SCREEN = 1e-12


@dataclass(frozen=True)
class Cocycle:
    """A representative cochain of one bar: simplices and their stalk vectors.

    Attributes
    ----------
    degree : int
    simplex_indices : ndarray of shape (m,)
        Rows of ``sheaf.complex.simplices[degree]`` in the support.
    simplices : ndarray of shape (m, degree + 1)
        Their vertex labels.
    values : ndarray of shape (m, D)
        The stalk vector on each simplex, padded with zeros to the largest stalk dimension D.
        In GF(p) the values are the canonical representatives ``0..p-1``.
    """

    degree: int
    simplex_indices: np.ndarray
    simplices: np.ndarray
    values: np.ndarray

    def to_vector(self, sheaf: CellularSheaf) -> np.ndarray:
        """The cochain as a dense vector of C^degree (in the sheaf's basis)."""
        off = sheaf.offsets(self.degree)
        out = np.zeros(sheaf.cochain_dim(self.degree))
        dims = sheaf.stalk_dims[self.degree]
        for j, vec in zip(self.simplex_indices, self.values, strict=True):
            out[off[j] : off[j] + dims[j]] = vec[: dims[j]]
        return out


def _equilibrate(M: sp.csc_array):
    """Ruiz scaling: diagonal D_r, D_c with rows and columns of D_r M D_c of max-norm ≈ 1.

    Rescaling basis vectors is filtration-preserving, so the barcode is unchanged; it makes a
    relative tolerance meaningful on ill-scaled sheaves. Linear time per sweep, on a copy.
    """
    A = sp.csc_array(M, copy=True)
    A.sort_indices()
    A.data = np.asarray(A.data, dtype=np.float64)
    n_rows, n_cols = A.shape
    dr, dc = equilibrate(
        A.indptr.astype(np.int64),
        A.indices.astype(np.int64),
        A.data,
        np.arange(n_rows, dtype=np.int64),
        np.arange(n_cols, dtype=np.int64),
        n_rows,
        n_cols,
        4,
    )
    return A, dr, dc


def _finish(b: np.ndarray, drop_zero_length: bool) -> np.ndarray:
    b = b.reshape(-1, 2)
    if drop_zero_length:
        b = b[b[:, 1] > b[:, 0]]
    return _sorted(b)


def _sorted(b: np.ndarray) -> np.ndarray:
    return b[np.lexsort((b[:, 1], b[:, 0]))] if len(b) else np.empty((0, 2))


def _generic(sheaf, degrees, p, rtol, representatives, drop_zero_length):
    K = sheaf.complex
    top = len(sheaf.stalk_dims) - 1
    bars: dict[int, np.ndarray] = {}
    cocycles: dict[int, list] = {}
    skip_next = None
    for q in range(degrees[-1] + 1):
        n_q = sheaf.cochain_dim(q)
        f_q = np.repeat(K.filtrations[q], sheaf.stalk_dims[q])
        if q + 1 <= top:
            M = coboundary_csc(sheaf, q, p)
            f_next = np.repeat(K.filtrations[q + 1], sheaf.stalk_dims[q + 1])
        else:
            M = sp.csc_array((0, n_q))
            f_next = np.empty(0)
        col_scale = np.ones(n_q)
        if p == 0:
            M, _, col_scale = _equilibrate(M)
            M.sort_indices()
        skip = np.zeros(n_q, dtype=np.bool_) if skip_next is None else skip_next
        pivot, v_ptr, v_len, v_idx, v_val, _ = reduce_coboundary(
            M.indptr.astype(np.int64),
            M.indices.astype(np.int64),
            M.data.astype(np.float64),
            M.shape[0],
            skip,
            p,
            rtol,
            representatives and q in degrees,
        )
        skip_next = np.zeros(M.shape[0], dtype=np.bool_)
        skip_next[pivot[pivot >= 0]] = True
        if q not in degrees:
            continue
        paired = np.flatnonzero(pivot >= 0)
        essential = np.flatnonzero((pivot < 0) & ~skip)
        cols = np.concatenate([paired, essential])
        b = (
            np.column_stack(
                [
                    f_q[cols],
                    np.concatenate([f_next[pivot[paired]], np.full(len(essential), np.inf)]),
                ]
            )
            if len(cols)
            else np.empty((0, 2))
        )
        keep = b[:, 1] > b[:, 0] if drop_zero_length else np.ones(len(b), dtype=bool)
        cols, b = cols[keep], b[keep]
        order = np.lexsort((cols, b[:, 1], b[:, 0])) if len(b) else np.empty(0, np.int64)
        bars[q] = b[order] if len(b) else np.empty((0, 2))
        if representatives:
            cocycles[q] = [
                _cocycle(sheaf, q, c, v_ptr, v_len, v_idx, v_val, col_scale, p) for c in cols[order]
            ]
    if representatives:
        return bars, cocycles
    return bars


def _cocycle(sheaf, q, c, v_ptr, v_len, v_idx, v_val, col_scale, p) -> Cocycle:
    if v_ptr[c] < 0:
        idx, val = np.array([c]), np.array([1.0])
    else:
        idx = v_idx[v_ptr[c] : v_ptr[c] + v_len[c]]
        val = v_val[v_ptr[c] : v_ptr[c] + v_len[c]]
    val = val * col_scale[idx]
    if p > 0:
        val = np.mod(np.round(val), p)
    dims = sheaf.stalk_dims[q]
    owner = np.repeat(np.arange(len(dims)), dims)
    off = sheaf.offsets(q)
    simplex = owner[idx]
    uniq, inverse = np.unique(simplex, return_inverse=True)
    values = np.zeros((len(uniq), int(dims.max(initial=0))))
    values[inverse, idx - off[simplex]] = val
    return Cocycle(
        degree=q,
        simplex_indices=uniq,
        simplices=sheaf.complex.simplices[q][uniq],
        values=values,
    )


def _float_generic(sheaf, degrees, rtol, representatives, drop_zero_length):
    """The certified float engine: blockwise reduction per stalk (:mod:`._float_reduction`)."""
    K = sheaf.complex
    top = len(sheaf.stalk_dims) - 1
    bars: dict[int, np.ndarray] = {}
    cocycles: dict[int, list] = {}
    doubts: dict[int, list] = {}
    n_simplices = [len(s) for s in K.simplices]
    clear_k = np.zeros(n_simplices[0], dtype=np.int64)
    clear_q = np.zeros((sheaf.cochain_dim(0), 1))
    for q in range(degrees[-1] + 1):
        dims = sheaf.stalk_dims[q]
        col_ptr = sheaf.offsets(q)
        col_group = np.repeat(np.arange(len(dims), dtype=np.int64), dims)
        if q + 1 <= top:
            M = coboundary_csc(sheaf, q, 0)
            next_dims = sheaf.stalk_dims[q + 1]
            row_ptr = sheaf.offsets(q + 1)
            f_next = K.filtrations[q + 1]
        else:
            M = sp.csc_array((0, sheaf.cochain_dim(q)))
            next_dims = np.zeros(0, dtype=np.int64)
            row_ptr = np.zeros(1, dtype=np.int64)
            f_next = np.empty(0)
        f_q = K.filtrations[q]
        if M.nnz == 0 and not (representatives and q in degrees):
            # nothing to reduce: every uncleared direction is an essential class
            if q in degrees:
                bar_col = np.repeat(np.arange(len(dims)), dims - clear_k)
                bars[q] = _float_bars(
                    f_q, f_next, bar_col, np.full(len(bar_col), -1), drop_zero_length
                )[0]
            clear_k = np.zeros(len(next_dims), dtype=np.int64)
            clear_q = np.zeros((int(next_dims.sum()), 1))
            continue
        row_group = np.repeat(np.arange(len(next_dims), dtype=np.int64), next_dims)
        indptr = M.indptr.astype(np.int64)
        indices = M.indices.astype(np.int64)
        data = np.array(M.data, dtype=np.float64)
        # one scalar per stalk (Curtis-Reid on block norms): a filtration-preserving change of
        # basis under which orthogonal changes and rescalings of stalks are invisible
        row_scale, col_scale = stalk_scaling(
            indptr, indices, data, row_group, col_group, len(next_dims), len(dims)
        )
        cols = np.repeat(np.arange(len(col_group)), np.diff(indptr))
        data *= row_scale[row_group[indices]] * col_scale[col_group[cols]]
        col_scale = col_scale[col_group]
        out = reduce_blocks(
            indptr,
            indices,
            data,
            row_ptr.astype(np.int64),
            row_group,
            col_ptr.astype(np.int64),
            clear_k,
            clear_q,
            rtol,
            min(NOISE_LEVEL, rtol),
            DOUBT_ABOVE * rtol,
            MAX_GROWTH,
            representatives and q in degrees,
        )
        bar_col, bar_row, clear_k, clear_q, d_col, d_row, d_ratio, v_ptr, v_len, v_idx, v_val = out
        # a stalk whose own coboundary block is ill-conditioned cannot be certified either
        band = (min(STALK_NOISE, rtol), STALK_DOUBT * rtol)
        # Gram matrices clear most stalks in one pass; the rest get the exact (SVD) check
        col_check, row_check = gram_screen(
            indptr, indices, data, row_group, row_ptr.astype(np.int64), col_ptr, GRAM_SCREEN
        )
        groups, ratios = stalk_doubts(
            indptr, indices, data, len(row_group), col_ptr, col_check, *band
        )
        groups_t = ratios_t = np.empty(0)
        if row_check.any():
            T = sp.csc_array((data, indices, indptr), shape=M.shape).T.tocsc()
            T.sort_indices()
            groups_t, ratios_t = stalk_doubts(
                T.indptr.astype(np.int64),
                T.indices.astype(np.int64),
                T.data,
                len(col_group),
                row_ptr.astype(np.int64),
                row_check,
                *band,
            )
        for h, ratio in zip(groups, ratios, strict=True):
            if q in degrees:
                doubts.setdefault(q, []).append((f_q[h], np.nan, ratio))
        for g, ratio in zip(groups_t, ratios_t, strict=True):
            if q + 1 in degrees or q in degrees:
                doubts.setdefault(q + 1 if q + 1 in degrees else q, []).append(
                    (f_next[g], np.nan, ratio)
                )
        for h, g, ratio in zip(d_col, d_row, d_ratio, strict=True):
            # a doubtful rank of δ^q moves bars of degree q and the cleared part of q + 1
            where = q if q in degrees else q + 1
            if where in degrees:
                doubts.setdefault(where, []).append((f_q[h], f_next[g], ratio))
        if q not in degrees:
            continue
        bars[q], order = _float_bars(f_q, f_next, bar_col, bar_row, drop_zero_length)
        if representatives:
            cocycles[q] = [
                _cocycle(sheaf, q, i, v_ptr, v_len, v_idx, v_val, col_scale, 0) for i in order
            ]
    for q, items in sorted(doubts.items()):
        _warn_doubts(q, items, rtol)
    if representatives:
        return bars, cocycles
    return bars


def _float_bars(f_q, f_next, bar_col, bar_row, drop_zero_length):
    """Bars (sorted) from the engine's (column group, row group or -1) records, and their order."""
    death = np.full(len(bar_col), np.inf)
    paired = bar_row >= 0
    death[paired] = f_next[bar_row[paired]]
    b = np.column_stack([f_q[bar_col], death]) if len(bar_col) else np.empty((0, 2))
    keep = b[:, 1] > b[:, 0] if drop_zero_length else np.ones(len(b), dtype=bool)
    idx = np.flatnonzero(keep)
    order = idx[np.lexsort((bar_col[idx], b[idx, 1], b[idx, 0]))] if len(idx) else idx
    return (b[order] if len(order) else np.empty((0, 2))), order


def _warn_doubts(q: int, items: list, rtol: float) -> None:
    items = sorted(items, key=lambda t: abs(np.log10(max(t[2], 1e-300))))
    shown = ", ".join(
        (
            f"(t={a:.6g}, a stalk's coboundary block of condition {1 / r:.2g})"
            if np.isnan(b)
            else f"(t={a:.6g}, coface t={b:.6g}: σ/threshold={r:.2g})"
        )
        for a, b, r in items[:3]
    )
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    warnings.warn(
        NumericalWarning(
            f"the float engine cannot certify the degree-{q} barcode: {len(items)} rank "
            f"decision(s) had a singular value above rounding noise but at or near the zero "
            f"threshold rtol={rtol:g} (relative to the scale of the terms), at {shown}{more}; "
            "a sheaf this close to the given one can have another barcode. Bars born or dying "
            "at these values may be wrong. For integer-valued maps use an exact field "
            "(field=<prime>); otherwise check the data's conditioning (e.g. a different "
            "local dimension `dim`, or a coarser scale / max_edge_length).",
            degree=q,
            values=sorted({float(v) for a, b, _ in items for v in (a, b) if not np.isnan(v)}),
        ),
        stacklevel=3,
    )
