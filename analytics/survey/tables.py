"""Aggregate tables of one set of survey results, for pages, exports and the command line.

Every function here takes a :class:`~analytics.survey.pipeline.SurveyResults` and returns an aggregate
table of units or questions; the respondent-level rows it may need (wave comparisons, reliability) stay
inside ``SurveyResults.scored`` and never leave the analytics package. The anonymity threshold is the
one the results were suppressed with (``SurveyResults.min_group_size``), so callers never pass it.

Each function is the named analytics function with the results' own tables, codebook and threshold:

==========================  ==============================================================
function                     computes with
==========================  ==============================================================
:func:`unit_table`           :func:`analytics.survey.trends.unit_table`
:func:`unit_trend`           :func:`analytics.survey.trends.unit_trend`
:func:`item_changes`         :func:`analytics.survey.trends.item_changes`
:func:`unit_options`         :func:`analytics.survey.trends.unit_options`
:func:`item_missingness`     :func:`analytics.survey.reliability.item_missingness`
:func:`measure_reliability`  :func:`analytics.survey.reliability.measure_reliability`
:func:`item_total_table`     :func:`analytics.survey.reliability.item_total_table`
:func:`aggregation_table`    :func:`analytics.survey.reliability.aggregation_table`
==========================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analytics import settings
from analytics.survey import reliability, trends
from analytics.survey.pipeline import SurveyResults


def has_respondent_data(survey: SurveyResults | None) -> bool:
    """Whether the results were scored from respondent rows (published unit-level results were not), so that
    the tables needing them (wave tests, reliability) can be computed."""
    return survey is not None and survey.scored is not None


def _respondents(survey: SurveyResults) -> pd.DataFrame | None:
    return survey.scored.respondents if survey.scored is not None else None


def unit_options(survey: SurveyResults, *, level: str, wave: object = None,
                 directorate: str | None = None) -> pd.DataFrame:
    """The units of a level for a chooser (:func:`analytics.survey.trends.unit_options`); ``directorate``
    narrows the teams to those of one directorate."""
    parents = [directorate] if directorate and level == settings.LEVEL_TEAM else None
    return trends.unit_options(survey.unit_scores, level=level, wave=wave, parents=parents)


def unit_table(survey: SurveyResults, *, wave: object, measure: str, level: str = settings.LEVEL_TEAM,
               directorate: str | None = None) -> pd.DataFrame:
    """One row per unit of a level in one wave with its change since the previous wave
    (:func:`analytics.survey.trends.unit_table`); ``directorate`` keeps the units whose parent it is."""
    return trends.unit_table(survey.unit_scores, _respondents(survey), wave=wave, measure=measure, level=level,
                             parents=[directorate] if directorate else None,
                             min_group_size=survey.min_group_size)


def unit_trend(survey: SurveyResults, *, level: str, unit: str, parent: str | None,
               measures: Sequence[str]) -> pd.DataFrame:
    """One unit's measures across waves, each change tested (:func:`analytics.survey.trends.unit_trend`)."""
    return trends.unit_trend(survey.unit_scores, _respondents(survey), level=level, unit=unit, parent=parent,
                             measures=list(measures), min_group_size=survey.min_group_size)


def item_changes(survey: SurveyResults, *, wave: object, level: str, unit: str, parent: str | None) -> pd.DataFrame:
    """A unit's % positive per question against the organisation and the previous wave
    (:func:`analytics.survey.trends.item_changes`)."""
    return trends.item_changes(survey.item_results, wave=wave, level=level, unit=unit, parent=parent,
                               codebook=survey.codebook, min_group_size=survey.min_group_size)


def item_missingness(survey: SurveyResults) -> pd.DataFrame:
    """Share of respondents without a scorable answer, per question and wave
    (:func:`analytics.survey.reliability.item_missingness`)."""
    return reliability.item_missingness(survey.scored, survey.codebook, min_group_size=survey.min_group_size)


def measure_reliability(survey: SurveyResults) -> pd.DataFrame:
    """Cronbach's α with its confidence interval per measure and wave
    (:func:`analytics.survey.reliability.measure_reliability`)."""
    return reliability.measure_reliability(survey.scored, survey.codebook, min_group_size=survey.min_group_size)


def item_total_table(survey: SurveyResults, *, wave: str) -> pd.DataFrame:
    """Corrected item–total correlations and α if deleted, for one wave
    (:func:`analytics.survey.reliability.item_total_table`)."""
    return reliability.item_total_table(survey.scored, survey.codebook, min_group_size=survey.min_group_size,
                                        wave=wave)


def aggregation_table(survey: SurveyResults) -> pd.DataFrame:
    """ICC(1), ICC(2) and rwg(j) per measure and wave: whether averaging respondents into teams is justified
    (:func:`analytics.survey.reliability.aggregation_table`)."""
    return reliability.aggregation_table(survey.scored, survey.codebook, min_group_size=survey.min_group_size)
