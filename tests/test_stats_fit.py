"""Tests for analytics.stats.fit: the least-squares line and its confidence band."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from analytics.stats.fit import MIN_FIT_POINTS, least_squares_fit


def test_slope_and_intercept_match_numpy_polyfit():
    x, y = [1.0, 2.0, 4.0, 7.0, 8.0], [3.1, 4.9, 9.2, 14.8, 17.1]
    fit = least_squares_fit(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    assert fit.slope == pytest.approx(slope) and fit.intercept == pytest.approx(intercept)
    assert fit.n == 5 and len(fit.x) == 50 and fit.x[0] == 1.0 and fit.x[-1] == 8.0


def test_band_matches_statsmodels_at_another_confidence_level():
    x, y = [1.0, 2.0, 4.0, 7.0, 8.0, 9.0], [3.1, 4.9, 9.2, 14.8, 17.1, 17.0]
    fit = least_squares_fit(x, y, n_grid=7, confidence=0.9)
    model = sm.OLS(y, sm.add_constant(x)).fit()
    expected = model.get_prediction(sm.add_constant(np.asarray(fit.x))).conf_int(alpha=0.1)
    np.testing.assert_allclose(fit.ci_low, expected[:, 0], rtol=1e-10)
    np.testing.assert_allclose(fit.ci_high, expected[:, 1], rtol=1e-10)


def test_pairs_with_a_missing_value_are_dropped():
    full = least_squares_fit([1, 2, 3, 4], [2.0, 3.5, 4.0, 6.0])
    gappy = least_squares_fit([1, 2, None, 3, 4, 5, "x"], [2.0, 3.5, 9.0, 4.0, 6.0, float("nan"), 1.0])
    assert gappy.n == full.n == 4
    assert gappy.slope == pytest.approx(full.slope) and gappy.ci_high == pytest.approx(full.ci_high)


def test_no_line_without_enough_pairs_or_spread_in_x():
    assert MIN_FIT_POINTS == 3
    assert least_squares_fit([1, 2], [1, 2]) is None
    assert least_squares_fit([1, 2, None], [1, 2, 3]) is None
    assert least_squares_fit([2, 2, 2, 2], [1, 2, 3, 4]) is None
