"""Relationships between survey measures and outcomes: the ``relate`` analyses (unit and respondent level).

Survey results are anonymous, so they cannot be joined to HR records person by person (domain.md §4).
This module puts the pieces of :mod:`analytics.outcomes` and :mod:`analytics.stats` together:

* :func:`relate_survey_hr` — one row per team (or directorate) of a wave, its survey scores next to its
  HR outcomes over the **concurrent** or **lagged** window (:func:`analytics.outcomes.unit_outcomes`),
  then Pearson r (Fisher-z 95% CI), Spearman ρ (Bonett–Wright CI), n, p and Benjamini–Hochberg adjusted
  p across every row of the result (:func:`analytics.stats.correlations`); for leaver rate and sickness
  rate also the count model's ratio per 1-point higher score (binomial GLM of leavers out of average
  staff in post; quasi-Poisson GLM of FTE days lost with log FTE days available as offset). Optional
  weighting by responses, stratification by directorate or staff-mix band, and partial correlation
  adjusting for the share of registered nursing staff and team size.
* :func:`relate_change` — the change in score between two waves against the change in outcome.
* :func:`relate_units` / :func:`read_units_file` — a unit-level file (e.g. organisation-level survey
  scores with sickness rates, one row per organisation) related directly, optionally stratified.
* :func:`drivers` — relative importance (Shapley decomposition of R², general dominance) of the four
  compassionate-leadership questions, or of sub-scores, for morale or thinking about leaving.
* :func:`within_between` — within-team and between-team slopes of a survey outcome on compassionate
  leadership, with a team random intercept.

Anonymity
---------
Only units the survey results show enter a unit-level analysis: suppressed units have no score and
:func:`~analytics.outcomes.unit_outcomes` leaves them out, so an extreme HR figure of a suppressed team
cannot move n or r. The respondent-level analyses use ``survey.scored`` inside this module only and
return pooled coefficients; they refuse a scope with fewer respondents than the anonymity threshold,
and :func:`within_between` uses only respondents of teams that are shown. The unit "Not recorded"
(respondents or staff with a blank team) is not a team and is left out of every analysis here.

Every result carries n, the unit of analysis and the window. Results describe associations between
units, never causes.

Modules: :mod:`~analytics.relate.survey_hr` (:func:`relate_survey_hr`, :func:`relate_change`),
:mod:`~analytics.relate.units` (the survey×HR join per wave, :func:`wave_units`, and the staff mix),
:mod:`~analytics.relate.unit_files` (:func:`read_units_file`, :func:`relate_units`),
:mod:`~analytics.relate.respondents` (:func:`drivers`, :func:`within_between`) and
:mod:`~analytics.relate.common` (defaults, column contracts, result objects). The package re-exports their
public names.
"""

from __future__ import annotations

from analytics.relate.common import (
    BY_DIRECTORATE, BY_STAFF_MIX, COUNT_OUTCOMES, COVARIATES, COVARIATE_PCT_REGISTERED_NURSING, COVARIATE_TEAM_SIZE,
    DEFAULT_MEASURES, DEFAULT_OUTCOMES, DRIVERS_ITEMS, DRIVERS_SUB_SCORES, DRIVER_COLUMNS, DRIVER_SETS,
    DRIVER_SUB_SCORES, HR_OUTCOMES, IMPLAUSIBLE_LEAVER_RATE, RATE_RATIO_COLUMNS, REGISTERED_NURSING_GROUPS,
    RELATE_COLUMNS, RELATE_CONTEXT_COLUMNS, RELATE_TABLE_COLUMNS, STAFF_MIX_BANDS, STRATIFY_COLUMNS,
    SURVEY_OUTCOMES, UNIT_OF_ANALYSIS_RESPONDENT, WEIGHT_RESPONSES, DriversResult, RelateResult, SlopesResult,
    shared_items)
from analytics.relate.respondents import drivers, within_between
from analytics.relate.survey_hr import relate_change, relate_survey_hr
from analytics.relate.unit_files import read_units_file, relate_units
from analytics.relate.units import WaveUnits, staff_mix, staff_mix_band, wave_units

