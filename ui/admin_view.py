"""The Admin page: add or change a user's role, and read or export the audit log (administrators only).

Every change is written to the audit log with the administrator's e-mail. What a role may do is decided in
:mod:`analytics.access`; users and the log live in the store (:mod:`analytics.store`).
"""

from __future__ import annotations

import streamlit as st

from analytics import access, labels
from analytics.access import Role
from analytics.errors import InputError
from ui import auth

ACTION_USER_SET = "user_role_set"


def _admin() -> access.User:
    user = auth.current_user()
    if user is None or not access.may_publish(user.role):
        st.warning(labels.PAGE_NOT_ALLOWED_TEXT.format(role=user.role.value if user else "none"),
                   icon=":material/block:")
        st.stop()
    return user


def parse_units(text: str) -> tuple[str, ...]:
    """Unit names typed one per line (or separated by semicolons), blanks dropped, order kept, no repeats."""
    names = [part.strip() for line in text.splitlines() for part in line.split(";")]
    return tuple(dict.fromkeys(n for n in names if n))


def render_users() -> None:
    admin = _admin()
    st.subheader("Users and roles")
    st.caption("admin: every page, publish, users, k · board: the Board and its pack · manager: Board, Team explorer "
               "and Trends for their directorates or teams only · analyst: every page but this one.")
    if auth.is_local_mode():
        st.info("Unsecured local mode has one user; users and roles apply once sign-in is set up (README).",
                icon=":material/info:")
        return
    from analytics import store
    with st.form("admin_user_form", clear_on_submit=True):
        email = st.text_input("E-mail address (as the sign-in provider sends it)")
        role = st.selectbox("Role", [r.value for r in Role], index=1)
        directorates = st.text_area("Directorates (managers only; one per line)")
        teams = st.text_area("Teams (managers only; one per line)")
        if st.form_submit_button("Save user"):
            try:
                if not email.strip() or "@" not in email:
                    raise InputError("Type the user's e-mail address (name@organisation).")
                scope = _scope(Role.parse(role), parse_units(directorates), parse_units(teams))
                store.add_user(auth.workspace_store(), email.strip(), role, scope=scope)
            except InputError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                auth.record(admin.email, ACTION_USER_SET, email=email.strip().lower(), role=role)
                st.success(f"{email.strip().lower()} is now {role}.", icon=":material/check_circle:")


def _scope(role: Role, directorates: tuple[str, ...], teams: tuple[str, ...]) -> tuple[str, ...]:
    if role is not Role.MANAGER:
        return ()
    if not directorates and not teams:
        raise InputError("A manager needs at least one directorate or team to see.")
    return (*[f"directorate:{d}" for d in directorates], *[f"team:{t}" for t in teams])


def render_audit_log() -> None:
    _admin()
    st.subheader("Audit log")
