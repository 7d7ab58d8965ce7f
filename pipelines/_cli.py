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
  checks (:func:`check_output`, :func:`check_writable`: every file a run writes, before any
  work) and the input listing (:func:`find_cloud_sources`);
* ``--n-jobs`` (:func:`cap_n_jobs`), ``--memory-budget`` (:func:`parse_size`,
  :func:`apply_memory_budget`), and library spellings in messages turned into flags
  (:func:`cli_spelling`; SIGTERM handled as Ctrl-C by :func:`run_main`).

The settings schema is the command line's (flat names as in the TOML files of
``pipelines/configs/``), not a library API: library users build the transformers directly.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import signal
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
    "field": None,  # GF(65521), the library's one default (sheaves and rips)
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
    "memory_budget": None,  # bytes, or text such as "2G", "500M"
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
    group.add_argument(
        "--n-jobs",
        type=int,
        help="worker processes (-1: all cores; capped at the cores and the clouds); default 1",
    )
    group.add_argument("--chunk-size", type=int, help=chunk_size_help)
    group.add_argument(
        "--dask",
        metavar="ADDRESS|local",
        help="run on a Dask cluster: 'local', or a scheduler address such as tcp://host:8786",
    )
    group.add_argument(
        "--memory-budget",
        metavar="SIZE",
        help="memory a transformer may use per cloud, e.g. 2G, 500M or bytes (the features' "
        "memory_budget parameter; default: theirs); [run] memory_budget in the TOML file",
    )
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
    raise BadArguments(
        f"--{key.replace('_', '-')} (`{key}` in a config file) must be {what}, got {value!r}."
    )


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


_SIZE_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(value) -> int | None:
    """Bytes of a memory size: an int, or text such as ``2G``, ``500M``, ``1.5GB``, ``4096``.

    Binary units (``1K`` = 1024 bytes). ``None`` stays ``None``.

    >>> parse_size("2G"), parse_size("500M"), parse_size(4096), parse_size("1.5k")
    (2147483648, 524288000, 4096, 1536)
    """
    import re

    if value is None:
        return None
    if _is_int(value):
        number, unit = float(value), ""
    elif isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([KMGT]?)(?:I?B)?\s*", value.upper())
        if match is None:
            _fail("memory_budget", "a size such as 2G, 500M or a number of bytes", value)
        number, unit = float(match[1]), match[2]
    else:
        _fail("memory_budget", "a size such as 2G, 500M or a number of bytes", value)
    size = int(number * _SIZE_UNITS[unit])
    if size < 1:
        _fail("memory_budget", "a positive size", value)
    return size


def validate_run(run: Mapping) -> None:
    """Types and ranges of merged run settings (``memory_budget`` becomes bytes)."""
    if not (_is_int(run["chunk_size"]) and run["chunk_size"] >= 1):
        _fail("chunk_size", "a positive integer", run["chunk_size"])
    n_jobs = run["n_jobs"]
    if n_jobs is not None and not (_is_int(n_jobs) and (n_jobs >= 1 or n_jobs == -1)):
        _fail("n_jobs", "a positive integer or -1 (all cores)", n_jobs)
    for key in ("output", "id_column", "dask"):
        if run[key] is not None and not isinstance(run[key], str):
            _fail(key, "a string", run[key])
    if run["dask"] is not None:
        from tdasheaf.batch import check_dask_address

        try:
            check_dask_address(run["dask"])
        except ValueError as exc:
            raise BadArguments(f"--dask: {exc}") from None
    if "memory_budget" in run:
        run["memory_budget"] = parse_size(run["memory_budget"])
    if not isinstance(run["recursive"], bool):
        _fail("recursive", "true or false", run["recursive"])
    if run["inputs"] is not None and not isinstance(run["inputs"], (str, list)):
        _fail("inputs", "a path or a list of paths", run["inputs"])


def cap_n_jobs(n_jobs: int | None, n_items: int | None = None, warn=None) -> int | None:
    """``n_jobs`` at most the cores (and ``n_items``); says so once through ``warn``."""
    if n_jobs is None:
        return None
    from joblib import cpu_count

    cores = cpu_count()
    wanted = cores if n_jobs == -1 else n_jobs
    limit, why = cores, f"the {cores} cores"
    if n_items is not None and n_items < limit:
        limit, why = max(n_items, 1), f"the {n_items} task(s) of this run (chunks of clouds)"
    if wanted > limit:
        if warn is not None and n_jobs != -1:
            warn(f"--n-jobs {n_jobs} is more than {why}; using {limit} worker(s).")
        return limit
    return n_jobs


def batch_options(
    run: Mapping, progress: bool | None, quiet: bool, n_items=None, prog: str = "tdasheaf"
) -> dict:
    """Keyword arguments of :func:`tdasheaf.batch.extract_features` from the run settings.

    ``n_jobs`` is capped at the cores (and ``n_items``), with one warning on stderr.
    """
    n_jobs = run["n_jobs"] if run["n_jobs"] is not None else (None if run["dask"] else 1)
    if run["dask"] in (None, "local"):  # local processes (or LocalCluster workers)
        warn = None if quiet else (lambda t: print(f"{prog}: warning: {t}", file=sys.stderr))
        n_jobs = cap_n_jobs(n_jobs, n_items, warn)
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
    (:func:`fit_reference`) so that every row uses the same grids. A ``memory_budget`` entry
    (bytes, from ``[run]`` / ``--memory-budget``) is set on it (:func:`apply_memory_budget`).
    """
    return apply_memory_budget(_build_transformer(features), features.get("memory_budget"))


def _build_transformer(features: Mapping):
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
                    field=features["field"],  # None: the library's one default, GF(65521)
                ),
            ),
            (
                "vectorizers",
                FeatureUnion([(v, factories[v]()) for v in names], verbose_feature_names_out=False),
            ),
        ]
    )


def apply_memory_budget(transformer, budget: int | None):
    """``transformer.set_params(memory_budget=budget)`` (nothing when ``budget`` is None).

    Every step of a pipeline that has the parameter gets it; a transformer without any such
    parameter is refused (:class:`BadArguments`).
    """
    if budget is None:
        return transformer
    keys = [
        k
        for k in transformer.get_params(deep=True)
        if k == "memory_budget" or k.endswith("__memory_budget")
    ]
    if not keys:
        raise BadArguments(
            f"--memory-budget: the {type(transformer).__name__} features have no memory_budget "
            "parameter (this tdasheaf version or these --features do not support it); drop "
            "--memory-budget (or memory_budget in [run])."
        )
    try:
        transformer.set_params(**{k: budget for k in keys})
    except (ValueError, TypeError) as exc:
        raise BadArguments(f"--memory-budget: {exc}") from exc
    return transformer


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


def check_writable(paths, *, folders=()) -> None:
    """Exit 2 now (not after the work) if a file of ``paths`` cannot be written.

    Each path's folder (or, when missing, its nearest existing ancestor, where the folders
    would be created) must accept a new file: a probe file is created and removed. ``folders``
    are folders the run creates (e.g. a chunk store); their parent is probed the same way.
    The message is the operating system's, in one line.
    """
    import os
    import tempfile

    for path, is_folder in [*((p, False) for p in paths), *((f, True) for f in folders)]:
        if path is None:
            continue
        path = Path(path).expanduser().absolute()
        if path.is_dir() != is_folder and path.exists():
            kind = "a file" if is_folder else "a folder"
            raise BadArguments(f"cannot write {path}: it is {kind}.")
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise BadArguments(f"cannot write {path}: {parent} is not a folder.")
        try:
            fd, probe = tempfile.mkstemp(prefix=".tdasheaf-probe-", dir=parent)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise BadArguments(f"cannot write {path}: {reason} ({parent}).") from None


def check_report_available() -> None:
    if importlib.util.find_spec("tdasheaf.report") is None:
        raise BadArguments("--report needs the tdasheaf.report module, which is not installed.")


#: Library spellings in messages → the command line's.
_CLI_SPELLING = (
    ("(resume=True, or --resume on the command line)", "(--resume)"),
    ("resume=True (command line: --resume)", "--resume"),
    ("pass recursive=True", "pass --recursive"),
    ("resume=True", "--resume"),
    ("recursive=True", "--recursive"),
)


def cli_spelling(message: str) -> str:
    """``message`` with library argument spellings (``resume=True``) as flags (``--resume``)."""
    for old, new in _CLI_SPELLING:
        message = message.replace(old, new)
    return message


def _check_long_tables(inputs, sources) -> None:
    """A table named on the command line whose text column repeats several values is a long
    table of clouds: without ``--id-column`` it would be read as one cloud (exit 2)."""
    from tdasheaf.exceptions import PointCloudReadError

    named = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    files = {
        Path(p).expanduser().resolve()
        for p in named
        if Path(p).suffix.lower() in (".csv", ".txt", ".tsv", ".parquet") and Path(p).is_file()
    }
    for source in sources:
        if Path(source.path) in files and source.key is None:
            try:
                source.load()
            except PointCloudReadError as exc:
                if "long table of several clouds" in str(exc):
                    raise BadArguments(str(exc)) from None
            except Exception:  # noqa: BLE001,S110 - reported per cloud by the run
                pass


def find_cloud_sources(
    inputs, *, id_column=None, recursive=False, exclude=(), long_tables: bool = False
) -> list:
    """:func:`tdasheaf.io.find_sources`, bad paths as :class:`BadArguments`.

    With ``long_tables``, a table named in ``inputs`` (no ``id_column``) whose text column
    repeats several values is refused: it holds several clouds, which would be merged.

    Files in ``exclude`` and anything under an excluded folder (a pipeline's own outputs, when
    they are written inside an input folder) are left out.
    """
    from tdasheaf.io import find_sources

    try:
        sources = find_sources(inputs, id_column=id_column, recursive=recursive)
    except ValueError as exc:
        raise BadArguments(cli_spelling(str(exc))) from exc
    if long_tables and id_column is None:
        _check_long_tables(inputs, sources)
    skip = {Path(p).resolve() for p in exclude}
    return [
        s
        for s in sources
        if Path(s.path) not in skip and not skip.intersection(Path(s.path).parents)
    ]


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


class _CliFormatter(logging.Formatter):
    """Log records in the command line's spelling (:func:`cli_spelling`)."""

    def format(self, record):
        return cli_spelling(super().format(record))


def run_main(prog: str, run: Callable[[list | None], int], argv) -> int:
    """Run ``run(argv)`` with the pipelines' error handling; returns the exit status.

    Log records of the ``tdasheaf`` loggers go to stderr as ``prog: message``;
    :class:`BadArguments` becomes ``prog: error: message`` and status 2; Ctrl-C status 130.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_CliFormatter(f"{prog}: %(message)s"))
    log = logging.getLogger("tdasheaf")
    log.addHandler(handler)
    previous = _sigterm_as_interrupt()
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
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _sigterm_as_interrupt():
    """SIGTERM (``kill PID``, a batch system's time limit) as Ctrl-C: finished chunks are kept,
    the output lock is released. Returns the previous handler (None: not installed)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        return signal.signal(signal.SIGTERM, _raise_interrupt)
    except (ValueError, OSError):  # pragma: no cover - no SIGTERM here
        return None
