"""Plotly figure builders: pure functions, tables in, ``plotly.graph_objects.Figure`` out.

This module is the one callers import (``from render import charts``); each figure lives in its own
module: :mod:`render.heatmap` (units × measures), :mod:`render.scatter` (one variable against another,
with the least-squares fit of :mod:`analytics.stats.fit`), :mod:`render.trends` (lines over time),
:mod:`render.behaviours` (the four behaviours, team against organisation), :mod:`render.funnel` (team HR
rates against the organisation with control limits) and :mod:`render.correlations`;
what they share is in :mod:`render.common` (caption, suppression check, styling) and
:mod:`render.colours` (luminance, text colour, colour-scale look-up).

Each builder takes one of the tables that leave the analytics layer (fixed column names, see
:mod:`analytics.settings`) and returns a figure with axis titles that name their units, colour-blind-safe
colours (:mod:`analytics.labels`) and a caption stored in ``fig.layout.meta["caption"]`` that names the data,
the period, the unit of analysis and n. Pages show it with ``st.caption(figure_caption(fig))``; every
builder's module also has a ``*_caption`` function giving the same text without drawing (e.g.
:func:`render.heatmap.heatmap_caption`).

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
heatmap cells is black or white by the cell colour's luminance (:func:`render.colours.text_colour_on`), and
text outside bars takes the theme's font colour.

Values in traces are plain Python lists (not NumPy arrays), so the figure JSON lists them as numbers
rather than base64 blocks; that keeps the figure inspectable in tests and in the browser.
"""

from __future__ import annotations

from render.behaviours import behaviours_bar
from render.colours import relative_luminance, scale_colour, text_colour_on
from render.common import chart_caption, figure_caption, suppressed_mask
from render.correlations import correlation_matrix
from render.funnel import funnel_caption, funnel_figure
from render.heatmap import NO_DATA_FILL, default_score_range, heatmap_teams_by_measure
from render.scatter import scatter_with_fit
from render.trends import trend_lines

__all__ = [
    "NO_DATA_FILL",
    "behaviours_bar",
    "chart_caption",
    "correlation_matrix",
    "default_score_range",
    "figure_caption",
    "funnel_caption",
    "funnel_figure",
    "heatmap_teams_by_measure",
    "relative_luminance",
    "scale_colour",
    "scatter_with_fit",
    "suppressed_mask",
    "text_colour_on",
    "trend_lines",
]
