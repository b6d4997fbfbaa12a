"""Lines over time: measures across survey waves, or rolling HR rates month by month.

A suppressed point keeps its place on the time axis but draws a gap (no value, CI, n or star); a point
with no value is "no data". The 95% confidence intervals are read from the table, not computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics import format as fmt
from analytics import labels
from analytics import settings
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook
from render.colours import with_alpha
from render.common import (chart_caption, hidden_label, is_blank, n_range_text, require_columns, style_figure,
                           suppressed_mask, trace_value)

CI_STYLES = ("auto", "bars", "band")
#: With ``ci_style="auto"``, CIs are error bars up to this many time points and shaded bands beyond.
MAX_POINTS_FOR_BARS = 6
#: Opacity of a shaded CI band in its line's colour.
BAND_ALPHA = 0.18


# --- Caption ------------------------------------------------------------------------------------------


def _points(count: int) -> str:
    return f"{count} point" if count == 1 else f"{count} points"


def _period_text(frame: pd.DataFrame, x: str) -> str | None:
    """"waves 2023 to 2025", "Jan 2024 to Dec 2024" or one value: the span of ``x`` (None if empty)."""
    xs = frame[x].dropna()
    if not len(xs):
        return None
    low, high = xs.min(), xs.max()
    if isinstance(low, pd.Timestamp):
        low, high = low.strftime("%b %Y"), high.strftime("%b %Y")
    prefix = ("waves " if low != high else "wave ") if x == "wave" else ""
    return prefix + (f"{low} to {high}" if low != high else str(low))


def _gaps_text(reasons: list[str]) -> str:
    """"; 2 points with fewer than k responses and 1 point hidden to protect ... left as gaps", from the
    hidden points' words."""
    counts = {words: reasons.count(words) for words in dict.fromkeys(reasons)}
    parts = [f"{_points(count)} {'with ' if words.startswith('fewer') else ''}{words}"
             for words, count in counts.items()]
    return f"; {' and '.join(parts)} left as gaps"


def trend_caption(frame: pd.DataFrame, x: str, y: str, *, color: str, markers_significant: str | None = None,
                  data_label: str = "Staff survey", period: str | None = None, unit_of_analysis: str = "organisation",
                  min_group_size: int = settings.DEFAULT_MIN_GROUP_SIZE) -> str:
    """Caption of :func:`trend_lines`: series, points, hidden points (and why), points with no data, what
    the bars and stars mean."""
    require_columns(frame, (x, y, color), "table of results over time")
    hidden = suppressed_mask(frame, min_group_size)
    values = pd.to_numeric(frame[y], errors="coerce").astype(float)
    no_data = ~hidden & ~np.isfinite(values.fillna(np.nan).to_numpy(dtype=float))
    drawn = ~hidden & ~no_data
    period = _period_text(frame, x) if period is None else period
    n_text = f"{frame[color].nunique(dropna=False)} series, {_points(int(drawn.sum()))}"
    n_range = n_range_text(frame.loc[drawn.to_numpy(), "n"]) if "n" in frame.columns else None
    if n_range is not None:
        low, high = n_range
        n_text += f" ({low} responses each)" if low == high else f" ({low}–{high} responses each)"
    if hidden.any():
        n_text += _gaps_text([hidden_label(r, min_group_size)
                              for r in frame[hidden.to_numpy()].itertuples(index=False)])
    if no_data.any():
        n_text += f"; {_points(int(no_data.sum()))} with {fmt.NO_DATA}"
    notes = ["Bars or bands: 95% confidence intervals"]
    if markers_significant is not None:
        notes.append(f"Stars: {labels.SIGNIFICANT_LEGEND} from the previous point (95% level)")
    return chart_caption(data=data_label, period=period, unit_of_analysis=unit_of_analysis, n_text=n_text,
                         notes=notes)


# --- One series ---------------------------------------------------------------------------------------


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


def _shown_values(part: pd.DataFrame, column: str | None, hidden: list[bool]) -> list[float | None]:
    """A column's values for a trace, ``None`` at hidden points (and everywhere without the column)."""
    if column is None:
        return [None] * len(hidden)
    return [None if h else trace_value(v) for v, h in zip(part[column], hidden)]


@dataclass(frozen=True)
class _TrendSpec:
    """What every series of one chart shares: the columns and how values are labelled."""

    x: str
    y: str
    ci_low: str | None
    ci_high: str | None
    y_kind: str
    y_name: str
    min_group_size: int

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None


@dataclass
class _Series:
    """One line's values, ready for traces (``None`` where a point is hidden or has no data)."""

    name: str
    colour: str
    xs: list
    ys: list
    lows: list
    highs: list
    hidden: list[bool]
    hover: list[str]


def _point_hover(spec: _TrendSpec, name: str, part: pd.DataFrame, pos: int, series: _Series) -> str:
    """Hover text of one point: the hidden words, "no data", or the value, CI and n."""
    xv = part[spec.x].iloc[pos]
    head = f"<b>{name}</b>, {xv.strftime('%b %Y') if isinstance(xv, pd.Timestamp) else str(xv)}"
    if series.hidden[pos]:
        return f"{head}: {hidden_label(part.iloc[pos], spec.min_group_size)}"
    value = series.ys[pos]
    if value is None:
        return f"{head}: {fmt.NO_DATA}"
    text = f"{head}<br>{spec.y_name}: {fmt.format_value(value, spec.y_kind)}"
    if spec.has_ci:
        text += f"<br>{fmt.format_ci(series.lows[pos], series.highs[pos], spec.y_kind)}"
    if "n" in part.columns:
        text += f"<br>n = {fmt.format_n(part['n'].iloc[pos])}"
    return text


def _series(spec: _TrendSpec, name: str, colour: str, part: pd.DataFrame) -> tuple[_Series, bool]:
    """One series' values and hover texts (``part`` sorted by time), and whether x is a date axis."""
    xs, date_axis = _as_axis_values(part[spec.x])
    hidden = part["is_hidden"].tolist()
    low, high = (spec.ci_low, spec.ci_high) if spec.has_ci else (None, None)
    series = _Series(name=name, colour=colour, xs=xs, ys=_shown_values(part, spec.y, hidden),
                     lows=_shown_values(part, low, hidden), highs=_shown_values(part, high, hidden),
                     hidden=hidden, hover=[])
    series.hover = [_point_hover(spec, name, part, pos, series) for pos in range(len(part))]
    return series, date_axis


# --- Traces -------------------------------------------------------------------------------------------


def _error_bars(series: _Series) -> dict:
    return dict(
        type="data", symmetric=False, color=series.colour, thickness=1.2, width=4,
        array=[None if (hi is None or v is None) else hi - v for hi, v in zip(series.highs, series.ys)],
        arrayminus=[None if (lo is None or v is None) else v - lo for lo, v in zip(series.lows, series.ys)],
    )


def _line_trace(series: _Series, style: dict, error_bars: bool) -> go.Scatter:
    trace = dict(name=series.name, x=series.xs, y=series.ys, mode="lines+markers", hovertext=series.hover,
                 hovertemplate="%{hovertext}<extra></extra>", legendgroup=series.name,
                 line=dict(color=style["colour"], dash=style["dash"], width=2),
                 marker=dict(color=style["colour"], symbol=style["symbol"], size=7))
    if error_bars:
        trace["error_y"] = _error_bars(series)
    return go.Scatter(**trace)


def _band_traces(series: _Series) -> list[go.Scatter]:
    """A shaded CI band per run of consecutive points with a CI (a gap breaks the band)."""
    ok = [lo is not None and hi is not None for lo, hi in zip(series.lows, series.highs)]
    return [go.Scatter(
        name=f"{series.name}: 95% CI", x=[series.xs[i] for i in run] + [series.xs[i] for i in reversed(run)],
        y=[series.highs[i] for i in run] + [series.lows[i] for i in reversed(run)], fill="toself", mode="lines",
        fillcolor=with_alpha(series.colour, BAND_ALPHA), line=dict(width=0), hoverinfo="skip",
        legendgroup=series.name, showlegend=False,
    ) for run in _segments(ok)]


@dataclass
class _Stars:
    """The points whose change from the previous point is significant, across all series."""

    x: list
    y: list
    colour: list
    hover: list

    def add(self, series: _Series, flags: pd.Series) -> None:
        for pos, flag in enumerate(flags.astype("boolean").fillna(False).astype(bool).tolist()):
            if flag and not series.hidden[pos] and series.ys[pos] is not None:
                self.x.append(series.xs[pos]); self.y.append(series.ys[pos]); self.colour.append(series.colour)
                self.hover.append(series.hover[pos]
                                  + f"<br><b>{labels.SIGNIFICANT_LEGEND}</b> since the previous point")

    def trace(self) -> go.Scatter:
        return go.Scatter(
            name=labels.SIGNIFICANT_LEGEND, x=self.x, y=self.y, mode="markers", hovertext=self.hover,
            hovertemplate="%{hovertext}<extra></extra>",
            marker=dict(symbol=labels.SIGNIFICANT_SYMBOL, size=16, color=self.colour,
                        line=dict(width=1, color=labels.REFERENCE_COLOUR)),
        )


def _ci_style_used(ci_style: str, n_points: int) -> str:
    if ci_style not in CI_STYLES:
        raise InputError("ci_style must be 'auto', 'bars' or 'band'.")
    if ci_style != "auto":
        return ci_style
    return "bars" if n_points <= MAX_POINTS_FOR_BARS else "band"


def _set_x_axis(fig: go.Figure, date_axis: bool, data: pd.DataFrame, x: str) -> None:
    """A date axis, or categories in sorted order (waves)."""
    if date_axis:
        fig.update_xaxes(type="date")
    else:
        order = sorted(data[x].dropna().unique().tolist())
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=order)


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
    require_columns(frame, (x, y, color, ci_low, ci_high, markers_significant), "table of results over time")
    style_used = _ci_style_used(ci_style, frame[x].nunique())
    data = frame.assign(is_hidden=suppressed_mask(frame, min_group_size).to_numpy())
    spec = _TrendSpec(x=x, y=y, ci_low=ci_low, ci_high=ci_high, y_kind=y_kind or labels.value_kind(y, codebook),
                      y_name=labels.display_label(y, codebook), min_group_size=min_group_size)
    fig = go.Figure()
    stars = _Stars([], [], [], [])
    date_axis = False
    for index, (series_id, part) in enumerate(data.groupby(color, sort=False, dropna=False)):
        style = labels.series_style(index)
        name = settings.NOT_RECORDED_UNIT if is_blank(series_id) else labels.display_label(str(series_id), codebook)
        part = part.sort_values(x, kind="stable")
        series, date_axis = _series(spec, name, style["colour"], part)
        fig.add_trace(_line_trace(series, style, error_bars=spec.has_ci and style_used == "bars"))
        if spec.has_ci and style_used == "band":
            for band in _band_traces(series):
                fig.add_trace(band)
        if markers_significant is not None:
            stars.add(series, part[markers_significant])
    if markers_significant is not None:
        fig.add_trace(stars.trace())
    for value, text in reference_lines:
        fig.add_hline(y=value, line_dash="dot", line_color=labels.REFERENCE_COLOUR, annotation_text=text,
                      annotation_position="top left")
    _set_x_axis(fig, date_axis, data, x)
    caption = trend_caption(frame, x, y, color=color, markers_significant=markers_significant,
                            data_label=data_label, period=period, unit_of_analysis=unit_of_analysis,
                            min_group_size=min_group_size)
    fig.update_layout(hovermode="closest")
    return style_figure(fig, x_title=x_title or labels.axis_title(x, codebook),
                        y_title=y_title or labels.axis_title(y, codebook), caption=caption)
