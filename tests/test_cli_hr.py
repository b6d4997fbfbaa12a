"""``python -m analytics hr`` through :func:`cli.main`: files in, CSV out, exit 2 on user errors."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from openpyxl import Workbook

from analytics import hr
from cli import main

STAFF_CSV = """Employee Number,Directorate,Team,Staff Group,Assignment Start Date,Termination Date,FTE
10000001,D1,A,Nursing,01/01/2020,,1
10000002,D1,A,Nursing,01/05/2019,15/03/2024,1
10000003,D1,A,Nursing,2024-06-01,,1.0
10000004,D1,A,Admin,01/01/2018,,0.6
10000005,D2,B,Doctors in training,01/02/2024,31/08/2024,0.8
10000006,D2,B,Nursing,01/01/2015,,1
"""
ABSENCE_CSV = """Employee Number,Absence Start Date,Absence End Date,FTE Days Lost
10000001,20/12/2023,10/01/2024,22
10000004,01/02/2024,05/02/2024,
10000006,20/12/2024,10/01/2025,22
10000005,01/03/2024,10/03/2024,8
"""
A_AVAILABLE = 1 * 366 + 1 * (31 + 29 + 15) + 1 * (30 + 31 + 31 + 30 + 31 + 30 + 31) + 0.6 * 366
A_LOST = 22 * 10 / 22 + 0.6 * 5
B_AVAILABLE = 0.8 * (29 + 31 + 30 + 31 + 30 + 31 + 31) + 1 * 366
B_LOST = 22 * 12 / 22 + 8


@pytest.fixture
def files(tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text(STAFF_CSV, encoding="utf-8")
    absence = tmp_path / "absence.csv"
    absence.write_text(ABSENCE_CSV, encoding="utf-8")
    return staff, absence, tmp_path / "out.csv"


def read_output(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"unit": str, "level": str})


def row_of(table: pd.DataFrame, level: str, unit: str) -> pd.Series:
    hit = table[(table["level"] == level) & (table["unit"] == unit)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_employee_level_files_with_the_default_window(files, capsys):
    staff, absence, out = files
    assert main(["hr", "--show-small-units", str(staff), "--absence", str(absence), "--out", str(out)]) == 0
    assert "window 2024-01-01 to 2024-12-31" in capsys.readouterr().out   # Dec 2024: latest complete month
    table = read_output(out)
    assert list(table.columns) == list(hr.HR_CLI_COLUMNS)
    assert list(zip(table["level"], table["unit"])) == [("organisation", "Organisation"), ("directorate", "D1"),
                                                         ("directorate", "D2"), ("team", "A"), ("team", "B")]
    a = row_of(table, "team", "A")
    assert (a["staff_start"], a["staff_end"], a["leavers"]) == (3, 3, 1)
    assert a["leaver_rate"] == pytest.approx(100 * 1 / ((3 + 3) / 2))
    assert a["stability_index"] == pytest.approx(100 * 2 / 3)
    assert a["sickness_rate"] == pytest.approx(100 * A_LOST / A_AVAILABLE)
    org = row_of(table, "organisation", "Organisation")
    assert org["sickness_rate"] == pytest.approx(100 * (A_LOST + B_LOST) / (A_AVAILABLE + B_AVAILABLE))
    text = out.read_text(encoding="utf-8-sig")
    assert "1000000" not in text                      # no employee number leaves the analytics layer


def test_window_and_exclusions(files):
    staff, absence, out = files
    code = main(["hr", "--show-small-units", str(staff), "--absence", str(absence), "--start", "2024-01-01", "--end", "2024-12-31",
                 "--exclude-staff-group", "Doctors in training", "--exclude-staff-group", "admin", "--out", str(out)])
    assert code == 0
    table = read_output(out)
    a = row_of(table, "team", "A")                    # the 0.6 FTE administrator is excluded
    assert (a["staff_start"], a["staff_end"], a["leavers"]) == (2, 2, 1)
    assert a["fte_days_available"] == pytest.approx(A_AVAILABLE - 0.6 * 366)
    b = row_of(table, "team", "B")
    assert (b["leavers"], b["leaver_rate"]) == (0, 0)


def test_no_absence_file_leaves_sickness_empty(files):
    staff, _, out = files
    assert main(["hr", "--show-small-units", str(staff), "--start", "2024-04-01", "--end", "2024-06-30", "--out", str(out)]) == 0
    table = read_output(out)
    assert table["fte_days_lost"].isna().all() and table["sickness_rate"].isna().all()
    assert table["fte_days_available"].notna().all()


def test_workbook_with_date_cells_and_team_column_override(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Employee Number", "Ward", "Department", "Hire Date", "Termination Date", "WTE"])
    sheet.append([1, "Ward 1", "Surgery", dt.datetime(2020, 1, 1), None, 1])
    sheet.append([2, "Ward 1", "Surgery", dt.datetime(2020, 1, 1), dt.datetime(2024, 6, 30), 0.5])
    sheet.append([3, "Ward 2", "Surgery", dt.datetime(2023, 1, 1), None, 1])
    path = tmp_path / "staff.xlsx"
    workbook.save(path)
    out = tmp_path / "out.csv"
    assert main(["hr", "--show-small-units", str(path), "--start", "2024-01-01", "--end", "2024-12-31", "--out", str(out)]) == 0
    ward = row_of(read_output(out), "team", "Ward 1")
    assert (ward["staff_start"], ward["staff_end"], ward["leavers"]) == (2, 1, 1)
    assert ward["fte_days_available"] == pytest.approx(366 + 0.5 * (31 + 29 + 31 + 30 + 31 + 30))
    assert main(["hr", "--show-small-units", str(path), "--team-col", "department", "--start", "2024-01-01", "--end", "2024-12-31",
                 "--out", str(out)]) == 0
    surgery = row_of(read_output(out), "team", "Surgery")
    assert surgery["leaver_rate"] == pytest.approx(100 * 1 / ((3 + 2) / 2))


def test_team_month_file(tmp_path):
    path = tmp_path / "months.csv"
    path.write_text("Team,Month,Staff in post,Leavers,FTE days lost,FTE days available\n"
                    "X,2024-01,10,0,5,300\nX,2024-02,9,1,6,280\nX,2024-03,11,0,7,310\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["hr", "--show-small-units", str(path), "--start", "2024-02-01", "--end", "2024-03-31", "--out", str(out)]) == 0
    x = row_of(read_output(out), "team", "X")
    assert (x["staff_start"], x["staff_end"], x["leavers"]) == (10, 11, 1)
    assert x["leaver_rate"] == pytest.approx(100 * 1 / ((10 + 11) / 2))
    assert pd.isna(x["stability_index"])
    assert x["sickness_rate"] == pytest.approx(100 * (6 + 7) / (280 + 310))


def _one_line_error(capsys, pattern: str) -> None:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert re.search(pattern, err), err


@pytest.mark.parametrize("extra, pattern", [
    (["--start", "2024-01-01"], "Give both --start and --end"),
    (["--start", "2024-12-31", "--end", "2024-01-01"], r"The window ends \(2024-01-01\) before it starts"),
    (["--start", "1/1/2024", "--end", "2024-12-31"], "not a date in the form YYYY-MM-DD"),
    (["--exclude-staff-group", "Bank"], "There is no staff group 'Bank' to exclude"),
])
def test_bad_options_exit_2_with_one_line(files, capsys, extra, pattern):
    staff, absence, out = files
    assert main(["hr", "--show-small-units", str(staff), "--absence", str(absence), *extra, "--out", str(out)]) == 2
    _one_line_error(capsys, pattern)
    assert not out.exists()


@pytest.mark.parametrize("staff_text, absence_text, pattern", [
    (STAFF_CSV.replace("2024-06-01", "13/25/2024"), ABSENCE_CSV,
     r"staff.csv, column 'Assignment Start Date', row 4: '13/25/2024' is not a date"),
    (STAFF_CSV.replace("15/03/2024", "15/03/2018"), ABSENCE_CSV,
     r"staff.csv, column 'Termination Date', row 3: The termination date 15/03/2018 is before"),
    (STAFF_CSV.replace(",0.6", ",1.6"), ABSENCE_CSV, r"column 'FTE', row 5: The FTE 1.6 is above 1.5"),
    (STAFF_CSV.replace(",0.6", ",-1"), ABSENCE_CSV, r"column 'FTE', row 5: The FTE -1(.0)? is negative"),
    (STAFF_CSV, ABSENCE_CSV.replace("10000006,", "99999999,"),
     r"absence.csv, column 'Employee Number', row 4: This absence is for an employee number that is not in"),
    (STAFF_CSV, ABSENCE_CSV.replace("01/02/2024,05/02/2024", "06/02/2024,05/02/2024"),
     r"column 'Absence End Date', row 3: The absence end date 05/02/2024 is before its start date"),
    (STAFF_CSV.replace("Termination Date", "Notes"), ABSENCE_CSV,
     r"staff.csv: This staff file has no column for: termination date .*The headers found are: 'Employee Number'"),
], ids=["month-first date", "termination before start", "FTE above 1.5", "negative FTE", "unknown employee",
        "absence end before start", "missing column"])
def test_bad_files_exit_2_with_file_column_and_row(tmp_path, capsys, staff_text, absence_text, pattern):
    staff, absence, out = tmp_path / "staff.csv", tmp_path / "absence.csv", tmp_path / "out.csv"
    staff.write_text(staff_text, encoding="utf-8")
    absence.write_text(absence_text, encoding="utf-8")
    assert main(["hr", "--show-small-units", str(staff), "--absence", str(absence), "--out", str(out)]) == 2
    _one_line_error(capsys, pattern)


def test_file_level_refusals(tmp_path, files, capsys):
    staff, absence, out = files
    assert main(["hr", "--show-small-units", str(tmp_path / "missing.csv"), "--out", str(out)]) == 2
    _one_line_error(capsys, "missing.csv: The file does not exist")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert main(["hr", "--show-small-units", str(empty), "--out", str(out)]) == 2
    _one_line_error(capsys, "empty.csv: .*empty")
    header_only = tmp_path / "header.csv"
    header_only.write_text(STAFF_CSV.splitlines()[0] + "\n", encoding="utf-8")
    assert main(["hr", "--show-small-units", str(header_only), "--out", str(out)]) == 2
    _one_line_error(capsys, r"header.csv: .*row 1")
    months = tmp_path / "months.csv"
    months.write_text("Team,Month,Staff in post,Leavers\nX,2024-01,10,0\n", encoding="utf-8")
    assert main(["hr", "--show-small-units", str(months), "--absence", str(absence), "--out", str(out)]) == 2
    _one_line_error(capsys, "--absence can only be used with an employee-level staff file")
    assert main(["hr", "--show-small-units", str(staff), "--out", str(tmp_path / "out.txt")]) == 2
    _one_line_error(capsys, "must end in .csv or .xlsx")


def test_missing_out_is_a_usage_error(files):
    staff, _, _ = files
    with pytest.raises(SystemExit) as caught:
        main(["hr", "--show-small-units", str(staff)])
    assert caught.value.code == 2


# A consultant and one training post whose doctor changes on 07/08/2024 (the FY1 changeover), a nurse who
# leaves, and a bank administrator; window 2024-04-01..2025-03-31.
ROTATION_CSV = """Employee Number,Team,Staff Group,Job Role,Assignment Category,Assignment Start Date,Termination Date,FTE
1,W,Nursing,Staff Nurse,Permanent,01/01/2020,,1
2,W,Nursing,Staff Nurse,Permanent,01/01/2019,30/09/2024,1
3,M,Medical and Dental,Consultant,Permanent,01/01/2010,,1
4,M,Medical and Dental,Foundation Year 1,Fixed Term Temp,02/08/2023,06/08/2024,1
5,M,Medical and Dental,Foundation Year 1,Fixed Term Temp,07/08/2024,,1
8,W,Administrative and Clerical,Administrator,Bank,01/01/2022,,0
"""
WINDOW = ["--start", "2024-04-01", "--end", "2025-03-31"]


@pytest.fixture
def rotation_file(tmp_path):
    path = tmp_path / "rotation.csv"
    path.write_text(ROTATION_CSV, encoding="utf-8")
    return path, tmp_path / "out.csv"


def test_exclude_doctors_in_training(rotation_file, capsys):
    staff, out = rotation_file
    assert main(["hr", "--show-small-units", str(staff), *WINDOW, "--include-doctors-in-training", "--out", str(out)]) == 0
    m = row_of(read_output(out), "team", "M")
    assert (m["staff_start"], m["staff_end"], m["leavers"]) == (2, 2, 1)   # rows 3, 4 -> 3, 5; row 4 leaves
    assert m["leaver_rate"] == pytest.approx(100 * 1 / ((2 + 2) / 2))
    assert "No staff are excluded" in capsys.readouterr().out
    assert main(["hr", "--show-small-units", str(staff), *WINDOW, "--exclude-doctors-in-training", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert ("doctors in training, who rotate between employers on national changeover days (job role "
            "'Foundation Year 1'). 2 of 6 staff records are left out.") in printed
    table = read_output(out)
    m = row_of(table, "team", "M")
    assert (m["staff_start"], m["staff_end"], m["leavers"], m["leaver_rate"]) == (1, 1, 0, 0)
    org = row_of(table, "organisation", "Organisation")
    assert (org["staff_start"], org["staff_end"], org["leavers"]) == (4, 3, 1)   # 1, 2, 3, 8 -> 1, 3, 8
    assert org["leaver_rate"] == pytest.approx(100 * 1 / ((4 + 3) / 2))


def test_doctors_in_training_are_left_out_by_default(rotation_file, capsys):
    staff, out = rotation_file
    assert main(["hr", "--show-small-units", str(staff), *WINDOW, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "doctors in training" in printed and "2 of 6 staff records are left out" in printed
    default = read_output(out)
    assert main(["hr", "--show-small-units", str(staff), *WINDOW, "--exclude-doctors-in-training", "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(default, read_output(out))
    org = row_of(default, "organisation", "Organisation")
    assert (org["staff_start"], org["staff_end"], org["leavers"]) == (4, 3, 1)   # as with the flag, by hand above


def test_a_file_that_cannot_tell_doctors_in_training_apart_counts_them_and_says_so(tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text(ROTATION_CSV.replace("Job Role", "Post"), encoding="utf-8")   # no job-role column
    out = tmp_path / "out.csv"
    assert main(["hr", "--show-small-units", str(path), *WINDOW, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "No staff are excluded" in printed and "could not be told apart" in printed
    assert row_of(read_output(out), "team", "M")["leavers"] == 1   # the rotating trainee still counts


def test_include_and_exclude_doctors_in_training_together_are_refused(rotation_file, capsys):
    staff, out = rotation_file
    with pytest.raises(SystemExit) as stopped:   # argparse: usage and one line, exit 2
        main(["hr", "--show-small-units", str(staff), *WINDOW, "--include-doctors-in-training", "--exclude-doctors-in-training",
              "--out", str(out)])
    assert stopped.value.code == 2
    assert "not allowed with argument --include-doctors-in-training" in capsys.readouterr().err


def test_exclude_job_roles_and_assignment_categories(rotation_file, capsys):
    staff, out = rotation_file
    assert main(["hr", "--show-small-units", str(staff), *WINDOW, "--exclude-job-role", "foundation year 1", "--exclude-assignment-category",
                 "BANK", "--out", str(out)]) == 0
    assert "job role 'Foundation Year 1'; assignment category 'Bank'" in capsys.readouterr().out
    org = row_of(read_output(out), "organisation", "Organisation")
    assert (org["staff_start"], org["staff_end"], org["leavers"]) == (3, 2, 1)   # 1, 2, 3 -> 1, 3
    assert org["leaver_rate"] == pytest.approx(100 * 1 / ((3 + 2) / 2))


def test_job_role_column_can_be_named(tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text(ROTATION_CSV.replace("Job Role", "Post"), encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["hr", "--show-small-units", str(path), *WINDOW, "--exclude-doctors-in-training", "--out", str(out)]) == 2
    _one_line_error(capsys, "Doctors in training cannot be excluded: the staff file has no job-role column")
    assert main(["hr", "--show-small-units", str(path), *WINDOW, "--job-role-col", "post", "--exclude-doctors-in-training",
                 "--out", str(out)]) == 0
    assert row_of(read_output(out), "team", "M")["leavers"] == 0


@pytest.mark.parametrize("extra, pattern", [
    (["--exclude-doctors-in-training"], "Doctors in training cannot be excluded: the staff file has no job-role"),
    (["--exclude-job-role", "Consultant"], "Job roles cannot be excluded: the staff file has no job-role column"),
    (["--exclude-assignment-category", "Bank"], "Assignment categories cannot be excluded"),
])
def test_exclusions_without_the_column_exit_2(files, capsys, extra, pattern):
    staff, absence, out = files
    assert main(["hr", "--show-small-units", str(staff), "--absence", str(absence), *extra, "--out", str(out)]) == 2
    _one_line_error(capsys, pattern)
    assert not out.exists()


def test_unknown_job_role_and_team_month_exclusions_exit_2(rotation_file, tmp_path, capsys):
    staff, out = rotation_file
    assert main(["hr", "--show-small-units", str(staff), *WINDOW, "--exclude-job-role", "Matron", "--out", str(out)]) == 2
    _one_line_error(capsys, r"There is no job role 'Matron' to exclude. The job roles in the file are: "
                            r"'Administrator', 'Consultant', 'Foundation Year 1', 'Staff Nurse'\.")
    months = tmp_path / "months.csv"
    months.write_text("Team,Month,Staff in post,Leavers\nX,2024-01,10,0\n", encoding="utf-8")
    assert main(["hr", "--show-small-units", str(months), "--start", "2024-01-01", "--end", "2024-01-31", "--exclude-doctors-in-training",
                 "--out", str(out)]) == 2
    _one_line_error(capsys, "months.csv: Doctors in training cannot be excluded from team-month figures")
    assert not out.exists()


LEAVER_CSV = """Employee Number,Team,Assignment Start Date,Termination Date,FTE,Leaving Reason
1,A,01/01/2020,,1,
2,A,01/01/2019,15/03/2024,1,Voluntary Resignation - Relocation
3,A,01/02/2024,31/08/2024,0.5,Voluntary Resignation - Work Life Balance
4,A,01/01/2018,30/06/2024,0.5,Retirement Age
"""


@pytest.mark.parametrize("extra, leavers, voluntary, rate, voluntary_rate, definition", [
    # in post 1 Jan: 1, 2, 4 (FTE 2.5); 31 Dec: 1 (FTE 1). Spells ending: 2, 3, 4; snapshot: 2, 4
    ([], 3, 2, 100 * 3 / ((3 + 1) / 2), 100 * 2 / ((3 + 1) / 2), "spell-based, headcount"),
    (["--leaver-definition", "snapshot"], 2, 1, 100 * 2 / ((3 + 1) / 2), 100 * 1 / ((3 + 1) / 2),
     "NHS Digital snapshot, headcount"),
    (["--fte-based"], 3, 2, 100 * (1 + 0.5 + 0.5) / ((2.5 + 1) / 2), 100 * (1 + 0.5) / ((2.5 + 1) / 2),
     "spell-based, FTE"),
    (["--leaver-definition", "snapshot", "--fte-based"], 2, 1, 100 * (1 + 0.5) / ((2.5 + 1) / 2),
     100 * 1 / ((2.5 + 1) / 2), "NHS Digital snapshot, FTE"),
])
def test_leaver_definition_options(tmp_path, capsys, extra, leavers, voluntary, rate, voluntary_rate, definition):
    staff, out = tmp_path / "staff.csv", tmp_path / "out.csv"
    staff.write_text(LEAVER_CSV, encoding="utf-8")
    assert main(["hr", "--show-small-units", str(staff), "--start", "2024-01-01", "--end", "2024-12-31", *extra, "--out", str(out)]) == 0
    assert f"leavers: {definition})" in capsys.readouterr().out
    table = read_output(out)
    assert list(table.columns) == list(hr.HR_CLI_COLUMNS)
    a = row_of(table, "team", "A")
    assert (a["leavers"], a["voluntary_leavers"], a["leaver_definition"]) == (leavers, voluntary, definition)
    assert a["leaver_rate"] == pytest.approx(rate)
    assert a["voluntary_resignation_rate"] == pytest.approx(voluntary_rate)


def test_snapshot_of_team_month_figures_exits_2(tmp_path, capsys):
    months = tmp_path / "months.csv"
    months.write_text("Team,Month,Staff in post,Leavers\nA,2024-01,10,1\nA,2024-02,10,0\n", encoding="utf-8")
    assert main(["hr", str(months), "--start", "2024-01-01", "--end", "2024-02-29", "--leaver-definition",
                 "snapshot", "--out", str(tmp_path / "o.csv")]) == 2
    _one_line_error(capsys, "cannot be worked out from team-month figures")
