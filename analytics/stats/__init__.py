"""Statistics: relationships, count models, reliability, aggregation and trends.

Everything here is pure (pandas, NumPy, SciPy, statsmodels): frames in, frames out, with every output
column documented. The rules come from ``shared/design/domain.md`` §4:

* Survey results and HR records cannot be joined per person, so outcome relationships are at **unit
  level** (one point per team or organisation). Callers pass unit-level frames that contain only units
  the anonymity rules allow to be shown; a suppressed unit carries no score (it is missing), and every
  function here drops missing values case-wise, so a suppressed unit never enters an analysis.
* Effect sizes come with 95% confidence intervals (:data:`analytics.settings.CONFIDENCE_LEVEL`), not
  p-values alone; many tests at once are corrected with Benjamini–Hochberg.
* Results describe associations ("associated with"), never causes.

Respondent-level functions (:func:`mixed_slopes`, :func:`cronbach_alpha`, :func:`icc_aggregation`,
:func:`rwg_j`, :func:`shapley_r2`) return pooled coefficients only, never a row per respondent;
:func:`compare_waves` returns one row per unit and refuses to produce one for a unit below the minimum
reporting group.

Missing values are never treated as zero: each function states which cases it keeps.

Where each statistic lives
--------------------------
- :mod:`analytics.stats.correlation` — :func:`correlations` (Pearson r with Fisher-z CI, Spearman ρ with
  Bonett–Wright CI, weighted and stratified, BH-adjusted), :func:`partial_correlation`, :func:`fisher_ci`.
- :mod:`analytics.stats.count_models` — :func:`binomial_rate_model`, :func:`poisson_rate_model`.
- :mod:`analytics.stats.change` — :func:`change_analysis` (Δ score against Δ outcome between waves).
- :mod:`analytics.stats.multilevel` — :func:`mixed_slopes` (within/between-team), :func:`shapley_r2`.
- :mod:`analytics.stats.agreement` — :func:`cronbach_alpha`, :func:`item_total_correlations`,
  :func:`icc_aggregation`, :func:`rwg_j`.
- :mod:`analytics.stats.waves` — :func:`compare_waves` (Welch, Cohen's d), :func:`compare_proportions`.
- :mod:`analytics.stats.rates` — :func:`compare_rates_poisson`, :func:`compare_rates_quasi_poisson` (HR rate changes).
- :mod:`analytics.stats.multiple` — :func:`benjamini_hochberg`, the one multiple-comparison adjustment.
- :mod:`analytics.stats.fit` — :func:`least_squares_fit` (the line and band drawn on scatter charts).
- :mod:`analytics.stats.funnel` — :func:`funnel_table`, :func:`funnel_limits`, :func:`funnel_exceptions`
  (team HR rates against the organisation with 95% and 99.8% limits, overdispersion-adjusted).

The package re-exports the public names of these modules, so ``from analytics import stats`` and
``stats.correlations(...)`` work as before.
"""

from __future__ import annotations

from analytics.stats._common import MIN_UNITS, MIN_UNITS_FLOOR
from analytics.stats.agreement import (
    ALPHA_COLUMNS, ICC_COLUMNS, ITEM_TOTAL_COLUMNS, RWG_COLUMNS, RWG_STRONG_AGREEMENT, SCORE_MAX, SCORE_MIN,
    cronbach_alpha, icc_aggregation, item_total_correlations, rwg_j)
from analytics.stats.change import change_analysis
from analytics.stats.correlation import (
    CORRELATION_COLUMNS, PARTIAL_CORRELATION_COLUMNS, RATE_RATIO_COLUMNS, CountOutcome, correlations, fisher_ci,
    partial_correlation)
from analytics.stats.count_models import (
    COUNT_MODEL_COLUMNS, EFFECT_MEASURE_BINOMIAL, EFFECT_MEASURE_POISSON, binomial_rate_model, poisson_rate_model)
from analytics.stats.multilevel import (
    MAX_SHAPLEY_PREDICTORS, MIXED_SLOPE_COLUMNS, MIXED_TERM_BETWEEN, MIXED_TERM_WITHIN, SHAPLEY_COLUMNS,
    mixed_slopes, shapley_r2)
from analytics.stats.fit import least_squares_fit
from analytics.stats.funnel import (
    FUNNEL_COLUMNS, FUNNEL_KINDS, FUNNEL_LIMIT_COLUMNS, funnel_exceptions, funnel_limits, funnel_table, pearson_z,
    winsorised_dispersion)
from analytics.stats.multiple import benjamini_hochberg
from analytics.stats.rates import compare_rates_poisson, compare_rates_quasi_poisson
from analytics.stats.waves import PROPORTION_CHANGE_COLUMNS, WAVE_CHANGE_COLUMNS, compare_proportions, compare_waves

