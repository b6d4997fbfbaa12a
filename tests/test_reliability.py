"""Tests of analytics.survey.reliability: organisation-level missingness, alpha, item-total, ICC and rwg(j).

Expected values come from hand arithmetic, from analytics.stats (itself validated against pingouin) on the
same rows, and from pingouin.cronbach_alpha on the complete rows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin
import pytest

from analytics.survey import reliability
from analytics import stats
from analytics.ingest.codebook import Codebook
from analytics.errors import InputError
from analytics.survey.scoring import ScoredResponses

K = 5  # the smallest anonymity threshold allowed, to keep the data small

CODEBOOK = Codebook.from_dict({
    "id": "test", "name": "Test codebook", "years": [2025],
    "scales": {
        "agreement": {"label": "Agreement", "options": ["SD", "D", "N", "A", "SA"]},
        "yes_no": {"label": "Yes/no", "options": ["No", "Yes"]},
    },
    "items": {
        "a1": {"wording": "A one", "scale": "agreement"},
        "a2": {"wording": "A two", "scale": "agreement"},
        "a3": {"wording": "A three", "scale": "agreement", "reverse": True},
        "b1": {"wording": "B one", "scale": "agreement"},
        "b2": {"wording": "B two", "scale": "yes_no"},
        "c1": {"wording": "C one", "scale": "agreement"},
    },
    "measures": [
        {"id": "alpha_measure", "label": "Measure A", "items": ["a1", "a2", "a3"]},
        {"id": "mixed", "label": "Measure B", "items": ["b1", "b2"]},
        {"id": "single", "label": "Measure C", "items": ["c1"]},
        {"id": "theme", "label": "Theme", "sub_measures": ["alpha_measure", "mixed"]},
    ],
})


def _scored() -> ScoredResponses:
    """Wave 2025: three teams (two of 8 respondents, one of 3) plus one row with no answer at all;
    wave 2024: 3 respondents only (below K)."""
    rng = np.random.default_rng(7)
    steps = np.array([0.0, 2.5, 5.0, 7.5, 10.0])
    rows, items = [], []
    team_shift = {"Ward 1": 1, "Ward 2": -1, "Ward 3": 0}
    for team, size in (("Ward 1", 8), ("Ward 2", 8), ("Ward 3", 3)):
        for _ in range(size):
            base = 2 + team_shift[team] + rng.integers(-1, 2)
            a = [steps[int(np.clip(base + rng.integers(-1, 2), 0, 4))] for _ in range(3)]
            items.append({"a1": a[0], "a2": a[1], "a3": a[2], "b1": steps[int(np.clip(base, 0, 4))],
                          "b2": float(rng.integers(0, 2)) * 10, "c1": steps[int(rng.integers(0, 5))],
                          "d1": np.nan})
            rows.append({"wave": "2025", "directorate": "Medicine", "team": team})
    # missing answers in wave 2025: a1 blank for 2 respondents, a2 blank for 1 (another one)
    items[0]["a1"] = np.nan
    items[5]["a1"] = np.nan
    items[9]["a2"] = np.nan
    # a row with no scorable answer: not a respondent
    items.append({c: np.nan for c in items[0]})
    rows.append({"wave": "2025", "directorate": "Medicine", "team": "Ward 1"})
    # wave 2024: 3 respondents, question d1 only asked then
    for value in (2.5, 5.0, 7.5):
        items.append({"a1": value, "a2": value, "a3": value, "b1": value, "b2": 10.0, "c1": value, "d1": value})
        rows.append({"wave": "2024", "directorate": "Medicine", "team": "Ward 1"})
    item_scores = pd.DataFrame(items)
    respondents = pd.DataFrame(rows)
    a = item_scores[["a1", "a2", "a3"]]
    respondents["alpha_measure"] = a.mean(axis=1).where(a.notna().sum(axis=1) * 2 >= 3)
    b = item_scores[["b1", "b2"]]
    respondents["mixed"] = b.mean(axis=1).where(b.notna().sum(axis=1) * 2 >= 2)
    respondents["single"] = item_scores["c1"]
    respondents["theme"] = respondents[["alpha_measure", "mixed"]].mean(axis=1).where(
        respondents[["alpha_measure", "mixed"]].notna().all(axis=1))
    return ScoredResponses(respondents=respondents, item_scores=item_scores, findings=pd.DataFrame(),
                           codebook=CODEBOOK, item_columns={c: c.upper() for c in item_scores.columns})


@pytest.fixture
def scored() -> ScoredResponses:
    return _scored()


def _wave_items(scored: ScoredResponses, wave: str) -> pd.DataFrame:
    block = scored.item_scores[scored.respondents["wave"].eq(wave).to_numpy()]
    return block[block.notna().any(axis=1)]


# --- missingness ---------------------------------------------------------------------------------------
def test_missingness_counts_and_percentages(scored):
    table = reliability.item_missingness(scored, min_group_size=K)
    assert list(table.columns) == list(reliability.MISSINGNESS_COLUMNS)
    row = table[(table["wave"] == "2025") & (table["item"] == "a1")].iloc[0]
    # 19 respondents (the all-blank row is not one); a1 blank for 2 of them
    assert row["respondents"] == 19
    assert row["answered"] == 17
    assert row["missing"] == 2
    assert row["pct_missing"] == pytest.approx(100 * 2 / 19)
    assert row["measures"] == "alpha_measure"
    a2 = table[(table["wave"] == "2025") & (table["item"] == "a2")].iloc[0]
    assert a2["pct_missing"] == pytest.approx(100 * 1 / 19)
    full = table[(table["wave"] == "2025") & (table["item"] == "c1")].iloc[0]
    assert full["pct_missing"] == 0.0  # answered by all: zero missing is a real zero


def test_missingness_question_not_in_wave_is_empty_not_100(scored):
    table = reliability.item_missingness(scored, min_group_size=K)
    row = table[(table["wave"] == "2025") & (table["item"] == "d1")].iloc[0]
    assert math.isnan(row["pct_missing"])
    assert row["answered"] == 0
    assert row["note"] == reliability.NOTE_NO_ANSWERS


def test_missingness_small_wave_is_suppressed(scored):
    table = reliability.item_missingness(scored, min_group_size=K)
    small = table[table["wave"] == "2024"]
    assert len(small) == scored.item_scores.shape[1]
    assert small["suppressed"].all()
    assert small["respondents"].isna().all() and small["pct_missing"].isna().all()
    assert "fewer than 5 respondents" in small["note"].iloc[0]


# --- Cronbach's alpha ----------------------------------------------------------------------------------
def test_alpha_equals_stats_and_pingouin(scored):
    table = reliability.measure_reliability(scored, min_group_size=K)
    assert list(table.columns) == list(reliability.RELIABILITY_COLUMNS)
    row = table[(table["wave"] == "2025") & (table["measure"] == "alpha_measure")].iloc[0]
    block = _wave_items(scored, "2025")[["a1", "a2", "a3"]]
    expected = stats.cronbach_alpha(block).iloc[0]
    assert row["alpha"] == pytest.approx(expected["alpha"], abs=1e-12)
    assert row["ci_low"] == pytest.approx(expected["ci_low"], abs=1e-12)
    assert row["ci_high"] == pytest.approx(expected["ci_high"], abs=1e-12)
    complete = block.dropna()
    assert row["n"] == len(complete) == 19 - 3  # three respondents missed a1 or a2
    assert row["n_items"] == 3 and row["items_in_measure"] == 3
    assert row["respondents"] == 19
    ref_alpha, ref_ci = pingouin.cronbach_alpha(data=complete)
    assert row["alpha"] == pytest.approx(ref_alpha, abs=1e-9)
    assert row["ci_low"] == pytest.approx(ref_ci[0], abs=1e-3)
    assert row["ci_high"] == pytest.approx(ref_ci[1], abs=1e-3)


def test_alpha_notes_for_theme_single_question_and_small_wave(scored):
    table = reliability.measure_reliability(scored, min_group_size=K).set_index(["wave", "measure"])
    # a theme: no alpha of its own; its note names its sub-scores, and it counts their questions
    assert table.loc[("2025", "theme"), "note"] == "theme: mean of measure A, measure B"
    assert math.isnan(table.loc[("2025", "theme"), "alpha"])
    assert table.loc[("2025", "theme"), "items_in_measure"] == 3 + 2  # a1-a3 of Measure A, b1-b2 of Measure B
    assert table.loc[("2025", "theme"), "n_items"] == 3 + 2
    assert table.loc[("2025", "single"), "note"] == reliability.NOTE_ONE_ITEM
    assert table.loc[("2025", "mixed"), "n"] == 19
    small = table.loc["2024"]
    assert small["suppressed"].all() and small["alpha"].isna().all()


def test_alpha_needs_k_complete_answers(scored):
    # with a threshold of 17, 19 respondents pass but only 16 answered every question of Measure A
    table = reliability.measure_reliability(scored, min_group_size=17).set_index(["wave", "measure"])
    row = table.loc[("2025", "alpha_measure")]
    assert row["suppressed"] and math.isnan(row["alpha"]) and pd.isna(row["n"])
    assert row["note"] == reliability.NOTE_FEW_COMPLETE.format(k=17)


def test_alpha_no_variance_is_a_note_not_an_error():
    scored = _scored()
    scored.item_scores.loc[:, ["b1", "b2"]] = 5.0
    table = reliability.measure_reliability(scored, min_group_size=K).set_index(["wave", "measure"])
    assert table.loc[("2025", "mixed"), "note"] == reliability.NOTE_NO_VARIANCE


def test_item_total_equals_stats(scored):
    table = reliability.item_total_table(scored, min_group_size=K, wave="2025")
    assert list(table.columns) == list(reliability.ITEM_TOTAL_TABLE_COLUMNS)
    mine = table[table["measure"] == "alpha_measure"].reset_index(drop=True)
    expected = stats.item_total_correlations(_wave_items(scored, "2025")[["a1", "a2", "a3"]])
    assert mine["item"].tolist() == ["a1", "a2", "a3"]
    np.testing.assert_allclose(mine["item_total_r"], expected["item_total_r"], atol=1e-12)
    np.testing.assert_allclose(mine["alpha_if_deleted"], expected["alpha_if_deleted"], atol=1e-12)
    # the single-question measure and the small wave are left out
    assert set(table["measure"]) == {"alpha_measure", "mixed"}
    assert reliability.item_total_table(scored, min_group_size=K, wave="2024").empty


def test_item_total_hand_arithmetic_two_items():
    # two items: the "rest" of each item is the other item, so item-total r = Pearson r of the two
    item_scores = pd.DataFrame({"b1": [0, 2.5, 5, 7.5, 10, 5], "b2": [0, 0, 10, 10, 10, 0]}, dtype="float64")
    respondents = pd.DataFrame({"wave": ["2025"] * 6, "directorate": ["D"] * 6, "team": ["T"] * 6})
    scored = ScoredResponses(respondents=respondents, item_scores=item_scores, findings=pd.DataFrame(),
                             codebook=CODEBOOK)
    table = reliability.item_total_table(scored, min_group_size=K)
    r = np.corrcoef(item_scores["b1"], item_scores["b2"])[0, 1]
    assert table["item_total_r"].tolist() == pytest.approx([r, r])
    assert table["alpha_if_deleted"].isna().all()


# --- ICC and rwg(j) ----------------------------------------------------------------------------------------
def test_aggregation_uses_teams_of_at_least_k(scored):
    table = reliability.aggregation_table(scored, min_group_size=K)
    assert list(table.columns) == list(reliability.AGGREGATION_COLUMNS)
    row = table[(table["wave"] == "2025") & (table["measure"] == "alpha_measure")].iloc[0]
    in_wave = scored.respondents["wave"].eq("2025")
    big = scored.respondents[in_wave & scored.respondents["team"].isin(["Ward 1", "Ward 2"])]
    big = big[scored.item_scores.loc[big.index].notna().any(axis=1)]
    expected = stats.icc_aggregation(big.dropna(subset=["alpha_measure"]), "alpha_measure", "team").iloc[0]
    assert row["n_teams"] == 2  # Ward 3 has 3 respondents, below K
    assert row["n_respondents"] == expected["n_respondents"] == 16
    for mine, theirs in (("icc1", "icc1"), ("icc2", "icc2"), ("f", "f"), ("p", "p"),
                         ("mean_team_size", "mean_group_size")):
        assert row[mine] == pytest.approx(expected[theirs], abs=1e-12)
    agreement = stats.rwg_j(scored.item_scores.loc[big.index].assign(team=big["team"]), ["a1", "a2", "a3"], "team",
                            n_options=5).iloc[0]
    assert row["rwg_teams"] == agreement["n_groups"] == 2
    assert row["rwg_j_mean"] == pytest.approx(agreement["mean_rwg_j"], abs=1e-12)
    assert row["share_strong_agreement"] == pytest.approx(agreement["share_strong_agreement"])


def test_aggregation_icc_hand_arithmetic():
    # two teams of 5, scores 1..5 and 6..10: MSB = 5 * (3 - 5.5)^2 * 2 / 1 = 62.5, MSW = 2.5
    respondents = pd.DataFrame({"wave": ["2025"] * 10, "directorate": [None] * 10,
                                "team": ["A"] * 5 + ["B"] * 5,
                                "single": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]})
    respondents["single"] = respondents["single"].astype(float)
    item_scores = pd.DataFrame({"c1": respondents["single"]})
    scored = ScoredResponses(respondents=respondents, item_scores=item_scores, findings=pd.DataFrame(),
                             codebook=CODEBOOK)
    row = reliability.aggregation_table(scored, min_group_size=K).set_index("measure").loc["single"]
    msb, msw = 62.5, 2.5
    assert row["icc1"] == pytest.approx((msb - msw) / (msb + (5 - 1) * msw))
    assert row["icc2"] == pytest.approx((msb - msw) / msb)
    assert row["f"] == pytest.approx(msb / msw)


def test_aggregation_notes(scored):
    table = reliability.aggregation_table(scored, min_group_size=K).set_index(["wave", "measure"])
    # yes/no and 5-point questions in one measure: no rwg(j), but ICC is computed
    assert table.loc[("2025", "mixed"), "note"] == reliability.NOTE_MIXED_SCALES
    assert not math.isnan(table.loc[("2025", "mixed"), "icc1"])
    assert math.isnan(table.loc[("2025", "mixed"), "rwg_j_mean"])
    # themes: ICC on the theme score, no rwg(j)
    assert not math.isnan(table.loc[("2025", "theme"), "icc2"])
    assert math.isnan(table.loc[("2025", "theme"), "rwg_j_mean"])
    assert table.loc[("2025", "theme"), "note"] == (f"theme: mean of measure A, measure B; "
                                                   f"{reliability.NOTE_THEME_RWG}")
    assert table.loc["2024", "suppressed"].all()
    many = reliability.aggregation_table(scored, min_group_size=9).set_index(["wave", "measure"])
    assert many.loc[("2025", "alpha_measure"), "note"] == reliability.NOTE_FEW_TEAMS.format(k=9)


def test_aggregation_without_team_column(scored):
    scored.respondents["team"] = pd.Series([None] * len(scored.respondents), dtype="str")
    table = reliability.aggregation_table(scored, min_group_size=K)
    assert (table.loc[~table["suppressed"], "note"] == reliability.NOTE_NO_TEAM).all()


def test_not_recorded_team_is_left_out(scored):
    scored.respondents.loc[scored.respondents["team"] == "Ward 2", "team"] = "Not recorded"
    table = reliability.aggregation_table(scored, min_group_size=K).set_index(["wave", "measure"])
    assert table.loc[("2025", "alpha_measure"), "note"] == reliability.NOTE_FEW_TEAMS.format(k=K)


def test_outputs_hold_no_respondent_rows(scored):
    n_rows = len(scored.respondents)
    for table in (reliability.item_missingness(scored, min_group_size=K),
                  reliability.measure_reliability(scored, min_group_size=K),
                  reliability.aggregation_table(scored, min_group_size=K)):
        assert "team" not in table.columns and "directorate" not in table.columns
        assert len(table) != n_rows


def test_verdict_words():
    assert reliability.aggregation_verdict(0.9, 0.8) == "team means are reliable and team members broadly agree"
    assert reliability.aggregation_verdict(0.9, 0.3) == "team means are reliable, but answers vary a lot within teams"
    assert reliability.aggregation_verdict(0.9) == "team means are reliable"
    assert reliability.aggregation_verdict(float("nan")) == "not enough teams to judge"
    assert reliability.aggregation_verdict(0.5, 0.9).startswith("team means are not yet reliable")


# --- refusals ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("function", [reliability.item_missingness, reliability.measure_reliability,
                                      reliability.item_total_table, reliability.aggregation_table])
def test_refuses_unscored_input(function):
    with pytest.raises(InputError, match="has not been scored"):
        function(pd.DataFrame({"a": [1]}))


@pytest.mark.parametrize("function", [reliability.item_missingness, reliability.measure_reliability,
                                      reliability.item_total_table, reliability.aggregation_table])
def test_refuses_threshold_below_floor(function, scored):
    with pytest.raises(InputError, match="5"):
        function(scored, min_group_size=3)


def test_refuses_missing_codebook(scored):
    scored.codebook = None
    with pytest.raises(InputError, match="No codebook"):
        reliability.measure_reliability(scored, min_group_size=K)


def test_theme_note_keeps_acronyms_and_names_the_sub_scores_in_order():
    book = Codebook.from_dict({
        "id": "t", "name": "t", "years": [2025],
        "scales": {"agreement": {"label": "Agreement", "options": ["SD", "D", "N", "A", "SA"]}},
        "items": {"x1": {"wording": "X", "scale": "agreement"}, "y1": {"wording": "Y", "scale": "agreement"}},
        "measures": [{"id": "x", "label": "NHS pulse", "items": ["x1"]},
                     {"id": "y", "label": "Work pressure", "items": ["y1"]},
                     {"id": "both", "label": "Both", "sub_measures": ["y", "x"]}],
    })
    assert reliability.theme_note(book, "both") == "theme: mean of work pressure, NHS pulse"
