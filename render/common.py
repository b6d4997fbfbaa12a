"""What every chart shares: the caption, the second-line suppression check, column checks and styling.

See :mod:`render.charts` for the rules all figures follow (captions, anonymity, themes).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from analytics import format as fmt
from analytics import settings
from analytics.errors import InputError
from analytics.survey import privacy


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


def require_columns(frame: pd.DataFrame, columns: Iterable[str | None], what: str) -> None:
    """Raise :class:`InputError` unless ``frame`` is a table with every named column (``None`` skipped)."""
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


def reason_code(row: object) -> str:
    """A row's ``suppressed_reason`` code ("" when the table has none)."""
    reason = getattr(row, "suppressed_reason", "")
    return reason if isinstance(reason, str) else ""


def hidden_label(row: object, min_group_size: int) -> str:
    """What a hidden row shows, by its ``suppressed_reason`` (primary when the row has none)."""
    return privacy.suppression_label(reason_code(row), min_group_size)


def trace_value(x: object) -> float | None:
    """A float for a trace, or ``None`` for missing (Plotly draws a gap)."""
    return None if fmt.is_missing(x) else float(x)


def is_blank(value: object) -> bool:
    """Missing or empty text (the organisation's parent is empty)."""
    return fmt.is_missing(value) or str(value).strip() == ""


def wave_text(wave: object) -> str:
    return f"wave {wave}"


def latest_wave(frame: pd.DataFrame) -> object:
    """The last of the table's survey waves in sorted order."""
    waves = frame["wave"].dropna().unique().tolist()
    if not waves:
        raise InputError("The results have no survey wave.")
    return sorted(waves)[-1]


def n_range_text(ns: pd.Series) -> tuple[str, str] | None:
    """The smallest and largest of ``ns`` (missing dropped) as formatted counts, or ``None`` if none."""
    ns = pd.to_numeric(ns, errors="coerce").dropna()
    if ns.empty:
        return None
    return fmt.format_n(ns.min()), fmt.format_n(ns.max())


def style_figure(fig: go.Figure, *, x_title: str | None, y_title: str | None, caption: str,
                 extra_meta: dict | None = None) -> go.Figure:
    """Transparent backgrounds (the app's theme shows through), the legend on top, axis titles and the
    caption in ``fig.layout.meta``."""
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
