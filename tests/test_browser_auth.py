"""Sign-in against a real OpenID Connect provider, in a real browser, with roles from a real store.

Starts, on loopback ports chosen free:
- the provider in ``tests/oidc/`` (the certified npm package ``oidc-provider``, run by Debian's ``node``;
  ``.ci/run`` installs it with ``npm ci``) with three accounts;
- ``streamlit run app.py`` with a temporary secrets file (``--secrets.files``) holding ``[auth]`` for that
  provider and ``[connections.store] url`` of a temporary SQLite store in which the test creates an admin,
  a manager of one directorate and a board member.

Then signs in through the provider's login page as each user (Debian's chromium driven by Playwright; no
browser is downloaded) and checks what each role is sent: the admin has the anonymity threshold and every
page; the manager's pages never hold another directorate's team, neither in the page's HTML nor in any
websocket message the browser received; the board member has the Board only and no threshold control; an account without a role sees only the
no-role message.
Sign-ins are in the store's audit log. Skipped when chromium, node or the provider's npm packages are absent.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from analytics import access, labels
from ui import auth
from test_browser import RUN_TIMEOUT_MS, _free_port, _stop_server, _wait_idle, browser  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
OIDC_DIR = ROOT / "tests" / "oidc"
START_TIMEOUT_S = 60
K_LABEL = "Minimum responses to show a group"

#: The manager's directorate in the sample trust, and a team of another directorate that must never reach them.
DIRECTORATE = "Clinical Support Services"
OTHER_DIRECTORATE_TEAMS = ("District Nursing – North", "Health Visiting", "Tissue Viability")
ACCOUNTS = {
    "ada": {"email": "Ada.Admin@trust.example", "name": "Ada Admin"},
    "max": {"email": "max.manager@trust.example", "name": "Max Manager"},
    "bea": {"email": "bea.board@trust.example", "name": "Bea Board"},
    "zed": {"email": "zed.nobody@trust.example", "name": "Zed Nobody"},  # signs in, but has no role
}

pytestmark = pytest.mark.browser


def _wait_for_url(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[:3]} exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.3)
    pytest.fail(f"nothing answered on {url} within {START_TIMEOUT_S} s:\n{log_path.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def workspace(browser, tmp_path_factory):
    """(app url, store url): the provider, the store with three users, and the app signed in through them."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("node or the provider's packages are missing (cd tests/oidc && npm ci)")
    tmp = tmp_path_factory.mktemp("signin")
    provider_port, app_port = _free_port(), _free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    client_id, client_secret = "dashboard", secrets.token_hex(16)
    config = {"port": provider_port, "client_id": client_id, "client_secret": client_secret,
              "redirect_uri": f"{app_url}/oauth2callback", "accounts": ACCOUNTS}
    (tmp / "provider.json").write_text(json.dumps(config))

    store_url = f"sqlite:///{tmp / 'store.db'}"
    _make_users(store_url)

    secrets_path = tmp / "secrets.toml"
    secrets_path.write_text(
        "[auth]\n"
        f'redirect_uri = "{app_url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{client_id}"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n'
        # Streamlit asks for prompt=select_account unless told otherwise; this provider knows login/consent/none.
        'client_kwargs = { prompt = "login" }\n\n'
        "[connections.store]\n"
        f'url = "{store_url}"\n')

    provider_log = tmp / "provider.log"
    with open(provider_log, "wb") as log:
        provider = subprocess.Popen([node, str(OIDC_DIR / "provider.mjs"), str(tmp / "provider.json")],
                                    cwd=OIDC_DIR, stdout=log, stderr=subprocess.STDOUT)
    app_log = tmp / "streamlit.log"
    try:
        _wait_for_url(provider, f"http://127.0.0.1:{provider_port}/.well-known/openid-configuration", provider_log)
        with open(app_log, "wb") as log:
            app = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                 "--server.port", str(app_port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
                 "--secrets.files", str(secrets_path)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            _wait_for_url(app, f"{app_url}/_stcore/health", app_log)
            yield app_url, store_url
        finally:
            _stop_server(app)
    finally:
        _stop_server(provider)


def _make_users(store_url: str) -> None:
    from analytics import store
    workspace_store = store.open_store(store_url)
    store.add_user(workspace_store, ACCOUNTS["ada"]["email"], "admin")
    store.add_user(workspace_store, ACCOUNTS["max"]["email"], "manager", directorates=(DIRECTORATE,))
    store.add_user(workspace_store, ACCOUNTS["bea"]["email"], "board")


# --- browser helpers ---------------------------------------------------------------------------------------

def _open_signed_in(browser, app_url: str, login: str):
    """A new browser context signed in as ``login`` through the provider's login page; records every websocket
    message the page receives in ``page.received`` (text, bytes decoded leniently)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.received = []

    def on_socket(socket_):
        socket_.on("framereceived", lambda payload: page.received.append(
            payload if isinstance(payload, str) else payload.decode("utf-8", errors="replace")))

    page.on("websocket", on_socket)
    page.goto(app_url)
    _wait_idle(page)
    assert labels.SIGN_IN_TEXT in page.inner_text("body")
    page.get_by_role("button", name=labels.SIGN_IN_BUTTON).click()
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_url(f"{app_url}/**")
    _wait_idle(page)
    return context, page


def _nav_titles(page) -> list[str]:
    """The navigation's page titles (each link's last line: the icon's name comes first)."""
    return [t.strip().splitlines()[-1].strip() for t in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


def _go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    _wait_idle(page)


def _audit_actions(store_url: str) -> list[tuple[str, str]]:
    from analytics import store
    log = store.audit_log(store.open_store(store_url))
    return list(zip(log["user"], log["action"]))


# --- the test ----------------------------------------------------------------------------------------------

def test_roles_after_signing_in_with_a_real_provider(browser, workspace):
    app_url, store_url = workspace

    context, page = _open_signed_in(browser, app_url, "ada")
    try:
        body = page.inner_text("body")
        assert labels.LOCAL_MODE_NOTICE not in body and "ada.admin@trust.example" in body
        assert page.locator(f'input[aria-label="{K_LABEL}"]').count() == 1
        titles = _nav_titles(page)
        for title in ("Board assurance", "Team explorer", "Relationships", "Trends", "Data", "Admin"):
            assert title in titles, titles
        # The control for the manager's check below: an administrator's Team explorer is sent every team.
        _go(page, "Team explorer")
        assert all(team in "\n".join(page.received) for team in OTHER_DIRECTORATE_TEAMS)
    finally:
        context.close()

    context, page = _open_signed_in(browser, app_url, "max")
    try:
        assert _nav_titles(page) == ["Board assurance", "Team explorer", "Trends"]
        assert page.locator(f'input[aria-label="{K_LABEL}"]').count() == 0
        for title in ("Board assurance", "Team explorer", "Trends"):
            _go(page, title)
            html = page.content()
            assert DIRECTORATE in html
            for team in OTHER_DIRECTORATE_TEAMS:
                assert team not in html, (title, team)
        sent = "\n".join(page.received)
        assert DIRECTORATE in sent
        for team in OTHER_DIRECTORATE_TEAMS:
            assert team not in sent, team
    finally:
        context.close()

    context, page = _open_signed_in(browser, app_url, "bea")
    try:
        assert _nav_titles(page) in ([], ["Board assurance"])  # one page: Streamlit may hide a one-entry menu
        assert page.locator(f'input[aria-label="{K_LABEL}"]').count() == 0
        assert "set by an administrator" in page.inner_text("body")
    finally:
        context.close()

    context, page = _open_signed_in(browser, app_url, "zed")
    try:
        body = page.inner_text("body")
        assert labels.NO_ROLE_TEXT.format(email="zed.nobody@trust.example") in body
        assert _nav_titles(page) == [] and DIRECTORATE not in page.content() and "Board assurance" not in body
        assert "\n".join(page.received).count(DIRECTORATE) == 0
    finally:
        context.close()

    actions = _audit_actions(store_url)
    for login in ("ada", "max", "bea"):
        assert (ACCOUNTS[login]["email"].lower(), auth.ACTION_SIGN_IN) in actions, actions
    assert ("zed.nobody@trust.example", auth.ACTION_REFUSED) in actions, actions
    assert access.pages_for("board") == ("board",)
