"""Reliability and aggregation statistics: Cronbach's alpha with the Feldt interval, corrected item–total
correlations, ICC(1)/ICC(2) and rwg(j)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics.errors import InputError
from analytics.settings import CONFIDENCE_LEVEL
from analytics.stats._common import _as_list, _check_confidence, _numeric, _require_columns, _require_frame


#: Item scores run from 0 to 10 (domain.md §1); :func:`rwg_j` uses this range by default.
SCORE_MIN = 0.0


SCORE_MAX = 10.0


#: Conventional cut-off for "strong agreement" with rwg(j) (LeBreton & Senter 2008).
RWG_STRONG_AGREEMENT = 0.70


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
