"""Batch feature extraction: point-cloud files → one feature table (``tdasheaf-extract``).

Usage::

    tdasheaf-extract              # datasets/point_clouds → features/point_clouds_features.parquet
    tdasheaf-extract scans/ -o features/scans.parquet --n-jobs 2
    tdasheaf-extract "runs/*.npz" --config pipelines/configs/sheaf_default.toml --resume
    tdasheaf-extract clouds.csv --id-column cloud --features rips --vectorizers betti,entropy
    tdasheaf-extract scans/ -o scans.parquet --dask tcp://scheduler:8786    # or --dask local

Inputs are files (``.npy .npz .csv .txt .tsv .parquet .ply .xyz``), folders or globs
(:func:`tdasheaf.io.find_sources`). Features: ``--features sheaf`` (default,
:class:`tdasheaf.SheafFeatures`) or ``--features rips`` (:class:`tdasheaf.RipsPersistence`
then vectorisers, fitted on the first ``--reference-size`` readable clouds so that every row
uses the same grids). Settings come from ``--config FILE.toml`` (sections ``[features]`` and
``[run]``, see ``pipelines/configs/``), then the flags, which override the file.

The work runs in chunks (:func:`tdasheaf.batch.extract_features`): a cloud that cannot be read
or is invalid becomes a row of ``OUT.errors.csv`` and the run goes on; finished chunks are kept
in ``OUT.chunks/`` so that ``--resume`` continues a killed run.

Exit status: 0 all clouds done, 3 some failed (rows of the good ones written), 2 bad arguments
(unknown option, missing input, bad TOML, unknown sheaf, output not .csv/.parquet, an
interrupted run's chunks present without ``--resume``), 130 interrupted (finished chunks kept).
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from pathlib import Path

import numpy as np

import tdasheaf
from tdasheaf.batch import chunk_store_path, extract_features

try:  # Python >= 3.11
    import tomllib
except ImportError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

EXIT_OK, EXIT_BAD_ARGS, EXIT_SOME_FAILED, EXIT_INTERRUPTED = 0, 2, 3, 130

#: Defaults of the settings that may come from the TOML file or the flags.
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
    "frame_method": "jet",
    "dim": None,
    "max_edge_length": float("inf"),
    "vectorizers": ["betti", "entropy", "amplitude", "n_points"],
    "reference_size": 32,
}
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
    """A bad command line or configuration: exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise BadArguments(f"{message} (see tdasheaf-extract --help)")


def _csv_list(kind):
    def parse(text: str):
        try:
            return [kind(v.strip()) for v in text.split(",") if v.strip()]
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list: {exc}") from exc

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="tdasheaf-extract",
        description=__doc__.splitlines()[0].replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 ok, 3 some clouds failed, 2 bad arguments, 130 interrupted.",
    )
    p.add_argument("inputs", nargs="*", help="files, folders or globs (default: bundled data)")
    p.add_argument("-o", "--output", help="feature table, .parquet or .csv")
    p.add_argument("--config", type=Path, help="TOML file with [features] and [run] sections")
    f = p.add_argument_group("features (override the TOML file)")
    f.add_argument("--features", dest="kind", choices=("sheaf", "rips"))
    f.add_argument("--sheaves", type=_csv_list(str), help="e.g. constant,orientation,tangent")
    f.add_argument("--degrees", type=_csv_list(int), help="e.g. 0,1")
    f.add_argument("--n-scales", type=int, help="scales of the Betti grid (bins for rips)")
    f.add_argument("--scale-range", type=_csv_list(float), help="LO,HI in units of r (sheaf)")
    f.add_argument("--n-neighbors", type=int, help="local PCA neighbourhood size (sheaf)")
    f.add_argument("--field", type=int, help="prime field of the barcodes")
    f.add_argument("--max-edge-length", type=float, help="Rips threshold (rips)")
    f.add_argument(
        "--vectorizers", type=_csv_list(str), help=f"rips: comma list of {', '.join(VECTORIZERS)}"
    )
    f.add_argument("--reference-size", type=int, help="rips: clouds that fit the vectorisers")
    r = p.add_argument_group("run")
    r.add_argument("--id-column", help="column holding the cloud id in long tables")
    r.add_argument("--recursive", action="store_true", default=None, help="search folders deeply")
    r.add_argument("--n-jobs", type=int, help="worker processes (-1: all cores); default 1")
    r.add_argument("--chunk-size", type=int, help="clouds per task and chunk file (default 32)")
    r.add_argument("--resume", action="store_true", help="skip clouds already done")
    r.add_argument("--dask", metavar="ADDRESS|local", help="run on a Dask cluster")
    r.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    r.add_argument("--report", type=Path, help="also write an HTML report (tdasheaf.report)")
    r.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return p


def load_config(path: Path | None) -> tuple[dict, dict]:
    """``(features, run)`` settings of a TOML file; unknown sections or keys are errors."""
    if path is None:
        return {}, {}
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise BadArguments(f"cannot read the config file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadArguments(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"features", "run"}
    if unknown:
        raise BadArguments(f"{path}: unknown section(s) {sorted(unknown)}; use [features], [run].")
    sections = []
    for name, known in (("features", FEATURE_DEFAULTS), ("run", RUN_DEFAULTS)):
        section = data.get(name, {})
        if not isinstance(section, dict):
            raise BadArguments(f"{path}: [{name}] must be a table.")
        bad = set(section) - set(known)
        if bad:
            raise BadArguments(
                f"{path}: unknown key(s) {sorted(bad)} in [{name}]; known: {sorted(known)}."
            )
        sections.append(section)
    return sections[0], sections[1]


def _settings(args, defaults: dict, from_file: dict) -> dict:
    out = {}
    for key, default in defaults.items():
        flag = getattr(args, key, None)
        out[key] = flag if flag is not None else from_file.get(key, default)
    return out


def build_transformer(features: dict, sources=None):
    """The (unfitted, or for rips fitted on a reference set) transformer of the settings."""
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


def _check_transformer(transformer) -> int:
    """Validate the parameters on a tiny cloud (a bad setting is exit 2, not N error rows).

    Returns the number of features.
    """
    from sklearn.base import clone

    X = np.random.default_rng(0).normal(size=(24, 3))
    try:
        return len(clone(transformer).fit([X]).get_feature_names_out())
    except (ValueError, TypeError) as exc:
        raise BadArguments(f"bad feature configuration: {exc}") from exc


def _fit_reference(transformer, sources, size: int):
    """Fit the rips vectorisers on the first ``size`` clouds that load and compute.

    Only clouds of the dimension of the first good one are used (the others get error rows
    in the run, as RipsPersistence is then fitted on that dimension).
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
        raise BadArguments("rips features: no cloud could be read to fit the vectorisers.")
    return transformer.fit(clouds)


def _default_inputs() -> list[str]:
    from tdasheaf import datasets

    candidates = []
    finder = getattr(datasets, "bundled_data_path", None)
    if finder is not None:
        try:
            base = Path(finder())
        except Exception:  # noqa: BLE001 - fall back to the repository layout
            base = None
        if base is not None:
            candidates += [base / "point_clouds", base]
    candidates.append(Path(__file__).resolve().parents[1] / "datasets" / "point_clouds")
    for path in candidates:
        if path.is_dir() and path.name == "point_clouds":
            return [str(path)]
    raise BadArguments(
        "no inputs given and the bundled datasets/point_clouds folder was not found; "
        "pass files, folders or globs."
    )


def _default_output() -> str:
    try:
        import pyarrow  # noqa: F401

        return "features/point_clouds_features.parquet"
    except ImportError:
        return "features/point_clouds_features.csv"


def _summary(result, output: Path, n_features: int | None) -> str:
    rate = result.n_done / result.elapsed if result.elapsed > 0 else float("nan")
    lines = [
        f"clouds: {result.n_total} total, {result.n_done} done, {result.n_failed} failed, "
        f"{result.n_skipped} skipped (already done)",
        f"time: {result.elapsed:.1f} s ({rate:.2f} clouds/s)",
        f"features: {output.resolve()}"
        + (f" ({n_features} features per cloud)" if n_features else ""),
        f"errors: {result.errors_output.resolve()} ({result.n_failed} rows)",
    ]
    for row in result.errors.head(5).itertuples(index=False):
        lines.append(f"  {row.id}: {row.error}: {row.message}")
    if result.n_failed > 5:
        lines.append(f"  ... and {result.n_failed - 5} more")
    if result.n_unexpected:
        lines.append(
            f"warning: {result.n_unexpected} failure(s) were unexpected exceptions (a bug in "
            "tdasheaf or the transformer?); their messages carry a short traceback."
        )
    return "\n".join(lines)


def _write_report(path, result, output, inputs, features, run, sources) -> Path:
    """The HTML report (:func:`tdasheaf.report.write_html`) of a finished run."""
    from tdasheaf import report

    table = result.table()
    by_id = {s.id: s for s in sources}
    clouds = {i: by_id[i].load() for i in table["id"].head(3) if i in by_id}
    settings = {k: v for k, v in features.items() if v is not None}
    return report.write_html(
        {
            "title": f"tdasheaf-extract: {output.name}",
            "dataset": {"inputs": ", ".join(map(str, inputs)), "clouds": result.n_total},
            "summary": {
                "n_total": result.n_total,
                "n_done": result.n_done,
                "n_failed": result.n_failed,
                "n_skipped": result.n_skipped,
                "output": str(output.resolve()),
                "errors": str(result.errors_output.resolve()),
                "chunk_size": run["chunk_size"],
                "n_jobs": run["n_jobs"] or 1,
                "dask": run["dask"] or "no",
                **{f"features.{k}": str(v) for k, v in settings.items()},
            },
            "timing": {"feature extraction": result.elapsed},
            "errors": result.errors,
            "features": table,
            "clouds": clouds,
        },
        path,
    )


def _validate(features: dict, run: dict) -> None:
    """Types and ranges of the merged settings (the TOML file is not typed by argparse)."""

    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    def fail(key, what):
        raise BadArguments(
            f"{key.replace('_', '-')} must be {what}, got {features.get(key, run.get(key))!r}."
        )

    for key in ("n_scales", "n_neighbors", "reference_size", "n_spectral_scales", "n_eigenvalues"):
        if features[key] is not None and not (is_int(features[key]) and features[key] >= 1):
            fail(key, "a positive integer")
    for key in ("field", "dim"):
        if features[key] is not None and not is_int(features[key]):
            fail(key, "an integer")
    if not (is_int(run["chunk_size"]) and run["chunk_size"] >= 1):
        fail("chunk_size", "a positive integer")
    if run["n_jobs"] is not None and not is_int(run["n_jobs"]):
        fail("n_jobs", "an integer")
    for key, kind in (("sheaves", str), ("vectorizers", str), ("degrees", int)):
        value = features[key]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, kind) for v in value):
            fail(key, f"a list of {kind.__name__}")
    scale_range = features["scale_range"]
    if not (
        isinstance(scale_range, (list, tuple))
        and len(scale_range) == 2
        and all(isinstance(v, (int, float)) for v in scale_range)
    ):
        fail("scale_range", "two numbers LO,HI")
    if not isinstance(features["max_edge_length"], (int, float)):
        fail("max_edge_length", "a number")
    for key in ("output", "id_column", "dask"):
        if run[key] is not None and not isinstance(run[key], str):
            fail(key, "a string")
    if not isinstance(run["recursive"], bool):
        fail("recursive", "true or false")
    if run["inputs"] is not None and not isinstance(run["inputs"], (str, list)):
        fail("inputs", "a path or a list of paths")


def _run(argv) -> int:
    args = build_parser().parse_args(argv)
    features_file, run_file = load_config(args.config)
    features = _settings(args, FEATURE_DEFAULTS, features_file)
    run = _settings(args, RUN_DEFAULTS, run_file)
    if args.report is not None and importlib.util.find_spec("tdasheaf.report") is None:
        raise BadArguments("--report needs the tdasheaf.report module, which is not installed.")
    _validate(features, run)

    output = Path(run["output"] or _default_output())
    if output.suffix not in (".csv", ".parquet"):
        raise BadArguments(f"the output must end in .csv or .parquet, got {str(output)!r}.")
    if output.suffix == ".parquet" and importlib.util.find_spec("pyarrow") is None:
        raise BadArguments("a .parquet output needs pyarrow (pip install 'tdasheaf[parquet]').")
    transformer = build_transformer(features)
    n_features = _check_transformer(transformer)

    from tdasheaf.io import find_sources

    inputs = args.inputs or run["inputs"] or _default_inputs()
    if isinstance(inputs, str):
        inputs = [inputs]
    try:
        sources = find_sources(inputs, id_column=run["id_column"], recursive=run["recursive"])
    except ValueError as exc:
        raise BadArguments(str(exc)) from exc
    # an output written inside an input folder is not an input of the next run
    own = {output.resolve(), output.resolve().with_name(output.name + ".errors.csv")}
    store = chunk_store_path(output.resolve())
    sources = [s for s in sources if Path(s.path) not in own and store not in Path(s.path).parents]
    if not sources:
        raise BadArguments(f"no point clouds found in {', '.join(map(str, inputs))}.")
    if features["kind"] == "rips":
        transformer = _fit_reference(transformer, sources, features["reference_size"])

    n_jobs = run["n_jobs"] if run["n_jobs"] is not None else (None if run["dask"] else 1)
    try:
        result = extract_features(
            sources,
            transformer,
            output,
            chunk_size=run["chunk_size"],
            n_jobs=n_jobs,
            dask=run["dask"],
            resume=args.resume,
            progress=False if args.quiet else args.progress,
        )
    except FileExistsError as exc:
        raise BadArguments(str(exc)) from exc
    except KeyboardInterrupt:
        # extract_features has logged where the finished chunks are and how to resume
        if not chunk_store_path(output).is_dir():
            print("tdasheaf-extract: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED

    if not args.quiet:
        print(_summary(result, output, n_features))
    if args.report is not None:
        path = _write_report(args.report, result, output, inputs, features, run, sources)
        if not args.quiet:
            print(f"report: {Path(path).resolve()}")
    return EXIT_SOME_FAILED if result.n_failed else EXIT_OK


def main(argv=None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("tdasheaf-extract: %(message)s"))
    log = logging.getLogger("tdasheaf")
    log.addHandler(handler)
    try:
        return _run(argv)
    except BadArguments as exc:
        print(f"tdasheaf-extract: error: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGS
    except KeyboardInterrupt:
        print("tdasheaf-extract: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        log.removeHandler(handler)


if __name__ == "__main__":
    raise SystemExit(main())
