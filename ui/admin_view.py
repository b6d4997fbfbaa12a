"""The Admin page: add or change a user's role, and read or export the audit log (administrators only).

Every change is written to the audit log with the administrator's e-mail. What a role may do is decided in
:mod:`analytics.access`; users and the log live in the store (:mod:`analytics.store`).
"""

from __future__ import annotations

import streamlit as st

from analytics import access, labels, settings, store
from analytics.access import Role
from analytics.errors import InputError
from analytics.export import csv_bytes
from ui import auth


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
    """The users table, and a form to add a user, change a role or remove a user (audited with the admin's e-mail)."""
    admin = _admin()
    st.subheader("Users and roles")
    st.caption("admin: every page, publish, users, k · board: the Board and its pack · manager: Board, Team explorer "
               "and Trends for their directorates or teams only · analyst: every page but this one.")
    if auth.is_local_mode():
        st.info("Unsecured local mode: the roles below apply once sign-in is set up (README); until then "
                "everyone who opens this address is an administrator.", icon=":material/info:")
    workspace = auth.workspace_store()
    users = store.list_users(workspace)
    st.dataframe(users.assign(directorates=users["directorates"].map("; ".join),
                              teams=users["teams"].map("; ".join)), hide_index=True, key="admin_users")
    with st.form("admin_user_form", clear_on_submit=True):
        email = st.text_input("E-mail address (as the sign-in provider sends it)")
        role = st.selectbox("Role", [r.value for r in Role], index=1)
        directorates = st.text_area("Directorates (managers only; one per line)")
        teams = st.text_area("Teams (managers only; one per line)")
        remove = st.checkbox("Remove this user instead")
        if st.form_submit_button("Save"):
            try:
                _save_user(workspace, admin, email, role, directorates, teams, remove=remove,
                           known=set(users["email"]))
            except InputError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.rerun()


def _save_user(workspace, admin: access.User, email: str, role: str, directorates: str, teams: str, *,
               remove: bool, known: set[str]) -> None:
    """Add, change or remove one user in the store (each audited by the store with ``by=`` the admin)."""
    address = email.strip().lower()
    if remove:
        store.remove_user(workspace, address, by=admin.email)
        return
    scope = manager_scope(Role.parse(role), parse_units(directorates), parse_units(teams))
    change = store.set_role if address in known else store.add_user
    change(workspace, address, role, by=admin.email, **scope)


def manager_scope(role: Role, directorates: tuple[str, ...], teams: tuple[str, ...]) -> dict:
    """The units a user may see, as the store takes them: only managers have any, and a manager needs one."""
    if role is not Role.MANAGER:
        return {"directorates": (), "teams": ()}
    if not directorates and not teams:
        raise InputError("A manager needs at least one directorate or team to see.")
    return {"directorates": directorates, "teams": teams}


def render_audit_log() -> None:
    """The audit log, newest first, with a CSV export (formula-safe, as every download)."""
    _admin()
    st.subheader("Audit log")
    log = store.audit_log(auth.workspace_store())
    shown = log.iloc[::-1].assign(detail=log["detail"].iloc[::-1].map(lambda d: ", ".join(f"{k}: {v}" for k, v in d.items())))
    st.dataframe(shown, hide_index=True, key="admin_audit_log")
    st.download_button("Export the audit log (CSV)", csv_bytes(shown), file_name="audit_log.csv", mime="text/csv",
                       key="admin_audit_download", icon=":material/download:")


def render_waves() -> None:
    """Published waves and their versions, with withdraw (hidden from users, kept for audit) and delete (with its
    data); either asks for the wave's name again. Both are audited by the store."""
    admin = _admin()
    st.subheader("Published waves")
    versions = store.published_waves(auth.workspace_store())
    if versions.empty:
        st.caption("No wave is published yet. Check your files on the Data page, then publish them.")
        return
    st.dataframe(versions, hide_index=True, key="admin_waves")
    with st.form("admin_wave_form"):
        wave = st.selectbox("Wave", sorted(versions["wave"].astype(str).unique()))
        action = st.radio("What to do", ["Withdraw", "Delete with its data"], horizontal=True,
                          help="Withdraw hides the wave from everyone and keeps its versions for audit; publishing "
                               "it again makes a new version. Delete removes every version and its data.")
        confirm = st.text_input("Type the wave's name to confirm")
        if not st.form_submit_button("Apply", icon=":material/gavel:"):
            return
    if confirm.strip() != wave:
        st.error(f"Type {wave} in the box to confirm.", icon=":material/error:")
        return
    change = store.withdraw_wave if action == "Withdraw" else store.delete_wave
    try:
        change(auth.workspace_store(), wave, by=admin.email)
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    from ui import state
    state.forget_published()
    st.toast(f"Wave {wave}: {action.lower()} done.", icon=":material/check:")
    st.rerun()


def render_threshold() -> None:
    """The organisation's anonymity threshold for publishing: every later publication uses at least this k
    (never below the floor of 5); audited by the store."""
    admin = _admin()
    st.subheader("Anonymity threshold for publishing")
    with st.form("admin_threshold_form"):
        left, right = st.columns([3, 1])
        organisation = left.text_input("Organisation", value=settings.DEFAULT_ORGANISATION_NAME,
                                       help="The organisation the waves are published for.")
        k = right.number_input("Minimum responses", min_value=settings.MIN_GROUP_SIZE_FLOOR, max_value=100,
                               value=settings.DEFAULT_MIN_GROUP_SIZE, step=1)
        if not st.form_submit_button("Set the threshold", icon=":material/lock:"):
            return
    try:
        store.set_organisation_k(auth.workspace_store(), organisation, int(k), by=admin.email)
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.success(f"Waves of {organisation} are now published with at least {int(k)} responses per group.",
               icon=":material/check_circle:")
