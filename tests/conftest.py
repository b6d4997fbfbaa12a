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


@pytest.fixture(autouse=True)
def empty_workspace_store(monkeypatch, tmp_path_factory):
    """Every test's app and CLI use an empty store of their own (never the repository's .workspace file)."""
    from analytics import settings

    path = tmp_path_factory.mktemp("workspace") / "store.sqlite"
    monkeypatch.setenv(settings.STORE_URL_ENV, f"sqlite:///{path}")
    yield


# --- PostgreSQL for the store tests ---------------------------------------------------------------
def _start_postgres(tmp_dir: Path) -> str | None:
    """Start a throwaway cluster with .ci/postgres (None when this machine has no PostgreSQL binaries)."""
    import subprocess

    script = ROOT / ".ci" / "postgres"
    if subprocess.run([str(script), "bindir"], capture_output=True).returncode != 0:
        return None
    done = subprocess.run([str(script), "start", str(tmp_dir)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"could not start PostgreSQL: {done.stderr.strip()}")
    return done.stdout.strip()


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server URL: ``TEST_POSTGRES_URL`` (set by .ci/run), else a cluster started for this test
    run by .ci/postgres (stopped at the end). Skips when neither is possible."""
    import os
    import shutil
    import subprocess
    import tempfile

    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        return
    tmp_dir = Path(tempfile.mkdtemp(prefix="store-pg-"))
    try:
        url = _start_postgres(tmp_dir)
        if url is None:
            pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql, or set "
                        "TEST_POSTGRES_URL); the store's PostgreSQL cases cannot run")
        yield url
    finally:
        subprocess.run([str(ROOT / ".ci" / "postgres"), "stop", str(tmp_dir)], capture_output=True)
        shutil.rmtree(tmp_dir, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres_url):
    """The URL of a fresh database on the test PostgreSQL server, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    name = f"store_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A URL of an empty store database: a SQLite file, or a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("postgres_database")
