"""Month-by-month HR figures per unit and rolling 12-month rates (:func:`monthly_hr_table`,
:func:`rolling_hr_series`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from analytics import settings
from analytics.errors import InputError
from analytics.hr.exclusions import HRExclusions, _record_exclusions, apply_exclusions
from analytics.hr.records import (
    HRRecords, HR_MONTHLY_COLUMNS, STANDARD_WINDOW_MONTHS, StaffRecords, TeamMonthRecords, _KEYS)
from analytics.hr.spells import _overlap_days, _spells, _unit_frame
from analytics.hr.windows import (
    _month_first_day, _month_last_day, _month_of_day, _month_start_timestamps, _timestamp_to_day, _to_timestamp,
    latest_complete_month)


def _explode_months(start: np.ndarray, end: np.ndarray, first_month: int,
                    last_month: int) -> tuple[np.ndarray, np.ndarray]:
    """For intervals [start, end] (days), the (interval index, month index) pairs of every month in
    ``first_month..last_month`` each interval touches."""
    lo = int(_month_first_day(np.array([first_month]))[0])
    hi = int(_month_last_day(np.array([last_month]))[0])
    s = np.maximum(start, lo)
    e = np.minimum(end, hi)
    keep = np.flatnonzero(s <= e)
    m0 = _month_of_day(s[keep])
    m1 = _month_of_day(e[keep])
    counts = m1 - m0 + 1
    which = np.repeat(keep, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return which, np.repeat(m0, counts) + offsets


def _grid(sums: pd.DataFrame, keys: list[str], first_month: int, last_month: int) -> pd.DataFrame:
    """Every unit in ``sums`` x every month of the range (missing unit-months filled in by the caller)."""
    units = sums[keys].drop_duplicates()
    months = pd.DataFrame({"month_index": np.arange(first_month, last_month + 1, dtype=np.int64)})
    grid = units.merge(months, how="cross")
    return grid.merge(sums, on=keys + ["month_index"], how="left")


def _employee_monthly(records: StaffRecords, level: str, first_month: int, last_month: int) -> pd.DataFrame:
    """Unit x month figures from employee-level records, vectorised: intervals are repeated once per
    month they touch, and the per-(unit, month) sums are bincounts over integer unit codes."""
    keys = _KEYS[level]
    # Rows without a unit at this level belong to no unit (a manager's scoped records blank other units:
    # analytics.access.scope_hr); loaded records always name one (settings.NOT_RECORDED_UNIT at worst).
    a = records.assignments.dropna(subset=keys)
    grouped = a.groupby(keys, sort=True)
    units = grouped.size().index.to_frame(index=False)
    unit_code = grouped.ngroup().to_numpy()
    n_months = last_month - first_month + 1
    size = len(units) * n_months

    def cell(codes: np.ndarray, month: np.ndarray) -> np.ndarray:
        return codes * n_months + (month - first_month)

    spells = _spells(a.assign(_unit=unit_code), ["_unit"])
    s_all, e_all = spells["start_day"].to_numpy(), spells["end_day"].to_numpy()
    which, month = _explode_months(s_all, e_all, first_month, last_month)
    s, e = s_all[which], e_all[which]
    fd, ld = _month_first_day(month), _month_last_day(month)
    where = cell(spells["_unit"].to_numpy()[which], month)
    sums = {
        "staff_start": np.bincount(where, weights=(s <= fd) & (e >= fd), minlength=size),
        "staff_end": np.bincount(where, weights=(s <= ld) & (e >= ld), minlength=size),
        "leavers": np.bincount(where, weights=(e >= fd) & (e <= ld), minlength=size),
    }
    a_start, a_end = a["start_day"].to_numpy(), a["end_day"].to_numpy()
    which, month = _explode_months(a_start, a_end, first_month, last_month)
    fte = a["fte"].to_numpy()[which] * _overlap_days(a_start[which], a_end[which], _month_first_day(month),
                                                     _month_last_day(month))
    sums["fte_days_available"] = (np.bincount(cell(unit_code[which], month), weights=fte, minlength=size)
                                  if records.has_fte else np.full(size, np.nan))
    if records.absence is not None:
        ab = records.absence.dropna(subset=keys)
        ab_code = ab[keys].merge(units.assign(_unit=np.arange(len(units))), on=keys, how="left")["_unit"]
        ab_start, ab_end = ab["start_day"].to_numpy(), ab["end_day"].to_numpy()
        which, month = _explode_months(ab_start, ab_end, first_month, last_month)
        s, e = ab_start[which], ab_end[which]
        lost = (ab["fte_days_lost"].to_numpy()[which] * _overlap_days(s, e, _month_first_day(month),
                                                                      _month_last_day(month)) / (e - s + 1))
        sums["fte_days_lost"] = np.bincount(cell(ab_code.to_numpy(dtype=np.int64)[which], month), weights=lost,
                                            minlength=size)
    else:
        sums["fte_days_lost"] = np.full(size, np.nan)
    grid = units.loc[units.index.repeat(n_months)].reset_index(drop=True)
    grid["month_index"] = np.tile(np.arange(first_month, last_month + 1, dtype=np.int64), len(units))
    for column in ("staff_start", "staff_end", "leavers"):
        grid[column] = np.round(sums[column]).astype(np.int64)
    grid["fte_days_lost"] = sums["fte_days_lost"]
    grid["fte_days_available"] = sums["fte_days_available"]
    return _unit_frame(grid.set_index(keys), level, keys, records.has_directorate)


def _team_month_monthly(records: TeamMonthRecords, level: str, first_month: int, last_month: int) -> pd.DataFrame:
    keys = _KEYS[level]
    table = records.table[(records.table["month_index"] >= first_month) & (records.table["month_index"] <= last_month)]
    grouped = table.assign(_rows=1).groupby(keys + ["month_index"], sort=False)
    sums = pd.DataFrame({
        "staff_start": grouped["staff_start"].sum(),
        "staff_end": grouped["staff_end"].sum(),
        "leavers": grouped["leavers"].sum(),
        "fte_days_lost": grouped["fte_days_lost"].sum(skipna=False),
        "fte_days_available": grouped["fte_days_available"].sum(skipna=False),
        "_rows": grouped["_rows"].sum(),
    }).reset_index()
    grid = _grid(sums, keys, first_month, last_month)
    for c in ("staff_start", "staff_end", "leavers", "_rows"):
        grid[c] = grid[c].fillna(0).astype(np.int64)
    for c in ("fte_days_lost", "fte_days_available"):
        has_column = records.table[c].notna().any()
        # a unit-month without a row is a team that did not exist then: zero days, when the file has the column
        grid[c] = grid[c].where(grid["_rows"] > 0, 0.0 if has_column else np.nan)
    return _unit_frame(grid.set_index(keys), level, keys, records.has_directorate)


def _month_range(records: HRRecords, start: object, end: object) -> tuple[int, int]:
    first = _to_timestamp(start, "first month") if start is not None else records.coverage_start
    last = _to_timestamp(end, "last month") if end is not None else latest_complete_month(records)
    first_month = int(_month_of_day(np.array([_timestamp_to_day(first)]))[0])
    last_month = int(_month_of_day(np.array([_timestamp_to_day(last)]))[0])
    if isinstance(records, TeamMonthRecords):
        first_month = max(first_month, int(_month_of_day(np.array([_timestamp_to_day(records.coverage_start)]))[0]))
        last_month = min(last_month, int(_month_of_day(np.array([_timestamp_to_day(records.coverage_end)]))[0]))
    if last_month < first_month:
        raise InputError(f"The months asked for ({first:%b %Y} to {last:%b %Y}) are empty or outside the data.",
                         file=records.file_name)
    return first_month, last_month


def monthly_hr_table(records: HRRecords, *, level: str = settings.LEVEL_TEAM,
                     exclusions: HRExclusions = HRExclusions(), start: object = None,
                     end: object = None) -> pd.DataFrame:
    """The team-month (or directorate-month, organisation-month) reduction of HR records.

    Parameters
    ----------
    records
        Employee-level or team-month records.
    level
        One of ``settings.LEVELS``.
    exclusions
        As in :func:`hr_metrics` (rules and refusals: :func:`apply_exclusions`).
    start, end
        Optional first and last month (any date in the month). Default: from the month of
        ``records.coverage_start`` to :func:`latest_complete_month`.

    Returns
    -------
    pd.DataFrame
        :data:`HR_MONTHLY_COLUMNS`: ``level, unit, parent, month`` (Timestamp of the month's first day),
        ``staff_start`` / ``staff_end`` (people in post on the month's first / last day), ``leavers``
        (spells ending in the month), ``fte_days_lost`` (episodes prorated to the month) and
        ``fte_days_available``. Every unit has every month of the range (zeros where it had nobody; NA
        FTE days when the data has no FTE or no absence). Summing a unit's months over a window gives
        the window's leavers and FTE days exactly; staff_start of the first and staff_end of the last
        month give the window's headcounts. ``attrs`` record the exclusions as in :func:`hr_metrics`.
    """
    if level not in _KEYS:
        raise InputError(f"Unknown level '{level}'; use one of {', '.join(settings.LEVELS)}.")
    first_month, last_month = _month_range(records, start, end)
    filtered, resolved = apply_exclusions(records, exclusions)
    if isinstance(filtered, StaffRecords):
        monthly = _employee_monthly(filtered, level, first_month, last_month)
    else:
        monthly = _team_month_monthly(filtered, level, first_month, last_month)
    monthly["month"] = _month_start_timestamps(monthly["month_index"].to_numpy())
    monthly["fte_days_lost"] = monthly["fte_days_lost"].astype("Float64")
    monthly["fte_days_available"] = monthly["fte_days_available"].astype("Float64")
    for c in ("staff_start", "staff_end", "leavers"):
        monthly[c] = monthly[c].astype("Int64")
    monthly["parent"] = monthly["parent"].astype(object).where(monthly["parent"].notna(), None)
    monthly = monthly[list(HR_MONTHLY_COLUMNS)]
    out = (monthly.assign(_parent=monthly["parent"].fillna(""))
           .sort_values(["_parent", "unit", "month"], kind="stable").drop(columns="_parent").reset_index(drop=True))
    out.attrs = {}
    _record_exclusions(out, exclusions, resolved)
    return out


def rolling_hr_series(records: HRRecords, *, months: int = STANDARD_WINDOW_MONTHS, level: str = settings.LEVEL_TEAM,
                      exclusions: HRExclusions = HRExclusions(),
                      start: object = None, end: object = None) -> pd.DataFrame:
    """Rolling leaver and sickness rates per unit and month, for trend charts.

    For each month M the window is the ``months`` months ending with M (first day of M − months + 1 to the
    last day of M); the figures are those :func:`hr_metrics` gives for that window (sums of
    :func:`monthly_hr_table`). The first ``months − 1`` months of the range have no complete window:
    their counts and rates are NA. Exclusions: as in :func:`hr_metrics`.

    Returns
    -------
    pd.DataFrame
        ``level, unit, parent, month, window_start, staff_start, staff_end, leavers, fte_days_lost,
        fte_days_available, leaver_rate_{months}m, sickness_rate_{months}m`` (e.g. ``leaver_rate_12m``),
        rates in %, NA when the denominator is 0 or unknown. Stability is not given per month. ``attrs``
        record the exclusions as in :func:`hr_metrics`.
    """
    if months < 1:
        raise InputError("The rolling window must be at least one month.")
    monthly = monthly_hr_table(records, level=level, exclusions=exclusions, start=start, end=end)
    # monthly_hr_table gives every unit every month of the range, units contiguous and months ascending,
    # so the table reshapes to units x months and windows slide along the months.
    n_months = monthly["month"].nunique()
    complete = months <= n_months

    def shaped(column: str) -> np.ndarray:
        return monthly[column].to_numpy(dtype=float, na_value=np.nan).reshape(-1, n_months)

    def rolled_sum(column: str) -> np.ndarray:
        out = np.full((len(monthly) // n_months, n_months), np.nan)
        if complete:   # a window holding an unknown month is unknown (NaN propagates through the sum)
            out[:, months - 1:] = sliding_window_view(shaped(column), months, axis=1).sum(axis=2)
        return out.ravel()

    def at_window_edge(column: str, *, first: bool) -> np.ndarray:
        out = np.full((len(monthly) // n_months, n_months), np.nan)
        if complete:
            values = shaped(column)
            out[:, months - 1:] = values[:, :n_months - months + 1] if first else values[:, months - 1:]
        return out.ravel()

    out = monthly[["level", "unit", "parent", "month"]].copy()
    out["window_start"] = out["month"] - pd.DateOffset(months=months - 1)
    out["staff_start"] = pd.array(at_window_edge("staff_start", first=True), dtype="Float64").astype("Int64")
    out["staff_end"] = pd.array(at_window_edge("staff_end", first=False), dtype="Float64").astype("Int64")
    out["leavers"] = pd.array(np.round(rolled_sum("leavers")), dtype="Float64").astype("Int64")
    out["fte_days_lost"] = pd.array(rolled_sum("fte_days_lost"), dtype="Float64")
    out["fte_days_available"] = pd.array(rolled_sum("fte_days_available"), dtype="Float64")
    mean_staff = (out["staff_start"].astype("Float64") + out["staff_end"].astype("Float64")) / 2
    out[f"leaver_rate_{months}m"] = 100 * out["leavers"].astype("Float64") / mean_staff.where(mean_staff > 0)
    available = out["fte_days_available"]
    out[f"sickness_rate_{months}m"] = 100 * out["fte_days_lost"] / available.where(available > 0)
    out.attrs = dict(monthly.attrs)
    return out
