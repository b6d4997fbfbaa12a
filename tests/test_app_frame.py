"""The shared frame (sidebar, sample banner) is drawn once per run, through app.py or by a page on its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
SIDEBAR_LABEL = "Minimum responses to show a group"


def test_app_draws_the_frame_once_around_the_default_page(app_test):
    at = app_test
    at.run()
    assert not at.exception
    assert [n.label for n in at.sidebar.number_input] == [SIDEBAR_LABEL]
    assert sum("Sample data" in info.value for info in at.info) == 1
    assert at.title[0].value == "Board assurance"


@pytest.mark.parametrize("page", ["pages/trends.py", "pages/data.py"])
def test_a_page_run_on_its_own_draws_the_frame_itself(clear_streamlit_caches, page):
    """What Streamlit does for a deep link on a fresh server (its old pages-folder navigation)."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.run()
    assert not at.exception
    assert [n.label for n in at.sidebar.number_input] == [SIDEBAR_LABEL]
    assert sum("Sample data" in info.value for info in at.info) == 1
