"""Streamlit glue shared by the pages: the dataset in use and the sidebar (:mod:`ui.state`), cached wrappers
keyed by the dataset (:mod:`ui.cache`), one ``<page>_view`` module per page, and tables with their
downloads (:mod:`ui.tables`, :mod:`ui.downloads`).

Figures come from :mod:`render` and numbers, labels and thresholds from :mod:`analytics.format`,
:mod:`analytics.labels` and :mod:`analytics.rag`, none of which import Streamlit.
"""
