"""Roles in the app (AppTest): the user is injected into the session, as ui/auth.py keeps it after sign-in.

Without ``[auth]`` in the secrets (the test run has no secrets file) the app is in unsecured local mode; a
user injected under ``ui.auth.USER_KEY`` stands for a signed-in user with a stored role.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import access, labels, settings
from analytics.access import User
from analytics.dataset import load_dataset, sample_spec
from ui.auth import USER_KEY

ROOT = Path(__file__).resolve().parent.parent
K_LABEL = "Minimum responses to show a group"
DIRECTORATE = "Clinical Support Services"
MANAGER = User("manager@trust.nhs.uk", "manager", directorates=(DIRECTORATE,))
BOARD = User("guardian@trust.nhs.uk", "board")
ANALYST = User("analyst@trust.nhs.uk", "analyst")


def _as(at, user: User | None, page: str | None = None):
    if user is not None:
        at.session_state[USER_KEY] = user
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _page_text(at) -> str:
    """Everything the page sent: every element's protobuf as text (tables' Arrow bytes included)."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def hidden_names() -> set[str]:
    """Teams and directorates of the sample outside the manager's directorate, leaving out names contained in
    a visible unit's name or a staff group's name (team "Estates", group "Estates and Ancillary"): they would
    be found for the wrong reason."""
    dataset = load_dataset(sample_spec())
    table = dataset.survey.unit_scores
    hidden = access.hidden_unit_names(table, MANAGER)
    other_words = (set(table["unit"]) - hidden) | set(dataset.hr.assignments["staff_group"].dropna().astype(str))
    return {name for name in hidden if not any(name in other for other in other_words)}


def test_local_mode_says_it_is_unsecured_and_lets_the_user_change_k(app_test):
    at = _as(app_test, None)
    assert [w.value for w in at.warning if w.value == labels.LOCAL_MODE_NOTICE] == [labels.LOCAL_MODE_NOTICE]
    assert [n.label for n in at.sidebar.number_input] == [K_LABEL]


def test_board_member_cannot_change_k_and_has_only_the_board(app_test):
    at = _as(app_test, BOARD)
    assert not at.sidebar.number_input
    assert labels.K_FIXED_TEXT.format(k=settings.DEFAULT_MIN_GROUP_SIZE) in [c.value for c in at.sidebar.caption]
    assert labels.LOCAL_MODE_NOTICE not in [w.value for w in at.warning]
    assert at.title[0].value == "Board assurance"
    # The navigation registers the Board page only: any other page is unknown to it.
    with pytest.raises(ValueError, match=r"Known pages: \['[^,]*pages/board\.py'\]"):
        at.switch_page("pages/trends.py")


def test_board_member_cannot_lower_k_through_the_session(app_test):
    app_test.session_state["min_group_size"] = 5
    at = _as(app_test, BOARD)
    assert labels.K_FIXED_TEXT.format(k=settings.DEFAULT_MIN_GROUP_SIZE) in [c.value for c in at.sidebar.caption]


@pytest.mark.parametrize("page", ["pages/board.py", "pages/team_explorer.py", "pages/trends.py"])
def test_manager_pages_never_hold_another_directorates_units(app_test, hidden_names, page):
    at = _as(app_test, MANAGER, page)
    text = _page_text(at)
    assert DIRECTORATE in text
    leaked = sorted(name for name in hidden_names if name in text)
    assert not leaked, leaked
    assert not at.sidebar.number_input
    options = [s.options for s in at.sidebar.selectbox if s.label == "Directorate"]
    assert options == [["All directorates", DIRECTORATE]]


def test_analyst_sees_every_unit_but_cannot_change_k(app_test):
    at = _as(app_test, ANALYST, "pages/team_explorer.py")
    assert not at.sidebar.number_input
    options = [s.options for s in at.sidebar.selectbox if s.label == "Directorate"][0]
    assert DIRECTORATE in options and len(options) > 2


def test_deep_link_to_a_page_outside_the_role_is_refused(clear_streamlit_caches):
    at = AppTest.from_file(str(ROOT / "pages" / "relationships.py"), default_timeout=120)
    at.session_state[USER_KEY] = BOARD
    at.run()
    assert not at.exception
    assert labels.PAGE_NOT_ALLOWED_TEXT.format(role="board") in [w.value for w in at.warning]
    assert not at.title


def test_with_sign_in_configured_a_visitor_sees_only_the_sign_in_button(app_test):
    app_test.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x",
                                "client_id": "x", "client_secret": "x",
                                "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
    at = _as(app_test, None)
    assert [b.label for b in at.button] == [labels.SIGN_IN_BUTTON]
    assert labels.SIGN_IN_TEXT in [i.value for i in at.info]
    assert not at.title and not at.sidebar.selectbox and not at.sidebar.number_input
    assert labels.LOCAL_MODE_NOTICE not in [w.value for w in at.warning]


def test_admin_page_adds_a_manager_and_shows_the_audit_log(app_test, tmp_path):
    from analytics import store

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    app_test.secrets["connections"] = {"store": {"url": url}}
    at = _as(app_test, None, "pages/admin.py")
    assert at.title[0].value == "Admin"
    at.text_input[0].input("Max.Manager@Trust.example")
    [role] = [s for s in at.selectbox if s.label == "Role"]
    role.select("manager")
    at.text_area[0].input(f"{DIRECTORATE}\n")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    stored = store.get_user(store.open_store(url), "max.manager@trust.example")
    assert (stored.role, stored.directorates, stored.teams) == ("manager", (DIRECTORATE,), ())
    log = store.audit_log(store.open_store(url))
    assert list(log["user"]) == ["local"] and list(log["action"]) == ["user added"]
    assert [b.label for b in at.get("download_button")] == ["Export the audit log (CSV)"]


def test_admin_page_refuses_a_manager_without_units(app_test, tmp_path):
    app_test.secrets["connections"] = {"store": {"url": f"sqlite:///{tmp_path / 'store.sqlite'}"}}
    at = _as(app_test, None, "pages/admin.py")
    at.text_input[0].input("someone@trust.example")
    [role] = [s for s in at.selectbox if s.label == "Role"]
    role.select("manager")
    at.form_submit_button[0].click()
    at.run()
    assert [e.value for e in at.error] == ["A manager needs at least one directorate or team to see."]
