"""HR outcomes (analytics.hr): hand-computed leaver rate, stability index and sickness rate.

Expected values are written as the arithmetic that gives them. 2024 is a leap year: 366 days,
February has 29.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import hr, settings
from analytics.errors import InputError
from analytics.ingest.raw import RawTable
from analytics.hr import HRExclusions

ORG = settings.ORGANISATION_UNIT
STAFF_HEADER = ["Employee Number", "Directorate", "Team", "Staff Group", "Assignment Start Date",
                "Termination Date", "FTE"]
ABSENCE_HEADER = ["Employee Number", "Absence Start Date", "Absence End Date", "FTE Days Lost"]


def make_raw(rows: list[list], name: str = "staff.csv", *, typed: bool = False) -> RawTable:
    """A RawTable as analytics.ingest.io gives it: header row 1, data from row 2 (index = spreadsheet row).
    ``typed=False``: every cell text (CSV); ``typed=True``: cells keep their Python type (workbook)."""
    header, data = rows[0], rows[1:]
    frame = pd.DataFrame(data, columns=header, dtype=object if typed else "str")
    frame.index = pd.RangeIndex(2, 2 + len(data))
    return RawTable(frame=frame, file_name=name)


def row_of(table: pd.DataFrame, level: str, unit: str) -> pd.Series:
    hit = table[(table["level"] == level) & (table["unit"] == unit)]
    assert len(hit) == 1, f"{level}/{unit}: {len(hit)} rows"
    return hit.iloc[0]


# --- The main example: window 2024-01-01..2024-12-31 ------------------------------------------------
STAFF_ROWS = [
    STAFF_HEADER,
    ["10000001", "D1", "A", "Nursing", "01/01/2020", "", "1"],             # in post all year
    ["10000002", "D1", "A", "Nursing", "01/05/2019", "15/03/2024", "1"],   # leaver in March
    ["10000003", "D1", "A", "Nursing", "2024-06-01", "", "1.0"],           # joiner in June
    ["10000004", "D1", "A", "Admin", "01/01/2018", "", "0.6"],             # part time
    ["10000005", "D2", "B", "Doctors in training", "01/02/2024", "31/08/2024", "0.8"],  # joins and leaves
    ["10000006", "D2", "B", "Nursing", "01/01/2015", "", "1"],
]
ABSENCE_ROWS = [
    ABSENCE_HEADER,
    ["10000001", "20/12/2023", "10/01/2024", "22"],   # crosses the window's start: 10 of 22 days inside
    ["10000004", "01/02/2024", "05/02/2024", ""],     # FTE days lost not given: 0.6 x 5 days
    ["10000006", "20/12/2024", "10/01/2025", "22"],   # crosses the window's end: 12 of 22 days inside
    ["10000005", "01/03/2024", "10/03/2024", "8"],
]
A_AVAILABLE = 1 * 366 + 1 * (31 + 29 + 15) + 1 * (30 + 31 + 31 + 30 + 31 + 30 + 31) + 0.6 * 366
A_LOST = 22 * 10 / 22 + 0.6 * 5
B_AVAILABLE = 0.8 * (29 + 31 + 30 + 31 + 30 + 31 + 31) + 1 * 366
B_LOST = 22 * 12 / 22 + 8


@pytest.fixture
def records() -> hr.StaffRecords:
    staff = hr.load_staff(make_raw(STAFF_ROWS))
    return hr.load_absence(make_raw(ABSENCE_ROWS, "absence.csv"), staff)


def test_team_figures_by_hand(records):
    table = hr.hr_metrics(records, start="2024-01-01", end="2024-12-31")
    a = row_of(table, "team", "A")
    assert (a["staff_start"], a["staff_end"], a["leavers"]) == (3, 3, 1)
    assert a["leaver_rate"] == pytest.approx(100 * 1 / ((3 + 3) / 2))
    assert a["stability_index"] == pytest.approx(100 * 2 / 3)
    assert a["fte_days_available"] == pytest.approx(A_AVAILABLE)
    assert a["fte_days_lost"] == pytest.approx(A_LOST)
    assert a["sickness_rate"] == pytest.approx(100 * A_LOST / A_AVAILABLE)
    assert a["parent"] == "D1"
    b = row_of(table, "team", "B")
    assert (b["staff_start"], b["staff_end"], b["leavers"]) == (1, 1, 1)   # the joiner-leaver is in neither
    assert b["leaver_rate"] == pytest.approx(100 * 1 / ((1 + 1) / 2))
    assert b["stability_index"] == pytest.approx(100 * 1 / 1)
    assert b["fte_days_available"] == pytest.approx(B_AVAILABLE)
    assert b["sickness_rate"] == pytest.approx(100 * B_LOST / B_AVAILABLE)


def test_organisation_and_directorates_sum_numerators_and_denominators(records):
    table = hr.hr_metrics(records, start="2024-01-01", end="2024-12-31")
    assert list(table.columns) == list(hr.HR_METRIC_COLUMNS)
    assert list(table["level"]) == ["organisation", "directorate", "directorate", "team", "team"]
    org = row_of(table, "organisation", ORG)
    assert org["parent"] is None
    assert (org["staff_start"], org["staff_end"], org["leavers"]) == (4, 4, 2)
    assert org["leaver_rate"] == pytest.approx(100 * 2 / ((4 + 4) / 2))
    assert org["stability_index"] == pytest.approx(100 * 3 / 4)
    assert org["fte_days_available"] == pytest.approx(A_AVAILABLE + B_AVAILABLE)
    # sums, not the mean of the two directorates' rates
    assert org["sickness_rate"] == pytest.approx(100 * (A_LOST + B_LOST) / (A_AVAILABLE + B_AVAILABLE))
    assert org["sickness_rate"] != pytest.approx((100 * A_LOST / A_AVAILABLE + 100 * B_LOST / B_AVAILABLE) / 2)
    d1 = row_of(table, "directorate", "D1")
    assert d1["parent"] == ORG
    assert d1["sickness_rate"] == pytest.approx(100 * A_LOST / A_AVAILABLE)
    assert table["window_start"].iloc[0] == pd.Timestamp("2024-01-01")
    assert table["window_end"].iloc[0] == pd.Timestamp("2024-12-31")


def test_exclusion_of_a_staff_group(records):
    table = hr.hr_metrics(records, start="2024-01-01", end="2024-12-31",
                          exclusions=HRExclusions(staff_groups=["  doctors IN training "]))
    b = row_of(table, "team", "B")
    assert (b["staff_start"], b["staff_end"], b["leavers"]) == (1, 1, 0)
    assert b["leaver_rate"] == 0
    assert b["fte_days_available"] == pytest.approx(366)
    assert b["fte_days_lost"] == pytest.approx(22 * 12 / 22)   # the excluded doctor's 8 days are gone too
    org = row_of(table, "organisation", ORG)
    assert org["leavers"] == 1
    assert org["leaver_rate"] == pytest.approx(100 * 1 / ((4 + 4) / 2))
    assert table.attrs["excluded_staff_groups"] == ("  doctors IN training ",)


def test_a_shorter_window(records):
    # 2024-04-01..2024-06-30 (91 days): E2 has left, E3 joins on 1 June, E5 is in post throughout.
    table = hr.hr_metrics(records, start="2024-04-01", end="2024-06-30")
    a = row_of(table, "team", "A")
    assert (a["staff_start"], a["staff_end"], a["leavers"]) == (2, 3, 0)
    assert a["fte_days_available"] == pytest.approx(91 + 30 + 0.6 * 91)
    assert a["fte_days_lost"] == 0          # an absence file was given: no episodes is a true zero
    b = row_of(table, "team", "B")
    assert b["fte_days_available"] == pytest.approx(0.8 * 91 + 91)


def test_joiner_and_leaver_in_an_empty_team_gives_na_rates_not_zero():
    raw = make_raw([STAFF_HEADER,
                    ["1", "D1", "A", "Nursing", "01/01/2020", "", "1"],
                    ["2", "D1", "Short", "Nursing", "01/03/2024", "30/04/2024", "1"]])
    table = hr.hr_metrics(hr.load_staff(raw), start="2024-01-01", end="2024-12-31")
    short = row_of(table, "team", "Short")
    assert (short["staff_start"], short["staff_end"], short["leavers"]) == (0, 0, 1)
    assert pd.isna(short["leaver_rate"]) and pd.isna(short["stability_index"])
    assert short["fte_days_available"] == pytest.approx(31 + 30)
    # without an absence file FTE days lost are unknown, not zero
    assert pd.isna(short["fte_days_lost"]) and pd.isna(short["sickness_rate"])


def test_no_fte_column_leaves_days_available_unknown():
    raw = make_raw([["Employee Number", "Team", "Start Date", "Leaving Date"],
                    ["1", "A", "01/01/2020", ""], ["2", "A", "01/01/2020", "30/06/2024"]])
    records = hr.load_staff(raw)
    table = hr.hr_metrics(records, start="2024-01-01", end="2024-12-31")
    a = row_of(table, "team", "A")
    assert a["leaver_rate"] == pytest.approx(100 * 1 / ((2 + 1) / 2))
    assert pd.isna(a["fte_days_available"]) and pd.isna(a["sickness_rate"])
    assert "directorate" not in set(table["level"])       # no directorate column: level not reported
    assert a["parent"] == ORG
    assert any("No FTE column" in note for note in records.notes)


# --- Counting people: moves between teams, concurrent assignments ------------------------------------
def test_people_are_counted_per_unit_through_moves_and_concurrent_assignments():
    raw = make_raw([STAFF_HEADER,
                    ["1", "D1", "A", "Nursing", "01/01/2020", "30/04/2024", "1"],   # moves A -> C next day
                    ["1", "D1", "C", "Nursing", "01/05/2024", "", "1"],
                    ["2", "D1", "A", "Nursing", "01/01/2020", "", "0.5"],           # two assignments in A
                    ["2", "D1", "A", "Nursing", "01/01/2022", "", "0.3"],
                    ["3", "D1", "A", "Nursing", "01/01/2020", "31/05/2024", "1"],   # leaves, and two days
                    ["3", "D2", "E", "Nursing", "03/06/2024", "", "1"]])            # later starts in D2
    table = hr.hr_metrics(hr.load_staff(raw), start="2024-01-01", end="2024-12-31")
    a = row_of(table, "team", "A")
    assert (a["staff_start"], a["staff_end"], a["leavers"]) == (3, 1, 2)
    assert a["leaver_rate"] == pytest.approx(100 * 2 / ((3 + 1) / 2))
    assert a["stability_index"] == pytest.approx(100 * 1 / 3)
    a_available = 1 * (31 + 29 + 31 + 30) + (0.5 + 0.3) * 366 + 1 * (31 + 29 + 31 + 30 + 31)
    assert a["fte_days_available"] == pytest.approx(a_available)
    c = row_of(table, "team", "C")
    assert (c["staff_start"], c["staff_end"], c["leavers"]) == (0, 1, 0)
    assert c["leaver_rate"] == 0 and pd.isna(c["stability_index"])
    d1 = row_of(table, "directorate", "D1")           # person 1's move is not a leaver from D1
    assert (d1["staff_start"], d1["staff_end"], d1["leavers"]) == (3, 2, 1)
    assert d1["leaver_rate"] == pytest.approx(100 * 1 / ((3 + 2) / 2))
    org = row_of(table, "organisation", ORG)           # person 3's two-day gap is a break
    assert (org["staff_start"], org["staff_end"], org["leavers"]) == (3, 3, 1)
    assert org["stability_index"] == pytest.approx(100 * 2 / 3)
    e_available = 1 * (28 + 31 + 31 + 30 + 31 + 30 + 31)   # 3 June to 31 December
    c_available = 1 * (31 + 30 + 31 + 31 + 30 + 31 + 30 + 31)
    assert org["fte_days_available"] == pytest.approx(a_available + c_available + e_available)


def test_termination_on_the_last_day_is_a_leaver_and_in_post_at_the_end():
    # The definitions: in post on D if termination >= D; leaver if termination inside the window.
    raw = make_raw([STAFF_HEADER, ["1", "D1", "A", "N", "01/01/2020", "31/12/2024", "1"],
                    ["2", "D1", "A", "N", "01/01/2020", "01/01/2024", "1"]])
    a = row_of(hr.hr_metrics(hr.load_staff(raw), start="2024-01-01", end="2024-12-31"), "team", "A")
    assert (a["staff_start"], a["staff_end"], a["leavers"]) == (2, 1, 2)
    assert a["stability_index"] == 0
    assert a["fte_days_available"] == pytest.approx(366 + 1)


# --- Absence: computing and sharing FTE days lost ------------------------------------------------
def test_fte_days_lost_worked_out_from_fte_and_calendar_days():
    staff = hr.load_staff(make_raw([STAFF_HEADER, ["7", "D1", "A", "N", "01/01/2020", "", "0.5"]]))
    absence = make_raw([["Employee Number", "Start Date", "End Date", "Calendar Days Lost"],
                        ["7", "01/03/2024", "10/03/2024", ""],       # 0.5 x 10 days
                        ["7", "01/04/2024", "30/04/2024", "20"]],    # 0.5 x 20 calendar days lost
                       "absence.csv")
    records = hr.load_absence(absence, staff)
    a = row_of(hr.hr_metrics(records, start="2024-01-01", end="2024-12-31"), "team", "A")
    assert a["fte_days_lost"] == pytest.approx(0.5 * 10 + 0.5 * 20)
    assert a["sickness_rate"] == pytest.approx(100 * (0.5 * 10 + 0.5 * 20) / (0.5 * 366))


def test_an_episode_is_shared_among_concurrent_assignments_by_fte():
    staff = hr.load_staff(make_raw([STAFF_HEADER,
                                    ["7", "D1", "A", "N", "01/01/2020", "", "0.6"],
                                    ["7", "D1", "B", "N", "01/01/2020", "", "0.2"],
                                    ["7", "D1", "C", "N", "01/01/2020", "31/12/2022", "0.2"]]))
    records = hr.load_absence(make_raw([ABSENCE_HEADER[:3], ["7", "01/03/2024", "10/03/2024"]], "abs.csv"), staff)
    table = hr.hr_metrics(records, start="2024-01-01", end="2024-12-31")
    assert row_of(table, "team", "A")["fte_days_lost"] == pytest.approx(0.6 * 10)
    assert row_of(table, "team", "B")["fte_days_lost"] == pytest.approx(0.2 * 10)
    assert row_of(table, "organisation", ORG)["fte_days_lost"] == pytest.approx((0.6 + 0.2) * 10)
    assert "C" not in set(table["unit"])                  # nobody in post in C during the window


def test_an_absence_while_not_in_post_is_left_out_with_a_finding():
    # 5 days after leaving A, 117 before joining B: no team lost working time, so no days are counted
    staff = hr.load_staff(make_raw([STAFF_HEADER, ["7", "D1", "A", "N", "01/01/2020", "31/01/2024", "1"],
                                    ["7", "D1", "B", "N", "01/06/2024", "", "1"]]))
    records = hr.load_absence(make_raw([ABSENCE_HEADER, ["7", "05/02/2024", "06/02/2024", "2"],
                                        ["7", "10/06/2024", "11/06/2024", "2"]], "abs.csv"), staff)
    table = hr.hr_metrics(records, start="2024-01-01", end="2024-12-31")
    assert row_of(table, "team", "A")["fte_days_lost"] == 0
    assert row_of(table, "team", "B")["fte_days_lost"] == 2
    assert any(n.startswith("1 absence episode(s) start when the person is not in post") and "rows 2 of 'abs.csv'" in n
               for n in records.notes)


def test_open_absence_runs_to_the_latest_date_in_the_data():
    staff = hr.load_staff(make_raw([STAFF_HEADER, ["7", "D1", "A", "N", "01/01/2020", "", "1"],
                                    ["8", "D1", "A", "N", "01/01/2020", "30/06/2024", "1"]]))
    records = hr.load_absence(make_raw([ABSENCE_HEADER[:3], ["7", "21/06/2024", ""]], "abs.csv"), staff)
    assert records.coverage_end == pd.Timestamp("2024-06-30")
    a = row_of(hr.hr_metrics(records, start="2024-06-01", end="2024-06-30"), "team", "A")
    assert a["fte_days_lost"] == pytest.approx(1 * 10)     # 21..30 June
    assert any("no end date" in note for note in records.notes)


def test_absence_can_link_by_assignment_number():
    staff = hr.load_staff(make_raw([["Assignment Number", "Team", "Start Date", "End Date", "WTE"],
                                    ["123-1", "A", "01/01/2020", "", "1"], ["123-2", "B", "01/01/2020", "", "1"]]))
    absence = make_raw([["Assignment Number", "Absence Start Date", "Absence End Date"],
                        ["123-2", "01/01/2024", "04/01/2024"]], "abs.csv")
    table = hr.hr_metrics(hr.load_absence(absence, staff), start="2024-01-01", end="2024-12-31")
    assert row_of(table, "team", "B")["fte_days_lost"] == 4
    assert row_of(table, "team", "A")["fte_days_lost"] == 0


# --- Reading cells: dates in every accepted form -----------------------------------------------------
def test_dates_in_uk_iso_excel_serial_and_month_name_forms_agree():
    text = make_raw([STAFF_HEADER,
                     ["1", "D", "A", "N", "05/03/2020", "", "1"],
                     ["2", "D", "A", "N", "2020-03-05", "", "1"],
                     ["3", "D", "A", "N", "5-Mar-2020", "", "1"],
                     ["4", "D", "A", "N", "05 MARCH 2020", "", "1"],
                     ["5", "D", "A", "N", "05/03/2020 00:00", "31/12/4712", "1"],   # ESR end-of-time marker
                     ["6", "D", "A", "N", "43895", "", "1"],                      # Excel serial as text
                     ["7", "D", "A", "N", "05.03.2020", "", "1"]])
    typed = make_raw([STAFF_HEADER,
                      [1, "D", "A", "N", dt.datetime(2020, 3, 5), None, 1.0],
                      [2, "D", "A", "N", 43895.0, dt.datetime(9999, 12, 31), 1],
                      [3, "D", "A", "N", dt.date(2020, 3, 5), None, 1.0]], "staff.xlsx", typed=True)
    for raw in (text, typed):
        records = hr.load_staff(raw)
        assert (records.assignments["start_day"] == (pd.Timestamp("2020-03-05") - pd.Timestamp("1970-01-01")).days).all()
        assert (records.assignments["end_day"] > 10**8).all()     # all still in post


def test_datetime_and_numeric_columns_are_read_directly():
    frame = pd.DataFrame({"Employee Number": [1, 2], "Team": ["A", "A"],
                          "Start Date": pd.to_datetime(["2020-01-01", "2021-01-01"]),
                          "Termination Date": [45292.0, np.nan], "FTE": [1.0, 0.5]}, index=[2, 3])
    records = hr.load_staff(RawTable(frame=frame, file_name="staff.xlsx"))
    assert records.assignments["end_day"].iloc[0] == (pd.Timestamp("2024-01-01") - pd.Timestamp("1970-01-01")).days


def test_team_column_override_and_header_recognition():
    raw = make_raw([["Employee No", "Ward", "Cost Centre", "Hire Date", "Date Left", "WTE"],
                    ["1", "Ward 1", "CC1", "01/01/2020", "", "1"]])
    assert row_of(hr.hr_metrics(hr.load_staff(raw), start="2024-01-01", end="2024-12-31"), "team", "Ward 1")["staff_start"] == 1
    records = hr.load_staff(raw, team_col=" cost  centre")
    assert set(records.assignments["team"]) == {"CC1"}
    with pytest.raises(InputError, match="no team column called 'Unit'"):
        hr.load_staff(raw, team_col="Unit")


# --- Refusals -------------------------------------------------------------------------------------
def _staff_with(cells: dict) -> RawTable:
    row = dict(zip(STAFF_HEADER, ["1", "D1", "A", "Nursing", "01/01/2020", "", "1"]))
    row.update(cells)
    return make_raw([STAFF_HEADER, ["2", "D1", "A", "Nursing", "01/01/2020", "", "1"], list(row.values())])


@pytest.mark.parametrize("cells, pattern", [
    ({"Assignment Start Date": "13/25/2024"}, r"column 'Assignment Start Date', row 3: '13/25/2024' is not a date"),
    ({"Assignment Start Date": "12/31/2024"}, r"row 3: '12/31/2024' is not a date.*month-first"),
    ({"Assignment Start Date": "01/03/24"}, r"row 3: '01/03/24' is not a date"),
    ({"Assignment Start Date": "yesterday"}, r"row 3: 'yesterday' is not a date"),
    ({"Assignment Start Date": ""}, r"column 'Assignment Start Date', row 3: The start date is blank"),
    ({"Assignment Start Date": "01/01/1850"}, r"row 3: '01/01/1850' is not a plausible start date"),
    ({"Assignment Start Date": "31/12/4712"}, r"row 3: '31/12/4712' is not a plausible start date"),
    ({"Termination Date": "31/12/2019"}, r"column 'Termination Date', row 3: The termination date 31/12/2019 is before"),
    ({"FTE": "-0.2"}, r"column 'FTE', row 3: The FTE -0.2 is negative"),
    ({"FTE": "1.6"}, r"column 'FTE', row 3: The FTE 1.6 is above 1.5"),
    ({"FTE": ""}, r"column 'FTE', row 3: The FTE is blank"),
    ({"FTE": "full"}, r"column 'FTE', row 3: 'full' is not a number"),
])
def test_staff_file_refusals_name_file_column_and_row(cells, pattern):
    with pytest.raises(InputError, match=pattern) as caught:
        hr.load_staff(_staff_with(cells))
    assert caught.value.file == "staff.csv" and caught.value.row == 3


def test_unreadable_dates_are_counted():
    raw = make_raw([STAFF_HEADER] + [[str(i), "D", "A", "N", "31/02/2024", "", "1"] for i in range(3)])
    with pytest.raises(InputError, match=r"row 2: '31/02/2024' is not a date.*\(2 more rows like this.\)"):
        hr.load_staff(raw)


def test_missing_columns_name_what_was_expected_and_what_was_found():
    raw = make_raw([["Employee Number", "Team", "Start"], ["1", "A", "01/01/2020"]])
    with pytest.raises(InputError, match=r"no column for: start date \(a header such as 'Assignment Start Date'.*"
                                         r"termination date .*The headers found are: 'Employee Number', 'Team', 'Start'"):
        hr.load_staff(raw)


def test_empty_files_are_refused():
    with pytest.raises(InputError, match="staff.csv: The staff file has no data rows"):
        hr.load_staff(make_raw([STAFF_HEADER]))
    staff = hr.load_staff(make_raw(STAFF_ROWS))
    with pytest.raises(InputError, match="absence.csv: The absence file has no data rows"):
        hr.load_absence(make_raw([ABSENCE_HEADER], "absence.csv"), staff)
    with pytest.raises(InputError, match="months.csv: The team-month file has no data rows"):
        hr.load_team_month(make_raw([["Team", "Month", "Staff in post", "Leavers"]], "months.csv"))


@pytest.fixture
def staff() -> hr.StaffRecords:
    return hr.load_staff(make_raw(STAFF_ROWS))


@pytest.mark.parametrize("rows, pattern", [
    ([["10000001", "01/02/2024", "05/02/2024", "5"], ["99999999", "01/02/2024", "05/02/2024", "5"]],
     r"absence.csv, column 'Employee Number', row 3: This absence is for an employee number that is not in "
     r"the staff file 'staff.csv'"),
    ([["10000001", "10/02/2024", "05/02/2024", "5"]],
     r"column 'Absence End Date', row 2: The absence end date 05/02/2024 is before its start date"),
    ([["", "01/02/2024", "05/02/2024", "5"]], r"column 'Employee Number', row 2: The employee number is blank"),
    ([["10000001", "2024-02-30", "05/03/2024", "5"]], r"column 'Absence Start Date', row 2: '2024-02-30' is not a date"),
    ([["10000001", "01/02/2024", "05/02/2024", "-1"]], r"column 'FTE Days Lost', row 2: FTE days lost -1 is negative"),
])
def test_absence_refusals(staff, rows, pattern):
    with pytest.raises(InputError, match=pattern):
        hr.load_absence(make_raw([ABSENCE_HEADER] + rows, "absence.csv"), staff)


def test_absence_refusals_about_linking_and_fte():
    staff = hr.load_staff(make_raw([["Team", "Start Date", "Termination Date"], ["A", "01/01/2020", ""]]))
    with pytest.raises(InputError, match="need a shared 'Employee Number'"):
        hr.load_absence(make_raw([ABSENCE_HEADER, ["1", "01/02/2024", "02/02/2024", "2"]], "a.csv"), staff)
    no_fte = hr.load_staff(make_raw([["Employee Number", "Team", "Start Date", "Termination Date"],
                                     ["1", "A", "01/01/2020", ""]]))
    with pytest.raises(InputError, match=r"row 2: FTE days lost are not given for this episode and cannot be "
                                         r"worked out"):
        hr.load_absence(make_raw([ABSENCE_HEADER[:3], ["1", "01/02/2024", "02/02/2024"]], "a.csv"), no_fte)
    with pytest.raises(InputError, match=r"column 'FTE', row 2: The FTE 2 is above 1.5"):
        hr.load_absence(make_raw([ABSENCE_HEADER[:3] + ["FTE"], ["1", "01/02/2024", "02/02/2024", "2"]], "a.csv"),
                        no_fte)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"start": "2024-12-31", "end": "2024-01-01"}, r"The window ends \(2024-01-01\) before it starts \(2024-12-31\)"),
    ({"start": "2024-01-01"}, "Give both the window's start and its end"),
    ({"end": "2024-01-01"}, "Give both the window's start and its end"),
    ({"start": "01/01/2024", "end": "2024-12-31"}, r"window start '01/01/2024' is not a date in the form YYYY-MM-DD"),
    ({"start": "2024-01-01", "end": "2024-12-31", "exclusions": HRExclusions(staff_groups=["Bank"])},
     r"There is no staff group 'Bank' to exclude. The staff groups in the file are: 'Admin', 'Doctors in training', "
     r"'Nursing'"),
    ({"start": "2024-01-01", "end": "2024-12-31", "exclusions": HRExclusions(staff_groups=["Nursing", "Admin", "Doctors in training"])},
     "Nobody is left once these are excluded: staff groups 'Admin', 'Doctors in training', 'Nursing' \\(all 6 staff records\\)"),
    ({"start": "1990-01-01", "end": "1990-12-31"}, "Nobody in the data was in post between 01/01/1990 and 31/12/1990"),
    ({"start": "2024-01-01", "end": "2024-12-31", "levels": ["ward"]}, "Unknown level 'ward'"),
])
def test_window_and_exclusion_refusals(records, kwargs, pattern):
    with pytest.raises(InputError, match=pattern):
        hr.hr_metrics(records, **kwargs)


def test_exclusion_needs_a_staff_group_column():
    records = hr.load_staff(make_raw([["Team", "Start Date", "End Date"], ["A", "01/01/2020", ""]]))
    with pytest.raises(InputError, match="Staff groups cannot be excluded: the file has no 'Staff Group' column"):
        hr.hr_metrics(records, exclusions=HRExclusions(staff_groups=["Bank"]))


# --- Default window -----------------------------------------------------------------------------
def test_default_window_is_the_12_months_ending_with_the_latest_complete_month(records):
    # the latest event (a start, leaving date or absence's first day) is the absence starting 20/12/2024,
    # so the HR period ends on 31/12/2024 (an absence's end date is not an event: it may be an expected
    # return), and December 2024 is the latest complete month
    assert records.coverage_start == pd.Timestamp("2023-12-01")   # the absence starting 20/12/2023
    assert records.coverage_end == pd.Timestamp("2024-12-31")
    assert hr.latest_complete_month(records) == pd.Timestamp("2024-12-01")
    assert hr.default_window(records) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    pd.testing.assert_frame_equal(hr.hr_metrics(records), hr.hr_metrics(records, start="2024-01-01", end="2024-12-31"))
    assert hr.default_window(records, as_of="2025-03-31") == (pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-31"))
    assert hr.default_window(records, as_of="2025-03-30") == (pd.Timestamp("2024-03-01"), pd.Timestamp("2025-02-28"))


# --- Team-month aggregates --------------------------------------------------------------------------
TEAM_MONTH_ROWS = [
    ["Directorate", "Team", "Month", "Staff in post", "Leavers", "FTE days lost", "FTE days available"],
    ["D1", "X", "2024-01", "10", "0", "5", "300"],
    ["D1", "X", "Feb 2024", "9", "1", "6", "280"],
    ["D1", "X", "01/03/2024", "11", "0", "7", "310"],
    ["D1", "Y", "February 2024", "4", "0", "1", "100"],     # a new team
    ["D1", "Y", "2024-03-01", "5", "1", "2", "120"],
]


@pytest.fixture
def team_months() -> hr.TeamMonthRecords:
    return hr.load_team_month(make_raw(TEAM_MONTH_ROWS, "months.csv"))


def test_team_month_figures_by_hand(team_months):
    assert team_months.coverage_start == pd.Timestamp("2024-01-01")
    assert team_months.coverage_end == pd.Timestamp("2024-03-31")
    table = hr.hr_metrics(team_months, start="2024-01-01", end="2024-03-31")
    x = row_of(table, "team", "X")
    # staff_start: no month before January in the file, so January's own staff in post (assumption)
    assert (x["staff_start"], x["staff_end"], x["leavers"]) == (10, 11, 1)
    assert x["leaver_rate"] == pytest.approx(100 * 1 / ((10 + 11) / 2))
    assert pd.isna(x["stability_index"])
    assert x["sickness_rate"] == pytest.approx(100 * (5 + 6 + 7) / (300 + 280 + 310))
    y = row_of(table, "team", "Y")
    assert (y["staff_start"], y["staff_end"], y["leavers"]) == (0, 5, 1)
    assert y["leaver_rate"] == pytest.approx(100 * 1 / ((0 + 5) / 2))
    d1 = row_of(table, "directorate", "D1")
    assert (d1["staff_start"], d1["staff_end"], d1["leavers"]) == (10, 16, 2)
    assert d1["sickness_rate"] == pytest.approx(100 * (5 + 6 + 7 + 1 + 2) / (300 + 280 + 310 + 100 + 120))
    assert row_of(table, "organisation", ORG)["leaver_rate"] == pytest.approx(100 * 2 / ((10 + 16) / 2))


def test_team_month_window_starts_from_the_previous_months_staff_in_post(team_months):
    table = hr.hr_metrics(team_months, start="2024-02-01", end="2024-03-31")
    x = row_of(table, "team", "X")
    assert (x["staff_start"], x["staff_end"], x["leavers"]) == (10, 11, 1)   # staff in post at the end of January
    y = row_of(table, "team", "Y")
    assert (y["staff_start"], y["staff_end"]) == (0, 5)
    january = hr.hr_metrics(team_months, start="2024-01-01", end="2024-01-31")
    assert "Y" not in set(january["unit"])                                      # Y did not exist yet


def test_team_month_file_is_detected_and_fte_columns_are_optional():
    raw = make_raw([["Ward", "Period", "Headcount", "Leavers"], ["A", "2024-01", "8", "1"],
                    ["A", "2024-02", "8", "0"]], "months.csv")
    records = hr.load_hr_table(raw)
    assert isinstance(records, hr.TeamMonthRecords)
    with pytest.raises(InputError, match="covers Jan 2024 to Feb 2024, less than the standard 12-month window"):
        hr.hr_metrics(records)
    table = hr.hr_metrics(records, start="2024-01-01", end="2024-02-29")
    a = row_of(table, "team", "A")
    assert a["leaver_rate"] == pytest.approx(100 * 1 / 8)
    assert pd.isna(a["sickness_rate"]) and pd.isna(a["fte_days_lost"])


def test_a_team_month_file_missing_a_column_is_told_so():
    raw = make_raw([["Team", "Month", "Staff", "Leavers"], ["A", "2024-01", "8", "1"]], "months.csv")
    with pytest.raises(InputError, match=r"months.csv: This team-month file has no column for: staff in post "
                                         r"\(a header such as 'Staff in post', 'Headcount'"):
        hr.load_hr_table(raw)


@pytest.mark.parametrize("rows, kwargs, pattern", [
    ([["D1", "X", "2024-01", "10", "0", "5", "300"], ["D1", "X", "2024-03", "10", "0", "5", "300"]], {},
     r"column 'Month', row 3: The month before this one is missing for this team \(its previous month is on row 2\)"),
    ([["D1", "X", "2024-01", "10", "0", "5", "300"], ["D1", "X", "Jan 2024", "10", "0", "5", "300"]], {},
     r"row 3: This team and month appear twice \(on row 2 as well\)"),
    ([["D1", "X", "2024-13", "10", "0", "5", "300"]], {}, r"row 2: '2024-13' is not a month"),
    ([["D1", "X", "2024-01", "", "0", "5", "300"]], {}, r"column 'Staff in post', row 2: The staff in post figure is blank"),
    ([["D1", "X", "2024-01", "10.5", "0", "5", "300"]], {}, r"row 2: The staff in post figure 10.5 is not a whole number"),
    ([["D1", "X", "2024-01", "10", "-1", "5", "300"]], {}, r"column 'Leavers', row 2: The leavers figure -1"),
    ([["D1", "X", "2024-01", "10", "0", "-5", "300"]], {}, r"column 'FTE days lost', row 2: FTE days lost -5 is negative"),
    ([["D1", "X", "2024-01", "10", "0", "5", "300"]], {"start": "2024-01-02", "end": "2024-01-31"},
     "only be reported over whole months"),
    ([["D1", "X", "2024-01", "10", "0", "5", "300"]], {"start": "2023-12-01", "end": "2024-01-31"},
     r"not covered by the file, which runs from Jan 2024 to Jan 2024"),
    ([["D1", "X", "2024-01", "10", "0", "5", "300"]],
     {"start": "2024-01-01", "end": "2024-01-31", "exclusions": HRExclusions(staff_groups=["Bank"])},
     "Staff groups cannot be excluded"),
])
def test_team_month_refusals(rows, kwargs, pattern):
    with pytest.raises(InputError, match=pattern):
        hr.hr_metrics(hr.load_team_month(make_raw([TEAM_MONTH_ROWS[0]] + rows, "months.csv")), **kwargs)


def test_team_month_staff_group_exclusion():
    header = ["Team", "Staff Group", "Month", "Staff in post", "Leavers"]
    raw = make_raw([header, ["A", "Nursing", "2024-01", "10", "1"], ["A", "Bank", "2024-01", "5", "3"]], "m.csv")
    table = hr.hr_metrics(hr.load_team_month(raw), start="2024-01-01", end="2024-01-31",
                          exclusions=HRExclusions(staff_groups=["bank"]))
    assert row_of(table, "team", "A")["leaver_rate"] == pytest.approx(100 * 1 / 10)


# --- Monthly table and rolling series -------------------------------------------------------------
LONG_ROWS = [
    STAFF_HEADER,
    ["1", "D1", "A", "N", "01/01/2020", "", "1"],
    ["2", "D1", "A", "N", "01/01/2020", "20/01/2023", "1"],     # first leaver: the data start in Jan 2023
    ["3", "D1", "A", "N", "01/01/2020", "10/03/2024", "0.5"],
    ["4", "D1", "A", "N", "01/07/2023", "", "1"],
    ["5", "D2", "B", "N", "01/01/2021", "31/12/2024", "1"],      # the latest date: Dec 2024 is complete
]
LONG_ABSENCE = [ABSENCE_HEADER, ["1", "25/12/2023", "05/01/2024", "12"], ["4", "01/08/2024", "31/08/2024", "31"]]


@pytest.fixture
def long_records() -> hr.StaffRecords:
    return hr.load_absence(make_raw(LONG_ABSENCE, "abs.csv"), hr.load_staff(make_raw(LONG_ROWS)))


def test_monthly_table_by_hand(long_records):
    monthly = hr.monthly_hr_table(long_records, level="team")
    assert list(monthly.columns) == list(hr.HR_MONTHLY_COLUMNS)
    a = monthly[monthly["unit"] == "A"].set_index("month")
    assert a.index.min() == pd.Timestamp("2023-01-01") and a.index.max() == pd.Timestamp("2024-12-01")
    jan23 = a.loc[pd.Timestamp("2023-01-01")]
    assert (jan23["staff_start"], jan23["staff_end"], jan23["leavers"]) == (3, 2, 1)
    assert jan23["fte_days_available"] == pytest.approx(31 + 20 + 0.5 * 31)
    dec23 = a.loc[pd.Timestamp("2023-12-01")]
    assert dec23["fte_days_lost"] == pytest.approx(12 * 7 / 12)            # 25..31 December of 12 days
    assert a.loc[pd.Timestamp("2024-01-01"), "fte_days_lost"] == pytest.approx(12 * 5 / 12)
    mar24 = a.loc[pd.Timestamp("2024-03-01")]
    assert (mar24["staff_start"], mar24["staff_end"], mar24["leavers"]) == (3, 2, 1)
    assert mar24["fte_days_available"] == pytest.approx(31 + 0.5 * 10 + 31)


def test_monthly_sums_equal_the_window_metrics(long_records):
    monthly = hr.monthly_hr_table(long_records, level="team")
    window = monthly[(monthly["month"] >= "2024-01-01") & (monthly["month"] <= "2024-12-01")]
    metrics = hr.hr_metrics(long_records, start="2024-01-01", end="2024-12-31", levels=["team"])
    for unit, months in window.groupby("unit"):
        row = row_of(metrics, "team", unit)
        assert months["leavers"].sum() == row["leavers"]
        assert months["staff_start"].iloc[0] == row["staff_start"]
        assert months["staff_end"].iloc[-1] == row["staff_end"]
        assert months["fte_days_lost"].sum() == pytest.approx(row["fte_days_lost"])
        assert months["fte_days_available"].sum() == pytest.approx(row["fte_days_available"])


def test_rolling_series_is_na_until_12_months_then_equals_the_window(long_records):
    series = hr.rolling_hr_series(long_records, level="team")
    assert {"leaver_rate_12m", "sickness_rate_12m"} <= set(series.columns)
    a = series[series["unit"] == "A"].set_index("month")
    assert a.loc[:"2023-11-01", "leaver_rate_12m"].isna().all()
    assert a.loc[:"2023-11-01", "staff_start"].isna().all()
    assert a.loc["2023-12-01":, "leaver_rate_12m"].notna().all()
    for unit in ("A", "B"):
        rolled = series[(series["unit"] == unit) & (series["month"] == pd.Timestamp("2024-12-01"))].iloc[0]
        window = row_of(hr.hr_metrics(long_records, start="2024-01-01", end="2024-12-31"), "team", unit)
        assert rolled["window_start"] == pd.Timestamp("2024-01-01")
        assert rolled["leaver_rate_12m"] == pytest.approx(window["leaver_rate"])
        assert rolled["sickness_rate_12m"] == pytest.approx(window["sickness_rate"])
    # 2023: team A starts with 3 (1, 2, 3), ends with 3 (1, 3, 4); person 2 left
    dec23 = a.loc[pd.Timestamp("2023-12-01")]
    assert dec23["leaver_rate_12m"] == pytest.approx(100 * 1 / ((3 + 3) / 2))


def test_rolling_series_from_team_months_and_other_levels(team_months):
    series = hr.rolling_hr_series(team_months, months=2, level="directorate")
    assert {"leaver_rate_2m", "sickness_rate_2m"} <= set(series.columns)
    d1 = series.set_index("month")
    assert pd.isna(d1.loc[pd.Timestamp("2024-01-01"), "leaver_rate_2m"])
    # Feb..Mar: staff_start 10 (X at the end of January; Y new), staff_end 11 + 5, leavers 1 + 1
    assert d1.loc[pd.Timestamp("2024-03-01"), "leaver_rate_2m"] == pytest.approx(100 * 2 / ((10 + 16) / 2))


# --- Identifiers never leave the module ------------------------------------------------------------
def test_employee_numbers_never_appear_in_outputs(records):
    numbers = [r[0] for r in STAFF_ROWS[1:]]
    outputs = [hr.hr_metrics(records, start="2024-01-01", end="2024-12-31"),
               hr.monthly_hr_table(records), hr.rolling_hr_series(records, level="organisation")]
    for table in outputs:
        text = table.to_csv()
        assert not any(number in text for number in numbers)
        assert not ({"person", "employee", "row"} & set(table.columns))
    assert not any(number in repr(records) for number in numbers)
    assert not any(number in records.assignments.to_csv() for number in numbers)
    assert not any(number in records.absence.to_csv() for number in numbers)


def test_identifier_forms_match_across_files():
    staff = hr.load_staff(make_raw([STAFF_HEADER, [123.0, "D", "A", "N", "01/01/2020", None, 1.0]], typed=True))
    absence = make_raw([ABSENCE_HEADER, ["00123", "01/02/2024", "02/02/2024", "2"]], "abs.csv")
    table = hr.hr_metrics(hr.load_absence(absence, staff), start="2024-01-01", end="2024-12-31")
    assert row_of(table, "team", "A")["fte_days_lost"] == 2
    assert math.isclose(row_of(table, "team", "A")["sickness_rate"], 100 * 2 / 366)


# --- Doctors in training and other exclusions by job role or assignment category ------------------
# Window 2024-04-01..2025-03-31: 365 days (February 2025 has 28). Team M holds the doctors: a consultant
# and two training posts, each with a new doctor at a changeover (FY1 on Wednesday 07/08/2024, ST3 on
# Wednesday 05/02/2025). Team W holds two nurses and a bank administrator.
ROTATION_HEADER = ["Employee Number", "Directorate", "Team", "Staff Group", "Job Role", "Assignment Category",
                   "Assignment Start Date", "Termination Date", "FTE"]
ROTATION_ROWS = [
    ROTATION_HEADER,
    ["1", "D", "W", "Nursing", "Staff Nurse", "Permanent", "01/01/2020", "", "1"],
    ["2", "D", "W", "Nursing", "Staff Nurse", "Permanent", "01/01/2019", "30/09/2024", "1"],        # leaver
    ["3", "D", "M", "Medical and Dental", "Consultant", "Permanent", "01/01/2010", "", "1"],
    ["4", "D", "M", "Medical and Dental", "Foundation Year 1", "Fixed Term Temp", "02/08/2023", "06/08/2024", "1"],
    ["5", "D", "M", "Medical and Dental", "Foundation Year 1", "Fixed Term Temp", "07/08/2024", "", "1"],
    ["6", "D", "M", "Medical and Dental", "ST3", "Fixed Term Temp", "01/02/2024", "04/02/2025", "1"],
    ["7", "D", "M", "Medical and Dental", "ST3", "Fixed Term Temp", "05/02/2025", "", "1"],
    ["8", "D", "W", "Administrative and Clerical", "Administrator", "Bank", "01/01/2022", "", "0"],
]
ROTATION_ABSENCE = [ABSENCE_HEADER, ["3", "02/12/2024", "04/12/2024", "3"], ["4", "01/05/2024", "10/05/2024", "10"]]
ROTATION_WINDOW = {"start": "2024-04-01", "end": "2025-03-31"}
# FTE days available in team M over the window, per row: 3 all year; 4 from 01/04 to 06/08/2024; 5 from
# 07/08/2024; 6 to 04/02/2025; 7 from 05/02/2025.
M_DAYS = {"3": 365, "4": 30 + 31 + 30 + 31 + 6, "5": (31 - 7 + 1) + 30 + 31 + 30 + 31 + 31 + 28 + 31,
          "6": 365 - ((28 - 5 + 1) + 31), "7": (28 - 5 + 1) + 31}
TRAINEES = {"Foundation Year 1", "ST3"}


@pytest.fixture
def rotation() -> hr.StaffRecords:
    return hr.load_absence(make_raw(ROTATION_ABSENCE, "absence.csv"), hr.load_staff(make_raw(ROTATION_ROWS)))


def test_a_rotating_trainee_is_a_leaver_unless_doctors_in_training_are_excluded(rotation):
    assert sum(M_DAYS.values()) == 365 * 3                 # the two training posts are filled all year
    everyone = hr.hr_metrics(rotation, **ROTATION_WINDOW)
    m = row_of(everyone, "team", "M")
    # in post on 01/04/2024: rows 3, 4, 6; on 31/03/2025: rows 3, 5, 7; leavers: rows 4 and 6
    assert (m["staff_start"], m["staff_end"], m["leavers"]) == (3, 3, 2)
    assert m["leaver_rate"] == pytest.approx(100 * 2 / ((3 + 3) / 2))
    assert m["fte_days_available"] == pytest.approx(sum(M_DAYS.values()))
    assert m["sickness_rate"] == pytest.approx(100 * (3 + 10) / sum(M_DAYS.values()))
    org = row_of(everyone, "organisation", ORG)
    # in post on 01/04/2024: 1, 2, 3, 4, 6, 8; on 31/03/2025: 1, 3, 5, 7, 8; leavers 2, 4, 6
    assert (org["staff_start"], org["staff_end"], org["leavers"]) == (6, 5, 3)
    assert org["leaver_rate"] == pytest.approx(100 * 3 / ((6 + 5) / 2))

    excluded = hr.hr_metrics(rotation, exclusions=HRExclusions(doctors_in_training=True), **ROTATION_WINDOW)
    m = row_of(excluded, "team", "M")
    assert (m["staff_start"], m["staff_end"], m["leavers"]) == (1, 1, 0)   # the consultant only
    assert m["leaver_rate"] == 0
    assert m["stability_index"] == pytest.approx(100 * 1 / 1)
    assert m["fte_days_available"] == pytest.approx(365)
    assert m["sickness_rate"] == pytest.approx(100 * 3 / 365)             # the trainee's 10 days are gone too
    org = row_of(excluded, "organisation", ORG)
    assert (org["staff_start"], org["staff_end"], org["leavers"]) == (4, 3, 1)   # 1, 2, 3, 8 -> 1, 3, 8
    assert org["leaver_rate"] == pytest.approx(100 * 1 / ((4 + 3) / 2))
    assert org["stability_index"] == pytest.approx(100 * 3 / 4)
    w_everyone, w_excluded = row_of(everyone, "team", "W"), row_of(excluded, "team", "W")
    for column in ("staff_start", "staff_end", "leavers", "fte_days_available"):
        assert w_everyone[column] == w_excluded[column]                     # nobody else is touched


def test_doctors_in_training_are_the_same_as_naming_their_job_roles(rotation):
    by_flag = hr.hr_metrics(rotation, exclusions=HRExclusions(doctors_in_training=True), **ROTATION_WINDOW)
    by_name = hr.hr_metrics(rotation, exclusions=HRExclusions(job_roles=["  foundation   YEAR 1 ", "st3"]), **ROTATION_WINDOW)
    pd.testing.assert_frame_equal(by_flag, by_name, check_like=False, check_exact=True, check_flags=False)
    both = hr.hr_metrics(rotation, exclusions=HRExclusions(doctors_in_training=True, job_roles="ST3"), **ROTATION_WINDOW)
    pd.testing.assert_frame_equal(by_flag, both)                            # a single name is one name


def test_exclusion_by_assignment_category_combines_with_doctors_in_training(rotation):
    table = hr.hr_metrics(rotation, exclusions=HRExclusions(doctors_in_training=True, assignment_categories=["bank"]),
                          **ROTATION_WINDOW)
    org = row_of(table, "organisation", ORG)
    assert (org["staff_start"], org["staff_end"], org["leavers"]) == (3, 2, 1)   # 1, 2, 3 -> 1, 3
    assert org["leaver_rate"] == pytest.approx(100 * 1 / ((3 + 2) / 2))
    w = row_of(table, "team", "W")
    assert (w["staff_start"], w["staff_end"], w["leavers"]) == (2, 1, 1)
    # exclusions by staff group still work alongside
    table = hr.hr_metrics(rotation, exclusions=HRExclusions(staff_groups=["Medical and Dental"]), **ROTATION_WINDOW)
    assert "M" not in set(table["unit"])


def test_exclusions_are_recorded_in_attrs_and_in_plain_words(rotation):
    table = hr.hr_metrics(rotation, exclusions=HRExclusions(doctors_in_training=True, assignment_categories=["BANK"]),
                          **ROTATION_WINDOW)
    assert table.attrs["exclude_doctors_in_training"] is True
    assert table.attrs["excluded_assignment_categories"] == ("BANK",)
    assert table.attrs["excluded_job_roles"] == () and table.attrs["excluded_staff_groups"] == ()
    exclusions = table.attrs["exclusions"]
    assert exclusions == hr.HRExclusions(assignment_categories=("Bank",), doctors_in_training=True,
                                         doctors_in_training_roles=("Foundation Year 1", "ST3"),
                                         records_excluded=4 + 1, records_total=8, record_kind="staff records")
    text = hr.exclusions_text(table)
    assert text == table.attrs["exclusions_text"] == (
        "Excluded from every figure (leavers, staff in post and sickness absence): doctors in training, who "
        "rotate between employers on national changeover days (job roles 'Foundation Year 1', 'ST3'); "
        "assignment category 'Bank'. 5 of 8 staff records are left out.")
    plain = hr.hr_metrics(rotation, **ROTATION_WINDOW)
    assert hr.exclusions_text(plain) == "No staff are excluded: every record in the file is counted."
    assert hr.exclusions_text(None) == hr.exclusions_text(pd.DataFrame()) == hr.exclusions_text(plain)
    monthly = hr.monthly_hr_table(rotation, exclusions=HRExclusions(doctors_in_training=True), **ROTATION_WINDOW)
    rolling = hr.rolling_hr_series(rotation, exclusions=HRExclusions(doctors_in_training=True), **ROTATION_WINDOW)
    for frame in (monthly, rolling):
        assert frame.attrs["exclude_doctors_in_training"] is True
        assert frame.attrs["exclusions"].doctors_in_training_roles == ("Foundation Year 1", "ST3")


def test_monthly_table_and_rolling_series_leave_trainees_out(rotation):
    def august(**kwargs):
        monthly = hr.monthly_hr_table(rotation, **ROTATION_WINDOW, **kwargs)
        hit = monthly[(monthly["unit"] == "M") & (monthly["month"] == pd.Timestamp("2024-08-01"))]
        return hit.iloc[0]

    everyone, excluded = august(), august(exclusions=HRExclusions(doctors_in_training=True))
    # August 2024 in team M: rows 3, 4, 6 on the 1st; 3, 5, 6 on the 31st; row 4 leaves on the 6th
    assert (everyone["staff_start"], everyone["staff_end"], everyone["leavers"]) == (3, 3, 1)
    assert everyone["fte_days_available"] == pytest.approx(31 + 6 + (31 - 7 + 1) + 31)
    assert (excluded["staff_start"], excluded["staff_end"], excluded["leavers"]) == (1, 1, 0)
    assert excluded["fte_days_available"] == pytest.approx(31)
    rolling = hr.rolling_hr_series(rotation, exclusions=HRExclusions(doctors_in_training=True), **ROTATION_WINDOW)
    last = rolling[(rolling["unit"] == "M") & (rolling["month"] == pd.Timestamp("2025-03-01"))].iloc[0]
    assert (last["staff_start"], last["staff_end"], last["leavers"]) == (1, 1, 0)
    assert last["leaver_rate_12m"] == 0


@pytest.mark.parametrize("role", [
    "Foundation Year 1", "Foundation Year 2", "foundation doctor year 1", "Core Training", "Core Medical Training",
    "Core Surgical Trainee", "Dental Core Trainee", "Specialty Registrar", "Specialty Registrar (StR)",
    "Speciality Registrar", "Speciality Training", "Specialty Trainee", "Specialist Registrar", "GP Registrar",
    "GP Specialty Registrar", "GP Trainee", "Academic Clinical Fellow", "FY1", "FY2", "F1 Doctor", "CT2", "ST1",
    "ST 8", "ST3 Paediatrics", "GPST2", "DCT1", "StR", "SpR", "Specialty Registrar Level 2",
])
def test_doctors_in_training_roles_are_recognised(role):
    assert hr.is_doctor_in_training_role(role)


@pytest.mark.parametrize("role", [
    "Consultant", "Specialty Doctor", "Associate Specialist", "Staff Grade", "Specialist Nurse Practitioner",
    "Trust Grade Doctor - Specialist Registrar level", "Clinical Fellow (ST3 level)", "Clinical Fellow",
    "FY2 equivalent", "ST3 level", "Specialist Registrar level doctor", "Locally employed doctor - ST1", "Non-training Specialty Registrar",
    "Foundation Year Administrator", "Specialty Training Programme Director", "Senior House Officer",
    "Trainee Nursing Associate", "Trainee Pharmacist", "Staff Nurse", "ST", "F3", "ST9", "Street Warden", "", None,
])
def test_other_roles_are_not_doctors_in_training(role):
    assert not hr.is_doctor_in_training_role(role)


def test_doctors_in_training_roles_lists_the_matching_values():
    assert hr.doctors_in_training_roles(["ST3", "Consultant", None, "Foundation Year 1", "ST3"]) == [
        "Foundation Year 1", "ST3"]


def test_job_role_and_assignment_category_headers_are_recognised():
    header = ["Employee Number", "Team", "Grade", "Contract Type", "Start Date", "Leaving Date"]
    records = hr.load_staff(make_raw([header, ["1", "A", "CT1", "Fixed Term", "01/01/2024", ""],
                                      ["2", "A", "Consultant", "Permanent", "01/01/2020", ""]]))
    assert records.has_job_role and records.has_assignment_category
    assert list(records.assignments["job_role"]) == ["CT1", "Consultant"]
    assert list(records.assignments["assignment_category"]) == ["Fixed Term", "Permanent"]
    assert "Job role from column 'Grade'." in records.notes
    table = hr.hr_metrics(records, start="2024-02-01", end="2024-02-29", exclusions=HRExclusions(doctors_in_training=True))
    assert row_of(table, "team", "A")["staff_end"] == 1
    # the job-role column can be named; an explicit name wins over the recognised headers
    header = ["Employee Number", "Team", "Job Role", "Post", "Start Date", "Leaving Date"]
    raw = make_raw([header, ["1", "A", "Doctor", "FY2", "01/01/2024", ""]])
    assert list(hr.load_staff(raw, job_role_col="post").assignments["job_role"]) == ["FY2"]
    with pytest.raises(InputError, match="staff.csv: There is no job role column called 'Position'"):
        hr.load_staff(raw, job_role_col="Position")


def test_without_those_columns_job_role_and_category_are_na():
    records = hr.load_staff(make_raw(STAFF_ROWS))
    assert not records.has_job_role and not records.has_assignment_category
    assert records.assignments["job_role"].isna().all()
    assert "No job-role column: doctors in training cannot be told apart from other doctors." in records.notes


@pytest.mark.parametrize("kwargs, pattern", [
    ({"exclusions": HRExclusions(job_roles=["Matron"])},
     r"staff.csv: There is no job role 'Matron' to exclude. The job roles in the file are: 'Administrator', "
     r"'Consultant', 'Foundation Year 1', 'ST3', 'Staff Nurse'\."),
    ({"exclusions": HRExclusions(assignment_categories=["Agency"])},
     r"There is no assignment category 'Agency' to exclude. The assignment categories in the file are: 'Bank', "
     r"'Fixed Term Temp', 'Permanent'\."),
    ({"exclusions": HRExclusions(staff_groups=["Students"])}, r"There is no staff group 'Students' to exclude"),
    ({"exclusions": HRExclusions(doctors_in_training=True, staff_groups=["Nursing", "Medical and Dental"], assignment_categories=["Bank"])},
     r"Nobody is left once these are excluded: doctors in training.*staff groups 'Medical and Dental', "
     r"'Nursing'; assignment category 'Bank' \(all 8 staff records\)"),
])
def test_exclusion_refusals(rotation, kwargs, pattern):
    with pytest.raises(InputError, match=pattern):
        hr.hr_metrics(rotation, **ROTATION_WINDOW, **kwargs)
    with pytest.raises(InputError, match=pattern):
        hr.monthly_hr_table(rotation, **ROTATION_WINDOW, **kwargs)


def test_doctors_in_training_need_a_job_role_column(records):
    with pytest.raises(InputError, match=r"staff.csv: Doctors in training cannot be excluded: the staff file has no "
                                         r"job-role column\. .*told apart by their job role or grade.* Add a column "
                                         r"headed 'Job Role', 'Occupation', 'Grade'"):
        hr.hr_metrics(records, exclusions=HRExclusions(doctors_in_training=True))
    with pytest.raises(InputError, match="Job roles cannot be excluded: the staff file has no job-role column"):
        hr.rolling_hr_series(records, exclusions=HRExclusions(job_roles=["Consultant"]))
    with pytest.raises(InputError, match="Assignment categories cannot be excluded: the staff file has no assignment "
                                         "category column \\(a header such as 'Assignment Category'"):
        hr.hr_metrics(records, exclusions=HRExclusions(assignment_categories=["Bank"]))


def test_doctors_in_training_refused_when_no_role_matches():
    rows = [row for row in ROTATION_ROWS if row[4] not in TRAINEES]
    records = hr.load_staff(make_raw(rows))
    with pytest.raises(InputError, match=r"No job role in the file is one of doctors in training .* The job roles "
                                         r"in the file are: 'Administrator', 'Consultant', 'Staff Nurse'\. If some "
                                         r"of them are doctors in training, name them"):
        hr.hr_metrics(records, exclusions=HRExclusions(doctors_in_training=True), **ROTATION_WINDOW)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"exclusions": HRExclusions(doctors_in_training=True)},
     r"months.csv: Doctors in training cannot be excluded from team-month figures: they hold totals per team and "
     r"month, not people with job roles\. Check whether the figures already leave doctors in training out"),
    ({"exclusions": HRExclusions(job_roles=["ST3"])}, r"Job roles \(ST3\) cannot be excluded from team-month figures"),
    ({"exclusions": HRExclusions(assignment_categories=["Bank"], job_roles=["FY1"])},
     r"Job roles \(FY1\) and assignment categories \(Bank\) cannot be excluded from team-month figures"),
])
def test_team_month_figures_refuse_exclusions_of_people(team_months, kwargs, pattern):
    for function in (hr.hr_metrics, hr.monthly_hr_table, hr.rolling_hr_series):
        with pytest.raises(InputError, match=pattern):
            function(team_months, start="2024-01-01", end="2024-03-31", **kwargs)
    with pytest.raises(InputError, match="this file holds team-month figures, which have no job roles"):
        hr.load_hr_table(make_raw(TEAM_MONTH_ROWS, "months.csv"), job_role_col="Role")


def test_apply_exclusions_returns_the_same_records_when_nothing_is_excluded(rotation):
    same, exclusions = hr.apply_exclusions(rotation)
    assert same is rotation and not exclusions.any
    fewer, exclusions = hr.apply_exclusions(rotation, exclusions=HRExclusions(doctors_in_training=True))
    assert len(fewer.assignments) == 4 and len(fewer.absence) == 1
    assert exclusions.records_excluded == 4


def test_empty_hr_files_are_described_as_records_not_responses(tmp_path):
    with pytest.raises(InputError, match=r"staff.csv: The file is empty .*Export the staff records again") as caught:
        hr.read_staff_file(b"", "staff.csv")
    assert "respons" not in caught.value.message
    header_only = (",".join(ROTATION_HEADER) + "\n").encode()
    with pytest.raises(InputError, match=r"staff.csv: The header \(row 1\) has no staff records below it") as caught:
        hr.read_staff_file(header_only, "staff.csv")
    assert "respons" not in caught.value.message
    staff = hr.load_staff(make_raw(ROTATION_ROWS))
    with pytest.raises(InputError, match=r"absence.csv: The header \(row 1\) has no absence records below it"):
        hr.read_absence_file(b"Employee Number,Absence Start Date,Absence End Date\n", staff, "absence.csv")


# --- The sample trust: doctors in training excluded from the ESR files -----------------------------
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.fixture(scope="module")
def sample_staff() -> hr.StaffRecords:
    return hr.read_absence_file(SAMPLE / "hr_absence_esr.csv", hr.read_staff_file(SAMPLE / "hr_staff_esr.csv"))


def test_sample_trust_leaver_rate_without_doctors_in_training_matches_the_team_month_file(sample_staff):
    """Financial year 2024/25. The team-month file was made from the ESR files without doctors in training
    (sample_data/README.md: 519 leavers, 11.1% of average staff in post), so excluding them from the ESR
    files must give its figures: the same leavers and staff at the end. staff_start differs slightly by
    definition: the team-month file's is staff in post at the end of March 2024 (people leaving on
    31/03/2024 still in post), the ESR figure counts people in post on 01/04/2024."""
    excluded = hr.hr_metrics(sample_staff, start="2024-04-01", end="2025-03-31", exclusions=HRExclusions(doctors_in_training=True),
                             levels=["organisation"]).iloc[0]
    everyone = hr.hr_metrics(sample_staff, start="2024-04-01", end="2025-03-31", levels=["organisation"]).iloc[0]
    team_month = hr.hr_metrics(hr.read_staff_file(SAMPLE / "hr_team_month.csv"), start="2024-04-01",
                               end="2025-03-31", levels=["organisation"]).iloc[0]
    assert excluded["leavers"] == team_month["leavers"] == 519
    assert excluded["staff_end"] == team_month["staff_end"]
    staff = pd.read_csv(SAMPLE / "hr_staff_esr.csv", dtype=str)
    staff = staff[~staff["Job Role"].map(hr.is_doctor_in_training_role)]
    left_on_31_march = int((staff["Termination Date"] == "31/03/2024").sum())
    started_on_1_april = int((staff["Assignment Start Date"] == "01/04/2024").sum())
    assert team_month["staff_start"] - excluded["staff_start"] == left_on_31_march - started_on_1_april
    assert abs(excluded["leaver_rate"] - team_month["leaver_rate"]) < 0.5
    assert round(float(excluded["leaver_rate"]), 1) == 11.1
    assert excluded["sickness_rate"] == pytest.approx(team_month["sickness_rate"], rel=1e-9)
    # with the rotating doctors left in, every changeover counts as leavers: the rate about doubles
    assert everyone["leaver_rate"] > 2 * excluded["leaver_rate"]
    assert sample_staff.assignments["job_role"].map(hr.is_doctor_in_training_role).sum() == 2797
