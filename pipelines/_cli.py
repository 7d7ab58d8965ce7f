"""What the command-line pipelines share: one implementation for ``tdasheaf-extract`` and
``tdasheaf-anomalies``.

* exit statuses and :class:`BadArguments` (exit 2), the argument parser that turns argparse's
  errors into it, and :func:`run_main` (one-line messages, no traceback, 130 on Ctrl-C);
* the feature settings (:data:`FEATURE_DEFAULTS`: ``--features``, ``--sheaves``, ... or the
  ``[features]`` table of a TOML file), their flags (:func:`add_feature_arguments`), their
  validation and the transformer they describe (:func:`build_transformer`,
  :func:`check_transformer`, :func:`fit_reference`);
* the run settings of a batch (``[run]``: inputs, output, chunks, workers, Dask) and their flags;
* TOML loading (:func:`load_config`), flags-over-file merging (:func:`settings`), the output
  check and the input listing (:func:`find_cloud_sources`).

The settings schema is the command line's (flat names as in the TOML files of
``pipelines/configs/``), not a library API: library users build the transformers directly.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

import tdasheaf

try:  # Python >= 3.11
    import tomllib
except ImportError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

EXIT_OK, EXIT_BAD_ARGS, EXIT_SOME_FAILED, EXIT_INTERRUPTED = 0, 2, 3, 130
EXIT_STATUS_HELP = "Exit status: 0 ok, 3 some {items} failed, 2 bad arguments, 130 interrupted."

#: Defaults of the feature settings (``[features]`` of the TOML file, or the flags).
FEATURE_DEFAULTS = {
    "kind": "sheaf",
    "sheaves": ["constant", "orientation", "tangent"],
    "degrees": [0, 1],
    "n_scales": None,  # 12 for sheaf features, 20 (bins) for rips vectorisers
    "scale_range": [1.0, 2.0],
    "n_neighbors": 15,
    "field": None,  # GF(65521) for sheaves, GF(2) for rips
    "n_spectral_scales": 3,
    "n_eigenvalues": 3,
    "frame_method": "auto",
    "dim": None,
    "max_edge_length": float("inf"),
    "vectorizers": ["betti", "entropy", "amplitude", "n_points"],
    "reference_size": 32,
}
#: Defaults of the run settings of a batch (``[run]``).
RUN_DEFAULTS = {
    "inputs": None,
    "output": None,
    "id_column": None,
    "recursive": False,
    "n_jobs": None,
    "chunk_size": 32,
    "dask": None,
}
VECTORIZERS = ("betti", "landscape", "image", "entropy", "amplitude", "n_points")


class BadArguments(Exception):
    """A bad command line, configuration or input set: exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse with its errors raised as :class:`BadArguments` (so ``main`` returns 2)."""

    def error(self, message):
        raise BadArguments(f"{message} (see {self.prog} --help)")


def csv_list(kind):
    """An argparse ``type`` for ``a,b,c`` lists of ``kind``."""

    def parse(text: str):
        try:
            return [kind(v.strip()) for v in text.split(",") if v.strip()]
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list: {exc}") from exc

    return parse


# ----------------------------------------------------------------------------------------------
# Flags
# ----------------------------------------------------------------------------------------------


def add_feature_arguments(
    parser: argparse.ArgumentParser, title: str | None = None, n_neighbors_help: str | None = None
):
    """The ``features`` group: every key of :data:`FEATURE_DEFAULTS` that has a flag."""
    f = parser.add_argument_group(title or "features (override the TOML file)")
    f.add_argument("--features", dest="kind", choices=("sheaf", "rips"))
    f.add_argument("--sheaves", type=csv_list(str), help="e.g. constant,orientation,tangent")
    f.add_argument("--degrees", type=csv_list(int), help="e.g. 0,1")
    f.add_argument("--n-scales", type=int, help="scales of the Betti grid (bins for rips)")
    f.add_argument("--scale-range", type=csv_list(float), help="LO,HI in units of r (sheaf)")
    f.add_argument(
        "--n-neighbors",
        type=int,
        help=n_neighbors_help or "local PCA neighbourhood size (sheaf)",
    )
    f.add_argument("--field", type=int, help="prime field of the barcodes")
    f.add_argument("--max-edge-length", type=float, help="Rips threshold (rips)")
    f.add_argument(
        "--vectorizers", type=csv_list(str), help=f"rips: comma list of {', '.join(VECTORIZERS)}"
    )
    f.add_argument("--reference-size", type=int, help="rips: clouds that fit the vectorisers")
    return f


def add_run_arguments(
    group,
    *,
    id_column_help: str = "column holding the cloud id in long tables",
    chunk_size_help: str = "clouds per task (default 32)",
):
    """The batch flags shared by the pipelines: ids, folders, workers, chunks, Dask, output."""
    group.add_argument("--id-column", help=id_column_help)
    group.add_argument(
        "--recursive", action="store_true", default=None, help="search folders deeply"
    )
    group.add_argument("--n-jobs", type=int, help="worker processes (-1: all cores); default 1")
    group.add_argument("--chunk-size", type=int, help=chunk_size_help)
    group.add_argument("--dask", metavar="ADDRESS|local", help="run on a Dask cluster")
    group.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    group.add_argument("--report", type=Path, help="also write an HTML report (tdasheaf.report)")
    group.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


# ----------------------------------------------------------------------------------------------
# Settings: TOML file, flags, validation
# ----------------------------------------------------------------------------------------------


def load_config(
    path: Path | None, sections: Mapping[str, Mapping], ignored: tuple[str, ...] = ()
) -> dict[str, dict]:
    """Section name → settings of a TOML file; unknown sections or keys are errors.

    ``sections`` maps each known section to its defaults (the known keys); sections in
    ``ignored`` belong to another pipeline and are skipped, so that one file can configure both.
    """
    out: dict[str, dict] = {name: {} for name in sections}
    if path is None:
        return out
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise BadArguments(f"cannot read the config file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadArguments(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(data) - set(sections) - set(ignored)
    if unknown:
        known = ", ".join(f"[{s}]" for s in sections)
        raise BadArguments(f"{path}: unknown section(s) {sorted(unknown)}; use {known}.")
    for name, known in sections.items():
        section = data.get(name, {})
        if not isinstance(section, dict):
            raise BadArguments(f"{path}: [{name}] must be a table.")
        bad = set(section) - set(known)
        if bad:
            raise BadArguments(
                f"{path}: unknown key(s) {sorted(bad)} in [{name}]; known: {sorted(known)}."
            )
        out[name] = section
    return out


def settings(args, defaults: Mapping, from_file: Mapping) -> dict:
    """Each key: the flag if given, else the file's value, else the default."""
    out = {}
    for key, default in defaults.items():
        flag = getattr(args, key, None)
        out[key] = flag if flag is not None else from_file.get(key, default)
    return out


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _fail(key: str, what: str, value) -> None:
    raise BadArguments(f"{key.replace('_', '-')} must be {what}, got {value!r}.")


def validate_features(features: Mapping) -> None:
    """Types and ranges of merged feature settings (the TOML file is not typed by argparse)."""
    for key in ("n_scales", "n_neighbors", "reference_size", "n_spectral_scales", "n_eigenvalues"):
        if features[key] is not None and not (_is_int(features[key]) and features[key] >= 1):
            _fail(key, "a positive integer", features[key])
    for key in ("field", "dim"):
        if features[key] is not None and not _is_int(features[key]):
            _fail(key, "an integer", features[key])
    for key, kind in (("sheaves", str), ("vectorizers", str), ("degrees", int)):
        value = features[key]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, kind) for v in value):
            _fail(key, f"a list of {kind.__name__}", value)
    scale_range = features["scale_range"]
    if not (
        isinstance(scale_range, (list, tuple))
        and len(scale_range) == 2
        and all(isinstance(v, (int, float)) for v in scale_range)
    ):
        _fail("scale_range", "two numbers LO,HI", scale_range)
    if not isinstance(features["max_edge_length"], (int, float)):
        _fail("max_edge_length", "a number", features["max_edge_length"])


def validate_run(run: Mapping) -> None:
    """Types and ranges of merged run settings."""
    if not (_is_int(run["chunk_size"]) and run["chunk_size"] >= 1):
        _fail("chunk_size", "a positive integer", run["chunk_size"])
    if run["n_jobs"] is not None and not _is_int(run["n_jobs"]):
        _fail("n_jobs", "an integer", run["n_jobs"])
    for key in ("output", "id_column", "dask"):
        if run[key] is not None and not isinstance(run[key], str):
            _fail(key, "a string", run[key])
    if not isinstance(run["recursive"], bool):
        _fail("recursive", "true or false", run["recursive"])
    if run["inputs"] is not None and not isinstance(run["inputs"], (str, list)):
        _fail("inputs", "a path or a list of paths", run["inputs"])


def batch_options(run: Mapping, progress: bool | None, quiet: bool) -> dict:
    """Keyword arguments of :func:`tdasheaf.batch.extract_features` from the run settings."""
    n_jobs = run["n_jobs"] if run["n_jobs"] is not None else (None if run["dask"] else 1)
    return {
        "chunk_size": run["chunk_size"],
        "n_jobs": n_jobs,
        "dask": run["dask"],
        "progress": False if quiet else progress,
    }


# ----------------------------------------------------------------------------------------------
# The feature transformer of the settings
# ----------------------------------------------------------------------------------------------


def build_transformer(features: Mapping):
    """The (unfitted) transformer of the feature settings.

    ``kind="sheaf"``: :class:`tdasheaf.SheafFeatures` (sample-wise, fitted per cloud by the
    batch). ``kind="rips"``: a ``Pipeline`` of :class:`tdasheaf.RipsPersistence` and a
    ``FeatureUnion`` of vectorisers, to be fitted once on reference clouds
    (:func:`fit_reference`) so that every row uses the same grids.
    """
    kind = features["kind"]
    if kind == "sheaf":
        return tdasheaf.SheafFeatures(
            sheaves=tuple(features["sheaves"]),
            degrees=tuple(features["degrees"]),
            n_scales=12 if features["n_scales"] is None else features["n_scales"],
            scale_range=tuple(features["scale_range"]),
            n_spectral_scales=features["n_spectral_scales"],
            n_eigenvalues=features["n_eigenvalues"],
            n_neighbors=features["n_neighbors"],
            dim=features["dim"],
            field=features["field"],
            frame_method=features["frame_method"],
        )
    if kind != "rips":
        raise BadArguments(f"features kind must be 'sheaf' or 'rips', got {kind!r}.")
    from sklearn.pipeline import FeatureUnion, Pipeline

    n_bins = 20 if features["n_scales"] is None else features["n_scales"]
    factories = {
        "betti": lambda: tdasheaf.BettiCurve(n_bins=n_bins),
        "landscape": lambda: tdasheaf.PersistenceLandscape(n_layers=2, n_bins=n_bins),
        "image": lambda: tdasheaf.PersistenceImage(n_bins=n_bins),
        "entropy": lambda: tdasheaf.PersistenceEntropy(),
        "amplitude": lambda: tdasheaf.Amplitude(metric="landscape"),
        "n_points": lambda: tdasheaf.NumberOfPoints(),
    }
    names = list(features["vectorizers"])
    bad = [v for v in names if v not in factories]
    if not names or bad or len(set(names)) != len(names):
        raise BadArguments(
            f"vectorizers must be distinct names among {', '.join(VECTORIZERS)}; got {names}."
        )
    return Pipeline(
        [
            (
                "rips",
                tdasheaf.RipsPersistence(
                    homology_dimensions=tuple(features["degrees"]),
                    max_edge_length=float(features["max_edge_length"]),
                    coeff=2 if features["field"] is None else features["field"],
                ),
            ),
            (
                "vectorizers",
                FeatureUnion([(v, factories[v]()) for v in names], verbose_feature_names_out=False),
            ),
        ]
    )


def check_transformer(transformer) -> int:
    """Validate the parameters on a tiny cloud (a bad setting is exit 2, not N error rows).

    Returns the number of features.
    """
    from sklearn.base import clone

    X = np.random.default_rng(0).normal(size=(24, 3))
    try:
        return len(clone(transformer).fit([X]).get_feature_names_out())
    except (ValueError, TypeError) as exc:
        raise BadArguments(f"bad feature configuration: {exc}") from exc


def fit_reference(transformer, sources, size: int, what: str = "cloud"):
    """Fit the rips vectorisers on the first ``size`` sources that load and compute.

    ``sources`` are objects with ``.load()`` (e.g. :class:`tdasheaf.io.CloudSource`). Only
    clouds of the dimension of the first good one are used (the others get error rows in the
    run, as RipsPersistence is then fitted on that dimension).
    """
    clouds: list[np.ndarray] = []
    for source in sources:
        if len(clouds) >= size:
            break
        try:
            X = source.load()
            if clouds and X.shape[1] != clouds[0].shape[1]:
                continue
            transformer.named_steps["rips"].fit_transform([X])
        except (ValueError, TypeError, MemoryError):
            continue
        clouds.append(X)
    if not clouds:
        raise BadArguments(f"rips features: no {what} could be read to fit the vectorisers.")
    return transformer.fit(clouds)


# ----------------------------------------------------------------------------------------------
# Inputs and outputs
# ----------------------------------------------------------------------------------------------


def errors_path(output: Path) -> Path:
    """``OUT.errors.csv``, the error table written beside ``OUT``."""
    return output.with_name(output.name + ".errors.csv")


def check_output(output: Path) -> Path:
    """``output`` if it ends in ``.csv`` or ``.parquet`` (with pyarrow installed)."""
    if output.suffix not in (".csv", ".parquet"):
        raise BadArguments(f"the output must end in .csv or .parquet, got {str(output)!r}.")
    if output.suffix == ".parquet" and importlib.util.find_spec("pyarrow") is None:
        raise BadArguments("a .parquet output needs pyarrow (pip install 'tdasheaf[parquet]').")
    return output


def check_report_available() -> None:
    if importlib.util.find_spec("tdasheaf.report") is None:
        raise BadArguments("--report needs the tdasheaf.report module, which is not installed.")


def find_cloud_sources(inputs, *, id_column=None, recursive=False, exclude=()) -> list:
    """:func:`tdasheaf.io.find_sources`, bad paths as :class:`BadArguments`.

    Files in ``exclude`` and anything under an excluded folder (a pipeline's own outputs, when
    they are written inside an input folder) are left out.
    """
    from tdasheaf.io import find_sources

    try:
        sources = find_sources(inputs, id_column=id_column, recursive=recursive)
    except ValueError as exc:
        raise BadArguments(str(exc)) from exc
    skip = {Path(p).resolve() for p in exclude}
    return [
        s
        for s in sources
        if Path(s.path) not in skip and not skip.intersection(Path(s.path).parents)
    ]


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def run_main(prog: str, run: Callable[[list | None], int], argv) -> int:
    """Run ``run(argv)`` with the pipelines' error handling; returns the exit status.

    Log records of the ``tdasheaf`` loggers go to stderr as ``prog: message``;
    :class:`BadArguments` becomes ``prog: error: message`` and status 2; Ctrl-C status 130.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{prog}: %(message)s"))
    log = logging.getLogger("tdasheaf")
    log.addHandler(handler)
    try:
        return run(argv)
    except BadArguments as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGS
    except KeyboardInterrupt:
        print(f"{prog}: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        log.removeHandler(handler)
