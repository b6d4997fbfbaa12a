"""Burnout (PP4_2), support for work-life balance (PP6_1) and flexible working (PP6_2) scored from respondent answers with the 2024/2025 codebook.

Expected values are hand arithmetic from the sourced rules: burnout items q12a-q12g on Never ... Always,
each scored Never 10, Rarely 7.5, Sometimes 5, Often 2.5, Always 0 (NSS 2025 Technical Guide section 4, as
summarised in the codebook's source 'nss2025_technical_guide_burnout'); q4d on the 5-point satisfaction
scale, Very dissatisfied 0 ... Very satisfied 10 (source 'wrap_nss2025_r_script'); q6b-q6d on the 5-point
agreement scale, Strongly disagree 0 ... Strongly agree 10 (source 'nof_2024_analysis_scripts'). A sub-score is the mean
of the answered items when at least half are answered (this project's rule, domain.md section 1).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.ingest.codebook import load_codebook
from analytics.ingest.mapping import Mapping
from analytics.ingest.raw import RawTable
from analytics.survey.scoring import score_responses

BOOK = load_codebook("nss_2024_2025")
BURNOUT = ("q12a", "q12b", "q12c", "q12d", "q12e", "q12f", "q12g")


def _score(cols: dict[str, list]) -> pd.DataFrame:
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    raw = RawTable(frame=frame, file_name="tiny.csv")
    return score_responses(raw, Mapping(items={c: c for c in cols}, wave_label="2024"), BOOK).respondents


# -- definitions ------------------------------------------------------------------------------------------
def test_burnout_is_scored_from_seven_reverse_keyed_frequency_items_with_sources():
    m = BOOK.measure("pp4_burnout")
    assert m.items == BURNOUT and m.label == "Burnout"
    assert all(BOOK.items[c].scale == "frequency" and BOOK.items[c].reverse for c in BURNOUT)
    assert BOOK.scales["frequency"].options == ("Never", "Rarely", "Sometimes", "Often", "Always")
    assert BOOK.items["q12b"].wording == "How often, if at all, do you feel burnt out because of your work?"
    assert "Technical-Guide-V2" in m.source and "al26152/Langchain" in m.source
    assert {"PP4_2", "pp4_2_burnout"} <= set(m.aliases)
    assert BOOK.measure_by_alias("pp4_2_burnout_2025").id == "pp4_burnout"
    ids = {s["id"] for s in BOOK.sources}
    assert {"nss2025_technical_guide_burnout", "wrap_nss2025_r_script"} <= ids


def test_flexible_working_is_scored_from_q4d_on_a_satisfaction_scale():
    m = BOOK.measure("pp6_flexible_working")
    assert m.items == ("q4d",)
    item = BOOK.items["q4d"]
    assert item.wording == "The opportunities for flexible working patterns."
    assert item.scale == "satisfaction" and not item.reverse
    assert BOOK.scales["satisfaction"].options == (
        "Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied")
    assert BOOK.measure_by_alias("PP6_2").id == "pp6_flexible_working"
    assert "NSS2025-Questionnaire" in m.source


def test_work_life_balance_is_scored_from_three_agreement_items():
    m = BOOK.measure("pp6_work_life_balance")
    assert m.items == ("q6b", "q6c", "q6d")
    assert all(BOOK.items[c].scale == "agreement" and not BOOK.items[c].reverse for c in m.items)
    assert BOOK.items["q6b"].wording == "My organisation is committed to helping me balance my work and home life"
    assert BOOK.items["q6c"].wording == "I achieve a good balance between my work life and my home life"
    assert BOOK.items["q6d"].wording == ""  # only a paraphrase was found
    assert BOOK.measure_by_alias("pp6_1_work_life_balance_2024").id == "pp6_work_life_balance"
    assert "nof_2024_analysis_scripts" in {s["id"] for s in BOOK.sources}


def test_elements_four_and_six_stay_published_only():
    published = {p.id for p in BOOK.published_measures}
    assert {"pp4_safe_healthy", "pp6_work_flexibly", "pp4_health_safety_climate",
            "pp4_negative_experiences"} <= published
    assert not published & set(BOOK.measure_ids)
    assert "burnout" in BOOK.notes and "q4d" in BOOK.notes and "NOT scored" in BOOK.notes


# -- scoring by hand ----------------------------------------------------------------------------------------
def test_burnout_sub_score_by_hand():
    cols = {c: [] for c in BURNOUT}
    # R1 answers all seven: Never, Rarely, Sometimes, Often, Always, Never, Sometimes
    #   -> 10 + 7.5 + 5 + 2.5 + 0 + 10 + 5 = 40 over 7.
    r1 = ["Never", "Rarely", "Sometimes", "Often", "Always", "Never", "Sometimes"]
    # R2 answers four (half of seven is 3.5): Always x4 -> 0.
    r2 = ["Always", "Always", "Always", "Always", None, None, None]
    # R3 answers three of seven -> below half -> missing.
    r3 = ["Never", None, "Never", None, "Never", None, None]
    # R4: six answers, one "Don't know" (missing): Often x3, Rarely x3 -> (2.5*3 + 7.5*3) / 6 = 5.
    r4 = ["Often", "Often", "Often", "Rarely", "Rarely", "Rarely", "Don't know"]
    for row in (r1, r2, r3, r4):
        for code, answer in zip(BURNOUT, row):
            cols[code].append(answer)
    got = _score(cols)["pp4_burnout"].tolist()
    assert got[0] == pytest.approx(40 / 7)
    assert got[1] == pytest.approx(0.0)
    assert math.isnan(got[2])
    assert got[3] == pytest.approx(5.0)


def test_flexible_working_sub_score_by_hand():
    got = _score({"q4d": ["Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied",
                          "Dissatisfied", "Very dissatisfied", None]})["pp6_flexible_working"].tolist()
    assert got[:5] == pytest.approx([10.0, 7.5, 5.0, 2.5, 0.0])
    assert math.isnan(got[5])


def test_work_life_balance_sub_score_by_hand():
    got = _score({
        "q6b": ["Strongly agree", "Disagree", None, "Agree"],
        "q6c": ["Agree", None, None, "Neither agree nor disagree"],
        "q6d": ["Neither agree nor disagree", None, "Strongly disagree", "Don't know"],
    })["pp6_work_life_balance"].tolist()
    # R1: 10 + 7.5 + 5 = 22.5 over 3
    assert got[0] == pytest.approx(7.5)
    # R2 and R3: one answer of three, below half -> missing
    assert math.isnan(got[1]) and math.isnan(got[2])
    # R4: Don't know is missing; two of three answered: (7.5 + 5) / 2
    assert got[3] == pytest.approx(6.25)
