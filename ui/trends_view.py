"""Streamlit glue of the Trends page: measures across waves and HR rates month by month, per unit.

Survey trends come from :func:`analytics.trends.unit_trend` (through the cached wrappers of
:mod:`ui.explorer_view`); HR rates from :func:`analytics.hr.rolling_hr_series`, computed once per dataset,
level and exclusion choice, then filtered to the units shown. The cached functions take
``(dataset_key, ..., _dataset)``; the dataset itself is not hashed and never mutated. Figures are cached
with ``st.cache_resource`` (shared, never changed after they are built), tables with ``st.cache_data``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import settings, trends
from analytics.dataset import Dataset
from ui import charts, labels
from ui import explorer_view as ev

#: Levels a user can choose, top down.
LEVEL_CHOICES = settings.LEVELS
#: The rolling rates drawn, one chart each.
HR_RATES = ev.ROLLING_RATES


def level_name(level: str) -> str:
    return labels.level_label(level, 1).capitalize()


@st.cache_data(max_entries=32, show_spinner=False)
def hr_unit_choices(dataset_key: str, level: str, directorate: str | None, hr_exclusions: str,
                    _dataset: Dataset) -> pd.DataFrame:
    """Units of the HR data at a level (when there is no survey to list them), as :func:`unit_choices`."""
    series = ev.rolling_series(dataset_key, level, _dataset.hr_exclusions, _dataset)
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
        return ev.unit_choices(ev.dataset_key(dataset), dataset.min_group_size, level, None, directorate, dataset)
    if dataset.hr is not None:
        return hr_unit_choices(ev.dataset_key(dataset), level, directorate, dataset.hr_exclusions, dataset)
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
    """Reference lines of :data:`ui.labels.NATIONAL_CONTEXT` for a rolling rate (e.g. ``sickness_rate_12m``).

    The range's two ends are drawn; the lower one carries the label ("National context: …, 5.6–5.7%").
    """
    outcome = rate.removesuffix("_12m")
    if outcome not in labels.NATIONAL_CONTEXT:
        return []
    low, high, source = labels.NATIONAL_CONTEXT[outcome]
    text = f"National context: {source}, {low:g}–{high:g}%"
    return [(low, text), (high, "")]


@st.cache_data(max_entries=32, show_spinner=False)
def hr_frame(dataset_key: str, level: str, unit: str, parent: str | None, hr_exclusions: str,
             _dataset: Dataset) -> pd.DataFrame:
    """Rolling 12-month HR figures of a unit and, for comparison, the organisation: one row per unit x month.

    Empty when the HR data has no unit of that name at that level.
    """
    dataset = _dataset
    own = ev.unit_rolling_series(dataset, level, unit, parent)
    if own.empty:
        return own
    parts = [own]
    if level != settings.LEVEL_ORGANISATION:
        organisation = ev.unit_rolling_series(dataset, settings.LEVEL_ORGANISATION, settings.ORGANISATION_UNIT,
                                              None)
        parts.append(organisation)
    return pd.concat(parts, ignore_index=True)


@st.cache_resource(max_entries=32, show_spinner=False)
def hr_rate_figure(dataset_key: str, level: str, unit: str, parent: str | None, rate: str, hr_exclusions: str,
                   _dataset: Dataset) -> go.Figure | None:
    """One rolling rate month by month: the unit and the organisation, with national context lines."""
    frame = hr_frame(dataset_key, level, unit, parent, hr_exclusions, _dataset)
    if frame.empty:
        return None
    plot = frame[["unit", "month", rate]].copy()
    plot[rate] = pd.to_numeric(plot[rate], errors="coerce").astype(float)
    fig = charts.trend_lines(plot, "month", rate, color="unit", y_kind="pct", x_title="End of 12-month window",
                             reference_lines=national_context_lines(rate), data_label=ev.hr_label(_dataset),
                             period=ev.hr_period_text(frame), unit_of_analysis=labels.level_label(level, 1))
    ev.set_title(fig, f"{labels.OUTCOMES[rate].label}: {ev.unit_title(level, unit, parent)}")
    n_units = frame["unit"].nunique()
    series_text = (f"{ev.unit_title(level, unit, parent)} and the organisation" if n_units > 1
                   else ev.unit_title(level, unit, parent))
    caption = ev.hr_caption(_dataset, frame, unit_of_analysis=labels.level_label(level, 1), series_text=series_text)
    if national_context_lines(rate):
        caption += (" Dotted lines: national context for comparison only (published NHS figures, computed over "
                    "whole organisations).")
    fig.update_layout(meta={"caption": caption})
    return fig
