"""Shared pytest fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def clear_streamlit_caches():
    """Streamlit's caches live in the process and leak across AppTests: clear them around each page test."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_test(clear_streamlit_caches, monkeypatch):
    """A fresh AppTest of the whole app (``app.py``), not yet run. Use ``at.switch_page("pages/x.py")``.

    AppTest resets Streamlit's "pages folder" flag before every run, and because ``pages/`` sits beside
    app.py it would then run a switched-to page file on its own. Keeping the flag off makes every run go
    through app.py (frame, then page), as in the browser. (A page run on its own draws the frame itself:
    ``ui.state.ensure_frame``, tested in tests/test_app_frame.py.)
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
