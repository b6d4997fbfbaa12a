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
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics.errors import InputError
from analytics.settings import CONFIDENCE_LEVEL, DEFAULT_MIN_GROUP_SIZE, MIN_GROUP_SIZE_FLOOR

# --- Constants ------------------------------------------------------------------------------------
#: Fewest units (teams, organisations) for which a correlation or count model is reported. Below it
#: the row keeps its n and says "too few units"; its statistics are left empty.
MIN_UNITS = 5
#: The smallest ``min_units`` a caller may ask for: a Fisher-z interval needs n - 3 > 0.
MIN_UNITS_FLOOR = 4
#: Most predictors :func:`shapley_r2` accepts: it fits all 2**p subsets (4,096 at 12).
MAX_SHAPLEY_PREDICTORS = 12
#: Item scores run from 0 to 10 (domain.md §1); :func:`rwg_j` uses this range by default.
SCORE_MIN = 0.0
SCORE_MAX = 10.0
#: Conventional cut-off for "strong agreement" with rwg(j) (LeBreton & Senter 2008).
RWG_STRONG_AGREEMENT = 0.70

#: Columns of :func:`correlations` (the ``relate`` output), in order.
CORRELATION_COLUMNS = (
    "x", "y", "group", "n", "r", "r_ci_low", "r_ci_high", "p", "p_adj",
    "rho", "rho_ci_low", "rho_ci_high", "note",
)
#: Columns added by :func:`correlations` when ``count_outcomes`` is given.
RATE_RATIO_COLUMNS = ("rate_ratio", "rr_ci_low", "rr_ci_high")
#: Columns of :func:`binomial_rate_model` and :func:`poisson_rate_model`.
COUNT_MODEL_COLUMNS = (
    "score", "outcome", "n", "coef", "se", "rate_ratio", "rr_ci_low", "rr_ci_high", "p", "dispersion",
    "effect_measure", "note",
)
#: What exp(coefficient) is for each count model.
EFFECT_MEASURE_BINOMIAL = "odds ratio (close to the rate ratio when leaving is rare)"
EFFECT_MEASURE_POISSON = "rate ratio"
#: Columns of :func:`partial_correlation`.
PARTIAL_CORRELATION_COLUMNS = ("x", "y", "covariates", "method", "n", "r", "ci_low", "ci_high", "p")
#: Columns of :func:`mixed_slopes`.
MIXED_SLOPE_COLUMNS = (
    "outcome", "predictor", "term", "coef", "ci_low", "ci_high", "p", "n_respondents", "n_teams", "note",
)
MIXED_TERM_WITHIN = "within team"
MIXED_TERM_BETWEEN = "between team"
#: Columns of :func:`shapley_r2`.
SHAPLEY_COLUMNS = ("predictor", "n", "shapley_r2", "share", "r")
#: Columns of :func:`cronbach_alpha`.
ALPHA_COLUMNS = ("n", "n_items", "alpha", "ci_low", "ci_high")
#: Columns of :func:`item_total_correlations`.
ITEM_TOTAL_COLUMNS = ("item", "n", "item_total_r", "alpha_if_deleted")
#: Columns of :func:`icc_aggregation`.
ICC_COLUMNS = (
    "measure", "n_respondents", "n_groups", "mean_group_size", "icc1", "icc2", "f", "df_between",
    "df_within", "p",
)
#: Columns of :func:`rwg_j`.
RWG_COLUMNS = ("n_groups", "n_items", "mean_rwg_j", "median_rwg_j", "share_strong_agreement")
#: Columns of :func:`compare_waves`.
WAVE_CHANGE_COLUMNS = (
    "unit", "n_from", "n_to", "mean_from", "mean_to", "change", "t", "p", "p_adj", "cohens_d", "significant",
)
#: Columns of :func:`compare_proportions`.
PROPORTION_CHANGE_COLUMNS = (
    "n_from", "n_to", "pct_from", "pct_to", "change_points", "change_ci_low", "change_ci_high", "z", "p",
    "p_adj", "suppressed",
)


# --- Small helpers --------------------------------------------------------------------------------
def _z_critical(confidence: float) -> float:
    _check_confidence(confidence)
    return float(sps.norm.ppf(0.5 + confidence / 2))


def _check_confidence(confidence: float) -> None:
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise InputError(f"The confidence level must be between 0 and 1 (for example 0.95); got {confidence!r}.")


def _as_list(columns: str | Iterable[str] | None) -> list[str]:
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return [str(c) for c in columns]


def _require_frame(data: object, what: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"The {what} must be a table; got {type(data).__name__}.")
    return data


def _require_columns(data: pd.DataFrame, columns: Iterable[str], role: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        available = ", ".join(f"'{c}'" for c in list(data.columns)[:20])
        raise InputError(
            f"The {role} column {names} is not in the table. Columns available: {available}.",
            column=missing[0],
        )


def _row_of(label: object) -> int | None:
    """Spreadsheet row of an index label when the frame is indexed that way (analytics.ingest.raw)."""
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool) and int(label) >= 2:
        return int(label)
    return None


def _numeric(data: pd.DataFrame, column: str, role: str) -> pd.Series:
    """The column as float, missing kept missing; text that is not a number is refused."""
    series = data[column]
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    converted = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & converted.isna() & (series.astype(str).str.strip() != "")
    if bad.any():
        label = bad[bad].index[0]
        raise InputError(
            f"The {role} column '{column}' must hold numbers, but it contains {series[label]!r}. "
            "Correct or remove that value, or choose another column.",
            column=column, row=_row_of(label),
        )
    return converted.astype(float)


def _non_negative(values: pd.Series, column: str, role: str) -> None:
    negative = values < 0
    if negative.any():
        label = negative[negative].index[0]
        raise InputError(
            f"The {role} column '{column}' has a negative value ({values[label]:g}); counts and days "
            "cannot be negative. Correct the value and try again.",
            column=column, row=_row_of(label),
        )


def _check_min_units(min_units: int) -> None:
    if not isinstance(min_units, (int, np.integer)) or min_units < MIN_UNITS_FLOOR:
        raise InputError(
            f"The minimum number of units must be a whole number of at least {MIN_UNITS_FLOOR}; got {min_units!r}."
        )


def _check_min_group_size(min_group_size: int) -> None:
    if not isinstance(min_group_size, (int, np.integer)) or min_group_size < MIN_GROUP_SIZE_FLOOR:
        raise InputError(
            f"The minimum reporting group must be a whole number of at least {MIN_GROUP_SIZE_FLOOR} "
            f"responses; got {min_group_size!r}."
        )


def _design(data: pd.DataFrame, covariates: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """Numeric design columns for covariates: numbers as they are, text dummy-coded.

    A text (categorical) covariate becomes one 0/1 column per level except the first in sorted order
    (the reference level). Returns the design frame (same index as ``data``, missing where the covariate
    is missing) and its column names.
    """
    parts: dict[str, pd.Series] = {}
    for cov in covariates:
        series = data[cov]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            parts[cov] = series.astype(float)
            continue
        numeric = pd.to_numeric(series, errors="coerce")
        if numeric.notna().sum() == series.notna().sum():
            parts[cov] = numeric.astype(float)
            continue
        levels = sorted(series.dropna().astype(str).unique())
        text = series.astype(object).where(series.notna())
        for level in levels[1:]:
            column = f"{cov}={level}"
            parts[column] = pd.Series(np.where(text.isna(), np.nan, (text.astype(str) == level).astype(float)),
                                      index=data.index)
    design = pd.DataFrame(parts, index=data.index)
    return design, list(parts)


def _bh(p_values: pd.Series) -> pd.Series:
    """Benjamini–Hochberg adjusted p for the non-missing entries (missing stays missing)."""
    adjusted = pd.Series(np.nan, index=p_values.index, dtype=float)
    present = p_values.notna()
    if present.any():
        adjusted[present] = sps.false_discovery_control(p_values[present].to_numpy(dtype=float), method="bh")
    return adjusted


def fisher_ci(
    r: float, n: float, *, confidence: float = CONFIDENCE_LEVEL, n_covariates: int = 0,
    variance_factor: float = 1.0,
) -> tuple[float, float]:
    """Confidence interval for a correlation through Fisher's z transformation.

    ``tanh(atanh(r) ± z_c * sqrt(variance_factor / (n - 3 - n_covariates)))`` with ``z_c`` the normal
    quantile for ``confidence`` (Fisher 1921). ``variance_factor`` is 1 for Pearson r and
    ``1 + rho**2 / 2`` for Spearman's rho (Bonett & Wright 2000).

    Parameters
    ----------
    r
        The correlation, in [-1, 1].
    n
        Number of cases (may be an effective, non-integer n).
    confidence
        Two-sided confidence level.
    n_covariates
        Covariates partialled out (0 for a simple correlation).
    variance_factor
        Multiplier of the 1 / (n - 3 - k) variance of z.

    Returns
    -------
    (low, high)
        Both missing when ``r`` is missing or ``n - 3 - n_covariates <= 0``; both equal ``r`` when
        ``|r| = 1``.

    Notes
    -----
    Validated against ``scipy.stats.pearsonr(x, y).confidence_interval()`` and against the intervals of
    ``pingouin.partial_corr``.

    Examples
    --------
    >>> low, high = fisher_ci(0.5, 28)
    >>> round(low, 4), round(high, 4)
    (0.156, 0.7358)
    """
    return _fisher_interval(r, n - 3 - n_covariates, _z_critical(confidence), variance_factor)


def _fisher_interval(r: float, df: float, z_crit: float, variance_factor: float = 1.0) -> tuple[float, float]:
    if r is None or not np.isfinite(r) or not np.isfinite(df) or df <= 0:
        return (math.nan, math.nan)
    if abs(r) >= 1:
        return (float(r), float(r))
    half_width = z_crit * math.sqrt(variance_factor / df)
    z = math.atanh(r)
    return (math.tanh(z - half_width), math.tanh(z + half_width))


def _correlation_p(r: float, df: float) -> float:
    """Two-sided p for H0: rho = 0 from Student's t with ``df`` degrees of freedom."""
    if not np.isfinite(r) or not np.isfinite(df) or df <= 0:
        return math.nan
    if abs(r) >= 1:
        return 0.0
    t = r * math.sqrt(df / (1 - r * r))
    return float(2 * sps.t.sf(abs(t), df))


def _weighted_corr_matrix(values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Correlation matrix of the columns of ``values`` (complete rows), optionally weighted."""
    if weights is None:
        centred = values - values.mean(axis=0)
        cov = centred.T @ centred
    else:
        w = weights / weights.sum()
        centred = values - w @ values
        cov = (centred * w[:, None]).T @ centred
    sd = np.sqrt(np.diag(cov))
    return cov / np.outer(sd, sd)


def _partial_r(corr: np.ndarray) -> float:
    """r between columns 0 and 1 of a correlation matrix, given the remaining columns."""
    if corr.shape[0] == 2:
        return float(np.clip(corr[0, 1], -1, 1))
    precision = np.linalg.pinv(corr, hermitian=True)
    return float(np.clip(-precision[0, 1] / math.sqrt(precision[0, 0] * precision[1, 1]), -1, 1))


# --- Correlations ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CountOutcome:
    """How an outcome rate is built from counts, so :func:`correlations` can add a rate ratio.

    Attributes
    ----------
    model
        ``"binomial"``: ``events`` out of ``denominator`` trials (leavers out of average staff in post),
        see :func:`binomial_rate_model`. ``"poisson"``: ``events`` over ``denominator`` exposure (FTE days
        lost over FTE days available), see :func:`poisson_rate_model`.
    events
        Column with the count (leavers, FTE days lost).
    denominator
        Column with the trials (average staff in post) or the exposure (FTE days available).
    """

    model: Literal["binomial", "poisson"]
    events: str
    denominator: str

    def __post_init__(self) -> None:
        if self.model not in ("binomial", "poisson"):
            raise InputError(f"A count outcome's model must be 'binomial' or 'poisson'; got {self.model!r}.")


def _count_outcome(name: str, spec: object) -> CountOutcome:
    """A CountOutcome, or a (model, events, denominator) triple turned into one."""
    if isinstance(spec, CountOutcome):
        return spec
    if isinstance(spec, (tuple, list)) and len(spec) == 3 and all(isinstance(v, str) for v in spec):
        return CountOutcome(*spec)
    raise InputError(f"The counts for outcome '{name}' must be given as (model, events column, denominator "
                     f"column), e.g. ('binomial', 'leavers', 'average_staff_in_post'); got {spec!r}.")


def correlations(
    data: pd.DataFrame,
    x: str | Sequence[str],
    y: str | Sequence[str],
    *,
    by: str | None = None,
    include_pooled: bool = False,
    weights: str | None = None,
    covariates: Sequence[str] = (),
    count_outcomes: Mapping[str, CountOutcome] | None = None,
    min_units: int = MIN_UNITS,
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Unit-level Pearson and Spearman correlations of every x with every y, with CIs and BH.

    Parameters
    ----------
    data
        One row per unit (team, directorate, organisation): scores and outcomes as columns. Only units
        that may be shown should be passed; a suppressed unit's score is missing and drops out.
    x, y
        Column names (one or several). Every x is paired with every y; a column paired with itself is
        skipped.
    by
        Optional grouping column (benchmarking group, directorate, staff-mix band): one row per group.
        Units whose group is missing are left out of the stratified rows.
    include_pooled
        With ``by``, also report each pair over all units, with ``group`` empty.
    weights
        Optional column of non-negative weights (e.g. responses per unit) for Pearson r. Units with a
        missing or zero weight are left out of every statistic of the pair.
    covariates
        Optional columns to adjust for: r and rho become partial correlations. A text column (e.g.
        benchmarking group) is dummy-coded; a covariate that is constant within a stratum is dropped
        there (its effect is already held fixed).
    count_outcomes
        Optional ``{y column: CountOutcome}`` (or ``(model, events, denominator)`` triples): for those
        outcomes the row also gets the rate ratio per 1-point higher x from :func:`binomial_rate_model` or
        :func:`poisson_rate_model` (quasi-likelihood, adjusted for ``covariates``; ``weights`` are not
        used, the model weights by its denominator).
    min_units
        Fewest units for which statistics are reported (at least 4; 3 more than the covariates).
    confidence
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per x × y × group, ordered by x, then y, then group (the pooled row first, then groups in
        sorted order); columns :data:`CORRELATION_COLUMNS` (then :data:`RATE_RATIO_COLUMNS` when
        ``count_outcomes`` is given):

        ``x``, ``y``, ``group``
            The pair and the group ("" when not stratified, or for the pooled row).
        ``n``
            Units with x, y (and weight and covariates) all present.
        ``r``, ``r_ci_low``, ``r_ci_high``
            Pearson (or partial) r with its Fisher-z interval.
        ``p``
            Two-sided p for r = 0 (Student's t, n - 2 - k df).
        ``p_adj``
            Benjamini–Hochberg adjusted p across every row of this result that has a p
            (``scipy.stats.false_discovery_control``).
        ``rho``, ``rho_ci_low``, ``rho_ci_high``
            Spearman's rho (always unweighted) with its Fisher-z interval using the Bonett–Wright
            variance.
        ``note``
            Why statistics are empty ("too few units (n=3; at least 5 needed)", "no variation in …"),
            and how r was weighted or adjusted; "" otherwise.
        ``rate_ratio``, ``rr_ci_low``, ``rr_ci_high``
            exp(coefficient of x) and its Wald interval, for the rows whose y is in ``count_outcomes``.

    Notes
    -----
    *Pearson r* with the Fisher (1921) interval ``tanh(atanh(r) ± z_{0.975} / sqrt(n - 3))``; p from
    ``t = r sqrt((n - 2) / (1 - r²))`` with n - 2 df — the same as ``scipy.stats.pearsonr``.

    *Spearman's rho* is Pearson's r of the mid-ranks, ranked within the pair's complete cases (so it
    equals ``scipy.stats.spearmanr`` on those cases). Its interval uses the variance of atanh(rho)
    ``(1 + rho²/2) / (n - 3)`` of Bonett, D. G. & Wright, T. A. (2000), Sample size requirements for
    estimating Pearson, Kendall and Spearman correlations, *Psychometrika* 65(1), 23–28. Ranking is
    per pair on unit-level rows (hundreds), which is cheap; the slow pattern the architecture notes warn
    about (pandas' pairwise Spearman on respondent rows) is never used.

    *Weighted r* (``weights``): ``r_w = Σw(x - x̄_w)(y - ȳ_w) / sqrt(Σw(x - x̄_w)² Σw(y - ȳ_w)²)``
    with weighted means. Its interval and p use Kish's effective number of units
    ``n_eff = (Σw)² / Σw²`` in place of n (n_eff ≤ n, so the interval is never narrower than an
    unweighted one on the same units); the note gives n_eff. ``n`` stays the count of units.

    *Partial correlations* (``covariates``, k design columns): from the inverse of the correlation matrix
    of x, y and the covariates (for rho, of their ranks), with interval ``sqrt(1 / (n - 3 - k))`` and p
    on n - 2 - k df, as ``pingouin.partial_corr``.

    Missing data: pairwise complete cases (x, y, and weight/covariates when used). Rows with fewer than
    ``min_units`` (or k + 4) units keep their n and a note; their statistics are empty and they are not
    part of the BH correction. Results describe association between units, not cause.

    Validated against ``scipy.stats.pearsonr`` / ``spearmanr`` (r, p, interval),
    ``scipy.stats.false_discovery_control`` and ``pingouin.partial_corr`` (see tests/test_stats.py).
    """
    data = _require_frame(data, "unit table")
    xs, ys, covs = _as_list(x), _as_list(y), _as_list(covariates)
    if not xs or not ys:
        raise InputError("Choose at least one score (x) and one outcome (y) to relate.")
    _check_min_units(min_units)
    _check_confidence(confidence)
    count_outcomes = {name: _count_outcome(name, spec) for name, spec in (count_outcomes or {}).items()}
    needed = xs + ys + covs + ([by] if by else []) + ([weights] if weights else [])
    for outcome in count_outcomes.values():
        needed += [outcome.events, outcome.denominator]
    _require_columns(data, dict.fromkeys(needed), "chosen")
    overlap = [c for c in covs if c in xs or c in ys or c == weights]
    if overlap:
        raise InputError(f"The column '{overlap[0]}' cannot be both a covariate and a score, outcome or weight.",
                         column=overlap[0])

    numeric = {c: _numeric(data, c, "score or outcome") for c in dict.fromkeys(xs + ys)}
    weight = None
    if weights:
        weight = _numeric(data, weights, "weights")
        _non_negative(weight, weights, "weights")
    design, design_columns = _design(data, covs)

    # Work on NumPy arrays: masks and ranks are computed once per stratum, not per pair.
    arrays = {c: series.to_numpy(dtype=float) for c, series in numeric.items()}
    usable = np.ones(len(data), dtype=bool)
    weight_array = None
    if weight is not None:
        weight_array = weight.to_numpy(dtype=float)
        usable &= np.isfinite(weight_array) & (weight_array > 0)
    design_array = design.to_numpy(dtype=float) if design_columns else np.empty((len(data), 0))
    usable &= np.isfinite(design_array).all(axis=1)

    strata: list[tuple[str, np.ndarray]] = []
    if by:
        group_values = data[by]
        if include_pooled:
            strata.append(("", np.ones(len(data), dtype=bool)))
        for level in sorted(group_values.dropna().astype(str).unique()):
            strata.append((level, (group_values.notna() & (group_values.astype(str) == level)).to_numpy()))
    else:
        strata.append(("", np.ones(len(data), dtype=bool)))

    z_crit = _z_critical(confidence)
    results: dict[tuple[str, str, str], dict] = {}
    for group, in_group in strata:
        base = in_group & usable
        rank_cache = _RankCache(arrays, design_array, base)
        for x_name in xs:
            for y_name in ys:
                if x_name == y_name:
                    continue
                row = _correlation_row(
                    x_name, y_name, arrays, base, weight_array, weights, design_array, covs, min_units,
                    z_crit, rank_cache,
                )
                row = {"x": x_name, "y": y_name, "group": group, **row}
                if count_outcomes:
                    row.update(dict.fromkeys(RATE_RATIO_COLUMNS, math.nan))
                    outcome = count_outcomes.get(y_name)
                    if outcome is not None and np.isfinite(row["r"]):
                        _add_rate_ratio(row, data, x_name, outcome, in_group & np.isfinite(arrays[y_name]),
                                        covs, min_units, confidence)
                results[(x_name, y_name, group)] = row
    # Rows ordered x, then y, then group (pooled first, then groups in sorted order).
    rows = [results[(x_name, y_name, group)] for x_name in xs for y_name in ys if x_name != y_name
            for group, _ in strata]
    columns = list(CORRELATION_COLUMNS) + (list(RATE_RATIO_COLUMNS) if count_outcomes else [])
    result = pd.DataFrame(rows, columns=columns)
    result["n"] = result["n"].astype("int64")
    result["p_adj"] = _bh(result["p"].astype(float))
    for column in ("x", "y", "group", "note"):
        result[column] = result[column].astype(str)
    return result


class _RankCache:
    """Mid-ranks of columns within one stratum, computed once and reused by every pair whose complete
    cases are the whole stratum (the usual case); other pairs are ranked on their own cases."""

    def __init__(self, arrays: dict[str, np.ndarray], design: np.ndarray, base: np.ndarray) -> None:
        self.arrays, self.design, self.base = arrays, design, base
        self._ranks: dict[str, np.ndarray] = {}
        self._design_ranks: np.ndarray | None = None

    def complete_in_base(self, name: str) -> bool:
        return bool(np.isfinite(self.arrays[name][self.base]).all())

    def ranks(self, name: str) -> np.ndarray:
        if name not in self._ranks:
            self._ranks[name] = sps.rankdata(self.arrays[name][self.base])
        return self._ranks[name]

    def design_ranks(self) -> np.ndarray:
        if self._design_ranks is None:
            rows = self.design[self.base]
            self._design_ranks = sps.rankdata(rows, axis=0) if rows.size else rows
        return self._design_ranks


def _correlation_row(
    x_name: str, y_name: str, arrays: dict[str, np.ndarray], base: np.ndarray, weight: np.ndarray | None,
    weight_name: str | None, design: np.ndarray, covariate_names: list[str], min_units: int, z_crit: float,
    rank_cache: _RankCache,
) -> dict:
    x, y = arrays[x_name], arrays[y_name]
    keep = base & np.isfinite(x) & np.isfinite(y)
    n = int(keep.sum())
    whole_stratum = n == int(base.sum())
    empty = dict.fromkeys(("r", "r_ci_low", "r_ci_high", "p", "p_adj", "rho", "rho_ci_low", "rho_ci_high"),
                          math.nan)
    xv, yv = x[keep], y[keep]
    cov_values = design[keep]
    # A covariate constant within this stratum carries no information here: drop it.
    varying = np.ptp(cov_values, axis=0) > 0 if n else np.zeros(cov_values.shape[1], dtype=bool)
    cov_values = cov_values[:, varying]
    k = cov_values.shape[1]
    needed = max(min_units, k + 4)
    if n < needed:
        extra = f" with {k} covariate column{'s' if k != 1 else ''}" if k else ""
        return {"n": n, **empty, "note": f"too few units (n={n}; at least {needed} needed{extra})"}
    for values, label in ((xv, x_name), (yv, y_name)):
        if np.ptp(values) == 0:
            return {"n": n, **empty, "note": f"no variation in '{label}' across these units"}
    notes: list[str] = []
    stacked = np.column_stack([xv, yv, cov_values])
    if k and np.linalg.matrix_rank(_weighted_corr_matrix(stacked, None)) < stacked.shape[1]:
        return {"n": n, **empty, "note": "the covariates are collinear with each other or with x or y here"}

    w = weight[keep] if weight is not None else None
    r = _partial_r(_weighted_corr_matrix(stacked, w))
    n_for_inference = float(n)
    if w is not None:
        n_for_inference = float(w.sum() ** 2 / (w ** 2).sum())
        notes.append(f"r weighted by '{weight_name}' (effective n = {n_for_inference:.1f}); rho unweighted")
    r_low, r_high = _fisher_interval(r, n_for_inference - 3 - k, z_crit)
    p = _correlation_p(r, n_for_inference - 2 - k)

    if whole_stratum:
        ranks = np.column_stack([rank_cache.ranks(x_name), rank_cache.ranks(y_name),
                                 rank_cache.design_ranks()[:, varying]])
    else:
        ranks = sps.rankdata(stacked, axis=0)
    rho = _partial_r(_weighted_corr_matrix(ranks, None))
    rho_low, rho_high = _fisher_interval(rho, n - 3 - k, z_crit, 1 + rho * rho / 2)
    if covariate_names:
        notes.append("partial r and rho adjusted for " + ", ".join(f"'{c}'" for c in covariate_names))
    return {"n": n, "r": r, "r_ci_low": r_low, "r_ci_high": r_high, "p": p, "p_adj": math.nan,
            "rho": rho, "rho_ci_low": rho_low, "rho_ci_high": rho_high, "note": "; ".join(notes)}


def _add_rate_ratio(
    row: dict, data: pd.DataFrame, x_name: str, outcome: CountOutcome, rows: np.ndarray,
    covariates: list[str], min_units: int, confidence: float,
) -> None:
    subset = data.loc[rows]
    fit = binomial_rate_model if outcome.model == "binomial" else poisson_rate_model
    model = fit(subset, x_name, outcome.events, outcome.denominator, covariates=covariates,
                min_units=min_units, confidence=confidence).iloc[0]
    row["rate_ratio"], row["rr_ci_low"], row["rr_ci_high"] = (
        model["rate_ratio"], model["rr_ci_low"], model["rr_ci_high"])
    extra = []
    if model["n"] != row["n"]:
        extra.append(f"rate ratio on {model['n']} units")
    if outcome.model == "binomial" and np.isfinite(model["rate_ratio"]):
        extra.append("rate ratio is an odds ratio (close to the rate ratio when leaving is rare)")
    if model["note"]:
        extra.append(f"count model: {model['note']}")
    if extra:
        row["note"] = "; ".join([row["note"], *extra] if row["note"] else extra)


def partial_correlation(
    data: pd.DataFrame,
    x: str,
    y: str,
    covariates: str | Sequence[str],
    *,
    method: Literal["pearson", "spearman"] = "pearson",
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Partial correlation of x and y adjusting for covariates (e.g. % registered nurses, team size).

    Parameters
    ----------
    data
        One row per unit (or respondent).
    x, y
        The two columns to correlate.
    covariates
        One or more columns to partial out; text columns are dummy-coded (first level in sorted order
        is the reference).
    method
        ``"pearson"``, or ``"spearman"`` (the same computed on mid-ranks).
    confidence
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`PARTIAL_CORRELATION_COLUMNS`: ``x``, ``y``, ``covariates`` (comma-joined
        names), ``method``, ``n`` (complete cases), ``r`` (partial r), ``ci_low``, ``ci_high``, ``p``.

    Notes
    -----
    With R the correlation matrix of (x, y, covariates) and P = R⁻¹, the partial correlation is
    ``r = -P[x,y] / sqrt(P[x,x] P[y,y])``. The interval is Fisher's with standard error
    ``1 / sqrt(n - 3 - k)`` and p uses Student's t with n - 2 - k df, k the number of covariate
    columns (Fisher 1924; https://online.stat.psu.edu/stat505/lesson/6/6.3).

    Missing data: listwise over x, y and the covariates. Statistics are missing when n - 3 - k < 1 or
    a variable is constant.

    Validated against ``pingouin.partial_corr`` (r, p and interval to 1e-6).
    """
    data = _require_frame(data, "table")
    covs = _as_list(covariates)
    if method not in ("pearson", "spearman"):
        raise InputError(f"The method must be 'pearson' or 'spearman'; got {method!r}.")
    if not covs:
        raise InputError("Choose at least one covariate to adjust for.")
    if x == y or x in covs or y in covs:
        raise InputError("x, y and the covariates must be different columns.")
    _require_columns(data, [x, y, *covs], "chosen")
    _check_confidence(confidence)
    xs, ys = _numeric(data, x, "x"), _numeric(data, y, "y")
    design, design_columns = _design(data, covs)
    frame = pd.concat([xs.rename("__x"), ys.rename("__y"), design], axis=1).dropna()
    n, k = len(frame), len(design_columns)
    values = frame.to_numpy(dtype=float)
    out = {"x": x, "y": y, "covariates": ", ".join(covs), "method": method, "n": n}
    if n - 3 - k < 1 or (np.ptp(values, axis=0) == 0).any():
        return pd.DataFrame([{**out, "r": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p": math.nan}],
                            columns=PARTIAL_CORRELATION_COLUMNS)
    if method == "spearman":
        values = np.column_stack([sps.rankdata(col) for col in values.T])
    r = _partial_r(_weighted_corr_matrix(values, None))
    low, high = fisher_ci(r, n, confidence=confidence, n_covariates=k)
    return pd.DataFrame([{**out, "r": r, "ci_low": low, "ci_high": high, "p": _correlation_p(r, n - 2 - k)}],
                        columns=PARTIAL_CORRELATION_COLUMNS)


# --- Count models ---------------------------------------------------------------------------------
def _count_model_frame(
    data: pd.DataFrame, score: str, events: str, denominator: str, covariates: Sequence[str],
    denominator_role: str,
) -> tuple[pd.DataFrame, list[str]]:
    _require_columns(data, [score, events, denominator, *covariates], "chosen")
    score_values = _numeric(data, score, "score")
    event_values = _numeric(data, events, "count")
    denominator_values = _numeric(data, denominator, denominator_role)
    _non_negative(event_values, events, "count")
    _non_negative(denominator_values, denominator, denominator_role)
    design, design_columns = _design(data, covariates)
    frame = pd.concat([score_values.rename("__score"), event_values.rename("__events"),
                       denominator_values.rename("__denominator"), design], axis=1).dropna()
    return frame, design_columns


def _fit_glm(
    frame: pd.DataFrame, design_columns: list[str], family: str, quasi: bool, confidence: float,
    score: str, outcome: str, min_units: int, notes: list[str],
) -> pd.DataFrame:
    import statsmodels.api as sm

    effect = EFFECT_MEASURE_BINOMIAL if family == "binomial" else EFFECT_MEASURE_POISSON
    n = len(frame)
    row = {"score": score, "outcome": outcome, "n": n, **dict.fromkeys(
        ("coef", "se", "rate_ratio", "rr_ci_low", "rr_ci_high", "p", "dispersion"), math.nan),
        "effect_measure": effect}
    # Drop covariate columns that do not vary here (e.g. a dummy for a group with no units left).
    design_columns = [c for c in design_columns if frame[c].nunique() > 1]
    n_parameters = 2 + len(design_columns)
    needed = max(min_units, n_parameters + 2)
    if n < needed:
        notes.append(f"too few units (n={n}; at least {needed} needed)")
    elif frame["__score"].nunique() < 2:
        notes.append(f"no variation in '{score}' across these units")
    else:
        exog = np.column_stack([np.ones(n), frame["__score"].to_numpy(), frame[design_columns].to_numpy(float)])
        if np.linalg.matrix_rank(exog) < exog.shape[1]:
            notes.append("the covariates are collinear with each other or with the score")
        else:
            events = frame["__events"].to_numpy()
            denominator = frame["__denominator"].to_numpy()
            if family == "binomial":
                model = sm.GLM(events / denominator, exog, family=sm.families.Binomial(), var_weights=denominator)
            else:
                model = sm.GLM(events, exog, family=sm.families.Poisson(), offset=np.log(denominator))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    result = model.fit(scale="X2" if quasi else None)
                except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:  # pragma: no cover
                    result = None
                    notes.append(f"the model could not be fitted ({exc})")
            trouble = [w for w in caught if "converge" in str(w.message).lower()
                       or "separation" in str(w.message).lower()]
            if result is not None and (trouble or not np.all(np.isfinite(result.bse))):
                notes.append("the model did not converge (e.g. every unit at 0% or 100%)")
                result = None
            if result is not None:
                low, high = result.conf_int(alpha=1 - confidence)[1]
                coef = float(result.params[1])
                row.update(coef=coef, se=float(result.bse[1]), rate_ratio=math.exp(coef),
                           rr_ci_low=math.exp(low), rr_ci_high=math.exp(high), p=float(result.pvalues[1]),
                           dispersion=float(result.pearson_chi2 / result.df_resid))
    row["note"] = "; ".join(notes)
    return pd.DataFrame([row], columns=COUNT_MODEL_COLUMNS).astype({"n": "int64"})


def binomial_rate_model(
    data: pd.DataFrame,
    score: str,
    events: str,
    trials: str,
    covariates: str | Sequence[str] = (),
    *,
    quasi: bool = True,
    min_units: int = MIN_UNITS,
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Leavers out of average staff in post, modelled on a unit score (binomial GLM, logit link).

    Parameters
    ----------
    data
        One row per unit (shown units only).
    score
        Survey score column (0–10).
    events
        Count column, e.g. leavers in the window.
    trials
        Trials column, e.g. average staff in post over the window (need not be a whole number).
    covariates
        Optional adjustment columns; text columns are dummy-coded.
    quasi
        ``True`` (default): quasi-binomial — standard errors scaled by the Pearson dispersion
        ``X² / (n - p)``, as between-team variation in leaving is almost always larger than binomial.
        ``False``: plain binomial (dispersion fixed at 1).
    min_units
        Fewest units to fit (also at least the number of parameters + 2).
    confidence
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`COUNT_MODEL_COLUMNS`: ``score``, ``outcome`` (the events column), ``n``
        (units used), ``coef`` (log-odds per 1-point higher score) and its ``se``, ``rate_ratio`` =
        exp(coef) with Wald interval ``rr_ci_low``/``rr_ci_high``, ``p`` (Wald), ``dispersion``
        (Pearson χ²/df; well above 1 means overdispersion), ``effect_measure`` and ``note``.

    Notes
    -----
    Fitted as ``statsmodels`` GLM Binomial with the proportion ``events / trials`` as the response and
    ``trials`` as variance weights, which has the same estimating equations as the (successes, failures)
    form but accepts a non-integer number of trials (McCullagh & Nelder 1989, §4.5; quasi-likelihood).
    (The two-column form of statsmodels 0.15 returns a wrong scale with ``scale="X2"``.)

    **What is reported.** exp(coef) is the *odds ratio* of leaving per 1-point higher score, which is
    close to the rate ratio when leaving is rare. NHS leaver rates are about 10–12%, where an odds ratio
    of 0.85 corresponds to a rate ratio of about 0.87 (``RR = OR / (1 - p0 + p0 OR)`` with p0 = 0.12).
    ``effect_measure`` says so.

    Edge cases: units with trials missing or 0 are left out (they carry no information); a unit with
    more leavers than average staff in post (possible in a small team with high turnover) is capped at
    100% leaving and the note counts such units. Negative counts raise :class:`InputError`.
    Missing data: listwise over score, events, trials and covariates.

    Validated against ``statsmodels`` GLM fitted directly, and by recovering a planted odds ratio in
    simulated data (tests/test_stats.py).
    """
    data = _require_frame(data, "unit table")
    _check_min_units(min_units)
    _check_confidence(confidence)
    covs = _as_list(covariates)
    frame, design_columns = _count_model_frame(data, score, events, trials, covs, "trials")
    notes: list[str] = []
    zero = frame["__denominator"] <= 0
    if zero.any():
        notes.append(f"{int(zero.sum())} unit(s) with no staff in post left out")
        frame = frame.loc[~zero]
    over = frame["__events"] > frame["__denominator"]
    if over.any():
        notes.append(f"{int(over.sum())} unit(s) with more leavers than average staff in post counted as 100%")
        frame = frame.assign(__events=np.minimum(frame["__events"], frame["__denominator"]))
    return _fit_glm(frame, design_columns, "binomial", quasi, confidence, score, events, min_units, notes)


def poisson_rate_model(
    data: pd.DataFrame,
    score: str,
    events: str,
    exposure: str,
    covariates: str | Sequence[str] = (),
    *,
    quasi: bool = True,
    min_units: int = MIN_UNITS,
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """FTE days lost over FTE days available, modelled on a unit score (quasi-Poisson GLM, log link).

    Parameters
    ----------
    data
        One row per unit (shown units only).
    score
        Survey score column (0–10).
    events
        Count column, e.g. FTE days lost to sickness (need not be whole).
    exposure
        Exposure column, e.g. FTE days available; enters as ``offset = log(exposure)``.
    covariates
        Optional adjustment columns; text columns are dummy-coded.
    quasi
        ``True`` (default): quasi-Poisson, standard errors scaled by the Pearson dispersion
        ``X² / (n - p)`` (days lost come in spells, so they are far more variable than Poisson).
        ``False``: plain Poisson.
    min_units, confidence
        As in :func:`binomial_rate_model`.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`COUNT_MODEL_COLUMNS`; ``rate_ratio`` = exp(coef) is the ratio of the
        sickness absence rate per 1-point higher score, with its Wald interval.

    Notes
    -----
    ``log E[days lost] = log(days available) + b0 + b1 * score (+ covariates)``; rate ratio ``exp(b1)``
    (Wedderburn 1974, quasi-likelihood; McCullagh & Nelder 1989, §6.2). Units with exposure missing or
    0 are left out (note); negative values raise :class:`InputError`. Missing data: listwise.

    Validated against ``statsmodels`` GLM Poisson fitted directly (``offset``, ``scale="X2"``) and by
    recovering a planted rate ratio exp(-0.16) in 200 simulated teams (tests/test_stats.py).
    """
    data = _require_frame(data, "unit table")
    _check_min_units(min_units)
    _check_confidence(confidence)
    covs = _as_list(covariates)
    frame, design_columns = _count_model_frame(data, score, events, exposure, covs, "exposure")
    notes: list[str] = []
    zero = frame["__denominator"] <= 0
    if zero.any():
        notes.append(f"{int(zero.sum())} unit(s) with no days available left out")
        frame = frame.loc[~zero]
    return _fit_glm(frame, design_columns, "poisson", quasi, confidence, score, events, min_units, notes)


# --- Change analysis ------------------------------------------------------------------------------
def change_analysis(
    data: pd.DataFrame,
    x: str | Sequence[str],
    y: str | Sequence[str],
    *,
    unit: str,
    wave: str,
    wave_from: object,
    wave_to: object,
    by: str | None = None,
    min_units: int = MIN_UNITS,
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Correlate the change in scores with the change in outcomes between two waves, per unit.

    Parameters
    ----------
    data
        One row per unit × wave (shown units only), with x and y columns.
    x, y
        Score and outcome columns.
    unit, wave
        Columns naming the unit and the wave.
    wave_from, wave_to
        The two waves compared; change = value at ``wave_to`` - value at ``wave_from``.
    by
        Optional grouping column (its value at ``wave_to``).
    min_units, confidence
        As in :func:`correlations`.

    Returns
    -------
    pandas.DataFrame
        As :func:`correlations`, with ``x`` and ``y`` named ``"change in <column>"``.

    Notes
    -----
    Units present in only one wave, or missing a value in either, drop out of that pair. Change scores
    remove stable differences between units (e.g. a ward's case mix), which is why they complement the
    cross-sectional correlation; they are noisier, so intervals are wider.

    Raises :class:`InputError` when a unit appears twice in one wave or a wave is absent.
    """
    data = _require_frame(data, "unit table")
    xs, ys = _as_list(x), _as_list(y)
    _require_columns(data, [unit, wave, *xs, *ys, *([by] if by else [])], "chosen")
    waves = set(data[wave].dropna().tolist())
    for label in (wave_from, wave_to):
        if label not in waves:
            raise InputError(f"Wave {label!r} is not in column '{wave}'. Waves found: "
                             + ", ".join(repr(w) for w in sorted(waves, key=str)) + ".", column=wave)
    if wave_from == wave_to:
        raise InputError("Choose two different waves to compare.")
    columns = list(dict.fromkeys(xs + ys))
    parts = {}
    for label in (wave_from, wave_to):
        part = data.loc[data[wave] == label]
        duplicated = part[unit].duplicated(keep=False) & part[unit].notna()
        if duplicated.any():
            name = part.loc[duplicated, unit].iloc[0]
            raise InputError(f"Unit {name!r} appears more than once in wave {label!r}; each unit needs one row "
                             "per wave.", column=unit)
        part = part.loc[part[unit].notna()].set_index(unit)
        parts[label] = pd.DataFrame({c: _numeric(part, c, "score or outcome") for c in columns}, index=part.index)
        if by and label == wave_to:
            group = part[by]
    both = parts[wave_from].index.intersection(parts[wave_to].index)
    delta = parts[wave_to].loc[both, columns] - parts[wave_from].loc[both, columns]
    delta.columns = [f"change in {c}" for c in columns]
    if by:
        delta[by] = group.loc[both]
    return correlations(delta.reset_index(drop=True), [f"change in {c}" for c in xs],
                        [f"change in {c}" for c in ys], by=by, min_units=min_units, confidence=confidence)


# --- Respondent level: mixed model ---------------------------------------------------------------
def mixed_slopes(
    respondents: pd.DataFrame,
    outcome: str,
    predictor: str,
    group: str,
    *,
    min_groups: int = MIN_UNITS,
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Within-team and between-team slopes of a survey outcome on a predictor (random-intercept model).

    Parameters
    ----------
    respondents
        One row per respondent. Used internally only; the result holds pooled coefficients.
    outcome
        Respondent outcome score, e.g. ``thinking_about_leaving`` or ``morale``.
    predictor
        Respondent predictor score, e.g. ``compassionate_leadership``.
    group
        Team column (the random intercept).
    min_groups
        Fewest teams to fit.
    confidence
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Two rows (``term`` = "within team", "between team"), columns :data:`MIXED_SLOPE_COLUMNS`:
        ``coef`` (points of outcome per 1-point higher predictor), ``ci_low``, ``ci_high`` (Wald),
        ``p``, ``n_respondents``, ``n_teams``, ``note``.

    Notes
    -----
    Model (within–between, or "hybrid", specification; Bell & Jones 2015; Enders & Tofighi 2007):
    ``outcome_ij = b0 + b_W (x_ij - x̄_j) + b_B x̄_j + u_j + e_ij`` with ``u_j ~ N(0, τ²)``, fitted by
    REML with ``statsmodels`` MixedLM. ``b_W`` is the association within a team (a respondent who rates
    their manager 1 point higher than their team-mates), ``b_B`` the association between teams (a team
    whose mean is 1 point higher). Team means are taken over the respondents in the model.

    Missing data: respondents missing outcome, predictor or team are left out. A note reports a
    non-converged fit (statistics then empty) or a team variance estimated at zero.

    Validated against ``statsmodels.formula.api.mixedlm`` fitted directly, and by recovering planted
    within- and between-team slopes in simulated data (tests/test_stats.py).
    """
    import statsmodels.api as sm

    respondents = _require_frame(respondents, "respondent table")
    _require_columns(respondents, [outcome, predictor, group], "chosen")
    _check_confidence(confidence)
    if not isinstance(min_groups, (int, np.integer)) or min_groups < 3:
        raise InputError(f"The minimum number of teams must be a whole number of at least 3; got {min_groups!r}.")
    frame = pd.DataFrame({
        "y": _numeric(respondents, outcome, "outcome"),
        "x": _numeric(respondents, predictor, "predictor"),
        "g": respondents[group].astype(object).where(respondents[group].notna()),
    }).dropna()
    frame["g"] = frame["g"].astype(str)
    frame["x_between"] = frame.groupby("g")["x"].transform("mean")
    frame["x_within"] = frame["x"] - frame["x_between"]
    n_respondents, n_teams = len(frame), frame["g"].nunique()
    base = {"outcome": outcome, "predictor": predictor, "n_respondents": n_respondents, "n_teams": n_teams}
    empty = dict.fromkeys(("coef", "ci_low", "ci_high", "p"), math.nan)
    note = ""
    estimates = {MIXED_TERM_WITHIN: empty, MIXED_TERM_BETWEEN: empty}
    if n_teams < min_groups:
        note = f"too few teams (n={n_teams}; at least {min_groups} needed)"
    elif frame["x_within"].abs().max() == 0 or frame["x_between"].nunique() < 2:
        note = f"'{predictor}' does not vary within and between teams"
    else:
        exog = np.column_stack([np.ones(n_respondents), frame["x_within"], frame["x_between"]])
        model = sm.MixedLM(frame["y"].to_numpy(), exog, groups=frame["g"].to_numpy())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = model.fit(reml=True)
        messages = [str(w.message).lower() for w in caught]
        if not result.converged or not np.all(np.isfinite(result.bse_fe)):
            note = "the model did not converge"
        else:
            if any("boundary" in m for m in messages) or float(np.asarray(result.cov_re)[0, 0]) <= 1e-10:
                note = "team variance estimated at zero (teams barely differ once the predictor is known)"
            ci = result.conf_int(alpha=1 - confidence)
            for index, term in ((1, MIXED_TERM_WITHIN), (2, MIXED_TERM_BETWEEN)):
                estimates[term] = {"coef": float(result.fe_params[index]), "ci_low": float(ci[index, 0]),
                                   "ci_high": float(ci[index, 1]), "p": float(result.pvalues[index])}
    rows = [{**base, "term": term, **values, "note": note} for term, values in estimates.items()]
    return pd.DataFrame(rows, columns=MIXED_SLOPE_COLUMNS).astype({"n_respondents": "int64", "n_teams": "int64"})


# --- Key drivers ---------------------------------------------------------------------------------
def shapley_r2(data: pd.DataFrame, outcome: str, predictors: Sequence[str]) -> pd.DataFrame:
    """Relative importance of predictors: the Shapley decomposition of R² (general dominance).

    Parameters
    ----------
    data
        One row per respondent (or unit). Only pooled figures are returned.
    outcome
        Outcome column, e.g. ``morale`` or ``thinking_about_leaving``.
    predictors
        2 to :data:`MAX_SHAPLEY_PREDICTORS` columns, e.g. the four compassionate-leadership items.

    Returns
    -------
    pandas.DataFrame
        One row per predictor (in the order given), columns :data:`SHAPLEY_COLUMNS`: ``predictor``,
        ``n`` (complete cases), ``shapley_r2`` (its part of R²; the column sums to the full model's R²),
        ``share`` (``shapley_r2 / R²``; sums to 1), ``r`` (zero-order correlation with the outcome).

    Notes
    -----
    With P the predictors and R²(S) the R² of the least-squares regression on a subset S,
    ``φ_j = Σ_{S ⊆ P∖{j}} |S|! (p - |S| - 1)! / p! · [R²(S ∪ {j}) - R²(S)]`` — the average gain in R²
    from adding j over all orders of entry, which is Budescu's (1993) general dominance weight and
    Lindeman, Merenda & Gold's (1980) LMG measure (Grömping 2006, *J. Stat. Softw.* 17(1)). Each
    R²(S) is ``r_yS' R_SS⁻¹ r_yS`` from the correlation matrix, so all 2^p subsets cost one matrix each.
    Correlated predictors (the four q9 items are) share credit; a share is a description of the sample,
    not of what would happen if one behaviour changed.

    Missing data: listwise over outcome and predictors. Raises :class:`InputError` for a constant column
    or too few cases (fewer than p + 2).

    Validated against R² of ``statsmodels`` OLS on every subset, averaged over all orders of entry, and
    the sum-to-R² identity (tests/test_stats.py).
    """
    data = _require_frame(data, "table")
    preds = _as_list(predictors)
    if len(preds) < 2:
        raise InputError("Choose at least two predictors to compare.")
    if len(preds) > MAX_SHAPLEY_PREDICTORS:
        raise InputError(f"Choose at most {MAX_SHAPLEY_PREDICTORS} predictors; {len(preds)} were chosen.")
    if len(set(preds)) != len(preds) or outcome in preds:
        raise InputError("The outcome and the predictors must all be different columns.")
    _require_columns(data, [outcome, *preds], "chosen")
    frame = pd.DataFrame({c: _numeric(data, c, "outcome or predictor") for c in [outcome, *preds]}).dropna()
    n, p = len(frame), len(preds)
    if n < p + 2:
        raise InputError(f"Only {n} complete rows for {p} predictors; at least {p + 2} are needed.")
    constant = [c for c in frame.columns if frame[c].nunique() < 2]
    if constant:
        raise InputError(f"The column '{constant[0]}' has the same value in every complete row, so its "
                         "importance cannot be estimated.", column=constant[0])
    corr = _weighted_corr_matrix(frame.to_numpy(dtype=float), None)
    r_y = corr[0, 1:]
    r_xx = corr[1:, 1:]
    r2 = np.zeros(2 ** p)
    for mask in range(1, 2 ** p):
        members = [j for j in range(p) if mask >> j & 1]
        sub = r_y[members]
        r2[mask] = float(sub @ np.linalg.pinv(r_xx[np.ix_(members, members)], hermitian=True) @ sub)
    weights_by_size = [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)]
    shapley = np.zeros(p)
    for j in range(p):
        bit = 1 << j
        for mask in range(2 ** p):
            if not mask & bit:
                shapley[j] += weights_by_size[bin(mask).count("1")] * (r2[mask | bit] - r2[mask])
    total = r2[-1]
    share = shapley / total if total > 0 else np.full(p, math.nan)
    return pd.DataFrame({"predictor": preds, "n": n, "shapley_r2": shapley, "share": share, "r": r_y},
                        columns=SHAPLEY_COLUMNS)


# --- Reliability and aggregation -----------------------------------------------------------------
def _item_frame(items: pd.DataFrame) -> pd.DataFrame:
    items = _require_frame(items, "item table")
    if items.shape[1] < 2:
        raise InputError("Reliability needs at least two items; choose more item columns.")
    return pd.DataFrame({c: _numeric(items, c, "item") for c in items.columns})


def cronbach_alpha(
    items: pd.DataFrame,
    *,
    nan_policy: Literal["listwise", "pairwise"] = "listwise",
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Cronbach's α of a set of items, with Feldt's confidence interval.

    Parameters
    ----------
    items
        One row per respondent, one column per item (scores; missing = not answered).
    nan_policy
        ``"listwise"`` (default): respondents who answered every item. ``"pairwise"``: each covariance
        from the respondents who answered both items, n = respondents who answered at least one item
        (pingouin's default, R ``psych::alpha(use="pairwise")``).
    confidence
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`ALPHA_COLUMNS`: ``n``, ``n_items``, ``alpha``, ``ci_low``, ``ci_high``.

    Notes
    -----
    ``α = k / (k - 1) · (1 - Σ σ²_i / Σ_ij C_ij)`` with C the item covariance matrix (Cronbach 1951).
    Interval (Feldt, Woodruff & Salih 1987): ``1 - (1 - α) F_{1-a/2}(n - 1, (n - 1)(k - 1))`` to
    ``1 - (1 - α) F_{a/2}(n - 1, (n - 1)(k - 1))``, a = 1 - confidence.

    Edge cases: fewer than 2 respondents, or items with no variance at all, raise :class:`InputError`.

    Validated against ``pingouin.cronbach_alpha`` (both policies; α to 1e-6, interval to its 3 decimals).
    """
    frame = _item_frame(items)
    _check_confidence(confidence)
    if nan_policy not in ("listwise", "pairwise"):
        raise InputError(f"The missing-data policy must be 'listwise' or 'pairwise'; got {nan_policy!r}.")
    frame = frame.dropna(how="any") if nan_policy == "listwise" else frame.dropna(how="all")
    n, k = frame.shape
    if n < 2:
        raise InputError(f"Only {n} respondent(s) answered the items ({nan_policy}); at least 2 are needed.")
    cov = frame.cov()
    total = float(cov.to_numpy().sum())
    if not np.isfinite(total) or total <= 0:
        raise InputError("The items have no variance (every respondent answered the same), so Cronbach's "
                         "alpha is not defined.")
    alpha = k / (k - 1) * (1 - float(np.trace(cov)) / total)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha) * sps.f.isf(tail, df1, df2)
    high = 1 - (1 - alpha) * sps.f.isf(1 - tail, df1, df2)
    return pd.DataFrame([{"n": n, "n_items": k, "alpha": alpha, "ci_low": low, "ci_high": high}],
                        columns=ALPHA_COLUMNS)


def item_total_correlations(items: pd.DataFrame) -> pd.DataFrame:
    """Corrected item–total correlations and α if each item were deleted.

    Parameters
    ----------
    items
        One row per respondent, one column per item.

    Returns
    -------
    pandas.DataFrame
        One row per item, columns :data:`ITEM_TOTAL_COLUMNS`: ``item``, ``n`` (respondents who answered
        every item), ``item_total_r`` (Pearson r of the item with the sum of the *other* items),
        ``alpha_if_deleted`` (α of the remaining items; missing when only one would remain).

    Notes
    -----
    The corrected item–total correlation removes the item from the total so it is not correlated with
    itself (Nunnally & Bernstein 1994, ch. 8). A low value (below about 0.3) marks an item that does not
    go with the rest. Missing data: listwise (the same respondents for every item).
    """
    frame = _item_frame(items).dropna(how="any")
    n = len(frame)
    if n < 3:
        raise InputError(f"Only {n} respondent(s) answered every item; at least 3 are needed.")
    rows = []
    total = frame.sum(axis=1)
    for column in frame.columns:
        rest = total - frame[column]
        r = math.nan
        if frame[column].nunique() > 1 and rest.nunique() > 1:
            r = float(np.corrcoef(frame[column], rest)[0, 1])
        others = frame.drop(columns=column)
        alpha = math.nan
        if others.shape[1] >= 2:
            alpha = float(cronbach_alpha(others)["alpha"].iloc[0])
        rows.append({"item": str(column), "n": n, "item_total_r": r, "alpha_if_deleted": alpha})
    return pd.DataFrame(rows, columns=ITEM_TOTAL_COLUMNS)


def icc_aggregation(respondents: pd.DataFrame, value: str | Sequence[str], group: str) -> pd.DataFrame:
    """ICC(1) and ICC(2): is averaging respondents into teams justified?

    Parameters
    ----------
    respondents
        One row per respondent. Only pooled figures are returned.
    value
        One or more respondent score columns (one row of output each).
    group
        Team column.

    Returns
    -------
    pandas.DataFrame
        One row per measure, columns :data:`ICC_COLUMNS`: ``measure``, ``n_respondents``, ``n_groups``,
        ``mean_group_size`` (the adjusted k0 below), ``icc1``, ``icc2``, ``f`` (MSB / MSW),
        ``df_between``, ``df_within``, ``p`` (one-way ANOVA F test).

    Notes
    -----
    From the one-way ANOVA of the score on team (Bliese 2000, in Klein & Kozlowski (eds.), *Multilevel
    theory, research, and methods in organizations*, 349–381):

    * ``ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW)``: the share of variance between teams (how much a
      respondent's team tells about their answer). Typical values 0.05–0.20; it may be negative.
    * ``ICC(2) = (MSB - MSW) / MSB``: the reliability of a team mean. Values of about 0.7 or more mean
      team means can be compared with confidence.

    With unequal team sizes, k is the adjusted mean team size
    ``k0 = (N - Σ n_j² / N) / (J - 1)`` (Snedecor & Cochran 1989, §13.11), which equals n for equal
    sizes. (Bliese's R ``multilevel::ICC1`` uses the plain mean N / J; the two agree for equal sizes.)

    Missing data: respondents without a score or team are left out, per measure. Teams of one
    respondent add to the between-team part only. Raises :class:`InputError` when fewer than 2 teams or
    no within-team replication remain.

    Validated against ``pingouin.intraclass_corr`` ICC(1,1) and ICC(1,k) on a balanced design (1e-6).
    """
    respondents = _require_frame(respondents, "respondent table")
    values = _as_list(value)
    _require_columns(respondents, [*values, group], "chosen")
    rows = []
    for measure in values:
        frame = pd.DataFrame({"v": _numeric(respondents, measure, "score"),
                              "g": respondents[group].astype(object).where(respondents[group].notna())}).dropna()
        sizes = frame.groupby("g")["v"].size()
        n_total, n_groups = len(frame), len(sizes)
        df_between, df_within = n_groups - 1, n_total - n_groups
        if n_groups < 2 or df_within < 1:
            raise InputError(f"'{measure}': at least 2 teams and a team with 2 or more respondents are needed "
                             f"to judge aggregation (found {n_groups} team(s), {n_total} respondent(s)).",
                             column=measure)
        grand = frame["v"].mean()
        means = frame.groupby("g")["v"].transform("mean")
        ss_between = float(((means - grand) ** 2).sum())
        ss_within = float(((frame["v"] - means) ** 2).sum())
        msb, msw = ss_between / df_between, ss_within / df_within
        k0 = (n_total - float((sizes ** 2).sum()) / n_total) / df_between
        if msb == 0:
            icc1 = icc2 = f_stat = p = math.nan
        else:
            icc1 = (msb - msw) / (msb + (k0 - 1) * msw)
            icc2 = (msb - msw) / msb
            f_stat = msb / msw if msw > 0 else math.inf
            p = float(sps.f.sf(f_stat, df_between, df_within))
        rows.append({"measure": measure, "n_respondents": n_total, "n_groups": n_groups, "mean_group_size": k0,
                     "icc1": icc1, "icc2": icc2, "f": f_stat, "df_between": df_between,
                     "df_within": df_within, "p": p})
    return pd.DataFrame(rows, columns=ICC_COLUMNS)


def rwg_j(
    respondents: pd.DataFrame,
    items: Sequence[str],
    group: str,
    *,
    n_options: int,
    score_range: tuple[float, float] = (SCORE_MIN, SCORE_MAX),
) -> pd.DataFrame:
    """Within-team agreement rwg(j) on a multi-item measure, summarised over teams.

    Parameters
    ----------
    respondents
        One row per respondent. Only the summary over teams is returned.
    items
        Item score columns of the measure (J items).
    group
        Team column.
    n_options
        Number of response options A of the items (5 for the NSS agreement scale).
    score_range
        Lowest and highest item score; the project's 0–10 scoring by default. Use ``(1, A)`` for raw
        option codes.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`RWG_COLUMNS`: ``n_groups`` (teams with at least 2 respondents),
        ``n_items``, ``mean_rwg_j``, ``median_rwg_j``, ``share_strong_agreement`` (share of teams with
        rwg(j) ≥ 0.70).

    Notes
    -----
    James, Demaree & Wolf (1984), *J. Appl. Psychol.* 69(1), 85–98:
    ``rwg(j) = J (1 - s̄² / σ²_EU) / (J (1 - s̄² / σ²_EU) + s̄² / σ²_EU)``, with s̄² the mean of the
    within-team item variances (n - 1 denominator) and σ²_EU the variance of a uniform ("no agreement")
    answer over the A options: ``(A² - 1) / 12`` in option steps, times the squared step
    ``((high - low) / (A - 1))²`` on the score scale. When s̄² > σ²_EU the value is set to 0, as
    James et al. recommend. Values of 0.70 or more are read as strong agreement (LeBreton & Senter 2008).

    Missing data: each item's variance uses the team's respondents who answered it; teams where some
    item has fewer than 2 answers are left out.
    """
    respondents = _require_frame(respondents, "respondent table")
    item_list = _as_list(items)
    if not item_list:
        raise InputError("Choose the item columns of the measure.")
    _require_columns(respondents, [*item_list, group], "chosen")
    if not isinstance(n_options, (int, np.integer)) or n_options < 2:
        raise InputError(f"The number of response options must be a whole number of at least 2; got {n_options!r}.")
    low, high = score_range
    if not high > low:
        raise InputError(f"The score range must run from a lower to a higher value; got {score_range!r}.")
    step = (high - low) / (n_options - 1)
    expected_variance = (n_options ** 2 - 1) / 12 * step ** 2
    frame = pd.DataFrame({c: _numeric(respondents, c, "item") for c in item_list})
    frame["__g"] = respondents[group].astype(object).where(respondents[group].notna())
    frame = frame.dropna(subset=["__g"])
    grouped = frame.groupby("__g")
    variances = grouped[item_list].var(ddof=1)
    counts = grouped[item_list].count()
    usable = (counts >= 2).all(axis=1)
    variances = variances.loc[usable]
    j = len(item_list)
    ratio = variances.mean(axis=1) / expected_variance
    rwg = (j * (1 - ratio)) / (j * (1 - ratio) + ratio)
    rwg = rwg.where(ratio <= 1, 0.0)
    n_groups = int(usable.sum())
    return pd.DataFrame([{
        "n_groups": n_groups, "n_items": j,
        "mean_rwg_j": float(rwg.mean()) if n_groups else math.nan,
        "median_rwg_j": float(rwg.median()) if n_groups else math.nan,
        "share_strong_agreement": float((rwg >= RWG_STRONG_AGREEMENT).mean()) if n_groups else math.nan,
    }], columns=RWG_COLUMNS)


# --- Trends between waves ------------------------------------------------------------------------
def compare_waves(
    respondents: pd.DataFrame,
    measure: str,
    unit: str,
    wave: str,
    wave_from: object,
    wave_to: object,
    *,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    units: Iterable[object] | None = None,
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Each unit's change in a score between two waves: Welch t-test, Cohen's d, BH across units.

    Parameters
    ----------
    respondents
        One row per respondent, with the score, the unit and the wave.
    measure
        Respondent score column (0–10).
    unit, wave
        Columns naming the unit and the wave.
    wave_from, wave_to
        The waves compared; change = mean at ``wave_to`` - mean at ``wave_from``.
    min_group_size
        Minimum reporting group (default 11, never below 5). A unit with fewer respondents with a score
        than this in *either* wave gets no row at all.
    units
        Optional list of units allowed to be shown (e.g. those the privacy layer leaves visible after
        complementary suppression); others get no row.
    confidence
        Significance is ``p_adj < 1 - confidence``.

    Returns
    -------
    pandas.DataFrame
        One row per reportable unit, sorted by unit, columns :data:`WAVE_CHANGE_COLUMNS`: ``unit``,
        ``n_from``, ``n_to``, ``mean_from``, ``mean_to``, ``change``, ``t`` (Welch, positive when the score
        rose), ``p``, ``p_adj`` (Benjamini–Hochberg across the rows), ``cohens_d``, ``significant``.

    Notes
    -----
    Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``; Welch 1947) because team sizes and
    variances differ between waves. Cohen's d uses the pooled SD
    ``sqrt(((n1 - 1) s1² + (n2 - 1) s2²) / (n1 + n2 - 2))`` (Cohen 1988). The two waves are treated as
    independent samples (surveys are anonymous, so respondents cannot be paired).

    **Anonymity.** Results for a unit with n < min_group_size in either wave are never produced: such
    units are dropped before any statistic is computed (domain.md §2). Missing scores are left out.

    Validated against ``scipy.stats.ttest_ind`` and ``scipy.stats.false_discovery_control``.
    """
    respondents = _require_frame(respondents, "respondent table")
    _require_columns(respondents, [measure, unit, wave], "chosen")
    _check_min_group_size(min_group_size)
    _check_confidence(confidence)
    if wave_from == wave_to:
        raise InputError("Choose two different waves to compare.")
    waves = set(respondents[wave].dropna().tolist())
    for label in (wave_from, wave_to):
        if label not in waves:
            raise InputError(f"Wave {label!r} is not in column '{wave}'. Waves found: "
                             + ", ".join(repr(w) for w in sorted(waves, key=str)) + ".", column=wave)
    frame = pd.DataFrame({"v": _numeric(respondents, measure, "score"),
                          "u": respondents[unit].astype(object).where(respondents[unit].notna()),
                          "w": respondents[wave]}).dropna()
    frame = frame[frame["w"].isin([wave_from, wave_to])]
    frame = frame.assign(u=frame["u"].astype(str), later=frame["w"] == wave_to)
    if units is not None:
        frame = frame[frame["u"].isin({str(u) for u in units})]
    # One pass over the respondents: n, mean and variance per unit and wave, then Welch's test from
    # those summaries (scipy.stats.ttest_ind_from_stats), which equals ttest_ind on the raw scores.
    stats_by = frame.groupby(["u", "later"], sort=True)["v"].agg(["count", "mean", "var"]).unstack("later")
    stats_by = stats_by.dropna(subset=[("count", False), ("count", True)])
    n1, n2 = stats_by[("count", False)].to_numpy(float), stats_by[("count", True)].to_numpy(float)
    keep = (n1 >= min_group_size) & (n2 >= min_group_size)
    stats_by, n1, n2 = stats_by[keep], n1[keep], n2[keep]
    m1, m2 = stats_by[("mean", False)].to_numpy(float), stats_by[("mean", True)].to_numpy(float)
    v1, v2 = stats_by[("var", False)].to_numpy(float), stats_by[("var", True)].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        test = sps.ttest_ind_from_stats(m2, np.sqrt(v2), n2, m1, np.sqrt(v1), n1, equal_var=False)
        pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
        change = m2 - m1
        cohens_d = np.where(pooled > 0, change / np.where(pooled > 0, pooled, 1.0), np.nan)
    rows = [{"unit": name, "n_from": int(a), "n_to": int(b), "mean_from": float(x), "mean_to": float(y),
             "change": float(c), "t": float(t), "p": float(pv), "cohens_d": float(d)}
            for name, a, b, x, y, c, t, pv, d in zip(stats_by.index, n1, n2, m1, m2, change,
                                                     np.atleast_1d(test.statistic), np.atleast_1d(test.pvalue),
                                                     cohens_d)]
    result = pd.DataFrame(rows, columns=[c for c in WAVE_CHANGE_COLUMNS if c not in ("p_adj", "significant")])
    result["p_adj"] = _bh(result["p"].astype(float))
    result["significant"] = (result["p_adj"] < 1 - confidence).astype(bool)
    result["unit"] = result["unit"].astype(str)
    return result.astype({"n_from": "int64", "n_to": "int64"})[list(WAVE_CHANGE_COLUMNS)]


def compare_proportions(
    positive_from: float | Sequence[float],
    n_from: float | Sequence[float],
    positive_to: float | Sequence[float],
    n_to: float | Sequence[float],
    *,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    confidence: float = CONFIDENCE_LEVEL,
) -> pd.DataFrame:
    """Change in % positive between two waves: two-proportion z-test, one row per input element.

    Parameters
    ----------
    positive_from, n_from
        Positive answers and answers in the earlier wave (scalars or equal-length sequences).
    positive_to, n_to
        The same for the later wave.
    min_group_size
        Minimum reporting group; a row where either n is below it is marked ``suppressed`` and has no
        percentages or statistics.
    confidence
        Confidence level of the interval for the change.

    Returns
    -------
    pandas.DataFrame
        Rows in input order, columns :data:`PROPORTION_CHANGE_COLUMNS`: ``n_from``, ``n_to``, ``pct_from``,
        ``pct_to`` (0–100), ``change_points`` (``pct_to - pct_from``), ``change_ci_low``,
        ``change_ci_high`` (Wald, unpooled), ``z`` (pooled), ``p``, ``p_adj`` (Benjamini–Hochberg across
        the rows), ``suppressed``.

    Notes
    -----
    ``z = (p2 - p1) / sqrt(p̂ (1 - p̂) (1/n1 + 1/n2))`` with the pooled ``p̂ = (x1 + x2) / (n1 + n2)``
    (e.g. Agresti 2013, §2.4); the interval for the difference uses the unpooled standard error
    ``sqrt(p1(1-p1)/n1 + p2(1-p2)/n2)``. z and p are missing when every answer in both waves is (or
    none is) positive.

    Raises :class:`InputError` for negative counts, more positives than answers or unequal lengths.

    Validated against ``statsmodels.stats.proportion.proportions_ztest`` and
    ``confint_proportions_2indep(method="wald")``.
    """
    _check_min_group_size(min_group_size)
    z_crit = _z_critical(confidence)
    try:
        arrays = [np.atleast_1d(np.asarray(v, dtype=float)) for v in (positive_from, n_from, positive_to, n_to)]
    except (TypeError, ValueError):
        raise InputError("The positive counts and answer counts must be numbers.") from None
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        raise InputError("The positive counts and answer counts must have the same length.")
    x1, n1, x2, n2 = arrays
    if (np.nan_to_num(np.concatenate(arrays)) < 0).any():
        raise InputError("Counts of answers cannot be negative.")
    if ((x1 > n1) | (x2 > n2)).any():
        raise InputError("A count of positive answers is larger than the number of answers.")
    rows = []
    for a, na, b, nb in zip(x1, n1, x2, n2):
        row = {"n_from": na, "n_to": nb, **dict.fromkeys(
            ("pct_from", "pct_to", "change_points", "change_ci_low", "change_ci_high", "z", "p"), math.nan)}
        suppressed = not (na >= min_group_size and nb >= min_group_size)
        row["suppressed"] = suppressed
        if not suppressed and np.isfinite([a, b]).all():
            p1, p2 = a / na, b / nb
            diff = p2 - p1
            se_unpooled = math.sqrt(p1 * (1 - p1) / na + p2 * (1 - p2) / nb)
            pooled = (a + b) / (na + nb)
            se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
            row.update(pct_from=100 * p1, pct_to=100 * p2, change_points=100 * diff,
                       change_ci_low=100 * (diff - z_crit * se_unpooled),
                       change_ci_high=100 * (diff + z_crit * se_unpooled))
            if se_pooled > 0:
                z = diff / se_pooled
                row.update(z=z, p=float(2 * sps.norm.sf(abs(z))))
        rows.append(row)
    result = pd.DataFrame(rows, columns=[c for c in PROPORTION_CHANGE_COLUMNS if c != "p_adj"])
    result["p_adj"] = _bh(result["p"].astype(float))
    result["suppressed"] = result["suppressed"].astype(bool)
    return result[list(PROPORTION_CHANGE_COLUMNS)]
