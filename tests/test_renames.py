"""Parameter renames of issue 16 (docs/glossary.md): the old name works until 0.3, with a warning.

``RipsPersistence(coeff=)`` → ``field=`` (one name for the coefficient field, as in the sheaf
estimators and :mod:`tdasheaf.cohomology`); ``SheafDenoiser(normalize=)`` → ``norm_laplacian=``
(``normalize`` divides an output by its scale in ``PersistenceEntropy``). Oracles: the
homology of ℝP² (H1 = H2 = Z/2: a bar over GF(2), none over GF(3)), and each estimator under its
new name.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from tdasheaf.estimators import RipsPersistence, SheafDenoiser

BACKENDS = ("tdasheaf", "ripser")


def _rp2_distance_matrix() -> np.ndarray:
    """Barycentric subdivision of the 6-vertex ℝP² as a flag complex: 1 on edges, 2 off."""
    triangles = [
        (1, 2, 3), (1, 3, 4), (1, 4, 5), (1, 5, 6), (1, 2, 6),
        (2, 3, 5), (3, 4, 6), (2, 4, 5), (3, 5, 6), (2, 4, 6),
    ]  # fmt: skip
    faces = sorted({f for t in triangles for k in (1, 2, 3) for f in itertools.combinations(t, k)})
    D = np.full((len(faces), len(faces)), 2.0)
    for a, s in enumerate(faces):
        for b, t in enumerate(faces):
            if a == b:
                D[a, b] = 0.0
            elif set(s) < set(t) or set(t) < set(s):
                D[a, b] = 1.0
    return D


def _h1(diagram: np.ndarray) -> np.ndarray:
    """The H1 bars, padding rows ``(0, 0, 1)`` left out."""
    rows = diagram[(diagram[:, 2] == 1) & (diagram[:, 1] > diagram[:, 0])]
    return rows[:, :2]


def _cloud(seed=0, n=18):
    return np.random.default_rng(seed).normal(size=(n, 3))


def _denoiser_clouds():
    rng = np.random.default_rng(5)
    return [np.c_[rng.normal(size=(30, 2)), rng.normal(size=30)] for _ in range(2)]


# ----------------------------------------------------------------------------------------------
# RipsPersistence: coeff -> field
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("p", "expected"), [(2, [[1.0, 2.0]]), (3, np.empty((0, 2)))])
def test_coeff_warns_and_reaches_the_engine_as_field_does(backend, p, expected):
    D = _rp2_distance_matrix()
    params = dict(homology_dimensions=(1, 2), metric="precomputed", backend=backend)
    with pytest.warns(FutureWarning, match=r"'coeff' was renamed 'field' in 0\.1.*removed in 0\.3"):
        via_old = RipsPersistence(coeff=p, **params).fit_transform([D])
    via_new = RipsPersistence(field=p, **params).fit_transform([D])
    np.testing.assert_array_equal(via_old, via_new)
    np.testing.assert_array_equal(_h1(via_new[0]), expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_coeff_none_is_the_default_field(backend):
    X = _cloud(1)
    with pytest.warns(FutureWarning, match="pass field=None instead"):
        via_old = RipsPersistence(coeff=None, backend=backend).fit_transform([X])
    np.testing.assert_array_equal(via_old, RipsPersistence(backend=backend).fit_transform([X]))
    p = 65521 if backend == "tdasheaf" else 127
    np.testing.assert_array_equal(
        via_old, RipsPersistence(field=p, backend=backend).fit_transform([X])
    )


def test_coeff_and_field_together_raise():
    with pytest.raises(ValueError, match=r"both field=3 and its former name coeff=5 are set"):
        RipsPersistence(field=3, coeff=5).fit([_cloud()])


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"coeff": 4}, ValueError, "coeff=4 is not a prime"),
        ({"field": 4}, ValueError, "field=4 is not a prime"),
        ({"coeff": 131, "backend": "ripser"}, ValueError, "coeff=131 is too large"),
        ({"field": 131, "backend": "ripser"}, ValueError, "field=131 is too large"),
        ({"coeff": 1}, InvalidParameterError, "'coeff' parameter"),
        ({"field": 1}, InvalidParameterError, "'field' parameter"),
        ({"field": "deprecated"}, InvalidParameterError, "'field' parameter"),
        ({"coeff": "other"}, InvalidParameterError, "'coeff' parameter"),
    ],
)
def test_field_errors_name_the_parameter_the_user_set(params, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(error, match=match):
            RipsPersistence(**params).fit([_cloud()])


def test_set_params_coeff_warns_in_fit_and_transform_uses_it():
    X = _cloud(2)
    est = RipsPersistence().set_params(coeff=3)  # no warning here: only fit resolves
    with pytest.warns(FutureWarning, match="'coeff' was renamed 'field'"):
        est.fit([X])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = est.transform([X])  # fit warned once; transform does not warn again
    np.testing.assert_array_equal(out, RipsPersistence(field=3).fit_transform([X]))


def test_field_is_in_coeffs_former_position():
    est = RipsPersistence((0, 1), np.inf, 3)
    assert est.field == 3 and est.coeff == "deprecated"


# ----------------------------------------------------------------------------------------------
# SheafDenoiser: normalize -> norm_laplacian
# ----------------------------------------------------------------------------------------------


def test_normalize_warns_and_gives_norm_laplacians_result():
    X = _denoiser_clouds()
    with pytest.warns(
        FutureWarning, match=r"'normalize' was renamed 'norm_laplacian' in 0\.1.*removed in 0\.3"
    ):
        via_old = SheafDenoiser(normalize=False, graph_neighbors=4).fit(X)
    via_new = SheafDenoiser(norm_laplacian=False, graph_neighbors=4).fit(X)
    np.testing.assert_array_equal(via_old.transform(X), via_new.transform(X))
    np.testing.assert_array_equal(via_old.inconsistency(X), via_new.inconsistency(X))
    # the flag reaches the diffusion: the plain Laplacian smooths differently
    default = SheafDenoiser(graph_neighbors=4).fit(X).transform(X)
    assert not np.allclose(default, via_new.transform(X))
    with pytest.raises(ValueError, match=r"both norm_laplacian=False and its former name"):
        SheafDenoiser(normalize=False, norm_laplacian=False).fit(X)


# ----------------------------------------------------------------------------------------------
# defaults, clone, get_params / set_params never warn
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "old", "new", "value", "data"),
    [
        (RipsPersistence, "coeff", "field", 3, lambda: [_cloud(3)]),
        (SheafDenoiser, "normalize", "norm_laplacian", False, _denoiser_clouds),
    ],
    ids=["coeff", "normalize"],
)
def test_defaults_clone_and_params_never_warn(cls, old, new, value, data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = cls()
        params = est.get_params()
        assert params[old] == "deprecated"
        assert clone(est).get_params() == params
        assert cls().set_params(**params).get_params() == params
        est.fit_transform(data())
        renamed = cls(**{new: value})
        assert clone(renamed).get_params()[new] == value
        renamed.fit_transform(data())
    # clone keeps the old name and its warning (as scikit-learn's own renames do)
    with pytest.warns(FutureWarning):
        clone(cls(**{old: value})).fit(data())
