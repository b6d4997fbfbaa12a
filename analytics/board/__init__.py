"""Board assurance: headline measures, exceptions, quotable statements and what to do.

What a board wellbeing guardian needs (shared/design/domain.md §5), as tables a page, a board paper or a
spreadsheet can show unchanged:

* :func:`headline_measures` — the organisation's compassionate leadership, morale and staff engagement
  scores, its leaver and sickness absence rates and its response count, each against the previous
  survey wave (or the previous 12 months), with the change's significance and effect size, a benchmark
  the user enters and a RAG status against thresholds the user sets.
* :func:`exceptions` — teams low on compassionate leadership and high on leaving or sickness
  (:func:`low_leadership_exceptions`), and teams whose scores fell significantly
  (:func:`significant_falls`).
* :func:`board_statements` — plain-language sentences a board paper can quote, each naming the row of
  the table it quotes (``figure_ref``).
* :func:`weakest_behaviour` — the weakest of the four behaviours of compassionate leadership at
  organisation level, with what to do about it (:func:`guidance_table`, from ``guidance.json``).
* :func:`board_report` — all of the above in one :class:`BoardReport`.

Every row of every table carries a ``ref`` ("H1" … "H6" for headlines, "E1" … for low-leadership
exceptions, "F1" … for significant falls, "B1" … "B4" for behaviours); statements cite those refs.

Anonymity
---------
Only units the privacy layer shows are used: survey figures come from the suppressed unit and item
tables (a suppressed organisation, team or question gives no number); team comparisons between waves
are restricted to teams shown in both waves (complementary suppression included) and
:func:`analytics.stats.compare_waves` refuses any unit below the minimum group size; exception teams come
from :func:`analytics.outcomes.unit_outcomes`, which keeps shown survey teams only. Respondent-level
scores (``SurveyResults.scored``) are read for the wave tests and never returned.

Words
-----
Statements say "associated with", never "causes" or "drives": these are observational data.

Nothing here imports Streamlit or Plotly.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics import settings
from analytics import format as fmt
from analytics.ingest.codebook import Codebook, load_codebook
from analytics.rag import (DEFAULT_RAG_THRESHOLDS, RAG_AMBER, RAG_GREEN, RAG_NO_DATA, RAG_NOT_RATED, RAG_RED,
                           RagThresholds, as_thresholds, rag_rating)
from analytics.errors import InputError
from analytics.hr import HRExclusions, HRRecords, StaffRecords, hr_metrics, latest_complete_month, monthly_hr_table
from analytics.outcomes import WINDOW_CONCURRENT, outcome_window, unit_outcomes
from analytics.survey.pipeline import SurveyResults
from analytics.stats import compare_waves

# =================================================================================================
# Constants and column contracts
# =================================================================================================
#: Survey measures shown as headlines (codebook measure ids), in display order.
HEADLINE_SURVEY_MEASURES = ("compassionate_leadership", "morale", "staff_engagement")
#: HR headlines (columns of :func:`analytics.hr.hr_metrics`).
HEADLINE_HR_MEASURES = ("leaver_rate", "sickness_rate")
#: The response count headline.
RESPONSES = "responses"
#: All headlines, in display order; row i has ref ``H{i+1}``.
HEADLINE_ORDER = (*HEADLINE_SURVEY_MEASURES, *HEADLINE_HR_MEASURES, RESPONSES)
#: Labels of the non-survey headlines (survey labels come from the codebook).
HEADLINE_LABELS = {
    "leaver_rate": "Leaver rate",
    "sickness_rate": "Sickness absence rate",
    RESPONSES: "Responses",
}
#: Months in the HR headline window (domain.md §3: the standard window is 12 months).
HR_WINDOW_MONTHS = 12
#: Significance level of every test here (two-sided), from the shared confidence level.
ALPHA = 1 - settings.CONFIDENCE_LEVEL

#: Columns of :func:`headline_measures`, in order.
HEADLINE_COLUMNS = (
    "ref", "measure", "label", "kind", "value", "previous", "change", "change_unit", "change_ci_low",
    "change_ci_high", "test", "p", "significant", "effect_size", "effect_size_name", "effect_size_magnitude",
    "benchmark", "vs_benchmark", "rag", "rag_reason", "green_at", "red_at", "higher_is_better",
    "n", "previous_n", "numerator", "denominator", "previous_numerator", "previous_denominator",
    "wave", "previous_wave", "period", "previous_period", "availability", "suppressed", "source", "note",
)
#: Columns of :func:`low_leadership_exceptions`, in order.
LOW_LEADERSHIP_COLUMNS = (
    "ref", "level", "unit", "parent", "wave", "measure", "score", "responses", "score_cutoff",
    "leaver_rate", "leaver_cutoff", "high_leaver_rate", "sickness_rate", "sickness_cutoff", "high_sickness_rate",
    "leavers", "mean_staff", "fte_days_lost", "fte_days_available", "window_start", "window_end", "reason",
)
#: Columns of :func:`significant_falls`, in order.
FALL_COLUMNS = (
    "ref", "level", "unit", "parent", "measure", "label", "wave_from", "wave_to", "n_from", "n_to",
    "mean_from", "mean_to", "change", "t", "p", "p_adj", "cohens_d", "effect_size_magnitude", "teams_compared",
    "reason",
)
#: Columns of :func:`behaviour_results`, in order.
BEHAVIOUR_COLUMNS = (
    "ref", "behaviour", "label", "item", "wording", "wave", "n", "pct_positive", "previous_wave",
    "previous_pct_positive", "change_points", "weakest", "suppressed", "note",
)
#: Columns of :func:`guidance_table`, in order.
GUIDANCE_COLUMNS = ("section", "behaviour", "heading", "text", "source_id", "source")
#: Columns of :func:`board_statements`, in order.
STATEMENT_COLUMNS = ("ref", "topic", "statement", "figure_ref", "value", "source")

#: Availability of a headline figure (column ``availability``).
AVAILABLE = "available"
AVAILABILITY_SUPPRESSED = "suppressed"
AVAILABILITY_NO_SURVEY_DATA = "no survey data"
AVAILABILITY_NO_HR = "no HR data"
AVAILABILITY_NO_ABSENCE = "no absence data"
AVAILABILITY_NOT_COVERED = "HR data do not cover the window"
AVAILABILITY_NO_PREVIOUS = "no previous wave"

#: RAG words (column ``rag``); analytics.labels.RAG_STYLE gives the first four their shapes and colours.

#: Test names (column ``test``).
TEST_WELCH = "Welch t-test on respondent scores"
TEST_POISSON_EXACT = "exact conditional Poisson test (leavers over average staff in post)"
TEST_QUASI_POISSON = "quasi-Poisson Wald test (monthly FTE days lost over FTE days available)"
TEST_NONE = "not tested"

#: Shown next to any comparison of local scores with a published benchmark (domain.md §1).
BENCHMARK_WEIGHTING_NOTE = ("Local scores are unweighted; published NHS Staff Survey benchmark scores are weighted "
                            "by occupational group.")
#: The four-behaviours mapping is the project's reading (domain.md §1).
BEHAVIOURS_NOTE = "The four-behaviours mapping of questions is an interpretation, not NHS method."
#: Exceptions need at least this many teams with both figures before quarters mean anything.
EXCEPTION_MIN_TEAMS = 8
#: Default share of teams in the "low" and "high" groups (quarters).
EXCEPTION_QUANTILE = 0.25
#: Cohen (1988) conventions for |d|: below 0.2 negligible, then small, medium (0.5), large (0.8).
COHEN_D_BANDS = ((0.2, "negligible"), (0.5, "small"), (0.8, "medium"), (math.inf, "large"))

GUIDANCE_FILE = Path(__file__).resolve().parent / "guidance.json"
P_MISSING = "p not available"


# =================================================================================================
# Small helpers
# =================================================================================================
def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _float(value: object) -> float:
    return math.nan if _missing(value) else float(value)


def effect_size_magnitude(d: object) -> str | None:
    """Cohen's (1988) words for a standardised mean difference: negligible, small, medium or large."""
    if _missing(d):
        return None
    size = abs(float(d))
    return next(word for bound, word in COHEN_D_BANDS if size < bound)


def previous_wave(waves: Sequence[str], wave: str) -> str | None:
    """The wave before ``wave`` in ``waves`` (sorted as text, as :attr:`SurveyResults.waves` is), or None.

    Raises InputError when ``wave`` is not one of ``waves``.
    """
    ordered = sorted(str(w) for w in waves)
    if str(wave) not in ordered:
        raise InputError(f"There is no survey wave '{wave}'. Waves in the data: {', '.join(ordered) or 'none'}.")
    index = ordered.index(str(wave))
    return ordered[index - 1] if index > 0 else None


def _month_start(stamp: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(stamp).to_period("M").to_timestamp()


def _period_text(first: pd.Timestamp, last: pd.Timestamp) -> str:
    return f"{first:%b %Y} to {last:%b %Y}"


# =================================================================================================
# RAG status
# =================================================================================================
def _rag_reason(rating: str, value: float, rule: RagThresholds, kind: str) -> str:
    def show(x: float) -> str:
        return fmt.format_pct(x, 2) if kind == "pct" else fmt.format_number(x, 2)

    better, worse = ("at or above", "at or below") if rule.higher_is_better else ("at or below", "at or above")
    if rating == RAG_GREEN:
        return f"{show(value)} is {better} the green threshold ({show(rule.green_at)})"
    if rating == RAG_RED:
        return f"{show(value)} is {worse} the red threshold ({show(rule.red_at)})"
    return (f"{show(value)} is between the red threshold ({show(rule.red_at)}) and the green threshold "
            f"({show(rule.green_at)})")


def apply_thresholds(headline: pd.DataFrame, thresholds: Mapping[str, object] | None = None,
                     benchmarks: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Add benchmark comparisons and RAG statuses to a headline table (a new frame; the input is unchanged).

    Parameters
    ----------
    headline
        :func:`headline_figures` output (or a previous :func:`apply_thresholds` output).
    thresholds
        Measure id → thresholds (an :class:`analytics.rag.RagThresholds`, a mapping with
        ``green_at``/``red_at``/``higher_is_better``, or a ``(green_at, red_at[, higher_is_better])``
        tuple). A survey measure without its own entry uses the ``"score"`` entry; anything not given
        uses :data:`analytics.settings.DEFAULT_RAG_THRESHOLDS`. The response count is not rated.
    benchmarks
        Measure id → a value the user entered to compare with (same units as ``value``); ``None`` or a
        missing id means no benchmark.

    Returns
    -------
    pandas.DataFrame
        ``headline`` with ``benchmark``, ``vs_benchmark`` (value − benchmark), ``rag`` (Green, Amber,
        Red, "No data" for a missing value, "Not rated" without thresholds), ``rag_reason``,
        ``green_at``, ``red_at`` and ``higher_is_better`` filled; a benchmark on a survey score adds
        :data:`BENCHMARK_WEIGHTING_NOTE` to ``note``.

    Raises
    ------
    InputError
        Thresholds in the wrong order (green must be strictly better than red) or not numbers; a
        benchmark that is not a number.
    """
    rules = dict(DEFAULT_RAG_THRESHOLDS)
    for name, spec in (thresholds or {}).items():
        if spec is not None:
            rules[str(name)] = as_thresholds(str(name), spec)
    out = headline.copy()
    for column in ("benchmark", "vs_benchmark", "green_at", "red_at"):
        out[column] = np.nan
    out["rag"], out["rag_reason"], out["higher_is_better"] = None, None, None
    out["rag"] = out["rag"].astype(object)
    out["rag_reason"] = out["rag_reason"].astype(object)
    out["higher_is_better"] = out["higher_is_better"].astype(object)
    benchmarks = dict(benchmarks or {})
    for i, row in out.iterrows():
        measure, kind = row["measure"], row["kind"]
        bench = benchmarks.get(measure)
        if not _missing(bench):
            try:
                bench = float(bench)
            except (TypeError, ValueError):
                raise InputError(f"The benchmark for {row['label']} must be a number (got '{bench}').") from None
            out.at[i, "benchmark"] = bench
            if not _missing(row["value"]):
                out.at[i, "vs_benchmark"] = float(row["value"]) - bench
            if kind == "score":
                note = row["note"] or ""
                if BENCHMARK_WEIGHTING_NOTE not in note:
                    out.at[i, "note"] = (note + " " + BENCHMARK_WEIGHTING_NOTE).strip()
        rule = rules.get(measure) or (rules.get("score") if kind == "score" else None)
        if rule is None:
            out.at[i, "rag"] = RAG_NOT_RATED
            out.at[i, "rag_reason"] = "No RAG thresholds are set for this figure."
            continue
        out.at[i, "green_at"], out.at[i, "red_at"] = rule.green_at, rule.red_at
        out.at[i, "higher_is_better"] = rule.higher_is_better
        rating = rag_rating(row["value"], **rule.as_kwargs())
        out.at[i, "rag"] = rating
        out.at[i, "rag_reason"] = ("No value to rate." if rating == RAG_NO_DATA
                                   else _rag_reason(rating, float(row["value"]), rule, kind))
    out = out[list(HEADLINE_COLUMNS)]
    out.attrs = dict(headline.attrs)
    return out


# =================================================================================================
# Rate comparisons (HR headlines)
# =================================================================================================
def compare_rates_poisson(events_from: float, exposure_from: float, events_to: float, exposure_to: float, *,
                          confidence: float = settings.CONFIDENCE_LEVEL) -> dict[str, float]:
    """Change in an event rate between two periods, events modelled as Poisson counts over an exposure.

    Used for the leaver rate: leavers over average staff in post (12-month windows, so the exposure is
    staff-years and the rate is per 100 staff a year).

    Returns
    -------
    dict
        ``rate_from``, ``rate_to`` (per 100 units of exposure), ``change`` (percentage points),
        ``change_ci_low``, ``change_ci_high`` (Wald interval of the rate difference,
        ``se = 100 sqrt(x1/e1² + x2/e2²)``), ``rate_ratio`` (``rate_to / rate_from``), ``p``.

    Notes
    -----
    p is the exact conditional test (Przyborowski & Wilenski 1940): given the total ``x1 + x2`` events,
    ``x2 ~ Binomial(x1 + x2, e2 / (e1 + e2))`` under equal rates; two-sided p from
    ``scipy.stats.binomtest``. Validated against ``statsmodels.stats.rates.test_poisson_2indep`` with
    ``method="exact-cond"``. The two periods are treated as independent: each leaving is a separate
    event, although many staff are in post in both periods. p is missing when there are no events at
    all; the ratio is missing when the earlier period had none.
    """
    x1, e1, x2, e2 = (float(v) for v in (events_from, exposure_from, events_to, exposure_to))
    if min(x1, x2) < 0 or min(e1, e2) <= 0 or not all(map(math.isfinite, (x1, e1, x2, e2))):
        raise InputError("Rate comparison needs event counts of zero or more and positive exposures.")
    z = sps.norm.ppf(0.5 + confidence / 2)
    r1, r2 = x1 / e1, x2 / e2
    se = math.sqrt(x1 / e1 ** 2 + x2 / e2 ** 2)
    total = x1 + x2
    p = math.nan
    if total > 0:
        p = float(sps.binomtest(int(round(x2)), int(round(total)), e2 / (e1 + e2)).pvalue)
    return {"rate_from": 100 * r1, "rate_to": 100 * r2, "change": 100 * (r2 - r1),
            "change_ci_low": 100 * (r2 - r1 - z * se), "change_ci_high": 100 * (r2 - r1 + z * se),
            "rate_ratio": r2 / r1 if r1 > 0 else math.nan, "p": p}


def compare_rates_quasi_poisson(counts_from: Sequence[float], exposures_from: Sequence[float],
                                counts_to: Sequence[float], exposures_to: Sequence[float], *,
                                confidence: float = settings.CONFIDENCE_LEVEL) -> dict[str, float]:
    """Change in a rate between two periods of monthly figures, with over-dispersion (quasi-Poisson).

    Used for sickness absence: FTE days lost over FTE days available, one value per calendar month.
    Days lost come in episodes lasting many days, so they are far more variable than independent
    Poisson counts; the dispersion is estimated from month-to-month variation.

    Returns
    -------
    dict
        ``rate_from``, ``rate_to`` (100 × Σ counts ÷ Σ exposures in each period — the NHS Digital rate,
        never an average of monthly rates), ``change`` (percentage points), ``change_ci_low``,
        ``change_ci_high``, ``rate_ratio``, ``p``, ``dispersion``, ``months``.

    Notes
    -----
    A Poisson GLM of the monthly counts with log(exposure) as offset and one indicator for the later
    period gives ``rate_ratio = r2 / r1`` exactly. Quasi-Poisson: the dispersion
    ``φ = Σ (x − μ)² / μ ÷ (m − 2)`` (Pearson χ² over the residual degrees of freedom, m months), the
    variance of the log rate ratio ``φ (1/X1 + 1/X2)`` (X = total count of a period), and a two-sided
    Wald z-test (McCullagh & Nelder 1989, §6.2). The change's interval is Wald on the difference:
    ``se = 100 sqrt(φ (X1/E1² + X2/E2²))``. Seasonal variation counts as noise here, so the test is
    conservative (slow to call a change significant); the two windows cover the same calendar months,
    so seasons do not bias the change itself. Validated against ``statsmodels`` GLM (Poisson family,
    offset, ``scale="X2"``). A month with no exposure is left out; p is missing with fewer than three
    months or no events.
    """
    arrays = [np.asarray(a, dtype=float) for a in (counts_from, exposures_from, counts_to, exposures_to)]
    if arrays[0].shape != arrays[1].shape or arrays[2].shape != arrays[3].shape:
        raise InputError("Each period needs one exposure per monthly count.")
    if any(np.isnan(a).any() for a in arrays):
        raise InputError("Monthly counts and exposures must not be missing.")
    if any((a < 0).any() for a in arrays):
        raise InputError("Monthly counts and exposures cannot be negative.")
    x1, e1, x2, e2 = arrays
    keep1, keep2 = e1 > 0, e2 > 0
    x1, e1, x2, e2 = x1[keep1], e1[keep1], x2[keep2], e2[keep2]
    if e1.sum() <= 0 or e2.sum() <= 0:
        raise InputError("Each period needs some exposure (FTE days available).")
    X1, E1, X2, E2 = x1.sum(), e1.sum(), x2.sum(), e2.sum()
    r1, r2 = X1 / E1, X2 / E2
    months = len(x1) + len(x2)
    out = {"rate_from": 100 * r1, "rate_to": 100 * r2, "change": 100 * (r2 - r1), "change_ci_low": math.nan,
           "change_ci_high": math.nan, "rate_ratio": r2 / r1 if r1 > 0 else math.nan, "p": math.nan,
           "dispersion": math.nan, "months": months}
    if months < 3 or X1 <= 0 or X2 <= 0:
        return out
    mu = np.concatenate([e1 * r1, e2 * r2])
    x = np.concatenate([x1, x2])
    dispersion = float(((x - mu) ** 2 / mu).sum() / (months - 2))
    z_crit = sps.norm.ppf(0.5 + confidence / 2)
    se_log = math.sqrt(dispersion * (1 / X1 + 1 / X2))
    se_diff = 100 * math.sqrt(dispersion * (X1 / E1 ** 2 + X2 / E2 ** 2))
    z = math.log(r2 / r1) / se_log if se_log > 0 else math.nan
    out.update(change_ci_low=out["change"] - z_crit * se_diff, change_ci_high=out["change"] + z_crit * se_diff,
               dispersion=dispersion, p=float(2 * sps.norm.sf(abs(z))) if math.isfinite(z) else math.nan)
    return out


# =================================================================================================
# Headline measures
# =================================================================================================
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
    if current is None or (_missing(current["n"]) and not bool(current["suppressed"])):
        row["availability"] = AVAILABILITY_NO_SURVEY_DATA
        row["note"] = f"No {label.lower()} scores in the {wave} survey."
        return row
    if bool(current["suppressed"]):
        row.update(availability=AVAILABILITY_SUPPRESSED, suppressed=True,
                   note=f"Not shown: fewer than {k} responses in {wave}.")
        return row
    row["value"], row["n"] = float(current["mean"]), int(current["n"])
    if prev is None:
        row["note"] = "No previous wave to compare with."
        return row
    earlier = _org_row(survey.unit_scores, prev, measure)
    if earlier is None or bool(earlier["suppressed"]) or _missing(earlier["mean"]):
        row["note"] = (f"The {prev} result is not shown (fewer than {k} responses)."
                       if earlier is not None and bool(earlier["suppressed"])
                       else f"No {label.lower()} scores in the {prev} survey to compare with.")
        return row
    row["previous"], row["previous_n"] = float(earlier["mean"]), int(earlier["n"])
    row["change"] = row["value"] - row["previous"]
    if survey.scored is None:
        row["note"] = "Respondent scores are not available, so the change was not tested."
        return row
    before, after = _wave_scores(survey, measure, prev), _wave_scores(survey, measure, wave)
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
        counts = {str(w): int(n) for w, n in table.groupby(table["wave"].astype(str))["n"].max().items()}
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
    """The HR headline windows: ``current`` and ``previous`` as ``(first day, last day)`` or None."""

    current: tuple[pd.Timestamp, pd.Timestamp] | None
    previous: tuple[pd.Timestamp, pd.Timestamp] | None
    notes: tuple[str, ...] = ()


def _covered(records: HRRecords, first: pd.Timestamp, last: pd.Timestamp) -> bool:
    # Month granularity at the start: an employee-level extract's coverage starts at its first leaver,
    # which rarely falls on the 1st of a month.
    return (_month_start(first) >= _month_start(records.coverage_start)
            and last <= pd.Timestamp(records.coverage_end).normalize())


def hr_windows(records: HRRecords, wave: str, *, months: int = HR_WINDOW_MONTHS, as_of: object = None) -> HRWindows:
    """The 12 months the HR headlines describe for a survey wave, and the 12 months before.

    The current window ends with the earlier of (a) the latest complete month of the HR data
    (:func:`analytics.hr.latest_complete_month`) and (b) the last month of the wave's concurrent window
    (:func:`analytics.outcomes.outcome_window`: the 12 months around the survey). So the latest wave is
    described by the latest 12 months, and an earlier wave by the 12 months around it (for a wave
    labelled 2024: April 2024 to March 2025). A wave label without a year uses (a). The previous window
    is the ``months`` months before. A window the data do not cover is None, with a note.
    """
    notes: list[str] = []
    end_month = _month_start(latest_complete_month(records, as_of=as_of))
    try:
        _, concurrent_last = outcome_window(str(wave), WINDOW_CONCURRENT)
        if _month_start(concurrent_last) < end_month:
            end_month = _month_start(concurrent_last)
        else:
            window_first, _ = outcome_window(str(wave), WINDOW_CONCURRENT)
            if end_month < _month_start(window_first):
                notes.append(f"The HR data end ({end_month:%b %Y}) before the {wave} survey's window starts: "
                             "the HR figures describe an earlier period.")
    except InputError:
        notes.append(f"The wave label '{wave}' has no year, so the HR figures use the latest {months} months.")
    first = end_month - pd.DateOffset(months=months - 1)
    last = end_month + pd.offsets.MonthEnd(0)
    previous_last = first - pd.Timedelta(days=1)
    previous_first = first - pd.DateOffset(months=months)
    current = (pd.Timestamp(first), pd.Timestamp(last))
    previous = (pd.Timestamp(previous_first), pd.Timestamp(previous_last))
    coverage = _period_text(pd.Timestamp(records.coverage_start), pd.Timestamp(records.coverage_end))
    if not _covered(records, *current):
        notes.append(f"The HR data ({coverage}) do not cover the {months} months {_period_text(*current)}.")
        return HRWindows(None, None, tuple(notes))
    if not _covered(records, *previous):
        notes.append(f"The HR data ({coverage}) do not cover the previous {months} months "
                     f"({_period_text(*previous)}), so there is no comparison.")
        previous = None
    return HRWindows(current, previous, tuple(notes))


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
                  exclusions: HRExclusions, as_of: object, hr_description: str = "") -> list[dict]:
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
    windows = hr_windows(records, wave, as_of=as_of)
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
        row["period"] = _period_text(*windows.current)
        row["previous_period"] = _period_text(*windows.previous) if windows.previous else None

    # Leaver rate: leavers over average staff in post.
    mean_now = (_float(now["staff_start"]) + _float(now["staff_end"])) / 2
    leaver.update(value=_float(now["leaver_rate"]), numerator=_float(now["leavers"]), denominator=mean_now,
                  n=mean_now)
    if before is not None and not _missing(before["leaver_rate"]) and not _missing(leaver["value"]):
        mean_before = (_float(before["staff_start"]) + _float(before["staff_end"])) / 2
        test = compare_rates_poisson(_float(before["leavers"]), mean_before, _float(now["leavers"]), mean_now)
        leaver.update(previous=_float(before["leaver_rate"]), previous_numerator=_float(before["leavers"]),
                      previous_denominator=mean_before, previous_n=mean_before, change=test["change"],
                      change_ci_low=test["change_ci_low"], change_ci_high=test["change_ci_high"],
                      test=TEST_POISSON_EXACT, p=test["p"],
                      significant=None if _missing(test["p"]) else bool(test["p"] < ALPHA),
                      effect_size=test["rate_ratio"], effect_size_name="rate ratio")

    # Sickness absence rate: FTE days lost over FTE days available.
    if _missing(now["sickness_rate"]):
        sickness["availability"] = AVAILABILITY_NO_ABSENCE
        sickness["note"] = (sickness["note"] + " No sickness absence figures (FTE days lost and available) "
                            "in the HR data.").strip()
        return rows
    sickness.update(value=_float(now["sickness_rate"]), numerator=_float(now["fte_days_lost"]),
                    denominator=_float(now["fte_days_available"]))
    if before is not None and not _missing(before["sickness_rate"]):
        monthly = monthly_hr_table(records, level=org, exclusions=exclusions,
                                   start=windows.previous[0], end=windows.current[1])
        monthly = monthly[monthly["level"] == org]
        later = (monthly["month"] >= windows.current[0]).to_numpy()
        lost = monthly["fte_days_lost"].to_numpy(dtype=float, na_value=np.nan)
        available = monthly["fte_days_available"].to_numpy(dtype=float, na_value=np.nan)
        sickness.update(previous=_float(before["sickness_rate"]), previous_numerator=_float(before["fte_days_lost"]),
                        previous_denominator=_float(before["fte_days_available"]),
                        change=sickness["value"] - _float(before["sickness_rate"]))
        if np.isnan(lost).any() or np.isnan(available).any():
            sickness["note"] = (sickness["note"] + " Some months lack FTE days, so the change was not tested.").strip()
        else:
            test = compare_rates_quasi_poisson(lost[~later], available[~later], lost[later], available[later])
            sickness.update(change=test["change"], change_ci_low=test["change_ci_low"],
                            change_ci_high=test["change_ci_high"], test=TEST_QUASI_POISSON, p=test["p"],
                            significant=None if _missing(test["p"]) else bool(test["p"] < ALPHA),
                            effect_size=test["rate_ratio"], effect_size_name="rate ratio")
    return rows


def headline_figures(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                     exclusions: HRExclusions = HRExclusions(),
                     hr_as_of: object = None, hr_description: str = "") -> pd.DataFrame:
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
                          as_of=hr_as_of, hr_description=hr_description)
    rows.append(_responses_headline(survey, refs[-1], wave, prev, k))
    frame = pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))
    frame["significant"] = frame["significant"].astype(object)
    frame.attrs.update(wave=wave, previous_wave=prev, min_group_size=k)
    return frame


def headline_measures(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                      exclusions: HRExclusions = HRExclusions(),
                      thresholds: Mapping[str, object] | None = None, benchmarks: Mapping[str, object] | None = None,
                      hr_as_of: object = None, hr_description: str = "") -> pd.DataFrame:
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
    hr_as_of
        Overrides the date the HR extract was taken (for the latest complete month).
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
          data", "HR data do not cover the window", "no survey data"), ``suppressed``, ``source``,
          ``note``.

    Notes
    -----
    * **Survey scores** (compassionate leadership, morale, staff engagement): ``value`` and ``n`` are the
      organisation row of ``survey.unit_scores`` (mean of respondent scores, unweighted). The change is
      tested with Welch's t-test on the respondent scores of the two waves
      (:func:`analytics.stats.compare_waves` at organisation level; Welch 1947), with its 95% Welch
      interval and Cohen's d (pooled SD). The waves are independent samples (the survey is anonymous).
    * **Leaver rate** over :func:`hr_windows` (12 months) vs the 12 months before, each from
      :func:`analytics.hr.hr_metrics` (NHS definition, headcount). Tested with
      :func:`compare_rates_poisson` (exact conditional Poisson test); effect size: rate ratio.
    * **Sickness absence rate** over the same windows; tested with :func:`compare_rates_quasi_poisson` on
      the 24 monthly organisation figures (:func:`analytics.hr.monthly_hr_table`); effect size: rate
      ratio.
    * **Responses**: respondents with at least one score in the wave; the change is a count, not tested.
    * Each headline is tested on its own (as NHS Staff Survey trend reports do); no multiplicity
      adjustment across the six headlines.
    * A suppressed organisation (fewer than k responses) has no value, change or RAG. Missing is never
      zero: a figure that cannot be computed is NaN and ``availability``/``note`` say why.
    """
    figures = headline_figures(survey, records, wave=wave,
                               exclusions=exclusions, hr_as_of=hr_as_of,
                               hr_description=hr_description)
    rated = apply_thresholds(figures, thresholds, benchmarks)
    rated.attrs.update(figures.attrs)
    return rated


# =================================================================================================
# Exceptions
# =================================================================================================
def exceptions_from_outcomes(frame: pd.DataFrame, *, measure: str = "compassionate_leadership",
                             low_score_below: float | None = None, quantile: float = EXCEPTION_QUANTILE,
                             min_teams: int = EXCEPTION_MIN_TEAMS, label: str | None = None
                             ) -> tuple[pd.DataFrame, list[str]]:
    """Teams low on a score and high on leaving or sickness, from a unit-outcomes frame.

    Parameters
    ----------
    frame
        One row per shown team: ``unit``, ``parent``, ``responses``, the ``measure`` column (0–10) and
        ``leaver_rate`` and/or ``sickness_rate`` (%) — the frame of
        :func:`analytics.outcomes.unit_outcomes`. Optional: ``level``, ``leavers``, ``mean_staff``,
        ``fte_days_lost``, ``fte_days_available``.
    low_score_below
        A score threshold: "low" means a score strictly below it. Default: the bottom quarter, i.e. at or
        below the ``quantile`` of the teams' scores.
    quantile
        Share of teams in the low-score and high-rate groups (default 0.25: quarters).
    min_teams
        Fewest teams with a score and the rate before quarters are formed (default 8).
    label
        The measure's display name in ``reason`` (default: from the shipped codebook).

    Returns
    -------
    (pandas.DataFrame, list of str)
        Rows (columns :data:`LOW_LEADERSHIP_COLUMNS` without ``ref``, ``wave``, ``window_start`` and
        ``window_end``, which :func:`low_leadership_exceptions` adds) for teams that are low on the score
        **and** at or above the ``1 − quantile`` quantile of the leaver rate or of the sickness rate,
        sorted by score; ``high_leaver_rate`` / ``high_sickness_rate`` say which, ``reason`` says why in
        words. The notes say what could not be checked.

    Notes
    -----
    Quantiles are over the teams in ``frame`` that have the figure (``pandas.Series.quantile``, linear
    interpolation); a team without a rate cannot be high on it. Cut-offs are at full precision. Ties:
    a team must also be strictly below (above) the median to count as low (high), so when most teams
    share a value — often a leaver rate of 0 among small teams — they are not all "in the highest
    quarter".
    """
    notes: list[str] = []
    columns = [c for c in LOW_LEADERSHIP_COLUMNS if c not in ("ref", "wave", "window_start", "window_end")]
    if not 0 < quantile < 0.5:
        raise InputError(f"The share of teams in each group must be between 0 and 0.5 (got {quantile}).")
    if measure not in frame.columns:
        return pd.DataFrame(columns=columns), [f"No '{measure}' scores for teams in this wave."]
    score = pd.to_numeric(frame[measure], errors="coerce").astype(float)
    scored = score.notna()
    if scored.sum() < min_teams:
        return pd.DataFrame(columns=columns), [f"Only {int(scored.sum())} teams have a score: at least {min_teams} "
                                               "are needed to find teams in the lowest and highest quarters."]
    if low_score_below is not None:
        score_cutoff = float(low_score_below)
        low = score < score_cutoff
        low_text = f"below the threshold of {fmt.format_score(score_cutoff)}"
    else:
        score_cutoff = float(score[scored].quantile(quantile))
        low = (score <= score_cutoff) & (score < float(score[scored].median()))
        low_text = f"in the lowest {quantile:.0%} of teams (at or below {fmt.format_score(score_cutoff)})"
    high: dict[str, pd.Series] = {}
    cutoffs: dict[str, float] = {}
    for rate in ("leaver_rate", "sickness_rate"):
        values = (pd.to_numeric(frame[rate], errors="coerce").astype(float) if rate in frame.columns
                  else pd.Series(np.nan, index=frame.index))
        usable = values.notna() & scored
        if usable.sum() < min_teams:
            high[rate] = pd.Series(False, index=frame.index)
            cutoffs[rate] = math.nan
            notes.append(f"Too few teams with a {HEADLINE_LABELS[rate].lower()} ({int(usable.sum())}) to find the "
                         "highest quarter.")
            continue
        cutoffs[rate] = float(values[usable].quantile(1 - quantile))
        high[rate] = ((values >= cutoffs[rate]) & (values > float(values[usable].median()))).fillna(False)
    flagged = (low & (high["leaver_rate"] | high["sickness_rate"])).to_numpy()
    rows = []
    for i in np.flatnonzero(flagged):
        source = frame.iloc[i]
        reasons = [f"{label or _label_of(measure)} {fmt.format_score(score.iloc[i])} is {low_text}"]
        if high["leaver_rate"].iloc[i]:
            reasons.append(f"leaver rate {fmt.format_pct(source['leaver_rate'])} is in the highest {quantile:.0%} "
                           f"(at or above {fmt.format_pct(cutoffs['leaver_rate'])})")
        if high["sickness_rate"].iloc[i]:
            reasons.append(f"sickness absence rate {fmt.format_pct(source['sickness_rate'])} is in the highest "
                           f"{quantile:.0%} (at or above {fmt.format_pct(cutoffs['sickness_rate'])})")
        rows.append({
            "level": source.get("level", settings.LEVEL_TEAM), "unit": source["unit"], "parent": source.get("parent"),
            "measure": measure, "score": float(score.iloc[i]), "responses": _float(source.get("responses")),
            "score_cutoff": score_cutoff,
            "leaver_rate": _float(source.get("leaver_rate")), "leaver_cutoff": cutoffs["leaver_rate"],
            "high_leaver_rate": bool(high["leaver_rate"].iloc[i]),
            "sickness_rate": _float(source.get("sickness_rate")), "sickness_cutoff": cutoffs["sickness_rate"],
            "high_sickness_rate": bool(high["sickness_rate"].iloc[i]),
            "leavers": _float(source.get("leavers")), "mean_staff": _float(source.get("mean_staff")),
            "fte_days_lost": _float(source.get("fte_days_lost")),
            "fte_days_available": _float(source.get("fte_days_available")),
            "reason": "; ".join(reasons) + ".",
        })
    out = pd.DataFrame(rows, columns=columns)
    if not out.empty:
        out = out.sort_values(["score", "unit"], kind="stable").reset_index(drop=True)
    return out, notes


def _label_of(measure: str, codebook: Codebook | None = None) -> str:
    try:
        book = codebook or load_codebook()
        return book.measure(measure).label
    except InputError:
        return str(measure).replace("_", " ").capitalize()


def low_leadership_exceptions(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                              exclusions: HRExclusions = HRExclusions(), measure: str = "compassionate_leadership",
                              low_score_below: float | None = None, quantile: float = EXCEPTION_QUANTILE,
                              window_kind: str = WINDOW_CONCURRENT, min_teams: int = EXCEPTION_MIN_TEAMS
                              ) -> tuple[pd.DataFrame, list[str], tuple]:
    """Teams low on compassionate leadership and high on leaving or sickness, for one wave.

    Teams and their HR outcomes come from :func:`analytics.outcomes.unit_outcomes` (shown survey teams
    only, HR over the wave's concurrent window — the 12 months around the survey, cut to the months the
    HR data cover); the rule is :func:`exceptions_from_outcomes`. Quarters are formed across all shown
    teams of the organisation.

    Returns
    -------
    (pandas.DataFrame, list of str, (window_start, window_end))
        Columns :data:`LOW_LEADERSHIP_COLUMNS` with refs E1, E2, …, and ``attrs["teams_checked"]`` (shown
        teams with a score and an HR rate); notes; the HR window used (None, None without HR data or when
        the data do not cover the window).
    """
    empty = pd.DataFrame(columns=list(LOW_LEADERSHIP_COLUMNS))
    if records is None:
        return empty, ["No HR data: teams high on leaving or sickness cannot be identified."], (None, None)
    try:
        joined = unit_outcomes(survey.unit_scores, records, wave=str(wave), window_kind=window_kind,
                               level=settings.LEVEL_TEAM, exclusions=exclusions)
    except InputError as exc:
        # The HR data do not cover the window: say so instead of refusing the whole page.
        return empty, [str(exc)], (None, None)
    table, notes = exceptions_from_outcomes(joined.frame, measure=measure, low_score_below=low_score_below,
                                            quantile=quantile, min_teams=min_teams,
                                            label=_label_of(measure, survey.codebook))
    table.insert(0, "ref", [f"E{i + 1}" for i in range(len(table))])
    checked = joined.frame
    rates = [c for c in ("leaver_rate", "sickness_rate") if c in checked.columns]
    has_score = checked[measure].notna() if measure in checked.columns else pd.Series(False, index=checked.index)
    has_rate = checked[rates].notna().any(axis=1) if rates else pd.Series(False, index=checked.index)
    table["wave"] = str(wave)
    table["window_start"], table["window_end"] = joined.window_start, joined.window_end
    table = table[list(LOW_LEADERSHIP_COLUMNS)].copy()
    table.attrs["teams_checked"] = int((has_score & has_rate).sum())
    return table, list(joined.notes) + notes, (joined.window_start, joined.window_end)


def _team_keys(respondents: pd.DataFrame) -> tuple[pd.Series, bool]:
    """(key per respondent, whether keys include the directorate): matches unit_scores' (parent, unit)."""
    has_directorate = "directorate" in respondents.columns and respondents["directorate"].notna().any()
    team = respondents["team"].astype(object)
    if has_directorate:
        directorate = respondents["directorate"].astype(object)
        return directorate.astype(str) + "\x1f" + team.astype(str), True
    return team.astype(str), False


def significant_falls(survey: SurveyResults, *, wave: str,
                      measures: Sequence[str] = HEADLINE_SURVEY_MEASURES
                      ) -> tuple[pd.DataFrame, dict[str, int], list[str]]:
    """Teams whose score fell significantly between the previous wave and ``wave``.

    Each measure is compared with :func:`analytics.stats.compare_waves` (Welch t-test on the respondent
    scores, Cohen's d) over the teams **shown in both waves** (not suppressed, complementary
    suppression included), with the Benjamini–Hochberg adjustment across those teams. A team is listed
    when its change is negative and its adjusted p is below 0.05.

    Returns
    -------
    (pandas.DataFrame, dict, list of str)
        Rows with columns :data:`FALL_COLUMNS` (refs F1, F2, …; sorted by measure order, then change);
        the number of teams compared per measure; notes. ``teams_compared`` is the size of the family
        the adjustment was made over.
    """
    k = int(survey.min_group_size)
    wave = str(wave)
    prev = previous_wave(survey.waves, wave)
    empty = pd.DataFrame(columns=list(FALL_COLUMNS))
    if prev is None:
        return empty, {}, ["No previous wave: changes in team scores cannot be tested."]
    if survey.scored is None:
        return empty, {}, ["Respondent scores are not available, so team changes cannot be tested."]
    table = survey.unit_scores
    teams = table[(table["level"] == settings.LEVEL_TEAM) & ~table["suppressed"].astype(bool)]
    respondents = survey.scored.respondents
    keys, with_directorate = _team_keys(respondents)
    in_waves = respondents["wave"].astype(str).isin([prev, wave]).to_numpy()
    book = survey.codebook
    rows, compared, notes = [], {}, []
    for measure in measures:
        if measure not in respondents.columns:
            continue
        shown = teams[teams["measure"] == measure]
        by_wave = {w: set(zip(shown.loc[shown["wave"].astype(str) == w, "parent"].astype(str),
                              shown.loc[shown["wave"].astype(str) == w, "unit"].astype(str))) for w in (prev, wave)}
        both = by_wave[prev] & by_wave[wave]
        allowed = {(p + "\x1f" + u) if with_directorate else u: (p, u) for p, u in both}
        if not allowed:
            compared[measure] = 0
            continue
        frame = pd.DataFrame({"key": keys[in_waves].to_numpy(),
                              "wave": respondents["wave"].astype(str)[in_waves].to_numpy(),
                              "score": respondents[measure][in_waves].to_numpy(dtype=float)})
        frame = frame[frame["key"].isin(allowed)]
        result = compare_waves(frame, "score", "key", "wave", prev, wave, min_group_size=k, units=list(allowed))
        compared[measure] = int(len(result))
        falls = result[result["significant"] & (result["change"] < 0)].sort_values(["change", "unit"], kind="stable")
        label = _label_of(measure, book)
        for r in falls.itertuples(index=False):
            parent, unit = allowed[r.unit]
            rows.append({
                "level": settings.LEVEL_TEAM, "unit": unit, "parent": parent, "measure": measure, "label": label,
                "wave_from": prev, "wave_to": wave, "n_from": int(r.n_from), "n_to": int(r.n_to),
                "mean_from": float(r.mean_from), "mean_to": float(r.mean_to), "change": float(r.change),
                "t": float(r.t), "p": float(r.p), "p_adj": float(r.p_adj), "cohens_d": float(r.cohens_d),
                "effect_size_magnitude": effect_size_magnitude(r.cohens_d), "teams_compared": int(len(result)),
                "reason": (f"{label} fell from {fmt.format_score(r.mean_from)} in {prev} to {fmt.format_score(r.mean_to)} in {wave} "
                           f"({fmt.format_number(r.change, 1)}; adjusted {fmt.format_p(r.p_adj, missing=P_MISSING)} across {len(result)} teams; "
                           f"d = {fmt.format_number(r.cohens_d, 2)}, {effect_size_magnitude(r.cohens_d)})."),
            })
    out = pd.DataFrame(rows, columns=[c for c in FALL_COLUMNS if c != "ref"])
    out.insert(0, "ref", [f"F{i + 1}" for i in range(len(out))])
    return out, compared, notes


@dataclass
class BoardExceptions:
    """The two exception lists and what is needed to describe them.

    ``low_leadership``: :data:`LOW_LEADERSHIP_COLUMNS`; ``falls``: :data:`FALL_COLUMNS`;
    ``teams_compared``: measure → teams in the falls comparison; ``window_start``/``window_end``: the HR
    window of the low-leadership list; ``teams_checked``: shown teams with a score and an HR rate (the
    teams the quarters were formed over); ``directorate``: the directorate the lists were narrowed to (None
    for the whole organisation); ``notes``: what could not be checked.
    """

    wave: str
    previous_wave: str | None
    low_leadership: pd.DataFrame
    falls: pd.DataFrame
    teams_compared: dict[str, int]
    window_start: pd.Timestamp | None
    window_end: pd.Timestamp | None
    teams_checked: int = 0
    quantile: float = EXCEPTION_QUANTILE
    low_score_below: float | None = None
    has_hr: bool = True
    directorate: str | None = None
    notes: list[str] = field(default_factory=list)


def exceptions(survey: SurveyResults, records: HRRecords | None, *, wave: str,
               exclusions: HRExclusions = HRExclusions(),
               low_score_below: float | None = None, quantile: float = EXCEPTION_QUANTILE,
               measures: Sequence[str] = HEADLINE_SURVEY_MEASURES, directorate: str | None = None) -> BoardExceptions:
    """Both exception lists: :func:`low_leadership_exceptions` and :func:`significant_falls`.

    ``directorate`` narrows both lists to that directorate's teams *after* the organisation-wide
    quarters and Benjamini–Hochberg adjustment (:func:`restrict_to_directorate`), so a team is listed
    for the same reason whatever the filter; refs keep their organisation-wide numbers.
    """
    low, low_notes, (start, end) = low_leadership_exceptions(
        survey, records, wave=wave, exclusions=exclusions, low_score_below=low_score_below,
        quantile=quantile)
    falls, compared, fall_notes = significant_falls(survey, wave=wave,
                                                    measures=measures)
    result = BoardExceptions(wave=str(wave), previous_wave=previous_wave(survey.waves, str(wave)),
                             low_leadership=low, falls=falls, teams_compared=compared, window_start=start,
                             window_end=end, teams_checked=int(low.attrs.get("teams_checked", 0)), quantile=quantile,
                             low_score_below=low_score_below,
                             has_hr=records is not None, notes=low_notes + fall_notes)
    return restrict_to_directorate(result, directorate)


def restrict_to_directorate(found: BoardExceptions, directorate: str | None) -> BoardExceptions:
    """The exception lists narrowed to one directorate's teams (None: unchanged). Refs are kept."""
    if directorate is None:
        return found
    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["parent"].astype(object).astype(str) == str(directorate)].reset_index(drop=True)
    return dataclasses.replace(found, low_leadership=keep(found.low_leadership), falls=keep(found.falls),
                               directorate=str(directorate))


# =================================================================================================
# The four behaviours and what to do
# =================================================================================================
@lru_cache(maxsize=4)
def _guidance_cached(path: str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"The guidance file could not be read: {exc}.", file=path) from None
    for key in ("sources", "behaviours", "support"):
        if key not in data:
            raise InputError(f"The guidance file has no '{key}' section.", file=path)
    return data


def load_guidance(path: str | Path | None = None) -> dict:
    """The what-to-do guidance (``analytics/board/guidance.json`` unless ``path`` is given): ``sources``
    (id → citation), ``behaviours`` (id → label, question_theme, summary, actions, source) and
    ``support`` (wellbeing conversations, guardians, champions, Mental Health First Aiders)."""
    return json.loads(json.dumps(_guidance_cached(str(path or GUIDANCE_FILE))))  # a copy callers may change


def guidance_table(behaviours: Iterable[str], guidance: dict | None = None) -> pd.DataFrame:
    """What to do, as rows a page or a paper can list.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GUIDANCE_COLUMNS`. For each behaviour in ``behaviours`` (in order): one row per
        action (``section`` "behaviour", ``heading`` the behaviour's label); then one row per support
        item (``section`` "support": health and wellbeing conversations, wellbeing guardian, wellbeing
        champions, Mental Health First Aiders). ``source`` is the full citation of ``source_id``.
    """
    guidance = guidance or load_guidance()
    sources = guidance["sources"]
    rows = []
    for behaviour in behaviours:
        entry = guidance["behaviours"].get(behaviour)
        if entry is None:
            continue
        for action in entry["actions"]:
            rows.append({"section": "behaviour", "behaviour": behaviour, "heading": entry["label"], "text": action,
                         "source_id": entry["source"], "source": sources.get(entry["source"], entry["source"])})
    for item in guidance["support"]:
        rows.append({"section": "support", "behaviour": None, "heading": item["heading"], "text": item["text"],
                     "source_id": item["source"], "source": sources.get(item["source"], item["source"])})
    return pd.DataFrame(rows, columns=list(GUIDANCE_COLUMNS))


def behaviour_results(item_results: pd.DataFrame, wave: str, codebook: Codebook | None = None) -> pd.DataFrame:
    """The four behaviours of compassionate leadership at organisation level, % positive.

    Parameters
    ----------
    item_results
        The suppressed question-level table (:data:`analytics.settings.ITEM_RESULT_COLUMNS`).
    wave
        The wave described; the previous wave (if any) is shown alongside, without a test.
    codebook
        Supplies the behaviour → question mapping (``codebook.behaviours``: attending → q9g,
        understanding → q9f, empathising → q9h, helping → q9i) and the wording.

    Returns
    -------
    pandas.DataFrame
        One row per behaviour in the codebook's order (refs B1–B4), columns :data:`BEHAVIOUR_COLUMNS`:
        ``behaviour``, ``label``, ``item``, ``wording``, ``wave``, ``n`` (answers), ``pct_positive`` (the two
        favourable options, 0–100), ``previous_wave``, ``previous_pct_positive``, ``change_points``,
        ``weakest`` (True for the lowest % positive; all tied rows at full precision), ``suppressed``,
        ``note`` (:data:`BEHAVIOURS_NOTE`). A suppressed or missing organisation question has no
        numbers and is never the weakest.
    """
    book = codebook or load_codebook()
    mapping = book.behaviours
    if not mapping:
        raise InputError("The codebook does not map the four behaviours to questions.")
    wave = str(wave)
    waves = sorted(item_results["wave"].dropna().astype(str).unique())
    prev = previous_wave(waves, wave) if wave in waves else None
    org = item_results[item_results["level"] == settings.LEVEL_ORGANISATION]
    labels = {"attending": "Attending", "understanding": "Understanding", "empathising": "Empathising",
              "helping": "Helping"}
    rows = []
    for i, (behaviour, item) in enumerate(mapping.items()):
        def find(w: str | None) -> pd.Series | None:
            if w is None:
                return None
            hit = org[(org["wave"].astype(str) == w) & (org["item"].astype(str).str.casefold() == item.casefold())]
            return None if hit.empty else hit.iloc[0]
        now, before = find(wave), find(prev)
        hidden = now is None or bool(now["suppressed"]) or _missing(now["pct_positive"])
        before_ok = before is not None and not bool(before["suppressed"]) and not _missing(before["pct_positive"])
        pct = math.nan if hidden else float(now["pct_positive"])
        pct_before = float(before["pct_positive"]) if before_ok else math.nan
        wording = book.items[item].wording if item in book.items else ""
        rows.append({"ref": f"B{i + 1}", "behaviour": behaviour, "label": labels.get(behaviour, behaviour.capitalize()),
                     "item": item, "wording": wording, "wave": wave,
                     "n": math.nan if hidden else _float(now["n"]), "pct_positive": pct, "previous_wave": prev,
                     "previous_pct_positive": pct_before, "change_points": pct - pct_before,
                     "weakest": False, "suppressed": now is not None and bool(now["suppressed"]),
                     "note": book.behaviours_note or BEHAVIOURS_NOTE})
    out = pd.DataFrame(rows, columns=list(BEHAVIOUR_COLUMNS))
    values = out["pct_positive"].astype(float)
    if values.notna().any():
        out["weakest"] = (values == values.min()).to_numpy()
    return out


@dataclass
class WeakestBehaviour:
    """The weakest behaviour(s) and what to do.

    ``behaviours``: ids of the weakest (several if tied; empty when no behaviour can be shown);
    ``table``: :func:`behaviour_results`; ``guidance``: :func:`guidance_table` for the weakest;
    ``summaries``: behaviour id → one-sentence description; ``sources``: id → citation; ``note``: the
    interpretation label.
    """

    wave: str
    behaviours: tuple[str, ...]
    table: pd.DataFrame
    guidance: pd.DataFrame
    summaries: dict[str, str]
    sources: dict[str, str]
    note: str = BEHAVIOURS_NOTE

    @property
    def refs(self) -> list[str]:
        return self.table.loc[self.table["weakest"].astype(bool), "ref"].tolist()


def weakest_behaviour(item_results: pd.DataFrame, wave: str, codebook: Codebook | None = None,
                      guidance: dict | None = None) -> WeakestBehaviour:
    """The behaviour with the lowest organisation-level % positive in ``wave``, and the guidance for it.

    The behaviours are compared on % positive of their question (:func:`behaviour_results`); the
    differences may be small and are not tested — the point is where to start. Without any shown
    behaviour, ``behaviours`` is empty and the guidance lists the support items only.
    """
    guidance = guidance or load_guidance()
    table = behaviour_results(item_results, wave, codebook)
    weakest = tuple(table.loc[table["weakest"].astype(bool), "behaviour"])
    return WeakestBehaviour(
        wave=str(wave), behaviours=weakest, table=table, guidance=guidance_table(weakest, guidance),
        summaries={b: e["summary"] for b, e in guidance["behaviours"].items()}, sources=dict(guidance["sources"]),
        note=str(table["note"].iloc[0]) if len(table) else BEHAVIOURS_NOTE)


# =================================================================================================
# Statements
# =================================================================================================
def _change_words(change: float, decimals: int, unit: str = "") -> str:
    if round(abs(change), decimals) == 0:
        return "little changed"
    return f"{'up' if change > 0 else 'down'} {abs(change):,.{decimals}f}{unit}"


def _significance_clause(row: pd.Series) -> str:
    if _missing(row["significant"]) or row["test"] == TEST_NONE:
        return ""
    if not bool(row["significant"]):
        return f"; the change is not statistically significant ({fmt.format_p(row['p'], missing=P_MISSING)})"
    size = ""
    if row["effect_size_name"] == "Cohen's d" and not _missing(row["effect_size"]):
        size = f"; effect size d = {fmt.format_number(row['effect_size'], 2)}, {row['effect_size_magnitude']}"
    elif row["effect_size_name"] == "rate ratio" and not _missing(row["effect_size"]):
        size = f"; rate ratio {float(row['effect_size']):.2f}"
    return f"; the change is statistically significant ({fmt.format_p(row['p'], missing=P_MISSING)}{size})"


def _benchmark_and_rag(row: pd.Series) -> str:
    parts = []
    if not _missing(row["vs_benchmark"]):
        diff = float(row["vs_benchmark"])
        show = (lambda x: f"{abs(x):,.1f} percentage points") if row["kind"] == "pct" else (lambda x: f"{abs(x):.1f}")
        bench = fmt.format_pct(row["benchmark"]) if row["kind"] == "pct" else fmt.format_score(row["benchmark"])
        if round(abs(diff), 1) == 0:
            parts.append(f"This is in line with the benchmark of {bench}.")
        else:
            parts.append(f"This is {show(diff)} {'above' if diff > 0 else 'below'} the benchmark of {bench}.")
    if row["rag"] in (RAG_GREEN, RAG_AMBER, RAG_RED):
        green = fmt.format_pct(row["green_at"]) if row["kind"] == "pct" else fmt.format_score(row["green_at"])
        red = fmt.format_pct(row["red_at"]) if row["kind"] == "pct" else fmt.format_score(row["red_at"])
        better, worse = ("or above", "or below") if row["higher_is_better"] else ("or below", "or above")
        parts.append(f"RAG status: {row['rag']} (green at {green} {better}, red at {red} {worse}).")
    return (" " + " ".join(parts)) if parts else ""


def _headline_statement(row: pd.Series, k: int) -> str | None:
    label, kind = row["label"], row["kind"]
    if row["availability"] == AVAILABILITY_NO_HR:
        return None  # one statement covers both HR rows
    if row["availability"] == AVAILABILITY_SUPPRESSED:
        return f"{label} is not reported for {row['wave']}: fewer than {k} responses."
    if _missing(row["value"]):
        return f"{label}: no figure for {row['period'] or row['wave']}. {row['note']}".strip()
    if kind == "score":
        text = f"{label} scored {fmt.format_score(row['value'])} out of 10 in {row['wave']} ({fmt.format_n(row['n'])} responses)"
        if not _missing(row["previous"]):
            text += (f", {_change_words(float(row['change']), 1)} from {fmt.format_score(row['previous'])} in "
                     f"{row['previous_wave']}") + _significance_clause(row)
        elif row["previous_wave"] is None:
            text += "; there is no previous wave to compare with"
        else:
            text += f"; there is no {row['previous_wave']} result to compare with"
        return text + "." + _benchmark_and_rag(row)
    if kind == "pct":
        if row["measure"] == "leaver_rate":
            detail = (f"{fmt.format_n(row['numerator'])} leavers; average {fmt.format_n(row['denominator'])} staff in post")
            text = f"The leaver rate was {fmt.format_pct(row['value'])} over {row['period']} ({detail})"
        else:
            detail = (f"{fmt.format_n(row['numerator'])} FTE days lost of {fmt.format_n(row['denominator'])} available")
            text = f"The sickness absence rate was {fmt.format_pct(row['value'])} over {row['period']} ({detail})"
        if not _missing(row["previous"]):
            text += (f", {_change_words(float(row['change']), 1, ' percentage points')} from "
                     f"{fmt.format_pct(row['previous'])} over {row['previous_period']}") + _significance_clause(row)
        else:
            text += "; there is no earlier 12-month period in the HR data to compare with"
        return text + "." + _benchmark_and_rag(row)
    # Responses.
    text = f"{fmt.format_n(row['value'])} staff responded to the {row['wave']} survey"
    if not _missing(row["previous"]):
        diff = float(row["change"])
        if diff == 0:
            text += f", the same number as in {row['previous_wave']}"
        else:
            text += (f", {fmt.format_n(abs(diff))} {'more' if diff > 0 else 'fewer'} than in {row['previous_wave']} "
                     f"({fmt.format_n(row['previous'])})")
    return text + "."


def _team_list(frame: pd.DataFrame, extra: str | None = None, limit: int = 10) -> str:
    names = []
    for _, r in frame.head(limit).iterrows():
        has_parent = not _missing(r.get("parent")) and str(r.get("parent"))
        name = f"{r['unit']} ({r['parent']})" if has_parent else str(r["unit"])
        if extra:
            name += f" {extra.format(**r.to_dict())}"
        names.append(name)
    more = len(frame) - limit
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def board_statements(headline: pd.DataFrame, found: BoardExceptions | None = None,
                     weakest: WeakestBehaviour | None = None) -> pd.DataFrame:
    """Plain-language sentences a board paper can quote, each tied to the figure it quotes.

    Parameters
    ----------
    headline
        :func:`headline_measures` output (after :func:`apply_thresholds`, so RAG and benchmarks appear).
    found
        :func:`exceptions` output (possibly narrowed to a directorate; the sentences then say so).
    weakest
        :func:`weakest_behaviour` output.

    k in "fewer than k responses" is ``headline.attrs["min_group_size"]`` (the threshold the survey was
    suppressed with), else 11.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STATEMENT_COLUMNS`: ``ref`` (S1, S2, …), ``topic`` ("headline", "exceptions",
        "falls", "behaviours"), ``statement``, ``figure_ref`` (the ref(s) of the row(s) quoted, e.g. "H1"
        or "E1, E2"; empty when a statement says that nothing was found), ``value`` (the main number
        quoted, full precision; NaN when none), ``source`` (data and method).

    Notes
    -----
    Numbers are rounded as users read them (scores to one decimal, rates to one decimal with %, counts
    with thousands separators, p to three decimals). Relationships are described as "associated with",
    never as causes.
    """
    k = int(headline.attrs.get("min_group_size") or settings.DEFAULT_MIN_GROUP_SIZE)
    rows: list[dict] = []

    def add(topic: str, statement: str, figure_ref: str, value: object, source: str) -> None:
        rows.append({"topic": topic, "statement": statement, "figure_ref": figure_ref,
                     "value": _float(value), "source": source})

    no_hr = headline[headline["availability"] == AVAILABILITY_NO_HR]
    for _, row in headline.iterrows():
        text = _headline_statement(row, k)
        if text is not None:
            method = "" if row["test"] == TEST_NONE else f"; change tested with {row['test']}"
            add("headline", text, row["ref"], row["value"], f"{row['source']}{method}")
        elif row["ref"] == no_hr["ref"].iloc[0]:
            add("headline", "No HR data were provided, so the leaver rate and the sickness absence rate are not "
                "reported.", ", ".join(no_hr["ref"]), math.nan, "HR records")

    if found is not None:
        where = f" in {found.directorate}" if found.directorate else ""
        low = found.low_leadership
        window = (_period_text(found.window_start, found.window_end)
                  if found.window_start is not None and found.window_end is not None else None)
        if not found.has_hr:
            add("exceptions", "Teams low on compassionate leadership and high on leaving or sickness cannot be "
                "identified without HR data.", "", math.nan, "Staff survey")
        elif window is None:
            add("exceptions", "Teams low on compassionate leadership and high on leaving or sickness could not be "
                f"identified for {found.wave}: " + (found.notes[0] if found.notes else "the HR data do not cover "
                                                    "the survey's window."), "", math.nan, "HR records")
        else:
            share = f"lowest {found.quantile:.0%}"
            low_rule = (f"below {fmt.format_score(found.low_score_below)}" if found.low_score_below is not None
                        else f"in the {share} of teams")
            source = (f"Staff survey {found.wave} (teams with at least {k} responses) and HR records over "
                      f"{window} (the 12 months around the survey, cut to the months the HR data cover)")
            if low.empty:
                add("exceptions", f"No team{where} had compassionate leadership {low_rule} together with a leaver "
                    f"rate or sickness absence rate in the highest {found.quantile:.0%} of teams over {window}.",
                    "", 0, source)
            else:
                count = len(low)
                add("exceptions",
                    f"{count} team{'s' if count != 1 else ''}{where} had compassionate leadership {low_rule} together "
                    f"with a leaver rate or sickness absence rate in the highest {found.quantile:.0%} of teams over "
                    f"{window}: {_team_list(low)}. In these teams lower compassionate leadership is associated with "
                    "more leaving or sickness; these figures alone cannot say why.",
                    ", ".join(low["ref"]), count, source)
        falls = found.falls
        if found.previous_wave is None:
            add("falls", f"There is no survey wave before {found.wave}, so falls in team scores cannot be tested.",
                "", math.nan, "Staff survey")
        else:
            for measure, compared in found.teams_compared.items():
                part = falls[falls["measure"] == measure]
                label = _label_of(measure)
                if not part.empty:
                    label = str(part["label"].iloc[0])
                source = (f"Staff survey {found.previous_wave} and {found.wave}, teams shown in both waves; Welch "
                          "t-test per team, Benjamini–Hochberg adjustment across teams")
                if part.empty:
                    add("falls", f"No team{where} had a significant fall in {label.lower()} between "
                        f"{found.previous_wave} and {found.wave} ({compared} teams compared).", "", 0, source)
                else:
                    count = len(part)
                    add("falls", f"{label} fell significantly between {found.previous_wave} and {found.wave} in "
                        f"{count} team{'s' if count != 1 else ''}{where} (after adjusting for comparing {compared} "
                        f"teams): {_team_list(part.assign(_c=[fmt.format_number(c, 1) for c in part['change']]), '({_c})')}.",
                        ", ".join(part["ref"]), count, source)

    if weakest is not None:
        table = weakest.table
        chosen = table[table["weakest"].astype(bool)]
        if chosen.empty:
            add("behaviours", "The four behaviours of compassionate leadership cannot be compared: their questions "
                "are not shown at organisation level.", "", math.nan, "Staff survey")
        else:
            described = " and ".join(f"{r['label'].lower()} ({r['item']}: \u201c{r['wording']}\u201d)"
                                     for _, r in chosen.iterrows())
            first = chosen.iloc[0]
            add("behaviours",
                f"Of the four behaviours of compassionate leadership, {described} had the lowest share of positive "
                f"answers in {weakest.wave}: {fmt.format_pct(first['pct_positive'])} (n = {fmt.format_n(first['n'])}). "
                f"{BEHAVIOURS_NOTE}",
                ", ".join(chosen["ref"]), first["pct_positive"],
                f"Staff survey {weakest.wave}, organisation level, % positive (the two most favourable answers)")

    out = pd.DataFrame(rows, columns=[c for c in STATEMENT_COLUMNS if c != "ref"])
    out.insert(0, "ref", [f"S{i + 1}" for i in range(len(out))])
    return out


# =================================================================================================
# Everything at once
# =================================================================================================
@dataclass
class BoardReport:
    """Everything the Board assurance page and a board paper show, for one wave.

    ``headline`` (:data:`HEADLINE_COLUMNS`), ``exceptions`` (:class:`BoardExceptions`), ``weakest``
    (:class:`WeakestBehaviour`, whose ``table`` has :data:`BEHAVIOUR_COLUMNS`), ``statements``
    (:data:`STATEMENT_COLUMNS`). ``notes`` collect what could not be computed.
    """

    wave: str
    previous_wave: str | None
    min_group_size: int
    headline: pd.DataFrame
    exceptions: BoardExceptions
    weakest: WeakestBehaviour
    statements: pd.DataFrame
    notes: list[str] = field(default_factory=list)


@dataclass
class BoardFigures:
    """The organisation's board figures for one wave before anyone's RAG thresholds, benchmarks or
    directorate filter: ``headline`` (:func:`headline_figures`, not rated), ``exceptions`` (the whole
    organisation, :func:`exceptions`) and ``weakest`` (:func:`weakest_behaviour`). The costly part of the
    Board, computed once per wave and exclusion choice; :func:`rate_board` finishes it cheaply."""

    wave: str
    min_group_size: int
    headline: pd.DataFrame
    exceptions: BoardExceptions
    weakest: WeakestBehaviour


def board_figures(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                  exclusions: HRExclusions = HRExclusions(), low_score_below: float | None = None,
                  quantile: float = EXCEPTION_QUANTILE, hr_as_of: object = None,
                  hr_description: str = "") -> BoardFigures:
    """The first stage of the Board (see :class:`BoardFigures`); k is the one ``survey`` was suppressed with.

    Raises :class:`InputError` without survey results or for a wave the survey does not have.
    """
    if survey is None:
        raise InputError("No survey results: upload at least one survey file on the Data page.")
    headline = headline_figures(survey, records, wave=wave, exclusions=exclusions, hr_as_of=hr_as_of,
                                hr_description=hr_description)
    found = exceptions(survey, records, wave=wave, exclusions=exclusions, low_score_below=low_score_below,
                       quantile=quantile)
    weakest = weakest_behaviour(survey.item_results, wave, survey.codebook)
    return BoardFigures(wave=str(wave), min_group_size=int(survey.min_group_size), headline=headline,
                        exceptions=found, weakest=weakest)


def rate_board(figures: BoardFigures, *, thresholds: Mapping[str, object] | None = None,
               benchmarks: Mapping[str, object] | None = None, directorate: str | None = None) -> BoardReport:
    """The second stage of the Board: RAG and benchmarks on the headlines (:func:`apply_thresholds`), the
    exceptions narrowed to ``directorate`` (:func:`restrict_to_directorate`) and the statements quoting
    them (:func:`board_statements`)."""
    headline = apply_thresholds(figures.headline, thresholds, benchmarks)
    found = restrict_to_directorate(figures.exceptions, directorate)
    statements = board_statements(headline, found, figures.weakest)
    notes = [n for n in headline["note"].dropna().unique() if n] + found.notes
    return BoardReport(wave=figures.wave, previous_wave=headline.attrs.get("previous_wave"),
                       min_group_size=figures.min_group_size, headline=headline, exceptions=found,
                       weakest=figures.weakest, statements=statements, notes=notes)


def board_report(survey: SurveyResults, records: HRRecords | None, *, wave: str,
                 exclusions: HRExclusions = HRExclusions(),
                 thresholds: Mapping[str, object] | None = None, benchmarks: Mapping[str, object] | None = None,
                 directorate: str | None = None, low_score_below: float | None = None,
                 quantile: float = EXCEPTION_QUANTILE, hr_as_of: object = None, hr_description: str = ""
                 ) -> BoardReport:
    """The whole board assurance content for one wave: :func:`rate_board` of :func:`board_figures`.

    The Board assurance page (which keeps the first stage between reruns), the board pack and the
    command line all build the Board through these two functions.
    """
    figures = board_figures(survey, records, wave=wave, exclusions=exclusions, low_score_below=low_score_below,
                            quantile=quantile, hr_as_of=hr_as_of, hr_description=hr_description)
    return rate_board(figures, thresholds=thresholds, benchmarks=benchmarks, directorate=directorate)


def hr_staff_groups(records: HRRecords | None) -> list[str]:
    """The staff groups named in the HR data (for an exclusion picker); empty without a staff group column."""
    if records is None or not records.has_staff_group:
        return []
    frame = records.assignments if isinstance(records, StaffRecords) else records.table
    return sorted(str(g) for g in frame["staff_group"].dropna().unique())
