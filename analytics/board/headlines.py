"""Headline measures: the organisation's survey scores, HR rates and response count for one wave,
each against the previous wave or 12 months, with the change's test and effect size."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics import settings
from analytics.board.common import (
    ALPHA, AVAILABILITY_NOT_ASKED, AVAILABILITY_NOT_COVERED, AVAILABILITY_NO_ABSENCE, AVAILABILITY_NO_HR, AVAILABILITY_NO_SURVEY_DATA,
    AVAILABILITY_SUPPRESSED, AVAILABLE, HEADLINE_COLUMNS, HEADLINE_HR_MEASURES, HEADLINE_LABELS, HEADLINE_ORDER,
    HEADLINE_SURVEY_MEASURES, HR_WINDOW_MONTHS, RESPONSES, TEST_NONE, TEST_POISSON_EXACT, TEST_QUASI_POISSON,
    TEST_WELCH, _float, _period_text, effect_size_magnitude, previous_wave)
from analytics.board.thresholds import apply_thresholds
from analytics.errors import InputError
from analytics.hr import HRExclusions, HRRecords, StaffRecords, hr_metrics, monthly_hr_table
from analytics.ingest.codebook import load_codebook
from analytics.missing import is_missing
from analytics.wave_window import WINDOW_CONCURRENT, HRWindow, latest_window, wave_window, window_within
from analytics.stats import compare_waves
from analytics.survey.asked import not_asked
from analytics.stats.rates import compare_rates_poisson, compare_rates_quasi_poisson
from analytics.survey.pipeline import SurveyResults


def _empty_headline_row(ref: str, measure: str, label: str, kind: str, wave: str, prev: str | None) -> dict:
    row = dict.fromkeys(HEADLINE_COLUMNS)
    row.update(ref=ref, measure=measure, label=label, kind=kind, wave=str(wave), previous_wave=prev,
               test=TEST_NONE, availability=AVAILABLE, suppressed=False, note="")
    for column in ("value", "previous", "change", "change_ci_low", "change_ci_high", "p", "effect_size",
                   "n", "previous_n", "numerator", "denominator", "previous_numerator", "previous_denominator"):
        row[column] = math.nan
    row["significant"] = None
    row["change_unit"] = {"score": "points", "pct": "percentage points", "count": "responses"}[kind]
    return row


def _org_row(unit_scores: pd.DataFrame, wave: str, measure: str) -> pd.Series | None:
    rows = unit_scores[(unit_scores["wave"].astype(str) == str(wave))
                       & (unit_scores["level"] == settings.LEVEL_ORGANISATION)
                       & (unit_scores["measure"] == measure)]
    return None if rows.empty else rows.iloc[0]


def _wave_scores(survey: SurveyResults, measure: str, wave: str) -> np.ndarray:
    """Respondent scores of one measure in one wave (missing left out). Stays in this module."""
    respondents = survey.scored.respondents
    if measure not in respondents.columns:
        return np.array([], dtype=float)
    values = respondents.loc[respondents["wave"].astype(str) == str(wave), measure]
    return pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)


def _survey_headline(survey: SurveyResults, measure: str, label: str, ref: str, wave: str, prev: str | None,
                     k: int) -> dict:
    row = _empty_headline_row(ref, measure, label, "score", wave, prev)
    row["period"], row["previous_period"] = str(wave), prev
    row["source"] = "Staff survey, organisation level, all respondents (unweighted)"
    current = _org_row(survey.unit_scores, wave, measure)
    if current is None or (is_missing(current["mean"]) and not bool(current["suppressed"])):
        unasked = (str(wave), measure) in not_asked(survey.unit_scores)
        row["availability"] = AVAILABILITY_NOT_ASKED if unasked else AVAILABILITY_NO_SURVEY_DATA
        row["note"] = (f"{label}: {settings.NOT_ASKED_LABEL} ({wave})." if unasked
                       else f"No {label.lower()} scores in the {wave} survey.")
        return row
    if bool(current["suppressed"]):
        row.update(availability=AVAILABILITY_SUPPRESSED, suppressed=True,
                   note=f"Not shown: fewer than {k} responses in {wave}.")
        return row
    # published figures without counts have a value but no n (missing, never zero)
    row["value"], row["n"] = float(current["mean"]), (math.nan if is_missing(current["n"]) else int(current["n"]))
    if prev is None:
        row["note"] = "No previous wave to compare with."
        return row
    earlier = _org_row(survey.unit_scores, prev, measure)
    if earlier is None or bool(earlier["suppressed"]) or is_missing(earlier["mean"]):
        row["note"] = (f"The {prev} result is not shown (fewer than {k} responses)."
                       if earlier is not None and bool(earlier["suppressed"])
                       else f"No {label.lower()} scores in the {prev} survey to compare with.")
        return row
    row["previous"] = float(earlier["mean"])
    row["previous_n"] = math.nan if is_missing(earlier["n"]) else int(earlier["n"])
    row["change"] = row["value"] - row["previous"]
    return _test_change(row, survey, measure, label, wave, prev, k)


def _test_change(row: dict, survey: SurveyResults, measure: str, label: str, wave: str, prev: str, k: int) -> dict:
    """The change's Welch test from the respondent scores of the two waves, into ``row`` (with its note when the
    change cannot be tested)."""
    if survey.scored is None:
        row["note"] = "Respondent scores are not available, so the change was not tested."
        return row
    before, after = _wave_scores(survey, measure, prev), _wave_scores(survey, measure, wave)
    if before.size == 0 or after.size == 0:
        # e.g. an element scored from its sub-scores' unit means, or a wave whose file lacks the items:
        # the two organisation figures are shown, but there are no respondent scores to test between them
        row["note"] = (f"Change not tested: the {prev if before.size == 0 else wave} survey has no respondent "
                       f"scores for {label.lower()}.")
        return row
    frame = pd.DataFrame({"wave": [prev] * len(before) + [str(wave)] * len(after),
                          "unit": settings.ORGANISATION_UNIT, "score": np.concatenate([before, after])})
    tested = compare_waves(frame, "score", "unit", "wave", prev, str(wave), min_group_size=k)
    if tested.empty:
        row["note"] = f"Change not tested: fewer than {k} respondent scores in one of the waves."
        return row
    result = tested.iloc[0]
    ci = sps.ttest_ind(after, before, equal_var=False).confidence_interval(settings.CONFIDENCE_LEVEL)
    row.update(change=float(result["change"]), change_ci_low=float(ci.low), change_ci_high=float(ci.high),
               test=TEST_WELCH, p=float(result["p"]), significant=bool(float(result["p"]) < ALPHA),
               effect_size=float(result["cohens_d"]), effect_size_name="Cohen's d",
               effect_size_magnitude=effect_size_magnitude(result["cohens_d"]))
    return row


def _respondent_counts(survey: SurveyResults) -> dict[str, int]:
    """Respondents with at least one measure score, per wave (organisation totals only)."""
    if survey.scored is None:
        return {}
    respondents = survey.scored.respondents
    measure_cols = [c for c in respondents.columns if c not in ("wave", "directorate", "team")]
    scored = respondents[measure_cols].notna().any(axis=1)
    return {str(w): int(n) for w, n in scored.groupby(respondents["wave"].astype(str)).sum().items()}


def _responses_headline(survey: SurveyResults, ref: str, wave: str, prev: str | None, k: int) -> dict:
    row = _empty_headline_row(ref, RESPONSES, HEADLINE_LABELS[RESPONSES], "count", wave, prev)
    row["period"], row["previous_period"] = str(wave), prev
    row["source"] = "Staff survey: respondents with at least one score"
    counts = _respondent_counts(survey)
    if not counts:
        # Without respondent rows, the largest organisation-level n of any measure is the best count.
        table = survey.unit_scores[(survey.unit_scores["level"] == settings.LEVEL_ORGANISATION)
                                   & ~survey.unit_scores["suppressed"].astype(bool)]
        counts = {str(w): int(n) for w, n in table.groupby(table["wave"].astype(str))["n"].max().items()
                  if not is_missing(n)}   # published figures without counts have none
        row["source"] = "Staff survey: largest number of respondents scored on any measure"
    current = counts.get(str(wave))
    if current is None or current < k:
        row.update(availability=AVAILABILITY_SUPPRESSED if current else AVAILABILITY_NO_SURVEY_DATA,
                   suppressed=bool(current), note=f"Fewer than {k} responses in {wave}." if current else "")
        return row
    row["value"] = row["n"] = current
    if prev is None:
        row["note"] = "No previous wave to compare with."
        return row
    earlier = counts.get(str(prev))
    if earlier is None or earlier < k:
        row["note"] = f"The {prev} response count is not shown (fewer than {k} responses)."
        return row
    row["previous"] = row["previous_n"] = earlier
    row["change"] = current - earlier
    row["note"] = "A count, not a sample estimate: no significance test applies."
    return row


@dataclass(frozen=True)
class HRWindows:
    """The HR headline windows: ``current`` and ``previous`` as ``(first day, last day)`` or None, and the
    wave's :class:`~analytics.wave_window.HRWindow` (``window``, for its words and length)."""

    current: tuple[pd.Timestamp, pd.Timestamp] | None
    previous: tuple[pd.Timestamp, pd.Timestamp] | None
    notes: tuple[str, ...] = ()
    window: HRWindow | None = None


def hr_windows(records: HRRecords, wave: str) -> HRWindows:
    """The HR window a wave's headlines describe, and the same months a year before.

    The current window is the wave's concurrent window cut to the HR period
    (:func:`analytics.wave_window.wave_window`), the window every page uses for the wave (for a wave
    labelled 2024: April 2024 to March 2025). A wave label without a year uses the latest 12 months of
    the HR period (:func:`analytics.wave_window.latest_window`). The previous window is the same months
    one year earlier, when the HR period covers all of them (so a 9-month window is compared with the
    same 9 months, seasons alike). A window the data do not cover is None, with a note.
    """
    notes: list[str] = []
    try:
        window = wave_window(records, str(wave), WINDOW_CONCURRENT)
    except InputError:
        window = latest_window(records)
        notes.append(f"The wave label '{wave}' has no year, so the HR figures use the latest "
                     f"{HR_WINDOW_MONTHS} months of the HR data.")
    if not window.available:
        return HRWindows(None, None, (*notes, window.reason), window)
    current = (window.start, window.end)
    if window.is_short:
        notes.append(f"HR window: {window.text}; the leaver rate is annualised (× 12 ÷ {window.months}).")
    earlier = window.shifted_back()
    covered = window_within(records, earlier.start, earlier.end, kind=window.kind)
    if not covered.available or (covered.start, covered.end) != (earlier.start, earlier.end):
        notes.append(f"The HR data ({_period_text(records.coverage_start, records.coverage_end)}) do not cover the "
                     f"same months a year before ({_period_text(earlier.start, earlier.end)}), so there is no "
                     "comparison.")
        return HRWindows(current, None, tuple(notes), window)
    return HRWindows(current, (earlier.start, earlier.end), tuple(notes), window)


def _hr_source(records: HRRecords, exclusions: HRExclusions) -> str:
    files = [records.file_name]
    if isinstance(records, StaffRecords) and records.absence_file_name:
        files.append(records.absence_file_name)
    text = "HR records (" + ", ".join(files) + "), organisation level"
    excluded = list(exclusions.staff_groups)
    if excluded:
        text += "; excluding " + ", ".join(excluded)
    return text


def _hr_headlines(records: HRRecords | None, wave: str, refs: Sequence[str], *,
                  exclusions: HRExclusions, hr_description: str = "") -> list[dict]:
    rows = []
    for ref, measure in zip(refs, HEADLINE_HR_MEASURES):
        row = _empty_headline_row(ref, measure, HEADLINE_LABELS[measure], "pct", wave, None)
        row["previous_wave"] = None
        rows.append(row)
    if records is None:
        for row in rows:
            row.update(availability=AVAILABILITY_NO_HR, source="HR records",
                       note="No HR data: upload HR files on the Data page to see this figure.")
        return rows
    windows = hr_windows(records, wave)
    source = _hr_source(records, exclusions) + (f". {hr_description.strip()}" if hr_description.strip() else "")
    for row in rows:
        row["source"] = source
        row["note"] = " ".join(windows.notes)
    if windows.current is None:
        for row in rows:
            row["availability"] = AVAILABILITY_NOT_COVERED
        return rows
    org = settings.LEVEL_ORGANISATION
    now = hr_metrics(records, start=windows.current[0], end=windows.current[1],
                     exclusions=exclusions, levels=[org])
    now = now[now["level"] == org].iloc[0]
    before = None
    if windows.previous is not None:
        before = hr_metrics(records, start=windows.previous[0], end=windows.previous[1],
                            exclusions=exclusions, levels=[org])
        before = before[before["level"] == org].iloc[0]
    leaver, sickness = rows
    for row in rows:
        row["period"] = windows.window.short_text
        row["previous_period"] = _period_text(*windows.previous) if windows.previous else None
    leaver["source"] += f"; leavers counted {now['leaver_definition']}"
    _fill_leaver_rate(leaver, now, before, windows.window.annual_factor)
    _fill_sickness_rate(sickness, now, before, records, windows, exclusions)
    return rows


def _fill_leaver_rate(row: dict, now: pd.Series, before: pd.Series | None, annual_factor: float) -> None:
    """The leaver-rate headline: leavers over average staff in post, annualised over a window shorter than 12
    months (× ``annual_factor`` = 12 ÷ months), and its change from the same months a year before with the
    exact conditional Poisson test (:func:`analytics.stats.rates.compare_rates_poisson`; exposure = average
    staff in post × months ÷ 12, in staff-years, so the rates compared are annual)."""
    mean_now = (_float(now["staff_start"]) + _float(now["staff_end"])) / 2
    row.update(value=_float(now["leaver_rate"]) * annual_factor, numerator=_float(now["leavers"]),
               denominator=mean_now, n=mean_now)
    if before is None or is_missing(before["leaver_rate"]) or is_missing(row["value"]):
        return
    mean_before = (_float(before["staff_start"]) + _float(before["staff_end"])) / 2
    test = compare_rates_poisson(_float(before["leavers"]), mean_before / annual_factor, _float(now["leavers"]),
                                 mean_now / annual_factor)
    row.update(previous=_float(before["leaver_rate"]) * annual_factor, previous_numerator=_float(before["leavers"]),
               previous_denominator=mean_before, previous_n=mean_before, change=test["change"],
               change_ci_low=test["change_ci_low"], change_ci_high=test["change_ci_high"],
               test=TEST_POISSON_EXACT, p=test["p"],
               significant=None if is_missing(test["p"]) else bool(test["p"] < ALPHA),
               effect_size=test["rate_ratio"], effect_size_name="rate ratio")


def _fill_sickness_rate(row: dict, now: pd.Series, before: pd.Series | None, records: HRRecords,
                        windows: HRWindows, exclusions: HRExclusions) -> None:
    """The sickness-absence headline: FTE days lost over FTE days available, and its change from the previous
    12 months with a quasi-Poisson Wald test on the 24 monthly figures
    (:func:`analytics.stats.rates.compare_rates_quasi_poisson`)."""
    if is_missing(now["sickness_rate"]):
        row["availability"] = AVAILABILITY_NO_ABSENCE
        row["note"] = (row["note"] + " No sickness absence figures (FTE days lost and available) "
                       "in the HR data.").strip()
        return
    row.update(value=_float(now["sickness_rate"]), numerator=_float(now["fte_days_lost"]),
               denominator=_float(now["fte_days_available"]))
    if before is None or is_missing(before["sickness_rate"]):
        return
    org = settings.LEVEL_ORGANISATION
    monthly = monthly_hr_table(records, level=org, exclusions=exclusions,
                               start=windows.previous[0], end=windows.current[1])
    monthly = monthly[monthly["level"] == org]
    # The months between the two windows (when the window is shorter than 12 months) belong to neither.
    month = monthly["month"]
    later = (month >= windows.current[0]).to_numpy()
    earlier = (month <= windows.previous[1]).to_numpy()
    monthly, later, earlier = monthly[later | earlier], later[later | earlier], earlier[later | earlier]
    lost = monthly["fte_days_lost"].to_numpy(dtype=float, na_value=np.nan)
    available = monthly["fte_days_available"].to_numpy(dtype=float, na_value=np.nan)
    row.update(previous=_float(before["sickness_rate"]), previous_numerator=_float(before["fte_days_lost"]),
               previous_denominator=_float(before["fte_days_available"]),
               change=row["value"] - _float(before["sickness_rate"]))
    if np.isnan(lost).any() or np.isnan(available).any():
        row["note"] = (row["note"] + " Some months lack FTE days, so the change was not tested.").strip()
        return
    test = compare_rates_quasi_poisson(lost[earlier], available[earlier], lost[later], available[later])
    row.update(change=test["change"], change_ci_low=test["change_ci_low"], change_ci_high=test["change_ci_high"],
               test=TEST_QUASI_POISSON, p=test["p"],
               significant=None if is_missing(test["p"]) else bool(test["p"] < ALPHA),
               effect_size=test["rate_ratio"], effect_size_name="rate ratio")


def headline_figures(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                     exclusions: HRExclusions = HRExclusions(), hr_description: str = "") -> pd.DataFrame:
    """The headline figures and their changes, before benchmarks and RAG (see :func:`headline_measures`)."""
    k = int(survey.min_group_size)
    wave = str(wave)
    prev = previous_wave(survey.waves, wave)
    book = survey.codebook or load_codebook(survey.codebook_id or None)
    refs = [f"H{i + 1}" for i in range(len(HEADLINE_ORDER))]
    labels = {m.id: m.label for m in book.measures}
    rows = [_survey_headline(survey, m, labels.get(m, m), ref, wave, prev, k)
            for ref, m in zip(refs, HEADLINE_SURVEY_MEASURES)]
    n_survey = len(HEADLINE_SURVEY_MEASURES)
    rows += _hr_headlines(records, wave, refs[n_survey:n_survey + 2], exclusions=exclusions,
                          hr_description=hr_description)
    rows.append(_responses_headline(survey, refs[-1], wave, prev, k))
    frame = pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))
    frame["significant"] = frame["significant"].astype(object)
    frame.attrs.update(wave=wave, previous_wave=prev, min_group_size=k)
    return frame


def headline_measures(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                      exclusions: HRExclusions = HRExclusions(),
                      thresholds: Mapping[str, object] | None = None, benchmarks: Mapping[str, object] | None = None,
                      hr_description: str = "") -> pd.DataFrame:
    """The organisation's headline measures against the previous wave, a benchmark and RAG thresholds.

    Parameters
    ----------
    survey
        Scored, anonymised survey results (several waves for comparisons).
    records
        HR records, or None (the HR rows then say "no HR data").
    wave
        The survey wave described; the previous wave is the one before it in ``survey.waves``.
    exclusions
        Staff left out of the HR figures (:class:`analytics.hr.HRExclusions`, e.g. a staff group), on top
        of those already left out of ``records``. The anonymity threshold is the one ``survey`` was
        suppressed with.
    thresholds, benchmarks
        See :func:`apply_thresholds`.
    hr_description
        What was left out of the HR records upstream, in words (e.g. ``Dataset.hr_exclusions``); added
        to the HR rows' ``source``.

    Returns
    -------
    pandas.DataFrame
        One row per headline in :data:`HEADLINE_ORDER` (refs H1–H6), columns :data:`HEADLINE_COLUMNS`:

        * ``ref``, ``measure`` (id), ``label``, ``kind`` ("score" 0–10, "pct" 0–100, "count");
        * ``value`` (this wave or window), ``previous`` (previous wave or 12 months), ``change``
          (value − previous; percentage points for rates), ``change_unit``, ``change_ci_low``/``high``
          (95%), ``test`` (name of the test or "not tested"), ``p``, ``significant`` (p < 0.05; None when
          not tested), ``effect_size``, ``effect_size_name`` ("Cohen's d" or "rate ratio"),
          ``effect_size_magnitude`` (Cohen's words for d);
        * ``benchmark``, ``vs_benchmark`` (value − benchmark), ``rag``, ``rag_reason``, ``green_at``,
          ``red_at``, ``higher_is_better``;
        * ``n`` (respondents with a score; for the leaver rate the average staff in post; the response
          count itself), ``previous_n``, ``numerator``/``denominator`` (leavers / average staff in post;
          FTE days lost / FTE days available) and their ``previous_`` counterparts;
        * ``wave``, ``previous_wave``, ``period``, ``previous_period`` (a wave label, or HR months
          "Jan 2025 to Dec 2025"), ``availability`` ("available", "suppressed", "no HR data", "no absence
          data", "HR data do not cover the window", "no survey data", "not asked in this wave"), ``suppressed``, ``source``,
          ``note``.

    Notes
    -----
    * **Survey scores** (compassionate leadership, morale, staff engagement): ``value`` and ``n`` are the
      organisation row of ``survey.unit_scores`` (mean of respondent scores, unweighted). The change is
      tested with Welch's t-test on the respondent scores of the two waves
      (:func:`analytics.stats.compare_waves` at organisation level; Welch 1947), with its 95% Welch
      interval and Cohen's d (pooled SD). The waves are independent samples (the survey is anonymous).
    * **Leaver rate** over :func:`hr_windows` (the wave's window) vs the same months a year before, each
      from :func:`analytics.hr.hr_metrics` (NHS definition, headcount), annualised when the window is
      shorter than 12 months. Tested with
      :func:`compare_rates_poisson` (exact conditional Poisson test); effect size: rate ratio.
    * **Sickness absence rate** over the same windows; tested with :func:`compare_rates_quasi_poisson` on
      the monthly organisation figures of both windows (:func:`analytics.hr.monthly_hr_table`); effect size: rate
      ratio.
    * **Responses**: respondents with at least one score in the wave; the change is a count, not tested.
    * Each headline is tested on its own (as NHS Staff Survey trend reports do); no multiplicity
      adjustment across the six headlines.
    * A suppressed organisation (fewer than k responses) has no value, change or RAG. Missing is never
      zero: a figure that cannot be computed is NaN and ``availability``/``note`` say why.
    """
    figures = headline_figures(survey, records, wave=wave, exclusions=exclusions, hr_description=hr_description)
    rated = apply_thresholds(figures, thresholds, benchmarks)
    rated.attrs.update(figures.attrs)
    return rated


def headline_hr_period(headline: pd.DataFrame) -> str:
    """The HR window of a wave's headline rates in words — "Apr 2025 to Dec 2025, 9 months" — as the headline
    rows carry it (``period`` of the leaver and sickness rows, from :func:`hr_windows`); "" without HR rows.

    Text that describes the HR rates (the pack's lead sentence, captions, the CLI) quotes this rather than a
    fixed "12 months", so a window cut by the HR period is named the same way everywhere.
    """
    if "period" not in headline.columns:
        return ""
    rows = headline[headline["measure"].astype(str).isin(["leaver_rate", "sickness_rate"])]
    periods = [str(p) for p in rows["period"] if isinstance(p, str) and p]
    return periods[0] if periods else ""
