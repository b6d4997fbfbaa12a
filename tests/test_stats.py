"""Tests for analytics.stats.

Expected values come from reference libraries fitted directly in the test (scipy, statsmodels,
pingouin as a test-only dependency) or from hand arithmetic written out as arithmetic.
"""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from analytics import settings
from analytics import stats as st
from analytics.errors import InputError

Z975 = sps.norm.ppf(0.975)
TOL = 1e-6


@pytest.fixture(autouse=True)
def unrounded_pingouin(monkeypatch):
    """pingouin rounds its CI95 column to 2 decimals by default; compare at full precision."""
    monkeypatch.setitem(pg.options, "round.column.CI95", None)


# --- Fixtures -----------------------------------------------------------------------------------
def unit_table(n: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"compassionate_leadership": rng.normal(7, 0.6, n)})
    frame["sickness_rate"] = 9 - 0.6 * frame["compassionate_leadership"] + rng.normal(0, 0.5, n)
    frame["leaver_rate"] = 20 - 1.2 * frame["compassionate_leadership"] + rng.normal(0, 1.5, n)
    frame["inclusion"] = 0.5 * frame["compassionate_leadership"] + rng.normal(3.5, 0.4, n)
    frame["benchmark_group"] = np.array(["Acute", "Community", "Mental health", "Ambulance"])[np.arange(n) % 4]
    frame["responses"] = rng.integers(11, 90, n)
    frame["pct_registered_nurses"] = rng.uniform(20, 60, n)
    frame["team_size"] = rng.integers(8, 70, n).astype(float)
    return frame


# --- fisher_ci ----------------------------------------------------------------------------------
def test_fisher_ci_matches_scipy_pearsonr_interval():
    frame = unit_table()
    x, y = frame["compassionate_leadership"], frame["sickness_rate"]
    reference = sps.pearsonr(x, y)
    low, high = st.fisher_ci(reference.statistic, len(x))
    ci = reference.confidence_interval()
    assert low == pytest.approx(ci.low, abs=1e-12)
    assert high == pytest.approx(ci.high, abs=1e-12)


def test_fisher_ci_hand_arithmetic_and_edges():
    low, high = st.fisher_ci(0.5, 28)
    assert low == pytest.approx(math.tanh(math.atanh(0.5) - Z975 / math.sqrt(25)), abs=1e-12)
    assert high == pytest.approx(math.tanh(math.atanh(0.5) + Z975 / math.sqrt(25)), abs=1e-12)
    assert all(math.isnan(v) for v in st.fisher_ci(0.5, 3))
    assert st.fisher_ci(1.0, 10) == (1.0, 1.0)


# --- correlations -------------------------------------------------------------------------------
def test_correlations_match_scipy():
    frame = unit_table()
    result = st.correlations(frame, ["compassionate_leadership"], ["sickness_rate", "leaver_rate"])
    assert list(result.columns) == list(st.CORRELATION_COLUMNS)
    assert len(result) == 2
    for _, row in result.iterrows():
        x, y = frame[row["x"]], frame[row["y"]]
        pearson = sps.pearsonr(x, y)
        spearman = sps.spearmanr(x, y)
        assert row["n"] == len(frame)
        assert row["group"] == ""
        assert row["r"] == pytest.approx(pearson.statistic, abs=1e-12)
        assert row["p"] == pytest.approx(pearson.pvalue, rel=1e-9)
        assert row["r_ci_low"] == pytest.approx(pearson.confidence_interval().low, abs=1e-12)
        assert row["r_ci_high"] == pytest.approx(pearson.confidence_interval().high, abs=1e-12)
        rho = spearman.statistic
        assert row["rho"] == pytest.approx(rho, abs=1e-12)
        # Bonett & Wright (2000): var(atanh rho) = (1 + rho^2 / 2) / (n - 3)
        half = Z975 * math.sqrt((1 + rho**2 / 2) / (len(frame) - 3))
        assert row["rho_ci_low"] == pytest.approx(math.tanh(math.atanh(rho) - half), abs=1e-12)
        assert row["rho_ci_high"] == pytest.approx(math.tanh(math.atanh(rho) + half), abs=1e-12)
        assert row["note"] == ""


def test_correlations_pairwise_complete_cases():
    frame = unit_table()
    frame.loc[[0, 1, 2], "sickness_rate"] = np.nan
    frame.loc[[5], "compassionate_leadership"] = np.nan
    frame.loc[[6, 7], "leaver_rate"] = np.nan
    result = st.correlations(frame, "compassionate_leadership", ["sickness_rate", "leaver_rate"])
    assert result["n"].tolist() == [40 - 4, 40 - 3]
    kept = frame.dropna(subset=["compassionate_leadership", "sickness_rate"])
    assert result["r"].iloc[0] == pytest.approx(sps.pearsonr(kept["compassionate_leadership"],
                                                             kept["sickness_rate"]).statistic, abs=1e-12)
    assert result["rho"].iloc[0] == pytest.approx(sps.spearmanr(kept["compassionate_leadership"],
                                                                kept["sickness_rate"]).statistic, abs=1e-12)


def test_correlations_bh_over_all_rows_with_p():
    frame = unit_table()
    frame.loc[frame["benchmark_group"] == "Ambulance", "leaver_rate"] = np.nan  # one stratum too small
    result = st.correlations(frame, ["compassionate_leadership", "inclusion"], ["sickness_rate", "leaver_rate"],
                             by="benchmark_group", include_pooled=True)
    with_p = result["p"].notna()
    assert (~with_p).sum() == 2  # the Ambulance x leaver_rate rows
    expected = sps.false_discovery_control(result.loc[with_p, "p"].to_numpy(), method="bh")
    np.testing.assert_allclose(result.loc[with_p, "p_adj"].to_numpy(), expected, rtol=1e-12)
    assert result.loc[~with_p, "p_adj"].isna().all()


def test_correlations_too_few_units_row_keeps_n_and_says_so():
    frame = unit_table(n=8)
    frame.loc[[0, 1, 2, 3, 4], "sickness_rate"] = np.nan
    result = st.correlations(frame, "compassionate_leadership", "sickness_rate")
    row = result.iloc[0]
    assert row["n"] == 3
    assert row["note"] == "too few units (n=3; at least 5 needed)"
    for column in ("r", "r_ci_low", "r_ci_high", "p", "p_adj", "rho", "rho_ci_low", "rho_ci_high"):
        assert math.isnan(row[column])


def test_correlations_stratified_rows_match_per_group_scipy():
    frame = unit_table(n=48)
    frame.loc[3, "benchmark_group"] = None  # a unit without a group only enters the pooled row
    result = st.correlations(frame, "compassionate_leadership", "sickness_rate", by="benchmark_group",
                             include_pooled=True)
    assert result["group"].tolist() == ["", "Acute", "Ambulance", "Community", "Mental health"]
    assert result["n"].tolist() == [48, 12, 12 - 1, 12, 12]  # unit 3 (Ambulance) lost its group
    for _, row in result.iterrows():
        subset = frame if row["group"] == "" else frame[frame["benchmark_group"] == row["group"]]
        reference = sps.pearsonr(subset["compassionate_leadership"], subset["sickness_rate"])
        assert row["r"] == pytest.approx(reference.statistic, abs=1e-12)
        assert row["p"] == pytest.approx(reference.pvalue, rel=1e-9)
    without_pooled = st.correlations(frame, "compassionate_leadership", "sickness_rate", by="benchmark_group")
    assert "" not in without_pooled["group"].tolist()


def test_weighted_r_by_hand():
    # Integer weights act like repeated units: the weighted r equals r of the expanded data.
    frame = pd.DataFrame({"x": [1.0, 2.0, 4.0, 5.0, 7.0], "y": [2.0, 1.0, 5.0, 4.0, 6.0],
                          "w": [1, 2, 1, 3, 1]})
    result = st.correlations(frame, "x", "y", weights="w").iloc[0]
    expanded = frame.loc[frame.index.repeat(frame["w"])]
    assert result["r"] == pytest.approx(sps.pearsonr(expanded["x"], expanded["y"]).statistic, abs=1e-12)
    # Hand arithmetic: weighted means (1 + 4 + 4 + 15 + 7) / 8 and (2 + 2 + 5 + 12 + 6) / 8.
    xm, ym = 31 / 8, 27 / 8
    w, x, y = [1, 2, 1, 3, 1], [1, 2, 4, 5, 7], [2, 1, 5, 4, 6]
    sxy = sum(wi * (a - xm) * (b - ym) for wi, a, b in zip(w, x, y))
    sxx = sum(wi * (a - xm) ** 2 for wi, a in zip(w, x))
    syy = sum(wi * (b - ym) ** 2 for wi, b in zip(w, y))
    assert result["r"] == pytest.approx(sxy / math.sqrt(sxx * syy), abs=1e-12)
    # Kish effective n = (sum w)^2 / sum w^2 = 8^2 / 16 = 4: interval on 4 - 3 = 1 and p on 2 df.
    assert result["n"] == 5
    assert "effective n = 4.0" in result["note"]
    r = result["r"]
    assert result["r_ci_low"] == pytest.approx(math.tanh(math.atanh(r) - Z975 / math.sqrt(4 - 3)), abs=1e-12)
    t = r * math.sqrt(2 / (1 - r**2))
    assert result["p"] == pytest.approx(2 * sps.t.sf(abs(t), 2), rel=1e-9)
    # rho is unweighted
    assert result["rho"] == pytest.approx(sps.spearmanr(frame["x"], frame["y"]).statistic, abs=1e-12)


def test_zero_or_missing_weight_drops_unit():
    frame = unit_table()
    frame.loc[0, "responses"] = 0
    frame.loc[1, "responses"] = np.nan
    assert st.correlations(frame, "compassionate_leadership", "sickness_rate", weights="responses")["n"].iloc[0] == 38


def test_correlations_with_covariates_match_pingouin_partial_corr():
    frame = unit_table(n=50)
    frame.loc[[4, 17], "leaver_rate"] = np.nan  # this pair is ranked on its own 48 units
    covariates = ["pct_registered_nurses", "team_size"]
    result = st.correlations(frame, "compassionate_leadership", ["sickness_rate", "leaver_rate"],
                             covariates=covariates)
    assert result["n"].tolist() == [50, 48]
    for _, row in result.iterrows():
        for method, prefix in (("pearson", "r"), ("spearman", "rho")):
            reference = pg.partial_corr(frame, "compassionate_leadership", row["y"], covar=covariates,
                                        method=method)
            assert row[prefix] == pytest.approx(reference["r"].iloc[0], abs=TOL)
        reference = pg.partial_corr(frame, "compassionate_leadership", row["y"], covar=covariates)
        assert row["p"] == pytest.approx(reference["p_val"].iloc[0], abs=TOL)
        assert row["r_ci_low"] == pytest.approx(reference["CI95"].iloc[0][0], abs=TOL)
        assert row["r_ci_high"] == pytest.approx(reference["CI95"].iloc[0][1], abs=TOL)
        assert "adjusted for 'pct_registered_nurses', 'team_size'" in row["note"]


def test_weighted_partial_r_equals_partial_r_of_repeated_units():
    frame = unit_table(n=30)
    frame["w"] = np.arange(30) % 3 + 1
    result = st.correlations(frame, "compassionate_leadership", "sickness_rate", weights="w",
                             covariates=["team_size"]).iloc[0]
    expanded = frame.loc[frame.index.repeat(frame["w"])]
    reference = pg.partial_corr(expanded, "compassionate_leadership", "sickness_rate", covar="team_size")
    assert result["r"] == pytest.approx(reference["r"].iloc[0], abs=TOL)


def test_text_covariate_is_dummy_coded_and_dropped_within_its_own_stratum():
    frame = unit_table(n=60)
    pooled = st.correlations(frame, "compassionate_leadership", "sickness_rate",
                             covariates=["benchmark_group"]).iloc[0]
    dummies = pd.get_dummies(frame["benchmark_group"], drop_first=True, dtype=float)
    expanded = pd.concat([frame[["compassionate_leadership", "sickness_rate"]], dummies], axis=1)
    reference = pg.partial_corr(expanded, "compassionate_leadership", "sickness_rate", covar=list(dummies.columns))
    assert pooled["r"] == pytest.approx(reference["r"].iloc[0], abs=TOL)
    assert pooled["p"] == pytest.approx(reference["p_val"].iloc[0], abs=TOL)
    stratified = st.correlations(frame, "compassionate_leadership", "sickness_rate", by="benchmark_group",
                                 covariates=["benchmark_group"])
    acute = frame[frame["benchmark_group"] == "Acute"]
    assert stratified.iloc[0]["r"] == pytest.approx(
        sps.pearsonr(acute["compassionate_leadership"], acute["sickness_rate"]).statistic, abs=1e-12)


def test_constant_column_row_says_no_variation():
    frame = unit_table()
    frame["sickness_rate"] = 4.5
    row = st.correlations(frame, "compassionate_leadership", "sickness_rate").iloc[0]
    assert row["n"] == 40 and math.isnan(row["r"]) and "no variation in 'sickness_rate'" in row["note"]


def test_column_paired_with_itself_is_skipped():
    frame = unit_table()
    result = st.correlations(frame, ["compassionate_leadership", "inclusion"], ["inclusion", "sickness_rate"])
    assert list(zip(result["x"], result["y"])) == [
        ("compassionate_leadership", "inclusion"), ("compassionate_leadership", "sickness_rate"),
        ("inclusion", "sickness_rate")]


def test_correlations_refusals():
    frame = unit_table()
    with pytest.raises(InputError, match="'sickness' is not in the table"):
        st.correlations(frame, "compassionate_leadership", "sickness")
    text = frame.astype({"sickness_rate": object})
    text.loc[4, "sickness_rate"] = "n/a%"
    with pytest.raises(InputError, match="must hold numbers, but it contains 'n/a%'"):
        st.correlations(text, "compassionate_leadership", "sickness_rate")
    frame.loc[2, "responses"] = -1
    with pytest.raises(InputError, match="negative value"):
        st.correlations(frame, "compassionate_leadership", "sickness_rate", weights="responses")
    with pytest.raises(InputError, match="at least 4"):
        st.correlations(frame, "compassionate_leadership", "sickness_rate", min_units=3)
    with pytest.raises(InputError, match="both a covariate and"):
        st.correlations(frame, "compassionate_leadership", "sickness_rate", covariates=["sickness_rate"])
    with pytest.raises(InputError, match="at least one score"):
        st.correlations(frame, [], "sickness_rate")
    with pytest.raises(InputError, match="confidence level"):
        st.correlations(frame, "compassionate_leadership", "sickness_rate", confidence=95)


def test_numeric_text_column_is_accepted():
    frame = unit_table()
    as_text = frame.assign(sickness_rate=frame["sickness_rate"].map(repr).astype("str"))
    left = st.correlations(frame, "compassionate_leadership", "sickness_rate")
    right = st.correlations(as_text, "compassionate_leadership", "sickness_rate")
    assert right["r"].iloc[0] == pytest.approx(left["r"].iloc[0], abs=1e-12)


def test_bad_text_row_is_named_when_frame_is_indexed_by_spreadsheet_row():
    frame = unit_table(n=6).astype({"sickness_rate": object})
    frame.index = range(2, 8)  # as analytics.ingest.raw: index = spreadsheet row, header at row 1
    frame.loc[5, "sickness_rate"] = "high"
    with pytest.raises(InputError, match="column 'sickness_rate', row 5"):
        st.correlations(frame, "compassionate_leadership", "sickness_rate")


# --- partial_correlation ------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_partial_correlation_matches_pingouin(method):
    frame = unit_table(n=45, seed=7)
    frame.loc[[0, 9], "team_size"] = np.nan
    covariates = ["pct_registered_nurses", "team_size"]
    result = st.partial_correlation(frame, "compassionate_leadership", "leaver_rate", covariates, method=method)
    reference = pg.partial_corr(frame, "compassionate_leadership", "leaver_rate", covar=covariates, method=method)
    assert list(result.columns) == list(st.PARTIAL_CORRELATION_COLUMNS)
    row = result.iloc[0]
    assert row["n"] == reference["n"].iloc[0] == 43
    assert row["r"] == pytest.approx(reference["r"].iloc[0], abs=TOL)
    assert row["p"] == pytest.approx(reference["p_val"].iloc[0], abs=TOL)
    assert row["ci_low"] == pytest.approx(reference["CI95"].iloc[0][0], abs=TOL)
    assert row["ci_high"] == pytest.approx(reference["CI95"].iloc[0][1], abs=TOL)


def test_partial_correlation_refusals():
    frame = unit_table()
    with pytest.raises(InputError, match="at least one covariate"):
        st.partial_correlation(frame, "compassionate_leadership", "sickness_rate", [])
    with pytest.raises(InputError, match="must be different columns"):
        st.partial_correlation(frame, "compassionate_leadership", "sickness_rate", ["sickness_rate"])
    with pytest.raises(InputError, match="'pearson' or 'spearman'"):
        st.partial_correlation(frame, "compassionate_leadership", "sickness_rate", ["team_size"], method="kendall")


# --- Count models -------------------------------------------------------------------------------
def simulated_teams(n_teams: int = 200, seed: int = 2024) -> pd.DataFrame:
    """Teams with planted effects: log rate ratio -0.16 per point for sickness, log odds ratio -0.16
    for leaving, plus overdispersion (a team-level gamma / normal frailty)."""
    rng = np.random.default_rng(seed)
    score = rng.normal(7.0, 0.8, n_teams)
    staff = rng.uniform(15, 80, n_teams)
    days_available = staff * 365 * rng.uniform(0.8, 1.0, n_teams)
    frailty = rng.gamma(shape=20, scale=1 / 20, size=n_teams)
    days_lost = rng.poisson(days_available * 0.05 * np.exp(-0.16 * (score - 7)) * frailty).astype(float)
    logit = math.log(0.12 / 0.88) - 0.16 * (score - 7) + rng.normal(0, 0.1, n_teams)
    trials = np.round(staff).astype(int)
    leavers = rng.binomial(trials, 1 / (1 + np.exp(-logit))).astype(float)
    return pd.DataFrame({"compassionate_leadership": score, "average_staff_in_post": staff,
                         "staff_in_post_whole": trials.astype(float), "leavers": leavers,
                         "fte_days_lost": days_lost, "fte_days_available": days_available,
                         "team_size": staff, "benchmark_group": np.where(np.arange(n_teams) % 2, "A", "B")})


def test_poisson_rate_model_matches_statsmodels_quasi_poisson():
    teams = simulated_teams()
    result = st.poisson_rate_model(teams, "compassionate_leadership", "fte_days_lost", "fte_days_available")
    assert list(result.columns) == list(st.COUNT_MODEL_COLUMNS)
    reference = smf.glm("fte_days_lost ~ compassionate_leadership", data=teams, family=sm.families.Poisson(),
                        offset=np.log(teams["fte_days_available"])).fit(scale="X2", use_t=True)
    row = result.iloc[0]
    assert row["n"] == 200
    assert row["coef"] == pytest.approx(reference.params["compassionate_leadership"], abs=TOL)
    assert row["se"] == pytest.approx(reference.bse["compassionate_leadership"], abs=TOL)
    assert row["rate_ratio"] == pytest.approx(math.exp(reference.params["compassionate_leadership"]), abs=TOL)
    low, high = reference.conf_int().loc["compassionate_leadership"]
    assert row["rr_ci_low"] == pytest.approx(math.exp(low), abs=TOL)
    assert row["rr_ci_high"] == pytest.approx(math.exp(high), abs=TOL)
    assert row["p"] == pytest.approx(reference.pvalues["compassionate_leadership"], abs=TOL)
    assert row["dispersion"] == pytest.approx(reference.pearson_chi2 / reference.df_resid, rel=1e-9)
    assert row["effect_measure"] == "rate ratio"


def test_poisson_rate_model_recovers_planted_rate_ratio():
    row = st.poisson_rate_model(simulated_teams(), "compassionate_leadership", "fte_days_lost",
                                "fte_days_available").iloc[0]
    assert row["rate_ratio"] == pytest.approx(math.exp(-0.16), abs=0.03)
    assert row["rr_ci_low"] < math.exp(-0.16) < row["rr_ci_high"]
    assert row["dispersion"] > 5  # the gamma frailty makes days lost overdispersed, as in real data


def test_poisson_rate_model_with_covariates_matches_statsmodels():
    teams = simulated_teams()
    result = st.poisson_rate_model(teams, "compassionate_leadership", "fte_days_lost", "fte_days_available",
                                   covariates=["team_size", "benchmark_group"]).iloc[0]
    reference = smf.glm("fte_days_lost ~ compassionate_leadership + team_size + C(benchmark_group)", data=teams,
                        family=sm.families.Poisson(), offset=np.log(teams["fte_days_available"])).fit(scale="X2")
    assert result["coef"] == pytest.approx(reference.params["compassionate_leadership"], abs=TOL)
    assert result["se"] == pytest.approx(reference.bse["compassionate_leadership"], abs=TOL)


def test_binomial_rate_model_matches_statsmodels_and_counts_form():
    teams = simulated_teams()
    result = st.binomial_rate_model(teams, "compassionate_leadership", "leavers", "staff_in_post_whole").iloc[0]
    events, trials = teams["leavers"], teams["staff_in_post_whole"]
    exog = sm.add_constant(teams["compassionate_leadership"])
    quasi = sm.GLM(events / trials, exog, family=sm.families.Binomial(), var_weights=trials).fit(scale="X2",
                                                                                                use_t=True)
    assert result["coef"] == pytest.approx(quasi.params["compassionate_leadership"], abs=TOL)
    assert result["se"] == pytest.approx(quasi.bse["compassionate_leadership"], abs=TOL)
    assert result["p"] == pytest.approx(quasi.pvalues["compassionate_leadership"], abs=TOL)
    # The (leavers, stayers) form gives the same estimate and, without quasi scaling, the same SE.
    counts = sm.GLM(np.column_stack([events, trials - events]), exog, family=sm.families.Binomial()).fit()
    plain = st.binomial_rate_model(teams, "compassionate_leadership", "leavers", "staff_in_post_whole",
                                   quasi=False).iloc[0]
    assert plain["coef"] == pytest.approx(counts.params["compassionate_leadership"], abs=TOL)
    assert plain["se"] == pytest.approx(counts.bse["compassionate_leadership"], abs=TOL)
    # Quasi-binomial SE = binomial SE * sqrt(Pearson X2 / df).
    assert result["se"] == pytest.approx(plain["se"] * math.sqrt(counts.pearson_chi2 / counts.df_resid), rel=1e-6)
    assert result["dispersion"] == pytest.approx(counts.pearson_chi2 / counts.df_resid, rel=1e-6)
    assert result["effect_measure"].startswith("odds ratio")


def test_binomial_rate_model_recovers_planted_odds_ratio_with_fractional_staff():
    row = st.binomial_rate_model(simulated_teams(), "compassionate_leadership", "leavers",
                                 "average_staff_in_post").iloc[0]
    assert row["rate_ratio"] == pytest.approx(math.exp(-0.16), abs=0.04)
    assert row["rr_ci_low"] < math.exp(-0.16) < row["rr_ci_high"]


def test_binomial_rate_model_caps_leavers_above_staff_and_skips_empty_teams():
    teams = simulated_teams(n_teams=30)
    teams.loc[0, "leavers"] = teams.loc[0, "average_staff_in_post"] + 3
    teams.loc[1, "average_staff_in_post"] = 0.0
    row = st.binomial_rate_model(teams, "compassionate_leadership", "leavers", "average_staff_in_post").iloc[0]
    assert row["n"] == 29
    assert "1 unit(s) with no staff in post left out" in row["note"]
    assert "1 unit(s) with more leavers than average staff in post counted as 100%" in row["note"]
    capped = teams.drop(index=1)
    capped.loc[0, "leavers"] = capped.loc[0, "average_staff_in_post"]
    reference = st.binomial_rate_model(capped, "compassionate_leadership", "leavers", "average_staff_in_post")
    assert row["coef"] == pytest.approx(reference["coef"].iloc[0], abs=1e-12)


# A small hand-made table: 8 teams, sickness days lost close to their expectation (underdispersed).
FEW_TEAMS = pd.DataFrame({
    "score": [5.5, 6.0, 6.4, 6.9, 7.2, 7.6, 8.0, 8.5],
    "days_lost": [620.0, 540.0, 515.0, 470.0, 430.0, 410.0, 370.0, 330.0],
    "days_available": [10000.0, 9500.0, 9800.0, 9900.0, 9400.0, 9700.0, 9300.0, 9100.0],
    "leavers": [9.0, 8.0, 8.0, 7.0, 6.0, 6.0, 5.0, 4.0],
    "staff": [60.0, 58.0, 61.0, 62.0, 57.0, 60.0, 59.0, 55.0],
})


def test_quasi_poisson_dispersion_floored_at_one_and_t_interval():
    result = st.poisson_rate_model(FEW_TEAMS, "score", "days_lost", "days_available").iloc[0]
    exog = sm.add_constant(FEW_TEAMS["score"])
    plain = sm.GLM(FEW_TEAMS["days_lost"], exog, family=sm.families.Poisson(),
                   offset=np.log(FEW_TEAMS["days_available"])).fit()
    dispersion = plain.pearson_chi2 / plain.df_resid
    assert dispersion < 1  # underdispersed: the floor applies
    assert result["dispersion"] == pytest.approx(dispersion, rel=1e-9)  # the estimate is still reported
    assert result["se"] == pytest.approx(plain.bse["score"], rel=1e-9)  # same SE as the plain Poisson fit
    df = plain.df_resid
    assert df == 6
    half = sps.t.ppf(0.975, df) * plain.bse["score"]
    assert result["rr_ci_low"] == pytest.approx(math.exp(plain.params["score"] - half), rel=1e-9)
    assert result["rr_ci_high"] == pytest.approx(math.exp(plain.params["score"] + half), rel=1e-9)
    t_value = plain.params["score"] / plain.bse["score"]
    assert result["p"] == pytest.approx(2 * sps.t.sf(abs(t_value), df), rel=1e-9)
    assert result["note"] == "fewer than 10 teams: intervals are wide and unstable"
    assert settings.FEW_UNITS_WARNING == 10
    # The plain model keeps normal (Wald) quantiles.
    wald = st.poisson_rate_model(FEW_TEAMS, "score", "days_lost", "days_available", quasi=False).iloc[0]
    low, _ = plain.conf_int().loc["score"]
    assert wald["rr_ci_low"] == pytest.approx(math.exp(low), rel=1e-9)
    assert wald["rr_ci_low"] > result["rr_ci_low"]


def test_quasi_models_overdispersed_use_pearson_scale_and_t():
    teams = FEW_TEAMS.assign(days_lost=[700.0, 420.0, 610.0, 380.0, 520.0, 300.0, 450.0, 250.0])
    result = st.poisson_rate_model(teams, "score", "days_lost", "days_available").iloc[0]
    exog = sm.add_constant(teams["score"])
    plain = sm.GLM(teams["days_lost"], exog, family=sm.families.Poisson(),
                   offset=np.log(teams["days_available"])).fit()
    phi = plain.pearson_chi2 / plain.df_resid
    assert phi > 1
    se = plain.bse["score"] * math.sqrt(phi)
    assert result["se"] == pytest.approx(se, rel=1e-9)
    half = sps.t.ppf(0.975, plain.df_resid) * se
    assert result["rr_ci_low"] == pytest.approx(math.exp(plain.params["score"] - half), rel=1e-9)
    assert result["rr_ci_high"] == pytest.approx(math.exp(plain.params["score"] + half), rel=1e-9)


def test_quasi_binomial_dispersion_floored_at_one():
    result = st.binomial_rate_model(FEW_TEAMS, "score", "leavers", "staff").iloc[0]
    exog = sm.add_constant(FEW_TEAMS["score"])
    plain = sm.GLM(np.column_stack([FEW_TEAMS["leavers"], FEW_TEAMS["staff"] - FEW_TEAMS["leavers"]]), exog,
                   family=sm.families.Binomial()).fit()
    assert plain.pearson_chi2 / plain.df_resid < 1
    assert result["se"] == pytest.approx(plain.bse["score"], rel=1e-6)
    half = sps.t.ppf(0.975, 6) * plain.bse["score"]
    assert result["rr_ci_high"] == pytest.approx(math.exp(plain.params["score"] + half), rel=1e-6)
    assert "fewer than 10 teams" in result["note"]
    many = st.binomial_rate_model(simulated_teams(30), "compassionate_leadership", "leavers",
                                  "average_staff_in_post").iloc[0]
    assert "fewer than" not in many["note"]


def test_count_models_too_few_units_and_refusals():
    teams = simulated_teams(n_teams=4)
    row = st.poisson_rate_model(teams, "compassionate_leadership", "fte_days_lost", "fte_days_available").iloc[0]
    assert row["n"] == 4 and math.isnan(row["rate_ratio"])
    assert row["note"] == "too few units (n=4; at least 5 needed)"
    teams = simulated_teams(n_teams=20)
    teams.loc[3, "fte_days_lost"] = -2
    with pytest.raises(InputError, match="'fte_days_lost' has a negative value"):
        st.poisson_rate_model(teams, "compassionate_leadership", "fte_days_lost", "fte_days_available")
    with pytest.raises(InputError, match="'leavers_12m' is not in the table"):
        st.binomial_rate_model(teams, "compassionate_leadership", "leavers_12m", "average_staff_in_post")


def test_correlations_add_rate_ratios_for_count_outcomes():
    teams = simulated_teams()
    teams["sickness_rate"] = 100 * teams["fte_days_lost"] / teams["fte_days_available"]
    teams["leaver_rate"] = 100 * teams["leavers"] / teams["average_staff_in_post"]
    outcomes = {"sickness_rate": st.CountOutcome("poisson", "fte_days_lost", "fte_days_available"),
                "leaver_rate": ("binomial", "leavers", "average_staff_in_post")}  # a plain triple works too
    result = st.correlations(teams, "compassionate_leadership", ["sickness_rate", "leaver_rate", "team_size"],
                             count_outcomes=outcomes)
    assert list(result.columns) == list(st.CORRELATION_COLUMNS) + list(st.RATE_RATIO_COLUMNS)
    sickness = st.poisson_rate_model(teams, "compassionate_leadership", "fte_days_lost", "fte_days_available")
    assert result["rate_ratio"].iloc[0] == pytest.approx(sickness["rate_ratio"].iloc[0], abs=1e-12)
    assert "odds ratio" in result["note"].iloc[1]
    assert math.isnan(result["rate_ratio"].iloc[2])  # team_size has no counts
    with pytest.raises(InputError, match="'binomial' or 'poisson'"):
        st.CountOutcome("negative binomial", "a", "b")


# --- change_analysis ----------------------------------------------------------------------------
def test_change_analysis_correlates_deltas():
    rng = np.random.default_rng(3)
    units = [f"Ward {i}" for i in range(25)]
    first = pd.DataFrame({"unit": units, "wave": 2024, "score": rng.normal(7, 0.5, 25),
                          "sickness_rate": rng.normal(5, 1, 25)})
    second = first.assign(wave=2025, score=first["score"] + rng.normal(0, 0.3, 25))
    second["sickness_rate"] = first["sickness_rate"] - 0.8 * (second["score"] - first["score"]) + rng.normal(0, 0.2, 25)
    second = second.drop(index=0)  # Ward 0 has no second wave
    data = pd.concat([first, second.iloc[::-1]], ignore_index=True)
    result = st.change_analysis(data, "score", "sickness_rate", unit="unit", wave="wave", wave_from=2024,
                                wave_to=2025)
    row = result.iloc[0]
    assert (row["x"], row["y"], row["n"]) == ("change in score", "change in sickness_rate", 24)
    merged = first.merge(second, on="unit", suffixes=("_a", "_b"))
    reference = sps.pearsonr(merged["score_b"] - merged["score_a"],
                             merged["sickness_rate_b"] - merged["sickness_rate_a"])
    assert row["r"] == pytest.approx(reference.statistic, abs=1e-12)
    assert row["p"] == pytest.approx(reference.pvalue, rel=1e-9)


def test_change_analysis_refusals():
    data = pd.DataFrame({"unit": ["A", "A", "B"], "wave": [2024, 2024, 2025], "score": [1.0, 2.0, 3.0],
                         "y": [1.0, 1.0, 1.0]})
    with pytest.raises(InputError, match="Unit 'A' appears more than once in wave 2024"):
        st.change_analysis(data, "score", "y", unit="unit", wave="wave", wave_from=2024, wave_to=2025)
    with pytest.raises(InputError, match="Wave 2023 is not in column 'wave'"):
        st.change_analysis(data, "score", "y", unit="unit", wave="wave", wave_from=2023, wave_to=2025)


# --- mixed_slopes -------------------------------------------------------------------------------
def simulated_respondents(n_teams: int = 40, per_team: int = 12, seed: int = 11) -> pd.DataFrame:
    """Planted within-team slope 0.3 and between-team slope 0.8 (team intercept SD 0.5)."""
    rng = np.random.default_rng(seed)
    team_mean = rng.normal(7, 0.8, n_teams)
    team = np.repeat(np.arange(n_teams), per_team)
    deviation = rng.normal(0, 1.5, n_teams * per_team)
    predictor = team_mean[team] + deviation
    outcome = (1 + 0.3 * deviation + 0.8 * team_mean[team] + rng.normal(0, 0.5, n_teams)[team]
               + rng.normal(0, 1.0, n_teams * per_team))
    return pd.DataFrame({"team": [f"T{t:02d}" for t in team], "compassionate_leadership": predictor,
                         "morale": outcome})


def test_mixed_slopes_matches_statsmodels_and_recovers_planted_slopes():
    people = simulated_respondents()
    people.loc[[0, 5], "morale"] = np.nan
    result = st.mixed_slopes(people, "morale", "compassionate_leadership", "team")
    assert list(result.columns) == list(st.MIXED_SLOPE_COLUMNS)
    assert result["term"].tolist() == ["within team", "between team"]
    assert result["n_respondents"].tolist() == [478, 478] and result["n_teams"].tolist() == [40, 40]
    complete = people.dropna().copy()
    complete["cl_mean"] = complete.groupby("team")["compassionate_leadership"].transform("mean")
    complete["cl_within"] = complete["compassionate_leadership"] - complete["cl_mean"]
    reference = smf.mixedlm("morale ~ cl_within + cl_mean", complete, groups=complete["team"]).fit(reml=True)
    ci = reference.conf_int()
    for term, name in (("within team", "cl_within"), ("between team", "cl_mean")):
        row = result.set_index("term").loc[term]
        assert row["coef"] == pytest.approx(reference.fe_params[name], abs=TOL)
        assert row["ci_low"] == pytest.approx(ci.loc[name, 0], abs=TOL)
        assert row["ci_high"] == pytest.approx(ci.loc[name, 1], abs=TOL)
        assert row["p"] == pytest.approx(reference.pvalues[name], abs=TOL)
    within, between = result["coef"]
    assert within == pytest.approx(0.3, abs=0.06)
    assert between == pytest.approx(0.8, abs=0.25)


def test_mixed_slopes_too_few_teams():
    people = simulated_respondents(n_teams=3)
    result = st.mixed_slopes(people, "morale", "compassionate_leadership", "team")
    assert result["coef"].isna().all()
    assert result["note"].iloc[0] == "too few teams (n=3; at least 5 needed)"
    with pytest.raises(InputError, match="'wellbeing' is not in the table"):
        st.mixed_slopes(people, "wellbeing", "compassionate_leadership", "team")


# --- shapley_r2 ---------------------------------------------------------------------------------
def items_frame(n: int = 300, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(0, 1, n)
    frame = pd.DataFrame({f"q9{c}": common + rng.normal(0, s, n) for c, s in zip("fghi", (0.6, 0.8, 1.0, 1.2))})
    frame["morale"] = 0.5 * frame["q9f"] + 0.2 * frame["q9h"] + rng.normal(0, 1, n)
    return frame


def test_shapley_r2_sums_to_full_r2_and_matches_ordering_average():
    frame = items_frame()
    predictors = ["q9f", "q9g", "q9h", "q9i"]
    result = st.shapley_r2(frame, "morale", predictors)
    assert list(result.columns) == list(st.SHAPLEY_COLUMNS)
    full = sm.OLS(frame["morale"], sm.add_constant(frame[predictors])).fit().rsquared
    assert result["shapley_r2"].sum() == pytest.approx(full, abs=1e-10)
    assert result["share"].sum() == pytest.approx(1.0, abs=1e-10)

    def r2(subset):
        if not subset:
            return 0.0
        return sm.OLS(frame["morale"], sm.add_constant(frame[list(subset)])).fit().rsquared

    cache = {}
    contributions = dict.fromkeys(predictors, 0.0)
    orders = list(itertools.permutations(predictors))
    for order in orders:
        for i, name in enumerate(order):
            before, after = frozenset(order[:i]), frozenset(order[: i + 1])
            for key in (before, after):
                if key not in cache:
                    cache[key] = r2(sorted(key))
            contributions[name] += (cache[after] - cache[before]) / len(orders)
    np.testing.assert_allclose(result["shapley_r2"], [contributions[p] for p in predictors], atol=1e-10)
    for _, row in result.iterrows():
        assert row["r"] == pytest.approx(sps.pearsonr(frame[row["predictor"]], frame["morale"]).statistic, abs=1e-12)
    assert result["n"].tolist() == [300] * 4


def test_shapley_two_predictors_by_hand():
    frame = items_frame(n=120)
    result = st.shapley_r2(frame, "morale", ["q9f", "q9h"]).set_index("predictor")["shapley_r2"]
    r_f = sps.pearsonr(frame["q9f"], frame["morale"]).statistic
    r_h = sps.pearsonr(frame["q9h"], frame["morale"]).statistic
    full = sm.OLS(frame["morale"], sm.add_constant(frame[["q9f", "q9h"]])).fit().rsquared
    # phi_f = (R2(f) + R2(f,h) - R2(h)) / 2
    assert result["q9f"] == pytest.approx((r_f**2 + full - r_h**2) / 2, abs=1e-10)
    assert result["q9h"] == pytest.approx((r_h**2 + full - r_f**2) / 2, abs=1e-10)


def test_shapley_refusals():
    frame = items_frame(n=50)
    with pytest.raises(InputError, match="at least two predictors"):
        st.shapley_r2(frame, "morale", ["q9f"])
    with pytest.raises(InputError, match="at most 12 predictors"):
        st.shapley_r2(frame, "morale", [f"p{i}" for i in range(13)])
    frame["q9i"] = 3.0
    with pytest.raises(InputError, match="'q9i' has the same value in every complete row"):
        st.shapley_r2(frame, "morale", ["q9f", "q9i"])


# --- Reliability --------------------------------------------------------------------------------
def likert_items(n: int = 150, seed: int = 9, missing: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    trait = rng.normal(0, 1, n)
    frame = pd.DataFrame({c: np.clip(np.round(2 + trait + rng.normal(0, 0.9, n)), 0, 4) * 2.5
                          for c in ("q9f", "q9g", "q9h", "q9i")})
    if missing:
        frame.loc[[3, 10, 40], "q9g"] = np.nan
        frame.loc[[10, 77], "q9i"] = np.nan
    return frame


@pytest.mark.parametrize("policy", ["listwise", "pairwise"])
def test_cronbach_alpha_matches_pingouin(policy):
    items = likert_items()
    result = st.cronbach_alpha(items, nan_policy=policy)
    assert list(result.columns) == list(st.ALPHA_COLUMNS)
    alpha, _ = pg.cronbach_alpha(items, nan_policy=policy)
    row = result.iloc[0]
    assert row["alpha"] == pytest.approx(alpha, abs=TOL)
    assert row["n"] == (146 if policy == "listwise" else 150) and row["n_items"] == 4
    # pingouin 0.7 takes n for the listwise interval before dropping incomplete rows (150, not 146), so
    # its listwise interval is compared on the complete rows. It rounds the interval to 3 decimals.
    _, ci = pg.cronbach_alpha(items.dropna() if policy == "listwise" else items, nan_policy=policy)
    assert row["ci_low"] == pytest.approx(ci[0], abs=5e-4)
    assert row["ci_high"] == pytest.approx(ci[1], abs=5e-4)
    n, k = row["n"], 4
    assert row["ci_low"] == pytest.approx(1 - (1 - alpha) * sps.f.ppf(0.975, n - 1, (n - 1) * (k - 1)), abs=1e-9)


def test_cronbach_alpha_hand_arithmetic():
    items = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 3.0, 2.0]})
    # var(a) = var(b) = 1, cov(a, b) = 0.5: alpha = 2/1 * (1 - 2 / (1 + 1 + 2*0.5)) = 2/3
    assert st.cronbach_alpha(items)["alpha"].iloc[0] == pytest.approx(2 / 3, abs=1e-12)
    with pytest.raises(InputError, match="at least two items"):
        st.cronbach_alpha(items[["a"]])
    with pytest.raises(InputError, match="no variance"):
        st.cronbach_alpha(pd.DataFrame({"a": [5.0, 5.0], "b": [5.0, 5.0]}))
    with pytest.raises(InputError, match="'listwise' or 'pairwise'"):
        st.cronbach_alpha(items, nan_policy="omit")


def test_item_total_correlations():
    items = likert_items()
    result = st.item_total_correlations(items)
    assert list(result.columns) == list(st.ITEM_TOTAL_COLUMNS)
    complete = items.dropna()
    for _, row in result.iterrows():
        rest = complete.drop(columns=row["item"]).sum(axis=1)
        assert row["item_total_r"] == pytest.approx(sps.pearsonr(complete[row["item"]], rest).statistic, abs=1e-12)
        alpha, _ = pg.cronbach_alpha(complete.drop(columns=row["item"]))
        assert row["alpha_if_deleted"] == pytest.approx(alpha, abs=TOL)
    assert result["n"].tolist() == [146] * 4


# --- Aggregation --------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")  # raised inside pingouin 0.7
def test_icc_matches_pingouin_on_balanced_design():
    people = simulated_respondents(n_teams=15, per_team=8)
    people["respondent"] = people.groupby("team").cumcount()
    result = st.icc_aggregation(people, ["morale", "compassionate_leadership"], "team")
    assert list(result.columns) == list(st.ICC_COLUMNS)
    for _, row in result.iterrows():
        reference = pg.intraclass_corr(people, targets="team", raters="respondent", ratings=row["measure"])
        reference = reference.set_index("Type")
        assert row["icc1"] == pytest.approx(reference.loc["ICC(1,1)", "ICC"], abs=TOL)
        assert row["icc2"] == pytest.approx(reference.loc["ICC(1,k)", "ICC"], abs=TOL)
        assert row["f"] == pytest.approx(reference.loc["ICC(1,1)", "F"], rel=1e-9)
        assert row["mean_group_size"] == pytest.approx(8, abs=1e-12)
        assert (row["df_between"], row["df_within"]) == (14, 15 * 7)
    anova = sps.f_oneway(*[g["morale"] for _, g in people.groupby("team")])
    assert result["p"].iloc[0] == pytest.approx(anova.pvalue, rel=1e-9)


def test_icc_unequal_group_sizes_by_hand():
    people = pd.DataFrame({"team": ["A"] * 2 + ["B"] * 3 + ["C"] * 4,
                           "score": [2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 9.0]})
    row = st.icc_aggregation(people, "score", "team").iloc[0]
    # Team means 3, 6, 9; grand mean 60/9.
    grand = 60 / 9
    msb = (2 * (3 - grand) ** 2 + 3 * (6 - grand) ** 2 + 4 * (9 - grand) ** 2) / 2
    msw = ((1 + 1) + (1 + 0 + 1) + (1 + 0 + 1 + 0)) / 6
    k0 = (9 - (4 + 9 + 16) / 9) / 2
    assert row["mean_group_size"] == pytest.approx(k0, abs=1e-12)
    assert row["icc1"] == pytest.approx((msb - msw) / (msb + (k0 - 1) * msw), abs=1e-12)
    assert row["icc2"] == pytest.approx((msb - msw) / msb, abs=1e-12)
    with pytest.raises(InputError, match="at least 2 teams"):
        st.icc_aggregation(people.assign(team="A"), "score", "team")


def test_rwg_j_by_hand():
    people = pd.DataFrame({
        "team": ["A", "A", "A", "B", "B", "B", "C"],
        "q9f": [7.5, 7.5, 10.0, 0.0, 10.0, 0.0, 5.0],
        "q9g": [7.5, 5.0, 7.5, 10.0, 0.0, 10.0, 5.0],
    })
    result = st.rwg_j(people, ["q9f", "q9g"], "team", n_options=5)
    assert list(result.columns) == list(st.RWG_COLUMNS)
    # Uniform variance over 5 options 2.5 points apart: (25 - 1) / 12 * 2.5**2 = 12.5
    expected_variance = (25 - 1) / 12 * 2.5**2
    mean_var_a = (statistics.variance([7.5, 7.5, 10.0]) + statistics.variance([7.5, 5.0, 7.5])) / 2
    ratio = mean_var_a / expected_variance
    rwg_a = 2 * (1 - ratio) / (2 * (1 - ratio) + ratio)
    rwg_b = 0.0  # item variances 33.3 > 12.5: no agreement, set to 0
    row = result.iloc[0]
    assert row["n_groups"] == 2 and row["n_items"] == 2  # team C has one respondent
    assert row["mean_rwg_j"] == pytest.approx((rwg_a + rwg_b) / 2, abs=1e-12)
    assert row["median_rwg_j"] == pytest.approx((rwg_a + rwg_b) / 2, abs=1e-12)
    assert row["share_strong_agreement"] == pytest.approx(0.5)
    raw_codes = st.rwg_j(people.assign(q9f=people["q9f"] / 2.5 + 1, q9g=people["q9g"] / 2.5 + 1), ["q9f", "q9g"],
                         "team", n_options=5, score_range=(1, 5))
    assert raw_codes["mean_rwg_j"].iloc[0] == pytest.approx(row["mean_rwg_j"], abs=1e-12)
    with pytest.raises(InputError, match="at least 2"):
        st.rwg_j(people, ["q9f"], "team", n_options=1)


# --- Trends -------------------------------------------------------------------------------------
def survey_waves(seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    sizes = {"Ward A": (30, 25), "Ward B": (20, 40), "Ward C": (12, 10), "Ward D": (9, 15)}
    shifts = {"Ward A": 1.5, "Ward B": 0.0, "Ward C": -0.5, "Ward D": 0.3}
    for unit, (n_from, n_to) in sizes.items():
        rows += [{"unit": unit, "wave": "2024", "score": v} for v in rng.normal(6.5, 1.5, n_from)]
        rows += [{"unit": unit, "wave": "2025", "score": v} for v in rng.normal(6.5 + shifts[unit], 1.5, n_to)]
    return pd.DataFrame(rows)


def test_compare_waves_matches_scipy_and_never_reports_small_units():
    people = survey_waves()
    result = st.compare_waves(people, "score", "unit", "wave", "2024", "2025")
    assert list(result.columns) == list(st.WAVE_CHANGE_COLUMNS)
    # Ward C has 10 responses in 2025 and Ward D 9 in 2024: below 11, no row at all.
    assert result["unit"].tolist() == ["Ward A", "Ward B"]
    for _, row in result.iterrows():
        before = people.query("unit == @row.unit and wave == '2024'")["score"]
        after = people.query("unit == @row.unit and wave == '2025'")["score"]
        test = sps.ttest_ind(after, before, equal_var=False)
        assert row["t"] == pytest.approx(test.statistic, rel=1e-9)
        assert row["p"] == pytest.approx(test.pvalue, rel=1e-9)
        n1, n2 = len(before), len(after)
        pooled_sd = math.sqrt(((n1 - 1) * before.var() + (n2 - 1) * after.var()) / (n1 + n2 - 2))
        assert row["cohens_d"] == pytest.approx((after.mean() - before.mean()) / pooled_sd, rel=1e-9)
        assert row["change"] == pytest.approx(after.mean() - before.mean(), abs=1e-12)
        assert (row["n_from"], row["n_to"]) == (n1, n2)
    np.testing.assert_allclose(result["p_adj"], sps.false_discovery_control(result["p"], method="bh"))
    assert result["significant"].tolist() == (result["p_adj"] < 0.05).tolist()
    assert result.loc[0, "significant"]  # Ward A rose by 1.5 points on 55 responses

    lowered = st.compare_waves(people, "score", "unit", "wave", "2024", "2025", min_group_size=10)
    assert lowered["unit"].tolist() == ["Ward A", "Ward B", "Ward C"]
    allowed = st.compare_waves(people, "score", "unit", "wave", "2024", "2025", units=["Ward B"])
    assert allowed["unit"].tolist() == ["Ward B"]


def test_compare_waves_refusals():
    people = survey_waves()
    with pytest.raises(InputError, match="never below|at least 5"):
        st.compare_waves(people, "score", "unit", "wave", "2024", "2025", min_group_size=3)
    with pytest.raises(InputError, match="Wave '2023' is not in column 'wave'"):
        st.compare_waves(people, "score", "unit", "wave", "2023", "2025")
    with pytest.raises(InputError, match="two different waves"):
        st.compare_waves(people, "score", "unit", "wave", "2025", "2025")


def test_compare_proportions_matches_statsmodels():
    result = st.compare_proportions([40, 30, 3], [80, 50, 8], [60, 31, 4], [90, 48, 9])
    assert list(result.columns) == list(st.PROPORTION_CHANGE_COLUMNS)
    for i, (a, na, b, nb) in enumerate([(40, 80, 60, 90), (30, 50, 31, 48)]):
        z, p = proportions_ztest([b, a], [nb, na])
        low, high = confint_proportions_2indep(b, nb, a, na, method="wald", compare="diff")
        row = result.iloc[i]
        assert row["z"] == pytest.approx(z, abs=1e-9)
        assert row["p"] == pytest.approx(p, abs=1e-9)
        assert row["change_points"] == pytest.approx(100 * (b / nb - a / na), abs=1e-9)
        assert row["change_ci_low"] == pytest.approx(100 * low, abs=1e-9)
        assert row["change_ci_high"] == pytest.approx(100 * high, abs=1e-9)
        assert not row["suppressed"]
    small = result.iloc[2]
    assert small["suppressed"] and math.isnan(small["pct_from"]) and math.isnan(small["p"])
    np.testing.assert_allclose(result["p_adj"].iloc[:2], sps.false_discovery_control(result["p"].iloc[:2]))


def test_compare_proportions_refusals():
    with pytest.raises(InputError, match="larger than the number of answers"):
        st.compare_proportions(20, 15, 5, 20)
    with pytest.raises(InputError, match="same length"):
        st.compare_proportions([1, 2], [20, 20], [1], [20])
    with pytest.raises(InputError, match="cannot be negative"):
        st.compare_proportions(-1, 20, 5, 20)


# --- Every other refusal ------------------------------------------------------------------------
def _people():
    return simulated_respondents(n_teams=6, per_team=4)


REFUSALS = [
    ("table", lambda: st.correlations([[1, 2]], "a", "b"), "must be a table; got list"),
    ("count outcome type", lambda: st.correlations(unit_table(), "compassionate_leadership", "leaver_rate",
                                                   count_outcomes={"leaver_rate": ("binomial", "leavers")}),
     "must be given as \\(model, events column, denominator column\\)"),
    ("change same waves", lambda: st.change_analysis(
        pd.DataFrame({"unit": ["A"], "wave": [1], "s": [1.0], "y": [2.0]}), "s", "y", unit="unit", wave="wave",
        wave_from=1, wave_to=1), "two different waves"),
    ("mixed min groups", lambda: st.mixed_slopes(_people(), "morale", "compassionate_leadership", "team",
                                                 min_groups=2), "at least 3"),
    ("shapley duplicate", lambda: st.shapley_r2(items_frame(50), "morale", ["q9f", "morale"]),
     "must all be different columns"),
    ("shapley too few rows", lambda: st.shapley_r2(items_frame(50).head(3), "morale", ["q9f", "q9g"]),
     "Only 3 complete rows for 2 predictors; at least 4"),
    ("alpha too few respondents", lambda: st.cronbach_alpha(pd.DataFrame({"a": [1.0, np.nan], "b": [2.0, 3.0]})),
     "Only 1 respondent"),
    ("item-total too few", lambda: st.item_total_correlations(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 3.0]})),
     "at least 3 are needed"),
    ("item text", lambda: st.cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "2", "3"]})),
     "item column 'b' must hold numbers, but it contains 'x'"),
    ("rwg no items", lambda: st.rwg_j(_people(), [], "team", n_options=5), "Choose the item columns"),
    ("rwg range", lambda: st.rwg_j(_people(), ["morale"], "team", n_options=5, score_range=(10, 0)),
     "lower to a higher value"),
    ("icc missing column", lambda: st.icc_aggregation(_people(), "wellbeing", "team"),
     "'wellbeing' is not in the table"),
    ("proportions text", lambda: st.compare_proportions("many", 20, 5, 20), "must be numbers"),
    ("proportions threshold", lambda: st.compare_proportions(5, 20, 5, 20, min_group_size=4), "at least 5"),
    ("poisson min units", lambda: st.poisson_rate_model(simulated_teams(10), "compassionate_leadership",
                                                        "fte_days_lost", "fte_days_available", min_units=2),
     "at least 4"),
]


@pytest.mark.parametrize("call, message", [(c, m) for _, c, m in REFUSALS], ids=[name for name, _, _ in REFUSALS])
def test_refusals(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_docstring_examples():
    import doctest

    failures, _ = doctest.testmod(st)
    assert failures == 0
