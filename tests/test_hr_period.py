"""The HR period of a financial-year ESR extract, planned leavers, outlying dates, and the one window per
wave that the dashboard, ``hr``, ``relate`` and ``report`` share (issue: HR figures a real ESR extract
gets right).

The extract is made here, deterministic and small enough to count by hand: three teams of 20 people in
post since 2015, leavers between 10 April 2024 and 25 March 2025 (nobody leaves on 31 March), planned
leavers in May and June 2025, one start date typed as 2099, five two-day sickness absences starting on
the 5th of every month of the financial year, and two overlapping absences of one person.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from analytics import board, hr, settings
from analytics.dataset import DatasetSpec, FilePayload, load_dataset
from analytics.errors import InputError
from analytics.hr import HRPeriod
from analytics.ingest.io import read_table
from analytics.wave_window import wave_window
from cli import main
from report_helpers import survey_csv, without_plotly_bundle

FY_START, FY_END = dt.date(2024, 4, 1), dt.date(2025, 3, 31)
FY_DAYS = (FY_END - FY_START).days + 1          # 365: February 2025 has 28 days
TEAMS = {"Ward A": "Medicine", "Ward B": "Medicine", "Theatres": "Surgery"}
STAYERS = 20
#: Leaving dates inside the financial year, per team.
LEAVERS = {"Ward A": ["10/04/2024", "15/07/2024", "20/11/2024", "25/03/2025"],
           "Ward B": ["01/09/2024", "28/02/2025"],
           "Theatres": ["30/04/2024", "31/10/2024", "14/01/2025"]}
#: Termination dates after the extract (notice given): in post throughout the year.
PLANNED = {"Ward A": "30/06/2025", "Ward B": "31/05/2025"}


def _days_in_post(leaving: str) -> int:
    """Days from 1 April 2024 to a leaving date, both included."""
    return (dt.datetime.strptime(leaving, "%d/%m/%Y").date() - FY_START).days + 1


def staff_rows() -> list[list[str]]:
    rows, number = [], 5000
    for team, directorate in TEAMS.items():
        dates = [""] * STAYERS + LEAVERS[team] + ([PLANNED[team]] if team in PLANNED else [])
        for leaving in dates:
            number += 1
            rows.append([str(number), directorate, team, "Nursing and Midwifery Registered", "Staff Nurse",
                         "01/04/2015", leaving, "1"])
    number += 1   # a start date typed as 2099 instead of 2009
    rows.append([str(number), "Surgery", "Theatres", "Nursing and Midwifery Registered", "Staff Nurse", "01/01/2099",
                 "", "1"])
    return rows


STAFF_HEADER = ["Employee Number", "Directorate", "Organisation", "Staff Group", "Job Role", "Assignment Start Date",
                "Termination Date", "FTE"]
#: Ward A's first stayer is off sick 1-10 June 2024 and, on a second overlapping record, 5-14 June.
OVERLAPPING = [("5001", "01/06/2024", "10/06/2024"), ("5001", "05/06/2024", "14/06/2024")]


def absence_rows() -> list[tuple[str, str, str]]:
    """Five 2-day episodes from the 5th of each month, of Ward B and Theatres stayers (in post all year)."""
    people = [str(5000 + 25 + i) for i in range(1, 21)] + [str(5000 + 25 + 23 + i) for i in range(1, 21)]
    rows, i = list(OVERLAPPING), 0
    for month in pd.period_range("2024-04", "2025-03", freq="M"):
        for _ in range(5):
            person = people[i % len(people)]
            i += 1
            rows.append((person, f"05/{month.month:02d}/{month.year}", f"06/{month.month:02d}/{month.year}"))
    return rows


def to_csv(header: list[str], rows) -> bytes:
    return ("\n".join([",".join(header), *[",".join(r) for r in rows]]) + "\n").encode()


STAFF_CSV = to_csv(STAFF_HEADER, staff_rows())
ABSENCE_CSV = to_csv(["Employee Number", "Absence Start Date", "Absence End Date"], absence_rows())

# --- By hand ----------------------------------------------------------------------------------------
#: Staff in post on 1 April 2024: stayers, leavers and planned leavers (the 2099 starter is not).
STAFF_START = {t: STAYERS + len(LEAVERS[t]) + (t in PLANNED) for t in TEAMS}
#: On 31 March 2025: stayers and planned leavers (the leaver of 25 March has gone).
STAFF_END = {t: STAYERS + (t in PLANNED) for t in TEAMS}
ORG_LEAVERS = sum(len(v) for v in LEAVERS.values())                          # 9
ORG_LEAVER_RATE = 100 * ORG_LEAVERS / ((sum(STAFF_START.values()) + sum(STAFF_END.values())) / 2)
#: FTE 1 for everyone: days in post in the year.
ORG_AVAILABLE = (sum(STAFF_END.values()) * FY_DAYS
                 + sum(_days_in_post(d) for dates in LEAVERS.values() for d in dates))
#: 60 episodes of 2 days, and Ward A's overlapping records lose 1-14 June once: 14 days, not 20.
ORG_LOST = 60 * 2 + 14
ORG_SICKNESS_RATE = 100 * ORG_LOST / ORG_AVAILABLE


def team_leaver_rate(team: str) -> float:
    return 100 * len(LEAVERS[team]) / ((STAFF_START[team] + STAFF_END[team]) / 2)


@pytest.fixture(scope="module")
def records() -> hr.StaffRecords:
    staff = hr.load_staff(read_table(STAFF_CSV, "esr_staff.csv"))
    return hr.load_absence(read_table(ABSENCE_CSV, "esr_absence.csv"), staff)


# --- The period -------------------------------------------------------------------------------------
def test_a_financial_year_extract_covers_april_to_march(records):
    assert (records.coverage_start, records.coverage_end) == (pd.Timestamp(FY_START), pd.Timestamp(FY_END))
    how = next(n for n in records.notes if n.startswith("Inferred from the dates"))
    assert "01/04/2024 to 31/03/2025, 12 months (a financial year)" in how


def test_planned_leavers_are_a_finding_and_in_post(records):
    planned = next(n for n in records.notes if n.startswith("Planned leavers:"))
    # rows: the header is row 1; Ward A's planned leaver is its 25th person (row 26), Ward B's the 23rd
    # of its rows (25 + 23 + 1 = row 49)
    assert "2 termination date(s) after the HR period's end (31/03/2025)" in planned
    assert "rows 26, 49 of 'esr_staff.csv'" in planned
    table = hr.hr_metrics(records, start=FY_START, end=FY_END, levels=["team"]).set_index("unit")
    for team in TEAMS:
        assert (table.loc[team, "staff_start"], table.loc[team, "staff_end"], table.loc[team, "leavers"]) == (
            STAFF_START[team], STAFF_END[team], len(LEAVERS[team]))


def test_one_outlying_date_and_planned_leavers_do_not_move_the_window(records):
    # Without the planned leavers and the 2099 start, the period is the same.
    plain = [r for r in staff_rows() if r[6] not in PLANNED.values() and r[5] != "01/01/2099"]
    staff = hr.load_staff(read_table(to_csv(STAFF_HEADER, plain), "plain.csv"))
    plain_records = hr.load_absence(read_table(ABSENCE_CSV, "esr_absence.csv"), staff)
    assert (plain_records.coverage_start, plain_records.coverage_end) == (records.coverage_start,
                                                                          records.coverage_end)
    assert hr.latest_complete_month(records) == pd.Timestamp("2025-03-01")


def test_overlapping_absences_are_merged_not_refused(records):
    assert records.absence_overlaps is not None and records.absence_overlaps.episodes == 2
    org = hr.hr_metrics(records, start=FY_START, end=FY_END, levels=["organisation"]).iloc[0]
    assert float(org["fte_days_lost"]) == pytest.approx(ORG_LOST)
    assert float(org["fte_days_available"]) == pytest.approx(ORG_AVAILABLE)
    assert float(org["sickness_rate"]) == pytest.approx(ORG_SICKNESS_RATE)
    assert float(org["leaver_rate"]) == pytest.approx(ORG_LEAVER_RATE)


def test_the_extract_date_ends_the_period_and_makes_planned_leavers(records):
    taken = hr.set_period(records, HRPeriod.of(extract_date="2025-03-15"))
    assert (taken.coverage_start, taken.coverage_end) == (pd.Timestamp(FY_START), pd.Timestamp("2025-03-15"))
    planned = next(n for n in taken.notes if n.startswith("Planned leavers:"))
    # the leaver of 25/03/2025 is now after the extract date too
    assert "3 termination date(s) after the HR period's end (15/03/2025)" in planned
    assert any(n.startswith("HR period:") and "set by the user" in n for n in taken.notes)
    # March is no longer complete: the latest 12 whole months end in February
    assert hr.latest_complete_month(taken) == pd.Timestamp("2025-02-01")


def test_a_period_set_by_the_user(records):
    chosen = hr.set_period(records, HRPeriod.of("2024-01-01", "2025-06-30"))
    assert (chosen.coverage_start, chosen.coverage_end) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2025-06-30"))
    assert not any(n.startswith("Planned leavers:") for n in chosen.notes)   # June is inside now


@pytest.mark.parametrize("start, end, extract, message", [
    ("2024-04-01", None, None, "Give both the HR period's start and its end"),
    ("2025-04-01", "2024-03-31", None, "ends .* before it starts"),
    ("2024-04-01", "2025-03-31", "2025-03-31", "not both"),
    ("01/04/2024", "2025-03-31", None, "not a date in the form YYYY-MM-DD"),
])
def test_bad_periods_are_refused_in_words(start, end, extract, message):
    with pytest.raises(InputError, match=message):
        HRPeriod.of(start, end, extract)


# --- One window per wave, everywhere ----------------------------------------------------------------
def test_the_wave_window_is_the_financial_year(records):
    window = wave_window(records, "2024")
    assert (window.start, window.end, window.months, window.is_short) == (
        pd.Timestamp(FY_START), pd.Timestamp(FY_END), 12, False)
    later = wave_window(records, "2025")     # April 2025 onwards: not covered at all
    assert not later.available and "do not cover the concurrent window of the 2025 survey" in later.reason


def _survey_bytes() -> bytes:
    # 12 respondents per team, every answer code 3 (a score of 5.0), so every team is shown
    return survey_csv({team: (directorate, [3] * 12) for team, directorate in TEAMS.items()}, "2024")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("esr")
    paths = {"staff": folder / "esr_staff.csv", "absence": folder / "esr_absence.csv",
             "survey": folder / "survey_2024.csv"}
    paths["staff"].write_bytes(STAFF_CSV)
    paths["absence"].write_bytes(ABSENCE_CSV)
    paths["survey"].write_bytes(_survey_bytes())
    return folder, {k: str(v) for k, v in paths.items()}


def test_dashboard_hr_relate_and_report_give_the_same_figures(files, capsys):
    folder, paths = files
    # The dashboard's Board (no manual step: the period is inferred, the overlaps merged)
    spec = DatasetSpec(label="ESR", survey_files=(FilePayload("survey_2024.csv", _survey_bytes()),),
                       staff_file=FilePayload("esr_staff.csv", STAFF_CSV),
                       absence_file=FilePayload("esr_absence.csv", ABSENCE_CSV))
    dataset = load_dataset(spec)
    headline = board.headline_measures(dataset.survey, dataset.hr, wave="2024").set_index("measure")
    assert headline.loc["leaver_rate", "period"] == "Apr 2024 to Mar 2025"
    assert headline.loc["leaver_rate", "value"] == pytest.approx(ORG_LEAVER_RATE)
    assert headline.loc["sickness_rate", "value"] == pytest.approx(ORG_SICKNESS_RATE)

    # hr: the wave's window, and the default (the latest 12 months of the period) is the same year
    for extra in (["--wave", "2024"], []):
        out = folder / f"hr{len(extra)}.csv"
        assert main(["hr", paths["staff"], "--absence", paths["absence"], *extra, "--out", str(out)]) == 0
        table = pd.read_csv(out, encoding="utf-8-sig")
        org = table[table["level"] == "organisation"].iloc[0]
        assert (org["window_start"], org["window_end"], org["window_months"]) == ("2024-04-01", "2025-03-31", 12)
        assert org["leaver_rate"] == pytest.approx(ORG_LEAVER_RATE)
        assert org["sickness_rate"] == pytest.approx(ORG_SICKNESS_RATE)
        teams = table[table["level"] == "team"].set_index("unit")
        for team in TEAMS:
            assert teams.loc[team, "leaver_rate"] == pytest.approx(team_leaver_rate(team))
    assert "Planned leavers: 2 termination date(s)" in capsys.readouterr().err

    # relate: each row names the same window; the teams' leaver rates are the hand ones
    out = folder / "relate.csv"
    assert main(["relate", "--survey", paths["survey"], "--hr", paths["staff"], "--absence", paths["absence"],
                 "--x", "compassionate_leadership", "--y", "leaver_rate", "--out", str(out)]) == 0
    related = pd.read_csv(out, encoding="utf-8-sig")
    assert set(related["window_start"]) == {"2024-04-01"} and set(related["window_end"]) == {"2025-03-31"}

    # report: the board pack quotes the same leaver rate over the same months
    out = folder / "pack.html"
    assert main(["report", "--survey", paths["survey"], "--hr", paths["staff"], "--absence", paths["absence"],
                 "--out", str(out)]) == 0
    document = out.read_text(encoding="utf-8")
    assert f"{ORG_LEAVER_RATE:.1f}%" in document and "Apr 2024 to Mar 2025" in document
    assert not re.search(r"\bnan\b", without_plotly_bundle(document), flags=re.IGNORECASE)


def test_small_teams_get_no_hr_figures(records):
    table = hr.suppress_small_hr_units(hr.hr_metrics(records, start=FY_START, end=FY_END), 25)
    teams = table[table["level"] == "team"].set_index("unit")
    # Ward A has 25 in post at the start but 21 at the end: fewer than 25, so hidden; so are the others
    assert teams["suppressed"].all() and teams["leaver_rate"].isna().all() and teams["staff_start"].isna().all()
    organisation = table[table["level"] == settings.LEVEL_ORGANISATION].iloc[0]
    assert not organisation["suppressed"] and organisation["leaver_rate"] == pytest.approx(ORG_LEAVER_RATE)
    assert "fewer than 25 staff in post" in table.attrs["hr_suppression"]
    # k = 21: Theatres (and its directorate, Surgery) end the year with 20 people; the wards with 21
    some = hr.suppress_small_hr_units(hr.hr_metrics(records, start=FY_START, end=FY_END), 21)
    assert set(some.loc[some["suppressed"], "unit"]) == {"Theatres", "Surgery"}


def test_a_leaver_typed_decades_early_does_not_move_the_start(records):
    rows = staff_rows()
    rows[0][5:7] = ["01/04/1995", "15/03/1999"]    # an old record of someone who left in 1999
    staff = hr.load_staff(read_table(to_csv(STAFF_HEADER, rows), "typo.csv"))
    typo = hr.load_absence(read_table(ABSENCE_CSV, "esr_absence.csv"), staff)
    assert (typo.coverage_start, typo.coverage_end) == (pd.Timestamp(FY_START), pd.Timestamp(FY_END))


def test_a_staff_list_with_no_leavers_starts_at_its_earliest_start():
    staff = hr.load_staff(read_table(to_csv(STAFF_HEADER, [
        ["1", "D", "T", "Nursing", "Nurse", "01/02/2020", "", "1"],
        ["2", "D", "T", "Nursing", "Nurse", "17/06/2024", "", "1"]]), "none.csv"))
    assert (staff.coverage_start, staff.coverage_end) == (pd.Timestamp("2020-02-01"), pd.Timestamp("2024-06-30"))
    assert "the earliest start date (nobody has left)" in next(n for n in staff.notes if n.startswith("Inferred"))


def test_a_team_month_file_keeps_its_months_and_refuses_a_period_outside_them():
    months = to_csv(["Team", "Month", "Staff in post", "Leavers"],
                    [["A", f"2024-{m:02d}", "20", "1"] for m in range(1, 13)])
    records = hr.load_hr_table(read_table(months, "months.csv"))
    assert (records.coverage_start, records.coverage_end) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    shorter = hr.set_period(records, HRPeriod.of("2024-04-01", "2024-09-30"))
    assert (shorter.coverage_start, shorter.coverage_end) == (pd.Timestamp("2024-04-01"), pd.Timestamp("2024-09-30"))
    with pytest.raises(InputError, match="outside the months of the file"):
        hr.set_period(records, HRPeriod.of("2023-04-01", "2024-09-30"))


def test_a_window_cut_below_six_months_is_not_used_and_says_why(records):
    cut = hr.set_period(records, HRPeriod.of("2024-04-01", "2024-08-31"))   # 5 months of the 2024 window
    window = wave_window(cut, "2024")
    assert not window.available
    assert "cover only 5 month(s) of the concurrent window of the 2024 survey" in window.reason
    assert "at least 6 are needed" in window.reason
    seven = wave_window(hr.set_period(records, HRPeriod.of("2024-04-01", "2024-10-31")), "2024")
    assert (seven.months, seven.is_short, seven.annual_factor) == (7, True, 12 / 7)
    assert seven.short_text == "Apr 2024 to Oct 2024, 7 months"
