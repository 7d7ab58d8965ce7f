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
``[run]``, see ``pipelines/configs/``; an ``[anomalies]`` section, read by
``tdasheaf-anomalies``, is ignored), then the flags, which override the file. The settings,
their flags and the transformer they describe are shared with ``tdasheaf-anomalies``
(``pipelines/_cli.py``).

The work runs in chunks (:func:`tdasheaf.batch.extract_features`): a cloud that cannot be read
or is invalid becomes a row of ``OUT.errors.csv`` and the run goes on; finished chunks are kept
in ``OUT.chunks/`` so that ``--resume`` continues a killed run.

Before any work the command checks that every file it will write (``OUT``, ``OUT.errors.csv``,
the chunk store, ``--report``) can be created, takes the lock ``OUT.lock`` (one run per output;
a second run on the same output exits 2 naming the owner's pid and host; the lock of a killed
run is taken over with a note) and, with ``--dask ADDRESS``, connects within a few seconds.
``--n-jobs`` is capped at the cores and at the chunks of the run (said once on stderr).
``--memory-budget SIZE`` (``2G``, ``500M`` or bytes; ``memory_budget`` in ``[run]``) is set on
the features' ``memory_budget`` parameter; features without one refuse it. ``--resume`` with
another feature configuration than the stored rows' exits 2 naming what changed. A file name
that is not UTF-8 gets an escaped id (``caf\\xe9``). SIGTERM is handled as Ctrl-C.

Exit status: 0 all clouds done, 3 some failed (rows of the good ones written), 2 bad arguments
(unknown option, missing input, bad TOML, unknown sheaf, output not .csv/.parquet or not
writable, an interrupted run's chunks present without ``--resume``, another run writing the
same output, a changed configuration with ``--resume``, an unreachable Dask scheduler, a long
table without ``--id-column``), 130 interrupted (finished chunks kept).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tdasheaf.batch import (
    ConfigurationChangedError,
    chunk_store_path,
    extract_features,
)

try:
    from tdasheaf_pipelines import _cli
except ImportError:  # pragma: no cover - run as a script from a checkout that is not installed
    import _cli

BadArguments = _cli.BadArguments
EXIT_OK, EXIT_SOME_FAILED, EXIT_INTERRUPTED = (
    _cli.EXIT_OK,
    _cli.EXIT_SOME_FAILED,
    _cli.EXIT_INTERRUPTED,
)
PROG = "tdasheaf-extract"


def build_parser() -> argparse.ArgumentParser:
    p = _cli.Parser(
        prog=PROG,
        description=__doc__.splitlines()[0].replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_cli.EXIT_STATUS_HELP.format(items="clouds"),
    )
    p.add_argument("inputs", nargs="*", help="files, folders or globs (default: bundled data)")
    p.add_argument("-o", "--output", help="feature table, .parquet or .csv")
    p.add_argument("--config", type=Path, help="TOML file with [features] and [run] sections")
    _cli.add_feature_arguments(p)
    r = p.add_argument_group("run")
    _cli.add_run_arguments(r, chunk_size_help="clouds per task and chunk file (default 32)")
    r.add_argument("--resume", action="store_true", help="skip clouds already done")
    return p


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


def _run(argv) -> int:
    args = build_parser().parse_args(argv)
    config = _cli.load_config(
        args.config,
        {"features": _cli.FEATURE_DEFAULTS, "run": _cli.RUN_DEFAULTS},
        ignored=("anomalies",),
    )
    features = _cli.settings(args, _cli.FEATURE_DEFAULTS, config["features"])
    run = _cli.settings(args, _cli.RUN_DEFAULTS, config["run"])
    if args.report is not None:
        _cli.check_report_available()
    _cli.validate_features(features)
    _cli.validate_run(run)

    output = _cli.check_output(Path(run["output"] or _default_output()))
    # every file this run writes, checked before any work
    _cli.check_writable(
        [output, _cli.errors_path(output), args.report],
        folders=[chunk_store_path(output)],
    )
    transformer = _cli.build_transformer({**features, "memory_budget": run["memory_budget"]})
    n_features = _cli.check_transformer(transformer)

    inputs = args.inputs or run["inputs"] or _default_inputs()
    if isinstance(inputs, str):
        inputs = [inputs]
    # an output written inside an input folder is not an input of the next run
    own = (output, _cli.errors_path(output), chunk_store_path(output.resolve()))
    sources = _cli.find_cloud_sources(
        inputs,
        id_column=run["id_column"],
        recursive=run["recursive"],
        exclude=own,
        long_tables=True,
    )
    if not sources:
        raise BadArguments(f"no point clouds found in {', '.join(map(str, inputs))}.")
    if features["kind"] == "rips":
        transformer = _cli.fit_reference(transformer, sources, features["reference_size"])

    options = _cli.batch_options(
        run, args.progress, args.quiet, n_items=-(-len(sources) // run["chunk_size"]), prog=PROG
    )
    try:
        result = extract_features(sources, transformer, output, resume=args.resume, **options)
    except (FileExistsError, ConfigurationChangedError, ConnectionError) as exc:
        raise BadArguments(_cli.cli_spelling(str(exc))) from exc
    except KeyboardInterrupt:
        # extract_features has logged where the finished chunks are and how to resume
        if not chunk_store_path(output).is_dir():
            print(f"{PROG}: interrupted.", file=sys.stderr)
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
    return _cli.run_main(PROG, _run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
