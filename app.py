"""Compassionate leadership dashboard: entry point.

Sets the page up, draws the shared frame (sidebar: dataset in use, wave, directorate, anonymity
threshold, HR exclusions; the "sample data" banner), and runs the page chosen in the navigation. Pages
live in ``pages/``; shared glue in ``ui/``; all computation in ``analytics/``.
"""

import streamlit as st

from ui.state import PAGE_CONFIG, app_frame, draw_frame

st.set_page_config(**PAGE_CONFIG)

PAGES = {
    "Board": [
        st.Page("pages/board.py", title="Board assurance", icon=":material/verified_user:", default=True),
    ],
    "Explore": [
        st.Page("pages/team_explorer.py", title="Team explorer", icon=":material/groups:"),
        st.Page("pages/relationships.py", title="Relationships", icon=":material/scatter_plot:"),
        st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"),
    ],
    "Data": [
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
        st.Page("pages/methods.py", title="Methods & data quality", icon=":material/menu_book:"),
    ],
}

page = st.navigation(PAGES)
draw_frame()
with app_frame():
    page.run()
