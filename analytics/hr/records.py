"""HR records as the analytics hold them (employee-level staff and absence, or team-month figures), the
headers that recognise their columns, and the output column contracts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np
import pandas as pd

from analytics import settings
from analytics.hr.overlaps import AbsenceOverlaps


#: :func:`hr_metrics`: one row per level x unit for one window.
HR_METRIC_COLUMNS = (
    "level", "unit", "parent", "window_start", "window_end", "staff_start", "staff_end", "leavers",
    "leaver_rate", "stability_index", "fte_days_lost", "fte_days_available", "sickness_rate",
    "voluntary_leavers", "voluntary_resignation_rate", "leaver_definition",
)


#: ``python -m analytics hr``: the command's CSV columns (rates in %; the window's first and last day and
#: its whole months, empty for a window that is not whole months).
HR_CLI_COLUMNS = (
    "level", "unit", "staff_start", "staff_end", "leavers", "leaver_rate", "stability_index",
    "fte_days_lost", "fte_days_available", "sickness_rate", "voluntary_leavers", "voluntary_resignation_rate",
    "leaver_definition", "window_start", "window_end", "window_months",
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


#: ESR "Leaving Reason" (e.g. "Voluntary Resignation - Relocation", "Retirement Age") and its other names.
_LEAVING_REASON_HEADERS = ("Leaving Reason", "Reason for Leaving", "Termination Reason", "Leaver Reason")


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
    "leaving_reason": _LEAVING_REASON_HEADERS,
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
    "leaving_reason": "leaving reason",
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
        day), ``fte`` (NA when the file has no FTE column) and ``leaving_reason`` (text; NA when blank or
        when the file has no leaving-reason column).
    absence
        ``None`` without an absence file; otherwise one row per episode and assignment it was attributed
        to: ``row`` (spreadsheet row of the episode), ``organisation``, ``directorate``, ``team``,
        ``staff_group``, ``job_role``, ``assignment_category`` (those of the assignment), ``start_day``,
        ``end_day`` and ``fte_days_lost`` (that assignment's share). Overlapping episodes of one person are
        merged first (:mod:`analytics.hr.overlaps`): a row is then a kept piece of an episode (its
        ``start_day`` to ``end_day``), so every calendar day of a person is lost once.
    file_name, absence_file_name
        The files read, for messages.
    has_directorate, has_staff_group, has_fte, has_job_role, has_assignment_category, has_leaving_reason
        Whether the staff file had those columns.
    coverage_start, coverage_end
        The dates the data covers (see :func:`load_staff`).
    notes
        What the reader decided, in plain words (including the finding below, when there is one).
    absence_overlaps
        The data-quality finding about overlapping absence episodes (:class:`AbsenceOverlaps`), or None.
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
    absence_overlaps: AbsenceOverlaps | None = None
    has_leaving_reason: bool = False
    # Private: the employee / assignment numbers behind the codes, needed only to link an absence file.
    _employee_codes: pd.Index | None = field(default=None, repr=False)
    _assignment_codes: pd.Index | None = field(default=None, repr=False)
    _employee_code_of_row: np.ndarray | None = field(default=None, repr=False)
    _assignment_code_of_row: np.ndarray | None = field(default=None, repr=False)
    #: The user's confirmed survey-to-HR unit pairs (:func:`analytics.unit_matching.read_unit_map`), or None.
    unit_map: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    #: How leavers are counted when :func:`analytics.hr.hr_metrics` is not told (an
    #: :class:`analytics.hr.LeaverDefinition`, the user's choice on the Data page); None: the default.
    leaver_definition: object = None


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
    #: The user's confirmed survey-to-HR unit pairs (:func:`analytics.unit_matching.read_unit_map`), or None.
    unit_map: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    #: How leavers are counted when :func:`analytics.hr.hr_metrics` is not told (an
    #: :class:`analytics.hr.LeaverDefinition`, the user's choice on the Data page); None: the default.
    leaver_definition: object = None


HRRecords = Union[StaffRecords, TeamMonthRecords]
