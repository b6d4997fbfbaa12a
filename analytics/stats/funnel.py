"""Funnel plots: each unit's rate against the organisation's, with 95% and 99.8% control limits that
narrow as the unit's denominator grows (domain.md §3: exceptions come from the limits, not from quartiles
of noisy rates).

Method: Spiegelhalter DJ (2005) "Funnel plots for comparing institutional performance", *Statistics in
Medicine* 24:1185–1202, and the Association of Public Health Observatories' "Technical Guide: Funnel
plots for proportions / for ratios and rates" (APHO 2008, used by Public Health England), which follow it.

* **Proportion** (leavers ÷ mean staff in post): exact binomial limits with Spiegelhalter's interpolation
  (Appendix A.1.1). For a target ``θ`` and ``n`` trials and a tail probability ``p`` (0.025 / 0.975 for
  95%, 0.001 / 0.999 for 99.8%), ``r_p`` is the smallest whole number with ``P(R ≤ r_p) ≥ p``,
  ``α = (P(R ≤ r_p) − p) / (P(R ≤ r_p) − P(R ≤ r_p − 1))`` and the limit is ``(r_p − α) / n``. The
  interpolation makes the limit continuous in ``θ`` instead of a staircase. Used at every ``n``
  (SciPy evaluates the binomial exactly for any staff size a team has); no normal approximation.
  *Non-whole denominators*: the mean of two headcounts is a whole number or a half. Limits at a
  non-whole ``n`` are interpolated linearly between those at ``floor(n)`` and ``ceil(n)`` (at
  ``0 < n < 1`` those at ``n = 1`` are used), so the curves stay continuous in ``n`` and no team is
  rounded up or down.
* **Rate** (FTE days lost ÷ FTE days available): exact Poisson limits on the count scale with the same
  interpolation (Appendix A.1.2), ``μ = θ n`` expected days lost, limit ``(r_p − α) / n``. The Poisson
  mean need not be whole, so nothing is rounded; ``P(R ≤ r | μ) = P(χ²_{2r+2} > 2μ)`` links it to the
  chi-square form.
* **Overdispersion** (Spiegelhalter 2005, §6; Spiegelhalter DJ (2005) "Handling over-dispersion of
  performance indicators", *Qual Saf Health Care* 14:347–351). Each unit's Pearson z-score is
  ``z = (y − θ) / sqrt(V(θ) / n)`` with ``V(θ) = θ(1 − θ)`` (proportion) or ``θ`` (rate). The
  ``floor(0.1 I)`` lowest and highest of the ``I`` z-scores are winsorised (set to the next value
  inwards, as ``scipy.stats.mstats.winsorize(limits=0.1)``), and ``φ = Σ z_w² / I``. When ``φ > 1`` the
  limits are widened by ``sqrt(φ)`` about the target: ``θ + sqrt(φ) (limit − θ)`` (Spiegelhalter's
  ``θ ± z_p sqrt(φ V(θ)/n)`` when the exact limit is close to the normal one). FTE days lost come in
  spells of several days, and one team's leavers are not independent either, so between-team
  variation is nearly always wider than binomial or Poisson; without the factor most teams would be
  "outside" the limits. ``φ ≤ 1`` leaves the limits as they are (never narrower). With fewer than
  :data:`~analytics.settings.FUNNEL_MIN_UNITS_FOR_DISPERSION` units φ is not used: a single outlying
  unit among a handful would set φ itself and hide inside the limits it widened.

Missing values: a unit whose denominator is missing or zero, or whose events figure is missing, gets no
rate and no limits and position "no data"; it does not enter the target or φ. Missing is never zero.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics import settings
from analytics.errors import InputError
from analytics.stats._common import _non_negative, _numeric, _require_columns, _require_frame

#: Columns of :func:`funnel_table` (and :func:`funnel_exceptions`). Rates and limits are in %.
FUNNEL_COLUMNS = (
    "unit", "parent", "events", "denominator", "rate", "target", "lower_95", "upper_95", "lower_998",
    "upper_998", "z", "position",
)
#: Columns of :func:`funnel_limits`, on the scale of the target given (a fraction, not %).
FUNNEL_LIMIT_COLUMNS = ("denominator", "lower_95", "upper_95", "lower_998", "upper_998")

FUNNEL_KINDS = ("proportion", "rate")

_LIMIT_NAMES = {0.95: "95", 0.998: "998"}


def _check_kind(kind: str) -> None:
    if kind not in FUNNEL_KINDS:
        raise InputError(f"The funnel plot kind must be 'proportion' or 'rate'; got {kind!r}.")


def _interpolated_quantile(dist, p: float) -> np.ndarray:
    """Spiegelhalter's interpolated quantile ``r_p − α`` of a discrete distribution (frozen, vectorised)."""
    r = dist.ppf(p)
    at_r = dist.cdf(r)
    below = dist.cdf(r - 1)
    step = at_r - below
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(step > 0, (at_r - p) / np.where(step > 0, step, 1.0), 0.0)
    return r - alpha


def _binomial_limit(theta: float, n: np.ndarray, p: float) -> np.ndarray:
    """Interpolated binomial limit (a proportion) at whole ``n`` (> 0)."""
    return _interpolated_quantile(sps.binom(n, theta), p) / n


def _proportion_limit(theta: float, n: np.ndarray, p: float) -> np.ndarray:
    """Binomial limit at any ``n > 0``: linear in ``n`` between ``floor(n)`` and ``ceil(n)``."""
    low = np.maximum(np.floor(n), 1.0)
    high = np.maximum(np.ceil(n), 1.0)
    weight = np.where(high > low, n - low, 0.0)
    return (1 - weight) * _binomial_limit(theta, low, p) + weight * _binomial_limit(theta, high, p)


def _rate_limit(theta: float, n: np.ndarray, p: float) -> np.ndarray:
    """Interpolated Poisson limit (events per unit of denominator) for expected count ``θ n``."""
    return _interpolated_quantile(sps.poisson(theta * n), p) / n


def _check_target(target_rate: float, kind: str) -> float:
    try:
        theta = float(target_rate)
    except (TypeError, ValueError):
        raise InputError(f"The funnel plot target must be a number; got {target_rate!r}.") from None
    upper = 1.0 if kind == "proportion" else math.inf
    if not (0 <= theta <= upper) or math.isnan(theta):
        span = "between 0 and 1" if kind == "proportion" else "0 or more"
        raise InputError(f"The funnel plot target must be {span} (as a fraction, not %); got {target_rate!r}.")
    return theta


def funnel_limits(target_rate: float, denominators, *, kind: str, dispersion: float | None = None) -> pd.DataFrame:
    """Funnel plot control limits at each denominator, on the scale of ``target_rate`` (a fraction).

    Parameters
    ----------
    target_rate
        The target ``θ``: a proportion (0–1) for ``kind="proportion"``, events per unit of denominator
        (e.g. 0.05 days lost per day available) for ``kind="rate"``.
    denominators
        Trials (mean staff in post; need not be whole) or exposure (FTE days available). Values that are
        missing, zero or negative get missing limits.
    kind
        ``"proportion"`` (exact binomial) or ``"rate"`` (exact Poisson), both with Spiegelhalter's
        interpolation; see the module docstring.
    dispersion
        Overdispersion factor ``φ``; when given and above 1 the limits are widened by ``sqrt(φ)`` about
        the target. ``None`` or ``φ ≤ 1``: plain limits.

    Returns
    -------
    pandas.DataFrame
        :data:`FUNNEL_LIMIT_COLUMNS`: ``denominator`` and the two-sided ``lower_95``/``upper_95`` (tail
        probabilities 0.025 / 0.975) and ``lower_998``/``upper_998`` (0.001 / 0.999), kept within
        0–1 (proportion) or ≥ 0 (rate).
    """
    _check_kind(kind)
    theta = _check_target(target_rate, kind)
    n = pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(denominators, dtype=object))), errors="coerce")
    n = n.astype(float).to_numpy()
    usable = np.isfinite(n) & (n > 0)
    inflate = math.sqrt(dispersion) if dispersion is not None and np.isfinite(dispersion) and dispersion > 1 else 1.0
    limit = _proportion_limit if kind == "proportion" else _rate_limit
    out = {"denominator": n}
    for level in settings.FUNNEL_LEVELS:
        name = _LIMIT_NAMES[level]
        for side, p in (("lower", (1 - level) / 2), ("upper", (1 + level) / 2)):
            values = np.full(len(n), np.nan)
            if usable.any():
                raw = limit(theta, n[usable], p)
                widened = theta + inflate * (raw - theta)
                values[usable] = np.clip(widened, 0.0, 1.0 if kind == "proportion" else np.inf)
            out[f"{side}_{name}"] = values
    return pd.DataFrame(out, columns=FUNNEL_LIMIT_COLUMNS)


def pearson_z(rates, denominators, target_rate: float, *, kind: str) -> np.ndarray:
    """Standardised Pearson z-scores ``(y − θ) / sqrt(V(θ) / n)``, ``V(θ) = θ(1 − θ)`` for a proportion
    and ``θ`` for a rate (Spiegelhalter 2005, Table I); missing where ``V(θ) = 0`` or data is missing."""
    _check_kind(kind)
    theta = _check_target(target_rate, kind)
    y = np.asarray(rates, dtype=float)
    n = np.asarray(denominators, dtype=float)
    variance = theta * (1 - theta) if kind == "proportion" else theta
    if variance <= 0:
        return np.full(y.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (y - theta) / np.sqrt(variance / n)


def winsorised_dispersion(z_scores, fraction: float = settings.FUNNEL_WINSOR_FRACTION) -> float:
    """Spiegelhalter's multiplicative overdispersion factor ``φ = Σ z_w² / I`` over the ``I`` non-missing
    z-scores, after the ``floor(fraction · I)`` lowest and highest are set to the next value inwards
    (winsorised; Spiegelhalter 2005, Qual Saf Health Care 14:347–351, 10% at each end). Missing when
    there is no z-score."""
    z = np.sort(np.asarray(z_scores, dtype=float))
    z = z[np.isfinite(z)]
    if z.size == 0:
        return math.nan
    k = int(math.floor(fraction * z.size))
    if k > 0:
        z[:k] = z[k]
        z[z.size - k:] = z[z.size - k - 1]
    return float(np.mean(z ** 2))


def _position(rate: pd.Series, limits: pd.DataFrame) -> np.ndarray:
    conditions = [rate > limits["upper_998"], rate > limits["upper_95"], rate < limits["lower_998"],
                  rate < limits["lower_95"], rate.notna()]
    choices = [settings.FUNNEL_ABOVE_998, settings.FUNNEL_ABOVE_95, settings.FUNNEL_BELOW_998,
               settings.FUNNEL_BELOW_95, settings.FUNNEL_WITHIN]
    return np.select(conditions, choices, default=settings.FUNNEL_NO_DATA)


def _target_fraction(target: float | None, events: pd.Series, denominator: pd.Series, kind: str) -> float:
    if target is not None:
        return _check_target(float(target) / 100, kind)
    total = float(denominator.sum())
    if total <= 0:
        return math.nan
    return min(float(events.sum()) / total, 1.0) if kind == "proportion" else float(events.sum()) / total


def funnel_table(
    units: pd.DataFrame,
    *,
    events: str,
    denominator: str,
    kind: str,
    target: float | None = None,
    overdispersion: bool = True,
    unit: str = "unit",
    parent: str = "parent",
) -> pd.DataFrame:
    """Each unit's rate against a target with funnel plot limits at its own denominator.

    Parameters
    ----------
    units
        One row per unit (e.g. the team rows of ``analytics.hr.hr_metrics``).
    events, denominator
        Count and denominator columns: leavers and mean staff in post (``kind="proportion"``), or FTE
        days lost and FTE days available (``kind="rate"``). Neither need be whole; negatives raise
        :class:`InputError`.
    kind
        ``"proportion"`` or ``"rate"`` (see the module docstring for the limits of each).
    target
        Target in % (e.g. ``5.6``). Default: the organisation's rate over the units with data,
        ``100 × Σ events ÷ Σ denominator``.
    overdispersion
        ``True`` (default): estimate ``φ`` from the winsorised z-scores and widen the limits by
        ``sqrt(φ)`` when ``φ > 1`` and at least
        :data:`~analytics.settings.FUNNEL_MIN_UNITS_FOR_DISPERSION` units have data. ``False``: plain binomial / Poisson limits (``φ`` is still reported).
    unit, parent
        Names of the unit column and of its parent (directorate) column; a missing parent column gives
        an empty ``parent``.

    Returns
    -------
    pandas.DataFrame
        :data:`FUNNEL_COLUMNS`, one row per input row in input order: ``unit``, ``parent``, ``events``,
        ``denominator``; ``rate`` = 100 × events ÷ denominator and ``target`` (%); the limits
        ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998`` (%, at that unit's denominator);
        ``z`` the Pearson z-score, divided by ``sqrt(φ)`` when the limits were widened by it (so that
        |z| > 1.96 roughly matches "outside 95%"); ``position``, one of
        :data:`analytics.settings.FUNNEL_POSITIONS` (on a limit counts as within). ``attrs``:
        ``kind``, ``target`` (%), ``phi`` (φ, missing with no unit), ``overdispersion_applied``
        (bool) and ``units_with_data``.
    """
    _check_kind(kind)
    data = _require_frame(units, "unit table")
    _require_columns(data, [unit, events, denominator], "chosen")
    count = _numeric(data, events, "count")
    base = _numeric(data, denominator, "denominator")
    _non_negative(count, events, "count")
    _non_negative(base, denominator, "denominator")
    has_data = count.notna() & base.notna() & (base > 0)
    theta = _target_fraction(target, count[has_data], base[has_data], kind)
    rate = (count / base).where(has_data)
    frame = pd.DataFrame({
        "unit": data[unit].to_numpy(),
        "parent": data[parent].to_numpy() if parent in data.columns else None,
        "events": count.to_numpy(float), "denominator": base.to_numpy(float)})
    z = pearson_z(rate, base, theta, kind=kind) if np.isfinite(theta) else np.full(len(data), np.nan)
    z = np.where(has_data.to_numpy(), z, np.nan)
    phi = winsorised_dispersion(z)
    applied = bool(overdispersion and np.isfinite(phi) and phi > 1
                   and int(has_data.sum()) >= settings.FUNNEL_MIN_UNITS_FOR_DISPERSION)
    if np.isfinite(theta):
        limits = funnel_limits(theta, base.where(has_data), kind=kind, dispersion=phi if applied else None)
    else:
        limits = pd.DataFrame(np.nan, index=range(len(data)), columns=FUNNEL_LIMIT_COLUMNS)
    frame["rate"] = 100 * rate.to_numpy(float)
    frame["target"] = 100 * theta
    for column in FUNNEL_LIMIT_COLUMNS[1:]:
        frame[column] = 100 * limits[column].to_numpy(float)
    frame["z"] = z / math.sqrt(phi) if applied else z
    frame["position"] = _position(frame["rate"], frame)
    frame = frame[list(FUNNEL_COLUMNS)]
    frame.attrs.update(kind=kind, target=100 * theta, phi=phi, overdispersion_applied=applied,
                       units_with_data=int(has_data.sum()))
    return frame


def funnel_exceptions(table: pd.DataFrame) -> pd.DataFrame:
    """Units above the upper 95% limit of a :func:`funnel_table`, worst first.

    Rows with position "above 99.8%" come before "above 95%"; within each, the larger ``z`` first (then
    the higher rate). Same columns (:data:`FUNNEL_COLUMNS`) and ``attrs`` as ``table``; empty when no unit
    is above its limit. Units below the lower limits are not exceptions here (a low sickness or leaver
    rate is not a concern to escalate), nor are units with no data.
    """
    data = _require_frame(table, "funnel table")
    _require_columns(data, ["position", "z", "rate"], "funnel table")
    order = {settings.FUNNEL_ABOVE_998: 0, settings.FUNNEL_ABOVE_95: 1}
    above = data[data["position"].isin(order)]
    ranked = above.assign(_order=above["position"].map(order), _z=above["z"].fillna(-np.inf))
    ranked = ranked.sort_values(["_order", "_z", "rate"], ascending=[True, False, False], kind="stable")
    out = ranked.drop(columns=["_order", "_z"]).reset_index(drop=True)
    out.attrs.update(data.attrs)
    return out
