"""The shared workspace in the app (AppTest): publishing from the Data page, every page opening on the published
waves with their k fixed, and the action log on the Team explorer and the Board.

Each test's app uses an empty temporary store (``tests/conftest.py``: ``empty_workspace_store``).
"""

from __future__ import annotations

import pytest

from analytics import access, settings
from analytics import store as workspace
from analytics.access import User
from analytics.dataset import FilePayload, load_dataset, sample_spec
from survey_fixtures import question_text_xlsx
from ui import board_view
from ui import explorer_view
from ui import data_view as view
from ui.auth import USER_KEY

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PULSE = FilePayload("pulse_2025.xlsx", question_text_xlsx())


def _run(at, page: str | None = None, user: User | None = None):
    if user is not None:
        at.session_state[USER_KEY] = user
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture(scope="module")
def published_sample(tmp_path_factory):
    """The sample trust published once with k = 12 into a store file of its own; its URL."""
    url = f"sqlite:///{tmp_path_factory.mktemp('published') / 'store.sqlite'}"
    store = workspace.open_store(url)
    workspace.publish(store, sample_spec(), by="od@trust.nhs.uk", k=12)
    store.close()
    return url


def test_publish_on_the_data_page_then_a_new_session_opens_on_the_published_wave(app_test):
    at = _run(app_test, "pages/data.py")
    assert at.button(key=f"{view.PREFIX}:publish").disabled          # nothing uploaded yet
    at.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value([(PULSE.name, PULSE.content, XLSX_MIME)])
    _run(at)
    at.button(key=f"{view.PREFIX}:publish").click()
    _run(at)
    assert not at.error
    assert any("Published 2025 (version 1)" in s.value for s in at.success)
    versions = workspace.published_waves(workspace.open_store())
    assert versions[["wave", "version", "status", "k"]].values.tolist() == [["2025", 1, "published", 11]]
    assert any("published 2025 (version 1)" in m.value for m in at.markdown)
    # another session (a colleague's browser) opens on the published wave, not the sample
    from streamlit.testing.v1 import AppTest
    other = _run(AppTest.from_file(str(view.__file__).replace("ui/data_view.py", "app.py"), default_timeout=120))
    captions = " ".join(c.value for c in other.sidebar.caption)
    assert "published 2025 (version 1)" in captions and "fixed when the waves were published" in captions


def test_only_administrators_may_publish(app_test):
    at = _run(app_test, "pages/data.py", User("analyst@trust.nhs.uk", "analyst"))
    at.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value([(PULSE.name, PULSE.content, XLSX_MIME)])
    _run(at)
    assert at.button(key=f"{view.PREFIX}:publish").disabled
    assert not at.button(key=f"{view.PREFIX}:use").disabled         # an analyst may still preview


def test_published_k_is_fixed_for_every_role_and_the_figures_are_the_files(app_test, published_sample, monkeypatch):
    monkeypatch.setenv(settings.STORE_URL_ENV, published_sample)
    at = _run(app_test, "pages/board.py")                           # local mode: an administrator
    assert not at.sidebar.number_input                               # no threshold control at all
    assert any("12, fixed when the waves were published" in c.value for c in at.sidebar.caption)
    # the Board's headline is the files' organisation figure at k = 12 (the published wave reproduces the files)
    expected = load_dataset(sample_spec(), min_group_size=12).survey.unit_scores
    org = expected[(expected["level"] == "organisation") & (expected["wave"] == "2025")
                   & (expected["measure"] == "compassionate_leadership")].iloc[0]
    shown = workspace.load_published(workspace.open_store(published_sample))
    again = load_dataset(shown, min_group_size=12).survey.unit_scores
    same = again[(again["level"] == "organisation") & (again["wave"] == "2025")
                 & (again["measure"] == "compassionate_leadership")].iloc[0]
    assert (same["mean"], same["n"]) == (org["mean"], org["n"]) and shown.published.k == 12


def test_actions_on_the_team_explorer_and_the_board(app_test, published_sample, monkeypatch, tmp_path):
    # a copy of the published store, so that this test's actions stay its own
    import shutil
    path = tmp_path / "store.sqlite"
    shutil.copy(published_sample.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv(settings.STORE_URL_ENV, url)
    store = workspace.open_store(url)
    app_test.session_state[explorer_view.TEAM_TABS_KEY] = "Actions: you said, we did"   # the team's action log
    at = _run(app_test, "pages/team_explorer.py")
    team_label = at.selectbox(key="team_explorer_team").value
    picked = team_label.split(" (")[0]
    assert any("No actions recorded for" in c.value for c in at.caption)
    title_box = [t for t in at.text_input if t.label == "Action"][0]
    title_box.input("Monthly protected team time")
    [s for s in at.selectbox if s.label == "Addresses"][0].select("attending")
    [b for b in at.button if b.label == "Add the action"][0].click()
    _run(at)
    stored = workspace.actions(store)
    assert stored[["unit", "wave", "addresses", "title", "status", "created_by"]].values.tolist() == [
        [picked, "2025", "attending", "Monthly protected team time", "open", "local"]]
    table = [d.value for d in at.dataframe if "Action" in d.value.columns]
    assert table and table[0]["Action"].tolist() == ["Monthly protected team time"]
    at.session_state[board_view.TABS_KEY] = "Actions: you said, we did"    # the Board's action log tab
    board = _run(at, "pages/board.py")
    listed = [d.value for d in board.dataframe if "Action" in d.value.columns]
    assert listed and listed[0]["Unit"].tolist() == [picked]
    assert [m.value for m in board.metric][-4:] == ["1", "0", "0", "0"]


def test_a_manager_may_edit_only_their_units_actions():
    manager = User("m@trust.nhs.uk", "manager", directorates=("Medicine",), teams=("Pharmacy",))
    assert access.may_edit_actions(manager, level=settings.LEVEL_TEAM, unit="Ward 7", parent="Medicine")
    assert access.may_edit_actions(manager, level=settings.LEVEL_TEAM, unit="Pharmacy", parent="Clinical Support")
    assert access.may_edit_actions(manager, level=settings.LEVEL_DIRECTORATE, unit="Medicine")
    assert not access.may_edit_actions(manager, level=settings.LEVEL_TEAM, unit="Theatres", parent="Surgery")
    assert not access.may_edit_actions(manager, level=settings.LEVEL_ORGANISATION, unit=settings.ORGANISATION_UNIT)
    assert not access.may_edit_actions(User("b@trust.nhs.uk", "board"), level=settings.LEVEL_TEAM, unit="Ward 7",
                                       parent="Medicine")
    assert access.may_edit_actions(access.LOCAL_USER, level=settings.LEVEL_ORGANISATION, unit=settings.ORGANISATION_UNIT)


def test_admin_withdraws_a_wave_and_every_page_falls_back(app_test, published_sample, monkeypatch, tmp_path):
    import shutil
    path = tmp_path / "store.sqlite"
    shutil.copy(published_sample.removeprefix("sqlite:///"), path)
    monkeypatch.setenv(settings.STORE_URL_ENV, f"sqlite:///{path}")
    at = _run(app_test, "pages/admin.py")
    waves = [d.value for d in at.dataframe if "version" in d.value.columns][0]
    assert sorted(waves["wave"].astype(str)) == ["2023", "2024", "2025"]
    [s for s in at.selectbox if s.label == "Wave"][0].select("2025")
    [t for t in at.text_input if t.label == "Type the wave's name to confirm"][0].input("2025")
    [b for b in at.button if b.label == "Apply"][0].click()
    _run(at)
    versions = workspace.published_waves(workspace.open_store(f"sqlite:///{path}")).set_index("wave")
    assert versions.loc["2025", "status"] == "withdrawn" and versions.loc["2024", "status"] == "published"
    log = workspace.audit_log(workspace.open_store(f"sqlite:///{path}"))
    assert log.iloc[-1]["action"].startswith("wave withdrawn") and log.iloc[-1]["user"] == "local"
    board = _run(at, "pages/board.py")
    assert any("published 2023 (version 1), 2024 (version 1)" in c.value for c in board.sidebar.caption)


def _cached_datasets(store):
    """Datasets held by one of ui.cache's stores (the server-wide one, or a session's own)."""
    from analytics.dataset import Dataset
    return [value for value in store.values() if isinstance(value, Dataset)]


def test_a_preview_stays_in_its_own_session_and_the_published_waves_are_shared(app_test):
    from ui import cache

    at = _run(app_test, "pages/data.py")
    at.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value([(PULSE.name, PULSE.content, XLSX_MIME)])
    _run(at)
    at.button(key=f"{view.PREFIX}:use").click()
    _run(at)
    assert at.session_state["dataset_spec"].is_preview
    shared = _cached_datasets(cache._shared_store())
    assert shared and not any(d.spec.is_preview for d in shared)         # only the sample is server-wide
    own = _cached_datasets(at.session_state[cache._SESSION_STORE_KEY])
    assert any(d.spec.file_names == [PULSE.name] for d in own)           # the preview: in a session's own cache


def test_admin_sets_the_publishing_threshold_and_a_lower_publication_is_refused(app_test):
    at = _run(app_test, "pages/admin.py")
    [n for n in at.number_input if n.label == "Minimum responses"][0].set_value(15)
    [b for b in at.button if b.label == "Set the threshold"][0].click()
    _run(at)
    assert any("at least 15 responses" in s.value for s in at.success)
    data = _run(at, "pages/data.py")
    data.file_uploader(key=view.SURVEY_UPLOADER_KEY).set_value([(PULSE.name, PULSE.content, XLSX_MIME)])
    _run(data)
    data.button(key=f"{view.PREFIX}:publish").click()                 # the session's k is 11 < 15
    _run(data)
    assert data.error and workspace.published_waves(workspace.open_store()).empty
