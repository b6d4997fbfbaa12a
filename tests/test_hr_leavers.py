"""Leaver definitions (analytics.hr.leavers): spell-based vs NHS Digital snapshot, headcount vs FTE, and
the voluntary resignation rate. Expected values are hand arithmetic over the window 2024-01-01..2024-12-31."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import hr, settings
from analytics.errors import InputError
from analytics.hr import LeaverDefinition
from analytics.ingest.raw import RawTable

ORG = settings.ORGANISATION_UNIT
WINDOW = {"start": "2024-01-01", "end": "2024-12-31"}
HEADER = ["Employee Number", "Team", "Assignment Start Date", "Termination Date", "FTE", "Leaving Reason"]
ROWS = [
    ["1", "A", "01/01/2020", "", "1", ""],                                                   # stays
    ["2", "A", "01/01/2019", "15/03/2024", "1", "Voluntary Resignation - Relocation"],       # leaves
    ["3", "A", "01/02/2024", "31/08/2024", "0.5", "voluntary  resignation - work life balance"],  # joins, leaves
    ["4", "A", "01/01/2018", "30/06/2024", "0.8", "Retirement Age"],                         # retires
    ["5", "A", "01/01/2018", "31/05/2024", "1", ""],                                         # moves A -> B ...
    ["5", "B", "01/06/2024", "30/09/2024", "0.6", "Voluntary Resignation - Promotion"],      # ... and leaves
    ["6", "B", "01/01/2015", "", "1", ""],                                                   # stays
    ["7", "B", "01/01/2016", "29/02/2024", "1", ""],                                         # B -> C -> B
    ["7", "C", "01/03/2024", "31/07/2024", "1", ""],
    ["7", "B", "01/08/2024", "", "1", ""],
]


def make_raw(rows: list[list], name: str = "staff.csv") -> RawTable:
    frame = pd.DataFrame(rows[1:], columns=rows[0], dtype="str")
    frame.index = pd.RangeIndex(2, 2 + len(rows) - 1)
    return RawTable(frame=frame, file_name=name)


@pytest.fixture
def staff() -> hr.StaffRecords:
    return hr.load_staff(make_raw([HEADER] + ROWS))


def row_of(table, level, unit):
    hit = table[(table["level"] == level) & (table["unit"] == unit)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_leaving_reason_is_kept(staff):
    assert staff.has_leaving_reason
    reasons = staff.assignments["leaving_reason"]
    assert reasons.iloc[1] == "Voluntary Resignation - Relocation" and pd.isna(reasons.iloc[0])
    other = hr.load_staff(make_raw([HEADER[:5] + ["Reason for Leaving"]] + ROWS))
    assert other.has_leaving_reason
    none = hr.load_staff(make_raw([HEADER[:5]] + [r[:5] for r in ROWS]))
    assert not none.has_leaving_reason and none.assignments["leaving_reason"].isna().all()


def test_spell_based_headcount_is_the_default(staff):
    table = hr.hr_metrics(staff, **WINDOW)
    assert table.equals(hr.hr_metrics(staff, **WINDOW, definition=LeaverDefinition("spell", "headcount")))
    a = row_of(table, "team", "A")
    # in post 1 Jan: 1, 2, 4, 5; 31 Dec: 1. Spells ending in the window: 2, 3 (joiner-leaver), 4, 5 (move)
    assert (a["staff_start"], a["staff_end"], a["leavers"], a["voluntary_leavers"]) == (4, 1, 4, 2)
    assert a["leaver_rate"] == pytest.approx(100 * 4 / ((4 + 1) / 2))
    assert a["voluntary_resignation_rate"] == pytest.approx(100 * 2 / ((4 + 1) / 2))
    b = row_of(table, "team", "B")
    # 5's spell in B ends 30 Sep (voluntary); 7's first spell in B ends 29 Feb
    assert (b["staff_start"], b["staff_end"], b["leavers"], b["voluntary_leavers"]) == (2, 2, 2, 1)
    c = row_of(table, "team", "C")
    assert (c["staff_start"], c["staff_end"], c["leavers"]) == (0, 0, 1) and pd.isna(c["leaver_rate"])
    org = row_of(table, "organisation", ORG)
    # 2, 3, 4, 5 leave the organisation (5's move and 7's moves are not leavers from it)
    assert (org["staff_start"], org["staff_end"], org["leavers"], org["voluntary_leavers"]) == (6, 3, 4, 3)
    assert org["leaver_rate"] == pytest.approx(100 * 4 / ((6 + 3) / 2))
    assert org["voluntary_resignation_rate"] == pytest.approx(100 * 3 / ((6 + 3) / 2))
    assert set(table["leaver_definition"]) == {"spell-based, headcount"}


def test_snapshot_counts_people_in_post_at_the_start_and_not_at_the_end(staff):
    table = hr.hr_metrics(staff, **WINDOW, definition="snapshot")
    a = row_of(table, "team", "A")
    # 3 joined after 1 Jan: not a leaver; 5 moved to B: leaves team A (reason of the A row: blank)
    assert (a["staff_start"], a["staff_end"], a["leavers"], a["voluntary_leavers"]) == (4, 1, 3, 1)
    assert a["leaver_rate"] == pytest.approx(100 * 3 / ((4 + 1) / 2))
    b = row_of(table, "team", "B")
    # 5 was not in B on 1 Jan; 7 is in B on both days
    assert (b["leavers"], b["voluntary_leavers"]) == (0, 0) and b["leaver_rate"] == 0
    assert row_of(table, "team", "C")["leavers"] == 0
    org = row_of(table, "organisation", ORG)
    # 2, 4, 5 (5 resigned voluntarily from B, their last post)
    assert (org["leavers"], org["voluntary_leavers"]) == (3, 2)
    assert org["leaver_rate"] == pytest.approx(100 * 3 / ((6 + 3) / 2))
    assert org["voluntary_resignation_rate"] == pytest.approx(100 * 2 / ((6 + 3) / 2))
    assert org["stability_index"] == pytest.approx(100 * 3 / 6)          # unchanged by the definition
    assert set(table["leaver_definition"]) == {"NHS Digital snapshot, headcount"}
    assert table.attrs["leaver_definition"] == LeaverDefinition("snapshot")


def test_fte_basis(staff):
    # FTE in post 1 Jan: 1 + 1 + 0.8 + 1 (5 in A) + 1 + 1 (7 in B) = 5.8; 31 Dec: 1 + 1 + 1 = 3
    spell = row_of(hr.hr_metrics(staff, **WINDOW, definition=LeaverDefinition("spell", "fte")),
                   "organisation", ORG)
    # FTE on leaving: 2: 1, 3: 0.5, 4: 0.8, 5: 0.6 (the B post they left from)
    assert spell["leaver_rate"] == pytest.approx(100 * (1 + 0.5 + 0.8 + 0.6) / ((5.8 + 3) / 2))
    assert spell["voluntary_resignation_rate"] == pytest.approx(100 * (1 + 0.5 + 0.6) / ((5.8 + 3) / 2))
    assert spell["leavers"] == 4                                          # still a headcount
    assert spell["leaver_definition"] == "spell-based, FTE"
    snap = row_of(hr.hr_metrics(staff, **WINDOW, definition=LeaverDefinition("snapshot", "fte")),
                  "organisation", ORG)
    # FTE on 1 Jan of 2, 4, 5: 1 + 0.8 + 1
    assert snap["leaver_rate"] == pytest.approx(100 * (1 + 0.8 + 1) / ((5.8 + 3) / 2))
    assert snap["voluntary_resignation_rate"] == pytest.approx(100 * (1 + 1) / ((5.8 + 3) / 2))
    a = row_of(hr.hr_metrics(staff, **WINDOW, definition=LeaverDefinition("spell", "fte")), "team", "A")
    # team A FTE: 1 Jan 1 + 1 + 0.8 + 1 = 3.8; 31 Dec 1; leavers 2: 1, 3: 0.5, 4: 0.8, 5: 1 (the A post)
    assert a["leaver_rate"] == pytest.approx(100 * (1 + 0.5 + 0.8 + 1) / ((3.8 + 1) / 2))


def test_without_a_reason_column_voluntary_figures_are_na():
    staff = hr.load_staff(make_raw([HEADER[:5]] + [r[:5] for r in ROWS]))
    table = hr.hr_metrics(staff, **WINDOW)
    assert table["voluntary_leavers"].isna().all() and table["voluntary_resignation_rate"].isna().all()
    assert row_of(table, "organisation", ORG)["leavers"] == 4


def test_refusals(staff):
    with pytest.raises(InputError, match="Unknown leaver definition 'stock'; use one of 'spell', 'snapshot'"):
        hr.hr_metrics(staff, **WINDOW, definition="stock")
    no_fte = hr.load_staff(make_raw([HEADER[:4]] + [r[:4] for r in ROWS]))
    with pytest.raises(InputError, match="An FTE-based leaver rate needs an FTE column"):
        hr.hr_metrics(no_fte, **WINDOW, definition=LeaverDefinition(basis="fte"))


def test_team_month_figures_have_no_snapshot_and_no_voluntary_figures():
    months = hr.load_team_month(make_raw([["Team", "Month", "Staff in post", "Leavers"],
                                          ["A", "2024-01", "10", "1"], ["A", "2024-02", "10", "0"]], "m.csv"))
    table = hr.hr_metrics(months, start="2024-01-01", end="2024-02-29")
    assert table["voluntary_leavers"].isna().all() and table["voluntary_resignation_rate"].isna().all()
    assert set(table["leaver_definition"]) == {settings.LEAVER_DEFINITION_AS_GIVEN}
    for definition in ("snapshot", LeaverDefinition(basis="fte")):
        with pytest.raises(InputError, match="cannot be worked out from team-month figures"):
            hr.hr_metrics(months, start="2024-01-01", end="2024-02-29", definition=definition)
