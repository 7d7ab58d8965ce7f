"""One memory budget, enforced before allocation (issue 15, item 1).

The reported inputs, scaled down with the same shape of problem: distance concentration in
ℝ¹⁰ (a few radii join almost every pair), an edge count that exceeds a small budget. Peak
resident memory is measured in a subprocess (``VmHWM`` after ``clear_refs``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from tdasheaf import AlphaPersistence, RipsPersistence, SheafFeatures, SheafPersistence
from tdasheaf.complexes import radius_edges, rips_complex
from tdasheaf.estimators._sheaf_features import _plan_cloud
from tdasheaf.exceptions import ComplexTooLargeError
from tdasheaf.utils import default_memory_budget, resolve_memory_budget

MiB = 2**20
FAMILIES = ("constant", "orientation", "tangent")


def _gauss(n, D, seed=0):
    return np.random.default_rng(seed).standard_normal((n, D))


def test_default_budget_rule():
    one, two = default_memory_budget(1), default_memory_budget(2)
    assert 0 < one <= 3 * 2**29 and two == one // 2
    assert resolve_memory_budget(None, 2) == two
    assert resolve_memory_budget(12345) == 12345
    with pytest.raises(ValueError, match="memory_budget"):
        resolve_memory_budget(-1)


def test_distance_concentration_keeps_the_graph_local():
    # 2,000 Gaussian points in R^10: 2 radii join a large share of all pairs; the graph must
    # stop at the neighbour cap, far from the complete graph
    X = _gauss(2000, 10)
    plan = _plan_cloud(
        X, sheaves=FAMILIES, n_neighbors=15, dim=None, lo=1.0, hi=2.0, memory_budget=2**30
    )
    pairs = len(X) * (len(X) - 1) / 2
    assert plan["capped"] == "neighbours"
    assert plan["n_edges"] <= len(X) * 6 * 15 / 2
    assert plan["n_edges"] < 0.1 * pairs
    assert 1.0 < plan["top"] < 2.0  # the grid is moved onto [1, top]
    i, j, w = plan["edges"]
    assert (w <= plan["top"] * plan["r"] * (1 + 1e-12)).all()


def test_small_budget_fits_the_threshold_to_a_quantile():
    X = _gauss(2000, 10)
    plan = _plan_cloud(
        X, sheaves=FAMILIES, n_neighbors=15, dim=None, lo=1.0, hi=2.0, memory_budget=80 * MiB
    )
    assert plan["capped"] == "memory_budget"
    assert plan["estimate"] <= plan["budget"]


def test_over_budget_cloud_is_refused_naming_estimate_budget_and_parameter():
    sf = SheafFeatures(memory_budget=8 * MiB).fit([_gauss(30, 10)])
    with pytest.raises(ComplexTooLargeError) as info:
        sf.transform([_gauss(3000, 10)])
    message = str(info.value)
    assert isinstance(info.value, MemoryError)
    assert message.startswith("sample 0: ")
    for word in ("estimated", "memory budget of 8.0 MiB", "memory_budget", "n_neighbors"):
        assert word in message


def test_rips_complex_refuses_the_complete_graph_before_computing_a_distance():
    X = _gauss(20000, 10)
    start = time.perf_counter()
    with pytest.raises(ComplexTooLargeError, match="max_edge_length=inf.*memory_budget"):
        rips_complex(X, max_dimension=1, memory_budget=64 * MiB)
    assert time.perf_counter() - start < 1.0


def test_radius_edges_never_exceeds_the_budget_and_fits_max_edges():
    X = _gauss(1500, 10)
    with pytest.raises(ComplexTooLargeError, match="memory_budget"):
        radius_edges(X, 4.0, memory_budget=MiB)
    i, j, w, thr = radius_edges(X, 4.0, memory_budget=64 * MiB, max_edges=5000)
    assert len(i) <= 5000 and (w <= thr).all() and (i < j).all()
    from scipy.spatial.distance import pdist

    d = pdist(X)
    assert len(i) == int((d <= thr).sum())  # the graph at a quantile threshold, ties included


def test_estimators_take_the_budget():
    X = _gauss(400, 3)
    for est in (RipsPersistence(), SheafPersistence(), AlphaPersistence(), SheafFeatures()):
        assert "memory_budget" in est.get_params()
        est.set_params(memory_budget=10 * MiB)
    with pytest.raises(ComplexTooLargeError, match="Rips graph.*memory_budget"):
        RipsPersistence(memory_budget=MiB).fit_transform([X])
    with pytest.raises(ComplexTooLargeError, match="alpha complex.*memory_budget"):
        AlphaPersistence(memory_budget=MiB).fit_transform([_gauss(200, 10)])
    with pytest.raises(ComplexTooLargeError, match="memory_budget"):
        SheafPersistence(memory_budget=MiB).fit_transform([_gauss(2000, 10)])


def test_dataframe_collection_gets_a_clear_message():
    df = pd.DataFrame(_gauss(50, 3), columns=list("xyz"))
    for est in (SheafFeatures(), RipsPersistence()):
        with pytest.raises(ValueError, match=r"list of arrays.*df\.to_numpy\(\)"):
            est.fit(df)


def _run_probe(script: str, *args: str, timeout: int) -> dict:
    """Run a measuring script in a fresh process; its last stdout line is a JSON dict."""
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


_PROBE = r"""
import json, sys, gc, numpy as np
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
n, D, budget = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
from tdasheaf import SheafFeatures
from tdasheaf.estimators._sheaf_features import _plan_cloud
X = np.random.default_rng(0).standard_normal((n, D))
SheafFeatures(n_neighbors=10).fit_transform([X[:200]])  # warm-up: compiled kernels, imports
plan = _plan_cloud(X, sheaves=("constant", "orientation", "tangent"), n_neighbors=15,
                   dim=None, lo=1.0, hi=2.0, memory_budget=budget)
del plan["edges"], plan["neighbors"]
gc.collect()
open("/proc/self/clear_refs", "w").write("5")   # reset VmHWM to the current RSS
base = status("VmRSS:")
SheafFeatures(memory_budget=budget).fit_transform([X])
print(json.dumps(dict(estimate=plan["estimate"], used=status("VmHWM:") - base,
                      capped=plan["capped"])))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_estimate_is_honest_measured_in_a_subprocess():
    budget = 128 * MiB
    result = _run_probe(_PROBE, "2500", "10", str(budget), timeout=120)
    assert result["capped"] == "memory_budget"  # the budget, not the neighbour cap, decided
    assert result["estimate"] <= budget
    # measured peak within 2x of the estimate, both ways
    assert result["used"] <= 2 * result["estimate"], result
    assert result["estimate"] <= 2 * result["used"], result


_RIPS_PROBE = r"""
import json, sys, gc, numpy as np
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
n = int(sys.argv[1])
backend = sys.argv[2]
from tdasheaf import RipsPersistence
from tdasheaf.cohomology import _classical as C
X = np.random.default_rng(0).standard_normal((n, 10))
RipsPersistence(backend=backend).fit_transform([X[:50]])  # warm-up
gc.collect()
open("/proc/self/clear_refs", "w").write("5")
base = status("VmRSS:")
RipsPersistence(memory_budget=2**31, backend=backend).fit_transform([X])
if backend == "ripser":
    per_pair = C.RIPSER_DENSE_BYTES_PER_PAIR + C.RIPSER_BYTES_PER_EDGE
    estimate = per_pair * n * (n - 1) / 2 + 8 * n * n
else:
    estimate = C.FLAG_BYTES_PER_EDGE * n * (n - 1) / 2
print(json.dumps(dict(estimate=estimate, used=status("VmHWM:") - base)))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.parametrize("backend", ["ripser", "tdasheaf"])
def test_rips_persistence_estimate_is_honest(backend):
    # degree 1 on a complete graph in R^10: ripser's reduction (ripser) or the flag engine's
    # edge lists (tdasheaf) dominate
    result = _run_probe(_RIPS_PROBE, "1200", backend, timeout=120)
    if backend == "tdasheaf":
        assert result["used"] <= result["estimate"], result  # an upper bound
    assert result["used"] <= 2 * result["estimate"], result
    assert result["estimate"] <= 2 * result["used"], result


_OUTLIER_PROBE = r"""
import json, sys, gc, numpy as np
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
n, D = int(sys.argv[1]), int(sys.argv[2])
from tdasheaf import SheafOutlierDetector
from tdasheaf.cohomology._local_scores import local_reference_nbytes
X = np.random.default_rng(0).standard_normal((n, D))
SheafOutlierDetector().fit(X[:300])  # warm-up: compiled kernels, imports
det = SheafOutlierDetector()
det.n_neighbors_ = det.n_neighbors
estimate = local_reference_nbytes(n, D, det._sizes(n, None, det.neighbor_multipliers), None)
gc.collect()
open("/proc/self/clear_refs", "w").write("5")
base = status("VmRSS:")
det.fit(X)
print(json.dumps(dict(estimate=estimate, used=status("VmHWM:") - base)))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_outlier_detector_estimate_is_an_honest_upper_bound():
    # activations-like data: 4,000 points in 128 dimensions; the frames dominate
    result = _run_probe(_OUTLIER_PROBE, "4000", "128", timeout=180)
    assert result["used"] <= result["estimate"], result
    assert result["estimate"] <= 4 * result["used"], result  # an upper bound, not a guess


def test_outlier_detector_refuses_over_budget_before_building():
    from tdasheaf import SheafOutlierDetector

    X = _gauss(3000, 256)
    with pytest.raises(ComplexTooLargeError, match="memory_budget"):
        SheafOutlierDetector(memory_budget=16 * MiB).fit(X)
