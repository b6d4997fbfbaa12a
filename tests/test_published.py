"""Published results (issue 11): shapes, column kinds, comparators, files without counts, complementary
suppression against total rows. Small generated files; expected values by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from cli import main
from analytics.ingest.codebook import load_codebook
from analytics.ingest.column_kinds import decide_kind
from analytics.ingest.comparators import comparator_kind
from analytics.ingest.published_cells import _parse_cell
from analytics.ingest.published_shapes import likert_figures
from analytics.ingest.raw import RawTable
from analytics.ingest.unit_level import read_unit_results
from analytics.survey.pipeline import SurveySource, score_survey_files


@pytest.fixture(scope="module")
def nss():
    return load_codebook()


def make_raw(data: dict, file_name="results_2025.csv") -> RawTable:
    rows = len(next(iter(data.values())))
    return RawTable(frame=pd.DataFrame(data, index=range(2, 2 + rows)), file_name=file_name)


def kinds(result) -> dict[str, str]:
    return dict(zip(result.column_kinds["column"], result.column_kinds["kind"]))


def value(frame: pd.DataFrame, unit: str, measure: str, wave: str | None = None) -> float:
    rows = frame.loc[(frame["unit"] == unit) & (frame["measure"] == measure)]
    if wave is not None:
        rows = rows.loc[rows["wave"] == wave]
    (v,) = rows["value"].tolist()
    return v


# -- comparators ------------------------------------------------------------------------------------

@pytest.mark.parametrize("label, kind", [
    ("CS_MEDIAN", "median"), ("CS_MEAN", "mean"), ("All teams", "total"), ("Combined results", "total"),
    ("Best", "best"), ("Lowest", "worst"), ("Highest", "best"), ("National average", "mean"),
    ("Benchmark group", "benchmark_group"), ("Total", "total"), ("Ward 7", None), ("Top Floor Ward", None),
    ("Acute Medicine", None),
])
def test_comparator_kind(label, kind):
    assert comparator_kind(label) == kind


# -- column kinds -----------------------------------------------------------------------------------

@pytest.mark.parametrize("header, values, kind", [
    ("Burned_out_rate", [31.2, 8.5], "pct_unfavourable"),
    ("Stress_rate", [0.42, 0.38], "fraction"),
    ("Emotional_manager_rate", [61.0, 58.2], "pct_favourable"),
    ("Staff_response_rate", [0.54, 0.61], "response_rate"),
    ("Local figure", [0.54, 0.61], "fraction"),       # values <= 1 with decimals
    ("Local figure", [54.0, 61.0], "pct_favourable"),  # values > 10
    ("Local figure", [5.4, 6.1], "score_0_10"),
    ("Low %", [4.0, 7.5], "pct_favourable"),            # % header: a low percentage stays a percentage
    ("Low", ["4%", "7.5%"], "pct_favourable"),          # % strings likewise
    ("Respondents", [40, 52], "count"),
])
def test_kind_rules(header, values, kind):
    cells = [_parse_cell(v) for v in values]
    assert decide_kind([header], cells)[0] == kind


def test_org_by_year_rates_and_fractions(nss):
    """NSS organisational results: rates as 0–100, response rates as 0–1 fractions, no counts."""
    raw = make_raw({
        "ODS code": ["RAA", "RAA", "RBB", "RBB"],
        "Year": [2023, 2024, 2023, 2024],
        "Burned_out_rate": [31.0, 29.5, 8.0, 9.5],
        "Stress_rate": [44.0, 41.0, 39.0, 40.5],
        "Staff_response_rate": [0.5, 0.52, 0.61, 0.6],
        "Emotional_manager_rate": [6.0, 7.5, 9.0, 8.0],
    })
    result = read_unit_results(raw, nss)
    k = kinds(result)
    assert k["Burned_out_rate"] == "pct_unfavourable" and k["Stress_rate"] == "pct_unfavourable"
    assert k["Staff_response_rate"] == "response_rate"
    assert k["Emotional_manager_rate"] == "pct_favourable"  # low percentages (<= 10), header 'rate'
    assert value(result.frame, "RBB", "Burned_out_rate", "2023") == 8.0
    assert set(result.frame.loc[result.frame["measure"] == "Stress_rate", "value_kind"]) == {"pct_unfavourable"}
    # The response rate is a property of the unit, in %, not a measure.
    assert "Staff_response_rate" not in set(result.frame["measure"])
    props = result.unit_properties
    assert props.loc[(props["unit"] == "RAA") & (props["wave"] == "2024"), "value"].item() == pytest.approx(52.0)
    assert result.published_without_counts and result.frame["n"].isna().all()
    assert result.wave_col == "Year"


def test_user_overrides_a_kind(nss):
    raw = make_raw({"Organisation": ["A", "B"], "Responses": [40, 50], "Index": [5.5, 6.5]})
    assert kinds(read_unit_results(raw, nss))["Index"] == "score_0_10"
    result = read_unit_results(raw, nss, column_kinds={"Index": "pct_unfavourable"})
    assert kinds(result)["Index"] == "pct_unfavourable"
    assert set(result.frame["value_kind"]) == {"pct_unfavourable"}


# -- files without counts -----------------------------------------------------------------------------

def test_civil_service_percent_strings_without_counts(tmp_path):
    path = tmp_path / "cs_people_survey_2024.csv"
    path.write_text("Organisation,Engagement index,Pay and benefits\n"
                    "Dept A,63%,31%\nDept B,58%,4%\nCS_MEDIAN,61%,29%\nCS_MEAN,60%,30%\n", encoding="utf-8")
    results = score_survey_files([SurveySource.from_path(path)])
    units = results.unit_scores
    assert sorted(units["unit"].unique()) == ["Dept A", "Dept B"]  # CS_MEDIAN / CS_MEAN are not units
    a = units.loc[(units["unit"] == "Dept A") & (units["measure"] == "Engagement index")].iloc[0]
    assert a["pct_positive"] == 63.0 and pd.isna(a["n"]) and not a["suppressed"]
    b = units.loc[(units["unit"] == "Dept B") & (units["measure"] == "Pay and benefits")].iloc[0]
    assert b["pct_positive"] == 4.0  # a low percentage is not a score
    assert results.published_without_counts
    comp = results.comparators
    assert set(comp["kind"]) == {"median", "mean"}
    assert comp.loc[(comp["unit"] == "CS_MEDIAN") & (comp["measure"] == "Engagement index"), "pct_positive"].item() == 61


def test_people_promise_trust_file_without_counts(tmp_path, capsys):
    path = tmp_path / "nss_pp_2025.csv"
    path.write_text("Trust code,Trust name,Compassionate leadership,Morale,Sickness rate\n"
                    "RAA,Alpha NHS Trust,7.01,5.92,4.8\nRBB,Beta NHS Trust,6.85,5.71,5.6\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Published figures, already anonymised" in out
    assert "Sickness rate | pct_unfavourable | header says 'rate'" in out
    out_file = tmp_path / "scores.csv"
    assert main(["score", str(path), "--out", str(out_file)]) == 0
    table = pd.read_csv(out_file)
    row = table.loc[(table["measure"] == "compassionate_leadership")].set_index("unit")
    assert row["mean"].to_dict() == {"RAA": 7.01, "RBB": 6.85} or row["mean"].to_dict() == {
        "Alpha NHS Trust": 7.01, "Beta NHS Trust": 6.85}
    assert table["pct_unfavourable"].dropna().tolist() == [4.8, 5.6]


# -- Likert distributions -------------------------------------------------------------------------------

def test_likert_figures_by_hand():
    # Shares 10/20/30/25/15 on a 5-point scale: score = (0*10 + 2.5*20 + 5*30 + 7.5*25 + 10*15) / 100 = 5.375;
    # % positive = 25 + 15 = 40.
    score, positive = likert_figures({1: 10, 2: 20, 3: 30, 4: 25, 5: 15}, 5, reverse=False)
    assert score == pytest.approx(5.375) and positive == pytest.approx(40.0)
    # Reverse-keyed: position p scores as 6 - p: (10*10 + 7.5*20 + 5*30 + 2.5*25 + 0*15) / 100 = 4.625;
    # favourable = the two disagree options = 10 + 20 = 30.
    score, positive = likert_figures({1: 10, 2: 20, 3: 30, 4: 25, 5: 15}, 5, reverse=True)
    assert score == pytest.approx(4.625) and positive == pytest.approx(30.0)


def test_likert_table(nss):
    raw = make_raw({
        "Trust": ["Alpha", "Beta"],
        "q9f.Strongly.disagree": [10, 5], "q9f.Disagree": [20, 5], "q9f.Neither.agree.nor.disagree": [30, 10],
        "q9f.Agree": [25, 40], "q9f.Strongly.agree": [15, 40], "q9f.Respondents": [120, 8],
        "q26a.Strongly.disagree": [0.1, 0.2], "q26a.Disagree": [0.2, 0.2],
        "q26a.Neither.agree.nor.disagree": [0.3, 0.2], "q26a.Agree": [0.25, 0.2], "q26a.Strongly.agree": [0.15, 0.2],
        "q26a.Respondents": [118, 8],
    })
    result = read_unit_results(raw, nss)
    f = result.frame
    assert result.shape == "Likert distributions"
    score = f.loc[(f["unit"] == "Alpha") & (f["measure"] == "q9f") & (f["value_kind"] == "score"), "value"].item()
    assert score == pytest.approx(5.375)
    # Beta: (0*5 + 2.5*5 + 5*10 + 7.5*40 + 10*40) / 100 = 7.625; % positive 80.
    beta = f.loc[(f["unit"] == "Beta") & (f["measure"] == "q9f")].set_index("value_kind")
    assert beta.loc["score", "value"] == pytest.approx(7.625) and beta.loc["pct_positive", "value"] == 80
    assert beta.loc["score", "n"] == 8
    # q26a is reverse-keyed in the codebook: Alpha 4.625 (as by hand above), Beta 5.0 (uniform).
    q26 = f.loc[(f["measure"] == "q26a") & (f["value_kind"] == "score")].set_index("unit")["value"]
    assert q26["Alpha"] == pytest.approx(4.625) and q26["Beta"] == pytest.approx(5.0)


# -- contractor's long breakdown ------------------------------------------------------------------------

def test_long_breakdown(nss):
    raw = make_raw({
        "Year": [2025] * 6,
        "QuestionNumber": ["Q9f", "Q9f", "Q9f", "Q9h", "Q9h", "Q9h"],
        "QuestionText": ["My immediate manager works together with me ..."] * 3 + ["cares"] * 3,
        "DimName": ["Organisation", "Team", "Team", "Organisation", "Team", "Team"],
        "DimValue": ["Trust", "Ward 1", "Ward 2", "Trust", "Ward 1", "Ward 2"],
        "BaseSize": [300, 40, 25, 298, 39, 25],
        "Score": [61.0, 64.5, 55.0, 70.0, 71.0, 66.0],
    })
    result = read_unit_results(raw, nss)
    assert result.shape == "long breakdown" and result.level == "team"
    f = result.frame
    assert sorted(f["unit"].unique()) == ["Ward 1", "Ward 2"]
    row = f.loc[(f["unit"] == "Ward 1") & (f["measure"] == "q9h")].iloc[0]
    assert (row["n"], row["value"], row["value_kind"], row["wave"]) == (39, 71.0, "pct_positive", "2025")
    assert set(result.comparators["kind"]) == {"total"} and set(result.comparators["unit"]) == {"Trust"}


# -- NSS benchmark workbook -------------------------------------------------------------------------------

def test_benchmark_workbook(nss):
    raw = make_raw({
        "Org code": ["RAA", "RBB", "Median"],
        "pp1_2_2024": [6.9, 7.1, 7.0], "pp1_2_n_2024": [800, 650, None], "pp1_2_sig_2025": ["", "higher", ""],
        "pp1_2_2025": [7.0, 7.2, 7.1], "pp1_2_n_2025": [820, 700, None],
    }, file_name="nss_benchmark.xlsx")
    result = read_unit_results(raw, nss)
    assert result.shape == "NSS benchmark workbook"
    f = result.frame
    assert len(f) == 4  # 2 organisations x 2 years; the median row is a comparator
    row = f.loc[(f["unit"] == "RBB") & (f["wave"] == "2025")].iloc[0]
    assert (row["n"], row["value"], row["value_kind"]) == (700, 7.2, "score")
    assert set(result.comparators["kind"]) == {"median"}


# -- complementary suppression against a total row ---------------------------------------------------------

def test_complementary_suppression_against_total(tmp_path):
    """k = 11. Ward C (n = 6) is hidden; were the total shown next to A and B, C's mean would follow by
    subtraction: (60*6.5 - 30*6.0 - 24*7.0) / 6 = 7.0. So B (next-smallest, 24) is hidden too, and the
    total's n stays shown (two teams hidden, together 30 >= 11)."""
    path = tmp_path / "teams_2025.csv"
    path.write_text("Team,Responses,Morale\nWard A,30,6.0\nWard B,24,7.0\nWard C,6,7.0\nAll teams,60,6.5\n",
                    encoding="utf-8")
    results = score_survey_files([SurveySource.from_path(path)], min_group_size=11)
    units = results.unit_scores.set_index("unit")
    assert sorted(units.index) == ["Ward A", "Ward B", "Ward C"]
    assert units.loc["Ward C", "suppressed_reason"] == "primary" and pd.isna(units.loc["Ward C", "mean"])
    assert units.loc["Ward B", "suppressed_reason"] == "complementary" and pd.isna(units.loc["Ward B", "mean"])
    assert units.loc["Ward A", "mean"] == 6.0 and not units.loc["Ward A", "suppressed"]
    total = results.comparators.set_index("unit").loc["All teams"]
    assert total["kind"] == "total" and total["mean"] == 6.5 and total["n"] == 60
    assert not results.published_without_counts


def test_single_team_under_total_hides_total_count(tmp_path):
    """One team listed, hidden (n = 6 < 11), under a total of 40: the total's n is blanked."""
    path = tmp_path / "teams_2025.csv"
    path.write_text("Team,Responses,Morale\nWard C,6,7.0\nTotal,40,6.5\n", encoding="utf-8")
    results = score_survey_files([SurveySource.from_path(path)], min_group_size=11)
    total = results.comparators.set_index("unit").loc["Total"]
    assert pd.isna(total["n"]) and total["mean"] == 6.5


def test_org_by_year_keyed_by_ods_code_when_names_change(nss):
    raw = make_raw({
        "Survey year": [2023, 2024, 2023, 2024],
        "ODS code": ["RAA", "RAA", "RBB", "RBB"],
        "Organisation name": ["Alpha Hospitals NHS Trust", "Alpha University NHS FT", "Beta NHS FT", "Beta NHS FT"],
        "Morale": [5.9, 6.1, 5.7, 5.8],
    })
    result = read_unit_results(raw, nss)
    assert result.unit_col == "ODS code" and sorted(result.frame["unit"].unique()) == ["RAA", "RBB"]
    assert value(result.frame, "RAA", "morale", "2024") == 6.1
    assert result.unit_labels["RAA"] == "Alpha University NHS FT"  # the latest name


def test_year_suffixed_columns_without_counts(nss):
    raw = make_raw({"Trust": ["Alpha", "Beta"], "theme_morale_2024": [5.9, 6.0], "theme_morale_2025": [6.1, 6.2],
                    "Burned_out_rate_2025": [30.5, 28.0]})
    result = read_unit_results(raw, nss)
    assert result.shape == "NSS benchmark workbook" and result.published_without_counts
    f = result.frame
    assert value(f, "Beta", "Burned_out_rate", "2025") == 28.0
    alpha_2024 = f.loc[(f["unit"] == "Alpha") & (f["wave"] == "2024")].set_index("measure")["value"]
    assert alpha_2024["morale"] == 5.9  # "theme_morale": the codebook's morale theme
    assert pd.isna(alpha_2024["Burned_out_rate"])  # no 2024 column: missing, never zero


def test_likert_file_through_the_pipeline(tmp_path):
    """Per-trust distributions go through `score` without configuration (no longer refused as duplicate
    questions). Alpha q9f: shares 10/20/30/25/15 -> 5.375 and 40 % positive (by hand above)."""
    path = tmp_path / "likert_2025.csv"
    path.write_text("Trust,q9f.Strongly.disagree,q9f.Disagree,q9f.Neither.agree.nor.disagree,q9f.Agree,"
                    "q9f.Strongly.agree,q9f.Respondents\nAlpha,10,20,30,25,15,120\nBeta,5,5,10,40,40,8\n",
                    encoding="utf-8")
    table = score_survey_files([SurveySource.from_path(path)], min_group_size=11).unit_scores
    alpha = table.loc[(table["unit"] == "Alpha") & (table["measure"] == "q9f")].iloc[0]
    assert alpha["mean"] == pytest.approx(5.375) and alpha["pct_positive"] == pytest.approx(40.0)
    assert alpha["n"] == 120
    beta = table.loc[(table["unit"] == "Beta") & (table["measure"] == "q9f")].iloc[0]
    assert beta["suppressed"] and pd.isna(beta["mean"])  # 8 respondents < 11


def test_kinds_table_states_every_column(nss):
    raw = make_raw({"Team": ["A", "B"], "Responses": [40, 50], "Morale": [6.0, 7.0], "Q9f": [0.63, 0.5]})
    table = read_unit_results(raw, nss).column_kinds.set_index("column")
    assert table.loc["Responses", "kind"] == "count"
    assert table.loc["Morale", "kind"] == "score_0_10" and table.loc["Morale", "measure"] == "morale"
    assert table.loc["Q9f", "kind"] == "fraction"
    assert table.loc["Q9f", "why"] == ("names question q9f (question-level results are % positive) and all values "
                                       "lie between 0 and 1")


def test_respondent_pulse_export_is_not_read_as_published():
    """A Qualtrics-like pulse export (unique response ids, decimal coordinates, agreement labels) stays a
    respondent-level file: the local-measure route must remain open."""
    from analytics.ingest.unit_level import looks_published

    raw = make_raw({"ResponseId": ["R_1", "R_2", "R_3"], "LocationLatitude": [51.51, 53.48, 52.2],
                    "LocationLongitude": [-0.12, -2.24, 0.12], "Department": ["A", "A", "B"],
                    "I feel supported": ["Agree", "Neutral", "Strongly agree"]})
    assert not looks_published(raw)
    assert looks_published(make_raw({"Organisation": ["A", "B"], "Engagement": ["63%", "58%"]}))
