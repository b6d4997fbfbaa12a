"""Count models for HR outcomes against a score: binomial (leavers of staff) and quasi-Poisson (FTE days lost
of FTE days available) GLMs, reported as odds or rate ratios per 1-point higher score with intervals."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.settings import CONFIDENCE_LEVEL, FEW_UNITS_NOTE, FEW_UNITS_WARNING
from analytics.stats._common import (
    MIN_UNITS, _as_list, _check_confidence, _check_min_units, _design, _non_negative, _numeric, _require_columns,
    _require_frame)


#: Columns of :func:`binomial_rate_model` and :func:`poisson_rate_model`.
COUNT_MODEL_COLUMNS = (
    "score", "outcome", "n", "coef", "se", "rate_ratio", "rr_ci_low", "rr_ci_high", "p", "dispersion",
    "effect_measure", "note",
)


#: What exp(coefficient) is for each count model.
EFFECT_MEASURE_BINOMIAL = "odds ratio (close to the rate ratio when leaving is rare)"


EFFECT_MEASURE_POISSON = "rate ratio"


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
    """One row of :data:`COUNT_MODEL_COLUMNS`: the model fitted when it can be, else empty statistics and a
    note saying why (too few units, no variation in the score, collinear covariates, no convergence)."""
    effect = EFFECT_MEASURE_BINOMIAL if family == "binomial" else EFFECT_MEASURE_POISSON
    row = {"score": score, "outcome": outcome, "n": len(frame), **dict.fromkeys(
        ("coef", "se", "rate_ratio", "rr_ci_low", "rr_ci_high", "p", "dispersion"), math.nan),
        "effect_measure": effect}
    # Drop covariate columns that do not vary here (e.g. a dummy for a group with no units left).
    design_columns = [c for c in design_columns if frame[c].nunique() > 1]
    exog = np.column_stack([np.ones(len(frame)), frame["__score"].to_numpy(),
                            frame[design_columns].to_numpy(float)])
    reason = _unfit_reason(frame, exog, score, min_units)
    if reason:
        notes.append(reason)
    else:
        result = _fitted(frame, exog, family, quasi, notes)
        if result is not None:
            low, high = result.conf_int(alpha=1 - confidence)[1]
            coef = float(result.params[1])
            row.update(coef=coef, se=float(result.bse[1]), rate_ratio=math.exp(coef),
                       rr_ci_low=math.exp(low), rr_ci_high=math.exp(high), p=float(result.pvalues[1]),
                       dispersion=float(result.pearson_chi2 / result.df_resid))
            if len(frame) < FEW_UNITS_WARNING:
                notes.append(FEW_UNITS_NOTE.format(n=FEW_UNITS_WARNING))
    row["note"] = "; ".join(notes)
    return pd.DataFrame([row], columns=COUNT_MODEL_COLUMNS).astype({"n": "int64"})


def _unfit_reason(frame: pd.DataFrame, exog: np.ndarray, score: str, min_units: int) -> str:
    """Why the model is not fitted ("" when it can be): fewer units than ``max(min_units, parameters + 2)``,
    a score that does not vary, or a design matrix without full column rank."""
    n = len(frame)
    needed = max(min_units, exog.shape[1] + 2)
    if n < needed:
        return f"too few units (n={n}; at least {needed} needed)"
    if frame["__score"].nunique() < 2:
        return f"no variation in '{score}' across these units"
    if np.linalg.matrix_rank(exog) < exog.shape[1]:
        return "the covariates are collinear with each other or with the score"
    return ""


def _fitted(frame: pd.DataFrame, exog: np.ndarray, family: str, quasi: bool, notes: list[str]):
    """The fitted statsmodels GLM, or None (with a note) when it fails or does not converge.

    Binomial: the proportion ``events / denominator`` with the denominator as variance weights (the
    two-column form gives a wrong quasi-likelihood scale in statsmodels 0.15). Poisson: the events with
    ``log(denominator)`` as offset.

    ``quasi``: the plain model is fitted first, then refitted with the scale fixed at
    :func:`_quasi_scale` (Pearson's X² / df, floored at 1) and ``use_t=True``, so that intervals and
    p-values use Student's t on the residual degrees of freedom: the scale is estimated from n − p
    residuals, and with few teams the normal quantile would understate the uncertainty (McCullagh &
    Nelder 1989, §9.2.4; the quasi-likelihood F/t reference distribution). Plain models (``quasi=False``)
    keep the likelihood's normal (Wald) quantiles.
    """
    import statsmodels.api as sm

    events = frame["__events"].to_numpy()
    denominator = frame["__denominator"].to_numpy()
    if family == "binomial":
        model = sm.GLM(events / denominator, exog, family=sm.families.Binomial(), var_weights=denominator)
    else:
        model = sm.GLM(events, exog, family=sm.families.Poisson(), offset=np.log(denominator))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = model.fit()
            if quasi:
                result = model.fit(scale=_quasi_scale(result), use_t=True)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:  # pragma: no cover
            notes.append(f"the model could not be fitted ({exc})")
            return None
    trouble = [w for w in caught if "converge" in str(w.message).lower() or "separation" in str(w.message).lower()]
    if trouble or not np.all(np.isfinite(result.bse)):
        notes.append("the model did not converge (e.g. every unit at 0% or 100%)")
        return None
    return result


def _quasi_scale(plain) -> float:
    """Quasi-likelihood dispersion of a fitted plain GLM, ``max(1, Pearson X² / df_resid)``.

    Floored at 1: the binomial or Poisson variance is the least there can be for counts of people or
    days, so an apparently underdispersed sample (X²/df < 1, common by chance with few teams) is not
    allowed to give intervals narrower than the plain model's. The ``dispersion`` column still reports
    the estimate itself.
    """
    return max(1.0, float(plain.pearson_chi2 / plain.df_resid))


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
        ``True`` (default): quasi-binomial — standard errors scaled by the square root of the Pearson
        dispersion ``X² / (n - p)`` floored at 1, as between-team variation in leaving is almost always
        larger than binomial; the interval and p use t on ``n - p`` degrees of freedom.
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
        exp(coef) with Wald interval ``rr_ci_low``/``rr_ci_high`` (t quantile when quasi), ``p`` (Wald;
        t when quasi), ``dispersion`` (the estimate Pearson χ²/df; well above 1 means overdispersion;
        the standard error uses ``max(1, dispersion)``), ``effect_measure`` and ``note`` (includes
        "fewer than 10 teams: intervals are wide and unstable" when fitted on fewer than
        :data:`analytics.settings.FEW_UNITS_WARNING` units).

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
        ``True`` (default): quasi-Poisson, standard errors scaled by the square root of the Pearson
        dispersion ``X² / (n - p)`` floored at 1 (days lost come in spells, so they are far more
        variable than Poisson); the interval and p use t on ``n - p`` degrees of freedom.
        ``False``: plain Poisson.
    min_units, confidence
        As in :func:`binomial_rate_model`.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`COUNT_MODEL_COLUMNS`; ``rate_ratio`` = exp(coef) is the ratio of the
        sickness absence rate per 1-point higher score, with its Wald interval (t quantile when quasi).

    Notes
    -----
    ``log E[days lost] = log(days available) + b0 + b1 * score (+ covariates)``; rate ratio ``exp(b1)``
    (Wedderburn 1974, quasi-likelihood; McCullagh & Nelder 1989, §6.2). Units with exposure missing or
    0 are left out (note); negative values raise :class:`InputError`. Missing data: listwise.

    Validated against ``statsmodels`` GLM Poisson fitted directly (``offset``, ``scale="X2"``,
    ``use_t=True``; and a floored scale on underdispersed data) and by
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
