"""Tests of a change in an HR rate between two periods: the exact conditional Poisson test (leavers over
average staff in post) and a quasi-Poisson Wald test on monthly counts (FTE days lost over FTE days available)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats as sps

from analytics import settings
from analytics.errors import InputError


def compare_rates_poisson(events_from: float, exposure_from: float, events_to: float, exposure_to: float, *,
                          confidence: float = settings.CONFIDENCE_LEVEL) -> dict[str, float]:
    """Change in an event rate between two periods, events modelled as Poisson counts over an exposure.

    Used for the leaver rate: leavers over average staff in post (12-month windows, so the exposure is
    staff-years and the rate is per 100 staff a year).

    Returns
    -------
    dict
        ``rate_from``, ``rate_to`` (per 100 units of exposure), ``change`` (percentage points),
        ``change_ci_low``, ``change_ci_high`` (Wald interval of the rate difference,
        ``se = 100 sqrt(x1/e1² + x2/e2²)``), ``rate_ratio`` (``rate_to / rate_from``), ``p``.

    Notes
    -----
    p is the exact conditional test (Przyborowski & Wilenski 1940): given the total ``x1 + x2`` events,
    ``x2 ~ Binomial(x1 + x2, e2 / (e1 + e2))`` under equal rates; two-sided p from
    ``scipy.stats.binomtest``. Validated against ``statsmodels.stats.rates.test_poisson_2indep`` with
    ``method="exact-cond"``. The two periods are treated as independent: each leaving is a separate
    event, although many staff are in post in both periods. p is missing when there are no events at
    all; the ratio is missing when the earlier period had none.
    """
    x1, e1, x2, e2 = (float(v) for v in (events_from, exposure_from, events_to, exposure_to))
    if min(x1, x2) < 0 or min(e1, e2) <= 0 or not all(map(math.isfinite, (x1, e1, x2, e2))):
        raise InputError("Rate comparison needs event counts of zero or more and positive exposures.")
    z = sps.norm.ppf(0.5 + confidence / 2)
    r1, r2 = x1 / e1, x2 / e2
    se = math.sqrt(x1 / e1 ** 2 + x2 / e2 ** 2)
    total = x1 + x2
    p = math.nan
    if total > 0:
        p = float(sps.binomtest(int(round(x2)), int(round(total)), e2 / (e1 + e2)).pvalue)
    return {"rate_from": 100 * r1, "rate_to": 100 * r2, "change": 100 * (r2 - r1),
            "change_ci_low": 100 * (r2 - r1 - z * se), "change_ci_high": 100 * (r2 - r1 + z * se),
            "rate_ratio": r2 / r1 if r1 > 0 else math.nan, "p": p}


def _monthly_arrays(*series: Sequence[float]) -> list[np.ndarray]:
    """Counts and exposures of two periods as float arrays, checked: one exposure per count, none missing or
    negative (:class:`InputError` otherwise)."""
    arrays = [np.asarray(a, dtype=float) for a in series]
    if arrays[0].shape != arrays[1].shape or arrays[2].shape != arrays[3].shape:
        raise InputError("Each period needs one exposure per monthly count.")
    if any(np.isnan(a).any() for a in arrays):
        raise InputError("Monthly counts and exposures must not be missing.")
    if any((a < 0).any() for a in arrays):
        raise InputError("Monthly counts and exposures cannot be negative.")
    return arrays


def compare_rates_quasi_poisson(counts_from: Sequence[float], exposures_from: Sequence[float],
                                counts_to: Sequence[float], exposures_to: Sequence[float], *,
                                confidence: float = settings.CONFIDENCE_LEVEL) -> dict[str, float]:
    """Change in a rate between two periods of monthly figures, with over-dispersion (quasi-Poisson).

    Used for sickness absence: FTE days lost over FTE days available, one value per calendar month.
    Days lost come in episodes lasting many days, so they are far more variable than independent
    Poisson counts; the dispersion is estimated from month-to-month variation.

    Returns
    -------
    dict
        ``rate_from``, ``rate_to`` (100 × Σ counts ÷ Σ exposures in each period — the NHS Digital rate,
        never an average of monthly rates), ``change`` (percentage points), ``change_ci_low``,
        ``change_ci_high``, ``rate_ratio``, ``p``, ``dispersion``, ``months``.

    Notes
    -----
    A Poisson GLM of the monthly counts with log(exposure) as offset and one indicator for the later
    period gives ``rate_ratio = r2 / r1`` exactly. Quasi-Poisson: the dispersion
    ``φ = Σ (x − μ)² / μ ÷ (m − 2)`` (Pearson χ² over the residual degrees of freedom, m months), the
    variance of the log rate ratio ``φ (1/X1 + 1/X2)`` (X = total count of a period), and a two-sided
    Wald z-test (McCullagh & Nelder 1989, §6.2). The change's interval is Wald on the difference:
    ``se = 100 sqrt(φ (X1/E1² + X2/E2²))``. Seasonal variation counts as noise here, so the test is
    conservative (slow to call a change significant); the two windows cover the same calendar months,
    so seasons do not bias the change itself. Validated against ``statsmodels`` GLM (Poisson family,
    offset, ``scale="X2"``). A month with no exposure is left out; p is missing with fewer than three
    months or no events.
    """
    x1, e1, x2, e2 = _monthly_arrays(counts_from, exposures_from, counts_to, exposures_to)
    keep1, keep2 = e1 > 0, e2 > 0
    x1, e1, x2, e2 = x1[keep1], e1[keep1], x2[keep2], e2[keep2]
    if e1.sum() <= 0 or e2.sum() <= 0:
        raise InputError("Each period needs some exposure (FTE days available).")
    X1, E1, X2, E2 = x1.sum(), e1.sum(), x2.sum(), e2.sum()
    r1, r2 = X1 / E1, X2 / E2
    months = len(x1) + len(x2)
    out = {"rate_from": 100 * r1, "rate_to": 100 * r2, "change": 100 * (r2 - r1), "change_ci_low": math.nan,
           "change_ci_high": math.nan, "rate_ratio": r2 / r1 if r1 > 0 else math.nan, "p": math.nan,
           "dispersion": math.nan, "months": months}
    if months < 3 or X1 <= 0 or X2 <= 0:
        return out
    mu = np.concatenate([e1 * r1, e2 * r2])
    x = np.concatenate([x1, x2])
    dispersion = float(((x - mu) ** 2 / mu).sum() / (months - 2))
    z_crit = sps.norm.ppf(0.5 + confidence / 2)
    se_log = math.sqrt(dispersion * (1 / X1 + 1 / X2))
    se_diff = 100 * math.sqrt(dispersion * (X1 / E1 ** 2 + X2 / E2 ** 2))
    z = math.log(r2 / r1) / se_log if se_log > 0 else math.nan
    out.update(change_ci_low=out["change"] - z_crit * se_diff, change_ci_high=out["change"] + z_crit * se_diff,
               dispersion=dispersion, p=float(2 * sps.norm.sf(abs(z))) if math.isfinite(z) else math.nan)
    return out
