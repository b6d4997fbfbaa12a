"""Scatter of units, one variable against another, with a least-squares line and its 95% confidence band.

The line and band are computed by :func:`analytics.stats.fit.least_squares_fit`; this module draws them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics import format as fmt
from analytics import labels
from analytics import settings
from analytics.errors import InputError
from analytics.ingest.codebook import Codebook
from analytics.stats.fit import FitLine, least_squares_fit
from render.common import chart_caption, is_blank, require_columns, style_figure, suppressed_mask

#: Diameter of the largest marker and the smallest any marker gets (pixels), when sized by a column.
MAX_MARKER_PX = 36
MIN_MARKER_PX = 7
#: Diameter of every marker when not sized by a column.
MARKER_PX = 10


def _scatter_points(points: pd.DataFrame, x: str, y: str, size: str | None, label: str | None,
                    min_group_size: int) -> tuple[pd.DataFrame, str, int, int]:
    """The rows drawn (not suppressed, both values present), the label column, and how many rows were
    left out as suppressed and as incomplete."""
    label = label or ("unit" if "unit" in points.columns else None)
    require_columns(points, (x, y, size, label), "table of points")
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


def _marker_diameters(shown: pd.DataFrame, size: str | None) -> pd.Series | None:
    """Marker area proportional to ``size``: diameter ∝ √size, the largest point ``MAX_MARKER_PX``, none
    below ``MIN_MARKER_PX``. ``None`` (one fixed size) without a size column or a positive largest value."""
    if size is None:
        return None
    sizes = pd.to_numeric(shown[size], errors="coerce").astype(float)
    biggest = sizes.max()
    if pd.notna(biggest) and biggest > 0:
        return (np.sqrt(sizes.fillna(0) / biggest) * MAX_MARKER_PX).clip(lower=MIN_MARKER_PX).round(2)
    return None


class _PointText:
    """Hover text of one point: unit, x and y (formatted by kind), then size and colour group if used."""

    def __init__(self, x: str, y: str, size: str | None, color: str | None, label: str,
                 x_kind: str, y_kind: str, codebook: Codebook | None):
        self.x, self.y, self.size, self.color, self.label = x, y, size, color, label
        self.x_kind, self.y_kind = x_kind, y_kind
        self.x_name, self.y_name = labels.display_label(x, codebook), labels.display_label(y, codebook)

    def __call__(self, r: pd.Series) -> str:
        line = (f"<b>{r[self.label]}</b><br>{self.x_name}: {fmt.format_value(r[self.x], self.x_kind)}"
                f"<br>{self.y_name}: {fmt.format_value(r[self.y], self.y_kind)}")
        if self.size is not None:
            line += f"<br>{labels.display_label(self.size)}: {fmt.format_n(r[self.size])}"
        if self.color is not None:
            line += f"<br>{labels.display_label(self.color)}: {r[self.color]}"
        return line


def _add_point_traces(fig: go.Figure, shown: pd.DataFrame, text: _PointText, diameters: pd.Series | None,
                      unit_of_analysis: str) -> None:
    """One marker trace per ``color`` group (in sorted order), or one named after the units."""
    color = text.color
    groups = [(None, shown)] if color is None else list(shown.groupby(color, sort=True, dropna=False))
    for index, (group, part) in enumerate(groups):
        style = labels.series_style(index)
        marker = dict(color=style["colour"], symbol=style["symbol"], opacity=0.8,
                      line=dict(width=1, color=labels.REFERENCE_COLOUR))
        marker["size"] = diameters.loc[part.index].tolist() if diameters is not None else MARKER_PX
        if color is None:
            name = f"{unit_of_analysis.capitalize()}s"
        else:
            name = settings.NOT_RECORDED_UNIT if is_blank(group) else str(group)
        fig.add_trace(go.Scatter(
            name=name, mode="markers", x=[float(v) for v in part[text.x]], y=[float(v) for v in part[text.y]],
            text=[str(v) for v in part[text.label]], hovertext=[text(r) for _, r in part.iterrows()],
            hovertemplate="%{hovertext}<extra></extra>", marker=marker, showlegend=color is not None,
        ))


def _add_fit_traces(fig: go.Figure, line: FitLine, x_name: str, y_name: str) -> None:
    """The confidence band (a filled polygon: upper edge out, lower edge back), then the line."""
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
        Draw the pooled fit (:func:`analytics.stats.fit.least_squares_fit`, unweighted: one unit, one
        point) when there are at least three points. ``fig.layout.meta["fit"]`` then holds ``slope``,
        ``intercept`` and ``n``.
    x_kind, y_kind
        :func:`analytics.format.format_value` kinds for hover text; default from :func:`analytics.labels.value_kind`.

    Returns
    -------
    Traces: one marker trace per ``color`` group (or one, "Units"), then "95% confidence band" (filled
    polygon) and "Least-squares line" when fitted.
    """
    shown, label, _, _ = _scatter_points(points, x, y, size, label, min_group_size)
    require_columns(points, (color,), "table of points")
    text = _PointText(x, y, size, color, label, x_kind or labels.value_kind(x, codebook),
                      y_kind or labels.value_kind(y, codebook), codebook)
    fig = go.Figure()
    _add_point_traces(fig, shown, text, _marker_diameters(shown, size), unit_of_analysis)
    extra = {}
    line = least_squares_fit(shown[x], shown[y]) if fit else None
    if line is not None:
        _add_fit_traces(fig, line, text.x_name, text.y_name)
        extra["fit"] = {"slope": line.slope, "intercept": line.intercept, "n": line.n}
    caption = scatter_caption(points, x, y, size=size, label=label, fit=fit, data_label=data_label, period=period,
                              unit_of_analysis=unit_of_analysis, min_group_size=min_group_size)
    fig.update_layout(hovermode="closest")
    return style_figure(fig, x_title=x_title or labels.axis_title(x, codebook),
                        y_title=y_title or labels.axis_title(y, codebook), caption=caption, extra_meta=extra)
