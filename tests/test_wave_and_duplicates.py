"""The wave read from the file (date column, sheet name, title row, file name) and duplicate uploads and
respondents removed or refused before any count (issue 11).

Every file here is made by hand: teams "Ward A" of 6 respondents, "Ward B" of 12 and "Ward C" of 14, answering
the three Motivation questions (q2a, q2b, q2c). Under k = 11 Ward A is hidden (6 < 11), Ward B too (the
smallest sibling, so that Ward A cannot be recovered from the organisation total by subtraction) and Ward C
is shown with n = 14; a doubled upload would show Ward A as 12, Ward B as 24 and Ward C as 28.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from analytics.dataset import DatasetSpec, FilePayload, load_survey
from analytics.errors import InputError
from analytics.survey.duplicates import KIND_DUPLICATE_FILE, KIND_DUPLICATE_ID, KIND_IDENTICAL_ROWS
from analytics.survey.pipeline import ColumnOptions, SurveySource, score_survey_files
from analytics.survey.wave_source import KIND_WAVE_SOURCE, parse_response_dates

K = 11
TEAMS = ["Ward A"] * 6 + ["Ward B"] * 12 + ["Ward C"] * 14


def _answers(i: int) -> dict:
    """A fixed pattern of answers 1-5, different for each of 125 consecutive ``i``."""
    return {"Q2a": 1 + i % 5, "Q2b": 1 + (i // 5) % 5, "Q2c": 1 + (i // 25) % 5}


def _frame(*, ids: list[str] | None = None, dates: list | None = None, teams=TEAMS, offset: int = 0) -> pd.DataFrame:
    rows = []
    for i, team in enumerate(teams):
        row = {}
        if ids is not None:
            row["ResponseId"] = ids[i]
        if dates is not None:
            row["StartDate"] = dates[i]
        row["Team"] = team
        row.update(_answers(i + offset))
        rows.append(row)
    return pd.DataFrame(rows)


def _csv(frame: pd.DataFrame, title: str | None = None) -> bytes:
    text = frame.to_csv(index=False)
    if title is not None:
        text = f'"{title}"\n\n' + text
    return text.encode()


def _xlsx(frame: pd.DataFrame, sheet: str) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _score(*files: tuple[str, bytes], options: ColumnOptions | None = None):
    return score_survey_files([SurveySource(name, content) for name, content in files], options, min_group_size=K)


def _wave_finding(results) -> str:
    found = results.findings[results.findings["kind"] == KIND_WAVE_SOURCE]
    assert len(found) == 1
    return found["message"].iloc[0]


def _team_rows(results, measure: str = "motivation") -> pd.DataFrame:
    table = results.unit_scores
    return table[(table["level"] == "team") & (table["measure"] == measure)].set_index("unit")


def _org_n(results, measure: str = "motivation") -> float:
    table = results.unit_scores
    return float(table[(table["level"] == "organisation") & (table["measure"] == measure)]["n"].iloc[0])


# ------------------------------------------------------------------------------------------------
# The wave
# ------------------------------------------------------------------------------------------------
def test_wave_from_a_start_date_column_is_the_year_of_the_median_response():
    # 32 responses on 1..16 October 2025, two a day: the lower median (16th of 32) is 8 October.
    dates = [f"2025-10-{1 + i // 2:02d} 09:12:00" for i in range(32)]
    results = _score(("pulse.csv", _csv(_frame(dates=dates))))
    assert results.waves == ["2025"]
    assert _wave_finding(results) == "Wave 2025 from column 'StartDate' (median response 08/10/2025)."


def test_a_date_column_beats_the_year_in_the_file_name():
    dates = [f"14/10/2025" for _ in range(32)]
    results = _score(("pulse_2024.csv", _csv(_frame(dates=dates))))
    assert results.waves == ["2025"]
    assert "from column 'StartDate' (median response 14/10/2025)" in _wave_finding(results)


def test_a_date_column_spanning_two_years_gives_the_year_of_the_median_with_the_range():
    # Two answers in December 2025, three in January 2026: the median (3rd of 5) is 5 January 2026.
    dates = ["2025-12-29", "2025-12-30", "2026-01-05", "2026-01-06", "2026-01-07"]
    teams = ["Ward B"] * 5
    results = _score(("pulse.csv", _csv(_frame(dates=dates, teams=teams))))
    assert results.waves == ["2026"]
    message = _wave_finding(results)
    assert "Wave 2026 from column 'StartDate' (median response 05/01/2026)." in message
    assert "from 29/12/2025 to 07/01/2026" in message


def test_response_dates_in_every_form():
    serial = (dt.date(2025, 10, 14) - dt.date(1899, 12, 30)).days  # Excel's day count: 45944
    values = pd.Series(["2025-10-14", "2025-10-14 09:12:00", "14/10/2025", "14/10/2025 09:12", serial,
                        serial + 0.38, dt.datetime(2025, 10, 14, 9, 12), None, "not a date"])
    parsed = parse_response_dates(values)
    assert parsed.iloc[:7].tolist() == [pd.Timestamp("2025-10-14")] * 7
    assert parsed.iloc[7:].isna().all()
    # A month-first column (SurveyMonkey US): 14 can only be the day.
    us = parse_response_dates(pd.Series(["10/14/2025 9:12:00 AM", "10/01/2025"]))
    assert us.tolist() == [pd.Timestamp("2025-10-14"), pd.Timestamp("2025-10-01")]


def test_microsoft_forms_start_time_column():
    frame = _frame().assign(**{"Start time": ["3/11/2025 10:01:02"] * 32})
    results = _score(("forms.csv", _csv(frame)))
    assert results.waves == ["2025"]
    assert "from column 'Start time' (median response 03/11/2025)" in _wave_finding(results)


def test_wave_from_the_sheet_name():
    results = _score(("pulse.xlsx", _xlsx(_frame(), "Pulse 2025")))
    assert results.waves == ["2025"]
    assert _wave_finding(results) == "Wave 2025 from the sheet name 'Pulse 2025'."


def test_wave_from_a_title_row_above_the_header():
    results = _score(("pulse.csv", _csv(_frame(), title="Staff pulse survey, autumn 2025")))
    assert results.waves == ["2025"]
    assert _wave_finding(results) == "Wave 2025 from the title row 'Staff pulse survey, autumn 2025'."


def test_wave_from_the_file_name():
    results = _score(("pulse_2024.csv", _csv(_frame())))
    assert results.waves == ["2024"]
    assert _wave_finding(results) == "Wave 2024 from the file name 'pulse_2024.csv'."


def test_a_typed_wave_replaces_the_one_found_and_says_what_the_file_gives():
    dates = ["2025-10-14"] * 32
    results = _score(("pulse.csv", _csv(_frame(dates=dates))), options=ColumnOptions(wave_label="2026"))
    assert results.waves == ["2026"]
    message = _wave_finding(results)
    assert message.startswith("Wave 2026 as given by the user")
    assert "the file itself gives 2025 from column 'StartDate'" in message


def test_no_wave_anywhere_is_refused_never_guessed():
    with pytest.raises(InputError, match="wave"):
        _score(("pulse.csv", _csv(_frame())))


# ------------------------------------------------------------------------------------------------
# Duplicates
# ------------------------------------------------------------------------------------------------
def _assert_not_doubled(results, org_n: int = 32):
    teams = _team_rows(results)
    assert bool(teams.loc["Ward A", "suppressed"]) and pd.isna(teams.loc["Ward A", "n"]), \
        "a team of 6 must stay hidden under k = 11"
    assert bool(teams.loc["Ward B", "suppressed"])
    assert not bool(teams.loc["Ward C", "suppressed"]) and teams.loc["Ward C", "n"] == 14
    assert _org_n(results) == org_n


def test_one_file_keeps_a_team_of_six_hidden():
    _assert_not_doubled(_score(("pulse_2025.csv", _csv(_frame()))))


def test_the_same_file_twice_is_refused_naming_both():
    content = _csv(_frame())
    with pytest.raises(InputError, match="'pulse_2025 copy.csv' is the same file as 'pulse_2025.csv'"):
        _score(("pulse_2025.csv", content), ("pulse_2025 copy.csv", content))


def test_the_same_file_twice_in_a_dataset_spec_is_refused():
    content = _csv(_frame())
    spec = DatasetSpec(label="test",
                       survey_files=(FilePayload("a_2025.csv", content), FilePayload("b_2025.csv", content)))
    with pytest.raises(InputError, match="'b_2025.csv' is the same file as 'a_2025.csv'"):
        load_survey(spec, min_group_size=K)


def test_a_whole_file_copy_under_another_name_is_removed_and_counts_are_not_doubled():
    frame = _frame()
    original = _csv(frame)
    copy = original.replace(b"\n", b"\r\n")  # the same rows, other bytes (re-saved with Windows line ends)
    assert copy != original
    results = _score(("pulse_2025.csv", original), ("pulse_2025 (1).csv", copy))
    found = results.findings[results.findings["kind"] == KIND_DUPLICATE_FILE]
    assert len(found) == 1
    assert found["file"].iloc[0] == "pulse_2025 (1).csv"
    assert "'pulse_2025.csv'" in found["message"].iloc[0]
    assert found["count"].iloc[0] == 32
    _assert_not_doubled(results)
    assert [f["respondents"] for f in results.files] == [32, 0]


def test_a_whole_file_copy_as_a_workbook_is_removed():
    frame = _frame()
    results = _score(("pulse_2025.csv", _csv(frame)), ("pulse_2025.xlsx", _xlsx(frame, "Sheet1")))
    assert (results.findings["kind"] == KIND_DUPLICATE_FILE).sum() == 1
    _assert_not_doubled(results)


def test_the_same_response_id_in_two_files_is_removed_with_a_finding():
    first = _frame(ids=[f"R_{i}" for i in range(1, 33)])
    # Second file: four new Ward C respondents, and R_3 again (row 4 of the second file, row 4 of the first).
    second = _frame(ids=["R_33", "R_34", "R_3", "R_35", "R_36"], teams=["Ward C"] * 5, offset=1)
    results = _score(("pulse_2025_a.csv", _csv(first)), ("pulse_2025_b.csv", _csv(second)))
    found = results.findings[results.findings["kind"] == KIND_DUPLICATE_ID]
    assert len(found) == 1
    assert found["file"].iloc[0] == "pulse_2025_b.csv"
    assert found["rows"].iloc[0] == "4"  # header row 1, R_3 is its third data row
    assert found["column"].iloc[0] == "ResponseId"
    assert "'pulse_2025_a.csv'" in found["message"].iloc[0] and "rows 4 of" in found["message"].iloc[0]
    # 32 + 5 - 1 respondents; Ward C 14 + 4 = 18.
    assert _org_n(results) == 36
    assert _team_rows(results).loc["Ward C", "n"] == 18


def test_the_same_response_id_twice_in_one_file_keeps_the_first():
    ids = [f"R_{i}" for i in range(1, 33)]
    ids[10] = "R_2"  # row 12 (Ward B) repeats row 3
    results = _score(("pulse_2025.csv", _csv(_frame(ids=ids))))
    found = results.findings[results.findings["kind"] == KIND_DUPLICATE_ID]
    assert len(found) == 1 and found["rows"].iloc[0] == "12" and found["value"].iloc[0] == "R_2"
    assert _org_n(results) == 31
    assert _team_rows(results).loc["Ward C", "n"] == 14
    assert [f["respondents"] for f in results.files] == [31]


def test_ids_of_another_wave_are_not_duplicates():
    ids = [f"R_{i}" for i in range(1, 33)]
    results = _score(("pulse_2024.csv", _csv(_frame(ids=ids))), ("pulse_2025.csv", _csv(_frame(ids=ids, offset=3))))
    assert not results.findings["kind"].isin([KIND_DUPLICATE_ID, KIND_DUPLICATE_FILE]).any()
    assert results.waves == ["2024", "2025"]


def test_row_counter_ids_of_two_forms_are_not_taken_for_duplicates():
    # Microsoft Forms numbers each form's responses 1, 2, 3...: two forms of one wave share the numbers.
    first = _frame().assign(ID=range(1, 33))
    second = _frame(teams=["Ward D"] * 12, offset=2).assign(ID=range(1, 13))
    results = _score(("forms_2025_a.csv", _csv(first)), ("forms_2025_b.csv", _csv(second)))
    assert not results.findings["kind"].isin([KIND_DUPLICATE_ID, KIND_DUPLICATE_FILE]).any()
    assert _org_n(results) == 44


def test_a_few_identical_rows_across_files_are_a_warning_not_removed():
    first = _frame()
    # Second file: two Ward B respondents answering exactly as rows 8 and 9 of the first file, and ten of Ward D.
    second = pd.concat([first.iloc[[6, 7]], _frame(teams=["Ward D"] * 10)], ignore_index=True)
    results = _score(("pulse_2025_a.csv", _csv(first)), ("pulse_2025_b.csv", _csv(second)))
    found = results.findings[results.findings["kind"] == KIND_IDENTICAL_ROWS]
    assert len(found) == 1
    assert found["severity"].iloc[0] == "warning"
    assert found["rows"].iloc[0] == "2 and 3" and found["count"].iloc[0] == 2
    assert "rows 8 and 9 of 'pulse_2025_a.csv'" in found["message"].iloc[0]
    assert _org_n(results) == 44


# ------------------------------------------------------------------------------------------------
# The Data page
# ------------------------------------------------------------------------------------------------
def _data_page(app_test, files):
    from ui import data_view as view

    app_test.switch_page("pages/data.py")
    app_test.run()
    app_test.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value(files)
    app_test.run()
    assert not app_test.exception
    return app_test


def test_data_page_shows_where_the_wave_came_from(app_test):
    dates = [f"2025-10-{1 + i // 2:02d} 09:12:00" for i in range(32)]
    at = _data_page(app_test, [("pulse.csv", _csv(_frame(dates=dates)), "text/csv")])
    captions = [c.value for c in at.caption]
    assert "Found in the file: Wave 2025 from column 'StartDate' (median response 08/10/2025)." in captions
    assert any(t.value == "2025" for t in at.text_input)


def test_data_page_refuses_the_same_file_twice_with_both_names(app_test):
    from ui import data_view as view

    content = _csv(_frame())
    at = _data_page(app_test, [("pulse_2025.csv", content, "text/csv"), ("pulse_2025 (1).csv", content, "text/csv")])
    messages = [w.value for w in at.warning]
    assert any("'pulse_2025 (1).csv' is the same file as 'pulse_2025.csv'" in m for m in messages)
    assert at.button(key=f"{view.PREFIX}:use").disabled
