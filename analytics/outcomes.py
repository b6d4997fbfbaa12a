"""Joining survey results to HR outcomes, one row per unit, for a survey wave and a window.

Survey results and HR records cannot be joined per person (the survey is anonymous), so relationships
are at unit level (domain.md §4): one row per team (or directorate), its survey scores at wave *t* next
to its HR outcomes over a window defined from the survey's date.

The window of a wave is :func:`analytics.wave_window.wave_window` (concurrent, lagged or previous 12
months, cut to the HR period), the one every page, the board pack and the CLI use.

Unit names are matched between the survey and the HR files case-, space- and punctuation-insensitively
(:func:`analytics.ingest.codebook.normalise_label`); units found in only one source are listed in the notes.
Suppressed survey units never enter (their scores are empty already and they are dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import pandas as pd

from analytics import settings
from analytics.ingest.codebook import normalise_label
from analytics.hr import HRExclusions, HRRecords
from analytics.wave_window import WINDOW_CONCURRENT, HRWindow, HRWindowUnavailable, wave_window, window_metrics, window_within

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


def _key(name: object) -> str:
    return re.sub(r"[^0-9a-z]+", " ", normalise_label(name)).strip()


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
                  window: tuple[object, object] | None = None, min_group_size: int | None = None) -> UnitOutcomes:
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

    Returns
    -------
    UnitOutcomes
        Units present in both sources (inner join on normalised names); the notes list the others.
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
    if min_group_size is not None and hr["suppressed"].any():
        notes.append(hr.attrs["hr_suppression"] + " They are left out here.")
        hr = hr[~hr["suppressed"]]
    hr = hr[hr["level"] == level]
    hr = hr.assign(_key=hr["unit"].map(_key))[["_key", *OUTCOME_COLUMNS]]
    joined = survey.assign(_key=survey["unit"].map(_key)).merge(hr, on="_key", how="left", indicator=True)
    unmatched_survey = joined.loc[joined["_merge"] == "left_only", "unit"].tolist()
    unmatched_hr = sorted(set(hr["_key"]) - set(joined["_key"]))
    if unmatched_survey:
        notes.append(f"{len(unmatched_survey)} surveyed {level}s have no HR records under the same name: "
                     + ", ".join(map(str, unmatched_survey[:10])) + (" …" if len(unmatched_survey) > 10 else ""))
    if unmatched_hr:
        notes.append(f"{len(unmatched_hr)} {level}s in the HR data are not among the survey's shown {level}s "
                     "(no survey results, or fewer responses than the anonymity threshold).")
    frame = joined[joined["_merge"] == "both"].drop(columns=["_key", "_merge"]).reset_index(drop=True)
    frame["mean_staff"] = (frame["staff_start"].astype("Float64") + frame["staff_end"].astype("Float64")) / 2
    if exclusions.staff_groups:
        notes.append("Excluded from HR figures: " + ", ".join(exclusions.staff_groups) + ".")
    return UnitOutcomes(frame=frame, wave=str(wave), level=level, window_kind=window_kind, window_start=first,
                        window_end=last, notes=notes, window=hr_window)
