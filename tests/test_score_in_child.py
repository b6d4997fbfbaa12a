"""A survey upload over 2 MB is read and scored in a child process (analytics.dataset._score_isolated): the same
figures as scored in the server process, its progress relayed, item scores of very large uploads kept in single
precision."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import settings
from analytics.dataset import DatasetSpec, FilePayload, SAMPLE_DIR, load_survey
from analytics.errors import InputError
from analytics.ingest import isolated

pytestmark = pytest.mark.skipif(not isolated.ISOLATION_AVAILABLE, reason="no fork server here")


def _spec(*names: str) -> DatasetSpec:
    return DatasetSpec(label="upload", survey_files=tuple(FilePayload.from_path(SAMPLE_DIR / n) for n in names))


def test_child_gives_the_server_s_figures(monkeypatch):
    spec = _spec("survey_2024.xlsx", "survey_2025.csv")
    here = load_survey(spec)
    monkeypatch.setattr(settings, "SCORE_IN_CHILD_ABOVE_BYTES", 0)
    monkeypatch.setattr(settings, "SINGLE_PRECISION_ITEMS_ABOVE_BYTES", 0)
    child = load_survey(spec)
    pd.testing.assert_frame_equal(child.unit_scores, here.unit_scores)
    pd.testing.assert_frame_equal(child.item_results, here.item_results)
    assert child.scored.item_scores.dtypes.eq(np.float32).all()
    np.testing.assert_allclose(child.scored.item_scores.to_numpy(), here.scored.item_scores.to_numpy(), rtol=1e-6)
    pd.testing.assert_frame_equal(child.scored.respondents, here.scored.respondents)


def test_child_reports_bad_input_as_input_error(monkeypatch):
    monkeypatch.setattr(settings, "SCORE_IN_CHILD_ABOVE_BYTES", 0)
    spec = DatasetSpec(label="upload", survey_files=(FilePayload("notes.csv", b"just,a\nfew,cells\n"),))
    with pytest.raises(InputError):
        load_survey(spec)


def test_child_relays_the_scoring_s_progress_and_keeps_double_precision(monkeypatch):
    spec = _spec("survey_2025.csv")
    here_reports: list[tuple[float, str]] = []
    here = load_survey(spec, progress=lambda f, m: here_reports.append((f, m)))
    monkeypatch.setattr(settings, "SCORE_IN_CHILD_ABOVE_BYTES", 0)
    child_reports: list[tuple[float, str]] = []
    child = load_survey(spec, progress=lambda f, m: child_reports.append((f, m)))
    # the server says it is reading, then every report the scoring made in the child arrives, in order
    assert child_reports[0][1] == "Reading survey_2025.csv"
    assert child_reports[1:] == here_reports and len(here_reports) >= 3
    # under settings.SINGLE_PRECISION_ITEMS_ABOVE_BYTES (64 MB) the item scores are the server's, exactly
    assert child.scored.item_scores.dtypes.eq(np.float64).all()
    pd.testing.assert_frame_equal(child.scored.item_scores, here.scored.item_scores)
