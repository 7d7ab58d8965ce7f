"""Benchmark figures quoted in README.md and docs/ match the committed JSON results.

Each quoted figure sits between ``<!-- bench:NAME:BLOCK[:ARG] -->`` and ``<!-- /bench -->``;
``pipelines/benchmarks/render_tables.py`` renders it from
``pipelines/benchmarks/results/NAME.json``.
These tests re-render every file in memory (no benchmark runs) and fail when a quoted block no
longer says what its JSON file says. Fix a failure by running
``python pipelines/benchmarks/render_tables.py`` (after rerunning the benchmark, if the JSON is
what changed).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "pipelines" / "benchmarks" / "render_tables.py"


@pytest.fixture(scope="module")
def rt():
    spec = importlib.util.spec_from_file_location("bench_render_tables", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(rt):
    return [p for p in rt.quoted_files(ROOT) if "<!-- bench:" in p.read_text(encoding="utf-8")]


def test_markers_exist(rt):
    names = {p.relative_to(ROOT).as_posix() for p in _files(rt)}
    assert {"README.md", "pipelines/benchmarks/README.md", "docs/sheaf_cohomology.md",
            "docs/sheaf_fusion.md"} <= names


PATTERNS = ("README.md", "docs/*.md", "pipelines/benchmarks/README.md")
FILES = [p.relative_to(ROOT).as_posix() for pat in PATTERNS for p in sorted(ROOT.glob(pat))]


def test_checked_files_are_the_renderers(rt):
    assert tuple(rt.DOCS) == PATTERNS


@pytest.mark.parametrize("relpath", FILES)
def test_quoted_blocks_match_json(rt, relpath):
    path = ROOT / relpath
    text = path.read_text(encoding="utf-8")
    rendered = rt.render_text(text)
    if rendered != text:
        problems = rt.check(ROOT)
        pytest.fail(
            f"{relpath}: quoted benchmark figures differ from pipelines/benchmarks/results/*.json; "
            "run `python pipelines/benchmarks/render_tables.py`.\n" + "\n".join(problems)
        )


def test_every_results_file_is_quoted_and_complete(rt):
    quoted = set()
    for path in _files(rt):
        quoted |= {m["name"] for m in rt.MARKER.finditer(path.read_text(encoding="utf-8"))}
    for name in quoted:
        doc = json.loads((rt.RESULTS / f"{name}.json").read_text(encoding="utf-8"))
        # the metadata a reader needs to trust a figure: how, when, where, with what
        assert doc.get("argv") is not None, name
        assert doc.get("date"), name
        assert doc.get("versions"), name


def test_stale_figure_is_detected(rt, tmp_path):
    row = {"category": "orthogonal", "cases": 2000, "exact": 1990}
    (tmp_path / "float_engine.json").write_text(
        json.dumps({"results": {"correctness": [row]}}), encoding="utf-8"
    )
    current = "<!-- bench:float_engine:exact:orthogonal -->1,990 of 2,000<!-- /bench -->"
    assert rt.render_text(current, tmp_path) == current
    stale = current.replace("1,990", "2,000")
    assert rt.render_text(stale, tmp_path) == current
    (tmp_path / "README.md").write_text(f"exact in {stale} cases\n", encoding="utf-8")
    problems = rt.check(tmp_path, tmp_path)
    assert len(problems) == 1 and "-exact in" in problems[0] and "+exact in" in problems[0]


def test_missing_file_key_or_renderer_fails(rt, tmp_path):
    with pytest.raises(rt.RenderError, match="does not exist"):
        rt.render_text("<!-- bench:no_such_benchmark:table -->x<!-- /bench -->", tmp_path)
    (tmp_path / "float_engine.json").write_text(json.dumps({"results": {}}), encoding="utf-8")
    with pytest.raises(rt.RenderError, match="lacks"):
        rt.render_text("<!-- bench:float_engine:exact:orthogonal -->x<!-- /bench -->", tmp_path)
    with pytest.raises(rt.RenderError, match="no renderer"):
        rt.render_text("<!-- bench:float_engine:nonsense -->x<!-- /bench -->", tmp_path)
    with pytest.raises(rt.RenderError, match="pair up"):
        rt.render_text("<!-- bench:float_engine:cases -->x", tmp_path)
    errors = []  # write mode: a bad marker is left as it is and reported
    text = "<!-- bench:float_engine:nonsense -->x<!-- /bench -->"
    assert rt.render_text(text, tmp_path, errors=errors) == text and len(errors) == 1


def test_block_marker_keeps_its_lines(rt, tmp_path):
    (tmp_path / "float_engine.json").write_text(
        json.dumps({"results": {"cases_per_category": 2000}}), encoding="utf-8"
    )
    text = "a <!-- bench:float_engine:cases -->?<!-- /bench --> b\n<!-- bench:float_engine:cases -->\nold\n<!-- /bench -->\n"  # noqa: E501
    assert rt.render_text(text, tmp_path) == (
        "a <!-- bench:float_engine:cases -->2,000<!-- /bench --> b\n"
        "<!-- bench:float_engine:cases -->\n2,000\n<!-- /bench -->\n"
    )


def test_formatting_rules(rt):
    assert rt.fmt_ratio(1.4449) == "1.44"
    assert rt.fmt_auc(0.97851) == "0.979"
    assert rt.fmt_auc_percent(99.62) == "99.6"
    assert rt.fmt_count(225000) == "225,000"
    assert rt.fmt_mib(1102 * 2**20) == "1,102 MiB"
    assert rt.fmt_range([0.89, 1.06, 0.92]) == "0.89–1.06"
    assert rt.mean_sd([1.0, 1.0, 1.0]) == "1.000 ± 0.000"
    assert rt.mean_sd([0.5, 1.5], rt.fmt_ratio) == "1.00 ± 0.50"
