"""Streamlit glue of the Trends page: measures across waves and HR rates month by month, per unit.

Survey trends come from :func:`analytics.survey.trends.unit_trend` (through the cached wrappers of
:mod:`ui.explorer_view`); HR rates from :func:`analytics.hr.rolling_hr_series`, computed once per dataset,
level and exclusion choice, then filtered to the units shown. The cached functions take the dataset first
(hashed by its ``cache_key``, :mod:`ui.cache`); it is never mutated. Figures are cached with
:func:`ui.cache.cached_object` (shared, never changed after they are built), tables with
:func:`ui.cache.cached_table`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import settings
from analytics.survey import trends
from analytics.dataset import Dataset
from render import charts
from analytics import labels
from ui import explorer_view as ev
from ui import tables
from ui.cache import cached_object, cached_table

#: Levels a user can choose, top down.
LEVEL_CHOICES = settings.LEVELS
#: The rolling rates drawn, one chart each.
HR_RATES = ev.ROLLING_RATES


#: Session-state key of the sidebar directorate seen on the page's previous run.
SIDEBAR_DIRECTORATE_SEEN_KEY = "trends_sidebar_directorate_seen"
#: Headroom above the highest value or context line of a rate chart whose y-axis starts at 0.
RATE_AXIS_HEADROOM = 1.08
RATE_AXIS_TEXT = "The y-axis starts at 0, so the size of a movement is not exaggerated."


#: Column of the survey trend table holding the published % unfavourable (burnout, stress).
PCT_UNFAVOURABLE_COLUMN = ev.PCT_UNFAVOURABLE_COLUMN


#: One unit's measures across waves, as on the Team explorer (one table builder for both pages).
survey_table_display = ev.trend_table_display


def level_name(level: str) -> str:
    return labels.level_label(level, 1).capitalize()


def unit_widget_key(level: str) -> str:
    """Key of the page's unit chooser at a level (e.g. ``trends_unit_directorate``)."""
    return f"trends_unit_{level}"


def sidebar_directorate_changed(directorate: str | None) -> bool:
    """Whether the sidebar's directorate differs from the one seen on the page's previous run.

    Remembers ``directorate`` for the next run. The first run of a session is not a change (the chooser
    starts on the sidebar's directorate anyway, through :func:`default_unit_index`).
    """
    missing = object()
    previous = st.session_state.get(SIDEBAR_DIRECTORATE_SEEN_KEY, missing)
    st.session_state[SIDEBAR_DIRECTORATE_SEEN_KEY] = directorate
    return previous is not missing and previous != directorate


def prime_unit_choice(options: pd.DataFrame, level: str, directorate: str | None, *, follow_sidebar: bool) -> None:
    """Set the unit chooser's value in session state before the widget is drawn.

    The chooser keeps the user's pick across reruns; it starts on :func:`default_unit_index`. At the
    directorate level it follows the sidebar: when the sidebar's directorate changed since the previous
    run (``follow_sidebar``), the chooser moves to it, whatever the user picked before; a pick made after
    that change is kept until the sidebar changes again. A value no longer among the options is replaced
    by the default.
    """
    key = unit_widget_key(level)
    labels_now = options["label"].tolist()
    default = labels_now[default_unit_index(options, level, directorate)]
    current = st.session_state.get(key)
    if current not in labels_now:
        st.session_state[key] = default
    elif follow_sidebar and level == settings.LEVEL_DIRECTORATE and directorate:
        st.session_state[key] = default


@cached_table()
def hr_unit_choices(dataset: Dataset, level: str, directorate: str | None) -> pd.DataFrame:
    """Units of the HR data at a level (when there is no survey to list them), as :func:`unit_choices`."""
    series = ev.rolling_series(dataset, level)
    units = series[["unit", "parent"]].astype(object).drop_duplicates()
    units["parent"] = units["parent"].where(units["parent"].notna(), "").astype(str)
    units["unit"] = units["unit"].astype(str)
    if directorate and level == settings.LEVEL_TEAM:
        units = units[units["parent"] == str(directorate)]
    units = units.sort_values(["parent", "unit"], kind="stable").reset_index(drop=True)
    duplicated = units["unit"].duplicated(keep=False)
    units["label"] = units["unit"].where(~duplicated, units["unit"] + " (" + units["parent"] + ")")
    units["suppressed"] = False
    return units[list(trends.UNIT_OPTION_COLUMNS)]


def unit_choices(dataset: Dataset, level: str, directorate: str | None) -> pd.DataFrame:
    """Units to choose from at a level: from the survey results (any wave), else from the HR data."""
    if dataset.survey is not None:
        return ev.unit_choices(dataset, level, None, directorate)
    if dataset.hr is not None:
        return hr_unit_choices(dataset, level, directorate)
    return pd.DataFrame({c: pd.Series(dtype=object) for c in trends.UNIT_OPTION_COLUMNS})


def default_unit_index(options: pd.DataFrame, level: str, directorate: str | None) -> int:
    """The sidebar's directorate when choosing a directorate; else the first unit not suppressed."""
    if level == settings.LEVEL_DIRECTORATE and directorate:
        matches = options.index[options["unit"] == str(directorate)].tolist()
        if matches:
            return int(options.index.get_loc(matches[0]))
    return ev.first_shown(options)


def unit_suppressed_everywhere_text(unit_name: str, min_group_size: int) -> str:
    return (f"{unit_name}: fewer than {min_group_size} responses in every wave. Nothing is shown for this unit, so "
            "that no respondent can be identified.")


# --------------------------------------------------------------------------------------------------
# HR rates month by month
# --------------------------------------------------------------------------------------------------
def national_context_lines(rate: str) -> list[tuple[float, str]]:
    """Reference lines of :data:`analytics.labels.NATIONAL_CONTEXT` for a rolling rate (e.g. ``sickness_rate_12m``).

    The range's two ends are drawn; the lower one carries the label ("National context: …, 5.6–5.7%").
    """
    outcome = rate.removesuffix("_12m")
    if outcome not in labels.NATIONAL_CONTEXT:
        return []
    low, high, source = labels.NATIONAL_CONTEXT[outcome]
    text = f"National context: {source}, {low:g}–{high:g}%"
    return [(low, text), (high, "")]


def rate_axis_range(values: pd.Series | list, reference_values: list[float] = ()) -> list[float]:
    """The y-axis range of a rate chart: from 0 to a little above the highest value or context line.

    Rates are shown from 0 so that a small movement (e.g. 5.3% to 5.6%) is not drawn as a dramatic one;
    the national context lines are always inside the range. Missing values are ignored; with no value at
    all the range is 0 to 1.
    """
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").astype(float)
    candidates = [float(v) for v in numbers.dropna()] + [float(v) for v in reference_values]
    top = max(candidates, default=0.0)
    return [0.0, top * RATE_AXIS_HEADROOM if top > 0 else 1.0]


def context_label_anchor(values: pd.Series | list, low: float, high: float) -> tuple[float, str]:
    """Where the national context label goes, away from the data: ``(y, yanchor)``.

    Above the upper line when the values lie mostly below the middle of the range (their median below
    it), else under the lower line; with no value, above the upper line.
    """
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").astype(float).dropna()
    if numbers.empty or float(numbers.median()) < (low + high) / 2:
        return float(high), "bottom"
    return float(low), "top"


@cached_table()
def hr_frame(dataset: Dataset, level: str, unit: str, parent: str | None) -> pd.DataFrame:
    """Rolling 12-month HR figures of a unit and, for comparison, the organisation: one row per unit x month.

    Empty when the HR data has no unit of that name at that level.
    """
    own = ev.unit_rolling_series(dataset, level, unit, parent)
    if own.empty:
        return own
    parts = [own]
    if level != settings.LEVEL_ORGANISATION:
        organisation = ev.unit_rolling_series(dataset, settings.LEVEL_ORGANISATION, settings.ORGANISATION_UNIT,
                                              None)
        parts.append(organisation)
    return pd.concat(parts, ignore_index=True)


@cached_object()
def hr_rate_figure(dataset: Dataset, level: str, unit: str, parent: str | None, rate: str) -> go.Figure | None:
    """One rolling rate month by month: the unit and the organisation, with national context lines."""
    frame = hr_frame(dataset, level, unit, parent)
    if frame.empty:
        return None
    plot = frame[["unit", "month", rate]].copy()
    plot[rate] = pd.to_numeric(plot[rate], errors="coerce").astype(float)
    fig = charts.trend_lines(plot, "month", rate, color="unit", y_kind="pct", x_title="End of 12-month window",
                             reference_lines=national_context_lines(rate), data_label=ev.hr_label(dataset),
                             period=ev.hr_period_text(frame), unit_of_analysis=labels.level_label(level, 1))
    ev.set_title(fig, f"{labels.OUTCOMES[rate].label}: {ev.unit_title(level, unit, parent)}")
    context = national_context_lines(rate)
    fig.update_yaxes(range=rate_axis_range(plot[rate], [value for value, _ in context]), autorange=False)
    if context:
        # one label for the two lines, on the side away from the data (the lines may be close together)
        y, anchor = context_label_anchor(plot[rate], context[0][0], context[-1][0])
        fig.update_annotations(selector=lambda a: str(a.text or "").startswith("National context"), y=y,
                               yanchor=anchor)
    n_units = frame["unit"].nunique()
    series_text = (f"{ev.unit_title(level, unit, parent)} and the organisation" if n_units > 1
                   else ev.unit_title(level, unit, parent))
    caption = ev.hr_caption(dataset, frame, unit_of_analysis=labels.level_label(level, 1), series_text=series_text)
    if context:
        caption += (" Dotted lines: national context for comparison only (published NHS figures, computed over "
                    "whole organisations).")
    caption += f" {RATE_AXIS_TEXT}"
    fig.update_layout(meta={"caption": caption})
    return fig


#: Columns of :func:`hr_table_display`, in order.
HR_TABLE_COLUMNS = ("Unit", "12 months to", "Staff at start", "Staff at end", "Leavers", "Leaver rate (%)",
                    "FTE days lost", "FTE days available", "Sickness rate (%)")


def hr_table_display(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The rolling 12-month HR figures as a table that fits the page: one row per unit x month.

    Numerators and denominators are shown beside each rate. Counts are whole numbers with thousands
    separators, FTE days are rounded to whole days in the display only (the frame keeps full precision,
    and so does the CSV download), rates have one decimal. The window's first month is not a column
    (it is always 11 months before the last); the help text says so.
    """
    out = pd.DataFrame({
        "Unit": frame["unit"].astype(str).to_numpy(),
        "12 months to": pd.to_datetime(frame["month"]).dt.date.to_numpy(),
        "Staff at start": frame["staff_start"].to_numpy(),
        "Staff at end": frame["staff_end"].to_numpy(),
        "Leavers": frame["leavers"].to_numpy(),
        "Leaver rate (%)": pd.to_numeric(frame["leaver_rate_12m"], errors="coerce").astype(float).to_numpy(),
        "FTE days lost": pd.to_numeric(frame["fte_days_lost"], errors="coerce").astype(float).to_numpy(),
        "FTE days available": pd.to_numeric(frame["fte_days_available"], errors="coerce").astype(float).to_numpy(),
        "Sickness rate (%)": pd.to_numeric(frame["sickness_rate_12m"], errors="coerce").astype(float).to_numpy(),
    }, columns=list(HR_TABLE_COLUMNS))
    for column in ("Staff at start", "Staff at end", "Leavers"):
        out[column] = out[column].astype("Int64")
    count = "%,d"
    config = {
        "Unit": st.column_config.TextColumn(width=tables.fit_text_width(out["Unit"], "Unit"), pinned=True),
        "12 months to": st.column_config.DateColumn(
            format="MMM YYYY", width=100,
            help="The last month of the window: each row covers the 12 whole months ending with this month "
                 "(e.g. April 2022 to March 2023)."),
        "Staff at start": st.column_config.NumberColumn(format=count, width=95,
                                                        help="Staff in post (headcount) at the window's start."),
        "Staff at end": st.column_config.NumberColumn(format=count, width=90,
                                                      help="Staff in post (headcount) at the window's end."),
        "Leavers": st.column_config.NumberColumn(format=count, width=70, help="Leavers during the 12 months."),
        "Leaver rate (%)": st.column_config.NumberColumn(format="%.1f%%", width=100,
                                                         help=labels.OUTCOMES["leaver_rate"].help),
        "FTE days lost": st.column_config.NumberColumn(format="%,.0f", width=100,
                                                       help="Full-time-equivalent days lost to sickness absence."),
        "FTE days available": st.column_config.NumberColumn(format="%,.0f", width=125,
                                                            help="Full-time-equivalent days available."),
        "Sickness rate (%)": st.column_config.NumberColumn(format="%.1f%%", width=125,
                                                           help=labels.OUTCOMES["sickness_rate"].help),
    }
    return out, config
