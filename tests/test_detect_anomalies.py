"""tdasheaf-anomalies (pipelines/detect_anomalies.py): modes, models, exit codes, outputs."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from tdasheaf_pipelines import _scoring
from tdasheaf_pipelines.detect_anomalies import main

import tdasheaf
from tdasheaf.datasets import make_cylinder, make_mobius_band, make_sphere, random_rotation
from tdasheaf.io import read_table

CHEAP = ["--sheaves", "constant,orientation", "--n-scales", "4"]
PUSHED = [10, 50, 120, 230, 333]  # sphere points pushed off the surface
PERIOD, WINDOW, N_WINDOWS, ODD_WINDOW = 25, 150, 16, 9
HAS_PARQUET = importlib.util.find_spec("pyarrow") is not None


def _bands(folder: Path, seed: int, n_cylinders: int, n_mobius: int) -> Path:
    """Cylinders and Möbius bands (150 points, width 0.5–0.8, noise 0.01, random rotations)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n_cylinders + n_mobius):
        width, s = rng.uniform(0.5, 0.8), int(rng.integers(2**31))
        if i < n_cylinders:
            X, name = make_cylinder(150, width=width, noise=0.01, random_state=s), f"cyl_{i:02d}"
        else:
            X = make_mobius_band(150, width=width, uniform="area", noise=0.01, random_state=s)
            name = f"mobius_{i - n_cylinders}"
        np.save(folder / f"{name}.npy", random_rotation(X, random_state=s))
    return folder


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return _bands(tmp_path_factory.mktemp("mixed"), 1, 12, 2)


@pytest.fixture(scope="module")
def cylinders(tmp_path_factory):
    return _bands(tmp_path_factory.mktemp("cylinders"), 2, 12, 0)


def _sphere(seed: int, pushed=PUSHED) -> pd.DataFrame:
    X = make_sphere(400, noise=0.01, random_state=seed)
    X[list(pushed)] *= 1.3
    names = [f"p{i:03d}" for i in range(len(X))]
    return pd.DataFrame(X, columns=["x", "y", "z"]).assign(name=names, label="sphere")


@pytest.fixture(scope="module")
def spheres(tmp_path_factory):
    folder = tmp_path_factory.mktemp("points")
    _sphere(0).to_csv(folder / "sphere.csv", index=False)
    _sphere(1, pushed=[]).to_csv(folder / "clean.csv", index=False)
    _sphere(2, pushed=[3, 77, 150, 299, 388]).to_csv(folder / "new.csv", index=False)
    return folder


def _signal(n_windows: int, odd: int | None, seed: int) -> pd.DataFrame:
    """A sine of period 25 samples whose frequency doubles in window ``odd``."""
    t = np.arange(WINDOW * n_windows)
    freq = np.where(t // WINDOW == odd, 2.0, 1.0) if odd is not None else np.ones(len(t))
    phase = 2 * np.pi * np.cumsum(freq) / PERIOD
    noise = 0.03 * np.random.default_rng(seed).normal(size=(2, len(t)))
    return pd.DataFrame({"time": 0.1 * t, "value": np.sin(phase) + noise[0],
                         "other": np.cos(phase) + noise[1]})  # fmt: skip


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    folder = tmp_path_factory.mktemp("series")
    _signal(N_WINDOWS, ODD_WINDOW, 0).to_csv(folder / "signal.csv", index=False)
    _signal(12, None, 1).to_csv(folder / "clean.csv", index=False)
    return folder


def _ranks(table: pd.DataFrame) -> dict:
    return dict(zip(table["id"].astype(str), table["rank"], strict=True))


# ----------------------------------------------------------------------------------------------
# clouds
# ----------------------------------------------------------------------------------------------


def test_clouds_the_mobius_bands_rank_first(mixed, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main([str(mixed), "-o", str(out), *CHEAP]) == 0
    text = capsys.readouterr().out
    assert "clouds: 14 total, 14 scored, 0 failed" in text and "LocalOutlierFactor" in text
    table = read_table(out)
    assert table.columns.tolist() == ["id", "score", "rank", "is_anomaly"]
    assert table["id"].tolist() == sorted(table["id"])  # input order
    ranks = _ranks(table)
    assert {ranks["mobius_0"], ranks["mobius_1"]} == {1, 2}
    assert sorted(table["rank"]) == list(range(1, 15))
    assert read_table(tmp_path / "scores.csv.errors.csv").empty
    assert text.split("top 5: ")[1].startswith("mobius_")


def test_clouds_a_corrupt_file_is_an_error_row_and_exit_3(mixed, tmp_path, capsys):
    folder = Path(shutil.copytree(mixed, tmp_path / "with_bad"))
    (folder / "corrupt.npy").write_bytes(b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', garbage")
    np.save(folder / "tiny.npy", np.ones((2, 3)))
    out = tmp_path / "scores.csv"
    assert main([str(folder), "-o", str(out), *CHEAP]) == 3
    assert "16 total, 14 scored, 2 failed" in capsys.readouterr().out
    table = read_table(out)
    assert len(table) == 14 and {_ranks(table)[f"mobius_{i}"] for i in (0, 1)} == {1, 2}
    errors = read_table(tmp_path / "scores.csv.errors.csv").set_index("id")
    assert sorted(errors.index) == ["corrupt", "tiny"]
    assert errors.loc["corrupt", "error"] == "PointCloudReadError"


def test_clouds_fit_on_cylinders_then_score_a_mixed_folder(mixed, cylinders, tmp_path, capsys):
    out, model = tmp_path / "scores.csv", tmp_path / "bands.joblib"
    argv = [str(mixed), "--fit-on", str(cylinders), "-o", str(out), *CHEAP]
    assert main([*argv, "--save-model", str(model)]) == 0
    assert "fitted on the 12 reference clouds" in capsys.readouterr().out
    table = read_table(out).set_index("id")
    mobius = table.index.str.startswith("mobius")
    assert table.loc[mobius, "score"].min() > table.loc[~mobius, "score"].max()
    assert table.loc[mobius, "is_anomaly"].all()
    # the saved model scores the same folder to the same numbers, without fitting anything
    again = tmp_path / "again.csv"
    assert main([str(mixed), "--model", str(model), "-o", str(again), "-q"]) == 0
    pd.testing.assert_frame_equal(read_table(again).set_index("id"), table)


# ----------------------------------------------------------------------------------------------
# points
# ----------------------------------------------------------------------------------------------


def test_points_the_pushed_points_are_the_top_five(spheres, tmp_path):
    out = tmp_path / "points.csv"
    code = main([str(spheres / "sphere.csv"), "--id-column", "name", "--mode", "points",
                 "-o", str(out), "-q"])  # fmt: skip
    assert code == 0
    table = read_table(out)
    names = ("residual", "dimension", "frame", "orientation", "h0_join", "holonomy", "h0_bulk",
             "distance", "isolation", "tail")
    components = [f"component_{c}" for c in names]
    assert table.columns.tolist() == ["id", "score", "rank", "is_anomaly", *components]
    top5 = table.nsmallest(5, "rank")["id"].tolist()
    assert sorted(top5) == [f"p{i:03d}" for i in PUSHED]
    assert table.set_index("id").loc[top5, "is_anomaly"].all()
    # a sphere is read as a manifold (combine="auto"): score = the largest rotation-invariant
    # component; "label" (words) was not a feature column
    invariant = [c for c in components if c not in ("component_isolation", "component_tail")]
    np.testing.assert_allclose(table["score"], table[invariant].max(axis=1))
    # fit-and-score is LocalOutlierFactor's fit_predict: no point is its own neighbour
    X = pd.read_csv(spheres / "sphere.csv")[["x", "y", "z"]].to_numpy()
    labels = tdasheaf.SheafOutlierDetector().fit_predict(X)
    np.testing.assert_array_equal(table["is_anomaly"], labels == -1)
    # without --id-column the ids are row numbers, and the mode is inferred
    assert main([str(spheres / "sphere.csv"), "-o", str(out), "-q"]) == 0
    assert sorted(read_table(out).nsmallest(5, "rank")["id"].astype(int)) == PUSHED


def test_points_fit_on_save_model_then_model_never_refits(spheres, tmp_path, monkeypatch):
    ref, new = spheres / "clean.csv", spheres / "new.csv"
    model, first, second = tmp_path / "m.joblib", tmp_path / "a.parquet", tmp_path / "b.csv"
    if not HAS_PARQUET:
        first = tmp_path / "a.csv"
    common = ["--columns", "x,y,z", "--id-column", "name", "-q"]
    assert main([str(new), "--fit-on", str(ref), "--save-model", str(model), "-o", str(first),
                 *common]) == 0  # fmt: skip
    # in-process: the same detector by hand
    X_ref = pd.read_csv(ref)[["x", "y", "z"]].to_numpy()
    X_new = pd.read_csv(new)[["x", "y", "z"]].to_numpy()
    det = tdasheaf.SheafOutlierDetector(novelty=True).fit(X_ref)
    a = read_table(first)
    np.testing.assert_allclose(a["score"], -det.score_samples(X_new), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        a["component_frame"], det.score_components(X_new)["frame"], rtol=0, atol=1e-12
    )
    np.testing.assert_array_equal(a["is_anomaly"], det.predict(X_new) == -1)

    saved = model.read_bytes()
    payload = joblib.load(model)
    state = joblib.hash(payload["detector"])

    def refuse(*args, **kwargs):
        raise AssertionError("a saved model must never be refitted")

    monkeypatch.setattr(tdasheaf.SheafOutlierDetector, "fit", refuse)
    assert main([str(new), "--model", str(model), "-o", str(second), "-q", "--id-column",
                 "name"]) == 0  # fmt: skip
    b = read_table(second)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert model.read_bytes() == saved
    _scoring.detector_scores(payload["detector"], X_new, fitted_on_X=False)
    assert joblib.hash(payload["detector"]) == state


def test_points_nan_rows_are_error_rows_and_too_few_points_exit_2(tmp_path, capsys):
    table = _sphere(0).drop(columns=["name", "label"])
    table.loc[[7, 9], "y"] = np.nan
    table.to_csv(tmp_path / "nan.csv", index=False)
    out = tmp_path / "s.csv"
    assert main([str(tmp_path / "nan.csv"), "-o", str(out), "-q"]) == 3
    assert len(read_table(out)) == 398
    errors = read_table(tmp_path / "s.csv.errors.csv")
    assert errors["id"].astype(int).tolist() == [7, 9] and "'y'" in errors.loc[0, "message"]

    # fewer points than n_neighbors + 1: n_neighbors is lowered with a warning (as LOF does)
    table.iloc[10:25].to_csv(tmp_path / "some.csv", index=False)
    with pytest.warns(UserWarning, match=r"n_neighbors \(20\) is greater"):
        assert main([str(tmp_path / "some.csv"), "-o", str(out), "-q"]) == 0
    capsys.readouterr()
    table.iloc[10:12].to_csv(tmp_path / "few.csv", index=False)
    assert main([str(tmp_path / "few.csv"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "needs at least 3" in err and "Traceback" not in err


# ----------------------------------------------------------------------------------------------
# series
# ----------------------------------------------------------------------------------------------


def test_series_the_changed_window_ranks_first(series, tmp_path):
    out = tmp_path / "windows.csv"
    argv = [str(series / "signal.csv"), "--window", str(WINDOW), "--stride", str(WINDOW),
            "--columns", "value", "--time-column", "time", "-o", str(out), "-q",
            *CHEAP]  # fmt: skip
    assert main(argv) == 0
    table = read_table(out)
    assert table.columns.tolist()[:6] == ["id", "score", "rank", "is_anomaly", "start", "end"]
    bounds = tdasheaf.SlidingWindow(size=WINDOW, stride=WINDOW).window_bounds(N_WINDOWS * WINDOW)
    np.testing.assert_array_equal(table[["start", "end"]].to_numpy(), bounds)
    np.testing.assert_allclose(table["time_start"], 0.1 * bounds[:, 0])
    assert table.loc[table["rank"] == 1, "start"].item() == ODD_WINDOW * WINDOW


def test_series_fit_on_a_clean_series_and_model_round_trip(series, tmp_path, monkeypatch):
    out, again, model = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "s.joblib"
    signal = str(series / "signal.csv")
    argv = [
        signal,
        "--window",
        str(WINDOW),
        "--columns",
        "value",
        "--time-column",
        "time",
        "-q",
        *CHEAP,
    ]  # stride: window // 2 = 75
    assert main([*argv, "--fit-on", str(series / "clean.csv"), "-o", str(out),
                 "--save-model", str(model)]) == 0  # fmt: skip
    table = read_table(out)
    assert len(table) == (N_WINDOWS * WINDOW - WINDOW) // (WINDOW // 2) + 1
    top = table.loc[table["rank"] == 1]
    odd = (ODD_WINDOW * WINDOW, (ODD_WINDOW + 1) * WINDOW)
    assert top["start"].item() < odd[1] and top["end"].item() > odd[0]  # overlaps the change
    from sklearn.pipeline import Pipeline

    for cls in (tdasheaf.TakensEmbedding, Pipeline):  # nothing may be refitted
        monkeypatch.setattr(cls, "fit", None)
    assert main([signal, "--model", str(model), "-o", str(again), "-q"]) == 0
    pd.testing.assert_frame_equal(read_table(again), table)


def test_series_two_channels_with_a_gap(series, tmp_path):
    """Phase portraits of (sin, cos) windows (dimension 1); a NaN makes its window an error row."""
    table = _signal(N_WINDOWS, ODD_WINDOW, 0)
    table.loc[400, "other"] = np.nan  # in window 2 (samples 300-449)
    table.to_csv(tmp_path / "two.csv", index=False)
    out = tmp_path / "w.csv"
    argv = [str(tmp_path / "two.csv"), "--window", str(WINDOW), "--stride", str(WINDOW),
            "--columns", "value,other", "--dimension", "1", "--delay", "1", "-o", str(out), "-q",
            *CHEAP]  # fmt: skip
    assert main(argv) == 3
    assert len(read_table(out)) == N_WINDOWS - 1
    errors = read_table(tmp_path / "w.csv.errors.csv")
    assert errors["id"].tolist() == ["w02"] and "samples 300-449" in errors.loc[0, "message"]


def test_series_shorter_than_the_window_exits_2(series, tmp_path, capsys):
    short = tmp_path / "short.csv"
    _signal(1, None, 0).head(100).to_csv(short, index=False)
    assert (
        main([str(short), "--window", "150", "--columns", "value", "-o", str(tmp_path / "o.csv")])
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert "short.csv: the series has 100 samples, fewer than the window size=150" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "o.csv").exists()


# ----------------------------------------------------------------------------------------------
# arguments, outputs, report
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def points_model(spheres, tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    model = folder / "points.joblib"
    argv = [str(spheres / "clean.csv"), "-o", str(folder / "s.csv"), "--save-model", str(model)]
    assert main([*argv, "-q"]) == 0
    return model


def _stale_model(points_model, tmp_path):
    payload = joblib.load(points_model)
    payload["tdasheaf_version"] = "0.0.1"
    joblib.dump(payload, tmp_path / "old.joblib")
    return ["--model", str(tmp_path / "old.joblib")]


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda s, m, p: ["--mode", "trees"], "invalid choice: 'trees'"),
        (lambda s, m, p: [str(p / "missing")], "no such file or folder"),
        (lambda s, m, p: [str(s / "sphere.csv"), "-o", str(p / "o.txt")], ".csv or .parquet"),
        (lambda s, m, p: [str(s / "sphere.csv"), "--model", str(m), "--mode", "clouds"],
         "is a points model"),
        (lambda s, m, p: [str(s / "sphere.csv"), "--model", str(m), "--lof-neighbors", "3"],
         "fixes these settings"),
        (lambda s, m, p: [str(s / "sphere.csv"), *_stale_model(m, p)], "saved by tdasheaf 0.0.1"),
        (lambda s, m, p: [str(s / "sphere.csv"), "--contamination", "0.7"], "contamination"),
        (lambda s, m, p: [str(s / "sphere.csv"), "--columns", "x,w"], "no column 'w'"),
        (lambda s, m, p: [str(s / "sphere.csv"), "--columns", "x,label"], "'label' is not numeric"),
        (lambda s, m, p: [str(s / "sphere.csv"), "--mode", "series"], "needs --window"),
        (lambda s, m, p: [str(s / "sphere.csv"), "--delay", "3"], "for series mode"),
        (lambda s, m, p: [str(s), "--columns", "x"], "for points and series modes"),
        (lambda s, m, p: [str(s), "--detector", "sheaf"], "--detector sheaf scores points"),
        (lambda s, m, p: [str(s / "sphere.csv"), "--fit-on", str(s / "missing.csv")],
         "no such file"),
        (lambda s, m, p: [], "no inputs given"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2(spheres, points_model, tmp_path, capsys, make_args, message):
    args = make_args(spheres, points_model, tmp_path)
    if "-o" not in args:
        args = [*args, "-o", str(tmp_path / "o.csv")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("tdasheaf-anomalies: error: "), err
    assert "Traceback" not in err


def test_ctrl_c_exits_130(spheres, tmp_path, monkeypatch, capsys):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tdasheaf.SheafOutlierDetector, "fit", interrupt)
    assert main([str(spheres / "sphere.csv"), "-o", str(tmp_path / "s.csv")]) == 130
    assert "interrupted" in capsys.readouterr().err and not (tmp_path / "s.csv").exists()


def test_rank_ties_are_broken_by_id():
    table = _scoring.ranked_table(["b", "a", "c", "d"], np.array([1.0, 1.0, 0.5, 2.0]),
                                  np.zeros(4, dtype=bool))  # fmt: skip
    assert table["rank"].tolist() == [3, 2, 4, 1] and table["id"].tolist() == ["b", "a", "c", "d"]


def test_help_has_worked_examples(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert text.count("tdasheaf-anomalies ") >= 4 and "pickle" in text and "--fit-on" in text


@pytest.mark.skipif(not HAS_PARQUET, reason="parquet needs pyarrow")
def test_csv_and_parquet_outputs_agree(spheres, tmp_path):
    for name in ("s.csv", "s.parquet"):
        assert main([str(spheres / "sphere.csv"), "-o", str(tmp_path / name), "-q"]) == 0
    a, b = read_table(tmp_path / "s.csv"), read_table(tmp_path / "s.parquet")
    pd.testing.assert_frame_equal(a.drop(columns="id"), b.drop(columns="id"))
    assert a["id"].astype(int).tolist() == b["id"].tolist()


def test_report_has_the_scores_and_an_inline_png(spheres, series, tmp_path, capsys):
    report = tmp_path / "points.html"
    out = tmp_path / "p.csv"
    assert main([str(spheres / "sphere.csv"), "-o", str(out), "--report", str(report)]) == 0
    assert f"report: {report.resolve()}" in capsys.readouterr().out
    page = report.read_text(encoding="utf-8")
    assert "Anomaly scores" in page and "<table>" in page and "component_residual" in page
    assert page.count("data:image/png;base64,") >= 2  # the histogram and the cloud
    assert "coloured by anomaly score" in page
    report = tmp_path / "series.html"
    argv = [str(series / "signal.csv"), "--window", str(WINDOW), "--stride", str(WINDOW),
            "--columns", "value", "-o", str(tmp_path / "w.csv"), "--report", str(report), "-q",
            *CHEAP]  # fmt: skip
    assert main(argv) == 0
    page = report.read_text(encoding="utf-8")
    assert "flagged windows shaded" in page and page.count("data:image/png;base64,") >= 2


def test_one_toml_file_serves_both_commands(mixed, tmp_path, capsys):
    from tdasheaf_pipelines.extract_features import main as extract

    config = tmp_path / "c.toml"
    config.write_text(
        '[features]\nsheaves = ["constant", "orientation"]\nn_scales = 4\n'
        '[anomalies]\ndetector = "isolation-forest"\ncontamination = 0.15\n'
    )
    assert extract([str(mixed), "--config", str(config), "-o", str(tmp_path / "f.csv"), "-q"]) == 0
    assert "constant_H0_betti_t03" in read_table(tmp_path / "f.csv").columns
    out = tmp_path / "a.csv"
    assert main([str(mixed), "--config", str(config), "-o", str(out)]) == 0
    assert "IsolationForest(contamination=0.15" in capsys.readouterr().out
    assert read_table(out)["is_anomaly"].sum() == 2  # 15 % of the 14 fitted clouds
