"""Column contracts, labels and small helpers shared by the Board's modules."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.missing import is_missing
from analytics.wave_window import period_text as _period_text  # noqa: F401 (board modules use it)


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


#: The wave's survey did not ask the measure, which another wave did ask (:mod:`analytics.survey.asked`).
AVAILABILITY_NOT_ASKED = settings.NOT_ASKED_LABEL


AVAILABILITY_NO_HR = "no HR data"


AVAILABILITY_NO_ABSENCE = "no absence data"


AVAILABILITY_NOT_COVERED = "HR data do not cover the window"


AVAILABILITY_NO_PREVIOUS = "no previous wave"


#: Test names (column ``test``).
TEST_WELCH = "Welch t-test on respondent scores"


TEST_POISSON_EXACT = "exact conditional Poisson test (leavers over average staff in post)"


TEST_QUASI_POISSON = "quasi-Poisson Wald test (monthly FTE days lost over FTE days available)"


TEST_NONE = "not tested"


#: Cohen (1988) conventions for |d|: below 0.2 negligible, then small, medium (0.5), large (0.8).
COHEN_D_BANDS = ((0.2, "negligible"), (0.5, "small"), (0.8, "medium"), (math.inf, "large"))


def _float(value: object) -> float:
    return math.nan if is_missing(value) else float(value)


def effect_size_magnitude(d: object) -> str | None:
    """Cohen's (1988) words for a standardised mean difference: negligible, small, medium or large."""
    if is_missing(d):
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


#: How a missing p-value reads in a sentence.
P_MISSING = "p not available"


#: How the Board decides a team's leaver or sickness rate is high (one phrase for the statements, the
#: page and the pack): :func:`analytics.board.exceptions.exceptions_from_outcomes`.
HIGH_RATE_RULE = ("above the 95% control limit for a team of its size (funnel plot against all teams' rate, "
                  "allowing for chance)")
