"""The session's user: sign-in with ``st.login`` when ``[auth]`` is configured, else unsecured local mode.

- No ``[auth]`` section in the secrets: the app runs as :data:`analytics.access.LOCAL_USER` (an
  administrator) and every page says so (:data:`analytics.labels.LOCAL_MODE_NOTICE`); ``.streamlit/config.toml``
  binds the server to 127.0.0.1.
- ``[auth]`` configured: a visitor who is not signed in sees only a sign-in button (``st.login``, OpenID
  Connect). A signed-in user's role and units come from the store (``analytics.store.get_user``, keyed by the
  e-mail the provider vouches for); an e-mail without a role sees :data:`analytics.labels.NO_ROLE_TEXT` and
  nothing else. Sign-in (once per session) and sign-out are written to the store's audit log.

What a role may see or do is decided in :mod:`analytics.access`, never here. Without ``[auth]``, tests inject a
user with :data:`USER_KEY` in the session state (AppTest has no identity provider); with ``[auth]`` that key
is ignored: the user is always the one the provider signed in, with the role the store gives.
"""

from __future__ import annotations

import os

import streamlit as st

from analytics import access, labels, settings, store
from analytics.access import LOCAL_USER, User
from analytics.errors import InputError
from analytics.store.engine import make_sqlite_folder

#: Session-state key of a :class:`~analytics.access.User` injected by tests (read only without ``[auth]``).
USER_KEY = "auth_user"
#: Session-state key: the e-mail whose sign-in has been written to the audit log in this session.
_AUDITED_KEY = "auth_sign_in_recorded"
#: Audit-log actions.
ACTION_SIGN_IN = "sign-in"
ACTION_SIGN_OUT = "sign-out"
ACTION_REFUSED = "sign-in without a role"


def _secrets_section(name: str):
    """``st.secrets[name]``, or None when there is no secrets file or no such section."""
    try:
        return st.secrets[name] if name in st.secrets else None
    except Exception:  # no secrets file at all (Streamlit raises its own FileNotFoundError subclass)
        return None


def auth_configured() -> bool:
    """Whether sign-in is set up (an ``[auth]`` section in ``.streamlit/secrets.toml``)."""
    return _secrets_section("auth") is not None


def store_url() -> str | None:
    """The store's URL from ``[connections.store] url`` in the secrets, or None (the store's default file)."""
    connections = _secrets_section("connections")
    try:
        return str(connections["store"]["url"]) if connections is not None else None
    except (KeyError, TypeError):
        return None


@st.cache_resource(show_spinner=False)
def _open_store(url: str | None):
    """The store through Streamlit's SQL connection (``[connections.store]`` in the secrets; else the
    ``WORKSPACE_STORE_URL`` variable or the embedded SQLite file), with the same tables and code as the CLI."""
    url = url or os.environ.get(settings.STORE_URL_ENV) or settings.DEFAULT_STORE_URL
    try:
        make_sqlite_folder(url)
        connection = st.connection("store", type="sql", url=url)
    except Exception as exc:  # Streamlit wraps the driver's errors in its own types
        raise InputError(f"The store cannot be opened: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    return store.open_store(engine=connection.engine)


def workspace_store():
    """The workspace store (one engine per server process and URL)."""
    return _open_store(store_url())


def record(user_email: str, action: str, **detail) -> None:
    """One line in the store's audit log."""
    store.record_audit(workspace_store(), user_email, action, **detail)


#: How long a user's role is remembered before the store is asked again: a changed or removed role applies to
#: open sessions within this many seconds.
ROLE_CACHE_SECONDS = 30


@st.cache_data(ttl=ROLE_CACHE_SECONDS, max_entries=1000, show_spinner=False)
def _stored_user(email: str, url: str | None) -> User | None:
    stored = store.get_user(_open_store(url), email)
    return User.from_stored(stored) if stored is not None else None


def _signed_in_email() -> str | None:
    """The signed-in user's e-mail (lower-cased), "" when the provider sent none, None when not signed in."""
    if not st.user.get("is_logged_in", False):
        return None
    email = st.user.get("email")
    return str(email).strip().lower() if email else ""


def current_user() -> User | None:
    """The session's user. With ``[auth]``: the signed-in user with their role from the store (asked again
    every :data:`ROLE_CACHE_SECONDS`), or None (not signed in, or no role). Without: a user injected under
    :data:`USER_KEY` (tests), else :data:`LOCAL_USER`."""
    if not auth_configured():
        user = st.session_state.get(USER_KEY)
        return user if isinstance(user, User) else LOCAL_USER
    email = _signed_in_email()
    return _stored_user(email, store_url()) if email else None


def is_local_mode() -> bool:
    return current_user() is LOCAL_USER


def require_user() -> User:
    """The session's user, or a sign-in page / the no-role message and ``st.stop()``.

    Called by app.py before the navigation is built and by every page's frame (a deep link).
    """
    try:
        user = current_user()
        if user is not None:
            _record_sign_in(user)
            return user
    except InputError as exc:  # the store cannot be reached: say so, show nothing else
        st.error(str(exc), icon=":material/error:")
        st.stop()
    email = _signed_in_email()
    # Only this screen: a hidden one-page navigation, so no page of the app is listed or can be opened.
    screen = _sign_in_screen if email is None else _no_role_screen
    st.navigation([st.Page(screen, title=labels.SIGN_IN_BUTTON)], position="hidden").run()
    st.stop()


def _sign_in_screen() -> None:
    st.info(labels.SIGN_IN_TEXT, icon=":material/login:")
    if st.button(labels.SIGN_IN_BUTTON, type="primary", key="auth_sign_in"):
        st.login()


def _no_role_screen() -> None:
    email = _signed_in_email() or "(no e-mail address sent by the sign-in provider)"
    if st.session_state.get(_AUDITED_KEY) != email:
        st.session_state[_AUDITED_KEY] = email
        record(email, ACTION_REFUSED)
    st.warning(labels.NO_ROLE_TEXT.format(email=email), icon=":material/block:")
    if st.button(labels.SIGN_OUT_BUTTON, key="auth_sign_out_no_role"):
        sign_out(email)


def _record_sign_in(user: User) -> None:
    if user is LOCAL_USER or not auth_configured() or st.session_state.get(_AUDITED_KEY) == user.email:
        return
    st.session_state[_AUDITED_KEY] = user.email
    record(user.email, ACTION_SIGN_IN, role=user.role.value)


def sign_out(email: str) -> None:
    """Write the sign-out to the audit log, forget the session's user and sign out (``st.logout``)."""
    record(email, ACTION_SIGN_OUT)
    st.session_state.pop(_AUDITED_KEY, None)
    st.logout()


def render_user_box(user: User) -> None:
    """In the sidebar: local-mode notice is on the page; here who is signed in, their role, and sign-out."""
    if user is LOCAL_USER:
        return
    st.caption(f"Signed in as {user.email} ({user.role.value})")
    if user.is_scoped:
        units = ", ".join([*user.directorates, *user.teams]) or "none yet"
        st.caption(labels.SCOPE_TEXT.format(units=units))
    if auth_configured() and st.button(labels.SIGN_OUT_BUTTON, key="auth_sign_out"):
        sign_out(user.email)


def local_mode_notice(user: User) -> None:
    """The unsecured-local-mode warning, on every page."""
    if user is LOCAL_USER:
        st.warning(labels.LOCAL_MODE_NOTICE, icon=":material/lock_open:")


def allowed_pages(user: User) -> tuple[str, ...]:
    return access.pages_for(user.role)
