"""The board pack's table of local measures (a pulse survey's own questions): the organisation's score per
wave with n, a suppressed wave shown with no figure.

Expected values: the hand-computed pulse scores of tests/pulse_fixtures.py (Neutral = 5, Don't know missing)
and scipy's t distribution for the 95% CI.
"""

from __future__ import annotations

import csv
import html
import io
import math

import numpy as np
import pytest
from scipy import stats

from analytics.dataset import DatasetSpec, FilePayload, load_dataset
from analytics.report.pack import build_board_pack, local_measure_ids
from analytics.survey.pipeline import ColumnOptions, SurveySource, recognise_file
from pulse_fixtures import ORGANISATION_SCORE, QUESTIONS, pulse_csv, pulse_rows
from render.pack import render_html

K = 5
TITLE = "Local measures (the organisation's own survey questions)"


def _small_2024() -> bytes:
    """Three respondents in 2024: fewer than K, so the organisation's 2024 row is suppressed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["StartDate", "ResponseId", "Department", *QUESTIONS])
    for row in pulse_rows()[:3]:
        writer.writerow(["2024-03-01 09:00:00", row[1] + "-2024", *row[2:]])
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def dataset():
    files = (FilePayload("pulse_2024.csv", _small_2024()), FilePayload("pulse_2025.csv", pulse_csv()))
    options = ColumnOptions(local_measures=("Team pulse=Q1,Q2,Q3,Q4",))
    mappings = tuple(recognise_file(SurveySource(f.name, f.content), options).mapping.to_json() for f in files)
    return load_dataset(DatasetSpec(label="Pulse", survey_files=files, mappings_json=mappings), min_group_size=K)


@pytest.fixture(scope="module")
def table(dataset):
    pack = build_board_pack(dataset)
    return next(t for t in pack.tables() if t.title == TITLE), pack


def test_local_measures_are_the_users_measures_only(dataset):
    assert local_measure_ids(dataset.survey.codebook) == ["team_pulse"]


def test_organisation_score_per_wave_by_hand(table):
    t, _ = table
    frame = t.frame
    assert frame["wave"].tolist() == ["2024", "2025"]
    shown = frame.iloc[1]
    assert shown["label"] == "Team pulse" and shown["n"] == 24
    assert shown["mean"] == pytest.approx(ORGANISATION_SCORE, abs=1e-9)   # 6.3194
    # respondent scores: 12 x 7.5 (Department A), 11 x 5.0 and one (10 + 2.5 + 7.5) / 3 (Department B)
    scores = np.array([7.5] * 12 + [5.0] * 11 + [20 / 3])
    half = stats.t.ppf(0.975, 23) * scores.std(ddof=1) / math.sqrt(24)
    assert (shown["ci_low"], shown["ci_high"]) == pytest.approx((scores.mean() - half, scores.mean() + half))
    assert shown["note"] == ""


def test_suppressed_wave_has_no_figure(table):
    t, _ = table
    hidden = t.frame.iloc[0]
    for column in ("mean", "ci_low", "ci_high", "n"):
        assert math.isnan(hidden[column]), column
    assert hidden["note"] == f"fewer than {K} responses"


def test_html_pack_shows_the_local_table(table):
    t, pack = table
    document = render_html(pack)
    assert html.escape(TITLE) in document and "Team pulse" in document
    assert f"{ORGANISATION_SCORE:.1f}" in document
    assert t.ref in document
