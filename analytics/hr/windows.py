"""Days, months and reporting windows of HR records: the latest complete month, the default 12-month
window and a window asked for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.hr.records import HRRecords, STANDARD_WINDOW_MONTHS, TeamMonthRecords


def _day_to_timestamp(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))


def _timestamp_to_day(value: pd.Timestamp) -> int:
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def _month_first_day(month_index: np.ndarray) -> np.ndarray:
    return np.asarray(month_index, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _month_last_day(month_index: np.ndarray) -> np.ndarray:
    return _month_first_day(np.asarray(month_index, dtype=np.int64) + 1) - 1


def _month_of_day(day: np.ndarray) -> np.ndarray:
    return np.asarray(day, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _month_start_timestamps(month_index: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(month_index, dtype=np.int64).astype("datetime64[M]").astype("datetime64[s]"))


def latest_complete_month(records: HRRecords, *, as_of: object = None) -> pd.Timestamp:
    """The first day of the latest month the data covers completely.

    ``as_of`` (e.g. the date an extract was taken) overrides the data's last date. A month is complete
    when the data's last date (``records.coverage_end``) is on or after its last day; so data ending on
    31/03/2025 has March 2025 as its latest complete month, data ending on 15/04/2025 too.
    """
    last = _to_timestamp(as_of, "as-of date") if as_of is not None else records.coverage_end
    last_day = _timestamp_to_day(last)
    month = int(_month_of_day(np.array([last_day]))[0])
    if last_day < int(_month_last_day(np.array([month]))[0]):
        month -= 1
    return _month_start_timestamps(np.array([month]))[0]


def default_window(records: HRRecords, *, months: int = STANDARD_WINDOW_MONTHS,
                   as_of: object = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The standard window: the ``months`` months ending with the latest complete month of the data
    (:func:`latest_complete_month`). Returns ``(first day, last day)``, both included: data whose
    latest date is 15/04/2025 (or 31/03/2025) gives 2024-04-01 to 2025-03-31.
    """
    last_month = _timestamp_to_day(latest_complete_month(records, as_of=as_of))
    month = int(_month_of_day(np.array([last_month]))[0])
    first = _month_start_timestamps(np.array([month - months + 1]))[0]
    last = _day_to_timestamp(int(_month_last_day(np.array([month]))[0]))
    return first, last


def _to_timestamp(value: object, what: str) -> pd.Timestamp:
    if isinstance(value, str):
        parsed = pd.to_datetime(value.strip(), format="%Y-%m-%d", errors="coerce")
        if pd.isna(parsed):
            raise InputError(f"The {what} '{value}' is not a date in the form YYYY-MM-DD (e.g. 2024-04-01).")
        return pd.Timestamp(parsed)
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"The {what} '{value}' is not a date.") from exc
    if pd.isna(stamp):
        raise InputError(f"The {what} is missing.")
    return stamp.normalize()


def resolve_window(records: HRRecords, start: object = None, end: object = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window to report: ``(start, end)`` as given (both or neither), else :func:`default_window`.

    Raises InputError when only one is given, when the end is before the start, and, for team-month
    records, when the window is not whole months or lies outside the months in the file (the default
    window included: a file of fewer than 12 months needs an explicit window). Employee-level records
    accept any window: what period an extract covers cannot be known for sure.
    """
    defaulted = start is None and end is None
    if defaulted:
        first, last = default_window(records)
    elif start is None or end is None:
        raise InputError("Give both the window's start and its end (or neither, for the 12 months ending with "
                         "the latest complete month).")
    else:
        first, last = _to_timestamp(start, "window start"), _to_timestamp(end, "window end")
    if last < first:
        raise InputError(f"The window ends ({last:%Y-%m-%d}) before it starts ({first:%Y-%m-%d}).")
    if isinstance(records, TeamMonthRecords):
        if first.day != 1 or (last + pd.Timedelta(days=1)).day != 1:
            raise InputError(f"Team-month figures can only be reported over whole months: start the window on a "
                             f"month's first day and end it on a month's last day (got {first:%Y-%m-%d} to "
                             f"{last:%Y-%m-%d}).", file=records.file_name)
        if defaulted and first < records.coverage_start:
            raise InputError(f"The file covers {records.coverage_start:%b %Y} to {records.coverage_end:%b %Y}, "
                             "less than "
                             f"the standard {STANDARD_WINDOW_MONTHS}-month window. Give the window's start and end "
                             "(a shorter window gives rates that are not comparable with annual figures).",
                             file=records.file_name)
        if first < records.coverage_start or last > records.coverage_end:
            raise InputError(f"The window {first:%Y-%m-%d} to {last:%Y-%m-%d} is not covered by the file, which "
                             f"runs from {records.coverage_start:%b %Y} to {records.coverage_end:%b %Y}. Choose a "
                             "window inside those months.", file=records.file_name)
    return first.as_unit("s"), last.as_unit("s")
