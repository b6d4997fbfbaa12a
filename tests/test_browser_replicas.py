"""Two app servers on one PostgreSQL store (replicas behind a load balancer): a wave published in a browser on
one server appears on the other, which was already serving the sample trust.

A real-browser test (``browser`` marker), like tests/test_browser.py, whose server and browser helpers it uses.
"""

from __future__ import annotations

import time

import pytest

from analytics import settings
from test_browser import (_assert_no_error, _open_page, _small_survey_csv, _start_server, _stop_server,
                          _wait_for_page, _wait_idle, _wait_until_healthy, browser, page_factory)  # noqa: F401

pytestmark = pytest.mark.browser
#: A replica reads the store's list of waves again after this long at most (settings.PUBLISHED_CHECK_SECONDS).
PROPAGATION_TIMEOUT_S = settings.PUBLISHED_CHECK_SECONDS + 30


def _sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebarUserContent"]').inner_text()


def test_a_wave_published_on_one_replica_appears_on_the_other(browser, page_factory, postgres_database, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv(settings.STORE_URL_ENV, postgres_database)   # both servers inherit it
    servers = [_start_server(tmp_path, name) for name in ("replica_a", "replica_b")]
    try:
        for proc, url, log_path in servers:
            _wait_until_healthy(proc, int(url.rsplit(":", 1)[1]), log_path)
        (_, url_a, _), (_, url_b, _) = servers
        # replica B serves the sample trust while the store is empty
        page_b = page_factory()
        page_b.goto(url_b + "/")
        _wait_for_page(page_b, "Board assurance", has_chart=True)
        assert "Northfield and Vale" in _sidebar_text(page_b)
        # publish a 2026 survey in a browser on replica A
        page_a = page_factory()
        page_a.goto(url_a + "/")
        _wait_for_page(page_a, "Board assurance", has_chart=True)
        _open_page(page_a, "Data", has_chart=False)
        survey = _small_survey_csv(tmp_path / "pulse_2026.csv")
        uploader = page_a.locator('[data-testid="stFileUploader"]').filter(has_text="Survey files")
        uploader.locator('input[type="file"]').set_input_files([str(survey)])
        page_a.get_by_text(survey.name).first.wait_for(state="visible")
        _wait_idle(page_a)
        page_a.get_by_role("button", name="Publish").click()
        page_a.get_by_text("Published 2026 (version 1)").first.wait_for(state="visible")
        _wait_idle(page_a)
        _assert_no_error(page_a, "replica A after publishing")
        assert "published 2026 (version 1)" in _sidebar_text(page_a)
        # replica B shows it on a reload, within the time a replica re-reads the store
        deadline = time.monotonic() + PROPAGATION_TIMEOUT_S
        while True:
            page_b.reload()
            _wait_for_page(page_b, "Board assurance", has_chart=False)
            if "published 2026 (version 1)" in _sidebar_text(page_b):
                break
            assert time.monotonic() < deadline, "replica B never showed the wave published on replica A"
            time.sleep(3)
        _assert_no_error(page_b, "replica B after the publication")
    finally:
        for proc, _, _ in servers:
            _stop_server(proc)
