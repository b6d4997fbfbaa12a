"""Compassionate leadership dashboard: entry point.

Sets the page up, draws the shared sidebar, shows the "sample data" banner, and runs the page chosen in
the navigation. Pages live in ``pages/``; shared glue in ``ui/``; all computation in ``analytics/``.
"""

import streamlit as st

from ui.state import current_spec, render_sidebar

st.set_page_config(page_title="Compassionate leadership dashboard", page_icon=":material/diversity_1:",
                   layout="wide")

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
render_sidebar()
if current_spec().is_sample:
    st.info("**Sample data.** You are looking at a fictional trust shipped with the dashboard. "
            "Upload your own survey and HR files on the Data page.", icon=":material/science:")
page.run()
