"""Render the benchmark figures quoted in the docs from the committed ``--json`` results.

How to run (from the repository root)::

    python pipelines/benchmarks/render_tables.py            # rewrite the quoted blocks in place
    python pipelines/benchmarks/render_tables.py --check    # exit 1 if a quoted block is stale

Every benchmark figure quoted in ``README.md``, ``docs/*.md`` and
``pipelines/benchmarks/README.md`` sits between two markers::

    <!-- bench:NAME:BLOCK -->...<!-- /bench -->
    <!-- bench:NAME:BLOCK:ARG -->...<!-- /bench -->

``NAME`` is a results file, ``pipelines/benchmarks/results/NAME.json`` (written by
``python pipelines/benchmarks/NAME.py ... --json pipelines/benchmarks/results/NAME.json``; the
exact command is inside the file and in ``pipelines/benchmarks/README.md``); ``BLOCK`` is one of
the renderers registered below for that benchmark and ``ARG`` its argument (e.g. a category or a
workload, parts separated by ``/``). A marker followed by a line break renders a block (a table,
with the command and the run's date, cores and load above it); otherwise it renders inline text
(one figure or a short list of figures in a sentence). The formatting rules live in one place,
the ``fmt_*`` functions: ratios and time ratios with 2 decimals, ROC-AUC with 3 decimals
(ADBench-style percentages with 1), accuracies with 3, RMS errors with 4, seconds with 3 below
10 s and 1 above, memory in MiB, counts with thousands separators.

``tests/test_quoted_figures.py`` re-renders every file in memory and fails when a block differs
from what its JSON file says, or when a marker names a missing file, block or key.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"
DOCS = ("README.md", "docs/*.md", "pipelines/benchmarks/README.md")

MARKER = re.compile(
    r"<!-- bench:(?P<name>[A-Za-z0-9_]+):(?P<block>[A-Za-z0-9_]+)(?::(?P<arg>[^ ]+))? -->"
    r"(?P<body>.*?)<!-- /bench -->",
    re.DOTALL,
)
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve")


class RenderError(Exception):
    """A marker that cannot be rendered: missing results file, renderer or JSON key."""


# ----------------------------------------------------------------------------------------------
# Formatting rules (the only place where a quoted number's format is decided)
# ----------------------------------------------------------------------------------------------


def fmt_ratio(x: float) -> str:
    return f"{x:.2f}"


def fmt_auc(x: float) -> str:
    return f"{x:.3f}"


def fmt_acc(x: float) -> str:
    return f"{x:.3f}"


def fmt_auc_percent(x: float) -> str:
    return f"{x:.1f}"


def fmt_rms(x: float) -> str:
    return f"{x:.4f}"


def fmt_seconds(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def fmt_mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MiB"


def fmt_count(n: int) -> str:
    return f"{int(n):,}"


def fmt_percent(x: float, decimals: int = 1) -> str:
    return f"{x:.{decimals}f} %"


def fmt_range(values, fmt=fmt_ratio, sep="–") -> str:
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}{sep}{hi}"


def mean_sd(values, fmt=fmt_auc) -> str:
    """Mean ± population sd (``np.std``), as the benchmark scripts print them."""
    v = [float(x) for x in values]
    m = sum(v) / len(v)
    sd = (sum((x - m) ** 2 for x in v) / len(v)) ** 0.5
    return f"{fmt(m)} ± {fmt(sd)}" if len(v) > 1 else fmt(m)


def table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def run_line(doc: dict) -> str:
    """`command` — date, cores, 1-min load before / after, wall time, notes."""
    machine = doc.get("machine", {})
    versions = doc.get("versions", {})
    cores = machine.get("cores", versions.get("cpu_count"))
    if "load_average_before" in machine:
        before, after = machine["load_average_before"], machine["load_average"]
        load = f"1-min load {before[0]:.1f} → {after[0]:.1f}" if before and after else None
    elif doc.get("load_average_start_end"):
        ld = doc["load_average_start_end"]
        load = f"1-min load {ld[0]:.1f} → {ld[-1]:.1f}"
    else:
        load = None
    parts = [doc["date"][:10], f"{cores} cores"]
    if load:
        parts.append(load)
    if doc.get("wall_seconds") is not None:
        parts.append(f"{doc['wall_seconds']:.0f} s in all")
    parts += doc.get("notes", [])
    return f"`{command(doc)}` ({'; '.join(parts)}):"


def command(doc: dict) -> str:
    if "command" in doc:
        return doc["command"]
    return " ".join([f"python pipelines/benchmarks/{doc['benchmark']}.py", *doc["argv"]])


# ----------------------------------------------------------------------------------------------
# Renderers: RENDERERS[name][block](doc, arg) -> text
# ----------------------------------------------------------------------------------------------

RENDERERS: dict[str, dict] = {}


def renderer(name: str, block: str):
    def deco(fn):
        RENDERERS.setdefault(name, {})[block] = fn
        return fn

    return deco


def _only(rows, what, **match):
    hits = [r for r in rows if all(r[k] == v for k, v in match.items())]
    if len(hits) != 1:
        raise KeyError(f"{len(hits)} {what} rows match {match}")
    return hits[0]


# -- command lines (one per results file) ------------------------------------------------------


def _command(doc, arg):
    return f"`{command(doc)}`"


def _run(doc, arg):
    return run_line(doc)


# -- shape_classification ----------------------------------------------------------------------

SHAPE_MODELS = ("SheafFeatures", "Rips GF(3)", "Rips GF(2)")
SHAPE_TASKS = {"cylinder-vs-mobius": "cylinder vs Möbius band",
               "torus-vs-klein": "torus vs Klein bottle"}


@renderer("shape_classification", "summary")
def _shape_summary(doc, arg):
    res = doc["results"]
    tasks = list(dict.fromkeys(r["task"] for r in res))
    rows = []
    for task in tasks:
        cells = []
        for model in SHAPE_MODELS:
            r = _only(res, "shape_classification", task=task, model=model)
            cells.append(f"{fmt_acc(r['accuracy_mean'])} ± {fmt_acc(r['accuracy_sd'])}")
        rows.append([SHAPE_TASKS.get(task, task), *cells])
    return table(["task", "`SheafFeatures()` + LR", "Rips GF(3) features + LR",
                  "Rips GF(2) features + LR"], rows)


@renderer("shape_classification", "table")
def _shape_table(doc, arg):
    rows = [
        [r["task"], r["model"], f"{fmt_acc(r['accuracy_mean'])} ± {fmt_acc(r['accuracy_sd'])}",
         fmt_seconds(r["time_per_cloud"])]
        for r in doc["results"]
    ]
    return run_line(doc) + "\n\n" + table(
        ["task", "model", "accuracy (mean ± sd)", "time/cloud (s)"], rows)


# -- features_vs_giotto ------------------------------------------------------------------------


def _giotto_total(doc, J):
    g = doc["giotto"]
    return None if g is None else g["results"][str(J)]["total"]


@renderer("features_vs_giotto", "table")
def _giotto_table(doc, arg):
    rows = []
    n = doc["n_clouds"]
    for J in doc["jobs"]:
        g = _giotto_total(doc, J)
        for name, per_j in doc["tdasheaf"].items():
            t = per_j[str(J)]["best"]
            rows.append([name, J, f"{t:.2f}", f"{1000 * t / n:.1f}",
                         "—" if g is None else f"{g:.2f}",
                         "—" if g is None else fmt_ratio(t / g)])
    text = run_line(doc) + "\n\n" + table(
        ["variant", "n_jobs", "time (s)", "ms/cloud", "giotto (s)", "ratio tdasheaf / giotto"],
        rows)
    if doc["giotto"] is None:
        text += "\n\n(giotto-tda was not available in this run: no giotto column.)"
    return text


@renderer("features_vs_giotto", "ratios")
def _giotto_ratios(doc, arg):
    if doc["giotto"] is None:
        return "not measured (giotto-tda unavailable in the recorded run)"
    jobs = doc["jobs"]

    def ratios(variant):
        return [doc["tdasheaf"][variant][str(J)]["best"] / _giotto_total(doc, J) for J in jobs]

    full = ", ".join(f"**{fmt_ratio(r)}×** (n_jobs={J})"
                     for r, J in zip(ratios("SheafFeatures (all sheaves)"), jobs, strict=True))
    const = " / ".join(f"**{fmt_ratio(r)}×**" for r in ratios("SheafFeatures (constant only)"))
    return f"{full}; its constant-sheaf part alone: {const}"


@renderer("features_vs_giotto", "giotto_version")
def _giotto_version(doc, arg):
    if doc["giotto"] is None:
        return "not installed"
    return doc["giotto"]["versions"]["giotto-tda"]


@renderer("features_vs_giotto", "workload")
def _giotto_workload(doc, arg):
    return f"{fmt_count(doc['n_clouds'])} clouds × {fmt_count(doc['n_points'])} points"


# -- float_engine ------------------------------------------------------------------------------

FLOAT_LABELS = {
    "orthogonal": "orthogonal",
    "cond1e2": "cond1e2",
    "cond1e8": "cond1e8 (every simplex)",
    "cond1e8_even": "cond1e8_even (vertices and triangles)",
    "scalars": "scalars 10^±6 per simplex",
}


@renderer("float_engine", "correctness")
def _float_correctness(doc, arg):
    rows = [
        [FLOAT_LABELS.get(c["category"], c["category"]), c["cases"], c["exact"], c["warned"],
         c["exact+warned"], c["silently wrong"], c["beyond float64"]]
        for c in doc["results"]["correctness"]
    ]
    return run_line(doc) + "\n\n" + table(
        ["category", "cases", "exact", "warned", "exact and warned", "silently wrong",
         "of which beyond float64"], rows)


@renderer("float_engine", "cost")
def _float_cost(doc, arg):
    rows = []
    for c in doc["results"]["cost"]:
        fe = "— (real maps)" if c["float_over_exact"] is None else fmt_ratio(c["float_over_exact"])
        fo = "—" if c["float_over_old"] is None else fmt_ratio(c["float_over_old"])
        rows.append([c["workload"], fe, fo, c["note"]])
    return table(["workload", "float / exact GF(65521)", "float / float engine before #14",
                  "note"], rows)


def _float_category(doc, arg):
    return _only(doc["results"]["correctness"], "float_engine", category=arg)


@renderer("float_engine", "exact")
def _float_exact(doc, arg):
    c = _float_category(doc, arg)
    return f"{fmt_count(c['exact'])} of {fmt_count(c['cases'])}"


@renderer("float_engine", "exact_pct")
def _float_exact_pct(doc, arg):
    c = _float_category(doc, arg)
    return fmt_percent(100 * c["exact"] / c["cases"])


@renderer("float_engine", "cases")
def _float_cases(doc, arg):
    return fmt_count(doc["results"]["cases_per_category"])


@renderer("float_engine", "ratio")
def _float_ratio(doc, arg):
    """``ARG`` = WORKLOAD-PREFIX/exact or WORKLOAD-PREFIX/old."""
    prefix, _, which = arg.rpartition("/")
    hits = [c for c in doc["results"]["cost"] if c["workload"].startswith(prefix)]
    if len(hits) != 1:
        raise KeyError(f"{len(hits)} float_engine cost rows start with {prefix!r}")
    value = hits[0]["float_over_exact" if which == "exact" else "float_over_old"]
    if value is None:
        raise KeyError(f"no {which} ratio for {prefix!r}")
    return fmt_ratio(value)


# -- tangent_invariance ------------------------------------------------------------------------


@renderer("tangent_invariance", "table")
def _tangent_table(doc, arg):
    rows = []
    for r in doc["results"]["rows"]:
        def silent(key, r=r):
            c, s = r[key], r[key + "_silent"]
            return f"{c} ({s} silent)" if c else "0"

        rows.append([
            r["cloud"], f"{r['noise']:g}", r["trials"], silent("rotation_changed"),
            silent("frame_changed"), f"{r['runs_warned']} of {r['runs']}",
            r.get("old_frame_changed", "—"),
            fmt_ratio(r["time_new_over_old"]) if r.get("time_new_over_old") else "—",
        ])
    return run_line(doc) + "\n\n" + table(
        ["cloud", "noise", "trials", "new: changed by rotation", "new: changed by frame change",
         "new: runs warned", "old: changed by frame change", "time new / old"], rows)


@renderer("tangent_invariance", "time_range")
def _tangent_time_range(doc, arg):
    return fmt_range([r["time_new_over_old"] for r in doc["results"]["rows"]
                      if r.get("time_new_over_old")])


# -- high_dimensional --------------------------------------------------------------------------


def _hd_rows(doc):
    return [r for r in doc["results"]["rows"] if "error" not in r]


@renderer("high_dimensional", "table")
def _hd_table(doc, arg):
    rows = []
    for r in doc["results"]["rows"]:
        name = f"{fmt_count(r['n'])} × {r['dim']}"
        if "error" in r:
            rows.append([name, "—", "—", "—", "—", "—", f"failed: {r['error']}"])
            continue
        rows.append([name, f"{r['time']:.1f} s", fmt_mib(r["peak"]), fmt_count(r["edges"]),
                     fmt_percent(100 * r["edges"] / r["pairs"], 2), f"{r['top']:.3f}",
                     r["capped"] or "—"])
    return run_line(doc) + "\n\n" + table(
        ["cloud", "time", "peak RSS", "edges kept", "of all pairs", "graph top (units of r)",
         "capped by"], rows)


@renderer("high_dimensional", "summary")
def _hd_summary(doc, arg):
    parts = []
    for r in _hd_rows(doc):
        cap = ", capped by the budget" if r["capped"] == "memory_budget" else ""
        parts.append(f"{fmt_count(r['n'])} × {r['dim']} in {r['time']:.1f} s at "
                     f"{fmt_mib(r['peak'])} peak RSS ({fmt_count(r['edges'])} edges, "
                     f"{fmt_percent(100 * r['edges'] / r['pairs'], 2)} of pairs{cap})")
    return "; ".join(parts)


# -- anomaly -----------------------------------------------------------------------------------

ANOMALY_DETECTORS = ("SheafOutlierDetector", "IsolationForest", "LOF", "OCSVM")
MANIFOLD_SCORERS = ("SheafOutlierDetector", "LOF", "IsolationForest")


def _tabular(doc, data, variant, det):
    rows = doc["results"]["tabular"]["rows"]
    return _only(rows, "anomaly tabular", data=data, variant=variant, detector=det)


@renderer("anomaly", "tabular")
def _anomaly_tabular(doc, arg):
    tab = doc["results"]["tabular"]
    keys = list(dict.fromkeys((r["data"], r["variant"]) for r in tab["rows"]))
    rows = [[d, v, *(mean_sd(_tabular(doc, d, v, k)["auc_percent"], fmt_auc_percent)
                     for k in ANOMALY_DETECTORS)] for d, v in keys]
    return run_line(doc) + "\n\n" + table(["data", "variant", *ANOMALY_DETECTORS], rows)


@renderer("anomaly", "tabular_auc")
def _anomaly_tabular_auc(doc, arg):
    """``ARG`` = DATA/VARIANT/DETECTOR: the mean ROC-AUC in %."""
    data, variant, det = arg.split("/")
    v = _tabular(doc, data, variant, det)["auc_percent"]
    return fmt_auc_percent(sum(v) / len(v))


@renderer("anomaly", "adbench_spread")
def _anomaly_adbench(doc, arg):
    ref = doc["results"]["tabular"]["adbench_table_d4"][arg]
    return f"{fmt_auc_percent(min(ref.values()))}–{fmt_auc_percent(max(ref.values()))}"


def _manifold(doc, task, scorer):
    rows = doc["results"]["manifold"]["rows"]
    return _only(rows, "anomaly manifold", task=task, scorer=scorer)["auc"]


def _manifold_tasks(doc):
    return list(doc["results"]["manifold"]["sizes"])


def _components(doc):
    rows = doc["results"]["manifold"]["rows"]
    return list(dict.fromkeys(r["scorer"][6:] for r in rows if r["scorer"].startswith("ours: ")))


@renderer("anomaly", "manifold")
def _anomaly_manifold(doc, arg):
    sizes = doc["results"]["manifold"]["sizes"]
    rows = [[t, f"{sizes[t]['points']} / {sizes[t]['outliers']}",
             *(mean_sd(_manifold(doc, t, s)) for s in MANIFOLD_SCORERS)]
            for t in _manifold_tasks(doc)]
    return table(["task", "points / outliers", *MANIFOLD_SCORERS], rows)


@renderer("anomaly", "components")
def _anomaly_components(doc, arg):
    comps = _components(doc)
    rows = [[t, *(mean_sd(_manifold(doc, t, "ours: " + c)) for c in comps)]
            for t in _manifold_tasks(doc)]
    return table(["task", *comps], rows)


@renderer("anomaly", "manifold_auc")
def _anomaly_manifold_auc(doc, arg):
    """``ARG`` = a scorer: its mean ROC-AUC per manifold task, joined by `` / ``."""
    return " / ".join(fmt_auc(sum(v) / len(v))
                      for v in (_manifold(doc, t, arg) for t in _manifold_tasks(doc)))


@renderer("anomaly", "auc")
def _anomaly_auc(doc, arg):
    """``ARG`` = TASK/SCORER (a manifold task; SCORER a detector or ``ours: COMPONENT``)."""
    task, scorer = arg.split("/", 1)
    if scorer.startswith("ours:_"):  # a marker argument has no spaces: "ours:_frame"
        scorer = "ours: " + scorer[len("ours:_"):]
    v = _manifold(doc, task, scorer)
    return fmt_auc(sum(v) / len(v))


@renderer("anomaly", "collection_auc")
def _anomaly_collection_auc(doc, arg):
    """``ARG`` = SECTION/FEATURES/SETTING/DETECTOR (FEATURES with ``_`` for spaces)."""
    section, feats, setting, det = arg.split("/")
    row = _only(doc["results"][section]["rows"], "anomaly " + section,
                features=feats.replace("_", " "), setting=setting, detector=det)
    return fmt_auc(row["auc"])


@renderer("anomaly", "separated_settings")
def _anomaly_separated(doc, arg):
    """``ARG`` = SECTION/FEATURES: in how many settings every anomaly ranks above every normal."""
    section, feats = arg.split("/")
    rows = [r for r in doc["results"][section]["rows"] if r["features"] == feats.replace("_", " ")]
    if not rows:
        raise KeyError(f"no {section} rows for {feats}")
    k = sum(r["separated"] for r in rows)
    return "none" if k == 0 else f"{NUMBER_WORDS[k]} of {NUMBER_WORDS[len(rows)]}"


@renderer("anomaly", "n_components")
def _anomaly_n_components(doc, arg):
    return NUMBER_WORDS[len(_components(doc))]


def _collection_rows(section):
    return [[r["features"], r["setting"], r["detector"], fmt_auc(r["auc"]),
             "yes" if r["separated"] else "no", fmt_seconds(r["seconds_per_cloud"])]
            for r in section["rows"]]


@renderer("anomaly", "collection")
def _anomaly_collection(doc, arg):
    """``ARG`` = collection, series or real_series."""
    section = doc["results"][arg]
    if "skipped" in section:
        return f"(skipped in the recorded run: {section['skipped']})"
    what = {"collection": "every Möbius band above every cylinder",
            "series": "every twisted window above every normal one",
            "real_series": "every anomalous window above every normal one"}[arg]
    return table(["features", "setting", "detector", "ROC-AUC", what, "s / cloud"],
                 _collection_rows(section))


# -- sheaf_denoising ---------------------------------------------------------------------------

DENOISING_LABELS = {
    "sphere/rotation": "sphere, rotation field `e_z × x`",
    "flat-torus/parallel": "flat torus, parallel field `∂_u`",
    "sphere/noisy-points": "sphere, rotation field, points perturbed by 0.08",
    "sphere/scalar": "sphere, scalar `z + xy`",
}


@renderer("sheaf_denoising", "table")
def _denoising_table(doc, arg):
    rows = []
    for r in doc["results"]["rows"]:
        gp = "–" if r["graph_projection"] is None else fmt_rms(r["graph_projection"])
        rows.append([
            DENOISING_LABELS.get(r["workload"], r["workload"]), f"{r['sigma']:g}",
            fmt_rms(r["none"]), f"{fmt_rms(r['graph'])} (t={r['graph_t']:g})", gp,
            f"{r['sheaf']} {fmt_rms(r['sheaf_error'])} (t={r['sheaf_t']:g})",
            fmt_ratio(r["sheaf_over_graph"]),
        ])
    return run_line(doc) + "\n\n" + table(
        ["workload", "σ", "none", "graph", "graph+projection", "sheaf", "sheaf / graph"], rows)


def _denoising_rows(doc, arg):
    names = arg.split("+")
    rows = [r for r in doc["results"]["rows"] if r["workload"] in names]
    if not rows:
        raise KeyError(f"no sheaf_denoising rows for {names}")
    return rows


@renderer("sheaf_denoising", "gain")
def _denoising_gain(doc, arg):
    """``ARG`` = workloads joined by ``+``: range of 1 − sheaf / graph, in %."""
    return fmt_range([100 * (1 - r["sheaf_over_graph"]) for r in _denoising_rows(doc, arg)],
                     lambda x: f"{x:.0f}") + " %"


@renderer("sheaf_denoising", "loss")
def _denoising_loss(doc, arg):
    """``ARG`` = workloads joined by ``+``: range of sheaf / graph − 1, in %."""
    return fmt_range([100 * (r["sheaf_over_graph"] - 1) for r in _denoising_rows(doc, arg)],
                     lambda x: f"{x:.0f}") + " %"


@renderer("sheaf_denoising", "ratio_range")
def _denoising_ratio_range(doc, arg):
    return fmt_range([r["sheaf_over_graph"] for r in _denoising_rows(doc, arg)])


@renderer("sheaf_denoising", "error")
def _denoising_error(doc, arg):
    """``ARG`` = WORKLOAD/SIGMA/METHOD/T (T = 0 for the methods without diffusion)."""
    w1, w2, sigma, method, t = arg.split("/")
    row = _only(doc["results"]["rows"], "sheaf_denoising", workload=f"{w1}/{w2}",
                sigma=float(sigma))
    return fmt_rms(row["per_t"][method][t])


# -- flag_scaling ------------------------------------------------------------------------------


@renderer("flag_scaling", "h1")
def _flag_h1(doc, arg):
    res = doc["results"]
    rows = [[r["n"], fmt_count(r["edges"]), fmt_seconds(r["ripser_s"]),
             fmt_seconds(r["tdasheaf_s"]), fmt_ratio(r["ratio"]),
             f"{r['h1_bars_ripser']} / {r['h1_bars_tdasheaf']}"] for r in res["h1"]]
    text = run_line(doc) + "\n\n" + table(
        ["n", "edges", "ripser s", "tdasheaf s", "ratio", "H1 bars (ripser / tdasheaf)"], rows)
    if "growth_exponent" in res:
        g = res["growth_exponent"]
        text += (f"\n\ngrowth exponent (log-log slope of time vs n): ripser "
                 f"{g['ripser']:.2f}, tdasheaf {g['tdasheaf']:.2f}.")
    return text


@renderer("flag_scaling", "h2")
def _flag_h2(doc, arg):
    rows = []
    for r in doc["results"]["h2"]:
        before = "—" if r["before_s"] is None else fmt_seconds(r["before_s"])
        bratio = "—" if r["before_ratio"] is None else fmt_ratio(r["before_ratio"])
        rows.append([r["shape"], r["n"], fmt_count(r["edges"]), fmt_seconds(r["ripser_s"]),
                     fmt_seconds(r["tdasheaf_s"]), fmt_ratio(r["ratio"]), before, bratio,
                     r["h2_bars"], "agree" if r["agree"] else "DIFFER"])
    return table(["shape", "n", "edges", "ripser s", "tdasheaf s", "ratio",
                  "before s (3-skeleton + explicit)", "before ratio", "H2 bars", "barcodes"],
                 rows)


def _min_n(arg):
    return int(arg) if arg else 0


def _agree(ok: bool, what: str) -> None:
    """The prose around the ratios says the barcodes agree: refuse to render it otherwise."""
    if not ok:
        raise ValueError(f"{what}: barcodes differ from ripser's in the recorded run")


@renderer("flag_scaling", "h1_ratio_range")
def _flag_h1_range(doc, arg):
    """``ARG`` (optional) = smallest n included."""
    rows = [r for r in doc["results"]["h1"] if r["n"] >= _min_n(arg)]
    _agree(all(r["h1_bars_ripser"] == r["h1_bars_tdasheaf"] for r in rows), "H1")
    return fmt_range([r["ratio"] for r in rows])


@renderer("flag_scaling", "h1_sizes")
def _flag_h1_sizes(doc, arg):
    ns = [r["n"] for r in doc["results"]["h1"] if r["n"] >= _min_n(arg)]
    return f"{fmt_count(min(ns))} to {fmt_count(max(ns))}"


@renderer("flag_scaling", "h2_ratio_range")
def _flag_h2_range(doc, arg):
    rows = [r for r in doc["results"]["h2"] if r["n"] >= _min_n(arg)]
    _agree(all(r["agree"] for r in rows), "degrees 0-2")
    return fmt_range([r["ratio"] for r in rows])


@renderer("flag_scaling", "h2_before_range")
def _flag_h2_before(doc, arg):
    return fmt_range([r["before_ratio"] for r in doc["results"]["h2"]
                      if r["before_ratio"] is not None])


@renderer("flag_scaling", "h2_sizes")
def _flag_h2_sizes(doc, arg):
    ns = [r["n"] for r in doc["results"]["h2"]]
    return f"{fmt_count(min(ns))}–{fmt_count(max(ns))}"


RENDERERS["anomaly_real_series"] = RENDERERS["anomaly"]

# -- sheaf_cohomology -------------------------------------------------------------------------


def _sc_workload(doc, key):
    hits = [k for k in doc if k.split(":")[0] == key and isinstance(doc[k], dict)]
    if len(hits) != 1:
        raise KeyError(f"sheaf_cohomology workload {key!r}")
    return doc[hits[0]]


def _sc_variant(w, code):
    """A variant by its code: ``a``, ``b``, ... ``e2``, or a baseline name with ``_`` for spaces."""
    v = w["variants"]
    name = code.replace("_", " ")
    if name in v:
        return v[name]
    hits = [k for k in v if k.startswith(f"({code}) ")]
    if len(hits) != 1:
        raise KeyError(f"variant {code!r}")
    return v[hits[0]]


def _bars(v):
    return "/".join(str(b) for b in v.get("bars", []))


@renderer("sheaf_cohomology", "times")
def _sc_times(doc, arg):
    """``ARG`` = workload number (1 or 2): times, ratios, barcodes, memory if measured."""
    w = _sc_workload(doc, arg)
    best = w["best"]
    rows, mem = [], []
    for name, v in w["variants"].items():
        tdasheaf = "engine" in v
        rows.append([name if not tdasheaf else f"tdasheaf {name}",
                     *(fmt_seconds(v[k]) if tdasheaf else "—" for k in ("build", "sheaf",
                                                                        "engine")),
                     fmt_seconds(v["total"]), fmt_ratio(v["total"] / best["seconds"]),
                     _bars(v), v.get("barcode", "—")])
        if "memory" in v:
            m = v["memory"]
            nnz = v.get("nnz_delta1", 0) + sum(v.get("nnz_delta", []) or [])
            extra = m["peak"] - m["rss0"]
            mem.append([name, fmt_mib(m["peak"]), fmt_mib(extra),
                        "—" if not v.get("nnz_delta") else f"{nnz:.3g}",
                        "—" if not v.get("nnz_delta") else f"{extra / nnz:.1f}"])
    n_simp = "/".join(fmt_count(c) for c in w["complex"]["n_simplices"])
    text = (f"Torus n = {fmt_count(w['n'])}, degrees {tuple(w['degrees'])}, threshold "
            f"{w['threshold']:.5g}; simplices per dimension {n_simp}; best = {best['name']} "
            f"({fmt_seconds(best['seconds'])} s); tdasheaf total = build + sheaf + engine; "
            f"δ∘δ = 0 validation of the constant sheaf (not in the totals): "
            f"{fmt_seconds(w['validate_constant_sheaf'])} s.\n\n")
    text += table(["variant", "build s", "sheaf s", "engine s", "total s", "÷ best",
                   "bars per degree", "barcode"], rows)
    if w.get("key_ratios"):
        text += "\n\n" + table(["key ratio", "value"],
                                [[k, fmt_ratio(x)] for k, x in w["key_ratios"].items()])
    if mem:
        text += "\n\n" + table(["variant", "peak", "extra", "nnz(δ)", "extra B/nnz"], mem)
    return text


@renderer("sheaf_cohomology", "scaling")
def _sc_scaling(doc, arg):
    w = _sc_workload(doc, "3")
    rows = []
    for n, e in w["sizes"].items():
        skipped = "tdasheaf" not in e
        tri = e.get("triangles")
        rows.append([n, fmt_count(e["edges"]),
                     f"~{e['triangles_estimate']:.3g}" if tri is None else fmt_count(tri),
                     fmt_seconds(e["ripser"]),
                     *(["—"] * 4 if skipped else [fmt_seconds(e["build"]),
                                                   fmt_seconds(e["engine"]),
                                                   fmt_seconds(e["tdasheaf"]),
                                                   fmt_ratio(e["ratio"])]),
                     e.get("barcode", "skipped")])
    text = (f"Threshold fixed at {w['threshold']:.5g} (20th percentile of the n = 1000 sample's "
            "distances; density grows with n).\n\n")
    text += table(["n", "edges", "triangles", "ripser s", "ts build s", "ts engine s",
                   "ts total s", "ts / ripser", "barcode"], rows)
    if w.get("growth_exponent"):
        g = w["growth_exponent"]
        text += (f"\n\ngrowth exponent (log-log slope of time vs n): ripser "
                 f"{g['ripser']:.2f}, tdasheaf {g['tdasheaf']:.2f}.")
    return text


@renderer("sheaf_cohomology", "ratio")
def _sc_ratio(doc, arg):
    """``ARG`` = WORKLOAD/VARIANT/ripser or WORKLOAD/VARIANT/best (total time ratio)."""
    key, code, over = arg.split("/")
    w = _sc_workload(doc, key)
    v = _sc_variant(w, code)
    base = w["best"]["seconds"] if over == "best" else _sc_variant(w, over)["total"]
    return fmt_ratio(v["total"] / base)


@renderer("sheaf_cohomology", "engine_ratio")
def _sc_engine_ratio(doc, arg):
    """``ARG`` = WORKLOAD/VARIANT/OTHER: engine time of VARIANT over OTHER's."""
    key, code, other = arg.split("/")
    w = _sc_workload(doc, key)
    return fmt_ratio(_sc_variant(w, code)["engine"] / _sc_variant(w, other)["engine"])


@renderer("sheaf_cohomology", "best")
def _sc_best(doc, arg):
    return _sc_workload(doc, arg)["best"]["name"]


@renderer("sheaf_cohomology", "complex")
def _sc_complex(doc, arg):
    w = _sc_workload(doc, arg)
    c = w["complex"]["n_simplices"]
    names = ("points", "edges", "triangles", "tetrahedra")
    return ", ".join(f"{f'{x / 1e6:.1f} M' if x >= 1e6 else fmt_count(x)} {names[i]}"
                     for i, x in enumerate(c))


# -- engine_vs_peers ---------------------------------------------------------------------------

EVP_PEERS = {"ripser": "ripser.py", "gudhi": "gudhi + edge collapse", "gph": "giotto-ph",
             "gph_collapse": "giotto-ph + collapse"}


def _evp_seconds(row, T):
    """Median seconds per column at ``T`` (None when not measured) and the tdasheaf variants."""
    ours = (row["ours"].get(str(T)) or {}).get("variants", {})
    g = None if row["gph"] is None else row["gph"]["results"].get(str(T))
    out = {k: ours[k]["median"] if k in ours else None
           for k in ("constant", "no_collapse", "orientation")}
    out.update(ripser=row["ripser"]["median"], gudhi=row["gudhi"]["median"],
               gph=None if g is None else g["plain"]["median"],
               gph_collapse=None if g is None else g["collapse"]["median"])
    return out, ours


def _evp_row(doc, arg):
    """``ARG`` = SHAPE/N/T."""
    shape, n, T = arg.split("/")
    return _only(doc["results"]["rows"], "engine_vs_peers", shape=shape, n=int(n)), int(T)


@renderer("engine_vs_peers", "table")
def _evp_table(doc, arg):
    res = doc["results"]
    rows = []
    for row in res["rows"]:
        for T in res["threads"]:
            s, ours = _evp_seconds(row, T)
            peers = {k: s[k] for k in EVP_PEERS if s[k] is not None}
            best = min(peers, key=peers.get)
            o = s["constant"]
            orient = "—" if s["orientation"] is None or o is None else fmt_ratio(
                s["orientation"] / o)
            m = ours.get("constant", {})
            peak = None if m.get("peak_rss") is None else fmt_mib(m["peak_rss"]) + (
                "" if m.get("rss_before") is None
                else f" (+{fmt_mib(m['peak_rss'] - m['rss_before'])})")
            rows.append([row["label"], T, "—" if o is None else fmt_seconds(o),
                         "—" if s["no_collapse"] is None else fmt_seconds(s["no_collapse"]),
                         *("—" if s[k] is None else fmt_seconds(s[k]) for k in EVP_PEERS),
                         "—" if o is None else f"{fmt_ratio(o / peers[best])} ({EVP_PEERS[best]})",
                         orient, "—" if peak is None else peak,
                         ("agree" if not row["differ"] else "DIFFER")
                         + ("; tdasheaf failed" if row.get("failed") else "")])
    text = run_line(doc) + "\n\n" + table(
        ["cloud, degrees", "threads", "tdasheaf s", "tdasheaf collapse=False s",
         *(f"{v} s" for v in EVP_PEERS.values()), "tdasheaf ÷ fastest peer",
         "orientation ÷ constant sheaf", "tdasheaf peak RSS (+ during the run)", "barcodes"],
        rows)
    if any(r["gph"] is None for r in res["rows"]):
        text += "\n\n(giotto-ph was not available for every row of this run: — in its columns.)"
    return text


@renderer("engine_vs_peers", "ratio")
def _evp_ratio(doc, arg):
    """``ARG`` = SHAPE/N/T/PEER: tdasheaf's time over PEER's (ripser, gudhi, gph, gph_collapse,
    best) or, with PEER = orientation, the orientation sheaf's time over the constant sheaf's."""
    shape, n, T, peer = arg.split("/")
    row, T = _evp_row(doc, f"{shape}/{n}/{T}")
    _agree(not row["differ"], f"engine_vs_peers {shape} n={n}")
    s, _ = _evp_seconds(row, T)
    if peer == "orientation":
        return fmt_ratio(s["orientation"] / s["constant"])
    if peer == "best":
        return fmt_ratio(s["constant"] / min(s[k] for k in EVP_PEERS if s[k] is not None))
    return fmt_ratio(s["constant"] / s[peer])


renderer("engine_vs_peers", "command")(_command)
renderer("engine_vs_peers", "run")(_run)


# -- registration of the per-file command / run lines ------------------------------------------

for _name in ("shape_classification", "features_vs_giotto", "float_engine", "tangent_invariance",
              "high_dimensional", "anomaly", "sheaf_denoising", "flag_scaling",
              "sheaf_cohomology", "batch_throughput", "anomaly_real_series"):
    renderer(_name, "command")(_command)
    renderer(_name, "run")(_run)


# ----------------------------------------------------------------------------------------------
# Rendering and checking
# ----------------------------------------------------------------------------------------------


def load_results(name: str, results_dir: Path = RESULTS, cache: dict | None = None) -> dict:
    cache = {} if cache is None else cache
    if name not in cache:
        path = Path(results_dir) / f"{name}.json"
        if not path.is_file():
            raise RenderError(f"results file {path} does not exist")
        with open(path, encoding="utf-8") as f:
            cache[name] = json.load(f)
    return cache[name]


def render_block(name: str, block: str, arg: str | None, results_dir: Path = RESULTS,
                 cache: dict | None = None) -> str:
    """The text of one marker (without the surrounding line breaks of a block)."""
    label = f"bench:{name}:{block}" + (f":{arg}" if arg else "")
    doc = load_results(name, results_dir, cache)
    fn = RENDERERS.get(name, {}).get(block)
    if fn is None:
        raise RenderError(f"{label}: no renderer {block!r} for {name!r}")
    try:
        return fn(doc, arg)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise RenderError(f"{label}: {name}.json lacks what the marker needs ({exc!r})") from exc


def render_text(text: str, results_dir: Path = RESULTS, errors: list | None = None) -> str:
    """``text`` with every marker's body replaced by what its JSON file says.

    A marker that cannot be rendered raises :class:`RenderError`, unless ``errors`` is a list:
    then the marker is left as it is and the error appended (the write mode of ``main``).
    """
    cache: dict = {}

    def sub(m):
        try:
            out = render_block(m["name"], m["block"], m["arg"], results_dir, cache)
        except RenderError as exc:
            if errors is None:
                raise
            errors.append(exc)
            return m.group(0)
        if m["body"].startswith("\n"):
            out = "\n" + out + "\n"
        return m.group(0)[: m.start("body") - m.start()] + out + "<!-- /bench -->"

    rendered = MARKER.sub(sub, text)
    opened = text.count("<!-- bench:")
    closed = text.count("<!-- /bench -->")
    if opened != closed or opened != len(MARKER.findall(text)):
        raise RenderError(f"{opened} opening and {closed} closing bench markers do not pair up")
    return rendered


def quoted_files(root: Path = ROOT) -> list[Path]:
    files = []
    for pattern in DOCS:
        files += sorted(Path(root).glob(pattern))
    return files


def check(root: Path = ROOT, results_dir: Path = RESULTS) -> list[str]:
    """Problems (stale blocks as unified diffs, or render errors); empty when all is current."""
    problems = []
    for path in quoted_files(root):
        text = path.read_text(encoding="utf-8")
        try:
            new = render_text(text, results_dir)
        except RenderError as exc:
            problems.append(f"{path.relative_to(root)}: {exc}")
            continue
        if new != text:
            diff = difflib.unified_diff(text.splitlines(), new.splitlines(),
                                        str(path.relative_to(root)), "rendered from JSON",
                                        lineterm="", n=0)
            problems.append("\n".join(diff))
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 and show a diff if a block is stale")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p)
        print("quoted figures: " + ("STALE" if problems else "up to date"))
        return 1 if problems else 0
    failed = 0
    for path in quoted_files():  # one marker that cannot be rendered does not block the others
        text = path.read_text(encoding="utf-8")
        errors: list = []
        try:
            new = render_text(text, errors=errors)
        except RenderError as exc:  # unpaired markers
            errors, new = [exc], text
        for exc in errors:
            print(f"{path.relative_to(ROOT)}: marker left as it is: {exc}")
        failed += len(errors)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
