"""Comparisons between survey waves: Welch's t-test from summaries with Cohen's d per unit, and the two-proportion
z-test for % positive."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics.errors import InputError
from analytics.settings import CONFIDENCE_LEVEL, DEFAULT_MIN_GROUP_SIZE
from analytics.stats._common import (
    _check_confidence, _check_min_group_size, _numeric, _require_columns, _require_frame, _z_critical)
from analytics.stats.multiple import benjamini_hochberg


#: Columns of :func:`compare_waves`.
WAVE_CHANGE_COLUMNS = (
    "unit", "n_from", "n_to", "mean_from", "mean_to", "change", "t", "p", "p_adj", "cohens_d", "significant",
)


#: Columns of :func:`compare_proportions`.
PROPORTION_CHANGE_COLUMNS = (
    "n_from", "n_to", "pct_from", "pct_to", "change_points", "change_ci_low", "change_ci_high", "z", "p",
    "p_adj", "suppressed",
)


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
    # a wave with no scores at all (a measure not asked in it) has no column: no unit can be compared
    stats_by = stats_by.reindex(columns=pd.MultiIndex.from_product([["count", "mean", "var"], [False, True]]))
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
    result["p_adj"] = benjamini_hochberg(result["p"].astype(float))
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
    result["p_adj"] = benjamini_hochberg(result["p"].astype(float))
    result["suppressed"] = result["suppressed"].astype(bool)
    return result[list(PROPORTION_CHANGE_COLUMNS)]
