"""Respondent-level models that return pooled coefficients only: within- and between-team slopes from a
mixed model, and Shapley R² shares of key drivers."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.settings import CONFIDENCE_LEVEL
from analytics.stats._common import MIN_UNITS, _as_list, _check_confidence, _numeric, _require_columns, _require_frame
from analytics.stats.correlation import _weighted_corr_matrix


#: Most predictors :func:`shapley_r2` accepts: it fits all 2**p subsets (4,096 at 12).
MAX_SHAPLEY_PREDICTORS = 12


#: Columns of :func:`mixed_slopes`.
MIXED_SLOPE_COLUMNS = (
    "outcome", "predictor", "term", "coef", "ci_low", "ci_high", "p", "n_respondents", "n_teams", "note",
)


MIXED_TERM_WITHIN = "within team"


MIXED_TERM_BETWEEN = "between team"


#: Columns of :func:`shapley_r2`.
SHAPLEY_COLUMNS = ("predictor", "n", "shapley_r2", "share", "r")


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
    frame = _shapley_cases(data, outcome, preds)
    corr = _weighted_corr_matrix(frame.to_numpy(dtype=float), None)
    r_y = corr[0, 1:]
    shapley = _shapley_values(r_y, corr[1:, 1:])
    total = float(shapley.sum())
    share = shapley / total if total > 0 else np.full(len(preds), math.nan)
    return pd.DataFrame({"predictor": preds, "n": len(frame), "shapley_r2": shapley, "share": share, "r": r_y},
                        columns=SHAPLEY_COLUMNS)


def _shapley_cases(data: pd.DataFrame, outcome: str, preds: list[str]) -> pd.DataFrame:
    """The complete cases of outcome and predictors (outcome first), refusing requests :func:`shapley_r2`
    cannot answer: fewer than 2 or more than :data:`MAX_SHAPLEY_PREDICTORS` predictors, repeated columns,
    fewer than p + 2 complete rows, a constant column."""
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
    return frame


def _shapley_values(r_y: np.ndarray, r_xx: np.ndarray) -> np.ndarray:
    """φ_j for each predictor from the outcome–predictor correlations ``r_y`` and the predictors' correlation
    matrix ``r_xx``: R²(S) = r_yS' R_SS⁻¹ r_yS for every subset S (bit masks), then the order-weighted average
    gain of adding j (see :func:`shapley_r2`). The values sum to the full model's R²."""
    p = len(r_y)
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
    return shapley
