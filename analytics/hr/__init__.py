"""HR outcomes: leaver rate, stability index and sickness absence rate (shared/design/domain.md §3).

Two shapes of HR data are accepted:

* **Employee-level** (ESR-style): one row per employee or assignment with team, staff group, start date,
  termination date (blank while in post) and FTE, plus an optional file of sickness episodes (employee,
  start date, end date, FTE days lost). Loaded with :func:`load_staff` and :func:`load_absence` into
  :class:`StaffRecords`.
* **Team-month aggregates**: team, month, staff in post, leavers, FTE days lost, FTE days available.
  Loaded with :func:`load_team_month` into :class:`TeamMonthRecords`.

Both are reduced to tables per unit (team, directorate, organisation): :func:`hr_metrics` over any
window, :func:`monthly_hr_table` per calendar month and :func:`rolling_hr_series` (12-month rolling rates
per month, for trend charts). Employee and assignment numbers are replaced by anonymous integer codes as
soon as a file is read and never appear in any table this module returns.

Definitions (NHS England / NHS Digital; the issue's wording)
-----------------------------------------------------------
* in post on day D  ⇔  start date ≤ D and (no termination date or termination date ≥ D);
* leaver  ⇔  termination date inside the window (first day to last day, both included);
* staff_start / staff_end = headcount in post on the window's first / last day;
* ``leaver_rate = 100 × leavers ÷ mean(staff_start, staff_end)`` (headcount-based);
* ``stability_index = 100 × (staff in post on the first day who are not leavers) ÷ staff_start``;
* FTE days available = Σ FTE × calendar days in post inside the window;
* ``sickness_rate = 100 × Σ FTE days lost ÷ Σ FTE days available`` (calendar days, weekends included);
  an episode crossing the window's edge contributes ``FTE days lost × (its calendar days inside the
  window ÷ its calendar days)``.

Rates are never averaged: every level sums numerators and denominators. A zero denominator gives NA,
never 0 or infinity. Missing is never zero: without an FTE column, FTE days available are NA; without an
absence file, FTE days lost are NA (a team with an absence file but no episodes has 0 FTE days lost).

Counting people, not rows
-------------------------
A file may hold several rows for one person (concurrent assignments, or a move between teams). Headcount
and leavers count **people** within each unit at each level: the rows of one person within one unit are
joined into continuous spells (a new row starting the day after the previous one ends, or overlapping it,
continues the spell; a gap of one day or more is a break). So a move between two teams of one directorate
is a leaver from the first team and a joiner to the second, but neither a leaver from the directorate nor
from the organisation (NHS Digital counts leavers from the organisation), and a person with two
concurrent assignments in one team counts once. Directorate and organisation headcounts are therefore
computed from the records, not summed from teams; FTE days (available and lost) are summed, because FTE
is additive across assignments. The person is the employee number when the file has one, otherwise the
assignment number, otherwise each row. A row with a blank employee number is a person of its own.

Exclusions
----------
Staff can be left out of every figure, explicitly and visibly (domain.md §3), by staff group, job role
or assignment category, and with ``HRExclusions(doctors_in_training=True)`` (the job roles of
:data:`DOCTORS_IN_TRAINING_ROLES`: doctors in training rotate between trusts on national changeover days,
and NHS leaver statistics leave them out). See :func:`apply_exclusions`. Every table records what was
excluded in ``DataFrame.attrs``; :func:`exclusions_text` says it in plain words for pages. Team-month
figures hold no people, so only their staff groups can be excluded; the other exclusions are refused.

Anonymity
---------
HR rates are not survey responses and this module does not suppress small teams: trusts publish
team-level turnover internally. Small teams' leaver counts can still identify people, so every table
reports ``staff_start`` and ``staff_end`` and pages or exports can decide whether to show a unit
(e.g. against :data:`analytics.settings.DEFAULT_MIN_GROUP_SIZE`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from analytics import settings
from analytics.ingest.codebook import normalise_label
from analytics.errors import InputError
from analytics.ingest.raw import RawTable

# --- Column contracts of the tables that leave this module ----------------------------------------
#: :func:`hr_metrics`: one row per level x unit for one window.
HR_METRIC_COLUMNS = (
    "level", "unit", "parent", "window_start", "window_end", "staff_start", "staff_end", "leavers",
    "leaver_rate", "stability_index", "fte_days_lost", "fte_days_available", "sickness_rate",
)
#: ``python -m analytics hr``: the command's CSV columns (rates in %).
HR_CLI_COLUMNS = (
    "level", "unit", "staff_start", "staff_end", "leavers", "leaver_rate", "stability_index",
    "fte_days_lost", "fte_days_available", "sickness_rate",
)
#: :func:`monthly_hr_table`: one row per level x unit x calendar month.
HR_MONTHLY_COLUMNS = (
    "level", "unit", "parent", "month", "staff_start", "staff_end", "leavers", "fte_days_lost",
    "fte_days_available",
)
#: The standard window (domain.md §3): 12 months.
STANDARD_WINDOW_MONTHS = 12
#: An FTE above this is refused as a data error (1.0 is full time; some contracts go a little above).
MAX_FTE = 1.5
#: Dates in this year or later in a termination or absence end column are the "end of time" markers
#: some HR systems write for "no end date" (ESR/Oracle: 31/12/4712; others 31/12/9999): read as blank.
OPEN_ENDED_FROM_YEAR = 4000
#: Dates outside these years (other than the markers above) are refused as implausible.
EARLIEST_PLAUSIBLE_YEAR = 1900
LATEST_PLAUSIBLE_YEAR = 2199

# --- Column recognition: header texts per role, in order of preference ----------------------------
# A column is recognised when any of its header texts equals one of these, compared case- and
# space-insensitively (analytics.ingest.codebook.normalise_label). When several columns match a role, the one
# matching the earlier text wins. --team-col (``team_col=``) overrides the team column.
_EMPLOYEE_HEADERS = ("Employee Number", "Employee No", "Employee ID", "Staff Number", "Person Number")
_ASSIGNMENT_HEADERS = ("Assignment Number", "Assignment No", "Assignment ID")
_TEAM_HEADERS = ("Team", "Ward", "Department", "Organisation", "Cost Centre")
_DIRECTORATE_HEADERS = ("Directorate", "Division", "Care Group")
_STAFF_GROUP_HEADERS = ("Staff Group",)
#: Job role or grade: what tells doctors in training from consultants within "Medical and Dental".
_JOB_ROLE_HEADERS = ("Job Role", "Occupation", "Grade", "Role", "Job Title", "Occupation Code")
#: ESR "Assignment Category" (Permanent, Fixed Term Temp, Bank, ...) and its usual other names.
_ASSIGNMENT_CATEGORY_HEADERS = ("Assignment Category", "Employee Category", "Contract Type", "Employment Type")
_FTE_HEADERS = ("FTE", "WTE", "Contracted FTE", "Assignment FTE")

STAFF_HEADERS: dict[str, tuple[str, ...]] = {
    "employee": _EMPLOYEE_HEADERS,
    "assignment": _ASSIGNMENT_HEADERS,
    "team": _TEAM_HEADERS,
    "directorate": _DIRECTORATE_HEADERS,
    "staff_group": _STAFF_GROUP_HEADERS,
    "job_role": _JOB_ROLE_HEADERS,
    "assignment_category": _ASSIGNMENT_CATEGORY_HEADERS,
    "start_date": ("Assignment Start Date", "Start Date", "Hire Date", "Date Started"),
    "termination_date": ("Termination Date", "Leaving Date", "End Date", "Date Left"),
    "fte": _FTE_HEADERS,
}
ABSENCE_HEADERS: dict[str, tuple[str, ...]] = {
    "employee": _EMPLOYEE_HEADERS,
    "assignment": _ASSIGNMENT_HEADERS,
    "start_date": ("Absence Start Date", "Start Date", "First Day of Absence"),
    "end_date": ("Absence End Date", "End Date", "Last Day of Absence"),
    "fte_days_lost": ("FTE Days Lost",),
    "calendar_days_lost": ("Calendar Days Lost",),
    "fte": _FTE_HEADERS,
}
TEAM_MONTH_HEADERS: dict[str, tuple[str, ...]] = {
    "team": _TEAM_HEADERS,
    "directorate": _DIRECTORATE_HEADERS,
    "staff_group": _STAFF_GROUP_HEADERS,
    "month": ("Month", "Period", "Reporting Month"),
    "staff_in_post": ("Staff in post", "Headcount", "Staff in post headcount"),
    "leavers": ("Leavers", "Leavers headcount"),
    "fte_days_lost": ("FTE days lost",),
    "fte_days_available": ("FTE days available",),
}
#: Plain names of the roles, for messages.
ROLE_LABELS = {
    "employee": "employee number", "assignment": "assignment number", "team": "team",
    "directorate": "directorate", "staff_group": "staff group", "start_date": "start date",
    "termination_date": "termination date", "fte": "FTE", "end_date": "end date",
    "fte_days_lost": "FTE days lost", "calendar_days_lost": "calendar days lost", "month": "month",
    "staff_in_post": "staff in post", "leavers": "leavers", "fte_days_available": "FTE days available",
    "job_role": "job role", "assignment_category": "assignment category",
}

# Internal: a termination date that never comes (in post), as a day number; far beyond any real date.
_OPEN_DAY = 10**9
_EPOCH_EXCEL_SERIAL = 25569  # Excel serial number of 1970-01-01 (1900 date system)
_MAX_EXCEL_SERIAL = 2958465  # 9999-12-31
_KEYS = {
    settings.LEVEL_ORGANISATION: ["organisation"],
    settings.LEVEL_DIRECTORATE: ["organisation", "directorate"],
    settings.LEVEL_TEAM: ["organisation", "directorate", "team"],
}
_UNIT_COLUMNS = ["organisation", "directorate", "team", "staff_group"]
# Columns of employee-level records that exclusions can use besides the staff group (copied to absence).
_PERSON_COLUMNS = ["job_role", "assignment_category"]


# =================================================================================================
# Records
# =================================================================================================
@dataclass(frozen=True)
class StaffRecords:
    """Employee-level HR records, with identifiers replaced by anonymous codes.

    Attributes
    ----------
    assignments
        One row per row of the staff file: ``row`` (spreadsheet row), ``person`` (anonymous integer
        code), ``organisation``, ``directorate``, ``team`` (text; blanks are
        :data:`~analytics.settings.NOT_RECORDED_UNIT`), ``staff_group``, ``job_role``,
        ``assignment_category`` (text; NA when blank or when the file has no such column),
        ``start_day``, ``end_day`` (days since 1970-01-01, both included; an open end is a far-future
        day) and ``fte`` (NA when the file has no FTE column).
    absence
        ``None`` without an absence file; otherwise one row per episode and assignment it was attributed
        to: ``row`` (spreadsheet row of the episode), ``organisation``, ``directorate``, ``team``,
        ``staff_group``, ``job_role``, ``assignment_category`` (those of the assignment), ``start_day``,
        ``end_day`` and ``fte_days_lost`` (that assignment's share).
    file_name, absence_file_name
        The files read, for messages.
    has_directorate, has_staff_group, has_fte, has_job_role, has_assignment_category
        Whether the staff file had those columns.
    coverage_start, coverage_end
        The dates the data covers (see :func:`load_staff`).
    notes
        What the reader decided, in plain words.
    """

    assignments: pd.DataFrame
    absence: pd.DataFrame | None
    file_name: str
    absence_file_name: str | None
    has_directorate: bool
    has_staff_group: bool
    has_fte: bool
    coverage_start: pd.Timestamp
    coverage_end: pd.Timestamp
    notes: tuple[str, ...] = ()
    has_job_role: bool = False
    has_assignment_category: bool = False
    # Private: the employee / assignment numbers behind the codes, needed only to link an absence file.
    _employee_codes: pd.Index | None = field(default=None, repr=False)
    _assignment_codes: pd.Index | None = field(default=None, repr=False)
    _employee_code_of_row: np.ndarray | None = field(default=None, repr=False)
    _assignment_code_of_row: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True)
class TeamMonthRecords:
    """Team-month aggregate HR figures.

    Attributes
    ----------
    table
        One row per team (x staff group) x month: ``row``, ``organisation``, ``directorate``, ``team``,
        ``staff_group``, ``month`` (Timestamp of the month's first day), ``staff_start``, ``staff_end``,
        ``leavers``, ``fte_days_lost``, ``fte_days_available`` (see :func:`load_team_month` for how
        ``staff_start`` is derived from staff in post).
    file_name
        The file read.
    has_directorate, has_staff_group
        Whether the file had those columns.
    coverage_start, coverage_end
        First day of the first month and last day of the last month in the file.
    notes
        What the reader decided, in plain words.
    """

    table: pd.DataFrame
    file_name: str
    has_directorate: bool
    has_staff_group: bool
    coverage_start: pd.Timestamp
    coverage_end: pd.Timestamp
    notes: tuple[str, ...] = ()


HRRecords = Union[StaffRecords, TeamMonthRecords]


# =================================================================================================
# Reading cells
# =================================================================================================
def _where(raw: RawTable, column: str | None = None, row: int | None = None) -> dict:
    return {"file": raw.file_name, "sheet": raw.sheet, "column": column, "row": row}


def _refuse_rows(raw: RawTable, column: str | None, mask: np.ndarray, message: str) -> None:
    """Raise InputError at the first row where ``mask`` holds; ``message`` may use ``{value}``."""
    hits = np.flatnonzero(mask)
    if len(hits) == 0:
        return
    first = hits[0]
    row = int(raw.frame.index[first])
    value = raw.frame[column].iloc[first] if column is not None else ""
    more = f" ({len(hits) - 1} more row{'s' if len(hits) > 2 else ''} like this.)" if len(hits) > 1 else ""
    raise InputError(message.format(value=value) + more, **_where(raw, column, row))


def _clean_text(series: pd.Series) -> pd.Series:
    """Cell text, trimmed, inner spaces collapsed, ``123.0`` (a number read from Excel) as ``123``;
    blanks as NA."""
    text = series.astype("str").str.strip().str.replace(r"\s+", " ", regex=True)
    text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return text.mask(text == "")


def _clean_ids(series: pd.Series) -> pd.Series:
    """Identifiers compared across files: text as :func:`_clean_text`, leading zeros of all-digit
    numbers dropped (``00123`` in a CSV is ``123`` read as a number from a workbook)."""
    text = _clean_text(series)
    digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    stripped = text.str.lstrip("0")
    stripped = stripped.mask(stripped == "", "0")
    return text.where(~digits, stripped)


_TIME_SUFFIX = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"
# (pattern, formats): text matching the pattern is parsed with the first format that works.
_DATE_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\d{4}-\d{1,2}-\d{1,2}", ("%Y-%m-%d",)),
    (r"\d{4}/\d{1,2}/\d{1,2}", ("%Y/%m/%d",)),
    (r"\d{1,2}/\d{1,2}/\d{4}", ("%d/%m/%Y",)),
    (r"\d{1,2}\.\d{1,2}\.\d{4}", ("%d.%m.%Y",)),
    (r"\d{1,2}-\d{1,2}-\d{4}", ("%d-%m-%Y",)),
    (r"\d{1,2}-[A-Za-z]+-\d{4}", ("%d-%b-%Y", "%d-%B-%Y")),
)
_SERIAL_PATTERN = r"\d+(?:\.\d+)?"
_DATE_ADVICE = ("Write dates as day/month/year (dd/mm/yyyy; month-first dates are not accepted), as "
                "yyyy-mm-dd, or as Excel dates.")


def _serials_to_days(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel serial numbers (1900 date system) to days since 1970-01-01; second value: invalid."""
    valid = (values >= 1) & (values <= _MAX_EXCEL_SERIAL)
    days = np.where(valid, np.floor(np.where(valid, values, _EPOCH_EXCEL_SERIAL)) - _EPOCH_EXCEL_SERIAL, 0)
    return days.astype(np.int64), ~valid


def _parse_dates(raw: RawTable, column: str, *, what: str, required: bool, open_ended: bool) -> np.ndarray:
    """Read a date column, vectorised: ``datetime64[D]`` per row, NaT for blanks (and, when
    ``open_ended``, for "end of time" markers such as 31/12/4712).

    Accepted: Excel date cells (datetimes), Excel serial numbers, ``dd/mm/yyyy`` (also with ``.`` or
    ``-``), ``yyyy-mm-dd``, ``yyyy/mm/dd``, ``dd-Mon-yyyy`` / ``dd Month yyyy``; a time of day after the
    date is ignored. Day-first is never second-guessed: 13/25/2024 is refused, not read as US order.
    Two-digit years are refused (the century would be a guess).
    """
    series = raw.frame[column]
    n = len(series)
    days = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        blank = series.isna().to_numpy(dtype=bool)
        values = series.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
        days[~blank] = values[~blank].astype(np.int64)
    elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(numbers)
        serial_days, invalid = _serials_to_days(np.where(blank, _EPOCH_EXCEL_SERIAL, numbers))
        days = serial_days
        bad = invalid & ~blank
    else:
        text = series.astype("str").str.strip().str.replace(r"\s+", " ", regex=True)
        text = text.str.replace(_TIME_SUFFIX, "", regex=True)
        blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
        matched = np.zeros(n, dtype=bool)
        candidate = text.str.replace(r"^(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})$", r"\1-\2-\3", regex=True)
        for pattern, formats in _DATE_PATTERNS:
            hit = candidate.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool) & ~matched & ~blank
            if not hit.any():
                continue
            subset = candidate[hit]
            parsed = pd.to_datetime(subset, format=formats[0], errors="coerce")
            for fmt in formats[1:]:
                parsed = parsed.fillna(pd.to_datetime(subset, format=fmt, errors="coerce"))
            values = parsed.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
            ok = ~np.isnat(values)
            idx = np.flatnonzero(hit)
            days[idx[ok]] = values[ok].astype(np.int64)
            bad[idx[~ok]] = True
            matched |= hit
        serial = text.str.fullmatch(_SERIAL_PATTERN).fillna(False).to_numpy(dtype=bool) & ~matched & ~blank
        if serial.any():
            numbers = pd.to_numeric(text[serial], errors="coerce").to_numpy(dtype=float)
            serial_days, invalid = _serials_to_days(numbers)
            idx = np.flatnonzero(serial)
            days[idx] = serial_days
            bad[idx[invalid]] = True
            matched |= serial
        bad |= ~matched & ~blank
    _refuse_rows(raw, column, bad, f"'{{value}}' is not a date this tool can read ({what}). {_DATE_ADVICE}")
    years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    marker = ~blank & (years >= OPEN_ENDED_FROM_YEAR)
    implausible = ~blank & ((years < EARLIEST_PLAUSIBLE_YEAR) | ((years > LATEST_PLAUSIBLE_YEAR) & ~marker))
    if not open_ended:
        implausible |= marker
    _refuse_rows(raw, column, implausible,
                 f"'{{value}}' is not a plausible {what}: its year must be between {EARLIEST_PLAUSIBLE_YEAR} "
                 f"and {LATEST_PLAUSIBLE_YEAR}. {_DATE_ADVICE}")
    if required:
        _refuse_rows(raw, column, blank, f"The {what} is blank; every row needs one.")
    out = days.astype("datetime64[D]")
    out[blank | marker] = np.datetime64("NaT")
    return out


def _parse_numbers(raw: RawTable, column: str, *, what: str) -> np.ndarray:
    """Read a numeric column: float per row, NaN for blanks; text that is not a number is refused."""
    series = raw.frame[column]
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan)
    text = series.astype("str").str.strip().str.replace(",", "", regex=False)
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    numbers = pd.to_numeric(text.mask(text == ""), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    _refuse_rows(raw, column, ~blank & np.isnan(numbers), f"'{{value}}' is not a number ({what}).")
    return numbers


# =================================================================================================
# Recognising columns
# =================================================================================================
def _find_columns(raw: RawTable, headers: dict[str, tuple[str, ...]],
                  overrides: dict[str, str | None] | None = None) -> dict[str, str]:
    """Map each role of ``headers`` to a column of ``raw`` (roles not found are left out)."""
    texts = {c: {normalise_label(t) for t in raw.texts_of(c)} for c in raw.columns}
    found: dict[str, str] = {}
    for role, name in (overrides or {}).items():
        if name:
            found[role] = raw.resolve_column(name, role=ROLE_LABELS.get(role, role))
    used = set(found.values())
    for role, candidates in headers.items():
        if role in found:
            continue
        for candidate in candidates:
            wanted = normalise_label(candidate)
            hits = [c for c in raw.columns if c not in used and wanted in texts[c]]
            if hits:
                found[role] = hits[0]
                used.add(hits[0])
                break
    return found


def _require_columns(raw: RawTable, found: dict[str, str], roles: Iterable[str],
                     headers: dict[str, tuple[str, ...]], *, what: str) -> None:
    missing = [r for r in roles if r not in found]
    if not missing:
        return
    expected = "; ".join(f"{ROLE_LABELS[r]} (a header such as "
                         + ", ".join(f"'{h}'" for h in headers[r]) + ")" for r in missing)
    shown = ", ".join(f"'{c}'" for c in raw.columns[:30])
    more = f" and {len(raw.columns) - 30} more" if len(raw.columns) > 30 else ""
    raise InputError(f"This {what} has no column for: {expected}. The headers found are: {shown}{more}. "
                     "Rename the column or name it explicitly.", **_where(raw))


def _require_rows(raw: RawTable, what: str) -> None:
    if raw.frame.shape[0] == 0:
        raise InputError(f"The {what} has no data rows below its header.", **_where(raw))


def _check_fte(raw: RawTable, column: str, fte: np.ndarray, *, allow_blank: bool) -> None:
    if not allow_blank:
        _refuse_rows(raw, column, np.isnan(fte),
                     "The FTE is blank. Enter the contracted FTE (0 for bank or zero-hours contracts) or "
                     "remove the row.")
    valid = ~np.isnan(fte)
    _refuse_rows(raw, column, valid & (fte < 0), "The FTE {value} is negative.")
    _refuse_rows(raw, column, valid & (fte > MAX_FTE),
                 f"The FTE {{value}} is above {MAX_FTE}; FTE is a fraction of full time (1.0 = full time).")


# =================================================================================================
# Loading
# =================================================================================================
def load_staff(raw: RawTable, *, team_col: str | None = None, job_role_col: str | None = None) -> StaffRecords:
    """Read an employee-level staff file (one row per employee or assignment).

    Parameters
    ----------
    raw
        The file as read by :func:`analytics.ingest.io.read_table` (index = spreadsheet row numbers).
    team_col
        The team column's header (any header text; case- and space-insensitive). Default: recognised
        from :data:`STAFF_HEADERS` (Team, Ward, Department, Organisation, Cost Centre, in that order).
    job_role_col
        The job-role (or grade) column's header, likewise. Default: recognised from
        :data:`STAFF_HEADERS` (Job Role, Occupation, Grade, Role, Job Title, Occupation Code, in that
        order).

    Returns
    -------
    StaffRecords
        ``coverage_start`` is the earliest termination date in the file (the first leaver an extract
        records; an extract rarely holds all leavers since the oldest start date), or the earliest start
        date when nobody has left. ``coverage_end`` is the latest date anywhere in the data (start,
        termination and, after :func:`load_absence`, absence dates). Future-dated records (a planned
        leaving date) move it forward: give the window explicitly in that case.

    Notes
    -----
    Required columns: team, start date, termination date. Optional: employee number, assignment number,
    directorate (without one the directorate level is not reported), staff group, job role and
    assignment category (needed to exclude staff by them; see :func:`apply_exclusions`), FTE (needed for
    sickness rates). Blank team or directorate cells are reported as
    :data:`~analytics.settings.NOT_RECORDED_UNIT`. A blank termination date (or an "end of time" marker
    such as 31/12/4712) means still in post.

    Raises
    ------
    InputError
        No data rows; a required column missing (naming what was expected and the headers found); a date
        that cannot be read or is implausible; a blank start date; a termination before the start; an FTE
        that is blank, negative or above :data:`MAX_FTE`.
    """
    _require_rows(raw, "staff file")
    found = _find_columns(raw, STAFF_HEADERS, {"team": team_col, "job_role": job_role_col})
    _require_columns(raw, found, ("team", "start_date", "termination_date"), STAFF_HEADERS, what="staff file")
    frame = raw.frame
    n = len(frame)
    start = _parse_dates(raw, found["start_date"], what="start date", required=True, open_ended=False)
    end = _parse_dates(raw, found["termination_date"], what="termination date", required=False,
                       open_ended=True)
    has_end = ~np.isnat(end)
    _refuse_rows(raw, found["termination_date"], has_end & (end < start),
                 "The termination date {value} is before this row's start date.")
    if "fte" in found:
        fte = _parse_numbers(raw, found["fte"], what="FTE")
        _check_fte(raw, found["fte"], fte, allow_blank=False)
    else:
        fte = np.full(n, np.nan)

    def codes(role: str) -> tuple[np.ndarray | None, pd.Index | None]:
        if role not in found:
            return None, None
        values, uniques = pd.factorize(_clean_ids(frame[found[role]]), use_na_sentinel=True)
        return values.astype(np.int64), pd.Index(uniques)

    employee_codes, employee_index = codes("employee")
    assignment_codes, assignment_index = codes("assignment")
    if employee_codes is not None:
        person = employee_codes.copy()
        n_known = len(employee_index)
    elif assignment_codes is not None:
        person = assignment_codes.copy()
        n_known = len(assignment_index)
    else:
        person = np.full(n, -1, dtype=np.int64)
        n_known = 0
    blank_person = person < 0
    person[blank_person] = n_known + np.arange(int(blank_person.sum()))

    team = _clean_text(frame[found["team"]]).fillna(settings.NOT_RECORDED_UNIT)
    has_directorate = "directorate" in found
    directorate = (_clean_text(frame[found["directorate"]]).fillna(settings.NOT_RECORDED_UNIT)
                   if has_directorate else pd.Series(settings.NOT_RECORDED_UNIT, index=frame.index))

    def optional_text(role: str) -> pd.Series:
        return (_clean_text(frame[found[role]]) if role in found
                else pd.Series(pd.NA, index=frame.index, dtype="str"))

    has_staff_group = "staff_group" in found
    staff_group = optional_text("staff_group")
    start_day = start.astype(np.int64)
    end_day = np.where(has_end, end.astype(np.int64), _OPEN_DAY)
    assignments = pd.DataFrame({
        "row": frame.index.to_numpy(dtype=np.int64),
        "person": person,
        "organisation": settings.ORGANISATION_UNIT,
        "directorate": directorate.to_numpy(),
        "team": team.to_numpy(),
        "staff_group": staff_group.to_numpy(),
        "job_role": optional_text("job_role").to_numpy(),
        "assignment_category": optional_text("assignment_category").to_numpy(),
        "start_day": start_day,
        "end_day": end_day,
        "fte": fte,
    })
    coverage_start = int(end_day[has_end].min()) if has_end.any() else int(start_day.min())
    coverage_end = int(max(start_day.max(), end_day[has_end].max() if has_end.any() else start_day.max()))
    notes = [f"Team from column '{found['team']}'."]
    if has_directorate:
        notes.append(f"Directorate from column '{found['directorate']}'.")
    else:
        notes.append("No directorate column: the directorate level is not reported.")
    if "job_role" in found:
        notes.append(f"Job role from column '{found['job_role']}'.")
    else:
        notes.append("No job-role column: doctors in training cannot be told apart from other doctors.")
    if "assignment_category" in found:
        notes.append(f"Assignment category from column '{found['assignment_category']}'.")
    if "fte" not in found:
        notes.append("No FTE column: FTE days available and sickness rates cannot be worked out.")
    if employee_codes is None and assignment_codes is None:
        notes.append("No employee or assignment number: each row is counted as one person.")
    return StaffRecords(
        assignments=assignments, absence=None, file_name=raw.file_name, absence_file_name=None,
        has_directorate=has_directorate, has_staff_group=has_staff_group, has_fte="fte" in found,
        coverage_start=_day_to_timestamp(coverage_start), coverage_end=_day_to_timestamp(coverage_end),
        notes=tuple(notes), has_job_role="job_role" in found,
        has_assignment_category="assignment_category" in found, _employee_codes=employee_index, _assignment_codes=assignment_index,
        _employee_code_of_row=employee_codes, _assignment_code_of_row=assignment_codes,
    )


def load_absence(raw: RawTable, staff: StaffRecords) -> StaffRecords:
    """Attach a file of sickness episodes to ``staff``; returns new :class:`StaffRecords`.

    Parameters
    ----------
    raw
        The absence file (one row per episode): employee (or assignment) number, absence start date,
        absence end date, and FTE days lost (optional; see Notes).
    staff
        The staff records the episodes belong to.

    Notes
    -----
    * Linking: by employee number when both files have one, else by assignment number.
    * FTE days lost: the file's column when present and filled in; otherwise FTE × calendar days lost
      (the file's "Calendar Days Lost" column, or end − start + 1), where FTE is the absence file's own
      FTE column if it has one, else the FTE of the person's assignments in post on the episode's first
      day (summed over concurrent assignments).
    * Attribution to a team: an episode is shared among the person's assignments in post on its first
      day, in proportion to their FTE (equally when they are all 0 FTE). An episode of someone not in
      post that day goes to the assignment(s) nearest in time.
    * A blank end date means the episode is still open: it runs to ``coverage_end`` (the latest date in
      the data), and a note says how many there were.
    * Episodes crossing a window's edge are prorated by calendar days (see the module docstring).

    Raises
    ------
    InputError
        No data rows; a required column missing; no shared employee or assignment number; a blank or
        unknown employee; an unreadable date; an end before the start; overlapping episodes (sharing a
        day) of the same employee, or of the same assignment when linked by assignment number; negative
        FTE days lost; an FTE negative or above :data:`MAX_FTE`; FTE days lost that
        cannot be worked out because there is no FTE.
    """
    _require_rows(raw, "absence file")
    found = _find_columns(raw, ABSENCE_HEADERS)
    if "employee" in found and staff._employee_codes is not None:
        link = "employee"
        staff_codes, staff_index = staff._employee_code_of_row, staff._employee_codes
    elif "assignment" in found and staff._assignment_codes is not None:
        link = "assignment"
        staff_codes, staff_index = staff._assignment_code_of_row, staff._assignment_codes
    else:
        raise InputError(
            "The absence file and the staff file need a shared 'Employee Number' (or 'Assignment Number') "
            f"column to link episodes to staff. Headers found: {', '.join(repr(c) for c in raw.columns)}.",
            **_where(raw))
    _require_columns(raw, found, ("start_date", "end_date"), ABSENCE_HEADERS, what="absence file")
    frame = raw.frame
    link_column = found[link]
    ids = _clean_ids(frame[link_column])
    _refuse_rows(raw, link_column, ids.isna().to_numpy(dtype=bool),
                 f"The {ROLE_LABELS[link]} is blank; every absence must say whose it is.")
    key = staff_index.get_indexer(ids).astype(np.int64)
    _refuse_rows(raw, link_column, key < 0,
                 f"This absence is for an {ROLE_LABELS[link]} that is not in the staff file "
                 f"'{staff.file_name}'. Check the number, or add the person to the staff file.")
    start = _parse_dates(raw, found["start_date"], what="absence start date", required=True, open_ended=False)
    end = _parse_dates(raw, found["end_date"], what="absence end date", required=False, open_ended=True)
    open_episode = np.isnat(end)
    _refuse_rows(raw, found["end_date"], ~open_episode & (end < start),
                 "The absence end date {value} is before its start date.")
    start_day = start.astype(np.int64)
    coverage_end = max(_timestamp_to_day(staff.coverage_end), int(start_day.max()),
                       int(end[~open_episode].astype(np.int64).max()) if (~open_episode).any() else 0)
    end_day = np.where(open_episode, np.maximum(coverage_end, start_day), end.astype(np.int64))
    _check_overlaps(raw, found["start_date"], key, start_day, end_day)

    lost_given = (_parse_numbers(raw, found["fte_days_lost"], what="FTE days lost")
                  if "fte_days_lost" in found else np.full(len(frame), np.nan))
    if "fte_days_lost" in found:
        _refuse_rows(raw, found["fte_days_lost"], lost_given < 0, "FTE days lost {value} is negative.")
    calendar_days = (_parse_numbers(raw, found["calendar_days_lost"], what="calendar days lost")
                     if "calendar_days_lost" in found else np.full(len(frame), np.nan))
    if "calendar_days_lost" in found:
        _refuse_rows(raw, found["calendar_days_lost"], calendar_days < 0, "Calendar days lost {value} is negative.")
    calendar_days = np.where(np.isnan(calendar_days), end_day - start_day + 1, calendar_days)
    episode_fte = np.full(len(frame), np.nan)
    if "fte" in found:
        episode_fte = _parse_numbers(raw, found["fte"], what="FTE")
        _check_fte(raw, found["fte"], episode_fte, allow_blank=True)

    # Candidate assignments of each episode, and their distance in days from the episode's first day.
    episodes = pd.DataFrame({"episode": np.arange(len(frame)), "key": key, "ep_start": start_day})
    assignment_keys = pd.DataFrame({"key": staff_codes, "assignment": np.arange(len(staff.assignments))})
    pairs = episodes.merge(assignment_keys, on="key", how="inner")
    a = staff.assignments
    a_start = a["start_day"].to_numpy()[pairs["assignment"].to_numpy()]
    a_end = a["end_day"].to_numpy()[pairs["assignment"].to_numpy()]
    ep_start = pairs["ep_start"].to_numpy()
    pairs["distance"] = np.maximum(np.maximum(a_start - ep_start, ep_start - a_end), 0)
    nearest = pairs.groupby("episode")["distance"].transform("min")
    pairs = pairs[pairs["distance"].to_numpy() == nearest.to_numpy()].copy()
    pairs["fte"] = a["fte"].to_numpy()[pairs["assignment"].to_numpy()]
    grouped = pairs.groupby("episode")
    fte_total = grouped["fte"].transform("sum").to_numpy()   # NaN only if every FTE is NaN
    count = grouped["fte"].transform("size").to_numpy()
    fte = pairs["fte"].to_numpy()
    weight = np.where(np.nan_to_num(fte_total) > 0, np.nan_to_num(fte) / np.where(fte_total > 0, fte_total, 1),
                      1.0 / count)
    episode = pairs["episode"].to_numpy()
    need_fte = np.isnan(lost_given) & np.isnan(episode_fte)
    basis = np.where(np.isnan(episode_fte[episode]), fte_total if staff.has_fte else np.nan, episode_fte[episode])
    computed = basis * calendar_days[episode]
    lost = np.where(np.isnan(lost_given[episode]), computed, lost_given[episode])
    if not staff.has_fte and need_fte.any():
        column = found.get("fte_days_lost", found["start_date"])
        _refuse_rows(raw, column, need_fte,
                     "FTE days lost are not given for this episode and cannot be worked out, because neither "
                     "the staff file nor the absence file has an FTE column. Add an 'FTE Days Lost' or an "
                     "'FTE' column.")
    rows = frame.index.to_numpy(dtype=np.int64)
    absence = pd.DataFrame({
        "row": rows[episode],
        **{c: a[c].to_numpy()[pairs["assignment"].to_numpy()] for c in _UNIT_COLUMNS + _PERSON_COLUMNS},
        "start_day": start_day[episode],
        "end_day": end_day[episode],
        "fte_days_lost": lost * weight,
    })
    notes = list(staff.notes) + [f"Absence linked to staff by {ROLE_LABELS[link]} (column '{link_column}')."]
    if open_episode.any():
        notes.append(f"{int(open_episode.sum())} absence episode(s) with no end date counted as ongoing until "
                     f"{_day_to_timestamp(coverage_end):%d/%m/%Y}, the latest date in the data.")
    computed_rows = int(np.isnan(lost_given).sum())
    if computed_rows:
        notes.append(f"FTE days lost worked out as FTE x calendar days for {computed_rows} episode(s).")
    return dataclasses.replace(staff, absence=absence, absence_file_name=raw.file_name,
                               coverage_end=_day_to_timestamp(coverage_end), notes=tuple(notes))


def _check_overlaps(raw: RawTable, column: str, key: np.ndarray, start_day: np.ndarray,
                    end_day: np.ndarray) -> None:
    """Refuse two episodes of one person sharing a day. Sorted by person and start, any overlap shows
    up between neighbours (if episode i overlaps a later j, it overlaps i+1, which starts no later)."""
    order = np.lexsort((start_day, key))
    k, s, e = key[order], start_day[order], end_day[order]
    clash = np.zeros(len(order), dtype=bool)
    clash[1:] = (k[1:] == k[:-1]) & (s[1:] <= e[:-1])
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        later, earlier = order[i], order[i - 1]
        rows = raw.frame.index
        raise InputError(f"This absence episode overlaps the episode on row {int(rows[earlier])} for the same "
                         "person; one day cannot be lost twice. Merge or correct the episodes.",
                         **_where(raw, column, int(rows[later])))


def load_team_month(raw: RawTable, *, team_col: str | None = None) -> TeamMonthRecords:
    """Read team-month aggregate HR figures.

    Columns: team and month (required), staff in post and leavers (required headcounts), directorate and
    staff group (optional), FTE days lost and FTE days available (optional; without them sickness
    rates are NA).

    Assumptions (stated on the Methods page)
    ----------------------------------------
    * "Staff in post" is the headcount at the **end** of the month, so a month's ``staff_end`` is its
      staff in post and its ``staff_start`` is the previous month's staff in post. For the file's first
      month no earlier figure exists: its own staff in post is used as ``staff_start``.
    * A team whose first month comes after the file's first month did not exist before: ``staff_start``
      0 in its first month and zeros in earlier windows; likewise after its last month.
    * Months are whole: a window over aggregate figures must start on a month's first day and end on a
      month's last day. Stability cannot be worked out from aggregates (NA).
    * Leavers are summed over teams, so a move between teams counts as a leaver from the directorate
      and organisation too (aggregates cannot tell moves from leavers).

    Raises
    ------
    InputError
        No data rows; a required column missing; an unreadable month; a blank, negative or fractional
        headcount; negative FTE days; a team-month appearing twice; a month missing between a team's
        first and last months.
    """
    _require_rows(raw, "team-month file")
    found = _find_columns(raw, TEAM_MONTH_HEADERS, {"team": team_col})
    _require_columns(raw, found, ("team", "month", "staff_in_post", "leavers"), TEAM_MONTH_HEADERS,
                     what="team-month file")
    frame = raw.frame
    month = _parse_months(raw, found["month"])
    counts = {}
    for role in ("staff_in_post", "leavers"):
        values = _parse_numbers(raw, found[role], what=ROLE_LABELS[role])
        _refuse_rows(raw, found[role], np.isnan(values),
                     f"The {ROLE_LABELS[role]} figure is blank; enter 0 if there were none.")
        _refuse_rows(raw, found[role], (values < 0) | (values != np.round(values)),
                     f"The {ROLE_LABELS[role]} figure {{value}} is not a whole number of people (0 or more).")
        counts[role] = values.astype(np.int64)
    days = {}
    for role in ("fte_days_lost", "fte_days_available"):
        if role in found:
            values = _parse_numbers(raw, found[role], what=ROLE_LABELS[role])
            _refuse_rows(raw, found[role], values < 0, f"{ROLE_LABELS[role]} {{value}} is negative.")
            days[role] = values
        else:
            days[role] = np.full(len(frame), np.nan)
    has_directorate = "directorate" in found
    has_staff_group = "staff_group" in found
    table = pd.DataFrame({
        "row": frame.index.to_numpy(dtype=np.int64),
        "organisation": settings.ORGANISATION_UNIT,
        "directorate": (_clean_text(frame[found["directorate"]]).fillna(settings.NOT_RECORDED_UNIT).to_numpy()
                        if has_directorate else settings.NOT_RECORDED_UNIT),
        "team": _clean_text(frame[found["team"]]).fillna(settings.NOT_RECORDED_UNIT).to_numpy(),
        "staff_group": (_clean_text(frame[found["staff_group"]]).to_numpy() if has_staff_group else pd.NA),
        "month_index": month,
        "staff_end": counts["staff_in_post"],
        "leavers": counts["leavers"],
        "fte_days_lost": days["fte_days_lost"],
        "fte_days_available": days["fte_days_available"],
    })
    table["_sg"] = table["staff_group"].astype("str").fillna("\x00")
    series = ["directorate", "team", "_sg"]
    table = table.sort_values(series + ["month_index"], kind="stable")
    same_series = (table[series].shift() == table[series]).all(axis=1).to_numpy()
    step = table["month_index"].diff().to_numpy()
    duplicate = same_series & (step == 0)
    gap = same_series & (step > 1)
    for mask, message in ((duplicate, "This team and month appear twice (on row {other} as well); each team "
                                      "needs one row per month."),
                          (gap, "The month before this one is missing for this team (its previous month is on "
                                "row {other}). Add the missing month, with zeros if the team had no staff.")):
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            here, before = int(table["row"].iloc[i]), int(table["row"].iloc[i - 1])
            raise InputError(message.format(other=before), **_where(raw, found["month"], here))
    first_month = int(table["month_index"].min())
    previous = table.groupby(series, sort=False)["staff_end"].shift()
    first_of_series = ~same_series
    at_file_start = table["month_index"].to_numpy() == first_month
    staff_start = np.where(first_of_series, np.where(at_file_start, table["staff_end"].to_numpy(), 0),
                           previous.fillna(0).to_numpy())
    table["staff_start"] = staff_start.astype(np.int64)
    table["month"] = _month_start_timestamps(table["month_index"].to_numpy())
    table = table.drop(columns="_sg").sort_values("row").reset_index(drop=True)
    last_month = int(table["month_index"].max())
    notes = [f"Team-month figures: team from column '{found['team']}', staff in post read as the headcount "
             "at the end of each month."]
    if not has_directorate:
        notes.append("No directorate column: the directorate level is not reported.")
    return TeamMonthRecords(
        table=table[["row", *_UNIT_COLUMNS, "month", "month_index", "staff_start", "staff_end", "leavers",
                     "fte_days_lost", "fte_days_available"]],
        file_name=raw.file_name, has_directorate=has_directorate, has_staff_group=has_staff_group,
        coverage_start=_month_start_timestamps(np.array([first_month]))[0],
        coverage_end=_day_to_timestamp(int(_month_last_day(np.array([last_month]))[0])),
        notes=tuple(notes),
    )


_MONTH_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\d{4}-\d{1,2}", ("%Y-%m",)),
    (r"\d{4}/\d{1,2}", ("%Y/%m",)),
    (r"\d{1,2}/\d{4}", ("%m/%Y",)),
    (r"\d{1,2}-\d{4}", ("%m-%Y",)),
    (r"[A-Za-z]+ \d{4}", ("%b %Y", "%B %Y")),
)


def _parse_months(raw: RawTable, column: str) -> np.ndarray:
    """Months as month numbers since 1970-01. Accepted: ``2024-01``, ``2024/01``, ``01/2024``, ``Jan 2024``,
    ``January 2024``, ``Jan-2024``, or any date this module reads (its month is taken)."""
    series = raw.frame[column]
    n = len(series)
    months = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    if not pd.api.types.is_datetime64_any_dtype(series.dtype) and not pd.api.types.is_numeric_dtype(series.dtype):
        text = series.astype("str").str.strip().str.replace(r"\s+", " ", regex=True)
        text = text.str.replace(r"^([A-Za-z]+)-(\d{4})$", r"\1 \2", regex=True)
        for pattern, formats in _MONTH_PATTERNS:
            hit = text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool) & ~done
            if not hit.any():
                continue
            parsed = pd.to_datetime(text[hit], format=formats[0], errors="coerce")
            for fmt in formats[1:]:
                parsed = parsed.fillna(pd.to_datetime(text[hit], format=fmt, errors="coerce"))
            values = parsed.to_numpy(dtype="datetime64[M]", na_value=np.datetime64("NaT"))
            ok = ~np.isnat(values)
            idx = np.flatnonzero(hit)
            _refuse_rows(raw, column, np.isin(np.arange(n), idx[~ok]),
                         "'{value}' is not a month this tool can read. Write months as 2024-01, Jan 2024 or "
                         "01/2024.")
            months[idx] = values.astype(np.int64)
            done |= hit
    if not done.all():
        rest = raw.frame.index[~done]
        sub = RawTable(frame=raw.frame.loc[rest, [column]], file_name=raw.file_name, sheet=raw.sheet)
        dates = _parse_dates(sub, column, what="month", required=True, open_ended=False)
        months[~done] = dates.astype("datetime64[M]").astype(np.int64)
    return months


# =================================================================================================
# Dates and windows
# =================================================================================================
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


# =================================================================================================
# Exclusions
# =================================================================================================
#: Job roles (or grades) of **doctors in training**, as regular expressions searched case-insensitively
#: anywhere in a job role's text (spaces collapsed). NHS Digital's workforce statistics group doctors in
#: training as Foundation Year 1 and 2, Core Training and Specialty Registrar (ESR job roles, staff group
#: "Medical and Dental"); the patterns also take the closed Specialist Registrar grade, GP registrars,
#: academic clinical fellows, the spelling "Speciality", and the grade codes FY1-FY2 (F1, F2), CT1-CT3,
#: DCT1-DCT3, ST1-ST8, GPST1-GPST3, StR and SpR. "Senior House Officer" and "House Officer" are not
#: taken: trust-grade (non-training) doctors carry those titles too; name them with
#: ``HRExclusions(job_roles=...)`` when they are trainees in your data.
DOCTORS_IN_TRAINING_ROLES: tuple[str, ...] = (
    r"\bfoundation (year|doctor|trainee|house officer)\b",       # Foundation Year 1, Foundation Doctor Year 2
    r"\bcore (\w+ )?(training|trainee)\b",                      # Core Training, Core Medical Training, Dental Core Trainee
    r"\bspecial(i?ty|ist) (registrar|trainee|training)\b",      # Specialty / Speciality / Specialist Registrar
    r"\bgp (special(i?ty) )?(registrar|trainee)\b",             # GP Registrar, GP Trainee, GP Specialty Registrar
    r"\bacademic clinical fellow\b",
    r"\b(fy ?[12]|f[12]|st ?[1-8]|gpst ?[1-3]|d?ct ?[1-3]|str|spr)\b",   # grade codes
)
#: A job role matching one of :data:`DOCTORS_IN_TRAINING_ROLES` is still **not** taken as a doctor in
#: training when it matches one of these: posts at a training grade's level that are not training posts
#: (trust grade, locally employed, non-training, "ST3 level", "FY2 equivalent", clinical fellows other
#: than academic clinical fellows) and staff who organise training ("Foundation Year Administrator").
NOT_DOCTORS_IN_TRAINING_ROLES: tuple[str, ...] = (
    r"\btrust (grade|doctor)\b", r"\bnon[- ]?training\b", r"\blocally employed\b", r"\bequivalent\b",
    r"\b(fy ?[12]|f[12]|st ?[1-8]|d?ct ?[1-3]|house officer|sho) (grade )?level\b",   # "ST3 level"
    r"\bregistrar (grade )?level\b(?! ?\d)",                 # "Specialist Registrar level", not "... Level 2"
    r"(?<!academic )\bclinical fellow\b",
    r"\b(administrator|co-?ordinator|manager|assistant|secretary|tutor|lead|director|facilitator|clerk)\b",
)
_DOCTORS_IN_TRAINING = re.compile("|".join(f"(?:{p})" for p in DOCTORS_IN_TRAINING_ROLES), re.IGNORECASE)
_NOT_DOCTORS_IN_TRAINING = re.compile("|".join(f"(?:{p})" for p in NOT_DOCTORS_IN_TRAINING_ROLES), re.IGNORECASE)
#: How many of a column's values a message lists before "and N more".
_VALUES_SHOWN = 40


def is_doctor_in_training_role(job_role: object) -> bool:
    """Whether a job role (or grade) text is one of doctors in training: it matches
    :data:`DOCTORS_IN_TRAINING_ROLES` and not :data:`NOT_DOCTORS_IN_TRAINING_ROLES`. Blank or missing
    roles are not.

    >>> [is_doctor_in_training_role(r) for r in ("Foundation Year 1", "Specialty Registrar (StR)", "ST3",
    ...                                           "Consultant", "Specialty Doctor", "Clinical Fellow (ST3 level)")]
    [True, True, True, False, False, False]
    """
    if not isinstance(job_role, str) or not job_role.strip():
        return False
    text = normalise_label(job_role)
    return bool(_DOCTORS_IN_TRAINING.search(text)) and not _NOT_DOCTORS_IN_TRAINING.search(text)


def doctors_in_training_roles(job_roles: Iterable[object]) -> list[str]:
    """The distinct values of ``job_roles`` that :func:`is_doctor_in_training_role` accepts, sorted (to
    show a user which roles ``HRExclusions(doctors_in_training=True)`` would leave out before applying it)."""
    values = pd.unique(pd.Series(list(job_roles), dtype=object).dropna())
    return sorted(str(v) for v in values if is_doctor_in_training_role(v))


@dataclass(frozen=True)
class HRExclusions:
    """Who is left out of HR figures: asked for, or as :func:`apply_exclusions` resolved it against the data.

    One value carries every exclusion through the analytics, the CLI and the dashboard (it is hashable, so
    it can key a cache). As a request, give the names to leave out, e.g.
    ``HRExclusions(staff_groups=("Students",), doctors_in_training=True)``; a single text is one name and
    blank names are dropped. :func:`apply_exclusions` returns the same kind of value resolved against the
    file: the names spelled as in the file, with the records counted.

    Attributes
    ----------
    staff_groups, job_roles, assignment_categories
        The values excluded by name: as given (a request), or spelled as in the file (all spellings that
        match a name given; a resolved value).
    doctors_in_training
        Whether doctors in training were excluded; ``doctors_in_training_roles`` are the job roles of the
        file that :func:`is_doctor_in_training_role` accepted.
    records_excluded, records_total
        Rows of the staff file (or team-month file) left out, and all its rows.
    record_kind
        ``"staff records"`` or ``"team-month rows"``, for :meth:`text`.
    """

    staff_groups: tuple[str, ...] = ()
    job_roles: tuple[str, ...] = ()
    assignment_categories: tuple[str, ...] = ()
    doctors_in_training: bool = False
    doctors_in_training_roles: tuple[str, ...] = ()
    records_excluded: int = 0
    records_total: int = 0
    record_kind: str = "staff records"

    def __post_init__(self) -> None:
        for name in ("staff_groups", "job_roles", "assignment_categories", "doctors_in_training_roles"):
            object.__setattr__(self, name, tuple(_names(getattr(self, name))))
        object.__setattr__(self, "doctors_in_training", bool(self.doctors_in_training))

    @property
    def any(self) -> bool:
        """Whether anything was excluded."""
        return bool(self.staff_groups or self.job_roles or self.assignment_categories or self.doctors_in_training)

    def text(self) -> str:
        """The exclusions in plain words, for pages, exports and the CLI (see :func:`exclusions_text`)."""
        if not self.any:
            return "No staff are excluded: every record in the file is counted."
        return (f"Excluded from every figure (leavers, staff in post and sickness absence): {self.what()}. "
                f"{self.records_excluded:,} of {self.records_total:,} {self.record_kind} are left out.")

    def what(self) -> str:
        """What is excluded, as a phrase: "staff group 'Students'; assignment category 'Bank'" ("" for
        nothing)."""

        def listed(values: tuple[str, ...]) -> str:
            return ", ".join(f"'{v}'" for v in values)

        parts = []
        if self.doctors_in_training:
            parts.append("doctors in training, who rotate between employers on national changeover days "
                         f"(job role{'s' if len(self.doctors_in_training_roles) != 1 else ''} "
                         f"{listed(self.doctors_in_training_roles)})")
        for values, one, many in ((self.staff_groups, "staff group", "staff groups"),
                                  (self.job_roles, "job role", "job roles"),
                                  (self.assignment_categories, "assignment category", "assignment categories")):
            if values:
                parts.append(f"{one if len(values) == 1 else many} {listed(values)}")
        return "; ".join(parts)


def exclusions_text(source: pd.DataFrame | HRExclusions | None) -> str:
    """The exclusions behind a table in plain words, e.g. "Excluded from every figure (leavers, staff in
    post and sickness absence): doctors in training, who rotate between employers on national changeover
    days (job roles 'Foundation Year 1', 'Specialty Registrar'). 2,797 of 9,530 staff records are left
    out." or "No staff are excluded: every record in the file is counted."

    ``source`` is a table from :func:`hr_metrics`, :func:`monthly_hr_table` or :func:`rolling_hr_series`
    (read from its ``attrs["exclusions"]``), an :class:`HRExclusions`, or None (nothing excluded).
    """
    if isinstance(source, pd.DataFrame):
        source = source.attrs.get("exclusions")
    return (source if isinstance(source, HRExclusions) else HRExclusions()).text()


def _names(values: Iterable[str] | str | None) -> list[str]:
    """The names given for an exclusion, blanks dropped; a single text is one name, not its letters."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [str(v) for v in values if str(v).strip()]


def _label_codes(series: pd.Series) -> tuple[np.ndarray, list[str], np.ndarray]:
    """``series`` factorised: per-row codes (-1 for NA), the distinct values, and their normalised
    labels (so a column is normalised once per distinct value, not per row)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = [str(u) for u in uniques]
    return codes, values, np.array([normalise_label(v) for v in values], dtype=object)


def _label_mask(series: pd.Series, labels: set[str]) -> np.ndarray:
    """Rows of ``series`` whose normalised value is in ``labels``."""
    if not labels or len(series) == 0:
        return np.zeros(len(series), dtype=bool)
    codes, _, normalised = _label_codes(series)
    hit = np.flatnonzero(np.isin(normalised, list(labels)))
    return np.isin(codes, hit)


def _shown_values(values: Iterable[str]) -> str:
    values = sorted(set(values))
    shown = ", ".join(f"'{v}'" for v in values[:_VALUES_SHOWN]) or "none"
    return shown + (f" and {len(values) - _VALUES_SHOWN} more" if len(values) > _VALUES_SHOWN else "")


def _resolve_names(records: HRRecords, series: pd.Series, names: list[str], *, one: str,
                   many: str) -> tuple[set[str], tuple[str, ...]]:
    """The normalised labels of ``names`` and the file's spellings they match; a name that matches no
    value is refused with the values present."""
    _, values, normalised = _label_codes(series)
    known = set(normalised)
    labels = set()
    for name in names:
        label = normalise_label(name)
        if label not in known:
            raise InputError(f"There is no {one} '{name}' to exclude. The {many} in the file are: "
                             f"{_shown_values(values)}.", file=records.file_name)
        labels.add(label)
    spellings = tuple(sorted(v for v, n in zip(values, normalised) if n in labels))
    return labels, spellings


def _headers_hint(headers: tuple[str, ...]) -> str:
    return ", ".join(f"'{h}'" for h in headers)


def apply_exclusions(records: HRRecords, exclusions: HRExclusions = HRExclusions()) -> tuple[HRRecords, HRExclusions]:
    """Leave staff out of HR figures, explicitly (shared/design/domain.md §3: "Exclusions are explicit,
    visible parameters").

    Parameters
    ----------
    records
        Employee-level or team-month records.
    exclusions
        What to leave out (:class:`HRExclusions`): ``staff_groups`` (the "Staff Group" column, e.g.
        ``("Students",)``), ``job_roles`` (the job-role column: "Job Role", "Occupation", "Grade", ...),
        ``assignment_categories`` (the "Assignment Category" column, e.g. ``("Bank",)``) and
        ``doctors_in_training``: leave out every row whose job role is a doctor-in-training role (:data:`DOCTORS_IN_TRAINING_ROLES`;
        :func:`is_doctor_in_training_role`). Doctors in training rotate between trusts on national
        changeover days, so each rotation would otherwise count as a leaver; NHS leaver statistics
        leave them out. In ESR they share the staff group "Medical and Dental" with consultants and
        specialty doctors, so a staff-group exclusion cannot separate them: the job role can.

    Names are matched case- and space-insensitively against the values in the file. An excluded row is
    left out of every figure (numerators and denominators: leavers, staff in post, FTE days available)
    together with its share of sickness absence, as if it were not in the file. Blank cells never match.

    Returns
    -------
    (HRRecords, HRExclusions)
        The records without the excluded rows (the same object when nothing is excluded), and what was
        excluded (:meth:`HRExclusions.text` says it in plain words).

    Raises
    ------
    InputError
        A name not in the file (the message lists the values present); the column needed is missing (no
        staff group column for staff groups; no job-role column for job roles or doctors in training; no
        assignment category column for categories); ``exclude_doctors_in_training`` when no job role in
        the file is a doctor-in-training role (the message lists the roles, so they can be named with
        ``job_roles``); job-role, category or doctors-in-training exclusions on team-month
        records, which hold no people (refused rather than ignored: the user asked for them, and the
        figures cannot honour it); nobody left.
    """
    staff_groups, job_roles = list(exclusions.staff_groups), list(exclusions.job_roles)
    categories = list(exclusions.assignment_categories)
    exclude_doctors_in_training = exclusions.doctors_in_training
    team_month = isinstance(records, TeamMonthRecords)
    if team_month:
        asked = ([f"job roles ({', '.join(job_roles)})"] if job_roles else []) + (
            [f"assignment categories ({', '.join(categories)})"] if categories else [])
        if exclude_doctors_in_training:
            raise InputError(
                "Doctors in training cannot be excluded from team-month figures: they hold totals per team and "
                "month, not people with job roles. Check whether the figures already leave doctors in training "
                "out (NHS turnover figures usually do), or use the employee-level staff file (with a 'Job Role' "
                "column) instead.", file=records.file_name)
        if asked:
            joined = " and ".join(asked)
            raise InputError(
                f"{joined[:1].upper() + joined[1:]} cannot be excluded from team-month figures: they hold totals "
                "per team and month, not people. Use the employee-level staff file instead, or exclude them "
                "when the figures are made.", file=records.file_name)
    frame = records.table if team_month else records.assignments
    labels: dict[str, set[str]] = {"staff_group": set(), "job_role": set(), "assignment_category": set()}
    spellings: dict[str, tuple[str, ...]] = {}
    if staff_groups:
        if not records.has_staff_group:
            raise InputError("Staff groups cannot be excluded: the file has no 'Staff Group' column.",
                             file=records.file_name)
        labels["staff_group"], spellings["staff_group"] = _resolve_names(
            records, frame["staff_group"], staff_groups, one="staff group", many="staff groups")
    if (job_roles or exclude_doctors_in_training) and not records.has_job_role:
        what = "Doctors in training" if exclude_doctors_in_training else "Job roles"
        why = (" Doctors in training share the staff group 'Medical and Dental' with consultants and are told "
               "apart by their job role or grade (e.g. 'Foundation Year 1', 'Specialty Registrar')."
               if exclude_doctors_in_training else "")
        raise InputError(f"{what} cannot be excluded: the staff file has no job-role column.{why} Add a column "
                         f"headed {_headers_hint(_JOB_ROLE_HEADERS)} to the file, or name the column holding "
                         "job roles.", file=records.file_name)
    if job_roles:
        labels["job_role"], spellings["job_role"] = _resolve_names(
            records, frame["job_role"], job_roles, one="job role", many="job roles")
    if categories:
        if not records.has_assignment_category:
            raise InputError("Assignment categories cannot be excluded: the staff file has no assignment "
                             f"category column (a header such as {_headers_hint(_ASSIGNMENT_CATEGORY_HEADERS)}).",
                             file=records.file_name)
        labels["assignment_category"], spellings["assignment_category"] = _resolve_names(
            records, frame["assignment_category"], categories, one="assignment category",
            many="assignment categories")
    trainee_roles: tuple[str, ...] = ()
    if exclude_doctors_in_training:
        _, values, normalised = _label_codes(frame["job_role"])
        hit = [i for i, v in enumerate(values) if is_doctor_in_training_role(v)]
        if not hit:
            raise InputError(
                "No job role in the file is one of doctors in training (Foundation Year, Core Training, "
                "Specialty Registrar, GP Registrar, or grade codes such as FY1, CT2, ST3), so none can be "
                f"excluded. The job roles in the file are: {_shown_values(values)}. If some of them are doctors "
                "in training, name them as job roles to exclude; otherwise leave this exclusion off.",
                file=records.file_name)
        trainee_roles = tuple(sorted(values[i] for i in hit))
        labels["job_role"] |= {normalised[i] for i in hit}

    def dropped(table: pd.DataFrame) -> np.ndarray:
        drop = np.zeros(len(table), dtype=bool)
        for column, wanted in labels.items():
            if wanted:
                drop |= _label_mask(table[column], wanted)
        return drop

    drop = dropped(frame)
    resolved = HRExclusions(
        staff_groups=spellings.get("staff_group", ()), job_roles=spellings.get("job_role", ()),
        assignment_categories=spellings.get("assignment_category", ()),
        doctors_in_training=bool(exclude_doctors_in_training), doctors_in_training_roles=trainee_roles,
        records_excluded=int(drop.sum()), records_total=len(frame),
        record_kind="team-month rows" if team_month else "staff records")
    if not drop.any():
        return records, resolved
    if drop.all():
        raise InputError(f"Nobody is left once these are excluded: {resolved.what()} (all {len(frame):,} "
                         f"{resolved.record_kind}). Exclude less.", file=records.file_name)
    if team_month:
        return dataclasses.replace(records, table=records.table[~drop]), resolved
    absence = records.absence
    if absence is not None:
        absence = absence[~dropped(absence)]
    return dataclasses.replace(records, assignments=records.assignments[~drop], absence=absence), resolved


def _record_exclusions(table: pd.DataFrame, asked: HRExclusions, resolved: HRExclusions) -> None:
    """Write the exclusions into ``table.attrs``: as asked for, and what they resolved to."""
    table.attrs["excluded_staff_groups"] = asked.staff_groups
    table.attrs["excluded_job_roles"] = asked.job_roles
    table.attrs["excluded_assignment_categories"] = asked.assignment_categories
    table.attrs["exclude_doctors_in_training"] = asked.doctors_in_training
    table.attrs["exclusions"] = resolved
    table.attrs["exclusions_text"] = resolved.text()


# =================================================================================================
# Spells: one person's continuous time in one unit
# =================================================================================================
def _spells(assignments: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Join each person's rows within a unit (``keys``) into continuous spells: a row starting no later
    than the day after the spell so far ends continues it. Returns ``keys``, ``start_day``, ``end_day``."""
    by = keys + ["person"]
    df = assignments[by + ["start_day", "end_day"]].sort_values(by + ["start_day"], kind="stable")
    if df.empty:
        return df[keys + ["start_day", "end_day"]]
    first = ~df.duplicated(by).to_numpy()
    running_end = df.groupby(by, sort=False)["end_day"].cummax().to_numpy()
    previous_end = np.roll(running_end, 1)
    new_spell = first | (df["start_day"].to_numpy() > previous_end + 1)
    spell = np.cumsum(new_spell)
    aggregations = {k: (k, "first") for k in keys}
    return df.groupby(spell, sort=False).agg(**aggregations, start_day=("start_day", "min"),
                                             end_day=("end_day", "max")).reset_index(drop=True)


def _overlap_days(start: np.ndarray, end: np.ndarray, first: np.ndarray | int, last: np.ndarray | int) -> np.ndarray:
    return np.clip(np.minimum(end, last) - np.maximum(start, first) + 1, 0, None)


# =================================================================================================
# Metrics over a window
# =================================================================================================
def _unit_frame(sums: pd.DataFrame, level: str, keys: list[str], has_directorate: bool) -> pd.DataFrame:
    out = sums.reset_index()
    out.insert(0, "level", level)
    out["unit"] = out[keys[-1]]
    if level == settings.LEVEL_ORGANISATION:
        out["parent"] = pd.NA
    elif level == settings.LEVEL_DIRECTORATE or has_directorate:
        out["parent"] = out[keys[-2]]
    else:
        out["parent"] = settings.ORGANISATION_UNIT
    return out.drop(columns=keys)


def _levels(levels: Iterable[str], has_directorate: bool) -> list[str]:
    chosen = []
    for level in levels:
        if level not in _KEYS:
            raise InputError(f"Unknown level '{level}'; use one of {', '.join(settings.LEVELS)}.")
        if level == settings.LEVEL_DIRECTORATE and not has_directorate:
            continue
        chosen.append(level)
    return [lvl for lvl in settings.LEVELS if lvl in chosen]


def _employee_window_counts(records: StaffRecords, first: int, last: int, levels: list[str]) -> pd.DataFrame:
    a = records.assignments
    fte_days = a["fte"].to_numpy() * _overlap_days(a["start_day"].to_numpy(), a["end_day"].to_numpy(), first, last)
    in_window_rows = (a["start_day"].to_numpy() <= last) & (a["end_day"].to_numpy() >= first)
    a = a.assign(fte_days_available=fte_days, _active=in_window_rows)
    absence = records.absence
    if absence is not None:
        share = (absence["fte_days_lost"].to_numpy()
                 * _overlap_days(absence["start_day"].to_numpy(), absence["end_day"].to_numpy(), first, last)
                 / (absence["end_day"].to_numpy() - absence["start_day"].to_numpy() + 1))
        absence = absence.assign(fte_days_lost=share,
                                 _active=(absence["start_day"].to_numpy() <= last)
                                 & (absence["end_day"].to_numpy() >= first))
    frames = []
    for level in levels:
        keys = _KEYS[level]
        spells = _spells(a, keys)
        s, e = spells["start_day"].to_numpy(), spells["end_day"].to_numpy()
        in_start = (s <= first) & (e >= first)
        leaver = (e >= first) & (e <= last)
        spells = spells.assign(staff_start=in_start, staff_end=(s <= last) & (e >= last), leavers=leaver,
                               stayers=in_start & ~leaver)
        counts = spells.groupby(keys, sort=True)[["staff_start", "staff_end", "leavers", "stayers"]].sum()
        fte = a.groupby(keys, sort=True).agg(fte_days_available=("fte_days_available", "sum"),
                                             _active=("_active", "any"))
        parts = [counts, fte]
        if absence is not None:
            lost = absence.groupby(keys, sort=True).agg(fte_days_lost=("fte_days_lost", "sum"),
                                                        _absent=("_active", "any"))
            parts.append(lost)
        sums = pd.concat(parts, axis=1)
        active = sums["_active"].fillna(False).astype(bool)
        if absence is not None:
            active |= sums["_absent"].fillna(False).astype(bool)
            sums["fte_days_lost"] = sums["fte_days_lost"].fillna(0.0)
            sums = sums.drop(columns="_absent")
        else:
            sums["fte_days_lost"] = np.nan
        if not records.has_fte:
            sums["fte_days_available"] = np.nan
        sums = sums[active.to_numpy()].drop(columns="_active")
        for c in ("staff_start", "staff_end", "leavers", "stayers"):
            sums[c] = sums[c].fillna(0).astype(np.int64)
        frames.append(_unit_frame(sums, level, keys, records.has_directorate))
    return pd.concat(frames, ignore_index=True)


def _team_month_window_counts(records: TeamMonthRecords, first: int, last: int, levels: list[str]) -> pd.DataFrame:
    first_month, last_month = int(_month_of_day(np.array([first]))[0]), int(_month_of_day(np.array([last]))[0])
    frames = []
    for level in levels:
        monthly = _team_month_monthly(records, level, first_month, last_month)
        keys = ["unit", "parent"]
        grouped = monthly.groupby(keys, sort=False, dropna=False)
        sums = pd.DataFrame({
            "staff_start": grouped["staff_start"].first(),
            "staff_end": grouped["staff_end"].last(),
            "leavers": grouped["leavers"].sum(),
            "stayers": pd.NA,
            "fte_days_lost": grouped["fte_days_lost"].sum(skipna=False),
            "fte_days_available": grouped["fte_days_available"].sum(skipna=False),
            "_rows": grouped["_rows"].sum(),
        })
        sums = sums[sums["_rows"] > 0].drop(columns="_rows").reset_index()
        sums.insert(0, "level", level)
        frames.append(sums)
    return pd.concat(frames, ignore_index=True)


def _with_rates(counts: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Add the three rates, from summed numerators and denominators; 0 denominators give NA."""
    out = counts.copy()
    for c in ("staff_start", "staff_end", "leavers", "stayers"):
        out[c] = out[c].astype("Int64")
    for c in ("fte_days_lost", "fte_days_available"):
        out[c] = pd.to_numeric(out[c]).astype("Float64")
    mean_staff = (out["staff_start"].astype("Float64") + out["staff_end"].astype("Float64")) / 2
    out["leaver_rate"] = 100 * out["leavers"].astype("Float64") / mean_staff.where(mean_staff > 0)
    start = out["staff_start"].astype("Float64")
    out["stability_index"] = 100 * out["stayers"].astype("Float64") / start.where(start > 0)
    available = out["fte_days_available"]
    out["sickness_rate"] = 100 * out["fte_days_lost"] / available.where(available > 0)
    out["window_start"] = first
    out["window_end"] = last
    out["parent"] = out["parent"].astype(object).where(out["parent"].notna(), None)
    return out[list(HR_METRIC_COLUMNS)]


def _sorted_units(frame: pd.DataFrame) -> pd.DataFrame:
    order = {lvl: i for i, lvl in enumerate(settings.LEVELS)}
    frame = frame.assign(_level=frame["level"].map(order), _parent=frame["parent"].fillna(""))
    return (frame.sort_values(["_level", "_parent", "unit"], kind="stable")
            .drop(columns=["_level", "_parent"]).reset_index(drop=True))


def hr_metrics(records: HRRecords, *, start: object = None, end: object = None,
               exclusions: HRExclusions = HRExclusions(),
               levels: Iterable[str] = settings.LEVELS) -> pd.DataFrame:
    """Leaver rate, stability index and sickness absence rate over one window, per unit.

    Parameters
    ----------
    records
        :class:`StaffRecords` (employee level) or :class:`TeamMonthRecords` (team-month aggregates).
    start, end
        The window's first and last day, both included (``YYYY-MM-DD`` text, dates or Timestamps). Both or
        neither; default :func:`default_window` (the 12 months ending with the latest complete month).
    exclusions
        An :class:`HRExclusions`: staff groups, job roles and assignment categories (e.g. ``("Bank",)``)
        left out of every figure, matched case- and space-insensitively (a name not in the data is refused
        with the values present), and whether to leave out doctors in training (job roles matching :data:`DOCTORS_IN_TRAINING_ROLES`), as NHS
        leaver statistics do: they rotate between trusts, so every rotation would count as a leaver.
        Needs a job-role column. See :func:`apply_exclusions` for all the rules and refusals (team-month
        records accept only staff-group exclusions).
    levels
        Any of ``settings.LEVELS``. The directorate level is skipped when the data has no directorate.

    Returns
    -------
    pd.DataFrame
        :data:`HR_METRIC_COLUMNS`, one row per level x unit active in the window (anyone in post or an
        absence inside it), organisation first, then directorates, then teams (by parent, then name):

        ``level``, ``unit``, ``parent`` (None for the organisation; the directorate of a team, or the
        organisation when there is no directorate), ``window_start``, ``window_end``, ``staff_start``,
        ``staff_end``, ``leavers`` (Int64 headcounts of people), ``leaver_rate`` =
        100 × leavers ÷ ((staff_start + staff_end) / 2), ``stability_index`` = 100 × (in post on the first
        day and not a leaver) ÷ staff_start (NA for team-month input), ``fte_days_lost``,
        ``fte_days_available``, ``sickness_rate`` = 100 × fte_days_lost ÷ fte_days_available. Rates are
        Float64 percentages at full precision; NA when the denominator is 0 or unknown.

    Notes
    -----
    Definitions: see the module docstring (NHS England / NHS Digital). Employee-level records are
    measured directly for any window (spells of people per unit, FTE x days in post, episodes prorated
    by calendar days). Team-month records are summed over the window's months: staff_start from its
    first month, staff_end from its last. ``DataFrame.attrs`` records the window (``window_start``,
    ``window_end``) and the exclusions: the parameters as given (``excluded_staff_groups``,
    ``excluded_job_roles``, ``excluded_assignment_categories``, ``exclude_doctors_in_training``), what
    they matched (``exclusions``, an :class:`HRExclusions`) and a sentence for pages
    (``exclusions_text``; also :func:`exclusions_text`). Small units are not suppressed (see the module
    docstring, "Anonymity").

    Raises
    ------
    InputError
        A bad window (see :func:`resolve_window`), an exclusion refused by :func:`apply_exclusions`
        (unknown name, missing column, team-month records), nobody left after exclusions, nobody in post
        in the window.
    """
    first, last = resolve_window(records, start, end)
    filtered, resolved = apply_exclusions(records, exclusions)
    chosen = _levels(levels, records.has_directorate)
    first_day, last_day = _timestamp_to_day(first), _timestamp_to_day(last)
    if isinstance(filtered, StaffRecords):
        counts = _employee_window_counts(filtered, first_day, last_day, chosen)
    else:
        counts = _team_month_window_counts(filtered, first_day, last_day, chosen)
    if counts.empty:
        raise InputError(f"Nobody in the data was in post between {first:%d/%m/%Y} and {last:%d/%m/%Y}. Check "
                         "the window.", file=records.file_name)
    out = _sorted_units(_with_rates(counts, first, last))
    out.attrs["window_start"] = first
    out.attrs["window_end"] = last
    _record_exclusions(out, exclusions, resolved)
    return out


# =================================================================================================
# Monthly tables and rolling series
# =================================================================================================
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
    a = records.assignments
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
        ab = records.absence
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


# =================================================================================================
# Files
# =================================================================================================
def load_hr_table(raw: RawTable, *, team_col: str | None = None, job_role_col: str | None = None) -> HRRecords:
    """Read an HR table of either shape: team-month aggregates (:func:`load_team_month`) when it has a
    month (or period) column and no start-date column, otherwise employee-level (:func:`load_staff`).
    Missing columns are then reported against the shape the file resembles. ``job_role_col`` applies to
    employee-level files only (team-month figures have no job roles)."""
    found = _find_columns(raw, TEAM_MONTH_HEADERS, {"team": team_col})
    staff_found = _find_columns(raw, STAFF_HEADERS, {"team": team_col})
    if "month" in found and "start_date" not in staff_found:
        if job_role_col:
            raise InputError(f"A job-role column ('{job_role_col}') was named, but this file holds team-month "
                             "figures, which have no job roles. Leave the job-role column out, or use an "
                             "employee-level staff file.", **_where(raw))
        return load_team_month(raw, team_col=team_col)
    return load_staff(raw, team_col=team_col, job_role_col=job_role_col)


def _read(source: str | Path | bytes, file_name: str | None, sheet: str | None, *,
          what: str = "staff records") -> RawTable:
    """:func:`analytics.ingest.io.read_table`, with its messages about an empty file, which speak of survey
    "responses", re-worded to speak of ``what``."""
    from analytics.ingest.io import read_table  # imported here: io is optional for callers holding RawTables
    if isinstance(source, (str, Path)) and not Path(source).exists():
        raise InputError("The file does not exist.", file=str(source))
    try:
        return read_table(source, file_name, sheet=sheet)
    except InputError as error:
        if not re.search(r"\bresponses\b", error.message, flags=re.IGNORECASE):
            raise
        message = re.sub(r"\bresponses\b", what, error.message)
        message = re.sub(r"\bResponses\b", what[:1].upper() + what[1:], message)
        raise InputError(message, file=error.file, sheet=error.sheet, column=error.column,
                         row=error.row) from error


def read_staff_file(source: str | Path | bytes, file_name: str | None = None, *, sheet: str | None = None,
                    team_col: str | None = None, job_role_col: str | None = None) -> HRRecords:
    """Read an HR staff file (CSV or workbook) of either shape; see :func:`load_hr_table`."""
    return load_hr_table(_read(source, file_name, sheet), team_col=team_col, job_role_col=job_role_col)


def read_absence_file(source: str | Path | bytes, staff: StaffRecords, file_name: str | None = None, *,
                      sheet: str | None = None) -> StaffRecords:
    """Read a sickness-absence file and attach it to ``staff``; see :func:`load_absence`."""
    if not isinstance(staff, StaffRecords):
        raise InputError("An absence file can only be combined with an employee-level staff file, not with "
                         "team-month figures (which carry their own FTE days lost).")
    return load_absence(_read(source, file_name, sheet, what="absence records"), staff)
