"""ui.state: files scored with the Data page's progress bar are scored once, whatever is clicked next."""

from __future__ import annotations

import streamlit as st

import ui.state as state
from analytics.dataset import DatasetSpec, FilePayload, load_survey
from tests.survey_fixtures import codes_csv


def test_check_then_use_scores_the_files_once(monkeypatch, clear_streamlit_caches):
    calls = []

    def counting_load_survey(spec, **kwargs):
        calls.append(spec.key)
        return load_survey(spec, **kwargs)

    monkeypatch.setattr(state, "load_survey", counting_load_survey)
    st.session_state.pop(state._SCORED_KEYS_KEY, None)
    spec = DatasetSpec(label="upload", survey_files=(FilePayload("survey_2025.csv", codes_csv()),))
    seen = []
    first = state.load_with_progress(spec, lambda fraction, message: seen.append(fraction))  # "Check the files"
    second = state.load_with_progress(spec, lambda fraction, message: seen.append(fraction))  # "Use these files"
    assert calls == [spec.key]
    assert second.survey is first.survey
    assert seen[-1] == 1.0
    st.cache_resource.clear()
