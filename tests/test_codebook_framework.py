"""The NSS People Promise framework in the shipped codebooks: new measures, aliases, year choice.

Expected values are hand arithmetic (item score = (position - 1) / (k - 1) * 10, reversed for
reverse-keyed items; sub-score = mean of answered items when at least half are answered; element =
mean of its sub-scores) and the measure table of design/domain.md section 1.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.errors import InputError
from analytics.ingest.codebook import (
    Codebook,
    available_codebooks,
    codebook_for_year,
    load_codebook,
    normalise_alias,
)
from analytics.ingest.mapping import Mapping
from analytics.ingest.raw import RawTable
from analytics.survey.scoring import score_responses

BOOK = load_codebook("nss_2024_2025")
EARLY = load_codebook("nss_2021_2023")
NEW_SCORED = ("diversity_and_equality", "pp1_compassionate_inclusive")

# domain.md section 1: measure -> items (or sub-scores); these must not change.
DOMAIN_MEASURES = {
    "compassionate_leadership": ("q9f", "q9g", "q9h", "q9i"),
    "line_management": ("q9a", "q9b", "q9c", "q9d"),
    "compassionate_culture": ("q6a", "q25a", "q25b", "q25c", "q25d"),
    "inclusion": ("q7h", "q7i", "q8b", "q8c"),
    "thinking_about_leaving": ("q26a", "q26b", "q26c"),
    "work_pressure": ("q3g", "q3h", "q3i"),
    "stressors": ("q3a", "q3e", "q5a", "q5b", "q5c", "q7c", "q9a"),
    "motivation": ("q2a", "q2b", "q2c"),
    "involvement": ("q3c", "q3d", "q3f"),
    "advocacy": ("q25a", "q25c", "q25d"),
}
DOMAIN_THEMES = {
    "morale": ("thinking_about_leaving", "work_pressure", "stressors"),
    "staff_engagement": ("motivation", "involvement", "advocacy"),
}
DOMAIN_REVERSED = {"q26a", "q26b", "q26c", "q5a", "q5c"}
DOMAIN_FREQUENCY = {"q2a", "q2b", "q2c", "q5a", "q5b", "q5c"}


# -- existing measures ------------------------------------------------------------------------------
def test_existing_measures_keep_the_domain_items_and_keying():
    for mid, items in DOMAIN_MEASURES.items():
        assert BOOK.measure(mid).items == items, mid
    for mid, subs in DOMAIN_THEMES.items():
        assert BOOK.measure(mid).sub_measures == subs, mid
    used = {c for items in DOMAIN_MEASURES.values() for c in items}
    assert {c for c in used if BOOK.items[c].reverse} == DOMAIN_REVERSED
    assert {c for c in used if BOOK.items[c].scale == "frequency"} == DOMAIN_FREQUENCY
    assert all(BOOK.items[c].scale == "agreement" for c in used - DOMAIN_FREQUENCY)


# -- new measures -------------------------------------------------------------------------------------
def test_new_measures_rest_on_defined_items_and_cite_a_source():
    for mid in NEW_SCORED:
        m = BOOK.measure(mid)
        assert m.source and "nhssurveys.co.uk" in m.source
        for code in BOOK.items_of(mid):
            assert code in BOOK.items
    de = BOOK.measure("diversity_and_equality")
    assert de.items == ("q15", "q16a", "q16b", "q21")
    assert all(BOOK.items[c].wording for c in de.items)
    # "Yes" to discrimination is unfavourable; "Yes" to acting fairly is favourable.
    assert [BOOK.items[c].reverse for c in de.items] == [False, True, True, False]
    assert [BOOK.items[c].scale for c in de.items] == ["yes_no", "yes_no", "yes_no", "agreement"]


def test_element_one_is_built_from_its_four_sub_scores():
    element = BOOK.measure("pp1_compassionate_inclusive")
    assert element.label == "We are compassionate and inclusive"
    assert element.sub_measures == ("compassionate_culture", "compassionate_leadership",
                                    "diversity_and_equality", "inclusion")
    assert all(not BOOK.measure(s).is_theme for s in element.sub_measures)
    assert set(BOOK.items_of(element.id)) == {
        "q6a", "q25a", "q25b", "q25c", "q25d", "q9f", "q9g", "q9h", "q9i",
        "q15", "q16a", "q16b", "q21", "q7h", "q7i", "q8b", "q8c"}


def test_unsourced_elements_are_published_only_and_never_scored():
    published = {m.id for m in BOOK.published_measures}
    assert {"pp2_recognised_rewarded", "pp3_voice_that_counts", "pp4_safe_healthy", "pp4_health_safety_climate",
            "pp4_negative_experiences", "pp5_always_learning", "pp6_work_flexibly", "pp7_team",
            "pp7_team_working"} <= published
    # Burnout, support for work-life balance and flexible working are scored since their scales were sourced
    # (test_codebook_pp4_pp6.py).
    assert {"pp4_burnout", "pp6_work_life_balance", "pp6_flexible_working"} <= set(BOOK.measure_ids)
    assert not published & set(BOOK.measure_ids)
    assert all(not m.items and not m.sub_measures for m in BOOK.published_measures)
    assert BOOK.measure_by_alias("PP2").questions == ("q4a", "q4b", "q4c", "q8d", "q9e")


def test_codebooks_list_their_sources():
    for book in (BOOK, EARLY):
        assert book.sources and book.notes
        for s in book.sources:
            assert s["title"]
            assert s.get("url") or s.get("note")


# -- scoring a People Promise sub-score by hand ---------------------------------------------------------
AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def _scored():
    cols = {
        "q15": ["Yes", "Don't know", None],
        "q16a": ["No", "No", None],
        "q16b": ["Yes", "No", "Yes"],
        "q21": ["Agree", "Strongly disagree", None],
    }
    for code in ("q6a", "q25a", "q25b", "q25c", "q25d"):
        cols[code] = ["Agree", None, None]
    for code in ("q9f", "q9g", "q9h", "q9i"):
        cols[code] = ["Strongly agree", None, None]
    for code in ("q7h", "q7i", "q8b", "q8c"):
        cols[code] = ["Neither agree nor disagree", None, None]
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    raw = RawTable(frame=frame, file_name="tiny.csv")
    return score_responses(raw, Mapping(items={c: c for c in cols}, wave_label="2024"), BOOK)


def test_diversity_and_equality_sub_score_by_hand():
    got = _scored().respondents["diversity_and_equality"].tolist()
    # R1: Yes=10, No (reversed)=10, Yes (reversed)=0, Agree=7.5 -> 27.5 / 4
    assert got[0] == pytest.approx(6.875)
    # R2: Don't know is missing; 3 of 4 answered: (10 + 10 + 0) / 3
    assert got[1] == pytest.approx(20 / 3)
    # R3: 1 of 4 answered, below half -> missing
    assert math.isnan(got[2])


def test_element_one_score_by_hand():
    got = _scored().respondents["pp1_compassionate_inclusive"].tolist()
    # R1: culture 7.5, leadership 10, diversity 6.875, inclusion 5 -> 29.375 / 4
    assert got[0] == pytest.approx(7.34375)
    assert math.isnan(got[1])  # R2 has no culture, leadership or inclusion answers


# -- aliases --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, measure", [
    ("PP1_2", "compassionate_leadership"),
    ("pp1_2_2025", "compassionate_leadership"),
    ("pp1-2", "compassionate_leadership"),
    ("  Pp1.2 2024 ", "compassionate_leadership"),
    ("Compassionate Leadership", "compassionate_leadership"),
    ("PP1_3", "diversity_and_equality"),
    ("PP1", "pp1_compassionate_inclusive"),
    ("People_Promise_1", "pp1_compassionate_inclusive"),
    ("people promise 1 2025", "pp1_compassionate_inclusive"),
    ("theme_morale", "morale"),
    ("THEME-MORALE_2024", "morale"),
    ("theme_engagement_2025", "staff_engagement"),
    ("pp4_2_burnout", "pp4_burnout"),
    ("PP4_2", "pp4_burnout"),
    ("pp4_2_burnout_2025", "pp4_burnout"),
    ("PP7_2", "line_management"),
    ("We are a team", "pp7_team"),
    ("PP3_2", "raising_concerns"),
    ("pp3_2_raising_concerns_2025", "raising_concerns"),
    ("PP3", "pp3_voice_that_counts"),
    ("PP3_1", "pp3_autonomy_control"),
    ("PP6_1", "pp6_work_life_balance"),
])
def test_alias_resolves(name, measure):
    assert BOOK.measure_by_alias(name).id == measure


@pytest.mark.parametrize("name", ["", "PP9", "pp1_9", "q9f", "burn out rate"])
def test_unknown_alias_is_none(name):
    assert BOOK.measure_by_alias(name) is None


def test_normalise_alias():
    assert normalise_alias("pp1_2_2025") == normalise_alias("PP1_2") == "pp12"
    assert normalise_alias("theme_morale2024") == "thememorale"
    assert normalise_alias("PP1_2") != normalise_alias("PP1")


def test_an_alias_naming_two_measures_is_refused():
    data = BOOK.to_dict()
    data["measures"][0]["aliases"] = ["theme_morale"]
    with pytest.raises(InputError, match="two measures"):
        Codebook.from_dict(data)


def test_round_trip_keeps_aliases_sources_and_published_measures():
    again = Codebook.from_dict(BOOK.to_dict())
    assert again.measure_by_alias("pp4_2_burnout").id == "pp4_burnout"
    assert again.measure("compassionate_leadership").aliases == BOOK.measure("compassionate_leadership").aliases
    assert again.sources == BOOK.sources and again.published_measures == BOOK.published_measures


# -- years ----------------------------------------------------------------------------------------------
def test_codebook_for_year():
    assert set(available_codebooks()) >= {"nss_2024_2025", "nss_2021_2023"}
    assert codebook_for_year(2024).id == "nss_2024_2025"
    assert codebook_for_year("2025.0").id == "nss_2024_2025"
    for year in (2021, 2022, 2023):
        assert codebook_for_year(year).id == "nss_2021_2023"
    with pytest.raises(InputError, match="2019"):
        codebook_for_year(2019)
    with pytest.raises(InputError):
        codebook_for_year("next year")


def test_2023_codebook_differs_where_the_sources_do():
    # No verified 2021-2023 question list: nothing is scored and no 2024 question code is assumed.
    assert EARLY.measures == () and EARLY.items == {}
    # The elements and themes are recognised in both periods ...
    for name in ("PP1", "People_Promise_4", "theme_morale_2023", "theme_engagement"):
        assert EARLY.measure_by_alias(name) is not None
        assert BOOK.measure_by_alias(name) is not None
    # ... but the 2024/2025 sub-scores are not carried back to 2021-2023.
    assert BOOK.measure_by_alias("PP1_2").id == "compassionate_leadership"
    assert EARLY.measure_by_alias("PP1_2") is None
    assert EARLY.measure_by_alias("pp4_2_burnout") is None


# -- the 2024 sub-score mapping table (benchmark report) ---------------------------------------------------
# Question lists as printed in the source 'lchtrust_benchmark_2024' of the codebook.
MAPPING_2024 = {
    "compassionate_culture": ("q6a", "q25a", "q25b", "q25c", "q25d"),
    "compassionate_leadership": ("q9f", "q9g", "q9h", "q9i"),
    "diversity_and_equality": ("q15", "q16a", "q16b", "q21"),
    "inclusion": ("q7h", "q7i", "q8b", "q8c"),
    "raising_concerns": ("q20a", "q20b", "q25e", "q25f"),
    "line_management": ("q9a", "q9b", "q9c", "q9d"),
    "pp2_recognised_rewarded": ("q4a", "q4b", "q4c", "q8d", "q9e"),
    "pp3_autonomy_control": ("q3a", "q3b", "q3c", "q3d", "q3e", "q3f", "q5b"),
    "pp4_health_safety_climate": ("q3g", "q3h", "q3i", "q5a", "q11a", "q13d", "q14d"),
    "pp4_burnout": ("q12a", "q12b", "q12c", "q12d", "q12e", "q12f", "q12g"),
    "pp4_negative_experiences": ("q11b", "q11c", "q11d", "q13a", "q13b", "q13c", "q14a", "q14b", "q14c"),
    "pp5_development": ("q24a", "q24b", "q24c", "q24d", "q24e"),
    "pp5_appraisals": ("q23a", "q23b", "q23c", "q23d"),
    "pp6_work_life_balance": ("q6b", "q6c", "q6d"),
    "pp6_flexible_working": ("q4d",),
    "pp7_team_working": ("q7a", "q7b", "q7c", "q7d", "q7e", "q7f", "q7g", "q8a"),
}


def test_every_sub_score_carries_the_question_list_of_the_mapping_table():
    published = {m.id: m for m in BOOK.published_measures}
    for mid, questions in MAPPING_2024.items():
        if mid in published:
            assert published[mid].questions == questions, mid
            assert "al26152/Langchain" in published[mid].source, mid
        else:
            assert BOOK.measure(mid).items == questions, mid
    lchtrust = next(s for s in BOOK.sources if s["id"] == "lchtrust_benchmark_2024")
    assert lchtrust["repository"] == "al26152/Langchain" and lchtrust["path"].endswith("report 2024.md")


def test_raising_concerns_is_scored_from_agreement_items_with_a_source():
    rc = BOOK.measure("raising_concerns")
    assert rc.items == ("q20a", "q20b", "q25e", "q25f")
    assert all(BOOK.items[c].scale == "agreement" and not BOOK.items[c].reverse for c in rc.items)
    assert all(BOOK.items[c].wording for c in rc.items)
    assert "al26152/Langchain" in rc.source and "thechristie" in rc.source
    # Element 3 needs autonomy and control, which is not scored: the element stays published-only.
    assert "pp3_voice_that_counts" not in BOOK.measure_ids
    assert "raising concerns" in BOOK.notes and "NOT scored" in BOOK.notes


def test_raising_concerns_sub_score_by_hand():
    cols = {
        "q20a": ["Agree", "Strongly disagree", "Agree"],
        "q20b": ["Strongly agree", "Don't know", "Agree"],
        "q25e": ["Disagree", None, None],
        "q25f": ["Neither agree nor disagree", None, None],
    }
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    raw = RawTable(frame=frame, file_name="tiny.csv")
    got = score_responses(raw, Mapping(items={c: c for c in cols}, wave_label="2024"),
                          BOOK).respondents["raising_concerns"].tolist()
    # R1: 7.5 + 10 + 2.5 + 5 = 25 over 4 items
    assert got[0] == pytest.approx(6.25)
    # R2: one answer of four (Don't know is missing) -> below half -> missing
    assert math.isnan(got[1])
    # R3: two of four answered (half) -> (7.5 + 7.5) / 2
    assert got[2] == pytest.approx(7.5)


def test_2021_raising_concerns_is_recognised_but_not_scored():
    m = EARLY.measure_by_alias("PP3_2")
    assert m is not None and m.id not in EARLY.measure_ids
    assert "17a" in m.description
