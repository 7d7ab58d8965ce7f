"""Issue 15 (batch and CLI parts): what a hostile tester did to tdasheaf-extract and
tdasheaf-anomalies, each as a user would do it (real files, the CLI's main or a subprocess)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from tdasheaf_pipelines import detect_anomalies, extract_features

from tdasheaf.estimators._sheaf_features import SheafFeatures
from tdasheaf.io import read_table

CHEAP = ["--sheaves", "constant", "--n-scales", "3", "--n-neighbors", "6"]


def _clouds(folder: Path, n: int, size: int = 30, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        np.save(folder / f"c{i:03d}.npy", rng.normal(size=(size, 3)))
    return folder


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "tdasheaf_pipelines.extract_features", *args]


# ----------------------------------------------------------------------------------------------
# 1. one run per output: a lock file
# ----------------------------------------------------------------------------------------------


def test_two_runs_on_the_same_output_one_exits_2_and_the_table_has_every_row(tmp_path):
    folder = _clouds(tmp_path / "in", 200, size=40)
    out = tmp_path / "f.csv"
    argv = _cli(str(folder), "-o", str(out), *CHEAP, "--chunk-size", "4", "-q")
    runs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    done = [(p.wait(timeout=60), p.stderr.read()) for p in runs]
    codes = sorted(code for code, _ in done)
    assert codes == [0, 2], done
    loser = next(err for code, err in done if code == 2)
    assert "being written by pid" in loser and "f.csv.lock" in loser
    assert "interrupted" not in loser  # the other run is alive, not an interrupted one
    table = read_table(out)
    assert table["id"].tolist() == [f"c{i:03d}" for i in range(200)]
    assert not (tmp_path / "f.csv.lock").exists() and not (tmp_path / "f.csv.chunks").exists()


def test_a_stale_lock_of_a_dead_process_is_taken_over_with_a_note(tmp_path, capsys):
    folder = _clouds(tmp_path / "in", 3)
    out = tmp_path / "f.csv"
    code = "import os; print(os.getpid())"
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    import socket

    info = {"pid": int(dead.stdout), "host": socket.gethostname(), "started": time.time()}
    (tmp_path / "f.csv.lock").write_text(json.dumps(info))
    assert extract_features.main([str(folder), "-o", str(out), *CHEAP, "-q"]) == 0
    assert "stale lock" in capsys.readouterr().err
    assert len(read_table(out)) == 3 and not (tmp_path / "f.csv.lock").exists()


def test_the_lock_is_released_when_the_run_fails(tmp_path, monkeypatch):
    folder = _clouds(tmp_path / "in", 3)
    out = tmp_path / "f.csv"

    def boom(self, X):
        raise KeyboardInterrupt

    monkeypatch.setattr(SheafFeatures, "transform", boom)
    assert extract_features.main([str(folder), "-o", str(out), *CHEAP, "-q"]) == 130
    assert not (tmp_path / "f.csv.lock").exists()
    assert not (tmp_path / "f.csv.chunks").exists()  # nothing finished: nothing kept


# ----------------------------------------------------------------------------------------------
# 2. file names that are not UTF-8
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def latin1_folder(tmp_path):
    folder = _clouds(tmp_path / "in", 6)
    rng = np.random.default_rng(7)
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.npy"), "wb") as fh:
        np.save(fh, rng.normal(size=(30, 3)))
    with open(os.path.join(os.fsencode(folder), b"bad\xff.npy"), "wb") as fh:
        fh.write(b"not an array")
    return folder


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_non_utf8_file_names_are_processed_with_escaped_ids(
    latin1_folder, tmp_path, suffix, capsys
):
    out = tmp_path / f"f{suffix}"
    argv = [str(latin1_folder), "-o", str(out), *CHEAP]
    assert extract_features.main(argv) == 3  # bad\xff.npy is not an array
    table = read_table(out)
    assert "caf\\xe9" in table["id"].tolist() and len(table) == 7
    errors = read_table(tmp_path / f"f{suffix}.errors.csv")
    assert errors["id"].tolist() == ["bad\\xff"]
    assert "bad\\xff" in capsys.readouterr().out
    # --resume gets past them too (the failed one is retried)
    assert extract_features.main([*argv, "--resume"]) == 3
    assert "7 skipped" in capsys.readouterr().out


def test_non_utf8_file_names_in_tdasheaf_anomalies(latin1_folder, tmp_path, capsys):
    out = tmp_path / "scores.parquet"
    argv = [str(latin1_folder), "-o", str(out), *CHEAP, "--lof-neighbors", "3"]
    assert detect_anomalies.main(argv) == 3
    assert "caf\\xe9" in read_table(out)["id"].tolist()
    assert read_table(tmp_path / "scores.parquet.errors.csv")["id"].tolist() == ["bad\\xff"]


# ----------------------------------------------------------------------------------------------
# 3. outputs that cannot be written: refused before any work
# ----------------------------------------------------------------------------------------------


def _no_work(*args, **kwargs):
    raise AssertionError("work started before the outputs were checked")


@pytest.mark.parametrize("where", [("-o", "blocker/f.csv"), ("--report", "blocker/r.html")])
def test_extract_refuses_an_unwritable_output_before_any_work(tmp_path, monkeypatch, capsys, where):
    folder = _clouds(tmp_path / "in", 3)
    (tmp_path / "blocker").write_text("a file where a folder is needed")
    monkeypatch.setattr(extract_features, "extract_features", _no_work)
    flag, path = where
    argv = [str(folder), *CHEAP, flag, str(tmp_path / path)]
    if flag != "-o":
        argv += ["-o", str(tmp_path / "f.csv")]
    assert extract_features.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and "blocker" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("flag", ["-o", "--report", "--save-model"])
def test_anomalies_refuses_an_unwritable_output_before_scoring(tmp_path, monkeypatch, capsys, flag):
    folder = _clouds(tmp_path / "in", 3)
    (tmp_path / "blocker").write_text("a file where a folder is needed")
    monkeypatch.setattr(detect_anomalies, "run_clouds", _no_work)
    name = {"-o": "s.csv", "--report": "r.html", "--save-model": "m.joblib"}[flag]
    argv = [str(folder), *CHEAP, flag, str(tmp_path / "blocker" / name)]
    if flag != "-o":
        argv += ["-o", str(tmp_path / "s.csv")]
    assert detect_anomalies.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot write {tmp_path / 'blocker' / name}" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(tmp_path, capsys):
    folder = _clouds(tmp_path / "in", 3)
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert extract_features.main([str(folder), "-o", str(locked / "f.csv"), *CHEAP]) == 2
        assert "Permission denied" in capsys.readouterr().err
    finally:
        locked.chmod(0o755)


# ----------------------------------------------------------------------------------------------
# 4. --n-jobs
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_jobs", ["0", "-3"])
def test_bad_n_jobs_exit_2(tmp_path, capsys, n_jobs):
    folder = _clouds(tmp_path / "in", 3)
    argv = [str(folder), "-o", str(tmp_path / "f.csv"), *CHEAP, "--n-jobs", n_jobs]
    assert extract_features.main(argv) == 2
    assert "--n-jobs (`n_jobs` in a config file) must be a positive integer or -1" in (
        capsys.readouterr().err
    )
    assert detect_anomalies.main(argv) == 2


def test_n_jobs_above_the_work_is_capped_with_one_warning(tmp_path, capsys):
    folder = _clouds(tmp_path / "in", 3)
    argv = [str(folder), "-o", str(tmp_path / "f.csv"), *CHEAP, "--n-jobs", "1000"]
    assert extract_features.main(argv) == 0
    err = capsys.readouterr().err
    assert err.count("--n-jobs 1000") == 1 and "using 1 worker" in err
    assert len(read_table(tmp_path / "f.csv")) == 3


# ----------------------------------------------------------------------------------------------
# 5. --dask
# ----------------------------------------------------------------------------------------------


def test_dask_bogus_address_exit_2_at_once_nothing_left(tmp_path, capsys):
    folder = _clouds(tmp_path / "in", 3)
    start = time.perf_counter()
    argv = [str(folder), "-o", str(tmp_path / "f.csv"), *CHEAP, "--dask", "bogus"]
    assert extract_features.main(argv) == 2
    assert time.perf_counter() - start < 5
    err = capsys.readouterr().err
    assert "not a Dask scheduler address" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_dask_unreachable_scheduler_exit_2_quickly_nothing_left(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    import tdasheaf.batch as batch

    monkeypatch.setattr(batch, "DASK_CONNECT_TIMEOUT", 1.0)
    folder = _clouds(tmp_path / "in", 3)
    argv = [str(folder), "-o", str(tmp_path / "f.csv"), *CHEAP, "--dask", "tcp://127.0.0.1:9"]
    assert extract_features.main(argv) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


# ----------------------------------------------------------------------------------------------
# 6. --resume with another configuration
# ----------------------------------------------------------------------------------------------


def test_resume_of_a_finished_table_with_another_configuration_exit_2(tmp_path, capsys):
    folder = _clouds(tmp_path / "in", 4)
    out = tmp_path / "f.parquet"
    assert extract_features.main([str(folder), "-o", str(out), *CHEAP, "-q"]) == 0
    before = read_table(out)
    changed = [str(folder), "-o", str(out), *CHEAP, "--n-scales", "4", "--resume"]
    assert extract_features.main(changed) == 2
    assert "n_scales: 3 -> 4" in capsys.readouterr().err
    _clouds(tmp_path / "in", 5)  # one new cloud
    assert extract_features.main(changed) == 2
    assert "n_scales: 3 -> 4" in capsys.readouterr().err
    assert read_table(out).equals(before)
    # a table of an older version (no manifest): the columns say it
    (tmp_path / "f.parquet.manifest.json").unlink()
    assert extract_features.main(changed) == 2
    assert "another configuration" in capsys.readouterr().err


def test_resume_of_partial_chunks_with_another_configuration_exit_2(tmp_path, monkeypatch, capsys):
    folder = _clouds(tmp_path / "in", 6)
    out = tmp_path / "f.csv"
    calls = {"n": 0}
    real = SheafFeatures.transform

    def stop_at_5(self, X):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(self, X)

    monkeypatch.setattr(SheafFeatures, "transform", stop_at_5)
    argv = [str(folder), "-o", str(out), *CHEAP, "--chunk-size", "2"]
    assert extract_features.main(argv) == 130
    err = capsys.readouterr().err
    assert "--resume" in err and "resume=True" not in err  # the command line's spelling
    monkeypatch.setattr(SheafFeatures, "transform", real)
    assert extract_features.main([*argv, "--n-neighbors", "7", "--resume"]) == 2
    err = capsys.readouterr().err
    assert "cannot resume" in err and "n_neighbors: 6 -> 7" in err
    assert extract_features.main([*argv, "--resume"]) == 0


# ----------------------------------------------------------------------------------------------
# 7. workers die with their parent
# ----------------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="process tree checks on Linux")
def test_workers_exit_promptly_after_sigkill_of_the_main_process(tmp_path):
    psutil = pytest.importorskip("psutil")
    folder = _clouds(tmp_path / "in", 150, size=60)
    out = tmp_path / "f.csv"
    flags = ["--sheaves", "constant,orientation", "--n-jobs", "2", "--chunk-size", "2", "-q"]
    argv = _cli(str(folder), "-o", str(out), *flags)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    main = psutil.Process(proc.pid)
    store = tmp_path / "f.csv.chunks"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(store.glob("chunk-*.csv")):
        time.sleep(0.05)
    children = main.children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert children, "no worker process was started"
    gone, alive = psutil.wait_procs(children, timeout=5)
    for p in alive:
        p.kill()
    assert not alive, [" ".join(p.cmdline())[:80] for p in alive]


# ----------------------------------------------------------------------------------------------
# 8. smaller ones
# ----------------------------------------------------------------------------------------------


def _long_table(path: Path, with_id: bool = True) -> Path:
    rng = np.random.default_rng(3)
    lines = ["cloud,x,y,z,kind"]
    for cloud in ("a", "b", "c"):
        for _ in range(25):
            x, y, z = rng.normal(size=3)
            lines.append(f"{cloud},{x},{y},{z},sensor")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_long_table_without_id_column_exit_2_naming_the_column(tmp_path, capsys):
    table = _long_table(tmp_path / "long.csv")
    out = tmp_path / "f.csv"
    assert extract_features.main([str(table), "-o", str(out), *CHEAP]) == 2
    err = capsys.readouterr().err
    assert "column 'cloud'" in err and "--id-column cloud" in err and not out.exists()
    assert extract_features.main([str(table), "-o", str(out), *CHEAP, "--id-column", "cloud"]) == 0
    assert read_table(out)["id"].tolist() == ["long/a", "long/b", "long/c"]


def test_series_time_and_date_columns_are_not_channels_unless_named(tmp_path, capsys):
    n = 400
    t = np.arange(n, dtype=float)
    frame = np.c_[t * 10.0, np.sin(2 * np.pi * t / 40)]
    path = tmp_path / "sensor.csv"
    np.savetxt(path, frame, delimiter=",", header="time,temp", comments="")
    out = tmp_path / "w.csv"
    argv = [str(path), "--window", "100", "--stride", "50", "-o", str(out), *CHEAP]
    argv += ["--dimension", "2", "--delay", "5", "--lof-neighbors", "3"]
    assert detect_anomalies.main(argv) in (0, 3)
    err = capsys.readouterr().err
    assert "'time' look like time stamps" in err
    model = tmp_path / "m.joblib"
    assert detect_anomalies.main([*argv, "--save-model", str(model), "-q"]) in (0, 3)
    from tdasheaf_pipelines import _scoring

    assert _scoring.load_model(model)["settings"]["columns"] == ["temp"]
    # named: used
    assert detect_anomalies.main([*argv, "--columns", "time,temp", "-q"]) in (0, 3)


def test_cli_messages_use_flag_spelling(tmp_path, capsys):
    (tmp_path / "deep" / "sub").mkdir(parents=True)
    np.save(tmp_path / "deep" / "sub" / "a.npy", np.zeros((5, 3)))
    assert extract_features.main([str(tmp_path / "deep"), "-o", str(tmp_path / "f.csv")]) == 2
    err = capsys.readouterr().err
    assert "--recursive" in err and "recursive=True" not in err


def test_symlink_loop_is_reported_as_such(tmp_path, capsys):
    (tmp_path / "a.npy").symlink_to(tmp_path / "b.npy")
    (tmp_path / "b.npy").symlink_to(tmp_path / "a.npy")
    assert extract_features.main([str(tmp_path / "a.npy"), "-o", str(tmp_path / "f.csv")]) == 2
    err = capsys.readouterr().err
    assert "symbolic link loop" in err and "no such file" not in err


def test_binary_little_endian_ply_through_the_cli(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    header = (
        "ply\nformat binary_little_endian 1.0\nelement vertex 40\nproperty double x\n"
        "property double y\nproperty double z\nproperty uchar red\nend_header\n"
    )
    rows = np.zeros(40, [("x", "<f8"), ("y", "<f8"), ("z", "<f8"), ("r", "u1")])
    rows["x"], rows["y"], rows["z"] = X.T
    (tmp_path / "scan.ply").write_bytes(header.encode() + rows.tobytes())
    np.save(tmp_path / "scan_npy.npy", X)
    out = tmp_path / "f.csv"
    assert extract_features.main([str(tmp_path), "-o", str(out), *CHEAP, "-q"]) == 0
    table = read_table(out).set_index("id")
    np.testing.assert_array_equal(table.loc["scan"].to_numpy(), table.loc["scan_npy"].to_numpy())


# ----------------------------------------------------------------------------------------------
# 9. --memory-budget
# ----------------------------------------------------------------------------------------------


def test_parse_size():
    from tdasheaf_pipelines import _cli

    assert _cli.parse_size("2G") == 2 * 2**30
    assert _cli.parse_size("500M") == 500 * 2**20
    assert _cli.parse_size("1.5GB") == int(1.5 * 2**30)
    assert _cli.parse_size(4096) == _cli.parse_size("4096") == 4096
    for bad in ("2X", "-1G", "0", True, 1.5):
        with pytest.raises(_cli.BadArguments, match="memory-budget"):
            _cli.parse_size(bad)


def _has_budget() -> bool:
    return "memory_budget" in SheafFeatures().get_params()


@pytest.mark.parametrize("how", ["flag", "toml"])
def test_memory_budget_reaches_the_transformer_or_is_refused(tmp_path, monkeypatch, capsys, how):
    folder = _clouds(tmp_path / "in", 3)
    out = tmp_path / "f.csv"
    argv = [str(folder), "-o", str(out), *CHEAP, "-q"]
    if how == "flag":
        argv += ["--memory-budget", "500M"]
    else:
        (tmp_path / "c.toml").write_text('[run]\nmemory_budget = "500M"\n')
        argv += ["--config", str(tmp_path / "c.toml")]
    seen = []
    import tdasheaf_pipelines.extract_features as cli

    real = cli.extract_features

    def spy(sources, transformer, *args, **kwargs):
        seen.append(transformer.get_params().get("memory_budget"))
        return real(sources, transformer, *args, **kwargs)

    monkeypatch.setattr(cli, "extract_features", spy)
    code = extract_features.main(argv)
    if _has_budget():
        assert code == 0 and seen == [500 * 2**20]
    else:
        assert code == 2 and seen == []
        assert "no memory_budget parameter" in capsys.readouterr().err


def test_memory_budget_set_on_a_transformer_that_has_it():
    from sklearn.base import BaseEstimator, TransformerMixin
    from tdasheaf_pipelines import _cli

    class Budgeted(TransformerMixin, BaseEstimator):
        def __init__(self, memory_budget=None):
            self.memory_budget = memory_budget

    est = _cli.apply_memory_budget(Budgeted(), 2**30)
    assert est.memory_budget == 2**30
    assert _cli.apply_memory_budget(Budgeted(), None).memory_budget is None

    class Unbudgeted(TransformerMixin, BaseEstimator):
        def __init__(self, n_scales=3):
            self.n_scales = n_scales

    with pytest.raises(_cli.BadArguments, match="no memory_budget parameter"):
        _cli.apply_memory_budget(Unbudgeted(), 1)


def test_memory_budget_in_help():
    for module in (extract_features, detect_anomalies):
        text = module.build_parser().format_help()
        assert "--memory-budget" in text and "2G" in text


def test_memory_budget_in_tdasheaf_anomalies(tmp_path, capsys):
    folder = _clouds(tmp_path / "in", 4)
    table = tmp_path / "points.csv"
    np.savetxt(table, np.random.default_rng(0).normal(size=(50, 3)), delimiter=",")
    out = tmp_path / "s.csv"
    argv = [str(table), "--mode", "points", "-o", str(out), "--memory-budget", "1G"]
    assert detect_anomalies.main(argv) == 2
    assert "points mode" in capsys.readouterr().err
    argv = [str(folder), "-o", str(out), *CHEAP, "--lof-neighbors", "2", "--memory-budget", "1G"]
    assert detect_anomalies.main([*argv, "-q"]) == (0 if _has_budget() else 2)
    assert detect_anomalies.main([*argv[:-1], "lots"]) == 2


# ----------------------------------------------------------------------------------------------
# the library side
# ----------------------------------------------------------------------------------------------


def test_library_lock_refuses_a_second_writer_and_n_jobs_0(tmp_path):
    from tdasheaf._batch_store import output_lock
    from tdasheaf.batch import OutputInUseError
    from tdasheaf.batch import extract_features as extract
    from tdasheaf.io import find_sources

    sources = find_sources(_clouds(tmp_path / "in", 2))
    out = tmp_path / "f.csv"
    sf = SheafFeatures(sheaves=("constant",), n_scales=3, n_neighbors=6)
    with output_lock(out):
        with pytest.raises(OutputInUseError, match=f"pid {os.getpid()} on host"):
            extract(sources, sf, out)
        assert not (tmp_path / "f.csv.chunks").exists()
    with pytest.raises(ValueError, match="n_jobs must be"):
        extract(sources, sf, out, n_jobs=0)
    assert extract(sources, sf, out, n_jobs=64).n_done == 2  # capped at the one chunk
    assert not (tmp_path / "f.csv.lock").exists()


def test_a_huge_cloud_among_small_ones_is_an_error_row_within_the_budget(tmp_path):
    # issue 15: a cloud too large for the budget (here 40,000 × 10 under a 64 MiB budget, the
    # shape of the 200,000 × 10 report) becomes an error row; every small cloud beside it is
    # computed, and the run's peak RSS (VmHWM, read by the child itself) stays modest
    folder = _clouds(tmp_path / "in", 4, size=60)
    np.save(folder / "huge.npy", np.random.default_rng(1).normal(size=(40_000, 10)))
    out = tmp_path / "f.csv"
    argv = [str(folder), "-o", str(out), *CHEAP, "--memory-budget", "64M", "-q"]
    child = (
        "import sys\n"
        "from tdasheaf_pipelines.extract_features import main\n"
        f"code = main({argv!r})\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(hwm.split()[1]) // 1024, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 3, proc.stderr
    peak_mib = int(proc.stderr.strip().splitlines()[-1])
    assert peak_mib < 1024, peak_mib
    table = read_table(out)
    assert sorted(table["id"]) == [f"c{i:03d}" for i in range(4)]
    errors = read_table(Path(str(out) + ".errors.csv"))
    assert list(errors["id"]) == ["huge"]
    assert errors["error"][0] == "ComplexTooLargeError"
    assert "memory_budget" in errors["message"][0]
