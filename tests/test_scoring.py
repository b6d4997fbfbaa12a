"""Tests of analytics.survey.scoring: item scores, respondent measures, unit scores and item results."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import settings
from analytics.ingest.codebook import Codebook, custom_item_code, load_codebook
from analytics.errors import InputError
from analytics.ingest.mapping import CustomMeasure, Mapping
from analytics.ingest.raw import RawTable
from analytics.survey.scoring import (
    ScoredResponses,
    _unit_groups,
    _unit_scores_unsuppressed,
    answer_positions,
    favourable_from_position,
    item_results,
    score_responses,
    unit_scores,
)

AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
SD, D, N, A, SA = AGREE
ORG = settings.ORGANISATION_UNIT

TEST_BOOK = Codebook.from_dict({
    "id": "test", "name": "Test codebook",
    "scales": {
        "agreement": {"options": AGREE},
        "three": {"options": ["Worse", "Same", "Better"]},
        "yes_no": {"options": ["No", "Yes"]},
        "zero_to_ten": {"options": [str(i) for i in range(11)]},
    },
    "missing_options": ["Don't know", "Not applicable", "Prefer not to say"],
    "items": {
        "a1": {"scale": "agreement"}, "a2": {"scale": "agreement"}, "a3": {"scale": "agreement"},
        "a4": {"scale": "agreement"}, "r1": {"scale": "agreement", "reverse": True},
        "t1": {"scale": "three"}, "y1": {"scale": "yes_no"}, "z1": {"scale": "zero_to_ten"},
    },
    "measures": [
        {"id": "three_items", "items": ["a1", "a2", "a3"]},
        {"id": "four_items", "items": ["a1", "a2", "a3", "a4"]},
        {"id": "pair", "items": ["t1", "y1"]},
        {"id": "theme", "sub_measures": ["three_items", "pair"]},
    ],
})


def raw_of(columns: dict, *, first_row: int = 2, file_name: str = "survey.csv") -> RawTable:
    """A RawTable whose index is the spreadsheet row (header = row 1, data from row 2)."""
    frame = pd.DataFrame({k: (v if isinstance(v, pd.Series) else pd.Series(v, dtype=object))
                          for k, v in columns.items()})
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    return RawTable(frame=frame, file_name=file_name)


def score(columns: dict, items: dict, book: Codebook = TEST_BOOK, **mapping) -> ScoredResponses:
    mapping.setdefault("wave_label", "2025")
    return score_responses(raw_of(columns), Mapping(items=items, **mapping), book)


def five_point(position):
    return (position - 1) / (5 - 1) * 10


# --- item scores ------------------------------------------------------------------------------
def test_five_point_labels_score_0_to_10():
    scored = score({"Q1": AGREE}, {"Q1": "a1"})
    assert scored.item_scores["a1"].tolist() == [five_point(p) for p in (1, 2, 3, 4, 5)]
    assert scored.item_scores["a1"].tolist() == [0.0, 2.5, 5.0, 7.5, 10.0]


def test_reverse_keyed_item_is_reversed():
    scored = score({"Q1": [SA, A, N, D, SD]}, {"Q1": "r1"})
    # Reverse keyed: (k - p) / (k - 1) * 10 with k = 5.
    assert scored.item_scores["r1"].tolist() == [(5 - p) / 4 * 10 for p in (5, 4, 3, 2, 1)]
    assert scored.item_scores["r1"].tolist()[0] == 0.0


def test_nss_thinking_about_leaving_is_reverse_keyed():
    scored = score({"q26a": [SA, SD, A]}, {"q26a": "q26a"}, book=load_codebook())
    assert scored.item_scores["q26a"].tolist() == [0.0, 10.0, (5 - 4) / 4 * 10]


def test_three_option_and_yes_no_items():
    scored = score({"T": ["Worse", "Same", "Better"], "Y": ["No", "Yes", "Yes"]}, {"T": "t1", "Y": "y1"})
    assert scored.item_scores["t1"].tolist() == [(p - 1) / (3 - 1) * 10 for p in (1, 2, 3)]
    assert scored.item_scores["y1"].tolist() == [0.0, 10.0, 10.0]


def test_labels_in_odd_case_spaces_and_quotes():
    values = ["  strongly   AGREE ", "Strongly agree.", "neither Agree nor disagree", "DISAGREE",
              "Strongly\u00a0disagree", "Don\u2019t know", "  "]
    scored = score({"Q1": values}, {"Q1": "a1"})
    got = scored.item_scores["a1"].tolist()
    assert got[:5] == [10.0, 10.0, 5.0, 2.5, 0.0]
    assert math.isnan(got[5]) and math.isnan(got[6])
    assert len(scored.findings[scored.findings["kind"].isin(["unknown_label", "out_of_range"])]) == 0


def test_numeric_codes_as_numbers_and_as_text():
    scored = score({
        "ints": pd.Series([1, 2, 3, 4, 5], dtype="int64"),
        "floats": pd.Series([1.0, 2.0, np.nan, 4.0, 5.0]),
        "texts": ["1", "2.0", " 3 ", "4.", "5"],
        "mixed": [4.0, "Agree", 2, "Strongly agree", None],
    }, {"ints": "a1", "floats": "a2", "texts": "a3", "mixed": "a4"})
    s = scored.item_scores
    assert s["a1"].tolist() == [0.0, 2.5, 5.0, 7.5, 10.0]
    assert s["a2"].tolist()[:2] == [0.0, 2.5] and math.isnan(s["a2"].iloc[2])
    assert s["a3"].tolist() == [0.0, 2.5, 5.0, 7.5, 10.0]
    assert s["a4"].tolist()[:4] == [7.5, 7.5, 2.5, 10.0] and math.isnan(s["a4"].iloc[4])


def test_arrow_string_column_is_scored():
    scored = score({"Q1": pd.Series([A, None, "agree"], dtype="str")}, {"Q1": "a1"})
    assert scored.item_scores["a1"].tolist()[0] == 7.5
    assert math.isnan(scored.item_scores["a1"].iloc[1])
    assert scored.item_scores["a1"].iloc[2] == 7.5


def test_missing_options_and_blanks_are_missing_not_zero():
    scored = score({"Q1": ["Don't know", "Not applicable", "Prefer not to say", "", None, SD]}, {"Q1": "a1"})
    values = scored.item_scores["a1"].to_numpy()
    assert np.isnan(values[:5]).all()
    assert values[5] == 0.0
    assert not scored.findings["kind"].isin(["unknown_label", "out_of_range"]).any()


def test_out_of_range_and_unknown_values_are_findings_with_excel_rows():
    # Data starts at spreadsheet row 2: the values below sit in rows 2..9.
    scored = score({"Q9f": [A, 7, "7", 0, 2.5, "Strongly agre", None, A]}, {"Q9f": "a1"})
    got = scored.item_scores["a1"]
    assert got.loc[2] == 7.5 and got.loc[9] == 7.5
    assert got.loc[3:8].isna().all()
    bad = scored.findings[scored.findings["kind"].isin(["unknown_label", "out_of_range"])]
    found = {(r.kind, r.value): (r.rows, r.count, r.column) for r in bad.itertuples()}
    assert found == {
        ("out_of_range", "7"): ("3 and 4", 2, "Q9f"),
        ("out_of_range", "0"): ("5", 1, "Q9f"),
        ("out_of_range", "2.5"): ("6", 1, "Q9f"),
        ("unknown_label", "Strongly agre"): ("7", 1, "Q9f"),
    }
    assert (bad["severity"] == "warning").all()
    assert (bad["file"] == "survey.csv").all()
    assert bad.iloc[0]["value"] == "7"  # most frequent first


def test_out_of_range_in_a_numeric_column():
    scored = score({"Q1": pd.Series([1, 7, 5, 7], dtype="int64")}, {"Q1": "a1"})
    assert scored.item_scores["a1"].tolist()[0] == 0.0
    bad = scored.findings[scored.findings["kind"] == "out_of_range"]
    assert bad[["value", "rows", "count"]].values.tolist() == [["7", "3 and 5", 2]]


def test_labels_with_a_number_prefix():
    positions = answer_positions(pd.Series(["5 - Strongly agree", "(2) Disagree", "4. Agree", "1: strongly disagree",
                                            "9 - Don't know"]), AGREE, ["Don't know"])
    assert positions.positions[:4].tolist() == [5.0, 2.0, 4.0, 1.0]
    assert math.isnan(positions.positions[4])
    assert positions.invalid_rows.size == 0


def test_numeric_option_scale_matches_values_not_codes():
    scored = score({"Z": pd.Series([0, 10, 5, 11])}, {"Z": "z1"})
    # Options "0".."10" are positions 1..11: the value 0 is position 1 and scores (1 - 1) / 10 * 10 = 0.
    assert scored.item_scores["z1"].tolist()[:3] == [0.0, 10.0, 5.0]
    bad = scored.findings[scored.findings["kind"] == "out_of_range"]
    assert bad[["value", "rows"]].values.tolist() == [["11", "5"]]


def test_favourable_positions():
    assert favourable_from_position(5) == 4   # Agree, Strongly agree
    assert favourable_from_position(7) == 6
    assert favourable_from_position(3) == 3
    assert favourable_from_position(2) == 2


# --- respondent measures ---------------------------------------------------------------------------
def test_sub_score_needs_at_least_half_of_the_items():
    scored = score({
        "a1": [A, A, A, SA],
        "a2": [None, SA, SA, None],
        "a3": [None, None, D, None],
        "a4": [None, None, None, None],
    }, {"a1": "a1", "a2": "a2", "a3": "a3", "a4": "a4"})
    three = scored.respondents["three_items"].tolist()
    four = scored.respondents["four_items"].tolist()
    # Three items: 1 answered -> missing; 2 answered -> their mean; 3 answered -> mean of 3.
    assert math.isnan(three[0])
    assert three[1] == (7.5 + 10) / 2
    assert three[2] == (7.5 + 10 + 2.5) / 3
    # Four items: 2 of 4 is half -> scored; 1 of 4 -> missing.
    assert math.isnan(four[0])
    assert four[1] == (7.5 + 10) / 2
    assert math.isnan(four[3])


def test_items_missing_from_the_file_count_as_unanswered():
    nss = load_codebook()
    scored = score({"q9f": [A, A], "q9g": [SA, None]}, {"q9f": "q9f", "q9g": "q9g"}, book=nss)
    # Compassionate leadership has 4 items: 2 answered is half (scored), 1 is not.
    assert scored.respondents["compassionate_leadership"].tolist()[0] == (7.5 + 10) / 2
    assert math.isnan(scored.respondents["compassionate_leadership"].iloc[1])
    incomplete = scored.findings[scored.findings["kind"] == "measure_incomplete"]
    assert incomplete["value"].tolist() == ["q9h, q9i"]
    assert incomplete["severity"].tolist() == ["info"]


def test_seven_item_measure_needs_four():
    nss = load_codebook()
    items = ["q3a", "q3e", "q5a", "q5b", "q5c", "q7c", "q9a"]
    assert nss.measure("stressors").items == tuple(items)
    three = {c: [A] for c in items[:3]} | {c: [None] for c in items[3:]}
    four = {c: [A] for c in items[:4]} | {c: [None] for c in items[4:]}
    freq = {"q5a", "q5b", "q5c"}
    for row in (three, four):
        for c in freq:
            row[c] = ["Often" if row[c][0] else None]
    s3 = score(three, {c: c for c in items}, book=nss)
    s4 = score(four, {c: c for c in items}, book=nss)
    assert math.isnan(s3.respondents["stressors"].iloc[0])
    # q3a Agree 7.5, q3e Agree 7.5, q5a Often reverse-keyed (5 - 4) / 4 * 10 = 2.5, q5b Often 7.5.
    assert s4.respondents["stressors"].iloc[0] == (7.5 + 7.5 + 2.5 + 7.5) / 4


def test_theme_needs_every_sub_score():
    scored = score({
        "a1": [A, A], "a2": [SA, SA], "t1": ["Better", None], "y1": ["No", None],
    }, {"a1": "a1", "a2": "a2", "t1": "t1", "y1": "y1"})
    r = scored.respondents
    assert r["three_items"].tolist() == [(7.5 + 10) / 2] * 2
    assert r["pair"].iloc[0] == (10 + 0) / 2 and math.isnan(r["pair"].iloc[1])
    assert r["theme"].iloc[0] == ((7.5 + 10) / 2 + (10 + 0) / 2) / 2
    assert math.isnan(r["theme"].iloc[1])


def test_nss_morale_theme():
    nss = load_codebook()
    row = {"q26a": [SD], "q26b": [SD], "q26c": [D], "q3g": [A], "q3h": [N], "q3i": [SD],
           "q3a": [SA], "q3e": [A], "q5a": ["Never"], "q5b": ["Always"], "q5c": ["Rarely"], "q7c": [A], "q9a": [A]}
    scored = score(row, {c: c for c in row}, book=nss)
    leaving = (10 + 10 + 7.5) / 3
    pressure = (7.5 + 5 + 0) / 3
    stressors = (10 + 7.5 + 10 + 10 + 7.5 + 7.5 + 7.5) / 7
    r = scored.respondents.iloc[0]
    assert r["thinking_about_leaving"] == pytest.approx(leaving)
    assert r["work_pressure"] == pytest.approx(pressure)
    assert r["stressors"] == pytest.approx(stressors)
    assert r["morale"] == pytest.approx((leaving + pressure + stressors) / 3)
    assert math.isnan(r["staff_engagement"])


def test_respondents_frame_layout():
    scored = score({"Team": ["Ward 1 ", None, 101.0], "Dir": ["Med", "Med", " "], "a1": [A, A, A]},
                   {"a1": "a1"}, team_col="Team", directorate_col="Dir")
    r = scored.respondents
    assert r.index.tolist() == [2, 3, 4]
    assert list(r.columns) == ["wave", "directorate", "team", *TEST_BOOK.measure_ids]
    assert r["team"].tolist() == ["Ward 1", settings.NOT_RECORDED_UNIT, "101"]
    assert r["directorate"].tolist() == ["Med", "Med", settings.NOT_RECORDED_UNIT]
    assert r["wave"].tolist() == ["2025"] * 3
    assert list(scored.item_scores.columns) == ["a1"]
    not_recorded = scored.findings[scored.findings["kind"] == "unit_not_recorded"]
    assert not_recorded[["column", "rows", "count"]].values.tolist() == [["Dir", "4", 1], ["Team", "3", 1]]


def test_no_directorate_column_gives_missing_directorate():
    scored = score({"Team": ["A", "B"], "a1": [A, A]}, {"a1": "a1"}, team_col="Team")
    assert scored.respondents["directorate"].isna().all()


# --- waves -------------------------------------------------------------------------------------
def test_wave_column_numbers_become_text():
    scored = score_responses(raw_of({"Year": [2024.0, 2025.0], "a1": [A, A]}),
                             Mapping(items={"a1": "a1"}, wave_col="Year"), TEST_BOOK)
    assert scored.respondents["wave"].tolist() == ["2024", "2025"]


def test_wave_label_then_argument():
    raw = raw_of({"a1": [A]})
    assert score_responses(raw, Mapping(items={"a1": "a1"}, wave_label="2023"), TEST_BOOK,
                           wave="2022").respondents["wave"].tolist() == ["2023"]
    by_argument = score_responses(raw, Mapping(items={"a1": "a1"}), TEST_BOOK, wave="2022")
    assert by_argument.respondents["wave"].tolist() == ["2022"]


def test_no_wave_is_refused():
    with pytest.raises(InputError, match="wave"):
        score_responses(raw_of({"a1": [A]}), Mapping(items={"a1": "a1"}), TEST_BOOK)


def test_blank_wave_cells_are_refused_without_a_fallback():
    with pytest.raises(InputError, match=r"blank in rows 3"):
        score_responses(raw_of({"Year": [2024, None], "a1": [A, A]}), Mapping(items={"a1": "a1"}, wave_col="Year"),
                        TEST_BOOK)


def test_blank_wave_cells_take_the_fallback_with_a_finding():
    scored = score_responses(raw_of({"Year": [2024, None], "a1": [A, A]}),
                             Mapping(items={"a1": "a1"}, wave_col="Year"), TEST_BOOK, wave="2025")
    assert scored.respondents["wave"].tolist() == ["2024", "2025"]
    filled = scored.findings[scored.findings["kind"] == "wave_filled"]
    assert filled[["rows", "value"]].values.tolist() == [["3", "2025"]]


# --- refusals -------------------------------------------------------------------------------------
def test_mapped_column_not_in_file_is_refused():
    with pytest.raises(InputError, match="no question column called 'Q9'"):
        score({"a1": [A]}, {"Q9": "a1"})


def test_unknown_item_code_is_refused():
    with pytest.raises(InputError, match="question 'q99'"):
        score({"a1": [A]}, {"a1": "q99"})


def test_two_columns_for_one_question_are_refused():
    with pytest.raises(InputError, match="both mapped"):
        score({"x": [A], "y": [A]}, {"x": "a1", "y": "a1"})


def test_no_question_column_is_refused():
    with pytest.raises(InputError, match="No column of this file is mapped"):
        score({"a1": [A]}, {})


def test_missing_team_column_is_refused():
    with pytest.raises(InputError, match="no team column called 'Ward'"):
        score({"a1": [A]}, {"a1": "a1"}, team_col="Ward")


# --- custom measures ---------------------------------------------------------------------------
def test_custom_measure_columns_are_scored():
    custom = CustomMeasure(id="pulse", label="Pulse", columns=["P1", "P2"], scale=["Poor", "Fair", "Good"],
                           reverse_columns=["P2"])
    scored = score_responses(raw_of({"P1": ["Good", "Fair"], "P2": ["Good", "Poor"]}),
                             Mapping(items={}, custom_measures=[custom], wave_label="2025"), TEST_BOOK)
    p1, p2 = custom_item_code("pulse", "P1"), custom_item_code("pulse", "P2")
    assert scored.item_scores[p1].tolist() == [10.0, 5.0]
    assert scored.item_scores[p2].tolist() == [0.0, 10.0]  # reverse keyed
    assert scored.respondents["pulse"].tolist() == [(10 + 0) / 2, (5 + 10) / 2]
    table = unit_scores(scored, min_group_size=5)
    assert table["measure"].tolist() == ["pulse"]


# --- unit scores ------------------------------------------------------------------------------
def _unit_survey(extra_teams=()):
    """Respondents answering q9f-q9i, q26a and q26b (reverse keyed) with one label each."""
    groups = [
        ("Med", "A", [SD, D, N, A, SA, SA]),
        ("Med", "B", [A, A, A, N, D]),
        ("Surg", "A", [SA, SA, SA, A, A, N, SD]),
        *extra_teams,
    ]
    rows = []
    for directorate, team, labels in groups:
        for label in labels:
            rows.append({"Dir": directorate, "Team": team,
                         **{c: label for c in ("q9f", "q9g", "q9h", "q9i", "q26a", "q26b")}})
    frame = pd.DataFrame(rows, dtype=object)
    return raw_of({c: frame[c].tolist() for c in frame.columns})


def _unit_mapping(wave_label="2025"):
    return Mapping(items={c: c for c in ("q9f", "q9g", "q9h", "q9i", "q26a", "q26b")}, team_col="Team",
                   directorate_col="Dir", wave_label=wave_label)


SCORE_OF = {SD: 0.0, D: 2.5, N: 5.0, A: 7.5, SA: 10.0}


def test_unit_scores_columns_levels_and_means_against_scipy():
    nss = load_codebook()
    scored = score_responses(_unit_survey(), _unit_mapping(), nss)
    table = unit_scores(scored, nss, min_group_size=5)
    assert tuple(table.columns) == settings.UNIT_SCORE_COLUMNS
    assert str(table["n"].dtype) == "Int64"
    assert not table["suppressed"].any()
    leadership = table[table["measure"] == "compassionate_leadership"]
    expected_units = [("organisation", ORG, ""), ("directorate", "Med", ORG), ("directorate", "Surg", ORG),
                      ("team", "A", "Med"), ("team", "B", "Med"), ("team", "A", "Surg")]
    assert list(zip(leadership["level"], leadership["unit"], leadership["parent"])) == expected_units
    members = {
        ("team", "A", "Med"): [SD, D, N, A, SA, SA], ("team", "B", "Med"): [A, A, A, N, D],
        ("team", "A", "Surg"): [SA, SA, SA, A, A, N, SD],
    }
    members[("directorate", "Med", ORG)] = members[("team", "A", "Med")] + members[("team", "B", "Med")]
    members[("directorate", "Surg", ORG)] = members[("team", "A", "Surg")]
    members[("organisation", ORG, "")] = members[("directorate", "Med", ORG)] + members[("directorate", "Surg", ORG)]
    for row in leadership.itertuples():
        x = np.array([SCORE_OF[label] for label in members[(row.level, row.unit, row.parent)]])
        low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert row.n == len(x)
        assert row.mean == pytest.approx(x.mean(), abs=1e-12)
        assert row.ci_low == pytest.approx(low, abs=1e-12)
        assert row.ci_high == pytest.approx(high, abs=1e-12)
    team_a = leadership[(leadership["unit"] == "A") & (leadership["parent"] == "Med")].iloc[0]
    assert team_a["mean"] == (0 + 2.5 + 5 + 7.5 + 10 + 10) / 6


def test_pct_positive_by_hand():
    nss = load_codebook()
    scored = score_responses(_unit_survey(), _unit_mapping(), nss)
    table = unit_scores(scored, nss, min_group_size=5)
    lead = table[table["measure"] == "compassionate_leadership"].set_index(["unit", "parent"])
    # Med/A: Agree or Strongly agree for 3 of 6 respondents, 4 items each: 12 of 24 answers.
    assert lead.loc[("A", "Med"), "pct_positive"] == 100 * (3 * 4) / (6 * 4)
    # Organisation: 3 (Med/A) + 3 (Med/B) + 5 (Surg/A) positive respondents of 18.
    assert lead.loc[(ORG, ""), "pct_positive"] == pytest.approx(100 * (11 * 4) / (18 * 4))
    leaving = table[table["measure"] == "thinking_about_leaving"].set_index(["unit", "parent"])
    # q26a and q26b are reverse keyed: Disagree / Strongly disagree are positive. Med/B answered
    # Agree x3, Neither, Disagree to both: 1 respondent x 2 items positive of 5 x 2 answers.
    assert leaving.loc[("B", "Med"), "pct_positive"] == 100 * (1 * 2) / (5 * 2)
    assert leaving.loc[("B", "Med"), "n"] == 5


def test_pct_positive_counts_only_respondents_with_a_score():
    # Only q9f of the four compassionate-leadership items is in the file: 1 of 4 is below half, so no
    # respondent has a score. n = 0 is "no data" (not suppressed) and % positive is missing too, even
    # though 6 people answered q9f (their answers show in the question-level results instead).
    scored = score_responses(raw_of({"Team": ["A"] * 6, "q9f": [A] * 6}),
                             Mapping(items={"q9f": "q9f"}, team_col="Team", wave_label="2025"), load_codebook())
    table = unit_scores(scored, min_group_size=5)
    assert (table["n"] == 0).all() and table["pct_positive"].isna().all() and not table["suppressed"].any()
    items = item_results(scored, min_group_size=5)
    assert items["pct_positive"].tolist() == [100.0, 100.0]


def test_measures_without_questions_are_left_out():
    nss = load_codebook()
    scored = score_responses(_unit_survey(), _unit_mapping(), nss)
    table = unit_scores(scored, nss, min_group_size=5)
    assert set(table["measure"]) == {"compassionate_leadership", "thinking_about_leaving"}


def test_ci_missing_for_a_single_respondent_before_suppression():
    scored = score_responses(raw_of({"Team": ["A"], "q9f": [A], "q9g": [A]}),
                             Mapping(items={"q9f": "q9f", "q9g": "q9g"}, team_col="Team", wave_label="2025"),
                             load_codebook())
    raw_table = _unit_scores_unsuppressed(scored, scored.codebook, _unit_groups(scored.respondents))
    row = raw_table.iloc[0]
    assert row["n"] == 1 and row["mean"] == 7.5
    assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    public = unit_scores(scored, min_group_size=5)
    assert public["suppressed"].all() and public["mean"].isna().all()


def test_unit_scores_are_suppressed_before_they_are_returned():
    nss = load_codebook()
    scored = score_responses(_unit_survey(extra_teams=[("Surg", "C", [A, A])]), _unit_mapping(), nss)
    table = unit_scores(scored, nss, min_group_size=5)
    lead = table[table["measure"] == "compassionate_leadership"]
    hidden = set(zip(lead.loc[lead["suppressed"], "unit"], lead.loc[lead["suppressed"], "parent"]))
    # Surg/C (2) is below 5; Surg/A (7) is its only sibling and is hidden with it.
    assert hidden == {("C", "Surg"), ("A", "Surg")}
    assert lead.loc[lead["suppressed"], ["n", "mean", "ci_low", "ci_high", "pct_positive"]].isna().all().all()
    surg = lead[(lead["unit"] == "Surg")].iloc[0]
    assert surg["n"] == 9 and not surg["suppressed"]
    shown = table[~table["suppressed"]]
    assert ((shown["n"] == 0) | (shown["n"] >= 5)).all()


def test_default_threshold_is_eleven_and_floor_is_enforced():
    nss = load_codebook()
    scored = score_responses(_unit_survey(), _unit_mapping(), nss)
    table = unit_scores(scored, nss)
    lead = table[table["measure"] == "compassionate_leadership"]
    # Organisation 18 shown; Med 11 shown; Surg 7 hidden -> Med is its only sibling and is hidden too.
    assert lead.set_index("unit").loc[ORG, "suppressed"].item() is False
    assert lead[lead["level"] == "directorate"]["suppressed"].all()
    with pytest.raises(InputError, match="cannot be below 5"):
        unit_scores(scored, nss, min_group_size=4)


def test_without_directorate_column_teams_sit_under_the_organisation():
    nss = load_codebook()
    mapping = _unit_mapping()
    mapping.directorate_col = None
    scored = score_responses(_unit_survey(), mapping, nss)
    table = unit_scores(scored, nss, min_group_size=5)
    assert set(table["level"]) == {"organisation", "team"}
    teams = table[(table["level"] == "team") & (table["measure"] == "compassionate_leadership")]
    # Team "A" of both directorates is now one team of 6 + 7 respondents.
    assert teams[["unit", "parent", "n"]].values.tolist() == [["A", ORG, 13], ["B", ORG, 5]]


def test_several_waves_are_separate():
    nss = load_codebook()
    first = score_responses(_unit_survey(), _unit_mapping(), nss)
    second = score_responses(_unit_survey(), _unit_mapping(wave_label="2024"), nss)
    combined = ScoredResponses(
        respondents=pd.concat([first.respondents, second.respondents], ignore_index=True),
        item_scores=pd.concat([first.item_scores, second.item_scores], ignore_index=True),
        findings=pd.concat([first.findings, second.findings], ignore_index=True),
    )
    table = unit_scores(combined, nss, min_group_size=5)
    org = table[(table["level"] == "organisation") & (table["measure"] == "compassionate_leadership")]
    assert org[["wave", "n"]].values.tolist() == [["2024", 18], ["2025", 18]]


# --- item results ----------------------------------------------------------------------------
def test_item_results_by_hand_and_suppressed_like_unit_scores():
    nss = load_codebook()
    scored = score_responses(_unit_survey(extra_teams=[("Surg", "C", [A, A])]), _unit_mapping(), nss)
    items = item_results(scored, nss, min_group_size=5)
    assert tuple(items.columns) == settings.ITEM_RESULT_COLUMNS
    q9f = items[items["item"] == "q9f"].set_index(["level", "unit", "parent"])
    # Med/B: Agree x3, Neither, Disagree: 3 positive of 5.
    assert q9f.loc[("team", "B", "Med"), "pct_positive"] == 100 * 3 / 5
    assert q9f.loc[("team", "B", "Med"), "n"] == 5
    # Organisation: 3 + 3 + 5 + 2 positive of 20.
    assert q9f.loc[("organisation", ORG, ""), "pct_positive"] == 100 * 13 / 20
    hidden_items = set(zip(items.loc[items["suppressed"], "unit"], items.loc[items["suppressed"], "parent"]))
    scores = unit_scores(scored, nss, min_group_size=5)
    hidden_scores = set(zip(scores.loc[scores["suppressed"], "unit"], scores.loc[scores["suppressed"], "parent"]))
    assert hidden_items == hidden_scores == {("C", "Surg"), ("A", "Surg")}
    # Surg/C (2 respondents < 5) is hidden for itself; Surg/A (7 >= 5) only so that C cannot be worked
    # out as the directorate (9) minus A. Shown rows give no reason.
    for table in (items, scores):
        reasons = table.set_index(["unit", "parent"])["suppressed_reason"]
        assert set(reasons.loc[[("C", "Surg")]]) == {settings.SUPPRESSION_PRIMARY}
        assert set(reasons.loc[[("A", "Surg")]]) == {settings.SUPPRESSION_COMPLEMENTARY}
        assert (table.loc[~table["suppressed"], "suppressed_reason"] == "").all()
        assert str(table["suppressed_reason"].dtype) == "str"
    assert items.loc[items["suppressed"], ["n", "pct_positive"]].isna().all().all()
    assert list(pd.unique(items["item"])) == ["q9f", "q9g", "q9h", "q9i", "q26a", "q26b"]


def test_missing_wave_column_is_refused():
    with pytest.raises(InputError, match="no wave column called 'Year'"):
        score_responses(raw_of({"a1": [A]}), Mapping(items={"a1": "a1"}, wave_col="Year"), TEST_BOOK)


def test_unit_scores_without_any_codebook_is_refused():
    scored = score({"a1": [A]}, {"a1": "a1"})
    bare = ScoredResponses(respondents=scored.respondents, item_scores=scored.item_scores, findings=scored.findings)
    with pytest.raises(InputError, match="No codebook"):
        unit_scores(bare, min_group_size=5)
    with pytest.raises(InputError, match="No codebook"):
        item_results(bare, min_group_size=5)
    # Given explicitly, it is used.
    # No team column: the organisation level only.
    assert unit_scores(bare, TEST_BOOK, min_group_size=5)["measure"].tolist() == ["three_items", "four_items"]
