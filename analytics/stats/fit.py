"""A straight-line fit with its confidence band, for drawing a trend line through unit-level points.

Pure (NumPy, pandas, SciPy): sequences in, a :class:`FitLine` out. The scatter chart
(:func:`render.scatter.scatter_with_fit`) draws it; nothing here knows about figures.

Missing data: pairs with a missing or non-finite value in either ``x`` or ``y`` are dropped (case-wise).
Callers pass only units the anonymity rules allow to be shown (domain.md §2), so a suppressed unit,
whose values are missing, never enters the fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analytics.settings import CONFIDENCE_LEVEL

#: Fewest complete (x, y) pairs for a line with a band: two residual degrees of freedom are needed
#: for ``s² = SSE / (n − 2)`` to exist.
MIN_FIT_POINTS = 3


@dataclass(frozen=True)
class FitLine:
    """An ordinary least-squares line ``y = intercept + slope * x`` and its pointwise CI on a grid."""

    slope: float
    intercept: float
    n: int
    x: list[float]
    fitted: list[float]
    ci_low: list[float]
    ci_high: list[float]


def _complete_pairs(x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` as floats, keeping only pairs where both are finite numbers."""
    xs = np.asarray(pd.to_numeric(pd.Series(list(x)), errors="coerce"), dtype=float)
    ys = np.asarray(pd.to_numeric(pd.Series(list(y)), errors="coerce"), dtype=float)
    keep = np.isfinite(xs) & np.isfinite(ys)
    return xs[keep], ys[keep]


def least_squares_fit(x: Sequence[float], y: Sequence[float], *, n_grid: int = 50,
                      confidence: float = CONFIDENCE_LEVEL) -> FitLine | None:
    """Ordinary least-squares line of ``y`` on ``x`` with the confidence band of the fitted mean.

    Formulas (e.g. Draper & Smith, *Applied Regression Analysis*, ch. 1):
    ``slope = Sxy / Sxx``, ``intercept = ȳ − slope · x̄``, ``s² = SSE / (n − 2)``, and at each grid
    point ``x0`` the band is ``fit(x0) ± t(1 − α/2, n − 2) · s · √(1/n + (x0 − x̄)² / Sxx)``, which is
    what ``statsmodels`` ``OLS(...).get_prediction(...).conf_int()`` gives (the tests check this).
    The grid runs evenly from the smallest to the largest ``x``.

    Pairs with a missing value are dropped. Returns ``None`` when fewer than three pairs remain or all
    ``x`` are equal (no line or no band can be estimated).
    """
    xs, ys = _complete_pairs(x, y)
    n = len(xs)
    if n < MIN_FIT_POINTS:
        return None
    x_mean, y_mean = xs.mean(), ys.mean()
    sxx = float(np.sum((xs - x_mean) ** 2))
    if sxx <= 0:
        return None
    slope = float(np.sum((xs - x_mean) * (ys - y_mean)) / sxx)
    intercept = float(y_mean - slope * x_mean)
    residuals = ys - (intercept + slope * xs)
    s = math.sqrt(float(np.sum(residuals**2)) / (n - 2))
    t_crit = float(stats.t.ppf(0.5 + confidence / 2, n - 2))
    grid = np.linspace(xs.min(), xs.max(), n_grid)
    fitted = intercept + slope * grid
    half = t_crit * s * np.sqrt(1 / n + (grid - x_mean) ** 2 / sxx)
    return FitLine(slope=slope, intercept=intercept, n=n, x=grid.tolist(), fitted=fitted.tolist(),
                   ci_low=(fitted - half).tolist(), ci_high=(fitted + half).tolist())
