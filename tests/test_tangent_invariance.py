"""The tangent sheaf's float barcode does not depend on the local frames or the cloud's pose.

Issue 14, item 4 (DESIGN.md §4, "what a real-coefficient answer means", (a) and (b)). The
tangent sheaf has ``F_{i⊲ij} = I`` and ``F_{j⊲ij} = O_ij``, the Procrustes alignment of local
PCA frames. Replacing every frame ``O_i`` by ``O_i R_i`` (``R_i ∈ O(2)``) turns ``O_ij`` into
``R_iᵀ O_ij R_j``: an isomorphic sheaf (vertex stalk i conjugated by ``R_i``, edge stalk ij by
``R_i`` of its first vertex), so the barcode — computed by the float engine, which reduces each
stalk as a block with orthogonal operations — must be the same, value for value. A rigid motion
of the cloud gives the same sheaf up to such a frame change and rounding; its Rips values may
differ in the last bits, so bars are compared after mapping each value to its rank among the
complex's filtration values, and a change is allowed only together with a ``NumericalWarning``.

The benchmark ``pipelines/benchmarks/tangent_invariance.py`` runs the same comparison on more
clouds and trials, and against the engine from before issue 14.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from tdasheaf.cohomology import sheaf_persistence
from tdasheaf.complexes import rips_complex
from tdasheaf.datasets import make_sphere, make_torus, random_rotation
from tdasheaf.exceptions import NumericalWarning
from tdasheaf.sheaves import local_frames, tangent_sheaf

DEGREES = (0, 1)
CASES = [
    # (generator, n points, noise, percentile of distances for the Rips threshold)
    pytest.param(make_torus, 100, 0.05, 8.0, id="torus"),
    pytest.param(make_sphere, 80, 0.03, 10.0, id="sphere"),
]


def _bars(sheaf):
    """Float barcode in degrees 0 and 1, and whether a NumericalWarning was emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bars = sheaf_persistence(sheaf, DEGREES, field="R")
    return bars, any(issubclass(w.category, NumericalWarning) for w in caught)


def _random_orthogonal(rng, size: int) -> np.ndarray:
    Q, R = np.linalg.qr(rng.standard_normal((size, 2, 2)))
    return Q * np.sign(np.diagonal(R, axis1=1, axis2=2))[:, None, :]  # Haar on O(2)


def _ranks(bars, K):
    values = np.unique(np.concatenate(K.filtrations))
    out = {}
    for q, b in bars.items():
        b = b.copy()
        finite = np.isfinite(b)
        b[finite] = np.searchsorted(values, b[finite])
        out[q] = b[np.lexsort((b[:, 1], b[:, 0]))] if len(b) else b
    return out


def _assert_same(a, b):
    for q in DEGREES:
        np.testing.assert_array_equal(a[q], b[q], err_msg=f"degree {q}")


def _cloud(gen, n, noise, percentile, seed):
    X = gen(n, noise=noise, random_state=seed)
    return X, float(np.percentile(pdist(X), percentile))


@pytest.mark.parametrize("max_dimension", [1, 2])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("gen", "n", "noise", "percentile"), CASES)
def test_barcode_unchanged_by_orthogonal_change_of_local_frames(
    gen, n, noise, percentile, seed, max_dimension
):
    X, t = _cloud(gen, n, noise, percentile, seed)
    K = rips_complex(X, t, max_dimension)
    frames = local_frames(X, n_neighbors=15, dim=2)
    F = tangent_sheaf(X, K, frames=frames)
    R = _random_orthogonal(np.random.default_rng([seed, 14]), len(X))
    G = tangent_sheaf(X, K, frames=dataclasses.replace(frames, frames=frames.frames @ R))
    # the frame change is the conjugation it should be: O_ij -> R_i^T O_ij R_j
    E = K.simplices[1]
    expected = np.einsum("eba,ebc,ecd->ead", R[E[:, 0]], F.restrictions[1][:, 0], R[E[:, 1]])
    np.testing.assert_allclose(G.restrictions[1][:, 0], expected, rtol=0, atol=1e-12)
    assert not np.allclose(G.restrictions[1][:, 0], F.restrictions[1][:, 0])

    bars, _ = _bars(F)
    changed, _ = _bars(G)
    assert len(bars[0]) > 0 and len(bars[1]) > 0
    # same complex, same filtration values: the bars must be equal value for value
    _assert_same(bars, changed)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("gen", "n", "noise", "percentile"), CASES)
def test_barcode_unchanged_by_rigid_motion_or_warned(gen, n, noise, percentile, seed):
    X, t = _cloud(gen, n, noise, percentile, seed)
    Y = random_rotation(X, np.random.default_rng([seed, 41]), shift=3.0)
    K, L = rips_complex(X, t, 1), rips_complex(Y, t, 1)
    # the same filtration up to rounding of the values: same edges in the same order
    np.testing.assert_array_equal(K.simplices[1], L.simplices[1])
    np.testing.assert_allclose(K.filtrations[1], L.filtrations[1], rtol=1e-12)
    assert len(np.unique(K.filtrations[1])) == len(np.unique(L.filtrations[1]))

    bars, warned = _bars(tangent_sheaf(X, K, n_neighbors=15, dim=2))
    moved, warned_moved = _bars(tangent_sheaf(Y, L, n_neighbors=15, dim=2))
    if warned or warned_moved:
        return  # a barcode the engine could not certify may change; it said so
    _assert_same(_ranks(bars, K), _ranks(moved, L))
