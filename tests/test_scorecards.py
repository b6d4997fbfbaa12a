"""Team scorecards workbook (analytics.report.scorecards): content by hand arithmetic, openpyxl round trip,
suppression text, README coverage, formatting, formula-injection safety and refusals."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from scipy import stats

from analytics import settings
from analytics.errors import InputError
from analytics.survey.pipeline import SurveyResults, SurveySource, score_survey_files
from analytics.report.scorecards import (CONTENTS_SHEET, LEVEL_SHEETS, QUESTIONS_SHEET, README_SHEET, build_scorecards, scorecard_table,
                                  write_scorecards_xlsx)
from tests.report_helpers import hand_score, survey_csv

K = 5
# Medicine: Ward A (5) and Ward B (6) are shown. Surgery: Clinic C (2) is below k = 5, and Clinic D (7)
# is hidden as its complement (the hidden children of Surgery must hold at least k responses).
TEAMS = {
    "Ward A": ("Medicine", [5, 4, 3, 4, 5]),
    "Ward B": ("Medicine", [2, 1, 2, 3, 2, 1]),
    "Clinic C": ("Surgery", [4, 4]),
    "Clinic D": ("Surgery", [3, 3, 3, 3, 3, 3, 3]),
}
CL = "Compassionate leadership"
SUPPRESSED = settings.SUPPRESSED_LABEL.format(k=K)


@pytest.fixture(scope="module")
def survey() -> SurveyResults:
    source = SurveySource("survey_2025.csv", survey_csv(TEAMS, "2025"))
    return score_survey_files([source], min_group_size=K)


@pytest.fixture(scope="module")
def workbook(survey):
    cards = build_scorecards(survey, dataset_label="Test trust")
    return load_workbook(io.BytesIO(cards.to_xlsx()))


def sheet_frame(book, name: str) -> pd.DataFrame:
    rows = list(book[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_sheets_one_per_level_with_readme_first(workbook):
    # Clinic C (2 < 5) and Clinic D (its complement) have no shown result, so no team sheet.
    assert workbook.sheetnames == [README_SHEET, CONTENTS_SHEET, "Organisation", "Directorates", "Teams",
                                   QUESTIONS_SHEET, "Ward A", "Ward B"]


def test_team_rows_round_trip_with_hand_arithmetic(workbook):
    teams = sheet_frame(workbook, "Teams").set_index("Team")
    codes = TEAMS["Ward A"][1]
    scores = [(c - 1) / 4 * 10 for c in codes]  # 10, 7.5, 5, 7.5, 10
    row = teams.loc["Ward A"]
    assert row["Wave"] == "2025" and row["Directorate"] == "Medicine"
    assert row[f"{CL}: score"] == pytest.approx((10 + 7.5 + 5 + 7.5 + 10) / 5)
    half_width = stats.t.ppf(0.975, 4) * np.std(scores, ddof=1) / math.sqrt(5)
    assert row[f"{CL}: 95% CI low"] == pytest.approx(8.0 - half_width)
    assert row[f"{CL}: 95% CI high"] == pytest.approx(8.0 + half_width)
    assert row[f"{CL}: responses"] == 5
    assert row[f"{CL}: % positive"] == pytest.approx(100 * 4 / 5)  # codes 5, 4, 4, 5 are favourable
    # Thinking about leaving is reverse-keyed: code 5 (strongly agree) scores 0.
    assert row["Thinking about leaving: score"] == pytest.approx(hand_score(codes, reverse=True))


def test_suppressed_and_complementary_units_have_empty_figures_and_a_status(workbook):
    teams = sheet_frame(workbook, "Teams").set_index("Team")
    # Clinic C has 2 responses (< 5); Clinic D (7) is hidden so that Clinic C cannot be worked out from
    # Surgery's total, and says so.
    for team, text in (("Clinic C", SUPPRESSED), ("Clinic D", settings.COMPLEMENTARY_LABEL.format(k=5))):
        row = teams.loc[team]
        figures = [h for h in teams.columns if h.endswith(("score", "CI low", "CI high", "responses", "% positive"))]
        assert all(pd.isna(row[h]) for h in figures), team  # empty cells (read back as NaN in the frame)
        assert row[f"{CL}: status"] == text and row["Morale: status"] == text
    assert pd.isna(teams.loc["Ward A", f"{CL}: status"])  # shown: the status cell is empty
    # Surgery (9 respondents) is shown at directorate level only because k = 5 <= 9.
    directorates = sheet_frame(workbook, "Directorates").set_index("Directorate")
    assert directorates.loc["Surgery", f"{CL}: responses"] == 2 + 7


def test_organisation_row_is_every_respondent(workbook):
    organisation = sheet_frame(workbook, "Organisation")
    assert len(organisation) == 1
    all_codes = [c for _, codes in TEAMS.values() for c in codes]
    assert organisation.loc[0, f"{CL}: responses"] == len(all_codes) == 20
    assert organisation.loc[0, f"{CL}: score"] == pytest.approx(hand_score(all_codes))


def test_question_sheet_holds_item_percent_positive(workbook):
    questions = sheet_frame(workbook, QUESTIONS_SHEET)
    ward_a = questions[(questions["Level"] == "team") & (questions["Unit"] == "Ward A")].iloc[0]
    assert ward_a["q9f % positive"] == pytest.approx(80.0)
    assert ward_a["q9f responses"] == 5
    clinic_c = questions[(questions["Level"] == "team") & (questions["Unit"] == "Clinic C")].iloc[0]
    assert pd.isna(clinic_c["q9f % positive"]) and pd.isna(clinic_c["q9f responses"])
    assert clinic_c["q9f status"] == SUPPRESSED


def test_readme_explains_every_column_and_the_threshold(workbook):
    readme = [row for row in workbook[README_SHEET].iter_rows(values_only=True)]
    text = " ".join(str(v) for row in readme for v in row if v is not None)
    assert f"Anonymity threshold: {K} responses" in text
    assert SUPPRESSED in text
    explained = {(row[0], row[1]) for row in readme if row[0] in workbook.sheetnames}
    for name in ("Organisation", "Directorates", "Teams", QUESTIONS_SHEET):
        headers = next(workbook[name].iter_rows(values_only=True))
        for header in headers:
            assert (name, header) in explained, (name, header)


def test_formatting_freeze_colour_scales_and_number_formats(workbook):
    sheet = workbook["Teams"]
    assert sheet.freeze_panes == "D2"  # wave, directorate and team stay visible
    ranges = [str(rng.sqref) for rng in sheet.conditional_formatting]
    headers = [c.value for c in sheet[1]]
    score_col = headers.index(f"{CL}: score") + 1
    letter = sheet.cell(row=1, column=score_col).column_letter
    assert f"{letter}2:{letter}{sheet.max_row}" in ranges
    rules = {str(cf.sqref): [rule.type for rule in cf.rules] for cf in sheet.conditional_formatting}
    assert rules[f"{letter}2:{letter}{sheet.max_row}"] == ["colorScale"]
    # Empty figures (not shown) are greyed by a rule over each block of figure columns, e.g. the CL block.
    last = sheet.cell(row=1, column=headers.index(f"{CL}: % positive") + 1).column_letter
    grey = [cf for cf in sheet.conditional_formatting if str(cf.sqref) == f"{letter}2:{last}{sheet.max_row}"]
    assert grey and grey[0].rules[0].type == "expression" and grey[0].rules[0].formula == [f"ISBLANK({letter}2)"]
    ward_a_row = [c.value for c in sheet["C"]].index("Ward A") + 1
    assert sheet.cell(row=ward_a_row, column=score_col).number_format == "0.0"


def test_no_data_is_distinct_from_suppressed():
    table = pd.DataFrame({
        "wave": ["2025"] * 3, "level": ["team"] * 3, "unit": ["A", "B", "C"], "parent": ["D"] * 3,
        "measure": ["compassionate_leadership"] * 3, "n": pd.array([20, 0, pd.NA], dtype="Int64"),
        "mean": [6.5, np.nan, np.nan], "ci_low": [6.0, np.nan, np.nan], "ci_high": [7.0, np.nan, np.nan],
        "pct_positive": [55.0, np.nan, np.nan], "suppressed": [False, False, True],
    })
    frame, kinds = scorecard_table(table, "team", min_group_size=11)
    by_team = frame.set_index("Team")
    assert by_team.loc["A", f"{CL}: score"] == 6.5
    assert np.isnan(by_team.loc["B", f"{CL}: score"]) and by_team.loc["B", f"{CL}: status"] == settings.NO_DATA_LABEL
    assert np.isnan(by_team.loc["C", f"{CL}: score"])
    assert by_team.loc["C", f"{CL}: status"] == "fewer than 11 responses"
    assert by_team.loc["A", f"{CL}: status"] == ""
    assert kinds[f"{CL}: responses"] == "n"


def test_small_n_without_flag_is_still_hidden():
    """Second line of defence: a row below the threshold whose flag says shown is hidden anyway."""
    table = pd.DataFrame({
        "wave": ["2025"], "level": ["team"], "unit": ["Tiny"], "parent": ["D"], "measure": ["morale"],
        "n": pd.array([3], dtype="Int64"), "mean": [4.2], "ci_low": [3.0], "ci_high": [5.0],
        "pct_positive": [40.0], "suppressed": [False],
    })
    frame, _ = scorecard_table(table, "team", min_group_size=5)
    figures = frame.iloc[0, 3:-1]
    assert all(pd.isna(v) for v in figures.tolist())
    assert frame.iloc[0, -1] == "fewer than 5 responses"


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_formula_triggers_in_unit_names_are_neutralised(name):
    table = pd.DataFrame({
        "wave": ["2025"], "level": ["team"], "unit": [name], "parent": ["=Directorate"],
        "measure": ["morale"], "n": pd.array([30], dtype="Int64"), "mean": [6.0], "ci_low": [5.5],
        "ci_high": [6.5], "pct_positive": [50.0], "suppressed": [False],
    })
    survey = SurveyResults(unit_scores=table, item_results=pd.DataFrame(columns=list(settings.ITEM_RESULT_COLUMNS)),
                           findings=pd.DataFrame(), min_group_size=11, codebook_id="nss_2024_2025")
    cards = build_scorecards(survey)
    book = load_workbook(io.BytesIO(cards.to_xlsx()))
    teams = list(book["Teams"].iter_rows(values_only=True))
    assert teams[1][1] == "'=Directorate"
    # XML turns a carriage return into a line feed when the workbook is read back; the quote stays first.
    assert teams[1][2] == "'" + name.replace("\r", "\n")
    score = list(teams[0]).index("Morale: score")
    assert teams[1][score] == 6.0  # numbers stay numbers
    csv_rows = list(csv.reader(io.StringIO(cards.to_csv("Teams").decode("utf-8-sig"), newline="")))
    assert csv_rows[1][1:3] == ["'=Directorate", "'" + name] and csv_rows[1][score] == "6.0"
    assert not any(cell.data_type == "f" for row in book["Teams"].iter_rows() for cell in row)


def test_directorate_filter_keeps_one_directorate_and_the_organisation(survey):
    cards = build_scorecards(survey, directorate="Medicine")
    assert cards.sheets["Teams"]["Team"].tolist() == ["Ward A", "Ward B"]
    assert cards.sheets["Directorates"]["Directorate"].tolist() == ["Medicine"]
    assert len(cards.sheets["Organisation"]) == 1
    assert any("Medicine" in note for note in cards.notes)


def test_rows_are_unit_by_wave_across_waves():
    waves = [SurveySource(f"survey_{w}.csv", survey_csv(TEAMS, w)) for w in ("2024", "2025")]
    survey = score_survey_files(waves, min_group_size=K)
    cards = build_scorecards(survey)
    teams = cards.sheets["Teams"]
    assert teams[["Wave", "Team"]].values.tolist()[:2] == [["2024", "Ward A"], ["2024", "Ward B"]]
    assert len(teams) == 2 * len(TEAMS)
    assert cards.sheets["Organisation"]["Wave"].tolist() == ["2024", "2025"]


def test_refusals(survey, tmp_path):
    with pytest.raises(InputError, match="Unknown reporting level 'ward'"):
        scorecard_table(survey.unit_scores, "ward", min_group_size=K)
    with pytest.raises(InputError, match="cannot be below 5"):
        scorecard_table(survey.unit_scores, "team", min_group_size=3)
    with pytest.raises(InputError, match="lacks the column"):
        scorecard_table(survey.unit_scores.drop(columns=["suppressed"]), "team", min_group_size=K)
    cards = build_scorecards(survey)
    with pytest.raises(InputError, match="must be saved as .xlsx"):
        write_scorecards_xlsx(cards, tmp_path / "cards.csv")
    with pytest.raises(InputError, match="folder for the output file does not exist"):
        write_scorecards_xlsx(cards, tmp_path / "missing" / "cards.xlsx")
    with pytest.raises(InputError, match="There is no 'Wards' table"):
        cards.to_csv("Wards")


def test_write_to_path(survey, tmp_path):
    path = tmp_path / "cards.xlsx"
    data = write_scorecards_xlsx(build_scorecards(survey), path)
    assert path.read_bytes() == data
    assert load_workbook(path).sheetnames[2:5] == list(LEVEL_SHEETS.values())
