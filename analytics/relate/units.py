"""The shown units of a wave joined to their HR outcomes and staff mix (:func:`wave_units`): the costly part
of a relationship analysis, made once per wave, window and level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.hr import HRExclusions, HRRecords, StaffRecords, TeamMonthRecords, apply_exclusions
from analytics.ingest.codebook import load_codebook, normalise_label
from analytics.outcomes import UnitOutcomes, unit_outcomes
from analytics.wave_window import WINDOW_CONCURRENT, check_window_kind
from analytics.relate.common import (
    COVARIATE_PCT_REGISTERED_NURSING, DEFAULT_MEASURES, HR_OUTCOMES, IMPLAUSIBLE_LEAVER_RATE,
    REGISTERED_NURSING_GROUPS, STAFF_MIX_BANDS, _day, _match_key)
from analytics.survey.pipeline import SurveyResults


def staff_mix_band(pct_registered_nursing: float) -> str | None:
    """The band of a share of registered nursing staff (:data:`STAFF_MIX_BANDS`); None when missing.

    >>> staff_mix_band(56.0), staff_mix_band(20.0), staff_mix_band(0.0)
    ('50% or more registered nursing', '20% to under 50% registered nursing', 'under 20% registered nursing')
    """
    if pct_registered_nursing is None or not np.isfinite(pct_registered_nursing):
        return None
    for lower, label in STAFF_MIX_BANDS:
        if pct_registered_nursing >= lower:
            return label
    return None


def staff_mix(records: HRRecords, *, start: object, end: object, level: str = settings.LEVEL_TEAM) -> pd.DataFrame:
    """Staff-group mix per unit over a window: share of registered nursing staff and the largest group.

    Parameters
    ----------
    records
        Employee-level or team-month HR records with a staff group column (after any exclusions,
        :func:`analytics.hr.apply_exclusions`).
    start, end
        The window's first and last day (both included).
    level
        ``"team"`` or ``"directorate"``.

    Returns
    -------
    pandas.DataFrame
        One row per unit with staff in post: ``key`` (the unit name normalised as
        :mod:`analytics.outcomes` matches names), ``unit``, ``pct_registered_nursing`` =
        100 × (registered nursing headcount at the start + at the end) ÷ (all headcount at the start + at
        the end), ``staff_mix_band`` (its band, :data:`STAFF_MIX_BANDS`) and ``main_staff_group``, the
        staff group with the largest such headcount (ties: first in alphabetical order). Empty when the
        records have no staff group column.

    Notes
    -----
    Headcount counts people in post on the window's first and last day (employee level: start ≤ day ≤
    termination date; a person with several rows in one unit and group counts once); team-month
    records use staff in post at the start of the first month and at the end of the last. Registered
    nursing staff are the staff groups in :data:`REGISTERED_NURSING_GROUPS`.
    """
    if level not in (settings.LEVEL_TEAM, settings.LEVEL_DIRECTORATE):
        raise InputError(f"Staff mix is worked out for teams or directorates, not '{level}'.")
    columns = ["key", "unit", COVARIATE_PCT_REGISTERED_NURSING, "staff_mix_band", "main_staff_group"]
    if not getattr(records, "has_staff_group", False):
        return pd.DataFrame(columns=columns)
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if isinstance(records, StaffRecords):
        a = records.assignments
        a = a[a["staff_group"].notna()]
        parts = []
        for day in (_day(first), _day(last)):
            in_post = a[(a["start_day"] <= day) & (a["end_day"] >= day)]
            parts.append(in_post.drop_duplicates([level, "staff_group", "person"])[[level, "staff_group"]])
        heads = pd.concat(parts).groupby([level, "staff_group"]).size().rename("headcount").reset_index()
    elif isinstance(records, TeamMonthRecords):
        t = records.table[records.table["staff_group"].notna()]
        first_month = t[t["month"] == t.loc[t["month"] >= first.to_period("M").to_timestamp(), "month"].min()]
        last_month = t[t["month"] == t.loc[t["month"] <= last, "month"].max()]
        heads = pd.concat([first_month[[level, "staff_group", "staff_start"]].rename(columns={"staff_start": "h"}),
                           last_month[[level, "staff_group", "staff_end"]].rename(columns={"staff_end": "h"})])
        heads = heads.groupby([level, "staff_group"])["h"].sum().rename("headcount").reset_index()
    else:  # pragma: no cover - HRRecords is one of the two
        raise InputError("Unknown HR records.")
    heads = heads[heads["headcount"] > 0]
    if heads.empty:
        return pd.DataFrame(columns=columns)
    nursing = {normalise_label(g) for g in REGISTERED_NURSING_GROUPS}
    heads["nursing"] = np.where(heads["staff_group"].map(normalise_label).isin(nursing), heads["headcount"], 0)
    totals = heads.groupby(level).agg(all=("headcount", "sum"), nursing=("nursing", "sum"))
    main = (heads.sort_values([level, "headcount", "staff_group"], ascending=[True, False, True])
            .drop_duplicates(level).set_index(level)["staff_group"])
    out = pd.DataFrame({
        "unit": totals.index.astype(str),
        COVARIATE_PCT_REGISTERED_NURSING: (100 * totals["nursing"] / totals["all"]).to_numpy(dtype=float),
        "main_staff_group": main.reindex(totals.index).astype(str).to_numpy(),
    })
    out["staff_mix_band"] = out[COVARIATE_PCT_REGISTERED_NURSING].map(staff_mix_band)
    out.insert(0, "key", out["unit"].map(_match_key))
    # Two HR units with the same normalised name cannot be told apart: keep neither's mix.
    return out[~out["key"].duplicated(keep=False)][columns].reset_index(drop=True)


def _measure_columns(survey: SurveyResults) -> list[str]:
    present = set(survey.unit_scores["measure"].dropna().astype(str))
    book = survey.codebook or load_codebook()
    ordered = [m for m in book.measure_ids if m in present]
    return ordered + sorted(present - set(ordered))


def _default_measures(survey: SurveyResults) -> list[str]:
    """:data:`DEFAULT_MEASURES` that the survey results have."""
    present = set(_measure_columns(survey))
    return [m for m in DEFAULT_MEASURES if m in present]


def _check_choices(survey: SurveyResults, measures: Sequence[str], outcomes: Sequence[str],
                   has_hr: bool) -> None:
    available = _measure_columns(survey)
    for name in measures:
        if name not in available:
            raise InputError(f"There is no survey measure '{name}' in these results. Measures available: "
                             + ", ".join(available) + ".")
    for name in outcomes:
        if name in HR_OUTCOMES:
            if not has_hr:
                raise InputError(f"The outcome '{name}' needs HR data: add a staff file (or a team-month file).")
        elif name not in available:
            raise InputError(f"There is no outcome '{name}'. Choose an HR outcome ({', '.join(HR_OUTCOMES)}) or a "
                             "survey measure (" + ", ".join(available) + ").")


def _excluded(records: HRRecords | None, exclusions: HRExclusions) -> tuple[HRRecords | None, str]:
    """Records after the exclusions (:func:`analytics.hr.apply_exclusions`) and their text ("" for none)."""
    if records is None:
        if exclusions.any:
            raise InputError("Staff can only be excluded from HR figures when there is HR data.")
        return None, ""
    filtered, applied = apply_exclusions(records, exclusions)
    return filtered, applied.text() if applied.any else ""


@dataclass
class WaveUnits:
    """The shown units of one wave, whole organisation, joined to their HR outcomes and staff mix.

    This join (:func:`analytics.outcomes.unit_outcomes` and :func:`staff_mix`) is the costly part of a
    relationship analysis; it does not depend on the directorate, the measures, the outcomes or the
    statistics asked for, so a caller may make it once per wave, window and level (:func:`wave_units`)
    and pass it to :func:`relate_survey_hr` and :func:`relate_change` (``prepared=``).

    Attributes
    ----------
    frame
        One row per shown unit with a score (never "Not recorded"): ``wave``, then the columns of
        :attr:`RelateResult.units` (before any directorate filter).
    joined
        The :class:`~analytics.outcomes.UnitOutcomes` behind ``frame`` (its window and notes).
    notes
        What was left out, in plain words (the join's notes and the "Not recorded" unit).
    has_records
        Whether HR records were joined (False: survey columns only).
    """

    wave: str
    level: str
    window_kind: str
    frame: pd.DataFrame
    joined: UnitOutcomes
    notes: list[str]
    has_records: bool


def wave_units(survey: SurveyResults, records: HRRecords | None, *, wave: str,
               window_kind: str = WINDOW_CONCURRENT, level: str = settings.LEVEL_TEAM,
               survey_dates: dict[str, object] | None = None) -> WaveUnits:
    """Shown units of one wave (whole organisation) with HR outcomes over the window and staff mix.

    Parameters
    ----------
    survey
        Scored, anonymised survey results.
    records
        HR records **after** any exclusions (:func:`analytics.hr.apply_exclusions`), or None for survey
        columns only.
    wave, window_kind, level, survey_dates
        As in :func:`relate_survey_hr`.

    Returns
    -------
    WaveUnits
        Suppressed units are never in it (they have no score); "Not recorded" is left out with a note.
        Staff mix (``pct_registered_nursing``, ``staff_mix_band``, ``main_staff_group``) is matched by
        normalised unit name and empty when the records have no staff group.

    Raises
    ------
    InputError
        If the HR data do not cover any of the wave's window (from :func:`~analytics.outcomes.unit_outcomes`).
    """
    if level not in (settings.LEVEL_TEAM, settings.LEVEL_DIRECTORATE):
        raise InputError(f"Relationships are worked out between teams or between directorates, not '{level}'.")
    check_window_kind(window_kind)
    joined = unit_outcomes(survey.unit_scores, records, wave=str(wave), window_kind=window_kind, level=level,
                           survey_dates=survey_dates, min_group_size=int(survey.min_group_size))
    frame = joined.frame.copy()
    notes = list(joined.notes)
    not_recorded = frame["unit"].astype(str) == settings.NOT_RECORDED_UNIT
    if not_recorded.any():
        frame = frame[~not_recorded]
        notes.append(f"'{settings.NOT_RECORDED_UNIT}' (respondents with no {level} given) is not a {level} and "
                     "is left out.")
    if records is not None and joined.window_start is not None:
        mix = staff_mix(records, start=joined.window_start, end=joined.window_end, level=level)
        if not mix.empty:
            frame = frame.assign(_key=frame["unit"].map(_match_key)).merge(
                mix.drop(columns="unit"), left_on="_key", right_on="key", how="left").drop(columns=["_key", "key"])
    for column in (COVARIATE_PCT_REGISTERED_NURSING, "staff_mix_band", "main_staff_group"):
        if column not in frame.columns:
            frame[column] = np.nan if column == COVARIATE_PCT_REGISTERED_NURSING else None
    frame.insert(0, "wave", str(wave))
    return WaveUnits(wave=str(wave), level=level, window_kind=window_kind, frame=frame.reset_index(drop=True),
                     joined=joined, notes=notes, has_records=records is not None)


def _prepared_for(prepared: Sequence[WaveUnits] | None, wave: str, *, window_kind: str, level: str,
              has_records: bool) -> WaveUnits | None:
    """The caller's :class:`WaveUnits` of ``wave``, checked against the analysis asked for; None if not given."""
    for found in prepared or ():
        if found.wave != str(wave):
            continue
        if (found.window_kind, found.level, found.has_records) != (window_kind, level, has_records):
            raise InputError(f"The prepared units of wave {wave} were made for the {found.window_kind} window at "
                             f"{found.level} level{'' if found.has_records else ' without HR data'}; this analysis "
                             f"needs the {window_kind} window at {level} level"
                             f"{'' if has_records else ' without HR data'}.")
        return found
    return None


def _unit_frame(survey: SurveyResults, records: HRRecords | None, wave: str, *, window_kind: str, level: str,
                directorate: str | None, survey_dates: dict[str, object] | None,
                prepared: Sequence[WaveUnits] | None = None) -> tuple[pd.DataFrame, UnitOutcomes, list[str]]:
    """Shown units of one wave with HR outcomes and staff mix; the notes say what was left out.
    ``records`` are already filtered by the exclusions; ``prepared`` may hold the wave's join already made."""
    base = _prepared_for(prepared, wave, window_kind=window_kind, level=level, has_records=records is not None)
    if base is None:
        base = wave_units(survey, records, wave=wave, window_kind=window_kind, level=level,
                          survey_dates=survey_dates)
    frame, joined, notes = base.frame, base.joined, list(base.notes)
    if directorate is not None:
        if level == settings.LEVEL_TEAM:
            frame = frame[frame["parent"].astype(str) == str(directorate)]
            notes.append(f"Teams of the directorate '{directorate}' only.")
        else:
            notes.append(f"The directorate filter ('{directorate}') does not apply at {level} level.")
    if base.has_records and joined.window_start is not None:
        high = pd.to_numeric(frame["leaver_rate"], errors="coerce").astype(float) > IMPLAUSIBLE_LEAVER_RATE
        if high.any():
            top = pd.to_numeric(frame.loc[high, "leaver_rate"]).astype(float).max()
            notes.append(f"{int(high.sum())} {level}(s) have a leaver rate above {IMPLAUSIBLE_LEAVER_RATE:.0f}% "
                         f"(highest {top:.0f}%). Staff on rotation, such as doctors in training, inflate leaver "
                         "rates: exclude them (doctors in training, by job role) before reading leaver "
                         "associations.")
    return frame.copy().reset_index(drop=True), joined, notes
