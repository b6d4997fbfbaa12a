"""Two waves with different measures (a full survey, then a shorter pulse without the leaving questions):
the Board and Trends pages run without an error, and a measure missing from one wave is shown as
"not asked in this wave"."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analytics import labels, settings
from analytics.dataset import DatasetSpec, FilePayload
from tests.page_helpers import check_no_exception
from tests.test_page_team_explorer import WAVE_2024, WAVE_2025, survey_csv


def _without_leadership(csv: bytes) -> bytes:
    """The export without the four compassionate-leadership questions (q9f-i): a pulse that did not ask them."""
    frame = pd.read_csv(io.BytesIO(csv))
    return frame.drop(columns=["Q9f", "Q9g", "Q9h", "Q9i"]).to_csv(index=False).encode()


def two_wave_spec() -> DatasetSpec:
    """2024: compassionate leadership (q9f-i) and thinking about leaving (q26a-c); 2025: a pulse asking only
    q26a-c, so compassionate leadership (a headline and a default trend measure) was not asked in 2025."""
    return DatasetSpec(label="Full survey then a pulse",
                       survey_files=(FilePayload("survey_2024.csv", survey_csv(WAVE_2024, 1, leaving=True)),
                                     FilePayload("pulse_2025.csv", _without_leadership(survey_csv(WAVE_2025, 2)))))


def _texts(at) -> list[str]:
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        out += [str(v) for v in frame.value.astype(str).to_numpy().ravel()]
    return out


@pytest.mark.parametrize("page", ["pages/board.py", "pages/trends.py"])
def test_a_measure_missing_from_one_wave_is_not_asked(app_test, page):
    at = app_test
    at.switch_page(page)
    at.session_state["dataset_spec"] = two_wave_spec()
    at.run(timeout=120)
    check_no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert any("not asked in this wave" in text.lower() for text in _texts(at))
    if page == "pages/board.py":   # the headline tile itself says so, on arrival (no tab to open)
        tile = next(m for m in at.metric if m.label.startswith("H1 ·"))
        assert tile.value == settings.NOT_ASKED_LABEL


def test_not_asked_pairs_by_hand():
    from analytics import settings
    from analytics.survey.asked import not_asked

    org, team = settings.LEVEL_ORGANISATION, settings.LEVEL_TEAM
    table = pd.DataFrame({"level": [org, org, org, org, team],
                          "wave": ["2024", "2024", "2025", "2025", "2025"],
                          "measure": ["a", "b", "a", "b", "b"],
                          "n": [30, 0, 25, 0, 5]})
    # "a" asked in both waves; "b" answered in neither at organisation level: absent, not "not asked"
    assert not_asked(table) == set()
    table.loc[1, "n"] = 12
    assert not_asked(table) == {("2025", "b")}


def test_compare_waves_with_a_wave_without_scores_compares_no_unit():
    from analytics.stats import compare_waves

    frame = pd.DataFrame({"wave": ["2024"] * 12 + ["2025"] * 12, "unit": "Ward A",
                          "score": [5.0] * 12 + [float("nan")] * 12})
    assert compare_waves(frame, "score", "unit", "wave", "2024", "2025", min_group_size=5).empty


def test_falls_are_not_tested_on_a_measure_a_wave_did_not_ask():
    """Teams of a wave that did not ask a measure have n = 0 (not suppressed): they are not compared, so the
    measure's family is empty and the statement says no team could be compared, not "no significant fall"."""
    from analytics import board
    from analytics.dataset import load_dataset

    dataset = load_dataset(two_wave_spec())
    falls, compared, _ = board.significant_falls(dataset.survey, wave="2025")
    assert compared["compassionate_leadership"] == 0 and falls.empty
    found = board.exceptions(dataset.survey, dataset.hr, wave="2025")
    texts = [s for s in board.board_statements(
        board.apply_thresholds(board.headline_figures(dataset.survey, dataset.hr, wave="2025")), found,
        board.weakest_behaviour(dataset.survey.item_results, "2025", dataset.survey.codebook))["statement"]]
    assert any(t.startswith("No team could be compared on compassionate leadership between 2024 and 2025")
               for t in texts), texts
