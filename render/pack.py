"""Render the board pack (:class:`analytics.report.pack.BoardPack`) to one self-contained HTML file and to PDF.

The paper
---------
A cover page (title, organisation, meeting, date, purpose, owner, author, executive summary, what the board is
asked to do, data sources and the contents), then the body sections numbered 1, 2, … running on without forced
page breaks, then the annexes, the first of them on a new page. Every printed page has its number ("Page 3 of
9", CSS ``@page`` margin boxes, which Chromium prints).

HTML
----
One file, nothing fetched: Plotly's JavaScript is inlined once in the head (``plotly.offline.get_plotlyjs``),
each figure is a ``<div>`` plus a small inline script, the style sheet is inline, fonts are the reader's
own sans-serif, and there are no images, links to style sheets or remote scripts. It opens offline and
prints to A4 (``@page size: A4``): headings stay with what follows, table rows and figures are not split
across pages, and table headers repeat when a table runs over a page. Tables whose columns declare widths
use them, so long text wraps inside its column.

PDF
---
The same HTML printed by a headless Chromium-family browser (``--headless --print-to-pdf``), so the PDF and
the HTML cannot disagree. The browser is found by :func:`render.browser.find_browser` (Chromium, Google Chrome or
Microsoft Edge, on the PATH or in their usual install places on Windows, macOS and Linux). Without one,
:func:`render_pdf` raises :class:`~analytics.errors.InputError` saying how to get one and that the HTML works
without it.

Numbers are rounded here and only here (the content model keeps full precision), with the helpers of
:mod:`analytics.format`: scores to one decimal, percentages to one decimal with "%", counts with thousands
separators, correlations to two decimals, missing values as "no data" and suppressed rows as "fewer than
k responses".
"""

from __future__ import annotations

import html
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import plotly.io as pio

from analytics import format as fmt
from analytics import labels
from analytics.errors import InputError
from analytics.report.pack import ANNEX_KEYS, BoardPack, Bullets, Column, Cover, Figure, Section, Table, Text
from render.browser import BROWSER_NAMES, PDF_NEEDS_CHROMIUM, find_browser
from render.pack_figures import FIGURE_HEIGHT, FIGURE_WIDTH, figure_object

__all__ = ["BROWSER_NAMES", "FIGURE_HEIGHT", "FIGURE_WIDTH", "PDF_NEEDS_CHROMIUM", "chromium_path", "figure_html",
           "figure_object", "format_kind", "html_to_pdf", "plotly_js", "render_html", "render_pdf", "table_html"]

#: Longest a PDF may take to print before giving up (seconds).
PDF_TIMEOUT_SECONDS = 120

_CSS = """
@page { size: A4; margin: 15mm 14mm 17mm 14mm;
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #444444; }
        @bottom-left { content: var(--running); font-size: 8pt; color: #444444; } }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
       font-size: 10pt; line-height: 1.4; color: #1b1b1b; background: #ffffff; max-width: 182mm;
       margin: 0 auto; padding: 8mm 0; counter-reset: section; }
h1 { font-size: 21pt; line-height: 1.2; margin: 0 0 2mm 0; color: #003087; }
h2 { font-size: 14pt; margin: 6mm 0 2.5mm 0; padding-bottom: 1.2mm; border-bottom: 2px solid #005EB8; }
section.body > h2::before { counter-increment: section; content: counter(section) ". "; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm 0; color: #003087; }
h2, h3, .caption-head { break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 2.2mm 0; }
p.lead { font-size: 10.5pt; }
p.note { font-size: 8.5pt; color: #444444; }
p.caveat { border-left: 4px solid #E69F00; background: #FFF6E5; padding: 2mm 3mm; }
section.cover { min-height: 250mm; }
.cover .org { font-size: 12pt; color: #333333; margin-bottom: 4mm; }
table.details { width: 100%; font-size: 9.5pt; margin: 0 0 4mm 0; }
table.details th { width: 22%; background: #E8EEF4; }
.fill { color: #666666; font-style: italic; }
.summary-box { border: 1px solid #005EB8; border-left: 5px solid #005EB8; padding: 2.5mm 4mm; margin: 0 0 4mm 0; }
.summary-box h3 { margin-top: 0; }
.cover ul.sources { font-size: 9pt; }
nav.contents { break-inside: avoid; page-break-inside: avoid; font-size: 9.5pt; }
nav.contents ol, nav.contents ul { margin: 0 0 2mm 0; padding-left: 6mm; columns: 2; column-gap: 8mm; }
nav.contents ul { list-style: none; padding-left: 0; }
nav.contents a { color: inherit; text-decoration: none; }
section.major { break-before: page; page-break-before: always; }
section.major.first { break-before: auto; page-break-before: auto; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 1mm 0 1.5mm 0; }
table.fixed { table-layout: fixed; }
thead { display: table-header-group; }
tr, td, th { break-inside: avoid; page-break-inside: avoid; }
th { background: #E8EEF4; text-align: left; vertical-align: bottom; font-weight: bold; font-size: 8pt;
     overflow-wrap: break-word; hyphens: auto; }
th, td { border: 1px solid #c8c8c8; padding: 0.9mm 1.3mm; vertical-align: top; }
td { overflow-wrap: break-word; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num .ci { color: #444444; font-size: 7.5pt; white-space: nowrap; }
td.suppressed, td.nodata { color: #555555; font-style: italic; background: #F2F2F2; }
.block { break-inside: avoid; page-break-inside: avoid; margin: 2.5mm 0 3.5mm 0; }
.block.long { break-inside: auto; page-break-inside: auto; }
.caption { font-size: 8pt; color: #444444; margin: 1mm 0 0 0; }
.caption-head { font-weight: bold; font-size: 9.5pt; margin: 0 0 1mm 0; }
.figure-plot { width: 100%; }
ul, ol { margin: 0 0 2.5mm 0; padding-left: 6mm; }
li { margin-bottom: 1mm; break-inside: avoid; page-break-inside: avoid; }
li .source { display: block; font-size: 8pt; color: #555555; }
.rag { font-weight: bold; white-space: nowrap; }
footer { font-size: 8pt; color: #555555; border-top: 1px solid #bbbbbb; margin-top: 5mm; padding-top: 2mm; }
@media screen { body { padding: 10mm 6mm; } section.cover { min-height: 0; border-bottom: 1px solid #bbbbbb; } }
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
    colgroup = _colgroup(table.columns)
    rows = []
    for record in frame.astype(object).to_dict(orient="records"):
        rows.append("<tr>" + "".join(_cell(record, c, min_group_size) for c in table.columns) + "</tr>")
    size = "block long" if len(frame) > 5 else "block"  # a long table may run over a page (rows never split)
    return (f'<div class="{size}" id="{_anchor(table.ref)}">{head}<table{colgroup[0]}>{colgroup[1]}<thead><tr>{header}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{caption}</div>')


def _colgroup(columns: list[Column]) -> tuple[str, str]:
    """The table's class and ``<colgroup>`` when its columns declare widths: a fixed layout when every column
    has one (text wraps inside its column; figures keep theirs), widths as hints otherwise."""
    if not any(c.width for c in columns):
        return "", ""
    cols = "".join(f'<col style="width:{int(c.width)}%">' if c.width else "<col>" for c in columns)
    fixed = ' class="fixed"' if all(c.width for c in columns) else ""
    return fixed, f"<colgroup>{cols}</colgroup>"


def _anchor(ref: str) -> str:
    return ref.lower().replace(" ", "-")


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------
def figure_html(figure: Figure, min_group_size: int) -> str:
    fig = figure_object(figure, min_group_size)
    div = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=_anchor(figure.ref) + "-plot",
                      config={"displayModeBar": False, "responsive": False, "staticPlot": False})
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


def _section_html(section: Section, css: str, min_group_size: int) -> str:
    body = "".join(_block_html(b, min_group_size) for b in section.blocks)
    return (f'<section class="{css}" id="{html.escape(section.key)}"><h2>{html.escape(section.title)}</h2>'
            f"{body}</section>")


def _section_classes(pack: BoardPack) -> list[str]:
    """Body sections run on ("body"); the first body section starts after the cover, the first annex on a new
    page ("major"); the other annexes run on."""
    classes, annex_started = [], False
    for index, section in enumerate(pack.sections):
        if section.key in ANNEX_KEYS:
            classes.append("annex" if annex_started else "annex major")
            annex_started = True
        else:
            classes.append("body major" if index == 0 and pack.cover is not None else "body")
    return classes


def _field(value: str) -> str:
    """A cover field, or a line to fill in by hand when it is blank."""
    return html.escape(value) if value else '<span class="fill">to be completed</span>'


def _contents_html(pack: BoardPack) -> str:
    body = [s for s in pack.sections if s.key not in ANNEX_KEYS]
    annexes = [s for s in pack.sections if s.key in ANNEX_KEYS]
    link = lambda s: f'<li><a href="#{html.escape(s.key)}">{html.escape(s.title)}</a></li>'  # noqa: E731
    return (f'<nav class="contents"><h3>Contents</h3><ol>{"".join(link(s) for s in body)}</ol>'
            f'<ul>{"".join(link(s) for s in annexes)}</ul></nav>')


def cover_html(pack: BoardPack) -> str:
    """The cover page: title, organisation, the paper's details, executive summary, asks, sources, contents."""
    cover: Cover = pack.cover
    wave = (f"Survey wave {pack.wave}" + (f", compared with {pack.previous_wave}" if pack.previous_wave else "")
            if pack.wave else "No survey results")
    details = [("Meeting", _field(cover.meeting)), ("Date", html.escape(f"{cover.paper_date:%d %B %Y}")),
               ("Purpose", html.escape(cover.purpose)), ("Executive owner", _field(cover.owner)),
               ("Author", _field(cover.author)), ("Period", html.escape(wave))]
    rows = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in details)
    summary = "".join(f"<p>{html.escape(s)}</p>" for s in cover.summary)
    asks = "".join(f"<li>{html.escape(a)}</li>" for a in cover.asks)
    sources = "".join(f"<li>{html.escape(s)}</li>" for s in cover.sources)
    return (f'<section class="cover" id="cover"><h1>{html.escape(pack.title)}</h1>'
            f'<p class="org">{html.escape(pack.organisation)}</p>'
            f'<table class="details">{rows}</table>'
            f'<div class="summary-box"><h3>Executive summary</h3>{summary}</div>'
            f"<h3>The board is asked to</h3><ul>{asks}</ul>"
            f'<h3>Data sources</h3><ul class="sources">{sources}</ul>'
            f"{_contents_html(pack)}</section>")


def _css_string(text: str) -> str:
    """Text as a CSS string literal (for the running footer)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """Plotly's JavaScript bundle (inlined once per document)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def render_html(pack: BoardPack) -> str:
    """The board pack as one self-contained HTML document (see the module docstring)."""
    k = pack.min_group_size
    if pack.cover is not None:
        top = cover_html(pack)
    else:  # a pack assembled by hand: a title block and the contents
        top = (f'<header class="cover"><h1>{html.escape(pack.title)}</h1>'
               f'<p class="org">{html.escape(pack.organisation)}</p></header>{_contents_html(pack)}')
    sections = "".join(_section_html(s, css, k) for s, css in zip(pack.sections, _section_classes(pack)))
    footer = (f"<footer>{html.escape(pack.title)} · {html.escape(pack.organisation)} · "
              f"No figure rests on fewer than {k} responses. Associations between teams are not evidence of "
              "cause.</footer>")
    css = _CSS.replace("var(--running)", _css_string(pack.title))
    return ("<!DOCTYPE html>\n"
            f'<html lang="en-GB"><head><meta charset="utf-8"><title>{html.escape(pack.title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{css}</style>"
            f'<script type="text/javascript">{plotly_js()}</script>'
            f"</head><body>{top}{sections}{footer}</body></html>")


# --------------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------------
def chromium_path() -> str | None:
    """The Chromium-family browser that prints the PDF (:func:`render.browser.find_browser`), or None."""
    return find_browser()


def html_to_pdf(document: str, *, chromium: str | None = None, timeout: float = PDF_TIMEOUT_SECONDS) -> bytes:
    """Print an HTML document to A4 PDF with a headless Chromium-family browser; returns the PDF bytes."""
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
            raise InputError(f"The browser could not be started ({exc.strerror}). {PDF_NEEDS_CHROMIUM}") from None
        if not target.is_file() or target.stat().st_size == 0:
            detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] if completed.stderr else []
            raise InputError("The browser did not produce the PDF" + (f" ({detail[0]})" if detail else "") + ". The "
                             "HTML board pack can be printed from a browser instead.")
        return target.read_bytes()


def render_pdf(pack: BoardPack, *, chromium: str | None = None) -> bytes:
    """The board pack as PDF, printed from :func:`render_html` by a headless Chromium-family browser."""
    return html_to_pdf(render_html(pack), chromium=chromium)
