"""Tests for analytics.board: headline measures, RAG, rate comparisons, exceptions, statements, behaviours.

Tiny survey files (two waves, six teams in two directorates) are written to a temporary folder and
scored through ``analytics.survey.pipeline.score_survey_files``. Expected values come from scipy / statsmodels
on the respondent scores, or from hand arithmetic written as arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import board, rag, settings
from analytics.stats import rates as rate_tests
from analytics.ingest.codebook import load_codebook
from analytics.errors import InputError
from analytics.hr import hr_metrics, load_hr_table
from analytics.ingest.io import read_table
from analytics.survey.pipeline import SurveySource, score_survey_files

K = settings.DEFAULT_MIN_GROUP_SIZE
#: Questions added to the codebook after these answers were designed (raising concerns, burnout, q4c-q4d,
#: q6b-q6d). Left out so that the random answers drawn below (one per question) stay those the expected falls were
#: designed on.
LATER_ITEMS = {"q20a", "q20b", "q25e", "q25f", "q4c", "q4d", "q12a", "q12b", "q12c", "q12d", "q12e", "q12f", "q12g",
               "q6b", "q6c", "q6d"}
ITEMS = [code.upper() for code in load_codebook().items if code not in LATER_ITEMS]
# Per wave: team -> (directorate, respondents, mean answer position 1-5).
TEAMS_2024 = {
    "Ward A": ("Medicine", 15, 4.4),
    "Ward B": ("Medicine", 14, 3.5),
    "Ward C": ("Medicine", 12, 4.5),     # hidden by complementary suppression (smallest sibling of Tiny Unit)
    "Tiny Unit": ("Medicine", 4, 4.5),    # below k: suppressed
    "Theatre E": ("Surgery", 13, 3.4),
    "Theatre F": ("Surgery", 12, 3.6),
}
TEAMS_2025 = {
    "Ward A": ("Medicine", 15, 1.8),      # a large fall: significant
    "Ward B": ("Medicine", 14, 3.6),
    "Ward C": ("Medicine", 12, 1.5),      # falls too, but must never be listed (suppressed)
    "Tiny Unit": ("Medicine", 4, 1.2),    # likewise
    "Theatre E": ("Surgery", 13, 3.5),
    "Theatre F": ("Surgery", 12, 3.3),
}
HIDDEN_TEAMS = ("Ward C", "Tiny Unit")


def _survey_frame(teams: dict, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for team, (directorate, n, centre) in teams.items():
        for _ in range(n):
            answers = np.clip(np.rint(centre + rng.normal(0, 0.9, len(ITEMS))), 1, 5).astype(int)
            rows.append({"Directorate": directorate, "Team": team, **dict(zip(ITEMS, answers))})
    return pd.DataFrame(rows)


def _score(files: dict[str, pd.DataFrame]):
    sources = [SurveySource(file_name=name, content=frame.to_csv(index=False).encode())
               for name, frame in files.items()]
    return score_survey_files(sources, min_group_size=K)


@pytest.fixture(scope="module")
def two_waves():
    return _score({"survey_2024.csv": _survey_frame(TEAMS_2024, 1), "survey_2025.csv": _survey_frame(TEAMS_2025, 2)})


@pytest.fixture(scope="module")
def one_wave():
    return _score({"survey_2025.csv": _survey_frame(TEAMS_2025, 3)})


def _team_month_records(months: pd.PeriodIndex, teams: dict[str, tuple[str, int, int, float]]):
    """Team-month HR file: team -> (directorate, staff in post, leavers a month, sickness % of days)."""
    rows = []
    for i, month in enumerate(months):
        days = month.days_in_month
        for team, (directorate, staff, leavers, sick) in teams.items():
            available = staff * days
            rows.append({"Directorate": directorate, "Team": team, "Month": str(month), "Staff in post": staff,
                         "Leavers": leavers + (i % 3 == 0),
                         "FTE days lost": round(available * sick * (1 + 0.1 * (i % 4)) / 100, 2),
                         "FTE days available": available})
    frame = pd.DataFrame(rows)
    return load_hr_table(read_table(frame.to_csv(index=False).encode(), "hr_team_month.csv"))


@pytest.fixture(scope="module")
def hr_records():
    months = pd.period_range("2024-01", "2025-12", freq="M")
    teams = {name: (d, 40, 1, 4.0 + j) for j, (name, (d, _, _)) in enumerate(TEAMS_2025.items())}
    return _team_month_records(months, teams)


def _respondent_scores(survey, measure: str, wave: str) -> np.ndarray:
    r = survey.scored.respondents
    return r.loc[r["wave"] == wave, measure].dropna().to_numpy(dtype=float)


def _org(survey, wave: str, measure: str) -> pd.Series:
    t = survey.unit_scores
    return t[(t["wave"] == wave) & (t["level"] == "organisation") & (t["measure"] == measure)].iloc[0]


# --- Headline measures ---------------------------------------------------------------------------------
def test_headline_survey_values_equal_organisation_row_and_welch_test(two_waves):
    headline = board.headline_measures(two_waves, None, wave="2025")
    assert list(headline["ref"]) == ["H1", "H2", "H3", "H4", "H5", "H6"]
    assert list(headline.columns) == list(board.HEADLINE_COLUMNS)
    for measure in board.HEADLINE_SURVEY_MEASURES:
        row = headline.set_index("measure").loc[measure]
        now, before = _org(two_waves, "2025", measure), _org(two_waves, "2024", measure)
        assert row["value"] == now["mean"] and row["n"] == now["n"]
        assert row["previous"] == before["mean"] and row["previous_n"] == before["n"]
        after_scores = _respondent_scores(two_waves, measure, "2025")
        before_scores = _respondent_scores(two_waves, measure, "2024")
        reference = stats.ttest_ind(after_scores, before_scores, equal_var=False)
        ci = reference.confidence_interval(0.95)
        assert row["change"] == pytest.approx(after_scores.mean() - before_scores.mean(), rel=1e-12)
        assert row["change"] == pytest.approx(row["value"] - row["previous"], abs=1e-12)
        assert row["p"] == pytest.approx(reference.pvalue, rel=1e-12)
        assert (row["change_ci_low"], row["change_ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-12)
        n1, n2 = len(before_scores), len(after_scores)
        pooled = math.sqrt(((n1 - 1) * before_scores.var(ddof=1) + (n2 - 1) * after_scores.var(ddof=1)) / (n1 + n2 - 2))
        assert row["effect_size"] == pytest.approx((after_scores.mean() - before_scores.mean()) / pooled, rel=1e-12)
        assert row["effect_size_name"] == "Cohen's d"
        assert row["significant"] == (reference.pvalue < 0.05)
        assert row["test"] == board.TEST_WELCH


def test_headline_responses_count_and_change(two_waves):
    row = board.headline_measures(two_waves, None, wave="2025").set_index("measure").loc["responses"]
    total = sum(n for _, n, _ in TEAMS_2025.values())  # 15 + 14 + 12 + 4 + 13 + 12 = 70
    assert row["value"] == total == 70
    assert row["previous"] == sum(n for _, n, _ in TEAMS_2024.values())
    assert row["change"] == 0 and row["test"] == board.TEST_NONE and row["rag"] == board.RAG_NOT_RATED


def test_headline_without_hr_says_so(two_waves):
    headline = board.headline_measures(two_waves, None, wave="2025").set_index("measure")
    for measure in board.HEADLINE_HR_MEASURES:
        assert headline.loc[measure, "availability"] == board.AVAILABILITY_NO_HR
        assert math.isnan(headline.loc[measure, "value"])
        assert headline.loc[measure, "rag"] == board.RAG_NO_DATA
        assert "No HR data" in headline.loc[measure, "note"]


def test_headline_one_wave_has_no_previous(one_wave):
    headline = board.headline_measures(one_wave, None, wave="2025").set_index("measure")
    cl = headline.loc["compassionate_leadership"]
    assert cl["previous_wave"] is None and math.isnan(cl["previous"]) and math.isnan(cl["change"])
    assert cl["test"] == board.TEST_NONE and cl["significant"] is None
    assert "No previous wave" in cl["note"]
    assert not math.isnan(cl["value"])


def test_headline_hr_rates_equal_hr_metrics_and_tests(two_waves, hr_records):
    # The 2025 wave's concurrent window (Apr 2025 to Mar 2026) cut to the data (to Dec 2025): 9 months,
    # compared with the same 9 months of 2024; the leaver rate is annualised (x 12 / 9).
    headline = board.headline_measures(two_waves, hr_records, wave="2025").set_index("measure")
    now = hr_metrics(hr_records, start="2025-04-01", end="2025-12-31", levels=["organisation"]).iloc[0]
    before = hr_metrics(hr_records, start="2024-04-01", end="2024-12-31", levels=["organisation"]).iloc[0]
    leaver = headline.loc["leaver_rate"]
    assert leaver["period"] == "Apr 2025 to Dec 2025, 9 months" and leaver["previous_period"] == "Apr 2024 to Dec 2024"
    assert leaver["value"] == pytest.approx(float(now["leaver_rate"]) * 12 / 9, rel=1e-12)
    assert leaver["previous"] == pytest.approx(float(before["leaver_rate"]) * 12 / 9, rel=1e-12)
    from statsmodels.stats.rates import test_poisson_2indep
    mean_now = (now["staff_start"] + now["staff_end"]) / 2
    mean_before = (before["staff_start"] + before["staff_end"]) / 2
    reference = test_poisson_2indep(int(now["leavers"]), mean_now, int(before["leavers"]), mean_before,
                                    method="exact-cond")
    assert leaver["p"] == pytest.approx(reference.pvalue, rel=1e-9)
    assert leaver["test"] == board.TEST_POISSON_EXACT and leaver["effect_size_name"] == "rate ratio"
    sickness = headline.loc["sickness_rate"]
    assert sickness["value"] == pytest.approx(float(now["sickness_rate"]), rel=1e-12)
    assert sickness["change"] == pytest.approx(float(now["sickness_rate"]) - float(before["sickness_rate"]), rel=1e-9)
    assert sickness["test"] == board.TEST_QUASI_POISSON


def test_hr_window_follows_the_wave(hr_records):
    # Wave 2024: its concurrent window ends March 2025, before the data's last month (December 2025).
    windows = board.hr_windows(hr_records, "2024")
    assert windows.current == (pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-31"))
    # The same months a year before start in April 2023, before the data (January 2024): no comparison.
    assert windows.previous is None and "do not cover the same months a year before" in windows.notes[0]
    # Wave 2025: April 2025 to March 2026, cut to the data's last month: 9 months, against the same 9 of 2024.
    latest = board.hr_windows(hr_records, "2025")
    assert latest.current == (pd.Timestamp("2025-04-01"), pd.Timestamp("2025-12-31"))
    assert latest.previous == (pd.Timestamp("2024-04-01"), pd.Timestamp("2024-12-31"))
    assert latest.window.months == 9 and latest.window.is_short


def test_headline_refuses_unknown_wave(two_waves):
    with pytest.raises(InputError, match="no survey wave '2030'"):
        board.headline_measures(two_waves, None, wave="2030")


# --- Rate comparisons ----------------------------------------------------------------------------------
def test_poisson_rate_comparison_against_statsmodels():
    from statsmodels.stats.rates import test_poisson_2indep
    result = rate_tests.compare_rates_poisson(589, 4700, 519, 4680)
    assert result["rate_from"] == pytest.approx(100 * 589 / 4700)
    assert result["change"] == pytest.approx(100 * (519 / 4680 - 589 / 4700))
    se = 100 * math.sqrt(589 / 4700**2 + 519 / 4680**2)
    assert result["change_ci_high"] - result["change"] == pytest.approx(stats.norm.ppf(0.975) * se)
    assert result["rate_ratio"] == pytest.approx((519 / 4680) / (589 / 4700))
    assert result["p"] == pytest.approx(test_poisson_2indep(519, 4680, 589, 4700, method="exact-cond").pvalue, rel=1e-9)


def test_poisson_rate_comparison_refuses_bad_counts():
    with pytest.raises(InputError, match="positive exposures"):
        rate_tests.compare_rates_poisson(3, 0, 4, 10)


def test_quasi_poisson_against_statsmodels_glm():
    import statsmodels.api as sm
    rng = np.random.default_rng(7)
    exposure = rng.uniform(9000, 11000, 24)
    counts = rng.poisson(exposure * np.r_[np.full(12, 0.052), np.full(12, 0.047)] * rng.gamma(20, 1 / 20, 24))
    result = rate_tests.compare_rates_quasi_poisson(counts[:12], exposure[:12], counts[12:], exposure[12:])
    design = np.column_stack([np.ones(24), np.r_[np.zeros(12), np.ones(12)]])
    fit = sm.GLM(counts, design, family=sm.families.Poisson(), offset=np.log(exposure)).fit(scale="X2")
    assert math.log(result["rate_ratio"]) == pytest.approx(fit.params[1], rel=1e-8)
    assert result["dispersion"] == pytest.approx(fit.scale, rel=1e-8)
    assert result["p"] == pytest.approx(fit.pvalues[1], rel=1e-6)
    assert result["rate_to"] == pytest.approx(100 * counts[12:].sum() / exposure[12:].sum())


def test_quasi_poisson_refuses_missing_months():
    with pytest.raises(InputError, match="must not be missing"):
        rate_tests.compare_rates_quasi_poisson([1, np.nan], [10, 10], [1, 2], [10, 10])


# --- RAG -------------------------------------------------------------------------------------------------
# Judged on the value as shown (one decimal): 6.9999 is shown as 7.0 (Green), 6.0001 as 6.0 (Red), 6.94 as 6.9.
@pytest.mark.parametrize("value, expected", [(7.0, "Green"), (6.9999, "Green"), (6.94, "Amber"), (6.0, "Red"),
                                             (6.0001, "Red"), (6.06, "Amber"), (9, "Green"), (None, "No data")])
def test_rag_boundaries_higher_is_better(value, expected):
    assert rag.rag_rating(value, green_at=7.0, red_at=6.0) == expected


# Shown to one decimal: 4.01 is 4.0 (Green), 4.06 is 4.1 (Amber), 5.59 is 5.6 (Red), 5.54 is 5.5 (Amber).
@pytest.mark.parametrize("value, expected", [(4.0, "Green"), (4.01, "Green"), (4.06, "Amber"), (5.6, "Red"),
                                             (5.59, "Red"), (5.54, "Amber")])
def test_rag_boundaries_lower_is_better(value, expected):
    assert rag.rag_rating(value, green_at=4.0, red_at=5.6, higher_is_better=False) == expected


def test_rag_agrees_with_ui_format():
    from analytics import format as fmt
    for value in np.linspace(3, 9, 61):
        for green, red, higher in ((7.0, 6.0, True), (4.0, 5.6, False)):
            assert rag.rag_rating(value, green_at=green, red_at=red, higher_is_better=higher) == \
                fmt.rag_status(value, green_at=green, red_at=red, higher_is_better=higher).label


@pytest.mark.parametrize("green, red, higher, message", [(6.0, 7.0, True, "must be above"),
                                                         (6.0, 5.0, False, "must be below"),
                                                         (None, 5.0, True, "Set both")])
def test_rag_refuses_thresholds_in_the_wrong_order(green, red, higher, message):
    with pytest.raises(InputError, match=message):
        rag.rag_rating(5.0, green_at=green, red_at=red, higher_is_better=higher)


def test_apply_thresholds_uses_user_values_and_benchmarks(two_waves):
    from analytics.labels import RagThresholds
    figures = board.headline_figures(two_waves, None, wave="2025")
    value = figures.set_index("measure").loc["compassionate_leadership", "value"]
    rated = board.apply_thresholds(
        figures, {"compassionate_leadership": RagThresholds(green_at=value, red_at=value - 1)},
        {"compassionate_leadership": value - 0.25, "morale": None}).set_index("measure")
    assert rated.loc["compassionate_leadership", "rag"] == "Green"   # inclusive at the green threshold
    assert rated.loc["compassionate_leadership", "vs_benchmark"] == pytest.approx(0.25)
    assert board.BENCHMARK_WEIGHTING_NOTE in rated.loc["compassionate_leadership", "note"]
    assert math.isnan(rated.loc["morale", "benchmark"])
    assert rated.loc["morale", "green_at"] == settings.DEFAULT_RAG_THRESHOLDS["morale"][0]   # its own default
    assert rated.loc["staff_engagement", "green_at"] == settings.DEFAULT_RAG_THRESHOLDS["score"][0]   # the score default
    assert list(figures.columns) == list(board.HEADLINE_COLUMNS)   # input unchanged
    assert figures["rag"].isna().all()


def test_apply_thresholds_refuses_bad_values(two_waves):
    figures = board.headline_figures(two_waves, None, wave="2025")
    with pytest.raises(InputError, match="must be above"):
        board.apply_thresholds(figures, {"morale": (5.0, 6.0, True)})
    with pytest.raises(InputError, match="must be a number"):
        board.apply_thresholds(figures, None, {"morale": "high"})
    with pytest.raises(InputError, match="must give a green and a red"):
        board.apply_thresholds(figures, {"morale": {"green": 7}})


def test_default_thresholds_match_ui_labels():
    from analytics import labels
    for name, rule in rag.DEFAULT_RAG_THRESHOLDS.items():
        assert labels.DEFAULT_RAG_THRESHOLDS[name].as_kwargs() == dataclass_kwargs(rule)


def dataclass_kwargs(rule: rag.RagThresholds) -> dict:
    return {"green_at": rule.green_at, "red_at": rule.red_at, "higher_is_better": rule.higher_is_better}


# --- Exceptions ----------------------------------------------------------------------------------------
def _outcomes_frame() -> pd.DataFrame:
    """16 teams: T0 and T3 (100 staff, 30 leavers) and T1 (10 staff, 3 leavers) leave at 30%, the others at
    8-12%; T2 loses 9% of its FTE days to sickness, the others about 4%."""
    frame = pd.DataFrame({
        "level": "team",
        "unit": [f"T{i}" for i in range(16)],
        "parent": ["D1"] * 8 + ["D2"] * 8,
        "responses": [20] * 16,
        "compassionate_leadership": [5.0, 5.5, 6.0, 6.5] + [7.0 + 0.1 * i for i in range(12)],
        "leavers": [30, 3, 5, 30] + [5, 6, 4, 5, 5, 6, 4, 5, 5, 6, 4, 5],
        "mean_staff": [100, 10, 50, 100] + [50] * 12,
        "fte_days_lost": [400, 80, 900, 400] + [400, 420, 380, 400, 410, 390, 400, 400, 420, 380, 400, 400],
        "fte_days_available": [10000, 2000, 10000, 10000] + [10000] * 12,
    })
    frame["leaver_rate"] = 100 * frame["leavers"] / frame["mean_staff"]
    frame["sickness_rate"] = 100 * frame["fte_days_lost"] / frame["fte_days_available"]
    return frame


def test_exceptions_lowest_quarter_and_above_the_funnel_limit():
    frame = _outcomes_frame()
    table, notes = board.exceptions_from_outcomes(frame)
    # Score quartile (linear): position 0.25 x 15 = 3.75 between 6.5 and 7.0 -> 6.5 + 0.75 x 0.5 = 6.875.
    assert table["score_cutoff"].iloc[0] == pytest.approx(6.5 + 0.75 * 0.5)
    # High = above the team's upper 95% funnel limit (analytics.stats.funnel_table, checked against scipy
    # in test_funnel.py): T0 and T3 on leaving, T2 on sickness.
    leaving = stats_funnel(frame, "leavers", "mean_staff", "proportion")
    sickness = stats_funnel(frame, "fte_days_lost", "fte_days_available", "rate")
    assert list(table["unit"]) == ["T0", "T2", "T3"]
    assert list(table["high_leaver_rate"]) == [True, False, True]
    assert list(table["high_sickness_rate"]) == [False, True, False]
    assert table["leaver_cutoff"].iloc[0] == pytest.approx(leaving.loc[0, "upper_95"])
    assert table["sickness_cutoff"].iloc[1] == pytest.approx(sickness.loc[2, "upper_95"])
    # T1 leaves at the same 30% as T0 with a lower score, but 3 leavers of 10 staff are within chance: its
    # limit is far higher. Quartiles of the rates would have listed it.
    assert leaving.loc[1, "rate"] == pytest.approx(30.0) and leaving.loc[1, "upper_95"] > 30.0
    assert "T1" not in set(table["unit"])
    assert "above the 95% control limit" in table["reason"].iloc[0] and "lowest 25%" in table["reason"].iloc[0]
    assert "sickness absence rate 9.0%" in table["reason"].iloc[1]
    assert notes == []


def stats_funnel(frame: pd.DataFrame, events: str, denominator: str, kind: str) -> pd.DataFrame:
    from analytics.stats import funnel_table
    return funnel_table(frame, events=events, denominator=denominator, kind=kind)


def test_exceptions_without_counts_cannot_be_high():
    frame = _outcomes_frame().drop(columns=["leavers", "mean_staff"])
    table, notes = board.exceptions_from_outcomes(frame)
    assert list(table["unit"]) == ["T2"] and not table["high_leaver_rate"].any()
    assert any("No counts behind the leaver rate" in note for note in notes)


def test_exceptions_with_a_score_threshold():
    table, _ = board.exceptions_from_outcomes(_outcomes_frame(), low_score_below=5.8)
    assert list(table["unit"]) == ["T0"]   # 5.0 < 5.8 and above the limit; T1 (5.5) is within its limit
    assert "below the threshold of 5.8" in table["reason"].iloc[0]


def test_exceptions_need_enough_teams():
    table, notes = board.exceptions_from_outcomes(_outcomes_frame().head(5))
    assert table.empty and "at least 8" in notes[0]


def test_exceptions_refuse_a_bad_share():
    with pytest.raises(InputError, match="between 0 and 0.5"):
        board.exceptions_from_outcomes(_outcomes_frame(), quantile=0.7)


def test_significant_falls_use_shown_teams_only(two_waves):
    falls, compared, notes = board.significant_falls(two_waves, wave="2025")
    # Teams shown in both waves: Ward A, Ward B, Theatre E, Theatre F (Ward C and Tiny Unit are hidden).
    assert compared == {m: 4 for m in board.HEADLINE_SURVEY_MEASURES}
    assert set(falls["unit"]) == {"Ward A"}
    assert set(falls["parent"]) == {"Medicine"}
    r = two_waves.scored.respondents
    for _, row in falls.iterrows():
        team = r[r["team"] == "Ward A"]
        after = team.loc[team["wave"] == "2025", row["measure"]].dropna().to_numpy()
        before = team.loc[team["wave"] == "2024", row["measure"]].dropna().to_numpy()
        assert row["p"] == pytest.approx(stats.ttest_ind(after, before, equal_var=False).pvalue, rel=1e-12)
        assert row["change"] < 0 and row["p_adj"] < 0.05 and row["teams_compared"] == 4
    assert list(falls["ref"]) == [f"F{i + 1}" for i in range(len(falls))]


def test_no_falls_without_a_previous_wave(one_wave):
    falls, compared, notes = board.significant_falls(one_wave, wave="2025")
    assert falls.empty and compared == {} and "No previous wave" in notes[0]


def test_directorate_filter_keeps_refs(two_waves):
    found = board.exceptions(two_waves, None, wave="2025", directorate="Surgery")
    assert found.falls.empty and found.directorate == "Surgery"
    everything = board.exceptions(two_waves, None, wave="2025")
    medicine = board.restrict_to_directorate(everything, "Medicine")
    assert list(medicine.falls["ref"]) == list(everything.falls["ref"])


def test_no_suppressed_team_in_any_output(two_waves, hr_records):
    report = board.board_report(two_waves, hr_records, wave="2025")
    # Every shown team is "low" below 10 and the hidden teams have high sickness (as has Theatre F, so that
    # something is listed): they would be listed if they were not left out before the rule is applied.
    months = pd.period_range("2024-01", "2025-12", freq="M")
    sickness = {"Ward A": 4.0, "Ward B": 4.0, "Ward C": 30.0, "Tiny Unit": 30.0, "Theatre E": 4.0, "Theatre F": 30.0}
    records = _team_month_records(months, {name: (d, 40, 1, sickness[name]) for name, (d, _, _) in TEAMS_2025.items()})
    low, _, _ = board.low_leadership_exceptions(two_waves, records, wave="2025", low_score_below=10,
                                                min_teams=2, quantile=0.49)
    assert set(low["unit"]) <= {"Ward A", "Ward B", "Theatre E", "Theatre F"} and not low.empty
    texts = [report.headline, report.exceptions.low_leadership, report.exceptions.falls, report.weakest.table,
             report.weakest.guidance, report.statements, low]
    for frame in texts:
        blob = frame.astype(str).to_csv()
        for team in HIDDEN_TEAMS:
            assert team not in blob
    for note in report.notes:
        for team in HIDDEN_TEAMS:
            assert team not in note


# --- Statements ------------------------------------------------------------------------------------------
def test_statements_quote_the_right_numbers(two_waves, hr_records):
    report = board.board_report(two_waves, hr_records, wave="2025",
                                benchmarks={"compassionate_leadership": 3.0})
    statements = report.statements.set_index("ref")
    headline = report.headline.set_index("ref")
    cl = headline.loc["H1"]
    s1 = statements[statements["figure_ref"] == "H1"].iloc[0]
    assert f"{cl['value']:.1f} out of 10 in 2025 ({int(cl['n']):,} responses)" in s1["statement"]
    assert f"from {cl['previous']:.1f} in 2024" in s1["statement"]
    assert s1["value"] == cl["value"]
    assert f"This is {cl['value'] - 3.0:.1f} above the benchmark of 3.0." in s1["statement"]
    assert ("not statistically significant" in s1["statement"]) != bool(cl["significant"])
    leaver = headline.loc["H4"]
    s4 = statements[statements["figure_ref"] == "H4"].iloc[0]["statement"]
    assert f"{leaver['value']:.1f}%" in s4 and f"{int(leaver['numerator']):,} leavers" in s4
    responses = statements[statements["figure_ref"] == "H6"].iloc[0]["statement"]
    assert responses.startswith("70 staff responded to the 2025 survey")
    falls = statements[statements["topic"] == "falls"]
    quoted = falls[falls["figure_ref"] != ""]
    assert len(quoted) >= 1 and "Ward A (Medicine)" in quoted["statement"].iloc[0]
    for refs in quoted["figure_ref"]:
        assert set(refs.split(", ")) <= set(report.exceptions.falls["ref"])
    every = " ".join(report.statements["statement"])
    assert "cause" not in every.lower() and "drive" not in every.lower()


def test_statements_when_nothing_to_compare(one_wave):
    report = board.board_report(one_wave, None, wave="2025")
    every = report.statements["statement"].tolist()
    assert any("there is no previous wave to compare with" in s for s in every)
    assert any(s.startswith("No HR data were provided") for s in every)
    no_hr = report.statements[report.statements["statement"].str.startswith("No HR data")].iloc[0]
    assert no_hr["figure_ref"] == "H4, H5"


def test_exception_statement_says_associated(two_waves):
    low = pd.DataFrame([{"ref": "E1", "unit": "T0", "parent": "D1"}])
    found = board.BoardExceptions(wave="2025", previous_wave="2024", low_leadership=low,
                                  falls=pd.DataFrame(columns=list(board.FALL_COLUMNS)), teams_compared={},
                                  window_start=pd.Timestamp("2025-04-01"), window_end=pd.Timestamp("2025-12-31"))
    headline = board.headline_measures(two_waves, None, wave="2025")
    statements = board.board_statements(headline, found)
    text = statements.loc[statements["topic"] == "exceptions", "statement"].iloc[0]
    assert text.startswith("1 team had compassionate leadership in the lowest 25% of teams")
    assert "associated with" in text and "T0 (D1)" in text and "Apr 2025 to Dec 2025" in text
    assert statements.loc[statements["topic"] == "exceptions", "figure_ref"].iloc[0] == "E1"


# --- Behaviours and guidance -----------------------------------------------------------------------------
def _item_results(values: dict[str, float | None], suppressed: tuple[str, ...] = ()) -> pd.DataFrame:
    rows = []
    for item, pct in values.items():
        hidden = item in suppressed
        rows.append({"wave": "2025", "level": "organisation", "unit": "Organisation", "parent": "", "item": item,
                     "n": pd.NA if hidden else 100, "pct_positive": np.nan if hidden else pct, "suppressed": hidden})
    return pd.DataFrame(rows)


def test_weakest_behaviour_is_the_lowest_pct_positive():
    result = board.weakest_behaviour(_item_results({"q9f": 60.0, "q9g": 55.0, "q9h": 70.0, "q9i": 58.0}), "2025")
    assert result.behaviours == ("attending",)   # q9g
    table = result.table.set_index("behaviour")
    assert table.loc["attending", "item"] == "q9g" and table.loc["understanding", "item"] == "q9f"
    assert table.loc["empathising", "item"] == "q9h" and table.loc["helping", "item"] == "q9i"
    assert "interpretation, not NHS" in table.loc["attending", "note"]
    guidance = result.guidance
    actions = guidance[guidance["section"] == "behaviour"]
    assert set(actions["behaviour"]) == {"attending"} and len(actions) >= 3
    assert "King's Fund" in actions["source"].iloc[0]
    support = guidance[guidance["section"] == "support"]["heading"].tolist()
    assert support == ["Health and wellbeing conversations", "Health and wellbeing guardian",
                       "Health and wellbeing champions", "Mental Health First Aiders"]
    assert list(guidance.columns) == list(board.GUIDANCE_COLUMNS)


def test_weakest_behaviour_ties_and_suppression():
    result = board.weakest_behaviour(
        _item_results({"q9f": 50.0, "q9g": 40.0, "q9h": 70.0, "q9i": 50.0}, suppressed=("q9g",)), "2025")
    assert result.behaviours == ("understanding", "helping")   # q9g is hidden, so never the weakest
    assert result.refs == ["B2", "B4"]
    hidden = result.table.set_index("behaviour").loc["attending"]
    assert math.isnan(hidden["pct_positive"]) and bool(hidden["suppressed"])


def test_guidance_covers_the_four_behaviours_and_cites_sources():
    guidance = board.load_guidance()
    assert set(guidance["behaviours"]) == {"attending", "understanding", "empathising", "helping"}
    for entry in guidance["behaviours"].values():
        assert entry["actions"] and entry["source"] in guidance["sources"]
    for item in guidance["support"]:
        assert item["source"] in guidance["sources"]
    citations = " ".join(guidance["sources"].values())
    for name in ("The King's Fund", "NHS England", "Wellbeing guardians", "NHS Employers",
                 "Health and wellbeing conversations"):
        assert name in citations
    assert "http" not in citations


def test_guidance_file_errors_are_input_errors(tmp_path):
    bad = tmp_path / "guidance.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="could not be read"):
        board.load_guidance(bad)
    bad.write_text('{"sources": {}}', encoding="utf-8")
    with pytest.raises(InputError, match="no 'behaviours' section"):
        board.load_guidance(bad)


def test_previous_wave():
    assert board.previous_wave(["2023", "2024", "2025"], "2025") == "2024"
    assert board.previous_wave(["2025"], "2025") is None
    with pytest.raises(InputError, match="Waves in the data: 2025"):
        board.previous_wave(["2025"], "2019")


def test_board_report_refuses_no_survey():
    with pytest.raises(InputError, match="No survey results"):
        board.board_report(None, None, wave="2025")


def test_suppressed_organisation_shows_no_numbers():
    small = {"Ward A": ("Medicine", 8, 3.0)}   # 8 respondents < 11: even the organisation is hidden
    survey = _score({"survey_2024.csv": _survey_frame(small, 1), "survey_2025.csv": _survey_frame(small, 2)})
    report = board.board_report(survey, None, wave="2025")
    headline = report.headline.set_index("measure")
    for measure in (*board.HEADLINE_SURVEY_MEASURES, board.RESPONSES):
        row = headline.loc[measure]
        assert bool(row["suppressed"]) and math.isnan(row["value"]) and math.isnan(row["change"])
        assert row["availability"] == board.AVAILABILITY_SUPPRESSED
    assert report.weakest.behaviours == ()
    statements = report.statements["statement"].tolist()
    assert "Compassionate leadership is not reported for 2025: fewer than 11 responses." in statements
    assert not any(ch.isdigit() for ch in statements[0].replace("2025", "").replace("11", ""))


def test_headline_with_no_respondent_scores_in_one_wave_shows_both_figures_untested(two_waves):
    """A wave can hold an organisation figure for a measure but no respondent scores of it (a published
    file pooled with a respondent-level one, an element scored from sub-score means): the Board shows both
    figures and their difference, says why the change is not tested, and does not stop."""
    import dataclasses

    measure = board.HEADLINE_SURVEY_MEASURES[0]
    respondents = two_waves.scored.respondents.copy()
    respondents.loc[respondents["wave"] == "2024", measure] = np.nan
    survey = dataclasses.replace(two_waves, scored=dataclasses.replace(two_waves.scored, respondents=respondents))
    row = board.headline_measures(survey, None, wave="2025").set_index("measure").loc[measure]
    now, before = _org(two_waves, "2025", measure), _org(two_waves, "2024", measure)
    assert row["value"] == now["mean"] and row["previous"] == before["mean"]
    assert row["change"] == pytest.approx(now["mean"] - before["mean"], abs=1e-12)
    assert math.isnan(row["p"]) and "Change not tested: the 2024 survey has no respondent scores" in row["note"]
