"""Tests of analytics.survey.trends: wave-over-wave tables and per-unit trend tables.

Expected values come from scipy (Welch t-test), statsmodels (BH adjustment, two-proportion z-test) and
hand arithmetic on small hand-built data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from analytics import settings
from analytics.ingest.codebook import load_codebook
from analytics.errors import InputError
from analytics.stats.multiple import benjamini_hochberg
from analytics.survey.trends import (
    HR_SUMMARY_COLUMNS,
    ITEM_CHANGE_COLUMNS,
    UNIT_OPTION_COLUMNS,
    UNIT_TABLE_COLUMNS,
    UNIT_TREND_COLUMNS,
    WAVE_COMPARISON_COLUMNS,
    hr_outcome_summary,
    item_changes,
    previous_wave,
    unit_hr_rows,
    unit_options,
    unit_table,
    unit_trend,
    wave_changes,
)

K = 5  # the smallest anonymity threshold allowed, to keep the hand-built data small

# Scores per (wave, directorate, team) for two measures. Two teams called "Ward A" sit in different
# directorates and must stay apart. "Tiny" has fewer than K respondents in 2025.
SCORES = {
    ("2023", "North", "Ward A"): ([5.0, 6.0, 7.0, 6.5, 5.5, 6.0], [4.0, 5.0, 6.0, 5.0, 5.0, 4.5]),
    ("2024", "North", "Ward A"): ([7.0, 8.0, 7.5, 9.0, 8.5, 7.0, 8.0], [5.0, 5.5, 6.0, 5.0, 6.5, 6.0, 5.5]),
    ("2025", "North", "Ward A"): ([6.0, 7.5, 8.0, 7.0, 6.5, 7.0], [6.0, 7.0, 6.5, 7.5, 7.0, 6.0]),
    ("2024", "North", "Ward B"): ([4.0, 5.0, 4.5, 6.0, 5.0], [3.0, 4.0, 3.5, 5.0, 4.0]),
    ("2025", "North", "Ward B"): ([5.0, 6.0, 5.5, 6.5, 6.0, 7.0], [4.0, 4.5, 5.0, 5.5, 4.0, 6.0]),
    ("2024", "South", "Ward A"): ([2.0, 3.0, 2.5, 3.5, 3.0], [7.0, 7.5, 8.0, 7.0, 8.5]),
    ("2025", "South", "Ward A"): ([8.0, 9.0, 8.5, 9.5, 9.0], [7.5, 7.0, 8.0, 7.0, 8.0]),
    ("2024", "South", "Tiny"): ([5.0, 6.0, 5.0, 6.0, 7.0], [5.0, 5.0, 6.0, 6.0, 5.0]),
    ("2025", "South", "Tiny"): ([5.0, 6.0, 5.0], [5.0, 5.0, 6.0]),
}


def respondents_frame() -> pd.DataFrame:
    rows = []
    for (wave, directorate, team), (m1, m2) in SCORES.items():
        for a, b in zip(m1, m2):
            rows.append({"wave": wave, "directorate": directorate, "team": team, "m1": a, "m2": b})
    frame = pd.DataFrame(rows)
    frame.loc[0, "m2"] = np.nan  # one respondent of 2023 North Ward A without an m2 score
    return frame


def _summary(values: np.ndarray) -> dict:
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n >= 2:
        half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n)
    else:
        half = math.nan
    return {"n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half}


def unit_scores_frame(respondents: pd.DataFrame, hidden: set[tuple[str, str, str]] = frozenset()) -> pd.DataFrame:
    """Team and organisation rows as the pipeline shapes them; ``hidden`` (wave, parent, unit) are suppressed,
    plus any team below K (primary suppression)."""
    rows = []
    for measure in ("m1", "m2"):
        for (wave, parent, unit), part in respondents.groupby(["wave", "directorate", "team"]):
            values = part[measure].dropna().to_numpy()
            figures = _summary(values)
            suppressed = (wave, parent, unit) in hidden or figures["n"] < K
            if suppressed:
                figures = dict.fromkeys(figures, math.nan)
            rows.append({"wave": wave, "level": settings.LEVEL_TEAM, "unit": unit, "parent": parent,
                         "measure": measure, **figures, "pct_positive": math.nan if suppressed else 50.0,
                         "suppressed": suppressed})
        for wave, part in respondents.groupby("wave"):
            figures = _summary(part[measure].dropna().to_numpy())
            rows.append({"wave": wave, "level": settings.LEVEL_ORGANISATION, "unit": settings.ORGANISATION_UNIT,
                         "parent": "", "measure": measure, **figures, "pct_positive": 50.0, "suppressed": False})
    table = pd.DataFrame(rows)
    table["n"] = pd.array([None if pd.isna(v) else int(v) for v in table["n"]], dtype="Int64")
    table["suppressed_reason"] = np.where(table["suppressed"], settings.SUPPRESSION_PRIMARY, "")
    return table[list(settings.UNIT_SCORE_COLUMNS)]


def welch(after: list[float], before: list[float]):
    return stats.ttest_ind(after, before, equal_var=False)


def pooled_d(after: list[float], before: list[float]) -> float:
    a, b = np.asarray(after), np.asarray(before)
    pooled = math.sqrt(((len(b) - 1) * b.var(ddof=1) + (len(a) - 1) * a.var(ddof=1)) / (len(a) + len(b) - 2))
    return (a.mean() - b.mean()) / pooled


# --- benjamini_hochberg -----------------------------------------------------------------------------
def test_benjamini_hochberg_matches_statsmodels_and_keeps_missing():
    p = pd.Series([0.01, np.nan, 0.04, 0.03, 0.2])
    expected = multipletests([0.01, 0.04, 0.03, 0.2], method="fdr_bh")[1]
    got = benjamini_hochberg(p)
    assert np.isnan(got[1])
    np.testing.assert_allclose(got.drop(index=1).to_numpy(), expected)
    # by hand: sorted 0.01, 0.03, 0.04, 0.2 -> min(4/1*0.01, ...) = 0.04; 0.03 and 0.04 -> 4/3*0.04 = 0.0533
    assert got[0] == pytest.approx(0.04)
    assert got[3] == pytest.approx(4 / 3 * 0.04)


# --- wave_changes -----------------------------------------------------------------------------------
def test_wave_changes_matches_welch_per_unit_and_keeps_namesakes_apart():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    out = wave_changes(us, resp, measure="m1", wave_from="2024", wave_to="2025", min_group_size=K)
    assert list(out.columns) == list(WAVE_COMPARISON_COLUMNS)
    # Tiny has 3 respondents in 2025: suppressed, no row
    assert list(zip(out["parent"], out["unit"])) == [("North", "Ward A"), ("North", "Ward B"), ("South", "Ward A")]
    p_values = []
    for row, key in zip(out.itertuples(), [("North", "Ward A"), ("North", "Ward B"), ("South", "Ward A")]):
        before = SCORES[("2024", *key)][0]
        after = SCORES[("2025", *key)][0]
        test = welch(after, before)
        assert row.t == pytest.approx(test.statistic)
        assert row.p == pytest.approx(test.pvalue)
        assert row.change == pytest.approx(np.mean(after) - np.mean(before))
        assert row.cohens_d == pytest.approx(pooled_d(after, before))
        assert (row.n_from, row.n_to) == (len(before), len(after))
        p_values.append(test.pvalue)
    np.testing.assert_allclose(out["p_adj"], multipletests(p_values, method="fdr_bh")[1])
    assert out["significant"].tolist() == (out["p_adj"] < 0.05).tolist()
    # South Ward A jumps from ~2.8 to ~8.8: significant even after adjustment
    assert bool(out.loc[out["parent"] == "South", "significant"].iloc[0])


def test_wave_changes_skips_units_suppressed_by_the_privacy_layer():
    resp = respondents_frame()
    # Ward B (North) has 6 respondents in 2025, above K, but complementary suppression hid it
    us = unit_scores_frame(resp, hidden={("2025", "North", "Ward B")})
    out = wave_changes(us, resp, measure="m1", wave_from="2024", wave_to="2025", min_group_size=K)
    assert ("North", "Ward B") not in set(zip(out["parent"], out["unit"]))
    # the BH family is the two remaining units
    tests = [welch(SCORES[("2025", *k)][0], SCORES[("2024", *k)][0]).pvalue
             for k in [("North", "Ward A"), ("South", "Ward A")]]
    np.testing.assert_allclose(out["p_adj"], multipletests(tests, method="fdr_bh")[1])


def test_wave_changes_parents_filter_sets_the_family():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    out = wave_changes(us, resp, measure="m1", wave_from="2024", wave_to="2025", parents=["North"], min_group_size=K)
    assert out["parent"].tolist() == ["North", "North"]
    tests = [welch(SCORES[("2025", "North", t)][0], SCORES[("2024", "North", t)][0]).pvalue
             for t in ("Ward A", "Ward B")]
    np.testing.assert_allclose(out["p_adj"], multipletests(tests, method="fdr_bh")[1])


def test_wave_changes_without_units_in_both_waves_is_empty():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    out = wave_changes(us, resp, measure="m1", wave_from="2023", wave_to="2024", parents=["South"], min_group_size=K)
    assert out.empty and list(out.columns) == list(WAVE_COMPARISON_COLUMNS)


def test_wave_changes_refusals():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    with pytest.raises(InputError, match="two different waves"):
        wave_changes(us, resp, measure="m1", wave_from="2024", wave_to="2024", min_group_size=K)
    with pytest.raises(InputError, match="Unknown reporting level 'ward'"):
        wave_changes(us, resp, measure="m1", wave_from="2024", wave_to="2025", level="ward", min_group_size=K)
    with pytest.raises(InputError, match="respondent table has no column 'm9'"):
        wave_changes(us, resp, measure="m9", wave_from="2024", wave_to="2025", min_group_size=K)
    with pytest.raises(InputError, match="table of unit scores has no column 'suppressed'"):
        wave_changes(us.drop(columns="suppressed"), resp, measure="m1", wave_from="2024", wave_to="2025")


def test_wave_changes_at_organisation_level():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    out = wave_changes(us, resp, measure="m2", wave_from="2024", wave_to="2025",
                       level=settings.LEVEL_ORGANISATION, min_group_size=K)
    before = resp.loc[resp["wave"] == "2024", "m2"].dropna()
    after = resp.loc[resp["wave"] == "2025", "m2"].dropna()
    assert out["unit"].tolist() == [settings.ORGANISATION_UNIT]
    assert out["p"].iloc[0] == pytest.approx(welch(after, before).pvalue)
    assert out["p_adj"].iloc[0] == pytest.approx(out["p"].iloc[0])  # a family of one


# --- unit_table -------------------------------------------------------------------------------------
def test_unit_table_figures_change_and_suppression():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    out = unit_table(us, resp, wave="2025", measure="m1", min_group_size=K)
    assert list(out.columns) == list(UNIT_TABLE_COLUMNS)
    assert list(zip(out["parent"], out["unit"])) == [("North", "Ward A"), ("North", "Ward B"),
                                                     ("South", "Tiny"), ("South", "Ward A")]
    tiny = out[out["unit"] == "Tiny"].iloc[0]
    assert tiny["suppressed"]
    for column in ("n", "mean", "ci_low", "ci_high", "pct_positive", "change", "p_adj", "significant"):
        assert pd.isna(tiny[column]), column
    ward_b = out[out["unit"] == "Ward B"].iloc[0]
    after, before = SCORES[("2025", "North", "Ward B")][0], SCORES[("2024", "North", "Ward B")][0]
    assert ward_b["mean"] == pytest.approx(np.mean(after))
    assert ward_b["n"] == 6
    assert ward_b["previous_wave"] == "2024"
    assert ward_b["change"] == pytest.approx(np.mean(after) - np.mean(before))
    changes = wave_changes(us, resp, measure="m1", wave_from="2024", wave_to="2025", min_group_size=K)
    assert ward_b["p_adj"] == pytest.approx(changes.loc[changes["unit"] == "Ward B", "p_adj"].iloc[0])


def test_unit_table_first_wave_has_no_change():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    out = unit_table(us, resp, wave="2023", measure="m1", min_group_size=K)
    assert out["previous_wave"].isna().all()
    assert out["change"].isna().all() and out["significant"].isna().all()
    assert previous_wave(us, "2023") is None and previous_wave(us, "2025") == "2024"
    with pytest.raises(InputError, match="no results for wave 2030"):
        previous_wave(us, "2030")


def test_unit_table_never_shows_figures_of_a_row_flagged_suppressed():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    # a flagged row that (wrongly) still carries numbers: the table must blank them
    leaky = us.copy()
    mask = (leaky["unit"] == "Ward B") & (leaky["wave"] == "2025")
    leaky.loc[mask, "suppressed"] = True
    out = unit_table(leaky, resp, wave="2025", measure="m1", min_group_size=K)
    row = out[out["unit"] == "Ward B"].iloc[0]
    assert row["suppressed"] and pd.isna(row["mean"]) and pd.isna(row["n"]) and pd.isna(row["change"])


# --- unit_trend -------------------------------------------------------------------------------------
def test_unit_trend_tests_consecutive_waves_with_bh_across_the_table():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    out = unit_trend(us, resp, level=settings.LEVEL_TEAM, unit="Ward A", parent="North", measures=["m1", "m2"],
                     min_group_size=K)
    assert list(out.columns) == list(UNIT_TREND_COLUMNS)
    assert list(zip(out["measure"], out["wave"])) == [("m1", "2023"), ("m1", "2024"), ("m1", "2025"),
                                                      ("m2", "2023"), ("m2", "2024"), ("m2", "2025")]
    expected_p = []
    for measure, index in (("m1", 0), ("m2", 1)):
        first = SCORES[("2023", "North", "Ward A")][index]
        if measure == "m2":
            first = first[1:]  # the respondent without an m2 score is left out
        series = [first, SCORES[("2024", "North", "Ward A")][index], SCORES[("2025", "North", "Ward A")][index]]
        rows = out[out["measure"] == measure]
        assert pd.isna(rows["change"].iloc[0]) and pd.isna(rows["significant"].iloc[0])
        for pos in (1, 2):
            test = welch(series[pos], series[pos - 1])
            assert rows["p"].iloc[pos] == pytest.approx(test.pvalue)
            assert rows["t"].iloc[pos] == pytest.approx(test.statistic)
            assert rows["change"].iloc[pos] == pytest.approx(np.mean(series[pos]) - np.mean(series[pos - 1]))
            expected_p.append(test.pvalue)
    adjusted = out["p_adj"].dropna().to_numpy()
    np.testing.assert_allclose(adjusted, multipletests(expected_p, method="fdr_bh")[1])
    assert out["n"].iloc[3] == 5  # m2 in 2023: 6 respondents, one without a score


def test_unit_trend_suppressed_wave_is_a_gap_without_changes():
    resp = respondents_frame()
    us = unit_scores_frame(resp, hidden={("2024", "North", "Ward A")})
    out = unit_trend(us, resp, level=settings.LEVEL_TEAM, unit="Ward A", parent="North", measures=["m1"],
                     min_group_size=K)
    hidden = out[out["wave"] == "2024"].iloc[0]
    assert hidden["suppressed"]
    for column in ("n", "mean", "ci_low", "ci_high", "change", "p", "p_adj", "significant"):
        assert pd.isna(hidden[column]), column
    assert out["p"].isna().all()  # 2023->2024 and 2024->2025 both touch the hidden wave
    assert out["mean"].iloc[0] == pytest.approx(np.mean(SCORES[("2023", "North", "Ward A")][0]))


def test_unit_trend_without_respondents_has_no_tests():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    out = unit_trend(us, None, level=settings.LEVEL_TEAM, unit="Ward B", measures=["m1"], min_group_size=K)
    assert out["wave"].tolist() == ["2024", "2025"]  # Ward B has no 2023 row
    assert out["p"].isna().all() and out["significant"].isna().all()


def test_unit_trend_refusals():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    with pytest.raises(InputError, match="More than one team is called Ward A"):
        unit_trend(us, resp, level=settings.LEVEL_TEAM, unit="Ward A", min_group_size=K)
    with pytest.raises(InputError, match="no results for Ward Z"):
        unit_trend(us, resp, level=settings.LEVEL_TEAM, unit="Ward Z", min_group_size=K)
    with pytest.raises(InputError, match="No results for m7 for Ward B"):
        unit_trend(us, resp, level=settings.LEVEL_TEAM, unit="Ward B", measures=["m7"], min_group_size=K)


# --- item_changes -----------------------------------------------------------------------------------
def item_results_frame() -> pd.DataFrame:
    rows = [
        # wave, level, unit, parent, item, n, pct_positive, suppressed
        ("2024", "team", "Ward A", "North", "q9f", 40, 100 * 20 / 40, False),
        ("2024", "team", "Ward A", "North", "q9h", 38, 100 * 30 / 38, False),
        ("2024", "team", "Ward A", "North", "q26a", None, None, True),
        ("2025", "team", "Ward A", "North", "q9f", 50, 100 * 35 / 50, False),
        ("2025", "team", "Ward A", "North", "q9h", 44, 100 * 33 / 44, False),
        ("2025", "team", "Ward A", "North", "q26a", 45, 100 * 9 / 45, False),
        ("2025", "team", "Ward A", "North", "zz_local", 47, 100 * 20 / 47, False),
        ("2025", "team", "Tiny", "South", "q9f", None, None, True),
        ("2025", "organisation", "Organisation", "", "q9f", 500, 60.0, False),
        ("2025", "organisation", "Organisation", "", "q9h", 480, 70.0, False),
    ]
    # Without a suppressed_reason column (tables from before it existed are still read).
    frame = pd.DataFrame(rows, columns=[c for c in settings.ITEM_RESULT_COLUMNS if c != "suppressed_reason"])
    frame["n"] = frame["n"].astype("Int64")
    frame["pct_positive"] = frame["pct_positive"].astype(float)
    return frame


def test_item_changes_matches_two_proportion_z_test():
    book = load_codebook()
    out = item_changes(item_results_frame(), wave="2025", level="team", unit="Ward A", codebook=book,
                       min_group_size=K)
    assert list(out.columns) == list(ITEM_CHANGE_COLUMNS)
    assert out["item"].tolist() == ["q9f", "q9h", "q26a", "zz_local"]
    assert out["wording"].iloc[0] == ("My immediate manager works together with me to come to an understanding "
                                      "of problems.")
    assert "Compassionate leadership" in out["measures"].iloc[0]
    assert out["wording"].iloc[3] == ""
    assert out["organisation_pct_positive"].tolist()[:2] == [60.0, 70.0]
    assert math.isnan(out["organisation_pct_positive"].iloc[2])
    p_values = []
    for pos, (x1, n1, x2, n2) in enumerate([(20, 40, 35, 50), (30, 38, 33, 44)]):
        z, p = proportions_ztest([x2, x1], [n2, n1])
        row = out.iloc[pos]
        assert row["p"] == pytest.approx(p)
        assert row["change_points"] == pytest.approx(100 * (x2 / n2 - x1 / n1))
        se = math.sqrt((x1 / n1) * (1 - x1 / n1) / n1 + (x2 / n2) * (1 - x2 / n2) / n2)
        assert row["change_ci_low"] == pytest.approx(100 * (x2 / n2 - x1 / n1 - stats.norm.ppf(0.975) * se))
        assert row["n_previous"] == n1
        p_values.append(p)
    np.testing.assert_allclose(out["p_adj"].iloc[:2], multipletests(p_values, method="fdr_bh")[1])
    # q26a was suppressed in 2024: shown now, but nothing compared with the hidden wave
    q26a = out.iloc[2]
    assert q26a["pct_positive"] == pytest.approx(20.0)
    for column in ("n_previous", "pct_positive_previous", "change_points", "p", "p_adj", "significant"):
        assert pd.isna(q26a[column]), column


def test_item_changes_suppressed_unit_shows_nothing():
    out = item_changes(item_results_frame(), wave="2025", level="team", unit="Tiny", min_group_size=K)
    assert out["suppressed"].all()
    for column in ("n", "pct_positive", "n_previous", "change_points", "p"):
        assert out[column].isna().all(), column


def test_item_changes_first_wave_and_refusals():
    out = item_changes(item_results_frame(), wave="2024", level="team", unit="Ward A", min_group_size=K)
    assert out["previous_wave"].isna().all() and out["p"].isna().all()
    with pytest.raises(InputError, match="no results for Ward Q"):
        item_changes(item_results_frame(), wave="2025", level="team", unit="Ward Q")
    with pytest.raises(InputError, match="table of question results has no column 'item'"):
        item_changes(item_results_frame().drop(columns="item"), wave="2025", level="team", unit="Ward A")


# --- unit_options -----------------------------------------------------------------------------------
def test_unit_options_labels_namesakes_and_flags_suppressed_units():
    resp = respondents_frame()
    us = unit_scores_frame(resp)
    out = unit_options(us, level="team", wave="2025")
    assert list(out.columns) == list(UNIT_OPTION_COLUMNS)
    assert out["label"].tolist() == ["Ward A (North)", "Ward B", "Tiny", "Ward A (South)"]
    assert out["suppressed"].tolist() == [False, False, True, False]
    north = unit_options(us, level="team", wave="2025", parents=["North"])
    assert north["unit"].tolist() == ["Ward A", "Ward B"]
    # over all waves, Tiny is shown in 2024, so it is not suppressed "in every wave"
    assert not unit_options(us, level="team").set_index("label").loc["Tiny", "suppressed"]
    assert unit_options(us, level="directorate").empty


# --- HR ---------------------------------------------------------------------------------------------
def hr_table() -> pd.DataFrame:
    return pd.DataFrame({
        "level": ["organisation", "team", "team", "team"],
        "unit": ["Organisation", "Ward  a", "Ward A", "Ward B"],
        "parent": [None, "North", "South", "North"],
        "staff_start": pd.array([100, 40, 20, 40], dtype="Int64"),
        "staff_end": pd.array([110, 44, 22, 36], dtype="Int64"),
        "leavers": pd.array([12, 6, 2, 4], dtype="Int64"),
        "leaver_rate": pd.array([100 * 12 / 105, 100 * 6 / 42, 100 * 2 / 21, 100 * 4 / 38], dtype="Float64"),
        "stability_index": pd.array([100 * 90 / 100, 100 * 35 / 40, 100 * 18 / 20, 100 * 36 / 40], dtype="Float64"),
        "fte_days_lost": pd.array([500.5, 120.25, None, 80.0], dtype="Float64"),
        "fte_days_available": pd.array([10000.0, 3650.0, 1800.0, 3000.0], dtype="Float64"),
        "sickness_rate": pd.array([100 * 500.5 / 10000, 100 * 120.25 / 3650, None, 100 * 80 / 3000], dtype="Float64"),
    })


def test_unit_hr_rows_matches_names_loosely_and_needs_parent_for_namesakes():
    table = hr_table()
    assert unit_hr_rows(table, level="team", unit="WARD B")["staff_start"].tolist() == [40]
    assert unit_hr_rows(table, level="team", unit="Ward A").empty  # two matches and no parent: none
    assert unit_hr_rows(table, level="team", unit="ward a", parent="north")["staff_start"].tolist() == [40]
    assert unit_hr_rows(table, level="team", unit="Ward C").empty
    assert len(unit_hr_rows(table, level="organisation", unit="Organisation")) == 1


def test_hr_outcome_summary_numerators_and_denominators():
    row = unit_hr_rows(hr_table(), level="team", unit="Ward A", parent="North")
    out = hr_outcome_summary(row)
    assert list(out.columns) == list(HR_SUMMARY_COLUMNS)
    assert out["outcome"].tolist() == ["leaver_rate", "stability_index", "sickness_rate"]
    leaver, stability, sickness = (out.iloc[i] for i in range(3))
    assert (leaver["numerator"], leaver["denominator"]) == (6, (40 + 44) / 2)
    assert leaver["value"] == pytest.approx(100 * 6 / 42)
    assert (stability["numerator"], stability["denominator"]) == (35, 40)
    assert (sickness["numerator"], sickness["denominator"]) == (120.25, 3650.0)
    # no absence figures: missing, not zero
    south = hr_outcome_summary(unit_hr_rows(hr_table(), level="team", unit="Ward A", parent="South"))
    assert math.isnan(south.iloc[2]["numerator"]) and math.isnan(south.iloc[2]["value"])
    with pytest.raises(InputError, match="exactly one unit"):
        hr_outcome_summary(hr_table())


def test_unit_trend_finds_respondents_of_a_blank_team_as_not_recorded():
    resp = respondents_frame()
    blank = resp["team"] == "Ward B"
    resp["team"] = resp["team"].astype(object).where(~blank, None)
    us = unit_scores_frame(resp.assign(team=resp["team"].fillna(settings.NOT_RECORDED_UNIT)))
    out = unit_trend(us, resp, level=settings.LEVEL_TEAM, unit=settings.NOT_RECORDED_UNIT, parent="North",
                     measures=["m1"], min_group_size=K)
    after, before = SCORES[("2025", "North", "Ward B")][0], SCORES[("2024", "North", "Ward B")][0]
    assert out["p"].iloc[1] == pytest.approx(welch(after, before).pvalue)


def test_unit_trend_without_directorates_uses_the_organisation_as_parent():
    resp = respondents_frame()
    resp = resp[resp["directorate"] == "North"].drop(columns="directorate")
    us = unit_scores_frame(resp.assign(directorate=settings.ORGANISATION_UNIT))
    out = unit_trend(us, resp, level=settings.LEVEL_TEAM, unit="Ward B", parent=settings.ORGANISATION_UNIT,
                     measures=["m1"], min_group_size=K)
    after, before = SCORES[("2025", "North", "Ward B")][0], SCORES[("2024", "North", "Ward B")][0]
    assert out["p"].iloc[1] == pytest.approx(welch(after, before).pvalue)
    changes = wave_changes(us, resp, measure="m1", wave_from="2024", wave_to="2025", min_group_size=K)
    assert set(changes["parent"]) == {settings.ORGANISATION_UNIT}
    assert changes.loc[changes["unit"] == "Ward B", "p"].iloc[0] == pytest.approx(welch(after, before).pvalue)


# --- % unfavourable of published burnout / stress rates -------------------------------------------------
#: Published organisation x year results with a burnout rate (% unfavourable, higher is worse); B Trust has
#: fewer than 11 responses in 2024, so its 2024 rows are suppressed.
UNFAVOURABLE_CSV = """Organisation,Year,Responses,Burned_out_rate,Morale
A Trust,2024,900,31.0,6.0
A Trust,2025,950,29.5,6.1
B Trust,2024,8,40.0,5.0
B Trust,2025,800,35.0,5.5
C Trust,2024,700,33.0,5.9
C Trust,2025,720,32.0,5.8
"""


def _published_unit_scores() -> pd.DataFrame:
    from analytics.dataset import DatasetSpec, FilePayload, load_dataset
    spec = DatasetSpec(label="Published", survey_files=(FilePayload("orgs.csv", UNFAVOURABLE_CSV.encode()),))
    return load_dataset(spec).survey.unit_scores


def test_unit_trend_shows_the_published_pct_unfavourable():
    out = unit_trend(_published_unit_scores(), None, level=settings.LEVEL_ORGANISATION, unit="A Trust")
    assert list(out.columns) == list(UNIT_TREND_COLUMNS)
    burnout = out[out["measure"] == "Burned_out_rate"]
    assert burnout["wave"].tolist() == ["2024", "2025"]
    assert burnout["pct_unfavourable"].tolist() == [31.0, 29.5]     # as published
    assert burnout["n"].tolist() == [900, 950]
    assert out.loc[out["measure"] == "morale", "pct_unfavourable"].isna().all()  # a 0-10 score has none


def test_unit_trend_pct_unfavourable_is_blank_on_suppressed_rows():
    us = _published_unit_scores()
    out = unit_trend(us, None, level=settings.LEVEL_ORGANISATION, unit="B Trust", measures=["Burned_out_rate"])
    hidden, shown = out.iloc[0], out.iloc[1]
    assert hidden["wave"] == "2024" and hidden["suppressed"] and pd.isna(hidden["pct_unfavourable"])
    assert pd.isna(hidden["n"])
    assert shown["pct_unfavourable"] == 35.0
    # A table whose suppressed row still carries the figure is blanked again (second line of defence).
    leaky = us.copy()
    mask = (leaky["unit"] == "B Trust") & (leaky["wave"] == "2024") & (leaky["measure"] == "Burned_out_rate")
    leaky.loc[mask, "pct_unfavourable"] = 40.0
    again = unit_trend(leaky, None, level=settings.LEVEL_ORGANISATION, unit="B Trust", measures=["Burned_out_rate"])
    assert pd.isna(again.iloc[0]["pct_unfavourable"])


def test_unit_trend_without_a_pct_unfavourable_column_leaves_it_missing():
    resp = respondents_frame()
    out = unit_trend(unit_scores_frame(resp), None, level=settings.LEVEL_TEAM, unit="Ward B", measures=["m1"],
                     min_group_size=K)
    assert "pct_unfavourable" in out.columns and out["pct_unfavourable"].isna().all()
