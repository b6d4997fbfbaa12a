"""Tests for analytics.relate.

Hand-built survey results and HR files whose figures are written out here, checked against scipy,
statsmodels and pingouin fitted directly; suppression checked with an extreme suppressed team; the sample
trust's planted effects recovered through the same functions the page and the CLI call.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from analytics import hr, relate, settings, stats
from analytics.ingest.codebook import load_codebook
from analytics.dataset import SAMPLE_DIR, load_dataset, load_hr, sample_spec
from analytics.errors import InputError
from analytics.survey.pipeline import SurveyResults
from analytics.survey.scoring import ScoredResponses, unit_scores
from analytics.hr import HRExclusions

Z975 = sps.norm.ppf(0.975)
TOL = 1e-6


@pytest.fixture(autouse=True)
def unrounded_pingouin(monkeypatch):
    monkeypatch.setitem(pg.options, "round.column.CI95", None)


# =================================================================================================
# Hand-built survey results and HR files
# =================================================================================================
#: Team -> (directorate, responses, compassionate leadership, morale, staff in post, leavers in the
#: year, FTE days lost in the year, FTE days available in the year). "Tiny Team" has 4 responses, the
#: highest score and everyone leaving: against the trend of the shown teams.
TEAMS = {
    "Ward A": ("Medicine", 30, 6.1, 5.2, 40, 9, 900.0, 12000.0),
    "Ward B": ("Medicine", 25, 6.8, 5.9, 55, 8, 1100.0, 17000.0),
    "Ward C": ("Medicine", 41, 7.4, 6.0, 62, 6, 850.0, 19500.0),
    "Ward D": ("Medicine", 18, 7.9, 6.4, 30, 2, 300.0, 9800.0),
    "Theatres": ("Surgery", 60, 6.5, 5.5, 90, 15, 2000.0, 28000.0),
    "Day Surgery": ("Surgery", 22, 7.2, 6.3, 35, 4, 420.0, 11000.0),
    "Recovery": ("Surgery", 15, 8.3, 6.9, 20, 1, 150.0, 6500.0),
    "Critical Care": ("Surgery", 35, 5.8, 5.0, 70, 14, 1900.0, 21000.0),
    "Tiny Team": ("Surgery", 4, 9.5, 9.0, 6, 6, 600.0, 1500.0),
}
SHOWN = [t for t in TEAMS if t != "Tiny Team"]
MONTHS = pd.period_range("2024-04", "2025-03", freq="M")


def unit_score_rows(wave: str, teams: dict = TEAMS, k: int = 11) -> pd.DataFrame:
    """A unit-score table (UNIT_SCORE_COLUMNS) for the team level; teams below k suppressed."""
    rows = []
    for team, (directorate, n, cl, morale, *_rest) in teams.items():
        for measure, mean in (("compassionate_leadership", cl), ("morale", morale)):
            hidden = n < k
            rows.append({"wave": wave, "level": "team", "unit": team, "parent": directorate, "measure": measure,
                         "n": pd.NA if hidden else n, "mean": np.nan if hidden else mean,
                         "ci_low": np.nan, "ci_high": np.nan, "pct_positive": np.nan, "suppressed": hidden})
    table = pd.DataFrame(rows, columns=settings.UNIT_SCORE_COLUMNS)
    table["n"] = table["n"].astype("Int64")
    return table


def survey_of(table: pd.DataFrame) -> SurveyResults:
    return SurveyResults(unit_scores=table, item_results=pd.DataFrame(), findings=pd.DataFrame(),
                         min_group_size=11, codebook=load_codebook())


def team_month_csv(path, teams: dict = TEAMS, months=MONTHS) -> str:
    """Team-month file: constant staff in post, the year's leavers in June, days spread evenly."""
    lines = ["Directorate,Team,Month,Staff in post,Leavers,FTE days lost,FTE days available"]
    for team, (directorate, _n, _cl, _m, staff, leavers, lost, available) in teams.items():
        for month in months:
            left = leavers if month.month == 6 else 0
            lines.append(f"{directorate},{team},{month},{staff},{left},{lost / len(months)!r},"
                         f"{available / len(months)!r}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def hand(tmp_path):
    survey = survey_of(unit_score_rows("2024"))
    records = hr.read_staff_file(team_month_csv(tmp_path / "team_month.csv"))
    return survey, records


def shown_arrays(teams=SHOWN):
    cl = np.array([TEAMS[t][2] for t in teams])
    morale = np.array([TEAMS[t][3] for t in teams])
    staff = np.array([TEAMS[t][4] for t in teams], dtype=float)
    leavers = np.array([TEAMS[t][5] for t in teams], dtype=float)
    lost = np.array([TEAMS[t][6] for t in teams])
    available = np.array([TEAMS[t][7] for t in teams])
    return cl, morale, staff, leavers, lost, available


def row(table: pd.DataFrame, x: str, y: str, group: str = "", wave: str | None = None) -> pd.Series:
    hit = table[(table["x"] == x) & (table["y"] == y) & (table["group"] == group)]
    if wave is not None:
        hit = hit[hit["wave"] == wave]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# =================================================================================================
# relate_survey_hr on hand-built data
# =================================================================================================
def test_correlations_and_count_models_match_scipy_and_statsmodels(hand):
    survey, records = hand
    result = relate.relate_survey_hr(survey, records, measures=["compassionate_leadership"],
                                     outcomes=["leaver_rate", "sickness_rate", "morale"])
    cl, morale, staff, leavers, lost, available = shown_arrays()
    leaver_rate = 100 * leavers / staff          # staff in post is constant: mean(start, end) = staff
    sickness_rate = 100 * lost / available
    n = len(SHOWN)
    for y_name, y in (("leaver_rate", leaver_rate), ("sickness_rate", sickness_rate), ("morale", morale)):
        got = row(result.table, "compassionate_leadership", y_name)
        reference = sps.pearsonr(cl, y)
        assert got["n"] == n
        assert got["r"] == pytest.approx(reference.statistic, abs=TOL)
        assert got["p"] == pytest.approx(reference.pvalue, abs=TOL)
        ci = reference.confidence_interval(0.95)
        assert (got["r_ci_low"], got["r_ci_high"]) == pytest.approx((ci.low, ci.high), abs=TOL)
        rho = sps.spearmanr(cl, y).statistic
        half = Z975 * math.sqrt((1 + rho**2 / 2) / (n - 3))   # Bonett & Wright (2000)
        assert got["rho"] == pytest.approx(rho, abs=TOL)
        assert (got["rho_ci_low"], got["rho_ci_high"]) == pytest.approx(
            (math.tanh(math.atanh(rho) - half), math.tanh(math.atanh(rho) + half)), abs=TOL)
        assert got["wave"] == "2024" and got["unit_of_analysis"] == "team"
        assert got["window_start"] == pd.Timestamp("2024-04-01") and got["window_end"] == pd.Timestamp("2025-03-31")
    # BH within each row's family (analytics.relate.family): the HR outcomes' family is every measure the
    # teams have (compassionate leadership, morale) x every HR outcome with values (leaver, sickness rate),
    # whichever pairs were asked for; morale as an outcome is the survey family of one test (p_adj = p).
    family = [sps.pearsonr(x, y).pvalue for x in (cl, morale) for y in (leaver_rate, sickness_rate)]
    adjusted = sps.false_discovery_control(family, method="bh")
    assert row(result.table, "compassionate_leadership", "leaver_rate")["p_adj"] == pytest.approx(adjusted[0], abs=TOL)
    assert row(result.table, "compassionate_leadership", "sickness_rate")["p_adj"] == pytest.approx(adjusted[1], abs=TOL)
    assert "4 associations of 2 survey measures with 3 HR outcomes" in \
        row(result.table, "compassionate_leadership", "leaver_rate")["p_adj_family"]
    morale_row = row(result.table, "compassionate_leadership", "morale")
    assert morale_row["p_adj"] == pytest.approx(morale_row["p"], abs=TOL)

    design = sm.add_constant(cl)
    # Leavers out of staff in post: the (successes, failures) form gives the same coefficient ...
    two_column = sm.GLM(np.column_stack([leavers, staff - leavers]), design, family=sm.families.Binomial()).fit()
    # Quasi models: Pearson dispersion floored at 1, t quantiles on the residual df.
    binomial = sm.GLM(leavers / staff, design, family=sm.families.Binomial(), var_weights=staff)
    plain = binomial.fit()
    quasi = binomial.fit(scale=max(1.0, plain.pearson_chi2 / plain.df_resid), use_t=True)
    got = row(result.table, "compassionate_leadership", "leaver_rate")
    assert got["rate_ratio"] == pytest.approx(math.exp(two_column.params[1]), abs=TOL)
    low, high = quasi.conf_int()[1]
    assert (got["rr_ci_low"], got["rr_ci_high"]) == pytest.approx((math.exp(low), math.exp(high)), abs=TOL)
    # ... and FTE days lost with log FTE days available as offset, quasi-Poisson.
    poisson_model = sm.GLM(lost, design, family=sm.families.Poisson(), offset=np.log(available))
    plain = poisson_model.fit()
    poisson = poisson_model.fit(scale=max(1.0, plain.pearson_chi2 / plain.df_resid), use_t=True)
    got = row(result.table, "compassionate_leadership", "sickness_rate")
    low, high = poisson.conf_int()[1]
    assert got["rate_ratio"] == pytest.approx(math.exp(poisson.params[1]), abs=TOL)
    assert (got["rr_ci_low"], got["rr_ci_high"]) == pytest.approx((math.exp(low), math.exp(high)), abs=TOL)
    assert math.isnan(row(result.table, "compassionate_leadership", "morale")["rate_ratio"])


def test_table_equals_stats_correlations_on_the_joined_units(hand):
    survey, records = hand
    result = relate.relate_survey_hr(survey, records, measures=["compassionate_leadership", "morale"],
                                     outcomes=["leaver_rate", "sickness_rate"])
    direct = stats.correlations(result.units, ["compassionate_leadership", "morale"], ["leaver_rate", "sickness_rate"],
                                count_outcomes=relate.COUNT_OUTCOMES)
    columns = [*relate.RELATE_COLUMNS, *relate.RATE_RATIO_COLUMNS, "note"]
    pd.testing.assert_frame_equal(result.table[columns].reset_index(drop=True), direct[columns])
    assert sorted(result.units["unit"]) == sorted(SHOWN)
    # one wave: group stays empty; the wave's HR window follows the relate columns
    assert list(result.cli_table().columns) == [*relate.RELATE_COLUMNS, "window_start", "window_end",
                                                *relate.RATE_RATIO_COLUMNS, "note", "p_adj_family"]
    assert (result.cli_table()["group"] == "").all()


def test_a_suppressed_team_with_an_extreme_outcome_never_enters(tmp_path):
    """Tiny Team (4 responses, suppressed) scores 9.5 with everyone leaving and 40% sickness: if it entered,
    r would move."""
    survey = survey_of(unit_score_rows("2024"))
    with_tiny = relate.relate_survey_hr(survey, hr.read_staff_file(team_month_csv(tmp_path / "a.csv")),
                                        measures=["compassionate_leadership"])
    without = {t: v for t, v in TEAMS.items() if t != "Tiny Team"}
    reference = relate.relate_survey_hr(survey_of(unit_score_rows("2024", without)),
                                        hr.read_staff_file(team_month_csv(tmp_path / "b.csv", without)),
                                        measures=["compassionate_leadership"])
    columns = ["n", "r", "rho", "p", "rate_ratio", "rr_ci_low", "rr_ci_high"]
    pd.testing.assert_frame_equal(with_tiny.table[columns], reference.table[columns])
    assert (with_tiny.table["n"] == len(SHOWN)).all()
    assert "Tiny Team" not in set(with_tiny.units["unit"])
    assert not any("Tiny Team" in note for note in with_tiny.notes)
    # the check has teeth: had the team entered, r would differ
    cl, *_ = shown_arrays()
    rates = [100 * TEAMS[t][5] / TEAMS[t][4] for t in [*SHOWN, "Tiny Team"]]
    leaky = sps.pearsonr([*cl, 9.5], rates).statistic
    assert abs(leaky - row(with_tiny.table, "compassionate_leadership", "leaver_rate")["r"]) > 0.05


def test_weights_and_covariates(hand):
    survey, records = hand
    weighted = relate.relate_survey_hr(survey, records, measures=["compassionate_leadership"],
                                       outcomes=["sickness_rate"], weights="responses")
    cl, _m, staff, _l, lost, available = shown_arrays()
    responses = np.array([TEAMS[t][1] for t in SHOWN], dtype=float)
    y = 100 * lost / available
    cov = np.cov(cl, y, aweights=responses)
    got = weighted.table.iloc[0]
    assert got["r"] == pytest.approx(cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1]), abs=TOL)
    assert "effective n" in got["note"]

    adjusted = relate.relate_survey_hr(survey, records, measures=["compassionate_leadership"],
                                       outcomes=["sickness_rate"], covariates=["mean_staff"])
    frame = pd.DataFrame({"x": cl, "y": y, "size": staff})
    reference = pg.partial_corr(frame, x="x", y="y", covar=["size"])
    got = adjusted.table.iloc[0]
    assert got["r"] == pytest.approx(reference["r"].iloc[0], abs=TOL)
    assert got["p"] == pytest.approx(reference["p_val"].iloc[0], abs=TOL)
    assert (got["r_ci_low"], got["r_ci_high"]) == pytest.approx(tuple(reference["CI95"].iloc[0]), abs=TOL)
    poisson = sm.GLM(lost, sm.add_constant(np.column_stack([cl, staff])), family=sm.families.Poisson(),
                     offset=np.log(available)).fit(scale="X2")
    assert got["rate_ratio"] == pytest.approx(math.exp(poisson.params[1]), abs=TOL)


def test_stratified_by_directorate_with_too_few_units_says_so(hand):
    survey, records = hand
    result = relate.relate_survey_hr(survey, records, measures=["compassionate_leadership"],
                                     outcomes=["leaver_rate"], by="directorate", include_pooled=True)
    assert list(result.table["group"]) == ["", "Medicine", "Surgery"]
    for group in ("Medicine", "Surgery"):
        got = row(result.table, "compassionate_leadership", "leaver_rate", group)
        assert got["n"] == 4
        assert math.isnan(got["r"]) and math.isnan(got["rate_ratio"])
        assert got["note"] == "too few units (n=4; at least 5 needed)"
    pooled = row(result.table, "compassionate_leadership", "leaver_rate")
    assert pooled["n"] == 8 and not math.isnan(pooled["r"])
    one = relate.relate_survey_hr(survey, records, measures=["compassionate_leadership"], outcomes=["leaver_rate"],
                                  directorate="Medicine")
    assert one.table["n"].tolist() == [4] and sorted(one.units["unit"]) == ["Ward A", "Ward B", "Ward C", "Ward D"]


def test_two_waves_one_bh_and_the_wave_in_group_of_the_cli_table(tmp_path):
    table = pd.concat([unit_score_rows("2024"), unit_score_rows("2023").assign(
        mean=lambda f: f["mean"] + np.where(f["unit"] == "Ward A", 0.9, 0.0))], ignore_index=True)
    months = pd.period_range("2023-04", "2025-03", freq="M")
    records = hr.read_staff_file(team_month_csv(tmp_path / "tm.csv", months=months))
    result = relate.relate_survey_hr(survey_of(table), records, measures=["compassionate_leadership"],
                                     outcomes=["leaver_rate", "sickness_rate"])
    assert result.waves == ["2023", "2024"]
    # One family per wave (analytics.relate.family): every measure the teams have x every HR outcome with
    # values, BH within the wave, whichever pairs were asked for.
    for wave in ("2023", "2024"):
        units = result.units[result.units["wave"] == wave]
        measures = [m for m in relate.DEFAULT_MEASURES if m in units.columns and units[m].notna().any()]
        family = [sps.pearsonr(units[x].astype(float), units[y].astype(float)).pvalue
                  for x in measures for y in ("leaver_rate", "sickness_rate")]
        adjusted = sps.false_discovery_control(family, method="bh")
        got = result.table[result.table["wave"] == wave]
        expected = adjusted[[measures.index("compassionate_leadership") * 2, measures.index("compassionate_leadership") * 2 + 1]]
        assert got["p_adj"].to_numpy() == pytest.approx(expected, abs=TOL)
    cli = result.cli_table()
    assert list(cli["group"]) == ["wave 2023", "wave 2023", "wave 2024", "wave 2024"]
    assert row(result.table, "compassionate_leadership", "leaver_rate", wave="2023")["window_start"] == \
        pd.Timestamp("2023-04-01")


def test_a_wave_the_hr_data_does_not_cover_is_skipped_by_default_and_refused_when_named(tmp_path):
    table = pd.concat([unit_score_rows("2024"), unit_score_rows("2021")], ignore_index=True)
    records = hr.read_staff_file(team_month_csv(tmp_path / "tm.csv"))
    result = relate.relate_survey_hr(survey_of(table), records, measures=["compassionate_leadership"])
    assert result.waves == ["2024"]
    assert any(note.startswith("Wave 2021 skipped") for note in result.notes)
    with pytest.raises(InputError, match="do not cover the concurrent window of the 2021 survey"):
        relate.relate_survey_hr(survey_of(table), records, waves=["2021"])


def test_default_outcomes_leave_out_what_the_hr_data_cannot_give(hand):
    survey, records = hand
    result = relate.relate_survey_hr(survey, records, measures=["compassionate_leadership"])
    assert list(result.table["y"]) == ["leaver_rate", "sickness_rate"]
    assert any("stability index" in note for note in result.notes)
    explicit = relate.relate_survey_hr(survey, records, measures=["compassionate_leadership"],
                                       outcomes=["stability_index"])
    assert explicit.table["note"].iloc[0] == "no values of 'stability_index' in these data"


def test_not_recorded_is_not_a_team(tmp_path):
    teams = {**TEAMS, settings.NOT_RECORDED_UNIT: ("Surgery", 50, 9.0, 9.0, 10, 0, 10.0, 3000.0)}
    survey = survey_of(unit_score_rows("2024", teams))
    records = hr.read_staff_file(team_month_csv(tmp_path / "tm.csv", teams))
    result = relate.relate_survey_hr(survey, records, measures=["compassionate_leadership"])
    assert settings.NOT_RECORDED_UNIT not in set(result.units["unit"])
    assert result.table["n"].tolist() == [8, 8]


def test_change_between_waves_matches_pearsonr_of_the_differences(tmp_path):
    later = unit_score_rows("2024")
    shift = {"Ward A": 0.8, "Ward B": -0.3, "Ward C": 0.1, "Ward D": 0.5, "Theatres": -0.6, "Day Surgery": 0.2,
             "Recovery": -0.1, "Critical Care": 0.4, "Tiny Team": 0.0}
    earlier = unit_score_rows("2023").assign(mean=lambda f: f["mean"] - f["unit"].map(shift))
    staff_2023 = {t: (*v[:5], v[5] + (3 if shift[t] > 0 else 0), *v[6:]) for t, v in TEAMS.items()}
    path = tmp_path / "tm.csv"
    lines = team_month_csv(tmp_path / "a.csv", staff_2023, pd.period_range("2023-04", "2024-03", freq="M"))
    second = team_month_csv(tmp_path / "b.csv", TEAMS, MONTHS)
    text = open(lines, encoding="utf-8").read() + "".join(open(second, encoding="utf-8").readlines()[1:])
    path.write_text(text, encoding="utf-8")
    result = relate.relate_change(survey_of(pd.concat([earlier, later], ignore_index=True)),
                                  hr.read_staff_file(path), wave_from="2023", wave_to="2024",
                                  measures=["compassionate_leadership"], outcomes=["leaver_rate"])
    delta_score = np.array([shift[t] for t in SHOWN])
    delta_rate = np.array([100 * TEAMS[t][5] / TEAMS[t][4] - 100 * staff_2023[t][5] / staff_2023[t][4] for t in SHOWN])
    got = result.table.iloc[0]
    assert got["x"] == "change in compassionate_leadership" and got["y"] == "change in leaver_rate"
    assert got["n"] == len(SHOWN)
    assert got["r"] == pytest.approx(sps.pearsonr(delta_score, delta_rate).statistic, abs=TOL)
    assert got["wave"] == "2023 to 2024"
    with pytest.raises(InputError, match="two different waves"):
        relate.relate_change(survey_of(later), None, wave_from="2024", wave_to="2024")


@pytest.mark.parametrize("kwargs, message", [
    ({"window_kind": "sideways"}, "The window must be one of: concurrent, lagged"),
    ({"measures": ["happiness"]}, "no survey measure 'happiness'"),
    ({"outcomes": ["turnover"]}, "no outcome 'turnover'"),
    ({"by": "ward"}, "Stratify by one of"),
    ({"by": "directorate", "level": "directorate"}, "needs teams as the unit of analysis"),
    ({"level": "organisation"}, "not 'organisation'"),
    ({"covariates": ["age"]}, "Adjust for any of"),
    ({"weights": "staff"}, "Weights can only be 'responses'"),
    ({"by": "staff_mix"}, "Staff mix needs a staff group column"),
    ({"waves": ["2019"]}, "no wave '2019'"),
    ({"exclusions": HRExclusions(doctors_in_training=True)}, "cannot be excluded from team-month figures"),
])
def test_refusals(hand, kwargs, message):
    survey, records = hand
    with pytest.raises(InputError, match=message):
        relate.relate_survey_hr(survey, records, **kwargs)


def test_hr_outcomes_need_hr_data_but_survey_measures_do_not(hand):
    survey, _ = hand
    with pytest.raises(InputError, match="needs HR data"):
        relate.relate_survey_hr(survey, None, outcomes=["leaver_rate"])
    with pytest.raises(InputError, match="HR outcomes need HR data"):
        relate.relate_survey_hr(survey, None)
    with pytest.raises(InputError, match="when there is HR data"):
        relate.relate_survey_hr(survey, None, outcomes=["morale"], exclusions=HRExclusions(staff_groups=["Nursing"]))
    result = relate.relate_survey_hr(survey, None, measures=["compassionate_leadership"], outcomes=["morale"])
    cl, morale, *_ = shown_arrays()
    assert result.table["r"].iloc[0] == pytest.approx(sps.pearsonr(cl, morale).statistic, abs=TOL)
    assert result.table["window"].iloc[0] == "no HR window"


# =================================================================================================
# Staff mix (employee-level records)
# =================================================================================================
STAFF_CSV = """Employee Number,Directorate,Team,Staff Group,Job Role,Assignment Start Date,Termination Date,FTE
1,D1,Ward X,Nursing and Midwifery Registered,Staff Nurse,01/01/2020,,1
2,D1,Ward X,Nursing and Midwifery Registered,Staff Nurse,01/01/2020,30/09/2024,1
3,D1,Ward X,Additional Clinical Services,Healthcare Assistant,01/01/2020,,1
4,D1,Ward X,Nursing and Midwifery Registered,Staff Nurse,01/10/2024,,1
5,D1,Office,Administrative and Clerical,Administrator,01/01/2020,,1
6,D1,Office,Administrative and Clerical,Administrator,01/01/2020,,1
7,D1,Office,Nursing and Midwifery Registered,Nurse Manager,01/01/2020,31/12/2024,1
"""


def test_staff_mix_counts_heads_at_the_start_and_end_of_the_window(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(STAFF_CSV, encoding="utf-8")
    records = hr.read_staff_file(path)
    mix = relate.staff_mix(records, start="2024-04-01", end="2025-03-31").set_index("unit")
    # Ward X: start 1 April 2024 nurses {1, 2} of {1, 2, 3}; end 31 March 2025 nurses {1, 4} of {1, 3, 4}
    assert mix.loc["Ward X", "pct_registered_nursing"] == pytest.approx(100 * (2 + 2) / (3 + 3))
    assert mix.loc["Ward X", "main_staff_group"] == "Nursing and Midwifery Registered"
    assert mix.loc["Ward X", "staff_mix_band"] == "50% or more registered nursing"
    # Office: start {5, 6, 7} with one nurse; end {5, 6}
    assert mix.loc["Office", "pct_registered_nursing"] == pytest.approx(100 * (1 + 0) / (3 + 2))
    assert mix.loc["Office", "staff_mix_band"] == "20% to under 50% registered nursing"
    assert relate.staff_mix_band(float("nan")) is None


def test_shared_items_between_measures():
    book = load_codebook()
    assert relate.shared_items(book, "morale", "thinking_about_leaving") == ("q26a", "q26b", "q26c")
    assert relate.shared_items(book, "line_management", "stressors") == ("q9a",)
    assert relate.shared_items(book, "compassionate_leadership", "morale") == ()
    assert relate.shared_items(book, "leaver_rate", "morale") == ()


# =================================================================================================
# Unit-level files
# =================================================================================================
UNITS_CSV = """Organisation,Benchmarking group,Responses,Compassionate and inclusive,Sickness rate
Trust 1,Acute,1200,7.1,5.6%
Trust 2,Acute,950,6.8,"6.1%"
Trust 3,Acute,1500,7.4,4.9%
Trust 4,Acute,800,6.5,6.4%
Trust 5,Acute,1100,7.0,5.2%
Trust 6,Acute,1300,7.3,5.8%
Trust 7,Mental health,600,7.2,4.8%
Trust 8,Mental health,700,6.9,5.9%
Trust 9,Mental health,650,7.5,4.4%
Trust 10,Mental health,720,6.6,6.6%
Trust 11,Mental health,540,7.1,5.1%
Trust 12,Mental health,*,*,5.0%
Trust 13,Mental health,8,6.0,9.0%
"""


def test_unit_file_read_and_related_by_benchmarking_group(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    frame, notes = relate.read_units_file(path, unit_col="organisation", columns=["Compassionate and inclusive",
                                          "Sickness rate"], text_columns=["Benchmarking group"])
    assert "Trust 13" not in set(frame["organisation"])       # 8 responses < 11
    assert any("fewer than 11 responses" in note for note in notes)
    assert math.isnan(frame.loc[frame["organisation"] == "Trust 12", "Compassionate and inclusive"].iloc[0])
    result = relate.relate_units(frame, "organisation", "Compassionate and inclusive", "Sickness rate",
                                 by="Benchmarking group", include_pooled=True)
    assert list(result.table["group"]) == ["", "Acute", "Mental health"]
    acute = ([7.1, 6.8, 7.4, 6.5, 7.0, 7.3], [5.6, 6.1, 4.9, 6.4, 5.2, 5.8])
    mental = ([7.2, 6.9, 7.5, 6.6, 7.1], [4.8, 5.9, 4.4, 6.6, 5.1])
    pooled = (acute[0] + mental[0], acute[1] + mental[1])
    for group, (x, y) in (("Acute", acute), ("Mental health", mental), ("", pooled)):
        got = row(result.table, "Compassionate and inclusive", "Sickness rate", group)
        assert got["n"] == len(x)
        assert got["r"] == pytest.approx(sps.pearsonr(x, y).statistic, abs=TOL)
        assert got["rho"] == pytest.approx(sps.spearmanr(x, y).statistic, abs=TOL)
    assert result.table["unit_of_analysis"].iloc[0] == "organisation"


@pytest.mark.parametrize("text, message", [
    ("Organisation,CL,Sick\nA,7.1,high\n", r"row 2: 'high' is not a number"),
    ("Organisation,CL,Sick\nA,7.1,5\n,6.0,4\n", r"row 3: This row has figures but no unit name"),
    ("Organisation,CL,Sick\nA,7.1,5\na ,6.0,4\n", r"row 3: The unit 'a' appears twice"),
    ("Organisation,CL\nA,7.1\n", r"There is no result column called 'Sick'"),
])
def test_unit_file_refusals(tmp_path, text, message):
    path = tmp_path / "units.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        relate.read_units_file(path, unit_col="Organisation", columns=["CL", "Sick"])


def test_relate_units_refuses_a_unit_twice():
    frame = pd.DataFrame({"unit": ["A", "a"], "x": [1.0, 2.0], "y": [1.0, 3.0]})
    with pytest.raises(InputError, match="appears more than once"):
        relate.relate_units(frame, "unit", "x", "y")
    with pytest.raises(InputError, match="no unit column 'team'"):
        relate.relate_units(frame, "team", "x", "y")


# =================================================================================================
# Respondent level: drivers and within/between slopes
# =================================================================================================
ITEMS = ("q9f", "q9g", "q9h", "q9i", "q9a", "q26a", "q3g", "q3a", "q7h", "q6a")


@pytest.fixture(scope="module")
def respondent_survey() -> SurveyResults:
    """12 teams of 6 to 30 respondents; two teams below 11 (suppressed)."""
    rng = np.random.default_rng(7)
    sizes = [30, 25, 22, 20, 18, 16, 15, 14, 13, 12, 8, 6]
    rows, items = [], []
    for index, size in enumerate(sizes):
        team_level = rng.normal(0, 0.8)
        for _ in range(size):
            behaviours = np.clip(7 + team_level + rng.normal(0, 1.5, 4), 0, 10)
            cl = behaviours.mean()
            leaving = np.clip(3 + 0.4 * cl + rng.normal(0, 1.2), 0, 10)
            pressure = np.clip(4 + 0.2 * cl + rng.normal(0, 1.5), 0, 10)
            stress = np.clip(4 + 0.3 * cl + rng.normal(0, 1.0), 0, 10)
            rows.append({"wave": "2024", "directorate": "D1" if index % 2 else "D2", "team": f"Team {index + 1}",
                         "compassionate_leadership": cl, "line_management": np.clip(cl + rng.normal(0, 0.7), 0, 10),
                         "inclusion": np.clip(6 + 0.3 * cl + rng.normal(0, 1), 0, 10),
                         "compassionate_culture": np.clip(5 + 0.3 * cl + rng.normal(0, 1), 0, 10),
                         "thinking_about_leaving": leaving, "work_pressure": pressure, "stressors": stress,
                         "morale": (leaving + pressure + stress) / 3})
            items.append(dict(zip(ITEMS, [*behaviours, *rng.uniform(0, 10, len(ITEMS) - 4)])))
    respondents = pd.DataFrame(rows)
    item_scores = pd.DataFrame(items)
    book = load_codebook()
    scored = ScoredResponses(respondents=respondents, item_scores=item_scores, findings=pd.DataFrame(), codebook=book)
    table = unit_scores(scored, book, min_group_size=11)
    return SurveyResults(unit_scores=table, item_results=pd.DataFrame(), findings=pd.DataFrame(), min_group_size=11,
                         scored=scored, codebook=book)


def test_drivers_equal_shapley_r2_on_the_waves_respondents(respondent_survey):
    result = relate.drivers(respondent_survey, "morale", predictors=relate.DRIVERS_ITEMS, wave="2024")
    data = pd.concat([respondent_survey.scored.respondents[["morale"]], respondent_survey.scored.item_scores], axis=1)
    direct = stats.shapley_r2(data, "morale", ["q9f", "q9g", "q9h", "q9i"])
    pd.testing.assert_frame_equal(result.table.reset_index(drop=True), direct[list(relate.DRIVER_COLUMNS)])
    assert result.n == len(data) and result.r2 == pytest.approx(direct["shapley_r2"].sum())
    assert result.table["share"].sum() == pytest.approx(1.0)
    # R² of the full OLS model is the sum of the parts
    ols = sm.OLS(data["morale"], sm.add_constant(data[["q9f", "q9g", "q9h", "q9i"]])).fit()
    assert result.r2 == pytest.approx(ols.rsquared, abs=TOL)


def test_drivers_leave_out_sub_scores_sharing_questions_with_the_outcome(respondent_survey):
    result = relate.drivers(respondent_survey, "morale", predictors=relate.DRIVERS_SUB_SCORES)
    assert result.predictors == ["compassionate_leadership", "inclusion", "compassionate_culture"]
    assert any("'line_management' shares question(s) q9a" in note for note in result.notes)
    leaving = relate.drivers(respondent_survey, "thinking_about_leaving", predictors=relate.DRIVERS_SUB_SCORES)
    assert "stressors" in leaving.predictors and "line_management" in leaving.predictors


def test_drivers_need_as_many_respondents_as_the_anonymity_threshold(respondent_survey):
    small = SurveyResults(unit_scores=respondent_survey.unit_scores, item_results=pd.DataFrame(),
                          findings=pd.DataFrame(), min_group_size=500, scored=respondent_survey.scored,
                          codebook=respondent_survey.codebook)
    result = relate.drivers(small, "morale")
    assert result.table.empty and result.n == 30 + 25 + 22 + 20 + 18 + 16 + 15 + 14 + 13 + 12 + 8 + 6
    assert "at least 500 are needed" in result.notes[-1]
    with pytest.raises(InputError, match="Choose the predictors"):
        relate.drivers(respondent_survey, "morale", predictors="everything")
    with pytest.raises(InputError, match="not shown in wave 2024"):
        relate.drivers(respondent_survey, "morale", directorate="Nowhere")


def test_within_between_uses_only_respondents_of_shown_teams(respondent_survey):
    result = relate.within_between(respondent_survey, "thinking_about_leaving", wave="2024")
    respondents = respondent_survey.scored.respondents
    # Teams 11 and 12 have fewer than 11 respondents; complementary suppression also hides the next
    # smallest team of each directorate (Team 9 in D2, Team 10 in D1).
    us = respondent_survey.unit_scores
    hidden = set(us.loc[(us["level"] == "team") & us["suppressed"], "unit"])
    assert hidden == {"Team 9", "Team 10", "Team 11", "Team 12"}
    shown = respondents[~respondents["team"].isin(hidden)]
    direct = stats.mixed_slopes(shown, "thinking_about_leaving", "compassionate_leadership", "team")
    assert result.table["n_teams"].tolist() == [8, 8]
    assert result.table["n_respondents"].iloc[0] == len(shown)
    assert result.table["coef"].to_numpy() == pytest.approx(direct["coef"].to_numpy(), abs=TOL)
    assert result.table["ci_low"].to_numpy() == pytest.approx(direct["ci_low"].to_numpy(), abs=TOL)
    assert result.unit_of_analysis == "respondent" and result.wave == "2024"


# =================================================================================================
# The sample trust: planted effects recovered
# =================================================================================================
@pytest.fixture(scope="module")
def sample():
    dataset = load_dataset(sample_spec())
    team_month = hr.read_staff_file(SAMPLE_DIR / "hr_team_month.csv")
    return dataset, team_month


@pytest.fixture(scope="module")
def sample_relations(sample):
    dataset, team_month = sample
    return relate.relate_survey_hr(dataset.survey, team_month, measures=["compassionate_leadership"],
                                   outcomes=["leaver_rate", "sickness_rate", "morale"])


def test_sample_trust_leaver_and_sickness_ratios_per_point_are_below_one(sample_relations):
    """Planted: leaving hazard exp(-0.16) = 0.852 and sickness exp(-0.105) = 0.900 per point, diluted
    towards 1 by sampling error in team means (sample_data/README.md, "What an analysis recovers")."""
    table = sample_relations.table
    assert sample_relations.waves == ["2023", "2024", "2025"]
    for wave in sample_relations.waves:
        leaving = row(table, "compassionate_leadership", "leaver_rate", wave=wave)
        sickness = row(table, "compassionate_leadership", "sickness_rate", wave=wave)
        morale = row(table, "compassionate_leadership", "morale", wave=wave)
        assert leaving["n"] == 48 and sickness["n"] == 48
        assert 0.84 <= leaving["rate_ratio"] <= 0.92, wave
        assert 0.86 <= sickness["rate_ratio"] <= 0.93, wave
        assert leaving["r"] < 0 and sickness["r"] < 0
        assert morale["r"] > 0.6, wave
    assert row(table, "compassionate_leadership", "leaver_rate", wave="2024")["rr_ci_high"] < 1


def test_sample_trust_employee_files_agree_once_doctors_in_training_are_excluded(sample, sample_relations):
    dataset, _ = sample
    raw_hr = load_hr(sample_spec())                   # as read: doctors in training included
    esr = relate.relate_survey_hr(dataset.survey, raw_hr, waves=["2024"], measures=["compassionate_leadership"],
                                  outcomes=["leaver_rate", "sickness_rate"], exclusions=HRExclusions(doctors_in_training=True))
    # the dashboard's dataset leaves them out by default: the same figures
    default = relate.relate_survey_hr(dataset.survey, dataset.hr, waves=["2024"],
                                      measures=["compassionate_leadership"], outcomes=["leaver_rate", "sickness_rate"])
    pd.testing.assert_frame_equal(esr.table, default.table)
    for y in ("leaver_rate", "sickness_rate"):
        got = row(esr.table, "compassionate_leadership", y)["rate_ratio"]
        expected = row(sample_relations.table, "compassionate_leadership", y, wave="2024")["rate_ratio"]
        assert got == pytest.approx(expected, abs=0.01)      # team-month file: trainees already out
    assert "doctors in training" in esr.exclusions
    rotating = relate.relate_survey_hr(dataset.survey, raw_hr, waves=["2024"],
                                       measures=["compassionate_leadership"], outcomes=["leaver_rate"])
    assert any("leaver rate above 50%" in note for note in rotating.notes)


def test_sample_trust_respondent_level_analyses(sample):
    dataset, _ = sample
    drivers = relate.drivers(dataset.survey, "morale", wave="2024")
    assert list(drivers.table["predictor"]) == ["q9f", "q9g", "q9h", "q9i"]
    assert drivers.n > 1500 and (drivers.table["r"] > 0.3).all()
    slopes = relate.within_between(dataset.survey, "morale", wave="2024").table.set_index("term")
    assert slopes.loc[stats.MIXED_TERM_BETWEEN, "coef"] == pytest.approx(0.45, abs=0.15)   # planted team slope
    assert slopes.loc[stats.MIXED_TERM_WITHIN, "ci_low"] > 0
    assert (slopes["n_teams"] == 48).all()


# =================================================================================================
# Prepared joins (wave_units): the same results, reused across directorates and analyses
# =================================================================================================
def test_prepared_wave_units_give_the_same_results(sample):
    """A join made once per wave (what the page caches) gives exactly the tables and notes of a join made
    inside each call, for the whole organisation, a directorate, a stratified and adjusted pair, and the
    change between waves."""
    dataset, _ = sample
    survey, records = dataset.survey, dataset.hr      # employee-level: staff mix and stability present
    prepared = [relate.wave_units(survey, records, wave=w) for w in ("2024", "2025")]
    directorate = sorted(set(prepared[1].frame["parent"]))[0]
    calls = [
        dict(waves=["2025"]),
        dict(waves=["2025"], directorate=directorate),
        dict(waves=["2025"], measures=["compassionate_leadership"], outcomes=["leaver_rate"],
             by=relate.BY_STAFF_MIX, include_pooled=True, covariates=[relate.COVARIATE_TEAM_SIZE]),
    ]
    for kwargs in calls:
        fresh = relate.relate_survey_hr(survey, records, **kwargs)
        reused = relate.relate_survey_hr(survey, records, prepared=prepared, **kwargs)
        pd.testing.assert_frame_equal(reused.table, fresh.table)
        pd.testing.assert_frame_equal(reused.units, fresh.units)
        assert reused.notes == fresh.notes and reused.windows == fresh.windows
    fresh = relate.relate_change(survey, records, wave_from="2024", wave_to="2025", directorate=directorate)
    reused = relate.relate_change(survey, records, wave_from="2024", wave_to="2025", directorate=directorate,
                                  prepared=prepared)
    pd.testing.assert_frame_equal(reused.table, fresh.table)
    assert reused.notes == fresh.notes
    # The prepared join is not changed by a call that filters it.
    assert len(prepared[1].frame) == len(relate.wave_units(survey, records, wave="2025").frame)
    assert set(prepared[1].frame["parent"]) != {directorate}


def test_prepared_wave_units_must_match_the_analysis(sample):
    dataset, _ = sample
    lagged = [relate.wave_units(dataset.survey, dataset.hr, wave="2024", window_kind="lagged")]
    with pytest.raises(InputError, match="made for the lagged window at team level; this analysis needs the "
                                         "concurrent window"):
        relate.relate_survey_hr(dataset.survey, dataset.hr, waves=["2024"], prepared=lagged)
    survey_only = [relate.wave_units(dataset.survey, None, wave="2024")]
    with pytest.raises(InputError, match="without HR data"):
        relate.relate_survey_hr(dataset.survey, dataset.hr, waves=["2024"], prepared=survey_only)
    with pytest.raises(InputError, match="not 'organisation'"):
        relate.wave_units(dataset.survey, None, wave="2024", level="organisation")


def test_without_count_models_the_correlations_are_unchanged(hand):
    survey, records = hand
    kwargs = dict(measures=["compassionate_leadership", "morale"], outcomes=["leaver_rate", "sickness_rate"])
    full = relate.relate_survey_hr(survey, records, **kwargs)
    lean = relate.relate_survey_hr(survey, records, count_models=False, **kwargs)
    assert full.table["rate_ratio"].notna().all()
    assert lean.table[list(relate.RATE_RATIO_COLUMNS)].isna().all().all()
    columns = ["x", "y", "n", "r", "r_ci_low", "r_ci_high", "p", "p_adj", "rho", "rho_ci_low", "rho_ci_high"]
    pd.testing.assert_frame_equal(lean.table[columns], full.table[columns])
