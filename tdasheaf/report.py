"""A self-contained HTML page summarising a run: :func:`write_html`.

The page has no external assets and needs no JavaScript: figures are inlined as base64 PNG
(or inline SVG), styles sit in one ``<style>`` element, and the only links are anchors within
the page. Every piece of user text (title, ids, column names, cells, captions, error messages)
is HTML-escaped. The pipelines write one with ``--report PATH``
(``tdasheaf-extract``, ``tdasheaf-anomalies``); any script can build the ``results`` dict.
"""

from __future__ import annotations

import base64
import html
import io
import math
import numbers
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from tdasheaf.io import atomic_path

__all__ = ["REPORT_KEYS", "write_html"]

#: The keys ``write_html`` understands, in the order their sections appear on the page.
REPORT_KEYS = (
    "title",
    "dataset",
    "summary",
    "timing",
    "errors",
    "scores",
    "feature_importances",
    "features",
    "diagrams",
    "clouds",
    "figures",
    "notes",
)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:70em;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
nav a{margin-right:1em}table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.msg{max-width:40em;word-break:break-word}.scroll{overflow-x:auto}
figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}
figure img,figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}.note{color:#666;font-size:.9em}
tr.flag td{background:#fff1f0}
"""


# ----------------------------------------------------------------------------------------------
# Formatting helpers
# ----------------------------------------------------------------------------------------------


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value) -> tuple[str, bool]:
    """Escaped text of one cell, and whether it is numeric (right-aligned)."""
    if isinstance(value, (bool, np.bool_)):
        return ("yes" if value else "no"), False
    if isinstance(value, numbers.Integral):
        return f"{int(value)}", True
    if isinstance(value, numbers.Real):
        v = float(value)
        if math.isnan(v):
            return "NaN", True
        if math.isinf(v):
            return ("∞" if v > 0 else "−∞"), True
        return f"{v:.4g}", True
    if value is None:
        return "", False
    text = str(value)
    if len(text) > 600:
        text = text[:600] + "…"
    return _esc(text), False


def _table(columns, rows, *, flags=None, msg_columns=()) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = []
    for k, row in enumerate(rows):
        cells = []
        for c, v in zip(columns, row, strict=True):
            text, num = _fmt(v)
            cls = ' class="num"' if num else (' class="msg"' if c in msg_columns else "")
            cells.append(f"<td{cls}>{text}</td>")
        flag = ' class="flag"' if flags is not None and flags[k] else ""
        body.append(f"<tr{flag}>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _kv_table(mapping: Mapping) -> str:
    return _table(["", "value"], [(str(k), v) for k, v in mapping.items()])


def _frame_table(df, max_rows: int, *, msg_columns=(), flags=None) -> str:
    shown = df.head(max_rows)
    cols = [str(c) for c in shown.columns]
    rows = [tuple(r) for r in shown.itertuples(index=False, name=None)]
    out = _table(cols, rows, msg_columns=msg_columns,
                 flags=None if flags is None else list(flags[: len(rows)]))
    if len(df) > max_rows:
        out += f'<p class="note">{len(df) - max_rows} more rows not shown.</p>'
    return out


def _figure_html(fig, caption: str, image_format: str, dpi: int) -> str:
    buf = io.BytesIO()
    if image_format == "svg":
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
        svg = buf.getvalue().decode("utf-8")
        svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE
        body = f'<div role="img" aria-label="{_esc(caption)}">{svg}</div>'
    else:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight",
                    metadata={"Software": None})
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        body = f'<img alt="{_esc(caption)}" src="data:image/png;base64,{data}">'
    return f"<figure>{body}<figcaption>{_esc(caption)}</figcaption></figure>"


def _dataframe(value, key: str, required=()):
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        try:
            value = pd.DataFrame(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"results[{key!r}] must be a pandas DataFrame (or data pandas.DataFrame accepts), "
                f"got {type(value).__name__}: {exc}"
            ) from exc
    missing = [c for c in required if c not in value.columns]
    if missing:
        raise ValueError(
            f"results[{key!r}] needs the columns {list(required)}; missing {missing} "
            f"(has {[str(c) for c in value.columns]})."
        )
    return value


def _mapping(value, key: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise TypeError(f"results[{key!r}] must be a dict, got {type(value).__name__}.")
    return value


# ----------------------------------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------------------------------


def _scores_section(df, top_k: int, image_format: str, dpi: int) -> str:
    from matplotlib.figure import Figure

    df = _dataframe(df, "scores", required=("score",)).copy()
    if "id" not in df.columns:
        df.insert(0, "id", [str(i) for i in df.index])
    if "rank" not in df.columns:
        df["rank"] = df["score"].rank(ascending=False, method="first").astype(int)
    df = df.sort_values(["rank", "score"], ascending=[True, False], kind="stable")
    flagged = df["is_anomaly"].astype(bool).to_numpy() if "is_anomaly" in df.columns else None
    cols = ["rank", "id", "score"] + [c for c in df.columns if c not in ("rank", "id", "score")]
    parts = []
    n_flag = int(flagged.sum()) if flagged is not None else None
    text = f"{len(df)} samples"
    if n_flag is not None:
        text += f", {n_flag} flagged as anomalies (highlighted)"
    parts.append(f"<p>{_esc(text)}; the {min(top_k, len(df))} highest scores:</p>")
    parts.append(_frame_table(df[cols], top_k, flags=flagged))
    scores = df["score"].to_numpy(dtype=np.float64)
    finite = np.isfinite(scores)
    if finite.any():
        fig = Figure(figsize=(6.0, 3.2), layout="constrained")
        ax = fig.add_subplot()
        bins = np.histogram_bin_edges(scores[finite], bins=min(40, max(5, finite.sum() // 3)))
        if flagged is not None and flagged[finite].any():
            ax.hist([scores[finite & ~flagged], scores[finite & flagged]], bins=bins,
                    stacked=True, color=["C0", "C3"], label=["normal", "anomaly"])
            threshold = float(scores[finite & flagged].min())
            ax.axvline(threshold, color="C3", ls="--", lw=1)
            ax.legend(fontsize="small")
        else:
            ax.hist(scores[finite], bins=bins, color="C0")
        ax.set_xlabel("anomaly score")
        ax.set_ylabel("number of samples")
        ax.set_title("Distribution of scores")
        parts.append(_figure_html(fig, "Distribution of anomaly scores", image_format, dpi))
    return "".join(parts)


def _importances_section(value, top_k: int, image_format: str, dpi: int) -> str:
    import pandas as pd
    from matplotlib.figure import Figure

    if isinstance(value, pd.DataFrame):
        df = _dataframe(value, "feature_importances", required=("feature", "importance"))
        s = pd.Series(df["importance"].to_numpy(), index=df["feature"].astype(str))
    elif isinstance(value, (pd.Series, Mapping)):
        s = pd.Series(value, dtype=np.float64)
        s.index = s.index.astype(str)
    else:
        raise TypeError(
            "results['feature_importances'] must be a dict feature → importance, a Series, or "
            f"a DataFrame with columns feature, importance; got {type(value).__name__}."
        )
    s = s.astype(np.float64).sort_values(ascending=False, key=np.abs, kind="stable")
    top = s.head(top_k)
    parts = [_table(["feature", "importance"], list(top.items()))]
    if len(top):
        fig = Figure(figsize=(6.0, 0.25 * len(top) + 1.2), layout="constrained")
        ax = fig.add_subplot()
        ax.barh(np.arange(len(top))[::-1], top.to_numpy(), color="C0")
        ax.set_yticks(np.arange(len(top))[::-1], labels=list(top.index), fontsize="small")
        ax.set_xlabel("importance")
        ax.set_title(f"Top {len(top)} features")
        parts.append(_figure_html(fig, "Feature importances", image_format, dpi))
    return "".join(parts)


def _cloud_figure(key: str, value):
    from tdasheaf.plotting import plot_point_cloud

    values, label = None, None
    if isinstance(value, tuple):
        if len(value) not in (2, 3):
            raise ValueError(
                f"results['clouds'][{key!r}] must be an array, (array, values) or "
                f"(array, values, label); got a tuple of {len(value)}."
            )
        value, values, label = (*value, None)[:3]
    X = np.asarray(value, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 1:
        raise ValueError(f"results['clouds'][{key!r}] must be a 2-D array, got shape {X.shape}.")
    note = ""
    if X.shape[1] == 1:
        X = np.c_[X, np.zeros(len(X))]
    elif X.shape[1] > 3:
        Y = X - X.mean(axis=0)
        Vt = np.linalg.svd(Y, full_matrices=False)[2]
        X = Y @ Vt[:3].T
        note = " (first 3 principal components)"
    ax = plot_point_cloud(X, values, label=label, title=str(key))
    ax.figure.set_size_inches(4.2, 3.8)
    return ax.figure, f"{key}: {len(X)} points{note}"


# ----------------------------------------------------------------------------------------------
# Public entry point
# ----------------------------------------------------------------------------------------------


def write_html(
    results: Mapping,
    path,
    *,
    top_k: int = 20,
    max_rows: int = 20,
    max_diagrams: int = 6,
    image_format: str = "png",
    dpi: int = 96,
) -> Path:
    """Write a self-contained HTML report of a run and return its path.

    Parameters
    ----------
    results : dict
        Every key is optional; sections appear in this order, each only when its key is given.
        An unknown key raises :class:`ValueError` (listing the known ones, :data:`REPORT_KEYS`).

        ``"title"`` : str
            Page title (default ``"tdasheaf report"``).
        ``"dataset"`` : str or dict
            What was analysed: a paragraph, or a key → value table (inputs, number of clouds,
            points per cloud, ...).
        ``"summary"`` : dict
            Key → value table of the run: counts (``n_total``, ``n_done``, ``n_failed``,
            ``n_skipped``), parameters, output paths, ...
        ``"timing"`` : dict
            Stage → seconds (a table, with the total).
        ``"errors"`` : DataFrame
            One row per failed sample, columns ``id``, ``error``, ``message`` (the batch's
            error table); the first ``max_rows`` rows are shown. An empty frame prints
            "no errors".
        ``"scores"`` : DataFrame
            Anomaly scores: column ``score`` (higher = more anomalous) and optionally ``id``
            (else the index), ``rank`` (1 = most anomalous; else computed from ``score``),
            ``is_anomaly`` (bool; flagged rows are highlighted), any other columns. Shown: the
            ``top_k`` rows by rank and a histogram of all scores (flagged ones stacked in red,
            the threshold as a dashed line).
        ``"feature_importances"`` : dict, Series or DataFrame
            Feature → importance (a DataFrame needs columns ``feature``, ``importance``): the
            ``top_k`` largest in absolute value, as a table and a bar chart.
        ``"features"`` : DataFrame
            The feature table (e.g. ``BatchResult.table()``): its shape and first ``max_rows``
            rows.
        ``"diagrams"`` : dict id → diagram, or an array ``(n_samples, n_points, 3)``
            Persistence diagrams of a few samples (:func:`tdasheaf.plotting.plot_diagram`); the
            first ``max_diagrams`` are drawn.
        ``"clouds"`` : dict id → array, ``(array, values)`` or ``(array, values, label)``
            Point clouds drawn in 2-D/3-D (``D > 3``: first three principal components),
            optionally coloured by one value per point (``label`` names it on the colour bar);
            the first ``max_diagrams`` are drawn.
        ``"figures"`` : dict caption → :class:`matplotlib.figure.Figure`
            Any other figures, inlined with their captions (the figures are not closed).
        ``"notes"`` : str
            Free text; blank lines separate paragraphs.
    path : str or path-like
        Where to write (parent folders are created). Written atomically
        (:func:`tdasheaf.io.atomic_path`): a temporary file in the same folder, then
        :func:`os.replace`.
    top_k : int, default=20
        Rows of the scores and importances tables.
    max_rows : int, default=20
        Rows of the features and errors tables.
    max_diagrams : int, default=6
        Diagrams (and clouds) drawn.
    image_format : {"png", "svg"}, default="png"
        Base64 PNG ``<img>`` elements, or inline ``<svg>`` (larger, sharper).
    dpi : int, default=96
        PNG resolution.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> out = os.path.join(tempfile.mkdtemp(), "report.html")
    >>> scores = pd.DataFrame({"id": ["a", "b", "c"], "score": [0.1, 2.5, 0.3],
    ...                        "is_anomaly": [False, True, False]})
    >>> p = write_html({"title": "Anomalies <run 1>", "scores": scores}, out)
    >>> text = p.read_text(encoding="utf-8")
    >>> "Anomalies &lt;run 1&gt;" in text, "data:image/png;base64," in text
    (True, True)
    >>> write_html({"scores": scores, "colour": "red"}, out)
    Traceback (most recent call last):
    ...
    ValueError: unknown results key(s) ['colour']; known keys: title, dataset, summary, ...
    """
    if not isinstance(results, Mapping):
        raise TypeError(f"results must be a dict, got {type(results).__name__}.")
    unknown = [k for k in results if k not in REPORT_KEYS]
    if unknown:
        raise ValueError(
            f"unknown results key(s) {sorted(map(str, unknown))}; known keys: "
            f"{', '.join(REPORT_KEYS)}."
        )
    if image_format not in ("png", "svg"):
        raise ValueError(f"image_format must be 'png' or 'svg', got {image_format!r}.")
    for name, value in (("top_k", top_k), ("max_rows", max_rows), ("max_diagrams", max_diagrams),
                        ("dpi", dpi)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    page = _render(results, top_k, max_rows, max_diagrams, image_format, dpi)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def _render(results, top_k, max_rows, max_diagrams, image_format, dpi) -> str:
    title = str(results.get("title", "tdasheaf report"))
    sections: list[tuple[str, str, str]] = []  # (anchor, heading, html)

    if "dataset" in results:
        d = results["dataset"]
        body = _kv_table(d) if isinstance(d, Mapping) else f"<p>{_esc(d)}</p>"
        sections.append(("dataset", "Dataset", body))
    if "summary" in results:
        sections.append(("summary", "Summary", _kv_table(_mapping(results["summary"], "summary"))))
    if "timing" in results:
        timing = _mapping(results["timing"], "timing")
        rows = [(str(k), float(v)) for k, v in timing.items()]
        rows.append(("total", float(sum(v for _, v in rows))))
        sections.append(("timing", "Timing", _table(["stage", "seconds"], rows)))
    if "errors" in results:
        err = _dataframe(results["errors"], "errors")
        body = (
            "<p>No errors.</p>" if err.empty else
            f"<p>{len(err)} sample(s) failed.</p>"
            + _frame_table(err, max_rows, msg_columns=("message",))
        )
        sections.append(("errors", "Errors", body))
    if "scores" in results:
        sections.append(("scores", "Anomaly scores",
                         _scores_section(results["scores"], top_k, image_format, dpi)))
    if "feature_importances" in results:
        sections.append(("importances", "Feature importances",
                         _importances_section(results["feature_importances"], top_k,
                                              image_format, dpi)))
    if "features" in results:
        f = _dataframe(results["features"], "features")
        body = (f"<p>{f.shape[0]} rows × {f.shape[1]} columns; the first "
                f"{min(max_rows, len(f))} rows:</p>" + _frame_table(f, max_rows))
        sections.append(("features", "Features", body))
    if "diagrams" in results:
        sections.append(("diagrams", "Persistence diagrams",
                         _diagrams_section(results["diagrams"], max_diagrams, image_format, dpi)))
    if "clouds" in results:
        clouds = _mapping(results["clouds"], "clouds")
        figs = []
        for key in list(clouds)[:max_diagrams]:
            fig, caption = _cloud_figure(str(key), clouds[key])
            figs.append(_figure_html(fig, caption, image_format, dpi))
        sections.append(("clouds", "Point clouds", "".join(figs)))
    if "figures" in results:
        figs = []
        for caption, fig in _mapping(results["figures"], "figures").items():
            if not hasattr(fig, "savefig"):
                raise TypeError(
                    f"results['figures'][{caption!r}] must be a matplotlib Figure, got "
                    f"{type(fig).__name__} (pass ax.figure for an Axes)."
                )
            figs.append(_figure_html(fig, str(caption), image_format, dpi))
        sections.append(("figures", "Figures", "".join(figs)))
    if "notes" in results:
        paras = [p.strip() for p in str(results["notes"]).split("\n\n") if p.strip()]
        sections.append(("notes", "Notes", "".join(f"<p>{_esc(p)}</p>" for p in paras)))

    from tdasheaf import __version__

    nav = " ".join(f'<a href="#{a}">{_esc(h)}</a>' for a, h, _ in sections)
    content = "\n".join(f'<section id="{a}"><h2>{_esc(h)}</h2>{b}</section>'
                        for a, h, b in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n<body>"
        f"<header><h1>{_esc(title)}</h1>"
        f'<p class="note">Generated by tdasheaf {_esc(__version__)}.</p>'
        f"<nav>{nav}</nav></header>\n{content}\n</body></html>\n"
    )


def _diagrams_section(value, max_diagrams: int, image_format: str, dpi: int) -> str:
    from matplotlib.figure import Figure

    from tdasheaf.plotting import plot_diagram

    if isinstance(value, Mapping):
        items = [(str(k), v) for k, v in value.items()]
    else:
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim != 3:
            raise ValueError(
                "results['diagrams'] must be a dict id → diagram or an array of shape "
                f"(n_samples, n_points, 3), got shape {arr.shape}."
            )
        items = [(str(i), arr[i]) for i in range(len(arr))]
    if not items:
        return "<p>No diagrams.</p>"
    shown = dict(items[:max_diagrams])
    ncols = min(3, len(shown))
    nrows = -(-len(shown) // ncols)
    fig = Figure(figsize=(3.6 * ncols, 3.6 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for extra in axes[len(shown):]:
        extra.set_axis_off()
    plot_diagram(shown, ax=axes[: len(shown)], size=12.0)
    caption = f"Persistence diagrams of {len(shown)} of {len(items)} samples"
    return _figure_html(fig, caption, image_format, dpi)
