"""Plotly figure builders: pure functions, tables in, ``plotly.graph_objects.Figure`` out.

Each builder takes one of the tables that leave the analytics layer (fixed column names, see
:mod:`analytics.settings`) and returns a figure with axis titles that name their units, colour-blind-safe
colours (:mod:`analytics.labels`) and a caption stored in ``fig.layout.meta["caption"]`` that names the data,
the period, the unit of analysis and n. Pages show it with ``st.caption(figure_caption(fig))``; every
builder also has a ``*_caption`` function giving the same text without drawing.

Anonymity (domain.md §2)
------------------------
Suppression is done by the analytics layer; the builders are a second line of defence. A row is treated
as suppressed when its ``suppressed`` flag is true *or missing*, or when its ``n`` is between 1 and
``min_group_size - 1``, and then none of its numbers (score, CI, % positive, n) is read: a suppressed
cell shows only why it is hidden (``suppressed_reason``: "fewer than k responses", or "hidden to protect a group with fewer than k responses"), and a suppressed unit is never a point, a bar or a
line value. A row with ``n = 0`` or no value is "no data", shown differently. Captions give counts of
units and ranges of n over shown units only.

Themes
------
No template is set and backgrounds are transparent, so ``st.plotly_chart(fig, theme="streamlit")``
applies the app's light or dark theme to fonts, grids and axes. Colours set explicitly are the
Okabe–Ito palette, Viridis / PuOr scales and a mid grey, all readable on both backgrounds; score text in
heatmap cells is black or white by the cell colour's luminance (:func:`text_colour_on`), and text outside
bars takes the theme's font colour.

Values in traces are plain Python lists (not NumPy arrays), so the figure JSON lists them as numbers
rather than base64 blocks; that keeps the figure inspectable in tests and in the browser.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go
from scipy import stats

from analytics.survey import privacy
from analytics import settings
from analytics.ingest.codebook import Codebook
from analytics.errors import InputError
from analytics import format as fmt
from analytics import labels

# --------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------


def chart_caption(*, data: str, period: str | None, unit_of_analysis: str, n_text: str,
                  notes: Iterable[str] = ()) -> str:
    """The caption every chart carries: data, period, unit of analysis, n, then notes.

    >>> chart_caption(data="Staff survey", period="wave 2025", unit_of_analysis="team",
    ...               n_text="12 teams shown")
    'Staff survey, wave 2025. Unit of analysis: team. 12 teams shown.'
    """
    head = f"{data}, {period}" if period else data
    parts = [head, f"Unit of analysis: {unit_of_analysis}", n_text, *[n for n in notes if n]]
    return " ".join(p.rstrip(".") + "." for p in parts if p)


def figure_caption(fig: go.Figure) -> str:
    """The caption a builder stored on ``fig`` ("" if there is none)."""
    meta = fig.layout.meta
    return meta.get("caption", "") if isinstance(meta, dict) else ""


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"The {what} must be a table.")
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise InputError(f"The {what} has no column {', '.join(repr(c) for c in missing)}. "
                         f"Columns present: {', '.join(map(str, frame.columns))}.")


def suppressed_mask(frame: pd.DataFrame, min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> pd.Series:
    """True for rows whose numbers must not be shown.

    A row is hidden when ``suppressed`` is true or missing, or when ``0 < n < min_group_size`` (a second
    line of defence behind :mod:`analytics.survey.privacy`). ``n = 0`` is "no data", not hidden: nobody answered,
    so there is nothing to protect, and pages say "no data" rather than "fewer than k responses". A frame
    without a ``suppressed`` column (e.g. HR metrics) is judged on ``n`` alone, if it has one.
    """
    hidden = pd.Series(False, index=frame.index)
    if "suppressed" in frame.columns:
        flag = frame["suppressed"].astype("boolean")
        hidden |= flag.fillna(True).astype(bool)
    if "n" in frame.columns:
        n = pd.to_numeric(frame["n"], errors="coerce")
        hidden |= ((n > 0) & (n < min_group_size)).fillna(False).astype(bool)
    return hidden


def hidden_label(row: object, min_group_size: int) -> str:
    """What a hidden row shows, by its ``suppressed_reason`` (primary when the row has none)."""
    return privacy.suppression_label(_reason_of(row), min_group_size)


def _value(x: object) -> float | None:
    """A float for a trace, or ``None`` for missing (Plotly draws a gap)."""
    return None if fmt.is_missing(x) else float(x)


def _style(fig: go.Figure, *, x_title: str | None, y_title: str | None, caption: str,
           extra_meta: dict | None = None) -> go.Figure:
    fig.update_layout(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hoverlabel=dict(align="left"),
        meta={"caption": caption, **(extra_meta or {})},
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


def _wave_text(wave: object) -> str:
    return f"wave {wave}"


def _blank(value: object) -> bool:
    """Missing or empty text (the organisation's parent is empty)."""
    return fmt.is_missing(value) or str(value).strip() == ""


def _unit_labels(units: pd.DataFrame) -> list[str]:
    """Display names of (parent, unit) rows; a unit name used under two parents gets "(parent)"."""
    counts = units["unit"].astype(str).value_counts()
    out = []
    for parent, unit in zip(units["parent"], units["unit"]):
        name = str(unit)
        if counts[name] > 1 and not _blank(parent):
            name = f"{name} ({parent})"
        out.append(name)
    return out


def _latest_wave(frame: pd.DataFrame) -> object:
    waves = frame["wave"].dropna().unique().tolist()
    if not waves:
        raise InputError("The results have no survey wave.")
    return sorted(waves)[-1]


# --------------------------------------------------------------------------------------------------
# 1. Heatmap: units x measures
# --------------------------------------------------------------------------------------------------

#: Short text of a grey heatmap cell, by suppression reason ("{k}": the threshold). A whole row hidden
#: for one reason gets the full words once, across the row; the hover always has the full words.
SUPPRESSED_CELL_TEXT = {
    settings.SUPPRESSION_PRIMARY: "n < {k}",
    settings.SUPPRESSION_COMPLEMENTARY: "hidden",
    settings.SUPPRESSION_COUNT_UNKNOWN: "n unknown",
}
#: Fill of a "no data" cell (nobody answered the measure's questions): a faint grey that reads as an
#: empty cell on light and dark backgrounds, unlike the solid grey of a suppressed cell.
NO_DATA_FILL = "rgba(140, 140, 140, 0.15)"
#: Text of a "no data" cell: a grey with about 4:1 contrast on white and on Streamlit's dark background.
NO_DATA_TEXT_COLOUR = "#767676"
#: Cell text colours, chosen by the cell's luminance (:func:`text_colour_on`).
DARK_TEXT = "#000000"
LIGHT_TEXT = "#FFFFFF"
#: A label across a whole heatmap row is wrapped at this many characters (the longest label, 66
#: characters at 11 px, fits on one line across the plot area of a page-wide chart).
ROW_LABEL_MAX_CHARS = 80


def _rgb(colour: str) -> tuple[float, float, float]:
    """(r, g, b) on 0–255 from "#RRGGBB", "rgb(r, g, b)" or "rgba(r, g, b, a)"."""
    text = colour.strip()
    if text.startswith("#"):
        h = text.lstrip("#")
        return tuple(float(int(h[i:i + 2], 16)) for i in (0, 2, 4))  # type: ignore[return-value]
    inside = text[text.index("(") + 1:text.index(")")].split(",")
    return tuple(float(v) for v in inside[:3])  # type: ignore[return-value]


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a colour, 0 (black) to 1 (white).

    ``L = 0.2126 R + 0.7152 G + 0.0722 B`` on linearised channels (``c / 12.92`` up to 0.04045, else
    ``((c + 0.055) / 1.055) ** 2.4``), from https://www.w3.org/TR/WCAG21/#dfn-relative-luminance.

    >>> relative_luminance("#FFFFFF"), relative_luminance("#000000")
    (1.0, 0.0)
    """
    def linear(channel: float) -> float:
        c = channel / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour_on(colour: str) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio on ``colour``.

    Contrast is ``(L_light + 0.05) / (L_dark + 0.05)``; black wins when ``(L + 0.05)² ≥ 0.05 × 1.05``,
    i.e. ``L ≥ 0.179``. One rule for every cell, so cells of similar colour get the same text colour.

    >>> text_colour_on("#FDE725"), text_colour_on("#440154")  # Viridis' two ends
    ('#000000', '#FFFFFF')
    """
    luminance = relative_luminance(colour)
    return DARK_TEXT if (luminance + 0.05) ** 2 >= 0.05 * 1.05 else LIGHT_TEXT


@functools.lru_cache(maxsize=8)
def _scale_stops(colourscale: str) -> tuple[tuple[float, tuple[float, float, float]], ...]:
    """A named colour scale as (position, (r, g, b)) stops, resolved once (Plotly's look-up is slow)."""
    return tuple((float(position), _rgb(plotly.colors.convert_colors_to_same_type(colour, "rgb")[0][0]))
                 for position, colour in plotly.colors.get_colorscale(colourscale))


def scale_colour(value: float, low: float, high: float, colourscale: str = labels.SEQUENTIAL_SCALE) -> str:
    """The colour Plotly paints ``value`` with on the named ``colourscale`` spanning ``low``–``high``
    (clipped): linear interpolation in RGB between the scale's stops, as ``plotly.colors.sample_colorscale``
    does (the tests compare the two)."""
    stops = _scale_stops(colourscale)
    position = 0.5 if high <= low else min(1.0, max(0.0, (float(value) - low) / (high - low)))
    for (p0, c0), (p1, c1) in zip(stops[:-1], stops[1:]):
        if position <= p1:
            t = 0.0 if p1 == p0 else (position - p0) / (p1 - p0)
            r, g, b = (a + t * (b_ - a) for a, b_ in zip(c0, c1))
            return f"rgb({r:.0f}, {g:.0f}, {b:.0f})"
    r, g, b = stops[-1][1]
    return f"rgb({r:.0f}, {g:.0f}, {b:.0f})"


def _reason_of(row: object) -> str:
    """A row's ``suppressed_reason`` code ("" when the table has none)."""
    reason = getattr(row, "suppressed_reason", "")
    return reason if isinstance(reason, str) else ""


def _wrap(text: str, width_chars: int) -> str:
    """Break ``text`` into lines of at most ``width_chars`` characters (at spaces), joined by ``<br>``."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width_chars:
            lines.append(current); current = word
        else:
            current = f"{current} {word}" if current else word
    return "<br>".join([*lines, current] if current else lines)


def _heatmap_rows(unit_scores: pd.DataFrame, wave: object, level: str, measures: Sequence[str] | None,
                  codebook: Codebook | None) -> tuple[pd.DataFrame, list[str]]:
    _require(unit_scores, ("wave", "level", "unit", "measure", "mean", "n", "ci_low", "ci_high", "suppressed"),
             "table of unit scores")
    rows = unit_scores[(unit_scores["wave"] == wave) & (unit_scores["level"] == level)].copy()
    if rows.empty:
        raise InputError(f"There are no {labels.level_label(level, 1)} results for {_wave_text(wave)}. "
                         "Choose another wave or level.")
    if "parent" not in rows.columns:
        rows["parent"] = pd.NA
    present = list(dict.fromkeys(rows["measure"].astype(str)))
    if measures is None:
        order = list(labels.measure_labels(codebook))
        measures = [m for m in order if m in present] + [m for m in present if m not in order]
    else:
        measures = [str(m) for m in measures]
        unknown = [m for m in measures if m not in present]
        if unknown:
            raise InputError(f"No results for {', '.join(unknown)} in {_wave_text(wave)}. "
                             f"Measures present: {', '.join(present)}.")
    rows = rows[rows["measure"].astype(str).isin(measures)]
    key = ["parent", "unit", "measure"]
    dupes = rows.astype({"parent": object}).duplicated(key, keep=False)
    if dupes.any():
        first = rows[dupes].iloc[0]
        raise InputError(f"The table of unit scores has more than one row for {first['unit']} and "
                         f"{first['measure']} in {_wave_text(wave)}.")
    return rows, measures


def default_score_range(scores: Iterable[float]) -> tuple[float, float]:
    """Whole points around the lowest and highest score (0–10 without scores; one point each side of a
    single value)."""
    shown = [float(v) for v in scores]
    if not shown:
        return (0.0, 10.0)
    low, high = float(math.floor(min(shown))), float(math.ceil(max(shown)))
    if low == high:
        low, high = max(0.0, low - 1), min(10.0, high + 1)
    return (low, high)


def heatmap_caption(unit_scores: pd.DataFrame, *, wave: object, level: str = settings.LEVEL_TEAM,
                    measures: Sequence[str] | None = None,
                    min_group_size: int, score_range: tuple[float, float] | None = None,
                    data_label: str = "Staff survey", codebook: Codebook | None = None) -> str:
    """Caption of :func:`heatmap_teams_by_measure`: units shown, grey cells and why, cells with no data,
    the n range of scored cells and the colour range."""
    rows, measures = _heatmap_rows(unit_scores, wave, level, measures, codebook)
    hidden = suppressed_mask(rows, min_group_size)
    units = rows[["parent", "unit"]].astype(object).drop_duplicates()
    hidden_units = rows[hidden][["parent", "unit"]].astype(object).drop_duplicates()
    shown = rows[~hidden]
    scores = pd.to_numeric(shown["mean"], errors="coerce").dropna()
    shown_n = pd.to_numeric(shown.loc[scores.index, "n"], errors="coerce").dropna()
    n_no_data = len(units) * len(measures) - int(hidden.sum()) - len(scores)
    n_units = len(units)
    n_text = f"{n_units} {labels.level_label(level, n_units)} × {len(measures)} measures"
    if len(hidden_units):
        hidden_rows = rows[hidden].astype({"parent": object, "unit": object})
        reasons = (hidden_rows["suppressed_reason"].astype(object).fillna("").astype(str)
                   if "suppressed_reason" in hidden_rows.columns else pd.Series("", index=hidden_rows.index))
        hidden_rows = hidden_rows.assign(
            _reason=[r if r in SUPPRESSED_CELL_TEXT else settings.SUPPRESSION_PRIMARY for r in reasons])
        codes = sorted(set(hidden_rows["_reason"]), key=list(SUPPRESSED_CELL_TEXT).index)
        # Short cell texts appear only in rows not hidden whole for one reason (those carry the words).
        whole = hidden_rows.groupby(["parent", "unit"], dropna=False)["_reason"].agg(["count", "nunique"])
        whole = whole[(whole["count"] == len(measures)) & (whole["nunique"] == 1)]
        in_cells = set(hidden_rows.set_index(["parent", "unit"]).drop(index=whole.index)["_reason"])
        why = ", or ".join(privacy.suppression_label(c, min_group_size)
                           + (f" (“{SUPPRESSED_CELL_TEXT[c].format(k=min_group_size)}” in a cell)"
                              if c in in_cells else "") for c in codes)
        n_text += (f"; {len(hidden_units)} {labels.level_label(level, len(hidden_units))} with grey cells, "
                   f"not scored: {why}")
    if n_no_data > 0:
        cells = "cell" if n_no_data == 1 else "cells"
        n_text += f"; {n_no_data} {cells} with {fmt.NO_DATA} (no answers to the measure's questions)"
    if len(shown_n):
        low, high = fmt.format_n(shown_n.min()), fmt.format_n(shown_n.max())
        n_text += f"; {low}–{high} responses per scored cell" if low != high else f"; {low} responses per scored cell"
    low, high = score_range if score_range is not None else default_score_range(scores)
    return chart_caption(
        data=data_label, period=_wave_text(wave), unit_of_analysis=labels.level_label(level, 1), n_text=n_text,
        notes=["Cell: mean score 0–10 of the unit's respondents (unweighted); hover for the 95% CI and n",
               f"Colours run from {low:g} to {high:g} points"],
    )


def heatmap_teams_by_measure(
    unit_scores: pd.DataFrame,
    *,
    wave: object,
    level: str = settings.LEVEL_TEAM,
    measures: Sequence[str] | None = None,
    min_group_size: int,
    sort_by: str | None = None,
    score_range: tuple[float, float] | None = None,
    data_label: str = "Staff survey",
    codebook: Codebook | None = None,
) -> go.Figure:
    """Heatmap of units (rows) by measures (columns): each cell is the unit's mean score 0–10.

    Parameters
    ----------
    unit_scores
        The unit-score table (``settings.UNIT_SCORE_COLUMNS``), already suppressed by the analytics layer.
        ``suppressed_reason`` is optional (without it a grey cell reads "fewer than k responses").
    wave, level
        Which wave and reporting level to draw (one row per unit).
    measures
        Measure ids, in column order; default: every measure present, in codebook order.
    min_group_size
        The threshold in use, for the suppression text (and the second-line check on ``n``).
    sort_by
        A measure id: rows ordered by that score, highest first, suppressed last; default: grouped by
        parent (a bold heading row per parent when there are several), then unit name.
    score_range
        The colour range. Default: the shown scores' range widened to whole points, stated in the caption.
        A page can pass one range for a whole wave, so that colours do not change with a filter.

    Returns
    -------
    A figure with traces:

    * ``"Scores"`` (heatmap, Viridis): ``z`` = mean score, ``text`` = score to one decimal, hover = unit,
      measure, score, 95% CI and n. It draws no text itself: see "Score labels".
    * ``"No data"`` (heatmap, faint grey): cells with no score and no suppression (nobody answered the
      measure's questions, or no row); text and hover "no data".
    * ``"Suppressed"`` (heatmap, solid grey): hidden cells; text by reason ("n < k", "hidden"), hover
      the full words (:func:`analytics.survey.privacy.suppression_label`). A row hidden whole for one reason
      has no cell text but one annotation across the row (the full words, on a grey background, so
      the cell gaps do not cut it).
    * ``"Score labels"`` (scatter, text only): the score of each scored cell in black or white, whichever
      contrasts more with the cell's colour (:func:`text_colour_on`).

    A suppressed cell has no score, CI or n anywhere in the figure. Heading rows (parents) have no cells;
    their tick label is blank and the parent's name is written at the left of the row.
    """
    rows, measures = _heatmap_rows(unit_scores, wave, level, measures, codebook)
    rows = rows.assign(is_hidden=suppressed_mask(rows, min_group_size).to_numpy())
    units = rows[["parent", "unit"]].astype(object).drop_duplicates()
    if sort_by is not None:
        if sort_by not in measures:
            raise InputError(f"Cannot sort by '{sort_by}': it is not one of the measures shown.")
        key = rows[(rows["measure"] == sort_by) & ~rows["is_hidden"]][["parent", "unit", "mean"]].astype(object)
        units = units.merge(key, on=["parent", "unit"], how="left")
        units["_score"] = pd.to_numeric(units["mean"], errors="coerce")
        units = units.sort_values("_score", ascending=False, na_position="last", kind="stable")
    else:
        units = units.sort_values(["parent", "unit"], key=lambda s: s.astype(str), kind="stable")
    units = units[["parent", "unit"]].reset_index(drop=True)
    unit_names = _unit_labels(units)
    parents = [p for p in dict.fromkeys(units["parent"]) if not _blank(p)]
    grouped = sort_by is None and len(parents) > 1
    # Rows of the figure: (category, tick text, (parent, unit, name) or None for a heading row).
    layout_rows: list[tuple[str, str, tuple | None]] = []
    previous = object()
    for (parent, unit), name in zip(units.itertuples(index=False, name=None), unit_names):
        if grouped and parent != previous and not _blank(parent):
            layout_rows.append((f"<b>{parent}</b>", "", None))
        previous = parent
        layout_rows.append((name, name, (parent, unit, name)))
    categories = [c for c, _, _ in layout_rows]
    measure_names = [labels.measure_label(m, codebook) for m in measures]

    lookup = {(str(r.parent), str(r.unit), str(r.measure)): r for r in rows.astype(object).itertuples(index=False)}
    scores = [_value(r.mean) for r in lookup.values() if not r.is_hidden and _value(r.mean) is not None]
    score_range = tuple(score_range) if score_range is not None else default_score_range(scores)
    grey_text_colour = text_colour_on(labels.SUPPRESSED_COLOUR)
    z, text, hover, blank, blank_text, blank_hover, grey, grey_text, grey_hover = ([] for _ in range(9))
    label_x, label_y, label_text, label_colour = [], [], [], []
    row_labels: list[tuple[str, str]] = []
    for category, _, unit_row in layout_rows:
        if unit_row is None:
            for matrix in (z, blank, grey):
                matrix.append([None] * len(measures))
            for matrix in (text, hover, blank_text, blank_hover, grey_text, grey_hover):
                matrix.append([""] * len(measures))
            continue
        parent, unit, name = unit_row
        head = f"<b>{name}</b>" + ("" if _blank(parent) else f" ({parent})")
        z_row, t_row, h_row, b_row, bt_row, bh_row, g_row, gt_row, gh_row = ([] for _ in range(9))
        row_reasons = []
        for measure, measure_name in zip(measures, measure_names):
            r = lookup.get((str(parent), str(unit), measure))
            if r is not None and r.is_hidden:  # never read the numbers of a hidden row
                reason = _reason_of(r)
                reason = reason if reason in SUPPRESSED_CELL_TEXT else settings.SUPPRESSION_PRIMARY
                row_reasons.append(reason)
                words = privacy.suppression_label(reason, min_group_size)
                z_row.append(None); t_row.append(""); h_row.append(f"{head}<br>{measure_name}: {words}")
                b_row.append(None); bt_row.append(""); bh_row.append("")
                g_row.append(1); gt_row.append(SUPPRESSED_CELL_TEXT[reason].format(k=min_group_size))
                gh_row.append(f"{head}<br>{measure_name}: {words}")
                continue
            row_reasons.append(None)
            g_row.append(None); gt_row.append(""); gh_row.append("")
            score = None if r is None else _value(r.mean)
            if score is None:
                no_data = f"{head}<br>{measure_name}: {fmt.NO_DATA}"
                z_row.append(None); t_row.append(""); h_row.append(no_data)
                b_row.append(1); bt_row.append(fmt.NO_DATA); bh_row.append(no_data)
                continue
            b_row.append(None); bt_row.append(""); bh_row.append("")
            z_row.append(score)
            t_row.append(fmt.format_score(score))
            h_row.append(f"{head}<br>{measure_name}: {fmt.format_score(score)}"
                         f"<br>{fmt.format_ci(r.ci_low, r.ci_high, 'score')}"
                         f"<br>n = {fmt.format_n(r.n)} responses")
            label_x.append(measure_name); label_y.append(category); label_text.append(fmt.format_score(score))
            label_colour.append(text_colour_on(scale_colour(score, *score_range)))
        if row_reasons and all(r is not None for r in row_reasons) and len(set(row_reasons)) == 1:
            gt_row = [""] * len(measures)
            row_labels.append((category, privacy.suppression_label(row_reasons[0], min_group_size)))
        for matrix, values in ((z, z_row), (text, t_row), (hover, h_row), (blank, b_row), (blank_text, bt_row),
                               (blank_hover, bh_row), (grey, g_row), (grey_text, gt_row), (grey_hover, gh_row)):
            matrix.append(values)

    common = dict(x=measure_names, y=categories, xgap=2, ygap=2, hoverongaps=False)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        name="Scores", z=z, text=text, hovertext=hover, hoverinfo="text",
        colorscale=labels.SEQUENTIAL_SCALE, zmin=score_range[0], zmax=score_range[1],
        colorbar=dict(title=dict(text="Score<br>(0–10)")), **common,
    ))
    fig.add_trace(go.Heatmap(
        name="No data", z=blank, text=blank_text, texttemplate="%{text}", hovertext=blank_hover, hoverinfo="text",
        textfont=dict(size=9, color=NO_DATA_TEXT_COLOUR), colorscale=[[0, NO_DATA_FILL], [1, NO_DATA_FILL]],
        showscale=False, **common,
    ))
    fig.add_trace(go.Heatmap(
        name="Suppressed", z=grey, text=grey_text, texttemplate="%{text}", hovertext=grey_hover, hoverinfo="text",
        textfont=dict(size=10, color=grey_text_colour),
        colorscale=[[0, labels.SUPPRESSED_COLOUR], [1, labels.SUPPRESSED_COLOUR]], showscale=False, **common,
    ))
    fig.add_trace(go.Scatter(
        name="Score labels", x=label_x, y=label_y, text=label_text, mode="text", hoverinfo="skip",
        textfont=dict(color=label_colour, size=12), showlegend=False,
    ))
    annotations = [dict(x=0.5, xref="x domain", y=category, yref="y", text=_wrap(words, ROW_LABEL_MAX_CHARS),
                        showarrow=False, bgcolor=labels.SUPPRESSED_COLOUR, borderpad=4,
                        font=dict(size=11, color=grey_text_colour)) for category, words in row_labels]
    annotations += [dict(x=0, xref="x domain", y=category, yref="y", text=category, showarrow=False,
                         xanchor="left", font=dict(size=12)) for category, _, unit_row in layout_rows if unit_row is None]
    fig.update_layout(annotations=annotations)  # at once: one add_annotation per row re-validates them all
    fig.update_yaxes(autorange="reversed", type="category", categoryorder="array", categoryarray=categories,
                     tickmode="array", tickvals=categories, ticktext=[tick for _, tick, _ in layout_rows])
    fig.update_xaxes(side="top", type="category", tickangle=-30, showgrid=False)
    fig.update_yaxes(showgrid=False, ticks="")  # grid lines would cross the heading rows' text
    fig.update_layout(height=max(320, 30 * len(categories) + 160))
    caption = heatmap_caption(unit_scores, wave=wave, level=level, measures=measures, min_group_size=min_group_size,
                              score_range=score_range, data_label=data_label, codebook=codebook)
    return _style(fig, x_title=None, y_title=labels.level_label(level, 1).capitalize(), caption=caption,
                  extra_meta={"score_range": list(score_range)})


# --------------------------------------------------------------------------------------------------
# 2. Scatter with least-squares fit and its confidence band
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitLine:
    """An ordinary least-squares line ``y = intercept + slope * x`` and its pointwise CI on a grid."""

    slope: float
    intercept: float
    n: int
    x: list[float]
    fitted: list[float]
    ci_low: list[float]
    ci_high: list[float]


def least_squares_fit(x: Sequence[float], y: Sequence[float], *, n_grid: int = 50,
                      confidence: float = settings.CONFIDENCE_LEVEL) -> FitLine | None:
    """Ordinary least-squares line of ``y`` on ``x`` with the confidence band of the fitted mean.

    Formulas (e.g. Draper & Smith, *Applied Regression Analysis*, ch. 1):
    ``slope = Sxy / Sxx``, ``intercept = ȳ − slope · x̄``, ``s² = SSE / (n − 2)``, and at each grid
    point ``x0`` the band is ``fit(x0) ± t(1 − α/2, n − 2) · s · √(1/n + (x0 − x̄)² / Sxx)``, which is
    what ``statsmodels`` ``OLS(...).get_prediction(...).conf_int()`` gives (the tests check this).
    The grid runs evenly from the smallest to the largest ``x``.

    Pairs with a missing value are dropped. Returns ``None`` when fewer than three pairs remain or all
    ``x`` are equal (no line or no band can be estimated).
    """
    xs = np.asarray(pd.to_numeric(pd.Series(list(x)), errors="coerce"), dtype=float)
    ys = np.asarray(pd.to_numeric(pd.Series(list(y)), errors="coerce"), dtype=float)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    n = len(xs)
    if n < 3:
        return None
    x_mean, y_mean = xs.mean(), ys.mean()
    sxx = float(np.sum((xs - x_mean) ** 2))
    if sxx <= 0:
        return None
    slope = float(np.sum((xs - x_mean) * (ys - y_mean)) / sxx)
    intercept = float(y_mean - slope * x_mean)
    residuals = ys - (intercept + slope * xs)
    s = math.sqrt(float(np.sum(residuals**2)) / (n - 2))
    t_crit = float(stats.t.ppf(0.5 + confidence / 2, n - 2))
    grid = np.linspace(xs.min(), xs.max(), n_grid)
    fitted = intercept + slope * grid
    half = t_crit * s * np.sqrt(1 / n + (grid - x_mean) ** 2 / sxx)
    return FitLine(slope=slope, intercept=intercept, n=n, x=grid.tolist(), fitted=fitted.tolist(),
                   ci_low=(fitted - half).tolist(), ci_high=(fitted + half).tolist())


def _scatter_points(points: pd.DataFrame, x: str, y: str, size: str | None, label: str | None,
                    min_group_size: int) -> tuple[pd.DataFrame, str, int, int]:
    label = label or ("unit" if "unit" in points.columns else None)
    _require(points, (x, y, size, label), "table of points")
    if label is None:
        raise InputError("The table of points needs a column naming each unit (e.g. 'unit').")
    hidden = suppressed_mask(points, min_group_size)
    visible = points[~hidden]
    xs = pd.to_numeric(visible[x], errors="coerce")
    ys = pd.to_numeric(visible[y], errors="coerce")
    complete = xs.notna() & ys.notna() & np.isfinite(xs.astype(float)) & np.isfinite(ys.astype(float))
    return visible[complete.to_numpy()], label, int(hidden.sum()), int((~complete).sum())


def scatter_caption(points: pd.DataFrame, x: str, y: str, *, size: str | None = None, label: str | None = None,
                    fit: bool = True, data_label: str = "Staff survey and HR records", period: str | None = None,
                    unit_of_analysis: str = "team", min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> str:
    """Caption of :func:`scatter_with_fit`: points shown and left out, what size and line mean."""
    shown, _, n_hidden, n_incomplete = _scatter_points(points, x, y, size, label, min_group_size)
    plural = unit_of_analysis if len(shown) == 1 else f"{unit_of_analysis}s"
    n_text = f"n = {len(shown)} {plural}, one point each"
    if n_hidden:
        n_text += f"; {n_hidden} with {fmt.suppressed_text(min_group_size)} not shown"
    if n_incomplete:
        n_text += f"; {n_incomplete} without both values not shown"
    notes = []
    if size is not None:
        notes.append(f"Point area shows {labels.display_label(size).lower()}")
    if fit:
        line = least_squares_fit(shown[x], shown[y])
        if line is None:
            notes.append("Too few points for a fitted line (at least 3 with different x values are needed)")
        else:
            notes.append("The line is an ordinary least-squares fit with its 95% confidence band; it shows an "
                         "association, not a cause")
    return chart_caption(data=data_label, period=period, unit_of_analysis=unit_of_analysis, n_text=n_text,
                         notes=notes)


def scatter_with_fit(
    points: pd.DataFrame,
    x: str,
    y: str,
    *,
    size: str | None = None,
    label: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    fit: bool = True,
    color: str | None = None,
    x_kind: str | None = None,
    y_kind: str | None = None,
    data_label: str = "Staff survey and HR records",
    period: str | None = None,
    unit_of_analysis: str = "team",
    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
    codebook: Codebook | None = None,
) -> go.Figure:
    """One point per unit, ``x`` against ``y``, sized by responses, with a least-squares line and 95% band.

    Parameters
    ----------
    points
        One row per unit: the ``label`` column (default ``unit``), ``x`` and ``y`` values, optionally
        ``size`` (e.g. ``n``, survey responses) and ``color`` (a grouping such as staff-group mix).
        Rows flagged suppressed (or with ``n`` below ``min_group_size``) are dropped; so are rows missing
        ``x`` or ``y`` (both counted in the caption).
    x_title, y_title
        Axis titles with units; default from :func:`analytics.labels.axis_title` (e.g. "Leaver rate (%)").
    fit
        Draw the pooled fit (:func:`least_squares_fit`, unweighted: one unit, one point) when there are
        at least three points. ``fig.layout.meta["fit"]`` then holds ``slope``, ``intercept`` and ``n``.
    x_kind, y_kind
        :func:`analytics.format.format_value` kinds for hover text; default from :func:`analytics.labels.value_kind`.

    Returns
    -------
    Traces: one marker trace per ``color`` group (or one, "Units"), then "95% confidence band" (filled
    polygon) and "Least-squares line" when fitted.
    """
    shown, label, _, _ = _scatter_points(points, x, y, size, label, min_group_size)
    _require(points, (color,), "table of points")
    x_title = x_title or labels.axis_title(x, codebook)
    y_title = y_title or labels.axis_title(y, codebook)
    x_kind = x_kind or labels.value_kind(x, codebook)
    y_kind = y_kind or labels.value_kind(y, codebook)
    x_name, y_name = labels.display_label(x, codebook), labels.display_label(y, codebook)

    diameters = None
    if size is not None:
        sizes = pd.to_numeric(shown[size], errors="coerce").astype(float)
        biggest = sizes.max()
        if pd.notna(biggest) and biggest > 0:
            # Marker area proportional to size: diameter ∝ √size, largest point 36 px, none below 7 px.
            diameters = (np.sqrt(sizes.fillna(0) / biggest) * 36).clip(lower=7).round(2)
    fig = go.Figure()
    groups = [(None, shown)] if color is None else list(shown.groupby(color, sort=True, dropna=False))
    for index, (group, part) in enumerate(groups):
        style = labels.series_style(index)
        hover = []
        for _, r in part.iterrows():
            line = (f"<b>{r[label]}</b><br>{x_name}: {fmt.format_value(r[x], x_kind)}"
                    f"<br>{y_name}: {fmt.format_value(r[y], y_kind)}")
            if size is not None:
                line += f"<br>{labels.display_label(size)}: {fmt.format_n(r[size])}"
            if color is not None:
                line += f"<br>{labels.display_label(color)}: {r[color]}"
            hover.append(line)
        marker = dict(color=style["colour"], symbol=style["symbol"], opacity=0.8,
                      line=dict(width=1, color=labels.REFERENCE_COLOUR))
        marker["size"] = diameters.loc[part.index].tolist() if diameters is not None else 10
        if color is None:
            name = f"{unit_of_analysis.capitalize()}s"
        else:
            name = settings.NOT_RECORDED_UNIT if _blank(group) else str(group)
        fig.add_trace(go.Scatter(
            name=name, mode="markers", x=[float(v) for v in part[x]], y=[float(v) for v in part[y]],
            text=[str(v) for v in part[label]], hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
            marker=marker, showlegend=color is not None,
        ))
    extra = {}
    if fit:
        line = least_squares_fit(shown[x], shown[y])
        if line is not None:
            fig.add_trace(go.Scatter(
                name="95% confidence band", x=line.x + line.x[::-1], y=line.ci_high + line.ci_low[::-1],
                fill="toself", fillcolor=labels.FIT_BAND_COLOUR, line=dict(width=0), hoverinfo="skip",
                legendgroup="fit", mode="lines",
            ))
            fig.add_trace(go.Scatter(
                name="Least-squares line", x=line.x, y=line.fitted, mode="lines",
                line=dict(color=labels.FIT_LINE_COLOUR, width=2), legendgroup="fit",
                hovertemplate=f"Fitted {y_name}: %{{y:.2f}} at {x_name} %{{x:.2f}}<extra></extra>",
            ))
            extra["fit"] = {"slope": line.slope, "intercept": line.intercept, "n": line.n}
    caption = scatter_caption(points, x, y, size=size, label=label, fit=fit, data_label=data_label, period=period,
                              unit_of_analysis=unit_of_analysis, min_group_size=min_group_size)
    fig.update_layout(hovermode="closest")
    return _style(fig, x_title=x_title, y_title=y_title, caption=caption, extra_meta=extra)


# --------------------------------------------------------------------------------------------------
# 3. Trend lines
# --------------------------------------------------------------------------------------------------


def _as_axis_values(series: pd.Series) -> tuple[list, bool]:
    """x values for a trace and whether the axis is a date axis (periods become their start dates)."""
    if isinstance(series.dtype, pd.PeriodDtype):
        series = series.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(series):
        return [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in series], True
    return [v.item() if hasattr(v, "item") else v for v in series], False


def _segments(mask: Sequence[bool]) -> list[list[int]]:
    """Runs of consecutive positions where ``mask`` is true."""
    runs, current = [], []
    for i, ok in enumerate(mask):
        if ok:
            current.append(i)
        elif current:
            runs.append(current); current = []
    if current:
        runs.append(current)
    return runs


def _with_alpha(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)}, {alpha})"


def trend_caption(frame: pd.DataFrame, x: str, y: str, *, color: str, markers_significant: str | None = None,
                  data_label: str = "Staff survey", period: str | None = None, unit_of_analysis: str = "organisation",
                  min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> str:
    """Caption of :func:`trend_lines`: series, points, hidden points (and why), points with no data, what
    the bars and stars mean."""
    _require(frame, (x, y, color), "table of results over time")
    hidden = suppressed_mask(frame, min_group_size)
    values = pd.to_numeric(frame[y], errors="coerce").astype(float)
    no_data = ~hidden & ~np.isfinite(values.fillna(np.nan).to_numpy(dtype=float))
    drawn = ~hidden & ~no_data
    xs = frame[x].dropna()
    if period is None and len(xs):
        low, high = xs.min(), xs.max()
        if isinstance(low, pd.Timestamp):
            low, high = low.strftime("%b %Y"), high.strftime("%b %Y")
        prefix = ("waves " if low != high else "wave ") if x == "wave" else ""
        period = prefix + (f"{low} to {high}" if low != high else str(low))
    n_series = frame[color].nunique(dropna=False)

    def points(count: int) -> str:
        return f"{count} point" if count == 1 else f"{count} points"

    n_text = f"{n_series} series, {points(int(drawn.sum()))}"
    if "n" in frame.columns:
        shown_n = pd.to_numeric(frame.loc[drawn.to_numpy(), "n"], errors="coerce").dropna()
        if len(shown_n):
            low, high = fmt.format_n(shown_n.min()), fmt.format_n(shown_n.max())
            n_text += f" ({low} responses each)" if low == high else f" ({low}–{high} responses each)"
    if hidden.any():
        reasons = [hidden_label(r, min_group_size) for r in frame[hidden.to_numpy()].itertuples(index=False)]
        counts = {words: reasons.count(words) for words in dict.fromkeys(reasons)}
        parts = [f"{points(count)} {'with ' if words.startswith('fewer') else ''}{words}"
                 for words, count in counts.items()]
        n_text += f"; {' and '.join(parts)} left as gaps"
    if no_data.any():
        n_text += f"; {points(int(no_data.sum()))} with {fmt.NO_DATA}"
    notes = ["Bars or bands: 95% confidence intervals"]
    if markers_significant is not None:
        notes.append(f"Stars: {labels.SIGNIFICANT_LEGEND} from the previous point (95% level)")
    return chart_caption(data=data_label, period=period, unit_of_analysis=unit_of_analysis, n_text=n_text,
                         notes=notes)


def trend_lines(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str,
    ci_low: str | None = None,
    ci_high: str | None = None,
    markers_significant: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    y_kind: str | None = None,
    ci_style: str = "auto",
    reference_lines: Sequence[tuple[float, str]] = (),
    data_label: str = "Staff survey",
    period: str | None = None,
    unit_of_analysis: str = "organisation",
    min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE,
    codebook: Codebook | None = None,
) -> go.Figure:
    """Lines over time: measures across waves, or rolling HR rates month by month.

    Parameters
    ----------
    frame
        Long table, one row per series × time point: e.g. unit scores filtered to one unit
        (``x="wave"``, ``y="mean"``, ``color="measure"``) or the monthly HR series
        (``x="month"``, ``y="sickness_rate_12m"``, ``color="unit"``).
    ci_low, ci_high
        Columns of the 95% CI. Drawn as error bars (``ci_style="bars"``) or shaded bands
        (``"band"``); ``"auto"`` uses bars for up to six time points, bands beyond.
    markers_significant
        Boolean column: true where the change from the previous point is significant. Those points get
        a star marker in one extra trace named "changed significantly".
    reference_lines
        ``(value, label)`` pairs drawn as dotted horizontal lines (e.g. national context from
        :data:`analytics.labels.NATIONAL_CONTEXT`, or the user's benchmark).

    Suppressed rows (flag true or missing, or ``n`` below ``min_group_size``) keep their place on the
    time axis but draw a gap: no value, CI, n or star. Series values of ``color`` that are measure or
    outcome ids are shown by their labels. The axis is a date axis for datetime or period ``x``, else
    categorical in sorted order (waves).
    """
    _require(frame, (x, y, color, ci_low, ci_high, markers_significant), "table of results over time")
    if ci_style not in ("auto", "bars", "band"):
        raise InputError("ci_style must be 'auto', 'bars' or 'band'.")
    y_title = y_title or labels.axis_title(y, codebook)
    x_title = x_title or labels.axis_title(x, codebook)
    y_kind = y_kind or labels.value_kind(y, codebook)
    data = frame.assign(is_hidden=suppressed_mask(frame, min_group_size).to_numpy())
    has_ci = ci_low is not None and ci_high is not None
    n_points = data[x].nunique()
    style_used = ("bars" if n_points <= 6 else "band") if ci_style == "auto" else ci_style
    order = sorted(data[x].dropna().unique().tolist())

    fig = go.Figure()
    star_x, star_y, star_colour, star_hover = [], [], [], []
    date_axis = False
    for index, (series_id, part) in enumerate(data.groupby(color, sort=False, dropna=False)):
        style = labels.series_style(index)
        name = settings.NOT_RECORDED_UNIT if _blank(series_id) else labels.display_label(str(series_id), codebook)
        part = part.sort_values(x, kind="stable")
        xs, date_axis = _as_axis_values(part[x])
        hidden = part["is_hidden"].tolist()
        ys = [None if h else _value(v) for v, h in zip(part[y], hidden)]
        lows = [None if h or not has_ci else _value(v) for v, h in
                zip(part[ci_low] if has_ci else hidden, hidden)]
        highs = [None if h or not has_ci else _value(v) for v, h in
                 zip(part[ci_high] if has_ci else hidden, hidden)]
        hover = []
        for pos, (xv, yv, h) in enumerate(zip(part[x], ys, hidden)):
            when = xv.strftime("%b %Y") if isinstance(xv, pd.Timestamp) else str(xv)
            if h:
                hover.append(f"<b>{name}</b>, {when}: {hidden_label(part.iloc[pos], min_group_size)}")
                continue
            if yv is None:
                hover.append(f"<b>{name}</b>, {when}: {fmt.NO_DATA}")
                continue
            text = f"<b>{name}</b>, {when}<br>{labels.display_label(y, codebook)}: {fmt.format_value(yv, y_kind)}"
            if has_ci:
                text += f"<br>{fmt.format_ci(lows[pos], highs[pos], y_kind)}"
            if "n" in part.columns:
                text += f"<br>n = {fmt.format_n(part['n'].iloc[pos])}"
            hover.append(text)
        trace = dict(name=name, x=xs, y=ys, mode="lines+markers", hovertext=hover,
                     hovertemplate="%{hovertext}<extra></extra>", legendgroup=name,
                     line=dict(color=style["colour"], dash=style["dash"], width=2),
                     marker=dict(color=style["colour"], symbol=style["symbol"], size=7))
        if has_ci and style_used == "bars":
            trace["error_y"] = dict(
                type="data", symmetric=False, color=style["colour"], thickness=1.2, width=4,
                array=[None if (hi is None or v is None) else hi - v for hi, v in zip(highs, ys)],
                arrayminus=[None if (lo is None or v is None) else v - lo for lo, v in zip(lows, ys)],
            )
        fig.add_trace(go.Scatter(**trace))
        if has_ci and style_used == "band":
            ok = [lo is not None and hi is not None for lo, hi in zip(lows, highs)]
            for run in _segments(ok):
                fig.add_trace(go.Scatter(
                    name=f"{name}: 95% CI", x=[xs[i] for i in run] + [xs[i] for i in reversed(run)],
                    y=[highs[i] for i in run] + [lows[i] for i in reversed(run)], fill="toself", mode="lines",
                    fillcolor=_with_alpha(style["colour"], 0.18), line=dict(width=0), hoverinfo="skip",
                    legendgroup=name, showlegend=False,
                ))
        if markers_significant is not None:
            flags = part[markers_significant].astype("boolean").fillna(False).astype(bool).tolist()
            for pos, flag in enumerate(flags):
                if flag and not hidden[pos] and ys[pos] is not None:
                    star_x.append(xs[pos]); star_y.append(ys[pos]); star_colour.append(style["colour"])
                    star_hover.append(hover[pos] + f"<br><b>{labels.SIGNIFICANT_LEGEND}</b> since the previous point")
    if markers_significant is not None:
        fig.add_trace(go.Scatter(
            name=labels.SIGNIFICANT_LEGEND, x=star_x, y=star_y, mode="markers", hovertext=star_hover,
            hovertemplate="%{hovertext}<extra></extra>",
            marker=dict(symbol=labels.SIGNIFICANT_SYMBOL, size=16, color=star_colour,
                        line=dict(width=1, color=labels.REFERENCE_COLOUR)),
        ))
    for value, text in reference_lines:
        fig.add_hline(y=value, line_dash="dot", line_color=labels.REFERENCE_COLOUR, annotation_text=text,
                      annotation_position="top left")
    if date_axis:
        fig.update_xaxes(type="date")
    else:
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=order)
    caption = trend_caption(frame, x, y, color=color, markers_significant=markers_significant,
                            data_label=data_label, period=period, unit_of_analysis=unit_of_analysis,
                            min_group_size=min_group_size)
    fig.update_layout(hovermode="closest")
    return _style(fig, x_title=x_title, y_title=y_title, caption=caption)


# --------------------------------------------------------------------------------------------------
# 4. The four behaviours: one team against the organisation
# --------------------------------------------------------------------------------------------------


def _behaviour_rows(item_results: pd.DataFrame, team: str, wave: object, organisation: str, team_level: str,
                    parent: str | None, value: str) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    _require(item_results, ("wave", "level", "unit", "item", value, "suppressed"), "table of question results")
    wave = _latest_wave(item_results) if wave is None else wave
    this_wave = item_results[item_results["wave"] == wave]
    team_rows = this_wave[(this_wave["level"] == team_level) & (this_wave["unit"].astype(str) == str(team))]
    if parent is not None and "parent" in team_rows.columns:
        team_rows = team_rows[team_rows["parent"].astype(str) == str(parent)]
    if team_rows.empty:
        raise InputError(f"There are no results for {team} in {_wave_text(wave)}.")
    if "parent" in team_rows.columns and team_rows["parent"].astype(str).nunique() > 1:
        raise InputError(f"More than one {labels.level_label(team_level, 1)} is called {team}; choose its "
                         f"{labels.level_label(settings.LEVEL_DIRECTORATE, 1)} too.")
    org_rows = this_wave[(this_wave["level"] == settings.LEVEL_ORGANISATION)
                         & (this_wave["unit"].astype(str) == str(organisation))]
    return team_rows, org_rows, wave


def behaviours_caption(item_results: pd.DataFrame, team: str, *, wave: object = None,
                       organisation: str = settings.ORGANISATION_UNIT, team_level: str = settings.LEVEL_TEAM,
                       parent: str | None = None, value: str = "pct_positive",
                       min_group_size: int, data_label: str = "Staff survey",
                       codebook: Codebook | None = None) -> str:
    """Caption of :func:`behaviours_bar`: team and organisation responses, and the interpretation note."""
    team_rows, org_rows, wave = _behaviour_rows(item_results, team, wave, organisation, team_level, parent, value)
    items = set(labels.behaviour_items(codebook).values())
    team_rows = team_rows[team_rows["item"].astype(str).str.casefold().isin(items)]
    org_rows = org_rows[org_rows["item"].astype(str).str.casefold().isin(items)]
    hidden = suppressed_mask(team_rows, min_group_size)

    def n_range(rows: pd.DataFrame) -> str:
        ns = pd.to_numeric(rows["n"], errors="coerce").dropna() if "n" in rows.columns else pd.Series([], dtype=float)
        if ns.empty:
            return "n not given"
        low, high = fmt.format_n(ns.min()), fmt.format_n(ns.max())
        return f"n = {low}" if low == high else f"n = {low}–{high} per question"

    team_text = (fmt.suppressed_text(min_group_size) if len(team_rows) and hidden.all()
                 else n_range(team_rows[~hidden]))
    n_text = f"{team}: {team_text}; {organisation}: {n_range(org_rows[~suppressed_mask(org_rows, min_group_size)])}"
    what = "% positive answers (the two most favourable options)" if value == "pct_positive" else "mean score 0–10"
    return chart_caption(data=data_label, period=_wave_text(wave), unit_of_analysis=labels.level_label(team_level, 1),
                         n_text=n_text, notes=[f"Bars: {what} per question", labels.BEHAVIOURS_NOTE])


def behaviours_bar(
    item_results: pd.DataFrame,
    team: str,
    organisation: str = settings.ORGANISATION_UNIT,
    *,
    wave: object = None,
    team_level: str = settings.LEVEL_TEAM,
    parent: str | None = None,
    value: str = "pct_positive",
    min_group_size: int,
    data_label: str = "Staff survey",
    codebook: Codebook | None = None,
) -> go.Figure:
    """The four behaviours of compassionate leadership for one team, against the organisation.

    Parameters
    ----------
    item_results
        Question-level results (``settings.ITEM_RESULT_COLUMNS``: % positive per item), or any table
        with ``wave, level, unit, item, suppressed`` and the ``value`` column (e.g. an item mean 0–10).
    team, organisation
        The team's unit name (``parent`` picks between teams with the same name) and the organisation
        unit name (level "organisation").
    wave
        Default: the latest wave in the table.

    Returns
    -------
    Horizontal grouped bars, one row per behaviour in the order attending, understanding, empathising,
    helping (labelled "Attending (q9g)", ...): trace ``team`` (solid) and trace ``organisation``
    (hatched, so the two differ by more than colour). Each bar's value is written just beyond its end
    (``textposition="outside"``, in the theme's font colour, so it reads on both themes and is never
    drawn over the hatching); the x axis runs a little past the scale's end (ticks stop at 100 or 10) to
    leave room for it. A value of 0 has no bar to see, so a stub in the bar's colour (a layout shape
    named ``"<unit>: 0"``) marks it at 0, in the bar's place, beside its "0.0%" label. Hover gives the
    question wording, the value and n. A suppressed team question has no bar and an annotation saying
    why (``suppressed_reason``: "fewer than k responses" or "hidden to protect a group with fewer than
    k responses"); a missing one says "no data". The title's subtitle says the behaviours
    mapping is an interpretation, not NHS method.
    """
    team_rows, org_rows, wave = _behaviour_rows(item_results, team, wave, organisation, team_level, parent, value)
    behaviours = labels.behaviour_items(codebook)
    if not behaviours:
        raise InputError("The codebook does not map the four behaviours to questions.")
    kind = "pct" if value == "pct_positive" else labels.value_kind(value, codebook)

    def by_item(rows: pd.DataFrame) -> dict[str, object]:
        rows = rows.assign(is_hidden=suppressed_mask(rows, min_group_size).to_numpy(),
                           item_key=rows["item"].astype(str).str.casefold().to_numpy())
        return {r.item_key: r for r in rows.astype(object).itertuples(index=False)}

    team_items, org_items = by_item(team_rows), by_item(org_rows)
    categories = [f"{labels.behaviour_label(b)} ({code})" for b, code in behaviours.items()]
    fig = go.Figure()
    annotations = []
    zero_marks = []
    for unit_name, found, colour, pattern, group in ((team, team_items, labels.UNIT_COLOUR, "", "unit"),
                                                     (organisation, org_items, labels.ORGANISATION_COLOUR, "/",
                                                      "organisation")):
        xs, texts, hover = [], [], []
        for (behaviour, code), category in zip(behaviours.items(), categories):
            r = found.get(code)
            head = (f"<b>{unit_name}</b> — {labels.behaviour_label(behaviour)}<br>"
                    f"{code}: {labels.item_wording(code, codebook)}")
            if r is not None and r.is_hidden:
                words = hidden_label(r, min_group_size)
                xs.append(None); texts.append("")
                hover.append(f"{head}<br>{words}")
                if unit_name == team:
                    annotations.append((category, words))
                continue
            v = None if r is None else _value(getattr(r, value))
            xs.append(v)
            texts.append("" if v is None else fmt.format_value(v, kind))
            if v is None:
                hover.append(f"{head}<br>{fmt.NO_DATA}")
                if unit_name == team:
                    annotations.append((category, fmt.NO_DATA))
                continue
            n_part = f"<br>n = {fmt.format_n(getattr(r, 'n', None))}" if hasattr(r, "n") else ""
            hover.append(f"{head}<br>{labels.display_label(value)}: {fmt.format_value(v, kind)}{n_part}")
        fig.add_trace(go.Bar(
            name=str(unit_name), orientation="h", x=xs, y=categories, text=texts, textposition="outside",
            cliponaxis=False, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
            marker=dict(color=colour, pattern=dict(shape=pattern)),
        ))
        # A bar of length 0 is invisible (its "0.0%" label is still drawn): mark it with a stub in the
        # bar's colour, a few pixels wide, across the bar's slot. Two bars share a category, each 0.4 of
        # its height (Plotly's default gap of 0.2): the first (the team) spans [i - 0.4, i], the second
        # [i, i + 0.4].
        slot = (-0.4, 0.0) if group == "unit" else (0.0, 0.4)
        stub = (100 if kind == "pct" else 10) * 0.006
        for i, x in enumerate(xs):
            if x is not None and x == 0:
                zero_marks.append(dict(type="rect", xref="x", yref="y", x0=0, x1=stub, y0=i + slot[0],
                                       y1=i + slot[1], fillcolor=colour, line=dict(width=0), layer="above",
                                       name=f"{unit_name}: 0"))
    for mark in zero_marks:
        fig.add_shape(**mark)
    for category, text in annotations:
        fig.add_annotation(x=0, y=category, text=text, showarrow=False, xanchor="left", yshift=8,
                           font=dict(size=11))
    x_title = "Positive answers (%)" if value == "pct_positive" else labels.axis_title(value, codebook)
    scale_end = 100 if kind == "pct" else 10
    # Room past the scale's end for the label of a full bar ("100.0%"); ticks stop at the scale's end.
    fig.update_xaxes(range=[0, scale_end * 112 / 100], tickmode="array",
                     tickvals=[scale_end * i / 5 for i in range(6)], zeroline=True)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(
        barmode="group",
        title=dict(text="Four behaviours of compassionate leadership",
                   subtitle=dict(text=labels.BEHAVIOURS_NOTE)),
        margin=dict(t=90),
    )
    caption = behaviours_caption(item_results, team, wave=wave, organisation=organisation, team_level=team_level,
                                 parent=parent, value=value, min_group_size=min_group_size, data_label=data_label,
                                 codebook=codebook)
    fig = _style(fig, x_title=x_title, y_title=None, caption=caption)
    fig.update_layout(margin=dict(t=100), legend=dict(y=-0.25, yanchor="top"))
    return fig


# --------------------------------------------------------------------------------------------------
# 5. Correlation matrix
# --------------------------------------------------------------------------------------------------

_METHODS = {
    "pearson": ("r", "r_ci_low", "r_ci_high", "Pearson r"),
    "spearman": ("rho", "rho_ci_low", "rho_ci_high", "Spearman ρ"),
}


def _is_pooled(group: object) -> bool:
    """The pooled row of a correlation table has an empty or missing group."""
    return fmt.is_missing(group) or str(group) == ""


def _correlation_rows(correlations: pd.DataFrame, group: object, method: str) -> pd.DataFrame:
    """The rows of one group: ``group=None`` means the pooled rows (group empty), or the only group."""
    if method not in _METHODS:
        raise InputError("The correlation method must be 'pearson' or 'spearman'.")
    coef, low, high, _ = _METHODS[method]
    _require(correlations, ("x", "y", "n", coef, low, high), "table of correlations")
    if "group" not in correlations.columns:
        return correlations
    pooled = correlations["group"].map(_is_pooled).astype(bool)
    if group is None or _is_pooled(group):
        if pooled.any():
            return correlations[pooled.to_numpy()]
        distinct = list(dict.fromkeys(correlations["group"].astype(str)))
        if len(distinct) == 1:
            return correlations
        raise InputError(f"The correlations are given per group ({', '.join(distinct)}) with no row for all "
                         "units together; choose a group.")
    rows = correlations[(~pooled & (correlations["group"].astype(str) == str(group))).to_numpy()]
    if rows.empty:
        raise InputError(f"There are no correlations for the group '{group}'.")
    return rows


def correlation_caption(correlations: pd.DataFrame, *, group: object = None, method: str = "pearson",
                        data_label: str = "Staff survey and HR records", period: str | None = None,
                        unit_of_analysis: str = "team", alpha: float = 0.05) -> str:
    """Caption of :func:`correlation_matrix`: pairs, units per pair, the FDR marker, association wording."""
    rows = _correlation_rows(correlations, group, method)
    ns = pd.to_numeric(rows["n"], errors="coerce").dropna()
    n_text = f"{len(rows)} pairs"
    if len(ns):
        low, high = fmt.format_n(ns.min()), fmt.format_n(ns.max())
        n_text += f"; n = {low}{'' if low == high else '–' + high} {unit_of_analysis}s per pair"
    shown_group = rows["group"].iloc[0] if "group" in rows.columns and len(rows) else None
    n_text += "; all units" if _is_pooled(shown_group) else f"; group: {shown_group}"
    notes = [f"Cell: {_METHODS[method][3]} and n; hover for the 95% CI"]
    if "p_adj" in rows.columns:
        notes.append(f"* Benjamini–Hochberg adjusted p < {alpha:g}")
    notes.append("A correlation shows an association, not a cause")
    return chart_caption(data=data_label, period=period, unit_of_analysis=unit_of_analysis, n_text=n_text, notes=notes)


def correlation_matrix(
    correlations: pd.DataFrame,
    *,
    group: object = None,
    method: str = "pearson",
    x_order: Sequence[str] | None = None,
    y_order: Sequence[str] | None = None,
    alpha: float = 0.05,
    data_label: str = "Staff survey and HR records",
    period: str | None = None,
    unit_of_analysis: str = "team",
    codebook: Codebook | None = None,
) -> go.Figure:
    """Heatmap of correlation coefficients: columns are the ``x`` variables, rows the ``y`` variables.

    Parameters
    ----------
    correlations
        The correlation table (``x, y, group, n, r, r_ci_low, r_ci_high, p, p_adj, rho, rho_ci_low,
        rho_ci_high``). ``group`` selects one stratum when the table has several.
    method
        "pearson" (``r`` and its Fisher-z CI) or "spearman" (``rho``).
    x_order, y_order
        Variable order; default: order of first appearance.
    alpha
        Cells with ``p_adj < alpha`` get a "*" after the coefficient.

    Returns
    -------
    One heatmap trace on the diverging PuOr scale fixed at −1..1 (zero in the middle). Cell text is the
    coefficient and n; hover adds the 95% CI, the other coefficient and the adjusted p. A pair given only
    as (a, b) also fills (b, a) when both variables appear on both axes. Missing pairs are blank.
    """
    rows = _correlation_rows(correlations, group, method)
    coef, low, high, coef_name = _METHODS[method]
    other = "spearman" if method == "pearson" else "pearson"
    xs = list(x_order) if x_order is not None else list(dict.fromkeys(rows["x"].astype(str)))
    ys = list(y_order) if y_order is not None else list(dict.fromkeys(rows["y"].astype(str)))
    cells = {(str(r["x"]), str(r["y"])): r for _, r in rows.iterrows()}
    for (a, b), r in list(cells.items()):
        if (b, a) not in cells and b in xs and a in ys:
            cells[(b, a)] = r
    x_names = [labels.display_label(v, codebook) for v in xs]
    y_names = [labels.display_label(v, codebook) for v in ys]
    z, text, hover = [], [], []
    for yv, y_name in zip(ys, y_names):
        z_row, t_row, h_row = [], [], []
        for xv, x_name in zip(xs, x_names):
            r = cells.get((xv, yv))
            value = None if r is None else _value(r[coef])
            if value is None:
                z_row.append(None); t_row.append("")
                why = ""
                if r is not None and "note" in r.index and not fmt.is_missing(r["note"]) and str(r["note"]):
                    why = f" ({r['note']})"
                h_row.append(f"{x_name} × {y_name}: {fmt.NO_DATA}{why}" if xv != yv else "")
                continue
            star = ""
            if "p_adj" in r.index and not fmt.is_missing(r["p_adj"]) and r["p_adj"] < alpha:
                star = "*"
            z_row.append(value)
            t_row.append(f"{fmt.format_r(value)}{star}<br>n = {fmt.format_n(r['n'])}")
            lines = [f"<b>{x_name} × {y_name}</b>",
                     f"{coef_name} = {fmt.format_r(value)} ({fmt.format_ci(r[low], r[high], 'r')})"]
            o_coef, o_low, o_high, o_name = _METHODS[other]
            if o_coef in r.index and not fmt.is_missing(r[o_coef]):
                ci = fmt.format_ci(r[o_low], r[o_high], "r") if o_low in r.index and o_high in r.index else ""
                lines.append(f"{o_name} = {fmt.format_r(r[o_coef])}" + (f" ({ci})" if ci else ""))
            lines.append(f"n = {fmt.format_n(r['n'])} {unit_of_analysis}s")
            if "p_adj" in r.index:
                lines.append("Benjamini–Hochberg adjusted " + fmt.format_p(r["p_adj"]))
            h_row.append("<br>".join(lines))
        z.append(z_row); text.append(t_row); hover.append(h_row)
    fig = go.Figure(go.Heatmap(
        name=coef_name, z=z, x=x_names, y=y_names, text=text, texttemplate="%{text}", hovertext=hover,
        hoverinfo="text", hoverongaps=False, colorscale=labels.DIVERGING_SCALE,
        zmin=-1, zmax=1, zmid=0, xgap=2, ygap=2, colorbar=dict(title=dict(text=coef_name)),
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top", tickangle=-30)
    fig.update_layout(height=max(320, 60 * len(ys) + 160))
    caption = correlation_caption(correlations, group=group, method=method, data_label=data_label, period=period,
                                  unit_of_analysis=unit_of_analysis, alpha=alpha)
    return _style(fig, x_title=None, y_title=None, caption=caption)
