"""Admin (OD team): who may sign in with which role, the published waves, and the audit log."""

import streamlit as st

from ui import admin_view as view
from ui.state import ensure_frame

ensure_frame()

st.title("Admin")
st.caption("Users and roles of this workspace, the waves published to everyone, and the audit log of sign-ins and "
           "changes. Only administrators see this page.")
view.render_users()
view.render_waves()
view.render_threshold()
view.render_audit_log()
