"""Compassionate leadership dashboard: entry point.

Sets the page up, asks who is using it (``ui/auth.py``: sign-in when ``[auth]`` is configured, else unsecured
local mode), draws the shared frame (sidebar: signed-in user, dataset in use, wave, directorate, anonymity
threshold for administrators, HR exclusions; the "sample data" banner), and runs the page chosen in the
navigation, which lists only the pages the user's role may open (``analytics.access.pages_for``). Pages live
in ``pages/``; shared glue in ``ui/``; all computation in ``analytics/``.
"""

import streamlit as st

from analytics import access
from ui.auth import require_user
from ui.state import PAGE_CONFIG, app_frame, draw_frame
from ui.theme import theme_control

st.set_page_config(**PAGE_CONFIG)
user = require_user()

#: Navigation sections: (page id of analytics.access, st.Page).
PAGES = {
    "Board": [
        (access.PAGE_BOARD, st.Page("pages/board.py", title="Board assurance", icon=":material/verified_user:",
                                    default=True)),
    ],
    "Explore": [
        (access.PAGE_TEAM_EXPLORER, st.Page("pages/team_explorer.py", title="Team explorer", icon=":material/groups:")),
        (access.PAGE_RELATIONSHIPS, st.Page("pages/relationships.py", title="Relationships",
                                            icon=":material/scatter_plot:")),
        (access.PAGE_TRENDS, st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:")),
    ],
    "Data": [
        (access.PAGE_DATA, st.Page("pages/data.py", title="Data", icon=":material/upload_file:")),
        (access.PAGE_METHODS, st.Page("pages/methods.py", title="Methods & data quality", icon=":material/menu_book:")),
        (access.PAGE_ADMIN, st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:")),
    ],
}
allowed = set(access.pages_for(user.role))
shown = {section: [page for page_id, page in entries if page_id in allowed] for section, entries in PAGES.items()}
page = st.navigation({section: pages for section, pages in shown.items() if pages})
draw_frame()
theme_control()
with app_frame():
    page.run()
