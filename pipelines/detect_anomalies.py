"""Anomaly detection: point clouds, table rows or time-series windows → ranked anomaly scores
(``tdasheaf-anomalies``).

Usage::

    tdasheaf-anomalies scans/ -o scores.csv --report scores.html     # which clouds stand out
    tdasheaf-anomalies new_scans/ --fit-on clean_scans/ --save-model scans.joblib -o new.csv
    tdasheaf-anomalies table.csv --mode points --columns x,y,z -o points.parquet
    tdasheaf-anomalies sensor.csv --window 200 --stride 50 --columns temp --time-column time

Modes (``--mode``; the items scored, one output row each)
    ``clouds``  a collection of point clouds (files, folders, globs, as ``tdasheaf-extract``
                reads them: :func:`tdasheaf.io.find_sources`) → one feature row per cloud
                (:class:`tdasheaf.SheafFeatures` by default, the feature flags and ``[features]``
                of ``tdasheaf-extract``, computed by :func:`tdasheaf.batch.extract_features`, so
                that a cloud that cannot be read or featurised becomes an error row) → detector.
    ``points``  one table (rows = points or samples, numeric columns; ``--columns`` picks them,
                ``--id-column`` names the rows) → :class:`tdasheaf.SheafOutlierDetector` on the
                rows; its score components are written too (``component_residual``, ...: the
                largest says *why* a point is anomalous). A row with a missing or infinite value
                becomes an error row.
    ``series``  one time series (a table or an ``.npy`` array; ``--columns`` picks one or several
                channels, ``--time-column`` is carried to the output) →
                :class:`tdasheaf.SlidingWindow` (``--window``, ``--stride``) →
                :class:`tdasheaf.TakensEmbedding` (``--dimension``, ``--delay``, ``auto`` by
                default: mutual information and false nearest neighbours) → one point cloud per
                window → features → detector; ``start`` and ``end`` (sample indices, end
                exclusive) of each window are written. A window holding a missing value becomes
                an error row.

    Without ``--mode``: the mode of ``--model``; else ``series`` when ``--window`` is given;
    else ``clouds`` for several inputs, a folder, a glob, an ``.npz`` holding several arrays or
    a table with ``--id-column`` (a long table of clouds, as in ``tdasheaf-extract``); else
    ``points`` (one file holding one table).

Detectors (``--detector``)
    ``lof`` (default for clouds and series): ``LocalOutlierFactor(novelty=True)`` with
    ``--lof-neighbors`` (10, at most the fitted rows − 1) on standardised features. Why not
    the isolation forest: fitted on clean references, an isolation forest never splits on a
    feature that is constant on all of them — and the orientation features of SheafFeatures
    *are* constant on every orientable reference (one global section at every scale), so a
    Möbius band among cylinders goes unseen (ROC-AUC 0.79 in
    ``pipelines/benchmarks/anomaly.py``). LOF measures distances: a deviation in a column that
    was constant on the reference counts in full (``StandardScaler`` leaves such columns in their
    own units), and it ranks every Möbius band above every cylinder both fitted on the scored
    set and fitted on clean cylinders. ``isolation-forest`` (100 trees, ``--random-state``)
    remains for fit-and-score runs on broad feature tables.
    ``sheaf`` (default and recommended for points): :class:`tdasheaf.SheafOutlierDetector`,
    ``--n-neighbors`` its base neighbourhood (default 20). Not offered for clouds and series:
    feature rows are few, and it refuses columns that are constant on the fitted rows.
    ``--scale`` (``standard`` for clouds and series, ``none`` for points: coordinates keep their
    geometry; scale a table of unrelated features with ``minmax``) is fitted with the detector.
    ``--contamination auto|FLOAT``: the threshold of ``is_anomaly`` — ``auto`` is the detector's
    own (LOF > 1.5; sheaf: a score 3 robust scales above its median; isolation forest:
    scikit-learn's), a float in (0, 0.5] flags that fraction of the fitted rows.

Fitting
    ``--fit-on REF`` fits everything learnt (the embedding's ``auto`` delay and dimension, rips
    vectoriser grids, scaler, detector) on reference data of the same mode and scores the inputs
    against it, never refitting on them. Without it the inputs are fitted and scored (for LOF and
    the sheaf detector the scores of the fitted rows are ``negative_outlier_factor_``: no row is
    its own neighbour). ``--save-model PATH`` stores the fitted pipeline with joblib (a small
    dict: mode, settings, feature transformer, embedding, scaler and detector, tdasheaf version);
    ``--model PATH`` scores new inputs with it (nothing is refitted; a model of another mode or
    tdasheaf version is refused; the columns, window and features are the model's, and a flag
    that contradicts them is refused; ``--time-column`` defaults to the model's). A joblib file
    is a pickle: loading one runs code from it, so load only models you made or got from a
    trusted source.

Output (``-o``, ``.csv`` or ``.parquet``, written atomically): ``id``, ``score`` (higher = more
anomalous), ``rank`` (1 = most anomalous, ties by id), ``is_anomaly``, plus ``start``, ``end``
(and ``time_start``, ``time_end``) for windows and ``component_*`` for the sheaf detector; rows
in input order. Error rows go to ``OUT.errors.csv`` (``id``, ``error``, ``message``; only the
header when none failed). ``--report PATH``: an HTML page (:func:`tdasheaf.report.write_html`)
with the scores, their histogram, the errors and a figure (points: the cloud coloured by score;
series: the series with the flagged windows shaded; clouds: the three top-ranked clouds).

Settings come from ``--config FILE.toml`` — ``[features]`` and ``[run]`` as for
``tdasheaf-extract`` (one file can serve both commands), ``[anomalies]`` with the keys of
:data:`ANOMALY_DEFAULTS` — then the flags, which override the file.

Every file the command writes (``-o``, ``OUT.errors.csv``, ``--report``, ``--save-model``) is
checked for writability before any work. In series mode a column named like a time stamp
(``time``, ``date``, ``timestamp``, ``time_s``...) is never a channel unless ``--columns``
names it. ``--memory-budget SIZE`` (``2G``, ``500M``, bytes; ``memory_budget`` in ``[run]``)
sets the features' ``memory_budget`` (clouds and series modes).

Exit status: 0 all items scored, 3 some failed (rows of the good ones written), 2 bad arguments
(unknown option or mode, missing input, bad TOML, output not .csv/.parquet or not writable, a
series shorter than the window, fewer rows than the detector needs, a ``--model`` of another
mode or version, an unreachable Dask scheduler), 130 interrupted.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import tdasheaf

try:
    from tdasheaf_pipelines import _cli, _scoring, _tables
except ImportError:  # pragma: no cover - run as a script from a checkout that is not installed
    import _cli
    import _scoring
    import _tables

BadArguments = _cli.BadArguments
PROG = "tdasheaf-anomalies"
MODES = ("clouds", "points", "series")
DETECTORS = ("lof", "isolation-forest", "sheaf")
DEFAULT_DETECTOR = {"clouds": "lof", "series": "lof", "points": "sheaf"}
DEFAULT_SCALE = {"clouds": "standard", "series": "standard", "points": "none"}
DEFAULT_OUTPUT = "anomaly_scores.csv"

#: The ``[anomalies]`` settings of the TOML file (flags of the same names override them).
ANOMALY_DEFAULTS = {
    "mode": None,  # inferred (module docstring)
    "fit_on": None,  # reference inputs: a path or a list of paths
    "detector": None,  # lof (clouds, series) or sheaf (points)
    "contamination": "auto",
    "lof_neighbors": None,  # 10 for clouds and series, 20 for points (at most n_fit - 1)
    "scale": None,  # standard (clouds, series) or none (points)
    "random_state": 0,  # isolation forest
    "columns": None,  # points: feature columns; series: channels (default: numeric columns)
    "time_column": None,  # series
    "window": None,  # series: samples per window (required)
    "stride": None,  # series: default window // 2
    "dimension": "auto",  # series: Takens embedding dimension
    "delay": "auto",  # series: Takens delay
}
#: Settings a saved model fixes, per mode (a conflicting flag or TOML value is refused).
MODEL_KEYS = {
    "clouds": (*_cli.FEATURE_DEFAULTS, "detector", "contamination", "lof_neighbors", "scale"),
    "points": ("n_neighbors", "detector", "contamination", "lof_neighbors", "scale", "columns"),
    "series": (
        *_cli.FEATURE_DEFAULTS,
        "detector",
        "contamination",
        "lof_neighbors",
        "scale",
        "columns",
        "window",
        "stride",
        "dimension",
        "delay",
    ),
}
_EPILOG = """\
modes (one output row per item; default: the mode of --model, else series when --window is
given, else clouds for several inputs, a folder, a glob or a many-cloud file (a table whose
--id-column repeats values), else points):
  clouds  point clouds -> SheafFeatures (the feature flags of tdasheaf-extract) -> detector
  points  the rows of one table -> SheafOutlierDetector; component_* columns say why
  series  one series -> windows (--window, --stride) -> Takens embedding (--dimension,
          --delay) -> SheafFeatures -> detector; start, end columns (sample indices)

detectors: lof, the default for clouds and series: LocalOutlierFactor(novelty=True) on
standardised features (an isolation forest fitted on clean references never splits on a
feature constant on them - e.g. the orientation features of orientable shapes - and misses
what they show); isolation-forest; sheaf, the default for points.
output: id, score (higher = more anomalous), rank (1 = most anomalous), is_anomaly; failed
items in OUT.errors.csv.

examples:
  # 1. Which clouds of a folder are unlike the others? Fit and score the same set; error rows
  #    (unreadable or degenerate clouds) go to scores.csv.errors.csv, exit status 3.
  tdasheaf-anomalies scans/ -o scores.csv --sheaves constant,orientation --report scores.html

  # 2. Which points of new tables are anomalous, judged against a clean reference table?
  #    Fit once, keep the model, score later files with it (nothing is refitted).
  tdasheaf-anomalies day1.csv --mode points --columns x,y,z --fit-on clean.csv \\
      --save-model points.joblib -o day1_scores.parquet
  tdasheaf-anomalies day2.csv --model points.joblib -o day2_scores.parquet

  # 3. Which windows of a sensor series are anomalous? Windows of 200 samples every 50, Takens
  #    delay and dimension chosen on a normal week; one row per window with start, end.
  tdasheaf-anomalies sensor.csv --window 200 --stride 50 --columns temperature \\
      --time-column time --fit-on normal_week.csv -o windows.csv --report windows.html

--model loads a joblib file, which is a pickle: loading it runs code from it. Load only
models you saved yourself or got from a trusted source.

Exit status: 0 ok, 3 some items failed, 2 bad arguments, 130 interrupted.
"""


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------


def _contamination(text: str):
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a number, got {text!r}") from None


def _auto_or_int(text: str):
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or an integer, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = _cli.Parser(
        prog=PROG,
        description=(
            "Score point clouds, table rows or time-series windows for anomalies with sheaf "
            "features and a detector; write one ranked row per item."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_EPILOG,
    )
    p.add_argument("inputs", nargs="*", help="files, folders or globs (points, series: one file)")
    p.add_argument("-o", "--output", help=f".csv or .parquet (default {DEFAULT_OUTPUT})")
    p.add_argument(
        "--config", type=Path, help="TOML file with [features], [run], [anomalies] sections"
    )
    a = p.add_argument_group("anomalies (override the TOML file's [anomalies])")
    a.add_argument("--mode", choices=MODES, help="default: inferred (see 'modes' below)")
    a.add_argument(
        "--fit-on",
        action="append",
        metavar="REF",
        help="reference data of the same mode: fit on it, score the inputs (repeatable)",
    )
    a.add_argument("--model", type=Path, help="score with a saved model (trusted files only)")
    a.add_argument("--save-model", type=Path, help="save the fitted model (joblib)")
    a.add_argument(
        "--detector", choices=DETECTORS, help="default lof (clouds, series), sheaf (points)"
    )
    a.add_argument(
        "--contamination", type=_contamination, help="'auto' (default) or a fraction in (0, 0.5]"
    )
    a.add_argument("--lof-neighbors", type=int, help="LOF neighbours (default 10; points 20)")
    a.add_argument(
        "--scale",
        choices=("standard", "minmax", "none"),
        help="scaling before the detector (default standard; points none)",
    )
    a.add_argument("--random-state", type=int, help="seed of the isolation forest (default 0)")
    a.add_argument(
        "--columns",
        "--column",
        type=_cli.csv_list(str),
        help="points: feature columns; series: channels (names or 0-based positions)",
    )
    a.add_argument("--time-column", help="series: time stamps, copied to time_start/time_end")
    a.add_argument("--window", type=int, help="series: samples per window")
    a.add_argument("--stride", type=int, help="series: samples between windows (window // 2)")
    a.add_argument("--dimension", type=_auto_or_int, help="series: Takens dimension (auto)")
    a.add_argument("--delay", type=_auto_or_int, help="series: Takens delay (auto)")
    _cli.add_feature_arguments(
        p,
        "features of clouds and windows (as tdasheaf-extract; override [features])",
        n_neighbors_help="local PCA neighbourhood (sheaf features; points: the detector's, 20)",
    )
    r = p.add_argument_group("run")
    _cli.add_run_arguments(
        r,
        id_column_help="clouds: the cloud column of a long table; points: the row ids",
    )
    return p


def _explicit(args, config: dict) -> dict:
    """Settings given by a flag or the TOML file (not defaults), name → value."""
    out = {}
    for section, defaults in (
        ("features", _cli.FEATURE_DEFAULTS),
        ("anomalies", ANOMALY_DEFAULTS),
    ):
        for key in defaults:
            value = getattr(args, key, None)
            if value is None:
                value = config[section].get(key)
            if value is not None:
                out[key] = value
    return out


def _validate_options(opts: dict) -> None:
    def fail(key, what):
        raise BadArguments(f"{key.replace('_', '-')} must be {what}, got {opts[key]!r}.")

    def positive_int(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 1

    if opts["mode"] is not None and opts["mode"] not in MODES:
        fail("mode", f"one of {', '.join(MODES)}")
    if opts["detector"] is not None and opts["detector"] not in DETECTORS:
        fail("detector", f"one of {', '.join(DETECTORS)}")
    if opts["scale"] is not None and opts["scale"] not in ("standard", "minmax", "none"):
        fail("scale", "standard, minmax or none")
    c = opts["contamination"]
    if c != "auto" and not (
        isinstance(c, (int, float)) and not isinstance(c, bool) and 0 < c <= 0.5
    ):
        fail("contamination", "'auto' or a number in (0, 0.5]")
    for key in ("lof_neighbors", "window", "stride"):
        if opts[key] is not None and not positive_int(opts[key]):
            fail(key, "a positive integer")
    for key in ("dimension", "delay"):
        if opts[key] != "auto" and not positive_int(opts[key]):
            fail(key, "'auto' or a positive integer")
    if not (isinstance(opts["random_state"], int) and not isinstance(opts["random_state"], bool)):
        fail("random_state", "an integer")
    if opts["columns"] is not None and not (
        isinstance(opts["columns"], list) and all(isinstance(v, str) for v in opts["columns"])
    ):
        fail("columns", "a list of column names")
    if opts["time_column"] is not None and not isinstance(opts["time_column"], str):
        fail("time_column", "a column name")
    fit_on = opts["fit_on"]
    if isinstance(fit_on, str):
        opts["fit_on"] = [fit_on]
    elif fit_on is not None and not (
        isinstance(fit_on, list) and fit_on and all(isinstance(v, str) for v in fit_on)
    ):
        fail("fit_on", "a path or a list of paths")


def _infer_mode(opts: dict, model: dict | None, inputs: list[str], id_column) -> str:
    if opts["mode"] is not None:
        return opts["mode"]
    if model is not None:
        return model["mode"]
    if opts["window"] is not None:
        return "series"
    if len(inputs) > 1 or not Path(inputs[0]).is_file():
        return "clouds"
    sources = _cli.find_cloud_sources(inputs, id_column=id_column)
    if id_column is not None:  # a long table of clouds, unless every id names a single row
        return "points" if all(_one_row(s) for s in sources) else "clouds"
    return "clouds" if len(sources) > 1 else "points"


def _one_row(source) -> bool:
    try:
        return len(source.load()) == 1
    except Exception:  # noqa: BLE001 - unreadable: let the clouds mode report it
        return False


def _warn(text: str, quiet: bool) -> None:
    if not quiet:
        print(f"{PROG}: warning: {text}", file=sys.stderr)


def _warner(quiet: bool):
    return lambda text: _warn(text, quiet)


# ----------------------------------------------------------------------------------------------
# The result of a mode
# ----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a mode returns to the command line: the tables, the model and the report's parts."""

    unit: str
    table: pd.DataFrame
    errors: pd.DataFrame
    model: dict
    fitted_on: str
    timing: dict = field(default_factory=dict)
    dataset: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    @property
    def n_total(self) -> int:
        return len(self.table) + len(self.errors)


def _new_model(mode: str, settings: dict, scored, **parts) -> dict:
    """The payload of a model fitted in this run (``scored``: a collection's Scored)."""
    if isinstance(scored, _scoring.Scored):
        parts.update(features=scored.transformer, feature_names=scored.feature_names)
        pipe, fitted_on = scored.pipe, scored.fitted_on
    else:
        pipe, fitted_on = scored
    return _scoring.build_model(mode, settings, MODEL_KEYS[mode], pipe, fitted_on, **parts)


# ----------------------------------------------------------------------------------------------
# clouds and series: features → detector
# ----------------------------------------------------------------------------------------------


def run_clouds(inputs, opts, features, run, model, batch, exclude, quiet) -> Outcome:
    find = {"id_column": run["id_column"], "recursive": run["recursive"], "exclude": exclude}
    sources = _cli.find_cloud_sources(inputs, **find, long_tables=True)
    if not sources:
        raise BadArguments(f"no point clouds found in {', '.join(map(str, inputs))}.")
    fit_sources = None
    if opts["fit_on"]:
        fit_sources = _cli.find_cloud_sources(opts["fit_on"], **find)
    scored = _scoring.score_collection(
        sources, fit_sources, model, features, opts, batch, _warner(quiet), "clouds"
    )
    table = _scoring.ranked_table(scored.ids, scored.score, scored.is_anomaly)
    by_id = {s.id: s for s in sources}
    top = table.sort_values("rank").head(3)
    clouds = {}
    for row in top.itertuples(index=False):
        try:
            clouds[f"{row.id} (rank {row.rank})"] = by_id[row.id].load()
        except Exception:  # noqa: BLE001 - a figure is not worth failing the run
            continue
    return Outcome(
        unit="clouds",
        table=table,
        errors=scored.errors,
        model=model or _new_model("clouds", {**features, **opts}, scored),
        fitted_on=scored.fitted_on,
        timing=scored.timing,
        dataset={
            "inputs": ", ".join(map(str, inputs)),
            "clouds": len(sources),
            "reference": ", ".join(opts["fit_on"] or []) or "none",
        },
        report={"clouds": clouds},
    )


# ----------------------------------------------------------------------------------------------
# points
# ----------------------------------------------------------------------------------------------


def _point_rows(frame: pd.DataFrame, path: str, columns: list[str], id_column):
    """``(X, ids)`` of a points table; ids from ``id_column`` (text, unique) or row numbers."""
    X = _tables.matrix(frame, columns, path)
    if id_column is None:
        return X, np.arange(len(frame))
    if id_column not in frame.columns:
        raise BadArguments(f"{path}: no id column {id_column!r}.")
    ids = pd.Index(frame[id_column].astype(str))
    if ids.has_duplicates:
        raise BadArguments(
            f"{path}: the id column {id_column!r} repeats {ids[ids.duplicated()][0]!r}; ids "
            "must be unique."
        )
    return X, ids.to_numpy()


def run_points(inputs, opts, features, run, model, explicit, quiet) -> Outcome:
    if len(inputs) != 1:
        raise BadArguments(f"points mode reads one table, got {len(inputs)} inputs.")
    if opts["fit_on"] is not None and len(opts["fit_on"]) != 1:
        raise BadArguments("points mode: --fit-on takes one table.")
    path, id_column = inputs[0], run["id_column"]
    t = time.perf_counter()
    frame = _tables.read_frame(path, "points")
    if model is not None:
        columns = list(model["columns"])
    else:
        columns = _tables.pick_columns(frame, opts["columns"], [id_column], path)
    X, ids = _point_rows(frame, path, columns, id_column)
    good = np.isfinite(X).all(axis=1)
    bad = np.flatnonzero(~good)
    errors = _scoring.error_frame(
        (ids[i], "ValueError", m)
        for i, m in zip(bad, _tables.nonfinite_messages(X, bad, columns), strict=True)
    )
    timing = {"reading": time.perf_counter() - t}
    n_neighbors = features["n_neighbors"] if "n_neighbors" in explicit else 20
    if model is not None:
        pipe, fitted = model["detector"], f"{model['fitted_on']} (--model)"
    else:
        if opts["fit_on"]:
            ref = opts["fit_on"][0]
            X_fit, _ = _point_rows(_tables.read_frame(ref, "points"), ref, columns, None)
            keep = np.isfinite(X_fit).all(axis=1)
            if not keep.all():
                _warn(
                    f"{ref}: {int((~keep).sum())} reference row(s) with missing or infinite "
                    "values are left out of the fit",
                    quiet,
                )
            X_fit = X_fit[keep]
            fitted = f"the {len(X_fit)} rows of {ref}"
        else:
            X_fit, fitted = X[good], f"the {int(good.sum())} rows scored"
        t = time.perf_counter()
        pipe = _scoring.fit_detector(
            _scoring.make_detector(opts["detector"], opts, len(X_fit), n_neighbors),
            X_fit,
            fitted,
            errors,
        )
        timing["detector fit"] = time.perf_counter() - t
    t = time.perf_counter()
    score, flags, comps = _scoring.detector_scores(
        pipe, X[good], fitted_on_X=model is None and not opts["fit_on"]
    )
    timing["scoring"] = time.perf_counter() - t
    extra = {}
    if comps is not None:
        extra = {f"component_{c}": comps[c].to_numpy() for c in comps.columns}
    table = _scoring.ranked_table(ids[good], score, flags, **extra)
    settings = {**opts, "n_neighbors": n_neighbors, "columns": columns}
    name = Path(path).name
    return Outcome(
        unit="points",
        table=table,
        errors=errors,
        model=model or _new_model("points", settings, (pipe, fitted), columns=columns),
        fitted_on=fitted,
        timing=timing,
        dataset={
            "input": path,
            "points": len(X),
            "columns": ", ".join(columns),
            "reference": (opts["fit_on"] or ["none"])[0],
        },
        report={"clouds": {f"{name} coloured by anomaly score": _drawn(X[good], score)}},
    )


def _drawn(X: np.ndarray, score: np.ndarray, most: int = 20000):
    """``(X, score, label)`` for the report's figure: at most ``most`` points, the top 1,000
    kept."""
    if len(X) <= most:
        return X, score, "anomaly score"
    keep = np.union1d(np.argsort(-score)[:1000], np.linspace(0, len(X) - 1, most - 1000, dtype=int))
    return X[keep], score[keep], "anomaly score"


# ----------------------------------------------------------------------------------------------
# series
# ----------------------------------------------------------------------------------------------


def _windows(frame: pd.DataFrame, path: str, columns: list[str], size: int, stride: int):
    """``(x, bounds, windows, ok)``: the channels, the window bounds, the windows, and which
    windows hold only finite values. Univariate windows are 2-D ``(n_windows, size)``."""
    x = _tables.matrix(frame, columns, path)
    try:
        bounds = tdasheaf.SlidingWindow(size=size, stride=stride).window_bounds(len(x))
    except ValueError as exc:
        raise BadArguments(f"{path}: {exc}") from exc
    windows = x[bounds[:, :1] + np.arange(size)[None, :]]  # as SlidingWindow.transform
    ok = np.isfinite(windows).all(axis=(1, 2))
    if x.shape[1] == 1:
        windows = windows[:, :, 0]
    return x, bounds, windows, ok


def _series_figure(frame, x, columns, time_column, table, name):
    from matplotlib.figure import Figure

    t = np.arange(len(x))
    label = "sample"
    if time_column is not None and pd.api.types.is_numeric_dtype(frame[time_column]):
        t, label = frame[time_column].to_numpy(dtype=np.float64), time_column
    step = max(1, len(x) // 20000)
    fig = Figure(figsize=(9.0, 3.2), layout="constrained")
    ax = fig.add_subplot()
    for j, c in enumerate(columns[:6]):
        ax.plot(t[::step], x[::step, j], lw=0.7, label=c)
    flagged = table.loc[table["is_anomaly"], ["start", "end"]].to_numpy()
    for start, end in flagged:
        ax.axvspan(t[start], t[end - 1], color="C3", alpha=0.18, lw=0)
    top = table.loc[table["rank"] == 1, ["start", "end"]].to_numpy()
    for start, end in top:
        ax.axvspan(t[start], t[end - 1], fill=False, edgecolor="C3", lw=1.2)
    ax.set_xlabel(label)
    ax.set_title(f"{name}: {len(flagged)} flagged window(s) shaded, rank 1 outlined")
    if len(columns) > 1:
        ax.legend(fontsize="small", loc="upper right")
    return fig


def _embed(embedding, windows, ids) -> list:
    try:
        clouds = embedding.transform(windows) if len(windows) else []
    except ValueError as exc:
        raise BadArguments(f"cannot embed the windows: {exc}") from exc
    return [_scoring.InMemoryCloud(str(i), np.asarray(c)) for i, c in zip(ids, clouds, strict=True)]


_TIME_NAME = re.compile(r"(^|[_\s.-])(time|date|datetime|timestamp|time_?stamp)([_\s.-]|$)", re.I)


def _time_like(frame: pd.DataFrame, time_column) -> list:
    """Columns named like time stamps (``time``, ``date``, ``timestamp``, ``time_s``...) or of a
    date-time type, other than ``time_column``: never data channels unless named."""
    return [
        c
        for c in frame.columns
        if c != time_column
        and (
            _TIME_NAME.search(str(c).strip()) is not None
            or pd.api.types.is_datetime64_any_dtype(frame[c])
        )
    ]


def run_series(inputs, opts, features, run, model, batch, quiet) -> Outcome:
    if len(inputs) != 1:
        raise BadArguments(f"series mode reads one series, got {len(inputs)} inputs.")
    if opts["fit_on"] is not None and len(opts["fit_on"]) != 1:
        raise BadArguments("series mode: --fit-on takes one series.")
    if run["id_column"] is not None:
        raise BadArguments("series mode has no --id-column (the windows are the items).")
    path, time_column = inputs[0], opts["time_column"]
    size = opts["window"]
    if size is None:
        raise BadArguments("series mode needs --window N (samples per window).")
    stride = opts["stride"] or max(1, size // 2)
    t = time.perf_counter()
    frame = _tables.read_frame(path, "series")
    if time_column is None and model is not None and model["time_column"] in frame.columns:
        time_column = model["time_column"]  # the default: the model's, when the file has it
    if time_column is not None and time_column not in frame.columns:
        raise BadArguments(f"{path}: no time column {time_column!r}.")
    if model is not None:
        columns = list(opts["columns"])
    else:
        stamps = [] if opts["columns"] else _time_like(frame, time_column)
        if stamps:
            _warn(
                f"{path}: column(s) {', '.join(map(repr, stamps))} look like time stamps and are "
                "not used as channels; name them with --columns to use them, or give "
                "--time-column to carry them to the output",
                quiet,
            )
        columns = _tables.pick_columns(frame, opts["columns"], [time_column, *stamps], path)
    x, bounds, windows, ok = _windows(frame, path, columns, size, stride)
    width = len(str(len(bounds) - 1))
    ids = np.array([f"w{k:0{width}d}" for k in range(len(bounds))])
    errors = _scoring.error_frame(
        (
            ids[k],
            "ValueError",
            f"samples {bounds[k, 0]}-{bounds[k, 1] - 1} hold a missing (NaN) or infinite value; "
            "interpolate or drop it",
        )
        for k in np.flatnonzero(~ok)
    )
    fit_items = None
    if model is not None:
        embedding = model["embedding"]
    else:
        fit_windows = windows[ok]
        if opts["fit_on"]:
            ref = opts["fit_on"][0]
            _, _, ref_windows, ref_ok = _windows(
                _tables.read_frame(ref, "series"), ref, columns, size, stride
            )
            if not ref_ok.all():
                _warn(
                    f"{ref}: {int((~ref_ok).sum())} reference window(s) with missing values "
                    "are left out of the fit",
                    quiet,
                )
            fit_windows = ref_windows[ref_ok]
        if len(fit_windows) == 0:
            raise BadArguments(f"{path}: no window without missing values to fit on.")
        embedding = tdasheaf.TakensEmbedding(dimension=opts["dimension"], delay=opts["delay"])
        try:
            embedding.fit(fit_windows)
        except ValueError as exc:
            raise BadArguments(f"cannot embed the windows: {exc}") from exc
        if opts["fit_on"]:
            fit_items = _embed(embedding, fit_windows, [f"ref{k}" for k in range(len(fit_windows))])
    score_items = _embed(embedding, windows[ok], ids[ok])
    timing = {"windows and embedding": time.perf_counter() - t}

    scored = _scoring.score_collection(
        score_items, fit_items, model, features, opts, batch, _warner(quiet), "windows"
    )
    timing.update(scored.timing)
    errors = pd.concat([errors, scored.errors], ignore_index=True)
    errors = errors.iloc[np.argsort(errors["id"].to_numpy(), kind="stable")].reset_index(drop=True)
    got = scored.ids
    index = np.searchsorted(ids, got)  # ids are sorted (zero-padded window numbers)
    extra = {"start": bounds[index, 0], "end": bounds[index, 1]}
    if time_column is not None:
        stamps = frame[time_column].to_numpy()
        extra.update(time_start=stamps[bounds[index, 0]], time_end=stamps[bounds[index, 1] - 1])
    table = _scoring.ranked_table(got, scored.score, scored.is_anomaly, **extra)
    settings = {**features, **opts, "stride": stride, "columns": columns}
    name = Path(path).name
    figure = _series_figure(frame, x, columns, time_column, table, name)
    return Outcome(
        unit="windows",
        table=table,
        errors=errors,
        model=model
        or _new_model("series", settings, scored, embedding=embedding, time_column=time_column),
        fitted_on=scored.fitted_on,
        timing=timing,
        dataset={
            "input": path,
            "samples": len(x),
            "channels": ", ".join(columns),
            "windows": f"{len(bounds)} of {size} samples, stride {stride}",
            "embedding": f"dimension {embedding.dimension_}, delay {embedding.delay_}",
            "reference": (opts["fit_on"] or ["none"])[0],
        },
        report={"figures": {f"{name}: the series, flagged windows shaded": figure}},
    )


def _check_model_use(model: dict, mode: str, explicit: dict, opts: dict, args) -> None:
    if model["mode"] != mode:
        raise BadArguments(
            f"--model {args.model} is a {model['mode']} model; it cannot score in {mode} mode "
            f"(drop --mode, or fit a {mode} model with --fit-on REF --save-model PATH)."
        )
    if opts["fit_on"]:
        raise BadArguments("--model is already fitted: give --model or --fit-on, not both.")
    if args.save_model is not None:
        raise BadArguments("--save-model with --model would only copy the model; copy the file.")
    stored = model["settings"]
    conflicts = [
        f"{k.replace('_', '-')}={explicit[k]!r} (model: {stored[k]!r})"
        for k in explicit
        if k in stored and _scoring.plain(explicit[k]) != _scoring.plain(stored[k])
    ]
    if conflicts:
        raise BadArguments(
            f"--model {args.model} fixes these settings, which the command line or config "
            f"changes: {'; '.join(conflicts)}. Drop them, or fit a new model."
        )


# ----------------------------------------------------------------------------------------------
# Summary, report, main
# ----------------------------------------------------------------------------------------------


def _summary(out: Outcome, output: Path, elapsed: float, detector: str) -> str:
    table = out.table
    top = table.sort_values("rank").head(5)
    lines = [
        f"{out.unit}: {out.n_total} total, {len(table)} scored, {len(out.errors)} failed; "
        f"{int(table['is_anomaly'].sum())} flagged as anomalies",
        f"detector: {detector}, fitted on {out.fitted_on}",
        f"time: {elapsed:.1f} s",
        "top 5: " + ", ".join(f"{r.id} ({r.score:.3g})" for r in top.itertuples(index=False)),
        f"scores: {output.resolve()}",
        f"errors: {_cli.errors_path(output).resolve()} ({len(out.errors)} rows)",
    ]
    for row in out.errors.head(5).itertuples(index=False):
        lines.append(f"  {row.id}: {row.error}: {row.message}")
    if len(out.errors) > 5:
        lines.append(f"  ... and {len(out.errors) - 5} more")
    return "\n".join(lines)


def _write_report(
    path: Path, out: Outcome, output: Path, mode: str, detector: str, model_path, saved
) -> Path:
    from tdasheaf import report

    results = {
        "title": f"{PROG}: {output.name}",
        "dataset": {"mode": mode, **out.dataset},
        "summary": {
            "n_total": out.n_total,
            "n_scored": len(out.table),
            "n_failed": len(out.errors),
            "n_anomalies": int(out.table["is_anomaly"].sum()),
            "detector": detector,
            "fitted on": out.fitted_on,
            "model loaded": str(model_path) if model_path else "no",
            "model saved": str(saved) if saved else "no",
            "output": str(output.resolve()),
            "errors": str(_cli.errors_path(output).resolve()),
        },
        "timing": out.timing,
        "errors": out.errors,
        "scores": out.table,
        **out.report,
        "notes": (
            "score: higher = more anomalous (the opposite of the detector's score_samples); "
            "rank 1 = the most anomalous, ties broken by id; is_anomaly: the detector's "
            "threshold (--contamination)."
        ),
    }
    return report.write_html(results, path)


def _run(argv) -> int:
    start = time.perf_counter()
    args = build_parser().parse_args(argv)
    config = _cli.load_config(
        args.config,
        {
            "features": _cli.FEATURE_DEFAULTS,
            "run": _cli.RUN_DEFAULTS,
            "anomalies": ANOMALY_DEFAULTS,
        },
    )
    features = _cli.settings(args, _cli.FEATURE_DEFAULTS, config["features"])
    run = _cli.settings(args, _cli.RUN_DEFAULTS, config["run"])
    opts = _cli.settings(args, ANOMALY_DEFAULTS, config["anomalies"])
    explicit = _explicit(args, config)
    _cli.validate_features(features)
    _cli.validate_run(run)
    _validate_options(opts)
    if args.report is not None:
        _cli.check_report_available()
    output = _cli.check_output(Path(run["output"] or DEFAULT_OUTPUT))
    # every file this run writes, checked before any work (not after the scoring)
    _cli.check_writable([output, _cli.errors_path(output), args.report, args.save_model])
    inputs = args.inputs or run["inputs"]
    if isinstance(inputs, str):
        inputs = [inputs]
    if not inputs:
        raise BadArguments("no inputs given: pass files, folders or globs (see the examples).")

    model = _scoring.load_model(args.model) if args.model is not None else None
    mode = _infer_mode(opts, model, inputs, run["id_column"])
    opts["mode"] = mode
    if model is not None:
        _check_model_use(model, mode, explicit, opts, args)
        opts.update({k: v for k, v in model["settings"].items() if k in opts})
    else:
        opts["detector"] = opts["detector"] or DEFAULT_DETECTOR[mode]
        opts["scale"] = opts["scale"] or DEFAULT_SCALE[mode]
        if opts["detector"] == "sheaf" and mode != "points":
            raise BadArguments(
                f"--detector sheaf scores points; for {mode} use lof (default) or "
                "isolation-forest (see --help)."
            )
    for key in ("window", "stride", "dimension", "delay", "time_column", "columns"):
        if key in explicit and (mode == "clouds" if key == "columns" else mode != "series"):
            where = "points and series modes" if key == "columns" else "series mode"
            raise BadArguments(f"--{key.replace('_', '-')} is for {where}, not {mode}.")

    budget = run["memory_budget"]
    if budget is not None:
        if mode == "points":
            raise BadArguments(
                "--memory-budget limits the features of clouds and windows; points mode "
                "computes none."
            )
        if model is not None:
            _cli.apply_memory_budget(model["features"], budget)
        features["memory_budget"] = budget  # read by _cli.build_transformer
    batch = _cli.batch_options(run, args.progress, args.quiet, prog=PROG)
    own = [output, _cli.errors_path(output)]
    own += [p for p in (args.report, args.save_model) if p is not None]
    try:
        if mode == "clouds":
            out = run_clouds(inputs, opts, features, run, model, batch, own, args.quiet)
        elif mode == "points":
            out = run_points(inputs, opts, features, run, model, explicit, args.quiet)
        else:
            out = run_series(inputs, opts, features, run, model, batch, args.quiet)
    except ConnectionError as exc:  # --dask: the scheduler cannot be reached
        raise BadArguments(str(exc)) from exc

    from tdasheaf.io import write_table

    write_table(out.table, output)
    write_table(out.errors, _cli.errors_path(output))
    saved = _scoring.save_model(out.model, args.save_model) if args.save_model is not None else None
    detector = _scoring.describe(out.model["detector"])
    if not args.quiet:
        print(_summary(out, output, time.perf_counter() - start, detector))
        if saved is not None:
            print(f"model: {saved}")
    if args.report is not None:
        path = _write_report(args.report, out, output, mode, detector, args.model, saved)
        if not args.quiet:
            print(f"report: {Path(path).resolve()}")
    return _cli.EXIT_SOME_FAILED if len(out.errors) else _cli.EXIT_OK


def main(argv=None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    return _cli.run_main(PROG, _run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
