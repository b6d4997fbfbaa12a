"""A survey upload over 2 MB is read and scored in a child process (analytics.dataset._in_child): the same
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


def test_hr_files_read_in_a_child_give_the_server_s_records(monkeypatch):
    from analytics.dataset import _read_hr

    spec = DatasetSpec(label="upload", staff_file=FilePayload.from_path(SAMPLE_DIR / "hr_staff_esr.csv"),
                       absence_file=FilePayload.from_path(SAMPLE_DIR / "hr_absence_esr.csv"))
    here = _read_hr(spec)
    monkeypatch.setattr(settings, "HR_IN_CHILD_ABOVE_BYTES", 0)
    children = []
    run_isolated = isolated.run_isolated
    monkeypatch.setattr(isolated, "run_isolated", lambda *a, **k: children.append(a[0].__name__) or run_isolated(*a, **k))
    from analytics import dataset
    child = dataset._read_hr_here_or_in_child(spec)
    assert children == ["_read_hr_from_disk"]
    pd.testing.assert_frame_equal(child.assignments, here.assignments)
    pd.testing.assert_frame_equal(child.absence, here.absence)
    assert (child.coverage_start, child.coverage_end) == (here.coverage_start, here.coverage_end)


def test_hr_input_errors_in_the_child_name_the_file(monkeypatch):
    from analytics import dataset

    monkeypatch.setattr(settings, "HR_IN_CHILD_ABOVE_BYTES", 0)
    spec = DatasetSpec(label="upload", staff_file=FilePayload("staff.csv", b"just,a\nfew,cells\n"))
    with pytest.raises(InputError) as raised:
        dataset._read_hr_here_or_in_child(spec)
    assert raised.value.file == "staff.csv"
