"""The period an HR extract covers: inferred from the whole file, or set by the user.

Rule (domain.md §3): the HR period is the extract's coverage, inferred from the whole file and settable;
a financial-year extract covers 1 April – 31 March even if nobody left on 31 March; terminations after
the extract date are planned leavers (in post in the period), and no single outlying date moves a window.

How the period is inferred (:func:`infer_period`)
-------------------------------------------------
The *events* of an employee-level extract are its termination dates, its assignment start dates and its
absence episodes' first days, counted per calendar month. Assignment start dates go back decades, so
they only help to find where the extract *ends*.

1. **Detached tails are dropped.** Events separated from the rest by at least
   :data:`~analytics.settings.HR_PERIOD_GAP_MONTHS` empty months, and holding fewer than
   :data:`~analytics.settings.HR_PERIOD_TAIL_SHARE` of all events, are outlying dates (a date typed as
   2099, one leaver recorded in 1999) and do not set the period.
2. **Thin edge months are dropped.** Once the months around it hold on average at least
   :data:`~analytics.settings.HR_PERIOD_MIN_MONTHLY_EVENTS` events, a last (or first) month with fewer
   than :data:`~analytics.settings.HR_PERIOD_EDGE_SHARE` of that average is outside the extract: planned
   leavers and future starters after the extract date, or long-term absences that began before it.
3. **Whole months.** The period runs from the first day of its first month to the last day of its last
   month: leavers from 10 April 2024 to 25 March 2025 give 1 April 2024 – 31 March 2025.

The start uses termination dates and absence first days (assignment starts say nothing about it); with
neither, the earliest start date. Team-month files cover their months (the first to the last in the
file).

Terminations after the period's end are **planned leavers**: they were in post throughout the period,
are counted as staff in post, never as leavers in it, and are listed as a finding.

Setting the period (:func:`set_period`)
---------------------------------------
:class:`HRPeriod` holds the user's choice: ``start`` and ``end`` (both or neither), or an
``extract_date`` (the day the extract was taken: the period ends that day and starts where the data
start). Whatever is set replaces the inference, and the records say so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.hr.records import HRRecords, StaffRecords, TeamMonthRecords, _OPEN_DAY
from analytics.hr.windows import (
    _day_to_timestamp, _month_first_day, _month_last_day, _month_of_day, _timestamp_to_day, _to_timestamp)


@dataclass(frozen=True)
class HRPeriod:
    """The HR period a user set: ``start`` and ``end`` (both or neither), or the ``extract_date``.

    All ``None`` (the default) means the period is inferred from the files (:func:`infer_period`).
    Dates are Timestamps (or ``YYYY-MM-DD`` text, converted by :meth:`of`).
    """

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    extract_date: pd.Timestamp | None = None

    @classmethod
    def of(cls, start: object = None, end: object = None, extract_date: object = None) -> "HRPeriod":
        """A checked period: dates read (``YYYY-MM-DD``, dates or Timestamps), both or neither of start and
        end, the end not before the start; an extract date only without an end."""
        first = None if _blank(start) else _to_timestamp(start, "HR period start")
        last = None if _blank(end) else _to_timestamp(end, "HR period end")
        taken = None if _blank(extract_date) else _to_timestamp(extract_date, "extract date")
        if (first is None) != (last is None):
            raise InputError("Give both the HR period's start and its end (or neither, to infer it from the files).")
        if first is not None and last < first:
            raise InputError(f"The HR period ends ({last:%d/%m/%Y}) before it starts ({first:%d/%m/%Y}).")
        if taken is not None and last is not None:
            raise InputError("Give either the HR period's start and end, or the extract date, not both: the extract "
                             "date is where the period ends.")
        return cls(start=first, end=last, extract_date=taken)

    @property
    def is_set(self) -> bool:
        return self.start is not None or self.extract_date is not None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class InferredPeriod:
    """The outcome of :func:`infer_period`: the period (first and last day, both included) and how it was
    found, in words."""

    start: pd.Timestamp
    end: pd.Timestamp
    how: str


def _month_counts(days: np.ndarray) -> tuple[int, np.ndarray]:
    """The first month index of ``days`` and the count of days per month from it to the last."""
    months = _month_of_day(days)
    first = int(months.min())
    return first, np.bincount(months - first)


def _drop_detached_tail(counts: np.ndarray, total: int) -> int:
    """How many months to keep, counted from the start, after dropping trailing groups of months that are
    separated by a gap of empty months and hold few events (see the module docstring, step 1)."""
    keep = len(counts)
    gap = settings.HR_PERIOD_GAP_MONTHS
    while keep > 0:
        filled = np.flatnonzero(counts[:keep])
        gaps = np.flatnonzero(np.diff(filled) > gap)
        if not len(gaps):
            return keep
        tail_from = int(filled[gaps[-1] + 1])
        if counts[tail_from:keep].sum() >= settings.HR_PERIOD_TAIL_SHARE * total:
            return keep
        keep = int(filled[gaps[-1]]) + 1
    return keep


def _drop_thin_edge(counts: np.ndarray, keep: int) -> int:
    """How many months to keep after dropping thin last months (module docstring, step 2)."""
    reference_months = 12
    while keep > 1:
        before = counts[max(0, keep - 1 - reference_months):keep - 1]
        if not len(before):
            return keep
        mean = before.mean()
        if mean < settings.HR_PERIOD_MIN_MONTHLY_EVENTS or counts[keep - 1] >= settings.HR_PERIOD_EDGE_SHARE * mean:
            return keep
        keep -= 1
    return keep


def _last_month(days: np.ndarray) -> int:
    """The last month (index) the events fill, after steps 1 and 2 of the module docstring."""
    first, counts = _month_counts(days)
    keep = _drop_detached_tail(counts, len(days))
    keep = _drop_thin_edge(counts, keep)
    return first + keep - 1


def _first_month(days: np.ndarray) -> int:
    """The first month (index) the events fill: :func:`_last_month` on the mirrored months."""
    return -_last_month(_mirror(days))


def _mirror(days: np.ndarray) -> np.ndarray:
    # Month index m becomes -m, as the first day of month -m: the last month of the mirror is the first here.
    months = _month_of_day(days)
    return _month_first_day(-months)


def infer_period(records: StaffRecords, absence_starts: np.ndarray | None = None) -> InferredPeriod:
    """The period an employee-level extract covers, from all its dates (see the module docstring).

    ``absence_starts`` (first days of absence episodes, as day numbers) stands in for the records' own
    absence while an absence file is being read.
    """
    a = records.assignments
    end_day = a["end_day"].to_numpy()
    terminations = end_day[end_day < _OPEN_DAY]
    starts = a["start_day"].to_numpy()
    if absence_starts is None and records.absence is not None:
        # One episode listed for several assignments is one event.
        absence_starts = records.absence.drop_duplicates("row")["start_day"].to_numpy()
    if absence_starts is None:
        absence_starts = np.empty(0, dtype=np.int64)
    ending_events = np.concatenate([terminations, starts, absence_starts]).astype(np.int64)
    opening_events = np.concatenate([terminations, absence_starts]).astype(np.int64)
    last = _last_month(ending_events)
    if len(opening_events):
        first = _first_month(opening_events)
        opened_by = "the first leaving dates" + (" and absences" if len(absence_starts) else "")
    else:
        first = int(_month_of_day(starts).min())
        opened_by = "the earliest start date (nobody has left)"
    if last < first:
        last = int(_month_of_day(ending_events).max())
    start = _day_to_timestamp(int(_month_first_day(np.array([first]))[0]))
    end = _day_to_timestamp(int(_month_last_day(np.array([last]))[0]))
    months = last - first + 1
    kind = " (a financial year)" if months == 12 and start.month == 4 else ""
    how = (f"Inferred from the dates in the files: from {opened_by} to the latest month the file's leaving, "
           f"start and absence dates fill, rounded out to whole months: {start:%d/%m/%Y} to {end:%d/%m/%Y}, "
           f"{months} months{kind}. Set the period on the Data page (or --start/--end, --extract-date) if the "
           "extract covers another period.")
    return InferredPeriod(start=start, end=end, how=how)


def _planned_leaver_note(records: StaffRecords, end: pd.Timestamp) -> str:
    """The finding about terminations after the period's end ("" when there are none)."""
    a = records.assignments
    end_day = a["end_day"].to_numpy()
    planned = (end_day > _timestamp_to_day(end)) & (end_day < _OPEN_DAY)
    if not planned.any():
        return ""
    rows = a.loc[planned, "row"].astype(int).tolist()
    shown = ", ".join(map(str, rows[:20])) + (f" and {len(rows) - 20} more" if len(rows) > 20 else "")
    return (f"Planned leavers: {len(rows)} termination date(s) after the HR period's end ({end:%d/%m/%Y}) are planned leavers: "
            f"counted as in post during the period, never as leavers in it (rows {shown} of "
            f"'{records.file_name}').")


def set_period(records: HRRecords, period: HRPeriod = HRPeriod()) -> HRRecords:
    """The records with their HR period (``coverage_start``, ``coverage_end``) set.

    Employee-level records: the user's period when set, else :func:`infer_period`; the notes say how, and
    list planned leavers. With an ``extract_date`` the period ends on that day. Team-month records keep
    their months unless the user set a period, which must lie within them.

    Raises :class:`InputError` when a set period is outside a team-month file's months.
    """
    if isinstance(records, TeamMonthRecords):
        if not period.is_set:
            return records
        start = period.start if period.start is not None else records.coverage_start
        end = period.end if period.end is not None else period.extract_date
        if start < records.coverage_start or end > records.coverage_end:
            raise InputError(f"The HR period {start:%d/%m/%Y} to {end:%d/%m/%Y} is outside the months of the file "
                             f"({records.coverage_start:%b %Y} to {records.coverage_end:%b %Y}).",
                             file=records.file_name)
        note = f"HR period set by the user: {start:%d/%m/%Y} to {end:%d/%m/%Y}."
        return dataclasses.replace(records, coverage_start=start, coverage_end=end, notes=(*records.notes, note))
    inferred = infer_period(records)
    if period.start is not None:
        start, end = period.start, period.end
        how = f"HR period set by the user: {start:%d/%m/%Y} to {end:%d/%m/%Y}."
    elif period.extract_date is not None:
        start, end = inferred.start, period.extract_date
        if end < start:
            raise InputError(f"The extract date {end:%d/%m/%Y} is before the first date the file covers "
                             f"({start:%d/%m/%Y}).", file=records.file_name)
        how = (f"HR period: {start:%d/%m/%Y} (inferred from the first leaving dates) to the extract date "
               f"{end:%d/%m/%Y}, set by the user.")
    else:
        start, end, how = inferred.start, inferred.end, inferred.how
    notes = [n for n in records.notes if not n.startswith(_PERIOD_NOTE_PREFIXES)] + [how]
    planned = _planned_leaver_note(records, end)
    if planned:
        notes.append(planned)
    return dataclasses.replace(records, coverage_start=start.as_unit("s"), coverage_end=end.as_unit("s"),
                               notes=tuple(notes))


#: How the notes about the period begin: how it was found (inferred or set), and the planned leavers.
_HOW_PREFIXES = ("Inferred from the dates in the files", "HR period")
_PLANNED_PREFIX = "Planned leavers:"
_PERIOD_NOTE_PREFIXES = (*_HOW_PREFIXES, _PLANNED_PREFIX)


def period_notes(records: HRRecords) -> tuple[list[str], list[str]]:
    """The records' notes about their HR period: ``(how it was found, planned leavers)``, for the Data page
    and the command line to show apart from the other notes."""
    how = [n for n in records.notes if n.startswith(_HOW_PREFIXES)]
    planned = [n for n in records.notes if n.startswith(_PLANNED_PREFIX)]
    return how, planned
