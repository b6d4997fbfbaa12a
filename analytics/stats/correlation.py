"""Unit-level correlations: Pearson r with Fisher-z intervals, Spearman rho with Bonett–Wright intervals,
weighted, stratified and partial variants, with Benjamini–Hochberg adjustment across a family."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics.errors import InputError
from analytics.settings import CONFIDENCE_LEVEL
from analytics.stats._common import (
    MIN_UNITS, _as_list, _check_confidence, _check_min_units, _design, _non_negative, _numeric, _require_columns,
    _require_frame, _z_critical)
from analytics.stats.count_models import binomial_rate_model, poisson_rate_model
from analytics.stats.multiple import benjamini_hochberg


#: Columns of :func:`correlations` (the ``relate`` output), in order.
CORRELATION_COLUMNS = (
    "x", "y", "group", "n", "r", "r_ci_low", "r_ci_high", "p", "p_adj",
    "rho", "rho_ci_low", "rho_ci_high", "note",
)


#: Columns added by :func:`correlations` when ``count_outcomes`` is given.
RATE_RATIO_COLUMNS = ("rate_ratio", "rr_ci_low", "rr_ci_high")


#: Columns of :func:`partial_correlation`.
PARTIAL_CORRELATION_COLUMNS = ("x", "y", "covariates", "method", "n", "r", "ci_low", "ci_high", "p")


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
    count_outcomes = _check_request(data, xs, ys, covs, by=by, weights=weights, count_outcomes=count_outcomes,
                                    min_units=min_units, confidence=confidence)
    # Work on NumPy arrays: masks and ranks are computed once per stratum, not per pair.
    arrays = {c: _numeric(data, c, "score or outcome").to_numpy(dtype=float) for c in dict.fromkeys(xs + ys)}
    weight_array = _weight_array(data, weights)
    design, design_columns = _design(data, covs)
    design_array = design.to_numpy(dtype=float) if design_columns else np.empty((len(data), 0))
    usable = np.isfinite(design_array).all(axis=1)
    if weight_array is not None:
        usable &= np.isfinite(weight_array) & (weight_array > 0)
    strata = _strata(data, by, include_pooled)
    pairs = [(x_name, y_name) for x_name in xs for y_name in ys if x_name != y_name]

    z_crit = _z_critical(confidence)
    results: dict[tuple[str, str, str], dict] = {}
    for group, in_group in strata:
        base = in_group & usable
        rank_cache = _RankCache(arrays, design_array, base)
        for x_name, y_name in pairs:
            row = _correlation_row(x_name, y_name, arrays, base, weight_array, weights, design_array, covs,
                                   min_units, z_crit, rank_cache)
            row = {"x": x_name, "y": y_name, "group": group, **row}
            if count_outcomes:
                _add_count_model(row, data, count_outcomes, in_group & np.isfinite(arrays[y_name]), covs,
                                 min_units, confidence)
            results[(x_name, y_name, group)] = row
    # Rows ordered x, then y, then group (pooled first, then groups in sorted order).
    rows = [results[(x_name, y_name, group)] for x_name, y_name in pairs for group, _ in strata]
    columns = list(CORRELATION_COLUMNS) + (list(RATE_RATIO_COLUMNS) if count_outcomes else [])
    result = pd.DataFrame(rows, columns=columns)
    result["n"] = result["n"].astype("int64")
    result["p_adj"] = benjamini_hochberg(result["p"].astype(float))
    for column in ("x", "y", "group", "note"):
        result[column] = result[column].astype(str)
    return result


def _add_count_model(row: dict, data: pd.DataFrame, count_outcomes: Mapping[str, CountOutcome], rows: np.ndarray,
                     covs: list[str], min_units: int, confidence: float) -> None:
    """The rate-ratio columns of a :func:`correlations` row: empty, then filled by :func:`_add_rate_ratio` when
    the row's outcome has counts and its r could be computed."""
    row.update(dict.fromkeys(RATE_RATIO_COLUMNS, math.nan))
    outcome = count_outcomes.get(row["y"])
    if outcome is not None and np.isfinite(row["r"]):
        _add_rate_ratio(row, data, row["x"], outcome, rows, covs, min_units, confidence)


def _check_request(data: pd.DataFrame, xs: list[str], ys: list[str], covs: list[str], *, by: str | None,
                   weights: str | None, count_outcomes: Mapping[str, object] | None, min_units: int,
                   confidence: float) -> dict[str, CountOutcome]:
    """Refuse a :func:`correlations` request that cannot be answered (no x or y, a column missing, a covariate
    that is also a score, outcome or weight); returns the count outcomes as :class:`CountOutcome` values."""
    if not xs or not ys:
        raise InputError("Choose at least one score (x) and one outcome (y) to relate.")
    _check_min_units(min_units)
    _check_confidence(confidence)
    outcomes = {name: _count_outcome(name, spec) for name, spec in (count_outcomes or {}).items()}
    needed = xs + ys + covs + ([by] if by else []) + ([weights] if weights else [])
    for outcome in outcomes.values():
        needed += [outcome.events, outcome.denominator]
    _require_columns(data, dict.fromkeys(needed), "chosen")
    overlap = [c for c in covs if c in xs or c in ys or c == weights]
    if overlap:
        raise InputError(f"The column '{overlap[0]}' cannot be both a covariate and a score, outcome or weight.",
                         column=overlap[0])
    return outcomes


def _weight_array(data: pd.DataFrame, weights: str | None) -> np.ndarray | None:
    """The weight column as floats (refused when negative), or None without weights."""
    if not weights:
        return None
    weight = _numeric(data, weights, "weights")
    _non_negative(weight, weights, "weights")
    return weight.to_numpy(dtype=float)


def _strata(data: pd.DataFrame, by: str | None, include_pooled: bool) -> list[tuple[str, np.ndarray]]:
    """``(group, mask)`` per stratum: the pooled stratum ("") when not stratified or when asked for, then one
    per group value in sorted order (units with a missing group are in no group stratum)."""
    everyone = ("", np.ones(len(data), dtype=bool))
    if not by:
        return [everyone]
    group_values = data[by]
    strata = [everyone] if include_pooled else []
    for level in sorted(group_values.dropna().astype(str).unique()):
        strata.append((level, (group_values.notna() & (group_values.astype(str) == level)).to_numpy()))
    return strata


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
