"""Leaver rate, stability index and sickness absence rate per unit over one window (:func:`hr_metrics`)."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.hr.exclusions import HRExclusions, _record_exclusions, apply_exclusions
from analytics.hr.leavers import LeaverDefinition, leaver_rates, unit_leavers
from analytics.hr.monthly import _team_month_monthly
from analytics.hr.records import HRRecords, HR_METRIC_COLUMNS, StaffRecords, TeamMonthRecords, _KEYS
from analytics.hr.spells import _overlap_days, _spells, _unit_frame
from analytics.hr.windows import _month_of_day, _timestamp_to_day, resolve_window


def _levels(levels: Iterable[str], has_directorate: bool) -> list[str]:
    chosen = []
    for level in levels:
        if level not in _KEYS:
            raise InputError(f"Unknown level '{level}'; use one of {', '.join(settings.LEVELS)}.")
        if level == settings.LEVEL_DIRECTORATE and not has_directorate:
            continue
        chosen.append(level)
    return [lvl for lvl in settings.LEVELS if lvl in chosen]


def _employee_window_counts(records: StaffRecords, first: int, last: int, levels: list[str],
                            definition: LeaverDefinition) -> pd.DataFrame:
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
        spells = spells.assign(staff_start=in_start, staff_end=(s <= last) & (e >= last),
                               stayers=in_start & ~leaver)
        counts = spells.groupby(keys, sort=True)[["staff_start", "staff_end", "stayers"]].sum()
        fte = a.groupby(keys, sort=True).agg(fte_days_available=("fte_days_available", "sum"),
                                             _active=("_active", "any"))
        # leavers, their FTE and voluntary resignations as the definition counts them (analytics.hr.leavers)
        parts = [counts, fte, unit_leavers(a, keys, first, last, definition, records.has_leaving_reason)]
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
        if records.has_leaving_reason:
            sums["voluntary_leavers"] = sums["voluntary_leavers"].fillna(0)
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
            "voluntary_leavers": pd.NA,
            "fte_days_lost": grouped["fte_days_lost"].sum(skipna=False),
            "fte_days_available": grouped["fte_days_available"].sum(skipna=False),
            "_rows": grouped["_rows"].sum(),
        })
        sums = sums[sums["_rows"] > 0].drop(columns="_rows").reset_index()
        sums.insert(0, "level", level)
        frames.append(sums)
    return pd.concat(frames, ignore_index=True)


def _with_rates(counts: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp, definition: LeaverDefinition,
                label: str) -> pd.DataFrame:
    """Add the rates, from summed numerators and denominators; 0 denominators give NA."""
    out = counts.copy()
    for c in ("staff_start", "staff_end", "leavers", "stayers", "voluntary_leavers"):
        out[c] = pd.to_numeric(out[c]).astype("Int64")
    for c in ("fte_days_lost", "fte_days_available"):
        out[c] = pd.to_numeric(out[c]).astype("Float64")
    out["leaver_rate"], out["voluntary_resignation_rate"] = leaver_rates(out, definition)
    out["leaver_definition"] = label
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


def _check_definition(records: HRRecords, definition: LeaverDefinition) -> str:
    """The ``leaver_definition`` text; refuses what the records cannot give."""
    if isinstance(records, StaffRecords):
        if definition.basis == settings.LEAVER_BASIS_FTE and not records.has_fte:
            raise InputError("An FTE-based leaver rate needs an FTE column in the staff file; this file has none. "
                             "Use the headcount basis.", file=records.file_name)
        return definition.text
    if definition.method != settings.LEAVER_METHOD_SPELL or definition.basis != settings.LEAVER_BASIS_HEADCOUNT:
        raise InputError(f"The {definition.text} leaver rate cannot be worked out from team-month figures: they "
                         "hold headcounts of leavers, not people or FTE. Use the default definition (the file's "
                         "leavers, headcount) or an employee-level staff file.", file=records.file_name)
    return settings.LEAVER_DEFINITION_AS_GIVEN


def hr_metrics(records: HRRecords, *, start: object = None, end: object = None,
               exclusions: HRExclusions = HRExclusions(),
               levels: Iterable[str] = settings.LEVELS,
               definition: LeaverDefinition | str | None = None) -> pd.DataFrame:
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
    definition
        A :class:`~analytics.hr.leavers.LeaverDefinition` (or just its method, ``"spell"`` or
        ``"snapshot"``): how leavers are counted and whether the leaver rates are by headcount or FTE.
        Default: the records' own (``records.leaver_definition``, the user's choice), else spell-based,
        headcount. See :mod:`analytics.hr.leavers`.

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
        ``fte_days_available``, ``sickness_rate`` = 100 × fte_days_lost ÷ fte_days_available,
        ``voluntary_leavers`` (Int64 headcount of leavers whose leaving reason is a voluntary resignation;
        NA without a leaving-reason column or for team-month input), ``voluntary_resignation_rate`` =
        100 × voluntary_leavers ÷ ((staff_start + staff_end) / 2) and ``leaver_definition`` (the
        definition used in words, e.g. "spell-based, headcount"). ``leavers`` follow ``definition``; on the
        FTE basis ``leaver_rate`` and ``voluntary_resignation_rate`` divide FTE by mean FTE in post instead
        (the headcount columns stay headcounts). Rates are Float64 percentages at full precision; NA when
        the denominator is 0 or unknown.

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
        A bad window (see :func:`resolve_window`); an unknown leaver definition; the snapshot method or
        the FTE basis with team-month records, or the FTE basis without an FTE column; an exclusion refused by :func:`apply_exclusions`
        (unknown name, missing column, team-month records), nobody left after exclusions, nobody in post
        in the window.
    """
    first, last = resolve_window(records, start, end)
    definition = LeaverDefinition.of(definition if definition is not None else records.leaver_definition)
    label = _check_definition(records, definition)
    filtered, resolved = apply_exclusions(records, exclusions)
    chosen = _levels(levels, records.has_directorate)
    first_day, last_day = _timestamp_to_day(first), _timestamp_to_day(last)
    if isinstance(filtered, StaffRecords):
        counts = _employee_window_counts(filtered, first_day, last_day, chosen, definition)
    else:
        counts = _team_month_window_counts(filtered, first_day, last_day, chosen)
    if counts.empty:
        raise InputError(f"Nobody in the data was in post between {first:%d/%m/%Y} and {last:%d/%m/%Y}. Check "
                         "the window.", file=records.file_name)
    out = _sorted_units(_with_rates(counts, first, last, definition, label))
    out.attrs["window_start"] = first
    out.attrs["window_end"] = last
    out.attrs["leaver_definition"] = definition
    _record_exclusions(out, exclusions, resolved)
    return out
