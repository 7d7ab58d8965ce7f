"""A degree the complex lacks is zero, not an error (issue 14).

``H^q`` of a complex without q-simplices is 0 at every scale, so asking for it gives an empty
array of bars, on every sheaf, field and engine. The running example is the unit square with
``max_edge_length=1.0``: four vertices, four edges, no triangle (the diagonals are √2).
"""

from __future__ import annotations

import numpy as np
import pytest

from tdasheaf import SheafPersistence
from tdasheaf.cohomology import flag_persistence, sheaf_persistence
from tdasheaf.complexes import rips_complex
from tdasheaf.sheaves import constant_sheaf

SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
DEGREES = (0, 1, 2)
FIELDS = [None, 3, "R"]
SHEAVES = ["constant", "orientation", "tangent", "signal"]


def square_for(sheaf):
    # sheaf="signal" reads its vertex data from the last column; a signal that differs by at
    # most the edge length along the square's sides keeps the constant sheaf's filtration
    return np.c_[SQUARE, [0.0, 0.5, 0.5, 1.0]] if sheaf == "signal" else SQUARE


def rows(diagram, q):
    return diagram[diagram[:, 2] == q]


def real_bars(diagram, q):
    """The bars of degree q, without the (0, 0, q) padding rows."""
    D = rows(diagram, q)
    return D[D[:, 0] != D[:, 1]]


@pytest.mark.parametrize("filtration", ["rips", "alpha"])
@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("sheaf", SHEAVES)
def test_missing_degree_gives_padding_only(sheaf, field, filtration):
    est = SheafPersistence(
        sheaf=sheaf,
        degrees=DEGREES,
        max_edge_length=1.0,
        field=field,
        filtration=filtration,
        n_neighbors=3,
    )
    if sheaf == "tangent" and field == 3:
        # unrelated to degrees: the tangent sheaf has real maps, GF(3) needs integer ones
        with pytest.raises(ValueError, match="integer-valued") as info:
            est.fit_transform([square_for(sheaf)])
        assert "max_dimension" not in str(info.value)
        assert "has dimension" not in str(info.value)
        return
    D = est.fit_transform([square_for(sheaf), square_for(sheaf)])
    assert D.ndim == 3 and D.shape[0] == 2 and D.shape[2] == 3
    for diagram in D:
        # degree 2 has padding rows only (its column is present, every row (0, 0, 2))
        assert len(rows(diagram, 2)) >= 1
        assert len(real_bars(diagram, 2)) == 0
        np.testing.assert_array_equal(rows(diagram, 2)[:, :2], 0.0)
        # the degrees the square has are computed as usual
        assert len(real_bars(diagram, 0)) >= 1
        assert len(real_bars(diagram, 1)) >= 1
    if sheaf in ("constant", "signal"):
        # one rank-1 sheaf component: H^0 is 4 points merging at 1, H^1 the square's loop
        # (Rips: never filled, no triangle; alpha: filled when the square's circumdisc is)
        d = D[0]
        h0 = real_bars(d, 0)
        assert len(h0) == 4 and np.isinf(h0[:, 1]).sum() == 1
        h1 = real_bars(d, 1)
        assert len(h1) == 1
        if filtration == "rips":
            assert h1[0, 0] == pytest.approx(1.0) and np.isinf(h1[0, 1])


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("sheaf", SHEAVES)
def test_only_missing_degrees(sheaf, field):
    # every degree asked for is missing above the edges: empty, not an error
    if sheaf == "tangent" and field == 3:
        return
    est = SheafPersistence(
        sheaf=sheaf, degrees=(2, 3), max_edge_length=1.0, field=field, n_neighbors=3
    )
    (diagram,) = est.fit_transform([square_for(sheaf)])
    assert len(diagram) >= 1
    np.testing.assert_array_equal(diagram[:, :2], 0.0)
    assert set(diagram[:, 2]) <= {2.0, 3.0}


def test_alpha_in_the_plane_answers_degree_three():
    # the alpha complex of planar points stops at triangles: degree 3 is 0
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(30, 2))
    (diagram,) = SheafPersistence(
        sheaf="constant", filtration="alpha", degrees=(0, 1, 2, 3)
    ).fit_transform([X])
    assert len(real_bars(diagram, 2)) == 0 and len(real_bars(diagram, 3)) == 0
    # degrees 0 and 1 are those of the same request without the missing degrees
    (reference,) = SheafPersistence(
        sheaf="constant", filtration="alpha", degrees=(0, 1)
    ).fit_transform([X])
    for q in (0, 1):
        np.testing.assert_allclose(
            np.sort(real_bars(diagram, q)[:, :2], axis=0),
            np.sort(real_bars(reference, q)[:, :2], axis=0),
        )


def test_a_batch_with_one_cloud_missing_the_degree_does_not_fail():
    # the second cloud has a triangle under the threshold, the square has none
    triangle = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.8], [3.0, 3.0]])
    D = SheafPersistence(
        sheaf="constant", degrees=DEGREES, max_edge_length=1.0, field="R"
    ).fit_transform([SQUARE, triangle])
    assert len(real_bars(D[0], 2)) == 0 and len(real_bars(D[1], 2)) == 0
    assert len(real_bars(D[1], 0)) == 4  # 3 triangle vertices merge; the far point stays alone


@pytest.mark.parametrize("field", [None, 3])
def test_flag_persistence_without_triangles_has_empty_degree_two(field):
    edges = [(0, 1), (0, 2), (1, 3), (2, 3)]  # the square's sides, no diagonal
    bars = flag_persistence(4, edges, [1.0] * 4, None, DEGREES, field)
    assert bars[2].shape == (0, 2)
    assert len(bars[1]) == 1 and np.isinf(bars[1][0, 1])
    signed = flag_persistence(4, edges, [1.0] * 4, [1, 1, 1, -1], DEGREES, field)
    assert signed[2].shape == (0, 2)


def test_sheaf_persistence_above_the_top_dimension_is_empty():
    # needs tdasheaf.cohomology.sheaf_persistence to answer degrees above the complex's top
    # dimension with empty bars (the engine side of issue 14)
    K = rips_complex(SQUARE, 1.0, 3)
    bars = sheaf_persistence(constant_sheaf(K), DEGREES, field=3)
    assert bars[2].shape == (0, 2)
    assert len(bars[0]) == 4 and len(bars[1]) == 1
