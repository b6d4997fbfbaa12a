"""Loading HR files: the ESR-style staff file, the absence file linked to it, or team-month figures;
employee numbers become anonymous codes as they are read."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.hr.cells import (
    _check_fte, _clean_ids, _clean_text, _find_columns, _unit_names, _parse_dates, _parse_months, _parse_numbers, _refuse_rows,
    _require_columns, _require_rows, _where)
from analytics.hr.overlaps import merge_episodes
from analytics.hr.records import (
    ABSENCE_HEADERS, MAX_FTE, HRRecords, ROLE_LABELS, STAFF_HEADERS, StaffRecords, TEAM_MONTH_HEADERS, TeamMonthRecords,
    _OPEN_DAY, _PERSON_COLUMNS, _UNIT_COLUMNS)
from analytics.hr.period import infer_period, set_period
from analytics.hr.windows import _day_to_timestamp, _month_last_day, _month_start_timestamps, _timestamp_to_day
from analytics.ingest.raw import RawTable


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
        ``coverage_start`` / ``coverage_end``: the HR period, inferred from the whole file
        (:func:`analytics.hr.period.infer_period`: whole months, outlying dates and planned leavers left
        out); the notes say how, and list planned leavers. :func:`analytics.hr.period.set_period` sets
        another.

    Notes
    -----
    Required columns: team, start date, termination date. Optional: employee number, assignment number,
    directorate (without one the directorate level is not reported), staff group, job role and
    assignment category (needed to exclude staff by them; see :func:`apply_exclusions`), FTE (needed for
    sickness rates), leaving reason (for the voluntary resignation rate). Blank team or directorate cells are reported as
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

    team, merged_names = _unit_names(frame[found["team"]], "team")
    has_directorate = "directorate" in found
    directorate = pd.Series(settings.NOT_RECORDED_UNIT, index=frame.index)
    if has_directorate:
        directorate, merged_directorates = _unit_names(frame[found["directorate"]], "directorate")
        merged_names += merged_directorates

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
        "leaving_reason": optional_text("leaving_reason").to_numpy(),
    })
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
    notes.extend(_found_notes(found, ("leaving_reason",)))
    if "fte" not in found:
        notes.append("No FTE column: FTE days available and sickness rates cannot be worked out.")
    if employee_codes is None and assignment_codes is None:
        notes.append("No employee or assignment number: each row is counted as one person.")
    notes += merged_names
    unset = pd.Timestamp("NaT")
    return set_period(StaffRecords(
        assignments=assignments, absence=None, file_name=raw.file_name, absence_file_name=None,
        has_directorate=has_directorate, has_staff_group=has_staff_group, has_fte="fte" in found,
        coverage_start=unset, coverage_end=unset,
        notes=tuple(notes), has_job_role="job_role" in found,
        has_assignment_category="assignment_category" in found, has_leaving_reason="leaving_reason" in found,
        _employee_codes=employee_index, _assignment_codes=assignment_index,
        _employee_code_of_row=employee_codes, _assignment_code_of_row=assignment_codes,
    ))


def _found_notes(found: dict[str, str], roles: tuple[str, ...]) -> list[str]:
    """"<Role> from column '<header>'." for each of ``roles`` the file has."""
    return [f"{ROLE_LABELS[r][:1].upper()}{ROLE_LABELS[r][1:]} from column '{found[r]}'." for r in roles if r in found]


def _absence_link(raw: RawTable, found: dict[str, str], staff: StaffRecords) -> tuple[str, np.ndarray, pd.Index]:
    """How absence episodes link to staff: by employee number when both files have it, else by assignment
    number. Returns the link role, each staff row's code and the index of codes; refused without a shared
    column."""
    if "employee" in found and staff._employee_codes is not None:
        return "employee", staff._employee_code_of_row, staff._employee_codes
    if "assignment" in found and staff._assignment_codes is not None:
        return "assignment", staff._assignment_code_of_row, staff._assignment_codes
    raise InputError(
        "The absence file and the staff file need a shared 'Employee Number' (or 'Assignment Number') "
        f"column to link episodes to staff. Headers found: {', '.join(repr(c) for c in raw.columns)}.",
        **_where(raw))


def _optional_days(raw: RawTable, found: dict[str, str], role: str, what: str) -> np.ndarray:
    """An optional column of days (FTE or calendar days lost) as numbers, NaN where blank or absent;
    a negative value is refused with its row."""
    if role not in found:
        return np.full(len(raw.frame), np.nan)
    values = _parse_numbers(raw, found[role], what=what)
    _refuse_rows(raw, found[role], values < 0, f"{what[:1].upper() + what[1:]} {{value}} is negative.")
    return values


def _nearest_assignments(staff: StaffRecords, key: np.ndarray, start_day: np.ndarray,
                         staff_codes: np.ndarray) -> pd.DataFrame:
    """Each episode's candidate assignments of the same person (``episode``, ``assignment``, ``fte``): those
    nearest in days to the episode's first day (0 when it falls within them)."""
    episodes = pd.DataFrame({"episode": np.arange(len(key)), "key": key, "ep_start": start_day})
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
    return pairs


def _outside_employment(pairs: pd.DataFrame, n: int) -> np.ndarray:
    """Episodes (by position) whose first day falls in none of the person's assignments."""
    nearest = pairs.groupby("episode")["distance"].min()
    outside = np.zeros(n, dtype=bool)
    outside[nearest.index.to_numpy()] = nearest.to_numpy() > 0
    return outside


def _rows_text(rows: np.ndarray, shown: int = 20) -> str:
    text = ", ".join(str(int(r)) for r in rows[:shown])
    return text + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


def _episode_days_lost(pairs: pd.DataFrame, n: int, lost_given: np.ndarray, calendar_days: np.ndarray,
                       episode_fte: np.ndarray, has_fte: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each episode's FTE days lost (the given figure, else FTE x calendar days, the FTE being the absence
    file's own or the sum over the person's nearest assignments), and each pair's share of it (in
    proportion to the assignments' FTE; equal shares when they are all 0 FTE)."""
    grouped = pairs.groupby("episode")
    fte_total = grouped["fte"].transform("sum").to_numpy()   # NaN only if every FTE is NaN
    count = grouped["fte"].transform("size").to_numpy()
    fte = pairs["fte"].to_numpy()
    weight = np.where(np.nan_to_num(fte_total) > 0, np.nan_to_num(fte) / np.where(fte_total > 0, fte_total, 1),
                      1.0 / count)
    staff_fte = np.full(n, np.nan)
    staff_fte[pairs["episode"].to_numpy()] = fte_total if has_fte else np.nan
    basis = np.where(np.isnan(episode_fte), staff_fte, episode_fte)
    lost = np.where(np.isnan(lost_given), basis * calendar_days, lost_given)
    return lost, weight


def _absence_table(a: pd.DataFrame, pairs: pd.DataFrame, weight: np.ndarray, pieces: pd.DataFrame,
                   lost: np.ndarray, start_day: np.ndarray, end_day: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    """:attr:`StaffRecords.absence`: one row per kept piece of an episode (:func:`merge_episodes`) and
    assignment the episode is attributed to, with that assignment's share of the piece's FTE days lost."""
    episode = pieces["episode"].to_numpy()
    piece_days = pieces["end_day"].to_numpy() - pieces["start_day"].to_numpy() + 1
    span = end_day[episode] - start_day[episode] + 1
    piece_lost = np.where(pieces["whole"].to_numpy(), lost[episode], lost[episode] / span * piece_days)
    shares = pd.DataFrame({"episode": pairs["episode"].to_numpy(), "assignment": pairs["assignment"].to_numpy(),
                           "weight": weight})
    joined = pieces.assign(_lost=piece_lost, _order=np.arange(len(pieces))).merge(shares, on="episode")
    joined = joined.sort_values(["_order", "assignment"], kind="stable")
    assignment = joined["assignment"].to_numpy()
    return pd.DataFrame({
        "row": rows[joined["episode"].to_numpy()],
        **{c: a[c].to_numpy()[assignment] for c in _UNIT_COLUMNS + _PERSON_COLUMNS},
        "start_day": joined["start_day"].to_numpy(),
        "end_day": joined["end_day"].to_numpy(),
        "fte_days_lost": joined["_lost"].to_numpy() * joined["weight"].to_numpy(),
    })


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
    * A blank end date means the episode is still open: it runs to the end of the HR period inferred
      with the absence dates (:func:`analytics.hr.period.infer_period`), and a note says how many there
      were.
    * Episodes crossing a window's edge are prorated by calendar days (see the module docstring).
    * Overlapping episodes of one person (by the linking number: the same episode listed once per
      assignment, an episode inside another, or two that share some days) are merged, never refused:
      each calendar day is lost once, at the largest FTE days lost per day of the episodes listing it
      (:mod:`analytics.hr.overlaps`). ``absence`` then holds the kept pieces of the episodes, and the
      finding (how many episodes, people and double-listed days, and the rows) is
      :attr:`StaffRecords.absence_overlaps` and is added to the notes.

    Raises
    ------
    InputError
        No data rows; a required column missing; no shared employee or assignment number; a blank or
        unknown employee; an unreadable date; an end before the start; negative FTE days lost; an FTE
        negative or above :data:`MAX_FTE`; FTE days lost that cannot be worked out because there is no FTE.
    """
    _require_rows(raw, "absence file")
    found = _find_columns(raw, ABSENCE_HEADERS)
    link, staff_codes, staff_index = _absence_link(raw, found, staff)
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
    coverage_end = _timestamp_to_day(infer_period(staff, absence_starts=start_day).end)
    end_day = np.where(open_episode, np.maximum(coverage_end, start_day), end.astype(np.int64))
    lost_given = _optional_days(raw, found, "fte_days_lost", "FTE days lost")
    calendar_days = _optional_days(raw, found, "calendar_days_lost", "calendar days lost")
    calendar_days = np.where(np.isnan(calendar_days), end_day - start_day + 1, calendar_days)
    episode_fte = np.full(len(frame), np.nan)
    if "fte" in found:
        episode_fte = _parse_numbers(raw, found["fte"], what="FTE")
        _check_fte(raw, found["fte"], episode_fte, allow_blank=True)
    need_fte = np.isnan(lost_given) & np.isnan(episode_fte)
    if not staff.has_fte and need_fte.any():
        column = found.get("fte_days_lost", found["start_date"])
        _refuse_rows(raw, column, need_fte,
                     "FTE days lost are not given for this episode and cannot be worked out, because neither "
                     "the staff file nor the absence file has an FTE column. Add an 'FTE Days Lost' or an "
                     "'FTE' column.")

    if "fte_days_lost" in found:
        _refuse_rows(raw, found["fte_days_lost"], lost_given > MAX_FTE * (end_day - start_day + 1) + 1e-9,
                     "FTE days lost {value} is more than this episode's calendar days allow (at most "
                     f"{MAX_FTE:g} FTE a day). Check the figure and the episode's dates (a decimal comma read "
                     "as a thousands separator gives such numbers).")
    rows = frame.index.to_numpy(dtype=np.int64)
    pairs = _nearest_assignments(staff, key, start_day, staff_codes)
    outside = _outside_employment(pairs, len(frame))
    outside_note = ""
    if outside.any():
        # Absence when the person holds no assignment: not lost working time of any team; left out.
        outside_note = (f"{int(outside.sum())} absence episode(s) start when the person is not in post (before "
                        "their first start date or after their termination): left out of sickness figures (rows "
                        + _rows_text(rows[outside]) + f" of '{raw.file_name}').")
        keep = np.flatnonzero(~outside)
        key, start_day, end_day, rows = key[keep], start_day[keep], end_day[keep], rows[keep]
        lost_given, calendar_days, episode_fte = lost_given[keep], calendar_days[keep], episode_fte[keep]
        open_episode = open_episode[keep]
        pairs = _nearest_assignments(staff, key, start_day, staff_codes)
    lost, weight = _episode_days_lost(pairs, len(key), lost_given, calendar_days, episode_fte, staff.has_fte)
    pieces, overlaps = merge_episodes(key, start_day, end_day, lost / (end_day - start_day + 1), rows,
                                      raw.file_name)
    absence = _absence_table(staff.assignments, pairs, weight, pieces, lost, start_day, end_day, rows)

    notes = list(staff.notes) + [f"Absence linked to staff by {ROLE_LABELS[link]} (column '{link_column}')."]
    if open_episode.any():
        notes.append(f"{int(open_episode.sum())} absence episode(s) with no end date counted as ongoing until "
                     f"{_day_to_timestamp(coverage_end):%d/%m/%Y}, the end of the HR period.")
    computed_rows = int(np.isnan(lost_given).sum())
    if computed_rows:
        notes.append(f"FTE days lost worked out as FTE x calendar days for {computed_rows} episode(s).")
    if overlaps is not None:
        notes.append(overlaps.text)
    if outside_note:
        notes.append(outside_note)
    return set_period(dataclasses.replace(staff, absence=absence, absence_file_name=raw.file_name,
                                          notes=tuple(notes), absence_overlaps=overlaps))


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
    if "fte_days_lost" in found:
        # A sickness rate above 100%: more days lost than were available (a decimal comma misread, or swapped
        # columns).
        _refuse_rows(raw, found["fte_days_lost"], days["fte_days_lost"] > days["fte_days_available"] + 1e-9,
                     "FTE days lost {value} is more than the FTE days available in the same row, a sickness rate "
                     "over 100%. Check the two figures (and whether a decimal comma was read as a thousands "
                     "separator).")
    has_directorate = "directorate" in found
    has_staff_group = "staff_group" in found
    teams, merged_names = _unit_names(frame[found["team"]], "team")
    directorates = settings.NOT_RECORDED_UNIT
    if has_directorate:
        directorates, merged_directorates = _unit_names(frame[found["directorate"]], "directorate")
        directorates = directorates.to_numpy()
        merged_names += merged_directorates
    table = pd.DataFrame({
        "row": frame.index.to_numpy(dtype=np.int64),
        "organisation": settings.ORGANISATION_UNIT,
        "directorate": directorates,
        "team": teams.to_numpy(),
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
    notes += merged_names
    return TeamMonthRecords(
        table=table[["row", *_UNIT_COLUMNS, "month", "month_index", "staff_start", "staff_end", "leavers",
                     "fte_days_lost", "fte_days_available"]],
        file_name=raw.file_name, has_directorate=has_directorate, has_staff_group=has_staff_group,
        coverage_start=_month_start_timestamps(np.array([first_month]))[0],
        coverage_end=_day_to_timestamp(int(_month_last_day(np.array([last_month]))[0])),
        notes=tuple(notes),
    )


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
