"""An NSS benchmark workbook with one sheet per benchmark group is read whole: every group's organisations
are units (each keeps its group), and each group's comparator rows stay with that group. A generated
workbook of two group sheets and a notes sheet; expected values are the figures written into it."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from analytics.errors import InputError
from analytics.ingest.codebook import load_codebook
from analytics.ingest.published_workbook import BENCHMARK_GROUP_PROPERTY, read_benchmark_workbook
from analytics.survey.pipeline import SurveySource, score_survey_files

HEADER = ["Org code", "pp1_2_2024", "pp1_2_n_2024", "pp1_2_sig_2025", "pp1_2_2025", "pp1_2_n_2025"]
ACUTE = [["RAA", 6.9, 800, "", 7.0, 820],
         ["RBB", 7.1, 650, "higher", 7.2, 700],
         ["RCC", 6.5, 8, "", 6.6, 900],          # 8 responses in 2024: hidden at k = 11
         ["Median", 6.9, None, "", 7.0, None]]
COMMUNITY = [["RXX", 7.5, 300, "", 7.6, 310],
             ["RYY", 7.3, 280, "", 7.4, 290],
             ["Median", 7.4, None, "", 7.5, None]]


def workbook(acute=ACUTE, community=COMMUNITY) -> bytes:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["About this workbook"])
    notes.append(["One sheet per benchmark group."])
    for title, rows in (("Acute Trusts", acute), ("Community Trusts", community)):
        sheet = book.create_sheet(title)
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_every_group_sheet_is_read():
    wb = read_benchmark_workbook(workbook(), "nss_benchmark.xlsx", load_codebook())
    assert wb is not None and wb.groups == ["Acute Trusts", "Community Trusts"]
    r = wb.results
    assert sorted(r.frame["unit"].unique()) == ["RAA", "RBB", "RCC", "RXX", "RYY"]
    assert len(r.frame) == 10                     # 5 organisations x 2 years, one measure
    row = r.frame[(r.frame["unit"] == "RYY") & (r.frame["wave"] == "2025")].iloc[0]
    assert (row["n"], row["value"], row["measure"]) == (290, 7.4, "compassionate_leadership")
    groups = r.unit_properties[r.unit_properties["property"] == BENCHMARK_GROUP_PROPERTY]
    group_of = dict(zip(groups["unit"], groups["value"]))
    assert group_of == {"RAA": "Acute Trusts", "RBB": "Acute Trusts", "RCC": "Acute Trusts",
                        "RXX": "Community Trusts", "RYY": "Community Trusts"}
    assert any("Notes" in note and "left out" in note for note in r.notes)


def test_each_group_keeps_its_own_comparators():
    r = read_benchmark_workbook(workbook(), "nss_benchmark.xlsx", load_codebook()).results
    medians = r.comparators[(r.comparators["kind"] == "median") & (r.comparators["wave"] == "2025")]
    assert dict(zip(medians["group"], medians["value"])) == {"Acute Trusts": 7.0, "Community Trusts": 7.5}


def test_workbook_through_the_pipeline_with_suppression():
    results = score_survey_files([SurveySource("nss_benchmark.xlsx", workbook())], min_group_size=11)
    units = results.unit_scores
    assert sorted(units["unit"].unique()) == ["RAA", "RBB", "RCC", "RXX", "RYY"]
    hidden = units[(units["unit"] == "RCC") & (units["wave"] == "2024")].iloc[0]
    assert hidden["suppressed"] and pd.isna(hidden["mean"])
    shown = units[(units["unit"] == "RXX") & (units["wave"] == "2025")].iloc[0]
    assert shown["mean"] == 7.6 and shown["n"] == 310
    comp = results.comparators
    by_group = comp[comp["wave"] == "2024"].set_index("group")["mean"].to_dict()
    assert by_group == {"Acute Trusts": 6.9, "Community Trusts": 7.4}


def test_one_sheet_is_read_as_before():
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in ACUTE:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    assert read_benchmark_workbook(out.getvalue(), "one.xlsx", load_codebook()) is None
    results = score_survey_files([SurveySource("one.xlsx", out.getvalue())], min_group_size=11)
    assert set(results.comparators["group"]) == {""}


def test_an_organisation_in_two_groups_is_refused():
    community = [*COMMUNITY[:2], ["RAA", 7.0, 100, "", 7.1, 100], COMMUNITY[2]]
    with pytest.raises(InputError, match="'RAA' is in two benchmark groups"):
        read_benchmark_workbook(workbook(community=community), "nss_benchmark.xlsx", load_codebook())


def test_peers_are_the_organisations_of_our_benchmark_group():
    from analytics.survey import published
    results = score_survey_files([SurveySource("nss_benchmark.xlsx", workbook())], min_group_size=11)
    assert published.benchmark_groups(results)["RYY"] == "Community Trusts"
    peers = published.peer_comparison(results, "RXX", "2025").set_index("measure").loc["compassionate_leadership"]
    # Community Trusts in 2025: RXX 7.6, RYY 7.4 -> one peer, median = best = worst = 7.4; acute trusts left out
    assert (peers["value"], peers["peers"], peers["median"], peers["rank"], peers["of"]) == (7.6, 1, 7.4, 1, 2)
    assert peers["group"] == "Community Trusts"
    acute = published.peer_comparison(results, "RAA", "2025").set_index("measure").loc["compassionate_leadership"]
    # Acute Trusts in 2025: RAA 7.0, RBB 7.2, RCC 6.6 -> median 6.9, best 7.2, worst 6.6, RAA ranks 2nd of 3
    assert (acute["peers"], acute["median"], acute["best"], acute["worst"], acute["rank"], acute["of"]) == \
        (2, pytest.approx(6.9), 7.2, 6.6, 2, 3)
