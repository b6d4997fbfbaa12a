"""Tests for analytics.stats.funnel: limits against hand arithmetic and SciPy, φ by hand, positions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.stats import mstats

from analytics import settings
from analytics import stats as st
from analytics.errors import InputError


def binomial_cdf(r: int, n: int, theta: float) -> float:
    """P(R ≤ r) for R ~ Binomial(n, θ), summed term by term."""
    return sum(math.comb(n, k) * theta**k * (1 - theta) ** (n - k) for k in range(0, r + 1))


def interpolated(cdf, p: float) -> float:
    """Spiegelhalter (2005) Appendix: smallest r with F(r) ≥ p, α = (F(r) − p) / (F(r) − F(r − 1)), r − α."""
    r = 0
    while cdf(r) < p:
        r += 1
    below = cdf(r - 1) if r > 0 else 0.0
    return r - (cdf(r) - p) / (cdf(r) - below)


@pytest.mark.parametrize("n", [5, 20, 63, 200])
def test_binomial_limits_match_hand_arithmetic(n):
    theta = 0.12
    limits = st.funnel_limits(theta, [n], kind="proportion").iloc[0]
    for column, p in (("lower_95", 0.025), ("upper_95", 0.975), ("lower_998", 0.001), ("upper_998", 0.999)):
        expected = max(0.0, interpolated(lambda r: binomial_cdf(r, n, theta), p) / n)
        assert limits[column] == pytest.approx(expected, abs=1e-10), column
        # r_p is SciPy's binomial quantile.
        assert math.ceil(expected * n - 1e-12) == max(0, sps.binom.ppf(p, n, theta)) or expected == 0


def test_binomial_limit_worked_example():
    # n = 20, θ = 0.1: F(4) = 0.956825, F(5) = 0.988747, so r = 5 and α = (0.988747 − 0.975) / 0.031922.
    f4, f5 = binomial_cdf(4, 20, 0.1), binomial_cdf(5, 20, 0.1)
    assert f4 == pytest.approx(0.956825, abs=1e-6) and f5 == pytest.approx(0.988747, abs=1e-6)
    upper = st.funnel_limits(0.1, [20], kind="proportion")["upper_95"].iloc[0]
    assert upper == pytest.approx((5 - (f5 - 0.975) / (f5 - f4)) / 20, abs=1e-12)
    assert upper == pytest.approx(0.22847, abs=1e-4)


def test_non_whole_staff_interpolates_between_neighbours():
    limits = st.funnel_limits(0.12, [20, 20.5, 21, 0.5, 1], kind="proportion")
    for column in st.FUNNEL_LIMIT_COLUMNS[1:]:
        assert limits[column].iloc[1] == pytest.approx((limits[column].iloc[0] + limits[column].iloc[2]) / 2)
        assert limits[column].iloc[3] == limits[column].iloc[4]  # below 1: the limits at n = 1


@pytest.mark.parametrize("days", [400.0, 5_000.0, 36_500.0])
def test_poisson_limits_match_chi_square_form(days):
    theta = 0.05
    mu = theta * days

    def cdf(r):  # P(R ≤ r | μ) = P(χ²(2r + 2) > 2μ)
        return 0.0 if r < 0 else float(sps.chi2.sf(2 * mu, 2 * r + 2))

    limits = st.funnel_limits(theta, [days], kind="rate").iloc[0]
    for column, p in (("lower_95", 0.025), ("upper_95", 0.975), ("lower_998", 0.001), ("upper_998", 0.999)):
        assert limits[column] == pytest.approx(max(0.0, interpolated(cdf, p) / days), rel=1e-8), column
    # Close to the normal approximation θ ± 1.96 sqrt(θ / n) when the expected count is large.
    if mu > 1000:
        assert limits["upper_95"] == pytest.approx(theta + 1.959964 * math.sqrt(theta / days), rel=2e-3)


def test_overdispersion_widens_limits_by_root_phi():
    plain = st.funnel_limits(0.05, [2000, 8000], kind="rate")
    wide = st.funnel_limits(0.05, [2000, 8000], kind="rate", dispersion=4.0)
    assert wide["upper_95"].to_numpy() == pytest.approx(0.05 + 2 * (plain["upper_95"].to_numpy() - 0.05))
    assert wide["lower_95"].to_numpy() == pytest.approx(np.maximum(0, 0.05 + 2 * (plain["lower_95"] - 0.05)))
    same = st.funnel_limits(0.05, [2000, 8000], kind="rate", dispersion=0.6)  # never narrower
    pd.testing.assert_frame_equal(same, plain)


def small_table() -> pd.DataFrame:
    return pd.DataFrame({
        "unit": [f"Team {c}" for c in "ABCDEFGHIJ"],
        "parent": ["North"] * 5 + ["South"] * 5,
        "days_lost": [300.0, 520.0, 410.0, 150.0, 900.0, 260.0, 480.0, 330.0, 610.0, 200.0],
        "days_available": [8000.0, 9000.0, 10000.0, 5000.0, 12000.0, 7000.0, 9500.0, 6000.0, 11000.0, 6500.0],
    })


def test_phi_by_hand_on_a_small_table():
    table = small_table()
    theta = 4160.0 / 84000.0  # Σ days lost / Σ days available
    result = st.funnel_table(table, events="days_lost", denominator="days_available", kind="rate")
    assert result.attrs["target"] == pytest.approx(100 * theta)
    z = [(lost / avail - theta) / math.sqrt(theta / avail)
         for lost, avail in zip(table["days_lost"], table["days_available"])]
    ordered = sorted(z)
    # 10 units: floor(0.1 × 10) = 1 z-score at each end set to its neighbour.
    ordered[0], ordered[-1] = ordered[1], ordered[-2]
    phi = sum(v * v for v in ordered) / 10
    assert result.attrs["phi"] == pytest.approx(phi, rel=1e-10)
    assert phi == pytest.approx(float(np.mean(np.asarray(mstats.winsorize(np.array(z), limits=(0.1, 0.1))) ** 2)))
    assert phi > 1 and result.attrs["overdispersion_applied"] is True
    assert result["z"].to_numpy() == pytest.approx(np.array(z) / math.sqrt(phi))
    widened = st.funnel_limits(theta, table["days_available"], kind="rate", dispersion=phi)
    assert result["upper_95"].to_numpy() == pytest.approx(100 * widened["upper_95"].to_numpy())
    plain = st.funnel_table(table, events="days_lost", denominator="days_available", kind="rate",
                            overdispersion=False)
    assert plain.attrs["phi"] == pytest.approx(phi) and plain.attrs["overdispersion_applied"] is False
    assert plain["z"].to_numpy() == pytest.approx(np.array(z))
    assert (plain["upper_95"] < result["upper_95"]).all()


def test_positions_from_the_limits():
    n = 100
    table = pd.DataFrame({"unit": list("ABCDEF"), "leavers": [30.0, 19.0, 10.0, 4.0, 1.0, 10.0],
                          "staff": [n] * 6})
    result = st.funnel_table(table, events="leavers", denominator="staff", kind="proportion", target=10.0,
                             overdispersion=False)
    limit = {p: 100 * interpolated(lambda r: binomial_cdf(r, n, 0.1), p) / n for p in (0.001, 0.025, 0.975, 0.999)}
    # Hand limits at n = 100, θ = 0.1: about 3.9%, 4.6%, 16.1%, 19.7%.
    assert limit[0.025] < 10 < limit[0.975] and 19 > limit[0.975] and 30 > limit[0.999] > 19
    assert 4 < limit[0.025] and limit[0.001] > 1 and 4 > limit[0.001]
    assert result["position"].tolist() == [
        settings.FUNNEL_ABOVE_998, settings.FUNNEL_ABOVE_95, settings.FUNNEL_WITHIN, settings.FUNNEL_BELOW_95,
        settings.FUNNEL_BELOW_998, settings.FUNNEL_WITHIN]
    assert result["upper_95"].iloc[0] == pytest.approx(limit[0.975])
    assert result["target"].eq(10.0).all() and result["rate"].tolist() == [30.0, 19.0, 10.0, 4.0, 1.0, 10.0]
    assert result["z"].iloc[0] == pytest.approx((0.3 - 0.1) / math.sqrt(0.1 * 0.9 / 100))
    exceptions = st.funnel_exceptions(result)
    assert exceptions["unit"].tolist() == ["A", "B"]
    assert list(exceptions.columns) == list(st.FUNNEL_COLUMNS)


def test_exceptions_worst_first():
    table = pd.DataFrame({"unit": list("ABCD"), "position": [settings.FUNNEL_ABOVE_95, settings.FUNNEL_ABOVE_998,
                                                             settings.FUNNEL_ABOVE_95, settings.FUNNEL_WITHIN],
                          "z": [2.1, 3.5, 2.9, 0.2], "rate": [12.0, 20.0, 11.0, 8.0]})
    assert st.funnel_exceptions(table)["unit"].tolist() == ["B", "C", "A"]
    assert st.funnel_exceptions(table.iloc[[3]]).empty


def test_unit_without_denominator_or_events_is_no_data():
    table = pd.DataFrame({"unit": ["A", "B", "C", "D", "E"], "parent": ["X"] * 5,
                          "leavers": [5.0, 3.0, np.nan, 2.0, 4.0], "staff": [40.0, np.nan, 30.0, 0.0, 35.5]})
    result = st.funnel_table(table, events="leavers", denominator="staff", kind="proportion")
    assert result["position"].tolist() == [settings.FUNNEL_WITHIN, settings.FUNNEL_NO_DATA,
                                           settings.FUNNEL_NO_DATA, settings.FUNNEL_NO_DATA, settings.FUNNEL_WITHIN]
    assert result.loc[1:3, ["rate", "lower_95", "upper_95", "lower_998", "upper_998", "z"]].isna().all().all()
    assert result.attrs["target"] == pytest.approx(100 * 9 / 75.5)  # only units with both figures
    assert result.attrs["units_with_data"] == 2
    assert result["events"].isna().tolist() == [False, False, True, False, False]  # missing stays missing
    assert list(result.columns) == list(st.FUNNEL_COLUMNS)


def test_refusals():
    table = small_table()
    with pytest.raises(InputError, match="'proportion' or 'rate'"):
        st.funnel_table(table, events="days_lost", denominator="days_available", kind="ratio")
    table.loc[2, "days_lost"] = -1
    with pytest.raises(InputError, match="negative"):
        st.funnel_table(table, events="days_lost", denominator="days_available", kind="rate")
    with pytest.raises(InputError, match="between 0 and 1"):
        st.funnel_limits(12.0, [10], kind="proportion")
    with pytest.raises(InputError, match="not in the table"):
        st.funnel_table(small_table(), events="leavers", denominator="days_available", kind="rate")


def test_hr_metrics_shaped_table():
    hr = pd.DataFrame({"level": ["organisation", "team", "team", "team"], "unit": ["Org", "A", "B", "C"],
                       "parent": [None, "D1", "D1", "D2"], "leavers": [30.0, 12.0, 10.0, 8.0],
                       "staff_start": [300.0, 100.0, 110.0, 90.0], "staff_end": [310.0, 104.0, 111.0, 95.0]})
    teams = hr[hr["level"] == settings.LEVEL_TEAM]
    teams = teams.assign(mean_staff=(teams["staff_start"] + teams["staff_end"]) / 2)
    result = st.funnel_table(teams, events="leavers", denominator="mean_staff", kind="proportion")
    assert result["unit"].tolist() == ["A", "B", "C"] and result["parent"].tolist() == ["D1", "D1", "D2"]
    assert result["denominator"].tolist() == [102.0, 110.5, 92.5]
    assert result.attrs["target"] == pytest.approx(100 * 30 / 305)
