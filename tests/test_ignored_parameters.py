"""Nothing accepted and ignored (issue 16, item 4): every parameter works or raises.

Each test fails on the old behaviour, where the parameter was silently dropped. The signal
sheaf has its own file (``test_signal_persistence.py``); ``set_output`` on the collection
transformers is tested with the collection base.
"""

from __future__ import annotations

import numpy as np
import pytest

from tdasheaf import SheafPersistence
from tdasheaf.cohomology import coboundary
from tdasheaf.complexes import rips_complex
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.sheaves import edge_alignments, local_frames, signal_sheaf

T = np.linspace(0, 2 * np.pi, 24, endpoint=False)
CIRCLE = np.c_[np.cos(T), np.sin(T)] * (1 + 0.2 * np.cos(3 * T))[:, None]


def _bars(diagram, q):
    rows = diagram[(diagram[:, 2] == q) & (diagram[:, 0] != diagram[:, 1])][:, :2]
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def _truncate(bars, t):
    """Bars of the filtration truncated at t: born by t, alive past t become infinite."""
    kept = bars[bars[:, 0] <= t].copy()
    kept[kept[:, 1] > t, 1] = np.inf
    return kept[np.lexsort((kept[:, 1], kept[:, 0]))]


def test_alpha_filtration_honours_max_edge_length():
    # used to be ignored: the alpha complex was never truncated
    full = SheafPersistence(sheaf="constant", filtration="alpha").fit_transform([CIRCLE])[0]
    t = float(np.median(_bars(full, 0)[:, 1][np.isfinite(_bars(full, 0)[:, 1])]))
    cut = SheafPersistence(sheaf="constant", filtration="alpha", max_edge_length=t)
    D = cut.fit_transform([CIRCLE])[0]
    for q in (0, 1):
        np.testing.assert_array_equal(_bars(D, q), _truncate(_bars(full, q), t))
    assert np.isinf(_bars(D, 0)[:, 1]).sum() > 1  # several components left at t


def test_signal_sheaf_refuses_regularization_with_constant_maps():
    K = rips_complex(CIRCLE, 0.5, 1)
    y = np.sin(T)
    with pytest.raises(ValueError, match="regularization=0.5 applies to maps='fitted'"):
        signal_sheaf(CIRCLE, K, y, regularization=0.5)
    # the default and the fitted maps are unchanged
    assert signal_sheaf(CIRCLE, K, y).cochain_dim(1) == K.n_simplices[1]
    fitted = signal_sheaf(CIRCLE, K, y, maps="fitted")
    again = signal_sheaf(CIRCLE, K, y, maps="fitted", regularization=1.0)
    np.testing.assert_array_equal(coboundary(fitted, 0).toarray(), coboundary(again, 0).toarray())


def test_edge_alignments_refuses_a_dim_that_disagrees_with_given_frames():
    K = rips_complex(CIRCLE, 0.5, 1)
    frames = local_frames(CIRCLE, n_neighbors=5, dim=1)
    O, _ = edge_alignments(CIRCLE, K, frames=frames, dim=1)
    assert O.shape == (K.n_simplices[1], 1, 1)
    with pytest.raises(ValueError, match="dim=2 disagrees with the given frames"):
        edge_alignments(CIRCLE, K, frames=frames, dim=2)


@pytest.mark.parametrize("sheaf", ["constant", "signal"])
@pytest.mark.parametrize("degrees", [(0,), (0, 1)])
def test_memory_budget_bounds_the_edges_in_degrees_up_to_one(sheaf, degrees):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    cloud = np.c_[X, rng.normal(size=400)] if sheaf == "signal" else X
    est = SheafPersistence(sheaf=sheaf, degrees=degrees, max_edge_length=3.0,
                           memory_budget=2_000_000)
    with pytest.raises(ComplexTooLargeError, match="memory_budget"):
        est.fit_transform([cloud])
    # and within a budget the same estimator runs
    small = est.set_params(max_edge_length=0.2, memory_budget=64 * 2**20)
    assert small.fit_transform([cloud]).shape[0] == 1
