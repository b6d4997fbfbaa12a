"""The scorecards workbook for people (issue 14): numbers-only figure columns with a status beside them,
HR figures per unit equal to the Team explorer's, one printable sheet per team, valid sheet names, the cap,
actions on the team sheet, and the same workbook from the download and the command line.

Expected values are hand arithmetic on the small files of :mod:`tests.report_helpers`."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from openpyxl import load_workbook

from analytics import settings
from analytics.dataset import load_dataset
from analytics.report.scorecards import (CONTENTS_SHEET, NUMBER_FORMATS, SHEET_NAME_MAX, build_scorecards,
                                         excel_sheet_name)
from analytics.survey.pipeline import SurveySource, score_survey_files
from tests.report_helpers import spec_from, survey_csv, team_month_csv

K = 5
TEAMS = {
    "Ward A": ("Medicine", [5, 4, 3, 4, 5]),
    "Ward B": ("Medicine", [2, 1, 2, 3, 2, 1]),
    "Clinic C": ("Surgery", [4, 4]),
    "Clinic D": ("Surgery", [3, 3, 3, 3, 3, 3, 3]),
}
# HR data end in December 2025, so the 2025 wave's window (April 2025 to March 2026) is cut to April to
# December 2025: 9 months.
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
# team: (directorate, staff in post each month, leavers each month, FTE days lost, FTE days available per month)
HR_TEAMS = {
    "Ward A": ("Medicine", 20, 1, 3.0, 600.0),
    "Ward B": ("Medicine", 4, 0, 1.0, 120.0),     # fewer than k = 5 staff in post: no HR figures
    "Clinic C": ("Surgery", 12, 0, 6.0, 360.0),
    "Clinic D": ("Surgery", 30, 2, 9.0, 900.0),
}


@pytest.fixture(scope="module")
def dataset():
    spec = spec_from([("survey_2025.csv", survey_csv(TEAMS, "2025"))], hr=("hr.csv", team_month_csv(HR_TEAMS, MONTHS)))
    return load_dataset(spec, min_group_size=K)


@pytest.fixture(scope="module")
def cards(dataset):
    return build_scorecards(dataset.survey, hr=dataset.hr, dataset_label="Test trust")


@pytest.fixture(scope="module")
def book(cards):
    return load_workbook(io.BytesIO(cards.to_xlsx()))


def rows_of(sheet) -> pd.DataFrame:
    rows = list(sheet.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_every_cell_of_a_numeric_column_is_a_number_or_empty(cards, book):
    checked = 0
    for name, kinds in cards.kinds.items():
        sheet = book[name]
        headers = [c.value for c in sheet[1]]
        for position, header in enumerate(headers, start=1):
            kind = kinds[header]
            if kind not in NUMBER_FORMATS:
                continue
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                assert cell.value is None or (isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)), \
                    (name, header, cell.value)
                assert cell.data_type != "s", (name, header)
                assert cell.number_format == ("0" if kind in ("n", "count") else "0.0"), (name, header)
                checked += 1
    assert checked > 500


def test_status_columns_say_why_a_figure_is_empty(book):
    teams = rows_of(book["Teams"]).set_index("Team")
    assert teams.loc["Clinic C", "Morale: status"] == f"fewer than {K} responses"
    assert pd.isna(teams.loc["Clinic C", "Morale: score"])
    assert pd.isna(teams.loc["Ward A", "Morale: status"]) and teams.loc["Ward A", "Morale: responses"] == 5


def test_a_measure_not_asked_in_a_wave_says_so():
    # 2024 asks only the compassionate-leadership questions (q9*): morale was not asked that wave.
    full = survey_csv(TEAMS, "2025")
    short = pd.read_csv(io.BytesIO(survey_csv(TEAMS, "2024")))
    short = short[[c for c in short.columns if not c.startswith("Q") or c.startswith("Q9")]]
    survey = score_survey_files([SurveySource("s2024.csv", short.to_csv(index=False).encode()),
                                 SurveySource("s2025.csv", full)], min_group_size=K)
    cards = build_scorecards(survey)
    teams = cards.sheets["Teams"].set_index(["Wave", "Team"])
    assert teams.loc[("2024", "Ward A"), "Morale: status"] == settings.NOT_ASKED_LABEL
    assert math.isnan(teams.loc[("2024", "Ward A"), "Morale: score"])
    assert teams.loc[("2024", "Ward A"), "Compassionate leadership: status"] == ""
    # The team page's trend names the reason beside the empty cell.
    trend = cards.team_pages["Ward A"].trend.set_index("Measure")
    assert math.isnan(trend.loc["Morale", "2024 score"])
    assert trend.loc["Morale", "Notes"] == f"2024: {settings.NOT_ASKED_LABEL}"
    assert trend.loc["Compassionate leadership", "2024 score"] == pytest.approx((10 + 7.5 + 5 + 7.5 + 10) / 5)


def test_hr_columns_by_hand(cards):
    teams = cards.sheets["Teams"].set_index("Team")
    ward_a = teams.loc["Ward A"]
    # April to December 2025: 9 months; 20 in post throughout, one leaver a month.
    assert ward_a["HR window"] == "Apr 2025 to Dec 2025, 9 months"
    assert ward_a["HR: staff in post (start)"] == 20 and ward_a["HR: staff in post (end)"] == 20
    assert ward_a["HR: leaver rate (%)"] == pytest.approx(100 * 9 / 20)
    assert ward_a["HR: sickness absence rate (%)"] == pytest.approx(100 * (3.0 * 9) / (600.0 * 9))
    assert math.isnan(ward_a["HR: stability index (%)"])  # team-month records have no stability index
    assert ward_a["HR: status"] == ""
    # Ward B has 4 staff in post (< k = 5): the HR small-number rule hides every HR figure.
    ward_b = teams.loc["Ward B"]
    assert pd.isna(ward_b["HR: staff in post (start)"]) and math.isnan(ward_b["HR: leaver rate (%)"])
    assert ward_b["HR: status"] == f"fewer than {K} staff in post"
    # Clinic C is hidden in the survey but has 12 staff: its HR figures are shown (their own rule).
    assert teams.loc["Clinic C", "HR: sickness absence rate (%)"] == pytest.approx(100 * 6 / 360)
    assert ward_a["HR: leaver rate, annualised (%)"] == pytest.approx(100 * 9 / 20 * 12 / 9)
    organisation = cards.sheets["Organisation"].iloc[0]
    assert organisation["HR: staff in post (start)"] == 20 + 4 + 12 + 30
    assert organisation["HR: leaver rate (%)"] == pytest.approx(100 * (9 * 1 + 9 * 2) / 66)


def test_hr_figures_equal_the_team_explorer(dataset, cards):
    from analytics.survey import trends
    from ui.explorer_view import hr_metrics_table

    metrics = hr_metrics_table(dataset, "2025")
    teams = cards.sheets["Teams"].set_index("Team")
    for team in ("Ward A", "Clinic C", "Clinic D"):
        row = trends.unit_hr_rows(metrics, level=settings.LEVEL_TEAM, unit=team, parent=TEAMS[team][0])
        summary = trends.hr_outcome_summary(row).set_index("outcome")["value"]
        for outcome, header in (("leaver_rate", "HR: leaver rate (%)"), ("sickness_rate", "HR: sickness absence rate (%)")):
            assert teams.loc[team, header] == pytest.approx(float(summary[outcome])), (team, outcome)
        if team == "Ward A":  # the only one of these with a team sheet (C and D have no shown survey result)
            hr = cards.team_pages[team].hr.set_index("HR figure")
            assert hr.loc["Leaver rate (%)", "Team"] == pytest.approx(float(summary["leaver_rate"]))
            assert hr.loc["Sickness absence rate (%)", "Team"] == pytest.approx(float(summary["sickness_rate"]))


def test_organisation_hr_figures_equal_the_board_headlines(dataset, cards):
    from analytics.board import headline_figures, headline_hr_period

    headline = headline_figures(dataset.survey, dataset.hr, wave="2025")
    by_measure = headline.set_index("measure")["value"]
    organisation = cards.sheets["Organisation"].iloc[0]
    # 27 leavers over 9 months among 66 in post: 100 * 27 / 66 * 12 / 9 a year.
    assert by_measure["leaver_rate"] == pytest.approx(100 * 27 / 66 * 12 / 9)
    assert organisation["HR: leaver rate, annualised (%)"] == pytest.approx(by_measure["leaver_rate"])
    assert organisation["HR: sickness absence rate (%)"] == pytest.approx(by_measure["sickness_rate"])
    assert organisation["HR window"] == headline_hr_period(headline)


def test_team_sheets_only_for_teams_with_results_and_print_setup(cards, book):
    assert list(cards.team_pages) == ["Ward A", "Ward B"]
    assert "Clinic C" not in book.sheetnames  # 2 responses: nothing shown, no sheet
    sheet = book["Ward A"]
    assert int(sheet.page_setup.paperSize) == 9  # A4 (ECMA-376 paper size code)
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$2"  # the title and the note repeat on every printed page
    assert sheet.oddHeader.center.text == "Ward A (Medicine) - wave 2025"
    assert sheet.oddFooter.center.text == "Page &P of &N"
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    flat = [v for row in values for v in row if v is not None]
    for section in ("Compassionate leadership behaviours, wave 2025 (% positive)", "Scores (0-10) across waves",
                    "HR figures, Apr 2025 to Dec 2025, 9 months"):
        assert section in flat
    attending = next(row for row in values if row[0] == "Attending")
    # Ward A: codes 5, 4, 3, 4, 5 -> 4 of 5 favourable; organisation: codes >= 4 are 4 (Ward A) + 2 (Clinic C)
    # of 20 answers = 30%.
    assert attending[2] == pytest.approx(80.0) and attending[3] == 5
    assert attending[4] == pytest.approx(100 * 6 / 20) and attending[5] == pytest.approx(80 - 30)
    assert "Actions" not in flat


def test_clinic_d_complement_has_no_sheet(cards):
    # Clinic D (7) is hidden as the complement of Clinic C, so it has no shown result either.
    assert sorted(p.team for p in cards.team_pages.values()) == ["Ward A", "Ward B"]


def test_cap_on_team_sheets_is_stated(dataset):
    cards = build_scorecards(dataset.survey, max_team_sheets=1)
    assert list(cards.team_pages) == ["Ward A"] and cards.teams_with_results == 2
    book = load_workbook(io.BytesIO(cards.to_xlsx()))
    contents = [v for row in book[CONTENTS_SHEET].iter_rows(values_only=True) for v in row if v]
    assert any("2 teams have results in wave 2025" in v and "first 1" in v for v in contents)
    assert "Ward B" not in book.sheetnames


@pytest.mark.parametrize("name, taken, expected", [
    ("Ward A", [], "Ward A"),
    ("Paediatrics: day/night [A*B]?", [], "Paediatrics- day-night -A-B--"),
    ("'Quoted'", [], "Quoted"),
    ("Teams", ["README", "Teams"], "Teams (2)"),
    ("teams", ["Teams", "teams (2)"], "teams (3)"),
    ("History", [], "History (2)"),
    ("X" * 40, [], "X" * 31),
    ("X" * 40, ["X" * 31], "X" * 27 + " (2)"),
])
def test_sheet_names_are_valid_for_excel(name, taken, expected):
    got = excel_sheet_name(name, taken)
    assert got == expected and len(got) <= SHEET_NAME_MAX
    assert not set(got) & set("[]:*?/\\")


def test_long_and_clashing_team_names_make_valid_sheets():
    teams = {"Cardiology outpatients and day unit north": ("Medicine", [5] * 6),
             "Cardiology outpatients and day unit south": ("Medicine", [4] * 6),
             "Teams": ("Surgery", [3] * 6), "A/E: [Majors]": ("Surgery", [2] * 6)}
    survey = score_survey_files([SurveySource("s.csv", survey_csv(teams, "2025"))], min_group_size=K)
    book = load_workbook(io.BytesIO(build_scorecards(survey).to_xlsx()))
    names = book.sheetnames
    assert len({n.casefold() for n in names}) == len(names)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert {"A-E- -Majors-", "Teams (2)", "Cardiology outpatients and day", "Cardiology outpatients and (2)"} <= set(names)


def test_actions_on_the_team_sheet(dataset):
    log = pd.DataFrame([{"level": "team", "parent": "Medicine", "unit": "Ward A", "wave": "2025",
                         "addresses": "attending", "title": "Monthly listening sessions", "owner": "Ward manager",
                         "due": "2026-06-30", "status": "open", "notes": ""},
                        {"level": "team", "parent": "Medicine", "unit": "Ward B", "wave": "2025",
                         "addresses": "morale", "title": "Rota review", "owner": "Matron", "due": None,
                         "status": "in progress", "notes": ""}])
    cards = build_scorecards(dataset.survey, actions=log)
    actions = cards.team_pages["Ward A"].actions
    assert actions["Action"].tolist() == ["Monthly listening sessions"]
    assert actions["Value when raised"].iloc[0] == pytest.approx(80.0)  # q9g % positive of Ward A
    book = load_workbook(io.BytesIO(cards.to_xlsx()))
    flat = [v for row in book["Ward A"].iter_rows(values_only=True) for v in row if v is not None]
    assert "Actions" in flat and "Monthly listening sessions" in flat and "Rota review" not in flat


def test_download_and_command_line_give_the_same_workbook(tmp_path, dataset):
    from cli import main
    from ui import downloads
    from ui.state import Filters

    survey, hr = tmp_path / "survey_2025.csv", tmp_path / "hr.csv"
    survey.write_bytes(survey_csv(TEAMS, "2025"))
    hr.write_bytes(team_month_csv(HR_TEAMS, MONTHS))
    out = tmp_path / "cards.xlsx"
    assert main(["report", "--survey", str(survey), "--hr", str(hr), "--min-group", str(K), "--out", str(out)]) == 0
    from_cli = load_workbook(out)
    spec = spec_from([("survey_2025.csv", survey_csv(TEAMS, "2025"))], hr=("hr.csv", team_month_csv(HR_TEAMS, MONTHS)))
    page_dataset = load_dataset(spec, min_group_size=K)
    from_page = load_workbook(io.BytesIO(downloads.scorecards_xlsx(page_dataset, Filters(wave=None, directorate=None))))
    assert from_cli.sheetnames == from_page.sheetnames
    for name in from_cli.sheetnames[2:]:  # README names the files and dataset label, which differ
        assert list(from_cli[name].iter_rows(values_only=True)) == list(from_page[name].iter_rows(values_only=True)), name
