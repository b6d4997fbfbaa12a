"""Answer scales detected from a local question's answers, and synonyms accepted when scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ingest.answer_scales import KNOWN_SCALES, canonical_options, combined_scale, detect_scale
from analytics.survey.scoring import answer_positions, item_score

AGREEMENT = canonical_options("agreement")


@pytest.mark.parametrize("answers, name, k", [
    (["Strongly agree", "Neutral", "Disagree", "Don't know"], "agreement", 5),
    (["Agree", "Neither", "N/A"], "agreement", 5),
    (["Somewhat agree", "Agree", "Strongly disagree"], "agreement_7", 7),   # two labels, two positions
    (["Never", "Most of the time", "All of the time", "Prefer not to say"], "frequency", 5),
    (["Very dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied"], "satisfaction", 5),
    (["Very likely", "Unlikely"], "likelihood", 5),
    (["5 - Strongly agree", "(3) Neutral"], "agreement", 5),
    ([1, 3, 4], "numeric_1_k", 5),
    (["6", "2"], "numeric_1_k", 7),
    ([0, 7, 10], "numeric_0_10", 11),
    (["Yes", "No"], "yes_no", 2),
])
def test_detected_scales(answers, name, k):
    scale = detect_scale([pd.Series(answers, dtype=object)])
    assert scale is not None and scale.name == name and len(scale.options) == k


@pytest.mark.parametrize("answers", [["Blue", "Green"], ["Agree", "Often"], [], ["Don't know"], [2.5, 3]])
def test_no_known_scale(answers):
    assert detect_scale([pd.Series(answers, dtype=object)]) is None


def test_combined_scale_of_columns_detected_one_by_one():
    five = detect_scale([pd.Series(["Agree", "Neutral"])])
    seven = detect_scale([pd.Series(["Somewhat agree", "Agree"])])
    assert combined_scale([five, seven]).name == "agreement_7"
    assert combined_scale([five, None]) is None
    assert combined_scale([five, detect_scale([pd.Series(["Often"])])]) is None


def test_neutral_scores_the_midpoint_of_the_codebook_agreement_scale():
    # (p - 1) / (k - 1) * 10 with p = 3 of 5: 5.0 for every midpoint wording; Don't know missing
    answers = pd.Series(["Neutral", "Neither", "neither agree or disagree", "Agree", "Don't know"])
    positions = answer_positions(answers, AGREEMENT, ["Don't know"])
    assert item_score(positions.positions, 5).tolist()[:4] == [5.0, 5.0, 5.0, 7.5]
    assert np.isnan(positions.positions[4]) and positions.invalid_rows.size == 0


def test_frequency_synonyms_and_an_own_scale_without_synonyms():
    positions = answer_positions(pd.Series(["Most of the time", "All of the time", "Never"]),
                                 canonical_options("frequency"))
    assert positions.positions.tolist() == [4.0, 5.0, 1.0]
    own = answer_positions(pd.Series(["Neutral"]), ["Bad", "OK", "Good"])
    assert own.invalid_rows.tolist() == [0]


def test_every_known_scale_has_distinct_wordings_per_position():
    for name, (_, positions) in KNOWN_SCALES.items():
        words = [w.casefold() for position in positions for w in position]
        assert len(words) == len(set(words)), name
