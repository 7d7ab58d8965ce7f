"""tdasheaf.report.write_html: a self-contained, well-formed page with decodable images.

A structural test (html.parser): every image is a data: URI that decodes to a PNG Pillow can
open, the tables are there, nothing is fetched from outside (no external src/href, no script,
no link), tags balance, and user text comes back escaped. A headless-Chromium screenshot runs
only where a Chromium binary exists (none is installed in CI).
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from tdasheaf.report import REPORT_KEYS, write_html

pytestmark = pytest.mark.filterwarnings("error")

EVIL = '<script>alert("x")</script> & "quotes"'
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "area", "base", "wbr",
        "path", "use", "rect", "circle", "line", "polyline", "polygon", "stop", "ellipse",
        "image"}


class _Page(HTMLParser):
    """Collects tags, attributes, text; checks that non-void tags balance."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag):
        return [a for t, a in self.tags if t == tag]


def _parse(path) -> tuple[str, _Page]:
    text = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    page.close()
    assert not page.errors and not page.stack, (page.errors, page.stack)
    return text, page


def _figure() -> Figure:
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig


@pytest.fixture
def results():
    rng = np.random.default_rng(0)
    n = 30
    ids = [f"cloud_{i:02d}" for i in range(n)]
    scores = rng.normal(size=n)
    scores[3] = 6.0
    diagram = np.array([[0.0, 0.5, 0.0], [0.0, np.inf, 0.0], [0.2, 0.9, 1.0], [0.0, 0.0, 1.0]])
    return {
        "title": f"Run {EVIL}",
        "dataset": {"inputs": "datasets/point_clouds/*.npy", "n_clouds": n, "note": EVIL},
        "summary": {"n_total": n, "n_done": n - 2, "n_failed": 2, "elapsed": 12.3456,
                    "resumed": False},
        "timing": {"read": 0.5, "features": 11.0},
        "errors": pd.DataFrame({"id": ["bad_1", "bad_2"],
                                "error": ["PointCloudReadError", "ValueError"],
                                "message": [f"cannot parse {EVIL}", "NaN in row 3"]}),
        "scores": pd.DataFrame({"id": ids, "score": scores, "is_anomaly": scores > 2.5}),
        "feature_importances": {f"orientation_H0_betti_t{i:02d}": float(v)
                                for i, v in enumerate(rng.normal(size=25))},
        "features": pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", EVIL, "d"]),
        "diagrams": {ids[0]: diagram, ids[1]: diagram[:1], "empty": np.empty((0, 3))},
        "clouds": {"circle": rng.normal(size=(40, 2)),
                   "coloured": (rng.normal(size=(40, 3)), rng.normal(size=40)),
                   "five_d": rng.normal(size=(40, 5))},
        "figures": {f"custom {EVIL}": _figure()},
        "notes": f"First paragraph {EVIL}.\n\nSecond paragraph.",
    }


def test_full_report_is_self_contained_and_escaped(tmp_path, results):
    path = write_html(results, tmp_path / "sub" / "report.html")
    assert path == tmp_path / "sub" / "report.html"
    text, page = _parse(path)
    # every section, in the documented order
    ids = [a["id"] for a in page.all("section")]
    assert ids == ["dataset", "summary", "timing", "errors", "scores", "importances",
                   "features", "diagrams", "clouds", "figures", "notes"]
    # images: data URIs of real PNGs
    imgs = page.all("img")
    assert len(imgs) == 1 + 1 + 1 + 3 + 1  # scores, importances, diagrams, 3 clouds, custom
    for img in imgs:
        assert img["src"].startswith("data:image/png;base64,") and img["alt"]
        data = base64.b64decode(img["src"].split(",", 1)[1], validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
            assert im.size[0] > 50 and im.size[1] > 50
    # nothing external, nothing executable
    assert not page.all("script") and not page.all("link") and not page.all("iframe")
    for tag, attrs in page.tags:
        for key in ("src", "href"):
            if key in attrs:
                assert attrs[key].startswith("data:" if key == "src" else "#"), (tag, attrs)
    assert "url(" not in text and "@import" not in text
    # user text: escaped in the source, intact in the parsed text
    assert "<script>" not in text and "&lt;script&gt;" in text
    joined = "".join(page.text)
    assert f"Run {EVIL}" in joined and f"cannot parse {EVIL}" in joined
    assert page.all("title") and f"Run {EVIL}" in joined
    # tables: dataset, summary, timing, errors, scores top-k, importances, features
    assert len(page.all("table")) == 7
    assert joined.count("cloud_03") >= 1 and "6" in joined
    assert "orientation_H0_betti_t" in joined
    # flagged anomalies highlighted, and the top row is the largest score
    assert len([a for a in page.all("tr") if a.get("class") == "flag"]) == 1
    assert "10 more rows not shown." in joined  # features: 30 rows, 20 shown
    assert "Second paragraph." in joined


def test_each_key_alone_and_empty_results(tmp_path, results):
    for key in results:
        _, page = _parse(write_html({key: results[key]}, tmp_path / f"{key}.html"))
        assert page.all("h1")
    text, page = _parse(write_html({}, tmp_path / "empty.html"))
    assert "tdasheaf report" in "".join(page.text) and not page.all("section")
    assert set(results) == set(REPORT_KEYS)


def test_svg_images_are_inline(tmp_path, results):
    small = {k: results[k] for k in ("title", "scores", "figures")}
    text, page = _parse(write_html(small, tmp_path / "r.html", image_format="svg"))
    assert not page.all("img") and len(page.all("svg")) == 2
    for tag, attrs in page.tags:
        for key in ("src", "href", "xlink:href"):
            assert not attrs.get(key, "#").startswith(("http", "//", "file:")), (tag, attrs)


def test_errors_table_empty_and_diagrams_as_array(tmp_path):
    D = np.zeros((8, 2, 3))
    D[:, 0, 1] = 1.0
    text, page = _parse(write_html(
        {"errors": pd.DataFrame(columns=["id", "error", "message"]), "diagrams": D},
        tmp_path / "r.html", max_diagrams=4))
    joined = "".join(page.text)
    assert "No errors." in joined and "4 of 8 samples" in joined
    assert len(page.all("img")) == 1


def test_scores_without_optional_columns(tmp_path):
    s = pd.DataFrame({"score": [0.3, 0.9, 0.1]}, index=["x", "y", "z"])
    text, page = _parse(write_html({"scores": s}, tmp_path / "r.html", top_k=2))
    rows = [r for r in page.text if r in ("x", "y", "z")]
    assert rows == ["y", "x"]  # ranked by score, top 2


def test_bad_inputs(tmp_path, results):
    out = tmp_path / "r.html"
    with pytest.raises(ValueError, match=r"unknown results key\(s\) \['colour'\]"):
        write_html({"colour": 1}, out)
    with pytest.raises(TypeError, match="results must be a dict"):
        write_html([("title", "x")], out)
    with pytest.raises(ValueError, match="needs the columns"):
        write_html({"scores": pd.DataFrame({"id": ["a"]})}, out)
    with pytest.raises(TypeError, match="matplotlib Figure"):
        write_html({"figures": {"x": object()}}, out)
    with pytest.raises(TypeError, match="must be a dict"):
        write_html({"summary": [1, 2]}, out)
    with pytest.raises(ValueError, match="image_format"):
        write_html({}, out, image_format="jpg")
    with pytest.raises(ValueError, match="top_k"):
        write_html({}, out, top_k=0)
    assert not out.exists()


def test_atomic_overwrite_leaves_no_temporary_files(tmp_path, results):
    out = tmp_path / "r.html"
    out.write_text("old")
    write_html({"title": "new"}, out)
    assert "new" in out.read_text() and [p.name for p in tmp_path.iterdir()] == ["r.html"]
    assert out.stat().st_mode & 0o044  # readable by others, like any file (not mkstemp's 0600)


@pytest.mark.skipif(
    not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
    reason="no headless Chromium installed (the structural tests above cover the page)",
)
def test_report_renders_in_headless_chromium(tmp_path, results):
    browser = next(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                   if shutil.which(b))
    page = write_html(results, tmp_path / "r.html")
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    with Image.open(shot) as im:
        assert im.size == (1200, 2000) and len(set(im.convert("L").getdata())) > 10


def test_cloud_values_are_labelled_on_the_colour_bar(tmp_path, monkeypatch):
    from tdasheaf import report

    seen = {}
    real = report._cloud_figure

    def spy(key, value):
        fig, caption = real(key, value)
        seen[key] = [a.get_ylabel() for a in fig.axes]
        return fig, caption

    monkeypatch.setattr(report, "_cloud_figure", spy)
    X = np.random.default_rng(0).normal(size=(30, 3))
    report.write_html({"clouds": {"c": (X, X[:, 0], "anomaly score")}}, tmp_path / "r.html")
    assert "anomaly score" in seen["c"]
    with pytest.raises(ValueError, match="tuple of 4"):
        report.write_html({"clouds": {"c": (X, X[:, 0], "a", "b")}}, tmp_path / "s.html")
