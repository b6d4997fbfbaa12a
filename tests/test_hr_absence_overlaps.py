"""Overlapping absence episodes of one person are merged (each calendar day lost once), never refused, and
reported as a finding (domain.md §3). Expected values are hand arithmetic; 2024 is a leap year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import hr
from analytics.corrections import hr_overview
from analytics.hr.overlaps import merge_episodes
from analytics.ingest.raw import RawTable

STAFF_ROWS = [
    ["Employee Number", "Assignment Number", "Team", "Assignment Start Date", "Termination Date", "FTE"],
    ["1", "1-1", "A", "01/01/2020", "", "1"],
    ["2", "2-1", "A", "01/01/2020", "", "0.6"],     # two concurrent assignments of one person
    ["2", "2-2", "B", "01/01/2020", "", "0.4"],
]


def make_raw(rows: list[list], name: str) -> RawTable:
    frame = pd.DataFrame(rows[1:], columns=rows[0], dtype="str")
    frame.index = pd.RangeIndex(2, 2 + len(rows) - 1)
    return RawTable(frame=frame, file_name=name)


@pytest.fixture
def staff() -> hr.StaffRecords:
    return hr.load_staff(make_raw(STAFF_ROWS, "staff.csv"))


def absence(staff, rows, header=("Employee Number", "Absence Start Date", "Absence End Date")):
    return hr.load_absence(make_raw([list(header)] + rows, "absence.csv"), staff)


def lost(records, team, start="2024-01-01", end="2024-12-31"):
    table = hr.hr_metrics(records, start=start, end=end, levels=["team"])
    return table.loc[table["unit"] == team, "fte_days_lost"].iloc[0]


def test_two_overlapping_episodes_lose_each_day_once(staff):
    records = absence(staff, [["1", "01/02/2024", "10/02/2024"], ["1", "06/02/2024", "15/02/2024"]])
    assert lost(records, "A") == pytest.approx(15 * 1.0)        # 1-15 February, not 10 + 10 days
    finding = records.absence_overlaps
    assert (finding.episodes, finding.people, finding.days, finding.rows) == (2, 1, 5, (2, 3))   # 6-10 Feb
    assert finding.text in records.notes


def test_given_fte_days_lost_count_a_shared_day_at_the_larger_daily_figure(staff):
    header = ("Employee Number", "Absence Start Date", "Absence End Date", "FTE Days Lost")
    records = absence(staff, [["1", "01/02/2024", "10/02/2024", "10"],    # 1.0 a day
                              ["1", "06/02/2024", "15/02/2024", "5"]], header)   # 0.5 a day
    assert lost(records, "A") == pytest.approx(5 * 1.0 + 5 * max(1.0, 0.5) + 5 * 0.5)


def test_an_episode_inside_another_adds_nothing(staff):
    header = ("Employee Number", "Absence Start Date", "Absence End Date", "FTE Days Lost")
    records = absence(staff, [["1", "01/03/2024", "31/03/2024", "31"], ["1", "10/03/2024", "12/03/2024", "3"]],
                      header)
    assert lost(records, "A") == pytest.approx(31)
    assert (records.absence_overlaps.episodes, records.absence_overlaps.days) == (2, 3)


def test_the_same_episode_listed_for_two_concurrent_assignments_is_split_by_fte_not_doubled(staff):
    rows = [["2", "01/04/2024", "10/04/2024"], ["2", "01/04/2024", "10/04/2024"]]
    records = absence(staff, rows)
    assert lost(records, "A") == pytest.approx(0.6 * 10)        # (0.6 + 0.4) x 10 days, shared by FTE
    assert lost(records, "B") == pytest.approx(0.4 * 10)
    assert records.absence_overlaps.days == 10


def test_linked_by_assignment_each_assignment_loses_its_own_fte_and_nothing_overlaps():
    rows = [[r[1], r[2], r[3], r[4], r[5]] for r in STAFF_ROWS]          # no employee number
    staff = hr.load_staff(make_raw(rows, "staff.csv"))
    records = absence(staff, [["2-1", "01/04/2024", "10/04/2024"], ["2-2", "01/04/2024", "10/04/2024"]],
                      ("Assignment Number", "Absence Start Date", "Absence End Date"))
    assert lost(records, "A") == pytest.approx(0.6 * 10)
    assert lost(records, "B") == pytest.approx(0.4 * 10)
    assert records.absence_overlaps is None


def test_an_overlap_across_the_window_edge_keeps_each_days_rate(staff):
    header = ("Employee Number", "Absence Start Date", "Absence End Date", "FTE")
    records = absence(staff, [["1", "20/12/2023", "10/01/2024", "0.5"],    # 0.5 a day, 22 days
                              ["1", "28/12/2023", "05/01/2024", "1"]], header)   # 1.0 a day, 9 days
    # 20-27 Dec at 0.5, 28 Dec - 5 Jan at 1.0, 6-10 Jan at 0.5
    assert lost(records, "A") == pytest.approx(5 * 1.0 + 5 * 0.5)
    assert lost(records, "A", "2023-01-01", "2023-12-31") == pytest.approx(8 * 0.5 + 4 * 1.0)
    assert records.absence_overlaps.days == 9


def test_the_finding_lists_twenty_rows_then_how_many_more(staff):
    records = absence(staff, [["1", "01/05/2024", "10/05/2024"]] * 25 + [["2", "01/05/2024", "02/05/2024"]])
    finding = records.absence_overlaps
    assert (finding.episodes, finding.people, finding.days) == (25, 1, 10)
    assert finding.rows == tuple(range(2, 27))
    assert "rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21 and 5 more" in finding.text
    assert "25 absence episodes of 1 person overlap" in finding.text
    assert hr_overview(records)["Overlapping absences"] == finding.text   # a finding of its own on the Data page
    assert lost(records, "A") == pytest.approx(10 * 1.0 + 2 * 0.6)


def test_no_overlap_no_finding(staff):
    records = absence(staff, [["1", "01/02/2024", "10/02/2024"], ["1", "11/02/2024", "15/02/2024"]])
    assert records.absence_overlaps is None
    assert not any("overlap" in note for note in records.notes)
    assert lost(records, "A") == pytest.approx(15)


def test_merge_matches_a_day_by_day_count():
    """Against a brute-force count over person-days: each day once, at the largest rate listing it."""
    rng = np.random.default_rng(7)
    n = 400
    key = rng.integers(0, 30, n)
    start = rng.integers(0, 200, n)
    end = start + rng.integers(0, 25, n)
    rate = rng.choice([0.2, 0.5, 0.6, 1.0], n)
    pieces, finding = merge_episodes(key, start, end, rate, np.arange(n) + 2)
    got = np.zeros(30)
    np.add.at(got, key[pieces["episode"]],
              rate[pieces["episode"]] * (pieces["end_day"] - pieces["start_day"] + 1).to_numpy())
    want, doubled = np.zeros(30), 0
    for k in range(30):
        best, listed = {}, {}
        for i in np.flatnonzero(key == k):
            for d in range(start[i], end[i] + 1):
                best[d] = max(best.get(d, 0.0), rate[i])
                listed[d] = listed.get(d, 0) + 1
        want[k] = sum(best.values())
        doubled += sum(1 for c in listed.values() if c > 1)
    assert got == pytest.approx(want)
    assert finding.days == doubled
    # kept pieces of one person never share a day
    p = pieces.assign(key=key[pieces["episode"]]).sort_values(["key", "start_day"])
    same = p["key"].to_numpy()[1:] == p["key"].to_numpy()[:-1]
    assert (p["start_day"].to_numpy()[1:][same] > p["end_day"].to_numpy()[:-1][same]).all()
