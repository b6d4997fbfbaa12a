"""Joining survey results to HR outcomes, one row per unit, for a survey wave and a window.

Survey results and HR records cannot be joined per person (the survey is anonymous), so relationships
are at unit level (domain.md §4): one row per team (or directorate), its survey scores at wave *t* next
to its HR outcomes over a window defined from the survey's date.

The window of a wave is :func:`analytics.wave_window.wave_window` (concurrent, lagged or previous 12
months, cut to the HR period), the one every page, the board pack and the CLI use.

Teams are matched between the survey and the HR files on directorate and team, case-, space- and
punctuation-insensitively, never on a team name alone where it could be wrong
(:func:`analytics.unit_matching.match_units`; directorates on their name alone); the user's confirmed unit
map joins the others. Unmatched and ambiguous units are listed in the notes and left out.
Suppressed survey units never enter (their scores are empty already and they are dropped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import pandas as pd

from analytics import settings
from analytics.hr import HRExclusions, HRRecords
from analytics.wave_window import WINDOW_CONCURRENT, HRWindow, HRWindowUnavailable, wave_window, window_metrics, window_within
from analytics.unit_matching import (STATUS_MAPPED, UNIT_MAP_COLUMNS, attention_note, joined_pairs,
                                     match_units)

#: HR columns carried into the joined table.
OUTCOME_COLUMNS = ("staff_start", "staff_end", "leavers", "leaver_rate", "stability_index", "fte_days_lost",
                   "fte_days_available", "sickness_rate")


@dataclass
class UnitOutcomes:
    """Survey scores and HR outcomes side by side, one row per unit shown in the survey results.

    ``frame`` columns: ``level, unit, parent, responses`` (respondents in the unit), one column per
    measure id (the unit mean, 0–10), then :data:`OUTCOME_COLUMNS` and ``mean_staff`` (the mean of
    staff_start and staff_end, the leaver rate's denominator). ``window_start`` / ``window_end`` are the
    window actually used; ``notes`` say what was clipped or not matched.
    """

    frame: pd.DataFrame
    wave: str
    level: str
    window_kind: str
    window_start: pd.Timestamp | None
    window_end: pd.Timestamp | None
    notes: list[str] = field(default_factory=list)
    #: The HR window used (None without HR records).
    window: HRWindow | None = None

    @property
    def n_units(self) -> int:
        return int(len(self.frame))

    @property
    def window_text(self) -> str:
        if self.window is not None:
            return self.window.short_text
        if self.window_start is None:
            return "no HR window"
        return f"{self.window_start:%d %b %Y} to {self.window_end:%d %b %Y}"


def _join_matched(survey: pd.DataFrame, hr: pd.DataFrame, level: str,
                  unit_map: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    """Survey rows joined to the HR rows of their matched or mapped unit (:func:`match_units`), and notes.

    Teams are matched on (directorate, team), with ``parent`` as the directorate; directorates on their
    name alone (their parent is the organisation, named differently in the two sources)."""
    def units(table: pd.DataFrame) -> pd.DataFrame:
        directorate = table["parent"] if level == settings.LEVEL_TEAM else pd.Series("", index=table.index)
        return pd.DataFrame({"directorate": directorate.astype(object).where(directorate.notna(), "").astype(str),
                             "team": table["unit"].astype(str)}, index=table.index)

    matches = match_units(units(survey), units(hr), unit_map)
    pairs = joined_pairs(matches)
    s_units, h_units = units(survey), units(hr)
    left = survey.assign(_sd=s_units["directorate"], _st=s_units["team"])
    carried = [*OUTCOME_COLUMNS, *(["suppressed"] if "suppressed" in hr.columns else [])]
    right = hr.assign(_hd=h_units["directorate"], _ht=h_units["team"])[["_hd", "_ht", *carried]]
    frame = (left.merge(pairs, left_on=["_sd", "_st"], right_on=["survey_directorate", "survey_team"])
             .merge(right, left_on=["hr_directorate", "hr_team"], right_on=["_hd", "_ht"]))
    frame = frame.drop(columns=["_sd", "_st", "_hd", "_ht", *UNIT_MAP_COLUMNS]).reset_index(drop=True)
    how = "directorate and team" if level == settings.LEVEL_TEAM else "name"
    notes = [f"Survey and HR {level}s were matched on {how}"
             + (f" ({int((matches['status'] == STATUS_MAPPED).sum())} by the confirmed unit map)."
                if (matches["status"] == STATUS_MAPPED).any() else ".")]
    notes += attention_note(matches, level)
    unjoined_hr = len(h_units.drop_duplicates()) - len(pairs)
    if unjoined_hr > 0:
        notes.append(f"{unjoined_hr} {level}s in the HR data are not among the survey's shown {level}s "
                     "(no survey results, fewer responses than the anonymity threshold, or not matched).")
    return frame, notes


def survey_measure_table(unit_scores: pd.DataFrame, *, wave: str, level: str = settings.LEVEL_TEAM,
                         measures: Iterable[str] | None = None) -> pd.DataFrame:
    """Shown units of one wave and level, one row each: ``level, unit, parent, responses`` + measure means.

    ``responses`` is the largest measure n of the unit (respondents with at least one score). Suppressed
    units are left out.
    """
    table = unit_scores[(unit_scores["wave"].astype(str) == str(wave)) & (unit_scores["level"] == level)
                        & ~unit_scores["suppressed"].astype(bool)]
    if measures is not None:
        table = table[table["measure"].isin(list(measures))]
    if table.empty:
        return pd.DataFrame(columns=["level", "unit", "parent", "responses"])
    table = table.assign(parent=table["parent"].astype(object).where(table["parent"].notna(), ""))
    wide = table.pivot(index=["unit", "parent"], columns="measure", values="mean").astype(float)
    responses = table.groupby(["unit", "parent"], sort=False)["n"].max().rename("responses")
    out = wide.join(responses).reset_index()
    out.columns.name = None
    out.insert(0, "level", level)
    return out[["level", "unit", "parent", "responses", *[c for c in wide.columns]]]


def unit_outcomes(unit_scores: pd.DataFrame, records: HRRecords | None, *, wave: str,
                  window_kind: str = WINDOW_CONCURRENT, level: str = settings.LEVEL_TEAM,
                  exclusions: HRExclusions = HRExclusions(), survey_dates: dict[str, object] | None = None,
                  window: tuple[object, object] | None = None, min_group_size: int | None = None,
                  unit_map: pd.DataFrame | None = None) -> UnitOutcomes:
    """Survey scores of the shown units of ``wave`` at ``level``, joined to their HR outcomes.

    Parameters
    ----------
    unit_scores
        The anonymised unit table (:func:`analytics.survey.scoring.unit_scores`).
    records
        HR records, or None (the result then has survey columns only).
    window_kind
        ``"concurrent"``, ``"lagged"`` or ``"previous"`` (:func:`analytics.wave_window.wave_window`);
        ``window=(start, end)`` overrides it. Either is cut to the HR period.
    exclusions
        Passed to :func:`analytics.hr.hr_metrics` (:class:`analytics.hr.HRExclusions`).
    min_group_size
        k: teams with fewer than k staff in post have no HR figures
        (:func:`analytics.hr.privacy.suppress_small_hr_units`) and are left out, with a note.
    unit_map
        The user's confirmed survey-to-HR unit pairs (:func:`analytics.unit_matching.read_unit_map`);
        None takes the one the records carry (``records.unit_map``, from the dataset spec or ``--unit-map``).

    Returns
    -------
    UnitOutcomes
        Units present in both sources, joined on the matched and mapped pairs of
        :func:`analytics.unit_matching.match_units` (directorate and team); the notes list the others.
    """
    survey = survey_measure_table(unit_scores, wave=wave, level=level)
    notes: list[str] = []
    not_recorded = survey["unit"] == settings.NOT_RECORDED_UNIT
    if not_recorded.any():
        # Respondents who left their team blank are not the HR file's unassigned staff: never join them.
        survey = survey[~not_recorded]
        notes.append(f"Respondents who did not record their {level} ('{settings.NOT_RECORDED_UNIT}') are left out.")
    if records is None:
        return UnitOutcomes(frame=survey, wave=str(wave), level=level, window_kind=window_kind,
                            window_start=None, window_end=None, notes=["No HR data: survey measures only."])
    if window is not None:
        hr_window = window_within(records, window[0], window[1], wave=str(wave), kind=window_kind)
    else:
        hr_window = wave_window(records, str(wave), window_kind, date=(survey_dates or {}).get(str(wave)))
    if not hr_window.available:
        raise HRWindowUnavailable(hr_window.reason + " Choose another wave or window, or add HR data for those "
                                  "months.")
    if hr_window.is_short:
        notes.append(f"HR window: {hr_window.text}. Rates over a shorter window are not annual rates.")
    first, last = hr_window.start, hr_window.end
    hr = window_metrics(records, hr_window, exclusions=exclusions, levels=(level,), min_group_size=min_group_size)
    hr = hr[hr["level"] == level]
    frame, join_notes = _join_matched(survey, hr, level,
                                      unit_map if unit_map is not None else getattr(records, "unit_map", None))
    notes += join_notes
    if "suppressed" in frame.columns:
        # Matched, but too few staff in post for HR figures: left out after matching, so not "unmatched".
        small = frame["suppressed"].fillna(False).astype(bool)
        if small.any():
            notes.append(hr.attrs["hr_suppression"].replace(" unit(s) hidden.", "") + f" {int(small.sum())} "
                         f"surveyed {level}(s) are left out here for that reason.")
        frame = frame[~small].drop(columns="suppressed").reset_index(drop=True)
    frame["mean_staff"] = (frame["staff_start"].astype("Float64") + frame["staff_end"].astype("Float64")) / 2
    if exclusions.staff_groups:
        notes.append("Excluded from HR figures: " + ", ".join(exclusions.staff_groups) + ".")
    return UnitOutcomes(frame=frame, wave=str(wave), level=level, window_kind=window_kind, window_start=first,
                        window_end=last, notes=notes, window=hr_window)
