"""Heatmap of units (rows) by measures (columns): each cell a unit's mean score 0–10.

A cell is one of three kinds, each drawn by its own trace: scored (Viridis colour and the score in black
or white), no data (faint grey, "no data") and suppressed (solid grey, why it is hidden). A suppressed
cell's numbers are never read (see :mod:`render.charts` for the anonymity rules).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go

from analytics import format as fmt
from analytics import labels
from analytics import settings
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook
from analytics.survey import privacy
from render.colours import scale_colour, text_colour_on
from render.common import (chart_caption, is_blank, n_range_text, reason_code, require_columns, style_figure,
                           suppressed_mask, trace_value, wave_text)

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
#: A label across a whole heatmap row is wrapped at this many characters (the longest label, 66
#: characters at 11 px, fits on one line across the plot area of a page-wide chart).
ROW_LABEL_MAX_CHARS = 80
UNIT_SCORE_REQUIRED = ("wave", "level", "unit", "measure", "mean", "n", "ci_low", "ci_high", "suppressed")
_CELL_KEY = ["parent", "unit", "measure"]


# --- Selecting the rows -------------------------------------------------------------------------------


def _measure_order(present: list[str], measures: Sequence[str] | None, codebook: Codebook | None,
                   wave: object) -> list[str]:
    """The columns: the requested measures (each must have results), or every measure present in
    codebook order, then any the codebook does not know."""
    if measures is None:
        order = list(labels.measure_labels(codebook))
        return [m for m in order if m in present] + [m for m in present if m not in order]
    measures = [str(m) for m in measures]
    unknown = [m for m in measures if m not in present]
    if unknown:
        raise InputError(f"No results for {', '.join(unknown)} in {wave_text(wave)}. "
                         f"Measures present: {', '.join(present)}.")
    return measures


def _check_one_row_per_cell(rows: pd.DataFrame, wave: object) -> None:
    dupes = rows.astype({"parent": object}).duplicated(_CELL_KEY, keep=False)
    if dupes.any():
        first = rows[dupes].iloc[0]
        raise InputError(f"The table of unit scores has more than one row for {first['unit']} and "
                         f"{first['measure']} in {wave_text(wave)}.")


def _heatmap_rows(unit_scores: pd.DataFrame, wave: object, level: str, measures: Sequence[str] | None,
                  codebook: Codebook | None) -> tuple[pd.DataFrame, list[str]]:
    """The unit scores of one wave and level for the chosen measures (a ``parent`` column added when
    missing), and the measures in column order."""
    require_columns(unit_scores, UNIT_SCORE_REQUIRED, "table of unit scores")
    rows = unit_scores[(unit_scores["wave"] == wave) & (unit_scores["level"] == level)].copy()
    if rows.empty:
        raise InputError(f"There are no {labels.level_label(level, 1)} results for {wave_text(wave)}. "
                         "Choose another wave or level.")
    if "parent" not in rows.columns:
        rows["parent"] = pd.NA
    present = list(dict.fromkeys(rows["measure"].astype(str)))
    if measures is None:
        absent = set(absent_measures(rows))
        present = [m for m in present if m not in absent] or present
    measures = _measure_order(present, measures, codebook, wave)
    rows = rows[rows["measure"].astype(str).isin(measures)]
    _check_one_row_per_cell(rows, wave)
    return rows, measures


def absent_measures(rows: pd.DataFrame) -> list[str]:
    """Measures that nobody answered in ``rows`` (one wave and level): every unit's mean is missing, no unit
    has a response (``n`` missing or 0) and none is suppressed — typically a measure whose questions are not
    in the file. Left out of the default heatmap rather than drawn as a column of "no data" cells."""
    mean_missing = pd.to_numeric(rows["mean"], errors="coerce").isna()
    no_responses = pd.to_numeric(rows["n"], errors="coerce").fillna(0).eq(0)
    not_hidden = ~rows["suppressed"].fillna(False).astype(bool)
    nobody = (mean_missing & no_responses & not_hidden).groupby(rows["measure"].astype(str), sort=False).all()
    return [str(m) for m, is_absent in nobody.items() if is_absent]


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


# --- Caption ------------------------------------------------------------------------------------------


def _known_reasons(hidden_rows: pd.DataFrame) -> list[str]:
    """Each hidden row's suppression reason, primary when the table has none or an unknown one."""
    reasons = (hidden_rows["suppressed_reason"].astype(object).fillna("").astype(str)
               if "suppressed_reason" in hidden_rows.columns else pd.Series("", index=hidden_rows.index))
    return [r if r in SUPPRESSED_CELL_TEXT else settings.SUPPRESSION_PRIMARY for r in reasons]


def _grey_cells_text(rows: pd.DataFrame, hidden: pd.Series, n_measures: int, level: str,
                     min_group_size: int) -> str:
    """"; 3 teams with grey cells, not scored: <why>", naming each reason (and its short cell text when
    some cell shows it), or "" when no unit has a grey cell."""
    hidden_units = rows[hidden][["parent", "unit"]].astype(object).drop_duplicates()
    if not len(hidden_units):
        return ""
    hidden_rows = rows[hidden].astype({"parent": object, "unit": object})
    hidden_rows = hidden_rows.assign(_reason=_known_reasons(hidden_rows))
    codes = sorted(set(hidden_rows["_reason"]), key=list(SUPPRESSED_CELL_TEXT).index)
    # Short cell texts appear only in rows not hidden whole for one reason (those carry the words).
    whole = hidden_rows.groupby(["parent", "unit"], dropna=False)["_reason"].agg(["count", "nunique"])
    whole = whole[(whole["count"] == n_measures) & (whole["nunique"] == 1)]
    in_cells = set(hidden_rows.set_index(["parent", "unit"]).drop(index=whole.index)["_reason"])
    why = ", or ".join(privacy.suppression_label(c, min_group_size)
                       + (f" (“{SUPPRESSED_CELL_TEXT[c].format(k=min_group_size)}” in a cell)"
                          if c in in_cells else "") for c in codes)
    return (f"; {len(hidden_units)} {labels.level_label(level, len(hidden_units))} with grey cells, "
            f"not scored: {why}")


def _caption_from_rows(rows: pd.DataFrame, measures: list[str], *, wave: object, level: str, min_group_size: int,
                       score_range: tuple[float, float] | None, data_label: str) -> str:
    hidden = suppressed_mask(rows, min_group_size)
    n_units = len(rows[["parent", "unit"]].astype(object).drop_duplicates())
    shown = rows[~hidden]
    scores = pd.to_numeric(shown["mean"], errors="coerce").dropna()
    n_no_data = n_units * len(measures) - int(hidden.sum()) - len(scores)
    n_text = f"{n_units} {labels.level_label(level, n_units)} × {len(measures)} measures"
    n_text += _grey_cells_text(rows, hidden, len(measures), level, min_group_size)
    if n_no_data > 0:
        cells = "cell" if n_no_data == 1 else "cells"
        n_text += f"; {n_no_data} {cells} with {fmt.NO_DATA} (no answers to the measure's questions)"
    n_range = n_range_text(shown.loc[scores.index, "n"])
    if n_range is not None:
        low, high = n_range
        n_text += f"; {low}–{high} responses per scored cell" if low != high else f"; {low} responses per scored cell"
    low, high = score_range if score_range is not None else default_score_range(scores)
    return chart_caption(
        data=data_label, period=wave_text(wave), unit_of_analysis=labels.level_label(level, 1), n_text=n_text,
        notes=["Cell: mean score 0–10 of the unit's respondents (unweighted); hover for the 95% CI and n",
               f"Colours run from {low:g} to {high:g} points"],
    )


def heatmap_caption(unit_scores: pd.DataFrame, *, wave: object, level: str = settings.LEVEL_TEAM,
                    measures: Sequence[str] | None = None,
                    min_group_size: int, score_range: tuple[float, float] | None = None,
                    data_label: str = "Staff survey", codebook: Codebook | None = None) -> str:
    """Caption of :func:`heatmap_teams_by_measure`: units shown, grey cells and why, cells with no data,
    the n range of scored cells and the colour range."""
    rows, measures = _heatmap_rows(unit_scores, wave, level, measures, codebook)
    return _caption_from_rows(rows, measures, wave=wave, level=level, min_group_size=min_group_size,
                              score_range=score_range, data_label=data_label)


# --- Row layout ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FigureRow:
    """One row of the heatmap: a unit, or a parent's heading row (``unit`` None: no cells)."""

    category: str
    tick: str
    parent: object = None
    unit: object = None

    @property
    def is_heading(self) -> bool:
        return self.unit is None


def _unit_labels(units: pd.DataFrame) -> list[str]:
    """Display names of (parent, unit) rows; a unit name used under two parents gets "(parent)"."""
    counts = units["unit"].astype(str).value_counts()
    out = []
    for parent, unit in zip(units["parent"], units["unit"]):
        name = str(unit)
        if counts[name] > 1 and not is_blank(parent):
            name = f"{name} ({parent})"
        out.append(name)
    return out


def _ordered_units(rows: pd.DataFrame, measures: list[str], sort_by: str | None) -> pd.DataFrame:
    """(parent, unit) pairs in row order: by the ``sort_by`` score, highest first and hidden last, or by
    parent then unit name."""
    units = rows[["parent", "unit"]].astype(object).drop_duplicates()
    if sort_by is None:
        units = units.sort_values(["parent", "unit"], key=lambda s: s.astype(str), kind="stable")
        return units[["parent", "unit"]].reset_index(drop=True)
    if sort_by not in measures:
        raise InputError(f"Cannot sort by '{sort_by}': it is not one of the measures shown.")
    key = rows[(rows["measure"] == sort_by) & ~rows["is_hidden"]][["parent", "unit", "mean"]].astype(object)
    units = units.merge(key, on=["parent", "unit"], how="left")
    units["_score"] = pd.to_numeric(units["mean"], errors="coerce")
    units = units.sort_values("_score", ascending=False, na_position="last", kind="stable")
    return units[["parent", "unit"]].reset_index(drop=True)


def _figure_rows(units: pd.DataFrame, grouped: bool) -> list[_FigureRow]:
    """A row per unit, preceded by a bold heading row at each new parent when ``grouped``."""
    out: list[_FigureRow] = []
    previous = object()
    for (parent, unit), name in zip(units.itertuples(index=False, name=None), _unit_labels(units)):
        if grouped and parent != previous and not is_blank(parent):
            out.append(_FigureRow(f"<b>{parent}</b>", ""))
        previous = parent
        out.append(_FigureRow(name, name, parent, unit))
    return out


# --- Cells --------------------------------------------------------------------------------------------


class _Cell(NamedTuple):
    """What one cell puts in each of the three heatmap traces (a value, its text, its hover)."""

    score: float | None = None
    score_text: str = ""
    hover: str = ""
    no_data: int | None = None
    no_data_text: str = ""
    no_data_hover: str = ""
    grey: int | None = None
    grey_text: str = ""
    grey_hover: str = ""
    reason: str | None = None


def _no_data_cell(head: str) -> _Cell:
    no_data = f"{head}: {fmt.NO_DATA}"
    return _Cell(hover=no_data, no_data=1, no_data_text=fmt.NO_DATA, no_data_hover=no_data)


def _scored_cell(head: str, row: object, score: float) -> _Cell:
    text = fmt.format_score(score)
    hover = (f"{head}: {text}<br>{fmt.format_ci(row.ci_low, row.ci_high, 'score')}"
             f"<br>n = {fmt.format_n(row.n)} responses")
    return _Cell(score=score, score_text=text, hover=hover)


def _whole_row_reason(cells: list[_Cell]) -> str | None:
    """The reason when every cell of a row is hidden for the same one (the row then gets one label)."""
    reasons = [c.reason for c in cells]
    if reasons and all(r is not None for r in reasons) and len(set(reasons)) == 1:
        return reasons[0]
    return None


@dataclass
class _Layer:
    """One heatmap trace's matrices, a row per figure row: values, cell texts, hover texts."""

    z: list = field(default_factory=list)
    text: list = field(default_factory=list)
    hover: list = field(default_factory=list)

    def add_row(self, z: list, text: list, hover: list) -> None:
        self.z.append(z); self.text.append(text); self.hover.append(hover)


@dataclass
class _Grid:
    """The three heatmap traces' layers, the score labels and the labels across whole rows, filled a
    row at a time from the cells it makes (the threshold ``min_group_size`` is needed for hidden cells)."""

    score_range: tuple[float, float]
    min_group_size: int
    scores: _Layer = field(default_factory=_Layer)
    no_data: _Layer = field(default_factory=_Layer)
    grey: _Layer = field(default_factory=_Layer)
    label_x: list = field(default_factory=list)
    label_y: list = field(default_factory=list)
    label_text: list = field(default_factory=list)
    label_colour: list = field(default_factory=list)
    row_labels: list[tuple[str, str]] = field(default_factory=list)

    def hidden_cell(self, head: str, row: object) -> _Cell:
        """A suppressed cell: grey, its reason's short text, the full words on hover; no numbers read."""
        reason = reason_code(row)
        reason = reason if reason in SUPPRESSED_CELL_TEXT else settings.SUPPRESSION_PRIMARY
        words = f"{head}: {privacy.suppression_label(reason, self.min_group_size)}"
        return _Cell(hover=words, grey=1, grey_text=SUPPRESSED_CELL_TEXT[reason].format(k=self.min_group_size),
                     grey_hover=words, reason=reason)

    def cell(self, head: str, row: object | None) -> _Cell:
        """The cell of ``row`` (``None``: no row for the unit and measure), hover headed by ``head``."""
        if row is not None and row.is_hidden:  # never read the numbers of a hidden row
            return self.hidden_cell(head, row)
        score = None if row is None else trace_value(row.mean)
        return _no_data_cell(head) if score is None else _scored_cell(head, row, score)

    def add_heading_row(self, width: int) -> None:
        for layer in (self.scores, self.no_data, self.grey):
            layer.add_row([None] * width, [""] * width, [""] * width)

    def add_unit_row(self, category: str, cells: list[_Cell], measure_names: list[str]) -> None:
        grey_text = [c.grey_text for c in cells]
        reason = _whole_row_reason(cells)
        if reason is not None:  # the words once across the row instead of a short text in each cell
            grey_text = [""] * len(cells)
            self.row_labels.append((category, privacy.suppression_label(reason, self.min_group_size)))
        self.scores.add_row([c.score for c in cells], [c.score_text for c in cells], [c.hover for c in cells])
        self.no_data.add_row([c.no_data for c in cells], [c.no_data_text for c in cells],
                             [c.no_data_hover for c in cells])
        self.grey.add_row([c.grey for c in cells], grey_text, [c.grey_hover for c in cells])
        for cell, measure_name in zip(cells, measure_names):
            if cell.score is not None:
                self.label_x.append(measure_name); self.label_y.append(category)
                self.label_text.append(cell.score_text)
                self.label_colour.append(text_colour_on(scale_colour(cell.score, *self.score_range)))


def _fill_grid(grid: _Grid, figure_rows: list[_FigureRow], lookup: dict, measures: list[str],
               measure_names: list[str]) -> _Grid:
    for row in figure_rows:
        if row.is_heading:
            grid.add_heading_row(len(measures))
            continue
        head = f"<b>{row.category}</b>" + ("" if is_blank(row.parent) else f" ({row.parent})")
        cells = [grid.cell(f"{head}<br>{measure_name}", lookup.get((str(row.parent), str(row.unit), measure)))
                 for measure, measure_name in zip(measures, measure_names)]
        grid.add_unit_row(row.category, cells, measure_names)
    return grid


# --- Figure -------------------------------------------------------------------------------------------


def _add_traces(fig: go.Figure, grid: _Grid, measure_names: list[str], categories: list[str]) -> None:
    common = dict(x=measure_names, y=categories, xgap=2, ygap=2, hoverongaps=False)
    low, high = grid.score_range
    fig.add_trace(go.Heatmap(
        name="Scores", z=grid.scores.z, text=grid.scores.text, hovertext=grid.scores.hover, hoverinfo="text",
        colorscale=labels.SEQUENTIAL_SCALE, zmin=low, zmax=high,
        colorbar=dict(title=dict(text="Score<br>(0–10)")), **common,
    ))
    fig.add_trace(go.Heatmap(
        name="No data", z=grid.no_data.z, text=grid.no_data.text, texttemplate="%{text}", hovertext=grid.no_data.hover,
        hoverinfo="text", textfont=dict(size=9, color=NO_DATA_TEXT_COLOUR),
        colorscale=[[0, NO_DATA_FILL], [1, NO_DATA_FILL]], showscale=False, **common,
    ))
    fig.add_trace(go.Heatmap(
        name="Suppressed", z=grid.grey.z, text=grid.grey.text, texttemplate="%{text}", hovertext=grid.grey.hover,
        hoverinfo="text", textfont=dict(size=10, color=text_colour_on(labels.SUPPRESSED_COLOUR)),
        colorscale=[[0, labels.SUPPRESSED_COLOUR], [1, labels.SUPPRESSED_COLOUR]], showscale=False, **common,
    ))
    fig.add_trace(go.Scatter(
        name="Score labels", x=grid.label_x, y=grid.label_y, text=grid.label_text, mode="text", hoverinfo="skip",
        textfont=dict(color=grid.label_colour, size=12), showlegend=False,
    ))


def _wrap(text: str, width_chars: int) -> str:
    """Break ``text`` into lines of at most ``width_chars`` characters (at spaces), joined by ``<br>``."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width_chars:
            lines.append(current); current = word
        else:
            current = f"{current} {word}" if current else word
    return "<br>".join([*lines, current] if current else lines)


def _annotations(grid: _Grid, figure_rows: list[_FigureRow]) -> list[dict]:
    """The suppression words across whole hidden rows, then the parents' names on heading rows."""
    grey_text_colour = text_colour_on(labels.SUPPRESSED_COLOUR)
    annotations = [dict(x=0.5, xref="x domain", y=category, yref="y", text=_wrap(words, ROW_LABEL_MAX_CHARS),
                        showarrow=False, bgcolor=labels.SUPPRESSED_COLOUR, borderpad=4,
                        font=dict(size=11, color=grey_text_colour)) for category, words in grid.row_labels]
    annotations += [dict(x=0, xref="x domain", y=row.category, yref="y", text=row.category, showarrow=False,
                         xanchor="left", font=dict(size=12)) for row in figure_rows if row.is_heading]
    return annotations


def _set_axes(fig: go.Figure, figure_rows: list[_FigureRow]) -> None:
    categories = [row.category for row in figure_rows]
    fig.update_yaxes(autorange="reversed", type="category", categoryorder="array", categoryarray=categories,
                     tickmode="array", tickvals=categories, ticktext=[row.tick for row in figure_rows])
    fig.update_xaxes(side="top", type="category", tickangle=-30, showgrid=False)
    fig.update_yaxes(showgrid=False, ticks="")  # grid lines would cross the heading rows' text
    fig.update_layout(height=max(320, 30 * len(categories) + 160))


def _shown_scores(lookup: dict) -> list[float]:
    """The scores of the cells that are not hidden (for the default colour range)."""
    return [trace_value(r.mean) for r in lookup.values() if not r.is_hidden and trace_value(r.mean) is not None]


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
        Measure ids, in column order; default: every measure present, in codebook order, without those
        nobody answered (:func:`absent_measures`: e.g. no question of the measure in the file).
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
      contrasts more with the cell's colour (:func:`render.colours.text_colour_on`).

    A suppressed cell has no score, CI or n anywhere in the figure. Heading rows (parents) have no cells;
    their tick label is blank and the parent's name is written at the left of the row.
    """
    selected, measures = _heatmap_rows(unit_scores, wave, level, measures, codebook)
    rows = selected.assign(is_hidden=suppressed_mask(selected, min_group_size).to_numpy())
    units = _ordered_units(rows, measures, sort_by)
    parents = [p for p in dict.fromkeys(units["parent"]) if not is_blank(p)]
    figure_rows = _figure_rows(units, grouped=sort_by is None and len(parents) > 1)
    measure_names = [labels.measure_label(m, codebook) for m in measures]
    lookup = {(str(r.parent), str(r.unit), str(r.measure)): r for r in rows.astype(object).itertuples(index=False)}
    score_range = tuple(score_range) if score_range is not None else default_score_range(_shown_scores(lookup))
    grid = _fill_grid(_Grid(score_range, min_group_size), figure_rows, lookup, measures, measure_names)

    fig = go.Figure()
    _add_traces(fig, grid, measure_names, [row.category for row in figure_rows])
    # All annotations at once: one add_annotation per row would re-validate them all each time.
    fig.update_layout(annotations=_annotations(grid, figure_rows))
    _set_axes(fig, figure_rows)
    caption = _caption_from_rows(selected, measures, wave=wave, level=level, min_group_size=min_group_size,
                                 score_range=score_range, data_label=data_label)
    return style_figure(fig, x_title=None, y_title=labels.level_label(level, 1).capitalize(), caption=caption,
                        extra_meta={"score_range": list(score_range)})
