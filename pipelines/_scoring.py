"""Scoring for ``tdasheaf-anomalies``: one scikit-learn pipeline (scaler, detector) for every
mode, its scores with a single sign convention, features → detector for collections (clouds and
windows, through :func:`tdasheaf.batch.extract_features`), the ranked output table, and the
``--save-model`` / ``--model`` payload.

Sign convention: ``score`` is the opposite of scikit-learn's ``score_samples`` (higher = more
anomalous), ``is_anomaly`` is ``score_samples < offset_`` — what the detector's ``predict``
calls −1 — so the threshold is each detector's own (``contamination``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import tdasheaf
from tdasheaf.batch import extract_features

try:
    from tdasheaf_pipelines._cli import (
        BadArguments,
        build_transformer,
        check_transformer,
        fit_reference,
    )
except ImportError:  # pragma: no cover - run as a script from a checkout that is not installed
    from _cli import BadArguments, build_transformer, check_transformer, fit_reference

MODEL_FORMAT = "tdasheaf-anomalies model"


def make_detector(name: str, opts: dict, n_fit: int, n_neighbors: int):
    """The unfitted ``Pipeline([("scale", ...), ("detector", ...)])`` of the settings."""
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    scaler = {"standard": StandardScaler(), "minmax": MinMaxScaler(), "none": "passthrough"}
    c = opts["contamination"]
    if name == "lof":
        k = opts["lof_neighbors"] or (20 if opts["mode"] == "points" else 10)
        detector = LocalOutlierFactor(
            n_neighbors=max(1, min(k, n_fit - 1)), novelty=True, contamination=c
        )
    elif name == "isolation-forest":
        detector = IsolationForest(
            n_estimators=100, contamination=c, random_state=opts["random_state"]
        )
    else:
        detector = tdasheaf.SheafOutlierDetector(
            n_neighbors=n_neighbors, contamination=c, novelty=True
        )
    return Pipeline([("scale", scaler[opts["scale"]]), ("detector", detector)])


def fit_detector(pipe, X: np.ndarray, what: str, errors: pd.DataFrame | None = None):
    """Fit the pipeline on ``X``; a refusal (too few rows, constant columns) is exit 2."""
    if len(X) < 2:
        hint = ""
        if errors is not None and len(errors):
            first = errors.iloc[0]
            hint = f"; {len(errors)} failed, e.g. {first['id']}: {first['message'].rstrip('.')}"
        raise BadArguments(
            f"cannot fit the detector on {what}: {len(X)} usable row(s), at least 2 are "
            f"needed{hint}."
        )
    try:
        return pipe.fit(X)
    except ValueError as exc:
        raise BadArguments(f"cannot fit the detector on {what}: {exc}") from exc


def detector_scores(pipe, X: np.ndarray, *, fitted_on_X: bool):
    """``(score, is_anomaly, components)`` of the rows of ``X``; never refits.

    ``score`` is the opposite of scikit-learn's ``score_samples`` (higher = more anomalous),
    ``is_anomaly`` is ``score_samples < offset_`` (what ``predict`` calls −1). For the rows the
    pipeline was fitted on (``fitted_on_X``) LOF and the sheaf detector give their training
    scores (``negative_outlier_factor_``), in which no row is its own neighbour.
    ``components``: the sheaf detector's standardised components (a DataFrame), else None.
    """
    det = pipe[-1]
    sheaf = isinstance(det, tdasheaf.SheafOutlierDetector)
    if fitted_on_X and hasattr(det, "negative_outlier_factor_"):
        raw = np.asarray(det.negative_outlier_factor_, dtype=np.float64)
        components = det.score_components_ if sheaf else None
    else:
        raw = np.asarray(pipe.score_samples(X), dtype=np.float64)
        components = det.score_components(pipe[:-1].transform(X)) if sheaf else None
    return -raw, raw < det.offset_, components


def describe(pipe) -> str:
    """One line naming the scaler, the detector and its main parameters."""
    det = pipe[-1]
    scale = pipe.named_steps["scale"]
    scaled = "" if scale == "passthrough" else f"{type(scale).__name__} → "
    k = getattr(det, "n_neighbors", None)
    extra = f", n_neighbors={k}" if k is not None else ""
    return f"{scaled}{type(det).__name__}(contamination={det.contamination!r}{extra})"


def ranked_table(ids, score: np.ndarray, is_anomaly: np.ndarray, **columns) -> pd.DataFrame:
    """The output table: rows in input order; rank 1 = highest score, ties broken by id."""
    ids = np.asarray(ids)
    order = np.lexsort((ids, -score))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(1, len(ids) + 1)
    table = pd.DataFrame({"id": ids, "score": score, "rank": rank, "is_anomaly": is_anomaly})
    for name, values in columns.items():
        table[name] = values
    return table


# ----------------------------------------------------------------------------------------------
# Collections (clouds, windows): features → detector
# ----------------------------------------------------------------------------------------------


def error_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["id", "error", "message"])


@dataclass(frozen=True)
class InMemoryCloud:
    """An in-memory cloud with the ``id`` / ``load()`` of a CloudSource (for fit_reference)."""

    id: str
    array: np.ndarray

    def load(self) -> np.ndarray:
        return self.array


def feature_rows(sources, transformer, batch: dict):
    """``(ids, F, errors, feature_names)`` through :func:`tdasheaf.batch.extract_features`.

    Rows with non-finite features join the errors (a detector cannot use them).
    """
    result = extract_features(sources, transformer, **batch)
    table = result.table()
    F = table.drop(columns="id").to_numpy(dtype=np.float64)
    ids = table["id"].astype(str).to_numpy()
    errors = result.errors
    bad = ~np.isfinite(F).all(axis=1)
    if bad.any():
        extra = error_frame(
            (i, "ValueError", "non-finite features (NaN or infinity): a degenerate cloud")
            for i in ids[bad]
        )
        errors = pd.concat([errors, extra], ignore_index=True)
    names = [str(c) for c in table.columns[1:]]
    return ids[~bad], F[~bad], errors, names


@dataclass
class Scored:
    """What :func:`score_collection` returns: the good rows' scores and the fitted parts."""

    ids: np.ndarray
    score: np.ndarray
    is_anomaly: np.ndarray
    errors: pd.DataFrame
    pipe: object
    transformer: object
    feature_names: list
    fitted_on: str
    timing: dict


def score_collection(
    score_sources, fit_sources, model, features, opts, batch, warn, unit: str
) -> Scored:
    """Features of the scored items (and of the reference) → fitted detector → scores.

    ``score_sources`` / ``fit_sources``: objects with ``id`` and ``load()`` (CloudSource or
    :class:`InMemoryCloud`); ``fit_sources=None`` fits on the scored items. With a loaded
    ``model`` its transformer and detector are used and nothing is fitted. Failed items become
    error rows (reference failures are reported through ``warn``).
    """
    timing = {}
    if model is not None:
        transformer = model["features"]
    else:
        transformer = build_transformer(features)
        check_transformer(transformer)
    if model is None and features["kind"] == "rips":
        t = time.perf_counter()
        transformer = fit_reference(
            transformer, fit_sources or score_sources, features["reference_size"], unit
        )
        timing["rips vectorisers fit"] = time.perf_counter() - t
    t = time.perf_counter()
    ids, F, errors, names = feature_rows(score_sources, transformer, batch)
    timing["features"] = time.perf_counter() - t
    if model is not None:
        if len(F) and names != list(model["feature_names"]):
            raise BadArguments(
                "the features computed now differ from the model's (another tdasheaf build?); "
                "fit the model again."
            )
        pipe, fitted = model["detector"], f"{model['fitted_on']} (--model)"
    else:
        if fit_sources is not None:
            t = time.perf_counter()
            _, F_fit, ref_errors, _ = feature_rows(fit_sources, transformer, batch)
            timing["reference features"] = time.perf_counter() - t
            if len(ref_errors):
                shown = "; ".join(f"{r.id}: {r.message}" for r in ref_errors.head(3).itertuples())
                warn(
                    f"{len(ref_errors)} reference {unit} failed and are left out of the fit "
                    f"({shown})"
                )
            what = f"the {len(F_fit)} reference {unit}"
        else:
            F_fit, what = F, f"the {len(F)} {unit} scored"
        name = opts["detector"]
        t = time.perf_counter()
        pipe = fit_detector(
            make_detector(name, opts, len(F_fit), features["n_neighbors"]),
            F_fit,
            what,
            ref_errors if fit_sources is not None else errors,
        )
        timing["detector fit"] = time.perf_counter() - t
        fitted = what
    t = time.perf_counter()
    if len(F):
        score, flags, _ = detector_scores(
            pipe, F, fitted_on_X=model is None and fit_sources is None
        )
    else:
        score, flags = np.zeros(0), np.zeros(0, dtype=bool)
    timing["scoring"] = time.perf_counter() - t
    return Scored(ids, score, flags, errors, pipe, transformer, names, fitted, timing)


# ----------------------------------------------------------------------------------------------
# Model files
# ----------------------------------------------------------------------------------------------


def build_model(mode: str, settings: dict, keys, pipe, fitted_on: str, **parts) -> dict:
    """The ``--save-model`` payload: the ``keys`` of the settings and the fitted estimators."""
    return {
        "format": MODEL_FORMAT,
        "tdasheaf_version": tdasheaf.__version__,
        "mode": mode,
        "settings": {k: plain(settings[k]) for k in keys if k in settings},
        "fitted_on": fitted_on,
        "detector": pipe,
        **parts,
    }


def plain(value):
    """Settings as plain data (tuples and lists alike), for storing and comparing."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def load_model(path: Path) -> dict:
    """The payload of ``--model PATH``, checked; a foreign or stale file is exit 2."""
    import joblib

    if not path.is_file():
        raise BadArguments(f"--model {path}: no such file.")
    try:
        model = joblib.load(path)
    except Exception as exc:  # whatever unpickling raises
        raise BadArguments(
            f"--model {path}: not a readable joblib file ({type(exc).__name__}: {exc})."
        ) from exc
    if not isinstance(model, dict) or model.get("format") != MODEL_FORMAT:
        raise BadArguments(
            f"--model {path}: not a tdasheaf-anomalies model (save one with --save-model)."
        )
    if model.get("tdasheaf_version") != tdasheaf.__version__:
        raise BadArguments(
            f"--model {path} was saved by tdasheaf {model.get('tdasheaf_version')}, this is "
            f"tdasheaf {tdasheaf.__version__}; fit it again (--fit-on REF --save-model PATH)."
        )
    return model


def save_model(model: dict, path: Path) -> Path:
    """``joblib.dump`` of the payload, atomically (:func:`tdasheaf.io.atomic_path`)."""
    import joblib

    from tdasheaf.io import atomic_path

    path = path.expanduser().absolute()
    with atomic_path(path) as tmp:
        joblib.dump(model, tmp)
    return path
