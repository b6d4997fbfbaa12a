"""Colour arithmetic for charts: WCAG luminance, readable text on a cell, a scale's colour at a value.

Pure functions on colour strings ("#RRGGBB", "rgb(r, g, b)", "rgba(r, g, b, a)"); the palettes
themselves are in :mod:`analytics.labels`.
"""

from __future__ import annotations

import functools

import plotly.colors

from analytics import labels

#: Cell text colours, chosen by the cell's luminance (:func:`text_colour_on`).
DARK_TEXT = "#000000"
LIGHT_TEXT = "#FFFFFF"


def rgb(colour: str) -> tuple[float, float, float]:
    """(r, g, b) on 0–255 from "#RRGGBB", "rgb(r, g, b)" or "rgba(r, g, b, a)"."""
    text = colour.strip()
    if text.startswith("#"):
        h = text.lstrip("#")
        return tuple(float(int(h[i:i + 2], 16)) for i in (0, 2, 4))  # type: ignore[return-value]
    inside = text[text.index("(") + 1:text.index(")")].split(",")
    return tuple(float(v) for v in inside[:3])  # type: ignore[return-value]


def with_alpha(colour: str, alpha: float) -> str:
    """``colour`` as "rgba(r, g, b, alpha)" (e.g. a translucent band in a line's colour)."""
    r, g, b = (int(c) for c in rgb(colour))
    return f"rgba({r}, {g}, {b}, {alpha})"


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

    r, g, b = (linear(c) for c in rgb(colour))
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
    return tuple((float(position), rgb(plotly.colors.convert_colors_to_same_type(colour, "rgb")[0][0]))
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
