"""Unit-level results (analytics.ingest.unit_level): telling the shape apart and reading it, cell by cell.

Tables are built by hand; the index is the spreadsheet row number (header = row 1)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.ingest.codebook import load_codebook
from analytics.errors import InputError
from analytics.ingest.raw import RawTable
from analytics.ingest.unit_level import (
    MISSING_MARKERS,
    UNIT_RESULT_COLUMNS,
    UnitResults,
    is_unit_level,
    read_unit_results,
)


@pytest.fixture(scope="module")
def nss():
    return load_codebook()


def make_raw(data: dict, header_texts=None, file_name="benchmark_2025.xlsx", sheet="Results") -> RawTable:
    rows = len(next(iter(data.values())))
    frame = pd.DataFrame(data, index=range(2, 2 + rows))
    return RawTable(frame=frame, file_name=file_name, sheet=sheet, header_texts=header_texts or {})


def benchmark():
    """A published-breakdown-like table: one row per team."""
    return make_raw({
        "Team": ["Ward 7", "Theatres", "Pharmacy"],
        "Responses": ["23", "1,234", "n<11"],
        "Compassionate leadership": [7.12, 6.9, "*"],
        "Morale score": ["6.05", "-", "[c]"],
        "Q9f % positive": ["63%", "58.4 %", "suppressed"],
        "Benchmarking group": ["Acute", "Acute", "Acute"],
    })


def value(result: UnitResults, unit: str, measure: str) -> float:
    frame = result.frame
    (v,) = frame.loc[(frame["unit"] == unit) & (frame["measure"] == measure), "value"].tolist()
    return v


# -- telling the shapes apart -----------------------------------------------------------------------

def test_benchmark_table_is_unit_level():
    assert is_unit_level(benchmark())


@pytest.mark.parametrize("count_header", ["Responses", "Number of responses", "n", "Base", "Respondents", "Count",
                                          "No. of responses", "Base (n)"])
def test_count_headers(count_header):
    raw = make_raw({"Organisation": ["A", "B"], count_header: [120, 95], "Staff engagement": [6.8, 7.1]})
    assert is_unit_level(raw)


def test_respondent_level_labels_are_not_unit_level():
    raw = make_raw({"Team": ["A", "A", "B"], "Q9f": ["Agree", "Strongly agree", "Disagree"],
                    "Q9g": ["Agree", "Agree", "Neither agree nor disagree"]})
    assert not is_unit_level(raw)


def test_respondent_level_codes_are_not_unit_level_even_with_a_count_column():
    raw = make_raw({"Team": ["A", "A", "B"], "Count": [1, 1, 1], "Q9f": [4, 5, 2], "Q9g": [3, 4, 4]})
    assert not is_unit_level(raw)


def test_count_column_of_text_is_not_unit_level():
    raw = make_raw({"Team": ["A", "B"], "Count": ["many", "few"], "Morale": [6.1, 6.2]})
    assert not is_unit_level(raw)


# -- reading -----------------------------------------------------------------------------------------

def test_read_benchmark_by_hand(nss):
    result = read_unit_results(benchmark(), nss, wave_label="2025")
    frame = result.frame
    assert list(frame.columns) == list(UNIT_RESULT_COLUMNS)
    assert len(frame) == 3 * 3  # three teams x three result columns
    assert set(frame["wave"]) == {"2025"}
    assert set(frame["measure"]) == {"compassionate_leadership", "morale", "q9f"}
    ward = frame[frame["unit"] == "Ward 7"].set_index("measure")
    assert ward.loc["compassionate_leadership", ["value", "value_kind"]].tolist() == [7.12, "score"]
    assert ward.loc["morale", ["value", "value_kind"]].tolist() == [6.05, "score"]
    assert ward.loc["q9f", ["value", "value_kind"]].tolist() == [63.0, "pct_positive"]
    assert ward["n"].tolist() == [23, 23, 23]
    assert value(result, "Theatres", "q9f") == 58.4
    assert frame.loc[frame["unit"] == "Theatres", "n"].tolist() == [1234] * 3
    assert math.isnan(value(result, "Theatres", "morale"))
    # suppressed cells are missing, never zero
    pharmacy = frame[frame["unit"] == "Pharmacy"]
    assert pharmacy["value"].isna().all() and pharmacy["n"].isna().all()
    assert str(frame["n"].dtype) == "Int64"
    notes = "\n".join(result.notes)
    for statement in [
        "Column 'Responses' read as the number of responses.",
        "'1,234' read as 1234",
        "Column 'Team' read as the unit names (header word 'team').",
        "Column 'Compassionate leadership' read as a 0–10 score (measure 'compassionate_leadership').",
        "Column 'Q9f % positive' read as percentages (question q9f); '63%' read as 63.",
        "In column 'Morale score', 2 cell(s) marked '-', '[c]' read as missing (not zero).",
        "Column 'Benchmarking group' holds text and was left out.",
        "No wave column: every row read as wave 2025.",
    ]:
        assert statement in notes
    assert (result.unit_col, result.count_col, result.wave_col) == ("Team", "Responses", None)
    assert result.columns == {"Compassionate leadership": "compassionate_leadership", "Morale score": "morale",
                              "Q9f % positive": "q9f"}


def test_fractions_are_read_as_percentages(nss):
    raw = make_raw({"Team": ["A", "B"], "Responses": [40, 52], "Q9h": [0.63, 0.5]})
    result = read_unit_results(raw, nss)
    assert value(result, "A", "q9h") == pytest.approx(0.63 * 100)
    assert value(result, "B", "q9h") == pytest.approx(0.5 * 100)
    assert set(result.frame["value_kind"]) == {"pct_positive"}
    assert ("The values in column 'Q9h' all lie between 0 and 1, so they were read as fractions and multiplied "
            "by 100.") in result.notes
    assert "Column 'Q9h' read as percentages (question q9h: question-level results are % positive)." in result.notes


def test_percent_signs_are_not_rescaled(nss):
    raw = make_raw({"Team": ["A", "B"], "Responses": [40, 52], "Q9h": ["0.5%", "1%"]})
    result = read_unit_results(raw, nss)
    assert [value(result, "A", "q9h"), value(result, "B", "q9h")] == [0.5, 1.0]


@pytest.mark.parametrize("marker", sorted(MISSING_MARKERS) + ["n<11", "n < 11", "<5", " * ", "Suppressed", None, ""])
def test_missing_markers_are_missing_never_zero(nss, marker):
    raw = make_raw({"Team": ["A", "B"], "Responses": [40, marker], "Morale": [6.5, marker]})
    result = read_unit_results(raw, nss)
    b = result.frame[result.frame["unit"] == "B"]
    assert b["value"].isna().all()
    assert b["n"].isna().all()
    assert value(result, "A", "morale") == 6.5


def test_wave_column_and_header_rows(nss):
    raw = make_raw({
        "Survey year": [2024.0, 2025.0, 2025.0],
        "Col B": ["Ward 7", "Ward 7", "Theatres"],
        "Col C": ["30", "31", "45"],
        "Col D": [6.0, 6.25, 7.5],
    }, header_texts={"Col B": ["Col B", "Ward name"], "Col C": ["Col C", "Number of respondents"],
                     "Col D": ["Col D", "Staff engagement"]})
    result = read_unit_results(raw, nss)
    frame = result.frame
    assert frame[["wave", "unit", "measure", "n", "value"]].astype(object).values.tolist() == [
        ["2024", "Ward 7", "staff_engagement", 30, 6.0],
        ["2025", "Ward 7", "staff_engagement", 31, 6.25],
        ["2025", "Theatres", "staff_engagement", 45, 7.5],
    ]
    assert (result.unit_col, result.count_col, result.wave_col) == ("Col B", "Col C", "Survey year")


def test_named_columns(nss):
    raw = make_raw({"Org code": ["RXA", "RXB"], "Org": ["North", "South"], "Base": [500, 600],
                    "Respondents": [480, 590], "Morale": [6.0, 6.5]})
    result = read_unit_results(raw, nss, unit_col="org code", count_col="respondents", wave_label="2024")
    assert result.frame[["unit", "n"]].astype(object).values.tolist() == [["RXA", 480], ["RXB", 590]]
    assert "Column 'Respondents' read as the number of responses (as chosen)." in result.notes
    # the other count-like column is read as a figure only if it fits a scale: 500 does not
    assert "Base" not in result.columns


def test_unit_column_falls_back_to_first_text_column(nss):
    raw = make_raw({"Responses": [40, 50], "Where": ["North", "South"], "Morale": [6.0, 6.5]})
    result = read_unit_results(raw, nss)
    assert result.unit_col == "Where"
    assert "Column 'Where' read as the unit names (the first column of text)." in result.notes


@pytest.mark.parametrize("header, measure, kind", [
    ("Compassionate leadership", "compassionate_leadership", "score"),
    ("compassionate_leadership", "compassionate_leadership", "score"),
    ("Theme: Staff engagement", "staff_engagement", "score"),
    ("Morale (0-10)", "morale", "score"),
    ("Inclusion sub-score", "inclusion", "score"),
    ("People Promise: we are compassionate and inclusive", "People Promise: we are compassionate and inclusive",
     "score"),
    ("Q9f", "q9f", "pct_positive"),
    ("Q9f mean score", "q9f", "score"),
    ("My immediate manager cares about my concerns. (% positive)", "q9h", "pct_positive"),
    ("Local pulse %", "Local pulse %", "pct_positive"),
    # "rate" says percentage; sickness is higher-is-worse (was read as a 0–10 score before issue 11).
    ("Sickness rate", "Sickness rate", "pct_unfavourable"),
])
def test_measure_recognition(nss, header, measure, kind):
    raw = make_raw({"Team": ["A"], "Responses": [40], header: [6.5]})
    frame = read_unit_results(raw, nss).frame
    assert frame[["measure", "value_kind", "value"]].values.tolist() == [[measure, kind, 6.5]]


def test_unrecognised_columns_outside_scales_are_left_out(nss):
    raw = make_raw({"Team": ["A", "B"], "Responses": [40, 50], "Morale": [6.0, 7.0], "Staff in post": ["1,200", "300"]})
    result = read_unit_results(raw, nss)
    assert set(result.frame["measure"]) == {"morale"}
    assert ("Column 'Staff in post' has values outside 0–10 and is neither a 0–10 score nor a percentage; it was "
            "left out.") in result.notes


def test_blank_rows_are_skipped(nss):
    raw = make_raw({"Team": ["A", None, "B"], "Responses": [40, None, 50], "Morale": [6.0, None, 7.0]})
    result = read_unit_results(raw, nss)
    assert result.frame["unit"].tolist() == ["A", "B"]
    assert "1 row(s) without a unit name or any figure skipped." in result.notes


# -- refusals ------------------------------------------------------------------------------------------

def test_text_in_numeric_column(nss):
    raw = make_raw({"Team": ["A", "B", "C"], "Responses": [40, 50, 60], "Morale": [6.0, "good", 7.0]})
    with pytest.raises(InputError, match="'good' is not a number") as info:
        read_unit_results(raw, nss)
    err = info.value
    assert (err.file, err.sheet, err.column, err.row) == ("benchmark_2025.xlsx", "Results", "Morale", 3)


def test_text_in_mostly_numeric_unrecognised_column(nss):
    raw = make_raw({"Team": ["A", "B", "C"], "Responses": [40, 50, 60], "Pulse": [6.0, 7.0, "n/k"]})
    with pytest.raises(InputError, match="'n/k' is not a number") as info:
        read_unit_results(raw, nss)
    assert (info.value.column, info.value.row) == ("Pulse", 4)


def test_score_outside_scale(nss):
    raw = make_raw({"Team": ["A", "B"], "Responses": [40, 50], "Compassionate leadership": [6.9, 71.0]})
    with pytest.raises(InputError, match="71 is outside the 0–10 score scale") as info:
        read_unit_results(raw, nss)
    assert (info.value.column, info.value.row) == ("Compassionate leadership", 3)
    raw = make_raw({"Team": ["A"], "Responses": [40], "Morale": [-0.5]})
    with pytest.raises(InputError, match="-0.5 is outside the 0–10 score scale"):
        read_unit_results(raw, nss)


def test_percentage_outside_scale(nss):
    raw = make_raw({"Team": ["A", "B"], "Responses": [40, 50], "Q9f % positive": ["63%", "163%"]})
    with pytest.raises(InputError, match="163 is not a percentage") as info:
        read_unit_results(raw, nss)
    assert info.value.row == 3


@pytest.mark.parametrize("count", ["12.5", "-3", "about 40", "40%"])
def test_bad_counts(nss, count):
    raw = make_raw({"Team": ["A", "B"], "Responses": [40, count], "Morale": [6.0, 7.0]})
    with pytest.raises(InputError, match="is not a number of responses") as info:
        read_unit_results(raw, nss)
    assert (info.value.column, info.value.row) == ("Responses", 3)


def test_no_count_column(nss):
    """Without a count column the file is read as published, already anonymised (issue 11), not refused."""
    raw = make_raw({"Team": ["A"], "Morale": [6.0]})
    result = read_unit_results(raw, nss)
    assert result.published_without_counts and result.count_col is None
    assert result.frame["n"].isna().all() and value(result, "A", "morale") == 6.0


def test_no_unit_column(nss):
    raw = make_raw({"Responses": [40], "Morale": [6.0]})
    with pytest.raises(InputError, match="No column with the names of the teams"):
        read_unit_results(raw, nss)


def test_named_column_missing(nss):
    with pytest.raises(InputError, match="There is no unit column called 'Ward'"):
        read_unit_results(benchmark(), nss, unit_col="Ward")


def test_no_result_columns(nss):
    raw = make_raw({"Team": ["A"], "Responses": [40], "Notes": ["fine"]})
    with pytest.raises(InputError, match="No column of scores or percentages"):
        read_unit_results(raw, nss)


def test_row_without_unit_name(nss):
    raw = make_raw({"Team": ["A", None], "Responses": [40, 50], "Morale": [6.0, 7.0]})
    with pytest.raises(InputError, match="figures but no unit name") as info:
        read_unit_results(raw, nss)
    assert (info.value.column, info.value.row) == ("Team", 3)


def test_unit_twice_in_one_wave(nss):
    raw = make_raw({"Team": ["A", "B", "A"], "Responses": [40, 50, 60], "Morale": [6.0, 7.0, 6.5]})
    with pytest.raises(InputError, match=r"'A' appears twice \(rows 2 and 4\)"):
        read_unit_results(raw, nss)


def test_two_columns_for_one_measure(nss):
    raw = make_raw({"Team": ["A"], "Responses": [40], "Morale": [6.0], "Morale score": [6.0]})
    with pytest.raises(InputError, match="'Morale' and 'Morale score' both give morale"):
        read_unit_results(raw, nss)


def test_row_without_wave(nss):
    raw = make_raw({"Year": [2025, None], "Team": ["A", "B"], "Responses": [40, 50], "Morale": [6.0, 7.0]})
    with pytest.raises(InputError, match="This row has no wave") as info:
        read_unit_results(raw, nss)
    assert (info.value.column, info.value.row) == ("Year", 3)
    filled = read_unit_results(raw, nss, wave_label="2025")
    assert filled.frame["wave"].tolist() == ["2025", "2025"]
