"""Funnel plot: each unit's rate against its denominator, the target line and the 95% and 99.8% limits.

The limits are computed by :func:`analytics.stats.funnel.funnel_limits` over a grid of denominators
(the same function that placed each unit in :func:`analytics.stats.funnel.funnel_table`), so a point
lies outside a drawn curve exactly when its ``position`` says so; this module only draws them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics import format as fmt
from analytics import labels, settings
from analytics.errors import InputError
from analytics.stats.funnel import FUNNEL_KINDS, funnel_limits
from render.common import chart_caption, require_columns, style_figure

#: Points of the grid the limit curves are drawn through.
GRID_POINTS = 240
#: Colour and symbol of each position (Okabe–Ito; symbols differ too, so colour is not the only cue).
POSITION_STYLE = {
    settings.FUNNEL_ABOVE_998: (labels.SERIES_COLOURS[5], "triangle-up"),    # vermillion
    settings.FUNNEL_ABOVE_95: (labels.SERIES_COLOURS[1], "diamond"),         # orange
    settings.FUNNEL_WITHIN: (labels.SERIES_COLOURS[0], "circle"),            # blue
    settings.FUNNEL_BELOW_95: (labels.SERIES_COLOURS[4], "square"),          # sky blue
    settings.FUNNEL_BELOW_998: (labels.SERIES_COLOURS[2], "triangle-down"),  # bluish green
}
#: Line style of each limit: (legend name, dash).
LIMIT_STYLE = {"95": ("95% limits", "dash"), "998": ("99.8% limits", "dot")}
_TABLE_COLUMNS = ("unit", "denominator", "rate", "target", "position")


def _kind_and_target(table: pd.DataFrame) -> tuple[str, float, float | None]:
    kind = table.attrs.get("kind")
    if kind not in FUNNEL_KINDS:
        raise InputError("The funnel table has lost its settings (attrs 'kind'); pass the table "
                         "analytics.stats.funnel_table returned, without re-building it.")
    target = float(table.attrs.get("target", np.nan))
    phi = table.attrs.get("phi")
    dispersion = float(phi) if table.attrs.get("overdispersion_applied") and phi is not None else None
    return kind, target, dispersion


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["position"] != settings.FUNNEL_NO_DATA]


def denominator_grid(denominators: pd.Series, points: int = GRID_POINTS) -> np.ndarray:
    """Denominators the curves pass through: evenly spaced from 90% of the smallest positive
    denominator to 105% of the largest (empty when there is none)."""
    values = pd.to_numeric(denominators, errors="coerce").astype(float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.empty:
        return np.array([])
    return np.linspace(0.9 * values.min(), 1.05 * values.max(), points)


def funnel_caption(table: pd.DataFrame, *, data_label: str = "HR records", period: str | None = None,
                   unit_of_analysis: str = "team") -> str:
    """Caption of :func:`funnel_figure`: units shown and without data, the target and the limits."""
    require_columns(table, _TABLE_COLUMNS, "funnel table")
    kind, target, dispersion = _kind_and_target(table)
    shown = _shown(table)
    plural = unit_of_analysis if len(shown) == 1 else f"{unit_of_analysis}s"
    n_text = f"n = {len(shown)} {plural}, one point each"
    missing = len(table) - len(shown)
    if missing:
        n_text += f"; {missing} with no data not shown"
    model = "binomial" if kind == "proportion" else "Poisson"
    notes = [f"The line is the target, {fmt.format_value(target, 'pct')}; the curves are exact {model} 95% "
             "and 99.8% control limits (Spiegelhalter 2005): a unit in control falls outside them by "
             "chance about 1 time in 20 and 1 in 500"]
    if dispersion is not None:
        notes.append(f"Limits widened for overdispersion (φ = {dispersion:.2f}: {plural} vary more than "
                     f"{model} chance alone)")
    return chart_caption(data=data_label, period=period, unit_of_analysis=unit_of_analysis, n_text=n_text,
                         notes=notes)


def _add_limit_traces(fig: go.Figure, kind: str, target: float, dispersion: float | None,
                      grid: np.ndarray, rate_label: str) -> None:
    """The target line, then each level's upper and lower curve (one legend entry per level)."""
    x = [float(v) for v in grid]
    fig.add_trace(go.Scatter(
        name=f"Target ({fmt.format_value(target, 'pct')})", x=x, y=[float(target)] * len(x), mode="lines",
        line=dict(color=labels.REFERENCE_COLOUR, width=2), hoverinfo="skip"))
    curves = funnel_limits(target / 100, grid, kind=kind, dispersion=dispersion)
    for key, (name, dash) in LIMIT_STYLE.items():
        for side in ("upper", "lower"):
            fig.add_trace(go.Scatter(
                name=name, x=x, y=[float(v) for v in 100 * curves[f"{side}_{key}"]], mode="lines",
                line=dict(color=labels.REFERENCE_COLOUR, width=1.5, dash=dash), legendgroup=key,
                showlegend=side == "upper", meta={"limit": f"{side}_{key}"},
                hovertemplate=f"{side.capitalize()} {name[:-1]}: %{{y:.1f}}% at %{{x:,.0f}}<extra></extra>"))


def _hover(row: pd.Series, rate_label: str, denominator_label: str) -> str:
    parent = row.get("parent")
    head = f"<b>{row['unit']}</b>" + (f" ({parent})" if isinstance(parent, str) and parent else "")
    return (f"{head}<br>{rate_label}: {fmt.format_value(row['rate'], 'pct')}"
            f"<br>{denominator_label}: {fmt.format_value(row['denominator'], 'number')}"
            f"<br>{str(row['position']).capitalize()}")


def funnel_figure(table: pd.DataFrame, *, title: str, rate_label: str,
                  denominator_label: str = "Denominator", data_label: str = "HR records",
                  period: str | None = None, unit_of_analysis: str = "team") -> go.Figure:
    """Funnel plot of a :func:`analytics.stats.funnel.funnel_table`.

    One marker trace per position present (named after it, colour and symbol from
    :data:`POSITION_STYLE`; hover: unit, rate, denominator, position), the target as a horizontal line,
    and the 95% (dashed) and 99.8% (dotted) limits as curves through :func:`denominator_grid`, computed by
    :func:`analytics.stats.funnel.funnel_limits` with the table's target and, when the table applied it,
    its overdispersion factor. Units with no data are not drawn (the caption counts them). x: the
    denominator (``denominator_label``); y: the rate in % (``rate_label``).
    """
    require_columns(table, _TABLE_COLUMNS, "funnel table")
    kind, target, dispersion = _kind_and_target(table)
    shown = _shown(table)
    fig = go.Figure()
    grid = denominator_grid(shown["denominator"])
    if grid.size and np.isfinite(target):
        _add_limit_traces(fig, kind, target, dispersion, grid, rate_label)
    for position, (colour, symbol) in POSITION_STYLE.items():
        part = shown[shown["position"] == position]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            name=position.capitalize(), mode="markers",
            x=[float(v) for v in part["denominator"]], y=[float(v) for v in part["rate"]],
            text=[str(v) for v in part["unit"]], hovertext=[_hover(r, rate_label, denominator_label)
                                                            for _, r in part.iterrows()],
            hovertemplate="%{hovertext}<extra></extra>",
            marker=dict(color=colour, symbol=symbol, size=10, line=dict(width=1, color=labels.REFERENCE_COLOUR))))
    fig.update_layout(title=title)
    caption = funnel_caption(table, data_label=data_label, period=period, unit_of_analysis=unit_of_analysis)
    return style_figure(fig, x_title=denominator_label, y_title=f"{rate_label} (%)", caption=caption,
                        extra_meta={"target": target, "phi": table.attrs.get("phi"), "kind": kind})
