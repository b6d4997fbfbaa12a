"""Team (or directorate) survey scores against HR outcomes, wave by wave (:func:`relate_survey_hr`), and the
change between two waves (:func:`relate_change`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analytics import settings, stats
from analytics.errors import InputError
from analytics.hr import HRExclusions, HRRecords
from analytics.outcomes import UnitOutcomes
from analytics.wave_window import HRWindowUnavailable, check_window_kind, WINDOW_CONCURRENT, WINDOW_LABELS
from analytics.relate.common import (
    BY_DIRECTORATE, BY_STAFF_MIX, COUNT_OUTCOMES, COVARIATES, COVARIATE_PCT_REGISTERED_NURSING, COVARIATE_TEAM_SIZE,
    DEFAULT_OUTCOMES, HR_OUTCOMES, RATE_RATIO_COLUMNS, RELATE_TABLE_COLUMNS, RelateResult, STRATIFY_COLUMNS,
    WEIGHT_RESPONSES, _match_key)
from analytics.relate.family import adjust_wave, describe_run
from analytics.relate.units import WaveUnits, _check_choices, _default_measures, _excluded, _unit_frame
from analytics.survey.pipeline import SurveyResults


def relate_survey_hr(
    survey: SurveyResults,
    records: HRRecords | None,
    *,
    waves: Sequence[str] | None = None,
    window_kind: str = WINDOW_CONCURRENT,
    measures: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    level: str = settings.LEVEL_TEAM,
    by: str | None = None,
    include_pooled: bool = False,
    weights: str | None = None,
    covariates: Sequence[str] = (),
    directorate: str | None = None,
    exclusions: HRExclusions = HRExclusions(),
    min_units: int = stats.MIN_UNITS,
    survey_dates: dict[str, object] | None = None,
    prepared: Sequence[WaveUnits] | None = None,
    count_models: bool = True,
) -> RelateResult:
    """Relate team (or directorate) survey scores to HR outcomes, wave by wave.

    Parameters
    ----------
    survey
        Scored, anonymised survey results (:func:`analytics.survey.pipeline.score_survey_files`).
    records
        HR records (:mod:`analytics.hr`), or None when only survey measures are related.
    waves
        Waves to analyse (default: every wave whose window the HR data covers, at least in part; waves
        it does not cover are skipped with a note). A wave named here that cannot be analysed is refused.
    window_kind
        ``"concurrent"`` (the 12 months around the survey) or ``"lagged"`` (the 12 months after it); see
        :mod:`analytics.outcomes`.
    measures
        Survey measures (x); default :data:`DEFAULT_MEASURES` that the survey has.
    outcomes
        Outcomes (y): HR rates of :data:`HR_OUTCOMES` and/or survey measures (e.g. ``"morale"``). Default
        :data:`DEFAULT_OUTCOMES`, less those the HR data cannot give (the stability index needs
        employee-level records, the sickness rate an absence file), with a note.
    level
        ``"team"`` or ``"directorate"``: the unit of analysis.
    by
        ``"directorate"`` (a team's directorate) or ``"staff_mix"`` (the unit's largest staff group in
        the HR data): one row per group, within each wave.
    include_pooled
        With ``by``, also give each pair over all units (``group`` "").
    weights
        ``"responses"``: weight Pearson r by each unit's survey responses (see
        :func:`analytics.stats.correlations` for the effective n used for the CI).
    covariates
        Any of :data:`COVARIATES`: ``"pct_registered_nursing"`` (share of registered nursing staff) and
        ``"mean_staff"`` (team size, average staff in post). r and ρ become partial correlations and the
        count models are adjusted.
    directorate
        Only the teams of this directorate (team level).
    exclusions
        Staff left out of every HR figure and of the staff mix (:func:`analytics.hr.apply_exclusions`).
        Doctors in training rotate between employers, so every rotation counts as a leaver: NHS leaver
        statistics leave them out, and so should a leaver association.
    min_units
        Fewest units for statistics (see :func:`analytics.stats.correlations`).
    survey_dates
        ``{wave: date}`` overriding the survey date of a wave (default 1 October of its year).
    prepared
        Joins already made by :func:`wave_units` (whole organisation) for some waves, to reuse across
        directorates, measures and outcomes; a wave without one is joined here. They must come from the
        same survey, the same ``records`` after the same exclusions and the same ``survey_dates``; a
        different window, level or presence of HR data is refused.
    count_models
        Fit the count models of leaver and sickness rates (default). False leaves ``rate_ratio`` and its
        interval empty: for a correlation matrix, where a dozen model fits would cost more than every
        correlation together.

    Returns
    -------
    RelateResult
        ``table`` (one row per wave × x × y × group; ``p_adj`` Benjamini–Hochberg within each row's family
        and ``p_adj_family`` naming it, :mod:`analytics.relate.family`), ``units`` (the shown units
        analysed), ``notes`` and the window of each wave.

    Notes
    -----
    Statistics are those of :func:`analytics.stats.correlations` (validated against scipy and pingouin):
    Pearson r with the Fisher-z interval, Spearman ρ with the Bonett–Wright interval, p from Student's
    t; count models from :func:`analytics.stats.binomial_rate_model` (leavers out of average staff in
    post; ``rate_ratio`` is then the odds ratio per 1-point higher score) and
    :func:`analytics.stats.poisson_rate_model` (FTE days lost, log FTE days available as offset,
    quasi-Poisson). Adjusted p: one family per wave, whatever pairs were asked for (the wave's matrix of
    measures × outcomes for plain associations; the analysis's own rows otherwise), so the Relationships
    headline, the matrix, the board pack and the CLI give one adjusted p per fact
    (:mod:`analytics.relate.family`; ``scipy.stats.false_discovery_control``).

    Missing data: pairwise complete units; a unit whose survey score is suppressed has no score and
    never enters. Units in only one source (survey or HR) are listed in the notes.
    """
    xs, ys, by_column, needs_mix = _check_request(survey, records, measures=measures, outcomes=outcomes,
                                                  level=level, window_kind=window_kind, by=by,
                                                  covariates=covariates, weights=weights)
    records, exclusions_text = _excluded(records, exclusions)
    chosen, explicit = _chosen_waves(survey, waves)
    notes = [exclusions_text] if exclusions_text else []
    units, joins = _join_waves(survey, records, chosen, explicit=explicit, window_kind=window_kind, level=level,
                               directorate=directorate, survey_dates=survey_dates, prepared=prepared,
                               needs_mix=needs_mix, notes=notes)
    if not units:
        raise InputError(f"The HR data covers none of the survey waves' {window_kind} windows. Add HR data for the "
                         "months around the surveys, or choose the other window.")
    everything = pd.concat(units, ignore_index=True)
    if outcomes is None:
        ys = _outcomes_in_data(ys, everything, notes)
    count_outcomes = {y: COUNT_OUTCOMES[y] for y in ys if y in COUNT_OUTCOMES} if count_models else {}
    frames, windows = [], {}
    plain = weights is None and not covariates
    for frame, joined in zip(units, joins):
        rows = _wave_correlations(frame, joined, xs, ys, by_column=by_column, include_pooled=include_pooled,
                                  weights=weights, covariates=covariates, count_outcomes=count_outcomes,
                                  min_units=min_units, window_kind=window_kind, level=level)
        frames.append(adjust_wave(rows, frame, wave=str(joined.wave), level=level, plain=plain,
                                  min_units=min_units, survey=survey,
                                  directorate=directorate if level == settings.LEVEL_TEAM else None))
        windows[str(joined.wave)] = (joined.window_start, joined.window_end)
    table = pd.concat(frames, ignore_index=True)
    _note_missing_outcomes(table, everything, ys, count_outcomes, notes)
    return RelateResult(table=table[list(RELATE_TABLE_COLUMNS)], units=everything,
                        notes=notes, level=level, window_kind=window_kind if records is not None else None,
                        windows=windows, exclusions=exclusions_text)


def _join_waves(survey: SurveyResults, records: HRRecords | None, chosen: list[str], *, explicit: bool,
                window_kind: str, level: str, directorate: str | None, survey_dates: dict | None,
                prepared: Sequence[WaveUnits] | None, needs_mix: bool, notes: list[str]) -> tuple[list, list]:
    """Each wave's units joined to their HR outcomes (:func:`analytics.relate.units._unit_frame`). A wave the HR
    data does not cover is skipped with a note unless the waves were named (then it is refused)."""
    units, joins = [], []
    for wave in chosen:
        try:
            frame, joined, wave_notes = _unit_frame(
                survey, records, wave, window_kind=window_kind, level=level, directorate=directorate,
                survey_dates=survey_dates, prepared=prepared)
        except HRWindowUnavailable as exc:
            if explicit:
                raise
            notes.append(f"Wave {wave} skipped: {exc.message}")
            continue
        notes.extend(f"Wave {wave}: {n}" for n in wave_notes)
        if needs_mix and frame[COVARIATE_PCT_REGISTERED_NURSING].isna().all():
            notes.append(f"Wave {wave}: no staff mix could be matched to the {level}s.")
        units.append(frame)
        joins.append(joined)
    return units, joins


def _check_request(survey: SurveyResults, records: HRRecords | None, *, measures: Sequence[str] | None,
                   outcomes: Sequence[str] | None, level: str, window_kind: str, by: str | None,
                   covariates: Sequence[str], weights: str | None) -> tuple[list[str], list[str], str | None, bool]:
    """Refuse a :func:`relate_survey_hr` request it cannot answer; returns the measures (x), the outcomes (y),
    the stratification column and whether the staff mix is needed."""
    if survey is None:
        raise InputError("There are no survey results to relate: add survey files.")
    if level not in (settings.LEVEL_TEAM, settings.LEVEL_DIRECTORATE):
        raise InputError(f"Relationships are worked out between teams or between directorates, not '{level}'.")
    check_window_kind(window_kind)
    xs = list(measures) if measures is not None else _default_measures(survey)
    ys = list(outcomes) if outcomes is not None else [y for y in DEFAULT_OUTCOMES if records is not None]
    if not xs or not ys:
        raise InputError("Choose at least one survey measure and one outcome to relate"
                         + ("" if records is not None else " (HR outcomes need HR data)") + ".")
    _check_choices(survey, xs, ys, records is not None)
    by_column = _stratify_column(by, level)
    needs_mix = _check_adjustment(records, by, covariates, weights)
    return xs, ys, by_column, needs_mix


def _check_adjustment(records: HRRecords | None, by: str | None, covariates: Sequence[str],
                      weights: str | None) -> bool:
    """Refuse unknown covariates or weights, and staff mix or team size without the HR data they come from;
    returns whether the staff mix is needed."""
    for cov in covariates:
        if cov not in COVARIATES:
            raise InputError(f"Adjust for any of: {', '.join(COVARIATES)} (got '{cov}').")
    needs_mix = by == BY_STAFF_MIX or COVARIATE_PCT_REGISTERED_NURSING in covariates
    needs_hr = needs_mix or COVARIATE_TEAM_SIZE in covariates
    if needs_hr and records is None:
        raise InputError("Staff mix and team size come from the HR data: add a staff file (or a team-month file).")
    if needs_mix and not records.has_staff_group:
        raise InputError("Staff mix needs a staff group column in the HR file.", file=records.file_name)
    if weights not in (None, WEIGHT_RESPONSES):
        raise InputError(f"Weights can only be '{WEIGHT_RESPONSES}' (survey responses per unit); got '{weights}'.")
    return needs_mix


def _stratify_column(by: str | None, level: str) -> str | None:
    """The unit-table column of a stratification (None: not stratified); refused when unknown, or by
    directorate at directorate level."""
    if by is None:
        return None
    if by not in STRATIFY_COLUMNS:
        raise InputError(f"Stratify by one of: {', '.join(STRATIFY_COLUMNS)} (got '{by}').")
    if by == BY_DIRECTORATE and level != settings.LEVEL_TEAM:
        raise InputError("Stratifying by directorate needs teams as the unit of analysis.")
    return STRATIFY_COLUMNS[by]


def _chosen_waves(survey: SurveyResults, waves: Sequence[str] | None) -> tuple[list[str], bool]:
    """The waves to relate (every wave unless named) and whether they were named; refuses an unknown wave."""
    explicit = waves is not None
    chosen = [str(w) for w in (waves if explicit else survey.waves)]
    unknown = [w for w in chosen if w not in survey.waves]
    if unknown:
        raise InputError(f"There is no wave '{unknown[0]}' in the survey results. Waves: {', '.join(survey.waves)}.")
    if not chosen:
        raise InputError("The survey results have no wave to relate.")
    return chosen, explicit


def _outcomes_in_data(ys: list[str], everything: pd.DataFrame, notes: list[str]) -> list[str]:
    """The default outcomes less those the HR data cannot give (stability needs employee-level records;
    sickness an absence file), each left out with a note rather than reported as empty rows."""
    empty = [y for y in ys if y in HR_OUTCOMES and pd.to_numeric(everything[y], errors="coerce").isna().all()]
    for y in empty:
        notes.append(f"No {y.replace('_', ' ')} in this HR data"
                     + (" (it needs employee-level records)." if y == "stability_index" else "."))
    kept = [y for y in ys if y not in empty]
    if not kept:
        raise InputError("The HR data gives none of the outcomes (leaver rate, sickness rate, stability index).")
    return kept


def _wave_correlations(frame: pd.DataFrame, joined: UnitOutcomes, xs: list[str], ys: list[str], *,
                       by_column: str | None, include_pooled: bool, weights: str | None,
                       covariates: Sequence[str], count_outcomes: dict, min_units: int, window_kind: str,
                       level: str) -> pd.DataFrame:
    """:func:`analytics.stats.correlations` of one wave's units, with the wave, its window and the unit of
    analysis as columns (empty rate-ratio columns without count models)."""
    result = stats.correlations(
        frame, xs, ys, by=by_column, include_pooled=include_pooled, weights=weights, covariates=list(covariates),
        count_outcomes=count_outcomes or None, min_units=min_units)
    for column in RATE_RATIO_COLUMNS:
        if column not in result.columns:
            result[column] = np.nan
    result["wave"] = str(joined.wave)
    result["window"] = WINDOW_LABELS[window_kind] if joined.window_start is not None else "no HR window"
    result["window_start"] = joined.window_start
    result["window_end"] = joined.window_end
    result["unit_of_analysis"] = level
    return result


def _note_missing_outcomes(table: pd.DataFrame, everything: pd.DataFrame, ys: list[str], count_outcomes: dict,
                           notes: list[str]) -> None:
    """Say in the table which outcome has no values at all, and in the notes which count model could not be
    fitted for any row."""
    for y in ys:
        values = pd.to_numeric(everything[y], errors="coerce")
        if values.isna().all():
            table.loc[table["y"] == y, "note"] = f"no values of '{y}' in these data"
    for y in count_outcomes:
        rows = table["y"] == y
        if rows.any() and not table.loc[rows, "rate_ratio"].notna().any():
            notes.append(f"No count model for {y}: its counts are missing or too few units have them.")


def relate_change(
    survey: SurveyResults,
    records: HRRecords | None,
    *,
    wave_from: str,
    wave_to: str,
    window_kind: str = WINDOW_CONCURRENT,
    measures: Sequence[str] | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    level: str = settings.LEVEL_TEAM,
    directorate: str | None = None,
    exclusions: HRExclusions = HRExclusions(),
    min_units: int = stats.MIN_UNITS,
    survey_dates: dict[str, object] | None = None,
    prepared: Sequence[WaveUnits] | None = None,
) -> RelateResult:
    """Change in score between two waves against the change in outcome, per unit shown in both.

    Each wave's units are joined to their HR outcomes over that wave's window (as in
    :func:`relate_survey_hr`); :func:`analytics.stats.change_analysis` then correlates
    Δ score = score(wave_to) − score(wave_from) with Δ outcome over units shown in both waves (matched
    by name, as the survey and HR files are). ``x`` and ``y`` are named "change in <column>"; the
    ``window`` column gives both windows; no count model (changes are differences of rates).
    Change scores remove stable differences between units (case mix, staff mix), at the price of
    wider intervals. ``prepared`` may hold either wave's join already made (:func:`wave_units`; as in
    :func:`relate_survey_hr`).
    """
    if str(wave_from) == str(wave_to):
        raise InputError("Choose two different waves to compare.")
    xs = list(measures) if measures is not None else _default_measures(survey)
    ys = list(outcomes)
    _check_choices(survey, xs, ys, records is not None)
    for wave in (wave_from, wave_to):
        if str(wave) not in survey.waves:
            raise InputError(f"There is no wave '{wave}' in the survey results. Waves: {', '.join(survey.waves)}.")
    records, exclusions_text = _excluded(records, exclusions)
    parts, windows = [], {}
    notes = [exclusions_text] if exclusions_text else []
    for wave in (str(wave_from), str(wave_to)):
        frame, joined, wave_notes = _unit_frame(
            survey, records, wave, window_kind=window_kind, level=level, directorate=directorate,
            survey_dates=survey_dates, prepared=prepared)
        notes.extend(f"Wave {wave}: {n}" for n in wave_notes)
        windows[wave] = (joined.window_start, joined.window_end)
        parts.append(frame.assign(_unit=frame["unit"].map(_match_key)))
    data = pd.concat(parts, ignore_index=True)
    for column in (*xs, *ys):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype(float)
    result = stats.change_analysis(data, xs, ys, unit="_unit", wave="wave", wave_from=str(wave_from),
                                   wave_to=str(wave_to), min_units=min_units)
    for column in RATE_RATIO_COLUMNS:
        result[column] = np.nan
    start_from, end_from = windows[str(wave_from)]
    start_to, end_to = windows[str(wave_to)]
    result["wave"] = f"{wave_from} to {wave_to}"
    if start_from is None:
        result["window"] = "no HR window"
    else:
        result["window"] = (f"{WINDOW_LABELS[window_kind]}: {start_from:%d %b %Y}–{end_from:%d %b %Y} vs "
                            f"{start_to:%d %b %Y}–{end_to:%d %b %Y}")
    result["window_start"] = start_from
    result["window_end"] = end_to
    result["unit_of_analysis"] = level
    result["p_adj_family"] = describe_run(result, "changes related")
    both = set(parts[0]["_unit"]) & set(parts[1]["_unit"])
    notes.append(f"{len(both)} {level}s are shown in both waves; only they enter the change analysis.")
    return RelateResult(table=result[list(RELATE_TABLE_COLUMNS)],
                        units=data.drop(columns="_unit"), notes=notes, level=level,
                        window_kind=window_kind if records is not None else None, windows=windows,
                        exclusions=exclusions_text)
