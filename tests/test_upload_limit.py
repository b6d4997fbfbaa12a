"""The Data page refuses files past the session's total upload limit (settings.SESSION_UPLOAD_LIMIT_BYTES), with a
message that says the limit and what to remove."""

from __future__ import annotations

from analytics import settings
from survey_fixtures import codes_csv
from ui import data_view as view

FIRST = codes_csv()
SECOND = codes_csv(seed=5)


def _open(app_test):
    app_test.switch_page("pages/data.py")
    app_test.run()
    assert not app_test.exception
    return app_test


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_survey_file_past_the_total_is_refused(app_test, monkeypatch):
    # Room for one file of this size, not two: limit = 1.5 x the first file.
    monkeypatch.setattr(settings, "SESSION_UPLOAD_LIMIT_BYTES", len(FIRST) * 3 // 2)
    at = _open(app_test)
    at.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value([("pulse_2024.csv", FIRST, "text/csv")])
    at.run()
    assert [p.name for p in at.session_state[view.SURVEY_FILES_KEY]] == ["pulse_2024.csv"]
    assert not _errors(at)
    at.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value([("pulse_2024.csv", FIRST, "text/csv"),
                                                                ("pulse_2025.csv", SECOND, "text/csv")])
    at.run()
    assert not at.exception
    assert [p.name for p in at.session_state[view.SURVEY_FILES_KEY]] == ["pulse_2024.csv"]
    (message,) = [e for e in _errors(at) if "pulse_2025.csv" in e]
    limit_mb = len(FIRST) * 3 // 2 / 1024**2
    assert f"{limit_mb:,.1f} MB in all" in message            # the limit
    assert "Remove the files you no longer need" in message   # what to do


def test_hr_file_counts_towards_the_total(app_test, monkeypatch):
    staff = b"x" * 100
    # The survey file alone fits; with the 100-byte staff file the total is 99 bytes short.
    monkeypatch.setattr(settings, "SESSION_UPLOAD_LIMIT_BYTES", len(FIRST) + 99)
    at = _open(app_test)
    at.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value([("pulse_2024.csv", FIRST, "text/csv")])
    at.run()
    at.file_uploader(key=view.STAFF_UPLOADER_KEY).set_value(("hr_staff_esr.csv", staff, "text/csv"))
    at.run()
    assert not at.exception
    assert at.session_state[view.STAFF_FILE_KEY] is None
    assert any("hr_staff_esr.csv" in e and "was not added" in e for e in _errors(at))


def test_within_the_limit_nothing_is_refused(app_test):
    assert settings.SESSION_UPLOAD_LIMIT_BYTES == 2 * 1024**3
    at = _open(app_test)
    at.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value([("pulse_2024.csv", FIRST, "text/csv"),
                                                                ("pulse_2025.csv", SECOND, "text/csv")])
    at.run()
    assert not at.exception
    assert len(at.session_state[view.SURVEY_FILES_KEY]) == 2
    assert not any("was not added" in e for e in _errors(at))
