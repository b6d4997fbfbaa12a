"""Render the board pack (:class:`analytics.report.pack.BoardPack`) to one self-contained HTML file and to PDF.

HTML
----
One file, nothing fetched: Plotly's JavaScript is inlined once in the head (``plotly.offline.get_plotlyjs``),
each figure is a ``<div>`` plus a small inline script, the style sheet is inline, fonts are the reader's
own sans-serif, and there are no images, links to style sheets or remote scripts. It opens offline and
prints to A4 (``@page size: A4``): every major section starts on a new page, headings stay with what
follows, and tables rows and figures are not split across pages (table headers repeat when a table runs
over a page).

PDF
---
The same HTML printed by Debian's headless Chromium (``chromium --headless --print-to-pdf``), so the PDF
and the HTML cannot disagree. Chromium is looked for as ``chromium`` / ``chromium-browser`` /
``google-chrome`` on the PATH (``/usr/bin/chromium`` on Debian). Without it, :func:`render_pdf` raises
:class:`~analytics.errors.InputError` saying that the PDF needs Chromium and that the HTML works without it.

Numbers are rounded here and only here (the content model keeps full precision), with the helpers of
:mod:`analytics.format`: scores to one decimal, percentages to one decimal with "%", counts with thousands
separators, correlations to two decimals, missing values as "no data" and suppressed rows as "fewer than
k responses".
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from analytics.errors import InputError
from analytics.report.pack import BoardPack, Bullets, Column, Figure, Section, Table, Text
from render import charts
from analytics import labels
from analytics import format as fmt

#: Plot width in CSS pixels: the A4 text width (210 mm - 2 x 14 mm margins = 182 mm) at 96 dpi is ~688 px.
FIGURE_WIDTH = 680
FIGURE_HEIGHT = 360
#: Chromium executables tried, in order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Longest a PDF may take to print before giving up (seconds).
PDF_TIMEOUT_SECONDS = 120

_CSS = """
@page { size: A4; margin: 16mm 14mm 16mm 14mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
       font-size: 10.5pt; line-height: 1.45; color: #1b1b1b; background: #ffffff; max-width: 182mm;
       margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 20pt; line-height: 1.2; margin: 0 0 4mm 0; }
h2 { font-size: 15pt; margin: 0 0 3mm 0; padding-bottom: 1.5mm; border-bottom: 2px solid #0072B2; }
h3 { font-size: 11.5pt; margin: 5mm 0 2mm 0; }
h2, h3, .caption-head { break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 2.5mm 0; }
p.lead { font-size: 11pt; }
p.note { font-size: 9pt; color: #444444; }
p.caveat { border-left: 4px solid #E69F00; background: #FFF6E5; padding: 2mm 3mm; }
.cover { border-bottom: 1px solid #bbbbbb; padding-bottom: 4mm; margin-bottom: 5mm; }
.cover .meta { font-size: 10pt; color: #333333; }
nav.contents ol { margin: 0 0 4mm 5mm; padding-left: 4mm; }
section.major { break-before: page; page-break-before: always; }
section.major.first { break-before: auto; page-break-before: auto; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 1mm 0 1.5mm 0; }
thead { display: table-header-group; }
tr, td, th { break-inside: avoid; page-break-inside: avoid; }
th { background: #E8EEF4; text-align: left; vertical-align: bottom; font-weight: bold; }
th, td { border: 1px solid #c8c8c8; padding: 1mm 1.4mm; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.num .ci { color: #444444; font-size: 8pt; }
td.suppressed, td.nodata { color: #555555; font-style: italic; background: #F2F2F2; }
.block { break-inside: avoid; page-break-inside: avoid; margin: 3mm 0 4mm 0; }
.block.long { break-inside: auto; page-break-inside: auto; }
.caption { font-size: 8.5pt; color: #444444; margin: 1mm 0 0 0; }
.caption-head { font-weight: bold; font-size: 9.5pt; margin: 0 0 1mm 0; }
.figure-plot { width: 100%; }
ul, ol { margin: 0 0 3mm 0; padding-left: 6mm; }
li { margin-bottom: 1.2mm; break-inside: avoid; page-break-inside: avoid; }
li .source { display: block; font-size: 8.5pt; color: #555555; }
.rag { font-weight: bold; white-space: nowrap; }
footer { font-size: 8.5pt; color: #555555; border-top: 1px solid #bbbbbb; margin-top: 6mm; padding-top: 2mm; }
@media screen { body { padding: 10mm 6mm; } }
@media print { body { padding: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
"""


# --------------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------------
def _bool_text(value: object) -> str:
    if fmt.is_missing(value):
        return "not tested"
    return "yes" if bool(value) else "no"


#: Kinds whose cells are words: each formats its own missing value.
_WORD_KINDS = {
    "bool": _bool_text,
    "text": lambda value: "" if fmt.is_missing(value) else str(value),
    "rag": lambda value: fmt.NO_DATA if fmt.is_missing(value) else str(value),
}
#: Kinds whose cells are numbers (given as floats; a missing value is "no data"); any other kind is a
#: plain number.
_NUMBER_KINDS = {
    "score": fmt.format_score,
    "pct": fmt.format_pct,
    "n": fmt.format_n,
    "r": fmt.format_r,
    "ratio": lambda v: fmt.format_number(v, 2),
    "p": lambda v: "< 0.001" if v < 0.001 else f"{v:.3f}",
    "change": lambda v: fmt.format_signed(v, 1),
    "pp": lambda v: fmt.format_signed(v, 1, " pp"),
    "change_n": lambda v: fmt.format_signed(v, 0),
}


def format_kind(value: object, kind: str) -> str:
    """One cell's text for a :data:`analytics.report.pack.COLUMN_KINDS` kind; missing values are "no data".

    >>> format_kind(7.06, "score"), format_kind(-0.234, "r"), format_kind(1.5, "pp"), format_kind(None, "pct")
    ('7.1', '−0.23', '+1.5 pp', 'no data')
    """
    if kind in _WORD_KINDS:
        return _WORD_KINDS[kind](value)
    if fmt.is_missing(value):
        return fmt.NO_DATA
    return _NUMBER_KINDS.get(kind, fmt.format_number)(float(value))


def _rag_html(word: str) -> str:
    style = labels.RAG_STYLE.get(word)
    if style is None:
        return html.escape(word)
    icon, colour = style
    return f'<span class="rag" style="color:{colour}">{icon} {html.escape(word)}</span>'


def _is_hidden(row: dict, min_group_size: int) -> bool:
    """A row flagged suppressed (or with the flag missing) shows no numbers."""
    if "suppressed" not in row:
        return False
    flag = row["suppressed"]
    return fmt.is_missing(flag) or bool(flag)


def _cell(row: dict, column: Column, min_group_size: int) -> str:
    kind = column.kind_of(row)
    if kind not in ("text", "rag", "bool") and _is_hidden(row, min_group_size):
        return f'<td class="suppressed">{html.escape(fmt.suppressed_text(min_group_size))}</td>'
    value = row.get(column.name)
    text = format_kind(value, kind)
    if kind not in ("text", "bool") and fmt.is_missing(value):
        text = column.missing
    if kind == "rag":
        return f"<td>{_rag_html(text)}</td>"
    if kind in ("text", "bool"):
        return f"<td>{html.escape(text)}</td>"
    if fmt.is_missing(value):
        return f'<td class="nodata">{html.escape(text)}</td>'
    interval = ""
    if column.ci is not None:
        low, high = row.get(column.ci[0]), row.get(column.ci[1])
        if not (fmt.is_missing(low) or fmt.is_missing(high)):
            bare = {"pp": "change"}.get(kind, kind)  # the unit is said once, after the value
            interval = f'<br><span class="ci">({format_kind(low, bare)} to {format_kind(high, bare)})</span>'
    return f'<td class="num">{html.escape(text)}{interval}</td>'


def table_html(table: Table, min_group_size: int) -> str:
    """A table block: heading with its ref, the table (or a sentence when it has no rows), the caption."""
    head = f'<p class="caption-head">{html.escape(table.ref)}. {html.escape(table.title)}</p>'
    caption = f'<p class="caption">{html.escape(table.caption)}</p>' if table.caption else ""
    frame = table.frame
    if frame.empty:
        body = f'<p class="note">{html.escape(table.empty_text)}</p>'
        return f'<div class="block" id="{_anchor(table.ref)}">{head}{body}{caption}</div>'
    header = "".join(f"<th>{html.escape(c.label)}</th>" for c in table.columns)
    rows = []
    for record in frame.astype(object).to_dict(orient="records"):
        rows.append("<tr>" + "".join(_cell(record, c, min_group_size) for c in table.columns) + "</tr>")
    size = "block long" if len(frame) > 5 else "block"  # a long table may run over a page (rows never split)
    return (f'<div class="{size}" id="{_anchor(table.ref)}">{head}<table><thead><tr>{header}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{caption}</div>')


def _anchor(ref: str) -> str:
    return ref.lower().replace(" ", "-")


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------
def _print_layout(fig: go.Figure, height: int = FIGURE_HEIGHT) -> go.Figure:
    """White background, fixed A4 width, readable fonts: what prints well."""
    fig.update_layout(template="plotly_white", paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
                      width=FIGURE_WIDTH, height=height, font=dict(family="Helvetica, Arial, sans-serif", size=12),
                      margin=dict(l=60, r=20, t=40, b=50))
    return fig


def trend_figure(figure: Figure, min_group_size: int) -> go.Figure:
    """Organisation scores across waves (``render.charts.trend_lines``), with 95% CI bars."""
    fig = charts.trend_lines(figure.data, x="wave", y="mean", color="measure", ci_low="ci_low", ci_high="ci_high",
                             y_title="Mean score (0–10)", x_title="Survey wave", data_label="Staff survey",
                             unit_of_analysis="organisation", min_group_size=min_group_size)
    return _print_layout(fig)


def behaviours_figure(figure: Figure) -> go.Figure:
    """Horizontal bars: % positive per behaviour, this wave (solid) and the previous wave (hatched)."""
    data = figure.data
    wave = str(figure.options.get("wave"))
    previous = figure.options.get("previous_wave")
    order = list(dict.fromkeys(data["label"] + " (" + data["item"] + ")"))
    fig = go.Figure()
    waves = [(str(previous), labels.ORGANISATION_COLOUR, "/")] if previous is not None else []
    waves.append((wave, labels.UNIT_COLOUR, ""))
    for name, colour, pattern in waves:
        part = data[data["wave"].astype(str) == name]
        if part.empty:
            continue
        categories = (part["label"] + " (" + part["item"] + ")").tolist()
        values = [float(v) for v in part["pct_positive"]]
        fig.add_trace(go.Bar(name=f"Wave {name}", y=categories, x=values, orientation="h",
                             marker=dict(color=colour, pattern=dict(shape=pattern)),
                             text=[fmt.format_pct(v) for v in values], textposition="outside",
                             hovertemplate="%{y}: %{x:.1f}%<extra>" + html.escape(f"Wave {name}") + "</extra>"))
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.08, x=0))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(order)))
    fig.update_xaxes(title_text="Positive answers (%)", range=[0, 100])
    return _print_layout(fig, height=330)


def forest_figure(figure: Figure) -> go.Figure:
    """Pearson r with its 95% CI per pair, with a line at zero (no association)."""
    data = figure.data
    fig = go.Figure(go.Scatter(
        x=[float(v) for v in data["r"]], y=data["label"].tolist(), mode="markers",
        marker=dict(color=labels.UNIT_COLOUR, size=9, symbol="square"),
        error_x=dict(type="data", symmetric=False, color=labels.UNIT_COLOUR, thickness=1.5,
                     array=[float(h - r) for h, r in zip(data["r_ci_high"], data["r"])],
                     arrayminus=[float(r - lo) for lo, r in zip(data["r_ci_low"], data["r"])]),
        customdata=[[fmt.format_r(lo), fmt.format_r(hi), int(n)] for lo, hi, n in
                    zip(data["r_ci_low"], data["r_ci_high"], data["n"])],
        hovertemplate="%{y}<br>r = %{x:.2f} (95% CI %{customdata[0]} to %{customdata[1]}); %{customdata[2]} teams"
                      "<extra></extra>", showlegend=False))
    fig.add_vline(x=0, line_dash="dot", line_color=labels.REFERENCE_COLOUR)
    fig.update_xaxes(title_text="Pearson r between teams (95% CI)", range=[-1, 1], zeroline=False)
    fig.update_yaxes(autorange="reversed")
    return _print_layout(fig, height=max(260, 60 + 34 * len(data)))


_FIGURE_BUILDERS = {"behaviours": behaviours_figure, "forest": forest_figure}


def figure_object(figure: Figure, min_group_size: int) -> go.Figure:
    """The Plotly figure of a figure block."""
    if figure.kind == "trend":
        return trend_figure(figure, min_group_size)
    try:
        return _FIGURE_BUILDERS[figure.kind](figure)
    except KeyError:
        raise InputError(f"Unknown figure kind '{figure.kind}'.") from None


def figure_html(figure: Figure, min_group_size: int) -> str:
    fig = figure_object(figure, min_group_size)
    div = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=_anchor(figure.ref) + "-plot",
                      config={"displayModeBar": False, "responsive": False})
    head = f'<p class="caption-head">{html.escape(figure.ref)}. {html.escape(figure.title)}</p>'
    caption = f'<p class="caption">{html.escape(figure.caption)}</p>' if figure.caption else ""
    return (f'<div class="block figure" id="{_anchor(figure.ref)}">{head}<div class="figure-plot">{div}</div>'
            f"{caption}</div>")


# --------------------------------------------------------------------------------------------------
# Document
# --------------------------------------------------------------------------------------------------
def _block_html(block: object, min_group_size: int) -> str:
    if isinstance(block, Text):
        return f'<p class="{html.escape(block.style)}">{html.escape(block.text)}</p>'
    if isinstance(block, Bullets):
        tag = "ol" if block.ordered else "ul"
        items = []
        for i, item in enumerate(block.items):
            source = block.refs[i] if i < len(block.refs) else ""
            extra = f'<span class="source">{html.escape(source)}</span>' if source else ""
            items.append(f"<li>{html.escape(item)}{extra}</li>")
        return f"<{tag}>{''.join(items)}</{tag}>"
    if isinstance(block, Table):
        return table_html(block, min_group_size)
    if isinstance(block, Figure):
        return figure_html(block, min_group_size)
    raise TypeError(f"unknown block {type(block).__name__}")  # pragma: no cover - the model has four block types


def _section_html(section: Section, first: bool, min_group_size: int) -> str:
    css = "major first" if first else "major"
    body = "".join(_block_html(b, min_group_size) for b in section.blocks)
    return (f'<section class="{css}" id="{html.escape(section.key)}"><h2>{html.escape(section.title)}</h2>'
            f"{body}</section>")


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """Plotly's JavaScript bundle (inlined once per document)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def render_html(pack: BoardPack) -> str:
    """The board pack as one self-contained HTML document (see the module docstring)."""
    k = pack.min_group_size
    meta = [f"Survey wave {pack.wave}" + (f", compared with {pack.previous_wave}" if pack.previous_wave else "")
            if pack.wave else "No survey results",
            f"Anonymity threshold: {k} responses", f"Produced {pack.generated_at:%d %B %Y}"]
    cover = (f'<header class="cover"><h1>{html.escape(pack.title)}</h1>'
             f'<p class="lead">{html.escape(pack.organisation)}</p>'
             f'<p class="meta">{" · ".join(html.escape(m) for m in meta)}</p></header>')
    contents = "".join(f"<li>{html.escape(s.title)}</li>" for s in pack.sections)
    nav = f'<nav class="contents"><h3>Contents</h3><ol>{contents}</ol></nav>'
    sections = "".join(_section_html(s, i == 0, k) for i, s in enumerate(pack.sections))
    footer = (f"<footer>{html.escape(pack.title)} · {html.escape(pack.organisation)} · "
              f"No figure rests on fewer than {k} responses. Associations between teams are not evidence of "
              "cause.</footer>")
    return ("<!DOCTYPE html>\n"
            f'<html lang="en-GB"><head><meta charset="utf-8"><title>{html.escape(pack.title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_CSS}</style>"
            f'<script type="text/javascript">{plotly_js()}</script>'
            f"</head><body>{cover}{nav}{sections}{footer}</body></html>")


# --------------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------------
def chromium_path() -> str | None:
    """The Chromium executable, or None when none is installed."""
    override = os.environ.get("CHROMIUM_PATH")
    if override and Path(override).is_file():
        return override
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


PDF_NEEDS_CHROMIUM = ("The PDF is printed by the Chromium web browser, which is not installed on this computer "
                      "(on Debian or Ubuntu: apt-get install chromium). The HTML board pack works without it and "
                      "can be printed to PDF from any browser.")


def html_to_pdf(document: str, *, chromium: str | None = None, timeout: float = PDF_TIMEOUT_SECONDS) -> bytes:
    """Print an HTML document to A4 PDF with headless Chromium; returns the PDF bytes."""
    executable = chromium or chromium_path()
    if executable is None:
        raise InputError(PDF_NEEDS_CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="board-pack-") as folder:
        folder_path = Path(folder)
        source = folder_path / "board.html"
        target = folder_path / "board.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-extensions", "--no-pdf-header-footer", "--virtual-time-budget=20000",
            f"--user-data-dir={folder_path / 'profile'}", f"--print-to-pdf={target}", source.as_uri(),
        ]
        try:
            completed = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(f"Printing the PDF took longer than {timeout:.0f} seconds and was stopped. The HTML "
                             "board pack can be printed from a browser instead.") from None
        except OSError as exc:
            raise InputError(f"Chromium could not be started ({exc.strerror}). {PDF_NEEDS_CHROMIUM}") from None
        if not target.is_file() or target.stat().st_size == 0:
            detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] if completed.stderr else []
            raise InputError("Chromium did not produce the PDF" + (f" ({detail[0]})" if detail else "") + ". The HTML "
                             "board pack can be printed from a browser instead.")
        return target.read_bytes()


def render_pdf(pack: BoardPack, *, chromium: str | None = None) -> bytes:
    """The board pack as PDF, printed from :func:`render_html` by headless Chromium."""
    return html_to_pdf(render_html(pack), chromium=chromium)
