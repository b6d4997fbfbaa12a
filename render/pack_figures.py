"""The board pack's figures (Plotly), drawn for print: fixed A4 width, white background, and every legend
outside the plot area (below the x axis), so that no legend covers data.

* trend: organisation scores across waves, one line per measure with 95% CI bars, the measures nudged
  apart along the x axis so that close scores do not sit on top of each other; with a single wave, bars with
  their 95% CI (there is no trend to draw);
* behaviours: % positive per behaviour, this wave and the previous one side by side;
* forest: the association of each pair with its 95% CI and a line at zero.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from analytics import format as fmt
from analytics import labels
from analytics.errors import InputError
from analytics.report.pack_model import Figure

#: Plot width in CSS pixels: the A4 text width (210 mm - 2 x 14 mm margins = 182 mm) at 96 dpi is ~688 px.
FIGURE_WIDTH = 680
FIGURE_HEIGHT = 340
#: How far apart (in waves) the measures of one wave are drawn on the trend figure.
TREND_NUDGE = 0.08
#: Legend placed under the plot area (paper coordinates), left-aligned.
_LEGEND_BELOW = dict(orientation="h", yanchor="top", y=-0.22, x=0, xanchor="left", title_text="")


def print_layout(fig: go.Figure, height: int = FIGURE_HEIGHT, *, bottom: int = 50) -> go.Figure:
    """White background, fixed A4 width, readable fonts: what prints well."""
    fig.update_layout(template="plotly_white", paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
                      width=FIGURE_WIDTH, height=height, font=dict(family="Helvetica, Arial, sans-serif", size=12),
                      margin=dict(l=60, r=20, t=20, b=bottom))
    return fig


def _ci_arrays(part) -> dict:
    means = part["mean"].astype(float)
    return dict(type="data", symmetric=False, array=(part["ci_high"].astype(float) - means).tolist(),
                arrayminus=(means - part["ci_low"].astype(float)).tolist(), thickness=1.5, width=4)


def trend_figure(figure: Figure) -> go.Figure:
    """Scores across waves with 95% CI bars; bars with CIs when there is one wave only."""
    data = figure.data
    waves = sorted(data["wave"].astype(str).unique())
    measures = list(dict.fromkeys(data["label"].astype(str)))
    fig = go.Figure()
    if len(waves) == 1:
        values = data["mean"].astype(float).tolist()
        fig.add_trace(go.Bar(x=data["label"].astype(str).tolist(), y=values, marker_color=labels.UNIT_COLOUR,
                             error_y=dict(_ci_arrays(data), color="#333333"), showlegend=False,
                             text=[fmt.format_score(v) for v in values], textposition="inside",
                             insidetextanchor="end", textfont=dict(color="#ffffff"),
                             hovertemplate="%{x}: %{y:.1f}<extra></extra>"))
        fig.update_yaxes(title_text="Mean score (0–10)", range=[0, 10])
        fig.update_xaxes(title_text=f"Survey wave {waves[0]}")
        return print_layout(fig, height=300)
    position = {w: i for i, w in enumerate(waves)}
    for index, measure in enumerate(measures):
        part = data[data["label"].astype(str) == measure].sort_values("wave")
        offset = (index - (len(measures) - 1) / 2) * TREND_NUDGE
        colour = labels.SERIES_COLOURS[index % len(labels.SERIES_COLOURS)]
        fig.add_trace(go.Scatter(
            x=[position[w] + offset for w in part["wave"].astype(str)], y=part["mean"].astype(float).tolist(),
            mode="lines+markers", name=measure,
            line=dict(color=colour, dash=labels.SERIES_DASHES[index % len(labels.SERIES_DASHES)]),
            marker=dict(color=colour, size=8, symbol=labels.SERIES_SYMBOLS[index % len(labels.SERIES_SYMBOLS)]),
            error_y=dict(_ci_arrays(part), color=colour),
            hovertemplate=html.escape(measure) + " %{y:.1f}<extra></extra>"))
    low = float(data["ci_low"].min()) if data["ci_low"].notna().any() else float(data["mean"].min())
    high = float(data["ci_high"].max()) if data["ci_high"].notna().any() else float(data["mean"].max())
    pad = max(0.3, (high - low) * 0.15)
    fig.update_yaxes(title_text="Mean score (0–10)", range=[max(0.0, low - pad), min(10.0, high + pad)])
    fig.update_xaxes(title_text="Survey wave", tickmode="array", tickvals=list(range(len(waves))), ticktext=waves,
                     range=[-0.4, len(waves) - 0.6])
    fig.update_layout(legend=_LEGEND_BELOW)
    return print_layout(fig, bottom=90)


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
                             text=[fmt.format_pct(v) for v in values], textposition="outside", cliponaxis=False,
                             hovertemplate="%{y}: %{x:.1f}%<extra>" + html.escape(f"Wave {name}") + "</extra>"))
    fig.update_layout(barmode="group", legend=dict(_LEGEND_BELOW, traceorder="reversed"))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(order)))
    fig.update_xaxes(title_text="Positive answers (%)", range=[0, 100])
    return print_layout(fig, height=340, bottom=95)


def forest_figure(figure: Figure) -> go.Figure:
    """The association (Pearson r) with its 95% CI per pair, with a line at zero (no association)."""
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
    fig.update_xaxes(title_text="Association between teams (0 = none), with 95% CI", range=[-1, 1],
                     zeroline=False)
    fig.update_yaxes(autorange="reversed")
    fig = print_layout(fig, height=max(240, 60 + 28 * len(data)))
    fig.update_layout(margin=dict(l=20))
    fig.update_yaxes(automargin=True)
    return fig


_FIGURE_BUILDERS = {"trend": trend_figure, "behaviours": behaviours_figure, "forest": forest_figure}


def figure_object(figure: Figure, min_group_size: int) -> go.Figure:
    """The Plotly figure of a figure block (``min_group_size`` is kept for callers; the data are shown rows)."""
    try:
        builder = _FIGURE_BUILDERS[figure.kind]
    except KeyError:
        raise InputError(f"Unknown figure kind '{figure.kind}'.") from None
    return builder(figure)
