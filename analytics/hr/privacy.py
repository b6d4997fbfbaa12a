"""Small units in HR figures: a team with fewer than k staff in post gets no per-team HR figures.

Rule (domain.md §3): "HR small cells: a team with fewer than k staff in post gets no per-team HR
figures (health and employment data about few people); rolling or monthly series are never shown for
such teams." k is the anonymity threshold of the survey (default 11).

Which units: teams and directorates (never the organisation) with fewer than k staff in post at the
window's start **or** at its end (``min(staff_start, staff_end) < k``): a team that grows from 4 to 12
people, or closes, describes few people over part of the window. Their counts and rates become missing
(``<NA>``), never 0, and ``suppressed`` is True.
"""

from __future__ import annotations

import pandas as pd

from analytics import settings

#: The columns of an :func:`analytics.hr.hr_metrics` table that describe people and are hidden.
SUPPRESSED_HR_COLUMNS = (
    "staff_start", "staff_end", "leavers", "leaver_rate", "stability_index", "fte_days_lost",
    "fte_days_available", "sickness_rate", "mean_staff", "leaver_rate_annualised",
    "voluntary_leavers", "voluntary_resignation_rate",
)


def small_hr_units(table: pd.DataFrame, min_group_size: int) -> pd.Series:
    """True for each row of an HR table (``level``, ``staff_start``, ``staff_end``) whose unit is a team
    or directorate with fewer than ``min_group_size`` staff in post at the start or the end."""
    start = pd.to_numeric(table["staff_start"], errors="coerce").astype("Float64")
    end = pd.to_numeric(table["staff_end"], errors="coerce").astype("Float64")
    fewest = pd.concat([start, end], axis=1).min(axis=1, skipna=False)
    small = (fewest < min_group_size).fillna(True).astype(bool)
    return small & (table["level"] != settings.LEVEL_ORGANISATION)


def suppress_small_hr_units(table: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """The table with the people columns (:data:`SUPPRESSED_HR_COLUMNS`) of small units blanked and a
    ``suppressed`` column; ``attrs['hr_suppression']`` states the rule and how many units it hid."""
    small = small_hr_units(table, min_group_size)
    out = table.copy()
    for column in SUPPRESSED_HR_COLUMNS:
        if column in out.columns:
            out[column] = out[column].astype("Float64") if out[column].dtype.kind == "f" else out[column]
            out[column] = out[column].mask(small.to_numpy())
    out["suppressed"] = small.to_numpy()
    out.attrs.update(table.attrs)
    out.attrs["hr_suppression"] = hr_suppression_text(int(small.sum()), min_group_size)
    return out


def hr_suppression_text(n_hidden: int, min_group_size: int) -> str:
    rule = (f"HR figures are not shown for a team with fewer than {min_group_size} staff in post at the start or "
            "end of the window (health data about few people).")
    return rule + (f" {n_hidden} unit(s) hidden." if n_hidden else "")


def drop_small_hr_series(series: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """A monthly or rolling HR table (:func:`analytics.hr.rolling_hr_series`, ``level, unit, parent``,
    ``staff_start``, ``staff_end`` per row) without the units that had fewer than ``min_group_size`` staff
    in post in any of its months: their series are never shown. Rows without staff counts (months before
    the first complete window) do not decide. ``attrs['hr_suppression']`` states the rule."""
    known = series["staff_start"].notna() & series["staff_end"].notna()
    small = small_hr_units(series[known], min_group_size)
    keys = ["level", "unit", "parent"]
    hidden = series.loc[small[small].index, keys].astype(str).drop_duplicates()
    row_keys = pd.MultiIndex.from_frame(series[keys].astype(str))
    out = series[~row_keys.isin(pd.MultiIndex.from_frame(hidden))].reset_index(drop=True)
    out.attrs.update(series.attrs)
    out.attrs["hr_suppression"] = hr_suppression_text(len(hidden), min_group_size)
    return out
